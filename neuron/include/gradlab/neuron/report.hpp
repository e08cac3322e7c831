#pragma once
/// @file report.hpp
/// Pieces shared by the check reports: how far apart numbers are, and aligned text tables.
#include <string>
#include <string_view>
#include <vector>

namespace gradlab {

/// The largest differences seen between pairs of numbers that should agree.
/// abs = |a - b|;  rel = |a - b| / max(|a|, |b|)  (0 when a = b, including a = b = 0).
struct Difference {
  double abs = 0.0;
  double rel = 0.0;
  /// Takes the pair (a, b) into account.
  void include(double a, double b);
  /// True when |a - b| <= atol + rtol max(|a|, |b|) held for every pair included.
  [[nodiscard]] bool within(double atol, double rtol) const { return worst_excess(atol, rtol) <= 0.0; }

 private:
  [[nodiscard]] double worst_excess(double atol, double rtol) const;
  std::vector<std::pair<double, double>> pairs_;
};

/// An aligned text table: a header, a rule, the rows. `align` has one character per column, '<' (left)
/// or '>' (right); by default the first column is left-aligned and the others right-aligned.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, std::string_view align = {});

/// A number with 17 significant digits (round-trips a double exactly).
std::string full_precision(double v);
/// A number in short scientific notation, for differences.
std::string short_sci(double v);

}  // namespace gradlab
