"""tests/python/test_llmz.py -- the Python module (python/llmz.py) over the shared library.

Run by tests/cli/python.sh (tests/python/run.py) with LLMZ_LIB naming the library under test and LLMZ the CLI; the
tiny test model keeps it fast, the built-in model is used where it is the point.
"""

import contextlib
import io
import os
import random
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import llmz  # noqa: E402

TINY = os.path.join(ROOT, "tests", "data", "tiny.gguf")
CLI = os.environ.get("LLMZ") or os.path.join(ROOT, "build", "llmz")


def text(n, seed=1):
    """About n bytes of English-like text in lines."""
    words = ("the of and a to in is you that it he was for on are as with his they at be this have from or one "
             "had by word but not what all were we when your can said there use an each which she do how their "
             "model compress token frame").split()
    r, out, col = random.Random(seed), [], 0
    size = 0
    while size < n:
        w = r.choice(words)
        sep = "\n" if col > 60 else (" " if col else "")
        col = 0 if sep == "\n" else col + len(sep) + len(w)
        out.append(sep + w)
        size += len(sep) + len(w)
    return ("".join(out) + ".\n").encode()


def binary(n, seed=2):
    return random.Random(seed).randbytes(n)


def cli(*args, data=None):
    return subprocess.run([CLI] + list(args), input=data, capture_output=True)


class RoundTrip(unittest.TestCase):
    def rt(self, data, **kw):
        packed = llmz.compress(data, model=TINY, threads=2, **kw)
        self.assertIsInstance(packed, bytes)
        self.assertEqual(llmz.decompress(packed, model=TINY), bytes(data))
        return packed

    def test_library_versions_by_number(self):
        # the build folder may hold older libraries: 0.10.0 is newer than 0.9.0, which a sort by text puts last
        v = llmz._version_of
        self.assertGreater(v("/b/libllmz.so.0.10.0"), v("/b/libllmz.so.0.9.0"))
        self.assertIsNone(v("/b/libllmz.so.0.9"))
        self.assertIsNone(v("/b/libllmz.so.0.9.0.bak"))

    def test_empty(self):
        packed = self.rt(b"")
        self.assertEqual(len(llmz.frames(packed)), 1)  # an empty input is one empty frame, as with the CLI

    def test_one_byte(self):
        self.rt(b"x")
        self.rt(b"\0")

    def test_text(self):
        d = text(20000)
        self.assertLess(len(self.rt(d)), len(d) // 2)

    def test_binary(self):
        self.rt(binary(20000))
        self.rt(bytes(range(256)) * 4)

    def test_bytes_like(self):
        d = text(3000)
        self.assertEqual(llmz.decompress(self.rt(bytearray(d))), d)
        self.rt(memoryview(d)[100:2100])
        self.assertEqual(llmz.compress(memoryview(d), model=TINY), llmz.compress(d, model=TINY))

    def test_segments(self):
        d = text(30000, 3)
        packed = self.rt(d, segment_size=8192)
        fr = llmz.frames(packed)
        self.assertEqual(len(fr), 4)
        self.assertEqual([f.orig_size for f in fr], [8192, 8192, 8192, len(d) - 3 * 8192])
        self.assertEqual(sum(f.frame_size for f in fr), len(packed))
        self.assertEqual(fr[1].offset, fr[0].frame_size)

    def test_padding_between_frames(self):
        a, b = llmz.compress(b"first part\n", model=TINY), llmz.compress(b"second\n", model=TINY)
        self.assertEqual(llmz.decompress(a + b"\0" * 100 + b + b"\0" * 7), b"first part\nsecond\n")

    @unittest.skipUnless(hasattr(llmz._lib, "llmz_skippable_size"), "this library has no skippable frames yet")
    def test_skippable_frames(self):
        a, b = llmz.compress(b"before\n", model=TINY), llmz.compress(b"after\n", model=TINY)
        skip = b"\x89LMS" + (5).to_bytes(4, "little") + b"12345"  # docs/format.md, "Skippable frames"
        packed = a + skip + b + skip
        self.assertEqual(llmz.decompress(packed, model=TINY), b"before\nafter\n")
        self.assertEqual(len(llmz.frames(packed)), 2)
        with self.assertRaises(llmz.LLMZError):
            llmz.decompress(packed[:-1], model=TINY)

    def test_threads_and_levels_same_bytes_as_cli(self):
        d = text(40000, 4)
        one = llmz.compress(d, model=TINY, threads=1)
        self.assertEqual(llmz.compress(d, model=TINY, threads=2), one)
        if not os.access(CLI, os.X_OK):
            self.skipTest("no llmz binary")
        for lv in (1, 6, 9):
            p = cli("--model", TINY, "-c", "-T2", "-%d" % lv, data=d)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(llmz.compress(d, model=TINY, level=lv), p.stdout, "level %d" % lv)
        # -1: chunks of a quarter of the automatic size (16 KiB up to 1 MiB), or the byte models' long chunks
        f1 = llmz.frames(llmz.compress(d, model=TINY, level=1))[0]
        self.assertTrue(f1.chunk_size <= 16384 or f1.bytes_chunks == f1.n_chunks == 1, f1)

    def test_cli_restores_segments(self):
        if not os.access(CLI, os.X_OK):
            self.skipTest("no llmz binary")
        d = text(25000, 5)
        packed = llmz.compress(d, model=TINY, segment_size=10000)
        p = cli("--model", TINY, "-dc", data=packed)
        self.assertEqual((p.returncode, p.stdout), (0, d))
        p = cli("--model", TINY, "-c", data=d)
        self.assertEqual(llmz.decompress(p.stdout, model=TINY), d)

    def test_builtin_model(self):
        d = text(3000, 6)
        packed = llmz.compress(d)  # the default model: no model= needed either way
        self.assertEqual(llmz.decompress(packed), d)
        self.assertEqual(llmz.frames(packed)[0].model_fp, llmz.frames(llmz.compress(b"x"))[0].model_fp)

    def test_parameters(self):
        with self.assertRaises(ValueError):
            llmz.compress(b"x", level=0, model=TINY)
        with self.assertRaises(ValueError):
            llmz.compress(b"x", threads=0, model=TINY)
        with self.assertRaises(FileNotFoundError):
            llmz.compress(b"x", model="/nonexistent/model.gguf")
        with self.assertRaises(llmz.LLMZError) as e:
            llmz.compress(b"x", model=os.path.join(ROOT, "tests", "data", "tok_fixture.txt"))
        self.assertTrue(str(e.exception).startswith("llmz: "))
        self.assertEqual(e.exception.code, 4)
        import pickle
        e2 = pickle.loads(pickle.dumps(e.exception))
        self.assertEqual((type(e2), e2.code, str(e2)), (llmz.LLMZError, 4, str(e.exception)))


class Errors(unittest.TestCase):
    def test_str_is_type_error(self):
        for f in (llmz.compress, llmz.decompress, llmz.analyze, llmz.frames):
            with self.assertRaises(TypeError) as e:
                f("some text")
            self.assertIn("not str", str(e.exception))
        with self.assertRaises(TypeError):
            llmz.compress(12345)

    def test_not_an_archive(self):
        for bad in (b"", b"hello world", b"\0\0\0\0", b"\x89"):
            with self.assertRaises(llmz.LLMZError) as e:
                llmz.decompress(bad)
            self.assertIsInstance(e.exception.code, int)
            self.assertTrue(e.exception.name)
        with self.assertRaises(llmz.LLMZError) as e:
            llmz.decompress(b"hello world")
        self.assertEqual(e.exception.name, "not an llmz archive")
        self.assertEqual(e.exception.code, 6)

    def test_damaged(self):
        d = text(6000, 7)
        packed = llmz.compress(d, model=TINY, segment_size=3000)
        # truncated anywhere: an error, never a wrong result
        for cut in list(range(1, 80, 3)) + list(range(80, len(packed) - 1, max(1, len(packed) // 60))):
            with self.assertRaises(llmz.LLMZError, msg="cut at %d" % cut):
                llmz.decompress(packed[:cut], model=TINY)
        # damaged bytes: LLMZError, or (a byte the format does not check, such as padding) the original
        r = random.Random(8)
        errors = 0
        for _ in range(150):
            b = bytearray(packed)
            i = r.randrange(len(b))
            b[i] ^= 1 << r.randrange(8)
            try:
                out = llmz.decompress(bytes(b), model=TINY)
            except llmz.LLMZError:
                errors += 1
                continue
            self.assertEqual(out, d, "a flip at byte %d decoded to other bytes" % i)
        self.assertGreater(errors, 140)

    def test_model_missing(self):
        packed = llmz.compress(b"needs the tiny model\n", model=TINY)
        code = ("import sys, llmz\ntry:\n    llmz.decompress(sys.stdin.buffer.read())\n"
                "except llmz.LLMZError as e:\n    print(e.code, e); sys.exit(3)\n")
        p = subprocess.run([sys.executable, "-c", code], input=packed, capture_output=True,
                           env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python")))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(b"10 llmz: ", p.stdout)
        self.assertIn(b"model=PATH", p.stdout)


class FileObject(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "a.llmz")
        self.data = text(30000, 9)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, data, mode="wb", pieces=7, **kw):
        with llmz.open(self.path, mode, model=TINY, segment_size=8192, **kw) as f:
            step = len(data) // pieces + 1
            for i in range(0, len(data), step):
                self.assertEqual(f.write(data[i:i + step]), len(data[i:i + step]))
            self.assertEqual(f.tell(), len(data))

    def test_write_then_read(self):
        self.write(self.data)
        with open(self.path, "rb") as f:
            packed = f.read()
        self.assertEqual([fr.orig_size for fr in llmz.frames(packed)], [8192, 8192, 8192, len(self.data) - 24576])
        self.assertEqual(packed, llmz.compress(self.data, model=TINY, segment_size=8192))  # the same frames
        with llmz.open(self.path, model=TINY) as f:
            self.assertTrue(f.readable() and f.seekable() and not f.writable())
            self.assertEqual(f.read(), self.data)
            self.assertEqual(f.read(), b"")
        self.assertTrue(f.closed)

    def test_seek_tell(self):
        self.write(self.data)
        d = self.data
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual(f.read(10), d[:10])
            self.assertEqual(f.tell(), 10)
            calls = []
            real = f._dec.unit
            f._dec.unit = lambda *a: calls.append(a[1].orig_size) or real(*a)
            self.assertEqual(f.seek(20000), 20000)  # in the third frame: only it is decoded
            self.assertEqual(f.read(100), d[20000:20100])
            self.assertEqual(len(calls), 1)
            self.assertEqual(f.read(100), d[20100:20200])  # the frame is kept
            self.assertEqual(len(calls), 1)
            self.assertEqual(f.seek(-50, io.SEEK_END), len(d) - 50)
            self.assertEqual(f.read(), d[-50:])
            self.assertEqual(f.seek(8000), 8000)
            self.assertEqual(f.read(400), d[8000:8400])  # across a frame boundary
            self.assertEqual(f.seek(-300, io.SEEK_CUR), 8100)
            self.assertEqual(f.read(10), d[8100:8110])
            self.assertEqual(f.seek(10 ** 9), len(d))
            self.assertEqual(f.read(5), b"")
            f.seek(3)
            buf = bytearray(17)
            self.assertEqual(f.readinto(buf), 17)
            self.assertEqual(bytes(buf), d[3:20])
            self.assertEqual(f.peek(5)[:5], d[20:25])
            self.assertEqual(f.read1(10 ** 6), d[20:8192])  # what the current frame holds

    def test_index_and_pieces(self):
        """An index written at close maps the archive (the library's llmz_archive_open); a damaged one falls back to
        scanning, same bytes; within a frame only the chunk group that covers a position is decoded."""
        d = text(150000, 4)
        with llmz.open(self.path, "wb", model=TINY, segment_size=102400, chunk_size=4096, index=True) as f:
            f.write(d)
        with open(self.path, "rb") as f:
            packed = f.read()
        self.assertEqual(packed, llmz.compress(d, model=TINY, segment_size=102400, chunk_size=4096, index=True))
        self.assertEqual(llmz.decompress(packed, model=TINY), d)  # the index is a skippable frame
        with llmz.open(self.path, model=TINY) as f:
            self.assertTrue(f.used_index())
            calls = []
            real = f._dec.unit
            f._dec.unit = lambda *a: calls.append(a[3]) or real(*a)
            f.seek(30000)
            self.assertEqual(f.read(100), d[30000:30100])
            self.assertEqual(calls, [65536])  # one group of 16 chunks of 4 KiB, not the first frame's 102,400 bytes
            self.assertEqual(f.read(), d[30100:])
        damaged = bytearray(packed)
        damaged[-12] ^= 1  # the index's CRC
        with open(self.path, "wb") as f:
            f.write(damaged)
        with llmz.open(self.path, model=TINY) as f:
            self.assertFalse(f.used_index())
            f.seek(12345)
            self.assertEqual(f.read(3000), d[12345:15345])

    def test_readline_iteration(self):
        self.write(self.data)
        lines = self.data.splitlines(keepends=True)
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual(f.readline(), lines[0])
            self.assertEqual(f.readline(5), lines[1][:5])
            self.assertEqual(f.readline(), lines[1][5:])
            self.assertEqual(list(f), lines[2:])
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual(f.readlines(), lines)
            f.seek(0)
            self.assertEqual(sum(1 for _ in f), len(lines))

    def test_append(self):
        self.write(self.data[:10000])
        self.write(self.data[10000:], mode="ab")
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual(f.read(), self.data)
        if os.access(CLI, os.X_OK):
            p = cli("--model", TINY, "-dc", self.path)
            self.assertEqual((p.returncode, p.stdout), (0, self.data))
        os.unlink(self.path)
        self.write(b"a new file", mode="ab")  # appending to no file makes one
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual(f.read(), b"a new file")

    def test_empty_file(self):
        with llmz.open(self.path, "wb", model=TINY):
            pass
        with open(self.path, "rb") as f:
            self.assertEqual(llmz.decompress(f.read()), b"")  # one empty frame: a valid archive
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual((f.read(), f.readline(), list(f), f.seek(0, io.SEEK_END)), (b"", b"", [], 0))

    def test_text_mode(self):
        s = "Grüße aus Köln — ünïcödé\nline two\r\nthird line\n" * 300
        with llmz.open(self.path, "wt", encoding="utf-8", newline="", model=TINY, segment_size=4096) as f:
            f.write(s)
        with llmz.open(self.path, "rt", encoding="utf-8", newline="", model=TINY) as f:
            self.assertEqual(f.read(), s)
        with llmz.open(self.path, "rt", encoding="utf-8", model=TINY) as f:
            lines = f.readlines()
        self.assertEqual(lines, s.replace("\r\n", "\n").splitlines(keepends=True))
        with llmz.open(self.path, "rb", model=TINY) as f:
            self.assertEqual(f.read(), s.encode())
        with self.assertRaises(ValueError):
            llmz.open(self.path, "rbt")

    def test_file_objects(self):
        buf = io.BytesIO()
        with llmz.LLMZFile(buf, "wb", model=TINY) as f:
            f.write(self.data)
        packed = buf.getvalue()
        self.assertEqual(llmz.decompress(packed, model=TINY), self.data)
        with llmz.LLMZFile(io.BytesIO(packed), model=TINY) as f:
            f.seek(12345)
            self.assertEqual(f.read(10), self.data[12345:12355])

    def test_str_write_loses_nothing(self):
        with llmz.open(self.path, "wb", model=TINY) as f:
            f.write(b"kept ")
            with self.assertRaises(TypeError):
                f.write("a str")
            f.write(b"too")
            with self.assertRaises(io.UnsupportedOperation):
                f.read()
        with llmz.open(self.path, model=TINY) as f:
            self.assertEqual(f.read(), b"kept too")
            with self.assertRaises(io.UnsupportedOperation):
                f.write(b"x")
        with self.assertRaises(ValueError):
            f.read()
        with self.assertRaises(ValueError):
            llmz.open(self.path, "r+b")

    def test_damaged_file(self):
        self.write(self.data)
        with open(self.path, "rb") as f:
            packed = bytearray(f.read())
        packed[len(packed) // 2] ^= 0x40
        with open(self.path, "wb") as f:
            f.write(packed)
        with llmz.open(self.path, model=TINY) as f:
            with self.assertRaises(llmz.LLMZError):
                f.read()
        with open(self.path, "wb") as f:
            f.write(bytes(packed[:-10]))  # truncated: found by the index of headers, before decoding
        with llmz.open(self.path, model=TINY) as f:
            with self.assertRaises(llmz.LLMZError):
                f.seek(5)
        with open(self.path, "wb") as f:
            f.write(b"plain text, not an archive\n")
        with llmz.open(self.path, model=TINY) as f:
            with self.assertRaises(llmz.LLMZError):
                f.read()


class Analyze(unittest.TestCase):
    def test_bits_sum_to_stats(self):
        d = text(12000, 10)
        # analyze shows the language model's coding: the byte models (LLMZ_ADAPT_BYTES, 64) left out
        toks, st = llmz.analyze(d, model=TINY, adapt=63, segment_size=5000)
        self.assertEqual(len(toks), st.tokens)
        self.assertEqual(st.in_bytes, len(d))
        self.assertAlmostEqual(sum(t.bits for t in toks), st.freq_bits, delta=1e-6 * st.freq_bits)
        self.assertEqual(b"".join(t.data for t in toks), d)
        self.assertEqual([t.offset for t in toks], sorted(t.offset for t in toks))
        self.assertEqual(toks[-1].offset + toks[-1].length, len(d))
        self.assertTrue(all(t.part in range(5) and t.bits >= 0 and t.length == len(t.data) for t in toks))
        self.assertGreater(sum(t.part == llmz.PART_NGRAM for t in toks), 0)  # repeated words: the n-grams help
        # the frames analyze describes are the ones compress writes
        packed = llmz.compress(d, model=TINY, adapt=63, segment_size=5000)
        self.assertEqual(st.out_bytes, len(packed))

    def test_binary_raw(self):
        toks, st = llmz.analyze(binary(5000), model=TINY, adapt=0)
        self.assertEqual(st.raw_chunks, 1)
        self.assertEqual(toks[0].token, -1)
        self.assertEqual(toks[0].part, llmz.PART_RAW)


class Readme(unittest.TestCase):
    def test_readme_example(self):
        """The README's lines of use run as they stand (with the built-in model)."""
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        code = readme.split("```python\n", 1)[1].split("```", 1)[0]
        self.assertGreaterEqual(code.count("llmz."), 5)
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as d:
            cwd = os.getcwd()
            os.chdir(d)
            try:
                with contextlib.redirect_stdout(out):
                    env = {}
                    exec(compile(code, "README.md", "exec"), env)
            finally:
                os.chdir(cwd)
        self.assertEqual(out.getvalue(), "b'line two\\n'\n")
        self.assertEqual(b"".join(t.data for t in env["tokens"]), b"where the bits go")
        self.assertEqual(env["stats"].in_bytes, 17)


if __name__ == "__main__":
    unittest.main()
