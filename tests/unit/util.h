/* util.h: weft helpers shared by the unit tests: value constructors, checked loading and
 * instantiation, one-line checks of an error's kind, trap code and message, and the record that
 * lists a test module for the stress test (test_stress.c). Assertions themselves are check.h.
 */
#ifndef WEFT_UNIT_UTIL_H
#define WEFT_UNIT_UTIL_H

#include <stdlib.h>

#include "check.h"
#include "weft.h"

/* ---- values --------------------------------------------------------------------------------- */

static inline weft_val val_i32(int32_t x) { return (weft_val){.type = WEFT_I32, .of.i32 = x}; }
static inline weft_val val_i64(int64_t x) { return (weft_val){.type = WEFT_I64, .of.i64 = x}; }
static inline weft_val val_f32(float x) { return (weft_val){.type = WEFT_F32, .of.f32 = x}; }
static inline weft_val val_f64(double x) { return (weft_val){.type = WEFT_F64, .of.f64 = x}; }
/* Floats by their exact bits, as the header says NaN payloads are read and written. */
static inline weft_val val_f32_bits(uint32_t b) {
    return (weft_val){.type = WEFT_F32, .of.i32 = (int32_t)b};
}
static inline weft_val val_f64_bits(uint64_t b) {
    return (weft_val){.type = WEFT_F64, .of.i64 = (int64_t)b};
}
static inline weft_val val_extern(void *p) {
    return (weft_val){.type = WEFT_EXTERNREF, .of.externref = p};
}
static inline weft_val val_func(weft_func *f) {
    return (weft_val){.type = WEFT_FUNCREF, .of.funcref = f};
}

/* ---- errors --------------------------------------------------------------------------------- */

static inline void print_error(const weft_error *err) {
    char *s = weft_error_format(err);
    fprintf(stderr, "    error: %s\n", s ? s : weft_error_message(err));
    free(s);
}

/* Checks that err is NULL; otherwise shows and frees it. Evaluates to true on success. */
static inline bool check_ok_at(weft_error *err, const char *file, int line, const char *expr) {
    if (check_at(err == NULL, file, line, expr)) return true;
    print_error(err);
    weft_error_free(err);
    return false;
}
#define CHECK_OK(err) check_ok_at((err), __FILE__, __LINE__, #err " succeeds")
#define REQUIRE_OK(err)                                                                         \
    do {                                                                                        \
        if (!CHECK_OK(err)) goto done;                                                          \
    } while (0)

/* Checks that err is an error of the given kind whose message contains needle (NULL: any
 * message), then frees it. */
static inline bool check_error_at(weft_error *err, weft_error_kind kind, const char *needle,
                                  const char *file, int line, const char *expr) {
    if (!check_at(err != NULL, file, line, expr)) return false;
    bool ok = check_int_at(weft_error_kind_of(err), kind, file, line, "weft_error_kind_of", "kind");
    if (needle) ok &= check_contains_at(weft_error_message(err), needle, file, line, "message");
    if (!ok) print_error(err);
    weft_error_free(err);
    return ok;
}
#define CHECK_ERROR(err, kind, needle)                                                          \
    check_error_at((err), (kind), (needle), __FILE__, __LINE__, #err " fails")

/* Checks that err is a trap with the given code and exactly the given message, then frees it. */
static inline bool check_trap_at(weft_error *err, weft_trap_code code, const char *msg,
                                 const char *file, int line, const char *expr) {
    if (!check_at(err != NULL, file, line, expr)) return false;
    bool ok = check_int_at(weft_error_kind_of(err), WEFT_ERR_TRAP, file, line,
                           "weft_error_kind_of", "WEFT_ERR_TRAP");
    ok &= check_int_at(weft_error_trap_code(err), code, file, line, "weft_error_trap_code", "code");
    ok &= check_str_at(weft_error_message(err), msg, file, line, "weft_error_message", "msg");
    if (!ok) print_error(err);
    weft_error_free(err);
    return ok;
}
#define CHECK_TRAP(err, code, msg)                                                              \
    check_trap_at((err), (code), (msg), __FILE__, __LINE__, #err " traps")

/* ---- modules and instances ------------------------------------------------------------------ */

/* Compiles a module; on failure records a failed check, shows the error and returns NULL. */
static inline weft_module *load_at(weft_engine *e, const uint8_t *bytes, size_t len,
                                   const char *file, int line, const char *expr) {
    weft_module *m = NULL;
    weft_error *err = weft_module_new(e, bytes, len, &m);
    if (!check_ok_at(err, file, line, expr)) return NULL;
    return m;
}
#define LOAD(engine, array) load_at((engine), (array), sizeof(array), __FILE__, __LINE__, #array)

static inline weft_instance *instantiate_at(weft_store *s, weft_module *m, weft_linker *l,
                                            const char *file, int line, const char *expr) {
    weft_instance *inst = NULL;
    weft_error *err = weft_instance_new(s, m, l, &inst);
    if (!check_ok_at(err, file, line, expr)) return NULL;
    return inst;
}
#define INSTANTIATE(s, m, l) instantiate_at((s), (m), (l), __FILE__, __LINE__, "instantiate " #m)

/* Calls export name of inst. A missing export is a failed check and an error (a host trap, the
 * only error kind a test can make) so the caller's own checks fail too. */
static inline weft_error *call_at(weft_store *s, weft_instance *inst, const char *name,
                                  const weft_val *args, size_t nargs, weft_val *results,
                                  size_t nresults, const char *file, int line) {
    weft_func *f = inst ? weft_instance_func(inst, name) : NULL;
    if (!check_at(f != NULL, file, line, name))
        return weft_trap_new("test: no exported function \"%s\"", name);
    return weft_func_call(s, f, args, nargs, results, nresults);
}
#define CALL(s, inst, name, args, nargs, results, nresults)                                     \
    call_at((s), (inst), (name), (args), (nargs), (results), (nresults), __FILE__, __LINE__)

/* Calls an export taking one i32 (or none when nargs is 0) and returning one i32. */
static inline weft_error *call_i32_at(weft_store *s, weft_instance *inst, const char *name,
                                      size_t nargs, int32_t arg, int32_t *result,
                                      const char *file, int line) {
    weft_val a = val_i32(arg), r = {0};
    weft_error *err = call_at(s, inst, name, &a, nargs, &r, 1, file, line);
    if (!err) *result = r.of.i32;
    return err;
}
#define CALL_I32(s, inst, name, arg, result)                                                    \
    call_i32_at((s), (inst), (name), 1, (arg), (result), __FILE__, __LINE__)
#define CALL0_I32(s, inst, name, result)                                                        \
    call_i32_at((s), (inst), (name), 0, 0, (result), __FILE__, __LINE__)

/* ---- the stress test's view of a module ----------------------------------------------------- */

/* A test module as test_stress.c runs it: its bytes, how to satisfy its imports, and how its
 * instantiation ends with default limits. */
typedef struct unit_module {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    /* Defines every import of the module in l (made for s); NULL when it has none. */
    weft_error *(*link)(weft_engine *e, weft_store *s, weft_linker *l);
    /* 0 when instantiation succeeds, else the kind of error it fails with. */
    weft_error_kind fails_with;
} unit_module;

#define UNIT_MODULE(array, link, fails_with) {#array, array, sizeof(array), link, fails_with}

/* ---- imports several test modules share ----------------------------------------------------- */

/* A host function that does nothing, for imports whose behaviour a test does not look at. */
static inline weft_error *host_nop(weft_caller *c, void *ud, const weft_val *args,
                                   weft_val *results) {
    return NULL;
}

/* Defines env.mem as a fresh one-page memory without a maximum. */
static inline weft_error *link_env_memory(weft_engine *e, weft_store *s, weft_linker *l) {
    weft_extern ext = {.kind = WEFT_EXTERN_MEMORY};
    weft_error *err = weft_memory_new(s, 1, false, 0, &ext.of.memory);
    if (err) return err;
    return weft_linker_define(l, "env", "mem", ext);
}

/* Defines env.tab as a fresh funcref table of two null elements without a maximum. */
static inline weft_error *link_env_table(weft_engine *e, weft_store *s, weft_linker *l) {
    weft_extern ext = {.kind = WEFT_EXTERN_TABLE};
    weft_error *err = weft_table_new(s, WEFT_FUNCREF, 2, false, 0, val_func(NULL), &ext.of.table);
    if (err) return err;
    return weft_linker_define(l, "env", "tab", ext);
}

#endif
