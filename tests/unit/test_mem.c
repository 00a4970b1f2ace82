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
    return T_DONE();
}
