/* sse.c -- secondary estimation of the most likely token (sse.h). */
#include "adapt/sse.h"

#include <string.h>

#include "common/mem.h"
#include "llmz.h"

/* 65536 / (1 + e^(-(i - 16) / 2)), rounded: the logistic function at -8 .. 8 in steps of 0.5. */
static const uint16_t squash_tab[SSE_POINTS] = {
    22,    36,    60,    98,    162,   267,   439,   720,   1179,  1921,  3108,  4971,
    7812,  11955, 17625, 24743, 32768, 40793, 47911, 53581, 57724, 60565, 62428, 63615,
    64357, 64816, 65097, 65269, 65374, 65438, 65476, 65500, 65514};

/* The logistic function of x / 256, x in [-2048, 2047], as a 16-bit probability (linear interpolation). */
static uint32_t squash(int32_t x) {
    uint32_t u = (uint32_t)(x + 2048), i = u >> 7, w = u & 127;
    return (squash_tab[i] * (128 - w) + squash_tab[i + 1] * w) >> 7;
}

static size_t ctx_cells(void) { return ((size_t)1 << SSE_CTX_BITS) * SSE_POINTS; }

size_t sse_bytes(int V, int version) { /* sse_init's blocks, big ones in whole pages (mem.h) */
    size_t n = (size_t)V * SSE_POINTS;
    size_t b = 2 * llmz_mem_footprint(n * sizeof(uint16_t)) + 2 * llmz_mem_footprint(n);
    if (version >= 2) b += llmz_mem_footprint(ctx_cells() * sizeof(uint16_t)) + llmz_mem_footprint(ctx_cells());
    return b;
}

int sse_init(sse_model *s, int V, int version) {
    memset(s, 0, sizeof *s);
    s->V = V;
    s->inputs = version >= 2 ? 7 : 6;
    size_t n = (size_t)V * SSE_POINTS;
    s->by_prev = llmz_malloc(n * sizeof(uint16_t));
    s->by_top = llmz_malloc(n * sizeof(uint16_t));
    s->n_prev = llmz_malloc(n);
    s->n_top = llmz_malloc(n);
    int ctx_ok = 1;
    if (version >= 2) {
        s->by_ctx = llmz_malloc(ctx_cells() * sizeof(uint16_t));
        s->n_ctx = llmz_malloc(ctx_cells());
        ctx_ok = s->by_ctx && s->n_ctx;
    }
    if (!s->by_prev || !s->by_top || !s->n_prev || !s->n_top || !ctx_ok) {
        sse_free(s);
        return LLMZ_ERR_NOMEM;
    }
    /* stretch = the inverse of squash on 12-bit probabilities: the least x whose squash reaches them */
    uint32_t next = 0;
    for (int32_t x = -2048; x <= 2047; x++) {
        uint32_t v = squash(x) >> 4;
        while (next <= v && next < 4096) s->stretch[next++] = (int16_t)x;
    }
    while (next < 4096) s->stretch[next++] = 2047;
    sse_reset(s);
    return LLMZ_OK;
}

void sse_free(sse_model *s) {
    llmz_free(s->by_prev);
    llmz_free(s->by_top);
    llmz_free(s->n_prev);
    llmz_free(s->n_top);
    llmz_free(s->by_ctx);
    llmz_free(s->n_ctx);
    s->by_prev = s->by_top = s->by_ctx = NULL;
    s->n_prev = s->n_top = s->n_ctx = NULL;
}

/* t[0 .. rows * SSE_POINTS) = rows copies of the identity map (squash_tab): one row, then doubling copies. */
static void identity_rows(uint16_t *t, size_t rows) {
    memcpy(t, squash_tab, sizeof squash_tab);
    for (size_t have = 1; have < rows; have *= 2) {
        size_t n = have < rows - have ? have : rows - have;
        memcpy(t + have * SSE_POINTS, t, n * sizeof squash_tab);
    }
}

void sse_reset(sse_model *s) { /* every context starts as the identity map, never updated */
    identity_rows(s->by_mask, SSE_MASKS);
    identity_rows(s->by_prev, (size_t)s->V);
    identity_rows(s->by_top, (size_t)s->V);
    memset(s->n_mask, 0, sizeof s->n_mask);
    int32_t avg = s->inputs == 7 ? 16384 : 21845; /* 1/4 or 1/3: the APMs' average */
    for (int c = 0; c < SSE_MASKS; c++) {
        s->mw[c][0] = s->mw[c][4] = s->mw[c][5] = 0;
        s->mw[c][1] = s->mw[c][2] = s->mw[c][3] = avg;
        s->mw[c][6] = s->inputs == 7 ? avg : 0;
    }
    lazy_clear(s->ctx_used, (size_t)1 << SSE_CTX_BITS); /* APM 4: its rows are made when first learnt */
    memset(s->n_prev, 0, (size_t)s->V * SSE_POINTS);
    memset(s->n_top, 0, (size_t)s->V * SSE_POINTS);
}

/* APM 4's row of the cell `at` is made (the identity map, no updates) when first learnt since the reset. */
static void ctx_make(sse_model *s, uint32_t at) {
    size_t c = at / SSE_POINTS;
    if (lazy_on(s->ctx_used, c)) return;
    memcpy(s->by_ctx + c * SSE_POINTS, squash_tab, sizeof squash_tab);
    memset(s->n_ctx + c * SSE_POINTS, 0, SSE_POINTS);
    lazy_set(s->ctx_used, c);
}

/* The stretched output of an APM: its cell's two points interpolated, then stretched (+ 2048, so >= 0). */
static uint32_t apm(const sse_model *s, const uint16_t *t, uint32_t at, uint32_t wt) {
    uint32_t p = (t[at] * (128 - wt) + t[at + 1] * wt) >> 7;
    return (uint32_t)(s->stretch[p >> 4] + 2048);
}

/* APM 4's context: a hash of top and the two tokens before it, SSE_CTX_BITS bits. */
static uint32_t ctx_of(int32_t prev2, int32_t prev, int32_t top) {
    uint32_t h = (uint32_t)top * 0x9E3779B1u;
    h = (h ^ (uint32_t)prev) * 0x85EBCA77u + 0xC2B2AE3Du;
    h = (h ^ (uint32_t)prev2) * 0x85EBCA77u + 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 13;
    return h >> (32 - SSE_CTX_BITS);
}

uint32_t sse_predict(const sse_model *s, sse_step *q, uint32_t f, uint32_t flm, int32_t prev2, int32_t prev,
                     int32_t top, uint32_t mask) {
    uint32_t u = (uint32_t)(s->stretch[f >> 16] + 2048); /* f < 2^28: a 12-bit probability */
    uint32_t cell = u >> 7;
    q->wt = u & 127;
    q->at[0] = (uint32_t)prev * SSE_POINTS + cell;
    q->at[1] = (uint32_t)top * SSE_POINTS + cell;
    q->at[2] = mask * SSE_POINTS + cell;
    q->mx[0] = (int32_t)u - 2048;
    q->mx[1] = (int32_t)apm(s, s->by_prev, q->at[0], q->wt) - 2048;
    q->mx[2] = (int32_t)apm(s, s->by_top, q->at[1], q->wt) - 2048;
    q->mx[3] = (int32_t)apm(s, s->by_mask, q->at[2], q->wt) - 2048;
    q->mx[4] = 256;
    q->mx[5] = s->stretch[flm >> 16];
    q->mx[6] = 0;
    if (s->by_ctx) {
        q->at[3] = ctx_of(prev2, prev, top) * SSE_POINTS + cell;
        uint32_t at = q->at[3]; /* a row not learnt since the reset: the identity map */
        q->mx[6] = (lazy_on(s->ctx_used, at / SSE_POINTS) ? (int32_t)apm(s, s->by_ctx, at, q->wt)
                                                          : (int32_t)apm(s, squash_tab, at % SSE_POINTS, q->wt)) -
                   2048;
    }
    q->mset = mask;
    int64_t dot = 0;
    for (int i = 0; i < s->inputs; i++) dot += (int64_t)s->mw[mask][i] * q->mx[i];
    dot /= 65536;
    if (dot > 2047) dot = 2047;
    if (dot < -2048) dot = -2048;
    uint32_t p = squash((int32_t)dot);
    q->pmix = p;
    return p < 16 ? 16 : p > 65535 ? 65535 : p;
}

/* Move both points of the cell towards the outcome by their interpolation weight times their rate
** 1 / (n + 1.5), n = the point's updates so far (at most SSE_LIMIT). */
static void learn(uint16_t *t, uint8_t *cnt, uint32_t at, uint32_t wt, int hit) {
    uint32_t w[2] = {128 - wt, wt};
    for (int j = 0; j < 2; j++) {
        uint32_t v = t[at + j], div = (2u * cnt[at + j] + 3u) * 64u; /* 128 (n + 1.5) */
        if (hit) v += (65535u - v) * w[j] / div;
        else v -= v * w[j] / div;
        t[at + j] = (uint16_t)v;
        if (cnt[at + j] < SSE_LIMIT) cnt[at + j]++;
    }
}

void sse_prefetch(const sse_model *s, int32_t prev) {
    const uint16_t *t = s->by_prev + (size_t)prev * SSE_POINTS; /* 66 bytes: one or two cache lines */
    llmz_prefetch_w(t);
    llmz_prefetch_w(t + SSE_POINTS - 1);
    llmz_prefetch_w(s->n_prev + (size_t)prev * SSE_POINTS);
    llmz_prefetch_w(s->n_prev + (size_t)prev * SSE_POINTS + SSE_POINTS - 1);
}

void sse_update(sse_model *s, const sse_step *q, int hit) {
    learn(s->by_prev, s->n_prev, q->at[0], q->wt, hit);
    learn(s->by_top, s->n_top, q->at[1], q->wt, hit);
    learn(s->by_mask, s->n_mask, q->at[2], q->wt, hit);
    if (s->by_ctx) {
        ctx_make(s, q->at[3]);
        learn(s->by_ctx, s->n_ctx, q->at[3], q->wt, hit);
    }
    int64_t err = (hit ? 65536 : 0) - (int64_t)q->pmix;
    for (int i = 0; i < s->inputs; i++) {
        int64_t w = s->mw[q->mset][i] + err * q->mx[i] / SSE_MIX_RATE; /* C division: towards zero */
        if (w > SSE_W_MAX) w = SSE_W_MAX;
        if (w < -SSE_W_MAX) w = -SSE_W_MAX;
        s->mw[q->mset][i] = (int32_t)w;
    }
}

void sse_copy(sse_model *dst, const sse_model *src) {
    size_t n = (size_t)src->V * SSE_POINTS;
    memcpy(dst->by_prev, src->by_prev, n * sizeof(uint16_t));
    memcpy(dst->by_top, src->by_top, n * sizeof(uint16_t));
    memcpy(dst->n_prev, src->n_prev, n);
    memcpy(dst->n_top, src->n_top, n);
    if (src->by_ctx) { /* APM 4's rows learnt */
        size_t rows = (size_t)1 << SSE_CTX_BITS;
        memcpy(dst->ctx_used, src->ctx_used, sizeof dst->ctx_used);
        for (size_t c = lazy_next(src->ctx_used, 0, rows); c < rows; c = lazy_next(src->ctx_used, c + 1, rows)) {
            memcpy(dst->by_ctx + c * SSE_POINTS, src->by_ctx + c * SSE_POINTS, sizeof squash_tab);
            memcpy(dst->n_ctx + c * SSE_POINTS, src->n_ctx + c * SSE_POINTS, SSE_POINTS);
        }
    }
    memcpy(dst->by_mask, src->by_mask, sizeof dst->by_mask);
    memcpy(dst->n_mask, src->n_mask, sizeof dst->n_mask);
    memcpy(dst->mw, src->mw, sizeof dst->mw);
}
