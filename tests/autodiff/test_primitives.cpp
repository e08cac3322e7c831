// Every primitive checked three ways (autodiff, hand-written derivative, central differences) at
// 100 random points, first and second order, driven by the catalogue (catalogue.cpp). Plus the
// conventions at kinks and the stability of sigmoid and softplus for large |z|.
#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <string_view>

#include "catalogue.hpp"

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;
using namespace gradlab_test;

namespace {

constexpr int kPoints = 100;
constexpr double kTolFirst = 1e-13;   // autodiff vs hand, first derivative
constexpr double kTolSecond = 1e-12;  // recorded sweep vs hand, second derivative
constexpr double kTolCentral = 1e-7;  // autodiff vs the best central difference
constexpr std::array kSteps = {1e-3, 1e-4, 1e-5, 1e-6, 1e-7};

std::mt19937_64& rng() {
  static std::mt19937_64 r(20240917);
  return r;
}

double sample(const Domain& d) {
  std::uniform_real_distribution<double> u(d.lo, d.hi);
  for (;;) {
    const double x = u(rng());
    if (!d.kink || std::abs(x - *d.kink) >= d.margin) return x;
  }
}

/// Central differences (f(x+h) - f(x-h)) / 2h over the step sweep; returns the one closest to `reference`
/// (truncation error shrinks with h, rounding error grows, so one step in the sweep is near-optimal).
template <class F> double best_central_difference(F&& f, double x, double reference) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const double h : kSteps) {
    const double fd = (f(x + h) - f(x - h)) / (2.0 * h);
    if (!(std::abs(fd - reference) >= std::abs(best - reference))) best = fd;
  }
  return best;
}

std::string_view recorded_op(const Tape& tape, const Var& y) {
  return gradlab::op_info(tape.op(tape.check(y))).name;
}

#define CHECK_CLOSE(got, want, tol, what) \
  BOOST_TEST(close((got), (want), (tol)), \
             what << ": autodiff " << (got) << " vs " << (want) << " (tol " << (tol) << ")")

struct ByHand {
  double value, d1, d2;
};

/// Checks y = f(x) at x0 on a cleared tape: y records `op`; its value; f' by the double sweep
/// against the hand formula and against central differences; f' by the recorded sweep; and f''
/// (the recorded sweep differentiated) against the hand formula.
void check_one_variable(Tape& tape, std::string_view op, const std::function<Var(const Var&)>& f, double x0,
                        const ByHand& want) {
  tape.clear();
  const Var x = tape.variable(x0);
  const Var y = f(x);
  BOOST_TEST(recorded_op(tape, y) == op);
  CHECK_CLOSE(y.value(), want.value, kTolFirst, "value");
  const double d1 = gradlab::grad(y, {x})[0];
  CHECK_CLOSE(d1, want.d1, kTolFirst, "f' vs hand");
  CHECK_CLOSE(gradlab::backward(y)[x], d1, 0.0, "backward(y)[x] vs grad");
  const double fd = best_central_difference([&](double t) { return f(Var(t)).value(); }, x0, d1);
  CHECK_CLOSE(d1, fd, kTolCentral, "f' vs central differences");
  CHECK_CLOSE(gradlab::grad_recorded(y, {x})[0].value(), d1, kTolFirst, "recorded f' vs double sweep");
  CHECK_CLOSE(gradlab::hessian(y, {x})(0, 0), want.d2, kTolSecond, "f'' vs hand");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(primitives)

BOOST_AUTO_TEST_CASE(unary_catalogue_three_ways) {
  Tape tape;
  TapeScope scope(tape);
  for (const UnaryEntry& e : unary_catalogue()) {
    BOOST_TEST_CONTEXT(e.label) {
      for (int k = 0; k < kPoints; ++k) {
        const double x0 = sample(e.x);
        BOOST_TEST_INFO_SCOPE("x = " << x0);
        check_one_variable(tape, e.op, e.f, x0, {e.value(x0), e.d1(x0), e.d2(x0)});
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(binary_catalogue_three_ways_all_forms) {
  Tape tape;
  TapeScope scope(tape);
  for (const BinaryEntry& e : binary_catalogue()) {
    BOOST_TEST_CONTEXT(e.label) {
      for (int k = 0; k < kPoints; ++k) {
        double a0 = sample(e.a), b0 = sample(e.b);
        while (e.avoid_tie && std::abs(a0 - b0) < e.a.margin) b0 = sample(e.b);
        BOOST_TEST_INFO_SCOPE("a = " << a0 << ", b = " << b0);

        // Var∘Var: both partials, the full 2x2 Hessian, central differences in each argument.
        tape.clear();
        const Var a = tape.variable(a0), b = tape.variable(b0);
        const Var y = e.vv(a, b);
        BOOST_TEST(recorded_op(tape, y) == e.op);
        CHECK_CLOSE(y.value(), e.value(a0, b0), kTolFirst, "value");
        const Eigen::VectorXd g = gradlab::grad(y, {a, b});
        CHECK_CLOSE(g[0], e.da(a0, b0), kTolFirst, "df/da vs hand");
        CHECK_CLOSE(g[1], e.db(a0, b0), kTolFirst, "df/db vs hand");
        const double fda =
            best_central_difference([&](double t) { return e.vv(Var(t), Var(b0)).value(); }, a0, g[0]);
        const double fdb =
            best_central_difference([&](double t) { return e.vv(Var(a0), Var(t)).value(); }, b0, g[1]);
        CHECK_CLOSE(g[0], fda, kTolCentral, "df/da vs central differences");
        CHECK_CLOSE(g[1], fdb, kTolCentral, "df/db vs central differences");
        const Eigen::MatrixXd h = gradlab::hessian(y, {a, b});
        CHECK_CLOSE(h(0, 0), e.daa(a0, b0), kTolSecond, "d2f/da2 vs hand");
        CHECK_CLOSE(h(0, 1), e.dab(a0, b0), kTolSecond, "d2f/dadb vs hand");
        CHECK_CLOSE(h(1, 0), e.dab(a0, b0), kTolSecond, "d2f/dbda vs hand");
        CHECK_CLOSE(h(1, 1), e.dbb(a0, b0), kTolSecond, "d2f/db2 vs hand");

        // Var∘double and double∘Var: one variable each, checked like a unary primitive.
        BOOST_TEST_CONTEXT("Var∘double form") {
          check_one_variable(tape, e.vd_op, [&](const Var& x) { return e.vd(x, b0); }, a0,
                             {e.value(a0, b0), e.da(a0, b0), e.daa(a0, b0)});
        }
        BOOST_TEST_CONTEXT("double∘Var form") {
          check_one_variable(tape, e.dv_op, [&](const Var& x) { return e.dv(a0, x); }, b0,
                             {e.value(a0, b0), e.db(a0, b0), e.dbb(a0, b0)});
        }
      }
    }
  }
}

// A primitive added to the op table without a catalogue entry fails here, by name.
BOOST_AUTO_TEST_CASE(every_op_has_a_catalogue_entry) {
  Tape tape;
  TapeScope scope(tape);
  std::vector<std::string> names;
  // Applying each entry once also registers the user-defined ops, whatever order the tests run in.
  for (const UnaryEntry& e : unary_catalogue()) {
    e.f(tape.variable(1.0));
    names.push_back(e.op);
  }
  for (const BinaryEntry& e : binary_catalogue()) {
    e.vv(tape.variable(1.0), tape.variable(2.0));
    names.insert(names.end(), {e.op, e.vd_op, e.dv_op});
  }
  BOOST_TEST(gradlab::op_count() >= static_cast<std::size_t>(gradlab::ops::Builtin::Count));
  for (gradlab::OpId id = 0; id < gradlab::op_count(); ++id) {
    const std::string name = gradlab::op_info(id).name;
    if (name == "input" || name == "const" || name == "statement entry") continue;  // not callable
    const bool has_entry = std::find(names.begin(), names.end(), name) != names.end();
    BOOST_TEST(has_entry,
               "op '" << name << "' is in the op table but has no entry in the test catalogue "
                      << "(tests/autodiff/catalogue.cpp): add its value and hand-written first and second "
                         "derivatives");
  }
}

// The run-time path (apply by op id, as the expression language uses it) records the same thing.
BOOST_AUTO_TEST_CASE(apply_by_op_id_matches_typed_apply) {
  Tape tape;
  TapeScope scope(tape);
  for (const UnaryEntry& e : unary_catalogue()) {
    if (e.op == "powc") continue;  // takes a parameter: covered by the binary apply below
    if (e.op == "div") continue;   // softplus(x, beta), a composition: its own test below
    const double x0 = sample(e.x);
    const Var x = tape.variable(x0);
    const auto id = gradlab::find_op(e.op);
    BOOST_TEST_REQUIRE(id.has_value(), e.op);
    const Var y = gradlab::apply(*id, x);
    BOOST_TEST(y.value() == e.f(x).value(), e.label);
    BOOST_TEST(gradlab::grad(y, {x})[0] == gradlab::grad(e.f(x), {x})[0], e.label);
  }
  for (const BinaryEntry& e : binary_catalogue()) {
    BOOST_TEST_CONTEXT(e.label) {
      const double a0 = sample(e.a), b0 = sample(e.b) + (e.avoid_tie ? 10.0 : 0.0);
      const Var a = tape.variable(a0), b = tape.variable(b0);
      const Var y = gradlab::apply(*gradlab::find_op(e.op), a, b);
      BOOST_TEST(y.value() == e.vv(a, b).value());
      BOOST_TEST((gradlab::grad(y, {a, b}) == gradlab::grad(e.vv(a, b), {a, b})));
      // A parametrised op takes its parameter as a constant leaf: x op c, and c op x with x first.
      const Var yd = gradlab::apply(*gradlab::find_op(e.vd_op), a, Var(b0));
      BOOST_TEST(yd.value() == e.vd(a, b0).value());
      BOOST_TEST(gradlab::grad(yd, {a})[0] == gradlab::grad(e.vd(a, b0), {a})[0]);
      if (e.dv_op != e.op) {
        const Var dy = gradlab::apply(*gradlab::find_op(e.dv_op), b, Var(a0));
        BOOST_TEST(dy.value() == e.dv(a0, b).value());
        BOOST_TEST(gradlab::grad(dy, {b})[0] == gradlab::grad(e.dv(a0, b), {b})[0]);
      }
    }
  }
  const Var x = tape.variable(2.0);
  BOOST_TEST(gradlab::grad(gradlab::apply(*gradlab::find_op("powc"), x, Var(3.0)), {x})[0] == 12.0);
  BOOST_CHECK_EXCEPTION(
      gradlab::apply(*gradlab::find_op("powc"), x, x), gradlab::Error, [](const gradlab::Error& err) {
        return std::string_view(err.what())
                   .find(
                       "the second argument of 'powc' is a constant parameter; got a node of op "
                       "'input'") != std::string_view::npos;
      });
  BOOST_CHECK_EXCEPTION(gradlab::apply(*gradlab::find_op("sin"), x, x), gradlab::Error,
                        [](const gradlab::Error& err) {
                          return std::string_view(err.what()).find("'sin' does not take two arguments") !=
                                 std::string_view::npos;
                        });
  BOOST_CHECK_EXCEPTION(gradlab::apply(*gradlab::find_op("mul"), x), gradlab::Error,
                        [](const gradlab::Error& err) {
                          return std::string_view(err.what()).find("'mul' does not take one argument") !=
                                 std::string_view::npos;
                        });
}

// PyTorch's conventions at the kinks, asserted exactly.
BOOST_AUTO_TEST_CASE(kink_conventions) {
  Tape tape;
  TapeScope scope(tape);
  const Var zero = tape.variable(0.0);
  BOOST_TEST(gradlab::grad(relu(zero), {zero})[0] == 0.0);
  BOOST_TEST(gradlab::grad(abs(zero), {zero})[0] == 0.0);
  BOOST_TEST(gradlab::hessian(relu(zero), {zero})(0, 0) == 0.0);
  BOOST_TEST(gradlab::hessian(abs(zero), {zero})(0, 0) == 0.0);
  for (const double x0 : {-2.0, 0.0, 3.0}) {
    const Var x = tape.variable(x0);
    BOOST_TEST(gradlab::grad(step(x), {x})[0] == 0.0);
    BOOST_TEST(gradlab::grad(sign(x), {x})[0] == 0.0);
  }
  BOOST_TEST(step(zero).value() == 0.0);
  BOOST_TEST(sign(zero).value() == 0.0);

  // max and min at a tie: 1/2 to each argument.
  const Var a = tape.variable(1.5), b = tape.variable(1.5);
  for (const Var& y : {max(a, b), min(a, b)}) {
    const Eigen::VectorXd g = gradlab::grad(y, {a, b});
    BOOST_TEST(g[0] == 0.5);
    BOOST_TEST(g[1] == 0.5);
  }
  BOOST_TEST(gradlab::grad(max(a, 1.5), {a})[0] == 0.5);
  BOOST_TEST(gradlab::grad(min(1.5, a), {a})[0] == 0.5);
  // max(x, x) = x: the two halves add up to 1.
  BOOST_TEST(gradlab::grad(max(a, a), {a})[0] == 1.0);
  BOOST_TEST(gradlab::grad(min(a, a), {a})[0] == 1.0);
}

// The ops whose derivative jumps say where, so that checks can keep away from exactly those points.
BOOST_AUTO_TEST_CASE(kinked_ops_declare_their_kinks) {
  for (const char* name : {"abs", "relu", "step", "sign"}) {
    const gradlab::OpInfo& op = gradlab::op_info(*gradlab::find_op(name));
    BOOST_REQUIRE(op.kink_distance != nullptr);
    BOOST_TEST(op.kink_distance(-0.25, 0.0) == 0.25);
    BOOST_TEST(std::string_view(op.kink) == "x = 0");
  }
  for (const char* name : {"max", "min"}) {
    const gradlab::OpInfo& op = gradlab::op_info(*gradlab::find_op(name));
    BOOST_REQUIRE(op.kink_distance != nullptr);
    BOOST_TEST(op.kink_distance(1.0, 3.5) == 2.5);
  }
  for (const char* name : {"exp", "sigmoid", "add", "mul", "powc", "sqrt", "asin", "hypot", "logaddexp"})
    BOOST_TEST(gradlab::op_info(*gradlab::find_op(name)).kink_distance == nullptr, name);
  // the new piecewise ops: (op, a, b, distance to the nearest kink)
  struct Kink {
    const char* op;
    double a, b, distance;
  };
  for (const Kink& k :
       {Kink{"floor", 2.75, 0, 0.25}, Kink{"ceil", -1.1, 0, 0.1}, Kink{"round", 2.25, 0, 0.25},
        Kink{"round", 2.5, 0, 0.0}, Kink{"hardtanh", -0.75, 0, 0.25}, Kink{"hardtanh", 1.5, 0, 0.5},
        Kink{"relu6", 5.5, 0, 0.5}, Kink{"relu6", 0.25, 0, 0.25}, Kink{"clamp", 1.0, 3.5, 2.5},
        Kink{"atan2", 0.5, -2.0, 0.5}, Kink{"atan2", 3.0, 4.0, 5.0}}) {
    const gradlab::OpInfo& op = gradlab::op_info(*gradlab::find_op(k.op));
    BOOST_REQUIRE(op.kink_distance != nullptr);
    BOOST_TEST(std::abs(op.kink_distance(k.a, k.b) - k.distance) <= 1e-15,
               k.op << " at " << k.a << ", " << k.b);
  }
}

// sigmoid and softplus never overflow: finite values and derivatives at |z| = 800, even with
// anomaly detection on (which would throw at the first Inf or NaN).
BOOST_AUTO_TEST_CASE(sigmoid_softplus_stable_at_large_z) {
  Tape tape;
  TapeScope scope(tape);
  gradlab::DetectAnomaly on;
  for (const double z0 : {-800.0, 800.0}) {
    BOOST_TEST_CONTEXT("z = " << z0) {
      const Var z = tape.variable(z0);
      const Var s = sigmoid(z), p = softplus(z);
      BOOST_TEST(std::isfinite(s.value()));
      BOOST_TEST(s.value() >= 0.0);
      BOOST_TEST(s.value() <= 1.0);
      BOOST_TEST(std::isfinite(p.value()));
      BOOST_TEST(p.value() >= 0.0);
      for (const Var& y : {s, p}) {
        BOOST_TEST(std::isfinite(gradlab::grad(y, {z})[0]));
        BOOST_TEST(std::isfinite(gradlab::hessian(y, {z})(0, 0)));
      }
    }
  }
  const Var big = tape.variable(800.0), small = tape.variable(-800.0);
  BOOST_TEST(sigmoid(big).value() == 1.0);
  BOOST_TEST(softplus(big).value() == 800.0);
  BOOST_TEST(gradlab::grad(softplus(big), {big})[0] == 1.0);
  BOOST_TEST(gradlab::grad(softplus(small), {small})[0] >= 0.0);
  BOOST_TEST(gradlab::grad(sigmoid(big), {big})[0] == 0.0);
}

// Issue 13: max, min, relu, step and sign swallowed a NaN input (max(sqrt(x), y) at x = -1, y = 2
// gave 2 while max(y, sqrt(x)) gave NaN). A NaN input gives a NaN value and NaN derivatives, in
// both argument orders, in both sweeps and on matrices. (PyTorch 1.13 also gives NaN values, except
// sign(NaN) = 0; its derivatives there are 1 or 0, which we do not follow: see docs/cli.md.)
BOOST_AUTO_TEST_CASE(nan_input_is_never_swallowed) {
  Tape tape;
  TapeScope scope(tape);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  using Two = std::function<Var(const Var&, const Var&)>;
  const std::vector<std::pair<const char*, Two>> two = {
      {"max(sqrt(x), y)", [](const Var& x, const Var& y) { return max(sqrt(x), y); }},
      {"max(y, sqrt(x))", [](const Var& x, const Var& y) { return max(y, sqrt(x)); }},
      {"min(sqrt(x), y)", [](const Var& x, const Var& y) { return min(sqrt(x), y); }},
      {"min(y, sqrt(x))", [](const Var& x, const Var& y) { return min(y, sqrt(x)); }},
      {"max(x, y) at x = NaN", [&](const Var&, const Var& y) { return max(tape.variable(nan), y); }},
      {"max(y, x) at x = NaN", [&](const Var&, const Var& y) { return max(y, tape.variable(nan)); }},
  };
  for (const auto& [label, f] : two) {
    tape.clear();
    const Var x = tape.variable(-1.0), y = tape.variable(2.0);
    const Var z = f(x, y);
    BOOST_TEST(std::isnan(z.value()), label);
    const Eigen::VectorXd g = gradlab::grad(z, {x, y});
    BOOST_TEST(std::isnan(g[1]), label << ": d/dy = " << g[1]);
    BOOST_TEST(std::isnan(gradlab::grad_recorded(z, {y})[0].value()), label << " (recorded sweep)");
  }
  using One = std::function<Var(const Var&)>;
  const std::vector<std::pair<const char*, One>> one = {{"relu", [](const Var& x) { return relu(x); }},
                                                        {"step", [](const Var& x) { return step(x); }},
                                                        {"sign", [](const Var& x) { return sign(x); }},
                                                        {"abs", [](const Var& x) { return abs(x); }}};
  for (const auto& [label, f] : one) {
    tape.clear();
    const Var x = tape.variable(nan);
    const Var y = f(x);
    BOOST_TEST(std::isnan(y.value()), label);
    BOOST_TEST(std::isnan(gradlab::grad(y, {x})[0]), label);
    BOOST_TEST(std::isnan(gradlab::grad_recorded(y, {x})[0].value()), label << " (recorded sweep)");
    // on a matrix, entry by entry: the NaN entry only
    tape.clear();
    const Eigen::MatrixXd v{{nan, 1.5}};
    const gradlab::MatVar X = gradlab::matrix_variable(v);
    const gradlab::MatVar Y = gradlab::apply(*gradlab::find_op(label), X);
    BOOST_TEST(std::isnan(Y.value()(0)), label);
    BOOST_TEST(!std::isnan(Y.value()(1)), label);
    const Eigen::MatrixXd g = gradlab::grad(gradlab::sum(Y), X);
    BOOST_TEST(std::isnan(g(0)), label << " matrix");
    BOOST_TEST(!std::isnan(g(1)), label << " matrix");
  }
}

// Issue 15: non-finite inputs follow IEEE 754 and PyTorch. The expected values and derivatives
// were obtained from PyTorch 1.13 on this machine (float64, torch.autograd.grad of each function at
// -inf, inf and nan) and written here by hand. Where a row's comment says so, gradlab differs on
// purpose: a NaN input gives NaN for the value and the derivative (issue 13), where PyTorch gives a
// number for sign's value and for the derivatives of abs, relu, sign, floor, ceil, round, hardtanh
// and relu6.
BOOST_AUTO_TEST_CASE(non_finite_inputs_as_pytorch) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kHalfPi = std::numbers::pi / 2;
  struct Row {
    const char* op;
    double x, value, derivative;
  };
  const std::vector<Row> rows = {
      {"neg", -kInf, kInf, -1.0},
      {"neg", kInf, -kInf, -1.0},
      {"neg", kNaN, kNaN, -1.0},
      {"exp", -kInf, 0.0, 0.0},
      {"exp", kInf, kInf, kInf},
      {"exp", kNaN, kNaN, kNaN},
      {"log", -kInf, kNaN, 0.0},
      {"log", kInf, kInf, 0.0},
      {"log", kNaN, kNaN, kNaN},
      {"sqrt", -kInf, kNaN, kNaN},
      {"sqrt", kInf, kInf, 0.0},
      {"sqrt", kNaN, kNaN, kNaN},
      {"abs", -kInf, kInf, -1.0},
      {"abs", kInf, kInf, 1.0},
      {"abs", kNaN, kNaN, kNaN},  // PyTorch: derivative 0; a NaN input stays NaN here
      {"sin", -kInf, kNaN, kNaN},
      {"sin", kInf, kNaN, kNaN},
      {"sin", kNaN, kNaN, kNaN},
      {"cos", -kInf, kNaN, kNaN},
      {"cos", kInf, kNaN, kNaN},
      {"cos", kNaN, kNaN, kNaN},
      {"tan", -kInf, kNaN, kNaN},
      {"tan", kInf, kNaN, kNaN},
      {"tan", kNaN, kNaN, kNaN},
      {"tanh", -kInf, -1.0, 0.0},
      {"tanh", kInf, 1.0, 0.0},
      {"tanh", kNaN, kNaN, kNaN},
      {"erf", -kInf, -1.0, 0.0},
      {"erf", kInf, 1.0, 0.0},
      {"erf", kNaN, kNaN, kNaN},
      {"sigmoid", -kInf, 0.0, 0.0},
      {"sigmoid", kInf, 1.0, 0.0},
      {"sigmoid", kNaN, kNaN, kNaN},
      {"softplus", -kInf, 0.0, 0.0},
      {"softplus", kInf, kInf, 1.0},
      {"softplus", kNaN, kNaN, kNaN},
      {"relu", -kInf, 0.0, 0.0},
      {"relu", kInf, kInf, 1.0},
      {"relu", kNaN, kNaN, kNaN},  // PyTorch: derivative 1; a NaN input stays NaN here
      {"sign", -kInf, -1.0, 0.0},
      {"sign", kInf, 1.0, 0.0},
      {"sign", kNaN, kNaN, kNaN},  // PyTorch: value 0, derivative 0; a NaN input stays NaN here
      {"asin", -kInf, kNaN, kNaN},
      {"asin", kInf, kNaN, kNaN},
      {"asin", kNaN, kNaN, kNaN},
      {"acos", -kInf, kNaN, kNaN},
      {"acos", kInf, kNaN, kNaN},
      {"acos", kNaN, kNaN, kNaN},
      {"atan", -kInf, -kHalfPi, 0.0},
      {"atan", kInf, kHalfPi, 0.0},
      {"atan", kNaN, kNaN, kNaN},
      {"sinh", -kInf, -kInf, kInf},
      {"sinh", kInf, kInf, kInf},
      {"sinh", kNaN, kNaN, kNaN},
      {"cosh", -kInf, kInf, -kInf},
      {"cosh", kInf, kInf, kInf},
      {"cosh", kNaN, kNaN, kNaN},
      {"asinh", -kInf, -kInf, 0.0},
      {"asinh", kInf, kInf, 0.0},
      {"asinh", kNaN, kNaN, kNaN},
      {"acosh", -kInf, kNaN, 0.0},
      {"acosh", kInf, kInf, 0.0},
      {"acosh", kNaN, kNaN, kNaN},
      {"atanh", -kInf, kNaN, 0.0},
      {"atanh", kInf, kNaN, 0.0},
      {"atanh", kNaN, kNaN, kNaN},
      {"log1p", -kInf, kNaN, 0.0},
      {"log1p", kInf, kInf, 0.0},
      {"log1p", kNaN, kNaN, kNaN},
      {"expm1", -kInf, -1.0, 0.0},
      {"expm1", kInf, kInf, kInf},
      {"expm1", kNaN, kNaN, kNaN},
      {"erfc", -kInf, 2.0, 0.0},
      {"erfc", kInf, 0.0, 0.0},
      {"erfc", kNaN, kNaN, kNaN},
      {"floor", -kInf, -kInf, 0.0},
      {"floor", kInf, kInf, 0.0},
      {"floor", kNaN, kNaN, kNaN},  // PyTorch: derivative 0; a NaN input stays NaN here
      {"ceil", -kInf, -kInf, 0.0},
      {"ceil", kInf, kInf, 0.0},
      {"ceil", kNaN, kNaN, kNaN},  // PyTorch: derivative 0; a NaN input stays NaN here
      {"round", -kInf, -kInf, 0.0},
      {"round", kInf, kInf, 0.0},
      {"round", kNaN, kNaN, kNaN},  // PyTorch: derivative 0; a NaN input stays NaN here
      {"hardtanh", -kInf, -1.0, 0.0},
      {"hardtanh", kInf, 1.0, 0.0},
      {"hardtanh", kNaN, kNaN, kNaN},  // PyTorch: derivative 1; a NaN input stays NaN here
      {"relu6", -kInf, 0.0, 0.0},
      {"relu6", kInf, 6.0, 0.0},
      {"relu6", kNaN, kNaN, kNaN},  // PyTorch: derivative 1; a NaN input stays NaN here
  };
  const auto same = [](double got, double want) {
    return got == want || (std::isnan(got) && std::isnan(want));
  };
  Tape tape;
  TapeScope scope(tape);
  for (const Row& r : rows) {
    tape.clear();
    const Var x = tape.variable(r.x);
    const Var y = gradlab::apply(*gradlab::find_op(r.op), x);
    BOOST_TEST(same(y.value(), r.value),
               r.op << "(" << r.x << ") = " << y.value() << ", PyTorch " << r.value);
    const double d = gradlab::grad(y, {x})[0];
    BOOST_TEST(same(d, r.derivative), r.op << "'(" << r.x << ") = " << d << ", PyTorch " << r.derivative);
    BOOST_TEST(same(gradlab::grad_recorded(y, {x})[0].value(), d),
               r.op << "'(" << r.x << "), recorded sweep");
  }
}

// The conventions at the edges and kinks of the new primitives, each beside PyTorch 1.13's value
// (obtained on this machine; docs/cli.md lists them). hypot at the origin follows torch.norm (0),
// not torch.hypot (NaN): the gradient of a norm at 0 is its subgradient 0.
BOOST_AUTO_TEST_CASE(edge_and_kink_conventions) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // equal, both NaN, or finite and within 2 ulps (e^(a - y) at a tie is 0.5 less an ulp)
  const auto same = [](double got, double want) {
    return got == want || (std::isnan(got) && std::isnan(want)) ||
           (std::isfinite(want) && std::abs(got - want) <= 4.5e-16 * std::abs(want));
  };
  struct Row {
    const char* op;
    double a, b, value, da, db;  // b unused by one-argument ops
  };
  const std::vector<Row> rows = {
      {"hypot", 1e200, 1e200, 1.414213562373095e+200, 0.7071067811865475, 0.7071067811865475},  // no overflow
      {"hypot", 0.0, 0.0, 0.0, 0.0, 0.0},    // torch.norm: 0, 0 (torch.hypot: NaN, NaN)
      {"hypot", 3.0, -4.0, 5.0, 0.6, -0.8},  //
      {"atan2", 0.0, 0.0, 0.0, kNaN, kNaN},  // PyTorch: NaN, NaN
      {"atan2", 0.0, -1.0, std::numbers::pi, -1.0, 0.0},
      {"atan2", -0.0, -1.0, -std::numbers::pi, -1.0, 0.0},
      {"xlogy", 0.0, 0.0, 0.0, 0.0, kNaN},             // PyTorch: 0 and derivatives 0, NaN
      {"xlogy", 0.0, kNaN, kNaN, kNaN, kNaN},          // PyTorch: NaN
      {"xlogy", 0.0, -1.0, 0.0, 0.0, 0.0},             // PyTorch: 0, derivatives 0, -0
      {"logaddexp", -kInf, -kInf, -kInf, kNaN, kNaN},  // PyTorch: -inf, derivatives NaN
      {"logaddexp", kInf, kInf, kInf, kNaN, kNaN},     // PyTorch: inf, derivatives NaN
      {"logaddexp", 1.0, 1.0, 1.0 + std::numbers::ln2, 0.5, 0.5},
      {"logaddexp", 1000.0, 0.0, 1000.0, 1.0, 0.0},     // no overflow
      {"hardtanh", 1.0, 0, 1.0, 0.0, 0},                // PyTorch: 0 at both bounds
      {"hardtanh", -1.0, 0, -1.0, 0.0, 0},              //
      {"relu6", 0.0, 0, 0.0, 0.0, 0},                   // PyTorch: 0 at both bounds
      {"relu6", 6.0, 0, 6.0, 0.0, 0},                   //
      {"round", 0.5, 0, 0.0, 0.0, 0},                   // halves to even, as torch.round
      {"round", 1.5, 0, 2.0, 0.0, 0},                   //
      {"round", 2.5, 0, 2.0, 0.0, 0},                   //
      {"floor", 1.0, 0, 1.0, 0.0, 0},                   // PyTorch: derivative 0 at the jump
      {"asin", 1.0, 0, std::numbers::pi / 2, kInf, 0},  // PyTorch: inf
      {"acos", 1.0, 0, 0.0, -kInf, 0},                  // PyTorch: -inf
      {"acosh", 1.0, 0, 0.0, kInf, 0},                  // PyTorch: inf
      {"atanh", 1.0, 0, kInf, kInf, 0},                 // PyTorch: inf, inf
      {"log1p", -1.0, 0, -kInf, kInf, 0},               // PyTorch: -inf, inf
      {"log1p", 1e-10, 0, 9.999999999500001e-11, 1.0 / (1.0 + 1e-10), 0},  // log(1 + x) is off by 8e-9 here
      {"erfc", 10.0, 0, 2.088487583762545e-45, -2.0 * std::numbers::inv_sqrtpi * std::exp(-100.0), 0},
  };
  Tape tape;
  TapeScope scope(tape);
  for (const Row& r : rows) {
    tape.clear();
    const gradlab::OpId id = *gradlab::find_op(r.op);
    const bool binary = gradlab::op_info(id).arity == gradlab::ops::Arity::Binary;
    const Var a = tape.variable(r.a), b = tape.variable(r.b);
    const Var y = binary ? gradlab::apply(id, a, b) : gradlab::apply(id, a);
    BOOST_TEST(same(y.value(), r.value), r.op << "(" << r.a << ", " << r.b << ") = " << y.value());
    const Eigen::VectorXd g = gradlab::grad(y, {a, b});
    BOOST_TEST(same(g[0], r.da), r.op << "(" << r.a << ", " << r.b << "): d/da = " << g[0]);
    if (binary) BOOST_TEST(same(g[1], r.db), r.op << "(" << r.a << ", " << r.b << "): d/db = " << g[1]);
  }
}

// n-ary max, min and logsumexp. A tie among k arguments gives each 1/k of the gradient, in every
// argument order (as torch.max over a tensor: 1/3 each for three); values are exact; hessians too
// (logsumexp's is diag(p) - p p^T with p = softmax). A NaN argument makes everything NaN.
BOOST_AUTO_TEST_CASE(nary_max_min_logsumexp) {
  Tape tape;
  TapeScope scope(tape);
  const std::array<std::array<double, 4>, 5> points = {{{1.0, 1.0, 1.0, -2.0},
                                                        {-2.0, 1.0, 1.0, 1.0},
                                                        {1.0, -2.0, 1.0, 1.0},
                                                        {0.5, 0.25, 0.3, 0.1},
                                                        {0.1, 0.3, 0.1, 0.3}}};
  for (const auto& p : points) {
    tape.clear();
    const Var a = tape.variable(p[0]), b = tape.variable(p[1]), c = tape.variable(p[2]),
              d = tape.variable(p[3]);
    const double hi = *std::max_element(p.begin(), p.end()), lo = *std::min_element(p.begin(), p.end());
    const double k_hi = static_cast<double>(std::count(p.begin(), p.end(), hi));
    const double k_lo = static_cast<double>(std::count(p.begin(), p.end(), lo));
    const Var y = max(a, b, c, d), z = min(a, b, c, d);
    BOOST_TEST(y.value() == hi);
    BOOST_TEST(z.value() == lo);
    const Eigen::VectorXd gy = gradlab::grad(y, {a, b, c, d}), gz = gradlab::grad(z, {a, b, c, d});
    for (int i = 0; i < 4; ++i) {
      BOOST_TEST(gy[i] == (p[i] == hi ? 1.0 / k_hi : 0.0), "max: argument " << i << " of " << p[0]);
      BOOST_TEST(gz[i] == (p[i] == lo ? 1.0 / k_lo : 0.0), "min: argument " << i);
    }
    BOOST_TEST(gradlab::hessian(y, {a, b, c, d}).isZero(0.0));
    // logsumexp: softmax gradient and its exact hessian, against the hand formulas
    const Var l = logsumexp(a, b, c, d);
    double s = 0;
    for (const double u : p) s += std::exp(u);
    BOOST_TEST(close(l.value(), std::log(s), 1e-15));
    const Eigen::VectorXd gl = gradlab::grad(l, {a, b, c, d});
    const Eigen::MatrixXd hl = gradlab::hessian(l, {a, b, c, d});
    for (int i = 0; i < 4; ++i) {
      const double pi = std::exp(p[i]) / s;
      BOOST_TEST(close(gl[i], pi, 1e-15));
      for (int j = 0; j < 4; ++j)
        BOOST_TEST(close(hl(i, j), (i == j ? pi : 0.0) - pi * std::exp(p[j]) / s, 1e-14));
    }
  }
  tape.clear();
  // no overflow at large arguments; -inf everywhere gives -inf (PyTorch: -inf, NaN derivatives)
  const Var big = tape.variable(1000.0), big2 = tape.variable(1000.0), small = tape.variable(-1000.0);
  BOOST_TEST(close(logsumexp(big, big2, small).value(), 1000.0 + std::log(2.0), 1e-15));
  const double ninf = -std::numeric_limits<double>::infinity();
  const Var n1 = tape.variable(ninf), n2 = tape.variable(ninf), n3 = tape.variable(ninf);
  BOOST_TEST(logsumexp(n1, n2, n3).value() == ninf);
  BOOST_TEST(std::isnan(gradlab::grad(logsumexp(n1, n2, n3), {n1})[0]));
  BOOST_TEST(max(n1, n2, n3).value() == ninf);
  // NaN anywhere: NaN value and derivatives
  const Var x = tape.variable(std::numeric_limits<double>::quiet_NaN()), one = tape.variable(1.0);
  for (const Var& y : {max(one, x, big), max(big, one, x), min(x, one, big), logsumexp(one, big, x)}) {
    BOOST_TEST(std::isnan(y.value()));
    BOOST_TEST(std::isnan(gradlab::grad(y, {one})[0]));
  }
  // doubles: the plain value; by op id
  BOOST_TEST(gradlab::max(1.0, 3.0, 2.0) == 3.0);
  BOOST_TEST(std::isnan(gradlab::min(1.0, std::numeric_limits<double>::quiet_NaN(), 2.0)));
  const std::array<Var, 3> three{one, big, small};
  BOOST_TEST(gradlab::apply(*gradlab::find_op("max"), three).value() == 1000.0);
  BOOST_CHECK_THROW(gradlab::apply(*gradlab::find_op("hypot"), three), gradlab::Error);
}

// clamp(x, lo, hi) as PyTorch: at a bound the derivative goes to x (1), not to the bound; outside,
// to the bound that is the value. softplus(x, beta) as PyTorch's, without its threshold (exact).
BOOST_AUTO_TEST_CASE(clamp_and_softplus_with_beta) {
  Tape tape;
  TapeScope scope(tape);
  struct Row {
    double x, lo, hi, value, dx, dlo, dhi;
  };
  // PyTorch 1.13: torch.clamp(x, 0., 1.) has derivative 1 at x = 0 and at x = 1
  for (const Row& r : {Row{0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0}, Row{1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0},
                       Row{0.5, 0.0, 1.0, 0.5, 1.0, 0.0, 0.0}, Row{-2.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0},
                       Row{2.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0}, Row{0.5, 2.0, 1.0, 1.0, 0.0, 0.0, 1.0}}) {
    tape.clear();
    const Var x = tape.variable(r.x), lo = tape.variable(r.lo), hi = tape.variable(r.hi);
    const Var y = clamp(x, lo, hi);
    BOOST_TEST(y.value() == r.value);
    const Eigen::VectorXd g = gradlab::grad(y, {x, lo, hi});
    BOOST_TEST(g[0] == r.dx, "clamp(" << r.x << ", " << r.lo << ", " << r.hi << ")");
    BOOST_TEST(g[1] == r.dlo);
    BOOST_TEST(g[2] == r.dhi);
    BOOST_TEST(gradlab::hessian(y, {x, lo, hi}).isZero(0.0));
  }
  const Var n = tape.variable(std::numeric_limits<double>::quiet_NaN());
  BOOST_TEST(std::isnan(clamp(n, 0.0, 1.0).value()));
  BOOST_TEST(std::isnan(gradlab::grad(clamp(n, 0.0, 1.0), {n})[0]));
  BOOST_TEST(gradlab::clamp(2.0, 0.0, 1.0) == 1.0);  // on numbers: the value
  // softplus(x, beta): PyTorch 1.13 gives 1.0634640055214863 and 0.8807970779778824 at x = 1, beta = 2
  const Var x = tape.variable(1.0);
  const Var y = softplus(x, 2.0);
  BOOST_TEST(close(y.value(), 1.0634640055214863, 1e-15));
  BOOST_TEST(close(gradlab::grad(y, {x})[0], 0.8807970779778824, 1e-15));
  // past PyTorch's threshold (beta x > 20) PyTorch returns x = 11; the exact value is 11 + 1.4e-10
  const Var big = tape.variable(11.0);
  BOOST_TEST(close(softplus(big, 2.0).value(), 11.0 + std::log1p(std::exp(-22.0)) / 2.0, 1e-16));
  BOOST_TEST(gradlab::softplus(1.0, 1.0) == gradlab::softplus(1.0));
}

BOOST_AUTO_TEST_SUITE_END()
