// The sigmoid neuron written once for both handle types: gradlab::Var records one node per op,
// gradlab::statements::Var one entry per statement. The same loss, the gradient to rounding, and
// the exact Hessian in both (the differentiable sweep replays each statement as nodes).
#include <fmt/format.h>

#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/statements.hpp>

template <class Var> void neuron(const char* mode) {
  gradlab::Tape tape;
  gradlab::TapeScope scope(tape);
  const double xs[] = {0.5, 2.5}, ys[] = {0.2, 0.9};
  Var w = tape.variable(0.3), b = tape.variable(-0.2);
  Var loss = 0.0;
  for (int i = 0; i < 2; ++i) {
    Var r = sigmoid(w * xs[i] + b) - ys[i];  // statement mode: one entry, leaves w and b
    loss += 0.5 * r * r;                     // statement mode: one entry, leaves loss, r, r
  }
  Eigen::VectorXd g = gradlab::grad(loss, {w, b});
  Eigen::MatrixXd H = gradlab::hessian(loss, {w, b});
  fmt::print("{:10}: {:2} tape entries, L = {:.12f}, grad = [{:.12f}, {:.12f}], H00 = {:.12f}\n", mode,
             tape.size(), loss.value(), g[0], g[1], H(0, 0));
}

int main() {
  neuron<gradlab::Var>("nodes");
  neuron<gradlab::statements::Var>("statements");
  return 0;
}
