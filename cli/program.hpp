#pragma once
/// @file program.hpp
/// The parsed program (--let definitions, the main expression, extra expressions such as a claim) and
/// recording it at a point, with its reverse sweep.
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "bindings.hpp"
#include "gradlab/expr.hpp"
#include "options.hpp"

namespace gradlab::cli {

/// The parsed program: `--let` definitions in order, then the main expression, then extras.
class Program {
 public:
  /// Parses the lets and the main expression (reading stdin for `-`).
  explicit Program(const ExprOptions& opt);
  /// Parses one more expression (e.g. a claim) evaluated after the main one; returns its index.
  std::size_t add(const std::string& text, const std::string& context);
  /// The names used anywhere that no --let defines, in order of first use.
  [[nodiscard]] std::vector<std::string> free_variables() const;
  [[nodiscard]] bool is_let(const std::string& name) const;
  /// The names of the --lets, in order.
  [[nodiscard]] std::vector<std::string> let_names() const;
  /// The free variables of the lets and the main expression (not of the extras), in order of first use.
  [[nodiscard]] std::vector<std::string> expression_variables() const;

  /// The program recorded on one tape.
  struct Recorded {
    std::vector<Var> inputs;  ///< one per point entry, in order
    Var root;                 ///< the main expression
  };
  /// Records inputs for `point`, the lets and the main expression on ev's tape.
  Recorded record(expr::Evaluator& ev, const std::vector<Binding>& point) const;
  /// Records the add()ed expression k on ev's tape, after record(ev, ...): a claim is recorded on its
  /// own, so that an error in it (a DomainError) is told apart from one in the expression.
  Var record_extra(expr::Evaluator& ev, std::size_t k) const;

 private:
  std::vector<std::pair<std::string, std::unique_ptr<expr::Expression>>> lets_;
  std::unordered_set<std::string> let_names_;  ///< the names of lets_, found in constant time
  std::unique_ptr<expr::Expression> main_;
  std::vector<std::unique_ptr<expr::Expression>> extras_;
  bool stdin_used_ = false;
  [[nodiscard]] std::vector<std::string> variables(bool with_extras) const;
};

/// The program recorded once at a point, with its reverse sweep done: the tape is active while this
/// object lives. Warns (once) when the value is not finite.
struct Recording {
  Recording(const Program& program, const std::vector<Binding>& point);
  Tape tape;
  TapeScope scope{tape};
  expr::Evaluator ev{tape};
  Program::Recorded r;
  Index root = 0;
  std::vector<double> adj;  ///< d root / d node, for every node up to root
  [[nodiscard]] double value() const { return tape.value(root); }
  /// d root / d (input k of point); warns (once) when it is not finite.
  [[nodiscard]] double gradient(std::size_t k, const std::vector<Binding>& point) const;
};

/// The value of the main expression at `point`, recorded on a scratch tape.
double value_at(const Program& program, const std::vector<Binding>& point);

}  // namespace gradlab::cli
