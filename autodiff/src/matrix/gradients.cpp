// Matrix nodes, part 4: the gradient API (Gradients of a MatVar, grad, grad_recorded, hvp, and the
// Hessian over scalars and matrices mixed).
#include <fmt/format.h>

#include "gradlab/autodiff/matrix.hpp"

namespace gradlab {

Eigen::MatrixXd Gradients::operator[](const MatVar& x) const {
  const Index i = Tape::current().check(x.node());
  for (const auto& [node, g] : matrices_)
    if (node == i) return g;
  return Eigen::MatrixXd::Zero(x.rows(), x.cols());
}

Eigen::MatrixXd grad(const Var& y, const MatVar& x) { return backward(y)[x]; }

MatVar grad_recorded(const Var& y, const MatVar& x) {
  Tape& t = Tape::current();
  const Index root = t.check(y);
  const Index i = t.check(x.node());
  const std::vector<Var> adj = t.backward_recorded(root);
  if (i < adj.size() && adj[i].valid()) return MatVar::from_node(adj[i]);
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(x.rows(), x.cols());
  return matrix_constant_copy(zero);
}

Eigen::MatrixXd hvp(const Var& y, const MatVar& x, const Eigen::MatrixXd& v) {
  if (v.rows() != x.rows() || v.cols() != x.cols())
    throw ShapeError(fmt::format("hvp: the direction v is {} but the variable is {}",
                                 detail::shape_str(v.rows(), v.cols()),
                                 detail::shape_str(x.rows(), x.cols())));
  // H v = d/dx (grad(y) · v): differentiate the recorded gradient once more
  return grad(dot(grad_recorded(y, x), matrix_constant(v)), x);
}

Eigen::MatrixXd hessian(const Var& y, std::span<const Wrt> xs) {
  Tape& t = Tape::current();
  const Index root = t.check(y);
  // The variables' nodes and their sizes (1 for a scalar, rows x cols for a matrix).
  std::vector<Index> nodes;
  std::vector<Eigen::Index> sizes;
  for (const Wrt& x : xs) {
    if (const Var* v = std::get_if<Var>(&x)) {
      nodes.push_back(t.check_scalar(*v, "hessian"));
      sizes.push_back(1);
    } else {
      const MatVar& m = std::get<MatVar>(x);
      nodes.push_back(t.check(m.node()));
      sizes.push_back(m.rows() * m.cols());
    }
  }
  Eigen::Index n = 0;
  for (Eigen::Index k : sizes) n += k;
  const std::vector<Var> adj = t.backward_recorded(root);  // dy/dtheta, recorded
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(n, n);
  Eigen::Index row = 0;
  for (std::size_t k = 0; k < xs.size(); row += sizes[k], ++k) {
    const Index i = nodes[k];
    if (i >= adj.size() || !adj[i].valid()) continue;  // y does not depend on it: rows of exact zeros
    const auto* m = std::get_if<MatVar>(&xs[k]);
    Eigen::MatrixXd e = m != nullptr ? Eigen::MatrixXd::Zero(m->rows(), m->cols()) : Eigen::MatrixXd();
    for (Eigen::Index j = 0; j < sizes[k]; ++j) {
      Var dj = adj[i];  // dy/dtheta_j: the scalar adjoint, or entry j of the matrix one
      if (m != nullptr) {
        e(j) = 1.0;
        dj = dot(MatVar::from_node(adj[i]), matrix_constant_copy(e));
        e(j) = 0.0;
      }
      const Gradients g = backward(dj);
      Eigen::Index col = 0;
      for (std::size_t q = 0; q < xs.size(); col += sizes[q], ++q) {
        if (const Var* v = std::get_if<Var>(&xs[q]))
          h(row + j, col) = g[*v];
        else
          h.row(row + j).segment(col, sizes[q]) = g[std::get<MatVar>(xs[q])].reshaped().transpose();
      }
    }
  }
  return h;
}

}  // namespace gradlab
