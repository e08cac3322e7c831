#include "gradlab/neuron/figures.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gradlab/neuron/article.hpp"

namespace gradlab::figures {

namespace fs = std::filesystem;

void Report::merge(const Report& other) {
  files.insert(files.end(), other.files.begin(), other.files.end());
  images.insert(images.end(), other.images.begin(), other.images.end());
  gnuplot_missing = gnuplot_missing || other.gnuplot_missing;
  errors.insert(errors.end(), other.errors.begin(), other.errors.end());
}

Grid article_grid() { return {}; }

Grid grid_around(const Trajectory& t, int n) {
  if (t.rows.empty() || t.rows.front().theta.size() != 2)
    throw ShapeError("figures::grid_around: the trajectory must have rows of a one-input neuron ([w, b])");
  double w_lo = t.rows.front().theta[0], w_hi = w_lo, b_lo = t.rows.front().theta[1], b_hi = b_lo;
  for (const TrajectoryRow& r : t.rows) {
    w_lo = std::min(w_lo, r.theta[0]);
    w_hi = std::max(w_hi, r.theta[0]);
    b_lo = std::min(b_lo, r.theta[1]);
    b_hi = std::max(b_hi, r.theta[1]);
  }
  // Pad by half the path's extent (at least 1) on every side, so the valley around the path shows.
  const double pw = std::max(1.0, 0.5 * (w_hi - w_lo));
  const double pb = std::max(1.0, 0.5 * (b_hi - b_lo));
  return {w_lo - pw, w_hi + pw, b_lo - pb, b_hi + pb, n, n};
}

Surface loss_surface(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                     const Grid& grid, double scale) {
  if (neuron.inputs() != 1)
    throw ShapeError(
        fmt::format("figures::loss_surface: the surface L(w, b) needs a one-input neuron, this one has {}",
                    neuron.inputs()));
  if (grid.nw < 2 || grid.nb < 2)
    throw Error(fmt::format("figures::loss_surface: the grid needs at least 2 x 2 points, got {} x {}",
                            grid.nw, grid.nb));
  Surface s{grid, Eigen::MatrixXd(grid.nw, grid.nb)};
  Neuron at = neuron;
  for (int i = 0; i < grid.nw; ++i)
    for (int j = 0; j < grid.nb; ++j) {
      at.set_params(Eigen::Vector2d(grid.w(i), grid.b(j)));
      s.loss(i, j) = scale * at.loss(X, y);
    }
  return s;
}

std::vector<Arrow> gradient_arrows(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                   const Grid& grid, int n, double scale) {
  if (neuron.inputs() != 1)
    throw ShapeError(fmt::format(
        "figures::gradient_arrows: the arrows (dL/dw, dL/db) need a one-input neuron, this one has {}",
        neuron.inputs()));
  if (n < 2)  // one point per side would divide by n - 1 = 0
    throw Error(fmt::format("figures::gradient_arrows: need at least 2 x 2 arrows, got {} x {}", n, n));
  Grid coarse = grid;
  coarse.nw = coarse.nb = n;
  std::vector<Arrow> arrows;
  Neuron at = neuron;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      at.set_params(Eigen::Vector2d(coarse.w(i), coarse.b(j)));
      const Eigen::VectorXd g = scale * at.gradient(X, y, GradMethod::Autodiff);
      arrows.push_back({coarse.w(i), coarse.b(j), g[0], g[1]});
    }
  return arrows;
}

namespace {

std::string num(double v) { return fmt::format("{:.17g}", v); }

/// A string as a double-quoted gnuplot literal.
std::string gp_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// A path as a single-quoted shell word.
std::string shell_word(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Writes files into one directory and runs gnuplot there.
class Writer {
 public:
  Writer(const std::string& dir, const Options& options) : options_(options) {
    report_.dir = dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(fmt::format("figures: cannot create the directory '{}': {}", dir, ec.message()));
    if (options.width < 800 || options.height < 600)
      throw Error(
          fmt::format("figures: images must be at least 800x600, got {}x{}", options.width, options.height));
    const std::string probe = fmt::format("{} --version >/dev/null 2>&1", options.gnuplot);
    report_.gnuplot_missing = std::system(probe.c_str()) != 0;
  }

  void file(const std::string& name, const std::string& content) {
    const fs::path path = fs::path(report_.dir) / name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    out.close();
    if (!out) throw Error(fmt::format("figures: cannot write '{}'", path.string()));
    report_.files.push_back(name);
  }

  /// Writes NAME.gp (the script body after the terminal lines) and renders IMAGE with it.
  void script(const std::string& name, const std::string& image, const std::string& body, bool gif = false) {
    const std::string terminal =
        gif ? fmt::format("set terminal gif animate delay 10 size {},{} noenhanced",
                          std::max(800, options_.width * 4 / 5), std::max(600, options_.height * 4 / 5))
            : fmt::format("set terminal pngcairo size {},{} noenhanced font \"Sans,11\"", options_.width,
                          options_.height);
    file(name + ".gp",
         fmt::format("# gradlab figure: edit and re-render with `gnuplot {}.gp` in this directory.\n"
                     "set encoding utf8\n{}\nset output '{}'\nset datafile separator comma\n{}",
                     name, terminal, image, body));
    if (report_.gnuplot_missing) return;
    const std::string log = name + ".log";
    const std::string cmd =
        fmt::format("cd {} && {} {}.gp 2> {}", shell_word(report_.dir), options_.gnuplot, name, log);
    const int status = std::system(cmd.c_str());
    const fs::path log_path = fs::path(report_.dir) / log;
    std::ifstream in(log_path);
    std::stringstream messages;
    messages << in.rdbuf();
    in.close();
    std::error_code ec;
    fs::remove(log_path, ec);
    if (status != 0 || !fs::exists(fs::path(report_.dir) / image)) {
      report_.errors.push_back(fmt::format("gnuplot failed on {}.gp: {}", name, messages.str()));
      return;
    }
    report_.files.push_back(image);
    report_.images.push_back(image);
  }

  [[nodiscard]] const Options& options() const { return options_; }
  Report& report() { return report_; }

 private:
  Options options_;
  Report report_;
};

std::string trajectory_text(const Trajectory& t) {
  std::ostringstream out;
  write_trajectory_csv(out, t);
  return out.str();
}

/// surface.dat: one line "w,b,L" per grid point, a blank line after each w (gnuplot's grid format).
std::string surface_text(const Surface& s) {
  std::string out = "# w,b,L  (one block per w; gradlab figures)\n";
  for (int i = 0; i < s.grid.nw; ++i) {
    for (int j = 0; j < s.grid.nb; ++j)
      out += fmt::format("{},{},{}\n", num(s.grid.w(i)), num(s.grid.b(j)), num(s.loss(i, j)));
    out += '\n';
  }
  return out;
}

/// gradients.dat: "w,b,dL_dw,dL_db,arrow_w,arrow_b"; the arrow is -grad scaled so that the longest
/// one spans 90% of a coarse cell, with length proportional to sqrt|grad| (small gradients stay visible).
std::string arrows_text(const std::vector<Arrow>& arrows, const Grid& grid) {
  const double n = std::sqrt(static_cast<double>(arrows.size()));
  const double cell = std::min(grid.w_max - grid.w_min, grid.b_max - grid.b_min) / std::max(1.0, n - 1.0);
  double longest = 0.0;
  for (const Arrow& a : arrows) longest = std::max(longest, std::sqrt(std::hypot(a.dw, a.db)));
  std::string out = "# w,b,dL_dw,dL_db,arrow_w,arrow_b  (arrow = -grad, length ~ sqrt|grad|)\n";
  for (const Arrow& a : arrows) {
    const double norm = std::hypot(a.dw, a.db);
    const double k = norm > 0.0 && longest > 0.0 ? 0.9 * cell * std::sqrt(norm) / longest / norm : 0.0;
    out += fmt::format("{},{},{},{},{},{}\n", num(a.w), num(a.b), num(a.dw), num(a.db), num(-k * a.dw),
                       num(-k * a.db));
  }
  return out;
}

std::string ranges(const Grid& g) {
  return fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\nset xlabel \"w\"\nset ylabel \"b\"\n",
                     num(g.w_min), num(g.w_max), num(g.b_min), num(g.b_max));
}

// Blue for low loss, red for high (as in the article), through a light grey.
constexpr const char* palette = "set palette defined (0 \"#3b4cc0\", 0.5 \"#dddddd\", 1 \"#b40426\")\n";

std::string map_background(const Grid& g, const std::string& loss_label) {
  return ranges(g) + palette +
         fmt::format(
             "set view map\nset contour base\nset cntrparam levels 20\nunset clabel\nset cblabel {}\n"
             "set key top right opaque box\n",
             gp_string(loss_label));
}

/// The surface as a colour map with black contour lines (the first plots of an splot).
constexpr const char* map_plots =
    "'surface.dat' using 1:2:3 with pm3d nocontour notitle, \\\n"
    "     '' using 1:2:3 nosurface with lines lc rgb \"black\" lw 0.6 notitle";

int mark_every(const Trajectory& t) { return std::max<int>(1, static_cast<int>(t.rows.size()) / 40); }

void check_one_input(const Trajectory& t, const char* where) {
  if (t.rows.empty() || t.param_names.size() != 2)
    throw ShapeError(
        fmt::format("{}: needs a non-empty trajectory of a one-input neuron (w, b), got {} parameters", where,
                    t.param_names.size()));
}

void loss_curve(Writer& out, const Trajectory& t, const std::string& title) {
  const std::size_t loss_col = t.param_names.size() + 2;  // epoch, params..., loss
  out.script(
      "loss_curve", "loss_curve.png",
      fmt::format(
          "set title {}\nset xlabel \"epoch\"\nset ylabel {}\nset logscale y\nset grid\n"
          "set format y \"%.0e\"\n"
          "plot 'trajectory.csv' skip 1 using 1:{} with lines lw 2 lc rgb \"#b40426\" title \"loss\"\n",
          gp_string(title + ": loss against epoch"), gp_string(out.options().loss_label), loss_col));
}

}  // namespace

Report write_loss_curve(const std::string& dir, const Trajectory& trajectory, const std::string& title,
                        const Options& options) {
  if (trajectory.rows.empty()) throw Error("figures::write_loss_curve: the trajectory is empty");
  Writer out(dir, options);
  out.file("trajectory.csv", trajectory_text(trajectory));
  loss_curve(out, trajectory, title);
  return out.report();
}

Report write_landscape(const std::string& dir, const Surface& surface, const std::vector<Arrow>& arrows,
                       const Trajectory& trajectory, const std::string& title, const Options& options) {
  check_one_input(trajectory, "figures::write_landscape");
  if (options.frames < 2)
    throw Error(fmt::format("figures: descent.gif needs at least 2 frames, got {}", options.frames));
  Writer out(dir, options);
  const Grid& g = surface.grid;
  out.file("trajectory.csv", trajectory_text(trajectory));
  out.file("surface.dat", surface_text(surface));
  out.file("gradients.dat", arrows_text(arrows, g));
  const std::string label = gp_string(options.loss_label);
  const int every = mark_every(trajectory);

  out.script("loss_surface", "loss_surface.png",
             ranges(g) + palette +
                 fmt::format("set title {}\nset zlabel {} rotate\nset view 50, 35\nset xyplane 0\n"
                             "set key top right\nset cblabel {}\n"
                             "splot 'surface.dat' using 1:2:3 with pm3d notitle, \\\n"
                             "     'trajectory.csv' skip 1 using 2:3:4 with lines lw 2.5 lc rgb \"black\" "
                             "title \"gradient descent\", \\\n"
                             "     '' skip 1 every {} using 2:3:4 with points pt 7 ps 0.9 lc rgb \"black\" "
                             "title \"every {} epochs\"\n",
                             gp_string(title + ": loss surface"), label, label, every, every));

  out.script("contour", "contour.png",
             map_background(g, options.loss_label) +
                 fmt::format("set title {}\n"
                             "splot {}, \\\n"
                             "     'gradients.dat' using 1:2:(0):5:6:(0) nocontour with vectors head filled "
                             "size screen 0.008,20 lc rgb \"#1a7f37\" title \"-grad L (autodiff)\", \\\n"
                             "     'trajectory.csv' skip 1 using 2:3:(0) nocontour with lines lw 2.5 lc rgb "
                             "\"black\" title \"gradient descent\", \\\n"
                             "     '' skip 1 every {} using 2:3:(0) nocontour with points pt 7 ps 0.9 lc rgb "
                             "\"black\" notitle\n",
                             gp_string(title + ": contour map"), map_plots, every));

  loss_curve(out, trajectory, title);

  // descent.gif: the path grows frame by frame; the point is shown on the surface and below it.
  const int last = trajectory.rows.back().epoch;
  out.script(
      "descent", "descent.gif",
      ranges(g) + palette +
          fmt::format("set zlabel {} rotate\nset view 50, 35\nset xyplane 0\nunset colorbox\n"
                      "set key top right\nfloor = {}\nlast = {}\nframes = {}\n"
                      "do for [k = 0:frames - 1] {{\n"
                      "  e = int(k * last / (frames - 1))\n"
                      "  set title sprintf(\"%s: epoch %d\", {}, e)\n"
                      "  splot 'surface.dat' every 4:4 using 1:2:3 with pm3d notitle, \\\n"
                      "        'trajectory.csv' skip 1 every ::0::e using 2:3:4 with lines lw 2 lc rgb "
                      "\"black\" notitle, \\\n"
                      "        '' skip 1 every ::e::e using 2:3:4 with points pt 7 ps 1.6 lc rgb \"black\" "
                      "title \"L(w, b)\", \\\n"
                      "        '' skip 1 every ::0::e using 2:3:(floor) with lines lc rgb \"#555555\" "
                      "notitle, \\\n"
                      "        '' skip 1 every ::e::e using 2:3:(floor) with points pt 7 ps 1.2 lc rgb "
                      "\"#555555\" title \"(w, b)\"\n"
                      "}}\n",
                      label, num(surface.loss.minCoeff()), last, options.frames, gp_string(title)),
      true);
  return out.report();
}

Report write_optimizer_paths(const std::string& dir, const Surface& surface,
                             const std::vector<std::pair<std::string, Trajectory>>& runs,
                             const std::string& title, const Options& options) {
  if (runs.empty()) throw Error("figures::write_optimizer_paths: no optimizer runs given");
  Writer out(dir, options);
  if (!fs::exists(fs::path(dir) / "surface.dat")) out.file("surface.dat", surface_text(surface));
  static constexpr std::array<const char*, 8> colours{"black",   "#e66100", "#5d3a9b", "#1a7f37",
                                                      "#0072b2", "#cc79a7", "#b40426", "#444444"};
  std::string plots = map_plots;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const auto& [name, t] = runs[k];
    check_one_input(t, "figures::write_optimizer_paths");
    const std::string file = "trajectory_" + name + ".csv";
    out.file(file, trajectory_text(t));
    plots += fmt::format(
        ", \\\n     '{}' skip 1 using 2:3:(0) nocontour with linespoints lw 2 pt 7 ps 0.6 pi {} lc rgb "
        "\"{}\" "
        "title {}",
        file, mark_every(t), colours[k % colours.size()], gp_string(name));
  }
  out.script("optimizers", "optimizers.png",
             map_background(surface.grid, options.loss_label) +
                 fmt::format("set title {}\nsplot {}\n",
                             gp_string(title + ": optimizers from the same start"), plots));
  return out.report();
}

Report write_activation_plots(const std::string& dir, const Options& options, int points) {
  if (points < 2)
    throw Error(fmt::format("figures::write_activation_plots: need at least 2 points, got {}", points));
  Writer out(dir, options);
  for (const ActivationInfo* act : activation_list()) {
    const std::string name(act->name);
    std::string data = "# x,f(x),f'(x)  (value and hand-derived derivative from the activation record)\n";
    for (int i = 0; i < points; ++i) {
      const double x = act->domain.lo + (act->domain.hi - act->domain.lo) * i / (points - 1);
      data += fmt::format("{},{},{}\n", num(x), num(act->value(x)), num(act->d(x)));
    }
    out.file("activation_" + name + ".dat", data);
    const std::string alpha = act->parametric() ? fmt::format(" (alpha = {})", *act->default_alpha) : "";
    out.script(
        "activation_" + name, "activation_" + name + ".png",
        fmt::format("set title {}\nset xlabel \"x\"\nset grid\nset xzeroaxis\nset yzeroaxis\n"
                    "set key top left box opaque\n"
                    "plot 'activation_{}.dat' using 1:2 with lines lw 2.5 lc rgb \"#0072b2\" title {}, \\\n"
                    "     '' using 1:3 with lines lw 2.5 dt 2 lc rgb \"#b40426\" title {}\n",
                    gp_string(name + alpha + ": " + std::string(act->kink)), name,
                    gp_string(std::string(act->formula)), gp_string(std::string(act->derivative))));
  }
  return out.report();
}

ArticleFigures write_article(const std::string& dir, const Options& options) {
  ArticleFigures fig;
  fig.trajectory = article::run_gradient_descent();
  const Neuron start = article::start();
  fig.surface = loss_surface(start, article::inputs(), article::targets(), article_grid());
  fig.arrows = gradient_arrows(start, article::inputs(), article::targets(), article_grid());
  fig.report = write_landscape(dir, fig.surface, fig.arrows, fig.trajectory,
                               "sigmoid neuron (w0 = 0, b0 = -8, eta = 1)", options);
  return fig;
}

std::vector<std::pair<std::string, Trajectory>> article_optimizer_runs(const std::vector<std::string>& names,
                                                                       int epochs, double learning_rate) {
  std::vector<std::pair<std::string, Trajectory>> runs;
  for (const std::string& name : names) {
    OptimizerOptions o;
    o.learning_rate = learning_rate > 0.0 ? learning_rate : (name == "gd" ? article::learning_rate : 0.1);
    auto opt = make_optimizer(name, o);
    Neuron n = article::start();
    runs.emplace_back(name, train(n, article::inputs(), article::targets(), *opt, {.max_epochs = epochs}));
  }
  return runs;
}

}  // namespace gradlab::figures
