/*
** cert.h -- the certificate of a lossy frame (mode 1): its bytes in the header (docs/format.md, "Lossy frames").
*/
#ifndef LLMZ_CERT_H
#define LLMZ_CERT_H
#include <stddef.h>
#include <stdint.h>

#include "llmz.h"

#define CERT_VERSION 1     /* levels 1 and 3, and level 2 before deletions */
#define CERT_VERSION_MAX 3 /* level 2 with deletions (2), and paragraphs filled again (3): the same layout */
#define CERT_MAX 255 /* bytes a certificate may take (its length is one byte) */

/* The bytes of c into out (at most CERT_MAX); returns their count. */
size_t cert_encode(const llmz_certificate *c, uint8_t out[CERT_MAX]);
/* Parse and validate n bytes: LLMZ_ERR_UNSUPPORTED for a certificate version other than 1 to 3 or a reserved flag bit,
** LLMZ_ERR_CORRUPT for a level outside 1..3, a strength above 100, a bad varint, a value past 32 bits where the
** field has 32, or bytes left over. */
int cert_decode(llmz_certificate *c, const uint8_t *p, size_t n);

#endif
