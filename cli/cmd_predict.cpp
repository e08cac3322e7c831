// gradlab predict: a saved network's predictions for the rows of a CSV file and, when the file has
// the target column, the loss and the accuracy.
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "common.hpp"
#include "explain_network.hpp"
#include "gradlab/networks/model_file.hpp"
#include "gradlab/networks/network.hpp"
#include "gradlab/neuron/report.hpp"
#include "train_network.hpp"

namespace gradlab::cli {

namespace {
struct PredictOptions {
  std::string model;
  std::string data;
  std::string target;
  bool json = false;
  int explain = 0;  ///< a sample number (from 1), or 0
};

int run_predict(const PredictOptions& o) {
  const Model m = load_model(o.model);
  const Network& net = m.network;
  const CsvTable table = read_csv(o.data);
  // the target column: --target, else the last column when there is one more than the inputs
  const auto cols = static_cast<Eigen::Index>(table.columns.size());
  const bool has_target = !o.target.empty() || cols == net.inputs() + 1;
  if (!has_target && cols != net.inputs())
    throw Error(
        fmt::format("{} has {} columns but the model {} has {} inputs (give them, and optionally the target "
                    "as one more column or with --target)",
                    o.data, cols, o.model, net.inputs()));
  Dataset d;
  if (has_target) {
    d = select_columns(table, o.target);
  } else {
    d.source = table.source;
    d.X = table.values;
    d.features = table.columns;
    d.lines = table.lines;
  }
  if (d.X.cols() != net.inputs())
    throw Error(fmt::format("{} has {} feature columns but the model {} has {} inputs", o.data, d.X.cols(),
                            o.model, net.inputs()));
  const Eigen::MatrixXd X = m.standardize ? m.standardize->apply(d.X) : d.X;
  const Eigen::MatrixXd P = net.predict(X);
  const bool ce = net.loss() == NetworkLoss::CrossEntropy;
  const bool classifier = net.loss() != NetworkLoss::SquaredError;
  const auto predicted_class = [&](Eigen::Index i) {
    Eigen::Index k = 0;
    if (ce)
      P.row(i).maxCoeff(&k);
    else
      k = P(i, 0) >= 0.5 ? 1 : 0;
    return k;
  };
  std::optional<Eigen::MatrixXd> Y;
  if (has_target) Y = network_targets(d, net.loss(), net.outputs());
  if (o.explain > 0) {
    if (!Y) throw Error("--explain needs the target column: the backward pass starts from the loss");
    explain_network_row(net, X, *Y, o.explain, d, "--explain");
    return 0;
  }

  if (o.json) {
    Json j;
    Json rows = Json::array();
    for (Eigen::Index i = 0; i < P.rows(); ++i) {
      if (classifier) {
        Json r{{"class", predicted_class(i)}};
        r[ce ? "probabilities" : "probability"] =
            ce ? Json(std::vector<double>(P.row(i).begin(), P.row(i).end())) : Json(P(i, 0));
        rows.push_back(r);
      } else {
        rows.push_back(P.cols() == 1 ? Json(P(i, 0))
                                     : Json(std::vector<double>(P.row(i).begin(), P.row(i).end())));
      }
    }
    j["predictions"] = rows;
    if (Y) {
      j["target"] = d.target;
      j["loss"] = net.mean_loss(X, *Y);
      if (classifier) j["accuracy"] = net.accuracy(X, *Y);
    }
    print_json(j);
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (Eigen::Index i = 0; i < P.rows(); ++i) {
    std::vector<std::string> r{std::to_string(d.lines[static_cast<std::size_t>(i)])};
    if (classifier) {
      const Eigen::Index k = predicted_class(i);
      r.push_back(std::to_string(k));
      r.push_back(fmt::format("{:.4f}", ce ? P(i, k) : P(i, 0)));
    } else {
      r.push_back(num(P(i, 0)));
    }
    if (Y) r.push_back(num(d.y[i]));
    rows.push_back(std::move(r));
  }
  std::vector<std::string> header{"line"};
  if (classifier) {
    header.emplace_back("class");
    header.emplace_back(ce ? "probability" : "p(class 1)");
  } else {
    header.emplace_back("prediction");
  }
  if (Y) header.push_back(d.target);
  std::cout << format_table(header, rows);
  if (Y) {
    std::cout << fmt::format("loss ({}, mean over {} samples): {}\n", short_name(net.loss()), X.rows(),
                             num(net.mean_loss(X, *Y)));
    if (classifier) {
      std::cout << fmt::format("accuracy: {}\n", num(net.accuracy(X, *Y)));
      std::cout << "confusion matrix:\n" << confusion_text(confusion_matrix(P, *Y));
    }
  }
  return 0;
}
}  // namespace

Command add_predict(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* sub = app.add_subcommand("predict", "a saved network's predictions for the rows of a CSV file");
  sub->add_option("--model", o->model, "the model file written by train --save")->required();
  sub->add_option("--data", o->data, "CSV file: the model's inputs, and optionally the target")->required();
  sub->add_option(
      "--target", o->target,
      "the target column (default: the last one when the file has one column more than the inputs)");
  sub->add_flag("--json", o->json, "print one JSON object (numbers round-trip exactly)");
  sub->add_option(
         "--explain", o->explain,
         "instead: the backward pass on data row N (from 1), δ of every layer by autodiff and by the hand "
         "recursion (as explain --model --data --row)")
      ->check(CLI::PositiveNumber);
  sub->footer(
      "Example:\n  gradlab train --data examples/data/xor.csv --hidden 4 --activation tanh --loss bce "
      "--optimizer adam "
      "--lr 0.05 --epochs 500 --save xor.json\n  gradlab predict --model xor.json --data "
      "examples/data/xor.csv");
  return {sub, [o] { return run_predict(*o); }};
}

}  // namespace gradlab::cli
