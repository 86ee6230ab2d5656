// Gauss-Legendre and Gauss-Kronrod nodes and weights, computed (never tabulated), in long double
// (64-bit mantissa on x86) so that the doubles they are rounded to are within about an ulp.
//
// Gauss-Legendre, n points: the nodes are the zeros of P_n, found by Newton's method on the
// three-term recurrence  (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1},  with
//   P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1)   and the weights  w = 2 / ((1 - x^2) P_n'(x)^2),
// started from Tricomi's estimate cos(pi (i - 1/4) / (n + 1/2)) (1 - (n - 1) / (8 n^3)), which is
// close enough for Newton to converge to the i-th zero for every n. Only the nodes in (0, 1) are
// computed; the others are their mirror images (the rule is exactly symmetric).
//
// Kronrod's extension of G7 to 15 points (Kronrod 1965): the 8 new nodes are the zeros of the
// Stieltjes polynomial E_8, the degree-8 polynomial orthogonal to every polynomial of degree < 8
// under the sign-changing weight P_7:   int_{-1}^{1} P_7(x) E_8(x) P_j(x) dx = 0,  j = 0..7.
// With E_8 = P_8 + sum_{k<8} a_k P_k, these are 8 linear equations for the a_k, whose entries
// int P_7 P_j P_k are computed exactly by a 16-point Gauss rule (degree <= 22 < 32). The zeros of
// E_8 interlace with the Gauss nodes (one in each gap and one beyond each end), so bisection on
// those 8 intervals finds them. The 15 weights make the rule exact on P_0..P_14:
//   sum_i w_i P_k(x_i) = 2 delta_k0,  a 15 x 15 linear system (solved with partial pivoting).
// The resulting rule is exact for polynomials of degree 3 * 7 + 1 = 22 (tests check this).
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "../tensor/error.hpp"
#include "quadrature.hpp"

namespace tg::solvers {
namespace {
using L = long double;

// P_0..P_n at x (p has n + 1 entries).
void legendre_all(int n, L x, L* p) {
    p[0] = 1;
    if (n > 0) p[1] = x;
    for (int k = 1; k < n; ++k) p[k + 1] = ((2 * k + 1) * x * p[k] - k * p[k - 1]) / (k + 1);
}

// {P_n(x), P_n'(x)} by the recurrence.
std::pair<L, L> legendre(int n, L x) {
    L p0 = 1, p1 = x;
    for (int k = 1; k < n; ++k) {
        const L p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
        p0 = p1, p1 = p2;
    }
    return {p1, n * (x * p1 - p0) / (x * x - 1)};
}

struct LRule {
    std::vector<L> x, w;
};

LRule gauss_legendre_long(int n) {
    LRule r{std::vector<L>(n), std::vector<L>(n)};
    const L pi = std::numbers::pi_v<L>;
    for (int i = 1; i <= (n + 1) / 2; ++i) {
        L x = std::cos(pi * (i - L(0.25)) / (n + L(0.5))) * (1 - L(n - 1) / (L(8) * n * n * n));
        if (2 * i - 1 == n) x = 0;  // the middle node of an odd rule
        for (int it = 0; it < 100; ++it) {
            const auto [p, dp] = legendre(n, x);
            const L dx = p / dp;
            x -= dx;
            if (std::abs(dx) <= 4 * std::numeric_limits<L>::epsilon() * std::abs(x)) break;
        }
        const L dp = legendre(n, x).second;
        const L w = 2 / ((1 - x * x) * dp * dp);
        r.x[i - 1] = -x, r.x[n - i] = x;  // ascending
        r.w[i - 1] = w, r.w[n - i] = w;
    }
    return r;
}

// Solves A y = b (n x n, row-major) in place by Gaussian elimination with partial pivoting.
std::vector<L> solve_dense(std::vector<L> A, std::vector<L> b) {
    const int n = int(b.size());
    for (int c = 0; c < n; ++c) {
        int piv = c;
        for (int r = c + 1; r < n; ++r)
            if (std::abs(A[r * n + c]) > std::abs(A[piv * n + c])) piv = r;
        for (int k = 0; k < n; ++k) std::swap(A[c * n + k], A[piv * n + k]);
        std::swap(b[c], b[piv]);
        for (int r = c + 1; r < n; ++r) {
            const L m = A[r * n + c] / A[c * n + c];
            for (int k = c; k < n; ++k) A[r * n + k] -= m * A[c * n + k];
            b[r] -= m * b[c];
        }
    }
    for (int c = n - 1; c >= 0; --c) {
        for (int k = c + 1; k < n; ++k) b[c] -= A[c * n + k] * b[k];
        b[c] /= A[c * n + c];
    }
    return b;
}

KronrodRule make_kronrod15() {
    const LRule g = gauss_legendre_long(7), q = gauss_legendre_long(16);
    // E_8 = P_8 + sum a_k P_k: the equations j = 0..7 for a_0..a_7
    std::vector<L> A(64, 0), rhs(8, 0);
    for (int m = 0; m < 16; ++m) {
        L p[9];
        legendre_all(8, q.x[m], p);
        for (int j = 0; j < 8; ++j) {
            for (int k = 0; k < 8; ++k) A[j * 8 + k] += q.w[m] * p[7] * p[j] * p[k];
            rhs[j] -= q.w[m] * p[7] * p[j] * p[8];
        }
    }
    // parity: the odd a_k vanish and the even j give 0 = 0; solve the odd-j / even-k block
    std::vector<L> B(16), c(4);
    for (int j = 0; j < 4; ++j) {
        for (int k = 0; k < 4; ++k) B[j * 4 + k] = A[(2 * j + 1) * 8 + 2 * k];
        c[j] = rhs[2 * j + 1];
    }
    const std::vector<L> a = solve_dense(B, c);
    const auto E8 = [&](L x) {
        L p[9];
        legendre_all(8, x, p);
        return p[8] + a[0] * p[0] + a[1] * p[2] + a[2] * p[4] + a[3] * p[6];
    };
    std::array<L, 15> x{};
    for (int i = 0; i < 8; ++i) {  // the zero of E_8 between Gauss nodes i - 1 and i
        L lo = i == 0 ? L(-1) : g.x[i - 1], hi = i == 7 ? L(1) : g.x[i];
        L flo = E8(lo);
        while (true) {
            const L mid = lo + (hi - lo) / 2;
            if (mid == lo || mid == hi) break;
            const L fm = E8(mid);
            if (fm == 0) {
                lo = hi = mid;
                break;
            }
            if ((fm < 0) == (flo < 0)) lo = mid, flo = fm;
            else hi = mid;
        }
        x[2 * i] = lo + (hi - lo) / 2;
        if (i < 7) x[2 * i + 1] = g.x[i];
    }
    for (int i = 0; i < 7; ++i) x[14 - i] = -x[i];  // exact symmetry
    x[7] = 0;
    std::vector<L> V(225), e(15, 0);
    for (int i = 0; i < 15; ++i) {
        L p[15];
        legendre_all(14, x[i], p);
        for (int k = 0; k < 15; ++k) V[k * 15 + i] = p[k];
    }
    e[0] = 2;
    const std::vector<L> w = solve_dense(V, e);
    KronrodRule r{};
    for (int i = 0; i < 15; ++i) {
        const L ws = (w[i] + w[14 - i]) / 2;  // exact symmetry of the weights too
        r.nodes[i] = double(x[i]);
        r.kronrod_weights[i] = double(ws);
        r.gauss_weights[i] = i % 2 == 1 ? double(g.w[i / 2]) : 0.0;
    }
    return r;
}

}  // namespace

QuadRule gauss_legendre_rule(int n) {
    if (n < 1)
        throw DomainError("gauss_legendre: the number of points must be >= 1, got " + std::to_string(n));
    if (n > 10000) throw DomainError("gauss_legendre: at most 10000 points, got " + std::to_string(n));
    const LRule r = gauss_legendre_long(n);
    QuadRule out{std::vector<double>(n), std::vector<double>(n)};
    for (int i = 0; i < n; ++i) out.nodes[i] = double(r.x[i]), out.weights[i] = double(r.w[i]);
    return out;
}

const KronrodRule& kronrod15() {
    static const KronrodRule rule = make_kronrod15();  // thread-safe initialisation
    return rule;
}

}  // namespace tg::solvers
