// gradlab explain for a network: the backward pass on one sample, layer by layer, with the δ of every
// layer by autodiff beside the δ of the hand-derived equations and their factors.
#include "explain_network.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "common.hpp"
#include "gradlab/networks/model_file.hpp"
#include "gradlab/neuron/report.hpp"
#include "train_network.hpp"

namespace gradlab::cli {

namespace {

std::string row_text(const Eigen::MatrixXd& m) {
  std::vector<std::string> parts;
  for (Eigen::Index j = 0; j < m.cols(); ++j) parts.push_back(num(m(0, j)));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

/// The hand rule of layer l (0-based) of L as the learner writes it.
std::string rule(const Network& net, std::size_t l) {
  const std::string& act = net.layers()[l].activation;
  const std::size_t L = net.depth();
  if (l + 1 < L) return fmt::format("δ{0} = (W{1}ᵀ δ{1}) ⊙ {2}'(z{0})", l + 1, l + 2, act);
  switch (net.loss()) {
    case NetworkLoss::CrossEntropy:
      return fmt::format("δ{} = (softmax(z) − y) / n   (softmax with cross-entropy)", L);
    case NetworkLoss::BinaryCrossEntropy:
      return fmt::format("δ{} = (sigmoid(z) − y) / n   (sigmoid with binary cross-entropy)", L);
    case NetworkLoss::SquaredError:
      break;
  }
  return fmt::format("δ{0} = (a − y) / n ⊙ {1}'(z{0})   (squared error)", L, act);
}

}  // namespace

void explain_network_row(const Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, int row,
                         const Dataset& d, const char* option) {
  const Eigen::Index i = row - 1;
  if (i < 0 || i >= X.rows())
    throw Error(fmt::format("{}: row {} does not exist; {} has {} data rows (numbered from 1)", option, row,
                            d.source, X.rows()));
  const Eigen::MatrixXd x = X.row(i);
  const Eigen::MatrixXd y = Y.row(i);
  const ForwardPass f = net.forward_pass(x);
  const NetworkValueAndGradient ad = net.value_and_gradient(x, y);
  const HandBackward hand = net.hand_backward(x, y);
  const std::size_t L = net.depth();
  std::cout << fmt::format("row {} (line {} of {}): x = {}{}, y = {}; loss {} (n = 1)\n", row,
                           d.lines[static_cast<std::size_t>(i)], d.source, row_text(x),
                           X.cols() == d.X.cols() && X.row(i) != d.X.row(i) ? " (standardized)" : "",
                           row_text(y), num(ad.value));
  std::cout << "forward pass: z = W a + b, a = act(z), layer by layer\n";
  for (std::size_t l = 0; l < L; ++l)
    std::cout << fmt::format("  layer {} ({}): z{} = {}; a{} = {}\n", l + 1, net.layers()[l].activation,
                             l + 1, row_text(f.Z[l]), l + 1, row_text(f.A[l]));
  std::cout << "backward pass: δ = ∂L/∂z of each layer, from the output back; autodiff's δ is its ∂L/∂b\n"
               "(z = W a + b, so ∂L/∂b = δ) beside the hand equations' factors and product\n";
  Difference diff;
  for (std::size_t l = L; l-- > 0;) {
    const bool output = l + 1 == L;
    const bool fused = output && net.loss() != NetworkLoss::SquaredError;
    std::cout << fmt::format("layer {} ({} unit{}, {}): {}\n", l + 1, f.Z[l].cols(),
                             f.Z[l].cols() == 1 ? "" : "s", net.layers()[l].activation, rule(net, l));
    const std::string upstream = output ? "(a − y)/n" : fmt::format("W{0}ᵀδ{0}", l + 2);
    const std::string slope = fused ? "1 (fused)" : fmt::format("{}'(z)", net.layers()[l].activation);
    std::vector<std::vector<std::string>> rows;
    for (Eigen::Index u = 0; u < f.Z[l].cols(); ++u) {
      const double a = ad.gradient[l].b[u], h = hand.delta[l](0, u);
      diff.include(a, h);
      rows.push_back({std::to_string(u), num(hand.upstream[l](0, u)), num(hand.act_d[l](0, u)), num(h),
                      num(a), short_sci(std::abs(a - h))});
    }
    std::cout << format_table({"unit", upstream, slope, "δ hand", "δ autodiff", "|difference|"}, rows);
  }
  std::cout << fmt::format(
      "then each layer's ∂L/∂W = δ (its input a)ᵀ and ∂L/∂b = δ (the first layer's input is x); "
      "largest |δ autodiff − δ hand| = {}\n",
      short_sci(diff.abs));
}

std::shared_ptr<NetworkExplainOptions> add_network_explain(CLI::App& explain) {
  auto o = std::make_shared<NetworkExplainOptions>();
  o->expression = explain.get_option("EXPR");
  o->expression->required(false);
  CLI::Option* model = explain.add_option("--model", o->model,
                                          "a network: its model file (train --save); with --data and --row");
  model->excludes(o->expression);
  explain.add_option("--data", o->data, "a network: the CSV file of the sample (inputs and target)")
      ->needs(model);
  explain.add_option("--row", o->row, "a network: the data row to explain, from 1")
      ->check(CLI::PositiveNumber)
      ->needs(model);
  explain.add_option("--target", o->target, "a network: the target column (default: the last one)")
      ->needs(model);
  return o;
}

int run_explain_or_network(const NetworkExplainOptions& o, const std::function<int()>& expression) {
  if (o.model.empty()) {
    if (o.expression->count() == 0)
      throw Error(
          "explain needs an expression, e.g. explain 'x*x' --at x=1 (or, for a network, --model FILE "
          "--data FILE --row N)");
    return expression();
  }
  if (o.data.empty() || o.row == 0)
    throw Error("explain --model needs --data FILE and --row N: the sample whose backward pass to show");
  const Model m = load_model(o.model);
  const Dataset d = select_columns(read_csv(o.data), o.target);
  if (d.X.cols() != m.network.inputs())
    throw Error(fmt::format("{} has {} feature columns but the model {} has {} inputs", o.data, d.X.cols(),
                            o.model, m.network.inputs()));
  const Eigen::MatrixXd X = m.standardize ? m.standardize->apply(d.X) : d.X;
  const Eigen::MatrixXd Y = network_targets(d, m.network.loss(), m.network.outputs());
  explain_network_row(m.network, X, Y, o.row, d, "--row");
  return 0;
}

}  // namespace gradlab::cli
