// Exercise 2: the gradient of the squared error for one point.
//
// The neuron f = σ(z) with z = w·x + b should output y for the input x. Its loss at that point is
// L = ½ (f − y)². Gradient descent needs ∂L/∂w and ∂L/∂b: use the chain rule
// ∂L/∂w = ∂L/∂f · ∂f/∂z · ∂z/∂w, and σ'(z) from exercise 1.
//
// Check:  cmake --build build/release --target check-exercises
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// TODO(exercise 2): return {∂L/∂w, ∂L/∂b} of L = ½ (σ(w·x + b) − y)² at the point (x, y).
Grad one_point_grad(double w, double b, double x, double y) { return {0.0, 0.0}; }

}  // namespace gradlab::exercises
