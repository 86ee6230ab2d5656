#pragma once
// y = a @ b (2-D or batched, batch axes broadcast)
// vjp: abar = ybar @ b^T, bbar = a^T @ ybar (summed over broadcast batch axes by the engine)
// jvp: dy = da @ b + a @ db
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

struct MatMul {
    static constexpr const char* name = "matmul";
    static constexpr int arity = 2;
    template <class T> static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::matmul(a, b);
    }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (a.need(0)) c[0] = matmul(a.gy, transpose(a.x[1]));
        if (a.need(1)) c[1] = matmul(transpose(a.x[0]), a.gy);
    }
    template <class T> static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(tangent_map(a.dx[0], [&](const Var<T>& d) { return matmul(d, a.x[1]); }),
                           tangent_map(a.dx[1], [&](const Var<T>& d) { return matmul(a.x[0], d); }));
    }
    static Samples samples() {
        // Square operands too: with them a rule using B where B^T belongs still has the right
        // shape, and only the values can tell.
        return {sample({{{3, 4}}, {{4, 5}}}, "2-D"),
                sample({{{3, 3}}, {{3, 3}}}, "square 2-D"),
                sample({{{2, 3, 3}}, {{2, 3, 3}}}, "square batched"),
                sample({{{2, 3, 3}}, {{3, 3}}}, "square batched @ broadcast matrix"),
                sample({{{3, 3}, Domain::any, true}, {{3, 3}}}, "square, transposed view"),
                sample({{{1, 3}}, {{3, 1}}}, "row times column"),
                sample({{{2, 3, 4}}, {{2, 4, 2}}}, "batched"),
                sample({{{2, 3, 4}}, {{4, 2}}}, "batched @ broadcast matrix"),
                sample({{{4, 3}, Domain::any, true}, {{3, 5}, Domain::any, true}}, "transposed views")};
    }
};

}  // namespace tg::ops
