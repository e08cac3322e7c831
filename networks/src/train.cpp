#include "gradlab/networks/train.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gradlab/networks/random.hpp"

namespace gradlab {

namespace {
/// The rows idx[from, from + count) of M.
Eigen::MatrixXd gather(const Eigen::MatrixXd& M, const std::vector<Eigen::Index>& idx, std::size_t from,
                       std::size_t count) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(count), M.cols());
  for (std::size_t i = 0; i < count; ++i) out.row(static_cast<Eigen::Index>(i)) = M.row(idx[from + i]);
  return out;
}
}  // namespace

NetworkHistory fit_network(Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                           Optimizer& optimizer, const NetworkFitOptions& options,
                           const Eigen::MatrixXd* Xval, const Eigen::MatrixXd* Yval) {
  if (options.epochs < 0)
    throw Error(fmt::format("fit_network: epochs must be >= 0, got {}", options.epochs));
  if (options.batch < 0) throw Error(fmt::format("fit_network: batch must be >= 0, got {}", options.batch));
  net.check_data("fit_network", X, Y);
  if ((Xval == nullptr) != (Yval == nullptr))
    throw Error("fit_network: give both the validation inputs and targets, or neither");
  if (Xval != nullptr) net.check_data("fit_network (validation data)", *Xval, *Yval);
  const Eigen::Index n = X.rows();
  const Eigen::Index batch = (options.batch == 0 || options.batch > n) ? n : options.batch;

  NetworkHistory h;
  const auto record = [&](int epoch) {
    EpochRow r{epoch, net.mean_loss(X, Y), net.accuracy(X, Y), std::nullopt, std::nullopt};
    if (Xval != nullptr) {
      r.validation_loss = net.mean_loss(*Xval, *Yval);
      r.validation_accuracy = net.accuracy(*Xval, *Yval);
    }
    h.rows.push_back(r);
    if (options.on_epoch) options.on_epoch(r);
    return r.loss;
  };

  Eigen::VectorXd theta = net.flat_params();
  optimizer.reset(theta.size());
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  PortableRng rng(options.seed);
  Tape tape;
  const bool full = batch == n;
  double loss = record(0);
  for (int epoch = 1; epoch <= options.epochs && std::isfinite(loss); ++epoch) {
    if (!full) rng.shuffle(order);
    for (Eigen::Index start = 0; start < n; start += batch) {
      const auto count = static_cast<std::size_t>(std::min(batch, n - start));
      NetworkValueAndGradient vg;
      if (full) {
        vg = net.value_and_gradient(X, Y, tape);
      } else {
        const Eigen::MatrixXd Xb = gather(X, order, static_cast<std::size_t>(start), count);
        const Eigen::MatrixXd Yb = gather(Y, order, static_cast<std::size_t>(start), count);
        vg = net.value_and_gradient(Xb, Yb, tape);
      }
      optimizer.step(theta, flatten(vg.gradient));
      net.set_flat_params(theta);
    }
    loss = record(epoch);
  }
  if (!std::isfinite(loss)) {
    h.stopped_early = true;
    h.warning = fmt::format(
        "the training loss became {} at epoch {}: the steps diverged (try a smaller learning rate); training "
        "stopped",
        loss, h.rows.back().epoch);
  } else if (h.rows.size() > 1 && loss > h.rows.front().loss) {
    h.warning = fmt::format(
        "the training loss rose from {:.6g} at epoch 0 to {:.6g} at epoch {}: the steps may be diverging "
        "(try a "
        "smaller learning rate)",
        h.rows.front().loss, loss, h.rows.back().epoch);
  }
  return h;
}

DataSplit validation_split(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, double fraction,
                           std::uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw Error(fmt::format("validation_split: the fraction must be in [0, 1), got {}", fraction));
  if (X.rows() != Y.rows())
    throw ShapeError(fmt::format("validation_split: X has {} rows but Y has {}", X.rows(), Y.rows()));
  const Eigen::Index n = X.rows();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  Eigen::Index held = static_cast<Eigen::Index>(std::llround(fraction * static_cast<double>(n)));
  held = std::min(held, n - 1);
  DataSplit s;
  if (held > 0) {
    PortableRng rng(seed);
    rng.shuffle(order);
  }
  s.val_rows.assign(order.begin(), order.begin() + held);
  s.train_rows.assign(order.begin() + held, order.end());
  std::sort(s.val_rows.begin(), s.val_rows.end());
  std::sort(s.train_rows.begin(), s.train_rows.end());
  s.X_train = gather(X, s.train_rows, 0, s.train_rows.size());
  s.Y_train = gather(Y, s.train_rows, 0, s.train_rows.size());
  s.X_val = gather(X, s.val_rows, 0, s.val_rows.size());
  s.Y_val = gather(Y, s.val_rows, 0, s.val_rows.size());
  return s;
}

}  // namespace gradlab
