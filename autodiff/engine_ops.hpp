#pragma once
// The two differentiable operations the engine itself performs: the sum of two adjoints, and a
// private copy of a gradient that would otherwise share its buffer (NOTE [exclusive] in
// backward.cpp). They are declared here and defined in ops/functions.cpp through the registered
// Add and Copy ops, so they are recorded, carry tangents and are checked like any op, while the
// tape includes nothing from the layers above it.
#include "var.hpp"

namespace tg::detail {

template <class T>
Var<T> engine_add(const Var<T>& a, const Var<T>& b);
template <class T>
Var<T> engine_copy(const Var<T>& x);

}  // namespace tg::detail
