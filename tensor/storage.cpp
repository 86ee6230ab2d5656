// Buffer allocation with per-thread caches, because the allocator dominated small-op cost:
// aligned_alloc goes through glibc's slow memalign path (no tcache), and a tiny op + backward
// allocates ~6 buffers. Two caches, both per thread and bounded:
//  - small blocks (<= 4 KiB) in 64-byte size classes, up to 32 blocks each;
//  - up to 4 large blocks (>= 1 MiB, <= 512 MiB in all), reused for a request of at most their
//    capacity and at least half of it: glibc serves these with mmap, and a fresh 40 MB result
//    page-faults for longer than the math it holds takes (NOTES-deps section 1).
// Blocks are plain malloc blocks aligned by hand (header of 64 bytes, data on a 64-byte line), so
// a block may be freed on another thread than the one that allocated it.
#include "storage.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

namespace tg::detail {

namespace {

constexpr std::size_t line = 64;
constexpr std::size_t small_max = 4096;
constexpr std::size_t n_classes = small_max / line;
constexpr std::size_t per_class = 32;
constexpr std::size_t large_min = std::size_t{1} << 20;
constexpr std::size_t large_total_max = std::size_t{512} << 20;
constexpr std::size_t large_slots = 4;

thread_local bool cache_gone = false;  // trivial, so valid even after the cache is destroyed

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
    h->~BufferHeader();
    std::free(raw);
}

struct Cache {
    std::array<std::vector<void*>, n_classes> small;
    std::array<void*, large_slots> large{};
    std::size_t large_bytes = 0;
    ~Cache() {
        cache_gone = true;
        for (auto& v : small)
            for (void* p : v) destroy(p);
        for (void* p : large)
            if (p) destroy(p);
    }
};
thread_local Cache cache;

}  // namespace

void* buffer_allocate(std::size_t bytes) {
    const std::size_t capacity = std::max<std::size_t>(line, (bytes + line - 1) / line * line);
    void* data = nullptr;
    if (!cache_gone && capacity <= small_max) {
        auto& v = cache.small[capacity / line - 1];
        if (!v.empty()) {
            data = v.back();
            v.pop_back();
        }
    } else if (!cache_gone && capacity >= large_min) {
        for (void*& p : cache.large) {
            if (!p) continue;
            const std::size_t c = header_of(p)->capacity;
            if (c >= capacity && c / 2 <= capacity) {
                data = p;
                p = nullptr;
                cache.large_bytes -= c;
                break;
            }
        }
    }
    if (!data) data = fresh(capacity);
    BufferHeader* h = header_of(data);
    h->refs.store(1, std::memory_order_relaxed);
    h->bytes = bytes;
    return data;
}

void buffer_free(void* data) noexcept {
    const std::size_t c = header_of(data)->capacity;
    if (!cache_gone && c <= small_max) {
        auto& v = cache.small[c / line - 1];
        if (v.size() < per_class) {
            v.push_back(data);
            return;
        }
    } else if (!cache_gone && c >= large_min && c <= large_total_max) {
        for (void*& p : cache.large) {
            if (p) continue;
            if (cache.large_bytes + c > large_total_max) break;
            p = data;
            cache.large_bytes += c;
            return;
        }
    }
    destroy(data);
}

}  // namespace tg::detail
