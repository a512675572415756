/* route.h: HTTP route patterns ("/hello", "/users/:id", "/static/...") compiled once and matched
 * per request without allocating, and their order by specificity. Which component a route leads
 * to, method sets and percent-decoding belong to the caller (host/manifest.c, trigger/http.c).
 *
 * Pattern syntax (Spin-like):
 *   /a/b         exact: matches that path only; a trailing '/' in the request is significant
 *   /users/:id   a segment ":name" matches one non-empty segment; names [A-Za-z_][A-Za-z0-9_]*,
 *                unique within a pattern
 *   /static/...  a final "..." (or "*") matches the rest of the path, zero or more segments:
 *                "/static", "/static/", "/static/a/b.css"; the rest, without its leading '/'
 *                and possibly empty, is reported as the parameter named "*". "/..." matches any
 *                path that starts with '/'.
 * A pattern starts with '/', has no empty segment (so no trailing '/', except the root "/"), no
 * '?' or '#', only printable ASCII, no "." or ".." segment, and '*' only as a whole last segment.
 *
 * Matching works on the raw request path (still percent-encoded, without the query string);
 * parameter values are returned raw: decoding them is the handler's business.
 */
#ifndef WEFT_TRIGGER_ROUTE_H
#define WEFT_TRIGGER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct route route; /* a compiled pattern; immutable, so threads may share it */

typedef struct route_param {
    const char *name; /* into the route ("*" for the wildcard's rest); not NUL-terminated */
    size_t name_len;
    const char *value; /* into the matched path; not NUL-terminated */
    size_t value_len;
} route_param;

#define ROUTE_MAX_PARAMS 16 /* parameters in one pattern, the wildcard included */
#define ROUTE_MAX_LEN 4096  /* bytes in one pattern */

/* Compiles pattern (copied; the caller keeps its string). On failure returns NULL and sets *err
 * to a malloc'd message naming the problem and its 0-based byte offset in the pattern, e.g.
 * "empty segment at byte 3" (the caller frees it; it does not repeat the pattern). */
route *route_compile(const char *pattern, char **err);

/* Frees a compiled route; NULL is a no-op. */
void route_free(route *r);

/* The pattern as compiled (NUL-terminated, owned by the route). */
const char *route_pattern(const route *r);

/* How many parameters a match reports (the wildcard counts as one). */
size_t route_nparams(const route *r);

/* Whether path (len bytes: the raw path, no query string) matches r. On a match, when params is
 * not NULL it receives route_nparams(r) entries (at most ROUTE_MAX_PARAMS, in pattern order)
 * pointing into path and into r, valid while both live, and *nparams (if not NULL) their count.
 * On no match *nparams is 0 and params holds nothing useful. Allocates nothing. */
bool route_match(const route *r, const char *path, size_t len, route_param *params,
                 size_t *nparams);

/* Orders two routes by specificity: < 0 if a is more specific than b (to be tried first), > 0 if
 * b is, 0 only if they are the same pattern up to parameter names (they match the same paths).
 * Segments are compared left to right: a literal beats a parameter, which beats a wildcard, and a
 * pattern that has ended beats a wildcard (so "/a" beats "/a/...", "/a/b/..." beats "/a/...",
 * "/a/..." beats "/:x", "/:x" beats "/..."). Routes of the same shape whose literals differ never
 * match the same path; they are ordered by their literal text so the order is total. */
int route_cmp(const route *a, const route *b);

/* Of the n routes (NULL entries are skipped), the index of the most specific one that matches
 * path, or -1 when none does; params and *nparams as route_match for that route. Linear in n. */
long route_best(const route *const *routes, size_t n, const char *path, size_t len,
                route_param *params, size_t *nparams);

#endif
