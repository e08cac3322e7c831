// Training on data: standardisation, fit() against train(), mini-batches, and the example data sets.
#include <unistd.h>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gradlab/neuron/article.hpp"
#include "gradlab/neuron/csv.hpp"
#include "gradlab/neuron/fit.hpp"

using namespace gradlab;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Dataset example(const std::string& name) {
  return select_columns(read_csv(std::string(GRADLAB_SOURCE_DIR) + "/examples/data/" + name));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fit_on_data)

BOOST_AUTO_TEST_CASE(standardization_gives_mean_0_and_sd_1) {
  const Eigen::MatrixXd X{{1.0, 5.0, 2.0}, {3.0, 5.0, -4.0}, {8.0, 5.0, 11.0}};
  const Standardization s = standardization(X);
  const Eigen::MatrixXd Z = s.apply(X);
  for (Eigen::Index j : {0, 2}) {
    BOOST_TEST(std::abs(Z.col(j).mean()) < 1e-15);
    BOOST_TEST(std::abs(std::sqrt(Z.col(j).array().square().mean()) - 1.0) < 1e-15);
  }
  BOOST_TEST(s.mean[0] == 4.0);
  BOOST_TEST(s.scale[1] == 1.0);  // a constant column is only centred
  BOOST_TEST(Z.col(1).isZero());
  BOOST_CHECK_THROW(s.apply(Eigen::MatrixXd::Zero(2, 2)), ShapeError);
}

// The parameters for the raw features: `gradlab train --standardize` printed b_raw from Eigen's dot
// product of two contiguous vectors, whose order of addition (and last digits, with many features)
// depends on the register width. raw_bias adds in order of the features.
BOOST_AUTO_TEST_CASE(raw_parameters_add_in_order_of_the_features) {
  const Eigen::Index d = 37;
  std::srand(3);
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(50, d) * 1e3;
  const gradlab::Standardization s = gradlab::standardization(X);
  const Eigen::VectorXd w = Eigen::VectorXd::Random(d);
  const Eigen::VectorXd raw = s.raw_weights(w);
  double shift = raw[0] * s.mean[0];
  for (Eigen::Index j = 1; j < d; ++j) shift += raw[j] * s.mean[j];
  const double b = s.raw_bias(w, 0.25), expected = 0.25 - shift;
  BOOST_TEST(std::memcmp(&b, &expected, sizeof b) == 0, b << " vs " << expected);
  for (Eigen::Index j = 0; j < d; ++j) BOOST_TEST(raw[j] == w[j] / s.scale[j]);
}

BOOST_AUTO_TEST_CASE(standardization_of_huge_and_tiny_columns) {
  // Magnitudes of 1e200 (whose squares overflow) and spreads of 1e-200 (whose squares underflow).
  const Eigen::MatrixXd X{{1e200, 1e-200, 5.0}, {3e200, 3e-200, 5.0}};
  const Standardization s = standardization(X, {"big", "tiny", "constant"});
  const Eigen::MatrixXd Z = s.apply(X);
  for (Eigen::Index j : {0, 1}) {
    BOOST_TEST(std::abs(Z(0, j) + 1.0) < 1e-15);
    BOOST_TEST(std::abs(Z(1, j) - 1.0) < 1e-15);
  }
  BOOST_TEST(std::abs(s.scale[0] / 1e200 - 1.0) < 1e-15);
  BOOST_TEST(std::abs(s.scale[1] / 1e-200 - 1.0) < 1e-15);
  BOOST_TEST(s.scale[2] == 1.0);
  // A column whose standardized values overflow is an error naming it.
  const Eigen::MatrixXd wide{{1.0, 1.7e308}, {2.0, -1.7e308}, {3.0, -1.7e308}};
  try {
    standardization(wide, {"a", "wide"});
    BOOST_FAIL("no error");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "standardization: column 'wide' cannot be standardized: its values span more than the range "
               "of a double");
  }
  BOOST_CHECK_THROW(standardization(wide), Error);
}

BOOST_AUTO_TEST_CASE(full_batch_fit_is_train_on_the_mean_loss) {
  // fit minimises L / n with eta; train minimises L with eta / n: the same steps.
  const Eigen::MatrixXd X = article::inputs();
  const Eigen::VectorXd y = article::targets();
  Neuron a = article::start();
  Neuron b = article::start();
  auto gd1 = make_optimizer("gd", {.learning_rate = 2.0});
  auto gd2 = make_optimizer("gd", {.learning_rate = 1.0});
  int calls = 0;
  const Trajectory f =
      fit(a, X, y, *gd1, {.epochs = 300, .on_epoch = [&](const TrajectoryRow&) { ++calls; }});
  const Trajectory t = train(b, X, y, *gd2, {.max_epochs = 300});
  BOOST_TEST(calls == 301);
  BOOST_REQUIRE(f.rows.size() == t.rows.size());
  for (std::size_t k = 0; k < f.rows.size(); ++k) {
    BOOST_TEST((f.rows[k].theta - t.rows[k].theta).norm() <= 1e-12 * (1.0 + t.rows[k].theta.norm()));
    BOOST_TEST(std::abs(f.rows[k].loss - t.rows[k].loss / 2.0) <= 1e-13);
    BOOST_TEST((f.rows[k].grad - t.rows[k].grad / 2.0).norm() <= 1e-13);
  }
  BOOST_TEST((a.params() - f.rows.back().theta).norm() == 0.0);
}

BOOST_AUTO_TEST_CASE(mini_batches_are_reproducible_and_shuffled_by_the_seed) {
  const Dataset d = example("classification.csv");
  const auto run = [&](unsigned seed) {
    Neuron n(Eigen::VectorXd::Zero(2), 0.0, "sigmoid", "binary_cross_entropy");
    auto opt = make_optimizer("gd", {.learning_rate = 0.5});
    return fit(n, d.X, d.y, *opt, {.epochs = 5, .batch = 7, .seed = seed}).rows.back().theta;
  };
  BOOST_TEST((run(3) - run(3)).norm() == 0.0);
  BOOST_TEST((run(3) - run(4)).norm() > 1e-6);
}

BOOST_AUTO_TEST_CASE(bad_options) {
  Neuron n = article::start();
  auto gd = make_optimizer("gd");
  BOOST_CHECK_THROW(fit(n, article::inputs(), article::targets(), *gd, {.epochs = -1}), Error);
  BOOST_CHECK_THROW(fit(n, article::inputs(), article::targets(), *gd, {.batch = -2}), Error);
  BOOST_CHECK_THROW(fit(n, Eigen::MatrixXd(0, 1), Eigen::VectorXd(0), *gd), ShapeError);
}

BOOST_AUTO_TEST_CASE(accuracy_counts_the_right_side_of_one_half) {
  const Neuron n(Eigen::VectorXd::Constant(1, 1.0), 0.0);  // f(x) = sigmoid(x)
  const Eigen::MatrixXd X{{-2.0}, {-1.0}, {1.0}, {3.0}};
  BOOST_TEST(accuracy(n, X, Eigen::VectorXd{{0.0, 1.0, 1.0, 1.0}}) == 0.75);
}

#ifdef GRADLAB_MAKE_DATA  // built with the examples
BOOST_AUTO_TEST_CASE(example_data_is_what_the_generator_writes) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("gradlab_make_data_" + std::to_string(::getpid()));
  const std::string cmd = std::string(GRADLAB_MAKE_DATA) + " " + dir.string() + " > /dev/null";
  BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
  for (const char* name : {"regression.csv", "classification.csv"})
    BOOST_TEST(slurp(dir / name) == slurp(std::filesystem::path(GRADLAB_SOURCE_DIR) / "examples/data" / name),
               "examples/data/" << name << " differs from make_example_data's output");
  std::filesystem::remove_all(dir);
}
#endif

// The stated results of `gradlab train` on the example data (see examples/data/README.md).
BOOST_AUTO_TEST_CASE(classification_example_reaches_the_stated_loss) {
  const Dataset d = example("classification.csv");
  BOOST_TEST(d.X.rows() == 100);
  const Eigen::MatrixXd Z = standardization(d.X).apply(d.X);
  Neuron n(Eigen::VectorXd::Zero(2), 0.0, "sigmoid", "binary_cross_entropy");
  auto adam = make_optimizer("adam", {.learning_rate = 0.1});
  const Trajectory t = fit(n, Z, d.y, *adam, {.epochs = 500});
  BOOST_TEST(t.rows.back().loss < 0.28);    // 0.2724 (the clouds overlap: no line separates them)
  BOOST_TEST(accuracy(n, Z, d.y) >= 0.85);  // 0.86
  BOOST_TEST(n.cross_check(Z, d.y).agrees());
}

BOOST_AUTO_TEST_CASE(regression_example_reaches_the_stated_loss) {
  const Dataset d = example("regression.csv");
  Neuron n(Eigen::VectorXd::Zero(1), 0.0, "sigmoid", "squared_error");
  auto gd = make_optimizer("gd", {.learning_rate = 1.0});
  const Trajectory t = fit(n, d.X, d.y, *gd, {.epochs = 2000});
  // The noise has standard deviation 0.03: the best mean 1/2 (f - y)^2 is about 0.03^2 / 2 = 4.5e-4.
  BOOST_TEST(t.rows.back().loss < 6e-4);
  BOOST_TEST(std::abs(n.w()[0] - 1.5) < 0.1);
  BOOST_TEST(std::abs(n.b() + 0.5) < 0.1);
}

BOOST_AUTO_TEST_SUITE_END()
