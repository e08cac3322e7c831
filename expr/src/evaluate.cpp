// The expression language's back half: recording a parsed expression on a tape, remembering which
// node came from which piece of source, and naming that source in the engine's errors.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "gradlab/autodiff/number_text.hpp"
#include "gradlab/expr.hpp"

namespace gradlab::expr {

// ---- evaluation ---------------------------------------------------------------------------------

void Evaluator::bind(const std::string& name, const Var& v) {
  if (name == "pi") throw Error("'pi' is a constant; it cannot be given a value");
  if (!scope_.emplace(name, v).second) throw Error(fmt::format("'{}' is defined twice", name));
  labels_.emplace(tape_->check(v), name);
}

Var Evaluator::define(const std::string& name, const Expression& e) {
  bool constant = false;
  const Var v = record(e, &constant);
  bind(name, v);
  if (constant) constants_.insert(name);
  return v;
}

const Var* Evaluator::lookup(std::string_view name) const {
  const auto it = scope_.find(std::string(name));
  return it == scope_.end() ? nullptr : &it->second;
}

void Evaluator::reset() {
  scope_.clear();
  constants_.clear();
  labels_.clear();
  origins_.clear();
}

void Evaluator::set_origin(Index i, const Expression& e, std::size_t node) {
  if (origins_.size() <= i) origins_.resize(std::max<std::size_t>(i + 1, origins_.size() * 2));
  origins_[i] = {&e, static_cast<std::uint32_t>(node)};
}

const Evaluator::Origin* Evaluator::origin(Index i) const {
  return i < origins_.size() && origins_[i].expr != nullptr ? &origins_[i] : nullptr;
}

namespace {
/// An operand during evaluation: a literal stays a double until an op needs it on the tape.
struct Operand {
  Var var;
  double constant = 0;
  bool is_constant = false;  ///< no variable below this node
  std::uint32_t node = 0;    ///< the syntax-tree node it came from
};
}  // namespace

Var Evaluator::evaluate(const Expression& e) { return record(e, nullptr); }

Var Evaluator::record(const Expression& e, bool* constant) {
  Tape& t = *tape_;
  const std::vector<Node>& nodes = e.nodes();
  // Resolve each distinct name once; an unbound name is reported at its first use. A --let whose
  // definition has no variable in it (--let c=2) is a constant, as the number would be.
  std::vector<const Var*> resolved(e.names().size());
  std::vector<bool> constant_name(e.names().size());
  for (std::size_t k = 0; k < resolved.size(); ++k) {
    resolved[k] = lookup(e.names()[k]);
    constant_name[k] = constants_.count(e.names()[k]) != 0;
  }

  std::vector<Operand> stack;
  auto on_tape = [&](Operand& x) -> const Var& {
    if (!x.var.valid()) {
      x.var = t.constant(x.constant);
      set_origin(x.var.index(), e, x.node);
    }
    return x.var;
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.kind == NodeKind::Number) {
      stack.push_back({Var(), e.numbers()[n.payload], true, static_cast<std::uint32_t>(i)});
      continue;
    }
    if (n.kind == NodeKind::Name) {
      const Var* v = resolved[n.payload];
      if (v == nullptr)
        throw ParseError(e.source(), n.begin,
                         fmt::format("unbound variable '{}': it has no value and no definition before this "
                                     "expression",
                                     e.names()[n.payload]),
                         e.context());
      stack.push_back({*v, 0, constant_name[n.payload], static_cast<std::uint32_t>(i)});
      continue;
    }
    Operand a = stack[stack.size() - n.nargs];
    Operand b = n.nargs >= 2 ? stack.back() : Operand{};
    // a call with more arguments than its op's node takes (max(a, b, c), softplus(x, beta)): n-ary form
    const bool nary = n.kind == NodeKind::Op && op_info(n.op).nary != nullptr &&
                      n.nargs > (op_info(n.op).arity == ops::Arity::Unary ? 1 : 2);
    std::vector<Var> all;
    bool all_constant = true;
    for (std::size_t k = stack.size() - n.nargs; k < stack.size(); ++k) {
      all_constant = all_constant && stack[k].is_constant;
      if (nary) all.push_back(on_tape(stack[k]));
    }
    stack.resize(stack.size() - n.nargs);
    const std::size_t before = t.size();
    Var out;
    // A constant operand's value, whether it is a literal or a constant --let on the tape.
    auto value_of = [&](const Operand& x) { return x.var.valid() ? t.value(x.var.index()) : x.constant; };
    try {
      // The operands go on the tape one statement at a time, first a then b: the order of a function's
      // arguments is unspecified in C++, and constants must be numbered in reading order everywhere.
      const bool param =
          n.kind == NodeKind::Pow ? b.is_constant : op_info(n.op).arity == ops::Arity::UnaryParam;
      if (nary) {
        out = gradlab::apply(n.op, std::span<const Var>(all));  // its operands are on the tape already
      } else {
        const Var& va = on_tape(a);
        if (n.kind == NodeKind::Pow) {
          // x^p with a constant exponent records PowC; a variable exponent (ops::Pow) needs a positive base.
          out = param ? pow(va, value_of(b)) : pow(va, on_tape(b));
        } else if (n.nargs == 1 && param) {
          out = apply(n.op, va, op_info(n.op).default_param);
        } else if (n.nargs == 1) {
          out = apply(n.op, va);
        } else {
          if (param && !b.is_constant)
            throw ParseError(e.source(), nodes[e.child(i, 1)].begin,
                             fmt::format("the parameter of {} must be a constant (it is not differentiated)",
                                         op_info(n.op).name),
                             e.context());
          out = param ? apply(n.op, va, value_of(b)) : apply(n.op, va, on_tape(b));
        }
      }
    } catch (const ParseError&) {
      throw;
    } catch (const Error& err) {
      fail_at(e, i, err);
    }
    for (std::size_t k = before; k < t.size(); ++k)
      if (origin(static_cast<Index>(k)) == nullptr) set_origin(static_cast<Index>(k), e, i);
    stack.push_back({out, 0, all_constant, static_cast<std::uint32_t>(i)});
  }
  if (constant != nullptr) *constant = stack.back().is_constant;
  return on_tape(stack.back());
}

std::string Evaluator::values_in(const Expression& e, std::size_t node) const {
  std::vector<std::string> parts;
  std::set<std::uint32_t> seen;
  for (std::size_t k = e.nodes()[node].first; k <= node; ++k) {
    const Node& n = e.nodes()[k];
    if (n.kind != NodeKind::Name || !seen.insert(n.payload).second) continue;
    const std::string& name = e.names()[n.payload];
    const Var* v = lookup(name);
    if (v == nullptr) continue;
    try {
      parts.push_back(fmt::format("{}={}", name, number_text(tape_->value(tape_->check(*v)))));
    } catch (const TapeError&) {  // a binding from before a clear(): it has no value to show
    }
  }
  return parts.empty() ? "" : fmt::format(" at {}", fmt::join(parts, ", "));
}

namespace {
/// At most max_chars characters of text, on one line; copies no more than it keeps (text may be a
/// whole 100 MB expression).
std::string quoted(std::string_view text, std::size_t max_chars) {
  std::string s(text.substr(0, max_chars));
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > max_chars) s += "...";
  return s;
}
}  // namespace

std::string Evaluator::where(Index i) const {
  const Origin* o = origin(i);
  if (o == nullptr) return "";
  const Expression& e = *o->expr;
  const std::string pos =
      fmt::format("`{}` at column {}", quoted(e.text(o->node), 60), e.nodes()[o->node].begin + 1);
  return e.context().empty() ? pos : fmt::format("{} of {}", pos, e.context());
}

std::string Evaluator::caret(Index i) const {
  const Origin* o = origin(i);
  return o == nullptr ? "" : caret_display(o->expr->source(), o->expr->nodes()[o->node].begin);
}

void Evaluator::fail_at(const Expression& e, std::size_t node, const std::exception& cause) const {
  const Node& n = e.nodes()[node];
  std::string pos = fmt::format("`{}` at column {}", quoted(e.text(node), 60), n.begin + 1);
  if (!e.context().empty()) pos += " of " + e.context();
  const std::string shown = caret_display(e.source(), n.begin);
  if (const auto* anomaly = dynamic_cast<const AnomalyError*>(&cause); anomaly != nullptr) {
    AnomalyError::Facts facts = anomaly->facts();
    throw AnomalyError(fmt::format("anomaly: {} produced {} in the forward pass{}\n{}", pos,
                                   number_text(facts.value), values_in(e, node), shown),
                       std::move(facts));
  }
  const std::string msg = fmt::format("{}{}: {}\n{}", pos, values_in(e, node), cause.what(), shown);
  if (dynamic_cast<const DomainError*>(&cause) != nullptr) throw ExprDomainError(msg, pos, cause.what());
  throw Error(msg);
}

void Evaluator::backward(Index root, std::vector<double>& adj) const {
  try {
    tape_->backward(root, adj);
  } catch (const AnomalyError& err) {
    const AnomalyError::Facts& f = err.facts();
    // The engine names the node whose rule produced the NaN or Inf; add where it is in the source.
    const Origin* o = origin(f.node);
    if (f.phase != AnomalyError::Phase::Backward || o == nullptr || f.input == kNoParent) throw;
    throw AnomalyError(
        fmt::format("anomaly: {} produced {} in the backward pass (the adjoint of `{}`, from upstream "
                    "adjoint {}){}\n{}",
                    where(f.node), f.value, formula(f.input, 40), f.upstream, values_in(*o->expr, o->node),
                    caret(f.node)),
        err.facts());
  }
}

std::string_view Evaluator::label(Index i) const {
  const auto it = labels_.find(i);
  return it == labels_.end() ? std::string_view() : std::string_view(it->second);
}

std::string Evaluator::formula(Index i, std::size_t max_chars) const {
  const std::string_view l = label(i);
  const Origin* o = origin(i);
  if (!l.empty() && (o == nullptr || tape_->op(i) == kInputOp)) return std::string(l);
  if (!l.empty()) return fmt::format("{} = {}", l, quoted(o->expr->text(o->node), max_chars));
  if (o != nullptr && tape_->op(i) != kConstOp) return quoted(o->expr->text(o->node), max_chars);
  if (o != nullptr && o->expr->nodes()[o->node].kind == NodeKind::Number)
    return quoted(o->expr->text(o->node), max_chars);
  return fmt::format("{}", tape_->value(i));
}

}  // namespace gradlab::expr
