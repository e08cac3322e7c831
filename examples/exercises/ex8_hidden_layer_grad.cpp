// Exercise 8: ∂L/∂W of a hidden layer.
//
// The network: z¹ = W¹ x + b¹, a¹ = tanh(z¹), z² = W² a¹ + b², and the mean cross-entropy
// L = (1/n) Σᵢ −log softmax(z²ᵢ)_labelᵢ over the n rows of X. Backpropagate one sample at a time:
//   δ² = ∂Lᵢ/∂z² (exercise 7),  δ¹ = (W²ᵀ δ²) ⊙ tanh'(z¹),  ∂Lᵢ/∂W¹ = δ¹ xᵀ,
// then average over the samples. The result has W¹'s shape: units x inputs.
//
// Check:  cmake --build build/release --target check-exercises
#include "exercises.hpp"

namespace gradlab::exercises {

// TODO(exercise 8): return ∂L/∂W¹ (W1.rows() x W1.cols()) of the mean cross-entropy.
Eigen::MatrixXd hidden_layer_grad(const Eigen::MatrixXd& W1, const Eigen::VectorXd& b1,
                                  const Eigen::MatrixXd& W2, const Eigen::VectorXd& b2,
                                  const Eigen::MatrixXd& X, const std::vector<int>& labels) {
  return Eigen::MatrixXd::Zero(W1.rows(), W1.cols());
}

}  // namespace gradlab::exercises
