/* notify.c - systemd notifications over NOTIFY_SOCKET (see notify.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "x.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len;


double
wf_notify_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    const char *usec = getenv("WATCHDOG_USEC");
    const char *wpid = getenv("WATCHDOG_PID");
    double interval = 0;
    size_t n;

    if (path != NULL && (path[0] == '/' || path[0] == '@') &&
        (n = strlen(path)) < sizeof(notify_addr.sun_path)) {
        memset(&notify_addr, 0, sizeof(notify_addr));
        notify_addr.sun_family = AF_UNIX;
        memcpy(notify_addr.sun_path, path, n);
        if (path[0] == '@')
            notify_addr.sun_path[0] = '\0'; /* abstract namespace */
        notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                                 (path[0] == '/'));
    }
    if (usec != NULL && (wpid == NULL || atol(wpid) == (long)getpid())) {
        double us = strtod(usec, NULL);

        if (us > 0)
            interval = us / 2e6;
    }
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    return notify_len > 0 ? interval : 0;
}


void
wf_notify(const char *state)
{
    int fd;

    if (notify_len == 0)
        return;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return;
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
               (struct sockaddr *)&notify_addr, notify_len) == -1)
        wf_log(WF_LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
    close(fd);
}


void
wf_notify_ready(const char *status)
{
    char buf[256];

    snprintf(buf, sizeof(buf), "READY=1\nMAINPID=%ld\nSTATUS=%s",
             (long)getpid(), status);
    wf_notify(buf);
}


void
wf_notify_reloading(void)
{
    struct timespec ts;
    char buf[96];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ull +
                 (unsigned long long)ts.tv_nsec / 1000);
    wf_notify(buf);
}
