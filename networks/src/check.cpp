#include "gradlab/networks/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "gradlab/networks/random.hpp"
#include "gradlab/neuron/activation.hpp"

namespace gradlab {

namespace {
constexpr double kAutodiffRtol = 1e-9;
constexpr double kAutodiffAtol = 1e-12;  // times the gradient's scale
constexpr double kNumericRtol = 1e-5;
constexpr double kNumericAtol = 1e-7;  // times max(1, scale)
}  // namespace

bool NetworkCheck::passed() const {
  const double s = std::max(scale, 1e-300);
  return autodiff_vs_hand.within(kAutodiffAtol * s, kAutodiffRtol) &&
         composite_vs_hand.within(kAutodiffAtol * s, kAutodiffRtol) &&
         numeric_vs_hand.within(kNumericAtol * std::max(1.0, scale), kNumericRtol);
}

std::string NetworkCheck::table() const {
  std::vector<std::vector<std::string>> rows;
  for (const NetworkCheckEntry& e : sampled)
    rows.push_back({e.name, full_precision(e.autodiff), full_precision(e.hand), full_precision(e.numeric),
                    short_sci(std::abs(e.autodiff - e.hand)), short_sci(std::abs(e.numeric - e.hand))});
  std::string out = format_table(
      {"parameter", "autodiff", "hand (δ recursion)", "central diff", "|ad - hand|", "|num - hand|"}, rows);
  out += fmt::format(
      "max over all {} entries: |autodiff - hand| = {} (rel {}), |composite autodiff - hand| = {} (rel {})\n"
      "max over the {} sampled: |central diff - hand| = {} (rel {})\n",
      hand.size(), short_sci(autodiff_vs_hand.abs), short_sci(autodiff_vs_hand.rel),
      short_sci(composite_vs_hand.abs), short_sci(composite_vs_hand.rel), sampled.size(),
      short_sci(numeric_vs_hand.abs), short_sci(numeric_vs_hand.rel));
  return out;
}

NetworkCheck cross_check(const Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                         const NetworkCheckOptions& options) {
  net.check_data("cross_check", X, Y);
  if (options.samples < 0)
    throw Error(fmt::format("cross_check: samples must be >= 0, got {}", options.samples));
  NetworkCheck c;
  const NetworkValueAndGradient hand = net.hand_gradient(X, Y);
  c.loss = hand.value;
  c.hand = flatten(hand.gradient);
  c.autodiff = flatten(net.value_and_gradient(X, Y, ActivationForm::Fused).gradient);
  c.composite = flatten(net.value_and_gradient(X, Y, ActivationForm::Composite).gradient);
  c.scale = c.hand.size() > 0 ? c.hand.cwiseAbs().maxCoeff() : 0.0;
  for (Eigen::Index k = 0; k < c.hand.size(); ++k) {
    c.autodiff_vs_hand.include(c.autodiff[k], c.hand[k]);
    c.composite_vs_hand.include(c.composite[k], c.hand[k]);
  }

  // a reproducible sample of the entries, in increasing order
  std::vector<Eigen::Index> order(static_cast<std::size_t>(c.hand.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  PortableRng rng(options.seed);
  rng.shuffle(order);
  order.resize(std::min(order.size(), static_cast<std::size_t>(options.samples)));
  std::sort(order.begin(), order.end());

  Network probe = net;
  const Eigen::VectorXd theta = net.flat_params();
  for (const Eigen::Index k : order) {
    const auto loss_at = [&](double v) {
      Eigen::VectorXd t = theta;
      t[k] = v;
      probe.set_flat_params(t);
      return probe.mean_loss(X, Y);
    };
    NetworkCheckEntry e{net.entry_name(k), k,         c.autodiff[k],
                        c.composite[k],    c.hand[k], central_difference(loss_at, theta[k])};
    c.numeric_vs_hand.include(e.numeric, e.hand);
    c.sampled.push_back(std::move(e));
  }
  return c;
}

}  // namespace gradlab
