// The course exercises' reference solutions, checked by the checker, and the checker itself: its
// verdicts and hints on known-wrong answers.
#define BOOST_TEST_MODULE gradlab_exercises
#include <fmt/format.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "checker.hpp"
#include "exercises.hpp"

namespace ex = gradlab::exercises;
using ex::Grad;
using ex::Report;

namespace {

double sigma(double z) { return 1.0 / (1.0 + std::exp(-z)); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The report's hints, joined, for messages when an assertion fails.
std::string hints(const Report& r) {
  std::string out;
  for (const std::string& h : r.hints) out += h + "\n";
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  BOOST_TEST_REQUIRE(in.good(), "cannot open " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Report> solution_reports() {
  return {ex::check_sigmoid_derivative(ex::sigmoid_derivative),
          ex::check_one_point(ex::one_point_grad),
          ex::check_data_set(ex::data_set_grad),
          ex::check_tanh_neuron(ex::tanh_neuron_grad),
          ex::check_relu_neuron(ex::relu_neuron_grad),
          ex::check_bce_sigmoid(ex::bce_sigmoid_grad),
          ex::check_softmax_ce_delta(ex::softmax_ce_delta),
          ex::check_hidden_layer_grad(ex::hidden_layer_grad)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(solutions)

BOOST_AUTO_TEST_CASE(every_solution_passes_the_checker) {
  int number = 1;
  for (const Report& r : solution_reports()) {
    BOOST_TEST(r.exercise == number++);
    BOOST_TEST(r.passed(), r.message());
    BOOST_TEST(r.samples.size() == 200u);
    BOOST_TEST(contains(r.message(), "passed at 200 points"));
  }
}

// The third way: the hand-derived solutions against central differences of the loss itself.
BOOST_AUTO_TEST_CASE(solutions_agree_with_central_differences) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-2.0, 2.0), y01(0.0, 1.0);
  const double h = 1e-5;
  auto check = [&](auto loss, auto student, const char* name) {
    for (int i = 0; i < 50; ++i) {
      const double w = u(rng), b = u(rng), x = u(rng), y = y01(rng);
      if (std::abs(w * x + b) < 1e-3) continue;  // not across relu's kink
      const Grad g = student(w, b, x, y);
      const double dw = (loss(w + h, b, x, y) - loss(w - h, b, x, y)) / (2 * h);
      const double db = (loss(w, b + h, x, y) - loss(w, b - h, x, y)) / (2 * h);
      BOOST_TEST(std::abs(g.dw - dw) <= 1e-8 + 1e-6 * std::abs(dw),
                 name << " dL/dw at w=" << w << " b=" << b);
      BOOST_TEST(std::abs(g.db - db) <= 1e-8 + 1e-6 * std::abs(db),
                 name << " dL/db at w=" << w << " b=" << b);
    }
  };
  auto squared = [](auto act) {
    return [act](double w, double b, double x, double y) { return 0.5 * std::pow(act(w * x + b) - y, 2); };
  };
  check(squared(sigma), ex::one_point_grad, "sigmoid");
  check(squared([](double z) { return std::tanh(z); }), ex::tanh_neuron_grad, "tanh");
  check(squared([](double z) { return std::max(z, 0.0); }), ex::relu_neuron_grad, "relu");
  check(
      [](double w, double b, double x, double y) {
        const double f = sigma(w * x + b);
        return -(y * std::log(f) + (1 - y) * std::log(1 - f));
      },
      ex::bce_sigmoid_grad, "bce");
  for (int i = 0; i < 50; ++i) {
    const double z = 3 * u(rng);
    const double d = (sigma(z + h) - sigma(z - h)) / (2 * h);
    BOOST_TEST(std::abs(ex::sigmoid_derivative(z) - d) <= 1e-9, "sigma'(" << z << ")");
  }
  const std::vector<double> xs{0.5, 2.5, -1.0}, ys{0.2, 0.9, 0.4};
  const Grad sum = ex::data_set_grad(0.3, -1.0, xs, ys);
  Grad by_point{0, 0};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Grad g = ex::one_point_grad(0.3, -1.0, xs[i], ys[i]);
    by_point.dw += g.dw;
    by_point.db += g.db;
  }
  BOOST_TEST(std::abs(sum.dw - by_point.dw) <= 1e-15);
  BOOST_TEST(std::abs(sum.db - by_point.db) <= 1e-15);
}

// Each exercise's file exists beside its solution, and the stub states its task.
BOOST_AUTO_TEST_CASE(stub_files_carry_their_todo) {
  for (const Report& r : solution_reports()) {
    const std::string stub = read(std::string(GRADLAB_EXERCISES_DIR) + "/" + r.file);
    const std::string solution = read(std::string(GRADLAB_EXERCISES_DIR) + "/solutions/" + r.file);
    BOOST_TEST(contains(stub, fmt::format("// TODO(exercise {}): ", r.exercise)), r.file);
    BOOST_TEST(!contains(solution, "TODO("), r.file);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(checker_on_wrong_answers)

// L = ½ (f − y)² but the student forgot that the ½ cancels the 2: twice the gradient.
BOOST_AUTO_TEST_CASE(factor_two_lost_a_half) {
  const Report r = ex::check_one_point([](double w, double b, double x, double y) {
    const Grad g = ex::one_point_grad(w, b, x, y);
    return Grad{2 * g.dw, 2 * g.db};
  });
  BOOST_TEST(!r.passed());
  BOOST_TEST(r.wrong == 200u);
  BOOST_TEST_REQUIRE(r.hints.size() == 2u);
  BOOST_TEST(r.hints[0] ==
             "∂L/∂w: received / expected = 2 at every point: twice the right size: lost a 1/2? "
             "(the 1/2 of ½ u² cancels the 2 of d/du u² = 2u)");
  BOOST_TEST(contains(r.hints[1], "∂L/∂b: received / expected = 2 at every point"));
  // The message shows the first point and both values, exactly.
  const ex::Sample& s = r.samples.front();
  const std::string m = r.message();
  BOOST_TEST(contains(m, "WRONG at 200 of 200 points. The first: " + s.point + "\n"), m);
  BOOST_TEST(contains(m, fmt::format("∂L/∂w: expected {}, received {}\n", s.expected[0], s.received[0])), m);
  BOOST_TEST(contains(m, "  hint  ∂L/∂w: received / expected = 2"), m);
}

BOOST_AUTO_TEST_CASE(sign_flip) {
  const Report r = ex::check_one_point([](double w, double b, double x, double y) {
    const double f = sigma(w * x + b);
    const double dz = (y - f) * f * (1 - f);  // (y − f) instead of (f − y)
    return Grad{dz * x, dz};
  });
  BOOST_TEST_REQUIRE(r.hints.size() == 2u);
  BOOST_TEST(r.hints[0] == "∂L/∂w: received / expected = -1 at every point: the sign is flipped", hints(r));
  BOOST_TEST(r.hints[1] == "∂L/∂b: received / expected = -1 at every point: the sign is flipped", hints(r));
}

BOOST_AUTO_TEST_CASE(missing_factor_x) {
  const Report r = ex::check_one_point([](double w, double b, double x, double y) {
    const double f = sigma(w * x + b);
    const double dz = (f - y) * f * (1 - f);
    return Grad{dz, dz};  // ∂L/∂w without ∂z/∂w = x
  });
  BOOST_TEST_REQUIRE(r.hints.size() == 1u, hints(r));
  BOOST_TEST(
      r.hints[0] ==
      "∂L/∂w: received / expected = 1/x at every point: a factor x is missing (∂z/∂w = x for z = w·x + b)");
  BOOST_TEST(contains(r.message(), "(right)"), "∂L/∂b is marked right: " << r.message());
}

BOOST_AUTO_TEST_CASE(twice_and_missing_x) {
  const Report r = ex::check_one_point([](double w, double b, double x, double y) {
    const Grad g = ex::one_point_grad(w, b, x, y);
    return Grad{x == 0 ? 0.0 : -2 * g.dw / x, g.db};
  });
  BOOST_TEST_REQUIRE(r.hints.size() == 1u, hints(r));
  BOOST_TEST(contains(r.hints[0], "= -2/x at every point: the sign is flipped; twice the right size"),
             hints(r));
  BOOST_TEST(contains(r.hints[0], "a factor x is missing"), hints(r));
}

// BCE with the squared error's formula: the factor σ'(z) that should have cancelled is still there.
BOOST_AUTO_TEST_CASE(bce_factor_that_cancels) {
  const Report r = ex::check_bce_sigmoid(ex::one_point_grad);
  BOOST_TEST_REQUIRE(r.hints.size() == 2u, hints(r));
  BOOST_TEST(
      r.hints[1] ==
      "∂L/∂b: received / expected = σ'(z) at every point: an extra factor σ'(z) (for this loss ∂L/∂f = "
      "(f − y) / (f (1 − f)), so σ'(z) = f (1 − f) cancels)");
}

BOOST_AUTO_TEST_CASE(averaged_instead_of_summed) {
  const Report r =
      ex::check_data_set([](double w, double b, std::span<const double> xs, std::span<const double> ys) {
        const Grad g = ex::data_set_grad(w, b, xs, ys);
        const double n = double(xs.size());
        return Grad{g.dw / n, g.db / n};
      });
  BOOST_TEST_REQUIRE(r.hints.size() == 2u, hints(r));
  BOOST_TEST(
      r.hints[0] ==
      "∂L/∂w: received / expected = 1/n at every point: a factor n is missing (L sums over the n points; "
      "sum, do not average)");
}

BOOST_AUTO_TEST_CASE(additive_constant) {
  const Report r = ex::check_sigmoid_derivative([](double z) { return ex::sigmoid_derivative(z) + 0.25; });
  BOOST_TEST_REQUIRE(r.hints.size() == 1u);
  BOOST_TEST(r.hints[0] == "σ'(z): received − expected = 1/4 at every point: off by an additive constant");
}

BOOST_AUTO_TEST_CASE(swapped_outputs) {
  const Report r = ex::check_tanh_neuron([](double w, double b, double x, double y) {
    const Grad g = ex::tanh_neuron_grad(w, b, x, y);
    return Grad{g.db, g.dw};
  });
  BOOST_TEST_REQUIRE(r.hints.size() == 2u);
  BOOST_TEST(r.hints[0] ==
             "∂L/∂w: received ∂L/∂w equals the expected ∂L/∂b at every point: are the two swapped?");
}

BOOST_AUTO_TEST_CASE(relu_kink_taken_as_one) {
  const Report r = ex::check_relu_neuron([](double w, double b, double x, double y) {
    const double z = w * x + b;
    const double dz = (std::max(z, 0.0) - y) * (z >= 0 ? 1.0 : 0.0);  // relu'(0) = 1: not gradlab's choice
    return Grad{dz * x, dz};
  });
  BOOST_TEST(!r.passed());
  BOOST_TEST(r.wrong >= 40u);  // every fourth point is on the kink, where y > 0 makes the error visible
  BOOST_TEST_REQUIRE(r.hints.size() == 2u);
  BOOST_TEST(r.hints[1] ==
             "∂L/∂b: right everywhere except where z = w·x + b = 0, the kink: gradlab, like PyTorch, takes "
             "relu'(0) = 0 (so ∂L/∂w = ∂L/∂b = 0)");
}

BOOST_AUTO_TEST_CASE(relu_without_its_derivative) {
  const Report r = ex::check_relu_neuron([](double w, double b, double x, double y) {
    const double dz = std::max(w * x + b, 0.0) - y;  // relu'(z) forgotten
    return Grad{dz * x, dz};
  });
  BOOST_TEST_REQUIRE(r.hints.size() == 2u);
  BOOST_TEST(contains(r.hints[1], "wrong only where the expected value is 0"), hints(r));
}

BOOST_AUTO_TEST_CASE(stub_that_returns_zero) {
  const Report r = ex::check_sigmoid_derivative([](double) { return 0.0; });
  BOOST_TEST_REQUIRE(r.hints.size() == 1u);
  BOOST_TEST(r.hints[0] ==
             "σ'(z): received 0 at every point: fill in the TODO(exercise 1) in ex1_sigmoid_derivative.cpp");
}

BOOST_AUTO_TEST_CASE(not_a_number) {
  const Report r = ex::check_sigmoid_derivative([](double z) { return std::log(z) * 0 + 0.25; });
  BOOST_TEST_REQUIRE(r.hints.size() == 1u);
  BOOST_TEST(contains(r.hints[0], "nan at z = -"), hints(r));
  BOOST_TEST(contains(r.hints[0], "a division by zero, or a log or sqrt out of its domain?"), hints(r));
}

BOOST_AUTO_TEST_CASE(no_simple_pattern) {
  const Report r = ex::check_tanh_neuron([](double w, double b, double x, double y) {
    const double f = std::tanh(w * x + b);
    const double dz = (f - y) * f * (1 - f);  // the sigmoid's derivative rule used for tanh
    return Grad{dz * x, dz};
  });
  BOOST_TEST_REQUIRE(r.hints.size() == 2u);
  BOOST_TEST(contains(r.hints[1],
                      "and no simple pattern (not a constant factor, a sign, a missing or extra factor "
                      "x, tanh'(z), f − y, or an additive constant)"),
             hints(r));
}

// A tiny relative error is caught (the tolerance is far below a factor of 2); rounding is not.
BOOST_AUTO_TEST_CASE(tolerance_is_tight) {
  const Report off =
      ex::check_sigmoid_derivative([](double z) { return ex::sigmoid_derivative(z) * (1 + 1e-7); });
  BOOST_TEST(!off.passed());
  BOOST_TEST(
      off.hints.at(0) ==
          "σ'(z): received / expected = 1.0000001 at every point: off by the constant factor 1.0000001",
      hints(off));
  const Report rounding =
      ex::check_sigmoid_derivative([](double z) { return ex::sigmoid_derivative(z) * (1 + 1e-13); });
  BOOST_TEST(rounding.passed(), rounding.message());
}

BOOST_AUTO_TEST_CASE(function_that_throws) {
  const Report r = ex::check_sigmoid_derivative([](double z) -> double {
    if (z > 1) throw std::runtime_error("not done yet");
    return ex::sigmoid_derivative(z);
  });
  BOOST_TEST(!r.passed());
  BOOST_TEST(contains(r.error, "your function threw at z = "), r.error);
  BOOST_TEST(contains(r.message(), ": not done yet\n"), r.message());
  BOOST_TEST(contains(r.message(), "  ERROR: your function threw"), r.message());
}

BOOST_AUTO_TEST_SUITE_END()

// Exercises 7 and 8 (networks): the third way, central differences of the loss itself, and the
// diagnoses of the known mistakes.
namespace {
double softmax_ce_value(const Eigen::VectorXd& z, int label) {
  return std::log(z.array().exp().sum()) - z[label];
}
double network_loss(const Eigen::MatrixXd& W1, const Eigen::VectorXd& b1, const Eigen::MatrixXd& W2,
                    const Eigen::VectorXd& b2, const Eigen::MatrixXd& X, const std::vector<int>& labels) {
  double total = 0.0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const Eigen::VectorXd a1 = (W1 * X.row(i).transpose() + b1).array().tanh().matrix();
    total += softmax_ce_value(W2 * a1 + b2, labels[std::size_t(i)]);
  }
  return total / double(X.rows());
}
struct Net {
  Eigen::MatrixXd W1{{0.5, -0.25}, {0.75, 0.5}, {-1.0, 0.25}};
  Eigen::VectorXd b1{{0.1, -0.2, 0.3}};
  Eigen::MatrixXd W2{{1.0, -0.5, 0.25}, {0.5, 0.75, -1.0}, {-0.25, 0.5, 0.5}};
  Eigen::VectorXd b2{{0.0, 0.1, -0.1}};
  Eigen::MatrixXd X{{1.0, -1.0}, {0.5, 2.0}, {-1.5, 0.25}};
  std::vector<int> labels{0, 2, 1};
};
}  // namespace

BOOST_AUTO_TEST_SUITE(network_exercises)

BOOST_AUTO_TEST_CASE(solutions_agree_with_central_differences) {
  const double h = 1e-6;
  const Eigen::VectorXd z{{0.5, -1.0, 2.0}};
  const Eigen::VectorXd delta = ex::softmax_ce_delta(z, 1);
  for (Eigen::Index k = 0; k < 3; ++k) {
    Eigen::VectorXd zp = z, zm = z;
    zp[k] += h;
    zm[k] -= h;
    BOOST_TEST(std::abs(delta[k] - (softmax_ce_value(zp, 1) - softmax_ce_value(zm, 1)) / (2 * h)) <= 1e-8);
  }
  const Net n;
  const Eigen::MatrixXd g = ex::hidden_layer_grad(n.W1, n.b1, n.W2, n.b2, n.X, n.labels);
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 2; ++j) {
      Eigen::MatrixXd Wp = n.W1, Wm = n.W1;
      Wp(i, j) += h;
      Wm(i, j) -= h;
      const double fd = (network_loss(Wp, n.b1, n.W2, n.b2, n.X, n.labels) -
                         network_loss(Wm, n.b1, n.W2, n.b2, n.X, n.labels)) /
                        (2 * h);
      BOOST_TEST(std::abs(g(i, j) - fd) <= 1e-8);
    }
}

BOOST_AUTO_TEST_CASE(softmax_delta_mistakes_are_named) {
  const Report probs = ex::check_softmax_ce_delta([](const Eigen::VectorXd& z, int) {
    const Eigen::ArrayXd e = z.array().exp();
    return Eigen::VectorXd((e / e.sum()).matrix());
  });
  BOOST_TEST(!probs.passed());
  BOOST_TEST_REQUIRE(probs.hints.size() == 1u);
  BOOST_TEST(contains(probs.hints[0], "you returned the probabilities p = softmax(z)"));
  const Report dp = ex::check_softmax_ce_delta([](const Eigen::VectorXd& z, int label) {
    const Eigen::ArrayXd e = z.array().exp();
    Eigen::VectorXd r = Eigen::VectorXd::Zero(z.size());
    r[label] = -e.sum() / e[label];
    return r;
  });
  BOOST_TEST_REQUIRE(dp.hints.size() == 1u);
  BOOST_TEST(contains(dp.hints[0], "that is ∂L/∂p"));
  const Report sign = ex::check_softmax_ce_delta(
      [](const Eigen::VectorXd& z, int label) { return Eigen::VectorXd(-ex::softmax_ce_delta(z, label)); });
  BOOST_TEST(contains(hints(sign), "the sign is flipped"));
  const Report size =
      ex::check_softmax_ce_delta([](const Eigen::VectorXd&, int) { return Eigen::VectorXd(2); });
  BOOST_TEST(contains(size.error, "returned 2 entries; δ has one per class (3)"));
}

BOOST_AUTO_TEST_CASE(hidden_layer_mistakes_are_named) {
  using M = Eigen::MatrixXd;
  using V = Eigen::VectorXd;
  // the δ recursion with one step changed
  const auto variant = [](bool slope, bool transpose, bool mean) {
    return
        [=](const M& W1, const V& b1, const M& W2, const V& b2, const M& X, const std::vector<int>& labels) {
          M dW1 = M::Zero(W1.rows(), W1.cols());
          for (Eigen::Index i = 0; i < X.rows(); ++i) {
            const V x = X.row(i).transpose();
            const V a1 = (W1 * x + b1).array().tanh().matrix();
            const V d2 = ex::softmax_ce_delta(W2 * a1 + b2, labels[std::size_t(i)]);
            V d1 = transpose ? V(W2.transpose() * d2) : V(W2 * d2);
            if (slope) d1 = d1.cwiseProduct((1.0 - a1.array().square()).matrix());
            dW1 += d1 * x.transpose();
          }
          return mean ? M(dW1 / double(X.rows())) : dW1;
        };
  };
  BOOST_TEST(ex::check_hidden_layer_grad(variant(true, true, true)).passed());
  const Report no_slope = ex::check_hidden_layer_grad(variant(false, true, true));
  BOOST_TEST_REQUIRE(no_slope.hints.size() == 1u);
  BOOST_TEST(contains(no_slope.hints[0], "a factor tanh'(z¹) is missing"));
  const Report no_transpose = ex::check_hidden_layer_grad(variant(true, false, true));
  BOOST_TEST_REQUIRE(no_transpose.hints.size() == 1u);
  BOOST_TEST(contains(no_transpose.hints[0], "a missing transpose"));
  const Report no_mean = ex::check_hidden_layer_grad(variant(true, true, false));
  BOOST_TEST(contains(hints(no_mean), "received / expected = n at every point: an extra factor n"));
  const Report shape =
      ex::check_hidden_layer_grad([](const M& W1, const V&, const M&, const V&, const M&,
                                     const std::vector<int>&) { return M(M::Zero(W1.cols(), W1.rows())); });
  BOOST_TEST(contains(shape.error, "returned a 2 x 3 matrix; ∂L/∂W¹ has W¹'s shape, 3 x 2"));
}

BOOST_AUTO_TEST_SUITE_END()
