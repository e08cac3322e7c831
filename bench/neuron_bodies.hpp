// The scalar workloads of bench_scalar.cpp and of the comparison with the C++ tape libraries
// (compare/compare.cpp), written once: the neuron's data, its loss as a user writes it for any active
// type, its hand-derived gradient with three forms of the sigmoid, and the chain of sines.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <gradlab/autodiff/ops.hpp>
#include <random>
#include <vector>

namespace bench {

// n points x_i uniform in [-3, 3] with targets y_i uniform in [0, 1], the same numbers in every run
// and every benchmark.
struct NeuronData {
  std::vector<double> x, y;
  explicit NeuronData(std::size_t n) : x(n), y(n) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> ux(-3, 3), uy(0, 1);
    for (std::size_t i = 0; i < n; ++i) x[i] = ux(rng), y[i] = uy(rng);
  }
};

constexpr double kW = 0.3, kB = -0.2;  // the point (w, b) of every neuron benchmark
constexpr double kChainStart = 0.7;    // x_0 of the chain

// L = 1/2 sum (sigmoid(w x_i + b) - y_i)^2 as a learner writes it, for any active type with a
// sigmoid: gradlab::Var records one node per op, gradlab::statements::Var one entry per statement.
template <class Real> Real neuron_loss(const Real& w, const Real& b, const NeuronData& data) {
  Real loss = 0.0;
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    Real r = sigmoid(w * data.x[i] + b) - data.y[i];
    loss += 0.5 * r * r;
  }
  return Real(loss);  // a copy: see sin_chain
}

// A value and its gradient with respect to N inputs.
template <std::size_t N> struct Gradient {
  double value;
  std::array<double, N> d;
};

// The sigmoid of the hand-written loops, three ways:
// as gradlab's sigmoid was when issue 18 measured the tape libraries (overflow-safe: a branch on the
// sign of z, libm's exp) -- the baseline of every ratio;
struct LibmSigmoid {
  double operator()(double z) const {
    if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
  }
};
// 1/(1 + e^-z) straight through libm's exp (no branch; sigma is 0 below z = -709, where e^-z is inf);
struct PlainLibmSigmoid {
  double operator()(double z) const { return 1.0 / (1.0 + std::exp(-z)); }
};
// gradlab::ops::sigmoid, whose exp is gradlab's own and inline (with one predictable branch: the loop
// stays scalar).
struct InlineSigmoid {
  double operator()(double z) const { return gradlab::ops::sigmoid(z); }
};

// The hand-derived value and gradient (dL/dw, dL/db): delta_i = (f_i - y_i) f_i (1 - f_i).
template <class Sigmoid> Gradient<2> hand_neuron(const NeuronData& data) {
  double loss = 0, dw = 0, db = 0;
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    const double f = Sigmoid{}(kW * data.x[i] + kB);
    const double r = f - data.y[i];
    loss += 0.5 * r * r;
    const double delta = r * f * (1 - f);
    dw += delta * data.x[i];
    db += delta;
  }
  return {loss, {dw, db}};
}

// x_{k+1} = sin(x_k) for n steps, for any active type.
template <class Real> Real sin_chain(const Real& x0, std::size_t n) {
  Real x = x0;
  for (std::size_t k = 0; k < n; ++k) x = sin(x);
  // A copy, not x itself: a named return value lives in the caller's memory, and every step would
  // store and reload it on the serial path (GCC 12: the chain 0.8 -> 1.1 times the hand loop).
  return Real(x);
}

// The same by the hand-written adjoint, in the caller's buffer of n + 1 entries: store the chain,
// then multiply cos(x_k) backwards; dx_n/dx_0.
inline Gradient<1> hand_chain(std::vector<double>& xs) {
  const std::size_t n = xs.size() - 1;
  xs[0] = kChainStart;
  for (std::size_t k = 0; k < n; ++k) xs[k + 1] = std::sin(xs[k]);
  double adj = 1.0;
  for (std::size_t k = n; k-- > 0;) adj *= std::cos(xs[k]);
  return {xs[n], {adj}};
}

}  // namespace bench
