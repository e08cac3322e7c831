#include "gradlab/neuron/article.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Dense>
#include <cmath>

namespace gradlab::article {

Eigen::MatrixXd inputs() { return Eigen::MatrixXd{{0.5}, {2.5}}; }
Eigen::VectorXd targets() { return Eigen::VectorXd{{0.2, 0.9}}; }

std::string data_text() {
  const Eigen::MatrixXd X = inputs();
  const Eigen::VectorXd Y = targets();
  return fmt::format("X = [{}], Y = [{}]", fmt::join(X.reshaped(), ", "), fmt::join(Y, ", "));
}

Neuron start(std::string_view activation, std::string_view loss) {
  return Neuron(Eigen::VectorXd::Constant(1, w0), b0, activation, loss);
}

Neuron start(const Setup& setup) { return Neuron(Eigen::VectorXd::Constant(1, setup.w0), setup.b0); }

Trajectory run_gradient_descent(GradMethod method, const Setup& setup) {
  Neuron n = start(setup);
  auto gd = make_optimizer("gd", {.learning_rate = setup.learning_rate});
  return train(n, inputs(), targets(), *gd, {.max_epochs = setup.epochs, .method = method});
}

Optimum exact_optimum() {
  // logit p = ln(p / (1 - p)) is the inverse of the sigmoid.
  auto logit = [](double p) { return std::log(p / (1.0 - p)); };
  const Eigen::MatrixXd X = inputs();
  const Eigen::VectorXd Y = targets();
  Eigen::Matrix2d A;
  A << X(0, 0), 1.0, X(1, 0), 1.0;
  const Eigen::Vector2d rhs(logit(Y[0]), logit(Y[1]));
  const Eigen::Vector2d wb = A.partialPivLu().solve(rhs);
  return {wb[0], wb[1]};
}

Curvature curvature(const Neuron& neuron) {
  Curvature c;
  c.hessian = neuron.hessian(inputs(), targets());
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(c.hessian, Eigen::EigenvaluesOnly);
  c.eigenvalues = eig.eigenvalues();
  c.max_stable_learning_rate = 2.0 / c.eigenvalues.maxCoeff();
  return c;
}

}  // namespace gradlab::article
