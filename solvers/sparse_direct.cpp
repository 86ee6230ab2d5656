// Sparse direct solve through SuiteSparse's UMFPACK (sparse LU with partial pivoting, Debian's
// libsuitesparse-dev). UMFPACK reads compressed COLUMNS: our CSR arrays, read as CSC, are A^T,
// so A x = b is UMFPACK's transposed system (UMFPACK_At) on the same arrays, with no copy of the
// pattern. UMFPACK works in double; float matrices are converted on the way in and out.
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include <suitesparse/umfpack.h>

#include "sparse_direct.hpp"

namespace tg::solvers {

namespace {

std::string num(double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
}

// Frees UMFPACK's objects on every path out (errors included).
struct Umf {
    void* symbolic = nullptr;
    void* numeric = nullptr;
    ~Umf() {
        if (numeric) umfpack_dl_free_numeric(&numeric);
        if (symbolic) umfpack_dl_free_symbolic(&symbolic);
    }
};

}  // namespace

template <class T>
Tensor<T> direct_solve(const CsrMatrix<T>& a0, const Tensor<T>& b, double shift) {
    const char* who = "sparse_direct_solve";
    b.require_defined(who);
    if (a0.rows() != a0.cols() || b.dim() != 1 || b.numel() != a0.rows())
        throw ShapeError(std::string(who) + ": matrix " + a0.pattern().str() +
                         " and right-hand side of shape " + b.shape().str() +
                         " (expected a square matrix and [" + std::to_string(a0.rows()) + "])");
    if (!std::isfinite(shift)) throw DomainError(std::string(who) + ": shift is " + num(shift));
    const Tensor<T> bc = b.contiguous();
    const index_t n = a0.rows();
    for (index_t i = 0; i < n; ++i)
        if (!std::isfinite(bc.data()[i]))
            throw DomainError(std::string(who) + ": b has a non-finite value (" + num(bc.data()[i]) +
                              ") at index " + std::to_string(i));
    Tensor<T> x(Shape{n});
    if (n == 0) return x;
    const CsrMatrix<T> a = shift != 0 ? add_diagonal(expand(a0), static_cast<T>(shift)) : expand(a0);
    const SparsePattern& p = a.pattern();
    const Tensor<T> vc = a.values().contiguous();
    std::vector<double> v(vc.data(), vc.data() + p.nnz()), bd(bc.data(), bc.data() + n), xd(n);
    for (index_t k = 0; k < p.nnz(); ++k)
        if (!std::isfinite(v[k]))
            throw DomainError(std::string(who) + ": stored value " + std::to_string(k) + " (row " +
                              std::to_string(p.row_of()[k]) + ", col " + std::to_string(p.col()[k]) +
                              ") is " + num(v[k]));
    static_assert(sizeof(SuiteSparse_long) == sizeof(index_t));
    const auto* ap = reinterpret_cast<const SuiteSparse_long*>(p.row_ptr());
    const auto* ai = reinterpret_cast<const SuiteSparse_long*>(p.col());
    double control[UMFPACK_CONTROL], info[UMFPACK_INFO];
    umfpack_dl_defaults(control);
    Umf f;
    SuiteSparse_long st = umfpack_dl_symbolic(n, n, ap, ai, v.data(), &f.symbolic, control, info);
    if (st != UMFPACK_OK)
        throw NumericalError(std::string(who) + ": UMFPACK symbolic analysis failed (status " +
                             std::to_string(st) + ")");
    st = umfpack_dl_numeric(ap, ai, v.data(), f.symbolic, &f.numeric, control, info);
    if (st == UMFPACK_WARNING_singular_matrix)
        throw NumericalError(std::string(who) +
                             ": the matrix is singular (a zero pivot in its LU; estimated "
                             "reciprocal condition number " +
                             num(info[UMFPACK_RCOND]) + ")");
    if (st != UMFPACK_OK)
        throw NumericalError(std::string(who) + ": UMFPACK factorization failed (status " +
                             std::to_string(st) + ")");
    st = umfpack_dl_solve(UMFPACK_At, ap, ai, v.data(), xd.data(), bd.data(), f.numeric, control, info);
    if (st != UMFPACK_OK)
        throw NumericalError(std::string(who) + ": UMFPACK solve failed (status " + std::to_string(st) + ")");
    T* xo = x.data();
    for (index_t i = 0; i < n; ++i) {
        if (!std::isfinite(xd[i]) || std::abs(xd[i]) > static_cast<double>(std::numeric_limits<T>::max()))
            throw NumericalError(std::string(who) + ": the solution is not finite at index " +
                                 std::to_string(i) + " (estimated reciprocal condition number " +
                                 num(info[UMFPACK_RCOND]) + ")");
        xo[i] = static_cast<T>(xd[i]);
    }
    return x;
}

template Tensor<float> direct_solve(const CsrMatrix<float>&, const Tensor<float>&, double);
template Tensor<double> direct_solve(const CsrMatrix<double>&, const Tensor<double>&, double);

}  // namespace tg::solvers
