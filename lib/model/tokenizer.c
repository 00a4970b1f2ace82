/* tokenizer.c -- byte-level BPE (gpt2 and llama/SentencePiece vocabularies).  See tokenizer.h. */
#include "model/tokenizer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "llmz.h"
#include "model/pretok.h"

#define TOK_MAX_VOCAB (1u << 26)

typedef struct {
    uint64_t key; /* (left << 32) | right; TOK_EMPTY if unused */
    uint32_t rank;
    int32_t id;
} tok_pair;
#define TOK_EMPTY UINT64_MAX

struct tok_vocab {
    uint32_t n_vocab;
    uint8_t *blob;   /* bytes of every token, concatenated */
    size_t *off;     /* n_vocab + 1 offsets into blob */
    int32_t byte_id[256];
    tok_pair *pairs; /* open addressing, power-of-two size */
    size_t pair_mask;
    int pre;              /* PT_*: PT_LLMZ cuts with tok_piece, the others with pretok.c */
    int spm_llama;        /* llama vocabulary run as llama.cpp runs it (tok_encode_spm) */
    int32_t spm_byte[256]; /* llama: the "<0xAB>" token of each byte, else byte_id */
    int32_t *slot;        /* token bytes -> canonical id (tok_map's table, kept for whole-piece lookups) */
    size_t slot_mask;
    int32_t *user;        /* user-defined tokens (type 4) cut out before pre-tokenizing: by first byte, longest first */
    size_t n_user;
    uint32_t user_at[257]; /* user[user_at[b] .. user_at[b + 1]) start with byte b */
    char why[96];          /* while building: what is not supported (tok_build_why) */
    uint8_t *inner;        /* llama way: bit a * 256 + b set when the bytes a, b are adjacent in some piece */
};

static uint64_t tok_mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t tok_hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return tok_mix(h ^ n);
}

static size_t tok_pow2(size_t n) {
    size_t c = 16;
    while (c < n * 2) c <<= 1;
    return c;
}

/* Pair lookup: rank and merged id of (a, b); 0 if the pair does not merge. */
static int tok_pair_get(const tok_vocab *v, int32_t a, int32_t b, uint32_t *rank, int32_t *id) {
    if (a < 0 || b < 0) return 0; /* a byte a TOK_LAX_BYTES vocabulary lacks (-1, -1 would be TOK_EMPTY) */
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    for (size_t i = tok_mix(key) & v->pair_mask;; i = (i + 1) & v->pair_mask) {
        const tok_pair *p = &v->pairs[i];
        if (p->key == key) {
            *rank = p->rank;
            *id = p->id;
            return 1;
        }
        if (p->key == TOK_EMPTY) return 0;
    }
}

/* Insert unless present (the first insertion of a pair wins). */
static void tok_pair_put(tok_vocab *v, int32_t a, int32_t b, uint32_t rank, int32_t id) {
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    for (size_t i = tok_mix(key) & v->pair_mask;; i = (i + 1) & v->pair_mask) {
        tok_pair *p = &v->pairs[i];
        if (p->key == key) return;
        if (p->key == TOK_EMPTY) {
            *p = (tok_pair){key, rank, id};
            return;
        }
    }
}

static int tok_pairs_alloc(tok_vocab *v, size_t n) {
    size_t cap = tok_pow2(n);
    v->pairs = llmz_malloc(cap * sizeof *v->pairs);
    if (!v->pairs) return LLMZ_ERR_NOMEM;
    for (size_t i = 0; i < cap; i++) v->pairs[i].key = TOK_EMPTY;
    v->pair_mask = cap - 1;
    return LLMZ_OK;
}

/* ---- build-time map: token bytes -> canonical id ---- */
typedef struct {
    const tok_vocab *v;
    int32_t *slot; /* -1 empty */
    size_t mask;
} tok_map;

static size_t tok_len(const tok_vocab *v, int32_t id) { return v->off[id + 1] - v->off[id]; }

/* Slot index holding these bytes, or the empty slot where they would go. */
static size_t tok_map_find(const tok_map *m, const uint8_t *p, size_t n) {
    for (size_t i = tok_hash_bytes(p, n) & m->mask;; i = (i + 1) & m->mask) {
        int32_t id = m->slot[i];
        if (id < 0) return i;
        if (tok_len(m->v, id) == n && !memcmp(m->v->blob + m->v->off[id], p, n)) return i;
    }
}

static int32_t tok_map_get(const tok_map *m, const uint8_t *p, size_t n) {
    return m->slot[tok_map_find(m, p, n)];
}

/* ---- GPT-2 spelling ---- */
/* Inverse of bytes_to_unicode: code point (< 324) -> byte. */
static void tok_gpt2_inverse(int16_t inv[324]) {
    for (int i = 0; i < 324; i++) inv[i] = -1;
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        inv[printable ? b : 256 + n++] = (int16_t)b;
    }
}

/* Decode a gpt2 spelling into out (room for n bytes); returns the byte count or -1 if not decodable. */
static long tok_gpt2_decode(const int16_t inv[324], const uint8_t *s, size_t n, uint8_t *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if (s[i] < 0x80) {
            cp = s[i++];
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            cp = (uint32_t)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F);
            i += 2;
        } else {
            return -1;
        }
        if (cp >= 324 || inv[cp] < 0) return -1;
        out[o++] = (uint8_t)inv[cp];
    }
    return (long)o;
}

/* ---- SentencePiece spelling ---- */
static int tok_hex(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* "<0xAB>" -> 0xAB, else -1. */
static int tok_spm_byte(const uint8_t *s, size_t n) {
    if (n != 6 || memcmp(s, "<0x", 3) || s[5] != '>') return -1;
    int h = tok_hex(s[3]), l = tok_hex(s[4]);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
}

static size_t tok_spm_decode(const uint8_t *s, size_t n, uint8_t *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (i + 3 <= n && s[i] == 0xE2 && s[i + 1] == 0x96 && s[i + 2] == 0x81) {
            out[o++] = ' ';
            i += 3;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

typedef struct {
    float score;
    int32_t id;
} tok_scored;

static int tok_scored_cmp(const void *a, const void *b) {
    const tok_scored *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

void tok_free(tok_vocab *v) {
    if (!v) return;
    llmz_free(v->blob);
    llmz_free(v->off);
    llmz_free(v->pairs);
    llmz_free(v->slot);
    llmz_free(v->user);
    llmz_free(v->inner);
    llmz_free(v);
}

uint32_t tok_n_vocab(const tok_vocab *v) { return v ? v->n_vocab : 0; }

size_t tok_bytes(const tok_vocab *v, int32_t id, const uint8_t **p) {
    if (!v || id < 0 || (uint32_t)id >= v->n_vocab) {
        if (p) *p = NULL;
        return 0;
    }
    if (p) *p = v->blob + v->off[id];
    return tok_len(v, id);
}

/* Per-token build information. */
typedef struct {
    uint8_t usable;  /* may be produced by encoding */
    uint8_t is_byte; /* spm "<0xAB>" token */
    uint8_t user;    /* user-defined (type 4) whose bytes are its raw spelling, not markup "<...>" */
    float score;
} tok_info;

static int tok_str_eq(const char *s, size_t n, const char *lit) {
    return n == strlen(lit) && !memcmp(s, lit, n);
}

/* LLMZ_ERR_MODEL_UNSUPPORTED, with the reason in v->why. */
static int tok_refuse(tok_vocab *v, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->why, sizeof v->why, fmt, ap);
    va_end(ap);
    return LLMZ_ERR_MODEL_UNSUPPORTED;
}

/* tokenizer.ggml.pre (or the caller's name): the pre-tokenizer of a gpt2 vocabulary; for a llama one, any
** name but "llmz" selects llama.cpp's way (tok_encode_spm).  No key, or a name not in pretok.c's table: the llmz
** pre-tokenizer, as before. */
static int tok_read_pre(tok_vocab *v, const gguf_ctx *g, const char *force, int spm) {
    const char *pre = force;
    size_t len = force ? strlen(force) : 0;
    if (!force) {
        int rc = gguf_get_str(g, "tokenizer.ggml.pre", &pre, &len);
        if (rc == GGUF_NOT_FOUND) return LLMZ_OK;
        if (rc) return rc;
    }
    if (spm) {
        v->spm_llama = !tok_str_eq(pre, len, "llmz");
        return LLMZ_OK;
    }
    int p = pt_lookup(pre, len);
    if (p >= 0) v->pre = p; /* else llmz's own, as 0.2 ran every name: such files keep loading (docs/format.md) */
    return LLMZ_OK;
}

static int tok_user_cmp(const void *a, const void *b) {
    const tok_scored *x = a, *y = b; /* score: a key */
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The user-defined tokens llama.cpp cuts out of the text before tokenizing (with parse_special off, all but
** control ones): those whose bytes are their raw spelling (a gpt2 spelling that decodes to other bytes, such as
** deepseek-coder's added "\u00f6", stays a difference: its bytes are fixed by the format), longest first. */
static int tok_build_users(tok_vocab *v, const gguf_ctx *g, tok_info *info) {
    size_t n = 0;
    for (uint32_t i = 0; i < v->n_vocab; i++) {
        const char *s;
        size_t len;
        if (!info[i].user) continue;
        gguf_arr_str(g, "tokenizer.ggml.tokens", i, &s, &len);
        info[i].user = len == tok_len(v, (int32_t)i) && !memcmp(s, v->blob + v->off[i], len);
        n += info[i].user;
    }
    if (!n) return LLMZ_OK;
    tok_scored *u = llmz_malloc(n * sizeof *u);
    v->user = llmz_malloc(n * sizeof *v->user);
    if (!u || !v->user) {
        llmz_free(u);
        return LLMZ_ERR_NOMEM;
    }
    n = 0;
    for (uint32_t i = 0; i < v->n_vocab; i++)
        if (info[i].user) { /* descending key: first byte ascending, then length descending (exact in float) */
            size_t len = tok_len(v, (int32_t)i);
            float key = (float)((255 - v->blob[v->off[i]]) * 65536 + (len < 65535 ? len : 65535));
            u[n++] = (tok_scored){key, (int32_t)i};
        }
    qsort(u, n, sizeof *u, tok_user_cmp);
    for (size_t k = 0; k < n; k++) v->user[k] = u[k].id;
    for (int b = 0, k = 0; b <= 256; b++) {
        while (b < 256 && (size_t)k < n && v->blob[v->off[v->user[k]]] < b) k++;
        v->user_at[b] = b < 256 ? (uint32_t)k : (uint32_t)n;
    }
    v->n_user = n;
    llmz_free(u);
    return LLMZ_OK;
}

static int tok_build_inner(tok_vocab *v, const gguf_ctx *g, const char *force_pre, int flags, tok_info **infop,
                           tok_map *m) {
    const char *model;
    size_t model_len;
    int rc = gguf_get_str(g, "tokenizer.ggml.model", &model, &model_len);
    if (rc == GGUF_NOT_FOUND) return tok_refuse(v, "no tokenizer (tokenizer.ggml.model)");
    if (rc) return rc;
    int spm;
    if (tok_str_eq(model, model_len, "gpt2")) spm = 0;
    else if (tok_str_eq(model, model_len, "llama")) spm = 1;
    else return tok_refuse(v, "tokenizer '%.*s'", (int)(model_len > 40 ? 40 : model_len), model);
    if ((rc = tok_read_pre(v, g, force_pre, spm))) return rc;

    uint32_t et;
    uint64_t n;
    rc = gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &n);
    if (rc == GGUF_NOT_FOUND) return tok_refuse(v, "no vocabulary (tokenizer.ggml.tokens)");
    if (rc) return rc;
    if (et != GGUF_T_STRING) return LLMZ_ERR_MODEL_FORMAT;
    if (n < 256 || n > TOK_MAX_VOCAB) return tok_refuse(v, "a vocabulary of %llu tokens", (unsigned long long)n);
    v->n_vocab = (uint32_t)n;

    int have_types = 0, have_scores = 0;
    uint64_t n2;
    rc = gguf_get_arr(g, "tokenizer.ggml.token_type", &et, &n2);
    if (rc == LLMZ_OK) {
        if (n2 != n) return LLMZ_ERR_MODEL_FORMAT;
        have_types = 1;
    } else if (rc != GGUF_NOT_FOUND) {
        return rc;
    }
    if (spm) {
        rc = gguf_get_arr(g, "tokenizer.ggml.scores", &et, &n2);
        if (rc == LLMZ_OK) {
            if (n2 != n) return LLMZ_ERR_MODEL_FORMAT;
            have_scores = 1;
        } else if (rc != GGUF_NOT_FOUND) {
            return rc;
        }
    }

    /* token bytes: decoding never lengthens a spelling */
    size_t total = 0;
    for (uint32_t i = 0; i < v->n_vocab; i++) {
        const char *s;
        size_t len;
        if ((rc = gguf_arr_str(g, "tokenizer.ggml.tokens", i, &s, &len))) return rc;
        total += len; /* bounded by the file size */
    }
    tok_info *info = llmz_calloc(v->n_vocab, sizeof *info);
    *infop = info;
    v->blob = llmz_malloc(total);
    v->off = llmz_malloc(((size_t)v->n_vocab + 1) * sizeof *v->off);
    if (!info || !v->blob || !v->off) return LLMZ_ERR_NOMEM;
    int16_t inv[324];
    tok_gpt2_inverse(inv);
    size_t o = 0;
    for (uint32_t i = 0; i < v->n_vocab; i++) {
        const char *s;
        size_t len;
        int32_t type = 1;
        gguf_arr_str(g, "tokenizer.ggml.tokens", i, &s, &len);
        if (have_types && (rc = gguf_arr_i32(g, "tokenizer.ggml.token_type", i, &type))) return rc;
        if (have_scores && (rc = gguf_arr_f32(g, "tokenizer.ggml.scores", i, &info[i].score))) return rc;
        if (info[i].score != info[i].score) info[i].score = -3.0e38f; /* NaN ranks last */
        const uint8_t *us = (const uint8_t *)s;
        info[i].usable = type != 2 && type != 3 && type != 5;
        info[i].user = type == 4 && len > 0 && !(len > 2 && us[0] == '<' && us[len - 1] == '>');
        v->off[i] = o;
        if (!spm) {
            long d = tok_gpt2_decode(inv, us, len, v->blob + o);
            if (d < 0) { /* not in byte spelling (e.g. a special token): keep raw, never produce */
                memcpy(v->blob + o, us, len);
                o += len;
                info[i].usable = 0;
            } else {
                o += (size_t)d;
            }
        } else {
            int b = tok_spm_byte(us, len);
            if (b >= 0 && (!have_types || type == 6)) {
                v->blob[o++] = (uint8_t)b;
                info[i].is_byte = 1;
            } else {
                o += tok_spm_decode(us, len, v->blob + o);
            }
        }
    }
    v->off[v->n_vocab] = o;
    if ((v->spm_llama || v->pre != PT_LLMZ) && (rc = tok_build_users(v, g, info))) return rc;
    if (v->spm_llama) { /* where no piece can span: tok_encode_spm cuts there */
        if (!(v->inner = llmz_calloc(8192, 1))) return LLMZ_ERR_NOMEM;
        for (uint32_t i = 0; i < v->n_vocab; i++)
            for (size_t k = v->off[i] + 1; info[i].usable && k < v->off[i + 1]; k++) {
                unsigned ab = (unsigned)v->blob[k - 1] << 8 | v->blob[k];
                v->inner[ab >> 3] |= (uint8_t)(1u << (ab & 7));
            }
    }

    /* canonical id per byte string */
    size_t mcap = tok_pow2(v->n_vocab);
    m->v = v;
    m->mask = mcap - 1;
    m->slot = llmz_malloc(mcap * sizeof *m->slot);
    if (!m->slot) return LLMZ_ERR_NOMEM;
    for (size_t i = 0; i < mcap; i++) m->slot[i] = -1;
    for (uint32_t i = 0; i < v->n_vocab; i++) {
        if (!info[i].usable) continue;
        size_t k = tok_map_find(m, v->blob + v->off[i], tok_len(v, (int32_t)i));
        int32_t old = m->slot[k];
        if (old < 0) {
            m->slot[k] = (int32_t)i;
        } else if (spm) { /* prefer a normal piece to a byte token, then the higher score */
            const tok_info *a = &info[i], *b = &info[old];
            if (a->is_byte != b->is_byte ? !a->is_byte : a->score > b->score) m->slot[k] = (int32_t)i;
        }
    }
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        v->byte_id[b] = v->spm_byte[b] = tok_map_get(m, &c, 1);
        if (v->byte_id[b] < 0 && !(flags & TOK_LAX_BYTES))
            return tok_refuse(v, "a vocabulary without a token for the byte 0x%02X", b);
    }
    for (uint32_t i = v->n_vocab; i-- > 0;)
        if (info[i].is_byte && info[i].usable) v->spm_byte[v->blob[v->off[i]]] = (int32_t)i;

    if (!spm) {
        rc = gguf_get_arr(g, "tokenizer.ggml.merges", &et, &n2);
        if (rc == GGUF_NOT_FOUND) n2 = 0;
        else if (rc) return rc;
        else if (et != GGUF_T_STRING) return LLMZ_ERR_MODEL_FORMAT;
        if ((rc = tok_pairs_alloc(v, (size_t)n2))) return rc;
        size_t maxlen = 0;
        for (uint64_t k = 0; k < n2; k++) {
            const char *s;
            size_t len;
            gguf_arr_str(g, "tokenizer.ggml.merges", k, &s, &len);
            if (len > maxlen) maxlen = len;
        }
        uint8_t *scratch = llmz_malloc(maxlen);
        if (!scratch) return LLMZ_ERR_NOMEM;
        for (uint64_t k = 0; k < n2 && k < UINT32_MAX; k++) {
            const char *s;
            size_t len;
            gguf_arr_str(g, "tokenizer.ggml.merges", k, &s, &len);
            const uint8_t *us = (const uint8_t *)s;
            const uint8_t *sp = memchr(us, ' ', len);
            if (!sp || memchr(sp + 1, ' ', len - (size_t)(sp - us) - 1)) continue;
            long la = tok_gpt2_decode(inv, us, (size_t)(sp - us), scratch);
            if (la <= 0) continue;
            long lb = tok_gpt2_decode(inv, sp + 1, len - (size_t)(sp - us) - 1, scratch + la);
            if (lb <= 0) continue;
            int32_t a = tok_map_get(m, scratch, (size_t)la);
            int32_t b = tok_map_get(m, scratch + la, (size_t)lb);
            int32_t r = tok_map_get(m, scratch, (size_t)(la + lb));
            if (a >= 0 && b >= 0 && r >= 0) tok_pair_put(v, a, b, (uint32_t)k, r);
        }
        llmz_free(scratch);
        return LLMZ_OK;
    }

    /* SentencePiece: every canonical piece of 2..64 bytes merges from any split into two pieces */
    size_t n_cand = 0, n_pairs = 0;
    for (size_t i = 0; i <= m->mask; i++) {
        int32_t id = m->slot[i];
        size_t len = id >= 0 ? tok_len(v, id) : 0;
        if (len >= 2 && len <= TOK_MAX_PIECE) n_cand++, n_pairs += len - 1;
    }
    tok_scored *cand = llmz_malloc((n_cand ? n_cand : 1) * sizeof *cand);
    if (!cand) return LLMZ_ERR_NOMEM;
    n_cand = 0;
    for (size_t i = 0; i <= m->mask; i++) {
        int32_t id = m->slot[i];
        size_t len = id >= 0 ? tok_len(v, id) : 0;
        if (len >= 2 && len <= TOK_MAX_PIECE) cand[n_cand++] = (tok_scored){info[id].score, id};
    }
    if (n_cand) qsort(cand, n_cand, sizeof *cand, tok_scored_cmp);
    if ((rc = tok_pairs_alloc(v, n_pairs))) {
        llmz_free(cand);
        return rc;
    }
    uint32_t level = 0; /* llama.cpp's way: pairs of equal score share a rank (the leftmost merges first) */
    for (size_t r = 0; r < n_cand; r++) {
        int32_t id = cand[r].id;
        if (r && cand[r].score != cand[r - 1].score) level++;
        const uint8_t *p = v->blob + v->off[id];
        size_t len = tok_len(v, id);
        for (size_t k = 1; k < len; k++) {
            int32_t a = tok_map_get(m, p, k), b = tok_map_get(m, p + k, len - k);
            if (a >= 0 && b >= 0) tok_pair_put(v, a, b, v->spm_llama ? level : (uint32_t)r, id);
        }
    }
    llmz_free(cand);
    return LLMZ_OK;
}

static int tok_build_inner_why(tok_vocab **out, const gguf_ctx *g, const char *pre, int flags, char *why, size_t cap) {
    if (!out) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (!g) return LLMZ_ERR_PARAM;
    tok_vocab *v = llmz_calloc(1, sizeof *v);
    if (!v) return LLMZ_ERR_NOMEM;
    tok_info *info = NULL;
    tok_map m = {0};
    int rc = tok_build_inner(v, g, pre, flags, &info, &m);
    llmz_free(info);
    v->slot = m.slot;
    v->slot_mask = m.mask;
    if (rc != LLMZ_OK) {
        if (why && cap) snprintf(why, cap, "%s", rc == LLMZ_ERR_MODEL_UNSUPPORTED ? v->why : "");
        tok_free(v);
        return rc;
    }
    *out = v;
    return LLMZ_OK;
}

int tok_build_pre(tok_vocab **out, const gguf_ctx *g, const char *pre, int flags) {
    return tok_build_inner_why(out, g, pre, flags, NULL, 0);
}

int tok_build_why(tok_vocab **out, const gguf_ctx *g, char *why, size_t cap) {
    if (why && cap) why[0] = 0;
    return tok_build_inner_why(out, g, NULL, 0, why, cap);
}

int tok_build(tok_vocab **out, const gguf_ctx *g) { return tok_build_pre(out, g, NULL, 0); }

int tok_pre(const tok_vocab *v) { return v ? v->pre : -1; }

/* ---- encoding ---- */
enum { TOK_C_O, TOK_C_L, TOK_C_D, TOK_C_SP, TOK_C_NL, TOK_C_TAB };

static int tok_class(uint8_t c) {
    if (c >= 0x80 || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return TOK_C_L;
    if (c >= '0' && c <= '9') return TOK_C_D;
    if (c == ' ') return TOK_C_SP;
    if (c == '\n') return TOK_C_NL;
    if (c == '\t') return TOK_C_TAB;
    return TOK_C_O;
}

static size_t tok_run(const uint8_t *s, size_t i, size_t n, int cls) {
    size_t j = i;
    while (j < n && tok_class(s[j]) == cls) j++;
    return j - i;
}

/* Length of the pre-tokenizer piece starting at s[i] (the regex of llmztok.py, leftmost-first). */
static size_t tok_piece(const uint8_t *s, size_t i, size_t n) {
    int c = tok_class(s[i]);
    if (c == TOK_C_SP) {
        if (i + 1 < n) {
            int d = tok_class(s[i + 1]);
            if (d == TOK_C_L || d == TOK_C_D) return 1 + tok_run(s, i + 1, n, d);
            if (d == TOK_C_O) return 2;
        }
        size_t k = tok_run(s, i, n, TOK_C_SP);
        /* rule 6: leave the last space to a following byte other than space, newline, tab */
        if (k >= 2 && i + k < n && tok_class(s[i + k]) != TOK_C_NL && tok_class(s[i + k]) != TOK_C_TAB)
            return k - 1;
        return k;
    }
    if (c == TOK_C_O) return 1;
    return tok_run(s, i, n, c);
}

/* The merges of one part: ids[0 .. m) (-1: a symbol that is no token, never merged), the pair of lowest rank
** first (the leftmost of equal ranks); off (NULL: not kept) the symbols' byte offsets, off[m] the end.  Returns
** the number of symbols left. */
static size_t tok_merge(const tok_vocab *v, int32_t *ids, uint16_t *off, size_t m) {
    int32_t mid[TOK_MAX_PART];
    uint32_t rank[TOK_MAX_PART]; /* rank[i]: pair (ids[i], ids[i+1]); UINT32_MAX none */
#define PAIR(i) (ids[i] < 0 || ids[(i) + 1] < 0 || !tok_pair_get(v, ids[i], ids[(i) + 1], &rank[i], &mid[i]))
    for (size_t i = 0; i + 1 < m; i++)
        if (PAIR(i)) rank[i] = UINT32_MAX;
    while (m > 1) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < m; i++)
            if (rank[i] < rank[best]) best = i;
        if (rank[best] == UINT32_MAX) break;
        ids[best] = mid[best];
        memmove(ids + best + 1, ids + best + 2, (m - best - 2) * sizeof *ids);
        memmove(rank + best + 1, rank + best + 2, (m - best - 2) * sizeof *rank);
        memmove(mid + best + 1, mid + best + 2, (m - best - 2) * sizeof *mid);
        if (off) memmove(off + best + 1, off + best + 2, (m - best - 1) * sizeof *off);
        m--;
        if (best > 0 && PAIR(best - 1)) rank[best - 1] = UINT32_MAX;
        if (best + 1 < m && PAIR(best)) rank[best] = UINT32_MAX;
    }
#undef PAIR
    return m;
}

/* BPE inside one part of at most TOK_MAX_PART bytes (TOK_MAX_PIECE for the llmz pre-tokenizer); returns the
** number of ids written to out. */
static size_t tok_bpe(const tok_vocab *v, const uint8_t *p, size_t n, int32_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = v->byte_id[p[i]];
    return n == 1 ? 1 : tok_merge(v, out, NULL, n);
}

/* Canonical usable id of these bytes, -1 if none. */
static int32_t tok_find(const tok_vocab *v, const uint8_t *p, size_t n) {
    for (size_t i = tok_hash_bytes(p, n) & v->slot_mask;; i = (i + 1) & v->slot_mask) {
        int32_t id = v->slot[i];
        if (id < 0) return -1;
        if (tok_len(v, id) == n && !memcmp(v->blob + v->off[id], p, n)) return id;
    }
}

/* Length of the next part of a piece: at most TOK_MAX_PART bytes, ending before a UTF-8 lead byte when one of
** the last three bytes allows it. */
static size_t tok_part(const uint8_t *p, size_t n) {
    if (n <= TOK_MAX_PART) return n;
    for (size_t k = TOK_MAX_PART; k > TOK_MAX_PART - 3; k--)
        if ((p[k] & 0xC0) != 0x80) return k;
    return TOK_MAX_PART;
}

/* Append k ids; -1 when they do not fit. */
static int tok_put(int32_t *ids, size_t cap, size_t *count, const int32_t *tmp, size_t k) {
    if (k > cap - *count) return -1;
    memcpy(ids + *count, tmp, k * sizeof *tmp);
    *count += k;
    return 0;
}

/* Byte-level BPE after one of llama.cpp's pre-tokenizers (pretok.c); a whole piece that is a token is that
** token where the variant ignores merges. */
static int tok_encode_pre(const tok_vocab *v, int32_t *ids, size_t cap, size_t *count, const uint8_t *src, size_t n) {
    int32_t tmp[TOK_MAX_PART];
    pt_iter it;
    pt_init(&it, v->pre, src, n);
    int whole = pt_ignore_merges(v->pre);
    size_t a, len;
    while (pt_next(&it, &a, &len)) {
        int32_t id = whole && len > 1 ? tok_find(v, src + a, len) : -1;
        if (id >= 0) {
            if (tok_put(ids, cap, count, &id, 1)) return -1;
            continue;
        }
        for (size_t j = 0; j < len;) {
            size_t part = tok_part(src + a + j, len - j);
            if (tok_put(ids, cap, count, tmp, tok_bpe(v, src + a + j, part, tmp))) return -1;
            j += part;
        }
    }
    return 0;
}

/* llama.cpp's SentencePiece in one part of at most TOK_MAX_PART bytes: the symbols are UTF-8 characters
** (length from the lead byte, as llama.cpp reads it), the pair of highest score merges first (the leftmost of
** equal scores), a character that is no token becomes its "<0xAB>" byte tokens. */
static size_t tok_spm_part(const tok_vocab *v, const uint8_t *p, size_t n, int32_t *out) {
    static const uint8_t lead_len[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    int32_t ids[TOK_MAX_PART];
    uint16_t off[TOK_MAX_PART + 1];
    size_t m = 0;
    for (size_t i = 0; i < n; m++) {
        size_t l = lead_len[p[i] >> 4];
        if (l > n - i) l = n - i;
        off[m] = (uint16_t)i;
        ids[m] = tok_find(v, p + i, l);
        i += l;
    }
    off[m] = (uint16_t)n;
    m = tok_merge(v, ids, off, m);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (ids[i] >= 0) {
            out[k++] = ids[i];
            continue;
        }
        for (size_t j = off[i]; j < off[i + 1]; j++) out[k++] = v->spm_byte[p[j]];
    }
    return k;
}

/* llama vocabularies as llama.cpp runs them: no pre-tokenizer, but a cut between two bytes that are adjacent in no
** piece (no piece spans it, so no merge crosses it and the result is the same), e.g. before a space that follows
** another byte; then parts of at most TOK_MAX_PART bytes. */
static int tok_encode_spm(const tok_vocab *v, int32_t *ids, size_t cap, size_t *count, const uint8_t *src, size_t n) {
    int32_t tmp[TOK_MAX_PART];
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        for (unsigned ab; j < n && (ab = (unsigned)src[j - 1] << 8 | src[j], v->inner[ab >> 3] >> (ab & 7) & 1);) j++;
        while (i < j) {
            size_t part = tok_part(src + i, j - i);
            if (tok_put(ids, cap, count, tmp, tok_spm_part(v, src + i, part, tmp))) return -1;
            i += part;
        }
    }
    return 0;
}

/* The longest user-defined token (tok_build_users) at src[i], -1 if none. */
static int32_t tok_user_at(const tok_vocab *v, const uint8_t *src, size_t i, size_t n) {
    for (size_t k = v->user_at[src[i]]; k < v->user_at[src[i] + 1]; k++) {
        int32_t id = v->user[k];
        size_t len = tok_len(v, id);
        if (len <= n - i && !memcmp(v->blob + v->off[id], src + i, len)) return id;
    }
    return -1;
}

/* llama.cpp's ways: user-defined tokens are cut out first (the longest at the leftmost place, where llama.cpp
** cuts out the longest everywhere first: the same for the vocabularies tested), then each run of text between
** them is encoded on its own. */
static long tok_encode_llama(const tok_vocab *v, int32_t *ids, size_t cap, const uint8_t *src, size_t n) {
    size_t count = 0;
    for (size_t i = 0, from = 0; i <= n; i++) {
        int32_t id = i < n && v->n_user ? tok_user_at(v, src, i, n) : -1;
        if (i < n && id < 0) continue;
        if (i > from) {
            int rc = v->spm_llama ? tok_encode_spm(v, ids, cap, &count, src + from, i - from)
                                  : tok_encode_pre(v, ids, cap, &count, src + from, i - from);
            if (rc) return -1;
        }
        if (i == n) break;
        if (tok_put(ids, cap, &count, &id, 1)) return -1;
        i += tok_len(v, id) - 1;
        from = i + 1;
    }
    return (long)count;
}

long tok_encode(const tok_vocab *v, int32_t *ids, size_t cap, const uint8_t *src, size_t n) {
    if (!v || (!src && n) || (!ids && cap)) return -1;
    if (v->spm_llama || v->pre != PT_LLMZ) return tok_encode_llama(v, ids, cap, src, n);
    size_t count = 0;
    int32_t tmp[TOK_MAX_PIECE];
    for (size_t i = 0; i < n;) {
        size_t plen = tok_piece(src, i, n);
        for (size_t j = 0; j < plen; j += TOK_MAX_PIECE) {
            size_t part = plen - j < TOK_MAX_PIECE ? plen - j : TOK_MAX_PIECE;
            size_t k = tok_bpe(v, src + i + j, part, tmp);
            if (k > cap - count) return -1;
            memcpy(ids + count, tmp, k * sizeof *tmp);
            count += k;
        }
        i += plen;
    }
    return (long)count;
}
