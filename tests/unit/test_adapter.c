/* test_adapter.c -- LoRA adapters: loading and validation, the merge, archives that name an adapter (flag bit 3
** and the header extension), and the model score used by --adapter=auto. */
#include <math.h>
#include <stdint.h>

#include "../../tools/gguf_write.h"
#include "llmz.h"
#include "t.h"

/* the tiny test model: dim 32, 2 layers, kv_dim 32, ffn 64 */
enum { DIM = 32, LAYERS = 2, FFN = 64, RANK = 2 };
static const char *const NAMES[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
static const int IN[7] = {DIM, DIM, DIM, DIM, DIM, DIM, FFN}, OUT[7] = {DIM, DIM, DIM, DIM, FFN, FFN, DIM};

enum { V_OK, V_PARTIAL, V_MISSING_B, V_SHAPE, V_EXTRA, V_NOTYPE, V_NAN, V_BASE, V_HUGE, V_OTHER, V_COUNT };

static uint64_t rng = 12345;
static float rnd(void) { /* exact multiples of 2^-10 in [-0.125, 0.125] */
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((int)(rng >> 40) % 257 - 128) * 0x1p-10f;
}

/* An adapter for the tiny model (base fingerprint hex `base`), broken in one way per variant. */
static void build(gw_buf *b, int v, const char *base) {
    static char names[64][64];
    static float data[64][FFN * RANK];
    gw_tensor t[64];
    size_t nt = 0;
    rng = v == V_OTHER ? 999 : 12345;
    for (int l = 0; l < LAYERS; l++) {
        for (int k = 0; k < 7; k++) {
            if (v == V_PARTIAL && (l || k)) continue;
            for (int ab = 0; ab < 2; ab++) {
                if (v == V_MISSING_B && l == 1 && k == 3 && ab == 1) continue;
                uint64_t ne0 = ab ? RANK : (uint64_t)IN[k], ne1 = ab ? (uint64_t)OUT[k] : RANK;
                if (v == V_SHAPE && l == 0 && k == 2 && ab == 0) ne0 = DIM - 1;
                snprintf(names[nt], sizeof names[nt], "blk.%d.%s.weight.lora_%c", l, NAMES[k], ab ? 'b' : 'a');
                for (uint64_t i = 0; i < ne0 * ne1; i++) data[nt][i] = v == V_HUGE ? 1e20f : rnd();
                if (v == V_NAN && l == 1 && k == 6 && ab == 1) data[nt][3] = NAN;
                t[nt] = (gw_tensor){names[nt], 2, {ne0, ne1, 1, 1}, GW_T_F32, (const uint8_t *)data[nt], ne0 * ne1 * 4};
                nt++;
            }
        }
    }
    if (v == V_EXTRA) {
        snprintf(names[nt], sizeof names[nt], "token_embd.weight.lora_a");
        for (int i = 0; i < DIM * RANK; i++) data[nt][i] = rnd();
        t[nt] = (gw_tensor){names[nt], 2, {DIM, RANK, 1, 1}, GW_T_F32, (const uint8_t *)data[nt], DIM * RANK * 4};
        nt++;
    }
    gw_init(b);
    gw_header(b, 3, nt, 7);
    gw_kv_str(b, "general.architecture", "llama");
    gw_kv_str(b, "general.type", v == V_NOTYPE ? "model" : "adapter");
    gw_kv_str(b, "general.name", v == V_OTHER ? "other" : "test-lora");
    gw_kv_u32(b, "general.alignment", 32);
    gw_kv_str(b, "adapter.type", "lora");
    gw_kv_f32(b, "adapter.lora.alpha", 4.0f);
    char hex[65];
    snprintf(hex, sizeof hex, "%s", base);
    if (v == V_BASE) hex[0] = hex[0] == '0' ? '1' : '0';
    gw_kv_str(b, "llmz.adapter.base", hex);
    gw_tensors_info(b, t, nt, 32);
    gw_tensors_data(b, t, nt, 32);
}

static unsigned char *compress_v(const llmz_model *m, const unsigned char *src, size_t n, int kernels, int threads,
                                 int format, size_t *out_n) {
    llmz_cctx *c = llmz_cctx_create(m);
    size_t cap = llmz_frame_bound(n);
    unsigned char *dst = malloc(cap);
    *out_n = 0;
    CHECK(c != NULL && dst != NULL);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_KERNELS, kernels), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, threads), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, format), LLMZ_OK);
    CHECK_EQ(llmz_compress_frame(c, dst, cap, out_n, src, n, NULL), LLMZ_OK);
    llmz_cctx_free(c);
    return dst;
}

/* The same in format 3, whose adapter extension the checks below take apart (format 4's: check_v4_extension). */
static unsigned char *compress(const llmz_model *m, const unsigned char *src, size_t n, int kernels, int threads,
                               size_t *out_n) {
    return compress_v(m, src, n, kernels, threads, 3, out_n);
}

static int decompress(const llmz_model *m, const unsigned char *f, size_t n, unsigned char *out, size_t cap,
                      size_t *dn) {
    llmz_dctx *d = llmz_dctx_create(m);
    int rc = llmz_decompress_frame(d, out, cap, dn, f, n, NULL);
    llmz_dctx_free(d);
    return rc;
}

/* --adapter=auto's rule (llmz_model_pick_adapter over these files; llmz_model_auto_adapter over the built-in
** ones): the cheapest of base and each adapter on the first 4 KB scaled to the input, an adapter paying its
** header extension; inputs under 1 MiB keep base untried. */
static double auto_cost(const llmz_model *m, const unsigned char *src, size_t n) {
    double bits = -1.0;
    const char *name = NULL;
    CHECK_EQ(llmz_model_score(m, src, n, LLMZ_AUTO_ADAPTER_SAMPLE, &bits), LLMZ_OK);
    bits *= (double)n / (double)LLMZ_AUTO_ADAPTER_SAMPLE;
    /* format 4's extension for an adapter file: form byte, the whole fingerprint, the name and its length */
    return llmz_model_adapter(m, NULL, &name) ? bits + 8.0 * (34.0 + (double)strlen(name)) : bits;
}

/* Format 4: the adapter extension inside the header, before its CRC: form byte 0x07 (32-byte fingerprint, a name),
** the fingerprint, the name with its length; decoding needs the same adapter, a damaged byte fails the header CRC. */
static void check_v4_extension(const llmz_model *ma, const llmz_model *base, const llmz_model *mo,
                               const unsigned char *orig, size_t on, const uint8_t afp[32]) {
    size_t n = 0, dn = 0;
    unsigned char *a = compress_v(ma, orig, on, LLMZ_KERNELS_AUTO, 1, 4, &n), *out = malloc(on + 1);
    /* magic .. numerics (8), fingerprint (32), name (1 + 9), chunk size 65536 (3), original size 2921 (2) */
    size_t ext = 8 + 32 + 10 + 3 + 2, crc = ext + 1 + 32 + 1 + 9;
    llmz_frame_info fi;
    CHECK_EQ(llmz_frame_get_info(&fi, a, n), LLMZ_OK);
    CHECK_EQ(fi.format_version, 4);
    CHECK_EQ(fi.has_adapter, 1);
    CHECK_EQ(fi.adapter_fp_len, 32);
    CHECK(memcmp(fi.adapter_fp, afp, 32) == 0);
    CHECK(strcmp(fi.adapter_name, "test-lora") == 0);
    CHECK_EQ(a[ext], 0x07);
    CHECK(memcmp(a + ext + 1, afp, 32) == 0);
    CHECK_EQ(a[ext + 33], 9);
    CHECK_EQ(fi.header_size, crc + 4 + 2 + 1 + 4 + 4); /* one entry: a 2-byte size, method, CRC; the table CRC */
    CHECK(llmz_frame_model_is(&fi, ma, 0) && llmz_frame_model_is(&fi, ma, 1));
    CHECK(!llmz_frame_model_is(&fi, base, 0) && llmz_frame_model_is(&fi, base, 1));
    CHECK(!llmz_frame_model_is(&fi, mo, 0) && llmz_frame_model_is(&fi, mo, 1));
    CHECK_EQ(decompress(ma, a, n, out, on, &dn), LLMZ_OK);
    CHECK(dn == on && memcmp(out, orig, on) == 0);
    CHECK_EQ(decompress(base, a, n, out, on, &dn), LLMZ_ERR_MODEL_MISMATCH);
    CHECK_EQ(decompress(mo, a, n, out, on, &dn), LLMZ_ERR_MODEL_MISMATCH);
    for (size_t at = ext; at < crc; at += 5) {
        a[at] ^= 0x20;
        CHECK_EQ(llmz_frame_get_info(&fi, a, n), LLMZ_ERR_CHECKSUM);
        a[at] ^= 0x20;
    }
    free(out);
    free(a);
}

static void check_auto(const llmz_model *base, const unsigned char *text, size_t tn, const gw_buf *ok,
                       const gw_buf *other) {
    size_t n = LLMZ_AUTO_ADAPTER_MIN, lsize = 0;
    char path[512];
    snprintf(path, sizeof path, "%s/tiny-lora.gguf", t_data_dir());
    unsigned char *lora = t_read_file(path, &lsize), *src = malloc(n);
    CHECK(lora != NULL && src != NULL && tn > 0);
    if (!lora || !src || !tn) return;
    for (size_t i = 0; i < n; i++) src[i] = text[i % tn];
    /* the sample: a 13-letter cycle, on which test-lora is cheaper than base and the other two are not */
    for (size_t i = 0; i < 4096; i++) src[i] = (unsigned char)(i * 7 % 13 + 'a');
    const void *files[3] = {ok->p, other->p, lora};
    const size_t sizes[3] = {ok->n, other->n, lsize};
    llmz_model *m[3] = {NULL, NULL, NULL}, *got = (llmz_model *)1;
    double cost[3], cb = auto_cost(base, src, n);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(llmz_model_load_adapter(&m[i], base, files[i], sizes[i]), LLMZ_OK);
        cost[i] = m[i] ? auto_cost(m[i], src, n) : 1e300;
    }
    /* each adapter alone: picked exactly when cheaper than base with its header */
    int picked = 0, kept = 0;
    for (int i = 0; i < 3; i++) {
        int tried = -1;
        CHECK_EQ(llmz_model_pick_adapter(&got, base, src, n, files + i, sizes + i, 1, &tried), LLMZ_OK);
        CHECK_EQ(tried, 1);
        CHECK_EQ(got != NULL, cost[i] < cb);
        picked += got != NULL;
        kept += got == NULL;
        llmz_model_free(got);
    }
    fprintf(stderr, "auto: base %.0f bits, adapters %.0f %.0f %.0f\n", cb, cost[0], cost[1], cost[2]);
    CHECK(picked > 0 && kept > 0); /* both outcomes are tested */
    /* all three: the cheapest, ties keeping the first */
    int best = -1;
    double bc = cb;
    for (int i = 0; i < 3; i++)
        if (cost[i] < bc) bc = cost[best = i];
    CHECK_EQ(llmz_model_pick_adapter(&got, base, src, n, files, sizes, 3, NULL), LLMZ_OK);
    uint8_t fg[32], fb[32];
    CHECK(got != NULL && best >= 0);
    if (got && best >= 0) {
        llmz_model_adapter(got, fg, NULL);
        llmz_model_adapter(m[best], fb, NULL);
        CHECK(memcmp(fg, fb, 32) == 0);
    }
    llmz_model_free(got);
    /* under 1 MiB, no candidates, or an adapter for another model: base, and only the last is tried */
    int tried = -1;
    CHECK_EQ(llmz_model_pick_adapter(&got, base, src, n - 1, files, sizes, 3, &tried), LLMZ_OK);
    CHECK(got == NULL && tried == 0);
    CHECK_EQ(llmz_model_pick_adapter(&got, base, src, n, files, sizes, 0, &tried), LLMZ_OK);
    CHECK(got == NULL && tried == 0);
    CHECK_EQ(llmz_model_pick_adapter(&got, m[0], src, n, files, sizes, 3, &tried), LLMZ_OK); /* adapted base */
    CHECK(got == NULL && tried == 1);
    /* this build's built-in adapters (none unless models/adapters/ has some) */
    const void *d;
    size_t ds;
    CHECK_EQ(llmz_model_auto_adapter(&got, base, src, n, &tried), LLMZ_OK);
    CHECK_EQ(tried, llmz_adapter_builtin(0, &d, &ds) == LLMZ_OK);
    llmz_model_free(got);
    CHECK_EQ(llmz_model_auto_adapter(NULL, base, src, n, NULL), LLMZ_ERR_PARAM);
    for (int i = 0; i < 3; i++) llmz_model_free(m[i]);
    free(lora);
    free(src);
}

int main(void) {
    char path[512];
    llmz_model *base = NULL, *other_base = NULL;
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&base, path), LLMZ_OK);
    snprintf(path, sizeof path, "%s/tiny-f16.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&other_base, path), LLMZ_OK);
    if (!base || !other_base) return T_DONE();
    uint8_t fp[32], afp[32];
    char hex[65];
    llmz_model_fingerprint(base, fp);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", fp[i]);

    /* validation: every broken variant is refused with its error, nothing half-applied leaks out */
    static const int want[V_COUNT] = {LLMZ_OK, LLMZ_OK, LLMZ_ERR_MODEL_UNSUPPORTED, LLMZ_ERR_MODEL_UNSUPPORTED,
                                      LLMZ_ERR_MODEL_UNSUPPORTED, LLMZ_ERR_MODEL_UNSUPPORTED,
                                      LLMZ_ERR_MODEL_UNSUPPORTED, LLMZ_ERR_MODEL_MISMATCH,
                                      LLMZ_ERR_MODEL_UNSUPPORTED, LLMZ_OK};
    gw_buf ok, other;
    build(&ok, V_OK, hex);
    build(&other, V_OTHER, hex);
    for (int v = 0; v < V_COUNT; v++) {
        gw_buf b;
        build(&b, v, hex);
        llmz_model *m = (llmz_model *)1;
        int rc = llmz_model_load_adapter(&m, base, b.p, b.n);
        if (rc != want[v]) fprintf(stderr, "adapter variant %d: got %s\n", v, llmz_error_name(rc));
        CHECK_EQ(rc, want[v]);
        CHECK(rc == LLMZ_OK ? m != NULL : m == NULL);
        llmz_model_free(m);
        gw_free(&b);
    }
    {
        llmz_model *m = (llmz_model *)1;
        CHECK_EQ(llmz_model_load_adapter(&m, base, ok.p, ok.n / 2), LLMZ_ERR_MODEL_FORMAT); /* truncated */
        CHECK(m == NULL);
        /* made for tiny.gguf: another base model (tiny-f16.gguf) is refused */
        CHECK_EQ(llmz_model_load_adapter(&m, other_base, ok.p, ok.n), LLMZ_ERR_MODEL_MISMATCH);
        CHECK_EQ(llmz_model_adapter(base, NULL, NULL), 0);
        char name[256];
        CHECK_EQ(llmz_adapter_name(ok.p, ok.n, name), LLMZ_OK);
        CHECK(strcmp(name, "test-lora") == 0);
    }

    llmz_model *ma = NULL, *ma2 = NULL, *mo = NULL;
    CHECK_EQ(llmz_model_load_adapter(&ma, base, ok.p, ok.n), LLMZ_OK);
    CHECK_EQ(llmz_model_load_adapter(&ma2, base, ok.p, ok.n), LLMZ_OK);
    CHECK_EQ(llmz_model_load_adapter(&mo, base, other.p, other.n), LLMZ_OK);
    if (!ma || !ma2 || !mo) return T_DONE();
    {
        const char *an = NULL;
        llmz_model *mm = (llmz_model *)1;
        CHECK_EQ(llmz_model_adapter(ma, afp, &an), 1);
        CHECK(an && strcmp(an, "test-lora") == 0);
        CHECK(strcmp(llmz_model_name(ma), llmz_model_name(base)) == 0);
        uint8_t bfp[32];
        llmz_model_fingerprint(ma, bfp); /* the model fingerprint stays the base's */
        CHECK(memcmp(bfp, fp, 32) == 0);
        CHECK_EQ(llmz_model_load_adapter(&mm, ma, ok.p, ok.n), LLMZ_ERR_PARAM); /* no adapter on an adapter */
    }

    size_t on = 0;
    snprintf(path, sizeof path, "tests/golden/english.txt");
    unsigned char *orig = t_read_file(path, &on);
    CHECK(orig != NULL);
    if (!orig) return T_DONE();

    /* the score: deterministic, and the adapter changes it */
    {
        double s0, s1, s2, s3;
        CHECK_EQ(llmz_model_score(base, orig, on, 1000, &s0), LLMZ_OK);
        CHECK_EQ(llmz_model_score(base, orig, on, 1000, &s1), LLMZ_OK);
        CHECK_EQ(llmz_model_score(ma, orig, on, 1000, &s2), LLMZ_OK);
        CHECK_EQ(llmz_model_score(ma2, orig, on, 1000, &s3), LLMZ_OK);
        CHECK(s0 > 1000.0 && s0 < 8.0 * 1000 * 4);
        CHECK(s0 == s1 && s2 == s3);
        CHECK(s0 != s2);
        CHECK_EQ(llmz_model_score(base, orig, 0, 1000, &s1), LLMZ_OK);
        CHECK(s1 == 0.0);
        CHECK_EQ(llmz_model_score(base, orig, on, 0, &s1), LLMZ_OK);
        CHECK(s1 == 0.0);
        /* a longer sample costs more, over several context windows (the tiny model's context is 64 tokens) */
        CHECK_EQ(llmz_model_score(base, orig, on, on, &s1), LLMZ_OK);
        CHECK(s1 > s0);
    }

    check_auto(base, orig, on, &ok, &other);
    check_v4_extension(ma, base, mo, orig, on, afp);

    /* archives: the same bytes for every kernel set and thread count and for two loads of the adapter */
    size_t n0 = 0, n1 = 0, n2 = 0, n3 = 0, nb = 0;
    unsigned char *a0 = compress(ma, orig, on, LLMZ_KERNELS_REF, 1, &n0);
    unsigned char *a1 = compress(ma, orig, on, LLMZ_KERNELS_AUTO, 2, &n1);
    unsigned char *a2 = compress(ma2, orig, on, LLMZ_KERNELS_AUTO, 3, &n2);
    unsigned char *a3 = compress(mo, orig, on, LLMZ_KERNELS_AUTO, 1, &n3);
    unsigned char *ab = compress(base, orig, on, LLMZ_KERNELS_AUTO, 1, &nb);
    CHECK(n0 == n1 && memcmp(a0, a1, n0) == 0);
    CHECK(n0 == n2 && memcmp(a0, a2, n0) == 0);
    CHECK(!(n0 == n3 && memcmp(a0, a3, n0) == 0)); /* another adapter, other bits */
    {
        llmz_frame_info fi;
        CHECK_EQ(llmz_frame_get_info(&fi, a0, n0), LLMZ_OK);
        CHECK_EQ(fi.flags & 8, 8);
        CHECK_EQ(fi.has_adapter, 1);
        CHECK(memcmp(fi.adapter_fp, afp, 32) == 0);
        CHECK(strcmp(fi.adapter_name, "test-lora") == 0);
        CHECK(memcmp(fi.model_fp, fp, 32) == 0);
        /* the extension sits between the header CRC (name "llmz-tiny": 65 + 9 bytes) and the chunk table */
        CHECK_EQ(fi.header_size, 74 + 33 + 9 + 4 + 9 + 4);
        CHECK(memcmp(a0 + 74, afp, 32) == 0);
        CHECK_EQ(a0[74 + 32], 9);
        CHECK_EQ(llmz_frame_get_info(&fi, ab, nb), LLMZ_OK);
        CHECK_EQ(fi.has_adapter, 0);
        CHECK(fi.adapter_name[0] == 0);
        /* the header grows while llmz_frame_header_size asks for more */
        size_t need = 0, avail = 4;
        int rc;
        while ((rc = llmz_frame_header_size(a0, avail, &need)) == LLMZ_ERR_TRUNCATED) {
            CHECK(need > avail);
            if (need <= avail) break;
            avail = need;
        }
        CHECK_EQ(rc, LLMZ_OK);
        CHECK_EQ(need, 74 + 33 + 9 + 4 + 9 + 4);
    }
    unsigned char *out = malloc(on + 1);
    size_t dn = 0;
    CHECK_EQ(decompress(ma, a0, n0, out, on, &dn), LLMZ_OK);
    CHECK(dn == on && memcmp(out, orig, on) == 0);
    CHECK_EQ(decompress(ma2, a3, n3, out, on, &dn), LLMZ_ERR_MODEL_MISMATCH); /* other adapter */
    CHECK_EQ(decompress(base, a0, n0, out, on, &dn), LLMZ_ERR_MODEL_MISMATCH); /* adapter archive, no adapter */
    CHECK_EQ(decompress(ma, ab, nb, out, on, &dn), LLMZ_ERR_MODEL_MISMATCH);   /* plain archive, adapter */
    CHECK_EQ(decompress(mo, a3, n3, out, on, &dn), LLMZ_OK);
    CHECK(dn == on && memcmp(out, orig, on) == 0);
    /* a damaged extension: its own CRC catches it, as does the header size walk */
    for (size_t at = 74; at < 74 + 33 + 9 + 4; at += 7) {
        unsigned char *bad = malloc(n0);
        memcpy(bad, a0, n0);
        bad[at] ^= 0x20;
        llmz_frame_info fi;
        int rc = llmz_frame_get_info(&fi, bad, n0);
        CHECK(rc == LLMZ_ERR_CHECKSUM || (at == 74 + 32 && rc != LLMZ_OK));
        CHECK(decompress(ma, bad, n0, out, on, &dn) != LLMZ_OK);
        free(bad);
    }
    free(out);
    free(a0);
    free(a1);
    free(a2);
    free(a3);
    free(ab);
    free(orig);
    gw_free(&ok);
    gw_free(&other);
    llmz_model_free(ma);
    llmz_model_free(ma2);
    llmz_model_free(mo);
    llmz_model_free(other_base);
    llmz_model_free(base);
    return T_DONE();
}
