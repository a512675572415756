/* setup.c: the per-request instance set-up of `weft serve` (run by bench/http/run.sh), measured
 * apart from HTTP: weft_plugin_reset back to the compiled plugin's snapshot, alone, after a
 * request's call, and with the call itself; beside a fresh weft_plugin_instantiate + free for
 * comparison. For each handler kind: plugin (the request encoded as WHRQ, the response read from
 * the output) and wagi (CGI environment and stdin through weft_plugin_stdio, the response read
 * from stdout), with a trivial handler and with one that touches more memory. Times are medians
 * of batches in nanoseconds, so a preempted batch does not count. Target (issue 6): set-up under
 * 10 us. Prints, does not judge: it fails only when a handler does not load or answer.
 *
 * Usage: setup PLAIN_PLUGIN.wasm PLAIN_WAGI.wasm ECHO_PLUGIN.wasm ECHO_WAGI.wasm [ROUNDS (15)] */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft.h"

#define TARGET_SETUP_NS 10000.0
#define MAX_ROUNDS 64
/* As weft serve sets them (src/trigger/http.c): what a handler may write to stdout and stderr. */
#define OUT_LIMIT ((size_t)64 << 20)
#define ERR_LIMIT ((size_t)2048)

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void die_error(const char *what, weft_error *e) {
    char *m = weft_error_format(e);
    fprintf(stderr, "setup: %s: %s\n", what, m ? m : "out of memory");
    exit(1);
}

/* ---- a realistic request: ~200 bytes of WHRQ, and its CGI form ------------------------------- */

typedef struct {
    uint8_t b[512];
    size_t n;
} enc;

static void put_u32(enc *e, uint32_t v) {
    for (int i = 0; i < 4; i++) e->b[e->n++] = (uint8_t)(v >> (8 * i));
}

static void put_str(enc *e, const char *s) {
    size_t n = strlen(s);
    put_u32(e, (uint32_t)n);
    memcpy(e->b + e->n, s, n);
    e->n += n;
}

/* GET /hello/world?a=1&b=2 with the headers wrk and curl send and two of the caller's, the
 * route's wildcard as a parameter, and a 5-byte body (as a POST would carry). */
static const char *req_headers[][2] = {
    {"host", "127.0.0.1:8080"}, {"user-agent", "curl/7.88.1"}, {"accept", "*/*"},
    {"x-test", "1"}, {"x-forwarded-for", "10.0.0.7"}, {"content-length", "5"},
};
#define NREQ_HEADERS (sizeof req_headers / sizeof req_headers[0])

static void encode_request(enc *e) {
    e->n = 0;
    memcpy(e->b, "WHRQ", 4);
    e->n = 4;
    put_str(e, "GET");
    put_str(e, "/hello/world");
    put_str(e, "a=1&b=2");
    put_u32(e, (uint32_t)NREQ_HEADERS);
    for (size_t i = 0; i < NREQ_HEADERS; i++) {
        put_str(e, req_headers[i][0]);
        put_str(e, req_headers[i][1]);
    }
    put_u32(e, 1);
    put_str(e, "*");
    put_str(e, "hello/world");
    put_str(e, "hello");
}

/* What weft's cgi.c gives a wagi handler for the same request. */
static const char *const cgi_env[] = {
    "REQUEST_METHOD=GET", "SCRIPT_NAME=", "PATH_INFO=/hello/world",
    "X_RAW_PATH_INFO=/hello/world", "PATH_TRANSLATED=/hello/world", "QUERY_STRING=a=1&b=2",
    "CONTENT_LENGTH=5", "CONTENT_TYPE=", "GATEWAY_INTERFACE=CGI/1.1", "SERVER_PROTOCOL=HTTP/1.1",
    "SERVER_SOFTWARE=weft", "SERVER_NAME=127.0.0.1", "SERVER_PORT=8080",
    "REMOTE_ADDR=127.0.0.1", "REMOTE_HOST=127.0.0.1", "AUTH_TYPE=", "REMOTE_USER=",
    "X_MATCHED_ROUTE=/...", "X_FULL_URL=http://127.0.0.1:8080/hello/world?a=1&b=2",
    "X_PARAM_*=hello/world", "HTTP_HOST=127.0.0.1:8080", "HTTP_USER_AGENT=curl/7.88.1",
    "HTTP_ACCEPT=*/*", "HTTP_X_TEST=1",
    "HTTP_X_FORWARDED_FOR=10.0.0.7",
};
#define NCGI_ENV (sizeof cgi_env / sizeof cgi_env[0])
static const char stdin_body[] = "hello";

/* ---- one handler ------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    bool wagi;
    weft_compiled_plugin *cp;
    weft_plugin *p;
    const char *fn;
    enc req;
    weft_plugin_stdio io;
    const char *want; /* the response must contain this */
} handler;

static handler load(const char *name, const char *path, bool wagi, const char *want) {
    handler h = {.name = name, .wagi = wagi, .fn = wagi ? "_start" : "handle", .want = want};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    static uint8_t wasm[4 << 20];
    size_t len = fread(wasm, 1, sizeof wasm, f);
    fclose(f);
    /* As weft serve compiles a handler: WASI for a wagi one (stdio through the reset), log on. */
    weft_plugin_options o = {.wasi = wagi, .log_level = WEFT_LOG_INFO};
    weft_error *e = weft_plugin_compile(wasm, len, &o, &h.cp);
    if (!e) e = weft_plugin_instantiate(h.cp, &h.p);
    if (e) die_error(path, e);
    encode_request(&h.req);
    h.io = (weft_plugin_stdio){.env = cgi_env, .nenv = NCGI_ENV, .in = stdin_body,
                               .in_len = sizeof stdin_body - 1, .out_limit = OUT_LIMIT,
                               .err_limit = ERR_LIMIT};
    return h;
}

static void reset(handler *h) {
    weft_error *e = weft_plugin_reset(h->p, h->wagi ? &h->io : NULL);
    if (e) die_error("weft_plugin_reset", e);
}

/* The call and the read of its response, as the server does them after a reset. */
static void call(handler *h) {
    weft_plugin_status st = h->wagi ? weft_plugin_call(h->p, h->fn, NULL, 0)
                                    : weft_plugin_call(h->p, h->fn, h->req.b, h->req.n);
    size_t n;
    const uint8_t *out;
    if (h->wagi) {
        bool trunc;
        out = weft_plugin_stdout(h->p, &n, &trunc);
    } else {
        out = weft_plugin_output(h->p, &n);
    }
    if (st != WEFT_PLUGIN_OK || !out || !memmem(out, n, h->want, strlen(h->want))) {
        fprintf(stderr, "setup: %s: %s %s, response %.*s\n", h->name, h->fn,
                st == WEFT_PLUGIN_OK ? "answered" : "failed",
                (int)(n > 200 ? 200 : n), out ? (const char *)out : "(none)");
        if (weft_plugin_error(h->p)) fprintf(stderr, "  %s\n", weft_plugin_error(h->p));
        exit(1);
    }
}

typedef struct {
    double reset_alone, reset_after_call, call, reset_call, instantiate;
} times;

static times measure(handler *h, int rounds, int batch) {
    double a[MAX_ROUNDS], rc[MAX_ROUNDS], r[MAX_ROUNDS], c[MAX_ROUNDS], in[MAX_ROUNDS];
    times t;
    for (int i = 0; i < 200; i++) { /* warm up: the snapshot, caches, the pages a call touches */
        reset(h);
        call(h);
    }
    /* reset back to back: nothing written since the last one */
    for (int k = 0; k < rounds; k++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++) reset(h);
        a[k] = (now_ns() - t0) / batch;
    }
    /* reset + call, each request as the server runs it; the reset and the call also timed on
     * their own (a clock read between them costs ~20 ns, which the split lines carry) */
    for (int k = 0; k < rounds; k++) {
        double tr = 0, tc = 0, t0 = now_ns();
        for (int i = 0; i < batch; i++) {
            double t1 = now_ns();
            reset(h);
            double t2 = now_ns();
            call(h);
            tc += now_ns() - t2;
            tr += t2 - t1;
        }
        rc[k] = (now_ns() - t0) / batch;
        r[k] = tr / batch;
        c[k] = tc / batch;
    }
    /* a fresh instance instead, and its free */
    int ibatch = batch / 10 > 0 ? batch / 10 : 1;
    for (int k = 0; k < rounds; k++) {
        double t0 = now_ns();
        for (int i = 0; i < ibatch; i++) {
            weft_plugin *p;
            weft_error *e = weft_plugin_instantiate(h->cp, &p);
            if (e) die_error("weft_plugin_instantiate", e);
            weft_plugin_free(p);
        }
        in[k] = (now_ns() - t0) / ibatch;
    }
    t.reset_alone = median(a, rounds);
    t.reset_after_call = median(r, rounds);
    t.call = median(c, rounds);
    t.reset_call = median(rc, rounds);
    t.instantiate = median(in, rounds);
    return t;
}

static void row(const char *what, double ns, bool target) {
    printf("    %-46s %10.0f", what, ns);
    if (target)
        printf("   target: set-up < 10 \u00b5s (%.2f \u00b5s: %s)", ns / 1e3,
               ns < TARGET_SETUP_NS ? "met" : "MISSED");
    printf("\n");
}

static void report(handler *h, const times *t) {
    if (h->wagi)
        printf("  %s (wagi kind: %zu CGI variables, %zu bytes of stdin)\n", h->name, h->io.nenv,
               h->io.in_len);
    else
        printf("  %s (plugin kind: a %zu-byte request)\n", h->name, h->req.n);
    row(h->wagi ? "(d) reset with stdio, back to back" : "(a) reset, back to back", t->reset_alone,
        true);
    row(h->wagi ? "    reset with stdio, after a request's call" : "    reset, after a request's call",
        t->reset_after_call, true);
    row(h->wagi ? "    _start + read stdout" : "    handle + read the output", t->call, false);
    row(h->wagi ? "(e) reset + _start + read stdout" : "(b) reset + handle + read the output",
        t->reset_call, false);
    row("(c) weft_plugin_instantiate + weft_plugin_free", t->instantiate, false);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: setup PLAIN_PLUGIN.wasm PLAIN_WAGI.wasm ECHO_PLUGIN.wasm "
                        "ECHO_WAGI.wasm [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 5 ? atoi(argv[5]) : 15;
    if (rounds < 1 || rounds > MAX_ROUNDS) rounds = 15;
    handler hs[4] = {
        load("plain_plugin_hello", argv[1], false, "hello\n"),
        load("plain_wagi_hello", argv[2], true, "hello\n"),
        load("echo_plugin", argv[3], false, "path=/hello/world"),
        load("echo_wagi", argv[4], true, "PATH_INFO=/hello/world"),
    };
    if (hs[0].req.n < 150 || hs[0].req.n > 250) {
        fprintf(stderr, "setup: the request encodes to %zu bytes, not ~200\n", hs[0].req.n);
        return 1;
    }
    printf("per-request instance set-up (ns, median of %d batches of 2000, of 200 for (c))\n", rounds);
    for (int i = 0; i < 4; i++) {
        times t = measure(&hs[i], rounds, 2000);
        report(&hs[i], &t);
    }
    for (int i = 0; i < 4; i++) {
        weft_plugin_free(hs[i].p);
        weft_compiled_plugin_free(hs[i].cp);
    }
    return 0;
}
