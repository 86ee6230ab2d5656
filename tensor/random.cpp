// Seeded random tensors: xoshiro256** (Blackman & Vigna) seeded through splitmix64, uniform
// doubles from the top 53 bits, normals by Box-Muller in double. Everything is our own code, so a
// seed gives the same numbers on every platform and standard library (std::normal_distribution
// differs between libstdc++ and libc++).
#include "random.hpp"

#include <charconv>
#include <cmath>
#include <numbers>
#include <string>

namespace tg {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// Shortest round-trip text of a value, for error messages ("0.1", not "0.100000").
std::string num(double v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

}  // namespace

void Generator::seed(std::uint64_t s) {
    // splitmix64 never yields four zero words, which is the one state xoshiro cannot leave.
    for (auto& w : s_) w = splitmix64(s);
    has_spare_ = false;
    spare_ = 0;
}

std::uint64_t Generator::next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double Generator::next_normal() {
    if (has_spare_) {
        has_spare_ = false;
        return spare_;
    }
    // u1 in (0, 1] keeps log finite; u2 in [0, 1).
    const double u1 = 1.0 - next_double();
    const double u2 = next_double();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
}

Generator& default_generator() {
    // NOTE [per-thread generator]: each thread starts from the default seed and manual_seed only
    // affects the calling thread, so threads never race on the state.
    thread_local Generator gen;
    return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().seed(seed); }

template <class T>
Tensor<T> uniform(const Shape& shape, T low, T high, Generator& gen) {
    if (!std::isfinite(low) || !std::isfinite(high) || !(low < high))
        throw DomainError("uniform: need finite low < high, got low=" + num(low) + ", high=" + num(high));
    Tensor<T> out = Tensor<T>::empty(shape, "uniform");
    T* p = out.data();
    const index_t n = out.numel();
    const double lo = low, hi = high;
    // The largest T below high: rounding lo + (hi - lo) * u to T may land on high itself.
    const T below_high = std::nextafter(high, low);
    for (index_t i = 0; i < n; ++i) {
        // std::lerp does not overflow when hi - lo exceeds the largest double.
        const T v = static_cast<T>(std::lerp(lo, hi, gen.next_double()));
        p[i] = v < high ? v : below_high;
    }
    return out;
}

template <class T>
Tensor<T> normal(const Shape& shape, T mean, T stddev, Generator& gen) {
    if (!std::isfinite(mean) || !std::isfinite(stddev) || !(stddev >= 0))
        throw DomainError("normal: need finite mean and finite stddev >= 0, got mean=" + num(mean) +
                          ", stddev=" + num(stddev));
    Tensor<T> out = Tensor<T>::empty(shape, "normal");
    T* p = out.data();
    const index_t n = out.numel();
    const double m = mean, s = stddev;
    for (index_t i = 0; i < n; ++i) p[i] = static_cast<T>(m + s * gen.next_normal());
    return out;
}

template Tensor<float> uniform<float>(const Shape&, float, float, Generator&);
template Tensor<double> uniform<double>(const Shape&, double, double, Generator&);
template Tensor<float> normal<float>(const Shape&, float, float, Generator&);
template Tensor<double> normal<double>(const Shape&, double, double, Generator&);

}  // namespace tg
