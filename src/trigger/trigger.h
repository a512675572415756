/* trigger.h: internals of the HTTP trigger (src/trigger/), shared by its files.
 *
 *   http.c     the server: libmicrohttpd, workers and the wait queue, routing, access log,
 *              the admin server (/metrics, /healthz), graceful shutdown
 *   route.c    route patterns
 *   whr.c      the binary request/response encoding of plugin-kind handlers
 *   cgi.c      the CGI (RFC 3875) environment and response of wagi-kind handlers
 *   metrics.c  counters and the latency histogram, as Prometheus text
 */
#ifndef WEFT_TRIGGER_H
#define WEFT_TRIGGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trigger/route.h"

/* One request as the handlers see it. Strings are NUL-terminated unless a length goes with them. */
typedef struct http_hdr {
    const char *name, *value;
} http_hdr;

typedef struct http_req {
    const char *method;
    const char *path;        /* raw, without the query */
    size_t path_len;
    const char *query;       /* without the '?' */
    size_t query_len;
    const http_hdr *headers;
    size_t nheaders;
    const route_param *params;
    size_t nparams;
    const uint8_t *body;
    size_t body_len;
    const char *route;       /* the matched pattern */
    const char *remote;      /* client address */
    const char *host;        /* Host header, or the listen address */
    unsigned port;           /* the port we listen on */
} http_req;

/* A handler's answer. Header names and values point into the guest's output (not NUL-ended). */
typedef struct http_out_hdr {
    const char *name, *value;
    size_t name_len, value_len;
} http_out_hdr;

#define HTTP_MAX_OUT_HEADERS 256

typedef struct http_resp {
    int status;
    http_out_hdr headers[HTTP_MAX_OUT_HEADERS];
    size_t nheaders;
    const uint8_t *body;
    size_t body_len;
} http_resp;

/* ---- chttp.c: components exporting weft:http/handler@0.1.0 --------------------------------- */
struct weft_cfunc_type;
struct weft_cval;
struct weft_cval_arena;
/* Whether f has handle's type (one request record in, one response record out, fields by name
 * and kind); else false with a message in why. */
bool chttp_check(const struct weft_cfunc_type *f, char *why, size_t n);
/* The request as a value of f's request type, allocated in a. False when out of memory. */
bool chttp_request(const struct weft_cfunc_type *f, const http_req *rq, struct weft_cval_arena *a, struct weft_cval *out);
/* The response record v as an http_resp (body copied into a; headers point into v). False with
 * a message when the status or a header is unfit for the wire. */
bool chttp_response(const struct weft_cval *v, struct weft_cval_arena *a, http_resp *out, char *why, size_t n);

/* ---- whr.c ---------------------------------------------------------------------------------- */
/* The request in the plugin encoding ("WHRQ"), malloc'd into *out. False when out of memory or a
 * part is too large for a u32 length. */
bool whr_encode_request(const http_req *r, uint8_t **out, size_t *len);
/* Parses a plugin's "WHRS" response into *resp (pointing into buf). False with a message in err
 * naming what is wrong and at which byte. */
bool whr_decode_response(const uint8_t *buf, size_t len, http_resp *resp, char *err, size_t errlen);

/* ---- cgi.c ---------------------------------------------------------------------------------- */
/* The CGI environment of r: "KEY=VALUE" strings in one malloc'd block (*env, *nenv); the caller
 * frees *env (the array and strings are one allocation). False when out of memory. */
bool cgi_env(const http_req *r, char ***env, size_t *nenv);
/* Parses a CGI response (header lines, a blank line, the body) from a wagi handler's stdout. */
bool cgi_parse_response(const uint8_t *out, size_t len, http_resp *resp, char *err, size_t errlen);

/* Whether a header name or value may go on the wire: no CR, LF or NUL, names a token. */
bool http_header_ok(const char *name, size_t nlen, const char *value, size_t vlen);

/* ---- metrics.c ------------------------------------------------------------------------------ */
#define METRICS_BUCKETS 14

typedef struct metrics_route {
    atomic_ullong by_class[6]; /* responses by status class: [1] 1xx .. [5] 5xx, [0] other */
} metrics_route;

typedef struct metrics_comp {
    atomic_ullong traps, timeouts, limits, errors;
} metrics_comp;

typedef struct metrics {
    atomic_ullong requests, rejected, in_flight, queue_depth, busy;
    atomic_ullong buckets[METRICS_BUCKETS + 1]; /* latency histogram, last one +Inf */
    atomic_ullong sum_us;
    metrics_route *routes;
    size_t nroutes;
    metrics_comp *comps;
    size_t ncomps;
} metrics;

bool metrics_init(metrics *m, size_t nroutes, size_t ncomps);
void metrics_free(metrics *m);
void metrics_observe(metrics *m, size_t route, int status, uint64_t us);
/* Prometheus text exposition (malloc'd). route_names / comp_names label the series;
 * instances[i] is component i's instances created so far. */
char *metrics_render(const metrics *m, const char *const *route_names,
                     const char *const *comp_names, const unsigned long long *instances,
                     unsigned workers, size_t *len);

#endif
