// The non-template parts of tg::Rev (rev.hpp): the thread-local arenas, their growth, the reverse
// sweep and the tape's maintenance functions, instantiated for float and double.
#include "rev.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <string>

namespace tg {
namespace detail {

constinit thread_local RevTapeState<double> rev_tape_double{};
constinit thread_local RevTapeState<float> rev_tape_float{};

namespace {
std::atomic<std::uint64_t> epoch_counter{2};  // the next epoch (NOTE [rev epochs] in rev.hpp)

constexpr std::uint32_t first_capacity = 4096;
constexpr std::uint32_t max_capacity = std::numeric_limits<std::uint32_t>::max();

// Frees the arena of its thread at thread exit. The state itself is trivially destructible (no TLS
// guard on the hot path), so its owner is a separate object, touched on the slow path only.
template <class T>
struct RevArenaOwner {
    bool armed = false;
    std::deque<std::vector<Rev<T>>> leaves;  // per nesting depth; a deque keeps them in place as it grows
    ~RevArenaOwner() {
        auto& t = rev_tape<T>();
        std::free(t.rec), std::free(t.adj);
        t = RevTapeState<T>{};
    }
};
thread_local RevArenaOwner<double> owner_double;
thread_local RevArenaOwner<float> owner_float;

template <class T>
RevArenaOwner<T>& owner() {
    if constexpr (std::is_same_v<T, double>) return owner_double;
    else return owner_float;
}

template <class U>
U* resize(U* p, std::size_t n) {
    // Trivially copyable: realloc keeps the contents (the adjoints of an enclosing segment's sweep
    // must survive a nested gradient call that grows the arena).
    auto* q = static_cast<U*>(std::realloc(p, sizeof(U) * n));
    if (!q) throw std::bad_alloc();
    return q;
}

template <class T>
void reserve_at_least(RevTapeState<T>& t, std::size_t n) {
    owner<T>().armed = true;
    if (n > max_capacity)
        throw AutogradError(
            "tg::Rev: the tape of this thread is full (2^32 - 1 records); clear it or record less");
    n = std::max<std::size_t>(n, rev_first);
    if (n > t.cap) {
        std::size_t cap = t.cap ? t.cap : first_capacity;
        while (cap < n) cap *= 2;
        cap = std::min<std::size_t>(cap, max_capacity);
        t.rec = resize(t.rec, cap);
        t.adj = resize(t.adj, cap);
        t.cap = static_cast<std::uint32_t>(cap);
    }
    if (t.size == 0) {  // first use: the constant and junk slots (NOTE [rev tape]), a fresh epoch
        const std::uint64_t e = rev_next_epoch();  // first: if it throws, the tape is unchanged
        for (std::uint32_t k = 0; k < rev_first; ++k) t.rec[k] = {0, 0, T(0), T(0)}, t.adj[k] = T(0);
        t.size = t.base = rev_first;
        t.epoch = e;
    }
}
}  // namespace

std::uint64_t rev_next_epoch() {
    // Even numbers from 2 (bit 0 of a Rev's epoch word is its ownership bit, 0 is "constant or moved
    // from"), up to but excluding rev_no_epoch. The counter never passes it, so once exhausted it
    // stays exhausted instead of wrapping around to epochs that kept Revs may still carry.
    std::uint64_t e = epoch_counter.load(std::memory_order_relaxed);
    do {
        if (e >= rev_no_epoch)
            throw AutogradError("tg::Rev: all 2^63 tape epochs of this process have been used (one per "
                                "RevTape::clear() and tg::gradient call); reusing one could let a kept Rev "
                                "pass as a current one");
    } while (!epoch_counter.compare_exchange_weak(e, e + 2, std::memory_order_relaxed));
    return e;
}

std::uint64_t rev_set_next_epoch(std::uint64_t e) noexcept {
    return epoch_counter.exchange(std::max<std::uint64_t>(e & ~rev_owned, 2));
}

template <class T>
void rev_grow(RevTapeState<T>& t) {
    reserve_at_least(t, std::size_t(t.size) + 1);
}

template <class T>
void rev_reserve(RevTapeState<T>& t, std::size_t n) {
    reserve_at_least(t, std::size_t(t.size == 0 ? rev_first : t.size) + n);
}

template <class T>
void rev_foreign(const char* where, std::uint64_t epoch) {
    const auto& t = rev_tape<T>();
    std::string msg = std::string("tg::Rev: ") + where +
                      " uses a Rev that is not on this thread's current tape: ";
    if ((epoch & ~rev_owned) == 0)
        msg += "it was moved from (a named Rev passed to an operation through std::move is consumed by it)";
    else if (t.depth > 0)
        msg += "it was recorded outside the enclosing tg::gradient call, on another thread, or before "
               "RevTape::clear() (a nested tg::gradient takes its inputs as plain numbers: use value())";
    else
        msg += "it was recorded on another thread, before RevTape::clear(), or inside a tg::gradient call that "
               "has returned";
    throw AutogradError(msg);
}

// NOTE [zero adjoints]: a record whose adjoint is zero is skipped, so a partial that is infinite
// or NaN (sqrt at 0, log at 0, ...) reaches the gradient only when the output really depends on it:
// 0 * inf would otherwise make the gradient NaN. It also skips unused parts of the tape.
template <class T>
void rev_sweep(RevTapeState<T>& t, std::uint32_t top, std::uint32_t stop) {
    t.swept_epoch = t.epoch;
    const std::uint32_t lo = t.base;
    if (t.size == 0 || top < lo) {  // a constant output: every adjoint is 0
        t.swept_hi = 0;
        return;
    }
    T* __restrict adj = t.adj;
    const RevRecord<T>* __restrict rec = t.rec;
    std::memset(adj + lo, 0, sizeof(T) * (top + 1 - lo));
    adj[top] = T(1);
    for (std::uint32_t k = top + 1; k-- > stop;) {
        const T g = adj[k];
        if (g == T(0)) continue;
        const RevRecord<T>& r = rec[k];
        adj[r.i0] += g * r.d0;
        adj[r.i1] += g * r.d1;
    }
    t.swept_hi = top + 1;
}

template <class T>
Rev<T> RevCore<T>::variable(T v) {
    auto& t = rev_tape<T>();
    if (t.size == t.cap) rev_grow(t);
    const std::uint32_t k = t.size;
    t.rec[k] = {junk(k), junk(k + rev_junk / 2), T(0), T(0)};
    t.size = k + 1;
    return make(v, k, t.epoch);  // a variable is never consumed: it is not an operation's result
}

template <class T>
void RevCore<T>::variables(const T* x, std::size_t n, Rev<T>* out) {
    auto& t = rev_tape<T>();
    if (std::size_t(t.cap) - t.size < n) rev_reserve(t, n);
    const std::uint32_t k0 = t.size;
    const std::uint64_t e = t.epoch;
    Rec* const rec = t.rec;
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t k = k0 + i;
        rec[k] = {junk(k), junk(k + rev_junk / 2), T(0), T(0)};
        out[i] = make(x[i], k, e);
    }
    t.size = k0 + std::uint32_t(n);
}

template <class T>
Rev<T> RevCore<T>::binary_slow(RevTapeState<T>& t, const Rev<T>& a, const Rev<T>& b, T v, T da, T db,
                               std::uint64_t oe) {
    if ((a.i_ | b.i_) == 0) return Rev<T>(v);
    if (a.i_ != 0 && b.i_ != 0) check2(a, b, oe);  // throws
    if (a.i_ != 0) {
        check(a, oe);
        return make(v, push1(t, a.i_, da), oe);
    }
    check(b, oe);
    return make(v, push1(t, b.i_, db), oe);
}

template struct RevCore<double>;
template struct RevCore<float>;

template <class T>
RevTapeState<T> rev_open() {
    auto& t = rev_tape<T>();
    if (t.size == 0) rev_grow(t);  // allocate first, so that the state restored on exit is valid
    const RevTapeState<T> saved = t;
    const std::uint64_t e = rev_next_epoch();  // first: if it throws, the tape is unchanged
    t.base = t.size;
    t.epoch = e;
    t.swept_epoch = 0;
    ++t.depth;
    return saved;
}

template <class T>
void rev_close(const RevTapeState<T>& saved) noexcept {
    auto& t = rev_tape<T>();
    RevTapeState<T> s = saved;
    s.rec = t.rec, s.adj = t.adj, s.cap = t.cap;  // the arena may have grown
    t = s;
}

template <class T>
std::vector<Rev<T>>& rev_leaves(std::uint32_t depth) {
    auto& l = owner<T>().leaves;
    if (l.size() <= depth) l.resize(depth + 1);
    return l[depth];
}

template void rev_grow<double>(RevTapeState<double>&);
template void rev_grow<float>(RevTapeState<float>&);
template void rev_reserve<double>(RevTapeState<double>&, std::size_t);
template void rev_reserve<float>(RevTapeState<float>&, std::size_t);
template void rev_foreign<double>(const char*, std::uint64_t);
template void rev_foreign<float>(const char*, std::uint64_t);
template void rev_sweep<double>(RevTapeState<double>&, std::uint32_t, std::uint32_t);
template void rev_sweep<float>(RevTapeState<float>&, std::uint32_t, std::uint32_t);
template RevTapeState<double> rev_open<double>();
template RevTapeState<float> rev_open<float>();
template void rev_close<double>(const RevTapeState<double>&) noexcept;
template void rev_close<float>(const RevTapeState<float>&) noexcept;
template std::vector<Rev<double>>& rev_leaves<double>(std::uint32_t);
template std::vector<Rev<float>>& rev_leaves<float>(std::uint32_t);

}  // namespace detail

namespace {
template <class T>
void check_not_in_gradient(const char* fn) {
    if (detail::rev_tape<T>().depth > 0)
        throw AutogradError(std::string("tg::RevTape::") + fn +
                            ": not allowed inside tg::gradient (it would drop the records of the call)");
}
}  // namespace

template <class T>
void RevTape<T>::clear() {
    check_not_in_gradient<T>("clear");
    auto& t = detail::rev_tape<T>();
    if (t.size == 0) return;
    const std::uint64_t e = detail::rev_next_epoch();  // first: if it throws, the tape is unchanged
    t.size = t.base = detail::rev_first;
    t.epoch = e;
    t.swept_epoch = 0, t.swept_hi = 0;
}

template <class T>
void RevTape<T>::release() {
    check_not_in_gradient<T>("release");
    auto& t = detail::rev_tape<T>();
    std::free(t.rec), std::free(t.adj);
    t = detail::RevTapeState<T>{};
    detail::owner<T>().leaves = {};
}

template <class T>
void RevTape<T>::reserve(std::size_t n) {
    detail::rev_reserve(detail::rev_tape<T>(), n);
}

template <class T>
std::size_t RevTape<T>::size() noexcept {
    const auto& t = detail::rev_tape<T>();
    return t.size == 0 ? 0 : t.size - detail::rev_first;
}

template <class T>
void RevTape<T>::backward(const Rev<T>& y) {
    auto& t = detail::rev_tape<T>();
    if (!y.is_constant() && ((y.e_ & ~detail::rev_owned) != t.epoch || y.e_ == 0))
        detail::rev_foreign<T>("RevTape::backward", y.e_);
    detail::rev_sweep(t, y.index(), std::max(t.base, detail::rev_first) - 1);
}

template <class T>
T Rev<T>::adjoint() const {
    if (is_constant()) return T(0);
    const auto& t = detail::rev_tape<T>();
    if ((e_ & ~detail::rev_owned) != t.epoch || e_ == 0) detail::rev_foreign<T>("Rev::adjoint", e_);
    if (t.swept_epoch != t.epoch)
        throw AutogradError("tg::Rev::adjoint: no RevTape::backward(y) has run since this Rev was recorded");
    return i_ < t.swept_hi ? t.adj[i_] : T(0);
}

template struct RevTape<double>;
template struct RevTape<float>;
template double Rev<double>::adjoint() const;
template float Rev<float>::adjoint() const;

}  // namespace tg
