#include "gradlab/neuron/neuron.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace gradlab {

namespace {
std::string shape(const Eigen::MatrixXd& m) { return fmt::format("{}x{}", m.rows(), m.cols()); }

// The record's functions for each number type: double, Var, and MatVar (a whole column, the loss
// summed over it). They let Neuron::sample_loss be written once.
double loss_logit(const LossInfo& l, double z, double y) { return l.value_logit(z, y); }
Var loss_logit(const LossInfo& l, const Var& z, double y) { return l.value_logit_var(z, y); }
Var loss_logit(const LossInfo& l, const MatVar& z, const MatVar& y) { return l.value_logit_matrix(z, y); }
double loss_value(const LossInfo& l, double f, double y) { return l.value(f, y); }
Var loss_value(const LossInfo& l, const Var& f, double y) { return l.value_var(f, y); }
Var loss_value(const LossInfo& l, const MatVar& f, const MatVar& y) { return l.value_matrix(f, y); }
double activate(const ActivationInfo& a, double z, double alpha, ActivationPath) {
  return a.value_fn(z, alpha);
}
Var activate(const ActivationInfo& a, const Var& z, double alpha, ActivationPath path) {
  return path == ActivationPath::Fused ? a.apply_fused(z, alpha) : a.composite_fn(z, alpha);
}
MatVar activate(const ActivationInfo& a, const MatVar& z, double alpha, ActivationPath path) {
  return path == ActivationPath::Fused ? a.apply_fused(z, alpha) : a.composite_matrix_fn(z, alpha);
}
/// check_output on one sample's output, or on each of a column of them.
void check_outputs(const LossInfo& l, double f, Eigen::Index first, std::string_view act) {
  l.check_output(f, static_cast<std::size_t>(first), act);
}
void check_outputs(const LossInfo& l, const Var& f, Eigen::Index first, std::string_view act) {
  l.check_output(f.value(), static_cast<std::size_t>(first), act);
}
void check_outputs(const LossInfo& l, const MatVar& f, Eigen::Index first, std::string_view act) {
  if (!l.output_range) return;
  const auto fv = f.value();
  for (Eigen::Index i = 0; i < fv.rows(); ++i)
    l.check_output(fv(i, 0), static_cast<std::size_t>(first + i), act);
}

/// Multiply-adds spent on pre-activations z = X w + b by this thread (see neuron_work()).
thread_local std::uint64_t multiply_adds = 0;
}  // namespace

std::uint64_t detail::neuron_work() { return multiply_adds; }

// loss(act(z), y), or the loss's logit form on z when it absorbs the activation. For MatVar, z and y
// are whole columns and the result is the sum over the entries; `first` numbers the first sample
// (for the messages of check_output).
template <class Z, class Y> auto Neuron::sample_loss(const Z& z, const Y& y, Eigen::Index first) const {
  if (loss_->uses_logit(*act_)) return loss_logit(*loss_, z, y);
  const Z f = activate(*act_, z, alpha_, path_);
  check_outputs(*loss_, f, first, act_->name);
  return loss_value(*loss_, f, y);
}

Neuron::Neuron(Eigen::VectorXd w, double b, std::string_view activation, std::string_view loss_name,
               std::optional<double> alpha)
    : w_(std::move(w)),
      b_(b),
      act_(&gradlab::activation(activation)),
      loss_(&gradlab::loss(loss_name)),
      alpha_(act_->resolve_alpha(alpha)) {
  if (w_.size() == 0) throw ShapeError("Neuron: w is empty (0x1); a neuron needs at least one input");
}

Eigen::VectorXd Neuron::params() const {
  Eigen::VectorXd theta(w_.size() + 1);
  theta << w_, b_;
  return theta;
}

void Neuron::set_params(const Eigen::VectorXd& theta) {
  if (theta.size() != w_.size() + 1)
    throw ShapeError(
        fmt::format("Neuron::set_params: theta is {} but a neuron with {} inputs needs {}x1 ([w, b])",
                    shape(theta), w_.size(), w_.size() + 1));
  w_ = theta.head(w_.size());
  b_ = theta[w_.size()];
}

std::vector<std::string> Neuron::param_names() const {
  std::vector<std::string> names;
  if (w_.size() == 1) {
    names.emplace_back("w");
  } else {
    for (Eigen::Index j = 0; j < w_.size(); ++j) names.push_back(fmt::format("w{}", j + 1));
  }
  names.emplace_back("b");
  return names;
}

void Neuron::check_data(const char* where, const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  if (X.cols() != w_.size())
    throw ShapeError(fmt::format("{}: X is {} ({} samples of {} features) but w is {} ({} inputs)", where,
                                 shape(X), X.rows(), X.cols(), shape(w_), w_.size()));
  if (X.rows() != y.size())
    throw ShapeError(fmt::format("{}: X is {} ({} samples) but y is {} ({} targets)", where, shape(X),
                                 X.rows(), shape(y), y.size()));
}

double Neuron::pre_activation(const Eigen::VectorXd& x) const {
  if (x.size() != w_.size())
    throw ShapeError(
        fmt::format("Neuron: x is {} but w is {}; they must have the same length", shape(x), shape(w_)));
  return w_.dot(x) + b_;
}

double Neuron::forward(const Eigen::VectorXd& x) const { return act_->value_fn(pre_activation(x), alpha_); }

Eigen::VectorXd Neuron::forward_batch(const Eigen::MatrixXd& X) const {
  check_data("Neuron::forward_batch", X, Eigen::VectorXd::Zero(X.rows()));
  Eigen::VectorXd f(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) f[i] = act_->value_fn(X.row(i).dot(w_) + b_, alpha_);
  return f;
}

// L(theta) = sum_i loss(act(w . x_i + b), y_i), on doubles.
double Neuron::loss_at(const Eigen::VectorXd& theta, const Eigen::MatrixXd& X,
                       const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  multiply_adds += static_cast<std::uint64_t>(X.rows() * d);
  Eigen::VectorXd z(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) z[i] = X.row(i).dot(theta.head(d)) + theta[d];
  return loss_of_z(z, y);
}

double Neuron::loss_of_z(const Eigen::VectorXd& z, const Eigen::VectorXd& y) const {
  double L = 0.0;
  for (Eigen::Index i = 0; i < z.size(); ++i) L += sample_loss(z[i], y[i], i);
  return L;
}

double Neuron::loss(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  check_data("Neuron::loss", X, y);
  return loss_at(params(), X, y);
}

Var Neuron::record_loss(std::span<const Var> theta, const Eigen::MatrixXd& X,
                        const Eigen::VectorXd& y) const {
  check_data("Neuron::record_loss", X, y);
  const auto d = static_cast<std::size_t>(w_.size());
  if (theta.size() != d + 1)
    throw ShapeError(
        fmt::format("Neuron::record_loss: {} parameter Vars given, a neuron with {} inputs needs {}",
                    theta.size(), d, d + 1));
  return record_rows(theta, X, y, 0, X.rows());
}

Var Neuron::record_rows(std::span<const Var> theta, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                        Eigen::Index first, Eigen::Index count) const {
  const auto d = static_cast<std::size_t>(w_.size());
  multiply_adds += static_cast<std::uint64_t>(count) * d;
  Var L = 0.0;
  for (Eigen::Index i = first; i < first + count; ++i) {
    Var z = theta[d];
    for (std::size_t j = 0; j < d; ++j) z = z + theta[j] * X(i, static_cast<Eigen::Index>(j));
    L = L + sample_loss(z, y[i], i);
  }
  return L;
}

bool Neuron::has_matrix_form() const {
  return (loss_->uses_logit(*act_) ? loss_->value_logit_matrix : loss_->value_matrix) != nullptr;
}

bool Neuron::uses_matrix_nodes(Eigen::Index samples) const {
  return samples > kScalarNodeRows && has_matrix_form();
}

GradMethod Neuron::resolve(GradMethod method, Eigen::Index samples) const {
  if (method != GradMethod::Autodiff) return method;
  return uses_matrix_nodes(samples) ? GradMethod::AutodiffMatrix : GradMethod::AutodiffScalar;
}

// L = sum_i loss(act(z_i), y_i) with z = X w + b: a handful of matrix nodes for the whole data set.
Var Neuron::record_loss(const MatVar& w, const Var& b, const Eigen::MatrixXd& X,
                        const Eigen::VectorXd& y) const {
  check_data("Neuron::record_loss", X, y);
  if (w.rows() != w_.size() || w.cols() != 1)
    throw ShapeError(fmt::format("Neuron::record_loss: w is {}x{} but a neuron with {} inputs needs {}x1",
                                 w.rows(), w.cols(), w_.size(), w_.size()));
  if (!has_matrix_form())
    throw Error(fmt::format(
        "Neuron::record_loss: loss '{}' has no matrix form (its value takes y as a double; make y's type a "
        "template parameter, as the built-in losses do)",
        loss_->name));
  return sample_loss(matmul(matrix_constant(X), w) + b, matrix_constant(y), 0);
}

// The scalar-node pass, recorded and swept in chunks of rows, one tape each: the memory stays below
// about kScalarTapeNodes nodes whatever the number of samples (one chunk, hence one tape, for up to
// kScalarTapeNodes / (2 d + 8) samples).
ValueAndGradient Neuron::scalar_value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  const Eigen::Index rows = std::max<Eigen::Index>(1, kScalarTapeNodes / (2 * d + 8));
  ValueAndGradient total{0.0, Eigen::VectorXd::Zero(d + 1)};
  for (Eigen::Index first = 0; first < X.rows(); first += rows) {
    const Eigen::Index count = std::min(rows, X.rows() - first);
    const ValueAndGradient r = value_and_grad(
        [&](const std::vector<Var>& theta) { return record_rows(theta, X, y, first, count); }, params());
    total.value += r.value;
    total.gradient += r.gradient;
  }
  return total;
}

ValueAndGradient Neuron::matrix_value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  Tape tape;
  TapeScope scope(tape);
  const MatVar w = matrix_variable(w_);
  const Var b = tape.variable(b_);
  const Var L = record_loss(w, b, X, y);
  const Gradients g = backward(L);
  Eigen::VectorXd dtheta(w_.size() + 1);
  dtheta << g[w], g[b];
  return {L.value(), dtheta};
}

// The engine's Hessian over the mixed variables (w, b).
Eigen::MatrixXd Neuron::matrix_hessian(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  Tape tape;
  TapeScope scope(tape);
  const MatVar w = matrix_variable(w_);
  const Var b = tape.variable(b_);
  return gradlab::hessian(record_loss(w, b, X, y), {w, b});
}

// dL/dw = sum_i g_i x_i, dL/db = sum_i g_i with g_i = dL_i/dz_i = loss'(f_i, y_i) act'(z_i)
// (or the loss's own dL/dz when it absorbs the activation).
Eigen::VectorXd Neuron::formula_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  Eigen::VectorXd g = Eigen::VectorXd::Zero(d + 1);
  multiply_adds += static_cast<std::uint64_t>(2 * X.rows() * d);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const double z = X.row(i).dot(w_) + b_;
    double dz = 0.0;
    if (loss_->uses_logit(*act_)) {
      dz = loss_->d_logit(z, y[i]);
    } else {
      const double f = act_->value_fn(z, alpha_);
      loss_->check_output(f, static_cast<std::size_t>(i), act_->name);
      dz = loss_->d(f, y[i]) * act_->d_fn(z, alpha_);
    }
    g.head(d) += dz * X.row(i).transpose();
    g[d] += dz;
  }
  return g;
}

// Moving theta_k by t moves every z_i by t x_ik (or by t, for b): z = X w + b is computed once, and
// each of the 2 (d + 1) evaluations of L costs O(n), so the whole gradient costs O(n d).
Eigen::VectorXd Neuron::numeric_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  multiply_adds += static_cast<std::uint64_t>(X.rows() * d);
  Eigen::VectorXd z(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) z[i] = X.row(i).dot(w_) + b_;
  const Eigen::VectorXd theta = params();
  Eigen::VectorXd g(d + 1);
  Eigen::VectorXd moved(z.size());
  for (Eigen::Index k = 0; k <= d; ++k) {
    g[k] = central_difference(
        [&](double t) {
          if (k < d)
            moved = z + (t - theta[k]) * X.col(k);
          else
            moved = z.array() + (t - theta[k]);
          return loss_of_z(moved, y);
        },
        theta[k]);
  }
  return g;
}

Eigen::VectorXd Neuron::gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                 GradMethod method) const {
  check_data("Neuron::gradient", X, y);
  switch (resolve(method, X.rows())) {
    case GradMethod::Autodiff:
    case GradMethod::AutodiffScalar:
      return scalar_value_and_gradient(X, y).gradient;
    case GradMethod::AutodiffMatrix:
      return matrix_value_and_gradient(X, y).gradient;
    case GradMethod::Formula:
      return formula_gradient(X, y);
    case GradMethod::Numeric:
      return numeric_gradient(X, y);
  }
  throw Error("Neuron::gradient: unknown method");
}

ValueAndGradient Neuron::value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                            GradMethod method) const {
  check_data("Neuron::value_and_gradient", X, y);
  switch (resolve(method, X.rows())) {
    case GradMethod::AutodiffScalar:
      return scalar_value_and_gradient(X, y);
    case GradMethod::AutodiffMatrix:
      return matrix_value_and_gradient(X, y);
    default:
      return {loss_at(params(), X, y), gradient(X, y, method)};
  }
}

Eigen::MatrixXd Neuron::hessian(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, GradMethod method) const {
  check_data("Neuron::hessian", X, y);
  switch (resolve(method, X.rows())) {
    case GradMethod::AutodiffScalar:
      return gradlab::hessian([&](const std::vector<Var>& theta) { return record_loss(theta, X, y); },
                              params());
    case GradMethod::AutodiffMatrix:
      return matrix_hessian(X, y);
    default:
      throw Error(
          "Neuron::hessian: the Hessian is computed by autodiff only (method Autodiff, AutodiffScalar or "
          "AutodiffMatrix)");
  }
}

CrossCheckReport Neuron::cross_check(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  CrossCheckReport r;
  r.has_matrix_nodes = has_matrix_form();
  const Eigen::VectorXd a = gradient(X, y, GradMethod::AutodiffScalar);
  const Eigen::VectorXd m = r.has_matrix_nodes ? gradient(X, y, GradMethod::AutodiffMatrix)
                                               : Eigen::VectorXd::Constant(a.size(), std::nan(""));
  const Eigen::VectorXd f = gradient(X, y, GradMethod::Formula);
  const Eigen::VectorXd n = gradient(X, y, GradMethod::Numeric);
  const std::vector<std::string> names = param_names();
  for (Eigen::Index k = 0; k < a.size(); ++k) {
    CrossCheckRow row{"dL/d" + names[static_cast<std::size_t>(k)], a[k], m[k], f[k], n[k], {}};
    const auto compare = [&](double u, double v) {
      row.diff.include(u, v);
      r.all.include(u, v);
    };
    compare(a[k], f[k]);
    compare(n[k], f[k]);
    compare(a[k], n[k]);
    r.autodiff_vs_formula.include(a[k], f[k]);
    r.numeric_vs_formula.include(n[k], f[k]);
    if (r.has_matrix_nodes) {
      compare(m[k], f[k]);
      compare(m[k], a[k]);
      compare(m[k], n[k]);
      r.matrix_vs_formula.include(m[k], f[k]);
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

std::string CrossCheckReport::table() const {
  std::vector<std::vector<std::string>> cells;
  for (const CrossCheckRow& r : rows)
    cells.push_back({r.parameter, full_precision(r.autodiff),
                     has_matrix_nodes ? full_precision(r.autodiff_matrix) : "n/a", full_precision(r.formula),
                     full_precision(r.numeric), short_sci(r.diff.abs), short_sci(r.diff.rel)});
  cells.push_back({"max", "", "", "", "", short_sci(all.abs), short_sci(all.rel)});
  return format_table({"parameter", "autodiff (scalar nodes)", "autodiff (matrix nodes)", "hand formula",
                       "central diff", "max abs diff", "max rel diff"},
                      cells);
}

}  // namespace gradlab
