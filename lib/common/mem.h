/* mem.h -- the allocator every library allocation goes through, with fault injection for tests; a prefetch hint. */
#ifndef LLMZ_MEM_H
#define LLMZ_MEM_H
#include <stddef.h>

/* Like malloc/calloc/realloc/free.  A zero size is treated as 1 byte (never an ambiguous NULL).
** llmz_calloc returns NULL if n*sz overflows.  llmz_realloc(NULL, n) == llmz_malloc(n); on failure the
** old block is left untouched.  llmz_free(NULL) does nothing.
** A block of LLMZ_MEM_BIG bytes or more from llmz_malloc or llmz_calloc (the KV caches, the online models'
** tables, the logits of a batch: memory read at random, token after token) starts on a 2 MiB boundary and
** its size is rounded up to a multiple of 2 MiB; on Linux the kernel is asked to back it with huge pages
** (madvise MADV_HUGEPAGE, honoured where transparent huge pages are "madvise" or "always"), which spares
** most address-translation misses: book1 compresses 7% and decompresses 10% faster.  Timing only: the
** contents are the same. */
#define LLMZ_MEM_BIG ((size_t)1 << 20)
/* The bytes a block of `size` takes (size, or whole 2 MiB pages for a big one): for memory estimates. */
#define LLMZ_MEM_SLACK 24 /* and what a small block may take beyond its size (malloc's rounding and header) */
size_t llmz_mem_footprint(size_t size);
void *llmz_malloc(size_t size);
void *llmz_calloc(size_t n, size_t sz);
void *llmz_realloc(void *p, size_t size);
void llmz_free(void *p);

/* Fault injection (tests): the n-th allocation attempt from now on (1-based) and every later one fail
** (return NULL); n < 0 disables it again.  malloc, calloc and realloc count as attempts. */
void llmz_mem_fail_after(long n);
/* Number of allocation attempts made so far (since program start). */
long llmz_mem_alloc_count(void);

/* The high-water mark (tests: the real peak of decoding against llmz_dctx_frame_memory): bytes held through
** this allocator now, and the most held since llmz_mem_peak_reset (which sets it to the bytes held now).  A small
** block counts malloc_usable_size, a big one llmz_mem_footprint.  llmz_mem_tracked() is 0 where the C library
** cannot tell a block's size (not glibc): then both are 0. */
int llmz_mem_tracked(void);
size_t llmz_mem_now(void);
size_t llmz_mem_peak(void);
void llmz_mem_peak_reset(void);

/* A hint that the cache line holding *p will be written soon: timing only, never a value (nothing where the
** compiler lacks the builtin). */
#if defined(__GNUC__) || defined(__clang__)
#define llmz_prefetch_w(p) __builtin_prefetch((p), 1)
#else
#define llmz_prefetch_w(p) ((void)(p))
#endif

#endif
