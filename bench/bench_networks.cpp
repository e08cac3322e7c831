// One training epoch of a 64-128-10 network (relu hidden layer, softmax output, cross-entropy) on
// the digits (examples/data/digits.csv, 1797 samples), mini-batches of 64, plain gradient descent:
// gradlab's autodiff on matrix nodes against a hand-written Eigen forward and backward pass of the
// same network. The samples are taken in file order (no shuffle) so that both do the same work.
#include <benchmark/benchmark.h>

#include <gradlab/networks/network.hpp>
#include <gradlab/neuron/csv.hpp>

namespace {

constexpr Eigen::Index kBatch = 64;
constexpr double kLr = 0.01;

struct Digits {
  Eigen::MatrixXd X, Y;
  Digits() {
    const gradlab::Dataset d =
        gradlab::select_columns(gradlab::read_csv(GRADLAB_SOURCE_DIR "/examples/data/digits.csv"), "label");
    X = d.X / 16.0;
    Y = gradlab::one_hot(d.y, 10);
  }
};
const Digits& digits() {
  static const Digits d;
  return d;
}

gradlab::Network digits_network() {
  // 64 inputs, 128 relu units, 10 softmax outputs
  const gradlab::Architecture arch{64, {128}, "relu", 10, gradlab::NetworkLoss::CrossEntropy, ""};
  return gradlab::make_network(arch, gradlab::Init::He, 1);
}

/// Runs step(Xb, Yb) on every mini-batch of the digits, in file order, once per benchmark iteration.
template <class Step> void epochs(benchmark::State& state, Step&& step) {
  const Digits& d = digits();
  Eigen::MatrixXd Xb, Yb;
  for (auto _ : state) {
    for (Eigen::Index start = 0; start < d.X.rows(); start += kBatch) {
      const Eigen::Index m = std::min(kBatch, d.X.rows() - start);
      Xb = d.X.middleRows(start, m);
      Yb = d.Y.middleRows(start, m);
      step(Xb, Yb);
    }
  }
  state.SetItemsProcessed(state.iterations() * d.X.rows());
}

void BM_NetworkEpoch_Autodiff(benchmark::State& state) {
  gradlab::Network net = digits_network();
  gradlab::Tape tape;
  epochs(state, [&](const Eigen::MatrixXd& Xb, const Eigen::MatrixXd& Yb) {
    const gradlab::NetworkValueAndGradient vg = net.value_and_gradient(Xb, Yb, tape);
    gradlab::NetworkParams p = net.params();
    for (std::size_t l = 0; l < p.size(); ++l) {
      p[l].W -= kLr * vg.gradient[l].W;
      p[l].b -= kLr * vg.gradient[l].b;
    }
    net.set_params(p);
    benchmark::DoNotOptimize(vg.value);
  });
}

void BM_NetworkEpoch_HandEigen(benchmark::State& state) {
  const gradlab::Network start = digits_network();
  Eigen::MatrixXd W1 = start.layers()[0].p.W, W2 = start.layers()[1].p.W;
  Eigen::VectorXd b1 = start.layers()[0].p.b, b2 = start.layers()[1].p.b;
  epochs(state, [&](const Eigen::MatrixXd& Xb, const Eigen::MatrixXd& Yb) {
    const Eigen::Index m = Xb.rows();
    // forward
    Eigen::MatrixXd Z1 = Xb * W1.transpose();
    Z1.rowwise() += b1.transpose();
    const Eigen::MatrixXd A1 = Z1.cwiseMax(0.0);
    Eigen::MatrixXd Z2 = A1 * W2.transpose();
    Z2.rowwise() += b2.transpose();
    const Eigen::VectorXd mx = Z2.rowwise().maxCoeff();
    Eigen::MatrixXd P = (Z2.colwise() - mx).array().exp().matrix();
    const Eigen::VectorXd sums = P.rowwise().sum();
    const double loss = -(Yb.array() * ((Z2.colwise() - mx).array().colwise() - sums.array().log())).sum() /
                        static_cast<double>(m);
    P.array().colwise() /= sums.array();
    // backward
    const Eigen::MatrixXd D2 = (P - Yb) / static_cast<double>(m);
    const Eigen::MatrixXd D1 = (D2 * W2).cwiseProduct((Z1.array() > 0.0).cast<double>().matrix());
    W2 -= kLr * (D2.transpose() * A1);
    b2 -= kLr * D2.colwise().sum().transpose();
    W1 -= kLr * (D1.transpose() * Xb);
    b1 -= kLr * D1.colwise().sum().transpose();
    benchmark::DoNotOptimize(loss);
  });
}

BENCHMARK(BM_NetworkEpoch_Autodiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NetworkEpoch_HandEigen)->Unit(benchmark::kMillisecond);

}  // namespace
