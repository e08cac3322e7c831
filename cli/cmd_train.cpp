// gradlab train: a neuron trained on a CSV file, with its figures and a three-way gradient check
// at the final point.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string_view>
#include <utility>
#include <vector>

#include "common.hpp"
#include "gradlab/figures.hpp"
#include "gradlab/neuron/csv.hpp"
#include "gradlab/neuron/fit.hpp"
#include "train_network.hpp"

namespace gradlab::cli {

namespace {
using TrainOptions = SharedTrainOptions;

/// Short names for the loss records' names.
constexpr std::pair<std::string_view, std::string_view> kLossAliases[] = {{"mse", "squared_error"},
                                                                          {"bce", "binary_cross_entropy"}};

/// The loss record named s, or by its short name; an unknown name is an error that lists both.
std::string loss_name(const std::string& s) {
  for (const auto& [alias, name] : kLossAliases)
    if (s == alias) return std::string(name);
  std::vector<std::string> known;
  for (const std::string& name : loss_names()) {
    if (name == s) return s;
    known.push_back(name);
    for (const auto& [alias, full] : kLossAliases)
      if (full == name) known.back() += fmt::format(" ({})", alias);
  }
  throw Error(fmt::format("unknown loss '{}'; known losses: {}", s, fmt::join(known, ", ")));
}

/// Binary cross-entropy needs targets in [0, 1]: the first one outside is an error at its line.
void check_targets(const Dataset& d, const std::string& loss) {
  if (loss != "binary_cross_entropy") return;
  for (Eigen::Index i = 0; i < d.y.size(); ++i)
    if (d.y[i] < 0.0 || d.y[i] > 1.0)
      throw CsvError(d.source, d.lines[static_cast<std::size_t>(i)], 0,
                     fmt::format("target '{}' = {} is outside [0, 1], which binary cross-entropy needs",
                                 d.target, num(d.y[i])));
}

/// One updating line "epoch k/n  loss L  ETA t", at most ten times a second.
class Progress {
 public:
  explicit Progress(int epochs) : epochs_(epochs), start_(clock::now()), last_(start_) {}
  void operator()(const TrajectoryRow& r) {
    const auto now = clock::now();
    if (r.epoch != epochs_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = r.epoch > 0 ? elapsed * (epochs_ - r.epoch) / r.epoch : 0.0;
    std::cout << fmt::format("\repoch {}/{}  loss {:.6g}  ETA {:.1f} s   ", r.epoch, epochs_, r.loss, eta)
              << std::flush;
    if (r.epoch == epochs_) std::cout << '\r' << std::string(60, ' ') << '\r' << std::flush;
  }

 private:
  using clock = std::chrono::steady_clock;
  int epochs_;
  clock::time_point start_, last_;
};

int run_train(const TrainOptions& o) {
  const std::string loss = loss_name(o.loss);
  if (!o.out.empty()) figures::prepare_output_dir(o.out);  // an unwritable --out fails before training
  const Dataset d =
      select_columns(read_csv(o.data, {.header = !o.no_header}), o.target, split_names(o.features));
  check_targets(d, loss);
  Standardization st{Eigen::VectorXd::Zero(d.X.cols()), Eigen::VectorXd::Ones(d.X.cols())};
  if (o.standardize) st = standardization(d.X, d.features);
  const Eigen::MatrixXd X = st.apply(d.X);

  Neuron neuron(Eigen::VectorXd::Zero(X.cols()), 0.0, o.activation, loss);
  auto optimizer = make_optimizer(o.optimizer, {.learning_rate = o.lr});
  FitOptions fo{.epochs = o.epochs, .batch = o.batch, .seed = o.seed};
  if (!o.json && ::isatty(STDOUT_FILENO)) fo.on_epoch = Progress(o.epochs);
  const Trajectory t = fit(neuron, X, d.y, *optimizer, fo);
  const TrajectoryRow& last = t.rows.back();
  const bool bce = loss == "binary_cross_entropy";
  const double acc = bce ? accuracy(neuron, X, d.y) : 0.0;
  const CrossCheckReport check = neuron.cross_check(X, d.y);

  // The figures are drawn after the report is printed, so a failed figure never loses a finished run.
  const auto draw_figures = [&](bool json_mode) {
    if (o.out.empty()) return;
    std::cout << std::flush;
    const figures::Options fopt = figure_options();
    const std::string title = fmt::format("{} neuron on {}", o.activation, d.source);
    figures::Report report;
    if (X.cols() == 1) {
      const figures::Grid grid = figures::grid_around(t);
      const double scale = 1.0 / static_cast<double>(X.rows());
      const figures::Surface surface = figures::loss_surface(neuron, X, d.y, grid, scale);
      if (surface.samples < X.rows())
        (json_mode ? std::cerr : std::cout)
            << fmt::format("note: the loss surface is drawn from {} of the {} samples (evenly spaced)\n",
                           surface.samples, X.rows());
      report = figures::write_landscape(
          o.out, surface, figures::gradient_arrows(neuron, X, d.y, grid, 15, scale), t, title, fopt);
    } else {
      report = figures::write_loss_curve(o.out, t, title, fopt);
    }
    print_figure_report(report, json_mode);
  };

  // The parameters for the raw inputs: w_raw = w / scale, b_raw = b - sum_j w_j mean_j / scale_j.
  const Eigen::VectorXd w_raw = neuron.w().cwiseQuotient(st.scale);
  const double b_raw = neuron.b() - w_raw.dot(st.mean);
  if (o.json) {
    Json j;
    j["epochs"] = last.epoch;
    j["loss"] = last.loss;
    if (bce) j["accuracy"] = acc;
    j["w"] = std::vector<double>(neuron.w().begin(), neuron.w().end());
    j["b"] = neuron.b();
    j["features"] = d.features;
    j["target"] = d.target;
    if (o.standardize) {
      j["standardize"] = {{"mean", std::vector<double>(st.mean.begin(), st.mean.end())},
                          {"scale", std::vector<double>(st.scale.begin(), st.scale.end())}};
      j["w_raw"] = std::vector<double>(w_raw.begin(), w_raw.end());
      j["b_raw"] = b_raw;
    }
    j["gradient_check"] = {{"agrees", check.agrees()},
                           {"autodiff_vs_formula", check.autodiff_vs_formula.abs},
                           {"numeric_vs_formula", check.numeric_vs_formula.abs}};
    if (check.has_matrix_nodes)
      j["gradient_check"]["matrix_autodiff_vs_formula"] = check.matrix_vs_formula.abs;
    print_json(j);
    draw_figures(true);
    return check.agrees() ? 0 : 1;
  }
  std::cout << fmt::format("data: {} ({} samples; features: {}; target: {})\n", d.source, X.rows(),
                           fmt::join(d.features, ", "), d.target);
  std::cout << fmt::format(
      "model: {}(w . x + b), loss {} (mean over the samples), {} with lr {}, {} epochs, {}\n", o.activation,
      loss, o.optimizer, num(o.lr), o.epochs,
      o.batch > 0 && o.batch < X.rows() ? fmt::format("batches of {}", o.batch) : "full batch");
  std::cout << fmt::format("loss: {} at epoch 0, {} at epoch {}\n", num(t.rows.front().loss), num(last.loss),
                           last.epoch);
  if (bce) std::cout << fmt::format("accuracy: {} (f >= 0.5 taken as 1)\n", num(acc));
  std::cout << fmt::format("parameters{}:\n", o.standardize ? " (for standardized features)" : "");
  for (Eigen::Index k = 0; k < neuron.w().size(); ++k)
    std::cout << fmt::format("  w[{}] = {}\n", d.features[static_cast<std::size_t>(k)], num(neuron.w()[k]));
  std::cout << fmt::format("  b = {}\n", num(neuron.b()));
  if (o.standardize) {
    std::cout << "parameters for the raw features:\n";
    for (Eigen::Index k = 0; k < w_raw.size(); ++k)
      std::cout << fmt::format("  w[{}] = {}\n", d.features[static_cast<std::size_t>(k)], num(w_raw[k]));
    std::cout << fmt::format("  b = {}\n", num(b_raw));
  }
  std::cout << "gradient of the summed loss at the final point, three ways:\n"
            << check.table() << (check.agrees() ? "the three agree\n" : "DISAGREEMENT\n");
  draw_figures(false);
  return check.agrees() ? 0 : 1;
}
}  // namespace

Command add_train(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* sub = app.add_subcommand("train", "train a neuron on your own CSV data");
  sub->add_option("--data", o->data, "CSV file: a header row, then numbers only (at most 256 MiB)")
      ->required();
  sub->add_flag("--no-header", o->no_header, "the file has no header row: the columns are c1, c2, ...");
  sub->add_option("--target", o->target, "the target column (default: the last one)");
  sub->add_option("--features", o->features, "the feature columns, e.g. a,b (default: every other column)");
  sub->add_option("--activation", o->activation,
                  "activation: " + fmt::format("{}", fmt::join(activation_names(), ", ")))
      ->capture_default_str();
  sub->add_option("--loss", o->loss, "mse (squared error) or bce (binary cross-entropy, targets in [0, 1])")
      ->capture_default_str();
  sub->add_option("--optimizer", o->optimizer,
                  "optimizer: " + fmt::format("{}", fmt::join(optimizer_names(), ", ")))
      ->capture_default_str();
  sub->add_option("--lr", o->lr, "learning rate")->capture_default_str()->check(kPositiveFinite);
  sub->add_option("--epochs", o->epochs, "passes over the data")->capture_default_str()->check(kCount);
  sub->add_option("--batch", o->batch,
                  "samples per step, 1 or more (default: all of them; more than the samples means all)")
      ->check(kPositiveCount);
  sub->add_flag("--standardize", o->standardize,
                "scale each feature to mean 0 and standard deviation 1 first");
  sub->add_option("--seed", o->seed, "seed of the mini-batch shuffles")->capture_default_str();
  sub->add_option(
         "--out", o->out,
         "write trajectory.csv and loss_curve.png here (with one feature also loss_surface.png, contour.png "
         "and descent.gif)")
      ->check(kNonEmptyDir);
  sub->add_flag("--json", o->json, "print one JSON object (numbers round-trip exactly)");
  sub->footer(
      "The neuron starts at w = 0, b = 0 and minimises the mean loss over the samples.\n"
      "Examples:\n  gradlab train --data examples/data/classification.csv --loss bce --optimizer adam "
      "--standardize\n"
      "  gradlab train --data examples/data/regression.csv --lr 1 --epochs 2000 --out out/train");
  auto net = std::make_shared<NetworkTrainOptions>();  // --hidden, --load ...: train_network.cpp
  add_network_options(*sub, *net);
  return {sub, [o, net] {
            if (!wants_network(*net, o->loss)) return run_train(*o);
            return run_network_train(*net, *o);
          }};
}

}  // namespace gradlab::cli
