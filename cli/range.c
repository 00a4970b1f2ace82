/*
** range.c -- llmz -d --range=OFFSET:LENGTH (and -t --range): a range of an archive's output, decoded from the frames,
** and in them the chunks or chunk groups, that cover it (llmz_archive_*, lib/llmz.h), each frame with the model and
** adapter codec.c picks for it.  The archive must be seekable (a file): its index, or its frame headers, say where
** to read.  Output goes where fileio.c sends it (stdout unless -o).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The range is decoded in pieces of about this many bytes, cut at chunk (group) edges: no chunk is decoded twice. */
#define RANGE_PIECE CLI_SEGMENT

typedef struct {
    int fd;
    int err; /* errno of a failed read, 0 if none */
} range_in;

static int range_read(void *opaque, uint64_t offset, void *buf, size_t len)
{
    range_in *in = opaque;
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = pread(in->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            in->err = errno;
            return LLMZ_ERR_TRUNCATED;
        }
        if (n == 0) return LLMZ_ERR_TRUNCATED; /* the file shrank */
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

/* A library error on this input, with the read error behind it when there was one. */
static int range_fail(const range_in *in, const char *name, const char *what, int err)
{
    if (in->err) msg_error(name, "read error: %s", strerror(in->err));
    else if (err == LLMZ_ERR_NOT_LLMZ) msg_error(name, "not in llmz format");
    else if (err == LLMZ_ERR_TRUNCATED) msg_error(name, "unexpected end of input");
    else msg_error(name, "%s: %s", what, llmz_error_name(err));
    return -1;
}

/* The archive's size: a regular file's, or a seekable device's end. */
static int range_size(int fd, const char *name, uint64_t *size)
{
    struct stat st;
    off_t end;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
    end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        msg_error(name, "--range needs an archive it can seek in (a file), not a pipe");
        return -1;
    }
    *size = (uint64_t)end;
    return 0;
}

/* The end of the piece that starts at pos in a frame whose output starts at fo: the next multiple of `step` bytes
** from fo (step: a whole number of the frame's chunks or groups), at most stop. */
static uint64_t piece_end(const llmz_frame_info *info, uint64_t fo, uint64_t pos, uint64_t stop)
{
    uint64_t unit = (uint64_t)info->chunk_size * (info->flags & LLMZ_FLAG_GROUP ? LLMZ_GROUP_CHUNKS : 1);
    uint64_t step, e;
    if (unit == 0 || info->copies) return stop; /* copies: any part of the frame decodes all of it */
    step = unit >= RANGE_PIECE ? unit : RANGE_PIECE / unit * unit;
    e = fo + ((pos - fo) / step + 1) * step;
    return e < stop ? e : stop;
}

int range_decompress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r)
{
    range_in in = {in_fd, 0};
    llmz_archive *a = NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, frame = (size_t)-1;
    uint64_t size, total, pos, end;
    int rc = -1, err;
    if (range_size(in_fd, name, &size) != 0) return -1;
    err = llmz_archive_open(&a, range_read, &in, size);
    if (err != LLMZ_OK) return range_fail(&in, name, "cannot map the archive", err);
    total = llmz_archive_orig_size(a);
    pos = c->o.range_off;
    if (pos > total || (pos == total && (c->o.range_to_end ? 0 : c->o.range_len) > 0)) {
        msg_error(name, "the range starts at byte %llu, past the end of the data (%llu bytes)",
                  (unsigned long long)pos, (unsigned long long)total);
        goto done;
    }
    /* a range that runs past the end gives the bytes there are (as dd and head -c do) */
    end = c->o.range_to_end || c->o.range_len > total - pos ? total : pos + c->o.range_len;
    while (pos < end) {
        llmz_frame_info info;
        llmz_stats st;
        llmz_dctx *dc;
        uint64_t fo, stop;
        size_t i, got = 0, n;
        if ((err = llmz_archive_find(a, pos, &i)) != LLMZ_OK ||
            (err = llmz_archive_frame(a, i, &info, NULL, &fo)) != LLMZ_OK) {
            range_fail(&in, name, "cannot read the frame header", err);
            goto done;
        }
        if (!(dc = codec_frame_dctx(c, &info, name))) goto done;
        stop = piece_end(&info, fo, pos, end < fo + info.orig_size ? end : fo + info.orig_size);
        n = (size_t)(stop - pos);
        if (n > cap) {
            unsigned char *nb = realloc(buf, n);
            if (!nb) {
                msg_error(name, "%s", llmz_error_name(LLMZ_ERR_NOMEM));
                goto done;
            }
            buf = nb;
            cap = n;
        }
        err = llmz_archive_read(a, dc, pos, buf, n, &got, &st);
        if (err == LLMZ_OK && got != n) err = LLMZ_ERR_CORRUPT;
        if (err == LLMZ_ERR_MEMLIMIT) {
            msg_error(name, "frame %llu: decoding the range needs more memory than the limit; use --memlimit",
                      (unsigned long long)i + 1);
            goto done;
        }
        if (err != LLMZ_OK) {
            char what[48];
            snprintf(what, sizeof what, "frame %llu", (unsigned long long)i + 1);
            range_fail(&in, name, what, err);
            goto done;
        }
        if (out_fd >= 0 && fio_write(out_fd, buf, n) != 0) {
            msg_error(name, "write error: %s", strerror(errno));
            goto done;
        }
        codec_add_stats(&r->st, &st);
        r->in_bytes += st.in_bytes;
        r->out_bytes += n;
        r->frames += i != frame;
        frame = i;
        pos = stop;
    }
    if (c->o.verbose)
        msg_info("%s: bytes %llu to %llu of %llu: %llu chunk%s decoded (%llu bytes) from %llu archive bytes of %llu, "
                 "mapped by %s",
                 name, (unsigned long long)c->o.range_off, (unsigned long long)end, (unsigned long long)total,
                 (unsigned long long)r->st.chunks, r->st.chunks == 1 ? "" : "s", (unsigned long long)r->st.out_bytes,
                 (unsigned long long)r->in_bytes, (unsigned long long)size,
                 llmz_archive_used_index(a) ? "its index" : "scanning its frame headers");
    rc = 0;
done:
    free(buf);
    llmz_archive_free(a);
    return rc;
}
