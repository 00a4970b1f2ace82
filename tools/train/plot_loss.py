#!/usr/bin/python3
"""Plot train.py logs (validation bits per byte against training tokens) to a PNG.

usage: plot_loss.py OUT.png VALID_BYTES_PER_TOKEN TRAIN_BYTES_PER_TOKEN LOG [LOG ...]

(bytes per token of the validation and of the training text turn nats per token into bits per byte)

The logs are consecutive phases of one model (a run continued with --init or --resume): their token counts
are added up along the x axis, and a dotted line marks where each later phase starts.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LN2 = 0.6931471805599453


def read(log):
    rows = []
    for line in open(log):
        if line.startswith("step "):
            f = line.split()
            d = dict(zip(f[0::2], f[1::2]))
            rows.append((int(d["tokens"]), float(d["train"]), float(d["valid"])))
    return rows


def main():
    out, bpt, tbpt, logs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
    toks, tr, va, starts = [], [], [], []
    base = 0
    for i, log in enumerate(logs):
        rows = read(log)
        if i:
            starts.append(base / 1e6)
        for t, a, b in rows:
            toks.append((base + t) / 1e6)
            tr.append(a / LN2 / tbpt)
            va.append(b / LN2 / bpt)
        if rows:
            base += rows[-1][0]
    plt.figure(figsize=(6, 4))
    plt.plot(toks, tr, label="train batch", alpha=0.5)
    plt.plot(toks, va, label="valid_prose (first 1 MB)")
    for s in starts:
        plt.axvline(s, linestyle=":", color="grey")
    plt.xlabel("training tokens (millions)")
    plt.ylabel("bits per byte (PyTorch, bf16)")
    plt.title("llmz default model")
    plt.grid(alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
