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

    /// Product of the dimensions (1 for rank 0).
    index_t numel() const {
        index_t n = 1;
        for (int i = 0; i < rank_; ++i) n *= d_[i];
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
    std::array<index_t, max_rank> d_{};
    std::int32_t rank_ = 0;
};

using Strides = Shape;

/// Row-major contiguous strides (in elements) for a shape.
Strides contiguous_strides(const Shape& s);
/// NumPy broadcast of two shapes; throws ShapeError naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Normalizes a possibly negative axis against `rank`; throws ShapeError naming `op`.
int normalize_axis(index_t axis, int rank, const char* op);

}  // namespace tg
