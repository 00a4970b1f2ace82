/* tokdump.c -- llmz's token ids for a file, one line, for comparison with llama.cpp (tools/xcheck/tokcmp.mjs).
**
** Usage: tokdump [--pre NAME] [--lax] [--space] VOCAB.gguf FILE
**   --pre NAME  the pre-tokenizer llama.cpp reads the file with (a file without tokenizer.ggml.pre: "default")
**   --lax       a vocabulary lacking single bytes (llmz refuses it for compression); such bytes are dropped
**   --space     put a space before the text (llama.cpp's add_space_prefix of SentencePiece vocabularies) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmz.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

static unsigned char *slurp(const char *path, size_t *n, size_t pad) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = pad;
    unsigned char *b = malloc(cap);
    for (size_t k; b && (k = fread(b + len, 1, cap - len, f)) > 0;) {
        len += k;
        if (len == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb) free(b);
            b = nb;
        }
    }
    fclose(f);
    *n = len;
    return b;
}

int main(int argc, char **argv) {
    const char *pre = NULL;
    int lax = 0, space = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--pre") && i + 1 < argc)
            pre = argv[++i];
        else if (!strcmp(argv[i], "--lax"))
            lax = 1;
        else if (!strcmp(argv[i], "--space"))
            space = 1;
        else
            break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: tokdump [--pre NAME] [--lax] [--space] VOCAB.gguf FILE\n");
        return 2;
    }
    size_t nv, n;
    unsigned char *vb = slurp(argv[i], &nv, 0), *text = slurp(argv[i + 1], &n, (size_t)space);
    if (!vb || !text) {
        fprintf(stderr, "tokdump: cannot read %s\n", vb ? argv[i + 1] : argv[i]);
        return 1;
    }
    if (space) text[0] = ' ';
    gguf_ctx *g;
    tok_vocab *v = NULL;
    int rc = gguf_open(&g, vb, nv);
    if (rc == LLMZ_OK) rc = tok_build_pre(&v, g, pre, lax ? TOK_LAX_BYTES : 0);
    if (rc != LLMZ_OK) {
        fprintf(stderr, "tokdump: %s: %s\n", argv[i], llmz_error_name(rc));
        return 1;
    }
    int32_t *ids = malloc((n + 1) * sizeof *ids);
    long k = ids ? tok_encode(v, ids, n, text, n) : -1;
    if (k < 0) {
        fprintf(stderr, "tokdump: encoding failed\n");
        return 1;
    }
    for (long j = 0, first = 1; j < k; j++) {
        if (ids[j] < 0) continue; /* --lax: a byte the vocabulary lacks */
        printf(first ? "%d" : " %d", ids[j]);
        first = 0;
    }
    printf("\n");
    free(ids);
    tok_free(v);
    gguf_close(g);
    free(vb);
    free(text);
    return 0;
}
