/* test_golden.c -- frames that must decode forever (tests/golden/README.md, docs/format.md "Format stability").
**
** Every golden archive was written once by llmz 0.1.0 (format 1, numerics 1; the *.v2.llmz ones format 2, the
** *.v3.llmz ones format 3, the *.v4*.llmz ones format 4) with tests/data/tiny.gguf and is never regenerated.
** For each kernel set (ref, auto) and thread count (1, 2) this test
**   - decodes every golden archive frame by frame with the library API and compares with the original bytes;
**   - compresses every original again with the same settings and compares with the golden archive byte for
**     byte (the encoder is deterministic too; see docs/format.md on intentional encoder changes);
**   - decodes every golden error frame and checks its exact error code.
** Runs from the repository root (LLMZ_GOLDEN overrides the folder). */
#include <stdint.h>

#include "llmz.h"
#include "t.h"

/* SHA-256 of tests/data/tiny.gguf: the model every golden archive names.  If this fails, tiny.gguf was
** changed -- it must not be: restore it (the archives below depend on its exact bytes). */
static const char TINY_FP[] = "7f6abe66c917813332d177104ff5eb3ec5efd40f56d1bb7d5dfb0a9d543c4725";

typedef struct {
    const char *orig, *arch;
    unsigned chunk;        /* --chunk-size used (0: the default: 64 KiB before format 4, then automatic) */
    int nparts;            /* frames in the archive; each part of the original was compressed on its own */
    size_t parts[2];       /* original bytes per frame when nparts > 1 */
    unsigned chunks, raw;  /* chunks (all frames) and how many of them are stored raw */
    int reencode;          /* 1: compressing the original again must give the golden bytes.  Set to 0 only
                           ** for an intentional encoder change (docs/format.md, "Format stability"); the
                           ** archive then stays here, decode-only, and a new golden entry is added. */
    int adapt, eol;        /* LLMZ_P_ADAPT and LLMZ_P_EOL the archive was made with (0, 0: before both) */
    int adapter;           /* 1: made with tests/data/tiny-lora.gguf applied to the tiny model (flag bit 3) */
    int format;            /* the format version written (LLMZ_P_FORMAT) */
    int mode;              /* 1: a lossy frame (its reconstruction is `orig`) */
    int numerics;          /* the numerics version written (LLMZ_P_NUMERICS); 0: 1, as before numerics 2 */
} golden;
#define NUM(g) ((g)->numerics ? (g)->numerics : 1)

/* every online model before chunk groups (flag bits 0, 2, 4, 5, 6) */
#define SSE_ALL (LLMZ_ADAPT_MATCH | LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_LINE | LLMZ_ADAPT_FIELD | LLMZ_ADAPT_SSE)

static const golden GOLD[] = {
    {"empty.bin", "empty.bin.llmz", 0, 1, {0, 0}, 0, 0, 1, 0, 0, 0, 1, 0, 1},
    {"one.bin", "one.bin.llmz", 0, 1, {0, 0}, 1, 1, 1, 0, 0, 0, 1, 0, 1},
    {"english.txt", "english.txt.llmz", 0, 1, {0, 0}, 1, 0, 1, 0, 0, 0, 1, 0, 1},
    {"binary.bin", "binary.bin.llmz", 0, 1, {0, 0}, 1, 0, 1, 0, 0, 0, 1, 0, 1},
    {"source10k.txt", "source10k.txt.llmz", 4096, 1, {0, 0}, 3, 0, 1, 0, 0, 0, 1, 0, 1},
    {"mixed.bin", "mixed.bin.llmz", 4096, 1, {0, 0}, 2, 1, 1, 0, 0, 0, 1, 0, 1},
    {"random.bin", "random.bin.llmz", 0, 1, {0, 0}, 1, 1, 1, 0, 0, 0, 1, 0, 1},
    {"two_frames.txt", "two_frames.llmz", 0, 2, {175, 165}, 2, 0, 1, 0, 0, 0, 1, 0, 1},
    /* adaptation: cache + match (flag bit 0), and bits 0, 1, 2 (the default from n-grams to the line model) */
    {"english.txt", "english.match.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_MATCH, 1, 0, 1, 0, 1},
    {"english.txt", "english.all.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_MATCH | LLMZ_ADAPT_NGRAM, 1, 0, 1, 0, 1},
    {"source10k.txt",
     "source10k.all.llmz",
     4096,
     1,
     {0, 0},
     3,
     0,
     1,
     LLMZ_ADAPT_MATCH | LLMZ_ADAPT_NGRAM,
     1,
     0,
     1,
     0,
     1},
    /* the line model (flag bit 4) over 3 chunks of source: flags 0x17 */
    {"source10k.txt",
     "source10k.line.llmz",
     4096,
     1,
     {0, 0},
     3,
     0,
     1,
     LLMZ_ADAPT_MATCH | LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_LINE,
     1,
     0,
     1,
     0,
     1},
    /* the field model (flag bit 5): flags 0x37; and everything, the secondary estimation (bit 6) too: 0x77 */
    {"source10k.txt",
     "source10k.field.llmz",
     4096,
     1,
     {0, 0},
     3,
     0,
     1,
     LLMZ_ADAPT_MATCH | LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_LINE | LLMZ_ADAPT_FIELD,
     1,
     0,
     1,
     0,
     1},
    {"source10k.txt", "source10k.sse.llmz", 4096, 1, {0, 0}, 3, 0, 1, SSE_ALL, 1, 0, 1, 0, 1},
    {"english.txt", "english.sse.llmz", 0, 1, {0, 0}, 1, 0, 1, SSE_ALL, 1, 0, 1, 0, 1},
    /* chunk groups (flag bit 7): 3 chunks in one group (0xf7); 17 chunks, groups of 16 and 1 */
    {"source10k.txt", "source10k.group.llmz", 4096, 1, {0, 0}, 3, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 1, 0, 1},
    {"groups.txt", "groups.txt.llmz", 4096, 1, {0, 0}, 17, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 1, 0, 1},
    /* a LoRA adapter on the tiny model: flags 0x0f, the adapter extension after the header CRC */
    {"english.txt", "english.adapter.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_MATCH | LLMZ_ADAPT_NGRAM, 1, 1, 1, 0, 1},
    /* format version 2 (2026-11-28): the word model, APM 4, the version's rates; one chunk (0x77), a group of
    ** 3 (0xf7) and groups of 16 and 1 */
    {"english.txt", "english.v2.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 2, 0, 1},
    {"source10k.txt", "source10k.v2.llmz", 4096, 1, {0, 0}, 3, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 2, 0, 1},
    {"groups.txt", "groups.v2.llmz", 4096, 1, {0, 0}, 17, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 2, 0, 1},
    /* format version 3 (2026-11-28): each chunk's output bias; in a group, each chunk's own match model too */
    {"english.txt", "english.v3.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 3, 0, 1},
    {"source10k.txt", "source10k.v3.llmz", 4096, 1, {0, 0}, 3, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 3, 0, 1},
    {"groups.txt", "groups.v3.llmz", 4096, 1, {0, 0}, 17, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 3, 0, 1},
    /* format version 4 (2026-12-06): the compact header (varint sizes, the model's default window, the adapter
    ** inside the header, no table CRC without chunks); chunks coded as in version 3 */
    {"empty.bin", "empty.v4.llmz", 0, 1, {0, 0}, 0, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    {"one.bin", "one.v4.llmz", 0, 1, {0, 0}, 1, 1, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    {"english.txt", "english.v4.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    {"source10k.txt", "source10k.v4.llmz", 4096, 1, {0, 0}, 3, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    {"english.txt", "english.adapter.v4.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 1, 4, 0, 1},
    /* made by hand from english.v4.llmz (README): an 8-byte fingerprint and no name, the form the frames of a built-in
    ** model take, and window 64, keep 16 written out; no encoder writes it for a model loaded from a file, so it is
    ** decoded only */
    {"english.txt", "english.v4-compact.llmz", 0, 1, {0, 0}, 1, 0, 0, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    /* format version 4's chunk methods 3 (the byte models alone) and 4 (the LM's tokens mixed with them): binary
    ** records, 64 KiB of zeros and a log (method 3), text beside a raw chunk, 17 chunks in groups (method 4 among
    ** method 1); english.v4, source10k.v4 and the adapter's are method 4 too (GMETHOD below) */
    {"binary.bin", "binary.v4.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    {"zeros.bin", "zeros.v4.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    {"log.txt", "log.v4.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    /* (its group fell back to chunks coded alone: the raw chunk came out larger than stored) */
    {"mixed.bin", "mixed.v4.llmz", 4096, 1, {0, 0}, 2, 1, 1, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, 1, 0, 4, 0, 1},
    {"groups.txt", "groups.v4.llmz", 4096, 1, {0, 0}, 17, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 1},
    /* lossy frames (mode 1, 2026-12-06): they decode to the reconstruction (*.out); re-encoded by lossy_goldens */
    {"messy.lossy1.out", "messy.lossy1.v4.llmz", 0, 1, {0, 0}, 1, 0, 0, LLMZ_ADAPT_ALL, 1, 0, 4, 1, 1},
    {"english.lossy2.out", "english.lossy2.v4.llmz", 0, 1, {0, 0}, 1, 0, 0, LLMZ_ADAPT_ALL, 1, 0, 4, 1, 1},
    /* level 2 with deletions (certificate version 2, 2026-12-06) */
    {"english.lossy2d.out", "english.lossy2d.v4.llmz", 0, 1, {0, 0}, 1, 0, 0, LLMZ_ADAPT_ALL, 1, 0, 4, 1, 1},
    {"english.lossy3.out", "english.lossy3.v4.llmz", 0, 1, {0, 0}, 1, 0, 0, LLMZ_ADAPT_ALL, 1, 0, 4, 1, 1},
    /* level 2 with paragraphs filled again after the deletions (certificate version 3, 2026-12-06), numerics 2 */
    {"english.lossy2w.out", "english.lossy2w.v4.llmz", 0, 1, {0, 0}, 1, 0, 0, LLMZ_ADAPT_ALL, 1, 0, 4, 1, 2},
    /* numerics version 2 (2026-12-06): the attention cache in int8 blocks; one chunk, and 17 chunks in groups of 16 and 1 */
    {"english.txt", "english.n2.v4.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 2},
    {"groups.txt", "groups.n2.v4.llmz", 4096, 1, {0, 0}, 17, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 4, 0, 2},
    /* format version 5 (2026-12-06): version 4's layout, methods 3 and 4 with the byte models' version 2 (lib/cm/cm.h);
    ** numerics 2 */
    {"binary.bin", "binary.v5.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 5, 0, 2},
    {"zeros.bin", "zeros.v5.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 5, 0, 2},
    {"log.txt", "log.v5.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 5, 0, 2},
    {"mixed.bin", "mixed.v5.llmz", 4096, 1, {0, 0}, 2, 1, 1, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, 1, 0, 5, 0, 2},
    {"groups.txt", "groups.v5.llmz", 4096, 1, {0, 0}, 17, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 5, 0, 2},
    {"english.txt", "english.v5.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 5, 0, 2},
    /* binary bytes without spaces, tabs or line ends: the field hash's 64-byte cap (version 2) changes its bytes */
    {"longfield.bin", "longfield.v5.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 5, 0, 2},
    /* format version 6 (2026-12-06): version 4's layout, method 3 with the byte models' version 3 (lib/cm/cm.h: the
    ** field contexts across lines, the indirect contexts); method 4 as in format 4; numerics 2 */
    {"binary.bin", "binary.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    {"zeros.bin", "zeros.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    {"log.txt", "log.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    {"longfield.bin", "longfield.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    {"mixed.bin", "mixed.v6.llmz", 4096, 1, {0, 0}, 2, 1, 1, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, 1, 0, 6, 0, 2},
    {"english.txt", "english.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    /* code-like bytes with near calls (the script in README.md): method 5, the byte models after the x86 call filter */
    {"x86.bin", "x86.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    /* 70,000 bytes of a made-up package log: one method-3 chunk of version 3's 2^20 buckets (2^19 before) */
    {"log70k.txt", "log70k.v6.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 6, 0, 2},
    /* format version 7 (2026-12-07): methods 3 and 5 with the byte models' version 4 -- method 3 as version 3 codes it
    ** (binary, log: the same payloads as format 6), method 5 with the x86 contexts (x86; x86ops: every opcode of the
    ** one-byte and 0F maps, bare and after 66, REX.W, 67, and some of 0F 38, 0F 3A, VEX and EVEX, so that each entry
    ** of the parser's tables is pinned) */
    {"binary.bin", "binary.v7.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 7, 0, 2},
    {"log.txt", "log.v7.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 7, 0, 2},
    {"x86.bin", "x86.v7.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 7, 0, 2},
    {"x86ops.bin", "x86ops.v7.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 7, 0, 2},
    /* format version 8 (2026-12-07): long repeats as copies (docs/format.md, "Copies") -- groups.txt's five repeats of
    ** source10k.txt and its last 3,000 bytes are copies, the 4 chunks of 4 KiB its literals (format 7: 17 chunks,
    ** 5,112 bytes); repeat.bin, a random 3,000-byte block 20 times, is one raw chunk and one overlapping copy */
    {"groups.txt", "groups.v8.llmz", 4096, 1, {0, 0}, 4, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 8, 0, 2},
    {"repeat.bin", "repeat.v8.llmz", 0, 1, {0, 0}, 1, 1, 1, LLMZ_ADAPT_ALL, 1, 0, 8, 0, 2},
    /* format version 9 (2026-12-07): method 4 with the byte models' version 5 (six hashed contexts, one first-layer
    ** mixer): english (one chunk), mixed (as mixed.v6), groups (as groups.v8: copies, four mixed chunks) */
    {"english.txt", "english.v9.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 9, 0, 2},
    {"mixed.bin", "mixed.v9.llmz", 4096, 1, {0, 0}, 2, 1, 1, LLMZ_ADAPT_ALL & ~LLMZ_ADAPT_GROUP, 1, 0, 9, 0, 2},
    {"groups.txt", "groups.v9.llmz", 4096, 1, {0, 0}, 4, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 9, 0, 2},
    /* numerics version 3 (2026-12-07): float activations in every matrix product, the float cache; as english.v9 and
    ** groups.v9 otherwise */
    {"english.txt", "english.n3.v9.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 9, 0, 3},
    {"groups.txt", "groups.n3.v9.llmz", 4096, 1, {0, 0}, 4, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 9, 0, 3},
    /* format version 10 (2026-12-07): methods 3 and 5 with the byte models' version 6; image: a bitmap of 64-byte
    ** rows, one chunk of method 3 whose bits are predicted from the rows above (format 9: 710 bytes) */
    {"image.bin", "image.v10.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 10, 0, 2},
    /* format version 11 (2026-12-08): methods 3 and 5 with the byte models' version 7; elf: an ELF64 file's header,
    ** code (x86.bin) and text, one chunk of method 5 whose code and rest two models code (format 10: 6,795 bytes);
    ** x86: method 5 without an ELF header; log: method 3 */
    {"elf.bin", "elf.v11.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 11, 0, 2},
    {"x86.bin", "x86.v11.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 11, 0, 2},
    {"log.txt", "log.v11.llmz", 0, 1, {0, 0}, 1, 0, 1, LLMZ_ADAPT_ALL, 1, 0, 11, 0, 2},
};

/* The lossy archives: made by `llmz --model tests/data/tiny.gguf --lossy=LEVEL` from an original (tests/golden/
** README.md).  Their certificates must be what measuring original and reconstruction gives (the measurements'
** definitions are part of the format), and the encoder must write them again -- except `english.lossy2`, made by
** level 2 before it deleted optional material (certificate version 1): the rewriting is the encoder's choice, so
** today's writes another reconstruction (`english.lossy2d`, certificate version 2, and since level 2 fills
** hard-wrapped paragraphs again, `english.lossy2w`, version 3), and the old archives are only decoded and
** re-measured. */
static const struct {
    const char *orig, *recon, *arch;
    int level, reencode, version, numerics;
} GLOSSY[] = {{"messy.txt", "messy.lossy1.out", "messy.lossy1.v4.llmz", 1, 1, 1, 1},
              {"english.txt", "english.lossy2.out", "english.lossy2.v4.llmz", 2, 0, 1, 1},
              {"english.txt", "english.lossy2d.out", "english.lossy2d.v4.llmz", 2, 0, LLMZ_LOSSY_REWRITE_2, 1},
              {"english.txt", "english.lossy2w.out", "english.lossy2w.v4.llmz", 2, 1, LLMZ_LOSSY_REWRITE_3, 2},
              {"english.txt", "english.lossy3.out", "english.lossy3.v4.llmz", 3, 1, 1, 1}};

/* The chunk methods of format version 4's archives and later: chunks coded by the byte models (method 3, and 5 in
** the x86 ones: x86) and mixed (method 4), so that every golden method stays covered. */
static const struct {
    const char *arch;
    unsigned bytes, mixed, x86;
} GMETHOD[] = {{"binary.v4.llmz", 1, 0, 0},    {"zeros.v4.llmz", 1, 0, 0},          {"log.v4.llmz", 1, 0, 0},
               {"mixed.v4.llmz", 0, 1, 0},     {"groups.v4.llmz", 0, 5, 0},         {"english.v4.llmz", 0, 1, 0},
               {"binary.v5.llmz", 1, 0, 0},    {"zeros.v5.llmz", 1, 0, 0},          {"log.v5.llmz", 1, 0, 0},
               {"mixed.v5.llmz", 0, 1, 0},     {"groups.v5.llmz", 0, 5, 0},         {"english.v5.llmz", 0, 1, 0},
               {"longfield.v5.llmz", 1, 0, 0}, {"source10k.v4.llmz", 0, 3, 0},     {"english.adapter.v4.llmz", 0, 1, 0},
               {"binary.v6.llmz", 1, 0, 0},    {"zeros.v6.llmz", 1, 0, 0},          {"log.v6.llmz", 1, 0, 0},
               {"longfield.v6.llmz", 1, 0, 0}, {"mixed.v6.llmz", 0, 1, 0},          {"english.v6.llmz", 0, 1, 0},
               {"x86.v6.llmz", 1, 0, 1},       {"log70k.v6.llmz", 1, 0, 0},         {"binary.v7.llmz", 1, 0, 0},
               {"log.v7.llmz", 1, 0, 0},       {"x86.v7.llmz", 1, 0, 1},         {"x86ops.v7.llmz", 1, 0, 1},
               {"groups.v8.llmz", 0, 4, 0},    {"english.v9.llmz", 0, 1, 0},        {"mixed.v9.llmz", 0, 1, 0},
               {"groups.v9.llmz", 0, 4, 0},    {"image.v10.llmz", 1, 0, 0},         {"elf.v11.llmz", 1, 0, 1},
               {"x86.v11.llmz", 1, 0, 1},   {"log.v11.llmz", 1, 0, 0}};

/* SHA-256 of tests/data/tiny-lora.gguf (mktiny --lora tests/data/tiny.gguf --name tiny-lora --alpha 64): the
** adapter english.adapter.llmz names.  Never regenerate it either. */
static const char TINY_LORA_FP[] = "1c51e8bb0c645c9b5a5f569487174244ce873ae89204f5401e7db5d67e51e17f";

typedef struct {
    const char *arch;
    int err;        /* the error decoding must give */
    int frames_ok;  /* frames that decode before it */
} golden_err;

static const golden_err GERR[] = {
    {"err_bad_magic.llmz", LLMZ_ERR_NOT_LLMZ, 0},
    /* written with version 1's layout and byte 4 = 4: since format version 4 its header is read with version 4's
    ** layout, where the CRC is elsewhere */
    {"err_version4.llmz", LLMZ_ERR_CHECKSUM, 0},
    {"err_version5.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 5 */
    {"err_version6.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 6 */
    {"err_version7.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 7 */
    {"err_version8.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 8 */
    {"err_version9.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 9 */
    {"err_version10.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 10 */
    {"err_version11.llmz", LLMZ_ERR_CHECKSUM, 0}, /* the same since format version 11 */
    {"err_version12.llmz", LLMZ_ERR_VERSION, 0},
    /* format 8's list of copies: its CRC damaged; a distance past the bytes written, under a good CRC */
    {"err_copies_crc.llmz", LLMZ_ERR_CHECKSUM, 0},
    {"err_copies_list.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_flag_bit.llmz", LLMZ_ERR_CORRUPT, 0}, /* bit 7 was reserved; now chunk groups, which need bit 2 */
    {"err_mode1.llmz", LLMZ_ERR_UNSUPPORTED, 0},
    /* numerics 2 exists since 2026-12-06: this format-1 frame is then evaluated with it, and its chunk's range
    ** coding runs off the end of the payload */
    {"err_numerics2.llmz", LLMZ_ERR_CORRUPT, 0},
    /* numerics 3 exists since 2026-12-07: the same (float activations, the float cache, other numbers) */
    {"err_numerics3.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_numerics4.llmz", LLMZ_ERR_VERSION, 0},
    {"err_header_crc.llmz", LLMZ_ERR_CHECKSUM, 0},
    {"err_table_crc.llmz", LLMZ_ERR_CHECKSUM, 0},
    {"err_chunk_crc.llmz", LLMZ_ERR_CHECKSUM, 0},
    {"err_raw_payload.llmz", LLMZ_ERR_CHECKSUM, 0},
    {"err_model_payload.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_method2.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_chunk_count.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_keep.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_window.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_model_fp.llmz", LLMZ_ERR_MODEL_MISMATCH, 0},
    {"err_line_flag.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_field_flag.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_sse_flag.llmz", LLMZ_ERR_CORRUPT, 0},
    {"err_truncated.llmz", LLMZ_ERR_TRUNCATED, 0},
    {"err_truncated_header.llmz", LLMZ_ERR_TRUNCATED, 0},
    {"err_trailing.llmz", LLMZ_ERR_NOT_LLMZ, 1},
};

static llmz_model *M, *MA; /* the tiny model, and with tiny-lora applied */
static unsigned char *LORA;

static const char *golden_dir(void) {
    const char *d = getenv("LLMZ_GOLDEN");
    return d ? d : "tests/golden";
}

static unsigned char *load(const char *name, size_t *n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", golden_dir(), name);
    unsigned char *b = t_read_file(path, n);
    if (!b) fprintf(stderr, "missing %s\n", path);
    return b;
}

/*
** Decode a stream of frames the way a decoder must: header size, frame info, then exactly frame_size bytes to
** llmz_decompress_frame; the next frame starts right after.  Returns the first error (LLMZ_OK at a clean end).
** *out receives the concatenated output; *frames the frames decoded; *chunks and *raw their chunk counts.
*/
static int decode_stream(const llmz_model *m, const unsigned char *src, size_t n, int kernels, int threads, int flags,
                         int format, int numerics, unsigned char **out, size_t *out_n, int *frames, unsigned *chunks, unsigned *raw) {
    llmz_dctx *d = llmz_dctx_create(m);
    int rc = d ? LLMZ_OK : LLMZ_ERR_NOMEM;
    if (rc == LLMZ_OK) rc = llmz_dctx_set(d, LLMZ_P_KERNELS, kernels);
    if (rc == LLMZ_OK) rc = llmz_dctx_set(d, LLMZ_P_THREADS, threads);
    size_t off = 0, cap = 1;
    *out = malloc(cap);
    *out_n = 0;
    *frames = 0;
    *chunks = *raw = 0;
    while (rc == LLMZ_OK) {
        size_t need = 0, avail = n - off;
        rc = llmz_frame_header_size(src + off, avail, &need);
        if (rc) break;
        llmz_frame_info fi;
        rc = llmz_frame_get_info(&fi, src + off, avail);
        if (rc) break;
        CHECK_EQ(fi.header_size, need);
        CHECK_EQ(fi.format_version, format);
        if (numerics) CHECK_EQ(fi.numerics_version, numerics); /* 0: an error frame, any */
        CHECK_EQ(fi.mode, flags >> 8); /* flags: the frame's flags, and its mode above them */
        CHECK_EQ(fi.flags, flags & 0xff);
        CHECK_EQ(fi.has_adapter, (flags & 8) != 0);
        CHECK(fi.frame_size >= fi.header_size);
        size_t fsize = fi.frame_size < avail ? (size_t)fi.frame_size : avail; /* short: the library says so */
        if (*out_n + fi.orig_size + 1 > cap) {
            cap = *out_n + (size_t)fi.orig_size + 1;
            *out = realloc(*out, cap);
        }
        size_t dn = 0;
        rc = llmz_decompress_frame(d, *out + *out_n, (size_t)fi.orig_size, &dn, src + off, fsize, NULL);
        if (rc) break;
        CHECK_EQ(dn, fi.orig_size);
        *out_n += dn;
        *chunks += fi.n_chunks;
        *raw += fi.raw_chunks;
        (*frames)++;
        off += fsize;
        if (off == n) break;
    }
    llmz_dctx_free(d);
    return rc;
}

/* Compress the parts of `orig` as the golden archive was made; returns the concatenated frames. */
static unsigned char *encode_parts(const golden *g, const unsigned char *orig, size_t n, int kernels, int threads,
                                   size_t *out_n) {
    llmz_cctx *c = llmz_cctx_create(g->adapter ? MA : M);
    CHECK(c != NULL);
    if (!c) return NULL;
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_KERNELS, kernels), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, threads), LLMZ_OK);
    /* the first golden archives were written before adaptation existed: they pin the plain-LM coding path */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, g->adapt), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_EOL, g->eol), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, g->format), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, NUM(g)), LLMZ_OK);
    /* the default: 64 KiB for the archives before format 4, the automatic size (binary inputs 4 MiB) since */
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, g->chunk ? g->chunk : g->format >= 4 ? 0 : 65536), LLMZ_OK);
    size_t cap = 0, pos = 0, at = 0;
    for (int p = 0; p < g->nparts; p++) cap += llmz_frame_bound(g->nparts > 1 ? g->parts[p] : n);
    unsigned char *dst = malloc(cap ? cap : 1);
    for (int p = 0; p < g->nparts; p++) {
        size_t len = g->nparts > 1 ? g->parts[p] : n, fn = 0;
        if (at + len > n) {
            CHECK(!"golden part sizes exceed the original");
            break;
        }
        int rc = llmz_compress_frame(c, dst + pos, cap - pos, &fn, orig + at, len, NULL);
        CHECK_EQ(rc, LLMZ_OK);
        pos += fn;
        at += len;
    }
    CHECK_EQ(at, n);
    llmz_cctx_free(c);
    *out_n = pos;
    return dst;
}

/* quick (t.h): the largest original the reference kernels decode (run_config) */
enum { QUICK_REF_MAX = 16384 };

static void run_config(int kernels, int threads) {
    const char *kn = kernels == LLMZ_KERNELS_REF ? "ref" : "auto";
    for (size_t i = 0; i < sizeof GOLD / sizeof GOLD[0]; i++) {
        const golden *g = &GOLD[i];
        size_t on = 0, an = 0;
        unsigned char *orig = load(g->orig, &on), *arch = load(g->arch, &an);
        CHECK(orig != NULL && arch != NULL);
        if (!orig || !arch) {
            free(orig);
            free(arch);
            continue;
        }
        /* quick (the sanitizer build, where the reference kernels code a few KB a second): the reference kernels on 1
        ** thread decode the archives of up to QUICK_REF_MAX original bytes (every format version and flag set among
        ** them), not the larger ones (groups.txt's 17 chunks); the fastest set on 2 threads decodes every archive */
        if (t_quick() && kernels == LLMZ_KERNELS_REF && on > QUICK_REF_MAX) {
            free(orig);
            free(arch);
            continue;
        }
        /* decode */
        unsigned char *dec;
        size_t dn;
        int frames;
        unsigned chunks, raw;
        int fl = ((g->adapt & LLMZ_ADAPT_MATCH) ? 1 : 0) | (g->eol ? 2 : 0) | ((g->adapt & LLMZ_ADAPT_NGRAM) ? 4 : 0) |
                 (g->adapter ? 8 : 0) | ((g->adapt & LLMZ_ADAPT_LINE) ? 16 : 0) |
                 ((g->adapt & LLMZ_ADAPT_FIELD) ? 32 : 0) | ((g->adapt & LLMZ_ADAPT_SSE) ? 64 : 0) |
                 ((g->adapt & LLMZ_ADAPT_GROUP) && g->chunks > 1 ? 128 : 0);
        int rc = decode_stream(g->adapter ? MA : M, arch, an, kernels, threads, fl | g->mode << 8, g->format, NUM(g), &dec, &dn, &frames, &chunks,
                               &raw);
        CHECK_EQ(rc, LLMZ_OK);
        CHECK_EQ(frames, g->nparts);
        CHECK_EQ(chunks, g->chunks);
        CHECK_EQ(raw, g->raw);
        int same = rc == LLMZ_OK && dn == on && (on == 0 || memcmp(dec, orig, on) == 0);
        if (!same) fprintf(stderr, "golden decode differs: %s (kernels %s, %d threads)\n", g->arch, kn, threads);
        CHECK(same);
        free(dec);
        /* re-encode */
        /* quick: re-encoded on one configuration, the fastest set on 2 threads (the encoder's bytes depend on neither:
        ** test_roundtrip checks it, and codes with the reference kernels) */
        if (!g->reencode || (t_quick() && kernels == LLMZ_KERNELS_REF)) {
            free(orig);
            free(arch);
            continue;
        }
        size_t en = 0;
        unsigned char *enc = encode_parts(g, orig, on, kernels, threads, &en);
        same = enc && en == an && memcmp(enc, arch, an) == 0;
        if (!same)
            fprintf(stderr, "golden encode differs: %s (%zu vs %zu bytes; kernels %s, %d threads)\n", g->arch, en,
                    an, kn, threads);
        CHECK(same);
        free(enc);
        free(orig);
        free(arch);
    }
    for (size_t i = 0; i < sizeof GMETHOD / sizeof GMETHOD[0]; i++) {
        size_t an = 0;
        unsigned char *arch = load(GMETHOD[i].arch, &an);
        llmz_frame_info fi;
        CHECK(arch != NULL && llmz_frame_get_info(&fi, arch, an) == LLMZ_OK);
        if (arch)
            CHECK(fi.bytes_chunks == GMETHOD[i].bytes && fi.mixed_chunks == GMETHOD[i].mixed &&
                  fi.has_x86 == GMETHOD[i].x86);
        free(arch);
    }
    /* err_version2.llmz and err_version3.llmz were written as error frames (the first frame of two_frames.llmz
    ** with a format version that did not exist yet, header CRC fixed).  Since their versions exist they are
    ** valid frames without online models, whose coding no version changed: each decodes to the first 175
    ** bytes of two_frames.txt */
    for (int v = 2; v <= 3; v++) {
        char name[32];
        snprintf(name, sizeof name, "err_version%d.llmz", v);
        size_t an = 0, on = 0;
        unsigned char *arch = load(name, &an), *orig = load("two_frames.txt", &on), *dec;
        size_t dn;
        int frames;
        unsigned chunks, raw;
        CHECK(arch != NULL && orig != NULL && on == 340);
        if (arch && orig && on == 340) {
            CHECK_EQ(decode_stream(M, arch, an, kernels, threads, 0, v, 1, &dec, &dn, &frames, &chunks, &raw), LLMZ_OK);
            CHECK(frames == 1 && dn == 175 && memcmp(dec, orig, 175) == 0);
            free(dec);
        }
        free(arch);
        free(orig);
    }
    for (size_t i = 0; i < sizeof GERR / sizeof GERR[0]; i++) {
        const golden_err *e = &GERR[i];
        size_t an = 0;
        unsigned char *arch = load(e->arch, &an);
        CHECK(arch != NULL);
        if (!arch) continue;
        unsigned char *dec;
        size_t dn;
        int frames;
        unsigned chunks, raw;
        int rc = decode_stream(M, arch, an, kernels, threads, 0, 1, 0, &dec, &dn, &frames, &chunks, &raw);
        if (rc != e->err)
            fprintf(stderr, "golden error frame %s: got %d (%s), want %d (%s)\n", e->arch, rc, llmz_error_name(rc),
                    e->err, llmz_error_name(e->err));
        CHECK_EQ(rc, e->err);
        CHECK_EQ(frames, e->frames_ok);
        free(dec);
        free(arch);
    }
}

/* Decoding golden archive `name` with model m must fail with LLMZ_ERR_MODEL_MISMATCH. */
static void lossy_goldens(void) {
    for (size_t i = 0; i < sizeof GLOSSY / sizeof GLOSSY[0]; i++) {
        size_t on = 0, rn = 0, an = 0, vn = 0, fn = 0;
        unsigned char *orig = load(GLOSSY[i].orig, &on), *recon = load(GLOSSY[i].recon, &rn);
        unsigned char *arch = load(GLOSSY[i].arch, &an);
        CHECK(orig && recon && arch);
        if (!orig || !recon || !arch) continue;
        llmz_certificate c, again;
        CHECK_EQ(llmz_frame_get_certificate(&c, arch, an), LLMZ_OK);
        CHECK_EQ(c.level, GLOSSY[i].level);
        CHECK(c.orig_size == on && c.recon_size == rn);
        again = c;
        CHECK_EQ(llmz_lossy_measure(orig, on, recon, rn, &again), LLMZ_OK);
        CHECK(memcmp(&again, &c, sizeof c) == 0); /* every field, the hashes too */
        CHECK_EQ(c.prot_invented, 0);
        CHECK_EQ(c.version, GLOSSY[i].version);
        void *v = NULL;
        if (!GLOSSY[i].reencode) {
            free(orig);
            free(recon);
            free(arch);
            continue;
        }
        /* the encoder: the same rewriting, certificate and frame */
        llmz_certificate vc;
        CHECK_EQ(llmz_lossy_rewrite(M, GLOSSY[i].level, c.strength, 2, orig, on, &v, &vn, &vc), LLMZ_OK);
        CHECK(v && vn == rn && memcmp(v, recon, rn) == 0);
        llmz_cctx *cc = llmz_cctx_create(M);
        CHECK_EQ(llmz_cctx_set(cc, LLMZ_P_NUMERICS, GLOSSY[i].numerics), LLMZ_OK);
        llmz_frame_info fi; /* the format version it was written in */
        CHECK_EQ(llmz_frame_get_info(&fi, arch, an), LLMZ_OK);
        CHECK_EQ(llmz_cctx_set(cc, LLMZ_P_FORMAT, (long long)fi.format_version), LLMZ_OK);
        unsigned char *f = malloc(llmz_frame_bound(vn));
        CHECK_EQ(llmz_cctx_set_certificate(cc, &vc), LLMZ_OK);
        CHECK_EQ(llmz_compress_frame(cc, f, llmz_frame_bound(vn), &fn, v, vn, NULL), LLMZ_OK);
        CHECK(fn == an && memcmp(f, arch, an) == 0);
        llmz_cctx_free(cc);
        free(f);
        llmz_free_buffer(v);
        free(orig);
        free(recon);
        free(arch);
    }
}

static void check_mismatch(const char *name, const llmz_model *m) {
    size_t n = 0, dn = 0;
    unsigned char *f = load(name, &n), *out = malloc(4096);
    llmz_dctx *d = llmz_dctx_create(m);
    CHECK(f != NULL && d != NULL);
    if (f && d) CHECK_EQ(llmz_decompress_frame(d, out, 4096, &dn, f, n, NULL), LLMZ_ERR_MODEL_MISMATCH);
    free(out);
    free(f);
    llmz_dctx_free(d);
}

/* Goldens of another model than tiny.gguf, english.txt each, decoded and made again with every kernel set and thread
** count.  The K-quant golden (2026-12-06, issue 24): `llmz -c --model tests/data/tiny-q4km.gguf` (format 4, the
** defaults), a model in llama.cpp's Q4_K_M mix (Q4_K, Q6_K, Q5_0, Q8_0 tensors: tools/mktiny.c --type q4_k_m): the
** dequantisation of those types is pinned.  The F16 golden of numerics version 3 (2026-12-07): `llmz -c --model
** tests/data/tiny-f16.gguf --numerics-version=3` (format 9): the products on the file's own F16 weights (qmat.fw). */
static const char Q4KM_FP[] = "33e51cc9203ec54ca9ed4079b86f9b55d0e184da41cd98a7bca0dce621080bda";
static const char F16_FP[] = "68b38b88592d280c382492483c0ed376dcac933be3411b5cb1f189efd7754e0b";

static void model_golden(const char *file, const char *fp_hex, const char *arch_name, size_t size, int numerics, int format) {
    char path[512], hex[65];
    uint8_t fp[32];
    llmz_model *mq = NULL;
    snprintf(path, sizeof path, "%s/%s", t_data_dir(), file);
    CHECK_EQ(llmz_model_load_file(&mq, path), LLMZ_OK);
    if (!mq) return;
    llmz_model_fingerprint(mq, fp);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", fp[i]);
    CHECK(strcmp(hex, fp_hex) == 0); /* the model file must never change either */
    size_t on = 0, an = 0;
    unsigned char *orig = load("english.txt", &on), *arch = load(arch_name, &an);
    CHECK(orig && arch && an == size);
    static const int kinds[4] = {LLMZ_KERNELS_REF, LLMZ_KERNELS_AVX2, LLMZ_KERNELS_AVX512, LLMZ_KERNELS_AUTO};
    for (int k = 0; orig && arch && k < 4; k++) {
        for (int threads = 1; threads <= 2; threads++) {
            llmz_cctx *c = llmz_cctx_create(mq);
            if (llmz_cctx_set(c, LLMZ_P_KERNELS, kinds[k]) != LLMZ_OK) { /* a set this CPU lacks */
                llmz_cctx_free(c);
                T_SKIP_CHECKS(5);
                continue;
            }
            CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, threads), LLMZ_OK);
            CHECK_EQ(llmz_cctx_set(c, LLMZ_P_NUMERICS, numerics), LLMZ_OK);
            CHECK_EQ(llmz_cctx_set(c, LLMZ_P_FORMAT, format), LLMZ_OK);
            size_t cap = llmz_frame_bound(on), fn = 0, dn = 0;
            unsigned char *f = malloc(cap), *out = malloc(on);
            CHECK_EQ(llmz_compress_frame(c, f, cap, &fn, orig, on, NULL), LLMZ_OK);
            CHECK(fn == an && memcmp(f, arch, an) == 0);
            llmz_dctx *d = llmz_dctx_create(mq);
            CHECK_EQ(llmz_dctx_set(d, LLMZ_P_KERNELS, kinds[k]), LLMZ_OK);
            CHECK_EQ(llmz_dctx_set(d, LLMZ_P_THREADS, threads), LLMZ_OK);
            CHECK(llmz_decompress_frame(d, out, on, &dn, arch, an, NULL) == LLMZ_OK && dn == on &&
                  memcmp(out, orig, on) == 0);
            llmz_dctx_free(d);
            llmz_cctx_free(c);
            free(f);
            free(out);
        }
    }
    check_mismatch(arch_name, M); /* the tiny model is not this archive's */
    free(orig);
    free(arch);
    llmz_model_free(mq);
}

static void kquant_golden(void) {
    model_golden("tiny-q4km.gguf", Q4KM_FP, "english.q4km.v4.llmz", 1275, 1, 4); /* before numerics 2, format 5 */
    model_golden("tiny-f16.gguf", F16_FP, "english.n3f16.v9.llmz", 1275, 3, 9);
}

int main(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    int rc = llmz_model_load_file(&M, path);
    CHECK_EQ(rc, LLMZ_OK);
    if (rc) return T_DONE();
    uint8_t fp[32];
    char hex[65];
    llmz_model_fingerprint(M, fp);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", fp[i]);
    if (strcmp(hex, TINY_FP) != 0) fprintf(stderr, "tests/data/tiny.gguf changed: fingerprint %s\n", hex);
    CHECK(strcmp(hex, TINY_FP) == 0);
    CHECK(strcmp(llmz_model_name(M), "llmz-tiny") == 0);

    /* the header of the smallest frame, field by field (docs/format.md, worked example) */
    {
        size_t n = 0;
        unsigned char *f = load("empty.bin.llmz", &n);
        CHECK(f != NULL && n == 78);
        if (f && n == 78) {
            static const unsigned char head[8] = {0x89, 'L', 'M', 'Z', 1, 0, 0, 1};
            CHECK(memcmp(f, head, 8) == 0);
            CHECK(memcmp(f + 8, fp, 32) == 0);
            CHECK_EQ(f[40], 9);
            CHECK(memcmp(f + 41, "llmz-tiny", 9) == 0);
            llmz_frame_info fi;
            CHECK_EQ(llmz_frame_get_info(&fi, f, n), LLMZ_OK);
            CHECK_EQ(fi.orig_size, 0);
            CHECK_EQ(fi.n_chunks, 0);
            CHECK_EQ(fi.header_size, 78);
            CHECK_EQ(fi.frame_size, 78);
            CHECK_EQ(fi.chunk_size, 65536);
            CHECK_EQ(fi.fp_len, 32);
            CHECK_EQ(fi.window, 64);
            CHECK_EQ(fi.keep, 16);
        }
        free(f);
    }
    /* ... and in format 4 (docs/format.md, "Format version 4") */
    {
        size_t n = 0;
        unsigned char *f = load("empty.v4.llmz", &n);
        CHECK(f != NULL && n == 58);
        if (f && n == 58) {
            /* flags 0x77; form 0x07: a 32-byte fingerprint, the name, the model's window */
            static const unsigned char head[8] = {0x89, 'L', 'M', 'Z', 4, 0x77, 0x07, 1};
            static const unsigned char sizes[4] = {0x80, 0x80, 0x04, 0x00}; /* 65536, then 0 */
            CHECK(memcmp(f, head, 8) == 0);
            CHECK(memcmp(f + 8, fp, 32) == 0);
            CHECK_EQ(f[40], 9);
            CHECK(memcmp(f + 41, "llmz-tiny", 9) == 0);
            CHECK(memcmp(f + 50, sizes, 4) == 0);
            llmz_frame_info fi;
            CHECK_EQ(llmz_frame_get_info(&fi, f, n), LLMZ_OK);
            CHECK_EQ(fi.orig_size, 0);
            CHECK_EQ(fi.n_chunks, 0);
            CHECK_EQ(fi.header_size, 58);
            CHECK_EQ(fi.frame_size, 58);
            CHECK_EQ(fi.chunk_size, 65536);
            CHECK_EQ(fi.fp_len, 32);
            CHECK_EQ(fi.window, 0);
            CHECK_EQ(fi.keep, 0);
            CHECK(llmz_frame_model_is(&fi, M, 0));
        }
        free(f);
        f = load("english.v4-compact.llmz", &n);
        CHECK(f != NULL);
        if (f) {
            llmz_frame_info fi;
            CHECK_EQ(llmz_frame_get_info(&fi, f, n), LLMZ_OK);
            CHECK_EQ(fi.fp_len, 8);
            CHECK(memcmp(fi.model_fp, fp, 8) == 0);
            CHECK_EQ(fi.model_name[0], 0);
            CHECK_EQ(fi.window, 64);
            CHECK_EQ(fi.keep, 16);
            CHECK(llmz_frame_model_is(&fi, M, 1));
        }
        free(f);
    }

    /* the tiny model with the tests' adapter */
    {
        size_t n = 0;
        snprintf(path, sizeof path, "%s/tiny-lora.gguf", t_data_dir());
        LORA = t_read_file(path, &n);
        CHECK(LORA != NULL);
        if (LORA) {
            CHECK_EQ(llmz_model_load_adapter(&MA, M, LORA, n), LLMZ_OK);
            const char *an = NULL;
            CHECK_EQ(llmz_model_adapter(MA, fp, &an), 1);
            for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", fp[i]);
            if (strcmp(hex, TINY_LORA_FP) != 0) fprintf(stderr, "tests/data/tiny-lora.gguf changed: %s\n", hex);
            CHECK(strcmp(hex, TINY_LORA_FP) == 0);
            CHECK(an && strcmp(an, "tiny-lora") == 0);
        }
        if (!MA) return T_DONE();
    }

    lossy_goldens();
    /* every kernel set on 1 and 2 threads; quick (t.h): the reference kernels on 1 thread (decoding the archives of
    ** up to QUICK_REF_MAX bytes), the fastest on 2 (decoding and re-encoding every archive) */
    int kern[2] = {LLMZ_KERNELS_REF, LLMZ_KERNELS_AUTO}, quick = t_quick();
    for (int k = 0; k < 2; k++)
        for (int t = 1; t <= 2; t++)
            if (!quick || (k == 0) == (t == 1)) run_config(kern[k], t);
    fprintf(stderr, "golden: kernels ref and %s, threads 1 and 2%s\n", llmz_kernels_name(LLMZ_KERNELS_AUTO),
            quick ? " (quick: ref on 1 decodes up to 16 KiB, the other on 2 also re-encodes)" : "");

    /* a decoder MUST refuse a frame made with another model (tiny-f16.gguf: another file, another fingerprint) */
    {
        llmz_model *other = NULL;
        snprintf(path, sizeof path, "%s/tiny-f16.gguf", t_data_dir());
        if (llmz_model_load_file(&other, path) == LLMZ_OK) {
            check_mismatch("english.txt.llmz", other);
            check_mismatch("english.v4.llmz", other);
            check_mismatch("english.v4-compact.llmz", other); /* 8 fingerprint bytes pin the model as well */
            llmz_model_free(other);
        } else {
            T_SKIP("tests/data/tiny-f16.gguf does not load");
        }
    }
    /* ... and one made with the base model alone, or with the adapter, by the other */
    {
        check_mismatch("english.all.llmz", MA);
        check_mismatch("english.adapter.llmz", M);
        check_mismatch("english.v4-compact.llmz", MA);
        check_mismatch("english.adapter.v4.llmz", M);
    }
    kquant_golden();
    llmz_model_free(MA);
    free(LORA);
    llmz_model_free(M);
    return T_DONE();
}
