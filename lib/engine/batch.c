/*
** batch.c -- batches: which rows each chunk feeds the model next (the context rule, docs/format.md), one
** evaluation of the model per batch, then each chunk's tokens coded in order through its driver (compress.c or
** decompress.c) and learnt by the predictor; the lanes of a chunk group on a team of threads.  Owns a lane's
** buffers (lane_init, lane_bytes).  Knows neither direction: coding a token is the driver's, frequencies are the
** predictor's, which chunk goes where is jobs.c's.
*/
#include "common/mem.h"
#include "engine/engine.h"

uint64_t lane_bytes(const llmz_model *m, uint64_t rows) {
    uint64_t V = (uint64_t)tf_cfg(m->tf)->vocab;
    return tf_batch_bytes(m->tf, (int)rows) + llmz_mem_footprint(rows * V * sizeof(float)) +
           V * (2 * sizeof(float) + 5 * sizeof(uint32_t)) + 2 * sizeof(uint32_t) +
           rows * (2 * sizeof(int32_t) + sizeof(tf_state *));
}

void lane_free(lane *L) {
    tf_batch_free(L->b);
    llmz_free(L->logits);
    llmz_free(L->e);
    llmz_free(L->lb);
    llmz_free(L->freq);
    llmz_free(L->cum);
    llmz_free(L->fin);
    llmz_free(L->fng);
    llmz_free(L->bc);
    llmz_free(L->rows);
    llmz_free(L->outs);
    llmz_free(L->rs);
}

int lane_init(lane *L, const llmz_model *m, int nmax, int V) {
    L->nmax = nmax;
    L->b = tf_batch_new(m->tf, nmax);
    L->logits = llmz_malloc((size_t)nmax * V * sizeof(float));
    L->e = llmz_malloc((size_t)V * sizeof(float));
    L->lb = llmz_malloc((size_t)V * sizeof(float));
    L->freq = llmz_malloc((size_t)V * sizeof(uint32_t));
    L->cum = llmz_malloc(((size_t)V + 1) * sizeof(uint32_t));
    L->fin = llmz_malloc((size_t)V * sizeof(uint32_t));
    L->fng = llmz_malloc((size_t)V * sizeof(uint32_t));
    L->bc = llmz_malloc(((size_t)V + 1) * sizeof(uint32_t));
    L->V = V;
    L->rows = llmz_malloc((size_t)nmax * sizeof(int32_t));
    L->outs = llmz_malloc((size_t)nmax * sizeof(int32_t));
    L->rs = llmz_malloc((size_t)nmax * sizeof(tf_state *));
    int ok = L->b && L->logits && L->e && L->lb && L->freq && L->cum && L->fin && L->fng && L->bc && L->rows &&
             L->outs && L->rs;
    return ok ? LLMZ_OK : LLMZ_ERR_NOMEM;
}

/* Input u_j of a chunk: the start token, then the chunk's tokens. */
static int32_t input_at(const worker *w, const seq *s, size_t j) { return j == 0 ? w->m->start_tok : s->ids[j - 1]; }

int seq_coding(const worker *w, const seq *s) { return s->active && !s->err && !w->drv->finished(s); }

int coding_slots(const worker *w) {
    int n = 0;
    for (int i = 0; i < w->nslots; i++) n += seq_coding(w, &w->slots[i]);
    return n;
}

/* Append this sequence's rows for the next batch: re-fed inputs after a window restart (the state is
** reset when it already holds `window` inputs), then new inputs.  Returns 0 if not even one new input fits. */
static int seq_rows(const worker *w, lane *L, seq *s, int *nr, int grow) {
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
    /* a dictionary frame's prefix is known to both sides: the decoder evaluates it in batches too */
    size_t want = w->drv->one_input ? (s->done < s->pre ? s->pre - s->done : 1) : s->ntok - s->done;
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

/* The logits of row r of this sequence, in the batch of lane F. */
static const float *row_logits(const worker *w, const lane *F, const seq *s, int r) {
    return F->logits + (size_t)(s->out0 + r - s->first_new) * w->V;
}

/* Code the token that logits lg predict (the driver's step, with lane L's buffers), then the predictor notes it. */
static int seq_code(worker *w, lane *L, seq *s, const float *lg) {
    if (s->done < s->pre) { /* a dictionary token: the predictor's step and learning, nothing coded */
        pred_frequencies(w, L, s, lg, -1);
        s->done++;
        pred_coded(w, L, s, s->ids[s->done - 1]);
        return LLMZ_OK;
    }
    int rc = w->drv->code(w, L, s, lg);
    if (rc) return rc;
    s->done++;
    L->tokens++;
    pred_coded(w, L, s, s->ids[s->done - 1]);
    if (w->progress) { /* for a progress display in another thread: no effect on the bytes */
        const uint8_t *tb;
        atomic_fetch_add_explicit(w->progress, tok_bytes(w->m->tok, s->ids[s->done - 1], &tb), memory_order_relaxed);
    }
    return LLMZ_OK;
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
    if (L->nr > 0 && L->rc == LLMZ_OK)
        L->rc = tf_forward_out(w->m->tf, w->ks, L->b, L->rs, L->rows, L->nr, L->outs, L->nout, L->logits);
}

/* Grouped: chunk s codes a token at step j of this batch (the one its row first_new + j predicts). */
static int codes_at(const seq *s, int j) {
    return s->active && s->nrows > 0 && s->first_new + j < s->row0 + s->nrows;
}

/* Grouped: code step j of those chunks. */
static void lane_code(worker *w, lane *L, int first, int stride, int j) {
    for (int i = first; i < w->nslots && L->rc == LLMZ_OK; i += stride) {
        seq *s = &w->slots[i];
        if (codes_at(s, j))
            L->rc = seq_code(w, L, s, row_logits(w, L, s, s->first_new + j));
    }
}

/* Grouped: the chunks that coded step j are to learn its tokens (learn_due). */
static void mark_step(worker *w, int j) {
    for (int i = 0; i < w->nslots; i++) w->slots[i].learn_due = codes_at(&w->slots[i], j);
    w->learn_due = 1;
}

/* Grouped: the models learn the marked step's tokens, chunk by chunk (before anything is coded from them again). */
static void learn_due(worker *w) {
    if (!w->learn_due) return;
    for (int i = 0; i < w->nslots; i++) w->glen[i] = w->slots[i].done;
    for (int i = 0; i < w->nslots; i++) {
        seq *s = &w->slots[i];
        if (s->learn_due) pred_learn(w, s);
        s->learn_due = 0;
    }
    w->learn_due = 0;
}

void worker_settle(worker *w) { learn_due(w); }

/* A group's step on a team is one team phase.  Member 0 first learns the last step's tokens (learn_due: the
** models end as if learnt at the end of that step, and nothing reads them before), while every member
** evaluates its lane if the step starts a batch (an evaluation reads no model); then, once the learning is
** done, the members code the step's tokens, each taking its own lane's chunks first and then any chunk not yet
** begun of another lane whose evaluation is done: a member that is ahead (a lane's chunks can cost more, a core
** can run slower) takes work off the other instead of waiting at the end of the step.  A chunk is coded by
** exactly one member, with that member's lane's buffers and the logits of the chunk's own lane; which member
** codes it changes nothing in the bytes, and the tokens are learnt in chunk order at the next step. */
typedef struct { /* (a group has at most FRAME_GROUP slots, and at most as many lanes: sizing.c) */
    worker *w;
    int evaluate, j;                  /* evaluate the lanes first; the step to code: row first_new + j */
    atomic_int learnt;
    atomic_int evaluated[FRAME_GROUP]; /* lane l's batch is evaluated */
    atomic_int next[FRAME_GROUP];      /* lane l's chunks taken so far (slots l, l + nlanes, ...) */
    int rc[FRAME_GROUP];              /* each slot's coding */
} step_arg;

static void ph_step(void *arg, int i, int nt) {
    step_arg *a = arg;
    worker *w = a->w;
    int nl = w->nlanes;
    if (i == 0) {
        learn_due(w);
        atomic_store(&a->learnt, 1);
    }
    if (a->evaluate)
        for (int l = i; l < nl; l += nt) {
            lane_forward(w, &w->lanes[l], l, nl);
            atomic_store(&a->evaluated[l], 1);
        }
    if (i >= nl) return; /* a member without a lane has no buffers to code with */
    lane *S = &w->lanes[i];
    int spins = 0;
    while (!atomic_load(&a->learnt)) team_relax(&spins);
    for (int d = 0; d < nl; d++) {
        int l = (i + d) % nl;
        const lane *F = &w->lanes[l];
        /* (its own lane is evaluated by now: by itself, or without a team by member 0 before coding anything) */
        if (!atomic_load(&a->evaluated[l]) || F->rc) continue; /* not yet: that lane's member codes its chunks */
        for (;;) {
            int slot = l + atomic_fetch_add(&a->next[l], 1) * nl;
            if (slot >= w->nslots) break;
            seq *s = &w->slots[slot];
            if (codes_at(s, a->j))
                a->rc[slot] = seq_code(w, S, s, row_logits(w, F, s, s->first_new + a->j));
        }
    }
}

/* Step j of a group on a team (evaluating the lanes first: j = 0); its tokens are learnt at the next step (or by
** worker_settle).  The first lane's evaluation error, else the first chunk's coding error. */
static int team_step(worker *w, int j) {
    step_arg a = {.w = w, .evaluate = j == 0, .j = j};
    atomic_init(&a.learnt, 0);
    for (int l = 0; l < w->nlanes; l++) {
        atomic_init(&a.evaluated[l], j > 0);
        atomic_init(&a.next[l], 0);
    }
    for (int i = 0; i < w->nslots; i++) a.rc[i] = LLMZ_OK;
    team_run(w->team, ph_step, &a);
    for (int l = 0; l < w->nlanes; l++)
        if (w->lanes[l].rc) return w->lanes[l].rc;
    for (int i = 0; i < w->nslots; i++)
        if (a.rc[i]) return a.rc[i];
    mark_step(w, j);
    return LLMZ_OK;
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
** each member evaluates and codes the chunks of its lane, and the tokens of a step are learnt at the start of the
** next (team_step); when one chunk is left, the whole team helps with its evaluations instead.  A group stops as
** a whole at the first error. */
static int group_step(worker *w) {
    int active = coding_slots(w);
    if (active == 0) return LLMZ_OK;
    if (active == 1 || w->nlanes == 1) { /* lane 0 on this thread (with the team's help, if any) */
        learn_due(w);                    /* (what team_step left) */
        lane *L = &w->lanes[0];
        if (w->team) tf_batch_pause_team(L->b, 0);
        lane_forward(w, L, 0, 1);
        for (int j = 0, steps = group_steps(w); j < steps && L->rc == LLMZ_OK; j++) {
            lane_code(w, L, 0, 1, j);
            if (L->rc == LLMZ_OK) {
                mark_step(w, j);
                learn_due(w);
            }
        }
        return L->rc;
    }
    tf_batch_pause_team(w->lanes[0].b, 1); /* without a team (threads could not start) the lanes run in turn */
    int rc = team_step(w, 0);
    for (int j = 1, steps = group_steps(w); j < steps && !rc; j++) rc = team_step(w, j);
    return rc;
}

/* Chunks coded alone: one batch over every active sequence, then their tokens, one chunk after the other. */
int worker_step(worker *w) {
    if (w->grouped) return group_step(w);
    lane *L = &w->lanes[0];
    lane_forward(w, L, 0, 1);
    if (L->rc) return L->rc;
    for (int i = 0; i < w->nslots; i++) {
        seq *s = &w->slots[i];
        if (!s->active || s->nrows == 0) continue;
        for (int r = s->first_new; r < s->row0 + s->nrows && !s->err; r++) {
            int rc = seq_code(w, L, s, row_logits(w, L, s, r));
            if (rc) s->err = rc; /* this chunk stops; the driver decides (raw fallback or error) */
            else pred_learn(w, s);
        }
    }
    return LLMZ_OK;
}
