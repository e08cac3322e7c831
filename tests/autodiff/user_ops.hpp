#pragma once
// Two primitives defined outside the library, the way a user would (see examples/custom_primitive.cpp):
// a value and a local-derivative rule written once over T. They are entries of the test catalogue,
// so they are checked at first and second order exactly like the built-in ones.
#include <cmath>
#include <gradlab/autodiff.hpp>

namespace user_ops {

/// logcosh: y = ln cosh x;  dy/dx = tanh x
struct LogCosh {
  static constexpr const char* name = "logcosh";
  static constexpr gradlab::ops::Arity arity = gradlab::ops::Arity::Unary;
  static double value(double x) { return std::log(std::cosh(x)); }
  template <class T> static T d(const T& x, const T& /*y*/) { return gradlab::ops::tanh(x); }
};

/// user_hypot: y = sqrt(a^2 + b^2);  dy/da = a / y, dy/db = b / y
struct Hypot {
  static constexpr const char* name = "user_hypot";  // the library has its own hypot
  static constexpr gradlab::ops::Arity arity = gradlab::ops::Arity::Binary;
  static double value(double a, double b) { return std::hypot(a, b); }
  template <class T> static T da(const T& a, const T& /*b*/, const T& y) { return a / y; }
  template <class T> static T db(const T& /*a*/, const T& b, const T& y) { return b / y; }
};

inline gradlab::Var logcosh(const gradlab::Var& x) { return gradlab::apply<LogCosh>(x); }
inline gradlab::Var hypot(const gradlab::Var& a, const gradlab::Var& b) {
  return gradlab::apply<Hypot>(a, b);
}

}  // namespace user_ops
