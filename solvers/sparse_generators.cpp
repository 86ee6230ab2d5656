// Generators of sparse.hpp: 1-D and 2-D Dirichlet Laplacians, graph adjacency and Laplacian.
#include <string>

#include "../tensor/error.hpp"
#include "sparse.hpp"

namespace tg::solvers {

namespace {
constexpr index_t max_dim = index_t{1} << 48;  // as in sparse.cpp: no memory holds more rows
std::string dims(index_t r, index_t c) { return std::to_string(r) + " x " + std::to_string(c); }
}  // namespace

template <class T>
CsrMatrix<T> laplacian_1d(index_t n) {
    if (n < 0 || n > max_dim)
        throw ShapeError("laplacian_1d: size " + std::to_string(n) + " outside [0, 2^48]");
    CooMatrix<T> c;
    c.rows = c.cols = n;
    for (index_t i = 0; i < n; ++i) {
        for (index_t j : {i - 1, i, i + 1})
            if (j >= 0 && j < n) {
                c.row.push_back(i);
                c.col.push_back(j);
                c.values.push_back(j == i ? T(2) : T(-1));
            }
    }
    return from_triplets(c);
}

template <class T>
CsrMatrix<T> laplacian_2d(index_t nx, index_t ny) {
    if (nx < 0 || ny < 0) throw ShapeError("laplacian_2d: negative grid " + dims(nx, ny));
    const index_t n = checked_mul(nx, ny, "laplacian_2d");
    if (n > max_dim) throw ShapeError("laplacian_2d: grid " + dims(nx, ny) + " exceeds 2^48 unknowns");
    // Built directly in CSR order (columns i*ny+j-ny, -1, 0, +1, +ny are increasing).
    std::vector<index_t> rp(static_cast<std::size_t>(n + 1), 0), col;
    std::vector<T> val;
    col.reserve(static_cast<std::size_t>(5 * n));
    val.reserve(static_cast<std::size_t>(5 * n));
    for (index_t i = 0; i < nx; ++i)
        for (index_t j = 0; j < ny; ++j) {
            const index_t r = i * ny + j;
            auto put = [&](index_t c, T v) {
                col.push_back(c);
                val.push_back(v);
            };
            if (i > 0) put(r - ny, T(-1));
            if (j > 0) put(r - 1, T(-1));
            put(r, T(4));
            if (j + 1 < ny) put(r + 1, T(-1));
            if (i + 1 < nx) put(r + ny, T(-1));
            rp[r + 1] = static_cast<index_t>(col.size());
        }
    const index_t nnz = static_cast<index_t>(val.size());
    return CsrMatrix<T>(SparsePattern(n, n, std::move(rp), std::move(col)),
                        Tensor<T>::from_vector(val, Shape{nnz}));
}

namespace {
template <class T>
CooMatrix<T> graph_coo(const char* op, index_t n, const std::vector<std::pair<index_t, index_t>>& edges,
                       const std::vector<T>& w, bool laplacian) {
    if (n < 0) throw ShapeError(std::string(op) + ": negative node count " + std::to_string(n));
    if (!w.empty() && w.size() != edges.size())
        throw ShapeError(std::string(op) + ": " + std::to_string(w.size()) + " weights for " +
                         std::to_string(edges.size()) + " edges");
    CooMatrix<T> c;
    c.rows = c.cols = n;
    auto put = [&](index_t i, index_t j, T v) {
        c.row.push_back(i);
        c.col.push_back(j);
        c.values.push_back(v);
    };
    for (std::size_t e = 0; e < edges.size(); ++e) {
        const auto [u, v] = edges[e];
        if (u < 0 || v < 0 || u >= n || v >= n)
            throw IndexError(std::string(op) + ": edge " + std::to_string(e) + " (" + std::to_string(u) + ", " +
                             std::to_string(v) + ") names a node outside [0, " + std::to_string(n) + ")");
        const T x = w.empty() ? T(1) : w[e];
        if (u == v) {
            if (!laplacian) put(u, u, x);
            continue;
        }
        put(u, v, laplacian ? -x : x);
        put(v, u, laplacian ? -x : x);
        if (laplacian) {
            put(u, u, x);
            put(v, v, x);
        }
    }
    return c;
}
}  // namespace

template <class T>
CsrMatrix<T> graph_adjacency(index_t n, const std::vector<std::pair<index_t, index_t>>& edges,
                             const std::vector<T>& w) {
    return from_triplets(graph_coo("graph_adjacency", n, edges, w, false));
}

template <class T>
CsrMatrix<T> graph_laplacian(index_t n, const std::vector<std::pair<index_t, index_t>>& edges,
                             const std::vector<T>& w) {
    return from_triplets(graph_coo("graph_laplacian", n, edges, w, true));
}


#define TG_GENERATORS_INSTANTIATE(T)                                                                \
    template CsrMatrix<T> laplacian_1d<T>(index_t);                                                 \
    template CsrMatrix<T> laplacian_2d<T>(index_t, index_t);                                        \
    template CsrMatrix<T> graph_adjacency(index_t, const std::vector<std::pair<index_t, index_t>>&, \
                                          const std::vector<T>&);                                   \
    template CsrMatrix<T> graph_laplacian(index_t, const std::vector<std::pair<index_t, index_t>>&, \
                                          const std::vector<T>&);
TG_GENERATORS_INSTANTIATE(float)
TG_GENERATORS_INSTANTIATE(double)
#undef TG_GENERATORS_INSTANTIATE

}  // namespace tg::solvers
