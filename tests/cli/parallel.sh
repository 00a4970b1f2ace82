#!/bin/sh
# tests/cli/parallel.sh -- the scale-out recipe of docs/scale-out.md with GNU parallel: blocks of one file compressed
# by separate llmz processes (--pipepart, blocks cut at any byte: --recend ''), written in order (-k), are one
# archive that llmz -d and -t restore exactly, that -l lists frame by frame and that --range seeks in.  Skips
# cleanly without GNU parallel (Debian: parallel).
. "$(dirname "$0")/lib.sh"

if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
    skip "GNU parallel is not installed"
    finish
fi
# the recipe: parallel --pipepart -a BIG -k --block 8M --recend '' llmz -c > BIG.llmz (K, M: 1024, 1024^2)
pz() { # pz FILE BLOCK JOBS: FILE.llmz by the recipe, with the test model
    parallel --pipepart -a "$1" -k --block "$2" --recend '' -j "$3" "$LLMZ" --model "$MODEL" -c -T1 >"$1.llmz" \
        2>"$W/stderr"
}
if quick; then n=60000; else n=120000; fi
gen_text "$n" 23 >big.txt
gen_bin 5000 4 >>big.txt # binary bytes in the middle of a block: blocks cut at any byte
gen_text 20000 24 >>big.txt
size=$(fsize big.txt)
pz big.txt 32K 2
check "the recipe runs" [ $? -eq 0 ] && [ -s big.txt.llmz ]
frames=$(( (size + 32767) / 32768 ))
xm -l big.txt.llmz
expect "-l" 0
check "-l lists one frame per block ($frames)" [ "$(sed -n '2p' "$W/stdout" | awk '{print $1}')" = "$frames" ]
check "-l: the original size" [ "$(sed -n '2p' "$W/stdout" | awk '{print $5}')" = "$size" ]
xmo out.txt -dc big.txt.llmz
expect "-d" 0
check "-d restores exactly" same out.txt big.txt
xm -t big.txt.llmz
expect "-t" 0
xm -lv big.txt.llmz
check "every frame but the last holds one whole block" \
    [ "$(grep -c -- '-> 32768 bytes' "$W/stderr" "$W/stdout" | awk -F: '{s += $2} END {print s}')" -eq $((frames - 1)) ]

# -j1 and -j2 make the same archive (each block's frame depends on its bytes only)
cp big.txt one.txt
pz one.txt 32K 1
check "-j1 and -j2: the same bytes" same one.txt.llmz big.txt.llmz

# each block's frame is the one llmz -c makes of that block (so with --block 8M, the CLI's segment, the archive is
# the one llmz -c makes of the whole file)
split -b 32768 big.txt part.
for p in part.*; do "$LLMZ" --model "$MODEL" -c -T1 "$p"; done >parts.llmz
check "a frame per block, the CLI's own" same parts.llmz big.txt.llmz

# --range (where this llmz has it): bytes from the middle, without decoding the whole archive
if "$LLMZ" -h 2>&1 | grep -q -- '--range'; then
    off=$((size / 2)) # the middle (the quick run makes a smaller file)
    xmo part.txt -d --range=$off:5000 big.txt.llmz
    expect "--range" 0
    dd if=big.txt of=want.txt bs=1 skip=$off count=5000 2>/dev/null
    check "--range seeks into the parallel archive" same part.txt want.txt
else
    skip "this llmz has no --range yet"
fi

# a damaged block's frame: -d fails, and says so
cp big.txt.llmz bad.llmz
printf 'X' | dd of=bad.llmz bs=1 seek=2000 conv=notrunc 2>/dev/null
xmo bad.out -dc bad.llmz
check "a damaged archive fails" [ "$rc" -ne 0 ]
check "with a message" [ -s "$W/stderr" ]
finish
