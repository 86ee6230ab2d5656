#include "storage.hpp"

#include <cstdlib>
#include <new>

namespace tg::detail {

// 64 bytes of header keep the data 64-byte aligned (an AVX-512 line).
void* buffer_allocate(std::size_t bytes) {
    void* raw = std::aligned_alloc(64, 64 + ((bytes + 63) / 64) * 64);
    if (!raw) throw std::bad_alloc();
    auto* h = new (raw) BufferHeader;
    h->bytes = bytes;
    return static_cast<char*>(raw) + 64;
}

void buffer_free(void* data) noexcept {
    BufferHeader* h = header_of(data);
    h->~BufferHeader();
    std::free(h);
}

}  // namespace tg::detail
