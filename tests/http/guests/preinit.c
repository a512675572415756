/* preinit.c: a plugin-kind handler with start-up work done once, before the snapshot: its
 * "wizer.initialize" export fills a table of squares (and counts how often it ran); each request
 * reads the table and answers "squares[12]=144 init_runs=1 requests=1". A fresh instance per
 * request from a snapshot taken after the hook means the hook ran once and never again, and the
 * request counter always reads 1. */
#include "weft-http.h"

static unsigned squares[64];
static unsigned init_runs, requests;

__attribute__((export_name("wizer.initialize"))) void init(void) {
    for (unsigned i = 0; i < 64; i++) squares[i] = i * i;
    init_runs++;
}

static char *put_uint(char *p, unsigned v) {
    char tmp[12];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10));
    while (n) *p++ = tmp[--n];
    return p;
}

__attribute__((export_name("handle"))) int32_t handle(void) {
    requests++;
    char body[96], *p = body;
    static const char a[] = "squares[12]=", b[] = " init_runs=", c[] = " requests=";
    for (const char *s = a; *s; s++) *p++ = *s;
    p = put_uint(p, squares[12]);
    for (const char *s = b; *s; s++) *p++ = *s;
    p = put_uint(p, init_runs);
    for (const char *s = c; *s; s++) *p++ = *s;
    p = put_uint(p, requests);
    *p++ = '\n';
    return weft_http_reply(200, "text/plain", body, (size_t)(p - body));
}
