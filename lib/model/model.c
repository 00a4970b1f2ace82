/*
** model.c -- llmz_model: a GGUF file (mapped or in memory) with its tokenizer, transformer and fingerprint.
*/
#include "model/model.h"

#include <fcntl.h>
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

static int build(llmz_model *m) {
    int rc = gguf_open(&m->g, m->data, m->size);
    if (rc) return rc;
    if ((rc = tok_build(&m->tok, m->g))) return rc;
    if ((rc = tf_load(&m->tf, m->g))) return rc;
    if (tok_n_vocab(m->tok) > (uint32_t)tf_cfg(m->tf)->vocab) return LLMZ_ERR_MODEL_UNSUPPORTED;
    int32_t id[2];
    if (tok_encode(m->tok, id, 2, (const uint8_t *)"\n", 1) != 1) return LLMZ_ERR_MODEL_UNSUPPORTED;
    m->start_tok = id[0];
    sha256(m->data, m->size, m->fp);
    const char *name;
    size_t len;
    if (gguf_get_str(m->g, "general.name", &name, &len) != LLMZ_OK || len == 0) {
        name = "unnamed";
        len = 7;
    }
    if (len > 255) len = 255;
    size_t j = 0;
    for (size_t i = 0; i < len; i++) /* keep the name printable: it is shown in messages */
        m->name[j++] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
    m->name[j] = 0;
    return LLMZ_OK;
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

int llmz_model_load_builtin(llmz_model **out, const uint8_t fingerprint[32]) {
    if (!out || !fingerprint) return LLMZ_ERR_PARAM;
    *out = NULL;
    for (int k = 0; k < BUILTIN_N; k++) {
        size_t size = (size_t)(builtin_tab[k][1] - builtin_tab[k][0]);
        uint8_t fp[32];
        if (size == 0) continue;
        sha256(builtin_tab[k][0], size, fp);
        if (memcmp(fp, fingerprint, 32) == 0) return llmz_model_load_memory(out, builtin_tab[k][0], size);
    }
    return LLMZ_ERR_MODEL_MISMATCH;
}

void llmz_model_free(llmz_model *m) {
    if (!m) return;
    tf_free(m->tf);
    tok_free(m->tok);
    gguf_close(m->g);
    if (m->mapped) munmap((void *)(uintptr_t)m->data, m->size);
    llmz_free(m);
}

const char *llmz_model_name(const llmz_model *m) { return m->name; }

void llmz_model_fingerprint(const llmz_model *m, uint8_t out[32]) { memcpy(out, m->fp, 32); }

void llmz_model_describe(const llmz_model *m, char *buf, size_t cap) {
    const tf_config *c = tf_cfg(m->tf);
    snprintf(buf, cap, "%s: llama, %d layers, dim %d, %d heads (%d kv), ffn %d, ctx %d, vocab %d, %.2fM params",
             m->name, c->n_layer, c->dim, c->n_head, c->n_kv_head, c->ffn, c->ctx, c->vocab,
             (double)tf_n_params(m->tf) / 1e6);
}

long llmz_model_tokenize(const llmz_model *m, int32_t *ids, size_t cap, const void *src, size_t size) {
    return tok_encode(m->tok, ids, cap, src, size);
}

size_t llmz_model_token_bytes(const llmz_model *m, int32_t id, const uint8_t **bytes) {
    return tok_bytes(m->tok, id, bytes);
}
