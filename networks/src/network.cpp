#include "gradlab/networks/network.hpp"

#include <fmt/format.h>

#include <cmath>

#include "gradlab/autodiff/fixed_order.hpp"
#include "gradlab/networks/random.hpp"
#include "gradlab/neuron/csv.hpp"
#include "gradlab/neuron/loss.hpp"

namespace gradlab {

namespace {

constexpr std::string_view kLinear = "linear";
constexpr std::string_view kSoftmax = "softmax";

struct LossName {
  NetworkLoss value;
  std::string_view name, long_name;
};
constexpr LossName kLossNames[] = {{NetworkLoss::SquaredError, "mse", "squared_error"},
                                   {NetworkLoss::BinaryCrossEntropy, "bce", "binary_cross_entropy"},
                                   {NetworkLoss::CrossEntropy, "ce", "cross_entropy"}};

struct InitName {
  Init value;
  std::string_view name;
};

/// The name of v in a table of {value, name} entries (the first one when it has several).
template <class Entry, std::size_t N, class V> std::string_view name_of(const Entry (&table)[N], V v) {
  for (const Entry& e : table)
    if (e.value == v) return e.name;
  return "?";
}
constexpr InitName kInitNames[] = {{Init::Zeros, "zeros"},   {Init::Uniform, "uniform"},
                                   {Init::Normal, "normal"}, {Init::Glorot, "glorot"},
                                   {Init::Glorot, "xavier"}, {Init::He, "he"}};

std::string shape_str(Eigen::Index r, Eigen::Index c) { return fmt::format("{}x{}", r, c); }

// The sums and products below add in one fixed order at every vector width (fixed_order.hpp), and
// exp and log are the scalar std:: functions on every entry (Eigen's vectorised ones compute the
// entries past the last full register with the scalar ones): every build prints the same digits.
Eigen::MatrixXd exp_entries(const Eigen::MatrixXd& M) {
  return M.unaryExpr([](double v) { return std::exp(v); });
}

/// Softmax of every row, shifted by the row's max so that exp never overflows.
Eigen::MatrixXd softmax_rows(const Eigen::MatrixXd& Z) {
  const Eigen::VectorXd m = Z.rowwise().maxCoeff();
  Eigen::MatrixXd E = exp_entries(Z.colwise() - m);
  const Eigen::VectorXd s = fixed_order::row_sums(E);
  return (E.array().colwise() / s.array()).matrix();
}

/// sum_i -sum_k y_ik log softmax(z_i)_k through the stable log-softmax (plain Eigen).
double cross_entropy_sum(const Eigen::MatrixXd& Z, const Eigen::MatrixXd& Y) {
  const Eigen::VectorXd m = Z.rowwise().maxCoeff();
  const Eigen::MatrixXd S = Z.colwise() - m;
  const Eigen::VectorXd lse =
      fixed_order::row_sums(exp_entries(S)).unaryExpr([](double v) { return std::log(v); });
  return -fixed_order::sum(Y.cwiseProduct(S.colwise() - lse));
}

/// The same on matrix nodes: the row max is a constant (log-softmax does not depend on the shift, so
/// the derivative is exact).
Var cross_entropy_sum(const MatVar& Z, const MatVar& Y) {
  const Eigen::MatrixXd m = Z.value().rowwise().maxCoeff();
  const MatVar S = Z - matrix_constant_copy(m);
  const MatVar lse = log(row_sums(exp(S)));
  return -sum(Y * (S - lse));
}

/// Entry k of the row-major arg max (first maximum).
Eigen::Index argmax_row(const Eigen::MatrixXd& M, Eigen::Index i) {
  Eigen::Index k = 0;
  M.row(i).maxCoeff(&k);
  return k;
}

}  // namespace

std::string_view short_name(NetworkLoss loss) { return name_of(kLossNames, loss); }

NetworkLoss network_loss(std::string_view name) {
  for (const LossName& n : kLossNames)
    if (name == n.name || name == n.long_name) return n.value;
  throw Error(
      fmt::format("unknown network loss '{}'; known: mse (squared_error), bce (binary_cross_entropy), "
                  "ce (cross_entropy)",
                  name));
}

std::string_view init_name(Init init) { return name_of(kInitNames, init); }

Init init_from_name(std::string_view name) {
  for (const InitName& n : kInitNames)
    if (name == n.name) return n.value;
  throw Error(
      fmt::format("unknown initialisation '{}'; known: zeros, uniform, normal, glorot (xavier), he", name));
}

std::vector<Eigen::Index> parse_units(std::string_view text) {
  std::vector<Eigen::Index> units;
  for (const std::string& part : split_names(text)) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || v < 1 || v > 1000000)
      throw Error(fmt::format("'{}' is not a number of units (a whole number from 1 to 1000000)", part));
    units.push_back(static_cast<Eigen::Index>(v));
  }
  if (units.empty()) throw Error("give the units of each hidden layer, e.g. 32,16");
  return units;
}

Init default_init(std::string_view activation) {
  return activation == "relu" || activation == "leaky_relu" ? Init::He : Init::Glorot;
}

Network::Network(Eigen::Index inputs, std::vector<DenseLayer> layers, NetworkLoss loss)
    : inputs_(inputs), layers_(std::move(layers)), loss_(loss) {
  if (inputs_ < 1) throw ShapeError(fmt::format("Network: inputs must be >= 1, got {}", inputs_));
  if (layers_.empty()) throw ShapeError("Network: there must be at least one layer");
  register_builtin_activations();
  Eigen::Index in = inputs_;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& L = layers_[l];
    const bool last = l + 1 == layers_.size();
    const std::string where = fmt::format("layer{}", l + 1);
    if (L.p.W.rows() < 1 || L.p.W.cols() != in)
      throw ShapeError(fmt::format("Network: {}.W is {} but must be units x {} (units >= 1)", where,
                                   shape_str(L.p.W.rows(), L.p.W.cols()), in));
    if (L.p.b.size() != L.p.W.rows())
      throw ShapeError(fmt::format("Network: {}.b has {} entries but {}.W has {} rows", where, L.p.b.size(),
                                   where, L.p.W.rows()));
    for (Eigen::Index k = 0; k < L.p.W.size(); ++k)
      if (!std::isfinite(L.p.W(k)))
        throw Error(
            fmt::format("Network: {}.W[{},{}] is not finite", where, k % L.p.W.rows(), k / L.p.W.rows()));
    for (Eigen::Index k = 0; k < L.p.b.size(); ++k)
      if (!std::isfinite(L.p.b(k))) throw Error(fmt::format("Network: {}.b[{}] is not finite", where, k));
    const ActivationInfo* a = nullptr;
    double alpha = 0.0;
    if (L.activation == kSoftmax) {
      if (!last || loss_ != NetworkLoss::CrossEntropy)
        throw Error(fmt::format(
            "Network: {} uses softmax, which only the output layer of a ce network may use", where));
    } else if (L.activation != kLinear) {
      try {
        a = &activation(L.activation);
      } catch (const Error& e) {
        throw Error(fmt::format("Network: {}: {}", where, e.what()));
      }
      alpha = a->resolve_alpha({});
    }
    if (last) {
      if (loss_ == NetworkLoss::CrossEntropy && (L.activation != kSoftmax || L.p.W.rows() < 2))
        throw Error(
            fmt::format("Network: with the ce loss the output layer ({}) must be softmax with at least 2 "
                        "units, not {} with {}",
                        where, L.activation, L.p.W.rows()));
      if (loss_ == NetworkLoss::BinaryCrossEntropy && L.activation != "sigmoid")
        throw Error(fmt::format("Network: with the bce loss the output layer ({}) must be sigmoid, not {}",
                                where, L.activation));
    }
    acts_.push_back(a);
    alphas_.push_back(alpha);
    in = L.p.W.rows();
  }
}

NetworkParams Network::params() const {
  NetworkParams p;
  for (const DenseLayer& L : layers_) p.push_back(L.p);
  return p;
}

void Network::set_params(const NetworkParams& p) {
  if (p.size() != layers_.size())
    throw ShapeError(
        fmt::format("Network::set_params: {} layers given, the network has {}", p.size(), layers_.size()));
  for (std::size_t l = 0; l < p.size(); ++l)
    if (p[l].W.rows() != layers_[l].p.W.rows() || p[l].W.cols() != layers_[l].p.W.cols() ||
        p[l].b.size() != layers_[l].p.b.size())
      throw ShapeError(fmt::format("Network::set_params: layer{} is W {}, b {} but must be W {}, b {}", l + 1,
                                   shape_str(p[l].W.rows(), p[l].W.cols()), p[l].b.size(),
                                   shape_str(layers_[l].p.W.rows(), layers_[l].p.W.cols()),
                                   layers_[l].p.b.size()));
  for (std::size_t l = 0; l < p.size(); ++l) layers_[l].p = p[l];
}

Eigen::VectorXd flatten(const NetworkParams& p) {
  Eigen::Index n = 0;
  for (const LayerParams& L : p) n += L.W.size() + L.b.size();
  Eigen::VectorXd theta(n);
  Eigen::Index k = 0;
  for (const LayerParams& L : p) {
    theta.segment(k, L.W.size()) = L.W.reshaped();
    k += L.W.size();
    theta.segment(k, L.b.size()) = L.b;
    k += L.b.size();
  }
  return theta;
}

NetworkParams unflatten(const Eigen::VectorXd& theta, const NetworkParams& like) {
  NetworkParams p = like;
  Eigen::Index k = 0;
  for (LayerParams& L : p) {
    if (k + L.W.size() + L.b.size() > theta.size()) break;
    L.W.reshaped() = theta.segment(k, L.W.size());
    k += L.W.size();
    L.b = theta.segment(k, L.b.size());
    k += L.b.size();
  }
  if (k != theta.size())
    throw ShapeError(
        fmt::format("unflatten: {} numbers given for {} parameters", theta.size(), flatten(like).size()));
  return p;
}

Eigen::VectorXd Network::flat_params() const { return flatten(params()); }
void Network::set_flat_params(const Eigen::VectorXd& theta) { set_params(unflatten(theta, params())); }

Eigen::Index Network::parameter_count() const {
  Eigen::Index n = 0;
  for (const DenseLayer& L : layers_) n += L.p.W.size() + L.p.b.size();
  return n;
}

std::vector<std::string> Network::param_names() const {
  std::vector<std::string> names;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    names.push_back(fmt::format("layer{}.W", l + 1));
    names.push_back(fmt::format("layer{}.b", l + 1));
  }
  return names;
}

std::string Network::entry_name(Eigen::Index k) const {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Eigen::MatrixXd& W = layers_[l].p.W;
    if (k < W.size()) return fmt::format("layer{}.W[{},{}]", l + 1, k % W.rows(), k / W.rows());
    k -= W.size();
    if (k < layers_[l].p.b.size()) return fmt::format("layer{}.b[{}]", l + 1, k);
    k -= layers_[l].p.b.size();
  }
  throw ShapeError(fmt::format("Network::entry_name: there are only {} parameters", parameter_count()));
}

void Network::check_data(const char* where, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
  if (X.rows() == 0) throw ShapeError(fmt::format("{}: there are no samples (X is 0 rows)", where));
  if (X.cols() != inputs_)
    throw ShapeError(
        fmt::format("{}: X has {} columns but the network has {} inputs", where, X.cols(), inputs_));
  if (Y.rows() != X.rows() || Y.cols() != outputs())
    throw ShapeError(fmt::format("{}: Y is {} but must be {} (samples x outputs)", where,
                                 shape_str(Y.rows(), Y.cols()), shape_str(X.rows(), outputs())));
}

ForwardPass Network::forward_pass(const Eigen::MatrixXd& X) const {
  if (X.cols() != inputs_)
    throw ShapeError(fmt::format("Network::forward_pass: X has {} columns but the network has {} inputs",
                                 X.cols(), inputs_));
  ForwardPass f;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerParams& p = layers_[l].p;
    const Eigen::MatrixXd& prev = l == 0 ? X : f.A.back();
    Eigen::MatrixXd Z = fixed_order::matmul(prev, p.W.transpose());
    Z.rowwise() += p.b.transpose();
    if (layers_[l].activation == kSoftmax) {
      f.A.push_back(softmax_rows(Z));
    } else if (const ActivationInfo* a = act(l)) {
      const double alpha = alphas_[l];
      f.A.push_back(Z.unaryExpr([a, alpha](double z) { return a->value_fn(z, alpha); }));
    } else {
      f.A.push_back(Z);
    }
    f.Z.push_back(std::move(Z));
  }
  return f;
}

Eigen::MatrixXd Network::predict(const Eigen::MatrixXd& X) const { return forward_pass(X).A.back(); }

double Network::mean_loss(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
  check_data("Network::mean_loss", X, Y);
  const ForwardPass f = forward_pass(X);
  const auto n = static_cast<double>(X.rows());
  switch (loss_) {
    case NetworkLoss::SquaredError:
      return fixed_order::sum(f.A.back().binaryExpr(
                 Y, [](double a, double y) { return losses::SquaredError::value(a, y); })) /
             n;
    case NetworkLoss::BinaryCrossEntropy:
      return fixed_order::sum(f.Z.back().binaryExpr(
                 Y, [](double z, double y) { return losses::BinaryCrossEntropy::value_logit(z, y); })) /
             n;
    case NetworkLoss::CrossEntropy:
      return cross_entropy_sum(f.Z.back(), Y) / n;
  }
  return 0.0;
}

double Network::accuracy(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
  check_data("Network::accuracy", X, Y);
  const Eigen::MatrixXd P = predict(X);
  Eigen::Index right = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    if (P.cols() == 1)
      right += (P(i, 0) >= 0.5) == (Y(i, 0) >= 0.5) ? 1 : 0;
    else
      right += argmax_row(P, i) == argmax_row(Y, i) ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(X.rows());
}

RecordedLoss Network::record_loss(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                  ActivationForm form) const {
  check_data("Network::record_loss", X, Y);
  RecordedLoss r;
  MatVar A = matrix_constant(X);
  MatVar Z;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerParams& p = layers_[l].p;
    r.WT.push_back(matrix_variable(p.W.transpose()));  // Wᵀ is the input: Z = A Wᵀ needs no transpose node
    r.b.push_back(matrix_variable(p.b.transpose()));
    Z = matmul(A, r.WT.back()) + r.b.back();  // the row b broadcasts over the samples
    if (const ActivationInfo* a = act(l))
      A = form == ActivationForm::Fused ? a->apply_fused(Z, alphas_[l])
                                        : a->composite_matrix_fn(Z, alphas_[l]);
    else
      A = Z;  // linear, or softmax (which the ce loss takes from the logits)
  }
  const MatVar Yc = matrix_constant(Y);
  const auto n = static_cast<double>(X.rows());
  switch (loss_) {
    case NetworkLoss::SquaredError:
      r.loss = sum(losses::SquaredError::value(A, Yc)) / n;
      break;
    case NetworkLoss::BinaryCrossEntropy:
      r.loss = sum(losses::BinaryCrossEntropy::value_logit(Z, Yc)) / n;
      break;
    case NetworkLoss::CrossEntropy:
      r.loss = cross_entropy_sum(Z, Yc) / n;
      break;
  }
  return r;
}

NetworkValueAndGradient Network::value_and_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                                    Tape& tape, ActivationForm form) const {
  TapeScope scope(tape);
  tape.clear();
  const RecordedLoss r = record_loss(X, Y, form);
  const Gradients g = backward(r.loss);
  NetworkValueAndGradient out;
  out.value = r.loss.value();
  for (std::size_t l = 0; l < layers_.size(); ++l)
    out.gradient.push_back({g[r.WT[l]].transpose(), g[r.b[l]].transpose()});
  return out;
}

NetworkValueAndGradient Network::value_and_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                                    ActivationForm form) const {
  Tape tape;
  return value_and_gradient(X, Y, tape, form);
}

HandBackward Network::hand_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
  check_data("Network::hand_backward", X, Y);
  const ForwardPass f = forward_pass(X);
  const auto n = static_cast<double>(X.rows());
  const std::size_t L = layers_.size();
  // act'(Z^l) from the record's hand-derived derivative (1 for a linear layer)
  const auto act_d = [this, &f](std::size_t l) -> Eigen::MatrixXd {
    const ActivationInfo* a = act(l);
    if (a == nullptr) return Eigen::MatrixXd::Ones(f.Z[l].rows(), f.Z[l].cols());
    const double alpha = alphas_[l];
    return f.Z[l].unaryExpr([a, alpha](double z) { return a->d_fn(z, alpha); });
  };
  HandBackward h;
  h.delta.resize(L);
  h.upstream.resize(L);
  h.act_d.resize(L);
  // δ^L = ∂L/∂Z^L, with the 1/n of the mean
  switch (loss_) {
    case NetworkLoss::SquaredError: {  // (a - y) ⊙ act'(z)
      const Eigen::MatrixXd d =
          f.A.back().binaryExpr(Y, [](double a, double y) { return losses::SquaredError::d(a, y); });
      h.act_d[L - 1] = act_d(L - 1);
      h.upstream[L - 1] = d / n;
      h.delta[L - 1] = d.cwiseProduct(h.act_d[L - 1]) / n;
      break;
    }
    case NetworkLoss::BinaryCrossEntropy:  // sigmoid(z) - y
      h.delta[L - 1] = f.Z.back().binaryExpr(Y, [](double z, double y) {
        return losses::BinaryCrossEntropy::d_logit(z, y);
      }) / n;
      break;
    case NetworkLoss::CrossEntropy:  // softmax(z) - y
      h.delta[L - 1] = (f.A.back() - Y) / n;
      break;
  }
  // the fused output rules (sigmoid or softmax with its cross-entropy) give ∂L/∂Z at once: act' = 1
  if (loss_ != NetworkLoss::SquaredError) {
    h.upstream[L - 1] = h.delta[L - 1];
    h.act_d[L - 1] = Eigen::MatrixXd::Ones(f.Z.back().rows(), f.Z.back().cols());
  }
  // δ^l = (δ^{l+1} W^{l+1}) ⊙ act'(Z^l)   (rows are samples, so Wᵀ δ becomes δ W)
  for (std::size_t l = L - 1; l > 0; --l) {
    h.upstream[l - 1] = fixed_order::matmul(h.delta[l], layers_[l].p.W);
    h.act_d[l - 1] = act_d(l - 1);
    h.delta[l - 1] = h.upstream[l - 1].cwiseProduct(h.act_d[l - 1]);
  }
  return h;
}

std::vector<Eigen::MatrixXd> Network::hand_deltas(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
  return hand_backward(X, Y).delta;
}

NetworkValueAndGradient Network::hand_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const {
  const std::vector<Eigen::MatrixXd> delta = hand_deltas(X, Y);
  const ForwardPass f = forward_pass(X);
  NetworkValueAndGradient out;
  out.value = mean_loss(X, Y);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Eigen::MatrixXd& prev = l == 0 ? X : f.A[l - 1];
    // ∂L/∂W^l = (δ^l)ᵀ A^{l-1};  ∂L/∂b^l = the column sums of δ^l
    out.gradient.push_back(
        {fixed_order::matmul_tn(delta[l], prev), fixed_order::col_sums(delta[l]).transpose()});
  }
  return out;
}

NetworkParams Network::hvp(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const NetworkParams& v) const {
  const NetworkParams p = params();
  if (v.size() != p.size())
    throw ShapeError(
        fmt::format("Network::hvp: the direction has {} layers, the network {}", v.size(), p.size()));
  for (std::size_t l = 0; l < p.size(); ++l)
    if (v[l].W.rows() != p[l].W.rows() || v[l].W.cols() != p[l].W.cols() || v[l].b.size() != p[l].b.size())
      throw ShapeError(
          fmt::format("Network::hvp: the direction's layer{} is not shaped like the parameters", l + 1));
  Tape tape;
  TapeScope scope(tape);
  const RecordedLoss r = record_loss(X, Y);
  // H v = ∇(∇L · v): differentiate the recorded backward pass once more
  const std::vector<Var> adj = tape.backward_recorded(tape.check(r.loss));
  std::vector<Eigen::MatrixXd> directions;  // kept alive while the tape refers to them
  Var s;
  bool any = false;
  const auto add = [&](const MatVar& x, const Eigen::MatrixXd& dir) {
    const Index i = x.index();
    if (i >= adj.size() || !adj[i].valid()) return;
    const Var term = dot(MatVar::from_node(adj[i]), matrix_constant_copy(dir));
    s = any ? s + term : term;
    any = true;
  };
  for (std::size_t l = 0; l < p.size(); ++l) {
    add(r.WT[l], v[l].W.transpose());
    add(r.b[l], v[l].b.transpose());
  }
  NetworkParams out;
  if (!any) {
    for (const LayerParams& L : p)
      out.push_back({Eigen::MatrixXd::Zero(L.W.rows(), L.W.cols()), Eigen::VectorXd::Zero(L.b.size())});
    return out;
  }
  const Gradients g = backward(s);
  for (std::size_t l = 0; l < p.size(); ++l) out.push_back({g[r.WT[l]].transpose(), g[r.b[l]].transpose()});
  return out;
}

Network make_network(const Architecture& arch, Init init, std::uint64_t seed) {
  PortableRng rng(seed);
  std::vector<DenseLayer> layers;
  std::vector<Eigen::Index> units = arch.hidden;
  units.push_back(arch.outputs);
  Eigen::Index in = arch.inputs;
  for (std::size_t l = 0; l < units.size(); ++l) {
    const Eigen::Index out = units[l];
    if (out < 1)
      throw ShapeError(fmt::format("make_network: layer{} must have at least 1 unit, got {}", l + 1, out));
    if (in < 1) throw ShapeError(fmt::format("make_network: inputs must be >= 1, got {}", in));
    DenseLayer L;
    L.p.W = Eigen::MatrixXd::Zero(out, in);
    L.p.b = Eigen::VectorXd::Zero(out);
    const auto fan_in = static_cast<double>(in);
    const auto fan_out = static_cast<double>(out);
    for (Eigen::Index i = 0; i < out; ++i)  // row by row, so W reads in the order it is drawn
      for (Eigen::Index j = 0; j < in; ++j) {
        double w = 0.0;
        switch (init) {
          case Init::Zeros:
            break;
          case Init::Uniform:
            w = rng.uniform(-1.0 / std::sqrt(fan_in), 1.0 / std::sqrt(fan_in));
            break;
          case Init::Normal:
            w = rng.normal() / std::sqrt(fan_in);
            break;
          case Init::Glorot: {
            const double a = std::sqrt(6.0 / (fan_in + fan_out));
            w = rng.uniform(-a, a);
            break;
          }
          case Init::He:
            w = rng.normal() * std::sqrt(2.0 / fan_in);
            break;
        }
        L.p.W(i, j) = w;
      }
    const bool last = l + 1 == units.size();
    if (!last) {
      L.activation = arch.activation;
    } else if (!arch.output_activation.empty()) {
      L.activation = arch.output_activation;
    } else {
      L.activation = arch.loss == NetworkLoss::CrossEntropy         ? std::string(kSoftmax)
                     : arch.loss == NetworkLoss::BinaryCrossEntropy ? std::string("sigmoid")
                                                                    : std::string(kLinear);
    }
    layers.push_back(std::move(L));
    in = out;
  }
  return Network(arch.inputs, std::move(layers), arch.loss);
}

Eigen::MatrixXd one_hot(const Eigen::VectorXd& labels, Eigen::Index classes) {
  if (classes < 1) throw Error(fmt::format("one_hot: classes must be >= 1, got {}", classes));
  Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(labels.size(), classes);
  for (Eigen::Index i = 0; i < labels.size(); ++i) {
    const double v = labels[i];
    if (!(v >= 0.0 && v < static_cast<double>(classes) && v == std::floor(v)))
      throw Error(fmt::format("one_hot: the label of row {} is {}, not a class 0..{}", i, v, classes - 1));
    Y(i, static_cast<Eigen::Index>(v)) = 1.0;
  }
  return Y;
}

}  // namespace gradlab
