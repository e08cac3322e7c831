// Defining a primitive outside the library: a value and a local-derivative rule, written the same
// way as the built-in ones. It works at first and second order.
#include <fmt/format.h>

#include <gradlab/autodiff.hpp>

namespace mine {
/// cube: y = x^3;  dy/dx = 3 x^2
struct Cube {
  static constexpr const char* name = "cube";
  static constexpr gradlab::ops::Arity arity = gradlab::ops::Arity::Unary;
  static double value(double x) { return x * x * x; }
  template <class T> static T d(const T& x, const T& /*y*/) { return 3.0 * x * x; }
};

/// softsign: y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)^2
struct Softsign {
  static constexpr const char* name = "softsign";
  static constexpr gradlab::ops::Arity arity = gradlab::ops::Arity::Unary;
  static double value(double x) { return x / (1.0 + std::abs(x)); }
  template <class T> static T d(const T& x, const T& /*y*/) {
    const T s = 1.0 + gradlab::ops::abs(x);
    return 1.0 / (s * s);
  }
};

gradlab::Var cube(const gradlab::Var& x) { return gradlab::apply<Cube>(x); }
gradlab::Var softsign(const gradlab::Var& x) { return gradlab::apply<Softsign>(x); }
}  // namespace mine

int main() {
  using gradlab::Var;
  const double x0 = 1.5;
  // f(x) = cube(x) + softsign(x):  f' = 3x^2 + 1/(1+|x|)^2,  f'' = 6x - 2 sign(x)/(1+|x|)^3
  auto f = [](const std::vector<Var>& p) { return mine::cube(p[0]) + mine::softsign(p[0]); };
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(1, x0);
  const Eigen::VectorXd g = gradlab::grad(f, x);
  const Eigen::MatrixXd h = gradlab::hessian(f, x);
  const double s = 1.0 + x0;
  fmt::print("f(x) = cube(x) + softsign(x) at x = {}\n", x0);
  fmt::print("f'(x):  autodiff {:.17g}   by hand {:.17g}\n", g[0], 3 * x0 * x0 + 1 / (s * s));
  fmt::print("f''(x): autodiff {:.17g}   by hand {:.17g}\n", h(0, 0), 6 * x0 - 2 / (s * s * s));
  return 0;
}
