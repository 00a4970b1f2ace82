/*
** worker.c -- a worker's allocations: its lanes, its team, its slots (one chunk state each) and their online
** models, sized by the plan of sizing.c; slot_bytes counts a slot the way worker_init allocates it.  Decides
** no sizes of its own and codes nothing.
*/
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"

uint64_t slot_bytes(const llmz_model *m, uint32_t chunk_size, uint8_t flags, int version, int numerics) {
    int V = tf_cfg(m->tf)->vocab;
    int adapt = (flags & FRAME_FLAG_ADAPT) != 0;
    /* the token ids: a big block for chunks of 256 Ki bytes or more, counted in whole 2 MiB pages (mem.h) */
    return sizeof(seq) + tf_state_bytes(m->tf, numerics) + llmz_mem_footprint(((size_t)chunk_size + 1) * sizeof(int32_t)) +
           (adapt ? cache_bytes(V) + (version >= 3 ? bias_bytes(V) : 0) : 0) +
           (adapt && (flags & FRAME_FLAG_GROUP) && version >= 3 ? match_bytes(MATCH_OWN_BITS) : 0);
}

void worker_free(worker *w) {
    if (w->slots)
        for (int i = 0; i < w->nslots; i++) {
            tf_state_free(w->slots[i].st);
            llmz_free(w->slots[i].ids);
            llmz_free(w->slots[i].norm);
            llmz_free(w->slots[i].cmbuf);
            llmz_free(w->slots[i].mxbuf);
            cm_free(w->slots[i].mx);
        }
    cm_free(w->cm);
    lmbits_free(w->lb);
    pred_free(w);
    llmz_free(w->gids);
    llmz_free(w->glen);
    llmz_free(w->slots);
    if (w->lanes)
        for (int i = 0; i < w->nlanes; i++) lane_free(&w->lanes[i]);
    llmz_free(w->lanes);
    team_free(w->team);
    memset(w, 0, sizeof *w);
}

cm_model *worker_cm(worker *w, uint32_t chunk_size) {
    if (!w->cm) {
        w->cm = cm_new(chunk_size, 0, w->cm_version, w->ks);
        w->cm_chunk = chunk_size;
    }
    return w->cm_chunk == chunk_size ? w->cm : NULL;
}

int worker_init(worker *w, const llmz_model *m, const kernel_set *ks, const frame_header *h, const driver *drv,
                const plan *p) {
    memset(w, 0, sizeof *w);
    w->m = m;
    w->ks = ks;
    w->drv = drv;
    w->window = h->window;
    w->keep = h->keep;
    w->cm_version = cm_version_of(h, 0);
    w->V = tf_cfg(m->tf)->vocab;
    w->nslots = p->slots;
    w->grouped = p->grouped;
    w->nmax = p->nmax;
    w->grow = p->grow;
    w->nlanes = p->nlanes;
    w->lanes = llmz_calloc((size_t)w->nlanes, sizeof(lane));
    int lanes_ok = w->lanes != NULL;
    for (int i = 0; lanes_ok && i < w->nlanes; i++)
        lanes_ok = lane_init(&w->lanes[i], m, p->lane_rows, w->V) == LLMZ_OK;
    w->slots = llmz_calloc((size_t)w->nslots, sizeof(seq));
    w->gids = llmz_calloc((size_t)w->nslots, sizeof(const int32_t *));
    w->glen = llmz_calloc((size_t)w->nslots, sizeof(size_t));
    w->gv.ids = w->gids;
    w->gv.len = w->glen;
    w->gv.n = w->nslots;
    if (lanes_ok && p->team_n > 1) { /* without a team (threads could not start) the same bytes, slower */
        w->team = team_new(p->team_n);
        if (w->team && tf_batch_use_team(w->lanes[0].b, m->tf, w->team) != LLMZ_OK) {
            team_free(w->team);
            w->team = NULL;
        }
    }
    int ok = lanes_ok && w->slots && w->gids && w->glen;
    for (int i = 0; ok && i < w->nslots; i++) {
        seq *s = &w->slots[i];
        s->st = tf_state_new(m->tf, h->numerics);
        /* the buffers of a chunk's bytes and tokens hold the frame's largest chunk (not the nominal chunk size: a
        ** small frame of 4 MiB chunks took 16 MiB for its token ids) */
        uint32_t cb = cm_chunk(h);
        s->ids_cap = (size_t)cb + h->npre; /* a dictionary frame's chunks start after the dictionary's tokens */
        s->ids = llmz_malloc((s->ids_cap + 1) * sizeof(int32_t));
        ok = s->st && s->ids;
        if (ok && p->norm) ok = (s->norm = llmz_malloc(cb)) != NULL;
        if (ok && p->cmbuf) ok = (s->cmbuf = llmz_malloc(cb)) && (s->mxbuf = llmz_malloc(cb));
        if (ok && p->mix) ok = (s->mx = cm_new(cm_chunk(h), 1, cm_version_of(h, 1), ks)) != NULL;
        s->hist = s->ids;
        s->own.ids = &s->hist;
        s->own.len = &s->done;
        s->own.n = 1;
        s->G = w->grouped ? &w->gv : &s->own;
        s->self = w->grouped ? i : 0;
        w->gids[i] = s->ids;
    }
    if (ok && p->mix) ok = (w->lb = lmbits_new(m->tok, (uint32_t)w->V)) != NULL;
    if (ok) ok = pred_init(w, h) == LLMZ_OK;
    if (!ok) {
        worker_free(w);
        return LLMZ_ERR_NOMEM;
    }
    return LLMZ_OK;
}
