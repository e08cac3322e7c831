#pragma once
/// @file autodiff.hpp
/// Everything of gradlab's reverse-mode engine: Var and Tape, the primitives, and the functional API.
#include "gradlab/autodiff/error.hpp"
#include "gradlab/autodiff/functional.hpp"
#include "gradlab/autodiff/ops.hpp"
#include "gradlab/autodiff/tape.hpp"
