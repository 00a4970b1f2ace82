/* fuzz.h -- shared by the libFuzzer targets in tests/fuzz/ and by their replay driver
** tests/unit/test_fuzz_regress.c, which #includes every target into one program run by `make test`.
**
**   FUZZ_TARGET(name) { ... }   defines the target: LLVMFuzzerTestOneInput for libFuzzer builds, or a
**                               static function `name` when FUZZ_REGRESS is defined before inclusion.
**   FUZZ_ASSERT(cond)           an invariant: libFuzzer builds abort (a crash libFuzzer saves); the replay
**                               driver counts it in fuzz_failures and goes on.
**
** Targets run with the current directory at the repository root; the committed test model is read from
** tests/data/tiny.gguf (or $LLMZ_TEST_DATA/tiny.gguf). */
#ifndef LLMZ_FUZZ_H
#define LLMZ_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmz.h"

#ifdef FUZZ_REGRESS
static long fuzz_failures;
#define FUZZ_TARGET(name) static int name(const uint8_t *data, size_t size)
#define FUZZ_ASSERT(c)                                                                  \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fuzz_failures++;                                                            \
            fprintf(stderr, "FAIL %s:%d: fuzz invariant: %s\n", __FILE__, __LINE__, #c); \
        }                                                                               \
    } while (0)
#else
#define FUZZ_TARGET(name)                                                       \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);               \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#define FUZZ_ASSERT(c)                                                                        \
    do {                                                                                      \
        if (!(c)) {                                                                           \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #c);   \
            abort();                                                                          \
        }                                                                                     \
    } while (0)
#endif

/* A return value every API function may give: LLMZ_OK or a defined llmz_error. */
#define FUZZ_VALID_RC(rc) ((rc) >= LLMZ_OK && (rc) < LLMZ_ERROR_COUNT_)

/* The committed test model (tests/data/tiny.gguf), loaded once; aborts if it cannot be loaded, since
** every input would otherwise test nothing. */
static llmz_model *fuzz_model_;
static inline const llmz_model *fuzz_tiny_model(void) {
    if (!fuzz_model_) {
        const char *dir = getenv("LLMZ_TEST_DATA");
        char path[1024];
        snprintf(path, sizeof path, "%s/tiny.gguf", dir ? dir : "tests/data");
        int rc = llmz_model_load_file(&fuzz_model_, path);
        if (rc != LLMZ_OK) {
            fprintf(stderr, "fuzz: cannot load %s: %s (run from the repository root)\n", path,
                    llmz_error_name(rc));
            abort();
        }
    }
    return fuzz_model_;
}
static inline void fuzz_free_model(void) {
    llmz_model_free(fuzz_model_);
    fuzz_model_ = NULL;
}

#endif
