/*
** prepare.c -- what happens to a chunk's bytes around the model: the CRLF test, CRLF -> LF before encoding and
** LF -> CRLF after decoding (frame method 2, docs/format.md), and the encoder's "looks random" shortcut.  Pure
** functions of the bytes (integer only, so every machine decides alike); no model, no coder, no state.
*/
#include "engine/engine.h"

/* 1 if the chunk has at least one CRLF and every CR and every LF belongs to a CRLF pair: then removing
** the CRs is undone exactly by writing CR before every LF. */
int crlf_only(const uint8_t *p, size_t n) {
    size_t pairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r') {
            if (i + 1 >= n || p[i + 1] != '\n') return 0;
            pairs++;
            i++;
        } else if (p[i] == '\n') {
            return 0;
        }
    }
    return pairs > 0;
}

/* The chunk without its CRs (dst has room for n bytes); returns the length. */
size_t crlf_strip(uint8_t *dst, const uint8_t *src, size_t n) {
    size_t tn = 0;
    for (size_t k = 0; k < n; k++)
        if (src[k] != '\r') dst[tn++] = src[k];
    return tn;
}

/* LF -> CRLF in place, from the end: buf holds lf_len bytes of LF text that become n bytes. */
void crlf_restore(uint8_t *buf, size_t lf_len, size_t n) {
    size_t i = lf_len, j = n;
    while (i > 0) {
        uint8_t ch = buf[--i];
        buf[--j] = ch;
        if (ch == '\n') buf[--j] = '\r';
    }
}

/* Encoder shortcut: a chunk of at least 4 KiB whose 256 byte counts all lie within +-(n/256)/4 + 16 of uniform
** is already compressed or random data; the model could not code it in fewer bytes, so it is stored raw at once. */
int looks_random(const uint8_t *p, size_t n) {
    if (n < 4096) return 0;
    uint32_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[p[i]]++;
    uint64_t mean = n / 256, tol = mean / 4 + 16;
    for (int b = 0; b < 256; b++)
        if (cnt[b] + tol < mean || cnt[b] > mean + tol) return 0;
    return 1;
}
