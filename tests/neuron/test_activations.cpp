// Every activation record checked three ways, its fused op, its kink convention and its registry.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <gradlab/neuron.hpp>
#include <numbers>
#include <thread>

#include "message_of.hpp"

using gradlab::Var;

namespace {
// A wrong record: d is twice the true derivative of value. The check must reject it.
struct WrongSoftsign {
  static constexpr const char* name = "wrong_softsign";
  static constexpr const char* formula = "f(x) = x / (1 + |x|)";
  static constexpr const char* formula_latex = "";
  static constexpr const char* derivative = "f'(x) = 2 / (1 + |x|)^2  (wrong on purpose)";
  static constexpr const char* derivative_latex = "";
  static constexpr const char* kink = "";
  static constexpr gradlab::Domain domain{-3.0, 3.0};
  static constexpr std::array<double, 1> kinks{0.0};
  template <class T> static T value(const T& x) { return x / (1.0 + gradlab::ops::abs(x)); }
  template <class T> static T d(const T& x) {
    const T s = 1.0 + gradlab::ops::abs(x);
    return 2.0 / (s * s);
  }
};

// A record under a built-in's name.
struct FakeRelu : WrongSoftsign {
  static constexpr const char* name = "relu";
};
}  // namespace

BOOST_AUTO_TEST_SUITE(activations)

BOOST_AUTO_TEST_CASE(builtins_are_registered_in_order) {
  const std::vector<std::string> expected{"sigmoid", "tanh",     "relu", "leaky_relu",
                                          "elu",     "softplus", "silu", "gelu"};
  const std::vector<std::string> names = gradlab::activation_names();
  BOOST_REQUIRE_GE(names.size(), expected.size());
  BOOST_TEST(std::vector<std::string>(names.begin(), names.begin() + 8) == expected,
             boost::test_tools::per_element());
}

// A record's kinks reach its engine op, so checks of expressions that use it know them; smooth
// records declare none.
BOOST_AUTO_TEST_CASE(activation_ops_carry_the_records_kinks) {
  for (const char* name : {"leaky_relu", "elu"}) {
    gradlab::activation(name);  // registers the op
    const gradlab::OpInfo& op = gradlab::op_info(*gradlab::find_op(name));
    BOOST_REQUIRE(op.kink_distance != nullptr);
    BOOST_TEST(op.kink_distance(-0.5, 0.01) == 0.5);
  }
  for (const char* name : {"silu", "gelu"}) {
    gradlab::activation(name);
    BOOST_TEST(gradlab::op_info(*gradlab::find_op(name)).kink_distance == nullptr);
  }
}

// The records that name an engine op write no derivative of their own: ops.hpp is the one place.
static_assert(!gradlab::detail::has_own_derivative<gradlab::activations::Sigmoid>);
static_assert(!gradlab::detail::has_own_derivative<gradlab::activations::Tanh>);
static_assert(!gradlab::detail::has_own_derivative<gradlab::activations::Relu>);
static_assert(!gradlab::detail::has_own_derivative<gradlab::activations::Softplus>);
static_assert(gradlab::detail::has_own_derivative<gradlab::activations::Silu>);
static_assert(gradlab::detail::has_own_derivative<gradlab::activations::LeakyRelu>);

// Record d vs autodiff through value vs central differences at 100 random points per activation,
// away from kinks; f'' of the fused op vs autodiff of autodiff through value.
BOOST_AUTO_TEST_CASE(every_activation_three_ways) {
  for (const gradlab::ActivationInfo* act : gradlab::activation_list()) {
    const gradlab::ActivationCheck c = gradlab::check_activation(*act, {.points = 100, .seed = 7});
    BOOST_TEST_CONTEXT(act->name) {
      BOOST_TEST(c.points.size() == 100u);
      BOOST_TEST(c.autodiff_vs_record.within(1e-13, 1e-13));
      // The fused op's rule IS the record's d: for a record naming an engine op, d is that op's rule
      // (record_d; the record may not write one, see below); otherwise the op is generated from d.
      BOOST_TEST(c.fused_vs_record.within(0.0, 0.0));
      BOOST_TEST(c.numeric_vs_record.within(1e-9, 1e-7));
      BOOST_TEST(c.second_order.within(1e-13, 1e-12));
      BOOST_TEST(c.passed());
    }
  }
}

BOOST_AUTO_TEST_CASE(parametric_activations_with_other_alphas) {
  for (const char* name : {"leaky_relu", "elu"})
    for (double alpha : {0.2, 0.5, 2.0}) {
      const gradlab::ActivationCheck c =
          gradlab::check_activation(gradlab::activation(name), {.points = 100, .seed = 3, .alpha = alpha});
      BOOST_TEST_CONTEXT(name << " alpha " << alpha) {
        BOOST_TEST(c.alpha == alpha);
        BOOST_TEST(c.passed());
      }
    }
}

BOOST_AUTO_TEST_CASE(check_rejects_a_wrong_factor_of_two) {
  // Not registered (it would join every later loop over the registry); the check needs only the entry.
  const gradlab::ActivationInfo wrong = gradlab::detail::make_activation_info<WrongSoftsign>();
  const gradlab::ActivationCheck c = gradlab::check_activation(wrong);
  BOOST_TEST(!c.passed());
  BOOST_TEST(c.autodiff_vs_record.rel > 0.4);
  BOOST_TEST(c.table().find("DISAGREEMENT") != std::string::npos);
}

// Values at known points, so that a record whose value and d are wrong together is caught.
BOOST_AUTO_TEST_CASE(known_values) {
  namespace g = gradlab;
  const double tol = 1e-15;
  BOOST_TEST(g::activation("sigmoid").value(0.0) == 0.5);
  BOOST_TEST(g::activation("tanh").value(1.0) == std::tanh(1.0), boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("relu").value(-2.0) == 0.0);
  BOOST_TEST(g::activation("relu").value(2.5) == 2.5);
  BOOST_TEST(g::activation("leaky_relu").value(-2.0) == -0.02, boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("leaky_relu").value(-2.0, 0.3) == -0.6, boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("leaky_relu").value(3.0) == 3.0, boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("elu").value(-1.0) == std::exp(-1.0) - 1.0, boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("elu").value(-1.0, 2.0) == 2.0 * (std::exp(-1.0) - 1.0),
             boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("elu").value(800.0) == 800.0);  // no overflow in the negative branch
  BOOST_TEST(g::activation("softplus").value(0.0) == std::log(2.0), boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("silu").value(1.0) == 0.7310585786300049, boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("gelu").value(1.0) == 0.8413447460685429, boost::test_tools::tolerance(tol));
  BOOST_TEST(g::activation("gelu").d(0.0) == 0.5);
}

// At a kink, the record's d gives the documented (PyTorch) convention, and autodiff through the
// composite value gives the same number.
BOOST_AUTO_TEST_CASE(kink_conventions) {
  struct Case {
    const char* name;
    std::optional<double> alpha;
    double expected;
  };
  for (const Case& k : {Case{"relu", {}, 0.0}, Case{"leaky_relu", {}, 0.01}, Case{"leaky_relu", 0.3, 0.3},
                        Case{"elu", 0.5, 0.5}, Case{"elu", {}, 1.0}}) {
    const gradlab::ActivationInfo& act = gradlab::activation(k.name);
    BOOST_TEST_CONTEXT(k.name) {
      BOOST_TEST(act.d(0.0, k.alpha) == k.expected);
      gradlab::Tape tape;
      gradlab::TapeScope scope(tape);
      const Var x = tape.variable(0.0);
      BOOST_TEST(gradlab::grad(act.composite(x, k.alpha), {x})[0] == k.expected);
      BOOST_TEST(gradlab::grad(act.fused(x, k.alpha), {x})[0] == k.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(fused_ops_live_in_the_op_table) {
  gradlab::register_builtin_activations();
  // Built-in engine primitives are reused, not duplicated.
  BOOST_TEST(gradlab::activation("sigmoid").op == static_cast<gradlab::OpId>(gradlab::ops::Builtin::Sigmoid));
  BOOST_TEST(gradlab::activation("tanh").op == static_cast<gradlab::OpId>(gradlab::ops::Builtin::Tanh));
  BOOST_TEST(gradlab::activation("relu").op == static_cast<gradlab::OpId>(gradlab::ops::Builtin::Relu));
  BOOST_TEST(gradlab::activation("softplus").op ==
             static_cast<gradlab::OpId>(gradlab::ops::Builtin::Softplus));
  for (const char* name : {"leaky_relu", "elu", "silu", "gelu"}) {
    const std::optional<gradlab::OpId> id = gradlab::find_op(name);
    BOOST_TEST_REQUIRE(id.has_value(), name);
    BOOST_TEST(*id == gradlab::activation(name).op);
    BOOST_TEST(*id >= static_cast<gradlab::OpId>(gradlab::ops::Builtin::Count));
  }
  const gradlab::OpInfo& leaky = gradlab::op_info(*gradlab::find_op("leaky_relu"));
  BOOST_CHECK(leaky.arity == gradlab::ops::Arity::UnaryParam);
  BOOST_TEST(leaky.default_param == 0.01);
  BOOST_TEST(gradlab::op_info(*gradlab::find_op("elu")).default_param == 1.0);
  BOOST_CHECK(gradlab::op_info(*gradlab::find_op("gelu")).arity == gradlab::ops::Arity::Unary);

  // Calling by id, as the expression language does: leaky_relu(x, 0.2) and gelu(x).
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const Var x = tape.variable(-1.5);
  const Var y = gradlab::apply(*gradlab::find_op("leaky_relu"), x, Var(0.2));
  BOOST_TEST(y.value() == -0.3, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(gradlab::grad(y, {x})[0] == 0.2, boost::test_tools::tolerance(1e-15));
  const Var z = gradlab::apply(*gradlab::find_op("gelu"), x);
  BOOST_TEST(z.value() == gradlab::activation("gelu").value(-1.5));
}

BOOST_AUTO_TEST_CASE(registration_is_idempotent_and_thread_safe) {
  const std::size_t ops_before = (gradlab::register_builtin_activations(), gradlab::op_count());
  const std::size_t acts_before = gradlab::activation_list().size();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([] {
      gradlab::register_builtin_activations();
      gradlab::register_activation<gradlab::activations::Gelu>();
      (void)gradlab::activation("silu");
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(gradlab::op_count() == ops_before);
  BOOST_TEST(gradlab::activation_list().size() == acts_before);
  BOOST_TEST(&gradlab::register_activation<gradlab::activations::Elu>() == &gradlab::activation("elu"));
}

BOOST_AUTO_TEST_CASE(misuse_errors) {
  const std::string unknown = message_of<gradlab::Error>([] { (void)gradlab::activation("swishh"); });
  BOOST_TEST(unknown.find("unknown activation 'swishh'") != std::string::npos, unknown);
  BOOST_TEST(unknown.find("sigmoid, tanh, relu, leaky_relu, elu, softplus, silu, gelu") != std::string::npos,
             unknown);
  const std::string alpha =
      message_of<gradlab::Error>([] { (void)gradlab::activation("tanh").value(1.0, 0.5); });
  BOOST_TEST(alpha == "activation 'tanh' takes no parameter, but alpha = 0.5 was given");
  const std::string taken = message_of<gradlab::Error>([] { gradlab::register_activation<FakeRelu>(); });
  BOOST_TEST(taken.find("'relu' is already registered") != std::string::npos, taken);
}

BOOST_AUTO_TEST_SUITE_END()
