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

namespace detail {
void undefined_tensor(const char* op) {
    throw UndefinedTensorError(std::string(op) + ": the tensor is undefined (default-constructed, no storage)");
}
}  // namespace detail

namespace {
template <class T>
constexpr const char* type_name() {
    return std::is_same_v<T, float> ? "float" : "double";
}

// The buffer for n elements of a checked shape. Bytes are checked here and allocation failure
// (std::bad_alloc) becomes an AllocationError naming the op, the shape and the bytes.
template <class T>
detail::Buffer allocate(index_t n, const Shape& shape, const char* op) {
    std::size_t bytes = 0;
    const bool too_big = __builtin_mul_overflow(static_cast<std::size_t>(std::max<index_t>(n, 1)), sizeof(T),
                                                &bytes) ||
                         bytes > detail::max_buffer_bytes;
    auto fail = [&](const std::string& why) {
        throw AllocationError(std::string(op) + ": cannot allocate shape " + shape.str() + " of " +
                              type_name<T>() + " (" + std::to_string(n) + " elements of " +
                              std::to_string(sizeof(T)) + " bytes): " + why);
    };
    if (too_big) fail("more than the " + std::to_string(detail::max_buffer_bytes) + "-byte limit");
    try {
        return detail::Buffer(bytes);
    } catch (const std::bad_alloc&) {
        fail("out of memory for " + std::to_string(bytes) + " bytes");
    }
    return {};  // not reached
}
}  // namespace

template <class T>
Tensor<T>::Tensor(const Shape& shape) : Tensor(empty(shape, "zeros")) {
    if (numel() > 0) std::memset(data_, 0, sizeof(T) * static_cast<std::size_t>(numel()));
}

template <class T>
Tensor<T> Tensor<T>::empty(const Shape& shape, const char* op) {
    const index_t n = checked_numel(shape, op);
    Tensor t;
    t.buf_ = allocate<T>(n, shape, op);
    t.data_ = static_cast<T*>(t.buf_.data());
    t.shape_ = shape;
    // Strides without overflow checks: checked_numel bounded the product of the nonzero
    // dimensions, and every stride is a partial product of them.
    t.strides_ = shape;
    index_t stride = 1;
    for (int i = shape.size() - 1; i >= 0; --i) {
        t.strides_[i] = stride;
        stride *= std::max<index_t>(shape[i], 1);
    }
    return t;
}

template <class T>
Tensor<T> Tensor<T>::from_vector(const std::vector<T>& values, const Shape& shape) {
    if (static_cast<index_t>(values.size()) != shape.numel())
        throw ShapeError("from_vector: " + std::to_string(values.size()) + " values do not fill shape " +
                         shape.str());
    Tensor t = empty(shape, "from_vector");
    std::copy(values.begin(), values.end(), t.data_);
    return t;
}

template <class T>
Tensor<T> Tensor<T>::from_vector(const std::vector<T>& values) {
    return from_vector(values, Shape{static_cast<index_t>(values.size())});
}

template <class T>
Tensor<T> Tensor<T>::scalar(T v) {
    Tensor t = empty(Shape{}, "scalar");
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
    constexpr const char* op = "view_of";
    base.require_defined(op);
    checked_numel(shape, op);
    if (strides.size() != shape.size())
        throw ShapeError(std::string(op) + ": strides " + strides.str() + " do not match the rank of shape " +
                         shape.str());
    // Offsets in elements from the start of base's buffer: base may itself be a view.
    const index_t start = base.data_ - static_cast<const T*>(base.buf_.data());
    const index_t capacity = static_cast<index_t>(base.buf_.bytes() / sizeof(T));
    const Reach r = reach_of(shape, strides, op);
    const index_t first = checked_add(start, offset, op);
    const bool inside = r.empty ? first >= 0 && first <= capacity
                                : checked_add(first, r.lo, op) >= 0 && checked_add(first, r.hi, op) < capacity;
    if (!inside) {
        auto element = [offset](index_t d) {  // offset + d for the message, which must not overflow
            index_t v;
            return __builtin_add_overflow(offset, d, &v) ? std::string("past int64") : std::to_string(v);
        };
        throw IndexError(std::string(op) + ": shape " + shape.str() + " with strides " + strides.str() +
                         " at offset " + std::to_string(offset) + " reaches elements [" + element(r.lo) +
                         ", " + element(r.hi) + "] of the base, outside its buffer of " +
                         std::to_string(capacity) + " elements" +
                         (start ? " (the base starts at element " + std::to_string(start) + ")" : ""));
    }
    return make_view(base, shape, strides, offset);
}

template <class T>
Tensor<T> Tensor<T>::make_view(const Tensor& base, const Shape& shape, const Strides& strides, index_t offset) {
    Tensor t;
    t.buf_ = base.buf_;
    t.data_ = base.data_ + offset;
    t.shape_ = shape;
    t.strides_ = strides;
    return t;
}

template <class T>
void Tensor<T>::check_writable(const char* op) const {
    require_defined(op);
    // NOTE [no writes through overlapping views]: a broadcast view (stride 0) or any layout whose
    // elements coincide would take several writes into one element, silently (NumPy refuses too).
    if (!is_contiguous() && may_overlap(shape_, strides_))
        throw ShapeError(std::string(op) + ": cannot write through a view whose elements may overlap (shape " +
                         shape_.str() + ", strides " + strides_.str() +
                         "), e.g. a broadcast_to view; write into a contiguous copy (clone) instead");
}

template <class T>
index_t Tensor<T>::size(int axis) const {
    require_defined("size");
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
    require_defined("item");
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
    require_defined("at");
    return data_[offset_of(*this, idx, "at")];
}

template <class T>
void Tensor<T>::set(std::initializer_list<index_t> idx, T v) {
    check_writable("set");
    data_[offset_of(*this, idx, "set")] = v;
    buf_.bump_version();
}

template <class T>
std::vector<T> Tensor<T>::to_vector() const {
    require_defined("to_vector");
    Tensor c = contiguous();
    return std::vector<T>(c.data_, c.data_ + numel());
}

template <class T>
Tensor<T> Tensor<T>::permute(const Shape& perm) const {
    require_defined("permute");
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
    return make_view(*this, s, st, 0);
}

template <class T>
Tensor<T> Tensor<T>::transpose(int a, int b) const {
    require_defined("transpose");
    if (dim() < 2) throw ShapeError("transpose: needs at least 2 axes, got shape " + shape_.str());
    const int ia = normalize_axis(a, dim(), "transpose"), ib = normalize_axis(b, dim(), "transpose");
    Shape perm;
    for (int i = 0; i < dim(); ++i) perm.push_back(i);
    std::swap(perm[ia], perm[ib]);
    return permute(perm);
}

template <class T>
Tensor<T> Tensor<T>::slice(int axis, index_t start, index_t stop, index_t step) const {
    require_defined("slice");
    const int a = normalize_axis(axis, dim(), "slice");
    if (step <= 0) throw IndexError("slice: step must be positive, got " + std::to_string(step));
    const index_t n = shape_[a];
    // i < -n, not i + n < 0: start = INT64_MIN must not overflow.
    auto clampi = [n](index_t i) { return i < -n ? 0 : i < 0 ? i + n : std::min(i, n); };
    const index_t b = clampi(start), e = clampi(stop);
    // A step past the axis takes one element at most; clamping it keeps stride * step in range.
    const index_t step_c = std::min(step, std::max<index_t>(n, 1));
    const index_t len = e > b ? (e - b - 1) / step_c + 1 : 0;
    Shape s = shape_;
    Strides st = strides_;
    s[a] = len;
    st[a] = checked_mul(strides_[a], step_c, "slice");
    return make_view(*this, s, st, len > 0 ? b * strides_[a] : 0);
}

template <class T>
Tensor<T> Tensor<T>::broadcast_to(const Shape& shape) const {
    require_defined("broadcast_to");
    checked_numel(shape, "broadcast_to");
    const int r = shape.size(), off = r - dim();
    if (off < 0) throw ShapeError("broadcast_to: cannot broadcast " + shape_.str() + " to " + shape.str());
    Strides st = Shape::filled(r, 0);
    for (int i = 0; i < dim(); ++i) {
        if (shape_[i] == shape[i + off]) st[i + off] = shape_[i] == 1 ? 0 : strides_[i];
        else if (shape_[i] == 1) st[i + off] = 0;
        else throw ShapeError("broadcast_to: cannot broadcast " + shape_.str() + " to " + shape.str());
    }
    return make_view(*this, shape, st, 0);
}

template <class T>
Tensor<T> Tensor<T>::reshape(const Shape& shape) const {
    require_defined("reshape");
    Shape s = shape;
    int infer = -1;
    for (int i = 0; i < s.size(); ++i) {
        if (s[i] == -1) {
            if (infer >= 0) throw ShapeError("reshape: more than one -1 in " + shape.str());
            infer = i;
            s[i] = 1;  // for the product of the others
        } else if (s[i] < 0) {
            throw ShapeError("reshape: negative dimension in " + shape.str());
        }
    }
    // checked first: {6148914691236517206, 3, 3} has 6 elements modulo 2^64.
    const index_t known = checked_numel(s, "reshape");
    if (infer >= 0) {
        if (known == 0 || numel() % known != 0)
            throw ShapeError("reshape: cannot reshape " + shape_.str() + " to " + shape.str());
        s[infer] = numel() / known;
    }
    if (checked_numel(s, "reshape") != numel())
        throw ShapeError("reshape: cannot reshape " + shape_.str() + " to " + shape.str());
    const Tensor c = contiguous();
    return make_view(c, s, contiguous_strides(s), 0);
}

template <class T>
Tensor<T> Tensor<T>::contiguous() const {
    require_defined("contiguous");
    if (is_contiguous()) return *this;
    Tensor out = empty(shape_, "contiguous");
    detail::strided_copy(data_, shape_, strides_, out.data_);
    return out;
}

template <class T>
Tensor<T> Tensor<T>::clone() const {
    require_defined("clone");
    Tensor out = empty(shape_, "clone");
    detail::strided_copy(data_, shape_, strides_, out.data_);
    return out;
}

template <class T>
template <class U>
Tensor<U> Tensor<T>::to() const {
    require_defined("to");
    const Tensor c = contiguous();
    Tensor<U> out = Tensor<U>::empty(shape_, "to");
    U* o = out.data();
    for (index_t i = 0; i < numel(); ++i) o[i] = static_cast<U>(c.data_[i]);
    return out;
}

namespace {
// True when a and b are views of one buffer whose memory ranges intersect (then a copy from one
// into the other must go through a temporary, as memmove does).
template <class T>
bool memory_overlaps(const Tensor<T>& a, const Tensor<T>& b) {
    if (!a.shares_storage(b) || a.numel() == 0 || b.numel() == 0) return false;
    const Reach ra = reach_of(a.shape(), a.strides(), "assign"),
                rb = reach_of(b.shape(), b.strides(), "assign");
    const T* a_lo = a.data() + ra.lo;
    const T* a_hi = a.data() + ra.hi;
    const T* b_lo = b.data() + rb.lo;
    const T* b_hi = b.data() + rb.hi;
    return a_lo <= b_hi && b_lo <= a_hi;
}
}  // namespace

template <class T>
void Tensor<T>::assign(const Tensor& src) {
    check_writable("assign");
    src.require_defined("assign");
    // The source must broadcast to this shape (checked here so that the message names assign).
    const int lead = dim() - src.dim();
    bool fits = lead >= 0;
    for (int i = 0; fits && i < src.dim(); ++i)
        fits = src.shape_[i] == 1 || src.shape_[i] == shape_[i + lead];
    if (!fits)
        throw ShapeError("assign: cannot assign shape " + src.shape_.str() + " to a tensor of shape " +
                         shape_.str());
    Tensor b = src.broadcast_to(shape_);
    if (memory_overlaps(static_cast<const Tensor&>(*this), b)) b = b.clone();
    buf_.bump_version();
    if (is_contiguous()) {
        detail::strided_copy(b.data_, b.shape_, b.strides_, data_);
        return;
    }
    b = b.contiguous();
    detail::strided_scatter(b.data_, shape_, strides_, data_);
}

template <class T>
void Tensor<T>::fill(T v) {
    check_writable("fill");
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
