/* kernel.c: the host functions of "extism:host/env", the ABI Extism's PDKs compile against,
 * implemented natively over the instance's block memory (blocks.c), its config, vars and log.
 *
 * Semantics follow Extism's kernel: offsets name blocks, 0 means "none"; input is one block
 * read through input_load_*; config_get and var_get answer with a new block or 0; var_set with
 * value 0 deletes. Where Extism would read or write out of range silently, weft traps with a
 * message naming the function and the offset: a guest never reaches host memory, and a bug in a
 * plugin is reported where it happens. An allocation the memory limit refuses fails the call with
 * WEFT_PLUGIN_LIMIT at once instead of handing the guest a 0 it would write through.
 *
 * The same functions are offered under their pre-1.0 names (module "env", prefix "extism_"), so
 * plugins built with older PDKs load too. Only the functions a module imports are defined.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin.h"

#define I32 WEFT_I32
#define I64 WEFT_I64

weft_error *kernel_fail(weft_plugin *p, weft_plugin_status st, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!p->fail_msg) { /* the first failure is the cause; later ones are consequences */
        p->fail = st;
        p->fail_msg = strdup(buf);
    }
    return weft_trap_new("%s", buf);
}

static weft_error *refuse_alloc(weft_plugin *p, const char *fn, uint64_t n) {
    return kernel_fail(p, WEFT_PLUGIN_LIMIT,
                       "%s: allocating %llu bytes would pass the plugin's memory limit of %llu "
                       "bytes", fn, (unsigned long long)n, (unsigned long long)p->blk.limit);
}

/* The bytes of the block at off, or a trap naming fn. */
static weft_error *need_block(weft_plugin *p, const char *fn, uint64_t off, const uint8_t **data,
                              size_t *len) {
    block *k = blocks_find(&p->blk, off);
    if (!k) return kernel_fail(p, WEFT_PLUGIN_TRAP, "%s: %llu is not the offset of a block", fn,
                               (unsigned long long)off);
    *data = p->blk.base + k->off;
    *len = k->len;
    return NULL;
}

static uint8_t *need_range(weft_plugin *p, const char *fn, uint64_t off, uint64_t n,
                           weft_error **err) {
    uint8_t *ptr = blocks_range(&p->blk, off, n);
    if (!ptr)
        *err = kernel_fail(p, WEFT_PLUGIN_TRAP,
                           "%s: %llu bytes at offset %llu are not inside a block", fn,
                           (unsigned long long)n, (unsigned long long)off);
    return ptr;
}

weft_error *kernel_new_block(weft_plugin *p, const char *fn, const void *data, size_t len,
                             uint64_t *off) {
    *off = 0;
    if (len == 0) return NULL;
    uint64_t o = blocks_alloc(&p->blk, len);
    if (!o) return refuse_alloc(p, fn, len);
    memcpy(p->blk.base + o, data, len);
    *off = o;
    return NULL;
}

/* ---- the functions ------------------------------------------------------------------------- */

#define KFN(name) static weft_error *k_##name(weft_caller *c, void *ud, const weft_val *a, weft_val *r)
#define P ((weft_plugin *)ud)
#define U64(i) ((uint64_t)a[i].of.i64)

KFN(input_length) {
    r[0].of.i64 = (int64_t)P->input_len;
    return NULL;
}

KFN(input_offset) {
    r[0].of.i64 = (int64_t)P->input_off;
    return NULL;
}

static weft_error *input_load(weft_plugin *p, const char *fn, uint64_t off, unsigned n,
                              uint64_t *out) {
    if (off > p->input_len || n > p->input_len - off)
        return kernel_fail(p, WEFT_PLUGIN_TRAP,
                           "%s: %u bytes at offset %llu run past the input's %llu bytes", fn, n,
                           (unsigned long long)off, (unsigned long long)p->input_len);
    uint64_t v = 0;
    memcpy(&v, p->blk.base + p->input_off + off, n); /* little-endian host, as wasm */
    *out = v;
    return NULL;
}

KFN(input_load_u8) {
    uint64_t v = 0;
    weft_error *e = input_load(P, "input_load_u8", U64(0), 1, &v);
    r[0].of.i32 = (int32_t)v;
    return e;
}

KFN(input_load_u64) {
    uint64_t v = 0;
    weft_error *e = input_load(P, "input_load_u64", U64(0), 8, &v);
    r[0].of.i64 = (int64_t)v;
    return e;
}

KFN(length) {
    block *k = blocks_find(&P->blk, U64(0));
    r[0].of.i64 = k ? (int64_t)k->len : 0;
    return NULL;
}

KFN(alloc) {
    uint64_t n = U64(0), off = 0;
    if (n && !(off = blocks_alloc(&P->blk, n))) return refuse_alloc(P, "alloc", n);
    r[0].of.i64 = (int64_t)off;
    return NULL;
}

KFN(free) {
    blocks_release(&P->blk, U64(0));
    return NULL;
}

#define LOAD_STORE(bits, name_load, name_store, field, ctype)                                  \
    KFN(name_load) {                                                                           \
        weft_error *e = NULL;                                                                  \
        uint8_t *ptr = need_range(P, #name_load, U64(0), bits / 8, &e);                        \
        if (!ptr) return e;                                                                    \
        ctype v;                                                                               \
        memcpy(&v, ptr, sizeof v);                                                             \
        r[0].of.field = v;                                                                     \
        return NULL;                                                                           \
    }                                                                                          \
    KFN(name_store) {                                                                          \
        weft_error *e = NULL;                                                                  \
        uint8_t *ptr = need_range(P, #name_store, U64(0), bits / 8, &e);                       \
        if (!ptr) return e;                                                                    \
        ctype v = (ctype)a[1].of.field;                                                        \
        memcpy(ptr, &v, sizeof v);                                                             \
        return NULL;                                                                           \
    }

LOAD_STORE(8, load_u8, store_u8, i32, uint8_t)
LOAD_STORE(32, load_u32, store_u32, i32, uint32_t)
LOAD_STORE(64, load_u64, store_u64, i64, uint64_t)

KFN(output_set) {
    uint64_t off = U64(0), len = U64(1);
    weft_plugin *p = P;
    if (len > p->cp->opts.max_output_bytes)
        return kernel_fail(p, WEFT_PLUGIN_LIMIT,
                           "output_set: output of %llu bytes is over the limit of %llu bytes",
                           (unsigned long long)len, (unsigned long long)p->cp->opts.max_output_bytes);
    weft_error *e = NULL;
    if (len && !need_range(p, "output_set", off, len, &e)) return e;
    p->output_off = len ? off : 0;
    p->output_len = len;
    return NULL;
}

KFN(error_set) {
    uint64_t off = U64(0);
    if (off && !blocks_find(&P->blk, off))
        return kernel_fail(P, WEFT_PLUGIN_TRAP, "error_set: %llu is not the offset of a block",
                           (unsigned long long)off);
    P->error_off = off;
    return NULL;
}

/* config_get and var_get: a new block with a copy of the value of the key in block key_off (0 if
 * the offset is 0 or there is no such key). */
static weft_error *answer_copy(weft_plugin *p, const char *fn, uint64_t key_off, kv *list,
                               size_t n, weft_val *r) {
    const uint8_t *key = NULL;
    size_t klen = 0;
    uint64_t off = 0;
    r[0].of.i64 = 0;
    if (key_off == 0) return NULL; /* no key: no value, as on Extism */
    weft_error *e = need_block(p, fn, key_off, &key, &klen);
    if (e) return e;
    kv *v = kv_find(list, n, key, klen);
    if (v && (e = kernel_new_block(p, fn, v->value, v->len, &off))) return e;
    r[0].of.i64 = (int64_t)off;
    return NULL;
}

KFN(config_get) { return answer_copy(P, "config_get", U64(0), P->cp->config, P->cp->nconfig, r); }
KFN(var_get) { return answer_copy(P, "var_get", U64(0), P->vars, P->nvars, r); }

KFN(var_set) {
    weft_plugin *p = P;
    const uint8_t *key = NULL, *val = NULL;
    size_t klen = 0, vlen = 0;
    weft_error *e = need_block(p, "var_set", U64(0), &key, &klen);
    if (e) return e;
    if (U64(1) && (e = need_block(p, "var_set", U64(1), &val, &vlen))) return e;
    int rc = plugin_var_put(p, key, klen, val, vlen);
    if (rc == -1)
        return kernel_fail(p, WEFT_PLUGIN_LIMIT,
                           "var_set: the plugin's vars would take more than %llu bytes",
                           (unsigned long long)p->cp->opts.max_var_bytes);
    if (rc == -2) return kernel_fail(p, WEFT_PLUGIN_TRAP, "var_set: out of memory");
    return NULL;
}

KFN(http_request) {
    weft_plugin *p = P;
    const uint8_t *req = NULL, *body = NULL;
    size_t rlen = 0, blen = 0;
    weft_error *e = need_block(p, "http_request", U64(0), &req, &rlen);
    if (e) return e;
    if (U64(1) && (e = need_block(p, "http_request", U64(1), &body, &blen))) return e;
    uint64_t off = 0;
    if ((e = http_perform(p, req, rlen, body, blen, &off))) return e;
    r[0].of.i64 = (int64_t)off;
    return NULL;
}

KFN(http_status_code) {
    r[0].of.i32 = P->http_status;
    return NULL;
}

KFN(http_headers) {
    r[0].of.i64 = (int64_t)P->http_headers_off;
    return NULL;
}

static weft_error *do_log(weft_plugin *p, weft_log_level level, const char *fn, uint64_t off) {
    const uint8_t *msg = NULL;
    size_t len = 0;
    weft_error *e = need_block(p, fn, off, &msg, &len);
    if (e) return e;
    const weft_plugin_options *o = &p->cp->opts;
    if (o->log && o->log_level != WEFT_LOG_OFF && level >= o->log_level)
        o->log(o->log_user_data, level, (const char *)msg, len);
    return NULL;
}

KFN(log_trace) { return do_log(P, WEFT_LOG_TRACE, "log_trace", U64(0)); }
KFN(log_debug) { return do_log(P, WEFT_LOG_DEBUG, "log_debug", U64(0)); }
KFN(log_info) { return do_log(P, WEFT_LOG_INFO, "log_info", U64(0)); }
KFN(log_warn) { return do_log(P, WEFT_LOG_WARN, "log_warn", U64(0)); }
KFN(log_error) { return do_log(P, WEFT_LOG_ERROR, "log_error", U64(0)); }

KFN(get_log_level) {
    /* PDKs log when their level is at least this; "off" must be above every level. */
    weft_log_level l = P->cp->opts.log_level;
    r[0].of.i32 = l == WEFT_LOG_OFF || !P->cp->opts.log ? INT32_MAX : (int32_t)l;
    return NULL;
}

/* ---- the table ----------------------------------------------------------------------------- */

struct kernel_fn {
    const char *name;
    weft_host_fn fn;
    uint8_t np, nr;
    weft_valtype params[2], results[1];
};

static const kernel_fn KERNEL[] = {
    {"input_length", k_input_length, 0, 1, {0}, {I64}},
    {"input_offset", k_input_offset, 0, 1, {0}, {I64}},
    {"input_load_u8", k_input_load_u8, 1, 1, {I64}, {I32}},
    {"input_load_u64", k_input_load_u64, 1, 1, {I64}, {I64}},
    {"length", k_length, 1, 1, {I64}, {I64}},
    {"length_unsafe", k_length, 1, 1, {I64}, {I64}},
    {"alloc", k_alloc, 1, 1, {I64}, {I64}},
    {"free", k_free, 1, 0, {I64}, {0}},
    {"load_u8", k_load_u8, 1, 1, {I64}, {I32}},
    {"load_u32", k_load_u32, 1, 1, {I64}, {I32}},
    {"load_u64", k_load_u64, 1, 1, {I64}, {I64}},
    {"store_u8", k_store_u8, 2, 0, {I64, I32}, {0}},
    {"store_u32", k_store_u32, 2, 0, {I64, I32}, {0}},
    {"store_u64", k_store_u64, 2, 0, {I64, I64}, {0}},
    {"output_set", k_output_set, 2, 0, {I64, I64}, {0}},
    {"error_set", k_error_set, 1, 0, {I64}, {0}},
    {"config_get", k_config_get, 1, 1, {I64}, {I64}},
    {"var_get", k_var_get, 1, 1, {I64}, {I64}},
    {"var_set", k_var_set, 2, 0, {I64, I64}, {0}},
    {"http_request", k_http_request, 2, 1, {I64, I64}, {I64}},
    {"http_status_code", k_http_status_code, 0, 1, {0}, {I32}},
    {"http_headers", k_http_headers, 0, 1, {0}, {I64}},
    {"log_trace", k_log_trace, 1, 0, {I64}, {0}},
    {"log_debug", k_log_debug, 1, 0, {I64}, {0}},
    {"log_info", k_log_info, 1, 0, {I64}, {0}},
    {"log_warn", k_log_warn, 1, 0, {I64}, {0}},
    {"log_error", k_log_error, 1, 0, {I64}, {0}},
    {"get_log_level", k_get_log_level, 0, 1, {0}, {I32}},
};

static const kernel_fn *kernel_lookup(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof KERNEL / sizeof KERNEL[0]; i++)
        if (strlen(KERNEL[i].name) == len && memcmp(KERNEL[i].name, name, len) == 0)
            return &KERNEL[i];
    return NULL;
}

static bool name_is(const char *s, size_t len, const char *lit) {
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

weft_error *kernel_resolve(weft_compiled_plugin *cp) {
    const weft_module *m = cp->module;
    size_t n = weft_module_import_count(m);
    if (n && !(cp->kimports = calloc(n, sizeof *cp->kimports)))
        return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *mod, *name;
        size_t mlen, nlen;
        weft_extern_kind kind;
        weft_module_import(m, i, &mod, &mlen, &name, &nlen, &kind);
        if (kind != WEFT_EXTERN_FUNC) continue;
        const kernel_fn *k = NULL;
        if (name_is(mod, mlen, PLUGIN_ENV_MODULE)) {
            k = kernel_lookup(name, nlen);
        } else if (name_is(mod, mlen, "env") && nlen > 7 && memcmp(name, "extism_", 7) == 0) {
            k = kernel_lookup(name + 7, nlen - 7);
        }
        /* Anything else is left to the other definitions, or reported missing when linking. */
        kernel_import *ki = &cp->kimports[cp->nkimports];
        if (!k || mlen >= sizeof ki->module || nlen >= sizeof ki->name) continue;
        memcpy(ki->module, mod, mlen);
        memcpy(ki->name, name, nlen);
        ki->fn = k;
        cp->nkimports++;
    }
    return NULL;
}

weft_error *kernel_define(weft_plugin *p) {
    const weft_compiled_plugin *cp = p->cp;
    for (size_t i = 0; i < cp->nkimports; i++) {
        const kernel_import *ki = &cp->kimports[i];
        const kernel_fn *k = ki->fn;
        weft_error *e = weft_linker_define_func(p->linker, ki->module, ki->name, k->params, k->np,
                                                k->results, k->nr, k->fn, p, NULL);
        if (e) return e;
    }
    return NULL;
}
