/* outbound.c: a plugin-kind handler that relays a request through the host's outbound HTTP
 * (Extism's http_request): sends the incoming method and body to the URL in the query field
 * url= (percent-decoded, '+' as a space) and answers with the upstream's status and body (no
 * headers). Answers 400 when url= is missing, and 502 when the host made no request (it refused
 * a block). A host that is not among the allowed ones, or a failed connection, makes the host
 * fail the call: its 500. Freestanding, over sdk/c/weft-http.h.
 */
#include "weft-http.h"

static int32_t reply_text(uint32_t status, const char *text) {
    return weft_http_reply(status, "text/plain", text, weft_pdk_strlen(text));
}

WEFT_EXPORT(handle) {
    weft_http_req req;
    weft_http_resp r;
    char method[16];
    size_t n;
    int32_t status = 0;
    if (weft_http_request_read(&req) != 0) return weft_error("outbound: malformed request");
    const char *raw = weft_http_query_get(&req, "url", &n);
    if (!raw) {
        weft_http_request_free(&req);
        return reply_text(400, "outbound: no url= in the query\n");
    }
    if (req.method_len >= sizeof method) {
        weft_http_request_free(&req);
        return reply_text(400, "outbound: method too long\n");
    }
    __builtin_memcpy(method, req.method, req.method_len);
    method[req.method_len] = '\0';
    char *url = (char *)weft_http_alloc(n + 1);
    if (!url) return weft_error("outbound: out of memory");
    url[weft_http_url_decode(url, raw, n, 1)] = '\0';

    weft_block body = weft_http_request(url, method, NULL, req.body, req.body_len, &status);
    if (status == 0) {
        weft_block_free(body);
        return reply_text(502, "outbound: no request made\n");
    }
    weft_http_response_init(&r, (uint32_t)status);
    uint64_t len = weft_block_length(body);
    uint8_t *p = len > 0 ? weft_http_response_body_extend(&r, (size_t)len) : NULL;
    if (p) weft_block_load(body, 0, p, (size_t)len);
    weft_block_free(body);
    return weft_http_respond(&r);
}
