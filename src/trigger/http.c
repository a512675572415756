/* http.c: the HTTP server of `weft up` and `weft serve`, on libmicrohttpd.
 *
 * Threads: libmicrohttpd gives each connection a thread (keep-alive connections keep theirs), and
 * a request runs its handler on that thread once it holds one of the workers (one per core by
 * default). When every worker is busy, up to `queue` requests wait for one (for queue_wait_ms at
 * most); past that they get a 503 with Retry-After at once. So a slow or stuck handler holds one
 * worker and nothing else: other connections keep being read and answered, and memory stays
 * bounded by the connection limit, the header limit and the body limit.
 *
 * Each request takes an idle instance of its component (or makes one), resets it to the
 * component's snapshot, runs it, and gives it back: nothing one request wrote is seen by the
 * next. A trap, a timeout or a limit ends that request with 500 or 504 and a request id, logged
 * with the reason; the instance is reset before its next use anyway.
 *
 * Shutdown: stop accepting, let requests in flight finish (cancelling handlers after the grace
 * period), then close every connection. The admin server answers /metrics and /healthz.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "component/cinst.h"
#include "host/cset.h"
#include "trigger/http.h"
#include "trigger/trigger.h"

#define DEFAULT_QUEUE_WAIT_MS 10000
#define DEFAULT_MAX_RESPONSE (64ull << 20)
#define MAX_CONNECTIONS 1024
#define STDERR_LOG_MAX 2048
#define CANCEL_DRAIN_MS 2000 /* how long cancelled handlers get to send their 503 */ /* bytes of a handler's stderr repeated in the log */

struct http_server {
    app *app;
    const manifest *mf;
    http_options opts;
    struct MHD_Daemon *d, *admin;
    char address[80], admin_address[80];
    unsigned port;
    unsigned workers, queue;
    metrics m;
    const char **route_names, **comp_names;

    pthread_mutex_t lock;     /* workers, the wait queue, running handlers */
    pthread_cond_t freed;
    unsigned busy, waiting;
    weft_plugin **running;    /* the instance each busy worker runs, for cancelling at stop */
    atomic_bool stopping;
    atomic_ullong next_id;
    unsigned id_prefix;
};

/* The request's headers (pointing into libmicrohttpd's memory, valid for the request), collected
 * once when they have all arrived, with their size for the header limit. */
typedef struct hdr_list {
    http_hdr *v;
    size_t n, cap;
    size_t bytes; /* names, values, ": " and CRLF */
    bool failed;
} hdr_list;

/* One request, from its first line to its response. */
typedef struct req_ctx {
    http_server *srv;
    char *uri;                 /* raw, as received */
    uint64_t start_ns;
    char id[24];
    bool started, too_large, answered;
    uint8_t *body;
    size_t body_len, body_cap;
    hdr_list hdrs;
    long route;                /* -1: none */
    int status;
    size_t bytes_out;
} req_ctx;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- workers and the wait queue ------------------------------------------------------------ */

typedef enum { SLOT_OK, SLOT_FULL, SLOT_TIMEOUT, SLOT_STOPPING } slot_result;

static slot_result slot_acquire(http_server *s, unsigned *slot) {
    pthread_mutex_lock(&s->lock);
    if (s->busy >= s->workers) {
        if (s->waiting >= s->queue) {
            pthread_mutex_unlock(&s->lock);
            return SLOT_FULL;
        }
        s->waiting++;
        atomic_store(&s->m.queue_depth, s->waiting);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + s->opts.queue_wait_ms * 1000000u;
        until.tv_sec += (time_t)(ns / 1000000000u);
        until.tv_nsec = (long)(ns % 1000000000u);
        int rc = 0;
        while (s->busy >= s->workers && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&s->freed, &s->lock, &until);
        s->waiting--;
        atomic_store(&s->m.queue_depth, s->waiting);
        if (s->busy >= s->workers) {
            pthread_mutex_unlock(&s->lock);
            return SLOT_TIMEOUT;
        }
    }
    /* A free slot in running[]: there are as many as workers. */
    unsigned i = 0;
    while (s->running[i]) i++;
    s->running[i] = (weft_plugin *)1; /* taken; the instance comes later */
    *slot = i;
    s->busy++;
    atomic_store(&s->m.busy, s->busy);
    pthread_mutex_unlock(&s->lock);
    return SLOT_OK;
}

static void slot_set(http_server *s, unsigned slot, weft_plugin *p) {
    pthread_mutex_lock(&s->lock);
    s->running[slot] = p ? p : (weft_plugin *)1;
    pthread_mutex_unlock(&s->lock);
}

static void slot_release(http_server *s, unsigned slot) {
    pthread_mutex_lock(&s->lock);
    s->running[slot] = NULL;
    s->busy--;
    atomic_store(&s->m.busy, s->busy);
    if (s->waiting) pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->lock);
}

/* ---- responses ------------------------------------------------------------------------------ */

static enum MHD_Result send_response(req_ctx *c, struct MHD_Connection *conn, int status,
                                     struct MHD_Response *r) {
    MHD_add_response_header(r, "x-request-id", c->id);
    if (atomic_load(&c->srv->stopping)) MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    c->status = status;
    c->answered = true;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A plain-text answer of the server's own (errors, 404, 503): "<status> <reason>\n<detail>". */
static enum MHD_Result send_text(req_ctx *c, struct MHD_Connection *conn, int status,
                                 const char *reason, const char *detail) {
    char *text = app_strf("%d %s\n%s%srequest id: %s\n", status, reason, detail ? detail : "",
                     detail ? "\n" : "", c->id);
    size_t len = text ? strlen(text) : 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, text ? text : (char *)"", MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    c->bytes_out = len;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == 503) MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return send_response(c, conn, status, r);
}

static void log_line(const req_ctx *c, const char *comp, const char *fmtstr, ...)
    __attribute__((format(printf, 3, 4)));
static void log_line(const req_ctx *c, const char *comp, const char *fmtstr, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmtstr);
    vsnprintf(msg, sizeof msg, fmtstr, ap);
    va_end(ap);
    fprintf(stderr, "weft: request %s: component %s: %s\n", c->id, comp, msg);
}

/* ---- running a handler ---------------------------------------------------------------------- */


static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
    hdr_list *l = cls;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        http_hdr *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->failed = true;
            return MHD_NO;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (http_hdr){key, value ? value : ""};
    l->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* Copies resp (and the route's static headers) into an MHD response; false if a header could
 * not be added. */
static struct MHD_Response *build_response(const http_resp *resp, const mf_route *route,
                                           char *err, size_t errlen) {
    struct MHD_Response *r = MHD_create_response_from_buffer(resp->body_len, (void *)resp->body,
                                                             MHD_RESPMEM_MUST_COPY);
    if (!r) {
        snprintf(err, errlen, "out of memory for a response of %zu bytes", resp->body_len);
        return NULL;
    }
    for (size_t i = 0; i < route->nheaders; i++)
        MHD_add_response_header(r, route->headers[i].key, route->headers[i].value);
    for (size_t i = 0; i < resp->nheaders; i++) {
        const http_out_hdr *h = &resp->headers[i];
        char name[256], *value = malloc(h->value_len + 1);
        if (h->name_len >= sizeof name || !value) {
            free(value);
            MHD_destroy_response(r);
            snprintf(err, errlen, "response header %zu is too long", i);
            return NULL;
        }
        memcpy(name, h->name, h->name_len);
        name[h->name_len] = 0;
        memcpy(value, h->value, h->value_len);
        value[h->value_len] = 0;
        /* MHD sets these itself from the body. */
        bool skip = strcasecmp(name, "content-length") == 0 || strcasecmp(name, "transfer-encoding") == 0 ||
                    strcasecmp(name, "connection") == 0;
        enum MHD_Result ok = skip ? MHD_YES : MHD_add_response_header(r, name, value);
        free(value);
        if (ok != MHD_YES) {
            MHD_destroy_response(r);
            snprintf(err, errlen, "response header \"%.64s\" refused", name);
            return NULL;
        }
    }
    return r;
}

static void count_failure(http_server *s, size_t comp, weft_plugin_status st) {
    metrics_comp *mc = &s->m.comps[comp];
    switch (st) {
    case WEFT_PLUGIN_TRAP: atomic_fetch_add(&mc->traps, 1); break;
    case WEFT_PLUGIN_TIMEOUT: atomic_fetch_add(&mc->timeouts, 1); break;
    case WEFT_PLUGIN_LIMIT:
    case WEFT_PLUGIN_FUEL: atomic_fetch_add(&mc->limits, 1); break;
    default: atomic_fetch_add(&mc->errors, 1); break;
    }
}

/* A request to a component binary exporting weft:http/handler: its component set is reset, the
 * request passed as a record value, the response record turned into the answer. */
static enum MHD_Result run_component(req_ctx *c, struct MHD_Connection *conn, unsigned slot,
                                     const mf_route *route, app_component *comp,
                                     const http_req *rq) {
    http_server *s = c->srv;
    metrics_comp *mc = &s->m.comps[route->component];
    char why[1024] = "", perr[256];
    int status = 500;
    char *aerr = NULL;
    struct MHD_Response *resp = NULL;
    cv_arena *args = cv_arena_new(), *results = cv_arena_new();
    cset *set = args && results ? app_acquire_set(s->app, comp, &aerr) : NULL;
    if (!set) {
        snprintf(why, sizeof why, "%s", aerr ? aerr : "out of memory");
        goto fail;
    }
    weft_error *e = cset_reset(set);
    if (e) {
        snprintf(why, sizeof why, "cannot reset the instances: %s", weft_error_message(e));
        weft_error_free(e);
        goto fail;
    }
    cfunc *f = set->entry; /* found when the set was made; the app checked it exists */
    if (!set->entry_checked && !chttp_check(cfunc_type(f), why, sizeof why)) {
        atomic_fetch_add(&mc->errors, 1);
        goto fail;
    }
    set->entry_checked = true;
    cv req, res;
    if (!chttp_request(cfunc_type(f), rq, args, &req)) {
        snprintf(why, sizeof why, "out of memory building the request value");
        goto fail;
    }
    app_arm(set, comp->mf->timeout_ms);
    e = cfunc_call(set->rt, f, &req, results, &res);
    app_disarm(set);
    if (e) {
        if (atomic_load(&set->timed_out)) {
            atomic_fetch_add(&mc->timeouts, 1);
            status = 504;
        } else if (weft_error_trap_code(e) == WEFT_TRAP_OUT_OF_FUEL ||
                   weft_error_kind_of(e) == WEFT_ERR_LIMIT) {
            atomic_fetch_add(&mc->limits, 1);
        } else {
            atomic_fetch_add(&mc->traps, 1);
        }
        int used = snprintf(why, sizeof why, "%s", weft_error_message(e));
        for (size_t i = 0; i < weft_error_frame_count(e) && used > 0 && (size_t)used < sizeof why;
             i++)
            used += snprintf(why + used, sizeof why - (size_t)used, "%s%s", i ? " <- " : " in ",
                             weft_error_frame_name(e, i));
        weft_error_free(e);
        goto fail;
    }
    http_resp hr;
    if (!chttp_response(&res, results, &hr, perr, sizeof perr)) {
        atomic_fetch_add(&mc->errors, 1);
        snprintf(why, sizeof why, "malformed response: %s", perr);
        goto fail;
    }
    if (hr.body_len > s->opts.max_response) {
        atomic_fetch_add(&mc->limits, 1);
        snprintf(why, sizeof why, "the response is larger than the limit of %llu bytes",
                 (unsigned long long)s->opts.max_response);
        goto fail;
    }
    if (!(resp = build_response(&hr, route, perr, sizeof perr))) {
        atomic_fetch_add(&mc->errors, 1);
        snprintf(why, sizeof why, "%s", perr);
        goto fail;
    }
    status = hr.status;
    c->bytes_out = hr.body_len;
    app_release_set(comp, set);
    slot_release(s, slot);
    cv_arena_free(args);
    cv_arena_free(results);
    return send_response(c, conn, status, resp);
fail:
    if (set) app_release_set(comp, set);
    slot_release(s, slot);
    free(aerr);
    cv_arena_free(args);
    cv_arena_free(results);
    log_line(c, comp->mf->id, "%d: %s", status, why);
    return send_text(c, conn, status, status == 504 ? "Gateway Timeout" : "Internal Server Error",
                     status == 504 ? "the handler ran out of time" : "the handler failed");
}

static enum MHD_Result run_handler(req_ctx *c, struct MHD_Connection *conn, const char *method,
                                   const char *path, route_param *params, size_t nparams) {
    http_server *s = c->srv;
    const mf_route *route = &s->mf->routes[c->route];
    app_component *comp = &s->app->comps[route->component];
    const char *cid = comp->mf->id;

    unsigned slot;
    slot_result sr = slot_acquire(s, &slot);
    if (sr != SLOT_OK) {
        atomic_fetch_add(&s->m.rejected, 1);
        log_line(c, cid, "%s", sr == SLOT_FULL ? "refused: every worker is busy and the wait queue is full"
                                              : "refused: no worker became free in time");
        return send_text(c, conn, 503, "Service Unavailable",
                         "every worker is busy; try again later");
    }

    const hdr_list *hl = &c->hdrs;
    const char *query = strchr(c->uri, '?');
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char remote[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, remote, sizeof remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, remote, sizeof remote);
    }
    http_req rq = {
        .method = method, .path = path, .path_len = strlen(path),
        .query = query ? query + 1 : "", .query_len = query ? strlen(query + 1) : 0,
        .headers = hl->v, .nheaders = hl->n, .params = params, .nparams = nparams,
        .body = c->body, .body_len = c->body_len, .route = route->pattern, .remote = remote,
        .host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
        .port = s->port,
    };
    if (!rq.host) rq.host = s->address;

    char why[512] = "";
    int status = 500;
    struct MHD_Response *resp = NULL;
    char **cgi = NULL;
    size_t ncgi = 0;
    const char **env = NULL;
    uint8_t *input = NULL;
    size_t input_len = 0;
    weft_plugin *p = NULL;
    char *aerr = NULL;
    if (hl->failed) {
        snprintf(why, sizeof why, "out of memory reading the headers");
        goto fail;
    }
    if (comp->kind == MF_KIND_COMPONENT) return run_component(c, conn, slot, route, comp, &rq);
    if (!(p = app_acquire(comp, &aerr))) {
        snprintf(why, sizeof why, "%s", aerr ? aerr : "out of memory");
        goto fail;
    }
    slot_set(s, slot, p);

    weft_plugin_stdio io = {.out_limit = s->opts.max_response, .err_limit = STDERR_LOG_MAX};
    if (comp->kind == MF_KIND_WAGI) {
        if (!cgi_env(&rq, &cgi, &ncgi)) {
            snprintf(why, sizeof why, "out of memory building the CGI environment");
            goto fail;
        }
        io.in = c->body;
        io.in_len = c->body_len;
    } else if (!whr_encode_request(&rq, &input, &input_len)) {
        snprintf(why, sizeof why, "the request is too large to encode");
        goto fail;
    }
    if (comp->wasi) {
        if (!(env = malloc((comp->nenv + ncgi + 1) * sizeof *env))) {
            snprintf(why, sizeof why, "out of memory");
            goto fail;
        }
        if (comp->nenv) memcpy(env, comp->env, comp->nenv * sizeof *env);
        if (ncgi) memcpy(env + comp->nenv, cgi, ncgi * sizeof *env);
        io.env = env;
        io.nenv = comp->nenv + ncgi;
    }
    weft_error *e = weft_plugin_reset(p, comp->wasi ? &io : NULL);
    if (e) {
        snprintf(why, sizeof why, "cannot reset the instance: %s", weft_error_message(e));
        weft_error_free(e);
        goto fail;
    }
    weft_plugin_status st = weft_plugin_call(p, comp->function, input, input_len);
    size_t elen;
    bool etrunc;
    const uint8_t *errout = weft_plugin_stderr(p, &elen, &etrunc);
    if (elen) {
        while (elen && (errout[elen - 1] == '\n')) elen--;
        log_line(c, cid, "stderr: %.*s%s", (int)elen, (const char *)errout, etrunc ? " ..." : "");
    }
    if (st != WEFT_PLUGIN_OK) {
        count_failure(s, route->component, st);
        if (st == WEFT_PLUGIN_TIMEOUT) status = 504;
        if (st == WEFT_PLUGIN_CANCELLED) status = 503; /* only a stop past its grace cancels */
        snprintf(why, sizeof why, "%s", weft_plugin_error(p) ? weft_plugin_error(p) : "failed");
        goto fail;
    }
    http_resp hr;
    char perr[256];
    bool ok;
    if (comp->kind == MF_KIND_WAGI) {
        size_t olen;
        bool trunc;
        const uint8_t *out = weft_plugin_stdout(p, &olen, &trunc);
        if (trunc) {
            atomic_fetch_add(&s->m.comps[route->component].limits, 1);
            snprintf(why, sizeof why, "the response is larger than the limit of %llu bytes",
                     (unsigned long long)s->opts.max_response);
            goto fail;
        }
        ok = cgi_parse_response(out ? out : (const uint8_t *)"", olen, &hr, perr, sizeof perr);
    } else {
        size_t olen;
        const uint8_t *out = weft_plugin_output(p, &olen);
        ok = whr_decode_response(out ? out : (const uint8_t *)"", olen, &hr, perr, sizeof perr);
        if (ok && hr.body_len > s->opts.max_response) {
            atomic_fetch_add(&s->m.comps[route->component].limits, 1);
            snprintf(why, sizeof why, "the response is larger than the limit of %llu bytes",
                     (unsigned long long)s->opts.max_response);
            goto fail;
        }
    }
    if (!ok) {
        atomic_fetch_add(&s->m.comps[route->component].errors, 1);
        snprintf(why, sizeof why, "malformed response: %s", perr);
        goto fail;
    }
    if (!(resp = build_response(&hr, route, perr, sizeof perr))) {
        atomic_fetch_add(&s->m.comps[route->component].errors, 1);
        snprintf(why, sizeof why, "%s", perr);
        goto fail;
    }
    status = hr.status;
    c->bytes_out = hr.body_len;
    slot_set(s, slot, NULL);
    app_release(comp, p);
    slot_release(s, slot);
    free(cgi);
    free(env);
    free(input);
    return send_response(c, conn, status, resp);

fail:
    if (p) {
        slot_set(s, slot, NULL);
        app_release(comp, p);
    }
    slot_release(s, slot);
    free(aerr);
    free(cgi);
    free(env);
    free(input);
    log_line(c, cid, "%d: %s", status, why);
    return send_text(c, conn, status,
                     status == 504 ? "Gateway Timeout" : status == 503 ? "Service Unavailable" : "Internal Server Error",
                     status == 504 ? "the handler ran out of time" : status == 503 ? "the server is stopping" : "the handler failed");
}

/* ---- libmicrohttpd callbacks ---------------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    http_server *s = cls;
    req_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->srv = s;
    c->start_ns = now_ns();
    c->route = -1;
    c->uri = strdup(uri ? uri : "");
    unsigned long long n = atomic_fetch_add(&s->next_id, 1);
    snprintf(c->id, sizeof c->id, "%08x-%06llx", s->id_prefix, n);
    atomic_fetch_add(&s->m.in_flight, 1);
    return c;
}

/* Keeps the URL as received: routes match raw paths, handlers decode. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s) { return strlen(s); }

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls) {
    http_server *s = cls;
    req_ctx *c = *req_cls;
    if (!c || !c->uri) return MHD_NO; /* out of memory: drop the connection */
    if (!c->started) {
        c->started = true;
        /* libmicrohttpd bounds headers by its per-connection memory (a little over twice the
         * limit, with room for the body's buffer); the manifest's limit is exact. */
        MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &c->hdrs);
        if (c->hdrs.bytes > s->mf->max_header) {
            char detail[96];
            snprintf(detail, sizeof detail, "the headers are larger than the limit of %llu bytes",
                     (unsigned long long)s->mf->max_header);
            return send_text(c, conn, 431, "Request Header Fields Too Large", detail);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->mf->max_body) c->too_large = true;
        if (!c->too_large) return MHD_YES;
    }
    if (*upload_size) {
        if (!c->too_large) {
            size_t n = *upload_size;
            if (n > s->mf->max_body - c->body_len) {
                c->too_large = true;
            } else {
                if (c->body_len + n > c->body_cap) {
                    size_t cap = c->body_cap ? c->body_cap : 4096;
                    while (cap < c->body_len + n) cap *= 2;
                    uint8_t *b = realloc(c->body, cap);
                    if (!b) return MHD_NO;
                    c->body = b;
                    c->body_cap = cap;
                }
                memcpy(c->body + c->body_len, upload, n);
                c->body_len += n;
            }
        }
        *upload_size = 0;
        /* A body found too large on the way (chunked) is read to its end and dropped, then
         * answered: libmicrohttpd cannot answer in the middle of a chunked upload. */
        if (!c->answered) return MHD_YES;
    }
    if (c->answered) return MHD_YES;
    if (c->too_large) {
        char detail[96];
        snprintf(detail, sizeof detail, "the body is larger than the limit of %llu bytes",
                 (unsigned long long)s->mf->max_body);
        return send_text(c, conn, 413, "Content Too Large", detail);
    }
    /* What libmicrohttpd lets through but HTTP forbids. */
    bool token = *method != 0;
    for (const char *m = method; *m; m++)
        if (*m <= 32 || *m >= 127 || strchr("()<>@,;:\\\"/[]?={}", *m)) token = false;
    if (!token) return send_text(c, conn, 400, "Bad Request", "the method is not a token");
    if (url[0] != '/') return send_text(c, conn, 400, "Bad Request", "the target is not a path");
    if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
        !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
        return send_text(c, conn, 400, "Bad Request", "an HTTP/1.1 request needs a Host header");
    route_param params[ROUTE_MAX_PARAMS];
    size_t nparams = 0;
    bool wrong_method = false;
    c->route = manifest_match(s->mf, method, url, strlen(url), params, &nparams, &wrong_method);
    if (c->route < 0) {
        if (wrong_method) {
            /* Allow: the methods of the routes whose pattern matches. */
            char allow[256] = "";
            for (size_t i = 0; i < s->mf->nroutes; i++) {
                const mf_route *r = &s->mf->routes[i];
                if (!route_match(r->compiled, url, strlen(url), NULL, NULL)) continue;
                for (size_t k = 0; k < r->nmethods; k++) {
                    if (strstr(allow, r->methods[k])) continue;
                    size_t used = strlen(allow);
                    snprintf(allow + used, sizeof allow - used, "%s%s", used ? ", " : "", r->methods[k]);
                }
            }
            char *text = app_strf("405 Method Not Allowed\nrequest id: %s\n", c->id);
            struct MHD_Response *r = MHD_create_response_from_buffer(
                text ? strlen(text) : 0, text ? text : (char *)"", MHD_RESPMEM_MUST_FREE);
            if (!r) return MHD_NO;
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
            MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
            return send_response(c, conn, 405, r);
        }
        return send_text(c, conn, 404, "Not Found", NULL);
    }
    return run_handler(c, conn, method, url, params, nparams);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
    http_server *s = cls;
    req_ctx *c = *req_cls;
    if (!c) return;
    *req_cls = NULL;
    uint64_t us = (now_ns() - c->start_ns) / 1000;
    if (c->started) {
        metrics_observe(&s->m, c->route >= 0 ? (size_t)c->route : SIZE_MAX, c->status, us);
        if (s->opts.access_log) {
            const char *q = strchr(c->uri, '?');
            int plen = q ? (int)(q - c->uri) : (int)strlen(c->uri);
            printf("%s %.*s route=%s status=%d bytes=%zu time=%.3fms%s\n", c->id,
                   plen > 512 ? 512 : plen, c->uri,
                   c->route >= 0 ? s->mf->routes[c->route].pattern : "-",
                   c->answered ? c->status : 0, c->bytes_out, (double)us / 1000.0,
                   toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
            fflush(stdout);
        }
    }
    atomic_fetch_sub(&s->m.in_flight, 1);
    free(c->hdrs.v);
    free(c->body);
    free(c->uri);
    free(c);
}

static void mhd_log(void *cls, const char *fm, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fm, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    fprintf(stderr, "weft: http: %s\n", msg);
}

/* ---- the admin server ----------------------------------------------------------------------- */

static enum MHD_Result on_admin(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **req_cls) {
    http_server *s = cls;
    if (!*req_cls) {
        *req_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    char *body = NULL;
    size_t len = 0;
    unsigned status = 200;
    const char *ctype = "text/plain; charset=utf-8";
    if (strcmp(url, "/metrics") == 0) {
        unsigned long long *inst = calloc(s->app->ncomps + 1, sizeof *inst);
        if (inst)
            for (size_t i = 0; i < s->app->ncomps; i++) inst[i] = atomic_load(&s->app->comps[i].instances);
        body = inst ? metrics_render(&s->m, s->route_names, s->comp_names, inst, s->workers, &len) : NULL;
        free(inst);
        if (!body) return MHD_NO;
        ctype = "text/plain; version=0.0.4; charset=utf-8";
    } else if (strcmp(url, "/healthz") == 0) {
        bool stopping = atomic_load(&s->stopping);
        body = strdup(stopping ? "stopping\n" : "ok\n");
        status = stopping ? 503 : 200;
    } else {
        body = strdup("404 Not Found\n(the admin server answers /metrics and /healthz)\n");
        status = 404;
    }
    if (!body) return MHD_NO;
    if (!len) len = strlen(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- listening ------------------------------------------------------------------------------ */

/* A listening socket for "host:port", ":port" or "[v6]:port"; the bound address in out. */
static int listen_on(const char *addr, char *out, size_t outlen, unsigned *port, char **err) {
    char host[256] = "";
    const char *portstr;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof host) goto bad;
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        portstr = close + 2;
    } else {
        const char *colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= sizeof host) goto bad;
        memcpy(host, addr, (size_t)(colon - addr));
        portstr = colon + 1;
    }
    char *end;
    unsigned long p = strtoul(portstr, &end, 10);
    if (!*portstr || *end || p > 65535) goto bad;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
    int rc = getaddrinfo(*host ? host : NULL, portstr, &hints, &res);
    if (rc != 0) {
        *err = app_strf("cannot listen on %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        *err = app_strf("cannot listen on %s: %s", addr, strerror(e));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char ip[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof ip);
        *port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(out, outlen, "[%s]:%u", ip, *port);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
        *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(out, outlen, "%s:%u", ip, *port);
    }
    return fd;
bad:
    *err = app_strf("cannot listen on \"%s\": expected HOST:PORT, :PORT or [IPv6]:PORT", addr);
    return -1;
}

http_server *http_server_start(app *a, const http_options *o, char **err) {
    *err = NULL;
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        *err = app_strf("out of memory");
        return NULL;
    }
    s->app = a;
    s->mf = a->mf;
    if (o) s->opts = *o;
    if (!s->opts.queue_wait_ms) s->opts.queue_wait_ms = DEFAULT_QUEUE_WAIT_MS;
    if (!s->opts.max_response) s->opts.max_response = DEFAULT_MAX_RESPONSE;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s->workers = s->mf->workers ? s->mf->workers : cores > 0 ? (unsigned)cores : 1;
    s->queue = s->mf->queue;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->freed, NULL);
    atomic_init(&s->stopping, false);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->id_prefix = (unsigned)(ts.tv_nsec ^ ((unsigned)getpid() << 16) ^ (unsigned)ts.tv_sec);
    s->running = calloc(s->workers, sizeof *s->running);
    s->route_names = calloc(s->mf->nroutes + 1, sizeof *s->route_names);
    s->comp_names = calloc(a->ncomps + 1, sizeof *s->comp_names);
    if (!s->running || !s->route_names || !s->comp_names ||
        !metrics_init(&s->m, s->mf->nroutes, a->ncomps)) {
        *err = app_strf("out of memory");
        http_server_free(s);
        return NULL;
    }
    for (size_t i = 0; i < s->mf->nroutes; i++) s->route_names[i] = s->mf->routes[i].pattern;
    for (size_t i = 0; i < a->ncomps; i++) s->comp_names[i] = a->comps[i].mf->id;

    int fd = listen_on(s->mf->listen, s->address, sizeof s->address, &s->port, err);
    if (fd < 0) {
        http_server_free(s);
        return NULL;
    }
    uint64_t pool = s->mf->max_header * 2 + 8192;
    if (pool < 32768) pool = 32768;
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
            MHD_USE_ITC | MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)((s->mf->idle_timeout_ms + 999) / 1000),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)pool,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    if (!s->d) {
        close(fd);
        *err = app_strf("cannot start the HTTP server on %s", s->address);
        http_server_free(s);
        return NULL;
    }
    if (s->mf->admin) {
        unsigned aport;
        int afd = listen_on(s->mf->admin, s->admin_address, sizeof s->admin_address, &aport, err);
        if (afd < 0) {
            http_server_free(s);
            return NULL;
        }
        s->admin = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
                                    0, NULL, NULL, on_admin, s,
                                    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                                    MHD_OPTION_LISTEN_SOCKET, afd,
                                    MHD_OPTION_CONNECTION_LIMIT, 64u,
                                    MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
        if (!s->admin) {
            close(afd);
            *err = app_strf("cannot start the admin server on %s", s->admin_address);
            http_server_free(s);
            return NULL;
        }
    }
    return s;
}

const char *http_server_address(const http_server *s) { return s->address; }
const char *http_server_admin_address(const http_server *s) {
    return s->admin ? s->admin_address : NULL;
}

unsigned http_server_stop(http_server *s, uint64_t grace_ms) {
    if (!s->d) return 0;
    atomic_store(&s->stopping, true);
    MHD_socket lfd = MHD_quiesce_daemon(s->d);
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
    uint64_t until = now_ns() + grace_ms * 1000000u;
    while (atomic_load(&s->m.in_flight) > 0 && now_ns() < until) usleep(5000);
    unsigned cancelled = 0;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->workers; i++)
        if (s->running[i] && s->running[i] != (weft_plugin *)1) {
            weft_plugin_cancel(s->running[i]);
            cancelled++;
        }
    pthread_mutex_unlock(&s->lock);
    /* Cancelled handlers stop at their next interrupt check: let their 503s go out. */
    until = now_ns() + CANCEL_DRAIN_MS * 1000000u;
    while (cancelled && atomic_load(&s->m.in_flight) > 0 && now_ns() < until) usleep(2000);
    MHD_stop_daemon(s->d);
    s->d = NULL;
    if (s->admin) {
        MHD_stop_daemon(s->admin);
        s->admin = NULL;
    }
    return cancelled;
}

void http_server_free(http_server *s) {
    if (!s) return;
    if (s->d || s->admin) http_server_stop(s, 0);
    metrics_free(&s->m);
    free(s->running);
    free(s->route_names);
    free(s->comp_names);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->freed);
    free(s);
}
