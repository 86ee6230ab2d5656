#include "shape.hpp"

#include <algorithm>

namespace tg {

namespace {
[[noreturn]] void rank_error(std::size_t n) {
    throw ShapeError("shape: rank " + std::to_string(n) + " exceeds the maximum rank " +
                     std::to_string(max_rank));
}
}  // namespace

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
    for (int i = s.size() - 2; i >= 0; --i) st[i] = st[i + 1] * std::max<index_t>(s[i + 1], 1);
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
    return out;
}

int normalize_axis(index_t axis, int rank, const char* op) {
    if (axis < -rank || axis >= rank)
        throw ShapeError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
    return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace tg

