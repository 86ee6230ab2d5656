#include "shape.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace tg {

namespace {
[[noreturn]] void rank_error(std::size_t n) {
    throw ShapeError("shape: rank " + std::to_string(n) + " exceeds the maximum rank " +
                     std::to_string(max_rank));
}
}  // namespace

void Shape::numel_overflow() const {
    throw ShapeError("numel: shape " + str() + " has more elements than fit in int64");
}

void index_overflow(const char* op, index_t a, char how, index_t b) {
    throw ShapeError(std::string(op) + ": index arithmetic overflows int64: " + std::to_string(a) + ' ' +
                     how + ' ' + std::to_string(b));
}

index_t checked_numel_slow(const Shape& s, const char* op) {
    index_t extent = 1;
    bool zero = false;
    for (index_t d : s) {
        if (d < 0) throw ShapeError(std::string(op) + ": negative dimension in shape " + s.str());
        if (d == 0) zero = true;
        else if (__builtin_mul_overflow(extent, d, &extent))
            throw ShapeError(std::string(op) + ": shape " + s.str() +
                             " is too large: the product of its dimensions overflows int64");
    }
    return zero ? 0 : extent;
}

Reach reach_of(const Shape& shape, const Strides& strides, const char* op) {
    Reach r;
    for (int i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0) return Reach{0, 0, true};
        const index_t span = checked_mul(shape[i] - 1, strides[i], op);
        if (span > 0) r.hi = checked_add(r.hi, span, op);
        else r.lo = checked_add(r.lo, span, op);
    }
    return r;
}

bool may_overlap(const Shape& shape, const Strides& strides) {
    std::array<std::pair<index_t, index_t>, max_rank> axes;  // (|stride|, size) of axes longer than 1
    int k = 0;
    for (int i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0) return false;  // no elements, nothing is written twice
        if (shape[i] == 1) continue;
        if (strides[i] == std::numeric_limits<index_t>::min()) return true;
        axes[k++] = {strides[i] < 0 ? -strides[i] : strides[i], shape[i]};
    }
    std::sort(axes.begin(), axes.begin() + k);
    index_t reach = 0;  // highest offset the smaller axes reach together
    for (int i = 0; i < k; ++i) {
        const auto [stride, size] = axes[i];
        if (stride <= reach) return true;
        index_t span;
        if (__builtin_mul_overflow(stride, size - 1, &span) || __builtin_add_overflow(reach, span, &reach))
            return true;
    }
    return false;
}

void Shape::assign(const index_t* p, std::size_t n) {
    if (n > static_cast<std::size_t>(max_rank)) rank_error(n);
    for (std::size_t i = 0; i < n; ++i) d_[i] = p[i];
    rank_ = static_cast<std::int32_t>(n);
}

Shape Shape::filled(int rank, index_t value) {
    Shape s;
    s.resize(rank, value);
    return s;
}

void Shape::push_back(index_t v) {
    if (rank_ >= max_rank) rank_error(rank_ + 1);
    d_[rank_++] = v;
}

void Shape::insert(int pos, index_t v) {
    if (rank_ >= max_rank) rank_error(rank_ + 1);
    for (int i = rank_; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
    ++rank_;
}

void Shape::erase(int pos) {
    for (int i = pos; i + 1 < rank_; ++i) d_[i] = d_[i + 1];
    --rank_;
}

void Shape::resize(int rank, index_t fill) {
    if (rank > max_rank) rank_error(rank);
    for (int i = rank_; i < rank; ++i) d_[i] = fill;
    rank_ = rank;
}

std::string Shape::str() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) {
        if (i) s += ',';
        s += std::to_string(d_[i]);
    }
    return s + "]";
}

Strides contiguous_strides(const Shape& s) {
    Strides st = Shape::filled(s.size(), 1);
    for (int i = s.size() - 2; i >= 0; --i)
        st[i] = checked_mul(st[i + 1], std::max<index_t>(s[i + 1], 1), "contiguous_strides");
    return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    if (a == b) return a;
    const int r = std::max(a.size(), b.size());
    Shape out = Shape::filled(r, 1);
    for (int i = 0; i < r; ++i) {
        const int ia = i - (r - a.size()), ib = i - (r - b.size());
        const index_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da != db && da != 1 && db != 1)
            throw ShapeError(std::string(op) + ": shapes do not broadcast: " + a.str() + " and " + b.str());
        out[i] = da == 1 ? db : da;
    }
    checked_numel(out, op);  // (0, 2^62) with (3, 1, 1) gives an extent past int64
    return out;
}

int normalize_axis(index_t axis, int rank, const char* op) {
    if (axis < -rank || axis >= rank)
        throw ShapeError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
    return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace tg
