#include "checker.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <gradlab/autodiff.hpp>
#include <optional>
#include <random>

namespace gradlab::exercises {
namespace {

// ---- The definitions the exercises are about, each written once, in Vars. ----------------------
// autodiff differentiates them; the checker never contains a hand-derived derivative.

using Activation = Var (*)(const Var&);
using Loss = Var (*)(const Var&, double);

Var squared_error(const Var& f, double y) { return 0.5 * (f - y) * (f - y); }  // ½ (f − y)²
Var cross_entropy(const Var& f, double y) { return -(y * log(f) + (1.0 - y) * log(1.0 - f)); }  // BCE

/// act(z) and act'(z), by autodiff.
struct Slope {
  double value;
  double derivative;
};
Slope slope(Activation act, double z) {
  const auto r =
      value_and_grad([act](const std::vector<Var>& p) { return act(p[0]); }, Eigen::VectorXd::Constant(1, z));
  return {r.value, r.gradient[0]};
}

/// The gradient (∂L/∂w, ∂L/∂b) of L = Σᵢ loss(act(w·xᵢ + b), yᵢ), by autodiff.
Eigen::VectorXd neuron_grad(Activation act, Loss loss, double w, double b, std::span<const double> xs,
                            std::span<const double> ys) {
  return grad(
      [&](const std::vector<Var>& p) {
        Var total = 0.0;
        for (std::size_t i = 0; i < xs.size(); ++i) total += loss(act(p[0] * xs[i] + p[1]), ys[i]);
        return total;
      },
      Eigen::Vector2d(w, b));
}

// ---- Random points on a grid of simple fractions, so they read well and can be typed in again. ----

class Points {
 public:
  explicit Points(std::uint64_t seed) : rng_(seed) {}
  /// A multiple of 1/denominator in [lo, hi].
  double grid(int lo, int hi, int denominator) {
    return std::uniform_int_distribution<int>(lo * denominator, hi * denominator)(rng_) / double(denominator);
  }
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double w() { return grid(-2, 2, 8); }
  double b() { return grid(-2, 2, 8); }
  double x() { return grid(-3, 3, 8); }
  double y() { return grid(0, 1, 16); }

 private:
  std::mt19937_64 rng_;
};

constexpr int kPoints = 200;

bool close(double received, double expected) {
  return std::abs(received - expected) <= kAbsTol + kRelTol * std::abs(expected);
}
bool close_rel(double a, double b, double tol) {
  return std::abs(a - b) <= tol * std::max(std::abs(b), 1e-300);
}

/// Calls the student's function; an exception becomes the report's error.
template <class F> bool call(Report& report, const std::string& point, F&& f) {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    report.error = fmt::format("your function threw at {}: {}", point, e.what());
  } catch (...) {
    report.error =
        fmt::format("your function threw at {}: an exception not derived from std::exception", point);
  }
  return false;
}

// ---- Hints: the pattern of received / expected over all points. ------------------------------------

/// A number as a student would write it: 2, 1/2, −1, or 0.731.
std::string coefficient(double c) {
  for (int d : {1, 2, 3, 4}) {
    const double n = std::round(c * d);
    if (n != 0 && close_rel(c * d, n, 1e-9))
      return d == 1 ? fmt::format("{}", n) : fmt::format("{}/{}", n, d);
  }
  return fmt::format("{:.10g}", c);
}

std::string size_words(double c) {
  const double a = std::abs(c);
  if (close_rel(a, 1.0, kRelTol)) return "";
  if (close_rel(a, 2.0, 1e-6))
    return "twice the right size: lost a 1/2? (the 1/2 of ½ u² cancels the 2 of d/du u² = 2u)";
  if (close_rel(a, 0.5, 1e-6)) return "half the right size: an extra 1/2?";
  return fmt::format("off by the constant factor {}", coefficient(a));
}

/// A ratio k·g with g = 1, a factor, or 1 / a factor, constant over the points where expected is not ~0.
std::optional<std::string> ratio_hint(std::span<const Sample> samples, std::size_t k) {
  std::vector<const Sample*> usable;
  for (const Sample& s : samples) {
    if (std::abs(s.expected[k]) > 1e-8 && std::isfinite(s.received[k])) usable.push_back(&s);
  }
  if (usable.size() < 3) return std::nullopt;

  // Candidates for received / expected: k, k·g or k/g for each factor g (j = -1 stands for g = 1).
  const std::size_t nf = usable.front()->factors.size();
  for (int j = -1; j < int(nf); ++j) {
    for (bool missing : {false, true}) {
      if (j < 0 && missing) continue;
      std::vector<double> c;  // the constant k at each point (points where g = 0 say nothing about k)
      for (const Sample* s : usable) {
        const double g = j < 0 ? 1.0 : s->factors[std::size_t(j)].value;
        if (!std::isfinite(g) || g == 0.0) continue;
        c.push_back(missing ? s->received[k] * g / s->expected[k] : s->received[k] / (s->expected[k] * g));
      }
      if (c.size() < 3 || c.front() == 0.0) continue;
      if (!std::all_of(c.begin(), c.end(), [&](double ci) { return close_rel(ci, c.front(), 1e-6); }))
        continue;
      const double k0 = c.front();
      if (j < 0 && close_rel(k0, 1.0, kRelTol)) continue;  // right wherever expected is not ~0

      std::vector<std::string> why;
      if (k0 < 0) why.push_back("the sign is flipped");
      if (std::string size = size_words(k0); !size.empty()) why.push_back(size);
      std::string ratio = coefficient(k0);
      if (j >= 0) {
        const Factor& f = usable.front()->factors[std::size_t(j)];
        const std::string name = f.name.find(' ') == std::string::npos ? f.name : "(" + f.name + ")";
        if (missing) {
          ratio = fmt::format("{}/{}", ratio, name);
          why.push_back(fmt::format("a factor {} is missing ({})", f.name, f.why));
        } else {
          ratio = ratio == "1" ? name : ratio == "-1" ? "-" + name : fmt::format("{}·{}", ratio, name);
          why.push_back(fmt::format("an extra factor {} ({})", f.name, f.why));
        }
      }
      return fmt::format("received / expected = {} at every point: {}", ratio, fmt::join(why, "; "));
    }
  }
  return std::nullopt;
}

void add_neuron_factors(Sample& s, double x, double z, double f, double y, Activation act,
                        const std::string& act_name, const std::string& act_why) {
  s.factors.push_back({"x", x, "∂z/∂w = x for z = w·x + b"});
  s.factors.push_back({act_name, slope(act, z).derivative, act_why});
  s.factors.push_back({"f − y", f - y, "the residual of the loss"});
}

/// One of the exercises 2, 4, 5, 6: the neuron act(w·x + b) with a loss, at one point.
struct NeuronExercise {
  int number;
  const char* title;
  const char* file;
  Activation act;
  Loss loss;
  const char* act_name;  // e.g. "σ'(z)"
  const char* act_why;
};

Report check_neuron(const NeuronExercise& ex, const PointGrad& student, std::uint64_t seed, bool kinks) {
  Report report{ex.number, ex.title, ex.file, {"∂L/∂w", "∂L/∂b"}, {}, 0, {}, {}};
  Points points(seed);
  for (int i = 0; i < kPoints; ++i) {
    const double w = points.w(), x = points.x(), y = points.y();
    // Every fourth point of a kinked activation sits exactly on the kink: w·x + b == 0.
    const double b = kinks && i % 4 == 0 ? -(w * x) : points.b();
    const double z = w * x + b;
    Sample s;
    s.point = fmt::format("w = {}, b = {}, x = {}, y = {}", w, b, x, y);
    const Eigen::VectorXd g = neuron_grad(ex.act, ex.loss, w, b, std::span(&x, 1), std::span(&y, 1));
    s.expected = {g[0], g[1]};
    Grad r{};
    if (!call(report, s.point, [&] { r = student(w, b, x, y); })) return report;
    s.received = {r.dw, r.db};
    add_neuron_factors(s, x, z, slope(ex.act, z).value, y, ex.act, ex.act_name, ex.act_why);
    if (kinks && z == 0.0) {
      s.special =
          "z = w·x + b = 0, the kink: gradlab, like PyTorch, takes relu'(0) = 0 (so ∂L/∂w = ∂L/∂b = 0)";
    }
    report.samples.push_back(std::move(s));
  }
  diagnose(report);
  return report;
}

}  // namespace

std::string hint(const Report& report, std::size_t k) {
  const std::span<const Sample> samples(report.samples);
  auto right = [k](const Sample& s) { return close(s.received[k], s.expected[k]); };
  if (std::all_of(samples.begin(), samples.end(), right)) return "";
  for (const Sample& s : samples) {
    if (!std::isfinite(s.received[k])) {
      return fmt::format("received {} at {}: a division by zero, or a log or sqrt out of its domain?",
                         s.received[k], s.point);
    }
  }
  if (std::all_of(samples.begin(), samples.end(), [k](const Sample& s) { return s.received[k] == 0.0; })) {
    return fmt::format("received 0 at every point: fill in the TODO(exercise {}) in {}", report.exercise,
                       report.file);
  }
  const Sample* first_wrong = nullptr;
  bool only_special = true;
  for (const Sample& s : samples) {
    if (right(s)) continue;
    if (!first_wrong) first_wrong = &s;
    only_special = only_special && !s.special.empty();
  }
  if (only_special) return fmt::format("right everywhere except where {}", first_wrong->special);
  if (std::all_of(samples.begin(), samples.end(),
                  [&](const Sample& s) { return right(s) || s.expected[k] == 0.0; })) {
    return "wrong only where the expected value is 0: is a factor that is 0 there (such as relu'(z) for z < "
           "0) "
           "missing?";
  }
  for (std::size_t j = 0; j < report.outputs.size(); ++j) {
    if (j == k) continue;
    auto swapped = [k, j](const Sample& s) {
      return close(s.received[k], s.expected[j]) && close(s.received[j], s.expected[k]);
    };
    if (std::all_of(samples.begin(), samples.end(), swapped)) {
      return fmt::format("received {} equals the expected {} at every point: are the two swapped?",
                         report.outputs[k], report.outputs[j]);
    }
  }
  if (auto h = ratio_hint(samples, k)) return *h;
  const double d0 = samples.front().received[k] - samples.front().expected[k];
  if (std::all_of(samples.begin(), samples.end(), [&](const Sample& s) {
        return std::abs(s.received[k] - s.expected[k] - d0) <= 1e-9 * (1.0 + std::abs(d0));
      })) {
    return fmt::format("received − expected = {} at every point: off by an additive constant",
                       coefficient(d0));
  }
  std::vector<std::string> names;
  for (const Factor& f : samples.front().factors) names.push_back(f.name);
  const auto n_right = std::count_if(samples.begin(), samples.end(), right);
  return fmt::format(
      "right at {} of {} points and no simple pattern (not a constant factor, a sign, a missing or extra "
      "factor {}, or an additive constant): go through the chain rule one factor at a time",
      n_right, samples.size(), names.empty() ? std::string("x") : fmt::format("{}", fmt::join(names, ", ")));
}

void diagnose(Report& report) {
  report.wrong = 0;
  report.hints.clear();
  for (const Sample& s : report.samples) {
    bool ok = true;
    for (std::size_t k = 0; k < s.expected.size(); ++k) ok = ok && close(s.received[k], s.expected[k]);
    report.wrong += ok ? 0 : 1;
  }
  for (std::size_t k = 0; k < report.outputs.size(); ++k) {
    if (std::string h = hint(report, k); !h.empty()) report.hints.push_back(report.outputs[k] + ": " + h);
  }
}

std::string Report::message() const {
  std::string out = fmt::format("exercise {}: {} ({})\n", exercise, title, file);
  if (!error.empty()) return out + "  ERROR: " + error + "\n";
  if (passed()) return out + fmt::format("  passed at {} points\n", samples.size());
  const auto first = std::find_if(samples.begin(), samples.end(), [](const Sample& s) {
    for (std::size_t k = 0; k < s.expected.size(); ++k) {
      if (!close(s.received[k], s.expected[k])) return true;
    }
    return false;
  });
  out += fmt::format("  WRONG at {} of {} points. The first: {}\n", wrong, samples.size(), first->point);
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const bool ok = close(first->received[k], first->expected[k]);
    out += fmt::format("    {}: expected {}, received {}{}\n", outputs[k], first->expected[k],
                       first->received[k], ok ? "  (right)" : "");
  }
  for (const std::string& h : hints) out += "  hint  " + h + "\n";
  return out;
}

Report check_sigmoid_derivative(const std::function<double(double)>& student) {
  Report report{1, "σ'(z), the derivative of the sigmoid", "ex1_sigmoid_derivative.cpp", {"σ'(z)"}, {}, 0, {},
                {}};
  Points points(1);
  for (int i = 0; i < kPoints; ++i) {
    const double z = points.grid(-6, 6, 8);
    Sample s;
    s.point = fmt::format("z = {}", z);
    const Slope sigma = slope(&gradlab::sigmoid, z);
    s.expected = {sigma.derivative};
    double r = 0.0;
    if (!call(report, s.point, [&] { r = student(z); })) return report;
    s.received = {r};
    s.factors = {{"σ(z)", sigma.value, "σ' is written with σ itself"},
                 {"1 − σ(z)", 1.0 - sigma.value, "σ' is written with σ itself"}};
    report.samples.push_back(std::move(s));
  }
  diagnose(report);
  return report;
}

Report check_one_point(const PointGrad& student) {
  return check_neuron({2, "∂L/∂w, ∂L/∂b of L = ½ (σ(w·x + b) − y)² at one point", "ex2_one_point.cpp",
                       &gradlab::sigmoid, &squared_error, "σ'(z)", "the chain rule through f = σ(z)"},
                      student, 2, false);
}

Report check_data_set(const DataSetGrad& student) {
  Report report{3,
                "∂L/∂w, ∂L/∂b of L = ½ Σᵢ (σ(w·xᵢ + b) − yᵢ)² over a data set",
                "ex3_data_set.cpp",
                {"∂L/∂w", "∂L/∂b"},
                {},
                0,
                {},
                {}};
  Points points(3);
  for (int i = 0; i < kPoints; ++i) {
    const double w = points.w(), b = points.b();
    std::vector<double> xs, ys;
    for (int n = points.integer(2, 8); n > 0; --n) {
      xs.push_back(points.x());
      ys.push_back(points.y());
    }
    Sample s;
    s.point =
        fmt::format("w = {}, b = {}, xs = [{}], ys = [{}]", w, b, fmt::join(xs, ", "), fmt::join(ys, ", "));
    const Eigen::VectorXd g = neuron_grad(&gradlab::sigmoid, &squared_error, w, b, xs, ys);
    s.expected = {g[0], g[1]};
    Grad r{};
    if (!call(report, s.point, [&] { r = student(w, b, xs, ys); })) return report;
    s.received = {r.dw, r.db};
    s.factors = {{"n", double(xs.size()), "L sums over the n points; sum, do not average"}};
    report.samples.push_back(std::move(s));
  }
  diagnose(report);
  return report;
}

Report check_tanh_neuron(const PointGrad& student) {
  return check_neuron({4, "∂L/∂w, ∂L/∂b of L = ½ (tanh(w·x + b) − y)²", "ex4_tanh_neuron.cpp", &gradlab::tanh,
                       &squared_error, "tanh'(z)", "the chain rule through f = tanh(z)"},
                      student, 4, false);
}

Report check_relu_neuron(const PointGrad& student) {
  return check_neuron({5, "∂L/∂w, ∂L/∂b of L = ½ (relu(w·x + b) − y)², kink included", "ex5_relu_neuron.cpp",
                       &gradlab::relu, &squared_error, "relu'(z)", "the chain rule through f = relu(z)"},
                      student, 5, true);
}

Report check_bce_sigmoid(const PointGrad& student) {
  return check_neuron({6, "∂L/∂w, ∂L/∂b of L = −[y log f + (1 − y) log(1 − f)], f = σ(w·x + b)",
                       "ex6_bce_sigmoid.cpp", &gradlab::sigmoid, &cross_entropy, "σ'(z)",
                       "for this loss ∂L/∂f = (f − y) / (f (1 − f)), so σ'(z) = f (1 − f) cancels"},
                      student, 6, false);
}

// ---- Networks: exercises 7 and 8 (docs/backprop.md). ------------------------------------------------

namespace {

/// L = log Σ_j e^{z_j} − z_label = −log softmax(z)_label, in Vars (autodiff differentiates it).
Var softmax_ce(const std::vector<Var>& z, int label) {
  Var s = exp(z[0]);
  for (std::size_t k = 1; k < z.size(); ++k) s = s + exp(z[k]);
  return log(s) - z[std::size_t(label)];
}

std::vector<double> to_vector(const Eigen::MatrixXd& m) {  // row by row
  std::vector<double> v;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) v.push_back(m(i, j));
  return v;
}

/// True when every sample's received values equal candidate[sample] (a known wrong answer).
bool matches(const Report& report, const std::vector<std::vector<double>>& candidate) {
  for (std::size_t i = 0; i < report.samples.size(); ++i)
    for (std::size_t k = 0; k < candidate[i].size(); ++k)
      if (!close(report.samples[i].received[k], candidate[i][k])) return false;
  return true;
}

/// Replaces the generic hints by the diagnosis of the first known mistake that the answers match.
void diagnose_mistakes(
    Report& report, const std::vector<std::pair<std::vector<std::vector<double>>, std::string>>& mistakes) {
  diagnose(report);
  if (report.passed()) return;
  for (const auto& [candidate, why] : mistakes)
    if (matches(report, candidate)) {
      report.hints = {why};
      return;
    }
}

Eigen::VectorXd grid_vector(Points& points, Eigen::Index n, int lo, int hi) {
  Eigen::VectorXd v(n);
  for (double& x : v) x = points.grid(lo, hi, 4);
  return v;
}
Eigen::MatrixXd grid_matrix(Points& points, Eigen::Index r, Eigen::Index c, int lo, int hi) {
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < r; ++i)
    for (Eigen::Index j = 0; j < c; ++j) m(i, j) = points.grid(lo, hi, 4);
  return m;
}
std::string matrix_text(const Eigen::MatrixXd& m) {
  std::vector<std::string> rows;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    rows.push_back(fmt::format("[{}]", fmt::join(to_vector(m.row(i)), ", ")));
  return fmt::format("[{}]", fmt::join(rows, ", "));
}

}  // namespace

Report check_softmax_ce_delta(const SoftmaxDelta& student) {
  constexpr Eigen::Index kClasses = 3;
  Report report{7,
                "δ = ∂L/∂z of L = −log softmax(z)_label",
                "ex7_softmax_ce_delta.cpp",
                {"δ_0", "δ_1", "δ_2"},
                {},
                0,
                {},
                {}};
  Points points(7);
  std::vector<std::vector<double>> probabilities, only_true_class, d_by_dp;
  for (int i = 0; i < kPoints; ++i) {
    const Eigen::VectorXd z = grid_vector(points, kClasses, -3, 3);
    const int label = points.integer(0, int(kClasses) - 1);
    Sample s;
    s.point = fmt::format("z = [{}], label = {}", fmt::join(to_vector(z.transpose()), ", "), label);
    s.expected =
        to_vector(grad([label](const std::vector<Var>& v) { return softmax_ce(v, label); }, z).transpose());
    Eigen::VectorXd r;
    if (!call(report, s.point, [&] { r = student(z, label); })) return report;
    if (r.size() != kClasses) {
      report.error = fmt::format("at {} your function returned {} entries; δ has one per class ({})", s.point,
                                 r.size(), kClasses);
      return report;
    }
    s.received = to_vector(r.transpose());
    // known mistakes: the probabilities themselves, only the true class's entry, ∂L/∂p instead of ∂L/∂z
    const Eigen::ArrayXd e = z.array().exp();
    const Eigen::VectorXd p = (e / e.sum()).matrix();
    probabilities.push_back(to_vector(p.transpose()));
    std::vector<double> only(std::size_t(kClasses), 0.0), dp(std::size_t(kClasses), 0.0);
    only[std::size_t(label)] = p[label] - 1.0;
    dp[std::size_t(label)] = -1.0 / p[label];
    only_true_class.push_back(only);
    d_by_dp.push_back(dp);
    report.samples.push_back(std::move(s));
  }
  diagnose_mistakes(
      report,
      {{probabilities,
        "you returned the probabilities p = softmax(z): δ = p − y, so subtract 1 at the true class"},
       {only_true_class,
        "only the true class's entry is right: every other z_k changes L too, through the normaliser Σ_j "
        "e^{z_j}, "
        "so δ_k = p_k there"},
       {d_by_dp,
        "that is ∂L/∂p (−1/p at the true class), the derivative with respect to the probabilities: δ is with "
        "respect to the logits z; chain through the softmax's Jacobian ∂p/∂z = diag(p) − p pᵀ, and it "
        "simplifies "
        "to p − y"}});
  return report;
}

Report check_hidden_layer_grad(const HiddenLayerGrad& student) {
  constexpr Eigen::Index kInputs = 2, kUnits = 3, kClasses = 3;  // W² square, so a lost transpose computes
  Report report{8,
                "∂L/∂W¹ of a tanh hidden layer under a softmax with cross-entropy, mean over n samples",
                "ex8_hidden_layer_grad.cpp",
                {},
                {},
                0,
                {},
                {}};
  for (Eigen::Index i = 0; i < kUnits; ++i)
    for (Eigen::Index j = 0; j < kInputs; ++j) report.outputs.push_back(fmt::format("∂L/∂W¹[{},{}]", i, j));
  Points points(8);
  std::vector<std::vector<double>> no_slope, no_transpose;
  for (int t = 0; t < kPoints; ++t) {
    const Eigen::MatrixXd W1 = grid_matrix(points, kUnits, kInputs, -1, 1);
    const Eigen::VectorXd b1 = grid_vector(points, kUnits, -1, 1);
    const Eigen::MatrixXd W2 = grid_matrix(points, kClasses, kUnits, -1, 1);
    const Eigen::VectorXd b2 = grid_vector(points, kClasses, -1, 1);
    const int n = points.integer(2, 5);
    const Eigen::MatrixXd X = grid_matrix(points, n, kInputs, -2, 2);
    std::vector<int> labels;
    for (int i = 0; i < n; ++i) labels.push_back(points.integer(0, int(kClasses) - 1));
    Sample s;
    s.point =
        fmt::format("W1 = {}, b1 = [{}], W2 = {}, b2 = [{}], X = {}, labels = [{}]", matrix_text(W1),
                    fmt::join(to_vector(b1.transpose()), ", "), matrix_text(W2),
                    fmt::join(to_vector(b2.transpose()), ", "), matrix_text(X), fmt::join(labels, ", "));
    // The loss as a function of W¹'s entries (row by row), in Vars: autodiff is the oracle.
    const auto loss = [&](const std::vector<Var>& w) {
      Var total = 0.0;
      for (int i = 0; i < n; ++i) {
        std::vector<Var> a1, z2;
        for (Eigen::Index u = 0; u < kUnits; ++u) {
          Var z = b1[u];
          for (Eigen::Index j = 0; j < kInputs; ++j) z = z + w[std::size_t(u * kInputs + j)] * X(i, j);
          a1.push_back(tanh(z));
        }
        for (Eigen::Index k = 0; k < kClasses; ++k) {
          Var z = b2[k];
          for (Eigen::Index u = 0; u < kUnits; ++u) z = z + W2(k, u) * a1[std::size_t(u)];
          z2.push_back(z);
        }
        total = total + softmax_ce(z2, labels[std::size_t(i)]);
      }
      return total / double(n);
    };
    s.expected = to_vector(
        grad(loss, Eigen::Map<const Eigen::VectorXd>(to_vector(W1).data(), kUnits * kInputs)).transpose());
    Eigen::MatrixXd r;
    if (!call(report, s.point, [&] { r = student(W1, b1, W2, b2, X, labels); })) return report;
    if (r.rows() != kUnits || r.cols() != kInputs) {
      report.error = fmt::format(
          "at {} your function returned a {} x {} matrix; ∂L/∂W¹ has W¹'s shape, {} x {} (units x inputs): "
          "δ¹ xᵀ, not x δ¹ᵀ",
          s.point, r.rows(), r.cols(), kUnits, kInputs);
      return report;
    }
    s.received = to_vector(r);
    s.factors = {{"n", double(n), "L is the mean over the n samples: divide the sum by n"}};
    // known mistakes, from autodiff's δ² = ∂L/∂z² of each sample and tanh' by autodiff
    Eigen::MatrixXd slope_missing = Eigen::MatrixXd::Zero(kUnits, kInputs), untransposed = slope_missing;
    for (int i = 0; i < n; ++i) {
      const Eigen::VectorXd z1 = W1 * X.row(i).transpose() + b1;
      const Eigen::VectorXd z2 = W2 * z1.array().tanh().matrix() + b2;
      const int label = labels[std::size_t(i)];
      const Eigen::VectorXd d2 =
          grad([label](const std::vector<Var>& v) { return softmax_ce(v, label); }, z2) / double(n);
      Eigen::VectorXd d_tanh(kUnits);
      for (Eigen::Index u = 0; u < kUnits; ++u) d_tanh[u] = slope(&gradlab::tanh, z1[u]).derivative;
      slope_missing += (W2.transpose() * d2) * X.row(i);
      untransposed += (W2 * d2).cwiseProduct(d_tanh) * X.row(i);
    }
    no_slope.push_back(to_vector(slope_missing));
    no_transpose.push_back(to_vector(untransposed));
    report.samples.push_back(std::move(s));
  }
  diagnose_mistakes(report,
                    {{no_slope,
                      "a factor tanh'(z¹) is missing: δ¹ = (W²ᵀ δ²) ⊙ tanh'(z¹), each hidden unit's slope "
                      "scales the error that reaches it (without it you differentiate a linear layer)"},
                     {no_transpose,
                      "a missing transpose: δ¹ = W²ᵀ δ² ⊙ tanh'(z¹), not W² δ²; the error goes back along "
                      "the weights it came through, so unit u collects Σ_k W²[k,u] δ²_k"}});
  return report;
}

}  // namespace gradlab::exercises
