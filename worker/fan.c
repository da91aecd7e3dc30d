/* fan.c - fan-out of one message to a channel's local subscribers (see
 * fan.h). The walk queues references only; nothing is written until the
 * loop iteration ends (conn.c corks), and a subscriber that overflows its
 * send buffer is marked closing, not freed, so the list stays intact. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "chan.h"
#include "conn.h"
#include "fan.h"
#include "json.h"
#include "msg.h"
#include "ws.h"
#include "wsf.h"
#include "x.h"

#define FAN_JSON_DEPTH 64
#define FAN_BITS 16 /* window sizes 0..15; 0 = uncompressed */

static wf_fan_stats_t fan_st;
static wf_buf_t fan_body; /* the envelope, reused */


void
wf_fan_message(const char *chname, size_t chlen, const char *payload,
               size_t len)
{
    wf_chan_t *ch = wf_chan_find(chname, chlen);
    wf_msg_t *variant[FAN_BITS] = {NULL};
    uint8_t tried[FAN_BITS] = {0};
    uint8_t hdr[WF_WSF_HDR_MAX];
    size_t h;

    if (ch == NULL || wf_chan_subscribers(ch) == 0)
        return; /* raced with the last unsubscribe */
    fan_st.messages++;
    wf_buf_reset(&fan_body);
    wf_buf_append(&fan_body, "{\"ch\":", 6);
    wf_json_buf_str(&fan_body, wf_chan_name(ch), wf_chan_name_len(ch));
    wf_buf_append(&fan_body, ",\"data\":", 8);
    if (wf_json_validate(payload, len, FAN_JSON_DEPTH) == 0) {
        wf_buf_append(&fan_body, payload, len);
    } else {
        fan_st.not_json++;
        wf_json_buf_str(&fan_body, payload, len);
    }
    wf_buf_append(&fan_body, "}", 1);

    h = wf_wsf_header(hdr, WF_WSF_TEXT, 1, 0, wf_buf_avail(&fan_body));
    variant[0] = wf_msg_new(h + wf_buf_avail(&fan_body));
    memcpy(variant[0]->data, hdr, h);
    memcpy(variant[0]->data + h, wf_buf_head(&fan_body),
           wf_buf_avail(&fan_body));

    for (wf_sub_t *s = wf_chan_first(ch); s != NULL; s = s->chan_next) {
        wf_conn_t *c = s->owner;
        int bits = wf_ws_deflate_bits(c);
        wf_msg_t *m;

        if (bits > 0 && bits < FAN_BITS && !tried[bits]) {
            tried[bits] = 1;
            variant[bits] = wf_ws_frame_compressed(
                WF_WSF_TEXT, wf_buf_head(&fan_body), wf_buf_avail(&fan_body),
                bits);
        }
        m = (bits > 0 && bits < FAN_BITS && variant[bits] != NULL)
                ? variant[bits]
                : variant[0];
        if (wf_ws_send_frame(c, wf_msg_ref(m)) == 0)
            fan_st.deliveries++;
        else
            fan_st.dropped++;
    }
    for (int i = 0; i < FAN_BITS; i++)
        wf_msg_unref(variant[i]);
    if (fan_body.cap > 65536)
        wf_buf_free(&fan_body);
}


void
wf_fan_stats(wf_fan_stats_t *st)
{
    *st = fan_st;
}
