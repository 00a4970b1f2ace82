/* fuzz_frame.c -- libFuzzer target: frame header and chunk table parsing on arbitrary bytes.
**
** llmz_frame_header_size and llmz_frame_get_info must return a defined code and never read outside the
** buffer; their answers must agree (same header size; a complete header never claimed from a prefix that
** is too short; TRUNCATED always asks for more than was given).  The input is walked as a sequence of
** frames, as the CLI does. */
#include "fuzz.h"

FUZZ_TARGET(fuzz_frame) {
    size_t pos = 0;
    for (int frames = 0; frames < 64; frames++) {
        const uint8_t *p = data + pos;
        size_t avail = size - pos;
        size_t need = 0;
        int rc = llmz_frame_header_size(p, avail, &need);
        FUZZ_ASSERT(FUZZ_VALID_RC(rc));
        if (rc == LLMZ_OK) FUZZ_ASSERT(need <= avail);
        if (rc == LLMZ_ERR_TRUNCATED) FUZZ_ASSERT(need > avail);
        if (rc == LLMZ_OK) {
            /* a strict prefix of the header is never a complete header */
            size_t lim = need < 600 ? need : 600;
            for (size_t k = 0; k < lim; k++) {
                size_t nk = 0;
                int rk = llmz_frame_header_size(p, k, &nk);
                FUZZ_ASSERT(FUZZ_VALID_RC(rk) && rk != LLMZ_OK);
                if (rk == LLMZ_ERR_TRUNCATED) FUZZ_ASSERT(nk > k && nk <= need);
            }
        }
        llmz_frame_info fi;
        memset(&fi, 0xa5, sizeof fi);
        int ri = llmz_frame_get_info(&fi, p, avail);
        FUZZ_ASSERT(FUZZ_VALID_RC(ri));
        if (rc != LLMZ_OK) {
            FUZZ_ASSERT(ri != LLMZ_OK);
            break;
        }
        if (ri != LLMZ_OK) {
            /* the header was fine, so only the chunk table can be wrong */
            FUZZ_ASSERT(ri == LLMZ_ERR_CHECKSUM || ri == LLMZ_ERR_CORRUPT || ri == LLMZ_ERR_NOMEM);
            break;
        }
        FUZZ_ASSERT(fi.header_size == need);
        FUZZ_ASSERT(fi.frame_size >= fi.header_size);
        FUZZ_ASSERT(fi.raw_chunks <= fi.n_chunks);
        FUZZ_ASSERT(fi.chunk_size >= 1 && fi.chunk_size <= LLMZ_MAX_CHUNK);
        FUZZ_ASSERT(fi.format_version >= LLMZ_FORMAT_OLDEST && fi.format_version <= LLMZ_FORMAT_VERSION);
        FUZZ_ASSERT(memchr(fi.model_name, 0, sizeof fi.model_name) != NULL);
        /* the chunks hold the literals (all of the output without copies; less with them, format 8) */
        uint64_t lit = fi.copies ? fi.literal_size : fi.orig_size;
        FUZZ_ASSERT(!fi.copies || (fi.format_version >= 8 && lit < fi.orig_size));
        FUZZ_ASSERT(fi.n_chunks == (lit + fi.chunk_size - 1) / fi.chunk_size);
        FUZZ_ASSERT(llmz_frame_memory(&fi) >= fi.orig_size);
        /* a chunk's payload is never larger than its original bytes */
        FUZZ_ASSERT(fi.frame_size - fi.header_size <= lit);
        if (fi.frame_size > avail) break;
        pos += (size_t)fi.frame_size;
        if (pos >= size) break;
    }
    return 0;
}
