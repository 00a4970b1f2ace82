/* test_example_stream.c -- docs/examples/stream.c, the streaming API's example program, compiled here (without its
** main) so that it cannot rot: its compress_file and decompress_file round-trip a file through FILE streams with
** tests/data/tiny.gguf, write what llmz_compress_frame writes, and report a truncated archive. */
#define LLMZ_EXAMPLE_NO_MAIN
#include "../../docs/examples/stream.c"
#include "t.h"

static FILE *with(const void *p, size_t n) {
    FILE *f = tmpfile();
    if (f && n) fwrite(p, 1, n, f);
    if (f) rewind(f);
    return f;
}

static unsigned char *slurp(FILE *f, size_t *n) {
    long len;
    unsigned char *p;
    fflush(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    p = malloc((size_t)len + 1);
    *n = fread(p, 1, (size_t)len, f);
    rewind(f);
    return p;
}

int main(void) {
    char path[512];
    llmz_model *m = NULL;
    size_t n = t_quick() ? 60000 : 300000, an = 0, bn = 0, fn = 0; /* quick (asan-test): a fifth, ~140 s less */
    unsigned char *text = malloc(n), *a, *b, *frame;
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&m, path), LLMZ_OK);
    if (!m) return T_DONE();
    for (size_t i = 0; i < n; i++) /* mostly binary: the byte models code it fast; some text */
        text[i] = i % 50000 < 3000 ? (unsigned char)"the cat sat on a mat\n"[i % 21] : (unsigned char)(i * 7 % 61);
    llmz_cctx *c = llmz_cctx_create(m);
    llmz_dctx *d = llmz_dctx_create(m);
    FILE *in = with(text, n), *z = tmpfile(), *back = tmpfile();
    CHECK_EQ(compress_file(c, in, z), LLMZ_OK);
    a = slurp(z, &an);
    frame = malloc(llmz_frame_bound(n));
    CHECK_EQ(llmz_compress_frame(c, frame, llmz_frame_bound(n), &fn, text, n, NULL), LLMZ_OK);
    CHECK(an == fn && !memcmp(a, frame, fn)); /* one segment: one frame, the same bytes */
    CHECK_EQ(decompress_file(d, z, back), LLMZ_OK);
    b = slurp(back, &bn);
    CHECK(bn == n && !memcmp(b, text, n));
    free(b);
    { /* the archive cut short: LLMZ_ERR_TRUNCATED, the output a prefix of the original */
        FILE *cut = with(a, an - 10), *part = tmpfile();
        llmz_dctx_reset_stream(d);
        CHECK_EQ(decompress_file(d, cut, part), LLMZ_ERR_TRUNCATED);
        b = slurp(part, &bn);
        CHECK(bn < n && (bn == 0 || !memcmp(b, text, bn)));
        free(b);
        fclose(cut);
        fclose(part);
    }
    { /* an empty input: one empty frame, which decodes to nothing */
        FILE *e = with(NULL, 0), *ez = tmpfile(), *eb = tmpfile();
        CHECK_EQ(compress_file(c, e, ez), LLMZ_OK);
        rewind(ez);
        llmz_dctx_reset_stream(d);
        CHECK_EQ(decompress_file(d, ez, eb), LLMZ_OK);
        b = slurp(eb, &bn);
        CHECK_EQ(bn, 0);
        free(b);
        fclose(e);
        fclose(ez);
        fclose(eb);
    }
    fclose(in);
    fclose(z);
    fclose(back);
    free(a);
    free(frame);
    free(text);
    llmz_cctx_free(c);
    llmz_dctx_free(d);
    llmz_model_free(m);
    return T_DONE();
}
