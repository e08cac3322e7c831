#pragma once
// Helpers the network tests share.
#include <exception>
#include <functional>
#include <string>

namespace gradlab::test {

/// The message of the exception f throws, or "(no exception)".
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace gradlab::test
