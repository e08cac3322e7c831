// Solution of exercise 3.
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// ∂L/∂w = Σᵢ (fᵢ − yᵢ) fᵢ (1 − fᵢ) xᵢ,  ∂L/∂b = Σᵢ (fᵢ − yᵢ) fᵢ (1 − fᵢ).
Grad data_set_grad(double w, double b, std::span<const double> xs, std::span<const double> ys) {
  Grad g{0.0, 0.0};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = 1.0 / (1.0 + std::exp(-(w * xs[i] + b)));
    const double dz = (f - ys[i]) * f * (1.0 - f);
    g.dw += dz * xs[i];
    g.db += dz;
  }
  return g;
}

}  // namespace gradlab::exercises
