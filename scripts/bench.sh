#!/usr/bin/env bash
# Configure a Release build with the benchmarks, build them, run each with repetitions and print
# the ratios each program computes from its medians (docs/performance.md explains them).
#   bash scripts/bench.sh                          # all benchmarks, 10 repetitions
#   bash scripts/bench.sh bench_matmul bench_overhead
#   TG_BENCH_REPS=3 bash scripts/bench.sh          # quicker, noisier
# Env: TG_BUILD_DIR (default build-bench), TG_JOBS (default 2), TG_BENCH_REPS (default 10),
# TG_SETUP=1 to run scripts/setup.sh --peers first (installs Google Benchmark and libtorch),
# TG_BENCH_WAIT_IDLE=<seconds>: before each program, wait up to that long for the machine to be
# idle (other jobs on a 2-core machine ruin the 2-thread figures; default 0, no waiting).
# Full outputs go to $TG_BUILD_DIR/bench-results/<program>.txt. Exits non-zero if a build fails
# or a program's correctness check fails. Benchmarks are never part of ctest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${TG_BUILD_DIR:-build-bench}"
jobs="${TG_JOBS:-2}"
reps="${TG_BENCH_REPS:-10}"

if [[ "${TG_SETUP:-0}" == 1 ]]; then
    bash scripts/setup.sh --peers
fi

mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_BENCH=ON \
    -DTG_BUILD_TESTS=OFF -DTG_BUILD_EXAMPLES=OFF >"$build_dir/configure.log" 2>&1 || {
    cat "$build_dir/configure.log" >&2
    exit 1
}
grep -E "tensorgrad bench" "$build_dir/configure.log" || true

all=(bench_elementwise bench_matmul bench_overhead bench_overhead_torch bench_parallel bench_tensor_ad bench_scalar)
if (($# > 0)); then programs=("$@"); else programs=("${all[@]}"); fi

# Only the programs this configuration can build (no Google Benchmark: none; no libtorch: no
# bench_overhead_torch).
targets=()
for p in "${programs[@]}"; do
    if cmake --build "$build_dir" --target help | grep -q "^$p:"; then
        targets+=("$p")
    else
        echo "bench.sh: $p is not available in this configuration; skipped"
    fi
done
((${#targets[@]} > 0)) || { echo "bench.sh: nothing to run" >&2; exit 1; }
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"

# One level of parallelism at a time (NOTES-deps section 5): BLAS on 1 thread; the programs
# also call openblas_set_num_threads(1) / at::set_num_threads(1) / tbb::global_control.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
flags=(--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true
       --benchmark_enable_random_interleaving=true --benchmark_color=false)

out_dir="$build_dir/bench-results"
mkdir -p "$out_dir"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), nproc $(nproc --all), load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out_dir/machine.txt"

# Percentage of CPU time idle over the next 2 seconds, from /proc/stat.
idle_pct() {
    local a b
    read -r -a a < <(grep '^cpu ' /proc/stat)
    sleep 2
    read -r -a b < <(grep '^cpu ' /proc/stat)
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $(((b[4] - a[4] + b[5] - a[5]) * 100 / (total > 0 ? total : 1)))
}
wait_idle() {
    local limit="${TG_BENCH_WAIT_IDLE:-0}" waited=0 idle
    ((limit > 0)) || return 0
    while idle=$(idle_pct); ((idle < 90 && waited < limit)); do
        sleep 8
        waited=$((waited + 10))
    done
    echo "bench.sh: CPU ${idle}% idle after waiting ${waited} s"
}

rc=0
for p in "${targets[@]}"; do
    wait_idle
    echo "bench.sh: running $p (${reps} repetitions)..."
    if ! "$build_dir/bench/$p" "${flags[@]}" >"$out_dir/$p.txt" 2>&1; then
        echo "bench.sh: $p FAILED (see $out_dir/$p.txt)" >&2
        rc=1
    fi
done

echo
for p in "${targets[@]}"; do
    grep -E "^check" "$out_dir/$p.txt" || true
    sed -n '/^== .* summary/,$p' "$out_dir/$p.txt"
    echo
done
echo "bench.sh: full outputs in $out_dir/"
exit "$rc"
