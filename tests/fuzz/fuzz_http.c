/* fuzz_http.c: libFuzzer over the parsers of the HTTP trigger and the app manifest, which read
 * what others wrote: a guest's CGI output (cgi.c), a plugin handler's encoded response (whr.c),
 * route patterns and request paths (route.c), and manifests (manifest.c, libfyaml underneath).
 * The first byte picks the parser; the rest is its input. A crash, sanitizer report or leak is a
 * finding; every parser must also agree with itself (a decoded response's parts lie inside the
 * input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/manifest.h"
#include "trigger/trigger.h"

static void check_inside(const http_resp *r, const uint8_t *buf, size_t len) {
    const uint8_t *end = buf + len;
    if (r->body_len && (r->body < buf || r->body + r->body_len > end)) abort();
    for (size_t i = 0; i < r->nheaders; i++) {
        const http_out_hdr *h = &r->headers[i];
        if ((const uint8_t *)h->name < buf || (const uint8_t *)h->name + h->name_len > end) abort();
        if (h->value_len && ((const uint8_t *)h->value < buf || (const uint8_t *)h->value + h->value_len > end))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0] % 4;
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    /* A private copy, so reads past the end are caught exactly. */
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return 0;
    memcpy(buf, in, len);
    static http_resp resp;
    char err[256];
    switch (mode) {
    case 0:
        if (cgi_parse_response(buf, len, &resp, err, sizeof err)) check_inside(&resp, buf, len);
        break;
    case 1:
        if (whr_decode_response(buf, len, &resp, err, sizeof err)) check_inside(&resp, buf, len);
        break;
    case 2: {
        /* pattern NUL path */
        const uint8_t *nul = memchr(buf, 0, len);
        size_t plen = nul ? (size_t)(nul - buf) : len;
        char *pattern = malloc(plen + 1);
        if (!pattern) break;
        memcpy(pattern, buf, plen);
        pattern[plen] = 0;
        char *e = NULL;
        route *r = route_compile(pattern, &e);
        free(e);
        if (r) {
            route_param params[ROUTE_MAX_PARAMS];
            size_t n = 0;
            const char *path = nul ? (const char *)nul + 1 : "";
            size_t pathlen = nul ? len - plen - 1 : 0;
            if (route_match(r, path, pathlen, params, &n)) {
                if (n > ROUTE_MAX_PARAMS) abort();
                for (size_t i = 0; i < n; i++)
                    if (params[i].value_len && (params[i].value < path || params[i].value + params[i].value_len > path + pathlen))
                        abort();
            }
            route_free(r);
        }
        free(pattern);
        break;
    }
    default: {
        char *e = NULL;
        manifest *m = manifest_parse((const char *)buf, len, "fuzz.yaml", &e);
        manifest_free(m);
        free(e);
        break;
    }
    }
    free(buf);
    return 0;
}
