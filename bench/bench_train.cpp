// `gradlab train` at scale, in parts: parsing the CSV text, reading a CSV file, and one full-batch
// epoch of the sigmoid neuron with the squared error (L and dL/dtheta on matrix nodes, or by the hand
// formula as `gradlab train` computes them, then a gradient-descent step) against the same epoch
// written by hand in Eigen. Arguments: N rows, d features.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gradlab/neuron.hpp>
#include <gradlab/neuron/csv.hpp>
#include <string>

namespace {

Eigen::MatrixXd random_data(Eigen::Index n, Eigen::Index d) {
  std::srand(1);
  return Eigen::MatrixXd::Random(n, d);
}

/// CSV text of d feature columns and a target, each number printed with printf's `format`.
std::string csv_text(Eigen::Index n, Eigen::Index d, const char* format) {
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
      const int len = std::snprintf(buf, sizeof buf, format, values(i, j));
      text.append(buf, static_cast<std::size_t>(len));
      text += j == d ? '\n' : ',';
    }
  return text;
}

// parse_csv on d feature columns and a target, 17 significant digits each (as a data file written
// by a program holds them). bytes_per_second is the text's size over the time.
void BM_CsvParse(benchmark::State& state) {
  const std::string text = csv_text(state.range(0), state.range(1), "%.17g");
  for (auto _ : state) {
    const gradlab::CsvTable table = gradlab::parse_csv(text);
    benchmark::DoNotOptimize(table.values.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

// read_csv as `gradlab train` calls it, on a file of 6 decimals per number (192 MB at 10^6 x 20),
// read from the page cache in blocks while it is parsed; bytes_per_second is the file's size over
// the time.
void BM_CsvRead(benchmark::State& state) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("gradlab_bench_" + std::to_string(::getpid()) + ".csv"))
          .string();
  std::int64_t bytes = 0;
  {
    const std::string text = csv_text(state.range(0), state.range(1), "%.6f");
    std::ofstream(path, std::ios::binary) << text;
    bytes = static_cast<std::int64_t>(text.size());
  }
  for (auto _ : state) {
    const gradlab::CsvTable table = gradlab::read_csv(path);
    benchmark::DoNotOptimize(table.values.data());
  }
  std::filesystem::remove(path);
  state.SetBytesProcessed(state.iterations() * bytes);
}

struct EpochData {
  Eigen::MatrixXd X;
  Eigen::VectorXd y, w;
  EpochData(Eigen::Index n, Eigen::Index d)
      : X(random_data(n, d)),
        y((Eigen::VectorXd::Random(n).array() + 1.0) / 2.0),
        w(Eigen::VectorXd::Random(d) / std::sqrt(static_cast<double>(d))) {}
};

/// One full-batch epoch of gradlab's neuron, its gradient by `method`: value_and_gradient, then a
/// gradient-descent step.
void train_epoch(benchmark::State& state, gradlab::GradMethod method) {
  const EpochData data(state.range(0), state.range(1));
  gradlab::Neuron neuron(data.w, -0.1);
  const double lr = 0.1 / static_cast<double>(data.X.rows());
  for (auto _ : state) {
    const gradlab::ValueAndGradient vg = neuron.value_and_gradient(data.X, data.y, method);
    benchmark::DoNotOptimize(vg.value);
    neuron.set_params(neuron.params() - lr * vg.gradient);
  }
  state.SetItemsProcessed(state.iterations() * data.X.rows());
}

void BM_TrainEpoch_MatrixNodes(benchmark::State& state) {
  train_epoch(state, gradlab::GradMethod::AutodiffMatrix);
}

// The epoch as `gradlab train` runs it (fit's default method): L and dL/dtheta by the hand formula in
// one pass over X, blocks of rows, every sum in order of the samples, then the step.
void BM_TrainEpoch_Formula(benchmark::State& state) { train_epoch(state, gradlab::GradMethod::Formula); }

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

// Each at 10^4, 10^5 and 10^6 rows of 20 features (the 10^6-row CSV text is 400 MB in memory).
void train_sizes(benchmark::internal::Benchmark* b) {
  for (const std::int64_t n : {10000, 100000, 1000000}) b->Args({n, 20});
  b->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_CsvParse)->Apply(train_sizes);
BENCHMARK(BM_CsvRead)->Apply(train_sizes);
BENCHMARK(BM_TrainEpoch_MatrixNodes)->Apply(train_sizes);
BENCHMARK(BM_TrainEpoch_Formula)->Apply(train_sizes);
BENCHMARK(BM_TrainEpoch_HandEigen)->Apply(train_sizes);

}  // namespace
