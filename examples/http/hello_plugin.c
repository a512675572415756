/* hello_plugin.c: a plugin-kind HTTP handler in C over sdk/c/weft-http.h, freestanding (no
 * libc). Greets the route's `name` parameter (/hello/:name, percent-decoded: route parameters
 * arrive raw), echoes the request's user-agent, and sets a header of its own: x-handler: plugin. The host calls `handle` once per request, in
 * a fresh instance, with the request as the input; the output is the response.
 */
#include "weft-http.h"

WEFT_EXPORT(handle) {
    weft_http_req req;
    weft_http_resp resp;
    size_t raw_len, name_len = 0, ua_len;
    if (weft_http_request_read(&req) != 0) return weft_error("hello_plugin: malformed request");

    const char *raw = weft_http_param(&req, "name", &raw_len);
    char *name = raw ? (char *)weft_http_alloc(raw_len) : NULL;
    if (name) name_len = weft_http_url_decode(name, raw, raw_len, 0);
    const char *ua = weft_http_header(&req, "user-agent", &ua_len);

    weft_http_response_init(&resp, 200);
    weft_http_response_header(&resp, "content-type", "text/plain");
    weft_http_response_header(&resp, "x-handler", "plugin");
    weft_http_response_body_str(&resp, "Hello, ");
    if (name) weft_http_response_body(&resp, name, name_len);
    else weft_http_response_body_str(&resp, "world");
    weft_http_response_body_str(&resp, "!\nYour user agent: ");
    if (ua) weft_http_response_body(&resp, ua, ua_len);
    else weft_http_response_body_str(&resp, "(none)");
    weft_http_response_body_str(&resp, "\n");

    /* Errors a builder call met (out of memory, a bad header) surface here: the call fails and
     * the host answers 500. */
    int32_t rc = weft_http_respond(&resp);
    weft_http_free(name, raw_len);
    weft_http_request_free(&req);
    return rc;
}
