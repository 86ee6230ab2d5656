#pragma once
// Forward-mode drivers for templated user functions, built on tg::Dual:
//
//   double d  = tg::derivative(f, x);        // f: S -> S                       one pass
//   auto g    = tg::gradient_fwd(f, x);      // f: vector<S> -> S               ceil(n / 8) passes
//   auto J    = tg::jacobian_fwd(f, x);      // f: vector<S> -> vector<S>       ceil(n / 8) passes, [m, n]
//   auto H    = tg::hessian(f, x);           // f: vector<S> -> S, nested Duals  b (b + 1) / 2 passes, [n, n]
//
// f is a generic lambda or function object: `[](const auto& x) { ... }`, called with a
// const std::vector<S>& (or, if it only takes that, a std::span<const S>) where S is a Dual. Gradients
// pack N directions (default 8) into one Dual<T, N>, so one pass yields N partial derivatives.
// The Hessian is forward-over-forward: S = Dual<Dual<T, B>, B> carries a block of B rows (outer
// directions) and a block of B columns (inner directions); only blocks on or above the diagonal are
// evaluated (b = ceil(n / B) row blocks) and mirrored.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../tensor/error.hpp"
#include "../tensor/tensor.hpp"
#include "dual.hpp"
#include "scalar_call.hpp"

namespace tg {

namespace detail {

// True for what a scalar function may return when given S: S itself, or a plain number (a
// function that ignores its input returns a constant).
template <class R, class S>
inline constexpr bool scalar_result_v = std::is_same_v<std::remove_cvref_t<R>, S> ||
                                        std::is_arithmetic_v<std::remove_cvref_t<R>>;

template <class S, class R>
auto tangent_or_zero(const R& y, int k) {
    if constexpr (std::is_arithmetic_v<R>) return typename S::value_type(0);
    else return y.tangent(k);
}

template <class X>
using real_for_t = std::conditional_t<std::is_floating_point_v<X>, X, double>;
}  // namespace detail

/// f'(x) for a scalar function f: S -> S (S = Dual<T>), in one forward pass. T is x's type if it is
/// floating point, else double.
template <class F, class X>
requires std::is_arithmetic_v<X> detail::real_for_t<X> derivative(F&& f, X x) {
    using T = detail::real_for_t<X>;
    using S = Dual<T>;
    const auto y = f(S::variable(static_cast<T>(x)));
    static_assert(detail::scalar_result_v<decltype(y), S>,
                  "tg::derivative: f must return one scalar of the type it is given (a tg::Dual<T>)");
    return detail::tangent_or_zero<S>(y, 0);
}

/// {f(x), f'(x)} in one forward pass.
template <class F, class X>
requires std::is_arithmetic_v<X> std::pair<detail::real_for_t<X>, detail::real_for_t<X>>
value_and_derivative(F&& f, X x) {
    using T = detail::real_for_t<X>;
    using S = Dual<T>;
    const auto y = f(S::variable(static_cast<T>(x)));
    static_assert(detail::scalar_result_v<decltype(y), S>,
                  "tg::value_and_derivative: f must return one scalar of the type it is given (a tg::Dual<T>)");
    return {static_cast<T>(value_of(y)), detail::tangent_or_zero<S>(y, 0)};
}

/// The gradient of f: vector<S> -> S at x by forward mode, N directions per pass (ceil(n / N) passes).
/// Prefer reverse mode for large n; this is exact and allocation-light for small and medium n.
template <int N = 8, class F, class T = double>
requires std::is_floating_point_v<T> std::vector<T> gradient_fwd(F&& f, const std::vector<T>& x) {
    using S = Dual<T, N>;
    const std::size_t n = x.size();
    std::vector<S> xs(x.begin(), x.end());
    std::vector<T> g(n);
    for (std::size_t b = 0; b < n; b += N) {
        const std::size_t w = std::min<std::size_t>(N, n - b);
        for (std::size_t k = 0; k < w; ++k) xs[b + k].set_tangent(int(k), T(1));
        const auto y = detail::call_on(f, xs);
        static_assert(
            detail::scalar_result_v<decltype(y), S>,
            "tg::gradient_fwd: f must return one scalar S; for a vector-valued f use tg::jacobian_fwd");
        for (std::size_t k = 0; k < w; ++k) g[b + k] = detail::tangent_or_zero<S>(y, int(k));
        for (std::size_t k = 0; k < w; ++k) xs[b + k] = S(x[b + k]);
    }
    return g;
}

/// The Jacobian of f: vector<S> -> vector<S> (m outputs) at x by forward mode: a Tensor<T> of
/// shape [m, n], N input directions per pass. @throws ShapeError if f changes its output length
/// between passes.
template <int N = 8, class F, class T = double>
requires std::is_floating_point_v<T> Tensor<T> jacobian_fwd(F&& f, const std::vector<T>& x) {
    using S = Dual<T, N>;
    const std::size_t n = x.size();
    std::vector<S> xs(x.begin(), x.end());
    Tensor<T> J;
    std::size_t m = 0;
    for (std::size_t b = 0; b == 0 || b < n; b += N) {  // at least one pass, to learn m
        const std::size_t w = b < n ? std::min<std::size_t>(N, n - b) : 0;
        for (std::size_t k = 0; k < w; ++k) xs[b + k].set_tangent(int(k), T(1));
        const std::vector<S> y = detail::call_on(f, xs);
        if (b == 0) {
            m = y.size();
            J = Tensor<T>(Shape{index_t(m), index_t(n)});
        } else if (y.size() != m) {
            throw ShapeError("jacobian_fwd: f returned " + std::to_string(m) +
                             " outputs on the first pass and " + std::to_string(y.size()) + " on a later one");
        }
        T* out = J.data();
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t k = 0; k < w; ++k) out[i * n + b + k] = y[i].tangent(int(k));
        for (std::size_t k = 0; k < w; ++k) xs[b + k] = S(x[b + k]);
    }
    return J;
}

/// The Hessian of f: vector<S> -> S at x, exact, by forward-over-forward nested Duals
/// (S = Dual<Dual<T, B>, B>): a symmetric Tensor<T> of shape [n, n]. A vector-valued f does not
/// compile (static_assert); use jacobian_fwd of a gradient instead.
template <int B = 4, class F, class T = double>
requires std::is_floating_point_v<T> Tensor<T> hessian(F&& f, const std::vector<T>& x) {
    using Inner = Dual<T, B>;
    using S = Dual<Inner, B>;
    const std::size_t n = x.size();
    std::vector<S> xs(x.begin(), x.end());
    Tensor<T> H(Shape{index_t(n), index_t(n)});
    T* h = H.data();
    for (std::size_t r = 0; r < n; r += B) {      // rows: outer directions
        for (std::size_t c = r; c < n; c += B) {  // columns: inner directions, on or above the diagonal
            const std::size_t wr = std::min<std::size_t>(B, n - r), wc = std::min<std::size_t>(B, n - c);
            for (std::size_t k = 0; k < wr; ++k) xs[r + k].set_tangent(int(k), Inner(T(1)));
            for (std::size_t k = 0; k < wc; ++k) xs[c + k].v.set_tangent(int(k), T(1));
            const auto y = detail::call_on(f, xs);
            static_assert(detail::scalar_result_v<decltype(y), S>,
                          "tg::hessian: f must return one scalar S (the Hessian of a vector-valued function is not "
                          "a matrix); differentiate each output separately or use tg::jacobian_fwd");
            if constexpr (!std::is_arithmetic_v<std::remove_cvref_t<decltype(y)>>) {
                for (std::size_t i = 0; i < wr; ++i)
                    for (std::size_t j = (r == c ? i : 0); j < wc; ++j) {
                        const T hij = y.tangent(int(i)).tangent(int(j));
                        h[(r + i) * n + c + j] = hij;
                        h[(c + j) * n + r + i] = hij;
                    }
            }
            for (std::size_t k = 0; k < wr; ++k) xs[r + k] = S(Inner(x[r + k]));
            for (std::size_t k = 0; k < wc; ++k) xs[c + k] = S(Inner(x[c + k]));
        }
    }
    return H;
}

}  // namespace tg
