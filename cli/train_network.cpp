// gradlab train for a feedforward network: --hidden 32,16 --activation relu --loss ce ...
#include "train_network.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>

#include "gradlab/networks/check.hpp"
#include "gradlab/networks/model_file.hpp"
#include "gradlab/networks/train.hpp"
#include "gradlab/neuron/report.hpp"
#include "results.hpp"

namespace gradlab::cli {

namespace {

/// --hidden 32,16 (parse_units, its errors prefixed by the option).
std::vector<Eigen::Index> parse_hidden(const std::string& text) {
  try {
    return parse_units(text);
  } catch (const Error& e) {
    throw Error(fmt::format("--hidden: {}", e.what()));
  }
}

/// The most classes --loss ce accepts (a label of 10^9 would ask for a 10^9-column one-hot matrix).
constexpr Eigen::Index kMaxClasses = 10000;

/// A validation fraction: a number in [0, 0.95] (at least 5% of the samples stay for training).
const CLI::Validator kFraction(
    [](std::string& text) -> std::string {
      double v = 0.0;
      if (!CLI::detail::lexical_cast(text, v) || !(v >= 0.0 && v <= 0.95))
        return fmt::format("must be a fraction from 0 to 0.95, got '{}'", text);
      return {};
    },
    "FRACTION");

/// --init: a name, or auto (the activation's default_init).
Init resolve_init(const std::string& name, const std::string& activation) {
  return name == "auto" ? default_init(activation) : init_from_name(name);
}

std::string architecture_text(const Network& net) {
  std::vector<std::string> units{std::to_string(net.inputs())};
  for (const DenseLayer& L : net.layers()) units.push_back(fmt::format("{} {}", L.p.W.rows(), L.activation));
  return fmt::format("{}", fmt::join(units, " -> "));
}

/// [a, b, c] with every number in its shortest round-trip form.
std::string numbers_text(const Eigen::VectorXd& v) {
  std::vector<std::string> parts;
  for (const double x : v) parts.push_back(num(x));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

Json vector_json(const Eigen::VectorXd& v) { return std::vector<double>(v.begin(), v.end()); }

/// The progress of a network run on stderr: "epoch k/n  loss L  [validation loss V]  ETA t s". On a
/// terminal one line is rewritten at most ten times a second and cleared at the end; elsewhere (with
/// --progress) a line is written at most once a second, and the last epoch's always.
class NetworkProgress {
 public:
  NetworkProgress(int epochs, bool terminal)
      : epochs_(epochs), terminal_(terminal), start_(clock::now()), last_(start_) {}
  void operator()(const EpochRow& r) {
    const auto now = clock::now();
    const bool end = r.epoch == epochs_ || !std::isfinite(r.loss);
    if (!end && now - last_ < (terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000)))
      return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = r.epoch > 0 ? elapsed * (epochs_ - r.epoch) / r.epoch : 0.0;
    std::string line = fmt::format("epoch {}/{}  loss {:.6g}", r.epoch, epochs_, r.loss);
    if (r.validation_loss) line += fmt::format("  validation loss {:.6g}", *r.validation_loss);
    line += fmt::format("  ETA {:.1f} s", end ? 0.0 : eta);
    if (!terminal_) {
      std::cerr << line << '\n' << std::flush;
      return;
    }
    std::cerr << '\r' << line << "   " << std::flush;
    if (end) std::cerr << '\r' << std::string(line.size() + 3, ' ') << '\r' << std::flush;
  }

 private:
  using clock = std::chrono::steady_clock;
  int epochs_;
  bool terminal_;
  clock::time_point start_, last_;
};

/// The run's warning in words: a divergence names the epoch and --lr.
std::string run_warning(const NetworkHistory& h, double lr) {
  if (!h.stopped_early) return h.warning;
  const double loss = h.rows.back().loss;
  return fmt::format(
      "the training loss became {} at epoch {}: the steps diverged; try a smaller --lr (it was {}); "
      "training stopped there",
      std::isnan(loss) ? "NaN" : fmt::format("{}", loss), h.rows.back().epoch, num(lr));
}

/// loss_curves.png (and accuracy_curves.png) for every network; decision_boundary.png for a classifier
/// with two inputs, drawn over the raw inputs (the model's standardization applied to each grid point).
figures::Report draw_network_figures(const std::string& dir, const Network& net, const NetworkHistory& h,
                                     const Dataset& d, const std::optional<Standardization>& st,
                                     const std::string& title) {
  const bool classifier = net.loss() != NetworkLoss::SquaredError;
  figures::EpochCurves c;
  for (const EpochRow& r : h.rows) {
    c.epoch.push_back(r.epoch);
    c.loss.push_back(r.loss);
    if (classifier) c.accuracy.push_back(r.accuracy);
    if (r.validation_loss) c.validation_loss.push_back(*r.validation_loss);
    if (classifier && r.validation_accuracy) c.validation_accuracy.push_back(*r.validation_accuracy);
  }
  const figures::Options options = figure_options();
  figures::Report report = figures::write_training_curves(dir, c, title, options);
  if (!classifier || net.inputs() != 2 || h.stopped_early) return report;
  figures::DecisionField f = figures::field_around(d.X);
  f.x_label = d.features[0];
  f.y_label = d.features[1];
  f.classes = static_cast<int>(std::max<Eigen::Index>(2, net.outputs()));
  Eigen::MatrixXd grid(static_cast<Eigen::Index>(f.nx) * f.ny, 2);
  for (int i = 0; i < f.nx; ++i)
    for (int j = 0; j < f.ny; ++j) grid.row(static_cast<Eigen::Index>(i) * f.ny + j) << f.x(i), f.y(j);
  const Eigen::MatrixXd p = net.predict(st ? st->apply(grid) : grid);
  f.value.resize(f.nx, f.ny);
  Eigen::VectorXi labels(d.y.size());
  for (Eigen::Index k = 0; k < d.y.size(); ++k)
    labels[k] = net.outputs() == 1 ? (d.y[k] >= 0.5 ? 1 : 0) : static_cast<int>(d.y[k]);
  for (int i = 0; i < f.nx; ++i)
    for (int j = 0; j < f.ny; ++j) {
      const Eigen::Index row = static_cast<Eigen::Index>(i) * f.ny + j;
      Eigen::Index best = 0;
      if (f.classes > 2) p.row(row).maxCoeff(&best);
      f.value(i, j) = net.outputs() == 1 ? p(row, 0) : f.classes == 2 ? p(row, 1) : static_cast<double>(best);
    }
  report.merge(figures::write_decision_boundary(dir, f, d.X, labels, title, options));
  return report;
}

}  // namespace

Json layers_json(const NetworkParams& p) {
  Json layers = Json::array();
  for (const LayerParams& L : p) {
    Json W = Json::array();
    for (Eigen::Index i = 0; i < L.W.rows(); ++i) W.push_back(vector_json(L.W.row(i).transpose()));
    layers.push_back({{"W", W}, {"b", vector_json(L.b)}});
  }
  return layers;
}

Eigen::MatrixXd network_targets(const Dataset& d, NetworkLoss loss, Eigen::Index classes) {
  const auto line = [&d](Eigen::Index i) { return d.lines[static_cast<std::size_t>(i)]; };
  for (Eigen::Index i = 0; i < d.y.size(); ++i) {
    const double v = d.y[i];
    if (loss == NetworkLoss::CrossEntropy &&
        !(v >= 0.0 && v < static_cast<double>(classes) && v == std::floor(v)))
      throw CsvError(d.source, line(i), 0,
                     fmt::format("target '{}' = {} is not a class label 0..{}, which the ce loss needs",
                                 d.target, num(v), classes - 1));
    if (loss == NetworkLoss::BinaryCrossEntropy && !(v >= 0.0 && v <= 1.0))
      throw CsvError(d.source, line(i), 0,
                     fmt::format("target '{}' = {} is outside [0, 1], which binary cross-entropy needs",
                                 d.target, num(v)));
  }
  if (loss == NetworkLoss::CrossEntropy) return one_hot(d.y, classes);
  return d.y;
}

Eigen::MatrixXi confusion_matrix(const Eigen::MatrixXd& predictions, const Eigen::MatrixXd& Y) {
  const Eigen::Index k = std::max<Eigen::Index>(2, Y.cols());
  Eigen::MatrixXi c = Eigen::MatrixXi::Zero(k, k);
  for (Eigen::Index i = 0; i < Y.rows(); ++i) {
    Eigen::Index t = 0, p = 0;
    if (Y.cols() == 1) {
      t = Y(i, 0) >= 0.5 ? 1 : 0;
      p = predictions(i, 0) >= 0.5 ? 1 : 0;
    } else {
      Y.row(i).maxCoeff(&t);
      predictions.row(i).maxCoeff(&p);
    }
    ++c(t, p);
  }
  return c;
}

std::string confusion_text(const Eigen::MatrixXi& c) {
  std::vector<std::string> header{"true \\ predicted"};
  for (Eigen::Index j = 0; j < c.cols(); ++j) header.push_back(std::to_string(j));
  std::vector<std::vector<std::string>> rows;
  for (Eigen::Index i = 0; i < c.rows(); ++i) {
    rows.push_back({std::to_string(i)});
    for (Eigen::Index j = 0; j < c.cols(); ++j) rows.back().push_back(std::to_string(c(i, j)));
  }
  return format_table(header, rows);
}

void add_network_options(CLI::App& train, NetworkTrainOptions& o) {
  train.add_option("--hidden", o.hidden,
                   "train a network with hidden layers of these sizes, e.g. 32,16 (each with --activation)");
  train
      .add_option("--validation", o.validation,
                  "network: hold out this fraction of the samples (shuffled with --seed) for validation")
      ->check(kFraction);
  train.add_option("--save", o.save, "network: write the trained model file (JSON) here");
  train.add_option("--load", o.load,
                   "network: start from this model file (its layers, loss and standardization)");
  train.add_flag("--gradient", o.gradient, "network: also print the gradient of every parameter at the end");
  train.add_flag("--progress", o.progress,
                 "network: print the epoch and loss on stderr while training (on by itself when stderr is a "
                 "terminal)");
}

bool wants_network(const NetworkTrainOptions& o, const std::string& loss) {
  return !o.hidden.empty() || !o.load.empty() || loss == "ce" || loss == "cross_entropy" || o.gradient ||
         !o.save.empty() || o.validation > 0.0;
}

int run_network_train(const NetworkTrainOptions& n, const SharedTrainOptions& s) {
  if (!s.out.empty()) figures::prepare_output_dir(s.out);  // an unwritable --out fails before training
  const CsvTable table = read_csv(s.data, {.header = !s.no_header});
  const Dataset d = select_columns(table, s.target, split_names(s.features));

  // the network: loaded, or built from --hidden (empty: no hidden layer)
  std::optional<Network> net;
  std::optional<Standardization> st;
  Eigen::Index classes = 0;
  if (!n.load.empty()) {
    if (!n.hidden.empty()) throw Error("--hidden and --load conflict: a loaded model keeps its layers");
    if (s.standardize)
      throw Error("--standardize and --load conflict: a loaded model keeps its standardization");
    Model m = load_model(n.load);
    if (m.network.inputs() != d.X.cols())
      throw Error(fmt::format("{} has {} inputs but {} has {} feature columns ({})", n.load,
                              m.network.inputs(), d.source, d.X.cols(), fmt::join(d.features, ", ")));
    net.emplace(std::move(m.network));
    st = m.standardize;
    classes = net->outputs();
  } else {
    const NetworkLoss loss = network_loss(s.loss);
    Architecture arch;
    arch.inputs = d.X.cols();
    if (!n.hidden.empty()) arch.hidden = parse_hidden(n.hidden);
    arch.activation = s.activation;
    arch.loss = loss;
    if (loss == NetworkLoss::CrossEntropy) {
      const double top = d.y.maxCoeff();
      if (top > kMaxClasses - 1)
        throw Error(
            fmt::format("--loss ce: the largest label in '{}' is {}; class labels run from 0 to at most {}",
                        d.target, num(top), kMaxClasses - 1));
      classes = static_cast<Eigen::Index>(std::max(0.0, top)) + 1;
      if (classes < 2) throw Error(fmt::format("--loss ce needs at least two classes in '{}'", d.target));
    }
    arch.outputs = loss == NetworkLoss::CrossEntropy ? classes : 1;
    if (loss == NetworkLoss::SquaredError && arch.hidden.empty()) arch.output_activation = s.activation;
    net.emplace(make_network(arch, resolve_init(s.init, s.activation), s.seed));
  }
  const Eigen::MatrixXd Y = network_targets(d, net->loss(), classes);
  // split the raw data, then standardise with the training part's statistics only (the validation
  // samples must not leak into the model)
  DataSplit split = validation_split(d.X, Y, n.validation, s.seed);
  if (s.standardize) st = standardization(split.X_train);
  if (st) {
    split.X_train = st->apply(split.X_train);
    split.X_val = st->apply(split.X_val);
  }
  const bool with_val = split.X_val.rows() > 0;

  auto optimizer = make_optimizer(s.optimizer, {.learning_rate = s.lr});
  NetworkFitOptions fo;
  fo.epochs = s.epochs;
  fo.batch = s.batch;
  fo.seed = s.seed;
  if (n.progress || ::isatty(STDERR_FILENO)) fo.on_epoch = NetworkProgress(s.epochs, ::isatty(STDERR_FILENO));
  const NetworkHistory h = fit_network(*net, split.X_train, split.Y_train, *optimizer, fo,
                                       with_val ? &split.X_val : nullptr, with_val ? &split.Y_val : nullptr);
  const std::string warning = run_warning(h, s.lr);
  if (!warning.empty()) std::cerr << "gradlab: warning: " << warning << '\n';
  const EpochRow& last = h.rows.back();
  const bool classifier = net->loss() != NetworkLoss::SquaredError;
  // after a divergence the parameters are not finite: nothing to check, save or show
  const bool finite = !h.stopped_early;
  std::optional<NetworkCheck> check;
  if (finite) check = cross_check(*net, split.X_train, split.Y_train);
  const bool ok = finite && check->passed();
  const NetworkValueAndGradient grad = net->hand_gradient(split.X_train, split.Y_train);
  const Eigen::MatrixXd& Xc = with_val ? split.X_val : split.X_train;
  const Eigen::MatrixXd& Yc = with_val ? split.Y_val : split.Y_train;
  const Eigen::MatrixXi confusion = confusion_matrix(net->predict(Xc), Yc);
  if (!n.save.empty() && finite) save_model(n.save, *net, st);
  // The figures are drawn after the report is printed, so a failed figure never loses a finished run.
  const auto draw_figures = [&](bool json_mode) {
    if (s.out.empty()) return;
    std::cout << std::flush;
    print_figure_report(
        draw_network_figures(s.out, *net, h, d, st,
                             fmt::format("{} network on {}", architecture_text(*net), d.source)),
        json_mode);
  };

  if (s.json) {
    Json j;
    j["epochs"] = last.epoch;
    j["loss"] = last.loss;
    if (classifier) j["accuracy"] = last.accuracy;
    if (with_val) {
      j["validation_loss"] = *last.validation_loss;
      if (classifier) j["validation_accuracy"] = *last.validation_accuracy;
    }
    j["features"] = d.features;
    j["target"] = d.target;
    j["network"] = architecture_text(*net);
    j["parameters"] = layers_json(net->params());
    if (st) j["standardize"] = {{"mean", vector_json(st->mean)}, {"scale", vector_json(st->scale)}};
    if (classifier) {
      Json c = Json::array();
      for (Eigen::Index i = 0; i < confusion.rows(); ++i)
        c.push_back(std::vector<int>(confusion.row(i).begin(), confusion.row(i).end()));
      j["confusion"] = c;
    }
    if (n.gradient) j["gradient"] = layers_json(grad.gradient);
    j["history"] = Json::array();
    for (const EpochRow& r : h.rows) {
      Json row{{"epoch", r.epoch}, {"loss", r.loss}};
      if (classifier) row["accuracy"] = r.accuracy;
      if (r.validation_loss) row["validation_loss"] = *r.validation_loss;
      if (classifier && r.validation_accuracy) row["validation_accuracy"] = *r.validation_accuracy;
      j["history"].push_back(row);
    }
    if (check)
      j["gradient_check"] = {{"agrees", check->passed()},
                             {"autodiff_vs_hand", check->autodiff_vs_hand.abs},
                             {"numeric_vs_hand", check->numeric_vs_hand.abs}};
    // The same shape as the neuron's: a list of {kind, message}.
    j["warnings"] = network_warnings_json(h, warning);
    if (h.stopped_early) j["diverged_at_epoch"] = last.epoch;
    print_json(j);
    draw_figures(true);
    return ok ? 0 : 1;
  }

  std::cout << fmt::format("data: {} ({} samples; {} features; target: {})\n", d.source, d.X.rows(),
                           d.X.cols(), d.target);
  std::cout << fmt::format("network: {}; loss {} (mean over the samples){}\n", architecture_text(*net),
                           short_name(net->loss()), st ? "; standardized features" : "");
  std::cout << fmt::format("training: {} with lr {}, {} epochs, {}; {}\n", s.optimizer, num(s.lr), s.epochs,
                           s.batch > 0 && s.batch < split.X_train.rows()
                               ? fmt::format("batches of {} (seed {})", s.batch, s.seed)
                               : "full batch",
                           with_val ? fmt::format("{} samples held out for validation", split.X_val.rows())
                                    : "no validation split");
  std::vector<std::string> header{"epoch", "loss"};
  if (classifier) header.emplace_back("accuracy");
  if (with_val) {
    header.emplace_back("validation loss");
    if (classifier) header.emplace_back("validation accuracy");
  }
  std::vector<std::vector<std::string>> rows;
  const std::size_t step = std::max<std::size_t>(1, (h.rows.size() - 1) / 10);
  for (std::size_t k = 0; k < h.rows.size(); ++k) {
    if (k % step != 0 && k + 1 != h.rows.size()) continue;
    const EpochRow& r = h.rows[k];
    rows.push_back({std::to_string(r.epoch), fmt::format("{:.6g}", r.loss)});
    if (classifier) rows.back().push_back(fmt::format("{:.4f}", r.accuracy));
    if (with_val) {
      rows.back().push_back(fmt::format("{:.6g}", *r.validation_loss));
      if (classifier) rows.back().push_back(fmt::format("{:.4f}", *r.validation_accuracy));
    }
  }
  std::cout << format_table(header, rows);
  if (classifier && finite)
    std::cout << fmt::format("confusion matrix on the {} data:\n", with_val ? "validation" : "training")
              << confusion_text(confusion);
  if (n.gradient && finite) {
    std::cout << "gradient of the mean training loss at the final parameters:\n";
    for (std::size_t l = 0; l < grad.gradient.size(); ++l) {
      const LayerParams& g = grad.gradient[l];
      for (Eigen::Index i = 0; i < g.W.rows(); ++i)
        std::cout << fmt::format("  layer{}.W[{}] = {}\n", l + 1, i, numbers_text(g.W.row(i).transpose()));
      std::cout << fmt::format("  layer{}.b = {}\n", l + 1, numbers_text(g.b));
    }
  }
  if (!finite) {
    std::cout << "training diverged: no gradient check" << (n.save.empty() ? "" : " and no model file")
              << '\n';
    draw_figures(false);
    return 1;
  }
  std::cout
      << "gradient of the mean training loss at the final parameters, three ways (a sample of entries):\n"
      << check->table() << (check->passed() ? "the three agree\n" : "DISAGREEMENT\n");
  if (!n.save.empty()) std::cout << fmt::format("model written to {}\n", n.save);
  draw_figures(false);
  return ok ? 0 : 1;
}

}  // namespace gradlab::cli
