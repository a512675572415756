/* big.c: a plugin-kind handler for large bodies both ways. Answers 200, content-type
 * application/octet-stream, with a body of n bytes (the query field n=N, decimal; 1048576 when
 * absent or not a number) where byte i is (i * 7) % 251, built in 64 KiB pieces; and the headers
 *   x-len: the request body's length, decimal
 *   x-sum: the sum of the request body's bytes mod 2^32, decimal
 * so a test can check both directions. An n too big for memory makes the handler fail: a 500.
 * Freestanding, over sdk/c/weft-http.h.
 */
#include "weft-http.h"

#define BIG_DEFAULT (1024 * 1024)
#define PIECE (64 * 1024)

/* v in decimal into d (at least 11 bytes), NUL-terminated. */
static void format_u32(char *d, uint32_t v) {
    char t[10];
    int n = 0;
    do t[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n > 0) *d++ = t[--n];
    *d = '\0';
}

WEFT_EXPORT(handle) {
    weft_http_req req;
    weft_http_resp r;
    size_t qn, size = BIG_DEFAULT;
    char num[11];
    if (weft_http_request_read(&req) != 0) return weft_error("big: malformed request");

    const char *q = weft_http_query_get(&req, "n", &qn);
    if (q && qn > 0 && qn <= 10) {
        uint64_t v = 0;
        size_t i = 0;
        for (; i < qn && q[i] >= '0' && q[i] <= '9'; i++) v = v * 10 + (uint64_t)(q[i] - '0');
        if (i == qn && v <= 0xFFFFFFFFu) size = (size_t)v;
    }

    uint32_t sum = 0;
    for (size_t i = 0; i < req.body_len; i++) sum += req.body[i];

    weft_http_response_init(&r, 200);
    weft_http_response_header(&r, "content-type", "application/octet-stream");
    format_u32(num, (uint32_t)req.body_len);
    weft_http_response_header(&r, "x-len", num);
    format_u32(num, sum);
    weft_http_response_header(&r, "x-sum", num);
    uint32_t byte = 0; /* (i * 7) % 251, kept by adding 7 each step */
    for (size_t at = 0; at < size;) {
        size_t n = size - at < PIECE ? size - at : PIECE;
        uint8_t *p = weft_http_response_body_extend(&r, n);
        if (!p) break; /* recorded: weft_http_respond fails the call */
        for (size_t i = 0; i < n; i++) {
            p[i] = (uint8_t)byte;
            if ((byte += 7) >= 251) byte -= 251;
        }
        at += n;
    }
    int32_t rc = weft_http_respond(&r);
    weft_http_request_free(&req);
    return rc;
}
