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

/* The compression function over n whole 64-byte blocks: the portable one, and the SHA-NI one when this
** build and CPU have it (NULL otherwise).  sha256_update uses the fastest; both give the same state. */
typedef void (*sha256_blocks_fn)(uint32_t h[8], const uint8_t *p, size_t n);
void sha256_blocks_ref(uint32_t h[8], const uint8_t *p, size_t n);
sha256_blocks_fn sha256_blocks_shani(void);
extern const uint32_t llmz_sha256_k[64];

/* CRC-32 continued over data: start with crc = 0; crc32_update(crc32_update(0, a), b) == crc of a||b.
** crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#endif
