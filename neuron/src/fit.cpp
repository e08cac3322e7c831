#include "gradlab/neuron/fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "gradlab/autodiff/fixed_order.hpp"

namespace gradlab {

Eigen::MatrixXd Standardization::apply(Eigen::MatrixXd X) const {
  if (X.cols() != mean.size())
    throw ShapeError(fmt::format("Standardization::apply: X has {} columns but the map was made for {}",
                                 X.cols(), mean.size()));
  for (Eigen::Index j = 0; j < X.cols(); ++j) X.col(j) = (X.col(j).array() - mean[j]) / scale[j];
  return X;
}

Eigen::VectorXd Standardization::raw_weights(const Eigen::VectorXd& w) const {
  if (w.size() != scale.size())
    throw ShapeError(fmt::format("Standardization::raw_weights: w has {} entries but the map was made for {}",
                                 w.size(), scale.size()));
  return w.cwiseQuotient(scale);
}

double Standardization::raw_bias(const Eigen::VectorXd& w, double b) const {
  const Eigen::VectorXd raw = raw_weights(w);
  if (raw.size() == 0) return b;
  double shift = raw[0] * mean[0];
  for (Eigen::Index j = 1; j < raw.size(); ++j) shift += raw[j] * mean[j];
  return b - shift;
}

Standardization standardization(const Eigen::MatrixXd& X, const std::vector<std::string>& names) {
  if (X.rows() == 0) throw ShapeError("standardization: X has no rows");
  if (!names.empty() && static_cast<Eigen::Index>(names.size()) != X.cols())
    throw ShapeError(
        fmt::format("standardization: X has {} columns but {} names are given", X.cols(), names.size()));
  const auto name = [&](Eigen::Index j) {
    return names.empty() ? fmt::format("column {}", j + 1)
                         : fmt::format("column '{}'", names[static_cast<std::size_t>(j)]);
  };
  Standardization s{Eigen::VectorXd(X.cols()), Eigen::VectorXd(X.cols())};
  for (Eigen::Index j = 0; j < X.cols(); ++j) {  // one column at a time, without a copy of X
    // Two passes on the column divided by a power of two p near max |x| (exact, so that for ordinary
    // numbers the result is bit for bit the unscaled one): the squares neither overflow (values of
    // 1e200) nor underflow (spreads of 1e-200).
    const double top = X.col(j).cwiseAbs().maxCoeff();
    int e = 0;
    std::frexp(top, &e);
    const double p = top > 0.0 ? std::ldexp(1.0, e - 1) : 1.0;  // p <= top < 2 p
    // the column's sums in one fixed order of addition (fixed_order.hpp), so every build has the
    // same digits; one column of scratch, never a copy of X
    Eigen::VectorXd xs = X.col(j) / p;
    const double n = static_cast<double>(X.rows());
    const double mean = fixed_order::sum(xs.data(), X.rows()) / n;
    // scale_j = sqrt((1/n) sum_i (x_ij - mean_j)^2)
    xs = (xs.array() - mean).square().matrix();
    const double sd = std::sqrt(fixed_order::sum(xs.data(), X.rows()) / n);
    s.mean[j] = mean * p;
    s.scale[j] = sd * p;
    if (!(s.scale[j] > 0.0)) s.scale[j] = 1.0;  // a constant column is only centred
    // Every standardized value must be a number.
    if (!std::isfinite(s.mean[j]) || !std::isfinite(s.scale[j]) ||
        !((X.col(j).array() - s.mean[j]) / s.scale[j]).isFinite().all())
      throw Error(fmt::format(
          "standardization: {} cannot be standardized: its values span more than the range of a double",
          name(j)));
  }
  return s;
}

namespace {
/// A mean over no samples is 0/0: refuse it, naming the function.
void check_not_empty(const char* where, const Eigen::MatrixXd& X) {
  if (X.rows() == 0) throw ShapeError(fmt::format("{}: there are no samples (X is 0 rows)", where));
}
}  // namespace

double mean_loss(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  check_not_empty("mean_loss", X);
  return neuron.loss(X, y) / static_cast<double>(X.rows());
}

Eigen::VectorXd mean_gradient(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                              GradMethod method) {
  check_not_empty("mean_gradient", X);
  return neuron.gradient(X, y, method) / static_cast<double>(X.rows());
}

double accuracy(const Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  check_not_empty("accuracy", X);
  if (X.rows() != y.size())
    throw ShapeError(
        fmt::format("accuracy: X has {} rows (samples) but y has {} targets", X.rows(), y.size()));
  const Eigen::VectorXd f = neuron.forward_batch(X);
  Eigen::Index right = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) right += (f[i] >= 0.5) == (y[i] >= 0.5) ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(y.size());
}

Trajectory fit(Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Optimizer& optimizer,
               const FitOptions& options) {
  if (options.epochs < 0) throw Error(fmt::format("fit: epochs must be >= 0, got {}", options.epochs));
  if (options.batch < 0) throw Error(fmt::format("fit: batch must be >= 0, got {}", options.batch));
  check_not_empty("fit", X);
  const Eigen::Index n = X.rows();
  const Eigen::Index batch = (options.batch == 0 || options.batch > n) ? n : options.batch;

  Trajectory out;
  out.param_names = neuron.param_names();
  out.stop_reason = "max epochs";
  out.loss_convention = "mean";
  Eigen::VectorXd theta = neuron.params();
  optimizer.reset(theta.size());
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::mt19937_64 rng(options.seed);

  for (int epoch = 0;; ++epoch) {
    neuron.set_params(theta);
    if (!theta.allFinite()) {  // a step overflowed: nothing left to evaluate
      out.rows.push_back(diverged_row(epoch, theta));
      out.stop_reason = "diverged";
      break;
    }
    // the mean loss and its gradient in one pass (autodiff on matrix nodes for a large data set)
    const ValueAndGradient vg = neuron.value_and_gradient(X, y, options.method);
    const Eigen::VectorXd g = vg.gradient / static_cast<double>(n);
    out.rows.push_back({epoch, theta, vg.value / static_cast<double>(n), g});
    if (options.on_epoch) options.on_epoch(out.rows.back());
    if (!finite_row(out.rows.back())) {
      out.stop_reason = "diverged";
      break;
    }
    if (epoch == options.epochs) break;
    if (batch == n) {  // the full batch: one step from the gradient just computed
      optimizer.step(theta, g);
      continue;
    }
    std::shuffle(order.begin(), order.end(), rng);
    for (Eigen::Index start = 0; start < n; start += batch) {
      const Eigen::Index size = std::min(batch, n - start);
      const std::vector<Eigen::Index> idx(order.begin() + start, order.begin() + start + size);
      neuron.set_params(theta);
      optimizer.step(theta, mean_gradient(neuron, X(idx, Eigen::all), y(idx), options.method));
    }
  }
  return out;
}

namespace {
/// The largest |f'| over the activation's sampling domain (its peak slope).
double peak_slope(const Neuron& neuron) {
  const ActivationInfo& a = neuron.activation();
  double peak = 0.0;
  for (int k = 0; k <= 1000; ++k) {
    const double x = a.domain.lo + (a.domain.hi - a.domain.lo) * k / 1000.0;
    peak = std::max(peak, std::abs(a.d_fn(x, neuron.alpha())));
  }
  return peak;
}
}  // namespace

std::vector<TrainingProblem> diagnose_training(const Trajectory& t, const Neuron& neuron,
                                               const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                               std::string_view target) {
  std::vector<TrainingProblem> out;
  if (t.rows.empty()) return out;
  const ActivationInfo& act = neuron.activation();
  const std::string name(act.name);

  // A target the activation can never give.
  if (act.range) {
    const Domain r = *act.range;
    Eigen::Index outside = 0, first = -1;
    for (Eigen::Index i = 0; i < y.size(); ++i)
      if (y[i] < r.lo || y[i] > r.hi) {
        if (first < 0) first = i;
        ++outside;
      }
    if (outside > 0)
      out.push_back(
          {"target_outside_range",
           fmt::format("{} of the {} values of '{}' lie outside [{}, {}], the outputs {} can give "
                       "(the first: {} in sample {}), so the loss cannot reach 0 there; rescale the "
                       "target, choose another --activation, or for class labels train a classifier "
                       "(--loss ce)",
                       outside, y.size(), target, fmt::format("{:g}", r.lo), fmt::format("{:g}", r.hi), name,
                       fmt::format("{:g}", y[first]), first + 1)});
  }

  // A start that does not move: every gradient 0, or the activation flat at every sample.
  const TrajectoryRow& start = t.rows.front();
  const double L0 = start.loss;
  const auto plateau = [&] {  // the first epoch whose loss is 1% of the way down from the start
    const double last = t.rows.back().loss;
    for (const TrajectoryRow& r : t.rows)
      if (r.loss < L0 - 0.01 * (L0 - last))
        return fmt::format("; the loss stayed on a plateau until epoch {}", r.epoch);
    return std::string("; the loss never left it");
  };
  if (start.grad.allFinite() && (start.grad.array() == 0.0).all() && L0 > 0.0) {
    out.push_back({"stuck_start",
                   fmt::format("every gradient is exactly 0 at the start ({}'(z) = 0 at every sample), so "
                               "training never moves from there; start elsewhere (--init)",
                               name)});
  } else if (!neuron.loss_info().uses_logit(act) && X.rows() > 0 && std::isfinite(L0) && L0 > 0.0) {
    Neuron at_start = neuron;
    at_start.set_params(start.theta);
    const double peak = peak_slope(neuron);
    bool saturated = peak > 0.0;
    double zlo = std::numeric_limits<double>::infinity(), zhi = -zlo;
    for (Eigen::Index i = 0; i < X.rows() && saturated; ++i) {
      const double z = at_start.pre_activation(X.row(i).transpose());
      zlo = std::min(zlo, z);
      zhi = std::max(zhi, z);
      saturated = std::abs(act.d_fn(z, neuron.alpha())) < 0.01 * peak;
    }
    if (saturated)
      out.push_back({"saturated_start",
                     fmt::format("the start is saturated: {}'(z) is below 1% of its peak at every sample "
                                 "(z from {:.4g} to {:.4g}), so every gradient is nearly 0{} (the article's "
                                 "plateau: its start w = 0, b = -8 sits on one); a start nearer z = 0 "
                                 "trains faster",
                                 name, zlo, zhi, plateau())});
  }

  // Divergence, or a loss that went up.
  for (const TrajectoryRow& r : t.rows)
    if (!finite_row(r)) {
      out.push_back({"diverged",
                     fmt::format("the loss became {} at epoch {}; try a smaller --lr",
                                 std::isfinite(r.loss) ? "a non-finite parameter" : fmt::format("{}", r.loss),
                                 r.epoch)});
      return out;
    }
  double lowest = L0;
  int lowest_epoch = 0;
  for (const TrajectoryRow& r : t.rows)
    if (r.loss < lowest) {
      lowest = r.loss;
      lowest_epoch = r.epoch;
    }
  const TrajectoryRow& last = t.rows.back();
  if (last.loss > L0)
    out.push_back(
        {"loss_rose", fmt::format("the loss rose from {:.6g} at epoch 0 to {:.6g} at epoch {}: the steps "
                                  "overshoot; try a smaller --lr",
                                  L0, last.loss, last.epoch)});
  else if (last.loss > lowest + 0.5 * (L0 - lowest))
    out.push_back(
        {"loss_rose", fmt::format("the loss rose from its lowest, {:.6g} at epoch {}, to {:.6g} at epoch "
                                  "{}: the steps overshoot; try a smaller --lr",
                                  lowest, lowest_epoch, last.loss, last.epoch)});
  return out;
}

}  // namespace gradlab
