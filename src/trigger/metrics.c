/* metrics.c: what the HTTP trigger counts (requests by route and status class, rejected requests,
 * failures by component and kind, in-flight requests, the wait queue, a latency histogram) with
 * atomic counters, rendered as Prometheus text for the admin server's /metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigger/trigger.h"

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bucket_us[METRICS_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 10000000,
};

bool metrics_init(metrics *m, size_t nroutes, size_t ncomps) {
    memset(m, 0, sizeof *m);
    m->routes = calloc(nroutes ? nroutes : 1, sizeof *m->routes);
    m->comps = calloc(ncomps ? ncomps : 1, sizeof *m->comps);
    m->nroutes = nroutes;
    m->ncomps = ncomps;
    if (!m->routes || !m->comps) {
        metrics_free(m);
        return false;
    }
    return true;
}

void metrics_free(metrics *m) {
    free(m->routes);
    free(m->comps);
    m->routes = NULL;
    m->comps = NULL;
}

void metrics_observe(metrics *m, size_t route, int status, uint64_t us) {
    atomic_fetch_add_explicit(&m->requests, 1, memory_order_relaxed);
    if (route < m->nroutes) {
        int cls = status >= 100 && status < 600 ? status / 100 : 0;
        atomic_fetch_add_explicit(&m->routes[route].by_class[cls], 1, memory_order_relaxed);
    }
    size_t b = 0;
    while (b < METRICS_BUCKETS && us > bucket_us[b]) b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, us, memory_order_relaxed);
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool failed;
} sbuf;

static void put(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *s, const char *fmt, ...) {
    if (s->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
        va_end(ap);
        if (w < 0) {
            s->failed = true;
            return;
        }
        if ((size_t)w < s->cap - s->n) {
            s->n += (size_t)w;
            return;
        }
        size_t cap = s->cap * 2 + (size_t)w;
        char *p = realloc(s->p, cap);
        if (!p) {
            s->failed = true;
            return;
        }
        s->p = p;
        s->cap = cap;
    }
}

/* A label value with '\\', '"' and newlines escaped, as the text format wants. */
static void put_label(sbuf *s, const char *v) {
    for (; *v; v++) {
        if (*v == '\\' || *v == '"') put(s, "\\%c", *v);
        else if (*v == '\n') put(s, "\\n");
        else put(s, "%c", *v);
    }
}

static unsigned long long ld(const atomic_ullong *a) {
    return atomic_load_explicit(a, memory_order_relaxed);
}

char *metrics_render(const metrics *m, const char *const *route_names,
                     const char *const *comp_names, const unsigned long long *instances,
                     unsigned workers, size_t *len) {
    sbuf s = {malloc(4096), 0, 4096, false};
    if (!s.p) return NULL;
    static const char *cls[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    put(&s, "# HELP weft_http_requests_total HTTP requests answered, by route and status class.\n"
            "# TYPE weft_http_requests_total counter\n");
    for (size_t r = 0; r < m->nroutes; r++)
        for (int c = 0; c < 6; c++) {
            unsigned long long v = ld(&m->routes[r].by_class[c]);
            if (!v && c != 2) continue;
            put(&s, "weft_http_requests_total{route=\"");
            put_label(&s, route_names[r]);
            put(&s, "\",code=\"%s\"} %llu\n", cls[c], v);
        }
    put(&s, "# HELP weft_http_requests_unrouted_total Requests answered without a route (404, 405, "
            "bad requests).\n# TYPE weft_http_requests_unrouted_total counter\n");
    unsigned long long routed = 0;
    for (size_t r = 0; r < m->nroutes; r++)
        for (int c = 0; c < 6; c++) routed += ld(&m->routes[r].by_class[c]);
    unsigned long long total = ld(&m->requests);
    put(&s, "weft_http_requests_unrouted_total %llu\n", total > routed ? total - routed : 0);
    put(&s, "# HELP weft_http_rejected_total Requests refused with 503 because the wait queue was "
            "full.\n# TYPE weft_http_rejected_total counter\nweft_http_rejected_total %llu\n",
        ld(&m->rejected));
    put(&s, "# HELP weft_http_request_duration_seconds Time from a request's arrival to its "
            "response.\n# TYPE weft_http_request_duration_seconds histogram\n");
    unsigned long long cum = 0;
    for (int b = 0; b < METRICS_BUCKETS; b++) {
        cum += ld(&m->buckets[b]);
        put(&s, "weft_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
            (double)bucket_us[b] / 1e6, cum);
    }
    cum += ld(&m->buckets[METRICS_BUCKETS]);
    put(&s, "weft_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    put(&s, "weft_http_request_duration_seconds_sum %.6f\n", (double)ld(&m->sum_us) / 1e6);
    put(&s, "weft_http_request_duration_seconds_count %llu\n", cum);

    static const struct { const char *name, *help; size_t off; } fails[] = {
        {"weft_traps_total", "Requests whose handler trapped.", offsetof(metrics_comp, traps)},
        {"weft_timeouts_total", "Requests whose handler ran past its timeout.", offsetof(metrics_comp, timeouts)},
        {"weft_limits_total", "Requests whose handler went over a memory, fuel or output limit.", offsetof(metrics_comp, limits)},
        {"weft_handler_errors_total", "Requests whose handler failed otherwise (bad response, error).", offsetof(metrics_comp, errors)},
    };
    for (size_t f = 0; f < sizeof fails / sizeof fails[0]; f++) {
        put(&s, "# HELP %s %s\n# TYPE %s counter\n", fails[f].name, fails[f].help, fails[f].name);
        for (size_t c = 0; c < m->ncomps; c++) {
            put(&s, "%s{component=\"", fails[f].name);
            put_label(&s, comp_names[c]);
            put(&s, "\"} %llu\n", ld((const atomic_ullong *)((const char *)&m->comps[c] + fails[f].off)));
        }
    }
    put(&s, "# HELP weft_instances_created_total Instances created (each request resets one to "
            "its component's snapshot).\n# TYPE weft_instances_created_total counter\n");
    for (size_t c = 0; c < m->ncomps; c++) {
        put(&s, "weft_instances_created_total{component=\"");
        put_label(&s, comp_names[c]);
        put(&s, "\"} %llu\n", instances[c]);
    }
    put(&s, "# HELP weft_http_in_flight Requests received and not yet answered.\n"
            "# TYPE weft_http_in_flight gauge\nweft_http_in_flight %llu\n", ld(&m->in_flight));
    put(&s, "# HELP weft_http_queue_depth Requests waiting for a worker.\n"
            "# TYPE weft_http_queue_depth gauge\nweft_http_queue_depth %llu\n", ld(&m->queue_depth));
    put(&s, "# HELP weft_http_workers_busy Workers running a handler.\n"
            "# TYPE weft_http_workers_busy gauge\nweft_http_workers_busy %llu\n", ld(&m->busy));
    put(&s, "# HELP weft_http_workers Workers (handlers that may run at once).\n"
            "# TYPE weft_http_workers gauge\nweft_http_workers %u\n", workers);
    if (s.failed) {
        free(s.p);
        return NULL;
    }
    *len = s.n;
    return s.p;
}
