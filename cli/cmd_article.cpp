// gradlab article: the sigmoid-neuron article reproduced: its gradient-descent run written to
// trajectory.csv, its figures, and (--optimizers) other optimizers' paths from the same start.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <iostream>

#include "common.hpp"
#include "gradlab/figures.hpp"
#include "gradlab/neuron/article.hpp"
#include "gradlab/neuron/csv.hpp"
#include "gradlab/neuron/fit.hpp"

namespace gradlab::cli {

namespace {
/// Any finite number (a starting weight or bias).
const CLI::Validator kFinite(
    [](std::string& s) {
      double v = 0;
      const bool ok = CLI::detail::lexical_cast(s, v) && std::isfinite(v);
      return ok ? std::string() : fmt::format("expected a finite number, got '{}'", s);
    },
    "NUMBER");

struct ArticleOptions {
  std::string out = "out";
  std::string optimizers;
  article::Setup setup;  // --w0 --b0 --lr --epochs (the article's own by default)
  bool lr_given = false;
  bool json = false;
};

int run_article(const ArticleOptions& o) {
  const figures::Options fo = figure_options();
  figures::ArticleFigures fig = figures::write_article(o.out, fo, o.setup);
  figures::Report report = fig.report;
  std::vector<std::pair<std::string, Trajectory>> runs;
  if (!o.optimizers.empty()) {
    runs = figures::article_optimizer_runs(split_names(o.optimizers), o.setup.epochs,
                                           o.lr_given ? o.setup.learning_rate : 0.0, o.setup);
    report.merge(figures::write_optimizer_paths(o.out, fig.surface, runs, "sigmoid neuron", fo));
  }
  const TrajectoryRow& first = fig.trajectory.rows.front();
  const TrajectoryRow& last = fig.trajectory.rows.back();
  const article::Optimum opt = article::exact_optimum();
  const std::vector<TrainingProblem> problems =
      diagnose_training(fig.trajectory, article::start(o.setup), article::inputs(), article::targets());
  if (o.json) {
    Json j;
    j["warnings"] = Json::array();
    for (const TrainingProblem& p : problems)
      j["warnings"].push_back({{"kind", p.kind}, {"message", p.message}});
    j["epochs"] = last.epoch;
    j["learning_rate"] = o.setup.learning_rate;
    j["loss_convention"] = "sum";
    j["start"] = {{"w", first.theta[0]}, {"b", first.theta[1]}, {"loss", first.loss}};
    j["final"] = {{"w", last.theta[0]}, {"b", last.theta[1]}, {"loss", last.loss}};
    j["optimum"] = {{"w", opt.w}, {"b", opt.b}};
    if (!runs.empty()) {
      j["optimizers"] = Json::object();
      for (const auto& [name, t] : runs) {
        const TrajectoryRow& r = t.rows.back();
        j["optimizers"][name] = {{"w", r.theta[0]}, {"b", r.theta[1]}, {"loss", r.loss}};
      }
    }
    j["out"] = o.out;
    j["files"] = report.files;
    print_figure_report(report, true);
    print_json(j);
    return 0;
  }
  std::cout << fmt::format(
      "The article's sigmoid neuron: {}, L = 1/2 sum (sigmoid(w x + b) - y)^2 (the sum over the samples)\n"
      "gradient descent from w = {}, b = {} with eta = {}, {} epochs ({} rows in trajectory.csv)\n"
      "  start:  L = {}\n  final:  w = {}, b = {}, L = {}\n  exact optimum (L = 0): w = {}, b = {}\n",
      article::data_text(), num(first.theta[0]), num(first.theta[1]), num(o.setup.learning_rate), last.epoch,
      fig.trajectory.rows.size(), num(first.loss), num(last.theta[0]), num(last.theta[1]), num(last.loss),
      num(opt.w), num(opt.b));
  for (const TrainingProblem& p : problems) std::cout << "note: " << p.message << '\n';
  for (const auto& [name, t] : runs) {
    const TrajectoryRow& r = t.rows.back();
    std::cout << fmt::format("  {:<9} after {} epochs: w = {}, b = {}, L = {}\n", name, r.epoch,
                             num(r.theta[0]), num(r.theta[1]), num(r.loss));
  }
  print_figure_report(report, false);
  return 0;
}
}  // namespace

Command add_article(CLI::App& app) {
  auto o = std::make_shared<ArticleOptions>();
  CLI::App* sub = app.add_subcommand(
      "article", "reproduce the sigmoid-neuron article's gradient descent, with its figures");
  sub->add_option(
         "--out", o->out,
         "directory for trajectory.csv, the data, the .gp scripts and the figures (loss_surface.png, "
         "contour.png, loss_curve.png, descent.gif)")
      ->capture_default_str()
      ->check(kNonEmptyDir);
  sub->add_option(
         "--optimizers", o->optimizers,
         "also run these optimizers from the article's start and overlay their paths in optimizers.png, "
         "e.g. gd,momentum,nesterov,adam (known: " +
             fmt::format("{}", fmt::join(optimizer_names(), ", ")) + ")")
      ->check(kDistinctNames);
  sub->add_option("--w0", o->setup.w0, "starting weight (the article's: 0)")->check(kFinite);
  sub->add_option("--b0", o->setup.b0, "starting bias (the article's: -8)")->check(kFinite);
  sub->add_option("--epochs", o->setup.epochs, "epochs of the run (and of each --optimizers run)")
      ->capture_default_str()
      ->check(kCount);
  sub->add_option(
         "--lr", o->setup.learning_rate,
         "learning rate of the run (the article's: 1) and of the --optimizers runs (default there: 1 "
         "for gd, 0.1 for the others)")
      ->check(kPositiveFinite)
      ->each([o](const std::string&) { o->lr_given = true; });
  sub->add_flag("--json", o->json, "print one JSON object (numbers round-trip exactly)");
  sub->footer(fmt::format(
      "Trains one sigmoid neuron on {} from w = {}, b = {} with learning rate {}\n"
      "for {} epochs, and writes DIR/trajectory.csv with the header epoch,w,b,loss,dL_dw,dL_db\n"
      "(epoch 0 = the start), the figures, their data and their gnuplot scripts. Without gnuplot the\n"
      "data and scripts are still written.\n\n"
      "Example:\n"
      "  gradlab article --out out/\n"
      "  gradlab article --out out/ --w0 -2 --b0 0 --lr 0.5    (the article's \"what if we start "
      "elsewhere\")\n"
      "  gradlab article --out out/ --optimizers gd,momentum,nesterov,adam\n"
      "Re-render a figure after editing its script: cd out && gnuplot contour.gp",
      article::data_text(), num(article::w0), num(article::b0), num(article::learning_rate),
      article::epochs));
  return {sub, [o] { return run_article(*o); }};
}

}  // namespace gradlab::cli
