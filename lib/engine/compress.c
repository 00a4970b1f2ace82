/*
** compress.c -- the encoder: its driver (a chunk's tokens from the tokenizer, each coded with the predictor's
** frequencies into the chunk's range coder; from format version 4 each chunk is also coded by the byte models and
** the smaller coding kept; a chunk that does not shrink is stored raw) and llmz_compress_frame
** (header, chunk size, the job, the frame written out).  It never decodes and does not size workers (sizing.c).
*/
#include <fenv.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cm/cm.h"
#include "cm/x86.h"
#include "common/hash.h"
#include "common/mem.h"
#include "engine/engine.h"
#include "format/cert.h"
#include "format/copies.h"

/* A grouped frame's chunks may not be coded by the byte models alone (method 3): their coding of each chunk serves
** the frame's choices only (a repetitive chunk skips the LM; the frame is coded again without groups or by the byte
** models alone when those come near, below).  On prose they never come near (1.3-1.6 times the LM's size), yet coding
** every chunk took a third of the encoder's time, on one thread while the group's other threads waited (news: 6.0 s
** of which 1.6).  So a chunk of a group is first coded for its first CM_PROBE bytes only: under CM_PROBE_NEAR (1.2
** bits a byte: logs, tables, generated text) the whole chunk follows at once, as before; otherwise the probe, its
** second half's rate carried on to the chunk's end, stands in as an estimate (cm_ests), and the whole chunk is coded
** after the LM's frame only if the estimates could change the frame's choices (cm_settle).  The encoder's choice:
** the frame is the same unless an estimate is more than 10/9 of the byte models' size where that matters.  The probes
** and the whole chunks' codings are made before the frame's job, on all its threads (cm_prepass).  Only
** chunks of up to CM_PROBE_MAX (the automatic size of inputs up to 1 MiB) are probed: in longer ones the models learn on far
** past the probe, and the estimate ran 1.03-1.98 times their size (world192's chunks of 247,340 bytes: the byte
** models alone in one chunk won there by 5%, and the estimates missed it). */
#define CM_PROBE 16384
#define CM_PROBE_NEAR(len, n) ((len)*20 < (n)*3) /* len bytes for n: under 1.2 bits a byte */
#define CM_PROBE_MAX (64u * 1024u) /* chunks longer than this are coded whole at once (below) */

static int enc_start(job *J, worker *w, seq *s, uint32_t i) {
    seq_begin(J, w, s, i);
    s->rec = NULL;
    const frame_header *h = J->h;
    s->src = J->src + (uint64_t)i * h->chunk_size;
    s->dst = J->dst + (size_t)i * h->chunk_size;
    J->chunks[i].crc = crc32_update(h->crc_seed, s->src, s->n); /* a one-chunk dictionary frame: with the header */
    if (looks_random(s->src, s->n)) { /* store without running the model */
        s->ntok = 0;
        s->stored = 1;
        s->err = LLMZ_ERR_DST_TOO_SMALL;
        return LLMZ_OK;
    }
    /* a chunk of a group: what the byte models make of it is known (cm_prepass), but a repetitive one is coded again */
    int known = J->cm_pre && J->cm_pre[i] && !(J->cm_lens[i] && bytes_only(s->src, s->n, J->cm_lens[i]));
    if (J->bytes && !known) { /* the byte models first: binary and repetitive chunks then skip the LM (prepare.c) */
        cm_model *cm = worker_cm(w, cm_chunk(h));
        if (!cm) return LLMZ_ERR_NOMEM;
        const uint8_t *in = s->src;
        s->x86 = h->version >= FRAME_V6 && x86_looks(s->src, s->n);
        if (s->x86) { /* x86 code: its calls filtered (method 5), in the chunk's output place until it is coded */
            memcpy(s->dst, s->src, s->n);
            x86_apply(s->dst, s->n);
            in = s->dst;
        }
        cm_set_x86(cm, s->x86);
        s->cm_len = cm_encode(cm, in, s->n, s->cmbuf, s->n - 1);
        if (J->cm_lens) J->cm_lens[i] = (uint32_t)s->cm_len;
        if (s->cm_len && (J->lm_off || bytes_only(s->src, s->n, s->cm_len))) {
            s->ntok = 0;
            s->stored = s->bytes = 1;
            s->err = LLMZ_ERR_DST_TOO_SMALL;
            if (w->progress) atomic_fetch_add_explicit(w->progress, s->n, memory_order_relaxed);
            return LLMZ_OK;
        }
    }
    const uint8_t *text = s->src;
    size_t tn = s->n;
    s->crlf = s->norm && crlf_only(s->src, s->n);
    if (s->crlf) { /* code the text with LF line ends: the model was trained on them */
        tn = crlf_strip(s->norm, s->src, s->n);
        text = s->norm;
    }
    long k = tok_encode(w->m->tok, s->ids + s->pre, s->ids_cap - s->pre, text, tn); /* after a dictionary's */
    if (k < 0) return LLMZ_ERR_PARAM;
    s->ntok = s->pre + (size_t)k;
    s->rec = NULL;
    if (J->recs) { /* llmz_analyze_frame */
        if (!(J->recs[i] = llmz_calloc(s->ntok + 1, sizeof **J->recs))) return LLMZ_ERR_NOMEM;
        s->rec = J->recs[i];
        s->rec_off = (uint64_t)i * h->chunk_size;
    }
    rc_enc_init(&s->enc, s->dst, s->n - 1); /* must end up smaller than the input, else stored raw */
    s->mx_on = J->bytes && !s->crlf && s->mx; /* and the same tokens bit by bit with the byte models (method 4) */
    if (s->mx_on) {
        cm_start(s->mx, s->src, NULL, s->n);
        rc_enc_init(&s->menc, s->mxbuf, s->n - 1);
    }
    return LLMZ_OK;
}

/* Method 4's coding of token t, beside the LM's own; it stops at a token it cannot code or when it overflows. */
static void enc_mixed(const worker *w, lane *L, seq *s, int32_t t) {
    if (!lmbits_codable(w->lb, t)) {
        s->mx_on = 0;
        return;
    }
    pred_byte_order(w, L, s);
    lmbits_encode(w->lb, L->bc, t, s->mx, &s->menc);
    if (s->menc.overflow) s->mx_on = 0;
}

/* Code token t, in one step or in the two of sse.h; returns the probability it was coded with. */
static double enc_token(const lane *L, seq *s, int32_t t) {
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
    rc_encode_total(&s->enc, pred_cum_without_top(L, s, t), L->freq[t], rest);
    return (double)(RC_TOTAL - s->fhit) / RC_TOTAL * L->freq[t] / rest;
}

static int enc_code(worker *w, lane *L, seq *s, const float *lg) {
    int32_t t = s->ids[s->done];
    double p = pred_frequencies(w, L, s, lg, t);
    double q = enc_token(L, s, t);
    if (s->mx_on) enc_mixed(w, L, s, t);
    if (s->rec) analyze_record(w, L, s, t, q);
    if (!(p > 0.0)) p = 1e-300;
    L->model_bits += -log2(p);
    L->freq_bits += -log2(q);
    /* when neither coding fits: a chunk coded alone is then stored raw (or left to the byte models); a group stops
    ** as a whole, and the frame is coded without groups */
    if (s->enc.overflow && !s->mx_on) return w->grouped ? GROUP_FALLBACK : LLMZ_ERR_DST_TOO_SMALL;
    return LLMZ_OK;
}

static int enc_finished(const seq *s) { return s->done == s->ntok; }

static int enc_end(job *J, worker *w, seq *s, double bits0, double fbits0, uint64_t tok0) {
    frame_chunk *c = &J->chunks[s->idx];
    s->active = 0;
    size_t len = s->err ? 0 : rc_enc_finish(&s->enc);
    size_t len4 = !s->err && s->mx_on ? rc_enc_finish(&s->menc) : 0;
    if (s->err && s->err != LLMZ_ERR_DST_TOO_SMALL) return s->err;
    int alone = !w->grouped || s->stored; /* it took no part in a chunk group's models */
    len = len < s->n ? len : 0;
    len4 = len4 < s->n ? len4 : 0;
    if (!len && !len4 && !alone) return GROUP_FALLBACK;

    /* the smallest coding: the LM's tokens (in s->dst already), the same mixed with the byte models, the byte models
    ** alone (only for a chunk that took no part in a group's models), or the bytes stored */
    c->method = FRAME_METHOD_RAW;
    c->comp_size = (uint32_t)s->n;
    const uint8_t *from = s->src;
    if (len) {
        c->method = s->crlf ? FRAME_METHOD_MODEL_CRLF : FRAME_METHOD_MODEL;
        c->comp_size = (uint32_t)len;
        from = NULL;
    }
    if (len4 && len4 < c->comp_size) {
        c->method = FRAME_METHOD_MIXED;
        c->comp_size = (uint32_t)len4;
        from = s->mxbuf;
    }
    if (alone && s->cm_len && s->cm_len < c->comp_size) {
        c->method = s->x86 ? FRAME_METHOD_BYTES_X86 : FRAME_METHOD_BYTES;
        c->comp_size = (uint32_t)s->cm_len;
        from = s->cmbuf;
    }
    if (from) memcpy(s->dst, from, c->comp_size);
    if ((c->method == FRAME_METHOD_RAW || frame_method_bytes(c->method)) && !w->grouped) {
        /* no tokens coded: their statistics go (chunks coded alone: one lane) */
        w->lanes[0].model_bits = bits0;
        w->lanes[0].freq_bits = fbits0;
        w->lanes[0].tokens = tok0;
    }
    return LLMZ_OK;
}

static const driver encoder = {0, enc_start, enc_code, enc_finished, enc_end};

/* The automatic chunk size of binary input in format version 4: its chunks go to the byte models, which learn as
** they go and gain from long chunks (an executable's 200 KB: 4 chunks 85,418 bytes, one 82,029), while decoders
** still get chunks to spread over threads: size / 8, at least 4 MiB, at most the largest chunk size. */
static uint32_t bytes_chunk(uint64_t size) {
    uint64_t c = size / 8;
    if (c < (4u << 20)) c = 4u << 20;
    return (uint32_t)(c < LLMZ_MAX_CHUNK ? c : LLMZ_MAX_CHUNK);
}

/* A chunk size of at least cs, and at most CRLF_SHIFT_MAX above, that gives the same number of chunks and splits no
** "\r\n" between two chunks (each chunk of a CRLF text is then coded with LF line ends: method 2; a pair split
** leaves two chunks with a lone CR or LF, coded with every CR as a token, about 2% larger on lcet10); cs when there
** is none.  The encoder's choice: any chunk size decodes. */
#define CRLF_SHIFT_MAX 256
static uint32_t crlf_whole(const uint8_t *s, size_t n, uint32_t cs) {
    uint64_t chunks = ((uint64_t)n + cs - 1) / cs;
    for (uint32_t c = cs; chunks > 1 && c <= cs + CRLF_SHIFT_MAX && (chunks - 1) * (uint64_t)c < n; c++) {
        int split = 0;
        for (uint64_t at = c; !split && at < n; at += c) split = s[at - 1] == '\r' && s[at] == '\n';
        if (!split) return c;
    }
    return cs;
}

uint32_t llmz_auto_chunk(uint64_t size) { return llmz_auto_chunk_shift(size, 0); }

uint32_t llmz_auto_chunk_shift(uint64_t size, int shift) {
    uint64_t want = size / LLMZ_AUTO_CHUNKS, c = LLMZ_AUTO_CHUNK_MIN;
    while (c < want && c < LLMZ_AUTO_CHUNK_MAX) c <<= 1;
    if (shift < LLMZ_MIN_CHUNK_SHIFT) shift = LLMZ_MIN_CHUNK_SHIFT;
    if (shift > LLMZ_MAX_CHUNK_SHIFT) shift = LLMZ_MAX_CHUNK_SHIFT;
    c = shift < 0 ? LLMZ_AUTO_CHUNK_MIN >> -shift : c << shift; /* shorter: a fixed size whatever the input's */
    if (c > LLMZ_MAX_CHUNK) c = LLMZ_MAX_CHUNK;
    if (size <= c) return (uint32_t)c; /* one chunk */
    /* equal chunks, an even number of them: no short last chunk, and decoders on 2, 4, ... threads get
    ** the same work each (the chunk count still depends on the size alone) */
    uint64_t n = (size + c - 1) / c;
    n += n & 1;
    return (uint32_t)((size + n - 1) / n);
}

size_t llmz_frame_bound(size_t size) {
    /* the version-1 layout with the longest names bounds format 4's too (at most 9 bytes an entry: chunks of at
    ** most 2^24 bytes have 4-byte varint sizes; a header of at most 608 bytes) */
    size_t chunks = size / 4096 + 1;
    return size + chunks * FRAME_CHUNK_ENTRY + FRAME_FIXED_LEN + 255 + FRAME_TAIL_LEN + FRAME_ADAPTER_FIXED + 255 + 4 +
           4 + 1 + FRAME_CERT_MAX; /* and a lossy frame's certificate */
}

void engine_model_window(const llmz_model *m, uint16_t *window, uint16_t *keep) {
    int ctx = tf_cfg(m->tf)->ctx; /* at most 65535 (the model loader's limit) */
    *window = (uint16_t)ctx;
    *keep = (uint16_t)(ctx / 4);
}

/* A name of at most 255 bytes into name, *len. */
static void copy_name(char *name, uint8_t *len, const char *from) {
    size_t n = strlen(from);
    *len = (uint8_t)(n > 255 ? 255 : n);
    memcpy(name, from, *len);
}

void engine_fill_header(frame_header *h, const llmz_model *m, int version) {
    memset(h, 0, sizeof *h);
    h->version = (uint8_t)version;
    h->mode = FRAME_MODE_LOSSLESS;
    h->numerics = LLMZ_NUMERICS_VERSION;
    memcpy(h->model_fp, m->fp, 32);
    copy_name(h->name, &h->name_len, m->name);
    engine_model_window(m, &h->window, &h->keep);
    h->fp_len = h->afp_len = 32;
    h->has_name = h->has_aname = 1;
    if (m->has_adapter) {
        h->flags = FRAME_FLAG_ADAPTER;
        memcpy(h->adapter_fp, m->adapter_fp, 32);
        copy_name(h->aname, &h->aname_len, m->adapter_name);
    }
    if (version < FRAME_V4) return;
    /* format 4: a built-in model or adapter stays in every later binary, which names it from the fingerprint */
    h->win_default = 1;
    if (model_is_builtin(m)) {
        h->fp_len = FRAME_SHORT_FP;
        h->has_name = 0;
    }
    if (model_adapter_is_builtin(m)) {
        h->afp_len = FRAME_SHORT_FP;
        h->has_aname = 0;
    }
}

/* The frame's header, chunks and payloads into dst (the chunks' payloads are in scratch, chunk_size apart). */
static int write_frame(uint8_t *dst, size_t cap, size_t *dst_size, frame_header *h, const frame_chunk *chunks,
                       const uint8_t *scratch) {
    h->table_len = frame_table_len(h, chunks);
    size_t hlen = frame_header_len(h);
    uint64_t total = hlen;
    for (uint32_t i = 0; i < h->n_chunks; i++) total += chunks[i].comp_size;
    if (total > cap) return LLMZ_ERR_DST_TOO_SMALL;
    frame_write_header(dst, cap, h, chunks);
    size_t pos = hlen;
    for (uint32_t i = 0; i < h->n_chunks; i++) {
        memcpy(dst + pos, scratch + (size_t)i * h->chunk_size, chunks[i].comp_size);
        pos += chunks[i].comp_size;
    }
    *dst_size = pos;
    return LLMZ_OK;
}

static void free_recs(llmz_token_info **recs, uint32_t n) {
    if (!recs) return;
    for (uint32_t i = 0; i < n; i++) llmz_free(recs[i]);
    llmz_free(recs);
}

/* The size a frame of h's chunks would have with each chunk's byte-model coding (cm_lens, 0: none) where smaller
** and `alone` (method 3 allowed: not in a group), against the size `now` of the chosen codings. */
static void bytes_sizes(const frame_header *h, const frame_chunk *chunks, const uint32_t *cm_lens, int alone,
                        uint64_t *now, uint64_t *alt) {
    *now = *alt = 0;
    for (uint32_t i = 0; i < h->n_chunks; i++) {
        uint32_t c = chunks[i].comp_size, b = cm_lens[i] ? cm_lens[i] : frame_chunk_orig(h, i);
        *now += c;
        *alt += alone ? (b < c ? b : c) : b;
    }
}

/* A grouped frame's chunks may not use the byte models alone (method 3: they took part in the group's models).
** 1 when those would have made the frame more than 1/32 smaller (near-random text, data the LM knows nothing of):
** then the frame is also coded without groups, where they may; *alt: that frame's estimated size. */
static int bytes_would_win(const frame_header *h, const frame_chunk *chunks, const uint32_t *cm_lens, uint64_t *alt) {
    uint64_t now;
    bytes_sizes(h, chunks, cm_lens, 1, &now, alt);
    return *alt * 32 < now * 31;
}

/* 1 when the byte models alone on the frame's chunks came within BYTES_NEAR of the frame's codings (logs, tables,
** generated text): coded alone in binary input's long chunks they learn across the whole input, 20-30% smaller on
** logs (a 300 KB dpkg log: 6 chunks of byte models 11,6xx bytes, mixed with the LM 10,313, one chunk 8,104), and
** the frame is coded again that way, costing a tenth of the LM's time.  Prose never comes near (the byte models
** code it 1.5-1.7 times the LM's size).  Chunks shorter than the automatic size's least (levels 1 and 2) hold the byte
** models back more: within 3/2 there (150 KB of a dpkg log in 10 chunks: 8,523 bytes against 6,257 mixed with the LM,
** 3,925 in one long chunk). */
#define BYTES_NEAR(now, shorter) ((shorter) ? (now)*3 / 2 : (now)*4 / 3)
static int bytes_whole_may_win(const frame_header *h, const frame_chunk *chunks, const uint32_t *cm_lens, int shorter) {
    uint64_t now, alt;
    bytes_sizes(h, chunks, cm_lens, 0, &now, &alt);
    return alt < BYTES_NEAR(now, shorter);
}

/* cm_pass: the byte models' size of every chunk i with want[i] into J->cm_lens[i], on up to `threads` threads, each
** with a model of its own (each chunk's size is what cm_encode makes, whichever thread and model codes it); with
** probe, a chunk of 2 * CM_PROBE to CM_PROBE_MAX bytes is first probed, and unless the probe comes under
** CM_PROBE_NEAR, J->cm_ests[i] gets its estimate instead (the rest at the rate of the probe's second half). */
typedef struct {
    const job *J;
    const uint8_t *want;
    int probe;
    atomic_uint next;
    atomic_int rc;
} cm_pass_arg;

static void *cm_pass_thread(void *arg) {
    cm_pass_arg *a = arg;
    const job *J = a->J;
    const frame_header *h = J->h;
    fenv_t saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    cm_model *cm = NULL;
    uint8_t *out = NULL;
    for (uint32_t i; (i = atomic_fetch_add(&a->next, 1)) < h->n_chunks && !atomic_load(&a->rc);) {
        if (!a->want[i]) continue;
        if (!cm && (!(cm = cm_new(cm_chunk(h), 0, cm_version_of(h, 0), J->ks)) ||
                    !(out = llmz_malloc(h->chunk_size)))) {
            atomic_store(&a->rc, LLMZ_ERR_NOMEM);
            break;
        }
        size_t len = frame_chunk_orig(h, i), half = 0, p;
        const uint8_t *src = J->src + (uint64_t)i * h->chunk_size;
        if (a->probe && len >= 2 * CM_PROBE && len <= CM_PROBE_MAX &&
            (p = cm_encode_mid(cm, src, CM_PROBE, out, CM_PROBE - 1, CM_PROBE / 2, &half)) &&
            !CM_PROBE_NEAR(p, CM_PROBE)) {
            uint64_t est = p + (uint64_t)(len - CM_PROBE) * (p - half) / (CM_PROBE / 2);
            J->cm_ests[i] = (uint32_t)(est < len ? est : len);
            continue;
        }
        J->cm_lens[i] = (uint32_t)cm_encode(cm, src, len, out, len - 1);
    }
    cm_free(cm);
    llmz_free(out);
    fesetenv(&saved);
    return NULL;
}

static int cm_pass(const job *J, const uint8_t *want, int probe, int threads) {
    cm_pass_arg a = {J, want, probe, 0, 0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN); /* (a model each: 64 MiB for long chunks) */
    uint32_t wanted = 0;
    for (uint32_t i = 0; i < J->h->n_chunks; i++) wanted += want[i];
    if (cpus > 0 && threads > cpus) threads = (int)cpus;
    if ((uint32_t)threads > wanted) threads = (int)wanted;
    pthread_t tid[LLMZ_MAX_THREADS];
    int started = 0;
    while (started < threads - 1 && pthread_create(&tid[started], NULL, cm_pass_thread, &a) == 0) started++;
    cm_pass_thread(&a);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    return atomic_load(&a.rc);
}

/* A grouped frame's chunks, probed or coded by the byte models before the frame's job, on the context's threads (in
** enc_start they ran one after another on a group's first thread, the others waiting: a fifth of a long prose input's
** time).  Random-looking chunks (stored at once) and x86 chunks (filtered first) are left to enc_start. */
static int cm_prepass(job *J, int threads) {
    const frame_header *h = J->h;
    uint8_t *want = llmz_calloc(h->n_chunks, 1);
    if (!want) return LLMZ_ERR_NOMEM;
    for (uint32_t i = 0; i < h->n_chunks; i++) {
        const uint8_t *p = J->src + (uint64_t)i * h->chunk_size;
        size_t len = frame_chunk_orig(h, i);
        want[i] = !looks_random(p, len) && !(h->version >= FRAME_V6 && x86_looks(p, len));
    }
    int rc = cm_pass(J, want, 1, threads);
    if (rc == LLMZ_OK) J->cm_pre = want;
    else llmz_free(want);
    return rc;
}

/* A grouped frame's chunks that cm_prepass only probed (cm_ests[i] nonzero, cm_lens[i] 0): if the choices after the
** frame (bytes_would_win; bytes_whole_may_win when `whole` may be tried) could come out otherwise with each estimate
** taken 9/10 as large, the byte models code those chunks whole now, and cm_lens holds their sizes as if enc_start had
** (the estimate errs high: the models learn on as a chunk goes on; on 24 chunks of calgary/news, book2 and lcet10
** the whole chunk came 0.83-1.0 times the estimate, and 1.34-1.57 times the chosen coding: short of 4/3). */
static int cm_settle(const job *J, const frame_chunk *chunks, int grouped, int whole, int shorter, int threads) {
    const frame_header *h = J->h;
    uint32_t n = h->n_chunks, *guess = llmz_malloc((size_t)n * sizeof *guess);
    if (!guess) return LLMZ_ERR_NOMEM;
    int probed = 0;
    for (uint32_t i = 0; i < n; i++) {
        probed |= J->cm_ests[i] != 0;
        guess[i] = J->cm_ests[i] ? J->cm_ests[i] / 10 * 9 : J->cm_lens[i];
    }
    uint64_t alt;
    int may = probed && ((grouped && bytes_would_win(h, chunks, guess, &alt)) ||
                         (whole && bytes_whole_may_win(h, chunks, guess, shorter)));
    llmz_free(guess);
    if (!may) return LLMZ_OK;
    uint8_t *want = llmz_malloc(n);
    if (!want) return LLMZ_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) want[i] = J->cm_ests[i] != 0;
    int rc = cm_pass(J, want, 0, threads);
    llmz_free(want);
    return rc;
}

typedef int frame_coder(llmz_cctx *c, int adapt, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                        llmz_stats *stats, llmz_token_info ***recs, frame_header *hout, frame_chunk **chunks_out);
static frame_coder compress_once, compress_structured;

/* dst holds a frame of *dst_size bytes: the same input coded by `code` with `adapt` replaces it if smaller. */
static int keep_smaller_by(frame_coder *code, llmz_cctx *c, int adapt, uint8_t *dst, size_t *dst_size, const void *src,
                           size_t size, llmz_stats *stats) {
    uint8_t *alt = llmz_malloc(*dst_size);
    if (!alt) return LLMZ_ERR_NOMEM;
    size_t an = 0;
    llmz_stats ast;
    int rc = code(c, adapt, alt, *dst_size, &an, src, size, stats ? &ast : NULL, NULL, NULL, NULL);
    if (rc == LLMZ_OK && an < *dst_size) { /* smaller: it replaces the frame */
        memcpy(dst, alt, an);
        *dst_size = an;
        if (stats) *stats = ast;
    }
    llmz_free(alt);
    return rc == LLMZ_OK || rc == LLMZ_ERR_DST_TOO_SMALL ? LLMZ_OK : rc;
}

static int keep_smaller(llmz_cctx *c, int adapt, uint8_t *dst, size_t *dst_size, const void *src, size_t size,
                        llmz_stats *stats) {
    return keep_smaller_by(compress_once, c, adapt, dst, dst_size, src, size, stats);
}

/* Structured text first: when the byte models code the first CM_PROBE bytes of a frame in under 1.2 bits a byte
** (logs, tables, generated JSON and XML; prose and code take 1.6-3), the byte models alone code the whole frame in long
** chunks first, and under 3/4 bit a byte that frame is kept without running the LM, which did not come near when its
** chunks are the automatic size or shorter, each restarting what the byte models learn: 300 KB of a dpkg log (0.18
** bits a byte) 6,850 bytes in 0.6 s instead of 5.7 s; apt's term.log (0.49), 1 MB of silesia/xml (0.63) the same
** bytes; 300 KB of locale files 21,547 -> 20,290 (the LM's chunks had kept the byte models from trying); JSON (0.55)
** 10,261 -> 10,245.  A frame the LM would code in one chunk, or in longer ones (levels 7-9), may still gain from it
** (77 KB of package JSON: the byte models 2,288 bytes, the LM in one chunk 2,177): there, and above 3/4 bit, the LM's
** frame is made as before and the smaller kept.  The probe costs a twentieth of a second per frame; any rule gives a
** valid frame: this one only trades time. */
#define STRUCT_KEEP(len, n) ((len)*32 < (n)*3)   /* under 3/4 bit a byte */
static int structured(const llmz_cctx *c, int adapt, const uint8_t *src, size_t size) {
    if (c->format < FRAME_V4 || !(adapt & LLMZ_ADAPT_BYTES) || (adapt & (ENGINE_BYTES_ONLY | ENGINE_WHOLE_TRIED)) ||
        c->chunk || c->dict || size < 2 * CM_PROBE || looks_binary(src, size))
        return 0;
    frame_header h;
    engine_fill_header(&h, c->m, c->format);
    cm_model *cm = cm_new(CM_PROBE, 0, cm_version_of(&h, 0), kernels_get(c->kernels));
    uint8_t *out = llmz_malloc(CM_PROBE);
    size_t len = cm && out ? cm_encode(cm, src, CM_PROBE, out, CM_PROBE) : 0;
    cm_free(cm);
    llmz_free(out);
    return len && CM_PROBE_NEAR(len, CM_PROBE);
}

/* Structured text first (above), then the LM's frame. */
static int compress_structured(llmz_cctx *c, int adapt, void *dst, size_t cap, size_t *dst_size, const void *src,
                               size_t size, llmz_stats *stats, llmz_token_info ***recs, frame_header *hout,
                               frame_chunk **chunks_out) {
    if (recs || !structured(c, adapt, src, size))
        return compress_once(c, adapt, dst, cap, dst_size, src, size, stats, recs, hout, chunks_out);
    llmz_stats bst;
    size_t bn = 0;
    int rc = compress_once(c, adapt | ENGINE_BYTES_ONLY, dst, cap, &bn, src, size, stats ? &bst : NULL, NULL, NULL,
                           NULL);
    if (rc == LLMZ_OK && STRUCT_KEEP(bn, size) && c->chunk_shift <= 0 &&
        size > llmz_auto_chunk_shift(size, c->chunk_shift)) {
        *dst_size = bn;
        if (stats) *stats = bst;
        return LLMZ_OK;
    }
    if (rc != LLMZ_OK && rc != LLMZ_ERR_DST_TOO_SMALL) return rc;
    uint8_t *keep = rc == LLMZ_OK ? llmz_malloc(bn) : NULL;
    if (rc == LLMZ_OK && !keep) return LLMZ_ERR_NOMEM;
    if (keep) memcpy(keep, dst, bn);
    c->whole_made = keep ? bn : 0;
    rc = compress_once(c, adapt | ENGINE_WHOLE_TRIED, dst, cap, dst_size, src, size, stats, NULL, NULL, NULL);
    c->whole_made = 0;
    if (keep && (rc == LLMZ_ERR_DST_TOO_SMALL || (rc == LLMZ_OK && bn < *dst_size))) { /* the byte models' frame */
        memcpy(dst, keep, bn);
        *dst_size = bn;
        if (stats) *stats = bst;
        rc = LLMZ_OK;
    }
    llmz_free(keep);
    return rc;
}

/* One frame with the online models `adapt`; with recs (llmz_analyze_frame), each chunk's token records too, and the
** frame's header and chunk table in hout and chunks_out (the caller frees them).  Longer chunks (LLMZ_P_CHUNK_SHIFT
** above 0: levels 7-9) code the frame with the automatic ones too, and the smaller is kept: a chunk codes one way
** throughout, so an input of two kinds came out larger in one long chunk (100 KB, a dpkg log then prose: 13,492
** bytes at -7 and -9, 12,705 at -6 in two chunks, the log's by the byte models, the prose's with the LM). */
int engine_compress(llmz_cctx *c, int adapt, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                    llmz_stats *stats, llmz_token_info ***recs, frame_header *hout, frame_chunk **chunks_out) {
    int rc = compress_structured(c, adapt, dst, cap, dst_size, src, size, stats, recs, hout, chunks_out);
    if (rc != LLMZ_OK || recs || c->chunk || c->chunk_shift <= 0 || c->dict ||
        (adapt & (ENGINE_BYTES_ONLY | ENGINE_WHOLE_TRIED)) || looks_binary(src, size)) /* (binary: the same chunks) */
        return rc;
    int shift = c->chunk_shift;
    c->chunk_shift = 0;
    rc = keep_smaller_by(compress_structured, c, adapt, dst, dst_size, src, size, stats);
    c->chunk_shift = shift;
    return rc;
}

/* One frame with the online models `adapt` (c's, or c's without chunk groups after a group's fallback). */
static int compress_once(llmz_cctx *c, int adapt, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                         llmz_stats *stats, llmz_token_info ***recs, frame_header *hout, frame_chunk **chunks_out) {
    *dst_size = 0;
    atomic_store_explicit(&c->progress, 0, memory_order_relaxed);
    int lm_off = (adapt & ENGINE_BYTES_ONLY) != 0, tried_whole = (adapt & ENGINE_WHOLE_TRIED) != 0;
    adapt &= ~(ENGINE_BYTES_ONLY | ENGINE_WHOLE_TRIED);
    const kernel_set *ks = kernels_get(c->kernels);
    if (!ks) return LLMZ_ERR_UNSUPPORTED;
    frame_header h;
    engine_fill_header(&h, c->m, c->format);
    /* formats 1-3 are written for decoders that knew numerics 1 only */
    h.numerics = (uint8_t)(c->format < FRAME_V4 ? 1 : c->numerics);
    if (c->lossy) { /* mode 1: the certificate, about this frame's input (the reconstruction) */
        if (h.version < FRAME_V4) return LLMZ_ERR_PARAM;
        llmz_certificate cert = c->cert;
        uint8_t digest[32];
        sha256(src, size, digest);
        memcpy(cert.recon_hash, digest, 16);
        cert.recon_size = size;
        h.mode = FRAME_MODE_LOSSY;
        h.cert_len = (uint8_t)cert_encode(&cert, h.cert);
    }
    if (c->dict) { /* a dictionary frame: format 4, lossless, no chunk groups, no byte models */
        if (h.version < FRAME_V4 || c->lossy) return LLMZ_ERR_PARAM;
        adapt &= ~(LLMZ_ADAPT_GROUP | LLMZ_ADAPT_BYTES);
        dict_fill_header(&h, c->dict);
    }
    int bytes = h.version >= 4 && (adapt & LLMZ_ADAPT_BYTES);
    h.chunk_size = c->chunk ? c->chunk : llmz_auto_chunk_shift(size, c->chunk_shift);
    if (c->dict && !c->chunk && size && size < h.chunk_size) /* one chunk: its size is the shortest varint */
        h.chunk_size = (uint32_t)size;
    int binary = bytes && !c->chunk && (lm_off || looks_binary(src, size));
    if (binary) h.chunk_size = bytes_chunk(size);
    /* two chunks in one group: decoders advance both at once (not when longer chunks are asked for) */
    if (!c->chunk && c->chunk_shift <= 0 && !binary && (adapt & LLMZ_ADAPT_GROUP) && size > GROUP_SPLIT_MIN &&
        size <= h.chunk_size)
        h.chunk_size = (uint32_t)((size + 1) / 2);
    if (!c->chunk && !binary) h.chunk_size = crlf_whole(src, size, h.chunk_size);
    h.flags = engine_frame_flags(adapt, c->eol, c->m->has_adapter);
    h.orig_size = size;
    if (c->copy_list) { /* format 8: src is the literals of a frame with copies */
        h.copies = 1;
        h.out_size = c->copies_out;
        h.copies_len = c->copies_len;
        h.copy_list = c->copy_list;
    }
    uint64_t nc = ((uint64_t)size + h.chunk_size - 1) / h.chunk_size;
    if (nc > 0xffffffffu) return LLMZ_ERR_PARAM;
    h.n_chunks = (uint32_t)nc;
    if (h.n_chunks < 2) h.flags &= (uint8_t)~FRAME_FLAG_GROUP; /* a group of one is a chunk coded alone */
    /* binary input: its chunks go to the byte models (method 3), which share nothing across a group, while a group's
    ** chunks are advanced by one worker in lockstep: without groups they run on as many threads as there are */
    if (binary) h.flags &= (uint8_t)~FRAME_FLAG_GROUP;
    if (frame_dict_one(&h)) h.crc_seed = frame_head_crc(&h); /* its chunk's CRC covers the header */
    h.table_len = frame_table_len(&h, NULL); /* the least the table takes: the exact check is write_frame's */
    if (cap < frame_header_len(&h)) return LLMZ_ERR_DST_TOO_SMALL;
    frame_chunk *chunks = llmz_calloc(h.n_chunks + 1, sizeof *chunks);
    uint8_t *scratch = size ? llmz_malloc((size_t)h.n_chunks * h.chunk_size) : NULL;
    if (!chunks || (size && !scratch)) {
        llmz_free(chunks);
        llmz_free(scratch);
        return LLMZ_ERR_NOMEM;
    }
    job J;
    job_init(&J, c->m, ks, &encoder, &h, chunks, src, scratch);
    J.progress = &c->progress;
    J.bytes = bytes;
    J.lm_off = lm_off;
    int rc = LLMZ_OK;
    if (recs && !(J.recs = llmz_calloc(h.n_chunks + 1, sizeof *J.recs))) rc = LLMZ_ERR_NOMEM;
    int grouped = (h.flags & FRAME_FLAG_GROUP) && bytes && !recs;
    if (rc == LLMZ_OK && bytes && !recs &&
        (!(J.cm_lens = llmz_calloc(h.n_chunks + 1, sizeof *J.cm_lens)) ||
         !(J.cm_ests = llmz_calloc(h.n_chunks + 1, sizeof *J.cm_ests))))
        rc = LLMZ_ERR_NOMEM;
    if (rc == LLMZ_OK && h.npre && size) { /* a dictionary frame: the dictionary learnt once per context */
        rc = prime_get(&c->prime, c->m, ks, &h, c->dict, c->threads);
        J.prime = c->prime;
    }
    if (rc == LLMZ_OK && grouped && !lm_off) rc = cm_prepass(&J, c->threads);
    if (rc == LLMZ_OK) rc = run_job(&J, 0, c->threads);
    /* the byte models alone in long chunks: not when they had the whole frame's chunks to themselves already */
    int may_whole = J.cm_lens && !binary && !c->chunk && !tried_whole, shorter = c->chunk_shift < 0;
    if (rc == LLMZ_OK && J.cm_ests) rc = cm_settle(&J, chunks, grouped, may_whole, shorter, c->threads);
    uint64_t alt = 0;
    int retry = rc == LLMZ_OK && grouped && bytes_would_win(&h, chunks, J.cm_lens, &alt);
    int whole = rc == LLMZ_OK && may_whole && bytes_whole_may_win(&h, chunks, J.cm_lens, shorter);
    llmz_free(J.cm_lens);
    llmz_free(J.cm_ests);
    llmz_free(J.cm_pre);
    if (rc == LLMZ_OK) rc = write_frame(dst, cap, dst_size, &h, chunks, scratch);
    if (rc == LLMZ_OK && stats) job_stats(stats, &J, size, *dst_size);
    if (rc == LLMZ_OK && recs) { /* handed over */
        *recs = J.recs;
        *hout = h;
        *chunks_out = chunks;
        J.recs = NULL;
        chunks = NULL;
    }
    free_recs(J.recs, h.n_chunks);
    llmz_free(chunks);
    llmz_free(scratch);
    if (rc == GROUP_FALLBACK) /* a chunk of a group came out larger than stored: no groups in this frame */
        return compress_once(c, (adapt & ~LLMZ_ADAPT_GROUP) | (tried_whole ? ENGINE_WHOLE_TRIED : 0), dst, cap,
                             dst_size, src, size, stats, recs, hout, chunks_out);
    /* the byte models alone first (a tenth of the LM's time); the frame without groups (the LM again) only if that
    ** did not already come under its estimate, and without trying the byte models alone again (a log of 200 KB:
    ** 28,587 bytes grouped, 26,796 without groups, 23,956 by the byte models alone; 10.9 -> 6.0 s) */
    if (whole && rc == LLMZ_OK) rc = keep_smaller(c, adapt | ENGINE_BYTES_ONLY, dst, dst_size, src, size, stats);
    size_t best = c->whole_made && c->whole_made < *dst_size ? c->whole_made : *dst_size; /* (made first: above) */
    if (retry && rc == LLMZ_OK && (!(whole || c->whole_made) || best > alt))
        rc = keep_smaller(c, (adapt & ~LLMZ_ADAPT_GROUP) | (whole || tried_whole ? ENGINE_WHOLE_TRIED : 0), dst,
                          dst_size, src, size, stats);
    return rc;
}

/* Format 8: when long stretches of the input repeat (COPIES_USE bytes and a COPIES_SHARE-th of it at least), the
** frame may list them as copies and code the rest in its chunks (format/copies.h): a repeat of many kilobytes then
** costs a few bytes and no model time (2 MB of one 20 KB text repeated: 24,990 bytes at 30 KB/s -> 5,605 at 2 MB/s;
** xz -9e 8,924).  The models code repeats of a few kilobytes about as cheaply, and a literal stream with holes can
** cost more (package JSON with 12 KB of repeats of 256 bytes and more: 2,288 -> 2,471 bytes), so unless the copies
** cover COPIES_ALONE of the input the frame without them is made too and the smaller kept. */
#define COPIES_USE 4096
#define COPIES_SHARE 32
#define COPIES_ALONE(n) ((n) / 16 * 15)
static int compress_copies(llmz_cctx *c, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                           llmz_stats *stats, int *used) {
    *used = 0;
    if (c->format < FRAME_V8 || c->lossy || c->dict || size < COPIES_USE) return LLMZ_OK;
    uint8_t *lit = llmz_malloc(size), *list = NULL;
    if (!lit) return LLMZ_ERR_NOMEM;
    size_t list_len = 0, nlit = 0;
    int64_t covered = copies_find(src, size, &list, &list_len, lit, &nlit);
    int rc = covered < 0 ? LLMZ_ERR_NOMEM : LLMZ_OK;
    if (covered >= COPIES_USE && (uint64_t)covered >= size / COPIES_SHARE) {
        c->copy_list = list;
        c->copies_len = list_len;
        c->copies_out = size;
        rc = engine_compress(c, c->adapt, dst, cap, dst_size, lit, nlit, stats, NULL, NULL, NULL);
        c->copy_list = NULL;
        if (rc == LLMZ_OK) {
            *used = 1;
            if (stats) stats->in_bytes = size;
            if ((uint64_t)covered < COPIES_ALONE(size))
                rc = keep_smaller(c, c->adapt, (uint8_t *)dst, dst_size, src, size, stats);
        } else if (rc == LLMZ_ERR_DST_TOO_SMALL) { /* (the list is shorter than what it saves: not expected) */
            rc = LLMZ_OK;
        }
    }
    llmz_free(list);
    llmz_free(lit);
    return rc;
}

int llmz_compress_frame(llmz_cctx *c, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                        llmz_stats *stats) {
    if (!c || !dst_size || (!src && size) || (!dst && cap)) return LLMZ_ERR_PARAM;
    *dst_size = 0;
    int used, rc = compress_copies(c, dst, cap, dst_size, src, size, stats, &used);
    if (rc != LLMZ_OK) *dst_size = 0; /* (a frame with copies made, the one without them failed) */
    if (rc != LLMZ_OK || used) return rc;
    return engine_compress(c, c->adapt, dst, cap, dst_size, src, size, stats, NULL, NULL, NULL);
}

int llmz_cctx_set_certificate(llmz_cctx *c, const llmz_certificate *cert) {
    if (!c) return LLMZ_ERR_PARAM;
    if (cert) {
        llmz_certificate t;
        uint8_t b[CERT_MAX];
        if (cert_decode(&t, b, cert_encode(cert, b)) != LLMZ_OK) return LLMZ_ERR_PARAM; /* level, strength */
        c->cert = *cert;
    }
    c->lossy = cert != NULL;
    return LLMZ_OK;
}

uint64_t llmz_cctx_progress(const llmz_cctx *c) {
    return c ? atomic_load_explicit(&c->progress, memory_order_relaxed) : 0;
}
