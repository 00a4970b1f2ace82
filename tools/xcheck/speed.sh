#!/bin/sh
# speed.sh -- llmz against llama.cpp on one GGUF, same machine, same run, same threads (docs/xcheck.md, "Speed").
#
#   XCHECK_DIR=DIR sh tools/xcheck/speed.sh [MODEL.gguf]     (default: $XCHECK_OUT/smol135-Q8_0.gguf of run.sh)
#
# llmz: compression and decompression of TEXT (-T THREADS, --model MODEL; the output is checked), KB/s and
# tokens/s; llama.cpp (tools/xcheck/speed.mjs): prompt processing in batches of 256 (logits for the last id, and
# for every id) and token-by-token generation.  Peak memory (max RSS) of each process from /usr/bin/time.
# REPEAT rounds (default 3), the tools taking turns, so that the load of a shared machine falls on all alike;
# the load average is printed with each round.  Variables: BUILD, XCHECK_OUT, TEXT, THREADS ("2 1": each round
# runs every count), REPEAT.
set -eu
BUILD=${BUILD:-build}
OUT=${XCHECK_OUT:-$BUILD/xcheck}
MODEL=${1:-$OUT/smol135-Q8_0.gguf}
TEXT=${TEXT:-tools/xcheck/text.txt}
THREADS=${THREADS:-2 1}
REPEAT=${REPEAT:-3}
XCHECK_DIR=${XCHECK_DIR:-}
if [ -z "$XCHECK_DIR" ] || [ ! -d "$XCHECK_DIR/node_modules/node-llama-cpp" ] || ! command -v node >/dev/null; then
    echo "speed: skipped: set XCHECK_DIR to a directory with node_modules/node-llama-cpp (docs/xcheck.md)"
    exit 0
fi
[ -f "$MODEL" ] || { echo "speed: no $MODEL (run tools/xcheck/run.sh first)"; exit 1; }
[ -x /usr/bin/time ] || { echo "speed: needs /usr/bin/time (Debian package time)"; exit 1; }
export NODE_PATH="$XCHECK_DIR/node_modules"
LLMZ=$BUILD/llmz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
size=$(wc -c < "$TEXT")
toks=$("$BUILD/tools/xcheck/lmdump" "$MODEL" --tokenize "$TEXT" | wc -l) # llmz's tokens of TEXT
echo "speed: $MODEL, $TEXT ($size bytes, $toks tokens), threads $THREADS, $(nproc) cores"
echo "| round | threads | load avg | llmz compress KB/s | tokens/s | MB | llmz decompress KB/s | tokens/s | MB |" \
     "llama.cpp pp tokens/s | pp all logits | generation tokens/s | MB (node) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
r=1
while [ "$r" -le "$REPEAT" ]; do
  for th in $THREADS; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %M' -o "$tmp/c.time" "$LLMZ" -q -f --model "$MODEL" -T "$th" -c "$TEXT" > "$tmp/a.llmz"
    # no memory limit: a 135M model's frame needs 1.2 GiB to decode, more than the default 1 GiB
    /usr/bin/time -f '%e %M' -o "$tmp/d.time" "$LLMZ" -q -d --memlimit=0 --model "$MODEL" -T "$th" -c "$tmp/a.llmz" \
        > "$tmp/b"
    cmp -s "$tmp/b" "$TEXT" || { echo "speed: round trip failed"; exit 1; }
    /usr/bin/time -f '%e %M' -o "$tmp/n.time" node tools/xcheck/speed.mjs --model "$MODEL" --text "$TEXT" \
        --threads "$th" > "$tmp/n.json"
    node -e '
        const fs = require("fs");
        const [c, d, n] = ["c", "d", "n"].map((k) => fs.readFileSync(process.argv[1] + "/" + k + ".time", "utf8")
            .trim().split(/\s+/).map(Number));
        const j = JSON.parse(fs.readFileSync(process.argv[1] + "/n.json", "utf8"));
        const size = Number(process.argv[2]), toks = Number(process.argv[3]), f = (x) => x.toFixed(1);
        console.log(`| ${process.argv[4]} | ${process.argv[6]} | ${process.argv[5]} | ${f(size / 1000 / c[0])} | ` +
                    `${f(toks / c[0])} | ` +
                    `${f(c[1] / 1024)} | ${f(size / 1000 / d[0])} | ${f(toks / d[0])} | ${f(d[1] / 1024)} | ` +
                    `${f(j.pp_tok_s)} | ${f(j.pp_all_tok_s)} | ${f(j.tg_tok_s)} | ${f(n[1] / 1024)} |`);
    ' "$tmp" "$size" "$toks" "$r" "$load" "$th"
  done
  r=$((r + 1))
done
