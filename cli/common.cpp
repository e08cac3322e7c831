#include "common.hpp"

namespace gradlab::cli {

std::vector<std::vector<ChainTerm>> chain_terms(const Tape& tape, Index root) {
  std::vector<std::vector<ChainTerm>> terms(static_cast<std::size_t>(root) + 1);
  std::vector<double> scratch(static_cast<std::size_t>(root) + 1, 0.0);
  const DoubleSweep s{tape, &tape.node(0), scratch.data()};
  for (Index u = 0; u <= root; ++u) {
    const OpInfo& info = op_info(tape.op(u));
    if (info.arity == ops::Arity::Leaf) continue;
    // The local derivatives are the adjoints that the op's rule sends to its inputs for an upstream 1.
    info.backward(s, u, 1.0);
    const Index a = tape.parent_a(u);
    const Index b = info.arity == ops::Arity::Binary ? tape.parent_b(u) : kNoParent;
    terms[a].push_back({u, scratch[a]});
    if (b != kNoParent && b != a) terms[b].push_back({u, scratch[b]});
    scratch[a] = 0.0;
    if (tape.parent_b(u) != kNoParent) scratch[tape.parent_b(u)] = 0.0;
  }
  return terms;
}

}  // namespace gradlab::cli
