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

/* A committed test model (tests/data/NAME, or $LLMZ_TEST_DATA/NAME), loaded once into *slot; aborts if it cannot
** be loaded, since every input would otherwise test nothing. */
static inline const llmz_model *fuzz_load_model_(llmz_model **slot, const char *name) {
    if (!*slot) {
        const char *dir = getenv("LLMZ_TEST_DATA");
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", name);
        int rc = llmz_model_load_file(slot, path);
        if (rc != LLMZ_OK) {
            fprintf(stderr, "fuzz: cannot load %s: %s (run from the repository root)\n", path,
                    llmz_error_name(rc));
            abort();
        }
    }
    return *slot;
}

/* The committed test model (tests/data/tiny.gguf: vocabulary 4 352, context 64), which the golden archives name. */
static llmz_model *fuzz_model_;
static inline const llmz_model *fuzz_tiny_model(void) { return fuzz_load_model_(&fuzz_model_, "tiny.gguf"); }

/* The micro model (tests/data/micro.gguf: `mktiny --dim 32 --layers 1 --heads 1 --ffn 32 --ctx 32 --name
** llmz-micro`, vocabulary 302, 24 KB): the fast decoding target's, for which a token costs a tenth of tiny's. */
static llmz_model *fuzz_micro_;
static inline const llmz_model *fuzz_micro_model(void) { return fuzz_load_model_(&fuzz_micro_, "micro.gguf"); }

static inline void fuzz_free_model(void) {
    llmz_model_free(fuzz_model_);
    llmz_model_free(fuzz_micro_);
    fuzz_model_ = fuzz_micro_ = NULL;
}

#endif
