#pragma once
/// @file exercises.hpp
/// The functions a student writes in the course exercises, one file each (ex1_*.cpp ... ex6_*.cpp).
/// Check them with `cmake --build build/release --target check-exercises`.
///
/// The running example is the neuron f = act(z) with z = w·x + b, and a loss L(f, y).
#include <Eigen/Core>
#include <span>
#include <vector>

namespace gradlab::exercises {

/// The gradient of a loss with respect to the neuron's two parameters.
struct Grad {
  double dw;  ///< ∂L/∂w
  double db;  ///< ∂L/∂b
};

/// Exercise 1: σ'(z) for σ(z) = 1 / (1 + e^(−z)).
double sigmoid_derivative(double z);
/// Exercise 2: ∂L/∂w, ∂L/∂b of L = ½ (σ(w·x + b) − y)² for one point (x, y).
Grad one_point_grad(double w, double b, double x, double y);
/// Exercise 3: the same for L = ½ Σᵢ (σ(w·xᵢ + b) − yᵢ)² over a data set.
Grad data_set_grad(double w, double b, std::span<const double> xs, std::span<const double> ys);
/// Exercise 4: L = ½ (tanh(w·x + b) − y)².
Grad tanh_neuron_grad(double w, double b, double x, double y);
/// Exercise 5: L = ½ (relu(w·x + b) − y)², including the kink at w·x + b = 0.
Grad relu_neuron_grad(double w, double b, double x, double y);
/// Exercise 6: L = −[y log f + (1 − y) log(1 − f)] with f = σ(w·x + b) (binary cross-entropy).
Grad bce_sigmoid_grad(double w, double b, double x, double y);

// Networks (docs/backprop.md): layers z = W a + b, a = act(z), W of shape units x inputs.

/// Exercise 7: the output layer's δ = ∂L/∂z of L = −log softmax(z)_label (cross-entropy on the
/// logits z, one sample, the true class `label`).
Eigen::VectorXd softmax_ce_delta(const Eigen::VectorXd& z, int label);
/// Exercise 8: ∂L/∂W¹ (units x inputs) of the mean cross-entropy L = (1/n) Σᵢ −log softmax(z²ᵢ)_labelᵢ
/// of a network with one tanh hidden layer: z¹ = W¹ x + b¹, a¹ = tanh(z¹), z² = W² a¹ + b². X holds
/// the n samples as rows.
Eigen::MatrixXd hidden_layer_grad(const Eigen::MatrixXd& W1, const Eigen::VectorXd& b1,
                                  const Eigen::MatrixXd& W2, const Eigen::VectorXd& b2,
                                  const Eigen::MatrixXd& X, const std::vector<int>& labels);

}  // namespace gradlab::exercises
