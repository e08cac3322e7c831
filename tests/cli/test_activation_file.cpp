// Activations defined in a file (--activations FILE): loaded, checked three ways, refused with the
// file, line and column; usable as engine ops with exact second derivatives and declared kinks.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "activation_file.hpp"
#include "common.hpp"
#include "gradlab/autodiff/higher_order.hpp"
#include "gradlab/neuron/activation.hpp"

using namespace gradlab;
using namespace gradlab::cli;

namespace {
/// A file with `text` in the temporary directory, removed at the end.
struct TextFile {
  std::filesystem::path path;
  TextFile(const std::string& name, const std::string& text)
      : path(std::filesystem::temp_directory_path() /
             ("gradlab_acts_" + name + "_" + std::to_string(::getpid()) + ".txt")) {
    std::ofstream(path) << text;
  }
  ~TextFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;
};

/// The message of the Error that loading `text` throws ("" when it loads).
std::string load_error(const std::string& name, const std::string& text) {
  const TextFile f(name, text);
  try {
    load_activation_file(f.path.string());
  } catch (const Error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.rfind(f.path.string() + ":", 0) == 0, "the message starts with the file: " << msg);
    return msg.substr(f.path.string().size());
  }
  return "";
}

/// Loads `text`, which must load, and returns the op of its activation `name`.
OpId load_op(const std::string& file, const std::string& text, const std::string& name) {
  BOOST_TEST(load_error(file, text) == "");
  const auto id = find_op(name);
  BOOST_TEST_REQUIRE(id.has_value());
  return *id;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_SUITE(activation_file)

// A smooth activation with its hand derivative: an engine op whose value and derivative are the
// file's, whose second derivative (the recorded sweep evaluates the derivative on Vars) is exact.
BOOST_AUTO_TEST_CASE(mish_loads_and_its_hessian_is_exact) {
  const OpId id = load_op("mish",
                          "# Mish\nt_mish(x) = x*tanh(softplus(x))\n"
                          "t_mish'(u) = tanh(softplus(u)) + u*sigmoid(u)*(1 - tanh(softplus(u))^2)\n",
                          "t_mish");
  BOOST_TEST(op_info(id).kink_distance == nullptr);  // smooth: no kinks declared
  const ActivationInfo& act = activation("t_mish");
  for (const double x0 : {-2.5, -0.3, 0.0, 0.7, 4.0}) {
    const double sp = std::log1p(std::exp(x0)), t = std::tanh(sp), s = 1 / (1 + std::exp(-x0));
    BOOST_TEST(act.value(x0) == x0 * t, boost::test_tools::tolerance(1e-14));
    Tape tape;
    TapeScope scope(tape);
    const Var x = tape.variable(x0);
    const Var fused = apply(id, x);
    const Var composite = x * tanh(softplus(x));
    BOOST_TEST(grad(fused, {x})[0] == t + x0 * s * (1 - t * t), boost::test_tools::tolerance(1e-13));
    // f'' through the fused op (autodiff of the stated derivative) = autodiff of autodiff of f.
    BOOST_TEST(hessian(fused, {x})(0, 0) == hessian(composite, {x})(0, 0),
               boost::test_tools::tolerance(1e-12));
    BOOST_TEST(derivative([&](const Var& v) { return apply(id, v); }, x0, 3) ==
                   derivative([](const Var& v) { return v * tanh(softplus(v)); }, x0, 3),
               boost::test_tools::tolerance(1e-10));
  }
}

// PyTorch's hardsigmoid with kinks at -3 and 3: derivative 0 at the kinks (torch 1.13), which lies
// between the one-sided derivatives; the kinks reach the op's kink interface.
BOOST_AUTO_TEST_CASE(hard_sigmoid_with_kinks) {
  BOOST_TEST(load_error("hs",
                        "t_hs(x) = min(max(x + 3, 0), 6)/6\nt_hs'(x) = step(x + 3)*step(3 - x)/6\n"
                        "kinks: -3, 3\n") == "");
  const OpInfo& info = op_info(*find_op("t_hs"));
  BOOST_TEST_REQUIRE(info.kink_distance != nullptr);
  BOOST_TEST(info.kink_distance(2.5, 0.0) == 0.5);
  BOOST_TEST(info.kink_distance(-3.0, 0.0) == 0.0);
  const ActivationInfo& act = activation("t_hs");
  BOOST_TEST(act.d(-3.0) == 0.0);
  BOOST_TEST(act.d(3.0) == 0.0);
  BOOST_TEST(act.d(0.0) == 1.0 / 6.0);
  BOOST_TEST(act.value(-4.0) == 0.0);
  BOOST_TEST(act.value(4.0) == 1.0);
}

// A wrong hand derivative is refused, naming its line, the point and the ratio.
BOOST_AUTO_TEST_CASE(a_wrong_derivative_is_refused) {
  const std::string e = load_error("wrong", "t_sq(x) = x*x*x\nt_sq'(x) = 2*x*x\n");
  BOOST_TEST(contains(e, ":2:1: t_sq'(x) disagrees with the definition of t_sq: at x = "), e);
  BOOST_TEST(contains(e, "(ratio stated / autodiff = 0.666666666666"), e);
  BOOST_TEST(!activation_names().empty());
  BOOST_CHECK_THROW(activation("t_sq"), Error);  // not registered
}

// At a declared kink, the stated derivative must lie between the one-sided derivatives.
BOOST_AUTO_TEST_CASE(a_wrong_derivative_at_a_kink_is_refused) {
  const std::string e =
      load_error("kink", "t_abs(x) = abs(x)\nt_abs'(x) = sign(x) - 5*(1 - abs(sign(x)))\nkinks: 0\n");
  BOOST_TEST(contains(e, ":3:1: at the kink x = 0, t_abs' is -5, but the one-sided derivatives are -1"), e);
  // The same with PyTorch's 0 at the kink loads.
  BOOST_TEST(load_error("kink_ok", "t_abs2(x) = abs(x)\nt_abs2'(x) = sign(x)\nkinks: 0\n") == "");
}

// Errors name the line and the column (a syntax error's column comes from the expression parser).
BOOST_AUTO_TEST_CASE(errors_name_line_and_column) {
  BOOST_TEST(contains(load_error("syntax", "\n  t_bad(x) = x*(x+\n"), ":2:19: "));
  BOOST_TEST(contains(load_error("unbound", "t_ub(x) = x*y\n"), ":1:13: unknown name 'y'"));
  BOOST_TEST(contains(load_error("builtin", "relu(x) = x\n"), ":1:1: 'relu' is already a function"));
  BOOST_TEST(
      contains(load_error("twice", "t_tw(x) = x\nt_tw(x) = 2*x\n"), ":2:1: 't_tw' is already a function"));
  BOOST_TEST(
      contains(load_error("orphan", "t_or'(x) = 1\n"), ":1:1: t_or' must follow the definition of t_or"));
  BOOST_TEST(contains(load_error("kinks", "t_k(x) = abs(x)\nkinks: 0, abc\n"), ":2:11: kinks: 'abc' is not"));
  BOOST_TEST(contains(load_error("nokink", "kinks: 0\n"), ":1:1: 'kinks:' must follow a definition"));
  BOOST_TEST(contains(load_error("params", "t_p(x, y, z) = x\n"), ":1:9: expected ')'"));
  BOOST_TEST(
      contains(load_error("noalpha", "t_na(x, a) = a*x\n"),
               ":1:1: t_na has a parameter 'a': give its default on the next line, as in alpha: 0.01"));
  BOOST_TEST(
      contains(load_error("alphaless", "t_al(x) = x\nalpha: 2\n"), ":2:1: alpha: t_al has no parameter"));
  BOOST_TEST(
      contains(load_error("alphatwo", "t_a2(x, a) = a*x\nalpha: 1, 2\n"), ":2:1: alpha: write one number"));
  BOOST_TEST(contains(load_error("domain", "t_d(x) = x\ndomain: 1, 0\n"), ":2:1: domain: write two numbers"));
  BOOST_TEST(contains(load_error("noeq", "t_e(x) x\n"), ":1:8: expected '='"));
  // what the language refuses whatever the value is refused on load, at its column in the file
  BOOST_TEST(contains(load_error("param", "t_pa(x) = leaky_relu(x, x)\n"),
                      ":1:25: the parameter of leaky_relu must be a constant"));
  const std::string missing = "/nonexistent/gradlab_activations.txt";
  try {
    load_activation_file(missing);
    BOOST_FAIL("no error");
  } catch (const Error& e) {
    BOOST_TEST(contains(e.what(), missing + ": cannot read the activations file"), e.what());
  }
}

// A definition may use an earlier one of the file; without a hand derivative, f' is autodiff of the
// definition, also in the recorded sweep (second derivatives stay exact).
BOOST_AUTO_TEST_CASE(definitions_build_on_each_other) {
  BOOST_TEST(load_error("chain", "t_sq2(x) = x*x\nt_quad(x) = t_sq2(t_sq2(x)) + sin(x)\n") == "");
  const auto id = find_op("t_quad");
  BOOST_TEST_REQUIRE(id.has_value());
  for (const double x0 : {-1.5, 0.5, 2.0}) {
    const auto f = [&](const Var& v) { return apply(*id, v); };
    BOOST_TEST(derivative(f, x0, 1) == 4 * x0 * x0 * x0 + std::cos(x0), boost::test_tools::tolerance(1e-13));
    BOOST_TEST(derivative(f, x0, 2) == 12 * x0 * x0 - std::sin(x0), boost::test_tools::tolerance(1e-13));
    BOOST_TEST(derivative(f, x0, 3) == 24 * x0 - std::cos(x0), boost::test_tools::tolerance(1e-12));
  }
}

// A definition is evaluated by the language's own walk (expr_walk.hpp): n-ary calls, a^b with a
// variable exponent and constant subexpressions work in a file as in an expression.
BOOST_AUTO_TEST_CASE(a_definition_has_the_whole_language) {
  BOOST_TEST(load_error("nary",
                        "t_max3(x) = max(x, 0.5*x, -1)\n"
                        "t_lse(x) = logsumexp(x, 0, 2*x) + 2^x + 2*3\n") == "");
  const auto max3 = find_op("t_max3"), lse = find_op("t_lse");
  BOOST_TEST_REQUIRE((max3.has_value() && lse.has_value()));
  for (const double x0 : {-3.0, -1.5, 0.5, 2.0}) {
    const auto f = [&](const Var& v) { return apply(*max3, v); };
    BOOST_TEST(derivative(f, x0, 0) == std::max({x0, 0.5 * x0, -1.0}));
    BOOST_TEST(derivative(f, x0, 1) == (x0 > 0 ? 1.0 : x0 > -2 ? 0.5 : 0.0));
    const auto g = [&](const Var& v) { return apply(*lse, v); };
    const double ex = std::exp(x0), e2x = std::exp(2 * x0), sum = 1 + ex + e2x;
    BOOST_TEST(derivative(g, x0, 0) == std::log(sum) + std::exp2(x0) + 6,
               boost::test_tools::tolerance(1e-13));
    BOOST_TEST(derivative(g, x0, 1) == (ex + 2 * e2x) / sum + std::log(2.0) * std::exp2(x0),
               boost::test_tools::tolerance(1e-13));
  }
}

// An activation with a parameter (name(x, alpha) = ..., and its default on an `alpha:` line): an op
// with a constant parameter, as leaky_relu; checked three ways at its default, half and twice it.
BOOST_AUTO_TEST_CASE(an_activation_with_a_parameter) {
  const OpId id = load_op("prelu",
                          "t_prelu(x, a) = max(x, a*x)\nt_prelu'(u, b) = b + (1 - b)*step(u)\nkinks: 0\n"
                          "alpha: 0.25\n",
                          "t_prelu");
  BOOST_TEST((op_info(id).arity == ops::Arity::UnaryParam));
  const ActivationInfo& act = activation("t_prelu");
  BOOST_TEST(act.default_alpha.value_or(0) == 0.25);
  for (const double a : {0.25, 0.5, 0.125})
    for (const double x0 : {-2.0, 1.5}) {
      BOOST_TEST(act.value(x0, a) == std::max(x0, a * x0));
      Tape tape;
      TapeScope scope(tape);
      const Var x = tape.variable(x0);
      BOOST_TEST(grad(apply(id, x, a), {x})[0] == (x0 > 0 ? 1.0 : a));
      BOOST_TEST(grad(act.composite(x, a), {x})[0] == (x0 > 0 ? 1.0 : a));
    }
  // a derivative right only at the default alpha is refused, naming the alpha where it is wrong
  const std::string e = load_error("prelu_wrong",
                                   "t_prelu2(x, a) = max(x, a*x)\nt_prelu2'(x, a) = 0.25 + 0.75*step(x)\n"
                                   "kinks: 0\nalpha: 0.25\n");
  BOOST_TEST(contains(e, ":2:1: t_prelu2'(x, a) disagrees with the definition of t_prelu2 with a = 0.125"),
             e);
}

BOOST_AUTO_TEST_SUITE_END()
