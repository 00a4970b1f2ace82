/* msg.c -- messages on stderr, the usage text, number formatting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int msg_quiet;

static void vmsg(const char *file, const char *fmt, va_list ap) CLI_PRINTF(2, 0);
static void vmsg(const char *file, const char *fmt, va_list ap)
{
    fflush(stdout); /* keep -l rows and messages in order on a shared terminal */
    progress_erase();
    fputs("llmz: ", stderr);
    if (file) fprintf(stderr, "%s: ", file);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void msg_error(const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(file, fmt, ap);
    va_end(ap);
}

void msg_warn(const char *file, const char *fmt, ...)
{
    va_list ap;
    if (msg_quiet) return;
    va_start(ap, fmt);
    vmsg(file, fmt, ap);
    va_end(ap);
}

void msg_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, fmt, ap);
    va_end(ap);
}

int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, fmt, ap);
    va_end(ap);
    fputs("Try 'llmz --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

void print_usage(void)
{
    fputs("Usage: llmz [OPTION]... [FILE]...\n"
          "Compress FILEs to FILE.llmz (or decompress them) with a transformer language model.\n"
          "With no FILE, or when FILE is -, read standard input and write standard output.\n"
          "\n"
          "Operation:\n"
          "  -z, --compress       compress (the default)\n"
          "  -d, --decompress     decompress FILE.llmz to FILE (the default as unllmz; llmzcat is -dc;\n"
          "                       also --uncompress)\n"
          "  -t, --test           decompress and verify, write nothing\n"
          "      --range=OFFSET:LENGTH  with -d or -t: only these bytes of the output (K, M, G suffixes;\n"
          "                       OFFSET: to the end), to stdout unless -o; reads only the chunks covering them\n"
          "  -l, --list           list frames, chunks, sizes, ratio and model of each archive\n"
          "\n"
          "Output:\n"
          "  -c, --stdout         write to standard output and keep the input files\n"
          "                       (also --to-stdout)\n"
          "  -o, --output=OUT     write to OUT (one input only; - is standard output; a symbolic\n"
          "                       link is written through, /dev/null needs no -f)\n"
          "  -f, --force          overwrite existing outputs, compress .llmz files again,\n"
          "                       follow symlinks and read non-regular files, write compressed\n"
          "                       data to a terminal, read compressed data from one,\n"
          "                       with -dc copy inputs that are not archives (zcat -f)\n"
          "  -k, --keep           keep the input files (the default)\n"
          "      --rm             remove each input file after its output is complete\n"
          "  -r, --recursive      operate on the files below each directory FILE (compression\n"
          "                       skips .llmz files, the other modes take only them; symbolic\n"
          "                       links to files followed only with -f, to directories never)\n"
          "\n"
          "Levels (the chunk shape; every level runs every online model):\n"
          "  -1 .. -9             -1: 16 KiB chunks (most threads decode a file at once),\n"
          "                       -2: 32 KiB, -3 .. -6: automatic size (-6, the default),\n"
          "                       -7, -8: 2x, 4x the automatic size,\n"
          "                       -9: one chunk per 8 MiB frame (smallest; decoding runs one\n"
          "                       thread per frame; -7 .. -9 keep -6's frame where smaller);\n"
          "                       at every level binary input and logs may go to the byte\n"
          "                       models in long chunks (--chunk-size: neither)\n"
          "      --fast, --best   -1, -9\n"
          "\n"
          "Model and speed:\n"
          "      --model=PATH     use the GGUF model in PATH (default: $LLMZ_MODEL, else the\n"
          "                       model built into llmz); decompression needs the same model\n"
          "  -T, --threads=N      worker threads (default, and 0: all online CPUs)\n"
          "      --kernels=KIND   ref, avx2, avx512 or auto (default: $LLMZ_KERNELS, else auto)\n"
          "      --adapter=NAME   domain adapter applied to the model: auto (the default: for\n"
          "                       inputs of 1 MiB or more the cheapest on their first 4 KB, or\n"
          "                       none), none, the name of a built-in adapter (llmz -V lists\n"
          "                       them), or a GGUF file; decompression finds the archive's adapter\n"
          "      --no-adapt       code with the language model alone (no online models)\n"
          "      --export-model[=NAME] OUT.gguf  write a built-in model (default: the default\n"
          "                       model; or a name -V lists, adapters too) to OUT as the exact\n"
          "                       GGUF file its fingerprint names, to keep beside the archives\n"
          "      --adapt=LIST     online models mixed with the language model: all (default),\n"
          "                       none, or a list of match (cache + match; in format 3 the output\n"
          "                       bias too), ngram, line (n-grams\n"
          "                       and the line model: context from the line above), field\n"
          "                       (n-grams and the same field of the line above), sse (wider\n"
          "                       n-grams and a learned probability for the most likely token),\n"
          "                       group (a frame's chunks share these models, 16 at a time),\n"
          "                       bytes (format 4: a chunk the byte models code smaller is coded\n"
          "                       by them alone; binary and repetitive chunks skip the LM)\n"
          "      --chunk-size=N   bytes per chunk, the unit decoders run in parallel (K/M suffixes;\n"
          "                       4K to 16M; default: by input size, 1/16 of it rounded up to a\n"
          "                       power of two, 64K to 1M; two chunks for 16K to 64K; the\n"
          "                       level's size where one is given; N overrides both)\n"
          "      --format-version=N  the format version to write: 11 (the default), or 10, 9, 8,\n"
          "                       7, 6, 5, 4, 3, 2 or 1 for older decoders: 10 for llmz 0.10\n"
          "                       (executables code larger), 9 for llmz 0.8 and 0.9 (images\n"
          "                       and tables code larger), 8 for llmz 0.6 and 0.7\n"
          "                       (text and code about 1% larger), 7 for llmz 0.5 (long repeats\n"
          "                       are not copies), 6 for llmz 0.4 (executables code larger), 5\n"
          "                       for llmz 0.3, 4 for llmz 0.2 (logs, tables and executables\n"
          "                       code larger in both),\n"
          "                       3 before 2026-12-06, 2 and 1 before 2026-11-28; 3 has 60 bytes\n"
          "                       more header a frame, 2 and 1 usually code larger\n"
          "      --numerics-version=N  the model arithmetic to write: 2 (the default: the KV\n"
          "                       cache in 8 bits, faster), 1 for decoders of llmz before\n"
          "                       2026-12-06 (format versions 1-3 are always written with 1),\n"
          "                       or 3: float activations, closest to llama.cpp on F16 models,\n"
          "                       slower (decoders of llmz before 2026-12-07 refuse it)\n"
          "      --memlimit=N     refuse to decode frames needing more than N bytes of memory\n"
          "                       (K/M/G suffixes; default 1G; 0: no limit)\n"
          "      --index          write an index of the frames after them (a skippable frame;\n"
          "                       llmz before 2026-12-06 rejects it as trailing garbage)\n"
          "\n"
          "Lossy (only when asked; decoding needs no option, -l shows the certificate):\n"
          "      --lossy=LEVEL[:STRENGTH]  rewrite prose into a cheaper text, every change\n"
          "                       chosen by the bits it saves under the model and certified in\n"
          "                       the archive (numbers, names, dates, URLs, code never change):\n"
          "                       1 canonical (typography, Unicode forms, blanks; the words stay),\n"
          "                       2 paraphrase (synonyms, spellings, contractions), 3 seed\n"
          "                       (sentences dropped); STRENGTH 0-100 goes further (docs/lossy.md).\n"
          "                       Code, data, logs and binary are coded losslessly\n"
          "      --diff[=html]    with --lossy: show what would change (FILE...), write nothing\n"
          "      --verify ORIGINAL ARCHIVE  measure every certificate again from the two files\n"
          "\n"
          "Dictionaries for small messages (docs/dictionaries.md):\n"
          "      --dict=FILE      code (-c), decode (-d), test (-t) or list (-l) dictionary frames:\n"
          "                       each message coded as if FILE's text came right before it; the\n"
          "                       frame names FILE by 4 bytes of its fingerprint (FILE names the\n"
          "                       model), and decoding needs the same FILE\n"
          "      --train-dict -o DICT SAMPLE...  make a dictionary from samples (one SAMPLE file:\n"
          "                       each line a sample; several: a file each)\n"
          "      --dict-size=N    the dictionary's text size (K/M suffixes; 1 to 1M; default 8K)\n"
          "\n"
          "Analysis (llmz analyze [OPTION]... FILE, or --analyze): where the bits go, per token\n"
          "      --analyze        each token's bits shaded in the text (on a terminal), totals per\n"
          "                       part of the predictor, a histogram, the costliest lines and words\n"
          "      --html=OUT       also write a self-contained HTML page (hover a token for details)\n"
          "      --tsv            one row per token (offset, bytes, bits, model bits, rank, part,\n"
          "                       top guess, text) instead of the shaded text\n"
          "      --color=WHEN     shade the text: auto (a terminal, unless $NO_COLOR), always, never\n"
          "\n"
          "Messages:\n"
          "  -v, --verbose        per file: sizes, ratio, bits per byte, speed, and the model's\n"
          "                       cross-entropy against the coded bits; -lv lists every frame\n"
          "  -q, --quiet          suppress warnings, -v and the progress line\n"
          "      --progress       show the progress line (percent, bytes, speed, time left) even\n"
          "                       when stderr is not a terminal (default: only on a terminal)\n"
          "      --no-progress    never show it\n"
          "  -V, --version        print versions, the built-in model and the kernels in use\n"
          "  -h, --help           print this help\n"
          "\n"
          "Long options may be abbreviated while unambiguous (--dec is --decompress).\n"
          "Ratio is original size / compressed size; bits per byte is 8 * compressed / original.\n"
          "Exit status: 0 success, 1 error (the other files are still processed), 2 usage error.\n",
          stdout);
}

void fmt_iec(char *buf, size_t cap, uint64_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)n;
    int u = 0;
    if (n < 1024) {
        snprintf(buf, cap, "%llu B", (unsigned long long)n);
        return;
    }
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, unit[u]);
}

void fmt_hex(char *buf, size_t cap, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    size_t i;
    if (cap == 0) return;
    for (i = 0; i < n && 2 * i + 2 < cap; i++) {
        buf[2 * i] = hx[p[i] >> 4];
        buf[2 * i + 1] = hx[p[i] & 15];
    }
    buf[2 * i] = '\0';
}

void fmt_ratio(char *buf, size_t cap, uint64_t orig, uint64_t comp)
{
    if (orig == 0 || comp == 0) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%.3f", (double)orig / (double)comp);
}

void fmt_bpb(char *buf, size_t cap, uint64_t orig, uint64_t comp)
{
    if (orig == 0) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%.3f", 8.0 * (double)comp / (double)orig);
}
