#pragma once
/// @file matrix.hpp
/// Matrix-valued nodes on the same tape as the scalar Var.
///
/// A MatVar is a handle to a node whose value is an Eigen matrix. The matrix lives in a side arena of
/// the tape (detail::MatrixArena), indexed from the node, so scalar and matrix nodes interleave in one
/// Wengert list and one reverse sweep. Each matrix op's adjoint is one Eigen expression over whole
/// matrices (the adjoint of A·B with respect to B is Aᵀ·G), not one scalar node per entry.
///
///     MatVar X = matrix_constant(data);   // by reference, no copy
///     MatVar w = matrix_variable(w0);     // an input
///     Var    b = tape.variable(0.1);
///     Var    L = 0.5 * squared_norm(sigmoid(matmul(X, w) + b) - matrix_constant(y));
///     Gradients g = backward(L);          // g[w] is a matrix, g[b] a double
///
/// `*` and `/` between matrices are elementwise (as in NumPy); the matrix product is matmul(A, B).
/// Elementwise ops broadcast a scalar, a 1x1 matrix, a column (r x 1) or a row (1 x c) over the
/// other operand, which must have the result's shape. Shapes are checked when an op is recorded: a
/// mismatch throws ShapeError naming the op and both shapes.
///
/// Every elementwise unary primitive of ops.hpp works on matrices with its own value and derivative
/// rule, applied entry by entry (the rule with T = double), so its math is defined once. For the
/// differentiable sweep the same rule runs with T = MatVar, which is what makes hvp and hessian exact.
#include <Eigen/Core>
#include <deque>
#include <initializer_list>
#include <span>
#include <variant>
#include <vector>

#include "gradlab/autodiff/functional.hpp"
#include "gradlab/autodiff/ops.hpp"

namespace gradlab {

class MatVar;

namespace detail {

/// The rules of one kind of matrix op (matmul, transpose, exp ...): its name, for messages, and its
/// backward step in each sweep (g is the node's adjoint; a matrix node's own is in the arena).
struct MatrixKind {
  const char* name;
  void (*backward)(const DoubleSweep& s, Index node, double g);
  void (*backward_recorded)(const RecordedSweep& s, Index node, const Var& g);
};

/// The arena entry of a node made by an op on matrices.
struct MatrixSlot {
  const MatrixKind* kind = nullptr;  ///< null for a leaf (an input or a constant)
  Eigen::MatrixXd value;             ///< owned value (unused by a constant that refers to caller data)
  Eigen::MatrixXd adj;               ///< first-order adjoint, valid once the node's adj flag is 1
  const double* data = nullptr;      ///< the value, column-major: value.data() or the caller's data
  Eigen::Index rows = 0, cols = 0;   ///< 0 x 0 for a scalar-valued node (sum, dot ...)
  double param = 0;                  ///< the constant of a parametrised op (x + c, x^p ...)
  bool active = false;               ///< depends on an input, so its adjoint is worth computing
  [[nodiscard]] bool is_matrix() const { return data != nullptr; }
  [[nodiscard]] Eigen::Map<const Eigen::MatrixXd> view() const { return {data, rows, cols}; }
};

/// The matrix arena of a tape: slots in recording order. clear() is O(1) and keeps every slot's
/// storage, so recording the same graph again allocates nothing.
class MatrixArena {
 public:
  MatrixSlot& slot(Index k) { return slots_[k]; }
  [[nodiscard]] const MatrixSlot& slot(Index k) const { return slots_[k]; }
  /// A fresh slot (reusing the storage of one from before the last clear) and its number.
  std::pair<MatrixSlot&, Index> acquire();
  void clear() { used_ = 0; }
  [[nodiscard]] std::size_t size() const { return used_; }
  /// Bytes held by the slots, counting the storage kept from before clear().
  [[nodiscard]] std::size_t bytes() const;

 private:
  std::deque<MatrixSlot> slots_;  // a deque never moves its elements
  std::size_t used_ = 0;
};

/// The op id that every matrix op records (one row named "matrix" of the op table; the arena slot
/// says which op it is).
OpId matrix_op_id();

/// Records a node made by a matrix op: `fill` writes the value into the fresh slot.
template <class Fill>
Var record_matrix(Tape& t, const MatrixKind* kind, OpId op, Index a, Index b, double param, Fill&& fill);

}  // namespace detail

/// A matrix recorded on a tape: a handle (like Var) to a node whose value is an Eigen matrix.
/// Valid until the tape is cleared; using it afterwards throws TapeError.
class MatVar {
 public:
  /// An uninitialised MatVar; using it throws TapeError.
  MatVar() = default;
  /// A 1x1 constant (it broadcasts), so that rules such as `T(1.0)` work with T = MatVar.
  explicit MatVar(double c);
  /// The handle of a node that holds a matrix (throws ShapeError if it holds a scalar).
  static MatVar from_node(const Var& node);

  /// The value, a view into the tape (valid until the tape is cleared).
  [[nodiscard]] Eigen::Map<const Eigen::MatrixXd> value() const;
  [[nodiscard]] Eigen::Index rows() const { return value().rows(); }
  [[nodiscard]] Eigen::Index cols() const { return value().cols(); }
  /// The underlying node (its position and tape stamp).
  [[nodiscard]] const Var& node() const { return node_; }
  [[nodiscard]] Index index() const { return node_.index(); }

 private:
  explicit MatVar(const Var& node) : node_(node) {}
  Var node_;
};

/// A new input matrix on the active tape (its value is copied onto the tape).
MatVar matrix_variable(const Eigen::Ref<const Eigen::MatrixXd>& value);
/// A constant matrix that refers to the caller's data without copying it: `data` must stay alive and
/// unchanged until the tape is cleared and no sweep reads it any more. Temporaries are refused.
MatVar matrix_constant(const Eigen::Map<const Eigen::MatrixXd>& data);
inline MatVar matrix_constant(const Eigen::MatrixXd& data) {
  return matrix_constant(Eigen::Map<const Eigen::MatrixXd>(data.data(), data.rows(), data.cols()));
}
inline MatVar matrix_constant(const Eigen::VectorXd& data) {
  return matrix_constant(Eigen::Map<const Eigen::MatrixXd>(data.data(), data.rows(), 1));
}
MatVar matrix_constant(Eigen::MatrixXd&&) = delete;  // would dangle: keep the data alive yourself
MatVar matrix_constant(Eigen::VectorXd&&) = delete;
/// A constant matrix copied onto the tape (for small data such as a direction vector).
MatVar matrix_constant_copy(const Eigen::Ref<const Eigen::MatrixXd>& value);
/// A scalar as a 1x1 matrix (differentiable).
MatVar as_matrix(const Var& x);

/// Row i of a constant matrix, as a 1 x cols constant (copied: a row is not contiguous).
MatVar row(const MatVar& constant, Eigen::Index i);
/// Column j of a constant matrix, as a rows x 1 constant (a view, no copy).
MatVar col(const MatVar& constant, Eigen::Index j);

/// The matrix product A B (matrix times matrix or vector).
MatVar matmul(const MatVar& a, const MatVar& b);
/// Aᵀ.
MatVar transpose(const MatVar& a);
namespace detail {
/// Aᵀ B without forming Aᵀ (a matmul node with its left operand read transposed).
MatVar matmul_tn(const MatVar& a, const MatVar& b);
}  // namespace detail

/// Sum of all entries.
Var sum(const MatVar& a);
/// Mean of all entries.
Var mean(const MatVar& a);
/// The sum of each row: rows x 1.
MatVar row_sums(const MatVar& a);
/// The sum of each column: 1 x cols.
MatVar col_sums(const MatVar& a);
/// The mean of each row: rows x 1.
MatVar row_means(const MatVar& a);
/// The mean of each column: 1 x cols.
MatVar col_means(const MatVar& a);
/// sum_ij A_ij B_ij (same shapes).
Var dot(const MatVar& a, const MatVar& b);
/// sum_ij A_ij^2.
Var squared_norm(const MatVar& a);

// ---- elementwise ops: each primitive's own rule, entry by entry -------------------------------

namespace detail {
template <class Op> MatVar apply_unary(const MatVar& x);
template <class Op> MatVar apply_param(const MatVar& x, double p);
/// a op b for a binary primitive, with broadcasting; a scalar operand is a Var.
template <class Op> MatVar apply_binary(const Var& a, const Var& b);
}  // namespace detail

/// Records a unary primitive (such as ops::Exp or your own) applied to every entry of x.
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Unary) MatVar apply(const MatVar& x) { return detail::apply_unary<Op>(x); }
/// Records a primitive with a constant parameter p (such as x^p) applied to every entry of x.
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::UnaryParam) MatVar apply(const MatVar& x, double p) {
  return detail::apply_param<Op>(x, p);
}
/// Records a binary primitive entry by entry, broadcasting a 1x1, a row or a column operand.
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Binary) MatVar apply(const MatVar& a, const MatVar& b) {
  return detail::apply_binary<Op>(a.node(), b.node());
}
/// The same with a scalar Var on one side (broadcast over the matrix).
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Binary) MatVar apply(const MatVar& a, const Var& b) {
  return detail::apply_binary<Op>(a.node(), b);
}
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Binary) MatVar apply(const Var& a, const MatVar& b) {
  return detail::apply_binary<Op>(a, b.node());
}

// ---- elementwise ops picked at run time, by op id ---------------------------------------------

namespace detail {
/// A unary primitive recorded entry by entry (p is ignored by an op without a parameter).
using ElementwiseFn = MatVar (*)(const MatVar& x, double p);
/// Op's entry point for ElementwiseFn: apply<Op>(x) or apply<Op>(x, p).
template <class Op> MatVar apply_elementwise(const MatVar& x, double p);
/// Stores the elementwise form of op `id` (thread-safe; storing it again is harmless).
void set_elementwise(OpId id, ElementwiseFn fn);
}  // namespace detail

/// Makes a unary primitive (Unary or UnaryParam) applicable to matrix nodes by its op id, through
/// apply(id, X): its own rule, entry by entry. The built-in primitives and every registered
/// activation's op have it already. Returns the op's id.
template <ops::Primitive Op>
requires(Op::arity == ops::Arity::Unary || Op::arity == ops::Arity::UnaryParam) OpId register_elementwise() {
  const OpId id = op_id<Op>();
  detail::set_elementwise(id, &detail::apply_elementwise<Op>);
  return id;
}
/// Records the unary op `id` of the op table entry by entry on x, for callers that pick ops at run
/// time (an activation by name). Throws Error when the op is not Unary or has no matrix form.
MatVar apply(OpId id, const MatVar& x);
/// The same for an op with a constant parameter p (UnaryParam), such as leaky_relu(x; alpha).
MatVar apply(OpId id, const MatVar& x, double p);

MatVar operator+(const MatVar& a, const MatVar& b);
MatVar operator-(const MatVar& a, const MatVar& b);
MatVar operator*(const MatVar& a, const MatVar& b);  ///< elementwise; see matmul
MatVar operator/(const MatVar& a, const MatVar& b);
inline MatVar operator+(const MatVar& a, const Var& b) { return apply<ops::Add>(a, b); }
inline MatVar operator+(const Var& a, const MatVar& b) { return apply<ops::Add>(a, b); }
inline MatVar operator-(const MatVar& a, const Var& b) { return apply<ops::Sub>(a, b); }
inline MatVar operator-(const Var& a, const MatVar& b) { return apply<ops::Sub>(a, b); }
inline MatVar operator*(const MatVar& a, const Var& b) { return apply<ops::Mul>(a, b); }
inline MatVar operator*(const Var& a, const MatVar& b) { return apply<ops::Mul>(a, b); }
inline MatVar operator/(const MatVar& a, const Var& b) { return apply<ops::Div>(a, b); }
inline MatVar operator/(const Var& a, const MatVar& b) { return apply<ops::Div>(a, b); }
inline MatVar operator+(const MatVar& x, double c) { return apply<ops::AddC>(x, c); }
inline MatVar operator+(double c, const MatVar& x) { return apply<ops::AddC>(x, c); }
inline MatVar operator-(const MatVar& x, double c) { return apply<ops::SubC>(x, c); }
inline MatVar operator-(double c, const MatVar& x) { return apply<ops::RSubC>(x, c); }
MatVar operator*(const MatVar& x, double c);
inline const MatVar& operator*(const MatVar& g, ops::One) { return g; }  ///< a rule's derivative 1
inline MatVar operator*(double c, const MatVar& x) { return x * c; }
inline MatVar operator/(const MatVar& x, double c) { return apply<ops::DivC>(x, c); }
inline MatVar operator/(double c, const MatVar& x) { return apply<ops::RDivC>(x, c); }
inline MatVar operator-(const MatVar& x) { return apply<ops::Neg>(x); }
// exp, sin, max ... take MatVars as they are (ops.hpp generates them from the op list): entry by
// entry, with broadcasting for two arguments (max and min give each side half the adjoint at a tie).
inline MatVar pow(const MatVar& x, double p) { return apply<ops::PowC>(x, p); }
/// a^b entry by entry, with broadcasting; every entry of the base must be positive (DomainError
/// naming the first that is not), as for scalars.
inline MatVar pow(const MatVar& a, const MatVar& b) { return apply<ops::Pow>(a, b); }
inline MatVar pow(const MatVar& a, const Var& b) { return apply<ops::Pow>(a, b); }
inline MatVar pow(const Var& a, const MatVar& b) { return apply<ops::Pow>(a, b); }
/// The rule of max on matrices: a constant matrix of ops::tie_share(u, v), in the broadcast shape.
MatVar tie_share(const MatVar& u, const MatVar& v);
/// f of every entry of x, as a constant matrix (a rule's piecewise factor, see constant_of in ops.hpp).
inline MatVar constant_of(const MatVar& x, double (*f)(double)) {
  return matrix_constant_copy(x.value().unaryExpr(f));
}

namespace ops {
using gradlab::pow;  // pow's MatVar forms join the rules' vocabulary (the other functions are templates)
}  // namespace ops

// ---- derivatives -----------------------------------------------------------------------------

/// dy/dX, shaped like X (backward(y)[x]). PyTorch: torch.autograd.grad(y, X).
Eigen::MatrixXd grad(const Var& y, const MatVar& x);
/// The gradient dy/dX recorded on the tape (differentiable again); zeros if y does not depend on X.
/// PyTorch: torch.autograd.grad(y, X, create_graph=True).
MatVar grad_recorded(const Var& y, const MatVar& x);
/// The Hessian of y with respect to the entries of X (column-major order) times v (shaped like X),
/// exact: it differentiates the recorded backward pass. Costs about three gradients. PyTorch:
/// torch.autograd.functional.hvp.
Eigen::MatrixXd hvp(const Var& y, const MatVar& x, const Eigen::MatrixXd& v);

/// A variable of a Hessian: a scalar Var, or a MatVar whose entries count in column-major order.
using Wrt = std::variant<Var, MatVar>;
/// The Hessian of y with respect to every entry of xs, scalars and matrices mixed, in order: H_jk =
/// d2y / dtheta_j dtheta_k, exact. Row j is the gradient of the recorded dy/dtheta_j (one recorded
/// sweep, then one first-order sweep per row). PyTorch: torch.autograd.functional.hessian with a
/// tuple of inputs, flattened into one matrix.
Eigen::MatrixXd hessian(const Var& y, std::span<const Wrt> xs);
inline Eigen::MatrixXd hessian(const Var& y, std::initializer_list<Wrt> xs) {
  return hessian(y, std::span<const Wrt>(xs.begin(), xs.size()));
}
/// The Hessian of y with respect to the entries of X (column-major order): n x n for n = X.size().
inline Eigen::MatrixXd hessian(const Var& y, const MatVar& x) { return hessian(y, {Wrt(x)}); }

}  // namespace gradlab

#include "gradlab/autodiff/matrix_ops.hpp"  // the templates' definitions
