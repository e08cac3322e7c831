#include "figure_output.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <iostream>

namespace gradlab::cli {

figures::Options figure_options() {
  figures::Options o;
  if (const char* g = std::getenv("GRADLAB_GNUPLOT"); g && *g) o.gnuplot = g;
  return o;
}

void print_figure_report(const figures::Report& r, bool json_mode) {
  std::ostream& out = json_mode ? std::cerr : std::cout;
  if (r.gnuplot_missing)
    std::cerr << "gradlab: note: gnuplot was not found, so no images were drawn; the data and the .gp "
                 "scripts are in "
              << r.dir << " (install gnuplot-nox, then run `gnuplot NAME.gp` there)\n";
  for (const std::string& e : r.errors) std::cerr << "gradlab: warning: " << e << '\n';
  if (!json_mode) out << fmt::format("wrote to {}: {}\n", r.dir, fmt::join(r.files, ", "));
}

}  // namespace gradlab::cli
