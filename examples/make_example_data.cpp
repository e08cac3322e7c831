// Writes gradlab's two example data sets (the ones in examples/data/), the same bytes every time:
//
//   regression.csv      x,y        y = sigmoid(1.5 x - 0.5) + N(0, 0.03^2) noise, clipped to [0, 1],
//                                  for 60 values of x spread evenly over [-4, 4]: for --loss mse
//   classification.csv  x1,x2,label  two Gaussian clouds of 50 points each (standard deviation 1)
//                                  centred on (-0.5, -0.5) (label 0) and (1, 0.75) (label 1), which overlap:
//                                  for --loss bce
//
// Usage: make_example_data [DIR]   (default: the current directory)
//
// The random numbers come from std::mt19937_64, whose sequence the C++ standard fixes, turned into
// uniform and normal numbers here by hand (std::normal_distribution may differ between libraries).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>

namespace {

/// A uniform number in [0, 1) from the top 53 bits of one draw.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// A standard normal number (Box-Muller: sqrt(-2 ln u1) cos(2 pi u2)).
double normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - uniform(rng);  // in (0, 1]: the log is finite
  const double u2 = uniform(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// A number rounded to 4 decimals, as written to the file.
std::string fixed4(double v) {
  std::string s = fmt::format("{:.4f}", v);
  return s == "-0.0000" ? "0.0000" : s;
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  fmt::print("wrote {}\n", path.string());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::filesystem::path dir = argc > 1 ? argv[1] : ".";
    std::filesystem::create_directories(dir);

    std::mt19937_64 rng(20240601);
    std::string reg =
        "# gradlab example data (examples/make_example_data.cpp): y = sigmoid(1.5 x - 0.5) + noise\nx,y\n";
    for (int i = 0; i < 60; ++i) {
      const double x = -4.0 + 8.0 * i / 59.0;
      const double y = 1.0 / (1.0 + std::exp(-(1.5 * x - 0.5))) + 0.03 * normal(rng);
      reg += fmt::format("{},{}\n", fixed4(x), fixed4(std::clamp(y, 0.0, 1.0)));
    }
    write(dir / "regression.csv", reg);

    std::string cls =
        "# gradlab example data (examples/make_example_data.cpp): two Gaussian clouds, label 0 and 1\n"
        "x1,x2,label\n";
    for (int i = 0; i < 100; ++i) {
      const int label = i % 2;
      const double cx = label ? 1.0 : -0.5;
      const double cy = label ? 0.75 : -0.5;
      const double x1 = cx + normal(rng);
      const double x2 = cy + normal(rng);
      cls += fmt::format("{},{},{}\n", fixed4(x1), fixed4(x2), label);
    }
    write(dir / "classification.csv", cls);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_example_data: %s\n", e.what());
    return 1;
  }
}
