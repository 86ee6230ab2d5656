#pragma once
// Tangent arithmetic where an undefined Var means a zero tangent (nothing is computed for it).
#include "../autodiff/forward.hpp"
#include "functions.hpp"

namespace tg::ops {

template <class T>
Var<T> tangent_add(const Var<T>& a, const Var<T>& b) {
    if (!a.defined()) return b;
    if (!b.defined()) return a;
    return a + b;
}

template <class T, class F>
Var<T> tangent_map(const Var<T>& d, F&& f) {
    return d.defined() ? f(d) : Var<T>();
}

}  // namespace tg::ops
