/* hash.c - SipHash-2-4 (Aumasson and Bernstein), written from the paper's
 * description: 2 compression rounds per word, 4 finalisation rounds. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "hash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
    do {                                                                       \
        v0 += v1;                                                              \
        v1 = ROTL(v1, 13);                                                     \
        v1 ^= v0;                                                              \
        v0 = ROTL(v0, 32);                                                     \
        v2 += v3;                                                              \
        v3 = ROTL(v3, 16);                                                     \
        v3 ^= v2;                                                              \
        v0 += v3;                                                              \
        v3 = ROTL(v3, 21);                                                     \
        v3 ^= v0;                                                              \
        v2 += v1;                                                              \
        v1 = ROTL(v1, 17);                                                     \
        v1 ^= v2;                                                              \
        v2 = ROTL(v2, 32);                                                     \
    } while (0)


static uint64_t
hash_load64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}


uint64_t
wf_hash(const wf_hash_key_t *key, const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t v0 = 0x736f6d6570736575ull ^ key->k0;
    uint64_t v1 = 0x646f72616e646f6dull ^ key->k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ key->k0;
    uint64_t v3 = 0x7465646279746573ull ^ key->k1;
    uint64_t m, last = (uint64_t)n << 56;
    size_t i, tail = n & 7;

    for (i = 0; i + 8 <= n; i += 8) {
        m = hash_load64(p + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; j < tail; j++)
        last |= (uint64_t)p[i + j] << (8 * j);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}


void
wf_hash_key_random(wf_hash_key_t *key)
{
    unsigned char buf[16];
    ssize_t got = -1;

#if defined(__linux__)
    got = getrandom(buf, sizeof(buf), GRND_NONBLOCK);
#endif
    if (got != (ssize_t)sizeof(buf)) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

        got = fd == -1 ? -1 : read(fd, buf, sizeof(buf));
        if (fd != -1)
            close(fd);
    }
    if (got != (ssize_t)sizeof(buf)) {
        struct timespec ts;
        uint64_t seed;

        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
               ((uint64_t)getpid() << 40);
        memcpy(buf, &seed, 8);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        memcpy(buf + 8, &seed, 8);
    }
    key->k0 = hash_load64(buf);
    key->k1 = hash_load64(buf + 8);
}
