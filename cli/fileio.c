/*
** fileio.c -- every file operation of the CLI.
**
** Outputs are written to a temporary file next to the target ("NAME.partial-XXXXXX", mkstemp: O_EXCL, so never
** through a symlink) and renamed over the target only after everything succeeded; on any error the
** temporary is removed and the input is untouched.  An output that is a symlink to a regular file replaces
** the file it names (the link stays); a device or pipe named as output (/dev/null, /dev/stdout) is written in
** place (out_open_named).  SIGINT/SIGTERM/SIGHUP remove the current temporary
** (its path lives in a static buffer; unlink and _exit are async-signal-safe) and exit 128+sig.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif

/* ---- signals ---------------------------------------------------------------------------------- */
static char g_tmp[PATH_MAX + 32];
static volatile sig_atomic_t g_tmp_active;

static void on_signal(int sig)
{
    if (g_tmp_active) unlink(g_tmp);
    _exit(128 + sig);
}

void fio_install_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    size_t i;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        /* a signal ignored at startup (nohup, background jobs) stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---- plain reads and writes ------------------------------------------------------------------- */
ssize_t fio_read_some(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, buf, n > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : n);
        if (r < 0 && errno == EINTR) continue;
        return r;
    }
}

ssize_t fio_read(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = fio_read_some(fd, (char *)buf + got, n - got);
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int fio_write(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Pipes and devices read whole (--model, --adapter) may give at most this much (regular files: any size). */
#define FIO_WHOLE_MAX ((size_t)4 << 30)

int fio_read_whole(const char *path, const char *what, void **data, size_t *size)
{
    struct stat st;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    int fd = open(path, O_RDONLY | O_NOCTTY);
    *data = NULL;
    *size = 0;
    if (fd < 0) {
        msg_error(path, "cannot open %s: %s", what, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        msg_error(path, "cannot open %s: %s", what, strerror(EISDIR));
        close(fd);
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) cap = (size_t)st.st_size + 1;
    for (;;) {
        ssize_t r;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1u << 20;
            /* a pipe or device that does not end (/dev/zero): refuse, do not exhaust memory */
            if (len >= FIO_WHOLE_MAX) {
                msg_error(path, "cannot read %s: larger than %llu GiB", what,
                          (unsigned long long)(FIO_WHOLE_MAX >> 30));
                free(buf);
                close(fd);
                return -1;
            }
            char *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                msg_error(path, "cannot read %s: %s", what, llmz_error_name(LLMZ_ERR_NOMEM));
                free(buf);
                close(fd);
                return -1;
            }
            buf = nb;
            cap = ncap;
        } else if (!buf) {
            buf = malloc(cap);
            if (!buf) {
                msg_error(path, "cannot read %s: %s", what, llmz_error_name(LLMZ_ERR_NOMEM));
                close(fd);
                return -1;
            }
        }
        r = fio_read_some(fd, buf + len, cap - len);
        if (r < 0) {
            msg_error(path, "cannot read %s: %s", what, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = len;
    return 0;
}

/* ---- standard descriptors ------------------------------------------------------------------- */
static int g_std_closed[3];

/* A closed descriptor 0, 1 or 2 gets /dev/null as a placeholder, so that no file we open takes its number
** (an input opened as descriptor 1 would look like our stdout); using a closed stdin or stdout is then an
** error ("Bad file descriptor", as gzip and zstd say), never a silent write to /dev/null. */
void fio_check_std(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        g_std_closed[fd] = 1;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) close(n); /* cannot happen: open takes the lowest free number */
    }
}

int fio_std_usable(int fd, const char *name)
{
    if (fd < 0 || fd > 2 || !g_std_closed[fd]) return 1;
    msg_error(name, "%s", strerror(EBADF));
    return 0;
}

/* ---- outputs ---------------------------------------------------------------------------------- */
typedef struct {
    int fd;
    int is_stdout;
    int direct;       /* written in place (a device or pipe named as output): no temporary, no rename */
    const char *path; /* final name (for a symlink to a regular file: the file it names) */
} fio_out;

static int out_open_stdout(fio_out *o)
{
    o->fd = STDOUT_FILENO;
    o->is_stdout = 1;
    o->path = "(stdout)";
    return 0;
}

/* The temporary name for `path`: "NAME.partial-XXXXXX" in the same directory, visible, so that the one thing a
** signal handler cannot clean up (SIGKILL, a power cut) is plain to see.  A NAME too long for the directory's
** name limit is shortened (at a UTF-8 character boundary) so that every name that fits can be written. */
#define TMP_TAG ".partial-XXXXXX"
static int tmp_name(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base), tag = strlen(TMP_TAG);
    long name_max = 255;
    if (dlen + blen + tag + 1 > cap) return -1;
    memcpy(buf, path, dlen);
    buf[dlen] = '\0';
    {
        long v = pathconf(dlen ? buf : ".", _PC_NAME_MAX);
        if (v > 0) name_max = v;
    }
    if ((long)(blen + tag) > name_max) {
        if (name_max <= (long)tag + 1) return -1;
        blen = (size_t)name_max - tag;
        while (blen > 1 && ((unsigned char)base[blen] & 0xC0) == 0x80) blen--;
    }
    memcpy(buf + dlen, base, blen);
    memcpy(buf + dlen + blen, TMP_TAG, tag + 1);
    return 0;
}

/* Create the temporary file for `path` in the same directory. */
static int out_open_file(fio_out *o, const char *path)
{
    int fd;
    o->fd = -1;
    o->is_stdout = 0;
    o->direct = 0;
    o->path = path;
    if (tmp_name(path, g_tmp, sizeof g_tmp) != 0) {
        msg_error(path, "cannot create: %s", strerror(ENAMETOOLONG));
        return -1;
    }
    g_tmp_active = 1; /* the handler may unlink this name from now on */
    fd = mkstemp(g_tmp);
    if (fd < 0) {
        int e = errno;
        g_tmp_active = 0;
        msg_error(path, "cannot create: %s", strerror(e));
        return -1;
    }
    o->fd = fd;
    return 0;
}

/* Open an existing device or pipe named as the output, to write into it in place. */
static int out_open_direct(fio_out *o, const char *path)
{
    o->is_stdout = 0;
    o->direct = 1;
    o->path = path;
    o->fd = open(path, O_WRONLY | O_NOCTTY);
    if (o->fd < 0) {
        msg_error(path, "cannot open for writing: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int is_dev_null(const struct stat *st)
{
    struct stat nst;
    return S_ISCHR(st->st_mode) && stat("/dev/null", &nst) == 0 && S_ISCHR(nst.st_mode) && nst.st_rdev == st->st_rdev;
}

/* Open the output named `path` (-o, or the name derived from the input).  What is there decides how:
**   nothing            a temporary beside it, renamed into place at the end;
**   a regular file     the same, with -f only; through a symbolic link the file it names is replaced and the
**                      link kept (as zstd and gzip write through links);
**   /dev/null          written in place, without -f (the benchmark idiom);
**   a character device, FIFO or socket (also through links: /dev/stdout)  written in place, with -f only;
**   a directory, a block device, a dangling link: refused. */
static int out_open_named(fio_out *o, const char *path, const struct stat *in_st, int force, char **resolved)
{
    struct stat lst, st;
    *resolved = NULL;
    if (lstat(path, &lst) != 0) {
        if (errno != ENOENT) {
            msg_error(path, "cannot create: %s", strerror(errno));
            return -1;
        }
        return out_open_file(o, path);
    }
    if (stat(path, &st) != 0) {
        msg_error(path, "is a dangling symbolic link -- not written through (remove it, or name another output)");
        return -1;
    }
    if (st.st_dev == in_st->st_dev && st.st_ino == in_st->st_ino) {
        msg_error(path, "input and output are the same file");
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        msg_error(path, "is a directory -- name a file as the output");
        return -1;
    }
    if (S_ISBLK(st.st_mode)) {
        msg_error(path, "is a block device -- llmz does not write to block devices");
        return -1;
    }
    if (is_dev_null(&st)) return out_open_direct(o, path);
    if (!force) {
        if (S_ISREG(st.st_mode)) msg_error(NULL, "%s already exists; use -f to overwrite it", path);
        else msg_error(path, "exists and is not a regular file; use -f to write into it");
        return -1;
    }
    if (!S_ISREG(st.st_mode)) return out_open_direct(o, path);
    if (S_ISLNK(lst.st_mode)) { /* replace the file the link names, keep the link */
        *resolved = realpath(path, NULL);
        if (!*resolved) {
            msg_error(path, "cannot follow the symbolic link: %s", strerror(errno));
            return -1;
        }
        return out_open_file(o, *resolved);
    }
    return out_open_file(o, path);
}

static void out_abort(fio_out *o)
{
    if (o->is_stdout || o->fd < 0) return;
    close(o->fd);
    o->fd = -1;
    if (o->direct) return;
    unlink(g_tmp);
    g_tmp_active = 0;
}

/* Give the output the input's owner (where allowed), permissions and times; close; rename. */
static int out_commit(fio_out *o, const struct stat *in_st, int have_in_st, int do_sync)
{
    if (o->is_stdout) return 0;
    if (o->direct) {
        int r = close(o->fd);
        o->fd = -1;
        if (r != 0) {
            msg_error(o->path, "write error: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (have_in_st) {
        struct timespec ts[2];
        if (fchown(o->fd, in_st->st_uid, in_st->st_gid) != 0) {
            /* not the owner: keep ours (gzip does the same) */
        }
        if (fchmod(o->fd, in_st->st_mode & 0777) != 0) {
            msg_warn(o->path, "cannot set permissions: %s", strerror(errno));
        }
        ts[0] = in_st->st_atim;
        ts[1] = in_st->st_mtim;
        if (futimens(o->fd, ts) != 0) msg_warn(o->path, "cannot set times: %s", strerror(errno));
    } else {
        mode_t um = umask(0);
        umask(um);
        if (fchmod(o->fd, 0666 & ~um) != 0) msg_warn(o->path, "cannot set permissions: %s", strerror(errno));
    }
    if (do_sync && fsync(o->fd) != 0) {
        msg_error(o->path, "write error: %s", strerror(errno));
        out_abort(o);
        return -1;
    }
    if (close(o->fd) != 0) {
        int e = errno;
        o->fd = -1;
        unlink(g_tmp);
        g_tmp_active = 0;
        msg_error(o->path, "write error: %s", strerror(e));
        return -1;
    }
    o->fd = -1;
    if (rename(g_tmp, o->path) != 0) {
        int e = errno;
        unlink(g_tmp);
        g_tmp_active = 0;
        msg_error(o->path, "cannot rename the output into place: %s", strerror(e));
        return -1;
    }
    g_tmp_active = 0;
    return 0;
}

int fio_write_whole(const cli_opts *o, const char *path, const void *data, size_t size)
{
    struct stat none;
    fio_out out;
    char *resolved = NULL;
    int rc = -1;
    memset(&none, 0, sizeof none); /* no input: inode 0 is no file's */
    memset(&out, 0, sizeof out);
    out.fd = -1;
    if (!strcmp(path, "-")) {
        if (!fio_std_usable(STDOUT_FILENO, "(stdout)")) return -1;
        out_open_stdout(&out);
    } else if (out_open_named(&out, path, &none, o->force, &resolved) != 0) {
        free(resolved);
        return -1;
    }
    if (fio_write(out.fd, data, size) != 0) {
        msg_error(out.path, "write error: %s", strerror(errno));
        out_abort(&out);
    } else {
        rc = out_commit(&out, &none, 0, 0);
    }
    free(resolved);
    return rc;
}

/* ---- one input -------------------------------------------------------------------------------- */
static int has_suffix(const char *path)
{
    size_t n = strlen(path);
    return n >= CLI_SUFFIX_LEN && !strcmp(path + n - CLI_SUFFIX_LEN, CLI_SUFFIX);
}

/* Open a named input.  Symlinks and non-regular files only with `follow`; directories never. */
static int open_input(const char *path, int follow, int *fd_out, struct stat *st)
{
    struct stat lst;
    int fd, fl;
    *fd_out = -1;
    if (lstat(path, &lst) != 0) {
        msg_error(path, "%s", strerror(errno));
        return -1;
    }
    if (S_ISLNK(lst.st_mode) && !follow) {
        msg_error(path, "not a regular file (symbolic link); use -f or -c to follow it");
        return -1;
    }
    if (S_ISDIR(lst.st_mode)) {
        msg_error(path, "is a directory");
        return -1;
    }
    /* O_NONBLOCK where non-regular files are refused anyway, so opening a FIFO cannot hang; where they are
    ** allowed, a FIFO is opened blocking, which waits for its writer (with O_NONBLOCK, reading a FIFO
    ** without a writer yet would look like an empty input). */
    fd = open(path, O_RDONLY | O_NOCTTY | (follow ? 0 : O_NONBLOCK | O_NOFOLLOW));
    if (fd < 0) {
        if (errno == ELOOP) msg_error(path, "not a regular file (symbolic link); use -f or -c to follow it");
        else msg_error(path, "%s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0) {
        msg_error(path, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st->st_mode)) {
        msg_error(path, "is a directory");
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode) && !follow) {
        msg_error(path, "not a regular file; use -f or -c to read it");
        close(fd);
        return -1;
    }
    if (!follow && (fl = fcntl(fd, F_GETFL)) >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fd_out = fd;
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const char *plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

static void report(const cli_ctx *c, const char *name, const codec_result *r, double secs)
{
    uint64_t orig = c->o.mode == MODE_COMPRESS ? r->in_bytes : r->out_bytes;
    uint64_t comp = c->o.mode == MODE_COMPRESS ? r->out_bytes : r->in_bytes;
    char ratio[32], bpb[32], model[800], chunks[96];
    double kbs = secs > 0 ? (double)orig / 1000.0 / secs : 0.0;
    fmt_ratio(ratio, sizeof ratio, orig, comp);
    fmt_bpb(bpb, sizeof bpb, orig, comp);
    if (r->st.model_bits > 0) /* compression: the model's figures against the coded bits */
        snprintf(model, sizeof model,
                 "model cross-entropy %.0f bits, integer frequencies %.0f bits, coded %.0f bits "
                 "(coder overhead %+.3f%% over the frequencies, %+.2f%% over the model)",
                 r->st.model_bits, r->st.freq_bits, r->st.coded_bits,
                 100.0 * (r->st.coded_bits - r->st.freq_bits) / r->st.freq_bits,
                 100.0 * (r->st.coded_bits - r->st.model_bits) / r->st.model_bits);
    else /* decoding sees only the coded bits (or nothing was model-coded) */
        snprintf(model, sizeof model, "coded %.0f bits", r->st.coded_bits);
    if (c->o.mode == MODE_COMPRESS) {
        size_t ml = strlen(model);
        snprintf(model + ml, sizeof model - ml, "; adapter %s%s", r->adapter[0] ? r->adapter : "none",
                 r->adapter_auto ? " (auto)" : "");
    }
    snprintf(chunks, sizeof chunks, "%llu %s", (unsigned long long)r->st.chunks,
             plural(r->st.chunks, "chunk", "chunks"));
    if (r->st.raw_chunks) {
        size_t cl = strlen(chunks);
        snprintf(chunks + cl, sizeof chunks - cl, " (%llu stored raw)", (unsigned long long)r->st.raw_chunks);
    }
    msg_info("%s: %s%llu -> %llu bytes, ratio %s, %s bits/byte, %.1f KB/s; %llu %s, %s, %llu %s; %s", name,
             c->o.mode == MODE_TEST ? "OK, " : "", (unsigned long long)r->in_bytes, (unsigned long long)r->out_bytes,
             ratio, bpb, kbs, (unsigned long long)r->frames, plural(r->frames, "frame", "frames"), chunks,
             (unsigned long long)r->st.tokens, plural(r->st.tokens, "token", "tokens"), model);
}

int fio_process(cli_ctx *c, const char *path, cli_list *totals)
{
    const cli_opts *o = &c->o;
    int is_stdin = !path || !strcmp(path, "-");
    const char *name = is_stdin ? "(stdin)" : path;
    int writes = o->mode == MODE_COMPRESS || o->mode == MODE_DECOMPRESS;
    int out_stdout = 0, in_fd = -1, rc;
    char *outpath = NULL;
    struct stat in_st;
    fio_out out;
    codec_result res;
    double t0;

    memset(&res, 0, sizeof res);
    memset(&out, 0, sizeof out);
    out.fd = -1;

    /* where the output goes */
    if (writes) {
        if (o->to_stdout || (o->output && !strcmp(o->output, "-")) || ((is_stdin || o->range) && !o->output)) {
            out_stdout = 1;
        } else if (o->output) {
            outpath = strdup(o->output);
        } else if (o->mode == MODE_COMPRESS) {
            size_t n = strlen(path);
            outpath = malloc(n + CLI_SUFFIX_LEN + 1);
            if (outpath) {
                memcpy(outpath, path, n);
                memcpy(outpath + n, CLI_SUFFIX, CLI_SUFFIX_LEN + 1);
            }
        } else {
            const char *b = strrchr(path, '/');
            size_t n = strlen(path);
            b = b ? b + 1 : path;
            if (!has_suffix(path) || strlen(b) <= CLI_SUFFIX_LEN) {
                msg_error(path, "unknown suffix -- ignored (use -c or -o to decompress it)");
                return EXIT_ERR;
            }
            outpath = malloc(n - CLI_SUFFIX_LEN + 1);
            if (outpath) {
                memcpy(outpath, path, n - CLI_SUFFIX_LEN);
                outpath[n - CLI_SUFFIX_LEN] = '\0';
            }
        }
        if (!out_stdout && !outpath) {
            msg_error(name, "out of memory");
            return EXIT_ERR;
        }
    }
    if (o->mode == MODE_COMPRESS && !is_stdin && has_suffix(path) && !o->force) {
        msg_error(path, "already has the %s suffix -- unchanged (use -f to compress it again)", CLI_SUFFIX);
        free(outpath);
        return EXIT_ERR;
    }

    /* the input */
    if (is_stdin) {
        in_fd = STDIN_FILENO;
        if (!fio_std_usable(STDIN_FILENO, name)) {
            free(outpath);
            return EXIT_ERR;
        }
        if (fstat(in_fd, &in_st) != 0) {
            msg_error(name, "%s", strerror(errno));
            free(outpath);
            return EXIT_ERR;
        }
        if (o->mode != MODE_COMPRESS && !o->force && isatty(in_fd)) {
            msg_error(NULL, "compressed data not read from a terminal; use -f to force");
            free(outpath);
            return EXIT_ERR;
        }
    } else {
        int follow = o->force || o->to_stdout || !writes;
        if (open_input(path, follow, &in_fd, &in_st) != 0) {
            free(outpath);
            return EXIT_ERR;
        }
    }

    /* the output: never over an existing file without -f, never over the input, never replacing a link */
    if (outpath) {
        char *resolved = NULL;
        int r = out_open_named(&out, outpath, &in_st, o->force, &resolved);
        if (resolved) { /* the output is the file a symlink names: keep that name for the rename */
            free(outpath);
            outpath = resolved;
            out.path = outpath;
        }
        if (r != 0) goto fail;
    } else if (out_stdout) {
        struct stat ost;
        if (!fio_std_usable(STDOUT_FILENO, "(stdout)")) goto fail;
        if (S_ISREG(in_st.st_mode) && fstat(STDOUT_FILENO, &ost) == 0 && S_ISREG(ost.st_mode) &&
            ost.st_dev == in_st.st_dev && ost.st_ino == in_st.st_ino) {
            msg_error(name, "input and output are the same file");
            goto fail;
        }
        out_open_stdout(&out);
    }

    t0 = now_s();
    if (o->mode != MODE_LIST)
        progress_begin(o, name, S_ISREG(in_st.st_mode) ? (uint64_t)in_st.st_size : 0, o->mode != MODE_COMPRESS);
    switch (o->mode) {
    case MODE_COMPRESS: rc = codec_compress(c, in_fd, out.fd, name, &res); break;
    case MODE_DECOMPRESS:
        if (o->range) { /* --range: only the bytes asked for (range.c) */
            rc = range_decompress(c, in_fd, out.fd, name, &res);
            break;
        }
        c->passthrough = o->force && out_stdout; /* zcat -f: -dcf copies what is not an archive */
        rc = codec_decompress(c, in_fd, out.fd, name, &res);
        c->passthrough = 0;
        break;
    case MODE_TEST:
        rc = o->range ? range_decompress(c, in_fd, -1, name, &res) : codec_decompress(c, in_fd, -1, name, &res);
        break;
    default: rc = codec_list(c, in_fd, name, totals); break;
    }
    progress_end();
    if (rc != 0) goto fail;

    if (writes && out_commit(&out, &in_st, !is_stdin && S_ISREG(in_st.st_mode), o->rm && !out_stdout) != 0)
        goto fail;
    if (!is_stdin) close(in_fd);
    in_fd = -1;

    if (o->verbose && o->mode != MODE_LIST && !o->range) report(c, name, &res, now_s() - t0); /* range.c: its own */

    if (writes && o->rm && !out_stdout && !is_stdin && out.direct) {
        msg_warn(path, "kept: the output %s is not a regular file (--rm removes inputs only for files)", outpath);
    } else if (writes && o->rm && !out_stdout && !is_stdin) {
        if (unlink(path) != 0) {
            msg_error(path, "cannot remove the input: %s", strerror(errno));
            free(outpath);
            return EXIT_ERR;
        }
    }
    free(outpath);
    return EXIT_OK;

fail:
    out_abort(&out);
    if (in_fd >= 0 && !is_stdin) close(in_fd);
    free(outpath);
    return EXIT_ERR;
}
