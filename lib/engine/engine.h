/*
** engine.h -- the engine's shared types: contexts, the chunk being coded (seq), a thread's batch (lane), a worker
** and a frame job, and the interfaces between the engine's files.  Internal to lib/; the CLI sees llmz.h only.
**
** Who owns what (each file's first comment says what it may not touch):
**   context.c     versions, error names, contexts and their parameters, options -> frame flags
**   predictor.c   the predictor: logits + online models -> the integer frequencies of the next token, and
**                 their learning step; the same for both directions (it never codes and never reads input)
**   batch.c       rows of a batch (the context rule), one evaluation per batch, lanes and chunk groups
**   worker.c      a worker's allocations (worker_init / worker_free) as the plan of sizing.c says
**   sizing.c      the one sizing rule: threads, slots, lanes and rows of a frame's workers, and their bytes
**   jobs.c        a frame's chunks spread over worker threads
**   compress.c    the encoder driver and llmz_compress_frame
**   decompress.c  the decoder driver, frame inspection and llmz_decompress_frame
**   prepare.c     chunk preparation: CRLF <-> LF and the "looks random" test
**   score.c       llmz_model_score
** Context rule (docs/format.md): inputs are u_0 = start token ("\n"), u_j = t_(j-1); before feeding an input
** while the state already holds `window` inputs, the state is reset and the last `keep` inputs are fed again
** at positions 0.. .
*/
#ifndef LLMZ_ENGINE_H
#define LLMZ_ENGINE_H
#include <pthread.h>
#include <stdatomic.h>

#include "adapt/bias.h"
#include "adapt/cache.h"
#include "adapt/match.h"
#include "adapt/ngram.h"
#include "adapt/sse.h"
#include "cm/cm.h"
#include "cm/lmbits.h"
#include "coder/rc.h"
#include "common/team.h"
#include "format/frame.h"
#include "llmz.h"
#include "model/model.h"

/* ---- dictionaries (dict.c) ---------------------------------------------------------------------- */
struct llmz_dict {
    const llmz_model *m;  /* the model it was loaded for (its fingerprint is the one the file records) */
    uint8_t fp[32];       /* SHA-256 of the dictionary file: a dictionary frame holds its first 4 bytes */
    uint8_t *text;        /* the dictionary's text */
    size_t size;
    int32_t *ids;         /* its tokens under m: every chunk of a dictionary frame is coded after them */
    uint32_t ntok;
};
/* The frame fields of a dictionary frame for dictionary d (or none for NULL): h->dict, the fingerprint, the
** prefix tokens. */
void dict_fill_header(frame_header *h, const llmz_dict *d);

/* A dictionary's primed state (prime.c): what a dictionary frame's chunk holds after the dictionary's tokens, made
** once per context (and again when a frame's model, online models or window differ) and copied into each chunk. */
typedef struct prime prime;

/* ---- contexts (context.c) ---------------------------------------------------------------------- */
struct llmz_cctx {
    const llmz_model *m;
    int threads, kernels, adapt, eol, format, numerics;
    uint32_t chunk;
    int chunk_shift;                /* LLMZ_P_CHUNK_SHIFT */
    size_t whole_made;              /* engine_compress, while the LM's frame is made after the byte models' (compress.c,
                                    ** "structured text first"): that frame's size, else 0 */
    atomic_uint_least64_t progress; /* llmz_cctx_progress: bytes of this frame's tokens coded so far */
    int lossy;                      /* llmz_cctx_set_certificate: frames are lossy (mode 1) with this certificate */
    llmz_certificate cert;
    uint32_t segment;               /* LLMZ_P_SEGMENT (0: LLMZ_SEGMENT_DEFAULT) */
    int index;                      /* LLMZ_P_INDEX */
    struct cstream *cs;             /* llmz_compress_stream's state (cstream.c), made at its first call */
    const llmz_dict *dict;          /* llmz_cctx_set_dict: frames are dictionary frames primed with it */
    /* llmz_compress_frame in format 8, while it codes the literals of a frame with copies (format/copies.h): the
    ** list (copies_len bytes) and the output's size, which engine_compress writes into the frame's header */
    const uint8_t *copy_list;
    uint64_t copies_len, copies_out;
    prime *prime;                   /* its primed state (prime.c), made at the first dictionary frame */
};

struct llmz_dctx {
    const llmz_model *m;
    int threads, kernels;
    uint64_t memlimit;
    atomic_uint_least64_t progress; /* llmz_dctx_progress: bytes of this frame's tokens decoded so far */
    struct dstream *ds;             /* llmz_decompress_stream's state (dstream.c), made at its first call */
    const llmz_dict *dict;          /* llmz_dctx_set_dict: the dictionary dictionary frames need */
    prime *prime;                   /* its primed state (prime.c), made at the first dictionary frame */
};

/* cstream.c, dstream.c: free a context's stream state (NULL accepted); llmz_cctx_free / llmz_dctx_free call them. */
void cstream_free(struct cstream *s);
void dstream_free(struct dstream *s);

/* The frame flags (FRAME_FLAG_*) that LLMZ_ADAPT_* bits, CRLF coding and an adapter give: the one place. */
uint8_t engine_frame_flags(int adapt, int eol, int has_adapter);
/* compress.c: the window and keep the encoder writes for m, which format 4 writes as "the model's defaults": the
** model's context length (at most 65535) and a quarter of it.  The one statement of the rule. */
void engine_model_window(const llmz_model *m, uint16_t *window, uint16_t *keep);
/* compress.c: the header fields the encoder writes for model m in format `version` (model, adapter and window;
** in format 4 short fingerprints and no names for built-in models and adapters); sizes and flags are the caller's. */
void engine_fill_header(frame_header *h, const llmz_model *m, int version);

/* Rows per chunk a grouped encoder evaluates at least in one batch (beyond the re-fed ones). */
#define GROUP_ENC_ROWS 64
/* Grouped frames: an input of more than this many bytes that would be one chunk is cut in two. */
#define GROUP_SPLIT_MIN (16u * 1024u)
/* Internal: a grouped frame's chunk came out larger than stored; the frame is coded again without groups. */
#define GROUP_FALLBACK (-100)
/* engine_compress's adapt bit beside the LLMZ_ADAPT_* ones (never in a frame): the frame coded by the byte models
** alone, in binary input's chunks (compress.c, engine_compress's retries) */
#define ENGINE_BYTES_ONLY 0x100
#define ENGINE_WHOLE_TRIED 0x200 /* ... and one saying that frame was tried already (no second try) */

/* ---- the online models and the chunk being coded ------------------------------------------------- */

/* The online models a chunk learns as it is coded; in a chunk group (frame flag bit 7) one set is shared by
** the group's chunks, coded in lockstep (docs/format.md, "Chunk groups"). */
typedef struct {
    match_model mm; /* frame flag FRAME_FLAG_ADAPT: match model (the recency cache is each chunk's own) */
    ngram_model gm; /* frame flag FRAME_FLAG_NGRAM: token n-gram models */
    sse_model ss;   /* frame flag FRAME_FLAG_SSE: secondary estimation of the top token */
    int fresh;      /* 1 from pred_init to the first pred_models_reset: the tables are as a reset leaves them */
} models;

/* One chunk being coded: its model state, tokens and range coder. */
typedef struct {
    uint32_t idx;  /* chunk index in the frame */
    tf_state *st;  /* KV cache (owned by the slot, reused) */
    int32_t *ids;  /* encoder: the chunk's tokens; decoder: tokens decoded so far */
    size_t ids_cap;
    size_t ntok;   /* encoder: number of tokens (the dictionary's prefix included) */
    size_t pre;    /* a dictionary frame: ids starts with the dictionary's tokens, learnt but not coded */
    size_t done;   /* tokens coded so far */
    size_t n, out; /* chunk bytes; decoder: bytes produced so far (after CRLF -> LF when crlf) */
    size_t exp;    /* decoder: original bytes those stand for (LF counts 2 when crlf) */
    int crlf;      /* the model codes the chunk with every CRLF written as LF */
    uint8_t *norm; /* encoder: the chunk with CRLF -> LF (slot buffer, chunk_size bytes) */
    const uint8_t *src;
    uint8_t *dst;
    rc_enc enc;
    rc_dec dec;
    int row0, first_new, nrows; /* this seq's rows in the current batch */
    int out0;                   /* the batch's logits row of its first new row (re-fed rows get none) */
    int active, err;
    int learn_due;        /* a group's step on a team: this chunk's token is learnt at the next step (batch.c) */
    int stored;           /* encoder: stored raw without running the model (looks_random), or coded by the byte
                          ** models alone (bytes) */
    int bytes;            /* encoder: the chunk goes to the byte models (method 3) without running the LM */
    uint8_t *cmbuf;       /* encoder of format version 4: the byte models' coding of the chunk (slot buffer) */
    size_t cm_len;        /* its length (0: not smaller than the chunk) */
    int x86;              /* encoder of format version 6: that coding is of the chunk after the x86 call filter */
    cm_model *mx;         /* method 4: the byte models this chunk's token bits are mixed with (the slot's) */
    int mx_on;            /* they code this chunk: the decoder's method 4; the encoder's second coding, until it
                          ** overflows or meets a token lmbits cannot code */
    rc_enc menc;          /* encoder: that second coding, into mxbuf */
    uint8_t *mxbuf;
    models *M;            /* the online models this chunk learns (its own, or its group's) */
    const match_group *G; /* the token histories its match model sees, and its index there */
    int self;
    match_group own;      /* a chunk coded alone: a group of one */
    const int32_t *hist;  /* = ids, for own */
    match_seq mq;         /* this chunk's place in the models */
    match_model om;       /* format version 3, in a chunk group: a match model of the chunk's own history too */
    match_seq oq;
    llmz_token_info *rec; /* llmz_analyze_frame: this chunk's token records (NULL otherwise) */
    uint64_t rec_off;     /* the next token's offset */
    ngram_seq gq;
    sse_step sq;
    uint32_t u_lm, u_cached, u_freq; /* the coded token's frequency from the LM, after the cache, in the end */
    cache_model cm;       /* frame flag FRAME_FLAG_ADAPT: the recency cache (a chunk's own, in a group too) */
    bias_model bm;        /* and, from format version 3, the output bias (a chunk's own) */
    int sse_on;           /* this step: the token is coded in two steps (sse.h) */
    int32_t top;          /* this step: the predicted top token, its frequency, the frequency of "it is top" */
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
    uint32_t *bc;   /* (V+1) method 4: the frequencies' sums in the vocabulary's byte order (lmbits.h) */
    int V;
    const uint32_t *f_lm, *f_cached; /* this step: frequencies before the cache, before the n-grams */
    int32_t *rows;  /* (nmax) input tokens of a batch */
    int32_t *outs;  /* (nmax) the rows that get logits (the new ones), ascending */
    int nout;
    tf_state **rs;  /* (nmax) state of each row */
    int nr, step, rc; /* grouped: rows of this batch, the step to code, the first error */
    double model_bits, freq_bits;
    uint64_t tokens;
} lane;

/* ---- the one sizing rule (sizing.c) ------------------------------------------------------------- */

/* How a frame's chunks are spread over workers, and the shape of each worker: what worker_init allocates
** and what llmz_dctx_frame_memory counts, from one function. */
typedef struct {
    int workers;      /* threads that get chunks (the calling thread included) */
    int team_n;       /* threads per worker: > 1 when there are fewer chunks (or chunk groups) than threads */
    int slots;        /* chunks a worker advances together */
    uint32_t quota;   /* decoder: chunks one worker takes at most (0: no limit) */
    int grouped;      /* frame flag bit 7: the slots are one chunk group */
    int nmax;         /* rows of a worker's batch */
    int grow;         /* grouped: new rows per chunk in a batch */
    int nlanes;       /* lanes of a worker (a team member's each, for a group) */
    int lane_rows;    /* rows of each lane's batch */
    int norm;         /* encoder of a frame with FRAME_FLAG_EOL: a CRLF -> LF buffer per slot */
    int cmbuf;        /* encoder trying the byte models: their output buffer per slot */
    int cm;           /* a byte model per worker: encoder trying them, decoder of a frame with method-3 chunks */
    int mix;          /* a byte model per slot and the vocabulary's byte order: method 4 (encoder trying it too) */
} plan;

/* The plan for coding frame h (decode: its decoder, else its encoder) on `threads` threads of which `cpus`
** can run at once (0: as many as threads, the figure memory estimates use, independent of the machine). */
void engine_plan(plan *p, const frame_header *h, int decode, int threads, long cpus);
/* Bytes the workers of plan p hold (worker_init's allocations and the teams' attention rows). */
uint64_t plan_bytes(const plan *p, const llmz_model *m, const frame_header *h);
/* What llmz_decompress_frame allocates for the frame on `threads` threads: chunk table, offsets, and the
** workers of engine_plan (decompress.c; llmz_dctx_frame_memory adds buffers and model). */
uint64_t engine_decode_bytes(const llmz_model *m, const llmz_frame_info *info, int threads);

/* ---- workers (worker.c) and the predictor (predictor.c) ------------------------------------------ */

typedef struct worker worker;
typedef struct job job;

/* What differs between the two directions: how a chunk starts, how a token is coded, when a chunk is done, and
** how it is settled.  compress.c and decompress.c each define one; everything else is shared. */
typedef struct {
    int one_input; /* the decoder learns its next input only after decoding it: one new row per chunk */
    int (*start)(job *J, worker *w, seq *s, uint32_t i);
    /* code the token that logits lg predict: encode s->ids[s->done], or decode it into s->ids[s->done] */
    int (*code)(worker *w, lane *L, seq *s, const float *lg);
    int (*finished)(const seq *s);
    /* a chunk is done (or failed); bits0, fbits0, tok0: lane 0's statistics when it started */
    int (*end)(job *J, worker *w, seq *s, double bits0, double fbits0, uint64_t tok0);
} driver;

struct worker {
    const llmz_model *m;
    const kernel_set *ks;
    const driver *drv;
    int window, keep, V, nmax, nslots, adapt, ngram, sse;
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
    int learn_due;  /* a group on a team: the last step's tokens are still to be learnt (slots' learn_due) */
    int grow;       /* grouped: new rows per chunk in a batch */
    seq *slots;     /* (nslots) */
    atomic_uint_least64_t *progress; /* the context's progress counter: each coded token adds its bytes */
    cm_model *cm;   /* the byte models (method 3), made at the first chunk that needs them */
    lmbits *lb;     /* method 4: the vocabulary in byte order (plan's mix) */
    uint32_t cm_chunk;
    int cm_version; /* the byte models' version for the frame's format (cm_version_of) */
};

int worker_init(worker *w, const llmz_model *m, const kernel_set *ks, const frame_header *h, const driver *drv,
                const plan *p);
void worker_free(worker *w);
/* The size the byte models' tables are made for: the frame's largest chunk, min(chunk size, original size) (a small
** input with a large nominal chunk size gets small tables; docs/format.md, "Byte-model chunks"). */
static inline uint32_t cm_chunk(const frame_header *h) {
    return h->orig_size < h->chunk_size ? (uint32_t)h->orig_size : h->chunk_size;
}
/* The byte models' version a frame's method-3 and method-5 chunks use (lite = 0): 7 from format version 11 (version 6
** with the match model's expected byte as a context, the counters' surprise rule and ELF files' code and data apart),
** 6 in 10 (version 4 with the bit neighbourhood in records), 4 in 7-9 (version 3 with the x86 contexts in method-5
** chunks), 3 in 6, 2 in 5, else 1;
** method 4's lite models (lite = 1) are version 5 from format version 9, else version 1 (version 2 beside the LM
** coded JavaScript 0.1-0.3% larger, package JSON 0.4-2% smaller; docs/format.md). */
static inline int cm_version_of(const frame_header *h, int lite) {
    if (lite) return h->version >= FRAME_V9 ? CM_LITE : 1;
    int v = h->version;
    return v >= FRAME_V11 ? 7 : v >= FRAME_V10 ? 6 : v >= FRAME_V7 ? 4 : v >= FRAME_V6 ? 3 : v >= FRAME_V5 ? 2 : 1;
}
/* The worker's byte models for chunks of up to chunk_size bytes (made on first use); NULL when out of memory. */
cm_model *worker_cm(worker *w, uint32_t chunk_size);
/* Bytes of a lane of `rows` rows, of a slot's chunk state and of a set of online models (worker_init's). */
uint64_t lane_bytes(const llmz_model *m, uint64_t rows);
uint64_t slot_bytes(const llmz_model *m, uint32_t chunk_size, uint8_t flags, int version, int numerics);
uint64_t models_bytes(const llmz_model *m, uint8_t flags, int version, uint32_t n_chunks);

/* The predictor.  pred_frequencies: the frequencies the next token of s is coded with (L->freq, L->cum; sse.h's
** two steps in s->top, s->ftop, s->fhit when s->sse_on); returns the LM's float probability of tok (-1: skip).
** pred_coded: token t was coded (s->done counts it).  pred_learn: the online models learn it. */
int pred_init(worker *w, const frame_header *h);
void pred_free(worker *w);
void pred_models_reset(const worker *w, models *M);
void pred_seq_reset(const worker *w, seq *s);
double pred_frequencies(const worker *w, lane *L, seq *s, const float *logits, int32_t tok);
void pred_coded(const worker *w, const lane *L, seq *s, int32_t t);
void pred_learn(const worker *w, seq *s);
/* Method 4: L->bc = the sums, in the vocabulary's byte order (lmbits.h), of the next token's distribution in one step:
** L->freq, or with sse.h's two steps (s->sse_on) the top token's frequency s->fhit and every other's
** freq * (2^28 - fhit) / (2^28 - ftop) (with the ratio as an integer part and 32 fractional bits, floored; at least 1). */
void pred_byte_order(const worker *w, lane *L, const seq *s);
/* Second step of sse.h: token t's cumulative frequency among the tokens other than top (total 2^28 - f_top). */
static inline uint32_t pred_cum_without_top(const lane *L, const seq *s, int32_t t) {
    return L->cum[t] - (t > s->top ? s->ftop : 0);
}

/* ---- batches (batch.c) --------------------------------------------------------------------------- */
int lane_init(lane *L, const llmz_model *m, int nmax, int V);
void lane_free(lane *L);
/* A chunk in a slot that still has tokens to code; slots still coding. */
int seq_coding(const worker *w, const seq *s);
int coding_slots(const worker *w);
/* One batch over every active chunk: gather rows, evaluate the model once, code the tokens. */
int worker_step(worker *w);
/* After a chunk group's last step: what worker_step left to learn is learnt (a group's steps on a team leave it
** to the next step), so that the models end as every step's tokens left them. */
void worker_settle(worker *w);

/* ---- frame jobs (jobs.c) ------------------------------------------------------------------------- */
struct job {
    const llmz_model *m;
    const kernel_set *ks;
    const driver *drv;
    frame_header *h;
    frame_chunk *chunks;
    const uint8_t *src; /* compress: input; decompress: frame */
    uint8_t *dst;       /* compress: per-chunk scratch (chunk_size each); decompress: output */
    uint64_t *offs;     /* decompress: payload offset of each chunk */
    plan p;             /* engine_plan's */
    atomic_uint next;
    atomic_int err;
    pthread_mutex_t lock;
    double model_bits, freq_bits;
    uint64_t tokens;
    atomic_uint_least64_t *progress; /* the context's progress counter (its workers add to it), or NULL */
    llmz_token_info **recs;          /* llmz_analyze_frame: each chunk's token records (NULL otherwise) */
    int bytes;                       /* compress, format version 4: each chunk is tried with the byte models */
    int lm_off;                      /* ... and coded by them alone, the LM never run (a frame's bytes-only retry) */
    uint32_t *cm_lens;               /* and their size of each chunk (0: none, or larger than the chunk) */
    uint32_t *cm_ests;               /* a grouped frame: for a chunk they only probed, the estimate (compress.c) */
    uint8_t *cm_pre;                 /* ... and 1 for a chunk whose size cm_lens holds before the job (cm_prepass) */
    uint32_t first, end;             /* the chunks to code, [first, end): job_init sets the whole frame; a decoder of
                                     ** a run of them (engine_decode_chunks) whole groups for a grouped frame; dst
                                     ** then holds chunk first's bytes at 0 */
    const prime *prime;              /* a dictionary frame: the state each chunk starts from (NULL: learnt anew) */
};

/* analyze.c: the record of token t just coded with probability q (the encoder's driver calls it). */
void analyze_record(const worker *w, const lane *L, seq *s, int32_t t, double q);
/* compress.c: one frame; with recs, each chunk's token records (an array of n_chunks, allocated here) */
int engine_compress(llmz_cctx *c, int adapt, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                    llmz_stats *stats, llmz_token_info ***recs, frame_header *hout, frame_chunk **chunks_out);

/* Run the job on its plan's workers (the calling thread included).  Chunks are independent, so the bytes
** produced do not depend on the thread count or on how chunks are batched. */
int run_job(job *J, int decode, int threads);
/* A driver's start begins here: chunk i goes into slot s, its model state and online models fresh. */
void seq_begin(const job *J, const worker *w, seq *s, uint32_t i);
/* A job over frame h's chunks for driver drv (src: the input or the frame; dst: the chunks' scratch or the output). */
void job_init(job *J, const llmz_model *m, const kernel_set *ks, const driver *drv, frame_header *h,
              frame_chunk *chunks, const uint8_t *src, uint8_t *dst);
/* h made the header engine_plan sizes a run of chunks [first, end) of the frame by: their count, bytes and methods. */
void engine_range_header(frame_header *h, const frame_chunk *chunks, uint32_t first, uint32_t end);
/* h's counts of method-3/5, method-4 and method-5 chunks among chunks[first, end) (the memory plan's). */
void engine_count_methods(frame_header *h, const frame_chunk *chunks, uint32_t first, uint32_t end);
/* decompress.c, for archive.c (random access): decode chunks [first, end) of the frame whose header h (window still
** as parsed) and chunk table were parsed; for a grouped frame first and end are group edges (end may be n_chunks).
** payload holds those chunks' payloads (chunk first's at 0, psize bytes in all), dst receives their original bytes.
** Each chunk's CRC is checked; a lossy frame's reconstruction hash when the run is the whole frame.  The model check
** (LLMZ_ERR_MODEL_MISMATCH) and LLMZ_P_MEMLIMIT (for the run: its output, payloads and workers) as for a frame.
** stats (may be NULL) counts the run: its chunks, tokens, psize and output bytes. */
int engine_decode_chunks(llmz_dctx *d, frame_header *h, frame_chunk *chunks, uint32_t first, uint32_t end,
                         const uint8_t *payload, size_t psize, uint8_t *dst, llmz_stats *stats);
/* Whether frame h is for d's model (llmz_decompress_frame's check): LLMZ_OK, LLMZ_ERR_MODEL_MISMATCH, or for a
** dictionary frame without d holding its dictionary LLMZ_ERR_DICT. */
int engine_frame_check_model(const llmz_dctx *d, const frame_header *h);
/* The call's llmz_stats from a finished job. */
void job_stats(llmz_stats *st, const job *J, uint64_t in_bytes, uint64_t out_bytes);
/* sum += s, field by field (the streams' and archive reads' running totals). */
void engine_add_stats(llmz_stats *sum, const llmz_stats *s);

/* ---- a dictionary's primed state (prime.c) -------------------------------------------------------- */
/* *pp becomes the primed state of dictionary d for frame h (h->pre, h->npre its tokens): kept when it fits h, else
** made by learning the tokens on `threads` threads (the previous one freed). */
int prime_get(prime **pp, const llmz_model *m, const kernel_set *ks, const frame_header *h, const llmz_dict *d,
              int threads);
void prime_free(prime *p); /* accepts NULL */
/* Chunk s of worker w starts from the primed state: as if it had just learnt the dictionary's tokens (seq_begin). */
void prime_restore(const prime *p, const worker *w, seq *s);
/* Bytes prime_get holds at most for frame h on `threads` threads: the worker that learns, and what it keeps. */
uint64_t prime_bytes(const llmz_model *m, const frame_header *h, int threads);
/* decompress.c: what decoding the dictionary frame `info` with d holds beyond engine_decode_bytes (its dictionary's
** primed state and the worker that makes it, the dictionary's tokens in every slot); 0 for other frames. */
uint64_t engine_dict_bytes(const llmz_dctx *d, const llmz_frame_info *info);

/* ---- chunk preparation (prepare.c) --------------------------------------------------------------- */
int crlf_only(const uint8_t *p, size_t n);
size_t crlf_strip(uint8_t *dst, const uint8_t *src, size_t n);
void crlf_restore(uint8_t *buf, size_t lf_len, size_t n);
int looks_random(const uint8_t *p, size_t n);
int looks_binary(const uint8_t *p, size_t n);
/* The encoder's rule for a chunk the byte models code in cm_len bytes: 1 to keep that without running the LM. */
int bytes_only(const uint8_t *p, size_t n, size_t cm_len);

#endif
