/*
** frame.c -- frame header and chunk table: writing, parsing, validation (docs/format.md).
** Versions 1-3 have the fixed layout; version 4 the compact one ("Format version 4 (compact header)"), whose
** header and chunk table are walked to find each field (v4_walk, v4_entries) before any value is judged.
** Every field is validated before the caller allocates anything from it.
*/
#include "format/frame.h"

#include <string.h>

#include "common/hash.h"
#include "format/cert.h"
#include "format/copies.h"
#include "format/varint.h"

static void put16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

static const uint8_t MAGIC[4] = {FRAME_MAGIC0, 'L', 'M', 'Z'};

/* ---- the walk over a format-4 header: where each field lies, nothing judged but the extents -------------- */

typedef struct {
    const uint8_t *src;
    size_t avail, pos;
    size_t need; /* with LLMZ_ERR_TRUNCATED: bytes to supply */
} cursor;

/* Step over n bytes; LLMZ_ERR_TRUNCATED when they are not all there. */
static int cur_skip(cursor *c, size_t n) {
    if (c->avail < c->pos || c->avail - c->pos < n) {
        c->need = c->pos + n;
        return LLMZ_ERR_TRUNCATED;
    }
    c->pos += n;
    return LLMZ_OK;
}

/* Step over one varint, its length into *len: LLMZ_ERR_CORRUPT when longer than max bytes. */
static int cur_varint(cursor *c, size_t *len, size_t max) {
    for (size_t i = 0; i < max; i++) {
        if (c->pos + i >= c->avail) {
            c->need = c->pos + i + 1;
            return LLMZ_ERR_TRUNCATED;
        }
        if (!(c->src[c->pos + i] & 0x80)) {
            *len = i + 1;
            c->pos += i + 1;
            return LLMZ_OK;
        }
    }
    return LLMZ_ERR_CORRUPT;
}

/* Step over a name: its length byte, then that many bytes. */
static int cur_name(cursor *c) {
    size_t at = c->pos;
    int rc = cur_skip(c, 1);
    return rc != LLMZ_OK ? rc : cur_skip(c, c->src[at]);
}

/* Fingerprint bytes for a form code, and back. */
static uint8_t fp_bytes(uint8_t form) { return (uint8_t)(8 * ((form & FRAME_FORM_FP) + 1)); }
static uint8_t fp_code(uint8_t len) { return (uint8_t)(len / 8 - 1); }
/* A dictionary frame's (form bit 6): 4, 8, 12 or 16 bytes of the dictionary's fingerprint. */
static uint8_t dfp_bytes(uint8_t form) { return (uint8_t)(4 * ((form & FRAME_FORM_FP) + 1)); }
static uint8_t dfp_code(uint8_t len) { return (uint8_t)(len / 4 - 1); }

/* Where the fields of a format-4 header lie. */
typedef struct {
    size_t at[6], len[6];  /* varints: chunk size, original size, window, keep, output size and list length (copies) */
    size_t name, ext, cert, crc; /* offsets of the model name length byte, the adapter form byte, the certificate's
                                  ** length byte, the header CRC */
} v4_map;
enum { V4_CHUNK, V4_ORIG, V4_WINDOW, V4_KEEP, V4_OUT, V4_CLEN };

/* Form bit 7 in a frame of format 8 or later: copies. */
static int has_copies(const uint8_t *src) { return src[4] >= FRAME_V8 && (src[6] & FRAME_FORM_COPIES); }

/* Locate the varint number i of the map. */
static int map_varint(cursor *c, v4_map *m, int i) {
    m->at[i] = c->pos;
    return cur_varint(c, &m->len[i], VARINT_MAX);
}

/* Walk a format-4 header up to and including its CRC (src[4] is 4, at least FRAME_V4_FIXED bytes are there). */
static int v4_walk(cursor *c, v4_map *m) {
    uint8_t form = c->src[6];
    int rc;
    c->pos = FRAME_V4_FIXED;
    if ((rc = cur_skip(c, (form & FRAME_FORM_DICT) ? dfp_bytes(form) : fp_bytes(form))) != LLMZ_OK) return rc;
    m->name = c->pos;
    if ((form & FRAME_FORM_NAME) && (rc = cur_name(c)) != LLMZ_OK) return rc;
    if ((rc = map_varint(c, m, V4_CHUNK)) != LLMZ_OK || (rc = map_varint(c, m, V4_ORIG)) != LLMZ_OK) return rc;
    if ((form & FRAME_FORM_WINDOW) &&
        ((rc = map_varint(c, m, V4_WINDOW)) != LLMZ_OK || (rc = map_varint(c, m, V4_KEEP)) != LLMZ_OK))
        return rc;
    if (has_copies(c->src) &&
        ((rc = map_varint(c, m, V4_OUT)) != LLMZ_OK || (rc = map_varint(c, m, V4_CLEN)) != LLMZ_OK))
        return rc;
    m->ext = c->pos;
    if (c->src[5] & FRAME_FLAG_ADAPTER) {
        if ((rc = cur_skip(c, 1)) != LLMZ_OK) return rc;
        uint8_t aform = c->src[m->ext];
        if ((rc = cur_skip(c, fp_bytes(aform))) != LLMZ_OK) return rc;
        if ((aform & FRAME_FORM_NAME) && (rc = cur_name(c)) != LLMZ_OK) return rc;
    }
    m->cert = c->pos; /* a lossy frame's certificate: a length byte and the bytes, as a name */
    if (((form >> FRAME_FORM_MODE_SHIFT) & 3) == FRAME_MODE_LOSSY && (rc = cur_name(c)) != LLMZ_OK) return rc;
    m->crc = c->pos; /* the header CRC, but in a one-chunk dictionary frame (parse_v4 skips it) */
    return LLMZ_OK;
}

/* ---- lengths ------------------------------------------------------------------------------------------ */

size_t frame_adapter_len(const frame_header *h) {
    if (!(h->flags & FRAME_FLAG_ADAPTER)) return 0;
    if (h->version < FRAME_V4) return FRAME_ADAPTER_FIXED + (size_t)h->aname_len + 4;
    return 1 + (size_t)h->afp_len + (h->has_aname ? 1 + (size_t)h->aname_len : 0);
}

int frame_dict_one(const frame_header *h) { return h->version >= FRAME_V4 && h->dict && h->n_chunks == 1; }

/* The chunk-size field: a dictionary frame of at most one chunk writes 0 (one chunk of the original size). */
static uint32_t chunk_field(const frame_header *h) {
    return h->version >= FRAME_V4 && h->dict && h->orig_size <= h->chunk_size ? 0 : h->chunk_size;
}

/* Bytes before the chunk table: the header with its adapter extension (and its CRC, but in frame_dict_one's). */
static size_t table_off(const frame_header *h) {
    if (h->version < FRAME_V4) return FRAME_FIXED_LEN + h->name_len + FRAME_TAIL_LEN + frame_adapter_len(h);
    size_t n = FRAME_V4_FIXED + (h->dict ? h->dfp_len : h->fp_len) + (h->has_name ? 1 + (size_t)h->name_len : 0);
    n += varint_len(chunk_field(h)) + varint_len(h->orig_size);
    if (!h->win_default) n += varint_len(h->window) + varint_len(h->keep);
    if (h->copies) n += varint_len(h->out_size) + varint_len(h->copies_len);
    if (h->mode == FRAME_MODE_LOSSY) n += 1 + (size_t)h->cert_len;
    return n + frame_adapter_len(h) + (frame_dict_one(h) ? 0 : 4);
}

size_t frame_table_len(const frame_header *h, const frame_chunk *chunks) {
    if (h->version < FRAME_V4) return (size_t)h->n_chunks * FRAME_CHUNK_ENTRY;
    if (!chunks) return (size_t)h->n_chunks * FRAME_V4_ENTRY_MIN;
    size_t n = 0;
    for (uint32_t i = 0; i < h->n_chunks; i++) n += varint_len(chunks[i].comp_size) + 5;
    return n;
}

/* The table CRC's bytes: format 4 has none for an empty table. */
static size_t table_crc_len(const frame_header *h) {
    return h->version >= FRAME_V4 && (h->n_chunks == 0 || (h->dict && h->n_chunks == 1)) ? 0 : 4;
}

/* Bytes of the list of copies with its CRC after the table (format 8, form bit 7). */
static size_t copies_part(const frame_header *h) { return h->copies ? (size_t)h->copies_len + 4 : 0; }

size_t frame_header_len(const frame_header *h) {
    return table_off(h) + h->table_len + table_crc_len(h) + copies_part(h);
}

const uint8_t *frame_copies_at(const frame_header *h, const uint8_t *src) {
    return src + table_off(h) + h->table_len + table_crc_len(h);
}

uint32_t frame_chunk_orig(const frame_header *h, uint32_t i) {
    uint64_t start = (uint64_t)i * h->chunk_size;
    uint64_t left = h->orig_size - start;
    return left < h->chunk_size ? (uint32_t)left : h->chunk_size;
}

/* ---- writing ------------------------------------------------------------------------------------------ */

/* Versions 1-3: the fixed layout and the adapter extension after the header CRC; returns the table's start. */
static uint8_t *write_head_v1(uint8_t *dst, const frame_header *h) {
    uint8_t *p = dst;
    memcpy(p, MAGIC, 4);
    p[4] = h->version;
    p[5] = h->flags;
    p[6] = h->mode;
    p[7] = h->numerics;
    memcpy(p + 8, h->model_fp, 32);
    p[40] = h->name_len;
    memcpy(p + 41, h->name, h->name_len);
    p += 41 + h->name_len;
    put32(p, h->chunk_size);
    put16(p + 4, h->window);
    put16(p + 6, h->keep);
    put64(p + 8, h->orig_size);
    put32(p + 16, h->n_chunks);
    put32(p + 20, crc32_update(0, dst, (size_t)(p + 20 - dst)));
    p += 24;
    if (h->flags & FRAME_FLAG_ADAPTER) {
        uint8_t *e = p;
        memcpy(p, h->adapter_fp, 32);
        p[32] = h->aname_len;
        memcpy(p + 33, h->aname, h->aname_len);
        p += 33 + h->aname_len;
        put32(p, crc32_update(0, e, (size_t)(p - e)));
        p += 4;
    }
    return p;
}

/* A name with its length byte. */
static uint8_t *put_name(uint8_t *p, const char *name, uint8_t len) {
    *p++ = len;
    memcpy(p, name, len);
    return p + len;
}

/* Version 4: the compact header, the adapter extension inside it, then its CRC; returns the table's start. */
static uint8_t *write_head_v4(uint8_t *dst, const frame_header *h) {
    uint8_t *p = dst;
    memcpy(p, MAGIC, 4);
    p[4] = h->version;
    p[5] = h->flags;
    uint8_t fl = h->dict ? h->dfp_len : h->fp_len; /* a dictionary frame names the dictionary, not the model */
    p[6] = (uint8_t)((h->dict ? dfp_code(fl) : fp_code(fl)) | (h->has_name ? FRAME_FORM_NAME : 0) |
                     (h->win_default ? 0 : FRAME_FORM_WINDOW) | h->mode << FRAME_FORM_MODE_SHIFT |
                     (h->dict ? FRAME_FORM_DICT : 0) | (h->copies ? FRAME_FORM_COPIES : 0));
    p[7] = h->numerics;
    memcpy(p + 8, h->dict ? h->dict_fp : h->model_fp, fl);
    p += 8 + fl;
    if (h->has_name) p = put_name(p, h->name, h->name_len);
    p = put_varint(p, chunk_field(h));
    p = put_varint(p, h->orig_size);
    if (!h->win_default) p = put_varint(put_varint(p, h->window), h->keep);
    if (h->copies) p = put_varint(put_varint(p, h->out_size), h->copies_len);
    if (h->flags & FRAME_FLAG_ADAPTER) {
        *p++ = (uint8_t)(fp_code(h->afp_len) | (h->has_aname ? FRAME_FORM_NAME : 0));
        memcpy(p, h->adapter_fp, h->afp_len);
        p += h->afp_len;
        if (h->has_aname) p = put_name(p, h->aname, h->aname_len);
    }
    if (h->mode == FRAME_MODE_LOSSY) p = put_name(p, (const char *)h->cert, h->cert_len);
    if (frame_dict_one(h)) return p; /* no header CRC: the chunk's CRC covers these bytes */
    put32(p, crc32_update(0, dst, (size_t)(p - dst)));
    return p + 4;
}

uint32_t frame_head_crc(const frame_header *h) {
    uint8_t b[FRAME_V4_FIXED + 32 + 256 + 6 * VARINT_MAX + 1 + 32 + 256 + 1 + FRAME_CERT_MAX + 4];
    return crc32_update(0, b, (size_t)(write_head_v4(b, h) - b));
}

size_t frame_write_header(uint8_t *dst, size_t cap, const frame_header *h, const frame_chunk *chunks) {
    size_t len = frame_header_len(h);
    if (cap < len) return 0;
    uint8_t *p = h->version < FRAME_V4 ? write_head_v1(dst, h) : write_head_v4(dst, h);
    uint8_t *t = p;
    for (uint32_t i = 0; i < h->n_chunks; i++) {
        if (h->version < FRAME_V4) {
            put32(p, chunks[i].comp_size);
            p += 4;
        } else {
            p = put_varint(p, chunks[i].comp_size);
        }
        p[0] = chunks[i].method;
        put32(p + 1, chunks[i].crc);
        p += 5;
    }
    if (table_crc_len(h)) put32(p, crc32_update(0, t, (size_t)(p - t)));
    if (h->copies) {
        p += table_crc_len(h);
        memcpy(p, h->copy_list, (size_t)h->copies_len);
        put32(p + h->copies_len, crc32_update(0, p, (size_t)h->copies_len));
    }
    return len;
}

/* ---- parsing ------------------------------------------------------------------------------------------ */

/* The checks every version makes once the header is known intact: flags, mode, numerics. */
static int check_kind(const frame_header *h) {
    if (h->flags & ~FRAME_FLAGS_KNOWN) return LLMZ_ERR_UNSUPPORTED;
    if (h->mode != FRAME_MODE_LOSSLESS && !(h->mode == FRAME_MODE_LOSSY && h->version >= FRAME_V4))
        return LLMZ_ERR_UNSUPPORTED;
    if ((h->flags & FRAME_FLAGS_NEED_NGRAM) && !(h->flags & FRAME_FLAG_NGRAM)) return LLMZ_ERR_CORRUPT;
    if (h->numerics < LLMZ_NUMERICS_OLDEST || h->numerics > LLMZ_NUMERICS_NEWEST) return LLMZ_ERR_VERSION;
    return LLMZ_OK;
}

/* Copy a name of len bytes (NUL-terminated into out): LLMZ_ERR_CORRUPT if it holds a NUL byte. */
static int take_name(char *out, const uint8_t *src, uint8_t len) {
    memcpy(out, src, len);
    out[len] = 0;
    return memchr(src, 0, len) ? LLMZ_ERR_CORRUPT : LLMZ_OK;
}

/* The sizes every version checks: chunk size, window and keep (unless the model's defaults), original size,
** chunk count (the count given, or for format 4 the one the sizes imply, which must fit in 32 bits). */
static int check_sizes(frame_header *h, uint64_t count) {
    if (h->chunk_size == 0 || h->chunk_size > LLMZ_MAX_CHUNK) return LLMZ_ERR_CORRUPT;
    if (!h->win_default && (h->window < 2 || h->keep >= h->window)) return LLMZ_ERR_CORRUPT;
    if (h->orig_size > (1ull << 62)) return LLMZ_ERR_CORRUPT;
    uint64_t nc = (h->orig_size + h->chunk_size - 1) / h->chunk_size;
    if (nc != count || nc > 0xffffffffu) return LLMZ_ERR_CORRUPT;
    h->n_chunks = (uint32_t)nc;
    return LLMZ_OK;
}

/* Versions 1-3 (src[4] judged, at least FRAME_FIXED_LEN bytes there). */
static int parse_v1(frame_header *h, const uint8_t *src, size_t avail, size_t *need) {
    size_t want;
    int rc;
    h->flags = src[5];
    h->mode = src[6];
    h->numerics = src[7];
    memcpy(h->model_fp, src + 8, 32);
    h->fp_len = 32;
    h->has_name = 1;
    h->name_len = src[40];
    want = FRAME_FIXED_LEN + h->name_len + FRAME_TAIL_LEN;
    if (avail < want) {
        *need = want;
        return LLMZ_ERR_TRUNCATED;
    }
    const uint8_t *p = src + 41 + h->name_len;
    if (crc32_update(0, src, (size_t)(p + 20 - src)) != get32(p + 20)) return LLMZ_ERR_CHECKSUM;
    /* only now, with the header known intact, judge versions and values */
    if ((rc = check_kind(h)) != LLMZ_OK || (rc = take_name(h->name, src + 41, h->name_len)) != LLMZ_OK) return rc;
    h->chunk_size = get32(p);
    h->window = (uint16_t)get16(p + 4);
    h->keep = (uint16_t)get16(p + 6);
    h->orig_size = get64(p + 8);
    if ((rc = check_sizes(h, get32(p + 16))) != LLMZ_OK) return rc;
    if (h->flags & FRAME_FLAG_ADAPTER) { /* the extension: checked by its own CRC */
        const uint8_t *e = p + 24;
        want += FRAME_ADAPTER_FIXED;
        if (avail < want) {
            *need = want;
            return LLMZ_ERR_TRUNCATED;
        }
        h->aname_len = e[32];
        want += (size_t)h->aname_len + 4;
        if (avail < want) {
            *need = want;
            return LLMZ_ERR_TRUNCATED;
        }
        if (crc32_update(0, e, FRAME_ADAPTER_FIXED + (size_t)h->aname_len) != get32(e + 33 + h->aname_len))
            return LLMZ_ERR_CHECKSUM;
        memcpy(h->adapter_fp, e, 32);
        h->afp_len = 32;
        h->has_aname = 1;
        if ((rc = take_name(h->aname, e + 33, h->aname_len)) != LLMZ_OK) return rc;
    }
    h->table_len = frame_table_len(h, NULL);
    return LLMZ_OK;
}

/* Version 4's values, once its header CRC matched (m: where the walk found them). */
static int v4_values(frame_header *h, const uint8_t *src, const v4_map *m) {
    uint8_t form = src[6];
    uint64_t v[6] = {0, 0, 0, 0, 0, 0};
    int rc;
    if (form & ~(FRAME_FORM_KNOWN | (h->version >= FRAME_V8 ? FRAME_FORM_COPIES : 0))) return LLMZ_ERR_UNSUPPORTED;
    if ((rc = check_kind(h)) != LLMZ_OK) return rc;
    if (h->has_name && (rc = take_name(h->name, src + m->name + 1, h->name_len)) != LLMZ_OK) return rc;
    for (int i = 0; i < 6; i++)
        if ((i < 2 || (i < 4 && !h->win_default) || (i >= 4 && has_copies(src))) &&
            (rc = get_varint(src + m->at[i], m->len[i], &v[i])) != LLMZ_OK)
            return rc;
    /* copies: a lossless frame that is not a dictionary frame, and a list no longer than the output (each entry
    ** adds a byte at least; copies_check judges the entries with the table) */
    if (has_copies(src)) {
        if ((form & FRAME_FORM_DICT) || h->mode) return LLMZ_ERR_CORRUPT;
        if (v[V4_OUT] > (1ull << 62) || v[V4_OUT] <= v[V4_ORIG] || v[V4_CLEN] < 3 || v[V4_CLEN] > v[V4_OUT])
            return LLMZ_ERR_CORRUPT;
        h->copies = 1;
        h->out_size = v[V4_OUT];
        h->copies_len = v[V4_CLEN];
    }
    /* a dictionary frame: no model name, no chunk groups, lossless (docs/format.md, "Dictionary frames") */
    if ((form & FRAME_FORM_DICT) && ((form & FRAME_FORM_NAME) || (h->flags & FRAME_FLAG_GROUP) || h->mode))
        return LLMZ_ERR_CORRUPT;
    /* a dictionary frame of at most one chunk writes chunk size 0 (one chunk of the original size), and only it */
    if ((form & FRAME_FORM_DICT) && v[V4_CHUNK] != 0 && v[V4_ORIG] <= v[V4_CHUNK]) return LLMZ_ERR_CORRUPT;
    if ((form & FRAME_FORM_DICT) && v[V4_CHUNK] == 0) v[V4_CHUNK] = v[V4_ORIG] ? v[V4_ORIG] : 1; /* one chunk */
    if (v[V4_CHUNK] > LLMZ_MAX_CHUNK || v[V4_WINDOW] > 0xffff || v[V4_KEEP] > 0xffff) return LLMZ_ERR_CORRUPT;
    h->chunk_size = (uint32_t)v[V4_CHUNK];
    h->orig_size = v[V4_ORIG];
    h->window = (uint16_t)v[V4_WINDOW];
    h->keep = (uint16_t)v[V4_KEEP];
    uint64_t count = h->chunk_size ? (h->orig_size + h->chunk_size - 1) / h->chunk_size : 0;
    if ((rc = check_sizes(h, count)) != LLMZ_OK) return rc;
    if (h->flags & FRAME_FLAG_ADAPTER) {
        const uint8_t *e = src + m->ext;
        if (e[0] & ~FRAME_AFORM_KNOWN) return LLMZ_ERR_UNSUPPORTED;
        h->afp_len = fp_bytes(e[0]);
        memcpy(h->adapter_fp, e + 1, h->afp_len);
        h->has_aname = (e[0] & FRAME_FORM_NAME) != 0;
        h->aname_len = h->has_aname ? e[1 + h->afp_len] : 0;
        if (h->has_aname && (rc = take_name(h->aname, e + 2 + h->afp_len, h->aname_len)) != LLMZ_OK) return rc;
    }
    if (h->mode == FRAME_MODE_LOSSY) { /* the certificate: well formed, and about this frame's output */
        llmz_certificate cert;
        h->cert_len = src[m->cert];
        memcpy(h->cert, src + m->cert + 1, h->cert_len);
        if ((rc = cert_decode(&cert, h->cert, h->cert_len)) != LLMZ_OK) return rc;
        if (cert.recon_size != h->orig_size) return LLMZ_ERR_CORRUPT;
    }
    return LLMZ_OK;
}

/* Version 4's chunk entries after the header (at c->pos): their extent into h->table_len.  A missing byte asks
** for at least the least the remaining entries and the table CRC can take. */
static int v4_entries(frame_header *h, cursor *c) {
    size_t start = c->pos, len;
    int rc = LLMZ_OK;
    for (uint32_t i = 0; i < h->n_chunks && rc == LLMZ_OK; i++) {
        uint64_t least = (uint64_t)c->pos + (uint64_t)(h->n_chunks - i) * FRAME_V4_ENTRY_MIN + table_crc_len(h);
        rc = cur_varint(c, &len, 5); /* a u32 */
        if (rc == LLMZ_OK) rc = cur_skip(c, 5);
        if (rc == LLMZ_ERR_TRUNCATED && c->need < least) c->need = least > SIZE_MAX ? SIZE_MAX : (size_t)least;
    }
    if (rc == LLMZ_OK && table_crc_len(h) && (rc = cur_skip(c, 4)) == LLMZ_OK) c->pos -= 4;
    h->table_len = c->pos - start;
    return rc;
}

/* A dictionary frame's sizes, before any check: *one = 1 when they make one chunk (no header CRC then; the values
** are judged with the others, and the chunk's CRC, which covers the header, judges every byte). */
static int dict_one(const uint8_t *src, const v4_map *m, int *one) {
    uint64_t cs, os;
    int rc = get_varint(src + m->at[V4_CHUNK], m->len[V4_CHUNK], &cs);
    if (rc == LLMZ_OK) rc = get_varint(src + m->at[V4_ORIG], m->len[V4_ORIG], &os);
    if (rc != LLMZ_OK) return rc;
    *one = os > 0 && (cs == 0 || os <= cs);
    return LLMZ_OK;
}

/* Version 4 (src[4] judged, at least FRAME_V4_FIXED bytes there). */
static int parse_v4(frame_header *h, const uint8_t *src, size_t avail, size_t *need) {
    cursor c = {src, avail, 0, 0};
    v4_map m;
    uint8_t form = src[6];
    int rc = v4_walk(&c, &m), one = 0;
    if (rc == LLMZ_OK && (form & FRAME_FORM_DICT)) rc = dict_one(src, &m, &one); /* one: no header CRC */
    if (rc == LLMZ_OK && !one && (rc = cur_skip(&c, 4)) == LLMZ_OK && crc32_update(0, src, m.crc) != get32(src + m.crc))
        rc = LLMZ_ERR_CHECKSUM;
    if (rc == LLMZ_ERR_TRUNCATED) *need = c.need;
    if (rc != LLMZ_OK) return rc;
    h->crc_seed = one ? crc32_update(0, src, m.crc) : 0;
    h->flags = src[5];
    h->mode = (uint8_t)((form >> FRAME_FORM_MODE_SHIFT) & 3);
    h->numerics = src[7];
    h->fp_len = (form & FRAME_FORM_DICT) ? dfp_bytes(form) : fp_bytes(form);
    memcpy(h->model_fp, src + FRAME_V4_FIXED, h->fp_len);
    if (form & FRAME_FORM_DICT) { /* the fingerprint is the dictionary's; the dictionary names the model */
        h->dict = 1;
        h->dfp_len = h->fp_len;
        memcpy(h->dict_fp, h->model_fp, h->fp_len);
        memset(h->model_fp, 0, sizeof h->model_fp);
        h->fp_len = 0;
    }
    h->has_name = (form & FRAME_FORM_NAME) != 0;
    h->name_len = h->has_name ? src[m.name] : 0;
    h->win_default = !(form & FRAME_FORM_WINDOW);
    if ((rc = v4_values(h, src, &m)) != LLMZ_OK) return rc;
    rc = v4_entries(h, &c);
    if (rc == LLMZ_OK && h->copies) { /* the list and its CRC after the table CRC */
        c.pos += table_crc_len(h);
        rc = cur_skip(&c, (size_t)h->copies_len + 4);
    }
    if (rc == LLMZ_ERR_TRUNCATED) *need = c.need;
    return rc;
}

int frame_parse_header(frame_header *h, const uint8_t *src, size_t avail, size_t *need) {
    if (avail < 4) {
        *need = 5;
        /* a prefix that is already not the magic fails now */
        for (size_t i = 0; i < avail; i++)
            if (src[i] != MAGIC[i]) return LLMZ_ERR_NOT_LLMZ;
        return LLMZ_ERR_TRUNCATED;
    }
    if (memcmp(src, MAGIC, 4) != 0) return LLMZ_ERR_NOT_LLMZ;
    if (avail < 5) {
        *need = 5;
        return LLMZ_ERR_TRUNCATED;
    }
    /* a future format version may lay out its header differently: judge the version first */
    if (src[4] < LLMZ_FORMAT_OLDEST || src[4] > LLMZ_FORMAT_VERSION) return LLMZ_ERR_VERSION;
    size_t want = src[4] < FRAME_V4 ? FRAME_FIXED_LEN : FRAME_V4_FIXED;
    if (avail < want) {
        *need = want;
        return LLMZ_ERR_TRUNCATED;
    }
    memset(h, 0, sizeof *h);
    h->version = src[4];
    int rc = h->version < FRAME_V4 ? parse_v1(h, src, avail, need) : parse_v4(h, src, avail, need);
    if (rc == LLMZ_OK) *need = frame_header_len(h);
    return rc;
}

/* Version 4's entry i at t: its size, method and CRC; *len its bytes.  LLMZ_ERR_CORRUPT for a size that is not
** a minimal varint or does not fit in 32 bits. */
static int v4_entry(frame_chunk *c, const uint8_t *t, size_t *len) {
    size_t n = 1;
    uint64_t v;
    while (t[n - 1] & 0x80) n++; /* the walk bounded it */
    if (get_varint(t, n, &v) != LLMZ_OK || v > 0xffffffffu) return LLMZ_ERR_CORRUPT;
    c->comp_size = (uint32_t)v;
    c->method = t[n];
    c->crc = get32(t + n + 1);
    *len = n + 5;
    return LLMZ_OK;
}

int frame_parse_table(frame_chunk *chunks, const frame_header *h, const uint8_t *src, size_t avail,
                      uint64_t *payload) {
    size_t off = table_off(h), len = frame_header_len(h);
    if (avail < len) return LLMZ_ERR_TRUNCATED;
    const uint8_t *t = src + off;
    size_t tlen = h->table_len;
    if (table_crc_len(h) && crc32_update(0, t, tlen) != get32(t + tlen)) return LLMZ_ERR_CHECKSUM;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < h->n_chunks; i++) {
        frame_chunk *c = &chunks[i];
        size_t elen = FRAME_CHUNK_ENTRY;
        if (h->version >= FRAME_V4) {
            if (v4_entry(c, t, &elen) != LLMZ_OK) return LLMZ_ERR_CORRUPT;
        } else {
            c->comp_size = get32(t);
            c->method = t[4];
            c->crc = get32(t + 5);
        }
        t += elen;
        uint32_t orig = frame_chunk_orig(h, i);
        if (c->method == FRAME_METHOD_RAW) {
            if (c->comp_size != orig) return LLMZ_ERR_CORRUPT;
        } else if (c->method == FRAME_METHOD_MODEL ||
                   (c->method == FRAME_METHOD_MODEL_CRLF && (h->flags & FRAME_FLAG_EOL)) ||
                   ((c->method == FRAME_METHOD_BYTES || c->method == FRAME_METHOD_MIXED) && h->version >= 4 &&
                    !h->dict) ||
                   (c->method == FRAME_METHOD_BYTES_X86 && h->version >= FRAME_V6 && !h->dict)) {
            if (c->comp_size < 8 || c->comp_size > orig) return LLMZ_ERR_CORRUPT;
        } else {
            return LLMZ_ERR_CORRUPT;
        }
        sum += c->comp_size;
    }
    if (h->copies) { /* the list: intact, and turning the literals into the output */
        const uint8_t *l = frame_copies_at(h, src);
        if (crc32_update(0, l, (size_t)h->copies_len) != get32(l + h->copies_len)) return LLMZ_ERR_CHECKSUM;
        if (copies_check(l, (size_t)h->copies_len, h->orig_size, h->out_size) != LLMZ_OK) return LLMZ_ERR_CORRUPT;
    }
    *payload = sum;
    return LLMZ_OK;
}
