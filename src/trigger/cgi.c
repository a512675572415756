/* cgi.c: wagi-kind handlers, CGI style (RFC 3875, as Wagi does it): the request's metadata in
 * environment variables, and the response read back from the guest's stdout as CGI header lines,
 * a blank line and the body.
 *
 * Variables: REQUEST_METHOD, SCRIPT_NAME, PATH_INFO (percent-decoded), QUERY_STRING,
 * CONTENT_LENGTH, CONTENT_TYPE, SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL, SERVER_SOFTWARE,
 * GATEWAY_INTERFACE, REMOTE_ADDR, REMOTE_HOST, AUTH_TYPE, REMOTE_USER, PATH_TRANSLATED, one
 * HTTP_<NAME> per request header (uppercased, '-' as '_'; Content-Type and Content-Length are not
 * repeated), and Wagi's X_MATCHED_ROUTE, X_FULL_URL, X_RAW_PATH_INFO, plus X_PARAM_<NAME> per
 * route parameter. For a route ending in a wildcard, PATH_INFO is what the wildcard matched
 * ("/a/b") and SCRIPT_NAME the path before it; for other routes SCRIPT_NAME is the whole path and
 * PATH_INFO is empty. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "trigger/trigger.h"

typedef struct envb {
    char *chars;
    size_t n, cap;
    size_t *offs;
    size_t count, ocap;
    bool failed;
} envb;

static void eb_bytes(envb *e, const char *s, size_t len) {
    if (e->failed) return;
    if (e->n + len + 1 > e->cap) {
        size_t cap = e->cap ? e->cap : 1024;
        while (cap < e->n + len + 1) cap *= 2;
        char *c = realloc(e->chars, cap);
        if (!c) {
            e->failed = true;
            return;
        }
        e->chars = c;
        e->cap = cap;
    }
    memcpy(e->chars + e->n, s, len);
    e->n += len;
}

static void eb_begin(envb *e) {
    if (e->failed) return;
    if (e->count == e->ocap) {
        size_t cap = e->ocap ? e->ocap * 2 : 32;
        size_t *o = realloc(e->offs, cap * sizeof *o);
        if (!o) {
            e->failed = true;
            return;
        }
        e->offs = o;
        e->ocap = cap;
    }
    e->offs[e->count++] = e->n;
}

static void eb_end(envb *e) { eb_bytes(e, "", 1); }

static void eb_var(envb *e, const char *key, const char *val, size_t vlen) {
    eb_begin(e);
    eb_bytes(e, key, strlen(key));
    eb_bytes(e, "=", 1);
    eb_bytes(e, val, vlen);
    eb_end(e);
}

static void eb_var_s(envb *e, const char *key, const char *val) { eb_var(e, key, val, strlen(val)); }

/* A name made fit for the environment: prefix, then uppercase with anything but [A-Z0-9] as '_'. */
static void eb_name(envb *e, const char *prefix, const char *name, size_t len) {
    eb_begin(e);
    eb_bytes(e, prefix, strlen(prefix));
    for (size_t i = 0; i < len; i++) {
        char c = (char)toupper((unsigned char)name[i]);
        if (!isalnum((unsigned char)c)) c = '_';
        eb_bytes(e, &c, 1);
    }
    eb_bytes(e, "=", 1);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Percent-decodes into the buffer (an invalid escape is kept as it is; NUL bytes are dropped). */
static void eb_decoded(envb *e, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (c) eb_bytes(e, &c, 1);
    }
}

bool cgi_env(const http_req *r, char ***env, size_t *nenv) {
    envb e = {0};
    char num[32];
    const route_param *rest = NULL;
    for (size_t i = 0; i < r->nparams; i++)
        if (r->params[i].name_len == 1 && r->params[i].name[0] == '*') rest = &r->params[i];
    /* SCRIPT_NAME and PATH_INFO split the path where the wildcard's match begins. */
    size_t info_len = rest && rest->value_len ? rest->value_len + 1 : 0;
    if (info_len > r->path_len) info_len = r->path_len;
    size_t script_len = r->path_len - info_len;

    eb_var_s(&e, "REQUEST_METHOD", r->method);
    eb_var(&e, "SCRIPT_NAME", r->path, script_len);
    eb_begin(&e);
    eb_bytes(&e, "PATH_INFO=", 10);
    eb_decoded(&e, r->path + script_len, info_len);
    eb_end(&e);
    eb_var(&e, "X_RAW_PATH_INFO", r->path + script_len, info_len);
    eb_var(&e, "PATH_TRANSLATED", r->path + script_len, info_len);
    eb_var(&e, "QUERY_STRING", r->query, r->query_len);
    snprintf(num, sizeof num, "%zu", r->body_len);
    eb_var_s(&e, "CONTENT_LENGTH", num);
    const char *ctype = "";
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, "content-type") == 0) ctype = r->headers[i].value;
    eb_var_s(&e, "CONTENT_TYPE", ctype);
    eb_var_s(&e, "GATEWAY_INTERFACE", "CGI/1.1");
    eb_var_s(&e, "SERVER_PROTOCOL", "HTTP/1.1");
    eb_var_s(&e, "SERVER_SOFTWARE", "weft");
    /* SERVER_NAME: the Host header without its port. */
    const char *host = r->host ? r->host : "localhost";
    size_t hlen = strlen(host);
    const char *colon = host[0] == '[' ? strchr(host, ']') : strrchr(host, ':');
    size_t name_len = hlen;
    if (colon && host[0] == '[') name_len = (size_t)(colon - host) + 1;
    else if (colon) name_len = (size_t)(colon - host);
    eb_var(&e, "SERVER_NAME", host, name_len);
    snprintf(num, sizeof num, "%u", r->port);
    eb_var_s(&e, "SERVER_PORT", num);
    eb_var_s(&e, "REMOTE_ADDR", r->remote ? r->remote : "");
    eb_var_s(&e, "REMOTE_HOST", r->remote ? r->remote : "");
    eb_var_s(&e, "AUTH_TYPE", "");
    eb_var_s(&e, "REMOTE_USER", "");
    eb_var_s(&e, "X_MATCHED_ROUTE", r->route ? r->route : "");
    eb_begin(&e);
    eb_bytes(&e, "X_FULL_URL=http://", 18);
    eb_bytes(&e, host, hlen);
    eb_bytes(&e, r->path, r->path_len);
    if (r->query_len) {
        eb_bytes(&e, "?", 1);
        eb_bytes(&e, r->query, r->query_len);
    }
    eb_end(&e);
    for (size_t i = 0; i < r->nparams; i++) {
        if (&r->params[i] == rest) continue;
        eb_name(&e, "X_PARAM_", r->params[i].name, r->params[i].name_len);
        eb_bytes(&e, r->params[i].value, r->params[i].value_len);
        eb_end(&e);
    }
    for (size_t i = 0; i < r->nheaders; i++) {
        const http_hdr *h = &r->headers[i];
        if (strcasecmp(h->name, "content-type") == 0 || strcasecmp(h->name, "content-length") == 0)
            continue;
        eb_name(&e, "HTTP_", h->name, strlen(h->name));
        eb_bytes(&e, h->value, strlen(h->value));
        eb_end(&e);
    }
    if (e.failed) goto fail;
    /* One block: the pointer array, then the characters. */
    char **block = malloc((e.count + 1) * sizeof(char *) + e.n);
    if (!block) goto fail;
    char *chars = (char *)(block + e.count + 1);
    memcpy(chars, e.chars, e.n);
    for (size_t i = 0; i < e.count; i++) block[i] = chars + e.offs[i];
    block[e.count] = NULL;
    *env = block;
    *nenv = e.count;
    free(e.chars);
    free(e.offs);
    return true;
fail:
    free(e.chars);
    free(e.offs);
    return false;
}

bool cgi_parse_response(const uint8_t *out, size_t len, http_resp *resp, char *err,
                        size_t errlen) {
    const char *s = (const char *)out, *end = s + len;
    resp->status = 0;
    resp->nheaders = 0;
    bool location = false, any = false;
    unsigned line = 0;
    for (;;) {
        line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            snprintf(err, errlen, "%s: no blank line after the CGI headers",
                     len ? "the handler's output ends early" : "the handler printed nothing");
            return false;
        }
        const char *le = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
        if (le == s) { /* the blank line */
            s = nl + 1;
            break;
        }
        const char *colon = memchr(s, ':', (size_t)(le - s));
        if (!colon) {
            snprintf(err, errlen, "CGI header line %u has no ':'", line);
            return false;
        }
        const char *v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t')) v++;
        size_t nlen = (size_t)(colon - s), vlen = (size_t)(le - v);
        if (!http_header_ok(s, nlen, v, vlen)) {
            snprintf(err, errlen, "CGI header line %u is not a valid header", line);
            return false;
        }
        any = true;
        if (nlen == 6 && strncasecmp(s, "status", 6) == 0) {
            int st = 0;
            size_t k = 0;
            while (k < vlen && k < 4 && isdigit((unsigned char)v[k])) st = st * 10 + (v[k++] - '0');
            if (k != 3 || st < 100 || (k < vlen && v[k] != ' ')) {
                snprintf(err, errlen, "CGI header line %u: bad status \"%.*s\"", line,
                         (int)(vlen > 40 ? 40 : vlen), v);
                return false;
            }
            resp->status = st;
        } else {
            if (nlen == 8 && strncasecmp(s, "location", 8) == 0) location = true;
            if (resp->nheaders == HTTP_MAX_OUT_HEADERS) {
                snprintf(err, errlen, "more than %d CGI headers", HTTP_MAX_OUT_HEADERS);
                return false;
            }
            resp->headers[resp->nheaders++] = (http_out_hdr){s, v, nlen, vlen};
        }
        s = nl + 1;
    }
    if (!any) {
        snprintf(err, errlen, "the handler's output starts with a blank line: no CGI headers");
        return false;
    }
    if (!resp->status) resp->status = location ? 302 : 200;
    resp->body = (const uint8_t *)s;
    resp->body_len = (size_t)(end - s);
    return true;
}
