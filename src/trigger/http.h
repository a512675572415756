/* http.h: the HTTP trigger: serves an app's HTTP routes (libmicrohttpd), each request in a fresh
 * instance of its component, with a bounded number of workers, a bounded wait queue, limits, an
 * access log, and an admin server for /metrics and /healthz. */
#ifndef WEFT_TRIGGER_HTTP_H
#define WEFT_TRIGGER_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "host/app.h"

typedef struct http_server http_server;

typedef struct http_options {
    bool access_log;            /* one line per request on stdout */
    uint64_t queue_wait_ms;     /* longest wait for a worker before a 503 (0: 10 s) */
    uint64_t max_response;      /* bytes a handler may answer with (0: 64 MiB) */
} http_options;

/* Starts serving a (the server borrows it; free it after http_server_free). Listens on the
 * manifest's listen address, and on its admin address if there is one. NULL with *err
 * (malloc'd) on failure. */
http_server *http_server_start(app *a, const http_options *o, char **err);
/* The addresses bound, as "host:port" (a port of 0 in the manifest becomes the real one). */
const char *http_server_address(const http_server *s);
const char *http_server_admin_address(const http_server *s);
/* Graceful stop: stops accepting, lets requests in flight finish for up to grace_ms (then
 * cancels the handlers still running), closes every connection. Returns the number of requests
 * that were cancelled. */
unsigned http_server_stop(http_server *s, uint64_t grace_ms);
void http_server_free(http_server *s);

#endif
