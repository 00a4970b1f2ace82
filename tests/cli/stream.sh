#!/bin/sh
# tests/cli/stream.sh -- llmz on the streaming API (docs/streaming.md): the same archives from a file and from a
# pipe, several frames, --index (written after the frames, shown by -lv, passed over by -d and -t), skippable
# frames and zero padding between frames, archives of two models concatenated, and input truncated anywhere: exit 1,
# "unexpected end of input", no output file and no temporary file left.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi
gen_text 6000 3 >t
cp t t.orig
# stored (random) data codes fast: 9 MB make two frames (8 MiB segments)
head -c 9000000 /dev/urandom >big

# a file and a pipe give the same archive; it decodes through a pipe
xm -k t
expect "compress a file" 0
xmo pipe.llmz -c <t
expect "compress a pipe" 0
check "file and pipe: the same bytes" same t.llmz pipe.llmz
cat pipe.llmz | "$LLMZ" --model "$MODEL" -dc >back 2>stderr
check "decompress a pipe" same back t

# several frames, through pipes both ways
cat big | "$LLMZ" --model "$MODEL" -c >big.llmz 2>stderr
check "9 MB from a pipe" [ $? -eq 0 ]
xm -l big.llmz
check "9 MB: two frames" sh -c "awk 'NR == 2 { exit !(\$1 == 2) }' stdout"
cat big.llmz | "$LLMZ" --model "$MODEL" -dc 2>stderr | cmp -s - big
check "9 MB: back through a pipe" [ $? -eq 0 ]

# --index: the same frames, then the index; -lv shows it; -d and -t pass over it
xmo idx.llmz --index -c big
expect "--index" 0
n=$(fsize big.llmz)
check "--index: the frames are the same bytes" cmp -s -n "$n" idx.llmz big.llmz
check "--index: an index after them" [ "$(fsize idx.llmz)" -gt "$n" ]
xm -lv idx.llmz
out_has "-lv shows the index" "index: 2 frames"
xmo back2 -dc idx.llmz
check "--index: -d" same back2 big
xm -t idx.llmz
expect "--index: -t" 0
xm --index -d idx.llmz
expect "--index with -d: usage error" 2
xmo small-idx.llmz --index -c t
xm -lv small-idx.llmz
out_has "a small file's index" "index: 1 frames"

# skippable frames and zero padding between frames; a truncated skippable frame
printf '\211LMS\003\000\000\000abc' >skip
printf '\000\000\000' >zeros
cat t.llmz skip zeros pipe.llmz skip >mixed.llmz
xmo mixed.out -dc mixed.llmz
expect "frames, skippable frames and padding" 0
cat t t >tt
check "frames, skippable frames and padding: the data" same mixed.out tt
xm -l mixed.llmz
expect "-l passes over skippable frames" 0
cat skip t.llmz >first.llmz
xmo first.out -dc first.llmz
check "a skippable frame first" same first.out t
cat t.llmz skip >cutskip.llmz
head -c $(($(fsize cutskip.llmz) - 2)) cutskip.llmz >cutskip2.llmz
xm -d cutskip2.llmz
expect "a truncated skippable frame" 1
err_has "a truncated skippable frame: message" "unexpected end of input"
check "a truncated skippable frame: no output" absent cutskip2
xm -l cutskip2.llmz
expect "-l: a truncated skippable frame" 1

# archives of two models concatenated: -d switches the model at the second frame
x -c t
if [ "$rc" -eq 0 ] && [ -s stdout ]; then
    mv stdout builtin.llmz
    cat t.llmz builtin.llmz >two.llmz
    xmo two.out -dc two.llmz
    expect "two models in one archive" 0
    check "two models: the data" same two.out tt
else
    skip "no built-in model"
fi

# truncated anywhere: an error, nothing left behind (from a file and from stdin)
n=$(fsize idx.llmz)
for cut in 1 7 40 100000 $((n / 2)) 8400000 $((n - 30)) $((n - 1)); do
    head -c "$cut" idx.llmz >cut.llmz
    xm -d cut.llmz
    expect "cut at $cut: exit 1" 1
    err_has "cut at $cut: message" "unexpected end of input"
    check "cut at $cut: no output file" absent cut
    xm -d -o cut.out <cut.llmz
    expect "cut at $cut on stdin: exit 1" 1
    check "cut at $cut on stdin: no output file" absent cut.out
    xm -t cut.llmz
    expect "cut at $cut: -t" 1
done
check "no temporary files" no_temps
# the end of the frames is an end: the index cut off entirely is just an archive without one
head -c "$(fsize big.llmz)" idx.llmz >noidx.llmz
xmo noidx.out -dc noidx.llmz
check "frames without their index" same noidx.out big

finish
