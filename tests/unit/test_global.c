/* test_global.c: unit tests of globals (src/wasm/global.c): the host API for every value type,
 * immutability and type checks on set, globals shared between host and guest in both directions,
 * and global import matching.
 */
#include "global_modules.h"

static weft_engine *engine;

static void test_global_api(void) {
    weft_store *s = weft_store_new(engine, NULL);
    REQUIRE(s);
    weft_global *g = weft_global_new(s, WEFT_I32, true, val_i32(5));
    REQUIRE(g);
    CHECK_EQ_INT(weft_global_type(g), WEFT_I32);
    CHECK(weft_global_mutable(g));
    weft_val v = weft_global_get(g);
    CHECK_EQ_INT(v.type, WEFT_I32);
    CHECK_EQ_INT(v.of.i32, 5);
    CHECK_OK(weft_global_set(g, val_i32(-6)));
    CHECK_EQ_INT(weft_global_get(g).of.i32, -6);
    /* A value of another type is refused and changes nothing. */
    CHECK_ERROR(weft_global_set(g, val_i64(7)), WEFT_ERR_USAGE, NULL);
    CHECK_ERROR(weft_global_set(g, val_f32(7)), WEFT_ERR_USAGE, NULL);
    CHECK_EQ_INT(weft_global_get(g).of.i32, -6);

    weft_global *k = weft_global_new(s, WEFT_I64, false, val_i64(INT64_MIN));
    REQUIRE(k);
    CHECK(!weft_global_mutable(k));
    CHECK_ERROR(weft_global_set(k, val_i64(1)), WEFT_ERR_USAGE, "immutable");
    CHECK_EQ_INT(weft_global_get(k).of.i64, INT64_MIN);

    /* Floats keep their exact bits. */
    weft_global *f = weft_global_new(s, WEFT_F32, true, val_f32_bits(0x7f800001u));
    REQUIRE(f);
    CHECK_EQ_U64((uint32_t)weft_global_get(f).of.i32, 0x7f800001u);
    CHECK_OK(weft_global_set(f, val_f32_bits(0xffc00123u)));
    CHECK_EQ_U64((uint32_t)weft_global_get(f).of.i32, 0xffc00123u);
    CHECK_EQ_INT(weft_global_get(f).type, WEFT_F32);
    weft_global *d =
        weft_global_new(s, WEFT_F64, false, val_f64_bits(UINT64_C(0xfff0000000000001)));
    REQUIRE(d);
    CHECK_EQ_U64((uint64_t)weft_global_get(d).of.i64, UINT64_C(0xfff0000000000001));

    /* References. */
    int token = 0;
    weft_global *e = weft_global_new(s, WEFT_EXTERNREF, true, val_extern(&token));
    REQUIRE(e);
    CHECK(weft_global_get(e).of.externref == &token);
    CHECK_EQ_INT(weft_global_get(e).type, WEFT_EXTERNREF);
    CHECK_OK(weft_global_set(e, val_extern(NULL)));
    CHECK(weft_global_get(e).of.externref == NULL);
    CHECK_ERROR(weft_global_set(e, val_func(NULL)), WEFT_ERR_USAGE, NULL);
    weft_func *fn = weft_func_new(s, NULL, 0, NULL, 0, host_nop, NULL, NULL);
    REQUIRE(fn);
    weft_global *fr = weft_global_new(s, WEFT_FUNCREF, false, val_func(fn));
    REQUIRE(fr);
    CHECK(weft_global_get(fr).of.funcref == fn);

    /* The initial value must have the global's type; v128 globals cannot be made. */
    CHECK(weft_global_new(s, WEFT_I32, true, val_i64(1)) == NULL);
    CHECK(weft_global_new(s, WEFT_V128, true, (weft_val){.type = WEFT_V128}) == NULL);
done:
    weft_store_free(s);
}

static void test_shared_with_guest(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = s ? weft_linker_new(s) : NULL;
    weft_module *m = LOAD(engine, glob_wasm);
    REQUIRE(l && m);
    weft_global *in = weft_global_new(s, WEFT_I32, true, val_i32(10));
    weft_global *k = weft_global_new(s, WEFT_I64, false, val_i64(INT64_C(1) << 40));
    REQUIRE(in && k);
    REQUIRE_OK(weft_linker_define(l, "env", "g_in",
                                  (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = in}));
    REQUIRE_OK(weft_linker_define(l, "env", "k",
                                  (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = k}));
    weft_instance *inst = INSTANTIATE(s, m, l);
    REQUIRE(inst);

    /* An imported mutable global is one object: writes from either side are seen by the other. */
    int32_t r = 0;
    CHECK_OK(CALL0_I32(s, inst, "read_in", &r));
    CHECK_EQ_INT(r, 10);
    CHECK_OK(weft_global_set(in, val_i32(11)));
    CHECK_OK(CALL0_I32(s, inst, "read_in", &r));
    CHECK_EQ_INT(r, 11);
    weft_val twelve = val_i32(12);
    CHECK_OK(CALL(s, inst, "write_in", &twelve, 1, NULL, 0));
    CHECK_EQ_INT(weft_global_get(in).of.i32, 12);

    weft_val v = {0};
    CHECK_OK(CALL(s, inst, "read_k", NULL, 0, &v, 1));
    CHECK_EQ_INT(v.of.i64, INT64_C(1) << 40);

    /* Exported globals: the guest's global.set is visible through the export, and back. */
    weft_extern ext;
    REQUIRE(weft_instance_export(inst, "counter", &ext));
    REQUIRE_EQ_INT(ext.kind, WEFT_EXTERN_GLOBAL);
    weft_global *counter = ext.of.global;
    CHECK(weft_global_mutable(counter));
    CHECK_OK(CALL0_I32(s, inst, "bump", &r));
    CHECK_OK(CALL0_I32(s, inst, "bump", &r));
    CHECK_EQ_INT(r, 2);
    CHECK_EQ_INT(weft_global_get(counter).of.i32, 2);
    CHECK_OK(weft_global_set(counter, val_i32(100)));
    CHECK_OK(CALL0_I32(s, inst, "bump", &r));
    CHECK_EQ_INT(r, 101);
    CHECK_EQ_INT(weft_global_get(counter).of.i32, 101);

    REQUIRE(weft_instance_export(inst, "pi", &ext));
    CHECK_EQ_INT(weft_global_type(ext.of.global), WEFT_F64);
    CHECK(!weft_global_mutable(ext.of.global));
    CHECK(weft_global_get(ext.of.global).of.f64 == 3.25);
    CHECK_ERROR(weft_global_set(ext.of.global, val_f64(1)), WEFT_ERR_USAGE, NULL);
    CHECK(weft_global_get(ext.of.global).of.f64 == 3.25);

    /* Initialised from the imported global. */
    REQUIRE(weft_instance_export(inst, "k2", &ext));
    CHECK_EQ_INT(weft_global_get(ext.of.global).of.i64, INT64_C(1) << 40);

    /* An externref global the guest writes. */
    int token = 0;
    REQUIRE(weft_instance_export(inst, "ref", &ext));
    weft_val p = val_extern(&token);
    CHECK_OK(CALL(s, inst, "set_ref", &p, 1, NULL, 0));
    CHECK(weft_global_get(ext.of.global).of.externref == &token);
    CHECK_OK(weft_global_set(ext.of.global, val_extern(NULL)));
    CHECK_OK(CALL(s, inst, "get_ref", NULL, 0, &v, 1));
    CHECK(v.of.externref == NULL);
done:
    weft_module_free(m);
    weft_linker_free(l);
    weft_store_free(s);
}

/* glob_wasm imports g_in as (mut i32): an immutable one, or one of another type, does not link. */
static void test_import_mismatch(void) {
    weft_module *m = LOAD(engine, glob_wasm);
    REQUIRE(m);
    static const struct {
        weft_valtype type;
        bool mut;
    } wrong[] = {{WEFT_I32, false}, {WEFT_I64, true}, {WEFT_F32, true}};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        weft_store *s = weft_store_new(engine, NULL);
        weft_linker *l = s ? weft_linker_new(s) : NULL;
        if (CHECK(l != NULL)) {
            weft_val init = {.type = wrong[i].type};
            weft_global *in = weft_global_new(s, wrong[i].type, wrong[i].mut, init);
            weft_global *k = weft_global_new(s, WEFT_I64, false, val_i64(0));
            if (CHECK(in && k)) {
                CHECK_OK(weft_linker_define(
                    l, "env", "g_in", (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = in}));
                CHECK_OK(weft_linker_define(
                    l, "env", "k", (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = k}));
                weft_instance *inst = NULL;
                CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "g_in");
            }
        }
        weft_linker_free(l);
        weft_store_free(s);
    }
    /* And k, immutable in the import, must not be given as mutable. */
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = s ? weft_linker_new(s) : NULL;
    if (CHECK(l != NULL)) {
        weft_global *in = weft_global_new(s, WEFT_I32, true, val_i32(0));
        weft_global *k = weft_global_new(s, WEFT_I64, true, val_i64(0));
        CHECK_OK(weft_linker_define(l, "env", "g_in",
                                    (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = in}));
        CHECK_OK(weft_linker_define(l, "env", "k",
                                    (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = k}));
        weft_instance *inst = NULL;
        CHECK_ERROR(weft_instance_new(s, m, l, &inst), WEFT_ERR_LINK, "k");
    }
    weft_linker_free(l);
    weft_store_free(s);
done:
    weft_module_free(m);
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_global");
    RUN(test_global_api);
    RUN(test_shared_with_guest);
    RUN(test_import_mismatch);
    weft_engine_free(engine);
    return check_report("test_global");
}
