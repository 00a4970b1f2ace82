#!/bin/sh
# variants.sh -- the architecture variants llmz runs (lib/model/load.c) against llama.cpp and the exact
# reference (lmdump --float), on small random models that mktiny writes and peak.py makes peaked:
#   llama (the baseline), qwen2 (NEOX rope, Q/K/V biases), llama3 (rope_freqs), llama with attention biases and a
#   separate output.  Same set-up as run.sh (XCHECK_DIR, docs/xcheck.md); table in $OUT/variants.md.
set -eu
BUILD=${BUILD:-build}
XCHECK_DIR=${XCHECK_DIR:-}
OUT=${XCHECK_OUT:-$BUILD/xcheck}/variants
if [ -z "$XCHECK_DIR" ] || [ ! -d "$XCHECK_DIR/node_modules/node-llama-cpp" ]; then
    echo "variants: skipped: set XCHECK_DIR to a directory with node_modules/node-llama-cpp (docs/xcheck.md)"
    exit 0
fi
command -v node >/dev/null || { echo "variants: skipped: no node"; exit 0; }
export NODE_PATH="$XCHECK_DIR/node_modules"
L=$BUILD/tools/xcheck/lmdump
mkdir -p "$OUT"
$L models/default.gguf --tokenize tools/xcheck/text.txt > "$OUT/text.ids"
printf '\n' > "$OUT/nl.txt"
nl=$($L models/default.gguf --tokenize "$OUT/nl.txt")
awk -v nl="$nl" -v w=256 '{ if ((NR - 1) % (w - 1) == 0) print nl; print }' "$OUT/text.ids" | head -512 > "$OUT/feed.ids"
common="--merges tools/train/merges4096.txt --dim 64 --heads 4 --kv-heads 2 --ffn 128 --ctx 256 --type f32"
: > "$OUT/results.jsonl"
for v in llama qwen2 llama3 bias; do
    case $v in
    llama) opts="" ;;
    qwen2) opts="--arch qwen2 --theta 1000000" ;;
    llama3) opts="--rope-freqs --theta 500000" ;;
    bias) opts="--bias --untied" ;;
    esac
    $BUILD/tools/mktiny "$OUT/$v-raw.gguf" $common $opts > /dev/null
    $BUILD/tools/xcheck/mkshape "$OUT/$v.gguf" --copy "$OUT/$v-raw.gguf" --pre gpt-2 --type keep > /dev/null
    python3 tools/xcheck/peak.py "$OUT/$v.gguf" > /dev/null
    nice $L "$OUT/$v.gguf" --ids "$OUT/feed.ids" --out "$OUT/llmz.f32" --window 256 --threads 2 2> /dev/null
    nice $L "$OUT/$v.gguf" --ids "$OUT/feed.ids" --out "$OUT/ref.f32" --window 256 --float 2> /dev/null
    nice node tools/xcheck/xcheck.mjs --model "$OUT/$v.gguf" --ids "$OUT/feed.ids" --logits "$OUT/llmz.f32" \
        --ref "$OUT/ref.f32" --window 256 --threads 2 --label "$v F32" --json "$OUT/$v.json"
    tr -d '\n' < "$OUT/$v.json" >> "$OUT/results.jsonl"
    echo >> "$OUT/results.jsonl"
    rm -f "$OUT/llmz.f32" "$OUT/ref.f32"
done
node tools/xcheck/table.mjs "$OUT/results.jsonl" > "$OUT/variants.md"
echo "variants: table in $OUT/variants.md"
