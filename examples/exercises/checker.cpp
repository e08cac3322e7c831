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
template <class F>
bool call(Report& report, const std::string& point, F&& f) {
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

}  // namespace gradlab::exercises
