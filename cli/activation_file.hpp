#pragma once
/// @file activation_file.hpp
/// Activations defined in a text file, without rebuilding: `--activations FILE` on every subcommand.
///
///     # a comment
///     mish(x) = x*tanh(softplus(x))
///     mish'(x) = tanh(softplus(x)) + x*sigmoid(x)*(1 - tanh(softplus(x))^2)
///     hard_sigmoid(x) = min(max(x + 3, 0), 6) / 6
///     hard_sigmoid'(x) = step(x + 3)*step(3 - x) / 6
///     kinks: -3, 3
///     domain: -6, 6
///
/// One definition a line, written in the expression language with one variable, and optionally a
/// parameter (`prelu(x, a) = max(x, a*x)`, its default on an `alpha: 0.25` line). It may be followed
/// by its hand derivative (`name'(x) = ...`), its kinks (`kinks: a, b`, where f' jumps) and the
/// interval where the checks sample x (`domain: lo, hi`, default -6, 6). When the file is loaded,
/// each activation is checked three ways (autodiff of the definition, the stated derivative, central
/// differences; at each kink the stated derivative must lie between the one-sided derivatives) and
/// refused, naming the point and the ratio, when they disagree. Then it becomes a full activation
/// record (train --activation, gradlab activations and its table and plots) and an engine op (the
/// expression language, check, grad, explain) whose value is the definition and whose derivative is
/// the stated one (else autodiff of the definition), recorded as nodes in the differentiable sweep,
/// so Hessians through it are exact.
///
/// This loader lives in the CLI layer: it is the one place that already sees both the expression
/// language (expr, which depends only on autodiff) and the activation registry (neuron), so no new
/// arrow is drawn between the libraries, and reading a user's file is a program's business.
#include <cstddef>
#include <string>

#include "commands.hpp"

namespace gradlab::cli {

/// The most activations one program may define from files (each takes a slot of generated code).
inline constexpr std::size_t kMaxFileActivations = 32;

/// Reads, checks and registers the activations of `path`. Throws Error "path:line:column: what"
/// on the first problem (a syntax error's column comes from the expression parser); nothing of a
/// refused definition is registered (earlier ones of the file are).
void load_activation_file(const std::string& path);

/// Adds `--activations FILE` to a subcommand: the file is loaded before the subcommand runs.
void add_activations_file_option(Command& command);

}  // namespace gradlab::cli
