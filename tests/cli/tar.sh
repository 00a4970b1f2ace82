#!/bin/sh
# tests/cli/tar.sh -- llmz as tar's compressor: tar -I llmz -cf / -xf, and -l on a .tar.llmz.
. "$(dirname "$0")/lib.sh"

if ! command -v tar >/dev/null 2>&1; then
    skip "tar not installed"
    finish
fi
mkdir -p bin src/sub
ln -s "$LLMZ" bin/llmz
gen_text 5000 1 >src/one.txt
gen_bin 3000 2 >src/sub/two.bin
PATH=$W/bin:$PATH tar -I "llmz --model $MODEL" -cf x.tar.llmz src 2>"$W/stderr"
check "tar -I llmz -cf" [ $? -eq 0 ]
xm -l x.tar.llmz
expect "llmz -l x.tar.llmz" 0
out_has "-l names the archive" "x.tar.llmz"
mkdir out
PATH=$W/bin:$PATH tar -I "llmz --model $MODEL" -xf x.tar.llmz -C out 2>"$W/stderr"
check "tar -I llmz -xf" [ $? -eq 0 ]
check "the tree comes back" diff -r src out/src
xmo plain.tar -dc x.tar.llmz
check "llmz -dc gives a tar archive" sh -c "tar -tf plain.tar | grep -q 'src/sub/two.bin'"
finish
