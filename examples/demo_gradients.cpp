// The sigmoid neuron's gradient at one point, by autodiff and by the hand-derived formula.
// L = 1/2 sum_i (f_i - y_i)^2 with f_i = sigmoid(w x_i + b), on the article's data.
#include <fmt/format.h>

#include <array>
#include <gradlab/autodiff.hpp>

int main() {
  using gradlab::Var;
  const std::array<double, 2> xs{0.5, 2.5};
  const std::array<double, 2> ys{0.2, 0.9};
  const double w0 = 0.0, b0 = -8.0;

  // Autodiff: record L on the tape, then sweep back.
  gradlab::Tape& tape = gradlab::Tape::current();
  Var w = tape.variable(w0), b = tape.variable(b0);
  Var loss = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    Var f = gradlab::sigmoid(w * xs[i] + b);
    loss += 0.5 * (f - ys[i]) * (f - ys[i]);
  }
  const Eigen::VectorXd g = gradlab::grad(loss, {w, b});

  // By hand: dL/dw = sum (f - y) f (1 - f) x,  dL/db = sum (f - y) f (1 - f).
  double dw = 0.0, db = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = 1.0 / (1.0 + std::exp(-(w0 * xs[i] + b0)));
    dw += (f - ys[i]) * f * (1 - f) * xs[i];
    db += (f - ys[i]) * f * (1 - f);
  }

  fmt::print("sigmoid neuron at w = {}, b = {} on X = [0.5, 2.5], Y = [0.2, 0.9]\n", w0, b0);
  fmt::print("L       = {:.17g}\n", loss.value());
  fmt::print("{:<7} {:>24} {:>24}\n", "", "autodiff", "hand formula");
  fmt::print("{:<7} {:>24.17g} {:>24.17g}\n", "dL/dw", g[0], dw);
  fmt::print("{:<7} {:>24.17g} {:>24.17g}\n", "dL/db", g[1], db);
  return 0;
}
