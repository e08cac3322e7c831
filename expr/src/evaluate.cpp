// The expression language's back half: recording a parsed expression on a tape, remembering which
// node came from which piece of source, and naming that source in the engine's errors.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "gradlab/autodiff/number_text.hpp"
#include "gradlab/expr.hpp"
#include "gradlab/expr_walk.hpp"

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

Var Evaluator::evaluate(const Expression& e) { return record(e, nullptr); }

/// The walk's context for recording on the tape: names from the scope, every constant and op on the
/// tape with its origin, engine errors with the op's position.
struct Evaluator::Recorder {
  Evaluator& ev;
  const Expression& e;
  std::vector<const Var*> resolved;    ///< by name index: its binding, or null
  std::vector<bool> constant_name;     ///< by name index: a --let without a variable
  std::size_t start = 0;               ///< the tape's size before the current op
  static constexpr bool fold = false;  // each constant and op is shown on the tape (explain, graph)

  Recorder(Evaluator& evaluator, const Expression& expression) : ev(evaluator), e(expression) {
    // Resolve each distinct name once; an unbound name is reported at its first use. A --let whose
    // definition has no variable in it (--let c=2) is a constant, as the number would be.
    for (const std::string& name : e.names()) {
      resolved.push_back(ev.lookup(name));
      constant_name.push_back(ev.constants_.count(name) != 0);
    }
  }
  Operand<Var> name(const Expression& /*e*/, std::size_t i) const {
    const Node& n = e.nodes()[i];
    const Var* v = resolved[n.payload];
    if (v == nullptr)
      throw ParseError(e.source(), n.begin,
                       fmt::format("unbound variable '{}': it has no value and no definition before this "
                                   "expression",
                                   e.names()[n.payload]),
                       e.context());
    const bool constant = constant_name[n.payload];
    return {*v, true, constant, constant ? v->value() : 0.0};
  }
  Var constant(double c, std::size_t node) const {
    const Var v = ev.tape_->constant(c);
    ev.set_origin(v.index(), e, node);
    return v;
  }
  void before(std::size_t /*node*/) { start = ev.tape_->size(); }
  void after(std::size_t node) const {
    for (std::size_t k = start; k < ev.tape_->size(); ++k)
      if (ev.origin(static_cast<Index>(k)) == nullptr) ev.set_origin(static_cast<Index>(k), e, node);
  }
  [[noreturn]] void fail(const Expression& /*e*/, std::size_t node, const std::exception& err) const {
    ev.fail_at(e, node, err);
  }
};

Var Evaluator::record(const Expression& e, bool* constant) {
  Recorder recorder(*this, e);
  Operand<Var> root = walk<Var>(e, recorder);
  if (constant != nullptr) *constant = root.is_constant;
  return root.has_v ? root.v : recorder.constant(root.c, root.node);
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
