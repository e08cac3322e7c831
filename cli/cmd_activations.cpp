// gradlab activations: every registered activation, its formulas, a live three-way derivative
// check, and (with --plot DIR) a plot of f and f' for each.
#include <fmt/format.h>

#include <iostream>

#include "common.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/figures.hpp"

namespace gradlab::cli {

namespace {
struct ActivationsOptions {
  std::string plot;
  bool json = false;
};

int run_activations(const ActivationsOptions& o) {
  bool all_passed = true;
  Json list = Json::array();
  for (const ActivationInfo* act : activation_list()) {
    const ActivationCheck c = check_activation(*act);
    all_passed = all_passed && c.passed();
    if (o.json) {
      Json a = {{"name", act->name},
                {"formula", act->formula},
                {"derivative", act->derivative},
                {"kink", act->kink},
                {"domain", {act->domain.lo, act->domain.hi}}};
      if (act->parametric()) a["alpha"] = *act->default_alpha;
      a["check"] = {{"points", c.points.size()},
                    {"passed", c.passed()},
                    {"autodiff_vs_record", c.autodiff_vs_record.abs},
                    {"central_diff_vs_record", c.numeric_vs_record.abs},
                    {"fused_vs_record", c.fused_vs_record.abs},
                    {"second_order", c.second_order.abs}};
      list.push_back(a);
      continue;
    }
    std::cout << fmt::format(
        "{}{}\n  {}\n  {}\n  kink: {}\n  check at {} points: autodiff vs record {}, central "
        "diff vs record {}, f'' two ways {}: {}\n",
        act->name, act->parametric() ? fmt::format(" (alpha = {})", num(*act->default_alpha)) : "",
        act->formula, act->derivative, act->kink, c.points.size(), short_sci(c.autodiff_vs_record.abs),
        short_sci(c.numeric_vs_record.abs), short_sci(c.second_order.abs), c.passed() ? "agree" : "DISAGREE");
  }
  figures::Report report;
  if (!o.plot.empty()) report = figures::write_activation_plots(o.plot, figure_options());
  if (o.json) {
    Json j = {{"activations", list}, {"passed", all_passed}};
    if (!o.plot.empty()) j["plots"] = report.images;
    if (!o.plot.empty()) print_figure_report(report, true);
    print_json(j);
  } else if (!o.plot.empty()) {
    print_figure_report(report, false);
  }
  return all_passed ? 0 : 1;
}
}  // namespace

Command add_activations(CLI::App& app) {
  auto o = std::make_shared<ActivationsOptions>();
  CLI::App* sub = app.add_subcommand(
      "activations",
      "the registered activations, each with its formulas and a live three-way derivative check");
  sub->add_option("--plot", o->plot,
                  "also draw each activation and its derivative: DIR/activation_<name>.png");
  sub->add_flag("--json", o->json, "print one JSON object (numbers round-trip exactly)");
  sub->footer("Example:\n  gradlab activations --plot out/\nExit code 1 when a derivative check fails.");
  return {sub, [o] { return run_activations(*o); }};
}

}  // namespace gradlab::cli
