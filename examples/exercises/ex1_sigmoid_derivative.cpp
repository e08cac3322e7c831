// Exercise 1: the derivative of the sigmoid.
//
// The sigmoid σ(z) = 1 / (1 + e^(−z)) squashes any real z into (0, 1). Every gradient of a sigmoid
// neuron goes through its derivative σ'(z), so that is where the course starts.
//
// Check:  cmake --build build/release --target check-exercises
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// TODO(exercise 1): return σ'(z), the derivative of σ(z) = 1 / (1 + exp(−z)).
// Differentiate the quotient, then write the result with σ(z) itself.
double sigmoid_derivative(double z) { return 0.0; }

}  // namespace gradlab::exercises
