/*
** cm.h -- the byte models: a chunk coded bit by bit with byte-level context mixing, no language model (frame method
** 3, format version 4; docs/format.md, "Byte-model chunks").  For what the LM codes badly and cheap models code
** well: executables and other binaries, logs, long repeats, runs of one byte.
**
** Each bit of each byte is predicted by context models whose history is the chunk's bytes before it (direct orders
** 0 and 1; hashed orders 2, 3 and 8, the word with the word before, the word alone, the byte above in the column,
** the field of the line, three sparse contexts, the byte a record above (a record length found as it goes), each
** with a run input; a match model), mixed in the logistic
** domain by three learned mixers and a final one, refined by two adaptive probability maps, and coded by the range
** coder of coder/rc.h.  Integer
** arithmetic throughout (the two tables built at start-up use det_expf only): every machine codes the same bits.
** A model holds no pointer into the data after a call; it is reset at the start of every chunk.
**
** Five versions, each coding its own bits forever: version 1 (format version 4, and method 4's lite models up to
** format version 8) as above; version 2 (method 3 from format version 5) adds three hashed contexts (the byte at the same
** place of the same field in the line above, the field before this one with this one so far, order 5) and a fourth
** first-layer mixer whose weight set is chosen by the field of the line, and hashes a field's first 64 bytes only:
** a 300 KB dpkg log 8,104 -> 7,329 bytes, an Excel file 17,668 -> 15,137, at 0.87-0.91 times the speed on text and
** executables, 1.19 times on zeros.  Version 3 (method 3 from format version 6) puts in place of version 2's field
** contexts 7 and 12 the field after this one's place in the line above (its hash, with this field so far) and the
** byte at this place of the field before this one's in the line above (a field one place further right), and adds
** three indirect contexts (the two bytes that followed the last order-2, order-3 and order-4 context, with the last
** byte): the dpkg log 7,329 -> 6,833 bytes, 400 KB of the Excel file 7,309 -> 6,435, an executable 71,883 -> 71,186,
** at about version 2's speed (the mixers keep 32 inputs); its table holds up to 2^20 buckets (64 MiB), not 2^19.
** Version 4 (methods 3 and 5 from format version 7) is version 3, except in chunks of x86 code (method 5,
** cm_set_x86): there an instruction parser (x86.h) follows the code, and contexts of what the next byte is (opcode,
** ModRM, displacement, immediate), the instruction's opcode and the three before replace the word, column and field
** contexts: an executable's first 200 KB 66,163 -> 59,053 bytes, the whole 1.3 MB 322,601 -> 301,571.  Version 5
** (method 4 from format version 9: the model beside the LM) is version 1 with six of its contexts (orders 2, 3 and 8,
** the word with the word before, the byte above and the column, the word alone) and one first-layer mixer (version 1's
** mixer 2, chosen by the previous byte): beside the LM it codes text and code 0.6-2% smaller than version 1.  Version
** 6 (methods 3 and 5 from format version 10) is version 4 and, in records outside x86 code, a counter chosen by the
** bits around each bit in the two records above and the last bits (as in a bitmap whose rows are records), with a
** probability map of its own: a fax image 16% smaller, a spreadsheet, tables, object code 0-2%.
*/
#ifndef LLMZ_CM_H
#define LLMZ_CM_H
#include <stddef.h>
#include <stdint.h>

#include "numerics/kernels.h"

typedef struct cm_model cm_model;

#define CM_VERSION 7 /* the newest version of the byte models (1 .. CM_VERSION) */
#define CM_BYTES 7   /* the newest for chunks the byte models code alone (methods 3 and 5) */
#define CM_LITE 5    /* the model beside the LM (method 4) from format version 9 */
#define LITE_NH 6    /* its hashed contexts */

/* Bytes a model for chunks of up to chunk_size bytes holds (what cm_new allocates, in llmz_mem_footprint terms). */
uint64_t cm_bytes(uint32_t chunk_size, int lite, int version);
/* Bytes an x86 chunk takes beyond that (version 7: a second model and the two models' histories, cm_encode). */
uint64_t cm_split_bytes(uint32_t chunk_size, int version);
/* A model for chunks of up to chunk_size bytes (its tables are sized from chunk_size, which both sides know from
** the frame header; lite: the smaller tables of a model beside the LM, method 4); version: 1 .. CM_VERSION; ks:
** the kernel set whose mixer kernels it uses (NULL: the reference; every set codes the same bytes); NULL when out
** of memory or for an unknown version. */
cm_model *cm_new(uint32_t chunk_size, int lite, int version, const kernel_set *ks);
void cm_free(cm_model *m);
/* Whether the chunks coded next are x86 code after the call filter (frame method 5): versions 4, 6 and 7 then take
** their x86 contexts, and version 7 codes an ELF file's code and other bytes with two models (elf.h; other versions
** ignore it).  The model keeps the setting until told otherwise: callers set it before every
** chunk. */
void cm_set_x86(cm_model *m, int on);
/* Code src[0..n) (n <= chunk_size) into dst; returns the bytes written, or 0 when they would exceed cap. */
size_t cm_encode(cm_model *m, const uint8_t *src, size_t n, uint8_t *dst, size_t cap);
/* The same, and in *at_mid the bytes written once the first mid bytes (0 < mid <= n) were coded (an estimate of their
** coding: the coder's last few bytes are still pending; 0 when cap was exceeded by then). */
size_t cm_encode_mid(cm_model *m, const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t mid, size_t *at_mid);
/* Decode n bytes from src[0..len) into dst; 0 if the payload is exactly what an encoder wrote, -2 out of memory, else
** -1. */
int cm_decode(cm_model *m, const uint8_t *src, size_t len, uint8_t *dst, size_t n);

/* Bit by bit, for a coder of its own (lmbits.h, method 4): cm_start begins a chunk of n bytes whose bytes are at buf
** as they are coded (a decoder passes out = buf: each byte is written there when its last bit is known, never at or
** past n); cm_predict gives P(next bit = 1) in 1..65535 with `ext` (a stretch, cm_stretch of a 16-bit probability)
** mixed in; cm_update learns the bit and moves on.  cm_encode is cm_start and, per bit, cm_predict(m, 0) and
** cm_update. */
void cm_start(cm_model *m, const uint8_t *buf, uint8_t *out, size_t n);
int cm_stretch(const cm_model *m, uint32_t p16);
int cm_predict(cm_model *m, int ext);
void cm_update(cm_model *m, int y);

#endif
