/* tokenizer.h -- byte-level BPE tokenizer built from a GGUF file's tokenizer.ggml.* metadata.
**
** Supported: tokenizer.ggml.model "gpt2" (byte-level BPE: tokens spelled with GPT-2's bytes_to_unicode
** map, tokenizer.ggml.merges "A B" in rank order) and "llama" (SentencePiece vocabulary: "<0xAB>" byte
** tokens, U+2581 read as a space; a pair merges when its bytes concatenate to a token's bytes, ranked by
** higher tokenizer.ggml.scores first, ties to the lower id).  Both use the pre-tokenizer and BPE loop of
** tools/train/llmztok.py (docs/model.md, "Tokenizer").  Encoding is lossless for every input: the
** concatenated bytes of the ids always equal the input.
** Control, unknown and unused tokens (token_type 2, 3, 5) are never produced by tok_encode. */
#ifndef LLMZ_TOKENIZER_H
#define LLMZ_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>

#include "model/gguf.h"

#define TOK_MAX_PIECE 64 /* the llmz pre-tokenizer's pieces are cut into parts of at most this many bytes */
#define TOK_MAX_PART 1024 /* those of llama.cpp's ways (tok_build_pre), at a UTF-8 character boundary */

typedef struct tok_vocab tok_vocab;

/* Build from tokenizer.ggml.model/tokens/token_type/merges/scores.  LLMZ_ERR_MODEL_UNSUPPORTED for an
** absent tokenizer, another tokenizer model, or a vocabulary lacking one of the 256 single bytes;
** LLMZ_ERR_MODEL_FORMAT for keys of the wrong type or length; LLMZ_ERR_NOMEM.  The vocab copies what it
** needs: the gguf context may be closed afterwards. */
int tok_build(tok_vocab **out, const gguf_ctx *g);

/* tok_build with the pre-tokenizer named pre instead of the file's tokenizer.ggml.pre (NULL: the file's).
** tokenizer.ggml.pre of a gpt2 vocabulary chooses one of llama.cpp's pre-tokenizers (pretok.h; a name it does not
** know: LLMZ_ERR_MODEL_UNSUPPORTED); "llmz" or no key: the llmz pre-tokenizer.  A llama vocabulary with the key
** (any name but "llmz") is encoded as llama.cpp encodes it (UTF-8 characters merged by score, byte fallback),
** without the key as before.  flags: TOK_LAX_BYTES (tests only) builds a vocabulary that lacks some single
** bytes; they encode to id -1, as llama.cpp drops them. */
#define TOK_LAX_BYTES 1
int tok_build_pre(tok_vocab **out, const gguf_ctx *g, const char *pre, int flags);

/* tok_build, and for LLMZ_ERR_MODEL_UNSUPPORTED what is not supported in why[0 .. cap) (NUL-terminated, else empty):
** "pre-tokenizer 'x'", "tokenizer 'bert'", "a vocabulary without a token for the byte 0xC0", ... */
int tok_build_why(tok_vocab **out, const gguf_ctx *g, char *why, size_t cap);

/* The pretok.h variant a gpt2 vocabulary uses (PT_LLMZ for llama vocabularies). */
int tok_pre(const tok_vocab *v);
void tok_free(tok_vocab *v); /* accepts NULL */
uint32_t tok_n_vocab(const tok_vocab *v);

/* Encode src[0..n) into ids; returns the count, or -1 if cap is too small (cap >= n always suffices).
** Thread-safe on a shared vocab (nothing inside is mutated); O(n) time, constant stack. */
long tok_encode(const tok_vocab *v, int32_t *ids, size_t cap, const uint8_t *src, size_t n);

/* Bytes of token `id` (*p points into the vocab); returns the length, 0 (and *p = NULL) for a bad id. */
size_t tok_bytes(const tok_vocab *v, int32_t id, const uint8_t **p);

#endif
