/*
** analyze.c -- llmz_analyze_frame: where the bits go.  The encoder's driver calls analyze_record for each token it
** codes (only when a frame is analysed); this file turns the predictor's stage frequencies into a record (bits,
** the language model's bits, the top guess, the rank, the stage that helped most) and gathers a frame's records in
** input order.  It reads the coder's numbers and never changes them: an analysed frame is the frame
** llmz_compress_frame writes.
*/
#include <math.h>
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"

void analyze_record(const worker *w, const lane *L, seq *s, int32_t t, double q) {
    llmz_token_info *r = &s->rec[s->done];
    const uint8_t *tb;
    uint32_t ft = L->freq[t], flm = L->f_lm ? L->f_lm[t] : ft, fc = L->f_cached ? L->f_cached[t] : ft;
    r->offset = s->rec_off;
    r->length = (uint32_t)tok_bytes(w->m->tok, t, &tb);
    s->rec_off += r->length;
    r->token = t;
    r->bits = -log2(q);
    r->lm_bits = -log2((double)(flm ? flm : 1) / RC_TOTAL);
    /* the stage with the largest gain in log-probability; none gained: the language model's */
    double g_cache = log2((double)(fc ? fc : 1) / (flm ? flm : 1)), g_mix = log2((double)(ft ? ft : 1) / (fc ? fc : 1));
    double g_sse = s->sse_on ? log2(q * RC_TOTAL / (ft ? ft : 1)) : 0.0, best = 0.0;
    r->part = LLMZ_PART_LM;
    if (g_cache > best) best = g_cache, r->part = LLMZ_PART_CACHE;
    if (g_mix > best) best = g_mix, r->part = LLMZ_PART_NGRAM;
    if (g_sse > best) r->part = LLMZ_PART_SSE;
    uint32_t rank = 0;
    int32_t top = 0;
    for (int v = 0; v < w->V; v++) {
        rank += L->freq[v] > ft;
        if (L->freq[v] > L->freq[top]) top = v;
    }
    r->top = s->sse_on ? s->top : top;
    r->rank = s->sse_on && t == s->top ? 0 : rank;
}

int llmz_analyze_frame(llmz_cctx *c, const void *src, size_t size, llmz_token_info **tokens, size_t *count,
                       llmz_stats *stats) {
    if (!c || !tokens || !count || (!src && size)) return LLMZ_ERR_PARAM;
    *tokens = NULL;
    *count = 0;
    size_t cap = llmz_frame_bound(size), fsize = 0, n = 0;
    uint8_t *dst = llmz_malloc(cap ? cap : 1);
    llmz_token_info **recs = NULL;
    frame_header h;
    frame_chunk *chunks = NULL;
    if (!dst) return LLMZ_ERR_NOMEM;
    /* the LM's view: every chunk coded by the LM (the byte models of method 3 have no tokens to show), no copies */
    int rc = engine_compress(c, c->adapt & ~LLMZ_ADAPT_BYTES, dst, cap, &fsize, src, size, stats, &recs, &h, &chunks);
    llmz_free(dst);
    if (rc) return rc;
    for (uint32_t i = 0; i < h.n_chunks; i++) { /* tokens of model-coded chunks; one record for a stored one */
        size_t k = 0;
        if (chunks[i].method != FRAME_METHOD_RAW && recs[i])
            while (recs[i][k].length) k++; /* calloc'ed one past the last: length 0 ends the list */
        n += k ? k : 1;
    }
    llmz_token_info *out = llmz_calloc(n + 1, sizeof *out);
    if (!out) rc = LLMZ_ERR_NOMEM;
    for (uint32_t i = 0, o = 0; !rc && i < h.n_chunks; i++) {
        uint64_t start = (uint64_t)i * h.chunk_size;
        if (chunks[i].method == FRAME_METHOD_RAW || !recs[i] || !recs[i][0].length) {
            llmz_token_info *r = &out[o++];
            r->offset = start;
            r->length = frame_chunk_orig(&h, i);
            r->token = r->top = -1;
            r->bits = r->lm_bits = 8.0 * r->length;
            r->part = LLMZ_PART_RAW;
            continue;
        }
        for (size_t k = 0; recs[i][k].length; k++) out[o++] = recs[i][k];
    }
    for (uint32_t i = 0; i < h.n_chunks; i++) llmz_free(recs[i]);
    llmz_free(recs);
    llmz_free(chunks);
    if (rc) {
        llmz_free(out);
        return rc;
    }
    *tokens = out;
    *count = n;
    return LLMZ_OK;
}

void llmz_free_tokens(llmz_token_info *tokens) { llmz_free(tokens); }
