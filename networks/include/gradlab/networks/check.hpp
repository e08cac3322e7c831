#pragma once
/// @file check.hpp
/// The three-way check of a network's gradient, as the neuron's: autodiff on matrix nodes, the
/// hand-derived backpropagation (δ recursion in plain Eigen) and central differences.
#include <cstdint>
#include <string>
#include <vector>

#include "gradlab/networks/network.hpp"
#include "gradlab/neuron/report.hpp"

namespace gradlab {

/// Options of cross_check.
struct NetworkCheckOptions {
  int samples = 12;        ///< parameters checked by central differences (all when there are fewer)
  std::uint64_t seed = 1;  ///< which ones
};

/// One sampled parameter of the check.
struct NetworkCheckEntry {
  std::string name;  ///< e.g. "layer2.W[0,3]"
  Eigen::Index index = 0;
  double autodiff = 0.0;   ///< fused activation nodes
  double composite = 0.0;  ///< activations as composites of engine primitives
  double hand = 0.0;       ///< the δ recursion
  double numeric = 0.0;    ///< central differences of the plain-Eigen mean loss
};

/// The report of cross_check.
struct NetworkCheck {
  double loss = 0.0;
  Eigen::VectorXd autodiff, composite, hand;  ///< every entry of the gradient, flattened
  std::vector<NetworkCheckEntry> sampled;
  Difference autodiff_vs_hand;   ///< over every entry
  Difference composite_vs_hand;  ///< over every entry
  Difference numeric_vs_hand;    ///< over the sampled entries
  double scale = 0.0;            ///< the largest |entry| of the hand gradient
  /// Autodiff (both forms) within 1e-9 relative of the hand recursion, entries far below the
  /// gradient's scale within 1e-12 of it; central differences within 1e-5 relative, or 1e-7 of the
  /// scale.
  [[nodiscard]] bool passed() const;
  /// An aligned table of the sampled entries and the largest differences.
  [[nodiscard]] std::string table() const;
};

/// Checks the gradient of the mean loss of `net` on (X, Y) three ways.
NetworkCheck cross_check(const Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                         const NetworkCheckOptions& options = {});

}  // namespace gradlab
