// Matrix nodes, part 3: the kinds of matrix op with rules of their own (matmul, transpose, the sums,
// dot, squared norm, as-matrix), each rule written once, as a template over the sweep type (see
// "one vocabulary for both sweeps" in matrix_ops.hpp), beside its forward function. The elementwise
// kinds, which reuse the scalar primitives' rules, are in matrix_ops.hpp.
#include <fmt/format.h>

#include "gradlab/autodiff/matrix.hpp"

namespace gradlab {

namespace detail {
namespace {
/// The table entry of kind K: its rule instantiated for both sweeps.
template <class K> constexpr MatrixKind kind_of(const char* name) {
  return {name, [](const DoubleSweep& s, Index i, double g) { K::rule(s, i, g); },
          [](const RecordedSweep& s, Index i, const Var& g) { K::rule(s, i, g); }};
}

// Records a kind whose value is a scalar.
template <class F> Var record_scalar(const MatrixKind& kind, Index a, Index b, F&& value) {
  Tape& t = Tape::current();
  return record_matrix(t, &kind, matrix_op_id(), a, b, 0.0, [&](MatrixSlot&) { return value(); });
}
// Records a kind whose value is a matrix (param: the kind's constant, such as matmul's transpose flag).
template <class F> MatVar record_op(const MatrixKind& kind, Index a, Index b, F&& value, double param = 0.0) {
  Tape& t = Tape::current();
  return MatVar::from_node(record_matrix(t, &kind, matrix_op_id(), a, b, param,
                                         [&](MatrixSlot& s) { return set_value(s, value()); }));
}
}  // namespace
}  // namespace detail

using detail::ConstMap;

// ---- matmul -------------------------------------------------------------------------------------

namespace detail {
namespace {
// Y = A B, or Y = Aᵀ B without forming Aᵀ (param 1: the recorded rule dB = Aᵀ G uses it, so an
// HVP never copies the data matrix):
//   Y = A B:   dA = G Bᵀ, dB = Aᵀ G;      Y = Aᵀ B:   dA = B Gᵀ, dB = A G
struct MatMul {
  template <class S, class N> static void rule(const S& s, Index i, const N& g) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    const auto G = adjoint_of(s, i, g);
    const bool at = slot_of(s.tape, i)->param != 0.0;
    if (wants(s, a))
      at ? add_adjoint(s, a, matmul(operand_of(s, b), transpose(G)))
         : add_adjoint(s, a, matmul(G, transpose(operand_of(s, b))));
    if (wants(s, b))
      at ? add_adjoint(s, b, matmul(operand_of(s, a), G)) : add_adjoint(s, b, matmul_tn(operand_of(s, a), G));
  }
};
const MatrixKind kMatMul = kind_of<MatMul>("matmul");
}  // namespace
}  // namespace detail

MatVar matmul(const MatVar& a, const MatVar& b) {
  const ConstMap av = detail::checked("matmul", a), bv = detail::checked("matmul", b);
  if (av.cols() != bv.rows())
    throw ShapeError(
        fmt::format("matmul: cannot multiply {} by {}", detail::shape_str(av), detail::shape_str(bv)));
  return MatVar::from_node(detail::record_matrix(Tape::current(), &detail::kMatMul, detail::matrix_op_id(),
                                                 a.index(), b.index(), 0.0, [&](detail::MatrixSlot& s) {
                                                   // inner dimension 1: an outer product, written entry by
                                                   // entry (a product clears dst first)
                                                   if (av.cols() == 1)
                                                     return detail::set_value(s, av.col(0) * bv.row(0));
                                                   fixed_order::matmul_into(s.value, av, bv);
                                                   return detail::owned_value(s);
                                                 }));
}

MatVar detail::matmul_tn(const MatVar& a, const MatVar& b) {
  const ConstMap av = checked("matmul", a), bv = checked("matmul", b);
  if (av.rows() != bv.rows())
    throw ShapeError(
        fmt::format("matmul: cannot multiply the transpose of {} by {}", shape_str(av), shape_str(bv)));
  return MatVar::from_node(
      record_matrix(Tape::current(), &kMatMul, matrix_op_id(), a.index(), b.index(), 1.0, [&](MatrixSlot& s) {
        fixed_order::matmul_tn_into(s.value, av, bv);
        return owned_value(s);
      }));
}

// ---- transpose ----------------------------------------------------------------------------------

namespace detail {
namespace {
struct Transpose {  // Y = Aᵀ;  dA = Gᵀ
  template <class S, class N> static void rule(const S& s, Index i, const N& g) {
    const Index a = s.parent_a(i);
    if (wants(s, a)) add_adjoint(s, a, transpose(adjoint_of(s, i, g)));
  }
};
const MatrixKind kTranspose = kind_of<Transpose>("transpose");
}  // namespace
}  // namespace detail

MatVar transpose(const MatVar& a) {
  const ConstMap av = detail::checked("transpose", a);
  return detail::record_op(detail::kTranspose, a.index(), kNoParent, [&] { return av.transpose(); });
}

// ---- sums ---------------------------------------------------------------------------------------

namespace detail {
namespace {
// y = sum A (a scalar), Y = row_sums A (rows x 1) or Y = col_sums A (1 x cols);
// dA = G repeated back to A's shape.
struct Sum {
  template <class S, class N> static void rule(const S& s, Index i, const N& g) {
    const Index a = s.parent_a(i);
    if (!wants(s, a)) return;
    const auto [rows, cols] = shape_of(s.tape, a);
    repeated(s, adjoint_of(s, i, g), rows, cols, [&](const auto& e) { add_adjoint(s, a, e); });
  }
};
const MatrixKind kSum = kind_of<Sum>("sum");
}  // namespace
}  // namespace detail

Var sum(const MatVar& a) {
  const ConstMap av = detail::checked("sum", a);
  return detail::record_scalar(detail::kSum, a.index(), kNoParent, [&] { return fixed_order::sum(av); });
}
MatVar row_sums(const MatVar& a) {
  const ConstMap av = detail::checked("row_sums", a);
  return detail::record_op(detail::kSum, a.index(), kNoParent, [&] { return fixed_order::row_sums(av); });
}
MatVar col_sums(const MatVar& a) {
  const ConstMap av = detail::checked("col_sums", a);
  return detail::record_op(detail::kSum, a.index(), kNoParent, [&] { return fixed_order::col_sums(av); });
}
Var mean(const MatVar& a) { return sum(a) / static_cast<double>(a.rows() * a.cols()); }
MatVar row_means(const MatVar& a) { return row_sums(a) / static_cast<double>(a.cols()); }
MatVar col_means(const MatVar& a) { return col_sums(a) / static_cast<double>(a.rows()); }

// ---- dot and squared norm -----------------------------------------------------------------------

namespace detail {
namespace {
struct Dot {  // y = sum A ⊙ B;  dA = g B, dB = g A
  template <class S, class N> static void rule(const S& s, Index i, const N& g) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    if (wants(s, a)) add_adjoint(s, a, operand_of(s, b) * g);
    if (wants(s, b)) add_adjoint(s, b, operand_of(s, a) * g);
  }
};
const MatrixKind kDot = kind_of<Dot>("dot");

struct SquaredNorm {  // y = sum A ⊙ A;  dA = 2 g A
  template <class S, class N> static void rule(const S& s, Index i, const N& g) {
    const Index a = s.parent_a(i);
    if (wants(s, a)) add_adjoint(s, a, operand_of(s, a) * (2.0 * g));
  }
};
const MatrixKind kSquaredNorm = kind_of<SquaredNorm>("squared_norm");
}  // namespace
}  // namespace detail

Var dot(const MatVar& a, const MatVar& b) {
  const ConstMap av = detail::checked("dot", a), bv = detail::checked("dot", b);
  if (av.rows() != bv.rows() || av.cols() != bv.cols())
    throw ShapeError(
        fmt::format("dot: the shapes {} and {} differ", detail::shape_str(av), detail::shape_str(bv)));
  return detail::record_scalar(detail::kDot, a.index(), b.index(), [&] { return fixed_order::dot(av, bv); });
}

Var squared_norm(const MatVar& a) {
  const ConstMap av = detail::checked("squared_norm", a);
  return detail::record_scalar(detail::kSquaredNorm, a.index(), kNoParent,
                               [&] { return fixed_order::squared_norm(av); });
}

// ---- as_matrix ----------------------------------------------------------------------------------

namespace detail {
namespace {
struct AsMatrix {  // Y = [x] (1x1);  dx = G (a scalar node takes a 1x1 adjoint as its number)
  template <class S, class N> static void rule(const S& s, Index i, const N& g) {
    const Index a = s.parent_a(i);
    if (wants(s, a)) add_adjoint(s, a, adjoint_of(s, i, g));
  }
};
const MatrixKind kAsMatrix = kind_of<AsMatrix>("as_matrix");
}  // namespace
}  // namespace detail

MatVar as_matrix(const Var& x) {
  Tape& t = Tape::current();
  const Index i = t.check_scalar(x, "as_matrix");
  return detail::record_op(detail::kAsMatrix, i, kNoParent,
                           [&] { return Eigen::Matrix<double, 1, 1>::Constant(t.value(i)); });
}

}  // namespace gradlab
