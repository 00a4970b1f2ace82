/*
** lossy_baseline.c -- the baselines of the lossy benchmark (bench/lossy.sh): word deletion by two rules, and the
** certificate's measurements (llmz_lossy_measure) of the result against the original.
**
**   lossy_baseline sc FRACTION IN OUT       Selective Context: delete the words with the least self-information
**   lossy_baseline freq FRACTION IN OUT     delete the document's most frequent word types
**   lossy_baseline measure ORIG RECON       only the measurements of RECON against ORIG
**
** A word is a maximal run of non-blank bytes (blank: space, tab, CR, LF, VT, FF).
**
** sc: a word's self-information is the sum of the bits (llmz_token_info.bits, what the coder spends) of the tokens
** that overlap it, from llmz_analyze_frame with the built-in model and the default parameters; the
** round(FRACTION * words) words with the least are deleted (ties: the earlier word first).
**
** freq: word types are counted in the document itself, case-folded (ASCII) with leading and trailing ASCII
** punctuation stripped ("The" and "the," are one type; a word of punctuation only is its own type); whole types are
** deleted, the most frequent first (ties: the type seen first), until at least round(FRACTION * words) occurrences
** are deleted.
**
** Deleting a word deletes the blanks before it too when they hold no line break, else the blanks after it when
** those hold none: line breaks and indentation stay, and no double spaces appear.
**
** stdout: one line, {"method": ..., "fraction": ..., "words": N, "deleted": K, "size": BYTES, "wer": ..., "chrf":
** ..., "recall": ..., "prot_kept": ..., "prot_total": ..., "prot_invented": ..., "new_content": ...} (rates as
** fractions, from the certificate's x 10000 values).
*/
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmz.h"

typedef struct {
    size_t start, end; /* the word's bytes */
    double score;      /* sc: bits; freq: the type's rank */
    size_t idx;        /* its position among the words */
    int del;
} word;

static int is_blank(unsigned char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f'; }

static int die(const char *what, const char *why)
{
    fprintf(stderr, "lossy_baseline: %s: %s\n", what, why);
    return 1;
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap ? 2 * cap : 1 << 16);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = cap ? 2 * cap : 1 << 16;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = n;
    return buf;
}

static size_t split_words(const unsigned char *t, size_t n, word **out)
{
    size_t k = 0, cap = 1024;
    word *w = malloc(cap * sizeof *w);
    for (size_t i = 0; w && i < n;) {
        while (i < n && is_blank(t[i])) i++;
        if (i == n) break;
        size_t s = i;
        while (i < n && !is_blank(t[i])) i++;
        if (k == cap) {
            word *nw = realloc(w, 2 * cap * sizeof *w);
            if (!nw) {
                free(w);
                w = NULL;
                break;
            }
            w = nw;
            cap *= 2;
        }
        w[k].start = s;
        w[k].end = i;
        w[k].score = 0;
        w[k].idx = k;
        w[k].del = 0;
        k++;
    }
    *out = w;
    return w ? k : (size_t)-1;
}

static int by_score(const void *a, const void *b)
{
    const word *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int by_idx(const void *a, const void *b)
{
    const word *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* sc: each word's score is the bits of the tokens overlapping it. */
static int score_sc(const unsigned char *t, size_t n, word *w, size_t k)
{
    llmz_model *m = NULL;
    llmz_cctx *c = NULL;
    llmz_token_info *tok = NULL;
    size_t nt = 0;
    int err = llmz_model_load_default(&m);
    if (err == LLMZ_OK && !(c = llmz_cctx_create(m))) err = LLMZ_ERR_NOMEM;
    if (err == LLMZ_OK) err = llmz_analyze_frame(c, t, n, &tok, &nt, NULL);
    if (err != LLMZ_OK) {
        llmz_cctx_free(c);
        llmz_model_free(m);
        return die("analysis", llmz_error_name(err));
    }
    /* tokens and words both in input order: a sweep */
    size_t j = 0;
    for (size_t i = 0; i < k; i++) {
        while (j < nt && tok[j].offset + tok[j].length <= w[i].start) j++;
        for (size_t q = j; q < nt && tok[q].offset < w[i].end; q++)
            if (tok[q].offset + tok[q].length > w[i].start) w[i].score += tok[q].bits;
    }
    llmz_free_tokens(tok);
    llmz_cctx_free(c);
    llmz_model_free(m);
    return 0;
}

/* freq: the type key of a word (case-folded, outer punctuation stripped) into key; its length. */
static size_t word_key(const unsigned char *t, const word *w, char *key, size_t cap)
{
    size_t s = w->start, e = w->end, n = 0;
    while (s < e && ispunct(t[s])) s++;
    while (e > s && ispunct(t[e - 1])) e--;
    if (s == e) s = w->start, e = w->end; /* punctuation only: the word itself */
    for (size_t i = s; i < e && n + 1 < cap; i++) key[n++] = (char)tolower(t[i]);
    key[n] = 0;
    return n;
}

typedef struct {
    char *key;
    size_t count, first;
} wtype;

static int by_count(const void *a, const void *b)
{
    const wtype *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* freq: marks the words to delete; -1 on allocation failure. */
static int mark_freq(const unsigned char *t, word *w, size_t k, size_t target)
{
    size_t hcap = 1;
    while (hcap < 2 * k + 2) hcap *= 2;
    size_t *slot = malloc(hcap * sizeof *slot); /* type index + 1; 0 empty */
    size_t *wt = malloc((k ? k : 1) * sizeof *wt); /* each word's type */
    wtype *ty = malloc((k ? k : 1) * sizeof *ty);
    size_t nty = 0;
    char key[256];
    if (!slot || !wt || !ty) {
        free(slot);
        free(wt);
        free(ty);
        return -1;
    }
    memset(slot, 0, hcap * sizeof *slot);
    for (size_t i = 0; i < k; i++) {
        word_key(t, &w[i], key, sizeof key);
        size_t h = (size_t)hash_str(key) & (hcap - 1);
        while (slot[h] && strcmp(ty[slot[h] - 1].key, key)) h = (h + 1) & (hcap - 1);
        if (!slot[h]) {
            ty[nty].key = strdup(key);
            ty[nty].count = 0;
            ty[nty].first = nty;
            slot[h] = ++nty;
        }
        ty[slot[h] - 1].count++;
        wt[i] = slot[h] - 1;
    }
    /* rank the types; a type's rank replaces its index */
    size_t *rank = malloc((nty ? nty : 1) * sizeof *rank);
    wtype *sorted = malloc((nty ? nty : 1) * sizeof *sorted);
    if (!rank || !sorted) {
        free(rank);
        free(sorted);
        free(slot);
        free(wt);
        for (size_t i = 0; i < nty; i++) free(ty[i].key);
        free(ty);
        return -1;
    }
    memcpy(sorted, ty, nty * sizeof *ty);
    qsort(sorted, nty, sizeof *sorted, by_count);
    size_t deleted = 0, r = 0;
    for (; r < nty && deleted < target; r++) deleted += sorted[r].count;
    for (size_t i = 0; i < nty; i++) rank[i] = nty; /* kept */
    for (size_t i = 0; i < r; i++) rank[sorted[i].first] = i;
    for (size_t i = 0; i < k; i++) w[i].del = rank[wt[i]] < r;
    if (r) {
        fprintf(stderr, "lossy_baseline: freq: %zu types deleted (%zu occurrences), the most frequent \"%s\" (%zu)\n",
                r, deleted, sorted[0].key, sorted[0].count);
    }
    free(rank);
    free(sorted);
    free(slot);
    free(wt);
    for (size_t i = 0; i < nty; i++) free(ty[i].key);
    free(ty);
    return 0;
}

/* The text without the deleted words (see the header comment); its length. */
static size_t rebuild(const unsigned char *t, size_t n, const word *w, size_t k, unsigned char *out)
{
    unsigned char *o = out;
    size_t pos = 0;     /* next input byte not yet decided */
    int line_start = 1; /* the output holds nothing but blanks since its last line break */
    for (size_t i = 0; i < k; i++) {
        int nl_before = 0; /* the blanks before the word, t[pos, start), hold a line break */
        for (size_t j = pos; j < w[i].start; j++) nl_before |= t[j] == '\n';
        if (!w[i].del) {
            memcpy(o, t + pos, w[i].end - pos);
            o += w[i].end - pos;
            pos = w[i].end;
            line_start = 0;
            continue;
        }
        if (!nl_before && !line_start) {
            pos = w[i].end; /* drop the blanks before and the word */
            continue;
        }
        memcpy(o, t + pos, w[i].start - pos); /* keep them (line break, indentation) */
        o += w[i].start - pos;
        line_start = 1;
        size_t j = w[i].end;
        int nl_after = 0;
        while (j < n && is_blank(t[j])) nl_after |= t[j++] == '\n';
        pos = nl_after ? w[i].end : j; /* drop the blanks after, if they hold no line break */
    }
    memcpy(o, t + pos, n - pos);
    o += n - pos;
    return (size_t)(o - out);
}

static void print_measure(const char *method, double fraction, size_t words, size_t deleted, const void *orig,
                          size_t on, const void *rec, size_t rn)
{
    llmz_certificate ct;
    memset(&ct, 0, sizeof ct);
    int err = llmz_lossy_measure(orig, on, rec, rn, &ct);
    if (err != LLMZ_OK) {
        die("measure", llmz_error_name(err));
        exit(1);
    }
    printf("{\"method\": \"%s\", \"fraction\": %.2f, \"words\": %zu, \"deleted\": %zu, \"size\": %zu, \"wer\": %.4f, "
           "\"chrf\": %.4f, \"recall\": %.4f, \"prot_kept\": %u, \"prot_total\": %u, \"prot_invented\": %u, "
           "\"new_content\": %u}\n",
           method, fraction, words, deleted, rn, ct.wer / 10000.0, ct.chrf / 10000.0, ct.recall / 10000.0,
           (unsigned)ct.prot_kept, (unsigned)ct.prot_total, (unsigned)ct.prot_invented, (unsigned)ct.new_content);
}

static int usage(void)
{
    fputs("usage: lossy_baseline sc|freq FRACTION IN OUT\n"
          "       lossy_baseline measure ORIG RECON\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "measure")) {
        size_t on = 0, rn = 0;
        unsigned char *o = read_file(argv[2], &on), *r = o ? read_file(argv[3], &rn) : NULL;
        if (!o) return die(argv[2], strerror(errno));
        if (!r) return die(argv[3], strerror(errno));
        print_measure("measure", 0, 0, 0, o, on, r, rn);
        free(o);
        free(r);
        return 0;
    }
    if (argc != 5) return usage();
    int sc = !strcmp(argv[1], "sc");
    if (!sc && strcmp(argv[1], "freq")) return usage();
    char *end;
    double frac = strtod(argv[2], &end);
    if (end == argv[2] || *end || !(frac >= 0 && frac <= 1)) return die(argv[2], "FRACTION must lie in [0, 1]");
    size_t n = 0, k;
    unsigned char *t = read_file(argv[3], &n);
    word *w = NULL;
    if (!t) return die(argv[3], strerror(errno));
    k = split_words(t, n, &w);
    if (k == (size_t)-1) return die("words", "out of memory");
    size_t target = (size_t)(frac * (double)k + 0.5), deleted = 0;
    if (sc) {
        if (target && score_sc(t, n, w, k) != 0) return 1;
        qsort(w, k, sizeof *w, by_score);
        for (size_t i = 0; i < target; i++) w[i].del = 1;
        qsort(w, k, sizeof *w, by_idx);
    } else if (target && mark_freq(t, w, k, target) != 0) {
        return die("types", "out of memory");
    }
    for (size_t i = 0; i < k; i++) deleted += w[i].del;
    unsigned char *out = malloc(n ? n : 1);
    if (!out) return die("output", "out of memory");
    size_t on = rebuild(t, n, w, k, out);
    FILE *f = fopen(argv[4], "wb");
    if (!f || fwrite(out, 1, on, f) != on || fclose(f) != 0) return die(argv[4], strerror(errno));
    print_measure(argv[1], frac, k, deleted, t, n, out, on);
    free(out);
    free(w);
    free(t);
    return 0;
}
