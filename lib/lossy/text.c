/* text.c -- splitting, protected items, verbatim lines, sentences and folding for the lossy mode (text.h). */
#include "lossy/text.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "llmz.h"
#include "lossy/fold_table.h"

/* ---------------------------------------------------------------- code points */

size_t lt_utf8_next(const uint8_t *s, size_t n, size_t i, uint32_t *cp) {
    uint8_t b = s[i];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
    uint32_t v = len == 4 ? b & 7u : len == 3 ? b & 15u : b & 31u;
    if (b > 0xF4 || len == 0 || i + len > n) goto bad;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80) goto bad;
        v = v << 6 | (s[i + k] & 0x3Fu);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v < 0xE000)) goto bad;
    *cp = v;
    return len;
bad:
    *cp = LT_CP_BAD + b;
    return 1;
}

size_t lt_fold_cp(uint32_t cp, char out[8]) {
    if (cp < 0xA0) return 0;
    size_t lo = 0, hi = sizeof lt_fold_tab / sizeof lt_fold_tab[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (lt_fold_tab[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == sizeof lt_fold_tab / sizeof lt_fold_tab[0] || lt_fold_tab[lo].cp != cp) return 0;
    if (lt_fold_tab[lo].len == 0) return LT_FOLD_EMPTY;
    memcpy(out, lt_fold_tab[lo].s, lt_fold_tab[lo].len);
    return lt_fold_tab[lo].len;
}

uint32_t lt_lower_cp(uint32_t cp) {
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    size_t lo = 0, hi = sizeof lt_lower_tab / sizeof lt_lower_tab[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (lt_lower_tab[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sizeof lt_lower_tab / sizeof lt_lower_tab[0] && lt_lower_tab[lo].cp == cp ? lt_lower_tab[lo].lower : cp;
}

size_t lt_utf8_put(uint32_t cp, uint8_t *o) {
    if (cp >= LT_CP_BAD) {
        o[0] = (uint8_t)(cp - LT_CP_BAD);
        return 1;
    }
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 63));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 63));
        o[2] = (uint8_t)(0x80 | (cp & 63));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 63));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 63));
    o[3] = (uint8_t)(0x80 | (cp & 63));
    return 4;
}

/* Character classes of the tokenizer. */
enum { C_LET, C_DIG, C_US, C_SP, C_NL, C_PUN, C_OTH };

static int cp_class(uint32_t cp) {
    if (cp < 0x80) {
        if ((cp | 32) >= 'a' && (cp | 32) <= 'z') return C_LET;
        if (cp >= '0' && cp <= '9') return C_DIG;
        if (cp == '_') return C_US;
        if (cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f') return C_SP;
        if (cp == '\n' || cp == '\r') return C_NL;
        return cp < 0x20 || cp == 0x7F ? C_OTH : C_PUN;
    }
    if (cp >= LT_CP_BAD) return C_OTH;
    size_t lo = 0, hi = sizeof lt_class_tab / sizeof lt_class_tab[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (lt_class_tab[mid].hi < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == sizeof lt_class_tab / sizeof lt_class_tab[0] || lt_class_tab[lo].lo > cp) return C_LET;
    return lt_class_tab[lo].cls == 1 ? C_PUN : lt_class_tab[lo].cls == 2 ? C_SP : C_NL;
}

static int is_upper_cp(uint32_t cp) { return cp < 0x80 ? cp >= 'A' && cp <= 'Z' : lt_lower_cp(cp) != cp; }

/* ---------------------------------------------------------------- the parse context */

typedef struct {
    uint32_t p0, p1; /* pieces [p0, p1), the line break included */
    uint8_t verb, blank;
} lt_line;

typedef struct {
    const uint8_t *s;
    size_t n;
    lt_doc *d;
    size_t cap_p, cap_items, cap_sent, cap_para, cap_lines, n_lines;
    lt_line *lines;
    int para_break;
} pctx;

/* Grow *v (elements of elem bytes, capacity *cap) to hold need elements.  0, or -1 if memory ran out. */
int lt_grow(void *v, size_t *cap, size_t need, size_t elem) {
    void **pv = (void **)v;
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = llmz_realloc(*pv, nc * elem);
    if (!q) return -1;
    *pv = q;
    *cap = nc;
    return 0;
}

static int push_piece(pctx *c, size_t off, size_t len, uint8_t kind, uint8_t flags) {
    lt_doc *d = c->d;
    if (lt_grow(&d->p, &c->cap_p, d->n + 1, sizeof *d->p)) return -1;
    lt_piece *p = &d->p[d->n++];
    p->off = (uint32_t)off;
    p->len = (uint32_t)len;
    p->kind = kind;
    p->prot = LP_NONE;
    p->flags = flags;
    p->pad = 0;
    return 0;
}

static uint32_t pend(const lt_piece *p) { return p->off + p->len; }

/* The piece's first byte, or 0 past the last piece. */
static uint8_t pbyte(const pctx *c, size_t i) { return i < c->d->n ? c->s[c->d->p[i].off] : 0; }

/* 1 if piece i is the single ASCII character ch. */
static int pis(const pctx *c, size_t i, char ch) {
    return i < c->d->n && c->d->p[i].len == 1 && c->s[c->d->p[i].off] == (uint8_t)ch;
}

/* 1 if piece i's text is the string t. */
static int ptext(const pctx *c, size_t i, const char *t) {
    size_t l = strlen(t);
    return i < c->d->n && c->d->p[i].len == l && memcmp(c->s + c->d->p[i].off, t, l) == 0;
}

/* The code point piece i starts with. */
static uint32_t pcp(const pctx *c, size_t i) {
    uint32_t cp = 0;
    if (i < c->d->n) lt_utf8_next(c->s, c->n, c->d->p[i].off, &cp);
    return cp;
}

/* ---------------------------------------------------------------- tokenizer */

/* 1 if the joiner cp between classes prev and next stays inside a word (text.h, PIECES). */
static int joins(uint32_t cp, int prev, int next) {
    int an_p = prev == C_LET || prev == C_DIG, an_n = next == C_LET || next == C_DIG;
    if (cp == '\'' || cp == 0x2019) return prev == C_LET && next == C_LET;
    if (cp == '-') return an_p && an_n && (prev == C_LET || next == C_LET);
    if (cp == '.') return an_p && an_n;
    if (cp == ',' || cp == ':') return prev == C_DIG && next == C_DIG;
    return 0;
}

/* The end of the word or number starting at i; its kind in *kind. */
static size_t scan_word(const uint8_t *s, size_t n, size_t i, uint8_t *kind) {
    int prev = -1, letters = 0, digits = 0, us = 0;
    size_t j = i;
    while (j < n) {
        uint32_t cp, nx;
        size_t l = lt_utf8_next(s, n, j, &cp);
        int k = cp_class(cp);
        if (k == C_LET || k == C_DIG || k == C_US) {
            letters += k == C_LET;
            digits += k == C_DIG;
            us += k == C_US;
            prev = k;
            j += l;
            continue;
        }
        if (prev < 0 || j + l >= n) break;
        lt_utf8_next(s, n, j + l, &nx);
        if (!joins(cp, prev, cp_class(nx))) break;
        prev = -1;
        j += l;
    }
    *kind = letters == 0 && digits == 0 ? LT_PUNCT : letters == 0 && us == 0 ? LT_NUMBER : LT_WORD;
    return j;
}

/* The end of the run of blanks starting at i. */
static size_t scan_space(const uint8_t *s, size_t n, size_t i) {
    while (i < n) {
        uint32_t cp;
        size_t l = lt_utf8_next(s, n, i, &cp);
        if (cp_class(cp) != C_SP) break;
        i += l;
    }
    return i;
}

static int tokenize(pctx *c) {
    const uint8_t *s = c->s;
    size_t n = c->n, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = lt_utf8_next(s, n, i, &cp), j = i + l;
        int k = cp_class(cp);
        uint8_t kind = k == C_SP ? LT_SPACE : k == C_NL ? LT_NEWLINE : k == C_PUN ? LT_PUNCT : LT_OTHER, flags = 0;
        if (k == C_LET || k == C_DIG || k == C_US) {
            j = scan_word(s, n, i, &kind);
            if (kind == LT_WORD && is_upper_cp(cp)) flags = LT_F_CAP;
        } else if (k == C_SP) {
            j = scan_space(s, n, i);
        } else if (cp == '\r' && j < n && s[j] == '\n') {
            j++;
        }
        if (push_piece(c, i, j - i, kind, flags)) return -1;
        i = j;
    }
    return 0;
}

size_t lt_piece_at(const lt_doc *d, uint32_t off) {
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pend(&d->p[mid]) <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n && d->p[lo].off <= off ? lo : d->n;
}

/* ---------------------------------------------------------------- lines and verbatim */

static int split_lines(pctx *c) {
    lt_doc *d = c->d;
    size_t start = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->p[i].kind != LT_NEWLINE && i + 1 < d->n) continue;
        if (lt_grow(&c->lines, &c->cap_lines, c->n_lines + 1, sizeof *c->lines)) return -1;
        lt_line *L = &c->lines[c->n_lines++];
        L->p0 = (uint32_t)start;
        L->p1 = (uint32_t)(i + 1);
        L->verb = 0;
        L->blank = 1;
        for (size_t k = start; k <= i; k++)
            if (d->p[k].kind != LT_SPACE && d->p[k].kind != LT_NEWLINE) L->blank = 0;
        start = i + 1;
    }
    return 0;
}

/* The line's pieces without its break: [L->p0, line_end(L)). */
static size_t line_end(const pctx *c, const lt_line *L) {
    return L->p1 > L->p0 && c->d->p[L->p1 - 1].kind == LT_NEWLINE ? L->p1 - 1 : L->p1;
}

/* The bytes of a line without its break. */
static void line_bytes(const pctx *c, const lt_line *L, const uint8_t **t, size_t *len) {
    size_t e = line_end(c, L);
    uint32_t a = c->d->p[L->p0].off, b = e > L->p0 ? pend(&c->d->p[e - 1]) : a;
    *t = c->s + a;
    *len = b - a;
}

/* 1 if a line (bytes t[0..len)) is a table line (text.h, VERBATIM LINES). */
static int is_table(const uint8_t *t, size_t len) {
    size_t bars = 0, gaps = 0;
    for (size_t i = 0; i < len; i++) bars += t[i] == '|';
    if (bars >= 2) return 1;
    for (size_t i = 0; i < len;) {
        if (t[i] != ' ' && t[i] != '\t') {
            i++;
            continue;
        }
        size_t j = i;
        int tab = 0;
        while (j < len && (t[j] == ' ' || t[j] == '\t')) tab |= t[j++] == '\t';
        if (i > 0 && j < len && (j - i >= 2 || tab) && !strchr(".!?:;\"')", t[i - 1])) gaps++;
        i = j;
    }
    return gaps >= 2;
}

/* The fence character ('`' or '~') a line opens or closes a fenced block with, or 0. */
static int fence_of(const uint8_t *t, size_t len) {
    size_t i = 0;
    while (i < len && i < 4 && t[i] == ' ') i++;
    if (i > 3 || i + 3 > len) return 0;
    return (t[i] == '`' || t[i] == '~') && t[i + 1] == t[i] && t[i + 2] == t[i] ? t[i] : 0;
}

/* 1 if a line is indented by 4 columns or more (a tab counts 4). */
static int indented(const uint8_t *t, size_t len) {
    size_t w = 0;
    for (size_t i = 0; i < len && (t[i] == ' ' || t[i] == '\t') && w < 4; i++) w += t[i] == '\t' ? 4 : 1;
    return w >= 4;
}

static int claim(pctx *c, size_t pa, size_t pb, uint8_t cls);

static int mark_verbatim(pctx *c) {
    int fence = 0;
    for (size_t li = 0; li < c->n_lines; li++) {
        lt_line *L = &c->lines[li];
        const uint8_t *t;
        size_t len;
        line_bytes(c, L, &t, &len);
        int f = fence_of(t, len), v = 0;
        if (fence) {
            v = 1;
            if (f == fence) fence = 0;
        } else if (f) {
            v = 1;
            fence = f;
        } else if (!L->blank) {
            v = indented(t, len) || is_table(t, len);
        }
        if (!v) continue;
        L->verb = 1;
        for (size_t k = L->p0; k < L->p1; k++) c->d->p[k].flags |= LT_F_VERBATIM;
        if (!L->blank && claim(c, L->p0, line_end(c, L) - 1, LP_CODE) < 0) return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- protected items */

/* Give pieces pa..pb (inclusive) the class cls and record the item: 1, 0 when one of them is taken already, -1 when
** memory ran out. */
static int claim(pctx *c, size_t pa, size_t pb, uint8_t cls) {
    lt_doc *d = c->d;
    if (pa > pb || pb >= d->n) return 0;
    for (size_t k = pa; k <= pb; k++)
        if (d->p[k].prot) return 0;
    if (lt_grow(&d->items, &c->cap_items, d->n_items + 1, sizeof *d->items)) return -1;
    for (size_t k = pa; k <= pb; k++) d->p[k].prot = cls;
    lt_item *it = &d->items[d->n_items++];
    it->off = d->p[pa].off;
    it->len = pend(&d->p[pb]) - it->off;
    it->cls = cls;
    return 1;
}

/* claim() for the bytes [a, b) (whole pieces). */
static int claim_bytes(pctx *c, size_t a, size_t b, uint8_t cls) {
    if (b <= a) return 0;
    return claim(c, lt_piece_at(c->d, (uint32_t)a), lt_piece_at(c->d, (uint32_t)(b - 1)), cls);
}

/* 1 if pieces a..b (a backquote pair) hold a closing apostrophe: a `quotation' in old-style typography. */
static int tick_quote(const pctx *c, size_t a, size_t b) {
    for (size_t k = a + 1; k < b; k++)
        if (pis(c, k, '\'') && c->d->p[k - 1].kind != LT_SPACE && (k + 1 >= c->d->n || c->d->p[k + 1].kind != LT_WORD))
            return 1;
    return 0;
}

/* Inline code: `...` on one line (a run of two or more backquotes delimits nothing; `quotation' is not code). */
static int find_inline_code(pctx *c) {
    for (size_t li = 0; li < c->n_lines; li++) {
        lt_line *L = &c->lines[li];
        size_t open = SIZE_MAX;
        for (size_t k = L->p0; !L->verb && k < L->p1; k++) {
            if (!pis(c, k, '`')) continue;
            if (pis(c, k + 1, '`') || (k > L->p0 && pis(c, k - 1, '`'))) {
                open = SIZE_MAX;
                continue;
            }
            if (open == SIZE_MAX) {
                open = k;
            } else {
                if (!tick_quote(c, open, k) && claim(c, open, k, LP_CODE) < 0) return -1;
                open = SIZE_MAX;
            }
        }
    }
    return 0;
}

static int ascii_alnum(uint8_t b) { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'); }

static int url_stop(uint8_t b) { return b <= 0x20 || b == 0x7F || b == '<' || b == '>' || b == '"' || b == '`'; }

/* The length of the URL starting at byte a (0 if none there): piece i is its first piece. */
static size_t url_len(const pctx *c, size_t i) {
    const uint8_t *s = c->s;
    const lt_piece *p = &c->d->p[i];
    size_t a = p->off, e = a, body;
    if (p->len > 4 && (memcmp(s + a, "www.", 4) == 0 || memcmp(s + a, "WWW.", 4) == 0)) {
        body = a + 4;
    } else {
        if (a + p->len + 3 > c->n || memcmp(s + a + p->len, "://", 3) != 0) return 0;
        for (size_t k = 0; k < p->len; k++)
            if (!ascii_alnum(s[a + k]) || (k == 0 && s[a] <= '9')) return 0;
        body = a + p->len + 3;
    }
    e = body;
    while (e < c->n && !url_stop(s[e])) e++;
    for (;;) {
        if (e <= body) return 0;
        uint8_t t = s[e - 1];
        if (strchr(".,;:!?'", t)) {
            e--;
            continue;
        }
        if (t == ')') {
            size_t op = 0, cl = 0;
            for (size_t k = a; k < e; k++) op += s[k] == '(', cl += s[k] == ')';
            if (cl > op) {
                e--;
                continue;
            }
        }
        break;
    }
    return e - a;
}

static int find_urls(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++) {
        if (c->d->p[i].kind != LT_WORD || c->d->p[i].prot) continue;
        if (i > 0 && pend(&c->d->p[i - 1]) == c->d->p[i].off && c->d->p[i - 1].kind == LT_WORD) continue;
        size_t l = url_len(c, i);
        if (l && claim_bytes(c, c->d->p[i].off, c->d->p[i].off + l, LP_URL) < 0) return -1;
    }
    return 0;
}

static int local_char(uint8_t b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || (b && strchr("._%+-", b));
}
static int dom_char(uint8_t b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '.';
}

static int find_emails(pctx *c) {
    const uint8_t *s = c->s;
    for (size_t i = 0; i < c->d->n; i++) {
        if (!pis(c, i, '@') || c->d->p[i].prot) continue;
        size_t at = c->d->p[i].off, ls = at, de = at + 1, dots = 0;
        while (ls > 0 && local_char(s[ls - 1])) ls--;
        while (ls < at && s[ls] == '.') ls++;
        while (de < c->n && dom_char(s[de])) de++;
        while (de > at + 1 && (s[de - 1] == '.' || s[de - 1] == '-')) de--;
        int ok = ls < at && de > at + 1 && s[at + 1] != '.' && s[at + 1] != '-';
        for (size_t k = at + 1; ok && k < de; k++) {
            dots += s[k] == '.';
            if (s[k] == '.' && s[k + 1] == '.') ok = 0;
        }
        if (ok && dots && claim_bytes(c, ls, de, LP_EMAIL) < 0) return -1;
    }
    return 0;
}

/* Quoted strings on one line (text.h, LP_QUOTED). */
static int quote_pair(pctx *c, size_t a, size_t b) {
    if (b <= a + 1 || pend(&c->d->p[b]) - c->d->p[a].off > LT_QUOTED_MAX) return 0;
    return claim(c, a, b, LP_QUOTED);
}

/* Whether the straight quote at piece k may open (before a non-blank, after a line start, a blank or an opening
** bracket) or close (after a non-blank) a quotation: bit 1 open, bit 2 close. */
static int straight_role(const pctx *c, const lt_line *L, size_t k) {
    int after_blank = k == L->p0 || c->d->p[k - 1].kind == LT_SPACE || pis(c, k - 1, '(') || pis(c, k - 1, '[');
    int before_blank = k + 1 >= L->p1 || c->d->p[k + 1].kind == LT_SPACE || c->d->p[k + 1].kind == LT_NEWLINE;
    return (after_blank && !before_blank ? 1 : 0) | (!after_blank ? 2 : 0);
}

static int find_quoted_line(pctx *c, const lt_line *L) {
    size_t straight = SIZE_MAX;
    for (size_t k = L->p0; k < L->p1; k++) {
        if (c->d->p[k].kind != LT_PUNCT) continue;
        uint32_t cp = pcp(c, k), close = cp == 0x201C ? 0x201D : cp == 0xAB ? 0xBB : 0;
        if (cp == '"') {
            int role = straight_role(c, L, k);
            if (straight != SIZE_MAX && (role & 2)) {
                if (quote_pair(c, straight, k) < 0) return -1;
                straight = SIZE_MAX;
            } else if (role & 1) {
                straight = k;
            }
        } else if (close) {
            size_t e = k + 1;
            while (e < L->p1 && !(c->d->p[e].kind == LT_PUNCT && pcp(c, e) == close)) e++;
            if (e < L->p1 && quote_pair(c, k, e) < 0) return -1;
        }
    }
    return 0;
}

static int find_quoted(pctx *c) {
    for (size_t li = 0; li < c->n_lines; li++)
        if (!c->lines[li].verb && find_quoted_line(c, &c->lines[li]) < 0) return -1;
    return 0;
}

/* ---------------------------------------------------------------- dates and amounts */

static const char *const months[] = {"January",   "February", "March",    "April",    "May",  "June", "July", "August",
                                     "September", "October",  "November", "December", "Jan",  "Feb",  "Mar",  "Apr",
                                     "Jun",       "Jul",      "Aug",      "Sep",      "Sept", "Oct",  "Nov",  "Dec"};
static const char *const weekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

static int in_list(const pctx *c, size_t i, const char *const *list, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (ptext(c, i, list[k])) return 1;
    return 0;
}

/* Skip one blank piece. */
static size_t sp(const pctx *c, size_t i) { return i < c->d->n && c->d->p[i].kind == LT_SPACE ? i + 1 : i; }

/* The number of digits of a number piece made of digits only, else 0. */
static size_t digits_only(const pctx *c, size_t i) {
    if (i >= c->d->n || c->d->p[i].kind != LT_NUMBER) return 0;
    for (size_t k = 0; k < c->d->p[i].len; k++)
        if (c->s[c->d->p[i].off + k] < '0' || c->s[c->d->p[i].off + k] > '9') return 0;
    return c->d->p[i].len;
}

/* The piece after a month name at i (with its '.'), or 0. */
static size_t month_at(const pctx *c, size_t i) {
    if (i >= c->d->n || c->d->p[i].kind != LT_WORD || !in_list(c, i, months, 24)) return 0;
    return c->d->p[i].len <= 4 && pis(c, i + 1, '.') ? i + 2 : i + 1;
}

/* The piece after a day (1..31, or 1st..31st) at i, or 0. */
static size_t day_at(const pctx *c, size_t i) {
    if (i >= c->d->n) return 0;
    const uint8_t *t = c->s + c->d->p[i].off;
    size_t l = c->d->p[i].len, nd = 0;
    while (nd < l && nd < 3 && t[nd] >= '0' && t[nd] <= '9') nd++;
    if (nd == 0 || nd > 2) return 0;
    int v = nd == 1 ? t[0] - '0' : (t[0] - '0') * 10 + t[1] - '0';
    if (v < 1 || v > 31) return 0;
    if (nd == l) return i + 1;
    const char *suf = (const char *)t + nd;
    if (l - nd == 2 &&
        (!memcmp(suf, "st", 2) || !memcmp(suf, "nd", 2) || !memcmp(suf, "rd", 2) || !memcmp(suf, "th", 2)))
        return i + 1;
    return 0;
}

static size_t year_at(const pctx *c, size_t i) { return digits_only(c, i) == 4 ? i + 1 : 0; }

/* After a day, a month or a month-day: an optional year ("[,] 1999"). */
static size_t opt_year(const pctx *c, size_t e) {
    size_t y = year_at(c, sp(c, e));
    if (y) return y;
    if (pis(c, e, ',') && (y = year_at(c, sp(c, e + 1)))) return y;
    return e;
}

/* The end of a date written with a month name at i ("March 12, 1999", "12 March 1999", "March 1999"), or 0. */
static size_t named_date(const pctx *c, size_t i) {
    size_t m = month_at(c, i), e;
    if (m) {
        if ((e = day_at(c, sp(c, m)))) return opt_year(c, e);
        return year_at(c, sp(c, m));
    }
    if ((e = day_at(c, i)) && (m = month_at(c, sp(c, e)))) return opt_year(c, m);
    return 0;
}

/* The end of a numeric date at i (1999-03-12, 12/03/1999, 12.03.1999), or 0. */
static size_t numeric_date(const pctx *c, size_t i) {
    size_t a = digits_only(c, i), b = digits_only(c, i + 2), y = digits_only(c, i + 4);
    if (a && b && y && (pis(c, i + 1, '-') || pis(c, i + 1, '/')) && pbyte(c, i + 3) == pbyte(c, i + 1) &&
        c->d->p[i + 3].len == 1) {
        if (a == 4 && b <= 2 && y <= 2) return i + 5;
        if (a <= 2 && b <= 2 && (y == 2 || y == 4) && pis(c, i + 1, '/')) return i + 5;
    }
    if (i >= c->d->n || c->d->p[i].kind != LT_NUMBER) return 0;
    size_t g[4] = {0, 0, 0, 0}, ng = 0;
    for (size_t k = 0; k < c->d->p[i].len && ng < 3; k++) {
        uint8_t t = c->s[c->d->p[i].off + k];
        if (t == '.')
            ng++;
        else if (t >= '0' && t <= '9')
            g[ng]++;
        else
            return 0;
    }
    return ng == 2 && g[0] && g[0] <= 2 && g[1] && g[1] <= 2 && (g[2] == 2 || g[2] == 4) ? i + 1 : 0;
}

static size_t date_at(const pctx *c, size_t i) {
    size_t e;
    if (in_list(c, i, weekdays, 7)) {
        e = i + 1;
        size_t k = pis(c, e, ',') ? sp(c, e + 1) : sp(c, e), f = named_date(c, k);
        return f ? f : e;
    }
    if ((e = named_date(c, i))) return e;
    return numeric_date(c, i);
}

static int find_dates(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++) {
        if (c->d->p[i].prot || (c->d->p[i].kind != LT_WORD && c->d->p[i].kind != LT_NUMBER)) continue;
        size_t e = date_at(c, i);
        if (!e) continue;
        int r = claim(c, i, e - 1, LP_DATE);
        if (r < 0) return -1;
        if (r) i = e - 1;
    }
    return 0;
}

static const char *const units[] = {
    "km",     "m",     "cm",  "mm",      "nm",      "kg",       "g",        "mg",  "lb",      "lbs",     "oz",
    "mph",    "kph",   "ft",  "mi",      "ml",      "l",        "L",        "KB",  "MB",      "GB",      "TB",
    "kB",     "Hz",    "kHz", "MHz",     "GHz",     "W",        "kW",       "V",   "ms",      "s",       "h",
    "hrs",    "am",    "pm",  "AM",      "PM",      "USD",      "EUR",      "GBP", "percent", "dollars", "euros",
    "pounds", "cents", "yen", "million", "billion", "trillion", "thousand", "km/h"};
#define N_UNITS (sizeof units / sizeof units[0])

static int is_unit(const uint8_t *t, size_t l) {
    for (size_t k = 0; k < N_UNITS; k++)
        if (strlen(units[k]) == l && memcmp(units[k], t, l) == 0) return 1;
    return 0;
}

static int is_currency(uint32_t cp) {
    return cp == '$' || cp == 0x20AC || cp == 0xA3 || cp == 0xA5 || cp == 0x20B9 || cp == 0xA2;
}

/* The end of the units after a number ending before piece e (at most two: "3 million dollars", "20%", "5 km/h"). */
static size_t units_after(const pctx *c, size_t e) {
    for (int round = 0; round < 2; round++) {
        uint32_t cp = pcp(c, e);
        if (e < c->d->n && c->d->p[e].kind == LT_PUNCT && (cp == '%' || cp == 0x2030)) {
            e++;
            continue;
        }
        if (e < c->d->n && c->d->p[e].kind == LT_PUNCT && cp == 0xB0) {
            e += ptext(c, e + 1, "C") || ptext(c, e + 1, "F") ? 2 : 1;
            continue;
        }
        size_t k = sp(c, e);
        if (k >= c->d->n || c->d->p[k].kind != LT_WORD || !is_unit(c->s + c->d->p[k].off, c->d->p[k].len)) break;
        e = k + 1;
        if (ptext(c, k, "km") && pis(c, e, '/') && ptext(c, e + 1, "h")) e += 2;
    }
    return e;
}

/* The first piece of a currency sign before piece i ("$", "US$"), or i. */
static size_t currency_before(const pctx *c, size_t i) {
    if (i == 0 || c->d->p[i - 1].kind != LT_PUNCT || c->d->p[i - 1].prot || !is_currency(pcp(c, i - 1))) return i;
    return i >= 2 && ptext(c, i - 2, "US") ? i - 2 : i - 1;
}

/* A word made of a number and a unit ("5km", "3.5GHz"). */
static int number_unit_word(const pctx *c, size_t i) {
    const uint8_t *t = c->s + c->d->p[i].off;
    size_t l = c->d->p[i].len, k = 0;
    while (k < l && ((t[k] >= '0' && t[k] <= '9') || ((t[k] == '.' || t[k] == ',') && k > 0))) k++;
    return k > 0 && t[0] >= '0' && t[0] <= '9' && k < l && is_unit(t + k, l - k);
}

static int find_amounts(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++) {
        lt_piece *p = &c->d->p[i];
        if (p->prot || (p->kind != LT_NUMBER && !(p->kind == LT_WORD && number_unit_word(c, i)))) continue;
        size_t st = currency_before(c, i), e = p->kind == LT_NUMBER ? units_after(c, i + 1) : i + 1;
        if (st == i && e == i + 1 && p->kind == LT_NUMBER) continue;
        int r = claim(c, st, e - 1, LP_AMOUNT);
        if (r < 0) return -1;
        if (r) i = e - 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- code, numbers */

static int word_char(uint8_t b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b >= 0x80;
}

/* 1 if the bytes t[0..l) hold code punctuation inside them (text.h, LP_CODE). */
static int code_chunk(const uint8_t *t, size_t l) {
    for (size_t k = 0; k + 1 < l; k++) {
        if (word_char(t[k]) && t[k] < 0x80 && strchr("([{=", t[k + 1])) return 1;
        if (strchr(")]}=;", t[k]) && word_char(t[k + 1]) && t[k + 1] < 0x80) return 1;
    }
    return 0;
}

static int trailing_punct(const pctx *c, size_t i) {
    return c->d->p[i].kind == LT_PUNCT && c->d->p[i].len == 1 && strchr(".,:!?\"'", c->s[c->d->p[i].off]);
}

static int find_code_chunks(pctx *c) {
    lt_doc *d = c->d;
    for (size_t a = 0; a < d->n;) {
        if (d->p[a].kind == LT_SPACE || d->p[a].kind == LT_NEWLINE) {
            a++;
            continue;
        }
        size_t b = a;
        while (b < d->n && d->p[b].kind != LT_SPACE && d->p[b].kind != LT_NEWLINE) b++;
        size_t e = b;
        while (e > a && trailing_punct(c, e - 1)) e--;
        if (e > a && code_chunk(c->s + d->p[a].off, pend(&d->p[e - 1]) - d->p[a].off) &&
            claim(c, a, e - 1, LP_CODE) < 0)
            return -1;
        a = b;
    }
    return 0;
}

/* Ordinals and decades: digits then st nd rd th s 's. */
static int ordinal(const uint8_t *t, size_t l) {
    size_t k = 0;
    while (k < l && t[k] >= '0' && t[k] <= '9') k++;
    if (k == 0 || k == l) return 0;
    t += k;
    l -= k;
    return (l == 2 && (!memcmp(t, "st", 2) || !memcmp(t, "nd", 2) || !memcmp(t, "rd", 2) || !memcmp(t, "th", 2))) ||
           (l == 1 && t[0] == 's') || (l == 2 && !memcmp(t, "'s", 2));
}

/* 1 for _word_ (emphasis in plain text): one '_' at each end and none inside. */
static int emphasis(const uint8_t *t, size_t l) {
    if (l < 3 || t[0] != '_' || t[l - 1] != '_') return 0;
    for (size_t k = 1; k + 1 < l; k++)
        if (t[k] == '_') return 0;
    return 1;
}

/* The class a word piece takes as an identifier or a number (text.h, LP_CODE 8.), or LP_NONE. */
static uint8_t word_class(const uint8_t *t, size_t l) {
    int digit = 0, mixed = 0, seg_l = 0, seg_d = 0, camel = 0, dotted_long = 0, dots = 0;
    size_t seg = 0;
    for (size_t k = 0; k <= l; k++) {
        uint8_t b = k < l ? t[k] : '-';
        if (b == '_' && !emphasis(t, l)) return LP_CODE;
        if (b == '-' || b == '.' || b == '\'') {
            mixed |= seg_l && seg_d;
            seg_l = seg_d = 0;
            if (b == '.') dots++;
            if ((b == '.' || (k == l && dots)) && seg > 1) dotted_long = 1;
            seg = 0;
            continue;
        }
        seg++;
        if (b >= '0' && b <= '9')
            seg_d = digit = 1;
        else
            seg_l = 1;
        if (k > 0 && b >= 'A' && b <= 'Z' && t[k - 1] >= 'a' && t[k - 1] <= 'z') camel = 1;
    }
    if (digit) return ordinal(t, l) || !mixed ? LP_NUMBER : LP_CODE;
    return camel || (dots && dotted_long) ? LP_CODE : LP_NONE;
}

static int find_code_words(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++) {
        lt_piece *p = &c->d->p[i];
        if (p->prot || p->kind != LT_WORD) continue;
        uint8_t cls = word_class(c->s + p->off, p->len);
        if (cls && claim(c, i, i, cls) < 0) return -1;
    }
    return 0;
}

static int find_numbers(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++)
        if (!c->d->p[i].prot && c->d->p[i].kind == LT_NUMBER && claim(c, i, i, LP_NUMBER) < 0) return -1;
    return 0;
}

/* ---------------------------------------------------------------- sentences and paragraphs */

static const char *const abbrevs[] = {"mr", "mrs", "ms",  "dr",  "prof", "st",  "jr",     "sr",  "mt",
                                      "vs", "cf",  "e.g", "i.e", "viz",  "al",  "approx", "fig", "vol",
                                      "pp", "gen", "col", "lt",  "capt", "sgt", "rev",    "hon", "no"};

/* 1 if the '.' at piece t ends an abbreviation (text.h, SENTENCES). */
static int abbrev_before(const pctx *c, size_t t) {
    if (t == 0 || c->d->p[t - 1].kind != LT_WORD || pend(&c->d->p[t - 1]) != c->d->p[t].off) return 0;
    const lt_piece *w = &c->d->p[t - 1];
    const uint8_t *s = c->s + w->off;
    if (w->len == 1 && s[0] >= 'A' && s[0] <= 'Z') return 1;
    if (w->len > 6) return 0;
    char low[8];
    for (size_t k = 0; k < w->len; k++) low[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
    low[w->len] = 0;
    if (!strcmp(low, "no")) /* "No. 5" */
        return t + 2 < c->d->n && c->d->p[t + 1].kind == LT_SPACE && digits_only(c, t + 2);
    for (size_t k = 0; k < sizeof abbrevs / sizeof abbrevs[0]; k++)
        if (!strcmp(low, abbrevs[k])) return 1;
    int single = 1; /* U.S, e.g: single letters between dots */
    for (size_t k = 0; k < w->len; k++) single &= (k % 2 == 1) == (s[k] == '.');
    return single && w->len >= 3;
}

static int is_terminator(const pctx *c, size_t i) {
    if (c->d->p[i].kind != LT_PUNCT) return 0;
    uint32_t cp = pcp(c, i);
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026;
}

static int is_closer(const pctx *c, size_t i) {
    if (i >= c->d->n || c->d->p[i].kind != LT_PUNCT) return 0;
    uint32_t cp = pcp(c, i);
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == '"' || cp == '\'' || cp == ')' || cp == ']' ||
           cp == 0x2019 || cp == 0x201D || cp == 0xBB;
}

static int is_opener(const pctx *c, size_t i) {
    if (c->d->p[i].kind != LT_PUNCT) return 0;
    uint32_t cp = pcp(c, i);
    return cp == '"' || cp == '\'' || cp == '(' || cp == '[' || cp == '{' || cp == 0x2018 || cp == 0x201C || cp == 0xAB;
}

/* 1 if the next word after piece j (past blanks, one line break and opening quotes) starts in lower case. */
static int next_lower(const pctx *c, size_t j) {
    int nl = 0;
    while (j < c->d->n) {
        const lt_piece *p = &c->d->p[j];
        if (p->kind == LT_NEWLINE && nl++) return 0;
        if (p->kind != LT_SPACE && p->kind != LT_NEWLINE && !is_opener(c, j)) break;
        j++;
    }
    return j < c->d->n && c->d->p[j].kind == LT_WORD && c->s[c->d->p[j].off] >= 'a' && c->s[c->d->p[j].off] <= 'z';
}

/* Record the sentence of pieces a..b (inclusive) and its paragraph. */
static int push_sentence(pctx *c, size_t a, size_t b) {
    lt_doc *d = c->d;
    uint32_t off = d->p[a].off, end = pend(&d->p[b]);
    if (lt_grow(&d->sent, &c->cap_sent, d->n_sent + 1, sizeof *d->sent)) return -1;
    d->sent[d->n_sent].off = off;
    d->sent[d->n_sent++].len = end - off;
    if (c->para_break || d->n_para == 0) {
        if (lt_grow(&d->para, &c->cap_para, d->n_para + 1, sizeof *d->para)) return -1;
        d->para[d->n_para].off = off;
        d->para[d->n_para++].len = end - off;
    } else {
        d->para[d->n_para - 1].len = end - d->para[d->n_para - 1].off;
    }
    c->para_break = 0;
    for (size_t k = a; k <= b; k++)
        if (d->p[k].kind == LT_WORD) {
            d->p[k].flags |= LT_F_SENT_START;
            break;
        }
    return 0;
}

typedef struct {
    size_t start, last;
    int open;
} sent_state;

static int close_sentence(pctx *c, sent_state *st) {
    if (!st->open) return 0;
    st->open = 0;
    return push_sentence(c, st->start, st->last);
}

/* The kind of line start at piece f: 1 a heading, 2 a list item, 0 other. */
static int line_start_kind(const pctx *c, size_t f) {
    uint32_t cp = pcp(c, f);
    const lt_piece *p = &c->d->p[f];
    if (p->kind == LT_PUNCT && cp == '#') return 1;
    int spc = f + 1 < c->d->n && c->d->p[f + 1].kind == LT_SPACE;
    if (p->kind == LT_PUNCT && (cp == '-' || cp == '*' || cp == '+' || cp == '>' || cp == 0x2022) && spc) return 2;
    if (digits_only(c, f) && digits_only(c, f) <= 3 && (pis(c, f + 1, '.') || pis(c, f + 1, ')')) && f + 2 < c->d->n &&
        c->d->p[f + 2].kind == LT_SPACE)
        return 2;
    return 0;
}

/* The sentences of one prose line. */
static int prose_line(pctx *c, const lt_line *L, sent_state *st) {
    size_t e = line_end(c, L), f = L->p0;
    while (f < e && c->d->p[f].kind == LT_SPACE) f++;
    int kind = line_start_kind(c, f);
    if (kind && close_sentence(c, st)) return -1;
    for (size_t k = f; k < e; k++) {
        if (c->d->p[k].kind == LT_SPACE) continue;
        if (!st->open) st->start = k, st->open = 1;
        st->last = k;
        if (!is_terminator(c, k)) continue;
        size_t j = k + 1;
        while (j < e && is_closer(c, j) && pend(&c->d->p[j - 1]) == c->d->p[j].off) j++;
        if (j < c->d->n && c->d->p[j].kind != LT_SPACE && c->d->p[j].kind != LT_NEWLINE) continue;
        if ((pis(c, k, '.') && abbrev_before(c, k)) || next_lower(c, j)) continue;
        st->last = j - 1;
        if (close_sentence(c, st)) return -1;
        k = j - 1;
    }
    return kind == 1 ? close_sentence(c, st) : 0;
}

static int find_sentences(pctx *c) {
    sent_state st = {0, 0, 0};
    int prev_verb = 0;
    c->para_break = 1;
    for (size_t li = 0; li < c->n_lines; li++) {
        const lt_line *L = &c->lines[li];
        if (L->verb != prev_verb || (L->blank && !L->verb)) {
            if (close_sentence(c, &st)) return -1;
            c->para_break = 1;
        }
        prev_verb = L->verb;
        if (L->blank) continue;
        if (L->verb) {
            if (push_sentence(c, L->p0, line_end(c, L) - 1)) return -1;
        } else if (prose_line(c, L, &st)) {
            return -1;
        }
    }
    return close_sentence(c, &st);
}

/* ---------------------------------------------------------------- names, content words */

static int pronoun_i(const pctx *c, size_t i) {
    return ptext(c, i, "I") || ptext(c, i, "I'm") || ptext(c, i, "I'd") || ptext(c, i, "I'll") || ptext(c, i, "I've") ||
           ptext(c, i, "I\xE2\x80\x99m") ||
           ptext(c, i,
                 "I\xE2\x80\x99"
                 "d") ||
           ptext(c, i, "I\xE2\x80\x99ll") || ptext(c, i, "I\xE2\x80\x99ve");
}

/* 1 if word piece i may be (part of) a name. */
static int name_word(const pctx *c, size_t i) {
    const lt_piece *p = &c->d->p[i];
    if (p->kind != LT_WORD || !(p->flags & LT_F_CAP) || (p->flags & (LT_F_SENT_START | LT_F_VERBATIM)) || p->prot)
        return 0;
    if (i > 0 && pend(&c->d->p[i - 1]) == p->off && is_opener(c, i - 1)) return 0;
    return !pronoun_i(c, i);
}

static int find_names(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++) {
        if (!name_word(c, i)) continue;
        size_t e = i;
        while (e + 2 < c->d->n && c->d->p[e + 1].kind == LT_SPACE && c->d->p[e + 1].len == 1 && name_word(c, e + 2))
            e += 2;
        if (claim(c, i, e, LP_NAME) < 0) return -1;
        i = e;
    }
    return 0;
}

static const char *const stop[] = {
    "a",        "about",      "above",   "after",    "again",   "against",   "all",     "also",    "am",
    "an",       "and",        "any",     "are",      "aren't",  "as",        "at",      "be",      "because",
    "been",     "before",     "being",   "below",    "between", "both",      "but",     "by",      "can",
    "can't",    "cannot",     "could",   "couldn't", "did",     "didn't",    "do",      "does",    "doesn't",
    "doing",    "don't",      "down",    "during",   "each",    "either",    "ever",    "every",   "few",
    "for",      "from",       "further", "had",      "hadn't",  "has",       "hasn't",  "have",    "haven't",
    "having",   "he",         "he'd",    "he'll",    "he's",    "her",       "here",    "here's",  "hers",
    "herself",  "him",        "himself", "his",      "how",     "how's",     "however", "i",       "i'd",
    "i'll",     "i'm",        "i've",    "if",       "in",      "into",      "is",      "isn't",   "it",
    "it's",     "its",        "itself",  "just",     "let's",   "many",      "may",     "me",      "might",
    "more",     "most",       "much",    "must",     "mustn't", "my",        "myself",  "neither", "no",
    "nor",      "not",        "now",     "of",       "off",     "on",        "once",    "one",     "only",
    "or",       "other",      "ought",   "our",      "ours",    "ourselves", "out",     "over",    "own",
    "same",     "shall",      "shan't",  "she",      "she'd",   "she'll",    "she's",   "should",  "shouldn't",
    "so",       "some",       "such",    "than",     "that",    "that's",    "the",     "their",   "theirs",
    "them",     "themselves", "then",    "there",    "there's", "these",     "they",    "they'd",  "they'll",
    "they're",  "they've",    "this",    "those",    "though",  "through",   "thus",    "to",      "too",
    "under",    "until",      "up",      "upon",     "us",      "very",      "was",     "wasn't",  "we",
    "we'd",     "we'll",      "we're",   "we've",    "were",    "weren't",   "what",    "what's",  "when",
    "when's",   "where",      "where's", "whether",  "which",   "while",     "who",     "who's",   "whom",
    "whose",    "why",        "why's",   "will",     "with",    "within",    "without", "won't",   "would",
    "wouldn't", "yet",        "you",     "you'd",    "you'll",  "you're",    "you've",  "your",    "yours",
    "yourself", "yourselves",
};

static int cmp_str(const void *a, const void *b) { return strcmp((const char *)a, *(const char *const *)b); }

int lt_is_stop_word(const uint8_t *s, size_t n) {
    char low[24];
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (m + 1 >= sizeof low) return 0;
        if (k + 2 < n && s[k] == 0xE2 && s[k + 1] == 0x80 && s[k + 2] == 0x99) { /* U+2019 */
            low[m++] = '\'';
            k += 2;
            continue;
        }
        if (s[k] >= 0x80) return 0;
        low[m++] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
    }
    low[m] = 0;
    return bsearch(low, stop, sizeof stop / sizeof stop[0], sizeof stop[0], cmp_str) != NULL;
}

static void mark_content(pctx *c) {
    for (size_t i = 0; i < c->d->n; i++) {
        lt_piece *p = &c->d->p[i];
        if (p->kind == LT_WORD && !lt_is_stop_word(c->s + p->off, p->len)) p->flags |= LT_F_CONTENT;
    }
}

/* ---------------------------------------------------------------- lt_parse */

static int cmp_item(const void *a, const void *b) {
    uint32_t x = ((const lt_item *)a)->off, y = ((const lt_item *)b)->off;
    return (x > y) - (x < y);
}

void lt_doc_free(lt_doc *d) {
    if (!d) return;
    llmz_free(d->p);
    llmz_free(d->items);
    llmz_free(d->sent);
    llmz_free(d->para);
    memset(d, 0, sizeof *d);
}

int lt_parse(lt_doc *d, const uint8_t *s, size_t n) {
    if (!d) return LLMZ_ERR_PARAM;
    memset(d, 0, sizeof *d);
    if ((!s && n) || n >= ((size_t)1 << 32) - 1) return LLMZ_ERR_PARAM;
    pctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.n = n;
    c.d = d;
    int r = tokenize(&c) || split_lines(&c) || mark_verbatim(&c) || find_inline_code(&c) || find_urls(&c) ||
            find_emails(&c) || find_quoted(&c) || find_dates(&c) || find_amounts(&c) || find_code_chunks(&c) ||
            find_code_words(&c) || find_numbers(&c) || find_sentences(&c) || find_names(&c);
    llmz_free(c.lines);
    if (r) {
        lt_doc_free(d);
        return LLMZ_ERR_NOMEM;
    }
    mark_content(&c);
    if (d->n_items > 1) qsort(d->items, d->n_items, sizeof *d->items, cmp_item);
    return LLMZ_OK;
}

/* ---------------------------------------------------------------- folding whole texts */

typedef struct {
    uint8_t *b;
    size_t n, cap;
} obuf;

static int oput(obuf *o, const void *src, size_t len) {
    if (lt_grow(&o->b, &o->cap, o->n + len + 1, 1)) return -1;
    memcpy(o->b + o->n, src, len);
    o->n += len;
    return 0;
}

/* Append the folded bytes of s[a, b) to o. */
static int fold_bytes(obuf *o, const uint8_t *s, size_t n, size_t a, size_t b) {
    while (a < b) {
        uint32_t cp;
        char f[8];
        size_t l = lt_utf8_next(s, n, a, &cp), fl = lt_fold_cp(cp, f);
        int r = fl == LT_FOLD_EMPTY ? 0 : fl ? oput(o, f, fl) : oput(o, s + a, l);
        if (r) return -1;
        a += l;
    }
    return 0;
}

int lt_fold_cps(const uint8_t *s, size_t n, uint8_t **out, size_t *out_n) {
    obuf o = {NULL, 0, 0};
    *out = NULL;
    *out_n = 0;
    if (!s && n) return LLMZ_ERR_PARAM;
    if (lt_grow(&o.b, &o.cap, n + 16, 1) || fold_bytes(&o, s, n, 0, n)) {
        llmz_free(o.b);
        return LLMZ_ERR_NOMEM;
    }
    *out = o.b;
    *out_n = o.n;
    return LLMZ_OK;
}

/* The canonical form of the non-verbatim piece i (text.h, lt_fold_text); *pending: a blank waits to be written. */
static int fold_piece(obuf *o, const lt_doc *d, size_t i, const uint8_t *s, size_t n, int *pending, int *line_start) {
    const lt_piece *p = &d->p[i];
    if (p->kind == LT_NEWLINE) {
        *pending = 0;
        *line_start = 1;
        return oput(o, s + p->off, p->len);
    }
    if (p->kind == LT_SPACE) {
        int last = i + 1 == d->n || d->p[i + 1].kind == LT_NEWLINE;
        if (*line_start) return last ? 0 : fold_bytes(o, s, n, p->off, pend(p));
        *pending = 1;
        return 0;
    }
    size_t at = o->n;
    if (oput(o, " ", 1) || fold_bytes(o, s, n, p->off, pend(p))) return -1;
    if (o->n == at + 1) { /* folded to nothing */
        o->n = at;
        return 0;
    }
    if (!*pending) memmove(o->b + at, o->b + at + 1, o->n - at - 1), o->n--;
    *pending = 0;
    *line_start = 0;
    return 0;
}

int lt_fold_text(const uint8_t *s, size_t n, uint8_t **out, size_t *out_n) {
    lt_doc d;
    obuf o = {NULL, 0, 0};
    if (!out || !out_n) return LLMZ_ERR_PARAM;
    *out = NULL;
    *out_n = 0;
    int r = lt_parse(&d, s, n), pending = 0, line_start = 1;
    if (r) return r;
    r = lt_grow(&o.b, &o.cap, n + 16, 1);
    for (size_t i = 0; !r && i < d.n; i++) {
        if (d.p[i].flags & LT_F_VERBATIM) {
            r = (pending && oput(&o, " ", 1)) || oput(&o, s + d.p[i].off, d.p[i].len);
            pending = 0;
            line_start = d.p[i].kind == LT_NEWLINE;
        } else {
            r = fold_piece(&o, &d, i, s, n, &pending, &line_start);
        }
    }
    lt_doc_free(&d);
    if (r) {
        llmz_free(o.b);
        return LLMZ_ERR_NOMEM;
    }
    *out = o.b;
    *out_n = o.n;
    return LLMZ_OK;
}

/* 1 if the word and number pieces of da (text a) and db (text b) are the same strings. */
static int same_words(const lt_doc *da, const uint8_t *a, const lt_doc *db, const uint8_t *b) {
    size_t i = 0, j = 0;
    for (;;) {
        while (i < da->n && da->p[i].kind != LT_WORD && da->p[i].kind != LT_NUMBER) i++;
        while (j < db->n && db->p[j].kind != LT_WORD && db->p[j].kind != LT_NUMBER) j++;
        if (i == da->n || j == db->n) return i == da->n && j == db->n;
        if (da->p[i].len != db->p[j].len || memcmp(a + da->p[i].off, b + db->p[j].off, da->p[i].len)) return 0;
        i++;
        j++;
    }
}

int lt_words_equal_folded(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
    uint8_t *fa = NULL, *fb = NULL;
    size_t fan, fbn;
    lt_doc da, db;
    memset(&da, 0, sizeof da);
    memset(&db, 0, sizeof db);
    int r = lt_fold_cps(a, an, &fa, &fan);
    if (!r) r = lt_fold_cps(b, bn, &fb, &fbn);
    if (!r) r = lt_parse(&da, fa, fan);
    if (!r) r = lt_parse(&db, fb, fbn);
    int eq = r ? -r : same_words(&da, fa, &db, fb);
    lt_doc_free(&da);
    lt_doc_free(&db);
    llmz_free(fa);
    llmz_free(fb);
    return eq;
}
