#!/usr/bin/python3
"""Plot a train.py log (validation bits per byte against training tokens) to a PNG.

usage: plot_loss.py LOG.txt OUT.png BYTES_PER_TOKEN
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    log, out, bpt = sys.argv[1], sys.argv[2], float(sys.argv[3])
    steps, tr, va, toks = [], [], [], []
    for line in open(log):
        if not line.startswith("step "):
            continue
        f = line.split()
        d = dict(zip(f[0::2], f[1::2]))
        steps.append(int(d["step"]))
        tr.append(float(d["train"]) / 0.6931471805599453 / bpt)
        va.append(float(d["valid"]) / 0.6931471805599453 / bpt)
        toks.append(int(d["step"]) * 16 * 256 / 1e6)
    plt.figure(figsize=(6, 4))
    plt.plot(toks, tr, label="train batch", alpha=0.5)
    plt.plot(toks, va, label="valid_prose (first 1 MB)")
    plt.xlabel("training tokens (millions)")
    plt.ylabel("bits per byte (PyTorch, float)")
    plt.title("llmz default model")
    plt.grid(alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
