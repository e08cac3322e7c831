// Solution of exercise 1.
#include <cmath>

#include "exercises.hpp"

namespace gradlab::exercises {

// σ'(z) = e^(−z) / (1 + e^(−z))² = σ(z) (1 − σ(z)).
double sigmoid_derivative(double z) {
  const double s = 1.0 / (1.0 + std::exp(-z));
  return s * (1.0 - s);
}

}  // namespace gradlab::exercises
