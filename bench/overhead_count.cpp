// The per-op overhead paths of bench_overhead with fixed iteration counts, for instruction counts
// under callgrind: they do not depend on the machine's load, which timings on a shared 2-core
// machine do. Run twice with n and 2n and subtract (start-up cancels):
//   valgrind --tool=callgrind overhead_count record 20      (1000 recorded x * y per unit of n)
//   valgrind --tool=callgrind overhead_count backward 20000  (z = x * y; z.backward() per unit)
//   valgrind --tool=callgrind overhead_count zero 20000      (the same, then zero_grad)
// Build with -DTG_NATIVE=OFF: valgrind does not run AVX-512 code.
#include "../tensorgrad.hpp"
#include <cstdlib>
#include <cstring>
int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const char* what = argv[1];
    const int n = std::atoi(argv[2]);
    tg::Var<float> x{tg::Tensor<float>::from_vector({1.5f}, {1}), true};
    tg::Var<float> y{tg::Tensor<float>::from_vector({-0.5f}, {1}), true};
    float sink = 0;
    if (std::strcmp(what, "record") == 0) {
        for (int it = 0; it < n; ++it) {
            for (int i = 0; i < 1000; ++i) {
                auto z = x * y;
                sink += z.value().data()[0];
            }
            tg::clear_tape<float>();
        }
    } else if (std::strcmp(what, "backward") == 0) {
        for (int it = 0; it < n; ++it) {
            auto z = x * y;
            z.backward();
        }
        sink += x.grad().data()[0];
    } else {
        for (int it = 0; it < n; ++it) {
            auto z = x * y;
            z.backward();
            x.zero_grad();
            y.zero_grad();
        }
    }
    return sink == 12345.f;
}
