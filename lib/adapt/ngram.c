/* ngram.c -- token n-gram models of the chunk and their learned mixing weights (ngram.h). */
#include "adapt/ngram.h"

#include <string.h>

#include "coder/rc.h"
#include "common/mem.h"
#include "llmz.h"

/* Buckets of all models together, and slots per bucket, of the narrow or wide tables; models with tables;
** u16 halves per stored token. */
static size_t buckets(int nmodels, int bits) { return (size_t)nmodels << bits; }
static size_t slots(int wide) { return wide ? NGRAM_WIDE_SLOTS : NGRAM_SLOTS; }
static int models_of(int version) { return version >= 2 ? NGRAM_MODELS : NGRAM_MODELS - 1; }
static int tok_width(int V) { return V > 65536 ? 2 : 1; }
#define SLOT_ALIGN 64

size_t ngram_bytes(int wide, int extra, int version, int V) { /* the check values, then the slots */
    size_t nb = buckets(models_of(version), (wide ? NGRAM_WIDE_BITS : NGRAM_BITS) + extra);
    return llmz_mem_footprint(nb * sizeof(uint16_t)) +
           llmz_mem_footprint(nb * slots(wide) * (1 + (size_t)tok_width(V)) * sizeof(uint16_t) + SLOT_ALIGN);
}

static void initial_weights(ngram_model *g) {
    for (int k = 0; k < NGRAM_MODELS; k++)
        for (int c = 0; c < NGRAM_CONF; c++) g->w[k][c] = g->w_init;
}

int ngram_init(ngram_model *g, int wide, int extra, int version, int V) {
    memset(g, 0, sizeof *g);
    g->bits = (wide ? NGRAM_WIDE_BITS : NGRAM_BITS) + extra;
    g->slots = (int)slots(wide);
    g->tw = tok_width(V);
    g->stride = g->slots * (1 + g->tw);
    g->nmodels = models_of(version);
    g->version = version;
    g->w_init = version >= 2 ? NGRAM_W_INIT_V2 : NGRAM_W_INIT_V1;
    g->rate = version >= 2 ? NGRAM_RATE_V2 : NGRAM_RATE_V1;
    g->b_max = version >= 2 ? NGRAM_B_MAX_V2 : NGRAM_B_MAX_V1;
    size_t nb = buckets(g->nmodels, g->bits), ns = nb * (size_t)g->stride;
    if (nb > NGRAM_MAX_BUCKETS) return LLMZ_ERR_PARAM;
    /* not written: no block of chk is in use (g->used), every bucket is empty, as ngram_reset leaves them */
    g->chk = llmz_malloc(nb * sizeof(uint16_t));
    g->mem = llmz_malloc(ns * sizeof(uint16_t) + SLOT_ALIGN);
    if (!g->chk || !g->mem) {
        ngram_free(g);
        return LLMZ_ERR_NOMEM;
    }
    g->sl = (uint16_t *)((char *)g->mem + (SLOT_ALIGN - (uintptr_t)g->mem % SLOT_ALIGN) % SLOT_ALIGN);
    initial_weights(g);
    return LLMZ_OK;
}

void ngram_free(ngram_model *g) {
    llmz_free(g->chk);
    llmz_free(g->mem);
    g->chk = g->sl = NULL;
    g->mem = NULL;
}

void ngram_reset(ngram_model *g) {
    lazy_clear(g->used, buckets(g->nmodels, g->bits) >> NGRAM_BLOCK_BITS);
    initial_weights(g);
}

void ngram_seq_reset(ngram_seq *q) {
    for (int k = 0; k < NGRAM_MODELS; k++) q->act[k] = -1;
    q->ready = 0;
    q->cur = q->prev = 0;
    q->have_prev = 0;
    q->ncf = q->npf = q->pend = 0;
    q->words = 0;
    q->key = -1;
    q->own = 0;
}

void ngram_set_line(ngram_model *g, const uint8_t *nl) { g->nl = nl; }

void ngram_set_field(ngram_model *g, const uint8_t *fs, const uint8_t *nl) {
    g->fs = fs;
    g->fnl = fs ? nl : NULL;
}

void ngram_set_word(ngram_model *g, const uint8_t *wc, const uint8_t *nl) {
    g->wc = g->nmodels > NGRAM_WORD ? wc : NULL; /* a version-1 model has no table for it */
    g->wnl = g->wc ? nl : NULL;
}

/* Hash of the k tokens ctx[0..k-1] (u32, wrapping): bucket index in the top NGRAM_BITS bits, check value
** in the low 16 bits (0 is read as 1, since 0 marks an empty bucket). */
static uint32_t ctx_hash(const int32_t *ctx, int k) {
    uint32_t h = (uint32_t)k * 0x9E3779B1u;
    for (int i = 0; i < k; i++) h = (h ^ (uint32_t)ctx[i]) * 0x85EBCA77u + 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 13;
    return h;
}

/* Whether model k has a context for a token that follows `len` tokens: order k+1 needs k+1 of them, the line,
** field and word models only need to be on. */
static int has_context(const ngram_model *g, int k, size_t len) {
    if (k < NGRAM_ORDERS) return len >= (size_t)k + 1;
    return k == NGRAM_LINE ? g->nl != NULL : k == NGRAM_FIELD ? g->fs != NULL : g->wc != NULL;
}

/* The line model's context for the token at index n: the previous line's tokens at the same index in the line
** and the next one (-3 past its end or when no line has ended), and the last token (-2 at a line start). */
static uint32_t line_hash(const ngram_seq *q, const int32_t *hist, size_t n) {
    size_t j = n - q->cur, plen = q->cur - q->prev;
    int32_t ctx[4] = {0x7ffffff0, -3, -3, n > q->cur ? hist[n - 1] : -2};
    if (q->have_prev && j < plen) ctx[1] = hist[q->prev + j];
    if (q->have_prev && j + 1 < plen) ctx[2] = hist[q->prev + j + 1];
    return ctx_hash(ctx, 4) ^ 0x5bd1e995u;
}

/* The field model's context for the token at index n: in the previous line, the token at the current field's
** index and the offset n would have in it (-3 when that field has no such token or there is no previous
** line), and the first token of the next field (-3 likewise); and the last token (-2 at a line start). */
static uint32_t field_hash(const ngram_seq *q, const int32_t *hist, size_t n) {
    int32_t ctx[4] = {0x7ffffff1, -3, -3, q->ncf > 0 ? hist[n - 1] : -2};
    if (q->ncf > 0 && q->ncf - 1 < q->npf) { /* continuing field ncf - 1 */
        uint32_t fi = q->ncf - 1, end = fi + 1 < q->npf ? q->pf[fi + 1] : q->pend;
        size_t at = q->pf[fi] + (n - q->cf[fi]);
        if (at < end) ctx[1] = hist[at];
    }
    if (q->ncf < q->npf) ctx[2] = hist[q->pf[q->ncf]]; /* starting field ncf */
    return ctx_hash(ctx, 4) ^ 0x27d4eb2fu;
}

/* The word model's context for the token at index n: the line's blank-led tokens so far, its first token with
** a letter (-1: none yet) and the last token (-2 at the start of the chunk). */
static uint32_t word_hash(const ngram_seq *q, const int32_t *hist, size_t n) {
    int32_t ctx[4] = {0x7ffffff2, (int32_t)q->words, q->key, n > 0 ? hist[n - 1] : -2};
    return ctx_hash(ctx, 4) ^ 0x1b873593u;
}

static uint32_t model_hash(const ngram_seq *q, int k, const int32_t *hist, size_t n) {
    if (k == NGRAM_OWN_ORDER - 1) return ctx_hash(hist + n - (k + 1), k + 1) ^ (q->own * 0x9E3779B1u);
    if (k < NGRAM_ORDERS) return ctx_hash(hist + n - (k + 1), k + 1);
    return k == NGRAM_LINE ? line_hash(q, hist, n) : k == NGRAM_FIELD ? field_hash(q, hist, n) : word_hash(q, hist, n);
}

static int bucket_of(const ngram_model *g, uint32_t h, int k) {
    return (int)(((uint32_t)k << g->bits) | (h >> (32 - g->bits)));
}

/* Bucket bi's check value (0: empty; a block not written since the reset is empty), the same to be written (its
** block cleared first if need be), its slots' counts, and the token of slot j (c = its counts). */
static uint16_t chk_at(const ngram_model *g, int bi) {
    return lazy_on(g->used, (size_t)bi >> NGRAM_BLOCK_BITS) ? g->chk[bi] : 0;
}
static uint16_t *chk_w(ngram_model *g, int bi) {
    size_t b = (size_t)bi >> NGRAM_BLOCK_BITS;
    if (!lazy_on(g->used, b)) {
        memset(g->chk + (b << NGRAM_BLOCK_BITS), 0, sizeof(uint16_t) << NGRAM_BLOCK_BITS);
        lazy_set(g->used, b);
    }
    return g->chk + bi;
}
static uint16_t *cnt_of(const ngram_model *g, int bi) { return g->sl + (size_t)bi * (size_t)g->stride; }
static uint32_t tok_at(const ngram_model *g, const uint16_t *c, int j) {
    const uint16_t *t = c + g->slots;
    return g->tw == 1 ? t[j] : (uint32_t)t[2 * j] | (uint32_t)t[2 * j + 1] << 16;
}
static void set_tok(const ngram_model *g, uint16_t *c, int j, uint32_t v) {
    uint16_t *t = c + g->slots;
    if (g->tw == 1) {
        t[j] = (uint16_t)v;
    } else {
        t[2 * j] = (uint16_t)v;
        t[2 * j + 1] = (uint16_t)(v >> 16);
    }
}
static uint16_t check_of(uint32_t h) { return (uint16_t)((h & 0xffffu) ? (h & 0xffffu) : 1u); }

void ngram_mix(const ngram_model *g, ngram_seq *q, const int32_t *hist, size_t n, const uint32_t *in, uint32_t *freq,
               int V, const kernel_set *ks) {
    uint64_t B = 0;
    for (int k = 0; k < NGRAM_MODELS; k++) {
        q->act[k] = -1;
        if (!has_context(g, k, n)) continue;
        uint32_t h = q->ready ? q->hash[k] : model_hash(q, k, hist, n);
        q->hash[k] = h;
        int bi = bucket_of(g, h, k);
        if (chk_at(g, bi) != check_of(h)) continue;
        const uint16_t *cnt = cnt_of(g, bi);
        uint32_t tot = 0, used = 0;
        for (int j = 0; j < g->slots; j++) {
            tot += cnt[j];
            used += cnt[j] > 0;
        }
        if (tot == 0) continue;
        int lb = 0;
        while (lb < 3 && (tot >> (lb + 1)) > 0) lb++; /* 0: 1, 1: 2-3, 2: 4-7, 3: 8+ */
        q->act[k] = bi;
        q->conf[k] = lb * 2 + (used == 1);
        q->tot[k] = tot;
        B += g->w[k][q->conf[k]];
    }
    q->ready = 0; /* the next step's hashes come from ngram_prefetch, or are computed here again */
    if (B == 0) {
        if (freq != in) memcpy(freq, in, (size_t)V * sizeof(uint32_t));
        return;
    }
    uint32_t Bc = (uint32_t)(B < g->b_max ? B : g->b_max); /* each in[i] gives (in[i] * Bc) >> 16 */
    uint64_t moved = ks->take(freq, in, V, Bc);
    uint64_t given = 0;
    int32_t rest = -1;
    for (int k = 0; k < NGRAM_MODELS; k++) {
        if (q->act[k] < 0) continue;
        const uint16_t *cnt = cnt_of(g, q->act[k]);
        uint64_t share = moved * g->w[k][q->conf[k]] / B;
        /* version 2: the slots' part of the share by one division per model, share 2^16 / T in 16.16 fixed
        ** point, then a multiply per slot (version 1 divides for every slot) */
        uint64_t scale = g->version >= 2 ? (share << 16) / q->tot[k] : 0;
        for (int j = 0; j < g->slots; j++) {
            if (cnt[j] == 0) continue;
            uint32_t add = (uint32_t)(g->version >= 2 ? (scale * cnt[j]) >> 16 : share * cnt[j] / q->tot[k]);
            uint32_t t = tok_at(g, cnt, j);
            freq[t] += add;
            given += add;
            if (rest < 0) rest = (int32_t)t;
        }
    }
    freq[rest] += (uint32_t)(moved - given); /* the first predicted token of the lowest active order */
}

void ngram_prefetch(const ngram_model *g, ngram_seq *q, const int32_t *hist, size_t n) {
    for (int k = 0; k < NGRAM_MODELS; k++) { /* the contexts and buckets of ngram_mix(g, q, hist, n) */
        if (!has_context(g, k, n)) continue;
        q->hash[k] = model_hash(q, k, hist, n);
        int bi = bucket_of(g, q->hash[k], k);
        llmz_prefetch_w(g->chk + bi);
        llmz_prefetch_w(cnt_of(g, bi));
    }
    q->ready = 1;
}

int32_t ngram_top(const ngram_model *g, const ngram_seq *q, int k) {
    if (q->act[k] < 0) return -1;
    const uint16_t *cnt = cnt_of(g, q->act[k]);
    int best = 0;
    for (int j = 1; j < g->slots; j++)
        if (cnt[j] > cnt[best]) best = j;
    return (int32_t)tok_at(g, cnt, best);
}

void ngram_update(ngram_model *g, ngram_seq *q, const int32_t *hist, size_t n, uint32_t f_in, uint32_t f_out) {
    if (n == 0) return;
    uint32_t t = (uint32_t)hist[n - 1];
    for (int k = 0; k < NGRAM_MODELS; k++) { /* learn: w += rate (p_k(t) - p_in(t)) / p_out(t) */
        if (q->act[k] < 0 || f_out == 0) continue;
        const uint16_t *cnt = cnt_of(g, q->act[k]);
        uint32_t c = 0;
        for (int j = 0; j < g->slots; j++)
            if (cnt[j] && tok_at(g, cnt, j) == t) c = cnt[j];
        int64_t pk = (int64_t)(((uint64_t)c << RC_TOTAL_BITS) / q->tot[k]);
        int64_t d = (pk - (int64_t)f_in) * (int64_t)g->rate / (int64_t)f_out;
        if (d > 256) d = 256;
        if (d < -256) d = -256;
        int64_t w = (int64_t)g->w[k][q->conf[k]] + d;
        if (w < 0) w = 0;
        if (w > NGRAM_W_MAX) w = NGRAM_W_MAX;
        g->w[k][q->conf[k]] = (uint32_t)w;
    }
    for (int k = 0; k < NGRAM_MODELS; k++) { /* count t after the context of the k+1 tokens before it */
        if (!has_context(g, k, n - 1)) continue; /* n - 1 tokens came before t */
        uint32_t h = q->hash[k]; /* = ctx_hash(hist + n - 1 - (k + 1), k + 1), or line_hash, from ngram_mix */
        int bi = bucket_of(g, h, k), S = g->slots;
        uint16_t *cnt = cnt_of(g, bi), *ck = chk_w(g, bi), chk = check_of(h);
        if (*ck != chk) {
            memset(cnt, 0, (size_t)g->stride * sizeof *cnt); /* the counts and the tokens */
            *ck = chk;
        }
        int at = -1, low = 0;
        for (int j = 0; j < S; j++) {
            if (cnt[j] && tok_at(g, cnt, j) == t) at = j;
            if (cnt[j] < cnt[low]) low = j;
        }
        if (at < 0) { /* a new token takes an empty slot or the first least-counted one */
            at = low;
            set_tok(g, cnt, at, t);
            cnt[at] = 0;
        }
        if (cnt[at] == 0xffffu)
            for (int j = 0; j < S; j++) cnt[j] >>= 1;
        cnt[at]++;
    }
    if (g->fs) { /* t (index n - 1) starts the line, starts a field, or continues one */
        if (q->ncf == 0 || (g->fs[t] && q->ncf < NGRAM_FIELDS)) q->cf[q->ncf++] = (uint32_t)(n - 1);
        if (g->fnl[t]) {
            memcpy(q->pf, q->cf, sizeof q->cf);
            q->npf = q->ncf;
            q->pend = (uint32_t)n;
            q->ncf = 0;
        }
    }
    if (g->wc) { /* the word model: t ends the line, or counts as a word, or is the line's key */
        if (g->wnl[t]) {
            q->words = 0;
            q->key = -1;
        } else {
            if ((g->wc[t] & 1) && q->words < 255) q->words++;
            if (q->key < 0 && (g->wc[t] & 2)) q->key = (int32_t)t;
        }
    }
    if (g->nl && g->nl[t]) { /* t ends a line: the next token starts one */
        q->prev = q->cur;
        q->cur = n;
        q->have_prev = 1;
    }
}

void ngram_copy(ngram_model *dst, const ngram_model *src) { /* the blocks in use; the slots of their buckets in use */
    size_t nblk = buckets(src->nmodels, src->bits) >> NGRAM_BLOCK_BITS, per = (size_t)1 << NGRAM_BLOCK_BITS;
    size_t stride = (size_t)src->stride;
    memcpy(dst->used, src->used, LAZY_WORDS(nblk) * 8);
    for (size_t b = lazy_next(src->used, 0, nblk); b < nblk; b = lazy_next(src->used, b + 1, nblk)) {
        memcpy(dst->chk + b * per, src->chk + b * per, per * sizeof(uint16_t));
        for (size_t i = b * per; i < (b + 1) * per; i++)
            if (src->chk[i]) memcpy(dst->sl + i * stride, src->sl + i * stride, stride * sizeof(uint16_t));
    }
    memcpy(dst->w, src->w, sizeof dst->w);
}
