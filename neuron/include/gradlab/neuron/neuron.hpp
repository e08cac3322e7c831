#pragma once
/// @file neuron.hpp
/// A neuron with d inputs: f(x) = act(w . x + b), trained on a loss summed over the samples,
///     L(w, b) = sum_i loss(f(x_i), y_i),
/// with its gradient computed three ways: autodiff, the hand-derived chain rule, central differences.
#include <Eigen/Core>
#include <cstddef>
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

/// One parameter of a cross-check: its derivative three ways (autodiff on scalar and on matrix nodes),
/// and how far apart rounding and truncation alone can put them.
struct CrossCheckRow {
  std::string parameter;   ///< "w", or "w1".."wd" when d > 1 (or "w[name]" with feature names), and "b"
  double autodiff;         ///< on scalar nodes
  double autodiff_matrix;  ///< on matrix nodes (NaN when the loss record has no matrix form)
  double formula;
  double numeric;
  Difference diff;  ///< over every pair
  /// The most autodiff and the hand formula may differ by rounding: (n + 16) eps sum_i |t_i| for the
  /// n terms t_i of the sum, plus how far each term moves when its z moves by z's own rounding.
  double exact_tolerance = 0.0;
  /// The most central differences may differ from the hand formula: the truncation, estimated from
  /// the difference at steps h and 2h, plus the rounding of the per-sample losses over h (each loss
  /// rounded within 16 eps of its magnitude |l| + |z dl/dz| + |y dl/dy|), plus exact_tolerance.
  double numeric_tolerance = 0.0;
  /// Samples whose central-difference step straddles a kink of the activation (their jump in slope
  /// is part of numeric_tolerance).
  Eigen::Index on_kink = 0;
};

/// One pair of the three ways that differ by more than rounding and truncation allow.
struct CrossCheckDisagreement {
  std::string pair;       ///< "autodiff (scalar nodes) vs hand formula", ...
  std::string parameter;  ///< the row's parameter name
  double difference;      ///< |a - b|
  double tolerance;       ///< what rounding (and truncation) allow
};

/// The gradient three ways, parameter by parameter (prints as an aligned table).
struct CrossCheckReport {
  std::vector<CrossCheckRow> rows;
  bool has_matrix_nodes = true;    ///< false when the loss record has no matrix form
  Eigen::Index samples = 0;        ///< n, the terms of each sum
  Difference autodiff_vs_formula;  ///< scalar nodes; should agree to rounding
  Difference matrix_vs_formula;    ///< matrix nodes; should agree to rounding
  Difference numeric_vs_formula;   ///< should agree to the central-difference error
  Difference all;                  ///< every pair of every row
  /// Every pair that differs by more than its row's tolerance (a NaN always does).
  [[nodiscard]] std::vector<CrossCheckDisagreement> disagreements() const;
  /// True when every pair is within its row's tolerance: tolerances that follow the rounding error
  /// of the sums compared, tight enough that a wrong factor fails.
  [[nodiscard]] bool agrees() const { return disagreements().empty(); }
  /// "the three agree", or "DISAGREEMENT: ..." naming each pair, parameter and difference.
  [[nodiscard]] std::string verdict() const;
  [[nodiscard]] std::string table() const;
  /// The same check for the loss times `factor` (every derivative and tolerance scaled): 1/n gives
  /// the check of the mean loss from the check of the summed one.
  [[nodiscard]] CrossCheckReport scaled(double factor) const;
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
  /// AutodiffMatrix on more than 4 matrix_block_rows(d) samples (d < kMatrixWholeInputs) records and
  /// sweeps them in blocks of matrix_block_rows(d) rows, one tape each, whose columns (X's rows and about a
  /// dozen columns of values and adjoints) take about this many bytes and so stay in the cache; the blocks'
  /// values and gradients are added in block order. The result depends on n and d only (not on the machine),
  /// and differs from one sum over all the rows in the last digits.
  static constexpr std::size_t kMatrixBlockBytes = std::size_t{2} << 20;
  /// With this many inputs or more, AutodiffMatrix records the whole data on one tape whatever the
  /// number of samples: the tape's dozen columns are then at most a quarter of X, and X's rows taken
  /// in blocks read slower from memory than its whole columns twice.
  static constexpr Eigen::Index kMatrixWholeInputs = 48;
  /// The rows of one block of AutodiffMatrix for a neuron with this many inputs (8192 for 20).
  [[nodiscard]] static Eigen::Index matrix_block_rows(Eigen::Index inputs);
  /// GradMethod::Formula takes L and its gradient in one pass over the samples, in blocks of
  /// formula_block_rows(d) rows whose d columns take about this many bytes: they stay in the
  /// second-level cache between the block's z and its gradient terms, and each column is read in
  /// runs long enough for the prefetcher. The digits do not depend on it: every sum adds its terms
  /// in order of the samples.
  static constexpr Eigen::Index kFormulaBlockBytes = Eigen::Index{384} << 10;
  /// The rows of one block of GradMethod::Formula for a neuron with this many inputs (a multiple of
  /// 16 from 16 to 4096: 2448 for 20).
  [[nodiscard]] static Eigen::Index formula_block_rows(Eigen::Index inputs);

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
  /// The names of the parameters, in the order of params(): "w", "b" (or "w1".."wd", "b"); with
  /// feature names (one per input), "w[name]" for each and "b".
  [[nodiscard]] std::vector<std::string> param_names(
      const std::vector<std::string>& feature_names = {}) const;

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
  /// The gradient three ways, with the tolerances that rounding and truncation allow each pair.
  /// With feature names (one per input) the rows are named "w[name]" and "b".
  [[nodiscard]] CrossCheckReport cross_check(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                             const std::vector<std::string>& feature_names = {}) const;

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
  /// dL_i/dz_i of one sample, by the hand formula: loss'(f, y) act'(z), or the loss's own dL/dz.
  [[nodiscard]] double sample_dz(double z, double y, Eigen::Index i) const;
  /// L and dL/dtheta by the hand formula, in one pass over X in blocks of rows (neuron.cpp).
  [[nodiscard]] ValueAndGradient formula_value_and_gradient(const Eigen::MatrixXd& X,
                                                            const Eigen::VectorXd& y) const;
  [[nodiscard]] Eigen::VectorXd numeric_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;
  /// The central difference of L in parameter k with step s, from the pre-activations z = X w + b:
  /// sum_i (l_i(theta_k + s) - l_i(theta_k - s)) / (2 s), each sample's difference taken before the
  /// sum, so that the rounding of a large sum does not swamp it.
  [[nodiscard]] double central_partial(const Eigen::VectorXd& z, const Eigen::MatrixXd& X,
                                       const Eigen::VectorXd& y, Eigen::Index k, double s) const;
  [[nodiscard]] Var record_rows(std::span<const Var> theta, const Eigen::MatrixXd& X,
                                const Eigen::VectorXd& y, Eigen::Index first, Eigen::Index count) const;
  [[nodiscard]] ValueAndGradient scalar_value_and_gradient(const Eigen::MatrixXd& X,
                                                           const Eigen::VectorXd& y) const;
  [[nodiscard]] ValueAndGradient matrix_value_and_gradient(const Eigen::MatrixXd& X,
                                                           const Eigen::VectorXd& y) const;
  [[nodiscard]] ValueAndGradient matrix_block_value_and_gradient(const Eigen::MatrixXd& X,
                                                                 const Eigen::VectorXd& y,
                                                                 Eigen::Index first) const;
  /// Throws Error when the loss record has no matrix form.
  void check_matrix_form() const;
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
