/* test_lossy_rewrap.c -- lib/lossy/rewrap.h: level 2's changed hard-wrapped paragraphs filled again at their
** original width (which paragraphs, the layout, the line-break form, names and verbatim lines kept as they read), and
** a property check on random paragraphs: the words and the blanks between them on a line stay, no line is wider than
** the original paragraph unless one word is, and a paragraph that did not change is left alone. */
#include <stdint.h>

#include "common/mem.h"
#include "llmz.h"
#include "lossy/rewrap.h"
#include "lossy/text.h"
#include "t.h"

/* rewrap_paragraphs(orig, rewritten): 1 if the result is `want` (NULL: rewritten unchanged) and `count` paragraphs
** were filled. */
static int refill(const char *orig, const char *rewritten, const char *want, uint32_t count) {
    lbuf b = {0};
    uint32_t got = 99;
    if (lbuf_put(&b, rewritten, strlen(rewritten)) != LLMZ_OK) return 0;
    int rc = rewrap_paragraphs((const uint8_t *)orig, strlen(orig), &b, &got);
    if (!want) want = rewritten;
    int ok = rc == LLMZ_OK && got == count && b.n == strlen(want) && memcmp(b.p, want, b.n) == 0;
    if (!ok) fprintf(stderr, "  rc %d, %u filled, got \"%.*s\"\n  want \"%s\"\n", rc, got, (int)b.n, b.p, want);
    llmz_free(b.p);
    return ok;
}

/* xorshift, for the property check */
static uint32_t rnd(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

/* words[0..nw) laid out greedily at width w (single spaces) into out, lines ending in nl; line[k]: word k's line. */
static size_t layout(char *out, const char **words, size_t nw, size_t w, const char *nl, size_t *line) {
    size_t n = 0, cur = 0, ln = 0;
    for (size_t k = 0; k < nw; k++) {
        size_t len = strlen(words[k]);
        if (k && cur + 1 + len > w) {
            n += (size_t)sprintf(out + n, "%s", nl);
            cur = 0;
            ln++;
        } else if (k) {
            out[n++] = ' ';
            cur++;
        }
        n += (size_t)sprintf(out + n, "%s", words[k]);
        cur += len;
        if (line) line[k] = ln;
    }
    return n + (size_t)sprintf(out + n, "%s", nl);
}

/* Random hard-wrapped paragraphs (LF or CRLF, widths 40-79), a sixth of their words deleted line by line as level 2
** does (each line keeps its break): the result is the greedy layout of the words left at the original width, or the
** rewriting unchanged when that layout is what it already is, when a line inside became empty (a blank line: the
** paragraphs no longer pair) or when the longest line is under REWRAP_MIN_WIDTH. */
static void properties(void) {
    static const char *vocab[] = {
        "the",   "old",     "man",     "walked", "slowly",          "towards", "a",     "house", "which",
        "stood", "on",      "hill",    "and",    "looked",          "at",      "sea,",  "where", "ships",
        "were",  "sailing", "quietly", "past",   "extraordinarily", "grey",    "rocks."};
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    int bad = 0, filled = 0;
    for (int iter = 0; iter < 400; iter++) {
        const char *w[80], *kept[80];
        size_t line[80], nw = 20 + rnd(&seed) % 60, nk = 0, width = 40 + rnd(&seed) % 40;
        uint8_t keep[80];
        const char *nl = rnd(&seed) & 1 ? "\r\n" : "\n";
        for (size_t k = 0; k < nw; k++) w[k] = vocab[rnd(&seed) % (sizeof vocab / sizeof vocab[0])];
        for (size_t k = 0; k < nw; k++)
            if ((keep[k] = k == 0 || rnd(&seed) % 6)) kept[nk++] = w[k];
        char orig[2048], rew[2048], want[2048];
        size_t on = layout(orig, w, nw, width, nl, line), rn = 0;
        for (size_t k = 0, first = 1; k < nw; k++) { /* the kept words, each line's break where it was */
            if (keep[k]) rn += (size_t)sprintf(rew + rn, "%s%s", first ? "" : " ", w[k]), first = 0;
            if (k + 1 == nw || line[k + 1] != line[k]) rn += (size_t)sprintf(rew + rn, "%s", nl), first = 1;
        }
        size_t wmax = 0; /* the width filled at: the original's longest line */
        for (size_t i = 0, cur = 0; i < on; i++)
            cur = orig[i] == '\n' || orig[i] == '\r' ? 0 : cur + 1, wmax = cur > wmax ? cur : wmax;
        size_t wn = layout(want, kept, nk, wmax, nl, NULL);
        const char *two = strcmp(nl, "\n") ? "\r\n\r\n" : "\n\n", *at = strstr(rew, two);
        if (at && at + strlen(two) == rew + rn) { /* the last line emptied: a blank line after the paragraph */
            wn += (size_t)sprintf(want + wn, "%s", nl);
            at = NULL;
        }
        int blank_line = at != NULL || wmax < REWRAP_MIN_WIDTH; /* a line inside emptied (two paragraphs); narrow */
        lbuf b = {0};
        uint32_t count = 9;
        if (lbuf_put(&b, rew, rn) != LLMZ_OK || rewrap_paragraphs((const uint8_t *)orig, on, &b, &count) != LLMZ_OK) {
            bad++;
            continue;
        }
        filled += count == 1;
        if (blank_line)
            bad += count != 0 || b.n != rn || memcmp(b.p, rew, rn) != 0;
        else
            bad += b.n != wn || memcmp(b.p, want, wn) != 0 || count != (rn != wn || memcmp(rew, want, wn) != 0);
        bad += lt_words_equal_folded((const uint8_t *)rew, rn, b.p, b.n) != 1;
        llmz_free(b.p);
    }
    CHECK_EQ(bad, 0);
    CHECK(filled > 200); /* most deletions change a paragraph's layout */
}

int main(void) {
    /* a changed hard-wrapped paragraph: filled at the original's width (its longest line, 45 here) */
    const char *o1 = "The old man walked slowly along the quiet road\n"
                     "towards the house that stood on the hill, and\n"
                     "he looked at the sea for a long time.\n";
    CHECK(refill(o1,
                 "The old man walked along the road\n"
                 "towards the house that stood on the hill, and\n"
                 "he looked at the sea for a long time.\n",
                 "The old man walked along the road towards the\n"
                 "house that stood on the hill, and he looked at\n"
                 "the sea for a long time.\n",
                 1));
    /* unchanged: left alone, even where greedy filling would differ */
    const char *o2 = "The old man walked slowly along the quiet road\n"
                     "towards the house.  It stood on the hill and\n"
                     "he looked at it.\n";
    CHECK(refill(o2, o2, NULL, 0));
    /* CRLF stays CRLF; two spaces after a full stop stay; a paragraph break and the paragraph after it stay */
    CHECK(refill("The old man walked slowly along the quiet road\r\n"
                 "towards the house.  It stood on the hill, and\r\n"
                 "he looked at it.\r\n\r\nNext.\r\n",
                 "The old man walked along the road\r\n"
                 "towards the house.  It stood on the hill, and\r\n"
                 "he looked at it.\r\n\r\nNext.\r\n",
                 "The old man walked along the road towards the\r\n"
                 "house.  It stood on the hill, and he looked at\r\n"
                 "it.\r\n\r\nNext.\r\n",
                 1));
    /* the first line's indent stays; the blanks at a line's end go with its break */
    CHECK(refill("  The old man walked slowly along the quiet road\n"
                 "towards the house that stood on the hill, and he\n"
                 "looked at it.\n",
                 "  The old man walked along the road \n"
                 "towards the house that stood on the hill, and he\n"
                 "looked at it.\n",
                 "  The old man walked along the road towards the\n"
                 "house that stood on the hill, and he looked at\n"
                 "it.\n",
                 1));
    /* not hard-wrapped: verse (lines not full), short lines (width under 40), indented continuation lines, tabs */
    const char *verse = "Of man's first disobedience, and the fruit\n"
                        "Of that forbidden tree whose mortal taste\n"
                        "Brought death into the world, and all our woe,\n"
                        "With loss of Eden, till one greater Man\n";
    CHECK(refill(verse,
                 "Of man's first disobedience, and the fruit\n"
                 "Of that tree whose taste\n"
                 "Brought death into the world, and all our woe,\n"
                 "With loss of Eden, till one greater Man\n",
                 NULL, 0));
    CHECK(refill("The old man walked\nslowly along the\nquiet road home.\n",
                 "The old man walked\nalong the\nroad home.\n", NULL, 0));
    CHECK(refill("The old man walked slowly along the quiet road\n"
                 "   towards the house that stood on the hill, and\n"
                 "   he looked at the sea for a long time.\n",
                 "The old man walked along the road\n"
                 "   towards the house that stood on the hill, and\n"
                 "   he looked at the sea for a long time.\n",
                 NULL, 0));
    CHECK(refill("The old man walked slowly along the quiet\troad\n"
                 "towards the house that stood on the hill, and\n"
                 "he looked at the sea for a long time.\n",
                 "The old man walked along the\troad\n"
                 "towards the house that stood on the hill, and\n"
                 "he looked at the sea for a long time.\n",
                 NULL, 0));
    /* paragraphs that no longer pair (one fewer): nothing filled */
    CHECK(refill("One two three.\n\nThe old man walked slowly along the quiet road\ntowards the house on the hill.\n",
                 "The old man walked along the road\ntowards the house on the hill.\n", NULL, 0));
    /* words that may be one name keep what joins them: a line break stays one ("a White\nRabbit" are two names),
    ** a space stays a space (the pair moves to the next line together) */
    CHECK(refill("It was a fine morning in the middle of the summer, when a White\n"
                 "Rabbit with pink eyes ran very close by her, and she saw it.\n",
                 "It was a fine morning in the summer, when a White\n"
                 "Rabbit with pink eyes ran close by her, and she saw it.\n",
                 NULL, 0));
    CHECK(refill("It was a fine morning in the summer time, when an old man saw\n"
                 "the White Rabbit with pink eyes run close by the old house.\n",
                 "It was a fine morning in summer, when a man saw\n"
                 "the White Rabbit with pink eyes run close by the old house.\n",
                 "It was a fine morning in summer, when a man saw the\n"
                 "White Rabbit with pink eyes run close by the old house.\n",
                 1));
    /* a filling that would read differently is refused: a "- " landing at a line start (a list item), a line with
    ** two column gaps (a table line, verbatim) */
    CHECK(refill("The old man walked slowly along the quiet road, minus\n"
                 "- a dash here - and he looked at the sea for a long time.\n",
                 "The old man walked along the quiet road, minus\n"
                 "- a dash here - and he looked at the sea for a long time.\n",
                 NULL, 0));
    CHECK(refill("The old man walked slowly along the quiet road called\n"
                 "Elm  Street  and he looked at the sea for a long time there.\n",
                 "The old man walked along the road called\n"
                 "Elm  Street  and he looked at the sea for a long time there.\n",
                 NULL, 0));
    properties();
    return T_DONE();
}
