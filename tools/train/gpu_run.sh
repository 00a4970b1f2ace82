#!/bin/sh
# One prepared script for a lent GPU machine (see models/README.md): trains several candidate models side by
# side on the one GPU, each for the same wall-clock budget, then exports each best checkpoint to GGUF.
#
# The token files travel inside the tree in carry/ (ignored by git, <= 64 MiB, xz-compressed):
#   carry/train.u16.xz  (tools/train/sample.py 200 MB in 4000 slices of the mix, tokenized by prepare.py)
#   carry/valid.u16.xz  (first 1 MB of valid_prose.txt, tokenized)
# Results go to $OUT (or runs/gpu): <name>.gguf, <name>.pt (best weights), <name>.log.
#
# usage: tools/train/gpu_run.sh [BUDGET_SECONDS]     candidates: NAME:LAYERS:DIM:HEADS:FFN in $MODELS
set -eu
BUDGET=${1:-420}
MODELS=${MODELS:-"l4:4:192:3:512 l5:5:192:3:512 l6:6:192:3:512"}
BATCH=${BATCH:-256}
LR=${LR:-3e-3}
PY=${PY:-python3}
INIT=${INIT:-}          # optional: continue from these weights (tools/train/train.py --init)
OUTD=${OUT:-runs/gpu}
TMP=${TMPDIR:-/tmp}/llmz-gpu
cd "$(dirname "$0")/../.."
mkdir -p "$TMP" "$OUTD"
for f in carry/train.u16.xz carry/valid.u16.xz; do
    b=$(basename "$f" .xz)
    [ -f "$TMP/$b" ] || xz -dc -T0 "$f" > "$TMP/$b"
done
export PYTHONUNBUFFERED=1
pids=""
for m in $MODELS; do
    IFS=: read -r name L D H F <<EOF
$m
EOF
    $PY tools/train/train.py --data "$TMP/train.u16" --valid "$TMP/valid.u16" --out "$TMP/$name" \
        --layers "$L" --dim "$D" --heads "$H" --ffn "$F" --batch "$BATCH" --lr "$LR" --warmup 300 \
        --steps 1000000 --time-budget "$BUDGET" --eval-every 500 --eval-tokens 262144 --compile \
        ${INIT:+--init "$INIT"} > "$TMP/$name.stdout" 2>&1 &
    pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
for m in $MODELS; do
    name=${m%%:*}
    cat "$TMP/$name.stdout" > "$OUTD/$name.log"
    if [ -f "$TMP/$name/best.pt" ]; then
        cp "$TMP/$name/best.pt" "$OUTD/$name.pt"
        $PY tools/train/export_gguf.py "$TMP/$name/best.pt" tools/train/merges4096.txt "$OUTD/$name.gguf" || rc=1
    fi
    tail -n 3 "$OUTD/$name.log"
done
exit $rc
