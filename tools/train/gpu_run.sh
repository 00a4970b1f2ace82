#!/bin/sh
# One prepared script for a lent GPU machine (see README "Training"): the token files are carried inside
# the tree in carry/ (ignored by git, <= 64 MiB, xz-compressed); runs train.py on CUDA with bf16 autocast.
set -eu
mkdir -p /tmp/llmz && cd "$(dirname "$0")/../.."
for f in carry/*.u16.xz; do xz -dc "$f" > "/tmp/llmz/$(basename "${f%.xz}")"; done
python3 tools/train/train.py --data /tmp/llmz/train_sample.u16 --valid /tmp/llmz/valid_1m.u16 \
    --out "${OUT:-runs/gpu}" --steps "${STEPS:-20000}" --batch 64 --dim 384 --layers 6 --heads 6 --ffn 1024 \
    --eval-every 1000 "$@"
