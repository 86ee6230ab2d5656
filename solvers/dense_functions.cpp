// The dense family's public functions (dense_functions.hpp) and the op parts that call LAPACK
// (dense.hpp), instantiated for float and double.
#include "dense_functions.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "dense.hpp"

namespace tg {

namespace solvers {

template <class T>
Tensor<T> Solve::forward(const Attrs& a, const Tensor<T>& A, const Tensor<T>& b) {
    lapack::detail::check_system(A, b, name);
    if (const auto* f = lapack::find_lu<T>(a.index.get(), A))
        return lapack::lu_solve(*f, b, dense_detail::flag(a, 0), name);
    return lapack::lu_solve(lapack::lu_factor(A, name), b, dense_detail::flag(a, 0), name);
}

template <class T>
Tensor<T> LogAbsDet::forward(const Attrs& a, const Tensor<T>& A) {
    std::vector<int> singular;  // a recorded factor is never singular (slogdet passes only regular ones)
    Tensor<T> sign, logabs;
    if (const auto* f = lapack::find_lu<T>(a.index.get(), A)) lapack::lu_slogdet(*f, singular, sign, logabs);
    else lapack::lu_slogdet(lapack::lu_factor_nothrow(A, singular, name), singular, sign, logabs);
    return logabs;
}

template <class T>
void dense_detail::require_distinct(const Tensor<T>& w, const char* op) {
    const Tensor<T> c = w.contiguous();
    const index_t n = c.dim() ? c.size(-1) : 1;
    if (n < 2) return;
    const T* p = c.data();
    for (index_t m = 0; m < c.numel() / n; ++m, p += n) {
        T scale = 0;
        for (index_t i = 0; i < n; ++i) scale = std::max(scale, std::abs(p[i]));
        // Ascending: only neighbours can tie. Below this gap 1 / (w_j - w_i) is rounding noise.
        const T tol = T(64) * std::numeric_limits<T>::epsilon() *
                      std::max(scale, std::numeric_limits<T>::min());
        for (index_t i = 0; i + 1 < n; ++i)
            if (!(p[i + 1] - p[i] > tol)) {
                std::ostringstream os;
                os.precision(17);
                os << op << ": the derivative of the eigenvectors needs distinct eigenvalues, but w[" << i
                   << "] = " << p[i] << " and w[" << i + 1 << "] = " << p[i + 1] << " (gap " << p[i + 1] - p[i]
                   << ", tolerance " << tol << ")" << (c.numel() > n ? " in matrix " + std::to_string(m) : "");
                throw NumericalError(os.str());
            }
    }
}

}  // namespace solvers

namespace {

template <class T>
Attrs with_lu(lapack::LUFactor<T>&& f, const Tensor<T>& A) {
    Attrs a;
    a.ints = Shape{0};
    a.index = lapack::pack_lu(std::move(f), A);
    return a;
}

template <class T>
Var<T> cast_slice_last(const Var<T>& s, index_t i) {  // s[..., i] with the axis dropped
    Shape shape;
    for (int k = 0; k + 1 < s.dim(); ++k) shape.push_back(s.shape()[k]);
    return reshape(slice(s, -1, i, i + 1), shape);
}

}  // namespace

template <class T>
Var<T> solve(const Var<T>& A, const Var<T>& b) {
    lapack::detail::check_system(A.value(), b.value(), "solve");
    // The factor travels with the node, so the backward (transposed) solve is O(n^2).
    const bool recorded = grad_enabled() && (A.requires_grad() || b.requires_grad());
    if (!recorded && !forward_active()) return Var<T>(solve(A.value(), b.value()));
    return apply<solvers::Solve, T>(with_lu(lapack::lu_factor(A.value(), "solve"), A.value()), A, b);
}
template <class T>
Tensor<T> solve(const Tensor<T>& A, const Tensor<T>& b) {
    lapack::detail::check_system(A, b, "solve");
    return lapack::lu_solve(lapack::lu_factor(A, "solve"), b, false, "solve");
}

template <class T>
Var<T> cholesky(const Var<T>& A) {
    return apply<solvers::Cholesky, T>(Attrs{}, A);
}
template <class T>
Tensor<T> cholesky(const Tensor<T>& A) {
    return lapack::cholesky(A, "cholesky");
}

template <class T>
Var<T> triangular_solve(const Var<T>& A, const Var<T>& b, bool lower, bool transpose, bool unit) {
    return apply<solvers::TriangularSolve, T>(solvers::dense_detail::flags({lower, transpose, unit}), A, b);
}
template <class T>
Tensor<T> triangular_solve(const Tensor<T>& A, const Tensor<T>& b, bool lower, bool transpose, bool unit) {
    return lapack::triangular_solve(A, b, lower, transpose, unit, "triangular_solve");
}

// L L^T x = b as two triangular solves: its derivative is theirs.
template <class T>
Var<T> cholesky_solve(const Var<T>& L, const Var<T>& b) {
    lapack::detail::check_system(L.value(), b.value(), "cholesky_solve");
    return triangular_solve(L, triangular_solve(L, b, true, false, false), true, true, false);
}
template <class T>
Tensor<T> cholesky_solve(const Tensor<T>& L, const Tensor<T>& b) {
    return lapack::cholesky_solve(L, b, "cholesky_solve");
}
template <class T>
Var<T> solve_spd(const Var<T>& A, const Var<T>& b) {
    lapack::detail::check_system(A.value(), b.value(), "solve_spd");
    return cholesky_solve(cholesky(A), b);
}

template <class T>
std::pair<Tensor<T>, Var<T>> slogdet(const Var<T>& A) {
    std::vector<int> singular;
    lapack::LUFactor<T> f = lapack::lu_factor_nothrow(A.value(), singular, "slogdet");
    Tensor<T> sign, logabs;
    lapack::lu_slogdet(f, singular, sign, logabs);
    bool regular = true;
    for (int s : singular) regular = regular && s == 0;
    // A singular factor is not passed on: the backward solve then refactors and names the pivot.
    return {sign, apply<solvers::LogAbsDet, T>(regular ? with_lu(std::move(f), A.value()) : Attrs{}, A)};
}
template <class T>
std::pair<Tensor<T>, Tensor<T>> slogdet(const Tensor<T>& A) {
    std::vector<int> singular;
    const lapack::LUFactor<T> f = lapack::lu_factor_nothrow(A, singular, "slogdet");
    std::pair<Tensor<T>, Tensor<T>> r;
    lapack::lu_slogdet(f, singular, r.first, r.second);
    return r;
}
template <class T>
Var<T> det(const Var<T>& A) {
    auto [sign, logabs] = slogdet(A);
    return exp(logabs) * sign;
}
template <class T>
Tensor<T> det(const Tensor<T>& A) {
    auto [sign, logabs] = slogdet(A);
    return exp(logabs) * sign;
}

template <class T>
Var<T> inv(const Var<T>& A) {
    lapack::detail::check_system(A.value(), A.value(), "inv");
    return solve(A, Var<T>(eye<T>(A.shape().back()).broadcast_to(A.shape()).contiguous()));
}
template <class T>
Tensor<T> inv(const Tensor<T>& A) {
    lapack::detail::check_system(A, A, "inv");
    return lapack::lu_solve(lapack::lu_factor(A, "inv"), eye<T>(A.size(-1)).broadcast_to(A.shape()), false,
                            "inv");
}

template <class T>
Var<T> lstsq(const Var<T>& A, const Var<T>& b) {
    return apply<solvers::Lstsq, T>(Attrs{}, A, b);
}
template <class T>
Tensor<T> lstsq(const Tensor<T>& A, const Tensor<T>& b) {
    return lapack::lstsq(A, b, "lstsq");
}

template <class T>
Var<T> eigvalsh(const Var<T>& A) {
    return apply<solvers::Eigvalsh, T>(Attrs{}, A);
}
template <class T>
Tensor<T> eigvalsh(const Tensor<T>& A) {
    return lapack::eigh(A, false, "eigvalsh").w;
}
template <class T>
std::pair<Var<T>, Var<T>> eigh(const Var<T>& A) {
    return {eigvalsh(A), apply<solvers::EighVectors, T>(Attrs{}, A)};
}
template <class T>
std::pair<Tensor<T>, Tensor<T>> eigh(const Tensor<T>& A) {
    auto e = lapack::eigh(A, true, "eigh");
    return {e.w, e.V};
}

template <class T>
std::pair<Tensor<T>, Tensor<T>> qr(const Tensor<T>& A) {
    auto r = lapack::qr(A, "qr");
    return {r.Q, r.R};
}
template <class T>
Var<T> svdvals(const Var<T>& A) {
    return apply<solvers::SvdVals, T>(Attrs{}, A);
}
template <class T>
Tensor<T> svdvals(const Tensor<T>& A) {
    return lapack::svd(A, false, "svdvals").s;
}
template <class T>
SvdResult<T> svd(const Tensor<T>& A) {
    auto r = lapack::svd(A, true, "svd");
    return {r.U, r.s, r.Vt};
}

namespace {
template <class T>
void require_nonempty(const Shape& s, const char* op) {
    if (s.size() < 2 || s[s.size() - 1] == 0 || s[s.size() - 2] == 0)
        throw ShapeError(std::string(op) + ": needs a non-empty matrix, got shape " + s.str());
}
}  // namespace

template <class T>
Var<T> cond(const Var<T>& A) {
    require_nonempty<T>(A.shape(), "cond");
    const Var<T> s = svdvals(A);
    const index_t k = s.shape().back();
    return cast_slice_last(s, 0) / cast_slice_last(s, k - 1);
}
template <class T>
Tensor<T> cond(const Tensor<T>& A) {
    require_nonempty<T>(A.shape(), "cond");
    const Tensor<T> s = svdvals(A);
    const index_t k = s.size(-1);
    Shape b = s.shape();
    b.resize(b.size() - 1);
    return (s.slice(-1, 0, 1).reshape(b) / s.slice(-1, k - 1, k).reshape(b));
}
template <class T>
Tensor<T> cond_estimate(const Tensor<T>& A) {
    std::vector<int> singular;
    const lapack::LUFactor<T> f = lapack::lu_factor_nothrow(A, singular, "cond_estimate");
    Tensor<T> rc = lapack::lu_rcond(f);
    T* p = rc.data();
    for (index_t i = 0; i < rc.numel(); ++i)
        p[i] = singular[static_cast<std::size_t>(i)] > 0 || p[i] == T(0) ? std::numeric_limits<T>::infinity()
                                                                         : T(1) / p[i];
    return rc;
}

#define TG_DENSE_INSTANTIATE(T)                                                                   \
    template Tensor<T> solvers::Solve::forward(const Attrs&, const Tensor<T>&, const Tensor<T>&); \
    template Tensor<T> solvers::LogAbsDet::forward(const Attrs&, const Tensor<T>&);               \
    template void solvers::dense_detail::require_distinct(const Tensor<T>&, const char*);         \
    template Var<T> solve(const Var<T>&, const Var<T>&);                                          \
    template Tensor<T> solve(const Tensor<T>&, const Tensor<T>&);                                 \
    template Var<T> cholesky(const Var<T>&);                                                      \
    template Tensor<T> cholesky(const Tensor<T>&);                                                \
    template Var<T> cholesky_solve(const Var<T>&, const Var<T>&);                                 \
    template Tensor<T> cholesky_solve(const Tensor<T>&, const Tensor<T>&);                        \
    template Var<T> solve_spd(const Var<T>&, const Var<T>&);                                      \
    template Var<T> triangular_solve(const Var<T>&, const Var<T>&, bool, bool, bool);             \
    template Tensor<T> triangular_solve(const Tensor<T>&, const Tensor<T>&, bool, bool, bool);    \
    template std::pair<Tensor<T>, Var<T>> slogdet(const Var<T>&);                                 \
    template std::pair<Tensor<T>, Tensor<T>> slogdet(const Tensor<T>&);                           \
    template Var<T> det(const Var<T>&);                                                           \
    template Tensor<T> det(const Tensor<T>&);                                                     \
    template Var<T> inv(const Var<T>&);                                                           \
    template Tensor<T> inv(const Tensor<T>&);                                                     \
    template Var<T> lstsq(const Var<T>&, const Var<T>&);                                          \
    template Tensor<T> lstsq(const Tensor<T>&, const Tensor<T>&);                                 \
    template Var<T> eigvalsh(const Var<T>&);                                                      \
    template Tensor<T> eigvalsh(const Tensor<T>&);                                                \
    template std::pair<Var<T>, Var<T>> eigh(const Var<T>&);                                       \
    template std::pair<Tensor<T>, Tensor<T>> eigh(const Tensor<T>&);                              \
    template std::pair<Tensor<T>, Tensor<T>> qr(const Tensor<T>&);                                \
    template Var<T> svdvals(const Var<T>&);                                                       \
    template Tensor<T> svdvals(const Tensor<T>&);                                                 \
    template SvdResult<T> svd(const Tensor<T>&);                                                  \
    template Var<T> cond(const Var<T>&);                                                          \
    template Tensor<T> cond(const Tensor<T>&);                                                    \
    template Tensor<T> cond_estimate(const Tensor<T>&);
TG_DENSE_INSTANTIATE(float)
TG_DENSE_INSTANTIATE(double)
#undef TG_DENSE_INSTANTIATE

}  // namespace tg
