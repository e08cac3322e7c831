#pragma once
/// @file tape.hpp
/// The tape (a Wengert list) and the Var handle that points into it.
///
/// Every operation on Vars appends one node to the active tape. A node stores its op, the indices of
/// at most two parents (always smaller than its own index) and its value. The reverse sweep is
/// therefore one backward loop over the indices: no topological sort, no recursion, no heap object
/// per node. Clearing the tape is O(1).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "gradlab/autodiff/error.hpp"

namespace gradlab {

using Index = std::uint32_t;  ///< position of a node on its tape
using OpId = std::uint16_t;   ///< which primitive produced a node (see ops.hpp)
inline constexpr Index kNoParent = std::numeric_limits<Index>::max();
inline constexpr OpId kInputOp = 0;  ///< op id of an independent variable (ops::Input)
inline constexpr OpId kConstOp = 1;  ///< op id of a constant leaf (ops::Const)

class Tape;

/// A scalar recorded on a tape: a small handle (node index, tape id, tape generation).
/// Copying a Var copies the handle, not the node. Arithmetic on Vars records new nodes on the
/// thread's active tape (see Tape::current and TapeScope).
class Var {
 public:
  /// An uninitialised Var; using it in an op throws TapeError.
  Var() = default;
  /// A constant leaf on the active tape, so that `2.0 * x` and `x + 1` read like the math.
  Var(double constant);  // NOLINT(google-explicit-constructor): intentional, for readable formulas
  /// The node's value. Throws TapeError if the Var does not belong to the active tape.
  [[nodiscard]] double value() const;
  /// The node's position on its tape.
  [[nodiscard]] Index index() const { return index_; }
  [[nodiscard]] bool valid() const { return index_ != kNoParent; }

 private:
  friend class Tape;
  Var(Index index, std::uint32_t tape, std::uint32_t generation)
      : index_(index), tape_(tape), generation_(generation) {}
  Index index_ = kNoParent;
  std::uint32_t tape_ = 0;
  std::uint32_t generation_ = 0;
};

/// A Wengert list stored as a struct of arrays: op, two parents and a value per node.
/// Adjoints are not stored on the tape; a sweep allocates them when it starts.
class Tape {
 public:
  Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  ~Tape();

  /// The tape that this thread records on: the innermost TapeScope's, else a per-thread default.
  static Tape& current();

  /// A new independent variable (an input leaf) with value v.
  Var variable(double v);
  /// A new constant leaf with value v (its adjoint is never read).
  Var constant(double v);
  /// Appends a node and returns its handle. Parents must already be on this tape.
  Var record(OpId op, Index a, Index b, double value);

  /// The index of x on this tape; throws TapeError when x is uninitialised, belongs to another
  /// tape (another thread's, or an inactive TapeScope's), or predates the last clear().
  Index check(const Var& x) const;
  /// A handle to node i (no check: i must be < size()).
  [[nodiscard]] Var at(Index i) const { return Var(i, id_, generation_); }

  [[nodiscard]] double value(Index i) const { return value_[i]; }
  [[nodiscard]] OpId op(Index i) const { return op_[i]; }
  [[nodiscard]] Index parent_a(Index i) const { return a_[i]; }
  [[nodiscard]] Index parent_b(Index i) const { return b_[i]; }
  [[nodiscard]] std::size_t size() const { return value_.size(); }
  [[nodiscard]] std::uint32_t id() const { return id_; }
  [[nodiscard]] std::uint32_t generation() const { return generation_; }

  /// Forgets every node in O(1) (memory is kept for reuse); Vars recorded before become invalid.
  void clear();
  /// Reserves room for n nodes, so that recording allocates nothing.
  void reserve(std::size_t n);
  /// Bytes one node costs: on the tape, plus its double adjoint during a sweep.
  static constexpr std::size_t bytes_per_node =
      sizeof(OpId) + 2 * sizeof(Index) + sizeof(double) + sizeof(double);

  /// First-order reverse sweep from node root: on return adj[i] = d(root)/d(node i) for i <= root.
  void backward(Index root, std::vector<double>& adj) const;
  /// Differentiable reverse sweep from root: the adjoints are themselves recorded on this tape, so
  /// they can be differentiated again. Entry i is invalid (meaning an exact zero) when node i does
  /// not influence root.
  std::vector<Var> backward_recorded(Index root);

 private:
  std::vector<OpId> op_;
  std::vector<Index> a_;
  std::vector<Index> b_;
  std::vector<double> value_;
  std::uint32_t id_;
  std::uint32_t generation_ = 0;
};

/// Makes `tape` the active tape of this thread until the scope ends (scopes nest).
class TapeScope {
 public:
  explicit TapeScope(Tape& tape);
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;
  ~TapeScope();

 private:
  Tape* previous_;
};

/// Anomaly detection, like PyTorch's detect_anomaly: while on (per thread), the first NaN or Inf
/// produced by an op in the forward or the backward pass throws AnomalyError naming the op and its
/// inputs. Off by default: then non-finite values propagate as IEEE 754 says.
void set_detect_anomaly(bool on);
bool detect_anomaly();

/// RAII switch for anomaly detection on this thread.
class DetectAnomaly {
 public:
  explicit DetectAnomaly(bool on = true) : previous_(detect_anomaly()) { set_detect_anomaly(on); }
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;
  ~DetectAnomaly() { set_detect_anomaly(previous_); }

 private:
  bool previous_;
};

// ---- inline hot paths -------------------------------------------------------------------------

namespace detail {
inline constinit thread_local Tape* active_tape = nullptr;
inline constinit thread_local bool anomaly_on = false;
Tape& default_tape();
[[noreturn]] void throw_bad_var(const Tape& tape, Index index, std::uint32_t tape_id, std::uint32_t generation);
[[noreturn]] void throw_forward_anomaly(const Tape& tape, OpId op, Index a, Index b, double value);
[[noreturn]] void throw_tape_full();
}  // namespace detail

inline Tape& Tape::current() {
  Tape* t = detail::active_tape;
  if (t == nullptr) [[unlikely]]
    t = detail::active_tape = &detail::default_tape();
  return *t;
}

inline Index Tape::check(const Var& x) const {
  if (x.tape_ != id_ || x.generation_ != generation_ || x.index_ >= value_.size()) [[unlikely]]
    detail::throw_bad_var(*this, x.index_, x.tape_, x.generation_);
  return x.index_;
}

inline Var Tape::record(OpId op, Index a, Index b, double value) {
  if (detail::anomaly_on && !std::isfinite(value)) [[unlikely]]
    detail::throw_forward_anomaly(*this, op, a, b, value);
  const auto i = static_cast<Index>(value_.size());
  if (i == kNoParent) [[unlikely]]
    detail::throw_tape_full();
  op_.push_back(op);
  a_.push_back(a);
  b_.push_back(b);
  value_.push_back(value);
  return Var(i, id_, generation_);
}

inline Var Tape::variable(double v) { return record(kInputOp, kNoParent, kNoParent, v); }
inline Var Tape::constant(double v) { return record(kConstOp, kNoParent, kNoParent, v); }

inline Var::Var(double constant) : Var(Tape::current().constant(constant)) {}
inline double Var::value() const {
  const Tape& t = Tape::current();
  return t.value(t.check(*this));
}
inline bool detect_anomaly() { return detail::anomaly_on; }
inline void set_detect_anomaly(bool on) { detail::anomaly_on = on; }

}  // namespace gradlab
