/* echo_plugin.c: a plugin-kind handler that describes its request as text, for the HTTP tests to
 * compare exactly with what they sent (the WHRQ encoding end to end). Answers 200, content-type
 * text/plain, with the body
 *   method=GET
 *   path=/echo/w%20x                  raw, as received
 *   query=a=1&b=2                     raw, without '?'
 *   params=name:w%20x;*:rest          route parameters in the order given, name:value joined by ';'
 *   header.x-test=1                   one line per header whose name starts with "x-", sorted by
 *                                     name (bytewise; equal names keep the order received)
 *   bodylen=5
 *   body:
 * followed by the request's body bytes as they are. Query fields change the response:
 * status=NNN answers with status NNN (outside 100..999 the handler fails: a 500), hdr=1 adds the
 * header "x-extra: yes". Freestanding, over sdk/c/weft-http.h.
 */
#include "weft-http.h"

/* At most this many x- headers are listed (the rest are left out): the tests send a few. */
#define ECHO_MAX_X_HEADERS 64

static void put_u64(weft_http_resp *r, uint64_t v) {
    char d[20];
    int n = 0;
    do d[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n > 0) weft_http_response_body(r, &d[--n], 1);
}

static void line(weft_http_resp *r, const char *key, const char *v, size_t n) {
    weft_http_response_body_str(r, key);
    weft_http_response_body(r, v, n);
    weft_http_response_body_str(r, "\n");
}

/* Bytewise comparison of two names, shorter first on a common prefix. */
static int name_less(const weft_http_field *a, const weft_http_field *b) {
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    for (size_t i = 0; i < n; i++)
        if (a->name[i] != b->name[i]) return (uint8_t)a->name[i] < (uint8_t)b->name[i];
    return a->name_len < b->name_len;
}

/* The decimal value of the n digits at s, or -1 if s is empty, not all digits, or too long. */
static int64_t parse_uint(const char *s, size_t n) {
    int64_t v = 0;
    if (n == 0 || n > 9) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

WEFT_EXPORT(handle) {
    weft_http_req req;
    weft_http_resp r;
    const weft_http_field *x[ECHO_MAX_X_HEADERS];
    size_t nx = 0, n;
    const char *v;
    if (weft_http_request_read(&req) != 0) return weft_error("echo_plugin: malformed request");

    uint32_t status = 200;
    if ((v = weft_http_query_get(&req, "status", &n)) != NULL) status = (uint32_t)parse_uint(v, n);
    weft_http_response_init(&r, status);
    weft_http_response_header(&r, "content-type", "text/plain");
    if ((v = weft_http_query_get(&req, "hdr", &n)) != NULL && weft_http_eq(v, n, "1"))
        weft_http_response_header(&r, "x-extra", "yes");

    line(&r, "method=", req.method, req.method_len);
    line(&r, "path=", req.path, req.path_len);
    line(&r, "query=", req.query, req.query_len);
    weft_http_response_body_str(&r, "params=");
    for (size_t i = 0; i < req.nparams; i++) {
        const weft_http_field *p = &req.params[i];
        if (i) weft_http_response_body_str(&r, ";");
        weft_http_response_body(&r, p->name, p->name_len);
        weft_http_response_body_str(&r, ":");
        weft_http_response_body(&r, p->value, p->value_len);
    }
    weft_http_response_body_str(&r, "\n");

    /* Insertion sort: stable, and the list is short. */
    for (size_t i = 0; i < req.nheaders && nx < ECHO_MAX_X_HEADERS; i++) {
        const weft_http_field *h = &req.headers[i];
        if (h->name_len < 2 || h->name[0] != 'x' || h->name[1] != '-') continue;
        size_t j = nx++;
        for (; j > 0 && name_less(h, x[j - 1]); j--) x[j] = x[j - 1];
        x[j] = h;
    }
    for (size_t i = 0; i < nx; i++) {
        weft_http_response_body_str(&r, "header.");
        weft_http_response_body(&r, x[i]->name, x[i]->name_len);
        line(&r, "=", x[i]->value, x[i]->value_len);
    }

    weft_http_response_body_str(&r, "bodylen=");
    put_u64(&r, req.body_len);
    weft_http_response_body_str(&r, "\nbody:\n");
    weft_http_response_body(&r, req.body, req.body_len);
    int32_t rc = weft_http_respond(&r);
    weft_http_request_free(&req);
    return rc;
}
