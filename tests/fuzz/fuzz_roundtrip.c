/* fuzz_roundtrip.c -- libFuzzer target: compress arbitrary bytes, decompress, compare; compress again
** another way and compare the frames byte for byte (determinism across kernels and thread counts).
**
** Byte 0 selects the parameters, the rest (at most 4095 bytes) is the data:
**   bits 0-3  chunk size 4096 + 512 * v
**   bits 4-5  3: the data is taken twice (inputs over 2048 bytes then span two chunks or more);
**             2: once, without online models (LLMZ_P_ADAPT 0); 1: once, n-grams only; 0: once, defaults
**   bit  6    the second compression uses the reference kernels (else the fastest)
**   bit  7    the second compression and the decompression use 2 threads (else 1)
** The model is evaluated three times per input, under ASan: keep seeds short (libFuzzer grows lengths
** from the seeds' sizes). */
#include "fuzz.h"

#define FUZZ_RT_MAX_IN 4096
#define FUZZ_RT_MAX_SRC 8192

static uint8_t *fuzz_rt_compress(const llmz_model *m, const uint8_t *src, size_t n, size_t chunk, int adapt,
                                 int kernels, int threads, size_t *out_n) {
    llmz_cctx *c = llmz_cctx_create(m);
    size_t cap = llmz_frame_bound(n);
    uint8_t *f = malloc(cap);
    FUZZ_ASSERT(c != NULL && f != NULL);
    if (!c || !f) {
        llmz_cctx_free(c);
        free(f);
        return NULL;
    }
    FUZZ_ASSERT(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, (long long)chunk) == LLMZ_OK);
    FUZZ_ASSERT(llmz_cctx_set(c, LLMZ_P_THREADS, threads) == LLMZ_OK);
    FUZZ_ASSERT(llmz_cctx_set(c, LLMZ_P_ADAPT, adapt) == LLMZ_OK);
    int rk = llmz_cctx_set(c, LLMZ_P_KERNELS, kernels);
    FUZZ_ASSERT(rk == LLMZ_OK);
    llmz_stats st;
    int rc = llmz_compress_frame(c, f, cap, out_n, src, n, &st);
    FUZZ_ASSERT(rc == LLMZ_OK);
    llmz_cctx_free(c);
    if (rc != LLMZ_OK) {
        free(f);
        return NULL;
    }
    FUZZ_ASSERT(*out_n <= cap && st.in_bytes == n && st.out_bytes == *out_n);
    FUZZ_ASSERT(st.chunks == (n + chunk - 1) / chunk && st.raw_chunks <= st.chunks);
    /* stored-raw worst case: the input plus its headers */
    FUZZ_ASSERT(*out_n <= n + n / 100 + 512);
    return f;
}

FUZZ_TARGET(fuzz_roundtrip) {
    if (size < 1 || size > FUZZ_RT_MAX_IN) return 0;
    const llmz_model *m = fuzz_tiny_model();
    uint8_t sel = data[0];
    size_t chunk = 4096 + 512u * (sel & 15u);
    int rep = ((sel >> 4) & 3) == 3 ? 2 : 1;
    int mode = (sel >> 4) & 3;
    int adapt = mode == 2 ? 0 : mode == 1 ? LLMZ_ADAPT_NGRAM : LLMZ_ADAPT_ALL;
    int kernels2 = (sel & 64) ? LLMZ_KERNELS_REF : LLMZ_KERNELS_AUTO;
    int threads2 = (sel & 128) ? 2 : 1;
    size_t dn = size - 1, n = 0;
    uint8_t *src = malloc(FUZZ_RT_MAX_SRC);
    if (!src) return 0;
    for (int r = 0; r < rep && n + dn <= FUZZ_RT_MAX_SRC; r++, n += dn) memcpy(src + n, data + 1, dn);

    size_t n1 = 0, n2 = 0;
    uint8_t *f1 = fuzz_rt_compress(m, src, n, chunk, adapt, LLMZ_KERNELS_AUTO, 1, &n1);
    uint8_t *f2 = fuzz_rt_compress(m, src, n, chunk, adapt, kernels2, threads2, &n2);
    if (f1 && f2) FUZZ_ASSERT(n1 == n2 && memcmp(f1, f2, n1) == 0);
    if (f1) {
        llmz_frame_info fi;
        FUZZ_ASSERT(llmz_frame_get_info(&fi, f1, n1) == LLMZ_OK);
        FUZZ_ASSERT(fi.frame_size == n1 && fi.orig_size == n && fi.chunk_size == chunk);
        llmz_dctx *d = llmz_dctx_create(m);
        uint8_t *out = malloc(n ? n : 1);
        FUZZ_ASSERT(d != NULL && out != NULL);
        if (d && out) {
            llmz_dctx_set(d, LLMZ_P_THREADS, threads2);
            size_t on = 0;
            int rc = llmz_decompress_frame(d, out, n, &on, f1, n1, NULL);
            FUZZ_ASSERT(rc == LLMZ_OK);
            FUZZ_ASSERT(on == n && (n == 0 || memcmp(out, src, n) == 0));
        }
        free(out);
        llmz_dctx_free(d);
    }
    free(f1);
    free(f2);
    free(src);
    return 0;
}
