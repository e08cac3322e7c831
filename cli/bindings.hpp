#pragma once
/// @file bindings.hpp
/// The small languages of the command line: `--at w=0.5,b=-1`, `--let f=EXPR`, `--range -3:3`,
/// and reading an EXPR (`-` means standard input). Errors are expr::ParseError with a caret.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gradlab::cli {

/// One `NAME=VALUE` of `--at` or `--direction`.
struct Binding {
  std::string name;
  double value = 0;
};

/// Parses `w=0.5,b=-1` (whitespace allowed around the parts). `option` names the flag in messages.
/// Throws expr::ParseError on a malformed pair, a repeated name, `pi`, a number too large for a
/// double, or (unless allow_non_finite: `inf`, `-inf`, `nan`) a value that is not a finite number;
/// Error when the text is empty.
std::vector<Binding> parse_bindings(std::string_view text, std::string_view option = "--at",
                                    bool allow_non_finite = false);

/// Parses every occurrence of a repeatable `--at` and checks that no name is given twice.
std::vector<Binding> parse_bindings(const std::vector<std::string>& texts, std::string_view option = "--at",
                                    bool allow_non_finite = false);

/// Splits `NAME=EXPR` of `--let` into the name and the expression text.
std::pair<std::string, std::string> parse_let(std::string_view text);

/// Parses `LO:HI` of `--range` (LO < HI, both finite).
std::pair<double, double> parse_range(std::string_view text);

/// The EXPR argument itself, or standard input when it is `-` (at most expr::kMaxSourceBytes; a
/// leading UTF-8 byte-order mark is dropped).
std::string read_expression(const std::string& arg);

/// Parses `--wrt w,b`: every name must be in point, at most once. Empty text: all of point. Returns
/// indices into point.
std::vector<std::size_t> parse_wrt(const std::string& wrt, const std::vector<Binding>& point);

/// Whether s is a name of the expression language ([A-Za-z_][A-Za-z0-9_]*).
bool is_identifier(std::string_view s);

}  // namespace gradlab::cli
