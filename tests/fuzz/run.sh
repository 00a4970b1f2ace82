#!/bin/sh
# run.sh BUILD SECONDS TARGET... -- runs each libFuzzer target BUILD/fuzz_TARGET for SECONDS (`make fuzz`).
# New corpus entries go to BUILD/corpus/TARGET (the committed seeds in tests/fuzz/corpus/TARGET are only
# read); crashes, leaks, timeouts and out-of-memory inputs are saved into tests/fuzz/crashes/TARGET/ --
# commit them once fixed: `make test` replays them (tests/unit/test_fuzz_regress.c).
# Exit status 1 if any target found something.  Extra libFuzzer flags: $FUZZ_FLAGS.  The targets run FUZZ_JOBS at a
# time (default: the CPUs, at most 4), each for SECONDS of wall time, their reports printed in the order given.
set -u
build=$1 secs=$2
shift 2
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in '' | *[!0-9]*) jobs=1 ;; esac
[ "$jobs" -ge 1 ] || jobs=1
[ -n "${FUZZ_JOBS:-}" ] || [ "$jobs" -le 4 ] || jobs=4

# one target: its report into $build/fuzz_$t.report, its exit status into $build/fuzz_$t.rc
one() {
    t=$1
    # the model runs three times per roundtrip input (at most 8 KiB under ASan): allow it more time
    timeout=30
    case $t in
        gguf) maxlen=32768 ;;
        roundtrip) maxlen=4096 timeout=120 ;;
        decode_fast) maxlen=2048 timeout=10 ;;
        *) maxlen=8192 ;;
    esac
    mkdir -p "$build/corpus/$t" "tests/fuzz/crashes/$t"
    log=$build/fuzz_$t.log
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$build/fuzz_$t" -max_total_time="$secs" -max_len=$maxlen -timeout=$timeout -rss_limit_mb=2048 \
        -report_slow_units=100000 -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$t/" ${FUZZ_FLAGS:-} \
        "$build/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]*\).*/\1/p')
    {
        printf 'fuzz %-10s %4ss  %s execs (%s/s)  %s  exit %s\n' "$t" "$((end - start))" "${execs:-?}" "${speed:-?}" \
            "${cov:-}" "$rc"
        if [ "$rc" -ne 0 ]; then
            grep -E 'ERROR|SUMMARY|invariant|Test unit written|^    #[0-9]' "$log" | head -n 40
            echo "fuzz $t: FAILED (log: $log)"
        fi
    } >"$build/fuzz_$t.report"
    echo "$rc" >"$build/fuzz_$t.rc"
}

# lane k of `jobs` runs targets k, k + jobs, k + 2 jobs, ... one after another
for t in "$@"; do rm -f "$build/fuzz_$t.report" "$build/fuzz_$t.rc"; done
k=0
while [ "$k" -lt "$jobs" ]; do
    (
        i=0
        for t in "$@"; do
            [ $((i % jobs)) -eq "$k" ] && one "$t"
            i=$((i + 1))
        done
    ) &
    k=$((k + 1))
done
wait
status=0
for t in "$@"; do
    cat "$build/fuzz_$t.report" 2>/dev/null || echo "fuzz $t: no report"
    [ "$(cat "$build/fuzz_$t.rc" 2>/dev/null)" = 0 ] || status=1
done
exit $status
