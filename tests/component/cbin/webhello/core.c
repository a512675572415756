/* webhello: an HTTP handler component (exports weft:http/handler@0.1.0) that imports
 * acme:math/ops@0.1.0, so an app links it to calc by interface. GET /hello/NAME answers
 * ops.greet(NAME) with the request's body length added by ops.add; /trap traps; /spin loops
 * forever (for timeouts); /bad answers status 42. */
#include "../bump.h"

__attribute__((import_module("acme:math/ops@0.1.0"), import_name("greet")))
void ops_greet(const char *p, size_t n, uint32_t *ret);
__attribute__((import_module("acme:math/ops@0.1.0"), import_name("add")))
int32_t ops_add(int32_t a, int32_t b);

static uint32_t resp[5];
static uint32_t hdr[4];
static const char ctype[] = "content-type", textplain[] = "text/plain";

static int prefix(const char *p, size_t n, const char *s) {
    size_t k = 0;
    while (s[k]) k++;
    if (n < k) return 0;
    for (size_t i = 0; i < k; i++)
        if (p[i] != s[i]) return 0;
    return 1;
}

__attribute__((export_name("weft:http/handler@0.1.0#handle")))
uint32_t *handle(const char *method, size_t mlen, const char *path, size_t plen, const char *query,
                 size_t qlen, const void *headers, size_t nheaders, const uint8_t *body,
                 size_t blen) {
    (void)method; (void)mlen; (void)query; (void)qlen; (void)headers; (void)nheaders; (void)body;
    hdr[0] = (uint32_t)(uintptr_t)ctype;
    hdr[1] = sizeof ctype - 1;
    hdr[2] = (uint32_t)(uintptr_t)textplain;
    hdr[3] = sizeof textplain - 1;
    resp[0] = 200;
    resp[1] = (uint32_t)(uintptr_t)hdr;
    resp[2] = 1;
    if (prefix(path, plen, "/trap")) __builtin_trap();
    if (prefix(path, plen, "/spin")) for (volatile int i = 0;; i++) {}
    if (prefix(path, plen, "/bad")) resp[0] = 42;
    uint32_t g[2] = {0, 0};
    if (prefix(path, plen, "/hello/")) ops_greet(path + 7, plen - 7, g);
    /* "hello, NAME (N)\n" where N = add(body length, 0) */
    char *out = cabi_realloc(0, 0, 1, g[1] + 16);
    size_t n = 0;
    for (size_t i = 0; i < g[1]; i++) out[n++] = ((const char *)(uintptr_t)g[0])[i];
    int32_t len = ops_add((int32_t)blen, 0);
    out[n++] = ' ';
    out[n++] = '(';
    char digits[12];
    int k = 0;
    do { digits[k++] = (char)('0' + len % 10); len /= 10; } while (len);
    while (k) out[n++] = digits[--k];
    out[n++] = ')';
    out[n++] = '\n';
    resp[3] = (uint32_t)(uintptr_t)out;
    resp[4] = (uint32_t)n;
    return resp;
}

__attribute__((export_name("cabi_post_weft:http/handler@0.1.0#handle")))
void handle_post(uint32_t *p) {
    (void)p;
    bump_top = 0;
}
