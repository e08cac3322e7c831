// The data of the scalar neuron benchmarks (bench_scalar.cpp, and the comparison with the C++ tape
// libraries in compare/compare.cpp): n points x_i uniform in [-3, 3] with targets y_i uniform in
// [0, 1], the same numbers in every run and every benchmark.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

struct NeuronData {
  std::vector<double> x, y;
  explicit NeuronData(std::size_t n) : x(n), y(n) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> ux(-3, 3), uy(0, 1);
    for (std::size_t i = 0; i < n; ++i) x[i] = ux(rng), y[i] = uy(rng);
  }
};
