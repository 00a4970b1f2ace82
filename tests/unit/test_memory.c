/* test_memory.c -- the memory a decoder really holds stays within the estimate: for several input sizes, chunk
** sizes, thread counts and online-model sets (chunk groups or not), the allocator's high-water mark during
** llmz_decompress_frame (lib/common/mem.c) against engine_decode_bytes, the workers' share of
** llmz_dctx_frame_memory, computed from the same plan the decoder follows (lib/engine/sizing.c).
** Uses tests/data/tiny.gguf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"
#include "llmz.h"
#include "t.h"

/* Deterministic text with some repetition (so chunks are model-coded, not stored). */
static void make_text(unsigned char *p, size_t n) {
    static const char *const words[] = {"the ", "model ", "codes ", "every ", "token ", "of ", "a ", "chunk ",
                                        "with ", "frequencies ", "and ", "learns\n", "lines, ", "fields; ", "42 "};
    unsigned s = 12345;
    size_t i = 0;
    while (i < n) {
        s = s * 1103515245u + 12345u;
        const char *w = words[(s >> 16) % (sizeof words / sizeof words[0])];
        for (size_t k = 0; w[k] && i < n; k++) p[i++] = (unsigned char)w[k];
    }
}

int main(void) {
    if (!llmz_mem_tracked()) {
        T_SKIP("this C library cannot tell block sizes (no malloc_usable_size)");
        return T_DONE();
    }
    llmz_model *M = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&M, path), LLMZ_OK);
    if (!M) return T_DONE();
    static const size_t sizes[] = {3000, 20000, 70000};
    static const int chunks[] = {4096, 16384};
    static const int threads[] = {1, 2, 3, 5};
    static const int adapts[] = {LLMZ_ADAPT_ALL, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, 0, LLMZ_ADAPT_MATCH};
    size_t cap = llmz_frame_bound(70000);
    unsigned char *src = malloc(70000), *frame = malloc(cap), *out = malloc(70000);
    make_text(src, 70000);
    double worst = 0, least = 1e9;
    int with3 = 0, with4 = 0; /* frames with chunks of methods 3 and 4 (their byte models are counted too) */
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++)
            for (size_t ai = 0; ai < sizeof adapts / sizeof adapts[0]; ai++) {
                /* quick (t.h, the sanitizer build): half the frames, every pair of size, chunk size and model set
                ** still among them */
                if (t_quick() && (si + ci + ai) % 2) continue;
                llmz_cctx *c = llmz_cctx_create(M);
                llmz_cctx_set(c, LLMZ_P_THREADS, 2);
                llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, chunks[ci]);
                llmz_cctx_set(c, LLMZ_P_ADAPT, adapts[ai]);
                size_t fn = 0;
                CHECK_EQ(llmz_compress_frame(c, frame, cap, &fn, src, sizes[si], NULL), LLMZ_OK);
                llmz_cctx_free(c);
                llmz_frame_info fi;
                CHECK_EQ(llmz_frame_get_info(&fi, frame, fn), LLMZ_OK);
                with3 += fi.bytes_chunks > 0;
                with4 += fi.mixed_chunks > 0;
                for (size_t ti = 0; ti < sizeof threads / sizeof threads[0]; ti++) {
                    if (t_quick() && (threads[ti] == 2 || threads[ti] == 5)) continue; /* the sanitizer build */
                    llmz_dctx *d = llmz_dctx_create(M);
                    llmz_dctx_set(d, LLMZ_P_THREADS, threads[ti]);
                    size_t base = llmz_mem_now(), on = 0;
                    llmz_mem_peak_reset();
                    int rc = llmz_decompress_frame(d, out, 70000, &on, frame, fn, NULL);
                    size_t peak = llmz_mem_peak() - base;
                    CHECK_EQ(rc, LLMZ_OK);
                    CHECK(on == sizes[si] && memcmp(out, src, on) == 0);
                    uint64_t est = engine_decode_bytes(M, &fi, threads[ti]);
                    double r = (double)peak / (double)est;
                    if (r > worst) worst = r;
                    if (r < least) least = r;
                    if (peak > est)
                        fprintf(stderr, "FAIL size %zu chunk %d adapt %d threads %d: peak %zu > estimate %llu\n",
                                sizes[si], chunks[ci], adapts[ai], threads[ti], peak, (unsigned long long)est);
                    CHECK(peak <= est);
                    /* and the estimate is not far above what a decoder holds (the team rows of threads this
                    ** machine may not have are all it counts beyond) */
                    CHECK(peak * 4 >= est);
                    CHECK(llmz_dctx_frame_memory(d, &fi) >= fi.orig_size + fi.frame_size + est);
                    llmz_dctx_free(d);
                }
            }
    printf("peak / estimate: %.3f .. %.3f; frames with method-3 chunks %d, method-4 %d\n", least, worst, with3, with4);
    CHECK(with3 > 0 && with4 > 0);
    free(src);
    free(frame);
    free(out);
    llmz_model_free(M);
    return T_DONE();
}
