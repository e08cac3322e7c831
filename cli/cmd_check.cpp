// gradlab check: is a hand-derived derivative right? Compares the claim with the autodiff
// derivative at many points, and shows central differences as a third opinion.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>

#include "common.hpp"

namespace gradlab::cli {

namespace {
struct CheckOptions {
  ExprOptions e;
  std::string wrt;
  std::string claim;
  std::string range = "-3:3";
  long long points = 1000;
  std::uint64_t seed = 1;
  double rtol = 1e-8;
  double atol = 1e-10;
};

struct PointResult {
  std::vector<Binding> point;
  double claim = 0, autodiff = 0, central = 0;
};

int run_check(CheckOptions& o) {
  DetectAnomaly anomaly(o.e.detect_anomaly);
  if (o.points < 1 || o.points > 10'000'000) throw Error("--points must be between 1 and 10000000");
  if (!(o.rtol >= 0) || !(o.atol >= 0)) throw Error("--rtol and --atol must be >= 0");
  Program program(o.e);
  program.add(o.claim, "--claim");
  const auto [lo, hi] = parse_range(o.range);
  const std::vector<Binding> fixed = parse_bindings(o.e.at.empty() ? std::vector<std::string>{} : o.e.at);

  // The point: the --at values, then every other free variable, sampled in the range.
  std::vector<Binding> point = fixed;
  std::vector<std::size_t> sampled;
  for (const std::string& name : program.free_variables())
    if (std::none_of(fixed.begin(), fixed.end(), [&](const Binding& b) { return b.name == name; })) {
      sampled.push_back(point.size());
      point.push_back({name, 0.0});
    }
  if (!is_identifier(o.wrt)) throw Error(fmt::format("--wrt '{}': expected one variable name", o.wrt));
  if (program.is_let(o.wrt))
    throw Error(
        fmt::format("--wrt {}: '{}' is a --let; differentiate with respect to a variable", o.wrt, o.wrt));
  const auto wit =
      std::find_if(point.begin(), point.end(), [&](const Binding& b) { return b.name == o.wrt; });
  if (wit == point.end())
    throw Error(fmt::format("--wrt {}: the expression and the claim have no variable '{}'", o.wrt, o.wrt));
  const auto w = static_cast<std::size_t>(wit - point.begin());

  std::mt19937_64 rng(o.seed);
  auto uniform = [&] { return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53; };

  long long matched = 0, failed = 0, kinks = 0, nonfinite = 0;
  double worst_score = -1, min_ratio = std::numeric_limits<double>::infinity(), max_ratio = -min_ratio;
  PointResult worst;
  Tape tape;
  TapeScope scope(tape);
  expr::Evaluator ev(tape);
  auto f_at = [&](std::vector<Binding> p, double dw) {
    p[w].value += dw;
    tape.clear();
    ev.reset();
    return tape.value(program.record(ev, p).root.index());
  };
  for (long long n = 0; n < o.points; ++n) {
    for (std::size_t k : sampled) point[k].value = uniform();
    double f = 0, ad = 0, claim = 0, fp = 0, fm = 0, h = 0;
    try {
      tape.clear();
      ev.reset();
      const Program::Recorded r = program.record(ev, point);
      std::vector<double> adj;
      ev.backward(r.root.index(), adj);
      f = tape.value(r.root.index());
      ad = adj[r.inputs[w].index()];
      claim = tape.value(r.extras[0].index());
      // Central differences with the step that balances truncation (h^2) and rounding (eps/h).
      h = std::cbrt(std::numeric_limits<double>::epsilon()) * std::max(1.0, std::abs(point[w].value));
      fp = f_at(point, h);
      fm = f_at(point, -h);
    } catch (const DomainError&) {
      if (o.e.detect_anomaly) throw;
      ++nonfinite;  // e.g. pow(a, b) with a variable exponent and a base <= 0 near this point
      continue;
    }
    if (!std::isfinite(f) || !std::isfinite(ad) || !std::isfinite(claim) || !std::isfinite(fp) ||
        !std::isfinite(fm)) {
      ++nonfinite;
      continue;
    }
    // A kink (relu at 0, |x| at 0, ...) shows as one-sided slopes that disagree.
    const double left = (f - fm) / h, right = (fp - f) / h;
    if (std::abs(right - left) > 1e-3 * std::max({1.0, std::abs(left), std::abs(right)})) {
      ++kinks;
      continue;
    }
    const double central = (fp - fm) / (2 * h);
    const double score = std::abs(claim - ad) / (o.atol + o.rtol * std::abs(ad));
    if (score <= 1.0) {
      ++matched;
    } else {
      ++failed;
      if (ad != 0) {
        min_ratio = std::min(min_ratio, claim / ad);
        max_ratio = std::max(max_ratio, claim / ad);
      }
    }
    if (score > worst_score) worst_score = score, worst = {point, claim, ad, central};
  }

  const long long checked = matched + failed;
  const bool ok = failed == 0 && checked > 0;
  const double ratio =
      worst.autodiff != 0 ? worst.claim / worst.autodiff : std::numeric_limits<double>::quiet_NaN();
  const bool constant_ratio =
      failed > 0 && std::isfinite(min_ratio) && max_ratio - min_ratio <= 1e-6 * std::abs(max_ratio);
  if (nonfinite > 0)
    std::cerr << fmt::format(
        "gradlab: warning: {} of {} points were skipped because a value or a derivative is not finite "
        "there; run again with --detect-anomaly to find the op that produced it\n",
        nonfinite, o.points);
  if (o.e.json) {
    Json at = Json::object();
    for (const Binding& b : worst.point) at[b.name] = b.value;
    Json j{{"ok", ok},
           {"points", o.points},
           {"checked", checked},
           {"matched", matched},
           {"failed", failed},
           {"skipped_kinks", kinks},
           {"skipped_not_finite", nonfinite}};
    if (checked > 0)
      j["worst"] = Json{{"at", at},
                        {"claim", worst.claim},
                        {"autodiff", worst.autodiff},
                        {"central_difference", worst.central},
                        {"ratio", ratio}};
    j["constant_ratio"] = constant_ratio ? Json(min_ratio) : Json(nullptr);
    print_json(j);
    return ok ? 0 : 1;
  }
  const std::string skipped =
      fmt::format("{} skipped: {} at kinks, {} not finite", kinks + nonfinite, kinks, nonfinite);
  if (checked == 0) {
    std::cout << fmt::format("NOT CHECKED: no point could be checked ({})\n", skipped);
    return 1;
  }
  if (ok)
    std::cout << fmt::format("OK: the claim matches the autodiff d/d{} at all {} checked points ({})\n",
                             o.wrt, checked, skipped);
  else
    std::cout << fmt::format(
        "FAIL: the claim differs from the autodiff d/d{} at {} of {} checked points ({})\n", o.wrt, failed,
        checked, skipped);
  std::cout << fmt::format("{} point: {}\n", ok ? "closest call" : "worst", describe_point(worst.point));
  std::cout << fmt::format("  claim              = {}\n", num(worst.claim));
  std::cout << fmt::format("  autodiff           = {}\n", num(worst.autodiff));
  std::cout << fmt::format("  central difference = {}\n", num(worst.central));
  std::cout << fmt::format("  claim / autodiff   = {}\n", num(ratio));
  if (constant_ratio)
    std::cout << fmt::format(
        "The ratio claim / autodiff is {:.6g} at every failing point: a constant factor is off{}.\n",
        min_ratio, std::abs(min_ratio - 2) < 1e-6 ? " (a ratio of 2 suggests a lost 1/2)" : "");
  return ok ? 0 : 1;
}
}  // namespace

Command add_check(CLI::App& app) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* sub =
      app.add_subcommand("check", "check a hand-derived derivative against autodiff at many points");
  o->e.add_to(*sub);
  sub->add_option("--wrt", o->wrt, "the variable the claim differentiates with respect to")->required();
  sub->add_option("--claim", o->claim, "your derivative, as an expression ('-' reads standard input)")
      ->required();
  sub->add_option("--range", o->range, "where the variables not in --at are sampled, LO:HI")
      ->capture_default_str();
  sub->add_option("--points", o->points, "how many random points")->capture_default_str();
  sub->add_option("--seed", o->seed, "the random seed (same seed, same points)")->capture_default_str();
  sub->add_option("--rtol", o->rtol, "relative tolerance")->capture_default_str();
  sub->add_option("--atol", o->atol, "absolute tolerance")->capture_default_str();
  sub->footer(
      "Exit code 0 when |claim - autodiff| <= atol + rtol |autodiff| at every checked point, 1 otherwise.\n"
      "On failure it prints the worst point with the claim, the autodiff value, the central difference\n"
      "and their ratio (a constant ratio of 2 suggests a lost 1/2). Points at kinks (relu, abs at 0) or\n"
      "where something is not finite are skipped and counted.\n\n"
      "Example:\n"
      "  gradlab check --let 'f=sigmoid(w*x+b)' '(f-y)^2/2' --wrt w --claim '(f-y)*f*(1-f)*x'");
  return {sub, [o] { return run_check(*o); }};
}

}  // namespace gradlab::cli
