#pragma once
/// @file statements.hpp
/// Statement mode, opt-in by type: `gradlab::statements::Var` is a gradlab::Var whose operators
/// (+ - * / and unary -), pow and primitives' functions (exp, sin, sigmoid, max ..., found by
/// argument-dependent lookup) return an expression object instead of recording a node:
///
///     using gradlab::statements::Var;
///     Var r = sigmoid(w * x + b) - y;  // one expression, one tape entry: sub(sigmoid(add(mul(w, x), b)), y)
///
/// gradlab::Var, its operators and functions are untouched: code that never names this type records
/// one node per op, as ever.
///
/// An expression computes its value at once, with its op's own `value`, and runs the op's domain
/// check then, as the node form does. It holds its operands by value: Var leaves (the handles, which
/// carry their values) and constants. It is recorded when it becomes a statements::Var (`Var v = e;`,
/// `+=`, `return`, passing it where a Var is taken), with one look-up of the active tape and one test
/// that all its leaves belong to it, as one statement entry: its value, its leaves and the partial
/// derivative of its value with respect to each leaf, from a reverse walk over the expression that
/// applies each op's own local-derivative rule (Op::d, Op::da, Op::db) on doubles. An expression of
/// a single op records a plain node, and so does every expression while anomaly detection is on
/// (Tape::record names the op). See docs/statement-mode.md.
///
/// An expression records nothing until it becomes a Var: discarding one (`sin(x);`) is a warning
/// ([[nodiscard]]). An expression is used once, as a temporary: the operators and the conversion
/// take it by rvalue only, so `auto r = a * b; r * r` does not compile (it would record `a * b` once
/// per use). Write `Var r = a * b;`.
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "gradlab/autodiff/ops.hpp"

namespace gradlab::statements {

class Var;

/// An expression (`a * b`, `sin(x) + 1` on statements::Var): an object that holds its operands by
/// value and its value, and records itself when it becomes a Var.
template <class X>
concept Expression = requires {
  typename std::remove_cvref_t<X>::gradlab_expression;
};
/// A named expression (`auto r = a * b;` then `r`): refused, as it would record its ops again at each use.
template <class X>
concept Stored = Expression<X> && std::is_lvalue_reference_v<X>;
/// An operand that makes an expression: a statements::Var, or an expression as a temporary.
template <class X>
concept Scalar = std::same_as<std::remove_cvref_t<X>, Var> ||(Expression<X> && !Stored<X>);
/// An operand that joins one: a number (a constant of the op: x + 1, 2 * x) or a node-mode Var (a leaf).
template <class X>
concept Other =
    std::is_arithmetic_v<std::remove_cvref_t<X>> || std::same_as<std::remove_cvref_t<X>, gradlab::Var>;
template <class X>
concept Number = std::is_arithmetic_v<std::remove_cvref_t<X>>;
/// The operands of a binary operator: a scalar and a scalar or another operand, either way round.
template <class A, class B>
concept Operands = (Scalar<A> && (Scalar<B> || Other<B>)) || (Other<A> && Scalar<B>);

// Each part of an expression knows, as constants of its type, how many Var leaves, constants and
// ops (recorded nodes) it holds, and does six things: OR together its leaves' mismatches with the
// tape (0: all on it), name the first bad leaf (the cold path: check_scalar with the op that uses
// it), emit its nodes (one node per op), write the partials of the expression's value with respect
// to its leaves (s: d(expression)/d(this part)), write its constants, and replay: record its nodes
// again from its leaves and constants (the differentiable sweep).

/// Where an expression writes its leaves, in reading order, into a statement entry's words (see
/// Tape::statement_words): leaf k's partial in word k, its node in word n + k/2.
struct LeafWriter {
  detail::StatementWord* words;
  Index n;  // the expression's number of leaves
  Index k = 0;
  [[gnu::always_inline]] void add(double partial, Index leaf) {
    words[k].partial = partial;
    words[n + k / 2].leaves[k % 2] = leaf;
    ++k;
  }
};

/// A Var operand: its handle, which carries the node's index and value.
struct Leaf {
  static constexpr Index leaves = 1, constants = 0, ops = 0;
  gradlab::Var x;
  [[nodiscard]] double value() const { return x.raw_value(); }
  [[nodiscard]] std::uint64_t mismatch(const Tape& t) const { return t.mismatch(x); }
  [[gnu::always_inline]] void reject(const Tape& t, const char* where) const { t.check_scalar(x, where); }
  [[gnu::always_inline]] gradlab::Var emit(Tape&) const { return x; }
  [[gnu::always_inline]] void partials(LeafWriter& w, double s) const { w.add(s, x.index()); }
  static void constants_to(detail::StatementWord*&) {}
  static Index replay(Tape&, const Index*& leaf, const detail::StatementWord*&) { return *leaf++; }
};

/// A number where the op takes two scalars (max(x, 0.0)): a constant leaf node when emitted, as
/// Var(c) records; a constant of the entry in a statement.
struct Constant {
  static constexpr Index leaves = 0, constants = 1, ops = 0;
  double v;
  [[nodiscard]] double value() const { return v; }
  static std::uint64_t mismatch(const Tape&) { return 0; }
  static void reject(const Tape&, const char*) {}
  [[gnu::always_inline]] gradlab::Var emit(Tape& t) const { return t.constant(v); }
  static void partials(LeafWriter&, double) {}
  void constants_to(detail::StatementWord*& c) const { (c++)->constant = v; }
  static Index replay(Tape& t, const Index*&, const detail::StatementWord*& c) {
    return t.constant((c++)->constant).index();
  }
};

template <class E> gradlab::Var record(const E& e);

/// The first bad leaf among a part's own Var operands (the subexpressions name theirs), checked
/// as op `where` checks its operands: check_scalar throws the message of recording op by op.
template <class P>
[[gnu::always_inline]] inline void reject_operand(const P& p, const Tape& t, const char* where) {
  if constexpr (std::is_same_v<P, Leaf>)
    p.reject(t, where);
  else
    p.reject(t, nullptr);
}

/// What every expression part has: its value (computed when it was built), its conversions to a
/// Var, which record it (only from a temporary: see the file comment), and, for the parts of one
/// operand a (Unary, Param; Binary has its own), the test of its leaves and the first bad one's name.
template <class Self> struct Recordable {
  using gradlab_expression = void;
  /// To a gradlab::Var (a `const gradlab::Var&` parameter, `return` from a function returning one):
  /// recorded as when it becomes a statements::Var.
  // NOLINTNEXTLINE(google-explicit-constructor): `grad(a * b + c, {a, b})` is the point
  [[gnu::always_inline]] operator gradlab::Var() && { return record(self()); }
  /// A named expression (`auto r = a * b;`) cannot become a Var: write `Var r = a * b;`.
  operator gradlab::Var() const& = delete;
  [[nodiscard]] double value() const { return self().v; }
  [[gnu::always_inline]] std::uint64_t mismatch(const Tape& t) const { return self().a.mismatch(t); }
  [[gnu::always_inline]] void reject(const Tape& t, const char*) const {
    reject_operand(self().a, t, Self::op::name);
  }

 private:
  [[nodiscard]] const Self& self() const { return static_cast<const Self&>(*this); }
};

/// Op applied to one scalar operand: y = Op(a).
template <class Op, class A> struct [[nodiscard]] Unary : Recordable<Unary<Op, A>> {
  using op = Op;
  static constexpr Index leaves = A::leaves, constants = A::constants, ops = A::ops + 1;
  static constexpr bool one_node = std::is_same_v<A, Leaf>;
  A a;
  double v;
  [[gnu::always_inline]] gradlab::Var record_in_room(Tape& t) const requires one_node {
    const Index i = t.check_scalar(a.x, Op::name);
    return t.record_unary_in_room(op_id<Op>(), i, v, Op::d(a.value(), v));
  }
  gradlab::Var record_making_room() const requires one_node { return detail::apply_making_room<Op>(a.x); }
  [[gnu::always_inline]] gradlab::Var emit(Tape& t) const {
    const Index i = a.emit(t).index();
    return t.record_unary(op_id<Op>(), i, v, Op::d(a.value(), v));
  }
  [[gnu::always_inline]] void partials(LeafWriter& leaf, double s) const {
    a.partials(leaf, s * Op::d(a.value(), v));
  }
  void constants_to(detail::StatementWord*& c) const { a.constants_to(c); }
  static Index replay(Tape& t, const Index*& leaf, const detail::StatementWord*& c) {
    const Index i = A::replay(t, leaf, c);
    const double x = t.value(i), y = Op::value(x);
    return t.record_unary(op_id<Op>(), i, y, Op::d(x, y)).index();
  }
};

/// Op applied to one scalar operand and a constant parameter p: y = Op(a; p), such as x + c or x^p.
template <class Op, class A> struct [[nodiscard]] Param : Recordable<Param<Op, A>> {
  using op = Op;
  static constexpr Index leaves = A::leaves, constants = A::constants + 1, ops = A::ops + 1;
  static constexpr bool one_node = std::is_same_v<A, Leaf>;
  A a;
  double p;
  double v;
  [[gnu::always_inline]] gradlab::Var record_in_room(Tape& t) const requires one_node {
    return t.record_param_in_room(op_id<Op>(), t.check_scalar(a.x, Op::name), p, v);
  }
  gradlab::Var record_making_room() const requires one_node { return detail::apply_making_room<Op>(a.x, p); }
  [[gnu::always_inline]] gradlab::Var emit(Tape& t) const {
    return t.record_param(op_id<Op>(), a.emit(t).index(), p, v);
  }
  [[gnu::always_inline]] void partials(LeafWriter& leaf, double s) const {
    a.partials(leaf, s * Op::d(a.value(), p, v));
  }
  void constants_to(detail::StatementWord*& c) const {
    a.constants_to(c);
    (c++)->constant = p;
  }
  static Index replay(Tape& t, const Index*& leaf, const detail::StatementWord*& c) {
    const Index i = A::replay(t, leaf, c);
    const double p = (c++)->constant;
    return t.record_param(op_id<Op>(), i, p, Op::value(t.value(i), p)).index();
  }
};

/// Op applied to two operands: y = Op(a, b).
template <class Op, class A, class B> struct [[nodiscard]] Binary : Recordable<Binary<Op, A, B>> {
  static constexpr Index leaves = A::leaves + B::leaves, constants = A::constants + B::constants,
                         ops = A::ops + B::ops + 1;
  static constexpr bool one_node = std::is_same_v<A, Leaf> && std::is_same_v<B, Leaf>;
  A a;
  B b;
  double v;
  [[gnu::always_inline]] gradlab::Var record_in_room(Tape& t) const requires one_node {
    const Index i = t.check_scalar(a.x, Op::name);
    const Index j = t.check_scalar(b.x, Op::name);
    return t.record_in_room(op_id<Op>(), i, j, v);
  }
  gradlab::Var record_making_room() const requires one_node {
    return detail::apply_making_room<Op>(a.x, b.x);
  }
  [[gnu::always_inline]] std::uint64_t mismatch(const Tape& t) const { return a.mismatch(t) | b.mismatch(t); }
  [[gnu::always_inline]] void reject(const Tape& t, const char*) const {
    if constexpr (!std::is_same_v<A, Leaf>) reject_operand(a, t, Op::name);  // recorded before this op
    if constexpr (!std::is_same_v<B, Leaf>) reject_operand(b, t, Op::name);
    if constexpr (std::is_same_v<A, Leaf>) a.reject(t, Op::name);  // then this op's checks, a first
    if constexpr (std::is_same_v<B, Leaf>) b.reject(t, Op::name);
  }
  [[gnu::always_inline]] gradlab::Var emit(Tape& t) const {
    const Index i = a.emit(t).index();  // left operand first
    return t.record(op_id<Op>(), i, b.emit(t).index(), v);
  }
  [[gnu::always_inline]] void partials(LeafWriter& leaf, double s) const {
    a.partials(leaf, s * Op::da(a.value(), b.value(), v));
    b.partials(leaf, s * Op::db(a.value(), b.value(), v));
  }
  void constants_to(detail::StatementWord*& c) const {
    a.constants_to(c);
    b.constants_to(c);
  }
  static Index replay(Tape& t, const Index*& leaf, const detail::StatementWord*& c) {
    const Index i = A::replay(t, leaf, c);
    const Index j = B::replay(t, leaf, c);
    return t.record(op_id<Op>(), i, j, Op::value(t.value(i), t.value(j))).index();
  }
};

/// The replay of expression type E from a statement's leaves and constants (see StatementType).
template <class E> Index replay(Tape& t, const Index* leaves, const detail::StatementWord* constants) {
  return E::replay(t, leaves, constants);
}
template <class E> inline constexpr StatementType statement_type{&replay<E>, E::leaves, E::constants};

/// Records e, whose leaves belong to t, as one statement entry on t.
template <class E> [[gnu::always_inline]] inline gradlab::Var record_statement(Tape& t, const E& e) {
  return t.record_statement(statement_type<E>, e.v, [&](detail::StatementWord* words) {
    LeafWriter leaves{words, E::leaves};
    e.partials(leaves, 1.0);
    detail::StatementWord* constants = words + detail::statement_words(E::leaves, 0);  // after the nodes
    e.constants_to(constants);
  });
}
/// Records e on the active tape: one statement entry when e has more than one op and anomaly
/// detection is off, else one node per op. An expression of one op on Var operands (the node of
/// `sin(x)`, `a * b`, `x + 1`) is recorded as apply<Op> records it: the tape's room asked first, so
/// that nothing is called before the node is stored, else apply's own slow path (which makes room,
/// then records the op) with copies of the operands (see detail::apply_making_room).
template <class E> [[gnu::always_inline]] inline gradlab::Var record(const E& e) {
  if constexpr (E::one_node) {
    Tape* const room = Tape::active_with_room();
    if (room == nullptr) [[unlikely]]
      return e.record_making_room();
    return e.record_in_room(*room);
  } else {
    if constexpr (E::ops > 1) {  // the active tape with anomaly detection off: a statement entry
      Tape* const t = detail::statement_tape;
      if (t != nullptr) [[likely]] {
        if (e.mismatch(*t) != 0) [[unlikely]]
          e.reject(*t, nullptr);  // throws, as below
        return record_statement(*t, e);
      }
    }
    Tape& t = Tape::current();  // no tape active yet (the default one is made), or anomaly detection on
    if (e.mismatch(t) != 0) [[unlikely]]
      e.reject(t, nullptr);  // throws: a leaf from another tape, from before a clear(), or a matrix node
    if constexpr (E::ops > 1) {
      if (!detect_anomaly()) return record_statement(t, e);
    }
    return e.emit(t);
  }
}
/// A scalar whose operators and functions record one entry per statement (see the file comment): a
/// gradlab::Var (grad, hessian, index(), value() take it as one), made from a gradlab::Var, a number
/// (a constant leaf) or an expression (recorded).
class Var : public gradlab::Var {
 public:
  Var() = default;
  Var(double constant) : gradlab::Var(constant) {}  // NOLINT(google-explicit-constructor): `Var c = 1.0;`
  Var(const gradlab::Var& x) : gradlab::Var(x) {}   // NOLINT(google-explicit-constructor): a leaf
  /// Records the expression (a temporary only: `Var r = a * b;`, see the file comment).
  template <class E>
  requires(Expression<E> && !std::is_lvalue_reference_v<E>)
      [[gnu::always_inline]] Var(E&& e)  // NOLINT(google-explicit-constructor): the point
      : gradlab::Var(record(e)) {}

  // a op= b records a op b (a number b as a constant leaf, as Var(b) would).
  template <class B>
  requires(Scalar<B> || Other<B>) Var& operator+=(B&& b);
  template <class B>
  requires(Scalar<B> || Other<B>) Var& operator-=(B&& b);
  template <class B>
  requires(Scalar<B> || Other<B>) Var& operator*=(B&& b);
  template <class B>
  requires(Scalar<B> || Other<B>) Var& operator/=(B&& b);
};

/// The part that an operand becomes: a Var its leaf, a number a Constant, an expression itself.
template <class X> [[gnu::always_inline]] inline auto operand(X&& x) {
  using T = std::remove_cvref_t<X>;
  if constexpr (std::is_arithmetic_v<T>)
    return Constant{static_cast<double>(x)};
  else if constexpr (std::is_base_of_v<gradlab::Var, T>)
    return Leaf{x};
  else
    return T(std::forward<X>(x));
}

/// Outside Op's domain (the cold path of an expression's construction): the errors that recording
/// op by op would have thrown first come first (a bad leaf, then with anomaly detection on a value
/// that is not finite in an operand, by recording the operands), then Op's DomainError.
template <class Op> [[gnu::cold, gnu::noinline, noreturn]] void throw_domain_error(double a, double b) {
  throw DomainError(Op::domain_error(a, b));
}
template <class Op, class... P>
[[gnu::always_inline]] inline void domain_failure(double a, double b, const P&... parts) {
  Tape& t = Tape::current();
  (reject_operand(parts, t, Op::name), ...);
  if (detect_anomaly()) (parts.emit(t), ...);
  throw_domain_error<Op>(a, b);
}
template <class Op, class... P>
[[gnu::always_inline]] inline void check_domain([[maybe_unused]] double a, [[maybe_unused]] double b,
                                                [[maybe_unused]] const P&... parts) {
  if constexpr (requires { Op::in_domain(a, b); })
    if (!Op::in_domain(a, b)) [[unlikely]]
      domain_failure<Op>(a, b, parts...);
}

/// The expressions of a unary op, of an op with a constant parameter, and of a binary op: each
/// checks its domain and computes its value now, as `apply<Op>` does.
template <class Op, class X> [[gnu::always_inline]] inline auto unary(X&& x) {
  using A = decltype(operand(std::forward<X>(x)));
  Unary<Op, A> e{{}, operand(std::forward<X>(x)), 0.0};
  e.v = Op::value(e.a.value());
  return e;
}
template <class Op, class X> [[gnu::always_inline]] inline auto param(X&& x, double p) {
  using A = decltype(operand(std::forward<X>(x)));
  Param<Op, A> e{{}, operand(std::forward<X>(x)), p, 0.0};
  check_domain<Op>(e.a.value(), p, e.a);
  e.v = Op::value(e.a.value(), p);
  return e;
}
template <class Op, class X, class Y> [[gnu::always_inline]] inline auto binary(X&& x, Y&& y) {
  using A = decltype(operand(std::forward<X>(x)));
  using B = decltype(operand(std::forward<Y>(y)));
  Binary<Op, A, B> e{{}, operand(std::forward<X>(x)), operand(std::forward<Y>(y)), 0.0};
  check_domain<Op>(e.a.value(), e.b.value(), e.a, e.b);
  e.v = Op::value(e.a.value(), e.b.value());
  return e;
}

/// A binary operator: Op on two scalars, COp (x op c) or RCOp (c op x) with a number on one side.
template <class Op, class COp, class RCOp, class A, class B>
[[gnu::always_inline]] inline auto arithmetic(A&& a, B&& b) {
  if constexpr (Number<B>)
    return param<COp>(std::forward<A>(a), static_cast<double>(b));
  else if constexpr (Number<A>)
    return param<RCOp>(std::forward<B>(b), static_cast<double>(a));
  else
    return binary<Op>(std::forward<A>(a), std::forward<B>(b));
}

// ---- the operators and pow ----------------------------------------------------------------------

template <class A, class B>
requires Operands<A, B>
[[gnu::always_inline]] inline auto operator+(A&& a, B&& b) {
  return arithmetic<ops::Add, ops::AddC, ops::AddC>(std::forward<A>(a), std::forward<B>(b));
}
template <class A, class B>
requires Operands<A, B>
[[gnu::always_inline]] inline auto operator-(A&& a, B&& b) {
  return arithmetic<ops::Sub, ops::SubC, ops::RSubC>(std::forward<A>(a), std::forward<B>(b));
}
template <class A, class B>
requires Operands<A, B>
[[gnu::always_inline]] inline auto operator*(A&& a, B&& b) {
  return arithmetic<ops::Mul, ops::MulC, ops::MulC>(std::forward<A>(a), std::forward<B>(b));
}
template <class A, class B>
requires Operands<A, B>
[[gnu::always_inline]] inline auto operator/(A&& a, B&& b) {
  return arithmetic<ops::Div, ops::DivC, ops::RDivC>(std::forward<A>(a), std::forward<B>(b));
}
template <Scalar A> [[gnu::always_inline]] inline auto operator-(A&& x) {
  return unary<ops::Neg>(std::forward<A>(x));
}
/// a^b with a scalar exponent (the base must be positive: DomainError otherwise, see ops::Pow); x^p
/// with a constant exponent (any base); c^x with a constant base (positive).
template <class A, class B>
requires Operands<A, B>
[[gnu::always_inline]] inline auto pow(A&& a, B&& b) {
  return arithmetic<ops::Pow, ops::PowC, ops::RPowC>(std::forward<A>(a), std::forward<B>(b));
}

template <class B>
requires(Scalar<B> || Other<B>) [[gnu::always_inline]] inline Var& Var::operator+=(B&& b) {
  return *this = binary<ops::Add>(*this, std::forward<B>(b));
}
template <class B>
requires(Scalar<B> || Other<B>) [[gnu::always_inline]] inline Var& Var::operator-=(B&& b) {
  return *this = binary<ops::Sub>(*this, std::forward<B>(b));
}
template <class B>
requires(Scalar<B> || Other<B>) [[gnu::always_inline]] inline Var& Var::operator*=(B&& b) {
  return *this = binary<ops::Mul>(*this, std::forward<B>(b));
}
template <class B>
requires(Scalar<B> || Other<B>) [[gnu::always_inline]] inline Var& Var::operator/=(B&& b) {
  return *this = binary<ops::Div>(*this, std::forward<B>(b));
}

// ---- the functions of the primitives, generated from the op list --------------------------------

/// Whether Op's function takes these arguments as passed: one scalar at least, the others scalars,
/// numbers or gradlab::Vars (an expression only as a temporary), as many as gradlab's function takes.
template <class Op, class... A>
concept Callable = (Scalar<A> || ...) && ((Scalar<A> || Other<A>)&&...) &&
                   ops::takes<Op, std::conditional_t<Number<A>, double, gradlab::Var>...>();

/// Op on the arguments: its expression in the op's own node arity (numbers become constants); with
/// more arguments than the node takes, the n-ary form (a composition of nodes: max(a, b, c)).
template <class Op, class... A> [[gnu::always_inline]] inline auto call(A&&... a) {
  constexpr std::size_t n = sizeof...(A);
  if constexpr (n > ops::node_args<Op>()) {
    const auto node = [](auto&& x) -> gradlab::Var {
      if constexpr (Number<decltype(x)>)
        return gradlab::Var(static_cast<double>(x));
      else
        return Var(std::forward<decltype(x)>(x));
    };
    return Var(Op::nary(std::array<gradlab::Var, n>{node(std::forward<A>(a))...}));
  } else if constexpr (n == 1) {
    return unary<Op>(std::forward<A>(a)...);
  } else {
    return binary<Op>(std::forward<A>(a)...);
  }
}

#define GRADLAB_STATEMENTS_DEFINE_FN_(Op, fn) \
  template <class... A>                       \
  requires Callable<ops::Op, A...>            \
  [[gnu::always_inline]] inline auto fn(A&&... a) { return call<ops::Op>(std::forward<A>(a)...); }
GRADLAB_OP_LIST(GRADLAB_OPS_NONE_, GRADLAB_STATEMENTS_DEFINE_FN_)
#undef GRADLAB_STATEMENTS_DEFINE_FN_

}  // namespace gradlab::statements
