/* chttp.c: HTTP requests to components exporting weft:http/handler@0.1.0 (`handle: func(req:
 * request) -> response`, the records of weft:http/types): the request built as component values
 * of the handler's own types, the call, and the response record checked and turned into an
 * http_resp. The values are copied into and out of the component's memory by the canonical ABI.
 */
#include <stdio.h>
#include <string.h>

#include "component/cinst.h"
#include "trigger/trigger.h"

static const ct_type *field_type(const ct_type *rec, uint32_t i, const char *name, ct_kind kind) {
    if (!rec || i >= rec->nfields || !rec->fields[i].name || strcmp(rec->fields[i].name, name))
        return NULL;
    const ct_type *t = ct_resolve(rec->fields[i].type);
    return t && t->kind == kind ? t : NULL;
}

/* list<tuple<string, string>> */
static bool is_header_list(const ct_type *t) {
    const ct_type *e = t ? ct_resolve(t->elem) : NULL;
    return e && e->kind == CT_TUPLE && e->nfields == 2 &&
           ct_resolve(e->fields[0].type)->kind == CT_STRING &&
           ct_resolve(e->fields[1].type)->kind == CT_STRING;
}

static bool is_bytes(const ct_type *t) {
    const ct_type *e = t ? ct_resolve(t->elem) : NULL;
    return e && e->kind == CT_U8;
}

bool chttp_check(const ct_func *f, char *why, size_t n) {
    const ct_type *rq = f->nparams == 1 ? ct_resolve(f->params[0].type) : NULL;
    const ct_type *rs = f->nresults == 1 ? ct_resolve(f->results[0].type) : NULL;
    bool ok = rq && rq->kind == CT_RECORD && rq->nfields == 5 && rs && rs->kind == CT_RECORD &&
              rs->nfields == 3 && field_type(rq, 0, "method", CT_STRING) &&
              field_type(rq, 1, "path", CT_STRING) && field_type(rq, 2, "query", CT_STRING) &&
              is_header_list(field_type(rq, 3, "headers", CT_LIST)) &&
              is_bytes(field_type(rq, 4, "body", CT_LIST)) && field_type(rs, 0, "status", CT_U16) &&
              is_header_list(field_type(rs, 1, "headers", CT_LIST)) &&
              is_bytes(field_type(rs, 2, "body", CT_LIST));
    if (!ok)
        snprintf(why, n, "%s does not have the type of weft:http/handler's handle "
                 "(func(req: request) -> response)", f->name ? f->name : "the handler");
    return ok;
}

static cv str(const ct_type *t, const char *s, size_t len) {
    return (cv){.type = t, .of.str = {s, len}};
}

bool chttp_request(const ct_func *f, const http_req *rq, cv_arena *a, cv *out) {
    const ct_type *rt = ct_resolve(f->params[0].type);
    const ct_type *st = ct_resolve(rt->fields[0].type);
    const ct_type *hl = ct_resolve(rt->fields[3].type), *ht = ct_resolve(hl->elem);
    const ct_type *bl = ct_resolve(rt->fields[4].type), *u8 = ct_resolve(bl->elem);
    cv *items = cv_alloc(a, 5 * sizeof *items);
    cv *hdrs = cv_alloc(a, (rq->nheaders + 1) * sizeof *hdrs);
    cv *pairs = cv_alloc(a, (2 * rq->nheaders + 1) * sizeof *pairs);
    cv *body = cv_alloc(a, (rq->body_len + 1) * sizeof *body);
    if (!items || !hdrs || !pairs || !body) return false;
    items[0] = str(st, rq->method, strlen(rq->method));
    items[1] = str(st, rq->path, rq->path_len);
    items[2] = str(st, rq->query, rq->query_len);
    for (size_t i = 0; i < rq->nheaders; i++) {
        pairs[2 * i] = str(st, rq->headers[i].name, strlen(rq->headers[i].name));
        pairs[2 * i + 1] = str(st, rq->headers[i].value, strlen(rq->headers[i].value));
        hdrs[i] = (cv){.type = ht, .of.seq = {&pairs[2 * i], 2}};
    }
    items[3] = (cv){.type = hl, .of.seq = {hdrs, rq->nheaders}};
    for (size_t i = 0; i < rq->body_len; i++) body[i] = (cv){.type = u8, .of.u = rq->body[i]};
    items[4] = (cv){.type = bl, .of.seq = {body, rq->body_len}};
    *out = (cv){.type = rt, .of.seq = {items, 5}};
    return true;
}

static bool token(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 32 || c >= 127 || strchr("()<>@,;:\\\"/[]?={}", c)) return false;
    }
    return true;
}

bool chttp_response(const cv *v, cv_arena *a, http_resp *out, char *why, size_t n) {
    memset(out, 0, sizeof *out);
    out->status = (int)v->of.seq.items[0].of.u;
    if (out->status < 100 || out->status > 999) {
        snprintf(why, n, "status %d is not a valid HTTP status", out->status);
        return false;
    }
    const cv *hl = &v->of.seq.items[1];
    if (hl->of.seq.n > HTTP_MAX_OUT_HEADERS) {
        snprintf(why, n, "%zu response headers, more than %d", hl->of.seq.n, HTTP_MAX_OUT_HEADERS);
        return false;
    }
    for (size_t i = 0; i < hl->of.seq.n; i++) {
        const cv *k = &hl->of.seq.items[i].of.seq.items[0], *val = &hl->of.seq.items[i].of.seq.items[1];
        if (!token(k->of.str.ptr, k->of.str.len)) {
            snprintf(why, n, "response header %zu has an invalid name", i);
            return false;
        }
        for (size_t j = 0; j < val->of.str.len; j++) {
            unsigned char c = (unsigned char)val->of.str.ptr[j];
            if ((c < 32 && c != '\t') || c == 127) {
                snprintf(why, n, "response header \"%.*s\" has a control character in its value",
                         (int)(k->of.str.len < 64 ? k->of.str.len : 64), k->of.str.ptr);
                return false;
            }
        }
        out->headers[i] = (http_out_hdr){k->of.str.ptr, val->of.str.ptr, k->of.str.len,
                                         val->of.str.len};
    }
    out->nheaders = hl->of.seq.n;
    const cv *b = &v->of.seq.items[2];
    uint8_t *bytes = cv_alloc(a, b->of.seq.n + 1);
    if (!bytes) {
        snprintf(why, n, "out of memory for a body of %zu bytes", b->of.seq.n);
        return false;
    }
    for (size_t i = 0; i < b->of.seq.n; i++) bytes[i] = (uint8_t)b->of.seq.items[i].of.u;
    out->body = bytes;
    out->body_len = b->of.seq.n;
    return true;
}
