/*
** dict.c -- the command line's dictionaries (docs/dictionaries.md): --dict FILE read once, the model a dictionary
** frame needs taken from it, the dictionary attached to the contexts, and --train-dict (a dictionary file from
** sample files).  Messages name what is needed: the dictionary's fingerprint, the model's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Read --dict's file once: its bytes, fingerprint and model's fingerprint.  0, or -1 with a message. */
static int dict_read(cli_ctx *c)
{
    int err;
    if (c->dict_bytes) return 0;
    if (c->dict_failed) return -1;
    c->dict_failed = 1; /* until it is read */
    if (fio_read_whole(c->o.dict_path, "dictionary", &c->dict_bytes, &c->dict_size) != 0) return -1;
    err = llmz_dict_info(c->dict_bytes, c->dict_size, c->dict_fp, c->dict_model_fp, NULL);
    if (err != LLMZ_OK) {
        msg_error(c->o.dict_path, "not a valid llmz dictionary (damaged, truncated or another kind of file)");
        free(c->dict_bytes);
        c->dict_bytes = NULL;
        return -1;
    }
    c->dict_failed = 0;
    return 0;
}

void dict_release(cli_ctx *c)
{
    llmz_dict_free(c->dict);
    c->dict = NULL;
    c->dict_model = NULL;
}

void dict_free_all(cli_ctx *c)
{
    dict_release(c);
    free(c->dict_bytes);
    c->dict_bytes = NULL;
}

int dict_frame_model(cli_ctx *c, llmz_frame_info *info, const char *name, int quiet)
{
    char need[40], have[40];
    if (info->dict_fp_len == 0) return 0;
    fmt_hex(need, sizeof need, info->dict_fp, info->dict_fp_len);
    if (!c->o.dict_path) {
        if (!quiet) msg_error(name, "archive needs dictionary %s; give it with --dict FILE", need);
        return -1;
    }
    if (dict_read(c) != 0) return -1;
    if (memcmp(c->dict_fp, info->dict_fp, info->dict_fp_len) != 0) {
        fmt_hex(have, sizeof have, c->dict_fp, info->dict_fp_len);
        if (!quiet)
            msg_error(name, "archive needs dictionary %s, but %s is dictionary %s", need, c->o.dict_path, have);
        return -1;
    }
    memcpy(info->model_fp, c->dict_model_fp, 32); /* the dictionary names the model */
    info->fp_len = 32;
    return 0;
}

const llmz_frame_info *dict_list_frame(cli_ctx *c, const llmz_frame_info *f, llmz_frame_info *df, const char *name,
                                       char *dhex, size_t cap)
{
    dhex[0] = '\0';
    if (f->dict_fp_len == 0) return f;
    fmt_hex(dhex, cap, f->dict_fp, f->dict_fp_len);
    *df = *f;
    return dict_frame_model(c, df, name, 1) == 0 ? df : NULL;
}

int dict_attach(cli_ctx *c, const llmz_model *m, llmz_cctx *cc, llmz_dctx *dc)
{
    char want[40], have[40];
    uint8_t fp[32];
    int err;
    if (!c->o.dict_path) return 0;
    if (dict_read(c) != 0) return -1;
    if (c->dict_model != m) {
        dict_release(c);
        err = llmz_dict_load(&c->dict, m, c->dict_bytes, c->dict_size);
        if (err == LLMZ_ERR_MODEL_MISMATCH) {
            llmz_model_fingerprint(m, fp);
            fmt_hex(want, sizeof want, c->dict_model_fp, 8);
            fmt_hex(have, sizeof have, fp, 8);
            msg_error(c->o.dict_path, "dictionary was made for the model with fingerprint %s..., not '%s' (%s...)%s",
                      want, llmz_model_name(m), have,
                      llmz_model_adapter(m, NULL, NULL) ? " with an adapter (use --adapter none)" : "");
            c->model_failed = 1;
            return -1;
        }
        if (err != LLMZ_OK) {
            msg_error(c->o.dict_path, "cannot load the dictionary: %s", llmz_error_name(err));
            return -1;
        }
        c->dict_model = m;
    }
    err = cc ? llmz_cctx_set_dict(cc, c->dict) : llmz_dctx_set_dict(dc, c->dict);
    if (err != LLMZ_OK) {
        msg_error(c->o.dict_path, "cannot use the dictionary: %s", llmz_error_name(err));
        return -1;
    }
    return 0;
}

/* Append the samples of one file: the file itself, or with `lines` each of its lines (line end kept). */
static int add_samples(const char *path, int lines, void ***bufs, size_t *nbufs, const void ***ss, size_t **sz,
                       size_t *n, size_t *cap)
{
    void *data;
    size_t size, at = 0;
    void **nb;
    if (fio_read_whole(path, "sample", &data, &size) != 0) return -1;
    if (!(nb = realloc(*bufs, (*nbufs + 1) * sizeof *nb))) {
        free(data);
        return -1;
    }
    *bufs = nb;
    nb[(*nbufs)++] = data;
    while (at < size) {
        const unsigned char *p = (const unsigned char *)data + at, *e;
        size_t len = size - at;
        if (lines && (e = memchr(p, '\n', len)) != NULL) len = (size_t)(e - p) + 1;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 1024;
            const void **s2 = realloc((void *)*ss, nc * sizeof *s2);
            size_t *z2 = s2 ? realloc(*sz, nc * sizeof *z2) : NULL;
            if (s2) *ss = s2;
            if (!s2 || !z2) return -1;
            *sz = z2;
            *cap = nc;
        }
        (*ss)[*n] = p;
        (*sz)[(*n)++] = len;
        at += len;
    }
    return 0;
}

int dict_train_main(cli_ctx *c, const char *out, const char **files, int nfiles)
{
    void **bufs = NULL, *dict = NULL;
    const void **ss = NULL;
    size_t *sz = NULL, nbufs = 0, n = 0, cap = 0, dsize = 0, i;
    int rc = EXIT_ERR, err;
    char hex[40];
    uint8_t fp[32];
    if (codec_model(c) != 0) return EXIT_ERR;
    for (i = 0; i < (size_t)nfiles; i++)
        if (add_samples(files[i], nfiles == 1, &bufs, &nbufs, &ss, &sz, &n, &cap) != 0) {
            msg_error(files[i], "cannot read the samples");
            goto done;
        }
    err = llmz_dict_train(&dict, &dsize, c->model, ss, sz, n, (size_t)c->o.dict_size);
    if (err != LLMZ_OK) {
        msg_error(NULL, "cannot train a dictionary: %s", llmz_error_name(err));
        goto done;
    }
    if (fio_write_whole(&c->o, out, dict, dsize) != 0) goto done;
    llmz_dict_info(dict, dsize, fp, NULL, NULL);
    fmt_hex(hex, sizeof hex, fp, 8);
    if (c->o.verbose)
        msg_info("%s: dictionary %s, %zu bytes of text from %zu samples, for model '%s'", out, hex, dsize - 48, n,
                 llmz_model_name(c->model));
    rc = EXIT_OK;
done:
    for (i = 0; i < nbufs; i++) free(bufs[i]);
    free(bufs);
    free((void *)ss);
    free(sz);
    llmz_free_buffer(dict);
    return rc;
}
