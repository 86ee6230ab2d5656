// Buffer allocation with per-thread caches, because the allocator dominated op cost:
// aligned_alloc goes through glibc's slow memalign path (no tcache), a tiny op + backward
// allocates ~6 buffers, and a freed block above glibc's trim/mmap thresholds (128 KiB) goes back
// to the kernel, so the next op page-faults it in again (a fresh 40 MB result page-faults for
// longer than the math it holds takes: NOTES-deps section 1). Two caches, per thread, bounded:
//  - small blocks (<= 4 KiB) in 64-byte size classes, up to 256 KiB per class (4096 blocks of
//    64 bytes): a recorded tape keeps one output per op alive, and a tape of 1000 tiny ops
//    overflowed the former 32 blocks per class, sending 97 % of its outputs to malloc and free
//    (docs/performance.md, section 3);
//  - larger blocks in power-of-two capacities, up to 32 blocks each and 512 MiB in all; when full,
//    larger blocks are dropped to make room for smaller ones (NOTE [cache eviction]).
// Blocks are plain malloc blocks aligned by hand (a 64-byte header, data on a 64-byte line), so a
// block may be freed on another thread than the one that allocated it.
//
// NOTE [poisoned cache]: under AddressSanitizer a cached block is one live malloc block to ASan,
// so a read past a tensor's end into the capacity slack, or through a stale pointer into a block
// parked in the cache, would go unreported. When ASan is on (detected from the compiler, so the
// TG_SANITIZE build and the clang fuzz build both get it) every byte of a block outside
// [data, data + requested bytes) of a live tensor is poisoned, and a block in the cache is
// poisoned whole except its header; reuse unpoisons exactly the requested bytes.
#include "storage.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define TG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_ASAN 1
#endif
#endif
#ifdef TG_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace tg::detail {

namespace {

#ifdef TG_ASAN
// [lo, hi) as char pointers.
void poison(const void* lo, const void* hi) {
    if (hi > lo) ASAN_POISON_MEMORY_REGION(lo, static_cast<const char*>(hi) - static_cast<const char*>(lo));
}
void unpoison(const void* lo, const void* hi) {
    if (hi > lo) ASAN_UNPOISON_MEMORY_REGION(lo, static_cast<const char*>(hi) - static_cast<const char*>(lo));
}
#endif

constexpr std::size_t line = 64;
constexpr std::size_t small_max = 4096;
constexpr std::size_t n_small = small_max / line;
constexpr std::size_t small_keep_bytes = std::size_t{256} << 10;  // per class
constexpr int n_big = 48;                                         // power-of-two classes above small_max
constexpr std::size_t big_keep = 32;  // a backward pass frees many same-size temporaries at once
constexpr std::size_t big_total_max = std::size_t{512} << 20;

thread_local bool cache_gone = false;  // trivial, so valid even after the cache is destroyed

#ifdef TG_ASAN
// The end of the malloc block that holds `data` (the header is before data, slack after).
char* block_end(void* data) {
    const BufferHeader* h = header_of(data);
    return static_cast<char*>(h->raw) + h->capacity + 2 * line;
}
#endif

// NOTE [poisoned cache]: a live block exposes exactly its requested bytes.
void expose(void* data, std::size_t bytes) {
#ifdef TG_ASAN
    char* d = static_cast<char*>(data);
    unpoison(d, d + bytes);
    poison(d + bytes, block_end(data));
    BufferHeader* h = header_of(data);
    poison(h->raw, h);  // alignment padding before the header
    poison(reinterpret_cast<char*>(h) + sizeof(BufferHeader), d);
#else
    (void)data, (void)bytes;
#endif
}
// A block entering the cache: nothing but its header may be touched until reuse.
void hide(void* data) {
#ifdef TG_ASAN
    poison(data, block_end(data));
#else
    (void)data;
#endif
}

void* fresh(std::size_t capacity) {
    void* raw = std::malloc(capacity + 2 * line);
    if (!raw) throw std::bad_alloc();
    const auto addr = (reinterpret_cast<std::uintptr_t>(raw) + 2 * line - 1) & ~(line - 1);
    void* data = reinterpret_cast<void*>(addr);
    auto* h = new (header_of(data)) BufferHeader;
    h->capacity = capacity;
    h->raw = raw;
    return data;
}

void destroy(void* data) noexcept {
    BufferHeader* h = header_of(data);
    void* raw = h->raw;
#ifdef TG_ASAN
    unpoison(raw, block_end(data));
#endif
    h->~BufferHeader();
    std::free(raw);
}

int big_class(std::size_t capacity) { return std::bit_width(capacity - 1) - 12; }  // 8 KiB -> 1

struct Cache {
    std::array<std::vector<void*>, n_small> small;
    std::array<std::vector<void*>, n_big> big;
    std::size_t big_bytes = 0;
    ~Cache() {
        cache_gone = true;
        for (auto& v : small)
            for (void* p : v) destroy(p);
        for (auto& v : big)
            for (void* p : v) destroy(p);
    }
};
thread_local Cache cache;

std::size_t round_capacity(std::size_t bytes) {
    const std::size_t c = std::max<std::size_t>(line, (bytes + line - 1) / line * line);
    return c <= small_max ? c : std::bit_ceil(c);
}

}  // namespace

void* buffer_allocate(std::size_t bytes) {
    if (bytes > max_buffer_bytes) throw std::bad_alloc();
    const std::size_t capacity = round_capacity(bytes);
    void* data = nullptr;
    if (!cache_gone) {
        const bool small = capacity <= small_max;
        const int k = small ? static_cast<int>(capacity / line - 1) : big_class(capacity);
        auto* v = small ? &cache.small[k] : (k < n_big ? &cache.big[k] : nullptr);
        if (v && !v->empty()) {
            data = v->back();
            v->pop_back();
            if (!small) cache.big_bytes -= capacity;
        }
    }
    if (!data) data = fresh(capacity);
    BufferHeader* h = header_of(data);
    h->refs.store(1, std::memory_order_relaxed);
    h->version.store(0, std::memory_order_relaxed);
    h->bytes = bytes;
    expose(data, bytes);
    return data;
}

void buffer_free(void* data) noexcept {
    const std::size_t c = header_of(data)->capacity;
    if (!cache_gone) {
        if (c <= small_max) {
            auto& v = cache.small[c / line - 1];
            if (v.size() * c < small_keep_bytes) {
                hide(data);
                v.push_back(data);
                return;
            }
        } else if (const int k = big_class(c); k < n_big && c <= big_total_max) {
            // NOTE [cache eviction]: a full cache makes room by dropping blocks of LARGER classes
            // than this one. Without it, a couple of data-set-sized temporaries (two 188 MB
            // standardizations of Fashion-MNIST) filled the 512 MiB and every batch-sized buffer
            // after them went back to the kernel and page-faulted in again: training ran 5-8x slower.
            for (int j = n_big - 1; j > k && cache.big_bytes + c > big_total_max; --j)
                while (!cache.big[j].empty() && cache.big_bytes + c > big_total_max) {
                    void* victim = cache.big[j].back();
                    cache.big[j].pop_back();
                    cache.big_bytes -= header_of(victim)->capacity;
                    destroy(victim);
                }
            auto& v = cache.big[k];
            if (v.size() < big_keep && cache.big_bytes + c <= big_total_max) {
                hide(data);
                v.push_back(data);
                cache.big_bytes += c;
                return;
            }
        }
    }
    destroy(data);
}

/// The bytes of large blocks parked in this thread's cache (tests/test_storage_cache.cpp declares
/// it: not part of the library's interface).
std::size_t buffer_cache_big_bytes() noexcept { return cache_gone ? 0 : cache.big_bytes; }

}  // namespace tg::detail
