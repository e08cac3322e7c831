// The learning-rate bound 2/λmax on a real network. Near a minimum θ* the loss is about
// L* + ½ (θ − θ*)ᵀ H (θ − θ*), and a gradient-descent step multiplies the component of θ − θ*
// along an eigenvector of H with eigenvalue λ by (1 − η λ). The steps shrink every component only
// when |1 − η λ| < 1 for every λ, that is when η < 2/λmax. λmax comes from power iteration on
// exact Hessian-vector products (Network::hvp: autodiff of the recorded backward pass), checked
// against the eigenvalues of the whole Hessian built from one product per unit vector. Then
// gradient descent starts a little off θ*, along the top eigenvector, at η just below and just
// above the bound.
#include <fmt/format.h>

#include <limits>
#include <string>

#include <Eigen/Eigenvalues>
#include <cmath>

#include <gradlab/networks/random.hpp>
#include <gradlab/networks/train.hpp>

namespace {

/// H v for a flat direction v.
Eigen::VectorXd hessian_times(const gradlab::Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                              const Eigen::VectorXd& v) {
  return gradlab::flatten(net.hvp(X, Y, gradlab::unflatten(v, net.params())));
}

/// The whole Hessian, column k = H e_k, symmetrised (it is symmetric to rounding: printed below).
Eigen::MatrixXd hessian(const gradlab::Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) {
  const Eigen::Index p = net.parameter_count();
  Eigen::MatrixXd H(p, p);
  for (Eigen::Index k = 0; k < p; ++k) H.col(k) = hessian_times(net, X, Y, Eigen::VectorXd::Unit(p, k));
  return 0.5 * (H + H.transpose());
}

}  // namespace

int main() {
  // A 1-3-1 tanh network with Glorot weights from seed 1 is the teacher: the targets are its own
  // outputs at 40 points of [-2, 2], so its parameters θ* are a minimum of the mean squared error
  // with loss 0 (and gradient exactly 0), and the Hessian there is (2/n) Jᵀ J / 2 = Jᵀ J / n, positive
  // definite when the 10 columns of the Jacobian J are independent.
  const int n = 40;
  Eigen::MatrixXd X(n, 1);
  for (int i = 0; i < n; ++i) X(i, 0) = -2.0 + 4.0 * i / (n - 1);
  gradlab::Architecture arch;
  arch.hidden = {3};
  arch.activation = "tanh";
  gradlab::Network net = gradlab::make_network(arch, gradlab::Init::Glorot, 1);
  const Eigen::MatrixXd Y = net.predict(X);
  const Eigen::VectorXd theta = net.flat_params();
  const double loss = net.mean_loss(X, Y);
  fmt::print("network 1 -> 3 tanh -> 1 linear, {} parameters, mean squared error on {} samples\n",
             theta.size(), n);
  fmt::print("at theta* (the targets are its outputs): loss {}, |gradient| {}\n", loss,
             gradlab::flatten(net.value_and_gradient(X, Y).gradient).norm());

  // 2. λmax by power iteration on exact Hessian-vector products
  gradlab::PortableRng rng(7);
  Eigen::VectorXd v(theta.size());
  for (Eigen::Index k = 0; k < v.size(); ++k) v[k] = rng.normal();
  v.normalize();
  double lambda = 0.0;
  int iterations = 0;
  for (; iterations < 1000; ++iterations) {
    const Eigen::VectorXd hv = hessian_times(net, X, Y, v);
    const double next = v.dot(hv);  // the Rayleigh quotient
    v = hv.normalized();
    const bool converged = std::abs(next - lambda) <= 1e-13 * std::abs(next);
    lambda = next;
    if (converged) break;
  }
  fmt::print("power iteration on H v: lambda_max = {:.12g} after {} products\n", lambda, iterations + 1);

  // the same from the whole Hessian
  const Eigen::MatrixXd H = hessian(net, X, Y);
  const Eigen::VectorXd eig = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H).eigenvalues();
  // An eigenvalue within rounding of 0 (|lambda| <= 64 n eps lambda_max) has no sign worth reading:
  // its digits are noise that changes with the order of the solver's sums.
  const double top = eig[eig.size() - 1];
  const double rounding = 64.0 * static_cast<double>(H.cols()) * std::numeric_limits<double>::epsilon() * top;
  const std::string smallest = std::abs(eig[0]) <= rounding ? fmt::format("0 (within {:.1e})", rounding)
                                                            : fmt::format("{:.3e}", eig[0]);
  const char* verdict = eig[0] > rounding     ? "all > 0: a minimum"
                        : eig[0] >= -rounding ? "all >= 0 within rounding: flat along some direction"
                                              : "one < 0: NOT a minimum";
  fmt::print("whole Hessian ({} products): eigenvalues from {} to {:.12g} ({})\n", H.cols(), smallest, top,
             verdict);
  fmt::print("the two lambda_max agree to {:.1e} relative\n",
             std::abs(lambda - eig[eig.size() - 1]) / lambda);
  const double bound = 2.0 / lambda;
  fmt::print("learning-rate bound 2/lambda_max = {:.6g}\n", bound);

  // 3. gradient descent from theta* + 1e-4 v at 0.95 and 1.05 times the bound
  fmt::print("\ngradient descent from theta* moved by 1e-4 along the top eigenvector v:\n");
  fmt::print("{:>15} {:>6} {:>19} {:>12}\n", "eta", "epoch", "(theta - theta*).v", "loss");
  for (const double factor : {0.95, 1.05}) {
    const double eta = factor * bound;
    net.set_flat_params(theta + 1e-4 * v);
    auto gd = gradlab::make_optimizer("gd", {.learning_rate = eta});
    gradlab::NetworkFitOptions fo;
    fo.epochs = 200;
    double largest = 0.0;  // the largest |offset along v| of the run
    fo.on_epoch = [&](const gradlab::EpochRow& r) {
      const double along = (net.flat_params() - theta).dot(v);
      largest = std::max(largest, std::abs(along));
      if (r.epoch % 40 == 0)
        fmt::print("{:>15} {:>6} {:>19.3e} {:>12.3e}\n", fmt::format("{:.4g} ({}x)", eta, factor), r.epoch,
                   along, r.loss);
    };
    gradlab::fit_network(net, X, Y, *gd, fo);
    fmt::print("eta = {} x bound: the offset {}; |theta - theta*| at the end: {:.1e}\n", factor,
               largest < 1.5e-4
                   ? "only shrank (by |1 - eta lambda| = 0.9 per step): theta* is stable"
                   : fmt::format("grew (by |1 - eta lambda| = 1.1 per step) to {:.1e}: theta* is unstable, "
                                 "the steps left it",
                                 largest),
               (net.flat_params() - theta).norm());
  }
  return 0;
}
