// Shape, indexing and reduction kernels (tensor/shape_index.hpp). Along-axis kernels view a
// contiguous tensor as (outer, n, inner); reductions over a set of axes permute the reduced axes
// last, so every group is one contiguous row of n elements.
#include "shape_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "detail/strided.hpp"

namespace tg {

namespace {

struct Blocks {
    index_t outer = 1, n = 1, inner = 1;
};

Blocks blocks_of(const Shape& s, int axis) {
    Blocks b;
    for (int i = 0; i < axis; ++i) b.outer *= s[i];
    b.n = s[axis];
    for (int i = axis + 1; i < s.size(); ++i) b.inner *= s[i];
    return b;
}

// The reduced axes moved last: rows of n elements, one per group, in the order of the kept axes.
struct Groups {
    Shape perm;  // kept axes, then reduced axes
    Shape kept;  // keepdims shape
    Shape out;   // result shape without keepdims
    index_t outer = 1, n = 1;
};

Groups groups_of(const Shape& s, const Shape& axes, const char* op) {
    std::vector<bool> red(static_cast<std::size_t>(s.size()), axes.empty());
    for (index_t a : axes) {
        const int ax = normalize_axis(a, s.size(), op);
        if (red[ax])
            throw ShapeError(std::string(op) + ": axis " + std::to_string(a) + " repeated in " + axes.str());
        red[ax] = true;
    }
    Groups g;
    g.kept = s;
    for (int i = 0; i < s.size(); ++i)
        if (!red[i]) {
            g.perm.push_back(i);
            g.out.push_back(s[i]);
            g.outer *= s[i];
        }
    for (int i = 0; i < s.size(); ++i)
        if (red[i]) {
            g.perm.push_back(i);
            g.kept[i] = 1;
            g.n *= s[i];
        }
    return g;
}

// One contiguous row per group (a view when x is contiguous with the reduced axes already last).
template <class T>
Tensor<T> rows_of(const Tensor<T>& x, const Groups& g) {
    return x.permute(g.perm).contiguous();
}

// A tensor laid out as rows_of (shape s permuted by g.perm) back in x's axis order.
template <class T>
Tensor<T> from_rows(const Tensor<T>& rows, const Shape& s, const Groups& g) {
    Shape ps;
    for (index_t p : g.perm) ps.push_back(s[static_cast<int>(p)]);
    Shape inv = g.perm;
    for (int i = 0; i < g.perm.size(); ++i) inv[static_cast<int>(g.perm[i])] = i;
    return rows.reshape(ps).permute(inv).contiguous();
}

template <class T>
Tensor<T> shaped(const Tensor<T>& r, const Groups& g, bool keepdims) {
    return r.reshape(keepdims ? g.kept : g.out);
}

void check_indices(const index_t* idx, index_t count, index_t bound, int axis, const char* op) {
    for (index_t k = 0; k < count; ++k)
        if (idx[k] < 0 || idx[k] >= bound)
            throw IndexError(std::string(op) + ": index " + std::to_string(idx[k]) +
                             " is out of range for axis " + std::to_string(axis) + " of size " +
                             std::to_string(bound));
}

// gather / scatter_add: idx has x's rank, fits x except along axis. Calls f(x_offset, idx_position)
// for every index position, x_offset into the contiguous x of `xs`.
template <class F>
void for_gathered(const Shape& xs, int axis, const index_t* idx, const Shape& is, const char* op, F&& f) {
    if (is.size() != xs.size())
        throw ShapeError(std::string(op) + ": index of shape " + is.str() + " must have the rank of " +
                         xs.str());
    for (int d = 0; d < xs.size(); ++d)
        if (d != axis && is[d] > xs[d])
            throw ShapeError(std::string(op) + ": index of shape " + is.str() + " exceeds " + xs.str() +
                             " along axis " + std::to_string(d));
    const index_t count = is.numel();
    check_indices(idx, count, xs[axis], axis, op);
    if (count == 0) return;
    const Strides st = contiguous_strides(xs);
    Shape pos = Shape::filled(is.size(), 0);
    for (index_t k = 0; k < count; ++k) {
        index_t off = 0;
        for (int d = 0; d < xs.size(); ++d) off += (d == axis ? idx[k] : pos[d]) * st[d];
        f(off, k);
        for (int d = is.size() - 1; d >= 0; --d) {
            if (++pos[d] < is[d]) break;
            pos[d] = 0;
        }
    }
}

}  // namespace

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, int axis) {
    if (xs.empty()) throw ShapeError("concat: needs at least one tensor");
    for (const auto& x : xs) x.require_defined("concat");
    const Shape& s0 = xs[0].shape();
    if (s0.empty()) throw ShapeError("concat: cannot concatenate 0-d tensors (use stack)");
    const int a = normalize_axis(axis, s0.size(), "concat");
    Shape out = s0;
    out[a] = 0;
    for (const auto& x : xs) {
        bool ok = x.dim() == s0.size();
        for (int d = 0; ok && d < s0.size(); ++d) ok = d == a || x.shape()[d] == s0[d];
        if (!ok)
            throw ShapeError("concat: shapes " + s0.str() + " and " + x.shape().str() +
                             " differ outside axis " + std::to_string(a));
        out[a] = checked_add(out[a], x.shape()[a], "concat");
    }
    Tensor<T> y = Tensor<T>::empty(out, "concat");
    index_t off = 0;
    for (const auto& x : xs) {
        const index_t n = x.shape()[a];
        if (n > 0) y.slice(a, off, off + n).assign(x);
        off += n;
    }
    return y;
}

template <class T>
Tensor<T> index_select(const Tensor<T>& x, int axis, const index_t* idx, index_t m, const char* op) {
    x.require_defined(op);
    const int a = normalize_axis(axis, x.dim(), op);
    const Blocks b = blocks_of(x.shape(), a);
    check_indices(idx, m, b.n, a, op);
    Shape s = x.shape();
    s[a] = m;
    Tensor<T> y = Tensor<T>::empty(s, op);
    if (y.numel() == 0) return y;
    const Tensor<T> c = x.contiguous();
    const T* src = c.data();
    T* dst = y.data();
    for (index_t o = 0; o < b.outer; ++o)
        for (index_t k = 0; k < m; ++k)
            detail::copy_run(src + (o * b.n + idx[k]) * b.inner, dst + (o * m + k) * b.inner, b.inner);
    return y;
}

template <class T>
Tensor<T> index_add(const Tensor<T>& src, int axis, const index_t* idx, index_t m, index_t n, const char* op) {
    src.require_defined(op);
    const int a = normalize_axis(axis, src.dim(), op);
    if (src.shape()[a] != m)
        throw ShapeError(std::string(op) + ": " + std::to_string(m) + " indices for axis " +
                         std::to_string(a) + " of shape " + src.shape().str());
    check_indices(idx, m, n, a, op);
    Shape s = src.shape();
    s[a] = n;
    Tensor<T> y(s);
    const Blocks b = blocks_of(s, a);
    if (y.numel() == 0 || m == 0) return y;
    const Tensor<T> c = src.contiguous();
    const T* g = c.data();
    T* dst = y.data();
    for (index_t o = 0; o < b.outer; ++o)
        for (index_t k = 0; k < m; ++k) {
            T* row = dst + (o * n + idx[k]) * b.inner;
            const T* from = g + (o * m + k) * b.inner;
            for (index_t j = 0; j < b.inner; ++j) row[j] += from[j];
        }
    return y;
}

template <class T>
Tensor<T> gather(const Tensor<T>& x, int axis, const index_t* idx, const Shape& is, const char* op) {
    x.require_defined(op);
    const int a = normalize_axis(axis, x.dim(), op);
    Tensor<T> y = Tensor<T>::empty(is, op);
    const Tensor<T> c = x.contiguous();
    const T* src = c.data();
    T* dst = y.numel() ? y.data() : nullptr;
    for_gathered(x.shape(), a, idx, is, op, [&](index_t off, index_t k) { dst[k] = src[off]; });
    return y;
}

template <class T>
Tensor<T> scatter_add(const Tensor<T>& src, int axis, const index_t* idx, const Shape& is, const Shape& shape,
                      const char* op) {
    src.require_defined(op);
    const int a = normalize_axis(axis, shape.size(), op);
    if (!(src.shape() == is))
        throw ShapeError(std::string(op) + ": source of shape " + src.shape().str() +
                         " must have the index's shape " + is.str());
    Tensor<T> y(shape);
    const Tensor<T> c = src.contiguous();
    const T* from = c.data();
    T* dst = y.numel() ? y.data() : nullptr;
    for_gathered(shape, a, idx, is, op, [&](index_t off, index_t k) { dst[off] += from[k]; });
    return y;
}

template <class T>
Tensor<T> flip(const Tensor<T>& x, const Shape& axes) {
    x.require_defined("flip");
    const Tensor<T> c = x.contiguous();
    Strides st = c.strides();
    index_t off = 0;
    std::vector<bool> seen(static_cast<std::size_t>(x.dim()), false);
    for (index_t ax : axes) {
        const int a = normalize_axis(ax, x.dim(), "flip");
        if (seen[a]) throw ShapeError("flip: axis " + std::to_string(ax) + " repeated in " + axes.str());
        seen[a] = true;
        if (x.shape()[a] == 0) return c.clone();
        off += (x.shape()[a] - 1) * st[a];
        st[a] = -st[a];
    }
    return Tensor<T>::view_of(c, c.shape(), st, off).contiguous();
}

template <class T>
Tensor<T> group_first(const Tensor<T>& x, const Shape& axes) {
    x.require_defined("var");
    const Groups g = groups_of(x.shape(), axes, "var");
    Tensor<T> v = x;
    for (int d = 0; d < x.dim(); ++d)
        if (g.kept[d] == 1 && x.shape()[d] != 1) v = v.slice(d, 0, 1);
    return v.clone();
}

template <class T>
Tensor<T> var(const Tensor<T>& x, const Shape& axes, double correction, bool keepdims) {
    x.require_defined("var");
    const Groups g = groups_of(x.shape(), axes, "var");
    const double dof = static_cast<double>(g.n) - correction;
    if (g.outer > 0 && (g.n == 0 || !(dof > 0)))
        throw DomainError("var: groups of " + std::to_string(g.n) + " elements with correction " +
                          std::to_string(correction) + " leave no degrees of freedom");
    const Tensor<T> r = rows_of(x, g);
    Tensor<T> y = Tensor<T>::empty(Shape{g.outer}, "var");
    const T* p = r.data();
    T* out = g.outer ? y.data() : nullptr;
    for (index_t o = 0; o < g.outer; ++o) {
        const T* row = p + o * g.n;
        const double s = row[0];  // the shift: exact zeros for a constant group
        double m = 0;
        for (index_t i = 0; i < g.n; ++i) m += row[i] - s;
        m /= static_cast<double>(g.n);
        double q = 0;
        for (index_t i = 0; i < g.n; ++i) {
            const double d = (row[i] - s) - m;
            q += d * d;
        }
        out[o] = static_cast<T>(q / dof);
    }
    return shaped(y, g, keepdims);
}

template <class T>
Tensor<T> prod(const Tensor<T>& x, const Shape& axes, bool keepdims) {
    x.require_defined("prod");
    const Groups g = groups_of(x.shape(), axes, "prod");
    const Tensor<T> r = rows_of(x, g);
    Tensor<T> y = Tensor<T>::empty(Shape{g.outer}, "prod");
    const T* p = r.data();
    T* out = g.outer ? y.data() : nullptr;
    for (index_t o = 0; o < g.outer; ++o) {
        double acc = 1;
        for (index_t i = 0; i < g.n; ++i) acc *= p[o * g.n + i];
        out[o] = static_cast<T>(acc);
    }
    return shaped(y, g, keepdims);
}

template <class T>
Tensor<T> prod_vjp(const Tensor<T>& x, const Shape& axes, const Tensor<T>& gy_kept) {
    const Groups g = groups_of(x.shape(), axes, "prod");
    const Tensor<T> r = rows_of(x, g);
    const Tensor<T> gy = gy_kept.contiguous();
    Tensor<T> out = Tensor<T>::empty(Shape{g.outer, g.n}, "prod");
    if (out.numel() == 0) return Tensor<T>(x.shape());
    const T* p = r.data();
    const T* gp = gy.data();
    T* q = out.data();
    std::vector<double> suffix(static_cast<std::size_t>(g.n) + 1);
    for (index_t o = 0; o < g.outer; ++o) {
        const T* row = p + o * g.n;
        suffix[static_cast<std::size_t>(g.n)] = 1;
        for (index_t i = g.n; i-- > 0;) suffix[i] = suffix[i + 1] * row[i];
        double prefix = 1;
        for (index_t i = 0; i < g.n; ++i) {
            q[o * g.n + i] = static_cast<T>(prefix * suffix[i + 1] * gp[o]);
            prefix *= row[i];
        }
    }
    return from_rows(out, x.shape(), g);
}

template <class T>
Tensor<T> cumsum(const Tensor<T>& x, int axis, bool reverse) {
    x.require_defined("cumsum");
    const int a = normalize_axis(axis, x.dim(), "cumsum");
    const Blocks b = blocks_of(x.shape(), a);
    Tensor<T> y = Tensor<T>::empty(x.shape(), "cumsum");
    if (y.numel() == 0) return y;
    const Tensor<T> c = x.contiguous();
    const T* p = c.data();
    T* q = y.data();
    std::vector<double> acc(static_cast<std::size_t>(b.inner));
    for (index_t o = 0; o < b.outer; ++o) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (index_t k = 0; k < b.n; ++k) {
            const index_t r = reverse ? b.n - 1 - k : k;
            const index_t base = (o * b.n + r) * b.inner;
            for (index_t j = 0; j < b.inner; ++j) q[base + j] = static_cast<T>(acc[j] += p[base + j]);
        }
    }
    return y;
}

template <class T>
Tensor<T> cumprod(const Tensor<T>& x, int axis) {
    x.require_defined("cumprod");
    const int a = normalize_axis(axis, x.dim(), "cumprod");
    const Blocks b = blocks_of(x.shape(), a);
    Tensor<T> y = Tensor<T>::empty(x.shape(), "cumprod");
    if (y.numel() == 0) return y;
    const Tensor<T> c = x.contiguous();
    const T* p = c.data();
    T* q = y.data();
    std::vector<double> acc(static_cast<std::size_t>(b.inner));
    for (index_t o = 0; o < b.outer; ++o) {
        std::fill(acc.begin(), acc.end(), 1.0);
        for (index_t k = 0; k < b.n; ++k) {
            const index_t base = (o * b.n + k) * b.inner;
            for (index_t j = 0; j < b.inner; ++j) q[base + j] = static_cast<T>(acc[j] *= p[base + j]);
        }
    }
    return y;
}

template <class T>
Tensor<T> cumprod_vjp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& gy, int axis) {
    const int a = normalize_axis(axis, x.dim(), "cumprod");
    const Blocks b = blocks_of(x.shape(), a);
    Tensor<T> out = Tensor<T>::empty(x.shape(), "cumprod");
    if (out.numel() == 0) return out;
    const Tensor<T> xc = x.contiguous(), yc = y.contiguous(), gc = gy.contiguous();
    const T *xp = xc.data(), *yp = yc.data(), *gp = gc.data();
    T* q = out.data();
    auto at = [&](index_t o, index_t k, index_t j) { return (o * b.n + k) * b.inner + j; };
    for (index_t o = 0; o < b.outer; ++o)
        for (index_t j = 0; j < b.inner; ++j) {
            double s = 0;  // S_k = gy_k + x_{k+1} S_{k+1}
            for (index_t k = b.n; k-- > 0;) {
                s = gp[at(o, k, j)] + (k + 1 < b.n ? xp[at(o, k + 1, j)] * s : 0.0);
                q[at(o, k, j)] = static_cast<T>((k > 0 ? yp[at(o, k - 1, j)] : T(1)) * s);
            }
        }
    return out;
}

template <class T>
Tensor<T> cumprod_jvp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& dx, int axis) {
    const int a = normalize_axis(axis, x.dim(), "cumprod");
    const Blocks b = blocks_of(x.shape(), a);
    Tensor<T> out = Tensor<T>::empty(x.shape(), "cumprod");
    if (out.numel() == 0) return out;
    const Tensor<T> xc = x.contiguous(), yc = y.contiguous(), dc = dx.contiguous();
    const T *xp = xc.data(), *yp = yc.data(), *dp = dc.data();
    T* q = out.data();
    for (index_t o = 0; o < b.outer; ++o)
        for (index_t j = 0; j < b.inner; ++j) {
            double t = 0, prev = 1;  // dy_k = dy_{k-1} x_k + y_{k-1} dx_k
            for (index_t k = 0; k < b.n; ++k) {
                const index_t i = (o * b.n + k) * b.inner + j;
                t = t * xp[i] + prev * dp[i];
                prev = yp[i];
                q[i] = static_cast<T>(t);
            }
        }
    return out;
}

namespace {
template <class T, bool IsMax>
Tensor<T> extreme(const Tensor<T>& x, const Shape& axes, bool keepdims, const char* op) {
    x.require_defined(op);
    const Groups g = groups_of(x.shape(), axes, op);
    if (g.n == 0 && g.outer > 0)
        throw ShapeError(std::string(op) + ": reducing " + x.shape().str() + " over an empty axis");
    const Tensor<T> r = rows_of(x, g);
    Tensor<T> y = Tensor<T>::empty(Shape{g.outer}, op);
    const T* p = r.data();
    T* out = g.outer ? y.data() : nullptr;
    for (index_t o = 0; o < g.outer; ++o) {
        const T* row = p + o * g.n;
        T best = row[0];
        for (index_t i = 1; i < g.n && !std::isnan(best); ++i)
            if (std::isnan(row[i]) || (IsMax ? row[i] > best : row[i] < best)) best = row[i];
        out[o] = best;
    }
    return shaped(y, g, keepdims);
}
}  // namespace

template <class T>
Tensor<T> amax(const Tensor<T>& x, const Shape& axes, bool keepdims) {
    return extreme<T, true>(x, axes, keepdims, "amax");
}
template <class T>
Tensor<T> amin(const Tensor<T>& x, const Shape& axes, bool keepdims) {
    return extreme<T, false>(x, axes, keepdims, "amin");
}

template <class T>
Tensor<T> argmin(const Tensor<T>& x, int axis, bool keepdims) {
    x.require_defined("argmin");
    const int a = normalize_axis(axis, x.dim(), "argmin");
    if (x.shape()[a] == 0)
        throw ShapeError("argmin: axis " + std::to_string(axis) + " of shape " + x.shape().str() + " is empty");
    const Blocks b = blocks_of(x.shape(), a);
    Shape s = x.shape();
    if (keepdims) s[a] = 1;
    else s.erase(a);
    Tensor<T> y = Tensor<T>::empty(s, "argmin");
    if (y.numel() == 0) return y;
    const Tensor<T> c = x.contiguous();
    const T* p = c.data();
    T* q = y.data();
    for (index_t o = 0; o < b.outer; ++o)
        for (index_t j = 0; j < b.inner; ++j) {
            const T* col = p + o * b.n * b.inner + j;
            index_t best = 0;  // the first minimum; a NaN wins (as argmax)
            for (index_t k = 1; k < b.n && !std::isnan(col[best * b.inner]); ++k)
                if (std::isnan(col[k * b.inner]) || col[k * b.inner] < col[best * b.inner]) best = k;
            q[o * b.inner + j] = static_cast<T>(best);
        }
    return y;
}

template <class T>
Tensor<T> norm2(const Tensor<T>& x, const Shape& axes, bool keepdims) {
    x.require_defined("norm");
    const Groups g = groups_of(x.shape(), axes, "norm");
    const Tensor<T> r = rows_of(x, g);
    Tensor<T> y = Tensor<T>::empty(Shape{g.outer}, "norm");
    const T* p = r.data();
    T* out = g.outer ? y.data() : nullptr;
    for (index_t o = 0; o < g.outer; ++o) {
        const T* row = p + o * g.n;
        double m = 0;
        bool nan = false;
        for (index_t i = 0; i < g.n; ++i) {
            nan |= std::isnan(row[i]);
            m = std::max(m, std::abs(static_cast<double>(row[i])));
        }
        double v = m;
        if (nan) v = std::numeric_limits<double>::quiet_NaN();
        else if (m > 0 && std::isfinite(m)) {
            double q = 0;
            for (index_t i = 0; i < g.n; ++i) {
                const double t = row[i] / m;
                q += t * t;
            }
            v = m * std::sqrt(q);
        }
        out[o] = static_cast<T>(v);
    }
    return shaped(y, g, keepdims);
}

#define TG_INSTANTIATE(T)                                                                                  \
    template Tensor<T> concat<T>(const std::vector<Tensor<T>>&, int);                                      \
    template Tensor<T> index_select<T>(const Tensor<T>&, int, const index_t*, index_t, const char*);       \
    template Tensor<T> index_add<T>(const Tensor<T>&, int, const index_t*, index_t, index_t, const char*); \
    template Tensor<T> gather<T>(const Tensor<T>&, int, const index_t*, const Shape&, const char*);        \
    template Tensor<T> scatter_add<T>(const Tensor<T>&, int, const index_t*, const Shape&, const Shape&,   \
                                      const char*);                                                        \
    template Tensor<T> flip<T>(const Tensor<T>&, const Shape&);                                            \
    template Tensor<T> var<T>(const Tensor<T>&, const Shape&, double, bool);                               \
    template Tensor<T> group_first<T>(const Tensor<T>&, const Shape&);                                     \
    template Tensor<T> prod<T>(const Tensor<T>&, const Shape&, bool);                                      \
    template Tensor<T> prod_vjp<T>(const Tensor<T>&, const Shape&, const Tensor<T>&);                      \
    template Tensor<T> cumsum<T>(const Tensor<T>&, int, bool);                                             \
    template Tensor<T> cumprod<T>(const Tensor<T>&, int);                                                  \
    template Tensor<T> cumprod_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, int);          \
    template Tensor<T> cumprod_jvp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, int);          \
    template Tensor<T> amax<T>(const Tensor<T>&, const Shape&, bool);                                      \
    template Tensor<T> amin<T>(const Tensor<T>&, const Shape&, bool);                                      \
    template Tensor<T> argmin<T>(const Tensor<T>&, int, bool);                                             \
    template Tensor<T> norm2<T>(const Tensor<T>&, const Shape&, bool);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
