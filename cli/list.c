/*
** list.c -- llmz -l: the frame headers of an archive read one after the other (the payloads skipped, checked to be
** all there), skippable frames passed over (an index among them counted for -lv), and the table of sizes, ratios
** and models.  Moved from codec.c (which decodes through the streaming API) unchanged but for the skippable frames.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- reading frames ----------------------------------------------------------------------------- */
typedef struct {
    int fd;
    unsigned char *buf;
    size_t cap, start, end; /* unread bytes are buf[start, end) */
    int eof, err, errnum;
    uint64_t consumed;      /* bytes of the input handed out so far */
    uint64_t skipped;       /* skippable frames passed over */
    long long index_frames; /* the entries of the last index among them (-1: none) */
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

/* Pass over n bytes, checking they are all there; 0, or -1 with a message. */
static int rd_skip(reader *rd, uint64_t n, const char *name)
{
    while (n > 0) {
        size_t avail = rd_fill(rd, n < 65536 ? (size_t)n : 65536), take;
        if (rd->err) return rd_error(rd, name);
        if (avail == 0) {
            msg_error(name, "unexpected end of input");
            return -1;
        }
        take = avail < n ? avail : (size_t)n;
        rd_consume(rd, take);
        n -= take;
    }
    return 0;
}

/* A skippable frame where the next frame would start (docs/format.md): passed over, an index counted.  1 if one
** was, 0 if the input goes on otherwise, -1 on error (a truncated one: "unexpected end of input"). */
static int skip_skippable(reader *rd, const char *name)
{
    uint64_t size;
    size_t avail = rd_fill(rd, LLMZ_SKIPPABLE_HEADER), n;
    int err;
    if (rd->err) return rd_error(rd, name);
    if (avail == 0) return 0;
    err = llmz_skippable_size(rd->buf + rd->start, avail, &size);
    if (err == LLMZ_ERR_NOT_LLMZ) return 0;
    if (err != LLMZ_OK) {
        msg_error(name, "%s", llmz_error_name(err)); /* TRUNCATED: "unexpected end of input" */
        return -1;
    }
    if (size <= (1u << 20) && rd_fill(rd, (size_t)size) >= size) { /* small enough to look at: an index? */
        err = llmz_index_read(rd->buf + rd->start, (size_t)size, NULL, NULL, 0, &n);
        if (err == LLMZ_OK || err == LLMZ_ERR_DST_TOO_SMALL) rd->index_frames = (long long)n;
    }
    if (rd_skip(rd, size, name) != 0) return -1;
    rd->skipped++;
    return 1;
}

/* Read and parse the next frame header.  Returns 1 with *info and *hsize set, 0 at a clean end of input
** (only allowed after the first frame or skippable frame), -1 on error (message printed). */
static int next_header(reader *rd, const char *name, uint64_t index, llmz_frame_info *info, size_t *hsize)
{
    size_t need = 1, avail;
    int err, s;
    do {
        /* zero bytes after a frame are padding (tape blocks, some transports), as gzip and xz accept them; no
        ** frame starts with a zero byte (the magic's first byte is 0x89) */
        while ((index > 0 || rd->skipped > 0) && (avail = rd_fill(rd, 1)) > 0 && rd->buf[rd->start] == 0) {
            size_t z = 0;
            while (z < avail && rd->buf[rd->start + z] == 0) z++;
            rd_consume(rd, z);
        }
        if ((s = skip_skippable(rd, name)) < 0) return -1;
    } while (s > 0);
    for (;;) {
        avail = rd_fill(rd, need);
        if (rd->err) return rd_error(rd, name);
        if (avail == 0) {
            if (index > 0 || rd->skipped > 0) return 0;
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

/* ---- list ----------------------------------------------------------------------------------------- */
static int list_header_printed;

/* -lv's memory column: what --memlimit is checked against (the frame's model, this run's threads) when the model
** is at hand (built in, or --model's); else the library's estimate without a model. */
static void list_memory(cli_ctx *c, const llmz_frame_info *f, const char *name, char *buf, size_t cap)
{
    char v[32];
    llmz_dctx *dc;
    if (codec_frame_model(c, f, name, 1) == 0 && (dc = codec_dctx(c)) != NULL) {
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
    have = f->model_name[0] || codec_frame_model(c, f, name, 1) == 0;
    codec_fp_hex(hex, sizeof hex, f->model_fp, f->fp_len);
    snprintf(model, cap, "%.200s%s%.20s", f->model_name[0] ? f->model_name : have ? llmz_model_name(c->model) : hex,
             dhex[0] ? " dict " : "", dhex);
    if (!f->has_adapter) return;
    codec_fp_hex(hex, sizeof hex, f->adapter_fp, f->adapter_fp_len);
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
    rd.index_frames = -1;
    for (index = 0;; index++) {
        llmz_frame_info info;
        size_t hsize;
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
        if (rd_skip(&rd, info.frame_size, name) != 0) goto done;
    }
    list_row(index, chunks, raw, comp, orig, mixed ? "(several)" : model, name);
    for (size_t k = 0; k < ncert; k++) lossy_print_cert(&certs[k], c->o.verbose > 0);
    if (c->o.verbose) {
        uint64_t i;
        for (i = 0; i < index; i++) {
            const llmz_frame_info *f = &frames[i];
            char hex[40], mem[80], ad[340] = "", ch[128], mn[256], an[256];
            codec_fp_hex(hex, sizeof hex, f->model_fp, f->fp_len);
            list_names(c, f, name, mn, an, sizeof mn);
            list_memory(c, f, name, mem, sizeof mem);
            if (f->has_adapter) {
                char ahex[40];
                codec_fp_hex(ahex, sizeof ahex, f->adapter_fp, f->adapter_fp_len);
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
            if (f->copies) /* format 8: the chunks hold what the copies do not */
                snprintf(ch + strlen(ch), sizeof ch - strlen(ch), ", long repeats as copies");
            printf("    frame %llu: offset %llu, %llu -> %llu bytes, header %u, %s, "
                   "format %u, numerics %u, mode %u, flags 0x%02x, model '%s' %s%s, memory %s\n",
                   (unsigned long long)i + 1, (unsigned long long)offs[i], (unsigned long long)f->frame_size,
                   (unsigned long long)f->orig_size, (unsigned)f->header_size, ch, (unsigned)f->format_version,
                   (unsigned)f->numerics_version, (unsigned)f->mode, (unsigned)f->flags, mn, hex, ad, mem);
        }
        if (rd.index_frames >= 0) printf("    index: %lld frames\n", rd.index_frames);
        if (rd.skipped) printf("    skippable frames: %llu\n", (unsigned long long)rd.skipped);
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
