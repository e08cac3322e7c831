#include "gradlab/neuron/loss.hpp"

#include <fmt/format.h>

#include <mutex>

namespace gradlab {

namespace {
detail::Registry<LossInfo>& registry() {
  static detail::Registry<LossInfo> r("loss", "losses");
  return r;
}
}  // namespace

const LossInfo& detail::add_loss(const LossInfo& info) {
  register_builtin_losses();
  return registry().add(info);
}

void register_builtin_losses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registry().add(detail::make_loss_info<losses::SquaredError>());
    registry().add(detail::make_loss_info<losses::BinaryCrossEntropy>());
  });
}

const LossInfo& loss(std::string_view name) {
  register_builtin_losses();
  return registry().get(name);
}

std::vector<const LossInfo*> loss_list() {
  register_builtin_losses();
  return registry().all();
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const LossInfo* l : loss_list()) names.emplace_back(l->name);
  return names;
}

void LossInfo::check_output(double f, std::size_t sample, std::string_view activation) const {
  if (!output_range || (f > output_range->lo && f < output_range->hi)) return;
  throw DomainError(fmt::format(
      "loss '{}' needs the output in ({}, {}), but activation '{}' gave f = {} at sample {} (use an "
      "activation with outputs in that range, such as sigmoid)",
      name, output_range->lo, output_range->hi, activation, f, sample));
}

}  // namespace gradlab
