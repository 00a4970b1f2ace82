/*
** prepare.c -- what happens to a chunk's bytes around the model: the CRLF test, CRLF -> LF before encoding and
** LF -> CRLF after decoding (frame method 2, docs/format.md), the encoder's "looks random" shortcut, and its rule
** for leaving a chunk to the byte models (method 3).  Pure
** functions of the bytes (integer only, so every machine decides alike); no model, no coder, no state.
*/
#include "common/mem.h"
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

/* Whether p[0 .. n) repeats itself: 12-byte strings met before (at the last position of the same hash, in a table of
** 2^20 at most) cover 1/64 of it or more.  By chance, random data has none. */
#define REPEAT_WIN 12
static int repeats_itself(const uint8_t *p, size_t n) {
    if (n < 2 * REPEAT_WIN || n >= UINT32_MAX) return 0;
    int bits = 10;
    while (bits < 20 && ((size_t)1 << bits) < n) bits++;
    uint32_t *t = llmz_calloc((size_t)1 << bits, sizeof *t); /* position + 1 */
    if (!t) return 0;
    uint64_t covered = 0;
    for (size_t i = 0; i + REPEAT_WIN <= n && covered * 64 < n;) {
        uint64_t a = 0, b = 0;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 4);
        uint32_t k = (uint32_t)((a * 0x9E3779B97F4A7C15ull ^ b * 0xC2B2AE3D27D4EB4Full) >> (64 - bits)), j = t[k];
        t[k] = (uint32_t)i + 1;
        if (j && memcmp(p + j - 1, p + i, REPEAT_WIN) == 0) {
            covered += REPEAT_WIN;
            i += REPEAT_WIN;
        } else {
            i++;
        }
    }
    llmz_free(t);
    return covered * 64 >= n;
}

/* Encoder shortcut: a chunk of at least 4 KiB whose 256 byte counts all lie within +-(n/256)/4 + 16 of uniform, and
** which does not repeat itself, is already compressed or random data; the model could not code it in fewer bytes,
** so it is stored raw at once.  (Random blocks of 2,000 bytes, each twice: stored before the repeats were looked
** for; the byte models make 0.50x of it, xz -9e 0.51x.) */
int looks_random(const uint8_t *p, size_t n) {
    if (n < 4096) return 0;
    uint32_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[p[i]]++;
    uint64_t mean = n / 256, tol = mean / 4 + 16;
    for (int b = 0; b < 256; b++)
        if (cnt[b] + tol < mean || cnt[b] > mean + tol) return 0;
    return !repeats_itself(p, n);
}

/* Bytes that text of any script and encoding but UTF-16/32 hardly has: C0 controls other than TAB, LF, VT, FF, CR and
** ESC, and DEL. */
static int binary_byte(uint8_t b) { return (b < 0x20 && (b < 0x09 || b > 0x0d) && b != 0x1b) || b == 0x7f; }

/* Binary data: more than 1 byte in 32 a binary byte.  The LM, trained on text, codes it worse than the byte models.
** Runs of 32 or more zero bytes are left out of the count (both sides of it): they are padding, as in tar archives
** (512-byte blocks, NUL-filled header fields), which are text when their members are; data that is mostly such runs
** (over 15/16 of its bytes: zeros, sparse images) stays binary. */
#define NUL_RUN 32
int looks_binary(const uint8_t *p, size_t n) {
    size_t bin = 0, padding = 0, run = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] == 0) {
            run++;
            continue;
        }
        if (run >= NUL_RUN) padding += run;
        else bin += run; /* a short run of zeros: binary bytes */
        run = 0;
        if (i < n) bin += binary_byte(p[i]);
    }
    return padding * 16 > n * 15 || bin * 32 > n - padding;
}

/* Encoder rule for a chunk the byte models code in cm_len bytes: keep that without running the LM when the chunk is
** binary, or the byte models already code it in under 1/8 bit per byte (repetitive data: the LM could save little,
** at 20-50 times the time).  Any rule gives a valid frame; this one only trades time against size.  (Logs: dpkg.log,
** 200 KB, 4 chunks: the byte models alone 0.35-0.45 bits per byte, the LM with chunk groups 0.36: both are tried.) */
int bytes_only(const uint8_t *p, size_t n, size_t cm_len) { return cm_len * 64 < n || looks_binary(p, n); }
