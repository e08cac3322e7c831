// Matrix nodes, part 1: the arena that holds their values and adjoints, the one op-table row they
// all share, their leaves (inputs and constants), and the checks and messages about them.
#include <fmt/format.h>

#include "gradlab/autodiff/matrix.hpp"

namespace gradlab {

namespace detail {

std::pair<MatrixSlot&, Index> MatrixArena::acquire() {
  if (used_ == slots_.size()) {
    if (used_ >= kMaxNodes) throw_tape_full();
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

bool holds_matrix(const Tape& t, Index i) { return is_matrix_node(t, i); }

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

MatVar adjoint_of(const RecordedSweep& s, Index i, const Var& g) {
  return is_matrix_node(s.tape, i) ? MatVar::from_node(g) : as_matrix(g);
}

ConstMap checked(const char* op, const MatVar& x) {
  const Tape& t = Tape::current();
  check_matrix(op, t, x.node());
  return operand(t, x.index());
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

}  // namespace

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

}  // namespace gradlab
