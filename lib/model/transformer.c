/*
** transformer.c -- llama-style decoder: KV cache, batch scratch, batched forward pass (loading: load.c).
**
** Per layer:   h = rmsnorm(x) * attn_norm;  q,k,v = Wq h (+ bq), Wk h (+ bk), Wv h (+ bv);  RoPE(q,k);
**              x += Wo attn(q,k,v) (+ bo)
**              h = rmsnorm(x) * ffn_norm;   x += Wdown (silu(Wgate h) * (Wup h))
** then logits = Wout (rmsnorm(x) * out_norm), Wout = token_embd when output.weight is absent (tied).  A bias is
** added to its product's float result, element by element, before anything else uses it; RoPE rotates adjacent
** pairs (llama) or dimension i with i + head_dim/2 (NEOX, qwen2), from the same tables.
** Float arithmetic order is written out in docs/determinism.md; the matrix products go through the kernel
** set (kernels.h), everything else is plain scalar C evaluated in source order.
*/
#include "model/tf_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numerics/detmath.h"
#include "common/mem.h"
#include "common/team.h"
#include "llmz.h"
#include "model/quants.h"

struct tf_state {
    int pos;
    int fact; /* numerics version 3: the matrix products take float activations (kernels.h, matmul_f) */
    /* numerics versions 1 and 3: floats (kc, vc); 2: int8 in blocks of QK with a float scale each (k8, kd, v8, vd),
    ** as `quantize` makes them; the other kind NULL.  One block holds them all. */
    float *kc;  /* (n_layer, kv_dim, ctx): keys transposed */
    float *vc;  /* (n_layer, ctx, kv_dim) */
    int8_t *k8; /* (n_layer, kv_dim, ctx): keys transposed */
    float *kd;  /* (n_layer, kv_dim / QK, ctx): their scales, transposed alike */
    int8_t *v8; /* (n_layer, ctx, kv_dim) */
    float *vd;  /* (n_layer, ctx, kv_dim / QK) */
};

struct tf_batch {
    int nmax;
    float *x, *xb, *q, *k, *v, *ao, *hb, *hb2;
    float *att; /* (team size, ctx): attention weights, one row per team member */
    int *pos;
    qact xq;
    team *team;      /* NULL: the calling thread alone */
    team *given;     /* the team tf_batch_use_team gave (tf_batch_pause_team) */
    float *att_base; /* (ctx) in the batch's block: att without a team */
    float *att_own;  /* att's own allocation with a team */
};

static size_t qmat_bytes(const qmat *w) {
    size_t nb = (size_t)w->cols / QK, groups = ((size_t)w->rows + KPACK_ROWS - 1) / KPACK_ROWS,
           groups2 = ((size_t)w->rows + KPACK2_ROWS - 1) / KPACK2_ROWS;
    return (size_t)w->rows * w->cols + (size_t)w->rows * nb * sizeof(float) + (w->pk ? groups * nb * KPACK_BYTES : 0) +
           (w->pk2 ? groups2 * nb * KPACK2_BYTES : 0);
}

size_t tf_weight_bytes(const tf_model *m) {
    size_t n = qmat_bytes(&m->emb) + (m->tied ? 0 : qmat_bytes(&m->out));
    for (int l = 0; l < m->c.n_layer; l++) {
        const tf_layer *L = &m->layers[l];
        n += qmat_bytes(&L->wq) + qmat_bytes(&L->wk) + qmat_bytes(&L->wv) + qmat_bytes(&L->wo) + qmat_bytes(&L->wgate) +
             qmat_bytes(&L->wup) + qmat_bytes(&L->wdown) + 2 * (size_t)m->c.dim * sizeof(float);
        n += ((L->bq ? (size_t)m->c.dim : 0) + (L->bk ? (size_t)m->c.kv_dim : 0) + (L->bv ? (size_t)m->c.kv_dim : 0) +
              (L->bo ? (size_t)m->c.dim : 0)) * sizeof(float);
    }
    return n + 2 * (size_t)m->c.ctx * (m->c.head_dim / 2) * sizeof(float); /* + the RoPE tables */
}

const tf_config *tf_cfg(const tf_model *m) { return &m->c; }
uint64_t tf_n_params(const tf_model *m) { return m->n_params; }

/* ---- state and scratch ------------------------------------------------------------------------ */

/* Bytes of a state's cache under a numerics version (1, 2 or 3): n entries of keys and n of values. */
static size_t kv_bytes(const tf_model *m, int numerics) {
    size_t n = (size_t)m->c.n_layer * m->c.ctx * m->c.kv_dim;
    return numerics == 2 ? 2 * (n + n / QK * sizeof(float)) : 2 * n * sizeof(float);
}

size_t tf_state_bytes(const tf_model *m, int numerics) {
    return sizeof(tf_state) + llmz_mem_footprint(kv_bytes(m, numerics));
}

tf_state *tf_state_new(const tf_model *m, int numerics) {
    tf_state *s = llmz_calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t n = (size_t)m->c.n_layer * m->c.ctx * m->c.kv_dim;
    char *blk = llmz_malloc(kv_bytes(m, numerics)); /* one block (mem.h: big blocks) */
    if (!blk) {
        tf_state_free(s);
        return NULL;
    }
    s->fact = numerics == 3;
    if (numerics == 2) { /* the scales first: floats stay aligned */
        s->kd = (float *)(void *)blk;
        s->vd = s->kd + n / QK;
        s->k8 = (int8_t *)(s->vd + n / QK);
        s->v8 = s->k8 + n;
    } else {
        s->kc = (float *)(void *)blk;
        s->vc = s->kc + n;
    }
    return s;
}

void tf_state_free(tf_state *s) {
    if (!s) return;
    llmz_free(s->kc ? (void *)s->kc : (void *)s->kd); /* the block every part is in */
    llmz_free(s);
}

void tf_state_reset(tf_state *s) { s->pos = 0; }

void tf_state_copy(tf_state *dst, const tf_state *src, const tf_model *m) {
    const tf_config *c = &m->c;
    size_t pos = (size_t)src->pos; /* both states of one numerics */
    int nb = c->kv_dim / QK;
    for (int l = 0; l < c->n_layer; l++) {
        size_t lk = (size_t)l * c->kv_dim * c->ctx; /* keys (kv_dim, ctx); values (ctx, kv_dim): both this far in */
        if (src->kc) {
            for (int j = 0; j < c->kv_dim; j++)
                memcpy(dst->kc + lk + (size_t)j * c->ctx, src->kc + lk + (size_t)j * c->ctx, pos * sizeof(float));
            memcpy(dst->vc + lk, src->vc + lk, pos * c->kv_dim * sizeof(float));
            continue;
        }
        size_t ld = (size_t)l * nb * c->ctx; /* the scales: (nb, ctx) and (ctx, nb) a layer */
        for (int j = 0; j < c->kv_dim; j++) memcpy(dst->k8 + lk + (size_t)j * c->ctx, src->k8 + lk + (size_t)j * c->ctx, pos);
        for (int b = 0; b < nb; b++)
            memcpy(dst->kd + ld + (size_t)b * c->ctx, src->kd + ld + (size_t)b * c->ctx, pos * sizeof(float));
        memcpy(dst->v8 + lk, src->v8 + lk, pos * c->kv_dim);
        memcpy(dst->vd + ld, src->vd + ld, pos * nb * sizeof(float));
    }
    dst->pos = src->pos;
}
int tf_state_pos(const tf_state *s) { return s->pos; }

static size_t batch_floats(const tf_model *m, int nmax) {
    const tf_config *c = &m->c;
    int wide = c->ffn > c->dim ? c->ffn : c->dim;
    return (size_t)nmax * (4u * c->dim + 2u * c->kv_dim + 2u * c->ffn) + (size_t)KV8_ROWS * c->ctx +
           (size_t)nmax * wide / QK;
}

size_t tf_batch_bytes(const tf_model *m, int nmax) {
    int wide = m->c.ffn > m->c.dim ? m->c.ffn : m->c.dim;
    return sizeof(tf_batch) + llmz_mem_footprint(batch_floats(m, nmax) * sizeof(float)) + (size_t)nmax * wide +
           (size_t)nmax * sizeof(int);
}

tf_batch *tf_batch_new(const tf_model *m, int nmax) {
    const tf_config *c = &m->c;
    if (nmax < 1) return NULL;
    tf_batch *b = llmz_calloc(1, sizeof *b);
    if (!b) return NULL;
    int wide = c->ffn > c->dim ? c->ffn : c->dim;
    b->nmax = nmax;
    b->x = llmz_malloc(batch_floats(m, nmax) * sizeof(float));
    b->xq.q = llmz_malloc((size_t)nmax * wide);
    b->pos = llmz_malloc((size_t)nmax * sizeof(int));
    if (!b->x || !b->xq.q || !b->pos) {
        tf_batch_free(b);
        return NULL;
    }
    float *p = b->x + (size_t)nmax * c->dim;
    b->xb = p, p += (size_t)nmax * c->dim;
    b->q = p, p += (size_t)nmax * c->dim;
    b->ao = p, p += (size_t)nmax * c->dim;
    b->k = p, p += (size_t)nmax * c->kv_dim;
    b->v = p, p += (size_t)nmax * c->kv_dim;
    b->hb = p, p += (size_t)nmax * c->ffn;
    b->hb2 = p, p += (size_t)nmax * c->ffn;
    b->att = b->att_base = p, p += (size_t)KV8_ROWS * c->ctx;
    b->xq.d = p;
    return b;
}

size_t tf_team_bytes(const tf_model *m, int n) { return n > 1 ? (size_t)n * KV8_ROWS * m->c.ctx * sizeof(float) : 0; }

int tf_batch_use_team(tf_batch *b, const tf_model *m, team *t) {
    int n = team_size(t);
    float *att = NULL;
    if (n > 1) { /* KV8_ROWS rows of attention weights per member */
        att = llmz_malloc(tf_team_bytes(m, n));
        if (!att) return LLMZ_ERR_NOMEM;
    }
    llmz_free(b->att_own);
    b->att_own = att;
    b->att = att ? att : b->att_base;
    b->team = b->given = t;
    return LLMZ_OK;
}

void tf_batch_pause_team(tf_batch *b, int paused) { b->team = paused ? NULL : b->given; }

void tf_batch_free(tf_batch *b) {
    if (!b) return;
    llmz_free(b->x);
    llmz_free(b->att_own);
    llmz_free(b->xq.q);
    llmz_free(b->pos);
    llmz_free(b);
}

/* ---- forward ---------------------------------------------------------------------------------- */

/* y = (x * (1/sqrt(mean(x^2) + eps))) * w, sum of squares in index order */
static void rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
    float ss = 0.0f;
    for (int i = 0; i < n; i++) ss = ss + x[i] * x[i];
    ss = ss / (float)n + eps;
    float inv = 1.0f / sqrtf(ss);
    for (int i = 0; i < n; i++) y[i] = (x[i] * inv) * w[i];
}

static void rope(float *v, int n_heads, int hd, const float *cs, const float *sn) {
    for (int h = 0; h < n_heads; h++) {
        float *p = v + h * hd;
        for (int i = 0; i < hd / 2; i++) {
            float x0 = p[2 * i], x1 = p[2 * i + 1];
            p[2 * i] = x0 * cs[i] - x1 * sn[i];
            p[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
        }
    }
}

/* NEOX rope: the same rotation, pair i made of dimensions i and i + hd/2. */
static void rope_neox(float *v, int n_heads, int hd, const float *cs, const float *sn) {
    int half = hd / 2;
    for (int h = 0; h < n_heads; h++) {
        float *p = v + h * hd;
        for (int i = 0; i < half; i++) {
            float x0 = p[i], x1 = p[i + half];
            p[i] = x0 * cs[i] - x1 * sn[i];
            p[i + half] = x0 * sn[i] + x1 * cs[i];
        }
    }
}

/* One evaluation, cut into phases that team_run spreads over the team.  Row phases split rows; matrix
** phases split output rows of the weight matrices (16 at a time, the packed kernels' group); attention splits
** (row, head) pairs.  Every element is computed by the same code whichever member computes it. */
typedef struct {
    const tf_model *m;
    const kernel_set *ks;
    tf_batch *b;
    tf_state *const *states;
    int n, l;
    float att_scale; /* 1 / sqrtf(head_dim), once per evaluation */
    /* row phases */
    const float *norm_w; /* norm_quant: rmsnorm of x with this weight, then quantise; NULL: quantise src */
    const float *src;
    int cols;
    int fact;         /* numerics version 3: no quantising; the products read xf, n rows of W->cols floats */
    const float *xf;
    /* matrix phases: up to 3 products; epilogue per output range */
    int nmat, epi;
    float *Y[3];
    int ldy[3];
    const qmat *W[3];
    const float *B[3]; /* each product's bias, or NULL */
} fwd;

enum { EPI_NONE, EPI_RESIDUAL, EPI_SILU };

static void ph_norm_quant(void *arg, int i, int nt) {
    fwd *f = arg;
    tf_batch *b = f->b;
    int r0, r1, cols = f->cols, nb = cols / QK;
    team_split(f->n, 1, i, nt, &r0, &r1);
    if (r0 >= r1) return;
    const float *src = f->src;
    if (f->norm_w) {
        const tf_config *c = &f->m->c;
        for (int r = r0; r < r1; r++)
            rmsnorm(b->xb + (size_t)r * cols, b->x + (size_t)r * cols, f->norm_w, cols, c->eps);
        src = b->xb;
    }
    if (f->fact) return;
    qact part = {b->xq.q + (size_t)r0 * cols, b->xq.d + (size_t)r0 * nb, 0, cols};
    f->ks->quantize(&part, src + (size_t)r0 * cols, r1 - r0, cols);
}

static void ph_matmul(void *arg, int i, int nt) {
    fwd *f = arg;
    tf_batch *b = f->b;
    for (int k = 0; k < f->nmat; k++) {
        int o0, o1;
        team_split(f->W[k]->rows, KPACK_ROWS, i, nt, &o0, &o1);
        if (o0 >= o1) continue;
        if (f->fact)
            f->ks->matmul_f(f->Y[k], f->ldy[k], f->xf, f->n, f->W[k], o0, o1);
        else
            f->ks->matmul(f->Y[k], f->ldy[k], &b->xq, f->W[k], o0, o1);
        if (f->B[k]) { /* the bias, before the epilogue */
            for (int r = 0; r < f->n; r++) {
                float *y = f->Y[k] + (size_t)r * f->ldy[k];
                for (int o = o0; o < o1; o++) y[o] = y[o] + f->B[k][o];
            }
        }
        if (f->epi == EPI_RESIDUAL) {
            for (int r = 0; r < f->n; r++) {
                float *x = b->x + (size_t)r * f->ldy[k], *y = f->Y[k] + (size_t)r * f->ldy[k];
                for (int o = o0; o < o1; o++) x[o] = x[o] + y[o];
            }
        } else if (f->epi == EPI_SILU && k == 1) { /* gate (Y[0]) and up (Y[1]) split alike */
            for (int r = 0; r < f->n; r++)
                f->ks->silu_mul(f->Y[0] + (size_t)r * f->ldy[0] + o0, f->Y[1] + (size_t)r * f->ldy[1] + o0, o1 - o0);
        }
    }
}

static void ph_rope_store(void *arg, int i, int nt) {
    fwd *f = arg;
    const tf_model *m = f->m;
    const tf_config *c = &m->c;
    tf_batch *b = f->b;
    int dim = c->dim, kvd = c->kv_dim, half = c->head_dim / 2, r0, r1;
    team_split(f->n, 1, i, nt, &r0, &r1);
    for (int r = r0; r < r1; r++) {
        const float *cs = m->rope_cos + (size_t)b->pos[r] * half, *sn = m->rope_sin + (size_t)b->pos[r] * half;
        void (*rot)(float *, int, int, const float *, const float *) = c->neox ? rope_neox : rope;
        rot(b->q + (size_t)r * dim, c->n_head, c->head_dim, cs, sn);
        rot(b->k + (size_t)r * kvd, c->n_kv_head, c->head_dim, cs, sn);
        /* K is stored transposed, (kv_dim, ctx) per layer, so scores vectorise across positions */
        tf_state *st = f->states[r];
        size_t ko = (size_t)f->l * c->ctx * kvd + b->pos[r], off = ((size_t)f->l * c->ctx + b->pos[r]) * kvd;
        const float *kr = b->k + (size_t)r * kvd, *vr = b->v + (size_t)r * kvd;
        if (st->k8) { /* numerics version 2: quantised as activations are, in blocks of QK */
            int nb = kvd / QK;
            size_t sl = (size_t)f->l * nb * c->ctx; /* this layer's scales */
            qact vq = {st->v8 + off, st->vd + sl + (size_t)b->pos[r] * nb, 0, 0};
            f->ks->quantize(&vq, vr, 1, kvd);
            int8_t kq[256]; /* the keys 256 at a time, then stored transposed */
            float kdq[256 / QK];
            for (int j0 = 0; j0 < kvd; j0 += 256) {
                int nj = kvd - j0 < 256 ? kvd - j0 : 256;
                qact kx = {kq, kdq, 0, 0};
                f->ks->quantize(&kx, kr + j0, 1, nj);
                for (int j = 0; j < nj; j++) st->k8[ko + (size_t)(j0 + j) * c->ctx] = kq[j];
                for (int g = 0; g < nj / QK; g++) st->kd[sl + (size_t)(j0 / QK + g) * c->ctx + b->pos[r]] = kdq[g];
            }
        } else {
            for (int j = 0; j < kvd; j++) st->kc[ko + (size_t)j * c->ctx] = kr[j];
            memcpy(st->vc + off, vr, (size_t)kvd * sizeof(float));
        }
    }
}

/* Head h of rows r0 .. r0 + R - 1 (one sequence, consecutive positions; R > 1 only with an int8 cache, whose keys
** and values the rows then read once): scores, softmax, weighted values.  att: R rows of ctx floats. */
static void head_rows(fwd *f, float *att, int r0, int R, int h) {
    const tf_config *c = &f->m->c;
    tf_batch *b = f->b;
    int dim = c->dim, kvd = c->kv_dim, hd = c->head_dim, group = c->n_head / c->n_kv_head, ctx = c->ctx;
    const float scale = f->att_scale;
    const tf_state *st = f->states[r0];
    size_t lo = (size_t)f->l * ctx * kvd;
    int kvo = (h / group) * hd, nb = kvd / QK, off = kvo % QK, T[KV8_ROWS];
    float inv[KV8_ROWS];
    size_t sl = (size_t)f->l * nb * ctx + (size_t)(kvo / QK) * ctx; /* the head's first block's scales */
    const float *q = b->q + (size_t)r0 * dim + h * hd;
    float *o = b->ao + (size_t)r0 * dim + h * hd;
    int tmax = b->pos[r0 + R - 1] + 1; /* the last row's positions: the others' are a prefix */
    if (!st->k8) f->ks->scores(att, q, st->kc + lo + (size_t)kvo * ctx, hd, tmax, ctx, scale);
    else if (R == 1) f->ks->scores8(att, q, st->k8 + lo + (size_t)kvo * ctx, st->kd + sl, hd, tmax, ctx, off, scale);
    else f->ks->scores8_rows(att, ctx, q, dim, R, st->k8 + lo + (size_t)kvo * ctx, st->kd + sl, hd, tmax, ctx, off, scale);
    for (int r = 0; r < R; r++) {
        float *a = att + (size_t)r * ctx;
        T[r] = b->pos[r0 + r] + 1;
        f->ks->expsub(a, T[r], f->ks->maxf(a, T[r]));
        float sum = 0.0f;
        for (int t = 0; t < T[r]; t++) sum = sum + a[t];
        inv[r] = 1.0f / sum;
    }
    if (!st->v8) {
        f->ks->mix(o, att, st->vc + lo + kvo, hd, T[0], kvd, inv[0]);
        return;
    }
    const int8_t *v8 = st->v8 + lo + kvo; /* (only here: the other kind's pointers are NULL) */
    const float *vd = st->vd + (size_t)f->l * nb * ctx + kvo / QK;
    if (R == 1) f->ks->mix8(o, att, v8, vd, hd, T[0], kvd, nb, off, inv[0]);
    else f->ks->mix8_rows(o, dim, att, ctx, T, inv, R, v8, vd, hd, kvd, nb, off);
}

static void ph_attention(void *arg, int i, int nt) {
    fwd *f = arg;
    const tf_config *c = &f->m->c;
    float *att = f->b->att + (size_t)i * KV8_ROWS * c->ctx;
    /* units (up to KV8_ROWS rows of one sequence, a head) are dealt round-robin: later rows of a prefill see more
    ** positions, so contiguous ranges would leave the last member with most of the work */
    for (int r0 = 0, u = 0; r0 < f->n;) {
        const tf_state *st = f->states[r0];
        int R = 1;
        while (st->k8 && R < KV8_ROWS && r0 + R < f->n && f->states[r0 + R] == st) R++;
        for (int h = 0; h < c->n_head; h++, u++)
            if (u % nt == i) head_rows(f, att, r0, R, h);
        r0 += R;
    }
}

/* Row phases are cheap for a few rows: the caller does them alone rather than waking the team. */
#define ROW_PHASE_MIN 8

static void run_rows(fwd *f, team_fn fn) {
    if (f->n < ROW_PHASE_MIN)
        fn(f, 0, 1);
    else
        team_run(f->b->team, fn, f);
}

static void norm_quant(fwd *f, const float *norm_w, const float *src, int cols) {
    f->norm_w = norm_w;
    f->src = src;
    f->cols = cols;
    f->xf = norm_w ? f->b->xb : src;
    if (f->fact && !norm_w) return; /* (nothing to do: the products read src) */
    run_rows(f, ph_norm_quant);
}

static void matmuls(fwd *f, int epi, int nmat, float *Y0, int ld0, const qmat *W0, float *Y1, int ld1, const qmat *W1,
                    float *Y2, int ld2, const qmat *W2) {
    f->epi = epi;
    f->nmat = nmat;
    f->Y[0] = Y0, f->ldy[0] = ld0, f->W[0] = W0;
    f->Y[1] = Y1, f->ldy[1] = ld1, f->W[1] = W1;
    f->Y[2] = Y2, f->ldy[2] = ld2, f->W[2] = W2;
    team_run(f->b->team, ph_matmul, f);
    f->B[0] = f->B[1] = f->B[2] = NULL; /* a bias is set for one call */
}

int tf_forward(const tf_model *m, const kernel_set *ks, tf_batch *b, tf_state *const *states, const int32_t *tokens,
               int n, float *logits) {
    return tf_forward_out(m, ks, b, states, tokens, n, NULL, n, logits);
}

int tf_forward_out(const tf_model *m, const kernel_set *ks, tf_batch *b, tf_state *const *states, const int32_t *tokens,
                   int n, const int32_t *out, int n_out, float *logits) {
    const tf_config *c = &m->c;
    int dim = c->dim, kvd = c->kv_dim;
    if (n < 1 || n > b->nmax || n_out < 0 || n_out > n) return LLMZ_ERR_PARAM;
    for (int k = 0; out && k < n_out; k++)
        if (out[k] < k || out[k] >= n || (k > 0 && out[k] <= out[k - 1])) return LLMZ_ERR_PARAM;
    /* positions: rows of one sequence are consecutive */
    for (int r = 0; r < n; r++) {
        int p = (r > 0 && states[r] == states[r - 1]) ? b->pos[r - 1] + 1 : states[r]->pos;
        if (p >= c->ctx) return LLMZ_ERR_PARAM;
        if (tokens[r] < 0 || tokens[r] >= c->vocab) return LLMZ_ERR_PARAM;
        if (states[r]->fact != states[0]->fact) return LLMZ_ERR_PARAM; /* float activations are a batch's */
        b->pos[r] = p;
    }
    int nb = dim / QK, fact = states[0]->fact;
    for (int r = 0; r < n; r++) { /* embedding rows, dequantised (numerics 3: the file's floats where it has them) */
        const int8_t *q = m->emb.q + (size_t)tokens[r] * dim;
        const float *d = m->emb.d + (size_t)tokens[r] * nb;
        float *x = b->x + (size_t)r * dim;
        if (fact && m->emb.fw)
            for (int i = 0; i < dim; i++) x[i] = kern_fw_at(&m->emb, (size_t)tokens[r] * dim + (size_t)i);
        else
            for (int i = 0; i < dim; i++) x[i] = (float)q[i] * d[i / QK];
    }
    fwd f;
    memset(&f, 0, sizeof f);
    f.m = m;
    f.ks = ks;
    f.b = b;
    f.states = states;
    f.n = n;
    f.fact = fact; /* (a batch's states are of one numerics version) */
    f.att_scale = 1.0f / sqrtf((float)c->head_dim);
    b->xq.n = n;
    for (int l = 0; l < c->n_layer; l++) {
        const tf_layer *L = &m->layers[l];
        f.l = l;
        b->xq.cols = dim;
        norm_quant(&f, L->attn_norm, NULL, dim);
        f.B[0] = L->bq, f.B[1] = L->bk, f.B[2] = L->bv;
        matmuls(&f, EPI_NONE, 3, b->q, dim, &L->wq, b->k, kvd, &L->wk, b->v, kvd, &L->wv);
        run_rows(&f, ph_rope_store);
        team_run(b->team, ph_attention, &f);
        norm_quant(&f, NULL, b->ao, dim);
        f.B[0] = L->bo;
        matmuls(&f, EPI_RESIDUAL, 1, b->xb, dim, &L->wo, NULL, 0, NULL, NULL, 0, NULL);
        norm_quant(&f, L->ffn_norm, NULL, dim);
        matmuls(&f, EPI_SILU, 2, b->hb, c->ffn, &L->wgate, b->hb2, c->ffn, &L->wup, NULL, 0, NULL);
        b->xq.cols = c->ffn;
        norm_quant(&f, NULL, b->hb, c->ffn);
        matmuls(&f, EPI_RESIDUAL, 1, b->xb, dim, &L->wdown, NULL, 0, NULL, NULL, 0, NULL);
    }
    for (int k = 0; out && k < n_out; k++) /* the output rows first (out is ascending, out[k] >= k) */
        if (out[k] != k) memcpy(b->x + (size_t)k * dim, b->x + (size_t)out[k] * dim, (size_t)dim * sizeof(float));
    f.n = n_out;
    b->xq.n = n_out;
    b->xq.cols = dim;
    if (n_out > 0) {
        norm_quant(&f, m->out_norm, NULL, dim);
        matmuls(&f, EPI_NONE, 1, logits, c->vocab, &m->out, NULL, 0, NULL, NULL, 0, NULL);
    }
    for (int r = 0; r < n; r++) states[r]->pos = b->pos[r] + 1;
    return LLMZ_OK;
}
