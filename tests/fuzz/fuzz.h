/* fuzz.h - what the fuzz targets in tests/fuzz share: the libFuzzer entry
 * point, an invariant check that aborts (libFuzzer and the replay driver
 * both report an abort as a crash, with the input that caused it), and
 * the generator that cuts an input into reads at points derived from the
 * input itself, so the fuzzer explores splits as it explores bytes.
 * Each target is built twice: with libFuzzer (--enable-fuzzing, make
 * fuzz-smoke) and with replay.c's main(), which runs it over its seed
 * corpus in every make check.
 * Threads: none. */
#ifndef WF_FUZZ_H
#define WF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

/* Defined by each fuzz_<name>.c; called once per input, which it must
 * neither modify nor keep. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): NDEBUG must not turn the checks off. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}


/* The unread bytes of b. Not wf_buf_head(), which computes NULL + 0 for
 * a buffer that never held memory: undefined behaviour that clang's
 * UBSan reports (see the fuzzing report; ws.c does it for an empty
 * compressed text message). */
static inline const char *
fuzz_buf_bytes(const wf_buf_t *b)
{
    return b->data != NULL ? b->data + b->off : "";
}


/* FUZZ_TRACE=1 in the environment prints what a target sees, to check
 * that seeds reach what they are meant to (replay_<name> FILE). */
static inline int
fuzz_tracing(void)
{
    static int on = -1;

    if (on < 0) {
        const char *e = getenv("FUZZ_TRACE");

        on = e != NULL && *e == '1';
    }
    return on;
}

#define FUZZ_TRACE(...)                                                        \
    do {                                                                       \
        if (fuzz_tracing())                                                    \
            fprintf(stderr, "  " __VA_ARGS__);                                 \
    } while (0)


/* Read sizes: a control byte b of 0 means one read of everything; else
 * reads of 1..b bytes, from a xorshift32 sequence seeded by b (b = 1:
 * byte by byte). */
typedef struct fuzz_split {
    uint32_t state;
    unsigned max;
} fuzz_split_t;

static inline void
fuzz_split_init(fuzz_split_t *s, uint8_t b)
{
    s->max = b;
    s->state = 0x9e3779b9u ^ (uint32_t)b * 0x01000193u;
}


/* The size of the next read, when left bytes remain (left > 0). */
static inline size_t
fuzz_split_next(fuzz_split_t *s, size_t left)
{
    size_t n;

    if (s->max == 0)
        return left;
    s->state ^= s->state << 13;
    s->state ^= s->state >> 17;
    s->state ^= s->state << 5;
    n = 1 + s->state % s->max;
    return n < left ? n : left;
}


/* A pseudo-random bit from the same sequence, for other decisions (where
 * a message ends). */
static inline int
fuzz_split_coin(fuzz_split_t *s, unsigned one_in)
{
    s->state ^= s->state << 13;
    s->state ^= s->state >> 17;
    s->state ^= s->state << 5;
    return s->state % one_in == 0;
}

#endif
