/* text.h -- text analysis for the lossy ("semantic") mode: splitting UTF-8 text into pieces, protected items,
** verbatim regions and sentences; canonical folding (level 1); the metrics that measure a reconstruction.
** Pure text code, no model; deterministic (integer counting, the few ratios in double with plain + - * /).
**
** PIECES.  lt_parse splits a text into pieces that cover every byte exactly once, in order:
**   LT_WORD     a run of word characters (letters, digits, '_') holding at least one letter or '_' between letters
**               or digits, with joiners kept inside: an apostrophe (' or U+2019) between two letters ("don't"), a
**               hyphen between two letters/digits ("well-known", "COVID-19"), a '.' between two letters/digits
**               ("os.path", "e.g", "v1.2"), ',' or ':' between two digits.  A letter is an ASCII letter or any
**               valid UTF-8 sequence (code point >= U+0080) that the generated class table (fold_table.h) does not
**               list as punctuation, symbol, control or space -- so accented, Greek, CJK letters are letters.
**   LT_NUMBER   the same run when it holds digits only, with the joiners . , : between digits ("3.14", "1,000",
**               "12:30").  (A run of letters and digits such as "mp3", "4th", "5km" is an LT_WORD.)
**   LT_SPACE    a run of blanks: ' ', '\t', '\v', '\f' and Unicode spaces (U+00A0, U+2000-200A, U+3000, ...).
**   LT_NEWLINE  one line break: "\n", "\r\n", a lone "\r", U+0085, U+2028 or U+2029 (one piece per break).
**   LT_PUNCT    one punctuation or symbol code point (ASCII or not); a run of '_' with no letter or digit.
**   LT_OTHER    one invalid UTF-8 byte (bad lead, truncated, overlong, surrogate, > U+10FFFF) or a control character.
**
** VERBATIM LINES (LT_F_VERBATIM on every piece of the line, its line break included; prot LP_CODE; one LP_CODE item
** per non-blank line, the line without its break): the lines of a fenced code block (a line whose first non-blank
** text, after at most 3 spaces, is ``` or ~~~, up to and including the next line starting with the same fence, or
** the end of the text); a non-blank line indented by 4 spaces or more or starting with a tab; a table line: one with
** two or more '|', or with two or more "column gaps" -- a run of 2+ blanks or a tab between two non-blank characters
** where the character before the run is not one of . ! ? : ; " ' ) (so that two spaces after a full stop in
** typewritten prose do not count).
**
** PROTECTED ITEMS (lt_item; the pieces inside get prot = the class).  Items never overlap; detection runs in this
** order and a later rule never takes a piece an earlier one took (it is dropped when it would):
**   1. LP_CODE    verbatim lines (above).
**   2. LP_CODE    inline code: `...` on one line (backquotes included); a run of 2+ backquotes delimits nothing
**                 (``TeX quotes''), and a pair holding a closing apostrophe (after a non-blank, not before a letter)
**                 is an old-style `quotation', not code.
**   3. LP_URL     a scheme (letter, then letters/digits/+ - .) followed by "://", or "www." at a word start, up to
**                 the next blank, line break, '<', '>' or '"'; trailing . , ; : ! ? ' and an unbalanced ')' are not
**                 part of it.
**   4. LP_EMAIL   local@domain: local part of [A-Za-z0-9._%+-], domain of labels [A-Za-z0-9-] with at least one '.'
**                 between labels (a trailing '.' is not part of it).
**   5. LP_QUOTED  text between matching double quotes on one line: a straight " that may open (after a line start,
**                 a blank, '(' or '[', before a non-blank) pairs with the next one that may close (after a non-blank);
**                 typographic U+201C with the next U+201D, U+00AB with the next U+00BB; the span (quotes included)
**                 at most LT_QUOTED_MAX = 40 bytes.  Longer quotations (dialogue) are prose.
**   6. LP_DATE    a full weekday name (Monday..Sunday), alone or followed by ", " and a date; a capitalised month
**                 name (January..December, Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec, each optionally followed
**                 by '.') next to a number: "March 12", "March 12, 1999", "March 12th", "12 March 1999", "March
**                 1999" (a day: 1-2 digits, 1..31, optionally with st nd rd th; a year: 4 digits); numeric dates
**                 1999-03-12 (4-2-2 digits with '-' or '/'), 12/03/1999 and 12.03.1999 (1-2, 1-2, 2 or 4 digits).
**                 A month name without a number ("March on") is not a date.
**   7. LP_AMOUNT  a number with a currency sign before it ($, U+20AC euro, U+00A3 pound, U+00A5 yen, U+20B9 rupee,
**                 U+00A2 cent; optionally "US$") and/or a unit after it, attached or after one blank: % and U+2030
**                 per mille, U+00B0 degree (with C or F), km m cm mm kg g mg lb lbs oz mph kph km/h ft mi ml l L
**                 KB MB GB TB kB Hz kHz MHz GHz W kW V ms s h hrs am pm AM PM USD EUR GBP percent dollars euros
**                 pounds cents yen million billion trillion thousand (see units[] in text.c); a word made of digits
**                 and such a unit ("5km", "10kg") too.  Amounts are found after dates, so "12 March" stays a date.
**   8. LP_CODE    code in prose: first a blank-delimited chunk where a word character is directly followed by
**                 ( [ { =, or one of ) ] } = ; is directly followed by a word character ("f(x)", "a[i]", "x=1",
**                 "item(s)"), the chunk without trailing . , : ! ? and quotes; then identifiers: a word holding '_'
**                 (but not _emphasis_: one '_' at each end, none inside),
**                 a word with a segment (between - . ') mixing letters and digits ("mp3", "v1.2"; but ordinals and
**                 decades "4th" "1990s" are LP_NUMBER, and so is any other word holding a digit: "3-year-old",
**                 "COVID-19"), camelCase (an ASCII lower-case letter followed by an upper-case one), a dotted name
**                 ("os.path", "Ph.D"; not abbreviations made of single letters like "e.g", "U.S").
**   9. LP_NUMBER  every other LT_NUMBER piece.
**  10. LP_NAME    a run of capitalised words (LT_F_CAP, joined by single spaces) none of which starts a sentence,
**                 follows an opening quote or bracket directly, or is the pronoun I (I, I'm, I'd, I'll, I've).
**
** SENTENCES (lt_span, each within one paragraph): a sentence starts at the first non-blank piece and ends after a
** '.', '!', '?' or '...' (plus any closing quotes and brackets directly after it) that is followed by a blank, a
** line break or the end of the text -- except when the '.' ends an abbreviation (Mr Mrs Ms Dr Prof St Jr Sr Mt vs
** cf e.g i.e viz al approx fig vol pp gen col lt capt sgt rev hon, any case: abbrevs[] in text.c; "No" before a blank
** and a number; a single capital letter as in "J. Smith"; letters each followed by a dot as in "U.S."), or
** when the next word starts with a lower-case letter.  A blank line (a paragraph break), a verbatim line, a heading
** line (starting with '#') and a list item (a line starting with - * + > followed by a blank, or a number and '.' or
** ')' followed by a blank) also end the sentence before them; a heading line is a sentence of its own.  Each verbatim
** line is a sentence of its own.  The span runs from the first to the last non-blank piece.
** LT_F_SENT_START marks the first LT_WORD piece of each sentence.
** PARAGRAPHS (lt_span): maximal runs of sentences not separated by a blank line or a change between verbatim and
** prose lines.
**
** CONTENT WORDS: LT_WORD pieces whose lower-cased text is not in the stop-word list (about 170 English function
** words: stop[] in text.c) get LT_F_CONTENT. */
#ifndef LLMZ_LOSSY_TEXT_H
#define LLMZ_LOSSY_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Kinds of pieces a UTF-8 text splits into, in order, covering every byte exactly once. */
enum { LT_WORD = 0, LT_NUMBER, LT_PUNCT, LT_SPACE, LT_NEWLINE, LT_OTHER };
/* Protected classes (an item never changes at levels 1-2): */
enum { LP_NONE = 0, LP_NUMBER, LP_DATE, LP_AMOUNT, LP_URL, LP_EMAIL, LP_CODE, LP_NAME, LP_QUOTED };
/* flags */
#define LT_F_SENT_START 1 /* first word of a sentence */
#define LT_F_CONTENT    2 /* a content word (a word that is not a stop word) */
#define LT_F_VERBATIM   4 /* inside a code block, an indented/preformatted line or a table line: never touched */
#define LT_F_CAP        8 /* starts with an upper-case letter */

#define LT_QUOTED_MAX 40 /* the longest protected quoted string, quotes included, in bytes */

typedef struct {
    uint32_t off, len;
    uint8_t kind, prot, flags, pad;
} lt_piece;
typedef struct {
    uint32_t off, len;
    uint8_t cls;
} lt_item; /* a protected item: a span of bytes */
typedef struct {
    uint32_t off, len;
} lt_span; /* sentences, paragraphs */
typedef struct {
    lt_piece *p;
    size_t n; /* pieces */
    lt_item *items;
    size_t n_items;
    lt_span *sent;
    size_t n_sent; /* sentences (each within one paragraph; verbatim lines are sentences of their own flagged by their
                      pieces) */
    lt_span *para;
    size_t n_para; /* paragraphs, in order, each a run of whole sentences */
} lt_doc;

/* Split s[0..n) (any bytes; UTF-8 expected) into d (all fields; lt_doc_free releases them).  Texts of 4 GiB or more
** are refused (LLMZ_ERR_PARAM).  LLMZ_OK, LLMZ_ERR_NOMEM (d is then empty) or LLMZ_ERR_PARAM. */
int lt_parse(lt_doc *d, const uint8_t *s, size_t n);
void lt_doc_free(lt_doc *d);
/* Grow the array *v (elements of elem bytes, capacity *cap) to hold need elements: 0, or -1 if memory ran out. */
int lt_grow(void *v, size_t *cap, size_t need, size_t elem);
/* The piece holding byte offset off (d->n if none). */
size_t lt_piece_at(const lt_doc *d, uint32_t off);
/* 1 if the text s[0..n) (a word) is a stop word, compared lower-cased. */
int lt_is_stop_word(const uint8_t *s, size_t n);

/* UTF-8: the code point at s[i] (i < n) in *cp and its length; an invalid byte (bad lead or continuation, truncated,
** overlong, surrogate, above U+10FFFF) is one code point LT_CP_BAD + the byte, length 1.  lt_utf8_put writes cp
** (LT_CP_BAD + b as the byte b) and returns its length (1..4). */
#define LT_CP_BAD 0x110000u
size_t lt_utf8_next(const uint8_t *s, size_t n, size_t i, uint32_t *cp);
size_t lt_utf8_put(uint32_t cp, uint8_t *out);

/* FOLDING (level 1, canonical).  lt_fold_cp: the folded UTF-8 of one code point in out (not NUL-terminated) and its
** length; 0 = unchanged; LT_FOLD_EMPTY = the code point folds to nothing (soft hyphen U+00AD, zero-width space
** U+200B, word joiner U+2060, BOM U+FEFF).  The folding is Unicode NFKC's compatibility mapping of single code
** points in the common text ranges (fold_table.h; no composition of combining sequences, no case folding) followed
** by typographic folding: curly single quotes and primes -> ', curly double quotes and guillemets -> ", hyphen,
** figure dash, en dash and minus -> -, em dash and horizontal bar -> --, ellipsis -> ..., fraction slash -> /,
** bullet -> *, every Unicode space (no-break, en, em, thin, ideographic ...) -> ' '. */
#define LT_FOLD_EMPTY ((size_t)-1)
size_t lt_fold_cp(uint32_t cp, char out[8]);
/* The lower-case code point of cp (ASCII, Latin, Greek, Cyrillic; cp itself elsewhere). */
uint32_t lt_lower_cp(uint32_t cp);
/* The canonical form of a whole text into *out (llmz_malloc'd, *out_n bytes; free with llmz_free): verbatim lines are
** copied unchanged; elsewhere every code point is folded (lt_fold_cp; invalid bytes copied), the blanks at the start
** of a line are kept (folded to ' '), any other run of blanks (after folding) becomes one ' ', and blanks before a
** line break or the end of the text are removed.  LLMZ_OK or LLMZ_ERR_NOMEM / LLMZ_ERR_PARAM. */
int lt_fold_text(const uint8_t *s, size_t n, uint8_t **out, size_t *out_n);
/* Every code point of s folded by lt_fold_cp, nothing else changed (invalid bytes copied): *out as lt_fold_text. */
int lt_fold_cps(const uint8_t *s, size_t n, uint8_t **out, size_t *out_n);
/* 1 if a and b hold the same sequence of words and numbers (LT_WORD and LT_NUMBER pieces, compared byte for byte)
** once each text's code points are folded (lt_fold_cp, blanks and line breaks kept as they are, verbatim lines
** folded too) and split again: the level-1 guarantee; 0 if not; a negative LLMZ error code (-LLMZ_ERR_NOMEM) if
** memory ran out.  Blanks vs line breaks and punctuation never matter. */
int lt_words_equal_folded(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* METRICS of a reconstruction against its original.  Both texts are first folded code point by code point (as in
** lt_words_equal_folded: lt_fold_cp only) and parsed; "words" are then the LT_WORD and LT_NUMBER pieces, compared
** byte for byte (case-sensitive) unless said otherwise; "case-folded" is lt_lower_cp on every code point.
**
** ALIGNMENT (words for wer and new_content; item strings for prot_kept): the sequences are mapped to integer ids
** (equal strings, equal ids) and aligned by this procedure, applied to a pair of ranges A, B (at first the whole
** sequences), so that a verifier can recompute it:
**   a. the common prefix and the common suffix are matches;
**   b. an empty side: the rest of the other side is deleted (A) or inserted (B);
**   c. if |A| * |B| <= LT_ALIGN_CELLS (1 << 22), the exact minimum-cost alignment by dynamic programming
**      (cost: match 0, deletion 1, insertion 1, substitution `sub` = 1 for words, 2 for items so that the matches are
**      a longest common subsequence); the backtrace from the end prefers a diagonal step (match or substitution),
**      then a deletion, then an insertion;
**   d. else anchors: for k = 1, 2, 4, ... LT_ALIGN_GRAM_MAX (32), while k <= |A| and k <= |B|, the windows of k
**      consecutive ids occurring exactly once in A and exactly once in B; with the first k that has any, taken in
**      A's order, the longest chain strictly increasing in B is kept (patience sorting: each window's B start goes
**      onto the first pile whose top is >= it, a new pile if none, linked to the top of the pile before; the chain
**      from the last pile's top); walking the chain, a window on the same diagonal as the run of matches before it
**      that overlaps or touches it extends that run, one that overlaps it on another diagonal is dropped, any other
**      starts a new run; the runs are matches, and the ranges between them are aligned recursively from a;
**   e. with no such window for any k: the id common to A and B with the smallest count_A * count_B (ties: the
**      smallest id, ids numbered in order of first appearance in original then reconstruction), its i-th
**      occurrence in A matched with its i-th in B for i < min(count_A, count_B); then recursion as in d;
**   f. with no common id at all: the pairs A[i], B[i] are substitutions (cost `sub`), the longer side's tail deletions
**      or insertions.
** The cost found is the exact Levenshtein distance whenever every recursion ends in a, b, c (or f), and whenever the
** anchors lie on an optimal alignment (the usual case: near-identical texts, deleted sentences); never less. */
#define LT_ALIGN_CELLS    ((size_t)1 << 22)
#define LT_ALIGN_GRAM_MAX 32
/* equiv(ctx, a, an, b, bn): nonzero if word b (case-folded) is a listed equivalent (synonym, paraphrase) of a. */
typedef int (*lt_equiv_fn)(void *ctx, const char *a, size_t an, const char *b, size_t bn);
typedef struct {
    uint32_t words, content_words; /* in the original (words: LT_WORD+LT_NUMBER pieces; content: LT_F_CONTENT) */
    uint32_t wer;    /* word error rate x 10000: the alignment's cost (sub = 1) / max(words, 1), rounded (may exceed
                      10000) */
    uint32_t chrf;   /* chrF x 10000 as sacreBLEU 2 computes it for one segment (char_order 6, beta 2, whitespace off):
                      whitespace (Python's str.split set) removed, code points (an invalid byte counts as one code
                      point of its own), for n = 1..6 the n-gram counts of reconstruction (hyp) and original (ref),
                      match = sum of min counts; over the orders with hyp > 0 and ref > 0: P = mean of match/hyp,
                      R = mean of match/ref; chrF = 5 P R / (4 P + R) (0 if no such order or P + R = 0) */
    uint32_t recall; /* content-word recall x 10000: sum over case-folded content words w of min(count in original,
                        count in reconstruction) / content_words (10000 if none) */
    uint32_t prot_total, prot_kept; /* original protected items; how many the reconstruction keeps in order: the
                                       matches of the alignment (sub = 2: a longest common subsequence) of the two
                                       sequences of item strings (the bytes of each lt_item) */
    uint32_t prot_invented;         /* reconstruction items (as strings) beyond the original's multiset: the sum over
                                       strings of max(0, count in reconstruction - count in original) */
    uint32_t new_content;           /* reconstruction content-word occurrences (case-folded) that are neither in the
                                       original's set of (case-folded) words nor an equivalent of an original word
                                       they may replace: words of the alignment (sub = 1) that are inserted or
                                       substituted; an edit region is a maximal run of alignment steps between two
                                       matches; a new word is excused if equiv(o, w) for an original word o of its
                                       region (all of them when the region holds at most LT_EQUIV_REGION original
                                       words, else only the word it substitutes, if any) */
    uint32_t words_recon;           /* words in the reconstruction */
    uint8_t words_equal_folded;     /* lt_words_equal_folded(orig, recon) */
} lt_metrics;
#define LT_EQUIV_REGION 64
/* Ratios are computed in double with + - * / only and rounded as (uint32_t)(x * 10000 + 0.5), capped at
** UINT32_MAX.  LLMZ_OK, LLMZ_ERR_NOMEM or LLMZ_ERR_PARAM (a NULL pointer with a nonzero size, m NULL). */
int lt_measure(const uint8_t *orig, size_t on, const uint8_t *recon, size_t rn, lt_equiv_fn eq, void *ctx,
               lt_metrics *m);
/* Where lt_measure's new_content words are: the line of each (the reconstruction's line breaks before it; the
** folding keeps them) into *lines (llmz_free; *n of them, in order, a line once per word).  For the encoder's guard
** (guard.h).  LLMZ_OK, LLMZ_ERR_NOMEM or LLMZ_ERR_PARAM. */
int lt_new_content_lines(const uint8_t *orig, size_t on, const uint8_t *recon, size_t rn, lt_equiv_fn eq, void *ctx,
                         uint32_t **lines, size_t *n);

/* DIFF (llmz --diff): the edit regions between a and b.  The pieces of both texts but blanks and line breaks are
** aligned as words are for the metrics (ALIGNMENT, sub = 1; pieces compared byte for byte, unfolded); each maximal
** run of edits becomes one lt_edit: the bytes of a from its first to its last piece and those of b (an empty side:
** where it would stand, after the previous match).  *out (llmz_free) holds *n regions in order. */
typedef struct {
    uint32_t a_off, a_len, b_off, b_len;
} lt_edit;
int lt_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, lt_edit **out, size_t *n);

#endif
