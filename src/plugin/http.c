/* http.c: the guest's outbound HTTP (Extism's http_request) over libcurl.
 *
 * The request is a JSON block {"url": ..., "method": ..., "headers": {...}}. Nothing is reachable
 * unless the plugin's options allow the host: each allowed entry is a glob matched against the
 * URL's host name ("api.example.com", "*.example.com", "*"). The URL is parsed once, by curl, and
 * that same parsed handle is what curl connects to, so the check and the connection cannot read the
 * URL differently. Only http and https; redirects are not followed (a redirect could leave the
 * allowed hosts); header names and values may not carry line breaks. The response is capped at
 * max_http_response_bytes, and the transfer stops at the call's deadline or on cancellation.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin/plugin.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_setup(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

bool http_host_allowed(const weft_compiled_plugin *cp, const char *host) {
    for (size_t i = 0; i < cp->nhosts; i++)
        if (fnmatch(cp->hosts[i], host, FNM_CASEFOLD) == 0) return true;
    return false;
}

typedef struct transfer {
    weft_plugin *p;
    uint8_t *body;
    size_t len, cap, limit;
    bool too_big;
    cJSON *headers;
} transfer;

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
    transfer *t = ud;
    size_t add = size * n;
    if (add > t->limit - t->len) {
        t->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (t->len + add > t->cap) {
        size_t nc = t->cap ? t->cap : 4096;
        while (nc < t->len + add) nc *= 2;
        uint8_t *b = realloc(t->body, nc);
        if (!b) return 0;
        t->body = b;
        t->cap = nc;
    }
    memcpy(t->body + t->len, data, add);
    t->len += add;
    return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
    transfer *t = ud;
    size_t len = size * n;
    const char *colon = memchr(data, ':', len);
    if (!colon || !t->headers) return len; /* status line, blank line */
    size_t klen = (size_t)(colon - data);
    const char *v = colon + 1, *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    char *key = strndup(data, klen), *val = strndup(v, (size_t)(end - v));
    if (key && val) {
        for (char *k = key; *k; k++)
            if (*k >= 'A' && *k <= 'Z') *k = (char)(*k - 'A' + 'a');
        cJSON_DeleteItemFromObjectCaseSensitive(t->headers, key);
        cJSON_AddStringToObject(t->headers, key, val);
    }
    free(key);
    free(val);
    return len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    transfer *t = ud;
    return weft_store_interrupted(t->p->store) ? 1 : 0; /* cancelled or past the deadline */
}

static bool header_ok(const char *s) { return !strpbrk(s, "\r\n"); }

static bool method_ok(const char *m) {
    if (!*m || strlen(m) > 16) return false;
    for (const char *c = m; *c; c++)
        if (*c < 'A' || *c > 'Z') return false;
    return true;
}

weft_error *http_perform(weft_plugin *p, const uint8_t *req, size_t req_len, const uint8_t *body,
                         size_t body_len, uint64_t *body_off) {
    pthread_once(&curl_once, curl_setup);
    weft_error *err = NULL;
    CURL *curl = NULL;
    CURLU *url = NULL;
    struct curl_slist *hdrs = NULL;
    char *host = NULL, *scheme = NULL;
    transfer t = {.p = p, .limit = p->cp->opts.max_http_response_bytes};
    *body_off = 0;

    cJSON *j = cJSON_ParseWithLength((const char *)req, req_len);
    const cJSON *ju = cJSON_GetObjectItemCaseSensitive(j, "url");
    const cJSON *jm = cJSON_GetObjectItemCaseSensitive(j, "method");
    const cJSON *jh = cJSON_GetObjectItemCaseSensitive(j, "headers");
    if (!cJSON_IsObject(j) || !cJSON_IsString(ju)) {
        err = kernel_fail(p, WEFT_PLUGIN_TRAP,
                          "http_request: the request is not JSON with a \"url\" string");
        goto out;
    }
    const char *method = cJSON_IsString(jm) ? jm->valuestring : "GET";
    if (!method_ok(method)) {
        err = kernel_fail(p, WEFT_PLUGIN_TRAP, "http_request: bad method \"%.32s\"", method);
        goto out;
    }
    url = curl_url();
    if (!url || curl_url_set(url, CURLUPART_URL, ju->valuestring, 0) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        err = kernel_fail(p, WEFT_PLUGIN_TRAP, "http_request: bad URL \"%.200s\"", ju->valuestring);
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        err = kernel_fail(p, WEFT_PLUGIN_TRAP, "http_request: scheme \"%.16s\" is not http or https",
                          scheme);
        goto out;
    }
    if (!http_host_allowed(p->cp, host)) {
        err = kernel_fail(p, WEFT_PLUGIN_TRAP,
                          "http_request: host \"%.200s\" is not among the plugin's allowed hosts",
                          host);
        goto out;
    }
    if (jh && !cJSON_IsObject(jh)) {
        err = kernel_fail(p, WEFT_PLUGIN_TRAP, "http_request: \"headers\" is not an object");
        goto out;
    }
    for (const cJSON *h = jh ? jh->child : NULL; h; h = h->next) {
        if (!cJSON_IsString(h) || !header_ok(h->string) || !header_ok(h->valuestring) ||
            strchr(h->string, ':')) {
            err = kernel_fail(p, WEFT_PLUGIN_TRAP, "http_request: bad header \"%.100s\"", h->string);
            goto out;
        }
        size_t n = strlen(h->string) + strlen(h->valuestring) + 3;
        char *line = malloc(n);
        if (!line) goto nomem;
        snprintf(line, n, "%s: %s", h->string, h->valuestring);
        struct curl_slist *l = curl_slist_append(hdrs, line);
        free(line);
        if (!l) goto nomem;
        hdrs = l;
    }
    t.headers = cJSON_CreateObject();
    curl = curl_easy_init();
    if (!curl || !t.headers) goto nomem;
    curl_easy_setopt(curl, CURLOPT_CURLU, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    uint64_t left = deadline_left_ms(p);
    if (left != UINT64_MAX) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(left ? left : 1));
    CURLcode rc = curl_easy_perform(curl);
    if (t.too_big) {
        err = kernel_fail(p, WEFT_PLUGIN_LIMIT,
                          "http_request: the response from %.200s is bigger than the limit of "
                          "%llu bytes", host, (unsigned long long)t.limit);
        goto out;
    }
    if (rc != CURLE_OK) {
        weft_plugin_status st = WEFT_PLUGIN_TRAP;
        if (weft_store_interrupted(p->store) || rc == CURLE_OPERATION_TIMEDOUT) {
            int why = atomic_load(&p->stop_reason);
            st = why ? (weft_plugin_status)why : WEFT_PLUGIN_TIMEOUT;
        }
        err = kernel_fail(p, st, "http_request: %s %.200s failed: %s", method, ju->valuestring,
                          curl_easy_strerror(rc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    p->http_status = (int)status;
    p->http_headers_off = 0;
    char *hj = cJSON_PrintUnformatted(t.headers);
    if (!hj) goto nomem;
    err = kernel_new_block(p, "http_request", hj, strlen(hj), &p->http_headers_off);
    free(hj);
    if (!err) err = kernel_new_block(p, "http_request", t.body, t.len, body_off);
    goto out;
nomem:
    err = kernel_fail(p, WEFT_PLUGIN_TRAP, "http_request: out of memory");
out:
    if (curl) curl_easy_cleanup(curl);
    curl_slist_free_all(hdrs);
    curl_free(host);
    curl_free(scheme);
    if (url) curl_url_cleanup(url);
    cJSON_Delete(j);
    cJSON_Delete(t.headers);
    free(t.body);
    return err;
}
