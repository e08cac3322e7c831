// Threads, misuse (each a TapeError/DomainError/Error/ShapeError with a clear message) and anomaly mode.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <exception>
#include <gradlab/autodiff.hpp>
#include <latch>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using gradlab::Tape;
using gradlab::TapeScope;
using gradlab::Var;

namespace {

/// A predicate for BOOST_CHECK_EXCEPTION: the message contains every one of `parts` (a missing part
/// is reported with the whole message).
template <class E = gradlab::Error> auto message_has(std::initializer_list<std::string_view> parts) {
  std::vector<std::string> want(parts.begin(), parts.end());
  return [want](const E& e) {
    const std::string_view what = e.what();
    bool ok = true;
    for (const std::string& p : want) {
      const bool found = what.find(p) != std::string_view::npos;
      BOOST_TEST(found, "the message \"" << what << "\" should contain \"" << p << "\"");
      ok = ok && found;
    }
    return ok;
  };
}

/// L(w, b) = sum_i sin(w x_i + b)^2 on this thread's own tape; by hand
/// dL/dw = sum_i 2 sin(z_i) cos(z_i) x_i, dL/db = sum_i 2 sin(z_i) cos(z_i), z_i = w x_i + b.
struct ThreadResult {
  double max_error = 0.0;
  std::exception_ptr error;
};
void gradients_on_own_tape(double w0, double b0, int rounds, std::latch& start, ThreadResult& out) {
  try {
    start.arrive_and_wait();
    Tape& tape = Tape::current();  // this thread's default tape, recorded on concurrently with the other
    for (int r = 0; r < rounds; ++r) {
      tape.clear();
      const double wr = w0 + 1e-3 * r;
      const Var w = tape.variable(wr), b = tape.variable(b0);
      Var L = 0.0;
      double dw = 0.0, db = 0.0;
      for (int i = 0; i < 50; ++i) {
        const double xi = 0.1 * i;
        const Var s = sin(w * xi + b);
        L += s * s;
        const double z = wr * xi + b0;
        dw += 2 * std::sin(z) * std::cos(z) * xi;
        db += 2 * std::sin(z) * std::cos(z);
      }
      const Eigen::VectorXd g = gradlab::grad(L, {w, b});
      out.max_error = std::max({out.max_error, std::abs(g[0] - dw), std::abs(g[1] - db)});
    }
  } catch (...) {
    out.error = std::current_exception();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(threads_and_misuse)

BOOST_AUTO_TEST_CASE(two_threads_record_at_once) {
  std::latch start(2);
  ThreadResult r1, r2;
  std::thread t1(gradients_on_own_tape, 0.3, 0.1, 300, std::ref(start), std::ref(r1));
  std::thread t2(gradients_on_own_tape, -1.2, 2.0, 300, std::ref(start), std::ref(r2));
  t1.join();
  t2.join();
  BOOST_TEST(!r1.error);
  BOOST_TEST(!r2.error);
  BOOST_TEST(r1.max_error <= 1e-12);
  BOOST_TEST(r2.max_error <= 1e-12);
}

BOOST_AUTO_TEST_CASE(var_from_another_threads_tape) {
  Var foreign;
  std::thread([&foreign] { foreign = sin(Tape::current().variable(1.0)); }).join();
  Tape tape;
  TapeScope scope(tape);
  const auto crossing = message_has<gradlab::TapeError>({"Vars cannot cross tapes", "another thread's tape"});
  BOOST_CHECK_EXCEPTION(static_cast<void>(foreign.value()), gradlab::TapeError, crossing);
  BOOST_CHECK_EXCEPTION(sin(foreign), gradlab::TapeError, crossing);
  BOOST_CHECK_EXCEPTION(tape.variable(1.0) + foreign, gradlab::TapeError, crossing);
  const Var x = tape.variable(2.0);
  BOOST_CHECK_EXCEPTION(gradlab::grad(x * x, {foreign}), gradlab::TapeError, crossing);
  BOOST_CHECK_EXCEPTION(gradlab::grad(foreign, {x}), gradlab::TapeError, crossing);
}

BOOST_AUTO_TEST_CASE(var_after_clear) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(1.0);
  const Var y = exp(x);
  tape.clear();
  // New nodes now occupy the old indices: the stale handles must still be refused.
  const Var z = tape.variable(5.0);
  tape.variable(6.0);
  const auto cleared = message_has<gradlab::TapeError>({"cleared"});
  BOOST_CHECK_EXCEPTION(static_cast<void>(x.value()), gradlab::TapeError, cleared);
  BOOST_CHECK_EXCEPTION(static_cast<void>(y.value()), gradlab::TapeError, cleared);
  BOOST_CHECK_EXCEPTION(sin(y), gradlab::TapeError, cleared);
  BOOST_CHECK_EXCEPTION(z * x, gradlab::TapeError, cleared);
  BOOST_CHECK_EXCEPTION(gradlab::grad(z, {x}), gradlab::TapeError, cleared);
  BOOST_CHECK_EXCEPTION(gradlab::grad_recorded(z, {x}), gradlab::TapeError, cleared);
  BOOST_CHECK_EXCEPTION(gradlab::backward(y), gradlab::TapeError, cleared);
  BOOST_TEST(z.value() == 5.0);
}

BOOST_AUTO_TEST_CASE(uninitialised_var) {
  Tape tape;
  TapeScope scope(tape);
  const Var u;
  BOOST_TEST(!u.valid());
  const auto uninit = message_has<gradlab::TapeError>({"uninitialised Var"});
  BOOST_CHECK_EXCEPTION(static_cast<void>(u.value()), gradlab::TapeError, uninit);
  BOOST_CHECK_EXCEPTION(sin(u), gradlab::TapeError, uninit);
  BOOST_CHECK_EXCEPTION(u + 1.0, gradlab::TapeError, uninit);
  const Var x = tape.variable(1.0);
  BOOST_CHECK_EXCEPTION(gradlab::grad(x, {u}), gradlab::TapeError, uninit);
  BOOST_CHECK_EXCEPTION(gradlab::hessian(u, {x}), gradlab::TapeError, uninit);
}

BOOST_AUTO_TEST_CASE(var_from_an_ended_tape_scope) {
  Tape inner;
  Var x;
  {
    TapeScope scope(inner);
    x = inner.variable(2.0);
    BOOST_TEST(gradlab::grad(x * x, {x})[0] == 4.0);
  }
  Tape outer;
  TapeScope scope(outer);
  const auto ended = message_has<gradlab::TapeError>({"Vars cannot cross tapes", "TapeScope that has ended"});
  BOOST_CHECK_EXCEPTION(static_cast<void>(x.value()), gradlab::TapeError, ended);
  BOOST_CHECK_EXCEPTION(x * 2.0, gradlab::TapeError, ended);
  {
    TapeScope again(inner);  // back on its own tape, the Var is valid again
    BOOST_TEST(x.value() == 2.0);
  }
}

// The stamps come from one 64-bit counter: past 2^32 tapes and clears (the old 32-bit id and
// generation wrapped there) a tape's stamp is never 0, the stamp of Var(), and never an old one.
BOOST_AUTO_TEST_CASE(stamps_past_32_bits) {
  gradlab::detail::set_next_stamp((std::uint64_t{1} << 32) - 1);
  Tape a;  // stamp 2^32 - 1
  Tape b;  // stamp 2^32: its low 32 bits are 0
  {
    TapeScope scope(b);
    const Var x = b.variable(2.0);
    BOOST_CHECK_EXCEPTION(x * Var(), gradlab::TapeError, message_has<gradlab::TapeError>({"uninitialised"}));
    BOOST_TEST(gradlab::grad(x * x, {x})[0] == 4.0);
  }
  TapeScope scope(a);
  const Var old = a.variable(1.0);
  gradlab::detail::set_next_stamp((std::uint64_t{1} << 33) + 5);
  for (int k = 0; k < 3; ++k) a.clear();
  const Var fresh = a.variable(7.0);
  BOOST_TEST(fresh.index() == old.index());
  BOOST_CHECK_EXCEPTION(static_cast<void>(old.value()), gradlab::TapeError,
                        message_has<gradlab::TapeError>({"cleared", "3 times"}));
  BOOST_TEST(fresh.value() == 7.0);
  gradlab::detail::set_next_stamp(std::uint64_t{1} << 40);  // past every stamp used in this program
}

// When the counter runs out, no stamp is handed out twice: making a tape or clearing one throws.
BOOST_AUTO_TEST_CASE(stamps_used_up) {
  gradlab::detail::set_next_stamp((std::uint64_t{1} << 63) - 2);
  Tape last;  // the last stamp
  TapeScope scope(last);
  const Var x = last.variable(3.0);
  const auto used_up = message_has<gradlab::TapeError>({"stamps are used up"});
  BOOST_CHECK_EXCEPTION(Tape(), gradlab::TapeError, used_up);
  BOOST_CHECK_EXCEPTION(last.clear(), gradlab::TapeError, used_up);
  BOOST_CHECK_EXCEPTION(Tape(), gradlab::TapeError, used_up);  // and it stays used up
  BOOST_TEST(x.value() == 3.0);                                // the failed clear() left the tape as it was
  gradlab::detail::set_next_stamp(std::uint64_t{1} << 41);
}

// A tape destroyed while a scope would restore it (or while it is active) is refused with a
// TapeError when next used, never read through a dangling pointer.
BOOST_AUTO_TEST_CASE(tape_destroyed_under_a_scope) {
  const auto gone = message_has<gradlab::TapeError>({"active tape was destroyed"});
  auto outer = std::make_unique<Tape>();
  Tape inner;
  {
    TapeScope a(*outer);
    {
      TapeScope b(inner);
      outer.reset();                                             // b will restore it
      BOOST_TEST(Tape::current().variable(1.0).value() == 1.0);  // inner is still active
    }
    BOOST_CHECK_EXCEPTION(Tape::current(), gradlab::TapeError, gone);
    BOOST_CHECK_EXCEPTION(Var(1.0), gradlab::TapeError, gone);
    {
      TapeScope c(inner);  // a new scope works
      BOOST_TEST(Var(2.0).value() == 2.0);
    }
    BOOST_CHECK_EXCEPTION(Tape::current(), gradlab::TapeError, gone);
  }
  BOOST_TEST(Var(3.0).value() == 3.0);  // a ended: the tape from before it is active again
  auto own = std::make_unique<Tape>();
  {
    TapeScope s(*own);
    own.reset();  // the active tape itself
    BOOST_CHECK_EXCEPTION(Var(4.0), gradlab::TapeError, gone);
  }
  BOOST_TEST(Var(5.0).value() == 5.0);
}

// A gradient with respect to a Var the output does not depend on is exactly 0, in every sweep.
BOOST_AUTO_TEST_CASE(independent_var_has_zero_gradient) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(1.5), z = tape.variable(0.5);
  const Var y = sin(z) * z;
  BOOST_TEST(gradlab::grad(y, {x})[0] == 0.0);
  BOOST_TEST(gradlab::backward(y)[x] == 0.0);
  BOOST_TEST(gradlab::grad_recorded(y, {x})[0].value() == 0.0);
  const Eigen::MatrixXd h = gradlab::hessian(y, {x, z});
  BOOST_TEST(h(0, 0) == 0.0);
  BOOST_TEST(h(0, 1) == 0.0);
  BOOST_TEST(h(1, 0) == 0.0);
  BOOST_TEST(h(1, 1) == 2 * std::cos(0.5) - 0.5 * std::sin(0.5), boost::test_tools::tolerance(1e-14));
  // A constant output depends on nothing.
  const Var c = Var(3.0) * 2.0;
  BOOST_TEST(gradlab::grad(c, {x, z}).isZero(0.0));
  BOOST_TEST(gradlab::hessian(c, {x, z}).isZero(0.0));
}

BOOST_AUTO_TEST_CASE(input_recorded_after_the_output) {
  Tape tape;
  TapeScope scope(tape);
  const Var z = tape.variable(0.5);
  const Var y = exp(z);
  const Var late = tape.variable(2.0);
  BOOST_TEST(gradlab::grad(y, {late, z})[0] == 0.0);
  BOOST_TEST(gradlab::grad(y, {late, z})[1] == std::exp(0.5));
  BOOST_TEST(gradlab::backward(y)[late] == 0.0);
  BOOST_TEST(gradlab::grad_recorded(y, {late})[0].value() == 0.0);
  BOOST_TEST(gradlab::hessian(y, {late})(0, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(pow_with_var_exponent_needs_positive_base) {
  Tape tape;
  TapeScope scope(tape);
  const Var b = tape.variable(2.0);
  BOOST_CHECK_EXCEPTION(pow(tape.variable(-1.5), b), gradlab::DomainError,
                        message_has<gradlab::DomainError>({"positive base", "a^b", "the base is -1.5"}));
  BOOST_CHECK_EXCEPTION(pow(tape.variable(0.0), b), gradlab::DomainError,
                        message_has<gradlab::DomainError>({"positive base", "the base is 0"}));
  BOOST_CHECK_EXCEPTION(pow(-2.0, b), gradlab::DomainError,
                        message_has<gradlab::DomainError>({"positive base", "a^b", "the base is -2"}));
  BOOST_CHECK_EXCEPTION(pow(0.0, b), gradlab::DomainError,
                        message_has<gradlab::DomainError>({"the base is 0"}));
  BOOST_TEST(pow(tape.variable(-2.0), 2.0).value() == 4.0);  // a constant exponent accepts any base
}

namespace {
struct DuplicateSin {  // a user op that reuses a built-in's name
  static constexpr const char* name = "sin";
  static constexpr gradlab::ops::Arity arity = gradlab::ops::Arity::Unary;
  static double value(double x) { return x; }
  template <class T> static T d(const T&, const T&) { return T(1.0); }
};
}  // namespace

BOOST_AUTO_TEST_CASE(register_op_with_a_taken_name) {
  const std::size_t before = gradlab::op_count();
  BOOST_CHECK_EXCEPTION(gradlab::register_op(gradlab::make_op_info<DuplicateSin>()), gradlab::Error,
                        message_has({"register_op", "'sin' is already registered"}));
  BOOST_TEST(gradlab::op_count() == before);
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  BOOST_CHECK_EXCEPTION(gradlab::apply<DuplicateSin>(x), gradlab::Error,
                        message_has({"'sin' is already registered"}));
  BOOST_TEST(gradlab::op_count() == before);
}

BOOST_AUTO_TEST_CASE(hvp_with_a_wrong_size_direction) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(1.0), y = tape.variable(2.0), z = tape.variable(3.0);
  const std::vector<Var> xs{x, y, z};
  const auto shape = message_has<gradlab::ShapeError>({"hvp", "2 entries", "3 variables"});
  BOOST_CHECK_EXCEPTION(gradlab::hvp(x * y * z, xs, Eigen::VectorXd::Ones(2)), gradlab::ShapeError, shape);
  auto f = [](const std::vector<Var>& p) { return p[0] * p[1] * p[2]; };
  BOOST_CHECK_EXCEPTION(gradlab::hvp(f, Eigen::VectorXd::Ones(3), Eigen::VectorXd::Ones(2)),
                        gradlab::ShapeError, shape);
}

BOOST_AUTO_TEST_CASE(sweeps_from_a_node_past_the_end) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(1.0);
  (void)(x * x);
  std::vector<double> adj;
  BOOST_CHECK_EXCEPTION(tape.backward(2, adj), gradlab::TapeError,
                        message_has<gradlab::TapeError>({"backward: node 2 is not on this tape (size 2)"}));
  BOOST_CHECK_EXCEPTION(
      tape.backward_recorded(5), gradlab::TapeError,
      message_has<gradlab::TapeError>({"backward_recorded: node 5 is not on this tape (size 2)"}));
  tape.clear();
  BOOST_CHECK_EXCEPTION(tape.backward(0, adj), gradlab::TapeError,
                        message_has<gradlab::TapeError>({"node 0 is not on this tape (size 0)"}));
}

BOOST_AUTO_TEST_CASE(reserve_beyond_the_index_range) {
  Tape tape;
  BOOST_CHECK_EXCEPTION(tape.reserve(std::size_t{1} << 32), gradlab::Error,
                        message_has({"the tape is full", "at most 2^31 nodes"}));
  BOOST_TEST(tape.size() == 0u);
  tape.variable(1.0);  // still usable
  BOOST_TEST(tape.size() == 1u);
}

// An op finds room on its tape before it computes (Tape::current_with_room): on a full tape it grows
// the tape, keeping every node; on a thread that has not recorded yet it takes the thread's default
// tape; on a destroyed tape it throws, as Tape::current does.
BOOST_AUTO_TEST_CASE(ops_make_room_on_a_full_tape) {
  Tape tape;
  tape.reserve(2);
  TapeScope scope(tape);
  const Var x = tape.variable(0.5);
  const Var s = sin(x);   // fills the tape
  const Var p = s * x;    // a binary op on a full tape
  const Var q = 2.0 * p;  // a parametrised op
  const Var c = cos(q);   // a unary op
  BOOST_TEST(tape.size() == 5u);
  BOOST_TEST(x.value() == 0.5);
  BOOST_TEST(s.value() == std::sin(0.5));
  BOOST_TEST(c.value() == std::cos(2.0 * (std::sin(0.5) * 0.5)));
  std::vector<double> adj;
  tape.backward(c.index(), adj);
  const double z = 2.0 * std::sin(0.5) * 0.5;
  BOOST_TEST(adj[x.index()] == -std::sin(z) * 2.0 * (std::cos(0.5) * 0.5 + std::sin(0.5)),
             boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(ops_on_a_fresh_thread_or_a_destroyed_tape) {
  std::string message;
  std::thread([&] {
    try {
      (void)sin(Var{});  // the thread's first op: no active tape yet
    } catch (const gradlab::TapeError& e) {
      message = e.what();
    }
  }).join();
  BOOST_TEST(message.find("an uninitialised Var was used") != std::string::npos, message);
  auto own = std::make_unique<Tape>();
  {
    TapeScope scope(*own);
    const Var x = own->variable(1.0);
    own.reset();
    BOOST_CHECK_EXCEPTION((void)exp(x), gradlab::TapeError,
                          message_has<gradlab::TapeError>({"active tape was destroyed"}));
  }
}

// Gradients answers for Vars of the tape it swept; another tape's Var is refused, not misread.
BOOST_AUTO_TEST_CASE(gradients_of_a_var_from_another_tape) {
  Tape tape, other;
  TapeScope scope(tape);
  const Var x = tape.variable(1.5);
  const gradlab::Gradients g = gradlab::backward(x * x);
  BOOST_TEST(g[x] == 3.0);
  BOOST_CHECK_EXCEPTION(static_cast<void>(g[other.variable(2.0)]), gradlab::TapeError,
                        message_has<gradlab::TapeError>({"Vars cannot cross tapes"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(anomaly_mode)

BOOST_AUTO_TEST_CASE(forward_anomaly_names_the_op_and_input) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  gradlab::DetectAnomaly on;
  BOOST_CHECK_EXCEPTION(log(x), gradlab::AnomalyError,
                        message_has<gradlab::AnomalyError>({"'log'", "-inf", "forward", "input 0"}));
  BOOST_CHECK_EXCEPTION(x / x, gradlab::AnomalyError,
                        message_has<gradlab::AnomalyError>({"'div'", "inputs 0, 0"}));
}

BOOST_AUTO_TEST_CASE(backward_anomaly_names_the_op) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  gradlab::DetectAnomaly on;
  const Var y = sqrt(x);  // forward is finite: sqrt(0) = 0
  BOOST_TEST(y.value() == 0.0);
  // backward: dy/dx = 1 / (2 sqrt(0)) = inf
  BOOST_CHECK_EXCEPTION(gradlab::grad(y, {x}), gradlab::AnomalyError,
                        message_has<gradlab::AnomalyError>({"'sqrt'", "backward", "inf", "input 0"}));
}

// The facts of an anomaly are fields, so that a front end names the source without recomputing.
BOOST_AUTO_TEST_CASE(anomaly_facts_are_fields) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  const Var two = tape.constant(2.0);
  gradlab::DetectAnomaly on;
  try {
    (void)log(x);
    BOOST_FAIL("log(0) should be an anomaly");
  } catch (const gradlab::AnomalyError& e) {
    BOOST_TEST((e.facts().phase == gradlab::AnomalyError::Phase::Forward));
    BOOST_TEST(e.facts().op == "log");
    BOOST_TEST(e.facts().node == tape.size());  // the node it would have been
    BOOST_TEST(e.facts().value == -INFINITY);
  }
  const Var y = sqrt(x) * two;  // node 3 is sqrt, node 4 mul
  try {
    (void)gradlab::grad(y, {x});
    BOOST_FAIL("d sqrt(x)/dx at 0 should be an anomaly");
  } catch (const gradlab::AnomalyError& e) {
    BOOST_TEST((e.facts().phase == gradlab::AnomalyError::Phase::Backward));
    BOOST_TEST(e.facts().op == "sqrt");
    BOOST_TEST(e.facts().node == y.index() - 1);
    BOOST_TEST(e.facts().input == x.index());
    BOOST_TEST(e.facts().value == INFINITY);
    BOOST_TEST(e.facts().upstream == 2.0);
  }
}

BOOST_AUTO_TEST_CASE(without_anomaly_mode_ieee_values_propagate) {
  BOOST_TEST(!gradlab::detect_anomaly());
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(0.0);
  const Var l = log(x);
  BOOST_TEST(std::isinf(l.value()));
  BOOST_TEST(l.value() < 0.0);
  BOOST_TEST(std::isnan((x / x).value()));
  BOOST_TEST(std::isinf(gradlab::grad(sqrt(x), {x})[0]));
  BOOST_TEST(std::isnan(gradlab::grad(sqrt(x) - sqrt(x), {x})[0]));  // inf - inf = NaN
  {
    gradlab::DetectAnomaly on;
    BOOST_TEST(gradlab::detect_anomaly());
    {
      gradlab::DetectAnomaly off(false);
      BOOST_TEST(!gradlab::detect_anomaly());
      BOOST_TEST(std::isinf(log(x).value()));
    }
    BOOST_TEST(gradlab::detect_anomaly());
  }
  BOOST_TEST(!gradlab::detect_anomaly());
}

BOOST_AUTO_TEST_SUITE_END()
