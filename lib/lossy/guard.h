/*
** guard.h -- the promises about protected items, enforced on a rewriting after the fact (docs/lossy.md): levels 1-2
** keep every protected item in order, no level shows one the original lacks.  Items are found as the certificate
** finds them (text.h: both texts folded code point by code point, then parsed), so an edit that changes how its
** neighbours are read -- a name that now starts a sentence, quotes that pair differently -- is caught too.
*/
#ifndef LLMZ_GUARD_H
#define LLMZ_GUARD_H
#include <stddef.h>
#include <stdint.h>

#include "lossy/rewrite.h"

/* Levels 1-2 (which keep every line end): each line of out whose protected items differ from those of the same line
** of the original s[0, n) is put back as it was, until no line differs; *reverted counts the lines. */
int guard_lines(const uint8_t *s, size_t n, lbuf *out, uint32_t *reverted);

/* Levels 1-2: each line of out holding a new content word (text.h, new_content, with the equivalence eq) is put back
** as it was, until none is left; *reverted counts the lines.  (Alignment ties can pair a word with a neighbour of the
** one it replaced -- "the judgement, but the judged" -> "the judgment" -- so the measure, not the rewriter's own
** bookkeeping, decides.) */
int guard_new_words(const uint8_t *s, size_t n, lbuf *out, lt_equiv_fn eq, void *ctx, uint32_t *reverted);

/* 1 if b reads as a does: the same protected items in order (found as above), as many sentences and paragraphs
** (text.h); 0 if not; -LLMZ_ERR_NOMEM if memory ran out.  For a rewriting that moves only blanks and line breaks. */
int guard_same_reading(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* Level 3: the protected items of a seed beyond the original's (as strings, counted): their sentences are dropped.
** For each such item, the sentence before its own comes back if it was dropped (the item is read anew because its
** context changed), else its own sentence is dropped.  seed(keep) writes the seed of the sentences keep[] marks into
** out, and the folded offset where each sentence
** starts in it into at[] (UINT32_MAX for one dropped); the guard clears keep[] entries and asks again. */
typedef int (*guard_seed_fn)(void *ctx, const uint8_t *keep, lbuf *out, uint32_t *at);
/* The bytes s[0, n) take folded (text.h, lt_fold_cps): for at[] (folding works code point by code point, so a text's
** folded pieces follow each other). */
int guard_folded_len(const uint8_t *s, size_t n, size_t *len);
int guard_seed(const uint8_t *s, size_t n, size_t n_sent, uint8_t *keep, guard_seed_fn seed, void *ctx, lbuf *out);

#endif
