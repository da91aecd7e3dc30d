/* conf_val.c - the value parsers of the conf module: sizes, durations and
 * listen addresses, as the config file and --set write them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "err.h"
#include "x.h"

#define KIB 1024ull
#define MIB (1024ull * 1024)
#define SEC 1000ull
#define HOUR (3600ull * 1000)

/* Parse a decimal number followed by an optional unit from units[] (each
 * with its multiplier); the empty unit uses bare_mult. */
static int
conf_parse_scaled(const char *s, const char *const *units,
                  const uint64_t *mults, uint64_t bare_mult, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return WF_EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return WF_EINVAL;
    if (*end == '\0') {
        if (bare_mult && v > UINT64_MAX / bare_mult)
            return WF_EINVAL;
        *out = v * bare_mult;
        return 0;
    }
    for (size_t i = 0; units[i] != NULL; i++) {
        if (strcmp(end, units[i]) == 0) {
            if (v > UINT64_MAX / mults[i])
                return WF_EINVAL;
            *out = v * mults[i];
            return 0;
        }
    }
    return WF_EINVAL;
}


int
wf_conf_parse_size(const char *s, uint64_t *out)
{
    static const char *const units[] = {"k", "K", "m", "M", "g", "G", NULL};
    static const uint64_t mults[] = {KIB, KIB, MIB, MIB, 1024 * MIB,
                                     1024 * MIB};

    return conf_parse_scaled(s, units, mults, 1, out);
}


int
wf_conf_parse_duration_ms(const char *s, uint64_t *out)
{
    static const char *const units[] = {"ms", "s", "m", "h", NULL};
    static const uint64_t mults[] = {1, SEC, 60 * SEC, HOUR};

    return conf_parse_scaled(s, units, mults, SEC, out);
}


int
wf_conf_parse_addr(const char *s, wf_listen_t *l, char **cause)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *port;
    char *end;
    unsigned long p;
    size_t hlen;

    memset(&l->addr, 0, sizeof(l->addr));
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');

        if (rb == NULL || rb[1] != ':')
            goto bad;
        hlen = (size_t)(rb - s - 1);
        port = rb + 2;
        if (hlen == 0 || hlen >= sizeof(host))
            goto bad;
        memcpy(host, s + 1, hlen);
        host[hlen] = '\0';
    } else {
        const char *colon = strrchr(s, ':');

        if (colon == NULL) {
            strcpy(host, "*"); /* port only */
            port = s;
        } else {
            hlen = (size_t)(colon - s);
            if (hlen >= sizeof(host) || memchr(s, ':', hlen) != NULL)
                goto bad; /* IPv6 needs brackets */
            memcpy(host, s, hlen);
            host[hlen] = '\0';
            port = colon + 1;
        }
    }
    if (*port < '0' || *port > '9')
        goto bad;
    errno = 0;
    p = strtoul(port, &end, 10);
    if (errno != 0 || *end != '\0' || p == 0 || p > 65535)
        goto bad;

    if (s[0] == '[') {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)p);
        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
            goto bad;
        l->addrlen = sizeof(*sin6);
        l->text = wf_xasprintf("[%s]:%lu", host, p);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)p);
        if (strcmp(host, "*") == 0 || host[0] == '\0')
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
            goto bad;
        l->addrlen = sizeof(*sin);
        l->text = wf_xasprintf("%s:%lu",
                               sin->sin_addr.s_addr == htonl(INADDR_ANY)
                                   ? "0.0.0.0"
                                   : host,
                               p);
    }
    return 0;
bad:
    *cause = wf_xasprintf("invalid address \"%s\": expected IPv4:PORT, "
                          "*:PORT, PORT or [IPv6]:PORT",
                          s);
    return WF_EINVAL;
}
