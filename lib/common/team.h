/*
** team.h -- a fixed team of threads for fork-join loops inside one model evaluation.
**
** team_run(t, fn, arg) calls fn(arg, i, n) once for every i in [0, n) -- i = 0 on the calling thread, the
** others on the team's helper threads -- and returns when all calls have returned.  The model's evaluations
** split work by (i, n) alone and output rows only, so results do not depend on n (docs/determinism.md,
** "Threads"); a chunk group's step (engine/batch.c) also lets members take whole chunks from each other,
** whose coding does not depend on the thread that does it.
** Helpers spin briefly between calls (a model evaluation issues some 20 calls per token), then sleep.
*/
#ifndef LLMZ_TEAM_H
#define LLMZ_TEAM_H

typedef struct team team;
typedef void (*team_fn)(void *arg, int i, int n);

/* A team of n threads (the caller and n - 1 helpers).  NULL when n < 2 or a thread cannot be started. */
team *team_new(int n);
void team_free(team *t);
int team_size(const team *t); /* 1 for NULL */
/* Run fn on every member; with t == NULL, fn(arg, 0, 1) on the caller. */
void team_run(team *t, team_fn fn, void *arg);

/* One turn of a member waiting on another's flag (*spins counts the turns, from 0): a pause, and after as many as
** the team's own waits make, the CPU yielded instead (a member the kernel descheduled then gets it back). */
void team_relax(int *spins);

/* Part i of n of [0, len), boundaries on multiples of `align` (except len itself). */
void team_split(int len, int align, int i, int n, int *lo, int *hi);

#endif
