/* pretok.c -- llama.cpp's pre-tokenizers for byte-level BPE vocabularies.  See pretok.h.
**
** A pass is a function giving the length in bytes of its match at a position of the piece [.., end) it cuts,
** 0 for none.  Passes written after llama.cpp's hand-written splitters (gpt2, llama3) match at every
** position; the others follow std::regex semantics (leftmost match, first alternative that matches) on
** llama.cpp's "collapsed" text, where a code point above 127 stands for its category and every whitespace
** code point for \v.  Positions and lengths are in bytes of the input; code points are decoded on the way. */
#include "model/pretok.h"

#include <string.h>

#include "model/unicode_data.h"

#define PT_OUT 0xFFFFFFFFu /* the code point past the end of a piece */

typedef struct {
    uint32_t cp;
    unsigned len; /* bytes */
    int cls;      /* PT_* */
    int ws;       /* regex \s */
} pt_ch;

int pt_class(uint32_t cp) {
    if (cp >= 0x110000) return PT_UNDEF;
    size_t lo = 0, hi = UNI_N_RANGES; /* last range whose first code point <= cp */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (uni_ranges[mid] >> 3 <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return (int)(uni_ranges[lo] & 7);
}

/* llama.cpp's whitespace: Zs, U+0009-000D, U+0085, U+2028, U+2029. */
int pt_space(uint32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 9 && cp <= 13);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Code point at s[i] as llama.cpp's unicode_cpt_from_utf8 reads it (no check of overlong forms or
** surrogates, up to 0x1FFFFF); a byte it rejects is U+FFFD of length 1.  PT_NONE at or past end. */
static pt_ch pt_at(const uint8_t *s, size_t n, size_t i, size_t end) {
    pt_ch c = {PT_OUT, 0, PT_NONE, 0};
    if (i >= end) return c;
    uint8_t b = s[i];
    c.len = 1;
    if (b < 0x80) {
        c.cp = b;
    } else if (!(b & 0x40)) {
        c.cp = 0xFFFD;
    } else if (!(b & 0x20)) {
        if (i + 1 < n && (s[i + 1] & 0xC0) == 0x80)
            c.cp = (uint32_t)(b & 0x1F) << 6 | (s[i + 1] & 0x3F), c.len = 2;
        else
            c.cp = 0xFFFD;
    } else if (!(b & 0x10)) {
        if (i + 2 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80)
            c.cp = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F), c.len = 3;
        else
            c.cp = 0xFFFD;
    } else if (!(b & 0x08)) {
        if (i + 3 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80)
            c.cp = (uint32_t)(b & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 | (uint32_t)(s[i + 2] & 0x3F) << 6 |
                   (s[i + 3] & 0x3F),
            c.len = 4;
        else
            c.cp = 0xFFFD;
    } else {
        c.cp = 0xFFFD;
    }
    c.cls = pt_class(c.cp);
    c.ws = pt_space(c.cp);
    return c;
}

static int pt_is(const pt_ch *c, int cls) { return c->cls == cls; }

/* End of the run of code points of class cls starting at q. */
static size_t pt_run(const uint8_t *s, size_t n, size_t q, size_t end, int cls) {
    for (pt_ch c = pt_at(s, n, q, end); c.cls == cls; c = pt_at(s, n, q, end)) q += c.len;
    return q;
}

/* 's 't 'm 'd 're 've 'll at pos (ASCII letters, any case when fold): the length, else 0. */
static size_t pt_contraction(const uint8_t *s, size_t pos, size_t end, int fold) {
    if (s[pos] != '\'' || pos + 1 >= end) return 0;
    uint8_t a = s[pos + 1];
    if (fold && a >= 'A' && a <= 'Z') a = (uint8_t)(a + 32);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 >= end || a >= 0x80) return 0;
    uint8_t b = s[pos + 2];
    if (fold && b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
    return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
}

/* Whitespace alternatives shared by gpt2 and llama3: \s*[\r\n]+ (when crlf), \s+(?!\S), \s+; else one code
** point. */
static size_t pt_spaces(const uint8_t *s, size_t n, size_t pos, size_t end, int crlf) {
    size_t q = pos, last = pos, crlf_end = 0, k = 0;
    pt_ch c = pt_at(s, n, pos, end);
    for (pt_ch w = c; w.ws; w = pt_at(s, n, q, end), k++) {
        last = q;
        if (w.cp == '\r' || w.cp == '\n') crlf_end = q + 1;
        q += w.len;
    }
    if (crlf && crlf_end) return crlf_end - pos;
    if (k > 1 && q < end) return last - pos;
    if (k > 0) return q - pos;
    return c.len;
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S) (llama.cpp's custom gpt2 split). */
static size_t pt_gpt2(const uint8_t *s, size_t n, size_t pos, size_t end) {
    size_t k = pt_contraction(s, pos, end, 0);
    if (k) return k;
    pt_ch c = pt_at(s, n, pos, end);
    size_t q = c.cp == ' ' ? pos + 1 : pos;
    pt_ch f = c.cp == ' ' ? pt_at(s, n, q, end) : c;
    if (pt_is(&f, PT_LETTER) || pt_is(&f, PT_NUMBER)) return pt_run(s, n, q, end, f.cls) - pos;
    if (!(f.ws || pt_is(&f, PT_LETTER) || pt_is(&f, PT_NUMBER)) && f.cls != PT_NONE) {
        while (!(f.ws || pt_is(&f, PT_LETTER) || pt_is(&f, PT_NUMBER)) && f.cls != PT_NONE) {
            q += f.len;
            f = pt_at(s, n, q, end);
        }
        return q - pos;
    }
    return pt_spaces(s, n, pos, end, 0);
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|
** \s+(?!\S)|\s+ with D digits at most (0: any number). */
static size_t pt_llama3_d(const uint8_t *s, size_t n, size_t pos, size_t end, unsigned digits) {
    size_t k = pt_contraction(s, pos, end, 1);
    if (k) return k;
    pt_ch c = pt_at(s, n, pos, end);
    if (!(c.cp == '\r' || c.cp == '\n' || pt_is(&c, PT_NUMBER))) {
        pt_ch d = pt_at(s, n, pos + c.len, end);
        if (pt_is(&c, PT_LETTER) || pt_is(&d, PT_LETTER)) return pt_run(s, n, pos + c.len, end, PT_LETTER) - pos;
    }
    if (pt_is(&c, PT_NUMBER)) {
        size_t q = pos;
        k = 0;
        for (pt_ch d = c; pt_is(&d, PT_NUMBER) && (!digits || k < digits); d = pt_at(s, n, q, end)) q += d.len, k++;
        return q - pos;
    }
    size_t q = c.cp == ' ' ? pos + 1 : pos;
    pt_ch f = c.cp == ' ' ? pt_at(s, n, q, end) : c;
    if (!(f.ws || pt_is(&f, PT_LETTER) || pt_is(&f, PT_NUMBER))) {
        while (!(f.ws || pt_is(&f, PT_LETTER) || pt_is(&f, PT_NUMBER)) && f.cls != PT_NONE) {
            q += f.len;
            f = pt_at(s, n, q, end);
        }
        while (q < end && (s[q] == '\r' || s[q] == '\n')) q++;
        return q - pos;
    }
    return pt_spaces(s, n, pos, end, 1);
}

static size_t pt_llama3(const uint8_t *s, size_t n, size_t pos, size_t end) { return pt_llama3_d(s, n, pos, end, 3); }

/* qwen2: single digits.  (The llama.cpp source of node-llama-cpp 3.21.1 lets this case fall through to
** minicpm5's regexes; its prebuilt binaries split single digits, as here: tests/data/tok_real/synth-qwen2.ids.) */
static size_t pt_qwen2(const uint8_t *s, size_t n, size_t pos, size_t end) { return pt_llama3_d(s, n, pos, end, 1); }

/* \p{N} */
static size_t pt_num1(const uint8_t *s, size_t n, size_t pos, size_t end) {
    pt_ch c = pt_at(s, n, pos, end);
    return pt_is(&c, PT_NUMBER) ? c.len : 0;
}

/* \p{N}+ */
static size_t pt_nrun(const uint8_t *s, size_t n, size_t pos, size_t end) {
    return pt_run(s, n, pos, end, PT_NUMBER) - pos;
}

/* [0-9][0-9][0-9] */
static size_t pt_digit3(const uint8_t *s, size_t n, size_t pos, size_t end) {
    (void)n;
    for (size_t k = 0; k < 3; k++)
        if (pos + k >= end || s[pos + k] < '0' || s[pos + k] > '9') return 0;
    return 3;
}

/* \p{P} in the collapsed text: ASCII punctuation, or a code point above 127 of category P. */
static const char pt_ascii_p[] = "!\"#%&'()*,-./:;?@[\\]_{}";

static int pt_punct(const pt_ch *c, const char *extra) {
    if (c->cls == PT_NONE) return 0;
    if (c->cp >= 0x80) return !c->ws && c->cls == PT_PUNCT;
    return c->cp && (strchr(pt_ascii_p, (int)c->cp) || (extra && strchr(extra, (int)c->cp)));
}

static size_t pt_prun(const uint8_t *s, size_t n, size_t pos, size_t end, const char *extra) {
    size_t q = pos;
    for (pt_ch c = pt_at(s, n, q, end); pt_punct(&c, extra); c = pt_at(s, n, q, end)) q += c.len;
    return q - pos;
}

/* [\p{P}\$\+<=>\^~\|]+ */
static size_t pt_punct_default(const uint8_t *s, size_t n, size_t pos, size_t end) {
    return pt_prun(s, n, pos, end, "$+<=>^~|");
}

/* [\p{P}\$\+<=>\^~\|`]+ */
static size_t pt_punct_falcon(const uint8_t *s, size_t n, size_t pos, size_t end) {
    return pt_prun(s, n, pos, end, "$+<=>^~|`");
}

/* [\r\n] */
static size_t pt_crlf(const uint8_t *s, size_t n, size_t pos, size_t end) {
    (void)n;
    return pos < end && (s[pos] == '\r' || s[pos] == '\n');
}

/* \s?\p{L}+ */
static size_t pt_s_letters(const uint8_t *s, size_t n, size_t pos, size_t end) {
    pt_ch c = pt_at(s, n, pos, end);
    size_t q = pos;
    if (c.ws) {
        pt_ch d = pt_at(s, n, pos + c.len, end);
        if (pt_is(&d, PT_LETTER)) q += c.len;
    }
    return pt_run(s, n, q, end, PT_LETTER) - pos;
}

/* \s?\p{P}+ */
static size_t pt_s_punct(const uint8_t *s, size_t n, size_t pos, size_t end) {
    pt_ch c = pt_at(s, n, pos, end);
    size_t q = pos;
    if (c.ws) {
        pt_ch d = pt_at(s, n, pos + c.len, end);
        if (pt_punct(&d, NULL)) q += c.len;
    }
    size_t r = pt_prun(s, n, q, end, NULL);
    return r ? q + r - pos : 0;
}

/* [一-龥ࠀ-一가-퟿]+ on code points (whitespace above 127 reads as \v) */
static size_t pt_cjk(const uint8_t *s, size_t n, size_t pos, size_t end) {
    size_t q = pos;
    for (pt_ch c = pt_at(s, n, q, end);
         c.cls != PT_NONE && !c.ws && ((c.cp >= 0x800 && c.cp <= 0x9FA5) || (c.cp >= 0xAC00 && c.cp <= 0xD7FF));
         c = pt_at(s, n, q, end))
        q += c.len;
    return q - pos;
}

typedef size_t (*pt_match)(const uint8_t *s, size_t n, size_t pos, size_t end);

static const struct {
    pt_match pass[PT_MAX_PASS];
    int ignore_merges;
} pt_defs[PT_COUNT] = {
    [PT_GPT2] = {{pt_gpt2}, 0},
    [PT_DEFAULT] = {{pt_punct_default, pt_gpt2, pt_nrun, pt_digit3}, 0},
    [PT_LLAMA3] = {{pt_llama3}, 1},
    [PT_DBRX] = {{pt_llama3}, 0},
    [PT_QWEN2] = {{pt_qwen2}, 0},
    [PT_STARCODER] = {{pt_num1, pt_gpt2}, 0},
    [PT_FALCON] = {{pt_punct_falcon, pt_gpt2, pt_digit3}, 0},
    [PT_DEEPSEEK_CODER] = {{pt_crlf, pt_s_letters, pt_s_punct, pt_cjk, pt_num1}, 0},
};

/* llama.cpp's names (src/llama-vocab.cpp) of the variants above. */
static const struct {
    const char *name;
    int pre;
} pt_names[] = {
    {"llmz", PT_LLMZ},
    {"gpt-2", PT_GPT2},
    {"gpt2", PT_GPT2}, /* llama.cpp spells it gpt-2 */
    {"phi-2", PT_GPT2},
    {"mpt", PT_GPT2},
    {"olmo", PT_GPT2},
    {"jais", PT_GPT2},
    {"trillion", PT_GPT2},
    {"granite-docling", PT_GPT2},
    {"exaone4", PT_GPT2},
    {"jina-es", PT_GPT2},
    {"jina-de", PT_GPT2},
    {"jina-v2-es", PT_GPT2},
    {"jina-v2-de", PT_GPT2},
    {"jina-v1-en", PT_GPT2},
    {"jina-v2-code", PT_GPT2},
    {"roberta-bpe", PT_GPT2},
    {"gigachat", PT_GPT2},
    {"a.x-4.0", PT_GPT2},
    {"mellum", PT_GPT2},
    {"modern-bert", PT_GPT2},
    {"default", PT_DEFAULT},
    {"llama3", PT_LLAMA3},
    {"llama-v3", PT_LLAMA3},
    {"llama-bpe", PT_LLAMA3},
    {"falcon3", PT_LLAMA3},
    {"falcon-h1", PT_LLAMA3},
    {"pixtral", PT_LLAMA3},
    {"midm-2.0", PT_LLAMA3},
    {"lfm2", PT_LLAMA3},
    {"jina-v5-nano", PT_LLAMA3},
    {"dbrx", PT_DBRX},
    {"smaug-bpe", PT_DBRX},
    {"qwen2", PT_QWEN2},
    {"deepseek-r1-qwen", PT_QWEN2},
    {"kormo", PT_QWEN2},
    {"f2llmv2", PT_QWEN2},
    {"megrez", PT_QWEN2},
    {"stablelm2", PT_QWEN2},
    {"hunyuan", PT_QWEN2},
    {"solar-open", PT_QWEN2},
    {"starcoder", PT_STARCODER},
    {"smollm", PT_STARCODER},
    {"refact", PT_STARCODER},
    {"command-r", PT_STARCODER},
    {"codeshell", PT_STARCODER},
    {"exaone", PT_STARCODER},
    {"minerva-7b", PT_STARCODER},
    {"mellum2", PT_STARCODER},
    {"falcon", PT_FALCON},
    {"deepseek-coder", PT_DEEPSEEK_CODER},
};

int pt_lookup(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof pt_names / sizeof *pt_names; i++)
        if (strlen(pt_names[i].name) == len && !memcmp(pt_names[i].name, name, len)) return pt_names[i].pre;
    return -1;
}

int pt_ignore_merges(int pre) { return pre > PT_LLMZ && pre < PT_COUNT && pt_defs[pre].ignore_merges; }

void pt_init(pt_iter *it, int pre, const uint8_t *s, size_t n) {
    memset(it, 0, sizeof *it);
    it->pre = pre;
    it->s = s;
    it->n = n;
    while (it->npass < PT_MAX_PASS && pt_defs[pre].pass[it->npass]) it->npass++;
    it->hi[0] = n;
    for (int k = 0; k < PT_MAX_PASS; k++) it->mpos[k] = SIZE_MAX;
}

/* Next piece of pass k inside the current piece of pass k - 1 (the whole input for pass 0). */
static int pt_level(pt_iter *it, int k, size_t *a, size_t *b) {
    pt_match match = pt_defs[it->pre].pass[k];
    for (;;) {
        if (it->cur[k] >= it->hi[k]) {
            size_t pa, pb;
            if (k == 0 || !pt_level(it, k - 1, &pa, &pb)) return 0;
            it->lo[k] = it->cur[k] = pa;
            it->hi[k] = pb;
            it->mpos[k] = SIZE_MAX;
            continue;
        }
        if (it->mpos[k] == SIZE_MAX) {
            size_t p = it->cur[k], len = 0;
            while (p < it->hi[k] && !(len = match(it->s, it->n, p, it->hi[k])))
                p += pt_at(it->s, it->n, p, it->hi[k]).len;
            it->mpos[k] = p;
            it->mlen[k] = len;
        }
        if (it->cur[k] < it->mpos[k]) { /* the gap before the match */
            *a = it->cur[k];
            *b = it->cur[k] = it->mpos[k];
            return 1;
        }
        *a = it->mpos[k];
        *b = it->cur[k] = it->mpos[k] + it->mlen[k];
        it->mpos[k] = SIZE_MAX;
        return 1;
    }
}

int pt_next(pt_iter *it, size_t *start, size_t *len) {
    if (it->npass == 0) return 0;
    size_t a, b;
    if (!pt_level(it, it->npass - 1, &a, &b)) return 0;
    *start = a;
    *len = b - a;
    return 1;
}
