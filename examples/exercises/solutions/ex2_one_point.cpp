// Solution of exercise 2.
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// ∂L/∂w = (f − y) · f (1 − f) · x,  ∂L/∂b = (f − y) · f (1 − f).
Grad one_point_grad(double w, double b, double x, double y) {
  const double f = 1.0 / (1.0 + std::exp(-(w * x + b)));
  const double dz = (f - y) * f * (1.0 - f);  // ∂L/∂z = ∂L/∂f · σ'(z)
  return {dz * x, dz};
}

}  // namespace gradlab::exercises
