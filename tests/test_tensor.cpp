// tg::Tensor<T>: factories, nested braces, shared storage, element access, views (transpose,
// permute, slice, broadcast_to, reshape), conversion, printing, and in-place writes.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace {

// Expected values as T (braces of double literals would narrow for float).
template <class T>
std::vector<T> vals(std::initializer_list<double> v) {
    return std::vector<T>(v.begin(), v.end());
}

}  // namespace

// ---- factories ----

TEST_CASE_TEMPLATE("zeros, ones and full fill the whole shape", T, float, double) {
    const auto z = tg::zeros<T>({2, 3});
    const auto o = tg::ones<T>({3, 2});
    const auto f = tg::full<T>({2, 2}, T(2.5));
    CHECK(z.shape() == tg::Shape{2, 3});
    CHECK(o.shape() == tg::Shape{3, 2});
    CHECK(z.to_vector() == std::vector<T>(6, T(0)));
    CHECK(o.to_vector() == std::vector<T>(6, T(1)));
    CHECK(f.to_vector() == std::vector<T>(4, T(2.5)));
    CHECK(tg::zeros<T>({}).numel() == 1);  // rank 0 holds one element
    CHECK(tg::zeros<T>({2, 0}).numel() == 0);
}

TEST_CASE_TEMPLATE("arange counts up to but not including stop", T, float, double) {
    const auto a = tg::arange<T>(0, 5);
    CHECK(a.shape() == tg::Shape{5});
    CHECK(a.to_vector() == vals<T>({0, 1, 2, 3, 4}));
    CHECK(tg::arange<T>(1, 2, T(0.25)).to_vector() == vals<T>({1, 1.25, 1.5, 1.75}));
    CHECK(tg::arange<T>(T(0.5), 3).to_vector() == vals<T>({0.5, 1.5, 2.5}));
}

TEST_CASE_TEMPLATE("arange with a negative step counts down", T, float, double) {
    CHECK(tg::arange<T>(5, 0, -1).to_vector() == vals<T>({5, 4, 3, 2, 1}));
    CHECK(tg::arange<T>(5, 0, T(-1.5)).to_vector() == vals<T>({5, 3.5, 2, 0.5}));
    CHECK(tg::arange<T>(-1, -3, -1).to_vector() == vals<T>({-1, -2}));
}

TEST_CASE_TEMPLATE("arange gives an empty result when the range is empty, and rejects step 0", T, float,
                   double) {
    for (const auto& e : {tg::arange<T>(3, 3), tg::arange<T>(0, 5, -1), tg::arange<T>(5, 0)}) {
        CHECK(e.shape() == tg::Shape{0});
        CHECK(e.to_vector().empty());
    }
    CHECK_THROWS_WITH_AS(tg::arange<T>(0, 1, 0), doctest::Contains("arange"), tg::DomainError);
}

TEST_CASE_TEMPLATE("linspace hits both endpoints exactly", T, float, double) {
    const auto l = tg::linspace<T>(T(0.1), T(0.7), 7);
    const auto v = l.to_vector();
    REQUIRE(v.size() == 7);
    CHECK(v.front() == T(0.1));
    CHECK(v.back() == T(0.7));
    for (int i = 0; i < 7; ++i) CHECK(v[i] == doctest::Approx(0.1 + 0.1 * i).epsilon(1e-6));
    CHECK(tg::linspace<T>(0, 1, 5).to_vector() == vals<T>({0, 0.25, 0.5, 0.75, 1}));
    CHECK(tg::linspace<T>(0, 1, 50).to_vector().back() == T(1));  // 49 * (1.0 / 49) != 1 in double
    CHECK(tg::linspace<T>(2, 3, 1).to_vector() == vals<T>({2}));
    CHECK(tg::linspace<T>(2, 3, 0).numel() == 0);
}

TEST_CASE_TEMPLATE("eye is the identity matrix", T, float, double) {
    const auto e = tg::eye<T>(3);
    CHECK(e.shape() == tg::Shape{3, 3});
    CHECK(e.to_vector() == vals<T>({1, 0, 0, 0, 1, 0, 0, 0, 1}));
    CHECK(tg::eye<T>(0).shape() == tg::Shape{0, 0});
}

// ---- construction ----

TEST_CASE_TEMPLATE("nested initializer lists build 1-D to 4-D tensors in row-major order", T, float, double) {
    const tg::Tensor<T> a{1, 2, 3};
    const tg::Tensor<T> b{{1, 2, 3}, {4, 5, 6}};
    const tg::Tensor<T> c{{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}, {9, 10}, {11, 12}}};
    const tg::Tensor<T> d{{{{1, 2}, {3, 4}}}, {{{5, 6}, {7, 8}}}};
    CHECK(a.shape() == tg::Shape{3});
    CHECK(b.shape() == tg::Shape{2, 3});
    CHECK(c.shape() == tg::Shape{2, 3, 2});
    CHECK(d.shape() == tg::Shape{2, 1, 2, 2});
    CHECK(b.to_vector() == vals<T>({1, 2, 3, 4, 5, 6}));
    CHECK(c.at({1, 2, 0}) == T(11));
    CHECK(d.to_vector() == vals<T>({1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_CASE("ragged nested initializer lists throw ShapeError") {
    using T = double;
    CHECK_THROWS_WITH_AS((tg::Tensor<T>{{1, 2}, {3}}), doctest::Contains("ragged"), tg::ShapeError);
    CHECK_THROWS_WITH_AS((tg::Tensor<T>{{{1, 2}, {3, 4}}, {{5, 6}, {7}}}), doctest::Contains("ragged"),
                         tg::ShapeError);
    CHECK_THROWS_AS((tg::Tensor<T>{{{1, 2}, {3, 4}}, {{5, 6}}}), tg::ShapeError);
    CHECK_THROWS_AS((tg::Tensor<T>{{{{1, 2}}}, {{{3, 4}, {5, 6}}}}), tg::ShapeError);
}

TEST_CASE_TEMPLATE("from_vector checks that the values fill the shape", T, float, double) {
    const auto t = tg::Tensor<T>::from_vector(vals<T>({1, 2, 3, 4, 5, 6}), {3, 2});
    CHECK(t.shape() == tg::Shape{3, 2});
    CHECK(t.at({2, 1}) == T(6));
    CHECK(tg::Tensor<T>::from_vector(vals<T>({7, 8})).shape() == tg::Shape{2});
    CHECK_THROWS_WITH_AS(tg::Tensor<T>::from_vector(vals<T>({1, 2, 3}), {2, 2}),
                         doctest::Contains("from_vector"), tg::ShapeError);
    CHECK_THROWS_AS(tg::Tensor<T>::from_vector(vals<T>({1, 2, 3, 4, 5}), {2, 2}), tg::ShapeError);
}

// ---- storage and element access ----

TEST_CASE_TEMPLATE("a copy shares storage - clone does not", T, float, double) {
    tg::Tensor<T> a{{1, 2}, {3, 4}};
    tg::Tensor<T> shared = a;
    tg::Tensor<T> cloned = a.clone();
    CHECK(shared.shares_storage(a));
    CHECK_FALSE(cloned.shares_storage(a));
    a.set({0, 1}, T(20));
    CHECK(shared.at({0, 1}) == T(20));
    CHECK(cloned.at({0, 1}) == T(2));
    cloned.set({1, 1}, T(-4));
    CHECK(a.at({1, 1}) == T(4));
}

TEST_CASE_TEMPLATE("item reads a one-element tensor and rejects any other", T, float, double) {
    CHECK(tg::Tensor<T>::scalar(T(3.5)).item() == T(3.5));
    CHECK(tg::Tensor<T>::from_vector({T(7)}, {1, 1}).item() == T(7));
    CHECK_THROWS_WITH_AS(tg::Tensor<T>({1, 2}).item(), doctest::Contains("item"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::zeros<T>({0}).item(), doctest::Contains("item"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("at and set accept negative indices counted from the end", T, float, double) {
    tg::Tensor<T> t{{1, 2, 3}, {4, 5, 6}};
    CHECK(t.at({-1, -1}) == T(6));
    CHECK(t.at({-2, 0}) == T(1));
    CHECK(t.at({1, -3}) == T(4));
    t.set({-1, -2}, T(50));
    CHECK(t.at({1, 1}) == T(50));
    CHECK(t.to_vector() == vals<T>({1, 2, 3, 4, 50, 6}));
}

TEST_CASE_TEMPLATE("at and set throw IndexError out of range or with the wrong index count", T, float, double) {
    tg::Tensor<T> t{{1, 2, 3}, {4, 5, 6}};
    CHECK_THROWS_WITH_AS(t.at({2, 0}), doctest::Contains("at"), tg::IndexError);
    CHECK_THROWS_WITH_AS(t.at({0, -4}), doctest::Contains("at"), tg::IndexError);
    CHECK_THROWS_WITH_AS(t.at({0}), doctest::Contains("at"), tg::IndexError);
    CHECK_THROWS_WITH_AS(t.set({0, 3}, T(1)), doctest::Contains("set"), tg::IndexError);
    CHECK_THROWS_WITH_AS(t.set({-3, 0}, T(1)), doctest::Contains("set"), tg::IndexError);
    CHECK(t.to_vector() == vals<T>({1, 2, 3, 4, 5, 6}));  // nothing was written
}

// ---- views ----

TEST_CASE_TEMPLATE("transpose is a view with swapped strides", T, float, double) {
    tg::Tensor<T> a{{1, 2, 3}, {4, 5, 6}};
    const auto t = a.transpose();
    CHECK(t.shares_storage(a));
    CHECK(t.shape() == tg::Shape{3, 2});
    CHECK(t.strides() == tg::Strides{1, 3});
    CHECK_FALSE(t.is_contiguous());
    CHECK(t.to_vector() == vals<T>({1, 4, 2, 5, 3, 6}));
    a.set({0, 2}, T(30));
    CHECK(t.at({2, 0}) == T(30));  // writes to the base show through the view
}

TEST_CASE_TEMPLATE("permute is a view with permuted shape and strides", T, float, double) {
    const auto a = tg::arange<T>(0, 24).reshape({2, 3, 4});
    const auto p = a.permute({2, 0, 1});
    CHECK(p.shares_storage(a));
    CHECK(p.shape() == tg::Shape{4, 2, 3});
    CHECK(p.strides() == tg::Strides{1, 12, 4});
    for (tg::index_t i = 0; i < 4; ++i)
        for (tg::index_t j = 0; j < 2; ++j)
            for (tg::index_t k = 0; k < 3; ++k) CHECK(p.at({i, j, k}) == a.at({j, k, i}));
    CHECK(a.transpose(0, 2).strides() == tg::Strides{1, 4, 12});
}

TEST_CASE("permute and transpose reject bad axes with ShapeError") {
    const auto a = tg::zeros<double>({2, 3, 4});
    CHECK_THROWS_WITH_AS(a.permute({0, 0, 1}), doctest::Contains("permute"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.permute({0, 1}), doctest::Contains("permute"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.permute({0, 1, 3}), doctest::Contains("permute"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.transpose(0, 3), doctest::Contains("transpose"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::zeros<double>({3}).transpose(), doctest::Contains("transpose"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("slice with a step is a strided view", T, float, double) {
    const auto a = tg::arange<T>(0, 10);
    const auto s = a.slice(0, 1, 8, 3);
    CHECK(s.shares_storage(a));
    CHECK(s.shape() == tg::Shape{3});
    CHECK(s.strides() == tg::Strides{3});
    CHECK(s.to_vector() == vals<T>({1, 4, 7}));
    const auto m = tg::arange<T>(0, 12).reshape({3, 4}).slice(1, 0, 4, 2);
    CHECK(m.shape() == tg::Shape{3, 2});
    CHECK(m.to_vector() == vals<T>({0, 2, 4, 6, 8, 10}));
}

TEST_CASE_TEMPLATE("slice bounds count from the end when negative and are clamped", T, float, double) {
    const auto a = tg::arange<T>(0, 10);
    CHECK(a.slice(0, -3, -1).to_vector() == vals<T>({7, 8}));
    CHECK(a.slice(0, -3, 10).to_vector() == vals<T>({7, 8, 9}));
    CHECK(a.slice(0, -100, 3).to_vector() == vals<T>({0, 1, 2}));
    CHECK(a.slice(0, 8, 100).to_vector() == vals<T>({8, 9}));
    CHECK(a.slice(-1, -4, -1, 2).to_vector() == vals<T>({6, 8}));
    const auto m = tg::arange<T>(0, 6).reshape({2, 3});
    CHECK(m.slice(0, -1, 2).to_vector() == vals<T>({3, 4, 5}));
}

TEST_CASE_TEMPLATE("an empty slice has a zero-length axis", T, float, double) {
    const auto a = tg::arange<T>(0, 10);
    CHECK(a.slice(0, 5, 2).shape() == tg::Shape{0});
    CHECK(a.slice(0, 5, 2).to_vector().empty());
    CHECK(a.slice(0, 10, 20).numel() == 0);
    const auto m = tg::zeros<T>({3, 4}).slice(1, -1, -2);
    CHECK(m.shape() == tg::Shape{3, 0});
    CHECK(m.clone().numel() == 0);
    CHECK_THROWS_WITH_AS(a.slice(0, 0, 5, 0), doctest::Contains("slice"), tg::IndexError);
    CHECK_THROWS_WITH_AS(a.slice(1, 0, 5), doctest::Contains("slice"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("broadcast_to repeats along new and size-1 axes with stride 0", T, float, double) {
    const tg::Tensor<T> row{1, 2, 3};
    const auto b = row.broadcast_to({2, 3});
    CHECK(b.shares_storage(row));
    CHECK(b.strides() == tg::Strides{0, 1});
    CHECK(b.to_vector() == vals<T>({1, 2, 3, 1, 2, 3}));
    const auto col = tg::Tensor<T>::from_vector(vals<T>({1, 2}), {2, 1});  // {{1}, {2}} is ambiguous
    CHECK(col.broadcast_to({2, 3}).to_vector() == vals<T>({1, 1, 1, 2, 2, 2}));
    CHECK(tg::Tensor<T>::scalar(7).broadcast_to({2, 2}).to_vector() == vals<T>({7, 7, 7, 7}));
}

TEST_CASE("broadcast_to rejects incompatible shapes with ShapeError") {
    const auto a = tg::zeros<double>({2, 3});
    CHECK_THROWS_WITH_AS(a.broadcast_to({3, 3}), doctest::Contains("broadcast_to"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.broadcast_to({3}), doctest::Contains("broadcast_to"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.broadcast_to({2, 6}), doctest::Contains("broadcast_to"), tg::ShapeError);
    CHECK_NOTHROW(a.broadcast_to({4, 2, 3}));
}

TEST_CASE_TEMPLATE("reshape infers one -1 and shares storage of a contiguous tensor", T, float, double) {
    const auto a = tg::arange<T>(0, 12);
    const auto r = a.reshape({3, -1});
    CHECK(r.shape() == tg::Shape{3, 4});
    CHECK(r.shares_storage(a));
    CHECK(r.at({2, 1}) == T(9));
    CHECK(a.reshape({-1, 2, 2}).shape() == tg::Shape{3, 2, 2});
    CHECK(tg::Tensor<T>::scalar(5).reshape({-1}).shape() == tg::Shape{1});
    CHECK(tg::arange<T>(0, 1).reshape({}).item() == T(0));
}

TEST_CASE("reshape rejects impossible shapes with ShapeError") {
    const auto a = tg::zeros<double>({2, 3});
    CHECK_THROWS_WITH_AS(a.reshape({4}), doctest::Contains("reshape"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.reshape({-1, 4}), doctest::Contains("reshape"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.reshape({-1, -1}), doctest::Contains("reshape"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.reshape({-2, -3}), doctest::Contains("reshape"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a.reshape({0, -1}), doctest::Contains("reshape"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("reshape of a non-contiguous view copies and gives row-major values", T, float, double) {
    const tg::Tensor<T> a{{1, 2, 3}, {4, 5, 6}};
    const auto r = a.transpose().reshape({6});
    CHECK_FALSE(r.shares_storage(a));
    CHECK(r.to_vector() == vals<T>({1, 4, 2, 5, 3, 6}));
    const auto s = tg::arange<T>(0, 12).reshape({3, 4}).slice(1, 1, 4, 2).reshape({2, 3});
    CHECK(s.to_vector() == vals<T>({1, 3, 5, 7, 9, 11}));
    CHECK(s.is_contiguous());
}

TEST_CASE_TEMPLATE("contiguous returns self when contiguous and a row-major copy otherwise", T, float, double) {
    const tg::Tensor<T> a{{1, 2, 3}, {4, 5, 6}};
    CHECK(a.contiguous().shares_storage(a));
    const auto c = a.transpose().contiguous();
    CHECK_FALSE(c.shares_storage(a));
    CHECK(c.is_contiguous());
    CHECK(c.strides() == tg::Strides{2, 1});
    CHECK(c.to_vector() == vals<T>({1, 4, 2, 5, 3, 6}));
    const auto b = tg::Tensor<T>{1, 2}.broadcast_to({3, 2}).contiguous();
    CHECK(b.to_vector() == vals<T>({1, 2, 1, 2, 1, 2}));
}

TEST_CASE("to<U>() converts the element type of a view, row-major") {
    const tg::Tensor<double> d{{0.5, 1.25}, {-3.0, 1e30}};
    const tg::Tensor<float> f = d.transpose().to<float>();
    CHECK(f.shape() == tg::Shape{2, 2});
    CHECK(f.to_vector() == std::vector<float>{0.5f, -3.0f, 1.25f, static_cast<float>(1e30)});
    const tg::Tensor<double> back = tg::Tensor<float>{0.1f, 2.0f}.to<double>();
    CHECK(back.to_vector() == std::vector<double>{static_cast<double>(0.1f), 2.0});
    CHECK_FALSE(d.to<double>().shares_storage(d));
}

TEST_CASE_TEMPLATE("str and operator<< print the values and the shape", T, float, double) {
    const tg::Tensor<T> a{{1.5, -2}, {3, 4.25}};
    const std::string s = a.str();
    for (const char* v : {"1.5", "-2", "3", "4.25", "shape=[2,2]"}) CHECK(s.find(v) != std::string::npos);
    CHECK(s.find("[[1.5, -2]") == 0);
    std::ostringstream os;
    os << a;
    CHECK(os.str() == s);
    CHECK(tg::Tensor<T>().str() == "Tensor(undefined)");
}

// ---- writes ----

TEST_CASE_TEMPLATE("assign into a slice view writes through to the base, broadcasting the source", T, float,
                   double) {
    auto base = tg::zeros<T>({3, 4});
    auto view = base.slice(1, 1, 3);
    view.assign(tg::Tensor<T>{7, 8});
    CHECK(base.to_vector() == vals<T>({0, 7, 8, 0, 0, 7, 8, 0, 0, 7, 8, 0}));
    auto col = base.slice(0, 0, 3, 2).slice(1, 3, 4);  // rows 0 and 2, last column
    col.assign(tg::Tensor<T>::from_vector(vals<T>({1, 2}), {2, 1}));
    CHECK(base.to_vector() == vals<T>({0, 7, 8, 1, 0, 7, 8, 0, 0, 7, 8, 2}));
    CHECK_THROWS_WITH_AS(view.assign(tg::Tensor<T>{1, 2, 3}),
                         doctest::Contains("assign: cannot assign shape [3] to a tensor of shape [3,2]"),
                         tg::ShapeError);
}

TEST_CASE_TEMPLATE("fill into strided and transposed views writes through to the base", T, float, double) {
    auto base = tg::zeros<T>({2, 5});
    auto every_other = base.slice(1, 0, 5, 2);
    every_other.fill(T(3));
    CHECK(base.to_vector() == vals<T>({3, 0, 3, 0, 3, 3, 0, 3, 0, 3}));
    auto t = base.transpose().slice(0, 1, 2);  // column 1 as a (1, 2) view
    t.fill(T(-1));
    CHECK(base.to_vector() == vals<T>({3, -1, 3, 0, 3, 3, -1, 3, 0, 3}));
}

TEST_CASE_TEMPLATE("operator+= and -= broadcast the right side into the left shape", T, float, double) {
    tg::Tensor<T> a{{1, 2, 3}, {4, 5, 6}};
    a += tg::Tensor<T>{10, 20, 30};
    CHECK(a.to_vector() == vals<T>({11, 22, 33, 14, 25, 36}));
    a -= tg::Tensor<T>::scalar(1);
    CHECK(a.to_vector() == vals<T>({10, 21, 32, 13, 24, 35}));
    a *= T(2);
    CHECK(a.to_vector() == vals<T>({20, 42, 64, 26, 48, 70}));
}

TEST_CASE_TEMPLATE("operator+= never changes the left shape: (3) += (2,3) throws ShapeError", T, float, double) {
    tg::Tensor<T> a{1, 2, 3};
    CHECK_THROWS_WITH_AS(a += tg::zeros<T>({2, 3}), doctest::Contains("+="), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a += tg::zeros<T>({4}), doctest::Contains("+="), tg::ShapeError);
    CHECK_THROWS_WITH_AS(a -= tg::zeros<T>({2, 3}), doctest::Contains("-="), tg::ShapeError);
    CHECK(a.to_vector() == vals<T>({1, 2, 3}));  // unchanged after the failed updates
}

TEST_CASE_TEMPLATE("operator+= on a view writes through to the base", T, float, double) {
    auto base = tg::zeros<T>({2, 3});
    auto t = base.transpose();  // (3, 2), strided
    t += tg::Tensor<T>{{1, 2}, {3, 4}, {5, 6}};
    CHECK(base.to_vector() == vals<T>({1, 3, 5, 2, 4, 6}));
    auto row = base.slice(0, 1, 2);
    row += tg::Tensor<T>::scalar(10);
    CHECK(base.to_vector() == vals<T>({1, 3, 5, 12, 14, 16}));
}

TEST_CASE_TEMPLATE("operator+= reading its own storage sees the old values", T, float, double) {
    auto a = tg::Tensor<T>{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    a += a.transpose();  // element (0,1) must add the old (1,0), not an updated one
    CHECK(a.to_vector() == vals<T>({2, 6, 10, 6, 10, 14, 10, 14, 18}));
    auto v = tg::Tensor<T>{1, 2, 3, 4};
    v -= v.slice(0, 0, 1);  // the first element, read before it becomes 0
    CHECK(v.to_vector() == vals<T>({0, 1, 2, 3}));
    v += v;
    CHECK(v.to_vector() == vals<T>({0, 2, 4, 6}));
    std::vector<T> w(40), expect(40);  // shifted overlapping runs, long enough for the SIMD path
    for (int i = 0; i < 40; ++i) w[i] = T(i * i), expect[i] = T(i == 0 ? 0 : i * i + (i - 1) * (i - 1));
    auto t = tg::Tensor<T>::from_vector(w);
    auto tail = t.slice(0, 1, 40);
    tail += t.slice(0, 0, 39);
    CHECK(t.to_vector() == expect);
}

TEST_CASE("braces with one-element rows make a column") {
    const tg::Tensor<double> c{{1.0}, {2.0}};
    CHECK(c.shape() == tg::Shape{2, 1});
    CHECK(c.at({1, 0}) == 2.0);
    const tg::Tensor<float> one{{7.0f}};
    CHECK(one.shape() == tg::Shape{1, 1});
    CHECK(tg::Tensor<double>{3.0}.shape() == tg::Shape{1});
}

// ---- versions: writes bump, reads do not (NOTE [versions]) ----

TEST_CASE_TEMPLATE("reading a tensor in a kernel leaves its version alone - writing bumps it", T, float,
                   double) {
    const auto x = tg::Tensor<T>{{1, 2, 3}, {4, 5, 6}};
    auto y = tg::Tensor<T>{10, 20, 30};
    const auto vx = x.version(), vy = y.version();
    (void)(x + y);                 // broadcasting: the row path
    (void)(x.transpose() * T(2));  // a strided input made contiguous
    (void)tg::sum(x, {0});
    auto out = tg::zeros<T>({2, 2});
    tg::matmul_into(x, x.transpose(), out);
    CHECK(x.version() == vx);
    CHECK(y.version() == vy);
    y += y;
    const auto after_add = y.version();
    CHECK(after_add > vy);
    y.slice(0, 0, 1).fill(T(0));  // a view shares the buffer's count
    CHECK(y.version() > after_add);
    CHECK(y.to_vector() == vals<T>({0, 40, 60}));
}
