#include "tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "detail/strided.hpp"
#include "math.hpp"

namespace tg {

template <class T>
Tensor<T>::Tensor(const Shape& shape) : Tensor(empty(shape)) {
    if (numel() > 0) std::memset(data_, 0, sizeof(T) * static_cast<std::size_t>(numel()));
}

template <class T>
Tensor<T> Tensor<T>::empty(const Shape& shape) {
    for (index_t d : shape)
        if (d < 0) throw ShapeError("tensor: negative dimension in shape " + shape.str());
    Tensor t;
    const std::size_t n = static_cast<std::size_t>(shape.numel());
    t.buf_ = detail::Buffer(std::max<std::size_t>(n, 1) * sizeof(T));
    t.data_ = static_cast<T*>(t.buf_.data());
    t.shape_ = shape;
    t.strides_ = contiguous_strides(shape);
    return t;
}

template <class T>
Tensor<T> Tensor<T>::from_vector(const std::vector<T>& values, const Shape& shape) {
    if (static_cast<index_t>(values.size()) != shape.numel())
        throw ShapeError("from_vector: " + std::to_string(values.size()) + " values do not fill shape " +
                         shape.str());
    Tensor t = empty(shape);
    std::copy(values.begin(), values.end(), t.data_);
    return t;
}

template <class T>
Tensor<T> Tensor<T>::from_vector(const std::vector<T>& values) {
    return from_vector(values, Shape{static_cast<index_t>(values.size())});
}

template <class T>
Tensor<T> Tensor<T>::scalar(T v) {
    Tensor t = empty(Shape{});
    t.data_[0] = v;
    return t;
}

namespace {
// Flattens nested initializer lists, checking that they are not ragged.
template <class T>
void flatten(std::initializer_list<T> v, std::vector<T>& out, Shape& shape, int depth) {
    if (shape.size() <= depth) shape.push_back(static_cast<index_t>(v.size()));
    else if (shape[depth] != static_cast<index_t>(v.size()))
        throw ShapeError("tensor: ragged nested initializer list at depth " + std::to_string(depth));
    out.insert(out.end(), v.begin(), v.end());
}
template <class T, class L>
void flatten(std::initializer_list<L> v, std::vector<T>& out, Shape& shape, int depth) {
    if (shape.size() <= depth) shape.push_back(static_cast<index_t>(v.size()));
    else if (shape[depth] != static_cast<index_t>(v.size()))
        throw ShapeError("tensor: ragged nested initializer list at depth " + std::to_string(depth));
    for (const auto& inner : v) flatten(inner, out, shape, depth + 1);
}
template <class T, class L>
Tensor<T> from_nested(std::initializer_list<L> v) {
    std::vector<T> flat;
    Shape shape;
    flatten<T>(v, flat, shape, 0);
    return Tensor<T>::from_vector(flat, shape);
}
}  // namespace

template <class T>
Tensor<T>::Tensor(std::initializer_list<detail::ListElement<T>> v) {
    std::vector<T> flat;
    for (const auto& e : v) flat.push_back(e.value);
    *this = from_vector(flat);
}
template <class T>
Tensor<T>::Tensor(std::initializer_list<std::initializer_list<T>> v) : Tensor(from_nested<T>(v)) {}
template <class T>
Tensor<T>::Tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v)
    : Tensor(from_nested<T>(v)) {}
template <class T>
Tensor<T>::Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>> v)
    : Tensor(from_nested<T>(v)) {}

template <class T>
Tensor<T> Tensor<T>::view_of(const Tensor& base, const Shape& shape, const Strides& strides, index_t offset) {
    Tensor t;
    t.buf_ = base.buf_;
    t.data_ = base.data_ + offset;
    t.shape_ = shape;
    t.strides_ = strides;
    return t;
}

template <class T>
index_t Tensor<T>::size(int axis) const {
    return shape_[normalize_axis(axis, dim(), "size")];
}

template <class T>
bool Tensor<T>::is_contiguous() const {
    if (numel() <= 1) return true;
    index_t expect = 1;
    for (int i = dim() - 1; i >= 0; --i) {
        if (shape_[i] != 1 && strides_[i] != expect) return false;
        expect *= shape_[i];
    }
    return true;
}

template <class T>
T Tensor<T>::item() const {
    if (numel() != 1)
        throw ShapeError("item: tensor of shape " + shape_.str() + " does not hold exactly one element");
    return data_[0];
}

namespace {
template <class T>
index_t offset_of(const Tensor<T>& t, std::initializer_list<index_t> idx, const char* op) {
    if (static_cast<int>(idx.size()) != t.dim())
        throw IndexError(std::string(op) + ": " + std::to_string(idx.size()) +
                         " indices for a tensor of shape " + t.shape().str());
    index_t off = 0;
    int d = 0;
    for (index_t i : idx) {
        const index_t n = t.shape()[d];
        if (i < -n || i >= n)
            throw IndexError(std::string(op) + ": index " + std::to_string(i) + " out of range for axis " +
                             std::to_string(d) + " of shape " + t.shape().str());
        off += (i < 0 ? i + n : i) * t.strides()[d];
        ++d;
    }
    return off;
}
}  // namespace

template <class T>
T Tensor<T>::at(std::initializer_list<index_t> idx) const {
    return data_[offset_of(*this, idx, "at")];
}

template <class T>
void Tensor<T>::set(std::initializer_list<index_t> idx, T v) {
    data_[offset_of(*this, idx, "set")] = v;
    buf_.bump_version();
}

template <class T>
std::vector<T> Tensor<T>::to_vector() const {
    Tensor c = contiguous();
    return std::vector<T>(c.data_, c.data_ + numel());
}

template <class T>
Tensor<T> Tensor<T>::permute(const Shape& perm) const {
    if (perm.size() != dim())
        throw ShapeError("permute: permutation " + perm.str() + " does not match rank of shape " + shape_.str());
    Shape s, st;
    unsigned seen = 0;
    for (index_t p : perm) {
        const int a = normalize_axis(p, dim(), "permute");
        if (seen & (1u << a)) throw ShapeError("permute: " + perm.str() + " is not a permutation");
        seen |= 1u << a;
        s.push_back(shape_[a]);
        st.push_back(strides_[a]);
    }
    return view_of(*this, s, st, 0);
}

template <class T>
Tensor<T> Tensor<T>::transpose(int a, int b) const {
    if (dim() < 2) throw ShapeError("transpose: needs at least 2 axes, got shape " + shape_.str());
    const int ia = normalize_axis(a, dim(), "transpose"), ib = normalize_axis(b, dim(), "transpose");
    Shape perm;
    for (int i = 0; i < dim(); ++i) perm.push_back(i);
    std::swap(perm[ia], perm[ib]);
    return permute(perm);
}

template <class T>
Tensor<T> Tensor<T>::slice(int axis, index_t start, index_t stop, index_t step) const {
    const int a = normalize_axis(axis, dim(), "slice");
    if (step <= 0) throw IndexError("slice: step must be positive, got " + std::to_string(step));
    const index_t n = shape_[a];
    auto clampi = [n](index_t i) { return std::clamp<index_t>(i < 0 ? i + n : i, 0, n); };
    const index_t b = clampi(start), e = clampi(stop);
    const index_t len = e > b ? (e - b + step - 1) / step : 0;
    Shape s = shape_;
    Strides st = strides_;
    s[a] = len;
    st[a] = strides_[a] * step;
    return view_of(*this, s, st, len > 0 ? b * strides_[a] : 0);
}

template <class T>
Tensor<T> Tensor<T>::broadcast_to(const Shape& shape) const {
    const int r = shape.size(), off = r - dim();
    if (off < 0) throw ShapeError("broadcast_to: cannot broadcast " + shape_.str() + " to " + shape.str());
    Strides st = Shape::filled(r, 0);
    for (int i = 0; i < dim(); ++i) {
        if (shape_[i] == shape[i + off]) st[i + off] = shape_[i] == 1 ? 0 : strides_[i];
        else if (shape_[i] == 1) st[i + off] = 0;
        else throw ShapeError("broadcast_to: cannot broadcast " + shape_.str() + " to " + shape.str());
    }
    return view_of(*this, shape, st, 0);
}

template <class T>
Tensor<T> Tensor<T>::reshape(const Shape& shape) const {
    Shape s = shape;
    int infer = -1;
    index_t known = 1;
    for (int i = 0; i < s.size(); ++i) {
        if (s[i] == -1) {
            if (infer >= 0) throw ShapeError("reshape: more than one -1 in " + shape.str());
            infer = i;
        } else if (s[i] < 0) {
            throw ShapeError("reshape: negative dimension in " + shape.str());
        } else {
            known *= s[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || numel() % known != 0)
            throw ShapeError("reshape: cannot reshape " + shape_.str() + " to " + shape.str());
        s[infer] = numel() / known;
    }
    if (s.numel() != numel())
        throw ShapeError("reshape: cannot reshape " + shape_.str() + " to " + shape.str());
    const Tensor c = contiguous();
    return view_of(c, s, contiguous_strides(s), 0);
}

template <class T>
Tensor<T> Tensor<T>::contiguous() const {
    if (is_contiguous()) return *this;
    return clone();
}

template <class T>
Tensor<T> Tensor<T>::clone() const {
    Tensor out = empty(shape_);
    detail::strided_copy(data_, shape_, strides_, out.data_);
    return out;
}

template <class T>
template <class U>
Tensor<U> Tensor<T>::to() const {
    const Tensor c = contiguous();
    Tensor<U> out = Tensor<U>::empty(shape_);
    U* o = out.data();
    for (index_t i = 0; i < numel(); ++i) o[i] = static_cast<U>(c.data_[i]);
    return out;
}

template <class T>
void Tensor<T>::assign(const Tensor& src) {
    const Tensor b = src.broadcast_to(shape_).contiguous();
    buf_.bump_version();
    if (is_contiguous()) {
        detail::strided_copy(b.data_, b.shape_, b.strides_, data_);
        return;
    }
    detail::strided_scatter(b.contiguous().data_, shape_, strides_, data_);
}

template <class T>
void Tensor<T>::fill(T v) {
    assign(Tensor::scalar(v));
}

template <class T>
std::string Tensor<T>::str(int max_per_axis) const {
    std::ostringstream os;
    os << std::setprecision(std::is_same_v<T, float> ? 6 : 8);
    if (!defined()) return "Tensor(undefined)";
    const Tensor c = contiguous();
    const int r = dim();
    // Recursive print with elision of long axes.
    auto rec = [&](auto&& self, int d, index_t off) -> void {
        if (d == r) {
            os << c.data_[off];
            return;
        }
        os << '[';
        const index_t n = shape_[d];
        for (index_t i = 0; i < n; ++i) {
            if (n > max_per_axis && i == max_per_axis / 2) {
                os << "...";
                i = n - max_per_axis / 2 - 1;
                if (i + 1 < n) os << ", ";
                continue;
            }
            self(self, d + 1, off + i * c.strides_[d]);
            if (i + 1 < n)
                os << (d + 1 == r ? ", " : ",\n" + std::string(static_cast<std::size_t>(d + 1), ' '));
        }
        os << ']';
    };
    rec(rec, 0, 0);
    os << " shape=" << shape_.str();
    return os.str();
}

template <class T>
std::ostream& operator<<(std::ostream& os, const Tensor<T>& t) {
    return os << t.str();
}

#define TG_INSTANTIATE(T)     \
    template class Tensor<T>; \
    template std::ostream& operator<<(std::ostream&, const Tensor<T>&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
template Tensor<double> Tensor<float>::to<double>() const;
template Tensor<float> Tensor<double>::to<float>() const;
template Tensor<float> Tensor<float>::to<float>() const;
template Tensor<double> Tensor<double>::to<double>() const;

}  // namespace tg
