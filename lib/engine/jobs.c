/*
** jobs.c -- a frame's chunks spread over worker threads: each thread builds a worker (worker.c) of the shape
** engine_plan gives, takes chunks (or whole chunk groups) from a shared counter, starts, steps and settles them
** through the job's driver, and adds its statistics to the job's.  Knows neither direction and no sizes of its
** own; the bytes never depend on how many threads run or which chunk each takes.
*/
#include <fenv.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"

void job_init(job *J, const llmz_model *m, const kernel_set *ks, const driver *drv, frame_header *h,
              frame_chunk *chunks, const uint8_t *src, uint8_t *dst) {
    memset(J, 0, sizeof *J);
    J->m = m;
    J->ks = ks;
    J->drv = drv;
    J->h = h;
    J->chunks = chunks;
    J->src = src;
    J->dst = dst;
    J->first = 0;
    J->end = h->n_chunks;
}

void job_stats(llmz_stats *st, const job *J, uint64_t in_bytes, uint64_t out_bytes) {
    memset(st, 0, sizeof *st);
    st->in_bytes = in_bytes;
    st->out_bytes = out_bytes;
    st->tokens = J->tokens;
    st->chunks = J->h->n_chunks;
    st->model_bits = J->model_bits; /* 0 when decoding: the model figures need the encoder's tokens */
    st->freq_bits = J->freq_bits;
    for (uint32_t i = 0; i < J->h->n_chunks; i++) {
        st->raw_chunks += J->chunks[i].method == FRAME_METHOD_RAW;
        if (J->chunks[i].method != FRAME_METHOD_RAW) st->coded_bits += 8.0 * J->chunks[i].comp_size;
    }
}

void engine_add_stats(llmz_stats *sum, const llmz_stats *s) {
    sum->in_bytes += s->in_bytes;
    sum->out_bytes += s->out_bytes;
    sum->tokens += s->tokens;
    sum->raw_chunks += s->raw_chunks;
    sum->chunks += s->chunks;
    sum->model_bits += s->model_bits;
    sum->coded_bits += s->coded_bits;
    sum->freq_bits += s->freq_bits;
}

void seq_begin(const job *J, const worker *w, seq *s, uint32_t i) {
    s->idx = i;
    s->n = frame_chunk_orig(J->h, i);
    s->done = s->out = s->exp = 0;
    s->crlf = 0;
    s->err = 0;
    s->learn_due = 0;
    s->active = 1;
    s->stored = 0;
    s->bytes = 0;
    s->cm_len = 0;
    s->x86 = 0;
    s->mx_on = 0;
    s->pre = s->ntok = J->h->npre; /* a dictionary frame: its tokens come first, learnt, not coded */
    if (s->pre) memcpy(s->ids, J->h->pre, s->pre * sizeof *s->ids);
    tf_state_reset(s->st);
    if (J->prime) prime_restore(J->prime, w, s); /* the dictionary's tokens learnt once per context, not per chunk */
    else pred_seq_reset(w, s);
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
    uint32_t n = J->h->n_chunks, groups = (J->end + FRAME_GROUP - 1) / FRAME_GROUP;
    int rc = LLMZ_OK;
    while (!atomic_load(&J->err)) {
        uint32_t g = J->first / FRAME_GROUP + atomic_fetch_add(&J->next, 1);
        if (g >= groups) break;
        uint32_t c0 = g * FRAME_GROUP, k = n - c0 < FRAME_GROUP ? n - c0 : FRAME_GROUP;
        pred_models_reset(w, &w->mods[0]);
        for (int i = 0; i < w->nslots; i++) {
            w->slots[i].active = 0;
            w->glen[i] = 0;
        }
        for (uint32_t i = 0; i < k && !rc; i++) rc = J->drv->start(J, w, &w->slots[i], c0 + i);
        while (!rc && !atomic_load(&J->err) && coding_slots(w) > 0) rc = worker_step(w);
        if (!rc) worker_settle(w);
        for (uint32_t i = 0; i < k && !rc; i++) /* never stored raw after coding */
            if (w->slots[i].active) rc = J->drv->end(J, w, &w->slots[i], 0, 0, 0);
        if (rc) {
            job_fail(J, rc);
            break;
        }
    }
}

/* Chunks coded alone: each slot takes the next chunk when its own is settled. */
static void chunk_thread(job *J, worker *w, uint32_t quota) {
    /* encoder statistics are rolled back for chunks stored raw: remember them per chunk start (encoder
    ** workers hold one chunk at a time) */
    double bits0 = 0, fbits0 = 0;
    uint64_t tok0 = 0;
    int more = 1, rc;
    uint32_t taken = 0;
    while (!atomic_load(&J->err)) {
        int active = 0;
        for (int i = 0; i < w->nslots; i++) {
            seq *s = &w->slots[i];
            if (!s->active && more) {
                uint32_t c = quota && taken >= quota ? J->end : J->first + atomic_fetch_add(&J->next, 1);
                taken++;
                if (c >= J->end) {
                    more = 0;
                } else {
                    bits0 = w->lanes[0].model_bits, fbits0 = w->lanes[0].freq_bits, tok0 = w->lanes[0].tokens;
                    if ((rc = J->drv->start(J, w, s, c))) {
                        job_fail(J, rc);
                        return;
                    }
                }
            }
            if (s->active && (s->err || J->drv->finished(s))) {
                if ((rc = J->drv->end(J, w, s, bits0, fbits0, tok0))) {
                    job_fail(J, rc);
                    return;
                }
                i--; /* refill this slot */
                continue;
            }
            active += s->active;
        }
        if (!active || atomic_load(&J->err)) return;
        if ((rc = worker_step(w))) {
            job_fail(J, rc);
            return;
        }
    }
}

static void *job_thread(void *arg) {
    job *J = ((job_arg *)arg)->J;
    uint32_t quota = ((job_arg *)arg)->no_quota ? 0 : J->p.quota;
    /* the default floating-point environment (round to nearest, no flush-to-zero) whatever the host
    ** program set; the caller's environment is restored in run_job */
    fesetenv(FE_DFL_ENV);
    worker w;
    int rc = worker_init(&w, J->m, J->ks, J->h, J->drv, &J->p);
    if (rc) {
        job_fail(J, rc);
        return NULL;
    }
    w.progress = J->progress;
    if (w.grouped) group_thread(J, &w);
    else chunk_thread(J, &w, quota);
    finish_thread(J, &w);
    return NULL;
}

int run_job(job *J, int decode, int threads) {
    fenv_t saved;
    fegetenv(&saved);
    atomic_init(&J->next, 0);
    atomic_init(&J->err, 0);
    pthread_mutex_init(&J->lock, NULL);
    if (J->first == 0 && J->end == J->h->n_chunks) {
        engine_plan(&J->p, J->h, decode, threads, sysconf(_SC_NPROCESSORS_ONLN));
    } else { /* a run of chunks (archive.c): the workers it needs; the models are still sized by the frame's */
        frame_header ph = *J->h;
        engine_range_header(&ph, J->chunks, J->first, J->end);
        engine_plan(&J->p, &ph, decode, threads, sysconf(_SC_NPROCESSORS_ONLN));
    }
    if (!decode && J->bytes) J->p.cm = J->p.cmbuf = J->p.mix = 1;
    threads = J->p.workers;
    pthread_t tid[LLMZ_MAX_THREADS];
    int started = 0;
    job_arg helper_arg = {J, 0};
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[started], NULL, job_thread, &helper_arg) != 0) break; /* fewer threads: same bytes */
        started++;
    }
    job_arg mine = {J, started < threads - 1};
    if (J->end > J->first) job_thread(&mine);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&J->lock);
    fesetenv(&saved);
    return atomic_load(&J->err);
}
