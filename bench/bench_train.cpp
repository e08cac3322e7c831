// `gradlab train` at scale, in parts: parsing the CSV text, and one full-batch epoch of the sigmoid
// neuron with the squared error (L and dL/dtheta on matrix nodes, then a gradient-descent step)
// against the same epoch written by hand in Eigen. Arguments: N rows, d features.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <gradlab/neuron.hpp>
#include <gradlab/neuron/csv.hpp>
#include <string>

namespace {

Eigen::MatrixXd random_data(Eigen::Index n, Eigen::Index d) {
  std::srand(1);
  return Eigen::MatrixXd::Random(n, d);
}

// parse_csv on d feature columns and a target, 17 significant digits each (as a data file written
// by a program holds them). bytes_per_second is the text's size over the time.
void BM_CsvParse(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  const Eigen::MatrixXd values = random_data(n, d + 1);
  std::string text;
  for (Eigen::Index j = 0; j < d; ++j) {
    text += 'x';
    text += std::to_string(j);
    text += ',';
  }
  text += "y\n";
  char buf[32];
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j <= d; ++j) {
      const int len = std::snprintf(buf, sizeof buf, "%.17g%c", values(i, j), j == d ? '\n' : ',');
      text.append(buf, static_cast<std::size_t>(len));
    }
  for (auto _ : state) {
    const gradlab::CsvTable table = gradlab::parse_csv(text);
    benchmark::DoNotOptimize(table.values.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

struct EpochData {
  Eigen::MatrixXd X;
  Eigen::VectorXd y, w;
  EpochData(Eigen::Index n, Eigen::Index d)
      : X(random_data(n, d)),
        y((Eigen::VectorXd::Random(n).array() + 1.0) / 2.0),
        w(Eigen::VectorXd::Random(d) / std::sqrt(static_cast<double>(d))) {}
};

void BM_TrainEpoch_MatrixNodes(benchmark::State& state) {
  const EpochData data(state.range(0), state.range(1));
  gradlab::Neuron neuron(data.w, -0.1);
  const double lr = 0.1 / static_cast<double>(data.X.rows());
  for (auto _ : state) {
    const gradlab::ValueAndGradient vg =
        neuron.value_and_gradient(data.X, data.y, gradlab::GradMethod::AutodiffMatrix);
    benchmark::DoNotOptimize(vg.value);
    neuron.set_params(neuron.params() - lr * vg.gradient);
  }
  state.SetItemsProcessed(state.iterations() * data.X.rows());
}

// The same epoch by hand: f = sigmoid(X w + b), L = 1/2 |f - y|^2, delta = (f - y) f (1 - f),
// dL/dw = X^T delta, dL/db = sum delta.
void BM_TrainEpoch_HandEigen(benchmark::State& state) {
  const EpochData data(state.range(0), state.range(1));
  Eigen::VectorXd w = data.w;
  double b = -0.1;
  const double lr = 0.1 / static_cast<double>(data.X.rows());
  Eigen::VectorXd f(data.X.rows()), delta(data.X.rows());
  for (auto _ : state) {
    f.noalias() = data.X * w;
    f = 1.0 / (1.0 + (-(f.array() + b)).exp());
    const double loss = 0.5 * (f - data.y).squaredNorm();
    delta = ((f - data.y).array() * f.array() * (1.0 - f.array())).matrix();
    const Eigen::VectorXd gw = data.X.transpose() * delta;
    const double gb = delta.sum();
    benchmark::DoNotOptimize(loss);
    w -= lr * gw;
    b -= lr * gb;
  }
  state.SetItemsProcessed(state.iterations() * data.X.rows());
}

BENCHMARK(BM_CsvParse)->Args({10000, 20})->Args({100000, 20})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainEpoch_MatrixNodes)
    ->Args({10000, 20})
    ->Args({100000, 20})
    ->Args({1000000, 20})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainEpoch_HandEigen)
    ->Args({10000, 20})
    ->Args({100000, 20})
    ->Args({1000000, 20})
    ->Unit(benchmark::kMillisecond);

}  // namespace
