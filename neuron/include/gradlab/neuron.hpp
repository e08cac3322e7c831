#pragma once
/// @file neuron.hpp
/// Everything of gradlab's neuron module: activation and loss records and their registries, the
/// neuron with its three-way gradient check, the optimizers, the article's setup, CSV data sets,
/// training on them (fit). The gnuplot figures are gradlab/figures.hpp (target gradlab::figures).
#include "gradlab/neuron/activation.hpp"
#include "gradlab/neuron/activations.hpp"
#include "gradlab/neuron/article.hpp"
#include "gradlab/neuron/csv.hpp"
#include "gradlab/neuron/fit.hpp"
#include "gradlab/neuron/loss.hpp"
#include "gradlab/neuron/neuron.hpp"
#include "gradlab/neuron/optimizer.hpp"
#include "gradlab/neuron/report.hpp"
