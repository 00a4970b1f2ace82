/*
** hash_shani.c -- SHA-256 compression with the x86 SHA extensions (SHA-NI), same digest as hash.c's
** portable rounds (tests/unit/test_hash.c compares both on random data).  The model fingerprint hashes
** the whole model file at every start; this makes that some 5x faster.
*/
#include "common/hash.h"

#if defined(__x86_64__) && defined(__SHA__) && defined(__SSE4_1__)
#include <cpuid.h>
#include <immintrin.h>

static int have_shani(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return 0; /* SSE4.1, SSSE3 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 29) & 1u; /* SHA */
}

/* h[0..7] as the state; n blocks of 64 bytes at p. */
static void blocks_shani(uint32_t h[8], const uint8_t *p, size_t n) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);      /* B A D C */
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B); /* H G F E */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8); /* A B E F (high to low: F E B A) */
    s1 = _mm_blend_epi16(s1, t, 0xF0);      /* C D G H */
    for (; n > 0; n--, p += 64) {
        __m128i save0 = s0, save1 = s1, m[4];
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            } else { /* W[4g..4g+3] from the previous 16 words */
                __m128i x = _mm_sha256msg1_epu32(m[g & 3], m[(g - 3) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(m[(g - 1) & 3], m[(g - 2) & 3], 4));
                m[g & 3] = _mm_sha256msg2_epu32(x, m[(g - 1) & 3]);
            }
            __m128i wk = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)(llmz_sha256_k + 4 * g)));
            s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0E));
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);    /* F E B A -> A B E F reversed */
    s1 = _mm_shuffle_epi32(s1, 0xB1);
    s0 = _mm_blend_epi16(t, s1, 0xF0);  /* D C B A */
    s1 = _mm_alignr_epi8(s1, t, 8);     /* H G F E */
    _mm_storeu_si128((__m128i *)h, s0);
    _mm_storeu_si128((__m128i *)(h + 4), s1);
}

sha256_blocks_fn sha256_blocks_shani(void) { return have_shani() ? blocks_shani : 0; }
#else
sha256_blocks_fn sha256_blocks_shani(void) { return 0; }
#endif
