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
using gradlab::cli::Command;

constexpr const char* kMoreInformation = "Run with --help for more information.\n";

/// The command line as CLI11 should see it. An argument that starts with '-' but is no option of the
/// subcommand (`-(y*log(f) + ...)`, `-x^2`) is the subcommand's EXPR, which CLI11 would take for an
/// unknown option: it is moved after a "--" at the end. The value of an option that takes one is
/// joined to it (`--claim -2*x` becomes `--claim=-2*x`), so a value that starts with '-' stays a value.
std::vector<std::string> arguments(int argc, char** argv, const std::vector<Command>& commands) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const CLI::App* sub = nullptr;
  std::size_t k = 0;
  for (; k < args.size() && sub == nullptr; ++k)
    for (const Command& c : commands)
      if (c.app->get_name() == args[k]) sub = c.app;
  if (sub == nullptr || sub->get_option_no_throw("EXPR") == nullptr) return args;
  std::vector<std::string> out(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(k));
  std::vector<std::string> expressions;
  for (; k < args.size(); ++k) {
    const std::string& a = args[k];
    if (a == "--") {  // the user separated EXPR already: the rest is left as it is
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(k), args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.push_back(a);
      continue;
    }
    if (a[1] != '-') {  // a short option (-h, -o FILE, -oFILE) or an expression (-x^2, -h*x)
      const CLI::Option* opt = sub->get_option_no_throw(a.substr(0, 2));
      const bool takes_value = opt != nullptr && opt->get_items_expected_min() > 0;
      if (opt == nullptr || (a.size() > 2 && !takes_value)) {
        expressions.push_back(a);
        continue;
      }
      out.push_back(a);
      if (a.size() == 2 && takes_value && k + 1 < args.size()) out.push_back(args[++k]);
      continue;
    }
    const std::string name = a.substr(0, a.find('='));
    const CLI::Option* opt = sub->get_option_no_throw(name);
    const bool takes_value = opt != nullptr && opt->get_items_expected_min() > 0 && name == a;
    if (takes_value && k + 1 < args.size() && !args[k + 1].starts_with("--")) {
      out.push_back(a + "=" + args[++k]);
      continue;
    }
    out.push_back(a);
  }
  if (!expressions.empty() && std::find(out.begin(), out.end(), "--") == out.end()) out.emplace_back("--");
  out.insert(out.end(), expressions.begin(), expressions.end());
  return out;
}

/// Every usage error: "gradlab: error: " and CLI11's message, or the unexpected arguments in the order
/// they were typed (CLI11 lists them backwards).
int usage_error(const std::string& message) {
  std::cerr << "gradlab: error: " << message << '\n' << kMoreInformation;
  return 2;
}

int run(int argc, char** argv) {
  using namespace gradlab::cli;
  try {
    gradlab::register_builtin_activations();  // so that leaky_relu, elu, silu, gelu are callable by name
    CLI::App app{
        "gradlab: reverse-mode automatic differentiation you can read.\n"
        "Expressions use numbers, variables, pi, + - * / ^ (power), parentheses and the functions:\n  " +
            fmt::format("{}", fmt::join(gradlab::expr::function_names(), ", ")),
        "gradlab"};
    app.set_version_flag("--version", std::string("gradlab ") + GRADLAB_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Run 'gradlab SUBCOMMAND --help' for the options and an example of each subcommand.\n"
        "An expression may start with '-': gradlab grad -x^2 --at x=1 (or after '--': grad --at x=1 -- "
        "-x^2)");
    std::vector<Command> commands = {add_grad(app),        add_check(app),  add_explain(app),
                                     add_graph(app),       add_taylor(app), add_article(app),
                                     add_activations(app), add_train(app),  add_predict(app)};
    for (Command& c : commands) add_activations_file_option(c);  // --activations FILE, loaded before run
    std::vector<std::string> args = arguments(argc, argv, commands);
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      // CLI11 reports a missing required option before an unknown argument; the unknown one (a typo,
      // an unknown subcommand) is the likelier mistake, so it is named instead.
      const std::vector<std::string> extra = app.remaining(true);
      const bool extras = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
      if ((extras || dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) && !extra.empty()) {
        const bool any_parsed = std::any_of(std::begin(commands), std::end(commands),
                                            [](const Command& c) { return c.app->parsed(); });
        if (!any_parsed && extra[0].front() != '-') {
          std::vector<std::string> names;
          for (const Command& c : commands) names.push_back(c.app->get_name());
          return usage_error(fmt::format("unknown subcommand '{}'; the subcommands are: {}", extra[0],
                                         fmt::join(names, ", ")));
        }
        return usage_error(fmt::format(
            "{}: {}",
            extra.size() > 1 ? "these arguments were not expected" : "this argument was not expected",
            fmt::join(extra, " ")));
      }
      if (e.get_exit_code() == 0) return app.exit(e) == 0 ? 0 : 2;  // --help, --version
      return usage_error(e.what());
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
