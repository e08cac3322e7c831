// A unary op's node holds its local derivative, worked out by the op's rule when the node is
// recorded (tape.hpp, Node). Recording the value and the derivative side by side lets the compiler
// share their work (sin and cos of one x become one sincos call); these tests say that no digit
// changes: the first-order sweep gives what the rule gives at sweep time, and glibc's sincos gives
// the sin and cos of separate calls, bit for bit, at ordinary, tiny, huge and non-finite arguments.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <gradlab/autodiff.hpp>
#include <limits>
#include <numbers>
#include <random>
#include <string_view>
#include <vector>

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;

namespace {
// sin and cos called one at a time: through volatile pointers, so that the compiler cannot fuse
// the two calls into one sincos as it does in recording.
double (*volatile separate_sin)(double) = &::sin;
double (*volatile separate_cos)(double) = &::cos;

/// Bit for bit equal; any NaN equals any NaN (their sign and payload are not digits: gradlab
/// prints every NaN as nan).
bool same(double u, double v) {
  if (std::isnan(u) || std::isnan(v)) return std::isnan(u) && std::isnan(v);
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, &u, sizeof a);
  std::memcpy(&b, &v, sizeof b);
  return a == b;
}

/// Edge cases and 2 x 10^5 arguments spread over every binade, of both signs.
std::vector<double> arguments() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> xs{0.0,
                         -0.0,
                         std::numeric_limits<double>::denorm_min(),
                         -std::numeric_limits<double>::denorm_min(),
                         0x1p-1030,
                         std::numeric_limits<double>::min(),
                         1e-300,
                         1e-8,
                         0.7,
                         std::numbers::pi / 4,
                         std::numbers::pi / 2,
                         std::numbers::pi,
                         2 * std::numbers::pi,
                         1e6,
                         1e22,
                         0x1p1023,
                         std::numeric_limits<double>::max(),
                         -std::numeric_limits<double>::max(),
                         inf,
                         -inf,
                         std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 rng(18);
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  std::uniform_int_distribution<int> exponent(-1074, 1023);
  for (int k = 0; k < 200000; ++k)
    xs.push_back((k % 2 == 0 ? 1 : -1) * std::ldexp(mantissa(rng), exponent(rng)));
  return xs;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(recorded_partials)

// glibc's sincos, the call that GCC makes of a sin and a cos of one argument, against separate calls.
BOOST_AUTO_TEST_CASE(sincos_gives_the_digits_of_sin_and_cos) {
  int differ = 0;
  for (const double x : arguments()) {
    double s = 0.0, c = 0.0;
    ::sincos(x, &s, &c);
    if (!same(s, separate_sin(x)) || !same(c, separate_cos(x))) {
      if (++differ <= 5) BOOST_ERROR("sincos differs from sin, cos at x = " << x);
    }
  }
  BOOST_TEST(differ == 0);
}

// sin(x) and cos(x) on the tape: the value and the derivative the first-order sweep gives (the
// partial recorded with the value) are those of separate calls.
BOOST_AUTO_TEST_CASE(sin_and_cos_nodes_give_the_digits_of_separate_calls) {
  Tape tape;
  TapeScope scope(tape);
  std::vector<double> adj;
  int differ = 0;
  for (const double x0 : arguments()) {
    tape.clear();
    const Var x = tape.variable(x0);
    const Var s = gradlab::sin(x);
    tape.backward(s.index(), adj);
    // The sweep adds each share to an adjoint that starts at 0: -0 arrives as 0.
    const bool sin_ok = same(s.value(), separate_sin(x0)) && same(adj[x.index()], 0.0 + separate_cos(x0));
    const Var c = gradlab::cos(x);
    tape.backward(c.index(), adj);
    const bool cos_ok = same(c.value(), separate_cos(x0)) && same(adj[x.index()], 0.0 + -separate_sin(x0));
    if (!sin_ok || !cos_ok) {
      if (++differ <= 5) BOOST_ERROR("the tape's sin or cos differs from separate calls at x = " << x0);
    }
  }
  BOOST_TEST(differ == 0);
}

// Every unary op, typed (apply<Op>) and by op id (the expression language's path): the derivative
// that the first-order sweep reads from the node equals the rule run at sweep time by the
// differentiable sweep, bit for bit, at ordinary and edge arguments.
BOOST_AUTO_TEST_CASE(every_unary_op_holds_what_its_rule_gives_at_sweep_time) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> xs{0.0,    -0.0,
                               1e-310, -1e-310,
                               0.3,    -0.3,
                               0.5,    -0.5,
                               1.0,    -1.0,
                               2.5,    -2.5,
                               6.0,    7.5,
                               40.0,   -40.0,
                               800.0,  -800.0,
                               1e300,  inf,
                               -inf,   std::numeric_limits<double>::quiet_NaN()};
  Tape tape;
  TapeScope scope(tape);
  std::vector<double> adj;
  int checked = 0;
  for (std::size_t id = 0; id < gradlab::op_count(); ++id) {
    const gradlab::OpInfo& info = gradlab::op_info(static_cast<gradlab::OpId>(id));
    if (info.arity != gradlab::ops::Arity::Unary) continue;
    for (const double x0 : xs) {
      tape.clear();
      const Var x = tape.variable(x0);
      const Var y = gradlab::apply(static_cast<gradlab::OpId>(id), x);
      tape.backward(y.index(), adj);
      const double first_order = adj[x.index()];
      const std::vector<Var> recorded = tape.backward_recorded(y.index());
      BOOST_TEST_CONTEXT(info.name << " at " << x0) {
        BOOST_TEST_REQUIRE(recorded[x.index()].valid());
        BOOST_TEST(same(tape.partial(y.index()), recorded[x.index()].value()));
        BOOST_TEST(same(first_order, 0.0 + tape.partial(y.index())));  // the adjoint starts at 0
      }
      ++checked;
    }
  }
  BOOST_TEST(checked > 30 * static_cast<int>(xs.size()));
}

// The typed path records the same partial as the path by op id (one rule, Op::d).
BOOST_AUTO_TEST_CASE(typed_and_by_id_record_the_same_partial) {
  Tape tape;
  TapeScope scope(tape);
  for (const double x0 : {-3.0, -0.25, 0.0, 0.25, 3.0}) {
    const Var x = tape.variable(x0);
    const Var by_id = gradlab::apply(*gradlab::find_op("sigmoid"), x);
    const Var typed = gradlab::sigmoid(x);
    BOOST_TEST(same(tape.partial(by_id.index()), tape.partial(typed.index())));
    const Var tan_by_id = gradlab::apply(*gradlab::find_op("tan"), x);
    BOOST_TEST(same(tape.partial(tan_by_id.index()), tape.partial(gradlab::tan(x).index())));
  }
}

// A unary op registered without its derivative function cannot be recorded with its partial: a clear
// error when it is registered, not a crash when it is used.
BOOST_AUTO_TEST_CASE(unary_op_without_partial_is_refused) {
  gradlab::OpInfo info;
  info.name = "test_unary_without_partial";
  info.arity = gradlab::ops::Arity::Unary;
  info.value1 = [](double x) { return x; };
  BOOST_CHECK_EXCEPTION(gradlab::register_op(info), gradlab::Error, [](const gradlab::Error& e) {
    return std::string_view(e.what()).find(
               "the unary op 'test_unary_without_partial' needs value1 and partial1") !=
           std::string_view::npos;
  });
  BOOST_TEST(!gradlab::find_op("test_unary_without_partial").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
