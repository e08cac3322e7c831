// libFuzzer target: the CSV loader must never crash, only throw CsvError; a table it returns is
// whole (every row as long as the header, every value finite), and column selection on it works.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gradlab/neuron/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gradlab;
  try {
    const CsvTable t = parse_csv(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    if (t.columns.empty() || t.values.rows() == 0 ||
        t.values.cols() != static_cast<Eigen::Index>(t.columns.size()) ||
        t.lines.size() != static_cast<std::size_t>(t.values.rows()) || !t.values.allFinite())
      std::abort();
    const Dataset d = select_columns(t);
    if (d.X.rows() != d.y.size() || d.X.cols() + 1 != static_cast<Eigen::Index>(t.columns.size()))
      std::abort();
  } catch (const CsvError&) {}
  return 0;
}
