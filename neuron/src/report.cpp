#include "gradlab/neuron/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gradlab {

void Difference::include(double a, double b) {
  const double d = std::abs(a - b);
  const double scale = std::max(std::abs(a), std::abs(b));
  // NaN on either side must show up as a failure, not vanish in std::max.
  const double rel = d == 0.0 ? 0.0 : (std::isnan(d) ? d : d / scale);
  abs = std::isnan(d) || std::isnan(abs) ? std::nan("") : std::max(abs, d);
  this->rel = std::isnan(rel) || std::isnan(this->rel) ? std::nan("") : std::max(this->rel, rel);
  pairs_.emplace_back(a, b);
}

double Difference::worst_excess(double atol, double rtol) const {
  double worst = -1.0;
  for (auto [a, b] : pairs_) {
    const double excess = std::abs(a - b) - (atol + rtol * std::max(std::abs(a), std::abs(b)));
    if (std::isnan(excess)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, excess);
  }
  return worst;
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, std::string_view align) {
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string& cell = c < row.size() ? row[c] : std::string();
      if (c > 0) out += "  ";
      const bool left = c < align.size() ? align[c] == '<' : c == 0;
      if (left && c + 1 == width.size())
        out += cell;  // no trailing spaces
      else
        out += left ? fmt::format("{:<{}}", cell, width[c]) : fmt::format("{:>{}}", cell, width[c]);
    }
    out += '\n';
  };
  line(header);
  std::size_t total = 0;
  for (std::size_t w : width) total += w;
  out += std::string(total + 2 * (width.size() - 1), '-') + '\n';
  for (const auto& r : rows) line(r);
  return out;
}

std::string full_precision(double v) { return fmt::format("{:.17g}", v); }
std::string short_sci(double v) { return fmt::format("{:.2e}", v); }

}  // namespace gradlab
