// gradlab: check derivations, show the chain rule, draw the graph, test Taylor's prediction.
// Exit codes: 0 success, 1 a check that ran and failed, 2 bad usage or bad input (message on stderr).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "activation_file.hpp"
#include "common.hpp"
#include "gradlab/neuron/activation.hpp"

namespace {
int run(int argc, char** argv) {
  using namespace gradlab::cli;
  try {
    gradlab::register_builtin_activations();  // so that leaky_relu, elu, silu, gelu are callable by name
    CLI::App app{
        "gradlab: reverse-mode automatic differentiation you can read.\n"
        "Expressions use numbers, variables, pi, + - * / ^ (power), parentheses and the functions:\n  " +
            fmt::format("{}", fmt::join(gradlab::expr::function_names(), ", ")),
        "gradlab"};
    app.require_subcommand(1);
    app.footer(
        "Run 'gradlab SUBCOMMAND --help' for the options and an example of each subcommand.\n"
        "An expression that starts with '-' goes after '--', e.g. gradlab grad --at x=1 -- -x^2");
    Command commands[] = {add_grad(app),        add_check(app),  add_explain(app),
                          add_graph(app),       add_taylor(app), add_article(app),
                          add_activations(app), add_train(app),  add_predict(app)};
    for (Command& c : commands) add_activations_file_option(c);  // --activations FILE, loaded before run
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // CLI11 reports a missing required option before an unknown argument; the unknown one (a typo,
      // an unknown subcommand) is the likelier mistake, so it is named instead.
      const std::vector<std::string> extra = app.remaining(true);
      if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !extra.empty()) {
        const bool any_parsed = std::any_of(std::begin(commands), std::end(commands),
                                            [](const Command& c) { return c.app->parsed(); });
        if (!any_parsed && extra[0].front() != '-') {
          std::vector<std::string> names;
          for (const Command& c : commands) names.push_back(c.app->get_name());
          std::cerr << fmt::format("gradlab: error: unknown subcommand '{}'; the subcommands are: {}\n",
                                   extra[0], fmt::join(names, ", "))
                    << "Run with --help for more information.\n";
          return 2;
        }
        return app.exit(CLI::ExtrasError(extra)) == 0 ? 0 : 2;
      }
      const int code = app.exit(e);
      return code == 0 ? 0 : 2;
    }
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "gradlab: error: out of memory (the expression or the tape is too large for this machine)\n";
  } catch (const std::exception& e) {
    std::cerr << "gradlab: error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "gradlab: error: unknown exception\n";
  }
  return 2;
}
}  // namespace

// Every subcommand's output is checked here, once: output that did not reach standard output or
// standard error (a full disk, /dev/full, a closed pipe) makes the run fail with exit 2.
int main(int argc, char** argv) {
  const int code = run(argc, argv);
  const std::string lost = gradlab::cli::flush_output_streams();
  if (lost.empty()) return code;
  std::cerr << "gradlab: error: " << lost << '\n';
  return 2;
}
