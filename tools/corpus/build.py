#!/usr/bin/python3
"""Build llmz's corpus v2 from pinned Debian and npm packages (issue 25, Part A).

usage: build.py [--cache DIR] [--out DIR] [--only N] [--no-fetch] [--v1 TRAIN_MIX_V1.txt.xz] [--bench DIR ...]

Steps, each deterministic (sorted inputs, hash-based order, no randomness):
  1. fetch    debian.txt (package=version) with `apt-get download`, npm.txt (name@version) with `npm pack`,
              into the cache (a file already there is not fetched again).
  2. held out the npm package and every package it bundles (names read from the installed npm's
              node_modules), and the changelogs of every Debian package installed on this machine
              (`dpkg-query -W`: binary and source names, any version).  /var/log is never read.
  3. extract  every regular file of each .deb / .tgz (and .gz members, and the .zip inside openjdk's source
              package); binaries are skipped (a NUL byte, or not UTF-8); each file gets a domain (domains.py).
  4. filter   exact duplicates (sha256 of the text with CRLF -> LF and trailing blanks stripped), files whose
              significant lines are mostly already in train_mix_v1 or in the files kept before them
              (near-duplicates, see NEAR below), and files sharing 12-word shingles with ../shared/bench or
              valid_prose.txt (decontamination, see BENCH_HITS below).
  5. write    OUT/<domain>.txt (files joined with "===== FILE: source/path =====" lines), OUT/MANIFEST.md
              (sources with version, licence, files and bytes kept; sizes per domain; what was dropped and why),
              OUT/manifest.tsv, OUT/SHA256SUMS (per domain and of their concatenation in domain order).

Files are visited in the order of sha256(source/path), so that a domain's byte cap (domains.CAP) keeps an
even spread of its sources rather than the alphabetically first; one source may fill at most SOURCE_SHARE of
a domain.
"""
import argparse
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import domains  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_FILE = 2 << 20          # a longer file is cut at a line break after 2 MiB
MIN_FILE = 64               # shorter files carry too little to be worth a separator line
SOURCE_SHARE = 0.25         # one package fills at most this share of a domain's cap
NEAR = 0.8                  # near-duplicate: >= 80% of a file's significant lines already kept (or in v1)
SIG_LINE = 12               # a significant line has >= 12 bytes once stripped
MIN_SIG = 5                 # files with fewer significant lines are only checked for exact duplicates
BENCH_HITS = 8              # contaminated: >= 8 anchored 12-word shingles shared with bench/valid text
SHINGLE = 12
ANCHOR = 8                  # a shingle is anchored when crc32(first word) % 8 == 0
BITS = 1 << 31              # the line-hash bitmaps (256 MiB each; false positives about 0.3% at 6 M lines)
WORD_RE = re.compile(rb"[A-Za-z0-9']+")
# packages whose copyright file is a link into another package (read there by hand)
LICENCE_SEE = {
    "openjdk-17-source": "GPL-2 with Classpath exception (openjdk-17-jre-headless)",
    "imagemagick-6-doc": "ImageMagick (imagemagick-6-common)",
    "shared-mime-info": "GPL-2+",
    "haskell98-report": "Haskell 98 Report licence (free to copy)",
}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def read_list(name):
    with open(os.path.join(HERE, name)) as f:
        return [ln.split("#")[0].strip() for ln in f if ln.split("#")[0].strip()]


# ---------------------------------------------------------------- fetch

def deb_name(spec):
    p, v = spec.split("=", 1)
    return p, v


def fetch(cache, debs, npms):
    dd, nd = os.path.join(cache, "deb"), os.path.join(cache, "npm")
    os.makedirs(dd, exist_ok=True)
    os.makedirs(nd, exist_ok=True)
    have = set(os.listdir(dd))
    missing = [s for s in debs if deb_file(dd, s, have) is None]
    if missing:
        log(f"apt-get download {len(missing)} packages")
        subprocess.run(["apt-get", "download", "-q"] + missing, cwd=dd, check=True,
                       stdout=subprocess.DEVNULL)
    have = set(os.listdir(nd))
    for s in npms:
        if npm_file(nd, s, have) is None:
            log(f"npm pack {s}")
            subprocess.run(["npm", "pack", "--silent", s], cwd=nd, check=True, stdout=subprocess.DEVNULL)


def deb_file(dd, spec, have):
    p, v = deb_name(spec)
    vs = (v, v.replace(":", "%3a"), v.split(":", 1)[-1])  # apt writes an epoch as %3a (or drops it)
    for f in sorted(have):
        if f.startswith(p + "_") and f.split("_")[1] in vs and f.endswith(".deb"):
            return os.path.join(dd, f)
    return None


def npm_file(nd, spec, have):
    name, ver = spec.rsplit("@", 1)
    f = name.lstrip("@").replace("/", "-") + "-" + ver + ".tgz"
    return os.path.join(nd, f) if f in have else None


# ---------------------------------------------------------------- held-out sets

def npm_heldout(root="/usr/lib/node_modules/npm"):
    """Names of the npm package and of everything it bundles (every package.json under its tree)."""
    names = {"npm"}
    for dp, dn, fn in os.walk(root):
        dn.sort()
        if "package.json" in fn:
            try:
                with open(os.path.join(dp, "package.json"), "rb") as f:
                    n = json.load(f).get("name")
                if isinstance(n, str):
                    names.add(n)
            except (OSError, ValueError):
                pass
    return names


def installed_debs():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${source:Package}\n"], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for ln in out.splitlines():
        names.update(ln.split())
    return names


# ---------------------------------------------------------------- extraction

def is_text(b):
    if b"\0" in b[:65536]:
        return False
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def deb_source(path):
    """Source package name and version (for the held-out changelog rule)."""
    out = subprocess.run(["dpkg-deb", "-f", path, "Package", "Source", "Version"], check=True,
                         capture_output=True, text=True).stdout
    f = dict(ln.split(": ", 1) for ln in out.splitlines() if ": " in ln)
    src = f.get("Source", f.get("Package", "")).split(" ")[0]
    return f.get("Package", ""), src


def members_deb(path):
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", path], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=p.stdout, mode="r|") as t:
        for m in t:
            if m.isfile():
                yield m.name.lstrip("./"), t.extractfile(m).read()
    p.wait()


def members_tgz(path):
    # read in archive order (a backward seek in a gzip stream decompresses it again), then sort
    with tarfile.open(path, "r|gz") as t:
        got = [(m.name, t.extractfile(m).read()) for m in t if m.isfile()]
    yield from sorted(got)


def expand(name, data):
    """Yield (name, bytes) for a member, opening .gz and .zip containers (one level)."""
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return
        name = name[:-3]
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for i in sorted(z.infolist(), key=lambda i: i.filename):
                    if not i.is_dir() and i.file_size <= 8 * MAX_FILE:
                        yield name + "/" + i.filename, z.read(i)
        except (zipfile.BadZipFile, OSError):
            return
        return
    yield name, data


def licence_deb(name, files):
    if name in LICENCE_SEE:
        return LICENCE_SEE[name]
    c = next((d for n, d in files if n.startswith("usr/share/doc/") and n.endswith("/copyright")), None)
    if c is None:
        return "unknown"
    text = c.decode("utf-8", "replace")
    m = re.search(r"^Files:[ \t]*\*[ \t]*$.*?^License:[ \t]*([^\n]+)$", text, re.M | re.S)
    if m is None:
        m = re.search(r"^License:[ \t]*([^\n]+)$", text, re.M)
    if m:
        return m.group(1).strip()[:60]
    for k in ("GPL-3", "GPL-2", "LGPL", "BSD", "MIT", "Apache", "Artistic", "public domain"):
        if k.lower() in text.lower():
            return k + " (from copyright text)"
    return "see copyright"


def licence_npm(files):
    # the tarball's top directory is usually package/, not always (@types/* use the package's name)
    pj = next((d for n, d in files if n.count("/") == 1 and n.endswith("/package.json")), None)
    try:
        lic = json.loads(pj).get("license", "unknown") if pj else "unknown"
    except ValueError:
        lic = "unknown"
    if isinstance(lic, dict):
        lic = lic.get("type", "unknown")
    return str(lic)[:60]


# ---------------------------------------------------------------- filters

def norm(b):
    return b"\n".join(ln.rstrip() for ln in b.replace(b"\r\n", b"\n").split(b"\n")).strip() + b"\n"


def sig_hashes(b):
    out = set()
    for ln in b.split(b"\n"):
        s = ln.strip()
        if len(s) >= SIG_LINE:
            out.add((zlib.crc32(s) ^ zlib.adler32(s) << 7) & (BITS - 1))
    return out


class Bitmap:
    def __init__(self):
        self.b = bytearray(BITS >> 3)

    def add(self, hs):
        b = self.b
        for h in hs:
            b[h >> 3] |= 1 << (h & 7)

    def count(self, hs):
        b = self.b
        return sum(1 for h in hs if b[h >> 3] >> (h & 7) & 1)


def shingles(b):
    """Anchored 12-word shingles of a text (case-folded words), as a set of ints."""
    words = WORD_RE.findall(b.lower())
    out = set()
    crc = zlib.crc32
    for i in range(len(words) - SHINGLE + 1):
        if crc(words[i]) % ANCHOR == 0:
            out.add(hash_bytes(b" ".join(words[i:i + SHINGLE])))
    return out


def hash_bytes(b):
    return int.from_bytes(hashlib.blake2b(b, digest_size=8).digest(), "little")


def bench_shingles(paths):
    s = set()
    for root in paths:
        files = [root] if os.path.isfile(root) else \
            sorted(os.path.join(dp, f) for dp, _, fn in os.walk(root) for f in fn)
        for p in files:
            with open(p, "rb") as f:
                b = f.read()
            if b"\0" in b[:65536]:
                continue
            s |= shingles(b)
    return s


def v1_bitmap(path, cache):
    """Significant-line bitmap of train_mix_v1 (cached next to the downloads)."""
    bm = Bitmap()
    cf = os.path.join(cache, "v1_lines.bits")
    if os.path.exists(cf):
        with open(cf, "rb") as f:
            f.readinto(bm.b)
        return bm
    log("hashing the lines of", path)
    with lzma.open(path, "rb") as f:
        rest = b""
        while True:
            blk = f.read(1 << 24)
            if not blk:
                break
            blk = rest + blk
            cut = blk.rfind(b"\n") + 1
            bm.add(sig_hashes(blk[:cut]))
            rest = blk[cut:]
        bm.add(sig_hashes(rest))
    with open(cf + ".tmp", "wb") as f:
        f.write(bm.b)
    os.replace(cf + ".tmp", cf)
    return bm


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/work/corpus-data/cache")
    ap.add_argument("--out", default="/work/corpus-data/v2")
    ap.add_argument("--only", type=int, default=0, help="reduced build: the first N sources of each list")
    ap.add_argument("--no-fetch", action="store_true")
    ap.add_argument("--v1", default="../shared/corpus/train_mix_v1.txt.xz")
    ap.add_argument("--bench", nargs="*", default=["../shared/bench", "../shared/corpus/valid_prose.txt"])
    a = ap.parse_args()
    t0 = time.time()
    debs, npms = read_list("debian.txt"), read_list("npm.txt")
    if a.only:
        debs, npms = debs[:a.only], npms[:a.only]
    held_npm = npm_heldout()
    held_deb = installed_debs()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "heldout_npm.txt"), "w") as f:
        f.write("".join(n + "\n" for n in sorted(held_npm)))
    with open(os.path.join(a.out, "heldout_debian_changelogs.txt"), "w") as f:
        f.write("".join(n + "\n" for n in sorted(held_deb)))
    npm_dropped = [s for s in npms if s.rsplit("@", 1)[0] in held_npm]
    npms = [s for s in npms if s not in npm_dropped]
    if not a.no_fetch:
        fetch(a.cache, debs, npms)
    log(f"{len(debs)} debs, {len(npms)} npm packages; held out: {len(held_npm)} npm names "
        f"({len(npm_dropped)} listed ones dropped), {len(held_deb)} installed Debian names")

    # extract everything into memory: (order key, source, path, domain, text)
    files, sources, drops = [], {}, {}

    def drop(why, n=1):
        drops[why] = drops.get(why, 0) + n

    dd, nd = os.path.join(a.cache, "deb"), os.path.join(a.cache, "npm")
    dhave, nhave = set(os.listdir(dd)), set(os.listdir(nd))
    todo = [("deb", s, deb_file(dd, s, dhave)) for s in debs] + [("npm", s, npm_file(nd, s, nhave)) for s in npms]
    for kind, spec, path in todo:
        if path is None:
            log("missing from the cache:", spec)
            drop("source not in cache")
            continue
        if kind == "deb":
            pkg, src = deb_source(path)
            raw = list(members_deb(path))
            lic = licence_deb(deb_name(spec)[0], raw)
            name, ver = deb_name(spec)
        else:
            raw = list(members_tgz(path))
            lic = licence_npm(raw)
            name, ver = spec.rsplit("@", 1)
            pkg = src = None
        sources[spec] = {"kind": kind, "name": name, "version": ver, "licence": lic, "files": 0, "bytes": 0}
        for mname, data in raw:
            for fname, b in expand(mname, data):
                if kind == "deb" and domains.is_changelog(fname) and \
                        (pkg in held_deb or src in held_deb or domains.doc_dir(fname) in held_deb):
                    drop("changelog of an installed package")
                    continue
                if kind == "npm" and domains.npm_bundled_path(fname, held_npm):
                    drop("npm held-out (bundled copy)")
                    continue
                dom = domains.classify(kind, fname, b)
                if dom is None:
                    drop("not a text domain (path/extension)")
                    continue
                if len(b) < MIN_FILE:
                    drop("shorter than 64 bytes")
                    continue
                if not is_text(b):
                    drop("binary (NUL byte or not UTF-8)")
                    continue
                b = b.replace(b"\r\n", b"\n")
                if len(b) > MAX_FILE:
                    b = b[:b.rfind(b"\n", 0, MAX_FILE) + 1] or b[:MAX_FILE]
                key = hashlib.sha256(f"{spec}/{fname}".encode()).digest()
                files.append((key, spec, fname, dom, b))
        del raw
    files.sort(key=lambda x: x[0])
    log(f"extracted {len(files)} text files, {sum(len(f[4]) for f in files) / 1e6:.1f} MB")

    bench = bench_shingles(a.bench) if a.bench else set()
    log(f"bench/valid anchored shingles: {len(bench)}")
    v1 = v1_bitmap(a.v1, a.cache) if a.v1 else None
    kept_lines = Bitmap()
    seen = set()
    per_dom, per_src_dom, out = {}, {}, {}
    dropped_bench = []
    for key, spec, fname, dom, b in files:
        cap = domains.CAP.get(dom, domains.CAP_DEFAULT)
        if per_dom.get(dom, 0) + len(b) > cap:
            drop("domain cap reached")
            continue
        if per_src_dom.get((spec, dom), 0) + len(b) > cap * SOURCE_SHARE:
            drop("source share of its domain reached")
            continue
        h = hashlib.sha256(norm(b)).digest()
        if h in seen:
            drop("exact duplicate")
            continue
        seen.add(h)
        sig = sig_hashes(b)
        if len(sig) >= MIN_SIG:
            if v1 is not None and v1.count(sig) >= NEAR * len(sig):
                drop("already in train_mix_v1 (line containment)")
                continue
            if kept_lines.count(sig) >= NEAR * len(sig):
                drop("near-duplicate (line containment)")
                continue
        if bench:
            hits = len(shingles(b) & bench)
            if hits >= BENCH_HITS:
                drop("shares 12-word shingles with bench/valid")
                dropped_bench.append(f"{spec}/{fname}\t{hits}")
                continue
        kept_lines.add(sig)
        per_dom[dom] = per_dom.get(dom, 0) + len(b)
        per_src_dom[(spec, dom)] = per_src_dom.get((spec, dom), 0) + len(b)
        sources[spec]["files"] += 1
        sources[spec]["bytes"] += len(b)
        out.setdefault(dom, []).append((spec, fname, b))
    write(a.out, out, sources, drops, dropped_bench, npm_dropped, time.time() - t0)


def write(outd, out, sources, drops, dropped_bench, npm_dropped, secs):
    sums, total = [], hashlib.sha256()
    sizes = {}
    for dom in sorted(out):
        h = hashlib.sha256()
        with open(os.path.join(outd, dom + ".txt"), "wb") as f:
            for spec, fname, b in out[dom]:
                name = spec.split("=")[0] if "=" in spec else spec
                chunk = f"===== FILE: {name}/{fname} =====\n".encode() + b + (b"" if b.endswith(b"\n") else b"\n")
                f.write(chunk)
                h.update(chunk)
                total.update(chunk)
                sizes[dom] = sizes.get(dom, 0) + len(chunk)
        sums.append(f"{h.hexdigest()}  {dom}.txt")
    sums.append(f"{total.hexdigest()}  (all domains concatenated in this order)")
    with open(os.path.join(outd, "SHA256SUMS"), "w") as f:
        f.write("\n".join(sums) + "\n")
    with open(os.path.join(outd, "dropped_bench.txt"), "w") as f:
        f.write("".join(x + "\n" for x in dropped_bench))
    with open(os.path.join(outd, "manifest.tsv"), "w") as f:
        f.write("kind\tsource\tversion\tlicence\tfiles\tbytes\n")
        for spec in sorted(sources):
            s = sources[spec]
            f.write(f"{s['kind']}\t{s['name']}\t{s['version']}\t{s['licence']}\t{s['files']}\t{s['bytes']}\n")
    tot = sum(sizes.values())
    with open(os.path.join(outd, "MANIFEST.md"), "w") as f:
        f.write(f"# corpus v2 (tools/corpus/build.py), built in {secs:.0f} s\n\n")
        f.write(f"{tot:,} bytes in {len(sizes)} domain files; sha256 of their concatenation (domain order): "
                f"`{total.hexdigest()}`\n\n| domain | bytes | files |\n|---|---:|---:|\n")
        for dom in sorted(sizes):
            f.write(f"| {dom} | {sizes[dom]:,} | {len(out[dom]):,} |\n")
        f.write("\n## Dropped (files)\n\n| reason | files |\n|---|---:|\n")
        for k in sorted(drops):
            f.write(f"| {k} | {drops[k]:,} |\n")
        f.write(f"\nnpm.txt entries held out (npm or bundled by it): {', '.join(npm_dropped) or 'none'}\n")
        f.write("\n## Sources\n\n| kind | source | version | licence | files kept | bytes kept |\n"
                "|---|---|---|---|---:|---:|\n")
        for spec in sorted(sources):
            s = sources[spec]
            f.write(f"| {s['kind']} | {s['name']} | {s['version']} | {s['licence']} | {s['files']} | "
                    f"{s['bytes']:,} |\n")
    log(f"wrote {tot / 1e6:.1f} MB in {len(sizes)} domains to {outd} ({secs:.0f} s)")


if __name__ == "__main__":
    main()
