// NOTE [poisoned cache] (tensor/storage.cpp): under AddressSanitizer a read outside a tensor's
// requested bytes is reported even though the buffer cache keeps the memory allocated. Built and
// run by ctest only in the TG_SANITIZE build; each mode but "inside" must die with ASan's
// "use-after-poison" report (tests/CMakeLists.txt matches it).
//   asan_poison slack    read 24 KiB past the end of a 5,000-double tensor (in its capacity slack)
//   asan_poison cache    read a tensor's first element after its buffer went back to the cache
//   asan_poison reuse    the same after the block was handed out again, shorter, and released
//   asan_poison inside   read the last element: no report (the control)
#include <cstdio>
#include <cstring>
#include <utility>

#include <tensorgrad/tensorgrad.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: asan_poison slack|cache|reuse|inside\n");
        return 2;
    }
    const char* mode = argv[1];
    volatile double sink = 0;
    if (std::strcmp(mode, "slack") == 0 || std::strcmp(mode, "inside") == 0) {
        const auto t = tg::zeros<double>({5000});  // 40,000 bytes in a 64 KiB block
        const double* p = t.data();
        sink = p[std::strcmp(mode, "inside") == 0 ? 4999 : 5000 + 3072];
    } else if (std::strcmp(mode, "cache") == 0 || std::strcmp(mode, "reuse") == 0) {
        const double* p = nullptr;
        {
            const auto t = tg::ones<double>({5000});
            p = t.data();
        }  // the block is now in the per-thread cache
        if (std::strcmp(mode, "reuse") == 0) {
            const auto u = tg::ones<double>({4100});  // same 64 KiB class: the same block
            sink = u.data()[4099];
            if (u.data() != p) {
                std::fprintf(stderr, "asan_poison: the cache did not hand the block out again\n");
                return 3;
            }
        }
        sink = p[0];
    } else {
        std::fprintf(stderr, "asan_poison: unknown mode %s\n", mode);
        return 2;
    }
    std::printf("asan_poison %s: no report (read %g)\n", mode, static_cast<double>(sink));
    return 0;
}
