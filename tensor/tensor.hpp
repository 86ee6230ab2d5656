#pragma once
// tg::Tensor<T>: an n-d array with shared storage (copies share data; clone() copies it).
// Row-major; views (transpose, permute, slice, broadcast_to) share storage and carry strides.
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <vector>

#include "error.hpp"
#include "shape.hpp"
#include "storage.hpp"

namespace tg {

template <class T>
concept Real = std::is_same_v<T, float> || std::is_same_v<T, double>;

namespace detail {
[[noreturn]] void undefined_tensor(const char* op);
// One element of a 1-D brace list. Converting to it is a user-defined conversion, so for
// {{1}, {2}} the 2-D reading (inner lists) wins over the 1-D one (braced scalars): a column.
template <class T>
struct ListElement {
    T value;
    ListElement(T v) : value(v) {}  // NOLINT: implicit on purpose
};
}  // namespace detail

template <class T>
class Tensor {
    static_assert(Real<T>, "tg::Tensor<T> is instantiated for float and double");

public:
    using value_type = T;

    /// An undefined tensor (no storage); defined() is false.
    Tensor() = default;
    /// A zero-filled tensor of the given shape.
    explicit Tensor(const Shape& shape);
    /// 1-D to 4-D tensors from nested braces: Tensor<double>{{1, 2}, {3, 4}}; {{1}, {2}} is a
    /// 2x1 column. A 3-D or 4-D list whose innermost lists have one element is ambiguous in C++:
    /// use from_vector for those. @throws ShapeError if the nested lists are ragged.
    Tensor(std::initializer_list<detail::ListElement<T>> v);
    Tensor(std::initializer_list<std::initializer_list<T>> v);
    Tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v);
    Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>> v);

    /// Copies `values` into a new tensor of `shape`. @throws ShapeError on a size mismatch.
    static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
    static Tensor from_vector(const std::vector<T>& values);
    /// A 0-d tensor holding `v`.
    static Tensor scalar(T v);
    /// Uninitialized contiguous storage of `shape` (for kernels that write every element); `op`
    /// names the caller in errors. @throws ShapeError (negative or overflowing shape),
    /// AllocationError (more bytes than can be allocated: the message gives shape and bytes)
    static Tensor empty(const Shape& shape, const char* op = "empty");
    /// A view of `shape`/`strides` on `base`'s storage starting at element `offset` of base.data().
    /// Strides may be negative or 0 (a view with overlapping elements cannot be written).
    /// @throws IndexError if an element it reaches lies outside base's buffer; ShapeError on a bad
    /// shape; UndefinedTensorError if base is undefined
    static Tensor view_of(const Tensor& base, const Shape& shape, const Strides& strides, index_t offset);

    bool defined() const { return static_cast<bool>(buf_); }
    /// @throws UndefinedTensorError naming `op` if this tensor is undefined. Every entry point of
    /// the tensor layer calls it on its inputs.
    void require_defined(const char* op) const {
        if (!buf_) [[unlikely]]
            detail::undefined_tensor(op);
    }
    const Shape& shape() const { return shape_; }
    const Strides& strides() const { return strides_; }
    int dim() const { return shape_.size(); }
    index_t size(int axis) const;
    index_t numel() const { return shape_.numel(); }
    bool is_contiguous() const;
    /// Number of tensors sharing this buffer (1: this one alone; in-place updates are safe).
    long storage_use_count() const { return buf_.use_count(); }
    /// True when two tensors share the same buffer.
    bool shares_storage(const Tensor& o) const { return buf_.data() == o.buf_.data(); }

    /// Mutable access counts as a write (NOTE [versions]): backward refuses a graph whose saved
    /// tensors were written since they were recorded. Read through a const Tensor to avoid that.
    T* data() {
        buf_.bump_version();
        return data_;
    }
    const T* data() const { return data_; }
    /// Writes seen on this tensor's storage so far (shared by every view of the buffer).
    std::uint64_t version() const { return buf_.version(); }
    /// Counts a write the library cannot see (through a pointer kept from an earlier data()).
    void bump_version() { buf_.bump_version(); }

    /// The single value of a one-element tensor. @throws ShapeError otherwise.
    T item() const;
    /// Element access by multi-index (bounds-checked). @throws IndexError
    T at(std::initializer_list<index_t> idx) const;
    void set(std::initializer_list<index_t> idx, T v);
    std::vector<T> to_vector() const;

    // Views: share storage. @throws ShapeError/IndexError on bad axes or bounds.
    Tensor permute(const Shape& perm) const;
    Tensor transpose(int a = -2, int b = -1) const;
    /// Elements start, start+step, ... < stop along `axis` (negative start/stop count from the end).
    Tensor slice(int axis, index_t start, index_t stop, index_t step = 1) const;
    Tensor broadcast_to(const Shape& shape) const;
    /// A view when the layout allows it, else a contiguous copy. @throws ShapeError
    Tensor reshape(const Shape& shape) const;

    Tensor contiguous() const;  ///< self if already contiguous
    Tensor clone() const;       ///< always a fresh contiguous copy
    /// Converts to another element type (a copy).
    template <class U>
    Tensor<U> to() const;

    // Writes. A view whose elements overlap (broadcast_to, stride 0; NOTE [no writes through
    // overlapping views]) cannot be written: each of these throws ShapeError naming the op.

    /// Copies `src` (broadcast to this shape) into this tensor's elements. When src and this view
    /// overlap in memory the result is as if src were copied first (memmove).
    void assign(const Tensor& src);
    void fill(T v);

    // In-place on this tensor's elements (used for gradient accumulation and optimizers).
    Tensor& operator+=(const Tensor& o);
    Tensor& operator-=(const Tensor& o);
    Tensor& operator*=(T s);

    std::string str(int max_per_axis = 6) const;

private:
    template <class F>
    Tensor& update(const Tensor& o, const char* op, F f);  // the compound assignments' one kernel
    /// A view built by the library itself, in bounds by construction (view_of checks).
    static Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, index_t offset);
    /// require_defined, then refuses a view whose elements overlap.
    void check_writable(const char* op) const;

    detail::Buffer buf_;
    T* data_ = nullptr;
    Shape shape_;
    Strides strides_;
    template <class U>
    friend class Tensor;
};

template <class T>
std::ostream& operator<<(std::ostream& os, const Tensor<T>& t);

// Factories.
template <class T = double>
Tensor<T> zeros(const Shape& shape) {
    return Tensor<T>(shape);
}
template <class T = double>
Tensor<T> ones(const Shape& shape);
template <class T = double>
Tensor<T> full(const Shape& shape, T value);
/// start, start+step, ... < stop. @throws DomainError if step is 0.
template <class T = double>
Tensor<T> arange(T start, T stop, T step = T(1));
/// `num` points from start to stop inclusive.
template <class T = double>
Tensor<T> linspace(T start, T stop, index_t num);
template <class T = double>
Tensor<T> eye(index_t n);

/// True when the shapes match and every element is within atol + rtol * |b|.
template <class T>
bool allclose(const Tensor<T>& a, const Tensor<T>& b, double rtol = 1e-7, double atol = 0);

extern template class Tensor<float>;
extern template class Tensor<double>;

}  // namespace tg
