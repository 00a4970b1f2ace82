/*
** codec.c -- the frame loops of the CLI on top of lib/llmz.h (reads and writes go through fileio.c).
**
** Compression reads the input in segments (8 MiB, a whole number of chunks) and writes one frame per
** segment, so memory stays bounded for any input size, stdin included.  Decompression reads frame after
** frame: the header (growing while llmz_frame_header_size says LLMZ_ERR_TRUNCATED), llmz_frame_get_info,
** the memory limit and model checks, then the rest of the frame, then llmz_decompress_frame.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- model and contexts ------------------------------------------------------------------------ */
int codec_model(cli_ctx *c)
{
    int err;
    if (c->model) return 0;
    if (c->model_failed) return -1;
    if (c->o.model_path) {
        size_t size;
        if (fio_read_whole(c->o.model_path, "model", &c->model_bytes, &size) != 0) {
            c->model_failed = 1;
            return -1;
        }
        err = llmz_model_load_memory(&c->model, c->model_bytes, size);
        if (err != LLMZ_OK) {
            msg_error(c->o.model_path, "cannot load model: %s", llmz_error_name(err));
            free(c->model_bytes);
            c->model_bytes = NULL;
            c->model = NULL;
            c->model_failed = 1;
            return -1;
        }
    } else {
        err = llmz_model_load_default(&c->model);
        if (err != LLMZ_OK) {
            if (err == LLMZ_ERR_UNSUPPORTED)
                msg_error(NULL, "this build has no built-in model; use --model PATH or LLMZ_MODEL");
            else
                msg_error(NULL, "cannot load the built-in model: %s", llmz_error_name(err));
            c->model = NULL;
            c->model_failed = 1;
            return -1;
        }
    }
    llmz_model_fingerprint(c->model, c->fp);
    return 0;
}

void codec_free(cli_ctx *c)
{
    dict_release(c); /* it refers to the model */
    llmz_cctx_free(c->cctx);
    llmz_dctx_free(c->dctx);
    llmz_model_free(c->adapted);
    llmz_model_free(c->model);
    free(c->model_bytes);
    free(c->adapter_bytes);
    c->adapter_bytes = NULL;
    c->cctx = NULL;
    c->dctx = NULL;
    c->adapted = NULL;
    c->model = NULL;
    c->model_bytes = NULL;
}

/* ---- adapters ----------------------------------------------------------------------------------- */
/* The model the contexts use. */
static llmz_model *cur_model(const cli_ctx *c) { return c->adapted ? c->adapted : c->model; }

/* Make `adapted` (owned; NULL: the base model) the model in use; contexts bound to another one are dropped. */
static void use_model(cli_ctx *c, llmz_model *adapted)
{
    if (adapted == c->adapted) return;
    llmz_cctx_free(c->cctx);
    llmz_dctx_free(c->dctx);
    c->cctx = NULL;
    c->dctx = NULL;
    llmz_model_free(c->adapted);
    c->adapted = adapted;
}

void codec_list_adapters(char *buf, size_t cap)
{
    const void *data;
    size_t size, len = 0;
    buf[0] = '\0';
    for (int i = 0; llmz_adapter_builtin(i, &data, &size) == LLMZ_OK; i++) {
        char name[256];
        if (llmz_adapter_name(data, size, name) != LLMZ_OK) continue;
        len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", len ? ", " : "", name);
        if (len >= cap) break;
    }
}

int codec_export_model(cli_ctx *c, const char *name, const char *out)
{
    llmz_model *m = NULL;
    const void *data = NULL;
    size_t size = 0;
    char list[512] = "", models[512] = "";
    int rc = EXIT_ERR;
    for (int i = 0; llmz_model_builtin(&m, i) == LLMZ_OK; i++) {
        size_t ml = strlen(models);
        snprintf(models + ml, sizeof models - ml, "%s%s", ml ? ", " : "", llmz_model_name(m));
        if ((!strcmp(name, "default") && i == 0) || !strcmp(name, llmz_model_name(m))) break;
        llmz_model_free(m);
        m = NULL;
    }
    if (m) {
        llmz_model_bytes(m, &data, &size);
    } else {
        for (int i = 0; llmz_adapter_builtin(i, &data, &size) == LLMZ_OK; i++) {
            char an[256];
            if (llmz_adapter_name(data, size, an) == LLMZ_OK && !strcmp(an, name)) break;
            data = NULL;
        }
    }
    if (!data) {
        codec_list_adapters(list, sizeof list);
        msg_error(NULL, "no built-in model or adapter '%s' (models: %s; adapters: %s)", name,
                  models[0] ? models : "none", list[0] ? list : "none");
    } else if (fio_write_whole(&c->o, out, data, size) == 0) {
        rc = EXIT_OK;
    }
    llmz_model_free(m);
    return rc;
}

static int is_path(const char *s)
{
    return strchr(s, '/') != NULL || (strlen(s) > 5 && !strcmp(s + strlen(s) - 5, ".gguf"));
}

/* The adapter --adapter names (a built-in name or a file), applied to the base model; 0 or -1 (message printed). */
static int named_adapter(cli_ctx *c, llmz_model **out)
{
    const char *a = c->o.adapter;
    const void *data = NULL;
    size_t size = 0;
    int err;
    if (is_path(a)) {
        if (!c->adapter_bytes && fio_read_whole(a, "adapter", &c->adapter_bytes, &c->adapter_size) != 0) return -1;
        data = c->adapter_bytes;
        size = c->adapter_size;
    } else {
        for (int i = 0; llmz_adapter_builtin(i, &data, &size) == LLMZ_OK; i++) {
            char name[256];
            if (llmz_adapter_name(data, size, name) == LLMZ_OK && !strcmp(name, a)) break;
            data = NULL;
        }
        if (!data) {
            char list[512];
            codec_list_adapters(list, sizeof list);
            msg_error(NULL, "no built-in adapter '%s' (this build has: %s); give a file path for others", a,
                      list[0] ? list : "none");
            return -1;
        }
    }
    err = llmz_model_load_adapter(out, c->model, data, size);
    if (err != LLMZ_OK) {
        if (err == LLMZ_ERR_MODEL_MISMATCH)
            msg_error(a, "adapter was made for another model than '%s'", llmz_model_name(c->model));
        else
            msg_error(a, "cannot apply adapter: %s", llmz_error_name(err));
        return -1;
    }
    return 0;
}

/* Pick the model for compressing a file that starts with in[0, n): --adapter none, NAME/FILE, or auto (the
** base model and every built-in adapter that fits it, scored on the start of the input; ties keep the first). */
static int choose_model(cli_ctx *c, const unsigned char *in, size_t n, codec_result *r)
{
    const char *a = c->o.adapter ? c->o.adapter : "auto";
    llmz_model *best = NULL;
    const char *an;
    if (codec_model(c) != 0) return -1;
    if (!strcmp(a, "none")) {
        use_model(c, NULL);
    } else if (strcmp(a, "auto") != 0) {
        if (c->adapted) return 0; /* the same for every file */
        if (named_adapter(c, &best) != 0) {
            c->model_failed = 1;
            return -1;
        }
        use_model(c, best);
    } else {
        /* the library's rule (llmz_model_auto_adapter): inputs of 1 MiB and more try every built-in adapter */
        int tried = 0;
        llmz_model_auto_adapter(&best, c->model, in, n, &tried);
        use_model(c, best);
        r->adapter_auto = tried;
    }
    if (llmz_model_adapter(cur_model(c), NULL, &an)) snprintf(r->adapter, sizeof r->adapter, "%s", an);
    return 0;
}

static int set_param(const char *what, int err)
{
    if (err == LLMZ_OK) return 0;
    msg_error(NULL, "cannot set %s: %s", what, llmz_error_name(err));
    return -1;
}

static llmz_cctx *get_cctx(cli_ctx *c)
{
    if (c->cctx) return c->cctx;
    if (codec_model(c) != 0) return NULL;
    c->cctx = llmz_cctx_create(cur_model(c));
    if (!c->cctx) {
        msg_error(NULL, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
        return NULL;
    }
    if (set_param("the thread count", llmz_cctx_set(c->cctx, LLMZ_P_THREADS, c->o.threads)) != 0 ||
        set_param("the kernels", llmz_cctx_set(c->cctx, LLMZ_P_KERNELS, c->o.kernels)) != 0 ||
        set_param("adaptation", llmz_cctx_set(c->cctx, LLMZ_P_ADAPT, c->o.adapt)) != 0 ||
        set_param("the format version", llmz_cctx_set(c->cctx, LLMZ_P_FORMAT, c->o.format)) != 0) {
        llmz_cctx_free(c->cctx);
        c->cctx = NULL;
        c->model_failed = 1; /* the same for every file */
        return NULL;
    }
    return c->cctx;
}

static llmz_dctx *get_dctx(cli_ctx *c)
{
    if (c->dctx) return c->dctx;
    if (codec_model(c) != 0) return NULL;
    c->dctx = llmz_dctx_create(cur_model(c));
    if (!c->dctx) {
        msg_error(NULL, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
        return NULL;
    }
    if (set_param("the thread count", llmz_dctx_set(c->dctx, LLMZ_P_THREADS, c->o.threads)) != 0 ||
        set_param("the kernels", llmz_dctx_set(c->dctx, LLMZ_P_KERNELS, c->o.kernels)) != 0 ||
        set_param("the memory limit", llmz_dctx_set(c->dctx, LLMZ_P_MEMLIMIT, (long long)c->o.memlimit)) != 0) {
        llmz_dctx_free(c->dctx);
        c->dctx = NULL;
        c->model_failed = 1;
        return NULL;
    }
    return c->dctx;
}

static void add_stats(llmz_stats *sum, const llmz_stats *s)
{
    sum->in_bytes += s->in_bytes;
    sum->out_bytes += s->out_bytes;
    sum->tokens += s->tokens;
    sum->raw_chunks += s->raw_chunks;
    sum->chunks += s->chunks;
    sum->model_bits += s->model_bits;
    sum->coded_bits += s->coded_bits;
    sum->freq_bits += s->freq_bits;
}

static int write_out(int fd, const void *p, size_t n, const char *name)
{
    if (fd < 0) return 0;
    if (fio_write(fd, p, n) != 0) {
        msg_error(fd == 1 ? "(stdout)" : name, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- compression -------------------------------------------------------------------------------- */
/* Levels (-1 .. -9) choose the chunk shape; every level runs every online model (they cost 5-15% of the time and
** save 10-70% on structured text).  Smaller chunks let more threads decode one file at once; larger ones keep
** more context (README, "Levels", has the measured costs):
**   1: 16 KiB chunks   2: 32 KiB   3-6: the library's automatic size (6 is the default)
**   7, 8: 2x, 4x the automatic size for the file   9: one chunk per frame (8 MiB of input) */
static size_t fixed_chunk(const cli_ctx *c)
{
    if (c->o.chunk_size) return (size_t)c->o.chunk_size; /* --chunk-size wins over the level */
    switch (c->o.level) {
    case 1: return 16u * 1024u;
    case 2: return 32u * 1024u;
    case 9: return CLI_SEGMENT;
    default: return 0;
    }
}

/* The chunk size for a file whose first frame has n bytes (0: automatic).  Sizes derived from n are powers of
** two of at most CLI_SEGMENT, so they divide the segments read before n was known. */
static size_t file_chunk(const cli_ctx *c, size_t n)
{
    size_t f = fixed_chunk(c), a;
    if (f || (c->o.level != 7 && c->o.level != 8)) return f;
    a = (size_t)llmz_auto_chunk(n) << (c->o.level - 6);
    return a > CLI_SEGMENT ? CLI_SEGMENT : a;
}

llmz_cctx *codec_cctx(cli_ctx *c, const unsigned char *in, size_t n, codec_result *r)
{
    llmz_cctx *cc;
    if (choose_model(c, in, n, r) != 0 || !(cc = get_cctx(c))) return NULL;
    if (dict_attach(c, cur_model(c), cc, NULL) != 0) return NULL; /* --dict */
    if (set_param("the chunk size", llmz_cctx_set(cc, LLMZ_P_CHUNK_SIZE, (long long)file_chunk(c, n))) != 0)
        return NULL;
    return cc;
}

int codec_compress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r)
{
    llmz_cctx *cc = NULL;
    size_t chunk = fixed_chunk(c); /* 0: automatic, or by the level; either divides CLI_SEGMENT */
    size_t seg = CLI_SEGMENT, bound;
    unsigned char *in = NULL, *out = NULL;
    int first = 1, rc = -1;
    if (codec_model(c) != 0) return -1;
    /* a whole number of chunks per frame, at least one */
    if (chunk) seg = chunk >= seg ? chunk : seg / chunk * chunk;
    bound = llmz_frame_bound(seg);
    in = malloc(seg);
    out = bound ? malloc(bound) : NULL;
    if (!in || !out) {
        msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
        goto done;
    }
    for (;;) {
        ssize_t n = fio_read(in_fd, in, seg);
        size_t fsize = 0;
        llmz_stats st;
        int err;
        if (n < 0) {
            msg_error(name, "read error: %s", strerror(errno));
            goto done;
        }
        if (n == 0 && !first) break; /* an empty input still gets one (empty) frame */
        if (first && !(cc = codec_cctx(c, in, (size_t)n, r))) goto done;
        memset(&st, 0, sizeof st);
        if (c->o.lossy) {
            void *owned = NULL;
            size_t ln;
            const unsigned char *src = lossy_prepare(c, cur_model(c), cc, in, (size_t)n, name, &ln, &owned);
            if (!src) goto done;
            if (llmz_frame_bound(ln) > bound) { /* a rewriting may be longer than its input */
                unsigned char *nb = realloc(out, llmz_frame_bound(ln));
                if (!nb) {
                    llmz_free_buffer(owned);
                    msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
                    goto done;
                }
                out = nb;
                bound = llmz_frame_bound(ln);
            }
            progress_frame(cc, NULL, (uint64_t)ln, (uint64_t)ln);
            err = llmz_compress_frame(cc, out, bound, &fsize, src, ln, &st);
            if (err == LLMZ_OK && owned && c->o.lossy == LLMZ_LOSSY_CANONICAL &&
                lossy_keep_smaller(c, cc, in, (size_t)n, out, &fsize, &st, name) != 0) {
                llmz_free_buffer(owned);
                goto done;
            }
            llmz_free_buffer(owned);
        } else {
            progress_frame(cc, NULL, (uint64_t)n, (uint64_t)n);
            err = llmz_compress_frame(cc, out, bound, &fsize, in, (size_t)n, &st);
        }
        progress_done((uint64_t)n, fsize);
        if (err != LLMZ_OK) {
            msg_error(name, "compression failed: %s", llmz_error_name(err));
            goto done;
        }
        if (write_out(out_fd, out, fsize, name) != 0) goto done;
        add_stats(&r->st, &st);
        r->in_bytes += (uint64_t)n;
        r->out_bytes += fsize;
        r->frames++;
        first = 0;
        if ((size_t)n < seg) break;
    }
    rc = 0;
done:
    free(in);
    free(out);
    return rc;
}

/* ---- reading frames ----------------------------------------------------------------------------- */
typedef struct {
    int fd;
    unsigned char *buf;
    size_t cap, start, end; /* unread bytes are buf[start, end) */
    int eof, err, errnum;
    uint64_t consumed;      /* bytes of the input handed out so far */
} reader;

/* Make at least n unread bytes available unless the input ends first; returns the count available.
** The buffer grows with the data that actually arrives, so a bogus size in a header cannot make us
** allocate more than about twice the real input. */
static size_t rd_fill(reader *rd, size_t n)
{
    while (rd->end - rd->start < n && !rd->eof && !rd->err) {
        ssize_t got;
        if (rd->end == rd->cap) {
            if (rd->start > 0) {
                memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
                rd->end -= rd->start;
                rd->start = 0;
            }
            if (rd->end == rd->cap) {
                size_t want = n, ncap = rd->cap ? rd->cap * 2 : 64 * 1024;
                unsigned char *nb;
                if (ncap > want && want >= 64 * 1024) ncap = want; /* exact fit once the need is known */
                nb = ncap > rd->cap ? realloc(rd->buf, ncap) : NULL;
                if (!nb) {
                    rd->errnum = ENOMEM;
                    rd->err = 1;
                    break;
                }
                rd->buf = nb;
                rd->cap = ncap;
            }
        }
        got = fio_read_some(rd->fd, rd->buf + rd->end, rd->cap - rd->end);
        if (got < 0) {
            rd->errnum = errno;
            rd->err = 1;
        } else if (got == 0) rd->eof = 1;
        else rd->end += (size_t)got;
    }
    return rd->end - rd->start;
}

static void rd_consume(reader *rd, size_t n)
{
    rd->start += n;
    rd->consumed += n;
}

static int rd_error(const reader *rd, const char *name)
{
    if (rd->errnum == ENOMEM) msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
    else msg_error(name, "read error: %s", strerror(rd->errnum));
    return -1;
}

/* Read and parse the next frame header.  Returns 1 with *info and *hsize set, 0 at a clean end of input
** (only allowed after the first frame), -1 on error (message printed). */
static int next_header(reader *rd, const char *name, uint64_t index, llmz_frame_info *info, size_t *hsize)
{
    size_t need = 1, avail;
    int err;
    /* zero bytes after a frame are padding (tape blocks, some transports), as gzip and xz accept them; no
    ** frame starts with a zero byte (the magic's first byte is 0x89) */
    while (index > 0 && (avail = rd_fill(rd, 1)) > 0 && rd->buf[rd->start] == 0) {
        size_t z = 0;
        while (z < avail && rd->buf[rd->start + z] == 0) z++;
        rd_consume(rd, z);
    }
    for (;;) {
        avail = rd_fill(rd, need);
        if (rd->err) return rd_error(rd, name);
        if (avail == 0) {
            if (index > 0) return 0;
            msg_error(name, "unexpected end of input (empty file)");
            return -1;
        }
        err = llmz_frame_header_size(rd->buf + rd->start, avail, &need);
        if (err == LLMZ_OK) break;
        if (err == LLMZ_ERR_TRUNCATED && need > avail) {
            if (rd->eof) {
                msg_error(name, "unexpected end of input");
                return -1;
            }
            continue;
        }
        if (err == LLMZ_ERR_NOT_LLMZ && index > 0)
            msg_error(name, "trailing garbage after frame %llu (%s)", (unsigned long long)index, llmz_error_name(err));
        else
            msg_error(name, "%s", llmz_error_name(err == LLMZ_ERR_TRUNCATED ? LLMZ_ERR_CORRUPT : err));
        return -1;
    }
    /* need is now the header size */
    *hsize = need;
    avail = rd_fill(rd, need);
    if (rd->err) return rd_error(rd, name);
    if (avail < need) {
        msg_error(name, "unexpected end of input");
        return -1;
    }
    memset(info, 0, sizeof *info);
    err = llmz_frame_get_info(info, rd->buf + rd->start, avail);
    if (err != LLMZ_OK) {
        msg_error(name, "frame %llu: %s", (unsigned long long)index + 1, llmz_error_name(err));
        return -1;
    }
    if (info->frame_size < info->header_size || info->frame_size > (uint64_t)SIZE_MAX ||
        info->orig_size > (uint64_t)SIZE_MAX) {
        msg_error(name, "frame %llu: %s", (unsigned long long)index + 1, llmz_error_name(LLMZ_ERR_CORRUPT));
        return -1;
    }
    return 1;
}

/* A fingerprint for messages: its first 8 bytes in hex, or the fewer a frame holds (fp_len). */
static void model_fp_hex(char *buf, size_t cap, const uint8_t *fp, size_t fp_len)
{
    fmt_hex(buf, cap, fp, fp_len < 8 ? fp_len : 8);
}

/* "'NAME' (fingerprint HEX...)" for a model or adapter a frame names, or "with fingerprint HEX..." when the frame
** holds no name (format 4: a built-in one). */
static void frame_label(char *buf, size_t cap, const char *name, const uint8_t *fp, size_t fp_len)
{
    char hex[40];
    model_fp_hex(hex, sizeof hex, fp, fp_len);
    if (name[0]) snprintf(buf, cap, "'%s' (fingerprint %s...)", name, hex);
    else snprintf(buf, cap, "with fingerprint %s...", hex);
}

/* ---- decompression / test ------------------------------------------------------------------------ */
/* Where the model in use came from, for messages. */
static void model_origin(const cli_ctx *c, char *buf, size_t cap)
{
    if (c->model_bytes)
        snprintf(buf, cap, " from %s %s", c->o.model_from_env ? "$LLMZ_MODEL" : "--model", c->o.model_path);
    else snprintf(buf, cap, " (built in)");
}

/* Make the model the frame names the one in use: the loaded one; else a model built into this binary (the
** default or an earlier one: the archive pins its model, so a built-in match wins over --model and
** $LLMZ_MODEL, which are for compressing); else the file --model or $LLMZ_MODEL names.  0, or -1 with a
** message unless `quiet`. */
static int frame_model(cli_ctx *c, const llmz_frame_info *info, const char *name, int quiet)
{
    llmz_model *m;
    char need[340], loaded[600] = "";
    if (c->model && llmz_frame_model_is(info, c->model, 1)) return 0;
    if (llmz_model_load_builtin_prefix(&m, info->model_fp, info->fp_len) == LLMZ_OK) {
        codec_free(c);
        c->model = m;
        llmz_model_fingerprint(m, c->fp);
        return 0;
    }
    if (c->o.model_path && !c->model_bytes && !c->model_failed) { /* the user's model, not loaded yet */
        if (quiet && c->model) return -1;
        codec_free(c);
        if (codec_model(c) != 0) return -1;
        if (llmz_frame_model_is(info, c->model, 1)) return 0;
    }
    if (quiet) return -1;
    frame_label(need, sizeof need, info->model_name, info->model_fp, info->fp_len);
    if (c->model) {
        char lhex[40], origin[500];
        model_fp_hex(lhex, sizeof lhex, c->fp, 32);
        model_origin(c, origin, sizeof origin);
        snprintf(loaded, sizeof loaded, "; the model loaded is '%s' (fingerprint %s...)%s", llmz_model_name(c->model),
                 lhex, origin);
    }
    msg_error(name, "archive needs model %s, which is not built into this llmz%s; "
              "give its GGUF file with --model or LLMZ_MODEL",
              need, loaded);
    return -1;
}

/* The frame's adapter on top of the loaded base model: none, the one in use, --adapter's, or the built-in one
** with the frame's fingerprint.  0, or -1 with a message. */
static int select_adapter(cli_ctx *c, const llmz_frame_info *info, const char *name)
{
    llmz_model *m = NULL;
    char need[340];
    if (!info->has_adapter) {
        use_model(c, NULL);
        return 0;
    }
    if (llmz_frame_model_is(info, cur_model(c), 0)) return 0;
    if (c->o.adapter && strcmp(c->o.adapter, "auto") && strcmp(c->o.adapter, "none")) {
        if (named_adapter(c, &m) != 0) return -1;
        if (llmz_frame_model_is(info, m, 0)) {
            use_model(c, m);
            return 0;
        }
        llmz_model_free(m);
        m = NULL;
    }
    if (llmz_model_load_builtin_adapter_prefix(&m, c->model, info->adapter_fp, info->adapter_fp_len) == LLMZ_OK) {
        use_model(c, m);
        return 0;
    }
    frame_label(need, sizeof need, info->adapter_name, info->adapter_fp, info->adapter_fp_len);
    msg_error(name, "archive needs adapter %s for model '%s', which this build does not carry; use --adapter FILE",
              need, info->model_name[0] ? info->model_name : llmz_model_name(c->model));
    return -1;
}

/* -dcf on an input that is not an archive: copy it, the bytes already read first. */
static int copy_through(reader *rd, int out_fd, const char *name, codec_result *r)
{
    for (;;) {
        size_t avail = rd->end - rd->start;
        if (avail == 0) {
            rd->start = rd->end = 0;
            if (rd_fill(rd, rd->cap ? rd->cap : 1) == 0) break;
            continue;
        }
        if (write_out(out_fd, rd->buf + rd->start, avail, name) != 0) return -1;
        r->in_bytes += avail;
        r->out_bytes += avail;
        rd_consume(rd, avail);
    }
    if (rd->err) return rd_error(rd, name);
    return 0;
}

int codec_decompress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r)
{
    reader rd;
    unsigned char *out = NULL;
    size_t out_cap = 0;
    int rc = -1;
    uint64_t index;
    llmz_dctx *dc = NULL;
    memset(&rd, 0, sizeof rd);
    rd.fd = in_fd;
    if (c->passthrough) { /* -dcf: an input that is not an archive is copied as it is (zcat -f) */
        size_t avail = rd_fill(&rd, 4), need;
        if (rd.err) {
            free(rd.buf);
            return rd_error(&rd, name);
        }
        if (avail == 0 || llmz_frame_header_size(rd.buf, avail, &need) == LLMZ_ERR_NOT_LLMZ) {
            rc = copy_through(&rd, out_fd, name, r);
            free(rd.buf);
            return rc;
        }
    }
    for (index = 0;; index++) {
        llmz_frame_info info;
        size_t hsize, fsize, dsize = 0;
        llmz_stats st;
        uint64_t mem;
        int got = next_header(&rd, name, index, &info, &hsize), err;
        if (got < 0) goto done;
        if (got == 0) break;
        info.model_name[sizeof info.model_name - 1] = '\0';
        if (dict_frame_model(c, &info, name, 0) != 0) goto done; /* a dictionary frame: --dict names the model */
        if (frame_model(c, &info, name, 0) != 0 || select_adapter(c, &info, name) != 0) goto done;
        if (!(dc = get_dctx(c)) || dict_attach(c, cur_model(c), NULL, dc) != 0) goto done;
        mem = llmz_dctx_frame_memory(dc, &info);
        if (c->o.memlimit && mem > c->o.memlimit) {
            char need_s[32], lim_s[32];
            fmt_iec(need_s, sizeof need_s, mem);
            fmt_iec(lim_s, sizeof lim_s, c->o.memlimit);
            msg_error(name, "frame %llu needs %s (%llu bytes) of memory to decode, more than the limit of %s; "
                      "use --memlimit",
                      (unsigned long long)index + 1, need_s, (unsigned long long)mem, lim_s);
            goto done;
        }
        fsize = (size_t)info.frame_size;
        if (rd_fill(&rd, fsize) < fsize) {
            if (rd.err) rd_error(&rd, name);
            else msg_error(name, "unexpected end of input");
            goto done;
        }
        if (out_cap < info.orig_size || !out) {
            size_t ncap = info.orig_size ? (size_t)info.orig_size : 1;
            unsigned char *nb = realloc(out, ncap);
            if (!nb) {
                msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
                goto done;
            }
            out = nb;
            out_cap = ncap;
        }
        memset(&st, 0, sizeof st);
        progress_frame(NULL, dc, fsize, info.orig_size);
        err = llmz_decompress_frame(dc, out, out_cap, &dsize, rd.buf + rd.start, fsize, &st);
        progress_done(fsize, dsize);
        if (err == LLMZ_ERR_MODEL_MISMATCH) {
            char need[340];
            frame_label(need, sizeof need, info.model_name, info.model_fp, info.fp_len);
            msg_error(name, "archive needs model %s, but '%s' is loaded; use --model", need, llmz_model_name(c->model));
            goto done;
        }
        if (err != LLMZ_OK) {
            msg_error(name, "frame %llu: %s", (unsigned long long)index + 1, llmz_error_name(err));
            goto done;
        }
        if (dsize != info.orig_size) {
            msg_error(name, "frame %llu: %s", (unsigned long long)index + 1, llmz_error_name(LLMZ_ERR_CORRUPT));
            goto done;
        }
        rd_consume(&rd, fsize);
        if (write_out(out_fd, out, dsize, name) != 0) goto done;
        add_stats(&r->st, &st);
        r->in_bytes += fsize;
        r->out_bytes += dsize;
        r->frames++;
    }
    rc = 0;
done:
    free(out);
    free(rd.buf);
    return rc;
}

/* ---- list ----------------------------------------------------------------------------------------- */
static int list_header_printed;

/* -lv's memory column: what --memlimit is checked against (the frame's model, this run's threads) when the model
** is at hand (built in, or --model's); else the library's estimate without a model. */
static void list_memory(cli_ctx *c, const llmz_frame_info *f, const char *name, char *buf, size_t cap)
{
    char v[32];
    llmz_dctx *dc;
    if (frame_model(c, f, name, 1) == 0 && (dc = get_dctx(c)) != NULL) {
        fmt_iec(v, sizeof v, llmz_dctx_frame_memory(dc, f));
        snprintf(buf, cap, "%s with %ld thread%s", v, c->o.threads, c->o.threads == 1 ? "" : "s");
    } else {
        fmt_iec(v, sizeof v, llmz_frame_memory(f));
        snprintf(buf, cap, "about %s (model not at hand)", v);
    }
}

/* The names of the frame's model and adapter for the listing: the frame's own, else (format 4: built-in ones) the
** names of the built-in model and adapter its fingerprints name, else the fingerprints' hex. */
static void list_names(cli_ctx *c, const llmz_frame_info *f, const char *name, char *model, char *adapter,
                       size_t cap)
{
    char hex[40], dhex[40];
    llmz_model *m = NULL;
    const char *an = NULL;
    llmz_frame_info df;
    int have;
    adapter[0] = '\0';
    if (!(f = dict_list_frame(c, f, &df, name, dhex, sizeof dhex))) { /* a dictionary frame without its dictionary */
        snprintf(model, cap, "? dict %s", dhex);
        return;
    }
    have = f->model_name[0] || frame_model(c, f, name, 1) == 0;
    model_fp_hex(hex, sizeof hex, f->model_fp, f->fp_len);
    snprintf(model, cap, "%.200s%s%.20s", f->model_name[0] ? f->model_name : have ? llmz_model_name(c->model) : hex,
             dhex[0] ? " dict " : "", dhex);
    if (!f->has_adapter) return;
    model_fp_hex(hex, sizeof hex, f->adapter_fp, f->adapter_fp_len);
    if (!f->adapter_name[0] && have && c->model &&
        llmz_model_load_builtin_adapter_prefix(&m, c->model, f->adapter_fp, f->adapter_fp_len) == LLMZ_OK)
        llmz_model_adapter(m, NULL, &an);
    snprintf(adapter, cap, "%s", f->adapter_name[0] ? f->adapter_name : an ? an : hex);
    llmz_model_free(m);
}

static void list_row(uint64_t frames, uint64_t chunks, uint64_t raw, uint64_t comp, uint64_t orig,
                     const char *model, const char *name)
{
    char ratio[32], bpb[32];
    if (!list_header_printed) {
        printf("%7s %8s %6s %14s %14s %8s %7s  %-16s %s\n", "Frames", "Chunks", "Raw", "Compressed", "Original",
               "Ratio", "Bits/B", "Model", "Filename");
        list_header_printed = 1;
    }
    fmt_ratio(ratio, sizeof ratio, orig, comp);
    fmt_bpb(bpb, sizeof bpb, orig, comp);
    printf("%7llu %8llu %6llu %14llu %14llu %8s %7s  %-16s %s\n", (unsigned long long)frames,
           (unsigned long long)chunks, (unsigned long long)raw, (unsigned long long)comp, (unsigned long long)orig,
           ratio, bpb, model, name);
}

int codec_list(cli_ctx *c, int in_fd, const char *name, cli_list *t)
{
    reader rd;
    uint64_t index, chunks = 0, raw = 0, comp = 0, orig = 0;
    char model[400] = "";
    int mixed = 0, rc = -1;
    llmz_frame_info *frames = NULL; /* kept for -lv, with their offsets in the input */
    uint64_t *offs = NULL;
    size_t nframes_cap = 0, ncert = 0;
    llmz_certificate *certs = NULL; /* lossy frames' certificates, shown after the row */
    memset(&rd, 0, sizeof rd);
    rd.fd = in_fd;
    for (index = 0;; index++) {
        llmz_frame_info info;
        size_t hsize, left;
        int got = next_header(&rd, name, index, &info, &hsize);
        if (got < 0) goto done;
        if (got == 0) break;
        info.model_name[sizeof info.model_name - 1] = '\0';
        info.adapter_name[sizeof info.adapter_name - 1] = '\0';
        {
            char fm[sizeof model], mn[256], an[256]; /* the model column: model, or model+adapter */
            list_names(c, &info, name, mn, an, sizeof mn);
            snprintf(fm, sizeof fm, "%s%s%.*s", mn, info.has_adapter ? "+" : "", info.has_adapter ? 100 : 0, an);
            if (index == 0) snprintf(model, sizeof model, "%s", fm);
            else if (strcmp(model, fm) != 0) mixed = 1;
        }
        if (c->o.verbose) {
            if (index >= nframes_cap) {
                size_t ncap = nframes_cap ? nframes_cap * 2 : 16;
                llmz_frame_info *nf = realloc(frames, ncap * sizeof *nf);
                uint64_t *no = nf ? realloc(offs, ncap * sizeof *no) : NULL;
                if (nf) frames = nf;
                if (!no) {
                    msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
                    goto done;
                }
                offs = no;
                nframes_cap = ncap;
            }
            frames[index] = info;
            offs[index] = rd.consumed; /* after any zero padding before this frame */
        }
        if (info.mode == 1) {
            llmz_certificate *nc = realloc(certs, (ncert + 1) * sizeof *nc);
            if (!nc) {
                msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
                goto done;
            }
            certs = nc;
            if (llmz_frame_get_certificate(&certs[ncert++], rd.buf + rd.start, hsize) != LLMZ_OK) ncert--;
        }
        chunks += info.n_chunks;
        raw += info.raw_chunks;
        comp += info.frame_size;
        orig += info.orig_size;
        /* skip the payload, checking it is all there */
        left = (size_t)info.frame_size;
        while (left > 0) {
            size_t avail = rd_fill(&rd, left < 65536 ? left : 65536), take;
            if (rd.err) {
                rd_error(&rd, name);
                goto done;
            }
            if (avail == 0) {
                msg_error(name, "unexpected end of input");
                goto done;
            }
            take = avail < left ? avail : left;
            rd_consume(&rd, take);
            left -= take;
        }
    }
    list_row(index, chunks, raw, comp, orig, mixed ? "(several)" : model, name);
    for (size_t k = 0; k < ncert; k++) lossy_print_cert(&certs[k], c->o.verbose > 0);
    if (c->o.verbose) {
        uint64_t i;
        for (i = 0; i < index; i++) {
            const llmz_frame_info *f = &frames[i];
            char hex[40], mem[80], ad[340] = "", ch[128], mn[256], an[256];
            model_fp_hex(hex, sizeof hex, f->model_fp, f->fp_len);
            list_names(c, f, name, mn, an, sizeof mn);
            list_memory(c, f, name, mem, sizeof mem);
            if (f->has_adapter) {
                char ahex[40];
                model_fp_hex(ahex, sizeof ahex, f->adapter_fp, f->adapter_fp_len);
                snprintf(ad, sizeof ad, ", adapter '%.200s' %s", an, ahex);
            }
            if (f->n_chunks == 1)
                snprintf(ch, sizeof ch, "1 chunk%s",
                         f->raw_chunks     ? " (raw)"
                         : f->bytes_chunks ? " (byte models)"
                         : f->mixed_chunks ? " (mixed with the byte models)"
                                           : "");
            else
                snprintf(ch, sizeof ch, "%u chunks of %u bytes (%u raw, %u byte models, %u mixed)",
                         (unsigned)f->n_chunks, (unsigned)f->chunk_size, (unsigned)f->raw_chunks,
                         (unsigned)f->bytes_chunks, (unsigned)f->mixed_chunks);
            printf("    frame %llu: offset %llu, %llu -> %llu bytes, header %u, %s, "
                   "format %u, numerics %u, mode %u, flags 0x%02x, model '%s' %s%s, memory %s\n",
                   (unsigned long long)i + 1, (unsigned long long)offs[i], (unsigned long long)f->frame_size,
                   (unsigned long long)f->orig_size, (unsigned)f->header_size, ch, (unsigned)f->format_version,
                   (unsigned)f->numerics_version, (unsigned)f->mode, (unsigned)f->flags, mn, hex, ad, mem);
        }
    }
    t->files++;
    t->frames += index;
    t->chunks += chunks;
    t->raw_chunks += raw;
    t->comp += comp;
    t->orig += orig;
    if (t->files == 1) snprintf(t->model, sizeof t->model, "%s", model);
    else if (mixed || strcmp(t->model, model) != 0) t->mixed_models = 1;
    if (mixed) t->mixed_models = 1;
    rc = 0;
done:
    free(certs);
    free(frames);
    free(offs);
    free(rd.buf);
    return rc;
}

void codec_list_total(const cli_list *t)
{
    char name[64];
    snprintf(name, sizeof name, "(%llu files)", (unsigned long long)t->files);
    printf("%7s %8s %6s %14s %14s %8s %7s  %-16s %s\n", "-------", "--------", "------", "--------------",
           "--------------", "--------", "-------", "----------------", "--------");
    list_row(t->frames, t->chunks, t->raw_chunks, t->comp, t->orig, t->mixed_models ? "(several)" : t->model, name);
}
