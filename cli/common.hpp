#pragma once
/// @file common.hpp
/// What every subcommand includes: the option wiring (options.hpp), the program and its recording
/// (program.hpp), the small languages of the command line (bindings.hpp), output (output.hpp), figures
/// (figure_output.hpp) and the subcommand registry (commands.hpp); and the chain-rule terms that explain
/// shows.
#include <Eigen/Core>
#include <vector>

#include "bindings.hpp"
#include "commands.hpp"
#include "figure_output.hpp"
#include "options.hpp"
#include "output.hpp"
#include "program.hpp"

namespace gradlab::cli {

/// One term of the chain rule: node `user` consumes node i, so adjoint(i) += adjoint(user) * local.
struct ChainTerm {
  Index user;
  double local;  ///< d user / d node i, from the op's one local-derivative rule
};
/// For every node up to root, the terms that make up its adjoint (users in increasing order).
std::vector<std::vector<ChainTerm>> chain_terms(const Tape& tape, Index root);

}  // namespace gradlab::cli
