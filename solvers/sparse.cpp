// Sparse formats, conversions, SpMV and generators (sparse.hpp). Plain loops: no xtensor here.
//
// NOTE [pattern encoding]: a pattern travels in Attrs::index as one IndexArray of int64:
//   [rows, cols, nnz, symmetric, row_ptr (rows + 1), col (nnz), row_of (nnz),
//    tperm (nnz), trow_ptr (cols + 1), tcol (nnz)]
// row_of is each entry's row (the COO rows, for the gathers of the value gradients); tperm,
// trow_ptr and tcol are the CSR of the transpose, entry k of A^T being entry tperm[k] of A. All of
// it is computed once when a pattern is made, so a VJP that needs A^T only swaps arrays.
#include "sparse.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "../tensor/detail/parallel.hpp"
#include "../tensor/error.hpp"

namespace tg::solvers {

namespace {

constexpr index_t header = 4;
constexpr index_t max_dim = index_t{1} << 48;  // no memory holds more rows; keeps rows + 1 and row_ptr sane

struct Layout {
    index_t rows, cols, nnz;
    index_t rp, col, row_of, tperm, trp, tcol, total;
    Layout(index_t r, index_t c, index_t n) : rows(r), cols(c), nnz(n) {
        rp = header;
        col = rp + rows + 1;
        row_of = col + nnz;
        tperm = row_of + nnz;
        trp = tperm + nnz;
        tcol = trp + cols + 1;
        total = tcol + nnz;
    }
};

std::string dims(index_t r, index_t c) { return std::to_string(r) + " x " + std::to_string(c); }

// Fills row_of and the transpose from rows, cols, row_ptr and col (already in `d`).
void complete(std::vector<index_t>& d, const Layout& L) {
    for (index_t i = 0; i < L.rows; ++i)
        for (index_t k = d[L.rp + i]; k < d[L.rp + i + 1]; ++k) d[L.row_of + k] = i;
    // Counting sort by column; rows come out increasing within each column (stable).
    for (index_t k = 0; k < L.nnz; ++k) ++d[L.trp + d[L.col + k] + 1];
    for (index_t j = 0; j < L.cols; ++j) d[L.trp + j + 1] += d[L.trp + j];
    std::vector<index_t> next(d.begin() + L.trp, d.begin() + L.trp + L.cols);
    for (index_t k = 0; k < L.nnz; ++k) {
        const index_t pos = next[d[L.col + k]]++;
        d[L.tperm + pos] = k;
        d[L.tcol + pos] = d[L.row_of + k];
    }
}

}  // namespace

SparsePattern::SparsePattern(index_t rows, index_t cols, std::vector<index_t> row_ptr,
                             std::vector<index_t> col, bool symmetric) {
    const char* op = "SparsePattern";
    if (rows < 0 || cols < 0) throw ShapeError(std::string(op) + ": negative size " + dims(rows, cols));
    if (rows > max_dim || cols > max_dim)
        throw ShapeError(std::string(op) + ": size " + dims(rows, cols) + " exceeds 2^48 rows or columns");
    if (symmetric && rows != cols)
        throw ShapeError(std::string(op) + ": a symmetric matrix must be square, got " + dims(rows, cols));
    if (static_cast<index_t>(row_ptr.size()) != checked_add(rows, 1, op))
        throw ShapeError(std::string(op) + ": row_ptr has " + std::to_string(row_ptr.size()) +
                         " offsets for " + std::to_string(rows) + " rows (expected rows + 1)");
    const index_t nnz = static_cast<index_t>(col.size());
    if (row_ptr[0] != 0 || row_ptr[rows] != nnz)
        throw ShapeError(std::string(op) + ": row_ptr must run from 0 to nnz = " + std::to_string(nnz) +
                         ", got " + std::to_string(row_ptr[0]) + " .. " + std::to_string(row_ptr[rows]));
    for (index_t i = 0; i < rows; ++i) {
        if (row_ptr[i + 1] < row_ptr[i])
            throw ShapeError(std::string(op) + ": row_ptr decreases at row " + std::to_string(i));
        for (index_t k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
            const index_t j = col[k];
            if (j < 0 || j >= cols)
                throw IndexError(std::string(op) + ": entry " + std::to_string(k) + " (row " +
                                 std::to_string(i) + ", col " + std::to_string(j) + ") is outside a " +
                                 dims(rows, cols) + " matrix");
            if (k > row_ptr[i] && j <= col[k - 1])
                throw IndexError(std::string(op) + ": row " + std::to_string(i) +
                                 " has columns not strictly increasing at entry " + std::to_string(k));
            if (symmetric && j > i)
                throw IndexError(std::string(op) + ": entry " + std::to_string(k) + " (row " +
                                 std::to_string(i) + ", col " + std::to_string(j) +
                                 ") is above the diagonal of a symmetric (lower-triangle) pattern");
        }
    }
    const Layout L(rows, cols, nnz);
    std::vector<index_t> d(static_cast<std::size_t>(L.total), 0);
    d[0] = rows;
    d[1] = cols;
    d[2] = nnz;
    d[3] = symmetric ? 1 : 0;
    std::copy(row_ptr.begin(), row_ptr.end(), d.begin() + L.rp);
    std::copy(col.begin(), col.end(), d.begin() + L.col);
    complete(d, L);
    auto a = std::make_shared<IndexArray>();
    a->shape = Shape{L.total};
    a->data = std::move(d);
    enc_ = std::move(a);
}

SparsePattern::SparsePattern(std::shared_ptr<const IndexArray> encoded) : enc_(std::move(encoded)) {
    const auto bad = [] { throw ShapeError("sparse op: attrs.index does not hold a sparse pattern"); };
    if (!enc_ || enc_->data.size() < header) bad();
    const auto& d = enc_->data;
    if (d[0] < 0 || d[1] < 0 || d[2] < 0 || d[2] > (index_t{1} << 56) || d[0] > (index_t{1} << 56) ||
        d[1] > (index_t{1} << 56))
        bad();
    if (static_cast<index_t>(d.size()) != Layout(d[0], d[1], d[2]).total) bad();
}

index_t SparsePattern::rows() const { return enc_ ? enc_->data[0] : 0; }
index_t SparsePattern::cols() const { return enc_ ? enc_->data[1] : 0; }
index_t SparsePattern::nnz() const { return enc_ ? enc_->data[2] : 0; }
bool SparsePattern::symmetric() const { return enc_ && enc_->data[3] != 0; }
const index_t* SparsePattern::row_ptr() const { return enc_->data.data() + Layout(rows(), cols(), nnz()).rp; }
const index_t* SparsePattern::col() const { return enc_->data.data() + Layout(rows(), cols(), nnz()).col; }
const index_t* SparsePattern::row_of() const {
    return enc_->data.data() + Layout(rows(), cols(), nnz()).row_of;
}
const index_t* SparsePattern::transpose_perm() const {
    return enc_->data.data() + Layout(rows(), cols(), nnz()).tperm;
}

SparsePattern SparsePattern::transposed() const {
    if (symmetric()) return *this;
    const Layout L(rows(), cols(), nnz()), T(cols(), rows(), nnz());
    const auto& s = enc_->data;
    std::vector<index_t> d(static_cast<std::size_t>(T.total));
    d[0] = cols();
    d[1] = rows();
    d[2] = nnz();
    d[3] = 0;
    std::copy(s.begin() + L.trp, s.begin() + L.trp + L.cols + 1, d.begin() + T.rp);
    std::copy(s.begin() + L.tcol, s.begin() + L.tcol + L.nnz, d.begin() + T.col);
    for (index_t k = 0; k < L.nnz; ++k) {
        d[T.row_of + k] = s[L.col + s[L.tperm + k]];
        d[T.tperm + s[L.tperm + k]] = k;  // the inverse permutation
    }
    std::copy(s.begin() + L.rp, s.begin() + L.rp + L.rows + 1, d.begin() + T.trp);
    std::copy(s.begin() + L.col, s.begin() + L.col + L.nnz, d.begin() + T.tcol);  // columns of (A^T)^T = A
    auto a = std::make_shared<IndexArray>();
    a->shape = Shape{T.total};
    a->data = std::move(d);
    return SparsePattern(std::shared_ptr<const IndexArray>(std::move(a)));
}

std::string SparsePattern::str() const {
    return "[" + dims(rows(), cols()) + ", nnz " + std::to_string(nnz()) + (symmetric() ? ", symmetric]" : "]");
}

template <class T>
CsrMatrix<T>::CsrMatrix(SparsePattern pattern, Tensor<T> values)
    : pattern_(std::move(pattern)), values_(std::move(values)) {
    values_.require_defined("CsrMatrix");
    if (values_.dim() != 1 || values_.numel() != pattern_.nnz())
        throw ShapeError("CsrMatrix: values of shape " + values_.shape().str() + " for a pattern " +
                         pattern_.str() + " (expected [" + std::to_string(pattern_.nnz()) + "])");
}

template <class T>
T CsrMatrix<T>::at(index_t i, index_t j) const {
    if (i < 0 || j < 0 || i >= rows() || j >= cols())
        throw IndexError("CsrMatrix::at: (" + std::to_string(i) + ", " + std::to_string(j) +
                         ") is outside a " + dims(rows(), cols()) + " matrix");
    if (symmetric() && j > i) std::swap(i, j);
    const index_t* c = pattern_.col();
    const index_t *b = c + pattern_.row_ptr()[i], *e = c + pattern_.row_ptr()[i + 1];
    const index_t* p = std::lower_bound(b, e, j);
    if (p == e || *p != j) return T(0);
    const Tensor<T> vc = values_.contiguous();
    return vc.data()[p - c];
}

template <class T>
CsrMatrix<T> from_triplets(const CooMatrix<T>& coo) {
    const char* op = "from_triplets";
    const index_t n = coo.entries();
    if (static_cast<index_t>(coo.row.size()) != n || static_cast<index_t>(coo.col.size()) != n)
        throw ShapeError(std::string(op) + ": " + std::to_string(coo.row.size()) + " rows, " +
                         std::to_string(coo.col.size()) + " cols and " + std::to_string(n) +
                         " values differ in length");
    if (coo.rows < 0 || coo.cols < 0)
        throw ShapeError(std::string(op) + ": negative size " + dims(coo.rows, coo.cols));
    if (coo.symmetric && coo.rows != coo.cols)
        throw ShapeError(std::string(op) + ": a symmetric matrix must be square, got " +
                         dims(coo.rows, coo.cols));
    if (coo.rows > max_dim || coo.cols > max_dim)
        throw ShapeError(std::string(op) + ": size " + dims(coo.rows, coo.cols) +
                         " exceeds 2^48 rows or columns");
    for (index_t k = 0; k < n; ++k) {
        const index_t i = coo.row[k], j = coo.col[k];
        if (i < 0 || j < 0 || i >= coo.rows || j >= coo.cols)
            throw IndexError(std::string(op) + ": entry " + std::to_string(k) + " (row " + std::to_string(i) +
                             ", col " + std::to_string(j) + ") is outside a " + dims(coo.rows, coo.cols) +
                             " matrix");
        if (coo.symmetric && j > i)
            throw IndexError(std::string(op) + ": entry " + std::to_string(k) + " (row " + std::to_string(i) +
                             ", col " + std::to_string(j) +
                             ") is above the diagonal of a symmetric (lower-triangle) matrix");
    }
    std::vector<index_t> start(static_cast<std::size_t>(coo.rows + 1), 0);
    for (index_t k = 0; k < n; ++k) ++start[coo.row[k] + 1];
    for (index_t i = 0; i < coo.rows; ++i) start[i + 1] += start[i];
    std::vector<index_t> order(static_cast<std::size_t>(n));
    {
        std::vector<index_t> next(start.begin(), start.end() - 1);
        for (index_t k = 0; k < n; ++k) order[next[coo.row[k]]++] = k;
    }
    std::vector<index_t> row_ptr(static_cast<std::size_t>(coo.rows + 1), 0), col;
    std::vector<T> val;
    col.reserve(static_cast<std::size_t>(n));
    val.reserve(static_cast<std::size_t>(n));
    for (index_t i = 0; i < coo.rows; ++i) {
        auto b = order.begin() + start[i], e = order.begin() + start[i + 1];
        std::stable_sort(b, e, [&](index_t x, index_t y) { return coo.col[x] < coo.col[y]; });
        for (auto it = b; it != e; ++it) {
            if (it != b && coo.col[*it] == col.back()) val.back() += coo.values[*it];  // duplicates add up
            else {
                col.push_back(coo.col[*it]);
                val.push_back(coo.values[*it]);
            }
        }
        row_ptr[i + 1] = static_cast<index_t>(col.size());
    }
    const index_t nnz = static_cast<index_t>(val.size());
    SparsePattern p(coo.rows, coo.cols, std::move(row_ptr), std::move(col), coo.symmetric);
    return CsrMatrix<T>(std::move(p), Tensor<T>::from_vector(val, Shape{nnz}));
}

template <class T>
CsrMatrix<T> from_triplets(index_t rows, index_t cols, const std::vector<index_t>& row,
                           const std::vector<index_t>& col, const std::vector<T>& values) {
    return from_triplets(CooMatrix<T>{rows, cols, row, col, values, false});
}

template <class T>
CooMatrix<T> to_coo(const CsrMatrix<T>& a) {
    const SparsePattern& p = a.pattern();
    CooMatrix<T> c{p.rows(),
                   p.cols(),
                   std::vector<index_t>(p.row_of(), p.row_of() + p.nnz()),
                   std::vector<index_t>(p.col(), p.col() + p.nnz()),
                   a.values().to_vector(),
                   p.symmetric()};
    return c;
}

template <class T>
CscMatrix<T> to_csc(const CsrMatrix<T>& a0) {
    const CsrMatrix<T> a = expand(a0);
    const SparsePattern& p = a.pattern();
    const SparsePattern t = p.transposed();  // the CSR of A^T is the CSC of A
    const std::vector<T> v = a.values().to_vector();
    CscMatrix<T> c{p.rows(), p.cols(), std::vector<index_t>(t.row_ptr(), t.row_ptr() + p.cols() + 1),
                   std::vector<index_t>(t.col(), t.col() + p.nnz()),
                   std::vector<T>(static_cast<std::size_t>(p.nnz()))};
    for (index_t k = 0; k < p.nnz(); ++k) c.values[k] = v[p.transpose_perm()[k]];
    return c;
}

template <class T>
CsrMatrix<T> from_csc(const CscMatrix<T>& a) {
    // The CSC arrays are the CSR of A^T: validate them as such, then transpose.
    if (a.values.size() != a.row.size())
        throw ShapeError("from_csc: " + std::to_string(a.row.size()) + " row indices and " +
                         std::to_string(a.values.size()) + " values differ in length");
    SparsePattern t(a.cols, a.rows, a.col_ptr, a.row, false);
    return transpose(CsrMatrix<T>(t, Tensor<T>::from_vector(a.values, Shape{t.nnz()})));
}

template <class T>
CsrMatrix<T> transpose(const CsrMatrix<T>& a) {
    if (a.symmetric()) return a;
    const SparsePattern t = a.pattern().transposed();
    const std::vector<T> v = a.values().to_vector();
    std::vector<T> w(v.size());
    for (index_t k = 0; k < a.nnz(); ++k) w[k] = v[a.pattern().transpose_perm()[k]];
    return CsrMatrix<T>(t, Tensor<T>::from_vector(w, Shape{a.nnz()}));
}

template <class T>
CsrMatrix<T> expand(const CsrMatrix<T>& a) {
    if (!a.symmetric()) return a;
    CooMatrix<T> c = to_coo(a);
    c.symmetric = false;
    const index_t n = c.entries();
    for (index_t k = 0; k < n; ++k)
        if (c.row[k] != c.col[k]) {
            c.row.push_back(c.col[k]);
            c.col.push_back(c.row[k]);
            c.values.push_back(c.values[k]);
        }
    return from_triplets(c);
}

template <class T>
Tensor<T> to_dense(const CsrMatrix<T>& a0) {
    const CsrMatrix<T> a = expand(a0);
    Tensor<T> d(Shape{a.rows(), a.cols()});
    T* o = d.data();
    const Tensor<T> vc = a.values().contiguous();
    const T* v = vc.data();
    const SparsePattern& p = a.pattern();
    for (index_t k = 0; k < p.nnz(); ++k) o[p.row_of()[k] * a.cols() + p.col()[k]] = v[k];
    return d;
}

template <class T>
CsrMatrix<T> from_dense(const Tensor<T>& a) {
    a.require_defined("from_dense");
    if (a.dim() != 2) throw ShapeError("from_dense: expected a 2-D tensor, got shape " + a.shape().str());
    const Tensor<T> c = a.contiguous();
    const T* d = c.data();
    CooMatrix<T> m;
    m.rows = a.size(0);
    m.cols = a.size(1);
    for (index_t i = 0; i < m.rows; ++i)
        for (index_t j = 0; j < m.cols; ++j)
            if (d[i * m.cols + j] != T(0)) {
                m.row.push_back(i);
                m.col.push_back(j);
                m.values.push_back(d[i * m.cols + j]);
            }
    return from_triplets(m);
}

template <class T>
CsrMatrix<T> add_diagonal(const CsrMatrix<T>& a, T shift) {
    if (a.rows() != a.cols())
        throw ShapeError("add_diagonal: matrix " + a.pattern().str() + " is not square");
    CooMatrix<T> c = to_coo(a);
    for (index_t i = 0; i < a.rows(); ++i) {
        c.row.push_back(i);
        c.col.push_back(i);
        c.values.push_back(shift);
    }
    return from_triplets(c);
}

template <class T>
std::vector<T> diagonal(const CsrMatrix<T>& a) {
    std::vector<T> d(static_cast<std::size_t>(std::min(a.rows(), a.cols())), T(0));
    const SparsePattern& p = a.pattern();
    const Tensor<T> vc = a.values().contiguous();
    const T* v = vc.data();
    for (index_t k = 0; k < p.nnz(); ++k)
        if (p.row_of()[k] == p.col()[k]) d[p.col()[k]] = v[k];
    return d;
}

template <class T>
void spmv_raw(const SparsePattern& p, const T* v, const T* x, T* y) {
    const index_t* rp = p.row_ptr();
    const index_t* c = p.col();
    if (p.symmetric()) {  // a stored (i, j) below the diagonal also acts as (j, i): a scatter, so serial
        std::fill(y, y + p.rows(), T(0));
        for (index_t i = 0; i < p.rows(); ++i)
            for (index_t k = rp[i]; k < rp[i + 1]; ++k) {
                y[i] += v[k] * x[c[k]];
                if (c[k] != i) y[c[k]] += v[k] * x[i];
            }
        return;
    }
    auto rows = [&](index_t b, index_t e) {
        for (index_t i = b; i < e; ++i) {
            double s = 0;  // double accumulation: float rows of many entries keep their digits
            for (index_t k = rp[i]; k < rp[i + 1]; ++k) s += static_cast<double>(v[k]) * x[c[k]];
            y[i] = static_cast<T>(s);
        }
    };
    // Rows in TBB chunks once the work passes the elementwise threshold (docs/performance.md):
    // a row costs about its nnz, so chunks of ~16K stored entries.
    if (p.nnz() < detail::parallel_threshold) rows(0, p.rows());
    else {
        const index_t grain = std::max<index_t>(1, p.rows() * detail::parallel_grain /
                                                       std::max<index_t>(1, p.nnz()));
        detail::parallel_chunks(p.rows(), rows, 0, grain);
    }
}

template <class T>
Tensor<T> spmv(const SparsePattern& p, const Tensor<T>& values, const Tensor<T>& x) {
    values.require_defined("spmv");
    x.require_defined("spmv");
    if (values.numel() != p.nnz())
        throw ShapeError("spmv: values of shape " + values.shape().str() + " for a pattern " + p.str());
    if ((x.dim() != 1 && x.dim() != 2) || x.size(0) != p.cols())
        throw ShapeError("spmv: matrix " + p.str() + " times operand of shape " + x.shape().str() +
                         " (expected [" + std::to_string(p.cols()) + "] or [" + std::to_string(p.cols()) +
                         ", k])");
    const Tensor<T> v = values.contiguous();
    if (x.dim() == 1) {
        Tensor<T> y(Shape{p.rows()});
        const Tensor<T> xc = x.contiguous();
        spmv_raw(p, v.data(), xc.data(), y.data());
        return y;
    }
    // SpMM: (rows, k), row i of y is the combination of the rows of x its entries name.
    const index_t k = x.size(1);
    const Tensor<T> xc = x.contiguous();
    Tensor<T> y(Shape{p.rows(), k});
    T* yo = y.data();
    const T *vd = v.data(), *xd = xc.data();
    const index_t *rp = p.row_ptr(), *c = p.col();
    if (p.symmetric()) {
        for (index_t i = 0; i < p.rows(); ++i)
            for (index_t e = rp[i]; e < rp[i + 1]; ++e) {
                const index_t j = c[e];
                for (index_t q = 0; q < k; ++q) yo[i * k + q] += vd[e] * xd[j * k + q];
                if (j != i)
                    for (index_t q = 0; q < k; ++q) yo[j * k + q] += vd[e] * xd[i * k + q];
            }
        return y;
    }
    auto rows = [&](index_t b, index_t e) {
        for (index_t i = b; i < e; ++i)
            for (index_t s = rp[i]; s < rp[i + 1]; ++s)
                for (index_t q = 0; q < k; ++q) yo[i * k + q] += vd[s] * xd[c[s] * k + q];
    };
    const index_t work = p.nnz() * std::max<index_t>(k, 1);
    if (work < detail::parallel_threshold) rows(0, p.rows());
    else
        detail::parallel_chunks(p.rows(), rows, 0,
                                std::max<index_t>(1, p.rows() * detail::parallel_grain / work));
    return y;
}

#define TG_SPARSE_INSTANTIATE(T)                                                             \
    template class CsrMatrix<T>;                                                             \
    template CsrMatrix<T> from_triplets(const CooMatrix<T>&);                                \
    template CsrMatrix<T> from_triplets(index_t, index_t, const std::vector<index_t>&,       \
                                        const std::vector<index_t>&, const std::vector<T>&); \
    template CooMatrix<T> to_coo(const CsrMatrix<T>&);                                       \
    template CscMatrix<T> to_csc(const CsrMatrix<T>&);                                       \
    template CsrMatrix<T> from_csc(const CscMatrix<T>&);                                     \
    template CsrMatrix<T> transpose(const CsrMatrix<T>&);                                    \
    template CsrMatrix<T> expand(const CsrMatrix<T>&);                                       \
    template Tensor<T> to_dense(const CsrMatrix<T>&);                                        \
    template CsrMatrix<T> from_dense(const Tensor<T>&);                                      \
    template CsrMatrix<T> add_diagonal(const CsrMatrix<T>&, T);                              \
    template std::vector<T> diagonal(const CsrMatrix<T>&);                                   \
    template Tensor<T> spmv(const SparsePattern&, const Tensor<T>&, const Tensor<T>&);       \
    template void spmv_raw(const SparsePattern&, const T*, const T*, T*);
TG_SPARSE_INSTANTIATE(float)
TG_SPARSE_INSTANTIATE(double)
#undef TG_SPARSE_INSTANTIATE

}  // namespace tg::solvers
