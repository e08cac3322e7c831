// libFuzzer target: the command-line bindings (--at, --let, --range, --wrt) must only throw gradlab::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bindings.hpp"
#include "common.hpp"
#include "gradlab/neuron/activation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gradlab;
  static const bool registered = (register_builtin_activations(), true);  // as in the CLI
  (void)registered;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto point = cli::parse_bindings(text);
    (void)cli::parse_wrt(text, point);
  } catch (const gradlab::Error&) {}
  try {
    const auto [name, body] = cli::parse_let(text);
    (void)expr::parse(body, "--let " + name);
  } catch (const gradlab::Error&) {}
  try {
    (void)cli::parse_range(text);
  } catch (const gradlab::Error&) {}
  return 0;
}
