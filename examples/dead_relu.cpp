// The article's setup with ReLU instead of the sigmoid: a dead neuron, then a start that learns.
// At w = 0, b = -8 both pre-activations z = w x + b are -8 < 0, where relu'(z) = 0, so every
// gradient term loss'(f, y) relu'(z) x is exactly 0 and gradient descent never moves.
#include <fmt/format.h>

#include <gradlab/neuron.hpp>

namespace {
void run(gradlab::Neuron n, double eta, const char* title) {
  namespace article = gradlab::article;
  const Eigen::MatrixXd X = article::inputs();
  const Eigen::VectorXd Y = article::targets();
  fmt::print("== {}: w = {}, b = {}, eta = {}\n", title, n.w()[0], n.b(), eta);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    fmt::print("  x = {}: z = w x + b = {}, relu'(z) = {}\n", X(i, 0), n.pre_activation(X.row(i).transpose()),
               n.activation().d(n.pre_activation(X.row(i).transpose())));
  fmt::print("{}", n.cross_check(X, Y).table());
  auto gd = gradlab::make_optimizer("gd", {.learning_rate = eta});
  const gradlab::Trajectory t = gradlab::train(n, X, Y, *gd, {.max_epochs = article::epochs});
  const gradlab::TrajectoryRow& last = t.rows.back();
  fmt::print("after {} epochs: w = {:.17g}, b = {:.17g}, loss = {:.17g}, |gradient| = {:.3g}\n", last.epoch,
             last.theta[0], last.theta[1], last.loss, last.grad.norm());
  const gradlab::TrajectoryRow& first = t.rows.front();
  fmt::print("moved from the start: {}\n\n", last.theta == first.theta ? "no (a dead ReLU)" : "yes");
}
}  // namespace

int main() {
  namespace article = gradlab::article;
  fmt::print("relu neuron f(x) = max(w x + b, 0), L = 1/2 sum (f - y)^2, X = [0.5, 2.5], Y = [0.2, 0.9]\n");
  fmt::print("kink convention: {}\n\n", gradlab::activation("relu").kink);
  run(article::start("relu"), article::learning_rate, "the article's start");
  // With both z > 0 the neuron is linear there: L's Hessian is sum [x^2 x; x 1] with
  // lambda_max = 8, so eta must stay below 2/8; the exact fit is w = 0.35, b = 0.025.
  run(gradlab::Neuron(Eigen::VectorXd::Constant(1, 0.5), 0.5, "relu"), 0.1, "a start that learns");
  return 0;
}
