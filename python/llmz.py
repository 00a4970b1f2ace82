"""llmz -- lossless text compression with a language model, from Python.

A thin ctypes binding over the llmz shared library (``make shared`` builds ``build/libllmz.so.0.11.0``), using only
the C API of ``lib/llmz.h``.  Nothing outside the Python standard library is needed.

    import llmz
    packed = llmz.compress(b"some text" * 100)           # bytes in, bytes (llmz frames) out
    assert llmz.decompress(packed) == b"some text" * 100
    with llmz.open("notes.txt.llmz", "wt") as f: f.write("hello\\n")  # like gzip.open / lzma.open
    tokens, stats = llmz.analyze(b"where the bits go")   # one TokenInfo per token, and the totals

The archive format is the CLI's: compressed data is a sequence of self-contained frames, one per segment (8 MiB) of
input, and frames concatenate, so ``llmz -d`` restores what this module writes and the other way round.  Files in
read mode seek through the frame headers: ``seek`` decodes only the frame that covers the new position.

The library is found via the environment variable LLMZ_LIB (a path), then in the build/ directory next to this
module's directory (a source tree after ``make shared``), then by ``ctypes.util.find_library('llmz')`` (installed).
Models: the built-in default unless ``model=PATH`` names a GGUF file; loaded models are kept for the life of the
process (loading costs time).  Decoding takes the model an archive names: a built-in one, else the ``model`` given.
"""

import bisect
import builtins
import ctypes
import ctypes.util
import glob
import io
import os
import threading
from collections import namedtuple

__all__ = [
    "LLMZError", "compress", "decompress", "open", "LLMZFile", "analyze", "frames", "TokenInfo", "Stats", "FrameInfo",
    "Analysis", "SEGMENT_SIZE", "PART_LM", "PART_CACHE", "PART_NGRAM", "PART_SSE", "PART_RAW", "PART_NAMES",
    "library_version", "FORMAT_VERSION",
]

SEGMENT_SIZE = 8 * 1024 * 1024  # bytes of input per frame, as the CLI cuts them
MEMLIMIT = 1 << 30  # decoding refuses frames needing more memory than this (the CLI's --memlimit default)
PART_LM, PART_CACHE, PART_NGRAM, PART_SSE, PART_RAW = range(5)
PART_NAMES = ("lm", "cache", "ngram", "sse", "raw")

# lib/llmz.h values
_ERR_PARAM, _ERR_NOT_LLMZ, _ERR_CORRUPT, _ERR_MODEL_MISMATCH, _ERR_MEMLIMIT, _ERR_TRUNCATED = 2, 6, 8, 10, 11, 12
_P_THREADS, _P_CHUNK_SIZE, _P_MEMLIMIT, _P_ADAPT, _P_FORMAT, _P_CHUNK_SHIFT = 1, 3, 4, 5, 7, 11
_MAX_THREADS = 256


class LLMZError(Exception):
    """An error of the llmz library: ``code`` is its llmz_error value, ``name`` its stable name."""

    def __init__(self, code, detail=None):
        self.code, self.detail = code, detail
        self.name = _error_name(code)
        super().__init__("llmz: %s%s" % (self.name, ": " + detail if detail else ""))

    def __reduce__(self):  # pickled whole (Dask and multiprocessing send exceptions between processes)
        return LLMZError, (self.code, self.detail)


# ---- the shared library ------------------------------------------------------------------------------------------
class _Stats(ctypes.Structure):
    _fields_ = [("in_bytes", ctypes.c_uint64), ("out_bytes", ctypes.c_uint64), ("tokens", ctypes.c_uint64),
                ("raw_chunks", ctypes.c_uint64), ("chunks", ctypes.c_uint64), ("model_bits", ctypes.c_double),
                ("coded_bits", ctypes.c_double), ("freq_bits", ctypes.c_double), ("reserved", ctypes.c_uint64 * 3)]


class _TokenInfo(ctypes.Structure):
    _fields_ = [("offset", ctypes.c_uint64), ("length", ctypes.c_uint32), ("token", ctypes.c_int32),
                ("bits", ctypes.c_double), ("lm_bits", ctypes.c_double), ("top", ctypes.c_int32),
                ("rank", ctypes.c_uint32), ("part", ctypes.c_uint8), ("pad", ctypes.c_uint8 * 7)]


class _FrameInfo(ctypes.Structure):
    _fields_ = [("orig_size", ctypes.c_uint64), ("frame_size", ctypes.c_uint64), ("header_size", ctypes.c_uint32),
                ("n_chunks", ctypes.c_uint32), ("raw_chunks", ctypes.c_uint32), ("bytes_chunks", ctypes.c_uint32),
                ("mixed_chunks", ctypes.c_uint32), ("chunk_size", ctypes.c_uint32),
                ("format_version", ctypes.c_uint8), ("numerics_version", ctypes.c_uint8), ("mode", ctypes.c_uint8),
                ("flags", ctypes.c_uint8), ("window", ctypes.c_uint16), ("keep", ctypes.c_uint16),
                ("model_fp", ctypes.c_uint8 * 32), ("model_name", ctypes.c_char * 256), ("has_adapter", ctypes.c_int),
                ("adapter_fp", ctypes.c_uint8 * 32), ("adapter_name", ctypes.c_char * 256),
                ("fp_len", ctypes.c_uint8), ("adapter_fp_len", ctypes.c_uint8), ("reserved8", ctypes.c_uint8 * 2),
                ("reserved", ctypes.c_uint32 * 7)]


def _version_of(path):
    """(major, minor, patch) of a libllmz.so.X.Y.Z file name; None for any other name."""
    parts = os.path.basename(path).split(".")[2:]
    return tuple(int(p) for p in parts) if len(parts) == 3 and all(p.isdigit() for p in parts) else None


def _find_library():
    env = os.environ.get("LLMZ_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.path.join(os.path.dirname(here), "build"), os.path.join(here, "build")):
        found = [f for f in glob.glob(os.path.join(d, "libllmz.so.*.*.*")) if _version_of(f)]
        if found:  # the newest by number (0.10.0 after 0.9.0, which a sort by text puts first)
            return max(found, key=_version_of)
    name = ctypes.util.find_library("llmz")
    if name:
        return name
    raise ImportError("llmz: the shared library was not found: run `make shared`, install llmz, or set LLMZ_LIB")


# llmz_read_fn: the archive's bytes [offset, offset + len) into buf; 0, or an error code
_READ_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t)
_FLAG_GROUP, _GROUP_CHUNKS = 0x80, 16


def _load():
    lib = ctypes.CDLL(_find_library())
    p, sz, u8p, i = ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint8), ctypes.c_int
    pp, szp = ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)
    sigs = {
        "llmz_version_string": (ctypes.c_char_p, []),
        "llmz_error_name": (ctypes.c_char_p, [i]),
        "llmz_model_load_file": (i, [pp, ctypes.c_char_p]),
        "llmz_model_load_default": (i, [pp]),
        "llmz_model_load_builtin_prefix": (i, [pp, u8p, sz]),
        "llmz_model_load_builtin_adapter_prefix": (i, [pp, p, u8p, sz]),
        "llmz_model_name": (ctypes.c_char_p, [p]),
        "llmz_model_token_bytes": (sz, [p, ctypes.c_int32, ctypes.POINTER(ctypes.POINTER(ctypes.c_uint8))]),
        "llmz_model_free": (None, [p]),
        "llmz_cctx_create": (p, [p]),
        "llmz_cctx_free": (None, [p]),
        "llmz_cctx_set": (i, [p, i, ctypes.c_longlong]),
        "llmz_auto_chunk": (ctypes.c_uint32, [ctypes.c_uint64]),
        "llmz_frame_bound": (sz, [sz]),
        "llmz_compress_frame": (i, [p, p, sz, szp, p, sz, ctypes.POINTER(_Stats)]),
        "llmz_dctx_create": (p, [p]),
        "llmz_dctx_free": (None, [p]),
        "llmz_dctx_set": (i, [p, i, ctypes.c_longlong]),
        "llmz_decompress_frame": (i, [p, p, sz, szp, p, sz, ctypes.POINTER(_Stats)]),
        "llmz_frame_header_size": (i, [p, sz, szp]),
        "llmz_frame_get_info": (i, [ctypes.POINTER(_FrameInfo), p, sz]),
        "llmz_frame_model_is": (i, [ctypes.POINTER(_FrameInfo), p, i]),
        "llmz_dctx_frame_memory": (ctypes.c_uint64, [p, ctypes.POINTER(_FrameInfo)]),
        "llmz_analyze_frame": (i, [p, p, sz, ctypes.POINTER(ctypes.POINTER(_TokenInfo)), szp,
                                   ctypes.POINTER(_Stats)]),
        "llmz_free_tokens": (None, [ctypes.POINTER(_TokenInfo)]),
        "llmz_index_bound": (sz, [sz]),
        "llmz_index_write": (i, [p, sz, szp, ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64), sz]),
        "llmz_archive_open": (i, [pp, _READ_FN, p, ctypes.c_uint64]),
        "llmz_archive_orig_size": (ctypes.c_uint64, [p]),
        "llmz_archive_frames": (sz, [p]),
        "llmz_archive_used_index": (i, [p]),
        "llmz_archive_frame": (i, [p, sz, ctypes.POINTER(_FrameInfo), ctypes.POINTER(ctypes.c_uint64),
                                   ctypes.POINTER(ctypes.c_uint64)]),
        "llmz_archive_read": (i, [p, p, ctypes.c_uint64, p, sz, szp, ctypes.POINTER(_Stats)]),
        "llmz_archive_free": (None, [p]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    # later libraries: skippable frames (the archive index) are passed over where the library knows them
    optional = {"llmz_skippable_size": (i, [p, sz, ctypes.POINTER(ctypes.c_uint64)])}
    for name, (res, args) in optional.items():
        f = getattr(lib, name, None)
        if f is not None:
            f.restype, f.argtypes = res, args
    return lib


_lib = _load()
FORMAT_VERSION = 11


def library_version():
    """The version string of the llmz library in use, e.g. "0.11.0"."""
    return _lib.llmz_version_string().decode()


def _error_name(code):
    return _lib.llmz_error_name(code).decode("ascii", "replace")


def _check(err, detail=None):
    if err != 0:
        raise LLMZError(err, detail)


# ---- buffers: bytes-like objects without copies where possible ---------------------------------------------------
def _as_bytes(data, what="data"):
    """data (any bytes-like object) as bytes; str and other objects raise TypeError."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        raise TypeError("llmz: %s must be bytes-like (bytes, bytearray, memoryview), not str; encode it first" % what)
    try:
        mv = memoryview(data)
    except TypeError:
        raise TypeError("llmz: %s must be bytes-like, not %s" % (what, type(data).__name__)) from None
    return mv.cast("B").tobytes() if mv.ndim != 1 or mv.itemsize != 1 or not mv.c_contiguous else mv.tobytes()


def _addr(b):
    """Address of the bytes object b's contents (b must stay referenced while the address is used)."""
    return ctypes.cast(ctypes.c_char_p(b), ctypes.c_void_p).value or 0


# ---- models: loaded once per process ---------------------------------------------------------------------------
_models = {}  # key ("default", None) / ("file", abspath) / ("builtin", fingerprint prefix) -> llmz_model pointer
_models_lock = threading.Lock()


def _model(path=None):
    """The model for compressing: the built-in default, or the GGUF file at path."""
    key = ("default", None) if path is None else ("file", os.path.abspath(os.fspath(path)))
    with _models_lock:
        m = _models.get(key)
        if m is None:
            out = ctypes.c_void_p()
            if path is None:
                _check(_lib.llmz_model_load_default(ctypes.byref(out)), "the built-in model")
            else:
                if not os.path.isfile(key[1]):
                    raise FileNotFoundError(2, "llmz: no model file", key[1])
                _check(_lib.llmz_model_load_file(ctypes.byref(out), os.fsencode(key[1])), key[1])
            m = _models[key] = out.value
        return m


def _fp_hex(info, adapter=False):
    fp, n = (info.adapter_fp, info.adapter_fp_len) if adapter else (info.model_fp, info.fp_len)
    return bytes(fp[:n]).hex()


def _decode_model(info, path):
    """The model a frame names: one loaded already, a built-in one, else the file at path (llmz_frame_model_is)."""
    with _models_lock:
        cached = list(_models.values())
    if path is not None:
        cached.insert(0, _model(path))
    for m in cached:
        if _lib.llmz_frame_model_is(ctypes.byref(info), m, 0):
            return m
    base = None
    for m in cached:
        if _lib.llmz_frame_model_is(ctypes.byref(info), m, 1):
            base = m
            break
    if base is None:
        key = ("builtin", bytes(info.model_fp[:info.fp_len]))
        with _models_lock:
            base = _models.get(key)
            if base is None:
                out = ctypes.c_void_p()
                if _lib.llmz_model_load_builtin_prefix(ctypes.byref(out), info.model_fp, info.fp_len) == 0:
                    base = _models[key] = out.value
    if base is None:
        name = info.model_name.decode("utf-8", "replace")
        raise LLMZError(_ERR_MODEL_MISMATCH, "the archive needs model %s%s, which is not built in; give its GGUF file "
                        "with model=PATH" % ("'%s' " % name if name else "", _fp_hex(info)))
    if not info.has_adapter:
        return base
    key = ("adapter", bytes(info.model_fp[:info.fp_len]), bytes(info.adapter_fp[:info.adapter_fp_len]))
    with _models_lock:
        m = _models.get(key)
        if m is None:
            out = ctypes.c_void_p()
            if _lib.llmz_model_load_builtin_adapter_prefix(ctypes.byref(out), base, info.adapter_fp,
                                                           info.adapter_fp_len) != 0:
                raise LLMZError(_ERR_MODEL_MISMATCH, "the archive needs adapter %s, which is not built in"
                                % _fp_hex(info, True))
            m = _models[key] = out.value
    return m


# ---- compression ------------------------------------------------------------------------------------------------
def _threads(threads):
    if threads is None:
        threads = os.cpu_count() or 1
    if not isinstance(threads, int) or threads < 1:
        raise ValueError("llmz: threads must be a positive int")
    return min(threads, _MAX_THREADS)


# The CLI's levels (cli/codec.c) as LLMZ_P_CHUNK_SHIFT: 1: 16 KiB chunks, 2: 32 KiB, 3-6: automatic, 7, 8: 2x, 4x
# the automatic size, 9: one chunk per frame; a chunk_size wins over the level.
_LEVEL_SHIFT = {1: -2, 2: -1, 7: 1, 8: 2, 9: 8}


class _Compressor:
    """One compression context: frames of the segments given to frame()."""

    def __init__(self, level=6, threads=None, model=None, chunk_size=0, segment_size=SEGMENT_SIZE, adapt=None,
                 format_version=None):
        if not isinstance(level, int) or not 1 <= level <= 9:
            raise ValueError("llmz: level must be an int from 1 to 9")
        if not isinstance(segment_size, int) or segment_size < 1:
            raise ValueError("llmz: segment_size must be a positive int")
        self._cctx = None
        self.level, self.chunk_size, self.segment = level, chunk_size, segment_size
        if chunk_size:  # a whole number of chunks per frame, as the CLI does
            self.segment = chunk_size if chunk_size >= segment_size else segment_size // chunk_size * chunk_size
        self.model = _model(model)
        self._cctx = _lib.llmz_cctx_create(self.model)
        if not self._cctx:
            raise MemoryError("llmz: cannot create a compression context")
        try:
            self._set(_P_THREADS, _threads(threads))
            self._set(_P_CHUNK_SIZE, chunk_size)
            self._set(_P_CHUNK_SHIFT, 0 if chunk_size else _LEVEL_SHIFT.get(level, 0))
            if adapt is not None:
                self._set(_P_ADAPT, adapt)
            if format_version is not None:
                self._set(_P_FORMAT, format_version)
        except BaseException:
            self.close()
            raise

    def _set(self, p, v):
        _check(_lib.llmz_cctx_set(self._cctx, p, v), "parameter %d = %r" % (p, v))

    def frame(self, seg, off=0, n=None):
        """One frame of seg[off, off+n) (seg: bytes)."""
        n = len(seg) - off if n is None else n
        cap = _lib.llmz_frame_bound(n)
        out = ctypes.create_string_buffer(cap)
        size = ctypes.c_size_t()
        _check(_lib.llmz_compress_frame(self._cctx, out, cap, ctypes.byref(size), _addr(seg) + off, n, None))
        return ctypes.string_at(out, size.value)

    def analyze(self, seg, off, n):
        toks = ctypes.POINTER(_TokenInfo)()
        count, st = ctypes.c_size_t(), _Stats()
        _check(_lib.llmz_analyze_frame(self._cctx, _addr(seg) + off, n, ctypes.byref(toks), ctypes.byref(count),
                                       ctypes.byref(st)))
        try:
            recs = []  # copied out before the records are freed (toks[k] points into them)
            for k in range(count.value):
                r = toks[k]
                recs.append((r.offset, r.length, r.token, r.bits, r.lm_bits, r.top, r.rank, r.part))
            return recs, st
        finally:
            _lib.llmz_free_tokens(toks)

    def close(self):
        if self._cctx:
            _lib.llmz_cctx_free(self._cctx)
            self._cctx = None

    def __del__(self):
        self.close()


def _index(frame_sizes, orig_sizes):
    """The index (a skippable frame) of frames of these sizes (docs/format.md, "Random access: the index")."""
    n = len(frame_sizes)
    fs, os_ = (ctypes.c_uint64 * max(n, 1))(*frame_sizes), (ctypes.c_uint64 * max(n, 1))(*orig_sizes)
    cap = _lib.llmz_index_bound(n)
    out, size = ctypes.create_string_buffer(cap), ctypes.c_size_t()
    _check(_lib.llmz_index_write(out, cap, ctypes.byref(size), fs, os_, n), "index")
    return ctypes.string_at(out, size.value)


def compress(data, level=6, threads=None, model=None, chunk_size=0, segment_size=SEGMENT_SIZE, adapt=None,
             format_version=None, index=False):
    """Compress bytes-like data into llmz frames (one per segment_size bytes, at least one) and return them as
    bytes.  level 1..9 and chunk_size as the CLI's -1..-9 and --chunk-size; threads: default all cores (the output
    is the same for any count); model: a GGUF file for another model than the built-in one; adapt: LLMZ_ADAPT_*
    bits (default all); format_version: the format written (default the newest); index: write an index after the
    frames (`llmz --index`: random access without scanning; llmz 0.1 decoders reject it).  Same bytes as `llmz -c`
    (with `--index` when index is true)."""
    data = _as_bytes(data)
    c = _Compressor(level, threads, model, chunk_size, segment_size, adapt, format_version)
    try:
        out, sizes, off = [], [], 0
        while True:
            n = min(c.segment, len(data) - off)
            out.append(c.frame(data, off, n))
            sizes.append(n)
            off += n
            if off >= len(data):
                if index:
                    out.append(_index([len(f) for f in out], sizes))
                return b"".join(out)
    finally:
        c.close()


# ---- frames -----------------------------------------------------------------------------------------------------
FrameInfo = namedtuple("FrameInfo", "offset frame_size orig_size header_size n_chunks raw_chunks bytes_chunks "
                                    "mixed_chunks chunk_size format_version mode model_name model_fp has_adapter")
FrameInfo.__doc__ = "One frame of an archive: where it starts, its size, what it decodes to (llmz_frame_info)."


def _skippable(read, off):
    """The size of the skippable frame at off (0: none there, or a library that has none)."""
    f = getattr(_lib, "llmz_skippable_size", None)
    if f is None:
        return 0
    blk, size = read(off, 16), ctypes.c_uint64()
    err = f(blk, len(blk), ctypes.byref(size))
    if err != 0:  # not one, or too few bytes to tell (8 make a header): the frame parser says what is wrong
        return 0
    if size.value == 0 or not read(off + size.value - 1, 1):
        raise LLMZError(_ERR_TRUNCATED, "the input ends inside a skippable frame at byte %d" % off)
    return size.value


def _header(read, off, first):
    """The frame at archive offset off (after zero padding unless first, and skippable frames): (start,
    _FrameInfo), or None at a clean end.  read(off, n) returns up to n archive bytes from off."""
    while True:
        if not first:
            while True:  # zero bytes after a frame are padding (no frame starts with a zero byte)
                blk = read(off, 4096)
                z = len(blk) - len(blk.lstrip(b"\0"))
                off += z
                if z < len(blk) or not blk:
                    break
        skip = _skippable(read, off)
        if not skip:
            break
        off, first = off + skip, False
    need = ctypes.c_size_t(16)
    blk = read(off, 64)
    if not blk:
        if first:
            raise LLMZError(_ERR_TRUNCATED, "empty input")
        return None
    while True:
        err = _lib.llmz_frame_header_size(blk, len(blk), ctypes.byref(need))
        if err == 0:
            break
        if err != _ERR_TRUNCATED or need.value <= len(blk):
            _check(err, "frame at byte %d" % off)
        more = read(off, need.value)
        if len(more) <= len(blk):
            raise LLMZError(_ERR_TRUNCATED, "the input ends inside the frame header at byte %d" % off)
        blk = more
    info = _FrameInfo()
    _check(_lib.llmz_frame_get_info(ctypes.byref(info), blk, len(blk)), "frame at byte %d" % off)
    return off, info


def _scan(read):
    """Every frame of an archive: a list of (offset, _FrameInfo), reading only the headers."""
    out, off = [], 0
    while True:
        h = _header(read, off, not out)
        if h is None:
            return out
        out.append(h)
        off = h[0] + h[1].frame_size
        if not read(off - 1, 1):
            raise LLMZError(_ERR_TRUNCATED, "the input ends inside the frame at byte %d (it has %d bytes)"
                            % (h[0], h[1].frame_size))


def _bytes_reader(data):
    return lambda off, n: data[off:off + n]


def frames(data):
    """The frames of an archive (bytes-like): a list of FrameInfo, from the headers alone (nothing is decoded)."""
    data = _as_bytes(data, "archive")
    res = []
    for off, i in _scan(_bytes_reader(data)):
        res.append(FrameInfo(off, i.frame_size, i.orig_size, i.header_size, i.n_chunks, i.raw_chunks, i.bytes_chunks,
                             i.mixed_chunks, i.chunk_size, i.format_version, i.mode,
                             i.model_name.decode("utf-8", "replace"), bytes(i.model_fp[:i.fp_len]).hex(),
                             bool(i.has_adapter)))
    return res


class _Decoder:
    """Decoding frames, with one context per model."""

    def __init__(self, threads=None, model=None, memlimit=MEMLIMIT):
        self.threads, self.model, self.memlimit = _threads(threads), model, memlimit
        self._dctx, self._for = None, None

    def ctx(self, info):
        """The decompression context for the model the frame described by info names."""
        m = _decode_model(info, self.model)
        if self._for != m:
            self.close()
            self._dctx = _lib.llmz_dctx_create(m)
            if not self._dctx:
                raise MemoryError("llmz: cannot create a decompression context")
            self._for = m
            _check(_lib.llmz_dctx_set(self._dctx, _P_THREADS, self.threads))
            _check(_lib.llmz_dctx_set(self._dctx, _P_MEMLIMIT, self.memlimit or 0))
        return self._dctx

    def unit(self, arch, info, off, n):
        """The original bytes [off, off+n) of the archive arch (one frame's, described by info), decoded from the
        chunks (or chunk groups) that cover them alone (llmz_archive_read)."""
        d = self.ctx(info)
        out, got = ctypes.create_string_buffer(max(n, 1)), ctypes.c_size_t()
        _check(_lib.llmz_archive_read(arch, d, off, out, n, ctypes.byref(got), None), "bytes %d to %d" % (off, off + n))
        if got.value != n:
            raise LLMZError(_ERR_CORRUPT, "a range decoded to %d bytes, not %d" % (got.value, n))
        return ctypes.string_at(out, n)

    def frame(self, info, src, off):
        """The bytes of the frame described by info at src[off:] (src: bytes)."""
        self.ctx(info)
        if off + info.frame_size > len(src):
            raise LLMZError(_ERR_TRUNCATED, "the input ends inside a frame (%d of its %d bytes)"
                            % (len(src) - off, info.frame_size))
        need = _lib.llmz_dctx_frame_memory(self._dctx, ctypes.byref(info))
        if self.memlimit and need > self.memlimit:  # before allocating the output a header claims
            raise LLMZError(_ERR_MEMLIMIT, "the frame needs %d bytes, more than memlimit=%d" % (need, self.memlimit))
        cap = info.orig_size
        out = ctypes.create_string_buffer(max(cap, 1))
        size = ctypes.c_size_t()
        _check(_lib.llmz_decompress_frame(self._dctx, out, cap, ctypes.byref(size), _addr(src) + off,
                                          info.frame_size, None))
        if size.value != cap:
            raise LLMZError(_ERR_CORRUPT, "a frame decoded to %d bytes, its header says %d" % (size.value, cap))
        return ctypes.string_at(out, cap)

    def close(self):
        if self._dctx:
            _lib.llmz_dctx_free(self._dctx)
            self._dctx, self._for = None, None

    def __del__(self):
        self.close()


def decompress(data, threads=None, model=None, memlimit=MEMLIMIT):
    """Decompress llmz data (one frame or several concatenated, zero-byte padding between frames allowed) and
    return the original bytes.  model: the GGUF file of a model that is not built in; memlimit: refuse frames
    needing more memory (0: no limit).  A damaged or truncated archive raises LLMZError."""
    data = _as_bytes(data, "archive")
    d = _Decoder(threads, model, memlimit)
    try:
        return b"".join(d.frame(info, data, off) for off, info in _scan(_bytes_reader(data)))
    finally:
        d.close()


# ---- analysis ---------------------------------------------------------------------------------------------------
TokenInfo = namedtuple("TokenInfo", "offset length token bits lm_bits top rank part data")
TokenInfo.__doc__ = ("One coded token (llmz_token_info): offset and length in the input, token id (-1: bytes of a "
                     "stored chunk), bits the coder spent, bits under the language model alone, the top guess and "
                     "the token's rank, the part of the predictor that helped most (PART_*), and its bytes.  Offsets "
                     "count CRLF line ends as LF in chunks coded so (the library's rule).")
Stats = namedtuple("Stats", "in_bytes out_bytes tokens raw_chunks chunks model_bits coded_bits freq_bits")
Stats.__doc__ = "Totals of a compression (llmz_stats); freq_bits is the sum of the tokens' bits."
Analysis = namedtuple("Analysis", "tokens stats")


def _stats(st):
    return Stats(st.in_bytes, st.out_bytes, st.tokens, st.raw_chunks, st.chunks, st.model_bits, st.coded_bits,
                 st.freq_bits)


def _token_bytes(m, t):
    p = ctypes.POINTER(ctypes.c_uint8)()
    n = _lib.llmz_model_token_bytes(m, t, ctypes.byref(p))
    return ctypes.string_at(p, n) if n else b""


def analyze(data, level=6, threads=None, model=None, chunk_size=0, segment_size=SEGMENT_SIZE, adapt=None):
    """Where the bits go: compress data as compress() would and return Analysis(tokens, stats), a TokenInfo per
    token in input order (offsets in the whole input) and the Stats summed over the frames."""
    data = _as_bytes(data)
    c = _Compressor(level, threads, model, chunk_size, segment_size, adapt)
    toks, tot, off = [], [0] * 8, 0
    try:
        while True:
            n = min(c.segment, len(data) - off)
            recs, st = c.analyze(data, off, n)
            for r in recs:
                o = off + r[0]
                toks.append(TokenInfo(o, *r[1:], _token_bytes(c.model, r[2]) if r[2] >= 0 else data[o:o + r[1]]))
            tot = [a + b for a, b in zip(tot, _stats(st))]
            off += n
            if off >= len(data):
                return Analysis(toks, Stats(*tot))
    finally:
        c.close()


# ---- file objects -----------------------------------------------------------------------------------------------
_MODE_READ, _MODE_WRITE, _MODE_CLOSED = 1, 2, 0


class LLMZFile(io.BufferedIOBase):
    """A file object over an llmz archive, like lzma.LZMAFile.

    filename: a path or a binary file object; mode 'rb' (read, the default), 'wb' (write), 'xb' (create) or 'ab'
    (append frames to an existing archive).  Reading needs a seekable file: the library maps the archive by its
    index (llmz --index, index=True) or else by its frame headers, so seek() and tell() are exact and cheap, and
    only the chunks (or chunk groups) that cover a position are decoded (the last decoded piece is kept).
    Writing keeps at most one segment in memory and writes a frame per segment; close() writes the rest (an
    archive of an empty file is one empty frame) and, with index=True, the index of the frames written.  The other
    arguments are compress()'s and decompress()'s."""

    def __init__(self, filename, mode="rb", *, level=6, threads=None, model=None, chunk_size=0,
                 segment_size=SEGMENT_SIZE, adapt=None, memlimit=MEMLIMIT, index=False):
        self._fp, self._owns, self._mode = None, False, _MODE_CLOSED  # closed until fully set up
        if mode in ("r", "rb"):
            raw_mode, want = "rb", _MODE_READ
        elif mode in ("w", "wb", "a", "ab", "x", "xb"):
            raw_mode, want = mode[0] + "b", _MODE_WRITE
        else:
            raise ValueError("llmz: invalid mode %r" % (mode,))
        if want == _MODE_READ:
            dec = _Decoder(threads, model, memlimit)
        else:
            comp = _Compressor(level, threads, model, chunk_size, segment_size, adapt)
        if isinstance(filename, (str, bytes)) or hasattr(filename, "__fspath__"):
            fp, self._owns = builtins.open(filename, raw_mode), True
            self.name = os.fspath(filename)
        elif hasattr(filename, "read") or hasattr(filename, "write"):
            fp = filename
            self.name = getattr(filename, "name", None)
        else:
            raise TypeError("llmz: filename must be a str, bytes or path object, or a file object")
        self._fp, self._pos = fp, 0
        if want == _MODE_READ:
            self._dec = dec
            self._index = None  # [(archive offset, _FrameInfo, first original byte)], made on first use
            self._starts = []
            self._size = 0
            self._arch, self._readfn = None, None  # the library's map of the archive, and its read callback
            self._cache = (-1, 0, b"")  # (frame number, first original byte, the bytes of the piece decoded)
        else:
            self._comp = comp
            self._buf = bytearray()
            self._frames = 0
            self._with_index, self._sizes = index, []  # (frame size, original size) of each frame written
            # appending to an empty (or new) file makes a new archive: it gets at least one frame
            self._append = raw_mode == "ab" and fp.tell() > 0
        self._mode = want

    # -- state
    def _check_open(self):
        if self._mode == _MODE_CLOSED:
            raise ValueError("I/O operation on closed file")

    def _check_read(self):
        self._check_open()
        if self._mode != _MODE_READ:
            raise io.UnsupportedOperation("File not open for reading")

    def _check_write(self):
        self._check_open()
        if self._mode != _MODE_WRITE:
            raise io.UnsupportedOperation("File not open for writing")

    @property
    def closed(self):
        return self._mode == _MODE_CLOSED

    def readable(self):
        self._check_open()
        return self._mode == _MODE_READ

    def writable(self):
        self._check_open()
        return self._mode == _MODE_WRITE

    def seekable(self):
        return self.readable() and self._fp.seekable()

    def fileno(self):
        self._check_open()
        return self._fp.fileno()

    def close(self):
        if self._mode == _MODE_CLOSED:
            return
        try:
            if self._mode == _MODE_WRITE:
                if self._buf or (self._frames == 0 and not self._append):
                    self._write_frame(bytes(self._buf))
                    self._buf.clear()
                if self._with_index and self._sizes:
                    self._fp.write(_index([f for f, _ in self._sizes], [o for _, o in self._sizes]))
                self._comp.close()
            else:
                self._dec.close()
                self._cache = (-1, 0, b"")
                if self._arch:
                    _lib.llmz_archive_free(self._arch)
                    self._arch = None
        finally:
            try:
                if self._owns:
                    self._fp.close()
            finally:
                self._mode, self._fp = _MODE_CLOSED, None

    # -- writing
    def _write_frame(self, seg, off=0, n=None):
        f = self._comp.frame(seg, off, n)
        self._fp.write(f)
        self._frames += 1
        self._sizes.append((len(f), len(seg) - off if n is None else n))

    def write(self, data):
        """Write bytes-like data (str raises TypeError); returns the number of bytes taken."""
        self._check_write()
        data = _as_bytes(data)
        self._buf += data
        self._pos += len(data)
        seg = self._comp.segment
        if len(self._buf) >= seg:
            whole = len(self._buf) // seg * seg
            view = bytes(self._buf[:whole])
            del self._buf[:whole]
            for off in range(0, whole, seg):
                self._write_frame(view, off, seg)
        return len(data)

    # -- reading: everything goes through _decode_range
    def _scan_index(self):
        if self._index is not None:
            return
        self._check_read()
        fp = self._fp

        def read(opaque, off, buf, n):
            try:
                fp.seek(off)
                b = fp.read(n)
                if len(b) != n:
                    return _ERR_TRUNCATED
                ctypes.memmove(buf, b, n)
                return 0
            except Exception:  # an exception cannot cross the C library: it reads as a short file
                return _ERR_TRUNCATED

        fp.seek(0, io.SEEK_END)
        size = fp.tell()
        self._readfn, arch = _READ_FN(read), ctypes.c_void_p()
        _check(_lib.llmz_archive_open(ctypes.byref(arch), self._readfn, None, size), "archive")
        self._arch = arch
        index = []
        for k in range(_lib.llmz_archive_frames(arch)):
            info, aoff, ooff = _FrameInfo(), ctypes.c_uint64(), ctypes.c_uint64()
            _check(_lib.llmz_archive_frame(arch, k, ctypes.byref(info), ctypes.byref(aoff), ctypes.byref(ooff)))
            index.append((aoff.value, info, ooff.value))
        self._index, self._starts = index, [s for _, _, s in index]
        self._size = _lib.llmz_archive_orig_size(arch)

    def used_index(self):
        """True when the archive was mapped by its index (else by scanning its frame headers)."""
        self._scan_index()
        return bool(_lib.llmz_archive_used_index(self._arch))

    def _piece(self, k, pos):
        """(first original byte, bytes) of the piece of frame k holding pos: its chunk, or with chunk groups its
        group, the unit the library decodes on its own (the last piece decoded is kept)."""
        _, info, start = self._index[k]
        unit = info.chunk_size * (_GROUP_CHUNKS if info.flags & _FLAG_GROUP else 1) or 1
        first = start + (pos - start) // unit * unit
        if self._cache[:2] != (k, first):
            n = min(unit, start + info.orig_size - first)
            self._cache = (k, first, self._dec.unit(self._arch, info, first, n))
        return first, self._cache[2]

    def _find(self, pos):
        """The frame number holding original byte pos (the last of the frames starting at or before it)."""
        return max(bisect.bisect_right(self._starts, pos) - 1, 0)

    def _decode_range(self, off, n):
        """The original bytes [off, off+n) of the archive's content (fewer at its end).  The one place the read
        path decodes: the pieces that cover them, by the library's map of the archive."""
        self._scan_index()
        out, end = [], min(off + n, self._size)
        k = self._find(off)
        while off < end and k < len(self._index):
            _, info, start = self._index[k]
            if info.orig_size and start + info.orig_size > off:
                first, piece = self._piece(k, off)
                take = piece[off - first:end - first]
                out.append(take)
                off += len(take)
                if start + info.orig_size > off:
                    continue
            k += 1
        return b"".join(out)

    def _frame_end(self, pos):
        """The end (original offset) of the frame that holds pos: reads of 'what is at hand' stop there."""
        self._scan_index()
        if pos >= self._size:
            return self._size
        _, info, start = self._index[self._find(pos)]
        return start + info.orig_size

    def read(self, size=-1):
        self._check_read()
        self._scan_index()
        if size is None or size < 0:
            size = self._size - self._pos
        b = self._decode_range(self._pos, size)
        self._pos += len(b)
        return b

    def read1(self, size=-1):
        """At most size bytes, decoding at most one frame."""
        self._check_read()
        end = self._frame_end(self._pos)
        if size is None or size < 0 or size > end - self._pos:
            size = end - self._pos
        return self.read(size)

    def peek(self, size=-1):
        """Bytes from the position without moving it (at least one unless at the end; at most one frame's)."""
        self._check_read()
        end = self._frame_end(self._pos)
        return self._decode_range(self._pos, min(max(size, 8192), end - self._pos))

    def readinto(self, b):
        with memoryview(b) as view, view.cast("B") as mv:
            data = self.read(len(mv))
            mv[:len(data)] = data
        return len(data)

    def readline(self, size=-1):
        self._check_read()
        if size is None:
            size = -1
        parts, got, step = [], 0, 256
        while size < 0 or got < size:
            want = step if size < 0 else min(step, size - got)
            chunk = self._decode_range(self._pos, want)
            if not chunk:
                break
            nl = chunk.find(b"\n")
            if nl >= 0:
                chunk = chunk[:nl + 1]
            parts.append(chunk)
            got += len(chunk)
            self._pos += len(chunk)
            if nl >= 0:
                break
            step = min(step * 2, 1 << 20)  # long lines: fewer, larger reads
        return b"".join(parts)

    def seek(self, offset, whence=io.SEEK_SET):
        """Move to offset (original bytes); SEEK_END counts from the content's end, known from the headers."""
        self._check_read()
        if not self._fp.seekable():
            raise io.UnsupportedOperation("the underlying file is not seekable")
        self._scan_index()
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError("invalid whence (%r)" % (whence,))
        self._pos = max(0, min(pos, self._size))
        return self._pos

    def tell(self):
        self._check_open()
        return self._pos

    def __iter__(self):
        self._check_read()
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

def open(filename, mode="rb", *, encoding=None, errors=None, newline=None, **kwargs):
    """Open an llmz archive in binary ('rb', 'wb', 'xb', 'ab') or text ('rt', 'wt', 'xt', 'at') mode, like
    gzip.open and lzma.open; keyword arguments (level, threads, model, ...) go to LLMZFile."""
    if "t" in mode:
        if "b" in mode:
            raise ValueError("llmz: invalid mode %r" % (mode,))
        return io.TextIOWrapper(LLMZFile(filename, mode.replace("t", "b"), **kwargs), encoding, errors, newline)
    if encoding is not None or errors is not None or newline is not None:
        raise ValueError("llmz: encoding, errors and newline are for text modes")
    return LLMZFile(filename, mode if "b" in mode else mode + "b", **kwargs)
