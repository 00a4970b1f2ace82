#!/bin/sh
# Runs every test program and CLI test script; prints the total as "N passed, N failed".
# Each program/script prints its own "N passed, N failed" as its last line, and before it "N skipped" when some
# checks could not run here (kernel sets this CPU lacks): passed + failed + skipped is the same on every machine.
BUILD=${BUILD:-build}
export LLMZ=${LLMZ:-$BUILD/llmz} BUILD
total_p=0; total_f=0; total_s=0
run_one() {
    name=$1; shift
    out=$("$@" 2>&1); rc=$?
    last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$last" ]; then
        printf '%s\n' "$out" | tail -n 20
        echo "  $name: no result line (exit $rc)"; total_f=$((total_f + 1)); return
    fi
    p=${last%% passed*}; f=${last#*, }; f=${f%% failed}
    s=$(printf '%s\n' "$out" | grep -E '^[0-9]+ skipped$' | tail -n 1); s=${s%% skipped}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -E 'FAIL|error' | head -n 30
    printf '  %-28s %s%s\n' "$name" "$last" "${s:+ ($s skipped)}"
    total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + ${s:-0}))
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    run_one "cli/$(basename "$s")" sh "$s"
done
[ "$total_s" -eq 0 ] || echo "($total_s checks skipped: kernel sets this CPU lacks)"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
