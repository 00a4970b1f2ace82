#!/bin/sh
# make adapters -- train the LoRA domain adapters of the default model and export them to models/adapters/
# (models/README.md, "Adapters").  Long: about 10 minutes per adapter on 2 CPU cores with the defaults below,
# far less on a GPU.  Needs PyTorch (Debian's python3-torch via /usr/bin/python3, or 2.x with CUDA),
# python3-numpy, the corpus in ../shared/corpus and the default model's checkpoint (BASE_PT, made by
# `make model`; the GGUF it was exported to must be models/default.gguf: the adapters name its SHA-256).
set -eu
PY=${PY:-/usr/bin/python3}
SHARED=${SHARED:-../shared}
WORK=${WORK:-data}
RUN=${RUN:-runs/adapters}
BASE_PT=${BASE_PT:-runs/default/phase2/best.pt}
STEPS=${STEPS:-300}
BUDGET=${BUDGET:-600}
LR=${LR:-2e-3}
DOMAINS=${DOMAINS:-c code docs data}
T=tools/train
mkdir -p "$WORK/adapt" "$RUN" models/adapters
[ -f "$WORK/train.txt" ] || xz -dc -T2 "$SHARED/corpus/train_mix_v1.txt.xz" > "$WORK/train.txt"
[ -f "$WORK/adapt/c.train.txt" ] || $PY $T/domains.py "$WORK/train.txt" "$WORK/adapt"
for d in $DOMAINS; do
    for s in train valid; do
        [ -f "$WORK/adapt/$d.$s.u16" ] || $PY $T/prepare.py $T/merges4096.txt "$WORK/adapt/$d.$s.txt" "$WORK/adapt/$d.$s.u16"
    done
    $PY $T/lora.py --base "$BASE_PT" --data "$WORK/adapt/$d.train.u16" --valid "$WORK/adapt/$d.valid.u16" \
        --out "$RUN/$d.pt" --steps "$STEPS" --time-budget "$BUDGET" --lr "$LR" --eval-every 25 --eval-tokens 65536
    case $d in
    c) desc="C code (Linux kernel sources)" ;;
    code) desc="Go and Python code (standard libraries)" ;;
    docs) desc="technical documentation (reStructuredText, POD, man pages)" ;;
    data) desc="dictionaries and structured data (GCIDE, WordNet, Unicode tables, JSON)" ;;
    *) desc=$d ;;
    esac
    $PY $T/export_lora.py "$RUN/$d.pt" models/default.gguf "models/adapters/$d.gguf" --name "$d" --description "$desc"
done
make llmz
./llmz -V
