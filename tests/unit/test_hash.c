/* test_hash.c -- SHA-256 (NIST vectors) and CRC-32 (zlib-compatible). */
#include "common/hash.h"
#include "t.h"

static void hex(const uint8_t *d, char *out) {
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static int sha_is(const void *data, size_t n, const char *want) {
    uint8_t d[32];
    char h[65];
    sha256(data, n, d);
    hex(d, h);
    if (strcmp(h, want)) fprintf(stderr, "sha256 got %s want %s\n", h, want);
    return !strcmp(h, want);
}

int main(void) {
    CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(sha_is(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                       "mnopqrstnopqrstu";
    CHECK(sha_is(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));
    /* one million 'a', fed in uneven pieces */
    {
        static char a[1000000];
        memset(a, 'a', sizeof a);
        CHECK(sha_is(a, sizeof a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        sha256_ctx c;
        uint8_t d[32];
        char h[65];
        sha256_init(&c);
        size_t off = 0, step = 1;
        while (off < sizeof a) {
            size_t k = step < sizeof a - off ? step : sizeof a - off;
            sha256_update(&c, a + off, k);
            off += k;
            step = step * 3 + 1;
            if (step > 70000) step = 1;
        }
        sha256_final(&c, d);
        hex(d, h);
        CHECK(!strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }
    /* the SHA-NI compression function (when this CPU has it) equals the portable one, 1..40 blocks of
    ** pseudo-random data from random starting states */
    {
        sha256_blocks_fn fast = sha256_blocks_shani();
        if (!fast) printf("  (no SHA-NI on this CPU: portable SHA-256 only)\n");
        static uint8_t buf[64 * 40];
        uint32_t x = 12345;
        int same = 1;
        for (int round = 0; fast && round < 50; round++) {
            for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
            uint32_t h1[8], h2[8];
            for (int i = 0; i < 8; i++) h1[i] = h2[i] = (x = x * 1103515245u + 12345u);
            size_t n = 1 + (size_t)round % 40;
            sha256_blocks_ref(h1, buf, n);
            fast(h2, buf, n);
            same &= !memcmp(h1, h2, sizeof h1);
        }
        CHECK(same);
    }
    /* every length 0..200: byte-at-a-time == one shot */
    {
        uint8_t buf[200];
        int ok = 1;
        for (int i = 0; i < 200; i++) buf[i] = (uint8_t)(i * 7 + 3);
        for (size_t n = 0; n <= sizeof buf; n++) {
            uint8_t d1[32], d2[32];
            sha256(buf, n, d1);
            sha256_ctx c;
            sha256_init(&c);
            for (size_t i = 0; i < n; i++) sha256_update(&c, buf + i, 1);
            sha256_final(&c, d2);
            ok &= !memcmp(d1, d2, 32);
        }
        CHECK(ok);
    }
    CHECK_EQ(crc32_update(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ(crc32_update(0, "", 0), 0);
    CHECK_EQ(crc32_update(0, "a", 1), 0xE8B7BE43u);
    CHECK_EQ(crc32_update(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
    {
        const char *s = "The quick brown fox jumps over the lazy dog";
        int ok = 1;
        for (size_t cut = 0; cut <= 43; cut++) ok &= crc32_update(crc32_update(0, s, cut), s + cut, 43 - cut) == 0x414FA339u;
        CHECK(ok);
        uint8_t z[32] = {0};
        CHECK_EQ(crc32_update(0, z, 32), 0x190A55ADu);
    }
    return T_DONE();
}
