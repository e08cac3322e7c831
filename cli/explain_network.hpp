#pragma once
/// @file explain_network.hpp
/// `gradlab explain --model model.json --data FILE --row N`: a network's backward pass on one sample,
/// layer by layer, δ by autodiff beside δ from the hand equations. Also what `predict --explain N`
/// prints.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "gradlab/networks/network.hpp"
#include "gradlab/neuron/csv.hpp"

namespace gradlab::cli {

/// The options of explain for a network.
struct NetworkExplainOptions {
  std::string model;
  std::string data;
  std::string target;
  int row = 0;                        ///< a data row, from 1
  CLI::Option* expression = nullptr;  ///< explain's EXPR, which --model replaces
};

/// Adds --model, --data, --row and --target to `explain` and makes its expression optional: one of
/// the two (an expression, or --model with --data and --row) is needed.
std::shared_ptr<NetworkExplainOptions> add_network_explain(CLI::App& explain);
/// Runs the network's explain when --model is given, else `expression` (the scalar ledger), after
/// checking that an expression was given.
int run_explain_or_network(const NetworkExplainOptions& o, const std::function<int()>& expression);

/// Prints the forward and backward pass of `net` on data row `row` (from 1) of X, Y (standardized as
/// the model is); d names the file and its lines; `option` names the option that chose the row.
void explain_network_row(const Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, int row,
                         const Dataset& d, const char* option);

}  // namespace gradlab::cli
