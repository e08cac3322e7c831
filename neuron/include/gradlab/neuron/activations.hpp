#pragma once
/// @file activations.hpp
/// The built-in activation records: the registry, the engine op, the checks and the docs come from
/// them. A record defines its activation's value and texts; its derivative is the record's `d`, or,
/// for the records that name an engine op (sigmoid, tanh, relu, softplus), that op's rule in
/// autodiff/ops.hpp, which is then the one place where the derivative is written.
#include <array>
#include <limits>
#include <numbers>

#include "gradlab/neuron/activation.hpp"

namespace gradlab::activations {

/// sigmoid: f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))
struct Sigmoid {
  static constexpr const char* name = "sigmoid";
  static constexpr const char* formula = "f(x) = 1 / (1 + exp(-x))";
  static constexpr const char* formula_latex = R"(f(x) = \frac{1}{1 + e^{-x}})";
  static constexpr const char* derivative = "f'(x) = f(x) (1 - f(x))";
  static constexpr const char* derivative_latex = R"(f'(x) = f(x)\,\bigl(1 - f(x)\bigr))";
  static constexpr const char* kink = "smooth everywhere (no kink)";
  static constexpr Domain domain{-8.0, 8.0};
  static constexpr Domain range{0.0, 1.0};  // the outputs it can give (open ends)
  using engine_op = ops::Sigmoid;
  template <class T> static T value(const T& x) { return ops::sigmoid(x); }
};

/// tanh: f(x) = (e^x - e^-x) / (e^x + e^-x);  f'(x) = 1 - f(x)^2
struct Tanh {
  static constexpr const char* name = "tanh";
  static constexpr const char* formula = "f(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))";
  static constexpr const char* formula_latex = R"(f(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}})";
  static constexpr const char* derivative = "f'(x) = 1 - f(x)^2";
  static constexpr const char* derivative_latex = R"(f'(x) = 1 - f(x)^2)";
  static constexpr const char* kink = "smooth everywhere (no kink)";
  static constexpr Domain domain{-4.0, 4.0};
  static constexpr Domain range{-1.0, 1.0};
  using engine_op = ops::Tanh;
  template <class T> static T value(const T& x) { return ops::tanh(x); }
};

/// relu: f(x) = max(x, 0);  f'(x) = 1 for x > 0, 0 for x <= 0
struct Relu {
  static constexpr const char* name = "relu";
  static constexpr const char* formula = "f(x) = max(x, 0)";
  static constexpr const char* formula_latex = R"(f(x) = \max(x, 0))";
  static constexpr const char* derivative = "f'(x) = 1 if x > 0, else 0";
  static constexpr const char* derivative_latex =
      R"(f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases})";
  static constexpr const char* kink = "f'(0) = 0 (as PyTorch): a unit with x <= 0 passes no gradient";
  static constexpr Domain domain{-4.0, 4.0};
  static constexpr Domain range{0.0, std::numeric_limits<double>::infinity()};
  static constexpr std::array<double, 1> kinks{0.0};
  using engine_op = ops::Relu;
  template <class T> static T value(const T& x) { return ops::relu(x); }
};

/// leaky_relu: f(x) = x for x > 0, alpha x otherwise;  f'(x) = 1 for x > 0, alpha otherwise
struct LeakyRelu {
  static constexpr const char* name = "leaky_relu";
  static constexpr const char* formula = "f(x) = x if x > 0, else alpha x   (alpha = 0.01)";
  static constexpr const char* formula_latex =
      R"(f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases})";
  static constexpr const char* derivative = "f'(x) = 1 if x > 0, else alpha";
  static constexpr const char* derivative_latex =
      R"(f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases})";
  static constexpr const char* kink = "f'(0) = alpha, the left slope (as PyTorch)";
  static constexpr Domain domain{-4.0, 4.0};
  static constexpr std::array<double, 1> kinks{0.0};
  static constexpr double default_alpha = 0.01;
  // alpha x + (1 - alpha) relu(x): equal to relu(x) - alpha relu(-x), and written so that autodiff
  // through it gives f'(0) = alpha + (1 - alpha) relu'(0) = alpha, the same kink convention as d.
  template <class T> static T value(const T& x, double alpha) {
    return alpha * x + (1.0 - alpha) * ops::relu(x);
  }
  template <class T> static T d(const T& x, double alpha) { return alpha + (1.0 - alpha) * ops::step(x); }
};

/// elu: f(x) = x for x > 0, alpha (e^x - 1) otherwise;  f'(x) = 1 for x > 0, alpha e^x otherwise
struct Elu {
  static constexpr const char* name = "elu";
  static constexpr const char* formula = "f(x) = x if x > 0, else alpha (exp(x) - 1)   (alpha = 1)";
  static constexpr const char* formula_latex =
      R"(f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases})";
  static constexpr const char* derivative = "f'(x) = 1 if x > 0, else alpha exp(x)";
  static constexpr const char* derivative_latex =
      R"(f'(x) = \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases})";
  static constexpr const char* kink = "f'(0) = alpha, the left slope (as PyTorch); no kink when alpha = 1";
  static constexpr Domain domain{-4.0, 4.0};
  static constexpr std::array<double, 1> kinks{0.0};
  static constexpr double default_alpha = 1.0;
  // relu(x) + alpha (e^min(x,0) - 1), with min(x, 0) written as x - relu(x): e^x never overflows,
  // and autodiff gives f'(0) = alpha like d (min's 1/2-1/2 tie rule would give alpha / 2).
  template <class T> static T value(const T& x, double alpha) {
    return ops::relu(x) + alpha * (ops::exp(x - ops::relu(x)) - 1.0);
  }
  template <class T> static T d(const T& x, double alpha) {
    const T positive = ops::step(x);  // min(x, 0) = x - relu(x), as in value
    return positive + alpha * ops::exp(x - ops::relu(x)) * (1.0 - positive);
  }
};

/// softplus: f(x) = ln(1 + e^x);  f'(x) = sigmoid(x)
struct Softplus {
  static constexpr const char* name = "softplus";
  static constexpr const char* formula = "f(x) = ln(1 + exp(x))";
  static constexpr const char* formula_latex = R"(f(x) = \ln\bigl(1 + e^{x}\bigr))";
  static constexpr const char* derivative = "f'(x) = sigmoid(x) = 1 / (1 + exp(-x))";
  static constexpr const char* derivative_latex = R"(f'(x) = \sigma(x) = \frac{1}{1 + e^{-x}})";
  static constexpr const char* kink = "smooth everywhere (no kink)";
  static constexpr Domain domain{-8.0, 8.0};
  static constexpr Domain range{0.0, std::numeric_limits<double>::infinity()};
  using engine_op = ops::Softplus;
  template <class T> static T value(const T& x) { return ops::softplus(x); }
};

/// silu (swish): f(x) = x sigmoid(x);  f'(x) = s (1 + x (1 - s)) with s = sigmoid(x)
struct Silu {
  static constexpr const char* name = "silu";
  static constexpr const char* formula = "f(x) = x sigmoid(x)";
  static constexpr const char* formula_latex = R"(f(x) = x\,\sigma(x))";
  static constexpr const char* derivative = "f'(x) = s (1 + x (1 - s)),  s = sigmoid(x)";
  static constexpr const char* derivative_latex = R"(f'(x) = \sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr))";
  static constexpr const char* kink = "smooth everywhere (no kink)";
  static constexpr Domain domain{-6.0, 6.0};
  template <class T> static T value(const T& x) { return x * ops::sigmoid(x); }
  template <class T> static T d(const T& x) {
    const T s = ops::sigmoid(x);
    return s * (1.0 + x * (1.0 - s));
  }
};

/// gelu (erf form): f(x) = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2;  f'(x) = Phi(x) + x phi(x)
struct Gelu {
  static constexpr const char* name = "gelu";
  static constexpr const char* formula = "f(x) = x Phi(x),  Phi(x) = (1 + erf(x / sqrt(2))) / 2";
  static constexpr const char* formula_latex =
      R"(f(x) = x\,\Phi(x) = \frac{x}{2}\Bigl(1 + \operatorname{erf}\frac{x}{\sqrt{2}}\Bigr))";
  static constexpr const char* derivative = "f'(x) = Phi(x) + x exp(-x^2 / 2) / sqrt(2 pi)";
  static constexpr const char* derivative_latex = R"(f'(x) = \Phi(x) + \frac{x\,e^{-x^2/2}}{\sqrt{2\pi}})";
  static constexpr const char* kink = "smooth everywhere (no kink)";
  static constexpr Domain domain{-4.0, 4.0};
  template <class T> static T value(const T& x) { return x * Phi(x); }
  template <class T> static T d(const T& x) {
    constexpr double inv_sqrt_2pi = std::numbers::inv_sqrtpi / std::numbers::sqrt2;
    return Phi(x) + x * ops::exp(-0.5 * x * x) * inv_sqrt_2pi;
  }
  /// The standard normal CDF: Phi(x) = (1 + erf(x / sqrt 2)) / 2.
  template <class T> static T Phi(const T& x) { return 0.5 * (1.0 + ops::erf(x / std::numbers::sqrt2)); }
};

}  // namespace gradlab::activations
