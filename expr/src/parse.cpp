// The expression language's front half: the syntax (a shunting-yard parser into a flat post-order
// tree), the names callable as functions, and the parse errors with their caret display.
#include "gradlab/expr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <set>
#include <unordered_map>

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
    // name_index_ finds a name seen before in constant time (a search of names_ made 160 000 names
    // quadratic).
    const auto [it, added] =
        name_index_.try_emplace(std::string(name), static_cast<std::uint32_t>(e_.names_.size()));
    if (added) e_.names_.emplace_back(name);
    leaf(NodeKind::Name, it->second, begin, pos_);
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
      case ops::Arity::Unary:  // one, or two for an op with an n-ary form (softplus(x, beta))
        return {1, info.nary != nullptr ? info.max_args : 1u};
      case ops::Arity::UnaryParam:
        return {std::isnan(info.default_param) ? 2u : 1u, 2};
      default:  // two, or any number from two for an op with an n-ary form (max, min, logsumexp)
        return {2, info.nary != nullptr ? info.max_args : 2u};
    }
  }

  std::string call_name(const Entry& call) const { return std::string(src_.substr(call.at, call.name_len)); }

  static std::string arguments(std::uint32_t lo, std::uint32_t hi) {
    if (lo == hi) return fmt::format("{} argument{}", lo, lo == 1 ? "" : "s");
    if (hi == std::numeric_limits<std::uint8_t>::max()) return fmt::format("{} or more arguments", lo);
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
    std::size_t first = e_.nodes_[n - 1].first;  // of the last argument, then of each one before it
    for (std::uint32_t k = 1; k < call.nargs; ++k) first = e_.nodes_[first - 1].first;
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
  std::unordered_map<std::string, std::uint32_t> name_index_;  ///< names_[k] -> k
};

Expression parse(std::string source, std::string context) {
  return Parser(std::move(source), std::move(context)).run();
}

}  // namespace gradlab::expr
