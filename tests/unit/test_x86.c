/* test_x86.c -- the x86 call filter of method 5 (lib/cm/x86.h): its worked values, calls to one target made alike,
** undo(apply(x)) == x on bytes dense with calls and overlapping ones, which data it takes for x86 code, and the
** frames the encoder writes with it (tests/data/tiny.gguf): method 5 from format version 6, method 3 before. */
#include "cm/x86.h"
#include "format/frame.h"
#include "llmz.h"
#include "t.h"

static uint32_t rng = 2024;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* The worked values of docs/format.md ("x86 chunks"). */
static void t_values(void) {
    uint8_t b[16] = {0xE8, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0xE9, 0xFB, 0xFF, 0xFF, 0xFF, 7};
    x86_apply(b, sizeof b);
    static const uint8_t want[16] = {0xE8, 5, 0, 0, 0, 1, 2, 3, 4, 5, 0xE9, 0x0A, 0, 0, 0xFF, 7};
    CHECK(memcmp(b, want, sizeof b) == 0);
    x86_undo(b, sizeof b);
    CHECK(b[0] == 0xE8 && b[1] == 0 && b[11] == 0xFB && b[12] == 0xFF && b[14] == 0xFF);
    /* a call needs its 5 bytes in the chunk: the last 4 bytes are never one */
    uint8_t c[4] = {0xE8, 0, 0, 0};
    x86_apply(c, sizeof c);
    CHECK(c[1] == 0 && c[2] == 0 && c[3] == 0);
    /* other top bytes, other opcodes: untouched */
    uint8_t d[10] = {0xE8, 1, 2, 3, 0x7F, 0xE7, 0, 0, 0, 0};
    x86_apply(d, sizeof d);
    CHECK(d[1] == 1 && d[2] == 2 && d[3] == 3 && d[6] == 0);
}

/* Calls from different places to one target: the same bytes once filtered. */
static void t_alike(void) {
    uint8_t b[2000];
    memset(b, 0x90, sizeof b);
    static const size_t at[] = {0, 100, 733, 1500};
    for (size_t k = 0; k < 4; k++) {
        int32_t rel = 1000 - (int32_t)(at[k] + 5); /* forward and backward calls to offset 1000 */
        b[at[k]] = 0xE8;
        for (int j = 0; j < 4; j++) b[at[k] + 1 + j] = (uint8_t)((uint32_t)rel >> (8 * j));
    }
    x86_apply(b, sizeof b);
    for (size_t k = 0; k < 4; k++) {
        CHECK(b[at[k] + 1] == (1000 & 0xFF) && b[at[k] + 2] == 1000 >> 8 && b[at[k] + 3] == 0);
        CHECK_EQ(b[at[k] + 4], at[k] < 1000 ? 0x00 : 0xFF);
    }
}

/* Round trips: bytes drawn mostly from E8, E9, 00 and FF (calls everywhere, overlapping), every length to 64 and
** longer ones; filtering changes them, undoing restores them exactly. */
static void t_roundtrip(void) {
    static uint8_t a[70000], b[70000];
    static const uint8_t pick[6] = {0xE8, 0xE9, 0x00, 0xFF, 0xE8, 0x00};
    int changed = 0;
    for (int round = 0; round < 400; round++) {
        size_t n = round < 65 ? (size_t)round : 65 + next() % 69000;
        for (size_t i = 0; i < n; i++) a[i] = next() % 4 ? pick[next() % 6] : (uint8_t)next();
        memcpy(b, a, n);
        x86_apply(b, n);
        changed += n && memcmp(a, b, n) != 0;
        x86_undo(b, n);
        if (memcmp(a, b, n) != 0) {
            CHECK(0);
            fprintf(stderr, "round %d, %zu bytes: not restored\n", round, n);
            return;
        }
    }
    CHECK(1);
    CHECK(changed > 300);
}

/* x86_looks: code with a near call every 50 bytes yes; text, zeros, random bytes and short inputs no. */
static void t_looks(void) {
    static uint8_t b[20000];
    for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)next();
    CHECK(!x86_looks(b, sizeof b));
    for (size_t i = 0; i + 5 <= sizeof b; i += 50) {
        b[i] = 0xE8;
        b[i + 4] = next() & 1 ? 0x00 : 0xFF;
    }
    CHECK(x86_looks(b, sizeof b));
    CHECK(!x86_looks(b, 4000)); /* too short to judge */
    memset(b, 0, sizeof b);
    CHECK(!x86_looks(b, sizeof b));
    for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)"the quick brown fox jumps\n"[i % 26];
    CHECK(!x86_looks(b, sizeof b));
}

/* Code-like bytes: short random instructions, a `mov` now and then, and a near call to one of 24 targets every few
** instructions (as tests/golden/x86.bin). */
static void fill_code(uint8_t *b, size_t n) {
    uint32_t targets[24];
    for (int k = 0; k < 24; k++) targets[k] = next() % (uint32_t)n;
    size_t i = 0;
    while (i + 5 <= n) {
        uint32_t r = next() % 8;
        if (r < 2) {
            uint32_t rel = targets[next() % 24] - (uint32_t)(i + 5);
            b[i++] = 0xE8;
            for (int j = 0; j < 4; j++) b[i++] = (uint8_t)(rel >> (8 * j));
        } else {
            for (uint32_t k = 1 + next() % 4; k-- > 0 && i < n;) b[i++] = r < 3 ? 0x48 : (uint8_t)next();
        }
    }
    while (i < n) b[i++] = 0;
}

/* The method of the one chunk of frame x (n bytes), or -1. */
static int method_of(const uint8_t *x, size_t n) {
    frame_header h;
    frame_chunk c[1];
    size_t need;
    uint64_t payload;
    if (frame_parse_header(&h, x, n, &need) != LLMZ_OK || h.n_chunks != 1) return -1;
    return frame_parse_table(c, &h, x, n, &payload) == LLMZ_OK ? c[0].method : -1;
}

static void t_frames(void) {
    char path[512];
    llmz_model *m = NULL;
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    if (llmz_model_load_file(&m, path) != LLMZ_OK) {
        T_SKIP("tests/data/tiny.gguf does not load");
        CHECK(0);
        return;
    }
    enum { N = 20000 };
    static uint8_t src[N], out[N];
    fill_code(src, N);
    size_t len[2] = {0, 0};
    for (int f = 5; f <= 6; f++) {
        llmz_cctx *c = llmz_cctx_create(m);
        llmz_dctx *d = llmz_dctx_create(m);
        CHECK(c && d);
        if (!c || !d) break;
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, f), LLMZ_OK);
        size_t cap = llmz_frame_bound(N), on = 0;
        uint8_t *x = malloc(cap);
        CHECK_EQ(llmz_compress_frame(c, x, cap, &len[f - 5], src, N, NULL), LLMZ_OK);
        CHECK_EQ(method_of(x, len[f - 5]), f == 6 ? 5 : 3);
        memset(out, 0, N);
        CHECK_EQ(llmz_decompress_frame(d, out, N, &on, x, len[f - 5], NULL), LLMZ_OK);
        CHECK(on == N && memcmp(out, src, N) == 0);
        /* a damaged payload fails cleanly: a flipped bit in the middle of the chunk */
        x[len[f - 5] / 2] ^= 0x10;
        int rc = llmz_decompress_frame(d, out, N, &on, x, len[f - 5], NULL);
        CHECK(rc == LLMZ_ERR_CORRUPT || rc == LLMZ_ERR_CHECKSUM);
        free(x);
        llmz_cctx_free(c);
        llmz_dctx_free(d);
    }
    CHECK(len[1] < len[0]); /* the calls filtered: smaller */
    llmz_model_free(m);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"values", t_values},
                                   {"alike", t_alike},
                                   {"roundtrip", t_roundtrip},
                                   {"looks", t_looks},
                                   {"frames", t_frames}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
