// The reverse sweep, written once for both sweep types (first order on doubles, differentiable on
// Vars), and the chain-rule terms that the sweep adds up.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "gradlab/autodiff/matrix.hpp"
#include "gradlab/autodiff/number_text.hpp"
#include "gradlab/autodiff/ops.hpp"

namespace gradlab {

namespace detail {
std::string describe_inputs(const Tape& t, const Node& n);  // ops.cpp
}

// ---- statement mode: the sweep over statement entries ------------------------------------------

/// Runs f(p) for each input p of node i: a statement entry's leaves (as often as they occur), else
/// its parent nodes.
template <class F> void for_each_input(const Tape& t, Index i, F&& f) {
  if (t.is_statement(i)) {
    for (Index k = 0, n = t.statement_size(i); k < n; ++k) f(t.statement_leaf(i, k));
    return;
  }
  for (Index p : {t.parent_a(i), t.parent_b(i)})
    if (p != kNoParent) f(p);
}

namespace detail {
/// The one statement step: entry i with adjoint g, whose words start at w and which has n leaves,
/// hands g times each stored partial to its leaf, in order, adding in memory (two leaves a round:
/// their nodes share a word). The hot loop of Tape::backward runs it on runs of entries
/// (statement_run); the anomaly sweep, and entries reached with a 0 adjoint, through the op table
/// (statement_backward).
[[gnu::always_inline]] inline void statement_step(const StatementWord* w, Index n, double* adj, double g) {
  const StatementWord* const partials_end = w + n;
  const StatementWord* leaf = partials_end;
  for (; partials_end - w >= 2; w += 2, ++leaf) {
    adj[leaf->leaves[0]] += g * w[0].partial;
    adj[leaf->leaves[1]] += g * w[1].partial;
  }
  if (w != partials_end) adj[leaf->leaves[0]] += g * w->partial;
}
void statement_backward(const DoubleSweep& s, Index i, double g) {
  statement_step(s.tape.statement_words(i), s.tape.statement_size(i), s.adj, g);
}
void statement_backward_recorded(const RecordedSweep&, Index i, const Var&) {
  throw Error(fmt::format("internal error: the differentiable sweep reached statement entry {}", i));
}
}  // namespace detail
// ---- end of statement mode's block --------------------------------------------------------------

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
      for_each_input(t, j, [&](Index p) {
        if (detail::wants_adjoint(t, p)) reached[p] = 1;
      });
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

// ---- statement mode ----------------------------------------------------------------------------
/// The hot loop at statement entry i with adjoint g (not 0): the step of i, then of each entry
/// below it while the node below is a statement entry (no dispatch between them) and, Checked, its
/// adjoint is not 0 (the loop decides whether it is handed on: reached_from); returns the last entry
/// stepped. Unchecked, the run steps entries with a 0 adjoint too, which is the same unless one has
/// a partial that is not finite (see run_handed_on_nan). Every share goes to memory (the carry stays
/// empty): an entry's adjoint is complete in memory when it is reached, as in statement_backward. An
/// entry's leaves come before it, so an entry is never node 0 and i - 1 never wraps.
template <bool Checked> [[gnu::noinline]] Index statement_run(const detail::StatementWord* words,
                                                              const Node* nodes, double* adj, Index i,
                                                              double g) {
  const Node* n = nodes + i;
  const double* a = adj + i;
  for (;;) {
    detail::statement_step(words + n->a, n->type->leaves, adj, g);
    --n;
    --a;
    if (n->holds != Node::Holds::statement) break;
    g = *a;
    if constexpr (Checked) {
      if (g == 0.0) [[unlikely]]
        break;
    }
  }
  return static_cast<Index>(n - nodes) + 1;
}

/// Whether one of entries end .. i - 1 (stepped by an unchecked run, with their adjoints in adj)
/// has a 0 adjoint and a partial that is not finite (the cold part of run_handed_on_nan).
[[gnu::cold, gnu::noinline]] bool zero_meets_nonfinite(const detail::StatementWord* words, const Node* nodes,
                                                       const double* adj, Index end, Index i) {
  for (Index j = end; j < i; ++j) {
    if (adj[j] != 0.0) continue;
    const detail::StatementWord* w = words + nodes[j].a;
    for (Index k = 0; k < nodes[j].type->leaves; ++k)
      if (!std::isfinite(w[k].partial)) return true;
  }
  return false;
}
/// Whether the unchecked run that stepped entries i down to end handed on something that the
/// checked run would not have: an entry with a 0 adjoint (which the checked run stops at, and steps
/// only when the root depends on it) that has a partial that is not finite, and so handed on NaN
/// (0 x inf). Every other entry with a 0 adjoint handed on 0s, which change no adjoint. Not testing
/// each adjoint in the run takes a fifth off the neuron's sweep; this test is one pass over the
/// run's adjoints (vectorised), and over an entry's partials only where its adjoint is 0.
[[gnu::always_inline]] inline bool run_handed_on_nan(const detail::StatementWord* words, const Node* nodes,
                                                     const double* adj, Index end, Index i) {
  std::uint64_t zero = 0;  // 64 bits, as wide as a double: GCC vectorises the loop (not with a bool)
  for (Index j = end; j < i; ++j) zero |= adj[j] == 0.0;
  return zero != 0 && zero_meets_nonfinite(words, nodes, adj, end, i);
}
// ---- end of statement mode's block --------------------------------------------------------------

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
  if (t.is_statement(i))  // statement mode: an entry has leaves, not two inputs
    throw AnomalyError(
        fmt::format("anomaly: the backward pass of a statement entry (node {}, value {}, upstream "
                    "adjoint {}) produced {} for the adjoint of node {}",
                    i, number_text(t.value(i)), number_text(g), number_text(adj), bad),
        {AnomalyError::Phase::Backward, op, i, bad, adj, g});
  throw AnomalyError(
      fmt::format("anomaly: the backward pass of '{}' (node {}, {}, upstream adjoint {}) produced {} for the "
                  "adjoint of node {}",
                  op, i, detail::describe_inputs(t, t.node(i)), number_text(g), number_text(adj), bad),
      {AnomalyError::Phase::Backward, op, i, bad, adj, g});
}

void check_backward(const Tape& t, Index i, double g, const double* adj) {
  for_each_input(t, i, [&](Index p) {
    if (!std::isfinite(adj[p])) throw_backward_anomaly(t, i, g, p, adj[p]);
    if (t.slot(p) != 0) detail::check_matrix_adjoint(t, i, p);  // a matrix adjoint, in the arena
  });
}
/// The hot loop of Tape::backward: built-in rules inline on the carrying state (see CarrySweep),
/// others (matrix and user ops) by the table on s, adding in memory while the carry is empty.
/// Everything the loop carries from node to node is a local (no address taken), so that it stays
/// in registers. With Runs (a tape with statement entries), the run of entries from a statement
/// entry is stepped apart (statement_run<Checked>), and the loop goes on below it; without, the
/// loop is node mode's alone (changing i inside it costs GCC's simple counter, about 7 instructions
/// per node) and an entry, which such a tape does not hold, would be stepped on its own. Returns
/// false, or true when an unchecked run handed on NaN that the checked sweep would not (the sweep
/// stops there: see run_handed_on_nan).
template <bool Runs, bool Checked = true>
[[gnu::always_inline]] inline bool hot_loop(const Tape& t, const DoubleSweep& s, Index root,
                                            std::vector<std::uint8_t>& reached,
                                            const detail::StatementWord* words) {
  const Node* const nodes = s.nodes;
  double* const adjoints = s.adj;
  double carry = -0.0;
  for (Index i = root + 1; i-- > 0;) {
    double g = adjoints[i] + carry;  // node i's complete adjoint
    adjoints[i] = g;
    carry = -0.0;
    if (g == 0.0) [[unlikely]] {
      if (!reached_from(t, root, i, reached)) continue;
      g = adjoints[i];  // the same: read again so that g need not live across the call
      carry = table_step(s, i, g);
      continue;
    }
    switch (static_cast<ops::Builtin>(nodes[i].op)) {
#define GRADLAB_CASE(N)                                                                             \
  case ops::Builtin::N:                                                                             \
    if constexpr (std::is_same_v<ops::N, ops::Statement>) {                                         \
      if constexpr (Runs) {                                                                         \
        const Index end = statement_run<Checked>(words, nodes, adjoints, i, g);                     \
        if (!Checked && end != i && run_handed_on_nan(words, nodes, adjoints, end, i)) return true; \
        i = end;                                                                                    \
      } else {                                                                                      \
        detail::statement_step(words + nodes[i].a, nodes[i].type->leaves, adjoints, g);             \
      }                                                                                             \
    } else {                                                                                        \
      carry = hot_step<ops::N>(nodes, adjoints, i, g);                                              \
    }                                                                                               \
    break;
      GRADLAB_BUILTIN_OPS(GRADLAB_CASE)
#undef GRADLAB_CASE
      default:
        carry = table_step(s, i, g);
    }
  }
  return false;
}
}  // namespace

void Tape::backward(Index root, std::vector<double>& adj) const {
  check_root(*this, root, "backward");
  // d root / d root = 1, every other adjoint 0 (adj's buffer moves only the first time)
  const auto seed = [&] {
    adj.resize(static_cast<std::size_t>(root) + 1);
    std::fill(adj.begin(), adj.end(), 0.0);
    adj[root] = 1.0;
  };
  seed();
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
  // The hot loop; on a tape with statement entries, the one that sweeps runs of them apart, first
  // without testing their adjoints, and again testing them when that handed on a NaN it should not.
  if (!has_statements()) {
    hot_loop<false>(*this, s, root, reached, stmt_words_.data());
  } else if (hot_loop<true, false>(*this, s, root, reached, stmt_words_.data())) {
    seed();
    hot_loop<true, true>(*this, s, root, reached, stmt_words_.data());
  }
}

namespace {
/// The differentiable sweep from root over nodes (a statement entry has no parents: it is never
/// active, and backward_replayed records the ones below root again as nodes first).
std::vector<Var> recorded_sweep(Tape& t, Index root) {
  const std::size_t n = static_cast<std::size_t>(root) + 1;
  // active[i]: node i depends on an independent variable, so its adjoint is worth recording.
  std::vector<bool> active(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const Index a = t.parent_a(i), b = t.parent_b(i);
    active[i] = t.op(i) == kInputOp || (a != kNoParent && active[a]) || (b != kNoParent && active[b]);
  }
  std::vector<Var> adj(n);
  adj[root] = t.constant(1.0);
  const RecordedSweep s{t, adj, active};
  sweep(
      s, root, [&](Index i, const Var& g) { return s.skip(i, g); },
      [&](Index i, const Var& g) { op_info(t.op(i)).backward_recorded(s, i, g); });
  return adj;
}
}  // namespace

std::vector<Var> Tape::backward_recorded(Index root) {
  check_root(*this, root, "backward_recorded");
  if (has_statements()) return backward_replayed(root);  // statement mode
  return recorded_sweep(*this, root);
}

// ---- statement mode ----------------------------------------------------------------------------
/// The differentiable sweep on a tape with statement entries: the part of the graph below root that
/// depends on a statement is recorded again as nodes (each statement replayed from its leaves and
/// constants by its type, each node that uses one copied with its inputs mapped), then the ordinary
/// recorded sweep runs from the stand-in of root. Entry i of the result is the adjoint of node i's
/// stand-in.
std::vector<Var> Tape::backward_replayed(Index root) {
  const std::size_t n = static_cast<std::size_t>(root) + 1;
  std::vector<std::uint8_t> reached(n, 0);  // root depends on node i
  reached[root] = 1;
  for (Index j = root + 1; j-- > 0;)
    if (reached[j] != 0) for_each_input(*this, j, [&](Index p) { reached[p] = 1; });
  std::vector<Index> map(n);  // node i's stand-in: itself, or its copy
  std::vector<Index> mapped_leaves;
  for (Index i = 0; i < n; ++i) {
    map[i] = i;
    if (is_statement(i)) {
      if (reached[i] == 0) continue;
      const Index leaves = statement_size(i);
      mapped_leaves.resize(leaves);
      for (Index k = 0; k < leaves; ++k) mapped_leaves[k] = map[statement_leaf(i, k)];
      map[i] = statement_type(i).replay(*this, mapped_leaves.data(), statement_constants(i));
      continue;
    }
    if (reached[i] == 0) continue;
    const Node node = nodes_[i];  // a copy: recording may move the nodes
    const Index a = parent_a(i), b = parent_b(i);
    if ((a == kNoParent || map[a] == a) && (b == kNoParent || map[b] == b)) continue;
    if (slot(i) != 0)
      throw Error(fmt::format(
          "backward_recorded: matrix node {} uses the result of a statement entry; second derivatives "
          "through matrix ops need the statement's result recorded as nodes (gradlab::Var)",
          i));
    switch (node.holds) {
      case Node::Holds::param:
        map[i] = record_param(node.op, map[a], node.param, node.value).index();
        break;
      case Node::Holds::partial:
        map[i] = record_unary(node.op, map[a], node.value, node.partial).index();
        break;
      default:
        map[i] = record(node.op, map[a], b == kNoParent ? kNoParent : map[b], node.value).index();
    }
  }
  const std::vector<Var> adj = recorded_sweep(*this, map[root]);
  std::vector<Var> out(n);
  for (Index i = 0; i < n; ++i) out[i] = adj[map[i]];
  return out;
}
// ---- end of statement mode's block --------------------------------------------------------------

std::vector<std::vector<ChainTerm>> chain_terms(const Tape& tape, Index root) {
  check_root(tape, root, "chain_terms");
  if (tape.has_statements())  // statement mode
    for (Index u = 0; u <= root; ++u)
      if (tape.is_statement(u))
        throw Error(
            "chain_terms (explain) needs nodes: statement entries keep no intermediate nodes (record "
            "with gradlab::Var instead of gradlab::statements::Var)");
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
