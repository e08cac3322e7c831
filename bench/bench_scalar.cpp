// Scalar engine benchmarks: the tape against hand-written derivative code, in one run.
#include <benchmark/benchmark.h>

#include <cmath>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/statements.hpp>
#include <type_traits>
#include <vector>

#include "neuron_bodies.hpp"

namespace {
using gradlab::Var;

// L = 1/2 sum (sigmoid(w x_i + b) - y_i)^2 as a learner writes it: with Var = gradlab::Var one tape
// node per scalar op; with Var = gradlab::statements::Var one entry per statement, two per point
// (docs/statement-mode.md).
template <class Var> void neuron_grad(benchmark::State& state) {
  const NeuronData data(static_cast<std::size_t>(state.range(0)));
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  std::vector<double> adj;
  for (auto _ : state) {
    tape.clear();
    Var w = tape.variable(0.3), b = tape.variable(-0.2);
    Var loss = 0.0;
    for (std::size_t i = 0; i < data.x.size(); ++i) {
      Var r = sigmoid(w * data.x[i] + b) - data.y[i];
      loss += 0.5 * r * r;
    }
    tape.backward(loss.index(), adj);
    benchmark::DoNotOptimize(adj[w.index()]);
    benchmark::DoNotOptimize(adj[b.index()]);
  }
  state.counters["nodes"] = static_cast<double>(tape.size());
  if constexpr (std::is_same_v<Var, gradlab::Var>) {
    state.counters["bytes/node"] = static_cast<double>(gradlab::Tape::bytes_per_node);
  } else {  // statement mode: entries of different sizes
    state.counters["bytes/point"] =
        static_cast<double>(tape.recorded_bytes()) / static_cast<double>(data.x.size());
  }
}
void BM_ScalarNeuronGrad_Tape(benchmark::State& state) { neuron_grad<gradlab::Var>(state); }
void BM_ScalarNeuronGrad_Statement(benchmark::State& state) { neuron_grad<gradlab::statements::Var>(state); }

// The two halves of BM_ScalarNeuronGrad_Tape (and _Statement) timed apart: recording only, and the
// sweep only (one recording, swept again in every iteration).
template <class Var>
void record_neuron(gradlab::Tape& tape, const NeuronData& data, Var& w, Var& b, Var& loss) {
  tape.clear();
  w = tape.variable(0.3), b = tape.variable(-0.2);
  loss = 0.0;
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    Var r = sigmoid(w * data.x[i] + b) - data.y[i];
    loss += 0.5 * r * r;
  }
}

template <class Var> void neuron_record(benchmark::State& state) {
  const NeuronData data(static_cast<std::size_t>(state.range(0)));
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  Var w, b, loss;
  for (auto _ : state) {
    record_neuron(tape, data, w, b, loss);
    benchmark::DoNotOptimize(loss.index());
  }
}
void BM_ScalarNeuronRecord(benchmark::State& state) { neuron_record<gradlab::Var>(state); }
void BM_ScalarNeuronRecord_Statement(benchmark::State& state) {
  neuron_record<gradlab::statements::Var>(state);
}

template <class Var> void neuron_sweep(benchmark::State& state) {
  const NeuronData data(static_cast<std::size_t>(state.range(0)));
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  Var w, b, loss;
  record_neuron(tape, data, w, b, loss);
  std::vector<double> adj;
  for (auto _ : state) {
    tape.backward(loss.index(), adj);
    benchmark::DoNotOptimize(adj[w.index()]);
    benchmark::DoNotOptimize(adj[b.index()]);
  }
}
void BM_ScalarNeuronSweep(benchmark::State& state) { neuron_sweep<gradlab::Var>(state); }
void BM_ScalarNeuronSweep_Statement(benchmark::State& state) {
  neuron_sweep<gradlab::statements::Var>(state);
}

// The same value and gradient by the hand-derived loop. Its baseline form (BM_ScalarNeuronGrad_Hand,
// every ratio's denominator) computes sigma as gradlab's sigmoid did when issue 18 measured the C++
// tape libraries against it: overflow-safe, 1/(1 + e^-z) for z >= 0 and e^z/(1 + e^z) below, through
// libm's exp (a call and a branch per point).
template <class Sigmoid> void neuron_grad_by_hand(benchmark::State& state, Sigmoid sigmoid) {
  const NeuronData data(static_cast<std::size_t>(state.range(0)));
  const double w = 0.3, b = -0.2;
  for (auto _ : state) {
    double loss = 0, dw = 0, db = 0;
    for (std::size_t i = 0; i < data.x.size(); ++i) {
      const double f = sigmoid(w * data.x[i] + b);
      const double r = f - data.y[i];
      loss += 0.5 * r * r;
      const double delta = r * f * (1 - f);
      dw += delta * data.x[i];
      db += delta;
    }
    benchmark::DoNotOptimize(loss);
    benchmark::DoNotOptimize(dw);
    benchmark::DoNotOptimize(db);
  }
}
void BM_ScalarNeuronGrad_Hand(benchmark::State& state) {
  neuron_grad_by_hand(state, [](double z) {
    if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
  });
}
// The same loop with sigma written 1/(1 + e^-z) straight, through libm's exp (no branch; e^-z
// overflows to inf below z = -709, and sigma to 0 then).
void BM_ScalarNeuronGrad_HandPlainExp(benchmark::State& state) {
  neuron_grad_by_hand(state, [](double z) { return 1.0 / (1.0 + std::exp(-z)); });
}
// The same loop through gradlab::ops::sigmoid, whose exp is gradlab's own, inline and branch-free:
// GCC vectorises the whole loop (about twice as fast as the libm loop natively).
void BM_ScalarNeuronGrad_HandInlineExp(benchmark::State& state) {
  neuron_grad_by_hand(state, [](double z) { return gradlab::ops::sigmoid(z); });
}

// x_{k+1} = sin(x_k) for n steps: value and derivative by the tape (each sin(x) is a single op, so
// that statements::Var records plain nodes too, through its expression).
template <class Var> void deep_chain(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  tape.reserve(n + 1);
  std::vector<double> adj;
  for (auto _ : state) {
    tape.clear();
    Var x0 = tape.variable(0.7);
    Var x = x0;
    for (std::size_t k = 0; k < n; ++k) x = sin(x);
    tape.backward(x.index(), adj);
    benchmark::DoNotOptimize(adj[x0.index()]);
  }
}
void BM_DeepChain_Tape(benchmark::State& state) { deep_chain<gradlab::Var>(state); }
void BM_DeepChain_Statement(benchmark::State& state) { deep_chain<gradlab::statements::Var>(state); }

// The same by the hand-written adjoint: store the chain, then multiply cos(x_k) backwards.
void BM_DeepChain_Hand(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<double> xs(n + 1);
  for (auto _ : state) {
    xs[0] = 0.7;
    for (std::size_t k = 0; k < n; ++k) xs[k + 1] = std::sin(xs[k]);
    double adj = 1.0;
    for (std::size_t k = n; k-- > 0;) adj *= std::cos(xs[k]);
    benchmark::DoNotOptimize(xs[n]);
    benchmark::DoNotOptimize(adj);
  }
}

// N = 10^4, 10^5, 10^6 points (or chain steps), times in ms.
void at_three_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
}
}  // namespace

BENCHMARK(BM_ScalarNeuronGrad_Tape)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronGrad_Statement)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronRecord)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronSweep)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronRecord_Statement)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronSweep_Statement)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronGrad_Hand)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronGrad_HandPlainExp)->Apply(at_three_sizes);
BENCHMARK(BM_ScalarNeuronGrad_HandInlineExp)->Apply(at_three_sizes);
BENCHMARK(BM_DeepChain_Tape)->Apply(at_three_sizes);
BENCHMARK(BM_DeepChain_Statement)->Apply(at_three_sizes);
BENCHMARK(BM_DeepChain_Hand)->Apply(at_three_sizes);
