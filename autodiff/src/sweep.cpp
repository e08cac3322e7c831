// The reverse sweep, written once for both sweep types (first order on doubles, differentiable on
// Vars), and the chain-rule terms that the sweep adds up.
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <vector>

#include "gradlab/autodiff/matrix.hpp"
#include "gradlab/autodiff/number_text.hpp"
#include "gradlab/autodiff/ops.hpp"

namespace gradlab {

namespace detail {
std::string describe_inputs(const Tape& t, const Node& n);  // ops.cpp
}

namespace {
/// The one sweep loop: from root down to node 0, every node that the root depends on hands its
/// adjoint g on to its parents through `step(i, g)` (its op's rule). Parents have smaller
/// indices, so each adjoint is complete when its node is reached. The adjoint is read once, here,
/// and handed to `step` (reading it again in `step` costs instructions in the hot loop).
template <class Sweep, class Skip, class Step>
[[gnu::always_inline]] inline void sweep(const Sweep& s, Index root, Skip&& skip, Step&& step) {
  for (Index i = root + 1; i-- > 0;) {
    const auto g = s.adjoint(i);
    if (skip(i, g)) continue;
    step(i, g);
  }
}

/// Whether node i of a first-order sweep from root hands its adjoint on although the adjoint is 0:
/// yes when a path leads from the root to it. An adjoint that is 0 by arithmetic (y * 0, or x - x)
/// is handed on like any other, so that 0 x inf gives NaN, as IEEE 754 and PyTorch say: skipping it
/// would turn that NaN into a false 0. Only a node that the root does not depend on (its adjoint
/// was never written) is skipped. Asked only for adjoints that are 0 (rarely, off the hot path);
/// the nodes reached from the root are worked out once per sweep, into `reached`, on first need.
[[gnu::cold, gnu::noinline]] bool reached_from(const Tape& t, Index root, Index i,
                                               std::vector<std::uint8_t>& reached) {
  const OpId op = t.op(i);
  if (op == kInputOp || op == kConstOp) return false;  // a leaf: it has nothing to hand on
  // A matrix node's entry is a flag, 1 once a rule wrote its adjoint; 0 means that none did (its
  // users do not want it: it does not depend on an input), and it has no adjoint buffer to hand on.
  if (detail::is_matrix_node(t, i)) return false;
  if (reached.empty()) {
    reached.assign(static_cast<std::size_t>(root) + 1, 0);
    reached[root] = 1;
    for (Index j = root + 1; j-- > 0;) {
      if (reached[j] == 0 || !detail::wants_adjoint(t, j)) continue;
      for (Index p : {t.parent_a(j), t.parent_b(j)})
        if (p != kNoParent && detail::wants_adjoint(t, p)) reached[p] = 1;
    }
  }
  return reached[i] != 0;
}

/// The first-order sweep's state for the built-in rules in the hot loop of Tape::backward. Unlike
/// DoubleSweep it keeps node i-1's share in a register:
///
/// The reverse sweep of a Wengert list is a chain of store-to-load dependencies (node i reads
/// adj[i], which node i+1 has just written), so the share that node i gives to node i-1, the next
/// one visited, stays in `carry` instead of going through memory. Node i-1's adjoint is then
/// adj[i-1] + carry: the same additions in the same order as without the carry (node i is the
/// last user of i-1 that the sweep visits), so the adjoints are bit for bit the same. When a node
/// adds twice into i-1 (x * x), the first share goes to memory and the second to the carry, which
/// keeps that order too. The empty carry is -0.0, the exact additive identity (x + -0.0 == x, also
/// for x = -0.0).
struct CarrySweep {
  const Node* nodes;
  double* adj;
  double& carry;                  // a local of hot_step, so that it lives in a register
  Index prev;                     // i - 1 for the node being visited
  mutable bool carrying = false;  // the carry holds a share for prev
  [[nodiscard]] double val(Index i) const { return nodes[i].value; }
  [[nodiscard]] Index parent_a(Index i) const { return nodes[i].a; }
  [[nodiscard]] Index parent_b(Index i) const { return nodes[i].link.b; }  // of a binary op's node
  [[nodiscard]] double param(Index i) const { return nodes[i].param; }
  [[nodiscard]] double partial(Index i) const { return nodes[i].partial; }
  [[nodiscard]] static bool needs(Index) { return true; }
  void add(Index i, double d) const {
    if (i == prev) {
      if (carrying) [[unlikely]]
        adj[i] += carry;  // a second share for i-1: the first one goes to memory, in order
      carry = d;
      carrying = true;
    } else {
      adj[i] += d;
    }
  }
};

/// Node i's step in the hot loop: Op's rule on a carrying state; returns the share for node i-1
/// (-0.0 when there is none).
template <class Op>
[[gnu::always_inline]] inline double hot_step(const Node* nodes, double* adj, Index i, double g) {
  double carry = -0.0;
  backward_node<Op>(CarrySweep{nodes, adj, carry, i - 1}, i, g);
  return carry;
}

/// Node i's step by the op table (matrix and user ops, and nodes whose adjoint is 0), adding in
/// memory; returns the empty carry. Out of line: a call in the hot loop with g live across it makes
/// GCC keep g and the carry in memory for every node.
[[gnu::noinline]] double table_step(const DoubleSweep& s, Index i, double g) {
  op_info(s.nodes[i].op).backward(s, i, g);
  return -0.0;
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
                  op, i, detail::describe_inputs(t, t.node(i)), number_text(g), number_text(adj), bad),
      {AnomalyError::Phase::Backward, op, i, bad, adj, g});
}

void check_backward(const Tape& t, Index i, double g, const double* adj) {
  for (Index p : {t.parent_a(i), t.parent_b(i)}) {
    if (p == kNoParent) continue;
    if (!std::isfinite(adj[p])) throw_backward_anomaly(t, i, g, p, adj[p]);
    if (t.slot(p) != 0) detail::check_matrix_adjoint(t, i, p);  // a matrix adjoint, in the arena
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
  std::vector<std::uint8_t> reached;  // see reached_from
  const auto skip = [&](Index i, double g) { return g == 0.0 && !reached_from(*this, root, i, reached); };
  if (detect_anomaly()) [[unlikely]] {  // the same sweep, with each node's shares checked
    sweep(s, root, skip, [&](Index i, double g) {
      op_info(s.nodes[i].op).backward(s, i, g);
      check_backward(*this, i, g, s.adj);
    });
    return;
  }
  // The hot loop: built-in rules inline on the carrying state (see CarrySweep), others (matrix and
  // user ops) by the table on s, adding in memory while the carry is empty. Everything the loop
  // carries from node to node is a local (no address taken), so that it stays in registers.
  const Node* const nodes = s.nodes;
  double* const adjoints = s.adj;
  double carry = -0.0;
  for (Index i = root + 1; i-- > 0;) {
    double g = adjoints[i] + carry;  // node i's complete adjoint
    adjoints[i] = g;
    carry = -0.0;
    if (g == 0.0) [[unlikely]] {
      if (!reached_from(*this, root, i, reached)) continue;
      g = adjoints[i];  // the same: read again so that g need not live across the call
      carry = table_step(s, i, g);
      continue;
    }
    switch (static_cast<ops::Builtin>(nodes[i].op)) {
#define GRADLAB_CASE(N)                              \
  case ops::Builtin::N:                              \
    carry = hot_step<ops::N>(nodes, adjoints, i, g); \
    break;
      GRADLAB_BUILTIN_OPS(GRADLAB_CASE)
#undef GRADLAB_CASE
      default:
        carry = table_step(s, i, g);
    }
  }
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
  sweep(
      s, root, [&](Index i, const Var& g) { return s.skip(i, g); },
      [&](Index i, const Var& g) { op_info(nodes_[i].op).backward_recorded(s, i, g); });
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
    local[2].link.b = 1;
    std::array<double, 3> d{};
    info.backward(DoubleSweep{tape, local.data(), d.data()}, 2, 1.0);
    terms[a].push_back({u, d[0], 0});
    terms[b].push_back({u, d[1], 1});
  }
  return terms;
}

}  // namespace gradlab
