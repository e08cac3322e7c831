// Checks the course exercises: `exercises` checks all of them, `exercises 2 3` only those.
// Built from the student's files (target check-exercises) and from the solutions (the test suite).
#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <string_view>
#include <vector>

#include "checker.hpp"
#include "exercises.hpp"

using namespace gradlab::exercises;

int main(int argc, char** argv) {
  const std::vector<std::function<Report()>> checks = {
      [] { return check_sigmoid_derivative(sigmoid_derivative); },
      [] { return check_one_point(one_point_grad); },
      [] { return check_data_set(data_set_grad); },
      [] { return check_tanh_neuron(tanh_neuron_grad); },
      [] { return check_relu_neuron(relu_neuron_grad); },
      [] { return check_bce_sigmoid(bce_sigmoid_grad); },
      [] { return check_softmax_ce_delta(softmax_ce_delta); },
      [] { return check_hidden_layer_grad(hidden_layer_grad); },
  };
  std::vector<std::size_t> chosen;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
    if (ec != std::errc() || end != arg.data() + arg.size() || n < 1 || n > checks.size()) {
      fmt::print(stderr, "usage: {} [EXERCISE...]  (exercise numbers 1 to {}; got \"{}\")\n", argv[0],
                 checks.size(), arg);
      return 2;
    }
    chosen.push_back(n);
  }
  if (chosen.empty()) {
    for (std::size_t n = 1; n <= checks.size(); ++n) chosen.push_back(n);
  }
  std::size_t passed = 0;
  for (std::size_t n : chosen) {
    const Report report = checks[n - 1]();
    fmt::print("{}\n", report.message());
    passed += report.passed() ? 1 : 0;
  }
  fmt::print("{} of {} exercises passed\n", passed, chosen.size());
  return passed == chosen.size() ? 0 : 1;
}
