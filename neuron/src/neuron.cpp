#include "gradlab/neuron/neuron.hpp"

#include "gradlab/autodiff/fixed_order.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
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

using ConstRef = Eigen::Ref<const Eigen::MatrixXd>;

/// z_i = x_i1 w_1 + x_i2 w_2 + ... + x_id w_d + b for the m rows of X from `first` (into z[0..m)):
/// every pre-activation of the neuron is summed here, in this one order (fixed_order::matvec, then
/// b), which takes the same additions at any register width; a contiguous Eigen dot product would
/// add in an order that depends on it.
void pre_activations(const ConstRef& X, const double* w, double b, Eigen::Index first, Eigen::Index m,
                     double* z) {
  fixed_order::matvec(X.middleRows(first, m), w, z);
  for (Eigen::Index i = 0; i < m; ++i) z[i] += b;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // Eigen's packet types as template arguments
/// t.packet[k] = row k of the P x P block whose column q starts at c + q s (P doubles per register).
/// With AVX, from half-register loads: two shuffles per pair of rows (the shuffle unit is what limits
/// add_weighted_rows) where Eigen's transpose of four loaded columns takes four.
template <class Packet, int P>
void load_rows(Eigen::internal::PacketBlock<Packet, P>& t, const double* c, Eigen::Index s) {
  namespace ei = Eigen::internal;
#if defined(__AVX__)
  if constexpr (P == 4) {
    const auto halves = [](const double* lo, const double* hi) {
      return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(lo)), _mm_loadu_pd(hi), 1);
    };
    const __m256d a = halves(c, c + 2 * s), b = halves(c + s, c + 3 * s);  // rows 0, 1 of columns 0 2 / 1 3
    const __m256d a2 = halves(c + 2, c + 2 * s + 2), b2 = halves(c + s + 2, c + 3 * s + 2);  // rows 2, 3
    t.packet[0] = _mm256_unpacklo_pd(a, b);
    t.packet[1] = _mm256_unpackhi_pd(a, b);
    t.packet[2] = _mm256_unpacklo_pd(a2, b2);
    t.packet[3] = _mm256_unpackhi_pd(a2, b2);
    return;
  }
#endif
  for (int k = 0; k < P; ++k) t.packet[k] = ei::ploadu<Packet>(c + k * s);
  ei::ptranspose(t);
}

/// g_j += dz_0 x_0j + dz_1 x_1j + ... over the m rows of X from `first`, for every column j, each
/// g_j added to in order of the rows (the order of a loop over the samples). P columns at a time
/// (P doubles per register): P rows of them are transposed in registers, so that one register holds
/// g_j .. g_j+P-1 and each of its lanes adds its own column's terms in order; the same additions at
/// any register width. The columns and rows left over are added one by one, in the same order.
void add_weighted_rows(const ConstRef& X, const double* dz, Eigen::Index first, Eigen::Index m, double* g) {
  namespace ei = Eigen::internal;
  using Packet = ei::packet_traits<double>::type;
  constexpr int P = ei::packet_traits<double>::size;
  constexpr Eigen::Index kGroups = 8;  // registers of g kept at once
  const Eigen::Index d = X.cols();
  const Eigen::Index rows = m - m % P;
  Eigen::Index j0 = 0;
  while (j0 + P <= d) {
    const Eigen::Index groups = std::min(kGroups, (d - j0) / P);
    Packet acc[kGroups];
    for (Eigen::Index c = 0; c < groups; ++c) acc[c] = ei::ploadu<Packet>(g + j0 + c * P);
    for (Eigen::Index i = 0; i < rows; i += P)
      for (Eigen::Index c = 0; c < groups; ++c) {
        ei::PacketBlock<Packet, P> t;
        // t.packet[k]: row i + k of the P columns
        load_rows(t, X.col(j0 + c * P).data() + first + i, X.outerStride());
        for (int k = 0; k < P; ++k)
          acc[c] = ei::padd(acc[c], ei::pmul(ei::pset1<Packet>(dz[i + k]), t.packet[k]));
      }
    for (Eigen::Index c = 0; c < groups; ++c) ei::pstoreu(g + j0 + c * P, acc[c]);
    j0 += groups * P;
  }
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = j0; j < d; ++j) g[j] += dz[i] * X(first + i, j);
  for (Eigen::Index i = rows; i < m; ++i)
    for (Eigen::Index j = 0; j < d; ++j) g[j] += dz[i] * X(first + i, j);
}
#pragma GCC diagnostic pop

/// l_i and dL_i/dz_i of the m samples from their pre-activations z and targets y, by the hand
/// formula (`first` numbers the first sample, for the messages of check_output): f and f' from the
/// activation's block function, the losses and dL/df from the loss's, then the chain rule
/// dL/dz = dL/df f'(z); or the loss's own L and dL/dz from z when it absorbs the activation. f and df
/// are scratch of m entries. The formula pass (a block of samples) and sample_dz (one) both come here.
void losses_and_dz(const ActivationInfo& act, double alpha, const LossInfo& loss, const double* z,
                   const double* y, Eigen::Index first, Eigen::Index m, double* f, double* df, double* l,
                   double* dz) {
  const auto count = static_cast<std::size_t>(m);
  if (loss.uses_logit(act)) {
    loss.logit_values_and_d_fn(z, y, l, dz, count);
    return;
  }
  act.values_and_slopes_fn(z, f, df, count, alpha);
  if (loss.output_range)
    for (Eigen::Index i = 0; i < m; ++i)
      loss.check_output(f[i], static_cast<std::size_t>(first + i), act.name);
  loss.values_and_d_fn(f, y, l, dz, count);
  for (Eigen::Index i = 0; i < m; ++i) dz[i] *= df[i];  // dL/dz = dL/df f'(z)
}
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

std::vector<std::string> Neuron::param_names(const std::vector<std::string>& feature_names) const {
  if (!feature_names.empty() && static_cast<Eigen::Index>(feature_names.size()) != w_.size())
    throw ShapeError(fmt::format("Neuron::param_names: {} feature names given for a neuron with {} inputs",
                                 feature_names.size(), w_.size()));
  std::vector<std::string> names;
  for (const std::string& f : feature_names) names.push_back(fmt::format("w[{}]", f));
  if (feature_names.empty() && w_.size() == 1) names.emplace_back("w");
  if (feature_names.empty() && w_.size() > 1)
    for (Eigen::Index j = 0; j < w_.size(); ++j) names.push_back(fmt::format("w{}", j + 1));
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
  double z = 0.0;
  pre_activations(Eigen::Map<const Eigen::MatrixXd>(x.data(), 1, x.size()), w_.data(), b_, 0, 1, &z);
  return z;
}

double Neuron::forward(const Eigen::VectorXd& x) const { return act_->value_fn(pre_activation(x), alpha_); }

Eigen::VectorXd Neuron::forward_batch(const Eigen::MatrixXd& X) const {
  check_data("Neuron::forward_batch", X, Eigen::VectorXd::Zero(X.rows()));
  Eigen::VectorXd f(X.rows());
  pre_activations(X, w_.data(), b_, 0, X.rows(), f.data());
  for (Eigen::Index i = 0; i < X.rows(); ++i) f[i] = act_->value_fn(f[i], alpha_);
  return f;
}

// L(theta) = sum_i loss(act(w . x_i + b), y_i), on doubles.
double Neuron::loss_at(const Eigen::VectorXd& theta, const Eigen::MatrixXd& X,
                       const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  multiply_adds += static_cast<std::uint64_t>(X.rows() * d);
  Eigen::VectorXd z(X.rows());
  pre_activations(X, theta.data(), theta[d], 0, X.rows(), z.data());
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

void Neuron::check_matrix_form() const {
  if (!has_matrix_form())
    throw Error(fmt::format(
        "Neuron::record_loss: loss '{}' has no matrix form (its value takes y as a double; make y's type a "
        "template parameter, as the built-in losses do)",
        loss_->name));
}

// L = sum_i loss(act(z_i), y_i) with z = X w + b: a handful of matrix nodes for the whole data set.
Var Neuron::record_loss(const MatVar& w, const Var& b, const Eigen::MatrixXd& X,
                        const Eigen::VectorXd& y) const {
  check_data("Neuron::record_loss", X, y);
  if (w.rows() != w_.size() || w.cols() != 1)
    throw ShapeError(fmt::format("Neuron::record_loss: w is {}x{} but a neuron with {} inputs needs {}x1",
                                 w.rows(), w.cols(), w_.size(), w_.size()));
  check_matrix_form();
  return sample_loss(matmul(matrix_constant(X), w) + b, matrix_constant(y), 0);
}

namespace {
/// The tape of the matrix-node pass on this thread, kept between calls so that its columns' storage is
/// reused: a fresh tape's columns were page-faulted in on every call (about 2000 faults per call at
/// 10^5 x 100). A nested call (the tape in use) gets a tape of its own.
class ScratchTape {
 public:
  class Use {
   public:
    Use() : own_(scratch().busy_ ? std::make_unique<Tape>() : nullptr) {
      if (!own_) scratch().busy_ = true;
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() {
      if (!own_) scratch().busy_ = false;
    }
    Tape& tape() { return own_ ? *own_ : scratch().tape_; }

   private:
    std::unique_ptr<Tape> own_;
  };

 private:
  static ScratchTape& scratch() {
    thread_local ScratchTape s;
    return s;
  }
  Tape tape_;
  bool busy_ = false;
};

/// The value and gradient summed over blocks of rows: block(first, count) for first = 0, rows,
/// 2 rows, ..., added in that order (so the result depends on the block size only).
template <class Block>
ValueAndGradient sum_over_blocks(Eigen::Index n, Eigen::Index rows, const Block& block) {
  ValueAndGradient total = block(Eigen::Index{0}, std::min(rows, n));
  for (Eigen::Index first = rows; first < n; first += rows) {
    const ValueAndGradient r = block(first, std::min(rows, n - first));
    total.value += r.value;
    total.gradient += r.gradient;
  }
  return total;
}
}  // namespace

// The scalar-node pass, recorded and swept in chunks of rows, one tape each: the memory stays below
// about kScalarTapeNodes nodes whatever the number of samples (one chunk, hence one tape, for up to
// kScalarTapeNodes / (2 d + 8) samples).
ValueAndGradient Neuron::scalar_value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  return sum_over_blocks(
      X.rows(), std::max<Eigen::Index>(1, kScalarTapeNodes / (2 * d + 8)),
      [&](Eigen::Index first, Eigen::Index count) {
        return value_and_grad(
            [&](const std::vector<Var>& theta) { return record_rows(theta, X, y, first, count); }, params());
      });
}

// The matrix-node pass on the rows of X (samples numbered from `first` in messages), recorded on the
// active tape after clearing it (the caller's, so that the blocks of one pass reuse its storage).
ValueAndGradient Neuron::matrix_block_value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                                         Eigen::Index first) const {
  Tape& tape = Tape::current();
  tape.clear();
  const MatVar w = matrix_variable(w_);
  const Var b = tape.variable(b_);
  const Var L = sample_loss(matmul(matrix_constant(X), w) + b, matrix_constant(y), first);
  const Gradients g = backward(L);
  Eigen::VectorXd dtheta(w_.size() + 1);
  dtheta << g[w], g[b];
  return {L.value(), dtheta};
}

Eigen::Index Neuron::matrix_block_rows(Eigen::Index inputs) {
  return std::max<Eigen::Index>(256, static_cast<Eigen::Index>(kMatrixBlockBytes) / (8 * (inputs + 12)));
}

// Data larger than the caches are taken in blocks of matrix_block_rows() rows, one tape each, the
// block's rows copied out of X: each block's columns (z, f, the loss, their adjoints) stay in the
// cache while its nodes are recorded and swept, and X is read from memory once. On the whole of 10^6
// x 20 they streamed through the memory, 8 MB each, several times per epoch, and X twice: 2.0 times
// the hand-written epoch's time. Smaller data are not copied: they are in the cache already.
//
// With kMatrixWholeInputs inputs or more, the whole data go on one tape: the block's rows of a
// column-major X are d separate short runs, which the memory delivers at about half the speed of
// whole columns, and the dozen columns the blocks keep in the cache are small beside X's d. Blocks of
// 1 to 16 MiB took 1.1 to 1.4 times the whole pass at 10^5 x 100 (1.2 times at 4 10^5 x 100); at
// 20 inputs they took 0.92 of it from 2 10^5 rows on; about even at 40 (measured at 2 10^5 rows).
ValueAndGradient Neuron::matrix_value_and_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  check_matrix_form();
  ScratchTape::Use use;
  TapeScope scope(use.tape());
  const Eigen::Index rows = matrix_block_rows(w_.size());
  if (w_.size() >= kMatrixWholeInputs || X.rows() <= 4 * rows)
    return matrix_block_value_and_gradient(X, y, 0);
  Eigen::MatrixXd Xb;
  Eigen::VectorXd yb;
  return sum_over_blocks(X.rows(), rows, [&](Eigen::Index first, Eigen::Index count) {
    Xb.resize(count, X.cols());
    for (Eigen::Index k = 0; k < X.cols(); ++k) Xb.col(k) = X.col(k).segment(first, count);
    yb = y.segment(first, count);
    return matrix_block_value_and_gradient(Xb, yb, first);
  });
}

// The engine's Hessian over the mixed variables (w, b).
Eigen::MatrixXd Neuron::matrix_hessian(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  Tape tape;
  TapeScope scope(tape);
  const MatVar w = matrix_variable(w_);
  const Var b = tape.variable(b_);
  return gradlab::hessian(record_loss(w, b, X, y), {w, b});
}

double Neuron::sample_dz(double z, double y, Eigen::Index i) const {
  double f = 0.0, df = 0.0, l = 0.0, dz = 0.0;
  losses_and_dz(*act_, alpha_, *loss_, &z, &y, i, 1, &f, &df, &l, &dz);
  return dz;
}

Eigen::Index Neuron::formula_block_rows(Eigen::Index inputs) {
  return std::clamp<Eigen::Index>(kFormulaBlockBytes / (8 * inputs) / 16 * 16, 16, 4096);
}

// L = sum_i l_i and dL/dw = sum_i g_i x_i, dL/db = sum_i g_i with g_i = dL_i/dz_i = loss'(f_i, y_i)
// act'(z_i) (or the loss's own L and dL/dz from z when it absorbs the activation), in ONE pass over
// X, a block of formula_block_rows(d) rows at a time: the block's z, then f and f' (one call of the
// activation's block function), the losses and dL/df (one call of the loss's), dL/dz (losses_and_dz),
// and the block's terms added to L and to the gradient. Every sum adds its terms in order of the
// samples (and z in order of the features, pre_activations), as a loop over the samples would: the
// digits do not depend on the block size or on the register width.
ValueAndGradient Neuron::formula_value_and_gradient(const Eigen::MatrixXd& X,
                                                    const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  const Eigen::Index n = X.rows();
  const Eigen::Index rows = formula_block_rows(d);
  multiply_adds += static_cast<std::uint64_t>(2 * n * d);
  ValueAndGradient out{0.0, Eigen::VectorXd::Zero(d + 1)};
  Eigen::VectorXd z(rows), f(rows), df(rows), l(rows), dz(rows);
  try {
    for (Eigen::Index first = 0; first < n; first += rows) {
      const Eigen::Index m = std::min(rows, n - first);
      pre_activations(X, w_.data(), b_, first, m, z.data());
      losses_and_dz(*act_, alpha_, *loss_, z.data(), y.data() + first, first, m, f.data(), df.data(),
                    l.data(), dz.data());
      double L = out.value, gb = out.gradient[d];
      for (Eigen::Index i = 0; i < m; ++i) {
        L += l[i];
        gb += dz[i];
      }
      out.value = L;
      out.gradient[d] = gb;
      add_weighted_rows(X, dz.data(), first, m, out.gradient.data());
    }
  } catch (const Error&) {
    // A derivative refused a sample: the loss's own pass over every sample reports a refused value
    // first, as the value comes before its derivative.
    (void)loss_at(params(), X, y);
    throw;
  }
  return out;
}

// Moving theta_k by t moves every z_i by t x_ik (or by t, for b): the 2 n losses of one difference
// cost O(n), so the whole gradient costs O(n d). The step actually taken, (theta + s) - theta, is
// what the difference is divided by.
double Neuron::central_partial(const Eigen::VectorXd& z, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                               Eigen::Index k, double s) const {
  const Eigen::Index d = w_.size();
  const double theta = k < d ? w_[k] : b_;
  const double up = (theta + s) - theta;
  const double down = (theta - s) - theta;
  double sum = 0.0;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    const double x = k < d ? X(i, k) : 1.0;
    sum += sample_loss(z[i] + up * x, y[i], i) - sample_loss(z[i] + down * x, y[i], i);
  }
  return sum / (up - down);
}

Eigen::VectorXd Neuron::numeric_gradient(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  const Eigen::Index d = w_.size();
  multiply_adds += static_cast<std::uint64_t>(X.rows() * d);
  Eigen::VectorXd z(X.rows());
  pre_activations(X, w_.data(), b_, 0, X.rows(), z.data());
  const Eigen::VectorXd theta = params();
  Eigen::VectorXd g(d + 1);
  for (Eigen::Index k = 0; k <= d; ++k) g[k] = central_partial(z, X, y, k, central_step(theta[k]));
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
      return formula_value_and_gradient(X, y).gradient;
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
    case GradMethod::Formula:
      return formula_value_and_gradient(X, y);
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

namespace {
/// Rounding slack of one evaluation, in units of eps times its magnitude: the few operations of a
/// per-sample loss or derivative (an activation, a log, a product) round within this.
constexpr double kEvalUlps = 16.0;
constexpr double kEps = std::numeric_limits<double>::epsilon();
}  // namespace

// The tolerances follow the rounding of what is compared.
//  * autodiff vs formula: both sum the same n terms t_i = dL_i/dz_i x_ik in other orders (and the
//    matrix path forms z = X w + b in another order): a sum of n terms rounds within
//    n eps sum_i |t_i|, each term within a few eps of itself, and a z rounded differently moves
//    t_i by what it moves when z moves by (d + 2) eps (sum_j |x_ij w_j| + |b|).
//  * central differences vs formula: truncation ~h^2 |L'''| / 6, estimated from the same difference
//    with step 2h (D(2h) - D(h) = h^2 |L'''| / 2), plus the rounding of the 2 n per-sample losses
//    over the step: 16 eps (|l_i| + |z_i dl_i/dz_i| + |y_i dl_i/dy_i|) / h summed over the samples
//    that move (the z and y terms cover a loss that cancels inside, as softplus(z) - y z does); a
//    sample whose step straddles a kink of the activation adds the jump of its slope there, since
//    the difference mixes the slopes of both sides (relu at w = b = 0).
CrossCheckReport Neuron::cross_check(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                     const std::vector<std::string>& feature_names) const {
  check_data("Neuron::cross_check", X, y);
  const std::vector<std::string> names = param_names(feature_names);
  CrossCheckReport r;
  r.has_matrix_nodes = has_matrix_form();
  r.samples = X.rows();
  const Eigen::VectorXd a = gradient(X, y, GradMethod::AutodiffScalar);
  const Eigen::VectorXd m = r.has_matrix_nodes ? gradient(X, y, GradMethod::AutodiffMatrix)
                                               : Eigen::VectorXd::Constant(a.size(), std::nan(""));
  const Eigen::VectorXd f = gradient(X, y, GradMethod::Formula);
  const Eigen::VectorXd n = gradient(X, y, GradMethod::Numeric);

  // Per sample: z, dL/dz, how far dL/dz moves when z moves by its rounding, the loss's magnitude.
  const Eigen::Index d = w_.size();
  const Eigen::Index N = X.rows();
  Eigen::VectorXd z(N), dz(N), dz_move(N), loss_size(N);
  pre_activations(X, w_.data(), b_, 0, N, z.data());
  for (Eigen::Index i = 0; i < N; ++i) {
    double size = std::abs(b_);
    for (Eigen::Index j = 0; j < d; ++j) size += std::abs(X(i, j) * w_[j]);
    dz[i] = sample_dz(z[i], y[i], i);
    const double dzr = static_cast<double>(d + 2) * kEps * size;
    const double hy = central_step(y[i]);
    try {
      dz_move[i] = std::max(std::abs(sample_dz(z[i] + dzr, y[i], i) - dz[i]),
                            std::abs(sample_dz(z[i] - dzr, y[i], i) - dz[i]));
      const double dl_dy = (sample_loss(z[i], y[i] + hy, i) - sample_loss(z[i], y[i] - hy, i)) / (2.0 * hy);
      loss_size[i] = std::abs(sample_loss(z[i], y[i], i)) + std::abs(z[i] * dz[i]) + std::abs(y[i] * dl_dy);
    } catch (const DomainError&) {  // f on the edge of the loss's range: no finer bound than the term
      dz_move[i] = std::abs(dz[i]);
      loss_size[i] = std::abs(sample_loss(z[i], y[i], i)) + std::abs(z[i] * dz[i]);
    }
  }

  const Eigen::VectorXd theta = params();
  for (Eigen::Index k = 0; k <= d; ++k) {
    const double h = central_step(theta[k]);
    double terms = 0.0, moves = 0.0, losses = 0.0, kinks = 0.0;
    Eigen::Index on_kink = 0;
    for (Eigen::Index i = 0; i < N; ++i) {
      const double x = k < d ? X(i, k) : 1.0;
      terms += std::abs(x * dz[i]);
      moves += std::abs(x) * dz_move[i];
      if (x != 0.0) losses += loss_size[i];
      // a step that straddles one of the activation's kinks: the difference mixes both slopes
      const double reach = 2.0 * h * std::abs(x);
      for (double kink : act_->kinks)
        if (x != 0.0 && std::abs(z[i] - kink) <= reach) {
          kinks +=
              std::abs(x) * std::abs(sample_dz(z[i] + reach, y[i], i) - sample_dz(z[i] - reach, y[i], i));
          ++on_kink;
        }
    }
    const double exact = (static_cast<double>(N) + kEvalUlps) * kEps * terms + moves;
    const double truncation = std::abs(central_partial(z, X, y, k, 2.0 * h) - n[k]) + kinks;
    const double rounding = kEvalUlps * kEps * losses / h + static_cast<double>(N) * kEps * terms;
    r.rows.push_back({names[static_cast<std::size_t>(k)],
                      a[k],
                      m[k],
                      f[k],
                      n[k],
                      {},
                      exact,
                      truncation + 2.0 * rounding + exact,
                      on_kink});
  }
  return r.scaled(1.0);  // fills the differences
}

CrossCheckReport CrossCheckReport::scaled(double factor) const {
  CrossCheckReport out;
  out.has_matrix_nodes = has_matrix_nodes;
  out.samples = samples;
  for (CrossCheckRow r : rows) {
    for (double* v :
         {&r.autodiff, &r.autodiff_matrix, &r.formula, &r.numeric, &r.exact_tolerance, &r.numeric_tolerance})
      *v *= factor;
    r.diff = {};
    const auto compare = [&](double u, double v) {
      r.diff.include(u, v);
      out.all.include(u, v);
    };
    compare(r.autodiff, r.formula);
    compare(r.numeric, r.formula);
    compare(r.autodiff, r.numeric);
    out.autodiff_vs_formula.include(r.autodiff, r.formula);
    out.numeric_vs_formula.include(r.numeric, r.formula);
    if (has_matrix_nodes) {
      compare(r.autodiff_matrix, r.formula);
      compare(r.autodiff_matrix, r.autodiff);
      compare(r.autodiff_matrix, r.numeric);
      out.matrix_vs_formula.include(r.autodiff_matrix, r.formula);
    }
    out.rows.push_back(std::move(r));
  }
  return out;
}

std::vector<CrossCheckDisagreement> CrossCheckReport::disagreements() const {
  std::vector<CrossCheckDisagreement> out;
  const auto check = [&](const char* pair, const CrossCheckRow& row, double a, double b, double tol) {
    const double diff = std::abs(a - b);
    if (!(diff <= tol)) out.push_back({pair, row.parameter, diff, tol});  // NaN never agrees
  };
  for (const CrossCheckRow& row : rows) {
    check("autodiff (scalar nodes) vs hand formula", row, row.autodiff, row.formula, row.exact_tolerance);
    if (has_matrix_nodes)
      check("autodiff (matrix nodes) vs hand formula", row, row.autodiff_matrix, row.formula,
            row.exact_tolerance);
    check("central differences vs hand formula", row, row.numeric, row.formula, row.numeric_tolerance);
  }
  return out;
}

std::string CrossCheckReport::verdict() const {
  const std::vector<CrossCheckDisagreement> bad = disagreements();
  if (bad.empty()) {
    std::string out = "the three agree (every difference is within what rounding allows)\n";
    for (const CrossCheckRow& r : rows)
      if (r.on_kink > 0)
        out += fmt::format(
            "  note: at {}, {} of the {} samples sit within the step of the activation's kink, where "
            "central differences mix the slopes of both sides (allowed for)\n",
            r.parameter, r.on_kink, samples);
    return out;
  }
  std::string out = "DISAGREEMENT:\n";
  for (const CrossCheckDisagreement& b : bad)
    out += fmt::format("  {} at {}: they differ by {}, while rounding{} allows {}\n", b.pair, b.parameter,
                       short_sci(b.difference), b.pair.starts_with("central") ? " and truncation" : "",
                       short_sci(b.tolerance));
  return out;
}

std::string CrossCheckReport::table() const {
  std::vector<std::vector<std::string>> cells;
  for (const CrossCheckRow& r : rows) {
    double exact_diff = std::abs(r.autodiff - r.formula);
    if (has_matrix_nodes) exact_diff = std::max(exact_diff, std::abs(r.autodiff_matrix - r.formula));
    if (std::isnan(r.autodiff - r.formula) || (has_matrix_nodes && std::isnan(r.autodiff_matrix - r.formula)))
      exact_diff = std::nan("");
    cells.push_back({r.parameter, full_precision(r.autodiff),
                     has_matrix_nodes ? full_precision(r.autodiff_matrix) : "n/a", full_precision(r.formula),
                     full_precision(r.numeric), short_sci(exact_diff), short_sci(r.exact_tolerance),
                     short_sci(std::abs(r.numeric - r.formula)), short_sci(r.numeric_tolerance)});
  }
  return format_table({"parameter", "autodiff (scalar nodes)", "autodiff (matrix nodes)", "hand formula",
                       "central diff", "|autodiff - formula|", "allowed", "|central - formula|", "allowed"},
                      cells);
}

}  // namespace gradlab
