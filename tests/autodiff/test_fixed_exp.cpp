// gradlab's own exp (fixed_exp.hpp): within 1 unit in the last place of e^x over every binade of |x|,
// both signs, the overflow and underflow edges and the subnormal results; the special values; and
// the array loop equal to the one-entry function bit for bit at every length and position (no digit
// that depends on the register width or on where an entry falls), and the one-entry function's
// branch equal to the branch-free form. Sigmoid's value is built on it.
#include <bit>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <gradlab/autodiff.hpp>
#include <gradlab/autodiff/fixed_exp.hpp>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using L = std::numeric_limits<double>;
namespace fo = gradlab::fixed_order;

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// How many doubles lie from a to b (0 between +0 and -0): their distance in units in the last place.
double ulps_apart(double a, double b) {
  const auto order = [](double v) {
    const auto i = std::bit_cast<std::int64_t>(v);
    return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
  };
  const std::int64_t i = order(a), j = order(b);
  // in unsigned arithmetic: the difference of two int64 can overflow
  return static_cast<double>(i > j ? static_cast<std::uint64_t>(i) - static_cast<std::uint64_t>(j)
                                   : static_cast<std::uint64_t>(j) - static_cast<std::uint64_t>(i));
}

// The error of y = exp(x) in units in the last place of e^x, against the 64-bit long double expl
// (x86's extended precision; elsewhere against std::exp, in whole ulps).
double ulp_error(double x, double y) {
  if constexpr (std::numeric_limits<long double>::digits >= 64) {
    const long double t = std::exp(static_cast<long double>(x));
    const double rounded = static_cast<double>(t);
    if (std::isinf(rounded) || std::isinf(y)) return same_bits(y, rounded) ? 0.0 : L::infinity();
    // the ulp of e^x: of its binade, or 2^-1074 among the subnormals (and for a result that rounds to 0)
    const double ulp =
        rounded < L::min() ? L::denorm_min() : std::nextafter(rounded, L::infinity()) - rounded;
    return static_cast<double>(std::abs(static_cast<long double>(y) - t) / ulp);
  } else {
    return ulps_apart(y, std::exp(x));
  }
}

// ±0, the subnormal and normal binades of |x| from 2^-1074 to 2^10 (past the overflow edge), three
// mantissas each; the edges: the largest x with a finite e^x and the next double, where e^x leaves
// the normal numbers and where it leaves the subnormals; ±inf; a dense sweep of the subnormal results
// (x from -708.4 to -745.2); 10^6 uniform points over the whole finite range.
std::vector<double> inputs() {
  std::vector<double> x{0.0,
                        L::denorm_min(),
                        L::min(),
                        709.782712893384,
                        709.7827128933841,
                        710.0,
                        1e300,
                        L::max(),
                        L::infinity(),
                        708.3964185322641,
                        745.1332191019411,
                        745.1332191019412,
                        745.2,
                        746.0,
                        750.0,
                        800.0};
  for (int e = -1074; e <= 10; ++e)
    for (const double m : {1.0, 1.2345678901234567, 1.9999999999999998}) x.push_back(std::ldexp(m, e));
  const std::size_t positive = x.size();
  for (std::size_t k = 0; k < positive; ++k) x.push_back(-x[k]);
  for (int k = 0; k <= 100000; ++k) x.push_back(-708.4 - 36.8 * k / 100000.0);
  std::mt19937_64 gen(20261130);
  std::uniform_real_distribution<double> uniform(-746.0, 710.0);
  for (int k = 0; k < 1000000; ++k) x.push_back(uniform(gen));
  return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fixed_exp)

BOOST_AUTO_TEST_CASE(within_one_ulp_everywhere) {
  const std::vector<double> x = inputs();
  double worst = 0.0, worst_x = 0.0, worst_vs_libm = 0.0;
  for (const double v : x) {
    const double y = fo::exp(v);
    const double error = ulp_error(v, y);
    if (!(error <= worst)) {
      worst = error;
      worst_x = v;
    }
    worst_vs_libm = std::max(worst_vs_libm, ulps_apart(y, std::exp(v)));
  }
  BOOST_TEST_MESSAGE("exp: within " << worst << " ulp of e^x (at x = " << worst_x << "), " << worst_vs_libm
                                    << " ulp of std::exp, over " << x.size() << " points");
  BOOST_TEST(worst < 1.0, "exp(" << worst_x << ") is " << worst << " ulp from e^x");
  BOOST_TEST(worst_vs_libm <= 1.0);
}

BOOST_AUTO_TEST_CASE(edges_and_special_values) {
  BOOST_TEST(same_bits(fo::exp(0.0), 1.0));
  BOOST_TEST(same_bits(fo::exp(-0.0), 1.0));
  BOOST_TEST(same_bits(fo::exp(1.0), std::exp(1.0)));
  BOOST_TEST(same_bits(fo::exp(L::infinity()), L::infinity()));
  BOOST_TEST(same_bits(fo::exp(-L::infinity()), 0.0));
  BOOST_TEST(std::isnan(fo::exp(L::quiet_NaN())));
  BOOST_TEST(std::isnan(fo::exp(-L::quiet_NaN())));
  BOOST_TEST(fo::exp(709.782712893384) == 1.7976931348622732e308);  // the largest finite e^x
  BOOST_TEST(std::isinf(fo::exp(709.7827128933841)));
  BOOST_TEST(std::isinf(fo::exp(L::max())));
  // x = -708.39641853226408 is the last double whose e^x is a normal number
  BOOST_TEST(fo::exp(-708.3964185322641) >= L::min());
  BOOST_TEST(fo::exp(std::nextafter(-708.3964185322641, -L::infinity())) < L::min());
  BOOST_TEST(fo::exp(-720.0) == std::exp(-720.0));             // a subnormal result, 1.7e-313
  BOOST_TEST(fo::exp(-745.1332191019411) == L::denorm_min());  // the last x with a result above 0
  BOOST_TEST(same_bits(fo::exp(-745.1332191019412), 0.0));
  BOOST_TEST(same_bits(fo::exp(-L::max()), 0.0));
}

// The loop over an array gives each entry the bits of exp of that entry alone, for every length from
// 0 to 40 and every position (the vectorised body, its remainder and any peeled start), and sigmoid's
// loop (matrix nodes, the formula pass) gives the bits of its value.
BOOST_AUTO_TEST_CASE(array_equals_entry_by_entry_at_every_position) {
  const std::vector<double> pool = inputs();
  std::size_t wrong = 0;
  std::string first;
  for (std::size_t n = 0; n <= 40; ++n)
    for (std::size_t shift = 0; shift < 3; ++shift) {  // arrays at different alignments
      for (std::size_t start = 0; start < 200; start += 7) {
        std::vector<double> x(pool.begin() + static_cast<std::ptrdiff_t>(start * 131 % 4000),
                              pool.begin() + static_cast<std::ptrdiff_t>(start * 131 % 4000 + n + shift));
        std::vector<double> y(n + shift), s(n + shift);
        fo::exp(x.data() + shift, y.data() + shift, static_cast<Eigen::Index>(n));
        gradlab::ops::Sigmoid::values(x.data() + shift, s.data() + shift, static_cast<Eigen::Index>(n));
        for (std::size_t k = shift; k < n + shift; ++k)
          if (!same_bits(y[k], fo::exp(x[k])) || !same_bits(s[k], gradlab::ops::Sigmoid::value(x[k])))
            if (wrong++ == 0)
              first = "x = " + std::to_string(x[k]) + " at " + std::to_string(k - shift) + " of " +
                      std::to_string(n);
      }
    }
  BOOST_TEST(wrong == 0u, wrong << " entries differ from the one-entry function, the first " << first);
  // in place
  std::vector<double> x(pool.begin(), pool.begin() + 37), y = x;
  fo::exp(y.data(), y.data(), static_cast<Eigen::Index>(y.size()));
  for (std::size_t k = 0; k < x.size(); ++k) BOOST_TEST(same_bits(y[k], fo::exp(x[k])), k);
}

// The one-entry exp (one scaling for |x| <= 708, a branch to the other form elsewhere) gives the bits
// of the branch-free form, and so does sigmoid's value: at every input above and densely across the
// switch at |x| = 708 and the overflow and underflow edges beyond it.
BOOST_AUTO_TEST_CASE(one_entry_form_equals_branch_free_form) {
  std::vector<double> x = inputs();
  for (const double edge : {708.0, 709.0, 709.8, 745.0})
    for (const double sign : {1.0, -1.0}) {
      double v = sign * edge;
      for (int k = 0; k < 64; ++k) v = std::nextafter(v, 0.0);
      for (int k = 0; k < 128; ++k, v = std::nextafter(v, sign * L::infinity())) x.push_back(v);
    }
  for (int k = 0; k <= 20000; ++k)
    x.push_back(706.0 + 4.0 * k / 20000.0), x.push_back(-706.0 - 4.0 * k / 20000.0);
  std::size_t wrong = 0;
  double first = 0.0;
  for (const double v : x) {
    const bool exp_same = same_bits(fo::exp(v), fo::exp_lanes(v));
    const double lanes_sigmoid = gradlab::ops::Sigmoid::of_exp(v, fo::exp_lanes(-std::abs(v)));
    if ((!exp_same || !same_bits(gradlab::ops::Sigmoid::value(v), lanes_sigmoid)) && wrong++ == 0) first = v;
  }
  BOOST_TEST(wrong == 0u, wrong << " inputs differ between the two forms, the first x = " << first);
}

// sigmoid = 1 / (1 + e^-x) = e^x / (1 + e^x) from the same exp: within 2 ulps of the long double
// formula, e^x itself far below 0 (1.7e-313 at -720, where 1 / (1 + e^720) would give 0), exactly 0.5
// at ±0, 1 and 0 at the ends, NaN for NaN.
BOOST_AUTO_TEST_CASE(sigmoid_from_the_same_exp) {
  using gradlab::ops::Sigmoid;
  double worst = 0.0, worst_x = 0.0;
  for (const double x : inputs()) {
    const double y = Sigmoid::value(x);
    const long double e = std::exp(-std::abs(static_cast<long double>(x)));
    const double want = static_cast<double>((x < 0 ? e : 1.0L) / (1.0L + e));
    const double error = ulps_apart(y, want);
    if (error > worst) {
      worst = error;
      worst_x = x;
    }
  }
  BOOST_TEST_MESSAGE("sigmoid: within "
                     << worst << " ulp of the rounded long double value (at x = " << worst_x << ")");
  BOOST_TEST(worst <= 2.0, "sigmoid(" << worst_x << ") is " << worst << " ulps off");
  BOOST_TEST(Sigmoid::value(-720.0) == std::exp(-720.0));
  BOOST_TEST(Sigmoid::value(-746.0) == 0.0);
  BOOST_TEST(Sigmoid::value(0.0) == 0.5);
  BOOST_TEST(Sigmoid::value(-0.0) == 0.5);
  BOOST_TEST(Sigmoid::value(40.0) == 1.0);
  BOOST_TEST(Sigmoid::value(L::infinity()) == 1.0);
  BOOST_TEST(same_bits(Sigmoid::value(-L::infinity()), 0.0));
  BOOST_TEST(std::isnan(Sigmoid::value(L::quiet_NaN())));
}

BOOST_AUTO_TEST_SUITE_END()
