/* mkindex -- write the index (docs/format.md, "Random access: the index") of an llmz archive that has none.
**
**   mkindex ARCHIVE > INDEX        then: cat ARCHIVE INDEX > INDEXED.llmz
**
** The archive's frames are found by scanning their headers (llmz_archive_open) and must lie one after another to
** its end (no skippable frames or padding between them): the index lists them all.  For tests and measurements;
** `llmz --index` writes one while compressing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmz.h"

static int file_read(void *opaque, uint64_t offset, void *buf, size_t len) {
    FILE *f = opaque;
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0 || fread(buf, 1, len, f) != len) return LLMZ_ERR_TRUNCATED;
    return 0;
}

int main(int argc, char **argv) {
    FILE *f;
    llmz_archive *a = NULL;
    uint64_t size, *fs, *os, at = 0;
    size_t n, cap, w;
    uint8_t *ix;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: mkindex ARCHIVE > INDEX\n");
        return 2;
    }
    if (!(f = fopen(argv[1], "rb")) || fseeko(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "mkindex: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    size = (uint64_t)ftello(f);
    if ((rc = llmz_archive_open(&a, file_read, f, size)) != LLMZ_OK) {
        fprintf(stderr, "mkindex: %s: %s\n", argv[1], llmz_error_name(rc));
        return 1;
    }
    n = llmz_archive_frames(a);
    fs = malloc((n + 1) * sizeof *fs);
    os = malloc((n + 1) * sizeof *os);
    cap = llmz_index_bound(n);
    ix = malloc(cap ? cap : 1);
    if (!fs || !os || !ix || !cap) {
        fprintf(stderr, "mkindex: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        llmz_frame_info info;
        uint64_t ao;
        if ((rc = llmz_archive_frame(a, i, &info, &ao, NULL)) != LLMZ_OK || ao != at) {
            fprintf(stderr, "mkindex: %s: frame %zu: %s\n", argv[1], i + 1,
                    rc ? llmz_error_name(rc) : "not right after the one before (skippable frames or padding)");
            return 1;
        }
        fs[i] = info.frame_size;
        os[i] = info.orig_size;
        at += info.frame_size;
    }
    if (at != size) {
        fprintf(stderr, "mkindex: %s: bytes after the last frame\n", argv[1]);
        return 1;
    }
    if ((rc = llmz_index_write(ix, cap, &w, fs, os, n)) != LLMZ_OK || fwrite(ix, 1, w, stdout) != w ||
        fflush(stdout) != 0) {
        fprintf(stderr, "mkindex: %s\n", rc ? llmz_error_name(rc) : strerror(errno));
        return 1;
    }
    llmz_archive_free(a);
    fclose(f);
    free(fs);
    free(os);
    free(ix);
    return 0;
}
