// The costs of training on large data stay linear (or bounded) in its size: counted, not timed.
//  - the loss surface of `train --out` evaluates a bounded number of samples per grid point;
//  - the closing central-difference check costs O(n d) multiply-adds, not O(n d^2);
//  - the scalar-node pass keeps a bounded number of nodes on a tape, not ~700 bytes per sample;
//  - the matrix-node pass takes data larger than the caches in blocks of rows, added in block order
//    (below kMatrixWholeInputs inputs).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <random>
#include <type_traits>

#include "gradlab/figures.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/neuron.hpp"

using namespace gradlab;

namespace {

// How often the activation is evaluated on doubles, and the largest tape it has seen recording.
thread_local long long evaluations = 0;
thread_local std::size_t largest_tape = 0;

/// The identity as an activation that counts its evaluations and watches the tape.
struct CountingIdentity {
  static constexpr const char* name = "test_counting_identity";
  static constexpr const char* formula = "f(x) = x";
  static constexpr const char* formula_latex = "f(x) = x";
  static constexpr const char* derivative = "f'(x) = 1";
  static constexpr const char* derivative_latex = "f'(x) = 1";
  static constexpr const char* kink = "none";
  static constexpr Domain domain{-1.0, 1.0};
  template <class T> static T value(const T& x) {
    if constexpr (std::is_same_v<T, double>) ++evaluations;
    if constexpr (std::is_same_v<T, Var>) largest_tape = std::max(largest_tape, Tape::current().size());
    return x;
  }
  template <class T> static T d(const T& x) { return 0.0 * x + 1.0; }
};

struct Data {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
};
Data make_data(Eigen::Index n, Eigen::Index d) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Data data{Eigen::MatrixXd(n, d), Eigen::VectorXd(n)};
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) data.X(i, j) = u(rng);
    data.y[i] = u(rng);
  }
  return data;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scaling)

BOOST_AUTO_TEST_CASE(the_loss_surface_uses_a_bounded_sample) {
  register_activation<CountingIdentity>();
  const Neuron n(Eigen::VectorXd::Ones(1), 0.0, "test_counting_identity");
  figures::Grid g;
  g.nw = g.nb = 4;
  for (Eigen::Index rows : {Eigen::Index{500}, 10 * figures::kSurfaceSamples}) {
    const Data data = make_data(rows, 1);
    evaluations = 0;
    const figures::Surface s = figures::loss_surface(n, data.X, data.y, g, 1.0 / static_cast<double>(rows));
    const Eigen::Index used = std::min(rows, figures::kSurfaceSamples);
    BOOST_TEST(s.samples == used);
    BOOST_TEST(evaluations == 16 * used);
    // The sampled mean loss estimates the full one.
    Neuron at = n;
    at.set_params(Eigen::Vector2d(g.w(1), g.b(2)));
    const double full = at.loss(data.X, data.y) / static_cast<double>(rows);
    BOOST_TEST(std::abs(s.loss(1, 2) - full) <= 0.1 * full);
  }
}

BOOST_AUTO_TEST_CASE(the_gradient_checks_cost_linear_work_in_the_features) {
  // Before, the central differences recomputed every z = w . x + b for each of the d + 1
  // parameters: 2 (d + 1) n d multiply-adds. Now each method costs a small multiple of n d.
  const Eigen::Index n = 50;
  for (Eigen::Index d : {Eigen::Index{10}, Eigen::Index{200}}) {
    const Data data = make_data(n, d);
    const Neuron neuron(Eigen::VectorXd::Constant(d, 0.01), 0.1, "tanh");
    const std::uint64_t before = detail::neuron_work();
    const CrossCheckReport r = neuron.cross_check(data.X, data.y);
    const std::uint64_t work = detail::neuron_work() - before;
    BOOST_TEST(r.agrees());
    BOOST_TEST(work <= static_cast<std::uint64_t>(5 * n * d), "work " << work << " for n d = " << n * d);
    const std::uint64_t numeric_before = detail::neuron_work();
    (void)neuron.gradient(data.X, data.y, GradMethod::Numeric);
    BOOST_TEST(detail::neuron_work() - numeric_before == static_cast<std::uint64_t>(n * d));
  }
}

BOOST_AUTO_TEST_CASE(the_scalar_node_pass_keeps_a_bounded_tape) {
  register_activation<CountingIdentity>();
  const Neuron neuron(Eigen::VectorXd::Constant(2, 0.5), 0.1, "test_counting_identity");
  std::size_t small_tape = 0;
  for (Eigen::Index rows : {Eigen::Index{100}, Eigen::Index{40000}, Eigen::Index{160000}}) {
    const Data data = make_data(rows, 2);
    largest_tape = 0;
    const Eigen::VectorXd g = neuron.gradient(data.X, data.y, GradMethod::AutodiffScalar);
    const Eigen::VectorXd f = neuron.gradient(data.X, data.y, GradMethod::Formula);
    BOOST_TEST((g - f).cwiseAbs().maxCoeff() <= 1e-9 * (1.0 + f.cwiseAbs().maxCoeff()));
    if (rows == 100) small_tape = largest_tape;
    // Below the bound whatever the number of samples (a whole-data tape would hold ~12 nodes each).
    BOOST_TEST(largest_tape <= static_cast<std::size_t>(Neuron::kScalarTapeNodes), "rows " << rows);
  }
  BOOST_TEST(small_tape > 0u);
  BOOST_TEST(small_tape < 2000u);
}

// More than 4 blocks' rows are recorded one block at a time (a tape each, the rows copied out), and
// the value and gradient are the blocks' added in block order: the same digits on every machine. A
// block's tape holds a bounded number of matrix entries, not ~a dozen columns of all n rows.
BOOST_AUTO_TEST_CASE(the_matrix_node_pass_takes_large_data_in_blocks) {
  const Eigen::Index d = 20, rows = Neuron::matrix_block_rows(d);
  BOOST_TEST(rows == 8192);
  BOOST_TEST(Neuron::matrix_block_rows(1) * 8 * 13 <= static_cast<Eigen::Index>(Neuron::kMatrixBlockBytes));
  const Eigen::Index n = 4 * rows + 1234;  // blocks of 8192, 8192, 8192, 8192, 1234
  const Data data = make_data(n, d);
  for (const char* loss : {"squared_error", "binary_cross_entropy"}) {
    const Eigen::VectorXd y01 = (data.y.array() + 1.0) / 2.0;
    const Neuron neuron(Eigen::VectorXd::LinSpaced(d, -0.5, 0.5), 0.1, "sigmoid", loss);
    const ValueAndGradient whole = neuron.value_and_gradient(data.X, y01, GradMethod::AutodiffMatrix);
    ValueAndGradient sum{0.0, Eigen::VectorXd()};
    for (Eigen::Index first = 0; first < n; first += rows) {
      const Eigen::Index count = std::min(rows, n - first);
      const Eigen::MatrixXd Xb = data.X.middleRows(first, count);
      const Eigen::VectorXd yb = y01.segment(first, count);
      const ValueAndGradient b = neuron.value_and_gradient(Xb, yb, GradMethod::AutodiffMatrix);
      if (first == 0) {
        sum = b;
      } else {
        sum.value += b.value;
        sum.gradient += b.gradient;
      }
    }
    BOOST_TEST(whole.value == sum.value, loss);
    BOOST_TEST((whole.gradient.array() == sum.gradient.array()).all(), loss);
    // and it is the gradient: the hand formula's to rounding
    const Eigen::VectorXd f = neuron.gradient(data.X, y01, GradMethod::Formula);
    BOOST_TEST((whole.gradient - f).cwiseAbs().maxCoeff() <= 1e-12 * static_cast<double>(n), loss);
    BOOST_TEST(std::abs(whole.value - neuron.loss(data.X, y01)) <= 1e-12 * static_cast<double>(n), loss);
  }
}

// From kMatrixWholeInputs inputs on, the matrix-node pass puts the whole data on one tape, however
// many the samples: the same digits as one record_loss on a tape of the caller's. The pass keeps its
// tape between calls (so that its storage is reused): a call on other data in between, or a call made
// while the caller's tape is active, changes nothing.
BOOST_AUTO_TEST_CASE(the_matrix_node_pass_takes_many_inputs_whole) {
  const Eigen::Index d = Neuron::kMatrixWholeInputs, n = 4 * Neuron::matrix_block_rows(d) + 1234;
  const Data data = make_data(n, d);
  const Eigen::VectorXd y01 = (data.y.array() + 1.0) / 2.0;
  const Neuron neuron(Eigen::VectorXd::LinSpaced(d, -0.5, 0.5), 0.1);
  Tape tape;
  TapeScope scope(tape);
  const MatVar w = matrix_variable(neuron.w());
  const Var b = tape.variable(neuron.b());
  const Var L = neuron.record_loss(w, b, data.X, y01);
  const Gradients g = backward(L);
  const Eigen::VectorXd gw = g[w];
  for (int call = 0; call < 2; ++call) {
    const ValueAndGradient r = neuron.value_and_gradient(data.X, y01, GradMethod::AutodiffMatrix);
    BOOST_TEST(r.value == L.value());
    BOOST_TEST((r.gradient.head(d).array() == gw.array()).all());
    BOOST_TEST(r.gradient(d) == g[b]);
    const Eigen::MatrixXd X_small = data.X.topRows(100);
    const Eigen::VectorXd y_small = y01.head(100);
    BOOST_TEST(neuron.value_and_gradient(X_small, y_small, GradMethod::AutodiffMatrix).gradient.allFinite());
  }
  BOOST_TEST(tape.size() > 0u);  // the caller's tape is untouched
  BOOST_TEST(L.value() > 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
