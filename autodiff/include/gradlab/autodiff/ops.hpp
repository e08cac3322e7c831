#pragma once
/// @file ops.hpp
/// The primitives: each one's value and local derivative, defined once, in one struct.
///
/// A primitive is a struct with a `name`, an `arity`, a `value` on doubles, and its local
/// derivative rule written once as a template over the number type T:
///
///     struct Sin {  // y = sin x;  dy/dx = cos x
///       static double value(double x) { return std::sin(x); }
///       template <class T> static T d(const T& x, const T& y) { return cos(x); }
///     };
///
/// With T = double the rule drives the fast first-order sweep. With T = Var the same rule records
/// new nodes, so the backward pass is itself differentiable and Hessians come for free. On matrix
/// nodes (matrix.hpp) the rule runs entry by entry with T = double, and with T = MatVar in the
/// differentiable sweep.
/// An op whose derivative jumps (relu, abs, max, ...) also declares where: `kink` in words and
/// `kink_distance(inputs)`, the distance to the nearest jump, so checks know which points to avoid.
/// Users define their own primitives the same way and call `gradlab::apply<MyOp>(x)`.
#include <Eigen/Core>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gradlab/autodiff/fixed_exp.hpp"
#include "gradlab/autodiff/tape.hpp"

namespace gradlab {

class MatVar;

/// The built-in primitives, in the order of their op ids: one line per op. `FN(Op, name)` also
/// makes the free function `name` (double, Var and MatVar arguments alike, generated below from the
/// op's arity); `OP(Op)` is an op without one (leaves, the ops that operators stand for, pow's three
/// forms behind the hand-written pow).
// clang-format 14 does not settle on one layout for this macro.
// clang-format off
#define GRADLAB_OP_LIST(OP, FN) \
  OP(Input) OP(Const) \
  OP(Add) OP(Sub) OP(Mul) OP(Div) OP(Pow) FN(Max, max) FN(Min, min) \
  OP(PowC) OP(AddC) OP(SubC) OP(RSubC) OP(MulC) OP(DivC) OP(RDivC) OP(RPowC) \
  OP(Neg) FN(Exp, exp) FN(Log, log) FN(Sqrt, sqrt) FN(Abs, abs) FN(Sin, sin) FN(Cos, cos) FN(Tan, tan) \
  FN(Tanh, tanh) FN(Erf, erf) \
  FN(Sigmoid, sigmoid) FN(Softplus, softplus) FN(Relu, relu) FN(Step, step) FN(Sign, sign) \
  FN(Asin, asin) FN(Acos, acos) FN(Atan, atan) FN(Sinh, sinh) FN(Cosh, cosh) FN(Asinh, asinh) \
  FN(Acosh, acosh) FN(Atanh, atanh) FN(Log1p, log1p) FN(Expm1, expm1) FN(Erfc, erfc) \
  FN(Floor, floor) FN(Ceil, ceil) FN(Round, round) FN(Hardtanh, hardtanh) FN(Relu6, relu6) \
  FN(Atan2, atan2) FN(Hypot, hypot) FN(Logaddexp, logaddexp) FN(Logsumexp, logsumexp) \
  FN(Xlogy, xlogy) FN(Clamp, clamp) \
  OP(Statement)
// clang-format on

/// X(Op) for every built-in op, in op-id order (the list above without the function names).
#define GRADLAB_BUILTIN_OPS(X) GRADLAB_OPS_EXPAND_(GRADLAB_OP_LIST(X, X GRADLAB_OPS_NAME_ONLY_))
#define GRADLAB_OPS_EXPAND_(...) __VA_ARGS__
#define GRADLAB_OPS_NAME_ONLY_(Op, fn) (Op)
#define GRADLAB_OPS_NONE_(...)

namespace ops {
#define GRADLAB_OPS_DECLARE_STRUCT_(Op, ...) struct Op;
GRADLAB_OP_LIST(GRADLAB_OPS_DECLARE_STRUCT_, GRADLAB_OPS_DECLARE_STRUCT_)
#undef GRADLAB_OPS_DECLARE_STRUCT_

/// An argument of a primitive's free function: a number, a Var or a MatVar.
template <class A>
concept Argument = std::is_arithmetic_v<A> || std::same_as<A, Var> || std::same_as<A, MatVar>;
/// The result of a primitive's free function: a MatVar if an argument is one, else a Var if an
/// argument is one, else a double.
template <class... A> using Result =
    std::conditional_t<(std::same_as<A, MatVar> || ...), MatVar,
                       std::conditional_t<(std::same_as<A, Var> || ...), Var, double>>;
/// Whether the free function of Op takes these arguments (checked where it is called, once the op is
/// complete).
template <class Op, class... A> constexpr bool takes();
}  // namespace ops

// The free functions of the primitives (exp, sin, max ...), declared here so that the rules below can
// call them, and defined at the end of this file: one template for every primitive, whose arity
// says which arguments it takes.
#define GRADLAB_OPS_DECLARE_FN_(Op, fn) \
  template <ops::Argument... A>         \
  requires(ops::takes<ops::Op, A...>()) inline ops::Result<A...> fn(const A&... a);
GRADLAB_OP_LIST(GRADLAB_OPS_NONE_, GRADLAB_OPS_DECLARE_FN_)

// The operators on Var, and pow (an overload set: a^b, x^p and c^x are three ops).
Var operator+(const Var& a, const Var& b);
Var operator-(const Var& a, const Var& b);
Var operator*(const Var& a, const Var& b);
Var operator/(const Var& a, const Var& b);
Var operator-(const Var& x);
Var operator+(const Var& x, double c);
Var operator+(double c, const Var& x);
Var operator-(const Var& x, double c);
Var operator-(double c, const Var& x);
Var operator*(const Var& x, double c);
Var operator*(double c, const Var& x);
Var operator/(const Var& x, double c);
Var operator/(double c, const Var& x);
Var pow(const Var& x, double p);
Var pow(const Var& a, const Var& b);
Var pow(double a, const Var& b);

/// The value of a number: itself for double, the node's value for Var.
inline double value_of(double x) { return x; }
inline double value_of(const Var& x) { return x.value(); }

namespace ops {

/// How many inputs a node has. UnaryParam: one differentiable input and one constant parameter
/// (such as p in x^p or c in c * x), stored in the tape's parameter array.
enum class Arity : std::uint8_t { Leaf, Unary, UnaryParam, Binary };

// The math vocabulary of the rules: every function takes doubles, Vars and MatVars, so a rule
// written once works for all (call them qualified, gradlab::ops::cos, from your own rules).
#define GRADLAB_OPS_USING_FN_(Op, fn) using gradlab::fn;
GRADLAB_OP_LIST(GRADLAB_OPS_NONE_, GRADLAB_OPS_USING_FN_)
#undef GRADLAB_OPS_USING_FN_
using gradlab::pow;
inline double pow(double x, double p) { return std::pow(x, p); }
/// d max(u, v)/du: 1 where u > v, 1/2 at a tie, 0 where u < v, NaN where u or v is NaN (a
/// constant: it reads values only).
inline double tie_share(double u, double v) {
  if (std::isnan(u) || std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
  return u > v ? 1.0 : (u == v ? 0.5 : 0.0);
}

/// The local derivative 1 as a type of its own. The rules of a + b, a - b, x + c and x - c return
/// it, so that every sweep hands the adjoint on as it is: g * one is g (no multiply, no recorded
/// node, and a matrix adjoint is moved instead of copied).
struct One {
  constexpr operator double() const { return 1.0; }  // NOLINT(google-explicit-constructor)
};
inline constexpr One one{};
constexpr double operator*(double g, One) { return g; }
/// Whether a rule's result type R is the derivative 1.
template <class R> inline constexpr bool is_one = std::is_same_v<std::remove_cvref_t<R>, One>;
}  // namespace ops
// The Var forms of the two above (found by argument-dependent lookup from the rules).
inline Var tie_share(const Var& u, const Var& v) { return Var(ops::tie_share(u.value(), v.value())); }
/// f of x's value, as a constant (a rule's piecewise factor: it reads values only, so the
/// recorded sweep does not differentiate it). The MatVar form is in matrix.hpp.
inline double constant_of(double x, double (*f)(double)) { return f(x); }
inline Var constant_of(const Var& x, double (*f)(double)) { return Var(f(x.value())); }
namespace ops {
/// The derivative 0 of a flat piece (step, sign, floor ...), which is NaN at a NaN input.
template <class T> T flat(const T& x) {
  return constant_of(x, [](double v) { return std::isnan(v) ? v : 0.0; });
}
/// 1 where lo < x < hi, 0 outside and at the bounds, NaN at NaN: the derivative of a clamp to
/// [lo, hi] (0 at the bounds, as PyTorch's hardtanh and relu6).
template <int lo, int hi, class T> T inside(const T& x) {
  return constant_of(x, [](double v) { return std::isnan(v) ? v : (v > lo && v < hi ? 1.0 : 0.0); });
}
/// Where an op is real (of its input; of the last one for a binary op): the open interval the tests
/// sample it in, and the docs' domain column. Not declared: the whole line.
struct Interval {
  double lo, hi;
};
}  // namespace ops
inline const Var& operator*(const Var& g, ops::One) { return g; }
namespace ops {

// ---------------------------------------------------------------------------------------------
// The catalogue. One struct per primitive: value, then local derivative(s). x, a, b are inputs,
// y is the node's own value, p a constant parameter.
// ---------------------------------------------------------------------------------------------

struct Input {  // an independent variable
  static constexpr const char* name = "input";
  static constexpr Arity arity = Arity::Leaf;
};
struct Const {  // a constant; its adjoint is never read
  static constexpr const char* name = "const";
  static constexpr Arity arity = Arity::Leaf;
};

struct Add {  // y = a + b;  dy/da = 1, dy/db = 1
  static constexpr const char* name = "add";
  static constexpr const char* symbol = "+";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return a + b; }
  template <class T> static One da(const T&, const T&, const T&) { return one; }
  template <class T> static One db(const T&, const T&, const T&) { return one; }
};
struct Sub {  // y = a - b;  dy/da = 1, dy/db = -1
  static constexpr const char* name = "sub";
  static constexpr const char* symbol = "-";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return a - b; }
  template <class T> static One da(const T&, const T&, const T&) { return one; }
  template <class T> static T db(const T&, const T&, const T&) { return T(-1.0); }
};
struct Mul {  // y = a b;  dy/da = b, dy/db = a
  static constexpr const char* name = "mul";
  static constexpr const char* symbol = "*";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return a * b; }
  template <class T> static T da(const T&, const T& b, const T&) { return b; }
  template <class T> static T db(const T& a, const T&, const T&) { return a; }
};
struct Div {  // y = a / b;  dy/da = 1/b, dy/db = -y/b
  static constexpr const char* name = "div";
  static constexpr const char* symbol = "/";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return a / b; }
  template <class T> static T da(const T&, const T& b, const T&) { return 1.0 / b; }
  template <class T> static T db(const T&, const T& b, const T& y) { return -y / b; }
};
struct Pow {  // y = a^b (a > 0);  dy/da = b a^(b-1), dy/db = y log a
  static constexpr const char* name = "pow";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return std::pow(a, b); }
  /// a^b = exp(b ln a) is differentiable in b only for a > 0 (x^p with a constant p, PowC, takes
  /// any base); apply checks this before recording.
  static bool in_domain(double a, double) { return a > 0; }
  static std::string domain_error(double a, double b);
  template <class T> static T da(const T& a, const T& b, const T&) { return b * pow(a, b - 1.0); }
  template <class T> static T db(const T& a, const T&, const T& y) { return y * log(a); }
};
struct Max {  // y = max(a, b);  dy/da = [a > b] (1/2 at a tie), dy/db = [b > a] (1/2 at a tie)
  static constexpr const char* name = "max";
  static constexpr Arity arity = Arity::Binary;
  /// max(a, b, c, ...): the k arguments that tie for the maximum get 1/k of the adjoint each.
  static Var nary(std::span<const Var> xs);
  static double value(double a, double b) { return a > b || std::isnan(a) ? a : b; }  // NaN wins
  static constexpr const char* kink = "a tie, a = b";
  static double kink_distance(double a, double b) { return std::abs(a - b); }
  template <class T> static T da(const T& a, const T& b, const T&) { return tie_share(a, b); }
  template <class T> static T db(const T& a, const T& b, const T&) { return tie_share(b, a); }
};
struct Min {  // y = min(a, b);  dy/da = [a < b] (1/2 at a tie), dy/db = [b < a] (1/2 at a tie)
  static constexpr const char* name = "min";
  static constexpr Arity arity = Arity::Binary;
  /// min(a, b, c, ...): the k arguments that tie for the minimum get 1/k of the adjoint each.
  static Var nary(std::span<const Var> xs);
  static double value(double a, double b) { return a < b || std::isnan(a) ? a : b; }  // NaN wins
  static constexpr const char* kink = "a tie, a = b";
  static double kink_distance(double a, double b) { return std::abs(a - b); }
  template <class T> static T da(const T& a, const T& b, const T&) { return tie_share(b, a); }
  template <class T> static T db(const T& a, const T& b, const T&) { return tie_share(a, b); }
};

struct PowC {  // y = x^p, p constant;  dy/dx = p x^(p-1)  (0 when p = 0)
  static constexpr const char* name = "powc";
  static constexpr const char* symbol = "^";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double p) { return std::pow(x, p); }
  template <class T> static T d(const T& x, double p, const T&) {
    return p == 0.0 ? T(0.0) : p * pow(x, p - 1.0);
  }
};

struct AddC {  // y = x + c;  dy/dx = 1
  static constexpr const char* name = "addc";
  static constexpr const char* symbol = "+";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return x + c; }
  template <class T> static One d(const T&, double, const T&) { return one; }
};
struct SubC {  // y = x - c;  dy/dx = 1
  static constexpr const char* name = "subc";
  static constexpr const char* symbol = "-";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return x - c; }
  template <class T> static One d(const T&, double, const T&) { return one; }
};
struct RSubC {  // y = c - x;  dy/dx = -1
  static constexpr const char* name = "rsubc";
  static constexpr const char* symbol = "-";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return c - x; }
  template <class T> static T d(const T&, double, const T&) { return T(-1.0); }
};
struct MulC {  // y = c x;  dy/dx = c
  static constexpr const char* name = "mulc";
  static constexpr const char* symbol = "*";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return c * x; }
  template <class T> static T d(const T&, double c, const T&) { return T(c); }
};
struct DivC {  // y = x / c;  dy/dx = 1/c
  static constexpr const char* name = "divc";
  static constexpr const char* symbol = "/";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return x / c; }
  template <class T> static T d(const T&, double c, const T&) { return T(1.0 / c); }
};
struct RDivC {  // y = c / x;  dy/dx = -y/x
  static constexpr const char* name = "rdivc";
  static constexpr const char* symbol = "/";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return c / x; }
  template <class T> static T d(const T& x, double, const T& y) { return -y / x; }
};
struct RPowC {  // y = c^x (c > 0);  dy/dx = y ln c
  static constexpr const char* name = "rpowc";
  static constexpr const char* symbol = "^";
  static constexpr Arity arity = Arity::UnaryParam;
  static double value(double x, double c) { return std::pow(c, x); }
  /// c^x is Pow with a constant base: Pow's domain (c > 0) and message.
  static bool in_domain(double x, double c) { return Pow::in_domain(c, x); }
  static std::string domain_error(double x, double c) { return Pow::domain_error(c, x); }
  template <class T> static T d(const T&, double c, const T& y) { return y * std::log(c); }
};

struct Neg {  // y = -x;  dy/dx = -1
  static constexpr const char* name = "neg";
  static constexpr const char* symbol = "-";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return -x; }
  template <class T> static T d(const T&, const T&) { return T(-1.0); }
};
struct Exp {  // y = e^x;  dy/dx = y
  static constexpr const char* name = "exp";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::exp(x); }
  template <class T> static T d(const T&, const T& y) { return y; }
};
struct Log {  // y = ln x;  dy/dx = 1/x
  static constexpr const char* name = "log";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{0.0, std::numeric_limits<double>::infinity()};
  static double value(double x) { return std::log(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / x; }
};
struct Sqrt {  // y = sqrt x;  dy/dx = 1 / (2y)
  static constexpr const char* name = "sqrt";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{0.0, std::numeric_limits<double>::infinity()};
  static double value(double x) { return std::sqrt(x); }
  template <class T> static T d(const T&, const T& y) { return 0.5 / y; }
};
struct Abs {  // y = |x|;  dy/dx = sign x  (0 at x = 0, as PyTorch)
  static constexpr const char* name = "abs";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::abs(x); }
  static constexpr const char* kink = "x = 0";
  static double kink_distance(double x) { return std::abs(x); }
  template <class T> static T d(const T& x, const T&) { return sign(x); }
};
struct Sin {  // y = sin x;  dy/dx = cos x
  static constexpr const char* name = "sin";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::sin(x); }
  template <class T> static T d(const T& x, const T&) { return cos(x); }
};
struct Cos {  // y = cos x;  dy/dx = -sin x
  static constexpr const char* name = "cos";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::cos(x); }
  template <class T> static T d(const T& x, const T&) { return -sin(x); }
};
struct Tan {  // y = tan x;  dy/dx = 1 + y^2
  static constexpr const char* name = "tan";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::tan(x); }
  template <class T> static T d(const T&, const T& y) { return 1.0 + y * y; }
};
struct Tanh {  // y = tanh x;  dy/dx = 1 - y^2
  static constexpr const char* name = "tanh";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::tanh(x); }
  template <class T> static T d(const T&, const T& y) { return 1.0 - y * y; }
};
struct Erf {  // y = erf x;  dy/dx = (2/sqrt(pi)) e^(-x^2)
  static constexpr const char* name = "erf";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::erf(x); }
  template <class T> static T d(const T& x, const T&) {
    return std::numbers::inv_sqrtpi * 2.0 * exp(-(x * x));
  }
};
struct Sigmoid {  // y = 1 / (1 + e^-x) = e^x / (1 + e^x);  dy/dx = y (1 - y)
  static constexpr const char* name = "sigmoid";
  static constexpr Arity arity = Arity::Unary;
  /// With e = e^-|x| in (0, 1] (gradlab's own exp, never overflowing): 1 / (1 + e) for x >= 0,
  /// e / (1 + e) below, so that y = e^x down to the subnormals. The same bits in every build
  /// (fixed_exp.hpp); NaN gives NaN.
  static double value(double x) { return of_exp(x, fixed_order::exp(-std::abs(x))); }
  /// y_k = value(x_k) for k < n, vectorised through exp's branch-free form (matrix nodes, the
  /// neuron's formula pass): each entry the bits of value(x_k), at any position and register width.
  static void values(const double* x, double* y, Eigen::Index n) {
    for (Eigen::Index k = 0; k < n; ++k) y[k] = of_exp(x[k], fixed_order::exp_lanes(-std::abs(x[k])));
  }
  /// y from x and e = e^-|x| (a select, no branch).
  static double of_exp(double x, double e) { return (x < 0 ? e : 1.0) / (1.0 + e); }
  template <class T> static T d(const T&, const T& y) { return y * (1.0 - y); }
};
struct Softplus {  // y = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|);  dy/dx = sigmoid x
  static constexpr const char* name = "softplus";
  static constexpr Arity arity = Arity::Unary;
  /// softplus(x, beta) = softplus(beta x) / beta, PyTorch's parameter (without its threshold: the
  /// value is accurate for every beta x, where PyTorch returns x once beta x > 20).
  static Var nary(std::span<const Var> xs);
  static constexpr std::uint8_t max_args = 2;
  static double value(double x) { return (x > 0 ? x : 0.0) + std::log1p(std::exp(-std::abs(x))); }
  template <class T> static T d(const T& x, const T&) { return sigmoid(x); }
};
struct Relu {  // y = max(x, 0);  dy/dx = step x  (0 at x = 0, as PyTorch)
  static constexpr const char* name = "relu";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return x > 0 || std::isnan(x) ? x : 0.0; }
  static constexpr const char* kink = "x = 0";
  static double kink_distance(double x) { return std::abs(x); }
  template <class T> static T d(const T& x, const T&) { return step(x); }
};
struct Step {  // y = [x > 0] (Heaviside, 0 at x = 0; NaN at NaN);  dy/dx = 0 (NaN at NaN)
  static constexpr const char* name = "step";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return x > 0 ? 1.0 : (std::isnan(x) ? x : 0.0); }
  static constexpr const char* kink = "x = 0";
  static double kink_distance(double x) { return std::abs(x); }
  template <class T> static T d(const T& x, const T&) { return flat(x); }
};
struct Sign {  // y = sign x (0 at x = 0; NaN at NaN);  dy/dx = 0 (NaN at NaN)
  static constexpr const char* name = "sign";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : (std::isnan(x) ? x : 0.0)); }
  static constexpr const char* kink = "x = 0";
  static double kink_distance(double x) { return std::abs(x); }
  template <class T> static T d(const T& x, const T&) { return flat(x); }
};

// ---- inverse trigonometric and hyperbolic ------------------------------------------------------

struct Asin {  // y = asin x (|x| <= 1);  dy/dx = 1 / sqrt(1 - x^2)  (inf at x = +-1, as PyTorch)
  static constexpr const char* name = "asin";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{-1.0, 1.0};
  static double value(double x) { return std::asin(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / sqrt(1.0 - x * x); }
};
struct Acos {  // y = acos x (|x| <= 1);  dy/dx = -1 / sqrt(1 - x^2)  (-inf at x = +-1, as PyTorch)
  static constexpr const char* name = "acos";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{-1.0, 1.0};
  static double value(double x) { return std::acos(x); }
  template <class T> static T d(const T& x, const T&) { return -1.0 / sqrt(1.0 - x * x); }
};
struct Atan {  // y = atan x;  dy/dx = 1 / (1 + x^2)
  static constexpr const char* name = "atan";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::atan(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / (1.0 + x * x); }
};
struct Sinh {  // y = sinh x;  dy/dx = cosh x
  static constexpr const char* name = "sinh";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::sinh(x); }
  template <class T> static T d(const T& x, const T&) { return cosh(x); }
};
struct Cosh {  // y = cosh x;  dy/dx = sinh x
  static constexpr const char* name = "cosh";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::cosh(x); }
  template <class T> static T d(const T& x, const T&) { return sinh(x); }
};
struct Asinh {  // y = asinh x;  dy/dx = 1 / sqrt(x^2 + 1)
  static constexpr const char* name = "asinh";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::asinh(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / sqrt(x * x + 1.0); }
};
struct Acosh {  // y = acosh x (x >= 1);  dy/dx = 1 / sqrt(x^2 - 1)  (inf at x = 1, as PyTorch)
  static constexpr const char* name = "acosh";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{1.0, std::numeric_limits<double>::infinity()};
  static double value(double x) { return std::acosh(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / sqrt(x * x - 1.0); }
};
struct Atanh {  // y = atanh x (|x| < 1);  dy/dx = 1 / (1 - x^2)  (inf at x = +-1, as PyTorch)
  static constexpr const char* name = "atanh";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{-1.0, 1.0};
  static double value(double x) { return std::atanh(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / (1.0 - x * x); }
};

// ---- accurate near their edges -------------------------------------------------------------------

struct Log1p {  // y = ln(1 + x), accurate for small x (x > -1);  dy/dx = 1 / (1 + x)
  static constexpr const char* name = "log1p";
  static constexpr Arity arity = Arity::Unary;
  static constexpr Interval defined_on{-1.0, std::numeric_limits<double>::infinity()};
  static double value(double x) { return std::log1p(x); }
  template <class T> static T d(const T& x, const T&) { return 1.0 / (1.0 + x); }
};
struct Expm1 {  // y = e^x - 1, accurate for small x;  dy/dx = e^x = y + 1
  static constexpr const char* name = "expm1";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::expm1(x); }
  template <class T> static T d(const T&, const T& y) { return y + 1.0; }
};
struct Erfc {  // y = 1 - erf x, accurate for large x (erfc 10 = 2.1e-45);  dy/dx = -(2/sqrt(pi)) e^(-x^2)
  static constexpr const char* name = "erfc";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::erfc(x); }
  template <class T> static T d(const T& x, const T&) {
    return -std::numbers::inv_sqrtpi * 2.0 * exp(-(x * x));
  }
};

// ---- piecewise -------------------------------------------------------------------------------------

struct Floor {  // y = floor x;  dy/dx = 0 (kinks: the integers)
  static constexpr const char* name = "floor";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::floor(x); }
  static constexpr const char* kink = "x an integer";
  static double kink_distance(double x) { return std::abs(x - std::nearbyint(x)); }
  template <class T> static T d(const T& x, const T&) { return flat(x); }
};
struct Ceil {  // y = ceil x;  dy/dx = 0 (kinks: the integers)
  static constexpr const char* name = "ceil";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::ceil(x); }
  static constexpr const char* kink = "x an integer";
  static double kink_distance(double x) { return std::abs(x - std::nearbyint(x)); }
  template <class T> static T d(const T& x, const T&) { return flat(x); }
};
struct Round {  // y = x rounded to the nearest integer, halves to even (as PyTorch, NumPy);  dy/dx = 0
  static constexpr const char* name = "round";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return std::nearbyint(x); }  // the default rounding mode: to even
  static constexpr const char* kink = "x an integer + 1/2";
  static double kink_distance(double x) { return std::abs(x - std::floor(x) - 0.5); }
  template <class T> static T d(const T& x, const T&) { return flat(x); }
};
struct Hardtanh {  // y = clamp(x, -1, 1);  dy/dx = [-1 < x < 1]  (0 at x = +-1, as PyTorch)
  static constexpr const char* name = "hardtanh";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return x > 1.0 ? 1.0 : (x < -1.0 ? -1.0 : x); }  // NaN stays NaN
  static constexpr const char* kink = "x = -1 or x = 1";
  static double kink_distance(double x) { return std::abs(std::abs(x) - 1.0); }
  template <class T> static T d(const T& x, const T&) { return inside<-1, 1>(x); }
};
struct Relu6 {  // y = clamp(x, 0, 6);  dy/dx = [0 < x < 6]  (0 at x = 0 and 6, as PyTorch)
  static constexpr const char* name = "relu6";
  static constexpr Arity arity = Arity::Unary;
  static double value(double x) { return x > 6.0 ? 6.0 : (x < 0.0 ? 0.0 : x); }  // NaN stays NaN
  static constexpr const char* kink = "x = 0 or x = 6";
  static double kink_distance(double x) { return std::min(std::abs(x), std::abs(x - 6.0)); }
  template <class T> static T d(const T& x, const T&) { return inside<0, 6>(x); }
};

// ---- two arguments -----------------------------------------------------------------------------------

struct Atan2 {  // y = atan2(a, b), the angle of the point (b, a);  dy/da = b / r^2, dy/db = -a / r^2
  static constexpr const char* name = "atan2";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return std::atan2(a, b); }
  /// The value jumps by 2 pi across the negative b axis (and the origin has no derivative: NaN, as
  /// PyTorch): points near that ray are not checked.
  static constexpr const char* kink = "the cut a = 0, b <= 0";
  static double kink_distance(double a, double b) { return b <= 0 ? std::abs(a) : std::hypot(a, b); }
  template <class T> static T da(const T& a, const T& b, const T&) { return b / (a * a + b * b); }
  template <class T> static T db(const T& a, const T& b, const T&) { return -a / (a * a + b * b); }
};
struct Hypot {  // y = sqrt(a^2 + b^2) without overflow;  dy/da = a / y, dy/db = b / y  (0 at 0)
  static constexpr const char* name = "hypot";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) { return std::hypot(a, b); }
  /// At a = b = 0 the gradient is 0, as torch.norm (whose subgradient it is; torch.hypot gives NaN):
  /// y + [y = 0]/2 replaces y in the denominator there, where a = b = 0.
  template <class T> static T da(const T& a, const T&, const T& y) { return a / nonzero(y); }
  template <class T> static T db(const T&, const T& b, const T& y) { return b / nonzero(y); }
  template <class T> static T nonzero(const T& y) {
    return y + constant_of(y, [](double v) { return v == 0.0 ? 0.5 : 0.0; });
  }
};
struct Logaddexp {  // y = ln(e^a + e^b) without overflow;  dy/da = e^(a - y), dy/db = e^(b - y)
  static constexpr const char* name = "logaddexp";
  static constexpr Arity arity = Arity::Binary;
  static double value(double a, double b) {
    const double m = a > b || std::isnan(a) ? a : b;
    if (std::isinf(m) && a == b) return m;  // -inf + -inf and inf + inf: no inf - inf
    return m + std::log1p(std::exp(-std::abs(a - b)));
  }
  template <class T> static T da(const T& a, const T&, const T& y) { return exp(a - y); }
  template <class T> static T db(const T&, const T& b, const T& y) { return exp(b - y); }
};
struct Clamp {  // y = max(x, lo), PyTorch's clamp(x, min=lo);  dy/dx = [x >= lo], dy/dlo = [lo > x]
  static constexpr const char* name = "clamp";
  static constexpr Arity arity = Arity::Binary;
  static double value(double x, double lo) { return x >= lo || std::isnan(x) ? x : lo; }
  static constexpr const char* kink = "x = lo";
  static double kink_distance(double x, double lo) { return std::abs(x - lo); }
  /// At x = lo the derivative goes to x (1), not to the bound (0), as PyTorch's clamp.
  template <class T> static T da(const T& x, const T& lo, const T&) { return from_x(x, lo); }
  template <class T> static T db(const T& x, const T& lo, const T&) { return 1.0 - from_x(x, lo); }
  /// [x >= lo] (NaN at NaN): t (3 - 2t) maps tie_share's 0, 1/2, 1 to 0, 1, 1.
  template <class T> static T from_x(const T& x, const T& lo) {
    const T t = tie_share(x, lo);
    return t * (3.0 - 2.0 * t);
  }
  /// clamp(x, lo, hi) = -clamp(-clamp(x, lo), -hi): both bounds, each tie going to x.
  static Var nary(std::span<const Var> xs);
  static constexpr std::uint8_t max_args = 3;
};
struct Logsumexp : Logaddexp {  // y = ln(e^a + e^b + ...), with the largest argument factored out
  static constexpr const char* name = "logsumexp";
  static Var nary(std::span<const Var> xs);
};
struct Xlogy {  // y = a ln b, and 0 at a = 0 (as SciPy, PyTorch);  dy/da = xlogy([a != 0], b), dy/db = a / b
  static constexpr const char* name = "xlogy";
  static constexpr Arity arity = Arity::Binary;
  static constexpr Interval defined_on{0.0, std::numeric_limits<double>::infinity()};  // of b
  static double value(double a, double b) {
    if (std::isnan(b)) return b;
    return a == 0 ? 0.0 : a * std::log(b);
  }
  /// d/da is ln b, and 0 at a = 0 as PyTorch's (so that 0 ln 0 has derivative 0 there too).
  template <class T> static T da(const T& a, const T& b, const T&) {
    return xlogy(constant_of(a, [](double v) { return v == 0.0 ? 0.0 : 1.0; }), b);
  }
  template <class T> static T db(const T& a, const T& b, const T&) { return a / b; }
};

struct Statement {  // a statement entry (statements.hpp): its leaves' partials are on the tape
  static constexpr const char* name = "statement entry";  // not a word: no expression names it
  static constexpr Arity arity = Arity::Leaf;             // not callable through apply(OpId, ...)
};

enum class Builtin : OpId {
#define GRADLAB_ENUM_ENTRY(N) N,
  GRADLAB_BUILTIN_OPS(GRADLAB_ENUM_ENTRY)
#undef GRADLAB_ENUM_ENTRY
      Count
};

static_assert(static_cast<OpId>(Builtin::Input) == kInputOp && static_cast<OpId>(Builtin::Const) == kConstOp);
static_assert(static_cast<OpId>(Builtin::Statement) == kStatementOp, "kStatementOp is ops::Statement's id");

/// A primitive as the sweeps and the expression language see it: a row of the op table.
template <class Op>
concept Primitive = requires {
  { Op::name } -> std::convertible_to<const char*>;
  { Op::arity } -> std::convertible_to<Arity>;
};

/// How many arguments Op's node takes (1 or 2), and the most that its n-ary form takes, if any.
template <class Op> constexpr std::size_t node_args() { return Op::arity == Arity::Unary ? 1 : 2; }
template <class Op> constexpr std::uint8_t max_args() {
  if constexpr (requires { Op::max_args; })
    return Op::max_args;
  else
    return std::numeric_limits<std::uint8_t>::max();
}
/// Throws DomainError when (a, b) is outside Op's domain: the one check of an op that declares
/// `in_domain` (a binary op's two inputs, or a UnaryParam op's input and parameter). Other ops
/// accept every input (IEEE 754 gives NaN or Inf outside their domain; see DetectAnomaly).
template <class Op>
[[gnu::always_inline]] inline void check_domain([[maybe_unused]] double a, [[maybe_unused]] double b) {
  if constexpr (requires { Op::in_domain(a, b); })
    if (!Op::in_domain(a, b)) [[unlikely]]
      throw DomainError(Op::domain_error(a, b));
}

}  // namespace ops

// ---------------------------------------------------------------------------------------------
// The two sweeps. One generic function applies an op's rule to one node; the sweep type decides
// whether the numbers are doubles (fast, first order) or Vars (recorded, differentiable).
// ---------------------------------------------------------------------------------------------

/// First-order sweep state: adjoints are doubles.
struct DoubleSweep {
  const Tape& tape;
  const Node* nodes;  // tape.node(0), cached for the hot loop
  double* adj;
  [[nodiscard]] double val(Index i) const { return nodes[i].value; }
  [[nodiscard]] Index parent_a(Index i) const { return nodes[i].a; }
  [[nodiscard]] Index parent_b(Index i) const { return nodes[i].link.b; }  // of a binary op's or matrix node
  [[nodiscard]] double param(Index i) const { return nodes[i].param; }
  [[nodiscard]] double partial(Index i) const { return nodes[i].partial; }
  [[nodiscard]] static bool needs(Index) { return true; }
  void add(Index i, double d) const { adj[i] += d; }
  [[nodiscard]] double adjoint(Index i) const { return adj[i]; }
};

/// Differentiable sweep state: adjoints are Vars on the same tape (invalid Var = exact zero).
struct RecordedSweep {
  Tape& tape;
  std::vector<Var>& adj;
  const std::vector<bool>& active;  ///< node depends on an input, so its adjoint matters
  [[nodiscard]] Var val(Index i) const { return tape.at(i); }
  [[nodiscard]] Index parent_a(Index i) const { return tape.parent_a(i); }
  [[nodiscard]] Index parent_b(Index i) const { return tape.parent_b(i); }
  [[nodiscard]] double param(Index i) const { return tape.param(i); }
  [[nodiscard]] bool needs(Index i) const { return active[i]; }
  void add(Index i, const Var& d) const { adj[i] = adj[i].valid() ? adj[i] + d : d; }
  [[nodiscard]] Var adjoint(Index i) const { return adj[i]; }
  /// Node i, whose adjoint is g, hands nothing on: g is an exact zero, or i does not depend on an input.
  [[nodiscard]] bool skip(Index i, const Var& g) const { return !g.valid() || !active[i]; }
};

/// Applies the local-derivative rule of Op at node i with upstream adjoint g (adj_a += g * da ...).
/// Always inlined, so that the hot loop of Tape::backward keeps its state in registers.
template <ops::Primitive Op, class Sweep, class T>
[[gnu::always_inline]] inline void backward_node(const Sweep& s, Index i, [[maybe_unused]] const T& g) {
  [[maybe_unused]] const Index a = s.parent_a(i);
  if constexpr (Op::arity == ops::Arity::Unary) {
    // On doubles the node holds Op::d, worked out when it was recorded (apply); on Vars it is recorded now.
    if constexpr (std::is_same_v<T, double>) {
      if (s.needs(a)) s.add(a, g * s.partial(i));
    } else {
      if (s.needs(a)) s.add(a, g * Op::d(s.val(a), s.val(i)));
    }
  } else if constexpr (Op::arity == ops::Arity::UnaryParam) {
    if (s.needs(a)) s.add(a, g * Op::d(s.val(a), s.param(i), s.val(i)));
  } else if constexpr (Op::arity == ops::Arity::Binary) {
    const Index b = s.parent_b(i);
    if (s.needs(a)) s.add(a, g * Op::da(s.val(a), s.val(b), s.val(i)));
    if (s.needs(b)) s.add(b, g * Op::db(s.val(a), s.val(b), s.val(i)));
  }
}

/// One term of the chain rule: node `user` consumes node i, so adjoint(i) += adjoint(user) * local.
struct ChainTerm {
  Index user;
  double local;  ///< d user / d node i (this use of it), from the op's one local-derivative rule
  int input;     ///< which input of user node i is here: 0 (its first input, a), 1 (its second, b)
};
/// For every node up to root, the terms that make up its adjoint (users in increasing order): each
/// op's rule run once with upstream adjoint 1. Every use is its own term: in x*x the node x gets two
/// terms from the one user, as input a and as input b, just as the sweep adds twice. Nodes made by
/// matrix ops contribute no terms.
std::vector<std::vector<ChainTerm>> chain_terms(const Tape& tape, Index root);

// ---------------------------------------------------------------------------------------------
// The op table: built-in ops first, then ops that users register (on first use of apply<Op>).
// ---------------------------------------------------------------------------------------------

/// One row of the op table.
struct OpInfo {
  const char* name = "";
  ops::Arity arity = ops::Arity::Leaf;
  /// The operator that stands for the op in formulas (+, -, *, /, ^), or null. An op with an
  /// operator is written with it: the expression language does not call it by name.
  const char* symbol = nullptr;
  /// Throws DomainError when the inputs are outside the op's domain (see ops::check_domain).
  void (*check_domain)(double, double) = nullptr;
  /// Ops whose derivative jumps somewhere (relu, abs, max, ...): where, in words ("x = 0"), and the
  /// distance from the inputs (a, b; b unused by unary ops) to the nearest such point. Null: smooth.
  const char* kink = nullptr;
  double (*kink_distance)(double, double) = nullptr;
  double (*value1)(double) = nullptr;            ///< Unary
  double (*partial1)(double, double) = nullptr;  ///< Unary: dy/dx at x and y = value1(x) (Op::d)
  double (*value2)(double, double) = nullptr;    ///< Binary and UnaryParam
  void (*backward)(const DoubleSweep&, Index, double) = nullptr;
  void (*backward_recorded)(const RecordedSweep&, Index, const Var&) = nullptr;
  /// A Binary op that also takes three or more arguments (max, min, logsumexp): that form, else null.
  Var (*nary)(std::span<const Var>) = nullptr;
  /// With a nary form: the most arguments the op takes (its arity's count without one).
  std::uint8_t max_args = 0;
  /// UnaryParam only: the parameter used when a caller omits it (NaN: it must be given).
  double default_param = std::numeric_limits<double>::quiet_NaN();
};

/// Builds the table row of a primitive from its struct.
template <ops::Primitive Op> OpInfo make_op_info() {
  OpInfo info{Op::name, Op::arity};
  if constexpr (requires { Op::symbol; }) info.symbol = Op::symbol;
  if constexpr (requires { Op::in_domain(0.0, 0.0); }) info.check_domain = &ops::check_domain<Op>;
  if constexpr (requires { Op::kink_distance(0.0); }) {
    info.kink = Op::kink;
    info.kink_distance = [](double x, double) { return Op::kink_distance(x); };
  } else if constexpr (requires { Op::kink_distance(0.0, 0.0); }) {
    info.kink = Op::kink;
    info.kink_distance = [](double a, double b) { return Op::kink_distance(a, b); };
  }
  if constexpr (Op::arity == ops::Arity::Unary) {
    info.value1 = [](double x) { return Op::value(x); };
    info.partial1 = [](double x, double y) { return static_cast<double>(Op::d(x, y)); };
  }
  if constexpr (Op::arity == ops::Arity::Binary || Op::arity == ops::Arity::UnaryParam)
    info.value2 = [](double a, double b) { return Op::value(a, b); };
  if constexpr (requires { Op::default_param; }) info.default_param = Op::default_param;
  if constexpr (requires(std::span<const Var> xs) { Op::nary(xs); }) {
    info.nary = &Op::nary;
    info.max_args = ops::max_args<Op>();
  }
  info.backward = [](const DoubleSweep& s, Index i, double g) { backward_node<Op>(s, i, g); };
  info.backward_recorded = [](const RecordedSweep& s, Index i, const Var& g) { backward_node<Op>(s, i, g); };
  return info;
}

/// Adds a row to the op table (thread-safe) and returns its id. Throws Error when the name is
/// already taken or the table is full.
OpId register_op(const OpInfo& info);
/// The row of op id (id < op_count()).
const OpInfo& op_info(OpId id);
/// How many ops the table holds, built-in and registered.
std::size_t op_count();
/// The id of the op with this name, if any.
std::optional<OpId> find_op(std::string_view name);

template <class Op> inline constexpr int builtin_id = -1;
#define GRADLAB_BUILTIN_ID(N) \
  template <> inline constexpr int builtin_id<ops::N> = static_cast<int>(ops::Builtin::N);
GRADLAB_BUILTIN_OPS(GRADLAB_BUILTIN_ID)
#undef GRADLAB_BUILTIN_ID

/// The op id of a primitive: fixed for built-ins; registered on first use for user ops.
template <ops::Primitive Op> OpId op_id() {
  if constexpr (builtin_id<Op> >= 0) {
    return static_cast<OpId>(builtin_id<Op>);
  } else {
    static const OpId id = register_op(make_op_info<Op>());
    return id;
  }
}

namespace detail {
/// apply<Op>'s slow path, out of line: makes room on the active tape (Tape::current_with_room: the
/// thread's default tape, a grown tape, or TapeError) and records the op. The fast path calls
/// nothing before the node is stored, so that the operands' values and the result stay in
/// registers in the caller's loop (a call on the way, even a cold one, puts them in memory). The
/// arguments are copies: a reference would keep the caller's Vars in memory on the fast path too.
template <class Op, class... Args> [[gnu::noinline, gnu::cold]] Var apply_making_room(Args... args);
}  // namespace detail

/// Records a unary primitive applied to x on the active tape, with its local derivative: the value
/// and the derivative side by side, so that work they share is done once (sin and cos of one x are
/// one sincos call), with the same digits as each on its own.
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Unary) [[gnu::always_inline]] inline Var apply(const Var& x) {
  Tape* const room = Tape::active_with_room();
  if (room == nullptr) [[unlikely]]
    return detail::apply_making_room<Op>(x);
  Tape& t = *room;
  const Index i = t.check_scalar(x, Op::name);
  const double y = Op::value(x.raw_value());
  return t.record_unary_in_room(op_id<Op>(), i, y, Op::d(x.raw_value(), y));
}

/// Records a primitive with a constant parameter p (such as x^p).
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::UnaryParam) [[gnu::always_inline]] inline Var
    apply(const Var& x, double p) {
  Tape* const room = Tape::active_with_room();
  if (room == nullptr) [[unlikely]]
    return detail::apply_making_room<Op>(x, p);
  Tape& t = *room;
  const Index i = t.check_scalar(x, Op::name);
  ops::check_domain<Op>(x.raw_value(), p);
  return t.record_param_in_room(op_id<Op>(), i, p, Op::value(x.raw_value(), p));
}

/// Records a binary primitive applied to a and b.
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Binary) [[gnu::always_inline]] inline Var
    apply(const Var& a, const Var& b) {
  Tape* const room = Tape::active_with_room();
  if (room == nullptr) [[unlikely]]
    return detail::apply_making_room<Op>(a, b);
  Tape& t = *room;
  const Index i = t.check_scalar(a, Op::name);
  const Index j = t.check_scalar(b, Op::name);
  ops::check_domain<Op>(a.raw_value(), b.raw_value());
  return t.record_in_room(op_id<Op>(), i, j, Op::value(a.raw_value(), b.raw_value()));
}

template <class Op, class... Args> Var detail::apply_making_room(Args... args) {
  Tape::current_with_room();
  return apply<Op>(args...);  // now with room: the fast path
}

/// Records op `id` by its table row, for callers that pick ops at run time (the expression
/// language). For an op with a constant parameter (UnaryParam), b is that parameter and must be a
/// constant leaf. Throws Error when the arity does not match or b is not a constant, DomainError
/// outside the op's domain.
Var apply(OpId id, const Var& x);
Var apply(OpId id, const Var& a, const Var& b);
/// Records the UnaryParam op `id` on x with the constant parameter p, e.g. leaky_relu(x; 0.2).
Var apply(OpId id, const Var& x, double p);
/// Op `id` on two or more arguments: its n-ary form (OpInfo::nary) for three or more. Throws Error
/// when the op takes no such number of arguments.
Var apply(OpId id, std::span<const Var> xs);

// The Var overloads: each one records its primitive.
inline Var operator+(const Var& a, const Var& b) { return apply<ops::Add>(a, b); }
inline Var operator-(const Var& a, const Var& b) { return apply<ops::Sub>(a, b); }
inline Var operator*(const Var& a, const Var& b) { return apply<ops::Mul>(a, b); }
inline Var operator/(const Var& a, const Var& b) { return apply<ops::Div>(a, b); }
inline Var operator-(const Var& x) { return apply<ops::Neg>(x); }
inline Var operator+(const Var& x, double c) { return apply<ops::AddC>(x, c); }
inline Var operator+(double c, const Var& x) { return apply<ops::AddC>(x, c); }
inline Var operator-(const Var& x, double c) { return apply<ops::SubC>(x, c); }
inline Var operator-(double c, const Var& x) { return apply<ops::RSubC>(x, c); }
inline Var operator*(const Var& x, double c) { return apply<ops::MulC>(x, c); }
inline Var operator*(double c, const Var& x) { return apply<ops::MulC>(x, c); }
inline Var operator/(const Var& x, double c) { return apply<ops::DivC>(x, c); }
inline Var operator/(double c, const Var& x) { return apply<ops::RDivC>(x, c); }
inline Var& operator+=(Var& a, const Var& b) { return a = a + b; }
inline Var& operator-=(Var& a, const Var& b) { return a = a - b; }
inline Var& operator*=(Var& a, const Var& b) { return a = a * b; }
inline Var& operator/=(Var& a, const Var& b) { return a = a / b; }
/// a^b with a Var exponent; the base must be positive (throws DomainError otherwise, see ops::Pow).
inline Var pow(const Var& a, const Var& b) { return apply<ops::Pow>(a, b); }
/// x^p with a constant exponent (any base).
inline Var pow(const Var& x, double p) { return apply<ops::PowC>(x, p); }
/// c^x with a constant base; the base must be positive (throws DomainError otherwise).
inline Var pow(double c, const Var& x) { return apply<ops::RPowC>(x, c); }

// ---- the free functions of the primitives, generated from the op list -------------------------

namespace ops {
template <class Op, class... A> constexpr bool takes() {
  constexpr std::size_t n = sizeof...(A);
  if constexpr (Op::arity != Arity::Unary && Op::arity != Arity::Binary)
    return false;
  else if constexpr (requires(std::span<const Var> xs) { Op::nary(xs); })  // the n-ary forms take scalars
    return n == node_args<Op>() ||
           (n > node_args<Op>() && n <= max_args<Op>() && !(std::same_as<A, MatVar> || ...));
  else
    return n == node_args<Op>();
}
/// An argument as the op's recording form takes it: a number becomes a constant Var when the result
/// is recorded; Vars and MatVars stay as they are.
template <class R, class A> decltype(auto) lift(const A& a) {
  if constexpr (std::is_arithmetic_v<A>) {
    if constexpr (std::is_same_v<R, double>)
      return static_cast<double>(a);
    else
      return Var(static_cast<double>(a));
  } else {
    return (a);
  }
}
/// Op on the arguments: its value on numbers, else its node recorded (apply<Op>, on Var or MatVar).
/// More arguments than the node takes: the n-ary form (a composition of nodes; on numbers, recorded
/// on a scratch tape for its value).
/// Always inlined, with the free functions below: a call per op costs a tenth of the recording.
template <class Op, class... A> [[gnu::always_inline]] inline Result<A...> call(const A&... a) {
  if constexpr (sizeof...(A) > node_args<Op>() && std::is_same_v<Result<A...>, double>) {
    Tape scratch;
    TapeScope scope(scratch);
    return Op::nary(std::array<Var, sizeof...(A)>{lift<Var>(a)...}).value();
  } else if constexpr (sizeof...(A) > node_args<Op>()) {
    return Op::nary(std::array<Var, sizeof...(A)>{lift<Var>(a)...});
  } else if constexpr (std::is_same_v<Result<A...>, double>) {
    return Op::value(static_cast<double>(a)...);
  } else {
    return apply<Op>(lift<Result<A...>>(a)...);
  }
}
}  // namespace ops

#define GRADLAB_OPS_DEFINE_FN_(Op, fn)                                                                      \
  template <ops::Argument... A>                                                                             \
  requires(ops::takes<ops::Op, A...>()) [[gnu::always_inline]] inline ops::Result<A...> fn(const A&... a) { \
    return ops::call<ops::Op>(a...);                                                                        \
  }
GRADLAB_OP_LIST(GRADLAB_OPS_NONE_, GRADLAB_OPS_DEFINE_FN_)
#undef GRADLAB_OPS_DEFINE_FN_

}  // namespace gradlab
