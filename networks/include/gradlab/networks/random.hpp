#pragma once
/// @file random.hpp
/// A random number generator whose numbers are the same on every machine and standard library.
///
/// std::mt19937_64 is portable, but std::uniform_real_distribution and std::normal_distribution are
/// not (each standard library maps the bits its own way), so a seed would give different networks
/// with libstdc++ and libc++. Here every step is exact integer or IEEE 754 arithmetic that does not
/// depend on the library: xoshiro256** seeded by splitmix64, uniforms from the top 53 bits, and a
/// normal approximated by the Irwin-Hall sum of 12 uniforms (mean 0, variance 1, |x| <= 6), which
/// needs no log or cos (whose last bit differs between math libraries).
#include <cstdint>
#include <vector>

namespace gradlab {

class PortableRng {
 public:
  explicit PortableRng(std::uint64_t seed);
  /// 64 random bits.
  std::uint64_t next();
  /// Uniform in [0, 1), a multiple of 2^-53.
  double uniform01();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  /// Approximately standard normal: the sum of 12 uniforms minus 6.
  double normal();
  /// Uniform integer in [0, n) without modulo bias (n > 0).
  std::uint64_t below(std::uint64_t n);
  /// Fisher-Yates shuffle.
  template <class T> void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace gradlab
