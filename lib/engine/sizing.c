/*
** sizing.c -- the one sizing rule: how many workers code a frame, how many chunks each advances together, the
** rows and lanes of their batches (engine_plan), and the bytes all that holds (plan_bytes).  worker_init
** allocates what the plan says and llmz_dctx_frame_memory counts the same plan, so the two cannot drift apart
** (tests/unit/test_memory.c checks the real peak against the estimate).  Owns no state and allocates nothing;
** the byte counts of each allocation live next to it (worker.c, batch.c).
*/
#include <string.h>

#include "common/mem.h"

#include "engine/engine.h"

/* Chunks one decoder thread advances together at most.  More rows per batch reuse the weights better, but
** each chunk has its own KV cache (1.5 MB with the default model), and too many no longer fit in the CPU
** caches.  2 threads, each with its fair share of the chunks (below): book2 (10 chunks) 3 + 2 slots 9.1 s,
** 5 slots 8.4 s; book1 (12 chunks) 3 + 3 9.5 s, 6 slots 9.0 s; 2 MB of dickens (16 chunks) 4 + 4 22.0 s,
** 8 slots 23.0 s. */
#ifndef LLMZ_DECODE_SLOTS
#define LLMZ_DECODE_SLOTS 6
#endif

/* Threads that get chunks when n chunks go `per` at a time to `threads` threads (at least 1). */
static int job_workers(uint32_t n, uint32_t per, int threads) {
    uint32_t useful = (n + per - 1) / per;
    return (uint32_t)threads > useful ? (useful > 0 ? (int)useful : 1) : threads;
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

void engine_plan(plan *p, const frame_header *h, int decode, int threads, long cpus) {
    memset(p, 0, sizeof *p);
    uint32_t n = h->n_chunks;
    p->grouped = (h->flags & FRAME_FLAG_GROUP) != 0;
    if (p->grouped) { /* workers take whole chunk groups, each chunk in the slot of its place in the group */
        p->slots = n < FRAME_GROUP ? (int)n : FRAME_GROUP;
        p->workers = job_workers((n + FRAME_GROUP - 1) / FRAME_GROUP, 1, threads);
    } else if (decode) {
        decode_plan(n, threads, &p->slots, &p->quota);
        p->workers = job_workers(n, (uint32_t)p->slots, threads);
    } else { /* encoder workers code one chunk at a time */
        p->slots = 1;
        p->workers = job_workers(n, 1, threads);
    }
    /* spare threads help the workers evaluate the model, but only as many as there are CPUs: a team member
    ** waiting for a CPU stalls every fork-join of its team (the bytes do not depend on the team size) */
    int helpers = cpus > 0 && cpus < threads ? (int)cpus : threads;
    p->team_n = helpers / p->workers > 1 ? helpers / p->workers : 1;
    /* decoding a small frame of one chunk a token at a time, ~20 fork-joins per token cost more than the
    ** team saves (measured, 2 cores: 13-16 KB files 0.38-0.43 s alone, 0.48-0.58 s with a helper) */
    if (decode && n == 1 && h->orig_size <= GROUP_SPLIT_MIN) p->team_n = 1;
    /* batches: an encoder codes one chunk in batches of up to `window` rows (prefill); a decoder advances its
    ** slots together, one new token each per batch (batched decoding); a group's chunks restart their windows
    ** at the same step, so a batch has room for all their re-fed inputs at once */
    if (p->grouped) p->nmax = p->slots * (h->keep + (decode ? 1 : GROUP_ENC_ROWS));
    else p->nmax = decode ? p->slots + h->keep : h->window;
    /* a group's chunks are all at the same position (they advance together, and their windows restart
    ** together): the new rows each gets in a batch, beyond re-fed ones (nmax has room for all of them) */
    p->grow = p->grouped ? (decode ? 1 : GROUP_ENC_ROWS) : 0;
    /* a group on a team: a lane per member, each with the rows of its chunks */
    p->nlanes = p->grouped && p->team_n > 1 ? (p->team_n < p->slots ? p->team_n : p->slots) : 1;
    p->lane_rows = p->nlanes > 1 ? p->nmax / p->slots * ((p->slots + p->nlanes - 1) / p->nlanes) : p->nmax;
    p->norm = !decode && (h->flags & FRAME_FLAG_EOL);
    /* the byte models: a decoder needs them for method-3 chunks (an encoder for trying them: run_job says) */
    p->cm = decode && h->n_bytes_chunks > 0;
    p->mix = decode && h->n_mixed_chunks > 0;
}

void engine_range_header(frame_header *h, const frame_chunk *chunks, uint32_t first, uint32_t end) {
    uint64_t cs = h->chunk_size, to = (uint64_t)end * cs;
    h->orig_size = (to < h->orig_size ? to : h->orig_size) - (uint64_t)first * cs;
    h->n_chunks = end - first;
    engine_count_methods(h, chunks, first, end);
}

void engine_count_methods(frame_header *h, const frame_chunk *chunks, uint32_t first, uint32_t end) {
    h->n_bytes_chunks = h->n_mixed_chunks = h->n_x86_chunks = 0;
    for (uint32_t i = first; i < end; i++) {
        h->n_bytes_chunks += frame_method_bytes(chunks[i].method);
        h->n_mixed_chunks += chunks[i].method == FRAME_METHOD_MIXED;
        h->n_x86_chunks += chunks[i].method == FRAME_METHOD_BYTES_X86;
    }
}

uint64_t plan_bytes(const plan *p, const llmz_model *m, const frame_header *h) {
    if (h->n_chunks == 0) return 0;
    uint64_t nmods = p->grouped ? 1 : (uint64_t)p->slots;
    uint32_t cb = cm_chunk(h); /* the largest chunk: what worker_init sizes a slot's buffers for */
    uint64_t slot = slot_bytes(m, cb, h->flags, h->version, h->numerics) + sizeof(int32_t *) + sizeof(size_t) +
                    (p->norm ? llmz_mem_footprint(cb) : 0) + (p->cmbuf ? 2 * (uint64_t)llmz_mem_footprint(cb) : 0) +
                    (p->mix ? cm_bytes(cm_chunk(h), 1, cm_version_of(h, 1)) + sizeof(cm_model *) : 0);
    /* a team: its own struct, and a row of attention weights per member (tf_batch_use_team) */
    uint64_t team_b = p->team_n > 1 ? 4096 + (uint64_t)tf_team_bytes(m->tf, p->team_n) : 0;
    uint64_t per_worker = (uint64_t)p->nlanes * (sizeof(lane) + lane_bytes(m, (uint64_t)p->lane_rows)) +
                          (uint64_t)p->slots * slot + nmods * models_bytes(m, h->flags, h->version, h->n_chunks) +
                          team_b + (p->cm ? cm_bytes(cm_chunk(h), 0, cm_version_of(h, 0)) : 0) +
                          (p->cm && h->n_x86_chunks ? cm_split_bytes(cm_chunk(h), cm_version_of(h, 0)) : 0) +
                          (p->mix ? lmbits_bytes((uint32_t)tf_cfg(m->tf)->vocab) : 0);
    /* each small block may take LLMZ_MEM_SLACK bytes more: a lane's ~16, a slot's ~8, a set of models' ~8 */
    per_worker += LLMZ_MEM_SLACK * (16 * (uint64_t)p->nlanes + 8 * (uint64_t)p->slots + 8 * nmods + 8);
    return (uint64_t)p->workers * per_worker;
}
