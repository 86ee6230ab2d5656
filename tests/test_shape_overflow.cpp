// NOTE [shape limits]: shape, size and index arithmetic is checked in one place, and sizes that
// cannot be allocated are an AllocationError naming the op, the shape and the bytes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using doctest::Contains;

#if defined(__SANITIZE_ADDRESS__)
// ASan aborts on a request above its largest allocation (1 TiB) unless told to return null like
// malloc does; the allocation tests below need malloc's behaviour.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif

namespace {
constexpr std::int64_t i64max = std::numeric_limits<std::int64_t>::max();
}

TEST_CASE_TEMPLATE("a size whose bytes overflow is an AllocationError, not a 64-byte buffer", T, float, double) {
    // 2^61 elements: numel fits in int64, numel * sizeof(T) does not fit in 64 bits.
    CHECK_THROWS_WITH_AS(tg::zeros<T>({std::int64_t{1} << 62}),
                         Contains("zeros: cannot allocate shape [4611686018427387904]"), tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::zeros<double>({std::int64_t{1} << 61}), Contains("-byte limit"),
                         tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::ones<T>({std::int64_t{1} << 61, 2}), Contains("ones: cannot allocate shape"),
                         tg::AllocationError);
}

TEST_CASE_TEMPLATE("a failed allocation is an AllocationError naming the shape and the bytes", T, float,
                   double) {
    // 2^40 elements (4 or 8 TiB): malloc refuses, std::bad_alloc becomes a tg::Error.
    const std::int64_t n = std::int64_t{1} << 40;
    const std::string bytes = std::to_string(n * static_cast<std::int64_t>(sizeof(T)));
    CHECK_THROWS_WITH_AS(tg::zeros<T>({n}), Contains("zeros: cannot allocate shape [1099511627776]"),
                         tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::zeros<T>({n}), Contains(("out of memory for " + bytes + " bytes").c_str()),
                         tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::full<T>({1 << 20, 1 << 20}, T(1)),
                         Contains("full: cannot allocate shape [1048576,1048576]"), tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::uniform<T>({n}), Contains("uniform"), tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::linspace<T>(0, 1, n), Contains("linspace"), tg::AllocationError);
}

TEST_CASE_TEMPLATE("contiguous() of a huge broadcast view refuses to allocate instead of writing past it", T,
                   float, double) {
    const auto v = tg::ones<T>({1}).broadcast_to({std::int64_t{1} << 31, std::int64_t{1} << 31});
    CHECK(v.numel() == std::int64_t{1} << 62);  // a legal view: every stride is 0
    CHECK_THROWS_WITH_AS(v.contiguous(), Contains("contiguous: cannot allocate shape [2147483648,2147483648]"),
                         tg::AllocationError);
    CHECK_THROWS_WITH_AS(v.clone(), Contains("clone: cannot allocate"), tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::exp(v), Contains("exp: cannot allocate"), tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::sum(v, {0}), Contains("cannot allocate"), tg::AllocationError);
}

TEST_CASE_TEMPLATE("reshape to a shape whose product wraps around 2^64 is refused", T, float, double) {
    const auto x = tg::Tensor<T>::from_vector({1, 2, 3, 4, 5, 6});
    // 6148914691236517206 * 3 * 3 = 6 modulo 2^64.
    CHECK_THROWS_WITH_AS(x.reshape({6148914691236517206, 3, 3}),
                         Contains("reshape: shape [6148914691236517206,3,3] is too large"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(x.reshape({2, 3}).transpose().reshape({-1, 6148914691236517206, 3}),
                         Contains("reshape"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(x.reshape({2, -3}), Contains("reshape: negative dimension in [2,-3]"), tg::ShapeError);
    CHECK(x.reshape({3, -1}).to_vector() == x.to_vector());  // the ordinary path still works
}

TEST_CASE_TEMPLATE("broadcast_to refuses negative and overflowing target shapes", T, float, double) {
    const auto one = tg::ones<T>({1});
    CHECK_THROWS_WITH_AS(one.broadcast_to({-3}), Contains("broadcast_to: negative dimension in shape [-3]"),
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(one.broadcast_to({i64max, 2}),
                         Contains("broadcast_to: shape [9223372036854775807,2]"), tg::ShapeError);
    CHECK(one.broadcast_to({0}).numel() == 0);  // 1 -> 0 is a valid broadcast (NumPy agrees)
}

TEST_CASE_TEMPLATE("slice steps and starts at the int64 limits do not overflow", T, float, double) {
    const auto x = tg::Tensor<T>::from_vector({0, 1, 2, 3, 4, 5});
    CHECK(x.slice(0, 0, 6, i64max).to_vector() == std::vector<T>{0});
    CHECK(x.slice(0, 3, 6, i64max).to_vector() == std::vector<T>{3});
    CHECK(x.slice(0, std::numeric_limits<std::int64_t>::min(), i64max, 2).to_vector() ==
          std::vector<T>{0, 2, 4});
    CHECK(x.slice(0, i64max, 6).numel() == 0);
    const auto m = x.reshape({2, 3}).transpose();  // strides (1, 3)
    CHECK(m.slice(1, 1, 2, i64max).to_vector() == std::vector<T>{3, 4, 5});
    CHECK(m.slice(0, -1, i64max, i64max).to_vector() == std::vector<T>{2, 5});
}

TEST_CASE_TEMPLATE("arange with more elements than int64 reports the values, not a negative dimension", T,
                   float, double) {
    CHECK_THROWS_WITH_AS(tg::arange<double>(0, 1e300),
                         Contains("arange: start=0, stop=1e+300, step=1 gives 1e+300"), tg::AllocationError);
    CHECK_THROWS_WITH_AS(tg::arange<T>(0, std::numeric_limits<T>::infinity()), Contains("must be finite"),
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(tg::arange<T>(std::nan(""), 1), Contains("start=nan"), tg::DomainError);
    CHECK_THROWS_WITH_AS(tg::arange<T>(0, T(1e30)), Contains("arange"), tg::AllocationError);
    CHECK(tg::arange<T>(0, 3).numel() == 3);
}

TEST_CASE_TEMPLATE("a (0, 2^62) tensor exists, but what would materialize its other axis is refused", T,
                   float, double) {
    const std::int64_t big = std::int64_t{1} << 62;
    const auto z = tg::zeros<T>({0, big});
    CHECK(z.numel() == 0);
    CHECK(tg::sum_all(z) == 0.0);
    CHECK(tg::sum(z, {1}).shape() == tg::Shape{0});
    CHECK_THROWS_WITH_AS(tg::sum(z, {0}), Contains("sum: cannot allocate shape [1,4611686018427387904]"),
                         tg::AllocationError);
    // Broadcasting with (3, 1, 1) would give extent 3 * 2^62.
    CHECK_THROWS_WITH_AS(z + tg::zeros<T>({3, 1, 1}),
                         Contains("add: shape [3,0,4611686018427387904] is too large"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::zeros<T>({0, big, 4}),
                         Contains("zeros: shape [0,4611686018427387904,4] is too large"), tg::ShapeError);
}

TEST_CASE("Shape::numel and the checked helpers report overflow with the values") {
    CHECK_THROWS_WITH_AS(tg::Shape({i64max, 2}).numel(), Contains("numel: shape [9223372036854775807,2]"),
                         tg::ShapeError);
    CHECK(tg::Shape({0, i64max, 2}).numel() == 0);
    CHECK_THROWS_WITH_AS(tg::checked_mul(i64max, 2, "op"),
                         Contains("op: index arithmetic overflows int64: 9223372036854775807 * 2"),
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::checked_add(i64max, 1, "op"), Contains("9223372036854775807 + 1"), tg::ShapeError);
    CHECK(tg::checked_mul(-3, 4, "op") == -12);
    CHECK(tg::checked_numel({2, 0, 5}, "op") == 0);
    CHECK_THROWS_WITH_AS(tg::checked_numel({2, -1}, "op"), Contains("op: negative dimension in shape [2,-1]"),
                         tg::ShapeError);
}

TEST_CASE_TEMPLATE("eye, from_vector and Tensor(shape) check their shapes", T, float, double) {
    CHECK_THROWS_WITH_AS(tg::eye<T>(std::int64_t{1} << 32),
                         Contains("eye: shape [4294967296,4294967296] is too large"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::eye<T>(-1), Contains("eye: negative dimension"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::Tensor<T>::from_vector(std::vector<T>(6), {-2, -3}),
                         Contains("from_vector: negative dimension in shape [-2,-3]"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::Tensor<T>(tg::Shape{-1}), Contains("zeros: negative dimension"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("matmul refuses dimensions BLAS's 32-bit index would truncate", T, float, double) {
    // A broadcast view has 2^31 rows without the memory; BLAS would see m = -2^31.
    const auto a = tg::ones<T>({1, 1}).broadcast_to({std::int64_t{1} << 31, 1});
    const auto b = tg::ones<T>({1, 1});
    CHECK_THROWS_WITH_AS(tg::matmul(a, b),
                         Contains("matmul: [2147483648,1] @ [1,1] has a dimension above 2147483647"),
                         tg::ShapeError);
    auto out = tg::zeros<T>({1, 1});
    CHECK_THROWS_WITH_AS(tg::matmul_into(b.broadcast_to({1, std::int64_t{1} << 31}), a, out),
                         Contains("matmul_into"), tg::ShapeError);
    CHECK(tg::matmul(b, b).item() == T(1));
}
