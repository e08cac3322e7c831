// gradlab grad: the value, the gradient and (with --hessian) the exact Hessian at a point.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "common.hpp"
#include "gradlab/autodiff/higher_order.hpp"
#include "results.hpp"

namespace gradlab::cli {

namespace {
/// --order K, in a function of its own so that the option's wiring stays apart from the rest.
void add_order_option(CLI::App& sub, int& order) {
  sub.add_option("--order", order,
                 fmt::format("derivatives of order K (0..{}): one variable gives f, f', ..., f^(K) and the "
                             "Taylor coefficients; several give every partial of order K",
                             kMaxDerivativeOrder))
      ->type_name("K");
}

struct GradOptions {
  ExprOptions e;
  std::string wrt;
  bool hessian = false;
  int order = -1;  ///< --order K (-1: not given)
};

// ---- grad --order K: derivatives of any order (kept apart from the first- and second-order path) ----

/// The digits of j as superscripts ("³" for 3, "¹⁰" for 10).
std::string superscript(int j) {
  static constexpr const char* kDigits[] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                            "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
  std::string e;
  for (const char c : std::to_string(j)) e += kDigits[c - '0'];
  return e;
}

/// "d/dx", "d³/dx³": the order-j derivative in x.
std::string nth_derivative_label(int j, const std::string& x) {
  return j == 1 ? fmt::format("d/d{}", x) : fmt::format("d{}/d{}{}", superscript(j), x, superscript(j));
}

/// One variable: f, f', ..., f^(K) and the Taylor coefficients f^(j)/j!.
void print_one_variable_orders(const Recording& rec, const Binding& x, Var input, int K, bool json) {
  const std::vector<Var> d = derivatives_recorded(rec.r.root, input, K);
  std::vector<double> values, coefficients;
  double factorial = 1.0;
  for (int j = 0; j <= K; ++j) {
    if (j > 0) factorial *= j;
    values.push_back(d[static_cast<std::size_t>(j)].value());
    coefficients.push_back(values.back() / factorial);
    if (j > 0) warn_if_not_finite(values.back(), nth_derivative_label(j, x.name));
  }
  if (json) {
    print_json(Json{{"value", values[0]},
                    {"order", K},
                    {"variable", x.name},
                    {"derivatives", values},
                    {"taylor_coefficients", coefficients}});
    return;
  }
  std::cout << fmt::format("value = {}\n", num(values[0]));
  std::cout << fmt::format(
      "derivatives in {} up to order {}, and the Taylor coefficients c = f\u207d\u02b2\u207e/j!:\n", x.name,
      K);
  for (int j = 1; j <= K; ++j)
    std::cout << fmt::format("  {} = {}   c{} = {}\n", nth_derivative_label(j, x.name),
                             num(values[static_cast<std::size_t>(j)]), j,
                             num(coefficients[static_cast<std::size_t>(j)]));
  std::cout << fmt::format("f({} + t) = c0 + c1 t + ... + c{} t^{} + O(t^{})\n", x.name, K, K, K + 1);
}

/// Several variables: every partial derivative of order K, nested by variable (x, then y, ...).
void print_partials(const Recording& rec, const std::vector<Binding>& point,
                    const std::vector<std::size_t>& wrt, int K, bool json) {
  std::vector<Var> xs;
  for (const std::size_t k : wrt) xs.push_back(rec.r.inputs[k]);
  const std::vector<double> p = partial_derivatives(rec.r.root, xs, K);
  const std::size_t n = wrt.size();
  for (const double v : p) warn_if_not_finite(v, fmt::format("a partial derivative of order {}", K));
  // The nested object of the entries [offset, offset + n^depth), depth levels deep.
  auto nested = [&](auto&& self, std::size_t offset, int depth) -> Json {
    if (depth == 0) return p[offset];
    std::size_t block = 1;
    for (int j = 1; j < depth; ++j) block *= n;
    std::vector<std::pair<std::string, Json>> items;
    for (std::size_t i = 0; i < n; ++i)
      items.emplace_back(point[wrt[i]].name, self(self, offset + i * block, depth - 1));
    return object_of_distinct_keys(std::move(items));
  };
  if (json) {
    print_json(Json{{"value", rec.value()}, {"order", K}, {"partials", nested(nested, 0, K)}});
    return;
  }
  std::cout << fmt::format("value = {}\n", num(rec.value()));
  std::cout << fmt::format("partial derivatives of order {} (mixed partials commute: each is shown once):\n",
                           K);
  std::vector<std::size_t> idx(static_cast<std::size_t>(K));
  for (std::size_t flat = 0; flat < p.size(); ++flat) {
    std::size_t r = flat;
    for (std::size_t k = idx.size(); k-- > 0;) {
      idx[k] = r % n;
      r /= n;
    }
    if (!std::is_sorted(idx.begin(), idx.end())) continue;  // print each multiset once
    std::string wrt_text;
    for (const std::size_t i : idx) wrt_text += "\u2202" + point[wrt[i]].name;
    std::cout << fmt::format("  \u2202{}/{} = {}\n", K == 1 ? std::string() : superscript(K), wrt_text,
                             num(p[flat]));
  }
}

int run_grad_order(const GradOptions& o) {
  check_derivative_order(o.order, "--order");
  if (o.hessian)
    throw Error("--order and --hessian do not go together: --order 2 gives the Hessian's entries");
  DetectAnomaly anomaly(o.e.detect_anomaly);
  const Program program(o.e);
  const std::vector<Binding> point = parse_bindings(o.e.at, "--at", true);
  const std::vector<std::size_t> wrt = parse_wrt(o.wrt, point);
  if (wrt.empty()) throw Error("--order needs a variable: give one with --at (and --wrt)");
  const Recording rec(program, point);
  if (wrt.size() == 1)
    print_one_variable_orders(rec, point[wrt[0]], rec.r.inputs[wrt[0]], o.order, o.e.json);
  else
    print_partials(rec, point, wrt, o.order, o.e.json);
  return 0;
}

int run_grad(const GradOptions& o) {
  if (o.order >= 0) return run_grad_order(o);
  DetectAnomaly anomaly(o.e.detect_anomaly);
  const Program program(o.e);
  const std::vector<Binding> point = parse_bindings(o.e.at, "--at", true);
  const std::vector<std::size_t> wrt = parse_wrt(o.wrt, point);
  const Recording rec(program, point);
  const Derivatives d = derivatives(rec, point, wrt, o.hessian);
  const double value = d.value;
  const std::vector<double>& g = d.gradient;
  const Eigen::MatrixXd& h = d.hessian;

  if (o.e.json) {
    // Printed member by member and the Hessian row by row: linear in the output's size.
    auto row_of = [&](auto entry) {
      std::vector<std::pair<std::string, Json>> items;
      for (std::size_t k = 0; k < wrt.size(); ++k) items.emplace_back(point[wrt[k]].name, entry(k));
      return object_of_distinct_keys(std::move(items));
    };
    JsonObjectPrinter j;
    j.member("value", value);
    j.member("gradient", row_of([&](std::size_t k) { return g[k]; }));
    if (o.hessian) {
      JsonObjectPrinter rows = j.object("hessian");
      for (std::size_t a = 0; a < wrt.size(); ++a)
        rows.member(point[wrt[a]].name, row_of([&](std::size_t b) {
                      return h(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
                    }));
    }
    return 0;
  }
  std::cout << fmt::format("value = {}\n", num(value));
  if (!wrt.empty()) std::cout << "gradient:\n";
  for (std::size_t k = 0; k < wrt.size(); ++k)
    std::cout << fmt::format("  \u2202/\u2202{} = {}\n", point[wrt[k]].name, num(g[k]));
  if (o.hessian && !wrt.empty()) {
    std::cout << "hessian:\n";
    for (std::size_t a = 0; a < wrt.size(); ++a)
      for (std::size_t b = 0; b < wrt.size(); ++b)
        std::cout << fmt::format("  \u2202\u00b2/\u2202{}\u2202{} = {}\n", point[wrt[a]].name,
                                 point[wrt[b]].name,
                                 num(h(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b))));
  }
  return 0;
}
}  // namespace

Command add_grad(CLI::App& app) {
  auto o = std::make_shared<GradOptions>();
  CLI::App* sub =
      app.add_subcommand("grad", "the value, the gradient and the Hessian of an expression at a point");
  o->e.add_to(*sub);
  sub->add_option("--wrt", o->wrt, "differentiate only with respect to these variables of --at, e.g. w,b");
  sub->add_flag("--hessian", o->hessian,
                "also print the exact Hessian (second derivatives, no finite differences)");
  add_order_option(*sub, o->order);
  sub->footer(
      "Every variable must get a value with --at; the gradient is taken with respect to all of them\n"
      "(or those in --wrt).\n\n"
      "Example:\n"
      "  gradlab grad 'sigmoid(w*x+b)' --at w=0.5,b=-1,x=2 --hessian --wrt w,b\n"
      "  gradlab grad --let 'f=sigmoid(w*x+b)' '(f-y)^2/2' --at w=0.5,b=-1,x=2,y=0.3 --json\n"
      "  gradlab grad '1/x' --at x=2 --order 6\n"
      "  gradlab grad 'x^2*y^3' --at x=1,y=2 --order 3 --json");
  return {sub, [o] { return run_grad(*o); }};
}

}  // namespace gradlab::cli
