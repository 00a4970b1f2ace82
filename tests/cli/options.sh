#!/bin/sh
# Command line: -h, -V, usage errors (exit 2), -f semantics, suffix rules, -c/-o/--rm combinations.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi
gen_text 1500 5 >a
gen_text 1200 6 >b

# -h / --help
x -h
expect "-h" 0
out_has "-h prints usage" "Usage: llmz"
out_has "-h lists --memlimit" "--memlimit"
x --help
expect "--help" 0

# -V / --version: version, format and numerics versions, default model + fingerprint, kernels
x -V
expect "-V" 0
out_has "-V version" "llmz 0.11.0"
out_has "-V format version" "format version"
out_has "-V numerics version" "numerics version"
out_has "-V kernels" "kernels:"
check "-V default model fingerprint (16 hex)" grep -q 'default model: .*(fingerprint [0-9a-f]\{16\})' stdout
x --version --kernels ref
expect "-V --kernels ref" 0
out_has "-V --kernels ref shows ref" "kernels: ref"

# usage errors: exit 2, nothing written
x --frobnicate a
expect "unknown long option" 2
err_has "unknown long option named" "--frobnicate"
x -Y a
expect "unknown short option" 2
err_has "unknown short option named" "-Y"
check "usage error writes nothing" absent a.llmz
xm -o out.llmz a b
expect "-o with two inputs" 2
check "-o with two inputs writes nothing" absent out.llmz
xm -c -o out.llmz a
expect "-c with -o" 2
x -T
expect "-T without argument" 2
x -T abc a
expect "-T abc" 2
x --threads=-1 a
expect "--threads=-1" 2
x --kernels=sse9 a
expect "--kernels bogus" 2
LLMZ_KERNELS=bogus "$LLMZ" --model "$MODEL" -c a >stdout 2>stderr
rc=$?
expect "LLMZ_KERNELS bogus" 2
x --chunk-size 0 a
expect "--chunk-size 0" 2
x --chunk-size 1K a
expect "--chunk-size under 4K" 2
x --chunk-size 17M a
expect "--chunk-size over 16M" 2
x --chunk-size 12Q a
expect "--chunk-size bad suffix" 2
x --memlimit lots a
expect "--memlimit bad" 2
x --rm=yes a
expect "flag with =value" 2
x --model
expect "--model without argument" 2
check "no archive after usage errors" absent a.llmz
# avx512 is either available (0) or refused as a usage error (2)
xmo k.llmz --kernels avx512 -c a
case $rc in
0 | 2) ok ;;
*) bad "--kernels avx512 exit $rc" ;;
esac

# accepted forms
xm -T1 -c a
expect "-T1" 0
xm --threads 2 -c a
expect "--threads 2" 0
xm --threads=0 -c a
expect "--threads=0" 0
xm --chunk-size=4K --memlimit=2G -c a
expect "--chunk-size=4K --memlimit=2G" 0
xm -qc a
expect "-qc cluster" 0
xm -ovia-o.llmz a
expect "-oFILE" 0
check "-oFILE writes FILE" [ -f via-o.llmz ]
cp a -- -dash 2>/dev/null || cp a ./-dash
xm -- -dash
expect "-- ends options" 0
check "-- file named -dash" [ -f ./-dash.llmz ]

# bad model file: error exit 1, nothing written
printf 'not a model' >bad.gguf
x --model bad.gguf a
expect "bad model file" 1
err_has "bad model file named" "bad.gguf"
check "bad model: no archive" absent a.llmz
x --model nonexistent.gguf a
expect "missing model file" 1
err_has "missing model file named" "nonexistent.gguf"
check "missing model: no archive" absent a.llmz
check "no temporary files after model errors" no_temps

# -f: an existing output is never touched without it
printf 'old' >a.llmz
xm a
expect "existing output without -f" 1
err_has "existing output message" "a.llmz already exists"
check "existing output untouched" [ "$(cat a.llmz)" = old ]
check "input untouched" [ -f a ]
xm -f a
expect "existing output with -f" 0
check "-f replaced the output" [ "$(cat a.llmz)" != old ]
cp a a.orig
xm -d a.llmz
expect "-d existing output without -f" 1
err_has "-d existing output message" "already exists"
check "-d existing output untouched" same a a.orig
printf 'changed' >a
xm -df a.llmz
expect "-d -f" 0
check "-d -f restored" same a a.orig
# one failing file does not stop the others, status 1
cp b c
printf 'old' >b.llmz
xm a c b
expect "failure among several files" 1
check "later file still done" [ -f c.llmz ]
check "failing file's output untouched" [ "$(cat b.llmz)" = old ]
rm -f b.llmz c.llmz

# compressing a .llmz file again needs -f
xm a.llmz
expect "compress FILE.llmz without -f" 1
err_has "compress FILE.llmz message" "suffix"
check "no FILE.llmz.llmz" absent a.llmz.llmz
xm -f a.llmz
expect "compress FILE.llmz with -f" 0
check "FILE.llmz.llmz made with -f" [ -f a.llmz.llmz ]

# -d refuses names without the suffix unless -c or -o
xmo plain -c a
xm -d plain
expect "-d without .llmz suffix" 1
err_has "-d unknown suffix message" "unknown suffix"
xm -d .llmz
expect "-d on a bare .llmz name" 1
xmo plain.out -dc plain
expect "-dc without suffix" 0
check "-dc without suffix round trip" same plain.out a
xm -d -o plain.out2 plain
expect "-d -o without suffix" 0
check "-d -o without suffix round trip" same plain.out2 a

# --rm with -c keeps the input
cp a r
xmo r.out --rm -c r
expect "--rm -c" 0
check "--rm -c keeps input" [ -f r ]

# terminals (through script(1), where it works): no compressed data to or from a terminal without -f
if command -v script >/dev/null 2>&1 && script -qec true /dev/null </dev/null >/dev/null 2>&1; then
    script -qec "'$LLMZ' --model '$MODEL' -c a" /dev/null </dev/null >tty.out 2>&1
    rc=$?
    expect "-c to a terminal refused" 1
    check "-c to a terminal: message" grep -q "not written to a terminal" tty.out
    script -qec "'$LLMZ' --model '$MODEL' <a" /dev/null </dev/null >tty.out 2>&1
    rc=$?
    expect "stdin to a terminal refused" 1
    script -qec "'$LLMZ' --model '$MODEL' -cf a >tty.llmz" /dev/null </dev/null >tty.out 2>&1
    rc=$?
    expect "-cf with a terminal around" 0
    script -qec "'$LLMZ' --model '$MODEL' -d" /dev/null </dev/null >tty.out 2>&1
    rc=$?
    expect "compressed data from a terminal refused" 1
    check "from a terminal: message" grep -q "not read from a terminal" tty.out
    script -qec "'$LLMZ' --model '$MODEL' -dc a.llmz" /dev/null </dev/null >tty.out 2>&1
    rc=$?
    expect "decompressed data to a terminal" 0
else
    skip "script(1) unavailable: terminal checks"
fi

# -q silences warnings, errors still reported
xm -q a
expect "-q still fails on existing output" 1
err_has "-q still reports errors" "already exists"

# --format-version: 1 to 11 written (byte 4), all decode; anything else is a usage error
for v in 1 2 3 4 5 6 7 8 9 10 11; do
    xmo v$v.llmz --format-version=$v -c a
    expect "--format-version=$v" 0
    check "--format-version=$v writes format $v" sh -c "od -An -j4 -N1 -tu1 v$v.llmz | grep -qx ' *$v'"
    xmo v$v.out -dc v$v.llmz
    check "format $v decodes" cmp -s v$v.out a
done
xmo v4b.llmz --format-version 4 -c a
check "--format-version 4 (two arguments)" cmp -s v4b.llmz v4.llmz
xmo v0.llmz -c a
check "the default is format 11" cmp -s v0.llmz v11.llmz
check "versions 1 and 2 code differently" sh -c "! cmp -s v1.llmz v2.llmz"
check "versions 2 and 3 code differently" sh -c "! cmp -s v2.llmz v3.llmz"
# version 4 codes chunks as version 3 does, with the compact header: the same payload, a smaller frame
check "version 4's frame is smaller than version 3's" [ "$(wc -c < v4.llmz)" -lt "$(wc -c < v3.llmz)" ]
for v in 0 01 12 13 x ''; do
    xm --format-version="$v" -c a
    expect "--format-version='$v' refused" 2
done
err_has "the refusal names the versions" "1 to 11"

# --numerics-version: 1, 2 or 3 written (byte 7 of a format-4 frame), each decodes; 2 is the default
for v in 1 2 3; do
    xmo n$v.llmz --numerics-version=$v -c a
    expect "--numerics-version=$v" 0
    check "--numerics-version=$v writes numerics $v" sh -c "od -An -j7 -N1 -tu1 n$v.llmz | grep -qx ' *$v'"
    xmo n$v.out -dc n$v.llmz
    check "numerics $v decodes" cmp -s n$v.out a
done
check "the default is numerics 2" cmp -s n2.llmz v11.llmz
check "numerics 1 and 2 code differently" sh -c "! cmp -s n1.llmz n2.llmz"
check "numerics 3 codes differently" sh -c "! cmp -s n1.llmz n3.llmz && ! cmp -s n2.llmz n3.llmz"
for v in 0 4 x ''; do
    xm --numerics-version="$v" -c a
    expect "--numerics-version='$v' refused" 2
done
err_has "the refusal names the numerics versions" "1 to 3"
finish
