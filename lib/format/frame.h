/*
** frame.h -- the container: frame header and chunk table (docs/format.md is the specification).
*/
#ifndef LLMZ_FRAME_H
#define LLMZ_FRAME_H
#include <stddef.h>
#include <stdint.h>

#include "llmz.h"

#define FRAME_MAGIC0 0x89
#define FRAME_MAGIC_LEN 4
#define FRAME_FIXED_LEN 41     /* magic .. model name length */
#define FRAME_TAIL_LEN 24      /* chunk size .. header CRC */
#define FRAME_CHUNK_ENTRY 9
#define FRAME_MODE_LOSSLESS 0
#define FRAME_MODE_LOSSY 1       /* format 4: the header carries a certificate (lib/format/cert.h) */
#define FRAME_CERT_MAX 255
#define FRAME_METHOD_RAW 0
#define FRAME_METHOD_MODEL 1
#define FRAME_METHOD_MODEL_CRLF 2 /* model-coded after CRLF -> LF; needs FRAME_FLAG_EOL */
#define FRAME_METHOD_BYTES 3   /* format version 4: coded by the byte models alone (lib/cm/cm.h) */
#define FRAME_METHOD_MIXED 4   /* format version 4: the LM's tokens coded bit by bit, mixed with the byte models */
#define FRAME_METHOD_BYTES_X86 5 /* format version 6: method 3's coding of the chunk after the x86 call filter (cm/x86.h) */
/* Methods coded by the byte models alone (3 and 5): each decoder worker holds one set of them for these. */
static inline int frame_method_bytes(unsigned m) { return m == FRAME_METHOD_BYTES || m == FRAME_METHOD_BYTES_X86; }
#define FRAME_FLAG_ADAPT 0x01  /* chunks mix the online match model into the LM (lib/adapt/match.h) */
#define FRAME_FLAG_EOL 0x02    /* chunks may use FRAME_METHOD_MODEL_CRLF */
#define FRAME_FLAG_NGRAM 0x04  /* chunks mix token n-gram models in (lib/adapt/ngram.h) */
#define FRAME_FLAG_ADAPTER 0x08 /* the model is the base model with an adapter; the header extension names it */
#define FRAME_FLAG_LINE 0x10   /* the n-gram models include the line model; needs FRAME_FLAG_NGRAM */
#define FRAME_FLAG_FIELD 0x20  /* the n-gram models include the field model; needs FRAME_FLAG_NGRAM */
#define FRAME_FLAG_SSE 0x40    /* wide n-gram tables; the top token coded in two steps (adapt/sse.h); needs NGRAM */
#define FRAME_FLAG_GROUP 0x80  /* chunks in groups of FRAME_GROUP share their online models, in lockstep; needs NGRAM */
/* The flags that need FRAME_FLAG_NGRAM: LLMZ_ADAPT_NEEDS_NGRAM's bits (lib/engine/context.c maps one to the other) */
#define FRAME_FLAGS_NEED_NGRAM (FRAME_FLAG_LINE | FRAME_FLAG_FIELD | FRAME_FLAG_SSE | FRAME_FLAG_GROUP)
#define FRAME_FLAGS_KNOWN 0xff
#define FRAME_GROUP 16         /* chunks per group (the last group of a frame may have fewer) */
#define FRAME_ADAPTER_FIXED 33 /* adapter extension: fingerprint (32) and name length (1), then name and CRC */
/* Format 4, the compact header (docs/format.md, "Format version 4") */
#define FRAME_V4 4              /* the first version with the compact header */
#define FRAME_V5              5              /* version 4's layout; method 3 with the byte models' version 2 */
#define FRAME_V6              6              /* version 4's layout; method 3 with the byte models' version 3 */
#define FRAME_V7              7              /* version 4's layout; methods 3 and 5 with the byte models' version 4 */
#define FRAME_V8              8              /* version 7 and form bit 7: long-range copies (copies.h) */
#define FRAME_V9              9              /* version 8; method 4 with the byte models' version 5 (cm.h) */
#define FRAME_V10             10             /* version 9; methods 3 and 5 with the byte models' version 6 (cm.h) */
#define FRAME_V11             11             /* version 10; methods 3 and 5 with the byte models' version 7 (cm.h) */
#define FRAME_V4_FIXED 8        /* magic, version, flags, form, numerics */
#define FRAME_FORM_FP 0x03      /* form bits 0-1: the fingerprint holds 8 * (code + 1) bytes */
#define FRAME_FORM_NAME 0x04    /* the model name follows the fingerprint (adapter form: the adapter's name) */
#define FRAME_FORM_WINDOW 0x08  /* window and keep follow the sizes; clear: the model's defaults */
#define FRAME_FORM_MODE_SHIFT 4 /* form bits 4-5: the mode */
#define FRAME_FORM_DICT 0x40    /* form bit 6: a dictionary frame (docs/format.md, "Dictionary frames") */
#define FRAME_FORM_COPIES 0x80 /* form bit 7 (format 8): the chunks hold the literals, a list of copies rebuilds the
                                ** output (docs/format.md, "Copies") */
#define FRAME_FORM_KNOWN 0x7f   /* before format 8 */
#define FRAME_AFORM_KNOWN 0x07  /* adapter form: bits 0-1 fingerprint code, bit 2 name */
#define FRAME_V4_ENTRY_MIN 6    /* a chunk entry: varint size (1..), method (1), CRC (4) */
#define FRAME_SHORT_FP 8        /* fingerprint bytes the reference encoder writes for built-in models */

typedef struct {
    uint32_t comp_size;
    uint8_t method;
    uint32_t crc; /* CRC-32 of the chunk's original bytes */
} frame_chunk;

typedef struct {
    uint8_t version, flags, mode, numerics;
    uint8_t model_fp[32];
    uint8_t fp_len;      /* bytes of model_fp the frame holds: 32 before format 4; 8, 16, 24 or 32 in it */
    uint8_t has_name;    /* the frame holds the model name (always before format 4) */
    uint8_t name_len;
    char name[256];
    uint32_t chunk_size;
    uint16_t window, keep;
    uint8_t win_default; /* format 4: window and keep are not written, the model's defaults (parsed as 0, 0) */
    uint64_t orig_size;
    uint32_t n_chunks;
    /* FRAME_FLAG_ADAPTER: the extension after the header CRC (format 4: before it) */
    uint8_t adapter_fp[32];
    uint8_t afp_len, has_aname; /* as fp_len and has_name, for the adapter */
    uint8_t aname_len;
    char aname[256];
    /* FRAME_MODE_LOSSY (format 4): the certificate's bytes (cert.h), inside the header before its CRC */
    uint8_t cert_len;
    uint8_t cert[FRAME_CERT_MAX];
    size_t table_len; /* bytes of the chunk entries: set by frame_parse_header, or from frame_table_len */
    /* FRAME_FORM_DICT (format 4): the fingerprint field holds the dictionary's (dict_fp, dfp_len), not the model's
    ** (fp_len 0); a chunk-size field of 0 means one chunk (docs/format.md, "Dictionary frames") */
    uint8_t dict, dfp_len;
    uint8_t dict_fp[32];
    /* a dictionary frame of one chunk has neither header CRC nor table CRC: its chunk's CRC continues the CRC of the
    ** header bytes before the chunk entry, crc_seed (frame_head_crc; 0 for every other frame) */
    uint32_t crc_seed;
    /* FRAME_FORM_COPIES (format 8): the frame's output is out_size bytes, rebuilt from the chunks' orig_size bytes of
    ** literals by the list of copies_len bytes that follows the chunk table (and its CRC-32 after it); copy_list
    ** points at the list's bytes when writing (not part of the header) */
    uint8_t copies;
    uint64_t out_size, copies_len;
    const uint8_t *copy_list;
    /* not part of the header: a dictionary frame's coding starts each chunk after these tokens (lib/engine/dict.c) */
    const int32_t *pre;
    uint32_t npre;
    /* not part of the header: the chunk table's method-3 and -5, method-4 and method-5 chunks (decompress.c counts
    ** them: the memory plan) */
    uint32_t n_bytes_chunks, n_mixed_chunks, n_x86_chunks;
} frame_header;

/* Bytes of the adapter extension (docs/format.md, "Adapter" and "Format version 4") of h, 0 without flag bit 3:
** before format 4 the fingerprint, name length, name and CRC-32 (37 + name); in format 4 the adapter form byte,
** the fingerprint prefix and the name with its length when the frame holds it.  The one statement of the rule. */
size_t frame_adapter_len(const frame_header *h);
/* Bytes of the chunk entries of h's table: 9 per chunk before format 4; in format 4 the entries of `chunks`
** (their varint sizes), or with chunks NULL the least they can take (6 per chunk). */
size_t frame_table_len(const frame_header *h, const frame_chunk *chunks);
/* Bytes of header + adapter extension + chunk table for this header (its table_len set). */
size_t frame_header_len(const frame_header *h);
/* A format-4 dictionary frame of one chunk (docs/format.md, "Dictionary frames"): the CRC of its header bytes before
** the chunk entry, which its chunk's CRC continues (h->crc_seed). */
int frame_dict_one(const frame_header *h);
uint32_t frame_head_crc(const frame_header *h);
/* Serialise header and table (h->n_chunks entries) into dst; returns bytes written or 0 if cap too small. */
size_t frame_write_header(uint8_t *dst, size_t cap, const frame_header *h, const frame_chunk *chunks);
/* Parse the header (needs `avail` bytes); fills h, validates every field, checks the header CRC; in format 4 also
** locates the chunk entries (table_len).  LLMZ_ERR_TRUNCATED with *need set when more bytes are required. */
int frame_parse_header(frame_header *h, const uint8_t *src, size_t avail, size_t *need);
/* Parse and verify the chunk table that follows a parsed header; chunks has h->n_chunks entries.
** *payload receives the sum of compressed sizes. */
int frame_parse_table(frame_chunk *chunks, const frame_header *h, const uint8_t *src, size_t avail,
                      uint64_t *payload);
/* Original size of chunk i. */
uint32_t frame_chunk_orig(const frame_header *h, uint32_t i);
/* Bytes the frame decodes to: out_size with copies, else orig_size. */
static inline uint64_t frame_out_size(const frame_header *h) { return h->copies ? h->out_size : h->orig_size; }
/* The list of copies of a frame with FRAME_FORM_COPIES at src (its header parsed, its table checked): h->copies_len
** bytes. */
const uint8_t *frame_copies_at(const frame_header *h, const uint8_t *src);

#endif
