// The per-thread buffer cache (tensor/storage.cpp) stays useful after huge temporaries: when full,
// it drops larger blocks to make room for smaller ones (NOTE [cache eviction]).
#include <doctest/doctest.h>

#include <cstddef>
#include <thread>

#include <tensorgrad/tensorgrad.hpp>

namespace tg::detail {
std::size_t buffer_cache_big_bytes() noexcept;  // tensor/storage.cpp, for this test only
}

TEST_CASE("two data-set-sized temporaries do not lock batch-sized buffers out of the cache") {
    using tg::detail::buffer_cache_big_bytes;
    constexpr std::size_t MiB = std::size_t{1} << 20;
    std::size_t empty = 1, full = 0, after = 0, reused = 0, back = 0;
    // A fresh thread starts with an empty cache, so the byte counts below are exact.
    std::thread([&] {
        empty = buffer_cache_big_bytes();
        {  // 2 x 150 MB (a 256 MiB capacity each): together they fill the cache's 512 MiB
            tg::Tensor<double> a = tg::zeros<double>({150'000'000 / 8}),
                               b = tg::zeros<double>({150'000'000 / 8});
        }
        full = buffer_cache_big_bytes();
        {  // a batch-sized buffer (401,408 bytes: a 512 KiB capacity) evicts one of them
            tg::Tensor<float> batch = tg::zeros<float>({128, 784});
        }
        after = buffer_cache_big_bytes();
        {  // the next batch reuses the parked block
            tg::Tensor<float> batch = tg::zeros<float>({128, 784});
            reused = buffer_cache_big_bytes();
        }
        back = buffer_cache_big_bytes();
    }).join();
    CHECK(empty == 0);
    CHECK(full == 512 * MiB);
    CHECK(after == 256 * MiB + MiB / 2);
    CHECK(reused == 256 * MiB);
    CHECK(back == after);
}
