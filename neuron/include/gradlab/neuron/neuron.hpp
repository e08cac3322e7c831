#pragma once
/// @file neuron.hpp
/// A neuron with d inputs: f(x) = act(w . x + b), trained on a loss summed over the samples,
///     L(w, b) = sum_i loss(f(x_i), y_i),
/// with its gradient computed three ways: autodiff, the hand-derived chain rule, central differences.
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gradlab/autodiff.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/loss.hpp"
#include "gradlab/neuron/report.hpp"

namespace gradlab {

/// How a gradient is computed.
enum class GradMethod {
  Autodiff,  ///< the engine: record L on a tape, sweep back (matrix nodes above kScalarNodeRows samples)
  AutodiffScalar,  ///< the engine on scalar nodes: one node per multiply-add, sample by sample
  AutodiffMatrix,  ///< the engine on matrix nodes: L = sum(loss(act(X w + b), y)), one node per op
  Formula,  ///< by hand: dL/dw = sum_i loss'(f_i, y_i) act'(z_i) x_i, dL/db = sum_i loss'(f_i, y_i) act'(z_i)
  Numeric,  ///< central differences on L, one parameter at a time
};

/// How the autodiff path records the activation.
enum class ActivationPath {
  Composite,  ///< the record's value built from engine primitives: autodiff differentiates through it
  Fused,      ///< one node of the activation's op, whose local derivative is the record's d
};

/// One parameter of a cross-check: its derivative three ways (autodiff on scalar and on matrix nodes).
struct CrossCheckRow {
  std::string parameter;   ///< "w", or "w1".."wd" when d > 1, and "b"
  double autodiff;         ///< on scalar nodes
  double autodiff_matrix;  ///< on matrix nodes (NaN when the loss record has no matrix form)
  double formula;
  double numeric;
  Difference diff;  ///< over every pair
};

/// The gradient three ways, parameter by parameter (prints as an aligned table).
struct CrossCheckReport {
  std::vector<CrossCheckRow> rows;
  bool has_matrix_nodes = true;    ///< false when the loss record has no matrix form
  Difference autodiff_vs_formula;  ///< scalar nodes; should agree to rounding
  Difference matrix_vs_formula;    ///< matrix nodes; should agree to rounding
  Difference numeric_vs_formula;   ///< should agree to the central-difference error (~1e-9)
  Difference all;                  ///< every pair of every row
  /// Tight tolerances: autodiff (both) vs formula within 1e-12 (abs + rel), numeric within 1e-6.
  [[nodiscard]] bool agrees(double exact_tol = 1e-12, double numeric_tol = 1e-6) const {
    return autodiff_vs_formula.within(exact_tol, exact_tol) &&
           matrix_vs_formula.within(exact_tol, exact_tol) &&
           numeric_vs_formula.within(numeric_tol, numeric_tol);
  }
  [[nodiscard]] std::string table() const;
};

namespace detail {
/// The multiply-adds this thread has spent on pre-activations z = X w + b in Neuron (a cost
/// counter for the tests that keep the gradient checks linear in the data's size).
std::uint64_t neuron_work();
}  // namespace detail

/// A neuron f(x) = act(w . x + b) with d inputs. Data come as X (n x d, one sample per row) and
/// y (n targets). Every call checks the shapes and throws ShapeError naming them.
class Neuron {
 public:
  /// GradMethod::Autodiff records scalar nodes up to this many samples, matrix nodes above.
  ///
  /// An explicit choice: on scalar nodes L is summed sample by sample; on matrix nodes the sums are
  /// Eigen's (X w, then the sum of the loss column), in another order, so the last digits of a
  /// result can differ between the two (both are checked against the hand formula to 1e-12). Few
  /// samples take the scalar path, whose graph `gradlab explain` can show node by node; more take
  /// the matrix path, a handful of nodes whatever n.
  static constexpr Eigen::Index kScalarNodeRows = 8;
  /// AutodiffScalar records at most about this many nodes on one tape: larger data are recorded
  /// and swept in chunks of rows, so its memory does not grow with the number of samples.
  static constexpr Eigen::Index kScalarTapeNodes = Eigen::Index{1} << 18;

  /// Throws Error for an unknown activation or loss name (listing the known ones), ShapeError for
  /// an empty w.
  Neuron(Eigen::VectorXd w, double b, std::string_view activation = "sigmoid",
         std::string_view loss = "squared_error", std::optional<double> alpha = {});

  [[nodiscard]] Eigen::Index inputs() const { return w_.size(); }
  [[nodiscard]] const Eigen::VectorXd& w() const { return w_; }
  [[nodiscard]] double b() const { return b_; }
  /// The parameters as one vector theta = [w_1 .. w_d, b].
  [[nodiscard]] Eigen::VectorXd params() const;
  /// Sets theta = [w_1 .. w_d, b]; throws ShapeError when its size is not d + 1.
  void set_params(const Eigen::VectorXd& theta);
  /// The names of the parameters, in the order of params(): "w", "b" (or "w1".."wd", "b").
  [[nodiscard]] std::vector<std::string> param_names() const;

  [[nodiscard]] const ActivationInfo& activation() const { return *act_; }
  [[nodiscard]] const LossInfo& loss_info() const { return *loss_; }
  [[nodiscard]] double alpha() const { return alpha_; }
  [[nodiscard]] ActivationPath activation_path() const { return path_; }
  void set_activation_path(ActivationPath path) { path_ = path; }

  /// z = w . x + b for one sample.
  [[nodiscard]] double pre_activation(const Eigen::VectorXd& x) const;
  /// f(x) = act(z) for one sample.
  [[nodiscard]] double forward(const Eigen::VectorXd& x) const;
  /// f for every row of X.
  [[nodiscard]] Eigen::VectorXd forward_batch(const Eigen::MatrixXd& X) const;
  /// L = sum_i loss(f(x_i), y_i).
  [[nodiscard]] double loss(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;
  /// dL/dtheta, theta = [w, b], by the chosen method.
  [[nodiscard]] Eigen::VectorXd gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                         GradMethod method = GradMethod::Formula) const;
  /// L and dL/dtheta together (an autodiff method reads L off the tape it recorded).
  [[nodiscard]] ValueAndGradient value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                                    GradMethod method = GradMethod::Formula) const;
  /// The Hessian d2L/dtheta2 by autodiff of autodiff, on scalar or matrix nodes (an autodiff
  /// method; Formula and Numeric throw Error).
  [[nodiscard]] Eigen::MatrixXd hessian(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                        GradMethod method = GradMethod::Autodiff) const;
  /// The gradient three ways.
  [[nodiscard]] CrossCheckReport cross_check(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;

  /// Records L on the active tape as a function of theta (d + 1 Vars): the scalar-node path.
  [[nodiscard]] Var record_loss(std::span<const Var> theta, const Eigen::MatrixXd& X,
                                const Eigen::VectorXd& y) const;
  /// Records L = sum loss(act(X w + b), y) on the active tape with matrix nodes (w: d x 1); X and y
  /// are referred to, not copied, so they must outlive the tape's use. Throws Error when the loss
  /// record has no matrix form.
  [[nodiscard]] Var record_loss(const MatVar& w, const Var& b, const Eigen::MatrixXd& X,
                                const Eigen::VectorXd& y) const;
  /// Whether GradMethod::Autodiff records matrix nodes for data with this many samples.
  [[nodiscard]] bool uses_matrix_nodes(Eigen::Index samples) const;

 private:
  void check_data(const char* where, const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;
  [[nodiscard]] double loss_at(const Eigen::VectorXd& theta, const Eigen::MatrixXd& X,
                               const Eigen::VectorXd& y) const;
  /// sum_i loss(act(z_i), y_i) for given pre-activations z.
  [[nodiscard]] double loss_of_z(const Eigen::VectorXd& z, const Eigen::VectorXd& y) const;
  /// The one per-sample loss: loss(act(z), y), or the loss's logit form on z when it absorbs the
  /// activation, for Z = double, Var, or MatVar (a column of samples from `first` on, summed).
  template <class Z, class Y>
  [[nodiscard]] auto sample_loss(const Z& z, const Y& y, Eigen::Index first) const;
  [[nodiscard]] Eigen::VectorXd formula_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;
  [[nodiscard]] Eigen::VectorXd numeric_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;
  [[nodiscard]] Var record_rows(std::span<const Var> theta, const Eigen::MatrixXd& X,
                                const Eigen::VectorXd& y, Eigen::Index first, Eigen::Index count) const;
  [[nodiscard]] ValueAndGradient scalar_value_and_gradient(const Eigen::MatrixXd& X,
                                                           const Eigen::VectorXd& y) const;
  [[nodiscard]] ValueAndGradient matrix_value_and_gradient(const Eigen::MatrixXd& X,
                                                           const Eigen::VectorXd& y) const;
  [[nodiscard]] Eigen::MatrixXd matrix_hessian(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;
  [[nodiscard]] GradMethod resolve(GradMethod method, Eigen::Index samples) const;
  [[nodiscard]] bool has_matrix_form() const;

  Eigen::VectorXd w_;
  double b_;
  const ActivationInfo* act_;
  const LossInfo* loss_;
  double alpha_;
  ActivationPath path_ = ActivationPath::Composite;
};

}  // namespace gradlab
