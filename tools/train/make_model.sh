#!/bin/sh
# make model -- retrain the default model from scratch with the llmz-default-v2 recipe (models/README.md).
# Long: 2.3 billion training tokens, about 11 minutes on one H200 GPU, days on 2 CPU cores (set PHASE1/PHASE2
# to fewer steps there).  Needs PyTorch (Debian's python3-torch, run with /usr/bin/python3, or PyTorch 2.x
# with CUDA), python3-numpy, libopenblas0-pthread on CPU, xz-utils, and the corpus in ../shared/corpus.
# Fixed seeds throughout.  Data goes to $WORK (default data/), runs to $RUN (default runs/default),
# the model to models/default.gguf.
set -eu
PY=${PY:-/usr/bin/python3}
SHARED=${SHARED:-../shared}
WORK=${WORK:-data}
RUN=${RUN:-runs/default}
PHASE1=${PHASE1:-14891}
PHASE2=${PHASE2:-20002}
T=tools/train
mkdir -p "$WORK" "$RUN" models
[ -f "$WORK/train.txt" ] || xz -dc -T2 "$SHARED/corpus/train_mix_v1.txt.xz" > "$WORK/train.txt"
# 1. tokenizer: BPE merges from a 16 MB sample spread over the whole mix (committed as tools/train/merges4096.txt)
[ -f "$WORK/bpe_sample.txt" ] || $PY $T/sample.py "$WORK/train.txt" "$WORK/bpe_sample.txt" 16000000
[ -f "$WORK/merges.txt" ] || $PY $T/bpe_train.py "$WORK/bpe_sample.txt" 4096 "$WORK/merges.txt"
# 2. training tokens: a 200 MB sample in 4000 slices; validation: first 1 MB of valid_prose.txt
[ -f "$WORK/gpu_sample.txt" ] || $PY $T/sample.py "$WORK/train.txt" "$WORK/gpu_sample.txt" 200000000 4000
head -c 1000000 "$SHARED/corpus/valid_prose.txt" > "$WORK/valid_1m.txt"
[ -f "$WORK/gpu_sample.u16" ] || $PY $T/prepare.py "$WORK/merges.txt" "$WORK/gpu_sample.txt" "$WORK/gpu_sample.u16"
[ -f "$WORK/valid_1m.u16" ] || $PY $T/prepare.py "$WORK/merges.txt" "$WORK/valid_1m.txt" "$WORK/valid_1m.u16"
# 3. train: phase 1 at lr 3e-3, phase 2 continues from phase 1's best weights at lr 6e-4 (fresh optimizer)
COMMON="--valid $WORK/valid_1m.u16 --batch 256 --warmup 300 --eval-every 500 --eval-tokens 262144 --compile"
$PY $T/train.py --data "$WORK/gpu_sample.u16" $COMMON --out "$RUN/phase1" --steps "$PHASE1" --lr 3e-3 --resume
$PY $T/train.py --data "$WORK/gpu_sample.u16" $COMMON --out "$RUN/phase2" --steps "$PHASE2" --lr 6e-4 \
    --init "$RUN/phase1/best.pt" --resume
# 4. export the best checkpoint and evaluate it with the C runtime
$PY $T/export_gguf.py "$RUN/phase2/best.pt" "$WORK/merges.txt" models/default.gguf --name llmz-default-v2
make llmz
./llmz -v -c --model models/default.gguf "$SHARED/corpus/valid_prose.txt" > /dev/null
