/*
** cm.c -- the byte models of frame method 3 (cm.h; docs/format.md, "Byte-model chunks" specifies every number
** here).  It owns the models, the mixer and the probability maps, and drives coder/rc.h one bit at a time; it knows
** nothing of frames, tokens or the language model.
**
** Numbers: a probability is 16 bits (P(bit = 1) = p / 65536, 1 <= p <= 65535); the logistic domain ("stretch") is an
** integer x in [-2047, 2047] standing for the logit x / 128.  squash(x) = round(65536 / (1 + e^(-x/128))) clamped to
** [1, 65535], computed once with det_expf; stretch(p) = the least x with squash(x) >= p.  A counter is 32 bits: a
** 22-bit probability over a 10-bit count n; it moves towards the bit by (target - p) * RECIP(n) / 65536 with
** RECIP(n) = floor(131072 / (2n + 3)) (a step of 1/(n + 1.5)), n counting up to a limit.
*/
#include "cm/cm.h"

#include <fenv.h>
#include <pthread.h>
#include <string.h>

#include "cm/elf.h"
#include "cm/x86.h"
#include "coder/rc.h"
#include "common/lazy.h"
#include "common/mem.h"
#include "numerics/detmath.h"
#include "numerics/kernels.h"

/* hashed contexts (listed in byte_done): 11 in version 1, 14 in version 2, 17 in versions 3, 4 and 6, 18 in version
** 7, which keep the run inputs of the first NR (version 5: 6, each with its run input); mixer inputs (the hashed
** contexts, order 0, order 1, the match model, a constant, the run inputs, zero-padded to a multiple of 4: 28, 32, 32,
** 32, 16, 32, 36); first-layer mixers, each with its own weight-set selector, combined by a final mixer (3 in version
** 1, 4 in versions 2-4, 6 and 7, 1 in version 5); the largest of each */
#define NH 18
#define NR 11
#define NIN_OF(nh, nr) (((nh) + 4 + (nr) + 3) & ~3)
#define NIN NIN_OF(NH, NR)
#define NMIX 4
#define REC_VOTES 16       /* a record length is taken once a candidate has been seen this many times */
#define RUN_CAP 15         /* run lengths counted in a bucket: 0..RUN_CAP */
#define NSETS0 512         /* mixer 0's weight sets: the partial byte c0 (256) x a match is running (2) */
#define NSETS1 2048        /* mixer 1's: the byte two back (256) x the bit position (8) */
#define NSETS2 2048        /* mixer 2's: the previous byte (256) x the bit position (8) */
#define NSETS3 256         /* version 2's mixer 3: the field of the line (0..15) x a byte above it in that field (2)
                           ** x the bit position (8) */
#define NSETS (NSETS0 + NSETS1 + NSETS2 + NSETS3)
#define FIELDS 16          /* version 2: fields of a line kept (a line's later fields count as its last) ... */
#define FIELD_HASHED 64    /* ... and the bytes of a field its hash takes in: in binary data a field seldom ends, and
                           ** a hash of all its bytes took a new bucket at every nibble (a cache miss each; 20 MB of
                           ** zeros 1.35x faster, an executable 0.2% smaller) */
#define IND2 65536         /* version 3's indirect contexts: the two bytes that followed each order-2 context last ... */
#define IB_MAX 20          /* ... and each hashed order-3 and order-4 context, in 2^ibits entries each (at most 2^20) */
#define NSETSF 256         /* the final mixer's: the match length bucket (0..31, 0 = none) x the bit position (8) */
#define NINF ((NMIX + 5) & ~3) /* its inputs: the first layer's outputs, a constant and an outside input (the LM's,
                               ** method 4), zero-padded to a multiple of 4 */
/* (the outside input's place is m->nmix + 1; 0 in method 3, where its weight never moves) */
#define HB_MAX 19          /* at most 2^19 buckets (32 MiB); version 3: ... */
#define HB_MAX3 20         /* ... 2^20 (64 MiB: an executable 0.7%, a changelog 1.2% smaller than with 2^19) */
#define HB_LITE 17         /* beside the LM: at most 2^17 (8 MiB) ... */
#define A2_LITE 12         /* ... and a second probability map of 2^12 rows (c1's low 4 bits, c0): 100 KB of a
                           ** changelog, JavaScript, package JSON and a dpkg log 42,809 bytes in method 4 (2^16
                           ** rows: 42,775; 2^16 buckets and 2^12 rows: 42,889) */
#define ST_MAX 2047
#define MINLEN 6           /* the match model looks up the last MINLEN bytes */
#define MAXLEN 65535
#define LIMIT_HASHED 127   /* counters' count limits */
#define LIMIT_DIRECT 255
#define LIMIT_MATCH 1023
#define LIMIT_RUN 1023    /* the run inputs' counters */
#define MIX_SHIFT 14       /* first-layer learning rate: w += x * err >> MIX_SHIFT ... */
#define LR_N 65536         /* ... >> (MIX_SHIFT - 1) over a chunk's first LR_N bytes */
#define ERR_MIN 512        /* a first-layer mixer learns only from errors above this (of 65536) */
#define MIXF_SHIFT 15      /* the final mixer's learning rate */
#define MIX_W0 (65536 / 8) /* first-layer initial weight: 1/8; the final mixer's: 1/nmix ... */
#define MIX_WF_LITE (65536 / 3) /* ... but version 5's, with one first-layer mixer: a third, as version 1's three had
                                ** (version 5 was measured as version 1 with two of its mixers silent) */
#define W_MAX (1 << 19)    /* weights are clamped to +-8 */
#define MIXF_SHIFT_X 13    /* ... and with an outside input (method 4: 100 KB of a changelog, of JavaScript, of package
                           ** JSON, of a dpkg log, 42,735 bytes in all; 15: 43,163, 14: 42,804, 12: 43,208) */
#define APM_RATE 6         /* the probability maps move by 1/2^APM_RATE of the error */
#define APM_KNOTS 33
#define APM1_ROWS (3 * 256)
#define TB_BITS 3          /* the bucket table is made lazily (common/lazy.h) in blocks of 2^3 buckets */
#define NW_SETS   (NSETS + NSETSF) /* the weight sets, each made lazily (at most) */
#define IMG_BITS 16        /* version 6: the bit neighbourhood's counters, 2^16 (7 bits of the record above, 5 of the
                           ** one above it, the last 4 bits) */
#define IMG_REC_MIN 4      /* ... taken once the record length is at least this; and beside the two probability
                           ** maps then a third, of 2^12 rows by 12 of those bits (5 above, 3 above that, the last 4) */
#define IMG_APM_ROWS 4096
#define SURPRISE (3 << 20) /* version 7: a hashed context's counter that gave the coded bit under 1/4 ... */
#define SURPRISE_N 15      /* ... counts at most this many bits after it (it learns faster where the data changed) */

typedef struct {
    uint16_t chk;
    uint16_t run; /* the last nibble coded in this context (bits 0-3) and how often in a row it came (bits 4-7) */
    uint32_t c[15]; /* the nibble's 15 bit nodes: node j-1 for the partial nibble j (1..15, leading 1) */
} bucket;           /* 64 bytes: one cache line */

struct cm_model {
    const kernel_set *ks; /* the mixers' dot products and training (numerics/kernels.h: every set gives the same) */
    int version;          /* 1 .. CM_VERSION (cm.h) */
    int x86;              /* version 4: this chunk is x86 code (cm_set_x86): the x86 contexts replace five text ones */
    int nh, nr, nin, nmix, nsets; /* hashed contexts, run inputs, mixer inputs, first-layer mixers, weight sets */
    int fields, indirect; /* version 2's field contexts (versions 2-4, 6), version 3's indirect ones (3-4, 6) */
    int image;            /* version 6: the records' bit neighbourhood (img) */
    int v7;               /* version 7: the match model's expected byte as a context, counters' surprise rule, and in
                          ** x86 chunks of ELF files a second model (part) for the bytes outside the code */
    cm_model *part;       /* (made when first needed) */
    int hbits, mbits, a2bits;
    uint32_t chunk_size; /* what the tables were sized for (cm_new) */
    bucket *t;          /* (1 << hbits) buckets, shared by the NH hashed contexts */
    uint32_t *mt;       /* (1 << mbits) match positions */
    uint32_t *o1;       /* (65536) order 1: c1 << 8 | c0 */
    uint32_t *img;      /* version 6: (1 << IMG_BITS) counters by the bit neighbourhood in records (img_input) */
    uint32_t *imgc;     /* the one that made this bit's input, NULL when there was none */
    uint16_t *iapm;     /* version 6: (IMG_APM_ROWS * APM_KNOTS) the map by the bit neighbourhood ... */
    uint32_t iarow;     /* ... and this bit's row of it (when imgc) */
    uint16_t *apm1;     /* (APM1_ROWS * APM_KNOTS) by the match state (none, expects 0, expects 1) x c0 */
    uint16_t *apm2;     /* (65536 * APM_KNOTS) by c1 << 8 | c0 */
    int32_t *w;         /* the first layer's nsets sets of nin, then the final mixer's NSETSF of NINF */
    const int16_t *stretch; /* (65536) the shared table (tables_once) */
    uint16_t squash[2 * ST_MAX + 1];
    uint32_t recip[1024];
    uint32_t o0[256];
    uint32_t msm[64];   /* match model: by length bucket and expected bit */
    uint32_t rsm[NR * (RUN_CAP + 1) * 2]; /* run inputs: by context, run length and expected bit */
    uint16_t *brun[NR];                   /* this nibble's buckets' run fields */
    uint32_t *rctr[NR];                   /* the run counters of this bit's run inputs */
    /* what a chunk has touched since cm_reset (lazy.h): blocks of buckets, rows of o1 (by c1) and of apm2, weight
    ** sets; the others hold stale values, and are made (as cm_reset would have made them) when first used */
    uint64_t t_used[LAZY_WORDS(1 << (HB_MAX3 - TB_BITS))], o1_used[LAZY_WORDS(256)];
    uint64_t a2_used[LAZY_WORDS(65536)], w_used[LAZY_WORDS(NW_SETS)];
    uint16_t apm_row[APM_KNOTS]; /* a probability map's row as made: squash of the knots */
    /* the chunk being coded */
    const uint8_t *buf; /* its bytes so far (the encoder's input, the decoder's output) */
    uint8_t *out;       /* decoder: where each byte is written */
    size_t n;           /* the chunk's length: no byte is written at or past it */
    int mixed;          /* method 4 (cm_start): an outside input comes */
    size_t pos;         /* bytes coded so far */
    uint32_t c0, c4, c8, bitpos;
    uint32_t word, word1, col, line0, pline0, plen;
    uint32_t field, fhash; /* fields of a line (split by spaces and tabs): this one's index, a hash of its bytes */
    /* version 2: where each of this line's fields began, the previous line's (and its end), how many it had; the
    ** hash of the field before this one; mixer 3's selector */
    uint32_t fst[FIELDS], pfst[FIELDS + 1], pfn, fprev, fsel, flen; /* flen: the field's bytes so far */
    /* version 3: the hash of each of this line's fields and of the previous line's (0 past its last); the indirect
    ** tables: the last two bytes that followed each order-2 context, each hashed order-3 and order-4 context */
    uint32_t fh[FIELDS], pfh[FIELDS];
    uint16_t *ind2, *ind3, *ind4;
    int ibits;
    uint32_t lastpos[256][3]; /* records: the last three positions (+1) of each byte value */
    uint32_t rlen, cand[2], votes[2]; /* the record length (0: none yet) and two candidates with their votes */
    uint32_t hash[NH];
    x86_parse xp;       /* version 4's x86 chunks: the instruction parser (x86.h) */
    uint32_t *node[NH]; /* this nibble's bucket counters, per hashed context */
    uint32_t mptr, mlen, mexp;
    uint32_t *ctr[NH + 3]; /* the counters that made this bit's inputs: hashed, order 0, order 1, match */
    int x[NIN];
    int32_t *ws[NMIX], *wf;  /* the weight sets of this bit */
    int xf[NINF], pmix[NMIX];   /* the final mixer's inputs; the first layer's probabilities */
    int pm, a1, a2;     /* mixer output; APM rows' indices */
    uint16_t *r1, *r2, *r3; /* the maps' rows of this bit (r3: version 6's neighbourhood map, when imgc) */
};

static int ceil_log2(uint64_t v) {
    int b = 0;
    while (((uint64_t)1 << b) < v) b++;
    return b;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Version 6 is version 4 with one input more (the bit neighbourhood in records), version 7 is version 6 with one
** hashed context more and more (cm_new's v7): what they share with version 4 is decided by version 4's rules. */
static int base_of(int version) { return version >= 6 ? 4 : version; }

/* Table sizes from the chunk size: buckets (2^hbits), match positions (2^mbits), rows of the second probability map
** (2^a2bits).  A model beside the LM (method 4, one per chunk a worker advances) has smaller ones. */
static void sizes(uint32_t chunk_size, int lite, int version, int *hbits, int *mbits, int *a2bits, int *ibits) {
    int lg = ceil_log2(chunk_size ? chunk_size : 1);
    *hbits = lite ? clampi(lg + 1, 12, HB_LITE) : clampi(lg + 3, 12, base_of(version) > 2 ? HB_MAX3 : HB_MAX);
    *mbits = clampi(lg, 10, 22);
    *a2bits = lite ? A2_LITE : 16;
    *ibits = clampi(lg + 1, 12, IB_MAX);
}

/* A version's shape: hashed contexts, mixer inputs, first-layer mixers and their weight sets (cm_new and cm_bytes). */
typedef struct {
    int nh, nr, nin, nmix, nsets;
} shape;

static shape shape_of(int version) {
    int v7 = version >= 7;
    version = base_of(version);
    if (version == CM_LITE) /* version 5: six hashed contexts with their run inputs, mixer 2 of version 1 alone */
        return (shape){LITE_NH, LITE_NH, NIN_OF(LITE_NH, LITE_NH), 1, NSETS2};
    int v2 = version > 1;
    shape s = {version > 2 ? 17 + v7 : v2 ? 14 : 11, NR, 0, v2 ? 4 : 3, NSETS0 + NSETS1 + NSETS2 + (v2 ? NSETS3 : 0)};
    s.nin = NIN_OF(s.nh, s.nr);
    return s;
}

/* Version 3's indirect tables (versions 3 and 4). */
static int has_indirect(int version) { return base_of(version) == 3 || base_of(version) == 4; }

/* The weights a model of shape s holds: the first layer's sets of nin, the final mixer's NSETSF of NINF. */
static size_t weights_of(shape s) { return (size_t)s.nsets * (size_t)s.nin + NSETSF * NINF; }

uint64_t cm_split_bytes(uint32_t chunk_size, int version) {
    return version >= 7 ? cm_bytes(chunk_size, 0, version) + llmz_mem_footprint(2 * (size_t)chunk_size + 1) +
                              LLMZ_MEM_SLACK
                        : 0;
}

uint64_t cm_bytes(uint32_t chunk_size, int lite, int version) {
    int hb, mb, ab, ib;
    sizes(chunk_size, lite, version, &hb, &mb, &ab, &ib);
    uint64_t ind = has_indirect(version) ? llmz_mem_footprint(IND2 * 2) + 2 * llmz_mem_footprint((size_t)2 << ib) +
                                     3 * LLMZ_MEM_SLACK
                               : 0;
    uint64_t img = version >= 6 ? llmz_mem_footprint((size_t)4 << IMG_BITS) +
                                      llmz_mem_footprint((size_t)IMG_APM_ROWS * APM_KNOTS * 2) + 2 * LLMZ_MEM_SLACK
                                : 0;
    return img + llmz_mem_footprint(sizeof(bucket) << hb) + llmz_mem_footprint((size_t)4 << mb) +
           llmz_mem_footprint(65536 * 4) + llmz_mem_footprint(APM1_ROWS * APM_KNOTS * 2) +
           llmz_mem_footprint(((size_t)APM_KNOTS * 2) << ab) +
           llmz_mem_footprint(weights_of(shape_of(version)) * 4) + llmz_mem_footprint(sizeof(cm_model)) +
           6 * LLMZ_MEM_SLACK + ind;
}

void cm_free(cm_model *m) {
    if (!m) return;
    llmz_free(m->t);
    llmz_free(m->mt);
    llmz_free(m->o1);
    llmz_free(m->img);
    llmz_free(m->iapm);
    llmz_free(m->apm1);
    llmz_free(m->apm2);
    llmz_free(m->w);
    llmz_free(m->ind2);
    llmz_free(m->ind3);
    llmz_free(m->ind4);
    cm_free(m->part);
    llmz_free(m);
}

/* The two tables of the logistic domain, the counters' step sizes and a probability map's first row: the same for
** every model, computed once per process (a small frame's model spent longer making them than coding). */
static struct {
    uint16_t squash[2 * ST_MAX + 1];
    int16_t stretch[65536];
    uint32_t recip[1024];
    uint16_t apm_row[APM_KNOTS];
} tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_make(void) {
    fenv_t saved; /* det_expf in the default floating-point environment, whatever the caller's */
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    for (int x = -ST_MAX; x <= ST_MAX; x++) {
        float v = 65536.0f / (1.0f + det_expf((float)-x / 128.0f));
        tables.squash[x + ST_MAX] = (uint16_t)clampi(det_round(v), 1, 65535);
    }
    fesetenv(&saved);
    int x = -ST_MAX;
    for (int p = 0; p < 65536; p++) {
        while (x < ST_MAX && tables.squash[x + ST_MAX] < p) x++;
        tables.stretch[p] = (int16_t)x;
    }
    for (int n = 0; n < 1024; n++) tables.recip[n] = 131072u / (uint32_t)(2 * n + 3);
    for (int j = 0; j < APM_KNOTS; j++)
        tables.apm_row[j] = tables.squash[clampi((j - 16) * 128, -ST_MAX, ST_MAX) + ST_MAX];
}

static void build_tables(cm_model *m) {
    pthread_once(&tables_once, tables_make);
    memcpy(m->squash, tables.squash, sizeof m->squash);
    m->stretch = tables.stretch;
    memcpy(m->recip, tables.recip, sizeof m->recip);
    memcpy(m->apm_row, tables.apm_row, sizeof m->apm_row);
}

cm_model *cm_new(uint32_t chunk_size, int lite, int version, const kernel_set *ks) {
    if (version < 1 || version > CM_VERSION) return NULL;
    cm_model *m = llmz_calloc(1, sizeof *m);
    if (!m) return NULL;
    m->ks = ks ? ks : kernels_ref();
    m->version = version;
    shape sh = shape_of(version);
    m->nh = sh.nh;
    m->nr = sh.nr;
    m->nin = sh.nin;
    m->fields = base_of(version) >= 2 && base_of(version) <= 4;
    m->indirect = has_indirect(version);
    m->image = version >= 6;
    m->v7 = version >= 7;
    m->nmix = sh.nmix;
    m->nsets = sh.nsets;
    m->chunk_size = chunk_size;
    sizes(chunk_size, lite, version, &m->hbits, &m->mbits, &m->a2bits, &m->ibits);
    m->t = llmz_malloc(sizeof(bucket) << m->hbits);
    m->mt = llmz_malloc((size_t)4 << m->mbits);
    m->o1 = llmz_malloc(65536 * 4);
    m->apm1 = llmz_malloc(APM1_ROWS * APM_KNOTS * 2);
    m->apm2 = llmz_malloc(((size_t)APM_KNOTS * 2) << m->a2bits);
    m->w = llmz_malloc(weights_of(sh) * 4);
    if (m->image) {
        m->img = llmz_malloc((size_t)4 << IMG_BITS);
        m->iapm = llmz_malloc((size_t)IMG_APM_ROWS * APM_KNOTS * 2);
    }
    if (m->indirect) {
        m->ind2 = llmz_malloc(IND2 * 2);
        m->ind3 = llmz_malloc((size_t)2 << m->ibits);
        m->ind4 = llmz_malloc((size_t)2 << m->ibits);
    }
    if (!m->t || !m->mt || !m->o1 || !m->apm1 || !m->apm2 || !m->w ||
        (m->indirect && (!m->ind2 || !m->ind3 || !m->ind4)) || (m->image && (!m->img || !m->iapm))) {
        cm_free(m);
        return NULL;
    }
    build_tables(m);
    return m;
}

#define CTR_INIT 0x80000000u /* probability 1/2, count 0 */

static inline int squash(const cm_model *m, int x) { return m->squash[clampi(x, -ST_MAX, ST_MAX) + ST_MAX]; }

/* rows rows of a probability map as made: m->apm_row, then doubling copies. */
static void apm_init(const cm_model *m, uint16_t *t, size_t rows) {
    memcpy(t, m->apm_row, sizeof m->apm_row);
    for (size_t have = 1; have < rows; have *= 2)
        memcpy(t + have * APM_KNOTS, t, (have < rows - have ? have : rows - have) * sizeof m->apm_row);
}

/* ---- the lazily made parts (cm_reset made them all before): each made when first used since the reset ---- */

/* Bucket i (and its neighbour i ^ 1): a block of empty buckets made. */
static bucket *bucket_at(cm_model *m, uint32_t i) {
    size_t blk = i >> TB_BITS;
    if (!lazy_on(m->t_used, blk)) {
        memset(m->t + (blk << TB_BITS), 0, sizeof(bucket) << TB_BITS);
        lazy_set(m->t_used, blk);
    }
    return &m->t[i];
}

/* Row c1 of o1: its 256 counters at probability 1/2, count 0. */
static void o1_row(cm_model *m, uint32_t c1) {
    if (lazy_on(m->o1_used, c1)) return;
    for (int i = 0; i < 256; i++) m->o1[c1 << 8 | (uint32_t)i] = CTR_INIT;
    lazy_set(m->o1_used, c1);
}

/* Row r of apm2. */
static uint16_t *apm2_row(cm_model *m, uint32_t r) {
    uint16_t *t = m->apm2 + (size_t)r * APM_KNOTS;
    if (!lazy_on(m->a2_used, r)) {
        memcpy(t, m->apm_row, sizeof m->apm_row);
        lazy_set(m->a2_used, r);
    }
    return t;
}

/* Weight set k: the first layer's (k < nsets) 1/8 each; the final mixer's 1/nmix each, the outside input's 1. */
static int32_t *wset(cm_model *m, uint32_t k) {
    uint32_t ns = (uint32_t)m->nsets;
    int32_t *w = k < ns ? m->w + (size_t)k * m->nin : m->w + (size_t)ns * m->nin + (size_t)(k - ns) * NINF;
    if (!lazy_on(m->w_used, k)) {
        if (k < ns)
            for (int i = 0; i < m->nin; i++) w[i] = MIX_W0;
        else
            for (int i = 0; i < NINF; i++)
                w[i] = i == m->nmix + 1 ? 65536 : m->version == CM_LITE ? MIX_WF_LITE : 65536 / m->nmix;
        lazy_set(m->w_used, k);
    }
    return w;
}

/* A fresh model for a chunk whose bytes are (or will be) at buf. */
static void cm_reset(cm_model *m, const uint8_t *buf, uint8_t *out, size_t n) {
    lazy_clear(m->t_used, (size_t)1 << (m->hbits - TB_BITS));
    memset(m->mt, 0, (size_t)4 << m->mbits);
    lazy_clear(m->o1_used, 256);
    for (int i = 0; i < 256; i++) m->o0[i] = CTR_INIT;
    for (int i = 0; i < 64; i++) m->msm[i] = CTR_INIT;
    if (m->image) {
        for (size_t i = 0; i < (size_t)1 << IMG_BITS; i++) m->img[i] = CTR_INIT;
        apm_init(m, m->iapm, IMG_APM_ROWS);
    }
    for (int i = 0; i < NR * (RUN_CAP + 1) * 2; i++) m->rsm[i] = CTR_INIT;
    apm_init(m, m->apm1, APM1_ROWS);
    lazy_clear(m->a2_used, (size_t)1 << m->a2bits);
    lazy_clear(m->w_used, (size_t)m->nsets + NSETSF);
    m->buf = buf;
    m->out = out;
    m->n = n;
    m->pos = 0;
    m->c0 = 1;
    m->c4 = m->c8 = m->bitpos = 0;
    m->word = m->word1 = m->col = m->line0 = m->pline0 = m->plen = 0;
    m->field = m->fhash = 0;
    memset(m->fst, 0, sizeof m->fst);
    memset(m->pfst, 0, sizeof m->pfst);
    memset(m->fh, 0, sizeof m->fh);
    memset(m->pfh, 0, sizeof m->pfh);
    if (m->indirect) {
        memset(m->ind2, 0, IND2 * 2);
        memset(m->ind3, 0, (size_t)2 << m->ibits);
        memset(m->ind4, 0, (size_t)2 << m->ibits);
    }
    m->pfn = m->fprev = m->fsel = m->flen = 0;
    memset(m->lastpos, 0, sizeof m->lastpos);
    m->rlen = m->cand[0] = m->cand[1] = m->votes[0] = m->votes[1] = 0;
    m->mptr = m->mlen = m->mexp = 0;
    x86_parse_init(&m->xp);
    for (int i = 0; i < NH; i++) m->hash[i] = 0;
}

static inline uint32_t hmix(uint32_t a, uint32_t b) {
    uint32_t h = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u;
    h ^= h >> 15;
    h *= 0xC2B2AE3Du;
    h ^= h >> 13;
    return h;
}

/* The bucket of context key in the shared table: one of two neighbours whose check matches, else the one with the
** lower count at its first node, emptied. */
static bucket *find_bucket(cm_model *m, uint32_t key) {
    uint32_t i = key >> (32 - m->hbits), chk = key & 0xffff;
    bucket *a = bucket_at(m, i), *b = &m->t[i ^ 1]; /* (one block) */
    if (a->chk == chk && a->c[0]) return a;
    if (b->chk == chk && b->c[0]) return b;
    bucket *r = (b->c[0] & 1023) < (a->c[0] & 1023) ? b : a;
    r->chk = (uint16_t)chk;
    r->run = 0;
    for (int j = 0; j < 15; j++) r->c[j] = CTR_INIT;
    return r;
}

static void nibble_start(cm_model *m) {
    uint32_t key[NH];
    /* the buckets' lines asked for at once, so that their misses overlap (timing only) */
    for (int i = 0; i < m->nh; i++) {
        key[i] = m->bitpos ? hmix(m->hash[i], m->c0) : m->hash[i];
        llmz_prefetch_w(&m->t[key[i] >> (32 - m->hbits)]);
    }
    o1_row(m, m->c4 & 0xff); /* the row of this byte's order-1 counters (c1 changes only between bytes) */
    for (int i = 0; i < m->nh; i++) {
        bucket *bk = find_bucket(m, key[i]);
        m->node[i] = bk->c;
        if (i < m->nr) m->brun[i] = &bk->run;
    }
}

static inline int is_letter(uint32_t c) { return (uint32_t)((c | 32) - 'a') < 26u || c >= 0x80; }

/* Records (tables, images, arrays of structs): byte b, now at position pos (1-based), recurring at the same distance
** three times in a row votes for that distance; a candidate with REC_VOTES votes becomes the record length. */
static void record(cm_model *m, uint32_t b, uint32_t pos) {
    uint32_t *lp = m->lastpos[b], d = pos - lp[0];
    if (lp[2] && d > 1 && d == lp[0] - lp[1] && d == lp[1] - lp[2]) {
        int k = d == m->cand[0] ? 0 : d == m->cand[1] ? 1 : m->votes[0] < m->votes[1] ? 0 : 1;
        if (m->cand[k] != d) {
            m->cand[k] = d;
            m->votes[k] = 0;
        }
        if (++m->votes[k] >= REC_VOTES) {
            m->rlen = d;
            m->votes[0] = m->votes[1] = 0;
        }
    }
    lp[2] = lp[1];
    lp[1] = lp[0];
    lp[0] = pos;
}

/* Version 3's indirect tables: the entry of the order-3 and of the order-4 context c4 (its last three, four bytes). */
static inline uint32_t ind3_of(const cm_model *m, uint32_t c4) { return (c4 & 0xffffff) * 0x9E3779B1u >> (32 - m->ibits); }
static inline uint32_t ind4_of(const cm_model *m, uint32_t c4) { return hmix(c4, 77) >> (32 - m->ibits); }

/* Version 4's x86 chunks: byte b was the next byte of the instruction parser.  In place of the word and the word before
** (hash[3]), the byte above and the column (4), the fields (7, 11, 12) and mixer 3's field selector: what the next byte
** is (the parser's phase) with the bytes of this instruction so far, the opcode and the last three instructions'; the
** phase with the bytes left of a displacement or immediate and the opcode; the opcode history; the phase, the opcode
** and the ModRM byte with the last byte; the phase, the bytes left and the opcode with the last two bytes.  (At X86_OP
** "the opcode" is the last instruction's, hist[0].)  docs/format.md, "Byte models, version 4". */
static void x86_contexts(cm_model *m, uint32_t b) {
    x86_parse *x = &m->xp;
    x86_parse_byte(x, b);
    uint32_t ph = x->phase, opm = x->op | x->map << 8, len = x->len < 15 ? x->len : 15, at_op = ph == X86_OP;
    uint32_t h0 = x->hist[0], h1 = x->hist[1], h2 = x->hist[2], c4 = m->c4;
    uint32_t past = ph == X86_SIB || ph == X86_DISP || ph == X86_IMM; /* past the ModRM byte, if it has one */
    m->hash[3] = hmix(ph | len << 4 | opm << 8, hmix(h0 | h1 << 12, hmix(h2, 35)));
    m->hash[4] = hmix(ph | len << 4 | (at_op ? 0 : opm << 8), hmix(x->left, 31));
    m->hash[7] = hmix(at_op ? h0 | h1 << 12 : opm | h0 << 12 | ph << 24, 32);
    m->hash[11] = hmix(ph | (at_op ? h0 : opm) << 4 | (past ? x->modrm << 16 : 0), hmix(c4 & 0xff, 33));
    m->hash[12] = hmix(ph | x->left << 4 | (at_op ? h0 : opm) << 8, hmix(c4 & 0xffff, 34));
    m->fsel = ph * 4 + (x->left < 3 ? x->left : 3);
}

/* Byte b was coded at m->pos: the byte contexts move on. */
static void byte_done(cm_model *m, uint32_t b) {
    const uint8_t *buf = m->buf;
    size_t pos = m->pos;
    /* the match model: continue or drop, then look up the last MINLEN bytes */
    if (m->mlen) {
        if (buf[m->mptr] == b) { /* a match stays at MAXLEN rather than being dropped and searched again */
            m->mlen += m->mlen < MAXLEN;
            m->mptr++;
        } else {
            m->mlen = 0;
        }
    }
    pos++;
    m->pos = pos;
    int v2 = m->fields, v3 = m->indirect;
    if (v3) { /* the indirect tables: b follows the contexts of the bytes before it */
        uint32_t i2 = m->c4 & 0xffff, i3 = ind3_of(m, m->c4), i4 = ind4_of(m, m->c4);
        m->ind2[i2] = (uint16_t)(m->ind2[i2] << 8 | b);
        m->ind3[i3] = (uint16_t)(m->ind3[i3] << 8 | b);
        m->ind4[i4] = (uint16_t)(m->ind4[i4] << 8 | b);
    }
    m->c8 = m->c8 << 8 | m->c4 >> 24;
    m->c4 = m->c4 << 8 | b;
    if (pos >= MINLEN) {
        uint32_t h = hmix(m->c4, buf[pos - 5] | (uint32_t)buf[pos - 6] << 8) >> (32 - m->mbits);
        if (!m->mlen && m->mt[h]) {
            uint32_t cand = m->mt[h], l = 0;
            while (l < MAXLEN && l < cand && buf[cand - 1 - l] == buf[pos - 1 - l]) l++;
            if (l >= MINLEN) {
                m->mlen = l;
                m->mptr = cand;
            }
        }
        m->mt[h] = (uint32_t)pos;
    }
    /* words (letters, case folded) and lines */
    if (is_letter(b)) {
        m->word = hmix(m->word, b | 32);
    } else if (m->word) {
        m->word1 = m->word;
        m->word = 0;
    }
    if (b == ' ' || b == '\t') {
        if (v3 && m->field < FIELDS) m->fh[m->field] = m->fhash;
        m->fprev = m->fhash;
        m->flen = 0;
        m->field++;
        if (m->field < FIELDS) m->fst[m->field] = (uint32_t)pos;
        m->fhash = 0;
    } else {
        if (!v2 || m->flen < FIELD_HASHED) m->fhash = hmix(m->fhash, b);
        m->flen++;
    }
    if (b == '\n') {
        if (v3) { /* the line's field hashes (its last field's with this newline) become the previous line's */
            if (m->field < FIELDS) m->fh[m->field] = m->fhash;
            for (uint32_t k = 0; k < FIELDS; k++) m->pfh[k] = k <= m->field ? m->fh[k] : 0;
        }
        if (v2) { /* the line's fields become the previous line's */
            for (uint32_t k = 0; k < FIELDS; k++) m->pfst[k] = k <= m->field ? m->fst[k] : (uint32_t)pos;
            m->pfst[FIELDS] = (uint32_t)pos;
            m->pfn = m->field + 1;
            m->fst[0] = (uint32_t)pos;
            m->fprev = 0;
        }
        m->field = m->fhash = m->flen = 0;
        m->pline0 = m->line0;
        m->plen = (uint32_t)pos - m->line0;
        m->line0 = (uint32_t)pos;
    }
    m->col = (uint32_t)pos - m->line0;
    record(m, b, (uint32_t)pos);
    uint32_t above = m->col < m->plen ? buf[m->pline0 + m->col] : 0;
    uint32_t c4 = m->c4;
    /* the hashed contexts (the second argument keeps equal keys of different contexts apart) */
    m->hash[0] = hmix(c4 & 0xffff, 1);                            /* order 2 */
    m->hash[1] = hmix(c4 & 0xffffff, 2);                          /* order 3 */
    m->hash[2] = hmix(c4, hmix(m->c8, 3));                        /* order 8 */
    m->hash[3] = hmix(m->word, hmix(m->word1, m->word ? 4 : 4 + (c4 & 0xff) * 16)); /* this word and the one
                                                                  ** before (after a word: the byte since) */
    m->hash[4] = hmix(above << 8 | (m->col < 255 ? m->col : 255), 5); /* the byte above and the column */
    m->hash[5] = hmix(c4 >> 8 & 0xffff, 6);                       /* sparse: bytes 2 and 3 back */
    m->hash[6] = hmix(c4 & 0xff0000ff, 7);                        /* sparse: bytes 1 and 4 back */
    if (!v3) m->hash[7] = hmix(m->fhash, m->field + 8 * 256);     /* the field of the line: index, bytes so far
                                                                  ** (version 3 puts another context here, below) */
    m->hash[8] = hmix(m->word, hmix(c4 & 0xff, 9));               /* this word alone (else the last byte) */
    m->hash[9] = hmix(c4 & 0xffff0000, 10);                       /* sparse: bytes 3 and 4 back */
    uint32_t rabove = m->rlen && m->rlen <= pos ? buf[pos - m->rlen] : 0;
    m->hash[10] = hmix(rabove << 8 | (c4 & 0xff), hmix(m->rlen, 11)); /* the byte a record above, the last byte */
    if (m->version == CM_LITE) m->hash[5] = m->hash[8]; /* version 5: contexts 0-4 and 8 of these (its first six) */
    if (!v2) return;
    /* version 2: the byte at the same place in the same field of the line above (fields move with the lengths of
    ** those before them: a log's package names, versions, JSON values) with the last byte; the field before this one
    ** with this one so far; order 5 */
    uint32_t k = m->field < FIELDS ? m->field : FIELDS - 1;
    uint32_t at = m->field < FIELDS ? m->pfst[k] + ((uint32_t)pos - m->fst[k]) : m->pfst[k], fa = 0;
    if (k < m->pfn && at < m->pfst[k + 1] && at < pos) fa = buf[at] | 256;
    m->hash[11] = hmix(fa << 8 | (c4 & 0xff), hmix(k, 12));
    if (!v3) m->hash[12] = hmix(m->fprev, hmix(m->fhash, 13));
    m->hash[13] = hmix(c4, hmix(m->c8 & 0xff, 14));
    m->fsel = k * 2 + (fa != 0);
    if (!v3) return;
    /* version 3: in place of hash[7] and hash[12], the field after this one's place in the line above (its hash) with
    ** this field so far, and the byte at this place of the field before this one's in the line above (a field one
    ** place further right than in the line above: "install p" then "status half-installed p") with the last byte;
    ** the indirect contexts: the two bytes that followed the last order-2, order-3, order-4 context with the last byte */
    uint32_t fb = 0;
    if (k >= 1 && m->field < FIELDS && k - 1 < m->pfn) {
        uint32_t at1 = m->pfst[k - 1] + ((uint32_t)pos - m->fst[k]);
        if (at1 < m->pfst[k] && at1 < pos) fb = buf[at1] | 256;
    }
    m->hash[7] = hmix(k + 1 < FIELDS ? m->pfh[k + 1] : 0, hmix(m->fhash, k + 16 * 17));
    m->hash[12] = hmix(fb << 8 | (c4 & 0xff), hmix(k, 15));
    m->hash[14] = hmix((uint32_t)m->ind2[c4 & 0xffff] << 8 | (c4 & 0xff), 19);
    m->hash[15] = hmix((uint32_t)m->ind3[ind3_of(m, c4)] << 8 | (c4 & 0xff), 20);
    m->hash[16] = hmix((uint32_t)m->ind4[ind4_of(m, c4)] << 8 | (c4 & 0xff), 21);
    if (m->x86) x86_contexts(m, b);
    if (!m->v7) return;
    /* version 7: the byte the match model expects with its length (0..15, 16: 16-31, 17: 32 and more), else order 2 */
    uint32_t e = m->mlen ? buf[m->mptr] | 256 : 0, lb = m->mlen < 16 ? m->mlen : 16 + (m->mlen >= 32);
    m->hash[17] = e ? hmix(e | lb << 9, 23) : hmix(c4 & 0xffff, 24);
}

static inline uint32_t match_bucket(uint32_t len) {
    if (len < 16) return len;
    uint32_t b = 16;
    while (len >= 32 && b < 31) {
        len >>= 1;
        b++;
    }
    return b;
}

/* Version 6: in records (a record length of IMG_REC_MIN bytes or more, two records and a byte coded) outside x86 code,
** the run input of the record context (slot k) gives way to a counter chosen by the bits around this one, as in a
** bitmap of rows of rlen bytes: the 7 bits of the row above centred on this bit's place, the 5 of the row above that,
** and the last 4 bits; a third probability map then refines the mixer's output beside the two others, with a row
** chosen by the 5 bits above, the 3 above those and the last 4, weighted as the second (by the previous byte): in its
** place, it coded a fax image 0.9% smaller, but text with a record length 0.3% larger.  (Whole files: a fax image
** 17% smaller, a spreadsheet and geophysical data 1.2%; text coded by these models alone up to 0.1% larger.) */
static inline void img_input(cm_model *m, int k) {
    uint32_t r = m->rlen, b = m->bitpos;
    size_t pos = m->pos;
    if (r < IMG_REC_MIN || pos < 2 * (size_t)r + 2 || m->x86) return;
    const uint8_t *a1 = m->buf + pos - r, *a2 = a1 - r; /* this byte's place one and two rows above */
    /* a row's three bytes around this one, the first one's first bit highest: this bit's place is bit 15 - b */
    uint32_t w1 = (uint32_t)a1[-1] << 16 | (uint32_t)a1[0] << 8 | a1[1];
    uint32_t w2 = (uint32_t)a2[-1] << 16 | (uint32_t)a2[0] << 8 | a2[1];
    uint32_t left = ((m->c4 & 0xff) << b | (m->c0 & ((1u << b) - 1))) & 15;
    m->imgc = &m->img[(w1 >> (12 - b) & 127) | (w2 >> (13 - b) & 31) << 7 | left << 12];
    m->iarow = (w1 >> (13 - b) & 31) | (w2 >> (14 - b) & 7) << 5 | left << 8;
    m->x[k] = m->stretch[*m->imgc >> 16];
}

/* A probability map's row read between its knots lo and lo + 1, wt (0..127) of the way to the second. */
static inline int apm_at(const uint16_t *row, int lo, int wt) { return (row[lo] * (128 - wt) + row[lo + 1] * wt) >> 7; }

/* P(next bit = 1), 1..65535. */
static inline int predict(cm_model *m, int ext) {
    uint32_t c0 = m->c0, b = m->bitpos;
    /* j: the partial nibble with its leading 1 (1..15), the node of this bit in the nibble's bucket */
    uint32_t j = b < 4 ? c0 : (c0 & ((1u << (b - 4)) - 1)) | 1u << (b - 4);
    int k = 0, nh = m->nh;
    for (int i = 0; i < nh; i++, k++) {
        m->ctr[k] = &m->node[i][j - 1];
        m->x[k] = m->stretch[*m->ctr[k] >> 16];
    }
    m->ctr[k] = &m->o0[c0];
    m->x[k] = m->stretch[*m->ctr[k] >> 16];
    k++;
    m->ctr[k] = &m->o1[(m->c4 & 0xff) << 8 | c0]; /* (its row made by nibble_start) */
    m->x[k] = m->stretch[*m->ctr[k] >> 16];
    k++;
    int run = 0;
    if (m->mlen) {
        uint32_t pb = (uint32_t)m->buf[m->mptr] | 256;
        if (pb >> (8 - m->bitpos) == c0) {
            m->mexp = pb >> (7 - m->bitpos) & 1;
            run = 1;
        } else {
            m->mlen = 0;
        }
    }
    if (run) {
        m->ctr[k] = &m->msm[match_bucket(m->mlen) * 2 + m->mexp];
        m->x[k] = m->stretch[*m->ctr[k] >> 16];
    } else {
        m->ctr[k] = NULL;
        m->x[k] = 0;
    }
    k++;
    m->x[k] = 256;
    k++;
    /* run inputs: the nibble last seen in each hashed context, if the partial nibble agrees with it so far */
    for (int i = 0; i < m->nr; i++, k++) {
        uint32_t r = *m->brun[i], len = r >> 4, nb = (r & 15) | 16, sh = 4 - (b & 3);
        uint32_t ok = (nb >> sh == j) & (len != 0), e = nb >> (sh - 1) & 1;
        /* without a prediction: the unused slot of run length 0, and no input */
        m->rctr[i] = &m->rsm[(i * (RUN_CAP + 1) + len * ok) * 2 + e];
        m->x[k] = m->stretch[*m->rctr[i] >> 16] & -(int)ok;
    }
    for (; k < m->nin; k++) m->x[k] = 0;
    m->imgc = NULL;
    if (m->image) img_input(m, m->nh + 4 + m->nr - 1);
    uint32_t mb = run ? match_bucket(m->mlen) : 0;
    if (m->version == CM_LITE) {
        m->ws[0] = wset(m, (m->c4 & 0xff) * 8 + b);
    } else {
        m->ws[0] = wset(m, c0 + 256 * (uint32_t)run);
        m->ws[1] = wset(m, NSETS0 + (m->c4 >> 8 & 0xff) * 8 + b);
        m->ws[2] = wset(m, NSETS0 + NSETS1 + (m->c4 & 0xff) * 8 + b);
    }
    if (m->nmix > 3) m->ws[3] = wset(m, NSETS0 + NSETS1 + NSETS2 + m->fsel * 8 + b);
    int nmix = m->nmix;
    for (int s = 0; s < nmix; s++) {
        m->xf[s] = clampi(m->ks->mix_dot(m->ws[s], m->x, m->nin), -ST_MAX, ST_MAX);
        m->pmix[s] = squash(m, m->xf[s]);
    }
    m->xf[nmix] = 256;
    m->xf[nmix + 1] = ext;
    for (int i = nmix + 2; i < NINF; i++) m->xf[i] = 0;
    m->wf = wset(m, (uint32_t)m->nsets + mb * 8 + b);
    int xm = clampi(m->ks->mix_dot(m->wf, m->xf, NINF), -ST_MAX, ST_MAX);
    m->pm = squash(m, xm);
    /* the probability maps: interpolate between the two knots around xm */
    int u = xm + 2048, lo = u >> 7, wt = u & 127;
    m->r1 = m->apm1 + (size_t)((run ? 1 + m->mexp : 0) << 8 | c0) * APM_KNOTS;
    m->r2 = apm2_row(m, ((m->c4 & 0xff) << 8 | c0) & ((1u << m->a2bits) - 1));
    int p1 = apm_at(m->r1, lo, wt), p2 = apm_at(m->r2, lo, wt);
    m->a1 = m->a2 = lo + (wt >> 6);
    if (m->imgc) { /* version 6 in records: the neighbourhood's map too, weighted as the second */
        m->r3 = m->iapm + (size_t)m->iarow * APM_KNOTS;
        return clampi((m->pm + p1 + 2 * p2 + 2 * apm_at(m->r3, lo, wt) + 3) / 6, 1, 65535);
    }
    return clampi((m->pm + p1 + 2 * p2 + 2) >> 2, 1, 65535);
}

/* (surprise: version 7's rule for hashed contexts, SURPRISE) */
static inline void ctr_update(const cm_model *m, uint32_t *c, int y, uint32_t limit, int surprise) {
    uint32_t v = *c, n = v & 1023;
    int32_t p = (int32_t)(v >> 10), target = y ? (1 << 22) - 1 : 0;
    if (surprise && (target - p > SURPRISE || p - target > SURPRISE) && n > SURPRISE_N) n = SURPRISE_N;
    p += (int32_t)(((int64_t)(target - p) * m->recip[n]) >> 16);
    if (n < limit) n++;
    *c = (uint32_t)p << 10 | n;
}

static inline void apm_update(uint16_t *t, int y) {
    int target = y ? 65535 : 0;
    *t = (uint16_t)(*t + ((target - *t) >> APM_RATE));
}

/* Learn bit y and move on. */
static inline void update(cm_model *m, int y) {
    int err = (y << 16) - m->pm;
    m->ks->mix_train(m->wf, m->xf, NINF, err, m->mixed ? MIXF_SHIFT_X : MIXF_SHIFT, W_MAX);
    for (int s = 0; s < m->nmix; s++) {
        int e = (y << 16) - m->pmix[s];
        if (e > ERR_MIN || e < -ERR_MIN)
            m->ks->mix_train(m->ws[s], m->x, m->nin, e, m->pos < LR_N ? MIX_SHIFT - 1 : MIX_SHIFT, W_MAX);
    }
    int nh = m->nh;
    for (int i = 0; i < nh; i++) ctr_update(m, m->ctr[i], y, LIMIT_HASHED, m->v7);
    ctr_update(m, m->ctr[nh], y, LIMIT_DIRECT, 0);
    ctr_update(m, m->ctr[nh + 1], y, LIMIT_DIRECT, 0);
    if (m->ctr[nh + 2]) ctr_update(m, m->ctr[nh + 2], y, LIMIT_MATCH, 0);
    for (int i = 0; i < m->nr; i++) ctr_update(m, m->rctr[i], y, LIMIT_RUN, 0);
    if (m->imgc) ctr_update(m, m->imgc, y, LIMIT_DIRECT, 0);
    apm_update(&m->r1[m->a1], y);
    apm_update(&m->r2[m->a2], y);
    if (m->imgc) apm_update(&m->r3[m->a2], y);
    m->c0 = m->c0 << 1 | (uint32_t)y;
    m->bitpos++;
    if ((m->bitpos & 3) == 0)
        for (int i = 0; i < m->nr; i++) {
            uint32_t r = *m->brun[i], nib = m->c0 & 15, len = r >> 4, same = (r & 15) == nib;
            len = same ? len + (len < RUN_CAP) : 1; /* a fresh bucket's run is 0, its nibble 0: 1 after */
            *m->brun[i] = (uint16_t)(len << 4 | nib);
        }
    if (m->bitpos == 8) {
        uint32_t b = m->c0 & 255;
        if (m->out && m->pos < m->n) m->out[m->pos] = (uint8_t)b;
        m->c0 = 1;
        m->bitpos = 0;
        byte_done(m, b);
        nibble_start(m);
    } else if (m->bitpos == 4) {
        nibble_start(m);
    }
}

void cm_set_x86(cm_model *m, int on) { m->x86 = on && base_of(m->version) == 4; }

void cm_start(cm_model *m, const uint8_t *buf, uint8_t *out, size_t n) {
    cm_reset(m, buf, out, n);
    m->mixed = 1;
    nibble_start(m);
}

int cm_stretch(const cm_model *m, uint32_t p16) { return m->stretch[p16 & 0xffff]; }
int cm_predict(cm_model *m, int ext) { return predict(m, ext); }
void cm_update(cm_model *m, int y) { update(m, y); }

/* Version 7's x86 chunks (docs/format.md, "Byte models, version 7"): a chunk that begins with an ELF64 header has its
** code, by the program headers, coded by m (the x86 contexts), and the rest by m->part (the text contexts), each model
** with the history of its own bytes: the code of an executable 1.9% smaller, and 1.3% of a shared library.  The first
** ELF_HEAD bytes go to m, the program headers to m->part, then each byte to the model of its place; a chunk that is
** not such a file goes to m throughout, as in version 6. */
typedef struct {
    cm_model *m;
    uint8_t *hist;   /* m's history (n bytes) ... */
    uint8_t *hpart;  /* ... then m->part's (n + 1: hist + n) */
    size_t n;        /* the chunk's length */
    size_t head;     /* where the program headers end (0: not an ELF file, or not yet known) */
    elf_map map;
} split;

/* Split coding begins: the histories made, m at the chunk's start (0), or -1 out of memory.  Each model writes its
** bytes to its own history as they are coded (out = buf), encoding or decoding: it reads only those before its pos. */
static int split_begin(split *sp, cm_model *m, size_t n) {
    memset(sp, 0, sizeof *sp);
    sp->m = m;
    sp->n = n;
    if (!(sp->hist = llmz_malloc(2 * n + 1))) return -1;
    sp->hpart = sp->hist + n;
    cm_reset(m, sp->hist, sp->hist, n);
    nibble_start(m);
    return 0;
}

/* The model that codes chunk position pos, whose bytes before it are chunk[0..pos); NULL when out of memory. */
static cm_model *split_at(split *sp, const uint8_t *chunk, size_t pos) {
    cm_model *m = sp->m;
    if (pos == ELF_HEAD && (sp->head = elf_head(chunk, sp->n)) != 0) { /* an ELF file: the second model begins */
        if (!m->part && !(m->part = cm_new(m->chunk_size, 0, m->version, m->ks))) return NULL;
        m->part->x86 = 0;
        cm_reset(m->part, sp->hpart, sp->hpart, sp->n);
        nibble_start(m->part);
    }
    if (!sp->head || pos < ELF_HEAD) return m;
    if (pos == sp->head) elf_read(&sp->map, chunk, sp->head, sp->n);
    return pos >= sp->head && (!sp->map.n || elf_code(&sp->map, pos)) ? m : m->part;
}

size_t cm_encode_mid(cm_model *m, const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t mid, size_t *at_mid) {
    if (at_mid) *at_mid = 0;
    split sp = {0};
    if (m->v7 && m->x86) {
        if (split_begin(&sp, m, n) != 0) return 0;
    } else {
        cm_start(m, src, NULL, n);
    }
    m->mixed = 0;
    rc_enc e;
    rc_enc_init(&e, dst, cap);
    int oom = 0;
    for (size_t i = 0; i < n && !e.overflow && !oom; i++) {
        if (i == mid && at_mid) *at_mid = e.n;
        cm_model *c = m;
        if (sp.hist) {
            if (!(c = split_at(&sp, src, i))) {
                oom = 1;
                break;
            }
            c->mixed = 0;
        }
        for (int k = 7; k >= 0; k--) {
            int y = src[i] >> k & 1;
            rc_encode_bit(&e, (uint32_t)predict(c, 0), y);
            update(c, y);
        }
    }
    llmz_free(sp.hist);
    if (e.overflow || oom) return 0;
    size_t len = rc_enc_finish(&e);
    if (mid == n && at_mid) *at_mid = len;
    return len;
}

size_t cm_encode(cm_model *m, const uint8_t *src, size_t n, uint8_t *dst, size_t cap) {
    return cm_encode_mid(m, src, n, dst, cap, n, NULL);
}

int cm_decode(cm_model *m, const uint8_t *src, size_t len, uint8_t *dst, size_t n) {
    split sp = {0};
    if (m->v7 && m->x86) {
        if (split_begin(&sp, m, n) != 0) return -2;
    } else {
        cm_start(m, dst, dst, n);
    }
    m->mixed = 0;
    rc_dec d;
    rc_dec_init(&d, src, len);
    int rc = 0;
    for (size_t i = 0; i < n && !d.bad; i++) {
        cm_model *c = m;
        if (sp.hist && !(c = split_at(&sp, dst, i))) {
            rc = -2;
            break;
        }
        c->mixed = 0;
        for (int k = 7; k >= 0; k--) {
            int y = rc_decode_bit(&d, (uint32_t)predict(c, 0));
            update(c, y);
        }
        if (sp.hist) dst[i] = c->buf[c->pos - 1]; /* (its history's last byte) */
    }
    llmz_free(sp.hist);
    if (rc) return rc;
    return !d.bad && rc_dec_ok(&d) ? 0 : -1;
}
