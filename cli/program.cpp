#include "program.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "output.hpp"

namespace gradlab::cli {

Program::Program(const ExprOptions& opt) {
  for (const std::string& text : opt.lets) {
    auto [name, body] = parse_let(text);
    if (!let_names_.insert(name).second)
      throw Error(fmt::format("--let {}: '{}' is defined twice", name, name));
    lets_.emplace_back(name,
                       std::make_unique<expr::Expression>(expr::parse(std::move(body), "--let " + name)));
  }
  stdin_used_ = opt.expr == "-";
  main_ = std::make_unique<expr::Expression>(expr::parse(read_expression(opt.expr)));
}

std::size_t Program::add(const std::string& text, const std::string& context) {
  if (text == "-" && stdin_used_)
    throw Error(fmt::format("{}: standard input ('-') can be read only once", context));
  stdin_used_ = stdin_used_ || text == "-";
  extras_.push_back(std::make_unique<expr::Expression>(expr::parse(read_expression(text), context)));
  return extras_.size() - 1;
}

bool Program::is_let(const std::string& name) const { return let_names_.count(name) != 0; }

std::vector<std::string> Program::let_names() const {
  std::vector<std::string> out;
  for (const auto& l : lets_) out.push_back(l.first);
  return out;
}

std::vector<std::string> Program::free_variables() const { return variables(true); }

std::vector<std::string> Program::expression_variables() const { return variables(false); }

std::vector<std::string> Program::variables(bool with_extras) const {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  auto collect = [&](const expr::Expression& e) {
    for (const std::string& n : e.names())
      if (!is_let(n) && seen.insert(n).second) out.push_back(n);
  };
  for (const auto& l : lets_) collect(*l.second);
  collect(*main_);
  if (with_extras)
    for (const auto& e : extras_) collect(*e);
  return out;
}

Program::Recorded Program::record(expr::Evaluator& ev, const std::vector<Binding>& point) const {
  Tape& tape = Tape::current();
  Recorded r;
  for (const Binding& b : point) {
    if (is_let(b.name))
      throw Error(fmt::format("--at: '{}' is defined by --let; it cannot also be given a value", b.name));
    r.inputs.push_back(tape.variable(b.value));
    ev.bind(b.name, r.inputs.back());
  }
  for (const auto& [name, e] : lets_) ev.define(name, *e);
  r.root = ev.evaluate(*main_);
  return r;
}

Var Program::record_extra(expr::Evaluator& ev, std::size_t k) const { return ev.evaluate(*extras_.at(k)); }

Recording::Recording(const Program& program, const std::vector<Binding>& point)
    : r(program.record(ev, point)), root(r.root.index()) {
  ev.backward(root, adj);
  warn_if_not_finite(tape.value(root), "the value");
}

double Recording::gradient(std::size_t k, const std::vector<Binding>& point) const {
  const double g = adj[r.inputs[k].index()];  // inputs are recorded before the root
  warn_if_not_finite(g, fmt::format("d/d{}", point[k].name));
  return g;
}

double value_at(const Program& program, const std::vector<Binding>& point) {
  Tape tape;
  TapeScope scope(tape);
  expr::Evaluator ev(tape);
  return tape.value(program.record(ev, point).root.index());
}

}  // namespace gradlab::cli
