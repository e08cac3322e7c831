#include "bindings.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "gradlab/expr.hpp"

namespace gradlab::cli {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

/// A double spelled exactly by s[begin, end) (an optional sign, then decimal or exponent form, or inf
/// and nan when allow_non_finite). Too large a number (1e999) is an error, never an infinity.
double parse_number(std::string_view s, std::size_t begin, std::size_t end, std::string_view option,
                    const std::string& what, bool allow_non_finite = false) {
  std::size_t b = begin;
  if (b < end && s[b] == '+') ++b;  // from_chars does not take a leading '+'
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data() + b, s.data() + end, v);
  if (b == end || ec == std::errc::invalid_argument || ptr != s.data() + end)
    throw expr::ParseError(s, begin, fmt::format("expected a number for {}", what), option);
  if (ec == std::errc::result_out_of_range)
    throw expr::ParseError(s, begin, fmt::format("the value of {} is too large for a double", what), option);
  if (!allow_non_finite && !std::isfinite(v))
    throw expr::ParseError(s, begin, fmt::format("the value of {} must be a finite number", what), option);
  return v;
}
}  // namespace

bool is_identifier(std::string_view s) {
  if (s.empty() || !ident_start(s[0])) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

std::vector<Binding> parse_bindings(std::string_view text, std::string_view option, bool allow_non_finite) {
  std::vector<Binding> out;
  if (skip_space(text, 0) == text.size())
    throw Error(fmt::format("{} is empty: expected NAME=VALUE pairs separated by commas, e.g. {} w=0.5,b=-1",
                            option, option));
  std::unordered_set<std::string> seen;  // a hash set: --at with thousands of names stays linear
  std::size_t i = 0;
  while (true) {
    i = skip_space(text, i);
    const std::size_t name_at = i;
    if (i >= text.size() || !ident_start(text[i]))
      throw expr::ParseError(text, i, "expected a variable name (as in w=0.5)", option);
    while (i < text.size() && ident_char(text[i])) ++i;
    std::string name(text.substr(name_at, i - name_at));
    if (name == "pi")
      throw expr::ParseError(text, name_at, "'pi' is a constant; it cannot be given a value", option);
    i = skip_space(text, i);
    if (i >= text.size() || text[i] != '=')
      throw expr::ParseError(text, i, fmt::format("expected '=' after '{}'", name), option);
    i = skip_space(text, i + 1);
    std::size_t end = i;
    while (end < text.size() && text[end] != ',' && !is_space(text[end])) ++end;
    const double v = parse_number(text, i, end, option, fmt::format("'{}'", name), allow_non_finite);
    if (!seen.insert(name).second)
      throw expr::ParseError(text, name_at, fmt::format("'{}' is given twice", name), option);
    out.push_back({std::move(name), v});
    i = skip_space(text, end);
    if (i == text.size()) return out;
    if (text[i] != ',') throw expr::ParseError(text, i, "expected ',' between NAME=VALUE pairs", option);
    ++i;
  }
}

std::vector<Binding> parse_bindings(const std::vector<std::string>& texts, std::string_view option,
                                    bool allow_non_finite) {
  std::vector<Binding> out;
  std::unordered_set<std::string> seen;
  for (const std::string& t : texts)
    for (Binding& b : parse_bindings(t, option, allow_non_finite)) {
      if (!seen.insert(b.name).second) throw Error(fmt::format("{}: '{}' is given twice", option, b.name));
      out.push_back(std::move(b));
    }
  return out;
}

std::pair<std::string, std::string> parse_let(std::string_view text) {
  std::size_t i = skip_space(text, 0);
  const std::size_t name_at = i;
  if (i >= text.size() || !ident_start(text[i]))
    throw expr::ParseError(text, i, "expected a name, as in --let f=sigmoid(w*x+b)", "--let");
  while (i < text.size() && ident_char(text[i])) ++i;
  std::string name(text.substr(name_at, i - name_at));
  if (name == "pi")
    throw expr::ParseError(text, name_at, "'pi' is a constant; it cannot be redefined", "--let");
  i = skip_space(text, i);
  if (i >= text.size() || text[i] != '=')
    throw expr::ParseError(text, i, fmt::format("expected '=' after '{}'", name), "--let");
  return {std::move(name), std::string(text.substr(i + 1))};
}

std::pair<double, double> parse_range(std::string_view text) {
  const std::size_t colon = text.find(':', text.empty() ? 0 : 1);  // the first ':' after a possible sign
  if (colon == std::string_view::npos)
    throw expr::ParseError(text, text.size(), "expected LO:HI, as in -3:3", "--range");
  const std::size_t b = skip_space(text, 0);
  std::size_t e = colon;
  while (e > b && is_space(text[e - 1])) --e;
  const double lo = parse_number(text, b, e, "--range", "the lower end");
  const std::size_t b2 = skip_space(text, colon + 1);
  std::size_t e2 = text.size();
  while (e2 > b2 && is_space(text[e2 - 1])) --e2;
  const double hi = parse_number(text, b2, e2, "--range", "the upper end");
  if (!(lo < hi))
    throw expr::ParseError(text, 0, "the lower end must be smaller than the upper end", "--range");
  return {lo, hi};
}

std::vector<std::size_t> parse_wrt(const std::string& wrt, const std::vector<Binding>& point) {
  std::vector<std::size_t> out;
  if (wrt.empty()) {
    for (std::size_t k = 0; k < point.size(); ++k) out.push_back(k);
    return out;
  }
  std::unordered_map<std::string_view, std::size_t> index;  // name -> its place in point
  for (std::size_t k = 0; k < point.size(); ++k) index.emplace(point[k].name, k);
  std::vector<bool> given(point.size(), false);
  std::size_t start = 0;
  while (start <= wrt.size()) {
    std::size_t end = wrt.find(',', start);
    if (end == std::string::npos) end = wrt.size();
    std::string name = wrt.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!is_identifier(name))
      throw expr::ParseError(wrt, start, "expected a variable name (as in --wrt w,b)", "--wrt");
    const auto it = index.find(name);
    if (it == index.end())
      throw expr::ParseError(
          wrt, start, fmt::format("'{}' is not a variable of --at (give it a value there)", name), "--wrt");
    const std::size_t k = it->second;
    if (given[k]) throw expr::ParseError(wrt, start, fmt::format("'{}' is given twice", name), "--wrt");
    given[k] = true;
    out.push_back(k);
    start = end + 1;
  }
  return out;
}

std::string read_expression(const std::string& arg) {
  if (arg != "-") return arg;
  std::string out;
  char buf[1 << 16];
  while (true) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
    out.append(buf, n);
    if (out.size() > expr::kMaxSourceBytes)
      throw Error(fmt::format("the expression on standard input is over 100 MB (the limit is {} bytes)",
                              expr::kMaxSourceBytes));
    if (n < sizeof buf) break;
  }
  if (std::ferror(stdin)) throw Error("could not read the expression from standard input");
  // A UTF-8 byte-order mark (Windows editors write one) is not part of the expression.
  if (out.starts_with("\xEF\xBB\xBF")) out.erase(0, 3);
  return out;
}

}  // namespace gradlab::cli
