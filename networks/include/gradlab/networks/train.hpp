#pragma once
/// @file train.hpp
/// Training a network: mini-batches shuffled from a seed, a validation split, and the loss and
/// accuracy of every epoch.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gradlab/networks/network.hpp"
#include "gradlab/neuron/optimizer.hpp"

namespace gradlab {

/// The state after `epoch` epochs: the mean loss and accuracy on the training data and, when a
/// validation set is given, on it.
struct EpochRow {
  int epoch = 0;
  double loss = 0.0;
  double accuracy = 0.0;
  std::optional<double> validation_loss;
  std::optional<double> validation_accuracy;
};

/// Options of fit_network.
struct NetworkFitOptions {
  int epochs = 100;
  Eigen::Index batch = 0;  ///< samples per step; 0 (or >= n): the full batch
  std::uint64_t seed = 1;  ///< shuffles the samples of every epoch (mini-batches only)
  /// Called after each row is recorded (epoch 0 is the start).
  std::function<void(const EpochRow&)> on_epoch = nullptr;
};

/// The recorded run.
struct NetworkHistory {
  std::vector<EpochRow> rows;
  /// Empty, or why the run looks divergent: the loss became non-finite (training stopped there) or
  /// ended above where it started.
  std::string warning;
  bool stopped_early = false;  ///< stopped at a non-finite loss
};

/// Trains `net` on (X, Y) with the optimizer: every epoch shuffles the samples (for mini-batches),
/// steps once per batch on the batch's mean loss (gradients by autodiff), then records the full
/// training loss and, with (Xval, Yval), the validation loss.
NetworkHistory fit_network(Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                           Optimizer& optimizer, const NetworkFitOptions& options = {},
                           const Eigen::MatrixXd* Xval = nullptr, const Eigen::MatrixXd* Yval = nullptr);

/// Data split into a training and a validation part.
struct DataSplit {
  Eigen::MatrixXd X_train, Y_train, X_val, Y_val;
  std::vector<Eigen::Index> train_rows, val_rows;  ///< the original row numbers
};
/// Holds out round(fraction n) shuffled rows (fraction in [0, 1); at least one row stays for
/// training); throws Error for a fraction outside [0, 1).
DataSplit validation_split(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, double fraction,
                           std::uint64_t seed);

}  // namespace gradlab
