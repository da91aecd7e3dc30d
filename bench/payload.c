/* payload.c - bench payloads and their checks (see payload.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "payload.h"

static const char *const payload_words[] = {
    "the",    "quick",   "update", "price",  "score", "channel", "message",
    "of",     "and",     "room",   "user",   "is",    "now",     "online",
    "typing", "hello",   "world",  "status", "ok",    "team",    "match",
    "goal",   "at",      "minute", "market", "opens", "closes",  "up",
    "down",   "percent", "news",   "alert",
};


static uint64_t
payload_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}


void
wb_payload_fill(uint8_t *buf, size_t n, int text, uint64_t seed)
{
    size_t i = 0, w, nw = sizeof(payload_words) / sizeof(payload_words[0]);
    uint64_t s = seed | 1, x;

    if (!text) {
        for (; i < n; i += 8) {
            x = payload_next(&s);
            memcpy(buf + i, &x, n - i < 8 ? n - i : 8);
        }
        return;
    }
    while (i < n) {
        const char *wd = payload_words[payload_next(&s) % nw];

        w = strlen(wd);
        if (w > n - i)
            w = n - i;
        memcpy(buf + i, wd, w);
        i += w;
        if (i < n)
            buf[i++] = ' ';
    }
}


size_t
wb_fan_build(char *buf, size_t cap, long ch, uint64_t seq, uint64_t t_ns,
             size_t size)
{
    int n;
    size_t pad = 0;

    n = snprintf(buf, cap, "{\"c\":%ld,\"s\":%llu,\"t\":%llu,\"p\":\"", ch,
                 (unsigned long long)seq, (unsigned long long)t_ns);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    if (size > (size_t)n + 2)
        pad = size - (size_t)n - 2;
    if ((size_t)n + pad + 3 > cap)
        return 0;
    memset(buf + n, 'x', pad);
    memcpy(buf + n + pad, "\"}", 3);
    return (size_t)n + pad + 2;
}


/* The unsigned number after key in p[0..n), parsed into *v. */
static const uint8_t *
payload_num(const uint8_t *p, const uint8_t *end, const char *key, uint64_t *v)
{
    size_t k = strlen(key);
    const uint8_t *q;

    for (q = p; q + k < end; q++) {
        if (*q != '"' || memcmp(q, key, k) != 0)
            continue;
        q += k;
        if (q >= end || *q < '0' || *q > '9')
            return NULL;
        for (*v = 0; q < end && *q >= '0' && *q <= '9'; q++)
            *v = *v * 10 + (uint64_t)(*q - '0');
        return q;
    }
    return NULL;
}


int
wb_fan_parse(const uint8_t *p, size_t n, long *ch, uint64_t *seq,
             uint64_t *t_ns)
{
    const uint8_t *end = p + n;
    uint64_t c;

    p = payload_num(p, end, "\"c\":", &c);
    if (p == NULL)
        return -1;
    p = payload_num(p, end, "\"s\":", seq);
    if (p == NULL)
        return -1;
    p = payload_num(p, end, "\"t\":", t_ns);
    if (p == NULL)
        return -1;
    *ch = (long)c;
    return 0;
}


enum wb_seen
wb_seq_note(uint64_t *next, uint64_t *win, uint64_t seq)
{
    uint64_t d;

    if (seq >= *next) {
        d = seq - *next + 1;
        *win = d >= 64 ? 0 : *win << d;
        *win |= 1;
        *next = seq + 1;
        return WB_SEEN_NEW;
    }
    d = *next - 1 - seq;
    if (d >= 64)
        return WB_SEEN_OLD;
    if (*win & ((uint64_t)1 << d))
        return WB_SEEN_DUP;
    *win |= (uint64_t)1 << d;
    return WB_SEEN_LATE_NEW;
}
