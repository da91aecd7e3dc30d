/* log.c - the logger: formats one line per call and writes it with a
 * single write(2) so lines of concurrent processes never interleave. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define LOG_LINE_MAX 2048

static int log_level = WF_LOG_INFO;
static int log_fd = STDERR_FILENO;
static char *log_path;
static int log_timestamps;
static char log_role[48] = "wsfan";
static uid_t log_uid = (uid_t)-1;
static gid_t log_gid = (gid_t)-1;


void
wf_log_set_owner(uid_t uid, gid_t gid)
{
    log_uid = uid;
    log_gid = gid;
    if (log_fd != STDERR_FILENO && log_uid != (uid_t)-1)
        (void)!fchown(log_fd, log_uid, log_gid);
}

static const char *const log_names[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
};


void
wf_log_set_role(const char *role, int slot, unsigned generation)
{
    if (slot >= 0)
        snprintf(log_role, sizeof(log_role), "%s %d/g%u", role, slot,
                 generation);
    else
        snprintf(log_role, sizeof(log_role), "%s", role);
}


void
wf_log_set_level(int level)
{
    log_level = level;
}


int
wf_log_get_level(void)
{
    return log_level;
}


int
wf_log_level_parse(const char *name)
{
    size_t i;

    for (i = 0; i < WF_ARRAY_LEN(log_names); i++)
        if (strcmp(name, log_names[i]) == 0)
            return (int)i;
    if (strcmp(name, "warning") == 0)
        return WF_LOG_WARNING;
    if (strcmp(name, "err") == 0)
        return WF_LOG_ERR;
    return -1;
}


const char *
wf_log_level_name(int level)
{
    if (level < 0 || level >= (int)WF_ARRAY_LEN(log_names))
        return "?";
    return log_names[level];
}


int
wf_log_open(const char *path)
{
    int fd;

    if (path == NULL) {
        if (log_fd != STDERR_FILENO)
            close(log_fd);
        log_fd = STDERR_FILENO;
        free(log_path);
        log_path = NULL;
        return 0;
    }
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd == -1)
        return WF_ESYS;
    if (log_uid != (uid_t)-1 && geteuid() == 0)
        (void)!fchown(fd, log_uid, log_gid);
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    if (log_path != path) {
        char *copy = wf_xstrdup(path);

        free(log_path);
        log_path = copy;
    }
    return 0;
}


int
wf_log_reopen(void)
{
    if (log_path == NULL)
        return 0;
    return wf_log_open(log_path);
}


void
wf_log_set_timestamps(int on)
{
    log_timestamps = on;
}


void
wf_vlog(int level, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t n = 0;
    int r, saved = errno;

    if (level > log_level)
        return;
    if (level < 0)
        level = 0;
    if (level > WF_LOG_DEBUG)
        level = WF_LOG_DEBUG;
    if (log_timestamps) {
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
        r = snprintf(line + n, sizeof(line) - n, ".%03ldZ ",
                     ts.tv_nsec / 1000000);
        n += r > 0 ? (size_t)r : 0;
    }
    r = snprintf(line + n, sizeof(line) - n, "<%d>wsfan[%ld] %s %s: ", level,
                 (long)getpid(), log_role, log_names[level]);
    if (r > 0)
        n += (size_t)r;
    if (n < sizeof(line)) {
        r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        if (r > 0)
            n += (size_t)r;
    }
    if (n >= sizeof(line) - 1) {
        n = sizeof(line) - 5;
        memcpy(line + n, "...", 3);
        n += 3;
    }
    /* Keep each record on one line: a client-supplied string must not
     * forge a log line. */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    while (write(log_fd, line, n) == -1 && errno == EINTR)
        ;
    errno = saved;
}


void
wf_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    wf_vlog(level, fmt, ap);
    va_end(ap);
}


void
wf_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    wf_vlog(WF_LOG_EMERG, fmt, ap);
    va_end(ap);
    exit(1);
}
