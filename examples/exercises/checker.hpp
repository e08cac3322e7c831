#pragma once
/// @file checker.hpp
/// Automatic feedback for the course exercises: compares a student's function with gradlab's
/// autodiff at many points and, on a wrong answer, prints the point, the expected and received
/// values and a hint read from the pattern of the error (a constant factor, a sign, a missing x, ...).
///
/// autodiff is the only oracle: the checker writes each loss once, in Vars, and lets the engine
/// differentiate it.
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "exercises.hpp"

namespace gradlab::exercises {

/// A named quantity at a point that a wrong answer may be off by, e.g. {"x", 2.5, "∂z/∂w = x"}.
struct Factor {
  std::string name;
  double value;
  std::string why;  ///< where it comes from, shown in the hint
};

/// One point at which the student's answer was compared with autodiff's.
struct Sample {
  std::string point;             ///< the inputs, printed so they can be typed in again
  std::vector<double> expected;  ///< autodiff's derivatives, one per output
  std::vector<double> received;  ///< the student's
  std::vector<Factor> factors;   ///< quantities a hint may recognise in received / expected
  std::string special;           ///< why this point is special (e.g. the kink), or empty
};

/// What the checker says about one exercise.
struct Report {
  int exercise = 0;
  std::string title;
  std::string file;                  ///< the file the student edits
  std::vector<std::string> outputs;  ///< names of the compared values, e.g. "∂L/∂w"
  std::vector<Sample> samples;
  std::size_t wrong = 0;           ///< samples with at least one wrong output
  std::vector<std::string> hints;  ///< one per wrong output, "∂L/∂w: ..."
  std::string error;               ///< the exception the student's function threw, if any
  [[nodiscard]] bool passed() const { return wrong == 0 && error.empty(); }
  /// The feedback text: "passed at N points", or the first wrong point, its values and the hints.
  [[nodiscard]] std::string message() const;
};

/// |received − expected| <= kAbsTol + kRelTol·|expected| counts as right: rounding passes, a factor
/// 1 + 1e-7 does not.
inline constexpr double kRelTol = 1e-9;
inline constexpr double kAbsTol = 1e-12;

/// The hint for output k of the report's samples, or "" when every sample's output k is right.
std::string hint(const Report& report, std::size_t k);

/// Fills in `wrong` and `hints` of a report whose samples are filled in.
void diagnose(Report& report);

/// The checks, one per exercise: each runs the student's function at many points (fixed seed).

Report check_sigmoid_derivative(const std::function<double(double)>& student);
using PointGrad = std::function<Grad(double w, double b, double x, double y)>;
using DataSetGrad = std::function<Grad(double, double, std::span<const double>, std::span<const double>)>;
Report check_one_point(const PointGrad& student);
Report check_data_set(const DataSetGrad& student);
Report check_tanh_neuron(const PointGrad& student);
Report check_relu_neuron(const PointGrad& student);
Report check_bce_sigmoid(const PointGrad& student);
using SoftmaxDelta = std::function<Eigen::VectorXd(const Eigen::VectorXd& z, int label)>;
using HiddenLayerGrad =
    std::function<Eigen::MatrixXd(const Eigen::MatrixXd&, const Eigen::VectorXd&, const Eigen::MatrixXd&,
                                  const Eigen::VectorXd&, const Eigen::MatrixXd&, const std::vector<int>&)>;
Report check_softmax_ce_delta(const SoftmaxDelta& student);
Report check_hidden_layer_grad(const HiddenLayerGrad& student);

}  // namespace gradlab::exercises
