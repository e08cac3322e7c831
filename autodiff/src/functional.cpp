#include "gradlab/autodiff/functional.hpp"

#include "gradlab/autodiff/matrix.hpp"

#include <fmt/format.h>

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
      if (g.adj_[i] != 0.0 && t.op(i) == kInputOp && t.node(i).slot != 0)
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

}  // namespace gradlab
