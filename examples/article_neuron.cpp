// The sigmoid-neuron article, reproduced: full-batch gradient descent on X = [0.5, 2.5],
// Y = [0.2, 0.9] from w = 0, b = -8 with eta = 1.0 for 1000 epochs, the gradient checked three
// ways along the way, compared with the exact optimum and the curvature there.
//
//   article_neuron [trajectory.csv]    (writes the trajectory when a path is given)
#include <fmt/format.h>

#include <gradlab/neuron.hpp>

int main(int argc, char** argv) {
  namespace article = gradlab::article;
  const Eigen::MatrixXd X = article::inputs();
  const Eigen::VectorXd Y = article::targets();
  fmt::print("sigmoid neuron f(x) = sigmoid(w x + b), L = 1/2 sum (f - y)^2\n");
  fmt::print("data X = [0.5, 2.5], Y = [0.2, 0.9]; start w = {}, b = {}; eta = {}; {} epochs\n\n",
             article::w0, article::b0, article::learning_rate, article::epochs);

  const gradlab::Trajectory t = article::run_gradient_descent();
  if (argc > 1) {
    gradlab::write_trajectory_csv(argv[1], t);
    fmt::print("trajectory written to {}\n\n", argv[1]);
  }

  // The gradient three ways at several epochs of the run.
  gradlab::Neuron n = article::start();
  for (int epoch : {0, 1, 10, 100, 1000}) {
    const gradlab::TrajectoryRow& row = t.rows.at(static_cast<std::size_t>(epoch));
    n.set_params(row.theta);
    fmt::print("epoch {}: w = {:.17g}, b = {:.17g}, loss = {:.17g}\n", epoch, row.theta[0], row.theta[1],
               row.loss);
    fmt::print("{}\n", n.cross_check(X, Y).table());
  }

  const gradlab::TrajectoryRow& last = t.rows.back();
  fmt::print("final (epoch {}): w = {:.17g}  b = {:.17g}  loss = {:.17g}\n", last.epoch, last.theta[0],
             last.theta[1], last.loss);

  const article::Optimum opt = article::exact_optimum();
  n.set_params(Eigen::Vector2d(opt.w, opt.b));
  fmt::print("exact optimum:     w = {:.17g}  b = {:.17g}  loss = {:.3g}\n", opt.w, opt.b, n.loss(X, Y));
  fmt::print("  (sigmoid(0.5 w + b) = {:.17g}, sigmoid(2.5 w + b) = {:.17g})\n",
             n.forward(Eigen::VectorXd{{0.5}}), n.forward(Eigen::VectorXd{{2.5}}));
  fmt::print("distance from GD's final point: |dw| = {:.3g}, |db| = {:.3g}\n\n",
             std::abs(last.theta[0] - opt.w), std::abs(last.theta[1] - opt.b));

  const article::Curvature c = article::curvature(n);
  fmt::print("Hessian at the optimum (autodiff of autodiff):\n");
  fmt::print("  [{:>22.17g} {:>22.17g}]\n  [{:>22.17g} {:>22.17g}]\n", c.hessian(0, 0), c.hessian(0, 1),
             c.hessian(1, 0), c.hessian(1, 1));
  fmt::print("eigenvalues: {:.17g}, {:.17g}\n", c.eigenvalues[0], c.eigenvalues[1]);
  fmt::print("stable learning rate bound 2/lambda_max = {:.17g} (the article's eta = {} is {})\n",
             c.max_stable_learning_rate, article::learning_rate,
             article::learning_rate < c.max_stable_learning_rate ? "below it: stable near the optimum"
                                                                 : "above it: unstable near the optimum");
  return 0;
}
