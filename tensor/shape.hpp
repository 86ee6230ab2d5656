#pragma once
// Shape and strides: a fixed-capacity inline array, so a tensor handle never allocates for its
// geometry (the per-op overhead budget is ~100 ns). Rank is limited to max_rank.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "error.hpp"

namespace tg {

using index_t = std::int64_t;
inline constexpr int max_rank = 8;

class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<index_t> dims) { assign(dims.begin(), dims.size()); }
    explicit Shape(std::span<const index_t> dims) { assign(dims.data(), dims.size()); }
    explicit Shape(const std::vector<index_t>& dims) { assign(dims.data(), dims.size()); }
    static Shape filled(int rank, index_t value);

    int size() const { return rank_; }
    bool empty() const { return rank_ == 0; }
    index_t& operator[](int i) { return d_[i]; }
    index_t operator[](int i) const { return d_[i]; }
    index_t* begin() { return d_.data(); }
    index_t* end() { return d_.data() + rank_; }
    const index_t* begin() const { return d_.data(); }
    const index_t* end() const { return d_.data() + rank_; }
    const index_t* data() const { return d_.data(); }
    index_t back() const { return d_[rank_ - 1]; }

    void push_back(index_t v);
    void insert(int pos, index_t v);
    void erase(int pos);
    void resize(int rank, index_t fill = 0);

    /// Product of the dimensions (1 for rank 0). @throws ShapeError if it overflows int64 (a
    /// tensor's shape never does: NOTE [shape limits]).
    index_t numel() const {
        index_t n = 1;
        for (int i = 0; i < rank_; ++i)
            if (__builtin_mul_overflow(n, d_[i], &n)) [[unlikely]]
                numel_overflow();
        return n;
    }
    std::vector<index_t> to_vector() const { return {begin(), end()}; }
    std::string str() const;  ///< "[2,3]"

    friend bool operator==(const Shape& a, const Shape& b) {
        if (a.rank_ != b.rank_) return false;
        for (int i = 0; i < a.rank_; ++i)
            if (a.d_[i] != b.d_[i]) return false;
        return true;
    }

private:
    void assign(const index_t* p, std::size_t n);
    [[noreturn]] void numel_overflow() const;
    std::array<index_t, max_rank> d_{};
    std::int32_t rank_ = 0;
};

using Strides = Shape;

// NOTE [shape limits]: every shape a tensor (or a view) can have is checked once, where it is made
// (allocation, view_of, broadcast_to, reshape, broadcast_shapes): its dimensions are >= 0 and the
// product of its dimensions, counting a 0 as a 1 (the "extent"), fits in int64. Zeros count as
// ones because a (0, 2^62) tensor holds nothing yet its strides, the offsets computed from them
// and the shapes it broadcasts to are products of the other dimensions. With the extent bounded,
// numel, contiguous strides, row counts and every offset inside the tensor fit in int64, so the
// kernels need no checks per element. Bytes are checked where buffers are allocated
// (AllocationError names the shape and the bytes).

[[noreturn]] void index_overflow(const char* op, index_t a, char how, index_t b);
/// a * b, or ShapeError naming `op` when the product does not fit in int64.
inline index_t checked_mul(index_t a, index_t b, const char* op) {
    index_t r;
    if (__builtin_mul_overflow(a, b, &r)) [[unlikely]]
        index_overflow(op, a, '*', b);
    return r;
}
/// a + b, or ShapeError naming `op` when the sum does not fit in int64.
inline index_t checked_add(index_t a, index_t b, const char* op) {
    index_t r;
    if (__builtin_add_overflow(a, b, &r)) [[unlikely]]
        index_overflow(op, a, '+', b);
    return r;
}
index_t checked_numel_slow(const Shape& s, const char* op);
/// Checks a shape for a tensor (NOTE [shape limits]) and returns its number of elements.
/// @throws ShapeError naming `op` and the shape (negative dimension, or more than 2^63 elements)
inline index_t checked_numel(const Shape& s, const char* op) {
    // Every tensor allocation passes here: one branch-free pass for the common case (all
    // dimensions positive, no overflow); zeros, negatives and errors take the slow path.
    index_t n = 1;
    bool odd = false;
    for (index_t d : s) odd |= (d <= 0) | __builtin_mul_overflow(n, d, &n);
    if (!odd) [[likely]]
        return n;
    return checked_numel_slow(s, op);
}

/// The lowest and highest element offsets a (shape, strides) layout reaches, relative to its
/// first element; `empty` when it reaches none. @throws ShapeError when an offset overflows.
struct Reach {
    index_t lo = 0, hi = 0;
    bool empty = false;
};
Reach reach_of(const Shape& shape, const Strides& strides, const char* op);
/// True unless the layout provably maps distinct indices to distinct elements (so a write through
/// it would write some element twice). Sound, not complete: axes sorted by |stride| must each
/// step over everything the smaller ones reach; what it cannot prove counts as overlapping.
bool may_overlap(const Shape& shape, const Strides& strides);

/// Row-major contiguous strides (in elements) for a shape.
Strides contiguous_strides(const Shape& s);
/// NumPy broadcast of two shapes; throws ShapeError naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Normalizes a possibly negative axis against `rank`; throws ShapeError naming `op`.
int normalize_axis(index_t axis, int rank, const char* op);

}  // namespace tg
