#pragma once
/// @file expr_walk.hpp
/// The one walk over a parsed expression, on any number type: doubles (plain values), Vars (recorded
/// on the active tape) and matrix nodes (MatVar, entry by entry). expr::Evaluator records with it on
/// Vars; activations defined in a file (--activations) evaluate with it on all three. The walk knows
/// the language (operators, calls by name with their n-ary and parameter forms, a^b with a constant
/// or a variable exponent); how each number type applies an op is in Numbers<T>, and what a name
/// means, how a constant goes on the tape and what an error says is up to the caller (a Context).
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gradlab/autodiff/matrix.hpp"
#include "gradlab/expr.hpp"

namespace gradlab::expr {

/// An operand of the walk. A constant (no variable below it) knows its value `c` as a double, and has
/// a T only once an op needed one (a folded constant never gets one).
template <class T> struct Operand {
  T v{};
  bool has_v = false;
  bool is_constant = false;
  double c = 0;            ///< the value, when is_constant
  std::uint32_t node = 0;  ///< the syntax-tree node it came from
};

/// How an op is applied to numbers of type T: specialised below for double, Var and MatVar.
template <class T> struct Numbers;

/// An op of the table on doubles: its domain check (as the engine's), then its value.
inline double value_of_op(const OpInfo& info, double a, double b) {
  if (info.check_domain != nullptr) info.check_domain(a, b);
  return info.arity == ops::Arity::Unary ? info.value1(a) : info.value2(a, b);
}

template <> struct Numbers<double> {
  static double unary(OpId op, double a) { return value_of_op(op_info(op), a, 0.0); }
  static double param(OpId op, double a, double p) { return value_of_op(op_info(op), a, p); }
  static double binary(OpId op, const Operand<double>& a, const Operand<double>& b) {
    return value_of_op(op_info(op), a.v, b.v);
  }
  static double pow_constant(double a, double p) {
    return value_of_op(op_info(static_cast<OpId>(ops::Builtin::PowC)), a, p);
  }
  static double pow(double a, double b) {
    return value_of_op(op_info(static_cast<OpId>(ops::Builtin::Pow)), a, b);
  }
  /// The n-ary form (max(a, b, c), logsumexp, clamp) is defined once, on Vars: its value is read
  /// from a scratch tape.
  static double nary(OpId op, std::span<const double> xs) {
    thread_local Tape scratch;
    scratch.clear();
    const TapeScope scope(scratch);
    std::vector<Var> vs;
    vs.reserve(xs.size());
    for (const double x : xs) vs.push_back(scratch.constant(x));
    return op_info(op).nary(vs).value();
  }
  static double value(double v) { return v; }
};

template <> struct Numbers<Var> {
  static Var unary(OpId op, const Var& a) { return apply(op, a); }
  static Var param(OpId op, const Var& a, double p) { return apply(op, a, p); }
  static Var binary(OpId op, const Operand<Var>& a, const Operand<Var>& b) { return apply(op, a.v, b.v); }
  static Var pow_constant(const Var& a, double p) { return gradlab::pow(a, p); }
  static Var pow(const Var& a, const Var& b) { return gradlab::pow(a, b); }
  static Var nary(OpId op, std::span<const Var> xs) { return apply(op, xs); }
  static double value(const Var& v) { return v.value(); }
};

/// Matrix nodes: a constant operand stays a number (AddC, MulC, ... and a broadcast scalar for max and
/// min); what has no matrix form yet says so.
template <> struct Numbers<MatVar> {
  static constexpr bool needs_folding = true;  ///< a constant never becomes a MatVar
  static MatVar unary(OpId op, const MatVar& a) { return apply(op, a); }
  static MatVar param(OpId op, const MatVar& a, double p) { return apply(op, a, p); }
  static MatVar binary(OpId op, const Operand<MatVar>& a, const Operand<MatVar>& b) {
    switch (static_cast<ops::Builtin>(op)) {
      case ops::Builtin::Add:
        return a.is_constant ? a.c + b.v : (b.is_constant ? a.v + b.c : a.v + b.v);
      case ops::Builtin::Sub:
        return a.is_constant ? a.c - b.v : (b.is_constant ? a.v - b.c : a.v - b.v);
      case ops::Builtin::Mul:
        return a.is_constant ? a.c * b.v : (b.is_constant ? a.v * b.c : a.v * b.v);
      case ops::Builtin::Div:
        return a.is_constant ? a.c / b.v : (b.is_constant ? a.v / b.c : a.v / b.v);
      case ops::Builtin::Max:
      case ops::Builtin::Min: {
        const bool is_max = static_cast<ops::Builtin>(op) == ops::Builtin::Max;
        if (!a.is_constant && !b.is_constant)
          return is_max ? apply<ops::Max>(a.v, b.v) : apply<ops::Min>(a.v, b.v);
        const MatVar& m = a.is_constant ? b.v : a.v;  // max and min are symmetric
        const Var c(a.is_constant ? a.c : b.c);
        return is_max ? apply<ops::Max>(m, c) : apply<ops::Min>(m, c);
      }
      default:
        throw Error(
            fmt::format("'{}' with two arguments has no matrix form yet; a file-defined activation "
                        "that uses it works on scalars only",
                        op_info(op).name));
    }
  }
  static MatVar pow_constant(const MatVar& a, double p) { return gradlab::pow(a, p); }
  [[noreturn]] static MatVar pow(const Operand<MatVar>&, const Operand<MatVar>&) {
    throw Error("a variable exponent has no matrix form yet (x^2 works, 2^x does not)");
  }
  [[noreturn]] static MatVar nary(OpId op, std::size_t count) {
    throw Error(
        fmt::format("'{}' with {} arguments has no matrix form yet; a file-defined activation that "
                    "uses it works on scalars only",
                    op_info(op).name, count));
  }
};

/// Node n (an Op or Pow node) applied to its arguments; `lift` gives an argument as a T. The
/// arguments go to T one at a time in reading order (the order of a function's arguments is
/// unspecified in C++, and constants are numbered in reading order).
template <class T, class Lift> T apply_node(const Node& n, std::span<Operand<T>> args, Lift&& lift) {
  using N = Numbers<T>;
  Operand<T>& a = args[0];
  constexpr bool folds = requires { N::needs_folding; };  // a constant side stays a number
  if (n.kind == NodeKind::Pow) {
    Operand<T>& b = args[1];
    if (b.is_constant) return N::pow_constant(lift(a), b.c);
    if constexpr (folds) {
      return N::pow(a, b);
    } else {
      const T& va = lift(a);
      return N::pow(va, lift(b));
    }
  }
  const OpInfo& info = op_info(n.op);
  if (info.nary != nullptr && n.nargs > (info.arity == ops::Arity::Unary ? 1 : 2)) {
    if constexpr (folds) {
      return N::nary(n.op, args.size());
    } else {
      std::vector<T> all;
      for (Operand<T>& x : args) all.push_back(lift(x));
      return N::nary(n.op, all);
    }
  }
  if (info.arity == ops::Arity::UnaryParam)
    return N::param(n.op, lift(a), n.nargs == 1 ? info.default_param : args[1].c);
  if (n.nargs == 1) return N::unary(n.op, lift(a));
  Operand<T>& b = args[1];
  if constexpr (folds) {
    return N::binary(n.op, a, b);
  } else {
    lift(a);
    lift(b);
    return N::binary(n.op, a, b);
  }
}

/// Walks e (post-order, no recursion) on numbers of type T and returns its root operand.
///
/// The Context says what the walk cannot know:
///  - `bool fold`: a constant subexpression is computed as a double and stays a number (true), or
///    every op is applied to T (false: the recorder, which shows each constant on the tape);
///  - `Operand<T> name(const Expression&, std::size_t node)`: the value of a Name node (throws);
///  - `T constant(double c, std::size_t node)`: a constant operand as a T, when an op needs one;
///  - `void before(std::size_t node)` and `void after(std::size_t node)`: around each op;
///  - `[[noreturn]] void fail(const Expression&, std::size_t node, const std::exception&)`: an
///    engine error (DomainError, AnomalyError, Error) raised by the op at node.
/// A parameter that is not a constant (leaky_relu(x, y)) is a ParseError at its column.
template <class T, class Context> Operand<T> walk(const Expression& e, Context& cx) {
  using N = Numbers<T>;
  const std::vector<Node>& nodes = e.nodes();
  std::vector<Operand<T>> stack;
  auto lift = [&](Operand<T>& x) -> const T& {
    if (!x.has_v) {
      x.v = cx.constant(x.c, x.node);
      x.has_v = true;
    }
    return x.v;
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.kind == NodeKind::Number) {
      stack.push_back({T{}, false, true, e.numbers()[n.payload], static_cast<std::uint32_t>(i)});
      continue;
    }
    if (n.kind == NodeKind::Name) {
      stack.push_back(cx.name(e, i));
      stack.back().node = static_cast<std::uint32_t>(i);
      continue;
    }
    const std::span<Operand<T>> args(stack.data() + (stack.size() - n.nargs), n.nargs);
    Operand<T> none;
    Operand<T>& b = n.nargs >= 2 ? args[1] : none;
    const OpInfo* info = n.kind == NodeKind::Op ? &op_info(n.op) : nullptr;
    const bool param = n.kind == NodeKind::Pow ? b.is_constant : info->arity == ops::Arity::UnaryParam;
    if (info != nullptr && param && n.nargs == 2 && !b.is_constant)
      throw ParseError(
          e.source(), nodes[e.child(i, 1)].begin,
          fmt::format("the parameter of {} must be a constant (it is not differentiated)", info->name),
          e.context());
    bool all_constant = true;
    for (const Operand<T>& x : args) all_constant = all_constant && x.is_constant;
    Operand<T> out{T{}, true, all_constant, 0.0, static_cast<std::uint32_t>(i)};
    cx.before(i);
    try {
      if (cx.fold && all_constant) {  // a constant subexpression: a number, as the double walk gives
        std::vector<Operand<double>> cs;
        for (const Operand<T>& x : args) cs.push_back({x.c, true, true, x.c, x.node});
        out.has_v = false;
        out.c = apply_node<double>(n, std::span<Operand<double>>(cs),
                                   [](Operand<double>& x) -> const double& { return x.v; });
      } else {
        out.v = apply_node<T>(n, args, lift);
        if constexpr (!requires { N::needs_folding; })
          if (all_constant) out.c = N::value(out.v);
      }
    } catch (const ParseError&) {
      throw;
    } catch (const Error& err) {
      cx.fail(e, i, err);
    }
    cx.after(i);
    stack.resize(stack.size() - n.nargs);
    stack.push_back(std::move(out));
  }
  return stack.back();
}

}  // namespace gradlab::expr
