#!/usr/bin/python3
"""Write the held-out evaluation texts of corpus v2 (never trained on).

usage: heldout.py OUT_DIR [--cap BYTES]

  npm-js.txt, npm-json.txt, npm-markdown.txt   the installed npm package and everything it bundles
                                               (/usr/lib/node_modules/npm), by extension
  changelog.txt                                Debian changelogs of this machine's installed packages
                                               (/usr/share/doc/*/changelog*, gunzipped)
  prose.txt                                    the first CAP bytes of ../shared/corpus/valid_prose.txt
Each is at most CAP bytes (default 1,000,000), files in sorted path order, joined as build.py joins them.
build.py keeps all of these out of corpus v2 (heldout_*.txt in its output list the names).  /var/log is
never read.
"""
import argparse
import gzip
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import domains  # noqa: E402

NPM = "/usr/lib/node_modules/npm"


def walk(root):
    for dp, dn, fn in os.walk(root):
        dn.sort()
        for f in sorted(fn):
            yield os.path.join(dp, f)


def take(paths, cap, opener=open):
    out, n = [], 0
    for p in paths:
        try:
            with opener(p, "rb") as f:
                b = f.read()
            b.decode("utf-8")
        except (OSError, UnicodeDecodeError, EOFError):
            continue
        if b"\0" in b or len(b) < 64:
            continue
        chunk = f"===== FILE: {p.lstrip('/')} =====\n".encode() + b + (b"" if b.endswith(b"\n") else b"\n")
        if n + len(chunk) > cap:
            chunk = chunk[:chunk.rfind(b"\n", 0, cap - n) + 1]
        out.append(chunk)
        n += len(chunk)
        if n >= cap:
            break
    return b"".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cap", type=int, default=1_000_000)
    ap.add_argument("--valid", default="../shared/corpus/valid_prose.txt")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    files = list(walk(NPM))
    sets = {
        "npm-js": [p for p in files if domains.ext_of(os.path.basename(p)) in (".js", ".mjs", ".cjs")],
        "npm-json": [p for p in files if p.endswith(".json")],
        "npm-markdown": [p for p in files if p.lower().endswith(".md")],
    }
    for name, paths in sets.items():
        with open(os.path.join(a.out, name + ".txt"), "wb") as f:
            f.write(take(paths, a.cap))
    logs = sorted(os.path.join(dp, f) for dp, _, fn in os.walk("/usr/share/doc") for f in fn
                  if domains.is_changelog(f))
    with open(os.path.join(a.out, "changelog.txt"), "wb") as f:
        f.write(take(logs, a.cap, lambda p, m: gzip.open(p, m) if p.endswith(".gz") else open(p, m)))
    with open(a.valid, "rb") as f, open(os.path.join(a.out, "prose.txt"), "wb") as o:
        b = f.read(a.cap)
        o.write(b[:b.rfind(b"\n") + 1])
    for n in sorted(os.listdir(a.out)):
        print(f"{n:20s} {os.path.getsize(os.path.join(a.out, n)):10,d} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
