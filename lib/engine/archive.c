/*
** archive.c -- random access (llmz_archive_*): an archive read through a callback is mapped to its frames (by its
** index, docs/format.md "Random access: the index", or by scanning the frame headers), and a range of the output is
** decoded from the frames, and in them the chunks or chunk groups, that cover it (decompress.c's
** engine_decode_chunks).  Reads only what it decodes; never decodes a whole frame it does not need.
*/
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"
#include "format/copies.h"

/* One frame of the map: where it starts in the archive and in the output, and its sizes there. */
typedef struct {
    uint64_t arc, size, orig_off, orig;
} arc_frame;

struct llmz_archive {
    llmz_read_fn read;
    void *opaque;
    uint64_t size; /* archive bytes */
    arc_frame *f;  /* frames in order */
    size_t n, cap;
    uint64_t total; /* bytes the archive decodes to */
    int used_index;
};

/* Internal: a frame disagrees with the index that mapped it; map again by scanning. */
#define ARC_REMAP        (-200)
#define ARC_SCAN_BLOCK   4096 /* bytes read at once while skipping zero padding */
#define ARC_HEADER_FIRST 64   /* bytes read first for a frame header (it asks for more when it needs them) */

static int arc_get(const llmz_archive *a, uint64_t off, void *buf, size_t len) {
    if (off > a->size || len > a->size - off) return LLMZ_ERR_TRUNCATED;
    if (len == 0) return LLMZ_OK;
    int rc = a->read(a->opaque, off, buf, len);
    if (rc == 0) return LLMZ_OK;
    return rc > 0 && rc < LLMZ_ERROR_COUNT_ ? rc : LLMZ_ERR_TRUNCATED;
}

static int arc_push(llmz_archive *a, uint64_t arc, uint64_t size, uint64_t orig) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 16;
        arc_frame *f = llmz_realloc(a->f, cap * sizeof *f);
        if (!f) return LLMZ_ERR_NOMEM;
        a->f = f;
        a->cap = cap;
    }
    if (orig > UINT64_MAX - a->total) return LLMZ_ERR_CORRUPT;
    a->f[a->n++] = (arc_frame){arc, size, a->total, orig};
    a->total += orig;
    return LLMZ_OK;
}

/* The header and chunk table of the frame at `off` (not beyond `limit`): *buf holds them (*hlen bytes; the caller
** frees it), h and *chunks (n_chunks + 1 entries; the caller frees them) are parsed, *payload is the sum of the
** chunks' compressed sizes. */
static int read_header(const llmz_archive *a, uint64_t off, uint64_t limit, uint8_t **buf, size_t *hlen,
                       frame_header *h, frame_chunk **chunks, uint64_t *payload) {
    uint64_t room = limit > off ? limit - off : 0;
    size_t want = ARC_HEADER_FIRST, need = 0;
    uint8_t *b = NULL;
    int rc;
    *buf = NULL;
    *chunks = NULL;
    for (;;) {
        size_t avail = want < room ? want : (size_t)room;
        uint8_t *nb = llmz_realloc(b, avail ? avail : 1);
        if (!nb) {
            llmz_free(b);
            return LLMZ_ERR_NOMEM;
        }
        b = nb;
        if ((rc = arc_get(a, off, b, avail)) != LLMZ_OK) break;
        rc = frame_parse_header(h, b, avail, &need);
        if (rc == LLMZ_OK && avail < need) rc = LLMZ_ERR_TRUNCATED; /* the chunk table */
        if (rc != LLMZ_ERR_TRUNCATED) break;
        if (need <= avail || avail >= room) break; /* nothing more to read: a frame cut short */
        want = need;
    }
    if (rc == LLMZ_OK) {
        *chunks = llmz_calloc((size_t)h->n_chunks + 1, sizeof **chunks);
        rc = *chunks ? frame_parse_table(*chunks, h, b, need, payload) : LLMZ_ERR_NOMEM;
    }
    if (rc == LLMZ_OK) {
        engine_count_methods(h, *chunks, 0, h->n_chunks);
        *buf = b;
        *hlen = need;
        return LLMZ_OK;
    }
    llmz_free(*chunks);
    *chunks = NULL;
    llmz_free(b);
    return rc;
}

/* Map [lo, hi) by scanning: frames, skippable frames, and zero bytes after the archive's start. */
static int scan(llmz_archive *a, uint64_t lo, uint64_t hi) {
    uint8_t blk[ARC_SCAN_BLOCK];
    uint64_t pos = lo;
    int rc;
    while (pos < hi) {
        size_t avail = hi - pos < LLMZ_SKIPPABLE_HEADER ? (size_t)(hi - pos) : LLMZ_SKIPPABLE_HEADER;
        if ((rc = arc_get(a, pos, blk, avail)) != LLMZ_OK) return rc;
        if (blk[0] == 0 && pos > 0) { /* padding: up to the next nonzero byte */
            size_t k = hi - pos < sizeof blk ? (size_t)(hi - pos) : sizeof blk, z = 0;
            if ((rc = arc_get(a, pos, blk, k)) != LLMZ_OK) return rc;
            while (z < k && blk[z] == 0) z++;
            pos += z;
            continue;
        }
        uint64_t skip;
        rc = llmz_skippable_size(blk, avail, &skip);
        if (rc == LLMZ_OK && skip > hi - pos) rc = LLMZ_ERR_TRUNCATED;
        if (rc == LLMZ_OK) {
            pos += skip;
            continue;
        }
        if (rc != LLMZ_ERR_NOT_LLMZ) return rc;
        frame_header h;
        frame_chunk *chunks;
        uint8_t *buf;
        size_t hlen;
        uint64_t payload;
        rc = read_header(a, pos, hi, &buf, &hlen, &h, &chunks, &payload);
        if (rc == LLMZ_ERR_NOT_LLMZ && pos > 0) rc = LLMZ_ERR_CORRUPT; /* garbage after a frame */
        if (rc != LLMZ_OK) return rc;
        llmz_free(buf);
        llmz_free(chunks);
        if (payload > hi - pos - hlen) return LLMZ_ERR_TRUNCATED;
        if ((rc = arc_push(a, pos, hlen + payload, frame_out_size(&h))) != LLMZ_OK) return rc;
        pos += hlen + payload;
    }
    return LLMZ_OK;
}

/* The index that ends at hi, if valid and its frames fit in [lo, hi): *ok = 1, its entries (*fs, *os; the caller
** frees them), their count and where the first frame starts.  A damaged index: *ok = 0 (the caller scans); a read
** that fails: its error. */
static int index_at(const llmz_archive *a, uint64_t lo, uint64_t hi, uint64_t **fs, uint64_t **os, size_t *n,
                    uint64_t *start, int *ok) {
    uint8_t tail[LLMZ_INDEX_TRAILER], *buf;
    uint64_t isz, sum = 0;
    size_t cnt = 0;
    int rc;
    *fs = *os = NULL;
    *ok = 0;
    if (hi - lo < LLMZ_INDEX_TRAILER) return LLMZ_OK;
    if ((rc = arc_get(a, hi - LLMZ_INDEX_TRAILER, tail, sizeof tail)) != LLMZ_OK) return rc;
    if (llmz_index_tail(tail, &isz) != LLMZ_OK || isz > hi - lo) return LLMZ_OK;
    if (!(buf = llmz_malloc((size_t)isz))) return LLMZ_ERR_NOMEM;
    if ((rc = arc_get(a, hi - isz, buf, (size_t)isz)) != LLMZ_OK) {
        llmz_free(buf);
        return rc;
    }
    int v = llmz_index_read(buf, (size_t)isz, NULL, NULL, 0, &cnt);
    if (v == LLMZ_ERR_DST_TOO_SMALL) {
        *fs = llmz_malloc((cnt + 1) * sizeof **fs);
        *os = llmz_malloc((cnt + 1) * sizeof **os);
        v = *fs && *os ? llmz_index_read(buf, (size_t)isz, *fs, *os, cnt, &cnt) : LLMZ_ERR_NOMEM;
    }
    llmz_free(buf);
    for (size_t i = 0; v == LLMZ_OK && i < cnt; i++) { /* the frames fit before the index, with no overflow */
        if ((*fs)[i] > hi - isz - lo - sum)
            v = LLMZ_ERR_CORRUPT;
        else
            sum += (*fs)[i];
    }
    if (v != LLMZ_OK) {
        llmz_free(*fs);
        llmz_free(*os);
        *fs = *os = NULL;
        return v == LLMZ_ERR_NOMEM ? v : LLMZ_OK;
    }
    *n = cnt;
    *start = hi - isz - sum;
    *ok = 1;
    return LLMZ_OK;
}

/* A part of the archive mapped by an index: its entries, from where. */
typedef struct {
    uint64_t *fs, *os, start;
    size_t n;
} arc_part;

/* Map the archive: by its indexes from the end (use_index), the rest by scanning; *found: an index was met. */
static int map(llmz_archive *a, int use_index, int *found) {
    arc_part *parts = NULL;
    size_t np = 0, cp = 0;
    uint64_t hi = a->size;
    int rc = LLMZ_OK;
    a->n = 0;
    a->total = 0;
    a->used_index = 0;
    while (use_index && hi > 0) { /* indexes from the end, each covering the frames right before it */
        arc_part p;
        int ok;
        if ((rc = index_at(a, 0, hi, &p.fs, &p.os, &p.n, &p.start, &ok)) != LLMZ_OK || !ok) break;
        if (np == cp) {
            arc_part *q = llmz_realloc(parts, (cp = cp ? 2 * cp : 4) * sizeof *q);
            if (!q) {
                llmz_free(p.fs);
                llmz_free(p.os);
                rc = LLMZ_ERR_NOMEM;
                break;
            }
            parts = q;
        }
        parts[np++] = p;
        hi = p.start;
    }
    if (rc == LLMZ_OK) rc = scan(a, 0, hi);
    for (size_t k = np; rc == LLMZ_OK && k-- > 0;) {
        uint64_t at = parts[k].start;
        for (size_t i = 0; rc == LLMZ_OK && i < parts[k].n; i++) {
            rc = arc_push(a, at, parts[k].fs[i], parts[k].os[i]);
            at += parts[k].fs[i];
        }
    }
    for (size_t k = 0; k < np; k++) {
        llmz_free(parts[k].fs);
        llmz_free(parts[k].os);
    }
    llmz_free(parts);
    a->used_index = rc == LLMZ_OK && np > 0;
    *found = np > 0;
    return rc;
}

int llmz_archive_open(llmz_archive **out, llmz_read_fn read, void *opaque, uint64_t archive_size) {
    if (!out || !read) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (archive_size == 0) return LLMZ_ERR_NOT_LLMZ;
    llmz_archive *a = llmz_calloc(1, sizeof *a);
    if (!a) return LLMZ_ERR_NOMEM;
    a->read = read;
    a->opaque = opaque;
    a->size = archive_size;
    int found, rc = map(a, 1, &found);
    if (rc != LLMZ_OK && found && rc != LLMZ_ERR_NOMEM) rc = map(a, 0, &found); /* an index that misled the scan */
    if (rc != LLMZ_OK) {
        llmz_archive_free(a);
        return rc;
    }
    *out = a;
    return LLMZ_OK;
}

void llmz_archive_free(llmz_archive *a) {
    if (!a) return;
    llmz_free(a->f);
    llmz_free(a);
}

uint64_t llmz_archive_orig_size(const llmz_archive *a) { return a ? a->total : 0; }
size_t llmz_archive_frames(const llmz_archive *a) { return a ? a->n : 0; }
int llmz_archive_used_index(const llmz_archive *a) { return a ? a->used_index : 0; }

int llmz_archive_find(const llmz_archive *a, uint64_t offset, size_t *frame) {
    if (!a || !frame || offset >= a->total) return LLMZ_ERR_PARAM;
    size_t lo = 0, hi = a->n; /* the last frame starting at or before offset, then past empty ones */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->f[mid].orig_off <= offset)
            lo = mid;
        else
            hi = mid;
    }
    while (offset - a->f[lo].orig_off >= a->f[lo].orig) lo++;
    *frame = lo;
    return LLMZ_OK;
}

/* Frame i's header, checked against the map: ARC_REMAP when an index put it there and it disagrees. */
static int frame_header_at(const llmz_archive *a, size_t i, uint8_t **buf, size_t *hlen, frame_header *h,
                           frame_chunk **chunks) {
    const arc_frame *f = &a->f[i];
    uint64_t payload;
    int rc = read_header(a, f->arc, f->arc + f->size, buf, hlen, h, chunks, &payload);
    if (rc == LLMZ_OK && (*hlen + payload != f->size || frame_out_size(h) != f->orig)) {
        llmz_free(*buf);
        llmz_free(*chunks);
        *buf = NULL;
        *chunks = NULL;
        rc = LLMZ_ERR_CORRUPT;
    }
    if (rc != LLMZ_OK && rc != LLMZ_ERR_NOMEM && a->used_index) return ARC_REMAP;
    return rc;
}

/* Map again by scanning (an index disagreed with a frame). */
static int remap(llmz_archive *a) {
    int found, rc = map(a, 0, &found);
    if (rc != LLMZ_OK) { /* the archive cannot be read: keep no map that could mislead */
        a->n = 0;
        a->total = 0;
    }
    return rc;
}

int llmz_archive_frame(llmz_archive *a, size_t i, llmz_frame_info *info, uint64_t *archive_offset,
                       uint64_t *orig_offset) {
    if (!a) return LLMZ_ERR_PARAM;
    for (;;) {
        if (i >= a->n) return LLMZ_ERR_PARAM;
        uint8_t *buf = NULL;
        size_t hlen;
        frame_header h;
        frame_chunk *chunks;
        int rc = frame_header_at(a, i, &buf, &hlen, &h, &chunks);
        if (rc == ARC_REMAP) {
            if ((rc = remap(a)) != LLMZ_OK) return rc;
            continue;
        }
        if (rc == LLMZ_OK && info) rc = llmz_frame_get_info(info, buf, hlen);
        llmz_free(buf);
        llmz_free(chunks);
        if (rc != LLMZ_OK) return rc;
        if (archive_offset) *archive_offset = a->f[i].arc;
        if (orig_offset) *orig_offset = a->f[i].orig_off;
        return LLMZ_OK;
    }
}

/* Bytes [rel, rel + n) of frame i's output (n > 0) into out: the chunks (groups) covering them, decoded; a frame
** with copies (format 8) whole, its output rebuilt from the literals. */
static int read_part(llmz_archive *a, llmz_dctx *d, size_t i, uint64_t rel, size_t n, uint8_t *out, llmz_stats *stats) {
    uint8_t *hbuf, *pay = NULL, *dec = NULL;
    size_t hlen;
    frame_header h;
    frame_chunk *chunks;
    int rc = frame_header_at(a, i, &hbuf, &hlen, &h, &chunks);
    if (rc != LLMZ_OK) return rc;
    uint64_t cs = h.chunk_size, unit = h.flags & FRAME_FLAG_GROUP ? FRAME_GROUP : 1;
    uint64_t c0 = rel / cs / unit * unit, c1 = ((rel + n + cs - 1) / cs + unit - 1) / unit * unit;
    if (h.copies) { /* every chunk: the output's bytes come from anywhere in the literals */
        c0 = 0;
        c1 = h.n_chunks;
    }
    if (c1 > h.n_chunks) c1 = h.n_chunks;
    uint64_t poff = hlen, psize = 0, first = c0 * cs, dbytes = (c1 * cs < h.orig_size ? c1 * cs : h.orig_size) - first;
    uint64_t room = h.copies ? h.out_size : dbytes; /* with copies: the literals at the end of the whole output */
    for (uint64_t c = 0; c < c1; c++) *(c < c0 ? &poff : &psize) += chunks[c].comp_size;
    rc = engine_frame_check_model(d, &h); /* before reading payloads (a dictionary frame: d needs its dictionary) */
    if (rc == LLMZ_OK && (psize > SIZE_MAX || dbytes > SIZE_MAX))
        rc = LLMZ_ERR_MEMLIMIT;
    else if (rc == LLMZ_OK && (room > SIZE_MAX || (d->memlimit && room > d->memlimit))) /* (before allocating it) */
        rc = LLMZ_ERR_MEMLIMIT;
    else if (rc == LLMZ_OK && (!(pay = llmz_malloc(psize ? (size_t)psize : 1)) || !(dec = llmz_malloc((size_t)room))))
        rc = LLMZ_ERR_NOMEM;
    if (rc == LLMZ_OK) rc = arc_get(a, a->f[i].arc + poff, pay, (size_t)psize);
    llmz_stats st;
    if (rc == LLMZ_OK)
        rc = engine_decode_chunks(d, &h, chunks, (uint32_t)c0, (uint32_t)c1, pay, (size_t)psize,
                                  dec + (size_t)(room - dbytes), &st);
    if (rc == LLMZ_OK && h.copies) {
        copies_expand(dec, h.out_size, h.orig_size, frame_copies_at(&h, hbuf), (size_t)h.copies_len);
        st.out_bytes = h.out_size;
    }
    if (rc == LLMZ_OK) {
        memcpy(out, dec + (rel - first), n);
        st.in_bytes += hlen;
        if (stats) engine_add_stats(stats, &st);
    }
    llmz_free(dec);
    llmz_free(pay);
    llmz_free(chunks);
    llmz_free(hbuf);
    return rc;
}

int llmz_archive_read(llmz_archive *a, llmz_dctx *d, uint64_t offset, void *dst, size_t len, size_t *got,
                      llmz_stats *stats) {
    if (!a || !d || !got || (!dst && len)) return LLMZ_ERR_PARAM;
    *got = 0;
    if (stats) memset(stats, 0, sizeof *stats);
    if (offset > a->total) return LLMZ_ERR_PARAM;
    uint64_t end = offset + (len < a->total - offset ? len : a->total - offset), pos = offset;
    while (pos < end) {
        size_t i;
        int rc = llmz_archive_find(a, pos, &i);
        if (rc != LLMZ_OK) return LLMZ_ERR_CORRUPT; /* a remap shrank the output */
        uint64_t fend = a->f[i].orig_off + a->f[i].orig, stop = end < fend ? end : fend;
        rc = read_part(a, d, i, pos - a->f[i].orig_off, (size_t)(stop - pos), (uint8_t *)dst + (pos - offset), stats);
        if (rc == ARC_REMAP) { /* the index lied about frame i: the same bytes again from a scanned map */
            if ((rc = remap(a)) != LLMZ_OK) return rc;
            if (offset > a->total) return LLMZ_ERR_PARAM;
            end = offset + (len < a->total - offset ? len : a->total - offset);
            pos = offset;
            *got = 0;
            if (stats) memset(stats, 0, sizeof *stats);
            continue;
        }
        if (rc != LLMZ_OK) return rc;
        pos = stop;
        *got = (size_t)(pos - offset);
    }
    return LLMZ_OK;
}
