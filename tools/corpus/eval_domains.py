#!/usr/bin/python3
"""Per-domain validation of trained checkpoints (gpu_run_v3.sh runs it after training).

usage: eval_domains.py CARRY_DIR TRAIN.u16 CKPT.pt [CKPT.pt ...]     (env EVAL_DOMAIN_TOKENS, default 65536)

Prints, per checkpoint, nats/token and bits/byte on each held-out text in CARRY_DIR (valid.u16.xz = prose,
valid_NAME.u16.xz) and on the last 65,536 tokens of each part of the training sample (parts.tsv: in the
training data, so a fit measure, not held out).  Bits/byte use the bytes/token of the text itself.  PyTorch
evaluation (fresh 256-token windows), so it reads slightly worse than the C runtime's sliding window.
"""
import lzma
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from model import LM, Config  # noqa: E402
from train import amp_for, evaluate  # noqa: E402
import llmztok  # noqa: E402

TOKENS = int(os.environ.get("EVAL_DOMAIN_TOKENS", "65536"))


def main():
    carry, train_path, ckpts = sys.argv[1], sys.argv[2], sys.argv[3:]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    amp = amp_for(device)
    merges = os.path.join(carry, "merges.txt")
    with open(merges) as f:
        tok = llmztok.Tokenizer([tuple(int(x) for x in ln.split()) for ln in f if ln.strip()])
    texts = []
    for f in sorted(os.listdir(carry)):
        if f.startswith("valid") and f.endswith(".u16.xz"):
            with lzma.open(os.path.join(carry, f)) as z:
                d = np.frombuffer(z.read(), dtype=np.uint16)
            name = "heldout:" + (f[6:-7] or "prose") if f != "valid.u16.xz" else "heldout:prose"
            texts.append((name, d[:TOKENS + 1]))
    train = np.memmap(train_path, dtype=np.uint16, mode="r")
    with open(os.path.join(carry, "parts.tsv")) as f:
        for ln in f:
            name, off, n, _ = ln.split("\t")
            off, n = int(off), int(n)
            k = min(n, TOKENS + 1)
            texts.append(("train:" + name, np.array(train[off + n - k:off + n])))
    for ck in ckpts:
        st = torch.load(ck, map_location=device)
        cfg = Config(**st["cfg"])
        model = LM(cfg).to(device)
        model.load_state_dict(st["model"])
        print(f"## {ck}: {cfg.as_dict()} step {st.get('step')} valid {st.get('valid')}")
        print("| text | tokens | bytes/token | nats/token | bits/byte |\n|---|---:|---:|---:|---:|")
        for name, d in texts:
            if len(d) <= cfg.ctx + 1:
                continue
            nll = evaluate(model, d, cfg.ctx, device, len(d) - 1, amp)
            bpt = len(tok.decode(d[:(len(d) - 1) // cfg.ctx * cfg.ctx].tolist())) / ((len(d) - 1) // cfg.ctx * cfg.ctx)
            print(f"| {name} | {len(d) - 1} | {bpt:.3f} | {nll:.4f} | {nll / math.log(2) / bpt:.3f} |", flush=True)


if __name__ == "__main__":
    main()
