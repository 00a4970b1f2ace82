/* thesaurus.c -- lookups in the embedded thesaurus (lib/lossy/thesaurus_data.c). */
#include "lossy/thesaurus.h"

#include <string.h>

#include "lossy/thesaurus_data.h"

/* Lower-case ASCII copy of w into buf (THES_MAX_WORD + 1 bytes); 0 if empty, too long or not ASCII letters-ish:
** any byte >= 0x80 or < 0x20 rejects the word. */
static size_t lower(const char *w, size_t n, char *buf) {
    if (!w || n == 0 || n > THES_MAX_WORD) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 0x80 || c < 0x20) return 0;
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    buf[n] = 0;
    return n;
}

/* Index of the lower-case word s (NUL-terminated) in the string table, or -1. */
static int32_t find_word(const char *s) {
    uint32_t lo = 0, hi = thes_n_words;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(thes_strings + thes_word_off[mid], s);
        if (c == 0) return (int32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Range of word i's spelling variants in thes_sp_list; 0 if none. */
static int sp_range(uint32_t i, uint32_t *b, uint32_t *e) {
    uint32_t lo = 0, hi = thes_n_sp_keys;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (thes_sp_key[mid] == i) {
            *b = thes_sp_start[mid];
            *e = thes_sp_start[mid + 1];
            return 1;
        }
        if (thes_sp_key[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static thes_word word(uint32_t i) {
    thes_word t;
    t.s = thes_strings + thes_word_off[i];
    t.len = (uint8_t)strlen(t.s);
    return t;
}

int thes_lookup(const char *w, size_t n, int kinds, thes_word *out, int cap) {
    char buf[THES_MAX_WORD + 1];
    if (!out || cap <= 0 || !lower(w, n, buf)) return 0;
    int32_t k = find_word(buf);
    if (k < 0) return 0;
    /* the candidates of both tables, merged by frequency class (stable: synonyms' order, then spelling) */
    uint16_t cand[64];
    int nc = 0;
    if (kinds & THES_SYNONYM)
        for (uint32_t j = thes_syn_start[k]; j < thes_syn_start[k + 1] && nc < 64; j++) cand[nc++] = thes_syn_list[j];
    uint32_t b, e;
    if ((kinds & THES_SPELLING) && sp_range((uint32_t)k, &b, &e))
        for (uint32_t j = b; j < e && nc < 64; j++) {
            int dup = 0;
            for (int x = 0; x < nc; x++) dup |= cand[x] == thes_sp_list[j];
            if (!dup) cand[nc++] = thes_sp_list[j];
        }
    for (int x = 1; x < nc; x++) { /* insertion sort, descending frequency, stable */
        uint16_t v = cand[x];
        int y = x;
        while (y > 0 && thes_word_freq[cand[y - 1]] < thes_word_freq[v]) {
            cand[y] = cand[y - 1];
            y--;
        }
        cand[y] = v;
    }
    int m = nc < cap ? nc : cap;
    for (int x = 0; x < m; x++) out[x] = word(cand[x]);
    return m;
}

/* 1 if the word with index k lists word index v (either table). */
static int lists(int32_t k, int32_t v) {
    for (uint32_t j = thes_syn_start[k]; j < thes_syn_start[k + 1]; j++)
        if (thes_syn_list[j] == (uint32_t)v) return 1;
    uint32_t b, e;
    if (sp_range((uint32_t)k, &b, &e))
        for (uint32_t j = b; j < e; j++)
            if (thes_sp_list[j] == (uint32_t)v) return 1;
    return 0;
}

int thes_is_equivalent(const char *a, size_t an, const char *b, size_t bn) {
    char ba[THES_MAX_WORD + 1], bb[THES_MAX_WORD + 1];
    if (!lower(a, an, ba) || !lower(b, bn, bb)) return 0;
    int32_t ka = find_word(ba), kb = find_word(bb);
    if (ka < 0 || kb < 0 || ka == kb) return 0;
    return lists(ka, kb) || lists(kb, ka);
}

int thes_contraction(int i, const char **long_form, const char **short_form) {
    if (i < 0 || (uint32_t)i >= thes_n_contractions) return 0;
    if (long_form) *long_form = thes_contractions[i][0];
    if (short_form) *short_form = thes_contractions[i][1];
    return 1;
}

void thes_stats(uint32_t *keys, uint32_t *pairs, uint32_t *bytes) {
    if (keys) *keys = thes_n_syn_keys + thes_n_sp_keys;
    if (pairs) *pairs = thes_syn_start[thes_n_words] + thes_sp_start[thes_n_sp_keys];
    if (bytes) *bytes = thes_data_bytes;
}

uint32_t thes_word_count(void) { return thes_n_words; }

const char *thes_word_at(uint32_t i) { return i < thes_n_words ? thes_strings + thes_word_off[i] : NULL; }
