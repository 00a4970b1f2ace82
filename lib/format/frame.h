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
#define FRAME_METHOD_RAW 0
#define FRAME_METHOD_MODEL 1
#define FRAME_METHOD_MODEL_CRLF 2 /* model-coded after CRLF -> LF; needs FRAME_FLAG_EOL */
#define FRAME_METHOD_BYTES 3   /* format version 4: coded by the byte models alone (lib/cm/cm.h) */
#define FRAME_METHOD_MIXED 4   /* format version 4: the LM's tokens coded bit by bit, mixed with the byte models */
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

typedef struct {
    uint32_t comp_size;
    uint8_t method;
    uint32_t crc; /* CRC-32 of the chunk's original bytes */
} frame_chunk;

typedef struct {
    uint8_t version, flags, mode, numerics;
    uint8_t model_fp[32];
    uint8_t name_len;
    char name[256];
    uint32_t chunk_size;
    uint16_t window, keep;
    uint64_t orig_size;
    uint32_t n_chunks;
    /* FRAME_FLAG_ADAPTER: the extension after the header CRC */
    uint8_t adapter_fp[32];
    uint8_t aname_len;
    char aname[256];
    /* not part of the header: the chunk table's method-3 and method-4 chunks (decompress.c counts them: the memory
    ** plan) */
    uint32_t n_bytes_chunks, n_mixed_chunks;
} frame_header;

/* Bytes of the adapter extension (docs/format.md, "Adapter") for an adapter name of name_len bytes: fingerprint,
** name length, the name and its CRC-32 (37 + name_len). */
size_t frame_adapter_ext_len(size_t name_len);
/* Bytes of header + adapter extension + chunk table for this header. */
size_t frame_header_len(const frame_header *h);
/* Serialise header and table (h->n_chunks entries) into dst; returns bytes written or 0 if cap too small. */
size_t frame_write_header(uint8_t *dst, size_t cap, const frame_header *h, const frame_chunk *chunks);
/* Parse the fixed part (needs `avail` bytes); fills h, validates every field, checks the header CRC.
** LLMZ_ERR_TRUNCATED with *need set when more bytes are required. */
int frame_parse_header(frame_header *h, const uint8_t *src, size_t avail, size_t *need);
/* Parse and verify the chunk table that follows a parsed header; chunks has h->n_chunks entries.
** *payload receives the sum of compressed sizes. */
int frame_parse_table(frame_chunk *chunks, const frame_header *h, const uint8_t *src, size_t avail,
                      uint64_t *payload);
/* Original size of chunk i. */
uint32_t frame_chunk_orig(const frame_header *h, uint32_t i);

#endif
