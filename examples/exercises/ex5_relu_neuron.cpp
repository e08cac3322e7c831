// Exercise 5: the ReLU neuron and its kink.
//
// f = relu(z) = max(0, z) with z = w·x + b, L = ½ (f − y)². relu'(z) is 1 for z > 0 and 0 for z < 0;
// at z = 0 it has no derivative, and a library must pick a value. gradlab, like PyTorch, takes
// relu'(0) = 0. The checker tries points with z = 0 exactly.
//
// Check:  cmake --build build/release --target check-exercises
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// TODO(exercise 5): return {∂L/∂w, ∂L/∂b} of L = ½ (relu(w·x + b) − y)², with relu'(0) = 0.
Grad relu_neuron_grad(double w, double b, double x, double y) { return {0.0, 0.0}; }

}  // namespace gradlab::exercises
