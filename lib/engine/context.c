/*
** context.c -- the public API's front: versions, error names, kernel set names, the compression and
** decompression contexts and their parameters, and the one mapping of options to frame flags (with the rule
** that the n-gram extensions need the n-grams).  Holds no coding logic: the drivers (compress.c, decompress.c)
** read the contexts.
*/
#include "common/mem.h"
#include "engine/engine.h"

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
        "archive needs another dictionary",
    };
    if (err < 0 || err >= LLMZ_ERROR_COUNT_) return "unknown error";
    return names[err];
}

const char *llmz_kernels_name(int k) {
    const kernel_set *ks = kernels_get(k);
    return ks ? ks->name : NULL;
}

/* ---- contexts (struct llmz_cctx and llmz_dctx: engine.h) ---------------------------------------- */

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
    c->numerics = LLMZ_NUMERICS_VERSION;
    return c;
}

void llmz_cctx_free(llmz_cctx *c) {
    if (c) cstream_free(c->cs);
    if (c) prime_free(c->prime);
    llmz_free(c);
}

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
    if (p == LLMZ_P_CHUNK_SHIFT) {
        if (v < LLMZ_MIN_CHUNK_SHIFT || v > LLMZ_MAX_CHUNK_SHIFT) return LLMZ_ERR_PARAM;
        c->chunk_shift = (int)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_ADAPT) {
        if (v < 0 || v > LLMZ_ADAPT_ALL || llmz_adapt_check((int)v) != LLMZ_OK) return LLMZ_ERR_PARAM;
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
    if (p == LLMZ_P_NUMERICS) {
        if (v < LLMZ_NUMERICS_OLDEST || v > LLMZ_NUMERICS_NEWEST) return LLMZ_ERR_PARAM;
        c->numerics = (int)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_SEGMENT) {
        if (v != 0 && (v < (long long)LLMZ_MIN_CHUNK || v > (long long)LLMZ_MAX_SEGMENT)) return LLMZ_ERR_PARAM;
        c->segment = (uint32_t)v;
        return LLMZ_OK;
    }
    if (p == LLMZ_P_INDEX) {
        if (v != 0 && v != 1) return LLMZ_ERR_PARAM;
        c->index = (int)v;
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

void llmz_dctx_free(llmz_dctx *d) {
    if (d) dstream_free(d->ds);
    if (d) prime_free(d->prime);
    llmz_free(d);
}

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

/* LLMZ_ADAPT_* bit -> frame flag: the one table (docs/format.md, "Adaptation"). */
static const struct {
    int adapt;
    uint8_t flag;
} adapt_flags[] = {
    {LLMZ_ADAPT_MATCH, FRAME_FLAG_ADAPT}, {LLMZ_ADAPT_NGRAM, FRAME_FLAG_NGRAM}, {LLMZ_ADAPT_LINE, FRAME_FLAG_LINE},
    {LLMZ_ADAPT_FIELD, FRAME_FLAG_FIELD}, {LLMZ_ADAPT_SSE, FRAME_FLAG_SSE},     {LLMZ_ADAPT_GROUP, FRAME_FLAG_GROUP},
};

uint8_t engine_frame_flags(int adapt, int eol, int has_adapter) {
    uint8_t f = (uint8_t)((eol ? FRAME_FLAG_EOL : 0) | (has_adapter ? FRAME_FLAG_ADAPTER : 0));
    for (size_t i = 0; i < sizeof adapt_flags / sizeof adapt_flags[0]; i++)
        if (adapt & adapt_flags[i].adapt) f |= adapt_flags[i].flag;
    return f;
}

int llmz_adapt_check(int adapt) {
    /* the frame reader's rule (FRAME_FLAGS_NEED_NGRAM) is this one, through the table above */
    if (adapt < 0 || adapt > LLMZ_ADAPT_ALL) return LLMZ_ERR_PARAM;
    return (adapt & LLMZ_ADAPT_NEEDS_NGRAM) && !(adapt & LLMZ_ADAPT_NGRAM) ? LLMZ_ERR_PARAM : LLMZ_OK;
}
