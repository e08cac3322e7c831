// The optimizers on the article's problem, the article's GD trajectory recomputed independently,
// stopping rules, the factory and the trajectory CSV.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/neuron.hpp>
#include <sstream>

namespace article = gradlab::article;

BOOST_AUTO_TEST_SUITE(optimizers)

// Each optimizer, 1000 epochs from the article's start (w = 0, b = -8, L = 0.4246), gets below
// the stated loss. Momentum and Nesterov reach the plateau L = 0.005 where sigmoid(2.5 w + b)
// saturates towards 1 (1/2 (1 - 0.9)^2); Adagrad, RMSProp and Adam reach the exact optimum.
BOOST_AUTO_TEST_CASE(each_optimizer_gets_below_its_stated_loss) {
  struct Case {
    const char* name;
    double learning_rate;
    double below;
  };
  for (const Case& c : {Case{"gd", 1.0, 0.018}, Case{"momentum", 0.1, 0.0051}, Case{"nesterov", 0.1, 0.0051},
                        Case{"adagrad", 0.5, 1e-12}, Case{"rmsprop", 0.01, 1e-5}, Case{"adam", 0.1, 1e-12}}) {
    gradlab::Neuron n = article::start();
    auto opt = gradlab::make_optimizer(c.name, {.learning_rate = c.learning_rate});
    BOOST_TEST(opt->name() == c.name);
    const gradlab::Trajectory t =
        gradlab::train(n, article::inputs(), article::targets(), *opt, {.max_epochs = 1000});
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(t.rows.size() == 1001u);
      BOOST_TEST(t.rows.front().loss == 0.42463122731619689, boost::test_tools::tolerance(1e-15));
      BOOST_TEST(t.rows.back().loss < c.below);
      BOOST_TEST(t.stop_reason == "max epochs");
      BOOST_TEST((n.params() - t.rows.back().theta).norm() == 0.0);
    }
  }
}

// The article's computation written out independently: per epoch, sum the per-point gradients
// (f - y) f (1 - f) x and (f - y) f (1 - f), then w -= eta dw, b -= eta db.
BOOST_AUTO_TEST_CASE(gd_trajectory_matches_an_independent_computation) {
  const double xs[2] = {0.5, 2.5}, ys[2] = {0.2, 0.9};
  double w = 0.0, b = -8.0;
  std::vector<std::array<double, 5>> expected;  // w, b, loss, dw, db
  for (int epoch = 0; epoch <= 1000; ++epoch) {
    double L = 0, dw = 0, db = 0;
    for (int i = 0; i < 2; ++i) {
      const double f = 1.0 / (1.0 + std::exp(-(w * xs[i] + b)));
      L += 0.5 * (f - ys[i]) * (f - ys[i]);
      dw += (f - ys[i]) * f * (1 - f) * xs[i];
      db += (f - ys[i]) * f * (1 - f);
    }
    expected.push_back({w, b, L, dw, db});
    w -= 1.0 * dw;
    b -= 1.0 * db;
  }
  for (auto method : {gradlab::GradMethod::Formula, gradlab::GradMethod::Autodiff}) {
    const gradlab::Trajectory t = article::run_gradient_descent(method);
    BOOST_REQUIRE_EQUAL(t.rows.size(), expected.size());
    double worst = 0.0;
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const gradlab::TrajectoryRow& r = t.rows[k];
      BOOST_REQUIRE_EQUAL(r.epoch, static_cast<int>(k));
      const double got[5] = {r.theta[0], r.theta[1], r.loss, r.grad[0], r.grad[1]};
      for (int j = 0; j < 5; ++j)
        worst = std::max(worst, std::abs(got[j] - expected[k][static_cast<std::size_t>(j)]));
    }
    BOOST_TEST(worst < 1e-12);
  }
  // The article's end point, as printed by the example.
  BOOST_TEST(expected.back()[0] == 3.2303936061037666, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(expected.back()[1] == -5.7565070699282606, boost::test_tools::tolerance(1e-12));
}

// Two steps of each update rule with a fixed gradient g, against the rules worked out by hand.
BOOST_AUTO_TEST_CASE(update_rules_first_steps) {
  const Eigen::VectorXd g = Eigen::Vector2d(0.5, -2.0);
  auto first_two_steps = [&](const char* name, const gradlab::OptimizerOptions& o) {
    auto opt = gradlab::make_optimizer(name, o);
    opt->reset(2);
    Eigen::VectorXd theta = Eigen::Vector2d(1.0, 1.0);
    opt->step(theta, g);
    opt->step(theta, g);
    return theta;
  };
  const gradlab::OptimizerOptions o{.learning_rate = 0.1};
  auto near = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return (a - b).cwiseAbs().maxCoeff() < 1e-15;
  };
  const Eigen::VectorXd one = Eigen::Vector2d(1.0, 1.0);
  BOOST_TEST(near(first_two_steps("gd", o), one - 0.2 * g));
  BOOST_TEST(near(first_two_steps("momentum", o), one - 0.1 * (1.0 + 1.9) * g));  // v = g, 1.9 g
  BOOST_TEST(near(first_two_steps("nesterov", o), one - 0.1 * ((1.0 + 0.9) + (1.0 + 0.9 * 1.9)) * g));
  const Eigen::VectorXd sgn = g.array().sign();
  BOOST_TEST(near(first_two_steps("adagrad", {.learning_rate = 0.1, .epsilon = 0}),
                  one - 0.1 * (1.0 + 1.0 / std::sqrt(2.0)) * sgn));
  BOOST_TEST(near(first_two_steps("rmsprop", {.learning_rate = 0.1, .epsilon = 0}),
                  one - 0.1 * (1.0 / std::sqrt(0.1) + 1.0 / std::sqrt(0.19)) * sgn));
  BOOST_TEST(near(first_two_steps("adam", {.learning_rate = 0.1, .epsilon = 0}),
                  one - 0.2 * sgn));  // m^ = g, v^ = g^2
}

BOOST_AUTO_TEST_CASE(stopping_rules) {
  auto run = [](const gradlab::TrainOptions& o) {
    gradlab::Neuron n = article::start();
    auto adam = gradlab::make_optimizer("adam", {.learning_rate = 0.1});
    return gradlab::train(n, article::inputs(), article::targets(), *adam, o);
  };
  const gradlab::Trajectory by_loss = run({.max_epochs = 5000, .loss_tolerance = 1e-6});
  BOOST_TEST(by_loss.stop_reason == "loss tolerance");
  BOOST_TEST(by_loss.rows.back().loss < 1e-6);
  BOOST_TEST(by_loss.rows[by_loss.rows.size() - 2].loss >= 1e-6);
  const gradlab::Trajectory by_grad = run({.max_epochs = 5000, .grad_norm_tolerance = 1e-4});
  BOOST_TEST(by_grad.stop_reason == "gradient-norm tolerance");
  BOOST_TEST(by_grad.rows.back().grad.norm() < 1e-4);
  const gradlab::Trajectory by_epochs = run({.max_epochs = 7});
  BOOST_TEST(by_epochs.rows.size() == 8u);
  BOOST_TEST(by_epochs.stop_reason == "max epochs");
  // A dead ReLU has an exactly zero gradient, and a zero tolerance never stops it: it just stays put.
  gradlab::Neuron dead = article::start("relu");
  auto gd = gradlab::make_optimizer("gd");
  const gradlab::Trajectory d =
      gradlab::train(dead, article::inputs(), article::targets(), *gd, {.max_epochs = 1000});
  BOOST_TEST(d.rows.size() == 1001u);
  BOOST_TEST(d.rows.back().grad.norm() == 0.0);
  BOOST_TEST(d.rows.back().theta[0] == 0.0);
  BOOST_TEST(d.rows.back().theta[1] == -8.0);
}

BOOST_AUTO_TEST_CASE(factory_names_and_errors) {
  const std::vector<std::string> names = gradlab::optimizer_names();
  const std::vector<std::string> expected{"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
  try {
    (void)gradlab::make_optimizer("sgd");
    BOOST_FAIL("no error for an unknown optimizer");
  } catch (const gradlab::Error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "unknown optimizer 'sgd'; known optimizers: gd, momentum, nesterov, adagrad, rmsprop, adam");
  }
}

BOOST_AUTO_TEST_CASE(trajectory_csv) {
  gradlab::Neuron n = article::start();
  auto gd = gradlab::make_optimizer("gd");
  const gradlab::Trajectory t =
      gradlab::train(n, article::inputs(), article::targets(), *gd, {.max_epochs = 2});
  std::ostringstream out;
  gradlab::write_trajectory_csv(out, t);
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  BOOST_TEST(line == "epoch,w,b,loss_sum,dloss_sum_dw,dloss_sum_db");  // train(): the summed loss
  std::getline(in, line);
  // 17 significant digits ('g' drops trailing zeros), which read back to the same doubles. (The
  // gradient's last digits are those of sigmoid's value with gradlab's own exp, the same in every build.)
  BOOST_TEST(line == "0,0,-8,0.4246312273161969,-0.00078747126028783825,-0.0003685365938388708");
  BOOST_TEST(std::stod("-0.0003685365938388708") == t.rows[0].grad[1]);
  int rows = 1;
  while (std::getline(in, line)) ++rows;
  BOOST_TEST(rows == 3);
  // Several inputs: one column per weight.
  gradlab::Neuron n2(Eigen::VectorXd::Zero(2), 0.0);
  const gradlab::Trajectory t2 =
      gradlab::train(n2, Eigen::MatrixXd::Ones(1, 2), Eigen::VectorXd::Ones(1), *gd, {.max_epochs = 0});
  std::ostringstream out2;
  gradlab::write_trajectory_csv(out2, t2);
  BOOST_TEST(out2.str().substr(0, out2.str().find('\n')) ==
             "epoch,w1,w2,b,loss_sum,dloss_sum_dw1,dloss_sum_dw2,dloss_sum_db");
  BOOST_CHECK_THROW(gradlab::write_trajectory_csv("/nonexistent-dir/t.csv", t), gradlab::Error);
}

BOOST_AUTO_TEST_SUITE_END()
