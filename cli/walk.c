/*
** walk.c -- -r / --recursive: the files below a directory, with gzip's and zstd's rules.
**
** Each directory is read whole (scandir, sorted by name) before any of its files is processed, so outputs
** created while walking are never visited.  Symbolic links: to a file, followed only with -f (as for a named
** input); to a directory, never (no loops).  Compression skips files that already end in .llmz; decompression,
** -t and -l take only those.  An error is reported and the walk goes on; the result is then EXIT_ERR.
** This file only finds the files: each is processed by fio_process, like a file named on the command line.
*/
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int has_llmz_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > CLI_SUFFIX_LEN && !strcmp(name + n - CLI_SUFFIX_LEN, CLI_SUFFIX);
}

/* Whether the walk hands the file `path` (found inside a directory) to fio_process. */
static int wanted(const cli_ctx *c, const char *path, const struct stat *lst)
{
    struct stat st;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if ((c->o.mode == MODE_COMPRESS) == has_llmz_suffix(base)) return 0; /* compression: not .llmz; else: .llmz */
    if (S_ISLNK(lst->st_mode)) {
        if (!c->o.force) {
            msg_warn(path, "symbolic link skipped (use -f to follow links to files)");
            return 0;
        }
        return stat(path, &st) == 0 && S_ISREG(st.st_mode); /* not dangling, nor to a directory or device */
    }
    return S_ISREG(lst->st_mode); /* devices, FIFOs and sockets inside a directory are not data */
}

static int walk_dir(cli_ctx *c, const char *dir, cli_list *totals, int depth)
{
    struct dirent **ents = NULL;
    int n, i, status = EXIT_OK;
    size_t dlen = strlen(dir);
    if (depth > 256) {
        msg_error(dir, "directories nested too deeply -- skipped");
        return EXIT_ERR;
    }
    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        msg_error(dir, "cannot read the directory: %s", strerror(errno));
        return EXIT_ERR;
    }
    for (i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char *path;
        struct stat lst;
        if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
        path = malloc(dlen + strlen(name) + 2);
        if (!path) {
            msg_error(dir, "out of memory");
            status = EXIT_ERR;
            continue;
        }
        sprintf(path, "%s%s%s", dir, dlen > 0 && dir[dlen - 1] == '/' ? "" : "/", name); /* "dir/" gives "dir/x" */
        if (lstat(path, &lst) != 0) {
            msg_error(path, "%s", strerror(errno));
            status = EXIT_ERR;
        } else if (S_ISDIR(lst.st_mode)) {
            if (walk_dir(c, path, totals, depth + 1) != EXIT_OK) status = EXIT_ERR;
        } else if (wanted(c, path, &lst)) {
            if (fio_process(c, path, totals) != EXIT_OK) status = EXIT_ERR;
        }
        free(path);
        if (c->model_failed) break; /* every further file would fail the same way */
    }
    for (i = 0; i < n; i++) free(ents[i]);
    free(ents);
    return status;
}

int walk_process(cli_ctx *c, const char *path, cli_list *totals)
{
    struct stat lst;
    if (!strcmp(path, "-") || lstat(path, &lst) != 0 || !S_ISDIR(lst.st_mode))
        return fio_process(c, path, totals); /* not a directory: as if named without -r */
    return walk_dir(c, path, totals, 0);
}
