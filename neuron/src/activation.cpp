#include "gradlab/neuron/activation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>

#include "gradlab/neuron/activations.hpp"

namespace gradlab {

namespace {
detail::Registry<ActivationInfo>& registry() {
  static detail::Registry<ActivationInfo> r("activation", "activations");
  return r;
}
}  // namespace

const ActivationInfo& detail::add_activation(const ActivationInfo& info) {
  if (info.value_fn == nullptr || info.d_fn == nullptr || info.values_and_slopes_fn == nullptr)
    throw Error(
        fmt::format("activation '{}': value_fn, d_fn and values_and_slopes_fn are all needed", info.name));
  register_builtin_activations();
  return registry().add(info);
}

void register_builtin_activations() {
  static std::once_flag once;
  std::call_once(once, [] {
    registry().add(detail::make_activation_info<activations::Sigmoid>());
    registry().add(detail::make_activation_info<activations::Tanh>());
    registry().add(detail::make_activation_info<activations::Relu>());
    registry().add(detail::make_activation_info<activations::LeakyRelu>());
    registry().add(detail::make_activation_info<activations::Elu>());
    registry().add(detail::make_activation_info<activations::Softplus>());
    registry().add(detail::make_activation_info<activations::Silu>());
    registry().add(detail::make_activation_info<activations::Gelu>());
  });
}

const ActivationInfo& activation(std::string_view name) {
  register_builtin_activations();
  return registry().get(name);
}

std::vector<const ActivationInfo*> activation_list() {
  register_builtin_activations();
  return registry().all();
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const ActivationInfo* a : activation_list()) names.emplace_back(a->name);
  return names;
}

// ---- ActivationInfo ---------------------------------------------------------------------------

double ActivationInfo::resolve_alpha(std::optional<double> alpha) const {
  if (!parametric()) {
    if (alpha)
      throw Error(fmt::format("activation '{}' takes no parameter, but alpha = {} was given", name, *alpha));
    return 0.0;
  }
  const double a = alpha.value_or(*default_alpha);
  if (!std::isfinite(a))
    throw DomainError(fmt::format("activation '{}': alpha must be finite, got {}", name, a));
  return a;
}

double ActivationInfo::value(double x, std::optional<double> alpha) const {
  return value_fn(x, resolve_alpha(alpha));
}
double ActivationInfo::d(double x, std::optional<double> alpha) const {
  return d_fn(x, resolve_alpha(alpha));
}
Var ActivationInfo::composite(const Var& x, std::optional<double> alpha) const {
  return composite_fn(x, resolve_alpha(alpha));
}
Var ActivationInfo::d(const Var& x, std::optional<double> alpha) const {
  return d_var_fn(x, resolve_alpha(alpha));
}
Var ActivationInfo::fused(const Var& x, std::optional<double> alpha) const {
  return apply_fused(x, resolve_alpha(alpha));
}
Var ActivationInfo::apply_fused(const Var& x, double alpha) const {
  return parametric() ? gradlab::apply(op, x, Var(alpha)) : gradlab::apply(op, x);
}
MatVar ActivationInfo::apply_fused(const MatVar& x, double alpha) const {
  return parametric() ? gradlab::apply(op, x, alpha) : gradlab::apply(op, x);
}

// ---- the three-way check ------------------------------------------------------------------------

namespace {
/// f'(x) and f''(x) of an activation recorded by `record` (composite or fused), both by autodiff.
struct Derivatives {
  double first;
  double second;
};
template <class Record> Derivatives differentiate(Record record, double x0) {
  Tape tape;
  TapeScope scope(tape);
  const Var x = tape.variable(x0);
  const Var y = record(x);
  const std::vector<Var> g = grad_recorded(y, {x});  // f'(x) as a Var, differentiable
  return {g[0].value(), grad(g[0], {x})[0]};
}

bool near_kink(const ActivationInfo& act, double x, double margin) {
  return std::any_of(act.kinks.begin(), act.kinks.end(), [&](double k) { return std::abs(x - k) < margin; });
}
}  // namespace

ActivationCheck check_activation(const ActivationInfo& act, const ActivationCheckOptions& options) {
  ActivationCheck out;
  out.name = std::string(act.name);
  out.alpha = act.resolve_alpha(options.alpha);
  const double alpha = out.alpha;
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> sample(act.domain.lo, act.domain.hi);
  while (static_cast<int>(out.points.size()) < options.points) {
    const double x = sample(rng);
    if (near_kink(act, x, options.kink_margin)) continue;
    const Derivatives composite = differentiate([&](const Var& v) { return act.composite_fn(v, alpha); }, x);
    const Derivatives fused = differentiate([&](const Var& v) { return act.apply_fused(v, alpha); }, x);
    ActivationCheckPoint p{};
    p.x = x;
    p.value = act.value_fn(x, alpha);
    p.autodiff = composite.first;
    p.record = act.d_fn(x, alpha);
    p.numeric = central_difference([&](double u) { return act.value_fn(u, alpha); }, x);
    p.fused = fused.first;
    p.second_fused = fused.second;
    p.second_composite = composite.second;
    out.autodiff_vs_record.include(p.autodiff, p.record);
    out.numeric_vs_record.include(p.numeric, p.record);
    out.fused_vs_record.include(p.fused, p.record);
    out.second_order.include(p.second_fused, p.second_composite);
    out.points.push_back(p);
  }
  return out;
}

bool ActivationCheck::passed() const {
  return autodiff_vs_record.within(1e-12, 1e-12) && fused_vs_record.within(1e-12, 1e-12) &&
         second_order.within(1e-12, 1e-12) && numeric_vs_record.within(1e-7, 1e-7);
}

std::string ActivationCheck::table(std::size_t max_rows) const {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < points.size() && i < max_rows; ++i) {
    const ActivationCheckPoint& p = points[i];
    rows.push_back({fmt::format("{:.6f}", p.x), full_precision(p.autodiff), full_precision(p.record),
                    full_precision(p.numeric), full_precision(p.second_fused),
                    full_precision(p.second_composite)});
  }
  std::string out = fmt::format("{}{}: {} points\n", name,
                                alpha != 0.0 ? fmt::format("(alpha = {})", alpha) : "", points.size());
  out +=
      format_table({"x", "f' autodiff", "f' record", "f' central diff", "f'' fused", "f'' composite"}, rows);
  out += format_table(
      {"comparison", "max abs diff", "max rel diff"},
      {{"autodiff vs record", short_sci(autodiff_vs_record.abs), short_sci(autodiff_vs_record.rel)},
       {"central diff vs record", short_sci(numeric_vs_record.abs), short_sci(numeric_vs_record.rel)},
       {"fused op vs record", short_sci(fused_vs_record.abs), short_sci(fused_vs_record.rel)},
       {"f'' fused vs composite", short_sci(second_order.abs), short_sci(second_order.rel)}});
  out += passed() ? "all agree\n" : "DISAGREEMENT\n";
  return out;
}

}  // namespace gradlab
