#!/bin/sh
# Prepare carry/ for tools/train/gpu_run_v3.sh (models/README.md, "Model v3"): the mixed training sample of
# train_mix_v1 + corpus v2, tokenized with the v3 merges, xz-compressed, within the 64 MiB that travels with the
# tree to the GPU machine.  CPU only (pure Python tokenizer: about 1 MB/s a core; run it under nice).
#
#   carry/train.u16.xz       the sample (mix.py TOTAL bytes, V1_SHARE from train_mix_v1), part after part
#   carry/parts.tsv          part, token offset, tokens, bytes (the domains inside train.u16)
#   carry/valid.u16.xz       first 1 MB of valid_prose.txt (held out): picks checkpoints, as for v2
#   carry/valid_NAME.u16.xz  held-out texts of heldout.py (npm-js, npm-json, npm-markdown, changelog)
#
# usage: tools/corpus/carry.sh [TOTAL_BYTES]      (env: V2, HELDOUT, MERGES, V1, V1_SHARE, WORK, LIMIT_MIB)
set -eu
cd "$(dirname "$0")/../.."
TOTAL=${1:-200000000}
V1=${V1:-../shared/corpus/train_mix_v1.txt.xz}
V2=${V2:-/work/corpus-data/v2}
HELDOUT=${HELDOUT:-/work/corpus-data/heldout}
MERGES=${MERGES:-tools/train/merges_v3.txt}
V1_SHARE=${V1_SHARE:-0.5}
WORK=${WORK:-data/v3}
LIMIT_MIB=${LIMIT_MIB:-64}
PY=${PY:-/usr/bin/python3}
C=tools/corpus
mkdir -p "$WORK" carry
[ -f "$HELDOUT/prose.txt" ] || $PY $C/heldout.py "$HELDOUT"
$PY $C/mix.py "$V1" "$V2" "$WORK/sample.txt" "$TOTAL" --v1-share "$V1_SHARE"
$PY $C/tokenize_parts.py "$MERGES" "$WORK/sample.txt" "$WORK/train.u16" carry/parts.tsv
xz -9 -T2 -c "$WORK/train.u16" > carry/train.u16.xz
for n in prose npm-js npm-json npm-markdown changelog; do
    cp "$HELDOUT/$n.txt" "$WORK/valid_$n.txt"
    $PY $C/tokenize_parts.py "$MERGES" "$WORK/valid_$n.txt" "$WORK/valid_$n.u16" /dev/null
    dst=carry/valid_$n.u16.xz
    [ "$n" = prose ] && dst=carry/valid.u16.xz
    xz -9 -c "$WORK/valid_$n.u16" > "$dst"
done
rm -f carry/valid_prose.u16.xz
cp "$MERGES" carry/merges.txt
ls -l carry
total=$(du -cb carry/* | tail -n 1 | cut -f1)
echo "carry/: $total bytes (limit $LIMIT_MIB MiB)"
if [ "$total" -gt $((LIMIT_MIB * 1048576)) ]; then
    echo "carry/ is over $LIMIT_MIB MiB: lower TOTAL_BYTES" >&2
    exit 1
fi
