/*
** prime.c -- a dictionary's primed state: what a chunk of a dictionary frame holds once the dictionary's tokens are
** learnt (the model's KV cache, the online models' tables, the chunk's own recency cache and output bias, and the
** predictor's per-chunk fields), computed once per context and copied into each chunk at its start (jobs.c,
** seq_begin), so a message costs its own tokens, not the dictionary's.  The state is exactly the one coding the
** dictionary's tokens before each chunk leaves (the model's logits do not depend on how rows are batched), so the
** bytes are the same.  Owns the cached state and the worker that makes it; codes nothing.
*/
#include <fenv.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "engine/engine.h"

struct prime {
    const llmz_model *m;
    uint8_t dict_fp[32];
    uint8_t flags, version, numerics;
    uint16_t window, keep;
    uint32_t npre;
    tf_state *st; /* the KV cache after the dictionary's inputs */
    models M;     /* the online models after its tokens (taken from the worker that learnt them) */
    cache_model cm;
    bias_model bm;
    seq s; /* the chunk's fields after them (its pointers unused) */
};

void prime_free(prime *p) {
    if (!p) return;
    tf_state_free(p->st);
    match_free(&p->M.mm);
    ngram_free(&p->M.gm);
    sse_free(&p->M.ss);
    cache_free(&p->cm);
    bias_free(&p->bm);
    llmz_free(p);
}

/* The frame a primed state fits: the same model, dictionary, online models, window and numerics. */
static int fits(const prime *p, const llmz_model *m, const frame_header *h, const llmz_dict *d) {
    return p->m == m && p->npre == d->ntok && p->flags == h->flags && p->version == h->version && p->numerics == h->numerics &&
           p->window == h->window && p->keep == h->keep && memcmp(p->dict_fp, d->fp, 32) == 0;
}

static int pr_finished(const seq *s) { return s->done == s->ntok; }

/* Only the dictionary's tokens go through this worker, and batch.c learns those without the driver's code. */
static const driver primer = {0, NULL, NULL, pr_finished, NULL};

/* The worker's plan: one chunk, batches of up to a window of rows, the threads' team. */
static void prime_plan(plan *p, const frame_header *h, int threads, long cpus) {
    frame_header one = *h;
    one.n_chunks = 1;
    one.flags &= (uint8_t)~FRAME_FLAG_GROUP;
    engine_plan(p, &one, 0, threads, cpus);
    p->norm = p->cmbuf = p->cm = p->mix = 0;
}

uint64_t prime_bytes(const llmz_model *m, const frame_header *h, int threads) {
    plan p;
    prime_plan(&p, h, threads, 0);
    frame_header one = *h;
    one.n_chunks = 1;
    one.orig_size = 0;
    /* the worker that learns the dictionary (its token ids: npre), then what is kept of it */
    return plan_bytes(&p, m, &one) + (uint64_t)h->npre * sizeof(int32_t) + sizeof(prime) +
           slot_bytes(m, 0, h->flags, h->version, h->numerics) + models_bytes(m, h->flags, h->version, 1);
}

/* Learn the dictionary's tokens in a worker of one slot, then keep its state. */
static int prime_make(prime *p, const kernel_set *ks, const frame_header *h, int threads) {
    frame_header one = *h;
    one.n_chunks = 1;
    one.orig_size = 0; /* the slot's buffers: the dictionary's tokens only */
    one.flags &= (uint8_t)~FRAME_FLAG_GROUP;
    plan pl;
    prime_plan(&pl, &one, threads, sysconf(_SC_NPROCESSORS_ONLN));
    worker w;
    int rc = worker_init(&w, p->m, ks, &one, &primer, &pl);
    if (rc) return rc;
    seq *s = &w.slots[0];
    s->idx = 0;
    s->active = 1;
    s->done = 0;
    s->pre = s->ntok = h->npre;
    memcpy(s->ids, h->pre, h->npre * sizeof *s->ids);
    tf_state_reset(s->st);
    pred_seq_reset(&w, s);
    while (rc == LLMZ_OK && s->done < s->pre) rc = worker_step(&w);
    if (rc == LLMZ_OK) { /* the worker's state becomes the primed state: taken, not copied */
        p->st = s->st;
        s->st = NULL;
        p->M = *s->M;
        memset(s->M, 0, sizeof *s->M);
        p->cm = s->cm;
        memset(&s->cm, 0, sizeof s->cm);
        p->bm = s->bm;
        memset(&s->bm, 0, sizeof s->bm);
        p->s = *s;
    }
    worker_free(&w);
    return rc;
}

int prime_get(prime **pp, const llmz_model *m, const kernel_set *ks, const frame_header *h, const llmz_dict *d,
              int threads) {
    if (*pp && fits(*pp, m, h, d)) return LLMZ_OK;
    prime_free(*pp);
    *pp = NULL;
    prime *p = llmz_calloc(1, sizeof *p);
    if (!p) return LLMZ_ERR_NOMEM;
    p->m = m;
    memcpy(p->dict_fp, d->fp, 32);
    p->flags = h->flags;
    p->version = h->version;
    p->numerics = h->numerics;
    p->window = h->window;
    p->keep = h->keep;
    p->npre = d->ntok;
    /* the default floating-point environment, as the job's threads have it (jobs.c) */
    fenv_t saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    int rc = prime_make(p, ks, h, threads);
    fesetenv(&saved);
    if (rc) {
        prime_free(p);
        return rc;
    }
    *pp = p;
    return LLMZ_OK;
}

void prime_restore(const prime *p, const worker *w, seq *s) {
    tf_state_copy(s->st, p->st, w->m->tf);
    models *M = s->M;
    if (w->adapt) match_copy(&M->mm, &p->M.mm);
    if (w->ngram) ngram_copy(&M->gm, &p->M.gm);
    if (w->sse) sse_copy(&M->ss, &p->M.ss);
    M->fresh = 0; /* the next chunk's reset must clear them */
    if (w->adapt) cache_copy(&s->cm, &p->cm);
    if (w->bias) bias_copy(&s->bm, &p->bm);
    const seq *q = &p->s;
    s->done = q->done;
    s->mq = q->mq;
    s->oq = q->oq;
    s->gq = q->gq;
    s->sq = q->sq;
    s->u_lm = q->u_lm;
    s->u_cached = q->u_cached;
    s->u_freq = q->u_freq;
    s->sse_on = q->sse_on;
    s->top = q->top;
    s->ftop = q->ftop;
    s->fhit = q->fhit;
}
