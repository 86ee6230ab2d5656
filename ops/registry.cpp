#include "registry.hpp"

#include <cmath>
#include <numeric>
#include <utility>

#include "../tensor/math.hpp"
#include "../tensor/random.hpp"

namespace tg {

namespace {

double draw(Domain d, Generator& g, index_t i) {
    const double u = g.next_double();
    switch (d) {
        case Domain::any: return -2 + 4 * u;
        case Domain::positive: return 0.5 + 1.5 * u;
        case Domain::nonzero: return (u < 0.5 ? -1 : 1) * (0.2 + 1.8 * g.next_double());
        case Domain::open_unit: return -0.9 + 1.8 * u;
        case Domain::distinct: return 0.25 * static_cast<double>(i) + 0.05 * u;
        case Domain::kink: {  // cycles through both sides, near the kink and far, by element index
            static constexpr double at[] = {1e-3, -1e-3, 0.1, -0.1, 1.2, -1.2};
            return at[i % 6] * (1 + 0.5 * u);
        }
        // shape_index family: groups of a reduction with no, one and two exact zeros
        case Domain::some_zeros: return (i % 7 == 2 || i % 7 == 5) ? 0.0 : (u < 0.5 ? -1 : 1) * (0.5 + 1.5 * g.next_double());
        // elementwise family
        case Domain::wide: return -8 + 16 * u;
        case Domain::wide_positive: return 0.1 + 11.9 * u;
        // solvers: entries of U or B, made into matrices by make_matrices
        case Domain::well_conditioned:
        case Domain::spd: return -1 + 2 * u;
    }
    return u;
}

// Turns every trailing n x n block of p (drawn uniform in (-1, 1)) into the matrix its domain
// promises, so a solver's sample is far from singular and its finite differences are meaningful.
void make_matrices(Domain d, const Shape& shape, double* p) {
    if (d != Domain::well_conditioned && d != Domain::spd) return;
    const std::size_t r = shape.size();
    if (r < 2 || shape[r - 1] != shape[r - 2])
        throw ShapeError("sample_inputs: a matrix domain needs square trailing axes, got " + shape.str());
    const index_t n = shape[r - 1];
    index_t count = 1;
    for (std::size_t i = 0; i + 2 < r; ++i) count *= shape[i];
    std::vector<double> b(static_cast<std::size_t>(n * n));
    for (index_t m = 0; m < count; ++m, p += n * n) {
        if (d == Domain::well_conditioned) {
            for (index_t i = 0; i < n * n; ++i) p[i] *= 0.3 / std::sqrt(static_cast<double>(n));
            for (index_t i = 0; i < n; ++i) p[i * n + i] += 1;
            continue;
        }
        std::copy(p, p + n * n, b.begin());
        for (index_t i = 0; i < n; ++i)
            for (index_t j = 0; j < n; ++j) {
                double s = 0;
                for (index_t k = 0; k < n; ++k) s += b[static_cast<std::size_t>(i * n + k)] * b[static_cast<std::size_t>(j * n + k)];
                p[i * n + j] = s / static_cast<double>(n) + (i == j ? 0.5 : 0.0);
            }
    }
}

template <class... Families>
std::vector<OpInfo> concat_family_entries(std::tuple<Families...>*) {
    std::vector<OpInfo> all;
    for (const auto& family : {detail_registry::family_entries<Families>()...})
        all.insert(all.end(), family.begin(), family.end());
    return all;
}

}  // namespace

// OpList is the families joined in this order, so the registry is in OpList order.
const std::vector<OpInfo>& op_registry() {
    // qualified: argument-dependent lookup would instantiate the tuples of incomplete op types
    static const std::vector<OpInfo> r = tg::concat_family_entries(static_cast<ops::OpFamilies*>(nullptr));
    return r;
}

std::vector<Tensor<double>> sample_inputs(const Sample& s, std::uint64_t seed) {
    Generator g(seed);
    std::vector<Tensor<double>> out;
    for (const auto& in : s.inputs) {
        Shape storage = in.shape;
        if (in.transposed) std::swap(storage[storage.size() - 1], storage[storage.size() - 2]);
        Tensor<double> t = Tensor<double>::empty(storage);
        std::vector<index_t> order(static_cast<std::size_t>(t.numel()));
        std::iota(order.begin(), order.end(), 0);
        if (in.domain == Domain::distinct || in.domain == Domain::kink)  // shuffled: no ties / sides mixed
            for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[g.next_u64() % i]);
        double* p = t.data();
        for (index_t i = 0; i < t.numel(); ++i) p[i] = draw(in.domain, g, order[static_cast<std::size_t>(i)]);
        make_matrices(in.domain, storage, p);
        out.push_back(in.transposed ? t.transpose() : t);
    }
    return out;
}

}  // namespace tg
