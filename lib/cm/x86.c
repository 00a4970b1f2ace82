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

/* ---- the instruction parser (byte models version 4; docs/format.md, "Byte models, version 4") -------------- */

/* Whether a one-byte-map opcode has a ModRM byte. */
static int modrm_0(uint32_t b) {
    if (b < 0x40) return (b & 7) < 4;                           /* the ALU forms r/m,r and r,r/m */
    if (b == 0x63 || b == 0x69 || b == 0x6b) return 1;          /* movsxd, imul */
    if (b >= 0x80 && b < 0x90) return 1;                        /* group 1, test, xchg, mov, lea, pop */
    if (b == 0xc0 || b == 0xc1 || b == 0xc6 || b == 0xc7) return 1; /* shifts, mov r/m,imm */
    if ((b >= 0xd0 && b < 0xd4) || (b >= 0xd8 && b < 0xe0)) return 1; /* shifts, x87 */
    return b == 0xf6 || b == 0xf7 || b == 0xfe || b == 0xff;    /* groups 3, 4, 5 */
}

/* A one-byte-map opcode's immediate bytes (F6 and F7 get theirs from their ModRM byte). */
static uint32_t imm_0(const x86_parse *x, uint32_t b) {
    uint32_t z = x->opsz ? 2 : 4; /* a 32-bit immediate, 16-bit after the operand-size prefix */
    if (b < 0x40) return (b & 7) == 4 ? 1 : (b & 7) == 5 ? z : 0;
    if (b == 0x68 || b == 0x69 || b == 0x81 || b == 0xa9 || b == 0xc7) return z;
    if (b >= 0xb8 && b < 0xc0) return x->rexw ? 8 : z;          /* mov r,imm (64-bit with REX.W) */
    if (b >= 0xa0 && b < 0xa4) return x->asz ? 4 : 8;           /* mov with a memory offset */
    if (b == 0xe8 || b == 0xe9) return 4;                       /* call, jmp rel32 */
    if (b == 0xc2 || b == 0xca) return 2;                       /* ret imm16 */
    if (b == 0xc8) return 3;                                    /* enter */
    if (b == 0x6a || b == 0x6b || (b >= 0x70 && b < 0x80) || b == 0x80 || b == 0x82 || b == 0x83 || b == 0xa8 ||
        (b >= 0xb0 && b < 0xb8) || b == 0xc0 || b == 0xc1 || b == 0xc6 || b == 0xcd || b == 0xd4 || b == 0xd5 ||
        (b >= 0xe0 && b < 0xe8) || b == 0xeb)
        return 1;
    return 0;
}

/* Whether a 0F-map opcode has a ModRM byte, and its immediate bytes. */
static int modrm_1(uint32_t b) {
    if ((b >= 0x05 && b <= 0x09) || b == 0x0b || b == 0x0e) return 0;
    if ((b >= 0x30 && b < 0x38) || b == 0x77 || (b >= 0x80 && b < 0x90) || (b >= 0xc8 && b < 0xd0)) return 0;
    return !(b == 0xa0 || b == 0xa1 || b == 0xa2 || b == 0xa8 || b == 0xa9 || b == 0xaa);
}
static uint32_t imm_1(uint32_t b) {
    if (b >= 0x80 && b < 0x90) return 4; /* jcc rel32 */
    return (b >= 0x70 && b < 0x74) || b == 0xa4 || b == 0xac || b == 0xba || b == 0xc2 || (b >= 0xc4 && b <= 0xc6);
}

void x86_parse_init(x86_parse *x) {
    *x = (x86_parse){0};
}

/* The instruction ends: the next byte starts another. */
static void ends(x86_parse *x) {
    x->hist[2] = x->hist[1];
    x->hist[1] = x->hist[0];
    x->hist[0] = x->op | x->map << 8;
    x->phase = X86_OP;
    x->opsz = x->asz = x->rexw = x->map = x->len = 0;
}

/* Opcode b of map x->map was read. */
static void opcode(x86_parse *x, uint32_t b) {
    int mr;
    x->op = b;
    if (x->map == 0) {
        mr = modrm_0(b);
        x->imm = imm_0(x, b);
    } else if (x->map == 1) {
        mr = modrm_1(b);
        x->imm = imm_1(b);
    } else {
        mr = 1;
        x->imm = x->map == 3;
    }
    if (mr) {
        x->phase = X86_MODRM;
    } else if (x->imm) {
        x->phase = X86_IMM;
        x->left = x->imm;
    } else {
        ends(x);
    }
}

/* The ModRM byte (and SIB byte, if any) read, or the displacement: x->left bytes of displacement follow, then the
** immediate. */
static void operands(x86_parse *x) {
    if (x->left) {
        x->phase = X86_DISP;
    } else if (x->imm) {
        x->phase = X86_IMM;
        x->left = x->imm;
    } else {
        ends(x);
    }
}

void x86_parse_byte(x86_parse *x, uint32_t b) {
    uint32_t mod;
    x->len++;
    switch (x->phase) {
    case X86_OP:
        if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 || b == 0xf0 || b == 0xf2 ||
            b == 0xf3)
            return; /* segment, lock and repeat prefixes */
        if (b == 0x66) {
            x->opsz = 1;
        } else if (b == 0x67) {
            x->asz = 1;
        } else if ((b & 0xf0) == 0x40) {
            x->rexw = b >> 3 & 1; /* REX */
        } else if (b == 0x0f) {
            x->phase = X86_OP2;
        } else if (b == 0xc4 || b == 0xc5 || b == 0x62) { /* VEX (3 or 2 bytes), EVEX */
            x->evex = b == 0x62;
            x->vexn = b == 0xc5 ? 1 : b == 0xc4 ? 2 : 3;
            x->map = b == 0xc5;
            x->vex1 = 0;
            x->phase = X86_VEX;
        } else {
            x->map = 0;
            opcode(x, b);
        }
        return;
    case X86_OP2:
        if (b == 0x38 || b == 0x3a) {
            x->map = b == 0x38 ? 2 : 3;
            x->phase = X86_OP3;
        } else {
            x->map = 1;
            opcode(x, b);
        }
        return;
    case X86_OP3:
        opcode(x, b);
        return;
    case X86_VEX:
        if (!x->vex1) { /* the first payload byte of a 3-byte VEX or of EVEX names the map (other values: 0F) */
            x->vex1 = 1;
            if (x->vexn >= 2) {
                x->map = x->evex ? (b & 3) : (b & 0x1f);
                if (x->map == 0 || x->map > 3) x->map = 1;
            }
        }
        if (--x->vexn == 0) x->phase = X86_OP3;
        return;
    case X86_MODRM:
        x->modrm = b;
        mod = b >> 6;
        if (x->map == 0 && (x->op == 0xf6 || x->op == 0xf7) && (b >> 3 & 7) < 2) /* test r/m,imm */
            x->imm = x->op == 0xf6 ? 1 : x->opsz ? 2 : 4;
        if (mod != 3 && (b & 7) == 4) {
            x->phase = X86_SIB;
            return;
        }
        x->left = mod == 1 ? 1 : mod == 2 ? 4 : (mod == 0 && (b & 7) == 5) ? 4 : 0;
        operands(x);
        return;
    case X86_SIB:
        mod = x->modrm >> 6;
        x->left = mod == 1 ? 1 : mod == 2 ? 4 : (mod == 0 && (b & 7) == 5) ? 4 : 0;
        operands(x);
        return;
    case X86_DISP:
        if (--x->left == 0) operands(x); /* the immediate, if any */
        return;
    default: /* X86_IMM */
        if (--x->left == 0) ends(x);
        return;
    }
}
