/*
** dictbench.c -- in-process latency of small messages (docs/dictionaries.md, bench/dict.sh): each line of MESSAGES is
** compressed as a frame of its own by one compression context, then decompressed by one decompression context
** (both reused, as a server would), and compared.  Prints the messages, their bytes, the frames' bytes, and the
** milliseconds per message each way (the first message apart: it pays a dictionary's priming), wall-clock and CPU.
**
**   dictbench [--model M.gguf] [-T N] DICT|- MESSAGES      ("-": no dictionary)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/llmz.h"

static double clock_ms(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
/* every thread's CPU time: the load of a shared machine does not count */
static double cpu_ms(void) { return clock_ms(CLOCK_PROCESS_CPUTIME_ID); }

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0)
        if ((len += got) == cap) b = realloc(b, cap *= 2);
    fclose(f);
    *n = len;
    return b;
}

static int fail(const char *what, int rc) {
    fprintf(stderr, "dictbench: %s: %s\n", what, llmz_error_name(rc));
    return 1;
}

int main(int argc, char **argv) {
    const char *model = NULL;
    int threads = 1, a = 1;
    for (; a + 1 < argc && argv[a][0] == '-' && argv[a][1]; a += 2) {
        if (!strcmp(argv[a], "--model")) model = argv[a + 1];
        else if (!strcmp(argv[a], "-T")) threads = atoi(argv[a + 1]);
        else break;
    }
    if (argc - a != 2) {
        fprintf(stderr, "usage: dictbench [--model M.gguf] [-T N] DICT|- MESSAGES\n");
        return 2;
    }
    double t0 = now_ms();
    llmz_model *m = NULL;
    int rc = model ? llmz_model_load_file(&m, model) : llmz_model_load_default(&m);
    if (rc) return fail("model", rc);
    double t_model = now_ms() - t0;
    llmz_dict *d = NULL;
    if (strcmp(argv[a], "-")) {
        size_t dn;
        unsigned char *db = slurp(argv[a], &dn);
        if (!db) return fail(argv[a], LLMZ_ERR_PARAM);
        if ((rc = llmz_dict_load(&d, m, db, dn))) return fail("dictionary", rc);
        free(db);
    }
    size_t n;
    unsigned char *msgs = slurp(argv[a + 1], &n);
    if (!msgs) return fail(argv[a + 1], LLMZ_ERR_PARAM);
    llmz_cctx *cc = llmz_cctx_create(m);
    llmz_dctx *dc = llmz_dctx_create(m);
    if (!cc || !dc) return fail("contexts", LLMZ_ERR_NOMEM);
    llmz_cctx_set(cc, LLMZ_P_THREADS, threads);
    llmz_dctx_set(dc, LLMZ_P_THREADS, threads);
    if ((rc = llmz_cctx_set_dict(cc, d)) || (rc = llmz_dctx_set_dict(dc, d))) return fail("set dictionary", rc);
    size_t cap = llmz_frame_bound(n), count = 0, in_bytes = 0, out_bytes = 0;
    unsigned char *frame = malloc(cap), *back = malloc(n + 1);
    double c_first = 0, d_first = 0, c_rest = 0, d_rest = 0, cc_first = 0, dc_first = 0, cc_rest = 0, dc_rest = 0;
    for (size_t p = 0; p < n;) {
        size_t e = p;
        while (e < n && msgs[e] != '\n') e++;
        size_t len = e < n ? e + 1 - p : e - p, fl = 0, bl = 0;
        double t1 = now_ms(), u1 = cpu_ms();
        if ((rc = llmz_compress_frame(cc, frame, cap, &fl, msgs + p, len, NULL))) return fail("compress", rc);
        double t2 = now_ms(), u2 = cpu_ms();
        if ((rc = llmz_decompress_frame(dc, back, n + 1, &bl, frame, fl, NULL))) return fail("decompress", rc);
        double t3 = now_ms(), u3 = cpu_ms();
        if (bl != len || memcmp(back, msgs + p, len)) return fail("round trip", LLMZ_ERR_CORRUPT);
        *(count ? &c_rest : &c_first) += t2 - t1;
        *(count ? &d_rest : &d_first) += t3 - t2;
        *(count ? &cc_rest : &cc_first) += u2 - u1;
        *(count ? &dc_rest : &dc_first) += u3 - u2;
        count++;
        in_bytes += len;
        out_bytes += fl;
        p += len;
    }
    double k = count > 1 ? (double)(count - 1) : 1.0;
    printf("messages %zu  bytes %zu  frames %zu  (%.1f B/msg -> %.1f B/msg)  model load %.1f ms\n", count, in_bytes,
           out_bytes, count ? (double)in_bytes / count : 0.0, count ? (double)out_bytes / count : 0.0, t_model);
    printf("compress   first %.1f ms, then %.2f ms/msg (CPU: first %.1f ms, then %.2f ms/msg)\n", c_first, c_rest / k,
           cc_first, cc_rest / k);
    printf("decompress first %.1f ms, then %.2f ms/msg (CPU: first %.1f ms, then %.2f ms/msg)\n", d_first, d_rest / k,
           dc_first, dc_rest / k);
    free(frame);
    free(back);
    free(msgs);
    llmz_cctx_free(cc);
    llmz_dctx_free(dc);
    llmz_dict_free(d);
    llmz_model_free(m);
    return 0;
}
