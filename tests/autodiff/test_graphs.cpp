// Graph shapes: reused nodes, shared subexpressions in deep graphs, a 10^6-node chain, a 10^7-node
// tape, and repeated sweeps over one recorded loss.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/autodiff.hpp>
#include <vector>

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;

BOOST_AUTO_TEST_SUITE(graphs)

BOOST_AUTO_TEST_CASE(reused_nodes_accumulate) {
  Tape tape;
  TapeScope scope(tape);
  const Var a = tape.variable(1.0);
  const Var b = a + a;
  const Var c = b + b;
  BOOST_TEST(c.value() == 4.0);
  BOOST_TEST(gradlab::grad(c, {a})[0] == 4.0);
  BOOST_TEST(gradlab::backward(c)[b] == 2.0);
  BOOST_TEST(gradlab::grad_recorded(c, {a})[0].value() == 4.0);
  BOOST_TEST(gradlab::hessian(c, {a})(0, 0) == 0.0);
  // d = c * c = 16 a^2:  dd/da = 32 a,  d2d/da2 = 32
  const Var d = c * c;
  BOOST_TEST(gradlab::grad(d, {a})[0] == 32.0);
  BOOST_TEST(gradlab::hessian(d, {a})(0, 0) == 32.0);
}

// x_{k+1} = f(x_k) = x_k x_k / 4 + sin(x_k), x_k used three times per step.
// By hand:  x'_{k+1} = f'(x_k) x'_k,  x''_{k+1} = f'(x_k) x''_k + f''(x_k) x'_k^2,
// with f'(x) = x/2 + cos x and f''(x) = 1/2 - sin x.
BOOST_AUTO_TEST_CASE(shared_subexpressions_in_a_deep_graph) {
  Tape tape;
  TapeScope scope(tape);
  constexpr int kSteps = 300;
  for (const double x0 : {0.3, 1.1, 2.0}) {
    tape.clear();
    const Var x = tape.variable(x0);
    Var v = x;
    double xv = x0, d1 = 1.0, d2 = 0.0;
    for (int k = 0; k < kSteps; ++k) {
      v = v * v * 0.25 + sin(v);
      const double f1 = xv / 2 + std::cos(xv), f2 = 0.5 - std::sin(xv);
      d2 = f1 * d2 + f2 * d1 * d1;
      d1 = f1 * d1;
      xv = xv * xv * 0.25 + std::sin(xv);
    }
    BOOST_TEST_CONTEXT("x0 = " << x0) {
      BOOST_TEST(v.value() == xv);
      BOOST_TEST(gradlab::grad(v, {x})[0] == d1, boost::test_tools::tolerance(1e-12));
      BOOST_TEST(gradlab::hessian(v, {x})(0, 0) == d2, boost::test_tools::tolerance(1e-11));
    }
  }
}

// x_{k+1} = sin(x_k) for 10^6 steps: dx_n/dx_0 = prod_k cos(x_k). The sweep is a loop, so the
// default stack is enough.
BOOST_AUTO_TEST_CASE(chain_of_a_million_nodes) {
  constexpr int kSteps = 1'000'000;
  Tape tape;
  TapeScope scope(tape);
  tape.reserve(kSteps + 1);
  const Var x = tape.variable(1.0);
  Var v = x;
  double xv = 1.0, product = 1.0;
  for (int k = 0; k < kSteps; ++k) {
    v = sin(v);
    product *= std::cos(xv);
    xv = std::sin(xv);
  }
  BOOST_TEST(tape.size() == static_cast<std::size_t>(kSteps) + 1);
  BOOST_TEST(v.value() == xv);
  // Rounding grows at most linearly with n (10^6 products); in practice far less.
  BOOST_TEST(gradlab::grad(v, {x})[0] == product, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(product > 0.0);
}

// 10^7 cheap nodes: x_{k+1} = x_k w + w (two nodes per step), built, swept and cleared.
// By hand: dx_{k+1}/dw = w dx_k/dw + x_k + 1.
BOOST_AUTO_TEST_CASE(tape_of_ten_million_nodes) {
  constexpr std::size_t kNodes = 10'000'000;
  Tape tape;
  TapeScope scope(tape);
  tape.reserve(kNodes);
  const Var w = tape.variable(0.5), x = tape.variable(0.25);
  Var v = x;
  double xv = 0.25, dw = 0.0;
  while (tape.size() + 2 <= kNodes) {
    v = v * w + w;
    dw = 0.5 * dw + xv + 1.0;
    xv = xv * 0.5 + 0.5;
  }
  BOOST_TEST(tape.size() == kNodes);
  BOOST_TEST_MESSAGE("10^7-node tape: " << Tape::bytes_per_node << " bytes per node (tape + adjoint), "
                                        << kNodes * Tape::bytes_per_node / 1'000'000 << " MB in all");
  BOOST_TEST(Tape::bytes_per_node <= 32u);
  BOOST_TEST(v.value() == xv);
  const Eigen::VectorXd g = gradlab::grad(v, {w, x});
  BOOST_TEST(g[0] == dw, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(g[1] == 0.0);  // 0.5^(5 * 10^6) underflows to exactly 0
  tape.clear();
  BOOST_TEST(tape.size() == 0u);
  BOOST_CHECK_THROW(static_cast<void>(v.value()), gradlab::TapeError);
  const Var y = tape.variable(3.0);
  BOOST_TEST(gradlab::grad(y * y, {y})[0] == 6.0);
}

// Sweeping one recorded loss twice gives the same numbers twice: nothing accumulates across calls.
BOOST_AUTO_TEST_CASE(repeated_sweeps_do_not_accumulate) {
  Tape tape;
  TapeScope scope(tape);
  const Var w = tape.variable(0.7), b = tape.variable(-0.2);
  const Var L = 0.5 * pow(sigmoid(w * 2.5 + b) - 0.9, 2.0) + 0.5 * pow(sigmoid(w * 0.5 + b) - 0.2, 2.0);
  const gradlab::Gradients g1 = gradlab::backward(L);
  const gradlab::Gradients g2 = gradlab::backward(L);
  BOOST_TEST(g1[w] == g2[w]);
  BOOST_TEST(g1[b] == g2[b]);
  BOOST_TEST(g1[w] != 0.0);
  const std::size_t size = tape.size();
  const Eigen::VectorXd a1 = gradlab::grad(L, {w, b});
  const Eigen::VectorXd a2 = gradlab::grad(L, {w, b});
  BOOST_TEST(tape.size() == size);  // the first-order sweep records nothing
  BOOST_TEST(a1[0] == a2[0]);
  BOOST_TEST(a1[1] == a2[1]);
  BOOST_TEST(a1[0] == g1[w]);
  BOOST_TEST(gradlab::grad_recorded(L, {w, b})[0].value() == gradlab::grad_recorded(L, {w, b})[0].value());
  const Eigen::MatrixXd h1 = gradlab::hessian(L, {w, b});
  const Eigen::MatrixXd h2 = gradlab::hessian(L, {w, b});
  BOOST_TEST((h1 == h2));
  BOOST_TEST(gradlab::grad(L, {w, b})[0] == a1[0]);  // still the same after recorded sweeps appended nodes
}

// The benchmark's neuron loss (bench/bench_scalar.cpp) gives, bit for bit, the gradient that the
// sweep's additions give when written out by hand in the sweep's order: node by node from the last,
// each adjoint the sum of its shares in the order the sweep adds them (0 + first share + ...). The
// hot loop of backward (shares carried in registers) must not change one bit of them.
BOOST_AUTO_TEST_CASE(neuron_gradient_bit_for_bit_in_sweep_order) {
  std::vector<double> xs, ys;
  for (int i = 0; i < 1000; ++i) {
    xs.push_back(std::sin(0.37 * i) * 3.0);
    ys.push_back(0.5 + 0.5 * std::cos(1.3 * i));
  }
  Tape tape;
  TapeScope scope(tape);
  const Var w = tape.variable(0.3), b = tape.variable(-0.2);
  Var loss = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Var r = gradlab::sigmoid(w * xs[i] + b) - ys[i];
    loss += 0.5 * r * r;
  }
  const auto g = gradlab::grad(loss, {w, b});
  double value = 0.0, dw = 0.0, db = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = gradlab::ops::sigmoid(xs[i] * 0.3 + -0.2);
    const double r = f - ys[i];
    value = value + 0.5 * r * r;
  }
  for (std::size_t i = xs.size(); i-- > 0;) {  // the sweep: the last point first
    const double f = gradlab::ops::sigmoid(xs[i] * 0.3 + -0.2);
    const double r = f - ys[i], m = 0.5 * r;
    // loss_k = loss_{k-1} + m * r hands 1 on; m * r hands 1 * r to m, then 1 * m to r; m = 0.5 r
    // hands its adjoint (0 + r) * 0.5 on to r, whose adjoint is then (0 + m) + r * 0.5.
    const double adj_r = (0.0 + 1.0 * m) + (0.0 + 1.0 * r) * 0.5;
    const double adj_z = 0.0 + (0.0 + adj_r) * (f * (1.0 - f));  // through r = f - y and f = sigmoid(z)
    dw = dw + (0.0 + adj_z) * xs[i];                             // z = w x + b
    db = db + adj_z;
  }
  BOOST_TEST(loss.value() == value);
  BOOST_TEST(g[0] == dw);
  BOOST_TEST(g[1] == db);
}

// The benchmark's deep chain x_{k+1} = sin x_k: the tape's derivative is the product of cos x_k
// taken from the last step down, bit for bit.
BOOST_AUTO_TEST_CASE(deep_chain_derivative_bit_for_bit) {
  constexpr int kSteps = 10000;
  Tape tape;
  TapeScope scope(tape);
  const Var x0 = tape.variable(0.7);
  Var x = x0;
  std::vector<double> xs{0.7};
  for (int k = 0; k < kSteps; ++k) {
    x = gradlab::sin(x);
    xs.push_back(std::sin(xs.back()));
  }
  double d = 1.0;
  for (int k = kSteps; k-- > 0;) d *= std::cos(xs[k]);
  BOOST_TEST(x.value() == xs.back());
  BOOST_TEST(gradlab::grad(x, {x0})[0] == d);
}

BOOST_AUTO_TEST_SUITE_END()
