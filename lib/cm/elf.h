/*
** elf.h -- where an x86 chunk's machine code is, for the byte models' version 7 (docs/format.md, "Byte models,
** version 7"): a chunk that begins with an ELF64 little-endian header has its program headers read as they are
** coded, and the bytes of its executable loadable segments (the code) are then coded by one model, the rest (the
** headers, read-only data, tables, the data segment) by another.  It reads only bytes already coded, so an encoder
** and a decoder find the same map at the same place; it knows nothing of models or frames and never fails: input
** that is not such a header gives an empty map.
*/
#ifndef LLMZ_ELF_H
#define LLMZ_ELF_H
#include <stddef.h>
#include <stdint.h>

#define ELF_HEAD 64      /* an ELF64 file header's bytes */
#define ELF_PHDR 56      /* a program header's */
#define ELF_PHNUM_MAX 64 /* program headers read at most (more: not a map) */
#define ELF_RANGES 8     /* code ranges kept (the first ones in the table) */

typedef struct {
    size_t known;            /* the chunk position from which the map holds (0: none) */
    int n;                   /* code ranges */
    size_t lo[ELF_RANGES], hi[ELF_RANGES]; /* [lo, hi) of the chunk, each at or past `known` */
} elf_map;

/* The map of a chunk of n bytes whose first `have` bytes are b[0..have): elf_head once have == ELF_HEAD gives where
** the program headers end (0: no map), and elf_read once have is that gives the map.  Both are pure functions of the
** bytes they read. */
size_t elf_head(const uint8_t *b, size_t n);
void elf_read(elf_map *map, const uint8_t *b, size_t known, size_t n);
/* 1 when chunk position pos is code by the map. */
static inline int elf_code(const elf_map *map, size_t pos) {
    for (int i = 0; i < map->n; i++)
        if (pos >= map->lo[i] && pos < map->hi[i]) return 1;
    return 0;
}

#endif
