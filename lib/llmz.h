/*
** llmz.h -- lossless text compression driven by a transformer language model.
**
** A llama-style language model (GGUF file) predicts the next token; a range coder spends -log2 p bits on
** it.  Compressed data is a sequence of self-contained *frames* (docs/format.md); frames concatenate:
** the decompression of A||B is the decompression of A followed by that of B.
**
** Everything this library computes on the coding path is deterministic: the same input, model and
** format version give the same bytes on every CPU, compiler, SIMD width and thread count
** (docs/determinism.md).  The library never prints, never exits and never reads the environment.
**
** Reading order: versions, errors, models, compression, decompression, frame inspection.
*/
#ifndef LLMZ_H
#define LLMZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions: three kept apart ---------------------------------------------------------------- */
#define LLMZ_VERSION_MAJOR 0
#define LLMZ_VERSION_MINOR 11
#define LLMZ_VERSION_PATCH 0
#define LLMZ_VERSION_STRING "0.11.0"
#define LLMZ_FORMAT_VERSION 11  /* container layout and chunk coding (docs/format.md): what encoders write */
#define LLMZ_FORMAT_OLDEST 1    /* decoders read every format version from this one to LLMZ_FORMAT_VERSION */
#define LLMZ_NUMERICS_VERSION 2 /* arithmetic of the model evaluation (docs/determinism.md): what encoders write */
#define LLMZ_NUMERICS_OLDEST 1  /* decoders evaluate every numerics version from this one to LLMZ_NUMERICS_NEWEST */
#define LLMZ_NUMERICS_NEWEST 3  /* the newest: 3 (float activations) is written only when asked (LLMZ_P_NUMERICS) */

const char *llmz_version_string(void);

/* ---- errors: a pinned enum; values never change meaning ---------------------------------------- */
typedef enum {
    LLMZ_OK = 0,
    LLMZ_ERR_NOMEM = 1,             /* an allocation failed */
    LLMZ_ERR_PARAM = 2,             /* bad argument or parameter value */
    LLMZ_ERR_DST_TOO_SMALL = 3,     /* output buffer too small */
    LLMZ_ERR_MODEL_FORMAT = 4,      /* model file is not a valid GGUF v3 file */
    LLMZ_ERR_MODEL_UNSUPPORTED = 5, /* valid GGUF, but not a model llmz can run */
    LLMZ_ERR_NOT_LLMZ = 6,          /* input does not start with the llmz magic */
    LLMZ_ERR_VERSION = 7,           /* format or numerics version this build cannot decode */
    LLMZ_ERR_CORRUPT = 8,           /* malformed or inconsistent archive */
    LLMZ_ERR_CHECKSUM = 9,          /* a checksum did not match */
    LLMZ_ERR_MODEL_MISMATCH = 10,   /* archive was made with another model */
    LLMZ_ERR_MEMLIMIT = 11,         /* decoding would need more memory than allowed */
    LLMZ_ERR_TRUNCATED = 12,        /* more input is needed (see llmz_frame_header_size) */
    LLMZ_ERR_UNSUPPORTED = 13,      /* a feature this build does not have (mode, flag, kernel) */
    LLMZ_ERR_DICT = 14,             /* a dictionary frame without its dictionary (llmz_dctx_set_dict), or a bad one */
    LLMZ_ERROR_COUNT_ = 15
} llmz_error;

/* Stable lower-case name, e.g. "checksum mismatch"; never NULL. */
const char *llmz_error_name(int err);

/* ---- models ------------------------------------------------------------------------------------- */
/* An immutable model (weights + tokenizer).  Thread-safe to share between contexts once loaded. */
typedef struct llmz_model llmz_model;

/* Load a GGUF v3 file (F32, F16 or Q8_0 tensors).  The file is untrusted input: every field is checked. */
int llmz_model_load_file(llmz_model **out, const char *path);
/* Load from memory.  The bytes are copied only where needed; `data` must stay valid and unchanged for
** the life of the model (for the embedded model it is static). */
int llmz_model_load_memory(llmz_model **out, const void *data, size_t size);
/* The model built into this binary.  LLMZ_ERR_UNSUPPORTED if the build has none. */
int llmz_model_load_default(llmz_model **out);
/* The built-in model whose fingerprint is `fingerprint`: the default model or an earlier default kept in the
** binary so that its archives still decode.  LLMZ_ERR_MODEL_MISMATCH if this build carries no such model. */
int llmz_model_load_builtin(llmz_model **out, const uint8_t fingerprint[32]);
/* The same by the first fp_len bytes (1..32) of the fingerprint, as a format-4 frame holds them (llmz_frame_info's
** fp_len): LLMZ_ERR_MODEL_MISMATCH when no built-in model, or more than one, starts with them (never a guess). */
int llmz_model_load_builtin_prefix(llmz_model **out, const uint8_t *fp, size_t fp_len);
/* The i-th model built into this binary (0: the default, then earlier defaults kept for decoding);
** LLMZ_ERR_PARAM past the last one. */
int llmz_model_builtin(llmz_model **out, int i);
void llmz_model_free(llmz_model *m); /* accepts NULL */
/* Why a model file is refused: loads data[0 .. size) as llmz_model_load_memory does, frees it, and returns the
** same code; unless LLMZ_OK, why[0 .. cap) gets a short NUL-terminated reason (truncated to fit), what is not
** supported or malformed: "architecture 'gemma'", "tensor type 20 for blk.0.attn_q.weight", "mixture of experts
** (8 experts)", "missing tensor 'output_norm.weight'", "rope scaling type 'yarn'", ...  (README, "Models").  On
** LLMZ_OK why[0] = 0.  why may be NULL with cap 0.  The library never prints: the CLI shows
** "llmz: FILE: not supported: <why>". */
int llmz_model_check(const void *data, size_t size, char *why, size_t cap);

/* Adapters: small low-rank (LoRA) weight changes for a domain, applied to a base model (docs/format.md,
** "Adapter").  The result is a model of its own whose archives name the base model and the adapter; it keeps
** pointers into the base model's bytes and into `data`, which must both outlive it.  The adapter (a GGUF file
** from tools/train/export_lora.py, llama.cpp's LoRA layout) must fit the base model; an adapter made for
** another base model is refused with LLMZ_ERR_MODEL_MISMATCH. */
int llmz_model_load_adapter(llmz_model **out, const llmz_model *base, const void *data, size_t size);
/* The i-th adapter built into this binary (for the default model): its bytes.  LLMZ_ERR_PARAM past the last. */
int llmz_adapter_builtin(int i, const void **data, size_t *size);
/* An adapter file's name (general.name, printable, NUL-terminated) without applying it. */
int llmz_adapter_name(const void *data, size_t size, char name[256]);
/* The built-in adapter whose fingerprint is `fingerprint`, applied to base.  LLMZ_ERR_MODEL_MISMATCH if none. */
int llmz_model_load_builtin_adapter(llmz_model **out, const llmz_model *base, const uint8_t fingerprint[32]);
/* The same by the first fp_len bytes (1..32) of the adapter's fingerprint: LLMZ_ERR_MODEL_MISMATCH when no built-in
** adapter, or more than one, starts with them. */
int llmz_model_load_builtin_adapter_prefix(llmz_model **out, const llmz_model *base, const uint8_t *fp,
                                           size_t fp_len);
/* 1 if m has an adapter applied (then its SHA-256 fingerprint and name, either may be NULL), else 0. */
int llmz_model_adapter(const llmz_model *m, uint8_t fp[32], const char **name);
/* Bits the language model alone (integer frequencies, no online models) spends on the first `sample` bytes of
** src, evaluated in fresh windows of the model's context.  Deterministic on every machine, for choosing
** between models (llmz --adapter=auto keeps the cheapest). */
int llmz_model_score(const llmz_model *m, const void *src, size_t size, size_t sample, double *bits);
/* --adapter=auto: the model for compressing an input that starts with src[0, size), chosen among base and base
** with each built-in adapter that fits it.  An input of at least LLMZ_AUTO_ADAPTER_MIN bytes is scored on its first
** LLMZ_AUTO_ADAPTER_SAMPLE bytes (llmz_model_score) with each model, the sample's bits scaled to `size`; an adapter
** also costs its header extension (docs/format.md, "Adapter", in the default format version); the cheapest wins,
** ties keep the earlier one (the base model first).  *out: base with the winning adapter applied (the caller frees
** it), or NULL for base itself.
** *tried (may be NULL): 1 if the models were scored, 0 if the rule kept base without trying (a smaller input, no
** built-in adapter, or base cannot be scored).  Adapters that do not fit, or whose score fails, are passed over. */
#define LLMZ_AUTO_ADAPTER_MIN (1u << 20) /* below, the trial (~0.1-0.3 s) costs more than adapters save (<1%) */
#define LLMZ_AUTO_ADAPTER_SAMPLE 4096u
int llmz_model_auto_adapter(llmz_model **out, const llmz_model *base, const void *src, size_t size, int *tried);
/* The same rule over the n adapter files adapters[i] (sizes[i] bytes) instead of the built-in ones. */
int llmz_model_pick_adapter(llmz_model **out, const llmz_model *base, const void *src, size_t size,
                            const void *const *adapters, const size_t *sizes, int n, int *tried);

const char *llmz_model_name(const llmz_model *m);
/* The GGUF bytes behind m, whose SHA-256 is its fingerprint (for a model with an adapter: its base model's), valid
** while m lives: what `llmz --export-model` writes, so a built-in model can be kept beside the archives. */
int llmz_model_bytes(const llmz_model *m, const void **data, size_t *size);
/* 32-byte fingerprint: SHA-256 of the canonical model content (docs/format.md, "Model fingerprint"). */
void llmz_model_fingerprint(const llmz_model *m, uint8_t out[32]);
/* One line of human-readable description (architecture, sizes, parameters). */
void llmz_model_describe(const llmz_model *m, char *buf, size_t cap);

/* Tokenizer access (tools and tests): token ids of `src`; returns count or -1 if cap is too small. */
long llmz_model_tokenize(const llmz_model *m, int32_t *ids, size_t cap, const void *src, size_t size);
/* Bytes of one token; returns its length (0 for an out-of-range id). */
size_t llmz_model_token_bytes(const llmz_model *m, int32_t id, const uint8_t **bytes);

/* ---- parameters (set on contexts; no public structs, so the ABI can grow) ------------------------ */
typedef enum {
    LLMZ_P_THREADS = 1,     /* worker threads, 1 .. LLMZ_MAX_THREADS (default 1) */
    LLMZ_P_KERNELS = 2,     /* llmz_kernels value (default LLMZ_KERNELS_AUTO) */
    LLMZ_P_CHUNK_SIZE = 3,  /* compression: bytes per independent chunk; 0 (default) = llmz_auto_chunk() */
    LLMZ_P_MEMLIMIT = 4,    /* decompression: refuse frames needing more bytes than this (0 = none) */
    LLMZ_P_ADAPT = 5,       /* compression: online models mixed with the LM, LLMZ_ADAPT_* bits
                            ** (default LLMZ_ADAPT_ALL; 0 = the LM alone) */
    LLMZ_P_EOL = 6,         /* compression: 1 (default) codes CRLF text as LF text (restored exactly) */
    LLMZ_P_FORMAT = 7,      /* compression: the format version written, LLMZ_FORMAT_OLDEST .. LLMZ_FORMAT_VERSION
                            ** (default LLMZ_FORMAT_VERSION; an older one for decoders that know no later) */
    LLMZ_P_SEGMENT = 8,     /* streaming compression: input bytes per frame, LLMZ_MIN_CHUNK .. LLMZ_MAX_SEGMENT;
                            ** 0 (default) = LLMZ_SEGMENT_DEFAULT (see llmz_compress_stream) */
    LLMZ_P_INDEX = 9,       /* streaming compression: 1 writes an index after the frames at LLMZ_END (default 0) */
    LLMZ_P_NUMERICS = 10,   /* compression: the numerics version written, LLMZ_NUMERICS_OLDEST .. LLMZ_NUMERICS_NEWEST
                            ** (default LLMZ_NUMERICS_VERSION: 2, the KV cache in int8; 1 for decoders that know no later;
                            ** 3: float activations and cache, the closest to llama.cpp on F16 models, slower);
                            ** frames of format versions 1-3 are always written with numerics 1 */
    LLMZ_P_CHUNK_SHIFT = 11 /* compression with the automatic chunk size (LLMZ_P_CHUNK_SIZE 0): chunks about 2^N
                            ** times as long (llmz_auto_chunk_shift), LLMZ_MIN_CHUNK_SHIFT .. LLMZ_MAX_CHUNK_SHIFT
                            ** (default 0).  The encoder's other choices stay open, unlike with a fixed size: binary
                            ** input's long chunks, the byte models alone in long chunks.  The CLI's levels 1, 2, 7-9 */
} llmz_param;

/* The most worker threads a context takes (LLMZ_P_THREADS); a larger value is LLMZ_ERR_PARAM. */
#define LLMZ_MAX_THREADS 256

typedef enum {
    LLMZ_KERNELS_AUTO = 0, /* fastest the CPU supports */
    LLMZ_KERNELS_REF = 1,  /* portable scalar reference: defines the numbers */
    LLMZ_KERNELS_AVX2 = 2,
    LLMZ_KERNELS_AVX512 = 3
} llmz_kernels;

/* Automatic chunk size: c = the smallest power of two >= size / LLMZ_AUTO_CHUNKS, clamped to
** [LLMZ_AUTO_CHUNK_MIN, LLMZ_AUTO_CHUNK_MAX]; a larger input is then cut into an even number of equal
** chunks of at most c bytes (n = ceil(size / c) rounded up to even, chunk = ceil(size / n)).  It depends on
** the frame's input size only (never on threads or the machine): the same input, the same archive.  A frame of
** text then uses the smallest chunk size from it up to 256 bytes above with the same chunk count that cuts no "\r\n"
** pair (a chunk with a lone CR or LF cannot be coded with LF line ends). */
#define LLMZ_AUTO_CHUNKS 16u
#define LLMZ_AUTO_CHUNK_MIN (64u * 1024u)
#define LLMZ_AUTO_CHUNK_MAX (1024u * 1024u)
/* LLMZ_P_ADAPT bits: the online models learned while a chunk is coded (docs/format.md, "Adaptation"). */
#define LLMZ_ADAPT_MATCH 1 /* recency cache and match model (frame flag bit 0) */
#define LLMZ_ADAPT_NGRAM 2 /* token n-gram models, orders 1-4 (frame flag bit 2) */
#define LLMZ_ADAPT_LINE 4  /* with NGRAM: the line model, a context from the previous line (frame flag bit 4) */
#define LLMZ_ADAPT_FIELD 8 /* with NGRAM: the field model, the same field of the previous line (frame flag bit 5) */
#define LLMZ_ADAPT_SSE 16  /* with NGRAM: wide n-gram tables and secondary estimation of the top token (flag bit 6) */
#define LLMZ_ADAPT_GROUP 32 /* with NGRAM: a frame's chunks, in groups of 16, share their online models (flag bit 7) */
/* format version 4: every chunk is also coded by the byte models (lib/cm/cm.h: byte-level contexts, a match model)
** alone (chunk method 3) and, beside the LM, with the LM's tokens bit by bit mixed with them (method 4); the smallest
** coding is kept; binary and highly repetitive chunks skip the LM */
#define LLMZ_ADAPT_BYTES 64
#define LLMZ_ADAPT_ALL 127
/* The bits that need LLMZ_ADAPT_NGRAM (the models they name extend the n-grams): the one statement of the rule. */
#define LLMZ_ADAPT_NEEDS_NGRAM (LLMZ_ADAPT_LINE | LLMZ_ADAPT_FIELD | LLMZ_ADAPT_SSE | LLMZ_ADAPT_GROUP)
/* LLMZ_OK if `adapt` is a valid LLMZ_P_ADAPT value (LLMZ_ADAPT_* bits, LLMZ_ADAPT_NEEDS_NGRAM ones only with
** LLMZ_ADAPT_NGRAM), else LLMZ_ERR_PARAM: what llmz_cctx_set checks, for a caller to check first. */
int llmz_adapt_check(int adapt);
#define LLMZ_MIN_CHUNK 4096u
#define LLMZ_MAX_CHUNK (16u * 1024u * 1024u)

/* Name of the kernel set `k` resolves to on this CPU ("ref", "avx2", ...), or NULL if unavailable. */
const char *llmz_kernels_name(int k);

/* Statistics of one call, for -v and benchmarks.  Compression fills every field; decompression fills
** the sizes, tokens, chunk counts and coded_bits (the model figures need the encoder's token stream). */
typedef struct {
    uint64_t in_bytes, out_bytes; /* bytes consumed and produced */
    uint64_t tokens;              /* tokens coded by the model */
    uint64_t raw_chunks, chunks;  /* chunks stored raw / all chunks */
    double model_bits;            /* sum of -log2 p(token) under the model's float distribution */
    double coded_bits;            /* range-coder payload bits of model-coded chunks */
    double freq_bits;             /* sum of -log2(f/2^28) under the integer frequencies actually coded */
    uint64_t reserved[3];
} llmz_stats;

/* ---- compression --------------------------------------------------------------------------------- */
typedef struct llmz_cctx llmz_cctx;

llmz_cctx *llmz_cctx_create(const llmz_model *m); /* NULL on allocation failure */
void llmz_cctx_free(llmz_cctx *c);                 /* accepts NULL */
int llmz_cctx_set(llmz_cctx *c, llmz_param p, long long value);

/* Largest frame compressing `size` bytes can produce (stored-raw worst case included). */
uint32_t llmz_auto_chunk(uint64_t size);
/* The same with c (before the cut into equal chunks) 2^shift times as large, at most LLMZ_MAX_CHUNK: the chunk size
** of LLMZ_P_CHUNK_SHIFT.  Shift 0 is llmz_auto_chunk; LLMZ_MAX_CHUNK_SHIFT makes one chunk of any input up to
** LLMZ_MAX_CHUNK bytes; a negative shift takes c = LLMZ_AUTO_CHUNK_MIN / 2^-shift whatever the input's size (-2: 16
** KiB, -1: 32 KiB, fine-grained random access).  A shift out of range is taken as the nearest in range. */
#define LLMZ_MIN_CHUNK_SHIFT (-2)
#define LLMZ_MAX_CHUNK_SHIFT 8
uint32_t llmz_auto_chunk_shift(uint64_t size, int shift);
size_t llmz_frame_bound(size_t size);

/* Compress `size` bytes into one frame.  *dst_size receives the frame length.  `stats` may be NULL. */
int llmz_compress_frame(llmz_cctx *c, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                        llmz_stats *stats);

/* ---- decompression ------------------------------------------------------------------------------- */
typedef struct llmz_dctx llmz_dctx;

llmz_dctx *llmz_dctx_create(const llmz_model *m);
void llmz_dctx_free(llmz_dctx *d);
int llmz_dctx_set(llmz_dctx *d, llmz_param p, long long value);

/* ---- progress ------------------------------------------------------------------------------------ */
/* For progress displays: bytes of the current frame's tokens coded so far by an llmz_compress_frame on c (its
** input, CRLF counted as LF) or decoded by an llmz_decompress_frame on d (its output), read from any other thread
** while the call runs (no lock; 0 when a call begins; stored chunks are not counted).  No effect on the bytes. */
uint64_t llmz_cctx_progress(const llmz_cctx *c);
uint64_t llmz_dctx_progress(const llmz_dctx *d);

/* ---- analysis: where the bits go ---------------------------------------------------------------------- */
/* Which stage of the predictor raised a token's probability most (llmz_token_info.part). */
enum { LLMZ_PART_LM = 0, LLMZ_PART_CACHE = 1, LLMZ_PART_NGRAM = 2, LLMZ_PART_SSE = 3, LLMZ_PART_RAW = 4 };
typedef struct {
    uint64_t offset;  /* where the token's bytes start in the frame's input (CRLF chunks: in their LF form) */
    uint32_t length;  /* its bytes */
    int32_t token;    /* token id (llmz_model_token_bytes); -1 for a stored chunk's bytes */
    double bits;      /* bits the coder spent on it: -log2 of the probability it was coded with (what -v sums) */
    double lm_bits;   /* the same under the language model's frequencies alone */
    int32_t top;      /* the most likely token after every stage */
    uint32_t rank;    /* the coded token's rank then (0: it was the top guess) */
    uint8_t part;     /* LLMZ_PART_*: LM; cache; n-grams and match; SSE; RAW: a chunk stored raw (8 bits a byte) */
    uint8_t pad[7];
} llmz_token_info;
/* Compress src as llmz_compress_frame would with the same parameters, every chunk by the LM (the byte models' chunks
** and format 8's copies have no tokens to show), and return one record per token in input order (*tokens, *count;
** free with llmz_free_tokens).  A stored chunk gives one record of part LLMZ_PART_RAW.  The frame itself is not
** returned. */
int llmz_analyze_frame(llmz_cctx *c, const void *src, size_t size, llmz_token_info **tokens, size_t *count,
                       llmz_stats *stats);
void llmz_free_tokens(llmz_token_info *tokens);

/* ---- lossy "semantic" mode (docs/lossy.md) ------------------------------------------------------------ */
/* Only when asked: the text is rewritten into a cheaper one (the *reconstruction*), chosen by the bits it saves under
** the model, and that is compressed losslessly in a frame of mode 1 whose header carries a certificate of the
** difference.  Decoding prints the reconstruction, checked against the certificate's hash.  Levels: */
#define LLMZ_LOSSY_CANONICAL 1  /* the words stay; typographic variants, Unicode compatibility forms, blanks fold */
#define LLMZ_LOSSY_PARAPHRASE 2 /* cheaper equivalents: synonyms, spelling variants, contractions (a thesaurus) */
#define LLMZ_LOSSY_SEED 3       /* a concise seed: sentences dropped, ranked by what they carry per bit */
#define LLMZ_LOSSY_STRENGTH_DEFAULT (-1) /* each level's default strength */
#define LLMZ_LOSSY_REWRITE_2 2 /* certificate version of level 2 since it deletes optional material (docs/lossy.md) */
#define LLMZ_LOSSY_REWRITE_3 3 /* ... and since it fills hard-wrapped paragraphs again after its edits */
typedef struct {
    uint8_t level;              /* LLMZ_LOSSY_*; 0 in a struct not filled */
    uint8_t strength;           /* 0 .. 100: how far the level goes (rate against distortion) */
    uint8_t words_equal_folded; /* 1: the word sequences of original and reconstruction are equal after folding */
    uint8_t version;            /* the certificate's version (docs/format.md): 1, or 2 for a level-2 reconstruction
                                ** with deletions (LLMZ_LOSSY_REWRITE_2), 3 with paragraphs filled again
                                ** (LLMZ_LOSSY_REWRITE_3); 0 when writing: 1 */
    uint64_t orig_size;         /* bytes of the original (the frame's output is the reconstruction) */
    uint8_t orig_hash[16];      /* the first 16 bytes of the original's SHA-256 (for an audit with the original) */
    uint8_t recon_hash[16];     /* the same of the reconstruction: checked by the decoder */
    uint32_t words, content_words, words_recon; /* words of the original, its content words; of the reconstruction */
    uint32_t wer;               /* word error rate x 10000 (word-level edit distance / words) */
    uint32_t chrf;              /* chrF x 10000 (character n-grams 1..6, beta 2) */
    uint32_t recall;            /* content-word recall x 10000 */
    uint32_t prot_total, prot_kept, prot_invented; /* protected items: the original's, kept in order, new ones */
    uint32_t new_content;       /* content words neither in the original nor an equivalent of the word replaced */
    uint32_t changes;           /* edits the encoder made */
    uint64_t recon_size;        /* bytes of the reconstruction */
    uint32_t reserved[6];
} llmz_certificate;

/* Rewrite src (text) at `level` and `strength` (0..100 or LLMZ_LOSSY_STRENGTH_DEFAULT) with model m on `threads`
** threads: *out receives the reconstruction (free with llmz_free_buffer), cert its certificate.  The result depends
** on the input, model, level and strength only (never on threads or the kernel set).  Text that is not prose
** (binary, code, JSON, logs: llmz_lossy_prose) is returned unchanged with cert->changes 0: LLMZ_OK. */
int llmz_lossy_rewrite(const llmz_model *m, int level, int strength, int threads, const void *src, size_t size,
                       void **out, size_t *out_size, llmz_certificate *cert);
/* Per mille of src's bytes that lie in prose (sentences of words, outside code blocks, tables and markup): the
** lossy levels treat an input of less than LLMZ_LOSSY_PROSE_MIN as not prose. */
#define LLMZ_LOSSY_PROSE_MIN 500
int llmz_lossy_prose(const void *src, size_t size);
/* The certificate's measurements of a reconstruction against its original (what the encoder writes, what
** `llmz --verify` recomputes): every field but level, strength and changes, which are kept as given in cert. */
int llmz_lossy_measure(const void *orig, size_t orig_size, const void *recon, size_t recon_size,
                       llmz_certificate *cert);
/* The next frames c compresses are lossy (mode 1) and carry cert (copied; its recon_size and recon_hash are set
** from each frame's input); NULL: lossless again. */
int llmz_cctx_set_certificate(llmz_cctx *c, const llmz_certificate *cert);
/* The certificate of a lossy frame (after llmz_frame_get_info says mode 1); LLMZ_ERR_PARAM for a lossless frame. */
int llmz_frame_get_certificate(llmz_certificate *cert, const void *src, size_t avail);
void llmz_free_buffer(void *p);
/* What changed (llmz --diff): the regions where recon differs from orig, in order, found by aligning their words and
** punctuation (blanks aside); *edits (free with llmz_free_buffer) holds *n of them. */
typedef struct {
    uint64_t orig_off, orig_len, recon_off, recon_len;
} llmz_lossy_edit;
int llmz_lossy_diff(const void *orig, size_t orig_size, const void *recon, size_t recon_size, llmz_lossy_edit **edits,
                    size_t *n);

/* ---- frame inspection ---------------------------------------------------------------------------- */
typedef struct {
    uint64_t orig_size;       /* bytes the frame decodes to */
    uint64_t frame_size;      /* total bytes of the frame, header included */
    uint32_t header_size;     /* bytes of header + chunk table */
    uint32_t n_chunks, raw_chunks; /* chunks; stored raw */
    uint32_t bytes_chunks, mixed_chunks; /* coded by the byte models alone (methods 3 and 5); by the LM mixed with
                                          ** them (method 4) */
    uint32_t chunk_size;      /* nominal original bytes per chunk */
    uint8_t format_version, numerics_version, mode, flags; /* mode 1: lossy (llmz_frame_get_certificate) */
    uint16_t window, keep;    /* model positions per context window, inputs kept at a restart; 0, 0: the model's
                              ** defaults (format 4: its context length, at most 65535, and a quarter of that) */
    uint8_t model_fp[32];     /* the model's fingerprint: its first fp_len bytes (the rest 0) */
    char model_name[256];     /* NUL-terminated; empty when the frame does not hold it (format 4: built-in models) */
    int has_adapter;          /* flag bit 3: the model is the base model above with this adapter applied */
    uint8_t adapter_fp[32];   /* the adapter's fingerprint: its first adapter_fp_len bytes */
    char adapter_name[256];   /* NUL-terminated; empty without an adapter or when the frame does not hold it */
    uint8_t fp_len;           /* bytes of model_fp the frame holds: 32, or in format 4 8, 16, 24 or 32 */
    uint8_t adapter_fp_len;   /* the same for adapter_fp (0 without an adapter) */
    uint8_t dict_fp_len;      /* a dictionary frame (fp_len 0: the dictionary names the model): bytes of dict_fp */
    uint8_t has_x86;          /* 1 when a chunk is x86 code coded by the byte models (method 5) */
    uint8_t dict_fp[16];      /* the dictionary's fingerprint (llmz_dict_fingerprint): its first dict_fp_len bytes */
    uint32_t copies;          /* format 8: 1 when the frame's long repeats are copies (docs/format.md, "Copies"): its
                              ** chunks (n_chunks, chunk_size) hold the rest, and reading any part decodes them all */
    uint64_t literal_size;    /* the bytes its chunks hold: orig_size without copies */
} llmz_frame_info;

/* How many bytes the header (with chunk table) of the frame at `src` occupies.  With too few bytes it
** returns LLMZ_ERR_TRUNCATED and sets *need to a larger count to supply; call again with more. */
int llmz_frame_header_size(const void *src, size_t avail, size_t *need);
/* Parse and verify the header of the frame at `src` (at least header_size bytes). */
int llmz_frame_get_info(llmz_frame_info *info, const void *src, size_t avail);
/* 1 if the frame names model m: the fingerprint bytes the frame holds equal m's (for m with an adapter, its base
** model's), and unless base_only, the frame has an adapter exactly when m has one, and its adapter fingerprint
** bytes equal m's adapter's.  This is the check llmz_decompress_frame makes (LLMZ_ERR_MODEL_MISMATCH).  An fp_len
** of 0 (a struct not filled by llmz_frame_get_info) counts as 32. */
int llmz_frame_model_is(const llmz_frame_info *info, const llmz_model *m, int base_only);
/* Bytes of memory decompressing this frame needs, output buffer included, for one decoding thread and a model
** like the default one (a fixed 64 MiB for the model state): an estimate that needs no model. */
uint64_t llmz_frame_memory(const llmz_frame_info *info);
/* The same for decoding with d (its model and thread count): output, frame, and every decoding thread's chunk
** states and scratch.  This is what LLMZ_P_MEMLIMIT is checked against. */
uint64_t llmz_dctx_frame_memory(const llmz_dctx *d, const llmz_frame_info *info);

/* Decompress exactly one whole frame of `size` bytes into dst (cap >= info.orig_size). */
int llmz_decompress_frame(llmz_dctx *d, void *dst, size_t cap, size_t *dst_size, const void *src, size_t size,
                          llmz_stats *stats);

/* ---- skippable frames and the index (docs/format.md, "Skippable frames", "Index") ---------------- */
/* A skippable frame (magic 89 4C 4D 53, a u32 content length, the content) carries no data: decoders pass over
** it.  LLMZ_OK and *size = its whole size when src starts one; LLMZ_ERR_NOT_LLMZ when src starts something else;
** LLMZ_ERR_TRUNCATED with *size = bytes needed when avail is too short to tell. */
#define LLMZ_SKIPPABLE_HEADER 8
int llmz_skippable_size(const void *src, size_t avail, uint64_t *size);
/* The index: a skippable frame listing the n frames that come right before it (each one's size in the archive and
** its original size), so that a reader finds any offset's frame without reading the frames before it.  Its last
** LLMZ_INDEX_TRAILER bytes say its size, so it is found from the end of an archive.  Bound: 0 if n is too large. */
#define LLMZ_INDEX_TRAILER 8
size_t llmz_index_bound(size_t n);
int llmz_index_write(void *dst, size_t cap, size_t *written, const uint64_t *frame_sizes, const uint64_t *orig_sizes,
                     size_t n);
/* From the last LLMZ_INDEX_TRAILER bytes of an archive: LLMZ_OK with *size = the index frame's size if they are an
** index's trailer, else LLMZ_ERR_NOT_LLMZ (no index) or LLMZ_ERR_CORRUPT. */
int llmz_index_tail(const void *tail, uint64_t *size);
/* Parse a whole index frame: *n = its entry count; the first min(n, cap) entries are stored (LLMZ_ERR_DST_TOO_SMALL
** when cap < n).  A damaged index is LLMZ_ERR_CHECKSUM or LLMZ_ERR_CORRUPT: readers then scan the frames. */
int llmz_index_read(const void *src, size_t size, uint64_t *frame_sizes, uint64_t *orig_sizes, size_t cap,
                    size_t *n);

/* ---- streaming (docs/streaming.md) ---------------------------------------------------------------- */
/* The zstd style: the caller owns both buffers; each call consumes what it can of in (in->pos advances) and writes
** what it can to out (out->pos advances); neither pos ever goes back, and nothing is written past out->size.  Any
** sizes work (1 byte included); llmz_stream_in_size / llmz_stream_out_size are good ones.  Memory is bounded
** whatever the stream's length: compression holds one segment and one frame, decompression one frame and its
** output (frames this library's stream makes hold one segment; a larger one is refused by LLMZ_P_MEMLIMIT before
** anything is allocated for it). */
typedef struct {
    const void *src;
    size_t size;
    size_t pos; /* advances over the bytes consumed */
} llmz_inbuf;
typedef struct {
    void *dst;
    size_t size;
    size_t pos; /* advances over the bytes written */
} llmz_outbuf;
typedef enum { LLMZ_CONTINUE = 0, LLMZ_FLUSH = 1, LLMZ_END = 2 } llmz_end_op;
#define LLMZ_SEGMENT_DEFAULT (8u * 1024u * 1024u)
#define LLMZ_MAX_SEGMENT (1u << 30)

/* Compression on c: the input is gathered into segments of LLMZ_P_SEGMENT bytes (rounded down to a whole number of
** LLMZ_P_CHUNK_SIZE chunks, at least one chunk), each compressed with llmz_compress_frame into one frame as soon as
** it is full: the output is the bytes that compressing the input segment by segment with llmz_compress_frame gives.
** A segment's size is fixed when its first byte comes in; its frame is made with the cctx's parameters then.
**   LLMZ_CONTINUE: consume and compress; the call returns when in is consumed or out is full.
**   LLMZ_FLUSH: as CONTINUE, then the segment begun is compressed into a frame now (nothing when none is begun);
**     done when *pending is 0.
**   LLMZ_END: as FLUSH, then with LLMZ_P_INDEX 1 the index (llmz_index_write) of the stream's frames; a stream that
**     got no input at all becomes one empty frame.  Done when *pending is 0: the stream is complete, and the next
**     call with input starts a new one (an END call with no input then writes nothing: END twice is harmless; for
**     a second, empty stream call llmz_cctx_reset_stream first).
** While FLUSH or END is not done, call again with the same op (and any more room in out).
** *pending (may be NULL): bytes the cctx holds for out (a frame made and not yet written all), plus 1 while a
** FLUSH or END still has to make a frame or the index.  An error leaves the stream failed: every later call
** returns that error until llmz_cctx_reset_stream.  Frames compressed with llmz_compress_frame (and
** llmz_analyze_frame) on the same cctx between stream calls do not disturb the stream. */
int llmz_compress_stream(llmz_cctx *c, llmz_outbuf *out, llmz_inbuf *in, llmz_end_op op, size_t *pending);
/* Drop the stream's input and pending output (and its error, its statistics); the parameters stay. */
int llmz_cctx_reset_stream(llmz_cctx *c);
/* The stream's statistics so far: frames made, and the sums of llmz_compress_frame's statistics (either may be
** NULL).  They count the current stream (after END: the stream just ended) until the next one starts. */
int llmz_cctx_stream_stats(const llmz_cctx *c, llmz_stats *stats, uint64_t *frames);

/* Decompression on d: consumes frames, skips skippable frames (the index among them) and zero bytes after the first
** frame or skippable frame (padding), and writes the frames' output in order.  It consumes exactly the stream's
** bytes: in->pos never passes the end of the frame or skippable frame it is in (so a caller finds what follows).
** A call returns when in is consumed, when out is full, and also once a frame's header is accepted (model and
** memory limit checked), before the frame is decoded: llmz_dctx_stream_info then shows it (for progress displays).
** So call in a loop until in is consumed and out has room left.
** *hint (may be NULL): 0 when the input seen so far ends at a frame boundary, after at least one frame or skippable
** frame, and all output was written: the stream may end there.  Else a suggested input size for the next call
** (the rest of the frame being read, at most llmz_stream_in_size(); at least 1).
** The end of the input: call with an empty in until *hint is 0 or a call writes nothing to an out with room;
** then *hint != 0 means the stream was truncated (report LLMZ_ERR_TRUNCATED, "unexpected end of input").
** Errors: those of the frame functions: LLMZ_ERR_NOT_LLMZ where a frame should start (a first byte that is not a
** frame; later, trailing garbage), LLMZ_ERR_CORRUPT, _CHECKSUM, _VERSION, _UNSUPPORTED, _NOMEM.  Two are reported
** once the frame's header is in and before anything else of the frame is consumed, and leave the stream usable:
** LLMZ_ERR_MODEL_MISMATCH (look at the frame with llmz_dctx_stream_info, llmz_dctx_set_model, call again) and
** LLMZ_ERR_MEMLIMIT (llmz_dctx_frame_memory above LLMZ_P_MEMLIMIT; raise it or give up).  Any other error leaves
** the stream failed: every later call returns it until llmz_dctx_reset_stream. */
int llmz_decompress_stream(llmz_dctx *d, llmz_outbuf *out, llmz_inbuf *in, size_t *hint);
/* The frame being read, from the call that took its header in until its output is all written: LLMZ_OK; else
** (between frames, in a skippable frame) LLMZ_ERR_TRUNCATED. */
int llmz_dctx_stream_info(const llmz_dctx *d, llmz_frame_info *info);
/* The stream's statistics so far (any may be NULL): frames decoded, the sums of llmz_decompress_frame's statistics
** (in_bytes counts the frames only), skippable frames passed over. */
int llmz_dctx_stream_stats(const llmz_dctx *d, llmz_stats *stats, uint64_t *frames, uint64_t *skippable);
int llmz_dctx_reset_stream(llmz_dctx *d);
/* The model d decodes with from now on (the stream keeps its place; m must outlive its use, as at create). */
int llmz_dctx_set_model(llmz_dctx *d, const llmz_model *m);
size_t llmz_stream_in_size(void);  /* suggested input buffer size (both directions) */
size_t llmz_stream_out_size(void); /* suggested output buffer size (both directions) */
/* ---- random access (docs/format.md, "Random access: the index") --------------------------------- */
/* An archive read through a callback: the bytes [offset, offset + len) of the archive into buf.  It returns 0 when
** it gave exactly len bytes, else nonzero: an llmz_error value (1 .. LLMZ_ERROR_COUNT_ - 1) is passed on as the
** call's error, any other value becomes LLMZ_ERR_TRUNCATED (a caller keeps errno or its own cause in opaque).  The
** library never asks for bytes past archive_size. */
typedef int (*llmz_read_fn)(void *opaque, uint64_t offset, void *buf, size_t len);
typedef struct llmz_archive llmz_archive;
/* Chunk groups: frame flag bit 7 (llmz_frame_info.flags) puts a frame's chunks in groups of LLMZ_GROUP_CHUNKS that
** decode together; the unit random access decodes is then a group, else a chunk. */
#define LLMZ_FLAG_GROUP 0x80
#define LLMZ_GROUP_CHUNKS 16
/* Map the archive of archive_size bytes: where each frame starts in the archive and in the output.
** By its index when it has a valid one: the last 8 bytes are an index's trailer, the index passes
** llmz_index_read, and its frames fit before it; if they start after offset 0 (archives concatenated with cat),
** the part before them is mapped the same way (its own index, or scanning).  Otherwise by scanning the frame
** headers from offset 0: skippable frames are passed over, and zero bytes (padding) after the start; anything else
** between frames is LLMZ_ERR_NOT_LLMZ at offset 0, LLMZ_ERR_CORRUPT later, and a frame or skippable frame that
** runs past the end LLMZ_ERR_TRUNCATED.  An index is trusted for where frames are, never for what they hold: each
** frame read later is checked against it (its header's frame and original sizes), and at the first that disagrees
** the archive is mapped again by scanning (llmz_archive_used_index becomes 0) and the call goes on with that map.
** Reads only headers (and the index); holds 32 bytes per frame.  An empty archive is LLMZ_ERR_NOT_LLMZ.  One thread
** at a time uses an llmz_archive (the calls below may remap it); the callback is called from that thread only. */
int llmz_archive_open(llmz_archive **out, llmz_read_fn read, void *opaque, uint64_t archive_size);
uint64_t llmz_archive_orig_size(const llmz_archive *a); /* bytes the whole archive decodes to */
size_t llmz_archive_frames(const llmz_archive *a);       /* frames (skippable frames not counted) */
int llmz_archive_used_index(const llmz_archive *a);      /* 1: (the end of) the archive was mapped by an index */
/* Frame i (0 .. frames - 1; else LLMZ_ERR_PARAM): its header (read now, llmz_frame_get_info's fields), where it
** starts in the archive and in the output (each pointer may be NULL).  May remap (see llmz_archive_open). */
int llmz_archive_frame(llmz_archive *a, size_t i, llmz_frame_info *info, uint64_t *archive_offset,
                       uint64_t *orig_offset);
/* The frame whose output holds byte `offset` (empty frames hold none): LLMZ_ERR_PARAM when offset >= orig size. */
int llmz_archive_find(const llmz_archive *a, uint64_t offset, size_t *frame);
/* Decode the original bytes [offset, offset + len) into dst.  Only the frames that cover them are read, and in them
** only the header and the payloads of the chunks that cover them (with flag bit 7, of their whole chunk groups),
** which are decoded on d's threads and each checked against its CRC (a lossy frame's reconstruction hash only
** when the whole frame is decoded); memory grows with those chunks, not with the archive.
** *got = bytes written: len, or fewer when the range runs past the end of the output (as read(2) does); on an error,
** the bytes of the frames before the failing one.  offset > llmz_archive_orig_size is LLMZ_ERR_PARAM; offset equal
** to it gives *got = 0.  A frame of another model than d's: LLMZ_ERR_MODEL_MISMATCH (a caller with several models
** reads each frame's part with its own context: llmz_archive_find, llmz_archive_frame).  LLMZ_P_MEMLIMIT is checked
** per frame against what its part needs.  stats (may be NULL) sums what was decoded: chunks, raw_chunks, tokens,
** coded_bits, in_bytes (archive bytes read for the frames decoded: headers and payloads) and out_bytes (the bytes
** of the chunks decoded, len or more). */
int llmz_archive_read(llmz_archive *a, llmz_dctx *d, uint64_t offset, void *dst, size_t len, size_t *got,
                      llmz_stats *stats);
void llmz_archive_free(llmz_archive *a); /* accepts NULL */
/* ---- dictionaries for small messages (docs/dictionaries.md) --------------------------------------------- */
/* A dictionary is text both sides hold: every chunk of a *dictionary frame* is coded as if the dictionary's text
** came right before it (the model's context and the online models have seen it), so a short message costs what
** it would in the middle of a long file, and its frame names the dictionary (4 bytes of its fingerprint) instead
** of the model.  A dictionary file (docs/format.md, "Dictionary files") records the model it was made for. */
typedef struct llmz_dict llmz_dict;
#define LLMZ_DICT_MAX (1u << 20) /* the most text bytes a dictionary holds */
#define LLMZ_DICT_SIZE_DEFAULT (8u * 1024u) /* llmz_dict_train's budget when given 0 (docs/dictionaries.md) */
/* What a dictionary file says without a model: its fingerprint (SHA-256 of the file), the fingerprint of the model
** it is for, and its text's size (either pointer may be NULL).  LLMZ_ERR_DICT: not a valid dictionary file. */
int llmz_dict_info(const void *src, size_t size, uint8_t dict_fp[32], uint8_t model_fp[32], size_t *text_size);
/* Load a dictionary file for model m (copied; m must outlive it).  LLMZ_ERR_DICT: not a valid dictionary file
** (bad magic, version, sizes or CRC); LLMZ_ERR_MODEL_MISMATCH: made for another model. */
int llmz_dict_load(llmz_dict **out, const llmz_model *m, const void *src, size_t size);
void llmz_dict_free(llmz_dict *d); /* accepts NULL */
/* d's fingerprint (SHA-256 of its file). */
void llmz_dict_fingerprint(const llmz_dict *d, uint8_t fp[32]);
/* A dictionary file for model m holding `text` as it is (*out: free with llmz_free_buffer). */
int llmz_dict_make(void **out, size_t *out_size, const llmz_model *m, const void *text, size_t size);
/* A dictionary file for model m from n samples (sample i: sizes[i] bytes at samples[i]): the samples that cover
** the most frequent byte strings of all of them, within `budget` bytes of text (0: LLMZ_DICT_SIZE_DEFAULT); the most
** useful last.  Deterministic: the same samples, the same file. */
int llmz_dict_train(void **out, size_t *out_size, const llmz_model *m, const void *const *samples,
                    const size_t *sizes, size_t n, size_t budget);
/* The next frames c compresses are dictionary frames primed with d (format 4, lossless; d made for c's model, else
** LLMZ_ERR_MODEL_MISMATCH; d must outlive its use); NULL: ordinary frames again. */
int llmz_cctx_set_dict(llmz_cctx *c, const llmz_dict *d);
/* The dictionary d decodes dictionary frames with (ordinary frames ignore it); NULL: none.  A dictionary frame
** whose dictionary d does not have fails with LLMZ_ERR_DICT. */
int llmz_dctx_set_dict(llmz_dctx *dc, const llmz_dict *d);

#ifdef __cplusplus
}
#endif
#endif /* LLMZ_H */
