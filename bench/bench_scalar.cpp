// Scalar engine benchmarks: the tape against hand-written derivative code, in one run.
#include <benchmark/benchmark.h>

#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/statements.hpp>
#include <type_traits>
#include <vector>

#include "neuron_bodies.hpp"

namespace {
using bench::NeuronData;

// The neuron's loss (bench::neuron_loss, as a learner writes it) and its gradient: with Var =
// gradlab::Var one tape node per scalar op; with Var = gradlab::statements::Var one entry per
// statement, two per point (docs/statement-mode.md).
template <class Var> void neuron_grad(benchmark::State& state) {
  const NeuronData data(static_cast<std::size_t>(state.range(0)));
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  std::vector<double> adj;
  for (auto _ : state) {
    tape.clear();
    Var w = tape.variable(bench::kW), b = tape.variable(bench::kB);
    const Var loss = bench::neuron_loss(w, b, data);
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
  w = tape.variable(bench::kW), b = tape.variable(bench::kB);
  loss = bench::neuron_loss(w, b, data);
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

// The same value and gradient by the hand-derived loop (bench::hand_neuron). _Hand, every ratio's
// denominator, computes sigma as gradlab's sigmoid did when issue 18 measured the tape libraries
// against it (bench::LibmSigmoid); _HandPlainExp as 1/(1 + e^-z) through libm with no branch;
// _HandInlineExp through gradlab::ops::sigmoid, gradlab's own inline exp (a scalar loop: its one-argument
// form branches for |x| > 708).
template <class Sigmoid> void neuron_by_hand(benchmark::State& state) {
  const NeuronData data(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto g = bench::hand_neuron<Sigmoid>(data);
    benchmark::DoNotOptimize(g);
  }
}
void BM_ScalarNeuronGrad_Hand(benchmark::State& state) { neuron_by_hand<bench::LibmSigmoid>(state); }
void BM_ScalarNeuronGrad_HandPlainExp(benchmark::State& state) {
  neuron_by_hand<bench::PlainLibmSigmoid>(state);
}
void BM_ScalarNeuronGrad_HandInlineExp(benchmark::State& state) {
  neuron_by_hand<bench::InlineSigmoid>(state);
}

// The chain of sines (bench::sin_chain): value and derivative by the tape (each sin(x) is a single
// op, so that statements::Var records plain nodes too, through its expression).
template <class Var> void deep_chain(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  tape.reserve(n + 1);
  std::vector<double> adj;
  for (auto _ : state) {
    tape.clear();
    Var x0 = tape.variable(bench::kChainStart);
    const Var x = bench::sin_chain(x0, n);
    tape.backward(x.index(), adj);
    benchmark::DoNotOptimize(adj[x0.index()]);
  }
}
void BM_DeepChain_Tape(benchmark::State& state) { deep_chain<gradlab::Var>(state); }
void BM_DeepChain_Statement(benchmark::State& state) { deep_chain<gradlab::statements::Var>(state); }

// The same by the hand-written adjoint (bench::hand_chain).
void BM_DeepChain_Hand(benchmark::State& state) {
  std::vector<double> xs(static_cast<std::size_t>(state.range(0)) + 1);
  for (auto _ : state) {
    auto g = bench::hand_chain(xs);
    benchmark::DoNotOptimize(g);
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
