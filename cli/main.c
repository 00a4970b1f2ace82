/* main.c -- argument parsing, environment, the loop over the files, exit status. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"

/* Parse a byte count with an optional K, M, G or T suffix (powers of 1024; "KiB", "KB", "k" accepted). */
static int parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0, mul = 1;
    const char *p = s;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    switch (*p) {
    case '\0': break;
    case 'k': case 'K': mul = 1ull << 10; p++; break;
    case 'm': case 'M': mul = 1ull << 20; p++; break;
    case 'g': case 'G': mul = 1ull << 30; p++; break;
    case 't': case 'T': mul = 1ull << 40; p++; break;
    default: return -1;
    }
    if (mul > 1) {
        if (*p == 'i') p++;
        if (*p == 'B') p++;
    }
    if (*p) return -1;
    if (v > UINT64_MAX / mul) return -1;
    *out = v * mul;
    return 0;
}

static int parse_kernels(const char *s, int *out)
{
    if (!strcmp(s, "auto")) *out = LLMZ_KERNELS_AUTO;
    else if (!strcmp(s, "ref")) *out = LLMZ_KERNELS_REF;
    else if (!strcmp(s, "avx2")) *out = LLMZ_KERNELS_AVX2;
    else if (!strcmp(s, "avx512")) *out = LLMZ_KERNELS_AVX512;
    else return -1;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* -V: versions, the embedded model, the kernels in use. */
static int print_version(cli_ctx *c)
{
    llmz_model *m = NULL;
    uint8_t fp[32];
    char hex[65];
    const char *kn = llmz_kernels_name(c->o.kernels);
    int err;
    printf("llmz %s (library %s)\n", LLMZ_VERSION_STRING, llmz_version_string());
    printf("format version %d (decodes %d to %d), numerics version %d (decodes %d to %d)\n", LLMZ_FORMAT_VERSION,
           LLMZ_FORMAT_OLDEST, LLMZ_FORMAT_VERSION, LLMZ_NUMERICS_VERSION, LLMZ_NUMERICS_OLDEST, LLMZ_NUMERICS_NEWEST);
    err = llmz_model_load_default(&m);
    if (err == LLMZ_OK) {
        llmz_model_fingerprint(m, fp);
        fmt_hex(hex, sizeof hex, fp, 8);
        printf("default model: %s (fingerprint %s)\n", llmz_model_name(m), hex);
        llmz_model_free(m);
        for (int i = 1; llmz_model_builtin(&m, i) == LLMZ_OK; i++) { /* earlier defaults, kept for decoding */
            llmz_model_fingerprint(m, fp);
            fmt_hex(hex, sizeof hex, fp, 8);
            printf("also decodes archives of: %s (fingerprint %s)\n", llmz_model_name(m), hex);
            llmz_model_free(m);
        }
        {
            char list[512];
            codec_list_adapters(list, sizeof list);
            printf("adapters: %s\n", list[0] ? list : "none");
        }
    } else {
        printf("default model: none (%s)\n", llmz_error_name(err));
    }
    if (c->o.model_path) { /* a model that does not load is reported on its line; -V still succeeds */
        const char *from = c->o.model_from_env ? "$LLMZ_MODEL" : "--model";
        if (codec_model(c) != 0) {
            printf("selected model: none: %s %s cannot be loaded (the message above says why)\n", from,
                   c->o.model_path);
        } else {
            fmt_hex(hex, sizeof hex, c->fp, 8);
            printf("selected model: %s (fingerprint %s) from %s (%s)\n", llmz_model_name(c->model), hex,
                   c->o.model_path, from);
        }
    }
    printf("kernels: %s", kn ? kn : "unavailable");
    printf(" (available:");
    {
        static const int ks[] = {LLMZ_KERNELS_REF, LLMZ_KERNELS_AVX2, LLMZ_KERNELS_AVX512};
        size_t i;
        for (i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            const char *n = llmz_kernels_name(ks[i]);
            if (n) printf(" %s", n);
        }
    }
    printf(")\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        msg_error("(stdout)", "write error: %s", strerror(errno));
        return EXIT_ERR;
    }
    return EXIT_OK;
}

/* Long options: name, whether it takes an argument, and the short letter it maps to. */
typedef struct {
    const char *name;
    int has_arg;
    int key;
} long_opt;

enum {
    OPT_RM = 256, OPT_MODEL, OPT_KERNELS, OPT_CHUNK, OPT_MEMLIMIT, OPT_NO_ADAPT, OPT_ADAPT, OPT_ADAPTER, OPT_FORMAT, OPT_NUMERICS,
    OPT_FAST, OPT_BEST, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_EXPORT, OPT_HTML, OPT_TSV, OPT_COLOR, OPT_ANALYZE,
    OPT_LOSSY, OPT_DIFF, OPT_VERIFY, OPT_INDEX, OPT_RANGE,
    OPT_DICT, OPT_TRAIN_DICT, OPT_DICT_SIZE /* dictionaries (cli/dict.c) */
};

static const long_opt long_opts[] = {
    {"compress", 0, 'z'},   {"decompress", 0, 'd'},    {"uncompress", 0, 'd'},  {"test", 0, 't'},
    {"list", 0, 'l'},       {"stdout", 0, 'c'},        {"to-stdout", 0, 'c'},   {"output", 1, 'o'},
    {"force", 0, 'f'},      {"keep", 0, 'k'},          {"rm", 0, OPT_RM},       {"threads", 1, 'T'},
    {"verbose", 0, 'v'},    {"quiet", 0, 'q'},         {"version", 0, 'V'},     {"help", 0, 'h'},
    {"model", 1, OPT_MODEL}, {"kernels", 1, OPT_KERNELS}, {"chunk-size", 1, OPT_CHUNK},
    {"memlimit", 1, OPT_MEMLIMIT}, {"no-adapt", 0, OPT_NO_ADAPT},
    {"adapt", 1, OPT_ADAPT}, {"adapter", 1, OPT_ADAPTER}, {"format-version", 1, OPT_FORMAT},
    {"numerics-version", 1, OPT_NUMERICS},
    {"recursive", 0, 'r'},  {"fast", 0, OPT_FAST},     {"best", 0, OPT_BEST},
    {"progress", 0, OPT_PROGRESS}, {"no-progress", 0, OPT_NO_PROGRESS},
    {"export-model", 2, OPT_EXPORT}, /* 2: an optional argument, after '=' only */
    {"lossy", 1, OPT_LOSSY}, {"diff", 2, OPT_DIFF}, {"verify", 0, OPT_VERIFY},
    {"index", 0, OPT_INDEX}, /* issue 23: an index after the frames */
    {"range", 1, OPT_RANGE},
    {"dict", 1, OPT_DICT}, {"train-dict", 0, OPT_TRAIN_DICT}, {"dict-size", 1, OPT_DICT_SIZE},
    /* llmz analyze */
    {"analyze", 0, OPT_ANALYZE}, {"html", 1, OPT_HTML},  {"tsv", 0, OPT_TSV},       {"color", 1, OPT_COLOR},
};

typedef struct {
    int d, t, l, help, version;
    long threads; /* -1: unset */
    const char *kernels;
    const char *chunk;
    const char *memlimit;
    const char *export_model; /* --export-model[=NAME] */
    int analyze, tsv, color;  /* llmz analyze; --tsv; --color: -1 never, 0 auto, 1 always */
    int verify;               /* --verify ORIGINAL ARCHIVE */
    const char *html;         /* --html */
} parse_state;

/* Apply one option; returns 0 or EXIT_USAGE (message printed). */
static int apply(cli_ctx *c, parse_state *ps, int key, const char *arg, const char *spelled)
{
    switch (key) {
    case 'z': ps->d = ps->t = ps->l = 0; break;
    case 'd': ps->d = 1; break;
    case 't': ps->t = 1; break;
    case 'l': ps->l = 1; break;
    case 'c': c->o.to_stdout = 1; break;
    case 'o': c->o.output = arg; break;
    case 'f': c->o.force = 1; break;
    case 'k': c->o.rm = 0; break;
    case 'r': c->o.recursive = 1; break;
    case OPT_FAST: c->o.level = 1; break;
    case OPT_PROGRESS: progress_mode = 1; break;
    case OPT_ANALYZE: ps->analyze = 1; break;
    case OPT_HTML: ps->html = arg; break;
    case OPT_TSV: ps->tsv = 1; break;
    case OPT_COLOR:
        if (!strcmp(arg, "always")) ps->color = 1;
        else if (!strcmp(arg, "never")) ps->color = -1;
        else if (!strcmp(arg, "auto")) ps->color = 0;
        else return usage_error("invalid %s '%s' (always, never or auto)", spelled, arg);
        break;
    case OPT_EXPORT:
        if (arg && !*arg) return usage_error("empty %s= (a built-in model's or adapter's name)", spelled);
        ps->export_model = arg ? arg : "default";
        break;
    case OPT_NO_PROGRESS: progress_mode = -1; break;
    case OPT_LOSSY:
        if (lossy_parse(arg, &c->o.lossy, &c->o.lossy_strength) != 0)
            return usage_error("invalid %s '%s' (1, 2, 3 or canonical, paraphrase, seed; then :STRENGTH, 0 to 100)",
                               spelled, arg);
        break;
    case OPT_DIFF:
        if (arg && strcmp(arg, "html") != 0 && strcmp(arg, "text") != 0)
            return usage_error("invalid %s='%s' (text or html)", spelled, arg);
        c->o.diff = arg && !strcmp(arg, "html") ? 2 : 1;
        break;
    case OPT_VERIFY: ps->verify = 1; break;
    case OPT_INDEX: c->o.index = 1; break;
    case OPT_RANGE: { /* OFFSET:LENGTH, each a size (K, M, G, T suffixes); OFFSET: alone runs to the end */
        const char *colon = strchr(arg, ':');
        char offs[64];
        size_t ol = colon ? (size_t)(colon - arg) : 0;
        if (!colon || ol >= sizeof offs)
            return usage_error("invalid %s '%s' (OFFSET:LENGTH, e.g. 1M:4K; OFFSET: to the end)", spelled, arg);
        memcpy(offs, arg, ol);
        offs[ol] = '\0';
        c->o.range_to_end = colon[1] == '\0';
        if (parse_size(offs, &c->o.range_off) != 0 || (!c->o.range_to_end && parse_size(colon + 1, &c->o.range_len)))
            return usage_error("invalid %s '%s' (OFFSET:LENGTH, e.g. 1M:4K; OFFSET: to the end)", spelled, arg);
        c->o.range = 1;
        break;
    }
    case OPT_DICT:
        if (!*arg) return usage_error("empty %s (a dictionary file, made by llmz --train-dict)", spelled);
        c->o.dict_path = arg;
        break;
    case OPT_TRAIN_DICT: c->o.train_dict = 1; break;
    case OPT_DICT_SIZE:
        if (parse_size(arg, &c->o.dict_size) != 0 || c->o.dict_size < 1 || c->o.dict_size > LLMZ_DICT_MAX)
            return usage_error("invalid %s '%s' (1 to 1M)", spelled, arg);
        break;
    case OPT_BEST: c->o.level = 9; break;
    case OPT_RM: c->o.rm = 1; break;
    case 'v': c->o.verbose++; c->o.quiet = 0; break;
    case 'q': c->o.quiet = 1; c->o.verbose = 0; break;
    case 'V': ps->version = 1; break;
    case 'h': ps->help = 1; break;
    case OPT_MODEL:
        if (!*arg) return usage_error("empty %s (the path of a GGUF model file)", spelled);
        c->o.model_path = arg;
        break;
    case OPT_ADAPTER:
        if (!*arg) return usage_error("empty %s (auto, none, a built-in adapter's name, or a file)", spelled);
        c->o.adapter = arg;
        break;
    case OPT_KERNELS: ps->kernels = arg; break;
    case OPT_CHUNK: ps->chunk = arg; break;
    case OPT_NO_ADAPT: c->o.adapt = 0; break;
    case OPT_ADAPT: {
        /* none, all, or a comma-separated list of the families below (each with what it needs) */
        static const struct {
            const char *name;
            int bits;
        } FAMILY[] = {{"match", LLMZ_ADAPT_MATCH},
                      {"ngram", LLMZ_ADAPT_NGRAM},
                      {"line", LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_LINE},
                      {"field", LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_FIELD},
                      {"sse", LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_SSE},
                      {"group", LLMZ_ADAPT_NGRAM | LLMZ_ADAPT_GROUP},
                      {"bytes", LLMZ_ADAPT_BYTES}};
        const char *p = arg;
        int set = 0;
        if (!strcmp(arg, "none")) { c->o.adapt = 0; break; }
        if (!strcmp(arg, "all")) { c->o.adapt = LLMZ_ADAPT_ALL; break; }
        while (*p) {
            size_t n = strcspn(p, ",");
            int bit = 0;
            for (size_t i = 0; i < sizeof FAMILY / sizeof FAMILY[0]; i++)
                if (strlen(FAMILY[i].name) == n && !strncmp(p, FAMILY[i].name, n)) bit = FAMILY[i].bits;
            if (!bit) break;
            set |= bit;
            p += n + (p[n] == ',');
        }
        if (*p || !set)
            return usage_error(
                "invalid %s '%s' (none, all, or a list of match, ngram, line, field, sse, group, bytes)", spelled, arg);
        c->o.adapt = set;
        break;
    }
    case OPT_MEMLIMIT: ps->memlimit = arg; break;
    case OPT_FORMAT:
    case OPT_NUMERICS: { /* a version this build writes: decimal digits only, no sign, no leading zero */
        int lo = key == OPT_FORMAT ? LLMZ_FORMAT_OLDEST : LLMZ_NUMERICS_OLDEST;
        int hi = key == OPT_FORMAT ? LLMZ_FORMAT_VERSION : LLMZ_NUMERICS_NEWEST, v = 0;
        const char *d = arg;
        while (*d >= '0' && *d <= '9' && v <= hi) v = v * 10 + (*d++ - '0');
        if (*d || d == arg || arg[0] == '0' || v < lo || v > hi)
            return usage_error("invalid %s '%s' (%d to %d)", spelled, arg, lo, hi);
        *(key == OPT_FORMAT ? &c->o.format : &c->o.numerics) = v;
        break;
    }
    case 'T': {
        char *end;
        long v;
        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno == ERANGE && end != arg && !*end && v > 0) v = LONG_MAX;
        else if (errno || end == arg || *end || v < 0)
            return usage_error("invalid thread count '%s' for %s (0 for all CPUs, or 1 or more)", arg, spelled);
        ps->threads = v; /* more than LLMZ_MAX_THREADS is taken as that many (main) */
        break;
    }
    default: return usage_error("internal: unhandled option %s", spelled);
    }
    return 0;
}

/* The long option `name` (len bytes) stands for: an exact name, or an unambiguous abbreviation (getopt_long's
** rule: --dec is --decompress; aliases of one option are not ambiguous).  0, or EXIT_USAGE with a message. */
static int find_long(const char *name, size_t len, const long_opt **out)
{
    const long_opt *hit = NULL;
    char cands[400] = "";
    size_t k, cl = 0;
    int ambiguous = 0;
    for (k = 0; k < sizeof long_opts / sizeof long_opts[0]; k++) {
        const long_opt *lo = &long_opts[k];
        if (strlen(lo->name) == len && !strncmp(lo->name, name, len)) {
            *out = lo;
            return 0;
        }
        if (len == 0 || strlen(lo->name) < len || strncmp(lo->name, name, len)) continue;
        if (hit && hit->key != lo->key) ambiguous = 1;
        if (!hit) hit = lo;
        if (cl < sizeof cands) cl += (size_t)snprintf(cands + cl, sizeof cands - cl, " --%s", lo->name);
    }
    if (!hit) return usage_error("unknown option '--%.*s'", (int)len, name);
    if (ambiguous) return usage_error("option '--%.*s' is ambiguous; possibilities:%s", (int)len, name, cands);
    *out = hit;
    return 0;
}

static int parse_args(cli_ctx *c, parse_state *ps, int argc, char **argv, const char ***files, int *nfiles)
{
    int i, done = 0, rc;
    const char **fl = malloc(sizeof *fl * (size_t)(argc + 1));
    *files = fl;
    *nfiles = 0;
    if (!fl) {
        msg_error(NULL, "out of memory");
        return EXIT_ERR;
    }
    i = 1;
    if (argc > 1 && !strcmp(argv[1], "analyze")) { /* llmz analyze [OPTION]... [FILE]... */
        ps->analyze = 1;
        i = 2;
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (done || a[0] != '-' || a[1] == '\0') {
            fl[(*nfiles)++] = a;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq;
            size_t len;
            const long_opt *lo = NULL;
            char spelled[40];
            if (*name == '\0') {
                done = 1;
                continue;
            }
            eq = strchr(name, '=');
            len = eq ? (size_t)(eq - name) : strlen(name);
            if ((rc = find_long(name, len, &lo)) != 0) return rc;
            snprintf(spelled, sizeof spelled, "--%s", lo->name);
            if (lo->has_arg == 2) { /* optional argument: --name or --name=ARG */
                if ((rc = apply(c, ps, lo->key, eq ? eq + 1 : NULL, spelled)) != 0) return rc;
            } else if (lo->has_arg) {
                const char *arg = eq ? eq + 1 : NULL;
                if (!arg) {
                    if (i + 1 >= argc) return usage_error("option '--%s' needs an argument", lo->name);
                    arg = argv[++i];
                }
                if ((rc = apply(c, ps, lo->key, arg, spelled)) != 0) return rc;
            } else {
                if (eq) return usage_error("option '--%s' takes no argument", lo->name);
                if ((rc = apply(c, ps, lo->key, NULL, spelled)) != 0) return rc;
            }
            continue;
        }
        /* a cluster of short options: -dcv, -T4, -T 4, -oOUT, -o OUT, -9, -1v */
        for (a++; *a; a++) {
            char spelled[3] = {'-', *a, '\0'};
            if (*a >= '0' && *a <= '9') { /* a compression level, as gzip, xz and zstd take it: -1 .. -9 */
                const char *d0 = a;
                while (a[1] >= '0' && a[1] <= '9') a++; /* a: the run's last digit */
                if (a != d0 || *a == '0')
                    return usage_error("invalid level '-%.*s' (levels are 1 to %d; llmz -h describes them)",
                                       (int)(a - d0 + 1), d0, CLI_LEVEL_MAX);
                c->o.level = *a - '0';
                continue;
            }
            if (*a == 'o' || *a == 'T') {
                const char *arg = a + 1;
                if (*arg == '\0') {
                    if (i + 1 >= argc) return usage_error("option '%s' needs an argument", spelled);
                    arg = argv[++i];
                }
                if ((rc = apply(c, ps, *a, arg, spelled)) != 0) return rc;
                break;
            }
            if (!strchr("zdtlcfkrvqVh", *a)) {
                if ((unsigned char)*a < 32 || (unsigned char)*a > 126) return usage_error("invalid option");
                return usage_error("unknown option '%s'", spelled);
            }
            if ((rc = apply(c, ps, *a, NULL, spelled)) != 0) return rc;
        }
    }
    return 0;
}

/* The end of a run: stdout's buffered output written (an error there is the run's error), everything freed. */
static int finish(cli_ctx *c, const char **files, int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        msg_error("(stdout)", "write error: %s", strerror(errno ? errno : EIO));
        status = EXIT_ERR;
    }
    codec_free(c);
    dict_free_all(c);
    free(files);
    return status;
}

int main(int argc, char **argv)
{
    cli_ctx c;
    parse_state ps;
    const char **files = NULL;
    const char *prog = argc > 0 && argv[0] ? base_name(argv[0]) : "llmz";
    const char *env;
    int nfiles = 0, rc, i, status = EXIT_OK, any_stdin;
    cli_list totals;

    fio_check_std();
    memset(&c, 0, sizeof c);
    memset(&ps, 0, sizeof ps);
    memset(&totals, 0, sizeof totals);
    ps.threads = -1;
    c.o.memlimit = CLI_DEFAULT_MEMLIMIT;
    c.o.adapt = LLMZ_ADAPT_ALL;
    c.o.format = LLMZ_FORMAT_VERSION;
    c.o.numerics = LLMZ_NUMERICS_VERSION;
    if (!strcmp(prog, "unllmz")) ps.d = 1;
    if (!strcmp(prog, "llmzcat")) ps.d = 1, c.o.to_stdout = 1;

    rc = parse_args(&c, &ps, argc, argv, &files, &nfiles);
    if (rc != 0) {
        free(files);
        return rc;
    }
    msg_quiet = c.o.quiet;
    if ((ps.help || ps.version || ps.l) && !fio_std_usable(STDOUT_FILENO, "(stdout)")) {
        free(files);
        return EXIT_ERR;
    }
    if (ps.help) {
        print_usage();
        free(files);
        if (fflush(stdout) != 0) return EXIT_ERR;
        return EXIT_OK;
    }

    c.o.mode = ps.l ? MODE_LIST : ps.t ? MODE_TEST : ps.d ? MODE_DECOMPRESS : MODE_COMPRESS;

    /* environment: only where the command line is silent */
    if (!c.o.model_path && (env = getenv("LLMZ_MODEL")) != NULL && *env) {
        c.o.model_path = env;
        c.o.model_from_env = 1;
    }
    if (!ps.kernels && (env = getenv("LLMZ_KERNELS")) != NULL && *env) {
        if (parse_kernels(env, &c.o.kernels) != 0) {
            free(files);
            return usage_error("invalid LLMZ_KERNELS '%s' (ref, avx2, avx512 or auto)", env);
        }
    } else if (ps.kernels && parse_kernels(ps.kernels, &c.o.kernels) != 0) {
        free(files);
        return usage_error("invalid --kernels '%s' (ref, avx2, avx512 or auto)", ps.kernels);
    }
    if (!llmz_kernels_name(c.o.kernels)) {
        static const char *const kname[] = {"auto", "ref", "avx2", "avx512"};
        msg_error(NULL, "kernels '%s' are not available on this CPU or in this build", kname[c.o.kernels & 3]);
        free(files);
        return EXIT_USAGE;
    }
    if (ps.chunk) {
        if (parse_size(ps.chunk, &c.o.chunk_size) != 0 || c.o.chunk_size < CLI_MIN_CHUNK ||
            c.o.chunk_size > LLMZ_MAX_CHUNK) {
            free(files);
            return usage_error("invalid --chunk-size '%s' (4K to 16M)", ps.chunk);
        }
    }
    if (ps.memlimit && parse_size(ps.memlimit, &c.o.memlimit) != 0) {
        free(files);
        return usage_error("invalid --memlimit '%s'", ps.memlimit);
    }
    if (ps.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c.o.threads = n > 0 ? n : 1;
    } else {
        c.o.threads = ps.threads;
    }
    if (c.o.threads > LLMZ_MAX_THREADS) c.o.threads = LLMZ_MAX_THREADS; /* the library's limit; -T0 too */

    if (ps.version) {
        rc = print_version(&c);
        codec_free(&c);
        free(files);
        return rc;
    }

    if ((ps.html || ps.tsv || ps.color) && !ps.analyze) {
        free(files);
        return usage_error("--html, --tsv and --color are options of llmz analyze");
    }
    if (ps.analyze) { /* llmz analyze [FILE]...: compresses in memory only, writes reports */
        const char *nocolor = getenv("NO_COLOR");
        int color = ps.color > 0 || (ps.color == 0 && isatty(STDOUT_FILENO) && !(nocolor && *nocolor));
        if (c.o.mode != MODE_COMPRESS || c.o.output || c.o.to_stdout || (ps.html && nfiles > 1)) {
            free(files);
            return usage_error("llmz analyze [--html OUT.html] [--tsv] [--color=WHEN] FILE (one FILE with --html)");
        }
        if (!fio_std_usable(STDOUT_FILENO, "(stdout)")) {
            free(files);
            return EXIT_ERR;
        }
        status = nfiles == 0 ? analyze_main(&c, NULL, ps.html, ps.tsv, color) : EXIT_OK;
        for (i = 0; i < nfiles; i++)
            if (analyze_main(&c, files[i], ps.html, ps.tsv, color) != EXIT_OK) status = EXIT_ERR;
        return finish(&c, files, status);
    }
    if (ps.verify) { /* llmz --verify ORIGINAL ARCHIVE */
        if (nfiles != 2 || c.o.mode != MODE_COMPRESS || c.o.lossy || c.o.output || c.o.to_stdout) {
            free(files);
            return usage_error("--verify takes two files: llmz --verify ORIGINAL ARCHIVE");
        }
        return finish(&c, files, lossy_verify(&c, files[0], files[1]));
    }
    if (c.o.diff) { /* llmz --lossy=N --diff[=html] FILE...: what the rewriting changes, nothing written */
        if (!c.o.lossy || c.o.mode != MODE_COMPRESS || c.o.output || nfiles < 1) {
            free(files);
            return usage_error("--diff shows what --lossy changes: llmz --lossy=LEVEL --diff[=html] FILE");
        }
        for (i = 0; i < nfiles; i++)
            if (lossy_diff(&c, files[i]) != EXIT_OK) status = EXIT_ERR;
        return finish(&c, files, status);
    }
    if (c.o.lossy && c.o.mode != MODE_COMPRESS) {
        free(files);
        return usage_error("--lossy is for compressing (any llmz that reads the format decodes the archive)");
    }
    if (c.o.index && (c.o.mode != MODE_COMPRESS || c.o.lossy)) {
        free(files);
        return usage_error("--index is for lossless compression");
    }
    if (ps.export_model) {
        if (nfiles != 1 || c.o.output || c.o.to_stdout) {
            free(files);
            return usage_error("--export-model writes one file: llmz --export-model[=NAME] OUT.gguf (- for stdout)");
        }
        if (!strcmp(files[0], "-") && !c.o.force && isatty(STDOUT_FILENO)) {
            msg_error(NULL, "a model not written to a terminal; use -f to force");
            free(files);
            return EXIT_ERR;
        }
        rc = codec_export_model(&c, ps.export_model, files[0]);
        free(files);
        return rc;
    }
    if (c.o.train_dict) { /* llmz --train-dict -o DICT SAMPLE... */
        if (!c.o.output || nfiles < 1 || c.o.mode != MODE_COMPRESS || c.o.dict_path) {
            free(files);
            return usage_error("llmz --train-dict [--dict-size N] -o DICT SAMPLE... (one SAMPLE file: its lines)");
        }
        return finish(&c, files, dict_train_main(&c, c.o.output, files, nfiles));
    }
    if (c.o.output && c.o.to_stdout) {
        free(files);
        return usage_error("-o and -c cannot be used together");
    }
    if (c.o.output && c.o.recursive) {
        free(files);
        return usage_error("-o names one output; it cannot be used with -r");
    }
    if (c.o.output && nfiles > 1) {
        free(files);
        return usage_error("-o names one output; it cannot be used with %d input files", nfiles);
    }
    if (c.o.output && !*c.o.output) {
        free(files);
        return usage_error("empty output file name");
    }
    if (c.o.range) { /* --range: the bytes of one archive, to stdout or -o; never a file named like the whole output */
        if (c.o.mode != MODE_DECOMPRESS && c.o.mode != MODE_TEST) {
            free(files);
            return usage_error("--range is for decompressing: llmz -d --range=OFFSET:LENGTH FILE.llmz (or -t)");
        }
        if (nfiles > 1 || c.o.recursive || c.o.rm) {
            free(files);
            return usage_error("--range reads one archive (no -r, no --rm)");
        }
    }
    if (c.o.mode == MODE_TEST || c.o.mode == MODE_LIST) c.o.output = NULL;

    /* Compressed data is not written to a terminal unless forced (gzip, zstd, xz). */
    any_stdin = nfiles == 0;
    for (i = 0; i < nfiles; i++)
        if (!strcmp(files[i], "-")) any_stdin = 1;
    if (c.o.mode == MODE_COMPRESS && !c.o.force && isatty(STDOUT_FILENO) &&
        (c.o.to_stdout || (c.o.output && !strcmp(c.o.output, "-")) || (!c.o.output && any_stdin))) {
        msg_error(NULL, "compressed data not written to a terminal; use -f to force");
        free(files);
        return EXIT_ERR;
    }

    fio_install_signals();
#ifdef __GLIBC__
    /* Bounded memory on long streams (issue 23): glibc raises its mmap threshold to the size of each large block
    ** freed, after which the frames' 8 MiB buffers come from thread arenas that fragment and keep growing (peak RSS
    ** 85 MB for 20 MB of input, 248 MB for 100 MB); a fixed threshold returns them to the system at free. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif

    if (nfiles == 0) {
        status = fio_process(&c, NULL, &totals);
    } else {
        for (i = 0; i < nfiles; i++) {
            int r = c.o.recursive ? walk_process(&c, files[i], &totals) : fio_process(&c, files[i], &totals);
            if (r != EXIT_OK) status = EXIT_ERR;
            if (c.model_failed) break; /* every further file would fail the same way */
        }
    }
    if (c.o.mode == MODE_LIST && ((nfiles > 1 && totals.files > 0) || (c.o.recursive && totals.files > 1)))
        codec_list_total(&totals);
    return finish(&c, files, status);
}
