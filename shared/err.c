/* err.c - names of the WF_E* error codes. */
#include "config.h"

#include "err.h"

const char *
wf_strerror(int err)
{
    switch (err) {
    case WF_OK:        return "success";
    case WF_ESYS:      return "system error";
    case WF_ENOMEM:    return "out of memory";
    case WF_EINVAL:    return "invalid argument";
    case WF_ELIMIT:    return "limit exceeded";
    case WF_EAGAIN:    return "try again";
    case WF_ECLOSED:   return "connection closed";
    case WF_EPROTO:    return "protocol error";
    case WF_ECONFIG:   return "configuration error";
    case WF_ENOTFOUND: return "not found";
    case WF_EUNAVAIL:  return "unavailable";
    }
    return "unknown error";
}
