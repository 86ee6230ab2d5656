#pragma once
// Inverted dropout: y = x m, m = 0 with probability p (Attrs::scalar), 1 / (1 - p) otherwise,
// drawn from Attrs::seed alone: the forward, the VJP and the JVP regenerate the same mask, and so
// does every run with that seed. vjp: xbar = ybar m    jvp: dy = dx m
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "nn_kernels.hpp"
#include "samples.hpp"

namespace tg::ops {

struct Dropout {
    static constexpr const char* name = "dropout";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;  // the rule reads the mask, regenerated from the seed
    template <class T>
    static Tensor<T> mask(const Shape& s, const Attrs& a) {
        return kernels::dropout_mask<T>(s, a.scalar, a.seed);
    }
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::mul(x, mask<T>(x.shape(), a));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Tensor<T> m = mask<T>(a.x[0].shape(), a.attrs);
        c[0] = plain_mode() ? Var<T>(tg::mul(a.gy.value(), m)) : a.gy * Var<T>(m);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0],
                           [&](const Var<T>& d) { return d * Var<T>(mask<T>(a.x[0].shape(), a.attrs)); });
    }
    static Attrs with(double p, std::uint64_t seed) {
        Attrs a;
        a.scalar = p;
        a.seed = seed;
        return a;
    }
    static Samples samples() {
        return {sample({{{3, 5}}}, "p = 0.3", with(0.3, 7)),
                sample({{{2, 3, 4}}}, "p = 0.5, 3-D", with(0.5, 11)),
                sample({{{3, 4}}}, "p = 0 (identity)", with(0.0, 3)),
                sample({{{4, 3}, Domain::any, true}}, "transposed view", with(0.2, 5)),
                sample({{{0, 3}}}, "empty", with(0.5, 1))};
    }
};

}  // namespace tg::ops
