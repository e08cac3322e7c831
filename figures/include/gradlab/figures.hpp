#pragma once
/// @file figures.hpp
/// The article's pictures, drawn with gnuplot: the loss surface L(w, b) with the descent path, its
/// contour map with autodiff gradient arrows, the loss curve, the animated descent, several
/// optimizers' paths, and each registered activation with its derivative.
///
/// Every figure is made in three steps, so that a user can restyle and re-render it by hand:
///   1. the numbers go into plain data files (surface.dat, gradients.dat, trajectory.csv, ...),
///      written with 17 significant digits;
///   2. a gnuplot script NAME.gp that reads them is written beside them;
///   3. `gnuplot NAME.gp` is run in that directory and writes NAME.png (or descent.gif).
/// When gnuplot cannot be run, steps 1 and 2 still happen and the report says so.
///
/// Nothing a user typed runs as code. Every piece of text from outside (titles, labels, names of
/// files, columns, activations and optimizers) enters a script only through gnuplot_quote, and
/// file names are made from names by a stem of letters, digits and `_-.+`. gnuplot is started
/// without a shell (an argument vector, the directory set by the spawn), so any directory name
/// works, including `-` and `-x`. Images are drawn into uniquely named temporary files that replace
/// the image only when gnuplot succeeds; gnuplot's messages go to an unnamed temporary file. No
/// file that gradlab did not create is removed.
#include <Eigen/Core>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gradlab/neuron/article.hpp"
#include "gradlab/neuron/neuron.hpp"
#include "gradlab/neuron/optimizer.hpp"

namespace gradlab::figures {

/// The one function through which text enters a gnuplot script: a single-quoted gnuplot string,
/// inside which gnuplot expands nothing (no backquote commands, no at-sign macros, no backslash
/// escapes). A `'` is doubled and every control character (a newline would end the command)
/// becomes `?`.
std::string gnuplot_quote(std::string_view text);

/// Creates the directory (and its parents) and checks that a file can be created in it, with a
/// probe file of a unique name that is removed at once. Throws Error naming the directory. Called
/// by every writer below; call it before long work whose figures go there.
void prepare_output_dir(const std::string& dir);

/// A rectangle of the (w, b) plane, sampled at nw x nb points (both ends included).
struct Grid {
  double w_min = -2.0;
  double w_max = 6.0;
  double b_min = -10.0;
  double b_max = 2.0;
  int nw = 200;
  int nb = 200;
  [[nodiscard]] double w(int i) const { return w_min + (w_max - w_min) * i / (nw - 1); }
  [[nodiscard]] double b(int j) const { return b_min + (b_max - b_min) * j / (nb - 1); }
};

/// The article's plotting ranges: w in [-2, 6], b in [-10, 2], 200 x 200 points.
Grid article_grid();
/// A grid around a path (w, b from a one-input trajectory) with a margin on each side.
Grid grid_around(const Trajectory& trajectory, int n = 200);

/// L sampled on a grid: loss(i, j) = L(w_i, b_j).
struct Surface {
  Grid grid;
  Eigen::MatrixXd loss;
  Eigen::Index samples = 0;  ///< how many rows of the data the surface was computed from
};

/// loss_surface uses at most this many samples: a 200 x 200 surface then costs at most 4e7
/// loss terms whatever the size of the data set.
inline constexpr Eigen::Index kSurfaceSamples = 1000;

/// The loss of a one-input neuron over the grid, times `scale` (1 for the summed loss, 1/n for the
/// mean). Each point is the neuron's own L(w, b) on the data, so the surface is the function the
/// optimizer descends. With more than `max_samples` rows it is computed from `max_samples` evenly
/// spaced rows and rescaled by n / max_samples (an estimate of the same function; `samples` says so).
Surface loss_surface(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                     const Grid& grid, double scale = 1.0, Eigen::Index max_samples = kSurfaceSamples);

/// The gradient of L at one point, by autodiff.
struct Arrow {
  double w, b;    ///< where
  double dw, db;  ///< dL/dw, dL/db (times the surface's scale)
};
/// Autodiff gradients on a coarse nw x nb grid spanning the same rectangle.
std::vector<Arrow> gradient_arrows(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                   const Grid& grid, int n = 15, double scale = 1.0);

/// How figures are drawn.
struct Options {
  std::string gnuplot = "gnuplot";  ///< the gnuplot program (a path, or a name looked up in PATH)
  int width = 1000;                 ///< PNG size in pixels (at least 800 x 600)
  int height = 750;
  int frames = 40;  ///< frames of descent.gif (at least 30)
  std::string loss_label = "L(w, b)";
};

/// What was written: files in order, the images among them, and problems while rendering.
struct Report {
  std::string dir;
  std::vector<std::string> files;   ///< every file written (data, scripts, images), relative to dir
  std::vector<std::string> images;  ///< the rendered .png / .gif files, relative to dir
  bool gnuplot_missing = false;     ///< gnuplot could not be run: images were not rendered
  std::vector<std::string> errors;  ///< a script that gnuplot failed on, with its message
  /// Adds another report's files and problems.
  void merge(const Report& other);
};

/// The figures of a one-input run (the article's, or training on one feature): trajectory.csv,
/// surface.dat, gradients.dat and loss_surface, contour, loss_curve and descent (.gp, .png / .gif).
/// The path is drawn on the surface as given (it must have one input: columns w and b).
Report write_landscape(const std::string& dir, const Surface& surface, const std::vector<Arrow>& arrows,
                       const Trajectory& trajectory, const std::string& title, const Options& options = {});

/// trajectory.csv and loss_curve (.gp, .png) for a run with any number of inputs.
Report write_loss_curve(const std::string& dir, const Trajectory& trajectory, const std::string& title,
                        const Options& options = {});

/// The per-epoch numbers of a network run (history.csv). accuracy and the validation columns are
/// empty when the run has none (a regression; no validation split); otherwise one entry per epoch.
struct EpochCurves {
  std::vector<int> epoch;
  std::vector<double> loss, accuracy, validation_loss, validation_accuracy;
};

/// history.csv and loss_curves (.gp, .png): the training and validation loss against the epoch
/// (log scale); for a classifier also accuracy_curves (.gp, .png). Non-finite losses (a diverged
/// run) are written as they are and left out of the plot by gnuplot.
Report write_training_curves(const std::string& dir, const EpochCurves& curves, const std::string& title,
                             const Options& options = {});

/// A classifier's output over a rectangle of its two inputs: value(i, j) at (x(i), y(j)), both ends
/// included. For two classes the value is the probability of class 1 and the boundary is the level
/// 1/2; for K > 2 classes it is the predicted class 0..K-1 and the boundaries are the levels k + 1/2.
struct DecisionField {
  double x_min = 0.0, x_max = 1.0, y_min = 0.0, y_max = 1.0;
  int nx = 121, ny = 121;
  Eigen::MatrixXd value;  ///< nx x ny
  int classes = 2;
  std::string x_label = "x1", y_label = "x2";
  [[nodiscard]] double x(int i) const { return x_min + (x_max - x_min) * i / (nx - 1); }
  [[nodiscard]] double y(int j) const { return y_min + (y_max - y_min) * j / (ny - 1); }
};

/// The grid of a DecisionField around the samples (n x 2): their range padded by 10% (at least 0.5)
/// on each side; `value` is left empty for the caller to fill.
DecisionField field_around(const Eigen::MatrixXd& points, int n = 121);

/// boundary.dat, samples.csv and decision_boundary (.gp, .png): the field as a colour map, the
/// boundary as a black line, and the samples (n x 2, their class labels 0..K-1) as points coloured
/// by class.
Report write_decision_boundary(const std::string& dir, const DecisionField& field,
                               const Eigen::MatrixXd& points, const Eigen::VectorXi& labels,
                               const std::string& title, const Options& options = {});

/// optimizers.png: each named run's path over the contour map, with a legend. Writes
/// trajectory_<name>.csv for each run and optimizers.gp.
Report write_optimizer_paths(const std::string& dir, const Surface& surface,
                             const std::vector<std::pair<std::string, Trajectory>>& runs,
                             const std::string& title, const Options& options = {});

/// activation_<name>.dat / .gp / .png for every registered activation: f and f' over its domain,
/// both taken from the record (value and the hand-derived d).
Report write_activation_plots(const std::string& dir, const Options& options = {}, int points = 401);

/// The article's figures: its gradient-descent run over its surface (see article.hpp).
struct ArticleFigures {
  Trajectory trajectory;
  Surface surface;
  std::vector<Arrow> arrows;
  Report report;
};
ArticleFigures write_article(const std::string& dir, const Options& options = {},
                             const article::Setup& setup = {});

/// The article's problem solved by each named optimizer from the article's start (or the setup's), for
/// `epochs` epochs at learning rate `learning_rate` (0: the article's 1.0 for gd, and 0.1 for the others:
/// momentum's velocity sums about 1 / (1 - mu) = 10 gradients, and the adaptive ones step about
/// eta per epoch whatever the gradient's size).
std::vector<std::pair<std::string, Trajectory>> article_optimizer_runs(const std::vector<std::string>& names,
                                                                       int epochs = 1000,
                                                                       double learning_rate = 0.0,
                                                                       const article::Setup& start = {});

}  // namespace gradlab::figures
