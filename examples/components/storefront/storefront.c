/* storefront: the HTTP face of the example shop (world storefront), freestanding C. It exports
 * weft:http/handler@0.1.0 and imports acme:shop's catalog and pricing, which the catalog (C) and
 * pricing (Rust) components provide. It owns the routes, the query syntax and the JSON answers;
 * every product and every price comes through the imports.
 *   GET /quote?SKU=QTY&...[&coupon=CODE]  200 {"total_cents":N,"lines":N}
 *   GET /products                          200 ["apple",...]
 *   an unknown sku 404, a bad quantity or a pricing error 400, anything else 404, each with
 *   {"error":"..."}. Products tagged "sale" get SALE_PCT off. */
#include "../arena.h"
#include "../shop_abi.h"

#define SALE_PCT 20

/* ---- weft:http/types, laid out as the canonical ABI lays them out (see shop_abi.h) ---- */

/* tuple<string, string>: 16 bytes, aligned to 4 */
typedef struct {
    cabi_string name;
    cabi_string value;
} http_header;

typedef struct {
    const http_header *ptr;
    size_t len;
} http_headers;

/* list<u8> */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} http_bytes;

/* response: status 0, headers 4, body 12; 20 bytes, aligned to 4 */
typedef struct {
    uint16_t status;
    http_headers headers;
    http_bytes body;
} http_response;
_Static_assert(offsetof(http_response, headers) == 4 && sizeof(http_response) == 20, "response layout");

/* ---- the imports ----
 * An imported function is called with its arguments flattened; a result of more than one flat
 * value is written by the host to an area the caller passes last, and the strings and lists in it
 * are placed in this component's memory with its cabi_realloc (so they live in the arena). */
#define IMPORT(iface, name) __attribute__((import_module("acme:shop/" iface "@0.1.0"), import_name(name)))

IMPORT("catalog", "lookup") void catalog_lookup(const char *sku, size_t sku_len, shop_maybe_product *out);
IMPORT("catalog", "list-skus") void catalog_list_skus(cabi_strings *out);
/* option<string> flattens to a discriminant (0 none, 1 some) and the string's two values */
IMPORT("pricing", "price")
void pricing_price(const shop_line *lines, size_t lines_len, uint32_t has_coupon, const char *coupon,
                   size_t coupon_len, shop_price_result *out);

/* ---- small string helpers (no libc here) ---- */

static int str_is(cabi_string s, const char *lit) {
    size_t i = 0;
    for (; lit[i]; i++)
        if (i >= s.len || s.ptr[i] != lit[i]) return 0;
    return i == s.len;
}

static int has_tag(cabi_strings tags, const char *tag) {
    for (size_t i = 0; i < tags.len; i++)
        if (str_is(tags.ptr[i], tag)) return 1;
    return 0;
}

/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF),
 * as every string handed to an import must be: the host traps on anything else. */
static int utf8_valid(cabi_string s) {
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i = 0;
    while (i < s.len) {
        uint32_t c = p[i], min;
        size_t len;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, c &= 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, c &= 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, c &= 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (s.len - i < len) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) return 0;
            c = c << 6 | (p[i + k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
        i += len;
    }
    return 1;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A query name or value percent-decoded ('+' is a space; a '%' without two hex digits stays as
 * it is) into the arena. The result may not be UTF-8: see utf8_valid. */
static cabi_string percent_decode(const char *s, size_t n) {
    char *out = arena_alloc(1, n);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '+') {
            out[len++] = ' ';
        } else if (s[i] == '%' && n - i > 2 && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
            out[len++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[len++] = s[i];
        }
    }
    return (cabi_string){out, len};
}

/* A quantity: decimal digits only, at most UINT32_MAX. */
static int parse_qty(cabi_string s, uint32_t *out) {
    uint64_t v = 0;
    if (s.len == 0) return 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') return 0;
        v = v * 10 + (uint64_t)(s.ptr[i] - '0');
        if (v > UINT32_MAX) return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

/* ---- the response body: a growing buffer in the arena ---- */

typedef struct {
    char *ptr;
    size_t len, cap;
} body_buf;

static void body_put(body_buf *b, const char *s, size_t n) {
    if (n > b->cap - b->len) {
        uint64_t cap = b->cap ? b->cap : 64;
        while (cap < (uint64_t)b->len + n) cap *= 2;
        if (cap > SIZE_MAX) __builtin_trap();
        b->ptr = cabi_realloc(b->ptr, b->len, 1, (size_t)cap);
        b->cap = (size_t)cap;
    }
    __builtin_memcpy(b->ptr + b->len, s, n);
    b->len += n;
}

#define body_lit(b, lit) body_put((b), (lit), sizeof(lit) - 1)

static void body_u64(body_buf *b, uint64_t v) {
    char digits[20];
    size_t n = sizeof digits;
    do digits[--n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    body_put(b, digits + n, sizeof digits - n);
}

/* A JSON string: quotes, backslashes and control characters escaped, other bytes (UTF-8) kept. */
static void body_json_string(body_buf *b, cabi_string s) {
    static const char hex[] = "0123456789abcdef";
    body_lit(b, "\"");
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            body_put(b, esc, 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            body_put(b, esc, 6);
        } else {
            body_put(b, (const char *)&c, 1);
        }
    }
    body_lit(b, "\"");
}

/* ---- the handler ---- */

/* handle's return area: response flattens to 5 values, so it is returned through memory. */
static http_response response;
static const http_header json_headers[] = {{CABI_LIT("content-type"), CABI_LIT("application/json")}};

static void reply(uint16_t status, const body_buf *body) {
    response.status = status;
    response.headers = (http_headers){json_headers, sizeof json_headers / sizeof json_headers[0]};
    response.body = (http_bytes){(const uint8_t *)body->ptr, body->len};
}

/* {"error":"TEXT SUBJECT"}, TEXT a literal and SUBJECT a sku, a coupon or pricing's message */
static void reply_error(uint16_t status, const char *text, cabi_string subject) {
    body_buf b = {0};
    size_t text_len = 0;
    while (text[text_len]) text_len++;
    char *joined = arena_alloc(1, text_len + subject.len);
    __builtin_memcpy(joined, text, text_len);
    if (subject.len) __builtin_memcpy(joined + text_len, subject.ptr, subject.len);
    body_lit(&b, "{\"error\":");
    body_json_string(&b, (cabi_string){joined, text_len + subject.len});
    body_lit(&b, "}");
    reply(status, &b);
}

static const cabi_string nothing = {0, 0};

/* GET /quote: one line per SKU=QTY pair, looked up in the catalog, priced by pricing. */
static void quote(cabi_string query) {
    const char *p = query.ptr, *end = query.ptr + query.len;
    size_t max_lines = 1;
    for (size_t i = 0; i < query.len; i++) max_lines += query.ptr[i] == '&';
    if (max_lines > SIZE_MAX / sizeof(shop_line)) __builtin_trap();
    shop_line *lines = arena_alloc(_Alignof(shop_line), max_lines * sizeof(shop_line));
    size_t n = 0;
    cabi_string coupon = nothing;
    uint32_t has_coupon = 0;

    while (p < end) {
        const char *amp = p, *eq;
        while (amp < end && *amp != '&') amp++;
        for (eq = p; eq < amp && *eq != '='; eq++) {}
        cabi_string name = percent_decode(p, (size_t)(eq - p));
        cabi_string value = eq < amp ? percent_decode(eq + 1, (size_t)(amp - eq - 1)) : nothing;
        p = amp < end ? amp + 1 : end;
        if (name.len == 0 && value.len == 0) continue; /* "a=1&&b=2" */
        if (!utf8_valid(name) || !utf8_valid(value)) {
            reply_error(400, "query is not UTF-8", nothing);
            return;
        }
        if (str_is(name, "coupon")) {
            coupon = value;
            has_coupon = 1;
            continue;
        }
        uint32_t qty;
        if (!parse_qty(value, &qty)) {
            reply_error(400, "bad qty for sku: ", name);
            return;
        }
        shop_maybe_product found;
        catalog_lookup(name.ptr, name.len, &found);
        if (!found.is_some) {
            reply_error(404, "unknown sku: ", name);
            return;
        }
        shop_line *line = &lines[n++];
        line->sku = found.product.sku;
        line->qty = qty;
        line->unit_cents = found.product.unit_cents;
        line->tags = found.product.tags;
        line->has_discount = (uint8_t)has_tag(found.product.tags, "sale");
        line->discount_pct = line->has_discount ? SALE_PCT : 0;
    }

    shop_price_result priced;
    pricing_price(lines, n, has_coupon, coupon.ptr, coupon.len, &priced);
    if (priced.is_err) {
        reply_error(400, "", priced.val.error);
        return;
    }
    body_buf b = {0};
    body_lit(&b, "{\"total_cents\":");
    body_u64(&b, priced.val.total_cents);
    body_lit(&b, ",\"lines\":");
    body_u64(&b, n);
    body_lit(&b, "}");
    reply(200, &b);
}

/* GET /products: the catalog's skus as a JSON array of strings. */
static void products(void) {
    cabi_strings skus;
    catalog_list_skus(&skus);
    body_buf b = {0};
    body_lit(&b, "[");
    for (size_t i = 0; i < skus.len; i++) {
        if (i) body_lit(&b, ",");
        body_json_string(&b, skus.ptr[i]);
    }
    body_lit(&b, "]");
    reply(200, &b);
}

/* handle(req: request) -> response. The request record flattens to 10 values (five strings and
 * lists, a pointer and a length each), within the 16 a core function may take, so its fields
 * arrive as separate arguments; the host has placed their bytes in the arena. */
__attribute__((export_name("weft:http/handler@0.1.0#handle")))
http_response *handle(const char *method, size_t method_len, const char *path, size_t path_len,
                      const char *query, size_t query_len, const http_header *headers, size_t headers_len,
                      const uint8_t *body, size_t body_len) {
    cabi_string m = {method, method_len}, route = {path, path_len};
    (void)headers, (void)headers_len, (void)body, (void)body_len;
    if (str_is(m, "GET") && str_is(route, "/quote"))
        quote((cabi_string){query, query_len});
    else if (str_is(m, "GET") && str_is(route, "/products"))
        products();
    else
        reply_error(404, "not found", nothing);
    return &response;
}

/* Post-return: the host has copied the response out; the arena (request, import results, body)
 * can go. */
__attribute__((export_name("cabi_post_weft:http/handler@0.1.0#handle")))
void handle_post(http_response *r) {
    (void)r;
    arena_reset();
}
