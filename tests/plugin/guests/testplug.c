/* testplug.c: the plugin test_plugin.c drives: one export per behaviour the host must handle, from
 * ordinary calls to hostile ones (bad offsets, runaway loops, memory bombs). It declares the raw
 * "extism:host/env" imports itself, so it tests the ABI and not a wrapper. Built for wasm32-wasi
 * as a reactor; it imports nothing from WASI.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ENV(n) __attribute__((import_module("extism:host/env"), import_name(n)))
#define USER(n) __attribute__((import_module("extism:host/user"), import_name(n)))
#define EXPORT(n) __attribute__((export_name(#n))) int32_t n(void)

ENV("input_length") uint64_t input_length(void);
ENV("input_load_u8") uint32_t input_load_u8(uint64_t);
ENV("input_load_u64") uint64_t input_load_u64(uint64_t);
ENV("alloc") uint64_t alloc(uint64_t);
ENV("free") void free_block(uint64_t);
ENV("length") uint64_t length(uint64_t);
ENV("load_u8") uint32_t load_u8(uint64_t);
ENV("load_u64") uint64_t load_u64(uint64_t);
ENV("store_u8") void store_u8(uint64_t, uint32_t);
ENV("store_u64") void store_u64(uint64_t, uint64_t);
ENV("output_set") void output_set(uint64_t, uint64_t);
ENV("error_set") void error_set(uint64_t);
ENV("config_get") uint64_t config_get(uint64_t);
ENV("var_get") uint64_t var_get(uint64_t);
ENV("var_set") void var_set(uint64_t, uint64_t);
ENV("http_request") uint64_t http_request(uint64_t, uint64_t);
ENV("http_status_code") int32_t http_status_code(void);
ENV("log_info") void log_info(uint64_t);
ENV("log_debug") void log_debug(uint64_t);
ENV("log_error") void log_error(uint64_t);
ENV("get_log_level") int32_t get_log_level(void);
USER("greet") uint64_t host_greet(uint64_t);
USER("explode") void host_explode(void);

/* ---- helpers over the ABI -------------------------------------------------------------------- */

static uint8_t *read_input(size_t *len) {
    size_t n = (size_t)input_length(), i = 0;
    uint8_t *buf = malloc(n + 1);
    for (; i + 8 <= n; i += 8) {
        uint64_t v = input_load_u64(i);
        memcpy(buf + i, &v, 8);
    }
    for (; i < n; i++) buf[i] = (uint8_t)input_load_u8(i);
    buf[n] = 0;
    *len = n;
    return buf;
}

static uint64_t to_block(const void *data, size_t n) {
    uint64_t b = alloc(n);
    const uint8_t *p = data;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        store_u64(b + i, v);
    }
    for (; i < n; i++) store_u8(b + i, p[i]);
    return b;
}

static uint64_t str_block(const char *s) { return to_block(s, strlen(s)); }

static char *from_block(uint64_t b, size_t *len) {
    size_t n = b ? (size_t)length(b) : 0;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) s[i] = (char)load_u8(b + i);
    s[n] = 0;
    if (len) *len = n;
    return s;
}

static void output(const void *data, size_t n) {
    if (!n) return;
    output_set(to_block(data, n), n);
}

static void output_str(const char *s) { output(s, strlen(s)); }

/* ---- ordinary calls -------------------------------------------------------------------------- */

EXPORT(noop) { return 0; }

EXPORT(echo) {
    size_t n;
    uint8_t *in = read_input(&n);
    output(in, n);
    free(in);
    return 0;
}

/* Echoes with the input block read in place: what a tuned PDK does for 1 KiB in, 1 KiB out. */
ENV("input_offset") uint64_t input_offset(void);
EXPORT(echo_block) {
    output_set(input_offset(), input_length());
    return 0;
}

EXPORT(count_vowels) {
    size_t n, count = 0;
    uint8_t *in = read_input(&n);
    for (size_t i = 0; i < n; i++)
        if (strchr("aeiouAEIOU", in[i]) && in[i]) count++;
    char buf[64];
    size_t k = 0;
    const char *pre = "{\"count\":";
    while (*pre) buf[k++] = *pre++;
    char digits[24];
    int d = 0;
    do digits[d++] = (char)('0' + count % 10); while ((count /= 10));
    while (d) buf[k++] = digits[--d];
    buf[k++] = '}';
    output(buf, k);
    free(in);
    return 0;
}

EXPORT(fail) {
    error_set(str_block("something went wrong"));
    return 1;
}

EXPORT(rc7) { return 7; }

__attribute__((export_name("no_result"))) void no_result(void) { output_str("fine"); }
__attribute__((export_name("with_param"))) int32_t with_param(int32_t x) { return x; }

/* ---- config, vars, logs ---------------------------------------------------------------------- */

EXPORT(config) {
    size_t n;
    uint8_t *key = read_input(&n);
    uint64_t v = config_get(to_block(key, n));
    if (!v) output_str("<missing>");
    else output_set(v, length(v));
    free(key);
    return 0;
}

/* Counts its calls in the var "count" (a decimal string). */
EXPORT(counter) {
    uint64_t key = str_block("count");
    char *s = from_block(var_get(key), NULL);
    unsigned long c = strtoul(s, NULL, 10) + 1;
    char buf[24];
    int d = 0;
    char digits[24];
    do digits[d++] = (char)('0' + c % 10); while ((c /= 10));
    int k = 0;
    while (d) buf[k++] = digits[--d];
    var_set(key, to_block(buf, (size_t)k));
    output(buf, (size_t)k);
    free(s);
    return 0;
}

/* Sets var "big" to input_length() bytes. */
EXPORT(var_big) {
    uint64_t n = input_length();
    uint64_t b = alloc(n);
    var_set(str_block("big"), b);
    return 0;
}

EXPORT(var_del) {
    var_set(str_block("count"), 0);
    return 0;
}

EXPORT(logs) {
    log_debug(str_block("a debug line"));
    log_info(str_block("an info line"));
    log_error(str_block("an error line"));
    char buf[16] = "level=";
    buf[6] = (char)('0' + (get_log_level() > 9 ? 9 : get_log_level()));
    output(buf, 7);
    return 0;
}

/* ---- host functions -------------------------------------------------------------------------- */

EXPORT(greet) {
    size_t n;
    uint8_t *in = read_input(&n);
    uint64_t r = host_greet(to_block(in, n));
    output_set(r, length(r));
    free(in);
    return 0;
}

EXPORT(explode) {
    host_explode();
    output_str("not reached");
    return 0;
}

/* ---- HTTP: the input is the request JSON; the output "<status> <body>" ----------------------- */

EXPORT(http) {
    size_t n;
    uint8_t *req = read_input(&n);
    uint64_t body = http_request(to_block(req, n), str_block("ping"));
    size_t blen;
    char *b = from_block(body, &blen);
    int status = http_status_code();
    char head[8] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10), ' '};
    char *out = malloc(blen + 4);
    memcpy(out, head, 4);
    memcpy(out + 4, b, blen);
    output(out, blen + 4);
    return 0;
}

/* ---- failures ---------------------------------------------------------------------------------- */

EXPORT(trap) { __builtin_trap(); }

volatile uint64_t spin_counter;
EXPORT(spin) {
    for (;;) spin_counter++;
}

/* A frame that must live across the call, so the compiler cannot turn the recursion into a loop. */
static int32_t recurse(int32_t n) {
    volatile int32_t keep = n;
    return n <= 0 ? 0 : recurse(n - 1) + keep;
}
EXPORT(deep) { return recurse(1 << 30); }

/* Grows linear memory by 1 MiB at a time until refused, then aborts as a C program does when
 * malloc fails. */
void *volatile grow_last; /* keeps the allocations observable, so they are not optimized away */
EXPORT(grow_bomb) {
    for (;;) {
        void *p = malloc(1 << 20);
        if (!p) abort();
        memset(p, 1, 1 << 20);
        grow_last = p;
    }
}

/* Allocates a block of input_length()*1024 bytes. */
EXPORT(alloc_bomb) {
    uint64_t b = alloc(input_length() << 10);
    output_str(b ? "allocated" : "refused");
    return 0;
}

/* Many small blocks: allocated, freed, reused. Outputs "ok" when offsets are sane. */
EXPORT(churn) {
    uint64_t blocks[64];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 64; i++) {
            blocks[i] = alloc((uint64_t)(i * 13 + round + 1));
            if (!blocks[i] || length(blocks[i]) != (uint64_t)(i * 13 + round + 1)) {
                output_str("bad length");
                return 1;
            }
            store_u8(blocks[i], (uint32_t)i);
        }
        for (int i = 0; i < 64; i++) {
            if (load_u8(blocks[i]) != (uint32_t)i) {
                output_str("overlap");
                return 1;
            }
        }
        for (int i = 0; i < 64; i += 2) free_block(blocks[i]);
        for (int i = 0; i < 64; i += 2)
            if (length(blocks[i]) != 0) {
                output_str("freed block has a length");
                return 1;
            }
        for (int i = 1; i < 64; i += 2) free_block(blocks[i]);
    }
    output_str("ok");
    return 0;
}

/* Output of input_length() KiB: over max_output_bytes in the test. */
EXPORT(big_output) {
    uint64_t n = input_length() << 10;
    output_set(alloc(n), n);
    return 0;
}

/* Reads a fresh block: it must hold zeros, whatever an earlier call left behind. */
EXPORT(dirty) {
    uint64_t b = alloc(4096);
    int clean = 1;
    for (uint64_t i = 0; i < 4096; i += 8)
        if (load_u64(b + i)) clean = 0;
    for (uint64_t i = 0; i < 4096; i += 8) store_u64(b + i, 0x5a5a5a5a5a5a5a5aull);
    output_str(clean ? "clean" : "dirty");
    return 0;
}

/* Hostile offsets: each must trap, not read host memory. */
EXPORT(bad_load) { return (int32_t)load_u64(1ull << 40); }
EXPORT(bad_store) {
    uint64_t b = alloc(8);
    store_u64(b + 4, 1); /* half outside the allocated memory */
    return 0;
}
EXPORT(bad_input) { return (int32_t)input_load_u8(input_length() + 5); }
EXPORT(bad_output) {
    output_set(0xfffffffffffffff0ull, 32);
    return 0;
}
EXPORT(bad_error) {
    error_set(12345);
    return 1;
}
EXPORT(bad_config) { return (int32_t)config_get(99999); }
EXPORT(bad_wrap) { return (int32_t)load_u64(0xfffffffffffffffcull); }
EXPORT(bad_neighbour) { /* past a block's length, into the padding before the next one */
    uint64_t a = alloc(4);
    alloc(8);
    store_u8(a + 4, 1);
    return 0;
}
EXPORT(bad_freed) { /* a freed block, even with a live one after it */
    uint64_t a = alloc(16);
    alloc(16);
    free_block(a);
    return (int32_t)load_u8(a);
}

/* Frees and allocates a block 10,000 times behind a live one: only reuse of the freed block keeps
 * this under a 1 MiB limit. */
EXPORT(reuse) {
    uint64_t a = alloc(1000);
    alloc(8);
    for (int i = 0; i < 10000; i++) {
        free_block(a);
        uint64_t b = alloc(1000);
        if (b != a) {
            output_str("moved");
            return 1;
        }
    }
    output_str("reused");
    return 0;
}
