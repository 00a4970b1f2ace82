/*
** cli.h -- shared declarations of the llmz command line tool.
**
**   main.c    argument parsing, environment, the loop over files, exit status
**   fileio.c  every file operation: opening inputs, temporary outputs, rename, metadata, signals
**   codec.c   the coding loops (compress, decompress/test: the streaming API) on top of lib/llmz.h
**   list.c    -l: the frame headers read one by one (codec_list is declared with codec.c's functions)
**   msg.c     messages on stderr, usage text, number formatting
**   range.c   -d / -t --range: a range of the output from the chunks that cover it (llmz_archive_*)
*/
#ifndef LLMZ_CLI_H
#define LLMZ_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "llmz.h"

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CLI_NORETURN __attribute__((noreturn))
#else
#define CLI_PRINTF(f, a)
#define CLI_NORETURN
#endif

#define CLI_SUFFIX ".llmz"
#define CLI_SUFFIX_LEN 5
#define CLI_SEGMENT (8u * 1024u * 1024u)              /* bytes of input per frame */
/* Smallest chunk the library accepts (lib/llmz.c; llmz.h has no constant for it). */
#define CLI_MIN_CHUNK LLMZ_MIN_CHUNK
#define CLI_LEVEL_MAX 9
#define CLI_LEVEL_DEFAULT 6
#define CLI_DEFAULT_MEMLIMIT (1024ull * 1024u * 1024u) /* 1 GiB */

/* exit status */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

typedef enum { MODE_COMPRESS, MODE_DECOMPRESS, MODE_TEST, MODE_LIST } cli_mode;

typedef struct {
    cli_mode mode;
    int to_stdout;          /* -c */
    int force;              /* -f */
    int rm;                 /* --rm */
    int verbose;            /* -v (count) */
    int quiet;              /* -q */
    const char *output;     /* -o, or NULL */
    const char *model_path; /* --model or $LLMZ_MODEL, or NULL for the embedded model */
    long threads;           /* resolved: >= 1 */
    int kernels;            /* llmz_kernels value */
    uint64_t chunk_size;    /* 0: library default */
    int adapt;              /* LLMZ_ADAPT_* set: --adapt LIST, --no-adapt (0); default LLMZ_ADAPT_ALL */
    int format;             /* --format-version: the format version written (default LLMZ_FORMAT_VERSION) */
    int numerics;           /* --numerics-version: the numerics version written (default LLMZ_NUMERICS_VERSION) */
    uint64_t memlimit;      /* 0: no limit */
    const char *adapter;    /* --adapter: NULL or "auto", "none", a built-in adapter's name, or a file */
    int model_from_env;     /* model_path came from $LLMZ_MODEL (for messages) */
    int level;              /* -1 .. -9 (0: not given; the default is level CLI_LEVEL_DEFAULT) */
    int recursive;          /* -r */
    int lossy;              /* --lossy=LEVEL[:STRENGTH]: LLMZ_LOSSY_* (0: lossless) */
    int lossy_strength;     /* 0..100, or LLMZ_LOSSY_STRENGTH_DEFAULT */
    int diff;               /* --diff: 1 text, 2 HTML (with --lossy: what would change, nothing written) */
    int index;              /* --index: compression writes an index after the frames (LLMZ_P_INDEX) */
    /* --range=OFFSET:LENGTH (range.c) */
    int range;              /* given: -d / -t decode only these bytes of the output */
    uint64_t range_off, range_len;
    int range_to_end;       /* OFFSET: with no LENGTH: to the end */
    /* dictionaries (dict.c) */
    const char *dict_path;  /* --dict FILE, or NULL */
    int train_dict;         /* --train-dict: write a dictionary made from the sample files */
    uint64_t dict_size;     /* --dict-size: its text budget (0: the library's default) */
} cli_opts;

/* Per-run state: options plus the lazily loaded model and contexts. */
typedef struct {
    cli_opts o;
    llmz_model *model;
    void *model_bytes; /* file contents backing `model` (NULL for the embedded model) */
    uint8_t fp[32];
    int model_failed;
    llmz_model *adapted;   /* `model` with an adapter applied, or NULL: the contexts use adapted ? adapted : model */
    void *adapter_bytes;   /* contents of an --adapter FILE */
    size_t adapter_size;
    llmz_cctx *cctx;
    llmz_dctx *dctx;
    int passthrough;       /* -dcf: an input that is not an llmz archive is copied as it is (zcat -f) */
    int lossy_warned;      /* --lossy: "not prose" said once per input */
    /* --dict (dict.c): the file's bytes and fingerprints, and the dictionary loaded for dict_model */
    void *dict_bytes;
    size_t dict_size;
    uint8_t dict_fp[32], dict_model_fp[32];
    int dict_failed;
    llmz_dict *dict;
    const llmz_model *dict_model;
} cli_ctx;

/* Totals of -l over several files. */
typedef struct {
    uint64_t files, frames, chunks, raw_chunks, comp, orig;
    char model[400]; /* model name, or name+adapter */
    int mixed_models;
} cli_list;

/* ---- msg.c ---- */
extern int msg_quiet;
void msg_error(const char *file, const char *fmt, ...) CLI_PRINTF(2, 3); /* "llmz: FILE: ..." */
void msg_warn(const char *file, const char *fmt, ...) CLI_PRINTF(2, 3);  /* silenced by -q */
void msg_info(const char *fmt, ...) CLI_PRINTF(1, 2);                    /* "llmz: ..." on stderr */
int usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);                  /* prints, returns EXIT_USAGE */
void print_usage(void);
void fmt_iec(char *buf, size_t cap, uint64_t n);                          /* "1.5 MiB" */
void fmt_hex(char *buf, size_t cap, const uint8_t *p, size_t n);          /* lower-case hex */
void fmt_ratio(char *buf, size_t cap, uint64_t orig, uint64_t comp);     /* orig/comp, "-" if n/a */
void fmt_bpb(char *buf, size_t cap, uint64_t orig, uint64_t comp);       /* 8*comp/orig, "-" if n/a */

/* ---- fileio.c ---- */
void fio_install_signals(void);
/* At start-up: a closed descriptor 0-2 gets a /dev/null placeholder and is remembered as closed. */
void fio_check_std(void);
/* 1 if standard descriptor fd was open at start-up; else 0 with "NAME: Bad file descriptor" printed. */
int fio_std_usable(int fd, const char *name);
/* Read exactly n bytes unless end of input comes first; returns the count read, or -1 (errno set). */
ssize_t fio_read(int fd, void *buf, size_t n);
/* Read at most n bytes with one read() (EINTR retried); returns the count, 0 at end, -1 on error. */
ssize_t fio_read_some(int fd, void *buf, size_t n);
/* Write all n bytes; 0 or -1 (errno set). */
int fio_write(int fd, const void *buf, size_t n);
/* Read a whole file into a malloc'ed buffer (--model, --adapter; `what` names it in messages); 0 or -1 (message
** printed).  Regular files of any size; pipes and devices up to 4 GiB. */
int fio_read_whole(const char *path, const char *what, void **data, size_t *size);
/* Write size bytes to the output `path` ("-": stdout) as any output is written (temporary + rename, -f to
** overwrite); 0 or -1 (message printed). */
int fio_write_whole(const cli_opts *o, const char *path, const void *data, size_t size);
/* Process one input (NULL or "-" is stdin) in the mode of c->o; returns EXIT_OK or EXIT_ERR. */
int fio_process(cli_ctx *c, const char *path, cli_list *totals);

/* ---- progress.c ---- */
extern int progress_mode; /* 0: when stderr is a terminal (default), 1: --progress, -1: --no-progress */
/* A progress line for one input of `total` bytes (0: unknown); nothing unless progress_mode and -q allow it. */
void progress_begin(const cli_opts *o, const char *name, uint64_t total, int decode);
/* A frame of frame_in input bytes (decoding: frame_orig output bytes) is being coded on cc or dc. */
void progress_frame(const llmz_cctx *cc, const llmz_dctx *dc, uint64_t frame_in, uint64_t frame_orig);
void progress_done(uint64_t in_bytes, uint64_t out_bytes); /* that frame is finished */
void progress_end(void);   /* stop and erase the line */
void progress_erase(void); /* erase the line now (before a message); it comes back at the next update */

/* ---- analyze.c ---- */
/* llmz analyze: the per-token heatmap and summary of one input (NULL or "-": stdin); html_out: also (or with "-",
** only) the HTML page; want_tsv: per-token rows instead of the heatmap; color: shade the terminal text. */
int analyze_main(cli_ctx *c, const char *path, const char *html_out, int want_tsv, int color);

/* ---- walk.c ---- */
/* -r: process PATH, and when it is a directory every file below it (sorted by name; symlinks to files followed
** only with -f, symlinks to directories never; compression skips .llmz files, the other modes take only them).
** Returns EXIT_OK or EXIT_ERR (after going on with the other files). */
int walk_process(cli_ctx *c, const char *path, cli_list *totals);

/* ---- dict.c ---- */
/* A dictionary frame (info->dict_fp_len > 0): check --dict is its dictionary and put the model it names into
** info's model fingerprint.  0 (also for any other frame), or -1 with a message unless quiet. */
int dict_frame_model(cli_ctx *c, llmz_frame_info *info, const char *name, int quiet);
/* -l: the frame f as dict_frame_model completes it (in df; f itself for another frame; dhex "" then), or NULL when
** --dict does not hold its dictionary; dhex: the dictionary's fingerprint in hex. */
const llmz_frame_info *dict_list_frame(cli_ctx *c, const llmz_frame_info *f, llmz_frame_info *df, const char *name,
                                       char *dhex, size_t cap);
/* With --dict: its dictionary (loaded for model m) set on cc or dc.  0, or -1 with a message. */
int dict_attach(cli_ctx *c, const llmz_model *m, llmz_cctx *cc, llmz_dctx *dc);
void dict_release(cli_ctx *c);  /* the loaded dictionary (before its model is freed) */
void dict_free_all(cli_ctx *c); /* and the file's bytes */
/* llmz --train-dict -o OUT SAMPLE...: one file is split into lines, several are one sample each. */
int dict_train_main(cli_ctx *c, const char *out, const char **files, int nfiles);

/* ---- codec.c ---- */
int codec_model(cli_ctx *c); /* load the model once; 0 or -1 (message printed) */
void codec_free(cli_ctx *c);
typedef struct {
    llmz_stats st;  /* summed over frames */
    uint64_t in_bytes, out_bytes, frames;
    char adapter[256]; /* compression: the adapter used ("" for none) */
    int adapter_auto;  /* chosen by --adapter=auto */
} codec_result;
/* --export-model[=NAME] OUT: write the built-in model NAME ("default", a built-in model's or adapter's name) as
** the exact GGUF file its fingerprint names; EXIT_OK or EXIT_ERR. */
int codec_export_model(cli_ctx *c, const char *name, const char *out);
/* --adapter: the names of the built-in adapters, for -V and messages. */
void codec_list_adapters(char *buf, size_t cap);
/* The compression context for a file that starts with in[0, n) (its model, adapter and level's chunk size). */
llmz_cctx *codec_cctx(cli_ctx *c, const unsigned char *in, size_t n, codec_result *r);
/* Compress everything from in_fd into frames written to out_fd. */
int codec_compress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r);
/* Decompress every frame of in_fd; out_fd -1 for --test.  Wrong model, memlimit, truncation, garbage: error. */
int codec_decompress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r);
/* For list.c: the frame's model made the one in use (0, or -1 with a message unless quiet); the decoding context
** of the model in use; a fingerprint's first bytes in hex for messages. */
int codec_frame_model(cli_ctx *c, const llmz_frame_info *info, const char *name, int quiet);
llmz_dctx *codec_dctx(cli_ctx *c);
void codec_fp_hex(char *buf, size_t cap, const uint8_t *fp, size_t fp_len);

/* ---- list.c ---- */
/* Walk the frame headers of in_fd (no model needed) and print the -l row; adds to totals. */
int codec_list(cli_ctx *c, int in_fd, const char *name, cli_list *totals);
void codec_list_total(const cli_list *t);

/* ---- lossy.c ---- */
/* --lossy=SPEC: LEVEL (1, 2, 3 or canonical, paraphrase, seed) with an optional :STRENGTH (0..100); 0 or -1. */
int lossy_parse(const char *spec, int *level, int *strength);
/* The bytes to compress for a segment in[0, n) with --lossy: the rewriting (its certificate set on cc), owned by
** *owned (free with llmz_free_buffer), or in itself for text that is not prose (cc made lossless; a warning once per
** input).  NULL on error (message printed). */
const unsigned char *lossy_prepare(cli_ctx *c, const llmz_model *m, llmz_cctx *cc, const unsigned char *in, size_t n,
                                   const char *name, size_t *out_n, void **owned);
/* Level 1's promise (never larger than lossless plus the certificate): out holds the frame of the rewriting of
** in[0, n) (*fsize bytes, cap at least llmz_frame_bound(n)); the original with a certificate of no change replaces
** it when smaller.  0, or -1 (message printed). */
int lossy_keep_smaller(cli_ctx *c, llmz_cctx *cc, const unsigned char *in, size_t n, unsigned char *out,
                       size_t *fsize, llmz_stats *st, const char *name);
/* One certificate for -l (a line) or -lv (JSON). */
void lossy_print_cert(const llmz_certificate *ct, int json);
/* llmz --verify ORIGINAL ARCHIVE: every certificate measured again from the two files; EXIT_OK or EXIT_ERR. */
int lossy_verify(cli_ctx *c, const char *original, const char *archive);
/* llmz --lossy=N --diff[=html] FILE: what the rewriting changes, on stdout; EXIT_OK or EXIT_ERR. */
int lossy_diff(cli_ctx *c, const char *path);

/* ---- range.c ---- */
/* The decompression context for a frame: its model and adapter loaded as -d picks them (codec.c); NULL with a
** message when they are not at hand. */
llmz_dctx *codec_frame_dctx(cli_ctx *c, const llmz_frame_info *info, const char *name);
void codec_add_stats(llmz_stats *sum, const llmz_stats *s); /* sum += s, field by field */
/* -d / -t --range: bytes [range_off, range_off + range_len) of the output of the archive in_fd (seekable), to out_fd
** (-1 for -t); only the frames and chunks (groups) covering them are read.  A range starting past the end: error;
** one running past it: the bytes there are.  0, or -1 (message printed). */
int range_decompress(cli_ctx *c, int in_fd, int out_fd, const char *name, codec_result *r);

#endif
