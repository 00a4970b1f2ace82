#!/bin/sh
# make model -- retrain the default model from scratch (hours on 2 CPU cores; minutes on a GPU).
# Needs Debian's python3-torch (run with /usr/bin/python3), python3-numpy, libopenblas0-pthread, xz-utils,
# and the corpus in ../shared/corpus.  Fixed seeds throughout.  Outputs go to $WORK (default data/),
# the run to runs/default/, the model to models/default.gguf.
set -eu
PY=${PY:-/usr/bin/python3}
SHARED=${SHARED:-../shared}
WORK=${WORK:-data}
RUN=${RUN:-runs/default}
STEPS=${STEPS:-3400}
VOCAB=${VOCAB:-4096}
T=tools/train
mkdir -p "$WORK" "$RUN" models
[ -f "$WORK/train.txt" ] || xz -dc -T2 "$SHARED/corpus/train_mix_v1.txt.xz" > "$WORK/train.txt"
# 1. tokenizer: BPE merges from a 16 MB sample spread over the whole mix
[ -f "$WORK/bpe_sample.txt" ] || $PY $T/sample.py "$WORK/train.txt" "$WORK/bpe_sample.txt" 16000000
[ -f "$WORK/merges.txt" ] || $PY $T/bpe_train.py "$WORK/bpe_sample.txt" "$VOCAB" "$WORK/merges.txt"
# 2. training tokens: a 60 MB sample in 3000 slices; validation: first 1 MB of valid_prose.txt
[ -f "$WORK/train_sample.txt" ] || $PY $T/sample.py "$WORK/train.txt" "$WORK/train_sample.txt" 60000000 3000
head -c 1000000 "$SHARED/corpus/valid_prose.txt" > "$WORK/valid_1m.txt"
[ -f "$WORK/train_sample.u16" ] || $PY $T/prepare.py "$WORK/merges.txt" "$WORK/train_sample.txt" "$WORK/train_sample.u16"
[ -f "$WORK/valid_1m.u16" ] || $PY $T/prepare.py "$WORK/merges.txt" "$WORK/valid_1m.txt" "$WORK/valid_1m.u16"
# 3. train (resumes from $RUN/ckpt.pt if present)
$PY $T/train.py --data "$WORK/train_sample.u16" --valid "$WORK/valid_1m.u16" --out "$RUN" --steps "$STEPS" --resume
# 4. export the best checkpoint and evaluate it with the C runtime
$PY $T/export_gguf.py "$RUN/best.pt" "$WORK/merges.txt" models/default.gguf
make llmz
./llmz -v -c --model models/default.gguf "$SHARED/corpus/valid_prose.txt" > /dev/null
