/* test_transformer.c -- a batched forward pass (prefill of one sequence, or rows of several sequences
** mixed) is bit-identical to evaluating the same rows one at a time, for every kernel set and every numerics
** version (float and int8 KV caches, int8 and float activations); window restarts re-create the same state.
** Uses tests/data/tiny.gguf. */
#include <math.h>
#include <stdint.h>

#include "llmz.h"
#include "model/gguf.h"
#include "model/tf_impl.h"
#include "model/transformer.h"
#include "t.h"

/* Logits of another numerics version than 1's: other numbers, within 2% (tiny.gguf is random: far from the default
** model's 0.0x%); the mean difference printed. */
static void differs_a_little(const float *one, const float *other, size_t n, const char *what) {
    double dsum = 0, asum = 0;
    for (size_t i = 0; i < n; i++) {
        dsum += fabs((double)one[i] - other[i]);
        asum += fabs((double)one[i]);
    }
    CHECK(memcmp(one, other, sizeof(float) * n) != 0);
    CHECK(dsum < 2e-2 * asum);
    printf("%s against 1: mean |logit difference| %.3g, mean |logit| %.3g\n", what, dsum / n, asum / n);
}

/* tests/data/NAME loaded: the model, its GGUF context and the file's bytes (each freed by the caller); NULL if not. */
typedef struct {
    unsigned char *buf;
    gguf_ctx *g;
    tf_model *m;
} loaded;

static loaded load_model(const char *name) {
    char path[512];
    size_t size = 0;
    loaded L = {NULL, NULL, NULL};
    snprintf(path, sizeof path, "%s/%s", t_data_dir(), name);
    L.buf = t_read_file(path, &size);
    CHECK(L.buf != NULL);
    if (!L.buf) return L;
    CHECK_EQ(gguf_open(&L.g, L.buf, size), LLMZ_OK);
    CHECK_EQ(tf_load(&L.m, L.g), LLMZ_OK);
    return L;
}

static void unload_model(loaded *L) {
    tf_free(L->m);
    gguf_close(L->g);
    free(L->buf);
}

/* tiny-f16.gguf under numerics 3: the products read the file's F16 weights (qmat.fw), on every kernel set alike, one
** row at a time as in one batch; without them (the int8 blocks) the logits differ. */
static void f16_weights(void) {
    loaded Lm = load_model("tiny-f16.gguf");
    tf_model *m = Lm.m;
    if (!m) {
        unload_model(&Lm);
        return;
    }
    CHECK(m->layers[0].wq.fw != NULL && m->layers[0].wq.fw_type == QW_F16 && m->emb.fw != NULL);
    int V = tf_cfg(m)->vocab, N = 24;
    int32_t tok[24];
    for (int i = 0; i < N; i++) tok[i] = (int32_t)((i * 2654435761u) % (uint32_t)V);
    float *ref = malloc(sizeof(float) * (size_t)N * V), *got = malloc(sizeof(float) * (size_t)N * V);
    for (int k = LLMZ_KERNELS_REF; k <= LLMZ_KERNELS_AVX512; k++) {
        const kernel_set *ks = kernels_get(k);
        if (!ks) continue;
        tf_state *s = tf_state_new(m, 3), *rs[24];
        tf_batch *b1 = tf_batch_new(m, 1), *bn = tf_batch_new(m, N);
        for (int i = 0; i < N; i++) CHECK_EQ(tf_forward(m, ks, b1, &s, &tok[i], 1, got + (size_t)i * V), LLMZ_OK);
        if (k == LLMZ_KERNELS_REF) memcpy(ref, got, sizeof(float) * (size_t)N * V);
        CHECK(memcmp(ref, got, sizeof(float) * (size_t)N * V) == 0);
        tf_state_reset(s);
        for (int i = 0; i < N; i++) rs[i] = s;
        CHECK_EQ(tf_forward(m, ks, bn, rs, tok, N, got), LLMZ_OK);
        CHECK(memcmp(ref, got, sizeof(float) * (size_t)N * V) == 0);
        tf_state_free(s);
        tf_batch_free(b1);
        tf_batch_free(bn);
    }
    /* the same model with its int8 blocks alone */
    m->emb.fw = m->out.fw = NULL;
    for (int l = 0; l < tf_cfg(m)->n_layer; l++) {
        tf_layer *L = &m->layers[l];
        L->wq.fw = L->wk.fw = L->wv.fw = L->wo.fw = L->wgate.fw = L->wup.fw = L->wdown.fw = NULL;
    }
    tf_state *s = tf_state_new(m, 3);
    tf_batch *b1 = tf_batch_new(m, 1);
    for (int i = 0; i < N; i++) CHECK_EQ(tf_forward(m, kernels_ref(), b1, &s, &tok[i], 1, got + (size_t)i * V), LLMZ_OK);
    CHECK(memcmp(ref, got, sizeof(float) * (size_t)N * V) != 0);
    tf_state_free(s);
    tf_batch_free(b1);
    free(ref);
    free(got);
    unload_model(&Lm);
}

int main(void) {
    loaded Lm = load_model("tiny.gguf");
    tf_model *m = Lm.m;
    if (!m) {
        unload_model(&Lm);
        return T_DONE();
    }
    const tf_config *c = tf_cfg(m);
    int V = c->vocab, N = c->ctx; /* fill the whole context */
    int32_t *tok = malloc(sizeof(int32_t) * N);
    for (int i = 0; i < N; i++) tok[i] = (int32_t)((i * 2654435761u) % (uint32_t)V);
    float *one = malloc(sizeof(float) * (size_t)N * V), *batch = malloc(sizeof(float) * (size_t)N * V);
    float *mixed = malloc(sizeof(float) * (size_t)N * V);
    const kernel_set *sets[3] = {kernels_get(LLMZ_KERNELS_REF), kernels_get(LLMZ_KERNELS_AVX2),
                                 kernels_get(LLMZ_KERNELS_AVX512)};
    float *firsts[4] = {NULL, NULL, NULL, NULL}; /* by numerics version */
    for (int nv = 1; nv <= 3; nv++) {
    float *first = NULL;
    t_sets counted = {0, 0};
    for (int k = 0; k < 3; k++) {
        const kernel_set *ks = sets[k];
        if (!ks) {
            t_sets_skip(&counted);
            continue;
        }
        t_sets_begin(&counted);
        tf_state *s1 = tf_state_new(m, nv), *s2 = tf_state_new(m, nv), *s3 = tf_state_new(m, nv);
        tf_batch *b1 = tf_batch_new(m, 1), *bn = tf_batch_new(m, N);
        tf_state *rs[512];
        /* token by token (the decoder's path) */
        int ok = 1;
        for (int i = 0; i < N; i++) ok &= tf_forward(m, ks, b1, &s1, &tok[i], 1, one + (size_t)i * V) == LLMZ_OK;
        CHECK(ok);
        /* one prefill batch (the encoder's path), in two uneven parts */
        for (int i = 0; i < N; i++) rs[i] = s2;
        CHECK_EQ(tf_forward(m, ks, bn, rs, tok, 7, batch), LLMZ_OK);
        CHECK_EQ(tf_forward(m, ks, bn, rs, tok + 7, N - 7, batch + (size_t)7 * V), LLMZ_OK);
        CHECK(memcmp(one, batch, sizeof(float) * (size_t)N * V) == 0);
        /* logits for some rows only (re-fed rows skip the head): every third row and the last, then none */
        {
            tf_state_reset(s2);
            int32_t outs[512];
            int n_out = 0;
            for (int i = 0; i < N; i++)
                if (i % 3 == 1 || i == N - 1) outs[n_out++] = i;
            memset(batch, 0, sizeof(float) * (size_t)N * V);
            CHECK_EQ(tf_forward_out(m, ks, bn, rs, tok, N, outs, n_out, batch), LLMZ_OK);
            int same = 1;
            for (int j = 0; j < n_out; j++)
                same &= memcmp(batch + (size_t)j * V, one + (size_t)outs[j] * V, sizeof(float) * V) == 0;
            CHECK(same);
            CHECK(tf_state_pos(s2) == N);
            tf_state_reset(s2);
            CHECK_EQ(tf_forward_out(m, ks, bn, rs, tok, 9, outs, 0, NULL), LLMZ_OK); /* context only */
            CHECK_EQ(tf_forward_out(m, ks, bn, rs, tok + 9, N - 9, NULL, N - 9, batch), LLMZ_OK);
            CHECK(memcmp(batch, one + (size_t)9 * V, sizeof(float) * (size_t)(N - 9) * V) == 0);
            int32_t bad[2] = {3, 3};
            CHECK_EQ(tf_forward_out(m, ks, bn, rs, tok, 5, bad, 2, batch), LLMZ_ERR_PARAM); /* not ascending */
            bad[1] = 5;
            CHECK_EQ(tf_forward_out(m, ks, bn, rs, tok, 5, bad, 2, batch), LLMZ_ERR_PARAM); /* past n */
            tf_state_reset(s2);
        }
        /* rows of two sequences interleaved step by step (batched decoding): s3 runs the same tokens
        ** as s1, s2 (reset) runs them too; both must reproduce the single-row logits */
        tf_state_reset(s2);
        int good = 1;
        for (int i = 0; i < N; i++) {
            tf_state *pair[2] = {s2, s3};
            int32_t t2[2] = {tok[i], tok[i]};
            float out[2 * 4096];
            if (V > 4096) break;
            CHECK_EQ(tf_forward(m, ks, bn, pair, t2, 2, out), LLMZ_OK);
            good &= memcmp(out, one + (size_t)i * V, sizeof(float) * V) == 0;
            good &= memcmp(out + V, one + (size_t)i * V, sizeof(float) * V) == 0;
            memcpy(mixed + (size_t)i * V, out, sizeof(float) * V);
        }
        CHECK(good);
        /* with thread teams of 2 and 3 (one row at a time: split attention; prefill: rows split) */
        for (int nt = 2; nt <= 3; nt++) {
            team *tm = team_new(nt);
            CHECK(tm != NULL);
            tf_batch *t1 = tf_batch_new(m, 1), *tn = tf_batch_new(m, N);
            CHECK_EQ(tf_batch_use_team(t1, m, tm), LLMZ_OK);
            CHECK_EQ(tf_batch_use_team(tn, m, tm), LLMZ_OK);
            tf_state *s4 = tf_state_new(m, nv);
            int same = 1;
            for (int i = 0; i < N; i++) {
                CHECK_EQ(tf_forward(m, ks, t1, &s4, &tok[i], 1, mixed + (size_t)i * V), LLMZ_OK);
            }
            same &= memcmp(one, mixed, sizeof(float) * (size_t)N * V) == 0;
            tf_state_reset(s4);
            for (int i = 0; i < N; i++) rs[i] = s4;
            CHECK_EQ(tf_forward(m, ks, tn, rs, tok, 5, mixed), LLMZ_OK);
            CHECK_EQ(tf_forward(m, ks, tn, rs, tok + 5, N - 5, mixed + (size_t)5 * V), LLMZ_OK);
            same &= memcmp(one, mixed, sizeof(float) * (size_t)N * V) == 0;
            CHECK(same);
            /* back to no team: the batch's own attention row again */
            CHECK_EQ(tf_batch_use_team(t1, m, NULL), LLMZ_OK);
            tf_state_reset(s4);
            CHECK_EQ(tf_forward(m, ks, t1, &s4, &tok[0], 1, mixed), LLMZ_OK);
            CHECK(memcmp(one, mixed, sizeof(float) * V) == 0);
            tf_state_free(s4);
            tf_batch_free(t1);
            tf_batch_free(tn);
            team_free(tm);
        }
        /* past the context: refused, not overrun */
        CHECK_EQ(tf_forward(m, ks, b1, &s1, &tok[0], 1, one), LLMZ_ERR_PARAM);
        CHECK_EQ(tf_state_pos(s1), N);
        /* every kernel set gives the reference's logits */
        if (!first) {
            first = malloc(sizeof(float) * (size_t)N * V);
            memcpy(first, batch, sizeof(float) * (size_t)N * V);
        }
        CHECK(memcmp(first, batch, sizeof(float) * (size_t)N * V) == 0); /* (the first set too: checks per set alike) */
        t_sets_end(&counted, llmz_kernels_name(k + LLMZ_KERNELS_REF));
        tf_state_free(s1);
        tf_state_free(s2);
        tf_state_free(s3);
        tf_batch_free(b1);
        tf_batch_free(bn);
    }
    firsts[nv] = first;
    }
    /* numerics 2 is its own arithmetic (the cache quantised to int8), close to numerics 1; so is numerics 3 (float
    ** activations, float cache: numerics 1 without the activations' int8 rounding) */
    if (firsts[1] && firsts[2]) differs_a_little(firsts[1], firsts[2], (size_t)N * V, "numerics 2");
    if (firsts[1] && firsts[3]) differs_a_little(firsts[1], firsts[3], (size_t)N * V, "numerics 3");
    { /* a batch mixing numerics 3 with another is refused */
        tf_state *s1 = tf_state_new(m, 1), *s3 = tf_state_new(m, 3), *pair[2] = {s1, s3};
        tf_batch *b2 = tf_batch_new(m, 2);
        int32_t t2[2] = {tok[0], tok[1]};
        float *out = malloc(sizeof(float) * 2 * (size_t)V);
        CHECK_EQ(tf_forward(m, kernels_ref(), b2, pair, t2, 2, out), LLMZ_ERR_PARAM);
        pair[0] = s3;
        CHECK_EQ(tf_forward(m, kernels_ref(), b2, pair, t2, 2, out), LLMZ_OK); /* (one sequence, two rows) */
        tf_state_free(s1);
        tf_state_free(s3);
        tf_batch_free(b2);
        free(out);
    }
    free(firsts[1]);
    free(firsts[2]);
    free(firsts[3]);
    f16_weights();
    free(tok);
    free(one);
    free(batch);
    free(mixed);
    unload_model(&Lm);
    return T_DONE();
}
