/*
** dstream.c -- streaming decompression (llmz_decompress_stream, docs/streaming.md) on top of llmz_decompress_frame.
**
** Each item of the stream is gathered into one buffer: first the bytes that tell a skippable frame from a frame and
** the frame's header (llmz_skippable_size, llmz_frame_header_size, llmz_frame_get_info), then, once the model and
** the memory limit are checked, the whole frame, which llmz_decompress_frame decodes into the output buffer; that
** drains into the caller's output before the next item is read.  Skippable frames are passed over without being
** kept, zero bytes after the first item likewise.  The buffers grow with the bytes that actually arrive (a header
** claiming a huge frame allocates nothing until its bytes come), so the memory is one frame and its output.
*/
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"

enum { D_ITEM, D_HEADER, D_CHECK, D_FRAME, D_SKIP, D_OUT };

struct dstream {
    int stage;
    uint8_t *buf;          /* the item's bytes so far */
    size_t len, cap, need; /* need: the bytes buf must hold for the next decision */
    uint64_t skip_left;    /* D_SKIP: bytes of the skippable frame still to pass over */
    uint8_t *out;          /* a frame's output not yet written: out[out_pos, out_len) */
    size_t out_len, out_pos, out_cap;
    llmz_frame_info info; /* the frame being read (D_CHECK, D_FRAME, D_OUT) */
    uint64_t frames, skippable;
    llmz_stats st;
    int err; /* a failed stream's error */
};

void dstream_free(struct dstream *s) {
    if (!s) return;
    llmz_free(s->buf);
    llmz_free(s->out);
    llmz_free(s);
}

static void restart(struct dstream *s) {
    s->stage = D_ITEM;
    s->len = s->need = 0;
    s->skip_left = 0;
    s->out_len = s->out_pos = 0;
    s->frames = s->skippable = 0;
    memset(&s->st, 0, sizeof s->st);
    memset(&s->info, 0, sizeof s->info);
    s->err = 0;
}

/* Move input into buf until it holds `need` bytes; the buffer grows with what arrives.  1 if bytes moved. */
static int gather(struct dstream *s, llmz_inbuf *in, int *rc) {
    size_t take = in->size - in->pos;
    if (take > s->need - s->len) take = s->need - s->len;
    if (!take) return 0;
    if (s->len + take > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64u * 1024u;
        uint8_t *nb;
        if (ncap < s->len + take) ncap = s->len + take;
        if (ncap > s->need) ncap = s->need;
        nb = llmz_realloc(s->buf, ncap);
        if (!nb) {
            *rc = LLMZ_ERR_NOMEM;
            return 0;
        }
        s->buf = nb;
        s->cap = ncap;
    }
    memcpy(s->buf + s->len, (const uint8_t *)in->src + in->pos, take);
    s->len += take;
    in->pos += take;
    return 1;
}

/* D_HEADER with `need` bytes in: a skippable frame, more bytes, or the frame's parsed header. */
static int classify(struct dstream *s) {
    uint64_t sz;
    size_t hn = 0;
    int rc = llmz_skippable_size(s->buf, s->len, &sz);
    if (rc == LLMZ_OK) {
        s->skip_left = sz - s->len;
        s->len = 0;
        s->stage = D_SKIP;
        return LLMZ_OK;
    }
    if (rc == LLMZ_ERR_TRUNCATED) {
        s->need = (size_t)sz;
        return LLMZ_OK;
    }
    if (rc != LLMZ_ERR_NOT_LLMZ) return rc;
    rc = llmz_frame_header_size(s->buf, s->len, &hn);
    if (rc == LLMZ_ERR_TRUNCATED) {
        if (hn <= s->len) return LLMZ_ERR_CORRUPT;
        s->need = hn;
        return LLMZ_OK;
    }
    if (rc != LLMZ_OK) return rc;
    if (s->len < hn) {
        s->need = hn;
        return LLMZ_OK;
    }
    memset(&s->info, 0, sizeof s->info);
    rc = llmz_frame_get_info(&s->info, s->buf, s->len);
    if (rc != LLMZ_OK) return rc;
    if (s->info.frame_size < s->info.header_size || s->info.frame_size < s->len ||
        s->info.frame_size > (uint64_t)SIZE_MAX || s->info.orig_size > (uint64_t)SIZE_MAX)
        return LLMZ_ERR_CORRUPT;
    s->stage = D_CHECK;
    return LLMZ_OK;
}

static int decode(llmz_dctx *d, struct dstream *s) {
    size_t need = s->info.orig_size ? (size_t)s->info.orig_size : 1, dsize = 0;
    llmz_stats st;
    int rc;
    if (s->out_cap < need) {
        uint8_t *nb = llmz_realloc(s->out, need);
        if (!nb) return LLMZ_ERR_NOMEM;
        s->out = nb;
        s->out_cap = need;
    }
    memset(&st, 0, sizeof st);
    rc = llmz_decompress_frame(d, s->out, s->out_cap, &dsize, s->buf, s->len, &st);
    if (rc != LLMZ_OK) return rc;
    if (dsize != s->info.orig_size) return LLMZ_ERR_CORRUPT;
    engine_add_stats(&s->st, &st);
    s->frames++;
    s->out_len = dsize;
    s->out_pos = 0;
    s->len = 0;
    s->stage = D_OUT;
    return LLMZ_OK;
}

/* One step: 1 when something moved or changed, 0 when the call can do no more, 2 when a frame's header is accepted
** (the call returns there), or -err. */
static int step(llmz_dctx *d, struct dstream *s, llmz_outbuf *out, llmz_inbuf *in) {
    int rc = LLMZ_OK, moved;
    switch (s->stage) {
    case D_ITEM:
        if (in->pos == in->size) return 0;
        if (s->frames + s->skippable > 0 && ((const uint8_t *)in->src)[in->pos] == 0) {
            while (in->pos < in->size && ((const uint8_t *)in->src)[in->pos] == 0) in->pos++; /* padding */
            return 1;
        }
        s->stage = D_HEADER;
        s->len = 0;
        s->need = 1;
        return 1;
    case D_HEADER:
        moved = gather(s, in, &rc);
        if (rc != LLMZ_OK) return -rc;
        if (s->len < s->need) return moved;
        rc = classify(s);
        return rc == LLMZ_OK ? 1 : -rc;
    case D_CHECK:
        if (s->info.dict_fp_len) { /* a dictionary frame: d needs its dictionary, loaded for d's model */
            if (!d->dict || d->dict->m != d->m) return -LLMZ_ERR_MODEL_MISMATCH;
            if (memcmp(d->dict->fp, s->info.dict_fp, s->info.dict_fp_len) != 0) return -LLMZ_ERR_DICT;
        } else if (!llmz_frame_model_is(&s->info, d->m, 0)) {
            return -LLMZ_ERR_MODEL_MISMATCH;
        }
        if (d->memlimit && llmz_dctx_frame_memory(d, &s->info) > d->memlimit) return -LLMZ_ERR_MEMLIMIT;
        s->stage = D_FRAME;
        s->need = (size_t)s->info.frame_size;
        return 2; /* the call returns: the caller may look at the frame before it is decoded */
    case D_FRAME:
        moved = gather(s, in, &rc);
        if (rc != LLMZ_OK) return -rc;
        if (s->len < s->need) return moved;
        rc = decode(d, s);
        return rc == LLMZ_OK ? 1 : -rc;
    case D_SKIP: {
        size_t n = in->size - in->pos;
        if (s->skip_left == 0) {
            s->skippable++;
            s->stage = D_ITEM;
            return 1;
        }
        if (n > s->skip_left) n = (size_t)s->skip_left;
        in->pos += n;
        s->skip_left -= n;
        return n > 0;
    }
    default: { /* D_OUT */
        size_t n = s->out_len - s->out_pos, room = out->size - out->pos;
        if (n == 0) {
            s->stage = D_ITEM;
            return 1;
        }
        if (n > room) n = room;
        if (n) memcpy((uint8_t *)out->dst + out->pos, s->out + s->out_pos, n);
        out->pos += n;
        s->out_pos += n;
        return n > 0;
    }
    }
}

static size_t hint_of(const struct dstream *s) {
    size_t h, cap = llmz_stream_in_size();
    switch (s->stage) {
    case D_ITEM: return s->frames + s->skippable > 0 ? 0 : cap;
    case D_HEADER: h = s->need - s->len; break;
    case D_CHECK:
    case D_FRAME: h = (size_t)s->info.frame_size - s->len; break;
    case D_SKIP: h = s->skip_left < cap ? (size_t)s->skip_left : cap; break;
    default: return 1;
    }
    if (h > cap) h = cap;
    return h ? h : 1;
}

int llmz_decompress_stream(llmz_dctx *d, llmz_outbuf *out, llmz_inbuf *in, size_t *hint) {
    struct dstream *s;
    int r;
    if (hint) *hint = 1;
    if (!d || !out || !in || (!out->dst && out->size) || (!in->src && in->size) || out->pos > out->size ||
        in->pos > in->size)
        return LLMZ_ERR_PARAM;
    if (!d->ds) {
        d->ds = llmz_calloc(1, sizeof *d->ds);
        if (!d->ds) return LLMZ_ERR_NOMEM;
    }
    s = d->ds;
    if (s->err) return s->err;
    while ((r = step(d, s, out, in)) == 1) {}
    if (hint) *hint = hint_of(s);
    if (r < 0) {
        if (-r != LLMZ_ERR_MODEL_MISMATCH && -r != LLMZ_ERR_MEMLIMIT) s->err = -r;
        return -r;
    }
    return LLMZ_OK;
}

int llmz_dctx_stream_info(const llmz_dctx *d, llmz_frame_info *info) {
    if (!d || !info) return LLMZ_ERR_PARAM;
    if (!d->ds || (d->ds->stage != D_CHECK && d->ds->stage != D_FRAME && d->ds->stage != D_OUT))
        return LLMZ_ERR_TRUNCATED;
    *info = d->ds->info;
    return LLMZ_OK;
}

int llmz_dctx_stream_stats(const llmz_dctx *d, llmz_stats *stats, uint64_t *frames, uint64_t *skippable) {
    if (!d) return LLMZ_ERR_PARAM;
    if (stats) {
        if (d->ds)
            *stats = d->ds->st;
        else
            memset(stats, 0, sizeof *stats);
    }
    if (frames) *frames = d->ds ? d->ds->frames : 0;
    if (skippable) *skippable = d->ds ? d->ds->skippable : 0;
    return LLMZ_OK;
}

int llmz_dctx_reset_stream(llmz_dctx *d) {
    if (!d) return LLMZ_ERR_PARAM;
    if (d->ds) restart(d->ds);
    return LLMZ_OK;
}

int llmz_dctx_set_model(llmz_dctx *d, const llmz_model *m) {
    if (!d || !m) return LLMZ_ERR_PARAM;
    d->m = m;
    return LLMZ_OK;
}
