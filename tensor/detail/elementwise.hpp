#pragma once
// Elementwise kernels: f is a generic lambda over xtensor expressions, so a whole formula
// (sigmoid, a fused backward rule) runs as one xsimd loop with no temporaries.
//
// Three paths, fastest first:
//  1. flat: every input is contiguous with the output's element order (or a single value that
//     broadcasts everywhere): 1-D adaptors, chunked over TBB above the threshold.
//  2. rows: otherwise, the output is walked row by row (last axis); each input row is either
//     contiguous or a value repeated along the row (broadcast), copied into a small buffer.
//  3. inputs whose last axis is strided (transposed views) are made contiguous first.
#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xscalar.hpp>

#include "../tensor.hpp"
#include "parallel.hpp"

namespace tg::detail {

template <class T>
inline auto adapt1(T* p, std::int64_t n) {
    return xt::adapt(p, static_cast<std::size_t>(n), xt::no_ownership(),
                     std::array<std::size_t, 1>{static_cast<std::size_t>(n)});
}

// Runs f over a chunk [b, e) of flat inputs; `scalar[i]` marks single-value inputs.
template <class T, class F, std::size_t K, std::size_t I = 0, class... Args>
void flat_chunk(F& f, T* out, const std::array<const T*, K>& in, const std::array<bool, K>& scalar,
                std::int64_t b, std::int64_t e, const Args&... args) {
    if constexpr (I == K) {
        // All inputs single values cannot happen here (then the output has one element and takes
        // the tiny path): not instantiating that combination saves compile time.
        if constexpr (!(xt::is_xscalar<std::decay_t<Args>>::value && ...)) {
            auto o = adapt1(out + b, e - b);
            xt::noalias(o) = f(args...);
        }
    } else {
        if (scalar[I]) {
            flat_chunk<T, F, K, I + 1>(f, out, in, scalar, b, e, args..., xt::xscalar<T>(in[I][0]));
        } else {
            flat_chunk<T, F, K, I + 1>(f, out, in, scalar, b, e, args..., adapt1(in[I] + b, e - b));
        }
    }
}

// One element through the same formula, on 0-d scalars: for tiny tensors the setup of xtensor
// adaptors and assignment costs more than the arithmetic.
template <class T, class F, std::size_t K, std::size_t... I>
T eval_at(F& f, const std::array<const T*, K>& in, const std::array<bool, K>& scalar, std::int64_t i,
          std::index_sequence<I...>) {
    return static_cast<T>(f(xt::xscalar<T>(in[I][scalar[I] ? 0 : i])...)());
}
inline constexpr std::int64_t tiny_size = 16;

template <class T, class F, std::size_t K, std::size_t... I>
void rows_call(F& f, T* out, std::int64_t len, const std::array<const T*, K>& rows, std::index_sequence<I...>) {
    auto o = adapt1(out, len);
    xt::noalias(o) = f(adapt1(const_cast<T*>(rows[I]), len)...);
}

template <class T>
bool single_value(const Tensor<T>& t) {
    for (int d = 0; d < t.dim(); ++d)
        if (t.strides()[d] != 0 && t.shape()[d] != 1) return false;
    return true;
}

template <class T, class... In>
Shape broadcast_all(const char* op, const In&... inputs) {
    const std::array<const Tensor<T>*, sizeof...(In)> args{&inputs...};
    for (const Tensor<T>* a : args) a->require_defined(op);
    Shape shape = args[0]->shape();
    for (std::size_t i = 1; i < args.size(); ++i) shape = broadcast_shapes(shape, args[i]->shape(), op);
    return shape;
}

/// out = f(inputs...) into an existing contiguous `out` of the broadcast shape. `out` may be one
/// of the inputs itself (an in-place update): every element is read before it is written, at the
/// same position.
template <class T, class F, class... In>
void map_into(Tensor<T>& out, F f, const In&... inputs) {
    constexpr std::size_t K = sizeof...(In);
    const std::array<const Tensor<T>*, K> args{&inputs...};
    const Shape& shape = out.shape();
    const std::int64_t n = out.numel();
    if (n == 0) return;

    std::array<const T*, K> ptr{};
    std::array<bool, K> scalar{};
    bool flat = true;
    for (std::size_t i = 0; i < K; ++i) {
        const index_t ni = args[i]->numel();
        // One value broadcast everywhere, as a 0-d tensor or as a view with every stride 0
        // (what a sum's VJP hands on): read once, never through the row path.
        scalar[i] = n != 1 && (ni == 1 || (ni == n && single_value(*args[i])));
        if (!scalar[i] && !(ni == n && args[i]->is_contiguous())) flat = false;
        ptr[i] = args[i]->data();
    }
    if (flat && n > tiny_size && std::all_of(scalar.begin(), scalar.end(), [](bool s) { return s; })) {
        // Every input is one value broadcast (f of broadcast views): compute it once, then fill.
        const T v = eval_at<T>(f, ptr, scalar, 0, std::make_index_sequence<K>{});
        std::fill_n(out.data(), n, v);
        return;
    }
    if (flat && n <= tiny_size) {
        T* o = out.data();
        for (std::int64_t i = 0; i < n; ++i)
            o[i] = eval_at<T>(f, ptr, scalar, i, std::make_index_sequence<K>{});
        return;
    }
    if (flat) {
        T* o = out.data();
        parallel_chunks(n, [&](std::int64_t b, std::int64_t e) { flat_chunk<T>(f, o, ptr, scalar, b, e); });
        return;
    }

    // Row path: strides of each input in the output's rank (0 on broadcast axes).
    std::array<Tensor<T>, K> in{inputs...};
    const int r = shape.size();
    const std::int64_t len = shape[r - 1];
    std::array<Strides, K> st;
    for (std::size_t i = 0; i < K; ++i) {
        if (in[i].dim() > 0 && in[i].strides()[in[i].dim() - 1] != 1 && in[i].shape()[in[i].dim() - 1] != 1)
            in[i] = in[i].contiguous();
        ptr[i] = std::as_const(in[i]).data();  // a read: no version bump
        st[i] = Shape::filled(r, 0);
        const int off = r - in[i].dim();
        for (int d = 0; d < in[i].dim(); ++d) st[i][d + off] = in[i].shape()[d] == 1 ? 0 : in[i].strides()[d];
    }
    const std::int64_t n_rows = n / len;
    auto run_rows = [&](std::int64_t rb, std::int64_t re) {
        std::array<std::vector<T>, K> buf;
        std::array<const T*, K> rows{};
        Shape idx = Shape::filled(r, 0);
        // index of row rb
        std::int64_t rem = rb;
        for (int d = r - 2; d >= 0; --d) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        for (std::int64_t row = rb; row < re; ++row) {
            for (std::size_t i = 0; i < K; ++i) {
                const T* p = ptr[i];
                for (int d = 0; d < r - 1; ++d) p += idx[d] * st[i][d];
                if (st[i][r - 1] == 0 && len > 1) {
                    buf[i].assign(static_cast<std::size_t>(len), *p);
                    rows[i] = buf[i].data();
                } else {
                    rows[i] = p;
                }
            }
            rows_call<T>(f, out.data() + row * len, len, rows, std::make_index_sequence<K>{});
            for (int d = r - 2; d >= 0; --d) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    };
    const std::int64_t min_rows = std::max<std::int64_t>(1, parallel_grain / std::max<std::int64_t>(len, 1));
    parallel_chunks(n_rows, run_rows,
                    std::max<std::int64_t>(2, parallel_threshold / std::max<std::int64_t>(len, 1)), min_rows);
}

/// out = f(inputs...) with NumPy broadcasting; `op` names the caller in errors.
template <class T, class F, class... In>
Tensor<T> map(const char* op, F f, const In&... inputs) {
    Tensor<T> out = Tensor<T>::empty(broadcast_all<T>(op, inputs...), op);
    map_into<T>(out, f, inputs...);
    return out;
}

}  // namespace tg::detail
