// Defining an activation outside the library: ONE record, registered with one call, gets the
// same generated machinery as the built-in ones: an engine op callable by name, the three-way
// derivative check, and a neuron that cross-checks its gradient.
#include <fmt/format.h>

#include <gradlab/neuron.hpp>

namespace mine {
/// softsign: f(x) = x / (1 + |x|);  f'(x) = 1 / (1 + |x|)^2
struct Softsign {
  static constexpr const char* name = "softsign";
  static constexpr const char* formula = "f(x) = x / (1 + |x|)";
  static constexpr const char* formula_latex = R"(f(x) = \frac{x}{1 + |x|})";
  static constexpr const char* derivative = "f'(x) = 1 / (1 + |x|)^2";
  static constexpr const char* derivative_latex = R"(f'(x) = \frac{1}{(1 + |x|)^2})";
  static constexpr const char* kink = "f' is continuous; f'' jumps at 0 (|x| has a kink there)";
  static constexpr gradlab::Domain domain{-6.0, 6.0};
  static constexpr std::array<double, 1> kinks{0.0};
  template <class T> static T value(const T& x) { return x / (1.0 + gradlab::ops::abs(x)); }
  template <class T> static T d(const T& x) {
    const T s = 1.0 + gradlab::ops::abs(x);
    return 1.0 / (s * s);
  }
};
}  // namespace mine

int main() {
  const gradlab::ActivationInfo& softsign = gradlab::register_activation<mine::Softsign>();
  fmt::print("registered '{}': {}   {}\n", softsign.name, softsign.formula, softsign.derivative);
  fmt::print("activations now: {}\n\n", fmt::join(gradlab::activation_names(), ", "));

  // The generated three-way check: autodiff through value vs the record's d vs central differences.
  const gradlab::ActivationCheck check = gradlab::check_activation(softsign);
  fmt::print("{}\n", check.table(5));

  // The engine op of the same name, found at run time as the expression language does.
  const std::optional<gradlab::OpId> id = gradlab::find_op("softsign");
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const gradlab::Var x = tape.variable(1.5);
  const gradlab::Var y = gradlab::apply(*id, x);
  fmt::print("op '{}' (id {}): softsign(1.5) = {:.17g}, d/dx = {:.17g} (record: {:.17g})\n\n",
             gradlab::op_info(*id).name, *id, y.value(), gradlab::grad(y, {x})[0], softsign.d(1.5));

  // A neuron with it, on the article's data, cross-checked and trained.
  namespace article = gradlab::article;
  gradlab::Neuron n(Eigen::VectorXd::Constant(1, 0.5), 0.1, "softsign");
  fmt::print("softsign neuron at w = 0.5, b = 0.1:\n{}",
             n.cross_check(article::inputs(), article::targets()).table());
  auto gd = gradlab::make_optimizer("gd", {.learning_rate = 0.5});
  const gradlab::Trajectory t =
      gradlab::train(n, article::inputs(), article::targets(), *gd, {.max_epochs = 2000});
  fmt::print("after {} epochs of gd: w = {:.6f}, b = {:.6f}, loss = {:.3g}\n", t.rows.back().epoch, n.w()[0],
             n.b(), t.rows.back().loss);
  fmt::print("{}\n", check.passed() ? "softsign: all checks agree" : "softsign: CHECK FAILED");
  return check.passed() ? 0 : 1;
}
