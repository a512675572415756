/* test_manifest.c: the app manifest parser (src/host/manifest.c): valid manifests with their
 * defaults, sizes, durations, directories, resolved paths, methods and headers; invalid ones,
 * each with the exact line:col of its message and a phrase of it; manifest_load on real files;
 * and routing a request through manifest_match.
 */
#include <stdlib.h>
#include <unistd.h>

#include "../unit/check.h"
#include "host/manifest.h"

#define PATH "apps/shop/weft.yaml"

/* The pieces most manifests share: lines 1, 2-4 and 5-8 when used in that order. */
#define HEAD "name: shop\n"
#define COMP "components:\n  hello:\n    source: hello.wasm\n"
#define TRIG "triggers:\n  http:\n    - route: /hello\n      component: hello\n"

static manifest *parse_at(const char *yaml, const char *path, char **err) {
    return manifest_parse(yaml, strlen(yaml), path, err);
}

/* Parses yaml that must be valid; a failure prints the message. */
static manifest *parse_ok(int line, const char *yaml) {
    char *err = NULL;
    manifest *m = parse_at(yaml, PATH, &err);
    check_at(m != NULL, __FILE__, line, "manifest parses");
    if (!m) fprintf(stderr, "  %s\n", err ? err : "(no message)");
    free(err);
    return m;
}

#define PARSE_OK(yaml) parse_ok(__LINE__, (yaml))

static void test_minimal_defaults(void) {
    manifest *m = PARSE_OK(HEAD COMP TRIG);
    REQUIRE(m);
    CHECK_EQ_STR(m->path, PATH);
    CHECK_EQ_STR(m->dir, "apps/shop");
    CHECK_EQ_STR(m->name, "shop");
    CHECK_EQ_STR(m->listen, "127.0.0.1:3000");
    CHECK(m->admin == NULL);
    CHECK_EQ_INT(m->workers, 0);
    CHECK_EQ_INT(m->queue, 64);
    CHECK_EQ_U64(m->max_body, 10u << 20);
    CHECK_EQ_U64(m->max_header, 16u << 10);
    CHECK_EQ_U64(m->idle_timeout_ms, 30000);
    REQUIRE_EQ_INT(m->ncomponents, 1);
    mf_component *c = &m->components[0];
    CHECK_EQ_STR(c->id, "hello");
    CHECK_EQ_STR(c->source, "apps/shop/hello.wasm");
    CHECK(!c->kind_set);
    CHECK(c->function == NULL);
    CHECK(c->nconfig == 0 && c->nenv == 0 && c->ndirs == 0 && c->nallowed_hosts == 0);
    CHECK(c->config == NULL && c->env == NULL && c->dirs == NULL && c->allowed_hosts == NULL);
    CHECK(c->max_memory == 0 && c->fuel == 0 && c->timeout_ms == 0);
    CHECK_EQ_INT(c->line, 3);
    CHECK_EQ_INT(c->col, 3);
    REQUIRE_EQ_INT(m->nroutes, 1);
    mf_route *r = &m->routes[0];
    CHECK_EQ_STR(r->pattern, "/hello");
    CHECK(r->compiled != NULL);
    CHECK_EQ_INT(r->nmethods, 0);
    CHECK(r->methods == NULL);
    CHECK_EQ_INT(r->component, 0);
    CHECK_EQ_INT(r->nheaders, 0);
    CHECK_EQ_INT(r->line, 7);
    CHECK_EQ_INT(r->col, 7);
done:
    manifest_free(m);
}

static void test_http_section(void) {
    manifest *m = PARSE_OK(HEAD "http:\n"
                                "  listen: \":8080\"\n"
                                "  admin: '[::1]:9090'\n"
                                "  workers: 4\n"
                                "  queue: 0\n"
                                "  max_body: 1MB\n"
                                "  max_header: 8KiB\n"
                                "  idle_timeout: 2m\n" COMP TRIG);
    REQUIRE(m);
    CHECK_EQ_STR(m->listen, ":8080");
    CHECK_EQ_STR(m->admin, "[::1]:9090");
    CHECK_EQ_INT(m->workers, 4);
    CHECK_EQ_INT(m->queue, 0);
    CHECK_EQ_U64(m->max_body, 1000000);
    CHECK_EQ_U64(m->max_header, 8192);
    CHECK_EQ_U64(m->idle_timeout_ms, 120000);
    manifest_free(m);
    /* A plain ":PORT" is a YAML string too. */
    m = PARSE_OK(HEAD "http:\n  listen: :80\n" COMP TRIG);
    REQUIRE(m);
    CHECK_EQ_STR(m->listen, ":80");
    manifest_free(m);
    /* Plain numbers: bytes and milliseconds; listen with a host name and port 0. */
    m = PARSE_OK(HEAD "http:\n  listen: localhost:0\n  max_body: 0\n  max_header: 4096\n"
                      "  idle_timeout: 1500\n  workers: 4096\n" COMP TRIG);
    REQUIRE(m);
    CHECK_EQ_STR(m->listen, "localhost:0");
    CHECK_EQ_U64(m->max_body, 0);
    CHECK_EQ_U64(m->max_header, 4096);
    CHECK_EQ_U64(m->idle_timeout_ms, 1500);
    CHECK_EQ_INT(m->workers, 4096);
done:
    manifest_free(m);
}

static void test_sizes(void) {
    static const struct {
        const char *s;
        bool ok;
        uint64_t v;
    } cases[] = {
        {"0", true, 0},
        {"1", true, 1},
        {"10B", true, 10},
        {"1KB", true, 1000},
        {"3MB", true, 3000000},
        {"2GB", true, 2000000000},
        {"1KiB", true, 1024},
        {"16MiB", true, 16u << 20},
        {"10 MiB", true, 10u << 20},
        {"4GiB", true, 4ull << 30},
        {"007", true, 7},
        {"18446744073709551615", true, UINT64_MAX},
        {"17179869183GiB", true, 17179869183ull << 30},
        {"18446744073709551616", false, 0},
        {"17179869184GiB", false, 0},
        {"99999999999999999999999B", false, 0},
        {"", false, 0},
        {"MiB", false, 0},
        {"-1", false, 0},
        {"+1", false, 0},
        {"1.5MiB", false, 0},
        {"1mib", false, 0},
        {"1TiB", false, 0},
        {"0x10", false, 0},
        {"1 ", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint64_t v = 12345;
        bool ok = manifest_parse_size(cases[i].s, &v);
        if (!CHECK(ok == cases[i].ok)) fprintf(stderr, "  size \"%s\"\n", cases[i].s);
        if (ok && cases[i].ok) CHECK_EQ_U64(v, cases[i].v);
        if (!ok) CHECK_EQ_U64(v, 12345); /* untouched */
    }
    CHECK(!manifest_parse_size(NULL, &(uint64_t){0}));
}

static void test_durations(void) {
    static const struct {
        const char *s;
        bool ok;
        uint64_t v;
    } cases[] = {
        {"0", true, 0},
        {"250", true, 250},
        {"500ms", true, 500},
        {"30s", true, 30000},
        {"2m", true, 120000},
        {"0s", true, 0},
        {"5h", false, 0},
        {"1.5s", false, 0},
        {"s", false, 0},
        {"-5s", false, 0},
        {"10S", false, 0},
        {"1 min", false, 0},
        {"307445734561825861m", false, 0}, /* times 60000 overflows */
        {"307445734561825m", true, 307445734561825ull * 60000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint64_t v = 777;
        bool ok = manifest_parse_duration_ms(cases[i].s, &v);
        if (!CHECK(ok == cases[i].ok)) fprintf(stderr, "  duration \"%s\"\n", cases[i].s);
        if (ok && cases[i].ok) CHECK_EQ_U64(v, cases[i].v);
        if (!ok) CHECK_EQ_U64(v, 777);
    }
}

static void test_component_full(void) {
    manifest *m =
        PARSE_OK(HEAD "components:\n"
                      "  api:\n"
                      "    source: ./plugins/api.wasm\n"
                      "    kind: plugin\n"
                      "    function: serve\n"
                      "    config: {greeting: hi, retries: 3, debug: true, quoted: \"\"}\n"
                      "    env:\n"
                      "      RUST_LOG: info\n"
                      "      EMPTY: ''\n"
                      "    allowed_hosts: [api.example.com, \"*.example.org\"]\n"
                      "    limits:\n"
                      "      memory: 16MiB\n"
                      "      fuel: 1000000\n"
                      "      timeout: 500ms\n"
                      "  web:\n"
                      "    source: /opt/web.wasm\n"
                      "    kind: wagi\n"
                      "triggers:\n  http:\n    - route: /api/...\n      component: api\n"
                      "    - route: /\n      component: web\n");
    REQUIRE(m);
    REQUIRE_EQ_INT(m->ncomponents, 2);
    mf_component *c = &m->components[0];
    CHECK_EQ_STR(c->id, "api");
    CHECK_EQ_STR(c->source, "apps/shop/plugins/api.wasm");
    CHECK(c->kind_set && c->kind == MF_KIND_PLUGIN);
    CHECK_EQ_STR(c->function, "serve");
    REQUIRE_EQ_INT(c->nconfig, 4);
    CHECK_EQ_STR(c->config[0].key, "greeting");
    CHECK_EQ_STR(c->config[0].value, "hi");
    CHECK_EQ_STR(c->config[1].value, "3"); /* scalars as written */
    CHECK_EQ_STR(c->config[2].value, "true");
    CHECK_EQ_STR(c->config[3].value, "");
    REQUIRE_EQ_INT(c->nenv, 2);
    CHECK_EQ_STR(c->env[0].key, "RUST_LOG");
    CHECK_EQ_STR(c->env[0].value, "info");
    CHECK_EQ_STR(c->env[1].key, "EMPTY");
    CHECK_EQ_STR(c->env[1].value, "");
    REQUIRE_EQ_INT(c->nallowed_hosts, 2);
    CHECK_EQ_STR(c->allowed_hosts[0], "api.example.com");
    CHECK_EQ_STR(c->allowed_hosts[1], "*.example.org");
    CHECK_EQ_U64(c->max_memory, 16u << 20);
    CHECK_EQ_U64(c->fuel, 1000000);
    CHECK_EQ_U64(c->timeout_ms, 500);
    CHECK_EQ_INT(c->line, 3);
    c = &m->components[1];
    CHECK_EQ_STR(c->id, "web");
    CHECK_EQ_STR(c->source, "/opt/web.wasm"); /* absolute: kept */
    CHECK(c->kind_set && c->kind == MF_KIND_WAGI);
    CHECK(c->function == NULL);
    CHECK_EQ_INT(c->line, 16);
    REQUIRE_EQ_INT(m->nroutes, 2);
    CHECK_EQ_INT(m->routes[0].component, 0);
    CHECK_EQ_INT(m->routes[1].component, 1);
    CHECK_EQ_STR(m->routes[1].pattern, "/");
done:
    manifest_free(m);
}

static void test_dirs(void) {
    manifest *m = PARSE_OK(HEAD "components:\n"
                                "  hello:\n"
                                "    source: hello.wasm\n"
                                "    dirs:\n"
                                "      - ./static:/static:ro\n"
                                "      - data:/data\n"
                                "      - /srv/cache:/cache:rw\n"
                                "      - {host: ../shared, guest: /shared, readonly: true}\n"
                                "      - host: .\n"
                                "        guest: /app\n" TRIG);
    REQUIRE(m);
    mf_component *c = &m->components[0];
    REQUIRE_EQ_INT(c->ndirs, 5);
    CHECK_EQ_STR(c->dirs[0].host, "apps/shop/static");
    CHECK_EQ_STR(c->dirs[0].guest, "/static");
    CHECK(c->dirs[0].read_only);
    CHECK_EQ_STR(c->dirs[1].host, "apps/shop/data");
    CHECK_EQ_STR(c->dirs[1].guest, "/data");
    CHECK(!c->dirs[1].read_only);
    CHECK_EQ_STR(c->dirs[2].host, "/srv/cache");
    CHECK_EQ_STR(c->dirs[2].guest, "/cache");
    CHECK(!c->dirs[2].read_only);
    CHECK_EQ_STR(c->dirs[3].host, "apps/shop/../shared");
    CHECK_EQ_STR(c->dirs[3].guest, "/shared");
    CHECK(c->dirs[3].read_only);
    CHECK_EQ_STR(c->dirs[4].host, "apps/shop");
    CHECK_EQ_STR(c->dirs[4].guest, "/app");
    CHECK(!c->dirs[4].read_only);
done:
    manifest_free(m);
}

/* Relative paths follow the manifest's directory, whatever form the path takes. */
static void test_paths(void) {
    static const struct {
        const char *path, *source, *dir, *want;
    } cases[] = {
        {"weft.yaml", "hello.wasm", ".", "hello.wasm"},
        {"weft.yaml", "./hello.wasm", ".", "hello.wasm"},
        {"", "hello.wasm", ".", "hello.wasm"},
        {"/srv/app/weft.yaml", "hello.wasm", "/srv/app", "/srv/app/hello.wasm"},
        {"/weft.yaml", "hello.wasm", "/", "/hello.wasm"},
        {"a/b/weft.yaml", ".//x/./y.wasm", "a/b", "a/b/x/./y.wasm"},
        {"a/b/weft.yaml", "../y.wasm", "a/b", "a/b/../y.wasm"},
        {"a/b/weft.yaml", "/abs/y.wasm", "a/b", "/abs/y.wasm"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char yaml[256], *err = NULL;
        snprintf(yaml, sizeof yaml, HEAD "components:\n  hello:\n    source: '%s'\n" TRIG,
                 cases[i].source);
        manifest *m = parse_at(yaml, cases[i].path, &err);
        if (CHECK(m != NULL)) {
            CHECK_EQ_STR(m->path, cases[i].path);
            CHECK_EQ_STR(m->dir, cases[i].dir);
            CHECK_EQ_STR(m->components[0].source, cases[i].want);
        } else {
            fprintf(stderr, "  %s\n", err);
        }
        free(err);
        manifest_free(m);
    }
    /* A NULL path counts as "". */
    char *err = NULL;
    const char *yaml = HEAD COMP TRIG;
    manifest *m = manifest_parse(yaml, strlen(yaml), NULL, &err);
    CHECK(m && !strcmp(m->path, "") && !strcmp(m->components[0].source, "hello.wasm"));
    manifest_free(m);
    free(err);
}

static void test_methods_headers(void) {
    manifest *m =
        PARSE_OK(HEAD COMP "triggers:\n"
                           "  http:\n"
                           "    - route: /users/:id\n"
                           "      component: hello\n"
                           "      methods: [GET, HEAD]\n"
                           "      headers: {x-powered-by: weft, Cache-Control: \"no-store\"}\n"
                           "    - route: /users/:uid\n"
                           "      component: hello\n"
                           "      methods:\n"
                           "        - POST\n"
                           "        - M-SEARCH\n"
                           "    - route: /users/...\n"
                           "      component: hello\n");
    REQUIRE(m);
    REQUIRE_EQ_INT(m->nroutes, 3);
    mf_route *r = &m->routes[0];
    REQUIRE_EQ_INT(r->nmethods, 2);
    CHECK_EQ_STR(r->methods[0], "GET");
    CHECK_EQ_STR(r->methods[1], "HEAD");
    REQUIRE_EQ_INT(r->nheaders, 2);
    CHECK_EQ_STR(r->headers[0].key, "x-powered-by");
    CHECK_EQ_STR(r->headers[0].value, "weft");
    CHECK_EQ_STR(r->headers[1].key, "Cache-Control");
    CHECK_EQ_STR(r->headers[1].value, "no-store");
    CHECK_EQ_INT(r->line, 7);
    r = &m->routes[1];
    REQUIRE_EQ_INT(r->nmethods, 2);
    CHECK_EQ_STR(r->methods[1], "M-SEARCH");
    CHECK_EQ_INT(r->line, 11);
    CHECK_EQ_INT(m->routes[2].nmethods, 0);
done:
    manifest_free(m);
}

/* The same manifest in flow style (and so as JSON), with comments, quotes and a document marker. */
static void test_flow_and_json(void) {
    manifest *m = PARSE_OK("# shop\n---\n"
                           "{name: \"shop\", components: {hello: {source: 'hello.wasm'}},  # c\n"
                           " triggers: {http: [{route: /hello, component: hello}]}}\n...\n");
    CHECK(m && m->nroutes == 1 && !strcmp(m->name, "shop"));
    manifest_free(m);
    m = PARSE_OK("{\"name\": \"shop\", \"http\": {\"workers\": 3},\n"
                 " \"components\": {\"hello\": {\"source\": \"hello.wasm\", \"limits\": "
                 "{\"fuel\": 5}}},\n"
                 " \"triggers\": {\"http\": [{\"route\": \"/hello\", \"component\": \"hello\","
                 " \"methods\": [\"GET\"]}]}}\n");
    REQUIRE(m);
    CHECK_EQ_INT(m->workers, 3);
    CHECK_EQ_U64(m->components[0].fuel, 5);
    CHECK_EQ_INT(m->routes[0].nmethods, 1);
done:
    manifest_free(m);
}

/* Windows line endings: same manifest, same positions in messages. */
static void test_crlf(void) {
    manifest *m =
        PARSE_OK("name: shop\r\ncomponents:\r\n  hello:\r\n    source: hello.wasm\r\n"
                 "triggers:\r\n  http:\r\n    - route: /hello\r\n      component: hello\r\n");
    CHECK(m && !strcmp(m->components[0].source, "apps/shop/hello.wasm") &&
          !strcmp(m->routes[0].pattern, "/hello"));
    manifest_free(m);
    char *err = NULL;
    const char *yaml = "name: shop\r\ncomponents:\r\n  hello:\r\n    sourec: x\r\n"
                       "triggers: {http: [{route: /, component: hello}]}\r\n";
    CHECK(parse_at(yaml, PATH, &err) == NULL);
    CHECK_EQ_STR(err, PATH ":4:5: unknown key 'sourec' in component 'hello'");
    free(err);
}

/* Text need not be NUL-terminated: only len bytes are read. */
static void test_length_bound(void) {
    const char *yaml = HEAD COMP TRIG "garbage: [";
    char *err = NULL;
    manifest *m = manifest_parse(yaml, strlen(HEAD COMP TRIG), PATH, &err);
    CHECK(m != NULL);
    if (!m) fprintf(stderr, "  %s\n", err);
    free(err);
    manifest_free(m);
}

static void test_new_and_free(void) {
    manifest_free(NULL);
    manifest *m = manifest_new();
    REQUIRE(m);
    CHECK_EQ_STR(m->path, "");
    CHECK_EQ_STR(m->dir, ".");
    CHECK_EQ_STR(m->listen, "127.0.0.1:3000");
    CHECK(m->admin == NULL);
    CHECK_EQ_INT(m->queue, 64);
    CHECK_EQ_U64(m->max_body, 10u << 20);
    CHECK_EQ_U64(m->max_header, 16u << 10);
    CHECK_EQ_U64(m->idle_timeout_ms, 30000);
    CHECK(m->ncomponents == 0 && m->nroutes == 0);
    /* What `weft serve` does: one component, one catch-all route, all malloc'd. */
    m->components = calloc(1, sizeof *m->components);
    REQUIRE(m->components);
    m->ncomponents = 1;
    m->components[0].id = strdup("main");
    m->components[0].source = strdup("main.wasm");
    m->routes = calloc(1, sizeof *m->routes);
    REQUIRE(m->routes);
    m->nroutes = 1;
    m->routes[0].pattern = strdup("/...");
    m->routes[0].compiled = route_compile("/...", NULL);
    CHECK(manifest_match(m, "GET", "/x", 2, NULL, NULL, NULL) == 0);
done:
    manifest_free(m);
}

static void test_load_file(void) {
    char dir[] = "/tmp/weft-manifest-XXXXXX";
    char path[64];
    manifest *m = NULL;
    char *err = NULL;
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/weft.yaml", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(HEAD COMP TRIG, f);
    fclose(f);
    m = manifest_load(path, &err);
    if (!CHECK(m != NULL)) fprintf(stderr, "  %s\n", err);
    if (m) {
        CHECK_EQ_STR(m->path, path);
        CHECK_EQ_STR(m->dir, dir);
        char want[96];
        snprintf(want, sizeof want, "%s/hello.wasm", dir);
        CHECK_EQ_STR(m->components[0].source, want);
    }
    manifest_free(m);
    m = NULL;
    free(err);
    err = NULL;
    /* An error in a real file carries its path. */
    f = fopen(path, "w");
    REQUIRE(f);
    fputs(HEAD "http:\n  workers: many\n" COMP TRIG, f);
    fclose(f);
    CHECK(manifest_load(path, &err) == NULL);
    char want[128];
    snprintf(want, sizeof want, "%s:3:12: bad number 'many' for 'workers'", path);
    CHECK_EQ_STR(err, want);
    free(err);
    err = NULL;
    /* A file larger than the limit is refused before parsing. */
    f = fopen(path, "w");
    REQUIRE(f);
    for (long written = 0; written <= MANIFEST_MAX_BYTES; written += 64)
        fputs("# padding padding padding padding padding padding padding paddi\n", f);
    fclose(f);
    CHECK(manifest_load(path, &err) == NULL);
    CHECK_CONTAINS(err, "larger than 4194304 bytes");
    free(err);
    err = NULL;
    /* A directory is not a manifest. */
    CHECK(manifest_load(dir, &err) == NULL);
    CHECK_CONTAINS(err, dir);
    CHECK_CONTAINS(err, "Is a directory");
    free(err);
    err = NULL;
    unlink(path);
    rmdir(dir);
    /* A missing file: the path and strerror. */
    CHECK(manifest_load("no/such/dir/weft.yaml", &err) == NULL);
    CHECK_EQ_STR(err, "no/such/dir/weft.yaml: cannot read manifest: No such file or directory");
    free(err);
    err = NULL;
    CHECK(manifest_load("no/such/file.yaml", NULL) == NULL); /* err may be NULL */
done:
    free(err);
    manifest_free(m);
}

static void test_match(void) {
    manifest *m = PARSE_OK(HEAD "components:\n  a:\n    source: a.wasm\n  b:\n    source: b.wasm\n"
                                "triggers:\n  http:\n"
                                "    - {route: /users/:id, component: a, methods: [GET]}\n"
                                "    - {route: /users/:id, component: b, methods: [PUT, DELETE]}\n"
                                "    - {route: /users/..., component: b}\n"
                                "    - {route: /admin, component: a, methods: [POST]}\n");
    REQUIRE(m);
    route_param ps[ROUTE_MAX_PARAMS];
    size_t n = 9;
    bool wrong = true;
    CHECK_EQ_INT(manifest_match(m, "GET", "/users/7", 8, ps, &n, &wrong), 0);
    CHECK(!wrong);
    CHECK_EQ_INT(manifest_match(m, "HEAD", "/users/7", 8, ps, &n, &wrong), 0); /* GET's route */
    CHECK(!wrong);
    CHECK(n == 1 && ps[0].value_len == 1 && ps[0].value[0] == '7');
    CHECK_EQ_INT(manifest_match(m, "DELETE", "/users/7", 8, ps, &n, &wrong), 1);
    /* No exact-shape route for POST: the wildcard takes it. */
    CHECK_EQ_INT(manifest_match(m, "POST", "/users/7", 8, ps, &n, &wrong), 2);
    CHECK(n == 1 && ps[0].value_len == 1);
    CHECK_EQ_INT(manifest_match(m, "GET", "/admin", 6, ps, &n, &wrong), -1);
    CHECK(wrong); /* 405 */
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(manifest_match(m, "GET", "/nope", 5, ps, &n, &wrong), -1);
    CHECK(!wrong); /* 404 */
    CHECK_EQ_INT(manifest_match(m, "POST", "/admin", 6, NULL, NULL, NULL), 3);
done:
    manifest_free(m);
}

/* ---- Invalid manifests ------------------------------------------------------------------- */

typedef struct bad_case {
    int line;
    const char *yaml;
    const char *pos;    /* "line:col" */
    const char *phrase; /* part of the message */
} bad_case;

#define NEST40 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["

static const bad_case bad_cases[] = {
    /* YAML syntax: libfyaml's own messages and positions */
    {__LINE__, HEAD "http: listen: x\n" COMP TRIG, "2:13",
     "invalid nested block mapping on the same line"},
    {__LINE__, HEAD "http:\n\tlisten: \":3000\"\n" COMP TRIG, "3:1",
     "tab character may not be used as indentation"},
    {__LINE__, HEAD "components: {hello: {source: a.wasm}\n" TRIG, "3:1",
     "wrongly indented flow mapping"},
    {__LINE__, HEAD "components:\n  hello:\n    source: \"hello.wasm\n" TRIG, "4:13",
     "wrongly indented double-quoted scalar"},
    {__LINE__, HEAD COMP TRIG "      methods: [GET\n", "10:1",
     "flow sequence without a closing bracket"},
    {__LINE__, HEAD COMP TRIG "      headers: {x: \"abc\n", "9:21",
     "double-quoted scalar without closing quote"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n   kind: wagi\n" TRIG, "5:4",
     "invalid indentation in mapping"},
    {__LINE__, HEAD COMP TRIG "---\nname: other\n", "9:1", "more than one YAML document"},
    {__LINE__, "", "1:1", "empty manifest"},
    {__LINE__, "# nothing here\n", "1:1", "empty manifest"},
    {__LINE__, "---\n", "1:1", "empty manifest"},
    {__LINE__, "- a\n- b\n", "1:1", "the manifest must be a mapping, found a list"},
    {__LINE__, "name: \"a\\0b\"\n" COMP TRIG, "1:7", "NUL character"},
    {__LINE__, "name: " NEST40, "1:38", "nested more than 32 levels deep"},
    {__LINE__,
     "name: &n shop\n" COMP "triggers:\n  http:\n    - route: /hello\n      component: *n\n",
     "8:18", "aliases are not supported"},
    /* duplicate keys, at every level */
    {__LINE__, "name: a\nname: b\n" COMP TRIG, "2:1", "duplicate key 'name' (first at line 1)"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n  hello:\n    source: b.wasm\n" TRIG, "5:3",
     "duplicate key 'hello' (first at line 3)"},
    {__LINE__,
     HEAD
     "components:\n  hello:\n    source: a.wasm\n    env:\n      A: 1\n      B: 2\n      A: 3\n"
     "      A: 4\n" TRIG,
     "8:7", "duplicate key 'A' (first at line 6)"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - {route: /a, component: hello, route: /b}\n",
     "7:37", "duplicate key 'route' (first at line 7)"},
    {__LINE__, "? [a, b]\n: c\n", "1:3", "a key must be a string, found a list"},
    /* unknown keys */
    {__LINE__, "name: shop\nnmae: x\n" COMP TRIG, "2:1", "unknown key 'nmae' in the manifest"},
    {__LINE__, HEAD "http:\n  listn: \":80\"\n" COMP TRIG, "3:3", "unknown key 'listn' in 'http'"},
    {__LINE__, HEAD "components:\n  hello:\n    sourec: hello.wasm\n" TRIG, "4:5",
     "unknown key 'sourec' in component 'hello'"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    limits:\n      cpu: 2\n" TRIG,
     "6:7", "unknown key 'cpu' in the limits of component 'hello'"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    dirs:\n"
          "      - {host: ., guest: /, mode: ro}\n" TRIG,
     "6:29", "unknown key 'mode' in a directory of component 'hello'"},
    {__LINE__, HEAD COMP "triggers:\n  redis: []\n", "6:3", "unknown key 'redis' in 'triggers'"},
    {__LINE__, HEAD COMP TRIG "      handler: x\n", "9:7",
     "unknown key 'handler' in route '/hello'"},
    /* wrong types */
    {__LINE__, HEAD "components:\n  - hello\n" TRIG, "3:3",
     "'components' must be a mapping, found a list"},
    {__LINE__, HEAD "http: fast\n" COMP TRIG, "2:7", "'http' must be a mapping, found a string"},
    {__LINE__, HEAD "http:\n" COMP TRIG, "2:1", "'http' must be a mapping, found an empty value"},
    {__LINE__, HEAD "components:\n  hello: hello.wasm\n" TRIG, "3:10",
     "component 'hello' must be a mapping, found a string"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    env: [A, B]\n" TRIG, "5:10",
     "'env' must be a mapping, found a list"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    config:\n      a: {b: c}\n" TRIG, "6:10",
     "the value of 'a' in 'config' must be a string, found a mapping"},
    {__LINE__, HEAD "components:\n  hello:\n    source: [a.wasm]\n" TRIG, "4:13",
     "'source' must be a string, found a list"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    kind: [wagi]\n" TRIG, "5:11",
     "'kind' must be a string, found a list"},
    {__LINE__, HEAD COMP TRIG "      methods: GET\n", "9:16",
     "'methods' must be a list, found a string"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    route: /hello\n", "7:5",
     "'http' in 'triggers' must be a list, found a mapping"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - /hello\n", "7:7",
     "an HTTP route must be a mapping, found a string"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    dirs: {a: b}\n" TRIG, "5:11",
     "'dirs' must be a list, found a mapping"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    dirs:\n      - [a, b]\n" TRIG,
     "6:9", "a directory must be a string HOST:GUEST[:ro] or a mapping, found a list"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    allowed_hosts: a.com\n" TRIG,
     "5:20", "'allowed_hosts' must be a list, found a string"},
    /* missing required keys */
    {__LINE__, COMP TRIG, "1:1", "missing required key 'name' in the manifest"},
    {__LINE__, HEAD TRIG, "1:1", "missing required key 'components' in the manifest"},
    {__LINE__, HEAD COMP, "1:1", "missing required key 'triggers' in the manifest"},
    {__LINE__, HEAD COMP "triggers: {}\n", "5:11", "missing required key 'http' in 'triggers'"},
    {__LINE__, HEAD "components:\n  hello:\n    kind: wagi\n" TRIG, "3:3",
     "missing required key 'source' in component 'hello'"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - component: hello\n", "7:7",
     "missing required key 'route' in an HTTP route"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - route: /hello\n", "7:7",
     "missing required key 'component' in route '/hello'"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    dirs:\n      - {host: .}\n" TRIG, "6:9",
     "missing required key 'guest' in a directory of component 'hello'"},
    {__LINE__, HEAD "components: {}\n" TRIG, "2:13",
     "'components' must declare at least one component"},
    {__LINE__, HEAD COMP "triggers:\n  http: []\n", "6:9",
     "'http' in 'triggers' must list at least one route"},
    /* bad values */
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - route: /hello\n      component: helo\n", "8:18",
     "route '/hello' names unknown component 'helo'"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    kind: wasi\n" TRIG, "5:11",
     "unknown kind 'wasi' in component 'hello' (expected wagi, plugin or component)"},
    /* linking by interface */
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    imports: {acme:x/y@1.0.0: nope}\n" TRIG,
     "5:31", "import 'acme:x/y@1.0.0' of component 'hello' names unknown component 'nope'"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    imports: {acme:x/y: hello}\n" TRIG,
     "5:25", "component 'hello' cannot satisfy its own import 'acme:x/y'"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    imports: [a]\n" TRIG, "5:14",
     "'imports' must be a mapping, found a list"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    kind: plugin\n    imports: {a: b}\n" TRIG,
     "6:5", "'imports' in component 'hello', whose kind is not component"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    imports: {a: [b]}\n" TRIG,
     "5:18", "the component satisfying an import must be a string, found a list"},
    {__LINE__, HEAD "http:\n  max_body: 10XB\n" COMP TRIG, "3:13",
     "bad size '10XB' for 'max_body'"},
    {__LINE__, HEAD "http:\n  max_header: [1]\n" COMP TRIG, "3:15",
     "'max_header' must be a size, found a list"},
    {__LINE__, HEAD "http:\n  idle_timeout: 5h\n" COMP TRIG, "3:17",
     "bad duration '5h' for 'idle_timeout'"},
    {__LINE__,
     HEAD
     "components:\n  hello:\n    source: a.wasm\n    limits:\n      memory: 99999999999GiB\n" TRIG,
     "6:15", "size '99999999999GiB' for 'memory' is too large"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    limits:\n      timeout: "
          "99999999999999999999\n" TRIG,
     "6:16", "duration '99999999999999999999' for 'timeout' is too large"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    limits: {fuel: lots}\n" TRIG,
     "5:20", "bad number 'lots' for 'fuel'"},
    {__LINE__, HEAD "http:\n  workers: 100000\n" COMP TRIG, "3:12",
     "'workers' must be at most 4096"},
    {__LINE__, HEAD "http:\n  workers: -1\n" COMP TRIG, "3:12", "bad number '-1' for 'workers'"},
    {__LINE__, HEAD "http:\n  queue: 99999999999999999999999\n" COMP TRIG, "3:10",
     "'queue' must be at most 1000000"},
    {__LINE__, HEAD "http:\n  listen: localhost\n" COMP TRIG, "3:11",
     "bad address 'localhost' for 'listen'"},
    {__LINE__, HEAD "http:\n  admin: \":70000\"\n" COMP TRIG, "3:10",
     "bad address ':70000' for 'admin'"},
    {__LINE__, HEAD "http:\n  listen: \"::1:80\"\n" COMP TRIG, "3:11", "bad address '::1:80'"},
    {__LINE__, HEAD "components:\n  Hello:\n    source: a.wasm\n" TRIG, "3:3",
     "invalid component id 'Hello'"},
    {__LINE__, HEAD "components:\n  -x:\n    source: a.wasm\n" TRIG, "3:3",
     "invalid component id '-x'"},
    {__LINE__, "name: my shop\n" COMP TRIG, "1:7", "invalid name 'my shop'"},
    {__LINE__,
     "name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" COMP TRIG, "1:7",
     "at most 64 characters"},
    {__LINE__, "name: ''\n" COMP TRIG, "1:7", "'name' must not be empty"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    function: ''\n" TRIG, "5:15",
     "'function' must not be empty"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - route: /a//b\n      component: hello\n", "7:14",
     "invalid route '/a//b': empty segment at byte 3"},
    {__LINE__, HEAD COMP "triggers:\n  http:\n    - route: hello\n      component: hello\n", "7:14",
     "invalid route 'hello': route must start with '/'"},
    {__LINE__,
     HEAD COMP "triggers:\n  http:\n"
               "    - route: /users/:id\n      component: hello\n      methods: [GET]\n"
               "    - route: /users/:uid\n      component: hello\n      methods: [POST, GET]\n",
     "10:7", "route '/users/:uid' duplicates route '/users/:id' at line 7"},
    {__LINE__,
     HEAD COMP "triggers:\n  http:\n    - {route: /a/..., component: hello}\n"
               "    - {route: /b, component: hello}\n"
               "    - {route: /a/*, component: hello, methods: [PUT]}\n",
     "9:7", "route '/a/*' duplicates route '/a/...' at line 7"},
    {__LINE__, HEAD COMP TRIG "      methods: [get]\n", "9:17", "bad method 'get'"},
    {__LINE__, HEAD COMP TRIG "      methods: []\n", "9:16",
     "'methods' must list at least one method"},
    {__LINE__, HEAD COMP TRIG "      methods: [GET, POST, GET]\n", "9:28",
     "duplicate method 'GET'"},
    {__LINE__, HEAD COMP TRIG "      headers: {bad header: x}\n", "9:17",
     "invalid header name 'bad header'"},
    {__LINE__, HEAD COMP TRIG "      headers: {x-a: \"a\\r\\nb\"}\n", "9:22",
     "header 'x-a' has a control character in its value"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    dirs: [static]\n" TRIG, "5:12",
     "bad directory 'static' in component 'hello' (expected HOST:GUEST or HOST:GUEST:ro)"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    dirs: [\":/x\"]\n" TRIG, "5:12",
     "bad directory ':/x'"},
    {__LINE__,
     HEAD "components:\n  hello:\n    source: a.wasm\n    dirs:\n"
          "      - {host: ., guest: /, readonly: maybe}\n" TRIG,
     "6:39", "'readonly' must be true or false, found 'maybe'"},
    {__LINE__, HEAD "components:\n  hello:\n    source: a.wasm\n    env: {A=B: x}\n" TRIG, "5:11",
     "environment variable name 'A=B' contains '='"},
    {__LINE__,
     HEAD
     "components:\n  hello:\n    source: a.wasm\n    allowed_hosts: [\"https://x.com\"]\n" TRIG,
     "5:21", "bad allowed host 'https://x.com'"},
    /* invalid UTF-8: libfyaml 0.7.12 would loop forever on the first (found by fuzz-http) */
    {__LINE__, "%\xd8", "1:2", "invalid UTF-8"},
    {__LINE__, "name: x\nco\xc0\x80mponents: {}\n", "2:3", "invalid UTF-8"},
    {__LINE__, "name: \xed\xa0\x80\n", "1:7", "invalid UTF-8"},
};

static void test_invalid(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        char *err = NULL;
        manifest *m = parse_at(c->yaml, PATH, &err);
        check_at(m == NULL, __FILE__, c->line, "the manifest is rejected");
        char prefix[64];
        snprintf(prefix, sizeof prefix, PATH ":%s: ", c->pos);
        if (!check_at(err && strncmp(err, prefix, strlen(prefix)) == 0, __FILE__, c->line,
                      "message starts with path:line:col"))
            fprintf(stderr, "  want %s..., got %s\n", prefix, err ? err : "(null)");
        check_contains_at(err, c->phrase, __FILE__, c->line, "err");
        free(err);
        manifest_free(m);
    }
    printf("     %zu invalid manifests\n", sizeof bad_cases / sizeof *bad_cases);
}

int main(void) {
    RUN(test_minimal_defaults);
    RUN(test_http_section);
    RUN(test_sizes);
    RUN(test_durations);
    RUN(test_component_full);
    RUN(test_dirs);
    RUN(test_paths);
    RUN(test_methods_headers);
    RUN(test_flow_and_json);
    RUN(test_crlf);
    RUN(test_length_bound);
    RUN(test_new_and_free);
    RUN(test_load_file);
    RUN(test_match);
    RUN(test_invalid);
    return check_report("test_manifest");
}
