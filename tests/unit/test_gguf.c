/* test_gguf.c -- the GGUF reader on valid, malformed and real files. */
#include <dirent.h>
#include <stdint.h>

#include "../../tools/gguf_write.h"
#include "common/mem.h"
#include "llmz.h"
#include "model/gguf.h"
#include "t.h"

/* Variants of the small test file: 0 is valid, the others are broken in one way each. */
enum {
    V_OK, V_MAGIC, V_VERSION2, V_BIGENDIAN, V_NTENSORS_HUGE, V_NKV_HUGE, V_KEYLEN_HUGE, V_STRLEN_HUGE,
    V_ARRLEN_HUGE, V_OVERLAP, V_OFF_RANGE, V_OFF_MISALIGNED, V_ALIGN3, V_ALIGN0, V_DIMS_OVERFLOW,
    V_DIM_ZERO, V_NDIMS5, V_DUP_TENSOR, V_DUP_KEY, V_KEY_NUL, V_Q8_ROWS, V_BAD_VTYPE, V_DEEP_NEST,
    V_ALIGN_STR, V_NAME_NUL, V_COUNT
};

static float f32s[8] = {1, -2, 0.5f, 3, 0, -0.25f, 100, 7};
static uint8_t blob[64];

static void build(gw_buf *b, int v) {
    gw_init(b);
    gw_bytes(b, v == V_MAGIC ? "GGUG" : "GGUF", 4);
    if (v == V_BIGENDIAN) gw_bytes(b, "\0\0\0\3", 4);
    else gw_u32(b, v == V_VERSION2 ? 2 : 3);
    gw_u64(b, v == V_NTENSORS_HUGE ? (1ull << 62) : 4);
    gw_u64(b, v == V_NKV_HUGE ? (1ull << 62) : 20);
    /* 20 keys */
    if (v == V_KEYLEN_HUGE) gw_u64(b, 1ull << 63), gw_u32(b, GW_U32), gw_u32(b, 1);
    else gw_kv_str(b, "general.architecture", "llama");
    gw_key(b, "k.u8", GW_U8), gw_u8(b, 200);
    gw_key(b, "k.i8", GW_I8), gw_u8(b, 0xFF);
    gw_key(b, "k.u16", GW_U16), gw_le(b, 65535, 2);
    gw_key(b, "k.i16", GW_I16), gw_le(b, 0x8000, 2);
    gw_kv_u32(b, "k.u32", 4000000000u);
    gw_key(b, "k.i32", GW_I32), gw_u32(b, (uint32_t)-5);
    gw_kv_f32(b, "k.f32", 1.5f);
    gw_key(b, "k.bool", GW_BOOL), gw_u8(b, 1);
    gw_key(b, "k.u64", GW_U64), gw_u64(b, 1ull << 40);
    gw_key(b, "k.i64", GW_I64), gw_u64(b, (uint64_t)-7);
    gw_key(b, v == V_DUP_KEY ? "k.u64" : "k.f64", GW_F64), gw_f64(b, 0.25);
    if (v == V_STRLEN_HUGE) gw_key(b, "k.str", GW_STRING), gw_u64(b, 1ull << 63);
    else gw_kv_str(b, "k.str", "hello");
    gw_arr(b, "k.arr_u32", GW_U32, v == V_ARRLEN_HUGE ? (1ull << 61) : 3);
    gw_u32(b, 1), gw_u32(b, 2), gw_u32(b, 3);
    gw_arr(b, "k.arr_str", GW_STRING, 3);
    gw_cstr(b, "zero"), gw_cstr(b, ""), gw_cstr(b, "two");
    gw_arr(b, "k.arr_f32", GW_F32, 2);
    gw_f32(b, -1.0f), gw_f32(b, 2.5f);
    if (v == V_DEEP_NEST) {
        gw_arr(b, "k.nested", GW_ARRAY, 1);
        for (int i = 0; i < 20; i++) gw_u32(b, GW_ARRAY), gw_u64(b, 1);
        gw_u32(b, GW_U8), gw_u64(b, 0);
    } else { /* [[1,2],[ "x" ]] */
        gw_arr(b, "k.nested", GW_ARRAY, 2);
        gw_u32(b, GW_U16), gw_u64(b, 2), gw_le(b, 1, 2), gw_le(b, 2, 2);
        gw_u32(b, GW_STRING), gw_u64(b, 1), gw_cstr(b, "x");
    }
    if (v == V_KEY_NUL) gw_str(b, "k.a\0b", 5), gw_u32(b, GW_U8), gw_u8(b, 1);
    else gw_key(b, v == V_BAD_VTYPE ? "k.bad" : "k.u8b", v == V_BAD_VTYPE ? 13 : GW_U8), gw_u8(b, 9);
    if (v == V_ALIGN3) gw_kv_u32(b, "general.alignment", 3);
    else if (v == V_ALIGN0) gw_kv_u32(b, "general.alignment", 0);
    else if (v == V_ALIGN_STR) gw_kv_str(b, "general.alignment", "32");
    else gw_kv_u32(b, "general.alignment", 32);
    gw_arr(b, "k.arr_i16", GW_I16, 2);
    gw_le(b, (uint16_t)-300, 2), gw_le(b, 300, 2);

    /* 4 tensors: a F32 [8] @0, c Q8_0 [32] @32, d type 99 (unknown; 2 is Q4_0 now) @96, e F16 [4,4] @128 (ends
    ** the file) */
    uint64_t ne_a[1] = {8}, ne_c[1] = {v == V_Q8_ROWS ? 16 : 32}, ne_d[1] = {64}, ne_e[2] = {4, 4};
    if (v == V_DIMS_OVERFLOW) ne_e[0] = ne_e[1] = 1ull << 32;
    if (v == V_DIM_ZERO) ne_e[1] = 0;
    gw_tensor_info(b, "a", 1, ne_a, GW_T_F32, v == V_OVERLAP ? 32 : 0);
    gw_tensor_info(b, "c", 1, ne_c, GW_T_Q8_0, 32);
    if (v == V_NDIMS5) {
        uint64_t ne5[5] = {1, 1, 1, 1, 64};
        gw_tensor_info(b, "d", 5, ne5, 99, 96);
    } else if (v == V_NAME_NUL) {
        gw_str(b, "d\0x", 3), gw_u32(b, 1), gw_u64(b, 64), gw_u32(b, 99), gw_u64(b, 96);
    } else {
        gw_tensor_info(b, v == V_DUP_TENSOR ? "a" : "d", 1, ne_d, 99, 96);
    }
    uint64_t off_e = v == V_OFF_RANGE ? (1ull << 40) : v == V_OFF_MISALIGNED ? 132 : 128;
    gw_tensor_info(b, "e", 2, ne_e, GW_T_F16, off_e);
    gw_pad(b, 32);
    gw_bytes(b, f32s, 32);              /* a (little-endian host) */
    for (int i = 0; i < 34; i++) gw_u8(b, (uint8_t)i); /* c */
    gw_pad(b, 32);
    gw_bytes(b, blob, 32);              /* d */
    for (int i = 0; i < 16; i++) gw_le(b, 0x3C00u + (unsigned)i, 2); /* e: 1.0, 1.0009765625, ... */
}

static int open_variant(int v) {
    gw_buf b;
    build(&b, v);
    gguf_ctx *g = (gguf_ctx *)1;
    int rc = gguf_open(&g, b.p, b.n);
    CHECK(rc == LLMZ_OK ? g != NULL : g == NULL);
    gguf_close(g);
    gw_free(&b);
    return rc;
}

static void test_valid(void) {
    gw_buf b;
    build(&b, V_OK);
    CHECK(!b.err);
    gguf_ctx *g;
    CHECK_EQ(gguf_open(&g, b.p, b.n), LLMZ_OK);
    if (!g) return;
    uint32_t u;
    float f;
    int32_t i32;
    const char *s;
    size_t len;
    uint32_t et;
    uint64_t n;
    CHECK_EQ(gguf_get_u32(g, "k.u8", &u), LLMZ_OK); CHECK_EQ(u, 200);
    CHECK_EQ(gguf_get_u32(g, "k.i8", &u), LLMZ_ERR_MODEL_FORMAT); /* -1 does not fit */
    CHECK_EQ(gguf_get_u32(g, "k.u16", &u), LLMZ_OK); CHECK_EQ(u, 65535);
    CHECK_EQ(gguf_get_u32(g, "k.u32", &u), LLMZ_OK); CHECK_EQ(u, 4000000000u);
    CHECK_EQ(gguf_get_u32(g, "k.i32", &u), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_get_u32(g, "k.u64", &u), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_get_u32(g, "k.bool", &u), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_get_u32(g, "k.str", &u), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_get_u32(g, "general.alignment", &u), LLMZ_OK); CHECK_EQ(u, 32);
    CHECK_EQ(gguf_get_u32(g, "missing", &u), GGUF_NOT_FOUND);
    CHECK(!gguf_has(g, "missing"));
    CHECK(gguf_has(g, "k.nested"));
    CHECK_EQ(gguf_type(g, "k.bool"), GGUF_T_BOOL);
    CHECK_EQ(gguf_type(g, "nope"), GGUF_NOT_FOUND);
    CHECK_EQ(gguf_get_f32(g, "k.f32", &f), LLMZ_OK); CHECK(f == 1.5f);
    CHECK_EQ(gguf_get_f32(g, "k.f64", &f), LLMZ_OK); CHECK(f == 0.25f);
    CHECK_EQ(gguf_get_f32(g, "k.u32", &f), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_get_str(g, "k.str", &s, &len), LLMZ_OK);
    CHECK(len == 5 && !memcmp(s, "hello", 5));
    CHECK_EQ(gguf_get_str(g, "general.architecture", &s, &len), LLMZ_OK);
    CHECK(len == 5 && !memcmp(s, "llama", 5));
    CHECK_EQ(gguf_get_arr(g, "k.arr_u32", &et, &n), LLMZ_OK); CHECK_EQ(et, GGUF_T_U32); CHECK_EQ(n, 3);
    CHECK_EQ(gguf_get_arr(g, "k.str", &et, &n), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_arr_i32(g, "k.arr_u32", 2, &i32), LLMZ_OK); CHECK_EQ(i32, 3);
    CHECK_EQ(gguf_arr_i32(g, "k.arr_u32", 3, &i32), LLMZ_ERR_PARAM);
    CHECK_EQ(gguf_arr_i32(g, "k.arr_i16", 0, &i32), LLMZ_OK); CHECK_EQ(i32, -300);
    CHECK_EQ(gguf_arr_str(g, "k.arr_str", 0, &s, &len), LLMZ_OK); CHECK(len == 4 && !memcmp(s, "zero", 4));
    CHECK_EQ(gguf_arr_str(g, "k.arr_str", 1, &s, &len), LLMZ_OK); CHECK_EQ(len, 0);
    CHECK_EQ(gguf_arr_str(g, "k.arr_str", 2, &s, &len), LLMZ_OK); CHECK(len == 3 && !memcmp(s, "two", 3));
    CHECK_EQ(gguf_arr_str(g, "k.arr_str", 3, &s, &len), LLMZ_ERR_PARAM);
    CHECK_EQ(gguf_arr_str(g, "k.arr_u32", 0, &s, &len), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_arr_f32(g, "k.arr_f32", 1, &f), LLMZ_OK); CHECK(f == 2.5f);
    CHECK_EQ(gguf_arr_f32(g, "k.arr_u32", 1, &f), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_get_arr(g, "k.nested", &et, &n), LLMZ_OK); CHECK_EQ(et, GGUF_T_ARRAY); CHECK_EQ(n, 2);
    CHECK_EQ(gguf_arr_i32(g, "k.nested", 0, &i32), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(gguf_alignment(g), 32);

    CHECK_EQ(gguf_n_tensors(g), 4);
    CHECK(gguf_tensor_at(g, 4) == NULL);
    const gguf_tensor *t = gguf_find_tensor(g, "a");
    CHECK(t && t->type == GGML_T_F32 && t->n_dims == 1 && t->ne[0] == 8 && t->nbytes == 32);
    if (t) CHECK(!memcmp(t->data, f32s, 32) && !strcmp(t->name, "a") && t->name_len == 1);
    t = gguf_find_tensor(g, "c");
    CHECK(t && t->type == GGML_T_Q8_0 && t->nbytes == 34 && t->data[0] == 0 && t->data[33] == 33);
    t = gguf_find_tensor(g, "d");
    CHECK(t && t->type == 99 && t->nbytes == 0 && t->data != NULL);
    t = gguf_find_tensor(g, "e");
    CHECK(t && t->type == GGML_T_F16 && t->n_dims == 2 && t->ne[1] == 4 && t->ne[2] == 1 && t->nbytes == 32);
    if (t) {
        CHECK(t->data + 32 == b.p + b.n);
        CHECK(gguf_f16_to_f32((uint16_t)(t->data[2] | t->data[3] << 8)) == 1.0009765625f);
        CHECK_EQ(gguf_tensor_nelem(t), 16);
    }
    CHECK(gguf_find_tensor(g, "zz") == NULL);
    CHECK(gguf_find_tensor(g, "") == NULL);
    gguf_close(g);

    /* every truncation fails cleanly */
    int all = 1;
    for (size_t cut = 0; cut < b.n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact-size copy so ASan catches overreads */
        memcpy(copy, b.p, cut);
        gguf_ctx *gt = (gguf_ctx *)1;
        int rc = gguf_open(&gt, copy, cut);
        if (rc != LLMZ_ERR_MODEL_FORMAT || gt) {
            all = 0;
            fprintf(stderr, "truncated at %zu: rc %d\n", cut, rc);
        }
        gguf_close(gt == (gguf_ctx *)1 ? NULL : gt);
        free(copy);
    }
    CHECK(all);

    /* allocation failures at every point: NOMEM, no leak */
    int ok = 0;
    for (long k = 1; k < 100; k++) {
        llmz_mem_fail_after(k);
        gguf_ctx *gf;
        int rc = gguf_open(&gf, b.p, b.n);
        llmz_mem_fail_after(-1);
        if (rc == LLMZ_OK) {
            gguf_close(gf);
            ok = 1;
            break;
        }
        CHECK_EQ(rc, LLMZ_ERR_NOMEM);
    }
    CHECK(ok);
    gw_free(&b);
}

static void test_f16(void) {
    CHECK(gguf_f16_to_f32(0x0000) == 0.0f);
    CHECK(gguf_f16_to_f32(0x3C00) == 1.0f);
    CHECK(gguf_f16_to_f32(0xC000) == -2.0f);
    CHECK(gguf_f16_to_f32(0x7BFF) == 65504.0f);
    CHECK(gguf_f16_to_f32(0x0001) == 0x1p-24f);
    CHECK(gguf_f16_to_f32(0x03FF) == 0x3FFp-24f);
    CHECK(gguf_f16_to_f32(0x0400) == 0x1p-14f);
    float inf = gguf_f16_to_f32(0x7C00), nan = gguf_f16_to_f32(0x7E00);
    CHECK(inf > 1e30f && inf == inf * 2);
    CHECK(nan != nan);
    float nz = gguf_f16_to_f32(0x8000);
    uint32_t bits;
    memcpy(&bits, &nz, 4);
    CHECK_EQ(bits, 0x80000000u);
    /* every half converts exactly and round-trips through the writer's RNE conversion */
    int ok = 1;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = gguf_f16_to_f32((uint16_t)h);
        uint16_t back = gw_f32_to_f16(f);
        if (f == f) ok &= back == h;
        else ok &= (back & 0x7C00) == 0x7C00 && (back & 0x3FF);
    }
    CHECK(ok);
    CHECK_EQ(gw_f32_to_f16(1.0f + 0x1p-11f), 0x3C00);      /* tie -> even */
    CHECK_EQ(gw_f32_to_f16(1.0f + 0x3p-11f), 0x3C02);      /* tie -> even (up) */
    CHECK_EQ(gw_f32_to_f16(65520.0f), 0x7C00);
    CHECK_EQ(gw_f32_to_f16(0x1p-25f), 0x0000);
    CHECK_EQ(gw_f32_to_f16(0x1.8p-25f), 0x0001);
}

static void test_shared(void) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/vocab", t_shared_dir());
    DIR *d = opendir(dir);
    if (!d) {
        T_SKIP("no shared vocab directory");
        return;
    }
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".gguf")) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t size;
        unsigned char *buf = t_read_file(path, &size);
        CHECK(buf != NULL);
        if (!buf) continue;
        gguf_ctx *g;
        int rc = gguf_open(&g, buf, size);
        CHECK_EQ(rc, LLMZ_OK);
        if (rc == LLMZ_OK) {
            uint32_t et;
            uint64_t n;
            CHECK_EQ(gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &n), LLMZ_OK);
            CHECK_EQ(et, GGUF_T_STRING);
            uint64_t nonempty = 0;
            for (uint64_t i = 0; i < n; i++) {
                const char *s;
                size_t len;
                if (gguf_arr_str(g, "tokenizer.ggml.tokens", i, &s, &len) == LLMZ_OK && len) nonempty++;
            }
            CHECK(n >= 256 && nonempty + 16 >= n);
            fprintf(stderr, "  %s: %llu tokens, %zu tensors\n", e->d_name, (unsigned long long)n, gguf_n_tensors(g));
            gguf_close(g);
        }
        free(buf);
        files++;
    }
    closedir(d);
    CHECK(files > 0);
}

/* tests/data/tiny.gguf as mktiny writes it */
static void test_tiny(void) {
    char path[4096];
    size_t size;
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    unsigned char *buf = t_read_file(path, &size);
    CHECK(buf != NULL);
    if (!buf) return;
    gguf_ctx *g;
    CHECK_EQ(gguf_open(&g, buf, size), LLMZ_OK);
    if (g) {
        uint32_t u = 0;
        float f = 0;
        const char *s;
        size_t len;
        CHECK_EQ(gguf_get_u32(g, "llama.embedding_length", &u), LLMZ_OK); CHECK_EQ(u, 32);
        CHECK_EQ(gguf_get_u32(g, "llama.block_count", &u), LLMZ_OK); CHECK_EQ(u, 2);
        CHECK_EQ(gguf_get_u32(g, "llama.vocab_size", &u), LLMZ_OK); CHECK_EQ(u, 4096);
        CHECK_EQ(gguf_get_f32(g, "llama.rope.freq_base", &f), LLMZ_OK); CHECK(f == 10000.0f);
        CHECK_EQ(gguf_get_str(g, "general.architecture", &s, &len), LLMZ_OK); CHECK(len == 5 && !memcmp(s, "llama", 5));
        CHECK_EQ(gguf_n_tensors(g), 2 + 2 * 9);
        const gguf_tensor *t = gguf_find_tensor(g, "token_embd.weight");
        CHECK(t && t->type == GGML_T_Q8_0 && t->ne[0] == 32 && t->ne[1] == 4096 && t->nbytes == 4096 * 34);
        if (t) { /* first block: scale ~ 0.1/127, quants span [-127, 127] */
            float d = gguf_f16_to_f32((uint16_t)(t->data[0] | t->data[1] << 8));
            CHECK(d > 0.0005f && d < 0.0009f);
            int amax = 0;
            for (int i = 0; i < 32; i++) {
                int q = (int8_t)t->data[2 + i];
                amax = q < 0 ? (-q > amax ? -q : amax) : (q > amax ? q : amax);
            }
            CHECK_EQ(amax, 127);
        }
        t = gguf_find_tensor(g, "blk.1.ffn_down.weight");
        CHECK(t && t->ne[0] == 64 && t->ne[1] == 32);
        t = gguf_find_tensor(g, "blk.0.attn_norm.weight");
        CHECK(t && t->type == GGML_T_F32 && t->nbytes == 128);
        if (t) {
            float w;
            memcpy(&w, t->data, 4);
            CHECK(w >= 0.95f && w <= 1.05f && w != 1.0f);
        }
        CHECK(gguf_find_tensor(g, "output.weight") == NULL);
        gguf_close(g);
    }
    free(buf);
}

int main(void) {
    test_tiny();
    test_f16();
    test_valid();
    CHECK_EQ(open_variant(V_OK), LLMZ_OK);
    for (int v = 1; v < V_COUNT; v++) {
        int rc = open_variant(v);
        if (rc != LLMZ_ERR_MODEL_FORMAT) fprintf(stderr, "variant %d: rc %d\n", v, rc);
        CHECK_EQ(rc, LLMZ_ERR_MODEL_FORMAT);
    }
    CHECK_EQ(gguf_open(NULL, NULL, 0), LLMZ_ERR_PARAM);
    gguf_close(NULL);
    test_shared();
    return T_DONE();
}
