/*
** tf_impl.h -- the transformer's structures, shared by its modules: load.c (a GGUF's metadata and tensors into
** a tf_model, the refusals with their reasons), lora.c (adapters merged into the weights) and transformer.c
** (states, batches, the forward pass).  Nothing outside lib/model/ includes it.
*/
#ifndef LLMZ_TF_IMPL_H
#define LLMZ_TF_IMPL_H
#include "model/transformer.h"

typedef struct {
    float *attn_norm, *ffn_norm; /* (dim) */
    qmat wq;                     /* (dim out, dim in) */
    qmat wk, wv;                 /* (kv_dim, dim) */
    qmat wo;                     /* (dim, dim) */
    qmat wgate, wup;             /* (ffn, dim) */
    qmat wdown;                  /* (dim, ffn) */
    float *bq, *bk, *bv, *bo;    /* optional biases (dim, kv_dim, kv_dim, dim); NULL when absent */
} tf_layer;

struct tf_model {
    tf_config c;
    qmat emb;         /* (vocab, dim): embedding rows and, when tied, the output head */
    qmat out;         /* (vocab, dim); shares emb's memory when tied */
    int tied;
    float *out_norm;  /* (dim) */
    tf_layer *layers; /* (n_layer) */
    float *rope_cos;  /* (ctx, head_dim/2) */
    float *rope_sin;
    uint64_t n_params;
};

/* Frees a matrix's buffers (and its packed copies); the struct is left empty. */
void tf_qmat_free(qmat *w);
/* Element j of an F32 (type 0) or F16 (type 1) tensor into *out; 0 if it is NaN or infinite (a hostile model). */
int tf_tensor_value(const gguf_tensor *t, size_t j, float *out);

#endif
