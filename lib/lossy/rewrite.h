/*
** rewrite.h -- the lossy levels' rewriters (docs/lossy.md): levels 1-2 choose edits by rate and distortion with the
** model as judge (rewrite.c), level 3 chooses the sentences of a seed (seed.c).  Internal to lib/lossy/.
*/
#ifndef LLMZ_REWRITE_H
#define LLMZ_REWRITE_H
#include <stddef.h>
#include <stdint.h>

#include "common/team.h"
#include "llmz.h"
#include "lossy/text.h"

/* A growing byte buffer. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} lbuf;
int lbuf_put(lbuf *b, const void *s, size_t n); /* LLMZ_ERR_NOMEM on failure */

/* Default strengths (0..100) per level 1..3. */
#define LOSSY_STRENGTH_L1 100
#define LOSSY_STRENGTH_L2 58
#define LOSSY_STRENGTH_L3 70

/* The text is rewritten in parts of at least LOSSY_PART_MIN bytes (whole paragraphs), each judged on its own, so
** that parts run on threads side by side; where the parts lie depends on the text alone. */
#define LOSSY_PART_MIN (32u * 1024u)
/* The parts of a parsed text of n bytes: part k is [bounds[k], bounds[k + 1]); bounds has room for d->n_para + 2
** entries.  Returns the number of parts (at least 1). */
size_t lossy_parts(const lt_doc *d, size_t n, uint32_t *bounds);
/* fn(arg, i, nt) on min(threads, n_parts) threads: member i runs parts i, i + nt, ... */
int lossy_run_parts(int threads, size_t n_parts, team_fn fn, void *arg);

/* Levels 1 and 2: s[0, n) (parsed as d) rewritten into out; *changes counts the edits kept. */
int rewrite_rd(const llmz_model *m, int threads, int level, int strength, const uint8_t *s, size_t n,
               const lt_doc *d, lbuf *out, uint32_t *changes);
/* Level 3: the seed, the sentences kept in their order; *changes counts the sentences dropped. */
int seed_select(const llmz_model *m, int threads, int strength, const uint8_t *s, size_t n, const lt_doc *d,
                lbuf *out, uint32_t *changes);

#endif
