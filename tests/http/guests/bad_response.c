/* bad_response.c: a plugin-kind handler whose output breaks the WHRS encoding in the way the
 * query field kind= names, for the host to refuse each with a 500:
 *   kind=truncated  the body's length says 100 bytes, 5 follow (also for no or another kind)
 *   kind=trailing   a well-formed response followed by one more byte
 *   kind=magic      "WHRX" instead of "WHRS"
 *   kind=status     status 42 (outside 100..999)
 *   kind=crlf       a header value holding "\r\n"
 *   kind=nul        a header name holding a NUL
 *   kind=empty      no output at all
 * Freestanding: reads the request with sdk/c/weft-http.h, writes the output by hand.
 */
#include "weft-http.h"

/* Output under construction. */
static uint8_t out[256];
static size_t out_len;

static void put(const void *p, size_t n) {
    __builtin_memcpy(out + out_len, p, n);
    out_len += n;
}

static void put_u32(uint32_t v) {
    uint8_t w[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, 4);
}

static void put_str(const char *s, size_t n) {
    put_u32((uint32_t)n);
    put(s, n);
}

/* A string literal and its length, NULs inside included. */
#define LIT(s) s, sizeof s - 1

/* A response with one header (name, value) and a 5-byte body. */
static void response(const char *magic, uint32_t status, const char *name, size_t name_len,
                     const char *value, size_t value_len) {
    put(magic, 4);
    put_u32(status);
    put_u32(1);
    put_str(name, name_len);
    put_str(value, value_len);
    put_str("hello", 5);
}

WEFT_EXPORT(handle) {
    weft_http_req req;
    size_t n = 0;
    if (weft_http_request_read(&req) != 0) return weft_error("bad_response: malformed request");
    const char *kind = weft_http_query_get(&req, "kind", &n);
    if (!kind) kind = "", n = 0;

    out_len = 0;
    if (weft_http_eq(kind, n, "empty")) {
        /* nothing */
    } else if (weft_http_eq(kind, n, "trailing")) {
        response("WHRS", 200, LIT("x-a"), LIT("b"));
        put("!", 1);
    } else if (weft_http_eq(kind, n, "magic")) {
        response("WHRX", 200, LIT("x-a"), LIT("b"));
    } else if (weft_http_eq(kind, n, "status")) {
        response("WHRS", 42, LIT("x-a"), LIT("b"));
    } else if (weft_http_eq(kind, n, "crlf")) {
        response("WHRS", 200, LIT("x-a"), LIT("b\r\nx-injected: 1"));
    } else if (weft_http_eq(kind, n, "nul")) {
        response("WHRS", 200, LIT("x-a\0b"), LIT("c"));
    } else { /* truncated */
        put("WHRS", 4);
        put_u32(200);
        put_u32(0);
        put_u32(100);
        put("hello", 5);
    }
    weft_http_request_free(&req);
    return weft_output(out, out_len) == 0 ? 0 : weft_error("bad_response: output refused");
}
