#pragma once
/// @file fit.hpp
/// Training a neuron on your own data: mini-batches, standardised features, a progress hook, and
/// the numbers a user wants at the end (mean loss, accuracy).
///
/// fit() minimises the MEAN loss  L(w, b) = (1/n) sum_i loss(f(x_i), y_i), so that one learning
/// rate suits data sets of any size; each step uses the mean over one mini-batch. (The article's
/// own run, article::run_gradient_descent, keeps the article's summed loss.)
#include <Eigen/Core>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gradlab/neuron/neuron.hpp"
#include "gradlab/neuron/optimizer.hpp"

namespace gradlab {

/// Per-column affine map x' = (x - mean) / scale, scale = the column's standard deviation (1 for a
/// constant column, which is only centred).
struct Standardization {
  Eigen::VectorXd mean;
  Eigen::VectorXd scale;
  /// The map applied to every row of X (in place when X is moved in: `X = s.apply(std::move(X))`).
  [[nodiscard]] Eigen::MatrixXd apply(Eigen::MatrixXd X) const;
  /// The weights of a neuron trained on the standardized features, for the raw ones: w / scale.
  [[nodiscard]] Eigen::VectorXd raw_weights(const Eigen::VectorXd& w) const;
  /// Its bias for the raw features: b - sum_j w_j mean_j / scale_j, the sum added in order of j
  /// (the same digits in every build).
  [[nodiscard]] double raw_bias(const Eigen::VectorXd& w, double b) const;
};
/// The standardisation that gives each column of X mean 0 and standard deviation 1. Works for
/// values of any magnitude (1e200) and any spread (1e-200); a column whose standardized values
/// would not be finite is an Error naming it (by `names[j]` when names are given).
Standardization standardization(const Eigen::MatrixXd& X, const std::vector<std::string>& names = {});

/// Options of fit().
struct FitOptions {
  int epochs = 1000;       ///< passes over the data
  Eigen::Index batch = 0;  ///< samples per step; 0 (or >= n): the full batch
  unsigned seed = 1;       ///< shuffles the samples of every epoch (mini-batches only)
  /// How the gradients are computed; GradMethod::Autodiff records matrix nodes for every batch of
  /// more than Neuron::kScalarNodeRows samples.
  GradMethod method = GradMethod::Formula;
  /// Called after each row is recorded (epoch 0 is the start); e.g. a progress line.
  std::function<void(const TrajectoryRow&)> on_epoch = nullptr;
};

/// Trains the neuron on (X, y) with the optimizer. Row k of the trajectory holds the parameters
/// after k epochs and the mean loss and its full-data gradient there. With the full batch each
/// epoch is one step, so the run equals train() on the mean loss. Stops early, with stop_reason
/// "diverged", at the first row whose loss or parameters are not finite. Leaves the neuron at the
/// last row.
Trajectory fit(Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Optimizer& optimizer,
               const FitOptions& options = {});

/// The mean loss (1/n) sum_i loss(f(x_i), y_i) and its gradient [dL/dw, dL/db] at the neuron's parameters.
/// Throws ShapeError when X has no rows or the shapes of X, y and the neuron do not fit.
double mean_loss(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y);
Eigen::VectorXd mean_gradient(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                              GradMethod method = GradMethod::Formula);

/// The fraction of samples whose prediction f(x) >= 1/2 matches y >= 1/2 (for 0/1 targets). Throws
/// ShapeError when X has no rows or the shapes do not fit.
double accuracy(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y);

/// Something that went wrong in a run, said in words (and named by `kind` for --json).
struct TrainingProblem {
  /// "diverged", "stuck_start" (every gradient exactly 0), "saturated_start", "loss_rose" or
  /// "target_outside_range"
  std::string kind;
  std::string message;
};

/// What went wrong in the run t of `neuron` (its activation and loss; t's row 0 is the start) on
/// (X, y), in the order a learner should read them:
///  * a target outside the outputs the activation can give (Iris labels 0/1/2 with a sigmoid);
///  * a start where every gradient is exactly 0, or where the activation is saturated at every sample
///    (its slope below 1% of its peak), so that the loss sits on a plateau (the article's start);
///  * a divergence: the first epoch whose loss is not finite;
///  * a loss that rose: it ends above its start, or gave back more than half of its progress.
/// `target` names y in the messages.
std::vector<TrainingProblem> diagnose_training(const Trajectory& t, const Neuron& neuron,
                                               const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                               std::string_view target = "y");

}  // namespace gradlab
