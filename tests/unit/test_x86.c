/* test_x86.c -- the x86 call filter of method 5 (lib/cm/x86.h): its worked values, calls to one target made alike,
** undo(apply(x)) == x on bytes dense with calls and overlapping ones, which data it takes for x86 code, and the
** frames the encoder writes with it (tests/data/tiny.gguf): method 5 from format version 6, method 3 before.  The
** instruction parser of the byte models' version 4: the lengths of real x86-64 instructions of every form, any bytes
** parsed without end; version 4's x86 contexts code x86 code smaller, and only with them on does it decode. */
#include "cm/cm.h"
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

/* Real x86-64 instructions, one of each form the parser tells apart: their bytes (length first). */
static const uint8_t INSNS[][16] = {
    {1, 0x55},                                           /* push rbp */
    {3, 0x48, 0x89, 0xe5},                               /* mov rbp, rsp: REX.W, ModRM register */
    {4, 0x48, 0x83, 0xec, 0x10},                         /* sub rsp, 16: imm8 */
    {5, 0xe8, 0x10, 0x20, 0x00, 0x00},                   /* call rel32 */
    {5, 0x0f, 0x1f, 0x44, 0x00, 0x00},                   /* nop [rax+rax*1+0]: 0F map, SIB, disp8 */
    {9, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00}, /* nop word [rax+rax*1+0]: disp32 */
    {7, 0x48, 0x8b, 0x05, 0x11, 0x22, 0x33, 0x44},       /* mov rax, [rip+disp32] */
    {7, 0xc7, 0x45, 0xfc, 0x01, 0x00, 0x00, 0x00},       /* mov dword [rbp-4], 1: disp8, imm32 */
    {6, 0x66, 0xc7, 0x45, 0xf0, 0x34, 0x12},             /* mov word [rbp-16], 0x1234: 66 makes it imm16 */
    {10, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8},            /* mov rax, imm64 */
    {5, 0xb8, 1, 2, 3, 4},                               /* mov eax, imm32 */
    {9, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8},                   /* mov eax, [moffs64] */
    {3, 0xf6, 0xc2, 0x01},                               /* test dl, 1: F6 /0 has an imm8 */
    {2, 0xf6, 0xd0},                                     /* not al: F6 /2 has none */
    {6, 0xf7, 0xc1, 1, 2, 3, 4},                         /* test ecx, imm32 */
    {6, 0x0f, 0x84, 1, 2, 3, 4},                         /* je rel32 */
    {2, 0x74, 0x10},                                     /* je rel8 */
    {2, 0xeb, 0xfe},                                     /* jmp rel8 */
    {1, 0xc3},                                           /* ret */
    {3, 0xc2, 0x08, 0x00},                               /* ret 8 */
    {4, 0xc8, 0x10, 0x00, 0x00},                         /* enter 16, 0 */
    {8, 0x48, 0x8d, 0x04, 0xc5, 0, 0, 0, 0},             /* lea rax, [rax*8+0]: SIB base 5, mod 0: disp32 */
    {3, 0x41, 0xff, 0xd4},                               /* call r12 */
    {4, 0x48, 0xc1, 0xe0, 0x04},                         /* shl rax, 4 */
    {4, 0xf3, 0x0f, 0x1e, 0xfa},                         /* endbr64 */
    {2, 0x0f, 0x05},                                     /* syscall: no ModRM */
    {4, 0x0f, 0x38, 0x00, 0xc1},                         /* pshufb mm0, mm1: 0F 38 */
    {6, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08},             /* palignr xmm0, xmm1, 8: 0F 3A has an imm8 */
    {3, 0xc5, 0xf8, 0x77},                               /* vzeroupper: 2-byte VEX, map 0F */
    {9, 0xc4, 0xe2, 0x79, 0x18, 0x05, 1, 2, 3, 4},       /* vbroadcastss xmm0, [rip+disp32]: 3-byte VEX, map 0F 38 */
    {6, 0xc4, 0xe3, 0x79, 0x16, 0xc0, 0x01},             /* vpextrd eax, xmm0, 1: map 0F 3A, imm8 */
    {8, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x44, 0x24, 0x01}, /* vmovups zmm0, [rsp+64]: EVEX, SIB, disp8 */
    {5, 0xf0, 0x0f, 0xb1, 0x4d, 0x00},                   /* lock cmpxchg [rbp+0], ecx */
    {2, 0x0f, 0xc9},                                     /* bswap ecx: 0F C8+r has no ModRM */
};

/* The parser: each instruction ends exactly at its last byte (phase X86_OP, nothing of it read), and its opcode and
** map become hist[0]; any bytes parse without the parser ever stopping, each instruction at most a few bytes long
** beyond its prefixes. */
static void t_parse(void) {
    x86_parse x;
    x86_parse_init(&x);
    for (size_t k = 0; k < sizeof INSNS / sizeof INSNS[0]; k++) {
        const uint8_t *in = INSNS[k] + 1;
        uint32_t n = INSNS[k][0], ends = 0, at = 0;
        for (uint32_t i = 0; i < n; i++) {
            x86_parse_byte(&x, in[i]);
            if (x.phase == X86_OP && x.len == 0) ends++, at = i;
        }
        if (ends != 1 || at != n - 1) {
            CHECK(0);
            fprintf(stderr, "instruction %zu: %u ends, the last after byte %u of %u\n", k, ends, at, n);
        }
    }
    CHECK(1);
    /* the opcode history: after "sub rsp, 16", "call", "syscall" */
    x86_parse_init(&x);
    static const uint8_t seq[] = {0x48, 0x83, 0xec, 0x10, 0xe8, 1, 2, 0, 0, 0x0f, 0x05};
    for (size_t i = 0; i < sizeof seq; i++) x86_parse_byte(&x, seq[i]);
    CHECK(x.hist[0] == (0x05 | 1 << 8) && x.hist[1] == 0xe8 && x.hist[2] == 0x83);
    /* a ModRM byte, then the displacement's bytes counted down */
    x86_parse_init(&x);
    static const uint8_t mov[] = {0x48, 0x8b, 0x05, 0x11};
    static const uint32_t ph[] = {X86_OP, X86_MODRM, X86_DISP, X86_DISP}, left[] = {0, 0, 4, 3};
    for (size_t i = 0; i < sizeof mov; i++) {
        x86_parse_byte(&x, mov[i]);
        CHECK(x.phase == ph[i] && (ph[i] != X86_DISP || x.left == left[i]));
    }
    CHECK(x.modrm == 0x05 && x.op == 0x8b && x.map == 0 && x.len == 4);
    /* random bytes: instructions keep ending (no prefix runs in random data last long) */
    x86_parse_init(&x);
    uint32_t longest = 0, ends = 0;
    for (int i = 0; i < 200000; i++) {
        x86_parse_byte(&x, next() & 0xff);
        if (x.len > longest) longest = x.len;
        ends += x.phase == X86_OP && x.len == 0;
    }
    CHECK(ends > 200000 / 8);
    CHECK(longest < 32);
}

/* Code made of the instructions above in random order, with random displacements, immediates and call targets. */
static void fill_insns(uint8_t *b, size_t n) {
    size_t i = 0;
    uint32_t targets[16];
    for (int k = 0; k < 16; k++) targets[k] = next() % (uint32_t)n;
    while (i + 16 <= n) {
        const uint8_t *in = INSNS[next() % (sizeof INSNS / sizeof INSNS[0])];
        memcpy(b + i, in + 1, in[0]);
        if (in[1] == 0xe8) { /* a near call to one of 16 targets */
            uint32_t rel = targets[next() % 16] - (uint32_t)(i + 5);
            for (int j = 0; j < 4; j++) b[i + 1 + (size_t)j] = (uint8_t)(rel >> (8 * j));
        } else if (in[0] >= 5 && next() % 2) { /* another displacement or immediate */
            b[i + in[0] - 1] = (uint8_t)(next() % 4);
            b[i + in[0] - 2] = (uint8_t)next();
        }
        i += in[0];
    }
    memset(b + i, 0x90, n - i);
}

/* The byte models' version 4 on x86 code: its x86 contexts code it smaller than without them (= version 3), a payload
** decodes only as it was coded, and version 3 ignores the setting; version 6 (format 10) codes x86 code as version 4
** does (its record neighbourhood is off in x86 chunks). */
static void t_models(void) {
    enum { N = 30000 };
    static uint8_t src[N], enc[3][N + 1024], dec[N];
    fill_insns(src, N);
    x86_apply(src, N);
    cm_model *m4 = cm_new(N, 0, 4, NULL), *m3 = cm_new(N, 0, 3, NULL);
    CHECK(m4 && m3);
    if (!m4 || !m3) return;
    size_t l[3];
    cm_set_x86(m4, 1);
    l[0] = cm_encode(m4, src, N, enc[0], sizeof enc[0]);
    cm_set_x86(m4, 0);
    l[1] = cm_encode(m4, src, N, enc[1], sizeof enc[1]);
    cm_set_x86(m3, 1);
    l[2] = cm_encode(m3, src, N, enc[2], sizeof enc[2]);
    fprintf(stderr, "x86 code, %d bytes: version 4 %zu, without the x86 contexts %zu, version 3 %zu\n", N, l[0], l[1],
            l[2]);
    CHECK(l[0] > 0 && l[0] * 100 < l[1] * 97); /* at least 3% smaller (4.9% made) */
    CHECK(l[1] == l[2] && memcmp(enc[1], enc[2], l[1]) == 0);
    cm_set_x86(m4, 1);
    CHECK_EQ(cm_decode(m4, enc[0], l[0], dec, N), 0);
    CHECK(memcmp(dec, src, N) == 0);
    cm_set_x86(m4, 0);
    CHECK(cm_decode(m4, enc[0], l[0], dec, N) != 0 || memcmp(dec, src, N) != 0);
    cm_model *m6 = cm_new(N, 0, 6, NULL);
    CHECK(m6 != NULL);
    if (m6) {
        cm_set_x86(m6, 1);
        size_t l6 = cm_encode(m6, src, N, enc[1], sizeof enc[1]);
        CHECK(l6 == l[0] && memcmp(enc[1], enc[0], l6) == 0);
        cm_free(m6);
    }
    cm_free(m4);
    cm_free(m3);
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
    size_t len[3] = {0, 0, 0};
    for (int f = 5; f <= 7; f++) {
        llmz_cctx *c = llmz_cctx_create(m);
        llmz_dctx *d = llmz_dctx_create(m);
        CHECK(c && d);
        if (!c || !d) break;
        CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, f), LLMZ_OK);
        size_t cap = llmz_frame_bound(N), on = 0;
        uint8_t *x = malloc(cap);
        CHECK_EQ(llmz_compress_frame(c, x, cap, &len[f - 5], src, N, NULL), LLMZ_OK);
        CHECK_EQ(method_of(x, len[f - 5]), f >= 6 ? 5 : 3);
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
    CHECK(len[2] < len[1]); /* and the x86 contexts */
    llmz_model_free(m);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"values", t_values},
                                   {"alike", t_alike},
                                   {"roundtrip", t_roundtrip},
                                   {"looks", t_looks},
                                   {"parse", t_parse},
                                   {"models", t_models},
                                   {"frames", t_frames}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
