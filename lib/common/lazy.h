/* lazy.h -- tables cleared lazily: one bit per block of a table says whether the block has been written since the
** table was last cleared.  A block whose bit is off holds stale bytes (never read) and reads as cleared; clearing
** the table clears the bits only, and a block is cleared for real when it is first written.  Timing only: what
** such a table reads is what a table cleared in full would read (a small frame no longer writes megabytes of
** tables it never uses: fuzz_decode_fast, tests/fuzz/README.md). */
#ifndef LLMZ_LAZY_H
#define LLMZ_LAZY_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LAZY_WORDS(blocks) (((blocks) + 63) / 64) /* u64 words of the bits of `blocks` blocks */

static inline int lazy_on(const uint64_t *bits, size_t blk) { return (int)(bits[blk >> 6] >> (blk & 63)) & 1; }
static inline void lazy_set(uint64_t *bits, size_t blk) { bits[blk >> 6] |= (uint64_t)1 << (blk & 63); }
static inline void lazy_clear(uint64_t *bits, size_t blocks) { memset(bits, 0, LAZY_WORDS(blocks) * 8); }

/* The next block at or after blk whose bit is on, or `blocks` if none (walking the written blocks). */
static inline size_t lazy_next(const uint64_t *bits, size_t blk, size_t blocks) {
    while (blk < blocks) {
        uint64_t w = bits[blk >> 6] >> (blk & 63);
        if (w) {
            while (!(w & 1)) {
                w >>= 1;
                blk++;
            }
            return blk < blocks ? blk : blocks;
        }
        blk = (blk | 63) + 1;
    }
    return blocks;
}

#endif
