#!/bin/sh
# tests/cli/lib.sh -- helpers sourced by the CLI test scripts:  . "$(dirname "$0")/lib.sh"
# Run directly (tests/run.sh runs every tests/cli/*.sh), it checks its own helpers.
#
# Sets ROOT (repository), LLMZ (absolute path of the binary under test), MODEL (the small test model),
# MKTINY (model generator, may be absent), W (a fresh work directory, removed on exit, also the cwd).
# Counting: ok NAME / bad NAME [DETAIL], or check NAME COMMAND...; finish prints "N passed, N failed".

LC_ALL=C
export LC_ALL
unset LLMZ_MODEL LLMZ_KERNELS

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case ${BUILD:-} in
"") BUILD=$ROOT/build ;;
/*) ;;
*) BUILD=$PWD/$BUILD ;;
esac
case ${LLMZ:-} in
"") LLMZ=$BUILD/llmz ;;
/*) ;;
*) LLMZ=$PWD/$LLMZ ;;
esac
MODEL=${LLMZ_TEST_MODEL:-$ROOT/tests/data/tiny.gguf}
MKTINY=${LLMZ_TEST_MKTINY:-$BUILD/tools/mktiny}
export LLMZ

pass=0
fail=0
W=$(mktemp -d "${TMPDIR:-/tmp}/llmz-cli.XXXXXX") || { echo "FAIL: mktemp -d"; echo "0 passed, 1 failed"; exit 1; }
trap 'cd /; rm -rf "$W"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
cd "$W" || exit 1

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $1${2:+ -- $2}"
    if [ -s "$W/stderr" ]; then sed -n '1,3s/^/    stderr: /p' "$W/stderr"; fi
}
skip() { echo "SKIP: $1"; }
# check NAME COMMAND...: passes when COMMAND succeeds
check() {
    _n=$1
    shift
    if "$@"; then ok; else bad "$_n"; fi
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit $?
}

# x ARGS...: run $LLMZ with ARGS; exit status in $rc, output in $W/stdout and $W/stderr
x() {
    "$LLMZ" "$@" >"$W/stdout" 2>"$W/stderr"
    rc=$?
}
# xm ARGS...: the same with the small test model
xm() { x --model "$MODEL" "$@"; }
# xmo OUT ARGS...: like xm, but stdout goes to OUT
xmo() {
    _o=$1
    shift
    "$LLMZ" --model "$MODEL" "$@" >"$_o" 2>"$W/stderr"
    rc=$?
}
# expect NAME STATUS: passes when the last x/xm exited with STATUS
expect() {
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1" "exit $rc, expected $2"; fi
}
# err_has NAME TEXT: passes when the last stderr contains TEXT (fixed string)
err_has() {
    if grep -F -q -e "$2" "$W/stderr"; then ok; else bad "$1" "stderr lacks '$2'"; fi
}
out_has() {
    if grep -F -q -e "$2" "$W/stdout"; then ok; else bad "$1" "stdout lacks '$2'"; fi
}
absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
same() { cmp -s "$1" "$2"; }
# no temporary output files ("NAME.partial-XXXXXX") left in directory $1 (default .)
no_temps() {
    [ -z "$(find "${1:-.}" -maxdepth 1 -name '*.partial-??????' 2>/dev/null)" ]
}

# gen_bin N SEED: N deterministic pseudo-random bytes (all 256 values, NUL included)
gen_bin() {
    awk -v n="$1" -v s="$2" 'BEGIN {
        x = s % 4294967296; line = ""
        for (i = 0; i < n; i++) {
            x = (x * 69069 + 1) % 4294967296
            line = line sprintf("\\%03o", int(x / 16777216))
            if (i % 64 == 63) { print line; line = "" }
        }
        if (line != "") print line
    }' | while IFS= read -r _l; do printf "$_l"; done
}
# gen_text N SEED: about N bytes of deterministic English-like text in lines
gen_text() {
    awk -v n="$1" -v s="$2" 'BEGIN {
        split("the of and a to in is you that it he was for on are as with his they I at be this have from " \
              "or one had by word but not what all were we when your can said there use an each which she do " \
              "how their if will up other about out many then them these so some her would make like him into " \
              "time has look two more write go see number no way could people my than first water been call " \
              "who oil its now find long down day did get come made may part model compress token frame", w, " ")
        nw = 0; for (k in w) nw++
        x = s % 4294967296; len = 0; col = 0
        while (len < n) {
            x = (x * 69069 + 1) % 4294967296
            t = w[1 + int(x / 65536) % nw]
            if (col > 0 && col + length(t) > 70) { printf "\n"; len++; col = 0 }
            else if (col > 0) { printf " "; len++; col++ }
            printf "%s", t; len += length(t); col += length(t)
        }
        printf ".\n"
    }'
}
# size FILE: bytes
fsize() { wc -c <"$1" | tr -d ' '; }
# quick: LLMZ_TEST_QUICK is set (make asan-test, where everything runs several times slower; tests/unit/t.h's
# t_quick): a script may use smaller inputs there, each case still run
quick() {
    case ${LLMZ_TEST_QUICK:-} in
    "" | 0) return 1 ;;
    *) return 0 ;;
    esac
}

# run directly: check the helpers themselves
case $0 in
*lib.sh)
    gen_bin 1000 7 >b1
    gen_bin 1000 7 >b2
    gen_bin 1000 8 >b3
    check "gen_bin length" [ "$(fsize b1)" -eq 1000 ]
    check "gen_bin deterministic" same b1 b2
    check "gen_bin seed matters" [ "$(cmp -s b1 b3; echo $?)" -eq 1 ]
    gen_bin 20000 1 | od -An -v -tu1 | tr -s ' ' '\n' | grep -c '^0$' >zeros
    check "gen_bin has NUL bytes" [ "$(cat zeros)" -gt 0 ]
    gen_text 3000 1 >t1
    gen_text 3000 1 >t2
    check "gen_text deterministic" same t1 t2
    check "gen_text size" [ "$(fsize t1)" -ge 3000 ]
    check "gen_text size bound" [ "$(fsize t1)" -lt 3200 ]
    : >x.llmz.partial-AbCdEf
    check "no_temps sees a temp" [ "$(no_temps; echo $?)" -eq 1 ]
    rm -f x.llmz.partial-AbCdEf
    check "no_temps clean" no_temps
    finish
    ;;
esac
