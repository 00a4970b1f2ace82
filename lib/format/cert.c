/*
** cert.c -- the certificate of a lossy frame, as bytes (docs/format.md, "Lossy frames").
**
** Layout: version (1; 2: a level-2 reconstruction with deletions, the same layout), level (1), strength (1), flags
** (1: bit 0 words equal after folding), the original's and the
** reconstruction's SHA-256 prefixes (16 + 16), then varints in this order: original size, reconstruction size,
** words, content words, reconstruction words, WER, chrF, recall (x 10000), protected items, kept, invented, new
** content words, changes.
*/
#include "format/cert.h"

#include <string.h>

#include "format/varint.h"

#define CERT_FLAG_FOLDED 1
#define CERT_FIXED 36
#define CERT_U32 11 /* the 32-bit varint fields after the two sizes */

/* The 32-bit fields in their order in the bytes. */
static uint32_t *u32_field(llmz_certificate *c, int i) {
    uint32_t *f[CERT_U32] = {&c->words,      &c->content_words, &c->words_recon,   &c->wer,
                             &c->chrf,       &c->recall,        &c->prot_total,    &c->prot_kept,
                             &c->prot_invented, &c->new_content, &c->changes};
    return f[i];
}

size_t cert_encode(const llmz_certificate *c, uint8_t out[CERT_MAX]) {
    llmz_certificate t = *c;
    uint8_t *p = out;
    *p++ = c->version >= CERT_VERSION && c->version <= CERT_VERSION_MAX ? c->version : CERT_VERSION;
    *p++ = c->level;
    *p++ = c->strength;
    *p++ = c->words_equal_folded ? CERT_FLAG_FOLDED : 0;
    memcpy(p, c->orig_hash, 16);
    memcpy(p + 16, c->recon_hash, 16);
    p += 32;
    p = put_varint(p, c->orig_size);
    p = put_varint(p, c->recon_size);
    for (int i = 0; i < CERT_U32; i++) p = put_varint(p, *u32_field(&t, i));
    return (size_t)(p - out);
}

int cert_decode(llmz_certificate *c, const uint8_t *p, size_t n) {
    memset(c, 0, sizeof *c);
    if (n < 1) return LLMZ_ERR_CORRUPT;
    if (p[0] < CERT_VERSION || p[0] > CERT_VERSION_MAX) return LLMZ_ERR_UNSUPPORTED;
    if (n < CERT_FIXED) return LLMZ_ERR_CORRUPT;
    if (p[3] & ~CERT_FLAG_FOLDED) return LLMZ_ERR_UNSUPPORTED;
    if (p[1] < LLMZ_LOSSY_CANONICAL || p[1] > LLMZ_LOSSY_SEED || p[2] > 100) return LLMZ_ERR_CORRUPT;
    c->version = p[0];
    c->level = p[1];
    c->strength = p[2];
    c->words_equal_folded = p[3] & CERT_FLAG_FOLDED;
    memcpy(c->orig_hash, p + 4, 16);
    memcpy(c->recon_hash, p + 20, 16);
    size_t pos = CERT_FIXED;
    uint64_t v;
    int rc;
    if ((rc = read_varint(p, n, &pos, &c->orig_size)) != LLMZ_OK) return rc;
    if ((rc = read_varint(p, n, &pos, &c->recon_size)) != LLMZ_OK) return rc;
    for (int i = 0; i < CERT_U32; i++) {
        if ((rc = read_varint(p, n, &pos, &v)) != LLMZ_OK) return rc;
        if (v > 0xffffffffu) return LLMZ_ERR_CORRUPT;
        *u32_field(c, i) = (uint32_t)v;
    }
    return pos == n ? LLMZ_OK : LLMZ_ERR_CORRUPT;
}
