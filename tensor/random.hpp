#pragma once
// Seeded random tensors. The generator is our own (xoshiro256**, Box-Muller normals), so a seed
// gives the same numbers on every platform and standard library.
#include <cstdint>

#include "tensor.hpp"

namespace tg {

class Generator {
public:
    explicit Generator(std::uint64_t seed = 0x5eed) { this->seed(seed); }
    void seed(std::uint64_t s);
    std::uint64_t next_u64();
    /// Uniform in [0, 1) with 53 random bits.
    double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    double next_normal();

private:
    std::uint64_t s_[4]{};
    double spare_ = 0;
    bool has_spare_ = false;
};

/// The calling thread's default generator.
Generator& default_generator();
/// Re-seeds the calling thread's default generator.
void manual_seed(std::uint64_t seed);

template <class T = double>
Tensor<T> uniform(const Shape& shape, T low = T(0), T high = T(1), Generator& gen = default_generator());
template <class T = double>
Tensor<T> normal(const Shape& shape, T mean = T(0), T stddev = T(1), Generator& gen = default_generator());

}  // namespace tg
