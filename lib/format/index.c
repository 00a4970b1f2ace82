/*
** index.c -- skippable frames and the archive index (docs/format.md, "Skippable frames" and "Index").
**
** A skippable frame is magic 89 4C 4D 53, a u32 content length C, and C bytes that decoders pass over.  The index is
** the skippable frame of type 1 that an encoder may write after the frames it describes; its last 8 bytes (its size
** and "LMZI") let a reader find it from the end of the archive.
*/
#include <string.h>

#include "common/hash.h"
#include "format/varint.h"
#include "llmz.h"

static const uint8_t skip_magic[4] = {0x89, 'L', 'M', 'S'};
static const uint8_t index_tag[4] = {'L', 'M', 'Z', 'I'};

#define INDEX_TYPE 1
#define INDEX_VERSION 1
#define INDEX_FIXED (LLMZ_SKIPPABLE_HEADER + 2 + 4 + LLMZ_INDEX_TRAILER) /* header, type, version, CRC, trailer */
#define SKIP_MAX_CONTENT 0x7fffffffu

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

int llmz_skippable_size(const void *src, size_t avail, uint64_t *size) {
    const uint8_t *p = src;
    uint32_t c;
    if (!size || (!src && avail)) return LLMZ_ERR_PARAM;
    for (size_t i = 0; i < avail && i < 4; i++)
        if (p[i] != skip_magic[i]) return LLMZ_ERR_NOT_LLMZ;
    if (avail < LLMZ_SKIPPABLE_HEADER) {
        *size = LLMZ_SKIPPABLE_HEADER;
        return LLMZ_ERR_TRUNCATED;
    }
    c = get_u32(p + 4);
    if (c > SKIP_MAX_CONTENT) return LLMZ_ERR_CORRUPT;
    *size = (uint64_t)LLMZ_SKIPPABLE_HEADER + c;
    return LLMZ_OK;
}

size_t llmz_index_bound(size_t n) {
    if (n > (SKIP_MAX_CONTENT - INDEX_FIXED) / (2 * VARINT_MAX) - 1) return 0;
    return INDEX_FIXED + VARINT_MAX * (1 + 2 * n);
}

int llmz_index_write(void *dst, size_t cap, size_t *written, const uint64_t *frame_sizes, const uint64_t *orig_sizes,
                     size_t n) {
    uint8_t *d = dst, *p;
    size_t total;
    if (!written || (!dst && cap) || (n && (!frame_sizes || !orig_sizes))) return LLMZ_ERR_PARAM;
    total = INDEX_FIXED + varint_len(n);
    for (size_t i = 0; i < n; i++) {
        if (frame_sizes[i] == 0 || frame_sizes[i] > (UINT64_C(1) << 62) || orig_sizes[i] > (UINT64_C(1) << 62))
            return LLMZ_ERR_PARAM;
        total += varint_len(frame_sizes[i]) + varint_len(orig_sizes[i]);
        if (total > SKIP_MAX_CONTENT) return LLMZ_ERR_PARAM;
    }
    if (cap < total) return LLMZ_ERR_DST_TOO_SMALL;
    p = d;
    memcpy(p, skip_magic, 4);
    p = put_u32(p + 4, (uint32_t)(total - LLMZ_SKIPPABLE_HEADER));
    *p++ = INDEX_TYPE;
    *p++ = INDEX_VERSION;
    p = put_varint(p, n);
    for (size_t i = 0; i < n; i++) {
        p = put_varint(p, frame_sizes[i]);
        p = put_varint(p, orig_sizes[i]);
    }
    p = put_u32(p, crc32_update(0, d + LLMZ_SKIPPABLE_HEADER, (size_t)(p - d) - LLMZ_SKIPPABLE_HEADER));
    p = put_u32(p, (uint32_t)total);
    memcpy(p, index_tag, 4);
    *written = total;
    return LLMZ_OK;
}

int llmz_index_tail(const void *tail, uint64_t *size) {
    const uint8_t *t = tail;
    uint32_t s;
    if (!tail || !size) return LLMZ_ERR_PARAM;
    if (memcmp(t + 4, index_tag, 4) != 0) return LLMZ_ERR_NOT_LLMZ;
    s = get_u32(t);
    if (s < INDEX_FIXED + 1 || s - LLMZ_SKIPPABLE_HEADER > SKIP_MAX_CONTENT) return LLMZ_ERR_CORRUPT;
    *size = s;
    return LLMZ_OK;
}

int llmz_index_read(const void *src, size_t size, uint64_t *frame_sizes, uint64_t *orig_sizes, size_t cap,
                    size_t *n) {
    const uint8_t *p = src;
    uint64_t skip, count, tail;
    size_t pos = LLMZ_SKIPPABLE_HEADER + 2, body;
    int err;
    if (!src || !n || (cap && (!frame_sizes || !orig_sizes))) return LLMZ_ERR_PARAM;
    if ((err = llmz_skippable_size(src, size, &skip)) != LLMZ_OK)
        return err == LLMZ_ERR_TRUNCATED ? LLMZ_ERR_CORRUPT : err;
    if (skip != size || size < INDEX_FIXED + 1) return LLMZ_ERR_CORRUPT;
    if (p[LLMZ_SKIPPABLE_HEADER] != INDEX_TYPE) return LLMZ_ERR_NOT_LLMZ;
    if (llmz_index_tail(p + size - LLMZ_INDEX_TRAILER, &tail) != LLMZ_OK || tail != size) return LLMZ_ERR_CORRUPT;
    body = size - LLMZ_INDEX_TRAILER - 4; /* the bytes the CRC covers end here */
    if (crc32_update(0, p + LLMZ_SKIPPABLE_HEADER, body - LLMZ_SKIPPABLE_HEADER) != get_u32(p + body))
        return LLMZ_ERR_CHECKSUM;
    if (p[LLMZ_SKIPPABLE_HEADER + 1] != INDEX_VERSION) return LLMZ_ERR_VERSION;
    if ((err = read_varint(p, body, &pos, &count)) != LLMZ_OK) return err;
    if (count > (body - pos) / 2) return LLMZ_ERR_CORRUPT; /* each entry takes 2 bytes or more */
    *n = (size_t)count;
    for (size_t i = 0; i < count; i++) {
        uint64_t f, o;
        if ((err = read_varint(p, body, &pos, &f)) != LLMZ_OK || (err = read_varint(p, body, &pos, &o)) != LLMZ_OK)
            return err;
        if (f == 0 || f > (UINT64_C(1) << 62) || o > (UINT64_C(1) << 62)) return LLMZ_ERR_CORRUPT;
        if (i < cap) {
            frame_sizes[i] = f;
            orig_sizes[i] = o;
        }
    }
    if (pos != body) return LLMZ_ERR_CORRUPT;
    return count > cap ? LLMZ_ERR_DST_TOO_SMALL : LLMZ_OK;
}
