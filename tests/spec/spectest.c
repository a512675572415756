/* spectest.c: the "spectest" host module that spec scripts import, as the reference
 * interpreter defines it: print functions (silent unless --verbose), four immutable globals,
 * a funcref table of 10..20 elements and a memory of 1..2 pages. Made fresh for every store.
 */
#include <stdio.h>

#include "spec.h"

struct spec_print_sig {
    const char *name;
    weft_valtype params[2];
    size_t nparams;
};

static const struct spec_print_sig print_sigs[SPEC_SPECTEST_PRINTS] = {
    {"print", {WEFT_I32}, 0},
    {"print_i32", {WEFT_I32}, 1},
    {"print_i64", {WEFT_I64}, 1},
    {"print_f32", {WEFT_F32}, 1},
    {"print_f64", {WEFT_F64}, 1},
    {"print_i32_f32", {WEFT_I32, WEFT_F32}, 2},
    {"print_f64_f64", {WEFT_F64, WEFT_F64}, 2},
};

static weft_error *spectest_print(weft_caller *c, void *user_data, const weft_val *args,
                                  weft_val *results) {
    const spec_print_fn *p = user_data;
    if (!p->opts->verbose)
        return NULL;
    printf("spectest.%s(", p->sig->name);
    for (size_t i = 0; i < p->sig->nparams; i++) {
        char buf[96];
        weft_val v = args[i];
        v.type = p->sig->params[i]; /* the signature, not the caller, says what it is */
        spec_val_format(v, false, buf, sizeof buf);
        printf("%s%s", i ? ", " : "", buf);
    }
    printf(")\n");
    return NULL;
}

/* Writes "spectest.NAME: <error>" into err and frees e. */
static void report(const char *name, weft_error *e, char *err, size_t errlen) {
    char buf[512];
    spec_error_format(e, buf, sizeof buf);
    snprintf(err, errlen, "spectest.%s: %s", name, buf);
    weft_error_free(e);
}

static bool define(weft_linker *l, const char *name, weft_extern ext, char *err, size_t errlen) {
    weft_error *e = weft_linker_define(l, "spectest", name, ext);
    if (e != NULL)
        report(name, e, err, errlen);
    return e == NULL;
}

static bool define_global(weft_linker *l, weft_store *s, const char *name, weft_val v,
                          char *err, size_t errlen) {
    weft_global *g = weft_global_new(s, v.type, false, v);
    if (g == NULL) {
        snprintf(err, errlen, "spectest.%s: weft_global_new failed", name);
        return false;
    }
    return define(l, name, (weft_extern){.kind = WEFT_EXTERN_GLOBAL, .of.global = g}, err,
                  errlen);
}

bool spec_spectest_define(spec_spectest *st, weft_linker *l, weft_store *s,
                          const spec_opts *o, char *err, size_t errlen) {
    weft_error *e;
    for (size_t i = 0; i < SPEC_SPECTEST_PRINTS; i++) {
        st->prints[i] = (spec_print_fn){.sig = &print_sigs[i], .opts = o};
        e = weft_linker_define_func(l, "spectest", print_sigs[i].name, print_sigs[i].params,
                                    print_sigs[i].nparams, NULL, 0, spectest_print,
                                    &st->prints[i], NULL);
        if (e != NULL) {
            report(print_sigs[i].name, e, err, errlen);
            return false;
        }
    }

    if (!define_global(l, s, "global_i32", (weft_val){.type = WEFT_I32, .of.i32 = 666}, err,
                       errlen) ||
        !define_global(l, s, "global_i64", (weft_val){.type = WEFT_I64, .of.i64 = 666}, err,
                       errlen) ||
        !define_global(l, s, "global_f32", (weft_val){.type = WEFT_F32, .of.f32 = 666.6f},
                       err, errlen) ||
        !define_global(l, s, "global_f64", (weft_val){.type = WEFT_F64, .of.f64 = 666.6}, err,
                       errlen))
        return false;

    weft_table *table = NULL;
    weft_val null_func = {.type = WEFT_FUNCREF, .of.funcref = NULL};
    if ((e = weft_table_new(s, WEFT_FUNCREF, 10, true, 20, null_func, &table)) != NULL) {
        report("table", e, err, errlen);
        return false;
    }
    if (!define(l, "table", (weft_extern){.kind = WEFT_EXTERN_TABLE, .of.table = table}, err,
                errlen))
        return false;

    weft_memory *mem = NULL;
    if ((e = weft_memory_new(s, 1, true, 2, &mem)) != NULL) {
        report("memory", e, err, errlen);
        return false;
    }
    return define(l, "memory", (weft_extern){.kind = WEFT_EXTERN_MEMORY, .of.memory = mem},
                  err, errlen);
}
