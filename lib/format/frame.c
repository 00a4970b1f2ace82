/*
** frame.c -- frame header and chunk table: writing, parsing, validation (docs/format.md).
** Every field is validated before the caller allocates anything from it.
*/
#include "format/frame.h"

#include <string.h>

#include "common/hash.h"

static void put16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

static const uint8_t MAGIC[4] = {FRAME_MAGIC0, 'L', 'M', 'Z'};

static size_t fixed_len(const frame_header *h) { return FRAME_FIXED_LEN + h->name_len + FRAME_TAIL_LEN; }

size_t frame_adapter_ext_len(size_t name_len) { return FRAME_ADAPTER_FIXED + name_len + 4; }

/* Bytes of the adapter extension, 0 without the flag. */
static size_t ext_len(const frame_header *h) {
    return (h->flags & FRAME_FLAG_ADAPTER) ? frame_adapter_ext_len(h->aname_len) : 0;
}

/* Where the chunk table starts. */
static size_t table_off(const frame_header *h) { return fixed_len(h) + ext_len(h); }

size_t frame_header_len(const frame_header *h) {
    return table_off(h) + (size_t)h->n_chunks * FRAME_CHUNK_ENTRY + 4;
}

uint32_t frame_chunk_orig(const frame_header *h, uint32_t i) {
    uint64_t start = (uint64_t)i * h->chunk_size;
    uint64_t left = h->orig_size - start;
    return left < h->chunk_size ? (uint32_t)left : h->chunk_size;
}

size_t frame_write_header(uint8_t *dst, size_t cap, const frame_header *h, const frame_chunk *chunks) {
    size_t len = frame_header_len(h);
    if (cap < len) return 0;
    uint8_t *p = dst;
    memcpy(p, MAGIC, 4);
    p[4] = h->version;
    p[5] = h->flags;
    p[6] = h->mode;
    p[7] = h->numerics;
    memcpy(p + 8, h->model_fp, 32);
    p[40] = h->name_len;
    memcpy(p + 41, h->name, h->name_len);
    p += 41 + h->name_len;
    put32(p, h->chunk_size);
    put16(p + 4, h->window);
    put16(p + 6, h->keep);
    put64(p + 8, h->orig_size);
    put32(p + 16, h->n_chunks);
    put32(p + 20, crc32_update(0, dst, (size_t)(p + 20 - dst)));
    p += 24;
    if (h->flags & FRAME_FLAG_ADAPTER) {
        uint8_t *e = p;
        memcpy(p, h->adapter_fp, 32);
        p[32] = h->aname_len;
        memcpy(p + 33, h->aname, h->aname_len);
        p += 33 + h->aname_len;
        put32(p, crc32_update(0, e, (size_t)(p - e)));
        p += 4;
    }
    uint8_t *t = p;
    for (uint32_t i = 0; i < h->n_chunks; i++, p += FRAME_CHUNK_ENTRY) {
        put32(p, chunks[i].comp_size);
        p[4] = chunks[i].method;
        put32(p + 5, chunks[i].crc);
    }
    put32(p, crc32_update(0, t, (size_t)(p - t)));
    return len;
}

int frame_parse_header(frame_header *h, const uint8_t *src, size_t avail, size_t *need) {
    size_t want = FRAME_FIXED_LEN;
    if (avail < 4) {
        *need = want;
        /* a prefix that is already not the magic fails now */
        for (size_t i = 0; i < avail; i++)
            if (src[i] != MAGIC[i]) return LLMZ_ERR_NOT_LLMZ;
        return LLMZ_ERR_TRUNCATED;
    }
    if (memcmp(src, MAGIC, 4) != 0) return LLMZ_ERR_NOT_LLMZ;
    if (avail < want) {
        *need = want;
        return LLMZ_ERR_TRUNCATED;
    }
    /* a future format version may lay out its header differently: judge the version first */
    if (src[4] < LLMZ_FORMAT_OLDEST || src[4] > LLMZ_FORMAT_VERSION) return LLMZ_ERR_VERSION;
    memset(h, 0, sizeof *h);
    h->version = src[4];
    h->flags = src[5];
    h->mode = src[6];
    h->numerics = src[7];
    memcpy(h->model_fp, src + 8, 32);
    h->name_len = src[40];
    want = fixed_len(h);
    if (avail < want) {
        *need = want;
        return LLMZ_ERR_TRUNCATED;
    }
    const uint8_t *p = src + 41 + h->name_len;
    if (crc32_update(0, src, (size_t)(p + 20 - src)) != get32(p + 20)) return LLMZ_ERR_CHECKSUM;
    /* only now, with the header known intact, judge versions and values */
    if (h->flags & ~FRAME_FLAGS_KNOWN) return LLMZ_ERR_UNSUPPORTED;
    if (h->mode != FRAME_MODE_LOSSLESS) return LLMZ_ERR_UNSUPPORTED;
    if ((h->flags & FRAME_FLAGS_NEED_NGRAM) && !(h->flags & FRAME_FLAG_NGRAM)) return LLMZ_ERR_CORRUPT;
    if (h->numerics != LLMZ_NUMERICS_VERSION) return LLMZ_ERR_VERSION;
    memcpy(h->name, src + 41, h->name_len);
    h->name[h->name_len] = 0;
    for (int i = 0; i < h->name_len; i++)
        if (h->name[i] == 0) return LLMZ_ERR_CORRUPT;
    h->chunk_size = get32(p);
    h->window = (uint16_t)get16(p + 4);
    h->keep = (uint16_t)get16(p + 6);
    h->orig_size = get64(p + 8);
    h->n_chunks = get32(p + 16);
    if (h->chunk_size == 0 || h->chunk_size > LLMZ_MAX_CHUNK) return LLMZ_ERR_CORRUPT;
    if (h->window < 2 || h->keep >= h->window) return LLMZ_ERR_CORRUPT;
    if (h->orig_size > (1ull << 62)) return LLMZ_ERR_CORRUPT;
    uint64_t nc = (h->orig_size + h->chunk_size - 1) / h->chunk_size;
    if (nc != h->n_chunks) return LLMZ_ERR_CORRUPT;
    if (h->flags & FRAME_FLAG_ADAPTER) { /* the extension: checked by its own CRC */
        const uint8_t *e = p + 24;
        want = fixed_len(h) + FRAME_ADAPTER_FIXED;
        if (avail < want) {
            *need = want;
            return LLMZ_ERR_TRUNCATED;
        }
        h->aname_len = e[32];
        want += (size_t)h->aname_len + 4;
        if (avail < want) {
            *need = want;
            return LLMZ_ERR_TRUNCATED;
        }
        if (crc32_update(0, e, FRAME_ADAPTER_FIXED + (size_t)h->aname_len) != get32(e + 33 + h->aname_len))
            return LLMZ_ERR_CHECKSUM;
        memcpy(h->adapter_fp, e, 32);
        memcpy(h->aname, e + 33, h->aname_len);
        h->aname[h->aname_len] = 0;
        for (int i = 0; i < h->aname_len; i++)
            if (h->aname[i] == 0) return LLMZ_ERR_CORRUPT;
    }
    *need = frame_header_len(h);
    return LLMZ_OK;
}

int frame_parse_table(frame_chunk *chunks, const frame_header *h, const uint8_t *src, size_t avail,
                      uint64_t *payload) {
    size_t off = table_off(h), len = frame_header_len(h);
    if (avail < len) return LLMZ_ERR_TRUNCATED;
    const uint8_t *t = src + off;
    size_t tlen = (size_t)h->n_chunks * FRAME_CHUNK_ENTRY;
    if (crc32_update(0, t, tlen) != get32(t + tlen)) return LLMZ_ERR_CHECKSUM;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < h->n_chunks; i++, t += FRAME_CHUNK_ENTRY) {
        frame_chunk *c = &chunks[i];
        c->comp_size = get32(t);
        c->method = t[4];
        c->crc = get32(t + 5);
        uint32_t orig = frame_chunk_orig(h, i);
        if (c->method == FRAME_METHOD_RAW) {
            if (c->comp_size != orig) return LLMZ_ERR_CORRUPT;
        } else if (c->method == FRAME_METHOD_MODEL ||
                   (c->method == FRAME_METHOD_MODEL_CRLF && (h->flags & FRAME_FLAG_EOL)) ||
                   ((c->method == FRAME_METHOD_BYTES || c->method == FRAME_METHOD_MIXED) && h->version >= 4)) {
            if (c->comp_size < 8 || c->comp_size > orig) return LLMZ_ERR_CORRUPT;
        } else {
            return LLMZ_ERR_CORRUPT;
        }
        sum += c->comp_size;
    }
    *payload = sum;
    return LLMZ_OK;
}
