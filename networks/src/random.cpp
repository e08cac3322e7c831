#include "gradlab/networks/random.hpp"

namespace gradlab {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}
std::uint64_t rotl(std::uint64_t x, unsigned k) { return (x << k) | (x >> (64U - k)); }
}  // namespace

PortableRng::PortableRng(std::uint64_t seed) {
  for (std::uint64_t& s : s_) s = splitmix64(seed);
}

std::uint64_t PortableRng::next() {  // xoshiro256** (Blackman and Vigna)
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17U;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double PortableRng::uniform01() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }

double PortableRng::normal() {
  double s = 0.0;
  for (int k = 0; k < 12; ++k) s += uniform01();
  return s - 6.0;
}

std::uint64_t PortableRng::below(std::uint64_t n) {
  // reject the top partial block of 2^64 so every residue is equally likely
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x = next();
  while (x >= limit) x = next();
  return x % n;
}

}  // namespace gradlab
