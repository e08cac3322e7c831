// gradlab taylor: the article's Taylor-series argument, numerically.
//   L(x + eta u) = L(x) + eta u'g + (eta^2 / 2) u'Hu + O(eta^3),  g = gradient, H = Hessian,
// so a small step along u lowers L most when cos(u, g) = -1, i.e. along -g.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <numbers>

#include "common.hpp"
#include "gradlab/autodiff/higher_order.hpp"

namespace gradlab::cli {

namespace {
struct TaylorOptions {
  ExprOptions e;
  std::string wrt;
  std::vector<std::string> direction;
  int order = -1;  ///< --order K (-1: not given: the first- and second-order table and the cosine sweep)
};

/// The highest order of `taylor --order`: past it the error at the smallest step is below rounding.
constexpr int kMaxTaylorOrder = 4;

constexpr double kSweepEta = 1e-3;  // the step of the cosine sweep

/// The unit step direction u: --direction (normalised), else -g / |g|.
Eigen::VectorXd step_direction(const TaylorOptions& o, const std::vector<Binding>& point,
                               const std::vector<std::size_t>& wrt, const Eigen::VectorXd& g) {
  const auto n = static_cast<Eigen::Index>(wrt.size());
  Eigen::VectorXd u = Eigen::VectorXd::Zero(n);
  if (!o.direction.empty()) {
    for (const Binding& b : parse_bindings(o.direction, "--direction")) {
      Eigen::Index k = 0;
      while (k < n && point[wrt[static_cast<std::size_t>(k)]].name != b.name) ++k;
      if (k == n) throw Error(fmt::format("--direction: '{}' is not one of the --wrt variables", b.name));
      u[k] = b.value;
    }
    if (u.norm() == 0) throw Error("--direction: the direction is the zero vector");
  } else {
    if (const double gnorm = g.norm(); !(gnorm > 0) || !std::isfinite(gnorm))
      throw Error(
          fmt::format("the gradient at this point is {}, so -\u2207L gives no direction; give one with "
                      "--direction",
                      gnorm == 0 ? "zero" : "not finite"));
    u = -g;
  }
  return u / u.norm();
}

// ---- taylor --order K: the order-k prediction's error shrinks like eta^(k+1) ---------------------------

/// D_j = d^j/dt^j L(x + t u) at t = 0 for j = 0..K: each order differentiates the recorded one before
/// along u (D_(j+1) = grad(D_j) . u), exact to rounding.
std::vector<double> directional_derivatives(const Program& program, const std::vector<Binding>& point,
                                            const std::vector<std::size_t>& wrt, const Eigen::VectorXd& u,
                                            int K) {
  const Recording rec(program, point);
  std::vector<Var> xs;
  for (const std::size_t k : wrt) xs.push_back(rec.r.inputs[k]);
  Var d = rec.r.root;
  std::vector<double> out{d.value()};
  for (int j = 1; j <= K; ++j) {
    const std::vector<Var> g = grad_recorded(d, xs);
    d = Var(0.0);
    for (std::size_t k = 0; k < xs.size(); ++k) d = d + g[k] * u[static_cast<Eigen::Index>(k)];
    out.push_back(d.value());
    warn_if_not_finite(out.back(), fmt::format("the order-{} derivative along u", j));
  }
  return out;
}

/// The --order table (o.order already checked, the program parsed).
int run_taylor_orders(const TaylorOptions& o, const Program& program, const std::vector<Binding>& point,
                      const std::vector<std::size_t>& wrt) {
  const auto n = static_cast<Eigen::Index>(wrt.size());
  Eigen::VectorXd g(n);
  {
    const Recording rec(program, point);
    for (Eigen::Index k = 0; k < n; ++k) g[k] = rec.gradient(wrt[static_cast<std::size_t>(k)], point);
  }
  const Eigen::VectorXd u = step_direction(o, point, wrt, g);
  const std::vector<double> D = directional_derivatives(program, point, wrt, u, o.order);
  const auto K = static_cast<std::size_t>(o.order);

  // Steps halve from 1/2: each halving divides the order-k error by about 2^(k+1).
  Json rows = Json::array();
  std::vector<std::vector<double>> errors;
  for (int e = 1; e <= 8; ++e) {
    const double eta = std::ldexp(1.0, -e);
    std::vector<Binding> p = point;
    for (Eigen::Index k = 0; k < n; ++k) p[wrt[static_cast<std::size_t>(k)]].value += eta * u[k];
    const double actual = value_at(program, p) - D[0];
    std::vector<double> prediction, error;
    double sum = 0, term = 1;
    for (std::size_t k = 1; k <= K; ++k) {
      term *= eta / static_cast<double>(k);  // eta^k / k!
      sum += term * D[k];
      prediction.push_back(sum);
      error.push_back(actual - sum);
    }
    rows.push_back({{"eta", eta}, {"actual", actual}, {"predictions", prediction}, {"errors", error}});
    errors.push_back(std::move(error));
  }
  if (o.e.json) {
    print_json(Json{{"order", o.order},
                    {"direction", std::vector<double>(u.data(), u.data() + n)},
                    {"directional_derivatives", D},
                    {"rows", rows}});
    return 0;
  }
  std::string us;
  for (Eigen::Index k = 0; k < n; ++k)
    us += fmt::format("{}{}: {}", k ? ", " : "", point[wrt[static_cast<std::size_t>(k)]].name, num(u[k]));
  std::cout << fmt::format("L = {} at {}\n", num(D[0]), describe_point(point));
  std::cout << fmt::format("direction u = ({}){}\n", us,
                           o.direction.empty() ? " = -g/|g|" : " (--direction, normalised)");
  std::cout << "Dk, the k-th derivative of L(x + t u) at t = 0 (exact, from the engine):\n";
  for (std::size_t k = 1; k <= K; ++k) std::cout << fmt::format("  D{} = {}\n", k, num(D[k]));
  std::cout << fmt::format(
      "\nThe order-k prediction \u03b7 D1 + \u03b7\u00b2/2 D2 + ... + \u03b7^k/k! Dk misses by "
      "O(\u03b7^(k+1)):\n");
  std::cout << fmt::format("  {:>10}  {:>13}", "eta", "actual dL");
  for (std::size_t k = 1; k <= K; ++k) std::cout << fmt::format("  {:>10}", fmt::format("error k={}", k));
  std::cout << "\n";
  for (std::size_t r = 0; r < errors.size(); ++r) {
    std::cout << fmt::format("  {:>10}  {:>13.6e}", num(rows[r]["eta"].get<double>()),
                             rows[r]["actual"].get<double>());
    for (const double e : errors[r]) std::cout << fmt::format("  {:>10.2e}", e);
    std::cout << "\n";
  }
  std::cout << "\nerror(2\u03b7) / error(\u03b7), which tends to 2^(k+1) until rounding (about 1e-16 |L|) "
               "takes over:\n";
  std::cout << fmt::format("  {:>10}  {:>13}", "eta", "");
  for (std::size_t k = 1; k <= K; ++k)
    std::cout << fmt::format("  {:>10}", fmt::format("k={} ({})", k, 1 << (k + 1)));
  std::cout << "\n";
  for (std::size_t r = 1; r < errors.size(); ++r) {
    std::cout << fmt::format("  {:>10}  {:>13}", num(rows[r]["eta"].get<double>()), "");
    for (std::size_t k = 0; k < K; ++k)
      std::cout << fmt::format("  {:>10.3g}", errors[r - 1][k] / errors[r][k]);
    std::cout << "\n";
  }
  return 0;
}

int run_taylor(const TaylorOptions& o) {
  if (o.order >= 0 && (o.order < 1 || o.order > kMaxTaylorOrder))
    throw Error(
        fmt::format("--order: taylor shows the orders 1 to {}, got {} (past order {} the error is "
                    "below rounding at all but the largest steps)",
                    kMaxTaylorOrder, o.order, kMaxTaylorOrder));
  DetectAnomaly anomaly(o.e.detect_anomaly);
  const Program program(o.e);
  const std::vector<Binding> point = parse_bindings(o.e.at, "--at", true);
  const std::vector<std::size_t> wrt = parse_wrt(o.wrt, point);
  if (wrt.empty()) throw Error("taylor needs at least one variable: give it with --at (and --wrt)");
  if (o.order >= 0) return run_taylor_orders(o, program, point, wrt);
  const auto n = static_cast<Eigen::Index>(wrt.size());

  // L, its gradient g and Hessian H at the point, all from the engine (H exact, not differenced).
  Eigen::VectorXd g(n);
  Eigen::MatrixXd h;
  double L0 = 0;
  {
    const Recording rec(program, point);
    L0 = rec.value();
    std::vector<Var> xs;
    for (Eigen::Index k = 0; k < n; ++k) {
      xs.push_back(rec.r.inputs[wrt[static_cast<std::size_t>(k)]]);
      g[k] = rec.gradient(wrt[static_cast<std::size_t>(k)], point);
    }
    h = hessian(rec.r.root, xs);
  }
  const double gnorm = g.norm();

  const bool given = !o.direction.empty();
  const Eigen::VectorXd u = step_direction(o, point, wrt, g);
  const double ug = u.dot(g);
  const double uhu = u.dot(h * u);

  // L at x + step along a direction d (only the --wrt variables move).
  auto L_at = [&](const Eigen::VectorXd& d, double step) {
    std::vector<Binding> p = point;
    for (Eigen::Index k = 0; k < n; ++k) p[wrt[static_cast<std::size_t>(k)]].value += step * d[k];
    return value_at(program, p);
  };

  Json rows = Json::array();
  for (int e = 1; e <= 6; ++e) {
    const double eta = std::pow(10.0, -e);
    const double actual = L_at(u, eta) - L0;
    const double first = eta * ug;
    const double second = first + 0.5 * eta * eta * uhu;
    rows.push_back({{"eta", eta},
                    {"actual", actual},
                    {"first_order", first},
                    {"second_order", second},
                    {"error_first", actual - first},
                    {"error_second", actual - second}});
  }

  // The cosine sweep: rotate from g/|g| (0 degrees) to -g/|g| (180) in the plane of g and a second
  // direction v orthogonal to it (the given direction's orthogonal part, else the coordinate axis
  // least aligned with g). With one variable the plane is a line: d = cos(theta) g/|g|.
  Json cosine = Json::array();
  if (gnorm > 0 && std::isfinite(gnorm)) {
    const Eigen::VectorXd gh = g / gnorm;
    Eigen::VectorXd v = Eigen::VectorXd::Zero(n);
    if (n >= 2) {
      if (given) v = u - u.dot(gh) * gh;
      if (v.norm() < 1e-8) {
        Eigen::Index k = 0;
        gh.cwiseAbs().minCoeff(&k);
        v = Eigen::VectorXd::Unit(n, k) - gh[k] * gh;
      }
      v /= v.norm();
    }
    for (int deg = 0; deg <= 180; deg += 15) {
      const double theta = deg * std::numbers::pi / 180.0;
      const double c = deg == 90 ? 0.0 : deg == 180 ? -1.0 : std::cos(theta);
      const double s = deg == 180 ? 0.0 : std::sin(theta);
      const Eigen::VectorXd d = c * gh + s * v;
      cosine.push_back({{"angle_deg", deg}, {"cos", c}, {"delta", L_at(d, kSweepEta) - L0}});
    }
  }

  if (o.e.json) {
    print_json(Json{{"rows", rows}, {"cosine", cosine}});
    return 0;
  }
  std::string gs, us;
  for (Eigen::Index k = 0; k < n; ++k) {
    const std::string& name = point[wrt[static_cast<std::size_t>(k)]].name;
    gs += fmt::format("{}{}: {}", k ? ", " : "", name, num(g[k]));
    us += fmt::format("{}{}: {}", k ? ", " : "", name, num(u[k]));
  }
  std::cout << fmt::format("L = {} at {}\n", num(L0), describe_point(point));
  std::cout << fmt::format("gradient g = ({}), |g| = {}\n", gs, num(gnorm));
  std::cout << fmt::format("direction u = ({}){}\n", us, given ? " (--direction, normalised)" : " = -g/|g|");
  std::cout << fmt::format("u\u1d40g = {}, u\u1d40Hu = {} (H exact, from the engine)\n\n", num(ug), num(uhu));
  std::cout
      << "Taylor: L(x + \u03b7u) - L(x) = \u03b7 u\u1d40g + \u00bd\u03b7\u00b2 u\u1d40Hu + O(\u03b7\u00b3)\n";
  std::cout << fmt::format("  {:>7}  {:>13}  {:>13}  {:>10}  {:>13}  {:>10}\n", "eta", "actual dL",
                           "1st order", "error", "2nd order", "error");
  for (const Json& r : rows)
    std::cout << fmt::format("  {:>7.0e}  {:>13.6e}  {:>13.6e}  {:>10.2e}  {:>13.6e}  {:>10.2e}\n",
                             r["eta"].get<double>(), r["actual"].get<double>(),
                             r["first_order"].get<double>(), r["error_first"].get<double>(),
                             r["second_order"].get<double>(), r["error_second"].get<double>());
  std::cout
      << "The first-order error shrinks like \u03b7\u00b2 and the second-order error like \u03b7\u00b3,\n"
         "until rounding (about 1e-16 |L|) takes over.\n";
  if (cosine.empty()) {
    std::cout << "\nNo cosine sweep: the gradient is zero (or not finite) here.\n";
    return 0;
  }
  std::cout << fmt::format(
      "\nCosine sweep at \u03b7 = {}: u turns from the gradient's direction (0\u00b0) to its "
      "opposite (180\u00b0)\n",
      kSweepEta);
  std::cout << fmt::format("  {:>5}  {:>7}  {:>13}\n", "angle", "cos", "dL");
  for (const Json& c : cosine)
    std::cout << fmt::format("  {:>5}  {:>7.4f}  {:>13.6e}\n", c["angle_deg"].get<int>(),
                             c["cos"].get<double>(), c["delta"].get<double>());
  std::cout << "dL is most negative at cos = -1: the steepest descent is along -g.\n";
  return 0;
}
}  // namespace

Command add_taylor(CLI::App& app) {
  auto o = std::make_shared<TaylorOptions>();
  CLI::App* sub = app.add_subcommand(
      "taylor", "Taylor's prediction of a small step, checked: why -gradient is the way down");
  o->e.add_to(*sub);
  sub->add_option("--wrt", o->wrt, "the variables that move (default: all of --at), e.g. w,b");
  sub->add_option("--direction", o->direction,
                  "the step direction u, e.g. w=1,b=0 (default -gradient; normalised)")
      ->allow_extra_args(false);
  sub->add_option(
         "--order", o->order,
         fmt::format("show the predictions of orders 1..K (K <= {}) and how fast their errors shrink",
                     kMaxTaylorOrder))
      ->type_name("K");
  sub->footer(
      "Along u, for eta = 1e-1 ... 1e-6, it compares the actual change of L with the first-order\n"
      "prediction eta u'g and the second-order one adding eta^2/2 u'Hu (H: the exact Hessian). Then it\n"
      "turns u from the gradient's direction to its opposite and prints the change for a small step.\n"
      "With --order K it prints the errors of the predictions of orders 1..K instead, for steps that\n"
      "halve: the order-k error shrinks like eta^(k+1), so each halving divides it by 2^(k+1).\n\n"
      "Example:\n"
      "  gradlab taylor --let 'f=sigmoid(w*x+b)' '(f-y)^2/2' --at w=0.5,b=-1,x=2,y=0.3 --wrt w,b\n"
      "  gradlab taylor 'sin(x)*exp(y)' --at x=0.5,y=0.2 --order 4");
  return {sub, [o] { return run_taylor(*o); }};
}

}  // namespace gradlab::cli
