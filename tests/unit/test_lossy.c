/* test_lossy.c -- the lossy mode: the certificate's bytes (every field's extremes, every validation error), lossy
** frames (written, listed, decoded, the reconstruction hash checked, damage refused), the rewriting's guarantees per
** level (words equal after folding; protected items kept; no new content words; a seed made of the original's
** sentences), its determinism over thread counts, and text that is not prose left alone.
** Frames use tests/data/tiny.gguf; the rewriting uses the built-in model where the build has one. */
#include <stdint.h>
#include <string.h>

#include "common/hash.h"
#include "format/cert.h"
#include "llmz.h"
#include "lossy/guard.h"
#include "lossy/text.h"
#include "t.h"

static llmz_model *tiny, *dflt;

/* 1 if t[0, tn) holds the string w. */
static int contains(const void *t, size_t tn, const char *w) {
    size_t wn = strlen(w);
    for (size_t i = 0; i + wn <= tn; i++)
        if (memcmp((const char *)t + i, w, wn) == 0) return 1;
    return 0;
}

static llmz_certificate sample_cert(void) {
    llmz_certificate c;
    memset(&c, 0, sizeof c);
    c.level = 2;
    c.strength = 50;
    c.words_equal_folded = 1;
    c.orig_size = 123456789012ull;
    c.recon_size = 5;
    for (int i = 0; i < 16; i++) c.orig_hash[i] = (uint8_t)(i * 7), c.recon_hash[i] = (uint8_t)(255 - i);
    c.words = 0xffffffffu;
    c.content_words = 1;
    c.words_recon = 127;
    c.wer = 128;
    c.chrf = 10000;
    c.recall = 9999;
    c.prot_total = 3;
    c.prot_kept = 2;
    c.prot_invented = 0;
    c.new_content = 0;
    c.changes = 77;
    return c;
}

static int cert_equal(const llmz_certificate *a, const llmz_certificate *b) {
    return a->level == b->level && a->strength == b->strength && a->words_equal_folded == b->words_equal_folded &&
           a->orig_size == b->orig_size && a->recon_size == b->recon_size && !memcmp(a->orig_hash, b->orig_hash, 16) &&
           !memcmp(a->recon_hash, b->recon_hash, 16) && a->words == b->words && a->content_words == b->content_words &&
           a->words_recon == b->words_recon && a->wer == b->wer && a->chrf == b->chrf && a->recall == b->recall &&
           a->prot_total == b->prot_total && a->prot_kept == b->prot_kept && a->prot_invented == b->prot_invented &&
           a->new_content == b->new_content && a->changes == b->changes;
}

static void cert_bytes(void) {
    llmz_certificate c = sample_cert(), d;
    uint8_t b[CERT_MAX], t[CERT_MAX + 1];
    size_t n = cert_encode(&c, b);
    CHECK(n >= 36 && n <= CERT_MAX);
    CHECK_EQ(cert_decode(&d, b, n), LLMZ_OK);
    CHECK(cert_equal(&c, &d));
    for (size_t k = 0; k < n; k++) CHECK_EQ(cert_decode(&d, b, k), k == 0 ? LLMZ_ERR_CORRUPT : LLMZ_ERR_CORRUPT);
    memcpy(t, b, n);
    t[n] = 0;
    CHECK_EQ(cert_decode(&d, t, n + 1), LLMZ_ERR_CORRUPT); /* a byte left over */
    memcpy(t, b, n);
    t[0] = 4;
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_ERR_UNSUPPORTED); /* another certificate version */
    t[0] = 0;
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_ERR_UNSUPPORTED);
    t[0] = 2; /* level 2 with deletions: the same layout */
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_OK);
    CHECK_EQ(d.version, 2);
    t[0] = 3; /* and with paragraphs filled again: the same layout */
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_OK);
    CHECK_EQ(d.version, 3);
    t[0] = 1;
    t[3] = 2;
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_ERR_UNSUPPORTED); /* a reserved flag */
    t[3] = 1;
    for (int lv = 0; lv < 6; lv++) {
        t[1] = (uint8_t)lv;
        CHECK_EQ(cert_decode(&d, t, n), lv >= 1 && lv <= 3 ? LLMZ_OK : LLMZ_ERR_CORRUPT);
    }
    t[1] = 2;
    t[2] = 101;
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_ERR_CORRUPT);
    t[2] = 100;
    CHECK_EQ(cert_decode(&d, t, n), LLMZ_OK);
    /* a varint that is not the shortest: the first 32-bit field (words, after the two sizes) padded */
    c.orig_size = 1;
    c.recon_size = 1;
    c.words = 1;
    n = cert_encode(&c, b);
    memcpy(t, b, 38);
    t[38] = 0x81;
    t[39] = 0x00;
    memcpy(t + 40, b + 39, n - 39);
    CHECK_EQ(cert_decode(&d, t, n + 1), LLMZ_ERR_CORRUPT);
    /* a 32-bit field beyond 32 bits */
    uint8_t big[CERT_MAX];
    memcpy(big, b, 38);
    size_t at = 38;
    uint64_t v = 1ull << 32;
    for (; v >= 0x80; v >>= 7) big[at++] = (uint8_t)(v | 0x80);
    big[at++] = (uint8_t)v;
    memcpy(big + at, b + 39, n - 39);
    CHECK_EQ(cert_decode(&d, big, at + n - 39), LLMZ_ERR_CORRUPT);
}

static const char TEXT[] = "The quick brown fox jumps over the lazy dog. It was 12 March 1999, and Alice paid $3.50.\n";

/* A lossy frame of TEXT with certificate c; returns its size. */
static size_t lossy_frame(uint8_t *dst, size_t cap, const llmz_certificate *c, int format) {
    llmz_cctx *cc = llmz_cctx_create(tiny);
    size_t n = 0;
    CHECK(cc != NULL);
    CHECK_EQ(llmz_cctx_set(cc, LLMZ_P_FORMAT, format), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set_certificate(cc, c), LLMZ_OK);
    int rc = llmz_compress_frame(cc, dst, cap, &n, TEXT, sizeof TEXT - 1, NULL);
    CHECK_EQ(rc, format >= 4 ? LLMZ_OK : LLMZ_ERR_PARAM);
    llmz_cctx_free(cc);
    return rc == LLMZ_OK ? n : 0;
}

/* Decode f[0, n): the error, and the output compared with TEXT. */
static int decode(const uint8_t *f, size_t n) {
    llmz_dctx *d = llmz_dctx_create(tiny);
    char out[sizeof TEXT];
    size_t on = 0;
    int rc = llmz_decompress_frame(d, out, sizeof out, &on, f, n, NULL);
    if (rc == LLMZ_OK) CHECK(on == sizeof TEXT - 1 && memcmp(out, TEXT, on) == 0);
    llmz_dctx_free(d);
    return rc;
}

static void frames(void) {
    if (!tiny) return;
    uint8_t f[4096];
    llmz_certificate c = sample_cert(), got;
    llmz_frame_info info;
    CHECK_EQ(lossy_frame(f, sizeof f, &c, 3), 0); /* format 3 has no lossy mode */
    size_t n = lossy_frame(f, sizeof f, &c, 4);
    CHECK(n > 0);
    CHECK_EQ(llmz_frame_get_info(&info, f, n), LLMZ_OK);
    CHECK_EQ(info.mode, 1);
    CHECK_EQ(llmz_frame_get_certificate(&got, f, n), LLMZ_OK);
    uint8_t digest[32];
    sha256(TEXT, sizeof TEXT - 1, digest);
    c.recon_size = sizeof TEXT - 1; /* the encoder's, from the frame's input */
    memcpy(c.recon_hash, digest, 16);
    CHECK(cert_equal(&c, &got));
    CHECK_EQ(decode(f, n), LLMZ_OK);
    /* a lossless frame has no certificate */
    llmz_cctx *cc = llmz_cctx_create(tiny);
    size_t ln = 0;
    uint8_t g[4096];
    CHECK_EQ(llmz_compress_frame(cc, g, sizeof g, &ln, TEXT, sizeof TEXT - 1, NULL), LLMZ_OK);
    CHECK_EQ(llmz_frame_get_certificate(&got, g, ln), LLMZ_ERR_PARAM);
    CHECK(n > ln && n - ln <= 1 + CERT_MAX); /* the certificate costs its own bytes only */
    llmz_cctx_free(cc);
    /* the reconstruction hash is checked: a wrong one (header CRC made good again) fails the decoding */
    uint8_t *h = NULL;
    for (size_t i = 0; i + 16 <= n && !h; i++)
        if (memcmp(f + i, digest, 16) == 0) h = f + i;
    CHECK(h != NULL);
    if (!h) return;
    size_t len_at = (size_t)(h - f) - 21, crc_at = len_at + 1 + f[len_at];
    h[0] ^= 1;
    uint32_t crc = crc32_update(0, f, crc_at);
    for (int i = 0; i < 4; i++) f[crc_at + i] = (uint8_t)(crc >> (8 * i));
    CHECK_EQ(llmz_frame_get_info(&info, f, n), LLMZ_OK);
    CHECK_EQ(decode(f, n), LLMZ_ERR_CHECKSUM);
    h[0] ^= 1;
    crc = crc32_update(0, f, crc_at);
    for (int i = 0; i < 4; i++) f[crc_at + i] = (uint8_t)(crc >> (8 * i));
    CHECK_EQ(decode(f, n), LLMZ_OK);
    /* a certificate byte damaged: the header CRC; with the CRC made good: the certificate's own checks */
    f[len_at + 2] = 9; /* level 9 */
    CHECK_EQ(llmz_frame_get_info(&info, f, n), LLMZ_ERR_CHECKSUM);
    crc = crc32_update(0, f, crc_at);
    for (int i = 0; i < 4; i++) f[crc_at + i] = (uint8_t)(crc >> (8 * i));
    CHECK_EQ(llmz_frame_get_info(&info, f, n), LLMZ_ERR_CORRUPT);
    CHECK_EQ(decode(f, n), LLMZ_ERR_CORRUPT);
    /* bad parameters */
    llmz_certificate bad = sample_cert();
    bad.level = 4;
    cc = llmz_cctx_create(tiny);
    CHECK_EQ(llmz_cctx_set_certificate(cc, &bad), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_cctx_set_certificate(cc, NULL), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set_certificate(NULL, &c), LLMZ_ERR_PARAM);
    llmz_cctx_free(cc);
}

static void measure(void) {
    llmz_certificate c;
    memset(&c, 0, sizeof c);
    CHECK_EQ(llmz_lossy_measure(TEXT, sizeof TEXT - 1, TEXT, sizeof TEXT - 1, &c), LLMZ_OK);
    CHECK_EQ(c.wer, 0);
    CHECK_EQ(c.chrf, 10000);
    CHECK_EQ(c.recall, 10000);
    CHECK_EQ(c.prot_kept, c.prot_total);
    CHECK(c.prot_total >= 3); /* 12 March 1999, Alice, $3.50 */
    CHECK_EQ(c.prot_invented, 0);
    CHECK_EQ(c.new_content, 0);
    CHECK_EQ(c.words_equal_folded, 1);
    CHECK(!memcmp(c.orig_hash, c.recon_hash, 16));
    static const char R[] =
        "The quick brown fox jumps over the lazy dog. It was 13 March 1999, and Alice paid $3.50.\n";
    CHECK_EQ(llmz_lossy_measure(TEXT, sizeof TEXT - 1, R, sizeof R - 1, &c), LLMZ_OK);
    CHECK_EQ(c.prot_invented, 1);
    CHECK(c.prot_kept < c.prot_total);
    CHECK(c.wer > 0 && c.chrf < 10000);
    CHECK_EQ(llmz_lossy_measure(NULL, 1, TEXT, 1, &c), LLMZ_ERR_PARAM);
}

/* Prose of the kind the levels work on: typography, blanks, hard-wrapped lines, names, numbers, a code block. */
static const char PROSE[] =
    "Chapter 1\n\n"
    "It was a bright cold day in April, and the clocks were striking thirteen.  Winston Smith, his chin\n"
    "nuzzled into his breast in an effort to escape the vile wind, slipped quickly through the glass doors\n"
    "of Victory Mansions \u2014 though not quickly enough to prevent a swirl of gritty dust from entering along\n"
    "with him.  The hallway smelt of boiled cabbage and old rag mats.  At one end of it a coloured poster,\n"
    "too large for indoor display, had been tacked to the wall.  It depicted simply an enormous face, more\n"
    "than a metre wide: the face of a man of about 45, with a heavy black moustache and ruggedly handsome\n"
    "features.  Winston made for the stairs.  It was no use trying the lift.  Even at the best of times it\n"
    "was seldom working, and at present the electric current was cut off during daylight hours.  \u201cIt is\n"
    "part of the economy drive,\u201d he said.  The flat was seven flights up, and Winston, who was 39 and had a\n"
    "varicose ulcer above his right ankle, went slowly, resting several times on the way.\n\n"
    "    int main(void) { return 0; }\n\n"
    "On each landing, opposite the lift-shaft, the poster with the enormous face gazed from the wall.  It was\n"
    "one of those pictures which are so contrived that the eyes follow you about when you move.\n";

static void levels(void) {
    if (!dflt) {
        T_SKIP("this build has no built-in model: the rewriting is not tested");
        return;
    }
    size_t n = sizeof PROSE - 1;
    CHECK(llmz_lossy_prose(PROSE, n) >= LLMZ_LOSSY_PROSE_MIN);
    for (int level = 1; level <= 3; level++) {
        void *r1 = NULL, *r2 = NULL;
        size_t n1 = 0, n2 = 0;
        llmz_certificate c1, c2, again;
        CHECK_EQ(llmz_lossy_rewrite(dflt, level, LLMZ_LOSSY_STRENGTH_DEFAULT, 1, PROSE, n, &r1, &n1, &c1), LLMZ_OK);
        if (level == 2 || !t_quick())
            CHECK_EQ(llmz_lossy_rewrite(dflt, level, LLMZ_LOSSY_STRENGTH_DEFAULT, 2, PROSE, n, &r2, &n2, &c2), LLMZ_OK);
        else
            CHECK_EQ(llmz_lossy_rewrite(dflt, level, LLMZ_LOSSY_STRENGTH_DEFAULT, 1, PROSE, n, &r2, &n2, &c2), LLMZ_OK);
        CHECK(n1 == n2 && memcmp(r1, r2, n1) == 0); /* the same on 1 and 2 threads */
        CHECK(cert_equal(&c1, &c2));
        CHECK_EQ(c1.level, level);
        CHECK_EQ(c1.recon_size, n1);
        CHECK_EQ(c1.prot_invented, 0);                         /* no level invents a protected item */
        CHECK_EQ(c1.new_content, 0);                           /* nor a content word that is not an equivalent */
        if (level <= 2) CHECK_EQ(c1.prot_kept, c1.prot_total); /* levels 1-2 keep every one, in order */
        if (level == 1) CHECK_EQ(c1.words_equal_folded, 1);
        CHECK_EQ(c1.version, level == 2 ? LLMZ_LOSSY_REWRITE_3 : 1);
        if (level == 2) { /* deletions: shorter; paragraphs filled again (fewer lines), every paragraph break kept */
            size_t l0 = 0, l1 = 0, p0 = 0, p1 = 0;
            for (size_t k = 0; k < n; k++) l0 += PROSE[k] == '\n', p0 += k && PROSE[k] == '\n' && PROSE[k - 1] == '\n';
            for (size_t k = 0; k < n1; k++) {
                const char *r = r1;
                l1 += r[k] == '\n';
                p1 += k && r[k] == '\n' && r[k - 1] == '\n';
            }
            CHECK(n1 < n);
            CHECK(l1 < l0 && l1 > l0 / 2);
            CHECK_EQ(p1, p0);
        }
        CHECK(contains(r1, n1, "int main(void) { return 0; }") || level == 3); /* verbatim kept */
        if (level == 3) { /* the seed: shorter, and each of its sentences is in the original */
            CHECK(n1 < n / 2 + n / 4);
            CHECK(c1.changes > 0 && c1.recall < 10000);
        }
        again = c1;
        CHECK_EQ(llmz_lossy_measure(PROSE, n, r1, n1, &again), LLMZ_OK);
        CHECK(cert_equal(&c1, &again)); /* the certificate is what measuring the two texts gives */
        llmz_free_buffer(r1);
        llmz_free_buffer(r2);
    }
}

/* The guard puts back a line whose protected items an edit changed: two names joined by a dropped comma; a curly
** quote folded next to a number stays (the items are compared folded, as the certificate compares them). */
static void guard(void) {
    static const char O[] = "He met Les Tulettes, Marthe and Paul.\nIt cost 5 km\u2019s walk.\nNothing here changed.\n";
    static const char R[] = "He met Les Tulettes Marthe and Paul.\nIt cost 5 km's walk.\nNothing here was changed.\n";
    lbuf out = {0};
    uint32_t undone = 0;
    CHECK_EQ(lbuf_put(&out, R, sizeof R - 1), LLMZ_OK);
    CHECK_EQ(guard_lines((const uint8_t *)O, sizeof O - 1, &out, &undone), LLMZ_OK);
    static const char W[] = "He met Les Tulettes, Marthe and Paul.\nIt cost 5 km's walk.\nNothing here was changed.\n";
    CHECK(out.n == sizeof W - 1 && memcmp(out.p, W, out.n) == 0);
    CHECK_EQ(undone, 1);
    llmz_certificate c;
    CHECK_EQ(llmz_lossy_measure(O, sizeof O - 1, out.p, out.n, &c), LLMZ_OK);
    CHECK(c.prot_kept == c.prot_total && c.prot_invented == 0);
    llmz_free_buffer(out.p);
    /* a line joined: every line back */
    static const char J[] = "He met Les Tulettes, Marthe and Paul. It cost 5 km\u2019s walk.\nNothing here changed.\n";
    memset(&out, 0, sizeof out);
    CHECK_EQ(lbuf_put(&out, J, sizeof J - 1), LLMZ_OK);
    CHECK_EQ(guard_lines((const uint8_t *)O, sizeof O - 1, &out, &undone), LLMZ_OK);
    CHECK(out.n == sizeof O - 1 && memcmp(out.p, O, out.n) == 0);
    llmz_free_buffer(out.p);
}

/* The equivalence of the new-words guard's test: "judgement" and "judgment" (as the thesaurus's spellings say). */
static int judge_eq(void *ctx, const char *a, size_t an, const char *b, size_t bn) {
    (void)ctx;
    return (an == 9 && bn == 8 && !memcmp(a, "judgement", 9) && !memcmp(b, "judgment", 8)) ||
           (an == 8 && bn == 9 && !memcmp(a, "judgment", 8) && !memcmp(b, "judgement", 9));
}

/* A swap next to a deletion that the certificate's alignment pairs with the wrong word (plrabn12, level 2): "the
** judgement, but the judged," -> "the judgment," aligns "judgment" with "judged", a new content word; the guard puts
** that line back and keeps the other lines' edits. */
static void guard_words(void) {
    static const char O[] =
        "Them fully satisfied, and thee appease.\nAttendance none shall need, nor train, where none\n"
        "Are to behold the judgement, but the judged,\nThose two; the third best absent is condemned,\n";
    static const char R[] =
        "Them fully satisfied.\nAttendance none shall need, where none\nAre to behold the judgment,\n"
        "Those two; the third best absent is condemned\n";
    static const char W[] =
        "Them fully satisfied.\nAttendance none shall need, where none\n"
        "Are to behold the judgement, but the judged,\nThose two; the third best absent is condemned\n";
    lt_metrics mt;
    CHECK_EQ(lt_measure((const uint8_t *)O, sizeof O - 1, (const uint8_t *)R, sizeof R - 1, judge_eq, NULL, &mt),
             LLMZ_OK);
    CHECK_EQ(mt.new_content, 1);
    uint32_t *lines = NULL, undone = 0;
    size_t nl = 0;
    CHECK_EQ(lt_new_content_lines((const uint8_t *)O, sizeof O - 1, (const uint8_t *)R, sizeof R - 1, judge_eq, NULL,
                                  &lines, &nl),
             LLMZ_OK);
    CHECK(nl == 1 && lines && lines[0] == 2);
    llmz_free_buffer(lines);
    lbuf out = {0};
    CHECK_EQ(lbuf_put(&out, R, sizeof R - 1), LLMZ_OK);
    CHECK_EQ(guard_new_words((const uint8_t *)O, sizeof O - 1, &out, judge_eq, NULL, &undone), LLMZ_OK);
    CHECK(out.n == sizeof W - 1 && memcmp(out.p, W, out.n) == 0);
    CHECK_EQ(undone, 1);
    CHECK_EQ(lt_measure((const uint8_t *)O, sizeof O - 1, out.p, out.n, judge_eq, NULL, &mt), LLMZ_OK);
    CHECK_EQ(mt.new_content, 0);
    llmz_free_buffer(out.p);
}

static void not_prose(void) {
    static const char JSON[] = "{\"name\": \"llmz\", \"version\": \"0.1.0\", \"files\": [1, 2, 3], \"ok\": true}\n";
    static const uint8_t BIN[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0};
    CHECK(llmz_lossy_prose(JSON, sizeof JSON - 1) < LLMZ_LOSSY_PROSE_MIN);
    CHECK_EQ(llmz_lossy_prose(BIN, sizeof BIN), 0);
    CHECK_EQ(llmz_lossy_prose("", 0), 0);
    llmz_model *m = dflt ? dflt : tiny;
    if (!m) return;
    void *r = NULL;
    size_t rn = 0;
    llmz_certificate c;
    CHECK_EQ(llmz_lossy_rewrite(m, 2, 50, 1, JSON, sizeof JSON - 1, &r, &rn, &c), LLMZ_OK);
    CHECK(rn == sizeof JSON - 1 && memcmp(r, JSON, rn) == 0);
    CHECK_EQ(c.changes, 0);
    llmz_free_buffer(r);
    CHECK_EQ(llmz_lossy_rewrite(m, 4, 50, 1, JSON, 10, &r, &rn, &c), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_lossy_rewrite(m, 1, 101, 1, JSON, 10, &r, &rn, &c), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_lossy_rewrite(m, 1, 50, 0, JSON, 10, &r, &rn, &c), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_lossy_rewrite(NULL, 1, 50, 1, JSON, 10, &r, &rn, &c), LLMZ_ERR_PARAM);
}

int main(int argc, char **argv) {
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    if (llmz_model_load_file(&tiny, path) != LLMZ_OK) {
        T_SKIP("tests/data/tiny.gguf not found");
        tiny = NULL;
    }
    if (llmz_model_load_default(&dflt) != LLMZ_OK) dflt = NULL;
    static const t_case cases[] = {
        {"cert_bytes", cert_bytes}, {"frames", frames},           {"measure", measure},     {"levels", levels},
        {"guard", guard},           {"guard_words", guard_words}, {"not_prose", not_prose},
    };
    int rc = t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
    llmz_model_free(tiny);
    llmz_model_free(dflt);
    return rc;
}
