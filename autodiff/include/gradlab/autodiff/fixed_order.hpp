#pragma once
/// @file fixed_order.hpp
/// Sums, dot products and matrix products that add in one fixed order, whatever the vector width the
/// compiler uses (SSE2 in the `portable` build, AVX2 in `release`), so that every build prints the
/// same digits.
///
/// Eigen's own reductions (sum, dot, squaredNorm, colwise().sum(), the products) keep one partial sum
/// per lane of a vector register, so the order of their additions, and the last bits of the result,
/// depend on the register width. Here:
///   - a sum of n terms keeps kLanes = 16 partial sums: term k goes to partial k mod 16, in order,
///     and the partials are then added in one fixed tree (0+8, 1+9, ... then 0+4 ...). The 16 partials
///     are 8 SSE2 or 4 AVX2 registers: the same additions at either width;
///   - a product entry (A B)_ij adds a_i0 b_0j, a_i1 b_1j, ... in order of k, from 0; vectors run
///     across i (independent entries), never along k;
///   - an elementwise function that is vectorised (sigmoid) uses gradlab's own exp (fixed_exp.hpp),
///     whose bits do not depend on the build or on the entry's position, where Eigen's exp does.
/// No fused multiply-add either: the build flags leave it out (autodiff/CMakeLists.txt).
#include <Eigen/Core>

namespace gradlab::fixed_order {

/// The number of partial sums of a reduction: a multiple of every register width in doubles.
inline constexpr Eigen::Index kLanes = 16;
using Lanes = Eigen::Array<double, kLanes, 1>;
using ConstRef = Eigen::Ref<const Eigen::MatrixXd>;

/// Adds the partial sums in the fixed tree and returns the total.
inline double combine(Lanes& acc) {
  for (Eigen::Index h = kLanes / 2; h > 0; h /= 2) acc.head(h) += acc.segment(h, h);
  return acc(0);
}

/// x_0 + ... + x_{n-1} in the fixed order.
double sum(const double* x, Eigen::Index n);
/// x_0 y_0 + ... + x_{n-1} y_{n-1} in the fixed order.
double dot(const double* x, const double* y, Eigen::Index n);

/// The sum of all entries of m.
inline double sum(const ConstRef& m) {
  double total = 0.0;
  if (m.outerStride() == m.rows()) return sum(m.data(), m.size());
  for (Eigen::Index j = 0; j < m.cols(); ++j) total += sum(m.col(j).data(), m.rows());
  return total;
}
/// sum_ij a_ij b_ij (a and b of one shape).
inline double dot(const ConstRef& a, const ConstRef& b) {
  if (a.outerStride() == a.rows() && b.outerStride() == b.rows()) return dot(a.data(), b.data(), a.size());
  double total = 0.0;
  for (Eigen::Index j = 0; j < a.cols(); ++j) total += dot(a.col(j).data(), b.col(j).data(), a.rows());
  return total;
}
inline double squared_norm(const ConstRef& a) { return dot(a, a); }
/// The sum of each column (1 x cols).
Eigen::RowVectorXd col_sums(const ConstRef& m);
/// The sum of each row (rows x 1): column 0 + column 1 + ..., in order.
Eigen::VectorXd row_sums(const ConstRef& m);

/// out_i = a_i0 b_0 + a_i1 b_1 + ... for every row i of a (b: a.cols() entries), from 0 in order of
/// k: the same additions at any register width (out must not alias a or b).
void matvec(const ConstRef& a, const double* b, double* out);
/// out = a b, each entry summed over k in order (out must not alias a or b).
void matmul_into(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b);
inline Eigen::MatrixXd matmul(const ConstRef& a, const ConstRef& b) {
  Eigen::MatrixXd out;
  matmul_into(out, a, b);
  return out;
}
/// out = aᵀ b without forming aᵀ when b (or a) has one column: then each entry is a fixed-order dot
/// product of two columns. Otherwise aᵀ is copied and multiplied as above.
void matmul_tn_into(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b);
inline Eigen::MatrixXd matmul_tn(const ConstRef& a, const ConstRef& b) {
  Eigen::MatrixXd out;
  matmul_tn_into(out, a, b);
  return out;
}

}  // namespace gradlab::fixed_order
