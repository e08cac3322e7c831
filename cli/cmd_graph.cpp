// gradlab graph: the computation graph in Graphviz DOT, each node with its op, value and adjoint.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "common.hpp"

extern char** environ;

namespace gradlab::cli {

namespace {
struct GraphOptions {
  ExprOptions e;
  std::string out;
};

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Runs `dot -T<format> -o out in` and fails with a message when dot is missing or fails.
void render(const std::string& dot_file, const std::string& format, const std::string& out) {
  const std::string t = "-T" + format;
  std::vector<char*> argv{
      const_cast<char*>("dot"),       const_cast<char*>(t.c_str()),        const_cast<char*>("-o"),
      const_cast<char*>(out.c_str()), const_cast<char*>(dot_file.c_str()), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0)
    throw Error("could not run graphviz's 'dot' (is graphviz installed?); write a .dot file instead");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(fmt::format("graphviz's 'dot' failed to render {}", out));
}

int run_graph(const GraphOptions& o) {
  DetectAnomaly anomaly(o.e.detect_anomaly);
  std::string format;
  if (ends_with(o.out, ".svg")) format = "svg";
  if (ends_with(o.out, ".png")) format = "png";
  if (!o.out.empty() && format.empty() && !ends_with(o.out, ".dot"))
    throw Error(fmt::format("-o {}: the file name must end in .dot, .svg or .png", o.out));
  const Program program(o.e);
  const std::vector<Binding> point = parse_bindings(o.e.at, "--at", true);
  const Recording rec(program, point);
  const Tape& tape = rec.tape;
  const expr::Evaluator& ev = rec.ev;
  const Index root = rec.root;
  const std::vector<double>& adj = rec.adj;
  for (std::size_t k = 0; k < point.size(); ++k) (void)rec.gradient(k, point);  // the warning, if any

  std::ostringstream dot;
  dot << "digraph gradlab {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=11];\n";
  for (Index i = 0; i <= root; ++i) {
    const OpId op = tape.op(i);
    const char* shape = op == kInputOp   ? "box"
                        : op == kConstOp ? "plaintext"
                        : i == root      ? "doubleoctagon"
                                         : "ellipse";
    std::string label = fmt::format("v{}: {}\\n{}\\nvalue = {}", i, op_info(op).name,
                                    dot_escape(ev.formula(i, 30)), num(tape.value(i)));
    if (op != kConstOp) label += fmt::format("\\nadjoint = {}", num(adj[i]));
    dot << fmt::format("  v{} [shape={}, label=\"{}\"];\n", i, shape, label);
  }
  for (Index i = 0; i <= root; ++i)
    for (Index p : {tape.parent_a(i), tape.parent_b(i)})
      if (p != kNoParent) dot << fmt::format("  v{} -> v{};\n", p, i);
  dot << "}\n";

  if (o.out.empty()) {
    std::cout << dot.str();
    return 0;
  }
  if (format.empty()) {
    write_file(o.out, dot.str());
  } else {
    // dot reads a temporary file of its own (a unique name, removed afterwards), never one of the user's.
    const TempFile dot_file(".dot");
    write_file(dot_file.path(), dot.str());
    render(dot_file.path(), format, o.out);
  }
  std::cerr << fmt::format("gradlab: wrote {}\n", o.out);
  return 0;
}
}  // namespace

Command add_graph(CLI::App& app) {
  auto o = std::make_shared<GraphOptions>();
  CLI::App* sub =
      app.add_subcommand("graph", "the computation graph in Graphviz DOT, with values and adjoints");
  o->e.add_to(*sub, false);
  sub->add_option("-o,--output", o->out,
                  "write to FILE.dot, or render FILE.svg / FILE.png with graphviz's dot");
  sub->footer(
      "Each node shows its op, the piece of the formula it computes, its value and its adjoint\n"
      "(d output / d node). Edges point from an input to the node that uses it. Without -o the DOT\n"
      "text goes to standard output.\n\n"
      "Example:\n"
      "  gradlab graph 'sigmoid(w*x+b)' --at w=0.5,b=-1,x=2 -o neuron.svg");
  return {sub, [o] { return run_graph(*o); }};
}

}  // namespace gradlab::cli
