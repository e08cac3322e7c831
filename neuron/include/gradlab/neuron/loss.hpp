#pragma once
/// @file loss.hpp
/// Losses as records, like activations: one struct per loss, with its value and hand-derived
/// derivative written once, generic in the number type.
///
/// A loss record has texts (name, formula, derivative, plain and LaTeX), `value(f, y)` and
/// `d(f, y)` = dL/df on the neuron's output f. When `value` is a template on y's type too, the same
/// formula runs on matrix nodes (f and y whole columns, entry by entry), which the neuron's batch
/// path sums (or the record's `value_sum(f, y)`, the same sum in fewer nodes). A loss may also absorb an
/// activation: it then names it (`absorbs = "sigmoid"`) and gives `value_logit(z, y)` and `d_logit(z, y)` =
/// dL/dz on the pre-activation z, which the neuron uses instead, for numerical stability. A loss defined only
/// for outputs in an open interval declares `output_range`.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "gradlab/autodiff.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/registry.hpp"

namespace gradlab {

namespace losses {

/// Squared error: L(f, y) = 1/2 (f - y)^2;  dL/df = f - y
struct SquaredError {
  static constexpr const char* name = "squared_error";
  static constexpr const char* formula = "L(f, y) = 1/2 (f - y)^2";
  static constexpr const char* formula_latex = R"(L(\hat y, y) = \tfrac12 (\hat y - y)^2)";
  static constexpr const char* derivative = "dL/df = f - y";
  static constexpr const char* derivative_latex = R"(\frac{\partial L}{\partial \hat y} = \hat y - y)";
  template <class T, class Y> static T value(const T& f, const Y& y) {
    const T e = f - y;
    return 0.5 * e * e;
  }
  template <class T> static T d(const T& f, double y) { return f - y; }
  /// sum_i value(f_i, y_i) on matrix nodes as one dot product of 0.5 e and e: the same products
  /// and the same (fixed-order) additions as sum(value(f, y)), so the same digits, without the
  /// matrix of products and its broadcast adjoint (the batch neuron at 10^5 x 100: 0.1-0.4 ms less).
  static Var value_sum(const MatVar& f, const MatVar& y) {
    const MatVar e = f - y;
    return dot(0.5 * e, e);
  }
};

/// Binary cross-entropy: L(f, y) = -[y ln f + (1 - y) ln(1 - f)];  dL/df = (f - y) / (f (1 - f)).
/// With f = sigmoid(z) it is computed from z in log-sigmoid form: L = softplus(z) - y z, which never
/// takes the log of 0 and never overflows;  dL/dz = sigmoid(z) - y.
struct BinaryCrossEntropy {
  static constexpr const char* name = "binary_cross_entropy";
  static constexpr const char* formula = "L(f, y) = -[y ln f + (1 - y) ln(1 - f)],  0 < f < 1";
  static constexpr const char* formula_latex =
      R"(L(\hat y, y) = -\bigl[y \ln \hat y + (1 - y)\ln(1 - \hat y)\bigr])";
  static constexpr const char* derivative = "dL/df = (f - y) / (f (1 - f))";
  static constexpr const char* derivative_latex =
      R"(\frac{\partial L}{\partial \hat y} = \frac{\hat y - y}{\hat y\,(1 - \hat y)})";
  static constexpr Domain output_range{0.0, 1.0};
  static constexpr const char* absorbs = "sigmoid";
  static constexpr const char* logit_formula = "L(z, y) = softplus(z) - y z   (f = sigmoid(z))";
  static constexpr const char* logit_derivative = "dL/dz = sigmoid(z) - y";
  template <class T, class Y> static T value(const T& f, const Y& y) {
    return -(y * ops::log(f) + (1.0 - y) * ops::log(1.0 - f));
  }
  template <class T> static T d(const T& f, double y) { return (f - y) / (f * (1.0 - f)); }
  template <class T, class Y> static T value_logit(const T& z, const Y& y) {
    return ops::softplus(z) - y * z;
  }
  template <class T> static T d_logit(const T& z, double y) { return ops::sigmoid(z) - y; }
};

}  // namespace losses

/// What a struct needs to be a loss record.
template <class L>
concept LossRecord = requires {
  { L::name } -> std::convertible_to<const char*>;
  { L::formula } -> std::convertible_to<const char*>;
  { L::formula_latex } -> std::convertible_to<const char*>;
  { L::derivative } -> std::convertible_to<const char*>;
  { L::derivative_latex } -> std::convertible_to<const char*>;
};

/// A loss at run time: the record's texts and functions.
struct LossInfo {
  std::string_view name;
  std::string_view formula;
  std::string_view formula_latex;
  std::string_view derivative;
  std::string_view derivative_latex;
  std::optional<Domain> output_range;  ///< open interval the output f must lie in, if any
  std::string_view absorbs;            ///< the activation folded into the logit form ("" if none)
  std::string_view logit_formula;
  std::string_view logit_derivative;
  const void* key = nullptr;

  double (*value)(double f, double y) = nullptr;  ///< L(f, y)
  double (*d)(double f, double y) = nullptr;      ///< dL/df
  Var (*value_var)(const Var& f, double y) = nullptr;
  double (*value_logit)(double z, double y) = nullptr;  ///< L(z, y) with f = absorbs(z), if any
  double (*d_logit)(double z, double y) = nullptr;      ///< dL/dz, if any
  Var (*value_logit_var)(const Var& z, double y) = nullptr;
  /// L(f_k, y_k) and dL/df at (f_k, y_k) for k < n in one call (the digits of value and d): the
  /// neuron's formula pass calls it once per block of samples.
  void (*values_and_d_fn)(const double* f, const double* y, double* l, double* dl, std::size_t n) = nullptr;
  /// The same from the pre-activations: value_logit and d_logit, if any.
  void (*logit_values_and_d_fn)(const double* z, const double* y, double* l, double* dl,
                                std::size_t n) = nullptr;
  /// sum_i L(f_i, y_i) on matrix nodes (f, y: n x 1), if the record's value is generic in y
  Var (*value_matrix)(const MatVar& f, const MatVar& y) = nullptr;
  /// sum_i L(z_i, y_i) from the pre-activations on matrix nodes, if the record allows
  Var (*value_logit_matrix)(const MatVar& z, const MatVar& y) = nullptr;

  /// True when this loss, used after `act`, is computed from the pre-activation instead.
  [[nodiscard]] bool uses_logit(const ActivationInfo& act) const {
    return value_logit != nullptr && act.name == absorbs;
  }
  /// Throws DomainError when f lies outside output_range (says which sample and activation).
  void check_output(double f, std::size_t sample, std::string_view activation) const;
};

namespace detail {
/// The run-time entry of a record.
template <LossRecord L> LossInfo make_loss_info() {
  LossInfo info;
  info.name = L::name;
  info.formula = L::formula;
  info.formula_latex = L::formula_latex;
  info.derivative = L::derivative;
  info.derivative_latex = L::derivative_latex;
  if constexpr (requires { L::output_range; }) info.output_range = L::output_range;
  info.key = &record_key<L>;
  info.value = [](double f, double y) { return L::value(f, y); };
  info.d = [](double f, double y) { return L::d(f, y); };
  info.value_var = [](const Var& f, double y) { return L::value(f, y); };
  info.values_and_d_fn = [](const double* f, const double* y, double* l, double* dl, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      l[k] = L::value(f[k], y[k]);
      dl[k] = L::d(f[k], y[k]);
    }
  };
  if constexpr (requires(const MatVar& m) { L::value_sum(m, m); })
    info.value_matrix = [](const MatVar& f, const MatVar& y) { return L::value_sum(f, y); };
  else if constexpr (requires(const MatVar& m) { L::value(m, m); })
    info.value_matrix = [](const MatVar& f, const MatVar& y) { return sum(L::value(f, y)); };
  if constexpr (requires { L::absorbs; }) {
    info.absorbs = L::absorbs;
    info.logit_formula = L::logit_formula;
    info.logit_derivative = L::logit_derivative;
    info.value_logit = [](double z, double y) { return L::value_logit(z, y); };
    info.d_logit = [](double z, double y) { return L::d_logit(z, y); };
    info.value_logit_var = [](const Var& z, double y) { return L::value_logit(z, y); };
    info.logit_values_and_d_fn = [](const double* z, const double* y, double* l, double* dl, std::size_t n) {
      for (std::size_t k = 0; k < n; ++k) {
        l[k] = L::value_logit(z[k], y[k]);
        dl[k] = L::d_logit(z[k], y[k]);
      }
    };
    if constexpr (requires(const MatVar& m) { L::value_logit(m, m); })
      info.value_logit_matrix = [](const MatVar& z, const MatVar& y) { return sum(L::value_logit(z, y)); };
  }
  return info;
}
/// Adds a user's loss to the registry (after the built-in ones).
const LossInfo& add_loss(const LossInfo& info);
}  // namespace detail

/// Registers a loss record defined outside the library. Same rules as register_activation.
template <LossRecord L> const LossInfo& register_loss() {
  return detail::add_loss(detail::make_loss_info<L>());
}

/// Registers squared_error and binary_cross_entropy once (thread-safe).
void register_builtin_losses();
/// The loss with this name; throws Error listing the known names when there is none.
const LossInfo& loss(std::string_view name);
/// Every registered loss, in registration order.
std::vector<const LossInfo*> loss_list();
/// The names of every registered loss.
std::vector<std::string> loss_names();

}  // namespace gradlab
