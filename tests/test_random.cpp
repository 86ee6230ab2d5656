// Seeded random tensors: reproducibility, ranges and moments, argument checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "../tensor/random.hpp"

namespace {

template <class T>
double mean_of(const tg::Tensor<T>& t) {
    double s = 0;
    for (T v : t.to_vector()) s += v;
    return s / static_cast<double>(t.numel());
}

template <class T>
double std_of(const tg::Tensor<T>& t) {
    const double m = mean_of(t);
    double s = 0;
    for (T v : t.to_vector()) s += (v - m) * (v - m);
    return std::sqrt(s / static_cast<double>(t.numel() - 1));
}

}  // namespace

TEST_CASE("Generator matches an independent xoshiro256starstar + splitmix64 reference") {
    // Values from a Python implementation of the published algorithms (seed 42).
    tg::Generator g(42);
    CHECK(g.next_u64() == 0x15780b2e0c2ec716ULL);
    CHECK(g.next_u64() == 0x6104d9866d113a7eULL);
    CHECK(g.next_u64() == 0xae17533239e499a1ULL);
    g.seed(0);
    CHECK(g.next_u64() == 0x99ec5f36cb75f2b4ULL);
}

TEST_CASE_TEMPLATE("manual_seed makes uniform and normal reproducible", T, float, double) {
    tg::manual_seed(1234);
    const auto u1 = tg::uniform<T>({50}).to_vector();
    const auto n1 = tg::normal<T>({3, 7}).to_vector();  // odd count: a spare is left over
    tg::manual_seed(1234);
    const auto u2 = tg::uniform<T>({50}).to_vector();
    const auto n2 = tg::normal<T>({3, 7}).to_vector();
    CHECK(u1 == u2);
    CHECK(n1 == n2);
}

TEST_CASE("re-seeding discards the spare normal") {
    tg::Generator g(7);
    const double first = g.next_normal();
    g.next_normal();
    g.next_normal();  // leaves a spare
    g.seed(7);
    CHECK(g.next_normal() == first);
}

TEST_CASE("different seeds give different numbers") {
    tg::Generator a(1), b(2);
    const auto x = tg::uniform<double>({100}, 0.0, 1.0, a).to_vector();
    const auto y = tg::uniform<double>({100}, 0.0, 1.0, b).to_vector();
    int equal = 0;
    for (std::size_t i = 0; i < x.size(); ++i) equal += x[i] == y[i];
    CHECK(equal == 0);
}

TEST_CASE("the default generator is per thread") {
    tg::manual_seed(5);
    const auto a = tg::uniform<double>({8}).to_vector();
    tg::manual_seed(5);
    std::thread([] {
        tg::manual_seed(99);  // re-seeds only that thread's generator
        tg::uniform<double>({8});
    }).join();
    CHECK(tg::uniform<double>({8}).to_vector() == a);
}

TEST_CASE_TEMPLATE("uniform lies in the half-open range low to high with mean (low + high) / 2", T, float, double) {
    const std::int64_t n = 100000;
    const T low = T(-2), high = T(3);
    tg::Generator g(11);
    const auto t = tg::uniform<T>({n}, low, high, g);
    CHECK(t.shape() == tg::Shape{n});
    const auto v = t.to_vector();
    CHECK(*std::min_element(v.begin(), v.end()) >= low);
    CHECK(*std::max_element(v.begin(), v.end()) < high);
    // The mean of n uniforms has standard error (high - low) / sqrt(12 n).
    const double se = (high - low) / std::sqrt(12.0 * n);
    CHECK(std::abs(mean_of(t) - 0.5) < 4 * se);
}

TEST_CASE_TEMPLATE("normal has the requested mean and standard deviation", T, float, double) {
    const std::int64_t n = 100000;
    const double mean = 1.5, sd = 2.0;
    tg::Generator g(12);
    const auto t = tg::normal<T>({n}, T(mean), T(sd), g);
    // Standard errors: sd / sqrt(n) for the mean, about sd / sqrt(2 n) for the std.
    CHECK(std::abs(mean_of(t) - mean) < 4 * sd / std::sqrt(double(n)));
    CHECK(std::abs(std_of(t) - sd) < 4 * sd / std::sqrt(2.0 * n));
}

TEST_CASE("normal with stddev 0 gives exactly the mean - empty shapes give empty tensors") {
    CHECK(tg::normal<double>({4}, 3.0, 0.0).to_vector() == std::vector<double>(4, 3.0));
    CHECK(tg::uniform<float>({0, 3}).numel() == 0);
    CHECK(tg::uniform<double>({}).shape() == tg::Shape{});
}

TEST_CASE("uniform rejects an empty or non-finite range - naming the values") {
    CHECK_THROWS_AS(tg::uniform<double>({2}, 1.0, 1.0), tg::DomainError);
    CHECK_THROWS_AS(tg::uniform<float>({2}, 0.f, INFINITY), tg::DomainError);
    CHECK_THROWS_AS(tg::uniform<double>({2}, NAN, 1.0), tg::DomainError);
    try {
        tg::uniform<double>({2}, 2.0, 0.5);
        FAIL("no exception");
    } catch (const tg::DomainError& e) {
        CHECK(std::string(e.what()) == "uniform: need finite low < high, got low=2, high=0.5");
    }
}

TEST_CASE("normal rejects a negative or non-finite stddev and a non-finite mean") {
    CHECK_THROWS_AS(tg::normal<double>({2}, 0.0, -1.0), tg::DomainError);
    CHECK_THROWS_AS(tg::normal<float>({2}, 0.f, NAN), tg::DomainError);
    CHECK_THROWS_AS(tg::normal<double>({2}, INFINITY, 1.0), tg::DomainError);
    try {
        tg::normal<double>({2}, 0.0, -0.25);
        FAIL("no exception");
    } catch (const tg::DomainError& e) {
        CHECK(std::string(e.what()).find("normal: ") == 0);
        CHECK(std::string(e.what()).find("stddev=-0.25") != std::string::npos);
    }
}
