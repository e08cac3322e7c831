// gradlab in the browser: the few coarse functions the page calls, compiled to WebAssembly with the
// same engine sources as the native build. Each takes one JSON object (as text) and returns one JSON
// object (as text): the numbers, or {"error": ...}. JavaScript only draws what comes back.
//
// Numbers are written by nlohmann::json, as `gradlab ... --json` writes them (shortest text that reads
// back to the same double; NaN and infinities as the strings "NaN", "Infinity", "-Infinity", by
// cli::json_text), so the page and the CLI agree to the last digit.
#include <emscripten/bind.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "common.hpp"
#include "gradlab/autodiff/functional.hpp"
#include "gradlab/figures.hpp"
#include "gradlab/networks/random.hpp"
#include "gradlab/networks/train.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/article.hpp"
#include "results.hpp"

namespace gradlab::web {

namespace {
using cli::Json;

/// The request's field `key`, or `fallback` when it is absent. A value of the wrong type is an Error,
/// and so is null (what JSON.stringify makes of NaN and infinities) and a fraction where a whole
/// number is expected: nothing is silently replaced or rounded.
template <class T> T field(const Json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_null()) throw Error(fmt::format("'{}' is not a finite number", key));
  if constexpr (std::is_same_v<T, int>) {
    const bool whole = it->is_number_integer() &&
                       it->get<std::int64_t>() >= std::numeric_limits<int>::min() &&
                       it->get<std::int64_t>() <= std::numeric_limits<int>::max();
    if (!whole) throw Error(fmt::format("'{}' must be a whole number, got {}", key, it->dump()));
  }
  try {
    return it->get<T>();
  } catch (const std::exception&) {
    throw Error(fmt::format("'{}' has the wrong type: {}", key, it->dump()));
  }
}

/// Runs f on the parsed request and returns its JSON; any error becomes {"error": message}, with
/// the column and the field for an error in an expression or a point.
template <class F> std::string respond(const std::string& request, F f) {
  Json out;
  try {
    out = f(Json::parse(request));
  } catch (const expr::ParseError& e) {
    out = {{"error", e.what()}, {"reason", e.reason()}, {"column", e.column()}};
  } catch (const std::exception& e) {
    out = {{"error", e.what()}};
  }
  return cli::json_text(out);
}

/// The neuron of the page's state: one input, squared error, the article's data.
Neuron state_neuron(const Json& s) {
  const double w0 = field(s, "w0", article::w0);
  const double b0 = field(s, "b0", article::b0);
  return Neuron(Eigen::VectorXd::Constant(1, w0), b0, field<std::string>(s, "activation", "sigmoid"),
                "squared_error");
}

/// A trajectory as three arrays (w, b, loss per epoch) and its last row.
Json trajectory_json(const Trajectory& t) {
  Json w = Json::array(), b = Json::array(), loss = Json::array();
  for (const TrajectoryRow& r : t.rows) {
    w.push_back(r.theta[0]);
    b.push_back(r.theta[1]);
    loss.push_back(r.loss);
  }
  const TrajectoryRow& last = t.rows.back();
  return {
      {"w", w},
      {"b", b},
      {"loss", loss},
      {"final", {{"epoch", last.epoch}, {"w", last.theta[0]}, {"b", last.theta[1]}, {"loss", last.loss}}}};
}

/// Epochs of a request: a whole number in [0, 100000] (the page redraws every epoch).
int epochs_of(const Json& s, int fallback) {
  const int epochs = field(s, "epochs", fallback);
  if (epochs < 0 || epochs > 100000)
    throw Error(fmt::format("epochs must be a whole number from 0 to 100000, got {}", epochs));
  return epochs;
}

/// {w0, b0, eta, epochs, optimizer, activation} -> the run of the neuron from (w0, b0) with that
/// optimizer at learning rate eta: {w: [...], b: [...], loss: [...], final: {epoch, w, b, loss}}.
Json run(const Json& s) {
  Neuron n = state_neuron(s);
  auto opt = make_optimizer(field<std::string>(s, "optimizer", "gd"),
                            {.learning_rate = field(s, "eta", article::learning_rate)});
  return trajectory_json(
      train(n, article::inputs(), article::targets(), *opt, {.max_epochs = epochs_of(s, article::epochs)}));
}

/// {activation, n} -> L(w, b) on the article's rectangle, n x n points: {w_min, w_max, b_min, b_max,
/// n, loss: [row j = b_j: L(w_0, b_j), L(w_1, b_j), ...]} and the exact optimum of the sigmoid neuron.
Json surface(const Json& s) {
  figures::Grid grid = figures::article_grid();
  grid.nw = grid.nb = std::clamp(field(s, "n", 81), 2, 400);
  const figures::Surface sf =
      figures::loss_surface(state_neuron(s), article::inputs(), article::targets(), grid);
  Json loss = Json::array();
  for (int j = 0; j < grid.nb; ++j)
    for (int i = 0; i < grid.nw; ++i) loss.push_back(sf.loss(i, j));
  const article::Optimum opt = article::exact_optimum();
  return {{"w_min", grid.w_min},
          {"w_max", grid.w_max},
          {"b_min", grid.b_min},
          {"b_max", grid.b_max},
          {"n", grid.nw},
          {"loss", loss},
          {"optimum", {{"w", opt.w}, {"b", opt.b}}}};
}

/// {epochs, eta} -> every optimizer from the article's start, as `gradlab article --optimizers`
/// runs them (eta 0 or absent: 1 for gd, 0.1 for the others): {names: [...], runs: {name: run}}.
Json optimizers(const Json& s) {
  const double eta = field(s, "eta", 0.0);
  const std::vector<std::string> names = optimizer_names();
  Json runs = Json::object();
  for (const auto& [name, t] : figures::article_optimizer_runs(names, epochs_of(s, 200), eta))
    runs[name] = trajectory_json(t);
  return {{"names", names}, {"runs", runs}};
}

/// {} -> the registered activations' names; {name, n} -> its record's texts and f, f' from the record
/// at n points of its domain.
Json activation_record(const Json& s) {
  const std::string name = field<std::string>(s, "name", "");
  if (name.empty()) return {{"names", activation_names()}};
  const ActivationInfo& a = activation(name);
  const int n = std::clamp(field(s, "n", 201), 2, 2001);
  Json x = Json::array(), f = Json::array(), d = Json::array();
  for (int i = 0; i < n; ++i) {
    const double xi = a.domain.lo + (a.domain.hi - a.domain.lo) * i / (n - 1);
    x.push_back(xi);
    f.push_back(a.value(xi));
    d.push_back(a.d(xi));
  }
  return {{"name", a.name},
          {"formula", a.formula},
          {"derivative", a.derivative},
          {"kink", a.kink},
          {"domain", {a.domain.lo, a.domain.hi}},
          {"x", x},
          {"f", f},
          {"d", d}};
}

/// The expression and the point of a request, parsed as `gradlab grad EXPR --at AT` parses them.
/// An error says which field it is in ("field": "expr" or "at").
struct Parsed {
  cli::ExprOptions options;
  std::unique_ptr<cli::Program> program;
  std::vector<cli::Binding> point;
};
/// Runs f with a parsed request; a parse error names its field.
template <class F> Json with_parsed(const Json& s, F f) {
  register_builtin_activations();  // the activations are functions of the language, as in the CLI
  Parsed p;
  p.options.expr = field<std::string>(s, "expr", "");
  const std::string at = field<std::string>(s, "at", "");
  if (!at.empty()) p.options.at.push_back(at);
  try {
    if (p.options.expr == "-") (void)expr::parse(p.options.expr);  // the CLI's stdin; here plain text
    p.program = std::make_unique<cli::Program>(p.options);
  } catch (const expr::ParseError& e) {
    return {{"error", e.what()}, {"reason", e.reason()}, {"column", e.column()}, {"field", "expr"}};
  }
  try {
    p.point = cli::parse_bindings(p.options.at, "--at", true);
  } catch (const expr::ParseError& e) {
    return {{"error", e.what()}, {"reason", e.reason()}, {"column", e.column()}, {"field", "at"}};
  }
  return f(p);
}

/// {expr, at} -> {value, gradient: {name: d}, hessian: {name: {name: d2}}}, as `gradlab grad --json
/// --hessian`; or {error, reason, column, field}.
Json evaluate(const Json& s) {
  return with_parsed(s, [](const Parsed& p) -> Json {
    const cli::Recording rec(*p.program, p.point);
    std::vector<std::size_t> all(p.point.size());
    for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
    const cli::Derivatives d = cli::derivatives(rec, p.point, all, true);
    Json j;
    j["value"] = d.value;
    j["gradient"] = Json::object();
    j["hessian"] = Json::object();
    for (std::size_t a = 0; a < all.size(); ++a) {
      j["gradient"][p.point[a].name] = d.gradient[a];
      for (std::size_t b = 0; b < all.size(); ++b)
        j["hessian"][p.point[a].name][p.point[b].name] =
            d.hessian(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
    }
    return j;
  });
}

/// {expr, at} -> the chain-rule ledger, as `gradlab explain --json`: forward (node, op, formula,
/// value), backward in reverse order (node, adjoint, terms: user, user_adjoint, local_derivative).
Json ledger(const Json& s) {
  return with_parsed(s, [](const Parsed& p) -> Json {
    const cli::Recording rec(*p.program, p.point);
    return cli::ledger_json(rec, p.point);
  });
}

/// The playground's 2-D data sets, drawn by the portable generator (the same points on every
/// machine): xor (the four corners, examples/data/xor.csv), disc (n points uniform in [-1, 1]²,
/// class 1 inside the circle of radius 0.7) and quadrants (class 1 where x1 x2 > 0). Only exact
/// operations decide a label, so the browser and the CLI see the same classes.
struct Points {
  Eigen::MatrixXd X;
  Eigen::MatrixXd Y;  ///< n x 1, labels 0 and 1
};
Points dataset(const std::string& name, int n, std::uint64_t seed) {
  Points p;
  if (name == "xor") {
    p.X.resize(4, 2);
    p.X << 0, 0, 0, 1, 1, 0, 1, 1;
    p.Y.resize(4, 1);
    p.Y << 0, 1, 1, 0;
    return p;
  }
  if (name != "disc" && name != "quadrants")
    throw Error(fmt::format("unknown data set '{}'; known: xor, disc, quadrants", name));
  if (n < 4 || n > 2000)
    throw Error(fmt::format("'n' must be a number of samples from 4 to 2000, got {}", n));
  PortableRng rng(seed);
  p.X.resize(n, 2);
  p.Y.resize(n, 1);
  for (int i = 0; i < n; ++i) {
    const double a = rng.uniform(-1.0, 1.0), b = rng.uniform(-1.0, 1.0);
    p.X.row(i) << a, b;
    p.Y(i, 0) = name == "disc" ? (a * a + b * b < 0.49 ? 1.0 : 0.0) : (a * b > 0.0 ? 1.0 : 0.0);
  }
  return p;
}

/// "8,8" as hidden layer sizes (parse_units, as `train --hidden` reads them): one to four layers of
/// at most 64 units, to stay interactive.
std::vector<Eigen::Index> hidden_of(const std::string& text) {
  std::vector<Eigen::Index> units;
  try {
    units = parse_units(text);
  } catch (const Error& e) {
    throw Error(fmt::format("'hidden': {}", e.what()));
  }
  if (units.size() > 4 || *std::max_element(units.begin(), units.end()) > 64)
    throw Error(fmt::format("'hidden': at most four layers of at most 64 units here, got {}", text));
  return units;
}

/// {data, n, hidden, activation, optimizer, eta, epochs, seed, grid, frames} -> a classifier (binary
/// cross-entropy, sigmoid output) trained on the data set as `gradlab train --data FILE --hidden H
/// --activation A --loss bce --optimizer O --lr ETA --epochs E --seed S` trains it on the same points:
/// {data: {x1, x2, label}, network, history: {loss, accuracy}, final: {epoch, loss, accuracy},
///  frames: [{epoch, p}], field: {x_min, x_max, y_min, y_max, n}, warnings: [{kind, message}]} (as the
///  CLI's --json has them); p is the probability of
/// class 1 on the grid, row j = x2_j: p(x1_0, x2_j), p(x1_1, x2_j), ...
Json network(const Json& s) {
  register_builtin_activations();
  const int seed_field = field(s, "seed", 1);
  if (seed_field < 0) throw Error(fmt::format("'seed' must be a whole number >= 0, got {}", seed_field));
  const auto seed = static_cast<std::uint64_t>(seed_field);
  const Points pts = dataset(field<std::string>(s, "data", "disc"), field(s, "n", 200), seed);
  Architecture arch;
  arch.inputs = 2;
  arch.hidden = hidden_of(field<std::string>(s, "hidden", "8"));
  arch.activation = field<std::string>(s, "activation", "tanh");
  arch.loss = NetworkLoss::BinaryCrossEntropy;
  Network net = make_network(arch, default_init(arch.activation), seed);
  auto opt =
      make_optimizer(field<std::string>(s, "optimizer", "adam"), {.learning_rate = field(s, "eta", 0.05)});
  const int epochs = epochs_of(s, 300);
  const int frames = std::clamp(field(s, "frames", 30), 1, 200);
  figures::DecisionField f = figures::field_around(pts.X, std::clamp(field(s, "grid", 51), 2, 201));
  Eigen::MatrixXd grid(static_cast<Eigen::Index>(f.nx) * f.ny, 2);
  for (int j = 0; j < f.ny; ++j)
    for (int i = 0; i < f.nx; ++i) grid.row(static_cast<Eigen::Index>(j) * f.nx + i) << f.x(i), f.y(j);
  Json snapshots = Json::array();
  // frame k shows epoch k * epochs / frames (k = 0..frames), and the last epoch of a run that stopped early
  const auto frame_epoch = [&](int k) {
    return static_cast<int>(static_cast<long long>(k) * epochs / frames);
  };
  int next = 0;  // the next frame's index
  NetworkFitOptions fo;
  fo.epochs = epochs;
  fo.seed = seed;
  fo.on_epoch = [&](const EpochRow& r) {
    const bool last = r.epoch == epochs || !std::isfinite(r.loss);
    if (!last && (next > frames || r.epoch < frame_epoch(next))) return;
    const Eigen::MatrixXd p = net.predict(grid);
    snapshots.push_back({{"epoch", r.epoch}, {"p", std::vector<double>(p.data(), p.data() + p.size())}});
    while (next <= frames && frame_epoch(next) <= r.epoch) ++next;
  };
  const NetworkHistory h = fit_network(net, pts.X, pts.Y, *opt, fo);
  Json loss = Json::array(), accuracy = Json::array();
  for (const EpochRow& r : h.rows) {
    loss.push_back(r.loss);
    accuracy.push_back(r.accuracy);
  }
  Json out{
      {"data",
       {{"x1", std::vector<double>(pts.X.col(0).begin(), pts.X.col(0).end())},
        {"x2", std::vector<double>(pts.X.col(1).begin(), pts.X.col(1).end())},
        {"label", std::vector<double>(pts.Y.col(0).begin(), pts.Y.col(0).end())}}},
      {"parameters", net.parameter_count()},
      {"history", {{"loss", loss}, {"accuracy", accuracy}}},
      {"final",
       {{"epoch", h.rows.back().epoch}, {"loss", h.rows.back().loss}, {"accuracy", h.rows.back().accuracy}}},
      {"frames", snapshots},
      {"field",
       {{"x_min", f.x_min}, {"x_max", f.x_max}, {"y_min", f.y_min}, {"y_max", f.y_max}, {"n", f.nx}}}};
  out["warnings"] = cli::network_warnings_json(h, h.warning);
  return out;
}
}  // namespace

std::string run_json(const std::string& r) { return respond(r, run); }
std::string surface_json(const std::string& r) { return respond(r, surface); }
std::string optimizers_json(const std::string& r) { return respond(r, optimizers); }
std::string activation_json(const std::string& r) { return respond(r, activation_record); }
std::string evaluate_json(const std::string& r) { return respond(r, evaluate); }
std::string ledger_json(const std::string& r) { return respond(r, ledger); }
std::string network_json(const std::string& r) { return respond(r, network); }

}  // namespace gradlab::web

EMSCRIPTEN_BINDINGS(gradlab) {
  emscripten::function("run", &gradlab::web::run_json);
  emscripten::function("surface", &gradlab::web::surface_json);
  emscripten::function("optimizers", &gradlab::web::optimizers_json);
  emscripten::function("activation", &gradlab::web::activation_json);
  emscripten::function("evaluate", &gradlab::web::evaluate_json);
  emscripten::function("ledger", &gradlab::web::ledger_json);
  emscripten::function("network", &gradlab::web::network_json);
}
