#pragma once
/// @file article.hpp
/// The sigmoid-neuron article's setup, exactly: data X = [0.5, 2.5], Y = [0.2, 0.9], start w = 0,
/// b = -8, learning rate 1.0, 1000 epochs of full-batch gradient descent on L = 1/2 sum (f - y)^2.
#include <Eigen/Core>
#include <string>
#include <string_view>

#include "gradlab/neuron/neuron.hpp"
#include "gradlab/neuron/optimizer.hpp"

namespace gradlab::article {

inline constexpr double w0 = 0.0;             ///< starting weight
inline constexpr double b0 = -8.0;            ///< starting bias
inline constexpr double learning_rate = 1.0;  ///< eta
inline constexpr int epochs = 1000;           ///< full-batch updates

/// A start and a schedule for the article's problem; the defaults are the article's own, and
/// `gradlab article --w0 --b0 --lr --epochs` tries the article's "what if we start elsewhere".
struct Setup {
  double w0 = article::w0;
  double b0 = article::b0;
  double learning_rate = article::learning_rate;
  int epochs = article::epochs;
};

/// The data as text, "X = [0.5, 2.5], Y = [0.2, 0.9]", made from inputs() and targets().
std::string data_text();

/// X: the two inputs 0.5 and 2.5, as a 2x1 matrix (one sample per row).
Eigen::MatrixXd inputs();
/// Y: the targets 0.2 and 0.9.
Eigen::VectorXd targets();
/// The neuron at the article's start (w = 0, b = -8), with squared error.
Neuron start(std::string_view activation = "sigmoid", std::string_view loss = "squared_error");
/// The neuron at the setup's start (w0, b0), sigmoid with squared error.
Neuron start(const Setup& setup);
/// The article's run: gradient descent from the start, eta = 1, 1000 epochs (1001 rows); or from
/// the setup's start with its learning rate and epochs.
Trajectory run_gradient_descent(GradMethod method = GradMethod::Formula, const Setup& setup = {});

/// The exact optimum: the line through both points, where sigmoid(0.5 w + b) = 0.2 and
/// sigmoid(2.5 w + b) = 0.9, i.e. the 2x2 linear system 0.5 w + b = logit 0.2, 2.5 w + b = logit 0.9.
struct Optimum {
  double w;
  double b;
};
Optimum exact_optimum();

/// The curvature of L at a point: the Hessian (autodiff of autodiff), its eigenvalues (ascending)
/// and the largest stable learning rate for gradient descent, 2 / lambda_max.
struct Curvature {
  Eigen::MatrixXd hessian;
  Eigen::VectorXd eigenvalues;
  double max_stable_learning_rate;
};
Curvature curvature(const Neuron& neuron);

}  // namespace gradlab::article
