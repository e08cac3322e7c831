#pragma once
/// @file activation.hpp
/// Activations as records, and everything generated from a record: the runtime registry, the
/// engine op, and the three-way derivative check.
///
/// An activation is ONE struct (see activations.hpp for the built-in ones):
///
///     struct Softsign {
///       static constexpr const char* name = "softsign";
///       static constexpr const char* formula = "f(x) = x / (1 + |x|)";
///       static constexpr const char* formula_latex = R"(f(x) = \frac{x}{1 + |x|})";
///       static constexpr const char* derivative = "f'(x) = 1 / (1 + |x|)^2";
///       static constexpr const char* derivative_latex = R"(f'(x) = \frac{1}{(1 + |x|)^2})";
///       static constexpr const char* kink = "f'(0) = 1: |x| has a kink at 0 but f' is continuous";
///       static constexpr gradlab::Domain domain{-6.0, 6.0};          // where checks sample x
///       static constexpr std::array<double, 1> kinks{0.0};          // optional: points checks avoid
///       static constexpr gradlab::Domain range{-1.0, 1.0};          // optional: the outputs it can give
///       template <class T> static T value(const T& x) { return x / (1.0 + gradlab::ops::abs(x)); }
///       template <class T> static T d(const T& x) { ... }           // the hand-derived f'
///     };
///
/// A parametric activation adds `static constexpr double default_alpha` and takes `double alpha`
/// as the last argument of value and d. An activation that is already an engine primitive names
/// it with `using engine_op = gradlab::ops::Sigmoid;` so that no duplicate op is registered; it then
/// has no `d`: its derivative is the op's own rule (detail::record_d), written once in ops.hpp.
/// `value` and `d` are written with gradlab::ops:: functions, so both work on double, on Var and on
/// MatVar (entry by entry): autodiff differentiates through `value`, and `d` is itself
/// differentiable (second derivatives).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gradlab/autodiff.hpp"
#include "gradlab/neuron/registry.hpp"
#include "gradlab/neuron/report.hpp"

namespace gradlab {

/// An interval [lo, hi] of x where an activation's checks sample points.
struct Domain {
  double lo;
  double hi;
};

/// What a struct needs to be an activation record.
template <class A>
concept ActivationRecord = requires {
  { A::name } -> std::convertible_to<const char*>;
  { A::formula } -> std::convertible_to<const char*>;
  { A::formula_latex } -> std::convertible_to<const char*>;
  { A::derivative } -> std::convertible_to<const char*>;
  { A::derivative_latex } -> std::convertible_to<const char*>;
  { A::kink } -> std::convertible_to<const char*>;
  { A::domain } -> std::convertible_to<Domain>;
};

/// True for a record with a parameter alpha (it declares default_alpha).
template <class A> inline constexpr bool has_alpha = requires { A::default_alpha; };

namespace detail {
/// True for a record that writes its own derivative `d`.
template <class A> inline constexpr bool has_own_derivative = requires(double x) { A::d(x); }
|| requires(double x) { A::d(x, 0.0); };

/// f'(x) of a record without a parameter, given f = f(x): for a record that names an engine op, the
/// op's rule at (x, f), so that the derivative is written in one place (ops.hpp); otherwise the
/// record's d (which does not need f).
template <class A, class T> T record_d_given(const T& x, [[maybe_unused]] const T& f) {
  if constexpr (requires { typename A::engine_op; }) {
    static_assert(!has_own_derivative<A>,
                  "an activation that names an engine_op takes its derivative from that op: remove its d");
    return A::engine_op::d(x, f);
  } else {
    return A::d(x);
  }
}

/// f'(x) of a record without a parameter (record_d_given at f(x)).
template <class A, class T> T record_d(const T& x) {
  if constexpr (requires { typename A::engine_op; })
    return record_d_given<A>(x, A::value(x));
  else
    return A::d(x);
}

/// True for a record whose engine op also has a vectorised loop over many entries (sigmoid's values).
template <class A> inline constexpr bool has_values = requires(const double* x, double* y, Eigen::Index n) {
  A::engine_op::values(x, y, n);
};

/// f(x_k) and f'(x_k) for k < n: value_fn and d_fn over a block of entries in one call, with their
/// digits (an engine op's rule takes the f just computed, as record_d would compute it again). Where
/// the engine op has a vectorised loop (values), f comes from it: the same bits as value_fn.
template <class A>
void record_values_and_slopes(const double* x, double* f, double* df, std::size_t n, double alpha) {
  if constexpr (has_values<A>) {
    A::engine_op::values(x, f, static_cast<Eigen::Index>(n));
    for (std::size_t k = 0; k < n; ++k) df[k] = record_d_given<A>(x[k], f[k]);
    return;
  }
  for (std::size_t k = 0; k < n; ++k) {
    if constexpr (has_alpha<A>) {
      f[k] = A::value(x[k], alpha);
      df[k] = A::d(x[k], alpha);
    } else {
      f[k] = A::value(x[k]);
      df[k] = record_d_given<A>(x[k], f[k]);
    }
  }
}

/// The block function of an activation made at run time (from a file): Value and Slope (its value_fn
/// and d_fn) entry by entry.
template <double (*Value)(double, double), double (*Slope)(double, double)>
void values_and_slopes_of(const double* x, double* f, double* df, std::size_t n, double alpha) {
  for (std::size_t k = 0; k < n; ++k) {
    f[k] = Value(x[k], alpha);
    df[k] = Slope(x[k], alpha);
  }
}

/// |x - k| for the nearest of the record's kinks k (infinity when it declares none).
template <class A> double distance_to_kinks(double x) {
  double d = std::numeric_limits<double>::infinity();
  for (double k : A::kinks) d = std::min(d, std::abs(x - k));
  return d;
}

/// The engine op generated from a record: value from value<double>, local derivative from d<T>.
template <class A, bool Parametric = has_alpha<A>>
struct ActivationOp {  // y = f(x);  dy/dx = f'(x) from the record
  static constexpr const char* name = A::name;
  static constexpr ops::Arity arity = ops::Arity::Unary;
  static double value(double x) { return A::value(x); }
  template <class T> static T d(const T& x, const T& /*y*/) { return A::d(x); }
  static constexpr const char* kink = A::kink;
  static double kink_distance(double x) requires requires { A::kinks; }
  { return distance_to_kinks<A>(x); }
};
template <class A> struct ActivationOp<A, true> {  // y = f(x; alpha);  dy/dx = f'(x; alpha) from the record
  static constexpr const char* name = A::name;
  static constexpr ops::Arity arity = ops::Arity::UnaryParam;
  static constexpr double default_param = A::default_alpha;
  static double value(double x, double alpha) { return A::value(x, alpha); }
  template <class T> static T d(const T& x, double alpha, const T& /*y*/) { return A::d(x, alpha); }
  static constexpr const char* kink = A::kink;
  static double kink_distance(double x, double /*alpha*/) requires requires { A::kinks; }
  { return distance_to_kinks<A>(x); }
};

/// The record's fused op: the engine primitive it names, else the generated op.
template <class A> auto fused_op_type() {
  if constexpr (requires { typename A::engine_op; })
    return std::type_identity<typename A::engine_op>{};
  else
    return std::type_identity<ActivationOp<A>>{};
}
template <class A> using FusedOp = typename decltype(fused_op_type<A>())::type;

/// The op id of the record's fused op, which also works entry by entry on matrix nodes.
template <class A> OpId activation_op_id() {
  static_assert(std::string_view(FusedOp<A>::name) == std::string_view(A::name),
                "an activation's engine_op must carry the activation's name");
  return register_elementwise<FusedOp<A>>();
}
}  // namespace detail

/// An activation at run time: the record's texts and its functions, uniform over records.
/// Functions take alpha; it is ignored by activations without a parameter.
struct ActivationInfo {
  std::string_view name;
  std::string_view formula;
  std::string_view formula_latex;
  std::string_view derivative;
  std::string_view derivative_latex;
  std::string_view kink;
  Domain domain{};
  std::vector<double> kinks;            ///< points where f' jumps (the checks keep away from them)
  std::optional<Domain> range;          ///< the outputs f can give, when the record declares them
  std::optional<double> default_alpha;  ///< set for parametric activations
  OpId op = 0;                          ///< the fused op in the engine's op table (same name)
  const void* key = nullptr;            ///< identity of the record type

  double (*value_fn)(double x, double alpha) = nullptr;
  double (*d_fn)(double x, double alpha) = nullptr;
  /// f and f' at n entries in one call (the neuron's formula pass calls it once per block of samples,
  /// not twice per sample): the digits of value_fn and d_fn (vectorised for sigmoid, whose engine op
  /// has a loop over many entries). An activation made at run time (from a file) has
  /// values_and_slopes_of its value_fn and d_fn: the registry takes no activation without one.
  void (*values_and_slopes_fn)(const double* x, double* f, double* df, std::size_t n, double alpha) = nullptr;
  Var (*composite_fn)(const Var& x, double alpha) = nullptr;
  Var (*d_var_fn)(const Var& x, double alpha) = nullptr;
  MatVar (*composite_matrix_fn)(const MatVar& x, double alpha) = nullptr;

  [[nodiscard]] bool parametric() const { return default_alpha.has_value(); }
  /// The alpha to use: the given one, else the default. Throws Error when an alpha is given to an
  /// activation without a parameter.
  [[nodiscard]] double resolve_alpha(std::optional<double> alpha) const;
  /// f(x).
  [[nodiscard]] double value(double x, std::optional<double> alpha = {}) const;
  /// f'(x), the record's hand-derived derivative.
  [[nodiscard]] double d(double x, std::optional<double> alpha = {}) const;
  /// f(x) recorded as the composite of engine primitives: autodiff differentiates through value.
  [[nodiscard]] Var composite(const Var& x, std::optional<double> alpha = {}) const;
  /// f(x) recorded as ONE node of the fused op, whose local derivative is the record's d.
  [[nodiscard]] Var fused(const Var& x, std::optional<double> alpha = {}) const;
  /// The fused op with an already resolved alpha (ignored without a parameter).
  [[nodiscard]] Var apply_fused(const Var& x, double alpha) const;
  /// The fused op entry by entry on a matrix node (one node for the whole matrix).
  [[nodiscard]] MatVar apply_fused(const MatVar& x, double alpha) const;
  /// f'(x) recorded from the record's d on Vars (differentiable).
  [[nodiscard]] Var d(const Var& x, std::optional<double> alpha = {}) const;
};

/// Registers the built-in activations (sigmoid, tanh, relu, leaky_relu, elu, softplus, silu,
/// gelu) once; thread-safe, and cheap to call again. Programs that look activations up by name
/// only through the engine's op table (the expression language) call it at start; the functions
/// below call it themselves.
void register_builtin_activations();

namespace detail {
/// The run-time entry of a record.
template <ActivationRecord A> ActivationInfo make_activation_info() {
  ActivationInfo info;
  info.name = A::name;
  info.formula = A::formula;
  info.formula_latex = A::formula_latex;
  info.derivative = A::derivative;
  info.derivative_latex = A::derivative_latex;
  info.kink = A::kink;
  info.domain = A::domain;
  if constexpr (requires { A::kinks; }) info.kinks.assign(A::kinks.begin(), A::kinks.end());
  if constexpr (requires { A::range; }) info.range = A::range;
  info.key = &record_key<A>;
  if constexpr (has_alpha<A>) {
    info.default_alpha = A::default_alpha;
    info.value_fn = [](double x, double a) { return A::value(x, a); };
    info.d_fn = [](double x, double a) { return A::d(x, a); };
    info.composite_fn = [](const Var& x, double a) { return A::value(x, a); };
    info.d_var_fn = [](const Var& x, double a) { return A::d(x, a); };
    info.composite_matrix_fn = [](const MatVar& x, double a) { return A::value(x, a); };
  } else {
    info.value_fn = [](double x, double) { return A::value(x); };
    info.d_fn = [](double x, double) { return record_d<A>(x); };
    info.composite_fn = [](const Var& x, double) { return A::value(x); };
    info.d_var_fn = [](const Var& x, double) { return record_d<A>(x); };
    info.composite_matrix_fn = [](const MatVar& x, double) { return A::value(x); };
  }
  info.values_and_slopes_fn = &record_values_and_slopes<A>;
  info.op = activation_op_id<A>();
  return info;
}
/// Adds a user's activation to the registry (after the built-in ones).
const ActivationInfo& add_activation(const ActivationInfo& info);
}  // namespace detail

/// Registers an activation record defined outside the library: its entry in the activation
/// registry and its fused op in the engine's op table. Registering the same record again is
/// harmless; another record under a taken name throws Error.
template <ActivationRecord A> const ActivationInfo& register_activation() {
  register_builtin_activations();  // first, so that the built-ins own their names in the op table
  return detail::add_activation(detail::make_activation_info<A>());
}

/// The activation with this name; throws Error listing the known names when there is none.
const ActivationInfo& activation(std::string_view name);
/// Every registered activation, built-in ones first, in registration order.
std::vector<const ActivationInfo*> activation_list();
/// The names of every registered activation.
std::vector<std::string> activation_names();

// ---------------------------------------------------------------------------------------------
// The three-way derivative check, generated from the record.
// ---------------------------------------------------------------------------------------------

/// One sampled point of an activation check.
struct ActivationCheckPoint {
  double x;
  double value;
  double autodiff;          ///< f'(x) by autodiff through the composite value
  double record;            ///< f'(x) from the record's d
  double numeric;           ///< f'(x) by central differences on value<double>
  double fused;             ///< f'(x) by autodiff through the fused op
  double second_fused;      ///< f''(x): autodiff of the fused op's recorded backward pass
  double second_composite;  ///< f''(x): autodiff of autodiff through the composite value
};

/// Options of check_activation.
struct ActivationCheckOptions {
  int points = 100;                  ///< how many random points in the record's domain
  unsigned seed = 12345;             ///< random seed (the check is reproducible)
  double kink_margin = 1e-3;         ///< keep |x - kink| above this
  std::optional<double> alpha = {};  ///< the parameter (default: the record's default)
};

/// The result of check_activation: every point, and the largest disagreements.
struct ActivationCheck {
  std::string name;
  double alpha = 0.0;  ///< the alpha used (0 when the activation has none)
  std::vector<ActivationCheckPoint> points;
  Difference autodiff_vs_record;  ///< differentiating value vs the hand-derived d
  Difference numeric_vs_record;   ///< central differences vs d
  Difference fused_vs_record;     ///< the fused op's first-order sweep vs d
  Difference second_order;        ///< f'' of the fused op vs f'' through the composite
  /// True when each comparison is within tolerances tight enough to catch a wrong factor:
  /// 1e-12 (autodiff, fused, second order) and 1e-7 (central differences), mixed abs/rel.
  [[nodiscard]] bool passed() const;
  /// An aligned table of the first max_rows points and the max differences.
  [[nodiscard]] std::string table(std::size_t max_rows = 10) const;
};

/// Checks an activation three ways (autodiff through value, the record's d, central differences)
/// and its second derivative two ways, at random points of its domain away from kinks.
ActivationCheck check_activation(const ActivationInfo& act, const ActivationCheckOptions& options = {});

/// The step of a central difference at x: h = cbrt(eps) max(1, |x|) (eps = 2^-52), which balances
/// the truncation (~h^2 |f'''|) against the rounding (~eps |f| / h).
inline double central_step(double x) { return 6.0554544523933395e-06 * std::max(1.0, std::abs(x)); }

/// Central difference (f(x + h) - f(x - h)) / 2h with h = central_step(x).
template <class F> double central_difference(F&& f, double x) {
  const double h = central_step(x);
  return (f(x + h) - f(x - h)) / (2.0 * h);
}

}  // namespace gradlab
