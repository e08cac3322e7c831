// gradlab train: a neuron trained on a CSV file, with its figures and a three-way gradient check
// at the final point.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common.hpp"
#include "gradlab/autodiff/fixed_order.hpp"
#include "gradlab/figures.hpp"
#include "gradlab/networks/random.hpp"
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

/// A number given in --init: finite, and all of the text.
double init_number(const std::string& part, const std::string& value) {
  std::size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || !std::isfinite(v))
    throw Error(fmt::format("--init: '{}': '{}' is not a finite number", part, value));
  return v;
}

/// The neuron's start (for the features as trained, standardized or not), and how it was chosen.
struct Start {
  Eigen::VectorXd w;
  double b = 0.0;
  std::string how;
};

/// --init for the neuron: zeros; normal (w_j ~ N(0, 1/d)) or uniform (w_j ~ U(-1/sqrt d, 1/sqrt d)),
/// drawn with --seed, with b = -mean_i(w . x_i) so that z = w . x + b is centred on the data (half the
/// samples on each side of z = 0, where relu, leaky_relu and elu have their kink and every other
/// activation its steepest part); auto: normal; or w=V (every weight), w[name]=V, b=V (the rest 0).
Start neuron_start(const std::string& init, const Eigen::MatrixXd& X,
                   const std::vector<std::string>& features, unsigned seed) {
  const Eigen::Index d = X.cols();
  Start s{Eigen::VectorXd::Zero(d), 0.0, "every parameter 0"};
  if (init == "zeros") return s;
  if (init == "auto" || init == "normal" || init == "uniform") {
    PortableRng rng(seed);
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    for (Eigen::Index j = 0; j < d; ++j)
      s.w[j] = init == "uniform" ? rng.uniform(-scale, scale) : scale * rng.normal();
    s.b = -(fixed_order::sum(fixed_order::matmul(X, s.w)) /
            static_cast<double>(X.rows()));  // same digits in every build
    s.how =
        fmt::format("{}, seed {}; b centres w . x + b on the data", init == "auto" ? "normal" : init, seed);
    return s;
  }
  if (init.find('=') == std::string::npos)
    throw Error(fmt::format(
        "--init: '{}' is not a start; use zeros, normal, uniform, or values such as w=0.5,b=-1 or w[{}]=0.5",
        init, features.empty() ? "x" : features.front()));
  for (const std::string& part : split_names(init)) {
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("--init: '{}' is not NAME=VALUE", part));
    const std::string name = part.substr(0, eq);
    const double v = init_number(part, part.substr(eq + 1));
    if (name == "b") {
      s.b = v;
    } else if (name == "w") {
      s.w.setConstant(v);
    } else {
      bool known = false;
      for (Eigen::Index j = 0; j < d; ++j)
        if (name == fmt::format("w[{}]", features[static_cast<std::size_t>(j)])) {
          s.w[j] = v;
          known = true;
        }
      if (!known) {
        std::vector<std::string> names{"w", "b"};
        for (const std::string& f : features) names.push_back(fmt::format("w[{}]", f));
        throw Error(fmt::format("--init: unknown parameter '{}'; known: {}", name, fmt::join(names, ", ")));
      }
    }
  }
  s.how = "given values, the rest 0";
  return s;
}

/// The parameters as "w[x1] = 0.1, w[x2] = -0.3, b = 0".
std::string params_text(const Eigen::VectorXd& w, double b, const std::vector<std::string>& features) {
  std::vector<std::string> parts;
  for (Eigen::Index j = 0; j < w.size(); ++j)
    parts.push_back(fmt::format("w[{}] = {}", features[static_cast<std::size_t>(j)], num(w[j])));
  parts.push_back(fmt::format("b = {}", num(b)));
  return fmt::format("{}", fmt::join(parts, ", "));
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
  // The data are held once: the table's storage becomes X, standardized in place.
  Dataset d = select_columns(read_csv(o.data, {.header = !o.no_header}), o.target, split_names(o.features));
  check_targets(d, loss);
  Standardization st{Eigen::VectorXd::Zero(d.X.cols()), Eigen::VectorXd::Ones(d.X.cols())};
  if (o.standardize) {
    st = standardization(d.X, d.features);
    d.X = st.apply(std::move(d.X));
  }
  const Eigen::MatrixXd& X = d.X;

  const Start start = neuron_start(o.init, X, d.features, o.seed);
  Neuron neuron(start.w, start.b, o.activation, loss, o.alpha);
  auto optimizer = make_optimizer(o.optimizer, {.learning_rate = o.lr});
  FitOptions fo{.epochs = o.epochs, .batch = o.batch, .seed = o.seed};
  if (!o.json && ::isatty(STDOUT_FILENO)) fo.on_epoch = Progress(o.epochs);
  Trajectory t = fit(neuron, X, d.y, *optimizer, fo);
  t.param_names = neuron.param_names(d.features);
  const std::vector<TrainingProblem> problems = diagnose_training(t, neuron, X, d.y, d.target);
  const TrajectoryRow& last = t.rows.back();
  const bool diverged = t.stop_reason == "diverged";
  const bool bce = loss == "binary_cross_entropy";
  const double acc = bce && !diverged ? accuracy(neuron, X, d.y) : 0.0;
  // the check of the mean loss's gradient (the convention of every number of the run); none after a
  // divergence, whose parameters are not finite
  std::optional<CrossCheckReport> check;
  if (!diverged) check = neuron.cross_check(X, d.y, d.features).scaled(1.0 / static_cast<double>(X.rows()));
  const bool ok = check && check->agrees();

  // The figures are drawn after the report is printed, so a failed figure never loses a finished run.
  const auto draw_figures = [&](bool json_mode) {
    if (o.out.empty()) return;
    std::cout << std::flush;
    const figures::Options fopt = figure_options();
    const std::string title = fmt::format("{} neuron on {}", o.activation, d.source);
    figures::Report report;
    if (X.cols() == 1 && !diverged) {
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
  const Eigen::VectorXd w_raw = st.raw_weights(neuron.w());
  const double b_raw = st.raw_bias(neuron.w(), neuron.b());
  if (o.json) {
    Json j;
    j["loss_convention"] = "mean";
    j["start"] = {{"init", o.init},
                  {"how", start.how},
                  {"w", std::vector<double>(start.w.begin(), start.w.end())},
                  {"b", start.b},
                  {"loss", t.rows.front().loss}};
    j["epochs"] = last.epoch;
    j["stop_reason"] = t.stop_reason;
    j["loss"] = last.loss;
    if (bce && !diverged) j["accuracy"] = acc;
    j["w"] = std::vector<double>(neuron.w().begin(), neuron.w().end());
    j["b"] = neuron.b();
    if (activation(o.activation).parametric()) j["alpha"] = neuron.alpha();
    j["features"] = d.features;
    j["target"] = d.target;
    if (o.standardize) {
      j["standardize"] = {{"mean", std::vector<double>(st.mean.begin(), st.mean.end())},
                          {"scale", std::vector<double>(st.scale.begin(), st.scale.end())}};
      j["w_raw"] = std::vector<double>(w_raw.begin(), w_raw.end());
      j["b_raw"] = b_raw;
    }
    j["warnings"] = Json::array();
    for (const TrainingProblem& p : problems)
      j["warnings"].push_back({{"kind", p.kind}, {"message", p.message}});
    if (check) {
      Json g{{"agrees", check->agrees()},
             {"loss_convention", "mean"},
             {"autodiff_vs_formula", check->autodiff_vs_formula.abs},
             {"numeric_vs_formula", check->numeric_vs_formula.abs}};
      if (check->has_matrix_nodes) g["matrix_autodiff_vs_formula"] = check->matrix_vs_formula.abs;
      g["parameters"] = Json::array();
      for (const CrossCheckRow& r : check->rows) {
        Json row{{"name", r.parameter},
                 {"autodiff", r.autodiff},
                 {"hand_formula", r.formula},
                 {"central_difference", r.numeric},
                 {"autodiff_tolerance", r.exact_tolerance},
                 {"central_difference_tolerance", r.numeric_tolerance}};
        if (check->has_matrix_nodes) row["autodiff_matrix"] = r.autodiff_matrix;
        g["parameters"].push_back(row);
      }
      g["disagreements"] = Json::array();
      for (const CrossCheckDisagreement& b : check->disagreements())
        g["disagreements"].push_back({{"pair", b.pair},
                                      {"parameter", b.parameter},
                                      {"difference", b.difference},
                                      {"tolerance", b.tolerance}});
      j["gradient_check"] = g;
    }
    print_json(j);
    draw_figures(true);
    return ok ? 0 : 1;
  }
  std::cout << fmt::format("data: {} ({} samples; features: {}; target: {})\n", d.source, X.rows(),
                           fmt::join(d.features, ", "), d.target);
  std::cout << fmt::format(
      "model: {}(w . x + b){}, loss {} (mean over the samples: every loss and gradient below is the mean), "
      "{} "
      "with lr {}, {} epochs, {}\n",
      o.activation,
      activation(o.activation).parametric() ? fmt::format(" with alpha = {}", num(neuron.alpha())) : "", loss,
      o.optimizer, num(o.lr), o.epochs,
      o.batch > 0 && o.batch < X.rows() ? fmt::format("batches of {}", o.batch) : "full batch");
  std::cout << fmt::format("start{}: {} (--init {}: {})\n",
                           o.standardize ? " (for standardized features)" : "",
                           params_text(start.w, start.b, d.features), o.init, start.how);
  std::cout << fmt::format("loss: {} at epoch 0, {} at epoch {}{}\n", num(t.rows.front().loss),
                           num(last.loss), last.epoch, diverged ? " (diverged)" : "");
  for (const TrainingProblem& p : problems) std::cout << "warning: " << p.message << '\n';
  if (bce && !diverged) std::cout << fmt::format("accuracy: {} (f >= 0.5 taken as 1)\n", num(acc));
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
  if (check)
    std::cout << "gradient of the mean loss at the final point, three ways:\n"
              << check->table() << check->verdict();
  else
    std::cout << "training diverged: no gradient check\n";
  draw_figures(false);
  return ok ? 0 : 1;
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
  sub->add_option("--alpha", o->alpha,
                  "the activation's parameter (leaky_relu, elu, or an activation from a file with one; "
                  "default: its own default); the neuron only");
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
  sub->add_option("--init", o->init,
                  "the start: zeros, normal, uniform, or values such as w=0.5,b=-1 or w[x1]=0.5 (networks: "
                  "zeros, uniform, normal, glorot, he); auto: normal for the neuron, with b centring "
                  "w . x + b on the data; he for a relu network, else glorot")
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "seed of the random start (--init) and of the mini-batch shuffles")
      ->capture_default_str();
  sub->add_option(
         "--out", o->out,
         "write trajectory.csv and loss_curve.png here (with one feature also loss_surface.png, contour.png "
         "and descent.gif)")
      ->check(kNonEmptyDir);
  sub->add_flag("--json", o->json, "print one JSON object (numbers round-trip exactly)");
  sub->footer(
      "The neuron starts where --init says (printed as `start:`) and minimises the mean loss over the\n"
      "samples; every loss and gradient it prints, writes or returns is that mean.\n"
      "Examples:\n  gradlab train --data examples/data/classification.csv --loss bce --optimizer adam "
      "--standardize\n"
      "  gradlab train --data examples/data/regression.csv --lr 1 --epochs 2000 --out out/train");
  auto net = std::make_shared<NetworkTrainOptions>();  // --hidden, --load ...: train_network.cpp
  add_network_options(*sub, *net);
  return {
      sub, [o, net] {
        if (!wants_network(*net, o->loss)) return run_train(*o);
        if (o->alpha)
          throw Error("--alpha: a network uses each activation's default alpha; --alpha is for the neuron");
        return run_network_train(*net, *o);
      }};
}

}  // namespace gradlab::cli
