// libFuzzer target: the expression parser and evaluator must never crash, only throw gradlab::Error.
// Every name gets a value, so evaluation and the reverse sweep run too. The registered activations
// are callable by name, as in the CLI.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gradlab/expr.hpp"
#include "gradlab/neuron/activation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gradlab;
  static const bool registered = (register_builtin_activations(), true);  // leaky_relu, gelu ... by name
  (void)registered;
  try {
    const expr::Expression e = expr::parse(std::string(reinterpret_cast<const char*>(data), size));
    Tape tape;
    TapeScope scope(tape);
    expr::Evaluator ev(tape);
    double v = 0.25;
    for (const std::string& name : e.names()) ev.bind(name, tape.variable(v += 0.5));
    const Var y = ev.evaluate(e);
    std::vector<double> adj;
    ev.backward(y.index(), adj);
    for (Index i = 0; i <= y.index(); ++i) (void)ev.formula(i);
  } catch (const gradlab::Error&) {}
  return 0;
}
