// gradlab check: is a hand-derived derivative right? Compares the claim with the autodiff
// derivative at many points, and shows central differences as a third opinion.
//
// Which points are skipped, and why (docs/cli.md, "Kinks"): a point is skipped only when the input of an op
// that declares a kink (OpInfo::kink, kink_distance: relu, abs, max, step, ...) on the path to the output
// is so close to that kink that the central-difference stencil, moving the checked variables by h, could
// carry the input across it. The reach of the stencil is the input's own sensitivity to the checked
// variables (a forward tangent through the tape's local derivatives) times h, plus rounding. Everywhere
// else the claim and autodiff are compared, however steep or oscillating the function is.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <random>

#include "common.hpp"
#include "gradlab/autodiff/functional.hpp"

namespace gradlab::cli {

namespace {
constexpr double kEps = std::numeric_limits<double>::epsilon();

struct CheckOptions {
  ExprOptions e;
  std::string wrt;
  std::string claim;
  std::vector<std::string> ranges;
  long long points = 1000;
  std::uint64_t seed = 1;
  double rtol = 1e-8;
  double atol = 1e-10;
};

/// A sampled variable and where it is sampled.
struct Sampled {
  std::size_t index;  ///< into the point
  double lo, hi;
};

/// `--range` items: one LO:HI for every sampled variable (default -3:3) and NAME=LO:HI for one.
std::vector<Sampled> sampling(const std::vector<std::string>& ranges, const std::vector<Binding>& point,
                              const std::vector<std::size_t>& sampled, const std::vector<Binding>& fixed) {
  std::pair<double, double> all{-3.0, 3.0};
  bool all_given = false;
  std::map<std::string, std::pair<double, double>> one;
  for (const std::string& text : ranges) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos) {
      if (all_given) throw Error(fmt::format("--range {}: a range for all variables is given twice", text));
      all_given = true;
      all = parse_range(text);
      continue;
    }
    std::string name = text.substr(0, eq);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!is_identifier(name))
      throw Error(fmt::format("--range {}: expected LO:HI or NAME=LO:HI, as in --range x=0.01:3", text));
    if (std::any_of(fixed.begin(), fixed.end(), [&](const Binding& b) { return b.name == name; }))
      throw Error(fmt::format("--range {}: '{}' has a value in --at, so it is not sampled", text, name));
    if (std::none_of(sampled.begin(), sampled.end(), [&](std::size_t k) { return point[k].name == name; }))
      throw Error(fmt::format("--range {}: the expression and the claim have no variable '{}'", text, name));
    if (!one.emplace(name, parse_range(std::string_view(text).substr(eq + 1))).second)
      throw Error(fmt::format("--range {}: '{}' is given a range twice", text, name));
  }
  std::vector<Sampled> out;
  for (std::size_t k : sampled) {
    const auto it = one.find(point[k].name);
    const auto [lo, hi] = it == one.end() ? all : it->second;
    out.push_back({k, lo, hi});
  }
  return out;
}

/// The derivative checked: d/dx (one name) or the second derivative d2/dx dy (two names).
struct Wrt {
  std::vector<std::size_t> vars;  ///< indices into the point: one or two (the same one twice for d2/dx2)
  std::string label;              ///< "d/dx", "d²/dx²", "∂²/∂w∂b"
};

Wrt parse_check_wrt(const std::string& text, const Program& program, const std::vector<Binding>& point) {
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    names.push_back(name);
    start = end + 1;
  }
  if (names.size() > 2 ||
      std::any_of(names.begin(), names.end(), [](const auto& n) { return !is_identifier(n); }))
    throw Error(fmt::format(
        "--wrt '{}': expected one variable name (d/dx: --wrt x) or two (a second derivative: --wrt x,x "
        "or --wrt w,b)",
        text));
  Wrt w;
  for (const std::string& name : names) {
    if (program.is_let(name))
      throw Error(
          fmt::format("--wrt {}: '{}' is a --let; differentiate with respect to a variable", text, name));
    const auto it =
        std::find_if(point.begin(), point.end(), [&](const Binding& b) { return b.name == name; });
    if (it == point.end())
      throw Error(fmt::format("--wrt {}: the expression and the claim have no variable '{}'", text, name));
    w.vars.push_back(static_cast<std::size_t>(it - point.begin()));
  }
  if (names.size() == 1)
    w.label = "d/d" + names[0];
  else if (names[0] == names[1])
    w.label = fmt::format("d\u00b2/d{}\u00b2", names[0]);
  else
    w.label = fmt::format("\u2202\u00b2/\u2202{}\u2202{}", names[0], names[1]);
  return w;
}

/// d node / d (each checked variable), summed in absolute value: how far the stencil moves each node.
std::vector<double> sensitivity(Index root, const std::vector<std::vector<ChainTerm>>& terms,
                                const std::vector<Var>& inputs, const std::vector<std::size_t>& vars) {
  const std::size_t n = static_cast<std::size_t>(root) + 1;
  std::vector<double> total(n, 0.0), t(n);
  std::vector<std::size_t> distinct = vars;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  for (std::size_t v : distinct) {
    std::fill(t.begin(), t.end(), 0.0);
    const Index x = inputs[v].index();
    if (x > root) continue;
    t[x] = 1.0;
    // Forward mode through the chain-rule terms: every user gets local derivative x the tangent.
    for (Index p = x; p <= root; ++p) {
      if (t[p] == 0.0) continue;
      for (const ChainTerm& c : terms[p]) t[c.user] += c.local * t[p];
    }
    for (std::size_t i = 0; i < n; ++i) total[i] += std::abs(t[i]);
  }
  return total;
}

/// The kinked op (its position and its kink, "`abs(x)` at column 1, kink x = 0") whose input the
/// stencil of step h can carry across its kink at the recorded point, if any.
std::optional<std::string> kink_near(const Tape& tape, const expr::Evaluator& ev, Index root,
                                     const std::vector<double>& moves, double h) {
  std::vector<bool> on_path(static_cast<std::size_t>(root) + 1, false);
  on_path[root] = true;
  for (Index u = root + 1; u-- > 0;) {
    if (!on_path[u]) continue;
    for (Index p : {tape.parent_a(u), tape.parent_b(u)})
      if (p != kNoParent) on_path[p] = true;
    const OpInfo& info = op_info(tape.op(u));
    if (info.kink_distance == nullptr || info.arity == ops::Arity::Leaf) continue;
    const Index a = tape.parent_a(u), b = tape.parent_b(u);
    const double va = tape.value(a);
    const double vb = b != kNoParent                         ? tape.value(b)
                      : info.arity == ops::Arity::UnaryParam ? tape.param(u)
                                                             : 0.0;
    const double move = moves[a] + (b != kNoParent ? moves[b] : 0.0);
    if (!(move > 0)) continue;  // the input does not move with the checked variables
    // The first-order reach of the stencil, half again for the curve of the input, plus its rounding.
    const double reach = 1.5 * h * move + 64 * kEps * (std::abs(va) + std::abs(vb));
    if (info.kink_distance(va, vb) <= reach)
      return fmt::format("{} ({}, kink at {})", ev.where(u), info.name, info.kink);
  }
  return std::nullopt;
}

/// The first node up to `last` whose value is not finite while its inputs are: where a NaN was made.
std::string where_not_finite(const Tape& tape, const expr::Evaluator& ev, Index last) {
  for (Index i = 0; i <= last; ++i) {
    if (std::isfinite(tape.value(i))) continue;
    const Index a = tape.parent_a(i), b = tape.parent_b(i);
    if ((a == kNoParent || std::isfinite(tape.value(a))) &&
        (b == kNoParent || std::isfinite(tape.value(b)))) {
      const std::string w = ev.where(i);
      return w.empty() ? fmt::format("node {}", i) : w;
    }
  }
  return "an input";
}

/// What the ratio claim / autodiff says. One hypothesis per named value (a variable or a --let) and
/// power: the ratio is that value to that power at every failing point; and one per named value for the
/// sign: the ratio's sign follows the value's sign at every checked point.
class Diagnosis {
 public:
  using Values = std::vector<std::pair<std::string, double>>;

  /// A checked point; failing: the claim is off there.
  void add(double claim, double autodiff, const Values& values, bool failing) {
    if (hyp_.empty())
      for (const auto& [name, v] : values)
        for (int p : {-1, 1, -2, 2}) hyp_.push_back({name, p, v});
    const bool usable = autodiff != 0.0 && std::isfinite(autodiff) && std::isfinite(claim);
    const double q = usable ? claim / autodiff : 0.0;
    if (usable) {
      all_lo_ = std::min(all_lo_, q);
      all_hi_ = std::max(all_hi_, q);
    }
    for (Hypothesis& h : hyp_) {
      const double v = value_of(values, h.name);
      h.same_sign = h.same_sign && (!usable || q == 0 || v == 0 || (q > 0) == (v > 0));
      h.opposite_sign = h.opposite_sign && (!usable || q == 0 || v == 0 || (q > 0) == (v < 0));
    }
    if (!failing) return;
    ++failing_;
    all_zero_ = all_zero_ && claim == 0.0;
    if (!usable) {
      usable_ = false;
      return;
    }
    lo_ = std::min(lo_, q);
    hi_ = std::max(hi_, q);
    for (Hypothesis& h : hyp_) {
      const double v = value_of(values, h.name);
      const double expect = std::pow(v, h.power);
      h.holds = h.holds && std::isfinite(expect) && v != 0 && close(q, expect);
      h.varies = h.varies || v != h.first;
    }
  }

  /// The constant ratio, when it is the same at every failing point.
  [[nodiscard]] std::optional<double> constant_ratio() const {
    if (failing_ == 0 || !usable_ || !std::isfinite(lo_) || hi_ - lo_ > 1e-6 * std::abs(hi_))
      return std::nullopt;
    return lo_;
  }

  /// One sentence, or "" when nothing fits.
  [[nodiscard]] std::string text() const {
    if (failing_ == 0) return "";
    if (all_zero_) return "The claim is 0 where the derivative is not.";
    if (!usable_) return "";
    for (const Hypothesis& h : hyp_)
      if (h.holds && h.varies)
        return fmt::format("claim / autodiff = {} at every failing point: {}.", power(h), factor(h));
    if (all_lo_ < 0 && all_hi_ > 0)
      for (const Hypothesis& h : hyp_)
        if (h.power == 1 && h.varies && (h.same_sign || h.opposite_sign))
          return fmt::format(
              "claim / autodiff changes sign with {} (from {} to {}): a branch or a sign depends on {}.",
              h.name, num(all_lo_), num(all_hi_), h.name);
    const auto c = constant_ratio();
    if (!c) return "";
    if (close(*c, -1)) return "claim / autodiff = -1 at every failing point: the sign is flipped.";
    for (const Hypothesis& h : hyp_)
      if (h.holds && !h.varies)
        return fmt::format("claim / autodiff = {} = {} at every failing point: {}.", power(h),
                           num(std::pow(h.first, h.power)), factor(h));
    const double n = std::round(*c), inv = std::round(1 / *c);
    if (n >= 2 && close(*c, n))
      return fmt::format("claim / autodiff = {} at every failing point: a constant factor {} is extra{}.", n,
                         n, n == 2 ? " (a ratio of 2 suggests a lost 1/2)" : "");
    if (inv >= 2 && close(1 / *c, inv))
      return fmt::format("claim / autodiff = 1/{} at every failing point: a factor {} is missing.", inv, inv);
    return fmt::format(
        "The ratio claim / autodiff is {:.6g} at every failing point: a constant factor is off.", *c);
  }

 private:
  struct Hypothesis {
    std::string name;
    int power;
    double first;
    bool holds = true, varies = false, same_sign = true, opposite_sign = true;
  };
  static double value_of(const Values& values, const std::string& name) {
    for (const auto& [n, v] : values)
      if (n == name) return v;
    return 0;
  }
  static bool close(double a, double b) {
    return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b));
  }
  static std::string power(const Hypothesis& h) {
    switch (h.power) {
      case -1:
        return "1/" + h.name;
      case 1:
        return h.name;
      case -2:
        return fmt::format("1/{}^2", h.name);
      default:
        return h.name + "^2";
    }
  }
  static std::string factor(const Hypothesis& h) {
    const std::string f = std::abs(h.power) == 1 ? h.name : h.name + "^2";
    return h.power < 0 ? fmt::format("a factor {} is missing", f)
                       : fmt::format("the claim has an extra factor {}", f);
  }
  long long failing_ = 0;
  bool all_zero_ = true, usable_ = true;
  double lo_ = std::numeric_limits<double>::infinity(), hi_ = -std::numeric_limits<double>::infinity();
  double all_lo_ = lo_, all_hi_ = hi_;
  std::vector<Hypothesis> hyp_;
};

struct PointResult {
  std::vector<Binding> point;
  double claim = 0, autodiff = 0, central = 0;
  bool claim_undefined = false;  ///< an op of the claim is outside its domain: claim has no value
};

int run_check(CheckOptions& o) {
  DetectAnomaly anomaly(o.e.detect_anomaly);
  if (o.points < 1 || o.points > 10'000'000) throw Error("--points must be between 1 and 10000000");
  if (!(o.rtol >= 0) || !(o.atol >= 0)) throw Error("--rtol and --atol must be >= 0");
  Program program(o.e);
  program.add(o.claim, "--claim");
  const std::vector<Binding> fixed =
      parse_bindings(o.e.at.empty() ? std::vector<std::string>{} : o.e.at, "--at", true);

  // The point: the --at values, then every other free variable, sampled in its range.
  std::vector<Binding> point = fixed;
  std::vector<std::size_t> sampled_at;
  for (const std::string& name : program.free_variables())
    if (std::none_of(fixed.begin(), fixed.end(), [&](const Binding& b) { return b.name == name; })) {
      sampled_at.push_back(point.size());
      point.push_back({name, 0.0});
    }
  const Wrt wrt = parse_check_wrt(o.wrt, program, point);
  const std::vector<Sampled> sampled = sampling(o.ranges, point, sampled_at, fixed);
  const std::vector<std::string> used = program.expression_variables();
  for (const std::string& name : program.free_variables())
    if (std::find(used.begin(), used.end(), name) == used.end())
      std::cerr << fmt::format(
          "gradlab: note: the claim uses '{}', which the expression does not; the derivative cannot depend "
          "on it\n",
          name);

  std::mt19937_64 rng(o.seed);
  auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
  };

  long long matched = 0, failed = 0, kinks = 0, nonfinite = 0, claim_nonfinite = 0, claim_undefined_count = 0;
  double worst_error = -1, closest = -1;
  PointResult worst, first_nonfinite_claim, first_undefined_claim;
  std::string nonfinite_where;
  std::optional<expr::ExprDomainError> undefined_error;  // at the first point where the claim is undefined
  std::vector<std::pair<std::string, long long>> kink_counts;  // in order of first skip
  Diagnosis diagnosis;
  Tape tape;
  TapeScope scope(tape);
  expr::Evaluator ev(tape);
  auto f_at = [&](std::vector<Binding> p, const std::vector<double>& steps) {
    for (std::size_t k = 0; k < wrt.vars.size(); ++k) p[wrt.vars[k]].value += steps[k];
    tape.clear();
    ev.reset();
    return tape.value(program.record(ev, p).root.index());
  };
  const bool second = wrt.vars.size() == 2;
  for (long long n = 0; n < o.points; ++n) {
    for (const Sampled& s : sampled) point[s.index].value = uniform(s.lo, s.hi);
    double f = 0, ad = 0, claim = 0, central = 0, h = 0;
    std::optional<std::string> kink;
    std::string claim_where;
    std::optional<expr::ExprDomainError> claim_undefined;  // the claim's op outside its domain here
    try {
      // The central difference first (it re-records the program), then the recording that is read.
      // The step balances truncation and rounding (h^3 ~ eps; h^4 ~ eps for a second derivative), and
      // shrinks when the stencil leaves the domain (log(x) at x = 1e-6).
      double scale = 1;
      for (std::size_t v : wrt.vars) scale = std::max(scale, std::abs(point[v].value));
      h = (second ? std::pow(kEps, 0.25) : std::cbrt(kEps)) * scale;
      for (int tries = 0; tries < 30; ++tries, h /= 4) {
        if (!second) {
          central = (f_at(point, {h}) - f_at(point, {-h})) / (2 * h);
        } else if (wrt.vars[0] == wrt.vars[1]) {
          central = (f_at(point, {h, 0}) - 2 * f_at(point, {0, 0}) + f_at(point, {-h, 0})) / (h * h);
        } else {
          central =
              (f_at(point, {h, h}) - f_at(point, {h, -h}) - f_at(point, {-h, h}) + f_at(point, {-h, -h})) /
              (4 * h * h);
        }
        if (std::isfinite(central)) break;
      }
      tape.clear();
      ev.reset();
      const Program::Recorded r = program.record(ev, point);
      const Index root = r.root.index();
      std::vector<double> adj;
      ev.backward(root, adj);
      f = tape.value(root);
      // The claim on its own: where it is undefined and the expression is not, the claim is wrong.
      try {
        const Var c = program.record_extra(ev, 0);
        claim = tape.value(c.index());
        if (!std::isfinite(claim)) claim_where = where_not_finite(tape, ev, c.index());
      } catch (const expr::ExprDomainError& e) {
        if (o.e.detect_anomaly) throw;
        claim = std::numeric_limits<double>::quiet_NaN();
        claim_undefined = e;
      }
      bool kinked = false;  // the tangents are worth computing only when some op has a kink
      for (Index i = 0; i <= root && !kinked; ++i) kinked = op_info(tape.op(i)).kink_distance != nullptr;
      if (kinked)
        kink = kink_near(tape, ev, root, sensitivity(root, chain_terms(tape, root), r.inputs, wrt.vars), h);
      if (!second)
        ad = adj[r.inputs[wrt.vars[0]].index()];
      else if (wrt.vars[0] == wrt.vars[1])
        ad = hessian(r.root, {r.inputs[wrt.vars[0]]})(0, 0);
      else
        ad = hessian(r.root, {r.inputs[wrt.vars[0]], r.inputs[wrt.vars[1]]})(0, 1);
    } catch (const DomainError&) {
      if (o.e.detect_anomaly) throw;
      ++nonfinite;  // e.g. pow(a, b) with a variable exponent and a base <= 0 near this point
      continue;
    }
    if (!std::isfinite(f) || !std::isfinite(ad)) {
      ++nonfinite;
      continue;
    }
    if (kink) {
      ++kinks;
      const auto it = std::find_if(kink_counts.begin(), kink_counts.end(),
                                   [&](const auto& c) { return c.first == *kink; });
      if (it == kink_counts.end())
        kink_counts.emplace_back(*kink, 1);
      else
        ++it->second;
      continue;
    }
    Diagnosis::Values values;
    for (const Binding& b : point) values.emplace_back(b.name, b.value);
    for (const std::string& name : program.let_names())
      if (const Var* v = ev.lookup(name); v != nullptr) values.emplace_back(name, tape.value(v->index()));
    if (claim_undefined) {  // autodiff is finite here: a claim without a value is wrong
      ++failed;
      if (claim_undefined_count++ == 0) {
        first_undefined_claim = {point, claim, ad, central, true};
        undefined_error = std::move(claim_undefined);
      }
      continue;
    }
    if (!std::isfinite(claim)) {  // autodiff is finite here: a claim that is not is wrong
      ++failed;
      if (claim_nonfinite++ == 0) {
        first_nonfinite_claim = {point, claim, ad, central};
        nonfinite_where = claim_where;
      }
      continue;
    }
    // An exact match passes at any tolerance (atol 0 and a derivative of 0 included).
    const double error = std::abs(claim - ad);
    const double tol = o.atol + o.rtol * std::abs(ad);
    const bool match = claim == ad || error <= tol;
    diagnosis.add(claim, ad, values, !match);
    if (match) {
      ++matched;
      const double score = claim == ad ? 0.0 : error / tol;
      if (failed == 0 && score > closest) closest = score, worst = {point, claim, ad, central};
      continue;
    }
    ++failed;
    // The worst point: the largest error measured on the derivative's own scale over the range, so a
    // point where the derivative is near 0 is not picked for a tiny absolute slip.
    if (error > worst_error) worst_error = error, worst = {point, claim, ad, central};
  }
  if (failed > 0 && worst_error < 0)
    worst = claim_nonfinite > 0 ? first_nonfinite_claim : first_undefined_claim;

  const long long checked = matched + failed;
  const bool ok = failed == 0 && checked > 0;
  const double ratio =
      worst.autodiff != 0 ? worst.claim / worst.autodiff : std::numeric_limits<double>::quiet_NaN();
  const std::optional<double> constant_ratio = diagnosis.constant_ratio();
  const std::string diagnosis_text = diagnosis.text();
  if (nonfinite > 0)
    std::cerr << fmt::format(
        "gradlab: warning: {} of {} points were skipped because the value or the autodiff derivative is not "
        "finite there; run again with --detect-anomaly to find the op that produced it\n",
        nonfinite, o.points);
  // "The claim is HOW at N points where the autodiff d/dx is WHERE: first at P (NUMBERS), WHY."
  auto claim_problem = [&](long long count, std::string_view how, std::string_view where,
                           const PointResult& first, const std::string& numbers, const std::string& why) {
    if (count == 0) return std::string();
    return fmt::format("The claim is {} at {} point{} where the autodiff {} is{}: first at {} ({}), {}.", how,
                       count, count == 1 ? "" : "s", wrt.label, where, describe_point(first.point), numbers,
                       why);
  };
  const std::string claim_nonfinite_text =
      claim_problem(claim_nonfinite, "not finite", "", first_nonfinite_claim,
                    fmt::format("claim {}, autodiff {}", num(first_nonfinite_claim.claim),
                                num(first_nonfinite_claim.autodiff)),
                    "made by " + nonfinite_where);
  const std::string claim_undefined_text =
      claim_undefined_count == 0
          ? ""
          : claim_problem(claim_undefined_count, "undefined", " finite", first_undefined_claim,
                          "autodiff " + num(first_undefined_claim.autodiff),
                          fmt::format("where {} is outside its domain: {}", undefined_error->where(),
                                      undefined_error->reason()));
  if (o.e.json) {
    Json at = Json::object();
    for (const Binding& b : worst.point) at[b.name] = b.value;
    Json kinks_at = Json::array();
    for (const auto& [where, count] : kink_counts) kinks_at.push_back({{"op", where}, {"points", count}});
    Json j{{"ok", ok},
           {"points", o.points},
           {"checked", checked},
           {"matched", matched},
           {"failed", failed},
           {"claim_not_finite", claim_nonfinite},
           {"claim_undefined", claim_undefined_count},
           {"skipped_kinks", kinks},
           {"skipped_kinks_at", kinks_at},
           {"skipped_not_finite", nonfinite}};
    if (checked > 0)
      j["worst"] = Json{{"at", at},
                        {"claim", worst.claim_undefined ? Json(nullptr) : Json(worst.claim)},
                        {"autodiff", worst.autodiff},
                        {"central_difference", worst.central},
                        {"ratio", worst.claim_undefined ? Json(nullptr) : Json(ratio)}};
    j["constant_ratio"] = constant_ratio ? Json(*constant_ratio) : Json(nullptr);
    j["diagnosis"] = diagnosis_text.empty() ? Json(nullptr) : Json(diagnosis_text);
    print_json(j);
    return ok ? 0 : 1;
  }
  const std::string skipped =
      fmt::format("{} skipped: {} at kinks, {} not finite", kinks + nonfinite, kinks, nonfinite);
  auto print_kinks = [&] {
    for (const auto& [where, count] : kink_counts)
      std::cout << fmt::format("skipped at a kink: {} point{} at {}\n", count, count == 1 ? "" : "s", where);
  };
  if (checked == 0) {
    std::cout << fmt::format("NOT CHECKED: no point could be checked ({})\n", skipped);
    print_kinks();
    return 1;
  }
  if (ok)
    std::cout << fmt::format("OK: the claim matches the autodiff {} at all {} checked points ({})\n",
                             wrt.label, checked, skipped);
  else
    std::cout << fmt::format("FAIL: the claim differs from the autodiff {} at {} of {} checked points ({})\n",
                             wrt.label, failed, checked, skipped);
  print_kinks();
  std::cout << fmt::format("{} point: {}\n", ok ? "closest call" : "worst", describe_point(worst.point));
  std::cout << fmt::format("  claim              = {}\n",
                           worst.claim_undefined ? "undefined" : num(worst.claim));
  std::cout << fmt::format("  autodiff           = {}\n", num(worst.autodiff));
  std::cout << fmt::format("  central difference = {}\n", num(worst.central));
  std::cout << fmt::format("  claim / autodiff   = {}\n", worst.claim_undefined ? "undefined" : num(ratio));
  if (!claim_nonfinite_text.empty()) std::cout << claim_nonfinite_text << '\n';
  if (!claim_undefined_text.empty()) std::cout << claim_undefined_text << '\n';
  if (!diagnosis_text.empty()) std::cout << diagnosis_text << '\n';
  return ok ? 0 : 1;
}
}  // namespace

Command add_check(CLI::App& app) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* sub =
      app.add_subcommand("check", "check a hand-derived derivative against autodiff at many points");
  o->e.add_to(*sub);
  sub->add_option(
         "--wrt", o->wrt,
         "the variable the claim differentiates with respect to; two names (x,x or w,b) for a second "
         "derivative")
      ->required();
  sub->add_option("--claim", o->claim, "your derivative, as an expression ('-' reads standard input)")
      ->required();
  sub->add_option("--range", o->ranges,
                  "where the variables not in --at are sampled: LO:HI for all (default -3:3), NAME=LO:HI for "
                  "one (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--points", o->points, "how many random points")->capture_default_str();
  sub->add_option("--seed", o->seed, "the random seed (same seed, same points)")->capture_default_str();
  sub->add_option("--rtol", o->rtol, "relative tolerance")->capture_default_str();
  sub->add_option("--atol", o->atol, "absolute tolerance")->capture_default_str();
  sub->footer(
      "Exit code 0 when claim = autodiff, or |claim - autodiff| <= atol + rtol |autodiff|, at every checked\n"
      "point, 1 otherwise. A claim that is NaN, infinite or undefined (x^y with x <= 0) where autodiff is\n"
      "finite fails.\n"
      "On failure it prints the worst point with the claim, the autodiff value, the central difference and\n"
      "their ratio, and reads the ratio: -1 (a flipped sign), a constant, 1/x (a factor x is missing).\n"
      "A point is skipped only where the value or autodiff is not finite, or where an op with a kink\n"
      "(relu, abs, max, step, ...) has its input so near the kink that the central-difference stencil could\n"
      "cross it; the op and the kink are named.\n\n"
      "Example:\n"
      "  gradlab check --let 'f=sigmoid(w*x+b)' '(f-y)^2/2' --wrt w --claim '(f-y)*f*(1-f)*x'");
  return {sub, [o] { return run_check(*o); }};
}

}  // namespace gradlab::cli
