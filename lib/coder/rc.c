/* rc.c -- the range coder described in rc.h. */
#include "coder/rc.h"

#define RC_TOP (1ull << 56)

void rc_enc_init(rc_enc *e, uint8_t *buf, size_t cap) {
    e->low = 0;
    e->range = ~0ull;
    e->buf = buf;
    e->cap = cap;
    e->n = 0;
    e->overflow = 0;
}

static void put_byte(rc_enc *e, uint8_t b) {
    if (e->n < e->cap)
        e->buf[e->n] = b;
    else
        e->overflow = 1;
    e->n++;
}

static void carry(rc_enc *e) {
    /* low wrapped past 2^64: add one to the bytes already written.  The coded value stays below 1.0,
    ** so the carry always stops inside the buffer. */
    size_t i = e->n;
    while (i > 0) {
        i--;
        if (i >= e->cap) continue; /* bytes past cap were not stored; overflow is already set */
        if (++e->buf[i] != 0) return;
    }
}

/* Narrow the interval to [cum, cum + freq) in units of r = range / total. */
static void encode_r(rc_enc *e, uint64_t r, uint32_t cum, uint32_t freq) {
    uint64_t nl = e->low + r * cum;
    if (nl < e->low) carry(e);
    e->low = nl;
    e->range = r * freq;
    while (e->range < RC_TOP) {
        put_byte(e, (uint8_t)(e->low >> 56));
        e->low <<= 8;
        e->range <<= 8;
    }
}

void rc_encode(rc_enc *e, uint32_t cum, uint32_t freq) { encode_r(e, e->range >> RC_TOTAL_BITS, cum, freq); }

void rc_encode_total(rc_enc *e, uint32_t cum, uint32_t freq, uint32_t total) {
    encode_r(e, e->range / total, cum, freq);
}

size_t rc_enc_finish(rc_enc *e) {
    for (int i = 0; i < 8; i++) {
        put_byte(e, (uint8_t)(e->low >> 56));
        e->low <<= 8;
    }
    return e->overflow ? 0 : e->n;
}

static uint8_t get_byte(rc_dec *d) {
    uint8_t b = d->pos < d->size ? d->buf[d->pos] : 0;
    d->pos++;
    return b;
}

void rc_dec_init(rc_dec *d, const uint8_t *buf, size_t size) {
    d->buf = buf;
    d->size = size;
    d->pos = 0;
    d->bad = 0;
    d->range = ~0ull;
    d->code = 0;
    for (int i = 0; i < 8; i++) d->code = (d->code << 8) | get_byte(d);
}

static uint32_t target_r(rc_dec *d, uint64_t r, uint32_t total) {
    uint64_t v = d->code / r;
    if (v >= total) {
        d->bad = 1;
        v = total - 1;
    }
    return (uint32_t)v;
}

uint32_t rc_decode_target(rc_dec *d) { return target_r(d, d->range >> RC_TOTAL_BITS, RC_TOTAL); }
uint32_t rc_decode_target_total(rc_dec *d, uint32_t total) { return target_r(d, d->range / total, total); }

static void update_r(rc_dec *d, uint64_t r, uint32_t cum, uint32_t freq) {
    uint64_t sub = r * cum;
    if (sub > d->code) { /* cannot happen for a valid stream */
        d->bad = 1;
        sub = d->code;
    }
    d->code -= sub;
    d->range = r * freq;
    if (d->code >= d->range) d->bad = 1;
    while (d->range < RC_TOP) {
        d->code = (d->code << 8) | get_byte(d);
        d->range <<= 8;
    }
    /* the decoder reads exactly the bytes the encoder wrote, so reading past the end is corruption:
    ** stop now instead of decoding garbage up to the chunk's original size */
    if (d->pos > d->size) d->bad = 1;
}

void rc_decode_update(rc_dec *d, uint32_t cum, uint32_t freq) { update_r(d, d->range >> RC_TOTAL_BITS, cum, freq); }

void rc_decode_update_total(rc_dec *d, uint32_t cum, uint32_t freq, uint32_t total) {
    update_r(d, d->range / total, cum, freq);
}

int rc_dec_ok(const rc_dec *d) { return !d->bad && d->pos == d->size; }

void rc_encode_bit(rc_enc *e, uint32_t p16, int bit) {
    uint32_t p = p16 << (RC_TOTAL_BITS - 16);
    if (bit)
        rc_encode(e, 0, p);
    else
        rc_encode(e, p, RC_TOTAL - p);
}

int rc_decode_bit(rc_dec *d, uint32_t p16) {
    uint32_t p = p16 << (RC_TOTAL_BITS - 16);
    int bit = rc_decode_target(d) < p;
    if (bit)
        rc_decode_update(d, 0, p);
    else
        rc_decode_update(d, p, RC_TOTAL - p);
    return bit;
}
