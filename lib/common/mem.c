/* mem.c -- allocation wrappers with thread-safe fault injection.  See mem.h. */
#include "common/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#define MEM_TRACK 1 /* malloc_usable_size says what a block takes */
#else
#define MEM_TRACK 0
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

/* ---- the high-water mark (mem.h): small blocks count malloc_usable_size, big ones their footprint, which
** a table of the live big blocks remembers (they are few: KV caches, model tables, logits) ---------------- */
static atomic_llong mem_now, mem_peak;
#define BIG_SLOTS 4096
static struct {
    void *p;
    size_t bytes;
} big_tab[BIG_SLOTS];
static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;

static void mem_count_add(long long n) {
    long long now = atomic_fetch_add(&mem_now, n) + n, pk = atomic_load(&mem_peak);
    while (now > pk && !atomic_compare_exchange_weak(&mem_peak, &pk, now)) {
    }
}

static void track_small(void *p) {
#if MEM_TRACK
    if (p) mem_count_add((long long)malloc_usable_size(p));
#else
    (void)p;
#endif
}

static void track_big(void *p, size_t bytes) {
    if (!p || !MEM_TRACK) return;
    pthread_mutex_lock(&big_lock);
    for (int i = 0; i < BIG_SLOTS; i++)
        if (!big_tab[i].p) {
            big_tab[i].p = p;
            big_tab[i].bytes = bytes;
            mem_count_add((long long)bytes);
            break;
        }
    pthread_mutex_unlock(&big_lock);
}

/* A block is given back: its bytes leave the count. */
static void untrack(void *p) {
    if (!p || !MEM_TRACK) return;
    if (((uintptr_t)p & (HUGE_PAGE - 1)) == 0) { /* perhaps a big block */
        pthread_mutex_lock(&big_lock);
        for (int i = 0; i < BIG_SLOTS; i++)
            if (big_tab[i].p == p) {
                big_tab[i].p = NULL;
                atomic_fetch_sub(&mem_now, (long long)big_tab[i].bytes);
                pthread_mutex_unlock(&big_lock);
                return;
            }
        pthread_mutex_unlock(&big_lock);
    }
#if MEM_TRACK
    atomic_fetch_sub(&mem_now, (long long)malloc_usable_size(p));
#endif
}

int llmz_mem_tracked(void) { return MEM_TRACK; }
size_t llmz_mem_now(void) { return (size_t)atomic_load(&mem_now); }
size_t llmz_mem_peak(void) { return (size_t)atomic_load(&mem_peak); }
void llmz_mem_peak_reset(void) { atomic_store(&mem_peak, atomic_load(&mem_now)); }

size_t llmz_mem_footprint(size_t size) {
    return size < LLMZ_MEM_BIG || size > SIZE_MAX - HUGE_PAGE ? size : (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

/* A block of size >= LLMZ_MEM_BIG (mem.h): 2 MiB-aligned, whole 2 MiB pages, huge pages asked for. */
static void *alloc_big(size_t size) {
    if (size > SIZE_MAX - HUGE_PAGE) return NULL;
    size_t whole = llmz_mem_footprint(size);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, whole) != 0) return NULL;
    track_big(p, whole);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, whole, MADV_HUGEPAGE); /* a hint; refused (old kernel, THP off): 4 KiB pages as before */
#endif
    return p;
}

void *llmz_malloc(size_t size) {
    if (mem_should_fail()) return NULL;
    if (size >= LLMZ_MEM_BIG) return alloc_big(size);
    void *p = malloc(size ? size : 1);
    track_small(p);
    return p;
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
    void *p = calloc(n, sz);
    track_small(p);
    return p;
}

void *llmz_realloc(void *p, size_t size) {
    if (mem_should_fail()) return NULL;
#if MEM_TRACK
    size_t old = p ? malloc_usable_size(p) : 0; /* (realloc is never used on big blocks) */
    void *q = realloc(p, size ? size : 1);
    if (q) {
        atomic_fetch_sub(&mem_now, (long long)old);
        track_small(q);
    }
    return q;
#else
    return realloc(p, size ? size : 1);
#endif
}

void llmz_free(void *p) {
    untrack(p);
    free(p);
}
