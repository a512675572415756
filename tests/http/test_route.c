/* test_route.c: route patterns (src/trigger/route.c): matching tables with the parameters each
 * match reports, invalid patterns with their messages, and the specificity order of route_cmp and
 * route_best.
 */
#include <stdlib.h>

#include "../unit/check.h"
#include "trigger/route.h"

/* "name=value;name=value" for the parameters of a match, to compare with a table's string. */
static void format_params(const route_param *ps, size_t n, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%.*s=%.*s", i ? ";" : "",
                             (int)ps[i].name_len, ps[i].name, (int)ps[i].value_len, ps[i].value);
}

typedef struct match_case {
    int line;
    const char *pattern, *path;
    bool match;
    const char *params; /* when matching */
} match_case;

static const match_case match_cases[] = {
    /* exact */
    {__LINE__, "/", "/", true, ""},
    {__LINE__, "/", "/a", false, NULL},
    {__LINE__, "/", "", false, NULL},
    {__LINE__, "/hello", "/hello", true, ""},
    {__LINE__, "/hello", "/hello/", false, NULL},
    {__LINE__, "/hello", "/hell", false, NULL},
    {__LINE__, "/hello", "/hellox", false, NULL},
    {__LINE__, "/hello", "/Hello", false, NULL},
    {__LINE__, "/hello", "hello", false, NULL},
    {__LINE__, "/a/b", "/a/b", true, ""},
    {__LINE__, "/a/b", "/a", false, NULL},
    {__LINE__, "/a/b", "/a/b/c", false, NULL},
    {__LINE__, "/a/b", "/a//b", false, NULL},
    {__LINE__, "/a%20b", "/a%20b", true, ""},
    {__LINE__, "/a%20b", "/a b", false, NULL},
    {__LINE__, "/v1:run", "/v1:run", true, ""},
    /* parameters */
    {__LINE__, "/users/:id", "/users/42", true, "id=42"},
    {__LINE__, "/users/:id", "/users/", false, NULL},
    {__LINE__, "/users/:id", "/users", false, NULL},
    {__LINE__, "/users/:id", "/users/42/", false, NULL},
    {__LINE__, "/users/:id", "/users/42/x", false, NULL},
    {__LINE__, "/users/:id", "/userz/42", false, NULL},
    {__LINE__, "/users/:id/orders/:order", "/users/7/orders/9", true, "id=7;order=9"},
    {__LINE__, "/users/:id/orders/:order", "/users/7/orders", false, NULL},
    {__LINE__, "/users/:id/orders/:order", "/users//orders/9", false, NULL},
    {__LINE__, "/users/:id/orders/:order", "/users/7/order/9", false, NULL},
    {__LINE__, "/:a", "/x", true, "a=x"},
    {__LINE__, "/:a", "/", false, NULL},
    {__LINE__, "/:a/:b", "/x/y", true, "a=x;b=y"},
    {__LINE__, "/:a/:b", "/x", false, NULL},
    {__LINE__, "/users/:id", "/users/caf%C3%A9", true, "id=caf%C3%A9"}, /* raw, not decoded */
    {__LINE__, "/u/:id", "/u/a:b", true, "id=a:b"},
    {__LINE__, "/files/:name", "/files/a.tar.gz", true, "name=a.tar.gz"},
    {__LINE__, "/:_x9", "/v", true, "_x9=v"},
    /* wildcards */
    {__LINE__, "/static/...", "/static", true, "*="},
    {__LINE__, "/static/...", "/static/", true, "*="},
    {__LINE__, "/static/...", "/static/a", true, "*=a"},
    {__LINE__, "/static/...", "/static/a/b.css", true, "*=a/b.css"},
    {__LINE__, "/static/...", "/static//a", true, "*=/a"},
    {__LINE__, "/static/...", "/staticx", false, NULL},
    {__LINE__, "/static/...", "/stati", false, NULL},
    {__LINE__, "/static/...", "/", false, NULL},
    {__LINE__, "/static/*", "/static/x/y", true, "*=x/y"},
    {__LINE__, "/static/*", "/static", true, "*="},
    {__LINE__, "/...", "/", true, "*="},
    {__LINE__, "/...", "/anything/at/all", true, "*=anything/at/all"},
    {__LINE__, "/...", "", false, NULL},
    {__LINE__, "/...", "nope", false, NULL},
    {__LINE__, "/*", "/x", true, "*=x"},
    {__LINE__, "/api/:v/...", "/api/v1/users/3", true, "v=v1;*=users/3"},
    {__LINE__, "/api/:v/...", "/api/v1", true, "v=v1;*="},
    {__LINE__, "/api/:v/...", "/api/", false, NULL},
    {__LINE__, "/api/:v/...", "/api", false, NULL},
    {__LINE__, "/a/b/...", "/a/b/c/d/e", true, "*=c/d/e"},
    {__LINE__, "/a/b/...", "/a/bc", false, NULL},
};

static void test_match_table(void) {
    for (size_t i = 0; i < sizeof match_cases / sizeof *match_cases; i++) {
        const match_case *c = &match_cases[i];
        char *err = NULL;
        route *r = route_compile(c->pattern, &err);
        if (!check_at(r != NULL, __FILE__, c->line, "route_compile")) {
            fprintf(stderr, "  pattern %s: %s\n", c->pattern, err ? err : "?");
            free(err);
            continue;
        }
        route_param ps[ROUTE_MAX_PARAMS];
        size_t n = 99;
        bool got = route_match(r, c->path, strlen(c->path), ps, &n);
        if (check_at(got == c->match, __FILE__, c->line, "route_match result") && got) {
            char buf[512];
            format_params(ps, n, buf, sizeof buf);
            check_str_at(buf, c->params, __FILE__, c->line, "params", c->params);
            check_int_at((long long)n, (long long)route_nparams(r), __FILE__, c->line, "n",
                         "route_nparams");
        } else if (!got) {
            check_int_at((long long)n, 0, __FILE__, c->line, "nparams after no match", "0");
        } else {
            fprintf(stderr, "  %s against %s\n", c->pattern, c->path);
        }
        /* Without a params array the answer is the same. */
        check_at(route_match(r, c->path, strlen(c->path), NULL, NULL) == c->match, __FILE__,
                 c->line, "route_match without params");
        route_free(r);
    }
}

/* The path is len bytes, not a C string: the query after it must not matter. */
static void test_match_length(void) {
    route *r = route_compile("/hello", NULL);
    route *p = route_compile("/u/:id", NULL);
    route *w = route_compile("/s/...", NULL);
    REQUIRE(r && p && w);
    const char *full = "/hello?x=1";
    CHECK(route_match(r, full, 6, NULL, NULL));
    CHECK(!route_match(r, full, strlen(full), NULL, NULL));
    route_param ps[ROUTE_MAX_PARAMS];
    size_t n = 0;
    const char *up = "/u/7?q";
    CHECK(route_match(p, up, 4, ps, &n));
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(ps[0].value_len, 1);
    CHECK(ps[0].value == up + 3);
    const char *sp = "/s/a/b#frag";
    CHECK(route_match(w, sp, 6, ps, &n));
    CHECK_EQ_INT(ps[0].value_len, 3);
    CHECK(memcmp(ps[0].value, "a/b", 3) == 0);
    CHECK_EQ_STR(route_pattern(w), "/s/...");
done:
    route_free(r);
    route_free(p);
    route_free(w);
}

typedef struct bad_case {
    int line;
    const char *pattern, *message;
} bad_case;

static void test_invalid(void) {
    static const bad_case cases[] = {
        {__LINE__, "", "empty route"},
        {__LINE__, "hello", "must start with '/' (at byte 0)"},
        {__LINE__, "/a//b", "empty segment at byte 3"},
        {__LINE__, "//", "empty segment at byte 1"},
        {__LINE__, "/a/", "trailing '/' at byte 2"},
        {__LINE__, "/a?b=1", "'?' at byte 2"},
        {__LINE__, "/a#b", "'#' at byte 2"},
        {__LINE__, "/.../a", "wildcard '...' at byte 1 must be the last segment"},
        {__LINE__, "/*/a", "wildcard '*' at byte 1 must be the last segment"},
        {__LINE__, "/:", "parameter without a name at byte 1"},
        {__LINE__, "/a/:", "parameter without a name at byte 3"},
        {__LINE__, "/:1x", "invalid parameter name '1x' at byte 2"},
        {__LINE__, "/:a-b", "invalid character '-' in parameter name at byte 3"},
        {__LINE__, "/:id/x/:id", "duplicate parameter ':id' at byte 7"},
        {__LINE__, "/a b", "invalid character 0x20 at byte 2"},
        {__LINE__, "/a\tb", "invalid character 0x09 at byte 2"},
        {__LINE__, "/caf\xc3\xa9", "invalid character 0xc3 at byte 4"},
        {__LINE__, "/a*", "'*' at byte 2"},
        {__LINE__, "/x/**", "'*' at byte 3"},
        {__LINE__, "/a/..", "'..' segment at byte 3"},
        {__LINE__, "/./a", "'.' segment at byte 1"},
        {__LINE__, "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/:q",
         "more than 16 parameters (at byte 49)"},
        {__LINE__, "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/...",
         "more than 16 parameters (at byte 49)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *err = NULL;
        route *r = route_compile(cases[i].pattern, &err);
        check_at(r == NULL, __FILE__, cases[i].line, "route_compile fails");
        check_contains_at(err, cases[i].message, __FILE__, cases[i].line, "err");
        route_free(r);
        free(err);
    }
    /* NULL, the length limit, and exactly ROUTE_MAX_PARAMS parameters (allowed). */
    char *err = NULL;
    CHECK(route_compile(NULL, &err) == NULL);
    CHECK_CONTAINS(err, "empty route");
    free(err);
    CHECK(route_compile("nope", NULL) == NULL); /* err may be NULL */
    char *longp = malloc(ROUTE_MAX_LEN + 2);
    REQUIRE(longp);
    longp[0] = '/';
    memset(longp + 1, 'a', ROUTE_MAX_LEN);
    longp[ROUTE_MAX_LEN + 1] = '\0';
    err = NULL;
    CHECK(route_compile(longp, &err) == NULL);
    CHECK_CONTAINS(err, "longer than 4096 bytes");
    free(err);
    longp[ROUTE_MAX_LEN] = '\0'; /* exactly the limit */
    route *r = route_compile(longp, NULL);
    CHECK(r != NULL);
    CHECK(r && route_match(r, longp, ROUTE_MAX_LEN, NULL, NULL));
    route_free(r);
    free(longp);
    r = route_compile("/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/...", NULL);
    CHECK(r != NULL);
    if (r) {
        route_param ps[ROUTE_MAX_PARAMS];
        size_t n = 0;
        const char *path = "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/rest/of";
        CHECK(route_match(r, path, strlen(path), ps, &n));
        CHECK_EQ_INT(n, ROUTE_MAX_PARAMS);
        CHECK(n == ROUTE_MAX_PARAMS && ps[15].value_len == 7 &&
              memcmp(ps[15].value, "rest/of", 7) == 0);
    }
    route_free(r);
done:;
}

/* Pairs (more specific, less specific). */
static const char *const order_pairs[][2] = {
    {"/a", "/:x"},           {"/a/b", "/a/:x"},      {"/a/:x", "/a/..."},
    {"/a", "/a/..."},        {"/a/b/...", "/a/..."}, {"/a/...", "/..."},
    {"/a/...", "/:x"},       {"/:x", "/..."},        {"/:x/b", "/:x/:y"},
    {"/a/:x/c", "/a/:x/:y"}, {"/", "/..."},          {"/static/...", "/:x/..."},
    {"/:x/:y", "/:x/..."},   {"/a/b/c", "/a/b/..."}, {"/users/:id", "/users/..."},
};

static void test_cmp(void) {
    for (size_t i = 0; i < sizeof order_pairs / sizeof *order_pairs; i++) {
        route *a = route_compile(order_pairs[i][0], NULL);
        route *b = route_compile(order_pairs[i][1], NULL);
        if (CHECK(a && b)) {
            if (!CHECK(route_cmp(a, b) < 0) || !CHECK(route_cmp(b, a) > 0))
                fprintf(stderr, "  %s should precede %s\n", order_pairs[i][0], order_pairs[i][1]);
        }
        route_free(a);
        route_free(b);
    }
    /* Same shape: 0, whatever the parameter names or wildcard spelling. */
    static const char *const same[][2] = {{"/u/:id", "/u/:uid"},
                                          {"/a/...", "/a/*"},
                                          {"/x", "/x"},
                                          {"/", "/"},
                                          {"/:a/b/...", "/:z/b/*"}};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        route *a = route_compile(same[i][0], NULL);
        route *b = route_compile(same[i][1], NULL);
        if (CHECK(a && b)) CHECK_EQ_INT(route_cmp(a, b), 0);
        route_free(a);
        route_free(b);
    }
    /* Disjoint literals: never 0, and antisymmetric. */
    static const char *const differ[][2] = {{"/a", "/b"}, {"/a/:x", "/b/:x"}, {"/ab", "/a"}};
    for (size_t i = 0; i < sizeof differ / sizeof *differ; i++) {
        route *a = route_compile(differ[i][0], NULL);
        route *b = route_compile(differ[i][1], NULL);
        if (CHECK(a && b)) {
            int ab = route_cmp(a, b), ba = route_cmp(b, a);
            CHECK(ab != 0);
            CHECK((ab < 0) == (ba > 0));
        }
        route_free(a);
        route_free(b);
    }
}

static int cmp_routes(const void *x, const void *y) {
    return route_cmp(*(route *const *)x, *(route *const *)y);
}

/* Sorting a shuffled list by route_cmp gives the order a router tries them in. */
static void test_sort(void) {
    static const char *const sorted[] = {"/",
                                         "/api/v1/health",
                                         "/api/v1/:thing",
                                         "/api/v1/...",
                                         "/api/:v/health",
                                         "/api/...",
                                         "/:page",
                                         "/..."};
    static const size_t shuffled[] = {7, 3, 0, 5, 6, 1, 4, 2};
    enum { N = sizeof sorted / sizeof *sorted };
    route *rs[N] = {0};
    for (size_t i = 0; i < N; i++) rs[i] = route_compile(sorted[shuffled[i]], NULL);
    for (size_t i = 0; i < N; i++) REQUIRE(rs[i]);
    qsort(rs, N, sizeof *rs, cmp_routes);
    for (size_t i = 0; i < N; i++) CHECK_EQ_STR(route_pattern(rs[i]), sorted[i]);
done:
    for (size_t i = 0; i < N; i++) route_free(rs[i]);
}

static void test_best(void) {
    static const char *const pats[] = {
        "/...", "/static/...", "/static/:file", "/static/index.html", "/:page", NULL};
    enum { N = sizeof pats / sizeof *pats };
    route *rs[N] = {0};
    for (size_t i = 0; i + 1 < N; i++) rs[i] = route_compile(pats[i], NULL);
    for (size_t i = 0; i + 1 < N; i++) REQUIRE(rs[i]);
    static const struct {
        const char *path;
        long want;
        const char *params;
    } cases[] = {
        {"/static/index.html", 3, ""},
        {"/static/app.js", 2, "file=app.js"},
        {"/static/js/app.js", 1, "*=js/app.js"},
        {"/static", 1, "*="},
        {"/about", 4, "page=about"},
        {"/", 0, "*="},
        {"/a/b", 0, "*=a/b"},
        {"", -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        route_param ps[ROUTE_MAX_PARAMS];
        size_t n = 99;
        long got =
            route_best((const route *const *)rs, N, cases[i].path, strlen(cases[i].path), ps, &n);
        if (!CHECK_EQ_INT(got, cases[i].want)) fprintf(stderr, "  path %s\n", cases[i].path);
        char buf[256];
        format_params(ps, n, buf, sizeof buf);
        if (got >= 0)
            CHECK_EQ_STR(buf, cases[i].params);
        else
            CHECK_EQ_INT(n, 0);
    }
done:
    for (size_t i = 0; i < N; i++) route_free(rs[i]);
}

int main(void) {
    RUN(test_match_table);
    RUN(test_match_length);
    RUN(test_invalid);
    RUN(test_cmp);
    RUN(test_sort);
    RUN(test_best);
    return check_report("test_route");
}
