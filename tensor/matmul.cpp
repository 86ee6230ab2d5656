// matmul on BLAS. Transposed views are passed to gemm with the transpose flag instead of being
// copied; batch axes broadcast as in NumPy, one gemm per batch element.
#include <cblas.h>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "math.hpp"
#include "matmul_bias.hpp"

namespace tg {

namespace {

struct Operand {
    CBLAS_TRANSPOSE trans;
    blasint ld;
};

// How gemm can read the last two axes of t, or nullopt-like {.ld = 0} if it needs a copy.
template <class T>
Operand gemm_layout(const Tensor<T>& t) {
    const int r = t.dim();
    const index_t rows = t.shape()[r - 2], cols = t.shape()[r - 1];
    const index_t s0 = t.strides()[r - 2], s1 = t.strides()[r - 1];
    // A leading dimension past blasint would be truncated: copy instead (contiguous, ld = cols).
    if (std::max(s0, s1) > std::numeric_limits<blasint>::max()) return {CblasNoTrans, 0};
    if ((s1 == 1 || cols == 1) && s0 >= std::max<index_t>(cols, 1))
        return {CblasNoTrans, static_cast<blasint>(s0)};
    if ((s0 == 1 || rows == 1) && s1 >= std::max<index_t>(rows, 1))
        return {CblasTrans, static_cast<blasint>(s1)};
    return {CblasNoTrans, 0};
}

template <class T>
void gemv(CBLAS_TRANSPOSE t, index_t rows, index_t cols, const T* a, blasint lda, const T* x, index_t incx,
          T* y) {
    const auto r = static_cast<blasint>(rows), c = static_cast<blasint>(cols), ix = static_cast<blasint>(incx);
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemv(CblasRowMajor, t, r, c, 1.0f, a, lda, x, ix, 0.0f, y, 1);
    else cblas_dgemv(CblasRowMajor, t, r, c, 1.0, a, lda, x, ix, 0.0, y, 1);
}

constexpr CBLAS_TRANSPOSE flip(CBLAS_TRANSPOSE t) { return t == CblasNoTrans ? CblasTrans : CblasNoTrans; }

// C (m x n, row stride ldc) = op(A) op(B). A matrix-vector product goes to gemv and an outer
// product (k = 1) to a loop: for both, gemm's packing and its zeroing of C cost as much as the
// product itself (perf on bench_tensor_ad's matvec gradient: a third of the time in dgemm_tn's
// memset and kernel for the 100 x 100 outer product).
template <class T>
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, index_t m, index_t n, index_t k, const T* a, blasint lda,
          const T* b, blasint ldb, T* c, blasint ldc) {
    if (n == 1 && m > 1) {  // c = op(A) b, b a column read with stride ldb (or 1 if stored as a row);
                            // c is contiguous: ldc = n = 1
        gemv<T>(ta, ta == CblasNoTrans ? m : k, ta == CblasNoTrans ? k : m, a, lda, b,
                tb == CblasNoTrans ? ldb : 1, c);
        return;
    }
    if (m == 1 && n > 1) {  // c^T = op(B)^T a^T, the row of A read with stride 1 (or lda if stored as a
                            // column)
        gemv<T>(flip(tb), tb == CblasNoTrans ? k : n, tb == CblasNoTrans ? n : k, b, ldb, a,
                ta == CblasNoTrans ? 1 : lda, c);
        return;
    }
    if (k == 1) {  // an outer product: gemm would first zero C (a memset as long as the product)
        const index_t sa = ta == CblasNoTrans ? lda : 1, sb = tb == CblasNoTrans ? 1 : ldb;
        for (index_t i = 0; i < m; ++i) {
            const T ai = a[i * sa];
            T* ci = c + i * ldc;
            if (sb == 1) {
                for (index_t j = 0; j < n; ++j) ci[j] = ai * b[j];
            } else {
                for (index_t j = 0; j < n; ++j) ci[j] = ai * b[j * sb];
            }
        }
        return;
    }
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, ta, tb, static_cast<blasint>(m), static_cast<blasint>(n),
                    static_cast<blasint>(k), 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, static_cast<blasint>(m), static_cast<blasint>(n),
                    static_cast<blasint>(k), 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

[[noreturn]] void inner_mismatch(const Shape& a, const Shape& b) {
    throw ShapeError("matmul: inner dimensions differ: " + a.str() + " @ " + b.str());
}

// BLAS takes m, n, k as blasint (32 bits here): a larger one would be truncated, not refused.
void check_blas_dims(index_t m, index_t n, index_t k, const Shape& a, const Shape& b, const char* op) {
    constexpr index_t lim = std::numeric_limits<blasint>::max();
    if (m > lim || n > lim || k > lim)
        throw ShapeError(std::string(op) + ": " + a.str() + " @ " + b.str() + " has a dimension above " +
                         std::to_string(lim) + ", the largest BLAS index");
}

}  // namespace

template <class T>
Tensor<T> matmul(const Tensor<T>& a_in, const Tensor<T>& b_in) {
    a_in.require_defined("matmul");
    b_in.require_defined("matmul");
    if (a_in.dim() == 0 || b_in.dim() == 0)
        throw ShapeError("matmul: operands must have at least 1 axis: " + a_in.shape().str() + " @ " +
                         b_in.shape().str());
    const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
    Tensor<T> a = a_vec ? a_in.reshape({1, a_in.shape()[0]}) : a_in;
    Tensor<T> b = b_vec ? b_in.reshape({b_in.shape()[0], 1}) : b_in;
    const index_t m = a.shape()[a.dim() - 2], k = a.shape()[a.dim() - 1];
    const index_t k2 = b.shape()[b.dim() - 2], n = b.shape()[b.dim() - 1];
    if (k != k2) inner_mismatch(a_in.shape(), b_in.shape());
    check_blas_dims(m, n, k, a_in.shape(), b_in.shape(), "matmul");

    Shape ab(std::span<const index_t>(a.shape().data(), static_cast<std::size_t>(a.dim() - 2)));
    Shape bb(std::span<const index_t>(b.shape().data(), static_cast<std::size_t>(b.dim() - 2)));
    Shape batch = broadcast_shapes(ab, bb, "matmul");
    Shape out_shape = batch;
    out_shape.push_back(m);
    out_shape.push_back(n);
    Tensor<T> out = Tensor<T>::empty(out_shape, "matmul");

    Operand la = gemm_layout(a), lb = gemm_layout(b);
    if (la.ld == 0) a = a.clone(), la = gemm_layout(a);
    if (lb.ld == 0) b = b.clone(), lb = gemm_layout(b);
    const index_t nb = batch.numel();
    if (m * n > 0) {
        if (k == 0) {
            out.fill(T(0));
        } else {
            // Broadcast batch axes through strides (0 on broadcast axes).
            Shape full_a = batch, full_b = batch;
            full_a.push_back(m), full_a.push_back(k), full_b.push_back(k), full_b.push_back(n);
            const Tensor<T> av = a.broadcast_to(full_a), bv = b.broadcast_to(full_b);
            const int br = batch.size();
            Shape idx = Shape::filled(br, 0);
            for (index_t i = 0; i < nb; ++i) {
                index_t oa = 0, ob = 0;
                for (int d = 0; d < br; ++d) oa += idx[d] * av.strides()[d], ob += idx[d] * bv.strides()[d];
                gemm<T>(la.trans, lb.trans, m, n, k, av.data() + oa, la.ld, bv.data() + ob, lb.ld,
                        out.data() + i * m * n, static_cast<blasint>(n));
                for (int d = br - 1; d >= 0; --d) {
                    if (++idx[d] < batch[d]) break;
                    idx[d] = 0;
                }
            }
        }
    }
    if (a_vec || b_vec) {
        Shape s = batch;
        if (!a_vec) s.push_back(m);
        if (!b_vec) s.push_back(n);
        return out.reshape(s);
    }
    return out;
}

template <class T>
void matmul_into(const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& out) {
    a.require_defined("matmul_into");
    b.require_defined("matmul_into");
    out.require_defined("matmul_into");
    if (a.dim() != 2 || b.dim() != 2 || a.shape()[1] != b.shape()[0]) inner_mismatch(a.shape(), b.shape());
    const index_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
    check_blas_dims(m, n, k, a.shape(), b.shape(), "matmul_into");
    if (!(out.shape() == Shape{m, n}) || !out.is_contiguous())
        throw ShapeError("matmul_into: output has shape " + out.shape().str() + ", expected contiguous " +
                         Shape{m, n}.str());
    Tensor<T> ac = a, bc = b;
    Operand la = gemm_layout(ac), lb = gemm_layout(bc);
    if (la.ld == 0) ac = a.clone(), la = gemm_layout(ac);
    if (lb.ld == 0) bc = b.clone(), lb = gemm_layout(bc);
    if (m * n == 0) return;
    if (k == 0) return out.fill(T(0));
    // gemm reads a and b while it writes out: an out that shares a's or b's buffer gets the
    // product through a temporary (as assign does for overlapping copies).
    if (out.shares_storage(ac) || out.shares_storage(bc)) return out.assign(matmul(ac, bc));
    gemm<T>(la.trans, lb.trans, m, n, k, std::as_const(ac).data(), la.ld, std::as_const(bc).data(), lb.ld,
            out.data(), static_cast<blasint>(n));
}

template <class T>
Tensor<T> matmul_bias(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b) {
    x.require_defined("linear");
    w.require_defined("linear");
    b.require_defined("linear");
    if (x.dim() != 2 || w.dim() != 2 || b.dim() != 1 || x.shape()[1] != w.shape()[1] ||
        b.shape()[0] != w.shape()[0])
        throw ShapeError("linear: x " + x.shape().str() + ", w " + w.shape().str() + ", b " +
                         b.shape().str() + " (expected x (m, k), w (n, k), b (n))");
    const index_t m = x.shape()[0], k = x.shape()[1], n = w.shape()[0];
    check_blas_dims(m, n, k, x.shape(), w.shape(), "linear");
    Tensor<T> out = Tensor<T>::empty({m, n}, "linear");
    if (m * n == 0) return out;
    const Tensor<T> bc = b.contiguous();
    const T* pb = bc.data();
    T* po = out.data();
    for (index_t i = 0; i < m; ++i) std::copy(pb, pb + n, po + i * n);
    if (k == 0) return out;
    Tensor<T> xc = x, wt = w.transpose();
    Operand lx = gemm_layout(xc), lw = gemm_layout(wt);
    if (lx.ld == 0) xc = x.clone(), lx = gemm_layout(xc);
    if (lw.ld == 0) wt = wt.clone(), lw = gemm_layout(wt);
    const auto M = static_cast<blasint>(m), N = static_cast<blasint>(n), K = static_cast<blasint>(k);
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, lx.trans, lw.trans, M, N, K, 1.0f, std::as_const(xc).data(), lx.ld,
                    std::as_const(wt).data(), lw.ld, 1.0f, po, N);
    else
        cblas_dgemm(CblasRowMajor, lx.trans, lw.trans, M, N, K, 1.0, std::as_const(xc).data(), lx.ld,
                    std::as_const(wt).data(), lw.ld, 1.0, po, N);
    return out;
}

template Tensor<float> matmul_bias<float>(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&);
template Tensor<double> matmul_bias<double>(const Tensor<double>&, const Tensor<double>&,
                                            const Tensor<double>&);
template Tensor<float> matmul<float>(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> matmul<double>(const Tensor<double>&, const Tensor<double>&);
template void matmul_into<float>(const Tensor<float>&, const Tensor<float>&, Tensor<float>&);
template void matmul_into<double>(const Tensor<double>&, const Tensor<double>&, Tensor<double>&);

}  // namespace tg
