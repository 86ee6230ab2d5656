#pragma once
// Registry samples of the sparse and Krylov ops: small patterns (an empty row, symmetric storage,
// no entries, 1 x 1) and, for the solves, systems that are nonsingular for ANY values the sample
// domain draws: a full pattern with Domain::well_conditioned values (the values tensor is the
// dense matrix itself), or stored values in (0.5, 2) plus a shift larger than any row's
// off-diagonal sum (diagonally dominant, and for symmetric storage positive definite).
#include <utility>
#include <vector>

#include "../ops/samples.hpp"
#include "solver_list.hpp"
#include "sparse_functions.hpp"

namespace tg::solvers {

inline SparsePattern pattern_of(index_t rows, index_t cols, const std::vector<std::pair<index_t, index_t>>& e,
                                bool symmetric = false) {
    CooMatrix<double> c;
    c.rows = rows;
    c.cols = cols;
    c.symmetric = symmetric;
    for (auto [i, j] : e) {
        c.row.push_back(i);
        c.col.push_back(j);
        c.values.push_back(1);
    }
    return from_triplets(c).pattern();
}

inline SparsePattern full_pattern(index_t n) {
    std::vector<std::pair<index_t, index_t>> e;
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < n; ++j) e.push_back({i, j});
    return pattern_of(n, n, e);
}

inline SparsePattern lower_pattern(index_t n, index_t band) {  // symmetric storage, |i - j| <= band
    std::vector<std::pair<index_t, index_t>> e;
    for (index_t i = 0; i < n; ++i)
        for (index_t j = std::max<index_t>(0, i - band); j <= i; ++j) e.push_back({i, j});
    return pattern_of(n, n, e, true);
}

inline Attrs pattern_attrs(const SparsePattern& p) {
    Attrs a;
    a.index = p.encoded();
    return a;
}

inline Samples spmv_samples() {
    using tg::ops::sample;
    const SparsePattern g = pattern_of(4, 5, {{0, 1}, {0, 4}, {1, 0}, {1, 1}, {1, 3}, {3, 2}, {3, 4}});  // row
                                                                                                         // 2
                                                                                                         // empty
    const SparsePattern s = pattern_of(4, 4, {{0, 0}, {1, 0}, {1, 1}, {2, 1}, {3, 0}, {3, 3}}, true);
    const SparsePattern sq = full_pattern(3);
    return {
        sample({{{7}}, {{5}}}, "4x5 with an empty row, vector", pattern_attrs(g)),
        sample({{{7}}, {{5, 3}}}, "4x5 SpMM", pattern_attrs(g)),
        sample({{{7}}, {{5, 3}, Domain::any, true}}, "SpMM, transposed view", pattern_attrs(g)),
        sample({{{6}}, {{4}}}, "symmetric storage, vector", pattern_attrs(s)),
        sample({{{2, 3}}, {{4, 2}}}, "symmetric storage, SpMM, values of shape [2,3]", pattern_attrs(s)),
        sample({{{3, 3}, Domain::any, true}, {{3}}}, "full 3x3, values a transposed view", pattern_attrs(sq)),
        sample({{{0}}, {{2}}}, "no stored entries", pattern_attrs(pattern_of(3, 2, {}))),
        sample({{{1}}, {{1}}}, "1x1", pattern_attrs(pattern_of(1, 1, {{0, 0}})))};
}

inline Attrs krylov_attrs(const SparsePattern& p, KrylovMethod m, Preconditioner pc, double shift,
                          int restart = 30) {
    KrylovOptions o;
    o.method = m;
    o.preconditioner = pc;
    o.rtol = 1e-13;  // tight: finite differences of the whole solve must agree to 1e-6
    o.shift = shift;
    o.restart = restart;
    return detail::attrs_of(p, o);
}

inline Samples krylov_samples() {
    using tg::ops::sample;
    using M = KrylovMethod;
    using P = Preconditioner;
    const SparsePattern full = full_pattern(4);
    const SparsePattern low = lower_pattern(4, 3), tri = lower_pattern(5, 1);
    // Nonsymmetric, diagonal present, at most 3 off-diagonal entries per row (each < 2).
    const SparsePattern ns = pattern_of(
        5, 5,
        {{0, 0}, {0, 3}, {1, 1}, {1, 0}, {1, 4}, {2, 2}, {2, 0}, {2, 1}, {2, 4}, {3, 3}, {4, 4}, {4, 2}, {4, 3}});
    return {sample({{{10}, Domain::positive}, {{4}}}, "cg, symmetric storage, dense, shift 8",
                   krylov_attrs(low, M::cg, P::none, 8)),
            sample({{{9}, Domain::positive}, {{5}}}, "cg+jacobi, tridiagonal, shift 4",
                   krylov_attrs(tri, M::cg, P::jacobi, 4)),
            sample({{{9}, Domain::positive}, {{5}}}, "cg+ic0, tridiagonal, shift 4",
                   krylov_attrs(tri, M::cg, P::ic0, 4)),
            sample({{{4, 4}, Domain::well_conditioned}, {{4}}}, "gmres, full pattern (values = the matrix)",
                   krylov_attrs(full, M::gmres, P::none, 0)),
            sample({{{13}, Domain::positive}, {{5}}}, "gmres(2)+ilu0 restarted, nonsymmetric, shift 7",
                   krylov_attrs(ns, M::gmres, P::ilu0, 7, 2)),
            sample({{{4, 4}, Domain::well_conditioned, true}, {{4}}},
                   "bicgstab, full pattern, transposed view", krylov_attrs(full, M::bicgstab, P::none, 0)),
            sample({{{13}, Domain::positive}, {{5}}}, "bicgstab+jacobi, nonsymmetric, shift 7",
                   krylov_attrs(ns, M::bicgstab, P::jacobi, 7)),
            sample({{{1}, Domain::positive}, {{1}}}, "1x1",
                   krylov_attrs(pattern_of(1, 1, {{0, 0}}), M::cg, P::none, 0))};
}

inline Samples direct_samples() {
    using tg::ops::sample;
    auto shifted = [](const SparsePattern& p, double shift) {
        Attrs a = pattern_attrs(p);
        a.scalar2 = shift;
        return a;
    };
    const SparsePattern full = full_pattern(4), low = lower_pattern(4, 3);
    const SparsePattern ns = pattern_of(
        5, 5,
        {{0, 0}, {0, 3}, {1, 1}, {1, 0}, {1, 4}, {2, 2}, {2, 0}, {2, 1}, {2, 4}, {3, 3}, {4, 4}, {4, 2}, {4, 3}});
    return {sample({{{4, 4}, Domain::well_conditioned}, {{4}}}, "full pattern (values = the matrix)",
                   shifted(full, 0)),
            sample({{{4, 4}, Domain::well_conditioned, true}, {{4}}}, "full pattern, transposed view",
                   shifted(full, 0)),
            sample({{{13}, Domain::positive}, {{5}}}, "nonsymmetric, shift 7", shifted(ns, 7)),
            sample({{{10}, Domain::positive}, {{4}}}, "symmetric storage, shift 8", shifted(low, 8)),
            sample({{{1}, Domain::positive}, {{1}}}, "1x1", shifted(pattern_of(1, 1, {{0, 0}}), 0))};
}

}  // namespace tg::solvers
