#pragma once
/// @file common.hpp
/// What the subcommands share: the options every EXPR subcommand takes, the parsed program
/// (--let definitions, the main expression, extra expressions such as a claim), recording it at a
/// point, and output helpers (numbers that round-trip, JSON, the non-finite warning).
#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "gradlab/autodiff/expr.hpp"
#include "gradlab/neuron/figures.hpp"

namespace gradlab::cli {

using Json = nlohmann::ordered_json;

/// The options of every subcommand that takes an EXPR.
struct ExprOptions {
  std::string expr;
  std::vector<std::string> lets;
  std::vector<std::string> at;
  bool json = false;
  bool detect_anomaly = false;
  /// Adds EXPR, --let, --at, --detect-anomaly and (if with_json) --json to a subcommand.
  void add_to(CLI::App& app, bool with_json = true);
};

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

  /// The program recorded on one tape.
  struct Recorded {
    std::vector<Var> inputs;  ///< one per point entry, in order
    Var root;                 ///< the main expression
    std::vector<Var> extras;  ///< one per add()ed expression
  };
  /// Records inputs for `point`, the lets, the main expression and the extras on ev's tape.
  Recorded record(expr::Evaluator& ev, const std::vector<Binding>& point) const;

 private:
  std::vector<std::pair<std::string, std::unique_ptr<expr::Expression>>> lets_;
  std::unique_ptr<expr::Expression> main_;
  std::vector<std::unique_ptr<expr::Expression>> extras_;
  bool stdin_used_ = false;
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

/// Option checks with plain messages (CLI11's own ranges print the largest double in full): a finite
/// number > 0 (a learning rate), and a whole number >= 0 that fits an int (epochs, a batch size).
extern const CLI::Validator kPositiveFinite;
extern const CLI::Validator kCount;

/// The value of the main expression at `point`, recorded on a scratch tape.
double value_at(const Program& program, const std::vector<Binding>& point);

/// Parses `--wrt w,b`: every name must be in point. Empty list: all of point.
std::vector<std::size_t> parse_wrt(const std::string& wrt, const std::vector<Binding>& point);

/// A number in its shortest form that reads back to the same double.
std::string num(double v);

/// Prints a warning on stderr (once per run) when v is not finite, suggesting --detect-anomaly.
void warn_if_not_finite(double v, const std::string& what);

/// Prints j on stdout, indented.
void print_json(const Json& j);

/// "w=0.5, b=-1"
std::string describe_point(const std::vector<Binding>& point);

/// One term of the chain rule: node `user` consumes node i, so adjoint(i) += adjoint(user) * local.
struct ChainTerm {
  Index user;
  double local;  ///< d user / d node i, from the op's one local-derivative rule
};
/// For every node up to root, the terms that make up its adjoint (users in increasing order).
std::vector<std::vector<ChainTerm>> chain_terms(const Tape& tape, Index root);

/// Subcommand registration: each adds its subcommand and sets `run` when it is chosen.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
Command add_grad(CLI::App& app);
Command add_check(CLI::App& app);
Command add_explain(CLI::App& app);
Command add_graph(CLI::App& app);
Command add_taylor(CLI::App& app);
Command add_article(CLI::App& app);
Command add_activations(CLI::App& app);
Command add_train(CLI::App& app);
Command add_predict(CLI::App& app);  // cmd_predict.cpp (networks)

/// The figure options of the program (GRADLAB_GNUPLOT in the environment names the gnuplot command).
figures::Options figure_options();
/// Says once when gnuplot is missing, warns about scripts gnuplot failed on, and (unless json_mode)
/// lists the files written.
void print_figure_report(const figures::Report& report, bool json_mode);

}  // namespace gradlab::cli
