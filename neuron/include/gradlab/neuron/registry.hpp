#pragma once
/// @file registry.hpp
/// A thread-safe list of named records (activations, losses), shared by their registries.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gradlab/autodiff/error.hpp"

namespace gradlab::detail {

/// The identity of a record type, so that registering the same record twice is harmless.
template <class Record> inline constexpr char record_key = 0;

/// Named entries that never move once added (references stay valid). Info needs `name` (a string
/// view) and `key` (the record_key of the record it came from).
template <class Info> class Registry {
 public:
  Registry(std::string kind, std::string plural) : kind_(std::move(kind)), plural_(std::move(plural)) {}

  /// Adds info and returns the stored entry. Registering the same record again returns the
  /// existing entry; another record under a taken name throws Error.
  const Info& add(const Info& info) {
    std::lock_guard lock(mutex_);
    for (const Info& e : entries_) {
      if (e.name != info.name) continue;
      if (e.key == info.key) return e;
      throw Error(fmt::format("register {}: a different {} named '{}' is already registered", kind_, kind_,
                              info.name));
    }
    return entries_.emplace_back(info);
  }

  /// The entry with this name; throws Error listing the known names when there is none.
  const Info& get(std::string_view name) const {
    std::lock_guard lock(mutex_);
    for (const Info& e : entries_)
      if (e.name == name) return e;
    std::vector<std::string_view> known;
    for (const Info& e : entries_) known.push_back(e.name);
    throw Error(fmt::format("unknown {} '{}'; known {}: {}", kind_, name, plural_, fmt::join(known, ", ")));
  }

  /// Every entry, in registration order.
  std::vector<const Info*> all() const {
    std::lock_guard lock(mutex_);
    std::vector<const Info*> out;
    for (const Info& e : entries_) out.push_back(&e);
    return out;
  }

 private:
  std::string kind_;
  std::string plural_;
  mutable std::mutex mutex_;
  std::deque<Info> entries_;
};

}  // namespace gradlab::detail
