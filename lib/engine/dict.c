/*
** dict.c -- dictionaries for small messages: the dictionary file (docs/format.md, "Dictionary files": magic,
** version, the model's fingerprint, the text, a CRC), loading one for a model (its text tokenized once), and
** attaching one to a compression or decompression context.  How a dictionary frame's chunks start after the
** dictionary's tokens is the engine's (jobs.c, batch.c); choosing a dictionary's text from samples is dicttrain.c's.
*/
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "engine/engine.h"

#define DICT_MAGIC_LEN 4
#define DICT_VERSION 1
#define DICT_HEAD 44 /* magic, version, 3 reserved bytes, model fingerprint, text size */
#define DICT_FP_LEN 4 /* fingerprint bytes a dictionary frame holds (its chunk CRC catches a 2^-32 mix-up) */

static const uint8_t DICT_MAGIC[DICT_MAGIC_LEN] = {0x89, 'L', 'M', 'D'};

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Check a dictionary file: *text and *tsize its text.  LLMZ_ERR_DICT for anything but a whole, intact file of a
** version this build reads. */
static int dict_parse(const uint8_t *src, size_t size, const uint8_t **text, size_t *tsize) {
    if (!src || size < DICT_HEAD + 4 || memcmp(src, DICT_MAGIC, DICT_MAGIC_LEN) != 0) return LLMZ_ERR_DICT;
    if (src[4] != DICT_VERSION || src[5] || src[6] || src[7]) return LLMZ_ERR_DICT;
    uint32_t n = get32(src + 40);
    if (n > LLMZ_DICT_MAX || size != DICT_HEAD + (size_t)n + 4) return LLMZ_ERR_DICT;
    if (crc32_update(0, src, DICT_HEAD + (size_t)n) != get32(src + DICT_HEAD + n)) return LLMZ_ERR_DICT;
    *text = src + DICT_HEAD;
    *tsize = n;
    return LLMZ_OK;
}

int llmz_dict_info(const void *src, size_t size, uint8_t dict_fp[32], uint8_t model_fp[32], size_t *text_size) {
    const uint8_t *text;
    size_t n;
    int rc = dict_parse(src, size, &text, &n);
    if (rc) return rc;
    if (dict_fp) sha256(src, size, dict_fp);
    if (model_fp) memcpy(model_fp, (const uint8_t *)src + 8, 32);
    if (text_size) *text_size = n;
    return LLMZ_OK;
}

int llmz_dict_make(void **out, size_t *out_size, const llmz_model *m, const void *text, size_t size) {
    if (!out || !out_size || !m || (!text && size)) return LLMZ_ERR_PARAM;
    *out = NULL;
    *out_size = 0;
    if (size > LLMZ_DICT_MAX) return LLMZ_ERR_PARAM;
    if (m->has_adapter) return LLMZ_ERR_UNSUPPORTED; /* a dictionary names a model, not a model and an adapter */
    uint8_t *b = llmz_malloc(DICT_HEAD + size + 4);
    if (!b) return LLMZ_ERR_NOMEM;
    memcpy(b, DICT_MAGIC, DICT_MAGIC_LEN);
    b[4] = DICT_VERSION;
    b[5] = b[6] = b[7] = 0;
    memcpy(b + 8, m->fp, 32);
    put32(b + 40, (uint32_t)size);
    if (size) memcpy(b + DICT_HEAD, text, size);
    put32(b + DICT_HEAD + size, crc32_update(0, b, DICT_HEAD + size));
    *out = b;
    *out_size = DICT_HEAD + size + 4;
    return LLMZ_OK;
}

int llmz_dict_load(llmz_dict **out, const llmz_model *m, const void *src, size_t size) {
    if (!out || !m) return LLMZ_ERR_PARAM;
    *out = NULL;
    const uint8_t *text;
    size_t n;
    int rc = dict_parse(src, size, &text, &n);
    if (rc) return rc;
    if (m->has_adapter || memcmp((const uint8_t *)src + 8, m->fp, 32) != 0) return LLMZ_ERR_MODEL_MISMATCH;
    llmz_dict *d = llmz_calloc(1, sizeof *d);
    if (!d) return LLMZ_ERR_NOMEM;
    d->m = m;
    d->size = n;
    sha256(src, size, d->fp);
    d->text = llmz_malloc(n + 1);
    d->ids = llmz_malloc((n + 1) * sizeof *d->ids); /* a token has at least one byte */
    if (!d->text || !d->ids) {
        llmz_dict_free(d);
        return LLMZ_ERR_NOMEM;
    }
    memcpy(d->text, text, n);
    long k = tok_encode(m->tok, d->ids, n + 1, text, n);
    if (k < 0) {
        llmz_dict_free(d);
        return LLMZ_ERR_DICT;
    }
    d->ntok = (uint32_t)k;
    *out = d;
    return LLMZ_OK;
}

void llmz_dict_free(llmz_dict *d) {
    if (!d) return;
    llmz_free(d->text);
    llmz_free(d->ids);
    llmz_free(d);
}

void llmz_dict_fingerprint(const llmz_dict *d, uint8_t fp[32]) {
    if (d && fp) memcpy(fp, d->fp, 32);
}

void dict_fill_header(frame_header *h, const llmz_dict *d) {
    h->dict = d != NULL;
    h->pre = d ? d->ids : NULL;
    h->npre = d ? d->ntok : 0;
    if (!d) return;
    h->dfp_len = DICT_FP_LEN;
    memcpy(h->dict_fp, d->fp, 32);
    h->has_name = 0; /* the dictionary names the model */
    h->fp_len = 0;
}

int llmz_cctx_set_dict(llmz_cctx *c, const llmz_dict *d) {
    if (!c) return LLMZ_ERR_PARAM;
    if (d && (c->m->has_adapter || memcmp(d->m->fp, c->m->fp, 32) != 0)) return LLMZ_ERR_MODEL_MISMATCH;
    if (c->dict != d) { /* the primed state of the previous dictionary goes */
        prime_free(c->prime);
        c->prime = NULL;
    }
    c->dict = d;
    return LLMZ_OK;
}

int llmz_dctx_set_dict(llmz_dctx *dc, const llmz_dict *d) {
    if (!dc) return LLMZ_ERR_PARAM;
    if (d && (dc->m->has_adapter || memcmp(d->m->fp, dc->m->fp, 32) != 0)) return LLMZ_ERR_MODEL_MISMATCH;
    if (dc->dict != d) {
        prime_free(dc->prime);
        dc->prime = NULL;
    }
    dc->dict = d;
    return LLMZ_OK;
}
