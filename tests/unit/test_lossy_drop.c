/* test_lossy_drop.c -- lib/lossy/drop.h: level 2's deletions of optional material (which spans, what replaces them,
** the edits they count), and the rules that keep them grammatical and the protected items whole. */
#include <stdint.h>

#include "llmz.h"
#include "lossy/drop.h"
#include "lossy/text.h"
#include "t.h"

/* The text with the deletion found at the first piece that starts with `at` (after `skip` bytes) applied: 1 if
** there is one and the result is `want` with `edits` edits of kind `kind`; `want` NULL: 1 if there is none. */
static int drop_at(const char *s, const char *at, int kind, int edits, const char *want) {
    lt_doc d;
    size_t n = strlen(s);
    if (lt_parse(&d, (const uint8_t *)s, n) != LLMZ_OK) return 0;
    const char *a = strstr(s, at);
    size_t i = a ? lt_piece_at(&d, (uint32_t)(a - s)) : d.n;
    drop_site o;
    int found = i < d.n && drop_find((const uint8_t *)s, &d, i, &o), ok;
    if (!want) {
        ok = !found;
        if (found) fprintf(stderr, "  unexpected deletion at \"%s\" in \"%s\"\n", at, s);
    } else {
        char out[512];
        ok = found && n - o.len + o.rep_len < sizeof out;
        if (ok) {
            memcpy(out, s, o.off);
            memcpy(out + o.off, o.rep, o.rep_len);
            memcpy(out + o.off + o.rep_len, s + o.off + o.len, n - o.off - o.len);
            out[n - o.len + o.rep_len] = 0;
            ok = strcmp(out, want) == 0 && o.kind == kind && o.edits == edits;
            if (!ok) fprintf(stderr, "  \"%s\" -> \"%s\" (kind %d, edits %d)\n", s, out, o.kind, o.edits);
        } else {
            fprintf(stderr, "  no deletion at \"%s\" in \"%s\"\n", at, s);
        }
    }
    lt_doc_free(&d);
    return ok;
}

static int cls(const char *w) { return drop_class((const uint8_t *)w, strlen(w)); }

int main(void) {
    /* the table */
    CHECK_EQ(cls("old"), DROP_ADJ);
    CHECK_EQ(cls("Enormous"), DROP_ADJ);
    CHECK_EQ(cls("quickly"), DROP_ADV);
    CHECK_EQ(cls("man"), DROP_NONE);
    CHECK_EQ(cls("heard"), DROP_NONE); /* a verb's form, not an adjective */
    CHECK_EQ(cls("running"), DROP_NONE);
    CHECK_EQ(cls(""), DROP_NONE);
    CHECK_EQ(cls("caf\xc3\xa9"), DROP_NONE);

    /* adjectives before a noun, the article made to fit */
    CHECK(drop_at("He saw the old man there.", "old", DROP_ADJ, 1, "He saw the man there."));
    CHECK(drop_at("He saw an old man there.", "old", DROP_ADJ, 2, "He saw a man there."));
    CHECK(drop_at("He saw a tall, dark man.", "tall", DROP_ADJ, 1, "He saw a dark man."));
    CHECK(drop_at("They were old and weary men.", "old", DROP_ADJ, 2, "They were weary men."));
    CHECK(drop_at("An enormous queue formed.", "enormous", DROP_ADJ, 2, "A queue formed."));
    CHECK(drop_at("Old men sat there.", "Old", DROP_ADJ, 2, "Men sat there."));
    CHECK(drop_at("The man was old.", "old", 0, 0, NULL));                  /* no noun after it */
    CHECK(drop_at("The old John Smith came.", "old", 0, 0, NULL));          /* a name after it */
    CHECK(drop_at("He had old 1999 wine.", "old", 0, 0, NULL));             /* a number after it */
    CHECK(drop_at("A paltry three thousand francs.", "three", 0, 0, NULL)); /* a number word is a fact */
    CHECK(drop_at("A paltry three thousand francs.", "paltry", 0, 0, NULL));
    CHECK(drop_at("He met the former king.", "former", 0, 0, NULL));
    CHECK(drop_at("He saw several ships.", "several", 0, 0, NULL));
    CHECK(drop_at("the old\nman", "old", 0, 0, NULL)); /* never over a line break */

    /* adverbs and intensifiers; never the ones that turn the meaning */
    CHECK(drop_at("He walked slowly away.", "slowly", DROP_ADV, 1, "He walked away."));
    CHECK(drop_at("It was a very odd thing.", "very", DROP_ADV, 2, "It was an odd thing."));
    CHECK(drop_at("He had hardly begun.", "hardly", 0, 0, NULL));
    CHECK(drop_at("He was only a boy.", "only", 0, 0, NULL));
    CHECK(drop_at("It is spelled out rather than guessed.", "rather", 0, 0, NULL));
    CHECK(drop_at("He never came.", "never", 0, 0, NULL));
    CHECK(drop_at("Slowly he rose.", "Slowly", DROP_MARKER, 2, "He rose.")); /* an -ly adverb: no comma needed */
    CHECK(drop_at("Slowly John rose.", "Slowly", 0, 0, NULL));
    CHECK(drop_at("He saw the red-faced man.", "red", DROP_ADJ, 1, "He saw the man."));
    CHECK(drop_at("He saw the celebrated author.", "celebrated", DROP_ADJ, 1, "He saw the author."));
    CHECK(drop_at("He celebrated mass.", "celebrated", 0, 0, NULL)); /* no determiner: a verb */
    CHECK(drop_at("the old red house", "old", DROP_ADJ, 1, "the red house"));

    /* sentence-initial markers: the next word gets the capital; never before a name */
    CHECK(drop_at("It rained. However, the door opened.", "However", DROP_MARKER, 2, "It rained. The door opened."));
    CHECK(drop_at("Of course, he came.", "Of", DROP_MARKER, 3, "He came."));
    CHECK(drop_at("Suddenly, the lights went out.", "Suddenly", DROP_MARKER, 2, "The lights went out."));
    CHECK(drop_at("However, John came.", "However", 0, 0, NULL));
    CHECK(drop_at("However, I came.", "However", 0, 0, NULL));

    /* clauses: with both commas after an opener, with the first only otherwise, to the sentence end after ';' */
    CHECK(drop_at("The man, who was tall, came in.", ", who", DROP_CLAUSE, 3, "The man came in."));
    CHECK(drop_at("He saw the house, which was empty.", ", which", DROP_CLAUSE, 3, "He saw the house."));
    CHECK(drop_at("The Miroir, a newspaper hussar, a skirmisher.", ", a", DROP_CLAUSE, 3, "The Miroir, a skirmisher."));
    CHECK(drop_at("He rose; the others stayed behind.", "; the", DROP_TAIL, 4, "He rose."));
    CHECK(drop_at("He rose, and the others stayed.", ", and", DROP_TAIL, 4, "He rose."));
    CHECK(drop_at("The man, who was\ntall, came in.", ", who", DROP_CLAUSE, 3, "The man\ncame in."));
    CHECK(drop_at("He rose; the others\nstayed. Then he left.", "; the", DROP_TAIL, 3, "He rose.\nThen he left."));
    CHECK(drop_at("The man, who was\r\ntall, came in.", ", who", DROP_CLAUSE, 3, "The man\r\ncame in.")); /* as it was */
    CHECK(drop_at("He rose; the others\r\nstayed. Then he left.", "; the", DROP_TAIL, 3, "He rose.\r\nThen he left."));
    CHECK(drop_at("He rose; the others\nstayed.\nThen", "; the", 0, 0, NULL)); /* the line break has no room */
    CHECK(drop_at("The man, who paid $5, left.", ", who", 0, 0, NULL));        /* an amount inside */
    CHECK(drop_at("The man, who met Mary, left.", ", who", 0, 0, NULL));       /* a name inside */
    CHECK(drop_at("The man, who said \"no\", left.", ", who", 0, 0, NULL));    /* a quotation inside */
    CHECK(drop_at("He said, a b c d e f g h i j, no.", ", a", 0, 0, NULL));    /* too long for an apposition */
    CHECK(drop_at("It rained, which\n\nwas bad.", ", which", 0, 0, NULL));     /* a paragraph break */
    CHECK(drop_at("He rose; the\nothers\nstayed. Then", "; the", 0, 0, NULL)); /* two breaks: a blank line */

    /* parentheses and dash pairs */
    CHECK(drop_at("He came (as usual) late.", "(", DROP_PAREN, 2, "He came late."));
    CHECK(drop_at("He came (in 1999) late.", "(", 0, 0, NULL));
    CHECK(drop_at("The old paper--of the left--was closed.", "--", DROP_PAREN, 3, "The old paper was closed."));

    /* verbatim lines are never touched */
    CHECK(drop_at("    the old man walked\n", "old", 0, 0, NULL));
    return T_DONE();
}
