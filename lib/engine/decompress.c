/*
** decompress.c -- the decoder: its driver (each token decoded from the chunk's range coder with the predictor's
** frequencies, its bytes appended; CRLF restored and the chunk's CRC checked at its end), frame inspection, the
** memory a frame needs (the plan of sizing.c), and llmz_decompress_frame.  It never encodes and does not size
** workers itself.
*/
#include <string.h>

#include "coder/freq.h"
#include "common/hash.h"
#include "cm/x86.h"
#include "common/mem.h"
#include "engine/engine.h"
#include "format/cert.h"
#include "format/copies.h"

static int dec_start(job *J, worker *w, seq *s, uint32_t i) {
    seq_begin(J, w, s, i);
    const frame_chunk *c = &J->chunks[i];
    s->dst = J->dst + (uint64_t)(i - J->first) * J->h->chunk_size; /* a run of chunks: from its first */
    s->crlf = c->method == FRAME_METHOD_MODEL_CRLF;
    if (c->method == FRAME_METHOD_RAW) { /* in a group too: a raw chunk takes no part in the group's models */
        memcpy(s->dst, J->src + J->offs[i], s->n);
        s->out = s->exp = s->n;
    } else if (frame_method_bytes(c->method)) { /* the byte models alone: the whole chunk now */
        cm_model *cm = worker_cm(w, cm_chunk(J->h));
        if (!cm) return LLMZ_ERR_NOMEM;
        cm_set_x86(cm, c->method == FRAME_METHOD_BYTES_X86);
        int d = cm_decode(cm, J->src + J->offs[i], c->comp_size, s->dst, s->n);
        if (d != 0) return d == -2 ? LLMZ_ERR_NOMEM : LLMZ_ERR_CORRUPT;
        if (c->method == FRAME_METHOD_BYTES_X86) x86_undo(s->dst, s->n);
        s->out = s->exp = s->n;
        if (w->progress) atomic_fetch_add_explicit(w->progress, s->n, memory_order_relaxed);
    } else {
        rc_dec_init(&s->dec, J->src + J->offs[i], c->comp_size);
        s->mx_on = c->method == FRAME_METHOD_MIXED;
        if (s->mx_on) cm_start(s->mx, s->dst, s->dst, s->n);
    }
    return LLMZ_OK;
}

/* The next token, in one step or in the two of sse.h: the counterpart of compress.c's enc_token. */
static int32_t dec_token(const worker *w, const lane *L, seq *s) {
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
    rc_decode_update_total(&s->dec, pred_cum_without_top(L, s, t), L->freq[t], rest);
    return t;
}

static int dec_code(worker *w, lane *L, seq *s, const float *lg) {
    pred_frequencies(w, L, s, lg, -1);
    int32_t t;
    if (s->mx_on) { /* method 4: the token's bits, mixed with the byte models, no longer than the chunk's rest */
        pred_byte_order(w, L, s);
        t = lmbits_decode(w->lb, L->bc, s->mx, &s->dec, s->n - s->out);
        if (t < 0) return LLMZ_ERR_CORRUPT;
    } else {
        t = dec_token(w, L, s);
    }
    const uint8_t *tb;
    size_t tl = tok_bytes(w->m->tok, t, &tb), add = tl;
    if (s->crlf)
        for (size_t k = 0; k < tl; k++) add += tb[k] == '\n';
    if (s->dec.bad || tl == 0 || add > s->n - s->exp || s->done >= s->ids_cap) return LLMZ_ERR_CORRUPT;
    memcpy(s->dst + s->out, tb, tl);
    s->out += tl;
    s->exp += add;
    s->ids[s->done] = t;
    return LLMZ_OK;
}

static int dec_finished(const seq *s) { return s->exp == s->n; }

static int dec_end(job *J, worker *w, seq *s, double bits0, double fbits0, uint64_t tok0) {
    const frame_chunk *c = &J->chunks[s->idx];
    s->active = 0;
    if (s->err) return s->err == LLMZ_ERR_PARAM ? LLMZ_ERR_CORRUPT : s->err;
    int lm = c->method == FRAME_METHOD_MODEL || c->method == FRAME_METHOD_MODEL_CRLF || c->method == FRAME_METHOD_MIXED;
    if (lm && !rc_dec_ok(&s->dec)) return LLMZ_ERR_CORRUPT;
    if (s->crlf) crlf_restore(s->dst, s->out, s->n);
    if (crc32_update(J->h->crc_seed, s->dst, s->n) != c->crc) return LLMZ_ERR_CHECKSUM;
    return LLMZ_OK;
}

static const driver decoder = {1, dec_start, dec_code, dec_finished, dec_end};

/* ---- frame inspection ------------------------------------------------------------------------------ */

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
    if (rc == LLMZ_OK) engine_count_methods(h, *chunks, 0, h->n_chunks);
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
    info->orig_size = frame_out_size(&h);
    info->header_size = (uint32_t)frame_header_len(&h);
    info->frame_size = info->header_size + payload;
    info->n_chunks = h.n_chunks;
    for (uint32_t i = 0; i < h.n_chunks; i++) info->raw_chunks += chunks[i].method == FRAME_METHOD_RAW;
    info->bytes_chunks = h.n_bytes_chunks;
    info->mixed_chunks = h.n_mixed_chunks;
    info->has_x86 = h.n_x86_chunks > 0;
    info->chunk_size = h.chunk_size;
    info->copies = h.copies;
    info->literal_size = h.orig_size;
    info->format_version = h.version;
    info->numerics_version = h.numerics;
    info->mode = h.mode;
    info->flags = h.flags;
    info->window = h.window;
    info->keep = h.keep;
    memcpy(info->model_fp, h.model_fp, h.fp_len);
    info->fp_len = h.fp_len;
    info->dict_fp_len = h.dfp_len; /* a dictionary frame: fp_len 0, the dictionary's fingerprint instead */
    memcpy(info->dict_fp, h.dict_fp, h.dfp_len);
    memcpy(info->model_name, h.name, (size_t)h.name_len + 1);
    if (h.flags & FRAME_FLAG_ADAPTER) {
        info->has_adapter = 1;
        memcpy(info->adapter_fp, h.adapter_fp, h.afp_len);
        info->adapter_fp_len = h.afp_len;
        memcpy(info->adapter_name, h.aname, (size_t)h.aname_len + 1);
    }
    llmz_free(chunks);
    return LLMZ_OK;
}

int llmz_frame_get_certificate(llmz_certificate *cert, const void *src, size_t avail) {
    if (!cert || (!src && avail)) return LLMZ_ERR_PARAM;
    frame_header h;
    size_t need;
    int rc = frame_parse_header(&h, src, avail, &need);
    if (rc) return rc;
    if (h.mode != FRAME_MODE_LOSSY) return LLMZ_ERR_PARAM;
    return cert_decode(cert, h.cert, h.cert_len);
}

/* ---- memory ---------------------------------------------------------------------------------------- */

/* The library's own bytes besides the workers': chunk table and payload offsets, two small blocks (each may take
** LLMZ_MEM_SLACK more: a frame of zero chunks held 48 bytes where 20 were counted). */
static uint64_t table_bytes(uint32_t n_chunks) {
    return ((uint64_t)n_chunks + 1) * (sizeof(frame_chunk) + sizeof(uint64_t)) + 2 * LLMZ_MEM_SLACK;
}

/* A window the frame leaves to the model's defaults (format 4), made m's. */
static void resolve_window(frame_header *h, const llmz_model *m) {
    if (h->window == 0) engine_model_window(m, &h->window, &h->keep);
}

/* The header fields the plan reads, from a frame's description, for decoding with m. */
static void header_of(frame_header *h, const llmz_frame_info *info, const llmz_model *m) {
    memset(h, 0, sizeof *h);
    h->orig_size = info->copies ? info->literal_size : info->orig_size;
    h->copies = info->copies != 0;
    h->out_size = info->orig_size;
    h->n_chunks = info->n_chunks;
    h->chunk_size = info->chunk_size;
    h->window = info->window;
    h->keep = info->keep;
    h->flags = info->flags;
    h->version = info->format_version;
    h->numerics = info->numerics_version; /* (the attention cache's size: numerics 2's int8 one is smaller) */
    h->n_bytes_chunks = info->bytes_chunks;
    h->n_mixed_chunks = info->mixed_chunks;
    h->n_x86_chunks = info->has_x86;
    h->dict = info->dict_fp_len != 0;
    resolve_window(h, m);
}

/* Chunk table, offsets and the workers of the plan the decoder will follow, with a team of every thread (cpus:
** as many as threads, so that the figure does not depend on the machine). */
static uint64_t workers_bytes(const llmz_model *m, const frame_header *h, int threads) {
    plan p;
    engine_plan(&p, h, 1, threads, 0);
    return table_bytes(h->n_chunks) + plan_bytes(&p, m, h);
}

/* A dictionary frame: the primed state of d's dictionary (prime.c), and the worker that makes it. */
static uint64_t dict_bytes(const llmz_dctx *d, const frame_header *h) {
    if (!h->dict || !d->dict) return 0;
    frame_header p = *h;
    p.npre = d->dict->ntok;
    /* and each slot's token ids hold the dictionary's tokens before the chunk's (worker.c) */
    plan pl;
    engine_plan(&pl, h, 1, d->threads, 0);
    uint32_t cb = cm_chunk(h);
    uint64_t ids = llmz_mem_footprint(((size_t)cb + p.npre + 1) * sizeof(int32_t)) -
                   llmz_mem_footprint(((size_t)cb + 1) * sizeof(int32_t));
    return prime_bytes(d->m, &p, d->threads) + (uint64_t)pl.workers * (uint64_t)pl.slots * ids;
}

uint64_t engine_dict_bytes(const llmz_dctx *d, const llmz_frame_info *info) {
    frame_header h;
    header_of(&h, info, d->m);
    return dict_bytes(d, &h);
}

/* What llmz_dctx_frame_memory says, for a parsed header and the frame's size. */
static uint64_t frame_memory(const llmz_dctx *d, const frame_header *h, uint64_t frame_size) {
    /* the model (weights in kernel layout, its file's bytes for the tokenizer) and 4 MiB for the process itself */
    return frame_out_size(h) + frame_size + workers_bytes(d->m, h, d->threads) + tf_weight_bytes(d->m->tf) +
           d->m->size + (4ull << 20) + dict_bytes(d, h);
}

uint64_t engine_decode_bytes(const llmz_model *m, const llmz_frame_info *info, int threads) {
    frame_header h;
    header_of(&h, info, m);
    return workers_bytes(m, &h, threads);
}

uint64_t llmz_dctx_frame_memory(const llmz_dctx *d, const llmz_frame_info *info) {
    if (!d || !info) return 0;
    frame_header h;
    header_of(&h, info, d->m);
    return frame_memory(d, &h, info->frame_size);
}

uint64_t llmz_frame_memory(const llmz_frame_info *info) {
    /* output + the frame itself + chunk table + per-thread model state (bounded by 64 MiB for any
    ** model this build accepts at the default context) */
    return info->orig_size + info->frame_size + (uint64_t)info->n_chunks * 16 + (64ull << 20);
}

/* ---- decompression --------------------------------------------------------------------------------- */

/* Whether a frame's model is m: the fingerprint bytes it holds (fp_len, 1..32) are m's, and unless base_only, it
** has an adapter exactly when m has, whose fingerprint bytes (afp_len) are m's adapter's. */
static int model_is(const uint8_t *fp, size_t fp_len, int has_adapter, const uint8_t *afp, size_t afp_len,
                    const llmz_model *m, int base_only) {
    if (fp_len < 1 || fp_len > 32 || memcmp(fp, m->fp, fp_len) != 0) return 0;
    if (base_only) return 1;
    if (!has_adapter != !m->has_adapter) return 0;
    return !m->has_adapter || (afp_len >= 1 && afp_len <= 32 && memcmp(afp, m->adapter_fp, afp_len) == 0);
}

int llmz_frame_model_is(const llmz_frame_info *info, const llmz_model *m, int base_only) {
    if (!info || !m) return 0;
    return model_is(info->model_fp, info->fp_len ? info->fp_len : 32, info->has_adapter, info->adapter_fp,
                    info->adapter_fp_len ? info->adapter_fp_len : 32, m, base_only);
}

static int same_model(const frame_header *h, const llmz_model *m) {
    return model_is(h->model_fp, h->fp_len, (h->flags & FRAME_FLAG_ADAPTER) != 0, h->adapter_fp, h->afp_len, m, 0);
}


/* The frame is for d's model (a dictionary frame: d has the dictionary it names, which names the model). */
static int check_model(const llmz_dctx *d, const frame_header *h) {
    if (h->dict) {
        if (!d->dict || memcmp(d->dict->fp, h->dict_fp, h->dfp_len) != 0) return LLMZ_ERR_DICT;
        if (!model_is(d->m->fp, 32, (h->flags & FRAME_FLAG_ADAPTER) != 0, h->adapter_fp, h->afp_len, d->m, 0))
            return LLMZ_ERR_MODEL_MISMATCH;
        return LLMZ_OK;
    }
    return same_model(h, d->m) ? LLMZ_OK : LLMZ_ERR_MODEL_MISMATCH;
}

int engine_frame_check_model(const llmz_dctx *d, const frame_header *h) { return check_model(d, h); }

/* A dictionary frame: every chunk of J's starts after the dictionary's tokens, from the state d primed once with
** them (prime.c). */
static int dict_start(llmz_dctx *d, const kernel_set *ks, frame_header *h, job *J) {
    if (!h->dict) return LLMZ_OK;
    h->pre = d->dict->ids;
    h->npre = d->dict->ntok;
    if (!h->npre || !h->orig_size) return LLMZ_OK;
    int rc = prime_get(&d->prime, d->m, ks, h, d->dict, d->threads);
    J->prime = d->prime;
    return rc;
}

/* The checks before decoding: the frame is whole, for this model, fits dst and the memory limit. */
static int check_frame(const llmz_dctx *d, const frame_header *h, uint64_t payload, size_t size, size_t cap) {
    uint64_t hlen = frame_header_len(h);
    if (size < hlen + payload) return LLMZ_ERR_TRUNCATED;
    if (size > hlen + payload) return LLMZ_ERR_PARAM;
    int rc = check_model(d, h);
    if (rc != LLMZ_OK) return rc;
    if (h->window > tf_cfg(d->m->tf)->ctx) return LLMZ_ERR_CORRUPT;
    if (cap < frame_out_size(h)) return LLMZ_ERR_DST_TOO_SMALL;
    if (d->memlimit && frame_memory(d, h, hlen + payload) > d->memlimit) return LLMZ_ERR_MEMLIMIT;
    return LLMZ_OK;
}

/* A lossy frame's output: the reconstruction its certificate names (LLMZ_ERR_CHECKSUM if not). */
static int check_reconstruction(const frame_header *h, const void *dst) {
    llmz_certificate cert;
    uint8_t digest[32];
    int rc = cert_decode(&cert, h->cert, h->cert_len);
    if (rc != LLMZ_OK) return rc;
    sha256(dst, (size_t)h->orig_size, digest);
    return memcmp(digest, cert.recon_hash, 16) == 0 ? LLMZ_OK : LLMZ_ERR_CHECKSUM;
}

int llmz_decompress_frame(llmz_dctx *d, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                          llmz_stats *stats) {
    if (!d || !dst_size || (!src && size) || (!dst && cap)) return LLMZ_ERR_PARAM;
    *dst_size = 0;
    atomic_store_explicit(&d->progress, 0, memory_order_relaxed);
    const kernel_set *ks = kernels_get(d->kernels);
    if (!ks) return LLMZ_ERR_UNSUPPORTED;
    frame_header h;
    frame_chunk *chunks;
    uint64_t payload;
    int rc = parse_frame(&h, &chunks, &payload, src, size);
    if (rc) return rc;
    resolve_window(&h, d->m);
    rc = check_frame(d, &h, payload, size, cap);
    uint64_t *offs = NULL;
    if (rc == LLMZ_OK) {
        offs = llmz_malloc(((size_t)h.n_chunks + 1) * sizeof *offs);
        if (!offs) rc = LLMZ_ERR_NOMEM;
    }
    if (rc == LLMZ_OK) {
        uint64_t o = frame_header_len(&h);
        for (uint32_t i = 0; i < h.n_chunks; i++) {
            offs[i] = o;
            o += chunks[i].comp_size;
        }
        /* with copies the chunks' literals go to the end of dst, and the output is rebuilt in place */
        uint64_t out = frame_out_size(&h);
        uint8_t *lit = (uint8_t *)dst + (size_t)(out - h.orig_size);
        job J;
        job_init(&J, d->m, ks, &decoder, &h, chunks, src, lit);
        J.offs = offs;
        J.progress = &d->progress;
        rc = dict_start(d, ks, &h, &J);
        if (rc == LLMZ_OK) rc = run_job(&J, 1, d->threads);
        if (rc == LLMZ_OK && h.copies)
            copies_expand(dst, out, h.orig_size, frame_copies_at(&h, src), (size_t)h.copies_len);
        if (rc == LLMZ_OK && h.mode == FRAME_MODE_LOSSY) rc = check_reconstruction(&h, dst);
        if (rc == LLMZ_OK) {
            *dst_size = (size_t)out;
            if (stats) job_stats(stats, &J, size, out);
        }
    }
    llmz_free(offs);
    llmz_free(chunks);
    return rc;
}

/* ---- a run of a frame's chunks (random access, archive.c) ----------------------------------------- */

int engine_decode_chunks(llmz_dctx *d, frame_header *h, frame_chunk *chunks, uint32_t first, uint32_t end,
                         const uint8_t *payload, size_t psize, uint8_t *dst, llmz_stats *stats) {
    const kernel_set *ks = kernels_get(d->kernels);
    if (!ks) return LLMZ_ERR_UNSUPPORTED;
    if (first >= end || end > h->n_chunks) return LLMZ_ERR_PARAM;
    resolve_window(h, d->m);
    int rc = check_model(d, h);
    if (rc != LLMZ_OK) return rc;
    if (h->window > tf_cfg(d->m->tf)->ctx) return LLMZ_ERR_CORRUPT;
    frame_header rh = *h; /* the run as a frame of its own, for the memory it needs (the models sized by h) */
    engine_range_header(&rh, chunks, first, end);
    plan p;
    engine_plan(&p, &rh, 1, d->threads, 0);
    uint64_t mem = (h->copies ? h->out_size : rh.orig_size) + psize + table_bytes(h->n_chunks) + plan_bytes(&p, d->m, h) +
                   tf_weight_bytes(d->m->tf) + d->m->size + (4ull << 20);
    if (d->memlimit && mem > d->memlimit) return LLMZ_ERR_MEMLIMIT;
    uint64_t *offs = llmz_malloc(((size_t)h->n_chunks + 1) * sizeof *offs);
    if (!offs) return LLMZ_ERR_NOMEM;
    uint64_t o = 0;
    for (uint32_t i = first; i < end; i++) {
        offs[i] = o;
        o += chunks[i].comp_size;
    }
    rc = o == psize ? LLMZ_OK : LLMZ_ERR_PARAM;
    job J;
    job_init(&J, d->m, ks, &decoder, h, chunks, payload, dst);
    J.first = first;
    J.end = end;
    J.offs = offs;
    J.progress = &d->progress;
    atomic_store_explicit(&d->progress, 0, memory_order_relaxed);
    if (rc == LLMZ_OK) rc = dict_start(d, ks, h, &J);
    if (rc == LLMZ_OK) rc = run_job(&J, 1, d->threads);
    if (rc == LLMZ_OK && h->mode == FRAME_MODE_LOSSY && first == 0 && end == h->n_chunks)
        rc = check_reconstruction(h, dst);
    if (rc == LLMZ_OK && stats) {
        memset(stats, 0, sizeof *stats);
        stats->in_bytes = psize;
        stats->out_bytes = rh.orig_size;
        stats->tokens = J.tokens;
        stats->chunks = end - first;
        for (uint32_t i = first; i < end; i++) {
            stats->raw_chunks += chunks[i].method == FRAME_METHOD_RAW;
            if (chunks[i].method != FRAME_METHOD_RAW) stats->coded_bits += 8.0 * chunks[i].comp_size;
        }
    }
    llmz_free(offs);
    return rc;
}

uint64_t llmz_dctx_progress(const llmz_dctx *d) {
    return d ? atomic_load_explicit(&d->progress, memory_order_relaxed) : 0;
}
