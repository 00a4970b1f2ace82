/*
** x86.c -- the x86 call filter (x86.h).  A position i (0-based in the chunk, i + 5 <= n) is a call when its byte is E8
** or E9 and byte i + 4 (the displacement's top byte) is 00 or FF.  Filtering visits the positions from the last down
** to 0 and adds i + 5 to each call's displacement's low 24 bits (bytes i+1..i+3, little-endian, modulo 2^24): the
** target's place, the same for every call to it (the top byte stays: forward calls 00, backward FF).  Undoing visits
** them from 0 up and subtracts.  Since a call's own bytes i and i + 4 never change, and those of the calls after it
** have changed already when filtering reaches it and still when undoing does, both sides find the same calls, spans
** that overlap included.
*/
#include "cm/x86.h"

#define SPAN 5 /* the opcode and its 32-bit displacement */

static int is_call(const uint8_t *p) { return (p[0] == 0xE8 || p[0] == 0xE9) && (p[4] == 0x00 || p[4] == 0xFF); }

/* The displacement's low 24 bits at p[1..3] plus add, modulo 2^24. */
static void add24(uint8_t *p, uint32_t add) {
    uint32_t v = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16;
    v += add;
    p[1] = (uint8_t)v;
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)(v >> 16);
}

void x86_apply(uint8_t *buf, size_t n) {
    for (size_t i = n < SPAN ? 0 : n - SPAN + 1; i-- > 0;)
        if (is_call(buf + i)) add24(buf + i, (uint32_t)(i + SPAN));
}

void x86_undo(uint8_t *buf, size_t n) {
    for (size_t i = 0; i + SPAN <= n; i++)
        if (is_call(buf + i)) add24(buf + i, 0u - (uint32_t)(i + SPAN));
}

int x86_looks(const uint8_t *buf, size_t n) {
    size_t hits = 0;
    for (size_t i = 0; i + SPAN <= n; i++) hits += is_call(buf + i);
    return n >= 4096 && hits >= n / 256;
}
