// The Hessian of the sigmoid neuron's loss, row by row, by differentiating the recorded gradient.
#include <fmt/format.h>

#include <gradlab/autodiff.hpp>

int main() {
  using gradlab::Var;
  gradlab::Tape& tape = gradlab::Tape::current();
  Var w = tape.variable(0.0), b = tape.variable(-8.0);
  Var f1 = gradlab::sigmoid(0.5 * w + b), f2 = gradlab::sigmoid(2.5 * w + b);
  Var L = 0.5 * (f1 - 0.2) * (f1 - 0.2) + 0.5 * (f2 - 0.9) * (f2 - 0.9);

  std::vector<Var> g = gradlab::grad_recorded(L, {w, b});  // dL/dw, dL/db as Vars on the tape
  Eigen::VectorXd row = gradlab::grad(g[0], {w, b});       // d2L/dw2, d2L/dw db
  Eigen::MatrixXd H = gradlab::hessian(L, {w, b});         // every row at once

  fmt::print("dL/dw = {:.6g}, dL/db = {:.6g}\n", g[0].value(), g[1].value());
  fmt::print("first Hessian row: [{:.6g}, {:.6g}]\n", row[0], row[1]);
  fmt::print("H = [[{:.6g}, {:.6g}], [{:.6g}, {:.6g}]]\n", H(0, 0), H(0, 1), H(1, 0), H(1, 1));
  return 0;
}
