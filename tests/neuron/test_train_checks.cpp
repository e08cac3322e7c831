// Issue 13, `train`: the closing three-way check has no false DISAGREEMENT (its tolerances follow the
// rounding of the sums it compares) and still catches a wrong factor; its message names the pair, the
// difference and the parameter.
#include <fmt/format.h>
#include <Eigen/Dense>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include <gradlab/neuron.hpp>
#include <gradlab/neuron/article.hpp>
#include <gradlab/neuron/fit.hpp>
#include <random>

using namespace gradlab;

namespace {
/// n samples with two features and 0/1 labels from a noisy line (not separable).
struct Data {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
};
Data noisy_labels(Eigen::Index n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  Data d{Eigen::MatrixXd(n, 2), Eigen::VectorXd(n)};
  for (Eigen::Index i = 0; i < n; ++i) {
    d.X(i, 0) = g(rng);
    d.X(i, 1) = g(rng);
    d.y[i] = d.X(i, 0) + 0.5 * d.X(i, 1) + 0.7 * g(rng) > 0.0 ? 1.0 : 0.0;
  }
  return d;
}

/// Squared error whose hand-derived derivative is wrong by a factor of 2.
struct DoubledSquaredError {
  static constexpr const char* name = "test_doubled_squared_error";
  static constexpr const char* formula = "L(f, y) = 1/2 (f - y)^2";
  static constexpr const char* formula_latex = R"(\tfrac12 (f - y)^2)";
  static constexpr const char* derivative = "dL/df = 2 (f - y)  (wrong)";
  static constexpr const char* derivative_latex = R"(2 (f - y))";
  template <class T, class Y> static T value(const T& f, const Y& y) {
    const T e = f - y;
    return 0.5 * e * e;
  }
  template <class T> static T d(const T& f, double y) { return 2.0 * (f - y); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(train_checks)

// `gradlab train --loss bce --optimizer adam` on 20 000 rows printed DISAGREEMENT although autodiff
// and the formula agreed to 1e-12: the central differences' tolerance was an absolute 1e-6.
BOOST_AUTO_TEST_CASE(correct_gradient_agrees_after_adam_on_20000_rows) {
  const Data d = noisy_labels(20000, 1);
  Neuron n(Eigen::VectorXd::Zero(2), 0.0, "sigmoid", "binary_cross_entropy");
  auto adam = make_optimizer("adam", {.learning_rate = 0.1});
  (void)fit(n, d.X, d.y, *adam, {.epochs = 100});
  const CrossCheckReport r = n.cross_check(d.X, d.y, {"x1", "x2"});
  BOOST_TEST(r.agrees(), r.table() << r.verdict());
  BOOST_TEST(r.verdict().starts_with("the three agree"));
}

// A correct gradient passes at 10^6 rows, at the start and near the optimum (where the gradient is
// small against its terms), for the logit form of BCE and for squared error.
BOOST_AUTO_TEST_CASE(correct_gradient_agrees_at_a_million_rows) {
  const Data d = noisy_labels(1000000, 2);
  for (const char* loss : {"binary_cross_entropy", "squared_error"}) {
    Neuron n(Eigen::VectorXd::Zero(2), 0.0, "sigmoid", loss);
    BOOST_TEST_CONTEXT(loss << " at the start") {
      const CrossCheckReport r = n.cross_check(d.X, d.y);
      BOOST_TEST(r.agrees(), r.table() << r.verdict());
    }
    n.set_params(Eigen::Vector3d(2.6, 1.3, 0.0));  // near the optimum of the data's line
    BOOST_TEST_CONTEXT(loss << " near the optimum") {
      const CrossCheckReport r = n.cross_check(d.X, d.y);
      BOOST_TEST(r.agrees(), r.table() << r.verdict());
    }
  }
}

// Separable data trained long: z is large, so BCE's logit form softplus(z) - y z cancels inside; the
// rounding of each loss is that of its parts, and the check says so instead of DISAGREEMENT.
BOOST_AUTO_TEST_CASE(separable_data_with_large_logits_agree) {
  Data d = noisy_labels(5000, 3);
  for (Eigen::Index i = 0; i < d.y.size(); ++i) d.y[i] = d.X(i, 0) + 0.5 * d.X(i, 1) > 0.0 ? 1.0 : 0.0;
  Neuron n(Eigen::Vector2d(60.0, 30.0), 0.0, "sigmoid", "binary_cross_entropy");
  const CrossCheckReport r = n.cross_check(d.X, d.y);
  BOOST_TEST(r.agrees(), r.table() << r.verdict());
}

// A derivative wrong by a factor of 2 still fails at 10 rows, and the message says which pair, at
// which parameter (by its feature name) and by how much.
BOOST_AUTO_TEST_CASE(a_wrong_factor_of_2_fails_at_10_rows) {
  register_loss<DoubledSquaredError>();
  const Data d = noisy_labels(10, 4);
  Neuron n(Eigen::Vector2d(0.3, -0.2), 0.1, "sigmoid", DoubledSquaredError::name);
  const CrossCheckReport r = n.cross_check(d.X, d.y, {"mean_radius", "age"});
  BOOST_TEST(!r.agrees());
  const auto bad = r.disagreements();
  BOOST_TEST(bad.size() == 9u);  // scalar and matrix autodiff, and central differences, for 3 parameters
  BOOST_TEST(bad[0].pair == "autodiff (scalar nodes) vs hand formula");
  BOOST_TEST(bad[0].parameter == "w[mean_radius]");
  BOOST_TEST(bad[0].difference == std::abs(r.rows[0].autodiff - r.rows[0].formula));
  BOOST_TEST(bad[0].difference > 1e6 * bad[0].tolerance);
  const std::string v = r.verdict();
  BOOST_TEST(v.find("DISAGREEMENT") == 0u, v);
  BOOST_TEST(v.find("central differences vs hand formula at w[age]: they differ by") != std::string::npos, v);
  BOOST_TEST(r.table().find("\nb ") != std::string::npos);
  BOOST_TEST(r.table().find("dL/dw") == std::string::npos);  // rows are named by the parameters
  // The same neuron with the right derivative agrees.
  Neuron right(Eigen::Vector2d(0.3, -0.2), 0.1, "sigmoid", "squared_error");
  BOOST_TEST(right.cross_check(d.X, d.y).agrees());
}

// A NaN anywhere is a disagreement, never an agreement.
BOOST_AUTO_TEST_CASE(nan_never_agrees) {
  CrossCheckReport r;
  r.rows.push_back({"w", std::nan(""), 1.0, 1.0, 1.0, {}, 1.0, 1.0});
  BOOST_TEST(!r.agrees());
  r.rows[0].autodiff = 1.0;
  r.rows[0].numeric_tolerance = std::nan("");
  BOOST_TEST(!r.agrees());
}

// Training that goes wrong says so: each problem by its kind, with its words.
namespace {
std::vector<std::string> kinds(const std::vector<TrainingProblem>& p) {
  std::vector<std::string> k;
  for (const TrainingProblem& q : p) k.push_back(q.kind);
  return k;
}
Data line_data(Eigen::Index n) {  // y = sigmoid(1.5 x - 0.5) on x in [-4, 4]
  Data d{Eigen::MatrixXd(n, 1), Eigen::VectorXd(n)};
  for (Eigen::Index i = 0; i < n; ++i) {
    d.X(i, 0) = -4.0 + 8.0 * static_cast<double>(i) / static_cast<double>(n - 1);
    d.y[i] = 1.0 / (1.0 + std::exp(-(1.5 * d.X(i, 0) - 0.5)));
  }
  return d;
}
}  // namespace

BOOST_AUTO_TEST_CASE(divergence_stops_and_is_named) {
  const Data d = line_data(40);
  Neuron n(Eigen::VectorXd::Constant(1, 0.5), 0.1, "relu", "squared_error");
  auto gd = make_optimizer("gd", {.learning_rate = 100.0});
  const Trajectory t = fit(n, d.X, d.y, *gd, {.epochs = 1000});
  BOOST_TEST(t.stop_reason == "diverged");
  BOOST_TEST(t.rows.size() < 1001u);
  BOOST_TEST(!finite_row(t.rows.back()));
  const auto p = diagnose_training(t, n, d.X, d.y);
  BOOST_TEST(kinds(p) == std::vector<std::string>{"diverged"});
  BOOST_TEST(p.back().message.find(fmt::format("at epoch {}; try a smaller --lr", t.rows.back().epoch)) !=
                 std::string::npos,
             p.back().message);
}

BOOST_AUTO_TEST_CASE(a_start_on_the_kink_is_stuck_and_named) {
  const Data d = line_data(40);
  Neuron n(Eigen::VectorXd::Zero(1), 0.0, "relu", "squared_error");
  auto gd = make_optimizer("gd", {.learning_rate = 1.0});
  const Trajectory t = fit(n, d.X, d.y, *gd, {.epochs = 50});
  BOOST_TEST(t.rows.back().theta.isZero());  // relu'(0) = 0: it never moves
  const auto p = diagnose_training(t, n, d.X, d.y);
  BOOST_TEST(kinds(p) == std::vector<std::string>{"stuck_start"});
  BOOST_TEST(p[0].message.find("every gradient is exactly 0 at the start") == 0u, p[0].message);
  // On the kink the central differences mix both slopes: the check allows for it (no false DISAGREEMENT).
  const CrossCheckReport r = n.cross_check(d.X, d.y);
  BOOST_TEST(r.agrees(), r.table() << r.verdict());
}

BOOST_AUTO_TEST_CASE(the_articles_plateau_is_named) {
  const Trajectory t = article::run_gradient_descent();
  const auto p = diagnose_training(t, article::start(), article::inputs(), article::targets());
  BOOST_TEST(kinds(p) == std::vector<std::string>{"saturated_start"});
  BOOST_TEST(p[0].message.find("the article's plateau") != std::string::npos, p[0].message);
  BOOST_TEST(p[0].message.find("stayed on a plateau until epoch") != std::string::npos, p[0].message);
}

BOOST_AUTO_TEST_CASE(a_rising_loss_is_named) {
  const Data d = line_data(40);
  Neuron n(Eigen::VectorXd::Constant(1, 1.5), -0.5, "sigmoid", "squared_error");  // at the optimum
  auto gd = make_optimizer("gd", {.learning_rate = 1.0});
  Trajectory t = fit(n, d.X, d.y, *gd, {.epochs = 3});
  t.rows.back().loss = t.rows.front().loss + 1.0;  // a loss that ends above its start
  BOOST_TEST(kinds(diagnose_training(t, n, d.X, d.y)) == std::vector<std::string>{"loss_rose"});
}

BOOST_AUTO_TEST_CASE(a_target_outside_the_activations_range_is_named) {
  Data d = line_data(30);
  for (Eigen::Index i = 0; i < 30; ++i) d.y[i] = static_cast<double>(i % 3);  // Iris-like labels 0, 1, 2
  Neuron n(Eigen::VectorXd::Constant(1, 0.1), 0.0, "sigmoid", "squared_error");
  auto gd = make_optimizer("gd", {.learning_rate = 0.1});
  const Trajectory t = fit(n, d.X, d.y, *gd, {.epochs = 5});
  const auto p = diagnose_training(t, n, d.X, d.y, "species");
  BOOST_TEST(kinds(p) == std::vector<std::string>{"target_outside_range"});
  BOOST_TEST(p[0].message.find(
                 "10 of the 30 values of 'species' lie outside [0, 1], the outputs sigmoid can give") == 0u,
             p[0].message);
  // A target the activation can give (0 and 1 with a sigmoid, any with softplus's [0, inf)) is fine.
  for (Eigen::Index i = 0; i < 30; ++i) d.y[i] = static_cast<double>(i % 2);
  BOOST_TEST(diagnose_training(t, n, d.X, d.y).empty());
}

// `gradlab article --w0 --b0 --lr --epochs`: the defaults are the article's, another start is taken.
BOOST_AUTO_TEST_CASE(article_from_another_start) {
  const Trajectory own = article::run_gradient_descent();
  BOOST_TEST(own.rows.size() == 1001u);
  BOOST_TEST(own.rows[0].theta[0] == 0.0);
  BOOST_TEST(own.rows[0].theta[1] == -8.0);
  const Trajectory other = article::run_gradient_descent(
      GradMethod::Formula, {.w0 = -2.0, .b0 = 0.0, .learning_rate = 0.5, .epochs = 10});
  BOOST_TEST(other.rows.size() == 11u);
  BOOST_TEST(other.rows[0].theta[0] == -2.0);
  BOOST_TEST(other.rows[0].theta[1] == 0.0);
  BOOST_TEST(other.loss_convention == "sum");
}

BOOST_AUTO_TEST_SUITE_END()
