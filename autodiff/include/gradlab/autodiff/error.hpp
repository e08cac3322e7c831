#pragma once
/// @file error.hpp
/// The exceptions gradlab throws. Every message names the op, the values or shapes, and what was expected.
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace gradlab {

/// Base class of every error gradlab throws; catch this one to catch them all.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A Var used with the wrong tape: a cleared tape, another thread's tape, or an uninitialised Var.
class TapeError : public Error {
 public:
  using Error::Error;
};

/// An op applied outside its domain, e.g. pow(a, b) with a Var exponent and a base <= 0.
class DomainError : public Error {
 public:
  using Error::Error;
};

/// Operands whose shapes do not fit the op (matrix nodes).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// A NaN or Inf caught while anomaly detection is on (see DetectAnomaly). Besides its message it
/// carries the facts as fields, so that a front end (the expression language) can name the source
/// of the op without recomputing anything.
class AnomalyError : public Error {
 public:
  enum class Phase : std::uint8_t { Forward, Backward };
  /// Which facts an anomaly has: the op (by name) that produced `value`; in the forward pass `node`
  /// is the position the node would have taken and `input` is unused; in the backward pass `node`
  /// is the node whose local-derivative rule ran, `input` the parent whose adjoint became `value`,
  /// and `upstream` node's own adjoint.
  struct Facts {
    Phase phase = Phase::Forward;
    std::string op;
    std::uint32_t node = 0;
    std::uint32_t input = std::numeric_limits<std::uint32_t>::max();
    double value = 0;
    double upstream = 0;
  };
  AnomalyError(const std::string& message, Facts facts) : Error(message), facts_(std::move(facts)) {}
  [[nodiscard]] const Facts& facts() const { return facts_; }

 private:
  Facts facts_;
};

}  // namespace gradlab
