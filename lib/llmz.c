/*
** llmz.c -- the public API: contexts, the predictor shared by both directions, frame (de)compression,
** and the worker threads that code independent chunks in parallel.
**
** One predictor, two drivers: seq_rows()/worker_step() walk a chunk's tokens with the model exactly the same
** way when encoding and decoding; seq_consume() differs only in whether the next token is read from the
** tokenizer's output (and encoded) or decoded from the range coder (and appended).  Context rule (docs/format.md):
** inputs are u_0 = start token ("\n"), u_j = t_(j-1); before feeding an input while the state already
** holds `window` inputs, the state is reset and the last `keep` inputs are fed again at positions 0.. .
*/
#include <fenv.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "adapt/bias.h"
#include "adapt/cache.h"
#include "adapt/match.h"
#include "adapt/ngram.h"
#include "adapt/sse.h"
#include "coder/freq.h"
#include "coder/rc.h"
#include "common/detmath.h"
#include "common/hash.h"
#include "common/mem.h"
#include "common/team.h"
#include "format/frame.h"
#include "llmz.h"
#include "model/model.h"

const char *llmz_version_string(void) { return LLMZ_VERSION_STRING; }

const char *llmz_error_name(int err) {
    static const char *const names[LLMZ_ERROR_COUNT_] = {
        "no error",
        "out of memory",
        "invalid parameter",
        "output buffer too small",
        "model file is not valid GGUF v3",
        "model not supported",
        "not an llmz archive",
        "unsupported format or numerics version",
        "corrupt archive",
        "checksum mismatch",
        "archive was made with a different model",
        "memory limit exceeded",
        "unexpected end of input",
        "unsupported feature",
    };
    if (err < 0 || err >= LLMZ_ERROR_COUNT_) return "unknown error";
    return names[err];
}

const char *llmz_kernels_name(int k) {
    const kernel_set *ks = kernels_get(k);
    return ks ? ks->name : NULL;
}

/* ---- contexts ----------------------------------------------------------------------------------- */

struct llmz_cctx {
    const llmz_model *m;
    int threads, kernels, adapt, eol, format;
    uint32_t chunk;
};

struct llmz_dctx {
    const llmz_model *m;
    int threads, kernels;
    uint64_t memlimit;
};

llmz_cctx *llmz_cctx_create(const llmz_model *m) {
    if (!m) return NULL;
    llmz_cctx *c = llmz_calloc(1, sizeof *c);
    if (!c) return NULL;
    c->m = m;
    c->threads = 1;
    c->kernels = LLMZ_KERNELS_AUTO;
    c->chunk = 0; /* automatic: llmz_auto_chunk() of each frame's size */
    c->adapt = LLMZ_ADAPT_ALL;
    c->eol = 1;
    c->format = LLMZ_FORMAT_VERSION;
    return c;
}

void llmz_cctx_free(llmz_cctx *c) { llmz_free(c); }

static int set_common(int *threads, int *kernels, llmz_param p, long long v) {
    if (p == LLMZ_P_THREADS) {
        if (v < 1 || v > LLMZ_MAX_THREADS) return LLMZ_ERR_PARAM;
        *threads = (int)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_KERNELS) {
        if (v < LLMZ_KERNELS_AUTO || v > LLMZ_KERNELS_AVX512) return LLMZ_ERR_PARAM;
        if (!kernels_get((int)v)) return LLMZ_ERR_UNSUPPORTED;
        *kernels = (int)v;
        return LLMZ_OK;
    }
    return -1;
}

int llmz_cctx_set(llmz_cctx *c, llmz_param p, long long v) {
    if (!c) return LLMZ_ERR_PARAM;
    int rc = set_common(&c->threads, &c->kernels, p, v);
    if (rc >= 0) return rc;
    if (p == LLMZ_P_CHUNK_SIZE) {
        if (v != 0 && (v < (long long)LLMZ_MIN_CHUNK || v > (long long)LLMZ_MAX_CHUNK)) return LLMZ_ERR_PARAM;
        c->chunk = (uint32_t)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_ADAPT) {
        if (v < 0 || v > LLMZ_ADAPT_ALL || ((v & (LLMZ_ADAPT_LINE | LLMZ_ADAPT_FIELD | LLMZ_ADAPT_SSE | LLMZ_ADAPT_GROUP)) && !(v & LLMZ_ADAPT_NGRAM)))
            return LLMZ_ERR_PARAM;
        c->adapt = (int)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_EOL) {
        if (v != 0 && v != 1) return LLMZ_ERR_PARAM;
        c->eol = (int)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_FORMAT) {
        if (v < LLMZ_FORMAT_OLDEST || v > LLMZ_FORMAT_VERSION) return LLMZ_ERR_PARAM;
        c->format = (int)v;
        return LLMZ_OK;
    }
    return LLMZ_ERR_PARAM;
}

llmz_dctx *llmz_dctx_create(const llmz_model *m) {
    if (!m) return NULL;
    llmz_dctx *d = llmz_calloc(1, sizeof *d);
    if (!d) return NULL;
    d->m = m;
    d->threads = 1;
    d->kernels = LLMZ_KERNELS_AUTO;
    return d;
}

void llmz_dctx_free(llmz_dctx *d) { llmz_free(d); }

int llmz_dctx_set(llmz_dctx *d, llmz_param p, long long v) {
    if (!d) return LLMZ_ERR_PARAM;
    int rc = set_common(&d->threads, &d->kernels, p, v);
    if (rc >= 0) return rc;
    if (p == LLMZ_P_MEMLIMIT) {
        if (v < 0) return LLMZ_ERR_PARAM;
        d->memlimit = (uint64_t)v;
        return LLMZ_OK;
    }
    return LLMZ_ERR_PARAM;
}

/* ---- the predictor and its two drivers -------------------------------------------------------- */

/* The online models a chunk learns as it is coded; in a chunk group (frame flag bit 7) one set is shared by
** the group's chunks, coded in lockstep (docs/format.md, "Chunk groups"). */
typedef struct {
    match_model mm;    /* frame flag FRAME_FLAG_ADAPT: match model (the recency cache is each chunk's own) */
    ngram_model gm;    /* frame flag FRAME_FLAG_NGRAM: token n-gram models */
    sse_model ss;      /* frame flag FRAME_FLAG_SSE: secondary estimation of the top token */
} models;

/* Rows per chunk a grouped encoder evaluates at least in one batch (beyond the re-fed ones). */
#define GROUP_ENC_ROWS 64
/* Grouped frames: an input of more than this many bytes that would be one chunk is cut in two. */
#define GROUP_SPLIT_MIN (16u * 1024u)
/* Internal: a grouped frame's chunk came out larger than stored; the frame is coded again without groups. */
#define GROUP_FALLBACK (-100)

/* A group's n-gram tables have 2^b times the buckets of a chunk's, b = ceil(log2(chunks per group)) up to 3:
** they hold what all the group's chunks teach them (docs/format.md, "Chunk groups"). */
static int group_table_bits(uint32_t n_chunks) {
    uint32_t k = n_chunks < FRAME_GROUP ? n_chunks : FRAME_GROUP;
    int b = 0;
    while (b < 3 && (1u << b) < k) b++;
    return b;
}

/* One chunk being coded: its model state, tokens and range coder. */
typedef struct {
    uint32_t idx;      /* chunk index in the frame */
    tf_state *st;      /* KV cache (owned by the slot, reused) */
    int32_t *ids;      /* encoder: the chunk's tokens; decoder: tokens decoded so far */
    size_t ids_cap;
    size_t ntok;       /* encoder: number of tokens */
    size_t done;       /* tokens coded so far */
    size_t n, out;     /* chunk bytes; decoder: bytes produced so far (after CRLF -> LF when crlf) */
    size_t exp;        /* decoder: original bytes those stand for (LF counts 2 when crlf) */
    int crlf;          /* the model codes the chunk with every CRLF written as LF */
    uint8_t *norm;     /* encoder: the chunk with CRLF -> LF (slot buffer, chunk_size bytes) */
    const uint8_t *src;
    uint8_t *dst;
    rc_enc enc;
    rc_dec dec;
    int row0, first_new, nrows; /* this seq's rows in the current batch */
    int out0;          /* the batch's logits row of its first new row (re-fed rows get none) */
    int active, err;
    int stored;        /* encoder: stored raw without running the model (looks_random) */
    models *M;         /* the online models this chunk learns (its own, or its group's) */
    const match_group *G; /* the token histories its match model sees, and its index there */
    int self;
    match_group own;   /* a chunk coded alone: a group of one */
    const int32_t *hist; /* = ids, for own */
    match_seq mq;      /* this chunk's place in the models */
    match_model om;    /* format version 3, in a chunk group: a match model of the chunk's own history too */
    match_seq oq;
    ngram_seq gq;
    sse_step sq;
    uint32_t u_lm, u_cached, u_freq; /* the coded token's frequency from the LM, after the cache, in the end */
    cache_model cm;    /* frame flag FRAME_FLAG_ADAPT: the recency cache (a chunk's own, in a group too) */
    bias_model bm;     /* and, from format version 3, the output bias (a chunk's own) */
    int sse_on;        /* this step: the token is coded in two steps (sse.h) */
    int32_t top;       /* this step: the predicted top token, its frequency, the frequency of "it is top" */
    uint32_t ftop, fhit;
} seq;

/* What one thread needs to evaluate rows and code their tokens: its batch and scratch buffers.  A worker has
** one lane, or, for a chunk group on a team of threads, one per team member: then each member evaluates and
** codes its own chunks of the group (slot i in lane i % nlanes). */
typedef struct {
    tf_batch *b;
    int nmax;       /* rows of a batch */
    float *logits;  /* (nmax, V) */
    float *e;       /* (V) */
    float *lb;      /* (V) the logits with the output bias (format version 3) */
    uint32_t *freq; /* (V) */
    uint32_t *cum;  /* (V+1) */
    uint32_t *fin;  /* (V) the LM's frequencies, when online models follow */
    uint32_t *fng;  /* (V) after the cache, when the n-grams follow */
    const uint32_t *f_lm, *f_cached; /* this step: frequencies before the cache, before the n-grams */
    int32_t *rows;  /* (nmax) input tokens of a batch */
    int32_t *outs;  /* (nmax) the rows that get logits (the new ones), ascending */
    int nout;
    tf_state **rs;  /* (nmax) state of each row */
    int nr, step, rc; /* grouped: rows of this batch, the step to code, the first error */
    double model_bits, freq_bits;
    uint64_t tokens;
} lane;

typedef struct {
    const llmz_model *m;
    const kernel_set *ks;
    int decode, window, keep, V, nmax, nslots, adapt, ngram, sse;
    int bias;       /* format version 3 with frame flag FRAME_FLAG_ADAPT: each chunk learns an output bias */
    int own_match;  /* and in a chunk group, each chunk has a match model of its own history (om) */
    int grouped;    /* frame flag bit 7: the slots are one chunk group, sharing mods[0] */
    models *mods;   /* (nmods) online models: one per slot, or one for the group */
    int nmods;
    match_group gv; /* grouped: every slot's token history */
    const int32_t **gids;
    size_t *glen;
    team *team;     /* helpers for this worker's evaluations (NULL: none) */
    lane *lanes;    /* (nlanes) */
    int nlanes;
    int grow;       /* grouped: new rows per chunk in a batch */
    seq *slots;     /* (nslots) */
} worker;

static void lane_free(lane *L) {
    tf_batch_free(L->b);
    llmz_free(L->logits);
    llmz_free(L->e);
    llmz_free(L->lb);
    llmz_free(L->freq);
    llmz_free(L->cum);
    llmz_free(L->fin);
    llmz_free(L->fng);
    llmz_free(L->rows);
    llmz_free(L->outs);
    llmz_free(L->rs);
}

static int lane_init(lane *L, const llmz_model *m, int nmax, int V) {
    L->nmax = nmax;
    L->b = tf_batch_new(m->tf, nmax);
    L->logits = llmz_malloc((size_t)nmax * V * sizeof(float));
    L->e = llmz_malloc((size_t)V * sizeof(float));
    L->lb = llmz_malloc((size_t)V * sizeof(float));
    L->freq = llmz_malloc((size_t)V * sizeof(uint32_t));
    L->cum = llmz_malloc(((size_t)V + 1) * sizeof(uint32_t));
    L->fin = llmz_malloc((size_t)V * sizeof(uint32_t));
    L->fng = llmz_malloc((size_t)V * sizeof(uint32_t));
    L->rows = llmz_malloc((size_t)nmax * sizeof(int32_t));
    L->outs = llmz_malloc((size_t)nmax * sizeof(int32_t));
    L->rs = llmz_malloc((size_t)nmax * sizeof(tf_state *));
    return L->b && L->logits && L->e && L->lb && L->freq && L->cum && L->fin && L->fng && L->rows && L->outs && L->rs ? LLMZ_OK
                                                                                                    : LLMZ_ERR_NOMEM;
}

static void worker_free(worker *w) {
    if (w->slots)
        for (int i = 0; i < w->nslots; i++) {
            tf_state_free(w->slots[i].st);
            llmz_free(w->slots[i].ids);
            llmz_free(w->slots[i].norm);
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
    llmz_free(w->gids);
    llmz_free(w->glen);
    llmz_free(w->slots);
    if (w->lanes)
        for (int i = 0; i < w->nlanes; i++) lane_free(&w->lanes[i]);
    llmz_free(w->lanes);
    team_free(w->team);
    memset(w, 0, sizeof *w);
}

/* Encoder workers code one chunk at a time in batches of up to `window` rows (prefill); decoder workers
** advance up to `nslots` chunks together, one new token each per batch (batched decoding). */
static int worker_init(worker *w, const llmz_model *m, const kernel_set *ks, const frame_header *h, int decode,
                       int nslots, int team_n) {
    memset(w, 0, sizeof *w);
    w->m = m;
    w->ks = ks;
    w->decode = decode;
    w->window = h->window;
    w->keep = h->keep;
    w->V = tf_cfg(m->tf)->vocab;
    w->nslots = nslots;
    w->adapt = (h->flags & FRAME_FLAG_ADAPT) != 0;
    w->ngram = (h->flags & FRAME_FLAG_NGRAM) != 0;
    w->sse = (h->flags & FRAME_FLAG_SSE) != 0;
    w->bias = w->adapt && h->version >= 3;
    w->grouped = (h->flags & FRAME_FLAG_GROUP) != 0;
    w->own_match = w->bias && w->grouped;
    /* a group's chunks restart their windows at the same step: room for all their re-fed inputs at once */
    if (w->grouped) w->nmax = decode ? nslots * (h->keep + 1) : nslots * (h->keep + GROUP_ENC_ROWS);
    else w->nmax = decode ? nslots + h->keep : h->window;
    w->nmods = w->grouped ? 1 : nslots;
    /* a group's chunks are all at the same position (they advance together, and their windows restart
    ** together): the new rows each gets in a batch, beyond re-fed ones (nmax has room for all of them) */
    w->grow = w->grouped ? (decode ? 1 : GROUP_ENC_ROWS) : 0;
    /* a group on a team: a lane per member, each with the rows of its chunks */
    w->nlanes = w->grouped && team_n > 1 ? (team_n < nslots ? team_n : nslots) : 1;
    int lane_rows = w->nlanes > 1 ? w->nmax / nslots * ((nslots + w->nlanes - 1) / w->nlanes) : w->nmax;
    w->lanes = llmz_calloc((size_t)w->nlanes, sizeof(lane));
    int lanes_ok = w->lanes != NULL;
    for (int i = 0; lanes_ok && i < w->nlanes; i++) lanes_ok = lane_init(&w->lanes[i], m, lane_rows, w->V) == LLMZ_OK;
    w->slots = llmz_calloc((size_t)nslots, sizeof(seq));
    w->mods = llmz_calloc((size_t)w->nmods, sizeof(models));
    w->gids = llmz_calloc((size_t)nslots, sizeof(const int32_t *));
    w->glen = llmz_calloc((size_t)nslots, sizeof(size_t));
    w->gv.ids = w->gids;
    w->gv.len = w->glen;
    w->gv.n = nslots;
    if (lanes_ok && team_n > 1) { /* without a team (threads could not start) the same bytes, slower */
        w->team = team_new(team_n);
        if (w->team && tf_batch_use_team(w->lanes[0].b, m->tf, w->team) != LLMZ_OK) {
            team_free(w->team);
            w->team = NULL;
        }
    }
    int ok = lanes_ok && w->slots && w->mods && w->gids && w->glen;
    for (int i = 0; ok && i < w->nmods; i++) {
        models *M = &w->mods[i];
        if (w->adapt) ok = match_init(&M->mm, MATCH_HASH_BITS) == LLMZ_OK;
        if (ok && w->ngram)
            ok = ngram_init(&M->gm, w->sse, w->grouped ? group_table_bits(h->n_chunks) : 0, h->version, w->V) == LLMZ_OK;
        if (ok && w->ngram && (h->flags & FRAME_FLAG_LINE)) ngram_set_line(&M->gm, m->tok_nl);
        if (ok && w->ngram && (h->flags & FRAME_FLAG_FIELD)) {
            ngram_set_field(&M->gm, m->tok_fs, m->tok_nl);
            ngram_set_word(&M->gm, m->tok_wc, m->tok_nl); /* format version 2 only */
        }
        if (ok && w->sse) ok = sse_init(&M->ss, w->V, h->version) == LLMZ_OK;
    }
    for (int i = 0; ok && i < nslots; i++) {
        seq *s = &w->slots[i];
        s->st = tf_state_new(m->tf);
        s->ids_cap = h->chunk_size;
        s->ids = llmz_malloc(((size_t)h->chunk_size + 1) * sizeof(int32_t));
        ok = s->st && s->ids;
        if (ok && !decode && (h->flags & FRAME_FLAG_EOL)) ok = (s->norm = llmz_malloc(h->chunk_size)) != NULL;
        if (ok && w->adapt) ok = cache_init(&s->cm, w->V, h->version) == LLMZ_OK;
        if (ok && w->bias) ok = bias_init(&s->bm, w->V) == LLMZ_OK;
        if (ok && w->own_match) ok = match_init(&s->om, MATCH_OWN_BITS) == LLMZ_OK;
        s->M = &w->mods[w->grouped ? 0 : i];
        s->hist = s->ids;
        s->own.ids = &s->hist;
        s->own.len = &s->done;
        s->own.n = 1;
        s->G = w->grouped ? &w->gv : &s->own;
        s->self = w->grouped ? i : 0;
        w->gids[i] = s->ids;
    }
    if (!ok) {
        worker_free(w);
        return LLMZ_ERR_NOMEM;
    }
    return LLMZ_OK;
}

/* Input u_j of a chunk: the start token, then the chunk's tokens. */
static int32_t input_at(const worker *w, const seq *s, size_t j) { return j == 0 ? w->m->start_tok : s->ids[j - 1]; }

static int seq_finished(const worker *w, const seq *s) { return w->decode ? s->exp == s->n : s->done == s->ntok; }

/* A chunk in a slot that still has tokens to code. */
static int seq_coding(const worker *w, const seq *s) { return s->active && !s->err && !seq_finished(w, s); }

/* Slots still coding. */
static int coding_slots(const worker *w) {
    int n = 0;
    for (int i = 0; i < w->nslots; i++) n += seq_coding(w, &w->slots[i]);
    return n;
}

/* Append this sequence's rows for the next batch: re-fed inputs after a window restart (the state is
** reset when it already holds `window` inputs), then new inputs.  Returns 0 if not even one new input fits. */
static int seq_rows(worker *w, lane *L, seq *s, int *nr, int grow) {
    int start = *nr, n = start;
    int refeed = tf_state_pos(s->st) >= w->window;
    size_t from = 0;
    if (refeed) {
        from = s->done >= (size_t)w->keep ? s->done - (size_t)w->keep : 0;
        if ((size_t)(L->nmax - n) < (s->done - from) + 1) return 0;
        tf_state_reset(s->st);
        for (size_t j = from; j < s->done; j++) L->rows[n++] = input_at(w, s, j);
    }
    int pos_after = refeed ? n - start : tf_state_pos(s->st);
    int room = w->window - pos_after;
    if (room > L->nmax - n) room = L->nmax - n;
    size_t want = w->decode ? 1 : s->ntok - s->done; /* the decoder learns its next input only after decoding */
    if ((size_t)room > want) room = (int)want;
    if (grow > 0 && room > grow) room = grow;
    if (room <= 0) return 0;
    s->first_new = n;
    s->out0 = L->nout;
    for (int i = 0; i < room; i++) {
        L->outs[L->nout++] = n;
        L->rows[n++] = input_at(w, s, s->done + (size_t)i);
    }
    for (int i = start; i < n; i++) L->rs[i] = s->st;
    s->row0 = start;
    s->nrows = n - start;
    *nr = n;
    return 1;
}

static void sse_top(worker *w, lane *L, seq *s);


/* The frequencies the next token of `s` is coded with: the LM's (freq.h), then, as the frame's flags say,
** the recency cache, the n-grams and the match model mixed in (lib/adapt); cum built once from the result.  Returns the
** LM's float probability of `tok` (statistics; -1 skips it). */
static double predict(worker *w, lane *L, seq *s, const float *logits, int32_t tok) {
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

/* Frame flag FRAME_FLAG_SSE: the top token among the online models' predictions (the most frequent one now,
** the first in model order on ties) and the probability that it comes (sse.h); none when no model predicts. */
static void sse_top(worker *w, lane *L, seq *s) {
    int32_t cand[NGRAM_MODELS + 1];
    for (int k = 0; k < NGRAM_MODELS; k++) cand[k] = ngram_top(&s->M->gm, &s->gq, k);
    cand[NGRAM_MODELS] = w->adapt ? s->mq.pred : -1;
    if (w->own_match && s->oq.pred >= 0 && (cand[NGRAM_MODELS] < 0 || L->freq[s->oq.pred] > L->freq[cand[NGRAM_MODELS]]))
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

/* Second step of sse.h: token t's cumulative frequency among the tokens other than top (total 2^28 - f_top). */
static uint32_t cum_without_top(const lane *L, const seq *s, int32_t t) {
    return L->cum[t] - (t > s->top ? s->ftop : 0);
}

/* Code token t (encoder), in one step or in the two of sse.h; returns the probability it was coded with. */
static double seq_encode(lane *L, seq *s, int32_t t) {
    if (!s->sse_on) {
        rc_encode(&s->enc, L->cum[t], L->freq[t]);
        return (double)L->freq[t] / RC_TOTAL;
    }
    if (t == s->top) {
        rc_encode(&s->enc, 0, s->fhit);
        return (double)s->fhit / RC_TOTAL;
    }
    uint32_t rest = RC_TOTAL - s->ftop;
    rc_encode(&s->enc, s->fhit, RC_TOTAL - s->fhit);
    rc_encode_total(&s->enc, cum_without_top(L, s, t), L->freq[t], rest);
    return (double)(RC_TOTAL - s->fhit) / RC_TOTAL * L->freq[t] / rest;
}

/* Decode the next token: the counterpart of seq_encode. */
static int32_t seq_decode(worker *w, lane *L, seq *s) {
    if (!s->sse_on) {
        int t = freq_find(L->cum, w->V, rc_decode_target(&s->dec));
        rc_decode_update(&s->dec, L->cum[t], L->freq[t]);
        return t;
    }
    if (rc_decode_target(&s->dec) < s->fhit) {
        rc_decode_update(&s->dec, 0, s->fhit);
        return s->top;
    }
    rc_decode_update(&s->dec, s->fhit, RC_TOTAL - s->fhit);
    uint32_t rest = RC_TOTAL - s->ftop, x = rc_decode_target_total(&s->dec, rest);
    int t = freq_find(L->cum, w->V, x < L->cum[s->top] ? x : x + s->ftop); /* skipping top's interval */
    rc_decode_update_total(&s->dec, cum_without_top(L, s, t), L->freq[t], rest);
    return t;
}

/* Code the token predicted by row r of this sequence: encode the known token, or decode one. */
static int seq_code(worker *w, lane *L, seq *s, int r) {
    const float *lg = L->logits + (size_t)(s->out0 + r - s->first_new) * w->V;
    int32_t t;
    if (!w->decode) {
        t = s->ids[s->done];
        double p = predict(w, L, s, lg, t);
        double q = seq_encode(L, s, t);
        if (!(p > 0.0)) p = 1e-300;
        L->model_bits += -log2(p);
        L->freq_bits += -log2(q);
        if (s->enc.overflow) return LLMZ_ERR_DST_TOO_SMALL;
    } else {
        predict(w, L, s, lg, -1);
        t = seq_decode(w, L, s);
        const uint8_t *tb;
        size_t tl = tok_bytes(w->m->tok, t, &tb), add = tl;
        if (s->crlf)
            for (size_t k = 0; k < tl; k++) add += tb[k] == '\n';
        if (s->dec.bad || tl == 0 || add > s->n - s->exp || s->done >= s->ids_cap) return LLMZ_ERR_CORRUPT;
        memcpy(s->dst + s->out, tb, tl);
        s->out += tl;
        s->exp += add;
        s->ids[s->done] = t;
    }
    s->done++;
    L->tokens++;
    if (w->adapt || w->ngram) { /* what the updates need from this step's buffers */
        s->u_lm = L->f_lm[t];
        s->u_cached = L->f_cached[t];
        s->u_freq = L->freq[t];
    }
    /* the table entries the updates and the next step will use, fetched while other work goes on */
    if (w->adapt) match_prefetch(&s->M->mm, s->ids, s->done);
    if (w->own_match) match_prefetch(&s->om, s->ids, s->done);
    if (w->sse) sse_prefetch(&s->M->ss, t);
    return LLMZ_OK;
}

/* After seq_code: the online models learn the token just coded. */
static void seq_learn(worker *w, seq *s) {
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

/* Rows for the chunks of slots first, first + stride, ... in lane L, evaluated; L->rc: the first error. */
static void lane_forward(worker *w, lane *L, int first, int stride) {
    L->nr = 0;
    L->nout = 0;
    L->rc = LLMZ_OK;
    for (int i = first; i < w->nslots; i += stride) {
        seq *s = &w->slots[i];
        s->nrows = 0;
        if (seq_coding(w, s) && !seq_rows(w, L, s, &L->nr, w->grow) && w->grouped)
            L->rc = LLMZ_ERR_NOMEM; /* cannot happen: a group's batch has room for all its rows */
    }
    if (L->nr > 0 && L->rc == LLMZ_OK) L->rc = tf_forward_out(w->m->tf, w->ks, L->b, L->rs, L->rows, L->nr, L->outs, L->nout, L->logits);
}

/* Grouped: code step j of those chunks (their token predicted by the batch's row first_new + j). */
static void lane_code(worker *w, lane *L, int first, int stride, int j) {
    for (int i = first; i < w->nslots && L->rc == LLMZ_OK; i += stride) {
        seq *s = &w->slots[i];
        if (s->active && s->nrows > 0 && s->first_new + j < s->row0 + s->nrows) L->rc = seq_code(w, L, s, s->first_new + j);
    }
}

typedef struct {
    worker *w;
    int code, j; /* code = 0: evaluate, then code step 0; 1: code step j */
} lanes_arg;

/* Team phase: member i runs lanes i, i + nt, ... */
static void ph_lanes(void *arg, int i, int nt) {
    lanes_arg *a = arg;
    worker *w = a->w;
    for (int l = i; l < w->nlanes; l += nt) {
        lane *L = &w->lanes[l];
        if (!a->code) {
            lane_forward(w, L, l, w->nlanes);
            lane_code(w, L, l, w->nlanes, 0);
        } else {
            lane_code(w, L, l, w->nlanes, a->j);
        }
    }
}

/* One team phase over the lanes; the first lane's error. */
static int run_lanes(worker *w, lanes_arg *a) {
    team_run(w->team, ph_lanes, a);
    for (int l = 0; l < w->nlanes; l++)
        if (w->lanes[l].rc) return w->lanes[l].rc;
    return LLMZ_OK;
}

/* Grouped: the models learn step j's tokens, chunk by chunk. */
static void group_learn(worker *w, int j) {
    for (int i = 0; i < w->nslots; i++) w->glen[i] = w->slots[i].done;
    for (int i = 0; i < w->nslots; i++) {
        seq *s = &w->slots[i];
        if (s->active && s->nrows > 0 && s->first_new + j < s->row0 + s->nrows) seq_learn(w, s);
    }
}

/* Grouped, after the batch's rows are gathered: the steps it codes (the most new rows of a chunk). */
static int group_steps(const worker *w) {
    int steps = 0;
    for (int i = 0; i < w->nslots; i++) {
        const seq *s = &w->slots[i];
        int m = s->active && s->nrows > 0 ? s->row0 + s->nrows - s->first_new : 0;
        if (m > steps) steps = m;
    }
    return steps;
}

/* One batch of a chunk group, whose chunks code in lockstep: at each step every chunk codes its token from the
** models as the previous step left them, then the models learn the step's tokens in chunk order.  On a team,
** each member evaluates and codes the chunks of its lanes; when one chunk is left, the whole team helps
** with its evaluations instead. */
static int group_step(worker *w) {
    int active = coding_slots(w), rc = LLMZ_OK;
    if (active == 0) return LLMZ_OK;
    if (active == 1 || w->nlanes == 1) { /* lane 0 on this thread (with the team's help, if any) */
        lane *L = &w->lanes[0];
        if (w->team) tf_batch_pause_team(L->b, 0);
        lane_forward(w, L, 0, 1);
        for (int j = 0, steps = group_steps(w); j < steps && L->rc == LLMZ_OK; j++) {
            lane_code(w, L, 0, 1, j);
            if (L->rc == LLMZ_OK) group_learn(w, j);
        }
        rc = L->rc;
    } else {
        tf_batch_pause_team(w->lanes[0].b, 1); /* without a team (threads could not start) the lanes run in turn */
        lanes_arg a = {w, 0, 0};
        rc = run_lanes(w, &a);
        for (int j = 0, steps = group_steps(w); j < steps && !rc; j++) {
            if (j > 0) { /* step 0 was coded with the evaluation */
                a.code = 1;
                a.j = j;
                if ((rc = run_lanes(w, &a))) break;
            }
            group_learn(w, j);
        }
    }
    /* a group stops as a whole; an encoder whose chunk came out too big codes the frame again ungrouped */
    return rc == LLMZ_ERR_DST_TOO_SMALL && !w->decode ? GROUP_FALLBACK : rc;
}

/* One batch over every active sequence: gather rows, evaluate the model once, then code the tokens, one chunk
** after the other (chunks coded alone). */
static int worker_step(worker *w) {
    if (w->grouped) return group_step(w);
    lane *L = &w->lanes[0];
    lane_forward(w, L, 0, 1);
    if (L->rc) return L->rc;
    for (int i = 0; i < w->nslots; i++) {
        seq *s = &w->slots[i];
        if (!s->active || s->nrows == 0) continue;
        for (int r = s->first_new; r < s->row0 + s->nrows && !s->err; r++) {
            int rc = seq_code(w, L, s, r);
            if (rc) s->err = rc; /* this chunk stops; the caller decides (raw fallback or error) */
            else seq_learn(w, s);
        }
    }
    return LLMZ_OK;
}

/* Chunks one decoder thread advances together at most.  More rows per batch reuse the weights better, but
** each chunk has its own KV cache (1.5 MB with the default model), and too many no longer fit in the CPU
** caches.  2 threads, each with its fair share of the chunks (below): book2 (10 chunks) 3 + 2 slots 9.1 s,
** 5 slots 8.4 s; book1 (12 chunks) 3 + 3 9.5 s, 6 slots 9.0 s; 2 MB of dickens (16 chunks) 4 + 4 22.0 s,
** 8 slots 23.0 s. */
#ifndef LLMZ_DECODE_SLOTS
#define LLMZ_DECODE_SLOTS 6
#endif

/* ---- frame jobs: chunks spread over worker threads -------------------------------------------------- */

typedef struct {
    const llmz_model *m;
    const kernel_set *ks;
    frame_header *h;
    frame_chunk *chunks;
    const uint8_t *src; /* compress: input; decompress: frame */
    uint8_t *dst;       /* compress: per-chunk scratch (chunk_size each); decompress: output */
    uint64_t *offs;     /* decompress: payload offset of each chunk */
    int decode, slots;
    uint32_t quota; /* decoder: chunks one worker takes at most (0: no limit) */
    int team_n; /* threads per worker: > 1 when there are fewer chunks (or chunk groups) than threads */
    atomic_uint next;
    atomic_int err;
    pthread_mutex_t lock;
    double model_bits, freq_bits;
    uint64_t tokens;
} job;

/* 1 if the chunk has at least one CRLF and every CR and every LF belongs to a CRLF pair: then removing
** the CRs is undone exactly by writing CR before every LF. */
static int crlf_only(const uint8_t *p, size_t n) {
    size_t pairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r') {
            if (i + 1 >= n || p[i + 1] != '\n') return 0;
            pairs++;
            i++;
        } else if (p[i] == '\n') {
            return 0;
        }
    }
    return pairs > 0;
}

/* Encoder shortcut, integer only (so every machine decides alike): a chunk of at least 4 KiB whose 256
** byte counts all lie within +-(n/256)/4 + 16 of uniform is already compressed or random data; the model
** could not code it in fewer bytes, so it is stored raw at once. */
static int looks_random(const uint8_t *p, size_t n) {
    if (n < 4096) return 0;
    uint32_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[p[i]]++;
    uint64_t mean = n / 256, tol = mean / 4 + 16;
    for (int b = 0; b < 256; b++)
        if (cnt[b] + tol < mean || cnt[b] > mean + tol) return 0;
    return 1;
}

/* Chunk counts and coded payload bits of a frame, for llmz_stats. */
static void chunk_stats(llmz_stats *st, const frame_chunk *chunks, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        st->raw_chunks += chunks[i].method == FRAME_METHOD_RAW;
        if (chunks[i].method != FRAME_METHOD_RAW) st->coded_bits += 8.0 * chunks[i].comp_size;
    }
}

static void models_reset(worker *w, models *M) {
    if (w->adapt) match_reset(&M->mm);
    if (w->ngram) ngram_reset(&M->gm);
    if (w->sse) sse_reset(&M->ss);
}

static int seq_start(job *J, worker *w, seq *s, uint32_t i) {
    const frame_header *h = J->h;
    frame_chunk *c = &J->chunks[i];
    uint64_t start = (uint64_t)i * h->chunk_size;
    s->idx = i;
    s->n = frame_chunk_orig(h, i);
    s->done = s->out = s->exp = 0;
    s->crlf = 0;
    s->err = 0;
    s->active = 1;
    s->stored = 0;
    tf_state_reset(s->st);
    if (!w->grouped) models_reset(w, s->M);
    match_seq_reset(&s->mq);
    ngram_seq_reset(&s->gq);
    s->gq.own = w->own_match ? (uint32_t)s->self + 1 : 0;
    if (w->adapt) cache_reset(&s->cm);
    if (w->bias) bias_reset(&s->bm);
    if (w->own_match) match_reset(&s->om);
    match_seq_reset(&s->oq);
    if (!J->decode) {
        s->src = J->src + start;
        s->dst = J->dst + (size_t)i * h->chunk_size;
        c->crc = crc32_update(0, s->src, s->n);
        if (looks_random(s->src, s->n)) { /* store without running the model */
            s->ntok = 0;
            s->stored = 1;
            s->err = LLMZ_ERR_DST_TOO_SMALL;
            return LLMZ_OK;
        }
        const uint8_t *text = s->src;
        size_t tn = s->n;
        s->crlf = s->norm && crlf_only(s->src, s->n);
        if (s->crlf) { /* code the text with LF line ends: the model was trained on them */
            tn = 0;
            for (size_t k = 0; k < s->n; k++)
                if (s->src[k] != '\r') s->norm[tn++] = s->src[k];
            text = s->norm;
        }
        long k = tok_encode(w->m->tok, s->ids, s->ids_cap, text, tn);
        if (k < 0) return LLMZ_ERR_PARAM;
        s->ntok = (size_t)k;
        rc_enc_init(&s->enc, s->dst, s->n - 1); /* must end up smaller than the input, else stored raw */
        return LLMZ_OK;
    }
    s->dst = J->dst + start;
    s->crlf = c->method == FRAME_METHOD_MODEL_CRLF;
    if (c->method == FRAME_METHOD_RAW) { /* in a group too: a raw chunk takes no part in the group's models */
        memcpy(s->dst, J->src + J->offs[i], s->n);
        s->out = s->exp = s->n;
    } else {
        rc_dec_init(&s->dec, J->src + J->offs[i], c->comp_size);
    }
    return LLMZ_OK;
}

/* A sequence is done (or failed): settle its chunk.  Returns an error only for real failures. */
static int seq_end(job *J, worker *w, seq *s, double bits0, double fbits0, uint64_t tok0) {
    frame_chunk *c = &J->chunks[s->idx];
    s->active = 0;
    if (!J->decode) {
        size_t len = s->err ? 0 : rc_enc_finish(&s->enc);
        if (s->err && s->err != LLMZ_ERR_DST_TOO_SMALL) return s->err;
        if ((len == 0 || len >= s->n) && w->grouped && !s->stored) return GROUP_FALLBACK;
        if (len == 0 || len >= s->n) { /* incompressible: store */
            c->method = FRAME_METHOD_RAW;
            c->comp_size = (uint32_t)s->n;
            memcpy(s->dst, s->src, s->n);
            if (!w->grouped) { /* its statistics go (chunks coded alone: one lane) */
                w->lanes[0].model_bits = bits0;
                w->lanes[0].freq_bits = fbits0;
                w->lanes[0].tokens = tok0;
            }
        } else {
            c->method = s->crlf ? FRAME_METHOD_MODEL_CRLF : FRAME_METHOD_MODEL;
            c->comp_size = (uint32_t)len;
        }
        return LLMZ_OK;
    }
    if (s->err) return s->err == LLMZ_ERR_PARAM ? LLMZ_ERR_CORRUPT : s->err;
    if (c->method != FRAME_METHOD_RAW && !rc_dec_ok(&s->dec)) return LLMZ_ERR_CORRUPT;
    if (s->crlf) { /* LF -> CRLF in place, from the end */
        size_t i = s->out, j = s->n;
        while (i > 0) {
            uint8_t ch = s->dst[--i];
            s->dst[--j] = ch;
            if (ch == '\n') s->dst[--j] = '\r';
        }
    }
    if (crc32_update(0, s->dst, s->n) != c->crc) return LLMZ_ERR_CHECKSUM;
    return LLMZ_OK;
}

static void job_fail(job *J, int rc) {
    int z = 0;
    atomic_compare_exchange_strong(&J->err, &z, rc);
}

/* A worker thread: the caller's thread runs it with no_quota set when some threads failed to start, and
** then takes whatever chunks the others leave. */
typedef struct {
    job *J;
    int no_quota;
} job_arg;

/* Slots of a worker that codes chunk groups: the largest group's chunks. */
static int group_slots(uint32_t n_chunks) { return n_chunks < FRAME_GROUP ? (int)n_chunks : FRAME_GROUP; }

/* A worker's statistics go to the job; the worker is freed. */
static void finish_thread(job *J, worker *w) {
    pthread_mutex_lock(&J->lock);
    for (int l = 0; l < w->nlanes; l++) {
        J->model_bits += w->lanes[l].model_bits;
        J->freq_bits += w->lanes[l].freq_bits;
        J->tokens += w->lanes[l].tokens;
    }
    pthread_mutex_unlock(&J->lock);
    worker_free(w);
}

/* Frame flag bit 7: the worker takes whole chunk groups (chunks FRAME_GROUP g .. FRAME_GROUP g + FRAME_GROUP - 1),
** each chunk of a group in the slot of its place in the group, and codes each group to its end. */
static void group_thread(job *J, worker *w) {
    uint32_t n = J->h->n_chunks, groups = (n + FRAME_GROUP - 1) / FRAME_GROUP;
    int rc = LLMZ_OK;
    while (!atomic_load(&J->err)) {
        uint32_t g = atomic_fetch_add(&J->next, 1);
        if (g >= groups) break;
        uint32_t c0 = g * FRAME_GROUP, k = n - c0 < FRAME_GROUP ? n - c0 : FRAME_GROUP;
        models_reset(w, &w->mods[0]);
        for (int i = 0; i < w->nslots; i++) {
            w->slots[i].active = 0;
            w->glen[i] = 0;
        }
        for (uint32_t i = 0; i < k && !rc; i++) rc = seq_start(J, w, &w->slots[i], c0 + i);
        while (!rc && !atomic_load(&J->err) && coding_slots(w) > 0) rc = worker_step(w);
        for (uint32_t i = 0; i < k && !rc; i++)
            if (w->slots[i].active) rc = seq_end(J, w, &w->slots[i], 0, 0, 0); /* never stored raw after coding */
        if (rc) {
            job_fail(J, rc);
            break;
        }
    }
}

static void *job_thread(void *arg) {
    job *J = ((job_arg *)arg)->J;
    uint32_t quota = ((job_arg *)arg)->no_quota ? 0 : J->quota;
    /* the default floating-point environment (round to nearest, no flush-to-zero) whatever the host
    ** program set; the caller's environment is restored in run_job */
    fesetenv(FE_DFL_ENV);
    worker w;
    int grouped = (J->h->flags & FRAME_FLAG_GROUP) != 0;
    int rc = worker_init(&w, J->m, J->ks, J->h, J->decode, grouped ? group_slots(J->h->n_chunks) : J->decode ? J->slots : 1,
                         J->team_n);
    if (rc) {
        job_fail(J, rc);
        return NULL;
    }
    if (grouped) {
        group_thread(J, &w);
        finish_thread(J, &w);
        return NULL;
    }
    /* encoder statistics are rolled back for chunks stored raw: remember them per chunk start (encoder
    ** workers hold one chunk at a time) */
    double bits0 = 0, fbits0 = 0;
    uint64_t tok0 = 0;
    int more = 1;
    uint32_t taken = 0;
    while (!atomic_load(&J->err)) {
        int active = 0;
        for (int i = 0; i < w.nslots; i++) {
            seq *s = &w.slots[i];
            if (!s->active && more) {
                uint32_t c = quota && taken >= quota ? J->h->n_chunks : atomic_fetch_add(&J->next, 1);
                taken++;
                if (c >= J->h->n_chunks) {
                    more = 0;
                } else {
                    bits0 = w.lanes[0].model_bits, fbits0 = w.lanes[0].freq_bits, tok0 = w.lanes[0].tokens;
                    if ((rc = seq_start(J, &w, s, c))) {
                        job_fail(J, rc);
                        break;
                    }
                }
            }
            if (s->active && (s->err || seq_finished(&w, s))) {
                if ((rc = seq_end(J, &w, s, bits0, fbits0, tok0))) {
                    job_fail(J, rc);
                    break;
                }
                i--; /* refill this slot */
                continue;
            }
            active += s->active;
        }
        if (!active || atomic_load(&J->err)) break;
        if ((rc = worker_step(&w))) {
            job_fail(J, rc);
            break;
        }
    }
    finish_thread(J, &w);
    return NULL;
}

/* Run the job on up to `threads` threads (the calling thread included).  Chunks are independent, so the
** bytes produced do not depend on the thread count or on how chunks are batched. */
/* Threads that get chunks when n chunks go `per` at a time to `threads` threads (at least 1). */
static int job_workers(uint32_t n, uint32_t per, int threads) {
    uint32_t useful = (n + per - 1) / per;
    return (uint32_t)threads > useful ? (useful > 0 ? (int)useful : 1) : threads;
}

static int run_job(job *J, int threads) {
    fenv_t saved;
    fegetenv(&saved);
    atomic_init(&J->next, 0);
    atomic_init(&J->err, 0);
    pthread_mutex_init(&J->lock, NULL);
    int workers = (J->h->flags & FRAME_FLAG_GROUP)
                      ? job_workers((J->h->n_chunks + FRAME_GROUP - 1) / FRAME_GROUP, 1, threads)
                      : job_workers(J->h->n_chunks, J->decode ? (uint32_t)J->slots : 1, threads);
    /* spare threads help the workers evaluate the model, but only as many as there are CPUs: a team member
    ** waiting for a CPU stalls every fork-join of its team (the bytes do not depend on the team size) */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int helpers = cpus > 0 && cpus < threads ? (int)cpus : threads;
    J->team_n = helpers / workers > 1 ? helpers / workers : 1;
    /* decoding a small frame of one chunk a token at a time, ~20 fork-joins per token cost more than the
    ** team saves (measured, 2 cores: 13-16 KB files 0.38-0.43 s alone, 0.48-0.58 s with a helper) */
    if (J->decode && J->h->n_chunks == 1 && J->h->orig_size <= GROUP_SPLIT_MIN) J->team_n = 1;
    threads = workers;
    pthread_t tid[LLMZ_MAX_THREADS];
    int started = 0;
    job_arg helper_arg = {J, 0};
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[started], NULL, job_thread, &helper_arg) != 0) break; /* fewer threads: same bytes */
        started++;
    }
    job_arg mine = {J, started < threads - 1};
    if (J->h->n_chunks > 0) job_thread(&mine);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&J->lock);
    fesetenv(&saved);
    return atomic_load(&J->err);
}

/* ---- compression ---------------------------------------------------------------------------------- */

uint32_t llmz_auto_chunk(uint64_t size) {
    uint64_t want = size / LLMZ_AUTO_CHUNKS, c = LLMZ_AUTO_CHUNK_MIN;
    while (c < want && c < LLMZ_AUTO_CHUNK_MAX) c <<= 1;
    if (size <= c) return (uint32_t)c; /* one chunk */
    /* equal chunks, an even number of them: no short last chunk, and decoders on 2, 4, ... threads get
    ** the same work each (the chunk count still depends on the size alone) */
    uint64_t n = (size + c - 1) / c;
    n += n & 1;
    return (uint32_t)((size + n - 1) / n);
}

size_t llmz_frame_bound(size_t size) {
    size_t chunks = size / 4096 + 1;
    return size + chunks * FRAME_CHUNK_ENTRY + FRAME_FIXED_LEN + 255 + FRAME_TAIL_LEN + FRAME_ADAPTER_FIXED + 255 + 4 + 4;
}

static void fill_header(frame_header *h, const llmz_model *m) {
    memset(h, 0, sizeof *h);
    h->version = LLMZ_FORMAT_VERSION;
    h->mode = FRAME_MODE_LOSSLESS;
    h->numerics = LLMZ_NUMERICS_VERSION;
    memcpy(h->model_fp, m->fp, 32);
    size_t nl = strlen(m->name);
    h->name_len = (uint8_t)(nl > 255 ? 255 : nl);
    memcpy(h->name, m->name, h->name_len);
    int ctx = tf_cfg(m->tf)->ctx;
    h->window = (uint16_t)ctx;
    h->keep = (uint16_t)(ctx / 4);
    if (m->has_adapter) {
        memcpy(h->adapter_fp, m->adapter_fp, 32);
        size_t al = strlen(m->adapter_name);
        h->aname_len = (uint8_t)(al > 255 ? 255 : al);
        memcpy(h->aname, m->adapter_name, h->aname_len);
    }
}

/* Whether a frame's model (base fingerprint, adapter) is m. */
static int same_model(const frame_header *h, const llmz_model *m) {
    if (memcmp(h->model_fp, m->fp, 32) != 0) return 0;
    if (!(h->flags & FRAME_FLAG_ADAPTER) != !m->has_adapter) return 0;
    return !m->has_adapter || memcmp(h->adapter_fp, m->adapter_fp, 32) == 0;
}

int llmz_compress_frame(llmz_cctx *c, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                        llmz_stats *stats) {
    if (!c || !dst_size || (!src && size) || (!dst && cap)) return LLMZ_ERR_PARAM;
    *dst_size = 0;
    const kernel_set *ks = kernels_get(c->kernels);
    if (!ks) return LLMZ_ERR_UNSUPPORTED;
    frame_header h;
    fill_header(&h, c->m);
    h.version = (uint8_t)c->format;
    h.chunk_size = c->chunk ? c->chunk : llmz_auto_chunk(size);
    if (!c->chunk && (c->adapt & LLMZ_ADAPT_GROUP) && size > GROUP_SPLIT_MIN && size <= h.chunk_size)
        h.chunk_size = (uint32_t)((size + 1) / 2); /* two chunks in one group: decoders advance both at once */
    h.flags = (uint8_t)(((c->adapt & LLMZ_ADAPT_MATCH) ? FRAME_FLAG_ADAPT : 0) | (c->eol ? FRAME_FLAG_EOL : 0) |
                        ((c->adapt & LLMZ_ADAPT_NGRAM) ? FRAME_FLAG_NGRAM : 0) |
                        ((c->adapt & LLMZ_ADAPT_LINE) ? FRAME_FLAG_LINE : 0) |
                        ((c->adapt & LLMZ_ADAPT_FIELD) ? FRAME_FLAG_FIELD : 0) |
                        ((c->adapt & LLMZ_ADAPT_SSE) ? FRAME_FLAG_SSE : 0) |
                        ((c->adapt & LLMZ_ADAPT_GROUP) ? FRAME_FLAG_GROUP : 0) |
                        (c->m->has_adapter ? FRAME_FLAG_ADAPTER : 0));
    h.orig_size = size;
    uint64_t nc = ((uint64_t)size + h.chunk_size - 1) / h.chunk_size;
    if (nc > 0xffffffffu) return LLMZ_ERR_PARAM;
    h.n_chunks = (uint32_t)nc;
    if (h.n_chunks < 2) h.flags &= (uint8_t)~FRAME_FLAG_GROUP; /* a group of one is a chunk coded alone */
    size_t hlen = frame_header_len(&h);
    if (cap < hlen) return LLMZ_ERR_DST_TOO_SMALL;
    frame_chunk *chunks = llmz_calloc(h.n_chunks + 1, sizeof *chunks);
    uint8_t *scratch = size ? llmz_malloc((size_t)h.n_chunks * h.chunk_size) : NULL;
    if (!chunks || (size && !scratch)) {
        llmz_free(chunks);
        llmz_free(scratch);
        return LLMZ_ERR_NOMEM;
    }
    job J;
    memset(&J, 0, sizeof J);
    J.m = c->m;
    J.ks = ks;
    J.h = &h;
    J.chunks = chunks;
    J.src = src;
    J.dst = scratch;
    J.slots = 1;
    int rc = run_job(&J, c->threads);
    if (rc == LLMZ_OK) {
        uint64_t total = hlen;
        for (uint32_t i = 0; i < h.n_chunks; i++) total += chunks[i].comp_size;
        if (total > cap) {
            rc = LLMZ_ERR_DST_TOO_SMALL;
        } else {
            uint8_t *o = dst;
            frame_write_header(o, cap, &h, chunks);
            size_t pos = hlen;
            for (uint32_t i = 0; i < h.n_chunks; i++) {
                memcpy(o + pos, scratch + (size_t)i * h.chunk_size, chunks[i].comp_size);
                pos += chunks[i].comp_size;
            }
            *dst_size = pos;
            if (stats) {
                memset(stats, 0, sizeof *stats);
                stats->in_bytes = size;
                stats->out_bytes = pos;
                stats->tokens = J.tokens;
                stats->chunks = h.n_chunks;
                stats->model_bits = J.model_bits;
                stats->freq_bits = J.freq_bits;
                chunk_stats(stats, chunks, h.n_chunks);
            }
        }
    }
    llmz_free(chunks);
    llmz_free(scratch);
    if (rc == GROUP_FALLBACK) { /* a chunk of a group came out larger than stored: no groups in this frame */
        llmz_cctx c2 = *c;
        c2.adapt &= ~LLMZ_ADAPT_GROUP;
        return llmz_compress_frame(&c2, dst, cap, dst_size, src, size, stats);
    }
    return rc;
}

/* ---- frame inspection and decompression ------------------------------------------------------------ */

int llmz_frame_header_size(const void *src, size_t avail, size_t *need) {
    if (!need || (!src && avail)) return LLMZ_ERR_PARAM;
    frame_header h;
    int rc = frame_parse_header(&h, src, avail, need);
    if (rc) return rc;
    return avail < *need ? LLMZ_ERR_TRUNCATED : LLMZ_OK;
}

static int parse_frame(frame_header *h, frame_chunk **chunks, uint64_t *payload, const uint8_t *src, size_t avail) {
    size_t need;
    int rc = frame_parse_header(h, src, avail, &need);
    if (rc) return rc;
    if (avail < need) return LLMZ_ERR_TRUNCATED;
    *chunks = llmz_calloc((size_t)h->n_chunks + 1, sizeof **chunks);
    if (!*chunks) return LLMZ_ERR_NOMEM;
    rc = frame_parse_table(*chunks, h, src, avail, payload);
    if (rc) {
        llmz_free(*chunks);
        *chunks = NULL;
    }
    return rc;
}

int llmz_frame_get_info(llmz_frame_info *info, const void *src, size_t avail) {
    if (!info || (!src && avail)) return LLMZ_ERR_PARAM;
    frame_header h;
    frame_chunk *chunks;
    uint64_t payload;
    int rc = parse_frame(&h, &chunks, &payload, src, avail);
    if (rc) return rc;
    memset(info, 0, sizeof *info);
    info->orig_size = h.orig_size;
    info->header_size = (uint32_t)frame_header_len(&h);
    info->frame_size = info->header_size + payload;
    info->n_chunks = h.n_chunks;
    for (uint32_t i = 0; i < h.n_chunks; i++) info->raw_chunks += chunks[i].method == FRAME_METHOD_RAW;
    info->chunk_size = h.chunk_size;
    info->format_version = h.version;
    info->numerics_version = h.numerics;
    info->mode = h.mode;
    info->flags = h.flags;
    info->window = h.window;
    info->keep = h.keep;
    memcpy(info->model_fp, h.model_fp, 32);
    memcpy(info->model_name, h.name, (size_t)h.name_len + 1);
    if (h.flags & FRAME_FLAG_ADAPTER) {
        info->has_adapter = 1;
        memcpy(info->adapter_fp, h.adapter_fp, 32);
        memcpy(info->adapter_name, h.aname, (size_t)h.aname_len + 1);
    }
    llmz_free(chunks);
    return LLMZ_OK;
}

/* How a decoder spreads n chunks over T threads: batch several chunks per thread, but keep every thread busy:
** each thread takes at most its fair share *quota of the chunks, in as many waves of at most
** LLMZ_DECODE_SLOTS as needed, spread evenly (10 chunks on 2 threads: 5 + 5 at once, not 3 + 3 and then
** 3 + 1 as slots free up); *slots chunk states per thread. */
static void decode_plan(uint32_t n, int threads, int *slots, uint32_t *quota) {
    uint32_t T = (uint32_t)threads, q = (n + T - 1) / T;
    uint32_t waves = (q + LLMZ_DECODE_SLOTS - 1) / LLMZ_DECODE_SLOTS;
    if (waves < 1) waves = 1;
    uint32_t per = (q + waves - 1) / waves;
    *slots = per < 1 ? 1 : (int)per; /* <= LLMZ_DECODE_SLOTS by the choice of waves */
    *quota = q;
}

/* Bytes of a lane of `rows` rows (lane_init), of a slot's chunk state (worker_init) and of a set of online
** models (models_reset's tables). */
static uint64_t lane_bytes(const llmz_model *m, uint64_t rows) {
    uint64_t V = (uint64_t)tf_cfg(m->tf)->vocab;
    return tf_batch_bytes(m->tf, (int)rows) + llmz_mem_footprint(rows * V * sizeof(float)) +
           V * (2 * sizeof(float) + 4 * sizeof(uint32_t)) +
           rows * (2 * sizeof(int32_t) + sizeof(tf_state *));
}

static uint64_t slot_bytes(const llmz_model *m, uint32_t chunk_size, uint8_t flags, int version) {
    int V = tf_cfg(m->tf)->vocab;
    return sizeof(seq) + tf_state_bytes(m->tf) + ((uint64_t)chunk_size + 1) * sizeof(int32_t) +
           ((flags & FRAME_FLAG_ADAPT) ? cache_bytes(V) + (version >= 3 ? bias_bytes(V) : 0) : 0) +
           ((flags & FRAME_FLAG_ADAPT) && (flags & FRAME_FLAG_GROUP) && version >= 3 ? match_bytes(MATCH_OWN_BITS) : 0);
}

static uint64_t models_bytes(const llmz_model *m, uint8_t flags, int version, uint32_t n_chunks) {
    int V = tf_cfg(m->tf)->vocab;
    uint64_t b = sizeof(models);
    if (flags & FRAME_FLAG_ADAPT) b += match_bytes(MATCH_HASH_BITS);
    if (flags & FRAME_FLAG_NGRAM)
        b += ngram_bytes((flags & FRAME_FLAG_SSE) != 0, (flags & FRAME_FLAG_GROUP) ? group_table_bits(n_chunks) : 0, version, V);
    if (flags & FRAME_FLAG_SSE) b += sse_bytes(V, version);
    return b;
}

/* Bytes the decoding workers hold for a frame (worker_init's allocations, for every worker run_job starts; a
** team's attention rows with the threads). */
static uint64_t decode_bytes(const llmz_model *m, uint32_t n_chunks, uint32_t chunk_size, uint16_t keep, uint8_t flags,
                             int version, int threads) {
    if (n_chunks == 0) return 0;
    uint64_t team_att = (uint64_t)threads * tf_cfg(m->tf)->ctx * sizeof(float);
    if (flags & FRAME_FLAG_GROUP) { /* workers take whole groups; with a team, a lane per member */
        uint64_t slots = (uint64_t)group_slots(n_chunks);
        uint64_t workers = (uint64_t)job_workers((n_chunks + FRAME_GROUP - 1) / FRAME_GROUP, 1, threads);
        uint64_t team_n = (uint64_t)threads / workers, nlanes = team_n > 1 ? (team_n < slots ? team_n : slots) : 1;
        uint64_t nmax = slots * ((uint64_t)keep + 1), rows = nlanes > 1 ? nmax / slots * ((slots + nlanes - 1) / nlanes) : nmax;
        return workers * (nlanes * lane_bytes(m, rows) + slots * slot_bytes(m, chunk_size, flags, version) + models_bytes(m, flags, version, n_chunks) +
                          slots * (sizeof(int32_t *) + sizeof(size_t)) + team_att);
    }
    int slots;
    uint32_t quota;
    decode_plan(n_chunks, threads, &slots, &quota);
    uint64_t workers = (uint64_t)job_workers(n_chunks, (uint32_t)slots, threads);
    uint64_t nmax = (uint64_t)slots + keep;
    return workers * (lane_bytes(m, nmax) + team_att +
                      (uint64_t)slots * (slot_bytes(m, chunk_size, flags, version) + models_bytes(m, flags, version, n_chunks) + sizeof(int32_t *) + sizeof(size_t)));
}

uint64_t llmz_dctx_frame_memory(const llmz_dctx *d, const llmz_frame_info *info) {
    if (!d || !info) return 0;
    /* the model (weights in kernel layout, its file's bytes for the tokenizer) and 4 MiB for the process itself */
    return info->orig_size + info->frame_size + (uint64_t)info->n_chunks * 16 +
           decode_bytes(d->m, info->n_chunks, info->chunk_size, info->keep, info->flags, info->format_version, d->threads) +
           tf_weight_bytes(d->m->tf) + d->m->size + (4ull << 20);
}

uint64_t llmz_frame_memory(const llmz_frame_info *info) {
    /* output + the frame itself + chunk table + per-thread model state (bounded by 64 MiB for any
    ** model this build accepts at the default context) */
    return info->orig_size + info->frame_size + (uint64_t)info->n_chunks * 16 + (64ull << 20);
}

int llmz_decompress_frame(llmz_dctx *d, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                          llmz_stats *stats) {
    if (!d || !dst_size || (!src && size) || (!dst && cap)) return LLMZ_ERR_PARAM;
    *dst_size = 0;
    const kernel_set *ks = kernels_get(d->kernels);
    if (!ks) return LLMZ_ERR_UNSUPPORTED;
    frame_header h;
    frame_chunk *chunks;
    uint64_t payload;
    int rc = parse_frame(&h, &chunks, &payload, src, size);
    if (rc) return rc;
    uint64_t hlen = frame_header_len(&h);
    if (size < hlen + payload) rc = LLMZ_ERR_TRUNCATED;
    else if (size > hlen + payload) rc = LLMZ_ERR_PARAM;
    else if (!same_model(&h, d->m)) rc = LLMZ_ERR_MODEL_MISMATCH;
    else if (h.window > tf_cfg(d->m->tf)->ctx) rc = LLMZ_ERR_CORRUPT;
    else if (cap < h.orig_size) rc = LLMZ_ERR_DST_TOO_SMALL;
    else if (d->memlimit) {
        llmz_frame_info fi;
        memset(&fi, 0, sizeof fi);
        fi.orig_size = h.orig_size;
        fi.frame_size = hlen + payload;
        fi.n_chunks = h.n_chunks;
        fi.chunk_size = h.chunk_size;
        fi.keep = h.keep;
        fi.flags = h.flags;
        fi.format_version = h.version;
        if (llmz_dctx_frame_memory(d, &fi) > d->memlimit) rc = LLMZ_ERR_MEMLIMIT;
    }
    uint64_t *offs = NULL;
    if (rc == LLMZ_OK) {
        offs = llmz_malloc(((size_t)h.n_chunks + 1) * sizeof *offs);
        if (!offs) rc = LLMZ_ERR_NOMEM;
    }
    if (rc == LLMZ_OK) {
        uint64_t o = hlen;
        for (uint32_t i = 0; i < h.n_chunks; i++) {
            offs[i] = o;
            o += chunks[i].comp_size;
        }
        job J;
        memset(&J, 0, sizeof J);
        J.m = d->m;
        J.ks = ks;
        J.h = &h;
        J.chunks = chunks;
        J.src = src;
        J.dst = dst;
        J.offs = offs;
        J.decode = 1;
        decode_plan(h.n_chunks, d->threads, &J.slots, &J.quota);
        rc = run_job(&J, d->threads);
        if (rc == LLMZ_OK) {
            *dst_size = (size_t)h.orig_size;
            if (stats) {
                memset(stats, 0, sizeof *stats);
                stats->in_bytes = size;
                stats->out_bytes = h.orig_size;
                stats->tokens = J.tokens;
                stats->chunks = h.n_chunks;
                chunk_stats(stats, chunks, h.n_chunks);
            }
        }
    }
    llmz_free(offs);
    llmz_free(chunks);
    return rc;
}

/* ---- choosing a model ------------------------------------------------------------------------------ */

int llmz_model_score(const llmz_model *m, const void *src, size_t size, size_t sample, double *bits) {
    if (!m || !bits || (!src && size)) return LLMZ_ERR_PARAM;
    *bits = 0.0;
    size_t n = size < sample ? size : sample;
    if (n == 0) return LLMZ_OK;
    const tf_config *cfg = tf_cfg(m->tf);
    const kernel_set *ks = kernels_get(0); /* every kernel set gives the same bits */
    int W = cfg->ctx, V = cfg->vocab;
    size_t cap = n + 1;
    int32_t *ids = llmz_malloc(cap * sizeof *ids), *in = llmz_malloc((size_t)W * sizeof *in);
    float *logits = llmz_malloc((size_t)W * V * sizeof *logits), *e = llmz_malloc((size_t)V * sizeof *e);
    uint32_t *freq = llmz_malloc((size_t)V * sizeof *freq);
    tf_state *st = tf_state_new(m->tf);
    tf_batch *b = tf_batch_new(m->tf, W);
    tf_state **sv = llmz_malloc((size_t)W * sizeof *sv); /* one state for every row of a window */
    int rc = (ids && in && logits && e && freq && st && b && sv && ks) ? LLMZ_OK : LLMZ_ERR_NOMEM;
    for (int r = 0; sv && r < W; r++) sv[r] = st;
    fenv_t saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    long nt = rc ? 0 : tok_encode(m->tok, ids, cap, src, n);
    if (nt < 0) rc = LLMZ_ERR_NOMEM;
    const double inv_ln2 = 1.0 / det_log(2.0);
    double sum = 0.0;
    /* windows of W tokens, each from a fresh state; the input before token j is token j - 1 (start token first) */
    for (long w0 = 0; rc == LLMZ_OK && w0 < nt; w0 += W) {
        int rows = nt - w0 < W ? (int)(nt - w0) : W;
        tf_state_reset(st);
        for (int r = 0; r < rows; r++) in[r] = w0 + r == 0 ? m->start_tok : ids[w0 + r - 1];
        rc = tf_forward(m->tf, ks, b, sv, in, rows, logits);
        for (int r = 0; rc == LLMZ_OK && r < rows; r++) {
            freq_from_logits(freq, e, logits + (size_t)r * V, V, -1, NULL, ks);
            sum += (double)RC_TOTAL_BITS - det_log((double)freq[ids[w0 + r]]) * inv_ln2;
        }
    }
    fesetenv(&saved);
    *bits = sum;
    llmz_free(sv);
    tf_batch_free(b);
    tf_state_free(st);
    llmz_free(freq);
    llmz_free(e);
    llmz_free(logits);
    llmz_free(in);
    llmz_free(ids);
    return rc;
}
