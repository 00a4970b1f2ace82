/* test_archive.c -- random access (lib/engine/archive.c): archives mapped by their index and by scanning give the
** same frames; ranges at every frame, chunk and group edge, empty, whole and past the end decode to the bytes a full
** decode gives, reading only the covering chunks or groups (stats), with 1 and 2 threads; skippable frames, zero
** padding, concatenated archives with an index in the middle; damaged indexes (every bit flip, truncation, wrong
** sizes under a valid CRC) fall back to scanning or give a clear error; other models, read errors, garbage.
** Uses tests/data/tiny.gguf. */
#include <stdint.h>

#include "llmz.h"
#include "t.h"

static llmz_model *M;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 24);
}

/* n bytes of word salad (the tiny model codes text; quality does not matter) */
static void text(uint8_t *p, size_t n) {
    static const char *const W[] = {"the", "frame",  "of",     "an",     "archive", "holds", "chunks",
                                    "and", "groups", "random", "access", "reads",   "only",  "what",
                                    "it",  "needs",  "index",  "scan",   "model",   "text"};
    size_t i = 0;
    while (i < n) {
        const char *w = W[next() % 20];
        while (*w && i < n) p[i++] = (uint8_t)*w++;
        if (i < n) p[i++] = next() % 9 == 0 ? '\n' : ' ';
    }
}

/* ---- an archive in memory -------------------------------------------------------------------------- */
typedef struct {
    uint8_t *b;
    size_t n, cap;
    size_t fail_off; /* reads of bytes at or past this offset fail (0: none) */
    int fail;
} buf;

static void put(buf *a, const void *p, size_t n) {
    if (a->n + n > a->cap) {
        a->cap = (a->n + n) * 2;
        a->b = realloc(a->b, a->cap);
    }
    memcpy(a->b + a->n, p, n);
    a->n += n;
}

static int rd(void *opaque, uint64_t off, void *dst, size_t len) {
    buf *a = opaque;
    if (a->fail && off + len > a->fail_off) return -5; /* not an llmz error: LLMZ_ERR_TRUNCATED */
    if (off > a->n || len > a->n - off) return LLMZ_ERR_CORRUPT;
    memcpy(dst, a->b + off, len);
    return 0;
}

/* The frames: a grouped frame of 18 chunks (two groups), a frame of 5 chunks coded alone, an empty frame, a frame
** with a stored (random) chunk. */
#define NF 4
static uint8_t *orig;
static size_t orig_n, fo[NF + 1]; /* frame k's output is orig[fo[k], fo[k + 1]) */
static uint8_t *fr[NF];
static size_t fn[NF];

static void make_frames(void) {
    static const size_t sizes[NF] = {18 * 4096 - 100, 4 * 4096 + 300, 0, 4096 + 5000};
    static const int adapt[NF] = {LLMZ_ADAPT_ALL, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, LLMZ_ADAPT_ALL, LLMZ_ADAPT_ALL};
    orig_n = 0;
    for (int k = 0; k < NF; k++) orig_n += sizes[k];
    orig = malloc(orig_n);
    text(orig, orig_n);
    for (size_t i = 0; i < 5000; i++) orig[orig_n - 5000 + i] = (uint8_t)next(); /* a chunk stored raw */
    fo[0] = 0;
    for (int k = 0; k < NF; k++) {
        llmz_cctx *c = llmz_cctx_create(M);
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096), LLMZ_OK);
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, adapt[k]), LLMZ_OK);
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, 2), LLMZ_OK);
        fo[k + 1] = fo[k] + sizes[k];
        size_t cap = llmz_frame_bound(sizes[k]);
        fr[k] = malloc(cap);
        CHECK_EQ(llmz_compress_frame(c, fr[k], cap, &fn[k], orig + fo[k], sizes[k], NULL), LLMZ_OK);
        llmz_cctx_free(c);
    }
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, fr[0], fn[0]), LLMZ_OK);
    CHECK(fi.flags & LLMZ_FLAG_GROUP);
    CHECK_EQ(fi.n_chunks, 18);
    CHECK_EQ(llmz_frame_get_info(&fi, fr[1], fn[1]), LLMZ_OK);
    CHECK(!(fi.flags & LLMZ_FLAG_GROUP));
    CHECK_EQ(fi.n_chunks, 5);
    CHECK_EQ(llmz_frame_get_info(&fi, fr[3], fn[3]), LLMZ_OK);
    CHECK_EQ(fi.raw_chunks, 2);
}

/* The index of frames [k0, k1). */
static void put_index(buf *a, int k0, int k1) {
    uint64_t fs[NF], os[NF];
    for (int k = k0; k < k1; k++) fs[k - k0] = fn[k], os[k - k0] = fo[k + 1] - fo[k];
    size_t cap = llmz_index_bound(NF), w;
    uint8_t *ix = malloc(cap);
    CHECK_EQ(llmz_index_write(ix, cap, &w, fs, os, (size_t)(k1 - k0)), LLMZ_OK);
    put(a, ix, w);
    free(ix);
}

static void put_frames(buf *a, int k0, int k1) {
    for (int k = k0; k < k1; k++) put(a, fr[k], fn[k]);
}

static llmz_dctx *dctx(int threads) {
    llmz_dctx *d = llmz_dctx_create(M);
    CHECK_EQ(llmz_dctx_set(d, LLMZ_P_THREADS, threads), LLMZ_OK);
    return d;
}

/* [off, off + len) read from the archive equals orig's bytes there (as many as exist); *st its stats. */
static int range_ok(llmz_archive *ar, llmz_dctx *d, uint64_t off, size_t len, llmz_stats *st) {
    uint8_t *out = malloc(len + 1);
    size_t got = 99, want = off >= orig_n ? 0 : (orig_n - off < len ? orig_n - off : len);
    int rc = llmz_archive_read(ar, d, off, out, len, &got, st);
    int ok = rc == LLMZ_OK && got == want && (want == 0 || memcmp(out, orig + off, want) == 0);
    if (!ok) fprintf(stderr, "range %llu+%zu: rc %d got %zu want %zu\n", (unsigned long long)off, len, rc, got, want);
    free(out);
    return ok;
}

/* Frame by frame the map the test knows. */
static int map_ok(llmz_archive *ar) {
    int ok = llmz_archive_orig_size(ar) == orig_n && llmz_archive_frames(ar) == NF;
    for (size_t k = 0; ok && k < NF; k++) {
        uint64_t ao, oo;
        llmz_frame_info fi;
        ok = llmz_archive_frame(ar, k, &fi, &ao, &oo) == LLMZ_OK && oo == fo[k] && fi.frame_size == fn[k] &&
             fi.orig_size == fo[k + 1] - fo[k];
    }
    return ok;
}

/* The map, and the whole output in one read. */
static int whole_ok(llmz_archive *ar, llmz_dctx *d) { return map_ok(ar) && range_ok(ar, d, 0, orig_n, NULL); }

static llmz_archive *open_buf(buf *a, int *rc) {
    llmz_archive *ar = NULL;
    *rc = llmz_archive_open(&ar, rd, a, a->n);
    return ar;
}

/* ---- cases ----------------------------------------------------------------------------------------- */

/* Ranges at every edge, mapped by the index and by scanning. */
static void edges(void) {
    buf plain = {0}, indexed = {0};
    put_frames(&plain, 0, NF);
    put_frames(&indexed, 0, NF);
    put_index(&indexed, 0, NF);
    llmz_dctx *d = dctx(2);
    int rc;
    llmz_archive *scan = open_buf(&plain, &rc);
    CHECK_EQ(rc, LLMZ_OK);
    llmz_archive *byix = open_buf(&indexed, &rc);
    CHECK_EQ(rc, LLMZ_OK);
    CHECK_EQ(llmz_archive_used_index(scan), 0);
    CHECK_EQ(llmz_archive_used_index(byix), 1);
    CHECK(whole_ok(scan, d));
    CHECK(whole_ok(byix, d));
    /* chunk edges (group and frame edges among them; inside frame 0's first group only some, each decodes all of
    ** it): empty there, the byte before and after, and both */
    size_t edges_ok = 0, n_edges = 0;
    for (int k = 0; k < NF; k++)
        for (size_t e = fo[k]; e <= fo[k + 1]; e += 4096) {
            llmz_archive *ar = n_edges % 2 ? scan : byix;
            if (k == 0 && e > 4096 && e < 15 * 4096 && e != 8 * 4096) continue;
            n_edges++;
            int ok = range_ok(ar, d, e, 0, NULL) && (e == 0 || range_ok(ar, d, e - 1, 2, NULL));
            /* the sanitizer build (t_quick): the two-byte ranges only, which hold both sides of each edge */
            ok = ok && (t_quick() || e % 3 != 0 ||
                        (range_ok(ar, d, e, 1, NULL) && (e == 0 || range_ok(ar, d, e - 1, 1, NULL))));
            edges_ok += ok;
        }
    CHECK_EQ(edges_ok, n_edges);
    CHECK_EQ(n_edges, 6 + 5 + 1 + 3);
    CHECK(range_ok(byix, d, fo[1] - 1, 2, NULL) && range_ok(byix, d, fo[3] - 1, 2, NULL)); /* the empty frame 2 */
    /* past the end, and a range that runs past it */
    uint8_t out[64];
    size_t got = 7;
    CHECK_EQ(llmz_archive_read(byix, d, orig_n + 1, out, 1, &got, NULL), LLMZ_ERR_PARAM);
    CHECK_EQ(got, 0);
    CHECK_EQ(llmz_archive_read(scan, d, orig_n, out, 10, &got, NULL), LLMZ_OK);
    CHECK_EQ(got, 0);
    CHECK(range_ok(byix, d, orig_n - 10, 64, NULL));
    CHECK_EQ(llmz_archive_read(byix, d, 0, NULL, 0, &got, NULL), LLMZ_OK);
    /* find: the frame of each byte; the empty frame holds none */
    size_t f = 99;
    CHECK_EQ(llmz_archive_find(byix, 0, &f), LLMZ_OK);
    CHECK_EQ(f, 0);
    CHECK_EQ(llmz_archive_find(byix, fo[1] - 1, &f), LLMZ_OK);
    CHECK_EQ(f, 0);
    CHECK_EQ(llmz_archive_find(byix, fo[2], &f), LLMZ_OK);
    CHECK_EQ(f, 3);
    CHECK_EQ(llmz_archive_find(scan, orig_n - 1, &f), LLMZ_OK);
    CHECK_EQ(f, 3);
    CHECK_EQ(llmz_archive_find(scan, orig_n, &f), LLMZ_ERR_PARAM);
    llmz_frame_info fi;
    CHECK_EQ(llmz_archive_frame(scan, NF, &fi, NULL, NULL), LLMZ_ERR_PARAM);
    llmz_archive_free(scan);
    llmz_archive_free(byix);
    llmz_dctx_free(d);
    free(plain.b);
    free(indexed.b);
}

/* Stats: only the covering chunks (groups) are decoded; 1 and 2 threads give the same bytes. */
static void covering(void) {
    buf a = {0};
    put_frames(&a, 0, NF);
    put_index(&a, 0, NF);
    int rc;
    llmz_archive *ar = open_buf(&a, &rc);
    llmz_dctx *d1 = dctx(1), *d2 = dctx(2);
    llmz_stats st;
    /* one byte in the second group of frame 0 (chunks 16-17): that group */
    CHECK(range_ok(ar, d1, 16 * 4096 + 5, 1, &st));
    CHECK_EQ(st.chunks, 2);
    CHECK_EQ(st.out_bytes, fo[1] - 16 * 4096);
    CHECK(st.tokens > 0);
    CHECK(st.in_bytes < fn[0] / 4);
    /* one byte in the first group: its 16 chunks */
    CHECK(range_ok(ar, d2, 4096 * 3 + 7, 1, &st));
    CHECK_EQ(st.chunks, 16);
    CHECK_EQ(st.out_bytes, 16 * 4096);
    /* frame 1 codes its chunks alone: 10 bytes in its chunk 2 decode that chunk */
    CHECK(range_ok(ar, d2, fo[1] + 2 * 4096 + 100, 10, &st));
    CHECK_EQ(st.chunks, 1);
    CHECK_EQ(st.out_bytes, 4096);
    CHECK_EQ(st.raw_chunks, 0);
    /* across frames 0 and 1: the last group of 0 and the first chunk of 1 */
    CHECK(range_ok(ar, d1, fo[1] - 3, 6, &st));
    CHECK_EQ(st.chunks, 3);
    /* the stored chunk of frame 3 alone */
    CHECK(range_ok(ar, d1, orig_n - 20, 20, &st));
    CHECK_EQ(st.chunks, 1);
    CHECK_EQ(st.raw_chunks, 1);
    CHECK_EQ(st.tokens, 0);
    /* empty ranges decode nothing */
    CHECK(range_ok(ar, d1, fo[1] + 5, 0, &st));
    CHECK_EQ(st.chunks, 0);
    CHECK_EQ(st.in_bytes, 0);
    /* threads: the same bytes over the whole output and a cross-frame range */
    CHECK(range_ok(ar, d1, 1000, orig_n - 2000, &st));
    CHECK_EQ(st.chunks, 18 + 5 + 2);
    CHECK(range_ok(ar, d2, 1000, orig_n - 2000, NULL));
    llmz_archive_free(ar);
    llmz_dctx_free(d1);
    llmz_dctx_free(d2);
    free(a.b);
}

/* Skippable frames and zero padding between frames; concatenated archives with indexes in the middle. */
static void layouts(void) {
    static const uint8_t skip[20] = {0x89, 'L', 'M', 'S', 12, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    static const uint8_t zeros[100] = {0};
    llmz_dctx *d = dctx(2);
    int rc;
    for (int layout = 0; layout < 5; layout++) {
        buf a = {0};
        int want_index = 1;
        switch (layout) {
        case 0: /* padding and a skippable frame, then frames under an index */
            put_frames(&a, 0, 1), put(&a, zeros, sizeof zeros), put(&a, skip, sizeof skip);
            put_frames(&a, 1, NF), put_index(&a, 1, NF);
            break;
        case 1: /* two archives, each with its index, concatenated */
            put_frames(&a, 0, 2), put_index(&a, 0, 2), put_frames(&a, 2, NF), put_index(&a, 2, NF);
            break;
        case 2: /* an indexed archive, then one without: scanned, the index in the middle skipped */
            put_frames(&a, 0, 2), put_index(&a, 0, 2), put_frames(&a, 2, NF);
            want_index = 0;
            break;
        case 3: /* padding after the index: scanned */
            put_frames(&a, 0, NF), put_index(&a, 0, NF), put(&a, zeros, sizeof zeros);
            want_index = 0;
            break;
        default: /* a skippable frame first, and padding between every frame */
            put(&a, skip, sizeof skip);
            for (int k = 0; k < NF; k++) put_frames(&a, k, k + 1), put(&a, zeros, 1 + (size_t)k);
            want_index = 0;
            break;
        }
        llmz_archive *ar = open_buf(&a, &rc);
        CHECK_EQ(rc, LLMZ_OK);
        if (!ar) continue;
        CHECK_EQ(llmz_archive_used_index(ar), want_index);
        CHECK(map_ok(ar));
        CHECK(range_ok(ar, d, fo[1] + 4096, 4096, NULL));
        llmz_archive_free(ar);
        free(a.b);
    }
    llmz_dctx_free(d);
}

/* A damaged index: every bit flip reads the same bytes by scanning, or (in its skippable header, which scanning
** needs) gives a clear error; truncated: an error; valid CRC over wrong sizes: remapped by scanning. */
static void damaged(void) {
    buf a = {0};
    put_frames(&a, 0, NF);
    size_t at = a.n;
    put_index(&a, 0, NF);
    size_t isz = a.n - at, same = 0, errors = 0, bad_header = 0, n = 0;
    llmz_dctx *d = dctx(2);
    int rc;
    uint8_t out[300];
    for (size_t i = at; i < a.n; i++) { /* one bit per byte, each bit position in turn */
        a.b[i] ^= (uint8_t)(1u << (i % 8));
        llmz_archive *ar = open_buf(&a, &rc);
        size_t got = 0;
        n++;
        if (rc == LLMZ_OK) {
            rc = llmz_archive_read(ar, d, fo[1] + 100, out, sizeof out, &got, NULL);
            same += rc == LLMZ_OK && got == sizeof out && memcmp(out, orig + fo[1] + 100, got) == 0 &&
                    !llmz_archive_used_index(ar);
        } else {
            errors++;
            bad_header += i < at + LLMZ_SKIPPABLE_HEADER;
        }
        llmz_archive_free(ar);
        a.b[i] ^= (uint8_t)(1u << (i % 8));
    }
    CHECK_EQ(same + errors, n);
    CHECK_EQ(errors, bad_header); /* only the skippable header: magic or length */
    CHECK(same >= isz - LLMZ_SKIPPABLE_HEADER);
    /* cut short: the skippable frame runs past the end */
    size_t trunc_err = 0;
    for (size_t k = 1; k < isz; k++) {
        llmz_archive *ar = NULL;
        rc = llmz_archive_open(&ar, rd, &a, a.n - k);
        trunc_err += rc == LLMZ_ERR_TRUNCATED && ar == NULL;
    }
    CHECK_EQ(trunc_err, isz - 1);
    /* a valid index with wrong sizes: frames 0 and 1 swapped (they still fit), then an original size off by one */
    for (int lie = 0; lie < 3; lie++) {
        buf b = {0};
        uint64_t fs[NF], os[NF];
        for (int k = 0; k < NF; k++) fs[k] = fn[k], os[k] = fo[k + 1] - fo[k];
        if (lie == 0) fs[0] = fn[1], fs[1] = fn[0], os[0] = fo[2] - fo[1], os[1] = fo[1];
        if (lie == 1) os[3]++;
        if (lie == 2) fs[3] += 1000000; /* more than the archive: refused at once */
        uint8_t ix[256];
        size_t w;
        CHECK_EQ(llmz_index_write(ix, sizeof ix, &w, fs, os, NF), LLMZ_OK);
        put_frames(&b, 0, NF);
        put(&b, ix, w);
        llmz_archive *ar = open_buf(&b, &rc);
        CHECK_EQ(rc, LLMZ_OK);
        CHECK_EQ(llmz_archive_used_index(ar), lie < 2);
        /* the map is checked as frames are read: across frames 0 and 1, and to the end */
        CHECK(range_ok(ar, d, fo[1] - 10, 20, NULL) && range_ok(ar, d, orig_n - 10, 20, NULL));
        CHECK_EQ(llmz_archive_used_index(ar), 0);
        CHECK(map_ok(ar));
        llmz_archive_free(ar);
        free(b.b);
    }
    llmz_dctx_free(d);
    free(a.b);
}

/* Bad input and bad calls: clear errors, nothing read past the end, no map left behind. */
static void errors(void) {
    buf a = {0};
    static const uint8_t junk[5] = {'j', 'u', 'n', 'k', '!'};
    llmz_archive *ar = (llmz_archive *)&a;
    int rc;
    CHECK_EQ(llmz_archive_open(&ar, rd, &a, 0), LLMZ_ERR_NOT_LLMZ);
    CHECK(ar == NULL);
    CHECK_EQ(llmz_archive_open(NULL, rd, &a, 10), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_archive_open(&ar, NULL, &a, 10), LLMZ_ERR_PARAM);
    put(&a, junk, sizeof junk);
    put_frames(&a, 0, 1);
    open_buf(&a, &rc);
    CHECK_EQ(rc, LLMZ_ERR_NOT_LLMZ); /* not an archive */
    a.n = 0;
    put_frames(&a, 1, 2);
    put(&a, junk, sizeof junk);
    open_buf(&a, &rc);
    CHECK_EQ(rc, LLMZ_ERR_CORRUPT); /* garbage after a frame */
    a.n = 0;
    put_frames(&a, 1, 3);
    a.n -= 1 + fn[2]; /* frame 1 cut short */
    open_buf(&a, &rc);
    CHECK_EQ(rc, LLMZ_ERR_TRUNCATED);
    /* a read error at the first header read; then while decoding */
    a.n = 0;
    put_frames(&a, 1, 2);
    a.fail = 1;
    a.fail_off = 0;
    CHECK(open_buf(&a, &rc) == NULL);
    CHECK_EQ(rc, LLMZ_ERR_TRUNCATED);
    a.fail = 0;
    ar = open_buf(&a, &rc);
    CHECK_EQ(rc, LLMZ_OK);
    llmz_dctx *d = dctx(1);
    uint8_t out[16];
    size_t got;
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, fr[1], fn[1]), LLMZ_OK);
    a.fail = 1;
    a.fail_off = fi.header_size; /* the payloads */
    CHECK_EQ(llmz_archive_read(ar, d, 0, out, sizeof out, &got, NULL), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(got, 0);
    a.fail = 0;
    /* a damaged payload, in its middle (a flip in the coder's last bytes may leave the output intact): its chunk's
    ** CRC or its decoding fails */
    size_t mid = (size_t)fi.header_size + (fn[1] - (size_t)fi.header_size) / 2;
    a.b[mid] ^= 0x10;
    size_t whole = (size_t)(fo[2] - fo[1]); /* the frame's bytes, all its chunks read */
    uint8_t *all = malloc(whole);
    rc = llmz_archive_read(ar, d, 0, all, whole, &got, NULL);
    CHECK(rc == LLMZ_ERR_CHECKSUM || rc == LLMZ_ERR_CORRUPT);
    free(all);
    a.b[mid] ^= 0x10;
    /* another model */
    char path[512];
    llmz_model *m2 = NULL;
    snprintf(path, sizeof path, "%s/micro.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&m2, path), LLMZ_OK);
    llmz_dctx *d2 = llmz_dctx_create(m2);
    CHECK_EQ(llmz_archive_read(ar, d2, 0, out, sizeof out, &got, NULL), LLMZ_ERR_MODEL_MISMATCH);
    /* the memory limit: for the part decoded */
    CHECK_EQ(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, 1 << 20), LLMZ_OK);
    CHECK_EQ(llmz_archive_read(ar, d, 0, out, sizeof out, &got, NULL), LLMZ_ERR_MEMLIMIT);
    CHECK_EQ(llmz_archive_read(ar, NULL, 0, out, sizeof out, &got, NULL), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_archive_read(ar, d, 0, NULL, 1, &got, NULL), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_archive_orig_size(NULL), 0);
    CHECK_EQ(llmz_archive_frames(NULL), 0);
    llmz_archive_free(NULL);
    llmz_dctx_free(d2);
    llmz_model_free(m2);
    llmz_dctx_free(d);
    llmz_archive_free(ar);
    free(a.b);
}

int main(int argc, char **argv) {
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    if (llmz_model_load_file(&M, path) != LLMZ_OK) {
        fprintf(stderr, "cannot load %s\n", path);
        return 1;
    }
    make_frames();
    static const t_case cases[] = {
        {"edges", edges}, {"covering", covering}, {"layouts", layouts}, {"damaged", damaged}, {"errors", errors}};
    int rc = t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
    for (int k = 0; k < NF; k++) free(fr[k]);
    free(orig);
    llmz_model_free(M);
    return rc;
}
