/* gguf.h -- reader for GGUF v3 files held in memory (the caller maps or embeds the bytes).
**
** The file is untrusted.  gguf_open validates the whole header (every count, length, type, dimension and
** offset, with overflow-safe arithmetic) and indexes it; afterwards every accessor is bounds-checked and
** never reads outside the buffer.  Memory used is O(file size) whatever the header claims.  The buffer
** must stay valid and unchanged while the context lives: strings and tensor data point into it.
**
** Return values: LLMZ_OK, an llmz_error (LLMZ_ERR_MODEL_FORMAT for a malformed file or a value of the
** wrong type, LLMZ_ERR_NOMEM, LLMZ_ERR_PARAM for a bad argument such as an index out of range), or
** GGUF_NOT_FOUND (negative, not an llmz_error) when a key is absent.  Callers that treat a missing key
** as an error must map GGUF_NOT_FOUND to an llmz_error themselves. */
#ifndef LLMZ_GGUF_H
#define LLMZ_GGUF_H
#include <stddef.h>
#include <stdint.h>

#define GGUF_NOT_FOUND (-1)

/* Metadata value types (GGUF v3). */
enum {
    GGUF_T_U8 = 0, GGUF_T_I8 = 1, GGUF_T_U16 = 2, GGUF_T_I16 = 3, GGUF_T_U32 = 4, GGUF_T_I32 = 5,
    GGUF_T_F32 = 6, GGUF_T_BOOL = 7, GGUF_T_STRING = 8, GGUF_T_ARRAY = 9, GGUF_T_U64 = 10,
    GGUF_T_I64 = 11, GGUF_T_F64 = 12
};
/* ggml tensor types whose sizes this reader knows: these two, and the block types of quants.h (Q4_0, Q4_1,
** Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16), whose rows (ne[0]) must be whole blocks. */
enum { GGML_T_F32 = 0, GGML_T_F16 = 1, GGML_T_Q8_0 = 8 };
#define GGUF_Q8_0_BLOCK 32       /* values per Q8_0 block */
#define GGUF_Q8_0_BYTES 34       /* fp16 scale + 32 int8 */
#define GGUF_DEFAULT_ALIGNMENT 32

typedef struct {
    const char *name;   /* NUL-terminated copy owned by the context (names never contain NUL) */
    size_t name_len;
    uint32_t n_dims;    /* 1..4 */
    uint64_t ne[4];     /* ne[0] is the contiguous dimension; unused dims are 1; all >= 1 */
    uint32_t type;      /* ggml type id, any value */
    const uint8_t *data;/* start of the tensor's bytes inside the buffer */
    uint64_t nbytes;    /* byte size for F32/F16 and the types of quants.h (checked to lie inside the buffer
                           and not to overlap another tensor); 0 = unknown type, size not known: do not use */
} gguf_tensor;

typedef struct gguf_ctx gguf_ctx;

/* Parse and validate; *out is NULL on failure.  Version must be 3, little-endian; alignment from
** general.alignment (an integer power of two, default 32).  Keys and tensor names must be unique and
** free of NUL bytes. */
int gguf_open(gguf_ctx **out, const uint8_t *buf, size_t size);
void gguf_close(gguf_ctx *g); /* accepts NULL */

/* 1 if the key exists, else 0. */
int gguf_has(const gguf_ctx *g, const char *key);
/* Value type (GGUF_T_*) of a key, or GGUF_NOT_FOUND. */
int gguf_type(const gguf_ctx *g, const char *key);
/* Any integer type (u8..i64, not bool) whose value fits in uint32. */
int gguf_get_u32(const gguf_ctx *g, const char *key, uint32_t *out);
/* f32, or f64 converted to float. */
int gguf_get_f32(const gguf_ctx *g, const char *key, float *out);
/* A string value: *s points into the buffer, NOT NUL-terminated; use *len. */
int gguf_get_str(const gguf_ctx *g, const char *key, const char **s, size_t *len);
/* An array: element type (GGUF_T_*) and element count. */
int gguf_get_arr(const gguf_ctx *g, const char *key, uint32_t *elem_type, uint64_t *n);
/* Element i of a string array (O(1)); not NUL-terminated.  LLMZ_ERR_PARAM if i >= n. */
int gguf_arr_str(const gguf_ctx *g, const char *key, uint64_t i, const char **s, size_t *len);
/* Element i of an f32 or f64 array. */
int gguf_arr_f32(const gguf_ctx *g, const char *key, uint64_t i, float *out);
/* Element i of an integer array (any integer type) whose value fits in int32. */
int gguf_arr_i32(const gguf_ctx *g, const char *key, uint64_t i, int32_t *out);

size_t gguf_n_tensors(const gguf_ctx *g);
const gguf_tensor *gguf_tensor_at(const gguf_ctx *g, size_t i);        /* NULL if out of range */
const gguf_tensor *gguf_find_tensor(const gguf_ctx *g, const char *name); /* NULL if absent */
/* Alignment in effect, and the number of elements of a tensor (product of ne). */
uint32_t gguf_alignment(const gguf_ctx *g);
uint64_t gguf_tensor_nelem(const gguf_tensor *t);

/* Exact IEEE half -> single conversion (subnormals, inf, NaN payloads), integer operations only. */
float gguf_f16_to_f32(uint16_t h);

#endif
