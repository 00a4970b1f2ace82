/*
** progress.c -- the one-line progress display on stderr (as zstd's): percent, bytes in -> out, speed, time left.
**
** A thread of its own redraws the line four times a second, from the library's progress counters
** (llmz_cctx_progress / llmz_dctx_progress, read without locks while a frame is coded) plus the frames already
** done, which the coding thread reports under a mutex.  The line appears after half a second (short jobs show
** nothing), is erased before any other message (msg.c calls progress_erase) and at the end.  Shown only when
** stderr is a terminal, unless --progress forces it; never with -q or --no-progress; never on stdout.
*/
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct {
    pthread_t tid;
    int running, stop, shown;
    const char *name;
    int decode;
    uint64_t total;            /* input bytes, 0 when unknown (a pipe) */
    uint64_t in_done, out_done; /* bytes of the frames finished */
    uint64_t frame_in, frame_orig; /* the frame being coded: its input and original sizes (0 when none) */
    const llmz_cctx *cc;       /* the context coding it */
    const llmz_dctx *dc;
    double t0;
} P;

int progress_mode; /* 0 automatic (stderr a terminal), 1 forced (--progress), -1 off (--no-progress) */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fmt_bytes(char *b, size_t cap, uint64_t n)
{
    if (n < 10000) snprintf(b, cap, "%llu B", (unsigned long long)n);
    else fmt_iec(b, cap, n);
}

/* Draw the line (lock held). */
static void draw(void)
{
    uint64_t in = P.in_done, out = P.out_done, cur = 0;
    char ib[32], ob[32], pct[16] = "", eta[32] = "";
    double secs = now() - P.t0, rate;
    if (P.cc) cur = llmz_cctx_progress(P.cc);
    if (P.dc) cur = llmz_dctx_progress(P.dc);
    if (P.decode) { /* the counter is output bytes: the input part scales with the frame */
        out += cur;
        if (P.frame_orig) in += (uint64_t)((double)P.frame_in * (double)cur / (double)P.frame_orig);
    } else { /* the counter is input bytes; the output counts finished frames */
        in += cur;
    }
    rate = secs > 0 ? (double)(P.decode ? out : in) / secs : 0;
    if (P.total) {
        double f = (double)in / (double)P.total;
        if (f > 1) f = 1;
        snprintf(pct, sizeof pct, "%3.0f%% ", 100.0 * f);
        if (f > 0.001) {
            long left = (long)(secs * (1 - f) / f + 0.5);
            snprintf(eta, sizeof eta, ", %ld:%02ld left", left / 60, left % 60);
        }
    }
    fmt_bytes(ib, sizeof ib, in);
    fmt_bytes(ob, sizeof ob, out);
    if (!P.decode && out == 0) snprintf(ob, sizeof ob, "..."); /* compressed bytes come at a frame's end */
    fprintf(stderr, "\r\033[Kllmz: %s: %s%s -> %s, %.1f KB/s%s", P.name, pct, ib, ob, rate / 1000.0, eta);
    fflush(stderr);
    P.shown = 1;
}

static void erase_locked(void)
{
    if (!P.shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    P.shown = 0;
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!P.stop) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 250 * 1000000L;
        if (t.tv_nsec >= 1000000000L) t.tv_sec++, t.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&wake, &lock, &t);
        if (!P.stop && now() - P.t0 >= 0.5) draw();
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

void progress_begin(const cli_opts *o, const char *name, uint64_t total, int decode)
{
    if (progress_mode < 0 || o->quiet || (progress_mode == 0 && !isatty(STDERR_FILENO))) return;
    pthread_mutex_lock(&lock);
    P.name = name;
    P.decode = decode;
    P.total = total;
    P.in_done = P.out_done = P.frame_in = P.frame_orig = 0;
    P.cc = NULL;
    P.dc = NULL;
    P.stop = 0;
    P.shown = 0;
    P.t0 = now();
    pthread_mutex_unlock(&lock);
    if (pthread_create(&P.tid, NULL, run, NULL) == 0) P.running = 1;
}

void progress_frame(const llmz_cctx *cc, const llmz_dctx *dc, uint64_t frame_in, uint64_t frame_orig)
{
    if (!P.running) return;
    pthread_mutex_lock(&lock);
    P.cc = cc;
    P.dc = dc;
    P.frame_in = frame_in;
    P.frame_orig = frame_orig;
    pthread_mutex_unlock(&lock);
}

void progress_done(uint64_t in_bytes, uint64_t out_bytes)
{
    if (!P.running) return;
    pthread_mutex_lock(&lock);
    P.cc = NULL;
    P.dc = NULL;
    P.frame_in = P.frame_orig = 0;
    P.in_done += in_bytes;
    P.out_done += out_bytes;
    pthread_mutex_unlock(&lock);
}

void progress_end(void)
{
    if (!P.running) return;
    pthread_mutex_lock(&lock);
    P.stop = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(P.tid, NULL);
    P.running = 0;
    pthread_mutex_lock(&lock);
    erase_locked();
    pthread_mutex_unlock(&lock);
}

void progress_erase(void)
{
    if (!P.running) return;
    pthread_mutex_lock(&lock);
    erase_locked();
    pthread_mutex_unlock(&lock);
}
