/* team.c -- fork-join thread team (team.h). */
#include "common/team.h"

#include <fenv.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "common/mem.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define TEAM_MAX 64
/* Waiting: pause loops first (a wait inside one evaluation is a few microseconds), then sched_yield, so that a
** member the kernel descheduled gets the CPU back at once when there are more threads than free cores (before,
** 200000 pauses per wait made -T3 on 2 cores, or any competing load, cost a whole time slice per fork-join);
** a helper with nothing to do for longer then sleeps. */
#define SPIN_LIMIT 2000    /* pause loops (some 20-60 us) before yielding */
#define YIELD_LIMIT 20000  /* then sched_yield calls before a helper sleeps */

struct team {
    int n;
    team_fn fn;
    void *arg;
    atomic_uint gen;   /* bumped by each team_run (and by team_free, with quit set) */
    atomic_int done;   /* helpers finished with the current generation */
    atomic_int sleepers;
    atomic_int quit;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;
    pthread_t tid[TEAM_MAX];
    struct member {
        team *t;
        int i;
    } mem[TEAM_MAX];
};

static void *helper(void *p) {
    struct member *me = p;
    team *t = me->t;
    fesetenv(FE_DFL_ENV); /* the library's arithmetic assumes the default environment (docs/determinism.md) */
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load(&t->gen)) == seen) {
            if (++spins < SPIN_LIMIT) {
                cpu_relax();
                continue;
            }
            if (spins < SPIN_LIMIT + YIELD_LIMIT) {
                sched_yield();
                continue;
            }
            pthread_mutex_lock(&t->mu);
            atomic_fetch_add(&t->sleepers, 1);
            while (atomic_load(&t->gen) == seen) pthread_cond_wait(&t->cv, &t->mu);
            atomic_fetch_sub(&t->sleepers, 1);
            pthread_mutex_unlock(&t->mu);
            spins = 0;
        }
        seen = g;
        if (atomic_load(&t->quit)) return NULL;
        t->fn(t->arg, me->i, t->n);
        atomic_fetch_add(&t->done, 1);
    }
}

static void wake(team *t) {
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
}

team *team_new(int n) {
    if (n < 2) return NULL;
    if (n > TEAM_MAX) n = TEAM_MAX;
    team *t = llmz_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->n = n;
    atomic_init(&t->gen, 0);
    atomic_init(&t->done, 0);
    atomic_init(&t->sleepers, 0);
    atomic_init(&t->quit, 0);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    for (int i = 1; i < n; i++) {
        t->mem[i].t = t;
        t->mem[i].i = i;
        if (pthread_create(&t->tid[i], NULL, helper, &t->mem[i]) != 0) break;
        t->started++;
    }
    if (t->started != n - 1) {
        team_free(t);
        return NULL;
    }
    return t;
}

void team_free(team *t) {
    if (!t) return;
    atomic_store(&t->quit, 1);
    atomic_fetch_add(&t->gen, 1);
    pthread_mutex_lock(&t->mu);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    for (int i = 1; i <= t->started; i++) pthread_join(t->tid[i], NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    llmz_free(t);
}

void team_relax(int *spins) {
    if (++*spins < SPIN_LIMIT)
        cpu_relax();
    else
        sched_yield();
}

int team_size(const team *t) { return t ? t->n : 1; }

void team_run(team *t, team_fn fn, void *arg) {
    if (!t) {
        fn(arg, 0, 1);
        return;
    }
    t->fn = fn;
    t->arg = arg;
    atomic_store(&t->done, 0);
    atomic_fetch_add(&t->gen, 1); /* publishes fn, arg (sequentially consistent) */
    wake(t);
    fn(arg, 0, t->n);
    int spins = 0;
    while (atomic_load(&t->done) != t->n - 1) {
        if (++spins < SPIN_LIMIT)
            cpu_relax();
        else
            sched_yield();
    }
}

void team_split(int len, int align, int i, int n, int *lo, int *hi) {
    int units = (len + align - 1) / align;
    int a = (int)((long long)units * i / n), b = (int)((long long)units * (i + 1) / n);
    *lo = a * align > len ? len : a * align;
    *hi = b * align > len ? len : b * align;
}
