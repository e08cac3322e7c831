#pragma once
/// @file network.hpp
/// Feedforward networks of dense layers, on the same records as the neuron.
///
/// Data come one sample per row: X is n x D. Layer l computes Z^l = A^{l-1} (W^l)ᵀ + (b^l)ᵀ and
/// A^l = act(Z^l), with W^l out x in as torch.nn.Linear stores it and A^0 = X. A hidden layer's
/// activation is any registered activation (the same records as the neuron) or "linear". The output
/// layer's activation goes with the loss:
///   mse  any activation or linear;   L = (1/n) sum_i 1/2 |a^L_i - y_i|^2
///   bce  sigmoid, taken from the logit: L = (1/n) sum_i sum_k softplus(z_ik) - y_ik z_ik
///   ce   softmax, by a stable log-softmax: L = (1/n) sum_i -sum_k y_ik log softmax(z_i)_k
/// Targets Y are n x K (one-hot rows for ce: see one_hot()). The loss of a batch is the mean over
/// its samples.
///
/// The gradient is computed two independent ways: autodiff on matrix nodes (record_loss, one node
/// per layer op) and the hand-derived backpropagation in plain Eigen (hand_gradient):
///   δ^L = ∂L/∂Z^L;  δ^l = (δ^{l+1} W^{l+1}) ⊙ act′(Z^l);  ∂L/∂W^l = (δ^l)ᵀ A^{l-1};  ∂L/∂b^l = Σ_rows δ^l
/// and cross_check (check.hpp) sets them beside central differences.
#include <Eigen/Core>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gradlab/autodiff.hpp"
#include "gradlab/neuron/activation.hpp"

namespace gradlab {

/// The loss of a network.
enum class NetworkLoss {
  SquaredError,        ///< "mse"
  BinaryCrossEntropy,  ///< "bce" on the logits
  CrossEntropy,        ///< "ce": categorical cross-entropy on the logits
};
/// "mse", "bce" or "ce".
std::string_view short_name(NetworkLoss loss);
/// The loss named mse/squared_error, bce/binary_cross_entropy or ce/cross_entropy; any other name
/// throws Error listing them.
NetworkLoss network_loss(std::string_view name);

/// How the weights are drawn (biases always start at 0).
enum class Init {
  Zeros,    ///< every weight 0 (the symmetric start that never breaks symmetry)
  Uniform,  ///< U(-1/sqrt(in), 1/sqrt(in))
  Normal,   ///< N(0, 1/in) (approximately normal: see PortableRng::normal)
  Glorot,   ///< U(-a, a), a = sqrt(6 / (in + out))  (Glorot and Bengio 2010)
  He,       ///< N(0, 2/in)  (He et al. 2015)
};
std::string_view init_name(Init init);
/// zeros, uniform, normal, glorot (or xavier) or he; any other name throws Error listing them.
Init init_from_name(std::string_view name);
/// Hidden layer sizes from text, "32,16": each a whole number from 1 to 1000000; throws Error naming
/// the bad part.
std::vector<Eigen::Index> parse_units(std::string_view text);
/// The initialisation that suits hidden layers of this activation: he for the relu family, glorot
/// otherwise (`train --init auto`).
Init default_init(std::string_view activation);

/// The parameters of one dense layer.
struct LayerParams {
  Eigen::MatrixXd W;  ///< out x in
  Eigen::VectorXd b;  ///< out
};
/// The parameters of a network, layer by layer; a gradient has the same shape.
using NetworkParams = std::vector<LayerParams>;

/// One dense layer: its parameters and its activation's name ("linear", "softmax" or a registered
/// activation, whose default alpha is used).
struct DenseLayer {
  LayerParams p;
  std::string activation;
};

/// The shape of a network to build.
struct Architecture {
  Eigen::Index inputs = 1;
  std::vector<Eigen::Index> hidden;  ///< units of each hidden layer (empty: one layer, a neuron)
  std::string activation = "relu";   ///< of every hidden layer
  Eigen::Index outputs = 1;
  NetworkLoss loss = NetworkLoss::SquaredError;
  /// The output layer's activation; empty: linear for mse, sigmoid for bce, softmax for ce.
  std::string output_activation;
};

/// The plain-Eigen forward pass: Z^l and A^l for every layer (A^0 = X is not stored).
struct ForwardPass {
  std::vector<Eigen::MatrixXd> Z;
  std::vector<Eigen::MatrixXd> A;
};

/// The hand-derived backward pass, layer by layer (n x units each): δ^l = upstream^l ⊙ act_d^l, where
/// upstream is ∂L/∂A^l (the next layer's (W^{l+1})ᵀ δ^{l+1}; at the output, ∂L/∂a with the 1/n of the
/// mean) and act_d is act'(Z^l). The fused output rules (sigmoid with bce, softmax with ce) give
/// ∂L/∂Z directly: there upstream is (a − y)/n and act_d is 1.
struct HandBackward {
  std::vector<Eigen::MatrixXd> delta, upstream, act_d;
};

/// A loss and its gradient, shaped like the parameters.
struct NetworkValueAndGradient {
  double value = 0.0;
  NetworkParams gradient;
};

/// How autodiff records an activation: as one fused node (its local derivative is the record's
/// hand-derived d) or as the composite of engine primitives (autodiff differentiates its value, so
/// no hand derivative is involved at all).
enum class ActivationForm { Fused, Composite };

/// The matrix nodes of a network's loss recorded on a tape.
struct RecordedLoss {
  std::vector<MatVar> WT, b;  ///< the parameters as inputs: each W transposed (in x out), b as a 1 x out row
  Var loss;
};

/// A feedforward network. Every call checks shapes and throws ShapeError naming them.
class Network {
 public:
  /// Validates the layers: shapes that chain from `inputs`, known activations, softmax only on the
  /// output with ce, sigmoid on the output with bce; throws Error naming the layer otherwise.
  Network(Eigen::Index inputs, std::vector<DenseLayer> layers, NetworkLoss loss);

  [[nodiscard]] Eigen::Index inputs() const { return inputs_; }
  [[nodiscard]] Eigen::Index outputs() const { return layers_.back().p.W.rows(); }
  [[nodiscard]] NetworkLoss loss() const { return loss_; }
  [[nodiscard]] const std::vector<DenseLayer>& layers() const { return layers_; }
  [[nodiscard]] std::size_t depth() const { return layers_.size(); }

  /// The parameters layer by layer.
  [[nodiscard]] NetworkParams params() const;
  /// Sets them; throws ShapeError when a shape differs.
  void set_params(const NetworkParams& p);
  /// All parameters as one vector: per layer W (column-major) then b.
  [[nodiscard]] Eigen::VectorXd flat_params() const;
  void set_flat_params(const Eigen::VectorXd& theta);
  [[nodiscard]] Eigen::Index parameter_count() const;
  /// "layer1.W", "layer1.b", "layer2.W", ...
  [[nodiscard]] std::vector<std::string> param_names() const;
  /// The name of entry k of flat_params(), e.g. "layer2.W[0,3]" or "layer1.b[1]".
  [[nodiscard]] std::string entry_name(Eigen::Index k) const;

  /// The forward pass in plain Eigen.
  [[nodiscard]] ForwardPass forward_pass(const Eigen::MatrixXd& X) const;
  /// The predictions, n x K: the output activation applied (softmax probabilities for ce, sigmoid
  /// probabilities for bce).
  [[nodiscard]] Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const;
  /// The mean loss in plain Eigen (the stable forms of bce and ce).
  [[nodiscard]] double mean_loss(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const;
  /// The fraction of samples classified right: the arg max of the output against that of Y (ce,
  /// or K > 1); for one output, output >= 1/2 against y >= 1/2.
  [[nodiscard]] double accuracy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const;

  /// Records the mean loss on the active tape with the parameters as matrix inputs. X and Y are
  /// referred to, not copied: they must outlive the tape's use.
  [[nodiscard]] RecordedLoss record_loss(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                         ActivationForm form = ActivationForm::Fused) const;
  /// The mean loss and its gradient by autodiff, recorded on `tape` (cleared first).
  [[nodiscard]] NetworkValueAndGradient value_and_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                                           Tape& tape,
                                                           ActivationForm form = ActivationForm::Fused) const;
  /// The same on a scratch tape.
  [[nodiscard]] NetworkValueAndGradient value_and_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                                           ActivationForm form = ActivationForm::Fused) const;
  /// The mean loss and its gradient by the hand-derived δ recursion, in plain Eigen.
  [[nodiscard]] NetworkValueAndGradient hand_gradient(const Eigen::MatrixXd& X,
                                                      const Eigen::MatrixXd& Y) const;
  /// The hand recursion with its factors (see HandBackward), for explain.
  [[nodiscard]] HandBackward hand_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const;
  /// δ^l = ∂L/∂Z^l of every layer by the hand recursion (n x units each): hand_backward(X, Y).delta.
  [[nodiscard]] std::vector<Eigen::MatrixXd> hand_deltas(const Eigen::MatrixXd& X,
                                                         const Eigen::MatrixXd& Y) const;
  /// The exact Hessian of the mean loss times the direction v (shaped like the parameters): autodiff
  /// of the recorded backward pass.
  [[nodiscard]] NetworkParams hvp(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                  const NetworkParams& v) const;

  /// Checks X (n x inputs, n > 0) and Y (n x outputs); `where` names the caller.
  void check_data(const char* where, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const;

 private:
  /// The activation of layer l (null for linear and softmax) and its alpha.
  [[nodiscard]] const ActivationInfo* act(std::size_t l) const { return acts_[l]; }

  Eigen::Index inputs_;
  std::vector<DenseLayer> layers_;
  NetworkLoss loss_;
  std::vector<const ActivationInfo*> acts_;
  std::vector<double> alphas_;
};

/// A network of the given shape with weights drawn by `init` from `seed` (same seed, same network,
/// on every machine).
Network make_network(const Architecture& arch, Init init, std::uint64_t seed);

/// Flattening parameters shaped like `like` (per layer W column-major, then b) and back.
Eigen::VectorXd flatten(const NetworkParams& p);
NetworkParams unflatten(const Eigen::VectorXd& theta, const NetworkParams& like);

/// One-hot rows for class labels 0..classes-1; a label that is not such a whole number throws Error
/// naming its row (0-based).
Eigen::MatrixXd one_hot(const Eigen::VectorXd& labels, Eigen::Index classes);

}  // namespace gradlab
