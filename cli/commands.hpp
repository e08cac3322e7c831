#pragma once
/// @file commands.hpp
/// The subcommands: each add_* registers one on the program's CLI::App (see main.cpp).
#include <CLI/CLI.hpp>
#include <functional>

namespace gradlab::cli {

/// Subcommand registration: each adds its subcommand and sets `run` when it is chosen.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
Command add_grad(CLI::App& app);
Command add_check(CLI::App& app);
Command add_explain(CLI::App& app);
Command add_graph(CLI::App& app);
Command add_taylor(CLI::App& app);
Command add_article(CLI::App& app);
Command add_activations(CLI::App& app);
Command add_train(CLI::App& app);
Command add_predict(CLI::App& app);  // cmd_predict.cpp (networks)

}  // namespace gradlab::cli
