#pragma once
/// @file model_file.hpp
/// The model file: a network (and the standardisation it was trained with) as JSON,
///
///     {"format": "gradlab-network", "version": 1, "inputs": D, "loss": "ce"|"bce"|"mse",
///      "layers": [{"units": H, "activation": "relu", "W": [[...], ...], "b": [...]}, ...],
///      "standardize": {"mean": [...], "scale": [...]}}
///
/// W is units x inputs of the layer, one inner array per row; "standardize" only when the model
/// was trained with it. Numbers are written in their shortest form that reads back to the same
/// double, so a model round-trips exactly. A malformed file is an Error naming the file and the
/// field (e.g. `layers[1].W[0][3]`).
#include <optional>
#include <string>
#include <string_view>

#include "gradlab/networks/network.hpp"
#include "gradlab/neuron/fit.hpp"

namespace gradlab {

/// A network and its input standardisation, if any.
struct Model {
  Network network;
  std::optional<Standardization> standardize;
};

/// The model as JSON text (ends with a newline).
std::string model_to_json(const Network& net,
                          const std::optional<Standardization>& standardize = std::nullopt);
/// Parses a model; `source` names it in errors.
Model model_from_json(std::string_view text, const std::string& source);
/// Writes the model file; throws Error naming the file when it cannot be written.
void save_model(const std::string& path, const Network& net,
                const std::optional<Standardization>& standardize = std::nullopt);
/// Reads a model file; throws Error naming the file (and the field) when it cannot.
Model load_model(const std::string& path);

}  // namespace gradlab
