/* test_fuzz_regress.c -- replays the fuzz corpora and saved crashes through the libFuzzer targets of
** tests/fuzz/, without libFuzzer, as part of `make test`.
**
** Every file in tests/fuzz/corpus/<target>/ and tests/fuzz/crashes/<target>/ (directory overridable with
** LLMZ_FUZZ_DIR) is run through that target; a target's invariants (FUZZ_ASSERT) count as failures here
** instead of aborting.  Under `make asan-test` this is the sanitizer regression run of every input that
** ever crashed a fuzzer.  The seed corpora are committed, so each corpus directory must hold files. */
#define FUZZ_REGRESS 1
#include <dirent.h>

#include "../fuzz/fuzz_archive.c"
#include "../fuzz/fuzz_decode_fast.c"
#include "../fuzz/fuzz_decompress.c"
#include "../fuzz/fuzz_frame.c"
#include "../fuzz/fuzz_gguf.c"
#include "../fuzz/fuzz_roundtrip.c"
#include "t.h"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

static const struct {
    const char *name;
    fuzz_fn fn;
} targets[] = {
    {"frame", fuzz_frame},
    {"archive", fuzz_archive},
    {"decompress", fuzz_decompress},
    {"decode_fast", fuzz_decode_fast},
    {"gguf", fuzz_gguf},
    {"roundtrip", fuzz_roundtrip},
};

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs every regular file of dir through fn; returns the number of files (-1 if dir is absent). */
static long replay_dir(const char *dir, const char *target, fuzz_fn fn) {
    DIR *dp = opendir(dir);
    if (!dp) return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.') continue; /* ., .., .gitkeep */
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(dp);
    if (n) qsort(names, n, sizeof *names, name_cmp); /* a fixed order, for reproducible reports */
    long files = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t size = 0;
        unsigned char *buf = t_read_file(path, &size);
        if (!buf) continue; /* a subdirectory, or unreadable */
        long before = fuzz_failures;
        /* exact-size copy, so a read past the end is caught under ASan */
        unsigned char *exact = malloc(size ? size : 1);
        memcpy(exact, buf, size);
        free(buf);
        fn(exact, size);
        free(exact);
        if (fuzz_failures != before) fprintf(stderr, "  ... fuzz target %s failed on %s\n", target, path);
        CHECK(fuzz_failures == before);
        files++;
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return files;
}

int main(void) {
    const char *root = getenv("LLMZ_FUZZ_DIR");
    if (!root) root = "tests/fuzz";
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/corpus/%s", root, targets[t].name);
        long nc = replay_dir(dir, targets[t].name, targets[t].fn);
        if (nc <= 0) fprintf(stderr, "FAIL: no seed corpus in %s\n", dir);
        CHECK(nc > 0);
        snprintf(dir, sizeof dir, "%s/crashes/%s", root, targets[t].name);
        long nx = replay_dir(dir, targets[t].name, targets[t].fn);
        fprintf(stderr, "%-10s %ld corpus files, %ld crash reproducers\n", targets[t].name, nc, nx < 0 ? 0 : nx);
    }
    fuzz_decode_fast_free();
    fuzz_archive_free();
    fuzz_free_model();
    return T_DONE();
}
