// gradlab activations: every registered activation, its formulas, a live three-way derivative
// check, and (with --plot DIR) a plot of f and f' for each.
#include <fmt/format.h>

#include <iostream>

#include "common.hpp"
#include "gradlab/figures.hpp"
#include "gradlab/neuron/activation.hpp"

namespace gradlab::cli {

namespace {
/// A table cell: '|' would end the cell, so it is escaped.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

/// The Markdown table of every registered activation, generated from the records (docs use it).
/// The formulas use GitHub's inline math $`...`$: inside plain $...$ Markdown would first turn the
/// LaTeX \\ and \, into \ and , (backslash escapes).
std::string markdown_table() {
  std::string out = "| name | $f(x)$ | $f'(x)$ | at the kink |\n| --- | --- | --- | --- |\n";
  for (const ActivationInfo* a : activation_list())
    out += fmt::format("| `{}`{} | $`{}`$ | $`{}`$ | {} |\n", a->name,
                       a->default_alpha ? fmt::format(" ($\\alpha = {}$)", num(*a->default_alpha)) : "",
                       cell(a->formula_latex), cell(a->derivative_latex), cell(a->kink));
  return out;
}

struct ActivationsOptions {
  std::string plot;
  bool json = false;
  bool markdown = false;
};

int run_activations(const ActivationsOptions& o) {
  Json list = Json::array();
  bool all_passed = true;
  if (!o.json)
    std::cout << "Each derivative is checked at random points three ways: autodiff through f, the\n"
                 "hand-derived f', and central differences; also the fused op's f' and f'' against\n"
                 "the composite's (max relative differences shown).\n\n";
  for (const ActivationInfo* a : activation_list()) {
    const ActivationCheck c = check_activation(*a);
    all_passed = all_passed && c.passed();
    if (o.json) {
      Json j{{"name", a->name},
             {"formula", a->formula},
             {"derivative", a->derivative},
             {"kink", a->kink},
             {"alpha", a->default_alpha ? Json(*a->default_alpha) : Json(nullptr)},
             {"domain", {a->domain.lo, a->domain.hi}},
             {"points", c.points.size()},
             {"autodiff_vs_formula", c.autodiff_vs_record.rel},
             {"central_vs_formula", c.numeric_vs_record.rel},
             {"fused_vs_formula", c.fused_vs_record.rel},
             {"second_order", c.second_order.rel},
             {"passed", c.passed()}};
      list.push_back(j);
      continue;
    }
    std::cout << fmt::format("{}{}\n  {}\n  {}\n  {}\n", a->name,
                             a->default_alpha ? fmt::format(" (alpha = {})", num(*a->default_alpha)) : "",
                             a->formula, a->derivative, a->kink);
    std::cout << fmt::format(
        "  check at {} points in [{}, {}]: {}\n    autodiff vs f' {:.1e}, central differences vs f' {:.1e}, "
        "fused op vs f' {:.1e}, f'' {:.1e}\n\n",
        c.points.size(), num(a->domain.lo), num(a->domain.hi), c.passed() ? "ok" : "FAILED",
        c.autodiff_vs_record.rel, c.numeric_vs_record.rel, c.fused_vs_record.rel, c.second_order.rel);
  }
  figures::Report report;
  if (!o.plot.empty()) report = figures::write_activation_plots(o.plot, figure_options());
  if (o.json) {
    Json j{{"activations", list}, {"passed", all_passed}};
    if (!o.plot.empty()) {
      j["plots"] = report.images;
      print_figure_report(report, true);
    }
    print_json(j);
  } else if (!o.plot.empty()) {
    print_figure_report(report, false);
  }
  return all_passed ? 0 : 1;
}
}  // namespace

Command add_activations(CLI::App& app) {
  auto o = std::make_shared<ActivationsOptions>();
  CLI::App* sub =
      app.add_subcommand("activations", "the activations, their formulas and a live derivative check");
  sub->add_option("--plot", o->plot,
                  "also draw each activation and its derivative: DIR/activation_<name>.png")
      ->check(kNonEmptyDir);
  sub->add_flag("--json", o->json, "print one JSON object (numbers round-trip exactly)");
  sub->add_flag("--markdown", o->markdown, "print a Markdown table of the activations (no checks)");
  sub->footer(
      "Lists every registered activation (usable by name in expressions) with its formula and derivative,\n"
      "and checks the derivative three ways. Exit code 1 if a check fails.\n\n"
      "Example:\n"
      "  gradlab activations --json\n"
      "  gradlab activations --plot out/");
  return {sub, [o] {
            if (o->markdown) {
              std::cout << markdown_table();
              return 0;
            }
            return run_activations(*o);
          }};
}

}  // namespace gradlab::cli
