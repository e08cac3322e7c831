// Training: full batch equals plain gradient steps, mini-batches are reproducible, the validation
// split, and the divergence warning.
#include <boost/test/unit_test.hpp>

#include "gradlab/networks/train.hpp"

namespace {
struct Xor {
  Eigen::MatrixXd X{4, 2};
  Eigen::MatrixXd Y{4, 1};
  Xor() {
    X << 0, 0, 0, 1, 1, 0, 1, 1;
    Y << 0, 1, 1, 0;
  }
};
gradlab::Architecture arch(Eigen::Index inputs, std::vector<Eigen::Index> hidden, const char* act,
                           gradlab::NetworkLoss loss = gradlab::NetworkLoss::SquaredError) {
  gradlab::Architecture a;
  a.inputs = inputs;
  a.hidden = std::move(hidden);
  a.activation = act;
  a.loss = loss;
  return a;
}
gradlab::Architecture xor_arch(Eigen::Index hidden) {
  return arch(2, {hidden}, "tanh", gradlab::NetworkLoss::BinaryCrossEntropy);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(train)

BOOST_AUTO_TEST_CASE(a_full_batch_epoch_is_one_gradient_step) {
  const Xor d;
  gradlab::Network net = gradlab::make_network(xor_arch(3), gradlab::Init::Glorot, 4);
  const Eigen::VectorXd theta0 = net.flat_params();
  const Eigen::VectorXd g = gradlab::flatten(net.hand_gradient(d.X, d.Y).gradient);
  auto opt = gradlab::make_optimizer("gd", {.learning_rate = 0.5});
  const gradlab::NetworkHistory h = gradlab::fit_network(net, d.X, d.Y, *opt, {.epochs = 1});
  BOOST_TEST(h.rows.size() == 2U);
  BOOST_TEST((net.flat_params() - (theta0 - 0.5 * g)).cwiseAbs().maxCoeff() <= 1e-15);
}

BOOST_AUTO_TEST_CASE(xor_is_learned_by_a_wider_hidden_layer) {
  const Xor d;
  gradlab::Network net = gradlab::make_network(xor_arch(4), gradlab::Init::Glorot, 1);
  auto opt = gradlab::make_optimizer("adam", {.learning_rate = 0.05});
  const gradlab::NetworkHistory h = gradlab::fit_network(net, d.X, d.Y, *opt, {.epochs = 500});
  BOOST_TEST(h.rows.back().accuracy == 1.0);
  BOOST_TEST(h.rows.back().loss < 0.05);
  BOOST_TEST(h.warning.empty());
}

BOOST_AUTO_TEST_CASE(mini_batches_are_reproducible_from_the_seed) {
  Eigen::MatrixXd X(10, 2);
  Eigen::MatrixXd Y(10, 1);
  for (int i = 0; i < 10; ++i) {
    X(i, 0) = i * 0.3 - 1.0;
    X(i, 1) = (i % 3) * 0.5;
    Y(i, 0) = X(i, 0) * X(i, 1) + 0.1;
  }
  const gradlab::Architecture a = arch(2, {3}, "tanh");
  const auto run = [&](std::uint64_t seed) {
    gradlab::Network net = gradlab::make_network(a, gradlab::Init::He, 2);
    auto opt = gradlab::make_optimizer("momentum", {.learning_rate = 0.05});
    (void)gradlab::fit_network(net, X, Y, *opt, {.epochs = 5, .batch = 3, .seed = seed});
    return net.flat_params();
  };
  BOOST_TEST((run(1) == run(1)));
  BOOST_TEST(!(run(1) == run(2)));
}

BOOST_AUTO_TEST_CASE(validation_split_holds_out_a_fraction) {
  Eigen::MatrixXd X(10, 1);
  for (int i = 0; i < 10; ++i) X(i, 0) = i;
  const Eigen::MatrixXd Y = 2 * X;
  const gradlab::DataSplit s = gradlab::validation_split(X, Y, 0.2, 3);
  BOOST_TEST(s.X_val.rows() == 2);
  BOOST_TEST(s.X_train.rows() == 8);
  for (Eigen::Index i = 0; i < 2; ++i) BOOST_TEST(s.Y_val(i, 0) == 2 * s.X_val(i, 0));
  BOOST_TEST((s.X_train.sum() + s.X_val.sum() == 45.0));
  BOOST_CHECK_THROW((void)gradlab::validation_split(X, Y, 1.0, 3), gradlab::Error);
  BOOST_CHECK_THROW((void)gradlab::validation_split(X, Y, -0.1, 3), gradlab::Error);
  // validation rows are reported per epoch
  gradlab::Network net = gradlab::make_network(arch(1, {2}, "relu"), gradlab::Init::He, 1);
  auto opt = gradlab::make_optimizer("gd", {.learning_rate = 0.001});
  const auto h = gradlab::fit_network(net, s.X_train, s.Y_train, *opt, {.epochs = 2}, &s.X_val, &s.Y_val);
  BOOST_TEST(h.rows.back().validation_loss.has_value());
  BOOST_TEST(*h.rows.back().validation_loss == net.mean_loss(s.X_val, s.Y_val));
}

BOOST_AUTO_TEST_CASE(divergence_is_warned_about_and_stops_at_a_non_finite_loss) {
  Eigen::MatrixXd X(4, 1);
  X << 10, 20, 30, 40;
  const Eigen::MatrixXd Y = 3 * X;
  gradlab::Network net = gradlab::make_network(arch(1, {2}, "linear"), gradlab::Init::He, 1);
  auto opt = gradlab::make_optimizer("gd", {.learning_rate = 1.0});
  const auto h = gradlab::fit_network(net, X, Y, *opt, {.epochs = 1000});
  BOOST_TEST(!h.warning.empty());
  BOOST_TEST(h.stopped_early);
  BOOST_TEST(h.rows.size() < 1001U);
  BOOST_TEST(h.warning.find("diverged") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
