#pragma once
/// @file optimizer.hpp
/// Optimizers behind one interface, and the training loop that records the trajectory.
///
/// Every optimizer turns the gradient g of the current parameters theta into an update; all of
/// them share the learning rate eta. The update rules (t = 1, 2, ... counts steps):
///   gd        theta -= eta g
///   momentum  v = mu v + g;                 theta -= eta v
///   nesterov  v = mu v + g;                 theta -= eta (g + mu v)      (PyTorch's form)
///   adagrad   G += g^2;                     theta -= eta g / (sqrt(G) + eps)
///   rmsprop   s = rho s + (1 - rho) g^2;    theta -= eta g / (sqrt(s) + eps)
///   adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
///             theta -= eta m^ / (sqrt(v^) + eps),  m^ = m / (1 - b1^t),  v^ = v / (1 - b2^t)
#include <Eigen/Core>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gradlab/neuron/neuron.hpp"

namespace gradlab {

/// Hyper-parameters; each optimizer reads the ones it uses.
struct OptimizerOptions {
  double learning_rate = 1.0;  ///< eta
  double momentum = 0.9;       ///< mu (momentum, nesterov)
  double rho = 0.9;            ///< rmsprop's decay
  double beta1 = 0.9;          ///< adam
  double beta2 = 0.999;        ///< adam
  double epsilon = 1e-8;       ///< adagrad, rmsprop, adam
};

/// One optimizer: it keeps its own state (velocities, moment estimates) between steps.
class Optimizer {
 public:
  explicit Optimizer(const OptimizerOptions& options) : options_(options) {}
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// The name the factory knows it by.
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Forgets the state, for a new run with n parameters.
  virtual void reset(Eigen::Index n) = 0;
  /// One update of theta from its gradient g.
  virtual void step(Eigen::VectorXd& theta, const Eigen::VectorXd& g) = 0;
  [[nodiscard]] const OptimizerOptions& options() const { return options_; }

 protected:
  OptimizerOptions options_;
};

/// The optimizer with this name: gd, momentum, nesterov, adagrad, rmsprop or adam. Throws Error
/// listing the known names for any other, and Error naming the option when one is out of range
/// (learning_rate finite > 0; momentum, rho, beta1, beta2 in [0, 1); epsilon finite >= 0).
std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const OptimizerOptions& options = {});
/// The names make_optimizer knows.
std::vector<std::string> optimizer_names();

/// One row of a trajectory: the parameters after `epoch` updates, and the loss and gradient there.
struct TrajectoryRow {
  int epoch;
  Eigen::VectorXd theta;  ///< [w, b]
  double loss;
  Eigen::VectorXd grad;  ///< dL/dtheta
};

/// When training stops: after max_epochs updates, or as soon as L or |dL/dtheta| falls strictly
/// below its tolerance (so a tolerance of 0 never triggers, even at an exactly zero gradient).
struct TrainOptions {
  int max_epochs = 1000;
  double loss_tolerance = 0.0;              ///< stop when L < this
  double grad_norm_tolerance = 0.0;         ///< stop when |dL/dtheta| < this
  GradMethod method = GradMethod::Formula;  ///< how the gradients are computed
};

/// The recorded run: epoch 0 is the start, row k is after k updates.
struct Trajectory {
  std::vector<std::string> param_names;  ///< "w", "b" (or "w1".."wd", "b")
  std::vector<TrajectoryRow> rows;
  /// "max epochs", "loss tolerance", "gradient-norm tolerance" or "diverged" (a loss or a parameter
  /// that is not finite: the run stops there)
  std::string stop_reason;
  /// Which loss the rows hold: "sum" (train: L = sum_i loss_i, the article's) or "mean" (fit).
  std::string loss_convention = "sum";
};

/// True when the row's loss and parameters are all finite numbers.
bool finite_row(const TrajectoryRow& row);
/// The last row of a run whose step made a parameter non-finite: its loss and gradient are NaN.
TrajectoryRow diverged_row(int epoch, const Eigen::VectorXd& theta);

/// Full-batch training: at each epoch, the gradient summed over every sample, then one update from
/// that same gradient. Leaves the neuron at the last row's parameters.
Trajectory train(Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Optimizer& optimizer,
                 const TrainOptions& options = {});

/// Writes the trajectory as CSV with header `epoch,w,b,loss_sum,dloss_sum_dw,dloss_sum_db` (or
/// loss_mean..., after the trajectory's loss convention; w1..wd for several inputs), numbers with 17
/// significant digits.
void write_trajectory_csv(std::ostream& out, const Trajectory& trajectory);
/// The same, into a file; throws Error naming the file when it cannot be written.
void write_trajectory_csv(const std::string& path, const Trajectory& trajectory);

}  // namespace gradlab
