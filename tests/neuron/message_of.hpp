#pragma once
// A test helper shared by the neuron tests.
#include <string>

/// The message of the exception of type E that f throws, or "" when it throws none.
template <class E, class F> std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}
