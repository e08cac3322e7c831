// gradlab grad: the value, the gradient and (with --hessian) the exact Hessian at a point.
#include <fmt/format.h>

#include <iostream>

#include "common.hpp"
#include "results.hpp"

namespace gradlab::cli {

namespace {
struct GradOptions {
  ExprOptions e;
  std::string wrt;
  bool hessian = false;
};

int run_grad(const GradOptions& o) {
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
  sub->footer(
      "Every variable must get a value with --at; the gradient is taken with respect to all of them\n"
      "(or those in --wrt).\n\n"
      "Example:\n"
      "  gradlab grad 'sigmoid(w*x+b)' --at w=0.5,b=-1,x=2 --hessian --wrt w,b\n"
      "  gradlab grad --let 'f=sigmoid(w*x+b)' '(f-y)^2/2' --at w=0.5,b=-1,x=2,y=0.3 --json");
  return {sub, [o] { return run_grad(*o); }};
}

}  // namespace gradlab::cli
