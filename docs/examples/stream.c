/*
** stream.c -- a complete program on llmz's streaming API (docs/streaming.md): compress or decompress standard input
** to standard output in bounded memory, whatever the input's length.
**
**   cc stream.c $(pkg-config --cflags --libs llmz) -o stream
**   ./stream < in > in.llmz            # compress (with the built-in model)
**   ./stream -d < in.llmz > in         # decompress
**   ./stream -m model.gguf ...         # with another model
**
** tests/unit/test_example_stream.c compiles this file (without main) and runs its two functions in `make test`.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmz.h"

/* Compress everything `in` holds to `out`: LLMZ_OK, an llmz error, or -1 for a read or write error. */
static int compress_file(llmz_cctx *c, FILE *in, FILE *out)
{
    size_t isz = llmz_stream_in_size(), osz = llmz_stream_out_size();
    unsigned char *ib = malloc(isz), *ob = malloc(osz);
    int rc = ib && ob ? LLMZ_OK : LLMZ_ERR_NOMEM;
    llmz_cctx_reset_stream(c); /* a new stream, whatever c did before (an empty input: one empty frame) */
    while (rc == LLMZ_OK) {
        size_t n = fread(ib, 1, isz, in), pending = 0;
        llmz_end_op op = n < isz ? LLMZ_END : LLMZ_CONTINUE; /* fread reads short only at the end (or on error) */
        llmz_inbuf src = {ib, n, 0};
        if (ferror(in)) rc = -1;
        while (rc == LLMZ_OK) { /* until the piece is taken and, at the end, all is written */
            llmz_outbuf dst = {ob, osz, 0};
            rc = llmz_compress_stream(c, &dst, &src, op, &pending);
            if (rc == LLMZ_OK && fwrite(ob, 1, dst.pos, out) != dst.pos) rc = -1;
            if (src.pos == src.size && pending == 0) break;
        }
        if (op == LLMZ_END) break;
    }
    free(ib);
    free(ob);
    return rc;
}

/* Decompress everything `in` holds to `out`: LLMZ_OK, an llmz error (LLMZ_ERR_TRUNCATED: the input ended inside a
** frame), or -1 for a read or write error.  What was decoded before an error has been written. */
static int decompress_file(llmz_dctx *d, FILE *in, FILE *out)
{
    size_t isz = llmz_stream_in_size(), osz = llmz_stream_out_size(), hint = 1;
    unsigned char *ib = malloc(isz), *ob = malloc(osz);
    int rc = ib && ob ? LLMZ_OK : LLMZ_ERR_NOMEM, end = 0;
    llmz_dctx_reset_stream(d); /* a new stream, whatever d did before */
    while (rc == LLMZ_OK && !end) {
        size_t n = fread(ib, 1, isz, in);
        llmz_inbuf src = {ib, n, 0};
        if (ferror(in)) rc = -1;
        end = n == 0; /* the last call has an empty input: it writes what is left */
        while (rc == LLMZ_OK) {
            llmz_outbuf dst = {ob, osz, 0};
            rc = llmz_decompress_stream(d, &dst, &src, &hint);
            if (rc == LLMZ_OK && fwrite(ob, 1, dst.pos, out) != dst.pos) rc = -1;
            if (src.pos == src.size && dst.pos < dst.size) break; /* all taken, all written */
        }
    }
    if (rc == LLMZ_OK && hint != 0) rc = LLMZ_ERR_TRUNCATED; /* the input did not end between frames */
    free(ib);
    free(ob);
    return rc;
}

#ifndef LLMZ_EXAMPLE_NO_MAIN
int main(int argc, char **argv)
{
    llmz_model *m = NULL;
    const char *model = NULL;
    int decompress = 0, rc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d")) decompress = 1;
        else if (!strcmp(argv[i], "-m") && i + 1 < argc) model = argv[++i];
        else {
            fprintf(stderr, "usage: %s [-d] [-m MODEL.gguf] < in > out\n", argv[0]);
            return 2;
        }
    }
    rc = model ? llmz_model_load_file(&m, model) : llmz_model_load_default(&m);
    if (rc != LLMZ_OK) {
        fprintf(stderr, "stream: cannot load the model: %s\n", llmz_error_name(rc));
        return 1;
    }
    if (decompress) {
        llmz_dctx *d = llmz_dctx_create(m);
        rc = d ? decompress_file(d, stdin, stdout) : LLMZ_ERR_NOMEM;
        llmz_dctx_free(d);
    } else {
        llmz_cctx *c = llmz_cctx_create(m);
        rc = c ? compress_file(c, stdin, stdout) : LLMZ_ERR_NOMEM;
        llmz_cctx_free(c);
    }
    llmz_model_free(m);
    if (fflush(stdout) != 0) rc = -1;
    if (rc != LLMZ_OK) fprintf(stderr, "stream: %s\n", rc < 0 ? "read or write error" : llmz_error_name(rc));
    return rc == LLMZ_OK ? 0 : 1;
}
#endif
