/*
** drop.c -- level 2's deletions of optional material (drop.h).  The kinds, each found at one piece:
**   DROP_ADJ     an adjective of the table (not a stop word) directly before a noun-like word (lower-case, no stop
**                word, not in the table): "the old man" -> "the man"; before ", ADJ" ("a tall, dark man") or
**                "and ADJ" ("old and tired men": "and" goes too);
**   DROP_ADV     an -ly adverb of the table or an intensifier/hedge (INTENSIFIERS below), after a word, not one
**                that turns the meaning (KEEP below: "hardly", "only", "nearly" ...): "walked slowly away";
**   DROP_MARKER  a sentence-initial discourse marker followed by a comma ("However, the" -> "The"), the markers of
**                MARKERS below or an -ly adverb of the table;
**   DROP_CLAUSE  a comma, then a clause opened by a word of OPENERS (which, who, though ...), up to the next comma
**                (deleted too) or the next . ; : ! ? (kept), at most CLAUSE_MAX_WORDS words:
**                "the man, who was tall, came" -> "the man came";
**   DROP_PAREN   a blank and a parenthesis on one line, at most PAREN_MAX_WORDS words.
** An article before the deletion ("a"/"an") is changed to fit the word after it ("an old man" -> "a man"); a
** deletion at a sentence start gives the next word a capital.  Never over a line break, a protected item or a
** verbatim line, and never next to a capitalised word that the deletion would move to a sentence start.
*/
#include "lossy/drop.h"

#include <string.h>

#include "lossy/modifier_data.h"

#define CLAUSE_MAX_WORDS  16
#define GENERIC_MAX_WORDS 8
#define TAIL_MAX_WORDS    30
#define PAREN_MAX_WORDS   16
#define WORD_MAX          32
#ifndef DROP_MAX_NL
#define DROP_MAX_NL 1 /* line breaks a deleted span may hold: two would leave a blank line, a new paragraph */
#endif

static const char *const INTENSIFIERS[] = {"very",    "quite",     "rather", "really", "just",   "somewhat", "indeed",
                                           "perhaps", "certainly", "truly",  "simply", "fairly", "pretty",   NULL};
static const char *const KEEP[] = {
    "hardly",  "scarcely", "barely",   "only",   "nearly",       "rarely",   "early",      "likely",   "unlikely",
    "daily",   "weekly",   "monthly",  "yearly", "hourly",       "nightly",  "merely",     "ugly",     "holy",
    "lonely",  "lovely",   "friendly", "partly", "mostly",       "largely",  "wholly",     "entirely", "fully",
    "seldom",  "not",      "never",    "no",     "almost",       "formerly", "previously", "lately",   "recently",
    "finally", "firstly",  "secondly", "lastly", "subsequently", NULL};
static const char *const MARKERS[] = {
    "however", "indeed",      "moreover",    "besides", "nevertheless", "nonetheless", "still", "well",      "now",
    "oh",      "furthermore", "accordingly", "thus",    "hence",        "therefore",   "yes",   "certainly", "surely",
    "perhaps", "anyway",      "again",       "then",    "so",           "ah",          NULL};
static const char *const MARKERS2[] = {"of course",    "in fact",    "after all", "for example",
                                       "for instance", "in short",   "no doubt",  "in truth",
                                       "at least",     "to be sure", NULL};
/* Adjectives never dropped: numbers and quantities (facts), and those that deny or qualify what the noun says. */
static const char *const KEEP_ADJ[] = {
    "one",       "two",       "three",      "four",       "five",        "six",       "seven",      "eight",
    "nine",      "ten",       "eleven",     "twelve",     "thirteen",    "fourteen",  "fifteen",    "sixteen",
    "seventeen", "eighteen",  "nineteen",   "twenty",     "thirty",      "forty",     "fifty",      "sixty",
    "seventy",   "eighty",    "ninety",     "hundred",    "thousand",    "million",   "billion",    "dozen",
    "score",     "first",     "second",     "third",      "fourth",      "fifth",     "sixth",      "seventh",
    "eighth",    "ninth",     "tenth",      "twelfth",    "twentieth",   "hundredth", "thousandth", "last",
    "next",      "half",      "single",     "double",     "triple",      "twin",      "sole",       "several",
    "numerous",  "countless", "various",    "sundry",     "multiple",    "former",    "latter",     "previous",
    "late",      "future",    "false",      "fake",       "mock",        "sham",      "alleged",    "supposed",
    "pretended", "pseudo",    "imitation",  "artificial", "counterfeit", "so-called", "nominal",    "virtual",
    "potential", "possible",  "impossible", "ex",         "dead",        "alive",     "living",     "male",
    "female",    "left",      "right",      "north",      "south",       "east",      "west",       "northern",
    "southern",  "eastern",   "western",    "upper",      "lower",       "inner",     "outer",      NULL};
static const char *const DETERMINERS[] = {"the",  "a",    "an",    "his",   "her",   "its",  "their", "my", "our",
                                          "your", "this", "these", "those", "every", "each", "some",  NULL};
static const char *const TAILS[] = {"and", "but", "for", "while", "whereas", "as", "so", NULL};
static const char *const OPENERS[] = {"which",    "who",     "whom",   "whose",    "though",    "although",
                                      "however",  "perhaps", "indeed", "moreover", "therefore", "doubtless",
                                      "no doubt", "when",    "where",  "while",    "because",   "since",
                                      "as",       "after",   "before", "until",    NULL};

static int up(uint8_t c) { return c >= 'A' && c <= 'Z'; }
static int lo(uint8_t c) { return c >= 'a' && c <= 'z'; }

/* Lower-case ASCII copy of s[0, n) into buf (WORD_MAX bytes and a NUL); 0 if too long or not ASCII. */
static size_t lower(const uint8_t *s, size_t n, char *buf) {
    if (n == 0 || n >= WORD_MAX) return 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] >= 0x80) return 0;
        buf[k] = (char)(up(s[k]) ? s[k] - 'A' + 'a' : s[k]);
    }
    buf[n] = 0;
    return n;
}

static int in_list(const char *const *l, const char *w) {
    for (; *l; l++)
        if (strcmp(*l, w) == 0) return 1;
    return 0;
}

int drop_class(const uint8_t *w, size_t n) {
    char b[WORD_MAX + 1];
    if (!lower(w, n, b)) return DROP_NONE;
    uint32_t a = 0, z = mod_n_words;
    while (a < z) {
        uint32_t m = a + (z - a) / 2;
        const char *e = mod_strings + mod_word_off[m];
        int c = strcmp(e, b);
        if (c == 0) return (uint8_t)e[strlen(e) + 1];
        if (c < 0)
            a = m + 1;
        else
            z = m;
    }
    return DROP_NONE;
}

static int free_p(const lt_piece *p) { return p->prot == LP_NONE && !(p->flags & LT_F_VERBATIM); }
static int one_space(const uint8_t *s, const lt_piece *p) {
    return p->kind == LT_SPACE && p->len == 1 && s[p->off] == ' ';
}
static int punct(const uint8_t *s, const lt_piece *p, char c) {
    return p->kind == LT_PUNCT && p->len == 1 && s[p->off] == c;
}

/* Piece k of d is a free word spelt w (any case). */
static int word_is(const uint8_t *s, const lt_doc *d, size_t k, const char *w) {
    char b[WORD_MAX + 1];
    return k < d->n && d->p[k].kind == LT_WORD && free_p(&d->p[k]) && lower(s + d->p[k].off, d->p[k].len, b) &&
           strcmp(b, w) == 0;
}

/* A lower-case free word that is no stop word and not in the table: a noun, as far as the rules can tell. */
static int noun_like(const uint8_t *s, const lt_doc *d, size_t k) {
    if (k >= d->n) return 0;
    const lt_piece *p = &d->p[k];
    return p->kind == LT_WORD && free_p(p) && lo(s[p->off]) && !lt_is_stop_word(s + p->off, p->len) &&
           drop_class(s + p->off, p->len) == DROP_NONE;
}

/* The span [a, z) deleted; piece `next` is the word that follows it (d->n: none).  The article piece before the
** span (art, d->n: none) is changed to fit, and a deletion at a sentence start gives `next` a capital. */
static int finish(const uint8_t *s, const lt_doc *d, uint32_t a, uint32_t z, size_t art, size_t next, int sent,
                  int edits, int kind, drop_site *o) {
    memset(o, 0, sizeof *o);
    o->off = a;
    o->len = z - a;
    o->kind = (uint8_t)kind;
    const lt_piece *nx = next < d->n ? &d->p[next] : NULL;
    if (art < d->n && nx && nx->kind == LT_WORD) {
        const lt_piece *ap = &d->p[art];
        int an = ap->len == 2, vowel = strchr("aeiouAEIOU", s[nx->off]) != NULL;
        if (an != vowel) { /* "an old man" -> "a man", "a very odd man" -> "an odd man" */
            o->rep[0] = (char)s[ap->off];
            if (vowel) o->rep[1] = 'n';
            o->rep_len = (uint8_t)(vowel ? 2 : 1);
            if (z == nx->off) o->rep[o->rep_len++] = ' '; /* the span ends at the next word: its blank too */
            o->len += o->off - ap->off;
            o->off = ap->off;
            edits++;
            if (sent) return 0; /* (an article at a sentence start keeps its own capital: sent is then 0) */
        }
    }
    if (sent) { /* the next word starts the sentence now */
        if (!nx || nx->kind != LT_WORD || !free_p(nx) || !lo(s[nx->off]) || nx->off != z) return 0;
        o->rep[o->rep_len++] = (char)(s[nx->off] - 'a' + 'A');
        o->len++;
        edits++;
    }
    o->edits = (uint8_t)edits;
    return 1;
}

/* The article just before piece i ("a"/"an" and one blank), or d->n. */
static size_t article_before(const uint8_t *s, const lt_doc *d, size_t i) {
    if (i >= 2 && one_space(s, &d->p[i - 1]) && (word_is(s, d, i - 2, "a") || word_is(s, d, i - 2, "an"))) return i - 2;
    return d->n;
}

static int keep_adj(const uint8_t *s, const lt_piece *p) {
    char b[WORD_MAX + 1];
    return !lower(s + p->off, p->len, b) || in_list(KEEP_ADJ, b);
}

/* A word that is an adjective by its form after a determiner: "the red-faced man", "a celebrated author". */
static int participle(const uint8_t *s, const lt_doc *d, size_t i) {
    const lt_piece *p = &d->p[i];
    char b[WORD_MAX + 1];
    if (i < 2 || !one_space(s, &d->p[i - 1]) || !lower(s + d->p[i - 2].off, d->p[i - 2].len, b) ||
        d->p[i - 2].kind != LT_WORD || !in_list(DETERMINERS, b) || !lower(s + p->off, p->len, b))
        return 0;
    size_t n = strlen(b);
    const char *h = strchr(b, '-');
    int hyphen = h && h > b && lo((uint8_t)h[1]) && !strchr(b, '\'');
    return hyphen || (n > 4 && b[n - 2] == 'e' && b[n - 1] == 'd');
}

static int adjective(const uint8_t *s, const lt_doc *d, size_t i, drop_site *o) {
    const lt_piece *p = &d->p[i];
    int sent = (p->flags & LT_F_SENT_START) != 0;
    if ((!lo(s[p->off]) && !sent) || lt_is_stop_word(s + p->off, p->len)) return 0;
    if (drop_class(s + p->off, p->len) != DROP_ADJ && !(lo(s[p->off]) && participle(s, d, i))) return 0;
    if (keep_adj(s, &d->p[i])) return 0;
    if (i + 2 >= d->n) return 0;
    size_t next = d->n, art = article_before(s, d, i);
    int edits = 1;
    if (one_space(s, &d->p[i + 1]) && noun_like(s, d, i + 2)) {
        next = i + 2;
    } else if (one_space(s, &d->p[i + 1]) && i + 4 < d->n && d->p[i + 2].kind == LT_WORD && free_p(&d->p[i + 2]) &&
               lo(s[d->p[i + 2].off]) && drop_class(s + d->p[i + 2].off, d->p[i + 2].len) == DROP_ADJ &&
               !keep_adj(s, &d->p[i + 2]) && one_space(s, &d->p[i + 3]) &&
               noun_like(s, d, i + 4)) { /* "the old red house" -> "the red house" */
        next = i + 2;
    } else if (punct(s, &d->p[i + 1], ',') && i + 3 < d->n && one_space(s, &d->p[i + 2]) &&
               d->p[i + 3].kind == LT_WORD && free_p(&d->p[i + 3]) &&
               drop_class(s + d->p[i + 3].off, d->p[i + 3].len) == DROP_ADJ) {
        next = i + 3;
    } else if (one_space(s, &d->p[i + 1]) && word_is(s, d, i + 2, "and") && i + 4 < d->n &&
               one_space(s, &d->p[i + 3]) && d->p[i + 4].kind == LT_WORD && free_p(&d->p[i + 4]) &&
               drop_class(s + d->p[i + 4].off, d->p[i + 4].len) == DROP_ADJ) {
        next = i + 4;
        edits = 2;
    } else {
        return 0;
    }
    return finish(s, d, p->off, d->p[next].off, art, next, sent, edits, DROP_ADJ, o);
}

static int adverb(const uint8_t *s, const lt_doc *d, size_t i, drop_site *o) {
    const lt_piece *p = &d->p[i];
    char b[WORD_MAX + 1];
    if (!lower(s + p->off, p->len, b) || !lo(s[p->off]) || (p->flags & LT_F_SENT_START) || in_list(KEEP, b)) return 0;
    if (!in_list(INTENSIFIERS, b) && drop_class(s + p->off, p->len) != DROP_ADV) return 0;
    if (i < 2 || !one_space(s, &d->p[i - 1]) || d->p[i - 2].kind != LT_WORD || !free_p(&d->p[i - 2])) return 0;
    size_t next = i + 2 < d->n && one_space(s, &d->p[i + 1]) ? i + 2 : d->n;
    if (next < d->n && d->p[next].kind == LT_WORD && (d->p[next].flags & LT_F_CAP)) return 0;
    if (word_is(s, d, next, "than")) return 0; /* "rather than" */
    size_t art = article_before(s, d, i);
    return finish(s, d, d->p[i - 1].off, p->off + p->len, art, next, 0, 1, DROP_ADV, o);
}

static int marker(const uint8_t *s, const lt_doc *d, size_t i, drop_site *o) {
    const lt_piece *p = &d->p[i];
    char b[2 * WORD_MAX + 2];
    if (!(p->flags & LT_F_SENT_START) || !lower(s + p->off, p->len, b)) return 0;
    size_t j = i + 1; /* the piece after the marker */
    int words = 1;
    if (!in_list(MARKERS, b) && !(drop_class(s + p->off, p->len) == DROP_ADV && !in_list(KEEP, b))) {
        /* two or three words */
        for (; words < 3 && j + 1 < d->n && one_space(s, &d->p[j]) && d->p[j + 1].kind == LT_WORD; words++) {
            size_t n = strlen(b);
            b[n] = ' ';
            if (!lower(s + d->p[j + 1].off, d->p[j + 1].len, b + n + 1)) return 0;
            j += 2;
            if (in_list(MARKERS2, b)) break;
        }
        if (!in_list(MARKERS2, b)) return 0;
        words++;
    }
    for (size_t k = i; k < j; k++)
        if (!free_p(&d->p[k])) return 0;
    if (words == 1 && j + 1 < d->n && one_space(s, &d->p[j]) && drop_class(s + p->off, p->len) == DROP_ADV &&
        !in_list(KEEP, b)) /* "Suddenly he rose" -> "He rose" */
        return finish(s, d, p->off, d->p[j + 1].off, d->n, j + 1, 1, words, DROP_MARKER, o);
    if (j + 2 >= d->n || !punct(s, &d->p[j], ',') || d->p[j + 1].kind != LT_SPACE) return 0;
    return finish(s, d, p->off, d->p[j + 2].off, d->n, j + 2, 1, words, DROP_MARKER, o);
}

/* Pieces from k to a terminator (a piece of one of the bytes of term): its index, or d->n.  The scan stops with no
** terminator at a protected or verbatim piece, a paragraph break, more than max words, and at punctuation other than
** an apostrophe and the bytes of `pass`.  *words counts the words on the way, *nl the line breaks. */
static size_t scan_to(const uint8_t *s, const lt_doc *d, size_t k, const char *term, const char *pass, int max,
                      int *words, int *nl) {
    int last_nl = 0;
    for (*words = 0, *nl = 0; k < d->n; k++) {
        const lt_piece *p = &d->p[k];
        if (!free_p(p) || p->kind == LT_OTHER) return d->n;
        if (p->kind == LT_NEWLINE) {
            if (last_nl || ++*nl > DROP_MAX_NL) return d->n;
            last_nl = 1;
            continue;
        }
        if (p->kind == LT_PUNCT) {
            if (p->len == 1 && strchr(term, s[p->off])) return k;
            if (p->len != 1 || (s[p->off] != '\'' && !strchr(pass, s[p->off]))) return d->n;
        }
        if (p->kind != LT_SPACE) last_nl = 0;
        if (p->kind == LT_WORD || p->kind == LT_NUMBER) (*words)++;
        if (*words > max) return d->n;
    }
    return d->n;
}

/* The span from piece a to the terminator piece t deleted: the terminator too when `with_term` (a comma), else kept
** (. ; ! ?).  Line breaks inside the span stay (the text keeps its lines: guard.h); the blank after the span goes
** with them. */
static int span_drop(const uint8_t *s, const lt_doc *d, size_t a, size_t t, int with_term, int words, int nl, int kind,
                     drop_site *o) {
    memset(o, 0, sizeof *o);
    o->off = d->p[a].off;
    o->kind = (uint8_t)kind;
    o->edits = (uint8_t)words;
    uint32_t z = d->p[t].off + (with_term ? 1 : 0);
    if (nl > 0) {
        /* "man, who was\ntall, came" -> "man\ncame"; "rose; and he\nleft. Then" -> "rose.\nThen" */
        uint32_t after = d->p[t].off + 1;
        if (t + 1 >= d->n || d->p[t + 1].kind != LT_SPACE || !one_space(s, &d->p[t + 1])) return 0;
        if (!with_term) o->rep[o->rep_len++] = (char)s[d->p[t].off];
        for (size_t k = a; k < t; k++) /* each line break as it was ("\r\n" stays "\r\n") */
            if (d->p[k].kind == LT_NEWLINE && o->rep_len + d->p[k].len <= DROP_MAX_REP) {
                memcpy(o->rep + o->rep_len, s + d->p[k].off, d->p[k].len);
                o->rep_len += d->p[k].len;
            }
        z = after + 1;
    }
    o->len = z - o->off;
    return 1;
}

/* ", which was tall," and the like (OPENERS); ", X ...," of at most GENERIC_MAX_WORDS words; "; X ..." and
** ", and X ..." to the sentence end. */
static int clause(const uint8_t *s, const lt_doc *d, size_t i, drop_site *o) {
    if (i + 2 >= d->n || !one_space(s, &d->p[i + 1]) || d->p[i + 2].kind != LT_WORD) return 0;
    char b[2 * WORD_MAX + 2];
    const lt_piece *w = &d->p[i + 2];
    if (!lower(s + w->off, w->len, b) || !lo(s[w->off])) return 0;
    int words, nl, semi = s[d->p[i].off] == ';';
    size_t t;
    if (semi || in_list(TAILS, b)) { /* to the sentence end */
        t = scan_to(s, d, i + 2, ".!?", ",;:", TAIL_MAX_WORDS, &words, &nl);
        if (t < d->n && words >= 2) return span_drop(s, d, i, t, 0, words, nl, DROP_TAIL, o);
        if (semi) return 0;
    }
    int opener = in_list(OPENERS, b);
    if (!opener && i + 4 < d->n && one_space(s, &d->p[i + 3]) && d->p[i + 4].kind == LT_WORD) {
        size_t n = strlen(b);
        b[n] = ' ';
        opener = lower(s + d->p[i + 4].off, d->p[i + 4].len, b + n + 1) && in_list(OPENERS, b);
    }
    t = scan_to(s, d, i + 2, opener ? ",.;:!?" : ",", "", opener ? CLAUSE_MAX_WORDS : GENERIC_MAX_WORDS, &words, &nl);
    if (t >= d->n || words < 2) return 0; /* the opener and more */
    /* a clause of OPENERS goes with both commas ("the man, who was tall, came"), another with the first only: it
    ** is most often an apposition among others ("the Miroir, a newspaper hussar, a delightful skirmisher") */
    int comma = opener && s[d->p[t].off] == ',';
    return span_drop(s, d, i, t, comma, words, nl, DROP_CLAUSE, o);
}

/* " (...)" and "--...--" */
static int paren(const uint8_t *s, const lt_doc *d, size_t i, drop_site *o) {
    if (i < 2 || !one_space(s, &d->p[i - 1]) || d->p[i - 2].kind == LT_NEWLINE) return 0;
    int words, nl;
    size_t t = scan_to(s, d, i + 1, ")", ",;:.!?-", PAREN_MAX_WORDS, &words, &nl);
    if (t >= d->n || words < 1) return 0;
    return span_drop(s, d, i - 1, t, 1, words, nl, DROP_PAREN, o);
}

static int dashes(const uint8_t *s, const lt_doc *d, size_t i, drop_site *o) {
    if (i + 2 >= d->n || !punct(s, &d->p[i + 1], '-') || i < 1 || d->p[i - 1].kind != LT_WORD) return 0;
    int words, nl;
    size_t t = scan_to(s, d, i + 2, "-", ",;:", PAREN_MAX_WORDS, &words, &nl);
    if (t + 2 >= d->n || words < 1 || nl || !punct(s, &d->p[t + 1], '-') || d->p[t + 2].kind != LT_WORD) return 0;
    if (!free_p(&d->p[t + 2]) || (d->p[t + 2].flags & LT_F_CAP)) return 0;
    /* "the old Constitutionnel--of Saint-Albin--was" -> "the old Constitutionnel was" */
    memset(o, 0, sizeof *o);
    o->off = d->p[i].off;
    o->len = d->p[t + 1].off + 1 - o->off;
    o->rep[o->rep_len++] = ' ';
    o->edits = (uint8_t)words;
    o->kind = DROP_PAREN;
    return 1;
}

int drop_find(const uint8_t *s, const lt_doc *d, size_t i, drop_site *out) {
    const lt_piece *p = &d->p[i];
    if (!free_p(p)) return 0;
    if (punct(s, p, ',') || punct(s, p, ';')) return clause(s, d, i, out);
    if (punct(s, p, '(')) return paren(s, d, i, out);
    if (punct(s, p, '-')) return dashes(s, d, i, out);
    if (p->kind != LT_WORD || p->len >= WORD_MAX) return 0;
    return marker(s, d, i, out) || adjective(s, d, i, out) || adverb(s, d, i, out);
}
