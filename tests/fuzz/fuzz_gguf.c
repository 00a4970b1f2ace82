/* fuzz_gguf.c -- libFuzzer target: llmz_model_load_memory on arbitrary bytes (GGUF reader, tokenizer
** build, transformer load).
**
** Loading must return a defined code.  A model that loads must answer every accessor, tokenize, and
** round-trip a short input through compression and decompression (whatever its weights: NaN and
** infinite values included), to the same bytes each time. */
#include "fuzz.h"

static const char fuzz_gguf_text[] = "Hello, world! \xc3\xa9t\xc3\xa9 \xff\x00 1984\n\tthe end";

FUZZ_TARGET(fuzz_gguf) {
    llmz_model *m = (llmz_model *)(uintptr_t)0x1;
    int rc = llmz_model_load_memory(&m, data, size);
    FUZZ_ASSERT(FUZZ_VALID_RC(rc));
    if (rc != LLMZ_OK) {
        FUZZ_ASSERT(m == NULL);
        return 0;
    }
    FUZZ_ASSERT(m != NULL);
    const char *name = llmz_model_name(m);
    FUZZ_ASSERT(name != NULL && strlen(name) < 256);
    char desc[512];
    llmz_model_describe(m, desc, sizeof desc);
    FUZZ_ASSERT(memchr(desc, 0, sizeof desc) != NULL);
    uint8_t fp[32];
    llmz_model_fingerprint(m, fp);

    /* tokenizer: ids cover the input exactly */
    size_t tn = sizeof fuzz_gguf_text - 1;
    int32_t ids[sizeof fuzz_gguf_text];
    long k = llmz_model_tokenize(m, ids, sizeof fuzz_gguf_text, fuzz_gguf_text, tn);
    FUZZ_ASSERT(k >= 0 && (size_t)k <= tn);
    size_t cover = 0;
    for (long i = 0; i < k; i++) {
        const uint8_t *b = NULL;
        size_t bl = llmz_model_token_bytes(m, ids[i], &b);
        FUZZ_ASSERT(bl > 0 && cover + bl <= tn);
        if (bl == 0 || cover + bl > tn) break;
        FUZZ_ASSERT(memcmp(b, fuzz_gguf_text + cover, bl) == 0);
        cover += bl;
    }
    FUZZ_ASSERT(cover == tn);
    const uint8_t *b;
    FUZZ_ASSERT(llmz_model_token_bytes(m, -1, &b) == 0);
    FUZZ_ASSERT(llmz_model_token_bytes(m, INT32_MAX, &b) == 0);

    /* a short round trip through the model */
    llmz_cctx *c = llmz_cctx_create(m);
    llmz_dctx *d = llmz_dctx_create(m);
    size_t cap = llmz_frame_bound(tn);
    uint8_t *f1 = malloc(cap), *f2 = malloc(cap), *out = malloc(tn);
    if (c && d && f1 && f2 && out) {
        size_t n1 = 0, n2 = 0, on = 0;
        int r1 = llmz_compress_frame(c, f1, cap, &n1, fuzz_gguf_text, tn, NULL);
        FUZZ_ASSERT(r1 == LLMZ_OK || r1 == LLMZ_ERR_NOMEM);
        if (r1 == LLMZ_OK) {
            int r2 = llmz_compress_frame(c, f2, cap, &n2, fuzz_gguf_text, tn, NULL);
            FUZZ_ASSERT(r2 == LLMZ_OK && n2 == n1 && memcmp(f1, f2, n1) == 0);
            int r3 = llmz_decompress_frame(d, out, tn, &on, f1, n1, NULL);
            FUZZ_ASSERT(r3 == LLMZ_OK || r3 == LLMZ_ERR_NOMEM);
            if (r3 == LLMZ_OK) FUZZ_ASSERT(on == tn && memcmp(out, fuzz_gguf_text, tn) == 0);
        }
    }
    free(f1);
    free(f2);
    free(out);
    llmz_cctx_free(c);
    llmz_dctx_free(d);
    llmz_model_free(m);
    return 0;
}
