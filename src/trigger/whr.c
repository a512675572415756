/* whr.c: the binary encoding between the HTTP trigger and plugin-kind handlers. All integers are
 * u32 little-endian; a string is a u32 length and that many bytes.
 *
 *   request  "WHRQ" method path query nheaders (name value)* nparams (name value)* body
 *   response "WHRS" status nheaders (name value)* body
 *
 * Header names in requests are lowercase; the wildcard's rest is the parameter "*". A response
 * must end exactly after its body, have a status in 100..999 and headers fit for the wire. The
 * guest side of this encoding is sdk/c/weft-http.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigger/trigger.h"

typedef struct wbuf {
    uint8_t *p;
    size_t n;
} wbuf;

static void put32(wbuf *w, uint32_t v) {
    w->p[w->n++] = (uint8_t)v;
    w->p[w->n++] = (uint8_t)(v >> 8);
    w->p[w->n++] = (uint8_t)(v >> 16);
    w->p[w->n++] = (uint8_t)(v >> 24);
}

static void put_str(wbuf *w, const void *s, size_t len) {
    put32(w, (uint32_t)len);
    if (len) memcpy(w->p + w->n, s, len);
    w->n += len;
}

bool whr_encode_request(const http_req *r, uint8_t **out, size_t *len) {
    size_t mlen = strlen(r->method);
    uint64_t total = 4 + 4 + mlen + 4 + r->path_len + 4 + r->query_len + 4 + 4 + 4 + r->body_len;
    for (size_t i = 0; i < r->nheaders; i++)
        total += 8 + strlen(r->headers[i].name) + strlen(r->headers[i].value);
    for (size_t i = 0; i < r->nparams; i++) total += 8 + r->params[i].name_len + r->params[i].value_len;
    if (total > UINT32_MAX || r->body_len > UINT32_MAX) return false;
    wbuf w = {malloc((size_t)total), 0};
    if (!w.p) return false;
    memcpy(w.p, "WHRQ", 4);
    w.n = 4;
    put_str(&w, r->method, mlen);
    put_str(&w, r->path, r->path_len);
    put_str(&w, r->query, r->query_len);
    put32(&w, (uint32_t)r->nheaders);
    for (size_t i = 0; i < r->nheaders; i++) {
        size_t nl = strlen(r->headers[i].name);
        put32(&w, (uint32_t)nl);
        for (size_t k = 0; k < nl; k++) w.p[w.n++] = (uint8_t)tolower((unsigned char)r->headers[i].name[k]);
        put_str(&w, r->headers[i].value, strlen(r->headers[i].value));
    }
    put32(&w, (uint32_t)r->nparams);
    for (size_t i = 0; i < r->nparams; i++) {
        put_str(&w, r->params[i].name, r->params[i].name_len);
        put_str(&w, r->params[i].value, r->params[i].value_len);
    }
    put_str(&w, r->body, r->body_len);
    *out = w.p;
    *len = w.n;
    return true;
}

typedef struct rbuf {
    const uint8_t *p;
    size_t n, at;
} rbuf;

static bool get32(rbuf *r, uint32_t *v) {
    if (r->n - r->at < 4) return false;
    const uint8_t *q = r->p + r->at;
    *v = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    r->at += 4;
    return true;
}

static bool get_str(rbuf *r, const char **s, size_t *len) {
    uint32_t n;
    if (!get32(r, &n) || r->n - r->at < n) return false;
    *s = (const char *)r->p + r->at;
    *len = n;
    r->at += n;
    return true;
}

bool http_header_ok(const char *name, size_t nlen, const char *value, size_t vlen) {
    if (nlen == 0) return false;
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 32 || c >= 127 || strchr("()<>@,;:\\\"/[]?={}", c)) return false;
    }
    for (size_t i = 0; i < vlen; i++)
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') return false;
    return true;
}

bool whr_decode_response(const uint8_t *buf, size_t len, http_resp *resp, char *err,
                         size_t errlen) {
    rbuf r = {buf, len, 0};
    uint32_t status, nh;
    if (len < 4 || memcmp(buf, "WHRS", 4) != 0) {
        snprintf(err, errlen, "the response does not start with \"WHRS\"");
        return false;
    }
    r.at = 4;
    if (!get32(&r, &status) || !get32(&r, &nh)) goto truncated;
    if (status < 100 || status > 999) {
        snprintf(err, errlen, "status %u is not in 100..999", status);
        return false;
    }
    if (nh > HTTP_MAX_OUT_HEADERS) {
        snprintf(err, errlen, "%u headers, more than %d", nh, HTTP_MAX_OUT_HEADERS);
        return false;
    }
    resp->status = (int)status;
    resp->nheaders = nh;
    for (uint32_t i = 0; i < nh; i++) {
        http_out_hdr *h = &resp->headers[i];
        size_t at = r.at;
        if (!get_str(&r, &h->name, &h->name_len) || !get_str(&r, &h->value, &h->value_len))
            goto truncated;
        if (!http_header_ok(h->name, h->name_len, h->value, h->value_len)) {
            snprintf(err, errlen, "header %u (at byte %zu) is not fit for HTTP", i, at);
            return false;
        }
    }
    const char *body;
    size_t blen;
    if (!get_str(&r, &body, &blen)) goto truncated;
    if (r.at != len) {
        snprintf(err, errlen, "%zu bytes after the body (at byte %zu)", len - r.at, r.at);
        return false;
    }
    resp->body = (const uint8_t *)body;
    resp->body_len = blen;
    return true;
truncated:
    snprintf(err, errlen, "the response is truncated at byte %zu of %zu", r.at, len);
    return false;
}
