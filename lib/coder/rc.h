/*
** rc.h -- 64-bit range coder with carry propagation (docs/format.md, "Range coder").
**
** State: low (64 bits, carries propagate into bytes already written), range in [2^56, 2^64) after
** normalisation.  A symbol with cumulative frequency cum and frequency f out of total 2^RC_TOTAL_BITS
** narrows the interval with r = range >> RC_TOTAL_BITS:  low += r*cum;  range = r*f.  While range < 2^56
** the top byte of low is written and both shift left by 8.  The encoder ends by writing the 8 bytes of low.
** With range >= 2^56 and a 2^28 total, r >= 2^28, so the truncation costs < 2^-28 relative per symbol.
*/
#ifndef LLMZ_RC_H
#define LLMZ_RC_H
#include <stddef.h>
#include <stdint.h>

#define RC_TOTAL_BITS 28
#define RC_TOTAL (1u << RC_TOTAL_BITS)

typedef struct {
    uint64_t low, range;
    uint8_t *buf;
    size_t cap, n;
    int overflow; /* set when the output would pass cap; the caller then stores the chunk raw */
} rc_enc;

typedef struct {
    uint64_t code, range;
    const uint8_t *buf;
    size_t size, pos;
    int bad; /* stream inconsistent with any encoder output */
} rc_dec;

void rc_enc_init(rc_enc *e, uint8_t *buf, size_t cap);
void rc_encode(rc_enc *e, uint32_t cum, uint32_t freq);
/* The same with any total in [1, 2^28]: r = range / total (the secondary estimation's second step, sse.h). */
void rc_encode_total(rc_enc *e, uint32_t cum, uint32_t freq, uint32_t total);
/* Flush; returns bytes written, or 0 with e->overflow set if cap was exceeded. */
size_t rc_enc_finish(rc_enc *e);

void rc_dec_init(rc_dec *d, const uint8_t *buf, size_t size);
/* The target cumulative count for the next symbol, in [0, RC_TOTAL). */
uint32_t rc_decode_target(rc_dec *d);
void rc_decode_update(rc_dec *d, uint32_t cum, uint32_t freq);
/* Their counterparts of rc_encode_total: the target in [0, total), and the update. */
uint32_t rc_decode_target_total(rc_dec *d, uint32_t total);
void rc_decode_update_total(rc_dec *d, uint32_t cum, uint32_t freq, uint32_t total);
/* A binary decision with P(1) = p16 / 65536, 1 <= p16 <= 65535 (the byte models': bit 1 takes the interval
** [0, p16 * 2^12), bit 0 the rest of the 2^28 total). */
void rc_encode_bit(rc_enc *e, uint32_t p16, int bit);
int rc_decode_bit(rc_dec *d, uint32_t p16);
/* After the last symbol: 1 if the stream was consumed exactly (the decoder reads what the encoder wrote). */
int rc_dec_ok(const rc_dec *d);

#endif
