/* x.h - small utilities every module uses: allocation that aborts on
 * failure (for small long-lived objects only; anything a client can grow
 * has a limit instead), the monotonic clock, file descriptor flags.
 * Threads: none; all functions are reentrant. */
#ifndef WF_X_H
#define WF_X_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define WF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define WF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define WF_MAX(a, b) ((a) > (b) ? (a) : (b))
#define WF_UNUSED(x) ((void)(x))
/* The struct that holds member m at address p. */
#define WF_CONTAINER_OF(p, type, m) ((type *)((char *)(p)-offsetof(type, m)))

#if defined(__GNUC__)
#define WF_LIKELY(x) __builtin_expect(!!(x), 1)
#define WF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WF_NORETURN __attribute__((noreturn))
#else
#define WF_LIKELY(x) (x)
#define WF_UNLIKELY(x) (x)
#define WF_PRINTF(f, a)
#define WF_NORETURN
#endif

/* Allocators: never return NULL; on failure they log and abort. */
void *wf_xmalloc(size_t n);
void *wf_xcalloc(size_t nmemb, size_t size);
void *wf_xrealloc(void *p, size_t n);
/* Like realloc for an array of nmemb elements, checking for overflow. */
void *wf_xreallocarray(void *p, size_t nmemb, size_t size);
char *wf_xstrdup(const char *s);
char *wf_xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; caller frees. */
char *wf_xasprintf(const char *fmt, ...) WF_PRINTF(1, 2);
char *wf_xvasprintf(const char *fmt, va_list ap);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t wf_now_ms(void);

/* Set O_NONBLOCK / FD_CLOEXEC on fd. Return 0 or WF_ESYS. */
int wf_set_nonblock(int fd);
int wf_set_cloexec(int fd);

/* The value of a hexadecimal digit, or -1. */
int wf_hexval(char c);

/* Case-insensitive comparison of ASCII strings of known length. */
int wf_strncaseeq(const char *a, size_t alen, const char *b, size_t blen);

#endif
