/* msg.c - reference-counted byte runs (see msg.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "x.h"


wf_msg_t *
wf_msg_new(size_t len)
{
    wf_msg_t *m;

    if (len > UINT32_MAX)
        abort(); /* callers enforce message limits far below this */
    m = wf_xmalloc(sizeof(*m) + len);
    m->refs = 1;
    m->len = (uint32_t)len;
    return m;
}


wf_msg_t *
wf_msg_from(const void *p, size_t len)
{
    wf_msg_t *m = wf_msg_new(len);

    if (len)
        memcpy(m->data, p, len);
    return m;
}


void
wf_msg_unref(wf_msg_t *m)
{
    if (m != NULL && --m->refs == 0)
        free(m);
}
