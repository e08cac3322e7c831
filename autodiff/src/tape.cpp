#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "gradlab/autodiff/matrix.hpp"
#include "gradlab/autodiff/ops.hpp"

namespace gradlab {

namespace {
std::atomic<std::uint32_t> next_tape_id{1};

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
    count.store(n, std::memory_order_release);
  }
};
OpTable& table() {
  static OpTable t;
  return t;
}

// "input 0.5", "inputs 1, 2" or "input 0.5 and parameter 3", for error messages.
std::string describe_inputs(const Tape& t, Index a, Index b) {
  if (a == kNoParent) return "no inputs";
  if (b == kNoParent) return fmt::format("input {}", t.value(a));
  if (b >= kParamTag) return fmt::format("input {} and parameter {}", t.value(a), t.parameter(b));
  return fmt::format("inputs {}, {}", t.value(a), t.value(b));
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

Var apply(OpId id, const Var& x) {
  const OpInfo& info = op_info(id);
  if (info.arity != ops::Arity::Unary)
    throw Error(fmt::format("apply: op '{}' does not take one argument", info.name));
  Tape& t = Tape::current();
  const Index i = t.check_scalar(x, info.name);
  return t.record(id, i, kNoParent, info.value1(t.value(i)));
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
    return t.record_param(id, i, t.value(j), info.value2(t.value(i), t.value(j)));
  }
  return t.record(id, i, j, info.value2(t.value(i), t.value(j)));
}

Var pow(const Var& a, const Var& b) {
  if (!(a.value() > 0))
    throw DomainError(
        fmt::format("pow(a, b) with a Var exponent needs a positive base; got a = {} "
                    "(for a constant exponent use pow(x, double))",
                    a.value()));
  return apply<ops::Pow>(a, b);
}

Var pow(double c, const Var& x) {
  if (!(c > 0))
    throw DomainError(fmt::format("pow(c, x) with a Var exponent needs a positive base; got c = {}", c));
  return apply<ops::RPowC>(x, c);
}

// ---- Tape ---------------------------------------------------------------------------------------

Tape::Tape() : stamp_(std::uint64_t{next_tape_id.fetch_add(1)} << 32) {}
Tape::~Tape() {
  if (detail::active_tape == this) detail::active_tape = nullptr;
}

void Tape::clear() {
  size_ = 0;
  params_.clear();
  if (matrices_) matrices_->clear();  // O(1): the matrices' storage is kept for reuse
  stamp_ = (stamp_ & ~std::uint64_t{0xffffffff}) | std::uint32_t(generation() + 1);
}

void Tape::reserve(std::size_t n) {
  if (n > kParamTag) detail::throw_tape_full();
  if (n <= capacity_) return;
  auto bigger = std::make_unique_for_overwrite<Node[]>(n);
  std::copy(nodes_.get(), nodes_.get() + size_, bigger.get());
  nodes_ = std::move(bigger);
  capacity_ = n;
}

std::size_t Tape::memory_bytes() const {
  return capacity_ * sizeof(Node) + params_.capacity() * sizeof(double) +
         (matrices_ ? matrices_->bytes() : 0);
}

detail::MatrixArena& Tape::matrices() const {
  if (!matrices_) matrices_ = std::make_unique<detail::MatrixArena>();
  return *matrices_;
}

void Tape::grow() {
  if (capacity_ >= kParamTag) detail::throw_tape_full();
  reserve(std::min<std::size_t>(kParamTag, std::max<std::size_t>(1024, 2 * capacity_)));
}

namespace {
[[noreturn]] void throw_backward_anomaly(const Tape& t, Index i, double g, Index bad, double adj) {
  throw AnomalyError(
      fmt::format("anomaly: the backward pass of '{}' (node {}, {}, upstream adjoint {}) produced {} for the "
                  "adjoint of node {}",
                  op_info(t.op(i)).name, i, describe_inputs(t, t.parent_a(i), t.node(i).b), g, adj, bad));
}
// A sweep starts from a scalar: a matrix node's adjoint entry is only a flag (see backward).
void check_scalar_root(const Tape& t, Index root, const char* what) {
  if (detail::is_matrix_node(t, root))
    throw ShapeError(
        fmt::format("{}: node {} is a matrix; reduce it to a scalar first (sum, mean, dot, "
                    "squared_norm)",
                    what, root));
}
void check_backward(const Tape& t, Index i, double g, const double* adj) {
  for (Index p : {t.parent_a(i), t.parent_b(i)}) {
    if (p == kNoParent) continue;
    if (!std::isfinite(adj[p])) throw_backward_anomaly(t, i, g, p, adj[p]);
    if (t.node(p).slot != 0) detail::check_matrix_adjoint(t, i, p);  // a matrix adjoint, in the arena
  }
}
}  // namespace

void Tape::backward(Index root, std::vector<double>& adj) const {
  if (root >= size())
    throw TapeError(fmt::format("backward: node {} is not on this tape (size {})", root, size()));
  check_scalar_root(*this, root, "backward");
  adj.assign(static_cast<std::size_t>(root) + 1, 0.0);
  adj[root] = 1.0;
  // A matrix node's entry in adj is a flag: 1 once its matrix adjoint (kept in the matrix arena)
  // has been written, 0 before; so matrix nodes that received an adjoint are never skipped below.
  const DoubleSweep s{*this, nodes_.get(), adj.data()};
  const bool anomaly = detect_anomaly();
  for (Index i = root + 1; i-- > 0;) {
    const double g = adj[i];
    if (g == 0.0) continue;  // a zero adjoint contributes nothing
    switch (static_cast<ops::Builtin>(nodes_[i].op)) {
#define GRADLAB_CASE(N)             \
  case ops::Builtin::N:             \
    backward_node<ops::N>(s, i, g); \
    break;
      GRADLAB_BUILTIN_OPS(GRADLAB_CASE)
#undef GRADLAB_CASE
      default:
        op_info(nodes_[i].op).backward(s, i, g);
    }
    if (anomaly) [[unlikely]]
      check_backward(*this, i, g, adj.data());
  }
}

std::vector<Var> Tape::backward_recorded(Index root) {
  if (root >= size())
    throw TapeError(fmt::format("backward_recorded: node {} is not on this tape (size {})", root, size()));
  check_scalar_root(*this, root, "backward_recorded");
  const std::size_t n = static_cast<std::size_t>(root) + 1;
  // active[i]: node i depends on an independent variable, so its adjoint is worth recording.
  std::vector<bool> active(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const Index a = parent_a(i), b = parent_b(i);
    active[i] = nodes_[i].op == kInputOp || (a != kNoParent && active[a]) || (b != kNoParent && active[b]);
  }
  std::vector<Var> adj(n);
  adj[root] = constant(1.0);
  const RecordedSweep s{*this, adj, active};
  for (Index i = root + 1; i-- > 0;) {
    if (!adj[i].valid() || !active[i]) continue;
    const Var g = adj[i];
    op_info(nodes_[i].op).backward_recorded(s, i, g);
  }
  return adj;
}

// ---- thread-local state and errors -----------------------------------------------------------

TapeScope::TapeScope(Tape& tape) : previous_(detail::active_tape) { detail::active_tape = &tape; }
TapeScope::~TapeScope() { detail::active_tape = previous_; }

namespace detail {
Tape& default_tape() {
  thread_local Tape tape;
  return tape;
}

void throw_bad_var(const Tape& tape, Index index, std::uint64_t stamp) {
  const auto tape_id = static_cast<std::uint32_t>(stamp >> 32);
  const auto generation = static_cast<std::uint32_t>(stamp);
  if (stamp == 0)
    throw TapeError("an uninitialised Var was used (default-constructed; assign it a value first)");
  if (tape_id != tape.id())
    throw TapeError(
        fmt::format("a Var recorded on tape #{} was used while tape #{} is active: Vars cannot cross tapes "
                    "(another thread's tape, or a TapeScope that has ended)",
                    tape_id, tape.id()));
  if (generation != tape.generation())
    throw TapeError(
        fmt::format("a Var from tape #{} was used after the tape was cleared (recorded in generation {}, the "
                    "tape is now in generation {})",
                    tape_id, generation, tape.generation()));
  throw TapeError(
      fmt::format("Var index {} is past the end of tape #{} (size {})", index, tape_id, tape.size()));
}

void throw_forward_anomaly(const Tape& tape, OpId op, Index a, Index b, double value) {
  throw AnomalyError(fmt::format("anomaly: '{}' produced {} in the forward pass from {}", op_info(op).name,
                                 value, describe_inputs(tape, a, b)));
}

void throw_tape_full() { throw Error("the tape is full: it holds at most 2^31 nodes and 2^31 parameters"); }
}  // namespace detail

}  // namespace gradlab
