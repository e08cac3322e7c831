#pragma once
/// @file figure_output.hpp
/// The subcommands that draw figures (article, activations, train): gnuplot's command and the report of
/// what was written.
#include "gradlab/figures.hpp"

namespace gradlab::cli {

/// The figure options of the program (GRADLAB_GNUPLOT in the environment names the gnuplot command).
figures::Options figure_options();
/// Says once when gnuplot is missing, warns about scripts gnuplot failed on, and (unless json_mode)
/// lists the files written.
void print_figure_report(const figures::Report& report, bool json_mode);

}  // namespace gradlab::cli
