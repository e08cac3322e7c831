// gradlab activations: every registered activation, its formula and a live three-way derivative check.
#include <fmt/format.h>

#include <iostream>

#include "common.hpp"
#include "gradlab/neuron/activation.hpp"

namespace gradlab::cli {

namespace {
int run_activations(bool json) {
  Json list = Json::array();
  bool all_passed = true;
  if (!json)
    std::cout << "Each derivative is checked at random points three ways: autodiff through f, the\n"
                 "hand-derived f', and central differences (max relative differences shown).\n\n";
  for (const ActivationInfo* a : activation_list()) {
    const ActivationCheck c = check_activation(*a);
    all_passed = all_passed && c.passed();
    if (json) {
      Json j{{"name", a->name},
             {"formula", a->formula},
             {"derivative", a->derivative},
             {"kink", a->kink},
             {"alpha", a->default_alpha ? Json(*a->default_alpha) : Json(nullptr)},
             {"autodiff_vs_formula", c.autodiff_vs_record.rel},
             {"central_vs_formula", c.numeric_vs_record.rel},
             {"second_order", c.second_order.rel},
             {"passed", c.passed()}};
      list.push_back(j);
      continue;
    }
    std::cout << fmt::format("{}{}\n  {}\n  {}\n  {}\n", a->name,
                             a->default_alpha ? fmt::format(" (alpha = {})", *a->default_alpha) : "",
                             a->formula, a->derivative, a->kink);
    std::cout << fmt::format(
        "  check: autodiff vs f' {:.1e}, central differences vs f' {:.1e}, f'' {:.1e}: {}\n\n",
        c.autodiff_vs_record.rel, c.numeric_vs_record.rel, c.second_order.rel, c.passed() ? "ok" : "FAILED");
  }
  if (json) print_json(Json{{"activations", list}, {"passed", all_passed}});
  return all_passed ? 0 : 1;
}
}  // namespace

Command add_activations(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub =
      app.add_subcommand("activations", "the activations, their formulas and a live derivative check");
  sub->add_flag("--json", *json, "print one JSON object");
  sub->footer(
      "Lists every registered activation (usable by name in expressions) with its formula and derivative,\n"
      "and checks the derivative three ways. Exit code 1 if a check fails.\n\n"
      "Example:\n"
      "  gradlab activations --json");
  return {sub, [json] { return run_activations(*json); }};
}

}  // namespace gradlab::cli
