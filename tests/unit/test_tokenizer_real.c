/* test_tokenizer_real.c -- llmz's token ids against llama.cpp's on the same vocabularies.
**
** tests/data/tok_real/cases.bin holds the fixture cases; NAME.ids the ids llama.cpp (node-llama-cpp 3.21.1)
** gives for each (tools/xcheck/tokids.mjs).  The vocabularies: the synthetic ones under tests/data/tok_synth
** (tools/xcheck/mkvocab.py: one per pre-tokenizer, always present) and the real ones of ../shared/vocab (skipped
** when absent).  For a llama (SentencePiece) vocabulary llama.cpp puts a space before the text (add_space_prefix);
** llmz codes exactly the input, so the case is given to llmz with that space.  Invalid UTF-8, which JavaScript
** strings cannot carry, is checked for losslessness only: llama.cpp reads each byte it rejects as U+FFFD. */
#include <stdint.h>

#include "../../tools/gguf_write.h"
#include "llmz.h"
#include "model/gguf.h"
#include "model/pretok.h"
#include "model/tokenizer.h"
#include "t.h"

#define MAX_CASES 64

typedef struct {
    size_t n;
    const uint8_t *p[MAX_CASES];
    size_t len[MAX_CASES];
} cases;

static int read_cases(unsigned char *buf, size_t size, cases *c) {
    c->n = 0;
    for (size_t i = 0; i < size && c->n < MAX_CASES;) {
        size_t len = 0;
        while (i < size && buf[i] >= '0' && buf[i] <= '9') len = len * 10 + (size_t)(buf[i++] - '0');
        if (i >= size || buf[i] != '\n' || len > size - i - 1) return -1;
        c->p[c->n] = buf + i + 1;
        c->len[c->n++] = len;
        i += len + 2;
    }
    return 0;
}

/* The ids of line `line` (0: the first after the "#" header) of an .ids file; count, or -1 if absent. */
static long read_ids(const unsigned char *t, size_t n, size_t line, int32_t *ids, size_t cap) {
    size_t i = 0, l = 0;
    if (n && t[0] == '#')
        while (i < n && t[i++] != '\n') {}
    for (; l < line && i < n; i++)
        if (t[i] == '\n') l++;
    if (i >= n) return -1;
    size_t k = 0;
    long cur = -1;
    for (; i < n && t[i] != '\n'; i++) {
        if (t[i] >= '0' && t[i] <= '9')
            cur = (cur < 0 ? 0 : cur * 10) + (t[i] - '0');
        else if (cur >= 0 && k < cap)
            ids[k++] = (int32_t)cur, cur = -1;
    }
    if (cur >= 0 && k < cap) ids[k++] = (int32_t)cur;
    return (long)k;
}

/* Lossless: the ids' bytes are the input. */
static int lossless(const tok_vocab *v, const int32_t *ids, long k, const uint8_t *src, size_t n) {
    size_t pos = 0;
    for (long i = 0; i < k; i++) {
        const uint8_t *p;
        size_t len = tok_bytes(v, ids[i], &p);
        if (!len || len > n - pos || memcmp(p, src + pos, len)) return 0;
        pos += len;
    }
    return pos == n;
}

typedef struct {
    const char *file; /* vocabulary: under tests/data/tok_synth (synth) or ../shared/vocab */
    int synth;
    const char *pre; /* NULL: the file's own tokenizer.ggml.pre; else as llama.cpp reads the file */
    int spm;         /* llama vocabulary: llama.cpp's space prefix */
    int lax;         /* vocabulary lacking single bytes (llmz refuses it): build with TOK_LAX_BYTES */
    int differ[4];   /* cases known to differ (docs/format.md, "Tokenizers of llama.cpp"), -1 ends */
} vocab_case;

static int known(const vocab_case *vc, size_t c) {
    for (int i = 0; i < 4 && vc->differ[i] >= 0; i++)
        if ((size_t)vc->differ[i] == c) return 1;
    return 0;
}

/* Compare every case; returns the number of cases whose ids are identical (-1: vocabulary absent). */
static long compare(const vocab_case *vc, const cases *cs) {
    char path[4096], ids_path[4096];
    if (vc->synth)
        snprintf(path, sizeof path, "%s/tok_synth/%s.gguf", t_data_dir(), vc->file);
    else
        snprintf(path, sizeof path, "%s/vocab/%s.gguf", t_shared_dir(), vc->file);
    snprintf(ids_path, sizeof ids_path, "%s/tok_real/%s.ids", t_data_dir(), vc->file);
    size_t size = 0, nids = 0;
    unsigned char *buf = t_read_file(path, &size);
    if (!buf) {
        CHECK(!vc->synth); /* the synthetic ones are committed */
        T_SKIP(vc->file);
        return -1;
    }
    unsigned char *idt = t_read_file(ids_path, &nids);
    CHECK(idt != NULL);
    gguf_ctx *g = NULL;
    tok_vocab *v = NULL;
    int rc = gguf_open(&g, buf, size);
    if (rc == LLMZ_OK) rc = tok_build_pre(&v, g, vc->pre, vc->lax ? TOK_LAX_BYTES : 0);
    CHECK_EQ(rc, LLMZ_OK);
    long same = 0;
    for (size_t c = 0; v && idt && c < cs->n; c++) {
        size_t n = cs->len[c] + (vc->spm != 0);
        uint8_t *src = malloc(n + 1);
        int32_t *got = malloc((n + 1) * sizeof *got), *want = malloc((4 * n + 8) * sizeof *want);
        if (vc->spm) src[0] = ' ';
        memcpy(src + (vc->spm != 0), cs->p[c], cs->len[c]);
        long k = tok_encode(v, got, n, src, n);
        long kw = read_ids(idt, nids, c, want, 4 * n + 8);
        if (vc->lax) { /* bytes the vocabulary lacks: llama.cpp drops them */
            long j = 0;
            for (long i = 0; i < k; i++)
                if (got[i] >= 0) got[j++] = got[i];
            k = k < 0 ? k : j;
        } else {
            CHECK(k >= 0 && lossless(v, got, k, src, n));
        }
        CHECK(kw >= 0);
        int eq = k == kw && k >= 0 && !memcmp(got, want, (size_t)k * sizeof *got);
        if (!eq) {
            fprintf(stderr, "  %s case %zu: llmz", vc->file, c);
            for (long i = 0; i < k && i < 40; i++) fprintf(stderr, " %d", got[i]);
            fprintf(stderr, "\n  %*s llama.cpp", (int)strlen(vc->file) + (int)(c > 9) + 6, "");
            for (long i = 0; i < kw && i < 40; i++) fprintf(stderr, " %d", want[i]);
            fprintf(stderr, "\n");
        }
        if (known(vc, c))
            CHECK(!eq); /* still a difference: update the list when fixed */
        else
            same += eq;
        free(src);
        free(got);
        free(want);
    }
    int nk = 0;
    while (nk < 4 && vc->differ[nk] >= 0) nk++;
    fprintf(stderr, "  %s%s%s: %ld of %zu cases identical to llama.cpp, %d known to differ\n", vc->file,
            vc->pre ? " as pre " : "", vc->pre ? vc->pre : "", same, cs->n, nk);
    if (vc->lax) {
        tok_free(v);
        gguf_close(g);
        free(buf);
        free(idt);
        return same;
    }

    /* invalid UTF-8 and every byte: lossless, in at most one id per byte */
    static const char bad[] = "\xc3(\xa0\xa1\xe2\x82\xf0\x90\x80\xff\xfe x \xed\xa0\x80 \xc0\x80 \xf8\x88\x80\x80\x80 "
                              "\xe4\xb8 end \xf4\x90\x80\x80\xe4";
    uint8_t all[512];
    for (int i = 0; i < 512; i++) all[i] = (uint8_t)(i * 7 + (i >> 8));
    int32_t ids[512];
    long k = v ? tok_encode(v, ids, sizeof bad - 1, (const uint8_t *)bad, sizeof bad - 1) : -1;
    CHECK(k > 0 && lossless(v, ids, k, (const uint8_t *)bad, sizeof bad - 1));
    k = v ? tok_encode(v, ids, 512, all, 512) : -1;
    CHECK(k > 0 && lossless(v, ids, k, all, 512));
    tok_free(v);
    gguf_close(g);
    free(buf);
    free(idt);
    return same;
}

static void test_real(void) {
    char path[4096];
    size_t size;
    snprintf(path, sizeof path, "%s/tok_real/cases.bin", t_data_dir());
    unsigned char *buf = t_read_file(path, &size);
    CHECK(buf != NULL);
    if (!buf) return;
    cases cs;
    CHECK_EQ(read_cases(buf, size, &cs), 0);
    CHECK(cs.n >= 20);
    static const vocab_case vcs[] = {
        {"synth-gpt-2", 1, NULL, 0, 0, {-1}},
        {"synth-default", 1, NULL, 0, 0, {-1}},
        {"synth-llama-bpe", 1, NULL, 0, 0, {-1}},
        {"synth-dbrx", 1, NULL, 0, 0, {-1}},
        {"synth-qwen2", 1, NULL, 0, 0, {-1}},
        {"synth-smollm", 1, NULL, 0, 0, {-1}},
        {"synth-starcoder", 1, NULL, 0, 0, {-1}},
        {"synth-falcon", 1, NULL, 0, 0, {-1}},
        {"synth-deepseek-coder", 1, NULL, 0, 0, {-1}},
        {"synth-llama-spm", 1, NULL, 1, 0, {23, -1}},
        {"ggml-vocab-gpt-2", 0, NULL, 0, 0, {-1}},
        {"ggml-vocab-gpt-neox", 0, "default", 0, 1, {-1}}, /* no tokenizer.ggml.pre: llama.cpp's "default" */
        {"ggml-vocab-starcoder", 0, NULL, 0, 1, {-1}},
        {"ggml-vocab-falcon", 0, NULL, 0, 1, {-1}},
        {"ggml-vocab-deepseek-coder", 0, NULL, 0, 0, {9, 25, -1}}, /* its added "\u00f6" (id 32011) */
        {"ggml-vocab-llama-spm", 0, NULL, 1, 0, {23, -1}},     /* U+2581 in the text */
        {"ggml-vocab-phi-3", 0, NULL, 1, 0, {23, -1}},
    };
    for (size_t i = 0; i < sizeof vcs / sizeof *vcs; i++) {
        long same = compare(&vcs[i], &cs), nk = 0;
        while (nk < 4 && vcs[i].differ[nk] >= 0) nk++;
        if (same >= 0) CHECK_EQ(same, (long)cs.n - nk);
    }
    free(buf);
}

/* The pieces pretok.c cuts s into, joined by '|'. */
static void pieces(int pre, const char *s, char *out, size_t cap) {
    pt_iter it;
    pt_init(&it, pre, (const uint8_t *)s, strlen(s));
    size_t a, len, o = 0;
    while (pt_next(&it, &a, &len) && o + len + 2 < cap) {
        if (o) out[o++] = '|';
        memcpy(out + o, s + a, len);
        o += len;
    }
    out[o] = 0;
}

static void test_pretok(void) {
    CHECK_EQ(pt_class('A'), PT_LETTER);
    CHECK_EQ(pt_class('5'), PT_NUMBER);
    CHECK_EQ(pt_class(0xE9), PT_LETTER);
    CHECK_EQ(pt_class(0x663), PT_NUMBER); /* ARABIC-INDIC DIGIT THREE */
    CHECK_EQ(pt_class(0x301), PT_MARK);
    CHECK_EQ(pt_class(0x3001), PT_PUNCT);
    CHECK_EQ(pt_class(0xFFFD), PT_SYMBOL);
    CHECK_EQ(pt_class(0x3000), PT_SEPARATOR);
    CHECK_EQ(pt_class(0x378), PT_UNDEF);
    CHECK_EQ(pt_class(0x110000), PT_UNDEF);
    CHECK(pt_space(0x3000) && pt_space(0x85) && pt_space('\v') && !pt_space(0x1C) && !pt_space(0x200B));
    static const struct {
        const char *pre, *in, *want;
    } k[] = {
        {"gpt-2", "Hello world's  123 x", "Hello| world|'s| | 123| x"},
        {"gpt-2", "a\n\nb  ", "a|\n|\n|b|  "}, /* \\s+(?!\\S) leaves the last one */
        {"llama-bpe", "12345 I'M ok\r\n\r\n x", "123|45| I|'M| ok|\r\n\r\n| x"},
        {"qwen2", "x=12;", "x|=|1|2|;"},
        {"smollm", "a 12b", "a| |1|2|b"},
        {"falcon", "x+=12345;", "x|+=|123|45|;"},
        {"default", "f(a,b) 12345", "f|(|a|,|b|)| |123|45"},
        {"deepseek-coder", "int 中文x\n1", "int| |中文|x|\n|1"},
        {"gpt-2", "\xff\xfe ab", "\xff\xfe| ab"}, /* invalid bytes read as U+FFFD, a symbol */
    };
    char got[256];
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        pieces(pt_lookup(k[i].pre, strlen(k[i].pre)), k[i].in, got, sizeof got);
        if (strcmp(got, k[i].want)) fprintf(stderr, "  %s: \"%s\" -> \"%s\"\n", k[i].pre, k[i].in, got);
        CHECK(!strcmp(got, k[i].want));
    }
    CHECK_EQ(pt_lookup("no-such", 7), -1);
    CHECK_EQ(pt_lookup("llmz", 4), PT_LLMZ);
    CHECK(pt_ignore_merges(PT_LLAMA3) && !pt_ignore_merges(PT_QWEN2));
}

/* Every synthetic vocabulary: lossless on hostile inputs, cap rules, refused names. */
static void test_robust(void) {
    static const char *const names[] = {"synth-gpt-2",  "synth-default",        "synth-llama-bpe",
                                        "synth-dbrx",   "synth-qwen2",          "synth-smollm",
                                        "synth-falcon", "synth-deepseek-coder", "synth-llama-spm"};
    size_t n = 32 * 1024;
    uint8_t *buf = malloc(n);
    int32_t *ids = malloc(n * sizeof *ids);
    uint64_t rng = 7;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tok_synth/%s.gguf", t_data_dir(), names[i]);
        size_t size;
        unsigned char *vb = t_read_file(path, &size);
        CHECK(vb != NULL);
        if (!vb) continue;
        gguf_ctx *g = NULL;
        tok_vocab *v = NULL;
        CHECK_EQ(gguf_open(&g, vb, size), LLMZ_OK);
        CHECK_EQ(tok_build(&v, g), LLMZ_OK);
        for (int kind = 0; v && kind < 7; kind++) {
            size_t len = n;
            for (size_t j = 0; j < n; j++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                uint8_t r = (uint8_t)(rng >> 56);
                static const char *const cjk = "\xe4\xb8\xad";
                buf[j] = kind == 0   ? r
                         : kind == 1 ? 'a'
                         : kind == 2 ? ' '
                         : kind == 3 ? (uint8_t)('0' + j % 10)
                         : kind == 4 ? (uint8_t)cjk[j % 3]
                         : kind == 5 ? (r & 0x80) | (r & 7) /* bytes 0-7, 0x80-0x87 */
                                     : (uint8_t) " \n\t\r'sA1.\xc3\xa9"[r % 12];
            }
            long k = tok_encode(v, ids, len, buf, len);
            CHECK(k > 0 && lossless(v, ids, k, buf, len));
            if (k > 1) {
                CHECK_EQ(tok_encode(v, ids, (size_t)k, buf, len), k);
                CHECK_EQ(tok_encode(v, ids, (size_t)k - 1, buf, len), -1);
            }
        }
        CHECK_EQ(v ? tok_encode(v, ids, 0, buf, 0) : -1, 0);
        /* another pre-tokenizer by name; an unknown one runs llmz's own, as 0.2 did */
        tok_vocab *w = NULL;
        int spm = strstr(names[i], "spm") != NULL;
        CHECK_EQ(tok_build_pre(&w, g, "no-such-pre", 0), LLMZ_OK);
        CHECK_EQ(tok_pre(w), PT_LLMZ);
        tok_free(w);
        CHECK_EQ(tok_build_pre(&w, g, "qwen2", 0), LLMZ_OK);
        CHECK_EQ(tok_pre(w), spm ? PT_LLMZ : PT_QWEN2);
        tok_free(w);
        tok_free(v);
        gguf_close(g);
        free(vb);
    }
    free(buf);
    free(ids);
}

/* "llmz" (or no key) keeps the llmz pre-tokenizer: the same ids as before this tokenizer knew any other. */
static void test_llmz_kept(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    size_t size;
    unsigned char *vb = t_read_file(path, &size);
    CHECK(vb != NULL);
    if (!vb) return;
    gguf_ctx *g = NULL;
    tok_vocab *a = NULL, *b = NULL;
    CHECK_EQ(gguf_open(&g, vb, size), LLMZ_OK);
    CHECK_EQ(tok_build(&a, g), LLMZ_OK);
    CHECK_EQ(tok_pre(a), PT_LLMZ);
    CHECK_EQ(tok_build_pre(&b, g, "gpt-2", 0), LLMZ_OK);
    CHECK_EQ(tok_pre(b), PT_GPT2);
    const uint8_t *t = (const uint8_t *)"It's 12345 tabs\t\tand  spaces";
    int32_t x[64], y[64];
    size_t n = strlen((const char *)t);
    long kx = a ? tok_encode(a, x, 64, t, n) : -1, ky = b ? tok_encode(b, y, 64, t, n) : -1;
    CHECK(kx > 0 && ky > 0 && (kx != ky || memcmp(x, y, (size_t)kx * sizeof *x))); /* the choice matters */
    tok_free(a);
    tok_free(b);
    gguf_close(g);
    free(vb);
}

/* A vocabulary of the 256 GPT-2 byte spellings with this pre-tokenizer name (NULL: none), minus byte `drop`. */
static int why_of(const char *model, const char *pre, int drop, char *why, size_t cap) {
    static char spell[256][8];
    gw_buf b;
    gw_init(&b);
    gw_header(&b, 3, 0, 2 + (pre != NULL));
    gw_kv_str(&b, "tokenizer.ggml.model", model);
    if (pre) gw_kv_str(&b, "tokenizer.ggml.pre", pre);
    gw_arr(&b, "tokenizer.ggml.tokens", GW_STRING, 256);
    for (int i = 0; i < 256; i++) {
        uint8_t c = (uint8_t)i;
        spell[i][gw_gpt2_spell(&c, 1, spell[i])] = 0;
        gw_cstr(&b, i == drop ? "dropped" : spell[i]);
    }
    gguf_ctx *g;
    tok_vocab *v = NULL;
    int rc = gguf_open(&g, b.p, b.n);
    if (rc == LLMZ_OK) {
        rc = tok_build_why(&v, g, why, cap);
        gguf_close(g);
    }
    tok_free(v);
    gw_free(&b);
    return rc;
}

static void test_why(void) {
    char why[96];
    CHECK_EQ(why_of("gpt2", "no-such-pre", -1, why, sizeof why), LLMZ_OK); /* llmz's own pre-tokenizer */
    CHECK_EQ(why_of("gpt2", "qwen2", 0xC0, why, sizeof why), LLMZ_ERR_MODEL_UNSUPPORTED);
    CHECK(!strcmp(why, "a vocabulary without a token for the byte 0xC0"));
    CHECK_EQ(why_of("bert", NULL, -1, why, sizeof why), LLMZ_ERR_MODEL_UNSUPPORTED);
    CHECK(!strcmp(why, "tokenizer 'bert'"));
    CHECK_EQ(why_of("gpt2", "qwen2", -1, why, 8), LLMZ_OK);
    CHECK_EQ(why[0], 0);
    CHECK_EQ(why_of("bert", NULL, -1, why, 8), LLMZ_ERR_MODEL_UNSUPPORTED);
    CHECK(!strcmp(why, "tokeniz")); /* truncated to fit */
    CHECK_EQ(why_of("gpt2", "llmz", -1, NULL, 0), LLMZ_OK);
}

int main(void) {
    test_why();
    test_pretok();
    test_llmz_kept();
    test_robust();
    test_real();
    return T_DONE();
}
