/* pretok.h -- llama.cpp's pre-tokenizers for byte-level BPE vocabularies, chosen by tokenizer.ggml.pre.
**
** Each variant is written by hand (no regex engine) after llama.cpp's regexes (src/llama-vocab.cpp,
** src/unicode.cpp of node-llama-cpp 3.21.1's llama.cpp): a variant is a list of passes, each cutting every
** piece of the previous pass further (a pass's matches and the gaps between them both become pieces), as
** llama.cpp's unicode_regex_split does.  Code points are decoded as llama.cpp decodes them (a byte that does
** not start a sequence it accepts stands for U+FFFD, a symbol, but stays the byte it is); their categories come
** from unicode_data.h (tools/gen_unicode.py).  The "llmz" pre-tokenizer is not here: tokenizer.c keeps it. */
#ifndef LLMZ_PRETOK_H
#define LLMZ_PRETOK_H
#include <stddef.h>
#include <stdint.h>

/* Category classes (unicode_data.h); PT_NONE: past the end of the piece being cut. */
enum { PT_UNDEF, PT_NUMBER, PT_LETTER, PT_SEPARATOR, PT_MARK, PT_PUNCT, PT_SYMBOL, PT_CONTROL, PT_NONE };

/* Variants (tokenizer.ggml.pre names in pt_lookup). */
enum {
    PT_LLMZ,           /* the llmz pre-tokenizer (tokenizer.c), also for a file without the key */
    PT_GPT2,           /* gpt-2 and the names llama.cpp reads as it */
    PT_DEFAULT,        /* "default" */
    PT_LLAMA3,         /* llama-bpe, llama3: ignores merges for whole-word tokens */
    PT_DBRX,           /* dbrx, smaug-bpe: llama3's regex, merges kept */
    PT_QWEN2,          /* qwen2, deepseek-r1-qwen, stablelm2 */
    PT_STARCODER,      /* starcoder, smollm, refact, command-r, codeshell, exaone */
    PT_FALCON,         /* falcon */
    PT_DEEPSEEK_CODER, /* deepseek-coder */
    PT_COUNT
};

#define PT_MAX_PASS 5

/* Variant for a tokenizer.ggml.pre value; -1 when not supported. */
int pt_lookup(const char *name, size_t len);

/* Whole-word lookup before merges (llama.cpp's ignore_merges). */
int pt_ignore_merges(int pre);

/* Category class and whitespace flag of a code point. */
int pt_class(uint32_t cp);
int pt_space(uint32_t cp);

/* Iterator over the pieces of s[0..n): pt_next gives each piece's start and length in order, covering the
** input; returns 0 at the end.  No allocation; the iterator holds a few words per pass. */
typedef struct {
    int pre, npass;
    const uint8_t *s;
    size_t n;
    size_t lo[PT_MAX_PASS], hi[PT_MAX_PASS];     /* the parent piece each pass is cutting */
    size_t cur[PT_MAX_PASS];                     /* next byte of it not yet given out */
    size_t mpos[PT_MAX_PASS], mlen[PT_MAX_PASS]; /* the next match found (mpos SIZE_MAX: not searched) */
} pt_iter;

void pt_init(pt_iter *it, int pre, const uint8_t *s, size_t n);
int pt_next(pt_iter *it, size_t *start, size_t *len);

#endif
