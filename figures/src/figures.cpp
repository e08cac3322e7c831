#include "gradlab/figures.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include "gradlab/neuron/article.hpp"

extern char** environ;  // NOLINT: POSIX; passed on to gnuplot

namespace gradlab::figures {

namespace fs = std::filesystem;

std::string gnuplot_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\'')
      out += "''";
    else if (u < 0x20 || u == 0x7f)
      out += '?';
    else
      out += c;
  }
  return out + "'";
}

void prepare_output_dir(const std::string& dir) {
  if (dir.empty()) throw Error("figures: the output directory name is empty");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("figures: cannot create the directory '{}': {}", dir, ec.message()));
  if (!fs::is_directory(dir, ec)) throw Error(fmt::format("figures: '{}' is not a directory", dir));
  // A probe file with a unique name (nothing of the user's is touched), removed at once.
  std::string probe = (fs::path(dir) / ".gradlab-probe.XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0)
    throw Error(fmt::format("figures: cannot write into the directory '{}': {}", dir, std::strerror(errno)));
  ::close(fd);
  fs::remove(probe, ec);
}

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
                     const Grid& grid, double scale, Eigen::Index max_samples) {
  if (neuron.inputs() != 1)
    throw ShapeError(
        fmt::format("figures::loss_surface: the surface L(w, b) needs a one-input neuron, this one has {}",
                    neuron.inputs()));
  if (grid.nw < 2 || grid.nb < 2)
    throw Error(fmt::format("figures::loss_surface: the grid needs at least 2 x 2 points, got {} x {}",
                            grid.nw, grid.nb));
  if (X.rows() != y.size())
    throw ShapeError(fmt::format("figures::loss_surface: X has {} rows (samples) but y has {} targets",
                                 X.rows(), y.size()));
  if (max_samples < 1)
    throw Error(fmt::format("figures::loss_surface: max_samples must be at least 1, got {}", max_samples));
  const Eigen::Index n = X.rows();
  const Eigen::Index m = std::min(n, max_samples);
  Surface s{grid, Eigen::MatrixXd(grid.nw, grid.nb), m};
  // Rows k n / m for k < m: every row when m = n, else an evenly spaced subset.
  std::vector<Eigen::Index> rows(static_cast<std::size_t>(m));
  for (Eigen::Index k = 0; k < m; ++k) rows[static_cast<std::size_t>(k)] = k * n / m;
  const Eigen::MatrixXd Xs = m == n ? X : Eigen::MatrixXd(X(rows, Eigen::all));
  const Eigen::VectorXd ys = m == n ? y : Eigen::VectorXd(y(rows));
  const double k = m == n ? scale : scale * static_cast<double>(n) / static_cast<double>(m);
  Neuron at = neuron;
  for (int i = 0; i < grid.nw; ++i)
    for (int j = 0; j < grid.nb; ++j) {
      at.set_params(Eigen::Vector2d(grid.w(i), grid.b(j)));
      s.loss(i, j) = k * at.loss(Xs, ys);
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

/// A child process's exit status (-1: it could not be started) and what it wrote to stderr.
struct RunResult {
  int status = -1;
  std::string messages;
};

/// Runs argv[0] (looked up in PATH) with these arguments in directory `dir`, without a shell: no
/// word of argv is ever parsed, and a directory named `-` or `-x` is just a directory. stdin and
/// stdout are /dev/null; stderr goes to an unnamed temporary file (std::tmpfile: nothing on disk to
/// delete afterwards), read back into `messages`.
RunResult run_program(const std::vector<std::string>& argv, const std::string& dir) {
  RunResult result;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log(std::tmpfile(), &std::fclose);
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return result;
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (log)
    posix_spawn_file_actions_adddup2(&actions, fileno(log.get()), 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (!dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    result.messages = fmt::format("cannot run {}: {}", argv[0], std::strerror(spawned));
    return result;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return result;
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (log) {
    std::rewind(log.get());
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, log.get())) > 0;) result.messages.append(buf, n);
  }
  return result;
}

/// A name as a file-name stem: letters, digits, '_', '-', '.' and '+' are kept, anything else
/// (a '/', a quote, a control character) becomes '_'; the stem always follows a fixed prefix.
std::string file_stem(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) != 0 || c == '_' || c == '-' || c == '.' || c == '+' ? c : '_';
  }
  return out.empty() ? "_" : out;
}

/// Writes files into one directory and runs gnuplot there.
class Writer {
 public:
  Writer(const std::string& dir, const Options& options) : options_(options) {
    report_.dir = dir;
    prepare_output_dir(dir);
    if (options.width < 800 || options.height < 600)
      throw Error(
          fmt::format("figures: images must be at least 800x600, got {}x{}", options.width, options.height));
    report_.gnuplot_missing = run_program({options.gnuplot, "--version"}, "").status != 0;
  }

  void file(const std::string& name, const std::string& content) {
    const fs::path path = fs::path(report_.dir) / name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    out.close();
    if (!out) throw Error(fmt::format("figures: cannot write '{}'", path.string()));
    report_.files.push_back(name);
  }

  /// Writes NAME.gp (the script body after the terminal lines) and renders IMAGE with it. NAME and
  /// IMAGE are file names made by this code (fixed, or a file_stem). gnuplot draws into a
  /// temporary file with a unique name, which becomes IMAGE only when gnuplot succeeded: a failed
  /// script leaves no empty or half-written image.
  void script(const std::string& name, const std::string& image, const std::string& body, bool gif = false) {
    const std::string terminal =
        gif ? fmt::format("set terminal gif animate delay 10 size {},{} noenhanced",
                          std::max(800, options_.width * 4 / 5), std::max(600, options_.height * 4 / 5))
            : fmt::format("set terminal pngcairo size {},{} noenhanced font 'Sans,11'", options_.width,
                          options_.height);
    file(name + ".gp",
         fmt::format("# gradlab figure: edit and re-render with `gnuplot {}.gp` in this directory.\n"
                     "set encoding utf8\n{}\n"
                     "set output (exists('gradlab_output') ? gradlab_output : {})\n"
                     "set datafile separator comma\n{}",
                     name, terminal, gnuplot_quote(image), body));
    if (report_.gnuplot_missing) return;
    std::string temp = (fs::path(report_.dir) / ("." + image + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
      report_.errors.push_back(
          fmt::format("cannot create a temporary file in {}: {}", report_.dir, std::strerror(errno)));
      return;
    }
    ::close(fd);
    const std::string temp_name = fs::path(temp).filename().string();
    const RunResult r = run_program(
        {options_.gnuplot, "-e", "gradlab_output = " + gnuplot_quote(temp_name), "./" + name + ".gp"},
        report_.dir);
    std::error_code ec;
    if (r.status != 0 || fs::file_size(temp, ec) == 0 || ec) {
      fs::remove(temp, ec);  // ours: made by mkstemp above
      report_.errors.push_back(fmt::format("gnuplot failed on {}.gp: {}", name, r.messages));
      return;
    }
    fs::rename(temp, fs::path(report_.dir) / image, ec);
    if (ec) {
      fs::remove(temp, ec);
      report_.errors.push_back(fmt::format("cannot write {}: {}", image, ec.message()));
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
             gnuplot_quote(loss_label));
}

/// The surface as a colour map with black contour lines (the first plots of an splot).
constexpr const char* map_plots =
    "'surface.dat' using 1:2:3 with pm3d nocontour notitle, \\\n"
    "     '' using 1:2:3 nosurface with lines lc rgb \"black\" lw 0.6 notitle";

/// The smallest finite value (0 when there is none): the height of descent.gif's floor.
double finite_min(const Eigen::MatrixXd& m) {
  double lo = std::numeric_limits<double>::infinity();
  for (const double v : m.reshaped())
    if (std::isfinite(v)) lo = std::min(lo, v);
  return std::isfinite(lo) ? lo : 0.0;
}

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
          gnuplot_quote(title + ": loss against epoch"), gnuplot_quote(out.options().loss_label), loss_col));
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

namespace {

/// Checks that a curve has one entry per epoch, or none.
void check_column(const EpochCurves& c, const std::vector<double>& column, const char* name) {
  if (!column.empty() && column.size() != c.epoch.size())
    throw ShapeError(fmt::format("figures::write_training_curves: {} has {} entries for {} epochs", name,
                                 column.size(), c.epoch.size()));
}

/// One plot line per present column: "'history.csv' skip 1 using 1:K ..." (K is the column number).
std::string curve_plots(const std::vector<std::pair<std::size_t, std::string>>& columns) {
  static constexpr std::array<const char*, 2> colours{"#b40426", "#0072b2"};
  std::vector<std::string> plots;
  for (std::size_t k = 0; k < columns.size(); ++k)
    plots.push_back(fmt::format("'history.csv' skip 1 using 1:{} with lines lw 2 lc rgb \"{}\" title \"{}\"",
                                columns[k].first, colours[k % colours.size()], columns[k].second));
  return fmt::format("{}", fmt::join(plots, ", \\\n     "));
}

}  // namespace

Report write_training_curves(const std::string& dir, const EpochCurves& c, const std::string& title,
                             const Options& options) {
  if (c.epoch.empty()) throw Error("figures::write_training_curves: no epochs");
  check_column(c, c.loss, "loss");
  if (c.loss.empty()) throw ShapeError("figures::write_training_curves: the loss column is empty");
  check_column(c, c.accuracy, "accuracy");
  check_column(c, c.validation_loss, "validation_loss");
  check_column(c, c.validation_accuracy, "validation_accuracy");
  // the columns present, in this order: epoch, loss, [accuracy], [validation_loss], [validation_accuracy]
  std::vector<std::pair<std::string, const std::vector<double>*>> columns{{"loss", &c.loss}};
  if (!c.accuracy.empty()) columns.emplace_back("accuracy", &c.accuracy);
  if (!c.validation_loss.empty()) columns.emplace_back("validation_loss", &c.validation_loss);
  if (!c.validation_accuracy.empty()) columns.emplace_back("validation_accuracy", &c.validation_accuracy);
  std::string csv = "epoch";
  for (const auto& col : columns) csv += fmt::format(",{}", col.first);
  csv += '\n';
  for (std::size_t i = 0; i < c.epoch.size(); ++i) {
    csv += std::to_string(c.epoch[i]);
    for (const auto& col : columns) csv += fmt::format(",{}", num((*col.second)[i]));
    csv += '\n';
  }
  const auto column_of = [&columns](const std::string& name) {
    for (std::size_t k = 0; k < columns.size(); ++k)
      if (columns[k].first == name) return k + 2;  // gnuplot counts from 1, and column 1 is the epoch
    return std::size_t{0};
  };
  Writer out(dir, options);
  out.file("history.csv", csv);
  std::vector<std::pair<std::size_t, std::string>> losses{{column_of("loss"), "training"}};
  if (const std::size_t k = column_of("validation_loss")) losses.emplace_back(k, "validation");
  out.script("loss_curves", "loss_curves.png",
             fmt::format("set title {}\nset xlabel \"epoch\"\nset ylabel \"mean loss\"\nset logscale y\n"
                         "set grid\nset format y \"%.0e\"\nset key top right\nplot {}\n",
                         gnuplot_quote(title + ": loss against epoch"), curve_plots(losses)));
  if (const std::size_t k = column_of("accuracy")) {
    std::vector<std::pair<std::size_t, std::string>> accuracies{{k, "training"}};
    if (const std::size_t v = column_of("validation_accuracy")) accuracies.emplace_back(v, "validation");
    out.script(
        "accuracy_curves", "accuracy_curves.png",
        fmt::format("set title {}\nset xlabel \"epoch\"\nset ylabel \"accuracy\"\nset yrange [0:1.05]\n"
                    "set grid\nset key bottom right\nplot {}\n",
                    gnuplot_quote(title + ": accuracy against epoch"), curve_plots(accuracies)));
  }
  return out.report();
}

DecisionField field_around(const Eigen::MatrixXd& points, int n) {
  if (points.cols() != 2 || points.rows() == 0)
    throw ShapeError(fmt::format("figures::field_around: needs samples with two inputs, got {} x {}",
                                 points.rows(), points.cols()));
  if (n < 2) throw Error(fmt::format("figures::field_around: needs at least 2 x 2 points, got {}", n));
  if (!points.allFinite()) throw Error("figures::field_around: a sample is not finite");
  DecisionField f;
  const Eigen::Vector2d lo = points.colwise().minCoeff(), hi = points.colwise().maxCoeff();
  const Eigen::Vector2d pad = (0.1 * (hi - lo)).cwiseMax(0.5);
  f.x_min = lo[0] - pad[0];
  f.x_max = hi[0] + pad[0];
  f.y_min = lo[1] - pad[1];
  f.y_max = hi[1] + pad[1];
  f.nx = f.ny = n;
  return f;
}

Report write_decision_boundary(const std::string& dir, const DecisionField& f, const Eigen::MatrixXd& points,
                               const Eigen::VectorXi& labels, const std::string& title,
                               const Options& options) {
  if (f.nx < 2 || f.ny < 2 || f.value.rows() != f.nx || f.value.cols() != f.ny)
    throw ShapeError(
        fmt::format("figures::write_decision_boundary: the field is {} x {} for a grid of {} x {}",
                    f.value.rows(), f.value.cols(), f.nx, f.ny));
  if (f.classes < 2)
    throw Error(fmt::format("figures::write_decision_boundary: needs at least 2 classes, got {}", f.classes));
  if (points.cols() != 2 || points.rows() != labels.size())
    throw ShapeError(fmt::format(
        "figures::write_decision_boundary: the samples are {} x {} with {} labels (need n x 2 and n labels)",
        points.rows(), points.cols(), labels.size()));
  Writer out(dir, options);
  std::string grid = "# x1,x2,value  (one block per x1; gradlab figures)\n";
  for (int i = 0; i < f.nx; ++i) {
    for (int j = 0; j < f.ny; ++j)
      grid += fmt::format("{},{},{}\n", num(f.x(i)), num(f.y(j)), num(f.value(i, j)));
    grid += '\n';
  }
  out.file("boundary.dat", grid);
  std::string samples = "x1,x2,label\n";
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    samples += fmt::format("{},{},{}\n", num(points(i, 0)), num(points(i, 1)), labels[i]);
  out.file("samples.csv", samples);
  const bool binary = f.classes == 2;
  std::vector<std::string> levels;
  for (int k = 0; k + 1 < f.classes; ++k) levels.push_back(fmt::format("{}.5", k));
  out.script(
      "decision_boundary", "decision_boundary.png",
      fmt::format(
          "set title {}\nset xrange [{}:{}]\nset yrange [{}:{}]\nset xlabel {}\nset ylabel {}\n{}"
          "set cbrange [0:{}]\nset cblabel {}\nset view map\nset contour base\n"
          "set cntrparam levels discrete {}\nunset clabel\nset key top right opaque box\n"
          "splot 'boundary.dat' using 1:2:3 with pm3d nocontour notitle, \\\n"
          "     '' using 1:2:3 nosurface with lines lc rgb \"black\" lw 2 title \"decision boundary\", \\\n"
          "     'samples.csv' skip 1 using 1:2:(0) nocontour with points pt 7 ps 1.6 lc rgb \"black\" "
          "notitle, \\\n"
          "     '' skip 1 using 1:2:(0):3 nocontour with points pt 7 ps 1.1 lc palette "
          "title \"samples (colour: class)\"\n",
          gnuplot_quote(title + ": decision boundary"), num(f.x_min), num(f.x_max), num(f.y_min),
          num(f.y_max), gnuplot_quote(f.x_label), gnuplot_quote(f.y_label), palette, f.classes - 1,
          binary ? "\"P(class 1)\"" : "\"predicted class\"", fmt::join(levels, ",")));
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
  const std::string label = gnuplot_quote(options.loss_label);
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
                             gnuplot_quote(title + ": loss surface"), label, label, every, every));

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
                             gnuplot_quote(title + ": contour map"), map_plots, every));

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
                      label, num(finite_min(surface.loss)), last, options.frames, gnuplot_quote(title)),
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
    const std::string file = "trajectory_" + file_stem(name) + ".csv";
    out.file(file, trajectory_text(t));
    plots += fmt::format(
        ", \\\n     {} skip 1 using 2:3:(0) nocontour with linespoints lw 2 pt 7 ps 0.6 pi {} lc rgb "
        "\"{}\" "
        "title {}",
        gnuplot_quote(file), mark_every(t), colours[k % colours.size()], gnuplot_quote(name));
  }
  out.script("optimizers", "optimizers.png",
             map_background(surface.grid, options.loss_label) +
                 fmt::format("set title {}\nsplot {}\n",
                             gnuplot_quote(title + ": optimizers from the same start"), plots));
  return out.report();
}

Report write_activation_plots(const std::string& dir, const Options& options, int points) {
  if (points < 2)
    throw Error(fmt::format("figures::write_activation_plots: need at least 2 points, got {}", points));
  Writer out(dir, options);
  std::set<std::string> stems;
  for (const ActivationInfo* act : activation_list()) {
    const std::string name(act->name);
    // The files are named after a file_stem of the name, made unique (two names may share a stem).
    std::string stem = "activation_" + file_stem(name);
    for (int k = 2; !stems.insert(stem).second; ++k)
      stem = fmt::format("activation_{}_{}", file_stem(name), k);
    std::string data = "# x,f(x),f'(x)  (value and hand-derived derivative from the activation record)\n";
    for (int i = 0; i < points; ++i) {
      const double x = act->domain.lo + (act->domain.hi - act->domain.lo) * i / (points - 1);
      data += fmt::format("{},{},{}\n", num(x), num(act->value(x)), num(act->d(x)));
    }
    out.file(stem + ".dat", data);
    const std::string alpha = act->parametric() ? fmt::format(" (alpha = {})", *act->default_alpha) : "";
    out.script(
        stem, stem + ".png",
        fmt::format("set title {}\nset xlabel \"x\"\nset grid\nset xzeroaxis\nset yzeroaxis\n"
                    "set key top left box opaque\n"
                    "plot {} using 1:2 with lines lw 2.5 lc rgb \"#0072b2\" title {}, \\\n"
                    "     '' using 1:3 with lines lw 2.5 dt 2 lc rgb \"#b40426\" title {}\n",
                    gnuplot_quote(name + alpha + ": " + std::string(act->kink)), gnuplot_quote(stem + ".dat"),
                    gnuplot_quote(std::string(act->formula)), gnuplot_quote(std::string(act->derivative))));
  }
  return out.report();
}

ArticleFigures write_article(const std::string& dir, const Options& options, const article::Setup& setup) {
  ArticleFigures fig;
  fig.trajectory = article::run_gradient_descent(GradMethod::Formula, setup);
  const Neuron start = article::start();
  // the article's window, or one around the path from another start
  const bool own_start = setup.w0 == article::w0 && setup.b0 == article::b0;
  const Grid grid = own_start ? article_grid() : grid_around(fig.trajectory);
  fig.surface = loss_surface(start, article::inputs(), article::targets(), grid);
  fig.arrows = gradient_arrows(start, article::inputs(), article::targets(), grid);
  fig.report = write_landscape(
      dir, fig.surface, fig.arrows, fig.trajectory,
      fmt::format("sigmoid neuron (w0 = {}, b0 = {}, eta = {})", setup.w0, setup.b0, setup.learning_rate),
      options);
  return fig;
}

std::vector<std::pair<std::string, Trajectory>> article_optimizer_runs(const std::vector<std::string>& names,
                                                                       int epochs, double learning_rate,
                                                                       const article::Setup& start) {
  std::vector<std::pair<std::string, Trajectory>> runs;
  for (const std::string& name : names) {
    OptimizerOptions o;
    o.learning_rate = learning_rate > 0.0 ? learning_rate : (name == "gd" ? article::learning_rate : 0.1);
    auto opt = make_optimizer(name, o);
    Neuron n = article::start(start);
    runs.emplace_back(name, train(n, article::inputs(), article::targets(), *opt, {.max_epochs = epochs}));
  }
  return runs;
}

}  // namespace gradlab::figures
