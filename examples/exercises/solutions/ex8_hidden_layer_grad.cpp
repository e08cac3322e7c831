// Solution of exercise 8.
#include "exercises.hpp"

namespace gradlab::exercises {

// Per sample: δ² = p − y, δ¹ = (W²ᵀ δ²) ⊙ (1 − tanh²(z¹)), ∂Lᵢ/∂W¹ = δ¹ xᵀ; the mean divides by n.
Eigen::MatrixXd hidden_layer_grad(const Eigen::MatrixXd& W1, const Eigen::VectorXd& b1,
                                  const Eigen::MatrixXd& W2, const Eigen::VectorXd& b2,
                                  const Eigen::MatrixXd& X, const std::vector<int>& labels) {
  Eigen::MatrixXd dW1 = Eigen::MatrixXd::Zero(W1.rows(), W1.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const Eigen::VectorXd x = X.row(i).transpose();
    const Eigen::VectorXd a1 = (W1 * x + b1).array().tanh().matrix();
    const Eigen::VectorXd delta2 = softmax_ce_delta(W2 * a1 + b2, labels[static_cast<std::size_t>(i)]);
    const Eigen::VectorXd delta1 =
        (W2.transpose() * delta2).cwiseProduct((1.0 - a1.array().square()).matrix());
    dW1 += delta1 * x.transpose();
  }
  return dW1 / static_cast<double>(X.rows());
}

}  // namespace gradlab::exercises
