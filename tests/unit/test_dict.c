/* test_dict.c -- dictionaries for small messages (lib/engine/dict.c, dicttrain.c): the dictionary file, training,
** dictionary frames round trip (text, JSON, log lines, empty, binary, several chunks) with the same bytes on every
** kernel set and thread count, smaller than without the dictionary; a wrong, damaged or missing dictionary, or one
** made for another model, is a clear error. */
#include <stdint.h>
#include <stdio.h>

#include "llmz.h"
#include "t.h"

static llmz_model *M, *M2; /* tiny.gguf, micro.gguf */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* A synthetic log line i (no real log: held-out data never goes into test files). */
static size_t log_line(char *b, size_t cap, uint32_t i) {
    static const char *act[] = {"install", "upgrade", "configure", "status unpacked", "status installed", "remove"};
    static const char *pkg[] = {"libc6", "zlib1g", "openssl", "python3", "libssl3", "coreutils", "bash", "tar"};
    return (size_t)snprintf(b, cap, "2026-11-%02u 1%u:%02u:%02u %s %s:amd64 1.%u.%u-%u\n", 1 + i % 28, i % 10,
                            (i * 7) % 60, (i * 13) % 60, act[next() % 6], pkg[next() % 8], next() % 9, next() % 20,
                            1 + next() % 5);
}
static size_t json_rec(char *b, size_t cap, uint32_t i) {
    static const char *name[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    return (size_t)snprintf(b, cap, "{\"id\": %u, \"user\": \"%s\", \"active\": %s, \"score\": %u.%u, \"tags\": "
                                    "[\"a\", \"b\"]}\n",
                            1000 + i, name[next() % 6], next() % 2 ? "true" : "false", next() % 100, next() % 10);
}

static llmz_dict *D; /* trained on synthetic log lines and JSON records, for M */
static void *dfile;
static size_t dsize;

static int pack_numerics; /* nonzero: LLMZ_P_NUMERICS for pack (a golden written before numerics 2) */

static unsigned char *pack(const void *src, size_t n, size_t *out_n, const llmz_dict *d, int kernels, int threads,
                           size_t chunk) {
    llmz_cctx *c = llmz_cctx_create(M);
    if (pack_numerics) { /* and written before format 5 */
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, pack_numerics), LLMZ_OK);
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, 4), LLMZ_OK);
    }
    llmz_cctx_set(c, LLMZ_P_KERNELS, kernels);
    llmz_cctx_set(c, LLMZ_P_THREADS, threads);
    if (chunk) llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, (long long)chunk);
    CHECK_EQ(llmz_cctx_set_dict(c, d), LLMZ_OK);
    size_t cap = llmz_frame_bound(n);
    unsigned char *out = malloc(cap);
    int rc = llmz_compress_frame(c, out, cap, out_n, src, n, NULL);
    CHECK_EQ(rc, LLMZ_OK);
    llmz_cctx_free(c);
    return out;
}

static int unpack(const unsigned char *src, size_t n, const llmz_dict *d, int threads, unsigned char *out, size_t cap,
                  size_t *out_n) {
    llmz_dctx *x = llmz_dctx_create(M);
    llmz_dctx_set(x, LLMZ_P_THREADS, threads);
    llmz_dctx_set_dict(x, d);
    int rc = llmz_decompress_frame(x, out, cap, out_n, src, n, NULL);
    llmz_dctx_free(x);
    return rc;
}

static void roundtrip(const char *what, const void *src, size_t n, size_t chunk) {
    size_t a, b, c, on = 0;
    unsigned char *x = pack(src, n, &a, D, LLMZ_KERNELS_REF, 1, chunk);
    unsigned char *y = pack(src, n, &b, D, LLMZ_KERNELS_AUTO, 2, chunk);
    unsigned char *z = pack(src, n, &c, D, LLMZ_KERNELS_AUTO, 1, chunk);
    int same = a == b && b == c && memcmp(x, y, a) == 0 && memcmp(y, z, a) == 0;
    if (!same) fprintf(stderr, "FAIL %s: not the same bytes (%zu %zu %zu)\n", what, a, b, c);
    CHECK(same);
    unsigned char *o = malloc(n + 1);
    CHECK_EQ(unpack(x, a, D, 1, o, n + 1, &on), LLMZ_OK);
    CHECK(on == n && memcmp(o, src, n) == 0);
    on = 0;
    CHECK_EQ(unpack(x, a, D, 2, o, n + 1, &on), LLMZ_OK);
    CHECK(on == n && memcmp(o, src, n) == 0);
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, x, a), LLMZ_OK);
    uint8_t fp[32];
    llmz_dict_fingerprint(D, fp);
    CHECK(fi.dict_fp_len == 4 && memcmp(fi.dict_fp, fp, 4) == 0 && fi.fp_len == 0);
    free(o);
    free(x);
    free(y);
    free(z);
}

static void case_file(void) {
    uint8_t dfp[32], mfp[32];
    size_t ts = 0;
    CHECK_EQ(llmz_dict_info(dfile, dsize, dfp, mfp, &ts), LLMZ_OK);
    CHECK(ts > 1000 && ts <= 4096 && dsize == ts + 48);
    uint8_t fp[32];
    llmz_dict_fingerprint(D, fp);
    CHECK(memcmp(fp, dfp, 32) == 0);
    /* damaged: every byte flipped in turn (a sample of them) is refused */
    unsigned char *b = malloc(dsize);
    int bad = 0;
    for (size_t i = 0; i < dsize; i += 1 + dsize / 97) {
        memcpy(b, dfile, dsize);
        b[i] ^= 0x20;
        llmz_dict *d = NULL;
        bad += llmz_dict_load(&d, M, b, dsize) == LLMZ_ERR_DICT && !d;
        llmz_dict_free(d);
        CHECK_EQ(llmz_dict_info(b, dsize, NULL, NULL, NULL), LLMZ_ERR_DICT);
    }
    CHECK_EQ(bad, (int)((dsize - 1) / (1 + dsize / 97) + 1));
    llmz_dict *d = NULL;
    CHECK_EQ(llmz_dict_load(&d, M, dfile, dsize - 1), LLMZ_ERR_DICT); /* truncated */
    CHECK_EQ(llmz_dict_load(&d, M, dfile, 10), LLMZ_ERR_DICT);
    CHECK_EQ(llmz_dict_load(&d, M, "hello world, not a dictionary at all, really, no, not at all", 60),
             LLMZ_ERR_DICT);
    /* made for another model */
    CHECK_EQ(llmz_dict_load(&d, M2, dfile, dsize), LLMZ_ERR_MODEL_MISMATCH);
    CHECK(d == NULL);
    llmz_cctx *c = llmz_cctx_create(M2);
    CHECK_EQ(llmz_cctx_set_dict(c, D), LLMZ_ERR_MODEL_MISMATCH);
    llmz_cctx_free(c);
    llmz_dctx *x = llmz_dctx_create(M2);
    CHECK_EQ(llmz_dctx_set_dict(x, D), LLMZ_ERR_MODEL_MISMATCH);
    llmz_dctx_free(x);
    /* training is deterministic */
    free(b);
}

static void case_roundtrips(void) {
    char line[512];
    size_t n = log_line(line, sizeof line, 4242);
    roundtrip("log line", line, n, 0);
    n = json_rec(line, sizeof line, 77);
    roundtrip("json", line, n, 0);
    const char *prose = "The quick brown fox jumps over the lazy dog, and then it sleeps for a while.";
    roundtrip("text", prose, strlen(prose), 0);
    roundtrip("empty", "", 0, 0);
    unsigned char bin[700];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)next();
    roundtrip("binary", bin, sizeof bin, 0);
    const char *crlf = "2026-11-02 10:00:00 status installed bash:amd64 1.2.3-1\r\nsecond line\r\n";
    roundtrip("crlf", crlf, strlen(crlf), 0);
    char *many = malloc(20000);
    size_t m = 0;
    for (uint32_t i = 0; m < 19000; i++) m += log_line(many + m, 20000 - m, i + 9000);
    roundtrip("several chunks", many, m, 4096);
    free(many);
}

/* A dictionary frame is smaller than an ordinary one, and its header too. */
static void case_smaller(void) {
    char line[512];
    size_t tot_d = 0, tot_n = 0;
    for (uint32_t i = 0; i < 12; i++) {
        size_t n = i % 2 ? log_line(line, sizeof line, 5000 + i) : json_rec(line, sizeof line, 5000 + i), a, b;
        unsigned char *x = pack(line, n, &a, D, LLMZ_KERNELS_AUTO, 1, 0);
        unsigned char *y = pack(line, n, &b, NULL, LLMZ_KERNELS_AUTO, 1, 0);
        tot_d += a;
        tot_n += b;
        free(x);
        free(y);
    }
    fprintf(stderr, "12 messages: %zu bytes with the dictionary, %zu without\n", tot_d, tot_n);
    CHECK(tot_d * 10 < tot_n * 8); /* at least 20% smaller on the tiny model */
    size_t a;
    unsigned char *x = pack("", 0, &a, D, LLMZ_KERNELS_AUTO, 1, 0);
    CHECK_EQ(a, 8 + 4 + 1 + 1 + 4); /* empty: fixed part, dictionary fingerprint, sizes (chunk size 0), CRC */
    free(x);
    x = pack("A", 1, &a, D, LLMZ_KERNELS_AUTO, 1, 0);
    CHECK_EQ(a, 8 + 4 + 1 + 1 + 6 + 1); /* one chunk: chunk size 0, no header or table CRC, one entry, the byte */
    free(x);
    /* one chunk of any chunk size is written alike: chunk size 0, the chunk's CRC covering the header */
    size_t b;
    size_t n = log_line(line, sizeof line, 17);
    x = pack(line, n, &a, D, LLMZ_KERNELS_AUTO, 1, 0);
    unsigned char *y = pack(line, n, &b, D, LLMZ_KERNELS_AUTO, 1, 4096);
    CHECK(a == b && memcmp(x, y, a) == 0 && x[12] == 0 && x[13] == n);
    free(y);
    free(x);
}

static void case_errors(void) {
    char line[512];
    size_t n = log_line(line, sizeof line, 31), a, on;
    unsigned char *x = pack(line, n, &a, D, LLMZ_KERNELS_AUTO, 1, 0), o[600];
    /* no dictionary, another dictionary */
    CHECK_EQ(unpack(x, a, NULL, 1, o, sizeof o, &on), LLMZ_ERR_DICT);
    void *f2;
    size_t s2;
    CHECK_EQ(llmz_dict_make(&f2, &s2, M, "another dictionary\n", 19), LLMZ_OK);
    llmz_dict *d2 = NULL;
    CHECK_EQ(llmz_dict_load(&d2, M, f2, s2), LLMZ_OK);
    CHECK_EQ(unpack(x, a, d2, 1, o, sizeof o, &on), LLMZ_ERR_DICT);
    /* an ordinary frame decodes with or without a dictionary set */
    size_t b;
    unsigned char *y = pack(line, n, &b, NULL, LLMZ_KERNELS_AUTO, 1, 0);
    CHECK_EQ(unpack(y, b, D, 1, o, sizeof o, &on), LLMZ_OK);
    CHECK(on == n && memcmp(o, line, n) == 0);
    /* damage anywhere in the dictionary frame: an error, never wrong output */
    unsigned char *z = malloc(a);
    int errs = 0, tries = 0;
    for (size_t i = 0; i < a; i++) {
        memcpy(z, x, a);
        z[i] ^= (unsigned char)(1 + next() % 255);
        tries++;
        int r = unpack(z, a, D, 1, o, sizeof o, &on);
        errs += r != LLMZ_OK || (on == n && memcmp(o, line, n) == 0); /* (the coder's last bytes may not matter) */
    }
    CHECK_EQ(errs, tries);
    free(z);
    free(y);
    free(x);
    llmz_dict_free(d2);
    llmz_free_buffer(f2);
    /* dictionary frames are format 4 and lossless */
    llmz_cctx *c = llmz_cctx_create(M);
    llmz_cctx_set(c, LLMZ_P_FORMAT, 3);
    llmz_cctx_set_dict(c, D);
    unsigned char buf[1024];
    CHECK_EQ(llmz_compress_frame(c, buf, sizeof buf, &on, line, n, NULL), LLMZ_ERR_PARAM);
    llmz_cctx_free(c);
    CHECK(strcmp(llmz_error_name(LLMZ_ERR_DICT), "archive needs another dictionary") == 0);
}

/* One compression and one decompression context for many frames (the dictionary's primed state made once and
** copied per chunk, prime.c): every frame is the one a fresh context makes, and decodes, while the dictionary, the
** online models, the thread count and the chunk size change between frames. */
static void case_reuse(void) {
    void *f2;
    size_t s2;
    const char *other = "a second dictionary: 2026-12-01 status installed tar:amd64 {\"id\": 7, \"user\": \"erin\"}\n";
    CHECK_EQ(llmz_dict_make(&f2, &s2, M, other, strlen(other)), LLMZ_OK);
    llmz_dict *d2 = NULL;
    CHECK_EQ(llmz_dict_load(&d2, M, f2, s2), LLMZ_OK);
    llmz_cctx *c = llmz_cctx_create(M);
    llmz_dctx *x = llmz_dctx_create(M);
    char *msg = malloc(12000);
    unsigned char *fr = malloc(llmz_frame_bound(12000)), *o = malloc(12001);
    int same = 0, back = 0, n_frames = 0;
    for (uint32_t i = 0; i < 14; i++) {
        const llmz_dict *d = i % 7 == 3 ? d2 : i % 7 == 5 ? NULL : D;
        int threads = 1 + (i % 3 == 2), adapt = i == 8 ? 0 : i == 9 ? LLMZ_ADAPT_MATCH : LLMZ_ADAPT_ALL;
        size_t chunk = i % 5 == 4 ? 2048 : 0, n = 0;
        if (chunk) /* several chunks */
            while (n < 9000) n += log_line(msg + n, 12000 - n, 7000 + i * 100 + (uint32_t)n);
        else n = i == 6 ? 0 : i % 2 ? log_line(msg, 12000, 6000 + i) : json_rec(msg, 12000, 6000 + i);
        llmz_cctx_set(c, LLMZ_P_THREADS, threads);
        llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, (long long)chunk);
        llmz_cctx_set(c, LLMZ_P_ADAPT, adapt);
        CHECK_EQ(llmz_cctx_set_dict(c, d), LLMZ_OK);
        size_t a = 0, b = 0, on = 0;
        CHECK_EQ(llmz_compress_frame(c, fr, llmz_frame_bound(12000), &a, msg, n, NULL), LLMZ_OK);
        /* a fresh context, alone */
        llmz_cctx *f = llmz_cctx_create(M);
        llmz_cctx_set(f, LLMZ_P_CHUNK_SIZE, (long long)chunk);
        llmz_cctx_set(f, LLMZ_P_ADAPT, adapt);
        llmz_cctx_set_dict(f, d);
        unsigned char *y = malloc(llmz_frame_bound(12000));
        CHECK_EQ(llmz_compress_frame(f, y, llmz_frame_bound(12000), &b, msg, n, NULL), LLMZ_OK);
        llmz_cctx_free(f);
        same += a == b && memcmp(fr, y, a) == 0;
        free(y);
        llmz_dctx_set(x, LLMZ_P_THREADS, 3 - threads);
        CHECK_EQ(llmz_dctx_set_dict(x, d), LLMZ_OK);
        back += llmz_decompress_frame(x, o, 12001, &on, fr, a, NULL) == LLMZ_OK && on == n && memcmp(o, msg, n) == 0;
        n_frames++;
    }
    CHECK_EQ(same, n_frames);
    CHECK_EQ(back, n_frames);
    free(msg);
    free(fr);
    free(o);
    llmz_cctx_free(c);
    llmz_dctx_free(x);
    llmz_dict_free(d2);
    llmz_free_buffer(f2);
}

static void case_train(void) {
    enum { NS = 400 };
    char *buf = malloc(NS * 256);
    const void *ss[NS];
    size_t sz[NS];
    size_t pos = 0;
    for (uint32_t i = 0; i < NS; i++) {
        sz[i] = i % 2 ? log_line(buf + pos, 256, i) : json_rec(buf + pos, 256, i);
        ss[i] = buf + pos;
        pos += sz[i];
    }
    void *a, *b;
    size_t an, bn;
    CHECK_EQ(llmz_dict_train(&a, &an, M, ss, sz, NS, 2048), LLMZ_OK);
    CHECK_EQ(llmz_dict_train(&b, &bn, M, ss, sz, NS, 2048), LLMZ_OK);
    CHECK(an == bn && memcmp(a, b, an) == 0 && an <= 2048 + 48 && an > 1500);
    llmz_free_buffer(a);
    CHECK_EQ(llmz_dict_train(&a, &an, M, ss, sz, NS, (size_t)LLMZ_DICT_MAX + 1), LLMZ_ERR_PARAM);
    CHECK(a == NULL);
    llmz_free_buffer(b);
    CHECK_EQ(llmz_dict_train(&b, &bn, M, ss, sz, 0, 0), LLMZ_OK); /* no samples: an empty dictionary */
    CHECK_EQ(bn, 48);
    llmz_free_buffer(b);
    free(buf);
}

static unsigned char *slurp(const char *name, size_t *n) {
    char path[512];
    snprintf(path, sizeof path, "%s/../golden/%s", t_data_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *b = malloc(1 << 16);
    *n = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

/* tests/golden/msg.dict.v4.llmz (never regenerated; tests/golden/README.md): decodes with msg.dict, on every kernel
** set and 1 or 2 threads, and compressing msg.txt again gives its bytes; without the dictionary, LLMZ_ERR_DICT. */
static void case_golden(void) {
    size_t dn = 0, tn = 0, an = 0, on = 0;
    unsigned char *df = slurp("msg.dict", &dn), *txt = slurp("msg.txt", &tn), *arc = slurp("msg.dict.v4.llmz", &an);
    CHECK(df && txt && arc);
    if (!df || !txt || !arc) return;
    llmz_dict *d = NULL;
    CHECK_EQ(llmz_dict_load(&d, M, df, dn), LLMZ_OK);
    const int ks[] = {LLMZ_KERNELS_REF, LLMZ_KERNELS_AVX2, LLMZ_KERNELS_AVX512};
    for (int k = 0; k < 3; k++) {
        if (!llmz_kernels_name(ks[k])) {
            T_SKIP_CHECKS(8); /* 2 thread counts: pack's 2 checks and 2 more */
            continue;
        }
        for (int t = 1; t <= 2; t++) {
            llmz_dctx *x = llmz_dctx_create(M);
            llmz_dctx_set(x, LLMZ_P_KERNELS, ks[k]);
            llmz_dctx_set(x, LLMZ_P_THREADS, t);
            llmz_dctx_set_dict(x, d);
            unsigned char o[256];
            CHECK(llmz_decompress_frame(x, o, sizeof o, &on, arc, an, NULL) == LLMZ_OK && on == tn &&
                  memcmp(o, txt, tn) == 0);
            llmz_dctx_free(x);
            size_t cn = 0;
            pack_numerics = 1; /* msg.dict.v4.llmz: numerics 1 */
            unsigned char *c = pack(txt, tn, &cn, d, ks[k], t, 0);
            pack_numerics = 0;
            CHECK(cn == an && memcmp(c, arc, an) == 0);
            free(c);
        }
    }
    unsigned char o[256];
    CHECK_EQ(unpack(arc, an, NULL, 1, o, sizeof o, &on), LLMZ_ERR_DICT);
    llmz_dict_free(d);
    free(df);
    free(txt);
    free(arc);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"file", case_file},     {"roundtrips", case_roundtrips}, {"smaller", case_smaller},
                                   {"errors", case_errors}, {"train", case_train},        {"golden", case_golden},
                                   {"reuse", case_reuse}};
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    int rc = llmz_model_load_file(&M, path);
    CHECK_EQ(rc, LLMZ_OK);
    snprintf(path, sizeof path, "%s/micro.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&M2, path), LLMZ_OK);
    if (rc || !M2) return T_DONE();
    /* the dictionary: trained on 600 synthetic messages (another seed than the test messages) */
    enum { NS = 600 };
    char *buf = malloc(NS * 256);
    const void *ss[NS];
    size_t sz[NS], pos = 0;
    for (uint32_t i = 0; i < NS; i++) {
        sz[i] = i % 2 ? log_line(buf + pos, 256, i) : json_rec(buf + pos, 256, i);
        ss[i] = buf + pos;
        pos += sz[i];
    }
    CHECK_EQ(llmz_dict_train(&dfile, &dsize, M, ss, sz, NS, 4096), LLMZ_OK);
    CHECK_EQ(llmz_dict_load(&D, M, dfile, dsize), LLMZ_OK);
    free(buf);
    rc = D ? t_main(argc, argv, cases, sizeof cases / sizeof cases[0]) : T_DONE();
    llmz_dict_free(D);
    llmz_free_buffer(dfile);
    llmz_model_free(M);
    llmz_model_free(M2);
    return rc;
}
