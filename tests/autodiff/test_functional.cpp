// The functional API on functions of several variables, against hand-derived gradients and Hessians;
// third derivatives; user-defined primitives through the whole API.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/autodiff.hpp>
#include <random>

#include "user_ops.hpp"

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;

namespace {

// Rosenbrock f(x, y) = (1 - x)^2 + 100 (y - x^2)^2.
Var rosenbrock(const std::vector<Var>& p) {
  const Var& x = p[0];
  const Var& y = p[1];
  return pow(1.0 - x, 2.0) + 100.0 * pow(y - x * x, 2.0);
}

// The sigmoid neuron's loss L(w, b) = 1/2 sum_i (sigmoid(w x_i + b) - y_i)^2 on X = [0.5, 2.5], Y = [0.2,
// 0.9].
constexpr std::array<double, 2> kX = {0.5, 2.5};
constexpr std::array<double, 2> kY = {0.2, 0.9};
Var neuron_loss(const std::vector<Var>& p) {
  Var L = 0.0;
  for (std::size_t i = 0; i < kX.size(); ++i) L += 0.5 * pow(sigmoid(p[0] * kX[i] + p[1]) - kY[i], 2.0);
  return L;
}
// By hand, with s_i = sigmoid(w x_i + b), r_i = s_i - y_i, s'_i = s_i (1 - s_i), s''_i = s'_i (1 - 2 s_i):
// dL/dw = sum r s' x,  dL/db = sum r s';  d2L/dw2 = sum (s'^2 + r s'') x^2, d2L/dwdb = sum (s'^2 + r s'') x,
// d2L/db2 = sum (s'^2 + r s'').
struct NeuronByHand {
  double loss = 0;
  Eigen::Vector2d grad = Eigen::Vector2d::Zero();
  Eigen::Matrix2d hessian = Eigen::Matrix2d::Zero();
};
NeuronByHand neuron_by_hand(double w, double b) {
  NeuronByHand h;
  for (std::size_t i = 0; i < kX.size(); ++i) {
    const double s = 1.0 / (1.0 + std::exp(-(w * kX[i] + b)));
    const double r = s - kY[i], s1 = s * (1 - s), s2 = s1 * (1 - 2 * s);
    const Eigen::Vector2d dz(kX[i], 1.0);  // dz/dw, dz/db
    h.loss += 0.5 * r * r;
    h.grad += r * s1 * dz;
    h.hessian += (s1 * s1 + r * s2) * dz * dz.transpose();
  }
  return h;
}

bool matrix_close(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want, double tol) {
  return ((got - want).array().abs() <= tol * (1.0 + want.array().abs())).all();
}

std::mt19937_64 rng(7);
double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

}  // namespace

BOOST_AUTO_TEST_SUITE(functional)

BOOST_AUTO_TEST_CASE(rosenbrock_by_hand) {
  for (int k = 0; k < 50; ++k) {
    const double x = uniform(-2, 2), y = uniform(-1, 3);
    BOOST_TEST_CONTEXT("x = " << x << ", y = " << y) {
      const Eigen::Vector2d p(x, y);
      const Eigen::Vector2d g(-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x));
      Eigen::Matrix2d h;
      h << 2 - 400 * (y - x * x) + 800 * x * x, -400 * x, -400 * x, 200;
      const gradlab::ValueAndGradient vg = gradlab::value_and_grad(rosenbrock, p);
      BOOST_TEST(vg.value == (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x),
                 boost::test_tools::tolerance(1e-13));
      BOOST_TEST(matrix_close(vg.gradient, g, 1e-12));
      BOOST_TEST(matrix_close(gradlab::grad(rosenbrock, p), g, 1e-12));
      const Eigen::MatrixXd H = gradlab::hessian(rosenbrock, p);
      BOOST_TEST(matrix_close(H, h, 1e-12));
      BOOST_TEST(H(0, 1) == H(1, 0));
      const Eigen::Vector2d v(uniform(-1, 1), uniform(-1, 1));
      BOOST_TEST(matrix_close(gradlab::hvp(rosenbrock, p, v), H * v, 1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(sigmoid_neuron_loss_by_hand) {
  for (const double w : {-2.0, -0.3, 0.0, 0.8, 2.5}) {
    for (const double b : {-1.5, 0.0, 0.4}) {
      BOOST_TEST_CONTEXT("w = " << w << ", b = " << b) {
        const NeuronByHand want = neuron_by_hand(w, b);
        const Eigen::Vector2d p(w, b);
        const gradlab::ValueAndGradient vg = gradlab::value_and_grad(neuron_loss, p);
        BOOST_TEST(vg.value == want.loss, boost::test_tools::tolerance(1e-14));
        BOOST_TEST(matrix_close(vg.gradient, want.grad, 1e-14));
        const Eigen::MatrixXd H = gradlab::hessian(neuron_loss, p);
        BOOST_TEST(matrix_close(H, want.hessian, 1e-13));
        BOOST_TEST(std::abs(H(0, 1) - H(1, 0)) <= 1e-15);
        const Eigen::Vector2d v(0.7, -1.3);
        BOOST_TEST(matrix_close(gradlab::hvp(neuron_loss, p, v), H * v, 1e-12));
      }
    }
  }
}

// On a recorded loss (the other style), and with more variables than two.
BOOST_AUTO_TEST_CASE(hessian_and_hvp_on_a_recorded_loss) {
  Tape tape;
  TapeScope scope(tape);
  // f = exp(x y) + z^3 sin(x):  H = [[y^2 e - z^3 sin x, (1 + x y) e, 3 z^2 cos x],
  //                                  [(1 + x y) e, x^2 e, 0], [3 z^2 cos x, 0, 6 z sin x]],  e = exp(x y)
  const double x0 = 0.4, y0 = -0.7, z0 = 1.3;
  const Var x = tape.variable(x0), y = tape.variable(y0), z = tape.variable(z0);
  const std::vector<Var> xs{x, y, z};
  const Var f = exp(x * y) + pow(z, 3.0) * sin(x);
  const double e = std::exp(x0 * y0);
  Eigen::Matrix3d want;
  want << y0 * y0 * e - z0 * z0 * z0 * std::sin(x0), (1 + x0 * y0) * e, 3 * z0 * z0 * std::cos(x0),  //
      (1 + x0 * y0) * e, x0 * x0 * e, 0,                                                             //
      3 * z0 * z0 * std::cos(x0), 0, 6 * z0 * std::sin(x0);
  const Eigen::MatrixXd H = gradlab::hessian(f, xs);
  BOOST_TEST(matrix_close(H, want, 1e-13));
  BOOST_TEST(matrix_close(H, H.transpose(), 1e-15));
  const Eigen::Vector3d v(0.3, -2.0, 0.9);
  BOOST_TEST(matrix_close(gradlab::hvp(f, xs, v), H * v, 1e-12));
  const Eigen::Vector3d g(y0 * e + z0 * z0 * z0 * std::cos(x0), x0 * e, 3 * z0 * z0 * std::sin(x0));
  BOOST_TEST(matrix_close(gradlab::grad(f, xs), g, 1e-14));
}

// Third derivatives: grad of a recorded grad of a recorded grad.
BOOST_AUTO_TEST_CASE(third_derivative) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(1.5);
  const Var y = x * x * x * x;  // y''' = 24 x, exact in binary at x = 1.5
  const Var d1 = gradlab::grad_recorded(y, {x})[0];
  const Var d2 = gradlab::grad_recorded(d1, {x})[0];
  BOOST_TEST(d1.value() == 4 * 1.5 * 1.5 * 1.5);
  BOOST_TEST(d2.value() == 12 * 1.5 * 1.5);
  BOOST_TEST(gradlab::grad(d2, {x})[0] == 36.0);
  BOOST_TEST(gradlab::hessian(d1, {x})(0, 0) == 36.0);
  // (exp(sin x))''' = e^(sin x) (cos^3 x - 3 sin x cos x - cos x)
  const double t = 0.6;
  const Var u = tape.variable(t);
  const Var e = exp(sin(u));
  const Var e2 = gradlab::grad_recorded(gradlab::grad_recorded(e, {u})[0], {u})[0];
  const double c = std::cos(t), s = std::sin(t);
  BOOST_TEST(gradlab::grad(e2, {u})[0] == std::exp(s) * (c * c * c - 3 * s * c - c),
             boost::test_tools::tolerance(1e-13));
}

// The output is one of the inputs: dy/dy = 1, dy/dx = 0, and no second derivative.
BOOST_AUTO_TEST_CASE(output_is_an_input) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(2.0), y = tape.variable(3.0);
  BOOST_TEST((gradlab::grad(y, {x, y}) == Eigen::Vector2d(0.0, 1.0)));
  BOOST_TEST(gradlab::grad_recorded(y, {x, y})[1].value() == 1.0);
  BOOST_TEST(gradlab::hessian(y, {x, y}).isZero(0.0));
}

// User-defined primitives through the function-style API, at first and second order.
// f(a, b) = logcosh(a) hypot(a, b) + a b
BOOST_AUTO_TEST_CASE(user_defined_primitives) {
  auto f = [](const std::vector<Var>& p) {
    return user_ops::logcosh(p[0]) * user_ops::hypot(p[0], p[1]) + p[0] * p[1];
  };
  const double a = 0.8, b = -1.7;
  const double L = std::log(std::cosh(a)), L1 = std::tanh(a), L2 = 1 - L1 * L1;
  const double r = std::hypot(a, b), ra = a / r, rb = b / r;
  const double raa = b * b / (r * r * r), rab = -a * b / (r * r * r), rbb = a * a / (r * r * r);
  const Eigen::Vector2d g(L1 * r + L * ra + b, L * rb + a);
  Eigen::Matrix2d h;
  h << L2 * r + 2 * L1 * ra + L * raa, L1 * rb + L * rab + 1, L1 * rb + L * rab + 1, L * rbb;
  const Eigen::Vector2d p(a, b);
  BOOST_TEST(gradlab::value_and_grad(f, p).value == L * r + a * b, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(matrix_close(gradlab::grad(f, p), g, 1e-14));
  BOOST_TEST(matrix_close(gradlab::hessian(f, p), h, 1e-13));
  BOOST_TEST(gradlab::find_op("logcosh").has_value());
  BOOST_TEST(gradlab::find_op("user_hypot").has_value());
  BOOST_TEST((gradlab::op_info(*gradlab::find_op("user_hypot")).arity == gradlab::ops::Arity::Binary));
}

BOOST_AUTO_TEST_SUITE_END()
