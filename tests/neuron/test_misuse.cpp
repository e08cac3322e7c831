// Misuse of the neuron module's public entry points: each gives an exception derived from
// gradlab::Error whose message names the function, the option or the shapes, and the bad value.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/figures.hpp>
#include <gradlab/neuron/article.hpp>
#include <gradlab/neuron/fit.hpp>
#include <gradlab/neuron/neuron.hpp>
#include <gradlab/neuron/optimizer.hpp>
#include <limits>
#include <string>

#include "message_of.hpp"

using gradlab::Error;
using gradlab::Neuron;
using gradlab::ShapeError;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
// Each figures call below must fail before it creates its directory: a message about this path
// would mean the check came too late.
const std::string kNoDir = "/nonexistent/gradlab-misuse";
}  // namespace

BOOST_AUTO_TEST_SUITE(neuron_misuse)

BOOST_AUTO_TEST_CASE(optimizer_names_and_options) {
  const std::string unknown = message_of<Error>([] { (void)gradlab::make_optimizer("sgd"); });
  BOOST_TEST(unknown ==
             "unknown optimizer 'sgd'; known optimizers: gd, momentum, nesterov, adagrad, rmsprop, adam");
  const auto with = [](const char* name, gradlab::OptimizerOptions o) {
    return message_of<Error>([&] { (void)gradlab::make_optimizer(name, o); });
  };
  BOOST_TEST(with("gd", {.learning_rate = 0.0}) ==
             "optimizer 'gd': learning_rate must be a finite number > 0, got 0");
  BOOST_TEST(with("gd", {.learning_rate = -0.5}) ==
             "optimizer 'gd': learning_rate must be a finite number > 0, got -0.5");
  BOOST_TEST(with("adam", {.learning_rate = kNaN}) ==
             "optimizer 'adam': learning_rate must be a finite number > 0, got nan");
  BOOST_TEST(with("adam", {.learning_rate = kInf}) ==
             "optimizer 'adam': learning_rate must be a finite number > 0, got inf");
  // adam divides by 1 - beta1^t: beta1 = 1 would give 0/0 at every step.
  BOOST_TEST(with("adam", {.beta1 = 1.0}) == "optimizer 'adam': beta1 must be in [0, 1), got 1");
  BOOST_TEST(with("adam", {.beta2 = kNaN}) == "optimizer 'adam': beta2 must be in [0, 1), got nan");
  BOOST_TEST(with("momentum", {.momentum = -0.1}) ==
             "optimizer 'momentum': momentum must be in [0, 1), got -0.1");
  BOOST_TEST(with("rmsprop", {.rho = 1.5}) == "optimizer 'rmsprop': rho must be in [0, 1), got 1.5");
  BOOST_TEST(with("adagrad", {.epsilon = -1e-8}) ==
             "optimizer 'adagrad': epsilon must be a finite number >= 0, got -1e-08");
  // The edges that are allowed.
  BOOST_CHECK_NO_THROW(gradlab::make_optimizer("momentum", {.momentum = 0.0, .epsilon = 0.0}));
}

BOOST_AUTO_TEST_CASE(train_and_fit_options) {
  Neuron n = gradlab::article::start();
  auto gd = gradlab::make_optimizer("gd");
  const Eigen::MatrixXd X = gradlab::article::inputs();
  const Eigen::VectorXd y = gradlab::article::targets();
  BOOST_TEST(message_of<Error>([&] { (void)gradlab::train(n, X, y, *gd, {.max_epochs = -1}); }) ==
             "train: max_epochs must be >= 0, got -1");
  BOOST_TEST(message_of<Error>([&] { (void)gradlab::fit(n, X, y, *gd, {.epochs = -1}); }) ==
             "fit: epochs must be >= 0, got -1");
  BOOST_TEST(message_of<Error>([&] { (void)gradlab::fit(n, X, y, *gd, {.batch = -2}); }) ==
             "fit: batch must be >= 0, got -2");
  BOOST_TEST(message_of<ShapeError>([&] {
               (void)gradlab::fit(n, Eigen::MatrixXd(0, 1), Eigen::VectorXd(0), *gd);
             }) == "fit: there are no samples (X is 0 rows)");
  BOOST_TEST(message_of<ShapeError>([&] { (void)gradlab::fit(n, X, y.head(1), *gd); }) ==
             "Neuron::value_and_gradient: X is 2x1 (2 samples) but y is 1x1 (1 targets)");
  BOOST_TEST(message_of<ShapeError>([&] {
               (void)gradlab::train(n, Eigen::MatrixXd::Zero(2, 3), y, *gd);
             }).find("X is 2x3 (2 samples of 3 features) but w is 1x1 (1 inputs)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(means_and_accuracy_need_samples_and_matching_shapes) {
  const Neuron n(Eigen::VectorXd::Ones(2), 0.0);
  const Eigen::MatrixXd none(0, 2);
  const Eigen::VectorXd no_y(0);
  // A mean over no samples would be 0/0 = NaN, silently.
  BOOST_TEST(message_of<ShapeError>([&] { (void)gradlab::mean_loss(n, none, no_y); }) ==
             "mean_loss: there are no samples (X is 0 rows)");
  BOOST_TEST(message_of<ShapeError>([&] { (void)gradlab::mean_gradient(n, none, no_y); }) ==
             "mean_gradient: there are no samples (X is 0 rows)");
  BOOST_TEST(message_of<ShapeError>([&] { (void)gradlab::accuracy(n, none, no_y); }) ==
             "accuracy: there are no samples (X is 0 rows)");
  // More targets than samples read past the predictions before the check existed.
  const Eigen::MatrixXd X = Eigen::MatrixXd::Ones(3, 2);
  BOOST_TEST(message_of<ShapeError>([&] { (void)gradlab::accuracy(n, X, Eigen::VectorXd::Ones(5)); }) ==
             "accuracy: X has 3 rows (samples) but y has 5 targets");
  BOOST_TEST(message_of<ShapeError>([&] { (void)gradlab::mean_loss(n, X, Eigen::VectorXd::Ones(2)); }) ==
             "Neuron::loss: X is 3x2 (3 samples) but y is 2x1 (2 targets)");
  BOOST_TEST(message_of<ShapeError>([&] {
               (void)n.hessian(X, Eigen::VectorXd::Ones(2));
             }).find("X is 3x2 (3 samples) but y is 2x1 (2 targets)") != std::string::npos);
  BOOST_TEST(message_of<ShapeError>([&] {
               (void)n.cross_check(Eigen::MatrixXd::Ones(3, 1), Eigen::VectorXd::Ones(3));
             }).find("X is 3x1 (3 samples of 1 features) but w is 2x1 (2 inputs)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(record_loss_needs_one_var_per_parameter) {
  const Neuron n(Eigen::VectorXd::Ones(2), 0.0);
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const std::vector<gradlab::Var> theta{tape.variable(1.0), tape.variable(2.0)};
  BOOST_TEST(message_of<ShapeError>([&] {
               (void)n.record_loss(theta, Eigen::MatrixXd::Ones(1, 2), Eigen::VectorXd::Ones(1));
             }) == "Neuron::record_loss: 2 parameter Vars given, a neuron with 2 inputs needs 3");
}

BOOST_AUTO_TEST_CASE(standardization_shapes) {
  BOOST_TEST(message_of<ShapeError>([] { (void)gradlab::standardization(Eigen::MatrixXd(0, 2)); }) ==
             "standardization: X has no rows");
  const gradlab::Standardization s = gradlab::standardization(Eigen::MatrixXd::Ones(3, 2));
  BOOST_TEST(message_of<ShapeError>([&] { (void)s.apply(Eigen::MatrixXd::Ones(3, 4)); }) ==
             "Standardization::apply: X has 4 columns but the map was made for 2");
}

BOOST_AUTO_TEST_CASE(activation_parameters) {
  BOOST_TEST(message_of<Error>([] { Neuron(Eigen::VectorXd::Ones(1), 0.0, "tanh", "squared_error", 0.1); }) ==
             "activation 'tanh' takes no parameter, but alpha = 0.1 was given");
  BOOST_TEST(message_of<gradlab::DomainError>([] {
               Neuron(Eigen::VectorXd::Ones(1), 0.0, "leaky_relu", "squared_error", kNaN);
             }) == "activation 'leaky_relu': alpha must be finite, got nan");
}

BOOST_AUTO_TEST_CASE(trajectory_csv_to_an_unwritable_path) {
  const gradlab::Trajectory t = gradlab::article::run_gradient_descent();
  BOOST_TEST(message_of<Error>([&] { gradlab::write_trajectory_csv(kNoDir + "/t.csv", t); }) ==
             "write_trajectory_csv: cannot open '" + kNoDir + "/t.csv' for writing");
}

BOOST_AUTO_TEST_CASE(figures_arguments) {
  namespace figures = gradlab::figures;
  const Neuron one = gradlab::article::start();
  const Neuron two(Eigen::VectorXd::Zero(2), 0.0);
  const Eigen::MatrixXd X = gradlab::article::inputs();
  const Eigen::VectorXd y = gradlab::article::targets();
  figures::Grid tiny = figures::article_grid();
  tiny.nw = 1;
  BOOST_TEST(message_of<Error>([&] { (void)figures::loss_surface(one, X, y, tiny); }) ==
             "figures::loss_surface: the grid needs at least 2 x 2 points, got 1 x 200");
  // One arrow per side would be placed at w_min + (w_max - w_min) * 0 / 0 = NaN.
  BOOST_TEST(message_of<Error>([&] {
               (void)figures::gradient_arrows(one, X, y, figures::article_grid(), 1);
             }) == "figures::gradient_arrows: need at least 2 x 2 arrows, got 1 x 1");
  BOOST_TEST(message_of<ShapeError>([&] {
               (void)figures::gradient_arrows(two, Eigen::MatrixXd::Zero(1, 2), Eigen::VectorXd::Zero(1),
                                              figures::article_grid());
             }) ==
             "figures::gradient_arrows: the arrows (dL/dw, dL/db) need a one-input neuron, this one has 2");

  const gradlab::Trajectory empty;
  BOOST_TEST(message_of<ShapeError>([&] { (void)figures::grid_around(empty); }) ==
             "figures::grid_around: the trajectory must have rows of a one-input neuron ([w, b])");
  BOOST_TEST(message_of<Error>([&] { (void)figures::write_loss_curve(kNoDir, empty, "t"); }) ==
             "figures::write_loss_curve: the trajectory is empty");
  const figures::Surface surface{tiny, Eigen::MatrixXd::Zero(1, 200)};
  BOOST_TEST(
      message_of<ShapeError>([&] { (void)figures::write_landscape(kNoDir, surface, {}, empty, "t"); }) ==
      "figures::write_landscape: needs a non-empty trajectory of a one-input neuron (w, b), got 0 "
      "parameters");
  const gradlab::Trajectory run = gradlab::article::run_gradient_descent();
  figures::Options few;
  few.frames = 1;
  BOOST_TEST(message_of<Error>([&] { (void)figures::write_landscape(kNoDir, surface, {}, run, "t", few); }) ==
             "figures: descent.gif needs at least 2 frames, got 1");
  BOOST_TEST(message_of<Error>([&] { (void)figures::write_optimizer_paths(kNoDir, surface, {}, "t"); }) ==
             "figures::write_optimizer_paths: no optimizer runs given");
  BOOST_TEST(message_of<Error>([&] { (void)figures::write_activation_plots(kNoDir, {}, 1); }) ==
             "figures::write_activation_plots: need at least 2 points, got 1");
}

BOOST_AUTO_TEST_SUITE_END()
