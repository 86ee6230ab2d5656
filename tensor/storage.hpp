#pragma once
// Shared, 64-byte aligned storage with an intrusive atomic count: one allocation per buffer
// (header and data together), no shared_ptr control block. Copying a Tensor copies this handle.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace tg::detail {

struct BufferHeader {
    std::atomic<long> refs{1};
    // NOTE [versions]: bumped by every write the library can see (in-place methods, non-const
    // data()); backward compares it with the count saved at record time. A relaxed load + store,
    // not an atomic increment: two threads writing one buffer at once is already the user's race,
    // and either store still moves the count away from any saved value.
    std::atomic<std::uint64_t> version{0};
    std::size_t bytes = 0;     // requested size
    std::size_t capacity = 0;  // usable size (a multiple of 64)
    void* raw = nullptr;       // what malloc returned
};

/// The largest buffer asked of the allocator (4 EiB): above it the size is a mistake, and the
/// capacity rounding (a power of two) must not overflow.
inline constexpr std::size_t max_buffer_bytes = std::size_t{1} << 62;

/// Allocates `bytes` (64-byte aligned) behind a header; returns the data pointer.
/// @throws std::bad_alloc (above max_buffer_bytes, or when malloc fails)
void* buffer_allocate(std::size_t bytes);
void buffer_free(void* data) noexcept;
inline BufferHeader* header_of(void* data) {
    return reinterpret_cast<BufferHeader*>(static_cast<char*>(data) - 64);
}

class Buffer {
public:
    Buffer() = default;
    explicit Buffer(std::size_t bytes) : p_(buffer_allocate(bytes)) {}
    Buffer(const Buffer& o) noexcept : p_(o.p_) {
        if (p_) header_of(p_)->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Buffer(Buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Buffer& operator=(Buffer o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~Buffer() { release(); }

    void* data() const { return p_; }
    std::size_t bytes() const { return p_ ? header_of(p_)->bytes : 0; }
    long use_count() const { return p_ ? header_of(p_)->refs.load() : 0; }
    explicit operator bool() const { return p_ != nullptr; }
    std::uint64_t version() const { return p_ ? header_of(p_)->version.load(std::memory_order_relaxed) : 0; }
    void bump_version() const {
        if (!p_) return;
        auto& v = header_of(p_)->version;
        v.store(v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

private:
    void release() noexcept {
        if (p_ && header_of(p_)->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) buffer_free(p_);
    }
    void* p_ = nullptr;
};

}  // namespace tg::detail
