#!/usr/bin/python3
"""dask_compress.py -- compress many files, or the blocks of a large one, on a Dask cluster (docs/scale-out.md).

    python3 tools/dask_compress.py [--workers N | --scheduler ADDR] [--block SIZE] [--model PATH] [-l LEVEL]
                                   [--threads N] FILE...

Each task runs llmz.compress (python/llmz.py, the shared library) on one file, or with --block on one block of a
file: llmz frames concatenate, so the blocks' frames written in order are one archive that `llmz -d` restores and
`llmz -l` lists (with --block 8M, the default segment, the archive is the one `llmz -c` makes).  FILE.llmz is
written beside each FILE through a temporary file renamed at the end: a failure leaves no partial archive.

--workers N (default 2) starts a LocalCluster of N single-threaded worker processes on this machine;
--scheduler ADDR uses a running cluster (`dask-scheduler` + `dask-worker ADDR` on each machine, Debian's
python3-distributed): this module is sent to the workers (Client.upload_file), and each worker needs the llmz
library (`make install`, or LLMZ_LIB naming libllmz.so).  Prints one line per file and the throughput.
"""

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.join(os.path.dirname(HERE), "python")


def _llmz():
    try:
        import llmz
    except ImportError:
        sys.path.insert(0, PYDIR)
        import llmz
    return llmz


def compress_file(path, level=6, threads=1, model=None):
    """Task: compress path to path.llmz; returns (path, bytes in, bytes out, seconds)."""
    llmz = _llmz()
    t0 = time.time()
    with open(path, "rb") as f:
        data = f.read()
    packed = llmz.compress(data, level=level, threads=threads, model=model)
    _write_atomic(path + ".llmz", [packed])
    return path, len(data), len(packed), time.time() - t0


def compress_block(path, off, n, level=6, threads=1, model=None):
    """Task: the frames of bytes [off, off+n) of path."""
    llmz = _llmz()
    with open(path, "rb") as f:
        f.seek(off)
        data = f.read(n)
    return llmz.compress(data, level=level, threads=threads, model=model)


def _write_atomic(out, parts):
    """Write the byte strings of parts (an iterable) to out through a temporary file beside it."""
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(out) + ".partial-", dir=os.path.dirname(out) or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            for p in parts:
                f.write(p)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def blocks(size, block):
    """(offset, length) of each block of a file of size bytes; an empty file is one empty block."""
    return [(off, min(block, size - off)) for off in range(0, size, block)] or [(0, 0)]


def run(client, files, block=None, level=6, threads=1, model=None):
    """Compress files on client's cluster; returns [(path, bytes in, bytes out)] in the order of files."""
    if model is not None:
        model = os.path.abspath(model)
    res = []
    if not block:
        futs = client.map(compress_file, [os.path.abspath(p) for p in files], level=level, threads=threads,
                          model=model, pure=False)
        for f in futs:
            path, n, m, _ = f.result()
            res.append((path, n, m))
        return res
    for p in files:  # the blocks of every file go out at once; each archive is written in order as they come back
        p = os.path.abspath(p)
        bl = blocks(os.path.getsize(p), block)
        futs = [client.submit(compress_block, p, off, n, level=level, threads=threads, model=model, pure=False)
                for off, n in bl]
        out = [0]

        def frames(futs=futs, out=out):
            for f in futs:
                b = f.result()
                f.release()
                out[0] += len(b)
                yield b

        _write_atomic(p + ".llmz", frames())
        res.append((p, sum(n for _, n in bl), out[0]))
    return res


def _size(s):
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    s = s.strip().lower().rstrip("b")
    return int(s[:-1]) * mult[s[-1]] if s and s[-1] in mult else int(s)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", metavar="FILE")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (instead of a LocalCluster)")
    ap.add_argument("--block", type=_size, default=0, help="cut each file into blocks of this size (e.g. 8M)")
    ap.add_argument("--model", help="GGUF model file (default: the built-in model)")
    ap.add_argument("-l", "--level", type=int, default=6)
    ap.add_argument("--threads", type=int, default=1, help="threads per task (default 1)")
    a = ap.parse_args(argv)
    from distributed import Client, LocalCluster

    if a.scheduler:
        client = Client(a.scheduler)
        client.upload_file(os.path.join(PYDIR, "llmz.py"))
        cluster = None
    else:
        os.environ["PYTHONPATH"] = PYDIR + os.pathsep + os.environ.get("PYTHONPATH", "")  # the worker processes
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        t0 = time.time()
        res = run(client, a.files, a.block, a.level, a.threads, a.model)
        dt = time.time() - t0
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    total = sum(n for _, n, _ in res)
    for path, n, m in res:
        print("%s: %d -> %d bytes (%.3fx)" % (path, n, m, m / n if n else 0))
    print("%d files, %d bytes in %.2f s: %.1f KB/s" % (len(res), total, dt, total / 1000 / dt if dt else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
