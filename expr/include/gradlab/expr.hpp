#pragma once
/// @file expr.hpp
/// The expression language: `sigmoid(w*x + b)`, parsed once and recorded on the active tape.
///
/// Grammar (lowest precedence first):
///
///     expr    = term   { ("+" | "-") term }          left-associative
///     term    = unary  { ("*" | "/") unary }         left-associative
///     unary   = "-" unary | power                    so -x^2 = -(x^2)
///     power   = primary [ "^" unary ]                right-associative, and 2^-x is allowed
///     primary = number | "pi" | name | name "(" expr { "," expr } ")" | "(" expr ")"
///
/// Function names come from the op table (see ops.hpp), so every primitive and every registered
/// activation is callable by name. The parser is an operator-precedence (shunting-yard) loop with
/// explicit stacks, and the tree is a flat vector in post-order (children before parents), so
/// neither parsing nor evaluation recurses: deep nesting costs heap memory, never stack.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "gradlab/autodiff/ops.hpp"

namespace gradlab::expr {

class Parser;

/// The longest expression accepted, in bytes (100 MB).
inline constexpr std::size_t kMaxSourceBytes = 100u * 1024u * 1024u;

/// The source shown with a caret under byte `offset` (two lines, each indented by two spaces).
/// Long sources are cut to a window around the offset.
std::string caret_display(std::string_view source, std::size_t offset);

/// A syntax error, or an unbound name: the message shows the source with a caret under the column
/// and says what was expected.
class ParseError : public Error {
 public:
  /// `context` names where the text came from (e.g. "--let f"); it prefixes the message when set.
  ParseError(std::string_view source, std::size_t offset, const std::string& reason,
             std::string_view context = {});
  /// 1-based column of the offending character.
  [[nodiscard]] std::size_t column() const { return column_; }
  /// The reason alone, without position or caret.
  [[nodiscard]] const std::string& reason() const { return reason_; }

 private:
  std::size_t column_;
  std::string reason_;
};

/// An op applied outside its domain at a place in an expression (x^y with x <= 0): the message names
/// the place, the values and the reason, and shows the source; where() and reason() are those parts
/// alone, for a front end that words its own sentence (gradlab check: "the claim is undefined").
class ExprDomainError : public DomainError {
 public:
  ExprDomainError(const std::string& message, std::string where, std::string reason)
      : DomainError(message), where_(std::move(where)), reason_(std::move(reason)) {}
  /// "`x^y` at column 5 of --claim"
  [[nodiscard]] const std::string& where() const { return where_; }
  /// The engine's reason ("a variable exponent needs a positive base ..."), without the place.
  [[nodiscard]] const std::string& reason() const { return reason_; }

 private:
  std::string where_;
  std::string reason_;
};

/// What a node of the syntax tree does.
enum class NodeKind : std::uint8_t {
  Number,  ///< a literal (or pi); value in Expression::numbers()[payload]
  Name,    ///< a variable or --let name; Expression::names()[payload]
  Op,      ///< an op of the op table applied to the children (neg, add, ..., exp, leaky_relu, max)
  Pow,     ///< a^b or pow(a, b): x^p (PowC) when b is a constant, else a^b with a Var exponent
};

/// One node of the syntax tree. The tree is stored in post-order, so the subtree of node i is the
/// contiguous range [first, i]; its last child is i - 1 and the child before is nodes[i-1].first - 1.
struct Node {
  NodeKind kind = NodeKind::Number;
  std::uint8_t nargs = 0;     ///< number of children (0, 1, 2, or more for max, min, logsumexp)
  OpId op = 0;                ///< Op: the op id
  std::uint32_t payload = 0;  ///< Number: index into numbers(); Name: index into names()
  std::uint32_t first = 0;    ///< index of the first node of this subtree
  std::uint32_t begin = 0;    ///< source span [begin, end) in bytes
  std::uint32_t end = 0;
};

/// A parsed expression: its source, and its syntax tree as a flat post-order vector.
class Expression {
 public:
  [[nodiscard]] const std::string& source() const { return source_; }
  /// Where the source came from (e.g. "--let f"), used in messages; may be empty.
  [[nodiscard]] const std::string& context() const { return context_; }
  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] const std::vector<double>& numbers() const { return numbers_; }
  /// The index of the root node (the last one).
  [[nodiscard]] std::size_t root() const { return nodes_.size() - 1; }
  /// The source text of node i's subtree.
  [[nodiscard]] std::string_view text(std::size_t i) const;
  /// The index of node i's k-th child (k < nodes()[i].nargs).
  [[nodiscard]] std::size_t child(std::size_t i, std::size_t k) const;

 private:
  friend Expression parse(std::string source, std::string context);
  friend class Parser;
  std::string source_;
  std::string context_;
  std::vector<Node> nodes_;
  std::vector<std::string> names_;  ///< distinct names, in order of first use
  std::vector<double> numbers_;
};

/// Parses an expression. Throws ParseError (with the column) on a syntax error, an unknown function
/// (suggesting the nearest known name) or a wrong number of arguments; Error when the source is
/// over kMaxSourceBytes.
Expression parse(std::string source, std::string context = {});

/// The names callable as functions, sorted: every op of the table except the internal ones
/// (input, const, add, sub, mul, div, neg, and the constant-parameter forms powc, addc, ...), which the
/// operators stand for.
std::vector<std::string> function_names();

/// Records expressions on a tape, given values for their names, and remembers which tape node came
/// from which piece of source (for the chain-rule ledger and for error positions).
/// The Expressions passed to define/evaluate must outlive the Evaluator.
class Evaluator {
 public:
  /// Records on `tape`, which must be the active tape while evaluating.
  explicit Evaluator(Tape& tape = Tape::current()) : tape_(&tape) {}

  /// Gives `name` the value v (typically an input leaf). Throws Error when the name is taken.
  void bind(const std::string& name, const Var& v);
  /// Records e and binds `name` to it (a --let): later uses of name share the recorded node. When e
  /// has no variable (`--let c=2`), name is a constant: `x^c` is x to a constant power, as `x^2` is.
  Var define(const std::string& name, const Expression& e);
  /// Records e on the tape and returns its root. Throws ParseError for an unbound name, and
  /// rethrows engine errors (AnomalyError, DomainError as ExprDomainError) with the position of the op
  /// that failed.
  Var evaluate(const Expression& e);
  /// The Var bound to name, or nullptr.
  [[nodiscard]] const Var* lookup(std::string_view name) const;

  /// First-order reverse sweep from root, as Tape::backward; under anomaly mode the error names the
  /// position in the expression of the op whose backward rule produced the NaN or Inf.
  void backward(Index root, std::vector<double>& adj) const;

  /// The name of a bound input or the name of a --let whose value node i is ("" otherwise).
  [[nodiscard]] std::string_view label(Index i) const;
  /// A readable formula for node i: its source text, its label, or its constant value.
  [[nodiscard]] std::string formula(Index i, std::size_t max_chars = 60) const;
  /// Where node i came from: "`log(x)` at column 7" (plus the context), or "" if unknown.
  [[nodiscard]] std::string where(Index i) const;
  /// The caret display of node i's position ("" if unknown).
  [[nodiscard]] std::string caret(Index i) const;

  /// Forgets bindings and origins (call after clearing the tape).
  void reset();

 private:
  struct Origin {
    const Expression* expr = nullptr;
    std::uint32_t node = 0;
  };
  struct Recorder;  // the walk's context (expr_walk.hpp)
  void set_origin(Index i, const Expression& e, std::size_t node);
  [[nodiscard]] const Origin* origin(Index i) const;
  /// evaluate(e); sets *constant (when given) to whether e has no variable in it.
  Var record(const Expression& e, bool* constant);
  [[nodiscard]] std::string values_in(const Expression& e, std::size_t node) const;
  [[noreturn]] void fail_at(const Expression& e, std::size_t node, const std::exception& cause) const;

  Tape* tape_;
  std::unordered_map<std::string, Var> scope_;
  std::unordered_set<std::string> constants_;  ///< the names of --lets without a variable
  std::unordered_map<Index, std::string> labels_;
  std::vector<Origin> origins_;  ///< by tape index
};

}  // namespace gradlab::expr
