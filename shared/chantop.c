/* chantop.c - the busiest channels of each worker, carried to the master
 * and merged (see chantop.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chantop.h"
#include "err.h"
#include "ipc.h"
#include "x.h"

#define CHANTOP_ENT_HDR 5 /* uint32_t subscribers, uint8_t name length */


int
wf_chantop_send(int fd, uint32_t id, const wf_chantop_ent_t *v, size_t n,
                uint64_t channels)
{
    char buf[WF_IPC_MAX_PAYLOAD];
    wf_chantop_part_t h;
    size_t i = 0, names = 0;
    int rc;

    for (;;) {
        size_t off = sizeof(h);

        memset(&h, 0, sizeof(h));
        h.id = id;
        h.channels = channels;
        for (; i < n; i++) {
            size_t need = CHANTOP_ENT_HDR + v[i].len;
            uint32_t subs = (uint32_t)v[i].subs;
            uint8_t len = (uint8_t)v[i].len;

            if (v[i].len > 255 || names + v[i].len > WF_CHANTOP_BYTES) {
                n = i; /* the rest stays out; the floor covers it */
                break;
            }
            if (off + need > sizeof(buf))
                break;
            memcpy(buf + off, &subs, sizeof(subs));
            buf[off + 4] = (char)len;
            memcpy(buf + off + CHANTOP_ENT_HDR, v[i].name, v[i].len);
            off += need;
            names += v[i].len;
            h.n++;
        }
        if (i >= n) {
            h.last = 1;
            /* Listed everything: no floor. Else nothing left out has more
             * subscribers than the last one listed. */
            if (n < channels)
                h.floor = n > 0 ? (uint32_t)v[n - 1].subs : UINT32_MAX;
        }
        memcpy(buf, &h, sizeof(h));
        if ((rc = wf_ipc_send(fd, WF_IPC_CHANTOP_PART, buf, off)) != 0)
            return rc;
        if (h.last)
            return 0;
    }
}


uint32_t
wf_chantop_part_id(const char *payload, size_t len)
{
    wf_chantop_part_t h;

    if (len < sizeof(h))
        return 0;
    memcpy(&h, payload, sizeof(h));
    return h.id;
}


int
wf_chantop_add(wf_chantop_list_t *l, const char *payload, size_t len)
{
    wf_chantop_part_t h;
    size_t off = sizeof(h);
    char *copy;

    if (len < sizeof(h) || l->done)
        return WF_EPROTO;
    memcpy(&h, payload, sizeof(h));
    /* Check the whole part before taking any of it. */
    for (unsigned i = 0; i < h.n; i++) {
        if (off + CHANTOP_ENT_HDR > len)
            return WF_EPROTO;
        off += CHANTOP_ENT_HDR + (uint8_t)payload[off + 4];
        if (off > len)
            return WF_EPROTO;
    }
    if (off != len)
        return WF_EPROTO;
    copy = wf_xmalloc(len);
    memcpy(copy, payload, len);
    l->bufs = wf_xreallocarray(l->bufs, l->nbufs + 1, sizeof(*l->bufs));
    l->bufs[l->nbufs++] = copy;
    l->v = wf_xreallocarray(l->v, l->n + h.n + 1, sizeof(*l->v));
    off = sizeof(h);
    for (unsigned i = 0; i < h.n; i++) {
        wf_chantop_ent_t *e = &l->v[l->n++];
        uint32_t subs;

        memcpy(&subs, copy + off, sizeof(subs));
        e->subs = subs;
        e->len = (uint8_t)copy[off + 4];
        e->name = copy + off + CHANTOP_ENT_HDR;
        e->slack = 0;
        off += CHANTOP_ENT_HDR + e->len;
    }
    l->channels = h.channels;
    if (h.last) {
        l->done = 1;
        l->floor = h.floor;
    }
    return 0;
}


void
wf_chantop_list_free(wf_chantop_list_t *l)
{
    for (size_t i = 0; i < l->nbufs; i++)
        free(l->bufs[i]);
    free(l->bufs);
    free(l->v);
    memset(l, 0, sizeof(*l));
}


/* ---- the merge ----------------------------------------------------------- */

typedef struct {
    const wf_chantop_ent_t *e;
    size_t list; /* which worker listed it */
} chantop_ref_t;

static int
chantop_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    return c != 0 ? c : (alen > blen) - (alen < blen);
}


static int
chantop_by_name(const void *a, const void *b)
{
    const wf_chantop_ent_t *x = ((const chantop_ref_t *)a)->e;
    const wf_chantop_ent_t *y = ((const chantop_ref_t *)b)->e;

    return chantop_name_cmp(x->name, x->len, y->name, y->len);
}


static int
chantop_by_subs(const void *a, const void *b)
{
    const wf_chantop_ent_t *x = a, *y = b;

    if (x->subs != y->subs)
        return x->subs > y->subs ? -1 : 1;
    return chantop_name_cmp(x->name, x->len, y->name, y->len);
}


size_t
wf_chantop_merge(const wf_chantop_list_t *l, size_t nl, size_t top,
                 wf_chantop_ent_t **out, int *complete)
{
    chantop_ref_t *refs;
    wf_chantop_ent_t *res;
    size_t nrefs = 0, nres = 0;
    uint64_t floors = 0; /* the slack of a channel no worker listed */
    int unknown = 0;

    *complete = 1;
    for (size_t i = 0; i < nl; i++) {
        nrefs += l[i].answered ? l[i].n : 0;
        if (!l[i].answered)
            unknown = 1;
        else
            floors += l[i].floor;
        if (!l[i].answered || l[i].floor > 0)
            *complete = 0;
    }
    refs = wf_xcalloc(nrefs + 1, sizeof(*refs));
    nrefs = 0;
    for (size_t i = 0; i < nl; i++)
        for (size_t j = 0; l[i].answered && j < l[i].n; j++)
            refs[nrefs++] = (chantop_ref_t){&l[i].v[j], i};
    qsort(refs, nrefs, sizeof(*refs), chantop_by_name);
    res = wf_xcalloc(nrefs + 1, sizeof(*res));
    for (size_t i = 0; i < nrefs;) {
        wf_chantop_ent_t *g = &res[nres++];
        uint64_t slack = floors;
        size_t j = i;

        g->name = refs[i].e->name;
        g->len = refs[i].e->len;
        for (; j < nrefs && chantop_name_cmp(g->name, g->len, refs[j].e->name,
                                             refs[j].e->len) == 0;
             j++) {
            g->subs += refs[j].e->subs;
            /* this worker's count is known: no slack from it */
            slack -= slack < l[refs[j].list].floor ? slack
                                                   : l[refs[j].list].floor;
        }
        g->slack = unknown ? UINT64_MAX : slack;
        i = j;
    }
    free(refs);
    qsort(res, nres, sizeof(*res), chantop_by_subs);
    *out = res;
    return nres < top ? nres : top;
}
