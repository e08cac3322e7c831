#pragma once
/// @file matrix_ops.hpp
/// Definitions of matrix.hpp's templates: the elementwise ops, which reuse each scalar primitive's
/// struct. Include matrix.hpp, not this file.
#include <fmt/format.h>

#include <utility>

#include "gradlab/autodiff/fixed_order.hpp"
#include "gradlab/autodiff/matrix.hpp"

namespace gradlab::detail {

using ConstMap = Eigen::Map<const Eigen::MatrixXd>;

/// The arena slot of node i, or null for a plain scalar node.
inline MatrixSlot* slot_of(const Tape& t, Index i) {
  const Index k = t.slot(i);
  return k == 0 ? nullptr : &t.matrices().slot(k - 1);
}
inline bool is_matrix_node(const Tape& t, Index i) {
  const MatrixSlot* s = slot_of(t, i);
  return s != nullptr && s->is_matrix();
}
/// The value of node i as a matrix: its arena view, or a 1x1 view of a scalar node's value.
inline ConstMap operand(const Tape& t, Index i) {
  if (const MatrixSlot* s = slot_of(t, i); s != nullptr && s->is_matrix()) return s->view();
  return {&t.node(i).value, 1, 1};
}
/// Whether the first-order sweep should compute node i's adjoint (false for constant matrices).
inline bool wants_adjoint(const Tape& t, Index i) {
  if (i == kNoParent) return false;
  const MatrixSlot* s = slot_of(t, i);
  return s == nullptr || !s->is_matrix() || s->active;
}
/// Whether a new node with parents a and b depends on an input (scalar parents are assumed to).
inline bool depends_on_input(const Tape& t, Index a, Index b) {
  return wants_adjoint(t, a) || wants_adjoint(t, b);
}
std::string shape_str(Eigen::Index rows, Eigen::Index cols);
inline std::string shape_str(const ConstMap& m) { return shape_str(m.rows(), m.cols()); }
[[noreturn]] void throw_entry_domain_error(const std::string& why, Eigen::Index r, Eigen::Index c,
                                           Eigen::Index rows, Eigen::Index cols);
/// ops::check_domain entry by entry, for an op that declares a domain: a (broadcast) and b (a
/// broadcast matrix, or null for a parameter p) against the rows x cols result.
template <class Op> void check_domain_entries([[maybe_unused]] const ConstMap& a,
                                              [[maybe_unused]] const ConstMap* b, [[maybe_unused]] double p,
                                              [[maybe_unused]] Eigen::Index rows,
                                              [[maybe_unused]] Eigen::Index cols) {
  if constexpr (requires { Op::in_domain(0.0, 0.0); }) {
    const auto at = [](const ConstMap& m, Eigen::Index r, Eigen::Index c) {
      return m(m.rows() == 1 ? 0 : r, m.cols() == 1 ? 0 : c);
    };
    for (Eigen::Index c = 0; c < cols; ++c)
      for (Eigen::Index r = 0; r < rows; ++r) {
        const double u = at(a, r, c), v = b != nullptr ? at(*b, r, c) : p;
        if (!Op::in_domain(u, v)) throw_entry_domain_error(Op::domain_error(u, v), r, c, rows, cols);
      }
  }
}
[[noreturn]] void throw_matrix_anomaly(const char* op, const ConstMap& value);

template <class Fill>
Var record_matrix(Tape& t, const MatrixKind* kind, OpId op, Index a, Index b, double param, Fill&& fill) {
  auto [slot, k] = t.matrices().acquire();
  slot.kind = kind;
  slot.param = param;
  slot.active = op == kInputOp || (op != kConstOp && depends_on_input(t, a, b));
  double scalar = fill(slot);  // writes slot.value (and returns 0) or returns a scalar value
  if (slot.is_matrix() && detect_anomaly() && !slot.view().allFinite()) [[unlikely]]
    throw_matrix_anomaly(kind ? kind->name : "matrix", slot.view());
  return t.record(op, a, b, scalar, k + 1);
}

/// Fills a slot with an owned matrix value computed by `expr`.
template <class Expr> double set_value(MatrixSlot& slot, const Expr& expr);
/// Marks the slot's owned matrix (already written into slot.value) as its value.
inline double owned_value(MatrixSlot& slot) {
  slot.data = slot.value.data();
  slot.rows = slot.value.rows();
  slot.cols = slot.value.cols();
  return 0.0;
}
template <class Expr> double set_value(MatrixSlot& slot, const Expr& expr) {
  slot.value.noalias() = expr;
  return owned_value(slot);
}

// ---- accumulating adjoints -------------------------------------------------------------------

/// First-order sweep: adj(i) += e for node i (scalar or matrix). The first contribution to a matrix
/// adjoint assigns it (no zero fill) and raises node i's flag in the scalar adjoint array.
template <class Expr> void add_adjoint(const DoubleSweep& s, Index i, const Expr& e) {
  MatrixSlot* slot = slot_of(s.tape, i);
  if (slot == nullptr || !slot->is_matrix()) {
    s.adj[i] += e(0, 0);  // a scalar operand: e is 1x1
  } else if (s.adj[i] == 0.0) {
    slot->adj.noalias() = e;
    s.adj[i] = 1.0;
  } else {
    slot->adj.noalias() += e;
  }
}
/// Differentiable sweep: adj(i) += d, recorded (a scalar node gets sum(d), d being 1x1 then).
void add_adjoint(const RecordedSweep& s, Index i, const MatVar& d);
/// The node as a MatVar in the recorded sweep (a scalar node becomes a 1x1 matrix).
MatVar recorded_operand(const RecordedSweep& s, Index i);
/// The matrix adjoint of node i in the first-order sweep.
inline const Eigen::MatrixXd& matrix_adjoint(const DoubleSweep& s, Index i) {
  return slot_of(s.tape, i)->adj;
}

// ---- broadcasting ----------------------------------------------------------------------------

/// Calls f with m seen as a rows x cols expression: m itself, a constant (m is 1x1), or a row or
/// column repeated into `scratch`. Only two expression types, so each rule is compiled twice, not
/// once per kind of broadcast.
template <class F>
void broadcast(const ConstMap& m, Eigen::Index rows, Eigen::Index cols, Eigen::MatrixXd& scratch, F&& f) {
  if (m.rows() == rows && m.cols() == cols) {
    f(m);
  } else if (m.rows() == 1 && m.cols() == 1) {
    f(Eigen::MatrixXd::Constant(rows, cols, m(0, 0)));
  } else {
    scratch = m.cols() == 1 ? Eigen::MatrixXd(m.col(0).replicate(1, cols))
                            : Eigen::MatrixXd(m.row(0).replicate(rows, 1));
    f(ConstMap(scratch.data(), rows, cols));
  }
}
/// Calls f(ax, bx) with a and b both seen as rows x cols expressions (see broadcast).
template <class F>
void broadcast_both(const ConstMap& a, const ConstMap& b, Eigen::Index rows, Eigen::Index cols, F&& f) {
  Eigen::MatrixXd scratch_a, scratch_b;
  broadcast(a, rows, cols, scratch_a,
            [&](const auto& ax) { broadcast(b, rows, cols, scratch_b, [&](const auto& bx) { f(ax, bx); }); });
}
// ---- one vocabulary for both sweeps ------------------------------------------------------------
// A matrix kind's rule is written once, as a template over the sweep S. With DoubleSweep the
// operands are Eigen maps and the adjoints Eigen expressions (the fast first-order sweep); with
// RecordedSweep both are MatVars, so the rule records nodes and can be differentiated again. The
// Eigen forms of matrix.hpp's functions below make the same formula read the same in both.

/// Node i's value: an Eigen view, or a MatVar (a scalar node becomes a 1x1 matrix).
inline ConstMap operand_of(const DoubleSweep& s, Index i) { return operand(s.tape, i); }
inline MatVar operand_of(const RecordedSweep& s, Index i) { return recorded_operand(s, i); }
/// Node i's adjoint as a matrix: its matrix adjoint, or (for a node with a scalar value) g as 1x1.
inline ConstMap adjoint_of(const DoubleSweep& s, Index i, const double& g) {
  if (!is_matrix_node(s.tape, i)) return {&g, 1, 1};
  const Eigen::MatrixXd& m = matrix_adjoint(s, i);
  return {m.data(), m.rows(), m.cols()};
}
MatVar adjoint_of(const RecordedSweep& s, Index i, const Var& g);
/// Whether the sweep computes node i's adjoint.
inline bool wants(const DoubleSweep& s, Index i) { return wants_adjoint(s.tape, i); }
inline bool wants(const RecordedSweep& s, Index i) { return s.needs(i); }
/// The shape of node i's value (1 x 1 for a scalar).
inline std::pair<Eigen::Index, Eigen::Index> shape_of(const Tape& t, Index i) {
  const ConstMap v = operand(t, i);
  return {v.rows(), v.cols()};
}
// The products and sums add in one fixed order at any vector width (fixed_order.hpp).
template <class A, class B>
Eigen::MatrixXd matmul(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  return fixed_order::matmul(a.derived(), b.derived());
}
template <class A, class B>
Eigen::MatrixXd matmul_tn(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  return fixed_order::matmul_tn(a.derived(), b.derived());
}
template <class A> auto transpose(const Eigen::MatrixBase<A>& a) { return a.derived().transpose(); }
/// The sums that undo a broadcast, evaluated (Eigen) or recorded (MatVar).
template <class A> Eigen::Matrix<double, 1, 1> sum_1x1(const Eigen::MatrixBase<A>& a) {
  return Eigen::Matrix<double, 1, 1>::Constant(fixed_order::sum(a.derived()));
}
inline MatVar sum_1x1(const MatVar& a) { return as_matrix(sum(a)); }
template <class A> Eigen::MatrixXd row_sums(const Eigen::MatrixBase<A>& a) {
  return fixed_order::row_sums(a.derived());
}
template <class A> Eigen::MatrixXd col_sums(const Eigen::MatrixBase<A>& a) {
  return fixed_order::col_sums(a.derived());
}
/// Calls f(G repeated to rows x cols): G itself, a constant (G is 1x1), or a row or column repeated.
template <class F>
void repeated(const DoubleSweep&, const ConstMap& g, Eigen::Index rows, Eigen::Index cols, F&& f) {
  Eigen::MatrixXd scratch;
  broadcast(g, rows, cols, scratch, f);
}
template <class F>
void repeated(const RecordedSweep&, const MatVar& g, Eigen::Index rows, Eigen::Index cols, F&& f) {
  if (g.rows() == rows && g.cols() == cols) return f(g);
  f(g * matrix_constant_copy(Eigen::MatrixXd::Ones(rows, cols)));  // G ⊙ 1 broadcasts G
}

/// adj(p) += e summed down to p's shape (rows x cols): the adjoint of broadcasting p (a 1x1, a
/// column or a row) to e's shape. The one unbroadcast, for both sweeps.
template <class S, class E>
void add_unbroadcast(const S& s, Index p, Eigen::Index rows, Eigen::Index cols, const E& e) {
  if (e.rows() == rows && e.cols() == cols)
    add_adjoint(s, p, e);
  else if (rows == 1 && cols == 1)
    add_adjoint(s, p, sum_1x1(e));
  else if (cols == 1)
    add_adjoint(s, p, row_sums(e));  // a column was repeated across the columns
  else
    add_adjoint(s, p, col_sums(e));  // a row was repeated down the rows
}
/// Hands node i's adjoint buffer to p, which has none yet and the same shape (a swap, no copy).
/// i's adjoint is not read again in this sweep; i keeps a buffer of its size, so that a re-recording
/// allocates nothing.
inline void give_adjoint(const DoubleSweep& s, MatrixSlot& from, MatrixSlot& to, Index p) {
  to.adj.swap(from.adj);
  from.adj.resize(to.adj.rows(), to.adj.cols());
  s.adj[p] = 1.0;
}
/// adj(p) += adj(i), for a rule whose derivative is ops::one. When p has i's shape and no adjoint
/// yet, i's adjoint buffer is handed over (a swap, no copy): i's adjoint is not read again in this
/// sweep, so this must be the last use of it.
inline void hand_on_adjoint(const DoubleSweep& s, Index i, Index p) {
  MatrixSlot* from = slot_of(s.tape, i);
  MatrixSlot* to = slot_of(s.tape, p);
  if (to != nullptr && to->is_matrix() && s.adj[p] == 0.0 && to->rows == from->rows &&
      to->cols == from->cols) {
    give_adjoint(s, *from, *to, p);
  } else {
    const ConstMap pv = operand(s.tape, p);
    add_unbroadcast(s, p, pv.rows(), pv.cols(), from->adj);
  }
}
/// adj(p) += adj(i) ⊙ f(X, Y) entry by entry, where p (with value X) is the one input of the
/// elementwise node i (value Y). Plain loops, which the compiler vectorises when the rule f is
/// arithmetic (an Eigen expression around a lambda is not). When p has no adjoint yet, the product
/// is formed in i's own adjoint buffer, which is then handed to p: i's adjoint is not read again in
/// this sweep, and writing over memory just read is cheaper than filling a cold buffer.
template <class F> void add_elementwise_adjoint(const DoubleSweep& s, Index i, Index p, F f) {
  MatrixSlot& own = *slot_of(s.tape, i);
  MatrixSlot& to = *slot_of(s.tape, p);
  double* g = own.adj.data();
  const double* x = to.data;
  const double* y = own.data;
  const Eigen::Index n = own.adj.size();
  if (s.adj[p] == 0.0) {
    for (Eigen::Index k = 0; k < n; ++k) g[k] *= f(x[k], y[k]);
    give_adjoint(s, own, to, p);
  } else {
    double* out = to.adj.data();
    for (Eigen::Index k = 0; k < n; ++k) out[k] += g[k] * f(x[k], y[k]);
  }
}
/// The shape of a op b with broadcasting; throws ShapeError naming op and both shapes.
std::pair<Eigen::Index, Eigen::Index> broadcast_shape(const char* op, const ConstMap& a, const ConstMap& b);
void check_matrix(const char* op, const Tape& t, const Var& x);
/// check_matrix, then x's value.
ConstMap checked(const char* op, const MatVar& x);

// ---- elementwise unary: Op's value and d, entry by entry -------------------------------------

/// Y = Op(X) entry by entry, into the slot: with Op::values (a vectorised loop over the entries, the
/// bits of Op::value at each) where the primitive provides it, else with its value on doubles.
template <class Op> double unary_value(MatrixSlot& slot, const ConstMap& x) {
  if constexpr (requires(double* y) { Op::values(x.data(), y, x.size()); }) {
    slot.value.resize(x.rows(), x.cols());
    Op::values(x.data(), slot.value.data(), x.size());
    return owned_value(slot);
  } else {
    return set_value(slot, x.unaryExpr([](double v) { return Op::value(v); }));
  }
}

template <class Op> struct UnaryKind {  // dX = G ⊙ d(X, Y), with Op's own rule d
  static void backward(const DoubleSweep& s, Index i, double) {
    const Index a = s.parent_a(i);
    if (!wants_adjoint(s.tape, a)) return;
    if constexpr (ops::is_one<decltype(Op::d(0.0, 0.0))>) {
      hand_on_adjoint(s, i, a);
    } else {
      add_elementwise_adjoint(s, i, a, [](double x, double y) { return Op::d(x, y); });
    }
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i);
    if (s.needs(a))
      add_adjoint(s, a, MatVar::from_node(g) * Op::d(recorded_operand(s, a), recorded_operand(s, i)));
  }
  static constexpr MatrixKind kind{Op::name, &backward, &backward_recorded};
};

template <class Op> MatVar apply_unary(const MatVar& x) {
  Tape& t = Tape::current();
  check_matrix(Op::name, t, x.node());
  const Index i = x.index();
  const ConstMap xv = operand(t, i);
  return MatVar::from_node(record_matrix(t, &UnaryKind<Op>::kind, matrix_op_id(), i, kNoParent, 0.0,
                                         [&](MatrixSlot& s) { return unary_value<Op>(s, xv); }));
}

template <class Op> struct ParamKind {  // dX = G ⊙ d(X, p, Y)
  static void backward(const DoubleSweep& s, Index i, double) {
    const Index a = s.parent_a(i);
    if (!wants_adjoint(s.tape, a)) return;
    if constexpr (ops::is_one<decltype(Op::d(0.0, 0.0, 0.0))>) {
      hand_on_adjoint(s, i, a);
    } else {
      const double p = slot_of(s.tape, i)->param;
      add_elementwise_adjoint(s, i, a, [p](double x, double y) { return Op::d(x, p, y); });
    }
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i);
    const double p = slot_of(s.tape, i)->param;
    if (s.needs(a))
      add_adjoint(s, a, MatVar::from_node(g) * Op::d(recorded_operand(s, a), p, recorded_operand(s, i)));
  }
  static constexpr MatrixKind kind{Op::name, &backward, &backward_recorded};
};

template <class Op> MatVar apply_param(const MatVar& x, double p) {
  Tape& t = Tape::current();
  check_matrix(Op::name, t, x.node());
  const Index i = x.index();
  const ConstMap xv = operand(t, i);
  check_domain_entries<Op>(xv, nullptr, p, xv.rows(), xv.cols());
  return MatVar::from_node(record_matrix(
      t, &ParamKind<Op>::kind, matrix_op_id(), i, kNoParent, p,
      [&](MatrixSlot& s) { return set_value(s, xv.unaryExpr([p](double v) { return Op::value(v, p); })); }));
}

template <class Op> MatVar apply_elementwise(const MatVar& x, [[maybe_unused]] double p) {
  if constexpr (Op::arity == ops::Arity::UnaryParam)
    return apply_param<Op>(x, p);
  else
    return apply_unary<Op>(x);
}

// ---- elementwise binary with broadcasting ----------------------------------------------------

/// f(a, b, y) entry by entry, for three expressions of one shape.
template <class F, class A, class B, class C> auto ternary(const A& a, const B& b, const C& c, F f) {
  return Eigen::CwiseTernaryOp<F, const A, const B, const C>(a, b, c, f);
}

template <class Op> struct BinaryKind {  // dA = reduce(G ⊙ da(A, B, Y)), dB = reduce(G ⊙ db(A, B, Y))
  static constexpr bool one_a = ops::is_one<decltype(Op::da(0.0, 0.0, 0.0))>;
  static constexpr bool one_b = ops::is_one<decltype(Op::db(0.0, 0.0, 0.0))>;
  static void backward(const DoubleSweep& s, Index i, double) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    const bool want_a = wants_adjoint(s.tape, a), want_b = wants_adjoint(s.tape, b);
    const ConstMap av = operand(s.tape, a), bv = operand(s.tape, b), y = operand(s.tape, i);
    const Eigen::MatrixXd& g = matrix_adjoint(s, i);
    if ((want_a && !one_a) || (want_b && !one_b)) {
      broadcast_both(av, bv, y.rows(), y.cols(), [&](const auto& ax, const auto& bx) {
        if constexpr (!one_a) {
          const auto da = [](double u, double v, double w) { return Op::da(u, v, w); };
          if (want_a) add_unbroadcast(s, a, av.rows(), av.cols(), g.cwiseProduct(ternary(ax, bx, y, da)));
        }
        if constexpr (!one_b) {
          const auto db = [](double u, double v, double w) { return Op::db(u, v, w); };
          if (want_b) add_unbroadcast(s, b, bv.rows(), bv.cols(), g.cwiseProduct(ternary(ax, bx, y, db)));
        }
      });
    }
    // derivative 1: g itself; its buffer can be handed to the last such parent
    if (one_a && one_b && want_a && want_b) add_unbroadcast(s, b, bv.rows(), bv.cols(), g);
    if (one_a && want_a) hand_on_adjoint(s, i, a);
    if (one_b && want_b && !(one_a && want_a)) hand_on_adjoint(s, i, b);
  }
  static void backward_recorded(const RecordedSweep& s, Index i, const Var& g) {
    const Index a = s.parent_a(i), b = s.parent_b(i);
    const MatVar av = recorded_operand(s, a), bv = recorded_operand(s, b), y = recorded_operand(s, i);
    const MatVar gm = MatVar::from_node(g);
    if (s.needs(a)) add_unbroadcast(s, a, av.rows(), av.cols(), gm * Op::da(av, bv, y));
    if (s.needs(b)) add_unbroadcast(s, b, bv.rows(), bv.cols(), gm * Op::db(av, bv, y));
  }
  static constexpr MatrixKind kind{Op::name, &backward, &backward_recorded};
};

template <class Op> MatVar apply_binary(const Var& a, const Var& b) {
  Tape& t = Tape::current();
  const Index i = t.check(a), j = t.check(b);
  const ConstMap av = operand(t, i), bv = operand(t, j);
  // Plain variables, not a structured binding: the lambdas below capture them, which clang 14
  // (the fuzz build) does not allow for structured bindings.
  const auto shape = broadcast_shape(Op::name, av, bv);
  const auto rows = shape.first, cols = shape.second;
  check_domain_entries<Op>(av, &bv, 0.0, rows, cols);
  return MatVar::from_node(
      record_matrix(t, &BinaryKind<Op>::kind, matrix_op_id(), i, j, 0.0, [&](MatrixSlot& s) {
        broadcast_both(av, bv, rows, cols, [&](const auto& ax, const auto& bx) {
          set_value(s, ax.binaryExpr(bx, [](double u, double v) { return Op::value(u, v); }));
        });
        return 0.0;
      }));
}

}  // namespace gradlab::detail
