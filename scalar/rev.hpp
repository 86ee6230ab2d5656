#pragma once
// tg::Rev<T>: a fast scalar reverse-mode type for generic code (T = double or float).
//
//   record: each operation appends one fixed-size record {i0, i1, d0, d1} to this thread's tape:
//           the indices of its operands on the tape and the local partials dy/da, dy/db. The
//           result is record k; its value lives in the Rev, not on the tape.
//   sweep:  adj[y] = 1;  for k = y down to 1:  adj[i0_k] += adj[k] d0_k;  adj[i1_k] += adj[k] d1_k
//
//   auto [y, g] = tg::gradient([](const auto& x) { using std::exp; return x[0] * exp(x[1]); }, xs);
//
// f is a template or generic lambda taking a const std::vector<S>& or a std::span<const S>. The
// operations (rev_math.hpp) live in namespace tg and are found by ADL, so `using std::exp;
// exp(x)` works for double, tg::Dual and tg::Rev alike (`std::exp(x)` does not).
//
// NOTE [rev fusion]: an operation on a temporary Rev that it alone owns and that is the last
// record on the tape changes that record in place instead of appending one, when the result still
// has at most two operands: `100 * t` rescales t's partials, `x1 - x0 * x0` adds x1 to the record
// of x0 * x0, `a * a + b * b` merges the two records into one. The chain rule is applied at record
// time, as expression templates would, but every type stays Rev, so `auto`, ternaries and deduced
// helpers work as for double. Ownership is a bit in the Rev: set on the result of an operation,
// cleared on both sides by a copy, passed on by a move. A named owner consumed through std::move
// is marked moved-from; using it again is an AutogradError, never a silently wrong gradient.
// docs/scalar_reverse.md has the design and its measured costs.
#include <algorithm>
#include <compare>
#include <concepts>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "../tensor/error.hpp"

// Forced inline: a call per operation (with its register saves) costs as much as the record.
#define TG_REV_INLINE [[gnu::always_inline]] inline

namespace tg {

template <class T>
class Rev;
template <class T>
struct RevTape;

template <class T>
struct is_rev : std::false_type {};
template <class T>
struct is_rev<Rev<T>> : std::true_type {};
template <class T>
inline constexpr bool is_rev_v = is_rev<T>::value;

namespace detail {

// NOTE [rev tape]: records are appended in creation order and an operand always exists before its
// result, so every operand index is smaller than the record's own: the sweep is one reverse loop.
// Index 0 is a constant (a Rev not on the tape). Records 1..rev_junk are junk slots: the unused
// operand of a one-operand record, and both operands of a variable, point at junk slot
// 1 + (k mod rev_junk) with partial 0. The sweep's `adj[i] += g * 0` into them is never read, and
// rotating them keeps those updates rev_junk records apart: one shared slot would chain every
// record through one memory location (a store-to-load forwarding delay each, measured 3x slower).
//
// NOTE [rev epochs]: a Rev on the tape carries the epoch of the tape segment it was recorded in.
// clear() and each tg::gradient call start a new, process-wide unique epoch, so a Rev from another
// thread, from before clear(), or from outside a nested gradient call is caught when it is used
// (one compare per operand) instead of indexing foreign records. Epochs are 64-bit even numbers
// (bit 0 of a Rev's epoch word is its ownership bit): 2^63 of them last centuries at one per
// nanosecond, and running out is an AutogradError, so an epoch is never reused (a 31-bit epoch
// wrapped after 2^31 gradient calls, about a minute of small calls, and let a kept Rev alias a new
// segment). A Rev's epoch word is 0 for a constant or a moved-from Rev; the tape's epoch is never
// 0: a tape that has no segment yet (never used, or released) has the epoch rev_no_epoch, which no
// Rev carries, so constants can never pass the check of the fast path as live variables.
//
// The state is trivially destructible and constant-initialised, so using it costs no TLS guard;
// its memory is freed at thread exit by an owner object in rev.cpp.
template <class T>
struct RevRecord {
    std::uint32_t i0, i1;
    T d0, d1;
};

template <class T>
struct RevTapeState {
    RevRecord<T>* rec = nullptr;  // [cap]; rec[0..rev_junk] are not operations
    T* adj = nullptr;             // [cap] adjoints, filled by backward()
    std::uint32_t size = 0;       // records in use (0 until the first variable: nothing allocated)
    std::uint32_t cap = 0;
    std::uint32_t base = 0;      // first record of the current segment
    std::uint32_t depth = 0;     // tg::gradient calls active on this thread
    std::uint32_t swept_hi = 0;  // backward() ran in epoch swept_epoch, over records below swept_hi
    std::uint64_t epoch = ~std::uint64_t(1);  // the current segment's; rev_no_epoch until the first
    std::uint64_t swept_epoch = 0;
};

extern constinit thread_local RevTapeState<double> rev_tape_double;
extern constinit thread_local RevTapeState<float> rev_tape_float;

template <class T>
inline RevTapeState<T>& rev_tape() noexcept {
    if constexpr (std::is_same_v<T, double>) return rev_tape_double;
    else return rev_tape_float;
}

// Out of line (rev.cpp), instantiated for float and double.
template <class T>
void rev_grow(RevTapeState<T>& t);  // doubles the capacity (or allocates the first block)
template <class T>
void rev_reserve(RevTapeState<T>& t, std::size_t n);  // room for n more records
template <class T>
[[noreturn]] void rev_foreign(const char* where, std::uint64_t epoch);
template <class T>
void rev_sweep(RevTapeState<T>& t, std::uint32_t top, std::uint32_t stop);  // records (stop, top]
template <class T>
std::vector<Rev<T>>& rev_leaves(std::uint32_t depth);  // reused by tg::gradient, one per depth
std::uint64_t rev_next_epoch();  // @throws AutogradError when all 2^63 epochs have been used
// Test hook: the next epoch to hand out (rounded down to even); returns the previous one.
std::uint64_t rev_set_next_epoch(std::uint64_t e) noexcept;

inline constexpr std::uint64_t rev_owned = 1;  // the ownership bit of Rev's epoch word (epochs are even)
inline constexpr std::uint64_t rev_no_epoch = ~std::uint64_t(1);  // a tape without a segment (never issued)
inline constexpr std::uint32_t rev_junk = 32;                     // junk slots 1..rev_junk (NOTE [rev tape])
inline constexpr std::uint32_t rev_first = rev_junk + 1;          // the first record of an empty tape
#ifdef TG_REV_NO_FUSION
inline constexpr bool rev_fusion = false;  // to measure what fusion buys
#else
inline constexpr bool rev_fusion = true;
#endif

struct RevTag {};
template <class T>
struct RevCore;
}  // namespace detail

/// A scalar that records, on this thread's tape, every operation it takes part in. A Rev made from
/// a number is a constant (not recorded); `Rev<T>::variable(v)` is an independent variable.
template <class T>
class Rev {
    static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>,
                  "tg::Rev<T>: T must be double or float");

public:
    using value_type = T;

    constexpr Rev() = default;
    /// A constant. Implicit, so `S y = 0;` works in generic code.
    template <class U>
    requires std::is_arithmetic_v<U>
    constexpr Rev(U value) : v_(static_cast<T>(value)) {}
    // NOTE [rev fusion]: a copy shares the record, so neither side owns it any more; a move passes
    // the ownership on, and a moved-from owner is marked moved-from (using it is an error).
    constexpr Rev(const Rev& o) noexcept : v_(o.v_), i_(o.i_), e_(o.e_ & ~detail::rev_owned) { o.disown(); }
    constexpr Rev(Rev&& o) noexcept : v_(o.v_), i_(o.i_), e_(o.e_) { o.moved(); }
    constexpr Rev& operator=(const Rev& o) noexcept {
        v_ = o.v_, i_ = o.i_, e_ = o.e_ & ~detail::rev_owned;
        o.disown();
        return *this;
    }
    constexpr Rev& operator=(Rev&& o) noexcept {
        v_ = o.v_, i_ = o.i_, e_ = o.e_;
        if (&o != this) o.moved();
        return *this;
    }

    /// A new independent variable on this thread's tape.
    static Rev variable(T value);

    constexpr T value() const noexcept { return v_; }
    /// Position on the tape; 0 for a constant.
    constexpr std::uint32_t index() const noexcept { return i_; }
    constexpr bool is_constant() const noexcept { return i_ == 0; }

    /// d y / d this, for the y of the last RevTape<T>::backward(y) on this thread; 0 for a constant
    /// or for a Rev recorded after y. @throws AutogradError if backward() has not run since this Rev
    /// was recorded, or if it belongs to another thread, segment or epoch.
    T adjoint() const;

    // y += x consumes y: an accumulator that owns its record may absorb the operation.
    template <class U>
    TG_REV_INLINE Rev& operator+=(U&& o) {
        return *this = std::move(*this) + std::forward<U>(o);
    }
    template <class U>
    TG_REV_INLINE Rev& operator-=(U&& o) {
        return *this = std::move(*this) - std::forward<U>(o);
    }
    template <class U>
    TG_REV_INLINE Rev& operator*=(U&& o) {
        return *this = std::move(*this) * std::forward<U>(o);
    }
    template <class U>
    TG_REV_INLINE Rev& operator/=(U&& o) {
        return *this = std::move(*this) / std::forward<U>(o);
    }

private:
    friend struct detail::RevCore<T>;
    friend struct RevTape<T>;
    constexpr Rev(detail::RevTag, T value, std::uint32_t index, std::uint64_t epoch) noexcept
        : v_(value), i_(index), e_(epoch) {}
    constexpr void disown() const noexcept {
        if (e_ & detail::rev_owned) e_ &= ~detail::rev_owned;  // never writes a constant (read-only memory)
    }
    constexpr void moved() noexcept {
        if (e_ & detail::rev_owned) e_ = 0;
    }
    T v_{};
    std::uint32_t i_ = 0;          // 0: constant
    mutable std::uint64_t e_ = 0;  // epoch | rev_owned; 0 with i_ != 0: moved-from
};

/// This thread's tape of Rev<T>. Static functions only: there is one tape per thread and type.
template <class T>
struct RevTape {
    /// Forget every record (the memory is kept for reuse). Revs recorded before become invalid:
    /// using one is an AutogradError. @throws AutogradError inside tg::gradient.
    static void clear();
    /// Free the memory too (it is otherwise kept until the thread exits). @throws as clear().
    static void release();
    /// Make room for n more records without reallocating.
    static void reserve(std::size_t n);
    /// Records since the last clear: variables and operations, fused operations not counted.
    static std::size_t size() noexcept;
    static std::size_t capacity() noexcept { return detail::rev_tape<T>().cap; }
    /// Reverse sweep from y: afterwards x.adjoint() = dy/dx for every x recorded before y. The
    /// records stay, so backward may run again from another output.
    /// @throws AutogradError if y belongs to another thread, segment or epoch.
    static void backward(const Rev<T>& y);
};

namespace detail {
template <class T>
struct RevCore {
    using R = Rev<T>;
    using Rec = RevRecord<T>;

    TG_REV_INLINE static R make(T v, std::uint32_t k, std::uint64_t e) { return R(RevTag{}, v, k, e); }
    // The epoch checks, for operands known to be on the tape (i_ != 0): a constant never gets here.
    TG_REV_INLINE static void check(const R& a, std::uint64_t oe) {
        if ((a.e_ | rev_owned) != oe) [[unlikely]]
            rev_foreign<T>("an operation", a.e_);
    }
    TG_REV_INLINE static void check2(const R& a, const R& b, std::uint64_t oe) {
        if ((((a.e_ ^ oe) | (b.e_ ^ oe)) & ~rev_owned) != 0) [[unlikely]]
            rev_foreign<T>("an operation", (a.e_ | rev_owned) != oe ? a.e_ : b.e_);
    }
    static void check_output(const R& y, const char* where) {
        if ((y.e_ & ~rev_owned) != rev_tape<T>().epoch) rev_foreign<T>(where, y.e_);
    }
    TG_REV_INLINE static std::uint32_t junk(std::uint32_t k) { return 1 + (k & (rev_junk - 1)); }
    TG_REV_INLINE static bool single(const Rec& r) { return r.i1 <= rev_junk; }  // one operand
    TG_REV_INLINE static std::uint32_t push(RevTapeState<T>& t, std::uint32_t ia, T da, std::uint32_t ib, T db) {
        if (t.size == t.cap) [[unlikely]]
            rev_grow(t);
        const std::uint32_t k = t.size;
        Rec& r = t.rec[k];
        r.i0 = ia, r.i1 = ib, r.d0 = da, r.d1 = db;
        t.size = k + 1;
        return k;
    }
    TG_REV_INLINE static std::uint32_t push1(RevTapeState<T>& t, std::uint32_t ia, T da) {
        if (t.size == t.cap) [[unlikely]]
            rev_grow(t);
        const std::uint32_t k = t.size;
        Rec& r = t.rec[k];
        r.i0 = ia, r.i1 = junk(k), r.d0 = da, r.d1 = T(0);
        t.size = k + 1;
        return k;
    }
    // p * d where a zero factor wins over an infinite or NaN one, as in the sweep (NOTE [zero
    // adjoints] in rev.cpp): fusing must not turn a skipped 0 * inf into NaN.
    TG_REV_INLINE static T mul0(T p, T d) { return p == 0 || d == 0 ? T(0) : p * d; }
    TG_REV_INLINE static void scale(Rec& r, T d) {
        if (d != 0 && d - d == 0) [[likely]] {  // finite, non-zero
            r.d0 *= d, r.d1 *= d;
        } else {
            r.d0 = mul0(r.d0, d), r.d1 = mul0(r.d1, d);
        }
    }
    TG_REV_INLINE static bool owns_top(const R& a, const RevTapeState<T>& t, std::uint64_t oe) {
        return a.e_ == oe && a.i_ + 1 == t.size;
    }

    // Cold paths, out of line (rev.cpp): a variable, n variables at once (contiguous, for
    // tg::gradient), an operation with a constant or a foreign operand (an error).
    static R variable(T v);
    static void variables(const T* x, std::size_t n, R* out);
    static R binary_slow(RevTapeState<T>& t, const R& a, const R& b, T v, T da, T db, std::uint64_t oe);

    // Result v of an operation on a with partial d. Ca: a may be consumed (NOTE [rev fusion]).
    template <bool Ca>
    TG_REV_INLINE static R unary(const R& a, T v, T d) {
        if (a.i_ == 0) return R(v);
        auto& t = rev_tape<T>();
        const std::uint64_t oe = t.epoch | rev_owned;
        if constexpr (Ca && rev_fusion) {
            if (owns_top(a, t, oe)) {
                scale(t.rec[a.i_], d);
                a.e_ = 0;  // consumed: moved-from
                return make(v, a.i_, oe);
            }
        }
        check(a, oe);
        return make(v, push1(t, a.i_, d), oe);
    }

    // Result v of an operation on a and b with partials da, db. Ca, Cb: a, b may be consumed.
    template <bool Ca, bool Cb>
    TG_REV_INLINE static R binary(const R& a, const R& b, T v, T da, T db) {
        auto& t = rev_tape<T>();
        const std::uint64_t oe = t.epoch | rev_owned;
        if constexpr (Ca && rev_fusion) {
            if (owns_top(a, t, oe))
                if (const std::uint32_t k = fuse<Cb>(t, a, da, b, db, oe)) return make(v, k, oe);
        }
        if constexpr (Cb && rev_fusion) {
            if (owns_top(b, t, oe))
                if (const std::uint32_t k = fuse<Ca>(t, b, db, a, da, oe)) return make(v, k, oe);
        }
        // Both operands live variables of this epoch (a constant has epoch 0): one test.
        if ((((a.e_ ^ oe) | (b.e_ ^ oe)) & ~rev_owned) == 0) [[likely]] {
            if (a.i_ == b.i_) [[unlikely]]  // x * x: one operand
                return make(v, push1(t, a.i_, da + db), oe);
            return make(v, push(t, a.i_, da, b.i_, db), oe);
        }
        return binary_slow(t, a, b, v, da, db, oe);
    }
    // f owns the top record k; the result is f * df + o * dO. Fused in place if it still fits in
    // one record: o constant (rescale), o already an operand of k, or k has one operand (o becomes
    // the second); or, if o owns record k - 1 and both have one operand, the two records merge
    // into k - 1. Returns the result's record, or 0 if nothing could be fused (nothing changed).
    template <bool Co>
    TG_REV_INLINE static std::uint32_t fuse(RevTapeState<T>& t, const R& f, T df, const R& o, T dO,
                                            std::uint64_t oe) {
        const std::uint32_t k = f.i_;
        Rec& r = t.rec[k];
        if (o.i_ == 0) {
            scale(r, df);
        } else if (o.i_ == r.i0 || o.i_ == r.i1) {
            check(o, oe);
            scale(r, df);
            (o.i_ == r.i0 ? r.d0 : r.d1) += dO;
        } else if (single(r)) {
            if constexpr (Co) {
                if (o.e_ == oe && o.i_ + 1 == k) {
                    Rec& q = t.rec[k - 1];
                    if (!single(q)) return 0;
                    q = {q.i0, r.i0, mul0(q.d0, dO), mul0(r.d0, df)};
                    t.size = k;
                    f.e_ = 0, o.e_ = 0;  // consumed: moved-from
                    return k - 1;
                }
            }
            if (o.i_ == k) return 0;
            check(o, oe);
            r = {r.i0, o.i_, mul0(r.d0, df), dO};
        } else {
            return 0;
        }
        f.e_ = 0;
        return k;
    }
};

}  // namespace detail

template <class T>
Rev<T> Rev<T>::variable(T value) {
    return detail::RevCore<T>::variable(value);
}

/// The value of a Rev (tg::value_of of a number or a Dual is in dual.hpp).
template <class T>
constexpr T value_of(const Rev<T>& x) noexcept {
    return x.value();
}

}  // namespace tg

#include "rev_gradient.hpp"  // IWYU pragma: export
#include "rev_math.hpp"      // IWYU pragma: export
