/* hash.h -- SHA-256 (FIPS 180-4) and CRC-32 (IEEE 802.3, reflected, same value as zlib's crc32). */
#ifndef LLMZ_HASH_H
#define LLMZ_HASH_H
#include <stddef.h>
#include <stdint.h>

/* Incremental SHA-256 state.  Plain data: copyable, no allocation, no cleanup. */
typedef struct {
    uint32_t h[8];
    uint64_t nbytes;   /* total bytes hashed so far */
    uint8_t buf[64];   /* pending partial block */
    size_t nbuf;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
/* Writes the digest; the context must be re-initialised before reuse. */
void sha256_final(sha256_ctx *c, uint8_t out[32]);
/* One-shot convenience. */
void sha256(const void *data, size_t n, uint8_t out[32]);

/* CRC-32 continued over data: start with crc = 0; crc32_update(crc32_update(0, a), b) == crc of a||b.
** crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#endif
