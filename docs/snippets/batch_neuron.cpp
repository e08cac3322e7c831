// The batch sigmoid neuron on matrix nodes: L = 1/2 ||sigmoid(X w + b) - y||^2 for a whole data set,
// its gradient (one Eigen expression per op) against the hand formula X^T ((f - y) . f . (1 - f)),
// and its exact Hessian from Hessian-vector products.
#include <fmt/format.h>

#include <gradlab/autodiff.hpp>

int main() {
  const int n = 1000, d = 3;
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(n, d);  // the data stay alive: X refers to them
  const Eigen::VectorXd y = (Eigen::VectorXd::Random(n).array() + 1.0) / 2.0;
  const Eigen::VectorXd w0 = Eigen::VectorXd::Constant(d, 0.3);

  gradlab::Tape& tape = gradlab::Tape::current();
  gradlab::MatVar w = gradlab::matrix_variable(w0);  // an input, d x 1
  gradlab::Var b = tape.variable(0.1);
  gradlab::MatVar Xc = gradlab::matrix_constant(X);  // by reference, no copy
  gradlab::Var L = 0.5 * squared_norm(sigmoid(matmul(Xc, w) + b) - gradlab::matrix_constant(y));
  gradlab::Gradients g = gradlab::backward(L);  // g[w] is d x 1, g[b] a double
  Eigen::MatrixXd H = gradlab::hessian(L, w);   // d x d, exact

  // The hand-derived gradient, for comparison.
  const Eigen::ArrayXd f = 1.0 / (1.0 + (-((X * w0).array() + 0.1)).exp());
  const Eigen::ArrayXd delta = (f - y.array()) * f * (1.0 - f);
  const Eigen::VectorXd dw = X.transpose() * delta.matrix();

  fmt::print("L = {:.6f}\n", L.value());
  fmt::print("max |dL/dw autodiff - hand| = {:.1e}\n", (g[w] - dw).cwiseAbs().maxCoeff());
  fmt::print("|dL/db autodiff - hand| = {:.1e}\n", std::abs(g[b] - delta.sum()));
  fmt::print("Hessian symmetric to {:.1e}\n", (H - H.transpose()).cwiseAbs().maxCoeff());
  return 0;
}
