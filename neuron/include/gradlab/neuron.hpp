#pragma once
/// @file neuron.hpp
/// Everything of gradlab's neuron module: activation and loss records and their registries, the
/// neuron with its three-way gradient check, the optimizers, and the article's setup.
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/activations.hpp"
#include "gradlab/neuron/article.hpp"
#include "gradlab/neuron/loss.hpp"
#include "gradlab/neuron/neuron.hpp"
#include "gradlab/neuron/optimizer.hpp"
#include "gradlab/neuron/report.hpp"
