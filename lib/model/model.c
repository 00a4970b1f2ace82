/*
** model.c -- llmz_model: a GGUF file (mapped or in memory) with its tokenizer, transformer and fingerprint.
*/
#include "model/model.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/mem.h"

extern const unsigned char llmz_default_model[];
extern const unsigned char llmz_default_model_end[];
extern const unsigned char llmz_retired_model[];
extern const unsigned char llmz_retired_model_end[];
extern const unsigned char llmz_adapter0[], llmz_adapter0_end[], llmz_adapter1[], llmz_adapter1_end[];
extern const unsigned char llmz_adapter2[], llmz_adapter2_end[], llmz_adapter3[], llmz_adapter3_end[];

/* A printable copy of a file's general.name (at most 255 bytes; other bytes become '?'; "unnamed" when absent
** or empty): names are shown in messages. */
static void gguf_name(const gguf_ctx *g, char dst[256]) {
    const char *src = NULL;
    size_t len = 0;
    if (gguf_get_str(g, "general.name", &src, &len) != LLMZ_OK || len == 0) {
        src = "unnamed";
        len = 7;
    }
    if (len > 255) len = 255;
    for (size_t i = 0; i < len; i++) dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[len] = 0;
}

/* A byte that continues a word: letters, digits, '_', and every byte >= 0x80 (inside UTF-8 sequences). */
static int word_byte(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* Fingerprints of the files embedded in the binary (models, adapters), each hashed once per process: the SHA-256
** of a 2.8 MB model takes milliseconds, and decoding one short message hashed the default model twice and the
** retired one once (a fifth of the process's time).  Their bytes never change, so the pointer is the key. */
#define FP_MEMO 8
static pthread_mutex_t fp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const void *data;
    size_t size;
    uint8_t fp[32];
} fp_memo[FP_MEMO];
static int fp_memo_n;

static void embedded_fp(const void *data, size_t size, uint8_t out[32]) {
    int found = 0;
    pthread_mutex_lock(&fp_lock);
    for (int i = 0; i < fp_memo_n && !found; i++)
        if (fp_memo[i].data == data && fp_memo[i].size == size) {
            memcpy(out, fp_memo[i].fp, 32);
            found = 1;
        }
    pthread_mutex_unlock(&fp_lock);
    if (found) return;
    sha256(data, size, out); /* outside the lock: two threads may both hash, to the same bytes */
    pthread_mutex_lock(&fp_lock);
    if (fp_memo_n < FP_MEMO) {
        fp_memo[fp_memo_n].data = data;
        fp_memo[fp_memo_n].size = size;
        memcpy(fp_memo[fp_memo_n].fp, out, 32);
        fp_memo_n++;
    }
    pthread_mutex_unlock(&fp_lock);
}

static int is_embedded(const void *data);

/* The reason a file is refused, for llmz_model_check (why may be NULL). */
static int why_set(char *why, size_t cap, int rc, const char *what) {
    if (why && cap && !why[0]) snprintf(why, cap, "%s", what);
    return rc;
}

/* The tokenizer's refusal: its model type when the file names one. */
static int why_tok(char *why, size_t cap, int rc, const gguf_ctx *g) {
    const char *s;
    size_t n;
    if (!why || !cap || rc != LLMZ_ERR_MODEL_UNSUPPORTED) return why_set(why, cap, rc, "tokenizer");
    if (why[0]) return rc; /* tok_build_why named it */
    if (gguf_get_str(g, "tokenizer.ggml.model", &s, &n) == LLMZ_OK)
        snprintf(why, cap, "tokenizer '%.*s' (or its vocabulary or merges)", (int)(n > 32 ? 32 : n), s);
    else snprintf(why, cap, "no tokenizer (tokenizer.ggml.model)");
    return rc;
}

/* Parse m->data: tokenizer, transformer, name, and the fingerprint unless `fp` gives it (an adapted model's base).
** A refused file's reason goes to why[0 .. cap) (llmz_model_check; NULL: not wanted). */
static int build_why(llmz_model *m, const uint8_t *fp, char *why, size_t cap) {
    if (why && cap) why[0] = 0;
    int rc = gguf_open(&m->g, m->data, m->size);
    if (rc) return why_set(why, cap, rc, "not a valid GGUF v3 file");
    if ((rc = tok_build_why(&m->tok, m->g, why, cap))) return why_tok(why, cap, rc, m->g);
    if ((rc = tf_load_why(&m->tf, m->g, why, cap))) return why_set(why, cap, rc, "the transformer");
    if (tok_n_vocab(m->tok) > (uint32_t)tf_cfg(m->tf)->vocab)
        return why_set(why, cap, LLMZ_ERR_MODEL_UNSUPPORTED, "a vocabulary larger than token_embd.weight");
    int32_t id[2];
    if (tok_encode(m->tok, id, 2, (const uint8_t *)"\n", 1) != 1)
        return why_set(why, cap, LLMZ_ERR_MODEL_UNSUPPORTED, "a vocabulary without a token for \"\\n\"");
    m->start_tok = id[0];
    int V = tf_cfg(m->tf)->vocab;
    if (!(m->tok_nl = llmz_calloc((size_t)V, 1)) || !(m->tok_fs = llmz_calloc((size_t)V, 1)) ||
        !(m->tok_wc = llmz_calloc((size_t)V, 1)))
        return LLMZ_ERR_NOMEM;
    for (int v = 0; v < (int)tok_n_vocab(m->tok); v++) {
        const uint8_t *b;
        size_t n = tok_bytes(m->tok, v, &b);
        m->tok_nl[v] = n > 0 && memchr(b, '\n', n) != NULL;
        m->tok_fs[v] = n > 0 && !word_byte(b[0]);
        int letter = 0;
        for (size_t k = 0; k < n; k++) letter |= (b[k] | 0x20) >= 'a' && (b[k] | 0x20) <= 'z';
        m->tok_wc[v] = (uint8_t)((n > 0 && (b[0] == ' ' || b[0] == '\t')) | letter << 1);
    }
    if (fp) memcpy(m->fp, fp, 32);
    else if (is_embedded(m->data)) embedded_fp(m->data, m->size, m->fp);
    else sha256(m->data, m->size, m->fp);
    gguf_name(m->g, m->name);
    return LLMZ_OK;
}

static int build_fp(llmz_model *m, const uint8_t *fp) { return build_why(m, fp, NULL, 0); }
static int build(llmz_model *m) { return build_fp(m, NULL); }

int llmz_model_check(const void *data, size_t size, char *why, size_t cap) {
    if ((!data && size) || (!why && cap)) return LLMZ_ERR_PARAM;
    llmz_model *m = llmz_calloc(1, sizeof *m);
    if (!m) return why_set(why, cap, LLMZ_ERR_NOMEM, "out of memory");
    m->data = data;
    m->size = size;
    int rc = build_why(m, NULL, why, cap);
    if (rc == LLMZ_ERR_NOMEM) why_set(why, cap, rc, "out of memory");
    llmz_model_free(m);
    return rc;
}

static int finish(llmz_model **out, llmz_model *m) {
    int rc = build(m);
    if (rc) {
        llmz_model_free(m);
        return rc;
    }
    *out = m;
    return LLMZ_OK;
}

int llmz_model_load_memory(llmz_model **out, const void *data, size_t size) {
    if (!out || (!data && size)) return LLMZ_ERR_PARAM;
    *out = NULL;
    llmz_model *m = llmz_calloc(1, sizeof *m);
    if (!m) return LLMZ_ERR_NOMEM;
    m->data = data;
    m->size = size;
    return finish(out, m);
}

int llmz_model_load_file(llmz_model **out, const char *path) {
    if (!out || !path) return LLMZ_ERR_PARAM;
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return LLMZ_ERR_PARAM;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        return LLMZ_ERR_MODEL_FORMAT;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return LLMZ_ERR_NOMEM;
    llmz_model *m = llmz_calloc(1, sizeof *m);
    if (!m) {
        munmap(p, (size_t)st.st_size);
        return LLMZ_ERR_NOMEM;
    }
    m->data = p;
    m->size = (size_t)st.st_size;
    m->mapped = 1;
    return finish(out, m);
}

int llmz_model_load_default(llmz_model **out) {
    size_t size = (size_t)(llmz_default_model_end - llmz_default_model);
    if (size == 0) return LLMZ_ERR_UNSUPPORTED;
    return llmz_model_load_memory(out, llmz_default_model, size);
}

/* The embedded models: the default first, then the retired ones (empty entries are skipped). */
static const unsigned char *const builtin_tab[][2] = {{llmz_default_model, llmz_default_model_end},
                                                     {llmz_retired_model, llmz_retired_model_end}};
enum { BUILTIN_N = (int)(sizeof builtin_tab / sizeof builtin_tab[0]) };

static int is_embedded(const void *data) {
    for (int k = 0; k < BUILTIN_N; k++)
        if (builtin_tab[k][1] != builtin_tab[k][0] && data == builtin_tab[k][0]) return 1;
    return 0;
}

int llmz_model_builtin(llmz_model **out, int i) {
    if (!out) return LLMZ_ERR_PARAM;
    *out = NULL;
    for (int k = 0; k < BUILTIN_N; k++) {
        size_t size = (size_t)(builtin_tab[k][1] - builtin_tab[k][0]);
        if (size == 0) continue;
        if (i-- == 0) return llmz_model_load_memory(out, builtin_tab[k][0], size);
    }
    return LLMZ_ERR_PARAM;
}

int model_prefix_pick(const uint8_t (*fps)[32], int n, const uint8_t *prefix, size_t len) {
    int hit = -1;
    for (int i = 0; i < n; i++) {
        if (memcmp(fps[i], prefix, len) != 0) continue;
        if (hit < 0) hit = i;
        else if (memcmp(fps[i], fps[hit], 32) != 0) return -2;
    }
    return hit;
}

int model_is_builtin(const llmz_model *m) {
    for (int k = 0; k < BUILTIN_N; k++)
        if (builtin_tab[k][1] != builtin_tab[k][0] && m->data == builtin_tab[k][0]) return 1;
    return 0;
}

int llmz_model_load_builtin_prefix(llmz_model **out, const uint8_t *fp, size_t fp_len) {
    if (!out) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (!fp || fp_len < 1 || fp_len > 32) return LLMZ_ERR_PARAM;
    uint8_t fps[BUILTIN_N][32];
    int at[BUILTIN_N], n = 0;
    for (int k = 0; k < BUILTIN_N; k++) {
        size_t size = (size_t)(builtin_tab[k][1] - builtin_tab[k][0]);
        if (size == 0) continue;
        embedded_fp(builtin_tab[k][0], size, fps[n]);
        at[n++] = k;
    }
    int i = model_prefix_pick((const uint8_t(*)[32])fps, n, fp, fp_len);
    if (i < 0) return LLMZ_ERR_MODEL_MISMATCH;
    return llmz_model_load_memory(out, builtin_tab[at[i]][0], (size_t)(builtin_tab[at[i]][1] - builtin_tab[at[i]][0]));
}

int llmz_model_load_builtin(llmz_model **out, const uint8_t fingerprint[32]) {
    if (out) *out = NULL;
    if (!out || !fingerprint) return LLMZ_ERR_PARAM;
    return llmz_model_load_builtin_prefix(out, fingerprint, 32);
}

/* ---- adapters ---------------------------------------------------------------------------------- */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The adapter's GGUF checks: general.type "adapter", adapter.type "lora", and llmz.adapter.base (when present)
** equal to the base model's fingerprint. */
static int adapter_check(const gguf_ctx *a, const uint8_t base_fp[32]) {
    const char *s;
    size_t n;
    if (gguf_get_str(a, "general.type", &s, &n) != LLMZ_OK || n != 7 || memcmp(s, "adapter", 7) != 0)
        return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (gguf_get_str(a, "adapter.type", &s, &n) != LLMZ_OK || n != 4 || memcmp(s, "lora", 4) != 0)
        return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (gguf_has(a, "llmz.adapter.base")) {
        if (gguf_get_str(a, "llmz.adapter.base", &s, &n) != LLMZ_OK || n != 64) return LLMZ_ERR_MODEL_UNSUPPORTED;
        for (int i = 0; i < 32; i++) {
            int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
            if (hi < 0 || lo < 0) return LLMZ_ERR_MODEL_UNSUPPORTED;
            if ((uint8_t)(hi << 4 | lo) != base_fp[i]) return LLMZ_ERR_MODEL_MISMATCH;
        }
    }
    return LLMZ_OK;
}

int llmz_model_load_adapter(llmz_model **out, const llmz_model *base, const void *data, size_t size) {
    if (!out || !base || (!data && size)) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (base->has_adapter) return LLMZ_ERR_PARAM; /* adapters apply to a base model */
    llmz_model *m = llmz_calloc(1, sizeof *m);
    if (!m) return LLMZ_ERR_NOMEM;
    m->data = base->data; /* the base's bytes: it must outlive m */
    m->size = base->size;
    int rc = build_fp(m, base->fp);
    if (!rc) rc = gguf_open(&m->ag, data, size);
    if (!rc) rc = adapter_check(m->ag, m->fp);
    if (!rc) rc = tf_apply_lora(m->tf, m->ag);
    if (rc) {
        llmz_model_free(m);
        return rc;
    }
    m->has_adapter = 1;
    m->adapter_data = data;
    sha256(data, size, m->adapter_fp);
    gguf_name(m->ag, m->adapter_name);
    *out = m;
    return LLMZ_OK;
}

/* The adapters embedded in the binary, for the default model (empty entries are skipped). */
static const unsigned char *const adapter_tab[][2] = {{llmz_adapter0, llmz_adapter0_end},
                                                     {llmz_adapter1, llmz_adapter1_end},
                                                     {llmz_adapter2, llmz_adapter2_end},
                                                     {llmz_adapter3, llmz_adapter3_end}};
enum { ADAPTER_N = (int)(sizeof adapter_tab / sizeof adapter_tab[0]) };

int llmz_adapter_builtin(int i, const void **data, size_t *size) {
    if (!data || !size) return LLMZ_ERR_PARAM;
    for (int k = 0; k < ADAPTER_N; k++) {
        size_t n = (size_t)(adapter_tab[k][1] - adapter_tab[k][0]);
        if (n == 0) continue;
        if (i-- == 0) {
            *data = adapter_tab[k][0];
            *size = n;
            return LLMZ_OK;
        }
    }
    return LLMZ_ERR_PARAM;
}

int llmz_adapter_name(const void *data, size_t size, char name[256]) {
    if (!name || (!data && size)) return LLMZ_ERR_PARAM;
    gguf_ctx *g;
    int rc = gguf_open(&g, data, size);
    if (rc) return rc;
    gguf_name(g, name);
    gguf_close(g);
    return LLMZ_OK;
}

int model_adapter_is_builtin(const llmz_model *m) {
    if (!m->has_adapter) return 0;
    for (int k = 0; k < ADAPTER_N; k++)
        if (adapter_tab[k][1] != adapter_tab[k][0] && m->adapter_data == adapter_tab[k][0]) return 1;
    return 0;
}

int llmz_model_load_builtin_adapter_prefix(llmz_model **out, const llmz_model *base, const uint8_t *fp, size_t fp_len) {
    if (!out) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (!base || !fp || fp_len < 1 || fp_len > 32) return LLMZ_ERR_PARAM;
    uint8_t fps[ADAPTER_N][32];
    const void *data[ADAPTER_N];
    size_t size[ADAPTER_N];
    int n = 0;
    while (n < ADAPTER_N && llmz_adapter_builtin(n, &data[n], &size[n]) == LLMZ_OK) {
        embedded_fp(data[n], size[n], fps[n]);
        n++;
    }
    int i = model_prefix_pick((const uint8_t(*)[32])fps, n, fp, fp_len);
    if (i < 0) return LLMZ_ERR_MODEL_MISMATCH;
    return llmz_model_load_adapter(out, base, data[i], size[i]);
}

int llmz_model_load_builtin_adapter(llmz_model **out, const llmz_model *base, const uint8_t fingerprint[32]) {
    if (out) *out = NULL;
    if (!out || !base || !fingerprint) return LLMZ_ERR_PARAM;
    return llmz_model_load_builtin_adapter_prefix(out, base, fingerprint, 32);
}

int llmz_model_adapter(const llmz_model *m, uint8_t fp[32], const char **name) {
    if (!m || !m->has_adapter) return 0;
    if (fp) memcpy(fp, m->adapter_fp, 32);
    if (name) *name = m->adapter_name;
    return 1;
}

void llmz_model_free(llmz_model *m) {
    if (!m) return;
    gguf_close(m->ag);
    llmz_free(m->tok_nl);
    llmz_free(m->tok_fs);
    llmz_free(m->tok_wc);
    tf_free(m->tf);
    tok_free(m->tok);
    gguf_close(m->g);
    if (m->mapped) munmap((void *)(uintptr_t)m->data, m->size);
    llmz_free(m);
}

const char *llmz_model_name(const llmz_model *m) { return m->name; }

void llmz_model_fingerprint(const llmz_model *m, uint8_t out[32]) { memcpy(out, m->fp, 32); }

int llmz_model_bytes(const llmz_model *m, const void **data, size_t *size) {
    if (!m || !data || !size) return LLMZ_ERR_PARAM;
    *data = m->data;
    *size = m->size;
    return LLMZ_OK;
}

void llmz_model_describe(const llmz_model *m, char *buf, size_t cap) {
    const tf_config *c = tf_cfg(m->tf);
    snprintf(buf, cap, "%s: %s, %d layers, dim %d, %d heads (%d kv), ffn %d, ctx %d, vocab %d, %.2fM params",
             m->name, c->neox ? "qwen2" : "llama", c->n_layer, c->dim, c->n_head, c->n_kv_head, c->ffn, c->ctx, c->vocab,
             (double)tf_n_params(m->tf) / 1e6);
}

long llmz_model_tokenize(const llmz_model *m, int32_t *ids, size_t cap, const void *src, size_t size) {
    return tok_encode(m->tok, ids, cap, src, size);
}

size_t llmz_model_token_bytes(const llmz_model *m, int32_t id, const uint8_t **bytes) {
    return tok_bytes(m->tok, id, bytes);
}
