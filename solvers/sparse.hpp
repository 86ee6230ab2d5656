#pragma once
// Sparse matrices: COO (triplets), CSR (the working format, whose pattern is shared with the
// differentiable ops through Attrs::index) and CSC. Indices are int64 (tg::index_t) everywhere, so
// no count can wrap; sizes are checked where matrices are made.
//
// A CSR matrix is a SparsePattern (rows, columns, sorted column indices per row, no duplicates)
// plus a 1-D Tensor of its stored values in pattern order. The differentiable ops take the values
// as a Var and the pattern as data (NOTE [pattern encoding] in sparse.cpp), so gradients are with
// respect to the stored values for a fixed pattern.
//
// A pattern may be `symmetric`: it then stores the lower triangle (i >= j) only and stands for
// A = L + L^T - diag(L), as Matrix Market's "symmetric" files do. expand() makes the general form.
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"

namespace tg::solvers {

/// The structure of a CSR matrix, immutable and shared (copies are cheap).
class SparsePattern {
public:
    SparsePattern() = default;
    /// From CSR arrays. @throws ShapeError / IndexError naming the offending row or entry if
    /// row_ptr is not monotone from 0 to nnz, a column is out of range, a row's columns are not
    /// strictly increasing, or a symmetric pattern stores an entry above the diagonal.
    SparsePattern(index_t rows, index_t cols, std::vector<index_t> row_ptr, std::vector<index_t> col,
                  bool symmetric = false);
    /// Wraps an encoded pattern (Attrs::index of a sparse op). @throws ShapeError if malformed.
    explicit SparsePattern(std::shared_ptr<const IndexArray> encoded);

    index_t rows() const;
    index_t cols() const;
    index_t nnz() const;
    bool symmetric() const;
    bool defined() const { return static_cast<bool>(enc_); }
    const index_t* row_ptr() const;  ///< rows + 1 offsets
    const index_t* col() const;      ///< nnz column indices
    const index_t* row_of() const;   ///< nnz row indices (COO rows, for gathers)
    /// The pattern of A^T; entry k of A^T holds entry transpose_perm()[k] of A.
    SparsePattern transposed() const;
    const index_t* transpose_perm() const;
    /// The encoded form for Attrs::index.
    const std::shared_ptr<const IndexArray>& encoded() const { return enc_; }
    std::string str() const;  ///< "[4 x 5, nnz 7]" (", symmetric" when so)

private:
    std::shared_ptr<const IndexArray> enc_;
};

/// Triplets (row, col, value); duplicates allowed (they are summed when converted to CSR).
template <class T>
struct CooMatrix {
    index_t rows = 0, cols = 0;
    std::vector<index_t> row, col;
    std::vector<T> values;
    bool symmetric = false;  ///< lower-triangle storage of a symmetric matrix (Matrix Market)
    index_t entries() const { return static_cast<index_t>(values.size()); }
};

/// Compressed sparse column: col_ptr (cols + 1), row indices sorted within each column.
template <class T>
struct CscMatrix {
    index_t rows = 0, cols = 0;
    std::vector<index_t> col_ptr, row;
    std::vector<T> values;
};

/// Compressed sparse row: a pattern and its values (a 1-D tensor of nnz elements, in pattern
/// order). The working format of every operation below.
template <class T>
class CsrMatrix {
public:
    CsrMatrix() = default;
    /// @throws ShapeError if values is not 1-D of the pattern's nnz.
    CsrMatrix(SparsePattern pattern, Tensor<T> values);
    const SparsePattern& pattern() const { return pattern_; }
    const Tensor<T>& values() const { return values_; }
    index_t rows() const { return pattern_.rows(); }
    index_t cols() const { return pattern_.cols(); }
    index_t nnz() const { return pattern_.nnz(); }
    bool symmetric() const { return pattern_.symmetric(); }
    /// The value at (i, j), 0 if not stored (either triangle of a symmetric matrix).
    /// @throws IndexError if (i, j) is outside the matrix.
    T at(index_t i, index_t j) const;

private:
    SparsePattern pattern_;
    Tensor<T> values_;
};

/// CSR from triplets: duplicates summed, columns sorted. The triplets may be a symmetric matrix's
/// lower triangle (coo.symmetric); an entry above the diagonal is then an IndexError.
/// @throws IndexError naming the entry ("entry 3 (row 7, col 2) is outside a 5 x 5 matrix"),
/// ShapeError if the arrays differ in length or a size is negative.
template <class T>
CsrMatrix<T> from_triplets(const CooMatrix<T>& coo);
template <class T>
CsrMatrix<T> from_triplets(index_t rows, index_t cols, const std::vector<index_t>& row,
                           const std::vector<index_t>& col, const std::vector<T>& values);
template <class T>
CooMatrix<T> to_coo(const CsrMatrix<T>& a);
template <class T>
CscMatrix<T> to_csc(const CsrMatrix<T>& a);
/// @throws ShapeError / IndexError if the CSC arrays are malformed (naming the column / entry).
template <class T>
CsrMatrix<T> from_csc(const CscMatrix<T>& a);
/// A^T as CSR (a symmetric matrix is its own transpose and is returned as is).
template <class T>
CsrMatrix<T> transpose(const CsrMatrix<T>& a);
/// The general form of a symmetric-storage matrix (both triangles stored); others unchanged.
template <class T>
CsrMatrix<T> expand(const CsrMatrix<T>& a);
/// The dense matrix (rows x cols). @throws AllocationError when too large.
template <class T>
Tensor<T> to_dense(const CsrMatrix<T>& a);
/// CSR of the nonzeros of a dense 2-D tensor (exact zeros are not stored).
template <class T>
CsrMatrix<T> from_dense(const Tensor<T>& a);
/// A + shift I, inserting missing diagonal entries (square matrices; shift 0 inserts them too).
template <class T>
CsrMatrix<T> add_diagonal(const CsrMatrix<T>& a, T shift);
/// The diagonal (min(rows, cols) elements, 0 where not stored).
template <class T>
std::vector<T> diagonal(const CsrMatrix<T>& a);

/// y = A x for x of shape (cols) or (cols, k), the values given separately (what the SpMV op
/// runs). Parallel over rows above a measured size (docs/performance.md, sparse section).
/// @throws ShapeError naming both shapes.
template <class T>
Tensor<T> spmv(const SparsePattern& p, const Tensor<T>& values, const Tensor<T>& x);
template <class T>
Tensor<T> spmv(const CsrMatrix<T>& a, const Tensor<T>& x) {
    return spmv(a.pattern(), a.values(), x);
}
/// y = A x on raw arrays of length cols / rows (the Krylov solvers' operator). No checks.
template <class T>
void spmv_raw(const SparsePattern& p, const T* values, const T* x, T* y);

// Generators.
/// 1-D Laplacian with Dirichlet ends: tridiagonal (-1, 2, -1), n x n. Its eigenvalues are
/// 2 - 2 cos(k pi / (n + 1)), k = 1..n. @throws ShapeError if n < 0.
template <class T>
CsrMatrix<T> laplacian_1d(index_t n);
/// 2-D 5-point Laplacian on an nx x ny grid with Dirichlet boundary (unknown (i, j) at i * ny + j):
/// 4 on the diagonal, -1 to each grid neighbour. Eigenvalues: the sums of two 1-D ones.
template <class T>
CsrMatrix<T> laplacian_2d(index_t nx, index_t ny);
/// Adjacency of an undirected graph on n nodes from an edge list (u, v), weights 1 or given;
/// repeated edges add up, a self-loop (u, u) puts its weight on the diagonal once.
/// @throws IndexError naming the edge if a node is outside [0, n).
template <class T>
CsrMatrix<T> graph_adjacency(index_t n, const std::vector<std::pair<index_t, index_t>>& edges,
                             const std::vector<T>& weights = {});
/// Graph Laplacian D - W of the same graph (self-loops ignored: they cancel in D - W).
template <class T>
CsrMatrix<T> graph_laplacian(index_t n, const std::vector<std::pair<index_t, index_t>>& edges,
                             const std::vector<T>& weights = {});

// Matrix Market (.mtx): "%%MatrixMarket matrix coordinate {real|integer|pattern}
// {general|symmetric}". Reading a symmetric file gives a symmetric-storage matrix (lower triangle)
// unless `expand_symmetric`; entries above the diagonal of a symmetric file are mirrored.
// Pattern files get the value 1.
/// @throws IOError naming the file and line: bad banner, unsupported kind (array, complex,
/// hermitian, skew-symmetric), bad size line, an entry that does not parse, an index out of range,
/// a value that is not finite, fewer or more entries than declared.
template <class T>
CsrMatrix<T> read_matrix_market(const std::string& path, bool expand_symmetric = false);
template <class T>
CsrMatrix<T> read_matrix_market(std::istream& in, const std::string& name, bool expand_symmetric = false);
/// Writes coordinate real general (or symmetric for a symmetric-storage matrix), values with 17
/// significant digits so a double round-trips exactly. @throws IOError if the file cannot be written.
template <class T>
void write_matrix_market(const std::string& path, const CsrMatrix<T>& a);
template <class T>
void write_matrix_market(std::ostream& out, const CsrMatrix<T>& a);

}  // namespace tg::solvers
