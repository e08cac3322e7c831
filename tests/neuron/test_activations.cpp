// Every activation record checked three ways, its fused op, its kink convention and its registry.
#include <fmt/format.h>

#include <bit>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <gradlab/autodiff/matrix.hpp>
#include <gradlab/neuron.hpp>
#include <limits>
#include <numbers>
#include <random>
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

// Inputs for a block function: ±0, subnormals, the smallest normal, every binade from 2^-1074 to
// 2^1023 on both sides, around where e^x underflows and overflows, ±DBL_MAX, ±inf, NaN, and 2 10^5
// uniform points in [-40, 40] (where sigmoid and tanh leave 0 and 1); an odd count, so that the
// vectorised loops have a remainder.
std::vector<double> block_inputs() {
  using L = std::numeric_limits<double>;
  std::vector<double> x{0.0,   L::denorm_min(), L::min(), 1e-300, 0.5,   1.0,      36.7,         37.0,
                        700.0, 708.0,           708.4,    708.5,  709.0, 709.78,   709.79,       710.0,
                        720.0, 745.0,           746.0,    800.0,  1e300, L::max(), L::infinity()};
  for (int e = -1074; e <= 1023; ++e) x.push_back(std::ldexp(1.2345678901234567, e));
  const std::size_t positive = x.size();
  for (std::size_t k = 0; k < positive; ++k) x.push_back(-x[k]);
  x.push_back(L::quiet_NaN());
  std::mt19937_64 gen(20261130);
  std::uniform_real_distribution<double> uniform(-40.0, 40.0);
  for (int k = 0; k < 200001; ++k) x.push_back(uniform(gen));
  return x;
}
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

// The block function of every record (the formula pass's f and f', vectorised for sigmoid) agrees
// with value_fn and d_fn bit for bit; NaN in gives NaN out.
BOOST_AUTO_TEST_CASE(block_functions_agree_with_value_and_d) {
  const std::vector<double> x = block_inputs();
  std::vector<double> f(x.size()), df(x.size());
  const auto same = [](double a, double b) {
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
           (std::isnan(a) && std::isnan(b));
  };
  for (const gradlab::ActivationInfo* act : gradlab::activation_list()) {
    BOOST_TEST_REQUIRE(act->values_and_slopes_fn != nullptr, act->name);
    const double alpha = act->default_alpha.value_or(0.0);
    act->values_and_slopes_fn(x.data(), f.data(), df.data(), x.size(), alpha);
    std::size_t wrong = 0;
    std::string first;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double want_f = act->value_fn(x[k], alpha), want_df = act->d_fn(x[k], alpha);
      if ((!same(f[k], want_f) || !same(df[k], want_df)) && wrong++ == 0)
        first = fmt::format("x = {:a}: f {:a} (value_fn {:a}), f' {:a} (d_fn {:a})", x[k], f[k], want_f,
                            df[k], want_df);
    }
    BOOST_TEST(wrong == 0u, act->name << ": " << wrong << " entries disagree, the first at " << first);
  }
}

// Matrix nodes take sigmoid's vectorised loop too: the bits of the scalar value (and of the formula
// pass's block function) at every entry, the underflow below x = -709.78 included (with Eigen's exp,
// e^720 was inf: sigmoid(-720) was 0, not e^-720 = 1.7e-313).
BOOST_AUTO_TEST_CASE(sigmoid_on_matrix_nodes_is_the_block_function) {
  std::vector<double> x = block_inputs();
  x.push_back(-720.0);
  const Eigen::Map<const Eigen::MatrixXd> z(x.data(), static_cast<Eigen::Index>(x.size()), 1);
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const Eigen::MatrixXd f = gradlab::sigmoid(gradlab::matrix_constant(z)).value();
  const gradlab::ActivationInfo& act = gradlab::activation("sigmoid");
  std::vector<double> block(x.size()), slopes(x.size());
  act.values_and_slopes_fn(x.data(), block.data(), slopes.data(), x.size(), 0.0);
  std::size_t wrong = 0;
  std::string first;
  const auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v); };
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double want = act.value_fn(x[k], 0.0), got = f(static_cast<Eigen::Index>(k));
    const bool ok =
        bits(got) == bits(block[k]) && (std::isnan(want) ? std::isnan(got) : bits(got) == bits(want));
    if (!ok && wrong++ == 0)
      first = fmt::format("x = {:a}: matrix node {:a}, block {:a}, scalar {:a}", x[k], got, block[k], want);
  }
  BOOST_TEST(wrong == 0u, wrong << " entries disagree, the first at " << first);
  BOOST_TEST(f(static_cast<Eigen::Index>(x.size()) - 1) == std::exp(-720.0));
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
  // the formula pass calls every registered activation's block function: one without it is refused
  gradlab::ActivationInfo bare = gradlab::detail::make_activation_info<WrongSoftsign>();
  bare.values_and_slopes_fn = nullptr;
  const std::string blockless = message_of<gradlab::Error>([&] { gradlab::detail::add_activation(bare); });
  BOOST_TEST(blockless ==
             "activation 'wrong_softsign': value_fn, d_fn and values_and_slopes_fn are all needed");
}

BOOST_AUTO_TEST_SUITE_END()
