/* bias.c -- dynamic evaluation of the output bias (bias.h). */
#include "adapt/bias.h"

#include <string.h>

#include "common/mem.h"
#include "llmz.h"

size_t bias_bytes(int V) { return 2 * (size_t)V * sizeof(float); }

int bias_init(bias_model *m, int V) {
    memset(m, 0, sizeof *m);
    m->V = V;
    m->b = llmz_calloc((size_t)V, sizeof(float));
    m->e = llmz_calloc((size_t)V, sizeof(float));
    if (!m->b || !m->e) {
        bias_free(m);
        return LLMZ_ERR_NOMEM;
    }
    return LLMZ_OK;
}

void bias_free(bias_model *m) {
    llmz_free(m->b);
    llmz_free(m->e);
    m->b = m->e = NULL;
}

void bias_reset(bias_model *m) {
    memset(m->b, 0, (size_t)m->V * sizeof(float));
    m->lr = 0.0;
}

float bias_apply(bias_model *m, const float *logits, float *out, const kernel_set *ks) {
    /* no step pending: r = 0 leaves every b_i as it is (0 * e_i = 0, e_i finite), so one kernel does both */
    float r = m->lr > 0.0 ? (float)(m->lr / m->S) : 0.0f;
    m->lr = 0.0;
    return ks->bias(m->b, out, m->e, logits, r, -BIAS_MAX, m->V);
}

void bias_learn(bias_model *m, int32_t t, uint32_t f_lm, uint32_t f_mix) {
    double lr = f_mix > f_lm ? BIAS_LR * (double)f_lm / (double)f_mix : BIAS_LR;
    float x = m->b[t] + (float)lr;
    m->b[t] = x > BIAS_MAX ? BIAS_MAX : x;
    m->lr = lr;
}

void bias_copy(bias_model *dst, const bias_model *src) {
    memcpy(dst->b, src->b, (size_t)src->V * sizeof(float));
    memcpy(dst->e, src->e, (size_t)src->V * sizeof(float));
    dst->S = src->S;
    dst->lr = src->lr;
}
