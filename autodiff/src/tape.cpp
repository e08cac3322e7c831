// The tape: recording storage, clearing, the stamps that make stale Vars detectable, the active
// tape of each thread (TapeScope), and the messages of misused Vars.
#include "gradlab/autodiff/tape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "gradlab/autodiff/matrix.hpp"

namespace gradlab {

namespace {
// One counter for the whole program: every tape and every clear() takes the next value, so no two
// (tape, generation) pairs ever share a stamp. 0 is the stamp of an uninitialised Var; the last
// value below the matrix bit (see kMatrixStamp) marks the counter as used up.
constexpr std::uint64_t kStampsUsedUp = kMatrixStamp - 1;
std::atomic<std::uint64_t> next_stamp{1};
std::atomic<std::uint64_t> next_tape_id{1};

std::uint64_t fresh_stamp() {
  const std::uint64_t s = next_stamp.fetch_add(1, std::memory_order_relaxed);
  if (s == 0 || s >= kStampsUsedUp) [[unlikely]] {
    next_stamp.store(kStampsUsedUp);  // stays used up, also for the threads that come next
    throw TapeError(
        "the tape stamps are used up (2^63 - 2 tapes and clears): a new stamp could match an old Var's");
  }
  return s;
}

// The innermost TapeScope of this thread (scopes link to their outer one).
constinit thread_local TapeScope* innermost_scope = nullptr;
// The active tape was destroyed while in use, or a scope restored a destroyed tape.
constinit thread_local bool active_tape_gone = false;
}  // namespace

// ---- Tape ---------------------------------------------------------------------------------------

Tape::Tape()
    : stamp_(fresh_stamp()), id_(next_tape_id.fetch_add(1, std::memory_order_relaxed)), generation_(0) {}

Tape::~Tape() {
  // Scopes of this thread that would restore this tape restore "destroyed" instead: using it then
  // throws TapeError rather than reading freed memory.
  for (TapeScope* s = innermost_scope; s != nullptr; s = s->outer_)
    if (s->previous_ == this) {
      s->previous_ = nullptr;
      s->previous_gone_ = true;
    }
  if (detail::active_tape == this) {
    detail::set_active_tape(nullptr);
    active_tape_gone = true;
  }
}

void Tape::clear() {
  stamp_ = fresh_stamp();  // first: if it throws, the tape and its Vars stay as they were
  size_ = 0;
  if (matrices_) matrices_->clear();  // O(1): the matrices' storage is kept for reuse
  stmt_words_.clear();                // statement mode's storage (kept for reuse)
  statement_limit_ = 0;
  ++generation_;
}

void Tape::reserve(std::size_t n) {
  if (n > kMaxNodes) detail::throw_tape_full();
  if (n <= capacity_) return;
  auto bigger = std::make_unique_for_overwrite<Node[]>(n);
  std::copy(nodes_.get(), nodes_.get() + size_, bigger.get());
  nodes_ = std::move(bigger);
  capacity_ = n;
}

std::size_t Tape::memory_bytes() const {
  return capacity_ * sizeof(Node) + (matrices_ ? matrices_->bytes() : 0) +
         stmt_words_.capacity() * sizeof(detail::StatementWord);
}

// ---- statement mode ----------------------------------------------------------------------------
std::size_t Tape::statements() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < size_; ++i) n += nodes_[i].holds == Node::Holds::statement ? 1 : 0;
  return n;
}

std::size_t Tape::recorded_bytes() const {
  return size_ * bytes_per_node + stmt_words_.size() * sizeof(detail::StatementWord);
}
// ---- end of statement mode's block --------------------------------------------------------------

detail::MatrixArena& Tape::matrices() const {
  if (!matrices_) matrices_ = std::make_unique<detail::MatrixArena>();
  return *matrices_;
}

bool Tape::has_matrix_nodes() const { return matrices_ && matrices_->size() > 0; }

Tape& Tape::make_room(Tape* active) {
  Tape& t = active != nullptr ? *active : detail::fallback_tape();
  if (t.size_ == t.capacity_) t.grow();
  return t;
}

void Tape::make_statement_room() {
  ensure_room();
  stmt_words_.make_room(kStatementRoom);
  const std::size_t entries = (stmt_words_.capacity() - stmt_words_.size()) / kStatementRoom;  // >= 1
  statement_limit_ = std::min(capacity_, size_ + entries);
}
void Tape::grow() {
  if (capacity_ >= kMaxNodes) detail::throw_tape_full();
  reserve(std::min<std::size_t>(kMaxNodes, std::max<std::size_t>(1024, 2 * capacity_)));
}

// ---- the active tape ----------------------------------------------------------------------------

TapeScope::TapeScope(Tape& tape)
    : previous_(detail::active_tape), previous_gone_(active_tape_gone), outer_(innermost_scope) {
  detail::set_active_tape(&tape);
  active_tape_gone = false;
  innermost_scope = this;
}

TapeScope::~TapeScope() {
  detail::set_active_tape(previous_);
  active_tape_gone = previous_gone_;
  innermost_scope = outer_;
}

namespace detail {
Tape& fallback_tape() {
  if (active_tape_gone)
    throw TapeError(
        "the active tape was destroyed: a Tape was destroyed while a TapeScope of this thread still "
        "used it or would restore it (end the scopes before destroying their tapes)");
  thread_local Tape tape;
  set_active_tape(&tape);
  return tape;
}

void set_next_stamp(std::uint64_t next) { next_stamp.store(next); }

// ---- errors -------------------------------------------------------------------------------------

void throw_bad_var(const Tape& tape, Index index, std::uint64_t stamp, std::uint32_t tape_number) {
  if (stamp == 0)
    throw TapeError("an uninitialised Var was used (default-constructed; assign it a value first)");
  if (tape_number != static_cast<std::uint32_t>(tape.id()))
    throw TapeError(
        fmt::format("a Var recorded on tape #{} was used while tape #{} is active: Vars cannot cross tapes "
                    "(another thread's tape, or a TapeScope that has ended)",
                    tape_number, tape.id()));
  if (stamp != tape.stamp())
    throw TapeError(
        fmt::format("a Var from tape #{} was used after the tape was cleared (the tape has been cleared {} "
                    "time{} in all)",
                    tape.id(), tape.generation(), tape.generation() == 1 ? "" : "s"));
  throw TapeError(
      fmt::format("Var index {} is past the end of tape #{} (size {})", index, tape.id(), tape.size()));
}

void reject_var(const Tape& tape, Index index, std::uint64_t stamp, std::uint32_t tape_number,
                const char* where) {
  if (stamp == (tape.stamp() | kMatrixStamp)) {
    reject_matrix(tape, index, where);  // throws: the handle of a matrix node of this tape
    throw Error(
        fmt::format("{}: node {} is marked as a matrix but holds none (a bug in gradlab)", where, index));
  }
  throw_bad_var(tape, index, stamp & ~kMatrixStamp, tape_number);
}

void throw_tape_full() { throw Error("the tape is full: it holds at most 2^31 nodes"); }
}  // namespace detail

}  // namespace gradlab
