/* mem.c -- allocation wrappers with thread-safe fault injection.  See mem.h. */
#include "common/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

static atomic_long mem_count;          /* allocation attempts so far */
static atomic_long mem_fail_at = -1;   /* attempt number (1-based, absolute) from which all fail; -1 off */

void llmz_mem_fail_after(long n) {
    if (n < 0) {
        atomic_store(&mem_fail_at, -1);
        return;
    }
    long now = atomic_load(&mem_count);
    atomic_store(&mem_fail_at, now + (n > 0 ? n : 1));
}

long llmz_mem_alloc_count(void) { return atomic_load(&mem_count); }

/* Counts one attempt; nonzero if it must fail. */
static int mem_should_fail(void) {
    long k = atomic_fetch_add(&mem_count, 1) + 1;
    long f = atomic_load(&mem_fail_at);
    return f >= 0 && k >= f;
}

#define HUGE_PAGE ((size_t)2 << 20)

size_t llmz_mem_footprint(size_t size) {
    return size < LLMZ_MEM_BIG || size > SIZE_MAX - HUGE_PAGE ? size : (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

/* A block of size >= LLMZ_MEM_BIG (mem.h): 2 MiB-aligned, whole 2 MiB pages, huge pages asked for. */
static void *alloc_big(size_t size) {
    if (size > SIZE_MAX - HUGE_PAGE) return NULL;
    size_t whole = llmz_mem_footprint(size);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, whole) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, whole, MADV_HUGEPAGE); /* a hint; refused (old kernel, THP off): 4 KiB pages as before */
#endif
    return p;
}

void *llmz_malloc(size_t size) {
    if (mem_should_fail()) return NULL;
    if (size >= LLMZ_MEM_BIG) return alloc_big(size);
    return malloc(size ? size : 1);
}

void *llmz_calloc(size_t n, size_t sz) {
    if (mem_should_fail()) return NULL;
    if (sz && n > SIZE_MAX / sz) return NULL;
    if (!n || !sz) n = sz = 1;
    if (n * sz >= LLMZ_MEM_BIG) {
        void *p = alloc_big(n * sz);
        if (p) memset(p, 0, n * sz);
        return p;
    }
    return calloc(n, sz);
}

void *llmz_realloc(void *p, size_t size) {
    if (mem_should_fail()) return NULL;
    return realloc(p, size ? size : 1);
}

void llmz_free(void *p) { free(p); }
