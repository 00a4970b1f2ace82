/* quants.h -- ggml's block-quantised tensor types, dequantised exactly to float.
**
** One decoder per type turns one block of an untrusted GGUF tensor into floats; quant_row runs them over a
** run of whole blocks and refuses what a hostile file can put there (a NaN or infinite fp16 field, a weight
** beyond QUANT_MAX).  Every value is an exact product of fp16 fields and small integers, at most one addition
** rounded once, so the results are the same under any compiler and CPU (docs/determinism.md, "Quantised
** weights").  The block layouts (ggml's ggml-common.h) are written out above each decoder in quants.c. */
#ifndef LLMZ_QUANTS_H
#define LLMZ_QUANTS_H
#include <stddef.h>
#include <stdint.h>

/* ggml type ids of the block types (F32 = 0, F16 = 1 are plain arrays, see gguf.h). */
enum {
    QUANT_Q4_0 = 2, QUANT_Q4_1 = 3, QUANT_Q5_0 = 6, QUANT_Q5_1 = 7, QUANT_Q8_0 = 8,
    QUANT_Q4_K = 12, QUANT_Q5_K = 13, QUANT_Q6_K = 14, QUANT_BF16 = 30
};
#define QUANT_MAX_BLOCK 256  /* the largest block (K-quants) */
#define QUANT_MAX 65504.0f   /* the largest finite fp16: a dequantised weight beyond it is refused */

typedef struct {
    uint32_t type;    /* ggml type id */
    uint32_t block;   /* values per block: 32, 256 (K-quants) or 1 (BF16) */
    uint32_t bytes;   /* bytes per block */
    const char *name; /* "Q4_K" */
} quant_info;

/* The geometry of a block type, or NULL for a type not listed above. */
const quant_info *quant_find(uint32_t type);

/* Decode one block into y[0 .. block-1].  0, or -1 when an fp16 scale field is NaN or infinite. */
int quant_q4_0(const uint8_t *b, float *y);
int quant_q4_1(const uint8_t *b, float *y);
int quant_q5_0(const uint8_t *b, float *y);
int quant_q5_1(const uint8_t *b, float *y);
int quant_q8_0(const uint8_t *b, float *y);
int quant_q4_k(const uint8_t *b, float *y);
int quant_q5_k(const uint8_t *b, float *y);
int quant_q6_k(const uint8_t *b, float *y);
int quant_bf16(const uint8_t *b, float *y); /* one value; -1 if NaN or infinite */

/* n values (a multiple of the type's block) from src (n / block * bytes bytes) into y.  LLMZ_OK, or
** LLMZ_ERR_MODEL_FORMAT for a NaN/infinite field or a weight beyond +-QUANT_MAX, LLMZ_ERR_MODEL_UNSUPPORTED
** for a type quant_find does not know, LLMZ_ERR_PARAM for n not whole blocks. */
int quant_row(uint32_t type, const uint8_t *src, float *y, size_t n);

#endif
