// gradlab against the C++ tape libraries CoDiPack and Adept-2, in one binary and one run (README.md
// in this folder). Two workloads, each at N = 10^4, 10^5, 10^6:
//   BM_Neuron_*  L = 1/2 sum (sigmoid(w x_i + b) - y_i)^2 over N points (NeuronData, as in
//                bench_scalar.cpp), its value and gradient with respect to w and b;
//   BM_Chain_*   x_{k+1} = sin(x_k) for N steps from x_0 = 0.7, dx_N/dx_0.
// The tape libraries write the sigmoid as their users do, 1 / (1 + exp(-z)), in three ways: the whole
// statement as one expression (their expression templates: one tape entry per statement, as gradlab's
// statement mode records), one statement per op (each op assigned to its own active variable: ten
// entries per point), and one statement per gradlab node (seven, as gradlab's node mode records; the
// sigmoid one of them). gradlab's own code is bench_scalar.cpp's, sigmoid a primitive. The baseline is the
// hand-derived loop with the libm exp (BM_*_Hand); before timing, every tool's value and gradient must agree
// with it to 1e-12 relative, or the program aborts.
#include <benchmark/benchmark.h>

#include <adept.h>
#include <array>
#include <cmath>
#include <codi.hpp>
#include <cstdio>
#include <cstdlib>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/statements.hpp>
#include <string>
#include <vector>

#include "../neuron_bodies.hpp"

namespace {
using bench::Gradient;
using bench::hand_chain;
using bench::hand_neuron;
using bench::kChainStart;
using bench::NeuronData;
using bench::sin_chain;

// Each tool records f(inputs) (a function of an array of its active type) and sweeps it back:
// gradient(at, f) gives f's value and gradient at the point `at`. An object of the tool lives for
// one benchmark run and keeps its tape's memory from one gradient to the next.
template <class V> struct Gradlab {  // V: gradlab::Var (node mode) or gradlab::statements::Var
  using Real = V;
  gradlab::Tape tape;
  gradlab::TapeScope scope{tape};
  std::vector<double> adj;

  template <std::size_t N, class F> Gradient<N> gradient(const std::array<double, N>& at, const F& f) {
    tape.clear();
    std::array<Real, N> in;
    for (std::size_t k = 0; k < N; ++k) in[k] = tape.variable(at[k]);
    const Real out = f(in);
    tape.backward(out.index(), adj);
    Gradient<N> g{out.value(), {}};
    for (std::size_t k = 0; k < N; ++k) g.d[k] = adj[in[k].index()];
    return g;
  }
};

struct Codi {  // CoDiPack's default reverse type: a Jacobian tape with linear indices
  using Real = codi::RealReverse;

  template <std::size_t N, class F> Gradient<N> gradient(const std::array<double, N>& at, const F& f) {
    auto& tape = Real::getTape();
    tape.reset();
    tape.setActive();
    std::array<Real, N> in;
    for (std::size_t k = 0; k < N; ++k) {
      in[k] = at[k];
      tape.registerInput(in[k]);
    }
    Real out = f(in);
    tape.registerOutput(out);
    tape.setPassive();
    out.setGradient(1.0);
    tape.evaluate();
    Gradient<N> g{out.getValue(), {}};
    for (std::size_t k = 0; k < N; ++k) g.d[k] = in[k].getGradient();
    return g;
  }
};

struct Adept {  // Adept-2's adouble, with its default (thread-safe) stack
  using Real = adept::adouble;
  adept::Stack stack;

  template <std::size_t N, class F> Gradient<N> gradient(const std::array<double, N>& at, const F& f) {
    std::array<Real, N> in;
    for (std::size_t k = 0; k < N; ++k) in[k] = at[k];
    stack.new_recording();
    const Real out = f(in);
    out.set_gradient(1.0);
    stack.compute_adjoint();
    Gradient<N> g{out.value(), {}};
    for (std::size_t k = 0; k < N; ++k) g.d[k] = in[k].get_gradient();
    return g;
  }
};

constexpr std::array<double, 2> kNeuronAt{bench::kW, bench::kB};  // (w, b)

// The neuron as gradlab's users write it (bench::neuron_loss, bench_scalar.cpp's): sigmoid is a
// primitive.
struct GradlabBody {
  template <class Real> static Real neuron(const Real& w, const Real& b, const NeuronData& data) {
    return bench::neuron_loss(w, b, data);
  }
};
// The same with the tape libraries' expression templates: two statements per point.
struct ExpressionBody {
  template <class Real> static Real neuron(const Real& w, const Real& b, const NeuronData& data) {
    Real loss = 0.0;
    for (std::size_t i = 0; i < data.x.size(); ++i) {
      Real r = 1.0 / (1.0 + exp(-(w * data.x[i] + b))) - data.y[i];
      loss += 0.5 * r * r;
    }
    return loss;
  }
};
// The same with one statement per op, each op assigned to its own active variable: the sigmoid
// split into its four ops (-, exp, +, /: ten statements per point) or in one statement (seven per
// point, one per node of gradlab's node mode, so that the cost per recorded entry compares directly).
// f is made before the sigmoid's own variables, so that all die in the reverse order of their making:
// Adept hands a variable's slot back cheaply only then (the sigmoid's four statements in a function
// returning f cost Adept about 40% more; this layout is within about 5% of writing all ten in the
// loop body, on a shared machine).
template <bool kSigmoidPerOp> struct PerOpBody {
  template <class Real> static Real neuron(const Real& w, const Real& b, const NeuronData& data) {
    Real loss = 0.0;
    for (std::size_t i = 0; i < data.x.size(); ++i) {
      const Real wx = w * data.x[i];
      const Real z = wx + b;
      Real f;
      if constexpr (kSigmoidPerOp) {
        const Real minus_z = -z;
        const Real e = exp(minus_z);
        const Real denominator = 1.0 + e;
        f = 1.0 / denominator;
      } else {
        f = 1.0 / (1.0 + exp(-z));
      }
      const Real r = f - data.y[i];
      const Real half_r = 0.5 * r;
      const Real square = half_r * r;
      loss += square;
    }
    return loss;
  }
};

// Aborts unless `got` agrees with `want` to 1e-12 relative in the value and every derivative.
template <std::size_t N> void check(const char* name, const Gradient<N>& got, const Gradient<N>& want) {
  std::array<double, N + 1> g{got.value}, w{want.value};
  for (std::size_t k = 0; k < N; ++k) g[k + 1] = got.d[k], w[k + 1] = want.d[k];
  for (std::size_t k = 0; k <= N; ++k) {
    if (!(std::abs(g[k] - w[k]) <= 1e-12 * std::abs(w[k]))) {
      std::fprintf(stderr,
                   "%s: %s is %.17g, the hand-written loop gives %.17g (relative error %.3g > 1e-12)\n", name,
                   k == 0 ? "the value" : ("derivative " + std::to_string(k)).c_str(), g[k], w[k],
                   std::abs(g[k] - w[k]) / std::abs(w[k]));
      std::abort();
    }
  }
}

std::size_t size_of(const benchmark::State& state) { return static_cast<std::size_t>(state.range(0)); }

template <class Sigmoid> void neuron_hand(benchmark::State& state, const char* name) {
  const NeuronData data(size_of(state));
  check(name, hand_neuron<Sigmoid>(data), hand_neuron<bench::LibmSigmoid>(data));
  for (auto _ : state) {
    auto g = hand_neuron<Sigmoid>(data);
    benchmark::DoNotOptimize(g);
  }
}

template <class Tool, class Body> void neuron(benchmark::State& state, const char* name) {
  const NeuronData data(size_of(state));
  Tool tool;
  const auto f = [&](const auto& in) { return Body::neuron(in[0], in[1], data); };
  check(name, tool.gradient(kNeuronAt, f), hand_neuron<bench::LibmSigmoid>(data));
  for (auto _ : state) {
    auto g = tool.gradient(kNeuronAt, f);
    benchmark::DoNotOptimize(g);
  }
}

void chain_hand(benchmark::State& state, const char*) {
  std::vector<double> xs(size_of(state) + 1);
  for (auto _ : state) {
    auto g = hand_chain(xs);
    benchmark::DoNotOptimize(g);
  }
}

template <class Tool> void chain(benchmark::State& state, const char* name) {
  const std::size_t n = size_of(state);
  std::vector<double> xs(n + 1);
  Tool tool;
  const auto f = [&](const auto& in) { return sin_chain(in[0], n); };
  check(name, tool.gradient(std::array{kChainStart}, f), hand_chain(xs));
  for (auto _ : state) {
    auto g = tool.gradient(std::array{kChainStart}, f);
    benchmark::DoNotOptimize(g);
  }
}

using Node = Gradlab<gradlab::Var>;
using Statement = Gradlab<gradlab::statements::Var>;

// Registers bench (a function of the state and the name) under `name` at N = 10^4, 10^5, 10^6.
void add(const char* name, void (*bench)(benchmark::State&, const char*)) {
  benchmark::RegisterBenchmark(name, [=](benchmark::State& state) { bench(state, name); })
      ->Arg(10000)
      ->Arg(100000)
      ->Arg(1000000)
      ->Unit(benchmark::kMillisecond);
}
}  // namespace

// Names: the hand-written loop with libm's exp is <stem>_Hand, the partner scripts/bench_table.py
// divides by; *PerOp = one statement per op, *PerNode = one statement per gradlab node, *Expr = the
// whole statement as one expression.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  add("BM_Neuron_Hand", neuron_hand<bench::LibmSigmoid>);
  add("BM_Neuron_HandPlainExp", neuron_hand<bench::PlainLibmSigmoid>);
  add("BM_Neuron_HandInlineExp", neuron_hand<bench::InlineSigmoid>);
  add("BM_Neuron_GradlabNode", neuron<Node, GradlabBody>);
  add("BM_Neuron_GradlabStatement", neuron<Statement, GradlabBody>);
  add("BM_Neuron_CodiPerOp", neuron<Codi, PerOpBody<true>>);
  add("BM_Neuron_CodiPerNode", neuron<Codi, PerOpBody<false>>);
  add("BM_Neuron_CodiExpr", neuron<Codi, ExpressionBody>);
  add("BM_Neuron_AdeptPerOp", neuron<Adept, PerOpBody<true>>);
  add("BM_Neuron_AdeptPerNode", neuron<Adept, PerOpBody<false>>);
  add("BM_Neuron_AdeptExpr", neuron<Adept, ExpressionBody>);
  add("BM_Chain_Hand", chain_hand);
  add("BM_Chain_GradlabNode", chain<Node>);
  add("BM_Chain_GradlabStatement", chain<Statement>);
  add("BM_Chain_Codi", chain<Codi>);
  add("BM_Chain_Adept", chain<Adept>);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
