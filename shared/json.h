/* json.h - JSON validation and spans, without a DOM.
 * Owner: nothing is allocated here except by wf_json_buf_str(), which
 * appends to the caller's buffer. Validation and scanning return spans
 * (pointer + length) into the caller's input, so a client's "data" value
 * can be forwarded byte for byte and never re-serialised.
 *
 * Rules: strict RFC 8259, one JSON text, any value at top level, with
 * whitespace around it. Strings must be valid UTF-8 (no overlongs, no
 * encoded surrogates, nothing above U+10FFFF) without raw control
 * characters. A \uXXXX escape naming a lone surrogate (\uD800 without a
 * following \uDC00..\uDFFF) is accepted, as the RFC grammar and
 * JavaScript's JSON.parse accept it; wf_json_str_decode() turns it into
 * U+FFFD so decoded bytes are always valid UTF-8.
 *
 * Depth counts open containers: a scalar has depth 0, [] depth 1, [[]] 2.
 * Threads: none; all functions are reentrant. */
#ifndef WF_JSON_H
#define WF_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The depth limit is clamped to this: the parser keeps its container
 * stack as bits in a fixed array on the C stack. */
#define WF_JSON_DEPTH_MAX 4096

typedef enum wf_json_type {
    WF_JSON_NONE = 0, /* key absent */
    WF_JSON_STRING,
    WF_JSON_NUMBER,
    WF_JSON_OBJECT,
    WF_JSON_ARRAY,
    WF_JSON_TRUE,
    WF_JSON_FALSE,
    WF_JSON_NULL,
} wf_json_type_t;

/* One top-level key that wf_json_obj_scan() looks for. */
typedef struct wf_json_field {
    const char *name;    /* in: the key, NUL-terminated UTF-8 */
    wf_json_type_t type; /* out: WF_JSON_NONE when the key is absent */
    const char *val;     /* out: the value as written, inside the input */
    size_t len;          /* out: its length; strings include the quotes */
} wf_json_field_t;

/* Check that p[0..n) is exactly one valid JSON text nesting at most
 * max_depth containers (clamped to WF_JSON_DEPTH_MAX). p need not be
 * NUL-terminated and is never read past n. Returns 0, WF_ELIMIT when the
 * depth limit is exceeded, or WF_EINVAL for anything else (including
 * empty input). Allocates nothing. */
int wf_json_validate(const char *p, size_t n, unsigned max_depth);

/* Validate p[0..n) like wf_json_validate() and require an object at top
 * level. For each of the nfields fields, find the top-level key equal to
 * field->name and store its value's type and raw span. Keys are compared
 * after decoding escapes, so "\u006fp" matches "op", as it would for any
 * JSON parser. A requested key that appears twice is an error; other
 * keys are validated and otherwise ignored, duplicates included.
 * Returns 0, WF_ELIMIT (too deep) or WF_EINVAL; on error *why (if why is
 * not NULL) points to a static English reason such as "not an object" or
 * "duplicate key" (static rather than the usual caller-freed cause: this
 * runs per client message and allocates nothing), and the fields hold no
 * useful result. */
int wf_json_obj_scan(const char *p, size_t n, unsigned max_depth,
                     wf_json_field_t *fields, size_t nfields, const char **why);

/* Decode the JSON string span p[0..n), quotes included (a field of type
 * WF_JSON_STRING), into out: escapes are resolved, surrogate pairs become
 * 4-byte UTF-8 and lone surrogates U+FFFD. out is NUL-terminated, so it
 * needs one byte more than the decoded length, stored in *outlen on
 * success. The result may contain NUL bytes (from \u0000): compare
 * *outlen with strlen(out) where that matters. Quotes and escapes are
 * checked, raw bytes are copied: their UTF-8 is validation's job. Returns
 * 0, WF_ELIMIT if the result does not fit in outcap bytes, or WF_EINVAL
 * if the span is not a string. */
int wf_json_str_decode(const char *p, size_t n, char *out, size_t outcap,
                       size_t *outlen);

/* Parse the JSON number span p[0..n) as an integer into *out. Only the
 * integer form is accepted ("-12", not "12.0" or "1e3", nor a string).
 * Returns 0, WF_ELIMIT if it is outside the int64_t range, or WF_EINVAL
 * if the span is not an integer. */
int wf_json_int64(const char *p, size_t n, int64_t *out);

/* Append p[0..n), arbitrary bytes, to b as one JSON string: quotes, \"
 * and \\, \b \f \n \r \t, \u00XX for other control characters. Each
 * maximal ill-formed UTF-8 subpart becomes one U+FFFD (the Unicode
 * practice), so the output is always valid JSON and valid UTF-8, fit for
 * a WebSocket text frame. Valid UTF-8 is copied unchanged. Aborts only if
 * memory runs out, like wf_buf_append(). */
void wf_json_buf_str(wf_buf_t *b, const char *p, size_t n);

#endif
