#pragma once
/// @file number_text.hpp
/// How messages write a number.
#include <string>

namespace gradlab {

/// v as text in messages: the shortest form that reads back to the same double, and every NaN as
/// "nan" (the sign bit of a NaN means nothing; x86 makes -nan from 0/0).
std::string number_text(double v);

}  // namespace gradlab
