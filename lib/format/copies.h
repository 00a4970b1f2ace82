/*
** copies.h -- format version 8's long-range copies (docs/format.md, "Copies"): a frame whose output repeats long
** stretches of itself codes only the rest (its *literals*) in its chunks, and lists where each repeat goes.  The
** encoder finds the repeats (copies_find); the decoder checks the list against the frame's sizes (copies_check) and
** rebuilds the output from the literals (copies_expand).
**
** The list is a sequence of entries, each three varints: the literal bytes that come before the copy, the copy's
** distance back in the output (1 .. bytes written so far) and its length (1 ..); the literals left after the last
** entry end the output.  A copy may overlap its own output (distance < length): bytes are copied one at a time.
*/
#ifndef LLMZ_COPIES_H
#define LLMZ_COPIES_H
#include <stddef.h>
#include <stdint.h>

#define COPIES_MIN 2048/* the encoder's shortest copy: shorter repeats are left to the models, which code them well */

/* The long repeats of src[0 .. n): the list's bytes (*list, *list_len; the caller frees *list with llmz_free) and
** the literals (into lit, n bytes of room; *lit_n of them).  Returns the bytes the copies cover (0: none, *list
** NULL), or -1 when memory runs out.  A function of the input alone. */
int64_t copies_find(const uint8_t *src, size_t n, uint8_t **list, size_t *list_len, uint8_t *lit, size_t *lit_n);

/* LLMZ_OK when list (len bytes) is a well-formed list that turns lit_size literal bytes into exactly out_size
** bytes, LLMZ_ERR_CORRUPT otherwise. */
int copies_check(const uint8_t *list, size_t len, uint64_t lit_size, uint64_t out_size);

/* The output, in place: dst holds out_size bytes of room with the lit_size literals at its end (dst + out_size -
** lit_size); the list checked by copies_check. */
void copies_expand(uint8_t *dst, uint64_t out_size, uint64_t lit_size, const uint8_t *list, size_t len);

#endif
