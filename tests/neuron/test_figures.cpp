// The figures: the data files hold exactly the numbers in memory, and gnuplot's images exist, have
// the stated size and frame count, and are not blank.
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "gradlab/figures.hpp"
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/article.hpp"
#include "gradlab/neuron/csv.hpp"
#include "scratch.hpp"

using namespace gradlab;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool have(const char* tool) {
  return std::system((std::string(tool) + " --version > /dev/null 2>&1").c_str()) == 0;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}
unsigned le16(const std::string& s, std::size_t at) {
  return unsigned(std::uint8_t(s[at])) | (unsigned(std::uint8_t(s[at + 1])) << 8);
}

struct ImageInfo {
  unsigned width = 0, height = 0, frames = 0;
};

/// Width and height from a PNG's IHDR chunk (throws on anything that is not a PNG).
ImageInfo png_info(const fs::path& p) {
  const std::string s = slurp(p);
  if (s.size() < 33 || s.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || s.compare(12, 4, "IHDR") != 0)
    throw std::runtime_error(p.string() + " is not a PNG");
  if (s.find("IEND") == std::string::npos) throw std::runtime_error(p.string() + " has no IEND chunk");
  return {be32(s, 16), be32(s, 20), 1};
}

/// Size and number of frames of a GIF, walking its blocks.
ImageInfo gif_info(const fs::path& p) {
  const std::string s = slurp(p);
  if (s.size() < 13 || (s.compare(0, 6, "GIF89a") != 0 && s.compare(0, 6, "GIF87a") != 0))
    throw std::runtime_error(p.string() + " is not a GIF");
  ImageInfo info{le16(s, 6), le16(s, 8), 0};
  std::size_t at = 13;
  const auto table = [&](unsigned flags) {
    if (flags & 0x80) at += 3u * (1u << ((flags & 7u) + 1u));
  };
  const auto sub_blocks = [&] {
    while (at < s.size() && s[at] != 0) at += 1 + std::uint8_t(s[at]);
    ++at;
  };
  table(std::uint8_t(s[10]));
  while (at < s.size()) {
    const auto kind = std::uint8_t(s[at]);
    if (kind == 0x3B) return info;  // trailer
    if (kind == 0x21) {             // extension: label, then sub-blocks
      at += 2;
      sub_blocks();
    } else if (kind == 0x2C) {  // image: descriptor, local table, LZW code size, data
      if (at + 10 > s.size()) break;
      table(std::uint8_t(s[at + 9]));
      at += 10 + 1;
      sub_blocks();
      ++info.frames;
    } else {
      throw std::runtime_error(p.string() + ": bad GIF block");
    }
  }
  throw std::runtime_error(p.string() + ": the GIF has no trailer");
}

/// The number of distinct colours in an image (frame) by ImageMagick, or -1 without it.
int colours(const std::string& image) {
  if (!have("identify")) return -1;
  const std::string cmd = "identify -format '%k' '" + image + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  char buf[64] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, pipe);
  ::pclose(pipe);
  return n ? std::atoi(buf) : -1;
}

void check_png(const fs::path& p) {
  BOOST_TEST_CONTEXT(p.filename()) {
    BOOST_REQUIRE(fs::exists(p));
    const ImageInfo info = png_info(p);
    BOOST_TEST(info.width >= 800u);
    BOOST_TEST(info.height >= 600u);
    const int k = colours(p.string());
    if (k >= 0) BOOST_TEST(k >= 16, "blank image: " << k << " colours");
  }
}

/// Numbers of a comma-separated data file, row by row (comments, blank lines and a header skipped).
std::vector<std::vector<double>> numbers(const fs::path& p) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(slurp(p));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || std::isalpha(static_cast<unsigned char>(line[0]))) continue;
    std::vector<double> row;
    std::istringstream fields(line);
    std::string f;
    while (std::getline(fields, f, ',')) row.push_back(std::strtod(f.c_str(), nullptr));
    rows.push_back(row);
  }
  return rows;
}

void check_trajectory_file(const fs::path& p, const Trajectory& t) {
  const auto rows = numbers(p);
  BOOST_REQUIRE(rows.size() == t.rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const TrajectoryRow& r = t.rows[k];
    const auto d = static_cast<std::size_t>(r.theta.size());
    BOOST_REQUIRE(rows[k].size() == 2 * d + 2);
    bool same = rows[k][0] == r.epoch && rows[k][d + 1] == r.loss;
    for (std::size_t j = 0; j < d; ++j)
      same =
          same && rows[k][1 + j] == r.theta[Eigen::Index(j)] && rows[k][d + 2 + j] == r.grad[Eigen::Index(j)];
    if (!same) BOOST_FAIL(p.filename().string() << " row " << k << " differs from the trajectory in memory");
  }
}

// The article's L(w, b) = 1/2 sum_i (sigmoid(w x_i + b) - y_i)^2, written out independently.
double article_loss(double w, double b) {
  const double xs[2] = {0.5, 2.5}, ys[2] = {0.2, 0.9};
  double L = 0.0;
  for (int i = 0; i < 2; ++i) {
    const double f = 1.0 / (1.0 + std::exp(-(w * xs[i] + b)));
    L += 0.5 * (f - ys[i]) * (f - ys[i]);
  }
  return L;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(figures_)

BOOST_AUTO_TEST_CASE(article_figures_data_equal_memory_and_images_are_valid) {
  Scratch s("article_figures");
  const figures::ArticleFigures fig = figures::write_article(s.dir.string());
  const figures::Report& r = fig.report;
  BOOST_TEST(r.errors.empty(), (r.errors.empty() ? "" : r.errors.front()));
  for (const char* f : {"trajectory.csv", "surface.dat", "gradients.dat", "loss_surface.gp", "contour.gp",
                        "loss_curve.gp", "descent.gp"})
    BOOST_TEST(fs::exists(s.dir / f), f);

  // The surface: the article's ranges on 200 x 200 points, the file equal to memory, and memory
  // equal to the loss written out by hand.
  const figures::Grid& g = fig.surface.grid;
  BOOST_TEST(g.w_min == -2.0);
  BOOST_TEST(g.w_max == 6.0);
  BOOST_TEST(g.b_min == -10.0);
  BOOST_TEST(g.b_max == 2.0);
  BOOST_TEST(fig.surface.loss.rows() == 200);
  BOOST_TEST(fig.surface.loss.cols() == 200);
  const auto surface = numbers(s.dir / "surface.dat");
  BOOST_REQUIRE(surface.size() == 200u * 200u);
  double worst = 0.0;
  for (int i = 0; i < 200; ++i)
    for (int j = 0; j < 200; ++j) {
      const auto& row = surface[std::size_t(i) * 200 + std::size_t(j)];
      if (row != std::vector<double>{g.w(i), g.b(j), fig.surface.loss(i, j)})
        BOOST_FAIL("surface.dat differs at " << i << ", " << j);
      worst = std::max(worst, std::abs(fig.surface.loss(i, j) - article_loss(g.w(i), g.b(j))));
    }
  BOOST_TEST(worst <= 1e-15);

  // The trajectory: the article's run, and the file equal to it.
  BOOST_TEST(fig.trajectory.rows.size() == 1001u);
  check_trajectory_file(s.dir / "trajectory.csv", fig.trajectory);
  // The loss curve shows a plateau (the saturated sigmoid at b = -8), then a drop.
  const double L0 = fig.trajectory.rows[0].loss;
  BOOST_TEST(std::abs(fig.trajectory.rows[200].loss - L0) < 0.01 * L0);
  BOOST_TEST(fig.trajectory.rows.back().loss < 0.05 * L0);

  // The arrows: autodiff gradients on 15 x 15 points, equal to the hand-derived ones, as written.
  const auto arrows = numbers(s.dir / "gradients.dat");
  BOOST_REQUIRE(arrows.size() == 225u);
  BOOST_REQUIRE(fig.arrows.size() == 225u);
  Neuron n = article::start();
  for (std::size_t k = 0; k < arrows.size(); ++k) {
    const figures::Arrow& a = fig.arrows[k];
    BOOST_REQUIRE(arrows[k].size() == 6u);
    if (arrows[k][0] != a.w || arrows[k][1] != a.b || arrows[k][2] != a.dw || arrows[k][3] != a.db)
      BOOST_FAIL("gradients.dat row " << k << " differs from memory");
    n.set_params(Eigen::Vector2d(a.w, a.b));
    const Eigen::VectorXd g2 = n.gradient(article::inputs(), article::targets(), GradMethod::Formula);
    BOOST_TEST(std::abs(a.dw - g2[0]) <= 1e-14 + 1e-12 * std::abs(g2[0]));
    BOOST_TEST(std::abs(a.db - g2[1]) <= 1e-14 + 1e-12 * std::abs(g2[1]));
    // The drawn arrow points down the gradient.
    BOOST_TEST(arrows[k][4] * a.dw + arrows[k][5] * a.db <= 0.0);
  }

  if (!have("gnuplot")) {
    BOOST_TEST(r.gnuplot_missing);
    BOOST_TEST_MESSAGE("gnuplot is not installed: the images are not checked");
    return;
  }
  BOOST_TEST(!r.gnuplot_missing);
  for (const char* f : {"loss_surface.png", "contour.png", "loss_curve.png"}) check_png(s.dir / f);
  const ImageInfo gif = gif_info(s.dir / "descent.gif");
  BOOST_TEST(gif.width >= 800u);
  BOOST_TEST(gif.height >= 600u);
  BOOST_TEST(gif.frames >= 30u);
  BOOST_TEST(gif.frames == 40u);
  const int k0 = colours((s.dir / "descent.gif").string() + "[0]");
  if (k0 >= 0) BOOST_TEST(k0 >= 16);
  // The first and last frames differ (the point has moved).
  if (have("compare")) {
    const std::string cmd = "compare -metric AE '" + (s.dir / "descent.gif").string() + "[0]' '" +
                            (s.dir / "descent.gif").string() + "[39]' null: 2>/dev/null";
    BOOST_TEST(std::system(cmd.c_str()) != 0);
  }
}

BOOST_AUTO_TEST_CASE(optimizer_paths_overlay) {
  Scratch s("optimizer_figures");
  const std::vector<std::string> names{"gd", "momentum", "nesterov", "adam"};
  const auto runs = figures::article_optimizer_runs(names, 300);
  BOOST_REQUIRE(runs.size() == 4u);
  Neuron start = article::start();
  figures::Grid coarse = figures::article_grid();
  coarse.nw = coarse.nb = 20;
  const auto surface = figures::loss_surface(start, article::inputs(), article::targets(), coarse);
  const figures::Report r = figures::write_optimizer_paths(s.dir.string(), surface, runs, "test");
  BOOST_TEST(r.errors.empty());
  for (const auto& [name, t] : runs) {
    BOOST_TEST(t.rows.size() == 301u);
    check_trajectory_file(s.dir / ("trajectory_" + name + ".csv"), t);
  }
  // The runs differ: each optimizer took its own path.
  BOOST_TEST((runs[0].second.rows.back().theta - runs[3].second.rows.back().theta).norm() > 0.1);
  BOOST_TEST(fs::exists(s.dir / "optimizers.gp"));
  const std::string script = slurp(s.dir / "optimizers.gp");
  for (const std::string& name : names) BOOST_TEST(script.find("title '" + name + "'") != std::string::npos);
  if (have("gnuplot")) check_png(s.dir / "optimizers.png");
}

BOOST_AUTO_TEST_CASE(one_plot_per_registered_activation) {
  Scratch s("activation_figures");
  const figures::Report r = figures::write_activation_plots(s.dir.string(), {}, 101);
  BOOST_TEST(r.errors.empty());
  const auto acts = activation_list();
  BOOST_TEST(acts.size() >= 8u);
  for (const ActivationInfo* act : acts) {
    const std::string name(act->name);
    const auto rows = numbers(s.dir / ("activation_" + name + ".dat"));
    BOOST_REQUIRE(rows.size() == 101u);
    BOOST_TEST(rows.front()[0] == act->domain.lo);
    BOOST_TEST(rows.back()[0] == act->domain.hi);
    for (const auto& row : rows)
      if (row[1] != act->value(row[0]) || row[2] != act->d(row[0]))
        BOOST_FAIL("activation_" << name << ".dat differs from the record at x = " << row[0]);
    if (have("gnuplot")) check_png(s.dir / ("activation_" + name + ".png"));
  }
}

BOOST_AUTO_TEST_CASE(without_gnuplot_data_and_scripts_are_still_written) {
  Scratch s("no_gnuplot");
  figures::Options o;
  o.gnuplot = "/nonexistent/gnuplot";
  const Trajectory t = article::run_gradient_descent();
  const figures::Report r = figures::write_loss_curve(s.dir.string(), t, "test", o);
  BOOST_TEST(r.gnuplot_missing);
  BOOST_TEST(r.images.empty());
  BOOST_TEST(r.errors.empty());
  BOOST_TEST(fs::exists(s.dir / "trajectory.csv"));
  BOOST_TEST(fs::exists(s.dir / "loss_curve.gp"));
  BOOST_TEST(!fs::exists(s.dir / "loss_curve.png"));
}

BOOST_AUTO_TEST_CASE(files_gradlab_did_not_make_survive_and_no_temporary_file_is_left) {
  Scratch s("other_files");
  // A user's files named like gnuplot's former log and temporary names.
  for (const char* f : {"contour.log", "loss_curve.log", "descent.log", "loss_surface.log"}) {
    std::ofstream(s.dir / f) << "mine\n";
  }
  const figures::ArticleFigures fig = figures::write_article(s.dir.string());
  for (const char* f : {"contour.log", "loss_curve.log", "descent.log", "loss_surface.log"})
    BOOST_TEST(slurp(s.dir / f) == "mine\n", f);
  // Nothing but the reported files and the user's files is in the directory.
  std::size_t other = 0;
  for (const auto& e : fs::directory_iterator(s.dir)) {
    const std::string name = e.path().filename().string();
    const bool reported =
        std::find(fig.report.files.begin(), fig.report.files.end(), name) != fig.report.files.end();
    if (!reported && name.size() > 4 && name.substr(name.size() - 4) != ".log") ++other;
    BOOST_TEST((reported || name.substr(name.size() - 4) == ".log"), name);
  }
  BOOST_TEST(other == 0u);
}

BOOST_AUTO_TEST_CASE(a_failed_script_leaves_no_image) {
  Scratch s("failed_script");
  const Trajectory t = article::run_gradient_descent();
  figures::Grid g = figures::article_grid();
  g.nw = g.nb = 5;
  // A surface with no finite value: descent.gif's floor is not written as inf.
  figures::Surface surface{g, Eigen::MatrixXd::Constant(5, 5, std::numeric_limits<double>::infinity()), 2};
  figures::Options o;
  o.frames = 2;
  const figures::Report r = figures::write_landscape(s.dir.string(), surface, {}, t, "inf", o);
  BOOST_TEST(slurp(s.dir / "descent.gp").find("floor = 0\n") != std::string::npos);
  BOOST_TEST(slurp(s.dir / "descent.gp").find("inf\n") == std::string::npos);
  // A gnuplot that always fails: no image at all, and each failure is reported.
  Scratch f("failing_gnuplot");
  o.gnuplot = "false";  // exits 1 for --version too: taken for a missing gnuplot
  const figures::Report missing = figures::write_loss_curve(f.dir.string(), t, "x", o);
  BOOST_TEST(missing.gnuplot_missing);
  if (!have("gnuplot")) return;
  // A trajectory whose loss is never a number: gnuplot fails on the loss curve, and no 0-byte or
  // temporary image is left.
  o.gnuplot = "gnuplot";
  const fs::path bad = f.dir / "bad";
  Trajectory broken = t;
  for (TrajectoryRow& row : broken.rows) row.loss = std::nan("");
  const figures::Report failed = figures::write_loss_curve(bad.string(), broken, "x", o);
  BOOST_TEST(failed.errors.size() == 1u);
  BOOST_TEST(failed.images.empty());
  BOOST_TEST(!fs::exists(bad / "loss_curve.png"));
  for (const auto& e : fs::directory_iterator(bad))
    BOOST_TEST(e.path().filename().string().front() != '.', e.path());
}

BOOST_AUTO_TEST_CASE(an_unwritable_output_directory_is_found_at_once) {
  Scratch s("unwritable");
  std::ofstream(s.dir / "file") << "x";
  BOOST_CHECK_EXCEPTION(figures::prepare_output_dir((s.dir / "file" / "out").string()), Error,
                        [](const Error& e) {
                          return std::string(e.what()).rfind("figures: cannot create the directory", 0) == 0;
                        });
  BOOST_CHECK_THROW(figures::prepare_output_dir(""), Error);
  figures::prepare_output_dir((s.dir / "new" / "deep").string());
  BOOST_TEST(fs::is_directory(s.dir / "new" / "deep"));
  BOOST_TEST(fs::is_empty(s.dir / "new" / "deep"));  // the probe file is gone
}

BOOST_AUTO_TEST_CASE(bad_figure_requests) {
  Scratch s("bad_figures");
  figures::Options small;
  small.width = 640;
  const Trajectory t = article::run_gradient_descent();
  BOOST_CHECK_EXCEPTION(figures::write_loss_curve(s.dir.string(), t, "x", small), Error, [](const Error& e) {
    return std::string(e.what()) == "figures: images must be at least 800x600, got 640x750";
  });
  const Neuron two(Eigen::VectorXd::Zero(2), 0.0);
  BOOST_CHECK_EXCEPTION(
      figures::loss_surface(two, Eigen::MatrixXd::Zero(1, 2), Eigen::VectorXd::Zero(1),
                            figures::article_grid()),
      ShapeError, [](const Error& e) {
        return std::string(e.what()) ==
               "figures::loss_surface: the surface L(w, b) needs a one-input neuron, this one has 2";
      });
}

// A network run's figures: history.csv holds the curves exactly (a diverged epoch's NaN as it is),
// the loss and accuracy curves are drawn, and a regression (no accuracy) gets no accuracy figure.
BOOST_AUTO_TEST_CASE(network_training_curves) {
  Scratch s("network_curves");
  figures::EpochCurves c;
  c.epoch = {0, 1, 2, 3};
  c.loss = {0.7, 0.5, 0.25, std::numeric_limits<double>::quiet_NaN()};
  c.accuracy = {0.5, 0.75, 1.0, 0.5};
  c.validation_loss = {0.8, 0.6, 1.0 / 3.0, 0.3};
  c.validation_accuracy = {0.25, 0.5, 0.75, 1.0};
  const figures::Report r = figures::write_training_curves(s.dir.string(), c, "net`touch PWNED`");
  const std::string csv = slurp(s.dir / "history.csv");
  BOOST_TEST(
      csv.rfind("epoch,loss,accuracy,validation_loss,validation_accuracy\n0,0.69999999999999996,", 0) == 0,
      csv);
  BOOST_TEST(csv.find("\n3,nan,0.5,") != std::string::npos, csv);
  const auto rows = numbers(s.dir / "history.csv");
  BOOST_REQUIRE_EQUAL(rows.size(), 4u);
  BOOST_TEST(rows[2][3] == 1.0 / 3.0);  // 17 digits: the number in memory
  BOOST_TEST(fs::exists(s.dir / "loss_curves.gp"));
  BOOST_TEST(fs::exists(s.dir / "accuracy_curves.gp"));
  if (have("gnuplot")) {
    BOOST_TEST(r.errors.empty(), (r.errors.empty() ? "" : r.errors.front()));
    check_png(s.dir / "loss_curves.png");
    check_png(s.dir / "accuracy_curves.png");
  }
  Scratch t("network_curves_regression");
  figures::EpochCurves reg;
  reg.epoch = {0, 1};
  reg.loss = {2.0, 1.0};
  figures::write_training_curves(t.dir.string(), reg, "regression");
  BOOST_TEST(slurp(t.dir / "history.csv") == "epoch,loss\n0,2\n1,1\n");
  BOOST_TEST(!fs::exists(t.dir / "accuracy_curves.gp"));
  reg.accuracy = {1.0};
  BOOST_CHECK_EXCEPTION(
      figures::write_training_curves(t.dir.string(), reg, "x"), ShapeError, [](const Error& e) {
        return std::string(e.what()) == "figures::write_training_curves: accuracy has 1 entries for 2 epochs";
      });
}

// The decision boundary of a 2-D classifier: the field and the samples are written exactly, and the
// image is drawn (two classes and three).
BOOST_AUTO_TEST_CASE(network_decision_boundary) {
  Scratch s("network_boundary");
  Eigen::MatrixXd points(4, 2);
  points << 0, 0, 0, 1, 1, 0, 1, 1;
  Eigen::VectorXi labels(4);
  labels << 0, 1, 1, 0;
  figures::DecisionField f = figures::field_around(points, 41);
  BOOST_TEST(f.x_min == -0.5);
  BOOST_TEST(f.y_max == 1.5);
  f.value.resize(f.nx, f.ny);
  for (int i = 0; i < f.nx; ++i)
    for (int j = 0; j < f.ny; ++j)
      f.value(i, j) = 1.0 / (1.0 + std::exp(-4.0 * (f.x(i) - 0.5) * (0.5 - f.y(j))));
  const figures::Report r = figures::write_decision_boundary(s.dir.string(), f, points, labels, "xor");
  const auto grid = numbers(s.dir / "boundary.dat");
  BOOST_REQUIRE_EQUAL(grid.size(), 41u * 41u);
  BOOST_TEST(grid[41 * 3 + 5][0] == f.x(3));
  BOOST_TEST(grid[41 * 3 + 5][1] == f.y(5));
  BOOST_TEST(grid[41 * 3 + 5][2] == f.value(3, 5));
  BOOST_TEST(slurp(s.dir / "samples.csv") == "x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
  if (have("gnuplot")) {
    BOOST_TEST(r.errors.empty(), (r.errors.empty() ? "" : r.errors.front()));
    check_png(s.dir / "decision_boundary.png");
  }
  f.classes = 3;
  f.value = f.value.unaryExpr([](double v) { return std::floor(2.999 * v); });
  labels << 0, 1, 2, 0;
  figures::write_decision_boundary(s.dir.string(), f, points, labels, "three classes");
  BOOST_TEST(slurp(s.dir / "decision_boundary.gp").find("levels discrete 0.5,1.5") != std::string::npos);
  if (have("gnuplot")) check_png(s.dir / "decision_boundary.png");
  BOOST_CHECK_THROW(figures::write_decision_boundary(s.dir.string(), f, points, labels.head(3), "x"),
                    ShapeError);
  BOOST_CHECK_THROW(figures::field_around(Eigen::MatrixXd::Zero(3, 3)), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
