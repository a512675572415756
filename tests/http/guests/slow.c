/* slow.c: a plugin-kind handler that takes a while: busy-waits for ms milliseconds (the query
 * field ms=N, decimal; 100 when absent or not a number) on the monotonic clock, then answers 200,
 * text/plain, "slept N ms\n". For the wait-queue (503) and graceful-shutdown tests. It loops in
 * wasm between clock reads, so a timeout shorter than ms stops it (a 504).
 * A wasm32-wasi reactor: wasi-libc's clock_gettime imports WASI's clock_time_get, so the host
 * must link WASI for it; weft-http.h takes its memory from malloc here.
 */
#include <time.h>

#include "weft-http.h"

#define SLOW_DEFAULT_MS 100

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

WEFT_EXPORT(handle) {
    weft_http_req req;
    char text[40] = "slept ", d[10];
    size_t n, len = 6;
    uint32_t ms = SLOW_DEFAULT_MS;
    if (weft_http_request_read(&req) != 0) return weft_error("slow: malformed request");
    const char *q = weft_http_query_get(&req, "ms", &n);
    if (q && n > 0 && n <= 9) {
        uint32_t v = 0;
        size_t i = 0;
        for (; i < n && q[i] >= '0' && q[i] <= '9'; i++) v = v * 10 + (uint32_t)(q[i] - '0');
        if (i == n) ms = v;
    }
    weft_http_request_free(&req);

    uint64_t end = now_ns() + (uint64_t)ms * 1000000u;
    while (now_ns() < end) {}

    int k = 0;
    uint32_t v = ms;
    do d[k++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (k > 0) text[len++] = d[--k];
    __builtin_memcpy(text + len, " ms\n", 4);
    return weft_http_reply(200, "text/plain", text, len + 4);
}
