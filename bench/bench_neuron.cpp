// The neuron's autodiff gradient over a whole data set, on scalar nodes (one node per multiply-add of
// every sample) and on matrix nodes (a handful of nodes for the whole data set). One iteration is one
// epoch of full-batch training as fit() runs it: L and dL/dtheta, then a gradient-descent step.
// Arguments: N samples, d features.
#include <benchmark/benchmark.h>

#include <gradlab/neuron.hpp>

namespace {

void fit_epochs(benchmark::State& state, gradlab::GradMethod method) {
  const Eigen::Index n = state.range(0), d = state.range(1);
  std::srand(1);
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(n, d);
  const Eigen::VectorXd y = (Eigen::VectorXd::Random(n).array() + 1.0) / 2.0;
  gradlab::Neuron neuron(Eigen::VectorXd::Random(d) / std::sqrt(static_cast<double>(d)), -0.1);
  const double lr = 0.1;
  for (auto _ : state) {
    const gradlab::ValueAndGradient vg = neuron.value_and_gradient(X, y, method);
    benchmark::DoNotOptimize(vg.value);
    neuron.set_params(neuron.params() - lr * vg.gradient / static_cast<double>(n));
  }
  state.SetItemsProcessed(state.iterations() * n);  // samples per second
}

void BM_NeuronFit_ScalarNodes(benchmark::State& state) {
  fit_epochs(state, gradlab::GradMethod::AutodiffScalar);
}
void BM_NeuronFit_MatrixNodes(benchmark::State& state) {
  fit_epochs(state, gradlab::GradMethod::AutodiffMatrix);
}

// 10000 x 10: the speed-up; 8 x 3 and 32 x 3: around Neuron::kScalarNodeRows, where Autodiff switches.
BENCHMARK(BM_NeuronFit_ScalarNodes)
    ->Args({8, 3})
    ->Args({32, 3})
    ->Args({10000, 10})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NeuronFit_MatrixNodes)
    ->Args({8, 3})
    ->Args({32, 3})
    ->Args({10000, 10})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
