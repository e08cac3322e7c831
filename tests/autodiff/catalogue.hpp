#pragma once
// The catalogue of primitives that drives the derivative tests (test_primitives.cpp).
//
// One entry per primitive (or per form of it, e.g. pow(x, 3) and pow(x, 0.5)): how to apply it to
// Vars, its value, and its first and second derivatives written BY HAND with std:: math, independent
// of the engine's rules in ops.hpp, plus where to sample it (away from kinks and poles).
// A new primitive is tested by adding one entry; a primitive of the op table without an entry fails
// the test `every_op_has_a_catalogue_entry`.
#include <cmath>
#include <functional>
#include <gradlab/autodiff.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gradlab_test {

using gradlab::Var;

/// Where to sample an argument: uniform on [lo, hi], at least `margin` away from `kink` if there is one.
struct Domain {
  double lo = -3.0;
  double hi = 3.0;
  std::optional<double> kink = std::nullopt;
  double margin = 0.05;
};

/// A primitive of one argument, y = f(x).
struct UnaryEntry {
  std::string op;     ///< the op's name in the op table (what the node records)
  std::string label;  ///< how the entry is written, for messages
  std::function<Var(const Var&)> f;
  std::function<double(double)> value;  ///< f(x), by hand
  std::function<double(double)> d1;     ///< f'(x), by hand
  std::function<double(double)> d2;     ///< f''(x), by hand
  Domain x;
};

/// A primitive of two arguments, y = f(a, b), in its three forms Var∘Var, Var∘double, double∘Var.
/// The forms with a double record their own parametrised ops (a * 2.0 records mulc, 2.0 / b rdivc).
struct BinaryEntry {
  std::string op;     ///< the op that Var∘Var records
  std::string vd_op;  ///< the op that Var∘double records
  std::string dv_op;  ///< the op that double∘Var records
  std::string label;
  std::function<Var(const Var&, const Var&)> vv;
  std::function<Var(const Var&, double)> vd;
  std::function<Var(double, const Var&)> dv;
  std::function<double(double, double)> value;          ///< f(a, b), by hand
  std::function<double(double, double)> da, db;         ///< first partials, by hand
  std::function<double(double, double)> daa, dab, dbb;  ///< second partials, by hand
  Domain a, b;
  bool avoid_tie = false;  ///< keep |a - b| >= margin of a (the kink of max and min)
};

const std::vector<UnaryEntry>& unary_catalogue();
const std::vector<BinaryEntry>& binary_catalogue();

/// |got - want| <= tol (1 + |want|): relative for large values, absolute near 0.
inline bool close(double got, double want, double tol) {
  return std::abs(got - want) <= tol * (1.0 + std::abs(want));
}

}  // namespace gradlab_test
