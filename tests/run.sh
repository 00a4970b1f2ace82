#!/bin/sh
# Runs every test program and CLI test script; prints the total as "N passed, N failed".
# Each program/script prints its own "N passed, N failed" as its last line, and before it "N skipped" when some
# checks could not run here (kernel sets this CPU lacks): passed + failed + skipped is the same on every machine.
#
# The tests run LLMZ_TEST_JOBS at a time (default: the CPUs, at most 4; 1 runs them one after another), the
# slowest first; each writes its output to a file of its own, and the results are printed, and counted, in the
# fixed order below whatever order they finish in.  A line per test also shows as each one ends (with its time).
BUILD=${BUILD:-build}
export LLMZ=${LLMZ:-$BUILD/llmz} BUILD
jobs=${LLMZ_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in '' | *[!0-9]*) jobs=1 ;; esac
[ "$jobs" -ge 1 ] || jobs=1
[ -n "${LLMZ_TEST_JOBS:-}" ] || [ "$jobs" -le 4 ] || jobs=4

# one test: "run NAME COMMAND..." writes DIR/NAME.out (its output), .rc (its exit status) and .s (its seconds)
if [ "${1:-}" = run ]; then
    dir=$2 name=$3
    shift 3
    t0=$(date +%s)
    "$@" >"$dir/$name.out" 2>&1
    echo $? >"$dir/$name.rc"
    echo $(($(date +%s) - t0)) >"$dir/$name.s"
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$dir/$name.out" | tail -n 1)
    printf '  ... %-24s %s (%s s)\n' "$name" "${last:-no result line}" "$(cat "$dir/$name.s")"
    exit 0
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/llmz-tests.XXXXXX") || { echo "0 passed, 1 failed"; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

# every test as "NAME<TAB>COMMAND", in the order the results are printed
list=$dir/list
: >"$list"
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    printf '%s\t%s\n' "$(basename "$t")" "$t" >>"$list"
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    printf 'cli/%s\tsh %s\n' "$(basename "$s")" "$s" >>"$list"
done
mkdir -p "$dir/cli"

# started first (the longest, 2026-12-07: under ASan test_roundtrip ~370 s, test_cm ~260 s, test_example_stream and test_golden ~180 s each; plain test_golden 180 s, test_roundtrip 145 s), then the rest in list order
slow="test_roundtrip test_cm test_golden test_example_stream cli/corners.sh test_faults cli/python.sh test_memory test_kernels test_transformer cli/range.sh cli/progress.sh test_archive"
{
    for n in $slow; do grep "^$n	" "$list"; done
    for n in $slow; do printf '^%s\t\n' "$n"; done >"$dir/slow"
    grep -v -f "$dir/slow" "$list"
} | while IFS='	' read -r name cmd; do
    # NAME and COMMAND are made here (paths under $BUILD and tests/cli); COMMAND is split on spaces
    printf '%s %s\n' "$name" "$cmd"
done | xargs -P "$jobs" -L 1 sh "$0" run "$dir"

total_p=0; total_f=0; total_s=0
echo "results:"
while IFS='	' read -r name cmd; do
    out=$dir/$name.out
    rc=$(cat "$dir/$name.rc" 2>/dev/null || echo 1)
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" 2>/dev/null | tail -n 1)
    if [ -z "$last" ]; then
        tail -n 20 "$out" 2>/dev/null
        echo "  $name: no result line (exit $rc)"; total_f=$((total_f + 1)); continue
    fi
    p=${last%% passed*}; f=${last#*, }; f=${f%% failed}
    s=$(grep -E '^[0-9]+ skipped$' "$out" | tail -n 1); s=${s%% skipped}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    [ "$f" -ne 0 ] && grep -E 'FAIL|error' "$out" | head -n 30
    printf '  %-28s %s%s  %s s\n' "$name" "$last" "${s:+ ($s skipped)}" "$(cat "$dir/$name.s" 2>/dev/null)"
    total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + ${s:-0}))
done <"$list"
[ "$total_s" -eq 0 ] || echo "($total_s checks skipped: kernel sets this CPU lacks)"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
