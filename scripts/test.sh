#!/usr/bin/env bash
# Set up (scripts/setup.sh), configure, build everything, run the whole suite through ctest.
#   bash scripts/test.sh [extra cmake -D options]
#   TG_BUILD_DIR=build-asan bash scripts/test.sh -DTG_SANITIZE=ON
# Env: TG_BUILD_DIR (default build), TG_JOBS (default 2), TG_TEST_TIMEOUT (seconds per test
# without its own TIMEOUT, default 900). Exits non-zero if the build or any test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${TG_BUILD_DIR:-build}"
jobs="${TG_JOBS:-2}"
timeout="${TG_TEST_TIMEOUT:-900}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

bash scripts/setup.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"

t0=$(now)
cmake --build "$build_dir" -j "$jobs"
t1=$(now)
echo "test.sh: build took $(elapsed "$t0" "$t1") s"

# Sanitizer builds: readable UBSan reports; leak checking stays on (ASan's default).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
rc=0
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" --timeout "$timeout" || rc=$?
t2=$(now)
echo "test.sh: build $(elapsed "$t0" "$t1") s, tests $(elapsed "$t1" "$t2") s"
if ((rc != 0)); then
    echo "test.sh: FAILED (ctest exit code $rc)" >&2
fi
exit "$rc"
