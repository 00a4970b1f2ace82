/* t.h -- the minimal unit-test harness every tests/unit/test_*.c uses.
** CHECK(cond) counts a pass or a failure (printing the failing expression); T_DONE() prints
** "N passed, N failed" and returns the exit status.  Tests needing ../shared call T_SKIP(msg). */
#ifndef LLMZ_T_H
#define LLMZ_T_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (c) {                                                                   \
            t_pass++;                                                              \
        } else {                                                                   \
            t_fail++;                                                              \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);           \
        }                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                             \
    do {                                                                           \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                    \
        if (t_a_ == t_b_) {                                                        \
            t_pass++;                                                              \
        } else {                                                                   \
            t_fail++;                                                              \
            fprintf(stderr, "FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__,     \
                    __LINE__, #a, #b, t_a_, t_b_);                                 \
        }                                                                          \
    } while (0)
#define T_SKIP(msg) fprintf(stderr, "SKIP %s: %s\n", __FILE__, msg)
#define T_DONE()                                                                   \
    (printf("%d passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

/* Directory holding committed test data (tests/data), overridable with LLMZ_TEST_DATA. */
static inline const char *t_data_dir(void) {
    const char *d = getenv("LLMZ_TEST_DATA");
    return d ? d : "tests/data";
}
/* LLMZ_TEST_QUICK set (make asan-test, where everything runs several times slower): tests may run fewer of
** their repeated configurations, each kind still at least once. */
static inline int t_quick(void) {
    const char *q = getenv("LLMZ_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}
/* ../shared if present (never required). */
static inline const char *t_shared_dir(void) {
    const char *d = getenv("LLMZ_SHARED");
    return d ? d : "../shared";
}
/* Read a whole file; NULL if missing. Caller frees. */
static inline unsigned char *t_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap);
        }
        size_t r = fread(b + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *size = n;
    return b;
}
#endif
