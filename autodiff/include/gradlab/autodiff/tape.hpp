#pragma once
/// @file tape.hpp
/// The tape (a Wengert list) and the Var handle that points into it.
///
/// Every operation on Vars appends one node to the active tape. A node stores its op, the indices of
/// at most two parents (always smaller than its own index) and its value. The reverse sweep is
/// therefore one backward loop over the indices: no topological sort, no recursion, no heap object
/// per node. Clearing the tape is O(1).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "gradlab/autodiff/error.hpp"

namespace gradlab {

using Index = std::uint32_t;  ///< position of a node on its tape
using OpId = std::uint16_t;   ///< which primitive produced a node (see ops.hpp)
inline constexpr Index kNoParent = std::numeric_limits<Index>::max();
/// The most nodes a tape holds (and matrix entries its arena), so that an index never reaches kNoParent.
inline constexpr Index kMaxNodes = Index{1} << 31;
inline constexpr OpId kInputOp = 0;  ///< op id of an independent variable (ops::Input)
inline constexpr OpId kConstOp = 1;  ///< op id of a constant leaf (ops::Const)
/// The stamp bit of a Var whose node holds a matrix (see Var): tape stamps stay below it.
inline constexpr std::uint64_t kMatrixStamp = std::uint64_t{1} << 63;

class Tape;
namespace detail {
class MatrixArena;  // matrix.hpp: the values and adjoints of matrix-valued nodes
}

// ---- statement mode: the storage of statement entries (statements.hpp records them) ------------
/// op id of a statement entry (ops::Statement, the last built-in op).
inline constexpr OpId kStatementOp = 54;

struct StatementType;
namespace detail {
[[noreturn]] void throw_tape_full();
/// A growing array of trivially copyable T that hands out uninitialised room (the statement
/// storage of a tape: no zero-fill), of fewer than kNoParent items.
template <class T> class Buffer {
 public:
  /// Room for n more items (grown when there is not).
  void make_room(std::size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
  }
  /// The next n items, for which there is room (make_room).
  [[gnu::always_inline]] T* extend_in_room(std::size_t n) {
    T* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  [[nodiscard]] const T* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }

 private:
  [[gnu::noinline]] void grow(std::size_t need) {
    if (need >= kNoParent) throw_tape_full();  // its positions are Indexes
    const std::size_t n = std::max<std::size_t>({1024, need, 2 * capacity_});
    auto bigger = std::make_unique_for_overwrite<T[]>(n);
    std::copy(data_.get(), data_.get() + size_, bigger.get());
    data_ = std::move(bigger);
    capacity_ = n;
  }
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};
/// A word of a tape's statement storage, which holds for each statement entry, in one stream (one
/// capacity check per entry): the partial derivatives of the entry's value with respect to its
/// leaves (one word each), the leaves' nodes (two to a word), then its constants (kept to record it
/// again as nodes). The entry's node holds its type. See Tape::statement_words.
union StatementWord {
  double partial;
  Index leaves[2];
  double constant;
};
/// How many words of statement storage an entry with `leaves` leaves and `constants` constants takes.
constexpr Index statement_words(Index leaves, Index constants) {
  return leaves + (leaves + 1) / 2 + constants;
}
}  // namespace detail

/// What a statement entry's expression type knows about itself (statements.hpp makes one per
/// expression type): how many Var leaves and constants it has, and how to record it again as nodes
/// from its (mapped) leaves and its constants, returning the index of its last node.
struct StatementType {
  Index (*replay)(Tape& tape, const Index* leaves, const detail::StatementWord* constants);
  Index leaves;
  Index constants;
};
// ---- end of statement mode's block --------------------------------------------------------------

/// A scalar recorded on a tape: a 24-byte handle (the node's value, its index and the tape's
/// stamp). Every tape and every clear() draws a fresh stamp from one 63-bit counter, so a Var from
/// another tape or from before a clear() is detected for any number of tapes and clears (the
/// counter is never reused; it would take centuries to run out, and running out is detected). The
/// handle of a node that holds a matrix (MatVar::node()) has the stamp bit kMatrixStamp set, so
/// that a scalar op checks its operand with one comparison of stamps. The value rides in the
/// handle so that recording an op reads no node back from the tape.
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
  /// The value carried in the handle, unchecked: for recording functions, after Tape::check_scalar
  /// (0 for a matrix node or an uninitialised Var).
  [[nodiscard]] double raw_value() const { return value_; }

 private:
  friend class Tape;
  Var(double value, Index index, std::uint64_t stamp, std::uint32_t tape)
      : value_(value), stamp_(stamp), index_(index), tape_(tape) {}
  double value_ = 0.0;       // the node's value (a copy: nodes never change)
  std::uint64_t stamp_ = 0;  // the tape's stamp when the node was recorded (| kMatrixStamp for a
                             // matrix node); 0 for an uninitialised Var
  Index index_ = kNoParent;
  std::uint32_t tape_ = 0;  // the tape's number (modulo 2^32), only for error messages
};

/// One entry of the Wengert list, 24 bytes: the value, the op, the first parent a (kNoParent where
/// there is none), and 8 bytes that hold, by the op's arity (`holds` says which):
/// - a unary op (sin, exp ...): its local derivative dy/dx, worked out by the op's rule when the
///   node is recorded, next to the value (so that sin and cos of one x are one sincos call);
/// - an op with a constant parameter (x^p, x + c, c * x ...): the parameter;
/// - any other node: the second parent b (kNoParent where there is none) and the matrix slot, which
///   is 1 + the node's entry in the tape's matrix arena (its matrix value and op) for a node made
///   by an op on matrices (matrix.hpp), and 0 for every other node.
/// A statement entry (statements.hpp) has no parents (`holds` is statement): its field a holds where
/// its words start in the tape's statement storage, and its last 8 bytes its type (which knows the
/// number of leaves and constants).
struct Node {
  // 16 bits: a char-typed field would alias every store, so recording would reload the tape's fields.
  enum class Holds : std::uint16_t { links, param, partial, statement };
  struct Links {
    Index b;
    Index slot;
  };
  double value;
  Index a;
  OpId op;
  Holds holds;
  union {
    Links link;                 // Holds::links
    double param;               // Holds::param
    double partial;             // Holds::partial
    const StatementType* type;  // Holds::statement
  };
};
static_assert(sizeof(Node) == 24, "a node and its adjoint fit in 32 bytes");

/// A Wengert list: nodes in recording order in one growing array, and the constant parameters of
/// parametrised ops. Adjoints are not stored on the tape; a sweep allocates them (8 bytes per
/// node) when it starts.
class Tape {
 public:
  Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  ~Tape();

  /// The tape that this thread records on: the innermost TapeScope's, else a per-thread default.
  static Tape& current();
  /// current(), grown first when it is full, so that it has room for one more node.
  static Tape& current_with_room();
  /// The active tape when it has room for one more node, else null (no tape active yet, or a full
  /// one: then current_with_room() makes room). An op's recording (apply) asks this first and
  /// stores its node with no call on the way (see detail::apply_making_room).
  static Tape* active_with_room();

  /// A new independent variable (an input leaf) with value v.
  Var variable(double v);
  /// A new constant leaf with value v (its adjoint is never read).
  Var constant(double v);
  /// Appends a node and returns its handle. Parents must already be on this tape. `slot` is for
  /// matrix nodes only (see Node).
  Var record(OpId op, Index a, Index b, double value, Index slot = 0);
  /// Appends a node of a parametrised op: one parent a and the constant parameter p.
  Var record_param(OpId op, Index a, double p, double value);
  /// Appends a node of a unary op: its parent a, its value and its local derivative dy/dx there.
  Var record_unary(OpId op, Index a, double value, double partial);
  /// record, record_param and record_unary on a tape that has room for the node (the tape of
  /// active_with_room() or current_with_room(), with no node recorded since): for apply<Op> only.
  Var record_in_room(OpId op, Index a, Index b, double value, Index slot = 0);
  Var record_param_in_room(OpId op, Index a, double p, double value);
  Var record_unary_in_room(OpId op, Index a, double value, double partial);

  /// The index of x on this tape; throws TapeError when x is uninitialised, belongs to another
  /// tape (another thread's, or an inactive TapeScope's), or predates the last clear().
  Index check(const Var& x) const;
  /// check(x), and also that x stands for a scalar: throws ShapeError, naming `where`, when x is
  /// the node of a matrix (MatVar::node()), whose scalar value would read as a meaningless 0.
  Index check_scalar(const Var& x, const char* where) const;
  /// A handle to node i (no check: i must be < size()).
  [[nodiscard]] Var at(Index i) const;

  [[nodiscard]] double value(Index i) const { return nodes_[i].value; }
  [[nodiscard]] OpId op(Index i) const { return nodes_[i].op; }
  [[nodiscard]] const Node& node(Index i) const { return nodes_[i]; }
  /// The first parent node, or kNoParent (also for a statement entry, whose leaves are not parents).
  [[nodiscard]] Index parent_a(Index i) const {
    return nodes_[i].holds == Node::Holds::statement ? kNoParent : nodes_[i].a;
  }
  /// The second parent node, or kNoParent (also when the op's second input is a parameter).
  [[nodiscard]] Index parent_b(Index i) const {
    return nodes_[i].holds == Node::Holds::links ? nodes_[i].link.b : kNoParent;
  }
  /// 1 + node i's entry in the matrix arena, or 0 (see Node).
  [[nodiscard]] Index slot(Index i) const {
    return nodes_[i].holds == Node::Holds::links ? nodes_[i].link.slot : 0;
  }
  /// The constant parameter of node i (only for ops of arity UnaryParam).
  [[nodiscard]] double param(Index i) const { return nodes_[i].param; }
  /// The local derivative dy/dx of node i (only for ops of arity Unary).
  [[nodiscard]] double partial(Index i) const { return nodes_[i].partial; }
  [[nodiscard]] std::size_t size() const { return size_; }
  /// The stamp that the tape's Vars carry now (a new one after each clear()).
  [[nodiscard]] std::uint64_t stamp() const { return stamp_; }
  /// The tape's number (1 for the first tape made in the program), for messages.
  [[nodiscard]] std::uint64_t id() const { return id_; }
  /// How many times the tape was cleared.
  [[nodiscard]] std::uint64_t generation() const { return generation_; }

  /// Forgets every node in O(1) (memory is kept for reuse); Vars recorded before become invalid.
  void clear();
  /// Reserves room for n nodes, so that recording allocates nothing.
  void reserve(std::size_t n);
  /// Bytes the tape holds now (nodes and matrix arena, counting reserved capacity).
  [[nodiscard]] std::size_t memory_bytes() const;
  /// The side arena of matrix values and adjoints (matrix.hpp), made on first use and kept, with
  /// its storage, across clear().
  detail::MatrixArena& matrices() const;
  /// Whether a matrix op recorded a node since the last clear().
  [[nodiscard]] bool has_matrix_nodes() const;
  /// Bytes one node costs: on the tape, plus its double adjoint during a sweep.
  static constexpr std::size_t bytes_per_node = sizeof(Node) + sizeof(double);

  /// First-order reverse sweep from node root: on return adj[i] = d(root)/d(node i) for i <= root.
  void backward(Index root, std::vector<double>& adj) const;
  /// Differentiable reverse sweep from root: the adjoints are themselves recorded on this tape, so
  /// they can be differentiated again. Entry i is invalid (meaning an exact zero) when node i does
  /// not influence root.
  std::vector<Var> backward_recorded(Index root);

  // ---- statement mode (statements.hpp records the entries) -------------------------------------
  /// 0 when x is a scalar Var of this tape now, else nonzero (statements.hpp ORs it over an
  /// expression's leaves: one test per expression; check_scalar then names the culprit).
  [[nodiscard]] std::uint64_t mismatch(const Var& x) const { return x.stamp_ ^ stamp_; }
  /// Appends a statement entry of `type` with `value`: fill(words) writes its leaves' partials and
  /// nodes (type.leaves of them) and its type.constants constants (see statement_words(i)).
  template <class Fill> Var record_statement(const StatementType& type, double value, Fill&& fill);
  /// Whether node i is a statement entry (op kStatementOp).
  [[nodiscard]] bool is_statement(Index i) const { return nodes_[i].holds == Node::Holds::statement; }
  /// The words of statement entry i: leaf k's partial at word k, its node at word n + k/2 (half
  /// k % 2), where n = statement_size(i) (a leaf appears as often as the expression uses it), then
  /// the entry's constants (statement_constants(i)).
  [[nodiscard]] const detail::StatementWord* statement_words(Index i) const {
    return stmt_words_.data() + nodes_[i].a;
  }
  /// The expression type of statement entry i (held in its node).
  [[nodiscard]] const StatementType& statement_type(Index i) const { return *nodes_[i].type; }
  /// How many leaves statement entry i has.
  [[nodiscard]] Index statement_size(Index i) const { return statement_type(i).leaves; }
  [[nodiscard]] Index statement_leaf(Index i, Index k) const {
    return statement_words(i)[statement_size(i) + k / 2].leaves[k % 2];
  }
  [[nodiscard]] double statement_partial(Index i, Index k) const { return statement_words(i)[k].partial; }
  /// The words of statement entry i that hold its constants (statement_type(i).constants of them).
  [[nodiscard]] const detail::StatementWord* statement_constants(Index i) const {
    return statement_words(i) + detail::statement_words(statement_size(i), 0);
  }
  /// Whether the tape holds statement entries.
  [[nodiscard]] bool has_statements() const { return stmt_words_.size() > 0; }
  /// How many statement entries the tape holds (counted: O(size())).
  [[nodiscard]] std::size_t statements() const;
  /// Bytes one statement entry costs with `leaves` Var leaves and `constants` constants: its node
  /// and its double adjoint during a sweep, a partial (8 bytes) and a node index (4 bytes) per leaf
  /// (rounded up to whole 8-byte words), its constants (kept to record it again as nodes; its node
  /// holds its type).
  /// Compare bytes_per_node per op.
  static constexpr std::size_t bytes_per_statement(Index leaves, Index constants) {
    return bytes_per_node + detail::statement_words(leaves, constants) * sizeof(detail::StatementWord);
  }
  /// Bytes the recording uses now (nodes and statement storage, without reserved capacity or the
  /// matrix arena), plus the double adjoint per node that a sweep adds.
  [[nodiscard]] std::size_t recorded_bytes() const;
  // ---- end of statement mode's block ------------------------------------------------------------

 private:
  // The steps of record, record_param and record_unary: room for a node, the next node's slot with
  // its first fields written (the caller writes the last 8 bytes), then the node counted and its
  // handle.
  void ensure_room();  // grows the tape when it is full
  Node& next(double value, Index a, OpId op, Node::Holds holds);
  Var commit(const Node& n);
  void grow();                           // doubles the capacity (the cold path of record)
  static Tape& make_room(Tape* active);  // the cold path of current_with_room
  std::unique_ptr<Node[]> nodes_;        // capacity_ slots, the first size_ in use
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::uint64_t stamp_;       // drawn from the program-wide counter at construction and at each clear()
  std::uint64_t id_;          // the tape's number
  std::uint64_t generation_;  // how many times clear() ran
  mutable std::unique_ptr<detail::MatrixArena> matrices_;  // null until a matrix op is recorded

  // ---- statement mode ---------------------------------------------------------------------------
  std::vector<Var> backward_replayed(Index root);  // backward_recorded on a tape with statements
  // A statement entry's words follow those of the entries before it.
  detail::Buffer<detail::StatementWord> stmt_words_;
  // While size_ < statement_limit_, there is room for a node and for kStatementRoom words per node
  // up to the limit: an entry of at most kStatementRoom words records after that one test (recording
  // a node keeps it true; growing the tape too). make_statement_room() makes room and works the limit
  // out again; clear() and an entry of more words set it to 0.
  static constexpr Index kStatementRoom = 8;
  std::size_t statement_limit_ = 0;
  void make_statement_room();
  // ---- end of statement mode's block ------------------------------------------------------------
};

/// Makes `tape` the active tape of this thread until the scope ends (scopes nest). A tape destroyed
/// while a scope of this thread would still restore it is remembered as destroyed: once that scope
/// ends, using the active tape throws TapeError (until another scope begins or the outer one ends).
class TapeScope {
 public:
  explicit TapeScope(Tape& tape);
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;
  ~TapeScope();

 private:
  friend class Tape;
  Tape* previous_;      // the tape to restore (null: the thread's default)
  bool previous_gone_;  // the tape to restore was destroyed
  TapeScope* outer_;    // the scope that began before this one on this thread
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
/// The active tape while anomaly detection is off, else null (also when no tape is active yet):
/// statement mode's recording reads only this, one look-up for both (statements.hpp). Kept by
/// set_active_tape and set_detect_anomaly, the only writers of the two.
inline constinit thread_local Tape* statement_tape = nullptr;
inline void set_active_tape(Tape* t) {
  active_tape = t;
  statement_tape = anomaly_on ? nullptr : t;
}
/// The active tape when none is set: the thread's default tape; throws TapeError when the active
/// tape was destroyed (see TapeScope).
Tape& fallback_tape();
/// Sets the program-wide stamp counter (tests use it to reach the counter's end).
void set_next_stamp(std::uint64_t next);
[[noreturn]] void throw_bad_var(const Tape& tape, Index index, std::uint64_t stamp,
                                std::uint32_t tape_number);
/// check_scalar's slow path: throws ShapeError (a matrix node of this tape) or TapeError (see
/// throw_bad_var) for a Var whose stamp is not the tape's.
[[noreturn]] void reject_var(const Tape& tape, Index index, std::uint64_t stamp, std::uint32_t tape_number,
                             const char* where);
bool holds_matrix(const Tape& tape, Index i);  // node i holds a matrix (matrix/arena.cpp)
[[noreturn]] void throw_forward_anomaly(const Tape& tape, const Node& n);  // n: the node not yet recorded
[[noreturn]] void throw_tape_full();
void reject_matrix(const Tape& tape, Index i, const char* where);  // throws if node i holds a matrix
void check_matrix_adjoint(const Tape& tape, Index i, Index p);     // anomaly mode: p's adjoint after node i
}  // namespace detail

inline Tape& Tape::current() {
  Tape* t = detail::active_tape;
  if (t == nullptr) [[unlikely]]
    t = &detail::fallback_tape();
  return *t;
}

inline Index Tape::check(const Var& x) const {
  if ((x.stamp_ & ~kMatrixStamp) != stamp_) [[unlikely]]
    detail::throw_bad_var(*this, x.index_, x.stamp_ & ~kMatrixStamp, x.tape_);
  return x.index_;
}

inline Index Tape::check_scalar(const Var& x, const char* where) const {
  if (x.stamp_ != stamp_) [[unlikely]]  // a matrix node (the stamp's matrix bit), or a bad Var
    detail::reject_var(*this, x.index_, x.stamp_, x.tape_, where);
  return x.index_;
}

inline Var Tape::at(Index i) const {
  const std::uint64_t matrix = slot(i) != 0 && detail::holds_matrix(*this, i) ? kMatrixStamp : 0;
  return Var(nodes_[i].value, i, stamp_ | matrix, static_cast<std::uint32_t>(id_));
}

// Recording writes the new node's fields in place (a Node built on the stack and copied costs a
// stalled 16-byte load of separately stored fields), then counts it.
inline Tape* Tape::active_with_room() {
  Tape* t = detail::active_tape;
  if (t == nullptr || t->size_ == t->capacity_) [[unlikely]]
    return nullptr;
  return t;
}

inline Tape& Tape::current_with_room() {
  Tape* t = active_with_room();
  return t != nullptr ? *t : make_room(detail::active_tape);
}

[[gnu::always_inline]] inline void Tape::ensure_room() {
  if (size_ == capacity_) [[unlikely]]
    grow();
}

[[gnu::always_inline]] inline Node& Tape::next(double value, Index a, OpId op, Node::Holds holds) {
  Node& n = nodes_[size_];
  n.value = value;
  n.a = a;
  n.op = op;
  n.holds = holds;
  return n;
}

[[gnu::always_inline]] inline Var Tape::commit(const Node& n) {
  if (detail::anomaly_on && !std::isfinite(n.value)) [[unlikely]]
    detail::throw_forward_anomaly(*this, n);  // n is not counted: the tape stays as it was
  const auto i = static_cast<Index>(size_++);
  return Var(n.value, i, stamp_, static_cast<std::uint32_t>(id_));
}

[[gnu::always_inline]] inline Var Tape::record(OpId op, Index a, Index b, double value, Index slot) {
  ensure_room();
  const Var v = record_in_room(op, a, b, value, slot);
  if (slot != 0) return at(v.index());  // a matrix op's node: its handle may need the matrix bit
  return v;
}

[[gnu::always_inline]] inline Var Tape::record_param(OpId op, Index a, double p, double value) {
  ensure_room();
  return record_param_in_room(op, a, p, value);
}

[[gnu::always_inline]] inline Var Tape::record_unary(OpId op, Index a, double value, double partial) {
  ensure_room();
  return record_unary_in_room(op, a, value, partial);
}

[[gnu::always_inline]] inline Var Tape::record_in_room(OpId op, Index a, Index b, double value, Index slot) {
  Node& n = next(value, a, op, Node::Holds::links);
  n.link = {b, slot};
  return commit(n);
}

[[gnu::always_inline]] inline Var Tape::record_param_in_room(OpId op, Index a, double p, double value) {
  Node& n = next(value, a, op, Node::Holds::param);
  n.param = p;
  return commit(n);
}

[[gnu::always_inline]] inline Var Tape::record_unary_in_room(OpId op, Index a, double value, double partial) {
  Node& n = next(value, a, op, Node::Holds::partial);
  n.partial = partial;
  return commit(n);
}

// ---- statement mode ----------------------------------------------------------------------------
template <class Fill> [[gnu::always_inline]] inline Var Tape::record_statement(const StatementType& type,
                                                                               double value, Fill&& fill) {
  const Index count = detail::statement_words(type.leaves, type.constants);  // a constant once inlined
  if (count <= kStatementRoom) {
    if (size_ >= statement_limit_) [[unlikely]]
      make_statement_room();
  } else {
    ensure_room();
    stmt_words_.make_room(count);
    statement_limit_ = 0;  // the room for small entries is worked out again on the next one
  }
  // The tape's fields read once, before fill's stores (which the compiler cannot tell apart from them)
  const std::size_t i = size_;
  Node& n = nodes_[i];
  const std::uint64_t stamp = stamp_;
  const auto id = static_cast<std::uint32_t>(id_);
  const auto first = static_cast<Index>(stmt_words_.size());
  detail::StatementWord* words = stmt_words_.extend_in_room(count);
  fill(words);
  n.value = value;
  n.a = first;
  n.op = kStatementOp;
  n.holds = Node::Holds::statement;
  n.type = &type;
  size_ = i + 1;
  return Var(value, static_cast<Index>(i), stamp, id);
}
// ---- end of statement mode's block --------------------------------------------------------------

inline Var Tape::variable(double v) { return record(kInputOp, kNoParent, kNoParent, v); }
inline Var Tape::constant(double v) { return record(kConstOp, kNoParent, kNoParent, v); }

inline Var::Var(double constant) : Var(Tape::current().constant(constant)) {}
inline double Var::value() const {
  Tape::current().check_scalar(*this, "Var::value");
  return value_;
}
inline bool detect_anomaly() { return detail::anomaly_on; }
inline void set_detect_anomaly(bool on) {
  detail::anomaly_on = on;
  detail::statement_tape = on ? nullptr : detail::active_tape;
}

}  // namespace gradlab
