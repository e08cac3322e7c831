// The expression language: precedence, associativity, numbers, errors with their columns, deep
// nesting, --let sharing, and derivatives checked against hand formulas and central differences.
#include <fmt/format.h>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <numbers>
#include <random>
#include <string>

#include "gradlab/expr.hpp"
#include "gradlab/neuron/activation.hpp"

using namespace gradlab;
using gradlab::expr::Evaluator;
using gradlab::expr::ParseError;

namespace {
/// Records src with the given variable values on a fresh tape; returns the value.
double eval(const std::string& src, const std::map<std::string, double>& at = {}) {
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  for (const auto& [name, v] : at) ev.bind(name, tape.variable(v));
  const expr::Expression e = expr::parse(src);
  return ev.evaluate(e).value();
}

/// The message of the ParseError that parsing (and evaluating) src throws; checks its column.
std::string parse_error(const std::string& src, std::size_t column,
                        const std::map<std::string, double>& at = {}) {
  try {
    eval(src, at);
  } catch (const ParseError& e) {
    BOOST_TEST(e.column() == column, "column of the error in '" << src << "': " << e.what());
    return e.what();
  }
  BOOST_FAIL("no ParseError for '" << src << "'");
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_SUITE(expr_language)

BOOST_AUTO_TEST_CASE(precedence_and_associativity) {
  BOOST_TEST(eval("1+2*3") == 7.0);
  BOOST_TEST(eval("(1+2)*3") == 9.0);
  BOOST_TEST(eval("8-4-2") == 2.0);  // left-associative
  BOOST_TEST(eval("8/4/2") == 1.0);
  BOOST_TEST(eval("2^3^2") == 512.0);  // right-associative: 2^(3^2)
  BOOST_TEST(eval("-2^2") == -4.0);    // -(2^2)
  BOOST_TEST(eval("-x^2", {{"x", 3}}) == -9.0);
  BOOST_TEST(eval("2^-1") == 0.5);
  BOOST_TEST(eval("2^-x^2", {{"x", 1}}) == 0.5);  // 2^(-(x^2))
  BOOST_TEST(eval("-x*y", {{"x", 2}, {"y", 3}}) == -6.0);
  BOOST_TEST(eval("x--y", {{"x", 2}, {"y", 3}}) == 5.0);
  BOOST_TEST(eval("2*-3") == -6.0);
  BOOST_TEST(eval("--2") == 2.0);
  BOOST_TEST(eval("1-2+3") == 2.0);
  BOOST_TEST(eval("2*3^2") == 18.0);
  BOOST_TEST(eval("(-2)^2") == 4.0);
  BOOST_TEST(eval(" 1 +\n\t2 ") == 3.0);
}

BOOST_AUTO_TEST_CASE(numbers_and_constants) {
  BOOST_TEST(eval(".5") == 0.5);
  BOOST_TEST(eval("1e-3") == 1e-3);
  BOOST_TEST(eval("1E+2") == 100.0);
  BOOST_TEST(eval("3.") == 3.0);
  BOOST_TEST(eval("2.5e1") == 25.0);
  BOOST_TEST(eval("pi") == std::numbers::pi);
  BOOST_TEST(eval("-pi") == -std::numbers::pi);
  BOOST_TEST(eval("1e-320") == 1e-320);  // subnormal, still exact
}

BOOST_AUTO_TEST_CASE(numbers_round_trip) {
  std::mt19937_64 rng(7);
  for (int k = 0; k < 2000; ++k) {
    double v = 0;
    do {
      const std::uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof v);
    } while (!std::isfinite(v));
    v = std::abs(v);
    const std::string text = fmt::format("{}", v);  // the shortest text that reads back exactly
    BOOST_TEST(eval(text) == v, text);
  }
}

BOOST_AUTO_TEST_CASE(functions_from_the_op_table) {
  const double x = 0.7;
  BOOST_TEST(eval("exp(x)", {{"x", x}}) == std::exp(x));
  BOOST_TEST(eval("log(x)", {{"x", x}}) == std::log(x));
  BOOST_TEST(eval("sigmoid(x)", {{"x", x}}) == 1 / (1 + std::exp(-x)));
  BOOST_TEST(eval("max(x, 2)", {{"x", x}}) == 2.0);
  BOOST_TEST(eval("min(x, 2)", {{"x", x}}) == x);
  BOOST_TEST(eval("pow(x, 3)", {{"x", x}}) == std::pow(x, 3));
  BOOST_TEST(eval("pow(2, x)", {{"x", x}}) == std::pow(2, x));
  BOOST_TEST(eval("relu(-x) + abs(-x) + sqrt(x) + tanh(x)", {{"x", x}}) ==
             0.0 + x + std::sqrt(x) + std::tanh(x));
  const auto names = expr::function_names();
  for (const char* internal :
       {"input", "const", "add", "sub", "mul", "div", "neg", "powc", "addc", "mulc", "rpowc"})
    BOOST_TEST((std::find(names.begin(), names.end(), internal) == names.end()), internal);
  for (const char* f : {"exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "softplus",
                        "relu", "pow", "max", "min"})
    BOOST_TEST((std::find(names.begin(), names.end(), f) != names.end()), f);
  // Every unary function of the table is callable by name and computes the table's value.
  for (std::size_t id = 0; id < op_count(); ++id) {
    const OpInfo& info = op_info(static_cast<OpId>(id));
    if (info.arity != ops::Arity::Unary || std::find(names.begin(), names.end(), info.name) == names.end())
      continue;
    const double got = eval(std::string(info.name) + "(x)", {{"x", 0.3}});  // acosh(0.3): NaN, both
    BOOST_TEST((got == info.value1(0.3) || (std::isnan(got) && std::isnan(info.value1(0.3)))), info.name);
  }
}

BOOST_AUTO_TEST_CASE(constant_exponent_records_powc) {
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  ev.bind("x", tape.variable(-2.0));  // a negative base is fine with a constant exponent
  const expr::Expression e = expr::parse("x^2 + x^(1+1) + pow(x, -1)");
  const Var y = ev.evaluate(e);
  BOOST_TEST(y.value() == 4.0 + 4.0 - 0.5);
  int powc = 0, pow = 0;
  for (Index i = 0; i < tape.size(); ++i) {
    powc += tape.op(i) == static_cast<OpId>(ops::Builtin::PowC);
    pow += tape.op(i) == static_cast<OpId>(ops::Builtin::Pow);
  }
  BOOST_TEST(powc == 3);
  BOOST_TEST(pow == 0);
  std::vector<double> adj;
  ev.backward(y.index(), adj);
  BOOST_TEST(adj[0] == 2 * -2.0 + 2 * -2.0 - 1.0 / 4.0);  // 2x + 2x - 1/x^2
}

// issue 13: a --let without variables is a constant, so x^c is x to a constant power (any base), and
// the parameter of leaky_relu may be a constant let; a let with a variable stays a variable exponent.
BOOST_AUTO_TEST_CASE(a_let_without_variables_is_a_constant) {
  register_builtin_activations();  // leaky_relu
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  ev.bind("x", tape.variable(-3.0));
  const expr::Expression c = expr::parse("1 + 1", "--let c");
  const expr::Expression a = expr::parse("0.5*c/10", "--let a");
  ev.define("c", c);
  ev.define("a", a);
  const expr::Expression e = expr::parse("x^c + leaky_relu(x, a)");
  const Var y = ev.evaluate(e);
  BOOST_TEST(y.value() == 9.0 - 0.3);
  std::vector<double> adj;
  ev.backward(y.index(), adj);
  BOOST_TEST(adj[0] == -6.0 + 0.1);
  Evaluator ev2(tape);
  ev2.bind("x", tape.variable(-3.0));
  const expr::Expression v = expr::parse("x + 1", "--let v");
  ev2.define("v", v);
  const expr::Expression p = expr::parse("x^v");
  BOOST_CHECK_THROW(ev2.evaluate(p), DomainError);
}

// Constants go on the tape in reading order (the order of a function's arguments is unspecified in C++).
BOOST_AUTO_TEST_CASE(constants_are_recorded_in_reading_order) {
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  const expr::Expression e = expr::parse("2*3 + pow(5, 7) + max(11, 13)");
  ev.evaluate(e);
  std::vector<double> constants;
  for (Index i = 0; i < tape.size(); ++i)
    if (tape.op(i) == kConstOp) constants.push_back(tape.value(i));
  BOOST_TEST(constants == (std::vector<double>{2, 3, 5, 11, 13}), boost::test_tools::per_element());
}

// Every use of a node is its own chain-rule term: x*x gives x two terms from one user.
BOOST_AUTO_TEST_CASE(chain_terms_has_one_term_per_use) {
  const expr::Expression e = expr::parse("x*x - x/2");
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  ev.bind("x", tape.variable(3.0));
  const Var y = ev.evaluate(e);
  const auto terms = chain_terms(tape, y.index());
  BOOST_TEST_REQUIRE(terms[0].size() == 3u);
  BOOST_TEST(terms[0][0].user == terms[0][1].user);
  BOOST_TEST(terms[0][0].input == 0);
  BOOST_TEST(terms[0][1].input == 1);
  BOOST_TEST(terms[0][0].local == 3.0);
  BOOST_TEST(terms[0][1].local == 3.0);
  BOOST_TEST(terms[0][2].local == 0.5);
}

BOOST_AUTO_TEST_CASE(variable_exponent_needs_positive_base) {
  BOOST_TEST(eval("x^y", {{"x", 2}, {"y", 3}}) == 8.0);
  try {
    eval("1 + x^y", {{"x", -2}, {"y", 3}});
    BOOST_FAIL("no DomainError");
  } catch (const expr::ExprDomainError& e) {
    const std::string m = e.what();
    BOOST_TEST(contains(m, "`x^y` at column 5"), m);
    BOOST_TEST(contains(m, "x=-2, y=3"), m);
    BOOST_TEST(
        contains(m, "a variable exponent needs a positive base (a^b = exp(b ln a)), but the base is -2"), m);
    // the parts, for a front end's own sentence (gradlab check: "the claim is undefined ...")
    BOOST_TEST(e.where() == "`x^y` at column 5");
    BOOST_TEST(e.reason().rfind("a variable exponent needs a positive base", 0) == 0, e.reason());
  }
}

BOOST_AUTO_TEST_CASE(error_messages_name_the_column) {
  using M = std::map<std::string, double>;
  BOOST_TEST(contains(parse_error("", 1), "empty expression"));
  BOOST_TEST(contains(parse_error("   ", 4), "empty expression"));
  BOOST_TEST(contains(parse_error("x*y+", 5, M{{"x", 1}, {"y", 1}}), "unexpected end: expected a number"));
  BOOST_TEST(contains(parse_error("2 * * 3", 5),
                      "expected a number, a variable, '(' or a function call, but found '*'"));
  BOOST_TEST(contains(parse_error("2x", 2), "write '*' to multiply"));
  BOOST_TEST(contains(parse_error("(1+2", 5), "expected ')' to close the '(' at column 1"));
  BOOST_TEST(contains(parse_error("exp(1", 6), "expected ')' to close the '(' at column 4"));
  BOOST_TEST(contains(parse_error("1+2)", 4), "unmatched ')'"));
  BOOST_TEST(contains(parse_error("()", 2), "expected a number"));
  BOOST_TEST(contains(parse_error("1, 2", 2), "',' outside the arguments of a function call"));
  BOOST_TEST(contains(parse_error("max((1, 2))", 7), "',' outside the arguments"));
  BOOST_TEST(contains(parse_error("exp(1, 2)", 6), "too many arguments: exp takes 1 argument"));
  BOOST_TEST(contains(parse_error("max(1)", 6), "too few arguments: max takes 2 or more arguments, got 1"));
  BOOST_TEST(contains(parse_error("exp()", 5), "expected a number"));
  BOOST_TEST(
      contains(parse_error("1 + sigmod(x)", 5), "unknown function 'sigmod' (did you mean 'sigmoid'?)"));
  BOOST_TEST(contains(parse_error("qqqqqqqqq(1)", 1), "the functions are: abs, "));
  BOOST_TEST(!contains(parse_error("qqqqqqqqq(1)", 1), "did you mean"));
  BOOST_TEST(contains(parse_error("add(1, 2)", 1), "unknown function 'add'"));  // internal op names
  BOOST_TEST(contains(parse_error("powc(2, 2)", 1), "unknown function 'powc'"));
  BOOST_TEST(contains(parse_error("1 + y", 5, M{{"x", 1}}), "unbound variable 'y'"));
  BOOST_TEST(contains(parse_error("2e", 3), "expected the digits of the exponent"));
  BOOST_TEST(contains(parse_error("1e999", 1), "the number 1e999 is out of the range of a double"));
  BOOST_TEST(contains(parse_error("1 # 2", 3),
                      "expected an operator (+ - * / ^), ')', ',' or the end, but found '#'"));
  BOOST_TEST(contains(parse_error("1 + \x01", 5), "the byte 0x01"));
  BOOST_TEST(contains(parse_error("+1", 1), "unary '+' is not supported"));
  BOOST_TEST(contains(parse_error("x..5", 2, M{{"x", 1}}), "found '.'"));
}

BOOST_AUTO_TEST_CASE(caret_display_points_at_the_column) {
  const std::string m = parse_error("w*x + b ^", 10, {{"w", 1}, {"x", 1}, {"b", 1}});
  BOOST_TEST(m ==
             "column 10: unexpected end: expected a number, a variable, '(' or a function call\n"
             "  w*x + b ^\n"
             "           ^");
  // A long expression is shown as a window around the column.
  std::string src(1000, ' ');
  src[0] = '1';
  src[600] = '#';
  const std::string w = parse_error(src, 601);
  BOOST_TEST(w.size() < 300);
  const auto lines = w.substr(w.find('\n') + 1);
  const std::size_t hash = lines.find('#');
  const std::size_t caret = lines.find('^');
  BOOST_TEST(caret - lines.find('\n') - 1 == hash);
  try {
    expr::parse("1+", "--let f");
  } catch (const ParseError& e) {
    BOOST_TEST(std::string(e.what()).starts_with("--let f: column 3: "));
    BOOST_TEST(e.reason() == "unexpected end: expected a number, a variable, '(' or a function call");
  }
}

BOOST_AUTO_TEST_CASE(deep_nesting_does_not_overflow_the_stack) {
  const int depth = 100000;
  BOOST_TEST(eval(std::string(depth, '(') + "x" + std::string(depth, ')'), {{"x", 2}}) == 2.0);
  std::string calls;
  for (int i = 0; i < depth; ++i) calls += "sin(";
  calls += "x" + std::string(depth, ')');
  double expect = 0.5;
  for (int i = 0; i < depth; ++i) expect = std::sin(expect);
  BOOST_TEST(eval(calls, {{"x", 0.5}}) == expect);
  std::string minus(depth, '-');
  BOOST_TEST(eval(minus + "x", {{"x", 3}}) == 3.0);  // an even number of minus signs
  std::string powers;
  for (int i = 0; i < depth; ++i) powers += "1^";
  BOOST_TEST(eval(powers + "x", {{"x", 3}}) == 1.0);  // right-associative chain
  // Deep nesting still reports errors at the right place.
  BOOST_TEST(contains(parse_error(std::string(depth, '('), depth + 1), "unexpected end"));
  BOOST_TEST(contains(parse_error(calls.substr(0, 4 * depth) + "x", 4 * depth + 2, {{"x", 1}}),
                      "expected ')' to close the '(' at column"));
}

BOOST_AUTO_TEST_CASE(a_million_terms_parse_and_evaluate_fast) {
  std::string src;
  const int terms = 1000000;
  src.reserve(8 * terms);
  for (int i = 0; i < terms; ++i) src += i ? "+x*0.5" : "x*0.5";
  const auto start = std::chrono::steady_clock::now();
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  const Var x = tape.variable(2.0);
  ev.bind("x", x);
  const expr::Expression e = expr::parse(src);
  const Var y = ev.evaluate(e);
  std::vector<double> adj;
  ev.backward(y.index(), adj);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(y.value() == terms * 1.0);
  BOOST_TEST(adj[x.index()] == terms * 0.5);
  BOOST_TEST(seconds < 20.0);  // about 0.3 s in a release build; generous for sanitizers
}

BOOST_AUTO_TEST_CASE(expressions_over_100_mb_are_rejected) {
  std::string big(expr::kMaxSourceBytes + 1, ' ');
  try {
    expr::parse(std::move(big));
    BOOST_FAIL("no error");
  } catch (const Error& e) {
    BOOST_TEST(contains(e.what(), "the limit is 100 MB"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_let_is_recorded_once_and_shared) {
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  ev.bind("x", tape.variable(0.5));
  const expr::Expression f = expr::parse("sigmoid(x)", "--let f");
  const expr::Expression g = expr::parse("f * (1 - f)", "--let g");
  const expr::Expression main = expr::parse("g + f");
  const Var fv = ev.define("f", f);
  ev.define("g", g);
  const Var y = ev.evaluate(main);
  int sigmoids = 0;
  for (Index i = 0; i < tape.size(); ++i) sigmoids += tape.op(i) == static_cast<OpId>(ops::Builtin::Sigmoid);
  BOOST_TEST(sigmoids == 1);  // f used three times, recorded once
  const double s = 1 / (1 + std::exp(-0.5));
  BOOST_TEST(y.value() == s * (1 - s) + s, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(ev.formula(fv.index()) == "f = sigmoid(x)");
  BOOST_TEST(ev.label(0) == "x");
  // A later let cannot be used before it is defined.
  Evaluator ev2(tape);
  ev2.bind("x", tape.variable(1.0));
  const expr::Expression uses_later = expr::parse("h + 1", "--let a");
  BOOST_CHECK_EXCEPTION(ev2.define("a", uses_later), ParseError, [](const ParseError& e) {
    return contains(e.what(), "--let a: column 1: unbound variable 'h'");
  });
  BOOST_CHECK_EXCEPTION(ev2.bind("x", tape.variable(2.0)), Error,
                        [](const Error& e) { return std::string(e.what()) == "'x' is defined twice"; });
  BOOST_CHECK_EXCEPTION(ev2.bind("pi", tape.variable(2.0)), Error, [](const Error& e) {
    return std::string(e.what()) == "'pi' is a constant; it cannot be given a value";
  });
  const expr::Expression one = expr::parse("1");
  BOOST_CHECK_EXCEPTION(ev2.define("x", one), Error,
                        [](const Error& e) { return std::string(e.what()) == "'x' is defined twice"; });
}

// The Evaluator's misuse: a tape that is not the active one, and bindings from before a clear().
BOOST_AUTO_TEST_CASE(evaluator_misuse) {
  Tape tape, other;
  Evaluator ev(tape);
  {
    TapeScope scope(tape);
    ev.bind("x", tape.variable(1.0));
    BOOST_CHECK_EXCEPTION(ev.bind("y", other.variable(1.0)), gradlab::TapeError,
                          [](const Error& e) { return contains(e.what(), "Vars cannot cross tapes"); });
  }
  {
    TapeScope wrong(other);  // ev records on `tape`, but `other` is active
    const expr::Expression e = expr::parse("sin(x) + 2");
    BOOST_CHECK_EXCEPTION(ev.evaluate(e), Error, [](const Error& err) {
      return contains(err.what(), "`sin(x)` at column 1 at x=1: a Var recorded on tape #") &&
             contains(err.what(), "Vars cannot cross tapes");
    });
  }
  TapeScope scope(tape);
  tape.clear();  // without ev.reset(): x is bound to a node from before the clear
  const expr::Expression e = expr::parse("x * 2");
  BOOST_CHECK_EXCEPTION(ev.evaluate(e), Error, [](const Error& err) {
    // the stale x has no value to show, so the message names only the position and the cause
    return contains(err.what(), "`x * 2` at column 1: a Var from tape #") &&
           contains(err.what(), "was used after the tape was cleared");
  });
  std::vector<double> adj;
  BOOST_CHECK_EXCEPTION(ev.backward(7, adj), gradlab::TapeError, [](const Error& err) {
    return contains(err.what(), "backward: node 7 is not on this tape (size ");
  });
  ev.reset();
  ev.bind("x", tape.variable(3.0));
  BOOST_TEST(ev.evaluate(e).value() == 6.0);
}

BOOST_AUTO_TEST_CASE(formulas_and_positions_of_nodes) {
  Tape tape;
  TapeScope scope(tape);
  Evaluator ev(tape);
  ev.bind("w", tape.variable(0.5));
  ev.bind("x", tape.variable(2.0));
  const expr::Expression e = expr::parse("log(1 + (w * x))");
  const Var y = ev.evaluate(e);
  BOOST_TEST(ev.formula(y.index()) == "log(1 + (w * x))");
  BOOST_TEST(ev.where(y.index()) == "`log(1 + (w * x))` at column 1");
  BOOST_TEST(ev.formula(y.index() - 1) == "1 + (w * x)");
  BOOST_TEST(ev.formula(y.index() - 2) == "1");  // the literal, recorded when add needed it
  BOOST_TEST(ev.where(y.index() - 2) == "`1` at column 5");
  BOOST_TEST(ev.formula(y.index() - 3) == "(w * x)");
  BOOST_TEST(ev.where(y.index() - 3) == "`(w * x)` at column 9");
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_position) {
  DetectAnomaly on;
  try {
    eval("2 * log(x)", {{"x", 0}});
    BOOST_FAIL("no AnomalyError");
  } catch (const AnomalyError& e) {
    BOOST_TEST(
        std::string(e.what()) ==
        "anomaly: `log(x)` at column 5 produced -inf in the forward pass at x=0\n  2 * log(x)\n      ^");
  }
  try {
    Tape tape;
    TapeScope scope(tape);
    Evaluator ev(tape);
    ev.bind("x", tape.variable(0.0));
    const expr::Expression e = expr::parse("1 + sqrt(x)");
    const Var y = ev.evaluate(e);
    std::vector<double> adj;
    ev.backward(y.index(), adj);
    BOOST_FAIL("no AnomalyError");
  } catch (const AnomalyError& e) {
    BOOST_TEST(
        contains(e.what(), "`sqrt(x)` at column 5 produced inf in the backward pass (the adjoint of `x`"),
        e.what());
  }
  BOOST_CHECK_EXCEPTION(eval("1/x", {{"x", 0}}), AnomalyError, [](const AnomalyError& e) {
    return contains(e.what(), "`1/x` at column 1 produced inf in the forward pass at x=0");
  });
}

BOOST_AUTO_TEST_CASE(without_anomaly_mode_non_finite_values_pass_through) {
  BOOST_TEST(eval("log(x)", {{"x", 0}}) == -std::numeric_limits<double>::infinity());
  BOOST_TEST(std::isnan(eval("sqrt(x)", {{"x", -1}})));
}

// Derivatives three ways: the engine through the parser, the hand-derived formula, central differences.
BOOST_AUTO_TEST_CASE(derivatives_three_ways) {
  struct Case {
    const char* src;
    double (*f)(double, double);
    double (*dfdw)(double, double);  // hand-derived
  };
  const Case cases[] = {
      {"sigmoid(w*x + 1)", [](double w, double x) { return 1 / (1 + std::exp(-(w * x + 1))); },
       [](double w, double x) {
         const double s = 1 / (1 + std::exp(-(w * x + 1)));
         return s * (1 - s) * x;
       }},
      {"(w - x)^2 / 2", [](double w, double x) { return (w - x) * (w - x) / 2; },
       [](double w, double x) { return w - x; }},
      {"-w^3 + exp(2^-w)", [](double w, double) { return -w * w * w + std::exp(std::pow(2, -w)); },
       [](double w, double) {
         return -3 * w * w + std::exp(std::pow(2, -w)) * std::pow(2, -w) * -std::log(2.0);
       }},
      {"sin(w*x)/(1 + w^2)", [](double w, double x) { return std::sin(w * x) / (1 + w * w); },
       [](double w, double x) {
         return x * std::cos(w * x) / (1 + w * w) - 2 * w * std::sin(w * x) / ((1 + w * w) * (1 + w * w));
       }},
  };
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-2, 2);
  for (const Case& c : cases) {
    const expr::Expression e = expr::parse(c.src);
    for (int k = 0; k < 200; ++k) {
      const double w = u(rng), x = u(rng);
      Tape tape;
      TapeScope scope(tape);
      Evaluator ev(tape);
      const Var wv = tape.variable(w);
      ev.bind("w", wv);
      ev.bind("x", tape.variable(x));
      const Var y = ev.evaluate(e);
      std::vector<double> adj;
      ev.backward(y.index(), adj);
      const double ad = adj[wv.index()];
      const double hand = c.dfdw(w, x);
      const double h = 1e-6;
      const double central = (c.f(w + h, x) - c.f(w - h, x)) / (2 * h);
      BOOST_TEST(y.value() == c.f(w, x), boost::test_tools::tolerance(1e-13));
      BOOST_TEST(std::abs(ad - hand) <= 1e-12 * (1 + std::abs(hand)), c.src << " at w=" << w << " x=" << x);
      BOOST_TEST(std::abs(ad - central) <= 1e-7 * (1 + std::abs(hand)), c.src << " at w=" << w << " x=" << x);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(registered_activations)

BOOST_AUTO_TEST_CASE(activations_are_callable_by_name_with_optional_alpha) {
  gradlab::register_builtin_activations();
  for (const ActivationInfo* a : activation_list()) {
    const std::string name(a->name);
    BOOST_TEST(eval(name + "(x)", {{"x", -0.7}}) == a->value(-0.7), name);
    if (a->parametric()) BOOST_TEST(eval(name + "(x, 0.3)", {{"x", -0.7}}) == a->value(-0.7, 0.3), name);
  }
  BOOST_TEST(eval("leaky_relu(x, 2^-2)", {{"x", -1}}) == -0.25);  // a constant expression as alpha
  try {
    eval("leaky_relu(x, a)", {{"x", -1}, {"a", 0.1}});
    BOOST_FAIL("no ParseError");
  } catch (const ParseError& e) {
    BOOST_TEST(e.column() == 15u);
    BOOST_TEST(
        contains(e.what(), "the parameter of leaky_relu must be a constant (it is not differentiated)"));
  }
  BOOST_TEST(
      contains(parse_error("sigmoid(x, 2)", 10, {{"x", 1}}), "too many arguments: sigmoid takes 1 argument"));
  BOOST_TEST(contains(parse_error("gelux(x)", 1, {{"x", 1}}), "did you mean 'gelu'?"));
}

// Issue 15's vocabulary in the language (the functions come from the op table), n-ary max, min and
// logsumexp, and issue 13's NaN in max in both argument orders.
BOOST_AUTO_TEST_CASE(vocabulary_and_calls_with_more_arguments) {
  const std::map<std::string, double> at{{"a", 1.0}, {"b", 3.0}, {"c", 2.0}};
  BOOST_TEST(eval("max(a, b, c)", at) == 3.0);
  BOOST_TEST(eval("min(c, b, a, 7)", at) == 1.0);
  BOOST_TEST(eval("logsumexp(a, b, c)", at) == std::log(std::exp(1.0) + std::exp(3.0) + std::exp(2.0)),
             boost::test_tools::tolerance(1e-15));
  BOOST_TEST(eval("max(a, max(b, c), 2*c)", at) == 4.0);  // nested calls with more arguments
  BOOST_TEST(eval("hypot(x, x)", {{"x", 1e200}}) == std::hypot(1e200, 1e200));
  BOOST_TEST(eval("log1p(x)", {{"x", 1e-10}}) == std::log1p(1e-10));
  BOOST_TEST(eval("erfc(x)", {{"x", 10.0}}) == std::erfc(10.0));
  BOOST_TEST(eval("atan2(a, c) + xlogy(0, a) + asinh(a) + relu6(b) + round(2.5)", at) ==
             std::atan2(1.0, 2.0) + 0.0 + std::asinh(1.0) + 3.0 + 2.0);
  BOOST_TEST(std::isnan(eval("max(sqrt(x), y)", {{"x", -1.0}, {"y", 2.0}})));
  BOOST_TEST(std::isnan(eval("max(y, sqrt(x))", {{"x", -1.0}, {"y", 2.0}})));
  BOOST_TEST(
      contains(parse_error("max(a)", 6, at), "too few arguments: max takes 2 or more arguments, got 1"));
  BOOST_TEST(contains(parse_error("hypot(a, b, c)", 11, at), "too many arguments: hypot takes 2 arguments"));
  BOOST_TEST(eval("clamp(b, a, c) + clamp(a, c) + softplus(a, 2)", at) ==
             2.0 + 2.0 + std::log1p(std::exp(2.0)) / 2.0);
  BOOST_TEST(
      contains(parse_error("clamp(a, b, c, a)", 14, at), "too many arguments: clamp takes 2 or 3 arguments"));
}

BOOST_AUTO_TEST_SUITE_END()
