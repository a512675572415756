/* test_wit.c: the WIT parser (src/component/wit.c, wit_lex.c): valid documents checked against
 * the model they build (kinds, names, field types, result shapes, resource functions, world
 * imports and exports, use aliases, versions, includes); invalid ones, each with the exact
 * line:col of its message and a phrase of it; limits; and wit_parse_dir on tests/component/wit/
 * (its deps/) and on directories made in a temporary directory.
 * Usage: test_wit [DATA_DIR] (default tests/component/wit).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/check.h"
#include "component/wit.h"

/* Allocation-failure injection: with glibc and no sanitizer, malloc and friends are replaced by
 * versions that can fail the Nth call and that count live blocks (test_alloc_failures). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NO_MALLOC_HOOK 1
#endif
#endif
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(NO_MALLOC_HOOK)
#define MALLOC_HOOK 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static long alloc_countdown = -1; /* the allocation that sees 0 fails; -1: none does */
static long alloc_live;

static bool alloc_fails(void) {
    if (alloc_countdown < 0 || alloc_countdown-- != 0) return false;
    errno = ENOMEM;
    return true;
}

/* Visible to libc too (the build hides symbols by default): its strdup, opendir, fopen. */
#define HOOK __attribute__((visibility("default")))

HOOK void *malloc(size_t n) {
    void *p = alloc_fails() ? NULL : __libc_malloc(n);
    if (p) alloc_live++;
    return p;
}

HOOK void *calloc(size_t n, size_t size) {
    void *p = alloc_fails() ? NULL : __libc_calloc(n, size);
    if (p) alloc_live++;
    return p;
}

HOOK void *realloc(void *old, size_t n) {
    void *p = alloc_fails() ? NULL : __libc_realloc(old, n);
    if (p && !old) alloc_live++;
    return p;
}

HOOK void free(void *p) {
    if (p) alloc_live--;
    __libc_free(p);
}
#endif

#define PATH "pkg/api.wit"
#define P "package a:b;\n" /* line 1 of most documents */

static const char *data_dir = "tests/component/wit";
static int valid_docs;

/* Whether t is fully resolved: no placeholder left, handles on resources, parts present. */
static bool type_ok(const ct_type *t, int depth) {
    if (!t || depth > WIT_MAX_TYPE_DEPTH + WIT_MAX_NESTING) return false;
    switch (t->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32:
    case CT_S64: case CT_U64: case CT_F32: case CT_F64: case CT_CHAR: case CT_STRING:
    case CT_RESOURCE:
        return true;
    case CT_LIST: case CT_OPTION: return type_ok(t->elem, depth + 1);
    case CT_ALIAS: return t->name && t->nfields == 0 && type_ok(t->elem, depth + 1);
    case CT_OWN: case CT_BORROW: return t->elem && t->elem->kind == CT_RESOURCE;
    case CT_RESULT:
        return (!t->ok || type_ok(t->ok, depth + 1)) && (!t->err || type_ok(t->err, depth + 1));
    case CT_TUPLE: case CT_RECORD: case CT_VARIANT: case CT_ENUM: case CT_FLAGS:
        if (!t->nfields || !t->fields) return false;
        for (uint32_t i = 0; i < t->nfields; i++) {
            const ct_field *f = &t->fields[i];
            if ((t->kind == CT_TUPLE) != (f->name == NULL)) return false;
            if (t->kind == CT_VARIANT ? f->type && !type_ok(f->type, depth + 1)
                : t->kind == CT_ENUM || t->kind == CT_FLAGS ? f->type != NULL
                                                             : !type_ok(f->type, depth + 1))
                return false;
        }
        return true;
    default: return false;
    }
}

static bool func_ok(const ct_func *f) {
    if (!f->name) return false;
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!f->params[i].name || !type_ok(f->params[i].type, 0)) return false;
    for (uint32_t i = 0; i < f->nresults; i++) /* several results are named */
        if ((f->nresults > 1 && !f->results[i].name) || !type_ok(f->results[i].type, 0))
            return false;
    return true;
}

static bool iface_ok(const wit_interface *f) {
    for (uint32_t i = 0; i < f->ntypes; i++)
        if (!f->types[i]->name || !type_ok(f->types[i], 0)) return false;
    for (uint32_t i = 0; i < f->nfuncs; i++)
        if (!func_ok(&f->funcs[i])) return false;
    return true;
}

/* Every type, function and world item of the document is complete. */
static bool model_ok(const wit_doc *d) {
    if (!d->package || !d->npackages || d->packages[d->npackages - 1] != d->package) return false;
    for (uint32_t p = 0; p < d->npackages; p++) {
        const wit_package *k = d->packages[p];
        if (!k->ns || !k->name || !k->id) return false;
        for (uint32_t i = 0; i < k->ninterfaces; i++)
            if (!k->interfaces[i]->qualified || k->interfaces[i]->package != k ||
                !iface_ok(k->interfaces[i]))
                return false;
        for (uint32_t i = 0; i < k->nworlds; i++) {
            const wit_world *w = k->worlds[i];
            if (w->package != k || !w->qualified) return false;
            for (uint32_t j = 0; j < w->ntypes; j++)
                if (!type_ok(w->types[j], 0)) return false;
            for (uint32_t j = 0; j < w->nimports + w->nexports; j++) {
                const wit_world_item *it =
                    j < w->nimports ? &w->imports[j] : &w->exports[j - w->nimports];
                if (!it->name) return false;
                if (it->kind == WIT_ITEM_FUNC ? !it->func || !func_ok(it->func)
                                              : !it->iface || !iface_ok(it->iface))
                    return false;
                if ((it->kind == WIT_ITEM_INTERFACE) != (it->iface && it->iface->qualified != NULL))
                    return false;
            }
        }
    }
    return true;
}

static wit_doc *parse_ok(int line, const char *text) {
    char *err = NULL;
    wit_doc *d = wit_parse(text, strlen(text), PATH, &err);
    check_at(d != NULL, __FILE__, line, "the document parses");
    if (!d) fprintf(stderr, "  %s\n", err ? err : "(no message)");
    if (d) check_at(model_ok(d), __FILE__, line, "the model is complete");
    free(err);
    valid_docs++;
    return d;
}

#define PARSE_OK(text) parse_ok(__LINE__, (text))

static const ct_type *type_named(const wit_interface *f, const char *name) {
    for (uint32_t i = 0; f && i < f->ntypes; i++)
        if (!strcmp(f->types[i]->name, name)) return f->types[i];
    return NULL;
}

static const ct_func *func_named(const wit_interface *f, const char *name) {
    for (uint32_t i = 0; f && i < f->nfuncs; i++)
        if (!strcmp(f->funcs[i].name, name)) return &f->funcs[i];
    return NULL;
}

static const ct_type *field_type(const ct_type *t, const char *name) {
    for (uint32_t i = 0; t && i < t->nfields; i++)
        if (t->fields[i].name && !strcmp(t->fields[i].name, name)) return t->fields[i].type;
    return NULL;
}

static const char *desc(const ct_type *t) {
    static char buf[256];
    return ct_describe(t, buf, sizeof buf);
}

/* ---- valid documents ------------------------------------------------------------------------ */

static void test_package_versions(void) {
    static const struct {
        const char *decl, *ns, *name, *version, *id;
    } cases[] = {
        {"package a:b;", "a", "b", NULL, "a:b"},
        {"package wasi:http@0.2.0;", "wasi", "http", "0.2.0", "wasi:http@0.2.0"},
        {"package my-org:my-pkg@1.0.0-rc.1+build.5;", "my-org", "my-pkg", "1.0.0-rc.1+build.5",
         "my-org:my-pkg@1.0.0-rc.1+build.5"},
        {"package x:y@1.2.3-alpha.beta.0;", "x", "y", "1.2.3-alpha.beta.0",
         "x:y@1.2.3-alpha.beta.0"},
        {"package x:y@10.20.30+meta-data.007;", "x", "y", "10.20.30+meta-data.007",
         "x:y@10.20.30+meta-data.007"},
        {"package  x : y @ 0.0.0 ;", "x", "y", "0.0.0", "x:y@0.0.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[256];
        snprintf(text, sizeof text, "%s\ninterface i {}\nworld w { import i; }\n", cases[i].decl);
        wit_doc *d = PARSE_OK(text);
        if (!d) continue;
        const wit_package *k = d->package;
        CHECK_EQ_STR(k->ns, cases[i].ns);
        CHECK_EQ_STR(k->name, cases[i].name);
        if (cases[i].version)
            CHECK_EQ_STR(k->version, cases[i].version);
        else
            CHECK(k->version == NULL);
        CHECK_EQ_STR(k->id, cases[i].id);
        CHECK_EQ_INT(d->npackages, 1);
        CHECK(d->packages[0] == k);
        if (CHECK_EQ_INT(k->ninterfaces, 1) && CHECK_EQ_INT(k->nworlds, 1)) {
            char q[200];
            snprintf(q, sizeof q, "%s:%s/i%s%s", k->ns, k->name, k->version ? "@" : "",
                     k->version ? k->version : "");
            CHECK_EQ_STR(k->interfaces[0]->qualified, q);
            CHECK(k->interfaces[0]->package == k);
            if (CHECK_EQ_INT(k->worlds[0]->nimports, 1))
                CHECK_EQ_STR(k->worlds[0]->imports[0].name, q);
        }
        wit_free(d);
    }
}

static void test_record_and_primitives(void) {
    wit_doc *d = PARSE_OK(P "interface prims {\n"
                            "  record all {\n"
                            "    a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32,\n"
                            "    h: s64, i: u64, j: f32, k: f64, l: char, m: string,\n"
                            "    n: float32, o: float64,\n"
                            "  }\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "prims");
    REQUIRE(f);
    CHECK_EQ_STR(f->name, "prims");
    CHECK_EQ_STR(f->qualified, "a:b/prims");
    CHECK_EQ_STR(f->path, PATH);
    CHECK_EQ_INT(f->line, 2);
    CHECK_EQ_INT(f->col, 11);
    REQUIRE_EQ_INT(f->ntypes, 1);
    const ct_type *r = f->types[0];
    CHECK_EQ_INT(r->kind, CT_RECORD);
    CHECK_EQ_STR(r->name, "all");
    CHECK_EQ_INT(r->line, 3);
    CHECK_EQ_INT(r->col, 10);
    REQUIRE_EQ_INT(r->nfields, 15);
    static const ct_kind kinds[] = {CT_BOOL, CT_S8, CT_U8, CT_S16, CT_U16, CT_S32, CT_U32, CT_S64,
                                    CT_U64, CT_F32, CT_F64, CT_CHAR, CT_STRING, CT_F32, CT_F64};
    for (uint32_t i = 0; i < 15; i++) {
        char name[2] = {(char)('a' + i), 0};
        CHECK_EQ_STR(r->fields[i].name, name);
        CHECK_EQ_INT(r->fields[i].type->kind, kinds[i]);
        CHECK(r->fields[i].type->name == NULL);
    }
    CHECK(r->fields[1].type == r->fields[1].type); /* primitives are shared per document */
    CHECK(r->fields[9].type == r->fields[13].type);
done:
    wit_free(d);
}

static void test_variant_enum_flags(void) {
    wit_doc *d = PARSE_OK(P "interface i {\n"
                            "  variant shape { circle(f64), square(tuple<u32, u32>), none, }\n"
                            "  enum color { red, green, blue }\n"
                            "  flags perms { read, write, exec, }\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "i");
    REQUIRE(f);
    REQUIRE_EQ_INT(f->ntypes, 3);
    const ct_type *v = f->types[0], *e = f->types[1], *fl = f->types[2];
    CHECK_EQ_INT(v->kind, CT_VARIANT);
    CHECK_EQ_STR(v->name, "shape");
    REQUIRE_EQ_INT(v->nfields, 3);
    CHECK_EQ_STR(v->fields[0].name, "circle");
    CHECK_EQ_INT(v->fields[0].type->kind, CT_F64);
    CHECK_EQ_STR(v->fields[1].name, "square");
    CHECK_EQ_STR(desc(v->fields[1].type), "tuple<u32, u32>");
    CHECK_EQ_STR(v->fields[2].name, "none");
    CHECK(v->fields[2].type == NULL);
    CHECK_EQ_INT(e->kind, CT_ENUM);
    REQUIRE_EQ_INT(e->nfields, 3);
    CHECK_EQ_STR(e->fields[2].name, "blue");
    CHECK(e->fields[0].type == NULL);
    CHECK_EQ_INT(fl->kind, CT_FLAGS);
    REQUIRE_EQ_INT(fl->nfields, 3);
    CHECK_EQ_STR(fl->fields[0].name, "read");
    CHECK_EQ_STR(fl->fields[2].name, "exec");
done:
    wit_free(d);
}

static void test_aliases_and_forward_names(void) {
    wit_doc *d = PARSE_OK(P "interface i {\n"
                            "  type z = list<y>;\n" /* y and x are defined later */
                            "  type y = x;\n"
                            "  type x = u32;\n"
                            "  record r { a: z, b: later }\n"
                            "  enum later { one }\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "i");
    const ct_type *z = type_named(f, "z"), *y = type_named(f, "y"), *x = type_named(f, "x");
    const ct_type *r = type_named(f, "r"), *later = type_named(f, "later");
    REQUIRE(z && y && x && r && later);
    CHECK_EQ_INT(z->kind, CT_ALIAS);
    REQUIRE(z->elem);
    CHECK_EQ_INT(z->elem->kind, CT_LIST);
    CHECK(z->elem->elem == y); /* named types resolve to the definitions themselves */
    CHECK_EQ_INT(y->kind, CT_ALIAS);
    CHECK(y->elem == x);
    CHECK_EQ_INT(x->kind, CT_ALIAS);
    CHECK_EQ_INT(x->elem->kind, CT_U32);
    CHECK_EQ_INT(ct_resolve(y)->kind, CT_U32);
    CHECK(field_type(r, "a") == z);
    CHECK(field_type(r, "b") == later);
    /* declaration order */
    CHECK(f->types[0] == z && f->types[3] == r && f->types[4] == later);
done:
    wit_free(d);
}

static void test_result_option_list_tuple(void) {
    wit_doc *d = PARSE_OK(P "interface i {\n"
                            "  enum errno { bad }\n"
                            "  type t1 = result;\n"
                            "  type t2 = result<string>;\n"
                            "  type t3 = result<_, errno>;\n"
                            "  type t4 = result<char, errno>;\n"
                            "  type t5 = option<option<u8>>;\n"
                            "  type t6 = list<tuple<u8, string, list<bool>>>;\n"
                            "  type t7 = tuple<u64,>;\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "i");
    const ct_type *errno_t = type_named(f, "errno");
    const ct_type *t1 = type_named(f, "t1")->elem, *t2 = type_named(f, "t2")->elem;
    const ct_type *t3 = type_named(f, "t3")->elem, *t4 = type_named(f, "t4")->elem;
    CHECK_EQ_INT(t1->kind, CT_RESULT);
    CHECK(t1->ok == NULL && t1->err == NULL);
    CHECK_EQ_INT(t2->kind, CT_RESULT);
    CHECK(t2->ok && t2->ok->kind == CT_STRING && t2->err == NULL);
    CHECK(t3->ok == NULL && t3->err == errno_t);
    CHECK(t4->ok && t4->ok->kind == CT_CHAR && t4->err == errno_t);
    CHECK_EQ_STR(desc(type_named(f, "t5")->elem), "option<option<u8>>");
    CHECK_EQ_STR(desc(type_named(f, "t6")->elem), "list<tuple<u8, string, list<bool>>>");
    const ct_type *t7 = type_named(f, "t7")->elem;
    CHECK_EQ_INT(t7->kind, CT_TUPLE);
    CHECK_EQ_INT(t7->nfields, 1);
    CHECK(t7->fields[0].name == NULL);
done:
    wit_free(d);
}

static void test_functions(void) {
    wit_doc *d = PARSE_OK(P "interface i {\n"
                            "  none: func();\n"
                            "  one: func(a: u32) -> string;\n"
                            "  two: func(a: u32, b: list<u8>,) -> (x: u32, y: option<string>);\n"
                            "  empty-results: func() -> ();\n"
                            "  get-result: func() -> result<u32>;\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "i");
    REQUIRE(f);
    REQUIRE_EQ_INT(f->nfuncs, 5);
    const ct_func *none = &f->funcs[0], *one = &f->funcs[1], *two = &f->funcs[2];
    CHECK_EQ_STR(none->name, "none");
    CHECK_EQ_INT(none->nparams, 0);
    CHECK_EQ_INT(none->nresults, 0);
    CHECK_EQ_INT(none->line, 3);
    CHECK_EQ_INT(none->col, 3);
    CHECK_EQ_STR(one->name, "one");
    REQUIRE_EQ_INT(one->nparams, 1);
    CHECK_EQ_STR(one->params[0].name, "a");
    CHECK_EQ_INT(one->params[0].type->kind, CT_U32);
    REQUIRE_EQ_INT(one->nresults, 1);
    CHECK(one->results[0].name == NULL);
    CHECK_EQ_INT(one->results[0].type->kind, CT_STRING);
    REQUIRE_EQ_INT(two->nparams, 2);
    CHECK_EQ_STR(desc(two->params[1].type), "list<u8>");
    REQUIRE_EQ_INT(two->nresults, 2);
    CHECK_EQ_STR(two->results[0].name, "x");
    CHECK_EQ_STR(two->results[1].name, "y");
    CHECK_EQ_STR(desc(two->results[1].type), "option<string>");
    CHECK_EQ_INT(f->funcs[3].nresults, 0);
    CHECK_EQ_STR(desc(f->funcs[4].results[0].type), "result<u32>");
done:
    wit_free(d);
}

static void test_resources(void) {
    wit_doc *d = PARSE_OK(P "interface blobs {\n"
                            "  resource blob {\n"
                            "    constructor(init: list<u8>);\n"
                            "    write: func(bytes: list<u8>);\n"
                            "    read: func(n: u32) -> list<u8>;\n"
                            "    merge: static func(lhs: borrow<blob>, rhs: own<blob>) -> blob;\n"
                            "  }\n"
                            "  resource empty;\n"
                            "  resource no-funcs {}\n"
                            "  type also-blob = blob;\n"
                            "  record holder { b: blob, more: list<also-blob> }\n"
                            "  take: func(b: borrow<also-blob>, e: empty);\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "blobs");
    REQUIRE(f);
    REQUIRE_EQ_INT(f->ntypes, 5);
    const ct_type *blob = f->types[0];
    CHECK_EQ_INT(blob->kind, CT_RESOURCE);
    CHECK_EQ_STR(blob->name, "blob");
    CHECK_EQ_INT(f->types[1]->kind, CT_RESOURCE);
    CHECK_EQ_INT(f->types[2]->kind, CT_RESOURCE);
    REQUIRE_EQ_INT(f->nfuncs, 5);
    const ct_func *ctor = &f->funcs[0], *wr = &f->funcs[1], *rd = &f->funcs[2];
    const ct_func *merge = &f->funcs[3];
    CHECK_EQ_STR(ctor->name, "[constructor]blob");
    REQUIRE_EQ_INT(ctor->nparams, 1);
    CHECK_EQ_STR(ctor->params[0].name, "init");
    REQUIRE_EQ_INT(ctor->nresults, 1);
    CHECK_EQ_INT(ctor->results[0].type->kind, CT_OWN);
    CHECK(ctor->results[0].type->elem == blob);
    CHECK_EQ_STR(wr->name, "[method]blob.write");
    REQUIRE_EQ_INT(wr->nparams, 2);
    CHECK_EQ_STR(wr->params[0].name, "self");
    CHECK_EQ_INT(wr->params[0].type->kind, CT_BORROW);
    CHECK(wr->params[0].type->elem == blob);
    CHECK_EQ_STR(wr->params[1].name, "bytes");
    CHECK_EQ_INT(wr->nresults, 0);
    CHECK_EQ_STR(rd->name, "[method]blob.read");
    CHECK_EQ_STR(desc(rd->results[0].type), "list<u8>");
    CHECK_EQ_STR(merge->name, "[static]blob.merge");
    REQUIRE_EQ_INT(merge->nparams, 2);
    CHECK_EQ_INT(merge->params[0].type->kind, CT_BORROW);
    CHECK(merge->params[0].type->elem == blob);
    CHECK_EQ_INT(merge->params[1].type->kind, CT_OWN);
    CHECK(merge->params[1].type->elem == blob);
    CHECK_EQ_INT(merge->results[0].type->kind, CT_OWN); /* a resource by name: owned */
    CHECK(merge->results[0].type->elem == blob);
    /* `type also-blob = blob` names the resource itself; used, it is an owned handle */
    const ct_type *also = type_named(f, "also-blob");
    CHECK(also && also->kind == CT_ALIAS && also->elem == blob);
    const ct_type *holder = type_named(f, "holder");
    const ct_type *b = field_type(holder, "b"), *more = field_type(holder, "more");
    CHECK(b && b->kind == CT_OWN && b->elem == blob);
    CHECK(more && more->kind == CT_LIST && more->elem->kind == CT_OWN && more->elem->elem == blob);
    const ct_func *take = &f->funcs[4];
    CHECK_EQ_STR(take->name, "take");
    CHECK(take->params[0].type->kind == CT_BORROW && take->params[0].type->elem == blob);
    CHECK(take->params[1].type->kind == CT_OWN && take->params[1].type->elem == f->types[1]);
done:
    wit_free(d);
}

static void test_use(void) {
    wit_doc *d = PARSE_OK(P "interface consumer {\n"
                            "  use types.{point, file as f, size};\n"
                            "  use again.{point as p2};\n"
                            "  open: func(at: point) -> f;\n"
                            "  read: func(h: borrow<f>, n: size) -> p2;\n"
                            "}\n"
                            "interface types {\n"
                            "  record point { x: s32 }\n"
                            "  resource file;\n"
                            "  type size = u64;\n"
                            "}\n"
                            "interface again { use types.{point}; }\n");
    REQUIRE(d);
    const wit_interface *c = wit_find_interface(d, "consumer");
    const wit_interface *t = wit_find_interface(d, "types");
    const wit_interface *a = wit_find_interface(d, "again");
    REQUIRE(c && t && a);
    const ct_type *point = type_named(t, "point"), *file = type_named(t, "file");
    REQUIRE_EQ_INT(c->ntypes, 4);
    const ct_type *up = c->types[0], *uf = c->types[1], *us = c->types[2], *up2 = c->types[3];
    CHECK_EQ_STR(up->name, "point");
    CHECK_EQ_INT(up->kind, CT_ALIAS);
    CHECK(up->elem == point);
    CHECK_EQ_STR(uf->name, "f");
    CHECK(uf->kind == CT_ALIAS && uf->elem == file);
    CHECK(us->kind == CT_ALIAS && us->elem == type_named(t, "size"));
    CHECK_EQ_INT(ct_resolve(us)->kind, CT_U64);
    /* a use of a use: the alias chain ends at the definition */
    CHECK_EQ_STR(up2->name, "p2");
    CHECK(up2->elem == type_named(a, "point"));
    CHECK(ct_resolve(up2) == point);
    const ct_func *open = func_named(c, "open"), *rd = func_named(c, "read");
    REQUIRE(open && rd);
    CHECK(open->params[0].type == up);
    CHECK(open->results[0].type->kind == CT_OWN && open->results[0].type->elem == file);
    CHECK(rd->params[0].type->kind == CT_BORROW && rd->params[0].type->elem == file);
    CHECK(rd->params[1].type == us);
    CHECK(rd->results[0].type == up2);
    REQUIRE_EQ_INT(c->nuses, 2);
    CHECK(c->uses[0] == t && c->uses[1] == a);
    CHECK_EQ_INT(t->nuses, 0);
done:
    wit_free(d);
}

static void test_escaped_and_kebab_names(void) {
    wit_doc *d = PARSE_OK(P "interface %interface {\n"
                            "  record %record { %type: u8, %list: string, x1-y2: bool }\n"
                            "  %func: func(%own: %record) -> %record;\n"
                            "  HTTP-get: func(xml-HTTP-request2: u8);\n"
                            "  %u32: func();\n"
                            "}\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "interface");
    REQUIRE(f);
    const ct_type *r = type_named(f, "record");
    REQUIRE(r);
    REQUIRE_EQ_INT(r->nfields, 3);
    CHECK_EQ_STR(r->fields[0].name, "type");
    CHECK_EQ_STR(r->fields[1].name, "list");
    CHECK_EQ_STR(r->fields[2].name, "x1-y2");
    const ct_func *fn = func_named(f, "func");
    REQUIRE(fn);
    CHECK_EQ_STR(fn->params[0].name, "own");
    CHECK(fn->params[0].type == r && fn->results[0].type == r);
    fn = func_named(f, "HTTP-get");
    REQUIRE(fn);
    CHECK_EQ_STR(fn->params[0].name, "xml-HTTP-request2");
    CHECK(func_named(f, "u32") != NULL);
done:
    wit_free(d);
}

static void test_comments_and_whitespace(void) {
    wit_doc *d = PARSE_OK("// leading comment\r\n"
                          "/* block /* nested */ still comment */ package a:b;\r\n"
                          "/// doc comment\r\n"
                          "interface i {\r\n"
                          "\t/** doc block */ x: func(/* inline */ a: u32); // trailing\r\n"
                          "}\r\n"
                          "// comment at the end without newline");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "i");
    REQUIRE(f);
    CHECK_EQ_INT(f->line, 4);
    REQUIRE_EQ_INT(f->nfuncs, 1);
    CHECK_EQ_INT(f->funcs[0].line, 5);
    CHECK_EQ_INT(f->funcs[0].col, 19);
    wit_free(d);
    /* Columns count characters, not bytes. */
    d = PARSE_OK(P "// h\xc3\xa9llo w\xc3\xb6rld\n"
                   "/* \xe2\x82\xac */ interface i {}\n");
    REQUIRE(d);
    f = wit_find_interface(d, "i");
    REQUIRE(f);
    CHECK_EQ_INT(f->line, 3);
    CHECK_EQ_INT(f->col, 19);
done:
    wit_free(d);
}

static void test_world_items(void) {
    wit_doc *d = PARSE_OK(P "interface store { get: func(k: string) -> option<list<u8>>; }\n"
                            "world app {\n"
                            "  import store;\n"
                            "  import other:pkg/logging@2.0.0;\n"
                            "  import log: func(msg: string);\n"
                            "  import env: interface {\n"
                            "    get: func(name: string) -> option<string>;\n"
                            "  }\n"
                            "  export run: func() -> result;\n"
                            "  export store;\n"
                            "  export handler: interface { handle: func(); };\n"
                            "}\n"
                            "package other:pkg@2.0.0 {\n"
                            "  interface logging { log: func(s: string); }\n"
                            "}\n");
    REQUIRE(d);
    const wit_world *w = wit_find_world(d, "app");
    REQUIRE(w);
    CHECK_EQ_STR(w->name, "app");
    CHECK_EQ_STR(w->qualified, "a:b/app");
    CHECK(w->package == d->package);
    CHECK_EQ_INT(w->line, 3);
    REQUIRE_EQ_INT(w->nimports, 4);
    const wit_world_item *im = w->imports;
    CHECK_EQ_INT(im[0].kind, WIT_ITEM_INTERFACE);
    CHECK_EQ_STR(im[0].name, "a:b/store");
    CHECK(im[0].iface == wit_find_interface(d, "store"));
    CHECK(!im[0].implicit);
    CHECK_EQ_INT(im[0].line, 4);
    CHECK_EQ_INT(im[0].col, 10);
    CHECK_EQ_INT(im[1].kind, WIT_ITEM_INTERFACE);
    CHECK_EQ_STR(im[1].name, "other:pkg/logging@2.0.0");
    CHECK(im[1].iface == wit_find_interface(d, "other:pkg/logging@2.0.0"));
    CHECK(im[1].iface && im[1].iface->package != d->package);
    CHECK_EQ_INT(im[2].kind, WIT_ITEM_FUNC);
    CHECK_EQ_STR(im[2].name, "log");
    REQUIRE(im[2].func);
    CHECK_EQ_STR(im[2].func->name, "log");
    CHECK_EQ_INT(im[2].func->nparams, 1);
    CHECK_EQ_INT(im[3].kind, WIT_ITEM_INLINE);
    CHECK_EQ_STR(im[3].name, "env");
    REQUIRE(im[3].iface);
    CHECK_EQ_STR(im[3].iface->name, "env");
    CHECK(im[3].iface->qualified == NULL);
    CHECK(im[3].iface->world == w);
    CHECK(im[3].iface->package == d->package);
    CHECK_EQ_INT(im[3].iface->nfuncs, 1);
    CHECK_EQ_STR(desc(im[3].iface->funcs[0].results[0].type), "option<string>");
    REQUIRE_EQ_INT(w->nexports, 3);
    CHECK_EQ_INT(w->exports[0].kind, WIT_ITEM_FUNC);
    CHECK_EQ_STR(w->exports[0].name, "run");
    CHECK_EQ_STR(desc(w->exports[0].func->results[0].type), "result");
    CHECK_EQ_INT(w->exports[1].kind, WIT_ITEM_INTERFACE); /* an ID may be imported and exported */
    CHECK_EQ_STR(w->exports[1].name, "a:b/store");
    CHECK_EQ_INT(w->exports[2].kind, WIT_ITEM_INLINE);
    CHECK_EQ_STR(w->exports[2].name, "handler");
    /* the inline interfaces are not the package's */
    CHECK_EQ_INT(d->package->ninterfaces, 1);
    CHECK_EQ_INT(d->npackages, 2);
    CHECK(d->packages[1] == d->package);
    CHECK_EQ_STR(d->packages[0]->id, "other:pkg@2.0.0");
done:
    wit_free(d);
}

static void test_world_types_and_use(void) {
    wit_doc *d = PARSE_OK(P "interface types { record point { x: u32 } }\n"
                            "world w {\n"
                            "  use types.{point};\n"
                            "  type id = u64;\n"
                            "  record pair { a: point, b: id }\n"
                            "  enum mode { fast, slow }\n"
                            "  resource handle;\n"
                            "  import get: func(m: mode) -> pair;\n"
                            "  export put: func(p: pair, h: handle);\n"
                            "}\n");
    REQUIRE(d);
    const wit_world *w = wit_find_world(d, "w");
    REQUIRE(w);
    REQUIRE_EQ_INT(w->ntypes, 5);
    CHECK_EQ_STR(w->types[0]->name, "point");
    CHECK(w->types[0]->kind == CT_ALIAS &&
          w->types[0]->elem == type_named(wit_find_interface(d, "types"), "point"));
    CHECK_EQ_STR(w->types[1]->name, "id");
    CHECK_EQ_INT(w->types[2]->kind, CT_RECORD);
    CHECK(field_type(w->types[2], "a") == w->types[0]);
    CHECK(field_type(w->types[2], "b") == w->types[1]);
    CHECK_EQ_INT(w->types[4]->kind, CT_RESOURCE);
    /* the world's `use` imports the interface it names */
    REQUIRE_EQ_INT(w->nimports, 2);
    CHECK_EQ_STR(w->imports[0].name, "get");
    CHECK(w->imports[0].func->params[0].type == w->types[3]);
    CHECK(w->imports[0].func->results[0].type == w->types[2]);
    CHECK_EQ_STR(w->imports[1].name, "a:b/types");
    CHECK(w->imports[1].implicit);
    REQUIRE_EQ_INT(w->nexports, 1);
    const ct_type *h = w->exports[0].func->params[1].type;
    CHECK(h->kind == CT_OWN && h->elem == w->types[4]);
done:
    wit_free(d);
}

static void test_include(void) {
    wit_doc *d = PARSE_OK(P "interface a { f: func(); }\n"
                            "interface b { g: func(); }\n"
                            "world one { import a; import x: func(); export b; type t = u8; }\n"
                            "world two { import a; import x: func(s: string); }\n"
                            "world both {\n"
                            "  import first: func();\n"
                            "  include one;\n"
                            "  include two with { x as x2 };\n"
                            "  export last: func();\n"
                            "}\n"
                            "world again { include both; include one; }\n");
    REQUIRE(d);
    const wit_world *both = wit_find_world(d, "both"), *one = wit_find_world(d, "one");
    REQUIRE(both && one);
    REQUIRE_EQ_INT(both->nimports, 4);
    CHECK_EQ_STR(both->imports[0].name, "first");
    CHECK_EQ_STR(both->imports[1].name, "a:b/a"); /* from one; two's is the same: once */
    CHECK_EQ_STR(both->imports[2].name, "x");
    CHECK_EQ_INT(both->imports[2].func->nparams, 0);
    CHECK(both->imports[2].func == one->imports[1].func);
    CHECK_EQ_STR(both->imports[3].name, "x2");
    CHECK_EQ_STR(both->imports[3].func->name, "x2");
    CHECK_EQ_INT(both->imports[3].func->nparams, 1);
    REQUIRE_EQ_INT(both->nexports, 2);
    CHECK_EQ_STR(both->exports[0].name, "a:b/b");
    CHECK_EQ_STR(both->exports[1].name, "last");
    REQUIRE_EQ_INT(both->ntypes, 1);
    CHECK(both->types[0] == one->types[0]);
    /* including a world twice over two paths adds nothing twice */
    const wit_world *again = wit_find_world(d, "again");
    REQUIRE(again);
    CHECK_EQ_INT(again->nimports, 4);
    CHECK_EQ_INT(again->nexports, 2);
    CHECK_EQ_INT(again->ntypes, 1);
done:
    wit_free(d);
}

static void test_implicit_imports(void) {
    wit_doc *d = PARSE_OK(P "interface base { record r { x: u8 } }\n"
                            "interface mid { use base.{r}; get: func() -> r; }\n"
                            "interface top { use mid.{r}; put: func(v: r); }\n"
                            "interface lone { f: func(); }\n"
                            "world w {\n"
                            "  import top;\n"
                            "  export lone;\n"
                            "  export mid;\n"
                            "  export inl: interface { use base.{r}; }\n"
                            "}\n");
    REQUIRE(d);
    const wit_world *w = wit_find_world(d, "w");
    REQUIRE(w);
    /* top needs mid needs base: imported after the written imports, dependencies first */
    REQUIRE_EQ_INT(w->nimports, 3);
    CHECK_EQ_STR(w->imports[0].name, "a:b/top");
    CHECK(!w->imports[0].implicit);
    CHECK_EQ_STR(w->imports[1].name, "a:b/base");
    CHECK(w->imports[1].implicit);
    CHECK_EQ_STR(w->imports[2].name, "a:b/mid");
    CHECK(w->imports[2].implicit);
    CHECK_EQ_INT(w->imports[2].line, 7); /* where the import that needs it is */
    REQUIRE_EQ_INT(w->nexports, 3);
    CHECK_EQ_STR(w->exports[1].name, "a:b/mid");
    const wit_interface *top = wit_find_interface(d, "top");
    REQUIRE(top);
    REQUIRE_EQ_INT(top->nuses, 1);
    CHECK(top->uses[0] == wit_find_interface(d, "mid"));
done:
    wit_free(d);
}

static void test_toplevel_use_and_nested_packages(void) {
    wit_doc *d = PARSE_OK("package app:main@0.1.0;\n"
                          "use dep:io/streams@1.0.0 as s1;\n"
                          "use dep:io/streams@2.0.0;\n"
                          "interface mine {\n"
                          "  use s1.{pipe};\n"
                          "  use streams.{pipe as pipe2};\n"
                          "  copy: func(a: borrow<pipe>, b: borrow<pipe2>);\n"
                          "}\n"
                          "world w { import s1; import streams; export mine; }\n"
                          "package dep:io@1.0.0 { interface streams { resource pipe; } }\n"
                          "package dep:io@2.0.0 {\n"
                          "  interface streams { resource pipe; }\n"
                          "  world other { import streams; }\n"
                          "}\n");
    REQUIRE(d);
    CHECK_EQ_STR(d->package->id, "app:main@0.1.0");
    REQUIRE_EQ_INT(d->npackages, 3);
    CHECK(d->packages[2] == d->package);
    const wit_interface *s1 = wit_find_interface(d, "dep:io/streams@1.0.0");
    const wit_interface *s2 = wit_find_interface(d, "dep:io/streams@2.0.0");
    REQUIRE(s1 && s2 && s1 != s2);
    CHECK_EQ_STR(s1->qualified, "dep:io/streams@1.0.0");
    CHECK(wit_find_interface(d, "streams") == NULL); /* short names: the main package's */
    const wit_interface *mine = wit_find_interface(d, "mine");
    REQUIRE(mine);
    const ct_func *copy = func_named(mine, "copy");
    REQUIRE(copy);
    CHECK(copy->params[0].type->elem == s1->types[0]);
    CHECK(copy->params[1].type->elem == s2->types[0]);
    const wit_world *w = wit_find_world(d, "w");
    REQUIRE(w);
    REQUIRE_EQ_INT(w->nimports, 2);
    CHECK_EQ_STR(w->imports[0].name, "dep:io/streams@1.0.0");
    CHECK_EQ_STR(w->imports[1].name, "dep:io/streams@2.0.0");
    const wit_world *other = wit_find_world(d, "dep:io/other@2.0.0");
    REQUIRE(other);
    CHECK(wit_find_world(d, "dep:io/other") == other);
    CHECK(wit_find_world(d, "other") == NULL);
    CHECK_EQ_STR(other->imports[0].name, "dep:io/streams@2.0.0");
done:
    wit_free(d);
}

static void test_only_nested_packages(void) {
    /* a file of nested packages only: the last is the main one */
    wit_doc *d = PARSE_OK("package x:one { interface i { f: func(); } }\n"
                          "package x:two { world w { import x:one/i; } }\n");
    REQUIRE(d);
    CHECK_EQ_STR(d->package->id, "x:two");
    CHECK_EQ_INT(d->npackages, 2);
    const wit_world *w = wit_find_world(d, "w");
    REQUIRE(w);
    CHECK_EQ_STR(w->imports[0].name, "x:one/i");
done:
    wit_free(d);
}

static void test_gates(void) {
    wit_doc *d = PARSE_OK("package a:b@0.2.1;\n"
                          "@since(version = 0.2.0)\n"
                          "interface i {\n"
                          "  @since(version = 0.2.1)\n"
                          "  @deprecated(version = 0.2.2)\n"
                          "  f: func();\n"
                          "  @unstable(feature = fancy-foo)\n"
                          "  record r { x: u8 }\n"
                          "  resource res {\n"
                          "    @since(version = 0.2.1, feature = x)\n"
                          "    constructor();\n"
                          "  }\n"
                          "}\n"
                          "@unstable(feature = w)\n"
                          "world w { @since(version = 0.2.0) import i; }\n");
    REQUIRE(d);
    const wit_interface *f = wit_find_interface(d, "i");
    REQUIRE(f);
    CHECK_EQ_INT(f->nfuncs, 2);
    CHECK_EQ_INT(f->ntypes, 2);
    const wit_world *w = wit_find_world(d, "w");
    REQUIRE(w);
    CHECK_EQ_INT(w->nimports, 1);
done:
    wit_free(d);
}

static void test_find_and_free(void) {
    wit_doc *d = PARSE_OK("package a:b@1.0.0;\ninterface i {}\nworld w { import i; }\n");
    REQUIRE(d);
    const wit_world *w = wit_find_world(d, "w");
    CHECK(w != NULL);
    CHECK(wit_find_world(d, "a:b/w") == w);
    CHECK(wit_find_world(d, "a:b/w@1.0.0") == w);
    CHECK(wit_find_world(d, "a:b/w@1.0.1") == NULL);
    CHECK(wit_find_world(d, "a:c/w") == NULL);
    CHECK(wit_find_world(d, "i") == NULL);
    CHECK(wit_find_world(d, NULL) == NULL);
    CHECK(wit_find_world(NULL, "w") == NULL);
    const wit_interface *i = wit_find_interface(d, "i");
    CHECK(i != NULL);
    CHECK(wit_find_interface(d, "a:b/i@1.0.0") == i);
    CHECK(wit_find_interface(d, "a:b/i") == i);
    CHECK(wit_find_interface(d, "w") == NULL);
done:
    wit_free(d);
    wit_free(NULL);
    /* text need not be NUL-terminated; err may be NULL */
    const char text[] = "package a:b;interface i{}XXXX";
    d = wit_parse(text, sizeof text - 5, NULL, NULL);
    CHECK(d != NULL);
    valid_docs++;
    wit_free(d);
    char *err = NULL;
    CHECK(wit_parse(text, sizeof text - 1, NULL, &err) == NULL);
    CHECK_CONTAINS(err, "<input>:1:26: ");
    free(err);
}

static void test_limits_accepted(void) {
    /* WIT_MAX_NESTING levels in one definition (the definition itself is one) */
    char text[2048];
    int n = snprintf(text, sizeof text, P "interface i { type t = ");
    for (int i = 0; i < WIT_MAX_NESTING - 2; i++) n += snprintf(text + n, sizeof text - n, "list<");
    n += snprintf(text + n, sizeof text - n, "u8");
    for (int i = 0; i < WIT_MAX_NESTING - 2; i++) n += snprintf(text + n, sizeof text - n, ">");
    snprintf(text + n, sizeof text - n, "; }\n");
    wit_doc *d = PARSE_OK(text);
    wit_free(d);
    /* an identifier of WIT_MAX_IDENT bytes */
    char name[WIT_MAX_IDENT + 1];
    memset(name, 'a', WIT_MAX_IDENT);
    name[WIT_MAX_IDENT] = 0;
    snprintf(text, sizeof text, P "interface %s {}\n", name);
    d = PARSE_OK(text);
    CHECK(d && wit_find_interface(d, name) != NULL);
    wit_free(d);
}

/* ---- invalid documents ---------------------------------------------------------------------- */

typedef struct bad_case {
    int line;
    const char *text;
    const char *pos; /* "line:col" */
    const char *phrase;
} bad_case;

#define LONG_NAME                                                                                \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 255 */
#define NEST8 "list<list<list<list<list<list<list<list<"
#define CLOSE8 ">>>>>>>>"

static const bad_case bad_cases[] = {
    /* syntax */
    {__LINE__, P "interface i {\n  record r { x u32 }\n}\n", "3:16",
     "expected ':' after the field name 'x', found 'u32'"},
    {__LINE__, P "interface i {\n  record r { x: u32 y: u32 }\n}\n", "3:21",
     "expected ',' or '}' after the field 'x', found 'y'"},
    {__LINE__, P "interface i {\n  record r { x: }\n}\n", "3:17", "expected a type, found '}'"},
    {__LINE__, P "interface i {\n  record r {}\n}\n", "3:13",
     "record 'r' needs at least one field"},
    {__LINE__, P "interface i {\n  enum e {}\n}\n", "3:11", "enum 'e' needs at least one case"},
    {__LINE__, P "interface i {\n  f: func()\n}\n", "4:1",
     "expected ';' after the function 'f', found '}'"},
    {__LINE__, P "interface i {\n  f: u32;\n}\n", "3:6", "expected 'func' after 'f:', found 'u32'"},
    {__LINE__, P "interface i {\n  f: func(a u32);\n}\n", "3:13",
     "expected ':' after the parameter name 'a', found 'u32'"},
    {__LINE__, P "interface i {\n  f: func() -> ;\n}\n", "3:16", "expected a type, found ';'"},
    {__LINE__, P "interface i {\n  type t = result<_>;\n}\n", "3:20",
     "expected ',' after '_' in 'result<_, E>', found '>'"},
    {__LINE__, P "interface i {\n  type t = list<u8;\n}\n", "3:19",
     "expected '>' to close 'list<', found ';'"},
    {__LINE__, P "interface i {\n  type t = tuple<>;\n}\n", "3:18", "expected a type, found '>'"},
    {__LINE__, P "interface i {\n  f: func();\n", "4:1",
     "expected '}' to close interface 'i', found end of file"},
    {__LINE__, P "interface i {\n  u32: func();\n}\n", "3:3",
     "expected a type definition, 'use', a function or '}' in interface 'i', found 'u32'"},
    {__LINE__, P "record r { x: u8 }\n", "2:1",
     "expected 'interface', 'world', 'use' or 'package' at the top level, found 'record'"},
    {__LINE__, P "interface i {}\npackage a:b;\n", "3:12",
     "expected '{' after 'package a:b' (a 'package ...;' declaration must come first"},
    {__LINE__, "package a:b interface i {}\n", "1:13",
     "expected ';' or '{' after the package name 'a:b', found 'interface'"},
    {__LINE__, "package a;\n", "1:10", "expected ':' after the namespace 'a'"},
    {__LINE__, "package a:b:c;\n", "1:12", "nested namespaces and packages"},
    {__LINE__, P "interface i {\n  f: func() - u32;\n}\n", "3:13", "unexpected character '-'"},
    {__LINE__, P "interface i {\n  f: func() -> $;\n}\n", "3:16", "unexpected character '$'"},
    {__LINE__, P "interface i {\n  caf\xc3\xa9: func();\n}\n", "3:6",
     "unexpected character U+00E9"},
    {__LINE__, P "interface i {\n  f: static func();\n}\n", "3:6",
     "'static' functions belong in a resource"},
    {__LINE__, P "interface i {\n  f: async func();\n}\n", "3:6",
     "async functions are not supported"},
    {__LINE__, P "interface i {\n  type t = stream<u8>;\n}\n", "3:12",
     "'stream' types are not supported"},
    {__LINE__, P "interface i {\n  resource r { f: func() }\n}\n", "3:26",
     "expected ';' after the function 'f' of resource 'r', found '}'"},
    {__LINE__, P "interface i {\n  resource r { u8 }\n}\n", "3:16",
     "expected 'constructor', a function name or '}' in resource 'r', found 'u8'"},
    {__LINE__, P "interface i {\n  resource r\n}\n", "4:1",
     "expected ';' or '{' after the resource name 'r', found '}'"},
    {__LINE__, P "world w {\n  foo;\n}\n", "3:3",
     "expected 'import', 'export', 'include', 'use', a type definition or '}' in world 'w', "
     "found 'foo'"},
    {__LINE__, P "world w {\n  import foo: u32;\n}\n", "3:15",
     "expected 'func', 'interface' or a package name after 'import foo:', found 'u32'"},
    {__LINE__, P "world w {\n  import foo\n}\n", "4:1",
     "expected ';' after 'import foo', found '}'"},
    {__LINE__, P "interface i {\n  use j.{};\n}\n", "3:10", "expected a name in 'use j.{...}'"},
    {__LINE__, P "interface i {\n  use j;\n}\n", "3:8", "expected '.' after 'use j'"},
    {__LINE__, P "world w {\n  include x with { a b };\n}\n", "3:22",
     "expected 'as' after 'a' in 'with { ... }', found 'b'"},
    {__LINE__, P "@nope(version = 1.0.0)\ninterface i {}\n", "2:2",
     "unknown gate '@nope' (expected @since, @unstable or @deprecated)"},
    {__LINE__, P "@since(ver = 1.0.0)\ninterface i {}\n", "2:8",
     "expected 'version' or 'feature' in '@since(...)', found 'ver'"},
    {__LINE__, P "interface i {\n  type t = " NEST8 NEST8 NEST8 NEST8 NEST8 NEST8 NEST8 NEST8
                 "u8" CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 ";\n}\n",
     "3:327", "types nested deeper than 64 levels"},
    /* identifiers */
    {__LINE__, P "interface Foo-bar {}\n", "2:11",
     "invalid identifier 'Foo-bar': the word 'Foo' mixes upper and lower case"},
    {__LINE__, P "interface foo_bar {}\n", "2:11",
     "invalid identifier 'foo_bar': '_' is not allowed"},
    {__LINE__, P "interface foo--bar {}\n", "2:11",
     "invalid identifier 'foo--bar': empty word between '-'"},
    {__LINE__, P "interface foo- {}\n", "2:11", "invalid identifier 'foo-': it ends with '-'"},
    {__LINE__, P "interface a-1b {}\n", "2:11",
     "invalid identifier 'a-1b': the word '1b' starts with a digit"},
    {__LINE__, P "interface 1a {}\n", "2:11", "expected a name after 'interface', found '1'"},
    {__LINE__, P "interface i {\n  type type = u32;\n}\n", "3:8",
     "expected a name after 'type', found 'type' (a keyword: write '%type' to use it as a name)"},
    {__LINE__, P "interface i {\n  record r { list: u8 }\n}\n", "3:14",
     "expected a name for a field of record 'r', found 'list' (a keyword"},
    {__LINE__, P "interface % {}\n", "2:11", "expected an identifier after '%'"},
    {__LINE__, P "interface " LONG_NAME "aa {}\n", "2:11", "is longer than 256 bytes"},
    /* versions */
    {__LINE__, "package a:b@1.2;\n", "1:13", "bad version '1.2': expected MAJOR.MINOR.PATCH"},
    {__LINE__, "package a:b@01.2.3;\n", "1:13", "bad version '01.2.3': leading zero in '01'"},
    {__LINE__, "package a:b@1.0.0-;\n", "1:13",
     "bad version '1.0.0-': empty pre-release identifier"},
    {__LINE__, "package a:b@1.0.0-01;\n", "1:13",
     "leading zero in the pre-release identifier '01'"},
    {__LINE__, "package a:b@1.0.0+;\n", "1:13", "bad version '1.0.0+': empty build identifier"},
    {__LINE__, "package a:b@1.0.0x;\n", "1:13", "unexpected 'x' after MAJOR.MINOR.PATCH"},
    {__LINE__, "package a:b@;\n", "1:13", "expected a version after '@', found ';'"},
    {__LINE__, P "interface i {\n  use c:d/e@1.x.0.{t};\n}\n", "3:13", "bad version '1.x.0'"},
    /* comments and text */
    {__LINE__, P "/* open\ninterface i {}\n", "2:1", "unterminated comment (expected '*/')"},
    {__LINE__, P "interface i {} /* a /* b */\n", "2:16", "unterminated comment"},
    {__LINE__, P "interface i {}\n\x01", "3:1", "control character U+0001 is not allowed"},
    {__LINE__, P "// \xe2\x80\xae\n", "2:4", "bidirectional override U+202E is not allowed"},
    {__LINE__, P "// ok \xc3\x28\n", "2:7", "invalid UTF-8"},
    {__LINE__, P "// \xed\xa0\x80\n", "2:4", "invalid UTF-8"},
    /* the package declaration */
    {__LINE__, "interface i {}\n", "1:1",
     "expected a package declaration ('package ns:name;') before the first item, "
     "found 'interface'"},
    {__LINE__, "// nothing\n", "2:1",
     "expected a package declaration ('package ns:name;'), found end of file"},
    {__LINE__, "package a:b { interface i {} }\npackage a:b { world w {} }\n", "2:1",
     "package 'a:b' is defined twice (also at line 1)"},
    {__LINE__, "package a:b;\npackage c:d { package e:f {} }\n", "2:15",
     "a package cannot be declared inside another"},
    /* names */
    {__LINE__, P "interface i {\n  f: func() -> foo;\n}\n", "3:16", "unknown type 'foo'"},
    {__LINE__, P "interface i {\n  type a = u32;\n  type a = u64;\n}\n", "4:8",
     "'a' is already defined in interface 'i' (at line 3)"},
    {__LINE__, P "interface i {\n  record a { x: u8 }\n  a: func();\n}\n", "4:3",
     "'a' is already defined in interface 'i'"},
    {__LINE__, P "interface i {\n  use j.{t};\n  enum t { x }\n}\ninterface j { type t = u8; }\n",
     "4:8", "'t' is already defined in interface 'i' (at line 3)"},
    {__LINE__, P "interface i {}\nworld i {}\n", "3:7",
     "'i' is already defined in this package (at line 2)"},
    {__LINE__, P "interface i {\n  f: func(a: u32, a: u32);\n}\n", "3:19",
     "duplicate parameter 'a' in function 'f'"},
    {__LINE__, P "interface i {\n  f: func() -> (a: u32, a: u32);\n}\n", "3:25",
     "duplicate result 'a' in function 'f'"},
    {__LINE__, P "interface i {\n  enum e { a, b, a }\n}\n", "3:18", "duplicate case 'a' in enum 'e'"},
    {__LINE__, P "interface i {\n  flags f { a, a }\n}\n", "3:16", "duplicate flag 'a' in flags 'f'"},
    {__LINE__, P "interface i {\n  record r { x: u8, x: u8 }\n}\n", "3:21",
     "duplicate field 'x' in record 'r'"},
    {__LINE__, P "interface i {\n  f: func();\n  g: func() -> f;\n}\n", "4:16",
     "'f' is a function, not a type"},
    {__LINE__, P "interface i {\n  type t = borrow<u>;\n  type u = u32;\n}\n", "3:19",
     "borrow<u> needs a resource, but 'u' is a type alias"},
    {__LINE__, P "interface i {\n  record u { x: u8 }\n  f: func(x: own<u>);\n}\n", "4:18",
     "own<u> needs a resource, but 'u' is a record"},
    /* cycles */
    {__LINE__, P "interface i {\n  type a = b;\n  type b = a;\n}\n", "4:12",
     "type 'a' refers to itself (a -> b -> a)"},
    {__LINE__, P "interface i {\n  type a = a;\n}\n", "3:12", "type 'a' refers to itself (a -> a)"},
    {__LINE__, P "interface i {\n  record r { x: u8, next: r }\n}\n", "3:27",
     "type 'r' refers to itself (r -> r)"},
    {__LINE__, P "interface i {\n  record r { x: list<r> }\n}\n", "3:22",
     "type 'r' refers to itself"},
    {__LINE__, P "interface i {\n  variant v { a(w) }\n  record w { x: option<v> }\n}\n", "4:24",
     "type 'v' refers to itself (v -> w -> v)"},
    {__LINE__,
     P "interface a {\n  use b.{x};\n  type y = u8;\n}\ninterface b {\n  use a.{y};\n  type x = u8;\n}\n",
     "7:7", "interface 'a' uses itself (a -> b -> a)"},
    {__LINE__,
     P "interface i {\n  type t0 = t1; type t1 = t2; type t2 = t3; type t3 = t4; type t4 = t5;\n"
       "  type t5 = t6; type t6 = t7; type t7 = t8; type t8 = t9; type t9 = t0;\n}\n",
     "4:69", "type 't0' refers to itself (t0 -> t1 -> t2 -> t3 -> t4 -> t5 -> t6 -> t7 -> ... -> "
             "t9 -> t0)"},
    {__LINE__, P "interface a {\n  use a.{y as z};\n  type y = u8;\n}\n", "3:7",
     "interface 'a' uses itself (a -> a)"},
    /* use */
    {__LINE__, P "interface i {\n  use nope.{t};\n}\n", "3:7", "unknown interface 'nope'"},
    {__LINE__, P "interface i {\n  use j.{x};\n}\ninterface j {}\n", "3:10",
     "interface 'j' has no type 'x'"},
    {__LINE__, P "interface i {\n  use j.{f};\n}\ninterface j { f: func(); }\n", "3:10",
     "'f' is a function, not a type"},
    {__LINE__, P "interface i {\n  use w.{t};\n}\nworld w {}\n", "3:7",
     "'w' is a world, not an interface"},
    {__LINE__, P "interface i {\n  use wasi:nope/x.{t};\n}\n", "3:7", "unknown package 'wasi:nope'"},
    {__LINE__, P "interface i {\n  use a:b/x@1.0.0.{t};\n}\n", "3:7", "unknown package 'a:b@1.0.0'"},
    {__LINE__, P "interface i {\n  use a:b/nope.{t};\n}\n", "3:7",
     "package 'a:b' has no interface 'nope'"},
    {__LINE__,
     P "world w { import x:y/i; }\npackage x:y@1.0.0 { interface i {} }\n"
       "package x:y@2.0.0 { interface i {} }\n",
     "2:18", "package 'x:y' is there in several versions"},
    {__LINE__, P "use x:y/i;\ninterface i {}\npackage x:y { interface i {} }\n", "2:5",
     "'use' defines 'i', which is already an interface of the package (at line 3)"},
    {__LINE__, P "use x:y/i;\nuse x:y/i;\npackage x:y { interface i {} }\n", "3:5",
     "'i' is already defined in this file (at line 2)"},
    /* worlds */
    {__LINE__, P "world w {\n  include nope;\n}\n", "3:11", "unknown world 'nope'"},
    {__LINE__, P "interface i {}\nworld w {\n  include i;\n}\n", "4:11",
     "'i' is an interface, not a world"},
    {__LINE__, P "world v {}\nworld w {\n  import v;\n}\n", "4:10",
     "'v' is a world, not an interface"},
    {__LINE__, P "interface i {}\nworld w {\n  import i;\n  import i;\n}\n", "5:10",
     "interface 'a:b/i' is imported twice in world 'w' (first at line 4)"},
    {__LINE__, P "interface i {}\nworld w {\n  export i;\n  export i;\n}\n", "5:10",
     "interface 'a:b/i' is exported twice"},
    {__LINE__, P "world w {\n  import f: func();\n  export f: func();\n}\n", "4:10",
     "'f' is already defined in world 'w' (at line 3)"},
    {__LINE__, P "world w {\n  type f = u8;\n  import f: interface {}\n}\n", "4:10",
     "'f' is already defined in world 'w'"},
    {__LINE__, P "world w {\n  import f: func() -> t;\n}\n", "3:23", "unknown type 't'"},
    {__LINE__,
     P "world one { import a: func(); }\nworld two { import a: func(); }\n"
       "world both {\n  include one;\n  include two;\n}\n",
     "6:3", "'include two' brings 'a', which is already defined in world 'both'"},
    {__LINE__, P "world one { import a: func(); }\nworld both {\n  include one with { b as c };\n}\n",
     "4:22", "world 'one' has no import or export named 'b' to rename"},
    {__LINE__, P "world a {\n  include b;\n}\nworld b {\n  include a;\n}\n", "6:3",
     "world 'a' includes itself"},
    {__LINE__, P "world w {\n  resource r { f: func(); }\n}\n", "3:14",
     "resource functions are supported in interfaces only, not in world 'w'"},
    /* resources */
    {__LINE__, P "interface i {\n  resource r {\n    constructor();\n    constructor(a: u8);\n  }\n}\n",
     "5:5", "resource 'r' already has a constructor (at line 4)"},
    {__LINE__, P "interface i {\n  resource r {\n    f: func();\n    f: static func();\n  }\n}\n",
     "5:5", "'f' is already defined in resource 'r' (at line 4)"},
    {__LINE__, P "interface i {\n  resource r {\n    f: func(self: u8);\n  }\n}\n", "4:5",
     "method 'f' of resource 'r' has a parameter named 'self' (it is implicit)"},
};

static void test_invalid(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        char *err = NULL;
        wit_doc *d = wit_parse(c->text, strlen(c->text), PATH, &err);
        check_at(d == NULL, __FILE__, c->line, "the document is rejected");
        char prefix[64];
        snprintf(prefix, sizeof prefix, PATH ":%s: ", c->pos);
        if (!check_at(err && strncmp(err, prefix, strlen(prefix)) == 0, __FILE__, c->line,
                      "message starts with path:line:col"))
            fprintf(stderr, "  want %s..., got %s\n", prefix, err ? err : "(null)");
        check_contains_at(err, c->phrase, __FILE__, c->line, "err");
        free(err);
        wit_free(d);
    }
    printf("     %zu invalid documents\n", sizeof bad_cases / sizeof *bad_cases);
}

/* A chain of records, each holding the one before: WIT_MAX_TYPE_DEPTH is reached through
 * names, with every definition shallow. */
static void test_depth_through_names(void) {
    size_t cap = 64 * 1024;
    char *text = malloc(cap);
    REQUIRE(text);
    int n = snprintf(text, cap, P "interface i {\n  record r0 { x: u8 }\n");
    /* r0 is 2 deep (the record and its u8); r(k) = k + 2 */
    int last = WIT_MAX_TYPE_DEPTH - 1; /* r(last) is one too deep */
    for (int k = 1; k <= last; k++)
        n += snprintf(text + n, cap - (size_t)n, "  record r%d { x: r%d }\n", k, k - 1);
    snprintf(text + n, cap - (size_t)n, "}\n");
    char *err = NULL;
    wit_doc *d = wit_parse(text, strlen(text), PATH, &err);
    CHECK(d == NULL);
    char want[128];
    snprintf(want, sizeof want, PATH ":%d:10: type 'r%d' is nested deeper than %d levels",
             last + 3, last, WIT_MAX_TYPE_DEPTH);
    CHECK_CONTAINS(err, want);
    free(err);
    wit_free(d);
    /* one less is fine */
    char *cut = strstr(text, "  record r127 ");
    REQUIRE(cut);
    strcpy(cut, "}\n");
    d = PARSE_OK(text);
    wit_free(d);
done:
    free(text);
}

static void test_size_limit(void) {
    size_t len = WIT_MAX_FILE_SIZE + 1;
    char *text = malloc(len);
    REQUIRE(text);
    memset(text, ' ', len);
    memcpy(text, P, strlen(P));
    char *err = NULL;
    wit_doc *d = wit_parse(text, len, PATH, &err);
    CHECK(d == NULL);
    CHECK_CONTAINS(err, PATH ": file is larger than 4194304 bytes");
    free(err);
    /* just under: fine */
    d = wit_parse(text, len - 1, PATH, &err);
    CHECK(d != NULL);
    valid_docs++;
    wit_free(d);
done:
    free(text);
}

/* Includes that would copy more than WIT_MAX_ITEMS items into one world. */
static void test_world_item_limit(void) {
    int worlds = WIT_MAX_ITEMS / 100 + 1;
    size_t cap = (size_t)worlds * 100 * 32 + 65536;
    char *text = malloc(cap);
    REQUIRE(text);
    size_t n = (size_t)snprintf(text, cap, P);
    for (int w = 0; w < worlds; w++) {
        n += (size_t)snprintf(text + n, cap - n, "world w%d {", w);
        for (int f = 0; f < 100; f++)
            n += (size_t)snprintf(text + n, cap - n, " import w%d-f%d: func();", w, f);
        n += (size_t)snprintf(text + n, cap - n, " }\n");
    }
    n += (size_t)snprintf(text + n, cap - n, "world all {\n");
    for (int w = 0; w < worlds; w++) n += (size_t)snprintf(text + n, cap - n, "  include w%d;\n", w);
    snprintf(text + n, cap - n, "}\n");
    char *err = NULL;
    wit_doc *d = wit_parse(text, strlen(text), PATH, &err);
    CHECK(d == NULL);
    char want[160];
    snprintf(want, sizeof want, PATH ":%d:3: more than %d imports, exports and types in world 'all'",
             1 + worlds + 1 + worlds, WIT_MAX_ITEMS);
    CHECK_CONTAINS(err, want);
    free(err);
    wit_free(d);
done:
    free(text);
}

/* An error message as the API promises: PATH:LINE:COL: text, the line within the text. */
static bool err_well_formed(const char *err, const char *text, size_t len) {
    if (!err) return false;
    if (!strcmp(err, "out of memory")) return true;
    size_t n = strlen(PATH);
    if (strncmp(err, PATH ":", n + 1)) return false;
    const char *s = err + n + 1;
    if (!strncmp(s, " file is larger", 15)) return true;
    long line = strtol(s, (char **)&s, 10), lines = 1;
    if (line < 1 || *s++ != ':' || !isdigit((unsigned char)*s)) return false;
    long col = strtol(s, (char **)&s, 10);
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    return col >= 1 && line <= lines && s[0] == ':' && s[1] == ' ' && s[2];
}

static uint32_t rng_state = 12345;
static uint32_t rng(uint32_t n) {
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

/* Valid documents mutated at random (with a fixed seed): whatever the parser says must be
 * a well-formed error or a complete model. */
static void test_mutations(void) {
    static const char *const seeds[] = {
        P "interface types {\n  record point { x: s32, y: s32, }\n"
          "  variant shape { circle(f64), none }\n  enum color { red, green }\n"
          "  flags perms { read, write }\n  type pts = list<tuple<point, option<u8>>>;\n"
          "  resource blob {\n    constructor(init: list<u8>);\n"
          "    read: func(n: u32) -> result<list<u8>, color>;\n"
          "    merge: static func(a: borrow<blob>, b: blob) -> blob;\n  }\n"
          "  get: func(a: pts) -> (x: u32, y: string);\n}\n"
          "interface api { use types.{point, blob as b}; make: func(p: point) -> b; }\n"
          "world w {\n  import api;\n  import log: func(msg: string);\n"
          "  export run: interface { go: func() -> result; }\n  type t = u8;\n}\n"
          "world w2 { include w with { log as log2 }; export types; }\n",
        "package x:y@1.0.0-rc.1;\n@since(version = 1.0.0)\ninterface %type { /* c /* d */ */\n"
        "  type a = b; type b = %type; record %type { %list: u8 }\n}\n"
        "package dep:io@0.2.0 { interface s { resource r; f: func(x: borrow<r>); } }\n"
        "use dep:io/s@0.2.0 as s2;\nworld w { import s2; use s2.{r}; import g: func(x: r); }\n",
    };
    static const char *const tokens[] = {
        "{", "}", "(", ")", "<", ">", ":", ";", ",", ".", "@", "%", "->", "/*", "*/", "//", "\n",
        "use ", "type ", "record ", "resource ", "func", "list<", "result<_, ", "borrow<", "own<",
        "world ", "interface ", "import ", "export ", "include ", "package a:b;", " as ", "with",
        "1.0.0", "x", "point", "blob", "types", "-", "_", "\xc3\xa9", "\x01",
    };
    int accepted = 0, rejected = 0;
    char buf[4096];
    for (size_t sd = 0; sd < sizeof seeds / sizeof *seeds; sd++) {
        for (int iter = 0; iter < 4000; iter++) {
            size_t len = strlen(seeds[sd]);
            memcpy(buf, seeds[sd], len);
            for (uint32_t m = 0, nm = 1 + rng(3); m < nm; m++) {
                size_t at = rng((uint32_t)len + 1), span = 1 + rng(12);
                switch (rng(4)) {
                case 0:
                    if (at < len) buf[at] = (char)(32 + rng(95));
                    break;
                case 1:
                    if (at + span > len) span = len - at;
                    memmove(buf + at, buf + at + span, len - at - span);
                    len -= span;
                    break;
                case 2:
                    if (at + span > len) span = len - at;
                    if (len + span < sizeof buf) {
                        memmove(buf + at + span, buf + at, len - at);
                        len += span;
                    }
                    break;
                default: {
                    const char *t = tokens[rng(sizeof tokens / sizeof *tokens)];
                    size_t tl = strlen(t);
                    if (len + tl < sizeof buf) {
                        memmove(buf + at + tl, buf + at, len - at);
                        memcpy(buf + at, t, tl);
                        len += tl;
                    }
                }
                }
            }
            char *err = NULL;
            wit_doc *d = wit_parse(buf, len, PATH, &err);
            if (d) {
                accepted++;
                if (!CHECK(model_ok(d))) fprintf(stderr, "  text: %.*s\n", (int)len, buf);
            } else {
                rejected++;
                if (!CHECK(err_well_formed(err, buf, len)))
                    fprintf(stderr, "  %s\n  text: %.*s\n", err ? err : "(null)", (int)len, buf);
            }
            free(err);
            wit_free(d);
        }
    }
    printf("     mutations: %d accepted, %d rejected\n", accepted, rejected);
    CHECK(accepted > 0 && rejected > 0);
}

#ifdef MALLOC_HOOK
/* Parses text (or dir) failing its 1st, 2nd, ... allocation: each parse must end in "out of
 * memory" (or succeed, when what failed could do without) with every block freed. Stops after
 * 20 successes in a row (no allocation left to fail); returns how many failures were tried. */
static long alloc_trials(const char *text, size_t len, const char *dir) {
    long n, ok_run = 0, failed = 0;
    for (n = 0; n < 100000 && ok_run < 20; n++) {
        long live = alloc_live;
        char *err = NULL;
        alloc_countdown = n;
        wit_doc *d = dir ? wit_parse_dir(dir, &err) : wit_parse(text, len, PATH, &err);
        alloc_countdown = -1;
        if (d) {
            ok_run++;
            CHECK(model_ok(d));
            wit_free(d);
        } else {
            ok_run = 0;
            failed++;
            if (!CHECK(err == NULL || strstr(err, "out of memory") ||
                       (dir && strstr(err, "Cannot allocate memory"))))
                fprintf(stderr, "  allocation %ld: %s\n", n, err);
            free(err);
        }
        if (!CHECK_EQ_INT(alloc_live, live)) fprintf(stderr, "  allocation %ld leaks\n", n);
    }
    CHECK(n < 100000);
    return failed;
}
#endif

/* Fails each allocation of a parse in turn (see alloc_trials). */
static void test_alloc_failures(void) {
#ifdef MALLOC_HOOK
    /* Big enough that both arenas take several chunks. */
    static char text[64 * 1024];
    size_t len = (size_t)snprintf(text, sizeof text, "%s",
        P "interface types { record point { x: s32 } resource r { constructor(); "
          "m: func(p: point) -> list<r>; } }\n"
          "interface api { use types.{point, r}; f: func(p: point) -> r; }\n"
          "world one { import api; import g: func(); type t = u8; }\n"
          "world two { include one with { g as h }; export types; }\n"
          "package x:y { interface i { type u = tuple<u8, string>; } }\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "interface g%d { use types.{point}; record q { a: point, b: string }"
                                " f: func(x: q) -> list<q>; }\n", i);
    long n = alloc_trials(text, len, NULL);
    printf("     wit_parse: %ld allocations failed in turn\n", n);
    CHECK(n > 10);
    /* a directory too: listed, read, parsed (libc may survive some failures itself) */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/app", data_dir);
    n = alloc_trials(NULL, 0, dir);
    printf("     wit_parse_dir: %ld allocations failed in turn\n", n);
    CHECK(n > 10);
#else
    printf("     (skipped: needs glibc and no sanitizer to replace malloc)\n");
#endif
}

/* ---- directories ---------------------------------------------------------------------------- */

static void test_dir_with_deps(void) {
    char dir[512], *err = NULL;
    snprintf(dir, sizeof dir, "%s/app", data_dir);
    wit_doc *d = wit_parse_dir(dir, &err);
    if (!d) fprintf(stderr, "  %s\n", err ? err : "(no message)");
    free(err);
    REQUIRE(d);
    valid_docs++;
    CHECK_EQ_STR(d->package->id, "example:app@1.0.0");
    REQUIRE_EQ_INT(d->npackages, 3);
    CHECK_EQ_STR(d->packages[0]->id, "wasi:clocks"); /* deps/clocks.wit, then deps/wasi-io/ */
    CHECK_EQ_STR(d->packages[1]->id, "wasi:io@0.2.0");
    CHECK(d->packages[2] == d->package);
    /* api.wit before world.wit: interfaces in file order */
    REQUIRE_EQ_INT(d->package->ninterfaces, 2);
    CHECK_EQ_STR(d->package->interfaces[0]->name, "handler");
    CHECK_EQ_STR(d->package->interfaces[1]->name, "types");
    char path[600];
    snprintf(path, sizeof path, "%s/api.wit", dir);
    CHECK_EQ_STR(d->package->interfaces[0]->path, path);
    const wit_interface *streams = wit_find_interface(d, "wasi:io/streams@0.2.0");
    const wit_interface *error = wit_find_interface(d, "wasi:io/error");
    const wit_interface *clock = wit_find_interface(d, "wasi:clocks/wall-clock");
    const wit_interface *types = wit_find_interface(d, "types");
    const wit_interface *handler = wit_find_interface(d, "handler");
    REQUIRE(streams && error && clock && types && handler);
    const ct_type *stream_t = type_named(streams, "input-stream");
    const ct_type *error_t = type_named(error, "error");
    REQUIRE(stream_t && error_t);
    CHECK_EQ_INT(stream_t->kind, CT_RESOURCE);
    /* a dependency's resource functions, with types used from its sibling file */
    const ct_func *rd = func_named(streams, "[method]input-stream.read");
    REQUIRE(rd);
    const ct_type *res = rd->results[0].type;
    CHECK(res->kind == CT_RESULT && res->err->kind == CT_OWN && res->err->elem == error_t);
    const ct_func *handle = func_named(handler, "handle");
    REQUIRE(handle);
    CHECK(handle->params[0].type == type_named(handler, "request"));
    CHECK(ct_resolve(handle->params[0].type) == type_named(types, "request"));
    CHECK(handle->params[1].type->kind == CT_BORROW && handle->params[1].type->elem == stream_t);
    const ct_type *hres = handle->results[0].type;
    REQUIRE(hres->kind == CT_RESULT);
    CHECK(hres->ok == type_named(handler, "response"));
    CHECK(hres->err->kind == CT_OWN && hres->err->elem == error_t);
    CHECK(field_type(type_named(types, "request"), "received") == type_named(types, "datetime"));
    CHECK(ct_resolve(type_named(types, "datetime")) == type_named(clock, "datetime"));
    const wit_world *w = wit_find_world(d, "service");
    REQUIRE(w);
    CHECK_EQ_STR(w->qualified, "example:app/service@1.0.0");
    /* written: streams (through the top-level use), wall-clock, log; then what handler needs */
    REQUIRE_EQ_INT(w->nimports, 5);
    CHECK_EQ_STR(w->imports[0].name, "wasi:io/streams@0.2.0");
    CHECK(w->imports[0].iface == streams);
    CHECK_EQ_STR(w->imports[1].name, "wasi:clocks/wall-clock");
    CHECK_EQ_STR(w->imports[2].name, "log");
    CHECK_EQ_STR(w->imports[3].name, "wasi:io/error@0.2.0");
    CHECK(w->imports[3].implicit);
    CHECK_EQ_STR(w->imports[4].name, "example:app/types@1.0.0");
    CHECK(w->imports[4].implicit);
    REQUIRE_EQ_INT(w->nexports, 1);
    CHECK(w->exports[0].iface == handler);
done:
    wit_free(d);
}

static char tmp_root[256];

static void write_file(const char *rel, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_root, rel);
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL)) return;
    fputs(text, f);
    fclose(f);
}

static void make_dir(const char *rel) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_root, rel);
    CHECK(mkdir(path, 0755) == 0);
}

/* wit_parse_dir on rel under the temporary directory must fail with want in its message. */
static void dir_fails(int line, const char *rel, const char *want) {
    char path[512], *err = NULL;
    snprintf(path, sizeof path, "%s/%s", tmp_root, rel);
    wit_doc *d = wit_parse_dir(path, &err);
    check_at(d == NULL, __FILE__, line, "the directory is rejected");
    char full[600];
    snprintf(full, sizeof full, want, tmp_root, tmp_root);
    check_contains_at(err, full, __FILE__, line, "err");
    free(err);
    wit_free(d);
}

static void test_dir_errors(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/weft-test-wit-XXXXXX");
    REQUIRE(mkdtemp(tmp_root) != NULL);
    /* two files disagree on their package */
    make_dir("mismatch");
    write_file("mismatch/a.wit", "package a:b;\ninterface i {}\n");
    write_file("mismatch/b.wit", "// b\npackage a:c;\n");
    dir_fails(__LINE__, "mismatch",
              "%s/mismatch/b.wit:2:1: package 'a:c' differs from 'a:b' declared at "
              "%s/mismatch/a.wit:1:1");
    /* no file declares the package */
    make_dir("undeclared");
    write_file("undeclared/a.wit", "\n  interface i {}\n");
    dir_fails(__LINE__, "undeclared",
              "%s/undeclared/a.wit:2:3: no package declaration ('package ns:name;') in");
    /* nothing to read */
    make_dir("empty");
    write_file("empty/notes.txt", "not wit");
    dir_fails(__LINE__, "empty", "%s/empty: no .wit files");
    dir_fails(__LINE__, "missing", "%s/missing: cannot open the directory");
    /* a dependency that is not there, one that is, and a broken one */
    make_dir("app");
    write_file("app/w.wit", "package a:app;\nworld w {\n  import x:dep/i;\n}\n");
    dir_fails(__LINE__, "app", "%s/app/w.wit:3:10: unknown package 'x:dep'");
    make_dir("app/deps");
    write_file("app/deps/dep.wit", "package x:dep;\ninterface i { f: func(); }\n");
    char path[512], *err = NULL;
    snprintf(path, sizeof path, "%s/app", tmp_root);
    wit_doc *d = wit_parse_dir(path, &err);
    CHECK(d != NULL);
    if (!d) fprintf(stderr, "  %s\n", err);
    free(err);
    if (d) {
        valid_docs++;
        const wit_world *w = wit_find_world(d, "w");
        if (CHECK(w && w->nimports == 1)) CHECK_EQ_STR(w->imports[0].name, "x:dep/i");
    }
    wit_free(d);
    make_dir("app/deps/broken");
    write_file("app/deps/broken/x.wit", "package y:z;\ninterface i { f: func() -> nope; }\n");
    dir_fails(__LINE__, "app", "%s/app/deps/broken/x.wit:2:28: unknown type 'nope'");
    /* two dependencies that are the same package */
    write_file("app/deps/broken/x.wit", "package x:dep;\n");
    dir_fails(__LINE__, "app", "package 'x:dep' is defined twice");
done:
    if (tmp_root[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
    }
}

int main(int argc, char **argv) {
    if (argc > 1) data_dir = argv[1];
    RUN(test_package_versions);
    RUN(test_record_and_primitives);
    RUN(test_variant_enum_flags);
    RUN(test_aliases_and_forward_names);
    RUN(test_result_option_list_tuple);
    RUN(test_functions);
    RUN(test_resources);
    RUN(test_use);
    RUN(test_escaped_and_kebab_names);
    RUN(test_comments_and_whitespace);
    RUN(test_world_items);
    RUN(test_world_types_and_use);
    RUN(test_include);
    RUN(test_implicit_imports);
    RUN(test_toplevel_use_and_nested_packages);
    RUN(test_only_nested_packages);
    RUN(test_gates);
    RUN(test_find_and_free);
    RUN(test_limits_accepted);
    RUN(test_depth_through_names);
    RUN(test_size_limit);
    RUN(test_dir_with_deps);
    RUN(test_dir_errors);
    RUN(test_world_item_limit);
    RUN(test_mutations);
    RUN(test_alloc_failures);
    RUN(test_invalid);
    printf("     %d valid documents\n", valid_docs);
    return check_report("test_wit");
}
