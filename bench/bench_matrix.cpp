// Matrix nodes against hand-written Eigen code on the batch neuron L = 1/2 |σ(Xw + b) - y|^2, and the
// cost of an exact Hessian-vector product as a multiple of one gradient. Arguments: N rows, d features.
#include <benchmark/benchmark.h>

#include <chrono>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/fixed_order.hpp>
#include <gradlab/autodiff/matrix.hpp>
#include <gradlab/neuron.hpp>

namespace {
using Eigen::MatrixXd;
using Eigen::VectorXd;
using gradlab::MatVar;
using gradlab::Var;

struct BatchData {
  MatrixXd X;
  VectorXd y, w;
  double b = -0.1;
  BatchData(Eigen::Index n, Eigen::Index d)
      : X(MatrixXd::Random(n, d)),
        y((VectorXd::Random(n).array() + 1) / 2),
        w(VectorXd::Random(d) / std::sqrt(double(d))) {}
  [[nodiscard]] double x_bytes() const { return static_cast<double>(X.size()) * sizeof(double); }
  [[nodiscard]] double data_bytes() const {
    return static_cast<double>(X.size() + y.size()) * sizeof(double);
  }
};

BatchData& data(benchmark::State& state) {  // one data set per shape, made once
  static std::unique_ptr<BatchData> d;
  if (!d || d->X.rows() != state.range(0) || d->X.cols() != state.range(1))
    d = std::make_unique<BatchData>(state.range(0), state.range(1));
  return *d;
}

// Records L on the active tape; X and y are referred to, not copied.
Var record_loss(const BatchData& data, const MatVar& w, const Var& b) {
  const MatVar f = gradlab::sigmoid(gradlab::matmul(gradlab::matrix_constant(data.X), w) + b);
  return 0.5 * gradlab::squared_norm(f - gradlab::matrix_constant(data.y));
}

void report(benchmark::State& state, const BatchData& data, std::size_t tape_bytes) {
  state.counters["GB/s"] = benchmark::Counter(data.x_bytes() * static_cast<double>(state.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
  if (tape_bytes != 0) {
    state.counters["tape_MB"] = static_cast<double>(tape_bytes) / 1e6;
    state.counters["tape/data"] = static_cast<double>(tape_bytes) / data.data_bytes();
  }
}

void BM_BatchNeuronGrad_Autodiff(benchmark::State& state) {
  const BatchData& d = data(state);
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  std::size_t peak = 0;
  for (auto _ : state) {
    tape.clear();
    const MatVar w = gradlab::matrix_variable(d.w);
    const Var b = tape.variable(d.b);
    const Var L = record_loss(d, w, b);
    const gradlab::Gradients g = gradlab::backward(L);
    benchmark::DoNotOptimize(L.value());
    benchmark::DoNotOptimize(g[w](0));
    benchmark::DoNotOptimize(g[b]);
    peak = std::max(peak, tape.memory_bytes());
  }
  report(state, d, peak);
}

// The same gradient through the Neuron API, what a gradlab user calling Neuron::value_and_gradient
// gets: the matrix-node path, which takes data larger than the caches in blocks of rows (one tape
// each, X read from memory once) below Neuron::kMatrixWholeInputs inputs, and the whole data on one
// tape from there on (so at 10^5 x 100), its tape kept between calls. The loss is the same,
// 1/2 sum (σ(Xw + b) - y)^2, with one node more (e = f - y, 0.5 e, and their dot product).
void BM_BatchNeuronGrad_Neuron(benchmark::State& state) {
  const BatchData& d = data(state);
  const gradlab::Neuron neuron(d.w, d.b);
  for (auto _ : state) {
    const gradlab::ValueAndGradient r =
        neuron.value_and_gradient(d.X, d.y, gradlab::GradMethod::AutodiffMatrix);
    benchmark::DoNotOptimize(r.value);
    benchmark::DoNotOptimize(r.gradient.data());
  }
  report(state, d, 0);
}

// The hand-derived formula in plain Eigen array code: f = σ(Xw + b), L = 1/2 |f - y|^2,
// dL/dw = Xᵀ((f - y) ⊙ f ⊙ (1 - f)), dL/db = sum of the same. Buffers are kept across iterations.
void BM_BatchNeuronGrad_Hand(benchmark::State& state) {
  const BatchData& d = data(state);
  VectorXd z(d.X.rows()), delta(d.X.rows()), gw(d.X.cols());
  Eigen::ArrayXd f(d.X.rows()), r(d.X.rows());
  for (auto _ : state) {
    z.noalias() = d.X * d.w;
    f = (1.0 + (-(z.array() + d.b)).exp()).inverse();
    r = f - d.y.array();
    const double L = 0.5 * r.matrix().squaredNorm();
    delta.array() = r * f * (1.0 - f);
    gw.noalias() = d.X.transpose() * delta;
    const double gb = delta.sum();
    benchmark::DoNotOptimize(L);
    benchmark::DoNotOptimize(gw.data());
    benchmark::DoNotOptimize(gb);
  }
  report(state, d, 0);
}

// Hv by differentiating the recorded backward pass; the counter x_gradient is its time over the time of
// one gradient (the autodiff benchmark's work), measured in the same run.
void BM_HessianVectorProduct(benchmark::State& state) {
  const BatchData& d = data(state);
  const MatrixXd v = VectorXd::Random(d.X.cols());
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const auto gradient = [&] {
    tape.clear();
    const MatVar w = gradlab::matrix_variable(d.w);
    const Var b = tape.variable(d.b);
    const gradlab::Gradients g = gradlab::backward(record_loss(d, w, b));
    benchmark::DoNotOptimize(g[w](0));
  };
  using clock = std::chrono::steady_clock;
  gradient();  // warm the tape's storage
  const int reps = 5;
  auto t0 = clock::now();
  for (int k = 0; k < reps; ++k) gradient();
  const double t_grad = std::chrono::duration<double>(clock::now() - t0).count() / reps;
  std::size_t peak = 0;
  t0 = clock::now();
  for (auto _ : state) {
    tape.clear();
    const MatVar w = gradlab::matrix_variable(d.w);
    const Var b = tape.variable(d.b);
    const MatrixXd hv = gradlab::hvp(record_loss(d, w, b), w, v);
    benchmark::DoNotOptimize(hv(0));
    peak = std::max(peak, tape.memory_bytes());
  }
  const double t_hvp =
      std::chrono::duration<double>(clock::now() - t0).count() / static_cast<double>(state.iterations());
  state.counters["x_gradient"] = t_hvp / t_grad;
  state.counters["gradient_ms"] = t_grad * 1e3;
  report(state, d, peak);
}

// What the fixed order of fixed_order.hpp costs against Eigen's own reductions and products (whose
// last bits depend on the vector width), on the batch neuron's data: the sum and dot product of a
// column of N entries, Xᵀd (N x d, the gradient's product) and Xw. Arguments: N rows, d features.
template <class F> void reduce(benchmark::State& state, F f) {
  const BatchData& d = data(state);
  for (auto _ : state) {
    auto r = f(d);
    benchmark::DoNotOptimize(r);
  }
  report(state, d, 0);
}
void BM_FixedOrderSum(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return gradlab::fixed_order::sum(d.X); });
}
void BM_EigenSum(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return d.X.sum(); });
}
void BM_FixedOrderDot(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return gradlab::fixed_order::dot(d.X, d.X); });
}
void BM_EigenDot(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return d.X.squaredNorm(); });
}
void BM_FixedOrderXtd(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return gradlab::fixed_order::matmul_tn(d.X, d.y)(0); });
}
void BM_EigenXtd(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return VectorXd(d.X.transpose() * d.y)(0); });
}
void BM_FixedOrderXw(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return gradlab::fixed_order::matmul(d.X, d.w)(0); });
}
void BM_EigenXw(benchmark::State& s) {
  reduce(s, [](const BatchData& d) { return VectorXd(d.X * d.w)(0); });
}
}  // namespace

BENCHMARK(BM_FixedOrderSum)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EigenSum)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FixedOrderDot)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EigenDot)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FixedOrderXtd)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EigenXtd)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FixedOrderXw)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EigenXw)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BatchNeuronGrad_Autodiff)
    ->Args({1000000, 1})
    ->Args({100000, 100})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BatchNeuronGrad_Neuron)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BatchNeuronGrad_Hand)->Args({1000000, 1})->Args({100000, 100})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HessianVectorProduct)->Args({100000, 100})->Unit(benchmark::kMillisecond);
