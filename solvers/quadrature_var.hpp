#pragma once
// Gauss-Legendre quadrature over Vars on the tape: f maps a Var of nodes to a Var of values
// (elementwise), and the integral is composed of registered ops, so it is differentiable in every
// Var f captures, in reverse and forward mode and to any order, with no rule of its own:
//
//   I = h sum_i w_i f(c + h t_i),  c = (a0 + b0) / 2,  h = (b0 - a0) / 2     (a0, b0: the limits' values)
//
// The nodes sit at the limits' values; the limits' derivatives come from the Leibniz rule as in
// quadrature.hpp, written with Vars: for a limit l with value l0 and d = l - l0 (value 0, derivative 1),
//
//   d int_0^1 f(l0 + s d) ds  ~  d sum_j v_j f(l0 + s_j d),   s_j, v_j: 2-point Gauss on [0, 1],
//
// whose derivatives at d = 0 are f(l0), f'(l0), f''(l0), f'''(l0) for orders 1 to 4 (the 2-point
// rule is exact on the cubics the Taylor terms of orders below 4 bring), added at b, subtracted at a.
#include <cmath>
#include <string>
#include <vector>

#include "../autodiff/forward.hpp"
#include "../ops/functions.hpp"
#include "quadrature.hpp"

namespace tg::solvers {

/// int_a^b f(x) dx by the n-point Gauss-Legendre rule on Vars. a and b hold one element each
/// (constants or Vars that require a gradient); f: (const Var<T>& x) -> Var<T> of x's shape.
/// The result is 0-d. @throws ShapeError (a limit with more than one element, f changing the
/// shape), DomainError (a limit not finite, n outside [1, 10000]).
template <class T, class F>
Var<T> integrate(F&& f, const Var<T>& a, const Var<T>& b, int n) {
    if (a.value().numel() != 1 || b.value().numel() != 1)
        throw ShapeError("integrate: the limits must hold one element each, got shapes " + a.shape().str() +
                         " and " + b.shape().str());
    // through const Tensors: a mutable data() would count as a write to the limits (NOTE [versions])
    const Tensor<T> av = a.value().contiguous(), bv = b.value().contiguous();
    const T a0 = av.data()[0], b0 = bv.data()[0];
    detail::check_limits("integrate", a0, b0);
    const QuadRule r = gauss_legendre_rule(n);
    const T c = a0 / 2 + b0 / 2, h = b0 / 2 - a0 / 2;
    std::vector<T> x(n), w(n);
    for (int i = 0; i < n; ++i) x[i] = c + h * T(r.nodes[i]), w[i] = T(r.weights[i]) * h;
    auto apply_f = [&](const Var<T>& xs) {
        const Var<T> y = f(xs);
        if (!(y.shape() == xs.shape()))
            throw ShapeError("integrate: f must map " + xs.shape().str() +
                             " nodes to values of that shape, got " + y.shape().str());
        return y;
    };
    Var<T> I = sum(Var<T>(Tensor<T>::from_vector(w)) * apply_f(Var<T>(Tensor<T>::from_vector(x))));
    const T s1 = T(0.5) - T(0.5) / std::sqrt(T(3)), s2 = T(0.5) + T(0.5) / std::sqrt(T(3));
    auto leibniz = [&](const Var<T>& lim, T l0) {
        const Var<T> d = reshape(lim, Shape{}) - l0;  // value 0: only its derivatives count
        const Var<T> xs = Var<T>(Tensor<T>::from_vector({s1, s2})) * d + l0;
        return d * (sum(apply_f(xs)) * T(0.5));
    };
    // only for a limit that moves (a constant one would evaluate f at the end, maybe singular there)
    const auto moves = [](const Var<T>& l) { return l.requires_grad() || tangent_of(l).defined(); };
    if (moves(b)) I = I + leibniz(b, b0);
    if (moves(a)) I = I - leibniz(a, a0);
    return I;
}

}  // namespace tg::solvers
