#pragma once
// Force-included into every file of the wasm build only (CMakePresets.json, preset wasm): what
// emscripten 3.1.6's libc++ (LLVM 14) lacks of the C++20 library that the engine uses.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>

#if !defined(__cpp_lib_smart_ptr_for_overwrite)
namespace std {
// std::make_unique_for_overwrite<T[]>(n): n default-initialised elements (tape.cpp's reserve).
template <class T>
requires is_unbounded_array_v<T> unique_ptr<T> make_unique_for_overwrite(size_t n) {
  return unique_ptr<T>(new remove_extent_t<T>[n]);
}
}  // namespace std
#endif

#if !defined(__cpp_lib_to_chars)
namespace std {
// std::from_chars for a double (the parser's numbers, --at values, CSV cells), by strtod on a copy:
// like from_chars, no leading whitespace or '+', no hexadecimal (0x1 reads as 0), and
// result_out_of_range (value untouched) when the number overflows or underflows to zero.
inline from_chars_result from_chars(const char* first, const char* last, double& value) {
  const char* p = first;
  if (p != last && *p == '-') ++p;
  if (p == last || *p == '+' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
      *p == '\v')
    return {first, errc::invalid_argument};
  if (last - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) last = p + 1;
  const string copy(first, last);
  char* end = nullptr;
  errno = 0;
  const double v = strtod(copy.c_str(), &end);
  if (end == copy.c_str()) return {first, errc::invalid_argument};
  const char* ptr = first + (end - copy.c_str());
  if (errno == ERANGE && (v == 0.0 || isinf(v))) return {ptr, errc::result_out_of_range};
  value = v;
  return {ptr, errc()};
}
}  // namespace std
#endif
