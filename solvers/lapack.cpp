// The LAPACK layer (lapack.hpp). The Fortran routines are declared here (OpenBLAS carries LAPACK;
// there is no lapacke), called once per matrix of a batch.
//
// tg::Tensor is row-major and LAPACK column-major: a row-major n x n buffer IS A^T to LAPACK. LU
// and triangular solves use that (flags flipped, no copy); the rectangular routines (QR, SVD)
// work on an explicit column-major copy.
#include "lapack.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_set>

extern "C" {
// Trailing size_t: the hidden lengths gfortran passes for CHARACTER arguments.
void sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda,
             const int* ipiv, float* b, const int* ldb, int* info, std::size_t);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
             const int* ipiv, double* b, const int* ldb, int* info, std::size_t);
void sgecon_(const char* norm, const int* n, const float* a, const int* lda, const float* anorm, float* rcond,
             float* work, int* iwork, int* info, std::size_t);
void dgecon_(const char* norm, const int* n, const double* a, const int* lda, const double* anorm,
             double* rcond, double* work, int* iwork, int* info, std::size_t);
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info, std::size_t);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, std::size_t);
void spotrs_(const char* uplo, const int* n, const int* nrhs, const float* a, const int* lda, float* b,
             const int* ldb, int* info, std::size_t);
void dpotrs_(const char* uplo, const int* n, const int* nrhs, const double* a, const int* lda, double* b,
             const int* ldb, int* info, std::size_t);
void strtrs_(const char* uplo, const char* trans, const char* diag, const int* n, const int* nrhs,
             const float* a, const int* lda, float* b, const int* ldb, int* info, std::size_t, std::size_t,
             std::size_t);
void dtrtrs_(const char* uplo, const char* trans, const char* diag, const int* n, const int* nrhs,
             const double* a, const int* lda, double* b, const int* ldb, int* info, std::size_t, std::size_t,
             std::size_t);
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work, const int* lwork,
             int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void sormqr_(const char* side, const char* trans, const int* m, const int* n, const int* k, const float* a,
             const int* lda, const float* tau, float* c, const int* ldc, float* work, const int* lwork,
             int* info, std::size_t, std::size_t);
void dormqr_(const char* side, const char* trans, const int* m, const int* n, const int* k, const double* a,
             const int* lda, const double* tau, double* c, const int* ldc, double* work, const int* lwork,
             int* info, std::size_t, std::size_t);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
             const int* lwork, int* iwork, const int* liwork, int* info, std::size_t, std::size_t);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info, std::size_t,
             std::size_t);
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s, float* u,
             const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork, int* iwork, int* info,
             std::size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork,
             int* info, std::size_t);
}

namespace tg::lapack {

namespace {

// One overload per precision, so the templates below are written once.
#define TG_LAPACK_PAIR(name, sfn, dfn) \
    template <class... A>              \
    void name(float* tag, A... a) {    \
        (void)tag;                     \
        sfn(a...);                     \
    }                                  \
    template <class... A>              \
    void name(double* tag, A... a) {   \
        (void)tag;                     \
        dfn(a...);                     \
    }
TG_LAPACK_PAIR(getrf, sgetrf_, dgetrf_)
TG_LAPACK_PAIR(getrs, sgetrs_, dgetrs_)
TG_LAPACK_PAIR(gecon, sgecon_, dgecon_)
TG_LAPACK_PAIR(potrf, spotrf_, dpotrf_)
TG_LAPACK_PAIR(potrs, spotrs_, dpotrs_)
TG_LAPACK_PAIR(trtrs, strtrs_, dtrtrs_)
TG_LAPACK_PAIR(geqrf, sgeqrf_, dgeqrf_)
TG_LAPACK_PAIR(orgqr, sorgqr_, dorgqr_)
TG_LAPACK_PAIR(ormqr, sormqr_, dormqr_)
TG_LAPACK_PAIR(syevd, ssyevd_, dsyevd_)
TG_LAPACK_PAIR(gesdd, sgesdd_, dgesdd_)
#undef TG_LAPACK_PAIR
template <class T>
constexpr T* tag = nullptr;

std::string str(double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
}

// " (matrix 3 of the batch)" for batched input, nothing for a single matrix.
std::string which(const Shape& batch, index_t i) {
    if (batch.size() == 0) return "";
    return " (matrix " + std::to_string(i) + " of batch " + batch.str() + ")";
}

int as_int(index_t v, const char* op) {
    if (v > INT_MAX)
        throw ShapeError(std::string(op) + ": dimension " + std::to_string(v) + " exceeds LAPACK's int");
    return static_cast<int>(v);
}

Shape leading(const Shape& s, int drop) {
    Shape b;
    for (int i = 0; i + drop < s.size(); ++i) b.push_back(s[i]);
    return b;
}

Shape with(Shape s, std::initializer_list<index_t> tail) {
    for (index_t v : tail) s.push_back(v);
    return s;
}

template <class T>
void check_matrix(const Tensor<T>& A, const char* op, const char* name = "A") {
    A.require_defined(op);
    if (A.dim() < 2)
        throw ShapeError(std::string(op) + ": " + name +
                         " must be a matrix (or a batch of them), got shape " + A.shape().str());
}

template <class T>
index_t check_square(const Tensor<T>& A, const char* op, const char* name = "A") {
    check_matrix(A, op, name);
    const index_t n = A.size(-1);
    if (A.size(-2) != n)
        throw ShapeError(std::string(op) + ": " + name + " must be square, got shape " + A.shape().str());
    as_int(n, op);
    return n;
}

// b as columns of LAPACK's B (n x k, column-major) for matrix i of the batch.
template <class T>
void rhs_in(const T* b, index_t n, index_t k, T* out) {
    for (index_t r = 0; r < n; ++r)
        for (index_t c = 0; c < k; ++c) out[r + c * n] = b[r * k + c];
}
template <class T>
void rhs_out(const T* in, index_t n, index_t k, T* x) {
    for (index_t r = 0; r < n; ++r)
        for (index_t c = 0; c < k; ++c) x[r * k + c] = in[r + c * n];
}

// Row-major m x n matrix into column-major storage (and back).
template <class T>
void to_col(const T* a, index_t m, index_t n, T* out) {
    for (index_t i = 0; i < m; ++i)
        for (index_t j = 0; j < n; ++j) out[i + j * m] = a[i * n + j];
}
template <class T>
void from_col(const T* in, index_t m, index_t n, T* a) {
    for (index_t i = 0; i < m; ++i)
        for (index_t j = 0; j < n; ++j) a[i * n + j] = in[i + j * m];
}

// The symmetric part (A + A^T) / 2 of a row-major n x n matrix.
template <class T>
void symmetrize(const T* a, index_t n, T* out) {
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < n; ++j) out[i * n + j] = (a[i * n + j] + a[j * n + i]) / T(2);
}

}  // namespace

namespace detail {

template <class T>
void check_finite(const Tensor<T>& t, const char* op, const char* name) {
    const Tensor<T> c = t.contiguous();
    const T* p = c.data();
    for (index_t i = 0; i < c.numel(); ++i) {
        if (std::isfinite(p[i])) continue;
        std::string at;
        index_t rest = i;
        std::vector<index_t> idx(static_cast<std::size_t>(c.dim()));
        for (int ax = c.dim() - 1; ax >= 0; --ax) {
            idx[static_cast<std::size_t>(ax)] = rest % c.size(ax);
            rest /= c.size(ax);
        }
        for (std::size_t k = 0; k < idx.size(); ++k) at += (k ? "," : "") + std::to_string(idx[k]);
        throw DomainError(std::string(op) + ": " + name + " contains " + (std::isnan(p[i]) ? "nan" : "inf") +
                          " at [" + at + "]");
    }
}

template <class T>
bool check_system(const Tensor<T>& A, const Tensor<T>& b, const char* op) {
    const index_t n = check_square(A, op);
    b.require_defined(op);
    const bool vec = b.dim() == A.dim() - 1;
    if (!vec && b.dim() != A.dim())
        throw ShapeError(std::string(op) +
                         ": b must have shape [batch..., n] or [batch..., n, k] for A of shape " +
                         A.shape().str() + ", got " + b.shape().str());
    const int batch_rank = A.dim() - 2;
    for (int i = 0; i < batch_rank; ++i)
        if (b.size(i) != A.size(i))
            throw ShapeError(std::string(op) + ": batch axes of A " + A.shape().str() + " and b " +
                             b.shape().str() + " differ");
    const index_t rows = b.size(batch_rank);
    if (rows != n)
        throw ShapeError(std::string(op) + ": b has " + std::to_string(rows) + " rows but A is " +
                         std::to_string(n) + " x " + std::to_string(n) + " (A " + A.shape().str() + ", b " +
                         b.shape().str() + ")");
    return vec;
}

}  // namespace detail

namespace {

template <class T>
LUFactor<T> factor(const Tensor<T>& A, std::vector<int>* singular, const char* op) {
    const index_t n = check_square(A, op);
    detail::check_finite(A, op, "A");
    LUFactor<T> f;
    f.batch = leading(A.shape(), 2);
    f.n = n;
    const index_t count = f.count();
    const Tensor<T> c = A.contiguous();
    const T* src = c.data();
    f.lu.assign(src, src + c.numel());
    f.piv.assign(static_cast<std::size_t>(count * n), 0);
    f.anorm.assign(static_cast<std::size_t>(count), T(0));
    if (singular) singular->assign(static_cast<std::size_t>(count), 0);
    if (n == 0) return f;
    const int ni = static_cast<int>(n);
    std::vector<T> colsum(static_cast<std::size_t>(n));
    for (index_t m = 0; m < count; ++m) {
        T* a = f.lu.data() + m * n * n;
        std::fill(colsum.begin(), colsum.end(), T(0));  // ||A||_1: the largest column sum of |A|
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < n; ++j) colsum[static_cast<std::size_t>(j)] += std::abs(a[i * n + j]);
        f.anorm[static_cast<std::size_t>(m)] = *std::max_element(colsum.begin(), colsum.end());
        int info = 0;
        getrf(tag<T>, &ni, &ni, a, &ni, f.piv.data() + m * n, &info);
        if (info > 0) {
            if (singular) {
                (*singular)[static_cast<std::size_t>(m)] = info;
                continue;
            }
            const std::string k = std::to_string(info - 1);
            throw NumericalError(std::string(op) + ": matrix is singular" + which(f.batch, m) +
                                 ": LU with partial pivoting found the pivot U[" + k + "," + k + "] = " +
                                 str(a[(info - 1) * (n + 1)]) + " at step " + k + " of " + std::to_string(n));
        }
    }
    return f;
}

}  // namespace

template <class T>
LUFactor<T> lu_factor(const Tensor<T>& A, const char* op) {
    return factor(A, nullptr, op);
}

template <class T>
LUFactor<T> lu_factor_nothrow(const Tensor<T>& A, std::vector<int>& singular, const char* op) {
    return factor(A, &singular, op);
}

namespace {
// The handles of live factors, per type: a pointer found here is the IndexArray base of an
// LUHolder<T> (so the downcast is valid), and it stays registered exactly as long as it lives.
template <class T>
struct LUHolder : IndexArray {
    LUFactor<T> f;
    Tensor<T> of;               // the factored A, as passed (its identity, not its values, is compared)
    std::uint64_t version = 0;  // of's writes when it was factored
    ~LUHolder();
};
std::mutex& live_mutex() {
    static std::mutex m;
    return m;
}
template <class T>
std::unordered_set<const IndexArray*>& live() {
    static std::unordered_set<const IndexArray*> s;
    return s;
}
template <class T>
LUHolder<T>::~LUHolder() {
    std::lock_guard<std::mutex> lock(live_mutex());
    live<T>().erase(this);
}
}  // namespace

template <class T>
std::shared_ptr<const IndexArray> pack_lu(LUFactor<T>&& f, const Tensor<T>& A) {
    auto h = std::make_shared<LUHolder<T>>();
    h->f = std::move(f);
    h->of = A;
    h->version = A.version();
    std::lock_guard<std::mutex> lock(live_mutex());
    live<T>().insert(h.get());
    return h;
}

template <class T>
const LUFactor<T>* find_lu(const IndexArray* p, const Tensor<T>& A) {
    if (!p) return nullptr;
    {
        std::lock_guard<std::mutex> lock(live_mutex());
        if (!live<T>().count(p)) return nullptr;
    }
    const auto* h = static_cast<const LUHolder<T>*>(p);
    const Tensor<T>& of = h->of;
    const bool same = of.shares_storage(A) && of.data() == A.data() && of.shape() == A.shape() &&
                      of.strides() == A.strides() && A.version() == h->version;
    return same ? &h->f : nullptr;
}

template <class T>
Tensor<T> lu_solve(const LUFactor<T>& f, const Tensor<T>& b, bool transpose, const char* op) {
    b.require_defined(op);
    const int br = f.batch.size();
    const bool vec = b.dim() == br + 1;
    if ((!vec && b.dim() != br + 2) || !(leading(b.shape(), vec ? 1 : 2) == f.batch) || b.size(br) != f.n)
        throw ShapeError(std::string(op) + ": b of shape " + b.shape().str() + " does not fit a factor of " +
                         with(f.batch, {f.n, f.n}).str());
    detail::check_finite(b, op, "b");
    const index_t n = f.n, k = vec ? 1 : b.size(-1);
    Tensor<T> x = Tensor<T>::empty(b.shape(), op);
    if (x.numel() == 0) return x;
    const Tensor<T> bc = b.contiguous();
    std::vector<T> B(static_cast<std::size_t>(n * k));
    const int ni = static_cast<int>(n), ki = as_int(k, op);
    // The factor is of A^T (lapack.hpp): A x = b is a transposed solve with it.
    const char trans = transpose ? 'N' : 'T';
    T* out = x.data();
    for (index_t m = 0; m < f.count(); ++m) {
        rhs_in(bc.data() + m * n * k, n, k, B.data());
        int info = 0;
        getrs(tag<T>, &trans, &ni, &ki, f.lu.data() + m * n * n, &ni, f.piv.data() + m * n, B.data(), &ni,
              &info, std::size_t{1});
        rhs_out(B.data(), n, k, out + m * n * k);
    }
    return x;
}

template <class T>
void lu_slogdet(const LUFactor<T>& f, const std::vector<int>& singular, Tensor<T>& sign, Tensor<T>& logabs) {
    sign = Tensor<T>(f.batch);
    logabs = Tensor<T>(f.batch);
    T* s = sign.data();
    T* l = logabs.data();
    const index_t n = f.n;
    for (index_t m = 0; m < f.count(); ++m) {
        if (!singular.empty() && singular[static_cast<std::size_t>(m)] > 0) {
            s[m] = 0;
            l[m] = -std::numeric_limits<T>::infinity();
            continue;
        }
        const T* a = f.lu.data() + m * n * n;
        const int* p = f.piv.data() + m * n;
        T sg = 1, acc = 0;
        for (index_t i = 0; i < n; ++i) {
            const T u = a[i * (n + 1)];
            if (u < 0) sg = -sg;
            if (p[i] != i + 1) sg = -sg;
            acc += std::log(std::abs(u));
        }
        s[m] = sg;
        l[m] = acc;
    }
}

template <class T>
Tensor<T> lu_rcond(const LUFactor<T>& f) {
    Tensor<T> r(f.batch);
    T* out = r.data();
    const index_t n = f.n;
    const int ni = static_cast<int>(n);
    std::vector<T> work(static_cast<std::size_t>(4 * std::max<index_t>(n, 1)));
    std::vector<int> iwork(static_cast<std::size_t>(std::max<index_t>(n, 1)));
    for (index_t m = 0; m < f.count(); ++m) {
        if (n == 0) {
            out[m] = 1;
            continue;
        }
        // The factor is of A^T, whose infinity norm is A's 1-norm.
        const char norm = 'I';
        T rc = 0;
        int info = 0;
        gecon(tag<T>, &norm, &ni, f.lu.data() + m * n * n, &ni, &f.anorm[static_cast<std::size_t>(m)], &rc,
              work.data(), iwork.data(), &info, std::size_t{1});
        out[m] = rc;
    }
    return r;
}

template <class T>
Tensor<T> cholesky(const Tensor<T>& A, const char* op) {
    const index_t n = check_square(A, op);
    detail::check_finite(A, op, "A");
    const Shape batch = leading(A.shape(), 2);
    Tensor<T> L = Tensor<T>::empty(A.shape(), op);
    if (L.numel() == 0) return L;
    const Tensor<T> c = A.contiguous();
    T* out = L.data();
    const int ni = static_cast<int>(n);
    for (index_t m = 0; m < batch.numel(); ++m) {
        T* a = out + m * n * n;
        symmetrize(c.data() + m * n * n, n, a);
        // Column-major 'U' on this buffer is row-major lower: A = U^T U = L L^T.
        const char uplo = 'U';
        int info = 0;
        potrf(tag<T>, &uplo, &ni, a, &ni, &info, std::size_t{1});
        if (info > 0)
            throw NumericalError(std::string(op) + ": matrix is not positive definite" + which(batch, m) +
                                 ": the leading minor of order " + std::to_string(info) + " (of " +
                                 std::to_string(n) + ") is not positive (Cholesky pivot " +
                                 str(a[(info - 1) * (n + 1)]) + ")");
        for (index_t i = 0; i < n; ++i)
            for (index_t j = i + 1; j < n; ++j) a[i * n + j] = 0;
    }
    return L;
}

template <class T>
Tensor<T> cholesky_solve(const Tensor<T>& L, const Tensor<T>& b, const char* op) {
    const bool vec = detail::check_system(L, b, op);
    detail::check_finite(L, op, "L");
    detail::check_finite(b, op, "b");
    const index_t n = L.size(-1), k = vec ? 1 : b.size(-1);
    const Shape batch = leading(L.shape(), 2);
    Tensor<T> x = Tensor<T>::empty(b.shape(), op);
    if (x.numel() == 0) return x;
    const Tensor<T> lc = L.contiguous(), bc = b.contiguous();
    std::vector<T> B(static_cast<std::size_t>(n * k));
    const int ni = static_cast<int>(n), ki = as_int(k, op);
    T* out = x.data();
    for (index_t m = 0; m < batch.numel(); ++m) {
        const T* l = lc.data() + m * n * n;
        for (index_t i = 0; i < n; ++i)
            if (l[i * (n + 1)] == T(0))
                throw NumericalError(std::string(op) + ": the Cholesky factor is singular" + which(batch, m) +
                                     ": L[" + std::to_string(i) + "," + std::to_string(i) + "] = 0");
        rhs_in(bc.data() + m * n * k, n, k, B.data());
        const char uplo = 'U';  // row-major lower
        int info = 0;
        potrs(tag<T>, &uplo, &ni, &ki, l, &ni, B.data(), &ni, &info, std::size_t{1});
        rhs_out(B.data(), n, k, out + m * n * k);
    }
    return x;
}

template <class T>
Tensor<T> triangular_solve(const Tensor<T>& A, const Tensor<T>& b, bool lower, bool transpose, bool unit,
                           const char* op) {
    const bool vec = detail::check_system(A, b, op);
    detail::check_finite(A, op, "A");
    detail::check_finite(b, op, "b");
    const index_t n = A.size(-1), k = vec ? 1 : b.size(-1);
    const Shape batch = leading(A.shape(), 2);
    Tensor<T> x = Tensor<T>::empty(b.shape(), op);
    if (x.numel() == 0) return x;
    const Tensor<T> ac = A.contiguous(), bc = b.contiguous();
    std::vector<T> B(static_cast<std::size_t>(n * k));
    const int ni = static_cast<int>(n), ki = as_int(k, op);
    // The row-major buffer is T^T to LAPACK: the triangle and the transpose flag flip.
    const char uplo = lower ? 'U' : 'L', trans = transpose ? 'N' : 'T', diag = unit ? 'U' : 'N';
    T* out = x.data();
    for (index_t m = 0; m < batch.numel(); ++m) {
        rhs_in(bc.data() + m * n * k, n, k, B.data());
        int info = 0;
        trtrs(tag<T>, &uplo, &trans, &diag, &ni, &ki, ac.data() + m * n * n, &ni, B.data(), &ni, &info,
              std::size_t{1}, std::size_t{1}, std::size_t{1});
        if (info > 0) {
            const std::string i = std::to_string(info - 1);
            throw NumericalError(std::string(op) + ": triangular matrix is singular" + which(batch, m) +
                                 ": A[" + i + "," + i + "] = 0");
        }
        rhs_out(B.data(), n, k, out + m * n * k);
    }
    return x;
}

namespace {

// Householder QR of a column-major m x n matrix in place (R above the diagonal, reflectors below).
template <class T>
void householder(T* a, int m, int n, std::vector<T>& tau) {
    tau.assign(static_cast<std::size_t>(std::max(1, std::min(m, n))), T(0));
    int lwork = -1, info = 0;
    T q = 0;
    const int lda = std::max(1, m);
    geqrf(tag<T>, &m, &n, a, &lda, tau.data(), &q, &lwork, &info);
    lwork = std::max(1, static_cast<int>(q));
    std::vector<T> work(static_cast<std::size_t>(lwork));
    geqrf(tag<T>, &m, &n, a, &lda, tau.data(), work.data(), &lwork, &info);
}

}  // namespace

template <class T>
Tensor<T> lstsq(const Tensor<T>& A, const Tensor<T>& b, const char* op) {
    check_matrix(A, op);
    b.require_defined(op);
    const index_t m = A.size(-2), n = A.size(-1);
    const bool vec = b.dim() == A.dim() - 1;
    const int br = A.dim() - 2;
    const Shape batch = leading(A.shape(), 2);
    if ((!vec && b.dim() != A.dim()) || !(leading(b.shape(), vec ? 1 : 2) == batch) || b.size(br) != m)
        throw ShapeError(std::string(op) +
                         ": b must have shape [batch..., m] or [batch..., m, k] for A of shape " +
                         A.shape().str() + ", got " + b.shape().str());
    if (m < n)
        throw ShapeError(std::string(op) +
                         ": A must have at least as many rows as columns (full column rank), got " +
                         A.shape().str());
    detail::check_finite(A, op, "A");
    detail::check_finite(b, op, "b");
    const index_t k = vec ? 1 : b.size(-1);
    Shape xs = batch;
    xs.push_back(n);
    if (!vec) xs.push_back(k);
    Tensor<T> x = Tensor<T>::empty(xs, op);
    if (x.numel() == 0) return x;
    const Tensor<T> ac = A.contiguous(), bc = b.contiguous();
    const int mi = as_int(m, op), ni = as_int(n, op), ki = as_int(k, op);
    std::vector<T> a(static_cast<std::size_t>(m * n)), B(static_cast<std::size_t>(m * k)), tau;
    T* out = x.data();
    for (index_t bi = 0; bi < batch.numel(); ++bi) {
        to_col(ac.data() + bi * m * n, m, n, a.data());
        householder(a.data(), mi, ni, tau);
        T rmax = 0;
        for (index_t i = 0; i < n; ++i)
            rmax = std::max(rmax, std::abs(a[static_cast<std::size_t>(i + i * m)]));
        const T tol = static_cast<T>(std::max(m, n)) * std::numeric_limits<T>::epsilon() * rmax;
        for (index_t i = 0; i < n; ++i) {
            const T r = a[static_cast<std::size_t>(i + i * m)];
            if (!(std::abs(r) > tol))
                throw NumericalError(std::string(op) + ": A is rank deficient" + which(batch, bi) + ": |R[" +
                                     std::to_string(i) + "," + std::to_string(i) + "]| = " + str(std::abs(r)) +
                                     " <= " + str(tol) + " (max(m,n) eps max|R[j,j]|) in its QR factorization");
        }
        rhs_in(bc.data() + bi * m * k, m, k, B.data());
        const char side = 'L', tr = 'T';
        int lwork = -1, info = 0;
        T q = 0;
        ormqr(tag<T>, &side, &tr, &mi, &ki, &ni, a.data(), &mi, tau.data(), B.data(), &mi, &q, &lwork, &info,
              std::size_t{1}, std::size_t{1});
        lwork = std::max(1, static_cast<int>(q));
        std::vector<T> work(static_cast<std::size_t>(lwork));
        ormqr(tag<T>, &side, &tr, &mi, &ki, &ni, a.data(), &mi, tau.data(), B.data(), &mi, work.data(),
              &lwork, &info, std::size_t{1}, std::size_t{1});
        const char up = 'U', no = 'N';
        trtrs(tag<T>, &up, &no, &no, &ni, &ki, a.data(), &mi, B.data(), &mi, &info, std::size_t{1},
              std::size_t{1}, std::size_t{1});
        // x is the first n rows of the column-major m x k B.
        for (index_t r = 0; r < n; ++r)
            for (index_t c = 0; c < k; ++c)
                out[bi * n * k + r * k + c] = B[static_cast<std::size_t>(r + c * m)];
    }
    return x;
}

template <class T>
QR<T> qr(const Tensor<T>& A, const char* op) {
    check_matrix(A, op);
    detail::check_finite(A, op, "A");
    const index_t m = A.size(-2), n = A.size(-1), kk = std::min(m, n);
    const Shape batch = leading(A.shape(), 2);
    QR<T> out{Tensor<T>(with(batch, {m, kk})), Tensor<T>(with(batch, {kk, n}))};
    if (m == 0 || n == 0 || batch.numel() == 0) return out;
    const Tensor<T> ac = A.contiguous();
    const int mi = as_int(m, op), ni = as_int(n, op), ki = static_cast<int>(kk);
    std::vector<T> a(static_cast<std::size_t>(m * n)), tau;
    T* Q = out.Q.data();
    T* R = out.R.data();
    for (index_t bi = 0; bi < batch.numel(); ++bi) {
        to_col(ac.data() + bi * m * n, m, n, a.data());
        householder(a.data(), mi, ni, tau);
        for (index_t i = 0; i < kk; ++i)
            for (index_t j = i; j < n; ++j)
                R[bi * kk * n + i * n + j] = a[static_cast<std::size_t>(i + j * m)];
        int lwork = -1, info = 0;
        T q = 0;
        orgqr(tag<T>, &mi, &ki, &ki, a.data(), &mi, tau.data(), &q, &lwork, &info);
        lwork = std::max(1, static_cast<int>(q));
        std::vector<T> work(static_cast<std::size_t>(lwork));
        orgqr(tag<T>, &mi, &ki, &ki, a.data(), &mi, tau.data(), work.data(), &lwork, &info);
        from_col(a.data(), m, kk, Q + bi * m * kk);
    }
    return out;
}

template <class T>
Eigh<T> eigh(const Tensor<T>& A, bool vectors, const char* op) {
    const index_t n = check_square(A, op);
    detail::check_finite(A, op, "A");
    const Shape batch = leading(A.shape(), 2);
    Eigh<T> out;
    out.w = Tensor<T>(with(batch, {n}));
    if (vectors) out.V = Tensor<T>(A.shape());
    if (n == 0 || batch.numel() == 0) return out;
    const Tensor<T> ac = A.contiguous();
    const int ni = static_cast<int>(n);
    std::vector<T> a(static_cast<std::size_t>(n * n));
    const char jobz = vectors ? 'V' : 'N', uplo = 'L';
    T* w = out.w.data();
    for (index_t bi = 0; bi < batch.numel(); ++bi) {
        symmetrize(ac.data() + bi * n * n, n, a.data());  // symmetric: the same in either order
        int lwork = -1, liwork = -1, info = 0, iq = 0;
        T q = 0;
        syevd(tag<T>, &jobz, &uplo, &ni, a.data(), &ni, w + bi * n, &q, &lwork, &iq, &liwork, &info,
              std::size_t{1}, std::size_t{1});
        lwork = std::max(1, static_cast<int>(q));
        liwork = std::max(1, iq);
        std::vector<T> work(static_cast<std::size_t>(lwork));
        std::vector<int> iwork(static_cast<std::size_t>(liwork));
        syevd(tag<T>, &jobz, &uplo, &ni, a.data(), &ni, w + bi * n, work.data(), &lwork, iwork.data(),
              &liwork, &info, std::size_t{1}, std::size_t{1});
        if (info != 0)
            throw NumericalError(std::string(op) + ": the eigenvalue iteration did not converge" +
                                 which(batch, bi) + " (LAPACK syevd info " + std::to_string(info) + ")");
        if (!vectors) continue;
        // Column j of the column-major result is eigenvector j; fix its sign (lapack.hpp).
        for (index_t j = 0; j < n; ++j) {
            T* v = a.data() + j * n;
            index_t big = 0;
            for (index_t i = 1; i < n; ++i)
                if (std::abs(v[i]) > std::abs(v[big])) big = i;
            if (v[big] < 0)
                for (index_t i = 0; i < n; ++i) v[i] = -v[i];
        }
        from_col(a.data(), n, n, out.V.data() + bi * n * n);
    }
    return out;
}

template <class T>
SVD<T> svd(const Tensor<T>& A, bool vectors, const char* op) {
    check_matrix(A, op);
    detail::check_finite(A, op, "A");
    const index_t m = A.size(-2), n = A.size(-1), kk = std::min(m, n);
    const Shape batch = leading(A.shape(), 2);
    SVD<T> out;
    out.s = Tensor<T>(with(batch, {kk}));
    if (vectors) {
        out.U = Tensor<T>(with(batch, {m, kk}));
        out.Vt = Tensor<T>(with(batch, {kk, n}));
    }
    if (kk == 0 || batch.numel() == 0) return out;
    const Tensor<T> ac = A.contiguous();
    const int mi = as_int(m, op), ni = as_int(n, op), ki = static_cast<int>(kk);
    std::vector<T> a(static_cast<std::size_t>(m * n)), u(vectors ? static_cast<std::size_t>(m * kk) : 1),
        vt(vectors ? static_cast<std::size_t>(kk * n) : 1);
    std::vector<int> iwork(static_cast<std::size_t>(8 * kk));
    const char jobz = vectors ? 'S' : 'N';
    const int ldu = vectors ? mi : 1, ldvt = vectors ? ki : 1;
    for (index_t bi = 0; bi < batch.numel(); ++bi) {
        to_col(ac.data() + bi * m * n, m, n, a.data());
        int lwork = -1, info = 0;
        T q = 0;
        T* s = out.s.data() + bi * kk;
        gesdd(tag<T>, &jobz, &mi, &ni, a.data(), &mi, s, u.data(), &ldu, vt.data(), &ldvt, &q, &lwork,
              iwork.data(), &info, std::size_t{1});
        lwork = std::max(1, static_cast<int>(q));
        std::vector<T> work(static_cast<std::size_t>(lwork));
        gesdd(tag<T>, &jobz, &mi, &ni, a.data(), &mi, s, u.data(), &ldu, vt.data(), &ldvt, work.data(),
              &lwork, iwork.data(), &info, std::size_t{1});
        if (info != 0)
            throw NumericalError(std::string(op) + ": the SVD iteration did not converge" + which(batch, bi) +
                                 " (LAPACK gesdd info " + std::to_string(info) + ")");
        if (!vectors) continue;
        from_col(u.data(), m, kk, out.U.data() + bi * m * kk);
        from_col(vt.data(), kk, n, out.Vt.data() + bi * kk * n);
    }
    return out;
}

#define TG_LAPACK_INSTANTIATE(T)                                                                            \
    template LUFactor<T> lu_factor(const Tensor<T>&, const char*);                                          \
    template std::shared_ptr<const IndexArray> pack_lu(LUFactor<T>&&, const Tensor<T>&);                    \
    template const LUFactor<T>* find_lu(const IndexArray*, const Tensor<T>&);                               \
    template LUFactor<T> lu_factor_nothrow(const Tensor<T>&, std::vector<int>&, const char*);               \
    template Tensor<T> lu_solve(const LUFactor<T>&, const Tensor<T>&, bool, const char*);                   \
    template void lu_slogdet(const LUFactor<T>&, const std::vector<int>&, Tensor<T>&, Tensor<T>&);          \
    template Tensor<T> lu_rcond(const LUFactor<T>&);                                                        \
    template Tensor<T> cholesky(const Tensor<T>&, const char*);                                             \
    template Tensor<T> cholesky_solve(const Tensor<T>&, const Tensor<T>&, const char*);                     \
    template Tensor<T> triangular_solve(const Tensor<T>&, const Tensor<T>&, bool, bool, bool, const char*); \
    template Tensor<T> lstsq(const Tensor<T>&, const Tensor<T>&, const char*);                              \
    template QR<T> qr(const Tensor<T>&, const char*);                                                       \
    template Eigh<T> eigh(const Tensor<T>&, bool, const char*);                                             \
    template SVD<T> svd(const Tensor<T>&, bool, const char*);                                               \
    template void detail::check_finite(const Tensor<T>&, const char*, const char*);                         \
    template bool detail::check_system(const Tensor<T>&, const Tensor<T>&, const char*);
TG_LAPACK_INSTANTIATE(float)
TG_LAPACK_INSTANTIATE(double)
#undef TG_LAPACK_INSTANTIATE

}  // namespace tg::lapack
