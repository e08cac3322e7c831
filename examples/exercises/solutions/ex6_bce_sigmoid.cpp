// Solution of exercise 6.
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// ∂L/∂f = (f − y) / (f (1 − f)) and σ'(z) = f (1 − f) cancel:  ∂L/∂w = (f − y) x,  ∂L/∂b = f − y.
Grad bce_sigmoid_grad(double w, double b, double x, double y) {
  const double f = 1.0 / (1.0 + std::exp(-(w * x + b)));
  return {(f - y) * x, f - y};
}

}  // namespace gradlab::exercises
