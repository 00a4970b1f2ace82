/*
** lossy.c -- the lossy mode's public calls (llmz.h, "lossy"): rewrite, measure, prose.
**
** The rewriting is rewrite.c's (levels 1-2) and seed.c's (level 3); the text's pieces, protected items and the
** measurements are text.c's; the equivalents thesaurus.c's.  The certificate's bytes are lib/format/cert.c's, and
** the frame that carries it lib/engine/compress.c's.
*/
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "common/mem.h"
#include "lossy/guard.h"
#include "lossy/rewrap.h"
#include "lossy/rewrite.h"
#include "lossy/text.h"
#include "lossy/thesaurus.h"

void llmz_free_buffer(void *p) { llmz_free(p); }

/* Whether a word of a contraction's long form and its short form stand for each other ("not", "n't"...). */
static int contraction_equiv(const char *a, size_t an, const char *b, size_t bn) {
    const char *lf, *sf;
    for (int k = 0; thes_contraction(k, &lf, &sf); k++) {
        size_t sl = strlen(sf);
        const char *shrt = sl == an ? a : sl == bn ? b : NULL, *other = shrt == a ? b : a;
        size_t on = shrt == a ? bn : an;
        if (!shrt || strncasecmp(shrt, sf, sl) != 0) continue;
        for (const char *w = lf; *w;) { /* each word of the long form */
            size_t wl = strcspn(w, " ");
            if (wl == on && strncasecmp(w, other, on) == 0) return 1;
            w += wl + (w[wl] == ' ');
        }
    }
    return 0;
}

/* lt_measure's equivalence: the thesaurus's, and contractions. */
static int equivalent(void *ctx, const char *a, size_t an, const char *b, size_t bn) {
    (void)ctx;
    return thes_is_equivalent(a, an, b, bn) || contraction_equiv(a, an, b, bn);
}

int llmz_lossy_measure(const void *orig, size_t orig_size, const void *recon, size_t recon_size,
                       llmz_certificate *cert) {
    if (!cert || (!orig && orig_size) || (!recon && recon_size)) return LLMZ_ERR_PARAM;
    lt_metrics mt;
    int rc = lt_measure(orig, orig_size, recon, recon_size, equivalent, NULL, &mt);
    if (rc != LLMZ_OK) return rc;
    uint8_t digest[32];
    cert->orig_size = orig_size;
    cert->recon_size = recon_size;
    sha256(orig, orig_size, digest);
    memcpy(cert->orig_hash, digest, 16);
    sha256(recon, recon_size, digest);
    memcpy(cert->recon_hash, digest, 16);
    cert->words = mt.words;
    cert->content_words = mt.content_words;
    cert->words_recon = mt.words_recon;
    cert->wer = mt.wer;
    cert->chrf = mt.chrf;
    cert->recall = mt.recall;
    cert->prot_total = mt.prot_total;
    cert->prot_kept = mt.prot_kept;
    cert->prot_invented = mt.prot_invented;
    cert->new_content = mt.new_content;
    cert->words_equal_folded = mt.words_equal_folded;
    return LLMZ_OK;
}

int llmz_lossy_diff(const void *orig, size_t orig_size, const void *recon, size_t recon_size, llmz_lossy_edit **edits,
                    size_t *n) {
    if (!edits || !n) return LLMZ_ERR_PARAM;
    *edits = NULL;
    *n = 0;
    lt_edit *e;
    size_t k;
    int rc = lt_diff(orig, orig_size, recon, recon_size, &e, &k);
    if (rc != LLMZ_OK) return rc;
    if (k && !(*edits = llmz_malloc(k * sizeof **edits))) rc = LLMZ_ERR_NOMEM;
    for (size_t i = 0; rc == LLMZ_OK && i < k; i++) {
        (*edits)[i].orig_off = e[i].a_off;
        (*edits)[i].orig_len = e[i].a_len;
        (*edits)[i].recon_off = e[i].b_off;
        (*edits)[i].recon_len = e[i].b_len;
    }
    if (rc == LLMZ_OK) *n = k;
    llmz_free(e);
    return rc;
}

/* A line of prose: not verbatim, mostly letters, at least three words. */
static int prose_line(const lt_doc *d, size_t a, size_t b) {
    uint32_t blank = 0, word = 0, all = 0, words = 0;
    for (size_t i = a; i < b; i++) {
        const lt_piece *p = &d->p[i];
        if (p->flags & LT_F_VERBATIM) return 0;
        all += p->len;
        if (p->kind == LT_SPACE || p->kind == LT_NEWLINE) blank += p->len;
        if (p->kind == LT_WORD && p->prot != LP_CODE && p->prot != LP_URL && p->prot != LP_EMAIL) {
            word += p->len;
            words++;
        }
    }
    return words >= 3 && (uint64_t)word * 10 >= (uint64_t)(all - blank) * 7;
}

/* Per mille of the bytes in prose lines (the rule of llmz_lossy_prose) of a parsed text of n bytes. */
static int prose_permille(const lt_doc *d, size_t n) {
    uint64_t prose = 0;
    size_t a = 0;
    for (size_t i = 0; i <= d->n; i++) {
        if (i < d->n && d->p[i].kind != LT_NEWLINE) continue;
        if (prose_line(d, a, i)) prose += (i < d->n ? d->p[i].off : n) - (a < d->n ? d->p[a].off : n);
        a = i + 1;
    }
    return n ? (int)(prose * 1000 / n) : 0;
}

/* Text at all: no NUL byte, and valid UTF-8 but for a few bytes in a thousand. */
static int looks_text(const uint8_t *s, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        if (c == 0) return 0;
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = k > 0 && i + k <= n;
        for (size_t j = 1; ok && j < k; j++) ok = (s[i + j] & 0xc0) == 0x80;
        if (!ok) {
            bad++;
            k = 1;
        }
        i += k;
    }
    return bad * 1000 <= n * 2;
}

int llmz_lossy_prose(const void *src, size_t size) {
    if (!src || size == 0 || !looks_text(src, size)) return 0;
    lt_doc d;
    if (lt_parse(&d, src, size) != LLMZ_OK) return 0;
    int r = prose_permille(&d, size);
    lt_doc_free(&d);
    return r;
}

int llmz_lossy_rewrite(const llmz_model *m, int level, int strength, int threads, const void *src, size_t size,
                       void **out, size_t *out_size, llmz_certificate *cert) {
    static const int dflt[4] = {0, LOSSY_STRENGTH_L1, LOSSY_STRENGTH_L2, LOSSY_STRENGTH_L3};
    if (!out || !out_size || !cert) return LLMZ_ERR_PARAM;
    *out = NULL;
    *out_size = 0;
    if (!m || (!src && size) || level < LLMZ_LOSSY_CANONICAL || level > LLMZ_LOSSY_SEED || threads < 1 ||
        threads > LLMZ_MAX_THREADS || strength < LLMZ_LOSSY_STRENGTH_DEFAULT || strength > 100)
        return LLMZ_ERR_PARAM;
    if (strength == LLMZ_LOSSY_STRENGTH_DEFAULT) strength = dflt[level];
    memset(cert, 0, sizeof *cert);
    cert->level = (uint8_t)level;
    cert->version = level == LLMZ_LOSSY_PARAPHRASE ? LLMZ_LOSSY_REWRITE_3 : 1; /* what made the reconstruction */
    cert->strength = (uint8_t)strength;
    lbuf b = {0};
    lt_doc d;
    uint32_t undone = 0, refilled = 0;
    /* parsed once: the prose rule (llmz_lossy_prose's) and the rewriting read the same pieces */
    int rc = LLMZ_OK, parsed = size && looks_text(src, size) && lt_parse(&d, src, size) == LLMZ_OK;
    int prose = parsed && prose_permille(&d, size) >= LLMZ_LOSSY_PROSE_MIN;
    if (parsed && !prose) lt_doc_free(&d);
    if (prose) {
        if (level == LLMZ_LOSSY_SEED)
            rc = seed_select(m, threads, strength, src, size, &d, &b, &cert->changes);
        else if ((rc = rewrite_rd(m, threads, level, strength, src, size, &d, &b, &cert->changes)) == LLMZ_OK)
            rc = guard_lines(src, size, &b, &undone); /* the protected items as they were, line by line */
        uint32_t more = 0, again = 0; /* level 2: no new content word either; then the items again (lines came back) */
        if (rc == LLMZ_OK && level == LLMZ_LOSSY_PARAPHRASE)
            rc = guard_new_words(src, size, &b, equivalent, NULL, &more);
        if (rc == LLMZ_OK && more) rc = guard_lines(src, size, &b, &again);
        undone += more + again;
        if (rc == LLMZ_OK && level == LLMZ_LOSSY_PARAPHRASE) rc = rewrap_paragraphs(src, size, &b, &refilled);
        lt_doc_free(&d);
    } else {
        rc = lbuf_put(&b, src, size); /* not prose: unchanged */
    }
    if (rc == LLMZ_OK && !b.p && !(b.p = llmz_malloc(1))) rc = LLMZ_ERR_NOMEM; /* an empty text: a buffer still */
    if (rc == LLMZ_OK && undone) { /* lines put back: the changes left are the regions that still differ */
        lt_edit *e = NULL;
        size_t ne = 0;
        if ((rc = lt_diff(src, size, b.p, b.n, &e, &ne)) == LLMZ_OK) cert->changes = (uint32_t)ne;
        llmz_free(e);
    }
    if (rc == LLMZ_OK) rc = llmz_lossy_measure(src, size, b.p, b.n, cert);
    if (rc != LLMZ_OK) {
        llmz_free(b.p);
        return rc;
    }
    *out = b.p;
    *out_size = b.n;
    return LLMZ_OK;
}
