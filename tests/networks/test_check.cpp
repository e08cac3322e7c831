// The three-way check on random networks of depth 1-4 with every activation and loss, and exact
// Hessian-vector products against finite differences of the gradient.
#include <fmt/format.h>
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "gradlab/networks/check.hpp"
#include "gradlab/networks/random.hpp"

namespace {

/// A random network: depth layers, hidden activation act, output by loss, weights U(-1, 1)-ish.
gradlab::Network random_network(std::size_t depth, const std::string& act, gradlab::NetworkLoss loss,
                                std::uint64_t seed, Eigen::Index inputs, Eigen::Index outputs) {
  gradlab::Architecture arch;
  arch.inputs = inputs;
  arch.activation = act;
  arch.outputs = outputs;
  arch.loss = loss;
  for (std::size_t l = 1; l < depth; ++l)
    arch.hidden.push_back(static_cast<Eigen::Index>(2 + (seed + l) % 3));
  if (loss == gradlab::NetworkLoss::SquaredError)
    arch.output_activation = act;  // exercise act' at the output
  gradlab::Network net = gradlab::make_network(arch, gradlab::Init::Glorot, seed);
  // random biases too, so that no pre-activation sits at a kink by construction
  gradlab::PortableRng rng(seed + 1000);
  gradlab::NetworkParams p = net.params();
  for (auto& L : p)
    for (double& b : L.b) b = rng.uniform(-0.5, 0.5);
  net.set_params(p);
  return net;
}

struct Data {
  Eigen::MatrixXd X, Y;
};
Data sample_data(gradlab::NetworkLoss loss, std::uint64_t seed, Eigen::Index n, Eigen::Index inputs,
                 Eigen::Index outputs) {
  gradlab::PortableRng rng(seed);
  Data d{Eigen::MatrixXd(n, inputs), Eigen::MatrixXd::Zero(n, outputs)};
  for (double& x : d.X.reshaped()) x = rng.uniform(-2.0, 2.0);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (loss == gradlab::NetworkLoss::CrossEntropy)
      d.Y(i, static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(outputs)))) = 1.0;
    else
      for (Eigen::Index k = 0; k < outputs; ++k) d.Y(i, k) = rng.uniform01();
  }
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(check)

BOOST_AUTO_TEST_CASE(autodiff_hand_and_central_differences_agree_on_random_networks) {
  gradlab::register_builtin_activations();
  double worst_autodiff = 0.0, worst_numeric = 0.0;
  int cases = 0;
  for (const std::string& act : gradlab::activation_names())
    for (const auto loss : {gradlab::NetworkLoss::SquaredError, gradlab::NetworkLoss::BinaryCrossEntropy,
                            gradlab::NetworkLoss::CrossEntropy})
      for (std::size_t depth = 1; depth <= 4; ++depth) {
        const std::uint64_t seed = 17 * depth + static_cast<std::uint64_t>(loss) + act.size();
        const Eigen::Index outputs = loss == gradlab::NetworkLoss::CrossEntropy ? 3 : 2;
        const gradlab::Network net = random_network(depth, act, loss, seed, 3, outputs);
        const Data d = sample_data(loss, seed, 7, 3, outputs);
        const gradlab::NetworkCheck c = gradlab::cross_check(net, d.X, d.Y, {.samples = 8, .seed = seed});
        BOOST_TEST_CONTEXT(
            fmt::format("{} depth {} loss {}\n{}", act, depth, gradlab::short_name(loss), c.table())) {
          BOOST_TEST(c.passed());
          BOOST_TEST(c.autodiff_vs_hand.rel <= 1e-9);
          BOOST_TEST(c.composite_vs_hand.rel <= 1e-9);
        }
        worst_autodiff = std::max({worst_autodiff, c.autodiff_vs_hand.rel, c.composite_vs_hand.rel});
        worst_numeric = std::max(worst_numeric, c.numeric_vs_hand.rel);
        ++cases;
      }
  BOOST_TEST_MESSAGE(
      fmt::format("{} networks: worst relative autodiff vs hand {:.1e}, central differences vs hand {:.1e}",
                  cases, worst_autodiff, worst_numeric));
}

BOOST_AUTO_TEST_CASE(a_wrong_hand_formula_would_be_caught) {
  // the check is not vacuous: perturbing one entry of the autodiff gradient fails it
  const gradlab::Network net = random_network(3, "tanh", gradlab::NetworkLoss::CrossEntropy, 5, 3, 3);
  const Data d = sample_data(gradlab::NetworkLoss::CrossEntropy, 5, 6, 3, 3);
  gradlab::NetworkCheck c = gradlab::cross_check(net, d.X, d.Y);
  BOOST_TEST(c.passed());
  c.autodiff_vs_hand.include(c.hand[0] * (1.0 + 1e-7), c.hand[0]);
  BOOST_TEST(!c.passed());
}

BOOST_AUTO_TEST_CASE(hessian_vector_products_match_differences_of_the_gradient) {
  for (const std::string act : {"tanh", "sigmoid", "softplus", "gelu", "elu"})
    for (const auto loss : {gradlab::NetworkLoss::SquaredError, gradlab::NetworkLoss::BinaryCrossEntropy,
                            gradlab::NetworkLoss::CrossEntropy}) {
      const Eigen::Index outputs = loss == gradlab::NetworkLoss::CrossEntropy ? 3 : 1;
      gradlab::Network net = random_network(3, act, loss, 11, 2, outputs);
      const Data d = sample_data(loss, 11, 5, 2, outputs);
      gradlab::PortableRng rng(3);
      Eigen::VectorXd v(net.parameter_count());
      for (double& x : v) x = rng.uniform(-1.0, 1.0);
      const Eigen::VectorXd Hv = gradlab::flatten(net.hvp(d.X, d.Y, gradlab::unflatten(v, net.params())));
      // (g(theta + h v) - g(theta - h v)) / 2h
      const Eigen::VectorXd theta = net.flat_params();
      const double h = 1e-5;
      net.set_flat_params(theta + h * v);
      const Eigen::VectorXd gp = gradlab::flatten(net.hand_gradient(d.X, d.Y).gradient);
      net.set_flat_params(theta - h * v);
      const Eigen::VectorXd gm = gradlab::flatten(net.hand_gradient(d.X, d.Y).gradient);
      const Eigen::VectorXd fd = (gp - gm) / (2 * h);
      BOOST_TEST_CONTEXT(act << " " << gradlab::short_name(loss)) {
        BOOST_TEST((Hv - fd).cwiseAbs().maxCoeff() <= 1e-7 * std::max(1.0, Hv.cwiseAbs().maxCoeff()));
      }
    }
}

BOOST_AUTO_TEST_CASE(hvp_refuses_a_direction_of_another_shape) {
  const gradlab::Network net = random_network(2, "tanh", gradlab::NetworkLoss::SquaredError, 3, 2, 1);
  const Data d = sample_data(gradlab::NetworkLoss::SquaredError, 3, 4, 2, 1);
  gradlab::NetworkParams v = net.params();
  v.pop_back();
  BOOST_CHECK_THROW((void)net.hvp(d.X, d.Y, v), gradlab::ShapeError);
  v = net.params();
  v[1].b.resize(3);
  BOOST_CHECK_THROW((void)net.hvp(d.X, d.Y, v), gradlab::ShapeError);
}

BOOST_AUTO_TEST_CASE(hvp_of_a_linear_least_squares_is_the_exact_hessian) {
  // one linear unit, mse: H = (1/n) [X 1]ᵀ[X 1], so H v is known exactly
  Eigen::MatrixXd X(3, 2);
  X << 1, 2, -1, 0.5, 3, -2;
  const Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(3, 1);
  const gradlab::Network net(2,
                             {{{Eigen::MatrixXd::Constant(1, 2, 0.3), Eigen::VectorXd::Zero(1)}, "linear"}},
                             gradlab::NetworkLoss::SquaredError);
  Eigen::MatrixXd X1(3, 3);
  X1 << X, Eigen::VectorXd::Ones(3);
  const Eigen::MatrixXd H = X1.transpose() * X1 / 3.0;
  Eigen::VectorXd v(3);
  v << 1.0, -2.0, 0.5;
  const Eigen::VectorXd Hv = gradlab::flatten(net.hvp(X, Y, gradlab::unflatten(v, net.params())));
  BOOST_TEST((Hv - H * v).cwiseAbs().maxCoeff() <= 1e-14);
}

BOOST_AUTO_TEST_SUITE_END()
