/* test_lossy_text.c -- lib/lossy/text.h: pieces, protected items, verbatim lines, sentences, folding, metrics. */
#include <stdint.h>
#include <time.h>

#include "common/mem.h"
#include "llmz.h"
#include "lossy/text.h"
#include "t.h"

static const uint8_t *U(const char *s) { return (const uint8_t *)s; }

/* 1 if d's pieces cover s[0..n) exactly once, in order. */
static int covers(const lt_doc *d, size_t n) {
    uint32_t at = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->p[i].off != at || d->p[i].len == 0) return 0;
        at += d->p[i].len;
    }
    return at == n;
}

static lt_doc parse(const char *s) {
    lt_doc d;
    int r = lt_parse(&d, U(s), strlen(s));
    CHECK_EQ(r, LLMZ_OK);
    CHECK(covers(&d, strlen(s)));
    return d;
}

/* The class of the item whose text is exactly t (LP_NONE if none). */
static int item_cls(const lt_doc *d, const char *s, const char *t) {
    for (size_t i = 0; i < d->n_items; i++)
        if (d->items[i].len == strlen(t) && !memcmp(s + d->items[i].off, t, strlen(t))) return d->items[i].cls;
    return LP_NONE;
}

/* The class s's item t gets (parsing s). */
static int cls_in(const char *s, const char *t) {
    lt_doc d = parse(s);
    int c = item_cls(&d, s, t);
    if (c == LP_NONE && getenv("LT_DEBUG")) {
        for (size_t i = 0; i < d.n_items; i++)
            fprintf(stderr, "  item %d '%.*s'\n", d.items[i].cls, (int)d.items[i].len, s + d.items[i].off);
    }
    lt_doc_free(&d);
    return c;
}

/* The piece whose text is t (first one), or d->n. */
static size_t piece_of(const lt_doc *d, const char *s, const char *t) {
    for (size_t i = 0; i < d->n; i++)
        if (d->p[i].len == strlen(t) && !memcmp(s + d->p[i].off, t, strlen(t))) return i;
    return d->n;
}

static void test_pieces(void) {
    const char *s = "Don't stop: the well-known 3.14, 1,000 and 12:30 \xE2\x80\x94 caf\xC3\xA9 na\xC3\xAFve\r\n"
                    "x\xE2\x80\x99s  end\n";
    lt_doc d = parse(s);
    size_t k = piece_of(&d, s, "Don't");
    CHECK(k < d.n && d.p[k].kind == LT_WORD && (d.p[k].flags & LT_F_CAP));
    k = piece_of(&d, s, "well-known");
    CHECK(k < d.n && d.p[k].kind == LT_WORD);
    CHECK(piece_of(&d, s, "3.14") < d.n && d.p[piece_of(&d, s, "3.14")].kind == LT_NUMBER);
    CHECK(piece_of(&d, s, "1,000") < d.n && d.p[piece_of(&d, s, "1,000")].kind == LT_NUMBER);
    CHECK(piece_of(&d, s, "12:30") < d.n && d.p[piece_of(&d, s, "12:30")].kind == LT_NUMBER);
    CHECK(piece_of(&d, s, "caf\xC3\xA9") < d.n && piece_of(&d, s, "na\xC3\xAFve") < d.n);
    CHECK(piece_of(&d, s, "x\xE2\x80\x99s") < d.n);
    k = piece_of(&d, s, "\r\n");
    CHECK(k < d.n && d.p[k].kind == LT_NEWLINE);
    k = piece_of(&d, s, "  ");
    CHECK(k < d.n && d.p[k].kind == LT_SPACE);
    k = piece_of(&d, s, "\xE2\x80\x94");
    CHECK(k < d.n && d.p[k].kind == LT_PUNCT);
    k = piece_of(&d, s, "stop");
    CHECK(k < d.n && (d.p[k].flags & LT_F_CONTENT) && !(d.p[k].flags & LT_F_CAP));
    k = piece_of(&d, s, "the");
    CHECK(k < d.n && !(d.p[k].flags & LT_F_CONTENT));
    lt_doc_free(&d);
    /* invalid UTF-8: one LT_OTHER piece per bad byte */
    const char *bad = "a\xFF\xC3(\xE2\x82 b";
    d = parse(bad);
    k = piece_of(&d, bad, "\xFF");
    CHECK(k < d.n && d.p[k].kind == LT_OTHER && d.p[k + 1].kind == LT_OTHER && d.p[k + 1].len == 1);
    lt_doc_free(&d);
    CHECK(lt_is_stop_word(U("The"), 3) && lt_is_stop_word(U("don\xE2\x80\x99t"), 7) && !lt_is_stop_word(U("cat"), 3));
    lt_doc e;
    CHECK_EQ(lt_parse(&e, NULL, 0), LLMZ_OK);
    CHECK_EQ(e.n, 0);
    lt_doc_free(&e);
}

static void test_items(void) {
    /* numbers, dates */
    CHECK_EQ(cls_in("It cost 42 pence.", "42"), LP_NUMBER);
    CHECK_EQ(cls_in("Born on 12 March 1999 in a town.", "12 March 1999"), LP_DATE);
    CHECK_EQ(cls_in("Born on March 12, 1999 in a town.", "March 12, 1999"), LP_DATE);
    CHECK_EQ(cls_in("It was 1999-03-12 then.", "1999-03-12"), LP_DATE);
    CHECK_EQ(cls_in("It was 12/03/1999 then.", "12/03/1999"), LP_DATE);
    CHECK_EQ(cls_in("We met on Monday and left.", "Monday"), LP_DATE);
    CHECK_EQ(cls_in("We met on Monday, March 3rd.", "Monday, March 3rd"), LP_DATE);
    CHECK_EQ(cls_in("In March 2020 it began.", "March 2020"), LP_DATE);
    CHECK(cls_in("The troops will March on.", "March") != LP_DATE); /* no number: not a date */
    CHECK(cls_in("You may go.", "may") == LP_NONE);
    /* amounts */
    CHECK_EQ(cls_in("It cost $3.50 today.", "$3.50"), LP_AMOUNT);
    CHECK_EQ(cls_in("We ran 5 km today.", "5 km"), LP_AMOUNT);
    CHECK_EQ(cls_in("Prices rose 20% last year.", "20%"), LP_AMOUNT);
    CHECK_EQ(cls_in("It weighs 10 kg in all.", "10 kg"), LP_AMOUNT);
    CHECK_EQ(cls_in("Drive at 3 mph here.", "3 mph"), LP_AMOUNT);
    CHECK_EQ(cls_in("A 5km run.", "5km"), LP_AMOUNT);
    CHECK_EQ(cls_in("It cost \xE2\x82\xAC"
                    "12 million.",
                    "\xE2\x82\xAC"
                    "12 million"),
             LP_AMOUNT);
    /* URLs, e-mail */
    CHECK_EQ(cls_in("See https://example.com/a?b=c (or not).", "https://example.com/a?b=c"), LP_URL);
    CHECK_EQ(cls_in("Visit www.example.org.", "www.example.org"), LP_URL);
    CHECK_EQ(cls_in("See (http://x.org/a_(b)) now.", "http://x.org/a_(b)"), LP_URL);
    CHECK_EQ(cls_in("Mail john.doe+x@mail.example.com.", "john.doe+x@mail.example.com"), LP_EMAIL);
    CHECK(cls_in("Meet @ noon.", "@") == LP_NONE);
    /* code */
    CHECK_EQ(cls_in("Call `f(x, y)` first.", "`f(x, y)`"), LP_CODE);
    CHECK_EQ(cls_in("Set max_len high.", "max_len"), LP_CODE);
    CHECK_EQ(cls_in("Use getValue here.", "getValue"), LP_CODE);
    CHECK_EQ(cls_in("Import os.path now.", "os.path"), LP_CODE);
    CHECK_EQ(cls_in("Then printf(x); returns.", "printf(x);"), LP_CODE);
    CHECK_EQ(cls_in("Let x=1 be.", "x=1"), LP_CODE);
    CHECK_EQ(cls_in("An mp3 file.", "mp3"), LP_CODE);
    CHECK_EQ(cls_in("The 4th time.", "4th"), LP_NUMBER);
    CHECK(cls_in("It is, e.g. a test.", "e.g") == LP_NONE);
    CHECK(cls_in("A (small) thing.", "(small)") == LP_NONE);
    CHECK(cls_in("`Oh dear,' thought Alice `what now?'", "`Oh dear,' thought Alice `") == LP_NONE);
    CHECK(cls_in("He said ``so'' and ``then''.", "``") == LP_NONE);
    CHECK(cls_in("She said _I_ did.", "_I_") == LP_NONE);
    CHECK_EQ(cls_in("Call __init__ now.", "__init__"), LP_CODE);
    /* names */
    CHECK_EQ(cls_in("We saw Alice in New York today.", "Alice"), LP_NAME);
    CHECK_EQ(cls_in("We saw Alice in New York today.", "New York"), LP_NAME);
    CHECK(cls_in("Alice went home.", "Alice") == LP_NONE); /* a sentence start is not a name */
    CHECK(cls_in("Then I left.", "I") == LP_NONE);
    CHECK(cls_in("He said \"Go home now and never come back again please\" loudly.", "Go") == LP_NONE);
    /* quoted */
    CHECK_EQ(cls_in("He typed \"yes\" twice.", "\"yes\""), LP_QUOTED);
    CHECK_EQ(cls_in("He typed \xE2\x80\x9Cok then\xE2\x80\x9D twice.", "\xE2\x80\x9Cok then\xE2\x80\x9D"), LP_QUOTED);
    CHECK(cls_in("\"It was a dark and stormy night, and the rain fell,\" she said.",
                 "\"It was a dark and stormy night, and the rain fell,\"") == LP_NONE);
    CHECK(cls_in("He said \"one\ntwo\" there.", "\"one\ntwo\"") == LP_NONE);
    CHECK(cls_in("\"I see\" is the same thing as \"I eat\".", "\" is the same thing as \"") == LP_NONE);
    CHECK_EQ(cls_in("\"I see\" is the same thing as \"I eat\".", "\"I eat\""), LP_QUOTED);
    /* items are sorted and never overlap; their pieces carry the class */
    const char *s = "On 12 March 1999 Bob paid $5 at www.x.com for 3 `a_b` items.";
    lt_doc d = parse(s);
    for (size_t i = 1; i < d.n_items; i++) CHECK(d.items[i - 1].off + d.items[i - 1].len <= d.items[i].off);
    for (size_t i = 0; i < d.n_items; i++) {
        size_t k = lt_piece_at(&d, d.items[i].off);
        CHECK(k < d.n && d.p[k].prot == d.items[i].cls);
    }
    CHECK_EQ(d.n_items, 6);
    lt_doc_free(&d);
}

static void test_verbatim(void) {
    const char *s = "Some prose here.\n"
                    "```\n"
                    "int x = 1;\n"
                    "```\n"
                    "More prose.  Two spaces after a stop.\n"
                    "    indented code\n"
                    "\tcode with a tab\n"
                    "| a | b |\n"
                    "Name    Value    Unit\n"
                    "Plain end.\n";
    lt_doc d = parse(s);
    const char *verb[] = {"`", "int", "indented", "tab", "|", "Name", "Unit"};
    const char *prose[] = {"Some", "prose", "More", "Two", "Plain", "end"};
    for (size_t i = 0; i < sizeof verb / sizeof verb[0]; i++) {
        size_t k = piece_of(&d, s, verb[i]);
        CHECK(k < d.n && (d.p[k].flags & LT_F_VERBATIM) && d.p[k].prot == LP_CODE);
    }
    for (size_t i = 0; i < sizeof prose / sizeof prose[0]; i++) {
        size_t k = piece_of(&d, s, prose[i]);
        CHECK(k < d.n && !(d.p[k].flags & LT_F_VERBATIM));
    }
    CHECK_EQ(item_cls(&d, s, "int x = 1;"), LP_CODE);
    CHECK_EQ(item_cls(&d, s, "    indented code"), LP_CODE);
    /* sentences: prose 1, 4 fence/code lines, "More prose." "Two spaces...", 4 verbatim lines, "Plain end." */
    CHECK_EQ(d.n_sent, 11);
    lt_doc_free(&d);
    /* an unclosed fence runs to the end */
    s = "Text.\n~~~\ncode\nmore code\n";
    d = parse(s);
    CHECK(d.p[piece_of(&d, s, "more")].flags & LT_F_VERBATIM);
    lt_doc_free(&d);
}

/* The text of sentence i. */
static int sent_is(const lt_doc *d, const char *s, size_t i, const char *t) {
    int ok = i < d->n_sent && d->sent[i].len == strlen(t) && !memcmp(s + d->sent[i].off, t, strlen(t));
    if (!ok && i < d->n_sent) fprintf(stderr, "sentence %zu: '%.*s'\n", i, (int)d->sent[i].len, s + d->sent[i].off);
    return ok;
}

static void test_sentences(void) {
    const char *s = "Mr. Smith met Dr. Jones, e.g. at noon. It rained! Did it? \"Yes.\" He said so...\n"
                    "and left. Then\nit ended.\n\nNew paragraph here\n# A heading\n- item one\n- item two";
    lt_doc d = parse(s);
    CHECK(sent_is(&d, s, 0, "Mr. Smith met Dr. Jones, e.g. at noon."));
    CHECK(sent_is(&d, s, 1, "It rained!"));
    CHECK(sent_is(&d, s, 2, "Did it?"));
    CHECK(sent_is(&d, s, 3, "\"Yes.\""));
    CHECK(sent_is(&d, s, 4, "He said so...\nand left."));
    CHECK(sent_is(&d, s, 5, "Then\nit ended."));
    CHECK(sent_is(&d, s, 6, "New paragraph here"));
    CHECK(sent_is(&d, s, 7, "# A heading"));
    CHECK(sent_is(&d, s, 8, "- item one"));
    CHECK(sent_is(&d, s, 9, "- item two"));
    CHECK_EQ(d.n_sent, 10);
    CHECK_EQ(d.n_para, 2);
    size_t k = piece_of(&d, s, "Smith");
    CHECK(k < d.n && d.p[k].prot == LP_NAME);
    k = piece_of(&d, s, "It");
    CHECK(k < d.n && (d.p[k].flags & LT_F_SENT_START));
    k = piece_of(&d, s, "Mr");
    CHECK(k < d.n && (d.p[k].flags & LT_F_SENT_START));
    lt_doc_free(&d);
}

static int fold_is(uint32_t cp, const char *want) {
    char out[8];
    size_t l = lt_fold_cp(cp, out);
    if (!want) return l == 0;
    if (!*want) return l == LT_FOLD_EMPTY;
    return l == strlen(want) && !memcmp(out, want, l);
}

static int fold_text_is(const char *s, const char *want) {
    uint8_t *o;
    size_t on;
    if (lt_fold_text(U(s), strlen(s), &o, &on) != LLMZ_OK) return 0;
    int ok = on == strlen(want) && !memcmp(o, want, on);
    if (!ok) fprintf(stderr, "fold: '%.*s' want '%s'\n", (int)on, (const char *)o, want);
    llmz_free(o);
    return ok;
}

static void test_fold(void) {
    CHECK(fold_is(0x2018, "'") && fold_is(0x2019, "'") && fold_is(0x201C, "\"") && fold_is(0x201D, "\""));
    CHECK(fold_is(0x2013, "-") && fold_is(0x2014, "--") && fold_is(0x2026, "..."));
    CHECK(fold_is(0x00A0, " ") && fold_is(0x2009, " ") && fold_is(0x3000, " ") && fold_is(0x202F, " "));
    CHECK(fold_is(0x00AD, "") && fold_is(0x200B, ""));
    CHECK(fold_is(0xFB01, "fi") && fold_is(0xFB03, "ffi") && fold_is(0xFF21, "A") && fold_is(0xFF41, "a"));
    CHECK(fold_is(0x00BD, "1/2") && fold_is(0x2122, "TM") && fold_is(0x00B2, "2") && fold_is(0x2460, "1"));
    CHECK(fold_is('a', NULL) && fold_is(0x00E9, NULL) && fold_is(0x4E2D, NULL) && fold_is(0x00B4, NULL));
    CHECK_EQ(lt_lower_cp('A'), 'a');
    CHECK_EQ(lt_lower_cp(0xC9), 0xE9);
    CHECK_EQ(lt_lower_cp(0x0416), 0x0436);
    CHECK(fold_text_is("\xE2\x80\x9CHi\xE2\x80\x9D \xE2\x80\x94 it\xE2\x80\x99s   a\xC2\xA0\xC2\xA0"
                       "test  \n"
                       "  kept indent,\ttab\xE2\x80\xA6 \n   \n",
                       "\"Hi\" -- it's a test\n  kept indent, tab...\n\n"));
    CHECK(fold_text_is("co\xC2\xAD"
                       "operate \xEF\xAC\x81nd",
                       "cooperate find"));
    CHECK(fold_text_is("Text:\n    code  \xE2\x80\x9Cx\xE2\x80\x9D   here\nend",
                       "Text:\n    code  \xE2\x80\x9Cx\xE2\x80\x9D   "
                       "here\nend"));
    /* idempotent */
    const char *s = "A \xE2\x80\x9Cquoted\xE2\x80\x9D  line\xE2\x80\x94with\xC2\xA0stuff.\n\n| a | b |\nend  ";
    uint8_t *o1, *o2;
    size_t n1, n2;
    CHECK_EQ(lt_fold_text(U(s), strlen(s), &o1, &n1), LLMZ_OK);
    CHECK_EQ(lt_fold_text(o1, n1, &o2, &n2), LLMZ_OK);
    CHECK(n1 == n2 && !memcmp(o1, o2, n1));
    llmz_free(o1);
    llmz_free(o2);
}

static int wef(const char *a, const char *b) { return lt_words_equal_folded(U(a), strlen(a), U(b), strlen(b)); }

static void test_words_equal(void) {
    const char *a = "The \xEF\xAC\x81rst \xE2\x80\x9Cword\xE2\x80\x9D isn\xE2\x80\x99t\xC2\xA0here \xE2\x80\x94 "
                    "it is  there.\nNext line.";
    CHECK_EQ(wef(a, "The first \"word\" isn't here -- it is there. Next line."), 1);
    CHECK_EQ(wef(a, "The first \"word\" isn't\nhere -- it\nis there.\nNext\nline."), 1);
    CHECK_EQ(wef(a, "The first \"word\" isn't here -- it was there. Next line."), 0);
    CHECK_EQ(wef(a, "The first \"word\" isn't here -- it is there. Next line. More"), 0);
    CHECK_EQ(wef("", ""), 1);
    CHECK_EQ(wef("3.14 apples", "3.15 apples"), 0);
    CHECK_EQ(wef("\xEF\xBC\xA1\xEF\xBC\xA2", "AB"), 1);
}

static int eq_cb(void *ctx, const char *a, size_t an, const char *b, size_t bn) {
    (void)ctx;
    return an == 3 && bn == 5 && !memcmp(a, "big", 3) && !memcmp(b, "large", 5);
}

static lt_metrics meas(const char *a, const char *b, lt_equiv_fn eq) {
    lt_metrics m;
    CHECK_EQ(lt_measure(U(a), strlen(a), U(b), strlen(b), eq, NULL, &m), LLMZ_OK);
    return m;
}

static void test_metrics(void) {
    const char *ten = "the cat sat on the big mat near the door.";
    lt_metrics m = meas(ten, ten, NULL);
    CHECK_EQ(m.words, 10);
    CHECK_EQ(m.content_words, 6); /* cat sat big mat near door ("on" "the" are stop words) */
    CHECK_EQ(m.wer, 0);
    CHECK_EQ(m.chrf, 10000);
    CHECK_EQ(m.recall, 10000);
    CHECK_EQ(m.words_equal_folded, 1);
    CHECK_EQ(m.new_content, 0);
    m = meas(ten, "the cat sat on the large mat near the door.", NULL);
    CHECK_EQ(m.wer, 1000);
    CHECK_EQ(m.new_content, 1);
    CHECK_EQ(m.recall, 8333); /* 5 of 6 */
    CHECK_EQ(m.words_equal_folded, 0);
    m = meas(ten, "the cat sat on the large mat near the door.", eq_cb);
    CHECK_EQ(m.new_content, 0);
    m = meas(ten, "The cat sat on the big mat near the door.", NULL); /* case: wer counts it, recall does not */
    CHECK_EQ(m.wer, 1000);
    CHECK_EQ(m.recall, 10000);
    /* a deleted sentence: recall drops by exactly its share of content words */
    const char *two = "Alice likes green apples. Then Bob hates red pears.";
    m = meas(two, "Alice likes green apples.", NULL);
    CHECK_EQ(m.words, 9);
    CHECK_EQ(m.content_words, 8); /* "then" is a stop word */
    CHECK_EQ(m.recall, 5000);
    CHECK_EQ(m.wer, 5556);     /* 5 deletions / 9 */
    CHECK_EQ(m.prot_total, 1); /* Bob */
    CHECK_EQ(m.prot_kept, 0);
    /* an invented number */
    m = meas("He paid 5 pounds and 7 pence on 3 days.", "He paid 5 pounds and 9 pence on 3 days.", NULL);
    CHECK_EQ(m.prot_total, 3);
    CHECK_EQ(m.prot_kept, 2);
    CHECK_EQ(m.prot_invented, 1);
    CHECK_EQ(m.new_content, 0);
    /* inserted content words */
    m = meas("a cat", "a small black cat", NULL);
    CHECK_EQ(m.new_content, 2);
    CHECK_EQ(m.wer, 10000);
    /* folding does not count */
    m = meas("It\xE2\x80\x99s \xE2\x80\x9C"
             "fine\xE2\x80\x9D \xE2\x80\x94 ok",
             "It's \"fine\" -- ok", NULL);
    CHECK_EQ(m.wer, 0);
    CHECK_EQ(m.chrf, 10000);
    CHECK_EQ(m.words_equal_folded, 1);
    /* chrF by hand: ref "ab", hyp "ac": n=1 P=R=1/2; n=2 P=R=0 -> P=R=1/4 -> F=1/4 */
    m = meas("ab", "ac", NULL);
    CHECK_EQ(m.chrf, 2500);
    /* empty texts */
    m = meas("", "", NULL);
    CHECK_EQ(m.wer, 0);
    CHECK_EQ(m.recall, 10000);
    m = meas("", "one two", NULL);
    CHECK_EQ(m.wer, 20000);
    lt_metrics z;
    CHECK_EQ(lt_measure(NULL, 5, U("x"), 1, NULL, NULL, &z), LLMZ_ERR_PARAM);
}

/* A pseudo-random generator (xorshift). */
static uint64_t rng = 88172645463325252u;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const vocab[] = {
    "the",   "of",    "and",     "a",        "to",     "in",     "is",      "was",     "he",    "for",
    "it",    "with",  "as",      "his",      "on",     "be",     "at",      "by",      "house", "river",
    "green", "stone", "quickly", "mountain", "letter", "window", "garden",  "silver",  "Paris", "London",
    "42",    "1999",  "walked",  "thought",  "under",  "bright", "morning", "evening", "cold"};
#define NV (sizeof vocab / sizeof vocab[0])

/* A random text of about n bytes: sentences of 5-20 words. */
static char *synth(size_t n, size_t *len) {
    char *s = malloc(n + 64);
    size_t k = 0;
    while (k < n) {
        size_t w = 5 + rnd() % 16;
        for (size_t i = 0; i < w && k < n; i++) {
            const char *v = vocab[rnd() % NV];
            if (i == 0) {
                s[k++] = 'W';
                s[k++] = 'e';
            } else {
                memcpy(s + k, v, strlen(v));
                k += strlen(v);
            }
            s[k++] = ' ';
        }
        s[k - 1] = '.';
        s[k++] = rnd() % 8 ? ' ' : '\n';
    }
    *len = k;
    return s;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* recon: every word replaced with probability pct/100 (change) or every sentence dropped (drop). */
static char *mutate(const char *s, size_t n, int pct, int drop, size_t *rn) {
    char *o = malloc(n * 2 + 64);
    size_t k = 0, i = 0;
    while (i < n) {
        size_t j = i;
        if (drop) {
            while (j < n && s[j] != '.') j++;
            j = j < n ? j + 2 : n;
            if (j > n) j = n;
            if ((int)(rnd() % 100) >= pct) memcpy(o + k, s + i, j - i), k += j - i;
        } else {
            while (j < n && s[j] != ' ' && s[j] != '\n' && s[j] != '.') j++;
            if (j > i && (int)(rnd() % 100) < pct) {
                memcpy(o + k, "zebra", 5);
                k += 5;
            } else {
                memcpy(o + k, s + i, j - i);
                k += j - i;
            }
            if (j < n) o[k++] = s[j++];
        }
        i = j;
    }
    *rn = k;
    return o;
}

static void test_stress(void) {
    size_t n, rn;
    char *s = synth(t_quick() ? 200000 : 1000000, &n);
    int cases[2][2] = {{30, 0}, {60, 1}};
    for (int c = 0; c < 2; c++) {
        char *r = mutate(s, n, cases[c][0], cases[c][1], &rn);
        lt_metrics m;
        double t0 = now();
        int rc = lt_measure(U(s), n, U(r), rn, NULL, NULL, &m);
        double dt = now() - t0;
        CHECK_EQ(rc, LLMZ_OK);
        printf("stress %s %d%%: %zu -> %zu bytes, %u words, wer %u, chrf %u, recall %u, kept %u/%u, %.3f s\n",
               cases[c][1] ? "drop" : "change", cases[c][0], n, rn, m.words, m.wer, m.chrf, m.recall, m.prot_kept,
               m.prot_total, dt);
        CHECK(dt < 5.0); /* generous on a shared, sanitized machine; about 0.5 s plain */
        if (!cases[c][1])
            CHECK(m.wer > 2500 && m.wer < 3500);
        else
            CHECK(m.wer > 5000 && m.wer < 7000 && m.recall > 3000 && m.recall < 5000);
        free(r);
    }
    free(s);
}

static void test_fuzz(void) {
    size_t rounds = t_quick() ? 200 : 2000;
    uint8_t buf[512];
    static const char ascii[] = " aZ.,'-\n\t\"`|$%@:/(){}_0123456789";
    for (size_t r = 0; r < rounds; r++) {
        size_t n = rnd() % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = rnd();
            /* a mix of ASCII text, UTF-8 lead and continuation bytes and any byte */
            buf[i] = x % 4 == 0   ? (uint8_t)(x >> 8)
                     : x % 4 == 1 ? (uint8_t)(0x80 | (x >> 8 & 0x7F))
                                  : (uint8_t)ascii[(x >> 8) % (sizeof ascii - 1)];
        }
        lt_doc d;
        int rc = lt_parse(&d, buf, n);
        CHECK(rc == LLMZ_OK && covers(&d, n));
        for (size_t i = 0; rc == LLMZ_OK && i < d.n_items; i++) CHECK(d.items[i].off + d.items[i].len <= n);
        lt_doc_free(&d);
        uint8_t *o;
        size_t on;
        CHECK_EQ(lt_fold_text(buf, n, &o, &on), LLMZ_OK);
        llmz_free(o);
        lt_metrics m;
        CHECK_EQ(lt_measure(buf, n, buf, n / 2, NULL, NULL, &m), LLMZ_OK);
        CHECK(lt_words_equal_folded(buf, n, buf, n) == 1);
    }
}

/* Every allocation failing in turn: LLMZ_ERR_NOMEM, never a crash or a leak (under the sanitizer). */
static void test_nomem(void) {
    const char *a = "On 12 March 1999 Bob paid $5 at www.x.com.\n\n    code line\nThe end of it all.";
    const char *b = "On 12 March 1999 Bob paid $6 at www.x.com.\nThe end.";
    int ok = 1;
    for (long k = 1; k < 200; k++) {
        lt_metrics m;
        lt_doc d;
        uint8_t *o;
        size_t on;
        llmz_mem_fail_after(k);
        int r1 = lt_measure(U(a), strlen(a), U(b), strlen(b), NULL, NULL, &m);
        llmz_mem_fail_after(k);
        int r2 = lt_parse(&d, U(a), strlen(a));
        llmz_mem_fail_after(k);
        int r3 = lt_fold_text(U(a), strlen(a), &o, &on);
        llmz_mem_fail_after(-1);
        ok &= (r1 == LLMZ_OK || r1 == LLMZ_ERR_NOMEM) && (r2 == LLMZ_OK || r2 == LLMZ_ERR_NOMEM) &&
              (r3 == LLMZ_OK || r3 == LLMZ_ERR_NOMEM);
        if (r2 == LLMZ_OK) lt_doc_free(&d);
        if (r3 == LLMZ_OK) llmz_free(o);
    }
    CHECK(ok);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"pieces", test_pieces},     {"items", test_items},
                                   {"verbatim", test_verbatim}, {"sentences", test_sentences},
                                   {"fold", test_fold},         {"words_equal", test_words_equal},
                                   {"metrics", test_metrics},   {"stress", test_stress},
                                   {"fuzz", test_fuzz},         {"nomem", test_nomem}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
