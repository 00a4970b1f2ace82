/* test_cm.c -- the byte models of chunk method 3 (lib/cm/cm.h): round trips of every kind of chunk, the same bytes
** from a reused model and from every kernel set, the output bound, damaged and truncated payloads, and the memory the
** model says it holds. */
#include "cm/cm.h"
#include "cm/elf.h"
#include "cm/x86.h"
#include "common/mem.h"
#include "llmz.h"
#include "t.h"

static uint32_t rng = 12345;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

enum { N = 40000 };
static uint8_t src[N + 100000], enc[N + 100000], dec[N + 100000], enc2[N + 100000];

/* Fill src with kind k: 0 zeros, 1 text, 2 random, 3 a binary-like record layout, 4 a log-like text, 5 one byte, 6 a
** log whose package name moves one field right from one line to the next ("install p", "status half-installed p"), 7
** a bitmap of 40-byte rows (320 pixels, a bit each) with a frame and diagonal lines, some pixels flipped at random. */
static size_t fill(int k, size_t n) {
    static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps\n", "over ", "lazy ", "dog, "};
    size_t i = 0;
    if (k == 0) memset(src, 0, n);
    while (k == 1 && i < n) {
        const char *w = words[next() % 8];
        while (*w && i < n) src[i++] = (uint8_t)*w++;
    }
    for (i = 0; k == 2 && i < n; i++) src[i] = (uint8_t)next();
    for (i = 0; k == 3 && i < n; i++) src[i] = (uint8_t)(i % 16 < 4 ? i / 16 >> (8 * (i % 4)) : i % 16 == 8 ? 0xe8 : 0);
    for (i = 0; k == 4 && i < n;) {
        char line[96];
        int l = snprintf(line, sizeof line, "2026-12-06 01:%02u:%02u status installed pkg%u:amd64 1.%u\n",
                         (unsigned)(i / 3000 % 60), (unsigned)(i / 50 % 60), (unsigned)(next() % 40),
                         (unsigned)(next() % 9));
        for (int j = 0; j < l && i < n; j++) src[i++] = (uint8_t)line[j];
    }
    if (k == 5) memset(src, 'a', n);
    for (i = 0; k == 6 && i < n;) {
        char line[160];
        unsigned p = next() % 5000, v = next() % 90;
        int l = snprintf(line, sizeof line,
                         "2026-12-06 02:%02u:%02u install lib%ux%u:amd64 <none> 2.%u-1\n"
                         "2026-12-06 02:%02u:%02u status half-installed lib%ux%u:amd64 2.%u-1\n",
                         (unsigned)(i / 4000 % 60), (unsigned)(i / 70 % 60), p, p * 7 % 1000, v,
                         (unsigned)(i / 4000 % 60), (unsigned)(i / 70 % 60), p, p * 7 % 1000, v);
        for (int j = 0; j < l && i < n; j++) src[i++] = (uint8_t)line[j];
    }
    for (i = 0; k == 7 && i < n; i++) {
        size_t y = i / 40, x0 = i % 40 * 8;
        unsigned b = 0;
        for (size_t x = x0; x < x0 + 8; x++) {
            unsigned on = x == 0 || x == 319 || (x + y) % 53 == 0 || (x + 2 * y) % 97 < 2 || next() % 512 == 0;
            b = b << 1 | on;
        }
        src[i] = (uint8_t)b;
    }
    return n;
}

static void t_roundtrip(void) {
    static const size_t sizes[] = {0, 1, 2, 7, 100, 4096, N};
    cm_model *m = cm_new(N + 100000, 0, CM_BYTES, NULL);
    CHECK(m != NULL);
    if (!m) return;
    for (int k = 0; k < 6; k++)
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            /* quick (t.h: the sanitizer build codes a few KB a second): the full size only for the kinds checked there */
            if (t_quick() && sizes[si] == N && k != 0 && k != 2 && k != 4) continue;
            size_t n = fill(k, sizes[si]);
            size_t len = cm_encode(m, src, n, enc, sizeof enc);
            CHECK(len >= 8); /* the range coder's flush */
            memset(dec, 0x55, n + 1);
            CHECK_EQ(cm_decode(m, enc, len, dec, n), 0);
            CHECK(memcmp(dec, src, n) == 0);
            CHECK_EQ(dec[n], 0x55); /* nothing written past the chunk */
            if (k == 0 && n == N) CHECK(len < 64);          /* 40,000 zeros: a few bytes */
            if (k == 2 && n == N) CHECK(len > n);           /* random data does not shrink */
            if (k == 4 && n == N) CHECK(len * 4 < n);       /* the log layout: under 2 bits per byte */
        }
    /* a run longer than the match model's length limit (65,535) stays cheap */
    memset(src, 0, N + 100000);
    size_t len = cm_encode(m, src, N + 100000, enc, sizeof enc);
    CHECK(len > 0 && len < 200);
    CHECK_EQ(cm_decode(m, enc, len, dec, N + 100000), 0);
    CHECK(memcmp(dec, src, N + 100000) == 0);
    cm_free(m);
}

/* Every version of the byte models (cm.h): unknown ones refused; every kind of chunk decodes with its own version
** only; version 2's field contexts code a log with fields of varying length smaller than version 1, and version 3's
** (the field one place left in the line above, the indirect contexts) a log whose fields move smaller than version 2;
** version 4 codes every chunk as version 3 does unless told it is x86 code (test_x86 checks that side); version 5
** (method 4's, format 9) codes too, with bits of its own; version 6 (format 10) codes as version 4 where it finds no
** records (random bytes), text where it finds one within 1% of version 4, and the bitmap in far fewer bytes, by the
** bits of the rows above; version 7 (format 11: the match model's expected byte as a context, the counters' surprise
** rule) codes other bits than version 6, within 1% (real logs and JSON 0.5-1.7% smaller, lib/cm/cm.c). */
static void t_versions(void) {
    CHECK(cm_new(N, 0, 0, NULL) == NULL);
    CHECK(cm_new(N, 0, CM_VERSION + 1, NULL) == NULL);
    enum { NV = CM_VERSION };
    static uint8_t encv[NV][N + 100000];
    cm_model *v[NV];
    int ok = 1;
    for (int i = 0; i < NV; i++) ok &= (v[i] = cm_new(N, 0, i + 1, NULL)) != NULL;
    CHECK(ok);
    size_t len = t_quick() ? N / 4 : N; /* quick (the sanitizer build): a quarter chunk, every kind and version still */
    for (int k = 0; k < 8 && ok; k++) {
        size_t l[NV], n = 0;
        for (int i = 0; i < NV; i++) {
            rng = 777;
            n = fill(k, len);
            l[i] = cm_encode(v[i], src, n, encv[i], sizeof encv[i]);
            CHECK(l[i] >= 8);
            CHECK_EQ(cm_decode(v[i], encv[i], l[i], dec, n), 0);
            CHECK(memcmp(dec, src, n) == 0);
        }
        if (k == 4) CHECK(l[1] < l[0]); /* the log: package names and versions of varying length */
        if (k == 6) CHECK(l[2] < l[1]); /* the moving package name */
        CHECK(l[3] == l[2] && memcmp(encv[3], encv[2], l[2]) == 0); /* version 4 without x86 code: version 3 */
        if (k == 2) CHECK(l[5] == l[3] && memcmp(encv[5], encv[3], l[3]) == 0); /* no records: version 4's bytes */
        if (k == 1 || k == 4 || k == 6) CHECK(l[5] * 100 <= l[3] * 101); /* text with a record length: within 1% */
        if (k == 7) CHECK(l[5] * 10 < l[3] * 9); /* the bitmap: at least a tenth smaller (14% made) */
        CHECK(l[6] * 100 <= l[5] * 101); /* version 7: within 1% of version 6, with other bits */
        if (k != 0 && k != 2 && k != 5) CHECK(l[6] != l[5] || memcmp(encv[6], encv[5], l[5]) != 0);
        /* another version's payload does not decode to the chunk (it codes other bits; versions 3 and 4 alike here) */
        for (int i = 0; i < NV && k != 0 && k != 5; i++) {
            int j = (i + 1) % NV;
            if (i == 2) continue;
            CHECK(cm_decode(v[j], encv[i], l[i], dec, n) != 0 || memcmp(dec, src, n) != 0);
        }
    }
    for (int i = 0; i < NV; i++) cm_free(v[i]);
}

/* A model is reset at every chunk: the same chunk gives the same bytes whatever came before, and another model
** for the same chunk size agrees. */
static void t_same_bytes(void) {
    cm_model *a = cm_new(N, 0, CM_BYTES, NULL), *b = cm_new(N, 0, CM_BYTES, NULL);
    CHECK(a && b);
    if (!a || !b) return;
    rng = 12345;
    size_t n = fill(4, N);
    size_t l1 = cm_encode(a, src, n, enc, sizeof enc);
    fill(3, N);
    cm_encode(a, src, N, enc2, sizeof enc2);
    rng = 12345;
    fill(4, N);
    size_t l2 = cm_encode(a, src, n, enc2, sizeof enc2);
    CHECK_EQ(l1, l2);
    CHECK(memcmp(enc, enc2, l1) == 0);
    size_t l3 = cm_encode(b, src, n, enc2, sizeof enc2);
    CHECK_EQ(l1, l3);
    CHECK(memcmp(enc, enc2, l1) == 0);
    cm_free(a);
    cm_free(b);
}

/* Every kernel set's mixers (numerics/kernels.h: mix_dot, mix_train) code the same bytes as the reference's, for
** every kind of chunk, and a chunk coded with one set decodes with another: the newest version of method 3's models
** and of method 4's (whose 16 inputs take other code paths of the kernels than 32). */
static void kernel_sets_of(int version) {
    static const int sets[] = {LLMZ_KERNELS_AVX2, LLMZ_KERNELS_AVX512};
    cm_model *r = cm_new(N, 0, version, kernels_ref());
    CHECK(r != NULL);
    if (!r) return;
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        const kernel_set *ks = kernels_get(sets[s]);
        if (!ks) {
            T_SKIP_CHECKS(6 * 3);
            continue;
        }
        cm_model *k = cm_new(N, 0, version, ks);
        for (int kind = 0; kind < 6; kind++) {
            rng = 777u + (uint32_t)kind;
            size_t n = fill(kind, t_quick() ? N / 4 : N); /* quick: a quarter of the chunk */
            size_t l1 = cm_encode(r, src, n, enc, sizeof enc), l2 = k ? cm_encode(k, src, n, enc2, sizeof enc2) : 0;
            CHECK(l1 > 0 && l1 == l2 && memcmp(enc, enc2, l1) == 0);
            CHECK_EQ(k ? cm_decode(k, enc, l1, dec, n) : -1, 0); /* the reference's bytes, decoded with this set */
            CHECK(memcmp(dec, src, n) == 0);
        }
        cm_free(k);
    }
    cm_free(r);
}

static void t_kernel_sets(void) {
    kernel_sets_of(CM_BYTES);
    kernel_sets_of(CM_LITE);
}

/* The output never passes cap: 0 when the coding would. */
static void t_bound(void) {
    cm_model *m = cm_new(N, 0, CM_BYTES, NULL);
    if (!m) return;
    size_t n = fill(1, N);
    size_t len = cm_encode(m, src, n, enc, sizeof enc);
    CHECK(len > 0);
    memset(enc2, 0x77, sizeof enc2);
    CHECK_EQ(cm_encode(m, src, n, enc2, len - 1), 0);
    CHECK_EQ(enc2[len - 1], 0x77);
    CHECK_EQ(cm_encode(m, src, n, enc2, len), len);
    fill(2, 8192);
    CHECK_EQ(cm_encode(m, src, 8192, enc2, 8191), 0); /* random: no smaller than the chunk */
    cm_free(m);
}

/* Damage: every single-bit flip in the first half of a small payload and every truncation decodes to an error or to
** other bytes (the chunk CRC then catches it); no flip anywhere writes past the output or hangs. */
static void t_damage(void) {
    cm_model *m = cm_new(4096, 0, CM_BYTES, NULL);
    if (!m) return;
    size_t n = fill(4, 3000);
    size_t len = cm_encode(m, src, n, enc, sizeof enc);
    CHECK(len > 8);
    int wrong = 0, total = 0;
    for (size_t bit = 0; bit < len * 8; bit += t_quick() ? 4 : 1) { /* the sanitizer build: every 4th */
        memcpy(enc2, enc, len);
        enc2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        dec[n] = 0x5a;
        int rc = cm_decode(m, enc2, len, dec, n);
        if (bit < len * 4) wrong += rc == 0 && memcmp(dec, src, n) == 0;
        total += dec[n] != 0x5a;
    }
    CHECK_EQ(wrong, 0);
    CHECK_EQ(total, 0);
    int ok = 0;
    for (size_t cut = 0; cut < len; cut++) ok += cm_decode(m, enc, cut, dec, n) == 0 && memcmp(dec, src, n) == 0;
    CHECK_EQ(ok, 0);
    cm_free(m);
}

/* cm_bytes covers what cm_new allocates, for small and large chunk sizes. */
static void t_memory(void) {
    static const uint32_t cs[] = {4096, 65536, 1u << 20, 16u << 20};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        if (!llmz_mem_tracked()) {
            T_SKIP_CHECKS(4);
            continue;
        }
        size_t before = llmz_mem_now();
        cm_model *m = cm_new(cs[i], 0, CM_BYTES, NULL);
        CHECK(m != NULL);
        size_t held = llmz_mem_now() - before;
        CHECK(held <= cm_bytes(cs[i], 0, CM_BYTES) && held * 10 >= cm_bytes(cs[i], 0, CM_BYTES) * 9);
        cm_free(m);
        before = llmz_mem_now(); /* method 4's: lite sizes, version 5's shape */
        m = cm_new(cs[i], 1, CM_LITE, NULL);
        CHECK(m != NULL);
        held = llmz_mem_now() - before;
        CHECK(held <= cm_bytes(cs[i], 1, CM_LITE) && held * 10 >= cm_bytes(cs[i], 1, CM_LITE) * 9);
        cm_free(m);
    }
    /* out of memory at each allocation: NULL, nothing leaked */
    size_t before = llmz_mem_now();
    for (long k = 1; k < 12; k++) {
        llmz_mem_fail_after(k);
        cm_model *m = cm_new(65536, 0, CM_BYTES, NULL);
        llmz_mem_fail_after(-1);
        cm_free(m);
    }
    CHECK_EQ(llmz_mem_now(), before);
}

/* cm_encode_mid (the encoder's probe, engine/compress.c) codes what cm_encode codes, and says how far the coder's
** output had come at the midpoint: no further than the whole, further than nothing for a chunk that codes to more than
** the coder's flush, and the whole at mid = n; 0 when the output overflows before the midpoint. */
static void t_mid(void) {
    cm_model *m = cm_new(N, 0, CM_BYTES, NULL);
    CHECK(m != NULL);
    if (!m) return;
    for (int k = 0; k < 5; k++) {
        size_t n = fill(k, t_quick() ? N / 8 : N), at = 12345, at_n = 0;
        size_t l1 = cm_encode(m, src, n, enc, sizeof enc);
        size_t l2 = cm_encode_mid(m, src, n, enc2, sizeof enc2, n / 2, &at);
        CHECK(l1 > 0 && l1 == l2 && memcmp(enc, enc2, l1) == 0);
        CHECK(at <= l2);
        if (l1 > 64) CHECK(at > 0 && at < l1);
        CHECK_EQ(cm_encode_mid(m, src, n, enc2, sizeof enc2, n, &at_n), l1);
        CHECK_EQ(at_n, l1);
    }
    size_t n = fill(2, N), at = 1; /* random: over cap = n / 4 before the midpoint */
    CHECK_EQ(cm_encode_mid(m, src, n, enc2, n / 4, n / 2, &at), 0);
    CHECK_EQ(at, 0);
    cm_free(m);
}

/* A chunk laid out as an ELF64 executable: the file header, nph program headers (a read-only one over the headers, one
** executable over the code, one read-only over the data), the code (records with calls, kind 3) at 0x400, then text
** (kind 1); its length.  ph[i] = {type, flags, offset, size} overrides the program headers when given. */
typedef struct {
    uint32_t type, flags;
    uint64_t off, size;
} phdr;
static void put(uint8_t *p, uint64_t v, int k) {
    for (int i = 0; i < k; i++) p[i] = (uint8_t)(v >> 8 * i);
}
static size_t elf_chunk(const phdr *ph, int nph, uint64_t phoff, int phentsize) {
    enum { CODE = 0x400, NCODE = 12000, NTEXT = 12000 };
    static uint8_t text[NTEXT];
    rng = 4242;
    fill(1, NTEXT);
    memcpy(text, src, NTEXT);
    fill(3, NCODE);
    memmove(src + CODE, src, NCODE);
    memcpy(src + CODE + NCODE, text, NTEXT);
    memset(src, 0, CODE);
    static const uint8_t id[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    memcpy(src, id, 16);
    put(src + 0x10, 3, 2);
    put(src + 0x12, 62, 2);
    put(src + 0x20, phoff, 8);
    put(src + 0x36, (uint64_t)phentsize, 2);
    put(src + 0x38, (uint64_t)nph, 2);
    const phdr def[3] = {{1, 4, 0, CODE}, {1, 5, CODE, NCODE}, {1, 4, CODE + NCODE, NTEXT}};
    for (int i = 0; i < nph && phoff <= CODE && phoff + (uint64_t)(i + 1) * 56 <= CODE; i++) { /* (within the chunk) */
        const phdr *q = ph ? &ph[i] : &def[i % 3];
        uint8_t *e = src + phoff + (uint64_t)i * 56;
        put(e, q->type, 4);
        put(e + 4, q->flags, 4);
        put(e + 8, q->off, 8);
        put(e + 32, q->size, 8);
        put(e + 40, q->size, 8);
    }
    return CODE + NCODE + NTEXT;
}

/* The same bytes back from version 7's x86 coding of chunk src[0..n); its length. */
static size_t elf_trip(cm_model *m, size_t n) {
    cm_set_x86(m, 1);
    size_t len = cm_encode(m, src, n, enc, sizeof enc);
    memset(dec, 0x55, n + 1);
    CHECK(len > 0 && cm_decode(m, enc, len, dec, n) == 0 && memcmp(dec, src, n) == 0 && dec[n] == 0x55);
    return len;
}

/* Version 7's x86 chunks of ELF files (elf.h): the code and the rest coded by two models.  Records and text, coded
** apart, come out smaller than the same bytes not taken for an ELF file (the magic number changed); every damaged
** header (no program headers, too many, the wrong entry size, a table past the chunk or over the file header,
** segments past the chunk, over the headers, overflowing, more code ranges than are kept) codes and decodes exactly;
** the map reads nothing before it is due; a real executable (this test's own, when it is x86-64 ELF) codes smaller than
** version 6 does; out of memory while making the second model fails cleanly. */
static void t_elf(void) {
    cm_model *m = cm_new(N + 100000, 0, 7, NULL);
    CHECK(m != NULL);
    if (!m) return;
    size_t n = elf_chunk(NULL, 3, 64, 56), l_elf = elf_trip(m, n);
    CHECK_EQ(elf_head(src, n), 64 + 3 * 56);
    src[1] = 'e';
    CHECK_EQ(elf_head(src, n), 0);
    size_t l_not = elf_trip(m, n);
    CHECK(l_elf < l_not);
    /* damaged headers */
    static const phdr many[12] = {{1, 5, 0x400, 100},   {1, 5, 0x500, 100}, {1, 5, 0x600, 100}, {1, 5, 0x700, 100},
                                  {1, 5, 0x800, 100},   {1, 5, 0x900, 100}, {1, 5, 0xa00, 100}, {1, 5, 0xb00, 100},
                                  {1, 5, 0xc00, 100},   {1, 5, 0xd00, 100}, {1, 5, 0, 0x10000}, {6, 5, 0, 99}};
    static const phdr odd[4] = {{1, 5, 0, 0x600}, {1, 5, 0x5000, UINT64_MAX}, {1, 5, 1u << 30, 99}, {1, 1, 0x300, 0}};
    struct {
        const phdr *ph;
        int nph;
        uint64_t phoff;
        int ent;
    } bad[] = {{NULL, 0, 64, 56},  {NULL, 65, 64, 56}, {NULL, 3, 64, 55},    {NULL, 3, 0, 56},  {NULL, 3, 63, 56},
               {NULL, 3, 1u << 20, 56}, {NULL, 3, UINT64_MAX - 8, 56}, {many, 12, 64, 56}, {odd, 4, 64, 56},
               {odd, 4, 0x300, 56}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = elf_chunk(bad[i].ph, bad[i].nph, bad[i].phoff, bad[i].ent);
        elf_trip(m, n);
        elf_map map;
        size_t known = elf_head(src, n);
        elf_read(&map, src, known, n);
        CHECK(map.n <= ELF_RANGES && (!map.n || map.known >= 64));
        for (int r = 0; r < map.n; r++) CHECK(map.lo[r] >= map.known && map.lo[r] < map.hi[r] && map.hi[r] <= n);
    }
    n = elf_chunk(many, 12, 64, 56); /* ELF_RANGES of the ten code segments kept */
    elf_map map;
    elf_read(&map, src, elf_head(src, n), n);
    CHECK_EQ(map.n, ELF_RANGES);
    /* a chunk shorter than the program headers it names, and one shorter than a file header */
    elf_chunk(NULL, 3, 64, 56);
    elf_trip(m, 100);
    elf_trip(m, 63);
    /* this test's own executable */
    FILE *f = t_quick() ? NULL : fopen("/proc/self/exe", "rb");
    n = f ? fread(src, 1, 131072, f) : 0;
    if (f) fclose(f);
    if (n == 131072 && elf_head(src, n) && src[0x12] == 62) {
        cm_model *v6 = cm_new(N + 100000, 0, 6, NULL);
        x86_apply(src, n);
        cm_set_x86(v6, 1);
        size_t l6 = v6 ? cm_encode(v6, src, n, enc2, sizeof enc2) : 0;
        size_t l7 = elf_trip(m, n);
        CHECK(l6 > 0 && l7 < l6);
        cm_free(v6);
    } else {
        T_SKIP_CHECKS(2);
    }
    cm_free(m);
    /* out of memory for the second model or the histories: the encoder gives up (0), the decoder says so (-2) */
    n = elf_chunk(NULL, 3, 64, 56);
    m = cm_new(N + 100000, 0, 7, NULL);
    size_t len = m ? elf_trip(m, n) : 0;
    cm_free(m);
    size_t before = llmz_mem_now();
    for (long k = 0; k < 2 && llmz_mem_tracked(); k++) {
        m = cm_new(N + 100000, 0, 7, NULL);
        cm_set_x86(m, 1);
        llmz_mem_fail_after(k);
        CHECK_EQ(cm_encode(m, src, n, enc2, sizeof enc2), 0);
        CHECK_EQ(cm_decode(m, enc, len, dec, n), -2);
        llmz_mem_fail_after(-1);
        cm_free(m);
    }
    CHECK_EQ(llmz_mem_now(), before);
    /* the second model and the histories within what cm_split_bytes says */
    if (llmz_mem_tracked()) {
        m = cm_new(N + 100000, 0, 7, NULL);
        before = llmz_mem_now();
        elf_trip(m, n);
        size_t peak_part = llmz_mem_now() - before; /* (the histories are freed again) */
        CHECK(peak_part > 0 && peak_part <= cm_split_bytes(N + 100000, 7));
        cm_free(m);
    }
    CHECK_EQ(cm_split_bytes(N, 6), 0);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {
        {"roundtrip", t_roundtrip}, {"same_bytes", t_same_bytes}, {"kernel_sets", t_kernel_sets}, {"bound", t_bound},
        {"mid", t_mid},
        {"damage", t_damage},       {"memory", t_memory},         {"versions", t_versions}, {"elf", t_elf}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
