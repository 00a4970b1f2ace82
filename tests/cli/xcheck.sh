#!/bin/sh
# tests/cli/xcheck.sh -- the comparison tools (tools/xcheck/, docs/xcheck.md) without llama.cpp: mkshape's copies
# and tilings compute what they claim, lmdump's float reference is the int8 path's arithmetic, bad input is refused.
. "$(dirname "$0")/lib.sh"

LMDUMP=${LLMZ_TEST_LMDUMP:-$BUILD/tools/xcheck/lmdump}
MKSHAPE=${LLMZ_TEST_MKSHAPE:-$BUILD/tools/xcheck/mkshape}
if [ ! -x "$LMDUMP" ] || [ ! -x "$MKSHAPE" ]; then
    skip "no $LMDUMP or $MKSHAPE (make tools)"
    finish
fi
T=$ROOT/tests/data/tiny.gguf
printf 'The cat sat on the mat, and then the cat sat on the hat.\nIt is 12:30.\n' > text.txt
"$LMDUMP" "$T" --tokenize text.txt > ids 2>"$W/stderr"
check "--tokenize gives ids" [ "$(wc -l < ids)" -gt 10 ]

# max |a - b| over two logits files (float32), through od
maxdiff() {
    od -An -v -tf4 "$1" | tr -s ' ' '\n' | grep . > a.txt
    od -An -v -tf4 "$2" | tr -s ' ' '\n' | grep . > b.txt
    [ "$(wc -l < a.txt)" -eq "$(wc -l < b.txt)" ] || { echo 1e30; return; }
    paste a.txt b.txt | awk 'BEGIN { m = 0 } { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d } END { print m }'
}
below() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x <= y) }'; }

"$LMDUMP" "$T" --ids ids --out orig.f32 2>"$W/stderr"
check "lmdump writes ids x vocab floats" [ "$(wc -c < orig.f32)" -eq $(($(wc -l < ids) * 4096 * 4)) ]
err_has "lmdump reports its speed" "tokens/s"

# --copy: another pre name, same tensors; f32: the same values
"$MKSHAPE" c.gguf --copy "$T" --pre gpt-2 --type keep 2>"$W/stderr"
check "--copy --type keep" [ -s c.gguf ]
check "the pre name is replaced" grep -q gpt-2 c.gguf
"$LMDUMP" c.gguf --ids ids --out c.f32 2>/dev/null
check "--type keep: the same logits" same orig.f32 c.f32
"$MKSHAPE" c32.gguf --copy "$T" --type f32 2>/dev/null
"$LMDUMP" "$T" --ids ids --out of.f32 --float 2>/dev/null
"$LMDUMP" c32.gguf --ids ids --out cf.f32 --float 2>/dev/null
check "--type f32: the float reference's logits are the same" same of.f32 cf.f32

# the float reference with llmz's two roundings is the int8 path up to the order of additions
"$LMDUMP" "$T" --ids ids --out w8a8.f32 --float-w8 --float-a8 2>/dev/null
d=$(maxdiff orig.f32 w8a8.f32)
check "--float-w8 --float-a8 is the int8 path (max diff $d)" below "$d" 0.001
d=$(maxdiff orig.f32 of.f32)
check "--float differs from the int8 path, a little (max diff $d)" below "$d" 0.5
check "... but not nothing" below 0.000001 "$d"
# windows: every window starts from an empty cache: two windows of the same ids give the same rows twice
cat ids ids > ids2
n=$(wc -l < ids)
"$LMDUMP" "$T" --ids ids2 --window "$n" --out two.f32 2>/dev/null
cat orig.f32 orig.f32 > twice.f32
check "--window: each window from an empty cache" same two.f32 twice.f32
"$LMDUMP" "$T" --ids ids --out b1.f32 --batch 1 --threads 2 2>/dev/null
check "--batch 1 --threads 2: the same logits" same orig.f32 b1.f32

# --tile: twice the width (dim, heads, ffn) with the same layers, no noise: the small model's logits
"$MKSHAPE" big.gguf --tile "$T" --vocab "$T" --dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --ctx 64 \
    --noise 0 --type f32 2>"$W/stderr"
check "--tile writes a model" [ -s big.gguf ]
"$LLMZ" --model big.gguf -c text.txt > big.llmz 2>"$W/stderr" && "$LLMZ" -d --model big.gguf -c big.llmz > back.txt
check "llmz round-trips a text with it" same text.txt back.txt
"$LMDUMP" big.gguf --ids ids --out bigf.f32 --float 2>/dev/null
d=$(maxdiff of.f32 bigf.f32)
check "the tiled model computes the small one's logits (max diff $d)" below "$d" 0.0001
"$MKSHAPE" big3.gguf --tile "$T" --vocab "$T" --dim 64 --layers 5 --heads 4 --kv-heads 2 --ffn 128 --ctx 64 \
    2>/dev/null
"$LMDUMP" big3.gguf --ids ids --out big3.f32 2>/dev/null
d=$(maxdiff orig.f32 big3.f32)
check "echo layers and noise change the logits (max diff $d)" below 0.001 "$d"

# bad input: a message and a non-zero exit, no output file
echo 999999 > badids
"$LMDUMP" "$T" --ids badids --out bad.f32 2>"$W/stderr"
check "an id beyond the vocabulary is refused" [ $? -eq 1 ]
err_has "... with a message" "beyond the model's vocabulary"
echo "12 x" > badids2
"$LMDUMP" "$T" --ids badids2 --out bad.f32 2>/dev/null
check "a malformed id list is refused" [ $? -eq 1 ]
"$MKSHAPE" bad.gguf --tile "$T" --vocab "$T" --dim 48 --layers 2 --heads 3 --kv-heads 1 --ffn 64 2>"$W/stderr"
check "a shape that is not a multiple is refused" [ $? -eq 1 ]
check "... and nothing written" absent bad.gguf
head -c 1000 "$T" > cut.gguf
"$MKSHAPE" cc.gguf --copy cut.gguf 2>"$W/stderr"
check "a truncated GGUF is refused" [ $? -eq 1 ]
"$LMDUMP" cut.gguf --ids ids --out bad.f32 2>/dev/null
check "... by lmdump too" [ $? -eq 1 ]
"$LMDUMP" "$T" --ids ids --kernels nope 2>/dev/null
check "a bad option is a usage error" [ $? -eq 2 ]
finish
