/* test_cinst.c: instantiating component binaries and calling them (src/component/cinst.c), on the
 * components build_components.sh made with jco from tests/component/cbin/ (the directory is the
 * argument): calls with every kind of value calc and shapes take; pipeline linked by interface to
 * calc and to functions of the host; import checking (missing, mistyped, wrong sort); a host
 * function re-entering the component that called it; hostile results trapping with the function's
 * name; and a thousand calls through a linked pair, for the sanitizers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/cinst.h"
#include "component/wave.h"
#include "unit/check.h"

static const char *g_dir;
static weft_engine *g_engine;

static ccomp *load(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", g_dir, name);
    size_t n;
    uint8_t *b = check_read_file(path, &n);
    if (!b) return NULL;
    ccomp *c = NULL;
    weft_error *e = ccomp_new(g_engine, b, n, &c);
    free(b);
    if (e) {
        fprintf(stderr, "%s: %s\n", path, weft_error_message(e));
        weft_error_free(e);
    }
    return c;
}

/* Calls `call` (WAVE) on exports and returns the result printed in WAVE (static buffer), or
 * "error: MESSAGE". */
static const char *call(crt *r, cinst *x, const char *text) {
    static char out[1024];
    char err[512];
    const char *name;
    size_t nlen;
    cv_arena *a = cv_arena_new();
    if (!wave_call_name(text, strlen(text), &name, &nlen, err, sizeof err)) {
        snprintf(out, sizeof out, "error: %s", err);
        goto done;
    }
    cfunc *f = cinst_find_func(x, name, nlen, err, sizeof err);
    if (!f) {
        snprintf(out, sizeof out, "error: %s", err);
        goto done;
    }
    const ct_func *t = cfunc_type(f);
    cv *args = cv_alloc(a, (t->nparams + 1) * sizeof *args);
    cv *res = cv_alloc(a, (t->nresults + 1) * sizeof *res);
    if (!wave_parse_call(text, strlen(text), t, a, args, err, sizeof err)) {
        snprintf(out, sizeof out, "error: %s", err);
        goto done;
    }
    weft_error *e = cfunc_call(r, f, args, a, res);
    if (e) {
        snprintf(out, sizeof out, "error: %s", weft_error_message(e));
        weft_error_free(e);
        goto done;
    }
    out[0] = 0;
    for (uint32_t i = 0; i < t->nresults; i++) {
        char *p;
        if (!wave_print(&res[i], &p)) {
            snprintf(out, sizeof out, "error: unprintable");
            goto done;
        }
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? ", " : "", p);
        free(p);
    }
done:
    cv_arena_free(a);
    return out;
}

typedef struct world {
    weft_store *s;
    crt *r;
} world;

static void world_open(world *w) {
    w->s = weft_store_new(g_engine, NULL);
    w->r = crt_new(w->s);
}

static void world_close(world *w) {
    crt_free(w->r);
    weft_store_free(w->s);
}

static void test_calls(void) {
    ccomp *calc = load("calc"), *shapes = load("shapes");
    world w;
    world_open(&w);
    cinst *x = NULL, *y = NULL;
    REQUIRE(calc && shapes);
    weft_error *e = crt_instantiate(w.r, calc, NULL, &x);
    REQUIRE(e == NULL);
    CHECK_EQ_STR(call(w.r, x, "add(2, 40)"), "42");
    CHECK_EQ_STR(call(w.r, x, "acme:math/ops@0.1.0#add(-2, -40)"), "-42");
    CHECK_EQ_STR(call(w.r, x, "ops#add(2147483647, 1)"), "-2147483648");
    CHECK_EQ_STR(call(w.r, x, "greet(\"wörld ✓\")"), "\"hello, wörld ✓\"");
    CHECK_EQ_STR(call(w.r, x, "greet(\"\")"), "\"hello, \"");
    CHECK_CONTAINS(call(w.r, x, "sub(1, 2)"), "no exported function \"sub\"");
    CHECK_CONTAINS(call(w.r, x, "add(1)"), "error");
    /* a string near the bump heap's 64 KiB: realloc traps inside the guest */
    char *big = malloc(70000);
    memcpy(big, "greet(\"", 7);
    memset(big + 7, 'a', 66000);
    memcpy(big + 66007, "\")", 3);
    CHECK_CONTAINS(call(w.r, x, big), "unreachable");
    free(big);
    CHECK_EQ_STR(call(w.r, x, "add(1, 1)"), "2"); /* still usable after the trap */

    REQUIRE((e = crt_instantiate(w.r, shapes, NULL, &y)) == NULL);
    CHECK_EQ_STR(call(w.r, y, "area(circle(2.0))"), "12");
    CHECK_EQ_STR(call(w.r, y, "area(rect({x: 2.0, y: 3.5}))"), "7");
    CHECK_EQ_STR(call(w.r, y, "area(empty)"), "0");
    CHECK_EQ_STR(call(w.r, y, "tag(red, {})"), "none");
    CHECK_EQ_STR(call(w.r, y, "sum([1, 2, 3, -10])"), "ok(-4)");
    CHECK_EQ_STR(call(w.r, y, "sum([])"), "ok(0)");
    CHECK_EQ_STR(call(w.r, y, "centroid([{x: 1.0, y: 2.0}, {x: 3.0, y: 4.0}])"),
                 "some({x: 1, y: 2})"); /* the first point */
    CHECK_EQ_STR(call(w.r, y, "centroid([])"), "none");
    CHECK_EQ_STR(call(w.r, y, "swap((7, 'é'))"), "('é', 7)");
    CHECK_EQ_STR(call(w.r, y, "check(true)"), "ok");
    CHECK_EQ_STR(call(w.r, y, "check(false)"), "err");
    CHECK_EQ_INT(crt_core_instance_count(w.r), 2); /* calc and shapes: no shims, no imports */
done:
    world_close(&w);
    ccomp_free(calc);
    ccomp_free(shapes);
}

/* ---- linking by interface ---------------------------------------------------------------------- */

typedef struct host_ops {
    crt *r;
    cinst *reenter; /* pipeline's exports: greet calls back into run */
    int calls;
} host_ops;

static weft_error *host_add(void *user, const cv *args, cv_arena *a, cv *res) {
    (void)a;
    host_ops *h = user;
    h->calls++;
    res[0] = (cv){.type = args[0].type, .of.s = args[0].of.s * 1000 + args[1].of.s};
    return NULL;
}

static weft_error *host_greet(void *user, const cv *args, cv_arena *a, cv *res) {
    host_ops *h = user;
    h->calls++;
    if (h->reenter) {
        cfunc *run = cinst_find_func(h->reenter, "run", 3, NULL, 0);
        cv in[2] = {{.type = NULL}, args[0]};
        in[0].type = cfunc_type(run)->params[0].type;
        in[0].of.s = 1;
        cv out[1];
        return cfunc_call(h->r, run, in, a, out);
    }
    if (args[0].of.str.len == 4 && memcmp(args[0].of.str.ptr, "trap", 4) == 0)
        return weft_trap_new("the host refuses to greet \"trap\"");
    size_t n = args[0].of.str.len + 5;
    char *p = cv_alloc(a, n);
    memcpy(p, "HOST ", 5);
    memcpy(p + 5, args[0].of.str.ptr, args[0].of.str.len);
    res[0] = (cv){.type = args[0].type, .of.str = {p, n}};
    return NULL;
}

static void test_link_components(void) {
    ccomp *calc = load("calc"), *pipe = load("pipeline");
    world w;
    world_open(&w);
    cinst *x = NULL, *y = NULL;
    REQUIRE(calc && pipe);
    /* nothing given: the import is named */
    weft_error *e = crt_instantiate(w.r, pipe, NULL, &y);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(weft_error_kind_of(e), WEFT_ERR_LINK);
    CHECK_CONTAINS(weft_error_message(e), "import \"acme:math/ops@0.1.0\"");
    CHECK_CONTAINS(weft_error_message(e), "not satisfied");
    weft_error_free(e);
    REQUIRE((e = crt_instantiate(w.r, calc, NULL, &x)) == NULL);
    /* calc's exports satisfy pipeline's import by name */
    REQUIRE((e = crt_instantiate(w.r, pipe, x, &y)) == NULL);
    CHECK_EQ_STR(call(w.r, y, "run(5, \"bob\")"), "\"hello, bob\"");
    CHECK_EQ_STR(call(w.r, y, "acme:math/report@0.1.0#run(5, \"\")"), "\"hello, \"");
    for (int i = 0; i < 1000; i++) {
        char text[64];
        snprintf(text, sizeof text, "run(%d, \"n%d\")", i, i);
        char want[64];
        snprintf(want, sizeof want, "\"hello, n%d\"", i);
        if (!CHECK_EQ_STR(call(w.r, y, text), want)) break;
    }
    /* each component has its own memory: pipeline's shim, guest and fixup, calc's guest */
    CHECK_EQ_INT(crt_core_instance_count(w.r), 4);
    CHECK(weft_instance_memory(crt_core_instance(w.r, 0)) !=
          weft_instance_memory(crt_core_instance(w.r, 2)));
done:
    world_close(&w);
    ccomp_free(calc);
    ccomp_free(pipe);
}

static void test_link_host(void) {
    ccomp *pipe = load("pipeline");
    world w;
    world_open(&w);
    ct_arena *ta = ct_arena_new();
    host_ops h = {0};
    cinst *y = NULL;
    weft_error *e = NULL;
    REQUIRE(pipe);
    h.r = w.r;
    const ct_type *s32 = ct_prim(ta, CT_S32), *str = ct_prim(ta, CT_STRING);
    ct_field add_p[2] = {{"a", s32}, {"b", s32}}, add_r[1] = {{NULL, s32}};
    ct_field greet_p[1] = {{"name", str}}, greet_r[1] = {{NULL, str}};
    ct_func add_t = {"add", add_p, 2, add_r, 1, 0, 0};
    ct_func greet_t = {"greet", greet_p, 1, greet_r, 1, 0, 0};
    ct_field bad_r[1] = {{NULL, ct_prim(ta, CT_S64)}};
    ct_func bad_t = {"add", add_p, 2, bad_r, 1, 0, 0};
    ct_field renamed_p[2] = {{"x", s32}, {"b", s32}};
    ct_func renamed_t = {"add", renamed_p, 2, add_r, 1, 0, 0};

    cinst *ops = crt_instance_new(w.r), *imports = crt_instance_new(w.r);
    REQUIRE(!cinst_add_instance(w.r, imports, "acme:math/ops@0.1.0", ops));
    /* an instance without greet */
    REQUIRE(!cinst_add_func(w.r, ops, "add", crt_host_func(w.r, "host add", &add_t, host_add, &h)));
    e = crt_instantiate(w.r, pipe, imports, &y);
    REQUIRE(e != NULL);
    CHECK_CONTAINS(weft_error_message(e), "has no func \"greet\"");
    weft_error_free(e);
    /* greet of the wrong sort */
    REQUIRE(!cinst_add_instance(w.r, ops, "greet", crt_instance_new(w.r)));
    e = crt_instantiate(w.r, pipe, imports, &y);
    REQUIRE(e != NULL);
    CHECK_CONTAINS(weft_error_message(e), "\"greet\" is a instance, not a func");
    weft_error_free(e);
    REQUIRE(!cinst_add_func(w.r, ops, "greet",
                            crt_host_func(w.r, "host greet", &greet_t, host_greet, &h)));
    /* add with the wrong result type, then with a renamed parameter */
    REQUIRE(!cinst_add_func(w.r, ops, "add", crt_host_func(w.r, "host add", &bad_t, host_add, &h)));
    e = crt_instantiate(w.r, pipe, imports, &y);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(weft_error_kind_of(e), WEFT_ERR_LINK);
    CHECK_CONTAINS(weft_error_message(e), "\"add\" has type func(a: s32, b: s32) -> s64");
    weft_error_free(e);
    REQUIRE(!cinst_add_func(w.r, ops, "add",
                            crt_host_func(w.r, "host add", &renamed_t, host_add, &h)));
    e = crt_instantiate(w.r, pipe, imports, &y);
    REQUIRE(e != NULL);
    CHECK_CONTAINS(weft_error_message(e), "\"add\" has type");
    weft_error_free(e);
    REQUIRE(!cinst_add_func(w.r, ops, "add", crt_host_func(w.r, "host add", &add_t, host_add, &h)));
    REQUIRE((e = crt_instantiate(w.r, pipe, imports, &y)) == NULL);
    CHECK_EQ_STR(call(w.r, y, "run(7, \"ann\")"), "\"HOST ann\"");
    CHECK_EQ_INT(h.calls, 2); /* run calls greet and add */
    /* a host trap unwinds through the component */
    CHECK_CONTAINS(call(w.r, y, "run(7, \"trap\")"), "the host refuses to greet \"trap\"");
    CHECK_EQ_STR(call(w.r, y, "run(7, \"again\")"), "\"HOST again\"");
    /* the host calling back into the component while its call runs: a trap, not a re-entry */
    h.reenter = y;
    CHECK_CONTAINS(call(w.r, y, "run(7, \"x\")"), "cannot enter a component instance again");
    h.reenter = NULL;
    CHECK_EQ_STR(call(w.r, y, "run(7, \"after\")"), "\"HOST after\"");
done:
    world_close(&w);
    ct_arena_free(ta);
    ccomp_free(pipe);
}

static void test_hostile(void) {
    ccomp *c = load("hostile");
    world w;
    world_open(&w);
    cinst *x = NULL;
    REQUIRE(c);
    REQUIRE(crt_instantiate(w.r, c, NULL, &x) == NULL);
    static const struct {
        const char *call, *want;
    } cases[] = {
        {"bad-pointer()", "bad-pointer: string at 0xfffffff0 of 100 bytes runs past the end"},
        {"bad-utf8()", "bad-utf8: string at 0x400 of 4 bytes is not valid UTF-8"},
        {"bad-discriminant()", "bad-discriminant: invalid discriminant 7 for option<u32>"},
        {"bad-char()", "bad-char: char 0xd800 is not a Unicode scalar value"},
        {"misaligned-list()", "misaligned-list: list<u32> at 0x411 is not aligned to 4 bytes"},
        {"huge-list()", "huge-list: list<u64> at 0x8 of 1073741824 elements"},
        {"bad-return-area()", "bad-return-area: result pointer at 0xfffffffc of 8 bytes runs"},
        {"unreachable(1)", "unreachable"},
        {"bad-realloc(\"thirteen byte\")", "cabi_realloc returned 0xfffffff0 for a string of 13"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_CONTAINS(call(w.r, x, cases[i].call), cases[i].want);
        /* and the component keeps working afterwards */
        CHECK_EQ_STR(call(w.r, x, "fine(\"abc\")"), "294");
    }
    CHECK_EQ_STR(call(w.r, x, "unreachable(12345)"), "12345");
    /* a result in pages the call added: twice, the memory growing each time */
    CHECK_EQ_STR(call(w.r, x, "grown()"), "\"hi\"");
    CHECK_EQ_STR(call(w.r, x, "grown()"), "\"hi\"");
    CHECK_EQ_STR(call(w.r, x, "bad-realloc(\"twelve bytes\")"), "12");
done:
    world_close(&w);
    ccomp_free(c);
}

static void test_resources(void) {
    ccomp *c = load("counter");
    world w;
    world_open(&w);
    cinst *x = NULL;
    REQUIRE(c);
    REQUIRE(crt_instantiate(w.r, c, NULL, &x) == NULL);
    cfunc *ctor = cinst_find_func(x, "[constructor]counter", 20, NULL, 0);
    REQUIRE(ctor);
    cv_arena *a = cv_arena_new();
    cv arg = {.type = cfunc_type(ctor)->params[0].type, .of.u = 5}, res[1];
    for (uint32_t i = 1; i <= 3; i++) {
        weft_error *e = cfunc_call(w.r, ctor, &arg, a, res);
        CHECK(e == NULL);
        weft_error_free(e);
        CHECK_EQ_INT(res[0].type->kind, CT_OWN);
        CHECK_EQ_INT(res[0].of.handle, i); /* resource.new hands out handles 1, 2, 3 */
    }
    cv_arena_free(a);
done:
    world_close(&w);
    ccomp_free(c);
}

static void test_bad_input(void) {
    /* a core module is not a component; garbage is refused with the decoder's message */
    static const uint8_t core[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    ccomp *c = NULL;
    weft_error *e = ccomp_new(g_engine, core, sizeof core, &c);
    CHECK(e && !c);
    if (e) CHECK_CONTAINS(weft_error_message(e), "core module, not a component");
    weft_error_free(e);
    static const uint8_t junk[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 1, 5, 0xff};
    e = ccomp_new(g_engine, junk, sizeof junk, &c);
    CHECK(e && !c);
    weft_error_free(e);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: test_cinst COMPONENTS_DIR\n");
        return 2;
    }
    g_dir = argv[1];
    g_engine = weft_engine_new(NULL);
    RUN(test_bad_input);
    RUN(test_calls);
    RUN(test_link_components);
    RUN(test_link_host);
    RUN(test_hostile);
    RUN(test_resources);
    weft_engine_free(g_engine);
    return check_report("test_cinst");
}
