/*
** cstream.c -- streaming compression (llmz_compress_stream, docs/streaming.md) on top of llmz_compress_frame.
**
** The input is gathered into one segment buffer; a full segment (or one that FLUSH or END closes) is compressed
** into the frame buffer, which drains into the caller's output over as many calls as its room takes.  Input keeps
** coming into the segment while a frame drains; a segment is compressed only once the frame before it is out, so
** the memory is one segment and one frame, whatever the stream's length.  With LLMZ_P_INDEX the frames' sizes are
** kept (16 bytes a frame) for the index END writes.  No coding logic here: frames are llmz_compress_frame's.
*/
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"

struct cstream {
    uint8_t *seg; /* the segment being gathered: seg_len of seg_size bytes */
    size_t seg_len, seg_size, seg_cap;
    uint8_t *out; /* a frame (or the index) made and not yet written: out[out_pos, out_len) */
    size_t out_len, out_pos, out_cap;
    uint64_t *fsizes, *osizes; /* LLMZ_P_INDEX: the stream's frames, for the index */
    size_t nidx, idx_cap;
    uint64_t frames; /* frames made in this stream */
    llmz_stats st;   /* their statistics, summed */
    int ended;       /* END is done: the next input starts a new stream */
    int index_done;  /* END wrote the index */
    int err;         /* a failed stream's error */
};

void cstream_free(struct cstream *s) {
    if (!s) return;
    llmz_free(s->seg);
    llmz_free(s->out);
    llmz_free(s->fsizes);
    llmz_free(s->osizes);
    llmz_free(s);
}

/* The stream's state kept (buffers and all), its contents dropped. */
static void restart(struct cstream *s) {
    s->seg_len = s->seg_size = 0;
    s->out_len = s->out_pos = 0;
    s->nidx = 0;
    s->frames = 0;
    memset(&s->st, 0, sizeof s->st);
    s->ended = s->index_done = 0;
    s->err = 0;
}

/* The segment size for the cctx's parameters now: LLMZ_P_SEGMENT as a whole number of chunks, at least one. */
static size_t segment_size(const llmz_cctx *c) {
    size_t seg = c->segment ? c->segment : LLMZ_SEGMENT_DEFAULT, chunk = c->chunk;
    if (chunk) seg = chunk >= seg ? chunk : seg / chunk * chunk;
    return seg;
}

static int grow(uint8_t **p, size_t *cap, size_t need) {
    if (*cap >= need) return LLMZ_OK;
    uint8_t *n = llmz_realloc(*p, need ? need : 1);
    if (!n) return LLMZ_ERR_NOMEM;
    *p = n;
    *cap = need ? need : 1;
    return LLMZ_OK;
}

/* Record a frame for the index. */
static int remember(llmz_cctx *c, struct cstream *s, uint64_t fsize, uint64_t osize) {
    if (!c->index) return LLMZ_OK;
    if (s->nidx == s->idx_cap) {
        size_t ncap = s->idx_cap ? s->idx_cap * 2 : 16;
        uint64_t *f = llmz_realloc(s->fsizes, ncap * sizeof *f);
        if (!f) return LLMZ_ERR_NOMEM;
        s->fsizes = f;
        uint64_t *o = llmz_realloc(s->osizes, ncap * sizeof *o);
        if (!o) return LLMZ_ERR_NOMEM;
        s->osizes = o;
        s->idx_cap = ncap;
    }
    s->fsizes[s->nidx] = fsize;
    s->osizes[s->nidx++] = osize;
    return LLMZ_OK;
}

/* Compress the segment (seg_len bytes, 0 for an empty stream's frame) into out; the output buffer is empty. */
static int make_frame(llmz_cctx *c, struct cstream *s) {
    size_t bound = llmz_frame_bound(s->seg_len), fsize = 0;
    llmz_stats st;
    int rc;
    if (!bound) return LLMZ_ERR_PARAM;
    if ((rc = grow(&s->out, &s->out_cap, bound)) != LLMZ_OK) return rc;
    memset(&st, 0, sizeof st);
    rc = llmz_compress_frame(c, s->out, s->out_cap, &fsize, s->seg, s->seg_len, &st);
    if (rc != LLMZ_OK) return rc;
    if ((rc = remember(c, s, fsize, s->seg_len)) != LLMZ_OK) return rc;
    s->out_len = fsize;
    s->out_pos = 0;
    s->frames++;
    engine_add_stats(&s->st, &st);
    s->seg_len = s->seg_size = 0;
    return LLMZ_OK;
}

static int make_index(llmz_cctx *c, struct cstream *s) {
    size_t bound = llmz_index_bound(s->nidx), n = 0;
    int rc;
    if (!bound) return LLMZ_ERR_PARAM;
    if ((rc = grow(&s->out, &s->out_cap, bound)) != LLMZ_OK) return rc;
    rc = llmz_index_write(s->out, s->out_cap, &n, s->fsizes, s->osizes, s->nidx);
    if (rc != LLMZ_OK) return rc;
    s->out_len = n;
    s->out_pos = 0;
    s->index_done = 1;
    return LLMZ_OK;
}

/* Take input into the segment (its size fixed by its first byte). */
static int take_input(llmz_cctx *c, struct cstream *s, llmz_inbuf *in) {
    size_t n = in->size - in->pos;
    if (!n) return LLMZ_OK;
    if (s->seg_len == 0) {
        int rc;
        s->seg_size = segment_size(c);
        if ((rc = grow(&s->seg, &s->seg_cap, s->seg_size)) != LLMZ_OK) return rc;
    }
    if (n > s->seg_size - s->seg_len) n = s->seg_size - s->seg_len;
    memcpy(s->seg + s->seg_len, (const uint8_t *)in->src + in->pos, n);
    s->seg_len += n;
    in->pos += n;
    return LLMZ_OK;
}

/* One step; 1 when something moved, 0 when the call is done, or an error (negative: -err). */
static int step(llmz_cctx *c, struct cstream *s, llmz_outbuf *out, llmz_inbuf *in, llmz_end_op op) {
    int rc;
    if (s->out_pos < s->out_len) { /* drain the frame made; meanwhile the next segment fills */
        size_t n = s->out_len - s->out_pos, room = out->size - out->pos, had = in->pos;
        if (n > room) n = room;
        memcpy((uint8_t *)out->dst + out->pos, s->out + s->out_pos, n);
        out->pos += n;
        s->out_pos += n;
        if (s->seg_len < s->seg_size || s->seg_len == 0)
            if ((rc = take_input(c, s, in)) != LLMZ_OK) return -rc;
        return n > 0 || in->pos != had;
    }
    if (s->seg_len > 0 && s->seg_len == s->seg_size) { /* a full segment */
        rc = make_frame(c, s);
        return rc == LLMZ_OK ? 1 : -rc;
    }
    if (in->pos < in->size) {
        if ((rc = take_input(c, s, in)) != LLMZ_OK) return -rc;
        return 1;
    }
    if (op == LLMZ_CONTINUE) return 0;
    if (s->seg_len > 0 || (op == LLMZ_END && s->frames == 0)) { /* FLUSH/END close the segment */
        rc = make_frame(c, s);
        return rc == LLMZ_OK ? 1 : -rc;
    }
    if (op == LLMZ_END && c->index && !s->index_done) {
        rc = make_index(c, s);
        return rc == LLMZ_OK ? 1 : -rc;
    }
    if (op == LLMZ_END) s->ended = 1;
    return 0;
}

int llmz_compress_stream(llmz_cctx *c, llmz_outbuf *out, llmz_inbuf *in, llmz_end_op op, size_t *pending) {
    struct cstream *s;
    int rc = LLMZ_OK, r;
    if (pending) *pending = 0;
    if (!c || !out || !in || (!out->dst && out->size) || (!in->src && in->size) || out->pos > out->size ||
        in->pos > in->size || (op != LLMZ_CONTINUE && op != LLMZ_FLUSH && op != LLMZ_END))
        return LLMZ_ERR_PARAM;
    if (!c->cs) {
        c->cs = llmz_calloc(1, sizeof *c->cs);
        if (!c->cs) return LLMZ_ERR_NOMEM;
    }
    s = c->cs;
    if (s->err) return s->err;
    if (s->ended) {
        if (in->pos == in->size) return LLMZ_OK; /* END again: the stream is complete */
        restart(s);
    }
    while ((r = step(c, s, out, in, op)) > 0) {
        if (s->out_pos < s->out_len && out->pos == out->size && (in->pos == in->size || s->seg_len == s->seg_size))
            break; /* out is full and nothing more can be taken */
    }
    if (r < 0) {
        rc = -r;
        s->err = rc;
        return rc;
    }
    if (pending) {
        *pending = s->out_len - s->out_pos;
        if (!s->ended && op != LLMZ_CONTINUE &&
            (s->seg_len > 0 || s->out_pos < s->out_len ||
             (op == LLMZ_END && (s->frames == 0 || (c->index && !s->index_done)))))
            *pending += *pending ? 0 : 1;
    }
    return rc;
}

int llmz_cctx_reset_stream(llmz_cctx *c) {
    if (!c) return LLMZ_ERR_PARAM;
    if (c->cs) restart(c->cs);
    return LLMZ_OK;
}

int llmz_cctx_stream_stats(const llmz_cctx *c, llmz_stats *stats, uint64_t *frames) {
    if (!c) return LLMZ_ERR_PARAM;
    if (stats) {
        if (c->cs)
            *stats = c->cs->st;
        else
            memset(stats, 0, sizeof *stats);
    }
    if (frames) *frames = c->cs ? c->cs->frames : 0;
    return LLMZ_OK;
}

size_t llmz_stream_in_size(void) { return 128u * 1024u; }
size_t llmz_stream_out_size(void) { return 128u * 1024u; }
