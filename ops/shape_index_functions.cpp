// The shape_index family's public functions (shape_index_functions.hpp): registered ops through
// apply<Op>, or compositions of registered ops whose derivatives are checked already.
#include "shape_index_functions.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>

#include "functions.hpp"
#include "shape_index_ops.hpp"

namespace tg {

namespace {

std::string shapes_of(const auto& xs) {
    std::string s;
    for (const auto& x : xs) s += (s.empty() ? "" : ", ") + x.shape().str();
    return s;
}

// n-ary concat as a balanced tree of binary Concat nodes: an op node takes at most
// detail::max_inputs (4) inputs, so n inputs need a tree; a balanced one copies each element
// ceil(log2 n) times (a chain would copy the first ones n - 1 times) and its backward is one
// slice (a view) per node.
template <class T>
Var<T> concat_tree(const std::vector<Var<T>>& xs, std::size_t lo, std::size_t hi, const Attrs& a) {
    if (hi - lo == 1) return xs[lo];
    const std::size_t mid = lo + (hi - lo) / 2;
    return apply<ops::Concat, T>(a, concat_tree(xs, lo, mid, a), concat_tree(xs, mid, hi, a));
}

std::shared_ptr<const IndexArray> shared_index(const IndexArray& idx, const char* op) {
    if (static_cast<index_t>(idx.data.size()) != idx.shape.numel())
        throw ShapeError(std::string(op) + ": index data has " + std::to_string(idx.data.size()) +
                         " values for shape " + idx.shape.str());
    return std::make_shared<const IndexArray>(idx);
}

}  // namespace

// ---- shape -------------------------------------------------------------------------------------

template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, int axis) {
    if (xs.empty()) throw ShapeError("concat: needs at least one input");
    const Shape& s0 = xs[0].shape();
    if (s0.empty())
        throw ShapeError("concat: cannot concatenate 0-d inputs (use stack), shapes " + shapes_of(xs));
    Attrs a;
    a.axis = normalize_axis(axis, s0.size(), "concat");
    for (const auto& x : xs) {
        bool ok = x.dim() == s0.size();
        for (int d = 0; ok && d < s0.size(); ++d) ok = d == a.axis || x.shape()[d] == s0[d];
        if (!ok)
            throw ShapeError("concat: shapes " + s0.str() + " and " + x.shape().str() +
                             " differ outside axis " + std::to_string(a.axis));
    }
    return concat_tree(xs, 0, xs.size(), a);
}

template <class T>
Var<T> stack(const std::vector<Var<T>>& xs, int axis) {
    if (xs.empty()) throw ShapeError("stack: needs at least one input");
    for (const auto& x : xs)
        if (!(x.shape() == xs[0].shape())) throw ShapeError("stack: shapes differ: " + shapes_of(xs));
    const int ax = normalize_axis(axis, xs[0].dim() + 1, "stack");
    std::vector<Var<T>> u;
    for (const auto& x : xs) u.push_back(unsqueeze(x, ax));
    return concat(u, ax);
}

template <class T>
std::vector<Var<T>> split(const Var<T>& x, index_t size, int axis) {
    if (size <= 0) throw ShapeError("split: piece size must be positive, got " + std::to_string(size));
    const int ax = normalize_axis(axis, x.dim(), "split");
    const index_t n = x.shape()[ax];
    std::vector<index_t> sizes;
    for (index_t s = 0; s < n; s += size) sizes.push_back(std::min(size, n - s));
    if (sizes.empty()) sizes.push_back(0);
    return split(x, sizes, ax);
}

template <class T>
std::vector<Var<T>> split(const Var<T>& x, const std::vector<index_t>& sizes, int axis) {
    const int ax = normalize_axis(axis, x.dim(), "split");
    index_t total = 0;
    for (index_t s : sizes) {
        if (s < 0) throw ShapeError("split: negative piece size " + std::to_string(s));
        total = checked_add(total, s, "split");
    }
    if (total != x.shape()[ax])
        throw ShapeError("split: sizes add up to " + std::to_string(total) + " but axis " + std::to_string(ax) +
                         " of " + x.shape().str() + " has " + std::to_string(x.shape()[ax]));
    std::vector<Var<T>> out;
    index_t at = 0;
    for (index_t s : sizes) {
        out.push_back(slice(x, ax, at, at + s));
        at += s;
    }
    return out;
}

template <class T>
Var<T> squeeze(const Var<T>& x) {
    Shape s;
    for (index_t d : x.shape())
        if (d != 1) s.push_back(d);
    return reshape(x, s);
}

template <class T>
Var<T> squeeze(const Var<T>& x, int axis) {
    const int ax = normalize_axis(axis, x.dim(), "squeeze");
    if (x.shape()[ax] != 1)
        throw ShapeError("squeeze: axis " + std::to_string(axis) + " of " + x.shape().str() + " has size " +
                         std::to_string(x.shape()[ax]) + ", not 1");
    Shape s = x.shape();
    s.erase(ax);
    return reshape(x, s);
}

template <class T>
Var<T> unsqueeze(const Var<T>& x, int axis) {
    if (x.dim() >= max_rank)
        throw ShapeError("unsqueeze: " + x.shape().str() + " already has the maximum rank " +
                         std::to_string(max_rank));
    const int ax = normalize_axis(axis, x.dim() + 1, "unsqueeze");
    Shape s = x.shape();
    s.insert(ax, 1);
    return reshape(x, s);
}

template <class T>
Var<T> flatten(const Var<T>& x, int start, int end) {
    if (x.dim() == 0) return reshape(x, Shape{1});
    const int a = normalize_axis(start, x.dim(), "flatten"), b = normalize_axis(end, x.dim(), "flatten");
    if (a > b)
        throw ShapeError("flatten: start axis " + std::to_string(start) + " comes after end axis " +
                         std::to_string(end) + " of " + x.shape().str());
    Shape s;
    index_t merged = 1;
    for (int i = 0; i < x.dim(); ++i) {
        if (i < a || i > b) s.push_back(x.shape()[i]);
        else merged *= x.shape()[i];
        if (i == b) s.push_back(merged);
    }
    return reshape(x, s);
}

template <class T>
Var<T> flip(const Var<T>& x, const Shape& axes) {
    Var<T> y = x;
    std::vector<bool> seen(static_cast<std::size_t>(x.dim()), false);
    for (index_t axis : axes) {
        const int ax = normalize_axis(axis, x.dim(), "flip");
        if (seen[ax]) throw ShapeError("flip: axis " + std::to_string(axis) + " repeated in " + axes.str());
        seen[ax] = true;
        const index_t n = x.shape()[ax];
        std::vector<index_t> idx(static_cast<std::size_t>(n));
        for (index_t i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = n - 1 - i;
        y = index_select(y, ax, idx);
    }
    return y;
}

template <class T>
Var<T> pad(const Var<T>& x, const std::vector<index_t>& widths, PadMode mode, std::type_identity_t<T> value) {
    if (static_cast<int>(widths.size()) != 2 * x.dim())
        throw ShapeError("pad: " + std::to_string(widths.size()) + " widths for " + x.shape().str() +
                         ", expected " + std::to_string(2 * x.dim()) + " (before and after for each axis)");
    for (index_t w : widths)
        if (w < 0) throw ShapeError("pad: negative width " + std::to_string(w));
    Var<T> y = x;
    for (int ax = 0; ax < x.dim(); ++ax) {
        const index_t before = widths[2 * ax], after = widths[2 * ax + 1], n = x.shape()[ax];
        if (before == 0 && after == 0) continue;
        if (mode == PadMode::reflect) {
            if (before >= n || after >= n)
                throw ShapeError("pad: reflect widths " + std::to_string(before) + ", " +
                                 std::to_string(after) + " must be less than the size " + std::to_string(n) +
                                 " of axis " + std::to_string(ax) + " of " + x.shape().str());
            std::vector<index_t> idx;
            for (index_t i = -before; i < n + after; ++i)
                idx.push_back(i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
            y = index_select(y, ax, idx);
        } else {
            Shape full = y.shape();
            full[ax] = checked_add(checked_add(n, before, "pad"), after, "pad");
            y = apply<ops::SliceTranspose, T>(ops::slice_attrs(ax, before, before + n, 1, full), y);
        }
    }
    if (mode == PadMode::constant && value != T(0)) {
        Tensor<T> fill = full<T>(y.shape(), value);
        Tensor<T> inside = fill;
        for (int ax = 0; ax < x.dim(); ++ax)
            inside = inside.slice(ax, widths[2 * ax], widths[2 * ax] + x.shape()[ax]);
        inside.fill(T(0));
        y = y + Var<T>(fill);
    }
    return y;
}

template <class T>
Var<T> tile(const Var<T>& x, const Shape& reps) {
    for (index_t r : reps)
        if (r < 0) throw ShapeError("tile: negative repetition count in " + reps.str());
    Var<T> y = x;
    const int rank = std::max(x.dim(), reps.size());
    Shape s = x.shape();
    while (s.size() < rank) s.insert(0, 1);
    y = reshape(y, s);
    const int lead = rank - reps.size();
    for (int ax = lead; ax < rank; ++ax) {
        const index_t r = reps[ax - lead];
        if (r == 1) continue;
        if (y.dim() >= max_rank) throw ShapeError("tile: rank " + std::to_string(y.dim()) + " is too large");
        Shape in = y.shape(), wide = y.shape(), out = y.shape();
        in.insert(ax, 1);
        wide.insert(ax, r);
        out[ax] = checked_mul(out[ax], r, "tile");
        y = reshape(broadcast_to(reshape(y, in), wide), out);
    }
    return y;
}

// ---- indexing ----------------------------------------------------------------------------------

template <class T>
Var<T> index_select(const Var<T>& x, int axis, const std::vector<index_t>& idx) {
    Attrs a;
    a.axis = normalize_axis(axis, x.dim(), "index_select");
    a.index = std::make_shared<const IndexArray>(IndexArray{Shape{static_cast<index_t>(idx.size())}, idx});
    return apply<ops::IndexSelect, T>(a, x);
}

template <class T>
Var<T> gather(const Var<T>& x, int axis, const IndexArray& idx) {
    Attrs a;
    a.axis = normalize_axis(axis, x.dim(), "gather");
    a.index = shared_index(idx, "gather");
    return apply<ops::Gather, T>(a, x);
}

template <class T>
Var<T> scatter_add(const Var<T>& base, int axis, const IndexArray& idx, const Var<T>& src) {
    Attrs a;
    a.axis = normalize_axis(axis, base.dim(), "scatter_add");
    a.index = shared_index(idx, "scatter_add");
    a.shape = base.shape();
    if (!(src.shape() == idx.shape))
        throw ShapeError("scatter_add: source of shape " + src.shape().str() +
                         " must have the index's shape " + idx.shape.str());
    return base + apply<ops::ScatterAdd, T>(a, src);
}

template <class T>
Var<T> embedding(const Var<T>& weight, const IndexArray& idx) {
    if (weight.dim() != 2) throw ShapeError("embedding: weight must be [V, D], got " + weight.shape().str());
    if (idx.shape.size() >= max_rank)
        throw ShapeError("embedding: indices of shape " + idx.shape.str() + " leave no room for the row axis");
    const index_t rows = weight.shape()[0];
    for (index_t i : idx.data)
        if (i < 0 || i >= rows)
            throw IndexError("embedding: index " + std::to_string(i) + " is out of range for a weight of " +
                             std::to_string(rows) + " rows");
    Attrs a;
    a.axis = 0;
    a.index = shared_index(IndexArray{Shape{static_cast<index_t>(idx.data.size())}, idx.data}, "embedding");
    if (idx.shape.numel() != static_cast<index_t>(idx.data.size()))
        throw ShapeError("embedding: index data has " + std::to_string(idx.data.size()) +
                         " values for shape " + idx.shape.str());
    Shape out = idx.shape;
    out.push_back(weight.shape()[1]);
    return reshape(apply<ops::IndexSelect, T>(a, weight), out);
}

// ---- reductions and scans ----------------------------------------------------------------------

template <class T>
Var<T> var(const Var<T>& x, const Shape& axes, double correction, bool keepdims) {
    return apply<ops::Variance, T>(ops::var_attrs(axes, keepdims, correction), x);
}

template <class T>
Var<T> stddev(const Var<T>& x, const Shape& axes, double correction, bool keepdims) {
    return apply<ops::StdDev, T>(ops::var_attrs(axes, keepdims, correction), x);
}

template <class T>
Var<T> prod(const Var<T>& x, const Shape& axes, bool keepdims) {
    return apply<ops::Prod, T>(ops::axes_attrs(axes, keepdims), x);
}

template <class T>
Var<T> cumsum(const Var<T>& x, int axis, bool reverse) {
    return apply<ops::Cumsum, T>(ops::scan_attrs(normalize_axis(axis, x.dim(), "cumsum"), reverse ? -1 : 1), x);
}

template <class T>
Var<T> cumprod(const Var<T>& x, int axis) {
    return apply<ops::Cumprod, T>(ops::scan_attrs(normalize_axis(axis, x.dim(), "cumprod")), x);
}

template <class T>
Var<T> amax(const Var<T>& x, const Shape& axes, bool keepdims) {
    return apply<ops::Amax, T>(ops::axes_attrs(axes, keepdims), x);
}

template <class T>
Var<T> amin(const Var<T>& x, const Shape& axes, bool keepdims) {
    return apply<ops::Amin, T>(ops::axes_attrs(axes, keepdims), x);
}

template <class T>
Var<T> max(const Var<T>& x) {
    return amax(x, {}, false);
}

template <class T>
Var<T> min(const Var<T>& x) {
    return amin(x, {}, false);
}

template <class T>
Var<T> min(const Var<T>& x, int axis, bool keepdims) {
    return -max(-x, axis, keepdims);
}

template <class T>
Tensor<T> argmax(const Var<T>& x, int axis, bool keepdims) {
    return tg::argmax(x.value(), axis, keepdims);
}

template <class T>
Tensor<T> argmin(const Var<T>& x, int axis, bool keepdims) {
    return tg::argmin(x.value(), axis, keepdims);
}

template <class T>
Tensor<T> argmax(const Var<T>& x) {
    return tg::argmax(x.value().reshape(Shape{-1}), 0, false);
}

template <class T>
Tensor<T> argmin(const Var<T>& x) {
    return tg::argmin(x.value().reshape(Shape{-1}), 0, false);
}

template <class T>
Var<T> norm(const Var<T>& x, double p, const Shape& axes, bool keepdims) {
    if (p == 1) return sum(abs(x), axes, keepdims);
    if (p == 2) return apply<ops::Norm2, T>(ops::axes_attrs(axes, keepdims), x);
    if (std::isinf(p)) return p > 0 ? amax(abs(x), axes, keepdims) : amin(abs(x), axes, keepdims);
    if (!(p >= 1 || p == 0))
        throw DomainError("norm: p must be 0, >= 1 or +-infinity (p < 1 is not a norm), got " +
                          std::to_string(p));
    const Var<T> ax = abs(x);
    if (p == 0)  // the number of nonzeros (NaN counts): piecewise constant, derivative 0
        return Var<T>(tg::sum(tg::sub(Tensor<T>::scalar(T(1)), tg::equal(ax.value(), Tensor<T>::scalar(T(0)))),
                              axes, keepdims));
    // (sum |x|^p)^(1/p) = m (sum (|x| / m)^p)^(1/p) for any constant m > 0: with m the largest |x|
    // of each reduced group, no power overflows or underflows to 0 (|x|^p of 1e4 at p = 100 would),
    // and m held constant leaves the derivative exact. A group of zeros (m = 0) has norm 0 and, as
    // for p = 2, gradient 0: its sum is shifted to 1 (a finite derivative of the root) and the
    // result masked, both constants.
    const Tensor<T> m = tg::amax(ax.value(), axes, true);
    const Tensor<T> zero = tg::equal(m, Tensor<T>::scalar(T(0)));
    const Var<T> mc(tg::add(m, zero));  // 1 in zero groups
    const Var<T> s = sum(pow(ax / mc, T(p)), axes, true) + Var<T>(zero);
    const Var<T> n = pow(s, T(1 / p)) * mc * Var<T>(tg::sub(Tensor<T>::scalar(T(1)), zero));
    return keepdims ? n : reshape(n, tg::sum(m, axes, false).shape());
}

template <class T>
Var<T> frobenius_norm(const Var<T>& x) {
    if (x.dim() < 2) throw ShapeError("frobenius_norm: needs at least 2 axes, got " + x.shape().str());
    return norm(x, 2, Shape{-2, -1});
}

// ---- the recorded VJPs of prod and cumprod -----------------------------------------------------

template <class T>
Var<T> detail::others_product(const Var<T>& x, const Shape& axes) {
    const Shape& s = x.shape();
    std::vector<bool> red(static_cast<std::size_t>(s.size()), axes.empty());
    for (index_t a : axes) red[normalize_axis(a, s.size(), "prod")] = true;
    Shape perm, permuted, inv = Shape::filled(s.size(), 0);
    index_t outer = 1, n = 1;
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < s.size(); ++i)
            if (red[i] == (pass == 1)) {
                inv[i] = perm.size();
                perm.push_back(i);
                permuted.push_back(s[i]);
                (pass ? n : outer) *= s[i];
            }
    if (outer == 0 || n == 0) return Var<T>(Tensor<T>(s));
    // others = (exclusive prefix product) * (exclusive suffix product) along each group's row
    const Var<T> rows = reshape(permute(x, perm), Shape{outer, n});
    const Var<T> one(ones<T>(Shape{outer, 1}));
    auto exclusive = [&](const Var<T>& v) { return concat({one, slice(cumprod(v, 1), 1, 0, n - 1)}, 1); };
    const Var<T> others = exclusive(rows) * flip(exclusive(flip(rows, Shape{1})), Shape{1});
    return permute(reshape(others, permuted), inv);
}

template <class T>
Var<T> detail::cumprod_vjp_recorded(const Var<T>& x, const Var<T>& y, const Var<T>& gy, int axis) {
    const int r = x.dim();
    auto last = [&](const Var<T>& v) { return axis == r - 1 ? v : transpose(v, axis, -1); };
    const Var<T> xt = last(x), yt = last(y), gt = last(gy);
    const index_t n = xt.shape()[r - 1];
    if (x.numel() == 0) return Var<T>(Tensor<T>(x.shape()));
    // Row k of the table holds x_j for j > k and 1 elsewhere: its cumprod at column i >= k is
    // prod_{k<j<=i} x_j, so xbar_k = y_{k-1} sum_{i>=k} ybar_i table_cumprod[k, i].
    Tensor<T> after = Tensor<T>(Shape{n, n}), from = Tensor<T>(Shape{n, n});
    T* pa = after.data();
    T* pf = from.data();
    for (index_t k = 0; k < n; ++k)
        for (index_t i = 0; i < n; ++i) {
            pa[k * n + i] = i > k ? T(1) : T(0);
            pf[k * n + i] = i >= k ? T(1) : T(0);
        }
    const Var<T> table = unsqueeze(xt, r - 1) * Var<T>(after) + Var<T>(tg::sub(ones<T>(Shape{n, n}), after));
    const Var<T> s = sum(cumprod(table, r) * Var<T>(from) * unsqueeze(gt, r - 1), Shape{r});
    Shape os = yt.shape();
    os[r - 1] = 1;
    const Var<T> prefix = concat({Var<T>(ones<T>(os)), slice(yt, r - 1, 0, n - 1)}, r - 1);
    return last(prefix * s);
}

// ---- einsum ------------------------------------------------------------------------------------

namespace {

template <class T>
struct Term {
    Var<T> v;
    std::string letters;  // one per axis, distinct after take_diagonals
};

template <class T>
Var<T> permute_to(const Term<T>& t, const std::string& order) {
    Shape perm;
    bool identity = true;
    for (std::size_t i = 0; i < order.size(); ++i) {
        perm.push_back(static_cast<index_t>(t.letters.find(order[i])));
        identity = identity && perm[static_cast<int>(i)] == static_cast<index_t>(i);
    }
    return identity ? t.v : permute(t.v, perm);
}

// "ii" -> "i": the two axes moved last, merged, and every (n + 1)-th element taken.
template <class T>
void take_diagonals(Term<T>& t) {
    for (std::size_t p = 0; p < t.letters.size(); ++p) {
        const std::size_t q = t.letters.find(t.letters[p], p + 1);
        if (q == std::string::npos) continue;
        const char c = t.letters[p];
        std::string rest;
        for (std::size_t i = 0; i < t.letters.size(); ++i)
            if (i != p && i != q) rest += t.letters[i];
        Term<T> moved{t.v, t.letters};
        moved.letters[p] = '\1';  // the two copies, told apart for permute_to
        moved.letters[q] = '\2';
        Var<T> v = permute_to(moved, rest + '\1' + '\2');
        const index_t n = v.shape()[v.dim() - 1];
        const int ax = v.dim() - 2;
        Shape merged(std::span<const index_t>(v.shape().data(), static_cast<std::size_t>(ax)));
        merged.push_back(n * n);
        v = slice(reshape(v, merged), ax, 0, n * n, n + 1);
        t = Term<T>{v, rest + c};
        p = static_cast<std::size_t>(-1);  // start over: c may appear a third time
    }
}

template <class T>
void sum_out(Term<T>& t, const std::string& keep) {
    Shape axes;
    std::string rest;
    for (std::size_t i = 0; i < t.letters.size(); ++i) {
        if (keep.find(t.letters[i]) == std::string::npos) axes.push_back(static_cast<index_t>(i));
        else rest += t.letters[i];
    }
    if (axes.empty()) return;
    t = Term<T>{sum(t.v, axes), rest};
}

}  // namespace

template <class T>
Var<T> einsum(const std::string& spec, const std::vector<Var<T>>& xs) {
    auto fail = [&](const std::string& why) {
        throw ShapeError("einsum: subscripts \"" + spec + "\" for shapes " + shapes_of(xs) + ": " + why);
    };
    const std::size_t arrow = spec.find("->");
    const std::string lhs = spec.substr(0, arrow);
    std::vector<std::string> subs(1);
    for (char c : lhs) {
        if (c == ',') subs.emplace_back();
        else if (c != ' ') subs.back() += c;
    }
    if (subs.size() != xs.size())
        fail(std::to_string(subs.size()) + " operand subscripts for " + std::to_string(xs.size()) + " operands");
    std::map<char, index_t> size;
    std::map<char, int> count;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        for (char c : subs[i])
            if (!std::isalpha(static_cast<unsigned char>(c)))
                fail(std::string("'") + c + "' is not a letter");
        if (static_cast<int>(subs[i].size()) != xs[i].dim())
            fail("operand " + std::to_string(i) + " has " + std::to_string(subs[i].size()) + " subscripts '" +
                 subs[i] + "' for " + std::to_string(xs[i].dim()) + " axes");
        for (std::size_t k = 0; k < subs[i].size(); ++k) {
            const char c = subs[i][k];
            const index_t n = xs[i].shape()[static_cast<int>(k)];
            if (size.count(c) && size[c] != n)
                fail(std::string("'") + c + "' has size " + std::to_string(size[c]) + " and " +
                     std::to_string(n));
            size[c] = n;
            ++count[c];
        }
    }
    std::string out;
    if (arrow == std::string::npos) {
        for (const auto& [c, k] : count)
            if (k == 1) out += c;
    } else {
        for (char c : spec.substr(arrow + 2)) {
            if (c == ' ') continue;
            if (!size.count(c)) fail(std::string("output subscript '") + c + "' is in no operand");
            if (out.find(c) != std::string::npos) fail(std::string("output subscript '") + c + "' repeated");
            out += c;
        }
    }
    std::vector<Term<T>> terms;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        terms.push_back(Term<T>{xs[i], subs[i]});
        take_diagonals(terms.back());
    }
    // Letters still needed after operand i: the output's and those of the operands after it.
    auto needed_after = [&](std::size_t i) {
        std::string k = out;
        for (std::size_t j = i + 1; j < terms.size(); ++j) k += terms[j].letters;
        return k;
    };
    Term<T> cur = terms[0];
    sum_out(cur, needed_after(0) + (terms.size() > 1 ? terms[1].letters : ""));
    for (std::size_t i = 1; i < terms.size(); ++i) {
        Term<T> b = terms[i];
        const std::string keep = needed_after(i);
        sum_out(b, keep + cur.letters);
        sum_out(cur, keep + b.letters);
        std::string batch, contracted, aonly, bonly;
        for (char c : cur.letters) {
            const bool in_b = b.letters.find(c) != std::string::npos;
            if (!in_b) aonly += c;
            else if (keep.find(c) != std::string::npos) batch += c;
            else contracted += c;
        }
        for (char c : b.letters)
            if (cur.letters.find(c) == std::string::npos) bonly += c;
        auto dims = [&](const std::string& ls) {
            Shape s;
            for (char c : ls) s.push_back(size[c]);
            return s;
        };
        auto numel = [&](const std::string& ls) { return dims(ls).numel(); };
        const std::string result = batch + aonly + bonly;
        if (contracted.empty()) {  // a broadcast product, no matmul needed
            Shape sa = dims(batch + aonly), sb = dims(batch);
            for (std::size_t k = 0; k < bonly.size(); ++k) sa.push_back(1);
            for (std::size_t k = 0; k < aonly.size(); ++k) sb.push_back(1);
            for (char c : bonly) sb.push_back(size[c]);
            cur = Term<T>{reshape(permute_to(cur, batch + aonly), sa) *
                              reshape(permute_to(b, batch + bonly), sb),
                          result};
        } else {
            const Var<T> am = reshape(permute_to(cur, batch + aonly + contracted),
                                      Shape{numel(batch), numel(aonly), numel(contracted)});
            const Var<T> bm = reshape(permute_to(b, batch + contracted + bonly),
                                      Shape{numel(batch), numel(contracted), numel(bonly)});
            cur = Term<T>{reshape(matmul(am, bm), dims(result)), result};
        }
    }
    sum_out(cur, out);
    return permute_to(cur, out);
}

#define TG_INSTANTIATE(T)                                                                                 \
    template Var<T> concat<T>(const std::vector<Var<T>>&, int);                                           \
    template Var<T> stack<T>(const std::vector<Var<T>>&, int);                                            \
    template std::vector<Var<T>> split<T>(const Var<T>&, index_t, int);                                   \
    template std::vector<Var<T>> split<T>(const Var<T>&, const std::vector<index_t>&, int);               \
    template Var<T> squeeze<T>(const Var<T>&);                                                            \
    template Var<T> squeeze<T>(const Var<T>&, int);                                                       \
    template Var<T> unsqueeze<T>(const Var<T>&, int);                                                     \
    template Var<T> flatten<T>(const Var<T>&, int, int);                                                  \
    template Var<T> flip<T>(const Var<T>&, const Shape&);                                                 \
    template Var<T> pad<T>(const Var<T>&, const std::vector<index_t>&, PadMode, std::type_identity_t<T>); \
    template Var<T> tile<T>(const Var<T>&, const Shape&);                                                 \
    template Var<T> index_select<T>(const Var<T>&, int, const std::vector<index_t>&);                     \
    template Var<T> gather<T>(const Var<T>&, int, const IndexArray&);                                     \
    template Var<T> scatter_add<T>(const Var<T>&, int, const IndexArray&, const Var<T>&);                 \
    template Var<T> embedding<T>(const Var<T>&, const IndexArray&);                                       \
    template Var<T> var<T>(const Var<T>&, const Shape&, double, bool);                                    \
    template Var<T> stddev<T>(const Var<T>&, const Shape&, double, bool);                                 \
    template Var<T> prod<T>(const Var<T>&, const Shape&, bool);                                           \
    template Var<T> cumsum<T>(const Var<T>&, int, bool);                                                  \
    template Var<T> cumprod<T>(const Var<T>&, int);                                                       \
    template Var<T> amax<T>(const Var<T>&, const Shape&, bool);                                           \
    template Var<T> amin<T>(const Var<T>&, const Shape&, bool);                                           \
    template Var<T> max<T>(const Var<T>&);                                                                \
    template Var<T> min<T>(const Var<T>&);                                                                \
    template Var<T> min<T>(const Var<T>&, int, bool);                                                     \
    template Tensor<T> argmax<T>(const Var<T>&, int, bool);                                               \
    template Tensor<T> argmin<T>(const Var<T>&, int, bool);                                               \
    template Tensor<T> argmax<T>(const Var<T>&);                                                          \
    template Tensor<T> argmin<T>(const Var<T>&);                                                          \
    template Var<T> norm<T>(const Var<T>&, double, const Shape&, bool);                                   \
    template Var<T> frobenius_norm<T>(const Var<T>&);                                                     \
    template Var<T> detail::others_product<T>(const Var<T>&, const Shape&);                               \
    template Var<T> detail::cumprod_vjp_recorded<T>(const Var<T>&, const Var<T>&, const Var<T>&, int);    \
    template Var<T> einsum<T>(const std::string&, const std::vector<Var<T>>&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
