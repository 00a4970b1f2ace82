/*
** transformer.h -- the llama-style decoder the coder runs (numerics versions 1, 2 and 3): llama and qwen2 (load.c).
**
** One forward call evaluates a batch of rows; each row is (sequence state, input token).  Rows of the same
** sequence must be consecutive and in order (prefill); rows of different sequences may be mixed (batched
** decoding).  Every row is computed with exactly the per-element arithmetic of a single-row call, so a
** batched result is bit-identical to evaluating the rows one by one (tests/unit/test_transformer.c).
*/
#ifndef LLMZ_TRANSFORMER_H
#define LLMZ_TRANSFORMER_H
#include <stddef.h>
#include <stdint.h>

#include "common/team.h"
#include "model/gguf.h"
#include "numerics/kernels.h"

typedef struct {
    int dim, n_layer, n_head, n_kv_head, head_dim, kv_dim, ffn, ctx, vocab;
    float eps, theta;
    int neox; /* 1: NEOX rope (qwen2: dimension i paired with i + head_dim/2); 0: adjacent pairs (llama) */
} tf_config;

typedef struct tf_model tf_model;

/* Build from a parsed GGUF (general.architecture "llama" or "qwen2", lib/model/load.c).  Copies weights into the
** kernel layout. */
int tf_load(tf_model **out, const gguf_ctx *g);
/* The same; when the file is refused (LLMZ_ERR_MODEL_UNSUPPORTED, or LLMZ_ERR_MODEL_FORMAT for a malformed
** tensor) why[0 .. cap) gets the reason, NUL-terminated ("architecture 'gemma'", "missing tensor 'output_norm.weight'",
** "rope scaling type 'yarn'", ...); otherwise why[0] = 0.  why may be NULL (cap 0). */
int tf_load_why(tf_model **out, const gguf_ctx *g, char *why, size_t cap);
void tf_free(tf_model *m);
/* Apply a LoRA adapter (GGUF, llama.cpp naming: blk.N.<matrix>.weight.lora_a [in, rank] and .lora_b [rank, out],
** F32/F16, adapter.lora.alpha, default rank): each named matrix W becomes quantise(dequantise(W) + (alpha/rank) B A),
** scalar and in a fixed order (docs/determinism.md, "Adapters").  LLMZ_ERR_MODEL_UNSUPPORTED if a tensor does not
** fit this model or is not one it adapts.  On failure the model is partly changed: free it. */
int tf_apply_lora(tf_model *m, const gguf_ctx *a);
const tf_config *tf_cfg(const tf_model *m);
uint64_t tf_n_params(const tf_model *m);
size_t tf_weight_bytes(const tf_model *m); /* memory the weights take in kernel layout */

/* A sequence: its KV cache and position.  numerics: the arithmetic version (docs/determinism.md): 1 and 2 quantise
** the activations of every matrix product to int8 (kernel_set.matmul), 3 does not (kernel_set.matmul_f); the cache
** is kept in floats (1 and 3) or in int8 blocks of QK with a scale each (2: under a third of the bytes;
** kernel_set.scores8/mix8).  States of versions 1 and 2 may share a batch, each row evaluated with its own
** state's cache; a batch's states are all of version 3 or none (else tf_forward: LLMZ_ERR_PARAM). */
typedef struct tf_state tf_state;
tf_state *tf_state_new(const tf_model *m, int numerics);
void tf_state_free(tf_state *s);
void tf_state_reset(tf_state *s);
int tf_state_pos(const tf_state *s);
/* dst becomes src: its position and the cache entries before it (both states of model m). */
void tf_state_copy(tf_state *dst, const tf_state *src, const tf_model *m);

/* Scratch for batches of up to nmax rows. */
typedef struct tf_batch tf_batch;
tf_batch *tf_batch_new(const tf_model *m, int nmax);
void tf_batch_free(tf_batch *b);
size_t tf_batch_bytes(const tf_model *m, int nmax);
/* Evaluate this batch's rows with a thread team (team.h; NULL: the calling thread alone).  The team stays
** the caller's; results are bit-identical for every team size. */
int tf_batch_use_team(tf_batch *b, const tf_model *m, team *t);
/* paused = 1: evaluate b on the calling thread alone (while the team runs something else); 0: with its team
** again.  The results do not change. */
void tf_batch_pause_team(tf_batch *b, int paused);
/* Bytes tf_batch_use_team allocates for a team of n. */
size_t tf_team_bytes(const tf_model *m, int n);
size_t tf_state_bytes(const tf_model *m, int numerics);

/* Evaluate n rows (n <= nmax); logits (n, vocab) row-major.  Each state's position advances by its rows.
** Returns LLMZ_ERR_PARAM if a state would pass the model's context length. */
int tf_forward(const tf_model *m, const kernel_set *ks, tf_batch *b, tf_state *const *states, const int32_t *tokens,
               int n, float *logits);
/* The same, with logits only for rows out[0 .. n_out) (ascending, each < n), written as n_out consecutive rows: rows
** fed only to rebuild the context (after a window restart) skip the output head, a third of a row's work.  The
** logits of a row do not depend on which other rows get theirs (same bits as tf_forward's row). */
int tf_forward_out(const tf_model *m, const kernel_set *ks, tf_batch *b, tf_state *const *states, const int32_t *tokens,
                   int n, const int32_t *out, int n_out, float *logits);

#endif
