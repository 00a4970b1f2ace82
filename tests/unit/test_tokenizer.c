/* test_tokenizer.c -- lossless round trips, exact ids against tools/train/llmztok.py, real vocabularies. */
#include <stdint.h>

#include "../../tools/gguf_write.h"
#include "common/mem.h"
#include "llmz.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "t.h"

/* Encode, check the concatenated token bytes equal the input; returns the token count (-1 on failure). */
static long round_trip(const tok_vocab *v, const uint8_t *src, size_t n) {
    int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    long k = tok_encode(v, ids, n, src, n);
    int ok = k >= 0;
    size_t pos = 0;
    for (long i = 0; ok && i < k; i++) {
        const uint8_t *p;
        size_t len = tok_bytes(v, ids[i], &p);
        ok = len > 0 && len <= n - pos && !memcmp(p, src + pos, len);
        pos += len;
    }
    ok = ok && pos == n;
    free(ids);
    CHECK(ok);
    return ok ? k : -1;
}

static uint64_t rng = 42;
static uint8_t rnd8(void) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t)(rng >> 56);
}

static void round_trips(const tok_vocab *v) {
    CHECK_EQ(round_trip(v, (const uint8_t *)"", 0), 0);
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        CHECK_EQ(round_trip(v, &c, 1), 1);
    }
    size_t n = 100 * 1024;
    uint8_t *buf = malloc(n);
    for (size_t i = 0; i < 65536; i++) buf[i] = rnd8();
    CHECK(round_trip(v, buf, 65536) > 0);
    memset(buf, 'a', n);
    CHECK(round_trip(v, buf, n) > 0);
    memset(buf, 0, 1000);
    CHECK(round_trip(v, buf, 1000) > 0);
    memset(buf, ' ', 1000);
    CHECK(round_trip(v, buf, 1000) > 0);
    memset(buf, 0xFF, 1000);
    CHECK(round_trip(v, buf, 1000) > 0);
    static const char *const s[] = {
        "\xc3(\xa0\xa1\xe2\x82\xf0\x90\x80\xff\xfe invalid utf-8 \xed\xa0\x80",
        "a\0b\0\0c",
        "Supercalifragilisticexpialidociousandthensomemorelettersuntilthewordislongerthansixtyfourbytes yes",
        "  leading spaces,\ttabs\t\t, trailing   \n\n\nnewlines\r\n 12345678901234567890 x=1+2; \xe2\x96\x81 spm",
        "The quick brown fox jumps over the lazy dog.  It's 3:45pm -- isn't it?  \"Yes,\" she said.\n",
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        size_t len = i == 1 ? 6 : strlen(s[i]);
        CHECK(round_trip(v, (const uint8_t *)s[i], len) > 0);
    }
    /* cap: too small gives -1, exactly enough works */
    const uint8_t *txt = (const uint8_t *)"hello world";
    int32_t ids[16];
    long k = tok_encode(v, ids, 16, txt, 11);
    CHECK(k > 0);
    if (k > 0) {
        CHECK_EQ(tok_encode(v, ids, (size_t)k, txt, 11), k);
        CHECK_EQ(tok_encode(v, ids, (size_t)k - 1, txt, 11), -1);
    }
    const uint8_t *p;
    CHECK_EQ(tok_bytes(v, -1, &p), 0);
    CHECK(p == NULL);
    CHECK_EQ(tok_bytes(v, (int32_t)tok_n_vocab(v), &p), 0);
    free(buf);
}

static int load(const char *path, unsigned char **buf, gguf_ctx **g, tok_vocab **v) {
    size_t size;
    *buf = t_read_file(path, &size);
    *g = NULL;
    *v = NULL;
    if (!*buf) return -1;
    int rc = gguf_open(g, *buf, size);
    if (rc == LLMZ_OK) rc = tok_build(v, *g);
    return rc;
}

static void test_tiny(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    unsigned char *buf;
    gguf_ctx *g;
    tok_vocab *v;
    int rc = load(path, &buf, &g, &v);
    CHECK_EQ(rc, LLMZ_OK);
    if (rc != LLMZ_OK) return;
    CHECK_EQ(tok_n_vocab(v), 4096);
    round_trips(v);

    /* exact ids of the Python reference */
    size_t n, nid;
    snprintf(path, sizeof path, "%s/tok_fixture.txt", t_data_dir());
    unsigned char *fx = t_read_file(path, &n);
    snprintf(path, sizeof path, "%s/tok_fixture.ids", t_data_dir());
    unsigned char *idtxt = t_read_file(path, &nid);
    CHECK(fx && idtxt);
    if (fx && idtxt) {
        int32_t *want = malloc((nid + 1) * sizeof *want), *got = malloc((n + 1) * sizeof *got);
        size_t nw = 0;
        long cur = -1;
        for (size_t i = 0; i < nid; i++) {
            if (idtxt[i] >= '0' && idtxt[i] <= '9') cur = (cur < 0 ? 0 : cur * 10) + (idtxt[i] - '0');
            else if (cur >= 0) want[nw++] = (int32_t)cur, cur = -1;
        }
        long k = tok_encode(v, got, n, fx, n);
        CHECK_EQ(k, (long)nw);
        size_t first_diff = nw;
        for (size_t i = 0; i < nw && (long)i < k; i++)
            if (got[i] != want[i]) {
                first_diff = i;
                break;
            }
        if (first_diff < nw) fprintf(stderr, "first id mismatch at %zu: %d vs %d\n", first_diff, got[first_diff], want[first_diff]);
        CHECK_EQ(first_diff, nw);
        CHECK(round_trip(v, fx, n) > 0);
        free(want);
        free(got);
    }
    free(fx);
    free(idtxt);

    /* allocation failure anywhere in tok_build: NOMEM, no leak */
    int ok = 0;
    for (long k = 1; k < 200; k++) {
        tok_vocab *vf;
        llmz_mem_fail_after(k);
        rc = tok_build(&vf, g);
        llmz_mem_fail_after(-1);
        if (rc == LLMZ_OK) {
            tok_free(vf);
            ok = 1;
            break;
        }
        CHECK_EQ(rc, LLMZ_ERR_NOMEM);
    }
    CHECK(ok);
    tok_free(v);
    gguf_close(g);
    free(buf);
}

/* A small in-memory vocabulary: model name, tokens (already spelled), optional scores, merges. */
static int mini(const char *model, const char *const *toks, size_t nt, const float *scores,
                const char *const *merges, size_t nm, tok_vocab **v) {
    gw_buf b;
    gw_init(&b);
    gw_header(&b, 3, 0, 2 + (scores != NULL) + (merges != NULL));
    gw_kv_str(&b, "tokenizer.ggml.model", model);
    gw_arr(&b, "tokenizer.ggml.tokens", GW_STRING, nt);
    for (size_t i = 0; i < nt; i++) gw_cstr(&b, toks[i]);
    if (scores) {
        gw_arr(&b, "tokenizer.ggml.scores", GW_F32, nt);
        for (size_t i = 0; i < nt; i++) gw_f32(&b, scores[i]);
    }
    if (merges) {
        gw_arr(&b, "tokenizer.ggml.merges", GW_STRING, nm);
        for (size_t i = 0; i < nm; i++) gw_cstr(&b, merges[i]);
    }
    gguf_ctx *g;
    int rc = gguf_open(&g, b.p, b.n);
    *v = NULL;
    if (rc == LLMZ_OK) {
        rc = tok_build(v, g);
        gguf_close(g);
    }
    gw_free(&b);
    return rc;
}

static void test_mini(void) {
    static char spell[256][8];
    const char *toks[300];
    for (int i = 0; i < 256; i++) {
        uint8_t c = (uint8_t)i;
        spell[i][gw_gpt2_spell(&c, 1, spell[i])] = 0;
        toks[i] = spell[i];
    }
    /* gpt2: merges "Ġ t" -> "Ġt", "h e" -> "he", "Ġt he" -> "Ġthe" */
    toks[256] = "\xc4\xa0t";
    toks[257] = "he";
    toks[258] = "\xc4\xa0the";
    const char *merges[] = {"\xc4\xa0 t", "h e", "\xc4\xa0t he", "x y", "bad", "a b c"};
    tok_vocab *v;
    CHECK_EQ(mini("gpt2", toks, 259, NULL, merges, 6, &v), LLMZ_OK);
    if (v) {
        int32_t ids[8];
        CHECK_EQ(tok_encode(v, ids, 8, (const uint8_t *)" the", 4), 1);
        CHECK_EQ(ids[0], 258);
        CHECK_EQ(tok_encode(v, ids, 8, (const uint8_t *)"the", 3), 2);
        CHECK_EQ(ids[0], 't');
        CHECK_EQ(ids[1], 257);
        round_trips(v);
        tok_free(v);
    }
    CHECK_EQ(mini("bert", toks, 259, NULL, NULL, 0, &v), LLMZ_ERR_MODEL_UNSUPPORTED);
    toks[65] = "AA"; /* byte 'A' missing */
    CHECK_EQ(mini("gpt2", toks, 259, NULL, NULL, 0, &v), LLMZ_ERR_MODEL_UNSUPPORTED);

    /* llama/spm: byte tokens <0xAB>, '▁' is a space, merges by score */
    static char hexes[256][8];
    const char *st[300];
    float sc[300];
    for (int i = 0; i < 256; i++) {
        snprintf(hexes[i], sizeof hexes[i], "<0x%02X>", i);
        st[i] = hexes[i];
        sc[i] = 0;
    }
    st[256] = "\xe2\x96\x81t", sc[256] = -1;
    st[257] = "he", sc[257] = -2;
    st[258] = "\xe2\x96\x81the", sc[258] = -3;
    st[259] = "\xe2\x96\x81", sc[259] = -4;
    CHECK_EQ(mini("llama", st, 260, sc, NULL, 0, &v), LLMZ_OK);
    if (v) {
        int32_t ids[8];
        CHECK_EQ(tok_encode(v, ids, 8, (const uint8_t *)" the", 4), 1);
        CHECK_EQ(ids[0], 258);
        const uint8_t *p;
        CHECK_EQ(tok_bytes(v, 258, &p), 4);
        CHECK(!memcmp(p, " the", 4));
        CHECK_EQ(tok_encode(v, ids, 8, (const uint8_t *)" ", 1), 1);
        CHECK_EQ(ids[0], 259); /* the normal piece is preferred to <0x20> */
        CHECK(round_trip(v, (const uint8_t *)"\xe2\x96\x81the \xe2\x96\x81", 10) > 0);
        round_trips(v);
        tok_free(v);
    }
}

static void test_shared(void) {
    const char *names[] = {"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-neox.gguf",
                           "ggml-vocab-starcoder.gguf", "ggml-vocab-falcon.gguf", "ggml-vocab-deepseek-coder.gguf",
                           "ggml-vocab-phi-3.gguf"};
    char path[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/tok_fixture.txt", t_data_dir());
    unsigned char *fx = t_read_file(path, &n);
    if (!fx) return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/vocab/%s", t_shared_dir(), names[i]);
        unsigned char *buf;
        gguf_ctx *g;
        tok_vocab *v;
        int rc = load(path, &buf, &g, &v);
        if (rc == -1) {
            T_SKIP(names[i]);
            continue;
        }
        if (i < 2) CHECK_EQ(rc, LLMZ_OK);
        else CHECK(rc == LLMZ_OK || rc == LLMZ_ERR_MODEL_UNSUPPORTED);
        if (rc == LLMZ_OK) {
            long k = round_trip(v, fx, n);
            CHECK(k > 0 && (size_t)k < n);
            fprintf(stderr, "  %s: vocab %u, fixture %zu bytes -> %ld tokens\n", names[i], tok_n_vocab(v), n, k);
            round_trips(v);
        } else {
            fprintf(stderr, "  %s: rc %d\n", names[i], rc);
        }
        tok_free(v);
        gguf_close(g);
        free(buf);
    }
    free(fx);
}

int main(void) {
    test_tiny();
    test_mini();
    test_shared();
    return T_DONE();
}
