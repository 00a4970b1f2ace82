/* test_roundtrip.c -- library round trips on every kind of input, determinism across kernels and thread
** counts, frame concatenation, wrong model, damaged frames. Uses tests/data/tiny.gguf (quality-free). */
#include <stdint.h>

#include "llmz.h"
#include "t.h"

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 24);
}

static llmz_model *M;

static unsigned char *compress(const void *src, size_t n, size_t *out_n, int kernels, int threads, size_t chunk) {
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK(c != NULL);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_KERNELS, kernels), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, threads), LLMZ_OK);
    if (chunk) CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, (long long)chunk), LLMZ_OK);
    size_t cap = llmz_frame_bound(n);
    unsigned char *dst = malloc(cap);
    int rc = llmz_compress_frame(c, dst, cap, out_n, src, n, NULL);
    CHECK_EQ(rc, LLMZ_OK);
    llmz_cctx_free(c);
    return dst;
}

static int decompress(const unsigned char *src, size_t n, unsigned char **out, size_t *out_n, int kernels,
                      int threads) {
    llmz_dctx *d = llmz_dctx_create(M);
    llmz_dctx_set(d, LLMZ_P_KERNELS, kernels);
    llmz_dctx_set(d, LLMZ_P_THREADS, threads);
    llmz_frame_info fi;
    int rc = llmz_frame_get_info(&fi, src, n);
    *out = NULL;
    if (rc == LLMZ_OK) {
        *out = malloc(fi.orig_size + 1);
        rc = llmz_decompress_frame(d, *out, fi.orig_size, out_n, src, n, NULL);
    }
    llmz_dctx_free(d);
    return rc;
}

static void roundtrip(const char *what, const unsigned char *src, size_t n, int k1, int t1, int k2, int t2,
                      size_t chunk) {
    size_t cn, dn = 0;
    unsigned char *c = compress(src, n, &cn, k1, t1, chunk);
    unsigned char *d;
    int rc = decompress(c, cn, &d, &dn, k2, t2);
    CHECK_EQ(rc, LLMZ_OK);
    CHECK_EQ(dn, n);
    int same = rc == LLMZ_OK && dn == n && (n == 0 || memcmp(src, d, n) == 0);
    if (!same) fprintf(stderr, "round trip failed: %s (%zu bytes)\n", what, n);
    CHECK(same);
    /* random data grows at most 1% + 128 bytes */
    CHECK(cn <= n + n / 100 + 128);
    free(c);
    free(d);
}

/* the inputs every case uses (made once, before any case runs) */
static unsigned char *text, *rnd, *bin;
static uint64_t rng_cases; /* the generator after them: a case that draws more numbers starts from here */
enum { N = 200000 };

/* every kind of input, across kernel sets and thread counts */
static void case_inputs(void) {
    unsigned char bad_utf8[] = {0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0, 0, 'x'};
    roundtrip("empty", text, 0, LLMZ_KERNELS_REF, 1, LLMZ_KERNELS_AUTO, 2, 0);
    roundtrip("1 byte", text, 1, LLMZ_KERNELS_REF, 1, LLMZ_KERNELS_AUTO, 2, 0);
    for (int b = 0; b < 256; b += 51) {
        unsigned char one = (unsigned char)b;
        roundtrip("single byte value", &one, 1, LLMZ_KERNELS_AUTO, 1, LLMZ_KERNELS_AUTO, 1, 0);
    }
    roundtrip("invalid utf-8", bad_utf8, sizeof bad_utf8, LLMZ_KERNELS_REF, 1, LLMZ_KERNELS_AUTO, 3, 0);
    roundtrip("random 20k", rnd, 20000, LLMZ_KERNELS_AUTO, 2, LLMZ_KERNELS_REF, 1, 0);
    roundtrip("binary 30k", bin, 30000, LLMZ_KERNELS_AUTO, 2, LLMZ_KERNELS_AUTO, 1, 8192);
    /* the cross-kernel / cross-thread determinism test: ref on 1 thread -> fastest on 3, and back (quick, t.h: 20,000
    ** bytes, 3 chunks, where the reference kernels code a few KB a second) */
    size_t nt = t_quick() ? 20000 : 50000;
    roundtrip("text ref1->fast3", text, nt, LLMZ_KERNELS_REF, 1, LLMZ_KERNELS_AUTO, 3, 8192);
    roundtrip("text fast3->ref1", text, nt, LLMZ_KERNELS_AUTO, 3, LLMZ_KERNELS_REF, 1, 8192);
    roundtrip("text long chunk (window restarts)", text, 30000, LLMZ_KERNELS_AUTO, 1, LLMZ_KERNELS_AUTO, 2, 0);
}

/* the same bytes from every kernel set and thread count; frame info; the memory a decoder needs */
static void case_same_bytes(void) {
    size_t a, b, c3, n = t_quick() ? 20000 : 40000; /* quick (t.h): 5 chunks; the reference kernels are slow there */
    unsigned char *x = compress(text, n, &a, LLMZ_KERNELS_REF, 1, 4096);
    unsigned char *y = compress(text, n, &b, LLMZ_KERNELS_AUTO, 2, 4096);
    unsigned char *z = compress(text, n, &c3, LLMZ_KERNELS_AUTO, 1, 4096);
    CHECK(a == b && b == c3 && memcmp(x, y, a) == 0 && memcmp(y, z, a) == 0); /* same bytes every way */
    /* frame info */
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, x, a), LLMZ_OK);
    CHECK_EQ(fi.orig_size, n);
    CHECK_EQ(fi.frame_size, a);
    CHECK_EQ(fi.n_chunks, n / 4096 + 1);
    CHECK_EQ(fi.window, 0); /* format 4: the model's defaults, the tiny model's context 64 and keep 16 */
    CHECK_EQ(fi.keep, 0);
    /* memory: what the decoding threads hold depends on their number (each lane of a team its batch and
    ** logits; one thread one larger batch, its logits a big block in whole 2 MiB pages, mem.h); the memory
    ** limit is checked against exactly that figure (a limit at the smaller of the two refuses the other
    ** count, and the count it fits decodes) */
    {
        llmz_dctx *d1 = llmz_dctx_create(M), *d4 = llmz_dctx_create(M);
        CHECK_EQ(llmz_dctx_set(d4, LLMZ_P_THREADS, 4), LLMZ_OK);
        CHECK_EQ(llmz_dctx_set(d1, LLMZ_P_THREADS, 1), LLMZ_OK);
        uint64_t m1 = llmz_dctx_frame_memory(d1, &fi), m4 = llmz_dctx_frame_memory(d4, &fi);
        CHECK(m1 > fi.orig_size + fi.frame_size && m4 > fi.orig_size + fi.frame_size);
        CHECK(m4 != m1);
        llmz_dctx *lo = m1 < m4 ? d1 : d4, *hi = m1 < m4 ? d4 : d1;
        uint64_t lim = m1 < m4 ? m1 : m4;
        CHECK_EQ(llmz_dctx_set(d1, LLMZ_P_MEMLIMIT, (long long)lim), LLMZ_OK);
        CHECK_EQ(llmz_dctx_set(d4, LLMZ_P_MEMLIMIT, (long long)lim), LLMZ_OK);
        unsigned char *o = malloc(n);
        size_t on1 = 0;
        CHECK_EQ(llmz_decompress_frame(hi, o, n, &on1, x, a, NULL), LLMZ_ERR_MEMLIMIT);
        CHECK_EQ(llmz_decompress_frame(lo, o, n, &on1, x, a, NULL), LLMZ_OK);
        CHECK(on1 == n && memcmp(o, text, n) == 0);
        free(o);
        llmz_dctx_free(d1);
        llmz_dctx_free(d4);
    }
    CHECK(strcmp(fi.model_name, llmz_model_name(M)) == 0);
    size_t need = 0;
    CHECK_EQ(llmz_frame_header_size(x, 3, &need), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(llmz_frame_header_size(x, a, &need), LLMZ_OK);
    CHECK(need == fi.header_size);
    free(x);
    free(y);
    free(z);
}

/* every truncation and every single-byte flip of a frame fails cleanly */
static void case_damage(void) {
    size_t a;
    unsigned char *x = compress(text, 6000, &a, LLMZ_KERNELS_AUTO, 1, 4096);
    /* every truncation and every single-byte flip fails cleanly (never OK with wrong output) */
    unsigned char *out;
    size_t on;
    int bad = 0;
    llmz_frame_info hi;
    CHECK_EQ(llmz_frame_get_info(&hi, x, a), LLMZ_OK);
    /* every place in the first 160 bytes, then every 97th (cuts) and 53rd (flips); quick (t.h, the sanitizer build):
    ** every place in the header and chunk table and 16 bytes beyond, then every 4 times as many */
    size_t dense = t_quick() ? hi.header_size + 16 : 160, far = t_quick() ? 4 : 1;
    for (size_t cut = 0; cut < a; cut += (cut < dense ? 1 : 97 * far)) {
        int r = decompress(x, cut, &out, &on, LLMZ_KERNELS_AUTO, 1);
        bad += r == LLMZ_OK;
        free(out);
    }
    CHECK_EQ(bad, 0);
    int wrong = 0;
    for (size_t pos = 0; pos < a; pos += (pos < dense ? 1 : 53 * far)) {
        x[pos] ^= (unsigned char)(1u << (pos % 8));
        int r = decompress(x, a, &out, &on, LLMZ_KERNELS_AUTO, 1);
        /* never OK with wrong output.  A flip may leave the output intact (the range decoder can pick the same
        ** symbols from a value nudged inside a wide interval); the chunk CRC then rightly passes. */
        if (r == LLMZ_OK && (on != 6000 || memcmp(out, text, on) != 0)) wrong++;
        if (r == LLMZ_OK && pos < hi.header_size) wrong++; /* header and chunk table: every flip is caught */
        free(out);
        x[pos] ^= (unsigned char)(1u << (pos % 8));
    }
    CHECK_EQ(wrong, 0);
    free(x);
}

/* One frame of n bytes of src with the online models `adapt`, format `format` and chunk size `chunk` (0: auto),
** its frame info in fi. */
static unsigned char *compress_with(const unsigned char *src, size_t n, int adapt, int format, size_t chunk,
                                    int kernels, int threads, size_t *cn, llmz_frame_info *fi) {
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, adapt), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, format), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, (long long)chunk), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_KERNELS, kernels), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, threads), LLMZ_OK);
    size_t cap = llmz_frame_bound(n);
    unsigned char *x = malloc(cap);
    CHECK_EQ(llmz_compress_frame(c, x, cap, cn, src, n, NULL), LLMZ_OK);
    CHECK_EQ(llmz_frame_get_info(fi, x, *cn), LLMZ_OK);
    llmz_cctx_free(c);
    return x;
}

/* Every truncation and single-bit flip of frame x (of n original bytes src) fails cleanly: never LLMZ_OK with
** wrong output (a flip may leave the output intact: the chunk CRC then rightly passes). */
static void damage_frame(const unsigned char *x0, size_t a, const unsigned char *src, size_t n, size_t step) {
    unsigned char *x = malloc(a), *out;
    memcpy(x, x0, a);
    size_t on;
    int bad = 0;
    if (t_quick()) step *= 4; /* the sanitizer build: fewer places, each kind still */
    for (size_t cut = 0; cut < a; cut += (cut < 80 ? 1 : step)) {
        bad += decompress(x, cut, &out, &on, LLMZ_KERNELS_AUTO, 2) == LLMZ_OK;
        free(out);
    }
    CHECK_EQ(bad, 0);
    for (size_t pos = 0; pos < a; pos += (pos < 80 ? 1 : step)) {
        x[pos] ^= (unsigned char)(1u << (pos % 8));
        int r = decompress(x, a, &out, &on, LLMZ_KERNELS_AUTO, 2);
        bad += r == LLMZ_OK && (on != n || memcmp(out, src, n) != 0);
        free(out);
        x[pos] ^= (unsigned char)(1u << (pos % 8));
    }
    CHECK_EQ(bad, 0);
    free(x);
}

/* Format version 4's chunk methods 3 (the byte models alone) and 4 (the LM's tokens mixed with them): which chunks
** get them, the same bytes from every kernel set and thread count both ways, what turns them off, damage. */
static void case_methods(void) {
    llmz_frame_info fi;
    size_t cn;
    /* binary input: every chunk to the byte models, one chunk (binary inputs get chunks of 4 MiB or more) */
    size_t nb = t_quick() ? 6000 : 30000;
    unsigned char *x = compress_with(bin, nb, LLMZ_ADAPT_ALL, 4, 0, LLMZ_KERNELS_AUTO, 2, &cn, &fi);
    CHECK_EQ(fi.n_chunks, 1);
    CHECK_EQ(fi.bytes_chunks, 1);
    CHECK(cn < nb / 6); /* the records of bin: about 1 bit a byte in 6,000 bytes, less in 30,000 */
    damage_frame(x, cn, bin, nb, 7);
    free(x);
    /* 300 KB of zeros: a few hundred bytes, and the LM never runs */
    unsigned char *zeros = calloc(300000, 1);
    x = compress_with(zeros, 300000, LLMZ_ADAPT_ALL, 4, 0, LLMZ_KERNELS_AUTO, 2, &cn, &fi);
    CHECK(fi.n_chunks == 1 && fi.bytes_chunks == 1 && cn < 300);
    unsigned char *out;
    size_t on;
    CHECK_EQ(decompress(x, cn, &out, &on, LLMZ_KERNELS_REF, 1), LLMZ_OK);
    CHECK(on == 300000 && memcmp(out, zeros, on) == 0);
    free(out);
    free(x);
    free(zeros);
    /* binary input of two chunks (4 MiB and 4 KiB of zeros): no chunk group, so that its chunks run on two threads
    ** (a group's chunks are advanced by one worker: 8 MiB took 11.0 s on 1 and on 2 threads, now 5.6 s on 2)
    ** (skipped in the sanitizer build: 4 MiB through the byte models) */
    if (!t_quick()) {
        size_t nz = (4u << 20) + 4096;
        zeros = calloc(nz, 1);
        x = compress_with(zeros, nz, LLMZ_ADAPT_ALL, 4, 0, LLMZ_KERNELS_AUTO, 2, &cn, &fi);
        CHECK(fi.n_chunks == 2 && fi.bytes_chunks == 2 && (fi.flags & 0x80) == 0 && cn < 400);
        CHECK_EQ(decompress(x, cn, &out, &on, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
        CHECK(on == nz && memcmp(out, zeros, on) == 0);
        free(out);
        free(x);
        free(zeros);
    } else {
        T_SKIP_CHECKS(3);
    }
    /* text in a chunk group: the tiny model's tokens mixed with the byte models (method 4) win both chunks; the
    ** same bytes from ref on 1 thread, the fastest set on 2 and 3, decoded every way (a chunk size given: with the
    ** automatic one, the byte models alone in one chunk beat the tiny model, below) */
    size_t a, b;
    llmz_frame_info fb;
    x = compress_with(text, 40000, LLMZ_ADAPT_ALL, 4, 20000, LLMZ_KERNELS_REF, 1, &a, &fi);
    CHECK(fi.n_chunks == 2 && fi.mixed_chunks == 2 && (fi.flags & 0x80));
    for (int t = 2; t <= 3; t++) {
        unsigned char *y = compress_with(text, 40000, LLMZ_ADAPT_ALL, 4, 20000, LLMZ_KERNELS_AUTO, t, &b, &fb);
        CHECK(a == b && memcmp(x, y, a) == 0);
        free(y);
    }
    for (int t = 1; t <= 3; t++) {
        CHECK_EQ(decompress(x, a, &out, &on, t == 1 ? LLMZ_KERNELS_REF : LLMZ_KERNELS_AUTO, t), LLMZ_OK);
        CHECK(on == 40000 && memcmp(out, text, on) == 0);
        free(out);
    }
    damage_frame(x, a, text, 40000, 211);
    /* without LLMZ_ADAPT_BYTES, or in format 3: the LM alone, and a larger frame here */
    unsigned char *y =
        compress_with(text, 40000, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_BYTES, 4, 20000, LLMZ_KERNELS_AUTO, 2, &b, &fb);
    CHECK(fb.bytes_chunks == 0 && fb.mixed_chunks == 0 && b > a);
    free(y);
    y = compress_with(text, 40000, LLMZ_ADAPT_ALL, 3, 0, LLMZ_KERNELS_AUTO, 2, &b, &fb);
    CHECK(fb.format_version == 3 && fb.bytes_chunks == 0 && fb.mixed_chunks == 0);
    free(y);
    free(x);
    /* the automatic chunk size: the frame's chunks coded by the byte models came near its codings (here, with the
    ** tiny model, smaller), so the frame is coded again by the byte models alone in binary input's long chunks, the
    ** LM never run, and kept as smaller: one chunk here; the same bytes every way, and it decodes (quick: the fastest
    ** set on 2 threads both times; the reference kernels were compared on this text above) */
    int qk = t_quick();
    x = compress_with(text, 40000, LLMZ_ADAPT_ALL, 4, 0, qk ? LLMZ_KERNELS_AUTO : LLMZ_KERNELS_REF, qk ? 2 : 1, &b, &fb);
    CHECK(fb.n_chunks == 1 && fb.bytes_chunks == 1 && (fb.flags & 0x80) == 0 && b < a);
    y = compress_with(text, 40000, LLMZ_ADAPT_ALL, 4, 0, LLMZ_KERNELS_AUTO, 2, &a, &fi);
    CHECK(a == b && memcmp(x, y, a) == 0);
    free(y);
    CHECK_EQ(decompress(x, b, &out, &on, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(on == 40000 && memcmp(out, text, on) == 0);
    free(out);
    free(x);
    /* small chunks coded alone: each chunk's smallest coding; every chunk counted once, all decode */
    x = compress_with(text, 40000, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, 4, 4096, LLMZ_KERNELS_AUTO, 2, &a, &fi);
    CHECK(fi.raw_chunks + fi.bytes_chunks + fi.mixed_chunks <= fi.n_chunks && fi.n_chunks == 10);
    CHECK_EQ(decompress(x, a, &out, &on, LLMZ_KERNELS_AUTO, 3), LLMZ_OK);
    CHECK(on == 40000 && memcmp(out, text, on) == 0);
    free(out);
    free(x);
    /* near-random letters: in a chunk group the byte models alone may not code a chunk, but they would code the
    ** frame more than 1/32 smaller, so it is coded without groups too (then in one chunk: an input of up to 64 KiB
    ** is cut in two only for a group) and the smaller frame is kept */
    unsigned char *letters = malloc(30000);
    for (size_t i = 0; i < 30000; i++) letters[i] = (unsigned char)('a' + next() % 26);
    x = compress_with(letters, 30000, LLMZ_ADAPT_ALL, 4, 0, LLMZ_KERNELS_AUTO, 2, &a, &fi);
    CHECK(fi.n_chunks == 1 && (fi.flags & 0x80) == 0 && fi.bytes_chunks == 1);
    y = compress_with(letters, 30000, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_BYTES, 4, 0, LLMZ_KERNELS_AUTO, 2, &b, &fb);
    CHECK((fb.flags & 0x80) && a < b);
    CHECK_EQ(decompress(x, a, &out, &on, LLMZ_KERNELS_AUTO, 1), LLMZ_OK);
    CHECK(on == 30000 && memcmp(out, letters, on) == 0);
    free(out);
    free(x);
    free(y);
    free(letters);
    /* a tar archive of text files: NUL-padded header fields and 512-byte blocks are padding, not binary data, so the
    ** LM takes part (before, the zero bytes made the whole input binary: the byte models alone); in chunks of 16
    ** KiB, each judged by the same rule as a whole input, and no bytes-only frame tried */
    size_t tn = 0;
    unsigned char *tar = calloc(128 * 1024, 1); /* members of 1-2 KiB for 24,000 bytes of text: < 100 KiB */
    for (size_t m = 0, at = 0; at + 1500 < 24000; m++) {
        size_t len = 300 + (m * 577) % 1200;
        snprintf((char *)tar + tn, 100, "src/file%zu.txt", m);
        snprintf((char *)tar + tn + 100, 400, "0000644%c0001750%c0001750%c%011zo", 0, 0, 0, len);
        memcpy(tar + tn + 257, "ustar\00000", 8);
        memcpy(tar + tn + 512, text + at, len);
        at += len;
        tn += 512 + (len + 511) / 512 * 512;
    }
    tn += 1024;
    x = compress_with(tar, tn, LLMZ_ADAPT_ALL, 4, 16384, LLMZ_KERNELS_AUTO, 2, &a, &fi);
    CHECK(fi.n_chunks >= 2 && fi.mixed_chunks >= 1);
    CHECK_EQ(decompress(x, a, &out, &on, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(on == tn && memcmp(out, tar, on) == 0);
    free(out);
    free(x);
    free(tar);
    /* text followed by binary: chunks of both kinds in one frame */
    unsigned char *mix = malloc(24000);
    memcpy(mix, text, 12000);
    memcpy(mix + 12000, bin, 12000);
    x = compress_with(mix, 24000, LLMZ_ADAPT_ALL, 4, 4096, LLMZ_KERNELS_AUTO, 2, &a, &fi);
    CHECK(fi.bytes_chunks >= 3); /* the binary half */
    CHECK_EQ(decompress(x, a, &out, &on, LLMZ_KERNELS_REF, 2), LLMZ_OK);
    CHECK(on == 24000 && memcmp(out, mix, on) == 0);
    free(out);
    free(x);
    free(mix);
}

/* wrong model: same tokenizer, other weights; and an F16 model codes too */
static void case_wrong_model(void) {
    char path[512];
    size_t a;
    unsigned char *x = compress(text, 6000, &a, LLMZ_KERNELS_AUTO, 1, 4096);
    llmz_model *M2 = NULL;
    snprintf(path, sizeof path, "%s/tiny-f16.gguf", t_data_dir());
    if (llmz_model_load_file(&M2, path) == LLMZ_OK) {
        llmz_dctx *d = llmz_dctx_create(M2);
        unsigned char *buf = malloc(6000);
        size_t dn;
        CHECK_EQ(llmz_decompress_frame(d, buf, 6000, &dn, x, a, NULL), LLMZ_ERR_MODEL_MISMATCH);
        free(buf);
        llmz_dctx_free(d);
        /* F16 tensors load and code too */
        llmz_model *keep = M;
        M = M2;
        roundtrip("f16 model", text, 3000, LLMZ_KERNELS_REF, 1, LLMZ_KERNELS_AUTO, 2, 0);
        M = keep;
        llmz_model_free(M2);
    } else {
        T_SKIP("tiny-f16.gguf absent: wrong-model check skipped");
    }
    free(x);
}

/* concatenated frames are two frames back to back; each decodes by itself */
static void case_concat(void) {
    size_t a, b;
    unsigned char *x = compress(text, 1000, &a, LLMZ_KERNELS_AUTO, 1, 0);
    unsigned char *y = compress(rnd, 500, &b, LLMZ_KERNELS_AUTO, 1, 0);
    unsigned char *cat = malloc(a + b);
    memcpy(cat, x, a);
    memcpy(cat + a, y, b);
    /* two archives spliced: the head of one glued to the tail of the other never decodes */
    {
        size_t ha = a / 2, tb = b - b / 2;
        unsigned char *sp = malloc(ha + tb), *out;
        memcpy(sp, x, ha);
        memcpy(sp + ha, y + b / 2, tb);
        size_t on;
        CHECK(decompress(sp, ha + tb, &out, &on, LLMZ_KERNELS_AUTO, 1) != LLMZ_OK);
        free(out);
        free(sp);
    }
    llmz_frame_info f1, f2;
    CHECK_EQ(llmz_frame_get_info(&f1, cat, a + b), LLMZ_OK);
    CHECK_EQ(f1.frame_size, a);
    CHECK_EQ(llmz_frame_get_info(&f2, cat + a, b), LLMZ_OK);
    CHECK_EQ(f2.orig_size, 500);
    free(x);
    free(y);
    free(cat);
}

/* automatic chunk size: 1/16 of the frame, a power of two in [64 KiB, 1 MiB]; input size only */
static void case_auto_chunk(void) {
    CHECK_EQ(llmz_auto_chunk(0), 65536u);
    CHECK_EQ(llmz_auto_chunk(65536), 65536u);        /* one chunk */
    CHECK_EQ(llmz_auto_chunk(65537), 32769u);        /* two equal chunks */
    CHECK_EQ(llmz_auto_chunk(152089), 38023u);       /* alice29: 3 -> 4 chunks */
    CHECK_EQ(llmz_auto_chunk(768771), 64065u);       /* book1: 12 chunks */
    CHECK_EQ(llmz_auto_chunk(1u << 20), 65536u);     /* 16 */
    CHECK_EQ(llmz_auto_chunk((1u << 20) + 16), 104860u); /* 128 KiB: 9 -> 10 chunks */
    CHECK_EQ(llmz_auto_chunk(8u << 20), 524288u);    /* a CLI segment: 16 chunks */
    CHECK_EQ(llmz_auto_chunk(10192446), 1019245u);   /* 1 MiB -> 10 chunks */
    CHECK_EQ(llmz_auto_chunk(1ull << 40), 1048576u);
    for (uint64_t sz = 1; sz < (64ull << 20); sz = sz * 3 + 1) { /* chunk count even (or 1), chunk <= 1 MiB */
        uint64_t c = llmz_auto_chunk(sz), n = (sz + c - 1) / c;
        CHECK(c >= 1 && c <= LLMZ_AUTO_CHUNK_MAX && (n == 1 || n % 2 == 0));
    }
}

/* n bytes of a generated log (malloc'd), which the byte models code in well under 1/4 bit a byte */
static unsigned char *make_log(size_t n) {
    unsigned char *log = malloc(n + 100);
    for (size_t i = 0, len = 0; len < n; i++)
        len += (size_t)snprintf((char *)log + len, 100, "2026-12-07 07:%02zu:%02zu status installed lib%s%zu:amd64 1.%zu\n",
                                i / 60 % 60, i % 60, i % 3 ? "foo" : "bar", i % 17, i % 5);
    return log;
}

/* longer automatic chunks (LLMZ_P_CHUNK_SHIFT, levels 7-9): the sizes, the range refused, and frames of fewer
** chunks that round-trip, while binary input still gets the byte models' long chunks */
static void case_chunk_shift(void) {
    CHECK_EQ(llmz_auto_chunk_shift(152089, 0), llmz_auto_chunk(152089));
    CHECK_EQ(llmz_auto_chunk_shift(152089, 1), 76045u);           /* alice29: 128 KiB, 2 chunks (not 4) */
    CHECK_EQ(llmz_auto_chunk_shift(152089, 2), 262144u);          /* 256 KiB: one chunk */
    CHECK_EQ(llmz_auto_chunk_shift(768771, 1), 128129u);          /* book1: 12 -> 6 chunks */
    CHECK_EQ(llmz_auto_chunk_shift(768771, 2), 192193u);          /* 3 -> 4 */
    CHECK_EQ(llmz_auto_chunk_shift(8u << 20, LLMZ_MAX_CHUNK_SHIFT), LLMZ_MAX_CHUNK); /* a CLI segment: one chunk */
    CHECK_EQ(llmz_auto_chunk_shift(1ull << 40, 99), LLMZ_MAX_CHUNK);
    CHECK_EQ(llmz_auto_chunk_shift(1000, -2), 16384u);             /* -1: 16 KiB ... */
    CHECK_EQ(llmz_auto_chunk_shift(152089, -2), 15209u);           /* (10 chunks) */
    CHECK_EQ(llmz_auto_chunk_shift(4u << 20, -2), 16384u);         /* ... whatever the size */
    CHECK_EQ(llmz_auto_chunk_shift(4u << 20, -1), 32768u);
    CHECK_EQ(llmz_auto_chunk_shift(1000, -9), 16384u);
    for (uint64_t sz = 1; sz < (64ull << 20); sz = sz * 3 + 1)
        for (int s = LLMZ_MIN_CHUNK_SHIFT; s <= LLMZ_MAX_CHUNK_SHIFT; s++) { /* ordered by the shift; even count */
            uint64_t c = llmz_auto_chunk_shift(sz, s), n = (sz + c - 1) / c;
            CHECK((s < 0 ? c <= llmz_auto_chunk(sz) : c >= llmz_auto_chunk(sz)) && c >= LLMZ_MIN_CHUNK &&
                  c <= LLMZ_MAX_CHUNK && (n == 1 || n % 2 == 0));
        }
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SHIFT, LLMZ_MIN_CHUNK_SHIFT - 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SHIFT, LLMZ_MAX_CHUNK_SHIFT + 1), LLMZ_ERR_PARAM);
    size_t n = t_quick() ? 40000 : N, cap = llmz_frame_bound(n); /* quick (the sanitizer build): 4, 2, 1, 1 chunks */
    unsigned char *z = malloc(cap), *back;
    uint32_t chunks[4];
    const int shifts[4] = {LLMZ_MIN_CHUNK_SHIFT, 0, 1, LLMZ_MAX_CHUNK_SHIFT};
    /* (the tiny model's text: the byte models alone would code it smaller, in one long chunk at every shift) */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_BYTES), LLMZ_OK);
    for (int k = 0; k < 4; k++) {
        size_t nz, nb;
        llmz_frame_info fi;
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SHIFT, shifts[k]), LLMZ_OK);
        CHECK_EQ(llmz_compress_frame(c, z, cap, &nz, text, n, NULL), LLMZ_OK);
        CHECK_EQ(llmz_frame_get_info(&fi, z, nz), LLMZ_OK);
        chunks[k] = fi.n_chunks;
        CHECK_EQ(decompress(z, nz, &back, &nb, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
        CHECK(nb == n && memcmp(back, text, n) == 0);
        free(back);
    }
    CHECK(chunks[0] > chunks[1] && chunks[1] > chunks[2] && chunks[2] >= 1 && chunks[3] == 1);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL), LLMZ_OK);
    /* an input of two kinds, a log then text: longer chunks never make a larger frame than the automatic ones */
    unsigned char *mix = make_log(n);
    memcpy(mix + n / 2, text, n - n / 2);
    size_t sz[4];
    for (int k = 1; k < 4; k += 1 + t_quick()) { /* (quick: shifts 0 and the longest) */
        size_t nb;
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SHIFT, shifts[k]), LLMZ_OK);
        CHECK_EQ(llmz_compress_frame(c, z, cap, &sz[k], mix, n, NULL), LLMZ_OK);
        CHECK_EQ(decompress(z, sz[k], &back, &nb, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
        CHECK(nb == n && memcmp(back, mix, n) == 0);
        free(back);
    }
    CHECK((t_quick() || sz[2] <= sz[1]) && sz[3] <= sz[1]);
    free(mix);
    /* binary input: the byte models' long chunks at every shift (one chunk here), coded by them alone */
    for (int k = 0; k < 4; k += 2) {
        size_t nz;
        llmz_frame_info fi;
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SHIFT, shifts[k]), LLMZ_OK);
        CHECK_EQ(llmz_compress_frame(c, z, cap, &nz, bin, n, NULL), LLMZ_OK);
        CHECK_EQ(llmz_frame_get_info(&fi, z, nz), LLMZ_OK);
        CHECK(fi.n_chunks == 1 && fi.bytes_chunks + fi.raw_chunks == 1);
    }
    free(z);
    llmz_cctx_free(c);
}

/* structured text first (compress.c): a log the byte models code in under 1/4 bit a byte is one frame of theirs
** alone, the same bytes on every kernel set and thread count; without the byte models, the LM's chunks */
static unsigned char *compress_shift(const unsigned char *src, size_t n, size_t *out_n, int kernels, int threads,
                                     int shift) {
    llmz_cctx *c = llmz_cctx_create(M);
    size_t cap = llmz_frame_bound(n);
    unsigned char *dst = malloc(cap);
    CHECK(c && llmz_cctx_set(c, LLMZ_P_KERNELS, kernels) == LLMZ_OK && llmz_cctx_set(c, LLMZ_P_THREADS, threads) == 0 &&
          llmz_cctx_set(c, LLMZ_P_CHUNK_SHIFT, shift) == LLMZ_OK);
    CHECK_EQ(llmz_compress_frame(c, dst, cap, out_n, src, n, NULL), LLMZ_OK);
    llmz_cctx_free(c);
    return dst;
}

static void case_structured(void) {
    /* more than one chunk of the LM (the LM is then not run): 140,000 bytes in the automatic chunks; quick (the
    ** sanitizer build, where the byte models code a few KB a second) 34,000 in 16 KiB ones */
    size_t n = t_quick() ? 34000 : 140000;
    int shift = t_quick() ? LLMZ_MIN_CHUNK_SHIFT : 0;
    unsigned char *log = make_log(n);
    size_t na, nb, nc;
    unsigned char *a = compress_shift(log, n, &na, LLMZ_KERNELS_REF, 1, shift);
    unsigned char *b = compress_shift(log, n, &nb, LLMZ_KERNELS_AUTO, 2, shift);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, a, na), LLMZ_OK);
    CHECK(fi.bytes_chunks == fi.n_chunks && fi.mixed_chunks == 0 && na * 32 < n);
    unsigned char *back;
    CHECK_EQ(decompress(a, na, &back, &nc, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(nc == n && memcmp(back, log, n) == 0);
    free(back);
    llmz_cctx *c = llmz_cctx_create(M);
    size_t cap = llmz_frame_bound(n);
    unsigned char *z = malloc(cap);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_BYTES), LLMZ_OK);
    CHECK_EQ(llmz_compress_frame(c, z, cap, &nc, log, t_quick() ? 20000 : n, NULL), LLMZ_OK); /* (quick: 2 chunks) */
    CHECK_EQ(llmz_frame_get_info(&fi, z, nc), LLMZ_OK);
    CHECK(fi.bytes_chunks == 0 && fi.n_chunks > 1);
    llmz_cctx_free(c);
    free(z);
    free(a);
    free(b);
    free(log);
}

/* The frame of src (chunk: 0 for the automatic size) from the fastest kernels on 2 threads, checked to be the
** reference kernels' on 1 thread (but in quick mode, the sanitizer build: one frame, a minute's LM) and to round-trip;
** *fi describes it.  The caller frees it. */
static unsigned char *frame_checked(const unsigned char *src, size_t n, size_t chunk, size_t *na, llmz_frame_info *fi) {
    size_t nb, nc;
    llmz_frame_info fb;
    unsigned char *a = compress_with(src, n, LLMZ_ADAPT_ALL, LLMZ_FORMAT_VERSION, chunk, LLMZ_KERNELS_AUTO, 2, na, fi);
    if (!t_quick()) {
        unsigned char *b =
            compress_with(src, n, LLMZ_ADAPT_ALL, LLMZ_FORMAT_VERSION, chunk, LLMZ_KERNELS_REF, 1, &nb, &fb);
        CHECK(*na == nb && memcmp(a, b, nb) == 0);
        free(b);
    }
    unsigned char *back;
    CHECK_EQ(decompress(a, *na, &back, &nc, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(nc == n && memcmp(back, src, n) == 0);
    free(back);
    return a;
}

/* A group's chunks are first only probed by the byte models (compress.c, CM_PROBE): random digits (what the LM knows
** nothing of; 3.1 bits a byte, far from a log's) in two chunks of 33,000 bytes, which the byte models alone code
** smaller in one long chunk: the probes' estimates must still bring the frame to them. */
static void case_probe(void) {
    size_t n = 66000, na;
    unsigned char *digits = malloc(n);
    uint32_t r = 7;
    for (size_t i = 0; i < n; i++) {
        r = r * 1103515245u + 12345u;
        digits[i] = (unsigned char)(i % 11 == 10 ? (r >> 16) % 7 ? ' ' : '\n' : '0' + (r >> 16) % 10);
    }
    CHECK_EQ(llmz_auto_chunk(n), 33000u);
    llmz_frame_info fi;
    free(frame_checked(digits, n, 0, &na, &fi));
    CHECK(fi.n_chunks == 1 && fi.bytes_chunks == 1 && na * 8 < n * 7 / 2); /* under 3.5 bits a byte */
    free(digits);
}

/* A group's chunks longer than 64 KiB are coded by the byte models before the frame's job, on the context's threads
** (compress.c, cm_prepass): text then runs of 1,000 equal letters in two chunks of 70,000 bytes; the runs' chunk is still
** coded by the byte models alone (repetitive: coded again in the job), the text's by the LM.  (Quick mode, the
** sanitizer build: runs in both chunks, both coded again, and no LM.) */
static void case_prepass(void) {
    size_t n = 140000, na, from = t_quick() ? 0 : n / 2;
    unsigned char *x = malloc(n);
    memcpy(x, text, from);
    uint32_t r = 1, c = 0; /* a letter a run, never the last one's: nothing repeats for the copies to take */
    for (size_t i = from; i < n; i++) {
        if (i % 1000 == 0 || i == from)
            do r = r * 1103515245u + 12345u;
            while ((r >> 16) % 26 == c);
        x[i] = (unsigned char)('a' + (c = (r >> 16) % 26));
    }
    llmz_frame_info fi;
    free(frame_checked(x, n, n / 2, &na, &fi));
    CHECK(fi.n_chunks == 2 && (fi.flags & 0x80) && fi.bytes_chunks == (from ? 1u : 2u) && fi.raw_chunks == 0);
    free(x);
}

/* without adaptation: a different (flag-free) frame that also round-trips */
static void case_adapt_sets(void) {
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, 0), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_LINE), LLMZ_ERR_PARAM); /* the line model needs n-grams */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_FIELD | LLMZ_ADAPT_MATCH), LLMZ_ERR_PARAM); /* so do */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_SSE | LLMZ_ADAPT_MATCH), LLMZ_ERR_PARAM);  /* these */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL + 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, -1), LLMZ_ERR_PARAM);
    size_t cap = llmz_frame_bound(5000), n0, n1;
    unsigned char *x = malloc(cap), *out;
    CHECK_EQ(llmz_compress_frame(c, x, cap, &n0, text, 5000, NULL), LLMZ_OK);
    CHECK_EQ(x[5] & 1, 0); /* flags byte: no adaptation */
    CHECK_EQ(decompress(x, n0, &out, &n1, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(n1 == 5000 && memcmp(out, text, 5000) == 0);
    free(out);
    size_t n2;
    unsigned char *y = compress(text, 5000, &n2, LLMZ_KERNELS_AUTO, 1, 0);
    CHECK_EQ(y[5], 0x77); /* default: cache + match, n-grams, line, field models, SSE, line-end normalisation */
    free(y);
    free(x);
    /* each set of online models: its flag bits, and a round trip */
    for (int a = 1; a <= LLMZ_ADAPT_ALL; a++) {
        size_t na, nb;
        unsigned char *z = malloc(cap), *back;
        if ((a & (LLMZ_ADAPT_LINE | LLMZ_ADAPT_FIELD | LLMZ_ADAPT_SSE | LLMZ_ADAPT_GROUP)) && !(a & LLMZ_ADAPT_NGRAM)) {
            CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, a), LLMZ_ERR_PARAM);
            free(z);
            continue;
        }
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, a), LLMZ_OK);
        /* quick (t.h, the sanitizer build): 17 of the 67 valid sets are coded, those of one or two models (each
        ** model alone, or with the n-grams it needs) and those of six or seven (all, and all but any one) */
        int bits = 0;
        for (int m = a; m; m >>= 1) bits += m & 1;
        if (t_quick() && bits > 2 && bits < 6) {
            free(z);
            continue;
        }
        /* 5000 bytes in chunks of 4096: two chunks, one group when LLMZ_ADAPT_GROUP is set */
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096), LLMZ_OK);
        CHECK_EQ(llmz_compress_frame(c, z, cap, &na, text, 5000, NULL), LLMZ_OK);
        CHECK_EQ(z[5] & 0x75, ((a & LLMZ_ADAPT_MATCH) ? 1 : 0) | ((a & LLMZ_ADAPT_NGRAM) ? 4 : 0) |
                                  ((a & LLMZ_ADAPT_LINE) ? 0x10 : 0) | ((a & LLMZ_ADAPT_FIELD) ? 0x20 : 0) |
                                  ((a & LLMZ_ADAPT_SSE) ? 0x40 : 0));
        /* the group bit: with the byte models too, the frame may have been coded again without groups (the tiny
        ** model's chunks: the byte models alone code them smaller) */
        CHECK((z[5] & 0x80) == ((a & LLMZ_ADAPT_GROUP) ? 0x80 : 0) ||
              ((a & LLMZ_ADAPT_GROUP) && (a & LLMZ_ADAPT_BYTES) && !(z[5] & 0x80)));
        /* quick (t.h, the sanitizer build): the fastest kernels, which are checked against ref elsewhere */
        CHECK_EQ(decompress(z, na, &back, &nb, t_quick() ? LLMZ_KERNELS_AUTO : LLMZ_KERNELS_REF, 1), LLMZ_OK);
        CHECK(nb == 5000 && memcmp(back, text, 5000) == 0);
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 0), LLMZ_OK);
        free(back);
        free(z);
    }
    llmz_cctx_free(c);
}

/* the numerics version written (LLMZ_P_NUMERICS): 1, 2 and 3 each decode, with other coded bytes; out of range refused */
static void case_numerics_versions(void) {
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, LLMZ_NUMERICS_OLDEST - 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, LLMZ_NUMERICS_NEWEST + 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096), LLMZ_OK);
    size_t cap = llmz_frame_bound(9000), nz[3];
    unsigned char *z[3];
    for (int v = 1; v <= 3; v++) {
        z[v - 1] = malloc(cap);
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, v), LLMZ_OK);
        CHECK_EQ(llmz_compress_frame(c, z[v - 1], cap, &nz[v - 1], text, 9000, NULL), LLMZ_OK);
        llmz_frame_info fi;
        CHECK_EQ(llmz_frame_get_info(&fi, z[v - 1], nz[v - 1]), LLMZ_OK);
        CHECK_EQ(fi.numerics_version, (unsigned)v);
        for (int t = 1; t <= 3; t += 2) {
            unsigned char *back;
            size_t nb;
            CHECK_EQ(decompress(z[v - 1], nz[v - 1], &back, &nb, LLMZ_KERNELS_AUTO, t), LLMZ_OK);
            CHECK(nb == 9000 && memcmp(back, text, 9000) == 0);
            free(back);
        }
    }
    /* formats 1-3 are written with numerics 1 whatever LLMZ_P_NUMERICS says (their decoders knew no other) */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, 3), LLMZ_OK);
    {
        unsigned char *z3 = malloc(cap);
        size_t n3;
        llmz_frame_info fi;
        CHECK_EQ(llmz_compress_frame(c, z3, cap, &n3, text, 9000, NULL), LLMZ_OK);
        CHECK_EQ(llmz_frame_get_info(&fi, z3, n3), LLMZ_OK);
        CHECK_EQ(fi.numerics_version, 1u);
        free(z3);
    }
    /* the same header but byte 7 (and the CRC): other payloads, of about the same size */
    for (int a = 0; a < 3; a++) {
        int b = (a + 1) % 3;
        CHECK(nz[a] != nz[b] || memcmp(z[a] + 8, z[b] + 8, nz[a] - 8) != 0);
        CHECK(nz[b] < nz[a] + nz[a] / 100 && nz[a] < nz[b] + nz[b] / 100);
    }
    free(z[2]);
    free(z[0]);
    free(z[1]);
    llmz_cctx_free(c);
}

/* the format version written (LLMZ_P_FORMAT): every version decodes; without online models they code the
** chunks alike (only byte 4 and the header CRC differ), with them each version's models make other bytes */
static void case_format_versions(void) {
    enum { NV = LLMZ_FORMAT_VERSION - LLMZ_FORMAT_OLDEST + 1 };
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, LLMZ_FORMAT_OLDEST - 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, LLMZ_FORMAT_VERSION + 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, 1), LLMZ_OK); /* the formats compared under one arithmetic */
    size_t cap = llmz_frame_bound(9000);
    for (int adapt = 0; adapt <= LLMZ_ADAPT_ALL; adapt += LLMZ_ADAPT_ALL) {
        unsigned char *z[NV];
        size_t nz[NV];
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, adapt), LLMZ_OK);
        for (int i = 0; i < NV; i++) {
            int v = LLMZ_FORMAT_OLDEST + i;
            unsigned char *back;
            size_t nb;
            z[i] = malloc(cap);
            CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, v), LLMZ_OK);
            CHECK_EQ(llmz_compress_frame(c, z[i], cap, &nz[i], text, 9000, NULL), LLMZ_OK);
            CHECK_EQ(z[i][4], v);
            llmz_frame_info fi;
            CHECK_EQ(llmz_frame_get_info(&fi, z[i], nz[i]), LLMZ_OK);
            CHECK_EQ(fi.format_version, (unsigned)v);
            CHECK_EQ(fi.numerics_version, 1u);
            for (int t = 1; t <= 3; t += 2) {
                /* quick (t.h): each frame on one count, 1 thread or 3 by turns */
                if (t_quick() && (t == 1) != ((i + (adapt != 0)) % 2 == 0)) continue;
                CHECK_EQ(decompress(z[i], nz[i], &back, &nb, LLMZ_KERNELS_AUTO, t), LLMZ_OK);
                CHECK(nb == 9000 && memcmp(back, text, 9000) == 0);
                free(back);
            }
        }
        size_t crc_at = 61 + z[0][40]; /* the header CRC */
        for (int i = 1; i < NV; i++) {
            if (LLMZ_FORMAT_OLDEST + i >= 4) continue; /* another header layout: below */
            int same_rest = nz[0] == nz[i] && memcmp(z[0], z[i], 4) == 0 && memcmp(z[0] + 5, z[i] + 5, crc_at - 5) == 0 &&
                            memcmp(z[0] + crc_at + 4, z[i] + crc_at + 4, nz[0] - crc_at - 4) == 0;
            CHECK_EQ(same_rest, adapt == 0);
            CHECK(adapt == 0 || nz[i - 1] != nz[i] || memcmp(z[i - 1], z[i], nz[i]) != 0);
        }
        /* format 4 codes the chunks as format 3 under a smaller header (the same payloads), except where it keeps
        ** a smaller coding of methods 3 or 4 */
        {
            llmz_frame_info f3, f4;
            int i3 = 3 - LLMZ_FORMAT_OLDEST, i4 = 4 - LLMZ_FORMAT_OLDEST;
            CHECK_EQ(llmz_frame_get_info(&f3, z[i3], nz[i3]), LLMZ_OK);
            CHECK_EQ(llmz_frame_get_info(&f4, z[i4], nz[i4]), LLMZ_OK);
            CHECK(f4.header_size < f3.header_size);
            if (f4.bytes_chunks + f4.mixed_chunks == 0)
                CHECK(nz[i4] - f4.header_size == nz[i3] - f3.header_size &&
                      memcmp(z[i4] + f4.header_size, z[i3] + f3.header_size, nz[i3] - f3.header_size) == 0);
            else
                CHECK(nz[i4] - f4.header_size < nz[i3] - f3.header_size);
        }
        for (int i = 0; i < NV; i++) free(z[i]);
    }
    llmz_cctx_free(c);
}

/* chunk groups (frame flag bit 7): a frame's chunks share their online models, in groups of 16 */
static void case_groups(void) {
    size_t n = 80000, ng, nu, nd;
    unsigned char *mixed = malloc(n), *out;
    memcpy(mixed, text, n);
    memcpy(mixed + 3 * 4096, rnd, 4096); /* chunk 3 stays raw (and takes no part in its group's models) */
    for (size_t i = 7 * 4096; i < 7 * 4096 + 300; i++) mixed[i] = '\r'; /* chunk 7: CRs, not CRLF */
    memcpy(mixed + 9 * 4096, "a\r\nb\r\n", 6); /* chunk 9: CRLF text (method 2) */
    /* 20 chunks of 4096: groups of 16 and 4; by the reference kernels on 1 thread (quick, t.h: the fastest set, the
    ** reference kernels being slow there; test_golden's grouped archives are coded by them) */
    int ts[] = {2, 3, 5}, quick = t_quick();
    unsigned char *g1 = compress(mixed, n, &ng, quick ? LLMZ_KERNELS_AUTO : LLMZ_KERNELS_REF, 1, 4096);
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, g1, ng), LLMZ_OK);
    CHECK_EQ(fi.n_chunks, 20u);
    CHECK_EQ(fi.raw_chunks, 1u);
    CHECK_EQ(fi.flags, 0xf7u);
    /* the same bytes from every kernel set and thread count (lanes on a team, or one thread); quick: coded on
    ** 3 threads only, decoded on 1 and 2 by the fastest set */
    for (int i = quick; i < (quick ? 2 : 3); i++) {
        size_t nx;
        unsigned char *x = compress(mixed, n, &nx, LLMZ_KERNELS_AUTO, ts[i], 4096);
        CHECK(nx == ng && memcmp(x, g1, ng) == 0);
        free(x);
    }
    for (int t = 1; t <= (quick ? 2 : 4); t++) {
        CHECK_EQ(decompress(g1, ng, &out, &nd, t % 2 || quick ? LLMZ_KERNELS_AUTO : LLMZ_KERNELS_REF, t), LLMZ_OK);
        CHECK(nd == n && memcmp(out, mixed, n) == 0);
        free(out);
    }
    /* the shared models pay on repetitive text: smaller than the chunks coded alone */
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP), LLMZ_OK);
    unsigned char *u = malloc(llmz_frame_bound(n));
    CHECK_EQ(llmz_compress_frame(c, u, llmz_frame_bound(n), &nu, mixed, n, NULL), LLMZ_OK);
    CHECK_EQ(u[5], 0x77);
    CHECK(ng < nu);
    fprintf(stderr, "groups: %zu bytes, chunks alone: %zu\n", ng, nu);
    /* a chunk of a group that comes out larger than stored: the frame is coded again without groups */
    unsigned char *hard = malloc(8192);
    rng = rng_cases;
    for (size_t i = 0; i < 8192; i++) hard[i] = (unsigned char)(next() % 160 + 48); /* not uniform over 256 */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL), LLMZ_OK);
    size_t nh;
    unsigned char *h = malloc(llmz_frame_bound(8192));
    CHECK_EQ(llmz_compress_frame(c, h, llmz_frame_bound(8192), &nh, hard, 8192, NULL), LLMZ_OK);
    CHECK_EQ(llmz_frame_get_info(&fi, h, nh), LLMZ_OK);
    CHECK_EQ(fi.n_chunks, 2u);
    CHECK_EQ(fi.raw_chunks + fi.bytes_chunks, 2u); /* stored, or (format version 4) the byte models' */
    CHECK_EQ(fi.flags & 0x80u, 0u);
    CHECK_EQ(decompress(h, nh, &out, &nd, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(nd == 8192 && memcmp(out, hard, 8192) == 0);
    free(out);
    /* an input of 16 KiB or less is one chunk; more, up to the automatic chunk size, is two in a group (without the
    ** byte models, which code this text in one chunk smaller than the tiny model) */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 0), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_BYTES), LLMZ_OK);
    size_t sizes[] = {16384, 16385, 65536};
    unsigned chunks_want[] = {1, 2, 2};
    for (int i = 0; i < 3; i++) {
        size_t nz;
        unsigned char *z = malloc(llmz_frame_bound(sizes[i]));
        CHECK_EQ(llmz_compress_frame(c, z, llmz_frame_bound(sizes[i]), &nz, text, sizes[i], NULL), LLMZ_OK);
        CHECK_EQ(llmz_frame_get_info(&fi, z, nz), LLMZ_OK);
        CHECK_EQ(fi.n_chunks, chunks_want[i]);
        CHECK_EQ(fi.flags, chunks_want[i] > 1 ? 0xf7u : 0x77u);
        CHECK_EQ(decompress(z, nz, &out, &nd, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
        CHECK(nd == sizes[i] && memcmp(out, text, sizes[i]) == 0);
        free(out);
        free(z);
    }
    llmz_cctx_free(c);
    free(h);
    free(hard);
    free(u);
    free(g1);
    free(mixed);
}

/* Where the chunk table of format-4 frame f starts (docs/format.md, "Format version 4"): the header walked. */
static size_t first_entry(const unsigned char *f) {
    size_t p = 8 + 8 * (size_t)((f[6] & 3) + 1);
    if (f[6] & 4) p += 1 + (size_t)f[p];
    for (int v = 0; v < ((f[6] & 8) ? 4 : 2); v++)
        while (f[p++] & 0x80) {}
    if (f[5] & 8) {
        size_t a = p;
        p += 1 + 8 * (size_t)((f[a] & 3) + 1);
        if (f[a] & 4) p += 1 + (size_t)f[p];
    }
    return p + 4;
}

/* CRLF text is coded as LF text (chunk method 2) and restored exactly; anything else with CRs is not */
static void case_crlf(void) {
    size_t n = 20000;
    unsigned char *crlf = malloc(n);
    for (size_t i = 0; i < n; i++) crlf[i] = text[i] == '\n' ? '\r' : text[i];
    for (size_t i = 0; i + 1 < n; i++)
        if (crlf[i] == '\r') crlf[++i] = '\n';
    crlf[n - 1] = 'x';
    size_t cn, dn;
    unsigned char *c = compress(crlf, n, &cn, LLMZ_KERNELS_AUTO, 2, 4096), *d;
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, c, cn), LLMZ_OK);
    CHECK(fi.flags & 2);
    CHECK(c[first_entry(c) + 2] == 2); /* first chunk (a 2-byte varint size): method 2 */
    CHECK_EQ(decompress(c, cn, &d, &dn, LLMZ_KERNELS_REF, 1), LLMZ_OK);
    CHECK(dn == n && memcmp(d, crlf, n) == 0);
    free(c);
    free(d);
    /* a lone CR, a lone LF, a CRLF split across a chunk boundary: still exact */
    crlf[100] = '\r';
    crlf[101] = 'a';
    crlf[4095] = '\r';
    crlf[4096] = '\n';
    crlf[5000] = '\n';
    roundtrip("crlf with lone CR/LF", crlf, n, LLMZ_KERNELS_AUTO, 1, LLMZ_KERNELS_REF, 2, 4096);
    free(crlf);
    /* automatic chunks never split a CRLF: an input of 4 (p + 1) bytes has 4 chunks of p + 1, and its CR at p would
    ** end the first; the encoder moves the chunk size up a little instead (the split one is still made and decoded:
    ** a chunk size asked for is kept) */
    crlf = malloc(N);
    for (size_t i = 0; i < N; i++) crlf[i] = text[i] == '\n' ? '\r' : text[i];
    for (size_t i = 0; i + 1 < N; i++)
        if (crlf[i] == '\r') crlf[++i] = '\n';
    size_t p = 33000;
    while (crlf[p] != '\r') p++;
    size_t n2 = 4 * (p + 1), sn;
    crlf[n2 - 1] = 'x';
    CHECK_EQ(llmz_auto_chunk(n2), p + 1);
    /* (without the byte models, which would code it in one chunk, the tiny model's text) */
    c = compress_with(crlf, n2, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_BYTES, 4, 0, LLMZ_KERNELS_AUTO, 2, &cn, &fi);
    unsigned char *split = compress(crlf, n2, &sn, LLMZ_KERNELS_AUTO, 2, p + 1);
    CHECK(fi.chunk_size > p + 1 && fi.chunk_size <= p + 1 + 256 && fi.n_chunks == 4);
    for (uint64_t at = fi.chunk_size; at < n2; at += fi.chunk_size) CHECK(!(crlf[at - 1] == '\r' && crlf[at] == '\n'));
    CHECK(sn > 0); /* (smaller with the real model: lcet10's level-2 text 69,911 -> 68,701 bytes) */
    CHECK_EQ(decompress(c, cn, &d, &dn, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(dn == n2 && memcmp(d, crlf, n2) == 0);
    free(d);
    CHECK_EQ(llmz_frame_get_info(&fi, split, sn), LLMZ_OK);
    CHECK_EQ(fi.chunk_size, p + 1);
    CHECK_EQ(decompress(split, sn, &d, &dn, LLMZ_KERNELS_AUTO, 2), LLMZ_OK);
    CHECK(dn == n2 && memcmp(d, crlf, n2) == 0);
    free(c);
    free(d);
    free(split);
    free(crlf);
}

/* parameters are validated */
static void case_params(void) {
    llmz_cctx *c = llmz_cctx_create(M);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, 0), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 1), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_KERNELS, 99), LLMZ_ERR_PARAM);
    unsigned char small[8];
    size_t sn;
    CHECK_EQ(llmz_compress_frame(c, small, sizeof small, &sn, text, 100, NULL), LLMZ_ERR_DST_TOO_SMALL);
    llmz_cctx_free(c);
    CHECK(strcmp(llmz_error_name(LLMZ_ERR_CHECKSUM), "checksum mismatch") == 0);
    CHECK(strcmp(llmz_error_name(12345), "unknown error") == 0);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"inputs", case_inputs},           {"same_bytes", case_same_bytes},
                                   {"damage", case_damage},           {"wrong_model", case_wrong_model},
                                   {"concat", case_concat},           {"auto_chunk", case_auto_chunk},
                                   {"chunk_shift", case_chunk_shift},
                                   {"structured", case_structured},   {"probe", case_probe},
                                   {"prepass", case_prepass},
                                   {"adapt_sets", case_adapt_sets},   {"format_versions", case_format_versions},
                                   {"numerics_versions", case_numerics_versions},
                                   {"groups", case_groups},           {"crlf", case_crlf},
                                   {"params", case_params},           {"methods", case_methods}};
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    int rc = llmz_model_load_file(&M, path);
    CHECK_EQ(rc, LLMZ_OK);
    if (rc) return T_DONE();
    const char *ref = "ref", *fast = llmz_kernels_name(LLMZ_KERNELS_AUTO);
    fprintf(stderr, "kernels: %s vs %s\n", ref, fast);
    text = malloc(N);
    rnd = malloc(N);
    bin = malloc(N);
    const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps\n", "over ", "lazy ", "dog, ", "1984 ", "\t"};
    for (size_t i = 0; i < N;) {
        const char *w = words[next() % 10];
        for (; *w && i < N; w++) text[i++] = (unsigned char)*w;
    }
    for (size_t i = 0; i < N; i++) rnd[i] = (unsigned char)next();
    for (size_t i = 0; i < N; i++) bin[i] = (unsigned char)((i % 7 == 0) ? 0 : (i % 13 == 0) ? 0xff : (i & 0x3f));
    rng_cases = rng;
    rc = t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
    free(text);
    free(rnd);
    free(bin);
    llmz_model_free(M);
    return rc;
}
