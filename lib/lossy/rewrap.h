/*
** rewrap.h -- level 2's hard-wrapped paragraphs filled again to their width after the rewriting (docs/lossy.md,
** "Re-filling").  Deletions leave short lines in a text wrapped at a fixed width, which costs the model more than the
** deletion saves; the paragraph's words are laid out again, greedily, at the width of the original paragraph.  Only
** blanks and line breaks change: the words, their order and the blanks between words on a line stay.  Internal to
** lib/lossy/.
*/
#ifndef LLMZ_REWRAP_H
#define LLMZ_REWRAP_H
#include <stddef.h>
#include <stdint.h>

#include "lossy/rewrite.h"

#define REWRAP_MIN_WIDTH 40   /* a paragraph whose longest line is shorter is not hard-wrapped prose */
#define REWRAP_MAX_LINE  4096 /* nor one with a longer line (bytes) */

/* The paragraphs of out (a rewriting of s[0, n) that kept its paragraphs: the same number of blank-line separated
** runs of lines) that differ from the original's and whose original is hard-wrapped (rewrap.c, eligible()) are filled
** again at the original's width; a paragraph whose protected items (guard.h) or whose lines' kinds (a list item, a
** heading, a verbatim line) would change is left as it was.  *count: the paragraphs laid out anew.  When the two texts'
** paragraphs do not pair, out is left alone. */
int rewrap_paragraphs(const uint8_t *s, size_t n, lbuf *out, uint32_t *count);

#endif
