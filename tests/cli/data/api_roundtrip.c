/* api_roundtrip.c -- built by tests/cli/install.sh against the installed library (pkg-config llmz): compresses
** the file argv[1] with the built-in model in one frame and decodes it again; exit 0 when the bytes match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llmz.h>

int main(int argc, char **argv)
{
    llmz_model *m = NULL;
    llmz_cctx *c;
    llmz_dctx *d;
    FILE *f;
    unsigned char *in, *z, *out;
    size_t n, zn = 0, on = 0, cap;
    int err, same;
    if (argc != 2 || !(f = fopen(argv[1], "rb"))) return 2;
    in = malloc(1 << 20);
    n = fread(in, 1, 1 << 20, f);
    fclose(f);
    if ((err = llmz_model_load_default(&m)) != LLMZ_OK) {
        fprintf(stderr, "load: %s\n", llmz_error_name(err));
        return 1;
    }
    cap = llmz_frame_bound(n);
    z = malloc(cap);
    out = malloc(n + 1);
    c = llmz_cctx_create(m);
    d = llmz_dctx_create(m);
    if ((err = llmz_compress_frame(c, z, cap, &zn, in, n, NULL)) != LLMZ_OK ||
        (err = llmz_decompress_frame(d, out, n + 1, &on, z, zn, NULL)) != LLMZ_OK) {
        fprintf(stderr, "round trip: %s\n", llmz_error_name(err));
        return 1;
    }
    same = on == n && !memcmp(in, out, n);
    printf("%s %zu -> %zu bytes, library %s\n", same ? "identical" : "DIFFERENT", n, zn, llmz_version_string());
    llmz_cctx_free(c);
    llmz_dctx_free(d);
    llmz_model_free(m);
    free(in);
    free(z);
    free(out);
    return same ? 0 : 1;
}
