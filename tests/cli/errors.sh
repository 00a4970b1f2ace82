#!/bin/sh
# Bad archives and failing outputs: not llmz, empty, truncated, trailing garbage, corrupted bytes,
# wrong model, --memlimit, /dev/full.  Every failure: exit 1, no output file, no temporary file.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi
gen_text 3000 11 >t
cp t t.orig
xm t
expect "setup: compress" 0
rm t
n=$(fsize t.llmz)

# not an llmz file
printf 'hello, not compressed\n' >plain.llmz
xm -d plain.llmz
expect "-d non-llmz" 1
check "-d non-llmz creates nothing" absent plain
err_has "-d non-llmz names the file" "plain.llmz"
check "-d non-llmz leaves no temp" no_temps
xm -d <plain.llmz
expect "-d non-llmz on stdin" 1

# 0-byte archive
: >zero.llmz
xm -d zero.llmz
expect "-d 0-byte archive" 1
check "-d 0-byte archive creates nothing" absent zero
xm -d <zero.llmz
expect "-d 0-byte stdin" 1
xm -t zero.llmz
expect "-t 0-byte archive" 1

# truncated: by one byte, in the payload, in the header, to 1 byte
for cut in $((n - 1)) $((n / 2)) 20 1; do
    head -c "$cut" t.llmz >cut.llmz
    xm -d cut.llmz
    expect "truncated to $cut bytes" 1
    err_has "truncated to $cut bytes: message" "unexpected end of input"
    check "truncated to $cut bytes: no output" absent cut
    check "truncated to $cut bytes: archive kept" [ -f cut.llmz ]
    xmo cut.out -d <cut.llmz
    expect "truncated to $cut bytes on stdin" 1
done
check "truncated: no temporary files" no_temps

# truncated second frame of a concatenation
head -c $((n - 3)) t.llmz >part
cat t.llmz part >cat2.llmz
xm -d cat2.llmz
expect "truncated second frame" 1
check "truncated second frame: no output" absent cat2

# trailing garbage after a valid frame
cat t.llmz >garbage.llmz
printf 'junk after the frame' >>garbage.llmz
xm -d garbage.llmz
expect "trailing garbage" 1
check "trailing garbage: no output" absent garbage
xm -t garbage.llmz
expect "trailing garbage -t" 1
cat t.llmz >zeros.llmz
printf '\000\000\000\000' >>zeros.llmz
xm -d zeros.llmz
expect "trailing zero bytes are padding (as gzip and xz take them)" 0
check "trailing zero bytes: the original" same zeros t.orig

# corrupted bytes: an error, or (only where the byte does not matter) the exact original -- never wrong data
for pos in $((n / 2)) $((n - 1)) $((n - 8)) 5; do
    cp t.llmz bad.llmz
    printf '\377' | dd of=bad.llmz bs=1 seek="$pos" conv=notrunc 2>/dev/null
    if cmp -s bad.llmz t.llmz; then printf '\000' | dd of=bad.llmz bs=1 seek="$pos" conv=notrunc 2>/dev/null; fi
    xm -d bad.llmz
    if [ "$rc" -eq 1 ]; then
        if absent bad; then ok; else bad "corrupt byte $pos: output left behind"; fi
    elif [ "$rc" -eq 0 ] && same bad t.orig; then
        ok
    else
        bad "corrupt byte $pos: exit $rc with wrong output"
    fi
    rm -f bad
done
check "corrupt: no temporary files" no_temps

# wrong model: the built-in model cannot decode an archive made with the test model (when they differ)
xm -l t.llmz
tname=$(awk 'NR == 2 { print $8 }' stdout)
x -V --model "$MODEL"
fp_default=$(sed -n 's/^default model: .*(fingerprint \([0-9a-f]*\)).*/\1/p' stdout)
fp_test=$(sed -n 's/^selected model: .*(fingerprint \([0-9a-f]*\)).*/\1/p' stdout)
check "-V shows the default fingerprint" [ -n "$fp_default" ]
check "-V --model shows the selected fingerprint" [ -n "$fp_test" ]
if [ -n "$fp_default" ] && [ "$fp_default" != "$fp_test" ]; then
    x -d t.llmz
    expect "built-in model on a test-model archive" 1
    err_has "wrong model message" "archive needs model '$tname' (fingerprint $fp_test"
    err_has "wrong model hint" "give its GGUF file with --model or LLMZ_MODEL"
    check "wrong model: no output" absent t
    check "wrong model: no temp" no_temps
    x -t t.llmz
    expect "wrong model -t" 1
else
    skip "built-in model is the test model; wrong-model check with it skipped"
fi
# and a second generated model, where the generator exists
if [ -x "$MKTINY" ]; then
    "$MKTINY" other.gguf --seed 2 >/dev/null 2>&1
    if [ -s other.gguf ]; then
        x --model other.gguf -d t.llmz
        expect "mktiny --seed 2 model on a tiny.gguf archive" 1
        err_has "mktiny model: message" "archive needs model '$tname' (fingerprint $fp_test"
        err_has "mktiny model: hint" "give its GGUF file with --model or LLMZ_MODEL"
        err_has "mktiny model: the model loaded and where from" "from --model other.gguf"
        check "mktiny model: no output" absent t
        x --model other.gguf -c t.orig
        mv stdout other.llmz
        xm -d other.llmz
        expect "tiny.gguf on a mktiny --seed 2 archive" 1
        check "tiny.gguf on other archive: no output" absent other
    else
        bad "mktiny did not make a model"
    fi
else
    skip "wrong model with mktiny: $MKTINY not built"
fi

# --memlimit
xm -d --memlimit 1K t.llmz
expect "--memlimit 1K" 1
err_has "--memlimit message" "--memlimit"
check "--memlimit: no output" absent t
xm -d --memlimit 0 t.llmz
expect "--memlimit 0 (none)" 0
check "--memlimit 0 round trip" same t t.orig
rm -f t

# write errors: /dev/full
if [ -w /dev/full ]; then
    "$LLMZ" --model "$MODEL" -c t.orig >/dev/full 2>stderr
    rc=$?
    expect "-c >/dev/full" 1
    err_has "/dev/full message" "write error"
    "$LLMZ" --model "$MODEL" -dc t.llmz >/dev/full 2>stderr
    rc=$?
    expect "-dc >/dev/full" 1
    "$LLMZ" --model "$MODEL" -l t.llmz >/dev/full 2>stderr
    rc=$?
    expect "-l >/dev/full" 1
    "$LLMZ" -V >/dev/full 2>stderr
    rc=$?
    expect "-V >/dev/full" 1
else
    skip "/dev/full not writable"
fi

# missing input
xm nonexistent
expect "missing input" 1
err_has "missing input message" "nonexistent"
check "missing input: no output" absent nonexistent.llmz
# directory input
mkdir dir
xm dir
expect "directory input" 1
check "directory input: no output" absent dir.llmz

# format 4: an empty frame naming, by 8 fingerprint bytes and no name, a model this binary does not carry (the
# header CRC from gzip's trailer: the same CRC-32)
printf '\211LMZ\004\167\000\001\000\021\042\063\104\125\146\167\200\200\004\000' >nn.head
gzip -c nn.head | tail -c 8 | head -c 4 >nn.crc
cat nn.head nn.crc >nn.llmz
check "hand-made format-4 frame: 24 bytes" [ "$(fsize nn.llmz)" -eq 24 ]
x -d nn.llmz
expect "format 4, unknown model without a name" 1
err_has "the message shows the fingerprint bytes the frame holds" \
    "archive needs model with fingerprint 0011223344556677..., which is not built into this llmz"
x -l nn.llmz
expect "-l lists it" 0
out_has "-l: the fingerprint where the name would be" "0011223344556677"

finish
