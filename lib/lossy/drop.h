/*
** drop.h -- level 2's deletions of optional material (docs/lossy.md, "Deletions"): modifiers, sentence-initial
** discourse markers, parenthetical clauses.  Each is a *site* for the rewriter (rewrite.c), which keeps it only where
** the model says the deletion pays for its distortion.  Internal to lib/lossy/.
*/
#ifndef LLMZ_DROP_H
#define LLMZ_DROP_H
#include <stddef.h>
#include <stdint.h>

#include "lossy/text.h"

enum { DROP_NONE = 0, DROP_ADJ, DROP_ADV, DROP_MARKER, DROP_CLAUSE, DROP_TAIL, DROP_PAREN };
#define DROP_MAX_REP 8

typedef struct {
    uint32_t off, len;      /* the original bytes the deletion replaces */
    char rep[DROP_MAX_REP]; /* what replaces them: nothing, an article made to fit ("a"/"an"), a capital letter */
    uint8_t rep_len;
    uint8_t edits; /* words deleted plus words changed: what the deletion adds to the alignment's cost */
    uint8_t kind;  /* DROP_* */
} drop_site;

/* The class of a word in the generated table (lib/lossy/modifier_data.c, tools/lossy/modifiers.py): DROP_ADJ,
** DROP_ADV or DROP_NONE; any case, ASCII. */
int drop_class(const uint8_t *w, size_t n);
/* The deletion that starts its scan at piece i of d (text s), if any: 1 and *out, else 0.  The span may begin
** before piece i (an article that must change, the blank before an adverb) but never before piece i - 2.  Every
** piece it covers is free (no protected item, not verbatim); the line breaks it covers are kept in its replacement,
** so that the lines of the text stay the lines of the original (guard.h). */
int drop_find(const uint8_t *s, const lt_doc *d, size_t i, drop_site *out);

#endif
