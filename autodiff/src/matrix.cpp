#include "gradlab/autodiff/matrix.hpp"

#include <fmt/format.h>

#include <mutex>

namespace gradlab {

namespace detail {

std::pair<MatrixSlot&, Index> MatrixArena::acquire() {
  if (used_ == slots_.size()) {
    if (used_ >= kParamTag) throw_tape_full();
    slots_.emplace_back();
  }
  MatrixSlot& s = slots_[used_];
  s.kind = nullptr;
  s.data = nullptr;
  s.rows = s.cols = 0;
  s.param = 0;
  s.active = false;
  return {s, static_cast<Index>(used_++)};
}

std::size_t MatrixArena::bytes() const {
  std::size_t n = slots_.size() * sizeof(MatrixSlot);
  for (const MatrixSlot& s : slots_)
    n += static_cast<std::size_t>(s.value.size() + s.adj.size()) * sizeof(double);
  return n;
}

namespace {
// The op table row of every matrix op: it hands the node to its kind's rule in the arena.
OpId register_matrix_op() {
  OpInfo info;
  info.name = "matrix";
  info.arity = ops::Arity::Leaf;  // not callable through apply(OpId, ...)
  info.backward = [](const DoubleSweep& s, Index i, double g) {
    slot_of(s.tape, i)->kind->backward(s, i, g);
  };
  info.backward_recorded = [](const RecordedSweep& s, Index i, const Var& g) {
    slot_of(s.tape, i)->kind->backward_recorded(s, i, g);
  };
  return register_op(info);
}
}  // namespace

OpId matrix_op_id() {
  static const OpId id = register_matrix_op();
  return id;
}

std::string shape_str(Eigen::Index rows, Eigen::Index cols) { return fmt::format("{}x{}", rows, cols); }

namespace {
/// The first entry of m (column-major) that is NaN or infinite.
double first_bad(const ConstMap& m) {
  for (Eigen::Index k = 0; k < m.size(); ++k)
    if (!std::isfinite(m.data()[k])) return m.data()[k];
  return 0.0;
}
/// The first entry of m that is NaN or infinite, described as "nan at (r, c)".
std::string first_non_finite(const ConstMap& m) {
  Eigen::Index r = 0, c = 0;
  for (c = 0; c < m.cols(); ++c) {
    for (r = 0; r < m.rows(); ++r)
      if (!std::isfinite(m(r, c))) break;
    if (r < m.rows()) break;
  }
  const double bad = m(r, c);
  return fmt::format("{} at ({}, {})", std::isnan(bad) ? "nan" : fmt::format("{}", bad), r, c);
}
}  // namespace

void throw_matrix_anomaly(const char* op, const ConstMap& value) {
  const Index node = static_cast<Index>(Tape::current().size());
  throw AnomalyError(fmt::format("anomaly: '{}' produced {} of its {} result in the forward pass", op,
                                 first_non_finite(value), shape_str(value)),
                     {AnomalyError::Phase::Forward, op, node, kNoParent, first_bad(value), 0.0});
}

void throw_entry_domain_error(const std::string& why, Eigen::Index r, Eigen::Index c, Eigen::Index rows,
                              Eigen::Index cols) {
  throw DomainError(fmt::format("{} (entry ({}, {}) of the {} result)", why, r, c, shape_str(rows, cols)));
}

void check_matrix_adjoint(const Tape& t, Index i, Index p) {
  const MatrixSlot* s = slot_of(t, p);
  if (s == nullptr || !s->is_matrix() || s->adj.allFinite()) return;
  const MatrixSlot* own = slot_of(t, i);
  const ConstMap adj(s->adj.data(), s->adj.rows(), s->adj.cols());
  const char* op = own != nullptr && own->kind != nullptr ? own->kind->name : op_info(t.op(i)).name;
  throw AnomalyError(
      fmt::format("anomaly: the backward pass of '{}' (node {}) produced {} of the {} adjoint of node {}", op,
                  i, first_non_finite(adj), shape_str(adj), p),
      {AnomalyError::Phase::Backward, op, i, p, first_bad(adj), std::numeric_limits<double>::quiet_NaN()});
}

void reject_matrix(const Tape& t, Index i, const char* where) {
  if (is_matrix_node(t, i))
    throw ShapeError(
        fmt::format("{}: node {} is a {} matrix, not a scalar; pass the MatVar itself, "
                    "or reduce it first (sum, mean, dot, squared_norm)",
                    where, i, shape_str(slot_of(t, i)->view())));
}

void check_matrix(const char* op, const Tape& t, const Var& x) {
  if (!is_matrix_node(t, t.check(x)))
    throw ShapeError(fmt::format("{}: expected a matrix, got a scalar node", op));
}

std::pair<Eigen::Index, Eigen::Index> broadcast_shape(const char* op, const ConstMap& a, const ConstMap& b) {
  const auto fits = [](const ConstMap& small, const ConstMap& big) {
    return (small.rows() == big.rows() || small.rows() == 1) &&
           (small.cols() == big.cols() || small.cols() == 1);
  };
  if (fits(b, a)) return {a.rows(), a.cols()};
  if (fits(a, b)) return {b.rows(), b.cols()};
  throw ShapeError(
      fmt::format("{}: cannot combine {} and {} entry by entry (one operand must have the "
                  "result's shape; the other may be 1x1, a row or a column of it)",
                  op, shape_str(a), shape_str(b)));
}

void add_reduced(const DoubleSweep& s, Index p, bool column, const Eigen::MatrixXd& e) {
  if (column)
    add_adjoint(s, p, e.rowwise().sum());  // a column was repeated across the columns
  else
    add_adjoint(s, p, e.colwise().sum());  // a row was repeated down the rows
}

void add_adjoint(const RecordedSweep& s, Index i, const MatVar& d) {
  if (!is_matrix_node(s.tape, i)) {
    s.add(i, sum(d));
  } else {
    Var& adj = s.adj[i];
    adj = adj.valid() ? (MatVar::from_node(adj) + d).node() : d.node();
  }
}

MatVar recorded_operand(const RecordedSweep& s, Index i) {
  const Var v = s.tape.at(i);
  return is_matrix_node(s.tape, i) ? MatVar::from_node(v) : as_matrix(v);
}

namespace {
Var record_leaf(Tape& t, OpId op, const double* data, Eigen::Index rows, Eigen::Index cols, bool copy) {
  return record_matrix(t, nullptr, op, kNoParent, kNoParent, 0.0, [&](MatrixSlot& s) {
    if (copy) return set_value(s, ConstMap(data, rows, cols));
    s.data = data;
    s.rows = rows;
    s.cols = cols;
    return 0.0;
  });
}

// ---- the kinds of matrix op with their own rules (the elementwise ones are in matrix_ops.hpp) ----
// Each rule is one formula, written twice side by side: on Eigen matrices (first-order sweep) and
// on MatVars (recorded sweep, so that it can be differentiated again).

// Y = A B, or Y = Aᵀ B without forming Aᵀ (param 1: the recorded rule dB = Aᵀ G uses it, so an
// HVP never copies the data matrix):
//   Y = A B:   dA = G Bᵀ, dB = Aᵀ G;      Y = Aᵀ B:   dA = B Gᵀ, dB = A G
struct MatMul {
  static void backward(const DoubleSweep& s, Index i, double) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    const ConstMap av = operand(s.tape, a), bv = operand(s.tape, b);
    const Eigen::MatrixXd& g = matrix_adjoint(s, i);
    const bool at = slot_of(s.tape, i)->param != 0.0;
    if (wants_adjoint(s.tape, a)) {
      if (at)
        add_adjoint(s, a, bv * g.transpose());
      else
        add_adjoint(s, a, g * bv.transpose());
    }
    if (wants_adjoint(s.tape, b)) {
      if (at)
        add_adjoint(s, b, av * g);
      else
        add_adjoint(s, b, av.transpose() * g);
    }
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    const MatVar gm = MatVar::from_node(g);
    const bool at = slot_of(s.tape, i)->param != 0.0;
    if (s.needs(a))
      add_adjoint(
          s, a,
          at ? matmul(recorded_operand(s, b), transpose(gm)) : matmul(gm, transpose(recorded_operand(s, b))));
    if (s.needs(b))
      add_adjoint(s, b, at ? matmul(recorded_operand(s, a), gm) : matmul_tn(recorded_operand(s, a), gm));
  }
};

struct Transpose {  // Y = Aᵀ;  dA = Gᵀ
  static void backward(const DoubleSweep& s, Index i, double) {
    const Index a = s.parent_a(i);
    if (wants_adjoint(s.tape, a)) add_adjoint(s, a, matrix_adjoint(s, i).transpose());
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i);
    if (s.needs(a)) add_adjoint(s, a, transpose(MatVar::from_node(g)));
  }
};

// y = sum A (a scalar), Y = row_sums A (rows x 1) or Y = col_sums A (1 x cols);
// dA = G repeated back to A's shape.
struct Sum {
  static void backward(const DoubleSweep& s, Index i, double g) {
    const Index a = s.parent_a(i);
    if (!wants_adjoint(s.tape, a)) return;
    const ConstMap av = operand(s.tape, a);
    if (!is_matrix_node(s.tape, i)) {
      add_adjoint(s, a, Eigen::MatrixXd::Constant(av.rows(), av.cols(), g));
      return;
    }
    const Eigen::MatrixXd& gm = matrix_adjoint(s, i);
    if (gm.rows() == av.rows() && gm.cols() == av.cols())
      add_adjoint(s, a, gm);  // summing a single column or row changed nothing
    else if (gm.rows() == av.rows())
      add_adjoint(s, a, gm.col(0).replicate(1, av.cols()));  // row_sums
    else
      add_adjoint(s, a, gm.row(0).replicate(av.rows(), 1));  // col_sums
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i);
    if (!s.needs(a)) return;
    const MatVar gm = is_matrix_node(s.tape, i) ? MatVar::from_node(g) : as_matrix(g);
    const MatVar av = MatVar::from_node(s.tape.at(a));
    const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(av.rows(), av.cols());
    add_adjoint(s, a, gm * matrix_constant_copy(ones));  // G ⊙ 1 broadcasts G to A's shape
  }
};

struct Dot {  // y = sum A ⊙ B;  dA = g B, dB = g A
  static void backward(const DoubleSweep& s, Index i, double g) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    if (wants_adjoint(s.tape, a)) add_adjoint(s, a, operand(s.tape, b) * g);
    if (wants_adjoint(s.tape, b)) add_adjoint(s, b, operand(s.tape, a) * g);
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    if (s.needs(a)) add_adjoint(s, a, recorded_operand(s, b) * g);
    if (s.needs(b)) add_adjoint(s, b, recorded_operand(s, a) * g);
  }
};

struct SquaredNorm {  // y = sum A ⊙ A;  dA = 2 g A
  static void backward(const DoubleSweep& s, Index i, double g) {
    const Index a = s.parent_a(i);
    if (wants_adjoint(s.tape, a)) add_adjoint(s, a, operand(s.tape, a) * (2.0 * g));
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i);
    if (s.needs(a)) add_adjoint(s, a, recorded_operand(s, a) * (2.0 * g));
  }
};

struct AsMatrix {  // Y = [x] (1x1);  dx = G(0, 0)
  static void backward(const DoubleSweep& s, Index i, double) {
    s.adj[s.parent_a(i)] += matrix_adjoint(s, i)(0, 0);
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    if (s.needs(s.parent_a(i))) s.add(s.parent_a(i), sum(MatVar::from_node(g)));
  }
};

template <class K>
constexpr MatrixKind kind_of(const char* name) {
  return {name, &K::backward, &K::backward_recorded};
}
const MatrixKind kMatMul = kind_of<MatMul>("matmul");
const MatrixKind kTranspose = kind_of<Transpose>("transpose");
const MatrixKind kSum = kind_of<Sum>("sum");
const MatrixKind kDot = kind_of<Dot>("dot");
const MatrixKind kSquaredNorm = kind_of<SquaredNorm>("squared_norm");
const MatrixKind kAsMatrix = kind_of<AsMatrix>("as_matrix");

// Records a kind whose value is a scalar.
template <class F>
Var record_scalar(const MatrixKind& kind, Index a, Index b, F&& value) {
  Tape& t = Tape::current();
  return record_matrix(t, &kind, matrix_op_id(), a, b, 0.0, [&](MatrixSlot&) { return value(); });
}
template <class F>
MatVar record_op(const MatrixKind& kind, Index a, Index b, F&& value) {
  Tape& t = Tape::current();
  return MatVar::from_node(record_matrix(t, &kind, matrix_op_id(), a, b, 0.0,
                                         [&](MatrixSlot& s) { return set_value(s, value()); }));
}
ConstMap checked(const char* op, const MatVar& x) {
  const Tape& t = Tape::current();
  check_matrix(op, t, x.node());
  return operand(t, x.index());
}
}  // namespace

MatVar reduce_recorded(const MatVar& e, Eigen::Index rows, Eigen::Index cols) {
  if (e.rows() == rows && e.cols() == cols) return e;
  if (rows == 1 && cols == 1) return as_matrix(sum(e));
  return cols == 1 ? row_sums(e) : col_sums(e);
}

}  // namespace detail

using detail::ConstMap;

// ---- MatVar and leaves ---------------------------------------------------------------------------

MatVar::MatVar(double c) {
  const Eigen::Matrix<double, 1, 1> m = Eigen::Matrix<double, 1, 1>::Constant(c);
  *this = matrix_constant_copy(m);
}

MatVar MatVar::from_node(const Var& node) {
  const Tape& t = Tape::current();
  if (!detail::is_matrix_node(t, t.check(node)))
    throw ShapeError(fmt::format("MatVar: node {} holds a scalar, not a matrix", node.index()));
  return MatVar(node);
}

Eigen::Map<const Eigen::MatrixXd> MatVar::value() const {
  const Tape& t = Tape::current();
  return detail::slot_of(t, t.check(node_))->view();
}

MatVar matrix_variable(const Eigen::Ref<const Eigen::MatrixXd>& value) {
  Tape& t = Tape::current();
  return MatVar::from_node(detail::record_leaf(t, kInputOp, value.data(), value.rows(), value.cols(), true));
}
MatVar matrix_constant(const Eigen::Map<const Eigen::MatrixXd>& data) {
  Tape& t = Tape::current();
  return MatVar::from_node(detail::record_leaf(t, kConstOp, data.data(), data.rows(), data.cols(), false));
}
MatVar matrix_constant_copy(const Eigen::Ref<const Eigen::MatrixXd>& value) {
  Tape& t = Tape::current();
  return MatVar::from_node(detail::record_leaf(t, kConstOp, value.data(), value.rows(), value.cols(), true));
}

MatVar as_matrix(const Var& x) {
  Tape& t = Tape::current();
  const Index i = t.check_scalar(x, "as_matrix");
  return detail::record_op(detail::kAsMatrix, i, kNoParent,
                           [&] { return Eigen::Matrix<double, 1, 1>::Constant(t.value(i)); });
}

namespace {
const detail::MatrixSlot& constant_slot(const char* op, const MatVar& x) {
  const Tape& t = Tape::current();
  detail::check_matrix(op, t, x.node());
  const detail::MatrixSlot& s = *detail::slot_of(t, x.index());
  if (s.active)
    throw Error(fmt::format("{}: only constant matrices can be indexed (this {} matrix depends on an input)",
                            op, detail::shape_str(s.rows, s.cols)));
  return s;
}
}  // namespace

MatVar row(const MatVar& constant, Eigen::Index i) {
  const detail::MatrixSlot& s = constant_slot("row", constant);
  if (i < 0 || i >= s.rows)
    throw ShapeError(
        fmt::format("row: index {} is out of range for a {} matrix", i, detail::shape_str(s.rows, s.cols)));
  const Eigen::RowVectorXd r = s.view().row(i);
  return matrix_constant_copy(r);
}

MatVar col(const MatVar& constant, Eigen::Index j) {
  const detail::MatrixSlot& s = constant_slot("col", constant);
  if (j < 0 || j >= s.cols)
    throw ShapeError(
        fmt::format("col: index {} is out of range for a {} matrix", j, detail::shape_str(s.rows, s.cols)));
  return matrix_constant(ConstMap(s.data + j * s.rows, s.rows, 1));
}

// ---- ops -------------------------------------------------------------------------------------------

MatVar matmul(const MatVar& a, const MatVar& b) {
  const ConstMap av = detail::checked("matmul", a), bv = detail::checked("matmul", b);
  if (av.cols() != bv.rows())
    throw ShapeError(
        fmt::format("matmul: cannot multiply {} by {}", detail::shape_str(av), detail::shape_str(bv)));
  return MatVar::from_node(detail::record_matrix(Tape::current(), &detail::kMatMul, detail::matrix_op_id(),
                                                 a.index(), b.index(), 0.0, [&](detail::MatrixSlot& s) {
                                                   // inner dimension 1: an outer product, written entry by
                                                   // entry (a product clears dst first)
                                                   return av.cols() == 1
                                                              ? detail::set_value(s, av.col(0) * bv.row(0))
                                                              : detail::set_value(s, av * bv);
                                                 }));
}

MatVar detail::matmul_tn(const MatVar& a, const MatVar& b) {
  const ConstMap av = checked("matmul", a), bv = checked("matmul", b);
  if (av.rows() != bv.rows())
    throw ShapeError(
        fmt::format("matmul: cannot multiply the transpose of {} by {}", shape_str(av), shape_str(bv)));
  return MatVar::from_node(record_matrix(Tape::current(), &kMatMul, matrix_op_id(), a.index(), b.index(), 1.0,
                                         [&](MatrixSlot& s) { return set_value(s, av.transpose() * bv); }));
}

MatVar tie_share(const MatVar& u, const MatVar& v) {
  const ConstMap uv = detail::checked("max", u), vv = detail::checked("max", v);
  const auto [rows, cols] = detail::broadcast_shape("max", uv, vv);
  Eigen::MatrixXd share(rows, cols);
  detail::broadcast_both(uv, vv, rows, cols, [&](const auto& ux, const auto& vx) {
    share = ux.binaryExpr(vx, [](double a, double b) { return ops::tie_share(a, b); });
  });
  return matrix_constant_copy(share);
}

MatVar transpose(const MatVar& a) {
  const ConstMap av = detail::checked("transpose", a);
  return detail::record_op(detail::kTranspose, a.index(), kNoParent, [&] { return av.transpose(); });
}

Var sum(const MatVar& a) {
  const ConstMap av = detail::checked("sum", a);
  return detail::record_scalar(detail::kSum, a.index(), kNoParent, [&] { return av.sum(); });
}
MatVar row_sums(const MatVar& a) {
  const ConstMap av = detail::checked("row_sums", a);
  return detail::record_op(detail::kSum, a.index(), kNoParent, [&] { return av.rowwise().sum(); });
}
MatVar col_sums(const MatVar& a) {
  const ConstMap av = detail::checked("col_sums", a);
  return detail::record_op(detail::kSum, a.index(), kNoParent, [&] { return av.colwise().sum(); });
}
Var mean(const MatVar& a) { return sum(a) / static_cast<double>(a.rows() * a.cols()); }
MatVar row_means(const MatVar& a) { return row_sums(a) / static_cast<double>(a.cols()); }
MatVar col_means(const MatVar& a) { return col_sums(a) / static_cast<double>(a.rows()); }

Var dot(const MatVar& a, const MatVar& b) {
  const ConstMap av = detail::checked("dot", a), bv = detail::checked("dot", b);
  if (av.rows() != bv.rows() || av.cols() != bv.cols())
    throw ShapeError(
        fmt::format("dot: the shapes {} and {} differ", detail::shape_str(av), detail::shape_str(bv)));
  return detail::record_scalar(detail::kDot, a.index(), b.index(), [&] { return av.cwiseProduct(bv).sum(); });
}

Var squared_norm(const MatVar& a) {
  const ConstMap av = detail::checked("squared_norm", a);
  return detail::record_scalar(detail::kSquaredNorm, a.index(), kNoParent, [&] { return av.squaredNorm(); });
}

// ---- elementwise ops by op id -------------------------------------------------------------------

namespace {
// The elementwise form of each op id that has one, next to the op table: the built-in unary
// primitives from the start, other ops once register_elementwise<Op>() ran.
template <class Op>
detail::ElementwiseFn builtin_form() {
  if constexpr (Op::arity == ops::Arity::Unary || Op::arity == ops::Arity::UnaryParam)
    return &detail::apply_elementwise<Op>;
  else
    return nullptr;
}
struct ElementwiseTable {
  std::mutex mutex;
  std::vector<detail::ElementwiseFn> forms;
  ElementwiseTable() {
#define GRADLAB_FORM(N) forms.push_back(builtin_form<ops::N>());
    GRADLAB_BUILTIN_OPS(GRADLAB_FORM)
#undef GRADLAB_FORM
  }
};
ElementwiseTable& elementwise_table() {
  static ElementwiseTable t;
  return t;
}

const char* arity_str(ops::Arity arity) {
  switch (arity) {
    case ops::Arity::Leaf:
      return "a leaf";
    case ops::Arity::Unary:
      return "a one-argument op without a parameter";
    case ops::Arity::UnaryParam:
      return "a one-argument op with a constant parameter";
    case ops::Arity::Binary:
      return "a two-argument op";
  }
  return "?";
}

MatVar apply_by_id(OpId id, const MatVar& x, double p, ops::Arity arity) {
  const OpInfo& info = op_info(id);
  if (info.arity != arity)
    throw Error(fmt::format("apply: op '{}' is {}; apply(id, X{}) needs {}", info.name, arity_str(info.arity),
                            arity == ops::Arity::Unary ? "" : ", p", arity_str(arity)));
  detail::ElementwiseFn fn = nullptr;
  {
    ElementwiseTable& t = elementwise_table();
    std::lock_guard lock(t.mutex);
    if (id < t.forms.size()) fn = t.forms[id];
  }
  if (fn == nullptr)
    throw Error(fmt::format("apply: op '{}' has no matrix form; call register_elementwise<Op>() once for it",
                            info.name));
  return fn(x, p);
}
}  // namespace

void detail::set_elementwise(OpId id, ElementwiseFn fn) {
  ElementwiseTable& t = elementwise_table();
  std::lock_guard lock(t.mutex);
  if (id >= t.forms.size()) t.forms.resize(id + 1, nullptr);
  t.forms[id] = fn;
}

MatVar apply(OpId id, const MatVar& x) { return apply_by_id(id, x, 0.0, ops::Arity::Unary); }
MatVar apply(OpId id, const MatVar& x, double p) { return apply_by_id(id, x, p, ops::Arity::UnaryParam); }

MatVar operator+(const MatVar& a, const MatVar& b) { return apply<ops::Add>(a, b); }
MatVar operator-(const MatVar& a, const MatVar& b) { return apply<ops::Sub>(a, b); }
MatVar operator/(const MatVar& a, const MatVar& b) { return apply<ops::Div>(a, b); }

MatVar operator*(const MatVar& x, double c) {
  if (c == 1.0) return x;  // x * 1 = x: no node (the recorded rules multiply by such constants often)
  return apply<ops::MulC>(x, c);
}

MatVar operator*(const MatVar& a, const MatVar& b) {
  // A 1x1 constant factor (such as T(1.0) in a rule) becomes a parametrised op, without broadcasting.
  const Tape& t = Tape::current();
  const auto constant_1x1 = [&](const MatVar& m) {
    const Index i = t.check(m.node());
    const detail::MatrixSlot* s = detail::slot_of(t, i);
    return t.op(i) == kConstOp && s != nullptr && s->rows == 1 && s->cols == 1;
  };
  if (constant_1x1(b)) return a * b.value()(0, 0);
  if (constant_1x1(a)) return b * a.value()(0, 0);
  return apply<ops::Mul>(a, b);
}

// ---- derivatives -------------------------------------------------------------------------------------

Eigen::MatrixXd Gradients::operator[](const MatVar& x) const {
  const Index i = Tape::current().check(x.node());
  for (const auto& [node, g] : matrices_)
    if (node == i) return g;
  return Eigen::MatrixXd::Zero(x.rows(), x.cols());
}

Eigen::MatrixXd grad(const Var& y, const MatVar& x) { return backward(y)[x]; }

MatVar grad_recorded(const Var& y, const MatVar& x) {
  Tape& t = Tape::current();
  const Index root = t.check(y);
  const Index i = t.check(x.node());
  const std::vector<Var> adj = t.backward_recorded(root);
  if (i < adj.size() && adj[i].valid()) return MatVar::from_node(adj[i]);
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(x.rows(), x.cols());
  return matrix_constant_copy(zero);
}

Eigen::MatrixXd hvp(const Var& y, const MatVar& x, const Eigen::MatrixXd& v) {
  if (v.rows() != x.rows() || v.cols() != x.cols())
    throw ShapeError(fmt::format("hvp: the direction v is {} but the variable is {}",
                                 detail::shape_str(v.rows(), v.cols()),
                                 detail::shape_str(x.rows(), x.cols())));
  // H v = d/dx (grad(y) · v): differentiate the recorded gradient once more
  return grad(dot(grad_recorded(y, x), matrix_constant(v)), x);
}

Eigen::MatrixXd hessian(const Var& y, std::span<const Wrt> xs) {
  Tape& t = Tape::current();
  const Index root = t.check(y);
  // The variables' nodes and their sizes (1 for a scalar, rows x cols for a matrix).
  std::vector<Index> nodes;
  std::vector<Eigen::Index> sizes;
  for (const Wrt& x : xs) {
    if (const Var* v = std::get_if<Var>(&x)) {
      nodes.push_back(t.check_scalar(*v, "hessian"));
      sizes.push_back(1);
    } else {
      const MatVar& m = std::get<MatVar>(x);
      nodes.push_back(t.check(m.node()));
      sizes.push_back(m.rows() * m.cols());
    }
  }
  Eigen::Index n = 0;
  for (Eigen::Index k : sizes) n += k;
  const std::vector<Var> adj = t.backward_recorded(root);  // dy/dtheta, recorded
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(n, n);
  Eigen::Index row = 0;
  for (std::size_t k = 0; k < xs.size(); row += sizes[k], ++k) {
    const Index i = nodes[k];
    if (i >= adj.size() || !adj[i].valid()) continue;  // y does not depend on it: rows of exact zeros
    const auto* m = std::get_if<MatVar>(&xs[k]);
    Eigen::MatrixXd e = m != nullptr ? Eigen::MatrixXd::Zero(m->rows(), m->cols()) : Eigen::MatrixXd();
    for (Eigen::Index j = 0; j < sizes[k]; ++j) {
      Var dj = adj[i];  // dy/dtheta_j: the scalar adjoint, or entry j of the matrix one
      if (m != nullptr) {
        e(j) = 1.0;
        dj = dot(MatVar::from_node(adj[i]), matrix_constant_copy(e));
        e(j) = 0.0;
      }
      const Gradients g = backward(dj);
      Eigen::Index col = 0;
      for (std::size_t q = 0; q < xs.size(); col += sizes[q], ++q) {
        if (const Var* v = std::get_if<Var>(&xs[q]))
          h(row + j, col) = g[*v];
        else
          h.row(row + j).segment(col, sizes[q]) = g[std::get<MatVar>(xs[q])].reshaped().transpose();
      }
    }
  }
  return h;
}

}  // namespace gradlab
