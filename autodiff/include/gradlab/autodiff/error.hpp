#pragma once
/// @file error.hpp
/// The exceptions gradlab throws. Every message names the op, the values or shapes, and what was expected.
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

/// A NaN or Inf caught while anomaly detection is on (see DetectAnomaly).
class AnomalyError : public Error {
 public:
  using Error::Error;
};

}  // namespace gradlab
