#include "common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>

namespace gradlab::cli {

void ExprOptions::add_to(CLI::App& app, bool with_json) {
  app.add_option("EXPR", expr, "the expression, e.g. 'sigmoid(w*x+b)'; '-' reads it from standard input")
      ->required();
  app.add_option("--let", lets, "NAME=EXPR: a named subexpression, usable after it (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--at", at, "the point: NAME=VALUE pairs, e.g. w=0.5,b=-1 (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--detect-anomaly", detect_anomaly,
               "stop at the first NaN or Inf and name the op and its position in the expression");
  if (with_json) app.add_flag("--json", json, "print one JSON object (numbers round-trip exactly)");
}

Program::Program(const ExprOptions& opt) {
  for (const std::string& text : opt.lets) {
    auto [name, body] = parse_let(text);
    if (is_let(name)) throw Error(fmt::format("--let {}: '{}' is defined twice", name, name));
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

bool Program::is_let(const std::string& name) const {
  return std::any_of(lets_.begin(), lets_.end(), [&](const auto& l) { return l.first == name; });
}

std::vector<std::string> Program::free_variables() const {
  std::vector<std::string> out;
  auto collect = [&](const expr::Expression& e) {
    for (const std::string& n : e.names())
      if (!is_let(n) && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& l : lets_) collect(*l.second);
  collect(*main_);
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
  for (const auto& e : extras_) r.extras.push_back(ev.evaluate(*e));
  return r;
}

Recording::Recording(const Program& program, const std::vector<Binding>& point)
    : r(program.record(ev, point)), root(r.root.index()) {
  ev.backward(root, adj);
  warn_if_not_finite(tape.value(root), "the value");
}

const CLI::Validator kPositiveFinite(
    [](std::string& s) {
      double v = 0;
      const bool ok = CLI::detail::lexical_cast(s, v) && std::isfinite(v) && v > 0;
      return ok ? std::string() : fmt::format("expected a finite number > 0, got '{}'", s);
    },
    "NUMBER > 0");

const CLI::Validator kCount(
    [](std::string& s) {
      int v = 0;
      const bool ok = CLI::detail::lexical_cast(s, v) && v >= 0;
      return ok ? std::string()
                : fmt::format("expected a whole number from 0 to {}, got '{}'",
                              std::numeric_limits<int>::max(), s);
    },
    "COUNT");

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

std::vector<std::size_t> parse_wrt(const std::string& wrt, const std::vector<Binding>& point) {
  std::vector<std::size_t> out;
  if (wrt.empty()) {
    for (std::size_t k = 0; k < point.size(); ++k) out.push_back(k);
    return out;
  }
  std::size_t start = 0;
  while (start <= wrt.size()) {
    std::size_t end = wrt.find(',', start);
    if (end == std::string::npos) end = wrt.size();
    std::string name = wrt.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!is_identifier(name))
      throw expr::ParseError(wrt, start, "expected a variable name (as in --wrt w,b)", "--wrt");
    const auto it =
        std::find_if(point.begin(), point.end(), [&](const Binding& b) { return b.name == name; });
    if (it == point.end())
      throw expr::ParseError(
          wrt, start, fmt::format("'{}' is not a variable of --at (give it a value there)", name), "--wrt");
    const auto k = static_cast<std::size_t>(it - point.begin());
    if (std::find(out.begin(), out.end(), k) != out.end())
      throw expr::ParseError(wrt, start, fmt::format("'{}' is given twice", name), "--wrt");
    out.push_back(k);
    start = end + 1;
  }
  return out;
}

std::string num(double v) { return fmt::format("{}", v); }

void warn_if_not_finite(double v, const std::string& what) {
  static bool warned = false;
  if (std::isfinite(v) || warned) return;
  warned = true;
  std::cerr << fmt::format(
      "gradlab: warning: {} is {}; run again with --detect-anomaly to find the op that produced it\n", what,
      v);
}

void print_json(const Json& j) { std::cout << j.dump(2) << '\n'; }

std::string describe_point(const std::vector<Binding>& point) {
  std::string s;
  for (const Binding& b : point) s += fmt::format("{}{}={}", s.empty() ? "" : ", ", b.name, b.value);
  return s;
}

figures::Options figure_options() {
  figures::Options o;
  if (const char* g = std::getenv("GRADLAB_GNUPLOT"); g && *g) o.gnuplot = g;
  return o;
}

void print_figure_report(const figures::Report& r, bool json_mode) {
  std::ostream& out = json_mode ? std::cerr : std::cout;
  if (r.gnuplot_missing)
    std::cerr << "gradlab: note: gnuplot was not found, so no images were drawn; the data and the .gp "
                 "scripts are in "
              << r.dir << " (install gnuplot-nox, then run `gnuplot NAME.gp` there)\n";
  for (const std::string& e : r.errors) std::cerr << "gradlab: warning: " << e << '\n';
  if (!json_mode) out << fmt::format("wrote to {}: {}\n", r.dir, fmt::join(r.files, ", "));
}

}  // namespace gradlab::cli
