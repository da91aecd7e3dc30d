/* replay.c - main() for the fuzz targets without libFuzzer: runs one
 * target (linked in) over files, so the seed corpus and any saved crash
 * reproducers are replayed in every make check, plain or sanitized.
 *
 *   replay_<name> [FILE|DIR]...
 *
 * Without arguments it replays $srcdir/tests/fuzz/<name>/seeds (which
 * must hold at least one input: an empty corpus means a broken tree or
 * tarball) and $srcdir/tests/fuzz/<name>/crashes if it exists; the test
 * harness exports srcdir. A broken invariant aborts, failing the test;
 * files whose names start with '.' are skipped. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the target, e.g. -DFUZZ_NAME='\"wsf\"'"
#endif

static size_t replay_count;


/* Run the target over one file. Returns 0 or -1. */
static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            data = realloc(data, cap);
            if (data == NULL) {
                fprintf(stderr, "replay: out of memory\n");
                exit(1);
            }
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: %s: read error\n", path);
        fclose(f);
        free(data);
        return -1;
    }
    fclose(f);
    /* An exact-size copy, as libFuzzer gives, so that ASan sees any read
     * past the end of the input. */
    {
        uint8_t *exact = malloc(len ? len : 1);

        if (exact == NULL)
            exit(1);
        memcpy(exact, data, len);
        free(data);
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    replay_count++;
    return 0;
}


static int
replay_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}


/* Run the target over every regular file in dir, in name order (so runs
 * are reproducible). Returns the number run, or -1. */
static long
replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    long done = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
            if (names == NULL)
                exit(1);
        }
        names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (names[n] == NULL)
            exit(1);
        sprintf(names[n], "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), replay_cmp);
    for (i = 0; i < n; i++) {
        struct stat st;

        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[i]) != 0)
                rc = -1;
            else
                done++;
        }
        free(names[i]);
    }
    free(names);
    return rc < 0 ? -1 : done;
}


static int
replay_path(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return replay_dir(path) < 0 ? -1 : 0;
    return replay_file(path);
}


int
main(int argc, char **argv)
{
    const char *srcdir = getenv("srcdir");
    char path[4096];
    struct stat st;
    long seeds;
    int i, rc = 0;

    if (argc > 1) {
        for (i = 1; i < argc; i++)
            if (replay_path(argv[i]) != 0)
                rc = 1;
        fprintf(stderr, "replay %s: %zu inputs\n", FUZZ_NAME, replay_count);
        return rc;
    }
    if (srcdir == NULL)
        srcdir = ".";
    snprintf(path, sizeof(path), "%s/tests/fuzz/%s/seeds", srcdir, FUZZ_NAME);
    seeds = replay_dir(path);
    if (seeds <= 0) {
        fprintf(stderr, "replay %s: no seeds replayed from %s\n", FUZZ_NAME,
                path);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/tests/fuzz/%s/crashes", srcdir, FUZZ_NAME);
    if (stat(path, &st) == 0 && replay_dir(path) < 0)
        rc = 1;
    fprintf(stderr, "replay %s: %zu inputs%s\n", FUZZ_NAME, replay_count,
            rc ? ", some unreadable" : ", all passed");
    return rc;
}
