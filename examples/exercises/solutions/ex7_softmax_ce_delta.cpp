// Solution of exercise 7.
#include "exercises.hpp"

namespace gradlab::exercises {

// L = log Σ_j e^{z_j} − z_label, so ∂L/∂z_k = e^{z_k} / Σ_j e^{z_j} − [k = label] = p_k − y_k.
Eigen::VectorXd softmax_ce_delta(const Eigen::VectorXd& z, int label) {
  const Eigen::ArrayXd e = (z.array() - z.maxCoeff()).exp();  // shifted: e never overflows
  Eigen::VectorXd delta = (e / e.sum()).matrix();
  delta[label] -= 1.0;
  return delta;
}

}  // namespace gradlab::exercises
