/* ctlshow.h - wsfanctl's rendering of the master's answers: aligned
 * tables and one-line summaries for people, or the answer line as it came
 * with --json; either way the exit status that the answer means.
 * Owner: wsfanctl; the answer is the caller's. Threads: none. */
#ifndef WF_CTLSHOW_H
#define WF_CTLSHOW_H

#include <stddef.h>

#define WF_CTLSHOW_NOTOK 1       /* degraded, refused, an error answer */
#define WF_CTLSHOW_UNREACHABLE 2 /* the master refuses to talk to us */

/* Print the answer r[0..n) (one JSON line without its newline) to the
 * command cmd (enum wf_ctlproto_cmd): as is with json, else as text; an
 * error answer goes to stderr. Returns the exit status: 0, or one of the
 * above (status: 1 when degraded). */
int wf_ctlshow(int cmd, const char *r, size_t n, int json);

#endif
