// The op table (built-in primitives, then registered ones), the run-time apply by op id, and the
// messages of the primitives' domain checks.
#include "gradlab/autodiff/ops.hpp"
#include "gradlab/autodiff/number_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace gradlab {

namespace detail {
// A statement entry's rows in the op table: its leaves' partials are on the tape (sweep.cpp).
void statement_backward(const DoubleSweep& s, Index i, double g);
void statement_backward_recorded(const RecordedSweep& s, Index i, const Var& g);
}  // namespace detail

namespace {
// The op table: a fixed array, so that readers never race with a registration.
constexpr std::size_t kMaxOps = 1024;
struct OpTable {
  std::array<OpInfo, kMaxOps> rows{};
  std::atomic<std::size_t> count{0};
  std::mutex mutex;
  OpTable() {
    std::size_t n = 0;
#define GRADLAB_ROW(N) rows[n++] = make_op_info<ops::N>();
    GRADLAB_BUILTIN_OPS(GRADLAB_ROW)
#undef GRADLAB_ROW
    rows[kStatementOp].backward = &detail::statement_backward;  // statement mode (sweep.cpp)
    rows[kStatementOp].backward_recorded = &detail::statement_backward_recorded;
    count.store(n, std::memory_order_release);
  }
};
OpTable& table() {
  static OpTable t;
  return t;
}
}  // namespace

OpId register_op(const OpInfo& info) {
  OpTable& t = table();
  std::lock_guard lock(t.mutex);
  const std::size_t n = t.count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    if (std::string_view(t.rows[i].name) == info.name)
      throw Error(fmt::format("register_op: an op named '{}' is already registered", info.name));
  if (n == kMaxOps) throw Error(fmt::format("register_op: the op table is full ({} ops)", kMaxOps));
  if (info.arity == ops::Arity::Unary && (info.value1 == nullptr || info.partial1 == nullptr))
    throw Error(fmt::format("register_op: the unary op '{}' needs value1 and partial1", info.name));
  t.rows[n] = info;
  t.count.store(n + 1, std::memory_order_release);
  return static_cast<OpId>(n);
}

const OpInfo& op_info(OpId id) { return table().rows[id]; }
std::size_t op_count() { return table().count.load(std::memory_order_acquire); }

std::optional<OpId> find_op(std::string_view name) {
  const std::size_t n = op_count();
  for (std::size_t i = 0; i < n; ++i)
    if (name == op_info(static_cast<OpId>(i)).name) return static_cast<OpId>(i);
  return std::nullopt;
}

// ---- apply by op id ------------------------------------------------------------------------------

Var apply(OpId id, const Var& x) {
  const OpInfo& info = op_info(id);
  if (info.arity != ops::Arity::Unary)
    throw Error(fmt::format("apply: op '{}' does not take one argument", info.name));
  Tape& t = Tape::current();
  const Index i = t.check_scalar(x, info.name);
  const double y = info.value1(t.value(i));
  return t.record_unary(id, i, y, info.partial1(t.value(i), y));
}

Var apply(OpId id, const Var& x, double p) {
  const OpInfo& info = op_info(id);
  if (info.arity != ops::Arity::UnaryParam)
    throw Error(fmt::format("apply: op '{}' does not take a constant parameter", info.name));
  Tape& t = Tape::current();
  const Index i = t.check_scalar(x, info.name);
  if (info.check_domain != nullptr) info.check_domain(t.value(i), p);
  return t.record_param(id, i, p, info.value2(t.value(i), p));
}

Var apply(OpId id, const Var& a, const Var& b) {
  const OpInfo& info = op_info(id);
  if (info.arity == ops::Arity::Unary || info.arity == ops::Arity::Leaf)
    throw Error(fmt::format("apply: op '{}' does not take two arguments", info.name));
  Tape& t = Tape::current();
  const Index i = t.check_scalar(a, info.name);
  const Index j = t.check_scalar(b, info.name);
  if (info.arity == ops::Arity::UnaryParam) {
    // b is the op's constant parameter (p in x^p): stored as a parameter, so it must be a constant
    // leaf, or a derivative with respect to b would be dropped silently.
    if (t.op(j) != kConstOp)
      throw Error(
          fmt::format("apply: the second argument of '{}' is a constant parameter; got a node of op '{}'",
                      info.name, op_info(t.op(j)).name));
    return apply(id, a, t.value(j));
  }
  if (info.check_domain != nullptr) info.check_domain(t.value(i), t.value(j));
  return t.record(id, i, j, info.value2(t.value(i), t.value(j)));
}

Var apply(OpId id, std::span<const Var> xs) {
  const OpInfo& info = op_info(id);
  const std::size_t node_args = info.arity == ops::Arity::Unary ? 1 : 2;
  if (xs.size() == 1) return apply(id, xs[0]);
  if (xs.size() == 2 && node_args == 2) return apply(id, xs[0], xs[1]);
  if (info.nary == nullptr || xs.size() > info.max_args)
    throw Error(fmt::format("apply: op '{}' does not take {} arguments", info.name, xs.size()));
  return info.nary(xs);
}

// ---- the n-ary forms -----------------------------------------------------------------------------
// Exact compositions of primitives, so that both sweeps, hessians and check's kinks work unchanged.

namespace {
/// The values of xs, checked to be scalar nodes of the active tape.
std::vector<double> values_of(std::span<const Var> xs, const char* op) {
  Tape& t = Tape::current();
  std::vector<double> v;
  v.reserve(xs.size());
  for (const Var& x : xs) v.push_back(t.value(t.check_scalar(x, op)));
  return v;
}

/// max or min (Op) of xs, with the k arguments tied at the extreme m sharing the adjoint evenly (as
/// torch.max over a tensor), in any argument order. First the fold y = Op(...Op(Op(x0, x1), x2)...),
/// recorded, so that check sees each node's tie as a kink and a NaN argument makes y and every
/// derivative NaN; the fold alone would give a tie 1/2, 1/4, 1/4. Then, for each tied argument, the
/// correction (x_i - m) c_i with the constant c_i = 1/k - (the fold's derivative to x_i, from Op's
/// own rule): x_i - m is exactly 0, so y stays m exactly, and the gradient becomes 1/k. At an
/// infinite m, x_i - m would be NaN: the fold's split stays there.
template <class Op> Var extremum(std::span<const Var> xs) {
  const std::vector<double> v = values_of(xs, Op::name);
  std::vector<double> running{v[0]};  // the fold's values
  Var y = xs[0];
  for (std::size_t j = 1; j < xs.size(); ++j) {
    y = apply<Op>(y, xs[j]);
    running.push_back(y.value());
  }
  const double m = running.back();
  if (!std::isfinite(m)) return y;
  std::vector<double> fold(xs.size());
  double adj = 1;
  for (std::size_t j = xs.size() - 1; j >= 1; --j) {
    fold[j] = adj * Op::db(running[j - 1], v[j], running[j]);
    adj *= Op::da(running[j - 1], v[j], running[j]);
  }
  fold[0] = adj;
  const double k = static_cast<double>(std::count(v.begin(), v.end(), m));
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (const double c = 1.0 / k - fold[i]; v[i] == m && c != 0.0) y = y + (xs[i] - m) * c;
  return y;
}
}  // namespace

Var ops::Max::nary(std::span<const Var> xs) { return extremum<Max>(xs); }
Var ops::Min::nary(std::span<const Var> xs) { return extremum<Min>(xs); }

Var ops::Softplus::nary(std::span<const Var> xs) { return softplus(xs[1] * xs[0]) / xs[1]; }

Var ops::Clamp::nary(std::span<const Var> xs) { return -clamp(-clamp(xs[0], xs[1]), -xs[2]); }

/// ln(sum e^x_i) = m + ln(sum e^(x_i - m)) with m the largest value as a constant (0 when it is
/// infinite), so no term overflows and the largest is e^0 = 1; the gradient is softmax(x), exactly,
/// to every order (m is a constant). All -inf gives -inf with NaN derivatives, as PyTorch.
Var ops::Logsumexp::nary(std::span<const Var> xs) {
  const std::vector<double> v = values_of(xs, name);
  double m = v[0];
  for (const double u : v)
    if (std::isnan(u) || u > m) m = u;
  const double shift = std::isfinite(m) ? m : 0.0;
  Var sum;
  for (const Var& x : xs) sum = sum.valid() ? sum + exp(x - shift) : exp(x - shift);
  return log(sum) + shift;
}

// ---- domains and forward anomalies ---------------------------------------------------------------

std::string ops::Pow::domain_error(double a, double) {
  return fmt::format(
      "a variable exponent needs a positive base (a^b = exp(b ln a)), but the base is {}; a constant "
      "exponent, as in x^2, works for any base",
      a);
}

std::string number_text(double v) { return std::isnan(v) ? std::string("nan") : fmt::format("{}", v); }

namespace detail {
// "input 0.5", "inputs 1, 2" or "input 0.5 and parameter 3": node n's inputs on tape t, for error
// messages.
std::string describe_inputs(const Tape& t, const Node& n) {
  if (n.a == kNoParent) return "no inputs";
  if (n.holds == Node::Holds::param)
    return fmt::format("input {} and parameter {}", number_text(t.value(n.a)), number_text(n.param));
  if (n.holds == Node::Holds::partial || n.link.b == kNoParent)
    return fmt::format("input {}", number_text(t.value(n.a)));
  return fmt::format("inputs {}, {}", number_text(t.value(n.a)), number_text(t.value(n.link.b)));
}

void throw_forward_anomaly(const Tape& tape, const Node& n) {
  AnomalyError::Facts facts{
      AnomalyError::Phase::Forward, op_info(n.op).name, static_cast<Index>(tape.size()), n.a, n.value, 0.0};
  throw AnomalyError(fmt::format("anomaly: '{}' produced {} in the forward pass from {}", op_info(n.op).name,
                                 number_text(n.value), describe_inputs(tape, n)),
                     std::move(facts));
}
}  // namespace detail

}  // namespace gradlab
