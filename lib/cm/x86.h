/*
** x86.h -- the x86 call filter of frame method 5 (docs/format.md, "x86 chunks"): the 32-bit displacement after each
** E8 (call) and E9 (jmp) byte, when it looks like a near one (its top byte 00 or FF), becomes the target's position
** in the chunk, so that calls to one function repeat their bytes for the byte models to predict.  An executable's
** 1.3 MB codes 3% smaller, its code section 7%.  Its own inverse, in place, defined to the bit; it knows nothing of
** frames or models.
*/
#ifndef LLMZ_X86_H
#define LLMZ_X86_H
#include <stddef.h>
#include <stdint.h>

/* Filter buf[0..n) in place (the encoder's side), and undo it (the decoder's): x86_undo(x86_apply(b)) == b. */
void x86_apply(uint8_t *buf, size_t n);
void x86_undo(uint8_t *buf, size_t n);
/* 1 when buf[0..n) looks like x86 code: at least one E8 or E9 with a near displacement per 256 bytes (an executable
** has 1-2.5 per 100 bytes; tables, images, other machines' code and random bytes under 1 per 2,000). */
int x86_looks(const uint8_t *buf, size_t n);

#endif
