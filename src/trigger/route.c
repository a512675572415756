/* route.c: compiling HTTP route patterns into segment arrays, matching raw request paths against
 * them without allocating, and ordering them by specificity (see route.h for the syntax). It
 * knows nothing of methods, components or percent-encoding.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigger/route.h"

enum { SEG_LIT, SEG_PARAM, SEG_WILD };

typedef struct seg {
    unsigned char kind;
    size_t off, len; /* in route->text: the literal, or the parameter's name without ':' */
} seg;

struct route {
    char *text;     /* the pattern, NUL-terminated; stored after segs[] in the same block */
    size_t len;     /* strlen(text) */
    size_t nsegs;   /* 0 for "/" */
    size_t nparams; /* parameters, the wildcard included */
    bool exact;     /* literals only: matched with one memcmp */
    seg segs[];
};

static const char wild_name[] = "*";

/* Sets *err to a malloc'd formatted message (when err is not NULL); returns NULL for the caller. */
static route *compile_error(char **err, const char *fmt, ...) {
    if (!err) return NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *err = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (*err) {
        va_start(ap, fmt);
        vsnprintf(*err, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static bool name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

route *route_compile(const char *pattern, char **err) {
    if (err) *err = NULL;
    if (!pattern || !*pattern) return compile_error(err, "empty route (it must start with '/')");
    size_t len = strlen(pattern);
    if (len > ROUTE_MAX_LEN) return compile_error(err, "route longer than %d bytes", ROUTE_MAX_LEN);
    if (pattern[0] != '/') return compile_error(err, "route must start with '/' (at byte 0)");
    size_t nslash = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)pattern[i];
        if (c == '?' || c == '#')
            return compile_error(err,
                                 "'%c' at byte %zu (routes match the path without query or "
                                 "fragment)",
                                 c, i);
        if (c <= 0x20 || c >= 0x7f)
            return compile_error(err, "invalid character 0x%02x at byte %zu", c, i);
        if (c == '/') nslash++;
    }
    size_t nsegs = len == 1 ? 0 : nslash;
    route *r = malloc(sizeof *r + nsegs * sizeof(seg) + len + 1);
    if (!r) return compile_error(err, "out of memory");
    r->text = (char *)(r->segs + nsegs);
    memcpy(r->text, pattern, len + 1);
    r->len = len;
    r->nsegs = nsegs;
    r->nparams = 0;
    r->exact = true;

    size_t start = 1;
    for (size_t i = 0; i < nsegs; i++) {
        const char *s = pattern + start;
        const char *slash = memchr(s, '/', len - start);
        size_t slen = slash ? (size_t)(slash - s) : len - start;
        seg *sg = &r->segs[i];
        if (slen == 0) {
            if (i + 1 == nsegs) {
                route_free(r);
                return compile_error(err,
                                     "trailing '/' at byte %zu (use the path without it, or end "
                                     "with '/...')",
                                     start - 1);
            }
            route_free(r);
            return compile_error(err, "empty segment at byte %zu", start);
        }
        if ((slen == 3 && memcmp(s, "...", 3) == 0) || (slen == 1 && s[0] == '*')) {
            if (i + 1 != nsegs) {
                route_free(r);
                return compile_error(err, "wildcard '%.*s' at byte %zu must be the last segment",
                                     (int)slen, s, start);
            }
            sg->kind = SEG_WILD;
            sg->off = start;
            sg->len = slen;
        } else if (s[0] == ':') {
            if (slen == 1) {
                route_free(r);
                return compile_error(err, "parameter without a name at byte %zu", start);
            }
            if (!name_start(s[1])) {
                route_free(r);
                return compile_error(err,
                                     "invalid parameter name '%.*s' at byte %zu (use letters, "
                                     "digits and '_', not starting with a digit)",
                                     (int)slen - 1, s + 1, start + 1);
            }
            for (size_t k = 2; k < slen; k++) {
                if (!name_char(s[k])) {
                    route_free(r);
                    return compile_error(err,
                                         "invalid character '%c' in parameter name at byte %zu",
                                         s[k], start + k);
                }
            }
            for (size_t j = 0; j < i; j++) {
                const seg *o = &r->segs[j];
                if (o->kind == SEG_PARAM && o->len == slen - 1 &&
                    memcmp(r->text + o->off, s + 1, slen - 1) == 0) {
                    route_free(r);
                    return compile_error(err, "duplicate parameter ':%.*s' at byte %zu",
                                         (int)slen - 1, s + 1, start);
                }
            }
            sg->kind = SEG_PARAM;
            sg->off = start + 1;
            sg->len = slen - 1;
        } else {
            const char *star = memchr(s, '*', slen);
            if (star) {
                route_free(r);
                return compile_error(err,
                                     "'*' at byte %zu: a wildcard must be a whole last segment",
                                     start + (size_t)(star - s));
            }
            if ((slen == 1 && s[0] == '.') || (slen == 2 && s[0] == '.' && s[1] == '.')) {
                route_free(r);
                return compile_error(err, "'%.*s' segment at byte %zu", (int)slen, s, start);
            }
            sg->kind = SEG_LIT;
            sg->off = start;
            sg->len = slen;
        }
        if (sg->kind != SEG_LIT) {
            r->exact = false;
            if (++r->nparams > ROUTE_MAX_PARAMS) {
                route_free(r);
                return compile_error(err, "more than %d parameters (at byte %zu)", ROUTE_MAX_PARAMS,
                                     start);
            }
        }
        start += slen + 1;
    }
    return r;
}

void route_free(route *r) { free(r); }

const char *route_pattern(const route *r) { return r->text; }

size_t route_nparams(const route *r) { return r->nparams; }

bool route_match(const route *r, const char *path, size_t len, route_param *params,
                 size_t *nparams) {
    if (nparams) *nparams = 0;
    if (len == 0 || path[0] != '/') return false;
    if (r->exact) return len == r->len && memcmp(path, r->text, len) == 0;
    size_t pos = 0, np = 0; /* path[pos] is the '/' before the next segment, or pos == len */
    for (size_t i = 0; i < r->nsegs; i++) {
        const seg *s = &r->segs[i];
        if (s->kind == SEG_WILD) {
            if (params) {
                params[np].name = wild_name;
                params[np].name_len = 1;
                params[np].value = pos < len ? path + pos + 1 : path + len;
                params[np].value_len = pos < len ? len - pos - 1 : 0;
            }
            np++;
            pos = len;
            break;
        }
        if (pos >= len) return false;
        size_t start = pos + 1;
        const char *slash = memchr(path + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - path) : len;
        if (s->kind == SEG_LIT) {
            if (end - start != s->len || memcmp(path + start, r->text + s->off, s->len) != 0)
                return false;
        } else {
            if (end == start) return false;
            if (params) {
                params[np].name = r->text + s->off;
                params[np].name_len = s->len;
                params[np].value = path + start;
                params[np].value_len = end - start;
            }
            np++;
        }
        pos = end;
    }
    if (pos != len) return false;
    if (nparams) *nparams = np;
    return true;
}

/* A segment's rank for route_cmp: lower is more specific. A pattern that has ended ranks first:
 * against a wildcard it is the more specific, and against anything else the two are disjoint. */
static int seg_rank(const route *r, size_t i) {
    if (i >= r->nsegs) return 0;
    switch (r->segs[i].kind) {
    case SEG_LIT: return 1;
    case SEG_PARAM: return 2;
    default: return 3;
    }
}

int route_cmp(const route *a, const route *b) {
    size_t n = a->nsegs > b->nsegs ? a->nsegs : b->nsegs;
    for (size_t i = 0; i < n; i++) {
        int d = seg_rank(a, i) - seg_rank(b, i);
        if (d) return d;
    }
    /* Same shape: only differing literals remain, which make the routes disjoint. */
    for (size_t i = 0; i < a->nsegs; i++) {
        const seg *sa = &a->segs[i], *sb = &b->segs[i];
        if (sa->kind != SEG_LIT) continue;
        size_t m = sa->len < sb->len ? sa->len : sb->len;
        int d = memcmp(a->text + sa->off, b->text + sb->off, m);
        if (d) return d < 0 ? -1 : 1;
        if (sa->len != sb->len) return sa->len < sb->len ? -1 : 1;
    }
    return 0;
}

long route_best(const route *const *routes, size_t n, const char *path, size_t len,
                route_param *params, size_t *nparams) {
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!routes[i] || !route_match(routes[i], path, len, NULL, NULL)) continue;
        if (best < 0 || route_cmp(routes[i], routes[best]) < 0) best = (long)i;
    }
    if (best >= 0)
        route_match(routes[best], path, len, params, nparams);
    else if (nparams)
        *nparams = 0;
    return best;
}
