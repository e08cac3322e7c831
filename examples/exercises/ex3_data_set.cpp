// Exercise 3: the gradient over a whole data set.
//
// Training uses every point: L = ½ Σᵢ (σ(w·xᵢ + b) − yᵢ)². The derivative of a sum is the sum of the
// derivatives, so reuse exercise 2 point by point (sum, do not average).
//
// Check:  cmake --build build/release --target check-exercises
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// TODO(exercise 3): return {∂L/∂w, ∂L/∂b} of L = ½ Σᵢ (σ(w·xᵢ + b) − yᵢ)² over the points (xs[i], ys[i]).
Grad data_set_grad(double w, double b, std::span<const double> xs, std::span<const double> ys) {
  return {0.0, 0.0};
}

}  // namespace gradlab::exercises
