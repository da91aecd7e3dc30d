/* x.c - allocation that aborts on failure, the clock, fd flags. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "x.h"

static void WF_NORETURN
x_oom(size_t n)
{
    wf_log(WF_LOG_EMERG, "out of memory allocating %zu bytes", n);
    abort();
}


void *
wf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        x_oom(n);
    return p;
}


void *
wf_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (p == NULL)
        x_oom(nmemb * size);
    return p;
}


void *
wf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        x_oom(n);
    return q;
}


void *
wf_xreallocarray(void *p, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        x_oom(SIZE_MAX);
    return wf_xrealloc(p, nmemb * size);
}


char *
wf_xstrdup(const char *s)
{
    return wf_xstrndup(s, strlen(s));
}


char *
wf_xstrndup(const char *s, size_t n)
{
    char *p = wf_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}


char *
wf_xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        x_oom(0);
    p = wf_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}


char *
wf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = wf_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}


uint64_t
wf_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


int
wf_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
        return WF_ESYS;
    return 0;
}


int
wf_set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);

    if (fl == -1 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1)
        return WF_ESYS;
    return 0;
}


int
wf_strncaseeq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;

    if (alen != blen)
        return 0;
    for (i = 0; i < alen; i++) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];

        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb)
            return 0;
    }
    return 1;
}


int
wf_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
