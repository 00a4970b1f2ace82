"""tests/python/test_dask.py -- tools/dask_compress.py on a LocalCluster of 2 worker processes: many files, and the
blocks of one file written in order as one archive that `llmz -d` restores and `llmz -l` lists frame by frame.
Skipped when Dask's distributed (Debian: python3-distributed) cannot be imported."""

import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import llmz  # noqa: E402

try:
    import logging

    from distributed import Client, LocalCluster

    import dask_compress
except ImportError as e:  # python3-distributed is not installed
    Client = None
    WHY = str(e)

TINY = os.path.join(ROOT, "tests", "data", "tiny.gguf")
CLI = os.environ.get("LLMZ") or os.path.join(ROOT, "build", "llmz")


@unittest.skipIf(Client is None, "no Dask distributed (python3-distributed)")
class Dask(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        logging.getLogger("distributed").setLevel(logging.ERROR)
        # the worker processes import llmz (and find the library) as this process does
        os.environ["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "python"), os.path.join(ROOT, "tools")])
        os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"  # the failure test's tasks fail on purpose
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        cls.client = Client(cls.cluster)
        cls.dir = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        cls.dir.cleanup()

    def make(self, name, data):
        p = os.path.join(self.dir.name, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def test_two_workers(self):
        pids = self.client.run(os.getpid)
        self.assertEqual(len(pids), 2)
        self.assertEqual(len(set(pids.values()) | {os.getpid()}), 3)  # two processes of their own

    def test_many_files(self):
        datas = [(b"file %d: " % i) * (200 * i + 1) + bytes(range(i * 10)) for i in range(6)]
        paths = [self.make("f%d.txt" % i, d) for i, d in enumerate(datas)]
        res = dask_compress.run(self.client, paths, model=TINY)
        self.assertEqual([r[0] for r in res], paths)
        for p, d, (_, n, m) in zip(paths, datas, res):
            with open(p + ".llmz", "rb") as f:
                packed = f.read()
            self.assertEqual((n, m), (len(d), len(packed)))
            self.assertEqual(llmz.decompress(packed, model=TINY), d)
        left = [n for n in os.listdir(self.dir.name) if ".partial-" in n]
        self.assertEqual(left, [])

    def test_blocks_of_one_file(self):
        words = b"the frames of a large file are compressed by the workers in blocks and written in order. "
        data = words * 700 + b"\n"  # about 63 KB: 8 blocks of 8 KiB
        p = self.make("big.txt", data)
        (path, n, m), = dask_compress.run(self.client, [p], block=8192, model=TINY)
        with open(p + ".llmz", "rb") as f:
            packed = f.read()
        self.assertEqual((n, m), (len(data), len(packed)))
        self.assertEqual([fr.orig_size for fr in llmz.frames(packed)],
                         [8192] * (len(data) // 8192) + [len(data) % 8192])
        # the same frames as one process cutting 8 KiB segments
        self.assertEqual(packed, llmz.compress(data, model=TINY, segment_size=8192))
        with llmz.open(p + ".llmz", model=TINY) as f:
            f.seek(30000)
            self.assertEqual(f.read(100), data[30000:30100])
        if os.access(CLI, os.X_OK):
            r = subprocess.run([CLI, "--model", TINY, "-dc", p + ".llmz"], capture_output=True)
            self.assertEqual((r.returncode, r.stdout), (0, data))
            r = subprocess.run([CLI, "--model", TINY, "-l", p + ".llmz"], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[1].split()[0], b"8")  # the Frames column

    def test_empty_file_blocks(self):
        p = self.make("empty.txt", b"")
        dask_compress.run(self.client, [p], block=4096, model=TINY)
        with open(p + ".llmz", "rb") as f:
            self.assertEqual(llmz.decompress(f.read()), b"")

    def test_failure_leaves_no_archive(self):
        p = self.make("x.txt", b"some data")
        with self.assertRaises(llmz.LLMZError) as e:  # the worker's exception, whole
            dask_compress.run(self.client, [p], block=4, model=os.path.join(ROOT, "tests", "data", "tok_fixture.txt"))
        self.assertEqual(e.exception.code, 4)  # not a GGUF file
        self.assertFalse(os.path.exists(p + ".llmz"))
        self.assertEqual([n for n in os.listdir(self.dir.name) if n.startswith("x.txt.")], [])


if __name__ == "__main__":
    unittest.main()
