/*
** codec.c -- the coding loops of the CLI on top of lib/llmz.h (reads and writes go through fileio.c).
**
** Compression reads the input in segments (8 MiB, a whole number of chunks) and writes one frame per
** segment, so memory stays bounded for any input size, stdin included: lossless through the streaming API
** (llmz_compress_stream, after the first segment chose the model and chunk size), --lossy with the frame API.
** Decompression and -t go through llmz_decompress_stream, which checks each frame's model (a frame of another model
** switches it) and the memory limit once its header is in, passes over skippable frames and zero padding, and
** says at the end of the input whether it ended between frames.  The listing (-l) is list.c's.
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
            char why[256]; /* a valid file llmz cannot run, or a malformed tensor: say what (llmz_model_check) */
            if ((err == LLMZ_ERR_MODEL_UNSUPPORTED || err == LLMZ_ERR_MODEL_FORMAT) &&
                llmz_model_check(c->model_bytes, size, why, sizeof why) == err && why[0])
                msg_error(c->o.model_path, "%s: %s",
                          err == LLMZ_ERR_MODEL_UNSUPPORTED ? "not supported" : "cannot load model", why);
            else msg_error(c->o.model_path, "cannot load model: %s", llmz_error_name(err));
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
        set_param("the format version", llmz_cctx_set(c->cctx, LLMZ_P_FORMAT, c->o.format)) != 0 ||
        set_param("the numerics version", llmz_cctx_set(c->cctx, LLMZ_P_NUMERICS, c->o.numerics)) != 0) {
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

void codec_add_stats(llmz_stats *sum, const llmz_stats *s)
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
**   7, 8: 2x, 4x the automatic size   9: one chunk per frame (8 MiB of input)
** Levels ask the library for shorter or longer automatic chunks (LLMZ_P_CHUNK_SHIFT) rather than fixing a size, so
** that its other choices stay open as at -6: binary input's long chunks, the byte models alone in long chunks (a
** fixed size made 150 KB of a dpkg log 6,344 bytes at -1, 5,898 at -2 against 3,925 at -6, and 300 KB 9,583 at -7
** against 6,850). */
static size_t fixed_chunk(const cli_ctx *c)
{
    return (size_t)c->o.chunk_size; /* --chunk-size (0: automatic) wins over the level */
}

/* The level's LLMZ_P_CHUNK_SHIFT (0 with a fixed chunk size). */
static int chunk_shift(const cli_ctx *c)
{
    if (fixed_chunk(c)) return 0;
    switch (c->o.level) {
    case 1: return -2;
    case 2: return -1;
    case 7: return 1;
    case 8: return 2;
    case 9: return LLMZ_MAX_CHUNK_SHIFT;
    default: return 0;
    }
}

llmz_cctx *codec_cctx(cli_ctx *c, const unsigned char *in, size_t n, codec_result *r)
{
    llmz_cctx *cc;
    if (choose_model(c, in, n, r) != 0 || !(cc = get_cctx(c))) return NULL;
    if (dict_attach(c, cur_model(c), cc, NULL) != 0) return NULL; /* --dict */
    if (set_param("the chunk size", llmz_cctx_set(cc, LLMZ_P_CHUNK_SIZE, (long long)fixed_chunk(c))) != 0 ||
        set_param("the chunk size", llmz_cctx_set(cc, LLMZ_P_CHUNK_SHIFT, chunk_shift(c))) != 0)
        return NULL;
    return cc;
}

/* The input bytes per frame for this run's chunk size (fixed by --chunk-size or the level, else automatic): 8 MiB,
** a whole number of chunks, at least one.  The library's rule for LLMZ_P_SEGMENT is the same. */
static size_t segment_size(const cli_ctx *c)
{
    size_t chunk = fixed_chunk(c), seg = CLI_SEGMENT; /* chunk 0: automatic, or by the level; both divide seg */
    if (chunk) seg = chunk >= seg ? chunk : seg / chunk * chunk;
    return seg;
}

/* Lossless compression through the streaming API: the first segment is read here to choose the model, adapter and
** chunk size for the file (codec_cctx), then every segment goes to llmz_compress_stream, which makes of each the
** frame llmz_compress_frame makes (the bytes llmz wrote before streams); END after the last one, and --index. */
static int compress_stream(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r)
{
    llmz_cctx *cc = NULL;
    size_t seg = segment_size(c), ocap = llmz_stream_out_size();
    unsigned char *in = malloc(seg), *out = malloc(ocap);
    uint64_t frames = 0, done_out = 0;
    llmz_stats st;
    int first = 1, rc = -1, err = LLMZ_OK;
    if (!in || !out) {
        msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
        goto done;
    }
    for (;;) {
        ssize_t n = fio_read(in_fd, in, seg);
        llmz_end_op op = n >= 0 && (size_t)n == seg ? LLMZ_CONTINUE : LLMZ_END;
        llmz_inbuf ib = {in, n > 0 ? (size_t)n : 0, 0};
        size_t pending = 0;
        if (n < 0) {
            msg_error(name, "read error: %s", strerror(errno));
            goto done;
        }
        if (first) {
            if (!(cc = codec_cctx(c, in, (size_t)n, r))) goto done;
            if (set_param("the segment size", llmz_cctx_set(cc, LLMZ_P_SEGMENT, (long long)seg)) != 0 ||
                set_param("the index", llmz_cctx_set(cc, LLMZ_P_INDEX, c->o.index)) != 0)
                goto done;
            llmz_cctx_reset_stream(cc); /* whatever an earlier file left */
        }
        if (n > 0 || first) progress_frame(cc, NULL, (uint64_t)n, (uint64_t)n); /* this segment's frame */
        do {
            llmz_outbuf ob = {out, ocap, 0};
            err = llmz_compress_stream(cc, &ob, &ib, op, &pending);
            if (err != LLMZ_OK) break;
            if (write_out(out_fd, out, ob.pos, name) != 0) goto done;
            r->out_bytes += ob.pos;
        } while (ib.pos < ib.size || pending);
        llmz_cctx_stream_stats(cc, &st, &frames);
        if (n > 0 || first) progress_done((uint64_t)n, st.out_bytes - done_out);
        done_out = st.out_bytes;
        if (err != LLMZ_OK) {
            msg_error(name, "compression failed: %s", llmz_error_name(err));
            goto done;
        }
        r->in_bytes += (uint64_t)n;
        first = 0;
        if (op == LLMZ_END) break;
    }
    codec_add_stats(&r->st, &st);
    r->frames += frames;
    rc = 0;
done:
    free(in);
    free(out);
    return rc;
}

int codec_compress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r)
{
    llmz_cctx *cc = NULL;
    size_t chunk = fixed_chunk(c); /* 0: automatic, or by the level; either divides CLI_SEGMENT */
    size_t seg = CLI_SEGMENT, bound;
    unsigned char *in = NULL, *out = NULL;
    int first = 1, rc = -1;
    if (!c->o.lossy) return compress_stream(c, in_fd, out_fd, name, r);
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
        { /* --lossy: the rewriting, then one frame per segment with the frame API (lossless: compress_stream) */
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
            if (err == LLMZ_OK && owned && c->o.lossy <= LLMZ_LOSSY_PARAPHRASE && /* levels 1-2: never above lossless */
                lossy_keep_smaller(c, cc, in, (size_t)n, out, &fsize, &st, name) != 0) {
                llmz_free_buffer(owned);
                goto done;
            }
            llmz_free_buffer(owned);
        }
        progress_done((uint64_t)n, fsize);
        if (err != LLMZ_OK) {
            msg_error(name, "compression failed: %s", llmz_error_name(err));
            goto done;
        }
        if (write_out(out_fd, out, fsize, name) != 0) goto done;
        codec_add_stats(&r->st, &st);
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

/* ---- decompression / test ------------------------------------------------------------------------ */
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

/* ---- random access (range.c) ---- */
llmz_dctx *codec_frame_dctx(cli_ctx *c, const llmz_frame_info *info, const char *name)
{
    llmz_frame_info fi = *info;
    llmz_dctx *dc;
    if (dict_frame_model(c, &fi, name, 0) != 0) return NULL; /* a dictionary frame: --dict names the model */
    if (frame_model(c, &fi, name, 0) != 0 || select_adapter(c, &fi, name) != 0) return NULL;
    if (!(dc = get_dctx(c)) || dict_attach(c, cur_model(c), NULL, dc) != 0) return NULL;
    return dc;
}

/* For list.c: the helpers above. */
int codec_frame_model(cli_ctx *c, const llmz_frame_info *info, const char *name, int quiet)
{
    return frame_model(c, info, name, quiet);
}
llmz_dctx *codec_dctx(cli_ctx *c) { return get_dctx(c); }
void codec_fp_hex(char *buf, size_t cap, const uint8_t *fp, size_t fp_len) { model_fp_hex(buf, cap, fp, fp_len); }

/* -dcf: 1 if the input, which starts with p[0, n) (n < 8 only at its end), is neither a frame nor a skippable
** frame: then it is copied as it is (zcat -f). */
static int not_llmz(const unsigned char *p, size_t n)
{
    size_t need;
    uint64_t sz;
    return n == 0 || (llmz_frame_header_size(p, n, &need) == LLMZ_ERR_NOT_LLMZ &&
                      llmz_skippable_size(p, n, &sz) == LLMZ_ERR_NOT_LLMZ);
}

static int copy_through(int in_fd, int out_fd, unsigned char *buf, size_t have, size_t cap, const char *name,
                        codec_result *r)
{
    for (;;) {
        ssize_t got;
        if (write_out(out_fd, buf, have, name) != 0) return -1;
        r->in_bytes += have;
        r->out_bytes += have;
        got = fio_read_some(in_fd, buf, cap);
        if (got < 0) {
            msg_error(name, "read error: %s", strerror(errno));
            return -1;
        }
        if (got == 0) return 0;
        have = (size_t)got;
    }
}

/* The stream met a frame of another model (LLMZ_ERR_MODEL_MISMATCH): make the frame's model and adapter the ones in
** use and dc's.  0, or -1 with a message. */
static int switch_model(cli_ctx *c, llmz_dctx *dc, const char *name)
{
    llmz_frame_info info;
    if (llmz_dctx_stream_info(dc, &info) != LLMZ_OK) {
        msg_error(name, "%s", llmz_error_name(LLMZ_ERR_MODEL_MISMATCH));
        return -1;
    }
    info.model_name[sizeof info.model_name - 1] = '\0';
    info.adapter_name[sizeof info.adapter_name - 1] = '\0';
    if (dict_frame_model(c, &info, name, 0) != 0) return -1; /* a dictionary frame: --dict names the model */
    if (frame_model(c, &info, name, 0) != 0 || select_adapter(c, &info, name) != 0) return -1;
    if (llmz_frame_model_is(&info, cur_model(c), 0))
        return llmz_dctx_set_model(dc, cur_model(c)) == LLMZ_OK && dict_attach(c, cur_model(c), NULL, dc) == 0 ? 0 : -1;
    {
        char need[340];
        frame_label(need, sizeof need, info.model_name, info.model_fp, info.fp_len);
        msg_error(name, "archive needs model %s, but '%s' is loaded; use --model", need, llmz_model_name(c->model));
    }
    return -1;
}

/* The stream's decoding context, made for the first file: with the model loaded, else a built-in one (the first
** frame says which model it needs; --model's file is loaded only when no built-in model fits, as before streams). */
static llmz_dctx *stream_dctx(cli_ctx *c)
{
    llmz_dctx *dc;
    if (!c->model) {
        llmz_model *m = NULL;
        if (llmz_model_builtin(&m, 0) == LLMZ_OK) {
            c->model = m;
            llmz_model_fingerprint(m, c->fp);
        } else if (codec_model(c) != 0) {
            return NULL;
        }
    }
    dc = llmz_dctx_create(cur_model(c));
    if (!dc) {
        msg_error(NULL, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
        return NULL;
    }
    if (set_param("the thread count", llmz_dctx_set(dc, LLMZ_P_THREADS, c->o.threads)) != 0 ||
        set_param("the kernels", llmz_dctx_set(dc, LLMZ_P_KERNELS, c->o.kernels)) != 0 ||
        set_param("the memory limit", llmz_dctx_set(dc, LLMZ_P_MEMLIMIT, (long long)c->o.memlimit)) != 0) {
        llmz_dctx_free(dc);
        c->model_failed = 1;
        return NULL;
    }
    return dc;
}

/* The message for a stream error other than a model to switch. */
static void stream_error(llmz_dctx *dc, int err, const char *name, const cli_ctx *c)
{
    uint64_t frames = 0, skipped = 0;
    llmz_frame_info info;
    llmz_dctx_stream_stats(dc, NULL, &frames, &skipped);
    if (err == LLMZ_ERR_NOT_LLMZ && frames + skipped > 0) {
        msg_error(name, "trailing garbage after frame %llu (%s)", (unsigned long long)frames, llmz_error_name(err));
    } else if (err == LLMZ_ERR_NOT_LLMZ) {
        msg_error(name, "%s", llmz_error_name(err));
    } else if (err == LLMZ_ERR_MEMLIMIT && llmz_dctx_stream_info(dc, &info) == LLMZ_OK) {
        char need_s[32], lim_s[32];
        uint64_t mem = llmz_dctx_frame_memory(dc, &info);
        fmt_iec(need_s, sizeof need_s, mem);
        fmt_iec(lim_s, sizeof lim_s, c->o.memlimit);
        msg_error(name, "frame %llu needs %s (%llu bytes) of memory to decode, more than the limit of %s; "
                  "use --memlimit",
                  (unsigned long long)frames + 1, need_s, (unsigned long long)mem, lim_s);
    } else if (err == LLMZ_ERR_NOMEM) {
        msg_error(name, "%s", llmz_error_name(err));
    } else {
        msg_error(name, "frame %llu: %s", (unsigned long long)frames + 1, llmz_error_name(err));
    }
}

/* The progress line follows the stream: a frame whose header is in is announced, a decoded one is done. */
typedef struct {
    uint64_t frames, in, out; /* frames done, and their bytes */
    int announced;            /* the next frame was announced */
} stream_progress;

static void stream_progress_update(stream_progress *p, llmz_dctx *dc, int drained)
{
    llmz_stats st;
    uint64_t frames = 0;
    llmz_frame_info info;
    llmz_dctx_stream_stats(dc, &st, &frames, NULL);
    if (frames > p->frames) {
        progress_done(st.in_bytes - p->in, st.out_bytes - p->out);
        p->frames = frames;
        p->in = st.in_bytes;
        p->out = st.out_bytes;
        p->announced = 0;
    }
    /* with the output all written, a frame the stream holds is one not decoded yet */
    if (drained && !p->announced && llmz_dctx_stream_info(dc, &info) == LLMZ_OK) {
        progress_frame(NULL, dc, info.frame_size, info.orig_size);
        p->announced = 1;
    }
}

/* Decompression through the streaming API: the input in pieces, the output as it comes; a frame of another model
** switches the model (llmz_dctx_set_model); at the end of the input the stream must be at a frame boundary. */
int codec_decompress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r)
{
    size_t icap = llmz_stream_in_size(), ocap = llmz_stream_out_size(), have = 0, hint = 1;
    unsigned char *in = malloc(icap), *out = malloc(ocap);
    uint64_t total = 0, frames = 0;
    llmz_dctx *dc = NULL;
    llmz_stats st;
    stream_progress sp;
    int rc = -1, eof = 0;
    memset(&sp, 0, sizeof sp);
    if (!in || !out) {
        msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
        goto done;
    }
    if (c->passthrough) { /* -dcf: an input that is not an archive is copied as it is (zcat -f) */
        ssize_t got = fio_read(in_fd, in, 8);
        if (got < 0) {
            msg_error(name, "read error: %s", strerror(errno));
            goto done;
        }
        have = (size_t)got;
        if (not_llmz(in, have)) {
            rc = copy_through(in_fd, out_fd, in, have, icap, name, r);
            goto done;
        }
    }
    if (!(dc = stream_dctx(c))) goto done;
    while (!eof) {
        llmz_inbuf ib;
        if (have == 0) {
            ssize_t got = fio_read_some(in_fd, in, icap);
            if (got < 0) {
                msg_error(name, "read error: %s", strerror(errno));
                goto done;
            }
            have = (size_t)got;
            eof = got == 0;
        }
        ib.src = in;
        ib.size = have;
        ib.pos = 0;
        for (;;) { /* until the piece is consumed and the output all written */
            llmz_outbuf ob = {out, ocap, 0};
            int err = llmz_decompress_stream(dc, &ob, &ib, &hint);
            if (write_out(out_fd, out, ob.pos, name) != 0) goto done;
            stream_progress_update(&sp, dc, ob.pos < ob.size);
            if (err == LLMZ_ERR_MODEL_MISMATCH) {
                if (switch_model(c, dc, name) != 0) goto done;
                continue;
            }
            if (err != LLMZ_OK) {
                stream_error(dc, err, name, c);
                goto done;
            }
            if (ib.pos == ib.size && ob.pos < ob.size) break;
        }
        total += have;
        have = 0;
    }
    if (hint != 0) {
        msg_error(name, "unexpected end of input%s", total == 0 ? " (empty file)" : "");
        goto done;
    }
    llmz_dctx_stream_stats(dc, &st, &frames, NULL);
    codec_add_stats(&r->st, &st);
    r->in_bytes += st.in_bytes;
    r->out_bytes += st.out_bytes;
    r->frames += frames;
    rc = 0;
done:
    llmz_dctx_free(dc);
    free(in);
    free(out);
    return rc;
}
