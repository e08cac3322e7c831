// Derivatives of any order (derivative, taylor_coefficients, partial_derivatives) against closed forms
// and, in the manner of JAX's check_grads at orders 3 and 4, against central differences of the
// order below; and the limits on the order, the number of partials and the tape's size.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/higher_order.hpp>
#include <numbers>
#include <string>

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;

namespace {

bool close(double got, double want, double tol) {
  return std::abs(got - want) <= tol * (1.0 + std::abs(want));
}

/// The error's message contains `part`.
auto says(const std::string& part) {
  return [part](const gradlab::Error& e) { return std::string(e.what()).find(part) != std::string::npos; };
}

struct Case {
  const char* name;
  std::function<Var(const Var&)> f;
  std::function<double(double, int)> closed;  // the k-th derivative (k = 3 and 4)
  double x;
};

double tanh_derivative(double x, int k) {
  const double t = std::tanh(x), s = 1 - t * t;
  return k == 3 ? s * (6 * t * t - 2) : 8 * t * s * (2 - 3 * t * t);
}

const Case kCases[] = {
    {"sin", [](const Var& x) { return sin(x); },
     [](double x, int k) { return std::sin(x + k * std::numbers::pi / 2); }, 0.7},
    {"exp", [](const Var& x) { return exp(x); }, [](double x, int) { return std::exp(x); }, -0.3},
    {"log", [](const Var& x) { return log(x); },
     [](double x, int k) { return (k % 2 == 1 ? 1.0 : -1.0) * std::tgamma(k) / std::pow(x, k); }, 1.3},
    {"tanh", [](const Var& x) { return tanh(x); }, tanh_derivative, 0.4},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(orders)

// The 6th derivative of 1/x is 720/x^7 (the example), and every order below matches
// (-1)^k k! / x^(k+1).
BOOST_AUTO_TEST_CASE(sixth_derivative_of_one_over_x) {
  auto f = [](const Var& x) { return 1.0 / x; };
  for (const double x : {0.5, 2.0, -3.0}) {
    BOOST_TEST(close(gradlab::derivative(f, x, 6), 720.0 / std::pow(x, 7), 1e-14), "x = " << x);
    double factorial = 1;
    for (int k = 0; k <= 8; ++k) {
      if (k > 0) factorial *= k;
      const double want = (k % 2 == 0 ? 1.0 : -1.0) * factorial / std::pow(x, k + 1);
      BOOST_TEST(close(gradlab::derivative(f, x, k), want, 1e-13), "k = " << k << ", x = " << x);
    }
  }
}

// Orders 3 and 4 of sin, exp, log and tanh: against the closed forms, and against a central
// difference of the order below (step h = 1e-4 max(1, |x|): truncation h^2 |f^(k+2)| / 6 ~ 1e-9,
// rounding eps |f^(k-1)| / h ~ 1e-12, so 1e-7 relative leaves room and still catches a wrong factor).
BOOST_AUTO_TEST_CASE(orders_three_and_four_as_check_grads) {
  for (const Case& c : kCases)
    for (const int k : {3, 4}) {
      const double got = gradlab::derivative(c.f, c.x, k);
      BOOST_TEST(close(got, c.closed(c.x, k), 1e-13), c.name << " order " << k);
      const double h = 1e-4 * std::max(1.0, std::abs(c.x));
      const double numeric =
          (gradlab::derivative(c.f, c.x + h, k - 1) - gradlab::derivative(c.f, c.x - h, k - 1)) / (2 * h);
      BOOST_TEST(close(got, numeric, 1e-7), c.name << " order " << k << ": " << got << " vs " << numeric);
    }
}

// Taylor coefficients: exp at 0 gives 1/j!, and log(1 + t) gives (-1)^(j+1) / j.
BOOST_AUTO_TEST_CASE(taylor_coefficients) {
  const Eigen::VectorXd e = gradlab::taylor_coefficients([](const Var& x) { return exp(x); }, 0.0, 8);
  BOOST_TEST(e.size() == 9);
  double factorial = 1;
  for (int j = 0; j <= 8; ++j) {
    if (j > 0) factorial *= j;
    BOOST_TEST(close(e[j], 1.0 / factorial, 1e-15), "j = " << j);
  }
  const Eigen::VectorXd l = gradlab::taylor_coefficients([](const Var& x) { return log(x); }, 1.0, 6);
  BOOST_TEST(l[0] == 0.0);
  for (int j = 1; j <= 6; ++j) BOOST_TEST(close(l[j], (j % 2 == 1 ? 1.0 : -1.0) / j, 1e-14), "j = " << j);
  // A polynomial's coefficients end: x^3 at 2 is 8 + 12 t + 6 t^2 + t^3, then exact zeros.
  const Eigen::VectorXd p = gradlab::taylor_coefficients([](const Var& x) { return x * x * x; }, 2.0, 6);
  const double want[] = {8, 12, 6, 1, 0, 0, 0};
  for (int j = 0; j <= 6; ++j) BOOST_TEST(p[j] == want[j], "j = " << j);
}

// Every partial of order 3 of f = x^2 y^3 + sin(x y), in every order of the indices (they commute).
BOOST_AUTO_TEST_CASE(mixed_partials_of_order_three) {
  Tape tape;
  TapeScope scope(tape);
  const double x0 = 0.7, y0 = -1.2;
  const Var x = tape.variable(x0), y = tape.variable(y0);
  const Var f = x * x * y * y * y + sin(x * y);
  const std::vector<double> p = gradlab::partial_derivatives(f, std::vector<Var>{x, y}, 3);
  BOOST_TEST(p.size() == 8u);
  const double s = std::sin(x0 * y0), c = std::cos(x0 * y0);
  // d3 sin(xy): xxx -y^3 c, xxy -2y s - x y^2 c, xyy -2x s - x^2 y c, yyy -x^3 c
  const double fxxx = -y0 * y0 * y0 * c;
  const double fxxy = 6 * y0 * y0 - 2 * y0 * s - x0 * y0 * y0 * c;
  const double fxyy = 12 * x0 * y0 - 2 * x0 * s - x0 * x0 * y0 * c;
  const double fyyy = 6 * x0 * x0 - x0 * x0 * x0 * c;
  const double want[8] = {fxxx, fxxy, fxxy, fxyy, fxxy, fxyy, fxyy, fyyy};  // index i1 i2 i3 in binary
  for (int i = 0; i < 8; ++i)
    BOOST_TEST(close(p[static_cast<std::size_t>(i)], want[i], 1e-13), "entry " << i);
  // Order 1 is the gradient, order 0 the value.
  const std::vector<double> g = gradlab::partial_derivatives(f, std::vector<Var>{x, y}, 1);
  const Eigen::VectorXd want_g = gradlab::grad(f, {x, y});
  BOOST_TEST(g[0] == want_g[0]);
  BOOST_TEST(g[1] == want_g[1]);
  BOOST_TEST(gradlab::partial_derivatives(f, std::vector<Var>{x, y}, 0).at(0) == f.value());
}

// The limits, each with a message that says what to do.
BOOST_AUTO_TEST_CASE(limits) {
  auto f = [](const Var& x) { return sin(x); };
  BOOST_CHECK_EXCEPTION(gradlab::derivative(f, 1.0, gradlab::kMaxDerivativeOrder + 1), gradlab::Error,
                        says("the order must be between 0 and 10, got 11"));
  BOOST_CHECK_EXCEPTION(gradlab::derivative(f, 1.0, -1), gradlab::Error, says("got -1"));
  BOOST_TEST(
      gradlab::derivative(f, 1.0, gradlab::kMaxDerivativeOrder) == std::sin(1.0 + 5 * std::numbers::pi),
      boost::test_tools::tolerance(1e-13));
  Tape tape;
  TapeScope scope(tape);
  std::vector<Var> xs;
  for (int i = 0; i < 5; ++i) xs.push_back(tape.variable(0.1 * i));
  Var y = 0.0;
  for (const Var& x : xs) y = y + x * x;
  BOOST_CHECK_EXCEPTION(gradlab::partial_derivatives(y, xs, 6), gradlab::Error,
                        says("5 variables at order 6 make 5^6 partial derivatives, over the limit of 4096"));
  BOOST_TEST(gradlab::partial_derivatives(y, xs, 5).size() == 3125u);
  // A continued fraction 200 levels deep grows x3.2 per order (55 million nodes at order 10):
  // refused before an order's sweep could pass the limit.
  Var z = xs[1];
  for (int i = 0; i < 200; ++i) z = 1.0 / (xs[1] + z);
  BOOST_CHECK_EXCEPTION(gradlab::derivatives_recorded(z, xs[1], 10), gradlab::Error,
                        says("over the limit of 8388608"));
  BOOST_TEST(tape.size() < gradlab::kMaxDerivativeNodes);
}

// How the tape grows with the order (the cost stated in docs/reverse-mode.md): the nodes that each
// order adds, for 1/x and for a sigmoid neuron's squared error. The growth per order is bounded by
// the per-node cost of the costliest rule, so it stays under 10 (the factor check_room assumes).
BOOST_AUTO_TEST_CASE(tape_growth_per_order) {
  for (const int which : {0, 1}) {
    Tape tape;
    TapeScope scope(tape);
    const Var x = tape.variable(0.8);
    const Var y = which == 0 ? 1.0 / x : pow(sigmoid(0.5 * x - 1.0) - 0.3, 2.0) / 2.0;
    std::size_t before = tape.size();
    Var d = y;
    std::string sizes;
    for (int k = 1; k <= 6; ++k) {
      d = gradlab::grad_recorded(d, {x})[0];
      const std::size_t after = tape.size();
      sizes += ' ';
      sizes += std::to_string(after - before);
      BOOST_TEST(after < 10 * before + 10, "order " << k << ": " << before << " -> " << after);
      before = after;
    }
    BOOST_TEST_MESSAGE((which == 0 ? "1/x" : "neuron") << ": nodes added per order:" << sizes);
  }
}

BOOST_AUTO_TEST_SUITE_END()
