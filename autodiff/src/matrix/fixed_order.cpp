// The fixed-order reductions and products of fixed_order.hpp. Each loop below is written so that the
// compiler (or Eigen, on the fixed-size blocks) vectorises across independent partial sums or
// independent entries only, so that the additions are the same at every vector width.
#include "gradlab/autodiff/fixed_order.hpp"

namespace gradlab::fixed_order {

using Eigen::Index;

double sum(const double* x, Index n) {
  Lanes acc = Lanes::Zero();
  Index k = 0;
  for (; k + kLanes <= n; k += kLanes) acc += Eigen::Map<const Lanes>(x + k);
  for (Index l = 0; k + l < n; ++l) acc(l) += x[k + l];
  return combine(acc);
}

double dot(const double* x, const double* y, Index n) {
  Lanes acc = Lanes::Zero();
  Index k = 0;
  for (; k + kLanes <= n; k += kLanes) acc += Eigen::Map<const Lanes>(x + k) * Eigen::Map<const Lanes>(y + k);
  for (Index l = 0; k + l < n; ++l) acc(l) += x[k + l] * y[k + l];
  return combine(acc);
}

Eigen::RowVectorXd col_sums(const ConstRef& m) {
  Eigen::RowVectorXd out(m.cols());
  for (Index j = 0; j < m.cols(); ++j) out(j) = sum(m.col(j).data(), m.rows());
  return out;
}

Eigen::VectorXd row_sums(const ConstRef& m) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(m.rows());
  for (Index j = 0; j < m.cols(); ++j) out += m.col(j);  // entry by entry: the same at any width
  return out;
}

namespace {
// out(i .. i+R, j .. j+C) = a(i .. i+R, :) b(:, j .. j+C), the R x C block held in registers. Each
// entry is 0 + a_i0 b_0j + a_i1 b_1j + ... in order of k, as in the scalar loop of the edges.
template <Index R, Index C>
void block(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b, Index i, Index j) {
  using Col = Eigen::Array<double, R, 1>;
  Col c[C];
  for (Index q = 0; q < C; ++q) c[q].setZero();
  const double* ak = a.data() + i;
  for (Index k = 0; k < a.cols(); ++k, ak += a.outerStride()) {
    const Col x = Eigen::Map<const Col>(ak);
    for (Index q = 0; q < C; ++q) c[q] += x * b(k, j + q);
  }
  for (Index q = 0; q < C; ++q) Eigen::Map<Col>(&out(i, j + q)) = c[q];
}
// The rows from i on (fewer than a block) of columns j .. j+C, one entry at a time.
void edge(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b, Index i, Index j, Index cols) {
  for (Index q = j; q < j + cols; ++q)
    for (Index r = i; r < a.rows(); ++r) {
      double s = 0.0;
      for (Index k = 0; k < a.cols(); ++k) s += a(r, k) * b(k, q);
      out(r, q) = s;
    }
}
template <Index R, Index C> void columns(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b, Index j) {
  Index i = 0;
  for (; i + R <= a.rows(); i += R) block<R, C>(out, a, b, i, j);
  edge(out, a, b, i, j, C);
}
}  // namespace

void matmul_into(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b) {
  out.resize(a.rows(), b.cols());
  Index j = 0;
  for (; j + 4 <= b.cols(); j += 4) columns<8, 4>(out, a, b, j);
  for (; j < b.cols(); ++j) columns<16, 1>(out, a, b, j);
}

void matmul_tn_into(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b) {
  if (a.cols() == 1 || b.cols() == 1) {
    out.resize(a.cols(), b.cols());
    for (Index j = 0; j < b.cols(); ++j)
      for (Index i = 0; i < a.cols(); ++i) out(i, j) = dot(a.col(i).data(), b.col(j).data(), a.rows());
  } else {
    const Eigen::MatrixXd at = a.transpose();
    matmul_into(out, at, b);
  }
}

}  // namespace gradlab::fixed_order
