#pragma once
/// @file results.hpp
/// What `grad` and `explain` compute from a recording, and what `train` says about a network's run,
/// shared by the command line and the page (web/), so that both show the same from the same code.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "bindings.hpp"
#include "gradlab/networks/train.hpp"
#include "output.hpp"
#include "program.hpp"

namespace gradlab::cli {

/// The value of the main expression, its gradient with respect to the point's entries `wrt`
/// (in that order) and, when asked, its exact Hessian (rows and columns in the order of `wrt`).
struct Derivatives {
  double value = 0;
  std::vector<double> gradient;
  Eigen::MatrixXd hessian;  ///< empty unless asked for
};
Derivatives derivatives(const Recording& rec, const std::vector<Binding>& point,
                        const std::vector<std::size_t>& wrt, bool with_hessian);

/// The chain-rule ledger as `gradlab explain --json` prints it: "forward" (node, op, formula, value in
/// recording order), "backward" (node, adjoint and its terms, one per use: user, input ("a" or "b"),
/// user_adjoint, local_derivative, from the output down, constants left out) and "gradient" (one entry per
/// point entry).
Json ledger_json(const Recording& rec, const std::vector<Binding>& point);

/// A network run's warnings as the neuron's JSON has them: a list of {kind, message}, kind "diverged"
/// (training stopped at a non-finite loss) or "loss_rose"; empty without a warning. `message` is the
/// warning in the caller's words (the command line names --lr).
Json network_warnings_json(const NetworkHistory& h, const std::string& message);

}  // namespace gradlab::cli
