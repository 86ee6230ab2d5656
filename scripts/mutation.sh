#!/usr/bin/env bash
# Mutation check: plants each wrong derivative rule of the catalogue (mutants/*.mut) one at a time
# into a copy of the tree, rebuilds incrementally, runs the unit tests and opcheck, restores, and
# prints one row per mutant: CAUGHT (by which tests), SURVIVED, STALE (its target text changed),
# EQUIVALENT (expected to survive, with the reason) or NOBUILD (the mutant does not compile).
# Last line: "mutants: N caught, M survived". Exit status 1 if an unexpected mutant survived.
#
#   bash scripts/mutation.sh                  every mutant
#   bash scripts/mutation.sh matmul. dual.    only mutants whose id starts with one of these
#   bash scripts/mutation.sh ops.mut scalar.mut   only the mutants of these catalogue files
#   bash scripts/mutation.sh --list           the catalogue, without running anything
#
# Env: TG_MUTATION_DIR (default /tmp/tg-mutation: the copy in src/, its one persistent build dir
# in build/), TG_MUTATION_OPT (default -O1: faster to rebuild, same arithmetic as -O2 without
# fast-math), TG_JOBS (default 2), TG_NICE (default 10). The working tree is never modified:
# the copy is synced from the tracked files of the working tree at the start of each run.
# With ccache installed, the copy builds through it (cache in $TG_MUTATION_DIR/ccache): the
# rebuild that follows each restore, which recompiles unmutated text, is then a cache hit.
# A mutant with judges (mutants/apply.py) is first judged by those test files alone, in order,
# each built as its own small executable (tests/CMakeLists.txt, TG_TEST_PER_FILE): the first
# failure is a catch at the cost of a few TUs; if none fails, the whole suite and opcheck judge it
# as usual. Each family's registry test (tests/test_registry_<family>.cpp) is its mutants' first
# judge: it runs the opcheck columns for that family's ops and recompiles with that family alone.
# See docs/testing.md for what it judges and how long it takes.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${TG_MUTATION_DIR:-/tmp/tg-mutation}"
src="$work/src" build="$work/build" orig="$work/orig" logs="$work/logs"
jobs="${TG_JOBS:-2}" niceness="${TG_NICE:-10}" opt="${TG_MUTATION_OPT:--O1}"
catalogue=("$here"/mutants/*.mut)
apply() { python3 "$here/mutants/apply.py" "$@"; }

# Arguments ending in .mut choose catalogue files (a name in mutants/ or a path); the others are
# id prefixes. Both may be given: the prefixes then select within the chosen files.
prefixes=() files=() list_only=0
for arg in "$@"; do
    if [[ "$arg" == "--list" ]]; then list_only=1
    elif [[ "$arg" == *.mut ]]; then
        if [[ -f "$here/mutants/$arg" ]]; then files+=("$here/mutants/$arg")
        elif [[ -f "$arg" ]]; then files+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")")
        else echo "mutation: no catalogue file $arg (mutants/*.mut)"; exit 2; fi
    else prefixes+=("$arg"); fi
done
((${#files[@]} > 0)) && catalogue=("${files[@]}")
selected() {
    ((${#prefixes[@]} == 0)) && return 0
    local p
    for p in "${prefixes[@]}"; do [[ "$1" == "$p"* ]] && return 0; done
    return 1
}
if ((list_only)); then
    apply list "${catalogue[@]}" | while IFS=$'\t' read -r id file judges equiv; do
        selected "$id" || continue
        printf '%-40s %s%s%s\n' "$id" "$file" "$([[ "$judges" != "-" ]] && echo "  [judges: $judges]")" "$([[ -n "$equiv" ]] && echo "  (equivalent: $equiv)")"
    done
    exit 0
fi

mkdir -p "$src" "$build" "$orig" "$logs"
# The copy: tracked files of the working tree, rewritten only where their content differs, so
# files that did not change since the last run are not rebuilt.
apply sync "$here" "$src" || exit 2

t_start=$(date +%s)
run_build() { nice -n "$niceness" cmake --build "$build" -j "$jobs" --target unit_tests opcheck > "$1" 2>&1; }
launcher=()
if command -v ccache > /dev/null; then
    export CCACHE_DIR="$work/ccache" CCACHE_BASEDIR="$src" CCACHE_MAXSIZE=20G
    # The restore gives files a fresh mtime just before a build: content decides, not time.
    export CCACHE_SLOPPINESS=include_file_mtime,include_file_ctime
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [[ ! -f "$build/build.ninja" ]] || ! grep -q '^TG_TEST_PER_FILE:BOOL=ON' "$build/CMakeCache.txt" ||
    { ((${#launcher[@]} > 0)) && ! grep -q '^CMAKE_CXX_COMPILER_LAUNCHER:.*=ccache' "$build/CMakeCache.txt"; }; then
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="$opt -DNDEBUG" \
        -DTG_TEST_PER_FILE=ON "${launcher[@]}" \
        > "$logs/configure.log" 2>&1 || { echo "mutation: configure failed, see $logs/configure.log"; exit 2; }
fi
# The judges of a mutant: each test file built alone and run; prints the failed test cases.
judge_quick() {  # id judges...
    local id="$1" stem failed=()
    shift
    for stem in "$@"; do
        nice -n "$niceness" cmake --build "$build" -j "$jobs" --target "unit_$stem" > "$logs/$id.quick-build.log" 2>&1 ||
            return 2
        if ! timeout 600 nice -n "$niceness" "$build/tests/unit_$stem" --no-colors > "$logs/$id.quick-$stem.log" 2>&1; then
            local n
            n=$(grep -c '^TEST CASE:' "$logs/$id.quick-$stem.log")
            if ((n == 0)); then failed+=("$stem: exit status non-zero, no failed case named (a crash?)")
            else failed+=("$stem[$n]: $(grep -m1 '^TEST CASE:' "$logs/$id.quick-$stem.log" | sed 's/^TEST CASE: *//')"); fi
            break  # one failing judge is a catch: the later ones would only cost their build
        fi
    done
    ((${#failed[@]} > 0)) || return 1
    (IFS='|'; echo "${failed[*]}" | sed 's/|/ | /g')
}
# Tests that fail in the copy as it is cannot judge a mutant: the baseline must be clean.
run_build "$logs/baseline-build.log" || { echo "mutation: the unmutated copy does not build ($logs/baseline-build.log)"; exit 2; }
tests="$build/tests/unit_tests" opcheck="$build/tools/opcheck"
if ! nice -n "$niceness" "$tests" --no-colors > "$logs/baseline-tests.log" 2>&1 ||
    ! nice -n "$niceness" "$opcheck" > "$logs/baseline-opcheck.log" 2>&1; then
    echo "mutation: the unmutated copy fails its own checks ($logs/baseline-*.log); fix that first"
    exit 2
fi
# The judges too: a judge that fails unmutated would record every mutant it judges as caught.
mapfile -t all_judges < <(apply list "${catalogue[@]}" | while IFS=$'\t' read -r id file judges equiv; do
    selected "$id" && [[ "$judges" != "-" ]] && tr ' ' '\n' <<< "$judges"
done | sort -u)
for stem in "${all_judges[@]}"; do
    nice -n "$niceness" cmake --build "$build" -j "$jobs" --target "unit_$stem" > "$logs/baseline-$stem.log" 2>&1 &&
        timeout 600 nice -n "$niceness" "$build/tests/unit_$stem" --no-colors >> "$logs/baseline-$stem.log" 2>&1 ||
        { echo "mutation: the judge $stem fails on the unmutated copy ($logs/baseline-$stem.log); fix that first"; exit 2; }
done
echo "mutation: baseline clean, ${#all_judges[@]} judges included ($(($(date +%s) - t_start)) s); copy in $src"

caught=0 survived=0 stale=0 equivalent=0 nobuild=0 unexpected=0
printf '%-40s %-8s %5s  %s\n' "mutant" "result" "secs" "detail"
while IFS=$'\t' read -r id file judges equiv; do
    selected "$id" || continue
    t0=$(date +%s)
    mkdir -p "$orig/$(dirname "$file")"
    [[ -f "$src/$file" ]] && cp -p "$src/$file" "$orig/$file"
    reason=$(apply apply "$src" "$id" "${catalogue[@]}")
    status=$?
    if ((status == 3)); then
        printf '%-40s %-8s %5s  %s\n' "$id" "STALE" "-" "$reason"
        ((stale++))
        continue
    elif ((status != 0)); then
        echo "mutation: cannot apply $id: $reason"
        exit 2
    fi
    # Restoring gives the file a new mtime on purpose: the next build recompiles what this mutant
    # changed (an old mtime would leave mutated objects behind).
    restore() { cp "$orig/$file" "$src/$file" && touch "$src/$file"; }
    if [[ "$judges" != "-" ]]; then
        read -r -a stems <<< "$judges"
        quick=$(judge_quick "$id" "${stems[@]}")
        qrc=$?
        if ((qrc == 0)); then
            restore
            [[ -n "$equiv" ]] && quick="$quick (was listed as equivalent: $equiv)"
            printf '%-40s %-8s %5s  %s\n' "$id" "CAUGHT" "$(($(date +%s) - t0))" "quick $quick"
            ((caught++))
            continue
        elif ((qrc == 2)); then
            restore
            printf '%-40s %-8s %5s  %s\n' "$id" "NOBUILD" "$(($(date +%s) - t0))" "does not compile: fix the mutant ($logs/$id.quick-build.log)"
            ((nobuild++))
            continue
        fi
    fi
    if ! run_build "$logs/$id.build.log"; then
        restore
        printf '%-40s %-8s %5s  %s\n' "$id" "NOBUILD" "$(($(date +%s) - t0))" "does not compile: fix the mutant ($logs/$id.build.log)"
        ((nobuild++))
        continue
    fi
    by=()
    timeout 600 nice -n "$niceness" "$tests" --no-colors > "$logs/$id.tests.log" 2>&1
    rc=$?
    if ((rc != 0)); then
        mapfile -t failed < <(grep '^TEST CASE:' "$logs/$id.tests.log" | sed 's/^TEST CASE: *//' | sort -u)
        ((${#failed[@]} == 0)) && failed=("unit_tests exit $rc")
        n=${#failed[@]}
        list="${failed[0]}"
        ((n > 1)) && list="$list; ${failed[1]}"
        ((n > 2)) && list="$list (+$((n - 2)) more)"
        by+=("tests[$n]: $list")
    fi
    timeout 600 nice -n "$niceness" "$opcheck" > "$logs/$id.opcheck.log" 2>&1
    rc=$?
    if ((rc != 0)); then
        ops=$(awk '/^[^ ]/ && ($NF == "FAILED" || / threw: /) { print $1 }' "$logs/$id.opcheck.log" | sort -u | paste -sd, -)
        by+=("opcheck: ${ops:-exit $rc}")
    fi
    restore
    secs=$(($(date +%s) - t0))
    if ((${#by[@]} > 0)); then
        detail=$(IFS='|'; echo "${by[*]}" | sed 's/|/ | /g')
        [[ -n "$equiv" ]] && detail="$detail (was listed as equivalent: $equiv)"
        printf '%-40s %-8s %5s  %s\n' "$id" "CAUGHT" "$secs" "$detail"
        ((caught++))
    elif [[ -n "$equiv" ]]; then
        printf '%-40s %-8s %5s  %s\n' "$id" "EQUIV" "$secs" "$equiv"
        ((equivalent++))
    else
        printf '%-40s %-8s %5s  %s\n' "$id" "SURVIVED" "$secs" "no test failed"
        ((survived++))
    fi
done < <(apply list "${catalogue[@]}")

# Leave the copy's build matching the copy's sources for the next run.
run_build "$logs/final-build.log" || echo "mutation: the restored copy does not build ($logs/final-build.log)"
echo "mutation: $stale stale, $equivalent equivalent (survived as expected), $nobuild did not build; $(($(date +%s) - t_start)) s"
echo "mutants: $caught caught, $survived survived"
((survived == 0))
