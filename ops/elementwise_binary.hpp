#pragma once
// Elementwise binary ops with NumPy broadcasting. Rules return cotangents of the broadcast shape;
// the engine sums them back to each input's shape (ops/op.hpp, unbroadcast).
#include "../tensor/math.hpp"
#include "elementwise_unary.hpp"  // mul_zero_wins
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

// y = a + b      vjp: abar = ybar, bbar = ybar      jvp: dy = da + db
struct Add {
    static constexpr const char* name = "add";
    static constexpr int arity = 2;
    static constexpr unsigned saves = 0;  // the VJP reads shapes only
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::add(a, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = c[1] = a.gy;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(a.dx[0], a.dx[1]);
    }
    static Samples samples() { return binary_samples(Domain::any, Domain::any); }
};

// y = a - b      vjp: abar = ybar, bbar = -ybar     jvp: dy = da - db
struct Sub {
    static constexpr const char* name = "sub";
    static constexpr int arity = 2;
    static constexpr unsigned saves = 0;  // the VJP reads shapes only
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::sub(a, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = a.gy;
        if (a.need(1)) c[1] = -a.gy;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(a.dx[0], tangent_map(a.dx[1], [](const Var<T>& d) { return -d; }));
    }
    static Samples samples() { return binary_samples(Domain::any, Domain::any); }
};

// y = a b        vjp: abar = ybar b, bbar = ybar a  jvp: dy = da b + a db
struct Mul {
    static constexpr const char* name = "mul";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::mul(a, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (a.need(0)) c[0] = a.gy * a.x[1];
        if (a.need(1)) c[1] = a.gy * a.x[0];
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(tangent_map(a.dx[0], [&](const Var<T>& d) { return d * a.x[1]; }),
                           tangent_map(a.dx[1], [&](const Var<T>& d) { return a.x[0] * d; }));
    }
    static Samples samples() { return binary_samples(Domain::any, Domain::any); }
};

// y = a / b      vjp: abar = ybar / b, bbar = -ybar y / b     jvp: dy = (da - y db) / b
struct Div {
    static constexpr const char* name = "div";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::div(a, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (a.need(0)) c[0] = a.gy / a.x[1];
        if (a.need(1))
            c[1] = plain_mode() ? Var<T>(div_rhs_vjp(a.gy.value(), a.y.value(), a.x[1].value()))
                                : -(a.gy * a.y) / a.x[1];
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T> num = tangent_add(a.dx[0],
                                       tangent_map(a.dx[1], [&](const Var<T>& d) { return -(a.y * d); }));
        return tangent_map(num, [&](const Var<T>& n) { return n / a.x[1]; });
    }
    static Samples samples() { return binary_samples(Domain::any, Domain::nonzero); }
};

// y = a^b        vjp: abar = ybar b a^(b-1), bbar = ybar y log(a)
// log(a) is replaced by 0 where a == 0: there y = 0 (b > 0) and the true limit of y log(a) is 0,
// where the plain formula would give 0 * -inf = NaN. Where b == 0, d/da is exactly 0 (y is the
// constant 1; as PyTorch), also at a = 0: the exponent b - 1 becomes b there, so b a^b = 0, never
// 0 * inf. a^(b-1) is infinite at a = 0 for b < 1: a zero (co)tangent wins (NOTE [zero cotangents]
// in elementwise_unary.hpp).
struct Pow {
    static constexpr const char* name = "pow";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::pow(a, b);
    }
    template <class T>
    static Var<T> dbase(const Var<T>& a, const Var<T>& b) {
        return b * pow(a, b - T(1) + Var<T>(tg::equal(b.value(), Tensor<T>::scalar(T(0)))));
    }
    template <class T>
    static Var<T> log_base(const Var<T>& a) {
        return log(a + Var<T>(tg::equal(a.value(), Tensor<T>::scalar(T(0)))));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode()) {  // the same formulas, one pass each (tensor/math_vjp.cpp)
            if (a.need(0)) c[0] = Var<T>(pow_lhs_vjp(a.gy.value(), a.x[0].value(), a.x[1].value()));
            if (a.need(1)) c[1] = Var<T>(pow_rhs_vjp(a.gy.value(), a.y.value(), a.x[0].value()));
            return;
        }
        if (a.need(0)) c[0] = mul_zero_wins(a.gy, dbase(a.x[0], a.x[1]));
        if (a.need(1)) c[1] = a.gy * a.y * log_base(a.x[0]);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(
            tangent_map(a.dx[0], [&](const Var<T>& d) { return mul_zero_wins(d, dbase(a.x[0], a.x[1])); }),
            tangent_map(a.dx[1], [&](const Var<T>& d) { return d * a.y * log_base(a.x[0]); }));
    }
    static Samples samples() { return binary_samples(Domain::positive, Domain::any); }
};

}  // namespace tg::ops
