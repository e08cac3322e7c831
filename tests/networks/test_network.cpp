// Networks: construction, shapes, initialisation, the forward pass and the losses.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>

#include "gradlab/networks/network.hpp"
#include "gradlab/networks/random.hpp"
#include "gradlab/neuron/neuron.hpp"
#include "test_util.hpp"

namespace {
using gradlab::test::contains;
using gradlab::test::message_of;
}  // namespace

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(portable_rng_gives_pinned_numbers) {
  // xoshiro256** seeded by splitmix64: exact integer arithmetic, the same on every machine; the pinned
  // numbers were computed independently (Python integers)
  gradlab::PortableRng rng(1);
  const std::uint64_t first = rng.next();
  const std::uint64_t second = rng.next();
  gradlab::PortableRng again(1);
  BOOST_TEST(again.next() == first);
  BOOST_TEST(again.next() == second);
  BOOST_TEST(first == 12966619160104079557ULL);
  BOOST_TEST(second == 9600361134598540522ULL);
  gradlab::PortableRng u(7);
  for (int k = 0; k < 1000; ++k) {
    const double x = u.uniform01();
    BOOST_TEST_REQUIRE((x >= 0.0 && x < 1.0));
    const double z = u.normal();
    BOOST_TEST_REQUIRE(std::abs(z) <= 6.0);
    BOOST_TEST_REQUIRE(u.below(3) < 3U);
  }
}

BOOST_AUTO_TEST_CASE(initialisation_is_reproducible_and_scaled) {
  gradlab::Architecture arch;
  arch.inputs = 64;
  arch.hidden = {128};
  arch.outputs = 10;
  arch.loss = gradlab::NetworkLoss::CrossEntropy;
  for (const gradlab::Init init :
       {gradlab::Init::Uniform, gradlab::Init::Normal, gradlab::Init::Glorot, gradlab::Init::He}) {
    const gradlab::Network a = gradlab::make_network(arch, init, 42);
    const gradlab::Network b = gradlab::make_network(arch, init, 42);
    const gradlab::Network c = gradlab::make_network(arch, init, 43);
    BOOST_TEST((a.flat_params() == b.flat_params()));
    BOOST_TEST(!(a.flat_params() == c.flat_params()));
    const Eigen::MatrixXd& W = a.layers()[0].p.W;
    const double var = W.array().square().mean();
    double expected = 0.0;
    switch (init) {
      case gradlab::Init::Uniform:
        expected = 1.0 / 64 / 3;
        break;  // a^2/3, a = 1/8
      case gradlab::Init::Normal:
        expected = 1.0 / 64;
        break;
      case gradlab::Init::Glorot:
        expected = 6.0 / (64 + 128) / 3;
        break;  // a^2/3
      case gradlab::Init::He:
        expected = 2.0 / 64;
        break;
      default:
        break;
    }
    BOOST_TEST(var == expected, boost::test_tools::tolerance(0.1));
    BOOST_TEST(a.layers()[0].p.b.isZero());
  }
  const gradlab::Network z = gradlab::make_network(arch, gradlab::Init::Zeros, 1);
  BOOST_TEST(z.flat_params().isZero());
  BOOST_TEST(z.parameter_count() == 64 * 128 + 128 + 128 * 10 + 10);
  BOOST_TEST(z.layers()[0].p.W.rows() == 128);  // out x in, as torch.nn.Linear
  BOOST_TEST(z.layers()[1].activation == "softmax");
  BOOST_TEST(z.entry_name(0) == "layer1.W[0,0]");
  BOOST_TEST(z.entry_name(1) == "layer1.W[1,0]");
  BOOST_TEST(z.entry_name(64 * 128) == "layer1.b[0]");
  BOOST_TEST(z.entry_name(64 * 128 + 128) == "layer2.W[0,0]");
  BOOST_TEST(z.param_names() == (std::vector<std::string>{"layer1.W", "layer1.b", "layer2.W", "layer2.b"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_networks_are_errors_naming_the_layer) {
  using gradlab::DenseLayer;
  const auto layer = [](Eigen::Index out, Eigen::Index in, const char* act) {
    return DenseLayer{{Eigen::MatrixXd::Zero(out, in), Eigen::VectorXd::Zero(out)}, act};
  };
  BOOST_TEST(contains(
      message_of([&] { gradlab::Network(3, {layer(2, 4, "relu")}, gradlab::NetworkLoss::SquaredError); }),
      "layer1.W is 2x4 but must be units x 3"));
  BOOST_TEST(contains(
      message_of([&] {
        gradlab::Network(2, {layer(2, 2, "nope"), layer(1, 2, "linear")}, gradlab::NetworkLoss::SquaredError);
      }),
      "layer1: unknown activation 'nope'"));
  BOOST_TEST(contains(
      message_of([&] { gradlab::Network(2, {layer(3, 2, "linear")}, gradlab::NetworkLoss::CrossEntropy); }),
      "must be softmax"));
  BOOST_TEST(contains(message_of([&] {
                        gradlab::Network(2, {layer(1, 2, "tanh")}, gradlab::NetworkLoss::BinaryCrossEntropy);
                      }),
                      "must be sigmoid"));
  BOOST_TEST(contains(message_of([&] {
                        gradlab::Network(2, {layer(2, 2, "softmax"), layer(2, 2, "softmax")},
                                         gradlab::NetworkLoss::CrossEntropy);
                      }),
                      "layer1 uses softmax"));
  DenseLayer nan = layer(1, 2, "linear");
  nan.p.W(0, 1) = std::nan("");
  BOOST_TEST(contains(message_of([&] { gradlab::Network(2, {nan}, gradlab::NetworkLoss::SquaredError); }),
                      "layer1.W[0,1] is not finite"));
  const gradlab::Network net(2, {layer(1, 2, "linear")}, gradlab::NetworkLoss::SquaredError);
  BOOST_TEST(contains(
      message_of([&] { (void)net.mean_loss(Eigen::MatrixXd::Zero(3, 2), Eigen::MatrixXd::Zero(2, 1)); }),
      "Y is 2x1 but must be 3x1"));
  BOOST_TEST(contains(
      message_of([&] { (void)net.mean_loss(Eigen::MatrixXd::Zero(0, 2), Eigen::MatrixXd::Zero(0, 1)); }),
      "no samples"));
  BOOST_TEST(
      contains(message_of([] { (void)gradlab::network_loss("hinge"); }), "unknown network loss 'hinge'"));
  BOOST_TEST(
      contains(message_of([] { (void)gradlab::init_from_name("lecun"); }), "unknown initialisation 'lecun'"));
}

BOOST_AUTO_TEST_CASE(one_hot_checks_the_labels) {
  Eigen::VectorXd labels(3);
  labels << 2, 0, 1;
  const Eigen::MatrixXd Y = gradlab::one_hot(labels, 3);
  BOOST_TEST(Y(0, 2) == 1.0);
  BOOST_TEST(Y.sum() == 3.0);
  labels[1] = 1.5;
  BOOST_TEST(contains(message_of([&] { (void)gradlab::one_hot(labels, 3); }), "label of row 1 is 1.5"));
  labels[1] = 3;
  BOOST_TEST(contains(message_of([&] { (void)gradlab::one_hot(labels, 3); }), "not a class 0..2"));
}

BOOST_AUTO_TEST_CASE(cross_entropy_is_stable_for_huge_logits) {
  // logits of 1000 would overflow exp; the log-softmax shifts by the row max
  gradlab::DenseLayer out{{Eigen::MatrixXd::Zero(3, 1), Eigen::VectorXd::Zero(3)}, "softmax"};
  out.p.b << 1000.0, 0.0, -1000.0;
  const gradlab::Network net(1, {out}, gradlab::NetworkLoss::CrossEntropy);
  const Eigen::MatrixXd X = Eigen::MatrixXd::Zero(2, 1);
  Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(2, 3);
  Y(0, 0) = 1.0;  // right: loss ~ 0
  Y(1, 1) = 1.0;  // wrong by 1000
  BOOST_TEST(net.mean_loss(X, Y) == 500.0, boost::test_tools::tolerance(1e-12));
  const auto vg = net.value_and_gradient(X, Y);
  BOOST_TEST(vg.value == 500.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(std::isfinite(vg.gradient[0].b.sum()));
  BOOST_TEST(vg.gradient[0].b[1] == -0.5, boost::test_tools::tolerance(1e-12));  // (p - y)/n = (0 - 1)/2
}

BOOST_AUTO_TEST_CASE(no_hidden_layer_is_the_article_neuron) {
  // one sigmoid unit with squared error: the network's gradient is the neuron's formula / n
  Eigen::MatrixXd X(4, 2);
  X << 0.5, -1.0, 2.0, 0.3, -0.7, 0.1, 1.5, 1.5;
  Eigen::VectorXd y(4);
  y << 0.2, 0.9, 0.1, 0.6;
  Eigen::VectorXd w(2);
  w << 0.4, -0.3;
  for (const char* loss : {"squared_error", "binary_cross_entropy"}) {
    const gradlab::Neuron neuron(w, 0.25, "sigmoid", loss);
    gradlab::DenseLayer L{{w.transpose(), Eigen::VectorXd::Constant(1, 0.25)}, "sigmoid"};
    const gradlab::Network net(2, {L}, gradlab::network_loss(loss));
    const Eigen::MatrixXd Y = y;
    const Eigen::VectorXd formula = neuron.gradient(X, y, gradlab::GradMethod::Formula) / 4.0;
    const auto hand = net.hand_gradient(X, Y);
    BOOST_TEST(hand.value == neuron.loss(X, y) / 4.0, boost::test_tools::tolerance(1e-14));
    for (int k = 0; k < 2; ++k)
      BOOST_TEST(hand.gradient[0].W(0, k) == formula[k], boost::test_tools::tolerance(1e-14));
    BOOST_TEST(hand.gradient[0].b[0] == formula[2], boost::test_tools::tolerance(1e-14));
  }
}

BOOST_AUTO_TEST_SUITE_END()
