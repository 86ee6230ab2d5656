// libFuzzer target for the .npy loader (tg::load_npy without the file system): every input must
// give a tensor or a tg::Error, never a crash, a hang, an uncaught std:: exception or a read
// outside a buffer (AddressSanitizer; NOTE [poisoned cache] makes the buffer cache visible to it).
// Each input is loaded as float and as double, and every element of a result is read.
//   build and run: docs/build.md, "Fuzzing"
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "../tensor/detail/npy.hpp"
#include "../tensor/error.hpp"

namespace {

template <class T>
void load(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        const tg::Tensor<T> t = tg::detail::load_npy_stream<T>(in, size, "<fuzz input>");
        double sum = 0;
        for (T v : t.to_vector()) sum += static_cast<double>(v);
        volatile double sink = sum;  // keeps the reads
        (void)sink;
    } catch (const tg::Error&) {
        // a clean refusal is the expected outcome for most inputs
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    load<float>(data, size);
    load<double>(data, size);
    return 0;
}
