/* test_mem.c -- allocation wrappers and fault injection. */
#include <stdint.h>

#include "common/mem.h"
#include "t.h"

int main(void) {
    long c0 = llmz_mem_alloc_count();
    void *p = llmz_malloc(10);
    CHECK(p != NULL);
    CHECK_EQ(llmz_mem_alloc_count(), c0 + 1);
    p = llmz_realloc(p, 100);
    CHECK(p != NULL);
    llmz_free(p);
    CHECK(llmz_calloc(SIZE_MAX / 2, 4) == NULL); /* n*sz overflows */
    uint8_t *z = llmz_calloc(16, 4);
    CHECK(z != NULL);
    int zero = 1;
    for (int i = 0; i < 64; i++) zero &= z[i] == 0;
    CHECK(zero);
    llmz_free(z);
    llmz_free(NULL);
    void *q = llmz_malloc(0);
    CHECK(q != NULL);
    llmz_free(q);

    llmz_mem_fail_after(3);
    void *a = llmz_malloc(1), *b = llmz_calloc(1, 1), *c = llmz_malloc(1), *d = llmz_realloc(NULL, 1);
    CHECK(a != NULL);
    CHECK(b != NULL);
    CHECK(c == NULL);
    CHECK(d == NULL);
    llmz_mem_fail_after(-1);
    void *e = llmz_malloc(1);
    CHECK(e != NULL);
    llmz_free(a);
    llmz_free(b);
    llmz_free(e);
    llmz_mem_fail_after(1);
    CHECK(llmz_malloc(1) == NULL);
    llmz_mem_fail_after(-1);

    /* big blocks: on 2 MiB boundaries, in whole 2 MiB pages (the estimate says so), zeroed by calloc, still
    ** one attempt each for fault injection, and usable with realloc and free like any other */
    CHECK_EQ(llmz_mem_footprint(100), 100);
    CHECK_EQ(llmz_mem_footprint(LLMZ_MEM_BIG - 1), LLMZ_MEM_BIG - 1);
    CHECK_EQ(llmz_mem_footprint(LLMZ_MEM_BIG), (size_t)2 << 20);
    CHECK_EQ(llmz_mem_footprint(((size_t)2 << 20) + 1), (size_t)4 << 20);
    CHECK_EQ(llmz_mem_footprint(SIZE_MAX), SIZE_MAX); /* no wrap */
    long c1 = llmz_mem_alloc_count();
    uint8_t *big = llmz_malloc(LLMZ_MEM_BIG + 3);
    uint8_t *bz = llmz_calloc(3, LLMZ_MEM_BIG / 2 + 1);
    CHECK_EQ(llmz_mem_alloc_count(), c1 + 2);
    CHECK(big != NULL && bz != NULL);
    CHECK((uintptr_t)big % ((size_t)2 << 20) == 0 && (uintptr_t)bz % ((size_t)2 << 20) == 0);
    if (big && bz) {
        size_t nz = 3 * (LLMZ_MEM_BIG / 2 + 1), bad = 0;
        for (size_t i = 0; i < nz; i++) bad += bz[i] != 0;
        CHECK_EQ(bad, 0);
        for (size_t i = 0; i < LLMZ_MEM_BIG + 3; i++) big[i] = (uint8_t)i;
        big = llmz_realloc(big, 3 * LLMZ_MEM_BIG);
        CHECK(big != NULL);
        if (big) {
            for (size_t i = 0; i < LLMZ_MEM_BIG + 3; i++) bad += big[i] != (uint8_t)i;
            CHECK_EQ(bad, 0); /* realloc keeps the contents */
        }
    }
    llmz_free(big);
    llmz_free(bz);
    llmz_mem_fail_after(1);
    CHECK(llmz_malloc(LLMZ_MEM_BIG) == NULL && llmz_calloc(1, LLMZ_MEM_BIG) == NULL);
    llmz_mem_fail_after(-1);
    CHECK(llmz_calloc(SIZE_MAX / LLMZ_MEM_BIG + 1, LLMZ_MEM_BIG) == NULL); /* n*sz overflows */
    return T_DONE();
}
