/* test_index.c -- skippable frames and the archive index (lib/format/index.c): round trips of every entry count
** and value extreme, the trailer found from the end, and every truncation and bit flip refused. */
#include <stdint.h>

#include "llmz.h"
#include "t.h"

static void roundtrip(size_t n, uint64_t seed) {
    uint64_t *fs = malloc((n + 1) * sizeof *fs), *os = malloc((n + 1) * sizeof *os);
    uint64_t *fs2 = malloc((n + 1) * sizeof *fs2), *os2 = malloc((n + 1) * sizeof *os2), size, tail;
    size_t cap = llmz_index_bound(n), w = 0, got = 0, ok = 1;
    uint8_t *buf = malloc(cap);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        fs[i] = i % 5 == 0 ? (UINT64_C(1) << 62) : 1 + (seed >> (11 + i % 50));
        os[i] = i % 7 == 0 ? 0 : i % 11 == 0 ? (UINT64_C(1) << 62) : seed >> (3 + i % 60);
    }
    CHECK_EQ(llmz_index_write(buf, cap, &w, fs, os, n), LLMZ_OK);
    CHECK(w <= cap);
    CHECK_EQ(llmz_skippable_size(buf, w, &size), LLMZ_OK);
    CHECK_EQ(size, w);
    CHECK_EQ(llmz_index_tail(buf + w - LLMZ_INDEX_TRAILER, &tail), LLMZ_OK);
    CHECK_EQ(tail, w);
    CHECK_EQ(llmz_index_read(buf, w, fs2, os2, n, &got), LLMZ_OK);
    CHECK_EQ(got, n);
    for (size_t i = 0; i < n; i++) ok &= fs[i] == fs2[i] && os[i] == os2[i];
    CHECK(ok);
    if (n) {
        CHECK_EQ(llmz_index_read(buf, w, fs2, os2, n - 1, &got), LLMZ_ERR_DST_TOO_SMALL);
        CHECK_EQ(got, n);
        CHECK_EQ(llmz_index_write(buf, w - 1, &got, fs, os, n), LLMZ_ERR_DST_TOO_SMALL);
    }
    free(fs), free(os), free(fs2), free(os2), free(buf);
}

static void damage(void) {
    uint64_t fs[3] = {100, 200000, 7}, os[3] = {1000, 0, 8 << 20}, f2[3], o2[3], size;
    uint8_t buf[128], bad[128];
    size_t w, n, refused = 0, trunc_ok = 1;
    CHECK_EQ(llmz_index_write(buf, sizeof buf, &w, fs, os, 3), LLMZ_OK);
    for (size_t i = 0; i < w; i++)
        for (int b = 0; b < 8; b++) {
            memcpy(bad, buf, w);
            bad[i] ^= (uint8_t)(1 << b);
            refused += llmz_index_read(bad, w, f2, o2, 3, &n) != LLMZ_OK;
        }
    CHECK_EQ(refused, w * 8);
    for (size_t k = 0; k < w; k++) trunc_ok &= llmz_index_read(buf, k, f2, o2, 3, &n) != LLMZ_OK;
    CHECK(trunc_ok);
    /* a skippable frame's size is known from its first 8 bytes; fewer say how many are needed */
    CHECK_EQ(llmz_skippable_size(buf, 5, &size), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(size, LLMZ_SKIPPABLE_HEADER);
    CHECK_EQ(llmz_skippable_size("\x89LMZ\x04", 5, &size), LLMZ_ERR_NOT_LLMZ);
    CHECK_EQ(llmz_skippable_size("\x89LMS\xff\xff\xff\xff", 8, &size), LLMZ_ERR_CORRUPT);
    CHECK_EQ(llmz_skippable_size("\x89LMS\x00\x00\x00\x00", 8, &size), LLMZ_OK);
    CHECK_EQ(size, 8);
    /* an empty skippable frame is not an index; the tail of a frame is not an index trailer */
    CHECK_EQ(llmz_index_read("\x89LMS\x00\x00\x00\x00", 8, f2, o2, 3, &n), LLMZ_ERR_CORRUPT);
    CHECK_EQ(llmz_index_tail("abcdefgh", &size), LLMZ_ERR_NOT_LLMZ);
    /* entries must be real frames: size 0 is not one */
    fs[1] = 0;
    CHECK_EQ(llmz_index_write(buf, sizeof buf, &w, fs, os, 3), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_index_write(NULL, 0, &w, NULL, NULL, 1), LLMZ_ERR_PARAM);
}

int main(void) {
    size_t counts[] = {0, 1, 2, 3, 127, 128, 1000, 70000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) roundtrip(counts[i], 12345 + i);
    damage();
    return T_DONE();
}
