/* weft-http.h: the guest side of weft's plugin-kind HTTP handlers, for handlers written in C.
 * Owns the binary request and response encodings (below: this comment is their reference), a
 * parser that checks a whole request and views it in place, a response builder, and the small
 * allocator both use. The Extism imports stay in weft-pdk.h; wagi handlers (plain WASI programs,
 * CGI-style) need neither header. Header-only and libc-free, like weft-pdk.h.
 */
#ifndef WEFT_HTTP_H
#define WEFT_HTTP_H

#include "weft-pdk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the encoding ------------------------------------------------------------------------------
 * A plugin-kind handler is an export of type () -> i32 (by default named "handle") that the host
 * calls once, in a fresh instance, per request. Its input is the request, its output the
 * response. All integers are u32 little-endian; a "string" is a u32 length followed by that many
 * bytes (no NUL, no alignment).
 *
 * Request (the input):
 *   "WHRQ"        4 bytes, magic
 *   method        string, e.g. "GET"
 *   path          string: the raw path as received, without the query, e.g. "/hello/w%20x"
 *   query         string: without the '?', possibly empty
 *   nheaders      u32, then nheaders pairs (name string, lowercase; value string)
 *   nparams       u32, then nparams pairs (name string; value string): the route's parameters;
 *                 the wildcard's remainder is named "*"
 *   body          string, possibly empty
 * and nothing after it.
 *
 * Response (the output):
 *   "WHRS"        4 bytes, magic
 *   status        u32, 100..999
 *   nheaders      u32, then nheaders pairs (name string; value string)
 *   body          string
 * and nothing after it. The host answers 500 instead when the response is malformed, has bytes
 * after the body, a status out of range, a header name that is not an HTTP token (RFC 9110: no
 * spaces, controls or separators such as ':'), or a header value holding CR, LF or NUL, or more
 * headers than it takes (weft: 256); and when the export traps or returns nonzero.
 *
 * A whole handler (more in examples/http/ and tests/http/guests/):
 *
 *   #include "weft-http.h"
 *   WEFT_EXPORT(handle) {
 *       weft_http_req req;
 *       weft_http_resp resp;
 *       size_t n;
 *       if (weft_http_request_read(&req) != 0) return weft_error("handle: bad request");
 *       const char *name = weft_http_param(&req, "name", &n);
 *       weft_http_response_init(&resp, 200);
 *       weft_http_response_header(&resp, "content-type", "text/plain");
 *       weft_http_response_body_str(&resp, "Hello, ");
 *       if (name) weft_http_response_body(&resp, name, n);
 *       else weft_http_response_body_str(&resp, "world");
 *       weft_http_response_body_str(&resp, "!\n");
 *       return weft_http_respond(&resp);
 *   }
 *
 * Build it freestanding (no libc; -mbulk-memory is required, see below):
 *   clang --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -I sdk/c -o h.wasm h.c
 * or with wasi-libc, as a reactor:
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -I sdk/c -o h.wasm h.c
 */

/* ---- memory ------------------------------------------------------------------------------------
 * The request's copy and the response's buffers live in the plugin's linear memory.
 *
 * With wasi-libc (__wasi__ defined, WEFT_HTTP_NO_MALLOC not), they come from malloc, realloc and
 * free, shared with the rest of the program.
 *
 * Without libc, from a bump allocator over pages it takes itself with memory.grow. Pages belong to
 * whoever grew them, so this arena never overlaps the stack, the static data, or another
 * allocator the plugin may have (as long as that one also takes its own pages rather than
 * assuming it owns everything past __heap_base). Only the most recent allocation grows in place
 * or is given back on free; anything else stays taken until the instance ends. That suits a
 * handler, which runs once in a fresh instance: it reads the request, builds the response and is
 * gone, and freeing in the reverse order (weft_http_respond, then weft_http_request_free) gives
 * everything back when one instance serves several calls. Each file that includes this header
 * has its own arena (the state is a static), which is fine for the same reason.
 *
 * Freestanding builds need -mbulk-memory: copies here use __builtin_memcpy, which clang lowers to
 * memory.copy with it and to a call of memcpy (which nothing defines) without it.
 *
 * The allocator is public, for a handler's own buffers. Sizes are passed back in (the bump
 * allocator does not record them): free and realloc need the size the block was allocated with. */

/* WEFT_HTTP_NO_MALLOC (off by default): define it before including this header to use the bump
 * allocator in a wasm32-wasi build too, e.g. one linked with -nostdlib. */
#if defined(__wasi__) && !defined(WEFT_HTTP_NO_MALLOC)
#include <stdlib.h>

/* n bytes (n == 0 allowed), aligned to 8; NULL when out of memory. */
static inline void *weft_http_alloc(size_t n) { return malloc(n ? n : 1); }
/* Resizes p (from weft_http_alloc, old_n bytes; NULL allowed) to n bytes, keeping the first
 * min(old_n, n); NULL (and p still valid) when out of memory. */
static inline void *weft_http_realloc(void *p, size_t old_n, size_t n) {
    (void)old_n;
    return realloc(p, n ? n : 1);
}
/* Frees p (from weft_http_alloc, n bytes); NULL is a no-op. */
static inline void weft_http_free(void *p, size_t n) {
    (void)n;
    free(p);
}

#else /* the bump allocator */

#define WEFT_HTTP_PAGE_ 65536u
/* The largest single allocation: keeps the arithmetic below within 32 bits on wasm32. */
#define WEFT_HTTP_ALLOC_MAX_ 0xFFF00000u

/* The arena: [next, end) is free; end is the end of the last pages grown for it. */
typedef struct weft_http_arena_ {
    uintptr_t next, end;
} weft_http_arena_;

static inline weft_http_arena_ *weft_http_arena_get_(void) {
    static weft_http_arena_ arena;
    return &arena;
}

static inline size_t weft_http_round8_(size_t n) { return (n + 7) & ~(size_t)7; }

/* Makes room for n bytes at a->next. Returns 0 when they are there in the current arena (which
 * grows in place when it ends where memory ends), 1 when a new arena had to start on fresh pages
 * (a->next moved), -1 when memory.grow refused. */
static inline int weft_http_arena_reserve_(weft_http_arena_ *a, size_t n) {
    if (a->end - a->next >= n) return 0;
    uint64_t mem_end = (uint64_t)__builtin_wasm_memory_size(0) * WEFT_HTTP_PAGE_;
    int in_place = a->end != 0 && (uint64_t)a->end == mem_end;
    uint64_t want = in_place ? (uint64_t)n - (a->end - a->next) : (uint64_t)n;
    size_t pages = (size_t)((want + WEFT_HTTP_PAGE_ - 1) / WEFT_HTTP_PAGE_);
    size_t old = __builtin_wasm_memory_grow(0, pages);
    if (old == (size_t)-1) return -1;
    uintptr_t start = (uintptr_t)old * WEFT_HTTP_PAGE_;
    uintptr_t end = start + (uintptr_t)pages * WEFT_HTTP_PAGE_;
    if (in_place && start == a->end) {
        a->end = end;
        return 0;
    }
    a->next = start ? start : 8; /* never hand out address 0, which reads as NULL */
    a->end = end;
    return 1;
}

static inline void *weft_http_alloc(size_t n) {
    weft_http_arena_ *a = weft_http_arena_get_();
    if (n > WEFT_HTTP_ALLOC_MAX_) return NULL;
    n = weft_http_round8_(n ? n : 1);
    if (weft_http_arena_reserve_(a, n) < 0) return NULL;
    void *p = (void *)a->next;
    a->next += n;
    return p;
}

static inline void *weft_http_realloc(void *p, size_t old_n, size_t n) {
    weft_http_arena_ *a = weft_http_arena_get_();
    if (!p) return weft_http_alloc(n);
    if (n > WEFT_HTTP_ALLOC_MAX_) return NULL;
    uintptr_t at = (uintptr_t)p, old_end = at + weft_http_round8_(old_n ? old_n : 1);
    size_t n8 = weft_http_round8_(n ? n : 1);
    if (old_end == a->next) { /* the last allocation: try to grow it where it is */
        a->next = at;
        int r = weft_http_arena_reserve_(a, n8);
        if (r == 0) {
            a->next = at + n8;
            return p;
        }
        if (r < 0) {
            a->next = old_end;
            return NULL;
        }
        /* r == 1: a new arena; the old bytes are still there to copy from */
    } else if (n8 <= old_end - at) {
        return p; /* shrinking, or growing within the rounding */
    }
    void *q = weft_http_alloc(n);
    if (q) __builtin_memcpy(q, p, old_n < n ? old_n : n);
    return q;
}

static inline void weft_http_free(void *p, size_t n) {
    weft_http_arena_ *a = weft_http_arena_get_();
    if (p && (uintptr_t)p + weft_http_round8_(n ? n : 1) == a->next) a->next = (uintptr_t)p;
}

#endif /* the allocators */

/* ---- small helpers -------------------------------------------------------------------------- */

/* The u32 little-endian at p. */
static inline uint32_t weft_http_get_u32_(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void weft_http_put_u32_(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* Whether the len bytes at s equal the NUL-terminated lit: weft_http_eq(m, m_len, "POST"). */
static inline int weft_http_eq(const char *s, size_t len, const char *lit) {
    size_t i = 0;
    for (; i < len; i++)
        if (lit[i] == '\0' || lit[i] != s[i]) return 0;
    return lit[i] == '\0';
}

/* The same, ignoring ASCII case. */
static inline int weft_http_eq_nocase(const char *s, size_t len, const char *lit) {
    size_t i = 0;
    for (; i < len; i++) {
        char a = s[i], b = lit[i];
        if (b == '\0') return 0;
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return lit[i] == '\0';
}

/* ---- the request -------------------------------------------------------------------------------
 * weft_http_request_read copies the input into one buffer and checks all of it; every pointer
 * below points into that buffer (so none is NUL-terminated: use the lengths) and stays valid
 * until weft_http_request_free. Empty strings have a valid pointer and length 0. The types are
 * weft_http_req and weft_http_resp, short because weft_http_request is weft-pdk.h's outbound
 * call. */

/* A header or route parameter. */
typedef struct weft_http_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} weft_http_field;

/* A request, viewed in place. Read the fields directly or through the accessors below. */
typedef struct weft_http_req {
    const char *method;
    size_t method_len;
    const char *path; /* raw: percent-escapes as received */
    size_t path_len;
    const char *query; /* raw, without the '?' */
    size_t query_len;
    const uint8_t *body;
    size_t body_len;
    size_t nheaders; /* headers[0..nheaders), in the order received, names lowercase */
    weft_http_field *headers;
    size_t nparams; /* params[0..nparams), in the route's order */
    weft_http_field *params;
    uint8_t *buf_; /* the input: owned, with its length */
    size_t buf_len_;
} weft_http_req;

/* Reads the string at *pos into (*s, *len) (when s is not NULL); -1 if it runs past len. */
static inline int weft_http_take_str_(const uint8_t *buf, size_t len, size_t *pos,
                                      const char **s, size_t *s_len) {
    if (len - *pos < 4) return -1;
    uint32_t n = weft_http_get_u32_(buf + *pos);
    *pos += 4;
    if (n > len - *pos) return -1;
    if (s) *s = (const char *)buf + *pos, *s_len = n;
    *pos += n;
    return 0;
}

/* Reads a u32 count and that many pairs, into fields when it is not NULL; *count gets the
 * count. -1 if any length runs past len. */
static inline int weft_http_take_pairs_(const uint8_t *buf, size_t len, size_t *pos,
                                        size_t *count, weft_http_field *fields) {
    if (len - *pos < 4) return -1;
    uint32_t n = weft_http_get_u32_(buf + *pos);
    *pos += 4;
    if (n > (len - *pos) / 8) return -1; /* each pair takes 8 bytes at least */
    for (uint32_t i = 0; i < n; i++) {
        weft_http_field *f = fields ? &fields[i] : NULL;
        if (weft_http_take_str_(buf, len, pos, f ? &f->name : NULL, f ? &f->name_len : NULL) ||
            weft_http_take_str_(buf, len, pos, f ? &f->value : NULL, f ? &f->value_len : NULL))
            return -1;
    }
    *count = n;
    return 0;
}

/* Walks the whole request in req->buf_: counts the pairs when fields is NULL, else fills
 * req's strings and fields (nheaders entries, then nparams). -1 if malformed. */
static inline int weft_http_parse_(weft_http_req *req, weft_http_field *fields) {
    const uint8_t *buf = req->buf_;
    size_t len = req->buf_len_, pos = 4, nh = 0, np = 0;
    const char *body = NULL;
    if (len < 4 || buf[0] != 'W' || buf[1] != 'H' || buf[2] != 'R' || buf[3] != 'Q') return -1;
    if (weft_http_take_str_(buf, len, &pos, &req->method, &req->method_len) ||
        weft_http_take_str_(buf, len, &pos, &req->path, &req->path_len) ||
        weft_http_take_str_(buf, len, &pos, &req->query, &req->query_len) ||
        weft_http_take_pairs_(buf, len, &pos, &nh, fields) ||
        weft_http_take_pairs_(buf, len, &pos, &np, fields ? fields + nh : NULL) ||
        weft_http_take_str_(buf, len, &pos, &body, &req->body_len) || pos != len)
        return -1;
    req->body = (const uint8_t *)body;
    req->nheaders = nh, req->nparams = np;
    req->headers = fields, req->params = fields ? fields + nh : NULL;
    return 0;
}

/* Frees what weft_http_request_read took and clears *req; a cleared or zeroed req is a no-op. */
static inline void weft_http_request_free(weft_http_req *req) {
    if (!req) return;
    weft_http_free(req->headers, (req->nheaders + req->nparams) * sizeof(weft_http_field));
    weft_http_free(req->buf_, req->buf_len_);
    __builtin_memset(req, 0, sizeof *req);
}

/* Reads the call's whole input into a buffer it owns and checks it against the encoding above:
 * every length within bounds, nothing after the body. Returns 0 and fills *req (release it with
 * weft_http_request_free), or -1 (with *req cleared, nothing held) when the input is malformed
 * or memory runs out. */
static inline int weft_http_request_read(weft_http_req *req) {
    weft_http_field *fields = NULL;
    size_t nfields = 0;
    uint64_t n = weft_input_length();
    __builtin_memset(req, 0, sizeof *req);
    if (n < 4 || n > (size_t)-1) return -1;
    if (!(req->buf_ = (uint8_t *)weft_http_alloc((size_t)n))) return -1;
    req->buf_len_ = weft_input_read(req->buf_, (size_t)n);
    if (req->buf_len_ != n || weft_http_parse_(req, NULL)) goto fail;
    nfields = req->nheaders + req->nparams;
    if (nfields > 0) {
        fields = (weft_http_field *)weft_http_alloc(nfields * sizeof *fields);
        if (!fields || weft_http_parse_(req, fields)) goto fail;
    }
    return 0;
fail:
    weft_http_free(fields, nfields * sizeof *fields);
    req->headers = NULL, req->nheaders = req->nparams = 0;
    weft_http_request_free(req);
    return -1;
}

/* The method, path (raw), query (raw, without '?') and body; *len (if not NULL) gets the
 * length. The pointers live until weft_http_request_free. */
static inline const char *weft_http_method(const weft_http_req *req, size_t *len) {
    if (len) *len = req->method_len;
    return req->method;
}
static inline const char *weft_http_path(const weft_http_req *req, size_t *len) {
    if (len) *len = req->path_len;
    return req->path;
}
static inline const char *weft_http_query(const weft_http_req *req, size_t *len) {
    if (len) *len = req->query_len;
    return req->query;
}
static inline const uint8_t *weft_http_body(const weft_http_req *req, size_t *len) {
    if (len) *len = req->body_len;
    return req->body;
}

/* The value of the first header named name (ASCII case ignored), its length in *len (if not
 * NULL); NULL if there is none. */
static inline const char *weft_http_header(const weft_http_req *req, const char *name,
                                           size_t *len) {
    for (size_t i = 0; i < req->nheaders; i++) {
        const weft_http_field *f = &req->headers[i];
        if (weft_http_eq_nocase(f->name, f->name_len, name)) {
            if (len) *len = f->value_len;
            return f->value;
        }
    }
    return NULL;
}

/* The route parameter named name (exactly; "*" is the wildcard's remainder), its length in *len
 * (if not NULL); NULL if the route has none such. */
static inline const char *weft_http_param(const weft_http_req *req, const char *name,
                                          size_t *len) {
    for (size_t i = 0; i < req->nparams; i++) {
        const weft_http_field *f = &req->params[i];
        if (weft_http_eq(f->name, f->name_len, name)) {
            if (len) *len = f->value_len;
            return f->value;
        }
    }
    return NULL;
}

/* Iteration: headers and parameters by index, 0 <= i < count; NULL past the end. */
static inline size_t weft_http_header_count(const weft_http_req *req) { return req->nheaders; }
static inline const weft_http_field *weft_http_header_at(const weft_http_req *req, size_t i) {
    return i < req->nheaders ? &req->headers[i] : NULL;
}
static inline size_t weft_http_param_count(const weft_http_req *req) { return req->nparams; }
static inline const weft_http_field *weft_http_param_at(const weft_http_req *req, size_t i) {
    return i < req->nparams ? &req->params[i] : NULL;
}

/* The raw value of the first query field key (compared raw, exactly), as in "a=1&key=v"; a field
 * without '=' has the empty value. *len (if not NULL) gets the length; NULL if key is absent.
 * Decode the value with weft_http_url_decode. */
static inline const char *weft_http_query_get(const weft_http_req *req, const char *key,
                                              size_t *len) {
    const char *q = req->query, *end = q + req->query_len;
    while (q < end) {
        const char *amp = q, *eq;
        while (amp < end && *amp != '&') amp++;
        for (eq = q; eq < amp && *eq != '='; eq++) {}
        if (weft_http_eq(q, (size_t)(eq - q), key)) {
            const char *v = eq < amp ? eq + 1 : amp;
            if (len) *len = (size_t)(amp - v);
            return v;
        }
        q = amp + 1;
    }
    return NULL;
}

static inline int weft_http_hexval_(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes %XX escapes of the len bytes at src into dst (at least len bytes; dst == src decodes in
 * place), and '+' as a space when plus_is_space (query fields, not paths). A '%' not followed by
 * two hex digits is kept as it is. Returns the decoded length. */
static inline size_t weft_http_url_decode(char *dst, const char *src, size_t len,
                                          int plus_is_space) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (src[i] == '%' && len - i > 2 && (hi = weft_http_hexval_(src[i + 1])) >= 0 &&
            (lo = weft_http_hexval_(src[i + 2])) >= 0) {
            dst[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            dst[o++] = plus_is_space && src[i] == '+' ? ' ' : src[i];
        }
    }
    return o;
}

/* ---- the response ------------------------------------------------------------------------------
 * A builder: init, then headers and body pieces in any order (body pieces are appended), then
 * weft_http_respond. The builder's calls return 0, or -1 after recording the first failure in
 * resp->error; weft_http_respond then fails the call with it, so a handler may check each call
 * or only the last. */

/* A growable byte buffer (from weft_http_alloc). */
typedef struct weft_http_buf_ {
    uint8_t *data;
    size_t len, cap;
} weft_http_buf_;

/* A response being built; its fields are the builder's, not to be set directly. */
typedef struct weft_http_resp {
    uint32_t status;
    uint32_t nheaders;
    weft_http_buf_ head; /* the header pairs, encoded */
    weft_http_buf_ body;
    const char *error; /* the first failure (a static string), or NULL */
} weft_http_resp;

static inline int weft_http_fail_(weft_http_resp *resp, const char *msg) {
    if (!resp->error) resp->error = msg;
    return -1;
}

/* Makes room for n more bytes at the end of b and returns where they go, or NULL. */
static inline uint8_t *weft_http_buf_extend_(weft_http_buf_ *b, size_t n) {
    if (n > (size_t)0xFFFFFFFFu - b->len) return NULL; /* lengths are u32 on the wire */
    size_t need = b->len + n;
    if (need > b->cap) {
        size_t cap = b->cap < 128 ? 256 : b->cap;
        while (cap < need) cap = cap > (size_t)-1 / 2 ? need : cap * 2;
        uint8_t *d = (uint8_t *)weft_http_realloc(b->data, b->cap, cap);
        if (!d) return NULL;
        b->data = d, b->cap = cap;
    }
    uint8_t *at = b->data + b->len;
    b->len = need;
    return at;
}

static inline void weft_http_buf_free_(weft_http_buf_ *b) {
    weft_http_free(b->data, b->cap);
    b->data = NULL, b->len = b->cap = 0;
}

/* Sets the status: 100..999, else the response fails. */
static inline int weft_http_response_status(weft_http_resp *resp, uint32_t status) {
    resp->status = status;
    if (status < 100 || status > 999)
        return weft_http_fail_(resp, "weft_http: status outside 100..999");
    return 0;
}

/* Starts a response with status and no headers or body; takes no memory until the first header
 * or body piece. Release with weft_http_respond (or weft_http_response_free to drop it). */
static inline void weft_http_response_init(weft_http_resp *resp, uint32_t status) {
    __builtin_memset(resp, 0, sizeof *resp);
    weft_http_response_status(resp, status);
}

#define WEFT_HTTP_BAD_FIELD_ \
    "weft_http: a header name that is not a token, or CR, LF or NUL in a value"

/* Whether c may be in a header name: an RFC 9110 tchar (visible ASCII but for separators). */
static inline int weft_http_tchar_(char c) {
    const char *sep = "()<>@,;:\\\"/[]?={}";
    if (c <= ' ' || c >= 127) return 0;
    for (; *sep; sep++)
        if (c == *sep) return 0;
    return 1;
}

/* Whether the n bytes at s may be a header name (is_name: a non-empty token) or value (no CR, LF
 * or NUL). */
static inline int weft_http_field_ok_(const char *s, size_t n, int is_name) {
    if (is_name && n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (is_name ? !weft_http_tchar_(s[i]) : (s[i] == '\r' || s[i] == '\n' || s[i] == '\0'))
            return 0;
    return 1;
}

/* Adds a header (copied) of name_len bytes of name and value_len bytes of value. The name must be
 * a token (letters, digits and !#$%&'*+-.^_`|~), the value free of CR, LF and NUL. Headers keep
 * the order they are added in; adding a name twice sends it twice. */
static inline int weft_http_response_header_n(weft_http_resp *resp, const char *name,
                                              size_t name_len, const char *value,
                                              size_t value_len) {
    if (!weft_http_field_ok_(name, name_len, 1) || !weft_http_field_ok_(value, value_len, 0))
        return weft_http_fail_(resp, WEFT_HTTP_BAD_FIELD_);
    if (name_len > 0xFFFFFFFFu - 8 || value_len > 0xFFFFFFFFu - 8 - name_len)
        return weft_http_fail_(resp, "weft_http: header too long");
    uint8_t *p = weft_http_buf_extend_(&resp->head, 8 + name_len + value_len);
    if (!p) return weft_http_fail_(resp, "weft_http: out of memory for the response's headers");
    weft_http_put_u32_(p, (uint32_t)name_len);
    __builtin_memcpy(p + 4, name, name_len);
    weft_http_put_u32_(p + 4 + name_len, (uint32_t)value_len);
    __builtin_memcpy(p + 8 + name_len, value, value_len);
    resp->nheaders++;
    return 0;
}

/* The same for NUL-terminated name and value: weft_http_response_header(&r, "content-type",
 * "text/plain"). */
static inline int weft_http_response_header(weft_http_resp *resp, const char *name,
                                            const char *value) {
    return weft_http_response_header_n(resp, name, weft_pdk_strlen(name), value,
                                       weft_pdk_strlen(value));
}

/* Appends n uninitialized bytes to the body and returns where they start, for the caller to
 * fill (valid until the next call on resp); NULL when memory runs out. */
static inline uint8_t *weft_http_response_body_extend(weft_http_resp *resp, size_t n) {
    uint8_t *p = weft_http_buf_extend_(&resp->body, n);
    if (!p) weft_http_fail_(resp, "weft_http: out of memory for the response's body");
    return p;
}

/* Appends a copy of len bytes of data to the body (data may be NULL when len is 0). */
static inline int weft_http_response_body(weft_http_resp *resp, const void *data, size_t len) {
    if (len == 0) return 0;
    uint8_t *p = weft_http_response_body_extend(resp, len);
    if (!p) return -1;
    __builtin_memcpy(p, data, len);
    return 0;
}

/* Appends the NUL-terminated s (without the NUL) to the body. */
static inline int weft_http_response_body_str(weft_http_resp *resp, const char *s) {
    return weft_http_response_body(resp, s, weft_pdk_strlen(s));
}

/* Drops a response without sending it: frees its buffers. A freed or zeroed resp is a no-op. */
static inline void weft_http_response_free(weft_http_resp *resp) {
    if (!resp) return;
    weft_http_buf_free_(&resp->body); /* the body was most likely taken last: free it first */
    weft_http_buf_free_(&resp->head);
}

/* Writes a u32, or n bytes of p, into block b at *pos and moves *pos past them. */
static inline void weft_http_block_u32_(weft_block b, uint64_t *pos, uint32_t v) {
    uint8_t w[4];
    weft_http_put_u32_(w, v);
    weft_block_store(b, *pos, w, 4);
    *pos += 4;
}
static inline void weft_http_block_bytes_(weft_block b, uint64_t *pos, const void *p, size_t n) {
    weft_block_store(b, *pos, p, n);
    *pos += n;
}

/* Encodes the response into one host block, makes it the call's output, and frees resp's
 * buffers (resp is then spent: init it again to reuse it). Returns 0, for the handler to return;
 * or, when a builder call failed or the host refused the block, frees the buffers, sets that
 * failure as the call's error and returns 1 (the host answers 500). So a handler ends with
 * `return weft_http_respond(&resp);`. */
static inline int32_t weft_http_respond(weft_http_resp *resp) {
    const char *error = resp->error;
    uint64_t total = 12 + (uint64_t)resp->head.len + 4 + resp->body.len, pos = 0;
    weft_block b = 0;
    if (!error && !(b = weft_block_alloc(total)))
        error = "weft_http: the host refused the response's block";
    if (error) {
        weft_http_response_free(resp);
        return weft_error(error);
    }
    weft_http_block_bytes_(b, &pos, "WHRS", 4);
    weft_http_block_u32_(b, &pos, resp->status);
    weft_http_block_u32_(b, &pos, resp->nheaders);
    weft_http_block_bytes_(b, &pos, resp->head.data, resp->head.len);
    weft_http_block_u32_(b, &pos, (uint32_t)resp->body.len);
    weft_http_block_bytes_(b, &pos, resp->body.data, resp->body.len);
    weft_env_output_set(b, total);
    weft_http_response_free(resp);
    return 0;
}

/* A whole response in one call, written straight into the output block (no linear memory):
 * status, a content-type header unless content_type is NULL, and len bytes of body (NULL when len
 * is 0). Returns as weft_http_respond does:
 * `return weft_http_reply(404, "text/plain", "not here\n", 9);` */
static inline int32_t weft_http_reply(uint32_t status, const char *content_type, const void *body,
                                      size_t len) {
    static const char ct_name[] = "content-type";
    const size_t ct_name_len = sizeof ct_name - 1;
    size_t ct_len = content_type ? weft_pdk_strlen(content_type) : 0;
    if (status < 100 || status > 999) return weft_error("weft_http: status outside 100..999");
    if (content_type && !weft_http_field_ok_(content_type, ct_len, 0))
        return weft_error(WEFT_HTTP_BAD_FIELD_);
    if ((uint64_t)len > 0xFFFFFFFFu || (uint64_t)ct_len > 0xFFFFFFFFu)
        return weft_error("weft_http: response too long");
    uint64_t head = content_type ? 8 + ct_name_len + (uint64_t)ct_len : 0;
    uint64_t total = 12 + head + 4 + len, pos = 0;
    weft_block b = weft_block_alloc(total);
    if (!b) return weft_error("weft_http: the host refused the response's block");
    weft_http_block_bytes_(b, &pos, "WHRS", 4);
    weft_http_block_u32_(b, &pos, status);
    weft_http_block_u32_(b, &pos, content_type ? 1 : 0);
    if (content_type) {
        weft_http_block_u32_(b, &pos, (uint32_t)ct_name_len);
        weft_http_block_bytes_(b, &pos, ct_name, ct_name_len);
        weft_http_block_u32_(b, &pos, (uint32_t)ct_len);
        weft_http_block_bytes_(b, &pos, content_type, ct_len);
    }
    weft_http_block_u32_(b, &pos, (uint32_t)len);
    weft_http_block_bytes_(b, &pos, body, len);
    weft_env_output_set(b, total);
    return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* WEFT_HTTP_H */
