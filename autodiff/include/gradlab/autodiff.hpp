#pragma once
/// @file autodiff.hpp
/// Everything of gradlab's reverse-mode engine: Var and Tape, the primitives, the functional API, and
/// matrix nodes (MatVar).
#include "gradlab/autodiff/error.hpp"
#include "gradlab/autodiff/functional.hpp"
#include "gradlab/autodiff/matrix.hpp"
#include "gradlab/autodiff/ops.hpp"
#include "gradlab/autodiff/tape.hpp"
