#pragma once
/// @file results.hpp
/// What `grad` and `explain` compute from a recording, shared by the command line and the page
/// (web/), so that both show the same numbers from the same code.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "bindings.hpp"
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

}  // namespace gradlab::cli
