#include "gradlab/autodiff/expr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <set>

namespace gradlab::expr {

// ---- messages -----------------------------------------------------------------------------------

std::string caret_display(std::string_view source, std::size_t offset) {
  constexpr std::size_t kHalf = 50;  // show at most ~100 characters around the offset
  offset = std::min(offset, source.size());
  std::size_t from = offset > kHalf ? offset - kHalf : 0;
  const std::size_t to = std::min(source.size(), offset + kHalf);
  std::string line = from > 0 ? "..." : "";
  const std::size_t caret_at = line.size() + (offset - from);
  for (; from < to; ++from) {
    const auto c = static_cast<unsigned char>(source[from]);
    line += c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c);  // tabs, newlines: keep the caret aligned
  }
  if (to < source.size()) line += "...";
  return fmt::format("  {}\n  {}^", line, std::string(caret_at, ' '));
}

namespace {
std::string with_context(std::string_view context, const std::string& message) {
  return context.empty() ? message : fmt::format("{}: {}", context, message);
}
}  // namespace

ParseError::ParseError(std::string_view source, std::size_t offset, const std::string& reason,
                       std::string_view context)
    : Error(with_context(
          context, fmt::format("column {}: {}\n{}", offset + 1, reason, caret_display(source, offset)))),
      column_(offset + 1),
      reason_(reason) {}

// ---- the function names -------------------------------------------------------------------------

namespace {
// Leaves (input, const) and the ops that operators stand for (add, neg, powc ...) are not callable
// by name.
bool is_function(const OpInfo& info) { return info.arity != ops::Arity::Leaf && info.symbol == nullptr; }

std::optional<OpId> find_function(std::string_view name) {
  const std::optional<OpId> id = find_op(name);
  if (!id || !is_function(op_info(*id))) return std::nullopt;
  return id;
}

/// Levenshtein distance (insertions, deletions, substitutions), for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_function_message(std::string_view name) {
  const std::vector<std::string> known = function_names();
  std::string best;
  std::size_t best_d = std::string::npos;
  if (name.size() <= 64)
    for (const std::string& k : known)
      if (const std::size_t d = edit_distance(name, k); d < best_d) best_d = d, best = k;
  const std::string shown = name.size() > 40 ? std::string(name.substr(0, 40)) + "..." : std::string(name);
  std::string msg = fmt::format("unknown function '{}'", shown);
  if (!best.empty() && best_d <= std::max<std::size_t>(2, name.size() / 2))
    msg += fmt::format(" (did you mean '{}'?)", best);
  return msg + fmt::format("; the functions are: {}", fmt::join(known, ", "));
}
}  // namespace

std::vector<std::string> function_names() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < op_count(); ++i) {
    const OpInfo& info = op_info(static_cast<OpId>(i));
    if (is_function(info)) out.emplace_back(info.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- the parser ---------------------------------------------------------------------------------

std::string_view Expression::text(std::size_t i) const {
  const Node& n = nodes_[i];
  return std::string_view(source_).substr(n.begin, n.end - n.begin);
}

std::size_t Expression::child(std::size_t i, std::size_t k) const {
  std::size_t c = i - 1;  // the last child
  for (std::size_t m = nodes_[i].nargs - 1; m > k; --m) c = nodes_[c].first - 1;
  return c;
}

/// Operator precedence parsing with explicit stacks (Dijkstra's shunting yard). The output is the
/// post-order node vector itself: an operator is appended once its operands are complete.
class Parser {
 public:
  Parser(std::string source, std::string context) {
    e_.source_ = std::move(source);
    e_.context_ = std::move(context);
    src_ = e_.source_;
  }

  Expression run() {
    if (src_.size() > kMaxSourceBytes)
      throw Error(
          with_context(e_.context_, fmt::format("the expression is {} bytes long; the limit is 100 MB "
                                                "({} bytes)",
                                                src_.size(), kMaxSourceBytes)));
    bool want_operand = true;  // the state: an operand is expected next, or an operator
    while (true) {
      skip_space();
      const std::size_t at = pos_;
      if (at == src_.size()) break;
      const char c = src_[at];
      if (want_operand) {
        if (is_digit(c) || (c == '.' && at + 1 < src_.size() && is_digit(src_[at + 1]))) {
          number();
          want_operand = false;
        } else if (is_ident_start(c)) {
          want_operand = identifier();
        } else if (c == '-') {
          ++pos_;
          stack_.push_back({Entry::Negate, at});
        } else if (c == '+') {
          fail(at, "unary '+' is not supported; expected a number, a variable, '(' or a function call");
        } else if (c == '(') {
          ++pos_;
          stack_.push_back({Entry::Paren, at});
        } else {
          fail(at, fmt::format("expected a number, a variable, '(' or a function call, but found {}",
                               describe(at)));
        }
      } else {
        if (c == '+' || c == '-' || c == '*' || c == '/' || c == '^') {
          ++pos_;
          binary(c, at);
          want_operand = true;
        } else if (c == ')') {
          ++pos_;
          close(at);
        } else if (c == ',') {
          ++pos_;
          comma(at);
          want_operand = true;
        } else {
          std::string hint =
              (c == '(' || is_ident_start(c) || is_digit(c) || c == '.') ? " (write '*' to multiply)" : "";
          fail(at, fmt::format("expected an operator (+ - * / ^), ')', ',' or the end, but found {}{}",
                               describe(at), hint));
        }
      }
    }
    if (want_operand)
      fail(src_.size(), e_.nodes_.empty() && stack_.empty()
                            ? "empty expression: expected a number, a variable, '(' or a function call"
                            : "unexpected end: expected a number, a variable, '(' or a function call");
    while (!stack_.empty()) {
      const Entry top = stack_.back();
      if (top.type == Entry::Paren || top.type == Entry::Call)
        fail(src_.size(),
             fmt::format("expected ')' to close the '(' at column {}", top.at + 1 + top.name_len));
      stack_.pop_back();
      emit(top);
    }
    return std::move(e_);
  }

 private:
  struct Entry {
    enum Type : std::uint8_t { Add, Sub, Mul, Div, Power, Negate, Paren, Call } type;
    std::size_t at;                // source offset of the operator, '(' or function name
    NodeKind kind = NodeKind::Op;  // Call: Op or Pow
    OpId op = 0;                   // Call: the op
    std::uint32_t nargs = 0;       // Call: arguments completed so far
    std::uint32_t name_len = 0;    // Call: length of the name ('(' follows at at + name_len)
  };

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool is_ident(char c) { return is_ident_start(c) || is_digit(c); }
  static int precedence(Entry::Type t) {
    switch (t) {
      case Entry::Add:
      case Entry::Sub:
        return 1;
      case Entry::Mul:
      case Entry::Div:
        return 2;
      case Entry::Negate:
        return 3;
      case Entry::Power:
        return 4;
      default:
        return 0;  // parentheses and calls are barriers
    }
  }

  void skip_space() {
    while (pos_ < src_.size() &&
           (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\n' || src_[pos_] == '\r'))
      ++pos_;
  }

  std::string describe(std::size_t at) const {
    const auto c = static_cast<unsigned char>(src_[at]);
    if (c < 0x20 || c >= 0x7f) return fmt::format("the byte 0x{:02x}", c);
    return fmt::format("'{}'", static_cast<char>(c));
  }

  [[noreturn]] void fail(std::size_t at, const std::string& reason) const {
    throw ParseError(src_, at, reason, e_.context_);
  }

  void leaf(NodeKind kind, std::uint32_t payload, std::size_t begin, std::size_t end) {
    const auto i = static_cast<std::uint32_t>(e_.nodes_.size());
    e_.nodes_.push_back(
        {kind, 0, 0, payload, i, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end)});
  }

  /// Whether a literal just scanned takes the pending unary minus into its value.
  bool negate_folds() {
    if (stack_.empty() || stack_.back().type != Entry::Negate) return false;
    const std::size_t end = pos_;
    skip_space();
    const bool power_follows = pos_ < src_.size() && src_[pos_] == '^';
    pos_ = end;
    return !power_follows;
  }

  void add_number(double v, std::size_t begin, std::size_t end) {
    e_.numbers_.push_back(v);
    leaf(NodeKind::Number, static_cast<std::uint32_t>(e_.numbers_.size() - 1), begin, end);
  }

  void number() {
    const std::size_t begin = pos_;
    while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    if (pos_ < src_.size() && src_[pos_] == '.') {
      ++pos_;
      while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p >= src_.size() || !is_digit(src_[p]))
        fail(p, "expected the digits of the exponent of a number (as in 1e-3)");
      while (p < src_.size() && is_digit(src_[p])) ++p;
      pos_ = p;
    }
    double v = 0;
    const auto [ptr, ec] = std::from_chars(src_.data() + begin, src_.data() + pos_, v);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(v)))
      fail(begin,
           fmt::format("the number {} is out of the range of a double", src_.substr(begin, pos_ - begin)));
    if (ec != std::errc() || ptr != src_.data() + pos_)
      fail(begin, "malformed number");  // not reached for the pattern above; kept as a guard
    // A minus sign directly before a literal folds into it, so that x^-2 has the constant exponent -2
    // (but not in -2^2, which is -(2^2)).
    if (negate_folds()) {
      const std::size_t minus = stack_.back().at;
      stack_.pop_back();
      add_number(-v, minus, pos_);
    } else {
      add_number(v, begin, pos_);
    }
  }

  /// A name or a call; returns whether an operand is expected next (true after "name(").
  bool identifier() {
    const std::size_t begin = pos_;
    while (pos_ < src_.size() && is_ident(src_[pos_])) ++pos_;
    const std::string_view name = src_.substr(begin, pos_ - begin);
    const std::size_t after = pos_;
    skip_space();
    if (pos_ < src_.size() && src_[pos_] == '(') {
      Entry call{Entry::Call, begin};
      call.name_len = static_cast<std::uint32_t>(pos_ - begin);
      if (name == "pow") {
        call.kind = NodeKind::Pow;
      } else if (const auto op = find_function(name)) {
        call.op = *op;
      } else {
        fail(begin, unknown_function_message(name));
      }
      ++pos_;
      stack_.push_back(call);
      return true;
    }
    pos_ = after;
    if (name == "pi") {
      if (negate_folds()) {
        const std::size_t minus = stack_.back().at;
        stack_.pop_back();
        add_number(-std::numbers::pi, minus, pos_);
      } else {
        add_number(std::numbers::pi, begin, pos_);
      }
      return false;
    }
    auto it = std::find(e_.names_.begin(), e_.names_.end(), name);
    if (it == e_.names_.end()) it = e_.names_.insert(e_.names_.end(), std::string(name));
    leaf(NodeKind::Name, static_cast<std::uint32_t>(it - e_.names_.begin()), begin, pos_);
    return false;
  }

  void binary(char c, std::size_t at) {
    const Entry::Type t = c == '+'   ? Entry::Add
                          : c == '-' ? Entry::Sub
                          : c == '*' ? Entry::Mul
                          : c == '/' ? Entry::Div
                                     : Entry::Power;
    const int p = precedence(t);
    const bool right = t == Entry::Power;
    while (!stack_.empty()) {
      const int q = precedence(stack_.back().type);
      if (q == 0 || q < p || (q == p && right)) break;
      const Entry top = stack_.back();
      stack_.pop_back();
      emit(top);
    }
    stack_.push_back({t, at});
  }

  /// Pops the operators above the innermost '(' or call; fails at `at` when there is none.
  Entry& unwind(std::size_t at, const char* what) {
    while (!stack_.empty() && stack_.back().type != Entry::Paren && stack_.back().type != Entry::Call) {
      const Entry top = stack_.back();
      stack_.pop_back();
      emit(top);
    }
    if (stack_.empty()) fail(at, what);
    return stack_.back();
  }

  static std::pair<std::uint32_t, std::uint32_t> arity_range(const Entry& call) {
    if (call.kind == NodeKind::Pow) return {2, 2};
    const OpInfo& info = op_info(call.op);
    switch (info.arity) {
      case ops::Arity::Unary:
        return {1, 1};
      case ops::Arity::UnaryParam:
        return {std::isnan(info.default_param) ? 2u : 1u, 2};
      default:
        return {2, 2};
    }
  }

  std::string call_name(const Entry& call) const { return std::string(src_.substr(call.at, call.name_len)); }

  static std::string arguments(std::uint32_t lo, std::uint32_t hi) {
    if (lo == hi) return fmt::format("{} argument{}", lo, lo == 1 ? "" : "s");
    return fmt::format("{} or {} arguments", lo, hi);
  }

  void comma(std::size_t at) {
    Entry& top = unwind(at, "',' outside the arguments of a function call");
    if (top.type != Entry::Call) fail(at, "',' outside the arguments of a function call");
    ++top.nargs;
    const auto [lo, hi] = arity_range(top);
    if (top.nargs >= hi)
      fail(at, fmt::format("too many arguments: {} takes {}", call_name(top), arguments(lo, hi)));
  }

  void close(std::size_t at) {
    Entry& top = unwind(at, "unmatched ')'");
    if (top.type == Entry::Paren) {
      Node& inner = e_.nodes_.back();  // the parenthesised value: its span now includes the parentheses
      inner.begin = static_cast<std::uint32_t>(top.at);
      inner.end = static_cast<std::uint32_t>(at + 1);
      stack_.pop_back();
      return;
    }
    Entry call = top;
    stack_.pop_back();
    ++call.nargs;
    const auto [lo, hi] = arity_range(call);
    if (call.nargs < lo)
      fail(at, fmt::format("too few arguments: {} takes {}, got {}", call_name(call), arguments(lo, hi),
                           call.nargs));
    const std::size_t n = e_.nodes_.size();
    const std::size_t first =
        call.nargs == 1 ? e_.nodes_[n - 1].first : e_.nodes_[e_.nodes_[n - 1].first - 1].first;
    e_.nodes_.push_back({call.kind, static_cast<std::uint8_t>(call.nargs), call.op, 0,
                         static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(call.at),
                         static_cast<std::uint32_t>(at + 1)});
  }

  /// Appends the node of an operator whose operands are the last subtrees of the output.
  void emit(const Entry& op) {
    const std::size_t n = e_.nodes_.size();
    const Node& last = e_.nodes_[n - 1];
    if (op.type == Entry::Negate) {
      e_.nodes_.push_back({NodeKind::Op, 1, static_cast<OpId>(ops::Builtin::Neg), 0, last.first,
                           static_cast<std::uint32_t>(op.at), last.end});
      return;
    }
    const Node& left = e_.nodes_[last.first - 1];
    const NodeKind kind = op.type == Entry::Power ? NodeKind::Pow : NodeKind::Op;
    const ops::Builtin b = op.type == Entry::Add   ? ops::Builtin::Add
                           : op.type == Entry::Sub ? ops::Builtin::Sub
                           : op.type == Entry::Mul ? ops::Builtin::Mul
                                                   : ops::Builtin::Div;
    e_.nodes_.push_back({kind, 2, kind == NodeKind::Pow ? OpId{0} : static_cast<OpId>(b), 0, left.first,
                         left.begin, last.end});
  }

  Expression e_;
  std::string_view src_;
  std::size_t pos_ = 0;
  std::vector<Entry> stack_;
};

Expression parse(std::string source, std::string context) {
  return Parser(std::move(source), std::move(context)).run();
}

// ---- evaluation ---------------------------------------------------------------------------------

void Evaluator::bind(const std::string& name, const Var& v) {
  if (name == "pi") throw Error("'pi' is a constant; it cannot be given a value");
  if (!scope_.emplace(name, v).second) throw Error(fmt::format("'{}' is defined twice", name));
  labels_.emplace(tape_->check(v), name);
}

Var Evaluator::define(const std::string& name, const Expression& e) {
  const Var v = evaluate(e);
  bind(name, v);
  return v;
}

const Var* Evaluator::lookup(std::string_view name) const {
  const auto it = scope_.find(std::string(name));
  return it == scope_.end() ? nullptr : &it->second;
}

void Evaluator::reset() {
  scope_.clear();
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

Var Evaluator::evaluate(const Expression& e) {
  Tape& t = *tape_;
  const std::vector<Node>& nodes = e.nodes();
  // Resolve each distinct name once; an unbound name is reported at its first use.
  std::vector<const Var*> resolved(e.names().size());
  for (std::size_t k = 0; k < resolved.size(); ++k) resolved[k] = lookup(e.names()[k]);

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
      stack.push_back({*v, 0, false, static_cast<std::uint32_t>(i)});
      continue;
    }
    Operand a = stack[stack.size() - n.nargs];
    Operand b = n.nargs == 2 ? stack.back() : Operand{};
    stack.resize(stack.size() - n.nargs);
    const std::size_t before = t.size();
    Var out;
    try {
      if (n.kind == NodeKind::Pow) {
        // x^p with a constant exponent records PowC; a variable exponent (ops::Pow) needs a positive base.
        out = b.is_constant ? pow(on_tape(a), b.var.valid() ? t.value(b.var.index()) : b.constant)
                            : pow(on_tape(a), on_tape(b));
      } else if (n.nargs == 1 && op_info(n.op).arity == ops::Arity::UnaryParam) {
        out = apply(n.op, on_tape(a), op_info(n.op).default_param);
      } else if (n.nargs == 1) {
        out = apply(n.op, on_tape(a));
      } else {
        if (op_info(n.op).arity == ops::Arity::UnaryParam && !b.is_constant)
          throw ParseError(e.source(), nodes[e.child(i, 1)].begin,
                           fmt::format("the parameter of {} must be a constant (it is not differentiated)",
                                       op_info(n.op).name),
                           e.context());
        out = op_info(n.op).arity == ops::Arity::UnaryParam
                  ? apply(n.op, on_tape(a), b.var.valid() ? t.value(b.var.index()) : b.constant)
                  : apply(n.op, on_tape(a), on_tape(b));
      }
    } catch (const ParseError&) {
      throw;
    } catch (const Error& err) {
      fail_at(e, i, err);
    }
    for (std::size_t k = before; k < t.size(); ++k)
      if (origin(static_cast<Index>(k)) == nullptr) set_origin(static_cast<Index>(k), e, i);
    stack.push_back(
        {out, 0, a.is_constant && (n.nargs == 1 || b.is_constant), static_cast<std::uint32_t>(i)});
  }
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
      parts.push_back(fmt::format("{}={}", name, tape_->value(tape_->check(*v))));
    } catch (const TapeError&) {  // a binding from before a clear(): it has no value to show
    }
  }
  return parts.empty() ? "" : fmt::format(" at {}", fmt::join(parts, ", "));
}

namespace {
std::string quoted(std::string_view text, std::size_t max_chars) {
  std::string s;
  for (char c : text) s += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
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
    throw AnomalyError(fmt::format("anomaly: {} produced {} in the forward pass{}\n{}", pos, facts.value,
                                   values_in(e, node), shown),
                       std::move(facts));
  }
  const std::string msg = fmt::format("{}{}: {}\n{}", pos, values_in(e, node), cause.what(), shown);
  if (dynamic_cast<const DomainError*>(&cause) != nullptr) throw DomainError(msg);
  throw Error(msg);
}

void Evaluator::backward(Index root, std::vector<double>& adj) const {
  try {
    tape_->backward(root, adj);
  } catch (const AnomalyError& err) {
    // The engine names the node whose rule produced the NaN or Inf; add where it is in the source.
    const Origin* o = origin(err.node());
    if (err.phase() != AnomalyError::Phase::Backward || o == nullptr || err.input() == kNoParent) throw;
    throw AnomalyError(
        fmt::format("anomaly: {} produced {} in the backward pass (the adjoint of `{}`, from upstream "
                    "adjoint {}){}\n{}",
                    where(err.node()), err.value(), formula(err.input(), 40), err.upstream(),
                    values_in(*o->expr, o->node), caret(err.node())),
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
