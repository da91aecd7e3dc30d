/* conf_read.c - the config file reader (part of the conf module): the
 * tokenizer, "include", file:line error reporting and --set overrides. The
 * directives themselves live in conf.c. */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "x.h"

#define CONF_MAX_ARGS 16
#define CONF_MAX_INCLUDE_DEPTH 8
#define CONF_MAX_LINE 4096
#define CONF_SRC_SET 0x7fffffffu /* all --set overrides are one source */

static int conf_load_file(wf_conf_t *c, const char *path, int depth,
                          char **cause);

/* Split text into arguments in place: whitespace separates, '#' at the
 * start of a word begins a comment, "double quotes" group with \" and \\
 * escapes. Returns argc, or -1 with *why set. */
static int
conf_split(char *p, char **argv, char **why)
{
    int argc = 0;

    for (;;) {
        char *out;

        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0' || *p == '#')
            return argc;
        if (argc == CONF_MAX_ARGS) {
            *why = wf_xasprintf("too many arguments (at most %d)",
                                CONF_MAX_ARGS);
            return -1;
        }
        argv[argc++] = out = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0') {
                    *why = wf_xstrdup("unterminated quoted string");
                    return -1;
                }
                if (*p == '"')
                    break;
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                *out++ = *p++;
            }
            p++;
            if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
                *p != '\n') {
                *why = wf_xstrdup("a quoted string must end its argument");
                return -1;
            }
        } else {
            while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
                   *p != '\n')
                *out++ = *p++;
        }
        if (*p != '\0')
            p++;
        *out = '\0';
    }
}


/* Handle "include GLOB": relative patterns are relative to the including
 * file's directory; a pattern without wildcards must name a file. */
static int
conf_include(wf_conf_t *c, const char *file, const char *pattern, int depth,
             char **why)
{
    glob_t g;
    char *full;
    int r, rc = 0;

    if (depth >= CONF_MAX_INCLUDE_DEPTH) {
        *why = wf_xasprintf("includes nested deeper than %d (a loop?)",
                            CONF_MAX_INCLUDE_DEPTH);
        return WF_EINVAL;
    }
    if (pattern[0] != '/' && strrchr(file, '/') != NULL)
        full = wf_xasprintf("%.*s/%s", (int)(strrchr(file, '/') - file), file,
                            pattern);
    else
        full = wf_xstrdup(pattern);
    r = glob(full, GLOB_ERR, NULL, &g);
    if (r == GLOB_NOMATCH) {
        if (strpbrk(pattern, "*?[") == NULL) {
            *why = wf_xasprintf("include \"%s\": %s", full, strerror(ENOENT));
            rc = WF_EINVAL;
        }
    } else if (r != 0) {
        *why = wf_xasprintf("include \"%s\": cannot read", full);
        rc = WF_EINVAL;
    } else {
        for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
            rc = conf_load_file(c, g.gl_pathv[i], depth + 1, why);
        if (rc != 0)
            rc = WF_ECONFIG; /* *why already has file:line */
    }
    if (r != GLOB_NOMATCH)
        globfree(&g);
    free(full);
    return rc;
}


static int
conf_apply(wf_conf_t *c, char *text, const char *file, unsigned line,
           int depth, char **cause)
{
    char *argv[CONF_MAX_ARGS];
    char *why = NULL;
    int argc, rc;

    argc = conf_split(text, argv, &why);
    if (argc <= 0) {
        rc = argc == 0 ? 0 : WF_EINVAL;
        goto out;
    }
    if (strcmp(argv[0], "include") == 0) {
        if (argc != 2) {
            why = wf_xstrdup("\"include\" takes one file name or pattern");
            rc = WF_EINVAL;
            goto out;
        }
        rc = conf_include(c, file, argv[1], depth, &why);
        if (rc == WF_ECONFIG) { /* error inside the included file */
            *cause = why;
            return rc;
        }
        goto out;
    }
    rc = wf_conf_directive(c, argc, argv, &why);
out:
    if (rc != 0) {
        *cause = line ? wf_xasprintf("%s:%u: %s", file, line, why)
                      : wf_xasprintf("%s: %s", file, why);
        free(why);
        return WF_ECONFIG;
    }
    return 0;
}


static int
conf_load_file(wf_conf_t *c, const char *path, int depth, char **cause)
{
    char buf[CONF_MAX_LINE];
    unsigned line = 0;
    FILE *f;
    int rc = 0;

    f = fopen(path, "re");
    if (f == NULL) {
        *cause = wf_xasprintf("%s: cannot open: %s", path, strerror(errno));
        return WF_ECONFIG;
    }
    while (fgets(buf, sizeof(buf), f) != NULL) {
        size_t n = strlen(buf);

        line++;
        if (n == sizeof(buf) - 1 && buf[n - 1] != '\n' && !feof(f)) {
            *cause = wf_xasprintf("%s:%u: line longer than %d bytes", path,
                                  line, CONF_MAX_LINE - 2);
            rc = WF_ECONFIG;
            break;
        }
        if (memchr(buf, '\0', n) != NULL || strlen(buf) != n) {
            *cause = wf_xasprintf("%s:%u: NUL byte in line", path, line);
            rc = WF_ECONFIG;
            break;
        }
        rc = conf_apply(c, buf, path, line, depth, cause);
        if (rc != 0)
            break;
    }
    if (rc == 0 && ferror(f)) {
        *cause = wf_xasprintf("%s: read error: %s", path, strerror(errno));
        rc = WF_ECONFIG;
    }
    fclose(f);
    return rc;
}


int
wf_conf_load(wf_conf_t *c, const char *path, char **cause)
{
    c->src++;
    if (c->src == CONF_SRC_SET)
        c->src = 1;
    free(c->path);
    c->path = wf_xstrdup(path);
    return conf_load_file(c, path, 0, cause);
}


int
wf_conf_parse_line(wf_conf_t *c, const char *text, const char *file,
                   unsigned line, char **cause)
{
    char *copy = wf_xstrdup(text);
    int rc = conf_apply(c, copy, file, line, 0, cause);

    free(copy);
    return rc;
}


int
wf_conf_set(wf_conf_t *c, const char *kv, char **cause)
{
    const char *eq = strchr(kv, '=');
    char *line;
    int rc;

    if (eq == NULL || eq == kv) {
        *cause = wf_xasprintf("--set: expected key=value, not \"%s\"", kv);
        return WF_ECONFIG;
    }
    if (strncmp(kv, "include=", 8) == 0) {
        *cause = wf_xstrdup("--set: \"include\" is only valid in a file");
        return WF_ECONFIG;
    }
    c->src = CONF_SRC_SET;
    /* Quote nothing: the value splits into arguments like a file line. */
    line = wf_xasprintf("%.*s %s", (int)(eq - kv), kv, eq + 1);
    rc = wf_conf_parse_line(c, line, "--set", 0, cause);
    free(line);
    return rc;
}



wf_conf_t *
wf_conf_read(const char *path, char *const *sets, size_t nsets, char **cause)
{
    wf_conf_t *c = wf_conf_new();

    if (path != NULL && wf_conf_load(c, path, cause) != 0)
        goto fail;
    for (size_t i = 0; i < nsets; i++)
        if (wf_conf_set(c, sets[i], cause) != 0)
            goto fail;
    if (wf_conf_finish(c, cause) != 0)
        goto fail;
    return c;
fail:
    wf_conf_free(c);
    return NULL;
}
