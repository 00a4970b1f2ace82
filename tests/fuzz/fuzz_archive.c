/* fuzz_archive.c -- libFuzzer target: random access (llmz_archive_open, llmz_archive_read) over arbitrary bytes,
** checked against the plain streaming decoder on the same bytes.
**
** The input is an archive made with the micro model (tests/data/micro.gguf; seeds in tests/fuzz/corpus/archive:
** several frames, an index at the end or in the middle, skippable frames, zero padding, chunk groups).  Invariants:
**   - the read callback is never asked for bytes past the archive's end;
**   - every call returns a defined code; a range read reports at most the bytes asked for;
**   - when the streaming decoder (llmz_decompress_stream, which reads every frame from the start) decodes the input
**     whole to at most ARCH_MAX_OUT bytes, the archive maps, its size is that output's, and two ranges chosen from
**     the input's hash read back exactly the stream's bytes -- whatever an index (damaged, lying) says;
**   - when it fails, ranges of an archive of at most ARCH_MAX_OUT bytes may still decode (the damage may lie
**     elsewhere), and then they are as long as asked or stop at the end.
** It is kept fast (about as fast as decode_fast) by decoding nothing larger: the stream is stopped at the first frame
** header that claims more output than is left of ARCH_MAX_OUT, and then no range is read.
** Run with -max_len=8192 (run.sh). */
#include "fuzz.h"

#define ARCH_MAX_OUT (8 * 1024) /* bytes an input may decode to for the comparison */
#define ARCH_MEMLIMIT (96ll << 20)

typedef struct {
    const uint8_t *p;
    size_t n;
} arch_src;

static int arch_read(void *opaque, uint64_t off, void *buf, size_t len) {
    const arch_src *s = opaque;
    FUZZ_ASSERT(off <= s->n && len <= s->n - off); /* the library never asks past archive_size */
    if (off > s->n || len > s->n - off) return LLMZ_ERR_TRUNCATED;
    memcpy(buf, s->p + off, len);
    return 0;
}

static llmz_dctx *arch_dctx_;

static llmz_dctx *arch_dctx(void) {
    if (!arch_dctx_) {
        arch_dctx_ = llmz_dctx_create(fuzz_micro_model());
        FUZZ_ASSERT(arch_dctx_ != NULL);
        if (arch_dctx_) {
            FUZZ_ASSERT(llmz_dctx_set(arch_dctx_, LLMZ_P_THREADS, 1) == LLMZ_OK);
            FUZZ_ASSERT(llmz_dctx_set(arch_dctx_, LLMZ_P_MEMLIMIT, ARCH_MEMLIMIT) == LLMZ_OK);
        }
    }
    return arch_dctx_;
}

#ifdef FUZZ_REGRESS
static void fuzz_archive_free(void) {
    llmz_dctx_free(arch_dctx_);
    arch_dctx_ = NULL;
}
#endif

/* The whole output by the streaming decoder into out (cap bytes): its length; -1 when it fails or is truncated;
** -2 when a frame's header claims more than is left of cap (not decoded). */
static long arch_stream(llmz_dctx *d, const uint8_t *p, size_t n, uint8_t *out, size_t cap) {
    llmz_inbuf in = {p, n, 0};
    llmz_outbuf o = {out, cap, 0};
    size_t hint = 1;
    FUZZ_ASSERT(llmz_dctx_reset_stream(d) == LLMZ_OK);
    for (int calls = 0; calls < 1 << 16; calls++) {
        size_t before_in = in.pos, before_out = o.pos;
        int rc = llmz_decompress_stream(d, &o, &in, &hint);
        FUZZ_ASSERT(FUZZ_VALID_RC(rc));
        if (rc != LLMZ_OK) return -1;
        llmz_frame_info fi;
        if (llmz_dctx_stream_info(d, &fi) == LLMZ_OK && fi.orig_size > cap - o.pos) return -2;
        if (in.pos == n && (hint == 0 || (o.pos == before_out && in.pos == before_in))) break;
    }
    return hint == 0 ? (long)o.pos : -1;
}

static uint64_t arch_hash(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

FUZZ_TARGET(fuzz_archive) {
    llmz_dctx *d = arch_dctx();
    if (!d) return 0;
    arch_src src = {data, size};
    uint8_t *full = malloc(ARCH_MAX_OUT), *part = malloc(1024);
    long whole = full ? arch_stream(d, data, size, full, ARCH_MAX_OUT) : -1;
    llmz_archive *a = NULL;
    int rc = llmz_archive_open(&a, arch_read, &src, size);
    FUZZ_ASSERT(FUZZ_VALID_RC(rc));
    if (whole >= 0) FUZZ_ASSERT(rc == LLMZ_OK);
    if (rc == LLMZ_OK && part && whole != -2 && llmz_archive_orig_size(a) <= ARCH_MAX_OUT) {
        uint64_t total = llmz_archive_orig_size(a), h = arch_hash(data, size);
        if (whole >= 0) FUZZ_ASSERT(total == (uint64_t)whole);
        for (int k = 0; k < 2; k++, h >>= 24) {
            uint64_t off = k == 0 ? h % (total + 1) : (total > 100 ? total - 100 : 0);
            size_t len = (size_t)(h >> 12) % 1025, got = 99999;
            int r = llmz_archive_read(a, d, off, part, len, &got, NULL);
            FUZZ_ASSERT(FUZZ_VALID_RC(r));
            FUZZ_ASSERT(got <= len);
            if (r == LLMZ_OK) FUZZ_ASSERT(got == len || off + got == total);
            if (whole >= 0) {
                FUZZ_ASSERT(r == LLMZ_OK);
                FUZZ_ASSERT(r != LLMZ_OK || memcmp(part, full + off, got) == 0);
            }
        }
    }
    llmz_archive_free(a);
    free(full);
    free(part);
    return 0;
}
