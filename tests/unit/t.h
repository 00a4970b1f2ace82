/* t.h -- the minimal unit-test harness every tests/unit/test_*.c uses.
** CHECK(cond) counts a pass or a failure (printing the failing expression); T_DONE() prints
** "N passed, N failed" and returns the exit status.  Tests needing ../shared call T_SKIP(msg).
** Checks that cannot run here (a kernel set this CPU lacks) are counted with T_SKIP_CHECKS(n), so that passed +
** failed + skipped is the same on every machine; T_DONE() then prints "N skipped" before its closing line.
** Named cases: t_main(argc, argv, cases, n) runs the cases named on the command line, or all of them
** (`build/tests/test_roundtrip groups crlf`; `--list` prints the names). */
#ifndef LLMZ_T_H
#define LLMZ_T_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail, t_skip;
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
#define T_SKIP_CHECKS(n) (t_skip += (n))
#define T_DONE()                                                                   \
    (t_skip ? printf("%d skipped\n", t_skip) : 0,                                 \
     printf("%d passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

/* A loop over kernel sets: t_sets_begin / t_sets_end around each set's checks, t_sets_skip for a set the CPU
** lacks, which counts as skipped as many checks as a set that ran (the reference set, which runs first); sets
** that ran different numbers of checks are a failure. */
typedef struct {
    int at, per;
} t_sets;
static inline void t_sets_begin(t_sets *s) { s->at = t_pass + t_fail; }
static inline void t_sets_end(t_sets *s, const char *name) {
    int n = t_pass + t_fail - s->at;
    if (s->per > 0 && n != s->per) {
        fprintf(stderr, "FAIL: kernel set %s ran %d checks, the first set %d\n", name, n, s->per);
        t_fail++;
    }
    s->per = n;
}
static inline void t_sets_skip(t_sets *s) { T_SKIP_CHECKS(s->per); }

typedef struct {
    const char *name;
    void (*run)(void);
} t_case;

/* Run the cases named in argv[1..] (every case without arguments); an unknown name fails and lists the names. */
static inline int t_main(int argc, char **argv, const t_case *cases, size_t n) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("%s\n", cases[i].name);
        return 0;
    }
    for (size_t i = 0; argc < 2 && i < n; i++) cases[i].run();
    for (int a = 1; a < argc; a++) {
        size_t i = 0;
        while (i < n && strcmp(cases[i].name, argv[a]) != 0) i++;
        if (i < n) {
            cases[i].run();
            continue;
        }
        fprintf(stderr, "FAIL: no case '%s'; cases:", argv[a]);
        for (i = 0; i < n; i++) fprintf(stderr, " %s", cases[i].name);
        fprintf(stderr, "\n");
        t_fail++;
    }
    return T_DONE();
}

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
