#!/bin/sh
# Model v3 (issue 25, Part B): one prepared script for one lent GPU (H100/H200), one call of at most 10
# minutes, about 15 minutes of device time with the machine's start.  See models/README.md, "Model v3".
#
# Needs carry/ from tools/corpus/carry.sh (train.u16.xz, parts.tsv, valid*.u16.xz, merges.txt).
#   phase 1  the default-model candidates and the larger --best model side by side for P1 seconds
#   phase 2  LoRA adapters of the first candidate for the weak domains (ADAPT), side by side, P2 seconds
#   then     per-domain evaluation of every checkpoint (eval_domains.py), GGUF export of each model/adapter
# Results go to $OUT (or runs/gpu3): NAME.gguf, NAME.pt (small models only), NAME.log, eval.md,
# adapters/DOMAIN.gguf, adapters/DOMAIN.log.  Everything is written as soon as it exists, so a run cut short
# still returns what it made.
#
# usage: tools/train/gpu_run_v3.sh [P1_SECONDS [P2_SECONDS]]
#   env: MODELS (NAME:LAYERS:DIM:HEADS:FFN ...), ADAPT (parts.tsv part names), BATCH, LR, LR_BIG, PY, PROBE,
#        EVAL_EVERY, EVAL_TOKENS (train.py), EVAL_DOMAIN_TOKENS (eval_domains.py), INIT_DIR (a later session:
#        continue model NAME from INIT_DIR/NAME.pt, e.g. a previous run's NAME.pt carried in carry/)
# Default budget: 360 + 60 s of training, about 530 s in all (start-up, exports, evaluation), under the 600 s
# a device command may run.
set -eu
P1=${1:-360}
P2=${2:-60}
MODELS=${MODELS:-"v3a:4:192:3:512 v3b:5:192:3:512 best:8:512:8:1408"}
ADAPT=${ADAPT:-"js json changelog"}
BATCH=${BATCH:-256}
LR=${LR:-3e-3}
PY=${PY:-python3}
PROBE=${PROBE:-60}
EVAL_EVERY=${EVAL_EVERY:-500}
EVAL_TOKENS=${EVAL_TOKENS:-262144}
OUTD=${OUT:-runs/gpu3}
TMP=${TMPDIR:-/tmp}/llmz-gpu3
T=tools/train
cd "$(dirname "$0")/../.."
mkdir -p "$TMP" "$OUTD/adapters"
t0=$(date +%s)
say() { echo "[$(($(date +%s) - t0))s] $*"; }
for f in carry/train.u16.xz carry/valid.u16.xz; do
    [ -f "$f" ] || { echo "missing $f: run tools/corpus/carry.sh first" >&2; exit 2; }
done
for f in carry/*.u16.xz; do
    b=$(basename "$f" .xz)
    [ -f "$TMP/$b" ] || xz -dc -T0 "$f" > "$TMP/$b"
done
MERGES=carry/merges.txt
VOCAB=$(($(grep -c . "$MERGES") + 256))
say "vocab $VOCAB, $(($(stat -c %s "$TMP/train.u16") / 2)) training tokens"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true

# phase 1: candidates side by side
pids=""
for m in $MODELS; do
    IFS=: read -r name L D H F <<EOF
$m
EOF
    lr=$LR
    init=""
    if [ -n "${INIT_DIR:-}" ] && [ -f "$INIT_DIR/$name.pt" ]; then init="--init $INIT_DIR/$name.pt"; fi
    [ "$D" -ge 384 ] && lr=${LR_BIG:-1.5e-3}
    $PY $T/train.py --data "$TMP/train.u16" --valid "$TMP/valid.u16" --out "$TMP/$name" --vocab "$VOCAB" \
        --layers "$L" --dim "$D" --heads "$H" --ffn "$F" --batch "$BATCH" --lr "$lr" --warmup 300 \
        --steps 1000000 --time-budget "$P1" --probe-steps "$PROBE" --eval-every "$EVAL_EVERY" \
        --eval-tokens "$EVAL_TOKENS" --compile $init > "$TMP/$name.stdout" 2>&1 &
    pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
say "phase 1 done (rc $rc)"
first=""
for m in $MODELS; do
    name=${m%%:*}
    [ -n "$first" ] || first=$name
    cp "$TMP/$name.stdout" "$OUTD/$name.log"
    tail -n 2 "$OUTD/$name.log"
    [ -f "$TMP/$name/best.pt" ] || { rc=1; continue; }
    $PY $T/export_gguf.py "$TMP/$name/best.pt" "$MERGES" "$OUTD/$name.gguf" --name "llmz-$name" || rc=1
    # the larger model's weights (120+ MB in fp32) stay on the machine; its GGUF comes back
    if [ "$(stat -c %s "$TMP/$name/best.pt")" -lt 40000000 ]; then cp "$TMP/$name/best.pt" "$OUTD/$name.pt"; fi
done
say "exported"

# phase 2: LoRA adapters of the first candidate, one per weak domain, side by side
if [ "$P2" -gt 0 ] && [ -f "$TMP/$first/best.pt" ]; then
    pids=""
    for d in $ADAPT; do
        line=$(awk -v d="$d" '$1 == d' carry/parts.tsv)
        [ -n "$line" ] || { say "no part $d in parts.tsv"; continue; }
        set -- $line
        [ "$3" -ge 100000 ] || { say "part $d has $3 tokens: no adapter"; continue; }
        # the part's tokens (of the training sample): all but its last 65,536 for training, those for validation
        $PY - "$TMP/train.u16" "$2" "$3" "$TMP/ad_$d" <<'EOF'
import sys
import numpy as np
t = np.memmap(sys.argv[1], dtype=np.uint16, mode="r")
off, n, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
v = min(65536, n // 5)
np.array(t[off:off + n - v]).tofile(out + ".train.u16")
np.array(t[off + n - v:off + n]).tofile(out + ".valid.u16")
EOF
        $PY $T/lora.py --base "$TMP/$first/best.pt" --data "$TMP/ad_$d.train.u16" --valid "$TMP/ad_$d.valid.u16" \
            --out "$TMP/ad_$d.pt" --time-budget "$P2" --batch 64 --lr 2e-3 --eval-every 50 --eval-tokens 65536 \
            > "$OUTD/adapters/$d.log" 2>&1 &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || rc=1; done
    for d in $ADAPT; do
        cat "$TMP/ad_$d.log" >> "$OUTD/adapters/$d.log" 2>/dev/null || true
        [ -f "$TMP/ad_$d.pt" ] || continue
        $PY $T/export_lora.py "$TMP/ad_$d.pt" "$OUTD/$first.gguf" "$OUTD/adapters/$d.gguf" --name "$d" \
            --description "corpus v2 domain $d" || rc=1
        tail -n 1 "$OUTD/adapters/$d.log"
    done
    say "adapters done"
fi

# per-domain evaluation of every checkpoint
cks=""
for m in $MODELS; do
    name=${m%%:*}
    [ -f "$TMP/$name/best.pt" ] && cks="$cks $TMP/$name/best.pt"
done
[ -z "$cks" ] || $PY tools/corpus/eval_domains.py carry "$TMP/train.u16" $cks > "$OUTD/eval.md" || rc=1
cat "$OUTD/eval.md" 2>/dev/null || true
say "all done (rc $rc)"
exit $rc
