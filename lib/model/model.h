/* model.h -- the internals of llmz_model, shared by the coding drivers (lib/llmz.c). */
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
    uint8_t fp[32];
    char name[256];
};

#endif
