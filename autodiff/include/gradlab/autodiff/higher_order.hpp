#pragma once
/// @file higher_order.hpp
/// Derivatives of any order, part of the functional API (functional.hpp): derivative(f, x, k),
/// taylor_coefficients(f, x, K), derivatives_recorded(y, x, K) and partial_derivatives(y, xs, K).
/// Defined in src/functional.cpp. (A header of its own only so that adding it did not rebuild
/// everything that includes functional.hpp; it can be folded into functional.hpp.)
#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "gradlab/autodiff/functional.hpp"

namespace gradlab {

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

}  // namespace gradlab
