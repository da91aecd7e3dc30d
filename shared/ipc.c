/* ipc.c - master <-> worker message framing (see ipc.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "ipc.h"


int
wf_ipc_send(int fd, unsigned type, const void *payload, size_t len)
{
    wf_ipc_hdr_t h;
    struct iovec iov[2];
    ssize_t n;

    if (len > WF_IPC_MAX_PAYLOAD)
        return WF_EINVAL;
    h.type = (uint16_t)type;
    h.len = (uint16_t)len;
    iov[0].iov_base = &h;
    iov[0].iov_len = sizeof(h);
    iov[1].iov_base = (void *)payload;
    iov[1].iov_len = len;
    do
        n = writev(fd, iov, len ? 2 : 1);
    while (n == -1 && errno == EINTR);
    if (n != (ssize_t)(sizeof(h) + len))
        return WF_ESYS;
    return 0;
}


int
wf_ipc_read(int fd, wf_buf_t *in,
            void (*cb)(void *, unsigned, const char *, size_t), void *arg)
{
    char *p = wf_buf_reserve_max(in, 4096,
                                 2 * (WF_IPC_MAX_PAYLOAD + sizeof(wf_ipc_hdr_t)));
    ssize_t n;

    if (p == NULL)
        return WF_EPROTO;
    do
        n = read(fd, p, 4096);
    while (n == -1 && errno == EINTR);
    if (n == 0)
        return WF_ECLOSED;
    if (n == -1)
        return errno == EAGAIN ? 0 : WF_ESYS;
    wf_buf_commit(in, (size_t)n);
    while (wf_buf_avail(in) >= sizeof(wf_ipc_hdr_t)) {
        wf_ipc_hdr_t h;

        memcpy(&h, wf_buf_head(in), sizeof(h));
        if (h.len > WF_IPC_MAX_PAYLOAD)
            return WF_EPROTO;
        if (wf_buf_avail(in) < sizeof(h) + h.len)
            break;
        cb(arg, h.type, wf_buf_head(in) + sizeof(h), h.len);
        wf_buf_consume(in, sizeof(h) + h.len);
    }
    return 0;
}
