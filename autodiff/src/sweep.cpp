// The reverse sweep, written once for both sweep types (first order on doubles, differentiable on
// Vars), and the chain-rule terms that the sweep adds up.
#include <fmt/format.h>

#include <array>

#include "gradlab/autodiff/matrix.hpp"
#include "gradlab/autodiff/ops.hpp"

namespace gradlab {

namespace detail {
std::string describe_inputs(const Tape& t, Index a, Index b);  // ops.cpp
}

namespace {
/// The one sweep loop: from root down to node 0, every node whose adjoint g is not (known to be)
/// zero hands it on to its parents through `step(i, g)` (its op's rule). Parents have smaller
/// indices, so each adjoint is complete when its node is reached. The adjoint is read once, here,
/// and handed to `step` (reading it again in `step` costs instructions in the hot loop).
template <class Sweep, class Step>
[[gnu::always_inline]] inline void sweep(const Sweep& s, Index root, Step&& step) {
  for (Index i = root + 1; i-- > 0;) {
    const auto g = s.adjoint(i);
    if (s.skip(i, g)) continue;
    step(i, g);
  }
}

void check_root(const Tape& t, Index root, const char* what) {
  if (root >= t.size())
    throw TapeError(fmt::format("{}: node {} is not on this tape (size {})", what, root, t.size()));
  // A sweep starts from a scalar: a matrix node's adjoint entry is only a flag (see backward).
  if (detail::is_matrix_node(t, root))
    throw ShapeError(
        fmt::format("{}: node {} is a matrix; reduce it to a scalar first (sum, mean, dot, "
                    "squared_norm)",
                    what, root));
}

[[noreturn]] void throw_backward_anomaly(const Tape& t, Index i, double g, Index bad, double adj) {
  const char* op = op_info(t.op(i)).name;
  throw AnomalyError(
      fmt::format("anomaly: the backward pass of '{}' (node {}, {}, upstream adjoint {}) produced {} for the "
                  "adjoint of node {}",
                  op, i, detail::describe_inputs(t, t.parent_a(i), t.node(i).b), g, adj, bad),
      {AnomalyError::Phase::Backward, op, i, bad, adj, g});
}

void check_backward(const Tape& t, Index i, double g, const double* adj) {
  for (Index p : {t.parent_a(i), t.parent_b(i)}) {
    if (p == kNoParent) continue;
    if (!std::isfinite(adj[p])) throw_backward_anomaly(t, i, g, p, adj[p]);
    if (t.node(p).slot != 0) detail::check_matrix_adjoint(t, i, p);  // a matrix adjoint, in the arena
  }
}
}  // namespace

void Tape::backward(Index root, std::vector<double>& adj) const {
  check_root(*this, root, "backward");
  adj.assign(static_cast<std::size_t>(root) + 1, 0.0);
  adj[root] = 1.0;
  // A matrix node's entry in adj is a flag: 1 once its matrix adjoint (kept in the matrix arena)
  // has been written, 0 before; so matrix nodes that received an adjoint are never skipped.
  const DoubleSweep s{*this, nodes_.get(), adj.data()};
  const bool anomaly = detect_anomaly();
  sweep(s, root, [&](Index i, double g) {
    switch (static_cast<ops::Builtin>(s.nodes[i].op)) {  // built-in rules inline, others by the table
#define GRADLAB_CASE(N)             \
  case ops::Builtin::N:             \
    backward_node<ops::N>(s, i, g); \
    break;
      GRADLAB_BUILTIN_OPS(GRADLAB_CASE)
#undef GRADLAB_CASE
      default:
        op_info(s.nodes[i].op).backward(s, i, g);
    }
    if (anomaly) [[unlikely]]
      check_backward(*this, i, g, s.adj);
  });
}

std::vector<Var> Tape::backward_recorded(Index root) {
  check_root(*this, root, "backward_recorded");
  const std::size_t n = static_cast<std::size_t>(root) + 1;
  // active[i]: node i depends on an independent variable, so its adjoint is worth recording.
  std::vector<bool> active(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const Index a = parent_a(i), b = parent_b(i);
    active[i] = nodes_[i].op == kInputOp || (a != kNoParent && active[a]) || (b != kNoParent && active[b]);
  }
  std::vector<Var> adj(n);
  adj[root] = constant(1.0);
  const RecordedSweep s{*this, adj, active};
  sweep(s, root, [&](Index i, const Var& g) { op_info(nodes_[i].op).backward_recorded(s, i, g); });
  return adj;
}

std::vector<std::vector<ChainTerm>> chain_terms(const Tape& tape, Index root) {
  check_root(tape, root, "chain_terms");
  std::vector<std::vector<ChainTerm>> terms(static_cast<std::size_t>(root) + 1);
  std::vector<double> scratch(static_cast<std::size_t>(root) + 1, 0.0);
  const DoubleSweep s{tape, &tape.node(0), scratch.data()};
  for (Index u = 0; u <= root; ++u) {
    const OpInfo& info = op_info(tape.op(u));
    if (info.arity == ops::Arity::Leaf) continue;  // an input, a constant, or a matrix op's node
    const Index a = tape.parent_a(u);
    const Index b = tape.parent_b(u);
    // The local derivatives are the adjoints that the op's rule sends to its inputs for an upstream 1.
    if (b == kNoParent) {
      info.backward(s, u, 1.0);
      terms[a].push_back({u, scratch[a], 0});
      scratch[a] = 0.0;
      continue;
    }
    // A binary op runs on a copy of its node whose inputs sit in slots 0 and 1, so that x*x (a and b
    // the same node) gives two terms, one per use, as the sweep's two `+=` do.
    std::array<Node, 3> local{tape.node(a), tape.node(b), tape.node(u)};
    local[2].a = 0;
    local[2].b = 1;
    std::array<double, 3> d{};
    info.backward(DoubleSweep{tape, local.data(), d.data()}, 2, 1.0);
    terms[a].push_back({u, d[0], 0});
    terms[b].push_back({u, d[1], 1});
  }
  return terms;
}

}  // namespace gradlab
