#pragma once
/// @file fixed_exp.hpp
/// gradlab's own e^x, with the same bits in every build (AVX2, SSE2, WebAssembly) and at every
/// position of an array: plain IEEE double additions and multiplications in one fixed order, no
/// libm call, no fused multiply-add (the build flags leave it out). Two forms with the same bits:
/// exp_lanes has no branch, so that GCC vectorises the array loop at the register width of the build
/// while each lane does exactly what the one-entry function does; exp, for one x, takes one
/// predictable branch instead (|x| <= 708: two clamps and one scaling fewer). Eigen's exp is
/// vectorised only where Eigen has packets for the target (not WebAssembly), and its entries past
/// the last full register take std::exp; libm's exp differs between libraries. Within 1 unit in the
/// last place of e^x (tests/autodiff/test_fixed_exp.cpp measures the bound over every binade),
/// subnormal results included.
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace gradlab::fixed_order {

namespace exp_detail {
inline constexpr double kHigh = 710.0;                  // e^710 > DBL_MAX: clamping there still gives +inf
inline constexpr double kLow = -750.0;                  // e^-750 < 2^-1075: clamping there still gives 0
inline constexpr double kLog2e = 0x1.71547652b82fep0;   // 1 / ln 2
inline constexpr double kShift = 0x1.8p52;              // 1.5 * 2^52: adding it rounds to an integer
inline constexpr double kLn2Hi = 0x1.62e42fefa38p-1;    // ln 2 to 42 bits: n * kLn2Hi is exact for |n| < 2^11
inline constexpr double kLn2Lo = 0x1.ef35793c7673p-45;  // ln 2 - kLn2Hi
// (e^r - 1 - r) / r^2 on |r| <= 0.35: a degree-9 fit (Chebyshev nodes, mpmath), error < 0.1 ulp of e^r
inline constexpr double kC[] = {0.5000000000000001,     0.16666666666666669,    0.04166666666662068,
                                0.008333333333329796,   0.0013888888918918907,  0.00019841269864364933,
                                2.4801518672268355e-05, 2.7557266442353424e-06, 2.7621324269313687e-07,
                                2.5101335854788522e-08};
}  // namespace exp_detail

/// The bits of a double and the double of given bits (std::bit_cast, which emscripten's libc++
/// lacks).
inline std::uint64_t bits_of(double v) {
  std::uint64_t u = 0;
  std::memcpy(&u, &v, sizeof u);
  return u;
}
inline double from_bits(std::uint64_t u) {
  double v = 0.0;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

/// All bits set when b is true, none when false: with select, a choice GCC vectorises.
inline std::uint64_t mask(bool b) { return -static_cast<std::uint64_t>(b); }
/// m ? a : b, bit by bit (m a mask).
inline double select(std::uint64_t m, double a, double b) {
  return from_bits((bits_of(a) & m) | (bits_of(b) & ~m));
}

namespace exp_detail {
/// x = n ln 2 + r with |r| <= ln 2 / 2 and p = e^r: e^x = p 2^n (n = round(x / ln 2), also in the
/// low bits of `shifted`).
struct Reduced {
  double shifted, n, p;
};
inline Reduced reduce(double x) {
  const double shifted = x * kLog2e + kShift;  // n = round(x / ln 2) in its low bits
  const double n = shifted - kShift;           // n exactly (|n| <= 1082)
  const double hi = x - n * kLn2Hi;            // exact: n kLn2Hi has 53 bits, and it is close to x
  const double lo = n * kLn2Lo;                // x - n ln 2 = hi - lo to ~2^-100
  const double r = hi - lo;                    // |r| <= ln2 / 2 (+ a rounding)
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q = ((kC[0] + r * kC[1]) + r2 * (kC[2] + r * kC[3])) +
                   r4 * ((kC[4] + r * kC[5]) + r2 * (kC[6] + r * kC[7])) + r8 * (kC[8] + r * kC[9]);
  const double s = 1.0 + hi;                       // e^r = 1 + hi + (r^2 q - lo), summed with
  const double err = (1.0 - s) + hi;               // the exact rounding error of 1 + hi (|hi| < 1)
  return {shifted, n, s + (err + (r2 * q - lo))};  // e^r in [0.70, 1.42]
}
/// The bits of 2^m are (m + 1023) << 52, for the bits of m + kShift (|m| < 2^51), which are those of
/// kShift plus m: kShift's own bits (all above bit 51) shift out.
inline double power_of_two(std::uint64_t shifted_bits) { return from_bits((shifted_bits + 1023) << 52); }
inline constexpr double kOneScaling = 708.0;  // |x| <= this: |n| <= 1022, 2^n is normal
}  // namespace exp_detail

/// e^x, branch-free (the form of the array loop): +inf above the overflow edge (x > 709.78...),
/// subnormal down to x = -745.13..., 0 below; NaN gives NaN, +-0 gives 1.
inline double exp_lanes(double x) {
  using namespace exp_detail;
  // x clamped to [kLow, kHigh] through bit masks (GCC keeps a loop scalar for a select of doubles
  // on a floating-point comparison, which may trap); a comparison with NaN is false: NaN is kept.
  x = select(mask(x > kHigh), kHigh, select(mask(x < kLow), kLow, x));
  const Reduced e = reduce(x);
  // e^x = p 2^n1 2^n2 with n1 = round(n / 2), n2 = n - n1: both powers normal for |n| <= 1082, so
  // p 2^n1 is exact and the one rounding is that of the result (subnormal or not).
  const std::uint64_t nbits = bits_of(e.shifted);            // kShift's bits + n
  const std::uint64_t n1bits = bits_of(e.n * 0.5 + kShift);  // kShift's bits + n1
  return e.p * power_of_two(n1bits) * power_of_two(nbits - n1bits);
}
/// e^x for one x, with the bits of exp_lanes(x): for |x| <= 708, where 2^n is normal, p 2^n in one
/// scaling (p 2^n1 is exact, so p 2^n1 2^n2 rounds as p 2^n does); elsewhere (and for NaN) exp_lanes.
inline double exp(double x) {
  using namespace exp_detail;
  if (!(std::abs(x) <= kOneScaling)) [[unlikely]]
    return exp_lanes(x);
  const Reduced e = reduce(x);
  return e.p * power_of_two(bits_of(e.shifted));
}

/// out_k = exp(x_k) for k < n (out may be x), through exp_lanes: each entry the bits of exp(x_k), at
/// any position and any register width.
inline void exp(const double* x, double* out, Eigen::Index n) {
  for (Eigen::Index k = 0; k < n; ++k) out[k] = exp_lanes(x[k]);
}

}  // namespace gradlab::fixed_order
