#pragma once
// Helpers shared by the solver tests: the message of the tg::Error a call raises, and the largest
// elementwise difference of two tensors of one shape.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <tensorgrad/tensorgrad.hpp>

namespace solver_test {

template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "(no error)";
}

inline double max_abs_diff(const tg::Tensor<double>& a, const tg::Tensor<double>& b) {
    REQUIRE(a.shape() == b.shape());
    double m = 0;
    const auto va = a.to_vector(), vb = b.to_vector();
    for (std::size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
    return m;
}

/// Element i of x as a one-element Var (differentiable in x), for writing residuals by component.
template <class T>
tg::Var<T> component(const tg::Var<T>& x, tg::index_t i) {
    tg::Tensor<T> e(x.shape());
    e.data()[i] = T(1);
    return tg::sum(x * tg::Var<T>(e));
}

}  // namespace solver_test
