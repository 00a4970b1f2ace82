/*
** predictor.c -- the predictor, one for both directions: the logits of the language model and the online models
** (lib/adapt) give the integer frequencies the next token is coded with; after the token is coded, the models
** learn it.  The encoder and the decoder call exactly these functions in the same order, so their frequencies
** agree by construction.  It never touches the range coder, the input or the output, and it evaluates no model:
** the drivers (compress.c, decompress.c) code, batch.c evaluates.
*/
#include "coder/freq.h"
#include "common/mem.h"
#include "engine/engine.h"

/* A group's n-gram tables have 2^b times the buckets of a chunk's, b = ceil(log2(chunks per group)) up to 3:
** they hold what all the group's chunks teach them (docs/format.md, "Chunk groups"). */
static int group_table_bits(uint32_t n_chunks) {
    uint32_t k = n_chunks < FRAME_GROUP ? n_chunks : FRAME_GROUP;
    int b = 0;
    while (b < 3 && (1u << b) < k) b++;
    return b;
}

uint64_t models_bytes(const llmz_model *m, uint8_t flags, int version, uint32_t n_chunks) {
    int V = tf_cfg(m->tf)->vocab;
    uint64_t b = sizeof(models);
    if (flags & FRAME_FLAG_ADAPT) b += match_bytes(MATCH_HASH_BITS);
    if (flags & FRAME_FLAG_NGRAM)
        b += ngram_bytes((flags & FRAME_FLAG_SSE) != 0, (flags & FRAME_FLAG_GROUP) ? group_table_bits(n_chunks) : 0,
                         version, V);
    if (flags & FRAME_FLAG_SSE) b += sse_bytes(V, version);
    return b;
}

/* The online models the frame's flags ask for: one set per slot, or one for a chunk group; each slot's recency
** cache, output bias and own match model.  (worker.c has allocated the slots.) */
int pred_init(worker *w, const frame_header *h) {
    const llmz_model *m = w->m;
    w->adapt = (h->flags & FRAME_FLAG_ADAPT) != 0;
    w->ngram = (h->flags & FRAME_FLAG_NGRAM) != 0;
    w->sse = (h->flags & FRAME_FLAG_SSE) != 0;
    w->bias = w->adapt && h->version >= 3;
    w->own_match = w->bias && w->grouped;
    w->nmods = w->grouped ? 1 : w->nslots;
    w->mods = llmz_calloc((size_t)w->nmods, sizeof(models));
    int ok = w->mods != NULL;
    for (int i = 0; ok && i < w->nmods; i++) {
        models *M = &w->mods[i];
        if (w->adapt) ok = match_init(&M->mm, MATCH_HASH_BITS) == LLMZ_OK;
        if (ok && w->ngram)
            ok = ngram_init(&M->gm, w->sse, w->grouped ? group_table_bits(h->n_chunks) : 0, h->version, w->V) ==
                 LLMZ_OK;
        if (ok && w->ngram && (h->flags & FRAME_FLAG_LINE)) ngram_set_line(&M->gm, m->tok_nl);
        if (ok && w->ngram && (h->flags & FRAME_FLAG_FIELD)) {
            ngram_set_field(&M->gm, m->tok_fs, m->tok_nl);
            ngram_set_word(&M->gm, m->tok_wc, m->tok_nl); /* format version 2 only */
        }
        if (ok && w->sse) ok = sse_init(&M->ss, w->V, h->version) == LLMZ_OK;
        M->fresh = 1; /* match_init, ngram_init and sse_init leave their tables as their resets do */
    }
    for (int i = 0; ok && i < w->nslots; i++) {
        seq *s = &w->slots[i];
        if (w->adapt) ok = cache_init(&s->cm, w->V, h->version) == LLMZ_OK;
        if (ok && w->bias) ok = bias_init(&s->bm, w->V) == LLMZ_OK;
        if (ok && w->own_match) ok = match_init(&s->om, MATCH_OWN_BITS) == LLMZ_OK;
        s->M = &w->mods[w->grouped ? 0 : i];
    }
    return ok ? LLMZ_OK : LLMZ_ERR_NOMEM;
}

void pred_free(worker *w) {
    if (w->slots)
        for (int i = 0; i < w->nslots; i++) {
            cache_free(&w->slots[i].cm);
            bias_free(&w->slots[i].bm);
            match_free(&w->slots[i].om);
        }
    if (w->mods)
        for (int i = 0; i < w->nmods; i++) {
            match_free(&w->mods[i].mm);
            ngram_free(&w->mods[i].gm);
            sse_free(&w->mods[i].ss);
        }
    llmz_free(w->mods);
    w->mods = NULL;
}

void pred_models_reset(const worker *w, models *M) {
    /* the first chunk (or group) a worker codes finds the models as made: the megabytes of tables are not
    ** written again (a small frame's decoding spent half its time in these resets) */
    if (M->fresh) {
        M->fresh = 0;
        return;
    }
    if (w->adapt) match_reset(&M->mm);
    if (w->ngram) ngram_reset(&M->gm);
    if (w->sse) sse_reset(&M->ss);
}

/* A chunk starts: its own models forget (a group's shared ones are reset by the group's worker). */
void pred_seq_reset(const worker *w, seq *s) {
    if (!w->grouped) pred_models_reset(w, s->M);
    match_seq_reset(&s->mq);
    ngram_seq_reset(&s->gq);
    s->gq.own = w->own_match ? (uint32_t)s->self + 1 : 0;
    if (w->adapt) cache_reset(&s->cm);
    if (w->bias) bias_reset(&s->bm);
    if (w->own_match) match_reset(&s->om);
    match_seq_reset(&s->oq);
}

/* Frame flag FRAME_FLAG_SSE: the top token among the online models' predictions (the most frequent one now,
** the first in model order on ties) and the probability that it comes (sse.h); none when no model predicts. */
static void sse_top(const worker *w, lane *L, seq *s) {
    int32_t cand[NGRAM_MODELS + 1];
    for (int k = 0; k < NGRAM_MODELS; k++) cand[k] = ngram_top(&s->M->gm, &s->gq, k);
    cand[NGRAM_MODELS] = w->adapt ? s->mq.pred : -1;
    if (w->own_match && s->oq.pred >= 0 &&
        (cand[NGRAM_MODELS] < 0 || L->freq[s->oq.pred] > L->freq[cand[NGRAM_MODELS]]))
        cand[NGRAM_MODELS] = s->oq.pred; /* the match models' candidate: the likelier of the two */
    int32_t top = -1;
    for (int i = 0; i <= NGRAM_MODELS; i++)
        if (cand[i] >= 0 && (top < 0 || L->freq[cand[i]] > L->freq[top])) top = cand[i];
    s->sse_on = top >= 0;
    if (top < 0) return;
    uint32_t mask = 0;
    for (int i = 0; i <= NGRAM_MODELS; i++) mask |= (uint32_t)(cand[i] == top) << i;
    s->top = top;
    s->ftop = L->freq[top];
    int32_t prev = s->done ? s->ids[s->done - 1] : w->m->start_tok;
    int32_t prev2 = s->done > 1 ? s->ids[s->done - 2] : s->done ? w->m->start_tok : -1;
    s->fhit = sse_predict(&s->M->ss, &s->sq, s->ftop, L->f_lm[top], prev2, prev, top, mask) << (RC_TOTAL_BITS - 16);
}

/* The LM's frequencies (freq.h), then, as the frame's flags say, the recency cache, the n-grams and the match
** model mixed in (lib/adapt); cum built once from the result. */
double pred_frequencies(const worker *w, lane *L, seq *s, const float *logits, int32_t tok) {
    /* each stage writes its result into the next buffer (LM -> fin -> [cache] -> fng -> [n-grams] -> freq,
    ** skipping the buffers of stages that are off), so the inputs the updates need stay as they were */
    uint32_t *f = w->adapt || w->ngram ? L->fin : L->freq;
    double p;
    if (w->bias) { /* the chunk's output bias added to the logits; the softmax terms kept for its step */
        float mx = bias_apply(&s->bm, logits, L->lb, w->ks);
        p = freq_from_logits_max(f, s->bm.e, L->lb, w->V, mx, tok, &s->bm.S, w->ks);
    } else {
        p = freq_from_logits(f, L->e, logits, w->V, tok, NULL, w->ks);
    }
    L->f_lm = f;
    if (w->adapt) {
        uint32_t *o = w->ngram ? L->fng : L->freq;
        cache_mix(&s->cm, f, o, w->ks);
        f = o;
    }
    L->f_cached = f;
    if (w->ngram) ngram_mix(&s->M->gm, &s->gq, s->ids, s->done, f, L->freq, w->V, w->ks);
    if (w->adapt) match_mix(&s->M->mm, &s->mq, s->G, s->self, L->freq, w->V, w->ks);
    if (w->own_match) match_mix(&s->om, &s->oq, &s->own, 0, L->freq, w->V, w->ks);
    freq_cum(L->cum, L->freq, w->V, w->ks);
    if (w->sse) sse_top(w, L, s);
    return p;
}

void pred_coded(const worker *w, const lane *L, seq *s, int32_t t) {
    if (w->adapt || w->ngram) { /* what the updates need from this step's buffers */
        s->u_lm = L->f_lm[t];
        s->u_cached = L->f_cached[t];
        s->u_freq = L->freq[t];
    }
    /* the table entries the updates and the next step will use, fetched while other work goes on */
    if (w->adapt) match_prefetch(&s->M->mm, s->ids, s->done);
    if (w->own_match) match_prefetch(&s->om, s->ids, s->done);
    if (w->sse) sse_prefetch(&s->M->ss, t);
}

void pred_learn(const worker *w, seq *s) {
    if (!(w->adapt || w->ngram)) return;
    int32_t t = s->ids[s->done - 1];
    if (w->adapt) cache_update(&s->cm, t, s->u_lm, s->u_freq);
    if (w->bias) bias_learn(&s->bm, t, s->u_lm, s->u_freq);
    if (w->ngram) ngram_update(&s->M->gm, &s->gq, s->ids, s->done, s->u_cached, s->u_freq);
    if (w->adapt) match_update(&s->M->mm, &s->mq, s->G, s->self);
    if (w->own_match) match_update(&s->om, &s->oq, &s->own, 0);
    if (s->sse_on) sse_update(&s->M->ss, &s->sq, t == s->top);
    if (w->ngram) ngram_prefetch(&s->M->gm, &s->gq, s->ids, s->done);
}

/* The distribution of the next token in one step, as the scale lmbits_prefix applies to L->freq: none, or with sse.h's
** two steps (s->sse_on) the top token's frequency s->fhit and every other's freq * (2^28 - fhit) / (2^28 - ftop). */
static lmbits_scale pred_one_step(const seq *s) {
    if (!s->sse_on) return (lmbits_scale){1, 0, -1, 0};
    /* the ratio (2^28 - fhit) / (2^28 - ftop) as q + lo / 2^32 (q its integer part, lo = floor(remainder * 2^32 /
    ** (2^28 - ftop))); each frequency becomes freq * q + (freq * lo >> 32), at least 1: multiplications, no
    ** division per token (every product below 2^60) */
    uint64_t rest = RC_TOTAL - s->fhit, others = RC_TOTAL - s->ftop;
    uint64_t q = rest / others, lo = (rest % others << 32) / others;
    return (lmbits_scale){(uint32_t)q, (uint32_t)lo, s->top, s->fhit};
}

void pred_byte_order(const worker *w, lane *L, const seq *s) {
    lmbits_scale sc = pred_one_step(s);
    lmbits_prefix(w->lb, L->freq, &sc, L->bc, w->ks);
}
