/* fuzz_plugin.c: libFuzzer target for the plugin layer's Extism ABI ("extism:host/env") as a
 * hostile plugin sees it. Each input becomes a plugin: a module whose export "run" makes a
 * sequence of kernel calls with arguments taken from the input (constants, or the last result
 * plus a small delta, so offsets land on, inside and just past real blocks). The plugin is
 * called three times on one instance (blocks reset, vars kept) with small limits. Under ASan any
 * host access outside a checked range is a finding; the harness also checks that every call ends
 * in a status a hostile plugin may cause (never FUEL, TIMEOUT, CANCELLED or NOT_FOUND) and that an
 * output never exceeds its limit. No host is allowed, so http_request never reaches a network.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "../common/wasm_writer.h"

/* The kernel functions: name, parameters ('I' i64, 'i' i32), result ('I', 'i' or 0). */
static const struct {
    const char *name, *params;
    char result;
} kfuncs[] = {
    {"input_length", "", 'I'},  {"input_offset", "", 'I'},    {"input_load_u8", "I", 'i'},
    {"input_load_u64", "I", 'I'}, {"length", "I", 'I'},       {"length_unsafe", "I", 'I'},
    {"alloc", "I", 'I'},        {"free", "I", 0},             {"load_u8", "I", 'i'},
    {"load_u32", "I", 'i'},     {"load_u64", "I", 'I'},       {"store_u8", "Ii", 0},
    {"store_u32", "Ii", 0},     {"store_u64", "II", 0},       {"output_set", "II", 0},
    {"error_set", "I", 0},      {"config_get", "I", 'I'},     {"var_get", "I", 'I'},
    {"var_set", "II", 0},       {"http_request", "II", 'I'},  {"http_status_code", "", 'i'},
    {"http_headers", "", 'I'},  {"log_info", "I", 0},         {"log_error", "I", 0},
    {"get_log_level", "", 'i'},
};
#define NK (sizeof kfuncs / sizeof kfuncs[0])
#define MAX_CALLS 64

static uint64_t take(const uint8_t **p, const uint8_t *end, unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && *p < end; i++) v |= (uint64_t)*(*p)++ << (8 * i);
    return v;
}

/* An argument: a constant of a few interesting shapes, or local 0 (the last i64 result) plus a
 * small signed delta. */
static void emit_arg(wbuf *b, char type, const uint8_t **p, const uint8_t *end) {
    unsigned sel = (unsigned)take(p, end, 1);
    int64_t v;
    switch (sel & 7) {
    case 0: case 1: case 2: /* the last result, nudged */
        wb_byte(b, 0x20), wb_u32(b, 0);
        v = (int8_t)take(p, end, 1);
        if (v) {
            wb_byte(b, 0x42), wb_s64(b, v);
            wb_byte(b, 0x7C); /* i64.add */
        }
        if (type == 'i') wb_byte(b, 0xA7); /* i32.wrap_i64 */
        return;
    case 3: v = (int64_t)take(p, end, 1); break;
    case 4: v = (int64_t)take(p, end, 2); break;
    case 5: v = (int64_t)take(p, end, 8); break;
    case 6: v = -(int64_t)take(p, end, 1); break;
    default: v = (int64_t)(take(p, end, 1) << 8) + 8; break; /* near block starts */
    }
    if (type == 'i') wb_byte(b, 0x41), wb_s32(b, (int32_t)v);
    else wb_byte(b, 0x42), wb_s64(b, v);
}

/* The plugin: imports every kernel function, exports "run" () -> i32 with one local i64. */
static wbuf build_plugin(const uint8_t **p, const uint8_t *end) {
    wbuf m = {0}, s = {0};
    wb_header(&m);
    wb_u32(&s, NK + 1);
    for (size_t i = 0; i < NK; i++) {
        wb_byte(&s, 0x60);
        wb_u32(&s, (uint32_t)strlen(kfuncs[i].params));
        for (const char *c = kfuncs[i].params; *c; c++) wb_byte(&s, *c == 'I' ? 0x7E : 0x7F);
        wb_u32(&s, kfuncs[i].result ? 1 : 0);
        if (kfuncs[i].result) wb_byte(&s, kfuncs[i].result == 'I' ? 0x7E : 0x7F);
    }
    wb_byte(&s, 0x60), wb_u32(&s, 0), wb_u32(&s, 1), wb_byte(&s, 0x7F); /* () -> i32 */
    wb_section(&m, 1, &s);
    wb_u32(&s, NK);
    for (size_t i = 0; i < NK; i++) {
        wb_str(&s, "extism:host/env");
        wb_str(&s, kfuncs[i].name);
        wb_byte(&s, 0), wb_u32(&s, (uint32_t)i);
    }
    wb_section(&m, 2, &s);
    wb_u32(&s, 1), wb_u32(&s, NK);
    wb_section(&m, 3, &s);
    wb_u32(&s, 1), wb_str(&s, "run"), wb_byte(&s, 0), wb_u32(&s, NK);
    wb_section(&m, 7, &s);

    wbuf body = {0};
    wb_u32(&body, 1), wb_u32(&body, 1), wb_byte(&body, 0x7E); /* one local i64 */
    unsigned ncalls = (unsigned)take(p, end, 1) % MAX_CALLS;
    for (unsigned c = 0; c < ncalls && *p < end; c++) {
        unsigned k = (unsigned)take(p, end, 1) % NK;
        for (const char *t = kfuncs[k].params; *t; t++) emit_arg(&body, *t, p, end);
        wb_byte(&body, 0x10), wb_u32(&body, k);
        if (kfuncs[k].result == 'I') wb_byte(&body, 0x21), wb_u32(&body, 0); /* local.set 0 */
        else if (kfuncs[k].result == 'i') wb_byte(&body, 0x1A);              /* drop */
    }
    wb_byte(&body, 0x41), wb_s32(&body, (int32_t)(take(p, end, 1) & 1)); /* return 0 or 1 */
    wb_byte(&body, 0x0B);
    wb_u32(&s, 1), wb_u32(&s, (uint32_t)body.n), wb_bytes(&s, body.p, body.n);
    free(body.p);
    wb_section(&m, 10, &s);
    return m;
}

static volatile uint8_t sink; /* reading every byte of logs and outputs lets ASan check them */

static void on_log(void *ud, weft_log_level level, const char *msg, size_t len) {
    for (size_t i = 0; i < len; i++) sink = (uint8_t)(sink + (uint8_t)msg[i]);
    (void)ud, (void)level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *end = data + size;
    size_t in_len = (size_t)take(&p, end, 1) % 64;
    if ((size_t)(end - p) < in_len) return 0;
    const uint8_t *input = p;
    p += in_len;
    wbuf m = build_plugin(&p, end);

    weft_plugin_kv cfg[] = {{"key", "value"}, {"\x10", "binary key"}};
    weft_plugin_options o = {
        .config = cfg, .nconfig = 2,
        .max_memory_bytes = 1 << 20, .max_output_bytes = 4096, .max_var_bytes = 1024,
        .max_http_response_bytes = 1024, .log = on_log, .log_level = WEFT_LOG_INFO,
    };
    char *err = NULL;
    weft_plugin *pl = weft_plugin_new(m.p, m.n, &o, &err);
    free(m.p);
    if (!pl) {
        fprintf(stderr, "fuzz_plugin: the generated plugin did not load: %s\n", err ? err : "?");
        abort();
    }
    for (int round = 0; round < 3; round++) {
        weft_plugin_status st = weft_plugin_call(pl, "run", input, in_len);
        if (st != WEFT_PLUGIN_OK && st != WEFT_PLUGIN_ERROR && st != WEFT_PLUGIN_TRAP &&
            st != WEFT_PLUGIN_LIMIT) {
            fprintf(stderr, "fuzz_plugin: unexpected status %d: %s\n", (int)st,
                    weft_plugin_error(pl));
            abort();
        }
        size_t n;
        const uint8_t *out = weft_plugin_output(pl, &n);
        if (st == WEFT_PLUGIN_OK) {
            if (n > 4096) abort();
            for (size_t i = 0; i < n; i++) sink = (uint8_t)(sink + out[i]);
        } else if (!weft_plugin_error(pl) || out) {
            abort(); /* a failure always says why, and has no output */
        }
    }
    weft_plugin_free(pl);
    return 0;
}
