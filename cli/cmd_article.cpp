// gradlab article: the article's run (w = 0, b = -8, eta = 1, 1000 epochs), written as a CSV.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "common.hpp"
#include "gradlab/neuron/article.hpp"

namespace gradlab::cli {

namespace {
int run_article(const std::string& dir) {
  const Trajectory t = article::run_gradient_descent();
  std::filesystem::create_directories(dir);
  const std::string path = (std::filesystem::path(dir) / "trajectory.csv").string();
  write_trajectory_csv(path, t);
  const TrajectoryRow& first = t.rows.front();
  const TrajectoryRow& last = t.rows.back();
  std::cout << fmt::format("epoch {:>4}: w = {}, b = {}, loss = {}\n", first.epoch, num(first.theta[0]),
                           num(first.theta[1]), num(first.loss));
  std::cout << fmt::format("epoch {:>4}: w = {}, b = {}, loss = {}\n", last.epoch, num(last.theta[0]),
                           num(last.theta[1]), num(last.loss));
  std::cerr << fmt::format("gradlab: wrote {} ({} rows)\n", path, t.rows.size());
  return 0;
}
}  // namespace

Command add_article(CLI::App& app) {
  auto dir = std::make_shared<std::string>("out");
  CLI::App* sub = app.add_subcommand("article", "reproduce the sigmoid-neuron article's gradient descent");
  sub->add_option("--out", *dir, "the directory for trajectory.csv")->capture_default_str();
  sub->footer(
      "Trains one sigmoid neuron on X = [0.5, 2.5], Y = [0.2, 0.9] from w = 0, b = -8 with learning rate 1\n"
      "for 1000 epochs, and writes DIR/trajectory.csv with the header epoch,w,b,loss,dL_dw,dL_db\n"
      "(epoch 0 = the start).\n\n"
      "Example:\n"
      "  gradlab article --out out/");
  return {sub, [dir] { return run_article(*dir); }};
}

}  // namespace gradlab::cli
