#pragma once
/// @file common.hpp
/// What every subcommand includes: the option wiring (options.hpp), the program and its recording
/// (program.hpp), the small languages of the command line (bindings.hpp), output (output.hpp), figures
/// (figure_output.hpp) and the subcommand registry (commands.hpp).
#include "bindings.hpp"
#include "commands.hpp"
#include "figure_output.hpp"
#include "options.hpp"
#include "output.hpp"
#include "program.hpp"
