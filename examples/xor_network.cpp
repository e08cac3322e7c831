// XOR with a 2-2-1 network: sigmoid hidden units, a sigmoid output, squared error, plain gradient
// descent, twenty seeds. Most seeds solve XOR; the others stall on a plateau where the network
// predicts 1/2 for two inputs. For each stalled seed the hidden units' outputs show why: the two
// inputs get the same hidden code (saturated sigmoids), so the output unit can do no better than the
// mean 1/2 of their targets 1 and 0, and with sigma' ~ 0 in the saturated hidden units almost no
// gradient reaches the first layer to separate them (the gradient norm is printed).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include <gradlab/networks/check.hpp>
#include <gradlab/networks/train.hpp>

int main() {
  Eigen::MatrixXd X(4, 2);
  X << 0, 0, 0, 1, 1, 0, 1, 1;
  Eigen::MatrixXd Y(4, 1);
  Y << 0, 1, 1, 0;
  gradlab::Architecture arch;
  arch.inputs = 2;
  arch.hidden = {2};
  arch.activation = "sigmoid";
  arch.loss = gradlab::NetworkLoss::SquaredError;
  arch.output_activation = "sigmoid";

  // the three-way check once, at a random start
  const gradlab::Network start = gradlab::make_network(arch, gradlab::Init::Uniform, 1);
  fmt::print("the gradient at seed 1's start, three ways:\n{}", gradlab::cross_check(start, X, Y).table());

  const int epochs = 20000;
  fmt::print("\nseed  final loss  predictions (0,0) (0,1) (1,0) (1,1)  solved\n");
  int solved = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    gradlab::Network net = gradlab::make_network(arch, gradlab::Init::Uniform, seed);
    auto gd = gradlab::make_optimizer("gd", {.learning_rate = 2.0});
    const gradlab::NetworkHistory h = gradlab::fit_network(net, X, Y, *gd, {.epochs = epochs});
    const Eigen::MatrixXd P = net.predict(X);
    const bool ok = h.rows.back().accuracy == 1.0;
    solved += ok ? 1 : 0;
    fmt::print("{:4}  {:10.6f}  {:6.3f} {:6.3f} {:6.3f} {:6.3f}  {}\n", seed, h.rows.back().loss, P(0, 0),
               P(1, 0), P(2, 0), P(3, 0), ok ? "yes" : "no");
    if (!ok) {
      const Eigen::MatrixXd A = net.forward_pass(X).A[0];  // hidden outputs, one row per input
      std::vector<std::string> codes;
      for (Eigen::Index i = 0; i < 4; ++i) codes.push_back(fmt::format("({:.3f}, {:.3f})", A(i, 0), A(i, 1)));
      fmt::print("      hidden codes (h1, h2): {}", fmt::join(codes, " "));
      fmt::print("\n      |gradient| = {:.2e}; summed loss 1/2 sum (f - y)^2 = {:.4f}\n",
                 gradlab::flatten(net.hand_gradient(X, Y).gradient).norm(), 4 * h.rows.back().loss);
    }
  }
  fmt::print("{} of 20 seeds solve XOR in {} epochs\n", solved, epochs);
  return 0;
}
