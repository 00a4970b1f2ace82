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

/* A block is given back: its bytes leave the count.  Returns a big block's footprint, 0 for a small one. */
static size_t untrack(void *p) {
    if (!p || !MEM_TRACK) return 0;
    if (((uintptr_t)p & (HUGE_PAGE - 1)) == 0) { /* perhaps a big block */
        pthread_mutex_lock(&big_lock);
        for (int i = 0; i < BIG_SLOTS; i++)
            if (big_tab[i].p == p) {
                size_t bytes = big_tab[i].bytes;
                big_tab[i].p = NULL;
                atomic_fetch_sub(&mem_now, (long long)bytes);
                pthread_mutex_unlock(&big_lock);
                return bytes;
            }
        pthread_mutex_unlock(&big_lock);
    }
#if MEM_TRACK
    atomic_fetch_sub(&mem_now, (long long)malloc_usable_size(p));
#endif
    return 0;
}

/* ---- fuzzing builds only (make fuzz-build defines LLMZ_FUZZ_BIG_CACHE): freed big blocks are kept and given
** out again for the same footprint, so that a fuzz target decoding frame after frame does not map, fault in
** and unmap megabytes of fresh pages per input (under ASan every big block is an mmap: 40% of
** fuzz_decode_fast's time went to page faults).  A kept block is poisoned for AddressSanitizer until it is given
** out again, and then only its requested bytes are unpoisoned: use after free and overflow are still caught.
** Its contents are stale, as any malloc's may be; llmz_calloc still clears it.  Blocks of MID_BLOCK bytes up to
** LLMZ_MEM_BIG are kept the same way, for their exact size (ASan maps each of them afresh too: the match and
** n-gram check tables, the byte models' tables; a fifth of the time after the lazily cleared tables); they stay
** small blocks to the count (malloc_usable_size). ---------------------------------------------------------------- */
#if defined(LLMZ_FUZZ_BIG_CACHE) && MEM_TRACK
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif
#ifndef ASAN_POISON_MEMORY_REGION
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif
#define BIG_CACHE 128
#define MID_BLOCK ((size_t)64 << 10)
static struct {
    void *p;
    size_t whole;
} big_cache[BIG_CACHE];

static void *cache_take(size_t whole, size_t size) {
    void *p = NULL;
    pthread_mutex_lock(&big_lock);
    for (int i = 0; i < BIG_CACHE && !p; i++)
        if (big_cache[i].p && big_cache[i].whole == whole) {
            p = big_cache[i].p;
            big_cache[i].p = NULL;
        }
    pthread_mutex_unlock(&big_lock);
    if (p) ASAN_UNPOISON_MEMORY_REGION(p, size);
    return p;
}

/* 1 if p (footprint whole) is kept; 0 if the cache is full. */
static int cache_put(void *p, size_t whole) {
    int kept = 0;
    pthread_mutex_lock(&big_lock);
    for (int i = 0; i < BIG_CACHE && !kept; i++)
        if (!big_cache[i].p) {
            big_cache[i].p = p;
            big_cache[i].whole = whole;
            kept = 1;
        }
    pthread_mutex_unlock(&big_lock);
    if (kept) ASAN_POISON_MEMORY_REGION(p, whole);
    return kept;
}

/* A small block of at least MID_BLOCK bytes: one like it is given out again, or it is kept (1), else 0. */
static void *mid_take(size_t size) { return size >= MID_BLOCK && size < LLMZ_MEM_BIG ? cache_take(size, size) : NULL; }
static int mid_put(void *p) {
    size_t size = malloc_usable_size(p); /* under ASan the size asked for */
    return size >= MID_BLOCK && size < LLMZ_MEM_BIG && cache_put(p, size);
}

/* A block given back twice: the second time it is no longer tracked, but perhaps kept here. */
static void cache_check_free(void *p) {
    if (malloc_usable_size(p) < MID_BLOCK) return; /* (not one kept here: those are not live) */
    pthread_mutex_lock(&big_lock);
    for (int i = 0; i < BIG_CACHE; i++)
        if (big_cache[i].p == p) abort(); /* double free of a big block */
    pthread_mutex_unlock(&big_lock);
}
#else
static void *mid_take(size_t size) {
    (void)size;
    return NULL;
}
static int mid_put(void *p) {
    (void)p;
    return 0;
}
static void cache_check_free(void *p) { (void)p; }
static void *cache_take(size_t whole, size_t size) {
    (void)whole;
    (void)size;
    return NULL;
}
static int cache_put(void *p, size_t whole) {
    (void)p;
    (void)whole;
    return 0;
}
#endif

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
    void *p = cache_take(whole, size);
    if (p) {
        track_big(p, whole);
        return p;
    }
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
    void *p = mid_take(size);
    if (!p) p = malloc(size ? size : 1);
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
    void *p = mid_take(n * sz);
    if (p) memset(p, 0, n * sz);
    if (!p) p = calloc(n, sz);
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
    size_t whole = untrack(p);
    if (whole && cache_put(p, whole)) return;
    if (p && !whole) cache_check_free(p);
    if (p && !whole && mid_put(p)) return;
    free(p);
}
