/* log.h - the one logger of every wsfan process.
 * Lines go to stderr (or a log file) with a syslog-style "<N>" priority
 * prefix that journald understands, then the role, pid, generation and
 * slot: "<6>wsfan[1234] worker 1/g2: message". Levels follow syslog.
 * Client mistakes are logged at info; alert means a wsfan bug.
 * Threads: none. */
#ifndef WF_LOG_H
#define WF_LOG_H

#include <stdarg.h>
#include <sys/types.h>

#include "x.h"

enum {
    WF_LOG_EMERG = 0,
    WF_LOG_ALERT = 1,
    WF_LOG_CRIT = 2,
    WF_LOG_ERR = 3,
    WF_LOG_WARNING = 4,
    WF_LOG_NOTICE = 5,
    WF_LOG_INFO = 6,
    WF_LOG_DEBUG = 7,
};

/* Set the role shown on every line: "master", "worker", "ctl". slot and
 * generation are shown for workers (slot >= 0). */
void wf_log_set_role(const char *role, int slot, unsigned generation);

/* Lines above this level are dropped. Default WF_LOG_INFO. */
void wf_log_set_level(int level);
int wf_log_get_level(void);

/* Parse a level name ("emerg".."debug", also "warn", "error").
 * Returns the level or -1. */
int wf_log_level_parse(const char *name);
const char *wf_log_level_name(int level);

/* Give log files this owner when (re)opening them, so that workers that
 * run as another user can reopen them too (SIGUSR1). */
void wf_log_set_owner(uid_t uid, gid_t gid);

/* Log to path instead of stderr (NULL: back to stderr). Opens in append
 * mode; returns 0 or WF_ESYS. wf_log_reopen() reopens it (SIGUSR1). */
int wf_log_open(const char *path);
int wf_log_reopen(void);

/* Prefix each line with an ISO-8601 time (default off: journald adds one). */
void wf_log_set_timestamps(int on);

void wf_log(int level, const char *fmt, ...) WF_PRINTF(2, 3);
void wf_vlog(int level, const char *fmt, va_list ap);
/* Log at emerg and exit(1): only at master startup or a broken invariant. */
void wf_fatal(const char *fmt, ...) WF_PRINTF(1, 2) WF_NORETURN;

#define wf_log_enabled(level) ((level) <= wf_log_get_level())
/* _f variants prefix the calling function's name. */
#define wf_log_f(level, fmt, ...)                                              \
    wf_log(level, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif
