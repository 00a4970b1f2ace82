/*
** x86.h -- the x86 call filter of frame method 5 (docs/format.md, "x86 chunks"): the 32-bit displacement after each
** E8 (call) and E9 (jmp) byte, when it looks like a near one (its top byte 00 or FF), becomes the target's position
** in the chunk, so that calls to one function repeat their bytes for the byte models to predict.  An executable's
** 1.3 MB codes 3% smaller, its code section 7%.  Its own inverse, in place, defined to the bit; it knows nothing of
** frames or models.  And the instruction parser the byte models (version 4) take the contexts of x86 chunks from.
*/
#ifndef LLMZ_X86_H
#define LLMZ_X86_H
#include <stddef.h>
#include <stdint.h>

/* The instruction parser of the byte models' version 4 (docs/format.md, "Byte models, version 4"): it follows a chunk
** of x86-64 code byte by byte, telling what the next byte is (a prefix or opcode, a ModRM or SIB byte, a displacement
** or an immediate byte) and of which instruction, so that the models can take bytes of the same kind and opcode as
** contexts.  Data between the instructions parse as instructions too; the parser never fails and never looks ahead. */
enum { X86_OP, X86_OP2, X86_OP3, X86_VEX, X86_MODRM, X86_SIB, X86_DISP, X86_IMM };
typedef struct {
    uint32_t phase;   /* what the next byte is: X86_OP (a prefix or the opcode), X86_OP2 (after 0F), X86_OP3 (the
                      ** opcode after 0F 38, 0F 3A or a VEX/EVEX prefix), X86_VEX (a VEX/EVEX payload byte),
                      ** X86_MODRM, X86_SIB, X86_DISP, X86_IMM */
    uint32_t op, map; /* the last opcode byte read and its map (0 one-byte, 1 0F, 2 0F 38, 3 0F 3A) */
    uint32_t modrm;   /* the last ModRM byte read */
    uint32_t left;    /* bytes left of the displacement or immediate being read (X86_DISP, X86_IMM) */
    uint32_t len;     /* bytes of the instruction read so far (0 when the next byte starts one) */
    uint32_t hist[3]; /* the last three instructions' op | map << 8, the last first */
    /* the instruction being read: operand-size (66), address-size (67) prefix, REX.W; its immediate's size; the VEX
    ** or EVEX payload bytes left, whether its first has been read, and whether it is EVEX */
    uint32_t opsz, asz, rexw, imm, vexn, vex1, evex;
} x86_parse;

void x86_parse_init(x86_parse *x);
/* Byte b was the next byte. */
void x86_parse_byte(x86_parse *x, uint32_t b);

/* Filter buf[0..n) in place (the encoder's side), and undo it (the decoder's): x86_undo(x86_apply(b)) == b. */
void x86_apply(uint8_t *buf, size_t n);
void x86_undo(uint8_t *buf, size_t n);
/* 1 when buf[0..n) looks like x86 code: at least one E8 or E9 with a near displacement per 256 bytes (an executable
** has 1-2.5 per 100 bytes; tables, images, other machines' code and random bytes under 1 per 2,000). */
int x86_looks(const uint8_t *buf, size_t n);

#endif
