#include "options.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <unordered_set>

#include "gradlab/neuron/csv.hpp"

namespace gradlab::cli {

void ExprOptions::add_to(CLI::App& app, bool with_json) {
  app.add_option("EXPR", expr, "the expression, e.g. 'sigmoid(w*x+b)'; '-' reads it from standard input")
      ->required();
  app.add_option("--let", lets, "NAME=EXPR: a named subexpression, usable after it (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--at", at, "the point: NAME=VALUE pairs, e.g. w=0.5,b=-1 (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--detect-anomaly", detect_anomaly,
               "stop at the first NaN or Inf and name the op and its position in the expression");
  if (with_json) app.add_flag("--json", json, "print one JSON object (numbers round-trip exactly)");
}

const CLI::Validator kPositiveFinite(
    [](std::string& s) {
      double v = 0;
      const bool ok = CLI::detail::lexical_cast(s, v) && std::isfinite(v) && v > 0;
      return ok ? std::string() : fmt::format("expected a finite number > 0, got '{}'", s);
    },
    "NUMBER > 0");

namespace {
CLI::Validator whole_number_from(int lowest) {
  return {[lowest](std::string& s) {
            int v = 0;
            const bool ok = CLI::detail::lexical_cast(s, v) && v >= lowest;
            return ok ? std::string()
                      : fmt::format("expected a whole number from {} to {}, got '{}'", lowest,
                                    std::numeric_limits<int>::max(), s);
          },
          "COUNT"};
}
}  // namespace

const CLI::Validator kCount = whole_number_from(0);
const CLI::Validator kPositiveCount = whole_number_from(1);

const CLI::Validator kNonEmptyDir(
    [](std::string& s) { return s.empty() ? std::string("expected a directory name, got ''") : ""; }, "DIR");

const CLI::Validator kDistinctNames(
    [](std::string& s) {
      std::unordered_set<std::string> seen;
      const std::vector<std::string> names = split_names(s);
      if (names.empty()) return fmt::format("expected a list of names such as a,b, got '{}'", s);
      for (const std::string& n : names) {
        if (n.empty()) return fmt::format("an empty name in '{}'", s);
        if (!seen.insert(n).second) return fmt::format("'{}' is given twice in '{}'", n, s);
      }
      return std::string();
    },
    "NAMES");

}  // namespace gradlab::cli
