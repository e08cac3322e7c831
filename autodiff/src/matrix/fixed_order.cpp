// The fixed-order reductions and products of fixed_order.hpp. Each loop below is written so that the
// compiler (or Eigen, on the fixed-size blocks) vectorises across independent partial sums or
// independent entries only, so that the additions are the same at every vector width.
#include "gradlab/autodiff/fixed_order.hpp"

#include <algorithm>

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
template <Index R, Index C>
void columns(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b, Index j) {
  Index i = 0;
  for (; i + R <= a.rows(); i += R) block<R, C>(out, a, b, i, j);
  edge(out, a, b, i, j, C);
}

// o[r] = o[r] + a(i + r, k) b_k + a(i + r, k + 1) b_{k+1} + ... + a(i + r, k + P - 1) b_{k+P-1} for
// r < len, the P columns added in order of k; 16 rows at a time (Lanes: across rows, never along k).
// The first pass (First) starts from 0 instead of reading o: the same additions, without a fill.
template <Index P, bool First = false>
void add_columns(const ConstRef& a, const double* b, double* o, Index i, Index len, Index k) {
  const double* c[P];
  double bk[P];
  for (Index q = 0; q < P; ++q) {
    c[q] = a.col(k + q).data() + i;
    bk[q] = b[k + q];
  }
  Index r = 0;
  for (; r + kLanes <= len; r += kLanes) {
    Lanes s = First ? Lanes::Zero() : Lanes(Eigen::Map<const Lanes>(o + r));
    for (Index q = 0; q < P; ++q) s = s + Eigen::Map<const Lanes>(c[q] + r) * bk[q];
    Eigen::Map<Lanes>(o + r) = s;
  }
  for (; r < len; ++r) {
    double s = First ? 0.0 : o[r];
    for (Index q = 0; q < P; ++q) s = s + c[q][r] * bk[q];
    o[r] = s;
  }
}
}  // namespace

// A chunk of rows at a time (1 MiB of the result, so that it stays in the L2 cache), the columns of a
// added to it in order of k, twelve per pass. The runs are long so that a stays one sequential stream
// per column. At 10^5 x 100 (80 MB, from memory, one chunk) this took 2.9-3.0 ms where chunks of 32768
// rows four columns per pass took 3.4 (fewer passes over the result; 8 per pass 3.3, 10 3.0); at
// 10^6 x 20 6.6 against 6.8, at 10^6 x 1 the same. A block of rows in registers (all columns) was
// slower. At 10^5 rows the columns are read whole, in order: the last ones read are the first that
// matmul_tn_into reads back (from the L3 cache, see there).
void matvec(const ConstRef& a, const double* b, double* out) {
  constexpr Index kChunk = Index{1} << 17;
  for (Index i = 0; i < a.rows(); i += kChunk) {
    const Index len = std::min(kChunk, a.rows() - i);
    double* o = out + i;
    Index k = 0;
    if (a.cols() >= 12) {
      add_columns<12, true>(a, b, o, i, len, 0);
      k = 12;
    } else if (a.cols() >= 4) {
      add_columns<4, true>(a, b, o, i, len, 0);
      k = 4;
    } else if (a.cols() >= 1) {
      add_columns<1, true>(a, b, o, i, len, 0);
      k = 1;
    } else {
      std::fill(o, o + len, 0.0);  // no columns: the empty sum
    }
    for (; k + 12 <= a.cols(); k += 12) add_columns<12>(a, b, o, i, len, k);
    for (; k + 4 <= a.cols(); k += 4) add_columns<4>(a, b, o, i, len, k);
    for (; k < a.cols(); ++k) add_columns<1>(a, b, o, i, len, k);
  }
}

void matmul_into(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b) {
  out.resize(a.rows(), b.cols());
  Index j = 0;
  for (; j + 4 <= b.cols(); j += 4) columns<8, 4>(out, a, b, j);
  for (; j < b.cols(); ++j) matvec(a, b.col(j).data(), out.col(j).data());
}

namespace {
// out(i .. i+C, j) = the dot products of columns i .. i+C of a with column j of b, each in the order of
// dot() (its own 16 partial sums), C at a time so that b's column is read once for C of them. Eight
// at a time: 0.87-0.95 of the time of four at 10^5 x 100 (from memory), 0.89 on a block in the cache.
template <Index C> void dots(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b, Index i, Index j) {
  const Index n = a.rows();
  const double* y = b.col(j).data();
  Lanes acc[C];
  for (Index q = 0; q < C; ++q) acc[q].setZero();
  Index k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    const Lanes yk = Eigen::Map<const Lanes>(y + k);
    for (Index q = 0; q < C; ++q) acc[q] += Eigen::Map<const Lanes>(a.col(i + q).data() + k) * yk;
  }
  for (Index q = 0; q < C; ++q) {
    for (Index l = 0; k + l < n; ++l) acc[q](l) += a(k + l, i + q) * y[k + l];
    out(i + q, j) = combine(acc[q]);
  }
}
}  // namespace

void matmul_tn_into(Eigen::MatrixXd& out, const ConstRef& a, const ConstRef& b) {
  if (a.cols() == 1 || b.cols() == 1) {
    out.resize(a.cols(), b.cols());
    // The columns from the last to the first: matvec (X w, the forward pass) read the last ones last,
    // so the first read here may still be in the L3 cache (at 10^5 x 100 after X w and the neuron's
    // elementwise ops: 0.2-0.4 ms less than from the first column; the entries are the same).
    for (Index j = 0; j < b.cols(); ++j) {
      Index i = a.cols();
      for (; i >= 8; i -= 8) dots<8>(out, a, b, i - 8, j);
      for (; i >= 4; i -= 4) dots<4>(out, a, b, i - 4, j);
      for (; i >= 1; --i) dots<1>(out, a, b, i - 1, j);
    }
  } else {
    const Eigen::MatrixXd at = a.transpose();
    matmul_into(out, at, b);
  }
}

}  // namespace gradlab::fixed_order
