/* gguf.c -- GGUF v3 reader over an untrusted in-memory buffer.  See gguf.h. */
#include "model/gguf.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "llmz.h"
#include "model/quants.h"

#define GGUF_MAX_DEPTH 8 /* nesting limit for arrays of arrays */

typedef struct {
    const char *key;
    size_t key_len;
    uint32_t type;
    const uint8_t *val;  /* scalar value bytes, or the first array element */
    uint32_t elem_type;  /* arrays only */
    uint64_t n;          /* arrays only */
    size_t *str_pos;     /* string arrays: buffer position of each element's length field */
} gguf_kv;

typedef struct {
    const char *key;
    size_t len;
    size_t idx;
} gguf_ref;

struct gguf_ctx {
    const uint8_t *buf;
    size_t size;
    uint32_t alignment;
    gguf_kv *kv;
    size_t n_kv;
    gguf_ref *kv_sorted;
    gguf_tensor *t;
    size_t n_t;
    gguf_ref *t_sorted;
    char *names;
};

typedef struct {
    const uint8_t *b;
    size_t size, pos;
} gguf_rd;

static uint64_t gguf_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static size_t gguf_left(const gguf_rd *r) { return r->size - r->pos; }

static int gguf_rd_u32(gguf_rd *r, uint32_t *v) {
    if (gguf_left(r) < 4) return -1;
    *v = (uint32_t)gguf_le(r->b + r->pos, 4);
    r->pos += 4;
    return 0;
}

static int gguf_rd_u64(gguf_rd *r, uint64_t *v) {
    if (gguf_left(r) < 8) return -1;
    *v = gguf_le(r->b + r->pos, 8);
    r->pos += 8;
    return 0;
}

static int gguf_rd_str(gguf_rd *r, const char **s, size_t *len) {
    uint64_t n;
    if (gguf_rd_u64(r, &n) || n > gguf_left(r)) return -1;
    *s = (const char *)(r->b + r->pos);
    *len = (size_t)n;
    r->pos += (size_t)n;
    return 0;
}

/* Size of a fixed-size value type, 0 for string/array, -1 for an unknown type. */
static int gguf_scalar_size(uint32_t type) {
    switch (type) {
    case GGUF_T_U8: case GGUF_T_I8: case GGUF_T_BOOL: return 1;
    case GGUF_T_U16: case GGUF_T_I16: return 2;
    case GGUF_T_U32: case GGUF_T_I32: case GGUF_T_F32: return 4;
    case GGUF_T_U64: case GGUF_T_I64: case GGUF_T_F64: return 8;
    case GGUF_T_STRING: case GGUF_T_ARRAY: return 0;
    default: return -1;
    }
}

/* Skip one value of `type`; bounds-checked, linear in the bytes consumed. */
static int gguf_skip(gguf_rd *r, uint32_t type, int depth) {
    int sz = gguf_scalar_size(type);
    if (sz < 0) return -1;
    if (sz > 0) {
        if (gguf_left(r) < (size_t)sz) return -1;
        r->pos += (size_t)sz;
        return 0;
    }
    if (type == GGUF_T_STRING) {
        const char *s;
        size_t len;
        return gguf_rd_str(r, &s, &len);
    }
    uint32_t et;
    uint64_t n;
    if (depth >= GGUF_MAX_DEPTH || gguf_rd_u32(r, &et) || gguf_rd_u64(r, &n)) return -1;
    int esz = gguf_scalar_size(et);
    if (esz < 0) return -1;
    if (esz > 0) {
        if (n > gguf_left(r) / (size_t)esz) return -1;
        r->pos += (size_t)n * (size_t)esz;
        return 0;
    }
    /* strings take >= 8 bytes each, arrays >= 12: the count cannot exceed what is left */
    if (n > gguf_left(r) / 8) return -1;
    for (uint64_t i = 0; i < n; i++)
        if (gguf_skip(r, et, depth + 1)) return -1;
    return 0;
}

static int gguf_ref_cmp(const void *a, const void *b) {
    const gguf_ref *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, m);
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

typedef struct {
    uint64_t off, nbytes;
} gguf_span;

static int gguf_span_cmp(const void *a, const void *b) {
    const gguf_span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Integer value of any integer type: *neg set for negative values, *u holds the two's complement. */
static int gguf_int(uint32_t type, const uint8_t *p, uint64_t *u, int *neg) {
    *neg = 0;
    switch (type) {
    case GGUF_T_U8: *u = p[0]; return 0;
    case GGUF_T_U16: *u = gguf_le(p, 2); return 0;
    case GGUF_T_U32: *u = gguf_le(p, 4); return 0;
    case GGUF_T_U64: *u = gguf_le(p, 8); return 0;
    case GGUF_T_I8: *u = (uint64_t)(int64_t)(int8_t)p[0]; break;
    case GGUF_T_I16: *u = (uint64_t)(int64_t)(int16_t)(uint16_t)gguf_le(p, 2); break;
    case GGUF_T_I32: *u = (uint64_t)(int64_t)(int32_t)(uint32_t)gguf_le(p, 4); break;
    case GGUF_T_I64: *u = gguf_le(p, 8); break;
    default: return -1;
    }
    *neg = (*u >> 63) != 0;
    return 0;
}

static int gguf_fit_u32(uint32_t type, const uint8_t *p, uint32_t *out) {
    uint64_t u;
    int neg;
    if (gguf_int(type, p, &u, &neg) || neg || u > UINT32_MAX) return LLMZ_ERR_MODEL_FORMAT;
    *out = (uint32_t)u;
    return LLMZ_OK;
}

static int gguf_fit_i32(uint32_t type, const uint8_t *p, int32_t *out) {
    uint64_t u;
    int neg;
    if (gguf_int(type, p, &u, &neg)) return LLMZ_ERR_MODEL_FORMAT;
    int64_t v = neg ? -(int64_t)(~u) - 1 : (u > INT32_MAX ? INT64_MAX : (int64_t)u);
    if (v < INT32_MIN || v > INT32_MAX) return LLMZ_ERR_MODEL_FORMAT;
    *out = (int32_t)v;
    return LLMZ_OK;
}

static float gguf_u32_to_f32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static int gguf_float(uint32_t type, const uint8_t *p, float *out) {
    if (type == GGUF_T_F32) {
        *out = gguf_u32_to_f32((uint32_t)gguf_le(p, 4));
        return LLMZ_OK;
    }
    if (type == GGUF_T_F64) {
        uint64_t b = gguf_le(p, 8);
        double d;
        memcpy(&d, &b, 8);
        *out = (float)d;
        return LLMZ_OK;
    }
    return LLMZ_ERR_MODEL_FORMAT;
}

float gguf_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu, bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | man << 13; /* inf / NaN with payload */
    } else if (exp) {
        bits = sign | (exp + 112u) << 23 | man << 13;
    } else if (!man) {
        bits = sign;
    } else { /* subnormal: normalise */
        uint32_t e = 113;
        while (!(man & 0x400u)) man <<= 1, e--;
        bits = sign | e << 23 | (man & 0x3FFu) << 13;
    }
    return gguf_u32_to_f32(bits);
}

void gguf_close(gguf_ctx *g) {
    if (!g) return;
    if (g->kv)
        for (size_t i = 0; i < g->n_kv; i++) llmz_free(g->kv[i].str_pos);
    llmz_free(g->kv);
    llmz_free(g->kv_sorted);
    llmz_free(g->t);
    llmz_free(g->t_sorted);
    llmz_free(g->names);
    llmz_free(g);
}

static int gguf_parse(gguf_ctx *g) {
    gguf_rd r = {g->buf, g->size, 0};
    uint32_t magic, version;
    uint64_t n_t, n_kv;
    if (gguf_rd_u32(&r, &magic) || magic != 0x46554747u /* "GGUF" */) return LLMZ_ERR_MODEL_FORMAT;
    if (gguf_rd_u32(&r, &version) || version != 3) return LLMZ_ERR_MODEL_FORMAT;
    if (gguf_rd_u64(&r, &n_t) || gguf_rd_u64(&r, &n_kv)) return LLMZ_ERR_MODEL_FORMAT;
    /* a key/value takes >= 13 bytes, a tensor info >= 28: caps allocations at O(file size) */
    if (n_kv > gguf_left(&r) / 13 || n_t > gguf_left(&r) / 28) return LLMZ_ERR_MODEL_FORMAT;

    g->n_kv = (size_t)n_kv;
    g->kv = llmz_calloc(g->n_kv, sizeof *g->kv);
    g->kv_sorted = llmz_calloc(g->n_kv, sizeof *g->kv_sorted);
    if (!g->kv || !g->kv_sorted) return LLMZ_ERR_NOMEM;
    for (size_t i = 0; i < g->n_kv; i++) {
        gguf_kv *kv = &g->kv[i];
        if (gguf_rd_str(&r, &kv->key, &kv->key_len) || memchr(kv->key, 0, kv->key_len) ||
            gguf_rd_u32(&r, &kv->type))
            return LLMZ_ERR_MODEL_FORMAT;
        g->kv_sorted[i] = (gguf_ref){kv->key, kv->key_len, i};
        if (kv->type == GGUF_T_ARRAY) {
            if (gguf_rd_u32(&r, &kv->elem_type) || gguf_rd_u64(&r, &kv->n)) return LLMZ_ERR_MODEL_FORMAT;
            kv->val = r.b + r.pos;
            if (kv->elem_type == GGUF_T_STRING) {
                if (kv->n > gguf_left(&r) / 8) return LLMZ_ERR_MODEL_FORMAT;
                kv->str_pos = llmz_malloc((size_t)kv->n * sizeof *kv->str_pos);
                if (!kv->str_pos) return LLMZ_ERR_NOMEM;
                for (size_t j = 0; j < (size_t)kv->n; j++) {
                    const char *s;
                    size_t len;
                    kv->str_pos[j] = r.pos;
                    if (gguf_rd_str(&r, &s, &len)) return LLMZ_ERR_MODEL_FORMAT;
                }
            } else {
                int esz = gguf_scalar_size(kv->elem_type);
                if (esz < 0) return LLMZ_ERR_MODEL_FORMAT;
                if (esz > 0) {
                    if (kv->n > gguf_left(&r) / (size_t)esz) return LLMZ_ERR_MODEL_FORMAT;
                    r.pos += (size_t)kv->n * (size_t)esz;
                } else { /* array of arrays: validated and skipped */
                    if (kv->n > gguf_left(&r) / 8) return LLMZ_ERR_MODEL_FORMAT;
                    for (uint64_t j = 0; j < kv->n; j++)
                        if (gguf_skip(&r, kv->elem_type, 1)) return LLMZ_ERR_MODEL_FORMAT;
                }
            }
        } else {
            kv->val = r.b + r.pos;
            if (gguf_skip(&r, kv->type, 0)) return LLMZ_ERR_MODEL_FORMAT;
        }
    }
    if (g->n_kv) qsort(g->kv_sorted, g->n_kv, sizeof *g->kv_sorted, gguf_ref_cmp);
    for (size_t i = 1; i < g->n_kv; i++)
        if (!gguf_ref_cmp(&g->kv_sorted[i - 1], &g->kv_sorted[i])) return LLMZ_ERR_MODEL_FORMAT;

    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    int rc = gguf_get_u32(g, "general.alignment", &g->alignment);
    if (rc == GGUF_NOT_FOUND) g->alignment = GGUF_DEFAULT_ALIGNMENT;
    else if (rc != LLMZ_OK || !g->alignment || (g->alignment & (g->alignment - 1)))
        return LLMZ_ERR_MODEL_FORMAT;

    /* tensor infos */
    g->n_t = (size_t)n_t;
    g->t = llmz_calloc(g->n_t, sizeof *g->t);
    g->t_sorted = llmz_calloc(g->n_t, sizeof *g->t_sorted);
    uint64_t *offs = llmz_calloc(g->n_t, sizeof *offs);
    if (!g->t || !g->t_sorted || !offs) {
        llmz_free(offs);
        return LLMZ_ERR_NOMEM;
    }
    size_t names_len = 0;
    rc = LLMZ_ERR_MODEL_FORMAT;
    for (size_t i = 0; i < g->n_t; i++) {
        gguf_tensor *t = &g->t[i];
        uint64_t nel = 1;
        if (gguf_rd_str(&r, &t->name, &t->name_len) || memchr(t->name, 0, t->name_len) ||
            gguf_rd_u32(&r, &t->n_dims) || t->n_dims < 1 || t->n_dims > 4)
            goto fail;
        for (int d = 0; d < 4; d++) t->ne[d] = 1;
        for (uint32_t d = 0; d < t->n_dims; d++) {
            if (gguf_rd_u64(&r, &t->ne[d]) || !t->ne[d] || t->ne[d] > (UINT64_MAX >> 2) / nel) goto fail;
            nel *= t->ne[d];
        }
        if (gguf_rd_u32(&r, &t->type) || gguf_rd_u64(&r, &offs[i])) goto fail;
        switch (t->type) {
        case GGML_T_F32: t->nbytes = nel * 4; break;
        case GGML_T_F16: t->nbytes = nel * 2; break;
        default: {
            const quant_info *qi = quant_find(t->type); /* block types: rows of whole blocks */
            if (qi && t->ne[0] % qi->block) goto fail;
            t->nbytes = qi ? nel / qi->block * qi->bytes : 0;
            break;
        }
        }
        g->t_sorted[i] = (gguf_ref){t->name, t->name_len, i};
        names_len += t->name_len + 1; /* <= file size: no overflow */
    }
    if (g->n_t) qsort(g->t_sorted, g->n_t, sizeof *g->t_sorted, gguf_ref_cmp);
    for (size_t i = 1; i < g->n_t; i++)
        if (!gguf_ref_cmp(&g->t_sorted[i - 1], &g->t_sorted[i])) goto fail;

    /* data section: starts at the next multiple of the alignment */
    size_t data_start = r.pos;
    if (data_start % g->alignment) {
        size_t pad = g->alignment - data_start % g->alignment;
        if (pad > gguf_left(&r)) {
            if (g->n_t) goto fail;
            pad = gguf_left(&r); /* tensor-less (vocabulary-only) files may end unpadded */
        }
        data_start += pad;
    }
    uint64_t data_size = g->size - data_start;
    for (size_t i = 0; i < g->n_t; i++) {
        gguf_tensor *t = &g->t[i];
        if (offs[i] % g->alignment || offs[i] > data_size || t->nbytes > data_size - offs[i]) goto fail;
        t->data = g->buf + data_start + (size_t)offs[i];
    }
    /* tensors of known size must not overlap */
    {
        gguf_span *sp = llmz_calloc(g->n_t, sizeof *sp);
        size_t ns = 0;
        if (!sp) {
            rc = LLMZ_ERR_NOMEM;
            goto fail;
        }
        for (size_t i = 0; i < g->n_t; i++)
            if (g->t[i].nbytes) sp[ns++] = (gguf_span){offs[i], g->t[i].nbytes};
        if (ns) qsort(sp, ns, sizeof *sp, gguf_span_cmp);
        int bad = 0;
        for (size_t i = 1; i < ns; i++)
            if (sp[i - 1].off + sp[i - 1].nbytes > sp[i].off) bad = 1;
        llmz_free(sp);
        if (bad) goto fail;
    }
    llmz_free(offs);
    offs = NULL;

    /* NUL-terminated copies of the tensor names */
    g->names = llmz_malloc(names_len);
    if (!g->names) return LLMZ_ERR_NOMEM;
    char *p = g->names;
    for (size_t i = 0; i < g->n_t; i++) {
        memcpy(p, g->t[i].name, g->t[i].name_len);
        p[g->t[i].name_len] = 0;
        g->t[i].name = p;
        p += g->t[i].name_len + 1;
    }
    for (size_t i = 0; i < g->n_t; i++) g->t_sorted[i].key = g->t[g->t_sorted[i].idx].name;
    return LLMZ_OK;
fail:
    llmz_free(offs);
    return rc;
}

int gguf_open(gguf_ctx **out, const uint8_t *buf, size_t size) {
    if (!out) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (!buf && size) return LLMZ_ERR_PARAM;
    gguf_ctx *g = llmz_calloc(1, sizeof *g);
    if (!g) return LLMZ_ERR_NOMEM;
    g->buf = buf;
    g->size = size;
    int rc = gguf_parse(g);
    if (rc != LLMZ_OK) {
        gguf_close(g);
        return rc;
    }
    *out = g;
    return LLMZ_OK;
}

static const gguf_ref *gguf_lookup(const gguf_ref *arr, size_t n, const char *key) {
    if (!arr || !key) return NULL;
    gguf_ref k = {key, strlen(key), 0};
    return bsearch(&k, arr, n, sizeof *arr, gguf_ref_cmp);
}

static const gguf_kv *gguf_kv_find(const gguf_ctx *g, const char *key) {
    if (!g) return NULL;
    const gguf_ref *r = gguf_lookup(g->kv_sorted, g->n_kv, key);
    return r ? &g->kv[r->idx] : NULL;
}

int gguf_has(const gguf_ctx *g, const char *key) { return gguf_kv_find(g, key) != NULL; }

int gguf_type(const gguf_ctx *g, const char *key) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    return kv ? (int)kv->type : GGUF_NOT_FOUND;
}

int gguf_get_u32(const gguf_ctx *g, const char *key, uint32_t *out) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    if (!kv) return GGUF_NOT_FOUND;
    return gguf_fit_u32(kv->type, kv->val, out);
}

int gguf_get_f32(const gguf_ctx *g, const char *key, float *out) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    if (!kv) return GGUF_NOT_FOUND;
    return gguf_float(kv->type, kv->val, out);
}

int gguf_get_str(const gguf_ctx *g, const char *key, const char **s, size_t *len) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    if (!kv) return GGUF_NOT_FOUND;
    if (kv->type != GGUF_T_STRING) return LLMZ_ERR_MODEL_FORMAT;
    *len = (size_t)gguf_le(kv->val, 8);
    *s = (const char *)kv->val + 8;
    return LLMZ_OK;
}

int gguf_get_arr(const gguf_ctx *g, const char *key, uint32_t *elem_type, uint64_t *n) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    if (!kv) return GGUF_NOT_FOUND;
    if (kv->type != GGUF_T_ARRAY) return LLMZ_ERR_MODEL_FORMAT;
    if (elem_type) *elem_type = kv->elem_type;
    if (n) *n = kv->n;
    return LLMZ_OK;
}

/* Array element i of a fixed-size element type. */
static int gguf_elem(const gguf_ctx *g, const char *key, uint64_t i, const gguf_kv **kvp, const uint8_t **p) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    if (!kv) return GGUF_NOT_FOUND;
    if (kv->type != GGUF_T_ARRAY) return LLMZ_ERR_MODEL_FORMAT;
    if (i >= kv->n) return LLMZ_ERR_PARAM;
    int esz = gguf_scalar_size(kv->elem_type);
    if (esz <= 0) return LLMZ_ERR_MODEL_FORMAT;
    *kvp = kv;
    *p = kv->val + (size_t)i * (size_t)esz;
    return LLMZ_OK;
}

int gguf_arr_str(const gguf_ctx *g, const char *key, uint64_t i, const char **s, size_t *len) {
    const gguf_kv *kv = gguf_kv_find(g, key);
    if (!kv) return GGUF_NOT_FOUND;
    if (kv->type != GGUF_T_ARRAY || kv->elem_type != GGUF_T_STRING) return LLMZ_ERR_MODEL_FORMAT;
    if (i >= kv->n) return LLMZ_ERR_PARAM;
    size_t pos = kv->str_pos[i];
    *len = (size_t)gguf_le(g->buf + pos, 8);
    *s = (const char *)g->buf + pos + 8;
    return LLMZ_OK;
}

int gguf_arr_f32(const gguf_ctx *g, const char *key, uint64_t i, float *out) {
    const gguf_kv *kv;
    const uint8_t *p;
    int rc = gguf_elem(g, key, i, &kv, &p);
    return rc != LLMZ_OK ? rc : gguf_float(kv->elem_type, p, out);
}

int gguf_arr_i32(const gguf_ctx *g, const char *key, uint64_t i, int32_t *out) {
    const gguf_kv *kv;
    const uint8_t *p;
    int rc = gguf_elem(g, key, i, &kv, &p);
    return rc != LLMZ_OK ? rc : gguf_fit_i32(kv->elem_type, p, out);
}

size_t gguf_n_tensors(const gguf_ctx *g) { return g ? g->n_t : 0; }

const gguf_tensor *gguf_tensor_at(const gguf_ctx *g, size_t i) {
    return g && i < g->n_t ? &g->t[i] : NULL;
}

const gguf_tensor *gguf_find_tensor(const gguf_ctx *g, const char *name) {
    if (!g) return NULL;
    const gguf_ref *r = gguf_lookup(g->t_sorted, g->n_t, name);
    return r ? &g->t[r->idx] : NULL;
}

uint32_t gguf_alignment(const gguf_ctx *g) { return g ? g->alignment : 0; }

uint64_t gguf_tensor_nelem(const gguf_tensor *t) {
    return t ? t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3] : 0;
}
