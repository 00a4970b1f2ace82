/* varint.h -- format 4's varints (docs/format.md, "Format version 4"): LEB128, 7 bits a byte, least significant
** group first, the shortest encoding only, at most 10 bytes (a u64).  Shared by the header (frame.c) and the lossy
** certificate (cert.c). */
#ifndef LLMZ_VARINT_H
#define LLMZ_VARINT_H
#include <stddef.h>
#include <stdint.h>

#include "llmz.h"

#define VARINT_MAX 10 /* bytes of the longest varint */

static inline size_t varint_len(uint64_t v) {
    size_t n = 1;
    for (; v >= 0x80; v >>= 7) n++;
    return n;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v) {
    for (; v >= 0x80; v >>= 7) *p++ = (uint8_t)(v | 0x80);
    *p++ = (uint8_t)v;
    return p;
}

/* The value of the varint of n bytes at p (its extent already found): LLMZ_ERR_CORRUPT if it is not the shortest
** encoding of its value or does not fit in 64 bits. */
static inline int get_varint(const uint8_t *p, size_t n, uint64_t *v) {
    uint64_t x = 0;
    if (n > 1 && p[n - 1] == 0) return LLMZ_ERR_CORRUPT;
    if (n == VARINT_MAX && p[n - 1] > 1) return LLMZ_ERR_CORRUPT;
    for (size_t i = 0; i < n; i++) x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    *v = x;
    return LLMZ_OK;
}

/* Read one varint from p[*pos .. n): LLMZ_ERR_CORRUPT when it runs past n, is longer than 10 bytes or is not the
** shortest encoding. */
static inline int read_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v) {
    size_t i = 0;
    while (*pos + i < n && i < VARINT_MAX && (p[*pos + i] & 0x80)) i++;
    if (*pos + i >= n || i >= VARINT_MAX) return LLMZ_ERR_CORRUPT;
    int rc = get_varint(p + *pos, i + 1, v);
    *pos += i + 1;
    return rc;
}

#endif
