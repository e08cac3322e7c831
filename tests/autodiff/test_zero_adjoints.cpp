// An adjoint that is 0 by arithmetic is still handed on: 0 x inf is NaN in the chain rule, as in
// IEEE 754 and PyTorch. Only a node that the output does not depend on (no path from the root) is
// skipped. Each case below gave a false 0 when the first-order sweep skipped every zero adjoint.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/matrix.hpp>

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;

BOOST_AUTO_TEST_SUITE(zero_adjoints)

// (1/x) y + x y at x = y = 0: the first term's adjoint reaches 1/x as 1 * y = 0, and 1/x hands it
// on as 0 * (-1/x^2) = 0 * -inf = NaN (PyTorch: NaN).
BOOST_AUTO_TEST_CASE(zero_times_infinite_local_derivative_is_nan) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  const Var y = tape.variable(0.0);
  const Var f = (1.0 / x) * y + x * y;
  const Eigen::VectorXd g = gradlab::grad(f, {x, y});
  BOOST_TEST(std::isnan(g[0]));
  BOOST_TEST(g[1] == std::numeric_limits<double>::infinity());  // 1/x + x
}

// a log(b) at a = b = 0: d/db = a / b = 0 * inf = NaN, d/da = log(b) = -inf.
BOOST_AUTO_TEST_CASE(a_log_b_at_zero) {
  Tape tape;
  TapeScope scope(tape);
  const Var a = tape.variable(0.0);
  const Var b = tape.variable(0.0);
  const Var f = a * log(b);
  const Eigen::VectorXd g = gradlab::grad(f, {a, b});
  BOOST_TEST(g[0] == -std::numeric_limits<double>::infinity());
  BOOST_TEST(std::isnan(g[1]));
}

// s - s with s = sqrt(x) at x = 0: s's adjoint is 1 - 1 = 0 (written twice), then 0 * inf = NaN.
BOOST_AUTO_TEST_CASE(an_adjoint_that_cancels_to_zero_is_handed_on) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  const Var s = sqrt(x);
  const Var f = s - s;
  BOOST_TEST(f.value() == 0.0);
  BOOST_TEST(std::isnan(gradlab::grad(f, {x})[0]));
}

// A node that the root does not depend on is skipped: log(x) at x = 0, recorded before the root but
// not used by it, must not make the gradient NaN.
BOOST_AUTO_TEST_CASE(a_node_off_the_path_is_skipped) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  const Var unused = log(x) * 2.0;
  const Var f = x * 3.0;
  BOOST_TEST(std::isinf(unused.value()));
  BOOST_TEST(gradlab::grad(f, {x})[0] == 3.0);
}

// The scalar node sum(log X) gets adjoint a = 0 and hands it on to the matrix: dX = a / X, NaN where
// X is 0 and 0 elsewhere.
BOOST_AUTO_TEST_CASE(a_scalar_node_of_a_matrix_op_hands_on_a_zero_adjoint) {
  Tape tape;
  TapeScope scope(tape);
  const Eigen::MatrixXd x0 = (Eigen::MatrixXd(2, 1) << 0.0, 2.0).finished();
  const gradlab::MatVar X = gradlab::matrix_variable(x0);
  const Var a = tape.variable(0.0);
  const Var f = a * sum(log(X));
  const Eigen::MatrixXd dX = gradlab::grad(f, X);
  BOOST_TEST(std::isnan(dX(0, 0)));
  BOOST_TEST(dX(1, 0) == 0.0);
  BOOST_TEST(gradlab::grad(f, {a})[0] == -std::numeric_limits<double>::infinity());
}

// The Hessian's second sweep is a first-order sweep over the recorded gradient: f = z x^1.5 at
// x = z = 0 has d2f/dx2 = z * 0.75 x^-0.5 = 0 * inf = NaN (PyTorch: NaN), d2f/dxdz = 1.5 x^0.5 = 0.
BOOST_AUTO_TEST_CASE(hessian_hands_on_zero_adjoints) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  const Var z = tape.variable(0.0);
  const Var f = z * pow(x, 1.5);
  const Eigen::MatrixXd H = gradlab::hessian(f, {x, z});
  BOOST_TEST(std::isnan(H(0, 0)));
  BOOST_TEST(H(0, 1) == 0.0);
  BOOST_TEST(H(1, 0) == 0.0);
  BOOST_TEST(H(1, 1) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
