/* test_bindgen.c: the C bindings generator (src/component/bindgen_c.c) on its own: the exact
 * prototypes, types and core names it writes for a small world; its refusals (an unknown world,
 * several worlds to choose from, resources, C names that collide, an output directory that is a
 * file or under a missing one); writing files; every allocation failure (each reported as out of
 * memory, nothing leaked); and the test world of bindgen.sh, generated from its directory.
 * Compiling and running what it writes is bindgen.sh's job.
 * Usage: test_bindgen [WIT_DIR] (default tests/component/bindgen/wit).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/check.h"
#include "component/bindgen.h"
#include "component/wit.h"

/* Allocation-failure injection: with glibc and no sanitizer, malloc and friends are wrapped to
 * fail the Nth call from now and to count live blocks (test_alloc_failures). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NO_ALLOC_HOOKS 1
#endif
#endif
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(NO_ALLOC_HOOKS)
#define ALLOC_HOOKS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static long fail_in = -1; /* allocations until one fails; -1: none fails */
static long live;

static bool should_fail(void) {
    if (fail_in < 0) return false;
    if (fail_in-- > 0) return false;
    errno = ENOMEM;
    return true;
}

#define HOOK __attribute__((visibility("default")))
HOOK void *malloc(size_t n) {
    void *p = should_fail() ? NULL : __libc_malloc(n);
    live += p != NULL;
    return p;
}
HOOK void *calloc(size_t n, size_t size) {
    void *p = should_fail() ? NULL : __libc_calloc(n, size);
    live += p != NULL;
    return p;
}
HOOK void *realloc(void *old, size_t n) {
    if (!old) return malloc(n);
    return should_fail() ? NULL : __libc_realloc(old, n);
}
HOOK void free(void *p) {
    live -= p != NULL;
    __libc_free(p);
}
#endif

static const char *wit_dir = "tests/component/bindgen/wit";

static const char small_wit[] =
    "package a:b@1.0.0;\n"
    "interface ops {\n"
    "  record point { x: f64, y: f64 }\n"
    "  enum dir { up, down }\n"
    "  flags perms { read, write }\n"
    "  variant shape { dot, circle(f32), count(u32) }\n"
    "  type bytes = list<u8>;\n"
    "  add: func(a: s32, b: s32) -> s32;\n"
    "  greet: func(name: string) -> string;\n"
    "  mid: func(a: point, b: point) -> point;\n"
    "  pair: func() -> (q: u32, r: string);\n"
    "  int: func(default: u8) -> option<u8>;\n"
    "  turn: func(d: dir, p: perms, s: shape, b: bytes) -> dir;\n"
    "  wide: func(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64, i: u64,\n"
    "             j: u64, k: u64, l: u64, m: u64, n: u64, o: u64, p: u64, q: u64) -> u64;\n"
    "}\n"
    "world my-world {\n"
    "  import ops;\n"
    "  export ops;\n"
    "  import log: func(msg: string);\n"
    "  export run: func() -> result<_, string>;\n"
    "}\n";

/* Parses text (NUL-terminated) or fails the test. */
static wit_doc *parse(const char *text) {
    char *err = NULL;
    wit_doc *doc = wit_parse(text, strlen(text), "test.wit", &err);
    if (!CHECK(doc != NULL)) fprintf(stderr, "  %s\n", err ? err : "(no message)");
    free(err);
    return doc;
}

/* The generated files of the only world of text; false (after counting a failure) if any. */
static bool generate(const char *text, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    wit_doc *doc = parse(text);
    if (!doc) return false;
    weft_error *e = bindgen_c_doc(doc, NULL, out);
    if (!CHECK(e == NULL)) fprintf(stderr, "  %s\n", weft_error_message(e));
    bool ok = e == NULL;
    weft_error_free(e);
    wit_free(doc);
    return ok;
}

static void test_small_world_header(void) {
    bindgen_files f;
    if (!generate(small_wit, &f)) goto done;
    REQUIRE_EQ_INT(f.n, 2);
    CHECK_EQ_STR(f.v[0].name, "my_world.h");
    CHECK_EQ_STR(f.v[1].name, "my_world.c");
    const char *h = f.v[0].text;
    CHECK_EQ_INT(strlen(h), f.v[0].len);
    /* types */
    CHECK_CONTAINS(h, "#ifndef MY_WORLD_BINDINGS_H");
    CHECK_CONTAINS(h,
                   "typedef struct my_world_string_t {\n"
                   "    uint8_t *ptr;\n"
                   "    size_t len;\n"
                   "} my_world_string_t;");
    CHECK_CONTAINS(h,
                   "typedef struct my_world_a_b_ops_point_t {\n"
                   "    double x;\n"
                   "    double y;\n"
                   "} my_world_a_b_ops_point_t;");
    CHECK_CONTAINS(h,
                   "typedef uint8_t my_world_a_b_ops_dir_t;\n"
                   "#define MY_WORLD_A_B_OPS_DIR_UP 0\n"
                   "#define MY_WORLD_A_B_OPS_DIR_DOWN 1\n");
    CHECK_CONTAINS(h,
                   "typedef uint8_t my_world_a_b_ops_perms_t;\n"
                   "#define MY_WORLD_A_B_OPS_PERMS_READ (1u << 0)\n"
                   "#define MY_WORLD_A_B_OPS_PERMS_WRITE (1u << 1)\n");
    CHECK_CONTAINS(h,
                   "typedef struct my_world_a_b_ops_shape_t {\n"
                   "    uint8_t tag;\n"
                   "    union {\n"
                   "        float circle;\n"
                   "        uint32_t count;\n"
                   "    } val;\n"
                   "} my_world_a_b_ops_shape_t;\n"
                   "#define MY_WORLD_A_B_OPS_SHAPE_DOT 0\n"
                   "#define MY_WORLD_A_B_OPS_SHAPE_CIRCLE 1\n"
                   "#define MY_WORLD_A_B_OPS_SHAPE_COUNT 2\n");
    CHECK_CONTAINS(h,
                   "typedef struct my_world_list_u8_t {\n"
                   "    uint8_t *ptr;\n"
                   "    size_t len;\n"
                   "} my_world_list_u8_t;\n"
                   "void my_world_list_u8_free(my_world_list_u8_t *v);");
    CHECK_CONTAINS(h,
                   "typedef my_world_list_u8_t my_world_a_b_ops_bytes_t;\n"
                   "static inline void my_world_a_b_ops_bytes_free(my_world_a_b_ops_bytes_t *v) { "
                   "my_world_list_u8_free(v); }");
    CHECK_CONTAINS(h,
                   "typedef struct my_world_option_u8_t {\n"
                   "    bool is_some;\n"
                   "    uint8_t val;\n"
                   "} my_world_option_u8_t;");
    CHECK_CONTAINS(h,
                   "typedef struct my_world_result_void_string_t {\n"
                   "    bool is_err;\n"
                   "    union {\n"
                   "        my_world_string_t err;\n"
                   "    } val;\n"
                   "} my_world_result_void_string_t;\n"
                   "void my_world_result_void_string_free(my_world_result_void_string_t *v);");
    CHECK(!strstr(h, "my_world_option_u8_free")); /* owns nothing */
    /* imports: aggregates borrowed (const), results through out-pointers */
    CHECK_CONTAINS(h,
                   "/* a:b/ops@1.0.0#add */\n"
                   "int32_t my_world_a_b_ops_add(int32_t a, int32_t b);");
    CHECK_CONTAINS(h,
                   "void my_world_a_b_ops_greet(const my_world_string_t *name, my_world_string_t "
                   "*ret);");
    CHECK_CONTAINS(h,
                   "void my_world_a_b_ops_mid(const my_world_a_b_ops_point_t *a, const "
                   "my_world_a_b_ops_point_t *b, my_world_a_b_ops_point_t *ret);");
    CHECK_CONTAINS(h, "void my_world_log(const my_world_string_t *msg);");
    /* exports: aggregates owned by the callee (not const) */
    CHECK_CONTAINS(h, "int32_t my_world_exports_a_b_ops_add(int32_t a, int32_t b);");
    CHECK_CONTAINS(h,
                   "void my_world_exports_a_b_ops_greet(my_world_string_t *name, "
                   "my_world_string_t *ret);");
    CHECK_CONTAINS(h,
                   "void my_world_exports_a_b_ops_pair(uint32_t *ret_q, my_world_string_t "
                   "*ret_r);");
    CHECK_CONTAINS(h,
                   "void my_world_exports_a_b_ops_int(uint8_t default_, my_world_option_u8_t "
                   "*ret);");
    CHECK_CONTAINS(h,
                   "my_world_a_b_ops_dir_t my_world_exports_a_b_ops_turn(my_world_a_b_ops_dir_t d, "
                   "my_world_a_b_ops_perms_t p, my_world_a_b_ops_shape_t *s, "
                   "my_world_a_b_ops_bytes_t "
                   "*b);");
    CHECK_CONTAINS(h, "uint64_t my_world_exports_a_b_ops_wide(uint64_t a, ");
    CHECK_CONTAINS(h, "/* run */\nvoid my_world_exports_run(my_world_result_void_string_t *ret);");
    CHECK(strstr(h, "imports: call these") < strstr(h, "int32_t my_world_a_b_ops_add("));
    CHECK(strstr(h, "exports: implement these") <
          strstr(h, "int32_t my_world_exports_a_b_ops_add("));
done:
    bindgen_files_free(&f);
}

static void test_small_world_glue(void) {
    bindgen_files f;
    if (!generate(small_wit, &f)) goto done;
    REQUIRE_EQ_INT(f.n, 2);
    const char *c = f.v[1].text;
    CHECK_CONTAINS(c, "#include \"my_world.h\"");
    CHECK_CONTAINS(c, "#if defined(MY_WORLD_NO_LIBC) || defined(WEFT_NO_LIBC)");
    CHECK_CONTAINS(c, "__attribute__((export_name(\"cabi_realloc\")))");
    /* core names: exports under `iface#fn`, post-return under cabi_post_, imports by module */
    CHECK_CONTAINS(c,
                   "__attribute__((export_name(\"a:b/ops@1.0.0#add\")))\n"
                   "int32_t my_world__exports_a_b_ops_add(int32_t p0, int32_t p1);\n"
                   "int32_t my_world__exports_a_b_ops_add(int32_t p0, int32_t p1) {");
    CHECK_CONTAINS(c, "__attribute__((export_name(\"cabi_post_a:b/ops@1.0.0#greet\")))");
    CHECK(!strstr(c, "cabi_post_a:b/ops@1.0.0#add")); /* nothing to free */
    CHECK_CONTAINS(c,
                   "__attribute__((import_module(\"a:b/ops@1.0.0\"), import_name(\"add\")))\n"
                   "extern int32_t my_world__import_a_b_ops_add(int32_t p0, int32_t p1);");
    CHECK_CONTAINS(c,
                   "__attribute__((import_module(\"$root\"), import_name(\"log\")))\n"
                   "extern void my_world__import_log(int32_t p0, int32_t p1);");
    CHECK_CONTAINS(c,
                   "__attribute__((export_name(\"run\")))\n"
                   "int32_t my_world__exports_run(void);\n");
    /* flat signatures: a point is two f64; a result through a return pointer on import */
    CHECK_CONTAINS(c,
                   "int32_t my_world__exports_a_b_ops_mid(double p0, double p1, double p2, "
                   "double p3) {");
    CHECK_CONTAINS(c,
                   "extern void my_world__import_a_b_ops_mid(double p0, double p1, double p2, "
                   "double p3, "
                   "int32_t p4);");
    /* 17 u64: spilled to one pointer, read as a tuple whose layout is checked */
    CHECK_CONTAINS(c, "int64_t my_world__exports_a_b_ops_wide(int32_t p0) {");
    CHECK_CONTAINS(c, "extern int64_t my_world__import_a_b_ops_wide(int32_t p0);");
    CHECK_CONTAINS(c,
                   "_Static_assert(sizeof(struct my_world__args_exports_a_b_ops_wide) == 136 && "
                   "_Alignof(struct my_world__args_exports_a_b_ops_wide) == 8,");
    /* a variant's payload f32 carried in the i32 flat value it shares with a u32 */
    CHECK_CONTAINS(c,
                   "case 1:\n"
                   "        a2.tag = 1;\n"
                   "        a2.val.circle = my_world__f32_from_bits(p3);");
    CHECK_CONTAINS(c, "f3 = my_world__f32_bits((*a2).val.circle);");
    CHECK_CONTAINS(c, "if ((uint32_t)p0 >= 2u) __builtin_trap();");
    /* every C type's layout checked against the canonical ABI's */
    CHECK_CONTAINS(c,
                   "_Static_assert(sizeof(my_world_a_b_ops_shape_t) == 8 && "
                   "_Alignof(my_world_a_b_ops_shape_t) == 4,");
    CHECK_CONTAINS(c,
                   "_Static_assert(sizeof(my_world_result_void_string_t) == 12 && "
                   "_Alignof(my_world_result_void_string_t) == 4,");
    CHECK_CONTAINS(c,
                   "void my_world_list_u8_free(my_world_list_u8_t *v) {\n"
                   "    if (v->len > 0) my_world_free(v->ptr);");
done:
    bindgen_files_free(&f);
}

/* The error of generating the world named world (NULL: the only one) of text. */
static weft_error *gen_error(const char *text, const char *world) {
    bindgen_files f;
    wit_doc *doc = parse(text);
    if (!doc) return NULL;
    weft_error *e = bindgen_c_doc(doc, world, &f);
    CHECK(e == NULL || f.n == 0);
    bindgen_files_free(&f);
    wit_free(doc);
    return e;
}

static void expect_error(const char *text, const char *world, weft_error_kind kind,
                         const char *phrase) {
    weft_error *e = gen_error(text, world);
    if (CHECK(e != NULL)) {
        CHECK_EQ_INT(weft_error_kind_of(e), kind);
        CHECK_CONTAINS(weft_error_message(e), phrase);
    }
    weft_error_free(e);
}

static void test_refusals(void) {
    expect_error(small_wit, "nope", WEFT_ERR_USAGE, "no world \"nope\"");
    expect_error("package a:b;\nworld x { export f: func(); }\nworld y { export g: func(); }\n",
                 NULL, WEFT_ERR_USAGE, "several worlds");
    expect_error("package a:b;\ninterface i { f: func(); }\n", NULL, WEFT_ERR_USAGE, "no world");
    expect_error("package a:b;\ninterface i { resource r { constructor(); } }\n"
                 "world w { export i; }\n",
                 NULL, WEFT_ERR_UNSUPPORTED, "resource");
    expect_error("package a:b;\ninterface i { resource r; f: func(x: borrow<r>); }\n"
                 "world w { import i; }\n",
                 NULL, WEFT_ERR_UNSUPPORTED, "resource");
    /* a record named list-u8 and the anonymous list<u8> would both be w_list_u8_t */
    expect_error("package a:b;\nworld w {\n  record list-u8 { x: u8 }\n"
                 "  export f: func(a: list<u8>, b: list-u8);\n}\n",
                 NULL, WEFT_ERR_USAGE, "w_list_u8_t");
    /* an imported function named like a helper */
    expect_error("package a:b;\nworld w {\n  import string-free: func();\n}\n", NULL,
                 WEFT_ERR_USAGE, "w_string_free");
    /* the named world is found by its full name too */
    weft_error *e = gen_error(small_wit, "a:b/my-world@1.0.0");
    CHECK(e == NULL);
    weft_error_free(e);
}

static void test_write(void) {
    char dir[] = "/tmp/weft-bindgen-XXXXXX";
    char path[256], file[300];
    bindgen_files f;
    weft_error *e = NULL;
    REQUIRE(mkdtemp(dir) != NULL);
    if (!generate(small_wit, &f)) goto done;
    /* a new directory is made; its files hold the texts */
    snprintf(path, sizeof path, "%s/out", dir);
    e = bindgen_write(&f, path);
    CHECK(e == NULL);
    weft_error_free(e);
    for (size_t i = 0; i < f.n; i++) {
        snprintf(file, sizeof file, "%s/%s", path, f.v[i].name);
        struct stat st;
        if (CHECK(stat(file, &st) == 0)) CHECK_EQ_INT(st.st_size, f.v[i].len);
        unlink(file);
    }
    /* again into the existing directory */
    e = bindgen_write(&f, path);
    CHECK(e == NULL);
    weft_error_free(e);
    for (size_t i = 0; i < f.n; i++) {
        snprintf(file, sizeof file, "%s/%s", path, f.v[i].name);
        CHECK(unlink(file) == 0);
    }
    /* a parent that does not exist */
    snprintf(path, sizeof path, "%s/missing/out", dir);
    e = bindgen_write(&f, path);
    if (CHECK(e != NULL)) {
        CHECK_EQ_INT(weft_error_kind_of(e), WEFT_ERR_USAGE);
        CHECK_CONTAINS(weft_error_message(e), "cannot create the directory");
    }
    weft_error_free(e);
    /* a file where the directory should be */
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *fp = fopen(path, "w");
    if (CHECK(fp != NULL)) fclose(fp);
    e = bindgen_write(&f, path);
    if (CHECK(e != NULL)) CHECK_CONTAINS(weft_error_message(e), "not a directory");
    weft_error_free(e);
    unlink(path);
    snprintf(path, sizeof path, "%s/out", dir);
    rmdir(path);
done:
    bindgen_files_free(&f);
    rmdir(dir);
}

/* bindgen.sh's world from its directory: every value type, imports and exports. */
static void test_kitchen(void) {
    char *err = NULL;
    bindgen_files f = {0};
    wit_doc *doc = wit_parse_dir(wit_dir, &err);
    if (!CHECK(doc != NULL)) fprintf(stderr, "  %s\n", err ? err : "?");
    free(err);
    REQUIRE(doc != NULL);
    weft_error *e = bindgen_c_doc(doc, "kitchen", &f);
    if (!CHECK(e == NULL)) fprintf(stderr, "  %s\n", weft_error_message(e));
    weft_error_free(e);
    REQUIRE_EQ_INT(f.n, 2);
    const char *h = f.v[0].text, *c = f.v[1].text;
    CHECK_CONTAINS(h,
                   "typedef struct kitchen_test_bindgen_gated_big_t {\n"
                   "    uint32_t words[2];\n"
                   "} kitchen_test_bindgen_gated_big_t;");
    CHECK_CONTAINS(h,
                   "#define KITCHEN_TEST_BINDGEN_GATED_BIG_B39 (1u << 7)\n"
                   "#define KITCHEN_TEST_BINDGEN_GATED_BIG_B39_WORD 1\n");
    CHECK_CONTAINS(h, "typedef uint32_t kitchen_test_bindgen_types_full_t;");
    /* a used type is an alias of its definition, and anonymous types see through aliases */
    CHECK_CONTAINS(h,
                   "typedef kitchen_test_bindgen_types_person_t "
                   "kitchen_test_bindgen_values_person_t;");
    CHECK_CONTAINS(h, "typedef struct kitchen_list_test_bindgen_types_person_t {");
    CHECK(!strstr(h, "kitchen_list_test_bindgen_values_person_t"));
    CHECK_CONTAINS(h,
                   "void kitchen_test_bindgen_host_concat(const kitchen_string_t *a, const "
                   "kitchen_string_t *b, kitchen_string_t *ret);");
    CHECK_CONTAINS(h,
                   "void kitchen_exports_test_bindgen_host_concat(kitchen_string_t *a, "
                   "kitchen_string_t "
                   "*b, kitchen_string_t *ret);");
    CHECK_CONTAINS(h, "uint32_t kitchen_counter(void);");
    /* num's payloads share an i64: an f32 goes as its bits, an i32 zero-extended */
    CHECK_CONTAINS(c, "(int64_t)(uint32_t)kitchen__f32_bits(");
    CHECK_CONTAINS(c, "= kitchen__f64_from_bits(");
    CHECK_CONTAINS(c,
                   "__attribute__((import_module(\"test:bindgen/host@0.1.0\"), "
                   "import_name(\"many\")))");
done:
    bindgen_files_free(&f);
    wit_free(doc);
}

/* Fails the Nth allocation for N = 0, 1, ... until generation succeeds: each failure is an
 * out-of-memory error, and nothing is left allocated. */
static void test_alloc_failures(void) {
#ifdef ALLOC_HOOKS
    wit_doc *doc = parse(small_wit);
    REQUIRE(doc != NULL);
    long n = 0;
    for (;; n++) {
        bindgen_files f;
        long before = live;
        fail_in = n;
        weft_error *e = bindgen_c_doc(doc, NULL, &f);
        fail_in = -1;
        bool ok = e == NULL;
        if (e) CHECK_EQ_INT(weft_error_kind_of(e), WEFT_ERR_NOMEM);
        else CHECK_EQ_INT(f.n, 2);
        weft_error_free(e);
        bindgen_files_free(&f);
        if (!CHECK_EQ_INT(live, before)) fprintf(stderr, "  failing allocation %ld leaks\n", n);
        if (ok || n > 100000) break;
    }
    CHECK(n > 10); /* the generator does allocate */
    printf("     %ld allocations failed in turn\n", n);
done:
    wit_free(doc);
#else
    printf("     (allocation hooks off in this build)\n");
#endif
}

int main(int argc, char **argv) {
    if (argc > 1) wit_dir = argv[1];
    RUN(test_small_world_header);
    RUN(test_small_world_glue);
    RUN(test_refusals);
    RUN(test_write);
    RUN(test_kitchen);
    RUN(test_alloc_failures);
    return check_report("test_bindgen");
}
