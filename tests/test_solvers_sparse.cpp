// Sparse formats: triplets, conversions, transpose, generators against closed forms, Matrix Market
// reading (good and corrupt files) and round trips, SpMV / SpMM against the dense product.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/sparse_functions.hpp"

using tg::index_t;
using tg::Tensor;
namespace ts = tg::solvers;
using solver_test::max_abs_diff;
using solver_test::message_of;

namespace {

std::string data(const std::string& f) { return std::string(TG_TEST_DATA_DIR) + "/mtx/" + f; }


}  // namespace

TEST_CASE("sparse: triplets sum duplicates and sort columns") {
    const auto a = ts::from_triplets<double>(3, 4, {2, 0, 0, 2, 0}, {1, 3, 1, 1, 1}, {1.0, 2.0, 3.0, 4.0, 5.0});
    CHECK(a.nnz() == 3);
    CHECK(a.at(0, 1) == 8.0);  // 3 + 5
    CHECK(a.at(0, 3) == 2.0);
    CHECK(a.at(2, 1) == 5.0);  // 1 + 4
    CHECK(a.at(1, 2) == 0.0);
    const std::vector<index_t> rp(a.pattern().row_ptr(), a.pattern().row_ptr() + 4);
    CHECK(rp == std::vector<index_t>{0, 2, 2, 3});
    CHECK(a.pattern().col()[0] == 1);
    CHECK(a.pattern().col()[1] == 3);
}

TEST_CASE("sparse: an out-of-range triplet is an IndexError naming the entry") {
    const std::string m = message_of([] { ts::from_triplets<double>(3, 3, {0, 3}, {0, 1}, {1.0, 2.0}); });
    CHECK(m.find("entry 1 (row 3, col 1)") != std::string::npos);
    CHECK(m.find("3 x 3") != std::string::npos);
    CHECK_THROWS_AS(ts::from_triplets<double>(3, 3, {0}, {-1}, {1.0}), tg::IndexError);
    CHECK_THROWS_AS(ts::from_triplets<double>(3, 3, {0, 1}, {0}, {1.0, 2.0}), tg::ShapeError);
    CHECK_THROWS_AS(ts::from_triplets<double>(-1, 3, {}, {}, {}), tg::ShapeError);
    CHECK_THROWS_AS(ts::from_triplets<double>(index_t{1} << 62, 3, {}, {}, {}), tg::ShapeError);
    ts::CooMatrix<double> up{3, 3, {0}, {2}, {1.0}, true};  // above the diagonal of lower storage
    CHECK_THROWS_AS(ts::from_triplets(up), tg::IndexError);
}

TEST_CASE("sparse: malformed CSR arrays are refused with the row or entry") {
    CHECK_THROWS_AS(ts::SparsePattern(2, 2, {0, 2, 1}, {0, 1}), tg::ShapeError);        // decreasing row_ptr
    CHECK_THROWS_AS(ts::SparsePattern(2, 2, {0, 2, 2}, {1, 0}), tg::IndexError);        // unsorted columns
    CHECK_THROWS_AS(ts::SparsePattern(2, 2, {0, 1, 2}, {0, 2}), tg::IndexError);        // column out of range
    CHECK_THROWS_AS(ts::SparsePattern(2, 2, {0, 1}, {0}), tg::ShapeError);              // too few offsets
    CHECK_THROWS_AS(ts::SparsePattern(2, 2, {0, 1, 3}, {0, 1}), tg::ShapeError);        // does not end at nnz
    CHECK_THROWS_AS(ts::SparsePattern(2, 2, {0, 1, 2}, {1, 1}, true), tg::IndexError);  // upper entry,
                                                                                        // symmetric
}

TEST_CASE("sparse: COO, CSC and transpose round trips agree with the dense matrix") {
    const auto a = ts::from_triplets<double>(3, 4, {0, 0, 1, 2, 2, 2}, {0, 3, 2, 0, 1, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor<double> d = ts::to_dense(a);
    CHECK(d.at({2, 1}) == 5.0);
    CHECK(max_abs_diff(ts::to_dense(ts::from_triplets(ts::to_coo(a))), d) == 0);
    const auto csc = ts::to_csc(a);
    CHECK(csc.col_ptr == std::vector<index_t>{0, 2, 3, 4, 6});
    CHECK(csc.row == std::vector<index_t>{0, 2, 2, 1, 0, 2});
    CHECK(csc.values == std::vector<double>{1, 4, 5, 3, 2, 6});
    CHECK(max_abs_diff(ts::to_dense(ts::from_csc(csc)), d) == 0);
    const auto t = ts::transpose(a);
    CHECK(t.rows() == 4);
    CHECK(max_abs_diff(ts::to_dense(t), d.transpose().contiguous()) == 0);
    CHECK(max_abs_diff(ts::to_dense(ts::transpose(t)), d) == 0);
    // The transpose of the transpose is the same encoded pattern, every array of it.
    CHECK(a.pattern().transposed().transposed().encoded()->data == a.pattern().encoded()->data);
    CHECK(max_abs_diff(ts::to_dense(ts::from_dense(d)), d) == 0);
    ts::CscMatrix<double> bad{2, 2, {0, 1, 2}, {0, 5}, {1.0, 2.0}};
    CHECK_THROWS_AS(ts::from_csc(bad), tg::IndexError);
}

TEST_CASE("sparse: symmetric storage stands for both triangles") {
    ts::CooMatrix<double> c{3, 3, {0, 1, 2, 2}, {0, 0, 1, 2}, {4, -1, -2, 5}, true};
    const auto a = ts::from_triplets(c);
    CHECK(a.symmetric());
    CHECK(a.at(0, 1) == -1.0);
    CHECK(a.at(1, 0) == -1.0);
    const Tensor<double> d = ts::to_dense(a);
    CHECK(max_abs_diff(d, d.transpose().contiguous()) == 0);
    CHECK(d.at({1, 2}) == -2.0);
    CHECK(ts::expand(a).nnz() == 6);
    const Tensor<double> x{1.0, 2.0, 3.0};
    CHECK(max_abs_diff(ts::spmv(a, x), tg::matmul(d, x)) < 1e-14);
    CHECK(ts::transpose(a).symmetric());
}

TEST_CASE("sparse: 1-D Laplacian eigenvectors sin(k pi i / (n + 1)), eigenvalues 2 - 2 cos(k pi / (n + 1))") {
    const index_t n = 9;
    const auto a = ts::laplacian_1d<double>(n);
    CHECK(a.nnz() == 3 * n - 2);
    for (int k = 1; k <= 3; ++k) {
        std::vector<double> v(n);
        for (index_t i = 0; i < n; ++i) v[i] = std::sin(k * M_PI * (i + 1) / (n + 1));
        const Tensor<double> x = Tensor<double>::from_vector(v);
        const double lambda = 2 - 2 * std::cos(k * M_PI / (n + 1));
        CHECK(max_abs_diff(ts::spmv(a, x), tg::mul(x, Tensor<double>::scalar(lambda))) < 1e-13);
    }
    CHECK(ts::laplacian_1d<double>(0).nnz() == 0);
    CHECK(ts::laplacian_1d<double>(1).at(0, 0) == 2.0);
}

TEST_CASE("sparse: 2-D Laplacian eigenvectors are products of 1-D ones, eigenvalues their sums") {
    const index_t nx = 5, ny = 4;
    const auto a = ts::laplacian_2d<double>(nx, ny);
    CHECK(a.nnz() == 5 * nx * ny - 2 * nx - 2 * ny);
    const int p = 2, q = 3;
    std::vector<double> v(nx * ny);
    for (index_t i = 0; i < nx; ++i)
        for (index_t j = 0; j < ny; ++j)
            v[i * ny + j] = std::sin(p * M_PI * (i + 1) / (nx + 1)) * std::sin(q * M_PI * (j + 1) / (ny + 1));
    const double lambda = 4 - 2 * std::cos(p * M_PI / (nx + 1)) - 2 * std::cos(q * M_PI / (ny + 1));
    const Tensor<double> x = Tensor<double>::from_vector(v);
    CHECK(max_abs_diff(ts::spmv(a, x), tg::mul(x, Tensor<double>::scalar(lambda))) < 1e-13);
}

TEST_CASE("sparse: graph adjacency and Laplacian from an edge list") {
    // A triangle 0-1-2 plus a pendant 3 on node 2, edge (0, 1) listed twice, a self-loop on 3.
    const std::vector<std::pair<index_t, index_t>> e{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {1, 0}, {3, 3}};
    const auto w = ts::graph_adjacency<double>(4, e);
    CHECK(w.at(0, 1) == 2.0);
    CHECK(w.at(1, 0) == 2.0);
    CHECK(w.at(3, 3) == 1.0);
    const auto l = ts::graph_laplacian<double>(4, e);
    const Tensor<double> d = ts::to_dense(l);
    CHECK(d.at({0, 0}) == 3.0);  // degree 2 + 1
    CHECK(d.at({2, 2}) == 3.0);
    CHECK(d.at({3, 3}) == 1.0);  // the self-loop cancels
    CHECK(max_abs_diff(ts::spmv(l, tg::ones<double>({4})), Tensor<double>(tg::Shape{4})) == 0);  // rows sum
                                                                                                 // to 0
    const auto lw = ts::graph_laplacian<double>(2, {{0, 1}}, {2.5});
    CHECK(lw.at(0, 1) == -2.5);
    const std::string m = message_of([] { ts::graph_laplacian<double>(3, {{0, 1}, {1, 3}}); });
    CHECK(m.find("edge 1 (1, 3)") != std::string::npos);
    CHECK_THROWS_AS(ts::graph_adjacency<double>(3, {{0, 1}}, {1.0, 2.0}), tg::ShapeError);
}

TEST_CASE("sparse: SpMV and SpMM agree with the dense product, serial and parallel") {
    const auto a = ts::from_triplets<double>(3, 4, {0, 0, 1, 2, 2}, {0, 3, 2, 0, 1}, {1, 2, 3, 4, 5});
    const Tensor<double> x{1.0, -2.0, 0.5, 3.0};
    CHECK(max_abs_diff(ts::spmv(a, x), tg::matmul(ts::to_dense(a), x)) < 1e-14);
    const Tensor<double> X = tg::arange<double>(0, 8).reshape({4, 2});
    CHECK(max_abs_diff(ts::spmv(a, X), tg::matmul(ts::to_dense(a), X)) < 1e-14);
    CHECK(max_abs_diff(ts::spmv(a, X.transpose().contiguous().transpose()), tg::matmul(ts::to_dense(a), X)) <
          1e-14);
    CHECK_THROWS_AS(ts::spmv(a, Tensor<double>{1.0, 2.0}), tg::ShapeError);
    CHECK_THROWS_AS(ts::spmv(a, tg::zeros<double>({4, 2, 1})), tg::ShapeError);
    // 200 x 200 grid: 199,200 stored entries, above the parallel threshold; compare with row sums.
    const auto big = ts::laplacian_2d<double>(200, 200);
    const Tensor<double> ones = tg::ones<double>({big.cols()});
    const Tensor<double> y = ts::spmv(big, ones);
    // A 1 = 4 - (number of neighbours): 0 inside, 1 on an edge, 2 at a corner.
    CHECK(y.at({0}) == 2.0);
    CHECK(y.at({1}) == 1.0);
    CHECK(y.at({201}) == 0.0);
    double s = 0;
    for (double v : y.to_vector()) s += v;
    CHECK(s == 4 * 200.0);  // the boundary: 4 sides x 200 missing neighbours
    const Tensor<double> Y = ts::spmv(big, tg::ones<double>({big.cols(), 3}));
    CHECK(max_abs_diff(Y.slice(1, 1, 2).reshape({big.rows()}), y) == 0);
}

TEST_CASE("sparse: Matrix Market files: general, symmetric, pattern, integer") {
    const auto g = ts::read_matrix_market<double>(data("general.mtx"));
    CHECK(g.rows() == 3);
    CHECK(g.cols() == 4);
    CHECK(g.nnz() == 4);
    CHECK(g.at(0, 1) == 5.0);  // duplicates summed
    CHECK(g.at(2, 3) == 1e-3);
    CHECK(g.at(1, 0) == -1.5);
    const auto s = ts::read_matrix_market<double>(data("symmetric.mtx"));
    CHECK(s.symmetric());
    CHECK(s.at(0, 1) == -1.0);
    const auto se = ts::read_matrix_market<double>(data("symmetric.mtx"), true);
    CHECK(!se.symmetric());
    CHECK(se.nnz() == 6);
    CHECK(max_abs_diff(ts::to_dense(s), ts::to_dense(se)) == 0);
    const auto p = ts::read_matrix_market<float>(data("pattern.mtx"));
    CHECK(p.at(0, 2) == 1.0f);
    CHECK(p.nnz() == 3);
    const auto i = ts::read_matrix_market<double>(data("integer.mtx"));
    CHECK(i.at(0, 1) == -2.0);
}

TEST_CASE("sparse: Matrix Market round trips are exact") {
    const auto a = ts::from_triplets<double>(3, 3, {0, 1, 2, 2}, {2, 1, 0, 2}, {0.1, -1.0 / 3.0, 1e-300, M_PI});
    std::stringstream ss;
    ts::write_matrix_market(ss, a);
    const auto b = ts::read_matrix_market<double>(ss, "stream");
    CHECK(max_abs_diff(ts::to_dense(a), ts::to_dense(b)) == 0);
    const auto s = ts::read_matrix_market<double>(data("symmetric.mtx"));
    std::stringstream s2;
    ts::write_matrix_market(s2, s);
    CHECK(s2.str().find("symmetric") != std::string::npos);
    const auto s3 = ts::read_matrix_market<double>(s2, "stream");
    CHECK(s3.symmetric());
    CHECK(max_abs_diff(ts::to_dense(s), ts::to_dense(s3)) == 0);
    const auto l = ts::laplacian_2d<float>(3, 3);
    std::stringstream s4;
    ts::write_matrix_market(s4, l);
    CHECK(ts::read_matrix_market<float>(s4, "stream").nnz() == l.nnz());
    CHECK_THROWS_AS(ts::write_matrix_market("/nonexistent-dir/x.mtx", a), tg::IOError);
}

TEST_CASE("sparse: corrupt Matrix Market files are IOErrors naming the line") {
    auto msg = [](const char* f) { return message_of([&] { ts::read_matrix_market<double>(data(f)); }); };
    CHECK(msg("bad_banner.mtx").find("line 1") != std::string::npos);
    CHECK(msg("bad_banner.mtx").find("array") != std::string::npos);
    CHECK(msg("truncated.mtx").find("4 entries declared, 2 found") != std::string::npos);
    CHECK(msg("bad_entry.mtx").find("line 4") != std::string::npos);
    CHECK(msg("out_of_range.mtx").find("line 4") != std::string::npos);
    CHECK(msg("nan_value.mtx").find("not finite") != std::string::npos);
    CHECK(msg("bad_size.mtx").find("line 2") != std::string::npos);
    CHECK(msg("huge_size.mtx").find("2^48") != std::string::npos);
    CHECK(msg("extra.mtx").find("line 4") != std::string::npos);
    CHECK(msg("no-such-file.mtx").find("cannot open") != std::string::npos);
    const char* cases[] = {"",
                           "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
                           "%%MatrixMarket matrix coordinate real hermitian\n1 1 0\n",
                           "%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n",
                           "%%MatrixMarket matrix coordinate real general\n2 2 5\n",
                           "%%MatrixMarket matrix coordinate real general\n2 2 -1\n",
                           "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1e999\n",
                           "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n",
                           "%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n",
                           "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n",
                           "%%MatrixMarket matrix coordinate real general\n99999999999999999999 2 1\n",
                           "%%MatrixMarket matrix coordinate real general\n"};
    for (const char* c : cases) {
        std::istringstream in(c);
        CHECK_THROWS_AS(ts::read_matrix_market<double>(in, "case"), tg::IOError);
    }
    std::istringstream big("%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 1e300\n");
    CHECK_THROWS_AS(ts::read_matrix_market<float>(big, "case"), tg::IOError);  // overflows float
}
