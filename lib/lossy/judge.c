/*
** judge.c -- the language model's bits on candidate continuations (judge.h).
*/
#include "lossy/judge.h"

#include <fenv.h>
#include <string.h>

#include "coder/freq.h"
#include "coder/rc.h"
#include "common/mem.h"
#include "common/team.h"
#include "model/model.h"
#include "numerics/detmath.h"

#define HIST_MAX 4096 /* committed tokens remembered for a window restart */

struct judge {
    const llmz_model *m;
    const kernel_set *ks;
    int V, W, keep, rows;
    int max_tok;            /* tokens of a candidate counted: JUDGE_MAX_TOKENS, or what a small window holds */
    team *t;
    tf_batch *b;
    tf_state *base, *trial[JUDGE_MAX_ALTS];
    tf_state **sv;     /* the state of each row of a batch */
    int32_t *in, *ids; /* a batch's inputs; a text's tokens */
    float *logits, *last, *e;
    uint32_t *freq;
    int32_t hist[HIST_MAX]; /* the committed tokens, the latest last */
    int n_hist;
    int has_last;           /* `last` holds the logits after the committed text */
    double inv_ln2;
};

void judge_free(judge *j) {
    if (!j) return;
    tf_batch_free(j->b);
    tf_state_free(j->base);
    for (int i = 0; i < JUDGE_MAX_ALTS; i++) tf_state_free(j->trial[i]);
    team_free(j->t);
    llmz_free(j->sv);
    llmz_free(j->in);
    llmz_free(j->ids);
    llmz_free(j->logits);
    llmz_free(j->last);
    llmz_free(j->e);
    llmz_free(j->freq);
    llmz_free(j);
}

int judge_new(judge **out, const llmz_model *m, int threads) {
    *out = NULL;
    judge *j = llmz_calloc(1, sizeof *j);
    if (!j) return LLMZ_ERR_NOMEM;
    const tf_config *c = tf_cfg(m->tf);
    j->m = m;
    j->ks = kernels_get(LLMZ_KERNELS_AUTO);
    j->V = c->vocab;
    j->W = c->ctx;
    j->keep = c->ctx / 2;
    j->max_tok = JUDGE_MAX_TOKENS < j->W - j->keep - 1 ? JUDGE_MAX_TOKENS : j->W - j->keep - 1;
    if (j->max_tok < 1) j->max_tok = 1;
    j->rows = JUDGE_MAX_ALTS * JUDGE_MAX_TOKENS > j->W ? JUDGE_MAX_ALTS * JUDGE_MAX_TOKENS : j->W;
    j->inv_ln2 = 1.0 / det_log(2.0);
    j->b = tf_batch_new(m->tf, j->rows);
    j->base = tf_state_new(m->tf, 1); /* the judge's arithmetic stays numerics 1 */
    int ok = j->ks && j->b && j->base;
    for (int i = 0; ok && i < JUDGE_MAX_ALTS; i++) ok = (j->trial[i] = tf_state_new(m->tf, 1)) != NULL;
    j->sv = llmz_malloc((size_t)j->rows * sizeof *j->sv);
    j->in = llmz_malloc((size_t)j->rows * sizeof *j->in);
    j->ids = llmz_malloc((size_t)(j->rows + 1) * sizeof *j->ids);
    j->logits = llmz_malloc((size_t)j->rows * j->V * sizeof *j->logits);
    j->last = llmz_malloc((size_t)j->V * sizeof *j->last);
    j->e = llmz_malloc((size_t)j->V * sizeof *j->e);
    j->freq = llmz_malloc((size_t)j->V * sizeof *j->freq);
    ok = ok && j->sv && j->in && j->ids && j->logits && j->last && j->e && j->freq;
    if (ok && threads > 1) {
        ok = (j->t = team_new(threads)) != NULL;
        if (ok) tf_batch_use_team(j->b, m->tf, j->t);
    }
    if (!ok) {
        judge_free(j);
        return LLMZ_ERR_NOMEM;
    }
    *out = j;
    return LLMZ_OK;
}

void judge_reset(judge *j) {
    tf_state_reset(j->base);
    j->n_hist = 0;
    j->has_last = 0;
}

/* -log2 of the coder's frequency of token `tok` after these logits. */
static double token_bits(judge *j, const float *logits, int32_t tok) {
    freq_from_logits(j->freq, j->e, logits, j->V, -1, NULL, j->ks);
    return (double)RC_TOTAL_BITS - det_log((double)j->freq[tok]) * j->inv_ln2;
}

/* Feed tokens[0, n) to the base sequence; the logits after the last into j->last. */
static int feed_base(judge *j, const int32_t *tokens, int n) {
    for (int r = 0; r < n; r++) j->sv[r] = j->base;
    int rc = tf_forward(j->m->tf, j->ks, j->b, j->sv, tokens, n, j->logits);
    if (rc == LLMZ_OK && n > 0) {
        memcpy(j->last, j->logits + (size_t)(n - 1) * j->V, (size_t)j->V * sizeof *j->last);
        j->has_last = 1;
    }
    return rc;
}

/* Before n more rows: a window restart when they would not fit (the last `keep` tokens fed again). */
static int make_room(judge *j, int n) {
    if (tf_state_pos(j->base) + n <= j->W && j->has_last) return LLMZ_OK;
    tf_state_reset(j->base);
    int k = j->n_hist < j->keep ? j->n_hist : j->keep;
    j->in[0] = j->m->start_tok;
    memcpy(j->in + 1, j->hist + j->n_hist - k, (size_t)k * sizeof *j->in);
    return feed_base(j, j->in, k + 1);
}

static void remember(judge *j, int32_t tok) {
    if (j->n_hist == HIST_MAX) {
        memmove(j->hist, j->hist + HIST_MAX / 2, (HIST_MAX / 2) * sizeof *j->hist);
        j->n_hist = HIST_MAX / 2;
    }
    j->hist[j->n_hist++] = tok;
}

int judge_commit(judge *j, const uint8_t *s, size_t n, double *bits) {
    fenv_t saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    double sum = 0.0;
    int rc = LLMZ_OK;
    while (n > 0 && rc == LLMZ_OK) { /* pieces of at most a quarter window of tokens */
        size_t take = n < 256 ? n : 256;
        long nt = tok_encode(j->m->tok, j->ids, (size_t)j->rows + 1, s, take);
        if (nt < 0) rc = LLMZ_ERR_NOMEM;
        for (long i = 0; rc == LLMZ_OK && i < nt;) {
            int step = (int)(nt - i < j->W / 4 ? nt - i : j->W / 4);
            if ((rc = make_room(j, step)) != LLMZ_OK) break;
            sum += token_bits(j, j->last, j->ids[i]);
            if ((rc = feed_base(j, j->ids + i, step)) != LLMZ_OK) break;
            for (int r = 0; r + 1 < step; r++) sum += token_bits(j, j->logits + (size_t)r * j->V, j->ids[i + r + 1]);
            for (int r = 0; r < step; r++) remember(j, j->ids[i + r]);
            i += step;
        }
        s += take;
        n -= take;
    }
    fesetenv(&saved);
    if (bits) *bits = sum;
    return rc;
}

int judge_cost(judge *j, const uint8_t *const *alts, const size_t *lens, int n, double *bits) {
    if (n < 0 || n > JUDGE_MAX_ALTS) return LLMZ_ERR_PARAM;
    fenv_t saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    int rc = make_room(j, j->max_tok);
    int start[JUDGE_MAX_ALTS + 1], rows = 0;
    int32_t *tok = j->ids;
    for (int a = 0; rc == LLMZ_OK && a < n; a++) { /* each candidate's tokens; its first is predicted by `last` */
        int32_t t[JUDGE_MAX_TOKENS * 4];
        long nt = tok_encode(j->m->tok, t, sizeof t / sizeof *t, alts[a], lens[a]);
        if (nt < 0) nt = sizeof t / sizeof *t; /* a longer candidate: its first tokens */
        if (nt > j->max_tok) nt = j->max_tok;
        start[a] = rows;
        memcpy(tok + rows, t, (size_t)nt * sizeof *t);
        if (nt > 1) tf_state_copy(j->trial[a], j->base, j->m->tf);
        rows += (int)nt;
    }
    start[n] = rows;
    /* the batch: each candidate's tokens but its last as inputs, in its own copy of the base */
    int m = 0;
    for (int a = 0; a < n; a++)
        for (int r = start[a]; r + 1 < start[a + 1]; r++) {
            j->in[m] = tok[r];
            j->sv[m++] = j->trial[a];
        }
    if (rc == LLMZ_OK && m > 0) rc = tf_forward(j->m->tf, j->ks, j->b, j->sv, j->in, m, j->logits);
    for (int a = 0, row = 0; rc == LLMZ_OK && a < n; a++) {
        double sum = 0.0;
        for (int r = start[a]; r < start[a + 1]; r++) {
            const float *lg = r == start[a] ? j->last : j->logits + (size_t)row++ * j->V;
            sum += token_bits(j, lg, tok[r]);
        }
        bits[a] = sum;
    }
    fesetenv(&saved);
    return rc;
}
