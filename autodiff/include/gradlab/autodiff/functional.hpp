#pragma once
/// @file functional.hpp
/// Derivatives that read like the math: grad, value_and_grad, hessian, hvp.
///
/// Each function names its PyTorch or JAX counterpart. Two styles, same engine:
///  - on a recorded Var:  `Eigen::VectorXd g = grad(L, {w, b});`
///  - on a function:      `Eigen::VectorXd g = grad(f, x0);` where f takes `const std::vector<Var>&`
///    and returns a Var; it is recorded on a scratch tape, so the caller's tape is untouched.
/// Second derivatives differentiate the recorded backward pass: exact to rounding, no finite
/// differences. A gradient with respect to a Var that the output does not depend on is exactly 0.
#include <Eigen/Core>
#include <concepts>
#include <initializer_list>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "gradlab/autodiff/ops.hpp"

namespace gradlab {

class MatVar;  // matrix.hpp

/// The adjoints of one reverse sweep from y, for scalar (Var) and matrix (MatVar) inputs alike.
/// Each call of backward() returns a fresh object: nothing accumulates across calls, so calling it
/// twice gives the same numbers twice. The matrix adjoints of the inputs are copied out, so later
/// sweeps do not change them.
class Gradients {
 public:
  /// dy/dx; 0 when y does not depend on x. Throws TapeError when x is from another tape.
  [[nodiscard]] double operator[](const Var& x) const;
  /// dy/dX, shaped like X (zeros when y does not depend on X); see matrix.hpp.
  [[nodiscard]] Eigen::MatrixXd operator[](const MatVar& x) const;

 private:
  friend Gradients backward(const Var& y);
  std::vector<double> adj_;
  std::vector<std::pair<Index, Eigen::MatrixXd>> matrices_;  // matrix inputs that received an adjoint
};

/// One reverse sweep from y on the active tape. PyTorch: y.backward() (here nothing accumulates: the
/// result holds the adjoints); JAX: jax.vjp(f, x)[1](1.0).
Gradients backward(const Var& y);

/// The gradient of y with respect to xs, as doubles. PyTorch: torch.autograd.grad(y, xs).
Eigen::VectorXd grad(const Var& y, std::span<const Var> xs);
inline Eigen::VectorXd grad(const Var& y, std::initializer_list<Var> xs) {
  return grad(y, std::span<const Var>(xs.begin(), xs.size()));
}

/// The gradient of y with respect to xs, recorded as Vars on the tape, so it can be differentiated
/// again (grad of a grad). An entry is the constant 0 when y does not depend on that x. PyTorch:
/// torch.autograd.grad(y, xs, create_graph=True).
std::vector<Var> grad_recorded(const Var& y, std::span<const Var> xs);
inline std::vector<Var> grad_recorded(const Var& y, std::initializer_list<Var> xs) {
  return grad_recorded(y, std::span<const Var>(xs.begin(), xs.size()));
}

/// The Hessian H_jk = d2y / dx_j dx_k, exact (each row is the gradient of a recorded gradient).
/// PyTorch: torch.autograd.functional.hessian. For matrix and mixed variables see matrix.hpp.
Eigen::MatrixXd hessian(const Var& y, std::span<const Var> xs);
inline Eigen::MatrixXd hessian(const Var& y, std::initializer_list<Var> xs) {
  return hessian(y, std::span<const Var>(xs.begin(), xs.size()));
}

/// The Hessian-vector product H v, exact, at the cost of about two gradients. PyTorch:
/// torch.autograd.functional.hvp; JAX: jax.jvp(jax.grad(f), (x,), (v,))[1].
Eigen::VectorXd hvp(const Var& y, std::span<const Var> xs, const Eigen::VectorXd& v);

// ---- derivatives of any order -------------------------------------------------------------------
// Each order differentiates the recorded backward pass of the order before (grad_recorded), so every
// derivative is exact to rounding. Cost: the order-k sweep records new nodes for every node that the
// order-(k-1) derivative depends on, a few per node, so the tape grows by a roughly constant factor
// per order (x2.5 to x3.3 measured, see docs/higher-order.md), exponentially in k. Hence the limits.

/// The highest order that derivative(), taylor_coefficients() and partial_derivatives() accept.
inline constexpr int kMaxDerivativeOrder = 10;
/// The most partial derivatives (n^K for n variables at order K) that partial_derivatives() returns.
inline constexpr std::size_t kMaxPartials = 4096;
/// The most nodes a tape may hold while higher derivatives are recorded (8.4 million nodes, about
/// 200 MB with the sweep's adjoints); an order whose sweep could pass it is refused with an Error
/// instead of running out of memory.
inline constexpr std::size_t kMaxDerivativeNodes = std::size_t{1} << 23;

/// y, dy/dx, d2y/dx2, ..., d^K y/dx^K, recorded as Vars on the active tape (entry j is the j-th
/// derivative; the constant 0 once y no longer depends on x). Throws Error when K is outside
/// [0, kMaxDerivativeOrder] or the tape would outgrow kMaxDerivativeNodes. PyTorch: K nested calls
/// of torch.autograd.grad(..., create_graph=True).
std::vector<Var> derivatives_recorded(const Var& y, const Var& x, int K);

/// Every partial derivative of order K of y with respect to xs, n^K numbers for n = xs.size(), in
/// row-major order: entry (i1, ..., iK) is d^K y / dx_i1 ... dx_iK at flat index
/// i1 n^(K-1) + ... + iK. Mixed partials are computed once per multiset of indices (they commute)
/// and copied to every ordering. Throws Error when K is outside [0, kMaxDerivativeOrder], when n^K
/// is over kMaxPartials, or when the tape would outgrow kMaxDerivativeNodes.
std::vector<double> partial_derivatives(const Var& y, std::span<const Var> xs, int K);

/// Throws Error naming `what` unless 0 <= K <= kMaxDerivativeOrder.
void check_derivative_order(int K, const char* what);

/// A scalar function of one Var, such as `[](const Var& x) { return 1.0 / x; }`.
template <class F>
concept UnaryScalarFunction = std::is_invocable_r_v<Var, F&, const Var&>;

/// The k-th derivative of f at x (k = 0: f(x)), exact to rounding. JAX: k nested jax.grad.
template <UnaryScalarFunction F> double derivative(F&& f, double x, int k) {
  Tape tape;
  TapeScope scope(tape);
  const Var v = tape.variable(x);
  return derivatives_recorded(f(v), v, k).back().value();
}

/// The Taylor coefficients f^(j)(x) / j! for j = 0..K: f(x + t) = sum_j c_j t^j + O(t^(K+1)).
template <UnaryScalarFunction F> Eigen::VectorXd taylor_coefficients(F&& f, double x, int K) {
  Tape tape;
  TapeScope scope(tape);
  const Var v = tape.variable(x);
  const std::vector<Var> d = derivatives_recorded(f(v), v, K);
  Eigen::VectorXd c(K + 1);
  double factorial = 1.0;
  for (int j = 0; j <= K; ++j) {
    if (j > 0) factorial *= j;
    c[j] = d[static_cast<std::size_t>(j)].value() / factorial;
  }
  return c;
}

/// A scalar function of a vector of Vars, such as `[](const std::vector<Var>& p) { return ...; }`.
template <class F>
concept ScalarFunction = std::is_invocable_r_v < Var,
        F&, const std::vector<Var>
& > ;

/// A value and its gradient, as value_and_grad returns them.
struct ValueAndGradient {
  double value;
  Eigen::VectorXd gradient;
};

namespace detail {
/// Records f at x on a fresh scratch tape and hands (inputs, output) to `then`.
template <ScalarFunction F, class Then> auto with_recorded(F& f, const Eigen::VectorXd& x, Then&& then) {
  Tape tape;
  TapeScope scope(tape);
  std::vector<Var> xs;
  xs.reserve(static_cast<std::size_t>(x.size()));
  for (Eigen::Index i = 0; i < x.size(); ++i) xs.push_back(tape.variable(x[i]));
  const Var y = f(xs);
  return then(y, std::span<const Var>(xs));
}
}  // namespace detail

/// f(x) and its gradient. JAX: jax.value_and_grad(f)(x).
template <ScalarFunction F> ValueAndGradient value_and_grad(F&& f, const Eigen::VectorXd& x) {
  return detail::with_recorded(f, x, [](const Var& y, std::span<const Var> xs) {
    return ValueAndGradient{y.value(), grad(y, xs)};
  });
}

/// The gradient of f at x. JAX: jax.grad(f)(x).
template <ScalarFunction F> Eigen::VectorXd grad(F&& f, const Eigen::VectorXd& x) {
  return detail::with_recorded(f, x, [](const Var& y, std::span<const Var> xs) { return grad(y, xs); });
}

/// The Hessian of f at x. JAX: jax.hessian(f)(x).
template <ScalarFunction F> Eigen::MatrixXd hessian(F&& f, const Eigen::VectorXd& x) {
  return detail::with_recorded(f, x, [](const Var& y, std::span<const Var> xs) { return hessian(y, xs); });
}

/// The Hessian of f at x times v. JAX: jax.jvp(jax.grad(f), (x,), (v,))[1].
template <ScalarFunction F> Eigen::VectorXd hvp(F&& f, const Eigen::VectorXd& x, const Eigen::VectorXd& v) {
  return detail::with_recorded(f, x, [&v](const Var& y, std::span<const Var> xs) { return hvp(y, xs, v); });
}

}  // namespace gradlab
