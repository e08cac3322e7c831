#pragma once
/// @file train_network.hpp
/// The network half of `gradlab train` (--hidden, --load, --loss ce ...) and what `gradlab predict`
/// shares with it: turning a CSV data set into the inputs and targets of a network.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "common.hpp"
#include "gradlab/networks/network.hpp"
#include "gradlab/neuron/csv.hpp"
#include "gradlab/neuron/fit.hpp"

namespace gradlab::cli {

/// The options `train` has only for networks.
struct NetworkTrainOptions {
  std::string hidden;  ///< "32,16"
  double validation = 0.0;
  std::string save;
  std::string load;
  bool gradient = false;
  bool progress = false;  ///< the progress line on stderr even when it is not a terminal
};

/// The options of `train` that the neuron and the network share (one struct, read by both halves).
struct SharedTrainOptions {
  std::string data;
  std::string target;
  std::string features;
  std::string activation = "sigmoid";
  std::optional<double> alpha;  ///< --alpha: the activation's parameter (leaky_relu, elu, a file's)
  std::string loss = "mse";
  std::string optimizer = "gd";
  double lr = 0.1;
  int epochs = 1000;
  int batch = 0;
  bool standardize = false;
  bool no_header = false;
  unsigned seed = 1;
  /// --init: the start. The neuron takes zeros, normal, uniform or w=..,b=.. (auto: normal); a
  /// network zeros, uniform, normal, glorot or he (auto: he for the relu family, else glorot).
  std::string init = "auto";
  std::string out;
  bool json = false;
};

/// Adds --hidden, --validation, --save, --load and --gradient to `train` (--init and --seed are
/// shared, added by `train` itself).
void add_network_options(CLI::App& train, NetworkTrainOptions& o);
/// True when the command line asks for a network rather than the neuron: --hidden or --load given,
/// or the ce loss (a softmax layer).
bool wants_network(const NetworkTrainOptions& o, const std::string& loss);
/// Runs `train` for a network.
int run_network_train(const NetworkTrainOptions& n, const SharedTrainOptions& s);

/// A data set as a network's inputs and targets (one-hot rows for ce).
struct NetworkData {
  Dataset d;
  Eigen::MatrixXd X;  ///< standardised when the model is
  Eigen::MatrixXd Y;
};
/// Checks the targets for the loss (class labels 0..classes-1 for ce, [0, 1] for bce; an error names
/// the file line) and builds Y.
Eigen::MatrixXd network_targets(const Dataset& d, NetworkLoss loss, Eigen::Index classes);
/// The confusion matrix of a classifier as text: rows are the true class, columns the predicted one.
std::string confusion_text(const Eigen::MatrixXi& confusion);
/// counts(true class, predicted class) over the samples (arg max of the rows; for one output, >= 1/2).
Eigen::MatrixXi confusion_matrix(const Eigen::MatrixXd& predictions, const Eigen::MatrixXd& Y);
/// The parameters (or a gradient) shaped like the model file's layers: [{"W": [[...]], "b": [...]}].
Json layers_json(const NetworkParams& p);

}  // namespace gradlab::cli
