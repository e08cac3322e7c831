#include "gradlab/autodiff/higher_order.hpp"

#include "gradlab/autodiff/functional.hpp"
#include "gradlab/autodiff/matrix.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace gradlab {

double Gradients::operator[](const Var& x) const {
  const Index i = Tape::current().check_scalar(x, "Gradients[x]");
  return i < adj_.size() ? adj_[i] : 0.0;  // recorded after y: y cannot depend on it
}

Gradients backward(const Var& y) {
  Tape& t = Tape::current();
  Gradients g;
  t.backward(t.check(y), g.adj_);
  // copy out the matrix adjoints of the inputs, which the next sweep would overwrite
  if (t.has_matrix_nodes())
    for (Index i = 0; i < g.adj_.size(); ++i)
      if (g.adj_[i] != 0.0 && t.op(i) == kInputOp && t.slot(i) != 0)
        g.matrices_.emplace_back(i, detail::slot_of(t, i)->adj);
  return g;
}

Eigen::VectorXd grad(const Var& y, std::span<const Var> xs) {
  Tape& t = Tape::current();
  std::vector<double> adj;
  t.backward(t.check(y), adj);
  Eigen::VectorXd out(static_cast<Eigen::Index>(xs.size()));
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const Index i = t.check_scalar(xs[k], "grad");
    out[static_cast<Eigen::Index>(k)] = i < adj.size() ? adj[i] : 0.0;
  }
  return out;
}

std::vector<Var> grad_recorded(const Var& y, std::span<const Var> xs) {
  Tape& t = Tape::current();
  const Index root = t.check(y);
  for (const Var& x : xs) t.check_scalar(x, "grad_recorded");
  const std::vector<Var> adj = t.backward_recorded(root);
  std::vector<Var> out;
  out.reserve(xs.size());
  for (const Var& x : xs) {
    const Index i = x.index();
    out.push_back(i < adj.size() && adj[i].valid() ? adj[i] : t.constant(0.0));
  }
  return out;
}

Eigen::MatrixXd hessian(const Var& y, std::span<const Var> xs) {
  const std::vector<Wrt> wrt(xs.begin(), xs.end());
  return hessian(y, std::span<const Wrt>(wrt));
}

Eigen::VectorXd hvp(const Var& y, std::span<const Var> xs, const Eigen::VectorXd& v) {
  if (static_cast<std::size_t>(v.size()) != xs.size())
    throw ShapeError(
        fmt::format("hvp: the direction v has {} entries but there are {} variables", v.size(), xs.size()));
  const std::vector<Var> g = grad_recorded(y, xs);
  Var s = Tape::current().constant(0.0);
  for (std::size_t k = 0; k < xs.size(); ++k) s = s + g[k] * v[static_cast<Eigen::Index>(k)];
  return grad(s, xs);
}

// ---- derivatives of any order -------------------------------------------------------------------

void check_derivative_order(int K, const char* what) {
  if (K < 0 || K > kMaxDerivativeOrder)
    throw Error(
        fmt::format("{}: the order must be between 0 and {}, got {} (each order multiplies the tape's "
                    "size: see docs/higher-order.md)",
                    what, kMaxDerivativeOrder, K));
}

namespace {
// Refuses a sweep from root whose recording would likely take the tape past kMaxDerivativeNodes. A
// recorded sweep adds a few nodes per node below root (the tape grew x2.5 to x3.3 per order in the
// measurements of docs/higher-order.md); the estimate allows 4, so a sweep of the costliest rule (9 for
// a^b) can overshoot the limit by at most about 2x.
void check_room(const Tape& t, Index root, int order, const char* what) {
  constexpr std::size_t kNodesPerNode = 4;
  const std::size_t estimate = t.size() + kNodesPerNode * (std::size_t{root} + 1);
  if (estimate > kMaxDerivativeNodes)
    throw Error(fmt::format(
        "{}: the order-{} derivative could need about {} nodes on the tape, over the limit of {} (each "
        "order records the backward pass of the one before, so the tape grows by a factor per order); "
        "ask for a lower order or fewer variables",
        what, order, estimate, kMaxDerivativeNodes));
}
}  // namespace

std::vector<Var> derivatives_recorded(const Var& y, const Var& x, int K) {
  check_derivative_order(K, "derivative");
  Tape& t = Tape::current();
  t.check_scalar(y, "derivative");
  t.check_scalar(x, "derivative");
  std::vector<Var> d{y};
  for (int j = 1; j <= K; ++j) {
    check_room(t, d.back().index(), j, "derivative");
    d.push_back(grad_recorded(d.back(), {x})[0]);
  }
  return d;
}

std::vector<double> partial_derivatives(const Var& y, std::span<const Var> xs, int K) {
  check_derivative_order(K, "partial_derivatives");
  const std::size_t n = xs.size();
  std::size_t count = 1;  // n^K, checked against the limit before it can overflow
  for (int j = 0; j < K; ++j) {
    count *= n;
    if (count > kMaxPartials)
      throw Error(
          fmt::format("partial_derivatives: {} variables at order {} make {}^{} partial derivatives, over "
                      "the limit of {}; "
                      "ask for a lower order or fewer variables (--wrt)",
                      n, K, n, K, kMaxPartials));
  }
  Tape& t = Tape::current();
  t.check_scalar(y, "partial_derivatives");
  // level[m] = d^j y / dx_m1 ... dx_mj for nondecreasing index lists m of length j: mixed partials
  // commute, so each multiset is differentiated once.
  std::map<std::vector<std::size_t>, Var> level{{{}, y}};
  for (int j = 1; j <= K; ++j) {
    std::map<std::vector<std::size_t>, Var> next;
    for (const auto& [m, v] : level) {
      check_room(t, v.index(), j, "partial_derivatives");
      const std::vector<Var> g = grad_recorded(v, xs);
      for (std::size_t i = m.empty() ? 0 : m.back(); i < n; ++i) {
        std::vector<std::size_t> child = m;
        child.push_back(i);
        next.emplace(std::move(child), g[i]);
      }
    }
    level = std::move(next);
  }
  std::vector<double> out(count);
  std::vector<std::size_t> idx(static_cast<std::size_t>(K));
  for (std::size_t flat = 0; flat < count; ++flat) {
    std::size_t r = flat;
    for (std::size_t k = idx.size(); k-- > 0;) {
      idx[k] = r % n;
      r /= n;
    }
    std::vector<std::size_t> key = idx;
    std::sort(key.begin(), key.end());
    out[flat] = level.at(key).value();
  }
  return out;
}

}  // namespace gradlab
