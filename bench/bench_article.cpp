// `gradlab article` end to end, gnuplot excluded: the article's 1000 epochs of gradient descent, the
// 200 x 200 loss surface and its gradients, and every data file and script written to a fresh
// directory. Issue 18's target: under 50 ms of CPU. gnuplot is pointed at a program that does not
// exist, so no image is rendered and nothing else is skipped.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <gradlab/figures.hpp>
#include <stdexcept>
#include <string>

namespace {

void BM_ArticleWithoutGnuplot(benchmark::State& state) {
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "gradlab_bench_article_XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string dir = dir_template;
  gradlab::figures::Options options;
  options.gnuplot = dir + "/no-such-gnuplot";
  for (auto _ : state) {
    const gradlab::figures::ArticleFigures fig = gradlab::figures::write_article(dir, options);
    if (!fig.report.gnuplot_missing) state.SkipWithError("gnuplot ran: the benchmark must exclude it");
    benchmark::DoNotOptimize(fig.trajectory.rows.back().loss);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ArticleWithoutGnuplot)->Unit(benchmark::kMillisecond);

}  // namespace
