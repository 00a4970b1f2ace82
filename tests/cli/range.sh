#!/bin/sh
# -d / -t --range=OFFSET:LENGTH: the bytes of a range, read by the archive's index or by scanning, equal to the same
# bytes of a whole decode; the end of the data (a range past it: error; one running past it: the bytes there are);
# -o (a file of the range only, never one named like the whole output; nothing left on error); damaged indexes;
# usage errors, pipes, garbage, another model.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi
MKINDEX=${LLMZ_TEST_MKINDEX:-$BUILD/tools/mkindex}

# two frames: 18 chunks of 4 KiB in groups (two groups), then 5 chunks coded alone
gen_text 72000 41 | head -c 72000 >a
gen_text 18000 42 >b
xm --chunk-size 4K a
expect "setup: compress a (groups)" 0
xm --chunk-size 4K --adapt=match,ngram,sse b
expect "setup: compress b (chunks alone)" 0
cat a.llmz b.llmz >ab.llmz
cat a b >ab
total=$(fsize ab)

# bytes OFF..OFF+LEN of FILE (0-based), as a reference
part() { tail -c +$(($2 + 1)) "$1" | head -c "$3"; }

# ranges OFF:LEN... of archive ARCH (original ORIG): each the same bytes as ORIG's; LABEL names the checks
ranges() {
    rg_arch=$1
    rg_orig=$2
    rg_label=$3
    shift 3
    for r in "$@"; do
        xm -d --range="$r" "$rg_arch"
        expect "$rg_label--range=$r" 0
        part "$rg_orig" "${r%:*}" "${r#*:}" >want
        check "$rg_label--range=$r: the bytes" same stdout want
    done
}

# ranges inside a group, across the frame edge, in frame b, K suffixes, to the end
ranges ab.llmz ab "" 5000:100 71990:20 73000:3000 0:1 $((total - 1)):1 0:$total
xm -d --range=64K:1K ab.llmz
part ab 65536 1024 >want
check "--range=64K:1K (suffixes)" same stdout want
xm -d --range=80000: ab.llmz
expect "--range=OFFSET: (to the end)" 0
part ab 80000 $((total - 80000)) >want
check "--range=OFFSET: the rest" same stdout want
xm -d --range=$((total - 10)):100 ab.llmz
expect "a range running past the end" 0
check "a range running past the end: the bytes there are" [ "$(fsize stdout)" -eq 10 ]
xm -d --range=$total:0 ab.llmz
expect "an empty range at the end" 0
check "an empty range: no bytes" [ "$(fsize stdout)" -eq 0 ]
xm -d --range=1000:0 ab.llmz
expect "an empty range" 0

# past the end: an error, nothing written
xm -d --range=$total:1 ab.llmz
expect "a range starting at the end" 1
err_has "past the end: says so" "past the end of the data ($total bytes)"
check "past the end: no output" [ "$(fsize stdout)" -eq 0 ]
xm -d --range=1G:1 -o out ab.llmz
expect "past the end with -o" 1
check "past the end with -o: no file" absent out
check "past the end with -o: no temporary" no_temps

# -o: the range only; an existing file needs -f; the whole output's name is never written
xm -d --range=10000:500 -o out ab.llmz
expect "-o" 0
part ab 10000 500 >want
check "-o: the range" same out want
xm -d --range=0:5 -o out ab.llmz
expect "-o over an existing file" 1
check "-o: not overwritten without -f" same out want
xm -df --range=0:5 -o out ab.llmz
expect "-o -f" 0
check "-o -f: replaced" [ "$(fsize out)" -eq 5 ]
cp ab.llmz c.llmz
xm -d --range=0:5 c.llmz
expect "no -o" 0
check "no -o: stdout" [ "$(fsize stdout)" -eq 5 ]
check "no -o: no file named like the whole output" absent c
check "no -o: no temporary" no_temps

# -t --range: decodes and checks the covering chunks, writes nothing
xm -t --range=30000:10 ab.llmz
expect "-t --range" 0
check "-t --range: no output" [ "$(fsize stdout)" -eq 0 ]
xm -tv --range=30000:10 ab.llmz
err_has "-v: 16 chunks of a group decoded" "16 chunks decoded"
err_has "-v: mapped by scanning" "scanning its frame headers"
xm -dv --range=80292:10 ab.llmz
err_has "-v: one chunk of frame b" ": 1 chunk decoded (4096 bytes)"

# the index: the same bytes, found through it; damaged, by scanning
if [ -x "$MKINDEX" ]; then
    "$MKINDEX" ab.llmz >ab.idx
    check "mkindex" [ -s ab.idx ]
    cat ab.llmz ab.idx >abi.llmz
    for r in 5000:100 71990:20 $((total - 50)):50; do
        xm -dv --range="$r" abi.llmz
        expect "by index --range=$r" 0
        part ab "${r%:*}" "${r#*:}" >want
        check "by index --range=$r: the bytes" same stdout want
    done
    err_has "by index: -v says so" "mapped by its index"
    # a flipped bit in the index's entries: its CRC fails, the frames are scanned
    isz=$(fsize ab.idx)
    cp abi.llmz bad.llmz
    at=$(($(fsize ab.llmz) + 11))
    printf '\377' | dd of=bad.llmz bs=1 seek=$at conv=notrunc 2>/dev/null
    xm -dv --range=71990:20 bad.llmz
    expect "damaged index" 0
    part ab 71990 20 >want
    check "damaged index: the same bytes" same stdout want
    err_has "damaged index: scanned" "scanning its frame headers"
    # the index cut short: its skippable frame runs past the end
    head -c $(($(fsize abi.llmz) - isz / 2)) abi.llmz >cut.llmz
    xm -d --range=0:10 -o out2 cut.llmz
    expect "index cut short" 1
    err_has "index cut short: says so" "unexpected end of input"
    check "index cut short: no file" absent out2
else
    skip "$MKINDEX missing (make tools): the index cases"
fi

# frames of two models: each decoded with its own (the built-in one found by its fingerprint, --model's)
gen_text 3000 43 >d
x d
expect "setup: compress d with the built-in model" 0
cat ab.llmz d.llmz a.llmz >abda.llmz
cat ab d a >abda
xm -d --range=$((total - 10)):3020 abda.llmz
expect "two models: across their frames" 0
part abda $((total - 10)) 3020 >want
check "two models: the bytes" same stdout want
xm -d --range=$((total + 2990)):20 abda.llmz
expect "two models: built-in, then --model's again" 0
part abda $((total + 2990)) 20 >want
check "two models: the bytes again" same stdout want

# bad input
xm -d --range=0:10 a
expect "not an archive" 1
err_has "not an archive: says so" "not in llmz format"
(cat ab.llmz; printf 'junk') >junk.llmz
xm -d --range=0:10 -o out3 junk.llmz
expect "garbage after the frames" 1
check "garbage: no file" absent out3
head -c $(($(fsize ab.llmz) - 100)) ab.llmz >trunc.llmz
xm -d --range=0:10 trunc.llmz
expect "truncated archive" 1
err_has "truncated: says so" "unexpected end of input"
cat ab.llmz | "$LLMZ" --model "$MODEL" -d --range=0:10 >stdout 2>stderr
rc=$?
expect "a pipe" 1
err_has "a pipe: says why" "seek"
xm -d --range=100:10 <ab.llmz
expect "stdin from a file" 0
part ab 100 10 >want
check "stdin from a file: the bytes" same stdout want
x -d --range=0:10 -o out4 ab.llmz
expect "another model" 1
err_has "another model: names it" "archive needs model"
check "another model: no file" absent out4
check "no temporaries left" no_temps

# a frame with copies (format 8): its text three times over, ranges inside repeats and across them; -lv says so
gen_text 12000 43 >r1
cat r1 r1 r1 >rep
xmo rep.llmz -c rep
expect "setup: compress rep (copies)" 0
xm -lv rep.llmz
out_has "-lv: the frame's copies" "long repeats as copies"
xmo r1.llmz -c r1
check "copies: the text three times takes little more than once" [ "$(fsize rep.llmz)" -lt "$(( $(fsize r1.llmz) + 100 ))" ]
ranges rep.llmz rep "copies " 0:100 11990:20 20000:5000 35990:10
xmo rep.out -dc rep.llmz
check "copies: the whole decode" same rep.out rep
# usage
for bad_range in abc 5 :5 5:x -1:3 1Q:2; do
    xm -d --range="$bad_range" ab.llmz
    expect "--range=$bad_range" 2
done
xm --range=0:10 a
expect "--range when compressing" 2
xm -l --range=0:10 ab.llmz
expect "-l --range" 2
xm -d --range=0:10 ab.llmz a.llmz
expect "--range with two files" 2
xm -d --rm --range=0:10 ab.llmz
expect "--range --rm" 2
check "--rm refused: the archive kept" [ -f ab.llmz ]
finish
