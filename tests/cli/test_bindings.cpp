// The command line's small languages: --at, --let, --range, --wrt.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

#include "bindings.hpp"
#include "common.hpp"

using namespace gradlab;
using namespace gradlab::cli;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

template <class F> std::string error_of(F&& f, std::size_t column) {
  try {
    f();
  } catch (const expr::ParseError& e) {
    BOOST_TEST(e.column() == column, e.what());
    return e.what();
  }
  BOOST_FAIL("no ParseError");
  return "";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(bindings)

BOOST_AUTO_TEST_CASE(at_parses_pairs) {
  const auto b = parse_bindings("w=0.5, b = -1,x=2e3,y=+.25");
  BOOST_TEST_REQUIRE(b.size() == 4u);
  BOOST_TEST(b[0].name == "w");
  BOOST_TEST(b[0].value == 0.5);
  BOOST_TEST(b[1].name == "b");
  BOOST_TEST(b[1].value == -1.0);
  BOOST_TEST(b[2].value == 2000.0);
  BOOST_TEST(b[3].value == 0.25);
  BOOST_TEST(parse_bindings("x=0.1")[0].value == 0.1);  // exact
  const auto two = parse_bindings(std::vector<std::string>{"w=1", "b=2"});
  BOOST_TEST(two.size() == 2u);
}

BOOST_AUTO_TEST_CASE(at_errors) {
  BOOST_TEST(
      contains(error_of([] { parse_bindings("w=1,,b=2"); }, 5), "--at: column 5: expected a variable name"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w 1"); }, 3), "expected '=' after 'w'"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w=abc"); }, 3), "expected a number for 'w'"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w="); }, 3), "expected a number for 'w'"));
  BOOST_TEST(
      contains(error_of([] { parse_bindings("w=inf"); }, 3), "the value of 'w' must be a finite number"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w=nan"); }, 3), "must be a finite number"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w=1e999"); }, 3), "too large for a double"));
  // grad and explain differentiate at infinities and NaN (issue 13); a number too large is still refused.
  const auto nf = parse_bindings("w=inf, b=-inf, c=nan", "--at", true);
  BOOST_TEST(nf.size() == 3u);
  BOOST_TEST((std::isinf(nf[0].value) && nf[0].value > 0));
  BOOST_TEST((std::isinf(nf[1].value) && nf[1].value < 0));
  BOOST_TEST(std::isnan(nf[2].value));
  BOOST_TEST(
      contains(error_of([] { parse_bindings("w=1e999", "--at", true); }, 3), "too large for a double"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w=1,w=2"); }, 5), "'w' is given twice"));
  BOOST_TEST(contains(error_of([] { parse_bindings("pi=3"); }, 1), "'pi' is a constant"));
  BOOST_TEST(
      contains(error_of([] { parse_bindings("w=1 b=2"); }, 5), "expected ',' between NAME=VALUE pairs"));
  BOOST_TEST(contains(error_of([] { parse_bindings("w=1;b=2"); }, 3), "expected a number for 'w'"));
  BOOST_CHECK_EXCEPTION(parse_bindings(""), Error,
                        [](const Error& e) { return contains(e.what(), "--at is empty"); });
  BOOST_CHECK_EXCEPTION(parse_bindings(std::vector<std::string>{"w=1", "w=2"}), Error,
                        [](const Error& e) { return contains(e.what(), "--at: 'w' is given twice"); });
}

BOOST_AUTO_TEST_CASE(let_splits_name_and_expression) {
  const auto [name, body] = parse_let(" f = sigmoid(w*x+b)");
  BOOST_TEST(name == "f");
  BOOST_TEST(body == " sigmoid(w*x+b)");
  BOOST_TEST(contains(error_of([] { parse_let("=x"); }, 1), "--let: column 1: expected a name"));
  BOOST_TEST(contains(error_of([] { parse_let("f x"); }, 3), "expected '=' after 'f'"));
  BOOST_TEST(contains(error_of([] { parse_let("pi=3"); }, 1), "'pi' is a constant"));
  BOOST_TEST(contains(error_of([] { parse_let("2f=3"); }, 1), "expected a name"));
}

BOOST_AUTO_TEST_CASE(range_and_wrt) {
  BOOST_TEST(parse_range("-3:3").first == -3.0);
  BOOST_TEST(parse_range("-3:3").second == 3.0);
  BOOST_TEST(parse_range("-1e-3 : 2").first == -1e-3);
  BOOST_TEST(contains(error_of([] { parse_range("3"); }, 2), "expected LO:HI"));
  BOOST_TEST(contains(error_of([] { parse_range("3:1"); }, 1), "smaller than the upper end"));
  BOOST_TEST(contains(error_of([] { parse_range("a:1"); }, 1), "expected a number for the lower end"));
  const auto point = parse_bindings("w=1,b=2,x=3");
  BOOST_TEST((parse_wrt("b, w", point) == std::vector<std::size_t>{1, 0}));
  BOOST_TEST((parse_wrt("", point) == std::vector<std::size_t>{0, 1, 2}));
  BOOST_TEST(contains(error_of([&] { parse_wrt("w,z", point); }, 3), "'z' is not a variable of --at"));
  BOOST_TEST(contains(error_of([&] { parse_wrt("w,w", point); }, 3), "'w' is given twice"));
  BOOST_TEST(contains(error_of([&] { parse_wrt("w,", point); }, 3), "expected a variable name"));
}

BOOST_AUTO_TEST_SUITE_END()

// issue 13: NaN and infinities are written as "NaN", "Infinity", "-Infinity" everywhere, never null.
BOOST_AUTO_TEST_CASE(json_keeps_non_finite_numbers) {
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(json_number(1.5).dump() == "1.5");
  BOOST_TEST(json_number(std::nan("")).dump() == "\"NaN\"");
  BOOST_TEST(json_number(inf).dump() == "\"Infinity\"");
  BOOST_TEST(json_number(-inf).dump() == "\"-Infinity\"");
  const Json j{{"a", Json::array({1.0, std::nan(""), -inf})}, {"b", {{"c", inf}}}, {"d", "x"}};
  BOOST_TEST(json_text(j) == R"({"a":[1.0,"NaN","-Infinity"],"b":{"c":"Infinity"},"d":"x"})");
}
