// gradlab explain: the chain-rule ledger, the forward pass as a table and the backward pass node by node.
#include <fmt/format.h>

#include <iostream>

#include "common.hpp"
#include "explain_network.hpp"
#include "gradlab/neuron/report.hpp"
#include "results.hpp"

namespace gradlab::cli {

namespace {
/// " (as a)" or " (as b)": which input of its user a chain-rule term is.
std::string input_name(const ChainTerm& c) { return c.input == 0 ? " (as a)" : " (as b)"; }

int run_explain(const ExprOptions& o) {
  DetectAnomaly anomaly(o.detect_anomaly);
  const Program program(o);
  const std::vector<Binding> point = parse_bindings(o.at, "--at", true);
  const Recording rec(program, point);
  if (o.json) {
    print_json(ledger_json(rec, point));
    return 0;
  }
  const Tape& tape = rec.tape;
  const expr::Evaluator& ev = rec.ev;
  const Index root = rec.root;
  const std::vector<double>& adj = rec.adj;
  const std::vector<std::vector<ChainTerm>> terms = chain_terms(tape, root);
  auto name = [](Index i) { return fmt::format("v{}", i); };

  // The forward pass: one row per node, in the order it was recorded.
  std::vector<std::vector<std::string>> rows;
  for (Index i = 0; i <= root; ++i)
    rows.push_back({name(i), op_info(tape.op(i)).name, ev.formula(i, 40), num(tape.value(i))});
  const std::string table = format_table({"node", "op", "formula", "value"}, rows, "<<<<");
  std::cout << "forward pass (each node computed from earlier ones):\n";
  for (std::size_t b = 0, e = 0; b < table.size(); b = e + 1) {  // indented by two spaces
    e = table.find('\n', b);
    std::cout << "  " << std::string_view(table).substr(b, e - b) << '\n';
  }

  // The backward pass: adjoint(i) = sum over the nodes u that use i of adjoint(u) * du/di.
  std::cout << "\nbackward pass (adjoint of a node = \u03a3 over its users: user's adjoint \u00d7 local "
               "derivative):\n";
  for (Index i = root + 1; i-- > 0;) {
    if (tape.op(i) == kConstOp) continue;
    std::string line = fmt::format("  {} `{}`: ", name(i), ev.formula(i, 40));
    if (i == root) {
      line += "adjoint = 1 (the output)";
    } else if (terms[i].empty()) {
      line += "adjoint = 0 (not used by the output)";
    } else {
      // Each use is its own term; a user that takes the node twice (x*x) names which input each is.
      std::string sum;
      const std::vector<ChainTerm>& ts = terms[i];
      for (std::size_t k = 0; k < ts.size(); ++k) {
        const bool twice =
            (k > 0 && ts[k - 1].user == ts[k].user) || (k + 1 < ts.size() && ts[k + 1].user == ts[k].user);
        sum += fmt::format("{}{} {} \u00d7 {}{}", sum.empty() ? "" : " + ", name(ts[k].user),
                           num(adj[ts[k].user]), num(ts[k].local), twice ? input_name(ts[k]) : "");
      }
      line += fmt::format("adjoint = {} = {}", sum, num(adj[i]));
    }
    std::cout << line << '\n';
  }
  std::cout << "\ngradient:\n";
  for (std::size_t k = 0; k < point.size(); ++k) {
    const double g = rec.gradient(k, point);
    std::cout << fmt::format("  \u2202/\u2202{} = {}\n", point[k].name, num(g));
  }
  return 0;
}
}  // namespace

Command add_explain(CLI::App& app) {
  auto o = std::make_shared<ExprOptions>();
  CLI::App* sub =
      app.add_subcommand("explain", "the chain-rule ledger: forward pass table, backward pass node by node");
  o->add_to(*sub);
  sub->footer(
      "The forward pass lists every node the expression records (its op, the piece of the formula it\n"
      "computes, its value). The backward pass then gives each node's adjoint, d output / d node, as the\n"
      "sum over the nodes that use it of (their adjoint) x (the local derivative), with the numbers;\n"
      "each use is its own term (x*x uses x twice: once as a, once as b).\n"
      "--let names label their nodes.\n\n"
      "Example:\n"
      "  gradlab explain --let 'f=sigmoid(w*x+b)' '(f-y)^2/2' --at w=0.5,b=-1,x=2,y=0.3");
  auto net = add_network_explain(*sub);  // --model --data --row: a network (explain_network.cpp)
  return {sub, [o, net] { return run_explain_or_network(*net, [o] { return run_explain(*o); }); }};
}

}  // namespace gradlab::cli
