/* elf.c -- the code ranges of an ELF64 chunk (elf.h). */
#include "cm/elf.h"

#include <string.h>

static uint64_t le(const uint8_t *p, int k) {
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

size_t elf_head(const uint8_t *b, size_t n) {
    static const uint8_t magic[6] = {0x7f, 'E', 'L', 'F', 2, 1}; /* ELF, 64-bit, little-endian */
    if (n < ELF_HEAD || memcmp(b, magic, sizeof magic) != 0) return 0;
    uint64_t phoff = le(b + 0x20, 8), phentsize = le(b + 0x36, 2), phnum = le(b + 0x38, 2);
    if (phentsize != ELF_PHDR || phnum == 0 || phnum > ELF_PHNUM_MAX || phoff < ELF_HEAD || phoff > n) return 0;
    uint64_t end = phoff + phnum * ELF_PHDR;
    return end <= n ? (size_t)end : 0;
}

void elf_read(elf_map *map, const uint8_t *b, size_t known, size_t n) {
    memset(map, 0, sizeof *map);
    if (!known) return;
    uint64_t phoff = le(b + 0x20, 8), phnum = le(b + 0x38, 2);
    for (uint64_t i = 0; i < phnum && map->n < ELF_RANGES; i++) {
        const uint8_t *p = b + phoff + i * ELF_PHDR;
        uint64_t type = le(p, 4), flags = le(p + 4, 4), off = le(p + 8, 8), filesz = le(p + 32, 8);
        if (type != 1 || !(flags & 1)) continue; /* PT_LOAD with PF_X */
        uint64_t lo = off < known ? known : off, hi = off + filesz < off ? n : off + filesz; /* (wrapped: to the end) */
        if (hi > n) hi = n;
        if (lo >= hi) continue;
        map->lo[map->n] = (size_t)lo;
        map->hi[map->n] = (size_t)hi;
        map->n++;
    }
    map->known = map->n ? known : 0;
}
