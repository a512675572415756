/* fuzz_engine.c: libFuzzer target over the whole engine: decode, validate and compile the input
 * as a module; if it loads, instantiate it (with the spec's "spectest" imports available) and
 * call every exported function with arguments taken from the input, under small limits and fuel
 * so every input finishes quickly. Crashes, sanitizer reports, leaks and hangs are findings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

/* Small limits keep one input's memory and time bounded. */
#define FUZZ_FUEL_PER_CALL 200000
#define FUZZ_MAX_PAGES 64
#define FUZZ_MAX_TABLE 10000
#define FUZZ_CALL_DEPTH 500
#define FUZZ_STACK_SLOTS (1u << 16)
#define FUZZ_MAX_EXPORT_CALLS 32

static weft_error *nop_host(weft_caller *c, void *ud, const weft_val *args, weft_val *results) {
    (void)c, (void)ud, (void)args, (void)results;
    return NULL;
}

/* The imports spec modules use, so mutated spec modules get past linking. */
static void define_spectest(weft_store *s, weft_linker *l) {
    static const struct {
        const char *name;
        weft_valtype p[2];
        size_t n;
    } prints[] = {{"print", {WEFT_I32}, 0},        {"print_i32", {WEFT_I32}, 1},
                  {"print_i64", {WEFT_I64}, 1},    {"print_f32", {WEFT_F32}, 1},
                  {"print_f64", {WEFT_F64}, 1},    {"print_i32_f32", {WEFT_I32, WEFT_F32}, 2},
                  {"print_f64_f64", {WEFT_F64, WEFT_F64}, 2}};
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        weft_error_free(weft_linker_define_func(l, "spectest", prints[i].name, prints[i].p,
                                                prints[i].n, NULL, 0, nop_host, NULL, NULL));
    weft_val v = {.type = WEFT_I32, .of.i32 = 666};
    weft_global *g = weft_global_new(s, WEFT_I32, false, v);
    if (g) weft_error_free(weft_linker_define(l, "spectest", "global_i32", (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = g}));
    weft_memory *m = NULL;
    weft_error_free(weft_memory_new(s, 1, true, 2, &m));
    if (m) weft_error_free(weft_linker_define(l, "spectest", "memory", (weft_extern){.kind = WEFT_EXTERN_MEMORY, .of.memory = m}));
    weft_table *t = NULL;
    weft_val null = {.type = WEFT_FUNCREF};
    weft_error_free(weft_table_new(s, WEFT_FUNCREF, 10, true, 20, null, &t));
    if (t) weft_error_free(weft_linker_define(l, "spectest", "table", (weft_extern){.kind = WEFT_EXTERN_TABLE, .of.table = t}));
}

static uint64_t take(const uint8_t *data, size_t size, size_t *at) {
    uint64_t v = 0;
    for (int i = 0; i < 8 && size; i++) v = v << 8 | data[(*at)++ % size];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    weft_engine_config cfg = {.consume_fuel = true, .interruptible = true};
    weft_engine *e = weft_engine_new(&cfg);
    weft_module *m = NULL;
    weft_error *err = weft_module_new(e, data, size, &m);
    if (err) {
        /* Every refusal must carry a message. */
        if (!weft_error_message(err) || !*weft_error_message(err)) abort();
        weft_error_free(err);
        weft_engine_free(e);
        return 0;
    }
    weft_limits lim = {.max_memory_pages = FUZZ_MAX_PAGES, .max_table_elements = FUZZ_MAX_TABLE,
                       .max_call_depth = FUZZ_CALL_DEPTH, .max_stack_slots = FUZZ_STACK_SLOTS};
    weft_store *s = weft_store_new(e, &lim);
    weft_linker *l = weft_linker_new(s);
    define_spectest(s, l);
    weft_store_set_fuel(s, FUZZ_FUEL_PER_CALL);
    weft_instance *inst = NULL;
    weft_error_free(weft_instance_new(s, m, l, &inst));
    if (inst) {
        size_t at = 0, calls = 0;
        for (size_t i = 0; i < weft_module_export_count(m) && calls < FUZZ_MAX_EXPORT_CALLS; i++) {
            const char *name;
            size_t len;
            weft_extern_kind kind;
            weft_module_export(m, i, &name, &len, &kind);
            if (kind != WEFT_EXTERN_FUNC || memchr(name, 0, len)) continue;
            char cname[256];
            if (len >= sizeof cname) continue;
            memcpy(cname, name, len);
            cname[len] = 0;
            weft_func *f = weft_instance_func(inst, cname);
            if (!f) abort(); /* an exported function must be found by its name */
            size_t np = weft_func_param_count(f), nr = weft_func_result_count(f);
            weft_val *args = calloc(np + 1, sizeof *args), *res = calloc(nr + 1, sizeof *res);
            const weft_valtype *pt = weft_func_params(f);
            for (size_t k = 0; k < np; k++) {
                args[k].type = pt[k];
                if (pt[k] == WEFT_FUNCREF || pt[k] == WEFT_EXTERNREF) continue; /* null */
                args[k].of.i64 = (int64_t)take(data, size, &at);
            }
            weft_store_set_fuel(s, FUZZ_FUEL_PER_CALL);
            weft_error_free(weft_func_call(s, f, args, np, res, nr));
            free(args);
            free(res);
            calls++;
        }
    }
    weft_linker_free(l);
    weft_store_free(s);
    weft_module_free(m);
    weft_engine_free(e);
    return 0;
}
