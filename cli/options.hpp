#pragma once
/// @file options.hpp
/// Option wiring shared by the subcommands: the options of every EXPR subcommand, and the checks of
/// option values, with plain messages (CLI11's own ranges print the largest double in full).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace gradlab::cli {

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

/// A finite number > 0 (a learning rate).
extern const CLI::Validator kPositiveFinite;
/// A whole number >= 0 that fits an int (epochs).
extern const CLI::Validator kCount;
/// A whole number >= 1 that fits an int (a batch size: 0 samples per step is not a step).
extern const CLI::Validator kPositiveCount;
/// A directory name that is not empty (`--out ''` is refused, not taken as "no output").
extern const CLI::Validator kNonEmptyDir;
/// A comma-separated list of names, none empty and none given twice (e.g. `--optimizers gd,adam`).
extern const CLI::Validator kDistinctNames;

}  // namespace gradlab::cli
