#pragma once
// Every solver op's declaration (what solver_registry.cpp and the registry tests instantiate).
#include "solver_list.hpp"
// roots family
#include "kepler.hpp"
