/* test_thesaurus.c -- the embedded thesaurus (lib/lossy/thesaurus.c, data from tools/thesaurus/build.py):
** known pairs, inflected keys, spelling variants both ways, contractions, case-insensitivity, rejects, and a walk
** over the whole table (sorted unique lower-case words, no word its own equivalent, symmetric spelling table).
** Regeneration is checked by hand, not here (needs /usr/share/wordnet and ../shared/corpus):
**   xz -dc ../shared/corpus/train_mix_v1.txt.xz | head -c 200000000 | tools/thesaurus/count_words.py \
**       > build/thes_counts.tsv && tools/thesaurus/build.py && git diff --exit-code lib/lossy/thesaurus_data.c */
#include "lossy/thesaurus.h"
#include "t.h"

/* 1 if b is among the equivalents thes_lookup gives for a (kinds). */
static int has(const char *a, const char *b, int kinds) {
    thes_word out[32];
    int n = thes_lookup(a, strlen(a), kinds, out, 32);
    for (int i = 0; i < n; i++)
        if (out[i].len == strlen(b) && memcmp(out[i].s, b, out[i].len) == 0) return 1;
    return 0;
}

static int eq(const char *a, const char *b) { return thes_is_equivalent(a, strlen(a), b, strlen(b)); }

static int count(const char *a, int kinds) {
    thes_word out[32];
    return thes_lookup(a, strlen(a), kinds, out, 32);
}

static void synonyms(void) {
    CHECK(has("big", "large", THES_SYNONYM));
    CHECK(has("large", "big", THES_SYNONYM));
    CHECK(has("little", "small", THES_SYNONYM));
    CHECK(has("small", "little", THES_SYNONYM));
    CHECK(has("think", "believe", THES_SYNONYM));
    CHECK(has("child", "kid", THES_SYNONYM));
    CHECK(has("buy", "purchase", THES_SYNONYM));
    CHECK(has("reply", "answer", THES_SYNONYM));
    CHECK(has("rock", "stone", THES_SYNONYM));
    CHECK(has("stone", "rock", THES_SYNONYM));
    CHECK(has("seldom", "rarely", THES_SYNONYM));
    CHECK(has("rarely", "seldom", THES_SYNONYM));
    CHECK(has("perhaps", "maybe", THES_SYNONYM));
    CHECK(has("maybe", "perhaps", THES_SYNONYM));
    CHECK(has("wrong", "incorrect", THES_SYNONYM));
    CHECK(eq("big", "large") && eq("large", "big"));
    CHECK(eq("quickly", "rapidly"));
    /* the first sense only: 'begin' is not 'get' */
    CHECK(!has("begin", "get", THES_SYNONYM));
    CHECK(has("begin", "start", THES_SYNONYM));
    CHECK(!eq("big", "small"));
    CHECK(!eq("house", "cat"));
    /* the spelling table is not asked for */
    CHECK(!has("colour", "color", THES_SYNONYM));
    /* most frequent first, all lower case, no duplicates, cap respected */
    thes_word out[32];
    int n = thes_lookup("think", 5, THES_SYNONYM, out, 32);
    CHECK(n >= 3 && n <= 8);
    CHECK(n >= 1 && strcmp(out[0].s, "believe") == 0);
    CHECK_EQ(thes_lookup("think", 5, THES_SYNONYM, out, 2), 2);
    CHECK_EQ(thes_lookup("think", 5, THES_SYNONYM, out, 0), 0);
}

static void inflections(void) {
    CHECK(has("children", "kids", THES_SYNONYM));
    CHECK(has("kids", "children", THES_SYNONYM));
    CHECK(has("stones", "rocks", THES_SYNONYM));
    CHECK(has("rocks", "stones", THES_SYNONYM));
    CHECK(has("roads", "routes", THES_SYNONYM));
    CHECK(has("replied", "answered", THES_SYNONYM));
    CHECK(has("replies", "answers", THES_SYNONYM));
    CHECK(has("bought", "purchased", THES_SYNONYM));
    CHECK(has("purchased", "bought", THES_SYNONYM));
    CHECK(has("started", "commenced", THES_SYNONYM));
    CHECK(has("homes", "habitations", THES_SYNONYM));
    /* inflected keys map to forms inflected alike, never to bare lemmas */
    CHECK(!has("children", "kid", THES_SYNONYM));
    CHECK(!has("bought", "purchase", THES_SYNONYM));
    /* surface forms of two lemmas are left out: saw (see, saw), does (do, doe), left (leave, left) */
    CHECK_EQ(count("saw", THES_SYNONYM | THES_SPELLING), 0);
    CHECK_EQ(count("does", THES_SYNONYM | THES_SPELLING), 0);
    CHECK_EQ(count("left", THES_SYNONYM | THES_SPELLING), 0);
}

static void spelling(void) {
    static const char *pairs[][2] = {{"colour", "color"},       {"colours", "colors"}, {"centre", "center"},
                                     {"centres", "centers"},    {"realise", "realize"}, {"realised", "realized"},
                                     {"grey", "gray"},          {"neighbour", "neighbor"}, {"armoured", "armored"},
                                     {"aluminium", "aluminum"}, {"defence", "defense"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        CHECK(has(pairs[i][0], pairs[i][1], THES_SPELLING));
        CHECK(has(pairs[i][1], pairs[i][0], THES_SPELLING));
        CHECK(eq(pairs[i][0], pairs[i][1]) && eq(pairs[i][1], pairs[i][0]));
    }
    /* both tables at once: a word listed by both comes once */
    thes_word out[32];
    int n = thes_lookup("grey", 4, THES_SYNONYM | THES_SPELLING, out, 32), gray = 0;
    for (int i = 0; i < n; i++) gray += strcmp(out[i].s, "gray") == 0;
    CHECK_EQ(gray, 1);
}

static void contractions(void) {
    const char *l, *s;
    int n = 0, dont = 0, wont = 0, im = 0, cant = 0;
    for (int i = 0; thes_contraction(i, &l, &s); i++, n++) {
        CHECK(strchr(s, '\'') != NULL);
        CHECK(strchr(l, '\'') == NULL && strlen(l) > 0);
        CHECK(strlen(s) < strlen(l));
        dont += !strcmp(l, "do not") && !strcmp(s, "don't");
        wont += !strcmp(l, "will not") && !strcmp(s, "won't");
        im += !strcmp(l, "I am") && !strcmp(s, "I'm");
        cant += !strcmp(l, "cannot") && !strcmp(s, "can't");
    }
    CHECK(n >= 40);
    CHECK(dont == 1 && wont == 1 && im == 1 && cant == 1);
    CHECK(!thes_contraction(-1, &l, &s));
    CHECK(!thes_contraction(n, &l, &s));
}

static void rejects(void) {
    CHECK(has("BIG", "large", THES_SYNONYM));
    CHECK(has("Big", "large", THES_SYNONYM));
    CHECK(eq("BIG", "Large"));
    CHECK(has("Colour", "color", THES_SPELLING));
    thes_word out[8];
    CHECK_EQ(thes_lookup("", 0, 3, out, 8), 0);
    CHECK_EQ(thes_lookup(NULL, 0, 3, out, 8), 0);
    CHECK_EQ(thes_lookup("big", 3, 0, out, 8), 0);
    CHECK_EQ(thes_lookup("big", 3, 3, NULL, 8), 0);
    CHECK_EQ(count("xqzzy", 3), 0);
    CHECK_EQ(count("big!", 3), 0);
    CHECK_EQ(count("bi", 3), 0);
    CHECK_EQ(count("the", 3), 0);
    /* closed-class words and light verbs are left out (WordNet: will -> volition, one -> i, make <-> do) */
    CHECK_EQ(count("will", 3), 0);
    CHECK_EQ(count("one", 3), 0);
    CHECK_EQ(count("make", 3), 0);
    CHECK_EQ(count("made", 3), 0);
    CHECK_EQ(count("in", 3), 0);
    CHECK(!has("do", "make", THES_SYNONYM) && !has("hand", "paw", THES_SYNONYM));
    CHECK_EQ(count("b\xc3\xafg", 3), 0);
    CHECK_EQ(count("caf\xc3\xa9", 3), 0);
    CHECK_EQ(thes_lookup("big\0", 4, 3, out, 8), 0);
    CHECK_EQ(thes_lookup("bigx", 3, 3, out, 8), 1); /* n bytes only */
    char longw[200];
    memset(longw, 'a', sizeof longw);
    CHECK_EQ(thes_lookup(longw, sizeof longw, 3, out, 8), 0);
    CHECK(!eq("big", "big"));
    CHECK(!eq("", "big"));
    CHECK(!thes_is_equivalent("big", 3, "l\xc3\xa4rge", 6));
}

static void table(void) {
    uint32_t nw = thes_word_count(), bad_order = 0, bad_chars = 0, self = 0, asym_sp = 0, empty = 0, over = 0;
    CHECK(nw > 5000 && nw < 65536);
    CHECK(thes_word_at(nw) == NULL);
    for (uint32_t i = 0; i < nw; i++) {
        const char *w = thes_word_at(i);
        size_t len = strlen(w);
        if (i > 0 && strcmp(thes_word_at(i - 1), w) >= 0) bad_order++;
        for (size_t j = 0; j < len; j++) bad_chars += w[j] < 'a' || w[j] > 'z';
        if (len == 0 || len > THES_MAX_WORD) bad_chars++;
        thes_word out[64];
        int n = thes_lookup(w, len, THES_SYNONYM, out, 64);
        if (n > 8) over++;
        for (int k = 0; k < n; k++) {
            if (out[k].len == len && !memcmp(out[k].s, w, len)) self++;
            if (out[k].len != strlen(out[k].s)) bad_chars++;
            if (!thes_is_equivalent(w, len, out[k].s, out[k].len)) asym_sp++;
        }
        int m = thes_lookup(w, len, THES_SPELLING, out, 64);
        for (int k = 0; k < m; k++) {
            if (out[k].len == len && !memcmp(out[k].s, w, len)) self++;
            if (!has(out[k].s, w, THES_SPELLING)) asym_sp++;
        }
        /* every word is a key or an equivalent of one: with no equivalents, some key must list it (sampled) */
        if (n == 0 && m == 0) empty++;
    }
    CHECK_EQ(bad_order, 0);
    CHECK_EQ(bad_chars, 0);
    CHECK_EQ(self, 0);
    CHECK_EQ(asym_sp, 0);
    CHECK_EQ(over, 0);
    CHECK(empty < nw);
    uint32_t keys, pairs, bytes;
    thes_stats(&keys, &pairs, &bytes);
    CHECK(keys > 5000 && pairs > keys && bytes > 0 && bytes <= 600 * 1024);
    printf("thesaurus: %u words, %u keys, %u pairs, %u bytes\n", nw, keys, pairs, bytes);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"synonyms", synonyms},         {"inflections", inflections},
                                   {"spelling", spelling},         {"contractions", contractions},
                                   {"rejects", rejects},           {"table", table}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
