// Preconditioners built from a CSR matrix (krylov.hpp): Jacobi, IC(0), ILU(0). The incomplete
// factors keep the pattern of A (Saad, 2nd ed., 10.3: ILU(0) in the IKJ order, alg. 10.4; IC(0)
// is its symmetric form on the lower triangle). Factors are computed in double for float too.
#include <cmath>
#include <sstream>

#include "krylov.hpp"

namespace tg::solvers {

namespace {

std::string num(double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
}

template <class T>
class Jacobi final : public PreconditionerOp<T> {
public:
    explicit Jacobi(const CsrMatrix<T>& a) {
        const std::vector<T> d = diagonal(a);
        inv_.resize(d.size());
        for (std::size_t i = 0; i < d.size(); ++i) {
            if (d[i] == T(0) || !std::isfinite(d[i]))
                throw NumericalError("jacobi preconditioner: diagonal entry " + std::to_string(i) + " is " +
                                     num(d[i]));
            inv_[i] = 1.0 / d[i];
        }
        spd_ = true;
        for (T v : d) spd_ = spd_ && v > 0;
    }
    void apply(const T* r, T* z) const override {
        for (std::size_t i = 0; i < inv_.size(); ++i) z[i] = static_cast<T>(inv_[i] * r[i]);
    }
    bool symmetric() const override { return spd_; }

private:
    std::vector<double> inv_;
    bool spd_ = true;
};

// Lower-triangular CSR (diagonal last in each row) in double.
struct Lower {
    index_t n = 0;
    std::vector<index_t> rp, col;
    std::vector<double> val;
};

template <class T>
class IC0 final : public PreconditionerOp<T> {
public:
    explicit IC0(const CsrMatrix<T>& a) {
        const SparsePattern& p = a.pattern();
        const Tensor<T> vc = a.values().contiguous();
        const T* v = vc.data();
        L_.n = p.rows();
        L_.rp.assign(static_cast<std::size_t>(L_.n + 1), 0);
        for (index_t i = 0; i < L_.n; ++i) {
            for (index_t k = p.row_ptr()[i]; k < p.row_ptr()[i + 1]; ++k)
                if (p.col()[k] <= i) {
                    L_.col.push_back(p.col()[k]);
                    L_.val.push_back(v[k]);
                }
            L_.rp[i + 1] = static_cast<index_t>(L_.col.size());
            if (L_.rp[i + 1] == L_.rp[i] || L_.col.back() != i)
                throw NumericalError("ic0 preconditioner: row " + std::to_string(i) + " has no diagonal entry");
        }
        for (index_t i = 0; i < L_.n; ++i) {
            const index_t b = L_.rp[i], e = L_.rp[i + 1];
            for (index_t k = b; k < e; ++k) {
                const index_t j = L_.col[k];
                // s = a_ij - sum_{m < j} L_im L_jm over the columns rows i and j share.
                double s = L_.val[k];
                index_t p1 = b, p2 = L_.rp[j];
                while (p1 < k && p2 < L_.rp[j + 1] - 1) {
                    if (L_.col[p1] == L_.col[p2]) s -= L_.val[p1++] * L_.val[p2++];
                    else if (L_.col[p1] < L_.col[p2]) ++p1;
                    else ++p2;
                }
                if (j < i) L_.val[k] = s / L_.val[L_.rp[j + 1] - 1];
                else {
                    if (!(s > 0))
                        throw NumericalError("ic0 preconditioner: breakdown at row " + std::to_string(i) +
                                             ": pivot " + num(s) +
                                             " <= 0 (the matrix is not positive definite, or "
                                             "not diagonally dominant enough for IC(0); try jacobi)");
                    L_.val[k] = std::sqrt(s);
                }
            }
        }
    }
    void apply(const T* r, T* z) const override {
        std::vector<double> y(static_cast<std::size_t>(L_.n));
        for (index_t i = 0; i < L_.n; ++i) {  // L y = r
            double s = r[i];
            const index_t e = L_.rp[i + 1] - 1;
            for (index_t k = L_.rp[i]; k < e; ++k) s -= L_.val[k] * y[L_.col[k]];
            y[i] = s / L_.val[e];
        }
        for (index_t i = L_.n - 1; i >= 0; --i) {  // L^T z = y, column by column
            const index_t e = L_.rp[i + 1] - 1;
            y[i] /= L_.val[e];
            for (index_t k = L_.rp[i]; k < e; ++k) y[L_.col[k]] -= L_.val[k] * y[i];
        }
        for (index_t i = 0; i < L_.n; ++i) z[i] = static_cast<T>(y[i]);
    }
    bool symmetric() const override { return true; }

private:
    Lower L_;
};

template <class T>
class ILU0 final : public PreconditionerOp<T> {
public:
    explicit ILU0(const CsrMatrix<T>& a0) {
        const CsrMatrix<T> a = expand(a0);
        const SparsePattern& p = a.pattern();
        n_ = p.rows();
        rp_.assign(p.row_ptr(), p.row_ptr() + n_ + 1);
        col_.assign(p.col(), p.col() + p.nnz());
        const Tensor<T> vc = a.values().contiguous();
        const T* v = vc.data();
        val_.assign(v, v + p.nnz());
        diag_.assign(static_cast<std::size_t>(n_), -1);
        for (index_t i = 0; i < n_; ++i) {
            for (index_t k = rp_[i]; k < rp_[i + 1]; ++k)
                if (col_[k] == i) diag_[i] = k;
            if (diag_[i] < 0)
                throw NumericalError("ilu0 preconditioner: row " + std::to_string(i) + " has no diagonal entry");
        }
        std::vector<index_t> where(static_cast<std::size_t>(n_), -1);
        for (index_t i = 0; i < n_; ++i) {
            for (index_t k = rp_[i]; k < rp_[i + 1]; ++k) where[col_[k]] = k;
            for (index_t k = rp_[i]; k < diag_[i]; ++k) {
                const index_t c = col_[k];
                val_[k] /= val_[diag_[c]];  // l_ic = a_ic / u_cc
                for (index_t q = diag_[c] + 1; q < rp_[c + 1]; ++q)
                    if (where[col_[q]] >= 0) val_[where[col_[q]]] -= val_[k] * val_[q];
            }
            for (index_t k = rp_[i]; k < rp_[i + 1]; ++k) where[col_[k]] = -1;
            const double u = val_[diag_[i]];
            if (u == 0 || !std::isfinite(u))
                throw NumericalError("ilu0 preconditioner: pivot " + num(u) + " at row " + std::to_string(i));
        }
    }
    void apply(const T* r, T* z) const override {
        std::vector<double> y(static_cast<std::size_t>(n_));
        for (index_t i = 0; i < n_; ++i) {  // unit lower L
            double s = r[i];
            for (index_t k = rp_[i]; k < diag_[i]; ++k) s -= val_[k] * y[col_[k]];
            y[i] = s;
        }
        for (index_t i = n_ - 1; i >= 0; --i) {  // upper U
            double s = y[i];
            for (index_t k = diag_[i] + 1; k < rp_[i + 1]; ++k) s -= val_[k] * y[col_[k]];
            y[i] = s / val_[diag_[i]];
        }
        for (index_t i = 0; i < n_; ++i) z[i] = static_cast<T>(y[i]);
    }
    bool symmetric() const override { return false; }

private:
    index_t n_ = 0;
    std::vector<index_t> rp_, col_, diag_;
    std::vector<double> val_;
};

}  // namespace

template <class T>
std::unique_ptr<PreconditionerOp<T>> make_preconditioner(const CsrMatrix<T>& a, Preconditioner kind) {
    if (kind != Preconditioner::none && a.rows() != a.cols())
        throw ShapeError(std::string(preconditioner_name(kind)) + " preconditioner: matrix " +
                         a.pattern().str() + " is not square");
    switch (kind) {
        case Preconditioner::none:
            return nullptr;
        case Preconditioner::jacobi:
            return std::make_unique<Jacobi<T>>(a);
        case Preconditioner::ic0:
            return std::make_unique<IC0<T>>(a);
        case Preconditioner::ilu0:
            return std::make_unique<ILU0<T>>(a);
    }
    return nullptr;
}

template std::unique_ptr<PreconditionerOp<float>> make_preconditioner(const CsrMatrix<float>&, Preconditioner);
template std::unique_ptr<PreconditionerOp<double>> make_preconditioner(const CsrMatrix<double>&,
                                                                       Preconditioner);

}  // namespace tg::solvers
