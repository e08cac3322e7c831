// Exercise 7: the output layer's δ for softmax with cross-entropy.
//
// A classifier's last layer gives logits z (one per class); p = softmax(z), p_k = e^{z_k} / Σ_j e^{z_j},
// and the loss of a sample of class `label` is L = −log p_label. Backpropagation starts from
// δ = ∂L/∂z. Write L as log Σ_j e^{z_j} − z_label and differentiate with respect to each z_k: every
// logit appears in the normaliser, the true class's also on its own.
//
// Check:  cmake --build build/release --target check-exercises
#include "exercises.hpp"

namespace gradlab::exercises {

// TODO(exercise 7): return δ = ∂L/∂z (one entry per class) of L = −log softmax(z)_label.
Eigen::VectorXd softmax_ce_delta(const Eigen::VectorXd& z, int label) {
  return Eigen::VectorXd::Zero(z.size());
}

}  // namespace gradlab::exercises
