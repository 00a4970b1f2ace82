/* model.h -- the internals of llmz_model, shared by the coding drivers (lib/engine/). */
#ifndef LLMZ_MODEL_H
#define LLMZ_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "llmz.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "model/transformer.h"

struct llmz_model {
    const uint8_t *data; /* the GGUF bytes */
    size_t size;
    int mapped;          /* data is our mmap */
    gguf_ctx *g;
    tok_vocab *tok;
    tf_model *tf;
    int32_t start_tok;   /* input at position 0: the token of "\n" */
    uint8_t *tok_nl;     /* (vocab) 1 for a token whose bytes hold a line end (the line model) */
    uint8_t *tok_fs;     /* (vocab) 1 for a token that starts a field (the field model, ngram.h) */
    uint8_t *tok_wc;     /* (vocab) the word model's classes (ngram_set_word): bit 0 blank first, bit 1 a letter */
    uint8_t fp[32];      /* the base model file's SHA-256 (with an adapter too: the header names the base) */
    char name[256];
    /* an adapter applied to the weights (llmz_model_load_adapter), or has_adapter = 0 */
    int has_adapter;
    uint8_t adapter_fp[32]; /* SHA-256 of the adapter file */
    char adapter_name[256];
    gguf_ctx *ag;           /* the adapter's GGUF, over the caller's bytes */
    const uint8_t *adapter_data; /* those bytes */
};

/* 1 if m's (base) model bytes are one of the models built into this binary, else 0. */
int model_is_builtin(const llmz_model *m);
/* 1 if m has an adapter applied and that adapter is one built into this binary, else 0. */
int model_adapter_is_builtin(const llmz_model *m);
/* Which of the n fingerprints fps[] starts with the len bytes of prefix: its index; -1 for none; -2 when two that
** differ do (a prefix must name one model: never a guess).  Equal fingerprints are one model: the first wins. */
int model_prefix_pick(const uint8_t (*fps)[32], int n, const uint8_t *prefix, size_t len);

#endif
