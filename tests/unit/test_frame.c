/* test_frame.c -- format version 4's compact header (docs/format.md, "Format version 4"): every field's extremes
** written and read back, each validation error with its code, truncation at every byte, and fingerprint prefixes
** (llmz_frame_model_is, the built-in prefix loaders, a prefix that names two models).
** Cases: roundtrip errors truncation prefix (`build/tests/test_frame prefix`). */
#include <stdint.h>

#include "common/hash.h"
#include "format/frame.h"
#include "llmz.h"
#include "model/model.h"
#include "t.h"

/* ---- a byte builder for hand-made headers ------------------------------------------------------------ */
typedef struct {
    uint8_t b[8192];
    size_t n;
} buf;

static void put(buf *x, const void *p, size_t n) {
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void byte(buf *x, uint8_t v) { x->b[x->n++] = v; }
static void var(buf *x, uint64_t v) {
    for (; v >= 0x80; v >>= 7) byte(x, (uint8_t)(v | 0x80));
    byte(x, (uint8_t)v);
}
static void put32(buf *x, uint32_t v) {
    for (int i = 0; i < 4; i++) byte(x, (uint8_t)(v >> (8 * i)));
}
/* the CRC-32 of bytes [from, n) appended */
static void crc(buf *x, size_t from) { put32(x, crc32_update(0, x->b + from, x->n - from)); }

/* A format-4 header as docs/format.md lays it out; fields are written as given, valid or not. */
typedef struct {
    uint8_t flags, form, numerics;
    const char *name; /* written when form has bit 2 */
    uint64_t chunk, orig;
    uint64_t window, keep; /* written when form has bit 3 */
    uint8_t aform;         /* with flag bit 3 */
    const char *aname;     /* written when aform has bit 2 */
    uint8_t version;       /* the format version (0: 4); 5 to 7 have version 4's layout */
} hspec;

static const uint8_t FP[32] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
                               0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5,
                               0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};
static const uint8_t AFP[32] = {0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
                                0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5,
                                0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf};

/* The header through its CRC into x (from empty). */
static void head(buf *x, const hspec *s) {
    static const uint8_t magic[4] = {0x89, 'L', 'M', 'Z'};
    x->n = 0;
    put(x, magic, 4);
    byte(x, s->version ? s->version : 4);
    byte(x, s->flags);
    byte(x, s->form);
    byte(x, s->numerics);
    put(x, FP, ((s->form & 0x40) ? 4 : 8) * (size_t)((s->form & 3) + 1)); /* a dictionary's: 4, 8, 12, 16 bytes */
    if (s->form & 4) {
        byte(x, (uint8_t)strlen(s->name));
        put(x, s->name, strlen(s->name));
    }
    var(x, s->chunk);
    var(x, s->orig);
    if (s->form & 8) {
        var(x, s->window);
        var(x, s->keep);
    }
    if (s->flags & 8) {
        byte(x, s->aform);
        put(x, AFP, 8 * (size_t)((s->aform & 3) + 1));
        if (s->aform & 4) {
            byte(x, (uint8_t)strlen(s->aname));
            put(x, s->aname, strlen(s->aname));
        }
    }
    crc(x, 0);
}

/* One chunk entry: varint size, method, CRC. */
static void entry(buf *x, uint64_t size, uint8_t method, uint32_t c) {
    var(x, size);
    byte(x, method);
    put32(x, c);
}

static const hspec BASE = {0x77, 0x00, 1, NULL, 65536, 0, 0, 0, 0, NULL, 0};

/* frame_parse_header's code for the bytes of x, and with OK the header in *h. */
static int parse(const buf *x, frame_header *h) {
    size_t need = 0;
    return frame_parse_header(h, x->b, x->n, &need);
}

/* ---- round trips: the writer's bytes read back field for field ------------------------------------------ */

/* Write h (with n chunks) and read it back: every field, the table, the lengths. */
static void round_trip(frame_header *h, const frame_chunk *chunks) {
    static uint8_t out[1 << 16];
    h->table_len = frame_table_len(h, chunks);
    size_t len = frame_header_len(h);
    CHECK(len <= sizeof out);
    if (len > sizeof out) return;
    CHECK_EQ(frame_write_header(out, len - 1, h, chunks), 0); /* too small: nothing */
    CHECK_EQ(frame_write_header(out, sizeof out, h, chunks), len);
    frame_header g;
    size_t need = 0;
    int rc = frame_parse_header(&g, out, len, &need);
    CHECK_EQ(rc, LLMZ_OK);
    if (rc) return;
    CHECK_EQ(need, len);
    CHECK_EQ(g.version, 4);
    CHECK_EQ(g.flags, h->flags);
    CHECK_EQ(g.fp_len, h->fp_len);
    CHECK(memcmp(g.model_fp, h->model_fp, h->fp_len) == 0);
    CHECK_EQ(g.has_name, h->has_name);
    CHECK_EQ(g.name_len, h->has_name ? h->name_len : 0);
    CHECK(!h->has_name || memcmp(g.name, h->name, h->name_len) == 0);
    CHECK_EQ(g.chunk_size, h->chunk_size);
    CHECK_EQ(g.orig_size, h->orig_size);
    CHECK_EQ(g.n_chunks, h->n_chunks);
    CHECK_EQ(g.win_default, h->win_default);
    CHECK_EQ(g.window, h->win_default ? 0 : h->window);
    CHECK_EQ(g.keep, h->win_default ? 0 : h->keep);
    if (h->flags & FRAME_FLAG_ADAPTER) {
        CHECK_EQ(g.afp_len, h->afp_len);
        CHECK(memcmp(g.adapter_fp, h->adapter_fp, h->afp_len) == 0);
        CHECK_EQ(g.has_aname, h->has_aname);
        CHECK(!h->has_aname || (g.aname_len == h->aname_len && memcmp(g.aname, h->aname, h->aname_len) == 0));
    }
    CHECK_EQ(g.table_len, h->table_len);
    frame_chunk back[8];
    uint64_t payload = 0, sum = 0;
    CHECK_EQ(frame_parse_table(back, &g, out, len, &payload), LLMZ_OK);
    for (uint32_t i = 0; i < h->n_chunks && i < 8; i++) {
        CHECK(back[i].comp_size == chunks[i].comp_size && back[i].method == chunks[i].method &&
              back[i].crc == chunks[i].crc);
        sum += chunks[i].comp_size;
    }
    CHECK_EQ(payload, sum);
}

static void base_header(frame_header *h) {
    memset(h, 0, sizeof *h);
    h->version = 4;
    h->flags = 0x77;
    h->numerics = 1;
    memcpy(h->model_fp, FP, 32);
    h->fp_len = 8;
    h->chunk_size = 65536;
    h->win_default = 1;
}

static void case_roundtrip(void) {
    frame_header h;
    frame_chunk ch[8];
    /* fingerprint lengths, names of 0, 1 and 255 bytes or none */
    static const uint8_t fps[4] = {8, 16, 24, 32};
    for (int f = 0; f < 4; f++)
        for (int nl = -1; nl <= 255; nl += nl < 1 ? 1 : 254) {
            base_header(&h);
            h.fp_len = fps[f];
            h.has_name = nl >= 0;
            h.name_len = (uint8_t)(nl > 0 ? nl : 0);
            memset(h.name, 'n', h.name_len);
            round_trip(&h, ch);
        }
    /* sizes: chunk 1 and 2^24, originals 0, 1 and the largest a chunk count of at most 8 allows here */
    static const uint32_t chunk[2] = {1, LLMZ_MAX_CHUNK};
    for (int c = 0; c < 2; c++)
        for (uint64_t orig = 0; orig <= 8; orig += orig < 1 ? 1 : 7) {
            base_header(&h);
            h.chunk_size = chunk[c];
            h.orig_size = c && orig ? orig * LLMZ_MAX_CHUNK - 1 : orig; /* a short last chunk */
            h.n_chunks = (uint32_t)((h.orig_size + h.chunk_size - 1) / h.chunk_size);
            for (uint32_t i = 0; i < h.n_chunks; i++) {
                ch[i].comp_size = frame_chunk_orig(&h, i);
                ch[i].method = FRAME_METHOD_RAW;
                ch[i].crc = 0xdeadbeef ^ i;
            }
            round_trip(&h, ch);
        }
    /* compressed sizes around every varint length; methods 1 and 2 */
    {
        static const uint32_t sizes[6] = {8, 127, 128, 16383, 16384, LLMZ_MAX_CHUNK};
        base_header(&h);
        h.chunk_size = LLMZ_MAX_CHUNK;
        h.orig_size = 6ull * LLMZ_MAX_CHUNK;
        h.n_chunks = 6;
        h.flags = 0xf7;
        for (int i = 0; i < 6; i++) {
            ch[i].comp_size = sizes[i];
            ch[i].method = (uint8_t)(1 + (i & 1));
            ch[i].crc = (uint32_t)i * 0x01010101u;
        }
        round_trip(&h, ch);
        CHECK_EQ(h.table_len, 1 + 1 + 2 + 2 + 3 + 4 + 6 * 5); /* varints, then method and CRC */
    }
    /* window and keep written out: the least and the most */
    {
        static const uint16_t wk[3][2] = {{2, 0}, {2, 1}, {65535, 65534}};
        for (int i = 0; i < 3; i++) {
            base_header(&h);
            h.win_default = 0;
            h.window = wk[i][0];
            h.keep = wk[i][1];
            round_trip(&h, ch);
        }
    }
    /* the adapter: fingerprints of 8 and 32 bytes, with and without a name */
    for (int f = 0; f < 4; f += 3)
        for (int named = 0; named <= 1; named++) {
            base_header(&h);
            h.flags |= FRAME_FLAG_ADAPTER;
            memcpy(h.adapter_fp, AFP, 32);
            h.afp_len = fps[f];
            h.has_aname = (uint8_t)named;
            h.aname_len = named ? 255 : 0;
            memset(h.aname, 'a', h.aname_len);
            round_trip(&h, ch);
        }
    /* the hand builder and the writer agree; the smallest frame: 24 bytes with an 8-byte fingerprint */
    {
        buf x;
        head(&x, &BASE);
        base_header(&h);
        h.table_len = 0;
        uint8_t out[64];
        CHECK_EQ(frame_write_header(out, sizeof out, &h, NULL), 24);
        CHECK(x.n == 24 && memcmp(out, x.b, 24) == 0);
    }
}

/* ---- validation: each check and its error ------------------------------------------------------------------ */

/* The header of s, parsed: its code. */
static int code_of(const hspec *s) {
    buf x;
    frame_header h;
    head(&x, s);
    return parse(&x, &h);
}

static void case_errors(void) {
    buf x;
    frame_header h;
    hspec s;
    head(&x, &BASE);
    CHECK_EQ(parse(&x, &h), LLMZ_OK);
    /* the version is judged first; the CRC before any value */
    x.b[4] = LLMZ_FORMAT_VERSION + 1;
    CHECK_EQ(parse(&x, &h), LLMZ_ERR_VERSION);
    x.b[4] = 0;
    CHECK_EQ(parse(&x, &h), LLMZ_ERR_VERSION);
    x.b[4] = 4;
    x.b[x.n - 1] ^= 1;
    CHECK_EQ(parse(&x, &h), LLMZ_ERR_CHECKSUM);
    x.b[x.n - 1] ^= 1;
    x.b[9] ^= 1; /* a fingerprint byte */
    CHECK_EQ(parse(&x, &h), LLMZ_ERR_CHECKSUM);
    /* form, flags, mode, numerics */
    s = BASE;
    s.form = 0x40; /* bit 6: a dictionary frame since 2026-12-06 (test_dict); it was reserved, UNSUPPORTED, before */
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT); /* of at most one chunk: its chunk size must be written 0 */
    s.chunk = 0;
    CHECK_EQ(code_of(&s), LLMZ_OK);
    s.chunk = 65536;
    s.form = 0x80;
    CHECK_EQ(code_of(&s), LLMZ_ERR_UNSUPPORTED);
    s.form = 0x20; /* mode 2 (mode 1, lossy, has its certificate: test_lossy) */
    CHECK_EQ(code_of(&s), LLMZ_ERR_UNSUPPORTED);
    s.form = 0x30; /* mode 3 */
    CHECK_EQ(code_of(&s), LLMZ_ERR_UNSUPPORTED);
    s = BASE;
    s.flags = 0x10; /* the line model without the n-grams */
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s = BASE;
    s.numerics = 2; /* since 2026-12-06 */
    CHECK_EQ(code_of(&s), LLMZ_OK);
    s.numerics = 3; /* since 2026-12-07 */
    CHECK_EQ(code_of(&s), LLMZ_OK);
    s.numerics = 4;
    CHECK_EQ(code_of(&s), LLMZ_ERR_VERSION);
    s.numerics = 0;
    CHECK_EQ(code_of(&s), LLMZ_ERR_VERSION);
    /* the name */
    s = BASE;
    s.form = 4;
    s.name = "";
    CHECK_EQ(code_of(&s), LLMZ_OK);
    s.name = "a\001b";
    CHECK_EQ(code_of(&s), LLMZ_OK);
    head(&x, &s);
    x.b[8 + 8 + 2] = 0; /* the name's 'b' becomes NUL */
    x.n -= 4;
    crc(&x, 0);
    CHECK_EQ(parse(&x, &h), LLMZ_ERR_CORRUPT);
    /* sizes */
    s = BASE;
    s.chunk = 0;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.chunk = LLMZ_MAX_CHUNK + 1ull;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.chunk = LLMZ_MAX_CHUNK;
    s.orig = (1ull << 62) + 1;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.chunk = 1;
    s.orig = 1ull << 32; /* 2^32 chunks: one more than a count can be */
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.orig = 0xffffffffull; /* the most chunks: the header is fine, the table then missing */
    CHECK_EQ(code_of(&s), LLMZ_ERR_TRUNCATED);
    s = BASE;
    s.form = 8;
    s.window = 2;
    s.keep = 2;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.window = 1;
    s.keep = 0;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.window = 65536;
    s.keep = 16;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    s.window = 64;
    s.keep = 65536 + 16;
    CHECK_EQ(code_of(&s), LLMZ_ERR_CORRUPT);
    /* varints: the shortest encoding only, at most 10 bytes, 64 bits */
    {
        static const uint8_t longer[3] = {0x80, 0x80, 0x00}; /* 0 in 3 bytes */
        buf y;
        head(&y, &BASE);
        y.n = 16; /* after the fingerprint: the chunk size 65536 in 4 bytes */
        static const uint8_t c4[4] = {0x80, 0x80, 0x84, 0x00};
        put(&y, c4, 4);
        byte(&y, 0);
        crc(&y, 0);
        CHECK_EQ(parse(&y, &h), LLMZ_ERR_CORRUPT);
        y.n = 16;
        var(&y, 65536);
        put(&y, longer, 3);
        crc(&y, 0);
        CHECK_EQ(parse(&y, &h), LLMZ_ERR_CORRUPT);
        y.n = 16;
        var(&y, 65536);
        for (int i = 0; i < 10; i++) byte(&y, 0x80); /* 11 bytes: found before the CRC */
        byte(&y, 0);
        crc(&y, 0);
        CHECK_EQ(parse(&y, &h), LLMZ_ERR_CORRUPT);
        y.n = 16;
        var(&y, 65536);
        for (int i = 0; i < 9; i++) byte(&y, 0x80);
        byte(&y, 0x02); /* bit 64 */
        crc(&y, 0);
        CHECK_EQ(parse(&y, &h), LLMZ_ERR_CORRUPT);
    }
    /* the adapter extension */
    s = BASE;
    s.flags = 0x7f;
    s.aform = 0x00;
    CHECK_EQ(code_of(&s), LLMZ_OK);
    s.aform = 0x08;
    CHECK_EQ(code_of(&s), LLMZ_ERR_UNSUPPORTED);
    s.aform = 0x04;
    s.aname = "x";
    CHECK_EQ(code_of(&s), LLMZ_OK);
    head(&x, &s);
    x.b[x.n - 5] = 0;
    x.n -= 4;
    crc(&x, 0);
    CHECK_EQ(parse(&x, &h), LLMZ_ERR_CORRUPT);
    /* the chunk table: one raw chunk of 1 byte */
    {
        s = BASE;
        s.orig = 1;
        frame_chunk c[2];
        uint64_t payload;
        size_t t;
        head(&x, &s);
        t = x.n;
        entry(&x, 1, 0, 7);
        crc(&x, t);
        CHECK_EQ(parse(&x, &h), LLMZ_OK);
        CHECK_EQ(frame_parse_table(c, &h, x.b, x.n, &payload), LLMZ_OK);
        CHECK_EQ(payload, 1);
        x.b[x.n - 1] ^= 1;
        CHECK_EQ(parse(&x, &h), LLMZ_OK);
        CHECK_EQ(frame_parse_table(c, &h, x.b, x.n, &payload), LLMZ_ERR_CHECKSUM);
        static const struct {
            uint64_t size;
            uint8_t method;
        } bad[4] = {{2, 0}, {1, 1}, {1, 2}, {1, 7}}; /* raw of another size, model-coded below 8, method 2 without
                                                    ** the CRLF flag, an unknown method */
        for (int i = 0; i < 4; i++) {
            s.flags = i == 2 ? 0x75 : 0x77;
            head(&x, &s);
            t = x.n;
            entry(&x, bad[i].size, bad[i].method, 7);
            crc(&x, t);
            CHECK_EQ(parse(&x, &h), LLMZ_OK);
            CHECK_EQ(frame_parse_table(c, &h, x.b, x.n, &payload), LLMZ_ERR_CORRUPT);
        }
        /* method 5 (the byte models after the x86 call filter) from format version 6 on; methods 3 and 4 in each */
        for (uint8_t v = 4; v <= 7; v++)
            for (uint8_t meth = 3; meth <= 5; meth++) {
                s.flags = 0x77;
                s.orig = 8;
                s.version = v;
                head(&x, &s);
                t = x.n;
                entry(&x, 8, meth, 7);
                crc(&x, t);
                CHECK_EQ(parse(&x, &h), LLMZ_OK);
                CHECK_EQ(frame_parse_table(c, &h, x.b, x.n, &payload), meth < 5 || v >= 6 ? LLMZ_OK : LLMZ_ERR_CORRUPT);
            }
        s.orig = 1;
        s.version = 0;
        /* a size that is not the shortest encoding; one of 2^32; one of 6 bytes (found by the walk) */
        s.flags = 0x77;
        head(&x, &s);
        t = x.n;
        byte(&x, 0x81);
        byte(&x, 0x00);
        byte(&x, 0);
        put32(&x, 7);
        crc(&x, t);
        CHECK_EQ(parse(&x, &h), LLMZ_OK);
        CHECK_EQ(frame_parse_table(c, &h, x.b, x.n, &payload), LLMZ_ERR_CORRUPT);
        head(&x, &s);
        t = x.n;
        entry(&x, 1ull << 32, 1, 7);
        crc(&x, t);
        CHECK_EQ(parse(&x, &h), LLMZ_OK);
        CHECK_EQ(frame_parse_table(c, &h, x.b, x.n, &payload), LLMZ_ERR_CORRUPT);
        head(&x, &s);
        t = x.n;
        entry(&x, 1ull << 35, 1, 7);
        crc(&x, t);
        CHECK_EQ(parse(&x, &h), LLMZ_ERR_CORRUPT);
    }
    /* no chunks: no table CRC, so a byte after the header is the next frame's */
    head(&x, &BASE);
    byte(&x, 0x89);
    {
        size_t need = 0;
        CHECK_EQ(frame_parse_header(&h, x.b, x.n, &need), LLMZ_OK);
        CHECK_EQ(need, x.n - 1);
    }
}

/* ---- truncation: every prefix asks for more, never for more than the header ------------------------------- */

static void check_prefixes(const buf *x, size_t len) {
    frame_header h;
    for (size_t k = 0; k < len; k++) {
        size_t need = 0, need2 = 0;
        int rc = frame_parse_header(&h, x->b, k, &need);
        int rc2 = llmz_frame_header_size(x->b, k, &need2);
        if (rc != LLMZ_ERR_TRUNCATED || need <= k || need > len) {
            fprintf(stderr, "prefix %zu of %zu: rc %d need %zu\n", k, len, rc, need);
            CHECK(0);
            return;
        }
        CHECK(rc2 == LLMZ_ERR_TRUNCATED && need2 == need);
    }
    size_t need = 0;
    CHECK_EQ(frame_parse_header(&h, x->b, len, &need), LLMZ_OK);
    CHECK_EQ(need, len);
}

static void case_truncation(void) {
    buf x;
    hspec s = BASE;
    head(&x, &s);
    check_prefixes(&x, x.n);
    /* a name, the window, an adapter with its name, three chunks of every size length */
    s.form = 0x0f;
    s.name = "llmz-tiny";
    s.window = 300;
    s.keep = 75;
    s.flags = 0xff;
    s.aform = 0x05;
    s.aname = "some-lora";
    s.chunk = 20000;
    s.orig = 50000;
    head(&x, &s);
    size_t t = x.n;
    entry(&x, 100, 1, 1);
    entry(&x, 20000, 0, 2);
    entry(&x, 9999, 2, 3);
    crc(&x, t);
    check_prefixes(&x, x.n);
    /* a large count: a short input asks for at least 6 bytes an entry */
    s = BASE;
    s.chunk = 1;
    s.orig = 1000000;
    head(&x, &s);
    frame_header h;
    size_t need = 0;
    CHECK_EQ(frame_parse_header(&h, x.b, x.n, &need), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(need, x.n + 6 * 1000000 + 4);
    /* versions 1-3 too: a prefix of the golden layout asks for 5, then 41 bytes */
    x.n = 0;
    static const uint8_t v1[5] = {0x89, 'L', 'M', 'Z', 1};
    put(&x, v1, 5);
    CHECK_EQ(frame_parse_header(&h, x.b, 3, &need), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(need, 5);
    CHECK_EQ(frame_parse_header(&h, x.b, 5, &need), LLMZ_ERR_TRUNCATED);
    CHECK_EQ(need, FRAME_FIXED_LEN);
}

/* ---- fingerprint prefixes --------------------------------------------------------------------------------- */

static void case_prefix(void) {
    /* the rule: one model, none, or two that differ (an error, never a guess); equal ones are one model */
    uint8_t fps[3][32];
    memset(fps, 0, sizeof fps);
    fps[0][0] = 0x11;
    fps[1][0] = 0x22;
    fps[1][8] = 0x01;
    fps[2][0] = 0x22;
    fps[2][8] = 0x02;
    const uint8_t(*cf)[32] = (const uint8_t(*)[32])fps;
    CHECK_EQ(model_prefix_pick(cf, 3, fps[0], 1), 0);
    CHECK_EQ(model_prefix_pick(cf, 3, fps[0], 32), 0);
    CHECK_EQ(model_prefix_pick(cf, 3, fps[1], 8), -2); /* 0x22 then 7 zeros: models 1 and 2 */
    CHECK_EQ(model_prefix_pick(cf, 3, fps[1], 9), 1);
    CHECK_EQ(model_prefix_pick(cf, 3, fps[2], 9), 2);
    static const uint8_t none[8] = {0x33};
    CHECK_EQ(model_prefix_pick(cf, 3, none, 8), -1);
    CHECK_EQ(model_prefix_pick(cf, 0, none, 8), -1);
    memcpy(fps[2], fps[1], 32);
    CHECK_EQ(model_prefix_pick(cf, 3, fps[1], 8), 1); /* the same model twice */

    /* the built-in models: each found by the 8 bytes format 4 writes, no two sharing them */
    llmz_model *m = NULL, *got = NULL;
    uint8_t all[8][32];
    int n = 0;
    for (; n < 8 && llmz_model_builtin(&m, n) == LLMZ_OK; n++) {
        llmz_model_fingerprint(m, all[n]);
        CHECK_EQ(model_is_builtin(m), 1);
        llmz_model_free(m);
    }
    CHECK(n >= 1);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) CHECK(memcmp(all[i], all[j], FRAME_SHORT_FP) != 0);
        CHECK_EQ(llmz_model_load_builtin_prefix(&got, all[i], FRAME_SHORT_FP), LLMZ_OK);
        uint8_t fg[32];
        if (got) llmz_model_fingerprint(got, fg);
        CHECK(got && memcmp(fg, all[i], 32) == 0);
        /* a one-byte prefix names it unless another built-in model starts with the same byte */
        int shared = 0;
        for (int j = 0; j < n; j++) shared |= j != i && all[j][0] == all[i][0];
        llmz_model_free(got);
        CHECK_EQ(llmz_model_load_builtin_prefix(&got, all[i], 1), shared ? LLMZ_ERR_MODEL_MISMATCH : LLMZ_OK);
        llmz_model_free(got);
        got = NULL;
    }
    CHECK_EQ(llmz_model_load_builtin_prefix(&got, all[0], 0), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_model_load_builtin_prefix(&got, all[0], 33), LLMZ_ERR_PARAM);
    CHECK_EQ(llmz_model_load_builtin_prefix(NULL, all[0], 8), LLMZ_ERR_PARAM);
    {
        uint8_t other[32];
        memcpy(other, all[0], 32);
        other[7] ^= 0x80;
        CHECK_EQ(llmz_model_load_builtin_prefix(&got, other, 8), LLMZ_ERR_MODEL_MISMATCH);
        CHECK(got == NULL);
    }

    /* llmz_frame_model_is: the bytes the frame holds, the adapter unless base_only */
    char path[512];
    llmz_model *tiny = NULL, *f16 = NULL, *lora = NULL;
    size_t ln = 0;
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&tiny, path), LLMZ_OK);
    snprintf(path, sizeof path, "%s/tiny-f16.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&f16, path), LLMZ_OK);
    snprintf(path, sizeof path, "%s/tiny-lora.gguf", t_data_dir());
    unsigned char *lb = t_read_file(path, &ln);
    if (!tiny || !f16 || !lb) {
        llmz_model_free(tiny);
        llmz_model_free(f16);
        free(lb);
        return;
    }
    CHECK_EQ(llmz_model_load_adapter(&lora, tiny, lb, ln), LLMZ_OK);
    CHECK_EQ(model_is_builtin(tiny), 0); /* from a file: named in full by format 4 */
    CHECK_EQ(model_adapter_is_builtin(lora), 0);
    llmz_frame_info fi;
    memset(&fi, 0, sizeof fi);
    llmz_model_fingerprint(tiny, fi.model_fp);
    memset(fi.model_fp + 8, 0, 24);
    fi.fp_len = 8;
    CHECK_EQ(llmz_frame_model_is(&fi, tiny, 0), 1);
    CHECK_EQ(llmz_frame_model_is(&fi, f16, 0), 0);
    CHECK_EQ(llmz_frame_model_is(&fi, lora, 0), 0); /* an adapter the frame does not have */
    CHECK_EQ(llmz_frame_model_is(&fi, lora, 1), 1);
    fi.fp_len = 32; /* the zeros are not the fingerprint */
    CHECK_EQ(llmz_frame_model_is(&fi, tiny, 0), 0);
    fi.fp_len = 0; /* read as 32 */
    CHECK_EQ(llmz_frame_model_is(&fi, tiny, 0), 0);
    fi.fp_len = 8;
    fi.has_adapter = 1;
    llmz_model_adapter(lora, fi.adapter_fp, NULL);
    fi.adapter_fp_len = 8;
    fi.adapter_fp[8] ^= 1; /* past the 8 bytes the frame holds */
    CHECK_EQ(llmz_frame_model_is(&fi, lora, 0), 1);
    CHECK_EQ(llmz_frame_model_is(&fi, tiny, 0), 0);
    fi.adapter_fp[7] ^= 1;
    CHECK_EQ(llmz_frame_model_is(&fi, lora, 0), 0);
    CHECK_EQ(llmz_frame_model_is(NULL, lora, 0), 0);
    /* adapter prefixes: this build's built-in adapters (none in the test builds: not found) */
    got = NULL;
    {
        const void *d;
        size_t dn;
        int have = llmz_adapter_builtin(0, &d, &dn) == LLMZ_OK;
        uint8_t afp[32];
        if (have) sha256(d, dn, afp);
        else llmz_model_adapter(lora, afp, NULL);
        int rc = llmz_model_load_builtin_adapter_prefix(&got, tiny, afp, 8);
        CHECK(have ? rc == LLMZ_OK || rc == LLMZ_ERR_MODEL_MISMATCH : rc == LLMZ_ERR_MODEL_MISMATCH);
        llmz_model_free(got);
        got = NULL;
        CHECK_EQ(llmz_model_load_builtin_adapter_prefix(&got, tiny, afp, 0), LLMZ_ERR_PARAM);
        CHECK_EQ(llmz_model_load_builtin_adapter_prefix(&got, NULL, afp, 8), LLMZ_ERR_PARAM);
    }
    llmz_model_free(lora);
    llmz_model_free(tiny);
    llmz_model_free(f16);
    free(lb);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"roundtrip", case_roundtrip},
                                   {"errors", case_errors},
                                   {"truncation", case_truncation},
                                   {"prefix", case_prefix}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
