#!/bin/sh
# Round trips through the CLI: empty, 1 byte, binary, text, NUL bytes; keep/--rm; -c, -o, stdin/stdout;
# several files; concatenated archives; -T and --kernels give identical bytes; the built-in model.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi

: >empty
printf 'x' >one
gen_bin 3000 1 >bin
gen_text 4000 2 >text
printf 'a\000b\000\000c\n\000' >nul
printf 'line one\nline two\n' >small

# FILE -> FILE.llmz (input kept) -> FILE
for f in empty one bin text nul; do
    cp "$f" "orig.$f"
    xm "$f"
    expect "compress $f" 0
    check "compress $f: keeps input" same "$f" "orig.$f"
    check "compress $f: makes $f.llmz" [ -s "$f.llmz" ]
    rm -f "$f"
    xm -d "$f.llmz"
    expect "decompress $f" 0
    check "round trip $f" same "$f" "orig.$f"
    check "decompress $f: keeps archive" [ -f "$f.llmz" ]
    check "$f: nothing on stdout" [ ! -s stdout ]
done
check "no temporary files left" no_temps

# --rm removes the input only after success, both ways
cp text rmtest
xm --rm rmtest
expect "compress --rm" 0
check "compress --rm removes input" absent rmtest
xm -d --rm rmtest.llmz
expect "decompress --rm" 0
check "decompress --rm removes archive" absent rmtest.llmz
check "decompress --rm round trip" same rmtest text
cp text keep1
xm -k keep1
expect "-k accepted" 0
check "-k keeps input" [ -f keep1 ]

# -c and -o
cp text ctext
xmo c.llmz -c ctext
expect "-c compress" 0
check "-c keeps the input" [ -f ctext ]
check "-c makes no FILE.llmz" absent ctext.llmz
xmo c.out -dc c.llmz
expect "-dc" 0
check "-c round trip" same c.out text
xm -o named.llmz bin
expect "-o compress" 0
check "-o writes the named file" [ -s named.llmz ]
xm -d -o named.out named.llmz
expect "-d -o" 0
check "-o round trip" same named.out bin
xm -d -o - named.llmz
expect "-o - is stdout" 0
check "-o - round trip" same stdout bin
xm -d -o fromstdin.out <named.llmz
expect "stdin with -o" 0
check "stdin with -o round trip" same fromstdin.out bin

# stdin -> stdout, with and without -
"$LLMZ" --model "$MODEL" <text >s.llmz 2>stderr
rc=$?
expect "stdin compress" 0
"$LLMZ" --model "$MODEL" -d <s.llmz >s.out 2>stderr
rc=$?
expect "stdin decompress" 0
check "stdin round trip" same s.out text
"$LLMZ" --model "$MODEL" - <nul | "$LLMZ" --model "$MODEL" -d - >p.out 2>stderr
check "pipe round trip with -" same p.out nul
: | "$LLMZ" --model "$MODEL" | "$LLMZ" --model "$MODEL" -d >pe.out 2>stderr
check "empty pipe round trip" [ -f pe.out ]
check "empty pipe output is empty" [ ! -s pe.out ]
check "archive of stdin equals archive of file" same s.llmz text.llmz

# several files in one call
cp text m1
cp bin m2
xm m1 m2
expect "two files" 0
check "two files: first archive" [ -f m1.llmz ]
check "two files: second archive" [ -f m2.llmz ]
rm -f m1 m2
xm -d m1.llmz m2.llmz
expect "two files -d" 0
check "two files round trip 1" same m1 text
check "two files round trip 2" same m2 bin
# -c with several files concatenates
xmo tb.llmz -c text bin
expect "-c two files" 0
xm -dc tb.llmz
cat text bin >tb.expect
check "-c two files decode to the concatenation" same stdout tb.expect

# concatenated archives decode to the concatenation
cat text.llmz one.llmz empty.llmz nul.llmz >cat.llmz
cat text one empty nul >cat.expect
xm -d -c cat.llmz
expect "concatenated archives" 0
check "concatenated archives round trip" same stdout cat.expect
cat bin.llmz text.llmz | "$LLMZ" --model "$MODEL" -d >cat2.out 2>stderr
cat bin text >cat2.expect
check "cat a.llmz b.llmz | llmz -d" same cat2.out cat2.expect

# small chunks: several chunks per frame, still exact
gen_text 20000 3 >long
xmo chunks.llmz -c --chunk-size 4K long
expect "--chunk-size 4K" 0
xm -dc chunks.llmz
check "--chunk-size 4K round trip" same stdout long
xm -l chunks.llmz
check "--chunk-size 4K gives several chunks" awk 'NR == 2 { exit !($2 >= 4) }' stdout
xmo chunks2.llmz --adapt=match,ngram,line,field,sse,group -c long # (the byte models alone would code these random words in one chunk)
xm -l chunks2.llmz
check "default chunk size: two chunks (one group) for 20 KB" awk 'NR == 2 { exit !($2 == 2) }' stdout
head -c 16384 long >short16k
xmo chunks3.llmz -c short16k
xm -l chunks3.llmz
check "default chunk size: one chunk for 16 KiB" awk 'NR == 2 { exit !($2 == 1) }' stdout

# determinism: thread count and kernels do not change the bytes
xmo t1.llmz -c -T 1 text
xmo t2.llmz -c -T 2 text
xmo t0.llmz -c -T 0 text
xmo tr.llmz -c --kernels ref -T 1 text
check "-T 1 and -T 2 give the same archive" same t1.llmz t2.llmz
check "-T 0 gives the same archive" same t1.llmz t0.llmz
check "--kernels ref gives the same archive" same t1.llmz tr.llmz
check "the same as FILE.llmz" same t1.llmz text.llmz
xm -dc --kernels ref tr.llmz
check "--kernels ref decodes" same stdout text
LLMZ_KERNELS=ref "$LLMZ" --model "$MODEL" -dc t2.llmz >k.out 2>stderr
check "LLMZ_KERNELS=ref decodes" same k.out text

# LLMZ_MODEL stands in for --model
LLMZ_MODEL=$MODEL "$LLMZ" -c small >env.llmz 2>stderr
rc=$?
expect "LLMZ_MODEL compress" 0
check "LLMZ_MODEL gives the same archive as --model" sh -c '"$LLMZ" --model "$1" -c small | cmp -s - env.llmz' sh "$MODEL"

# the built-in model: one small round trip
x -c small
expect "built-in model compress" 0
mv stdout builtin.llmz
x -dc builtin.llmz
expect "built-in model decompress" 0
check "built-in model round trip" same stdout small

# unllmz and llmzcat
ln -s "$LLMZ" unllmz
ln -s "$LLMZ" llmzcat
cp text un
xm un
rm un
./unllmz --model "$MODEL" un.llmz >stdout 2>stderr
rc=$?
expect "unllmz decompresses" 0
check "unllmz round trip" same un text
./llmzcat --model "$MODEL" un.llmz >lc.out 2>stderr
check "llmzcat writes stdout" same lc.out text

# optional: a multi-frame input (> 8 MiB); slow with a real model
if [ -n "${LLMZ_TEST_BIG:-}" ]; then
    gen_bin 9000000 3 >big
    xm big
    expect "big compress" 0
    xm -l big.llmz
    check "big: two frames" [ "$(awk 'NR == 2 { print $1 }' stdout)" -eq 2 ]
    xmo big.out -dc big.llmz
    check "big round trip" same big.out big
fi

finish
