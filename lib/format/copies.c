/*
** copies.c -- long-range copies (copies.h; docs/format.md, "Copies").
**
** The encoder's search (copies_find), a function of the input alone: a rolling hash of COPY_WIN bytes at every
** position is looked up in a table of the positions before it that are multiples of COPY_STEP (the latest one
** for each hash); a hit whose bytes agree is extended forwards and backwards (over literals not yet listed), and
** taken when it reaches COPIES_MIN bytes.  Any repeat of COPY_WIN + COPY_STEP - 1 bytes or more is found, at any
** distance within the frame.  A hit that falls short costs its extension (under COPIES_MIN bytes compared): 8 MiB
** of a 26-letter pattern broken every 1,000 bytes, a hit at nearly every position, takes 0.9 s (the models: 25 s).
*/
#include "format/copies.h"

#include <string.h>

#include "common/mem.h"
#include "format/varint.h"

#define COPY_WIN 64           /* bytes a hash covers */
#define COPY_STEP 32          /* positions indexed: every COPY_STEP-th */
#define COPY_HASH 0x01000193u /* the rolling hash's multiplier */
#define TABLE_BITS_MAX 24

static uint32_t hash_at(const uint8_t *p) {
    uint32_t h = 0;
    for (int k = 0; k < COPY_WIN; k++) h = h * COPY_HASH + p[k];
    return h;
}

static uint32_t slot(uint32_t h, int bits) { return (h * 0x9E3779B1u) >> (32 - bits); }

int64_t copies_find(const uint8_t *src, size_t n, uint8_t **list, size_t *list_len, uint8_t *lit, size_t *lit_n) {
    *list = NULL;
    *list_len = 0;
    *lit_n = 0;
    if (n < 2 * COPIES_MIN || n >= UINT32_MAX) {
        memcpy(lit, src, n);
        *lit_n = n;
        return 0;
    }
    int bits = 10;
    while (bits < TABLE_BITS_MAX && ((size_t)1 << bits) < n / COPY_STEP * 2) bits++;
    uint32_t *table = llmz_calloc((size_t)1 << bits, sizeof *table); /* position + 1, 0: none */
    size_t cap = 64, len = 0;
    uint8_t *out = llmz_malloc(cap);
    if (!table || !out) {
        llmz_free(table);
        llmz_free(out);
        return -1;
    }
    uint32_t top = 1; /* COPY_HASH^(COPY_WIN - 1): what the byte leaving the window weighs */
    for (int k = 1; k < COPY_WIN; k++) top *= COPY_HASH;
    size_t start = 0, ins = 0, i = 0, nl = 0; /* literals from start; positions below ins indexed */
    uint64_t covered = 0;
    uint32_t h = hash_at(src);
    while (i + COPY_WIN <= n) {
        for (; ins < i; ins += COPY_STEP) table[slot(hash_at(src + ins), bits)] = (uint32_t)ins + 1;
        uint32_t e = table[slot(h, bits)];
        size_t j = e ? e - 1 : 0, fwd = 0, back = 0;
        if (e && memcmp(src + j, src + i, COPY_WIN) == 0) {
            fwd = COPY_WIN;
            while (i + fwd < n && src[j + fwd] == src[i + fwd]) fwd++;
            while (back < i - start && back < j && src[j - back - 1] == src[i - back - 1]) back++;
        }
        if (fwd + back >= COPIES_MIN) {
            size_t at = i - back, clen = fwd + back, need = len + 3 * VARINT_MAX;
            if (need > cap) {
                uint8_t *nb = llmz_realloc(out, cap = need * 2);
                if (!nb) {
                    llmz_free(table);
                    llmz_free(out);
                    return -1;
                }
                out = nb;
            }
            uint8_t *p = put_varint(out + len, at - start);
            p = put_varint(p, i - j);
            p = put_varint(p, clen);
            len = (size_t)(p - out);
            memcpy(lit + nl, src + start, at - start);
            nl += at - start;
            covered += clen;
            start = i = at + clen;
            if (i + COPY_WIN <= n) h = hash_at(src + i);
            continue;
        }
        if (i + COPY_WIN < n) h = (h - src[i] * top) * COPY_HASH + src[i + COPY_WIN];
        i++;
    }
    memcpy(lit + nl, src + start, n - start);
    nl += n - start;
    llmz_free(table);
    if (!covered) {
        llmz_free(out);
        out = NULL;
        len = 0;
    }
    *list = out;
    *list_len = len;
    *lit_n = nl;
    return (int64_t)covered;
}

int copies_check(const uint8_t *list, size_t len, uint64_t lit_size, uint64_t out_size) {
    size_t pos = 0;
    uint64_t lit_left = lit_size, w = 0; /* literals not yet placed; bytes of output so far */
    while (pos < len) {
        uint64_t l, d, c;
        if (read_varint(list, len, &pos, &l) != LLMZ_OK || read_varint(list, len, &pos, &d) != LLMZ_OK ||
            read_varint(list, len, &pos, &c) != LLMZ_OK)
            return LLMZ_ERR_CORRUPT;
        if (l > lit_left) return LLMZ_ERR_CORRUPT;
        lit_left -= l;
        w += l;
        if (d == 0 || d > w || c == 0 || c > out_size || w > out_size - c) return LLMZ_ERR_CORRUPT;
        w += c;
    }
    return w <= out_size && out_size - w == lit_left ? LLMZ_OK : LLMZ_ERR_CORRUPT;
}

void copies_expand(uint8_t *dst, uint64_t out_size, uint64_t lit_size, const uint8_t *list, size_t len) {
    size_t pos = 0, w = 0, r = (size_t)(out_size - lit_size); /* write at w, literals read from r (w <= r) */
    while (pos < len) {
        uint64_t l = 0, d = 1, c = 0; /* (checked: each read succeeds) */
        read_varint(list, len, &pos, &l);
        read_varint(list, len, &pos, &d);
        read_varint(list, len, &pos, &c);
        memmove(dst + w, dst + r, (size_t)l);
        w += (size_t)l;
        r += (size_t)l;
        if (d >= c) {
            memcpy(dst + w, dst + w - d, (size_t)c);
        } else { /* overlapping: the pattern of d bytes, repeated */
            for (size_t k = 0; k < c; k++) dst[w + k] = dst[w + k - d];
        }
        w += (size_t)c;
    }
    memmove(dst + w, dst + r, (size_t)(out_size - w));
}
