/* test_capi.c: the public component API (include/weft_component.h, src/component/capi.c), used as
 * an embedder uses it: this file includes the public headers only. On the components
 * build_components.sh made from tests/component/cbin/ (the directory is the argument): calls of
 * calc and shapes with values built by hand, with the helpers and from WAVE text; pipeline's
 * import implemented by C host functions typed from WIT text; type introspection; and the errors:
 * unknown exports, wrong counts, values of the wrong type or out of range, missing and mistyped
 * imports, a host function trapping or returning a wrong value, NULL arguments, bad WIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit/check.h"
#include "weft_component.h"

static const char *g_dir;
static weft_engine *g_engine;

static const char ops_wit[] =
    "package acme:math@0.1.0;\n"
    "interface ops {\n"
    "  add: func(a: s32, b: s32) -> s32;\n"
    "  greet: func(name: string) -> string;\n"
    "}\n"
    "world host-side { import ops; export log: func(m: string); }\n";

static weft_component *load(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", g_dir, name);
    size_t n;
    uint8_t *b = check_read_file(path, &n);
    if (!b) return NULL;
    weft_component *c = NULL;
    weft_error *e = weft_component_new(g_engine, b, n, &c);
    free(b);
    if (e) {
        fprintf(stderr, "%s: %s\n", path, weft_error_message(e));
        weft_error_free(e);
    }
    return c;
}

/* The message of e (static copy), or "ok"; frees e. */
static const char *msg_of(weft_error *e) {
    static char buf[1024];
    if (!e) return "ok";
    snprintf(buf, sizeof buf, "%s: %s", weft_error_kind_name(weft_error_kind_of(e)),
             weft_error_message(e));
    weft_error_free(e);
    return buf;
}

/* v printed in WAVE (static copy), or the error. */
static const char *show(const weft_cval *v) {
    static char buf[1024];
    char *s = NULL;
    weft_error *e = weft_cval_print(v, &s);
    if (e) return msg_of(e);
    snprintf(buf, sizeof buf, "%s", s);
    free(s);
    return buf;
}

typedef struct env {
    weft_store *s;
    weft_component_runtime *r;
    weft_cval_arena *a;
} env;

static bool env_open(env *v) {
    v->s = weft_store_new(g_engine, NULL);
    v->r = NULL;
    v->a = weft_cval_arena_new();
    weft_error *e = weft_component_runtime_new(v->s, &v->r);
    if (e) weft_error_free(e);
    return v->s && v->r && v->a;
}

static void env_close(env *v) {
    weft_cval_arena_free(v->a);
    weft_component_runtime_free(v->r);
    weft_store_free(v->s);
}

/* Calls `text` (WAVE: "name(args)") through the public API: find, parse, call, print. */
static const char *call_text(env *v, weft_cinstance *x, const char *name, const char *args) {
    static char out[1024];
    weft_cfunc *f = NULL;
    weft_error *e = weft_cinstance_find_func(x, name, &f);
    if (e) return msg_of(e);
    const weft_cfunc_type *t = weft_cfunc_get_type(f);
    size_t np = weft_cfunc_type_param_count(t), nr = weft_cfunc_type_result_count(t);
    weft_cval in[16], res[16];
    if ((e = weft_cval_parse_args(args, strlen(args), t, v->a, in))) return msg_of(e);
    if ((e = weft_cfunc_call(v->r, f, in, np, v->a, res, nr))) return msg_of(e);
    out[0] = 0;
    for (size_t i = 0; i < nr; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? ", " : "", show(&res[i]));
    return out;
}

static void test_calls(void) {
    env v;
    weft_component *calc = load("calc"), *shapes = load("shapes");
    weft_cinstance *x = NULL, *y = NULL;
    weft_error *e;
    REQUIRE(env_open(&v) && calc && shapes);
    REQUIRE((e = weft_component_instantiate(v.r, calc, NULL, &x)) == NULL);
    CHECK_EQ_INT(weft_cinstance_count(x), 1);
    CHECK_EQ_STR(weft_cinstance_name(x, 0), "acme:math/ops@0.1.0");
    CHECK(weft_cinstance_instance(x, "acme:math/ops@0.1.0") != NULL);
    CHECK(weft_cinstance_func(x, "acme:math/ops@0.1.0") == NULL); /* an instance, not a func */

    /* add, by its three names, with values built by hand */
    const char *names[] = {"add", "ops#add", "acme:math/ops@0.1.0#add"};
    for (int i = 0; i < 3; i++) {
        weft_cfunc *add = NULL;
        REQUIRE((e = weft_cinstance_find_func(x, names[i], &add)) == NULL);
        CHECK_EQ_STR(weft_cfunc_name(add), "acme:math/ops@0.1.0#add");
        const weft_cfunc_type *t = weft_cfunc_get_type(add);
        CHECK_EQ_INT(weft_cfunc_type_param_count(t), 2);
        CHECK_EQ_STR(weft_cfunc_type_param_name(t, 1), "b");
        CHECK_EQ_INT(weft_ctype_kind_of(weft_cfunc_type_param(t, 0)), WEFT_CT_S32);
        CHECK(weft_cfunc_type_result_name(t, 0) == NULL);
        weft_cval in[2] = {{.type = weft_cfunc_type_param(t, 0), .of.s = 2 + i},
                           {.type = weft_cfunc_type_param(t, 1), .of.s = 40}};
        weft_cval out[1];
        REQUIRE((e = weft_cfunc_call(v.r, add, in, 2, v.a, out, 1)) == NULL);
        CHECK_EQ_INT(out[0].of.s, 42 + i);
    }
    /* greet with a string made by weft_cval_string */
    weft_cfunc *greet = NULL;
    REQUIRE((e = weft_cinstance_find_func(x, "ops#greet", &greet)) == NULL);
    const weft_cfunc_type *gt = weft_cfunc_get_type(greet);
    weft_cval name, res;
    REQUIRE(weft_cval_string(v.a, weft_cfunc_type_param(gt, 0), "wörld", strlen("wörld"), &name) ==
            NULL);
    REQUIRE((e = weft_cfunc_call(v.r, greet, &name, 1, v.a, &res, 1)) == NULL);
    CHECK_EQ_INT(weft_ctype_kind_of(res.type), WEFT_CT_STRING);
    CHECK(res.of.str.len == strlen("hello, wörld") &&
          memcmp(res.of.str.ptr, "hello, wörld", res.of.str.len) == 0);

    /* shapes: records, variants, enums, flags, lists, options, results, tuples */
    REQUIRE((e = weft_component_instantiate(v.r, shapes, NULL, &y)) == NULL);
    weft_cfunc *area = NULL;
    REQUIRE((e = weft_cinstance_find_func(y, "area", &area)) == NULL);
    const weft_ctype *shape = weft_cfunc_type_param(weft_cfunc_get_type(area), 0);
    CHECK_EQ_INT(weft_ctype_kind_of(shape), WEFT_CT_VARIANT);
    CHECK_EQ_INT(weft_ctype_field_count(shape), 3);
    CHECK_EQ_STR(weft_ctype_field_name(shape, 1), "rect");
    const weft_ctype *point = weft_ctype_field_type(shape, 1);
    CHECK_EQ_INT(weft_ctype_kind_of(point), WEFT_CT_RECORD);
    CHECK(weft_ctype_field_type(shape, 2) == NULL); /* empty: no payload */
    char desc[64];
    CHECK_EQ_STR(weft_ctype_describe(weft_ctype_field_type(point, 0), desc, sizeof desc), "f64");
    weft_cval s;
    REQUIRE(weft_cval_case(v.a, shape, 1, &s) == NULL); /* rect */
    REQUIRE(weft_cval_fields(v.a, s.of.var.payload->type, s.of.var.payload) == NULL);
    s.of.var.payload->of.seq.items[0].of.f64 = 2.0;
    s.of.var.payload->of.seq.items[1].of.f64 = 3.5;
    CHECK_EQ_STR(show(&s), "rect({x: 2, y: 3.5})");
    weft_cval ar;
    REQUIRE((e = weft_cfunc_call(v.r, area, &s, 1, v.a, &ar, 1)) == NULL);
    CHECK(ar.of.f64 == 7.0);
    REQUIRE(weft_cval_case(v.a, shape, 0, &s) == NULL); /* circle */
    s.of.var.payload->of.f64 = 2.0;
    REQUIRE((e = weft_cfunc_call(v.r, area, &s, 1, v.a, &ar, 1)) == NULL);
    CHECK(ar.of.f64 == 12.0);
    /* sum: a list built by weft_cval_list */
    weft_cfunc *sum = NULL;
    REQUIRE((e = weft_cinstance_find_func(y, "sum", &sum)) == NULL);
    weft_cval xs, r;
    REQUIRE(weft_cval_list(v.a, weft_cfunc_type_param(weft_cfunc_get_type(sum), 0), 4, &xs) ==
            NULL);
    int64_t nums[] = {1, 2, 3, -10};
    for (int i = 0; i < 4; i++) xs.of.seq.items[i].of.s = nums[i];
    REQUIRE((e = weft_cfunc_call(v.r, sum, &xs, 1, v.a, &r, 1)) == NULL);
    CHECK_EQ_INT(weft_ctype_kind_of(r.type), WEFT_CT_RESULT);
    CHECK_EQ_INT(r.of.var.disc, 0);
    CHECK_EQ_INT(r.of.var.payload->of.s, -4);
    /* the rest through WAVE text */
    CHECK_EQ_STR(call_text(&v, y, "tag", "tag(red, {})"), "none");
    CHECK_EQ_STR(call_text(&v, y, "centroid", "centroid([{x: 1.0, y: 2.0}])"), "some({x: 1, y: 2})");
    CHECK_EQ_STR(call_text(&v, y, "swap", "swap((7, 'é'))"), "('é', 7)");
    CHECK_EQ_STR(call_text(&v, y, "check", "check(false)"), "err");
    /* flags built by hand: tag(blue, {read, exec}) */
    weft_cfunc *tag = NULL;
    REQUIRE((e = weft_cinstance_find_func(y, "geometry#tag", &tag)) == NULL);
    const weft_cfunc_type *tt = weft_cfunc_get_type(tag);
    weft_cval targs[2], tres;
    REQUIRE(weft_cval_case(v.a, weft_cfunc_type_param(tt, 0), 2, &targs[0]) == NULL);
    REQUIRE(weft_cval_flags(v.a, weft_cfunc_type_param(tt, 1), &targs[1]) == NULL);
    targs[1].of.flags.words[0] = 1u | 4u;
    CHECK_EQ_STR(show(&targs[1]), "{read, exec}");
    REQUIRE((e = weft_cfunc_call(v.r, tag, targs, 2, v.a, &tres, 1)) == NULL);
    CHECK_EQ_INT(weft_ctype_kind_of(tres.type), WEFT_CT_OPTION);
    CHECK(weft_cval_check(tres.type, &tres) == NULL);
    CHECK_EQ_INT(weft_component_runtime_core_count(v.r), 2);
    CHECK(weft_component_runtime_core(v.r, 0) != NULL);
    CHECK(weft_component_runtime_core(v.r, 2) == NULL);
done:
    env_close(&v);
    weft_component_free(calc);
    weft_component_free(shapes);
}

static void test_bad_calls(void) {
    env v;
    weft_component *calc = load("calc");
    weft_cinstance *x = NULL;
    weft_cfunc *add = NULL, *greet = NULL;
    weft_error *e;
    REQUIRE(env_open(&v) && calc);
    REQUIRE((e = weft_component_instantiate(v.r, calc, NULL, &x)) == NULL);
    CHECK_CONTAINS(msg_of(weft_cinstance_find_func(x, "sub", &add)), "no exported function");
    CHECK(add == NULL);
    CHECK_CONTAINS(msg_of(weft_cinstance_find_func(x, "nope#add", &add)), "usage");
    REQUIRE((e = weft_cinstance_find_func(x, "add", &add)) == NULL);
    REQUIRE((e = weft_cinstance_find_func(x, "greet", &greet)) == NULL);
    const weft_cfunc_type *t = weft_cfunc_get_type(add);
    const weft_ctype *s32 = weft_cfunc_type_param(t, 0);
    const weft_ctype *str = weft_cfunc_type_param(weft_cfunc_get_type(greet), 0);
    weft_cval in[2] = {{.type = s32, .of.s = 1}, {.type = s32, .of.s = 2}}, out[2];
    /* counts */
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, add, in, 1, v.a, out, 1)),
                   "add takes 2 arguments and gives 1 result, not 1 and 1");
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, add, in, 2, v.a, out, 2)), "usage");
    /* types and ranges */
    in[1].type = str;
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, add, in, 2, v.a, out, 1)),
                   "argument 2 (b): a value of type string where s32 is expected");
    in[1] = (weft_cval){.type = s32, .of.s = (int64_t)1 << 40};
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, add, in, 2, v.a, out, 1)), "out of range for s32");
    in[1].type = NULL;
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, add, in, 2, v.a, out, 1)), "no type");
    weft_cval bad = {.type = str, .of.str = {"\xff\xfe", 2}};
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, greet, &bad, 1, v.a, out, 1)), "not valid UTF-8");
    bad.of.str.ptr = NULL;
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, greet, &bad, 1, v.a, out, 1)), "NULL pointer");
    /* NULLs */
    CHECK_CONTAINS(msg_of(weft_cfunc_call(NULL, add, in, 2, v.a, out, 1)), "usage");
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, add, NULL, 2, v.a, out, 1)), "usage");
    CHECK_CONTAINS(msg_of(weft_cfunc_call(v.r, NULL, in, 2, v.a, out, 1)), "usage");
    CHECK_CONTAINS(msg_of(weft_component_instantiate(v.r, NULL, NULL, &x)), "usage");
    weft_cfunc *none = add;
    CHECK_CONTAINS(msg_of(weft_cinstance_find_func(NULL, "add", &none)), "usage");
    CHECK(none == NULL);
    /* values through the helpers and WAVE */
    weft_cval val;
    CHECK_CONTAINS(msg_of(weft_cval_string(v.a, s32, "x", 1, &val)), "not for a value of type s32");
    CHECK_CONTAINS(msg_of(weft_cval_parse("3000000000", 10, s32, v.a, &val)), "usage");
    CHECK_CONTAINS(msg_of(weft_cval_parse_args("add(1)", 6, t, v.a, in)), "usage");
    CHECK_EQ_STR(msg_of(weft_cval_parse("-7", 2, s32, v.a, &val)), "ok");
    CHECK_EQ_INT(val.of.s, -7);
    weft_cval other;
    CHECK_EQ_STR(msg_of(weft_cval_parse("-7", 2, s32, v.a, &other)), "ok");
    CHECK(weft_cval_equal(&val, &other));
    other.of.s = 7;
    CHECK(!weft_cval_equal(&val, &other));
    val.of.s = (int64_t)1 << 33;
    CHECK_CONTAINS(show(&val), "out of range");
    /* garbage is not a component */
    weft_component *junk = NULL;
    e = weft_component_new(g_engine, (const uint8_t *)"\0asm\1\0\0\0", 8, &junk);
    CHECK(e != NULL && junk == NULL); /* a core module, not a component */
    weft_error_free(e);
    weft_component_free(junk);
    junk = NULL;
    e = weft_component_new(g_engine, (const uint8_t *)"nope", 4, &junk);
    CHECK(e != NULL && junk == NULL);
    weft_error_free(e);
    CHECK_CONTAINS(msg_of(weft_component_new(NULL, NULL, 0, &junk)), "usage");
    /* still callable after all that */
    in[1] = (weft_cval){.type = s32, .of.s = 2};
    CHECK_EQ_STR(msg_of(weft_cfunc_call(v.r, add, in, 2, v.a, out, 1)), "ok");
    CHECK_EQ_INT(out[0].of.s, 3);
done:
    env_close(&v);
    weft_component_free(calc);
}

/* ---- host functions --------------------------------------------------------------------------- */

typedef struct host {
    int calls, freed;
    bool trap, bad_result;
} host;

static weft_error *host_add(void *user, const weft_cval *args, weft_cval_arena *a,
                            weft_cval *res) {
    (void)a;
    host *h = user;
    h->calls++;
    res[0].of.s = args[0].of.s + args[1].of.s;
    return NULL;
}

static weft_error *host_greet(void *user, const weft_cval *args, weft_cval_arena *a,
                              weft_cval *res) {
    host *h = user;
    h->calls++;
    if (h->trap) return weft_trap_new("the host refuses to greet");
    if (h->bad_result) {
        res[0].of.str.ptr = "\xc0\x80"; /* an overlong NUL: not UTF-8 as the ABI takes it */
        res[0].of.str.len = 2;
        return NULL;
    }
    char buf[256];
    int n = snprintf(buf, sizeof buf, "C says hi to %.*s", (int)args[0].of.str.len,
                     args[0].of.str.ptr);
    return weft_cval_string(a, res[0].type, buf, (size_t)n, &res[0]);
}

static void count_free(void *user) { ((host *)user)->freed++; }

static void test_host_imports(void) {
    env v;
    weft_wit *wit = NULL;
    weft_component *pipe = load("pipeline");
    weft_cinstance *imports = NULL, *ops = NULL, *x = NULL;
    weft_cfunc *add = NULL, *greet = NULL, *run = NULL;
    host h = {0};
    weft_error *e;
    bool opened = env_open(&v);
    REQUIRE(opened && pipe);
    REQUIRE((e = weft_wit_parse(ops_wit, strlen(ops_wit), "ops.wit", &wit)) == NULL);
    const weft_cfunc_type *add_t = NULL, *greet_t = NULL, *log_t = NULL;
    REQUIRE((e = weft_wit_find_func(wit, "acme:math/ops@0.1.0#add", &add_t)) == NULL);
    REQUIRE((e = weft_wit_find_func(wit, "ops#greet", &greet_t)) == NULL);
    REQUIRE((e = weft_wit_find_func(wit, "host-side#log", &log_t)) == NULL);
    CHECK_EQ_STR(weft_cfunc_type_name(log_t), "log");
    CHECK(!weft_cfunc_type_equal(add_t, greet_t));
    CHECK_CONTAINS(msg_of(weft_wit_find_func(wit, "ops#sub", &add_t)), "no function \"sub\"");
    CHECK_CONTAINS(msg_of(weft_wit_find_func(wit, "nope#add", &add_t)), "no interface or world");
    CHECK_CONTAINS(msg_of(weft_wit_find_func(wit, "add", &add_t)), "not IFACE#FUNC");
    REQUIRE((e = weft_wit_find_func(wit, "ops#add", &add_t)) == NULL);

    /* a missing import, then a mistyped one */
    REQUIRE((e = weft_cinstance_new(v.r, &imports)) == NULL);
    e = weft_component_instantiate(v.r, pipe, imports, &x);
    CHECK_EQ_INT(e ? weft_error_kind_of(e) : 0, WEFT_ERR_LINK);
    CHECK_CONTAINS(msg_of(e), "acme:math/ops@0.1.0");
    REQUIRE((e = weft_cinstance_new(v.r, &ops)) == NULL);
    REQUIRE((e = weft_cfunc_new_host(v.r, "add", add_t, host_add, &h, count_free, &add)) == NULL);
    REQUIRE((e = weft_cfunc_new_host(v.r, "greet", add_t, host_add, &h, count_free, &greet)) ==
            NULL);
    REQUIRE((e = weft_cinstance_add_func(v.r, ops, "add", add)) == NULL);
    REQUIRE((e = weft_cinstance_add_func(v.r, ops, "greet", greet)) == NULL);
    REQUIRE((e = weft_cinstance_add_instance(v.r, imports, "acme:math/ops@0.1.0", ops)) == NULL);
    e = weft_component_instantiate(v.r, pipe, imports, &x);
    CHECK_EQ_INT(e ? weft_error_kind_of(e) : 0, WEFT_ERR_LINK);
    CHECK_CONTAINS(msg_of(e), "greet");
    /* the right types: pipeline's run calls greet on the host */
    REQUIRE((e = weft_cfunc_new_host(v.r, "greet", greet_t, host_greet, &h, count_free, &greet)) ==
            NULL);
    REQUIRE((e = weft_cinstance_add_func(v.r, ops, "greet", greet)) == NULL);
    REQUIRE((e = weft_component_instantiate(v.r, pipe, imports, &x)) == NULL);
    REQUIRE((e = weft_cinstance_find_func(x, "run", &run)) == NULL);
    CHECK_EQ_STR(call_text(&v, x, "run", "run(5, \"bob\")"), "\"C says hi to bob\"");
    CHECK_EQ_INT(h.calls, 2); /* greet and add */
    /* a host function calls another directly */
    weft_cval in[2] = {{.type = weft_cfunc_type_param(add_t, 0), .of.s = 20},
                       {.type = weft_cfunc_type_param(add_t, 1), .of.s = 22}};
    weft_cval out[1];
    REQUIRE((e = weft_cfunc_call(v.r, add, in, 2, v.a, out, 1)) == NULL);
    CHECK_EQ_INT(out[0].of.s, 42);
    /* a trap of the host comes back from the call that led to it */
    h.trap = true;
    e = weft_cinstance_find_func(x, "run", &run);
    CHECK(e == NULL);
    const char *m = call_text(&v, x, "run", "run(1, \"eve\")");
    CHECK_CONTAINS(m, "trap");
    CHECK_CONTAINS(m, "the host refuses to greet");
    h.trap = false;
    /* a wrong result of the host is caught before the guest sees it */
    h.bad_result = true;
    m = call_text(&v, x, "run", "run(1, \"eve\")");
    CHECK_CONTAINS(m, "trap");
    CHECK_CONTAINS(m, "host function greet: result 0: a string that is not valid UTF-8");
    h.bad_result = false;
    CHECK_EQ_STR(call_text(&v, x, "run", "run(1, \"ann\")"), "\"C says hi to ann\"");
    /* bad host functions */
    int before = h.freed;
    CHECK_CONTAINS(msg_of(weft_cfunc_new_host(v.r, "f", NULL, host_add, &h, count_free, &add)),
                   "usage");
    CHECK_EQ_INT(h.freed, before + 1); /* user data given up on failure */
    CHECK_CONTAINS(msg_of(weft_cfunc_new_host(v.r, "f", add_t, NULL, NULL, NULL, &add)), "usage");
    CHECK_CONTAINS(msg_of(weft_cinstance_add_func(v.r, ops, NULL, add)), "usage");
done:
    if (opened) {
        before = h.freed;
        env_close(&v);
        CHECK_EQ_INT(h.freed, before + 3); /* the three host functions made */
    }
    weft_wit_free(wit);
    weft_component_free(pipe);
}

static void test_wit(void) {
    weft_wit *w = NULL;
    const char *bad = "package a:b;\ninterface i { f: func(x: nope); }\n";
    weft_error *e = weft_wit_parse(bad, strlen(bad), "bad.wit", &w);
    CHECK(w == NULL);
    CHECK_EQ_INT(e ? weft_error_kind_of(e) : 0, WEFT_ERR_INVALID);
    CHECK_CONTAINS(msg_of(e), "bad.wit:2:");
    CHECK_CONTAINS(msg_of(weft_wit_parse(NULL, 3, NULL, &w)), "usage");
    CHECK_CONTAINS(msg_of(weft_wit_parse_dir("/no/such/dir", &w)), "/no/such/dir");
    const char *good =
        "package t:x;\n"
        "interface i {\n"
        "  record p { a: u8, b: list<string> }\n"
        "  enum e { one, two }\n"
        "  type ps = list<p>;\n"
        "  f: func(x: ps, y: option<e>) -> result<p, string>;\n"
        "}\n";
    REQUIRE((e = weft_wit_parse(good, strlen(good), NULL, &w)) == NULL);
    const weft_ctype *p = NULL, *ps = NULL;
    REQUIRE((e = weft_wit_find_type(w, "i#p", &p)) == NULL);
    REQUIRE((e = weft_wit_find_type(w, "t:x/i#ps", &ps)) == NULL);
    CHECK_EQ_INT(weft_ctype_kind_of(ps), WEFT_CT_LIST); /* the alias resolved */
    CHECK(weft_ctype_equal(weft_ctype_elem(ps), p));
    CHECK_EQ_STR(weft_ctype_name(p), "p");
    CHECK_EQ_STR(weft_ctype_field_name(p, 1), "b");
    CHECK(weft_ctype_field_name(p, 2) == NULL);
    CHECK_CONTAINS(msg_of(weft_wit_find_type(w, "i#q", &p)), "no type \"q\"");
    const weft_cfunc_type *f = NULL;
    REQUIRE((e = weft_wit_find_func(w, "i#f", &f)) == NULL);
    const weft_ctype *res = weft_cfunc_type_result(f, 0);
    char b[64];
    CHECK_EQ_STR(weft_ctype_describe(weft_ctype_err(res), b, sizeof b), "string");
    CHECK_EQ_INT(weft_ctype_kind_of(weft_ctype_elem(weft_cfunc_type_param(f, 1))), WEFT_CT_ENUM);
    /* a value of p from WAVE and back */
    weft_cval_arena *a = weft_cval_arena_new();
    weft_cval v;
    const char *text = "[{a: 1, b: [\"x\"]}, {a: 255, b: []}]";
    REQUIRE(a != NULL);
    CHECK_EQ_STR(msg_of(weft_cval_parse(text, strlen(text), ps, a, &v)), "ok");
    CHECK_EQ_STR(show(&v), "[{a: 1, b: [\"x\"]}, {a: 255, b: []}]");
    CHECK(weft_cval_check(ps, &v) == NULL);
    v.of.seq.items[1].of.seq.n = 1; /* a record with one field of two */
    CHECK_CONTAINS(msg_of(weft_cval_check(ps, &v)), "[1]: 1 fields where the type has 2");
    v.of.seq.items[1].of.seq.n = 2;
    v.of.seq.items[0].of.seq.items[0].of.u = 256;
    CHECK_CONTAINS(msg_of(weft_cval_check(ps, &v)), "[0].a: 256 is out of range for u8");
    weft_cval_arena_reset(a);
    CHECK(weft_cval_arena_alloc(a, 16) != NULL);
    weft_cval_arena_free(a);
done:
    weft_wit_free(w);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_capi COMPONENT_DIR\n");
        return 2;
    }
    g_dir = argv[1];
    g_engine = weft_engine_new(NULL);
    RUN(test_wit);
    RUN(test_calls);
    RUN(test_bad_calls);
    RUN(test_host_imports);
    weft_engine_free(g_engine);
    return check_report("test_capi");
}
