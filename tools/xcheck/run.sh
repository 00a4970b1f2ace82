#!/bin/sh
# run.sh -- the comparison with llama.cpp (docs/xcheck.md): make the GGUF files, quantise them with
# llama-quantize, run llmz (lmdump) and llama.cpp (xcheck.mjs) on the same token ids, and write the table.
#
#   XCHECK_DIR=DIR sh tools/xcheck/run.sh        (make xcheck XCHECK_DIR=DIR does the same)
#
# XCHECK_DIR holds node_modules/node-llama-cpp (npm i -E node-llama-cpp@3.21.1) and, unless LLAMA_QUANTIZE names
# it, llama.cpp/build/bin/llama-quantize (docs/xcheck.md, "Set-up").  Without them: a message, exit 0.
# Variables: BUILD (build), XCHECK_OUT ($BUILD/xcheck: files, logits, results), VOCAB_DIR (../shared/vocab: the
# 135M shape's vocabulary, ggml-vocab-gpt-2.gguf), MODELS ("default smol135"), TYPES ("F16 Q8_0 Q6_K Q5_K_M
# Q4_K_M"), TEXT (tools/xcheck/text.txt), WINDOW (256), THREADS (2), REF_TYPES ("orig F16 Q8_0 Q4_K_M": the types
# also measured against the exact float reference, lmdump --float, single-threaded and slow on the 135M shape),
# BIG_WINDOWS (2: the windows of ids fed to the shapes other than the default model), NUMERICS (1: llmz's forward
# pass with numerics version 1's float attention cache; 2: version 2's int8 cache, what the coder uses by default;
# 3: version 3's float activations, docs/xcheck.md "Numerics version 3").
set -eu
BUILD=${BUILD:-build}
XCHECK_DIR=${XCHECK_DIR:-}
LLAMA_QUANTIZE=${LLAMA_QUANTIZE:-${XCHECK_DIR:+$XCHECK_DIR/llama.cpp/build/bin/llama-quantize}}
OUT=${XCHECK_OUT:-$BUILD/xcheck}
VOCAB_DIR=${VOCAB_DIR:-../shared/vocab}
MODELS=${MODELS:-default smol135}
TYPES=${TYPES:-F16 Q8_0 Q6_K Q5_K_M Q4_K_M}
TEXT=${TEXT:-tools/xcheck/text.txt}
WINDOW=${WINDOW:-256}
THREADS=${THREADS:-2}
REF_TYPES=${REF_TYPES:-orig F16 Q8_0 Q4_K_M}
BIG_WINDOWS=${BIG_WINDOWS:-2}
NUMERICS=${NUMERICS:-1}

if [ -z "$XCHECK_DIR" ] || [ ! -d "$XCHECK_DIR/node_modules/node-llama-cpp" ]; then
    echo "xcheck: skipped: set XCHECK_DIR to a directory with node_modules/node-llama-cpp (docs/xcheck.md)"
    exit 0
fi
if [ -z "$LLAMA_QUANTIZE" ] || [ ! -x "$LLAMA_QUANTIZE" ]; then
    echo "xcheck: skipped: no llama-quantize at ${LLAMA_QUANTIZE:-XCHECK_DIR/llama.cpp/build/bin} (docs/xcheck.md)"
    exit 0
fi
command -v node >/dev/null || { echo "xcheck: skipped: no node"; exit 0; }
export NODE_PATH="$XCHECK_DIR/node_modules"
LMDUMP=$BUILD/tools/xcheck/lmdump
MKSHAPE=$BUILD/tools/xcheck/mkshape
mkdir -p "$OUT"

# the ids fed to both: llmz's tokens of TEXT (the default model's vocabulary), each window starting with the
# token of "\n" as llmz's coder starts its windows
$LMDUMP models/default.gguf --tokenize "$TEXT" > "$OUT/text.ids"
printf '\n' > "$OUT/nl.txt"
nl=$($LMDUMP models/default.gguf --tokenize "$OUT/nl.txt")
awk -v nl="$nl" -v w="$WINDOW" '{ if ((NR - 1) % (w - 1) == 0) print nl; print }' "$OUT/text.ids" > "$OUT/feed.ids"

make_base() { # $1 = model key: writes $OUT/$1-F16.gguf
    case $1 in
    default) $MKSHAPE "$OUT/default-F16.gguf" --copy models/default.gguf --pre gpt-2 --type f16 ;;
    smol135)
        [ -f "$VOCAB_DIR/ggml-vocab-gpt-2.gguf" ] || { echo "xcheck: no $VOCAB_DIR/ggml-vocab-gpt-2.gguf"; return 1; }
        $MKSHAPE "$OUT/smol135-F16.gguf" --tile models/default.gguf --vocab "$VOCAB_DIR/ggml-vocab-gpt-2.gguf" \
            --dim 576 --layers 30 --heads 9 --kv-heads 3 --ffn 1536 --ctx 8192 --theta 100000 \
            --name SmolLM2-135M-shaped ;;
    *) echo "xcheck: unknown model $1"; return 1 ;;
    esac
}

: > "$OUT/results.jsonl"
for m in $MODELS; do
    make_base "$m" || continue
    feed=$OUT/feed.ids
    if [ "$m" != default ]; then # the big shapes: BIG_WINDOWS windows (a machine of 2 cores takes minutes per file)
        head -n $((BIG_WINDOWS * WINDOW)) "$OUT/feed.ids" > "$OUT/feed-$m.ids"
        feed=$OUT/feed-$m.ids
    fi
    if [ "$m" = default ]; then # the file llmz ships (Q8_0), renamed pre only
        $MKSHAPE "$OUT/default-orig.gguf" --copy models/default.gguf --pre gpt-2 --type keep
        files="orig"
    else
        files=""
    fi
    for t in $TYPES; do
        [ "$t" = F16 ] || nice "$LLAMA_QUANTIZE" "$OUT/$m-F16.gguf" "$OUT/$m-$t.gguf" "$t" "$THREADS" \
            > "$OUT/$m-$t.quantize.log" 2>&1 || { echo "xcheck: llama-quantize $m $t failed"; continue; }
        files="$files $t"
    done
    for t in $files; do
        f=$OUT/$m-$t.gguf
        nice $LMDUMP "$f" --ids "$feed" --out "$OUT/llmz.f32" --window "$WINDOW" --threads "$THREADS" --numerics "$NUMERICS" \
            2> "$OUT/$m-$t.lmdump.log"
        refarg=""
        if echo " $REF_TYPES " | grep -q " $t "; then # the exact computation of this file's weights
            nice $LMDUMP "$f" --ids "$feed" --out "$OUT/ref.f32" --window "$WINDOW" --float \
                2>> "$OUT/$m-$t.lmdump.log"
            refarg="--ref $OUT/ref.f32"
        fi
        textargs=""
        if [ "$m" = default ]; then
            textargs="--text $TEXT --llmz-ids $OUT/text.ids"
        else # its own vocabulary: both tokenizers on TEXT (the fed ids stay the default model's, see docs)
            $LMDUMP "$f" --tokenize "$TEXT" > "$OUT/$m.text.ids" 2>/dev/null &&
                textargs="--text $TEXT --llmz-ids $OUT/$m.text.ids"
        fi
        # shellcheck disable=SC2086
        nice node tools/xcheck/xcheck.mjs --model "$f" --ids "$feed" --logits "$OUT/llmz.f32" \
            --window "$WINDOW" --threads "$THREADS" --label "$m $t" --json "$OUT/$m-$t.json" $refarg $textargs
        cat "$OUT/$m-$t.json" | tr -d '\n' >> "$OUT/results.jsonl"
        echo >> "$OUT/results.jsonl"
        rm -f "$OUT/llmz.f32" "$OUT/ref.f32"
    done
done
node tools/xcheck/table.mjs "$OUT/results.jsonl" > "$OUT/results.md"
echo "xcheck: table in $OUT/results.md"
cat "$OUT/results.md"
