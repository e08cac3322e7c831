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
