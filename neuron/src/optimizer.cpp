#include "gradlab/neuron/optimizer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <ostream>
#include <utility>

#include "gradlab/autodiff/fixed_order.hpp"

namespace gradlab {

namespace {

/// theta -= eta g
class GradientDescent final : public Optimizer {
 public:
  using Optimizer::Optimizer;
  [[nodiscard]] std::string_view name() const override { return "gd"; }
  void reset(Eigen::Index) override {}
  void step(Eigen::VectorXd& theta, const Eigen::VectorXd& g) override {
    theta -= options_.learning_rate * g;
  }
};

/// v = mu v + g;  theta -= eta v            (nesterov: theta -= eta (g + mu v))
class Momentum final : public Optimizer {
 public:
  Momentum(const OptimizerOptions& o, bool nesterov) : Optimizer(o), nesterov_(nesterov) {}
  [[nodiscard]] std::string_view name() const override { return nesterov_ ? "nesterov" : "momentum"; }
  void reset(Eigen::Index n) override { v_ = Eigen::VectorXd::Zero(n); }
  void step(Eigen::VectorXd& theta, const Eigen::VectorXd& g) override {
    v_ = options_.momentum * v_ + g;
    theta -= options_.learning_rate * (nesterov_ ? Eigen::VectorXd(g + options_.momentum * v_) : v_);
  }

 private:
  bool nesterov_;
  Eigen::VectorXd v_;
};

/// G += g^2;  theta -= eta g / (sqrt(G) + eps)
class Adagrad final : public Optimizer {
 public:
  using Optimizer::Optimizer;
  [[nodiscard]] std::string_view name() const override { return "adagrad"; }
  void reset(Eigen::Index n) override { sum_sq_ = Eigen::VectorXd::Zero(n); }
  void step(Eigen::VectorXd& theta, const Eigen::VectorXd& g) override {
    sum_sq_.array() += g.array().square();
    theta.array() -= options_.learning_rate * g.array() / (sum_sq_.array().sqrt() + options_.epsilon);
  }

 private:
  Eigen::VectorXd sum_sq_;
};

/// s = rho s + (1 - rho) g^2;  theta -= eta g / (sqrt(s) + eps)
class RmsProp final : public Optimizer {
 public:
  using Optimizer::Optimizer;
  [[nodiscard]] std::string_view name() const override { return "rmsprop"; }
  void reset(Eigen::Index n) override { mean_sq_ = Eigen::VectorXd::Zero(n); }
  void step(Eigen::VectorXd& theta, const Eigen::VectorXd& g) override {
    mean_sq_.array() = options_.rho * mean_sq_.array() + (1.0 - options_.rho) * g.array().square();
    theta.array() -= options_.learning_rate * g.array() / (mean_sq_.array().sqrt() + options_.epsilon);
  }

 private:
  Eigen::VectorXd mean_sq_;
};

/// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  theta -= eta m^ / (sqrt(v^) + eps)
class Adam final : public Optimizer {
 public:
  using Optimizer::Optimizer;
  [[nodiscard]] std::string_view name() const override { return "adam"; }
  void reset(Eigen::Index n) override {
    m_ = Eigen::VectorXd::Zero(n);
    v_ = Eigen::VectorXd::Zero(n);
    t_ = 0;
  }
  void step(Eigen::VectorXd& theta, const Eigen::VectorXd& g) override {
    ++t_;
    const double b1 = options_.beta1, b2 = options_.beta2;
    m_ = b1 * m_ + (1.0 - b1) * g;
    v_.array() = b2 * v_.array() + (1.0 - b2) * g.array().square();
    const double c1 = 1.0 - std::pow(b1, t_), c2 = 1.0 - std::pow(b2, t_);  // bias corrections
    theta.array() -=
        options_.learning_rate * (m_.array() / c1) / ((v_.array() / c2).sqrt() + options_.epsilon);
  }

 private:
  Eigen::VectorXd m_, v_;
  int t_ = 0;
};

struct Factory {
  const char* name;
  std::function<std::unique_ptr<Optimizer>(const OptimizerOptions&)> make;
};
const std::vector<Factory>& factories() {
  static const std::vector<Factory> f{
      {"gd", [](const OptimizerOptions& o) { return std::make_unique<GradientDescent>(o); }},
      {"momentum", [](const OptimizerOptions& o) { return std::make_unique<Momentum>(o, false); }},
      {"nesterov", [](const OptimizerOptions& o) { return std::make_unique<Momentum>(o, true); }},
      {"adagrad", [](const OptimizerOptions& o) { return std::make_unique<Adagrad>(o); }},
      {"rmsprop", [](const OptimizerOptions& o) { return std::make_unique<RmsProp>(o); }},
      {"adam", [](const OptimizerOptions& o) { return std::make_unique<Adam>(o); }},
  };
  return f;
}

}  // namespace

std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const Factory& f : factories()) names.emplace_back(f.name);
  return names;
}

namespace {
/// The hyper-parameters every rule can use: eta > 0 finite, the decays in [0, 1) (adam divides by
/// 1 - beta^t), epsilon >= 0 finite. Anything else would give NaN or runaway steps, silently.
void check_options(std::string_view name, const OptimizerOptions& o) {
  if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate))
    throw Error(fmt::format("optimizer '{}': learning_rate must be a finite number > 0, got {}", name,
                            o.learning_rate));
  const std::pair<const char*, double> decays[] = {
      {"momentum", o.momentum}, {"rho", o.rho}, {"beta1", o.beta1}, {"beta2", o.beta2}};
  for (const auto& [option, v] : decays)
    if (!(v >= 0.0 && v < 1.0))
      throw Error(fmt::format("optimizer '{}': {} must be in [0, 1), got {}", name, option, v));
  if (!(o.epsilon >= 0.0) || !std::isfinite(o.epsilon))
    throw Error(fmt::format("optimizer '{}': epsilon must be a finite number >= 0, got {}", name, o.epsilon));
}
}  // namespace

std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const OptimizerOptions& options) {
  for (const Factory& f : factories())
    if (name == f.name) {
      check_options(name, options);
      return f.make(options);
    }
  throw Error(
      fmt::format("unknown optimizer '{}'; known optimizers: {}", name, fmt::join(optimizer_names(), ", ")));
}

bool finite_row(const TrajectoryRow& row) { return std::isfinite(row.loss) && row.theta.allFinite(); }

TrajectoryRow diverged_row(int epoch, const Eigen::VectorXd& theta) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {epoch, theta, nan, Eigen::VectorXd::Constant(theta.size(), nan)};
}

Trajectory train(Neuron& neuron, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Optimizer& optimizer,
                 const TrainOptions& options) {
  if (options.max_epochs < 0)
    throw Error(fmt::format("train: max_epochs must be >= 0, got {}", options.max_epochs));
  Trajectory out;
  out.param_names = neuron.param_names();
  Eigen::VectorXd theta = neuron.params();
  optimizer.reset(theta.size());
  for (int epoch = 0;; ++epoch) {
    neuron.set_params(theta);
    if (!theta.allFinite()) {  // a step overflowed: nothing left to evaluate
      out.rows.push_back(diverged_row(epoch, theta));
      out.stop_reason = "diverged";
      break;
    }
    Eigen::VectorXd g = neuron.gradient(X, y, options.method);
    const double L = neuron.loss(X, y);
    out.rows.push_back({epoch, theta, L, g});
    if (!finite_row(out.rows.back())) {
      out.stop_reason = "diverged";
      break;
    }
    if (L < options.loss_tolerance) {
      out.stop_reason = "loss tolerance";
      break;
    }
    if (std::sqrt(fixed_order::squared_norm(g)) <
        options.grad_norm_tolerance) {  // same digits in every build
      out.stop_reason = "gradient-norm tolerance";
      break;
    }
    if (epoch == options.max_epochs) {
      out.stop_reason = "max epochs";
      break;
    }
    optimizer.step(theta, g);
  }
  return out;
}

void write_trajectory_csv(std::ostream& out, const Trajectory& t) {
  const std::string loss = "loss_" + t.loss_convention;
  std::vector<std::string> header{"epoch"};
  for (const std::string& p : t.param_names) header.push_back(p);
  header.push_back(loss);
  for (const std::string& p : t.param_names) header.push_back(fmt::format("d{}_d{}", loss, p));
  out << fmt::format("{}\n", fmt::join(header, ","));
  for (const TrajectoryRow& r : t.rows) {
    std::string line = std::to_string(r.epoch);
    for (double v : r.theta) line += fmt::format(",{:.17g}", v);
    line += fmt::format(",{:.17g}", r.loss);
    for (double v : r.grad) line += fmt::format(",{:.17g}", v);
    out << line << '\n';
  }
}

void write_trajectory_csv(const std::string& path, const Trajectory& t) {
  std::ofstream file(path);
  if (!file) throw Error(fmt::format("write_trajectory_csv: cannot open '{}' for writing", path));
  write_trajectory_csv(file, t);
  if (!file) throw Error(fmt::format("write_trajectory_csv: writing '{}' failed", path));
}

}  // namespace gradlab
