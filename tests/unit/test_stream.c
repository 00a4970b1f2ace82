/* test_stream.c -- the streaming API (llmz_compress_stream, llmz_decompress_stream; docs/streaming.md): the stream
** writes exactly the frames llmz_compress_frame makes segment by segment, whatever the input and output buffer
** sizes; FLUSH, END (twice), empty input, many segments, the index; decoding of concatenated frames with skippable
** frames and zero padding, truncation at every byte, damage, a model switch after LLMZ_ERR_MODEL_MISMATCH, the
** memory limit.  Uses tests/data/tiny.gguf (and tiny-f16.gguf, another model). */
#include <stdint.h>

#include "common/mem.h"
#include "llmz.h"
#include "t.h"

static llmz_model *M;
static unsigned char *text; /* words */
static size_t N = 40000;
static uint64_t rng = 12345;

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A growing byte buffer. */
typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}

static llmz_cctx *cctx(size_t segment, size_t chunk) {
    llmz_cctx *c = llmz_cctx_create(M);
    llmz_cctx_set(c, LLMZ_P_SEGMENT, (long long)segment);
    llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, (long long)chunk);
    return c;
}

/* What the CLI wrote before streams: llmz_compress_frame on each segment of seg bytes (an empty input: one frame). */
static void ref_frames(llmz_cctx *c, buf *b, const unsigned char *src, size_t n, size_t seg) {
    size_t at = 0;
    unsigned char *f = malloc(llmz_frame_bound(seg));
    do {
        size_t k = n - at < seg ? n - at : seg, fs = 0;
        CHECK_EQ(llmz_compress_frame(c, f, llmz_frame_bound(seg), &fs, src + at, k, NULL), LLMZ_OK);
        put(b, f, fs);
        at += k;
    } while (at < n);
    free(f);
}

/* Compress src in pieces (piece(i) bytes each, 0: random 1..3000) through an out buffer of `outsz` bytes, then END.
** Returns the last error. */
static int stream_pieces(llmz_cctx *c, buf *b, const unsigned char *src, size_t n, size_t piece, size_t outsz) {
    unsigned char *o = malloc(outsz);
    size_t at = 0, pending = 1;
    int rc = LLMZ_OK, guard = 0;
    while (at < n && rc == LLMZ_OK) {
        size_t k = piece ? piece : 1 + (size_t)(next() % 3000);
        llmz_inbuf in = {src + at, k < n - at ? k : n - at, 0};
        while (in.pos < in.size && rc == LLMZ_OK) {
            llmz_outbuf out = {o, outsz, 0};
            rc = llmz_compress_stream(c, &out, &in, LLMZ_CONTINUE, &pending);
            put(b, o, out.pos);
        }
        at += in.size;
    }
    pending = 1;
    while (pending && rc == LLMZ_OK && guard++ < 10000000) {
        llmz_inbuf in = {NULL, 0, 0};
        llmz_outbuf out = {o, outsz, 0};
        rc = llmz_compress_stream(c, &out, &in, LLMZ_END, &pending);
        put(b, o, out.pos);
    }
    free(o);
    return rc;
}

/* Decode src[0, n) fed in pieces of `piece` bytes (0: random) through an out buffer of outsz bytes; at the end of
** the input, calls with an empty input until the hint is 0 or nothing comes: LLMZ_ERR_TRUNCATED if the hint is
** still not 0.  *used: input bytes consumed. */
static int unstream(llmz_dctx *d, buf *b, const unsigned char *src, size_t n, size_t piece, size_t outsz,
                    size_t *used) {
    unsigned char *o = malloc(outsz);
    size_t at = 0, hint = 1;
    int rc = LLMZ_OK;
    while (at < n && rc == LLMZ_OK) {
        size_t k = piece ? piece : 1 + (size_t)(next() % 5000);
        llmz_inbuf in = {src + at, k < n - at ? k : n - at, 0};
        for (;;) {
            llmz_outbuf out = {o, outsz, 0};
            size_t had = in.pos;
            rc = llmz_decompress_stream(d, &out, &in, &hint);
            put(b, o, out.pos);
            if (rc != LLMZ_OK || (in.pos == in.size && out.pos < out.size)) break;
            if (in.pos == had && out.pos == 0) { /* no progress: a bug */
                rc = -1;
                break;
            }
        }
        at += in.pos;
        if (rc == LLMZ_OK && in.pos < in.size) break; /* stopped consuming: cannot happen with room in out */
    }
    while (rc == LLMZ_OK && hint) {
        llmz_inbuf in = {NULL, 0, 0};
        llmz_outbuf out = {o, outsz, 0};
        rc = llmz_decompress_stream(d, &out, &in, &hint);
        put(b, o, out.pos);
        if (out.pos == 0) break;
    }
    if (rc == LLMZ_OK && hint) rc = LLMZ_ERR_TRUNCATED;
    if (used) *used = at;
    free(o);
    return rc;
}

static int same(const buf *b, const void *p, size_t n) { return b->n == n && (n == 0 || !memcmp(b->p, p, n)); }

/* ---- compression: the same bytes as llmz_compress_frame per segment ---- */
static void case_same_bytes(void) {
    static const struct {
        size_t n, seg, chunk;
    } cfg[] = {{20000, 4096, 0}, {20000, 8192, 4096}, {16384, 4096, 0}, {3000, 0, 0}, {12288, 10000, 4096}};
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        llmz_cctx *c = cctx(cfg[i].seg, cfg[i].chunk);
        buf r = {0}, s = {0};
        size_t seg = cfg[i].seg ? cfg[i].seg : LLMZ_SEGMENT_DEFAULT;
        uint64_t frames = 0;
        llmz_stats st;
        if (cfg[i].chunk) seg = seg / cfg[i].chunk * cfg[i].chunk; /* whole chunks */
        ref_frames(c, &r, text, cfg[i].n, seg);
        CHECK_EQ(stream_pieces(c, &s, text, cfg[i].n, 4096, llmz_stream_out_size()), LLMZ_OK);
        CHECK(same(&s, r.p, r.n));
        CHECK_EQ(llmz_cctx_stream_stats(c, &st, &frames), LLMZ_OK);
        CHECK_EQ(frames, (cfg[i].n + seg - 1) / seg);
        CHECK_EQ(st.in_bytes, cfg[i].n);
        CHECK_EQ(st.out_bytes, r.n);
        free(r.p);
        free(s.p);
        llmz_cctx_free(c);
    }
}

/* 1 byte at a time into a 1-byte out, random pieces into random-sized outs: the same bytes */
static void case_splits(void) {
    llmz_cctx *c = cctx(4096, 0);
    buf r = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    size_t n = 9000;
    ref_frames(c, &r, text, n, 4096);
    CHECK_EQ(stream_pieces(c, &s1, text, n, 1, 1), LLMZ_OK);
    CHECK(same(&s1, r.p, r.n));
    CHECK_EQ(stream_pieces(c, &s2, text, n, 0, 1 + (size_t)(next() % 700)), LLMZ_OK);
    CHECK(same(&s2, r.p, r.n));
    CHECK_EQ(stream_pieces(c, &s3, text, n, n, 7), LLMZ_OK); /* all at once, small out */
    CHECK(same(&s3, r.p, r.n));
    free(r.p);
    free(s1.p);
    free(s2.p);
    free(s3.p);
    llmz_cctx_free(c);
}

/* FLUSH in the middle: a frame of what came so far, then segments again from there */
static void case_flush(void) {
    llmz_cctx *c = cctx(4096, 0);
    buf r = {0}, s = {0};
    unsigned char o[64];
    size_t pending = 1, cut = 5000;
    int rc = LLMZ_OK;
    ref_frames(c, &r, text, cut, 4096);        /* 4096 + 904 */
    ref_frames(c, &r, text + cut, 6000, 4096); /* then 4096 + 1904 */
    llmz_inbuf in = {text, cut, 0};
    while (pending && rc == LLMZ_OK) {
        llmz_outbuf out = {o, sizeof o, 0};
        rc = llmz_compress_stream(c, &out, &in, LLMZ_FLUSH, &pending);
        put(&s, o, out.pos);
    }
    CHECK_EQ(rc, LLMZ_OK);
    CHECK_EQ(in.pos, cut);
    { /* a FLUSH with nothing begun writes nothing */
        llmz_inbuf e = {NULL, 0, 0};
        llmz_outbuf out = {o, sizeof o, 0};
        CHECK_EQ(llmz_compress_stream(c, &out, &e, LLMZ_FLUSH, &pending), LLMZ_OK);
        CHECK_EQ(out.pos, 0);
        CHECK_EQ(pending, 0);
    }
    CHECK_EQ(stream_pieces(c, &s, text + cut, 6000, 333, 100), LLMZ_OK);
    CHECK(same(&s, r.p, r.n));
    free(r.p);
    free(s.p);
    llmz_cctx_free(c);
}

/* END twice writes nothing more; an empty stream is one empty frame; reset_stream starts afresh */
static void case_end(void) {
    llmz_cctx *c = cctx(4096, 0);
    buf r = {0}, s = {0}, e = {0};
    unsigned char o[100000];
    size_t pending = 9;
    llmz_inbuf in = {NULL, 0, 0};
    llmz_outbuf out = {o, sizeof o, 0};
    ref_frames(c, &e, text, 0, 4096);
    CHECK(e.n > 0);
    CHECK_EQ(llmz_compress_stream(c, &out, &in, LLMZ_END, &pending), LLMZ_OK); /* a fresh cctx: an empty stream */
    CHECK_EQ(pending, 0);
    CHECK(out.pos == e.n && !memcmp(o, e.p, e.n));
    out.pos = 0;
    pending = 9;
    CHECK_EQ(llmz_compress_stream(c, &out, &in, LLMZ_END, &pending), LLMZ_OK); /* END again: nothing */
    CHECK_EQ(out.pos, 0);
    CHECK_EQ(pending, 0);
    CHECK_EQ(llmz_cctx_reset_stream(c), LLMZ_OK); /* a second, empty stream */
    CHECK_EQ(llmz_compress_stream(c, &out, &in, LLMZ_END, &pending), LLMZ_OK);
    CHECK(out.pos == e.n && !memcmp(o, e.p, e.n));
    /* a stream after an END: input starts a new one */
    ref_frames(c, &r, text, 5000, 4096);
    CHECK_EQ(stream_pieces(c, &s, text, 5000, 5000, 1000), LLMZ_OK);
    CHECK(same(&s, r.p, r.n));
    out.pos = 0;
    CHECK_EQ(llmz_compress_stream(c, &out, &in, LLMZ_END, &pending), LLMZ_OK);
    CHECK_EQ(out.pos, 0);
    /* reset in the middle drops what was held */
    in.src = text;
    in.size = 3000;
    in.pos = 0;
    out.pos = 0;
    CHECK_EQ(llmz_compress_stream(c, &out, &in, LLMZ_CONTINUE, &pending), LLMZ_OK);
    CHECK_EQ(in.pos, 3000);
    CHECK_EQ(out.pos, 0);
    CHECK_EQ(llmz_cctx_reset_stream(c), LLMZ_OK);
    free(s.p);
    s.p = NULL;
    s.n = s.cap = 0;
    CHECK_EQ(stream_pieces(c, &s, text, 5000, 1024, 1000), LLMZ_OK);
    CHECK(same(&s, r.p, r.n));
    free(r.p);
    free(s.p);
    free(e.p);
    llmz_cctx_free(c);
}

/* many segments, with the index at END; the decoder reads it all back and passes over the index */
static void case_many_index(void) {
    size_t nseg = t_quick() ? 8 : 24, n = nseg * 4096 + 123, nf = 0, used = 0;
    unsigned char *src = malloc(n);
    llmz_cctx *c = cctx(4096, 0);
    llmz_dctx *d = llmz_dctx_create(M);
    buf r = {0}, s = {0}, back = {0};
    uint64_t fs[64], os[64], isz = 0, frames = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) /* text, with binary stretches the byte models code fast */
        src[i] = (i / 4096) % 4 == 0 ? text[i % N] : (unsigned char)((i % 7 == 0) ? 0 : (i & 0x3f));
    ref_frames(c, &r, src, n, 4096);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_INDEX, 1), LLMZ_OK);
    CHECK_EQ(stream_pieces(c, &s, src, n, 0, 5000), LLMZ_OK);
    CHECK(s.n > r.n && !memcmp(s.p, r.p, r.n)); /* the frames, then the index */
    CHECK_EQ(llmz_index_tail(s.p + s.n - LLMZ_INDEX_TRAILER, &isz), LLMZ_OK);
    CHECK_EQ(isz, s.n - r.n);
    CHECK_EQ(llmz_index_read(s.p + r.n, s.n - r.n, fs, os, 64, &nf), LLMZ_OK);
    CHECK_EQ(nf, nseg + 1);
    {
        uint64_t tot = 0, orig = 0;
        for (size_t i = 0; i < nf && i < 64; i++) {
            tot += fs[i];
            orig += os[i];
        }
        CHECK_EQ(tot, r.n);
        CHECK_EQ(orig, n);
        CHECK_EQ(os[0], 4096);
        CHECK_EQ(os[nseg], 123);
    }
    CHECK_EQ(unstream(d, &back, s.p, s.n, 0, 3000, &used), LLMZ_OK);
    CHECK(same(&back, src, n));
    CHECK_EQ(used, s.n);
    CHECK_EQ(llmz_dctx_stream_stats(d, NULL, &frames, &skipped), LLMZ_OK);
    CHECK_EQ(frames, nseg + 1);
    CHECK_EQ(skipped, 1);
    free(src);
    free(r.p);
    free(s.p);
    free(back.p);
    llmz_cctx_free(c);
    llmz_dctx_free(d);
}

/* ---- decompression ---- */
/* a skippable frame of c content bytes */
static void put_skippable(buf *b, size_t c) {
    unsigned char h[8] = {0x89, 'L', 'M', 'S', (unsigned char)c, (unsigned char)(c >> 8), (unsigned char)(c >> 16), 0};
    put(b, h, 8);
    for (size_t i = 0; i < c; i++) put(b, "\x07", 1);
}

static buf A, B; /* two frames: text[0, 3000) and text[3000, 8000) */
static size_t a_n, b_n;

static void make_ab(void) {
    llmz_cctx *c = cctx(0, 0);
    ref_frames(c, &A, text, 3000, 3000);
    ref_frames(c, &B, text + 3000, 5000, 5000);
    a_n = A.n;
    b_n = B.n;
    llmz_cctx_free(c);
}

static void case_concat(void) {
    buf s = {0}, back = {0};
    static const unsigned char z[5] = {0};
    size_t used;
    llmz_dctx *d = llmz_dctx_create(M);
    put_skippable(&s, 3); /* a skippable frame may come first */
    put(&s, A.p, a_n);
    put(&s, z, 5); /* padding */
    put_skippable(&s, 0);
    put(&s, B.p, b_n);
    put_skippable(&s, 70000);
    put(&s, z, 3);
    for (int mode = 0; mode < 3; mode++) {
        back.n = 0;
        llmz_dctx_reset_stream(d);
        CHECK_EQ(unstream(d, &back, s.p, s.n,
                          mode == 0   ? 1
                          : mode == 1 ? 0
                                      : s.n,
                          mode == 0 ? 1 : 4096, &used),
                 LLMZ_OK);
        CHECK(same(&back, text, 8000));
        CHECK_EQ(used, s.n);
    }
    { /* zero bytes before the first item are not padding */
        buf zz = {0};
        put(&zz, z, 1);
        put(&zz, A.p, a_n);
        back.n = 0;
        llmz_dctx_reset_stream(d);
        CHECK_EQ(unstream(d, &back, zz.p, zz.n, 0, 4096, NULL), LLMZ_ERR_NOT_LLMZ);
        free(zz.p);
    }
    { /* garbage after a frame: LLMZ_ERR_NOT_LLMZ, which stays until a reset */
        buf g = {0};
        llmz_inbuf in = {NULL, 0, 0};
        unsigned char o[16];
        llmz_outbuf out = {o, sizeof o, 0};
        put(&g, A.p, a_n);
        put(&g, "junk", 4);
        back.n = 0;
        llmz_dctx_reset_stream(d);
        CHECK_EQ(unstream(d, &back, g.p, g.n, 0, 4096, NULL), LLMZ_ERR_NOT_LLMZ);
        CHECK(same(&back, text, 3000)); /* the frame before it was written */
        CHECK_EQ(llmz_decompress_stream(d, &out, &in, NULL), LLMZ_ERR_NOT_LLMZ);
        CHECK_EQ(llmz_dctx_reset_stream(d), LLMZ_OK);
        CHECK_EQ(llmz_decompress_stream(d, &out, &in, NULL), LLMZ_OK);
        free(g.p);
    }
    free(s.p);
    free(back.p);
    llmz_dctx_free(d);
}

/* a stream cut anywhere: the end of input is reported truncated, except at an item's end, where the output is the
** items before it; never a wrong byte */
static void case_truncated(void) {
    buf s = {0}, back = {0};
    size_t ends[4], cuts = 0, good = 0;
    llmz_dctx *d = llmz_dctx_create(M);
    put(&s, A.p, a_n);
    ends[0] = s.n;
    put_skippable(&s, 20);
    ends[1] = s.n;
    put(&s, B.p, b_n);
    ends[2] = s.n;
    put_skippable(&s, 9);
    ends[3] = s.n;
    size_t far = t_quick() ? 211 : 53;
    for (size_t cut = 0; cut < s.n;
         cut += cut < 100 || s.n - cut < 60 || (cut > a_n - 30 && cut < a_n + 60) ? 1 : far) {
        int boundary = cut == ends[0] || cut == ends[1] || cut == ends[2];
        int rc;
        back.n = 0;
        llmz_dctx_reset_stream(d);
        rc = unstream(d, &back, s.p, cut, 0, 4096, NULL);
        cuts++;
        if (boundary)
            good += rc == LLMZ_OK && same(&back, text, cut >= ends[2] ? 8000 : 3000);
        else
            good += rc == LLMZ_ERR_TRUNCATED && back.n <= 8000 && (back.n == 0 || !memcmp(back.p, text, back.n));
    }
    CHECK_EQ(good, cuts);
    free(s.p);
    free(back.p);
    llmz_dctx_free(d);
}

/* damaged bytes: an error or the exact output, and the error stays */
static void case_damage(void) {
    llmz_dctx *d = llmz_dctx_create(M);
    buf back = {0};
    unsigned char *x = malloc(b_n);
    size_t bad = 0, tries = 0;
    for (size_t pos = 0; pos < b_n; pos += pos < 120 ? 3 : 97) {
        int rc;
        memcpy(x, B.p, b_n);
        x[pos] ^= 0x5a;
        back.n = 0;
        llmz_dctx_reset_stream(d);
        rc = unstream(d, &back, x, b_n, 0, 4096, NULL);
        tries++;
        if (rc == LLMZ_OK && !same(&back, text + 3000, 5000)) bad++;
        if (rc != LLMZ_OK && rc != LLMZ_ERR_TRUNCATED) { /* sticky */
            llmz_inbuf in = {NULL, 0, 0};
            llmz_outbuf out = {NULL, 0, 0};
            if (llmz_decompress_stream(d, &out, &in, NULL) != rc) bad++;
        }
    }
    CHECK(tries > 40);
    CHECK_EQ(bad, 0);
    free(x);
    free(back.p);
    llmz_dctx_free(d);
}

/* Calls until an error, or in is consumed (past the stops at frame headers) or out is full. */
static int feed(llmz_dctx *d, llmz_outbuf *out, llmz_inbuf *in, size_t *hint) {
    int rc, guard = 0;
    do rc = llmz_decompress_stream(d, out, in, hint);
    while (rc == LLMZ_OK && in->pos < in->size && out->pos < out->size && guard++ < 1000);
    return rc;
}

/* a frame of another model: LLMZ_ERR_MODEL_MISMATCH once its header is in, nothing of it consumed beyond; after
** llmz_dctx_set_model the stream goes on */
static void case_model_switch(void) {
    char path[512];
    llmz_model *M2 = NULL;
    snprintf(path, sizeof path, "%s/tiny-f16.gguf", t_data_dir());
    if (llmz_model_load_file(&M2, path) != LLMZ_OK) {
        T_SKIP("tiny-f16.gguf absent");
        return;
    }
    llmz_cctx *c2 = llmz_cctx_create(M2);
    llmz_dctx *d = llmz_dctx_create(M);
    buf s = {0}, back = {0};
    unsigned char *o = malloc(10000);
    llmz_frame_info info;
    size_t hint = 0, fs = 0;
    unsigned char *f = malloc(llmz_frame_bound(4000));
    CHECK_EQ(llmz_compress_frame(c2, f, llmz_frame_bound(4000), &fs, text + 100, 4000, NULL), LLMZ_OK);
    put(&s, A.p, a_n);
    put(&s, f, fs);
    llmz_inbuf in = {s.p, s.n, 0};
    llmz_outbuf out = {o, 10000, 0};
    CHECK_EQ(llmz_dctx_stream_info(d, &info), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(feed(d, &out, &in, &hint), LLMZ_ERR_MODEL_MISMATCH);
    CHECK_EQ(out.pos, 3000); /* the first frame's output came out */
    CHECK_EQ(llmz_dctx_stream_info(d, &info), LLMZ_OK);
    CHECK(llmz_frame_model_is(&info, M2, 0) && !llmz_frame_model_is(&info, M, 0));
    CHECK_EQ(in.pos, a_n + info.header_size); /* only the header of the second frame */
    CHECK(hint > 0);
    CHECK_EQ(feed(d, &out, &in, &hint), LLMZ_ERR_MODEL_MISMATCH); /* still: not sticky */
    CHECK_EQ(llmz_dctx_set_model(d, M2), LLMZ_OK);
    CHECK_EQ(llmz_dctx_set_model(d, NULL), LLMZ_ERR_PARAM);
    CHECK_EQ(feed(d, &out, &in, &hint), LLMZ_OK);
    CHECK_EQ(hint, 0);
    CHECK_EQ(in.pos, s.n);
    CHECK(out.pos == 7000 && !memcmp(o, text, 3000) && !memcmp(o + 3000, text + 100, 4000));
    free(o);
    free(f);
    free(s.p);
    free(back.p);
    llmz_cctx_free(c2);
    llmz_dctx_free(d);
    llmz_model_free(M2);
}

/* the memory limit: refused after the header, before the frame is taken in; raised, the stream goes on */
static void case_memlimit(void) {
    llmz_dctx *d = llmz_dctx_create(M);
    llmz_frame_info info;
    unsigned char o[4000];
    size_t hint = 0;
    llmz_inbuf in = {A.p, a_n, 0};
    llmz_outbuf out = {o, sizeof o, 0};
    CHECK_EQ(llmz_decompress_stream(d, &out, &in, &hint), LLMZ_OK); /* a call stops at an accepted header */
    CHECK_EQ(llmz_dctx_stream_info(d, &info), LLMZ_OK);
    CHECK_EQ(in.pos, info.header_size);
    CHECK_EQ(info.orig_size, 3000);
    CHECK_EQ(feed(d, &out, &in, &hint), LLMZ_OK);
    CHECK(out.pos == 3000 && !memcmp(o, text, 3000));
    CHECK_EQ(llmz_dctx_stream_info(d, &info), LLMZ_ERR_TRUNCATED); /* between frames */
    CHECK_EQ(hint, 0);
    llmz_dctx_reset_stream(d);
    in.pos = out.pos = 0;
    CHECK_EQ(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, 1024), LLMZ_OK);
    CHECK_EQ(feed(d, &out, &in, &hint), LLMZ_ERR_MEMLIMIT);
    CHECK_EQ(llmz_dctx_stream_info(d, &info), LLMZ_OK);
    CHECK_EQ(in.pos, info.header_size);
    CHECK(llmz_dctx_frame_memory(d, &info) > 1024);
    CHECK_EQ(out.pos, 0);
    CHECK_EQ(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, (long long)llmz_dctx_frame_memory(d, &info)), LLMZ_OK);
    CHECK_EQ(feed(d, &out, &in, &hint), LLMZ_OK);
    CHECK(out.pos == 3000 && !memcmp(o, text, 3000));
    CHECK_EQ(hint, 0);
    llmz_dctx_free(d);
}

static void case_params(void) {
    llmz_cctx *c = llmz_cctx_create(M);
    llmz_dctx *d = llmz_dctx_create(M);
    llmz_inbuf in = {NULL, 0, 0};
    llmz_outbuf out = {NULL, 0, 0};
    size_t p = 7;
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_SEGMENT, 4095), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_SEGMENT, (long long)LLMZ_MAX_SEGMENT + 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_SEGMENT, 4096), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_SEGMENT, 0), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_INDEX, 2), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_dctx_set(d, LLMZ_P_SEGMENT, 4096), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_compress_stream(NULL, &out, &in, LLMZ_END, &p), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_compress_stream(c, &out, &in, (llmz_end_op)3, &p), LLMZ_ERR_PARAM);
    in.pos = 1;
    CHECK_EQ(llmz_compress_stream(c, &out, &in, LLMZ_CONTINUE, &p), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_decompress_stream(d, &out, &in, &p), LLMZ_ERR_PARAM);
    in.pos = 0;
    CHECK_EQ(llmz_decompress_stream(d, &out, &in, &p), LLMZ_OK);
    CHECK(p > 0); /* nothing yet: not a complete stream */
    CHECK(llmz_stream_in_size() > 0 && llmz_stream_out_size() > 0);
    { /* an empty out: a frame waits */
        llmz_inbuf t = {text, 4096, 0};
        llmz_cctx_set(c, LLMZ_P_SEGMENT, 4096);
        CHECK_EQ(llmz_compress_stream(c, &out, &t, LLMZ_CONTINUE, &p), LLMZ_OK);
        CHECK_EQ(t.pos, 4096);
        CHECK(p > 0);
    }
    llmz_cctx_free(c);
    llmz_dctx_free(d);
    llmz_cctx_free(NULL);
}

/* allocation failures (llmz_mem_fail_after, as test_faults): the N-th allocation and every later one fail; every
** stream call then returns LLMZ_ERR_NOMEM (and leaves nothing allocated once the context is freed: LeakSanitizer
** in make asan-test) or the stream is right.  Random input (stored chunks, no model run) keeps the loops short. */
static unsigned char fz_in[9000];
static buf fz_ref;

static int fz_compress(void) {
    llmz_cctx *c = llmz_cctx_create(M);
    buf s = {0};
    int rc;
    if (!c) return LLMZ_ERR_NOMEM;
    llmz_cctx_set(c, LLMZ_P_SEGMENT, 4096);
    llmz_cctx_set(c, LLMZ_P_INDEX, 1);
    rc = stream_pieces(c, &s, fz_in, sizeof fz_in, 3000, 1000);
    if (rc == LLMZ_OK && !same(&s, fz_ref.p, fz_ref.n)) rc = -1;
    free(s.p);
    llmz_cctx_free(c);
    return rc;
}

static int fz_decompress(void) {
    llmz_dctx *d = llmz_dctx_create(M);
    buf b = {0};
    int rc;
    if (!d) return LLMZ_ERR_NOMEM;
    rc = unstream(d, &b, fz_ref.p, fz_ref.n, 2500, 1000, NULL);
    if (rc == LLMZ_OK && !same(&b, fz_in, sizeof fz_in)) rc = -1;
    free(b.p);
    llmz_dctx_free(d);
    return rc;
}

static void fz_loop(const char *what, int (*fn)(void)) {
    long c0 = llmz_mem_alloc_count(), total;
    int rc = fn(), bad = 0;
    total = llmz_mem_alloc_count() - c0;
    CHECK_EQ(rc, LLMZ_OK);
    for (long n = 1; n <= total + 1; n++) {
        llmz_mem_fail_after(n);
        rc = fn();
        llmz_mem_fail_after(-1);
        if (rc != LLMZ_OK && rc != LLMZ_ERR_NOMEM && bad++ < 5)
            fprintf(stderr, "FAIL %s: allocation %ld of %ld failing -> %d\n", what, n, total, rc);
        if (n == total + 1 && rc != LLMZ_OK) bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK(total > 5);
}

static void case_faults(void) {
    llmz_cctx *c = cctx(4096, 0);
    for (size_t i = 0; i < sizeof fz_in; i++) fz_in[i] = (unsigned char)(next() >> 24);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_INDEX, 1), LLMZ_OK);
    CHECK_EQ(stream_pieces(c, &fz_ref, fz_in, sizeof fz_in, sizeof fz_in, 100000), LLMZ_OK);
    llmz_cctx_free(c);
    fz_loop("compress stream", fz_compress);
    fz_loop("decompress stream", fz_decompress);
    free(fz_ref.p);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"same_bytes", case_same_bytes},
                                   {"splits", case_splits},
                                   {"flush", case_flush},
                                   {"end", case_end},
                                   {"many_index", case_many_index},
                                   {"concat", case_concat},
                                   {"truncated", case_truncated},
                                   {"damage", case_damage},
                                   {"model_switch", case_model_switch},
                                   {"memlimit", case_memlimit},
                                   {"params", case_params},
                                   {"faults", case_faults}};
    char path[512];
    int rc;
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    rc = llmz_model_load_file(&M, path);
    CHECK_EQ(rc, LLMZ_OK);
    if (rc) return T_DONE();
    text = malloc(N);
    const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps\n", "over ", "lazy ", "dog, ", "1984 ", "\t"};
    for (size_t i = 0; i < N;) {
        const char *w = words[next() % 10];
        for (; *w && i < N; w++) text[i++] = (unsigned char)*w;
    }
    make_ab();
    rc = t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
    free(A.p);
    free(B.p);
    free(text);
    llmz_model_free(M);
    return rc;
}
