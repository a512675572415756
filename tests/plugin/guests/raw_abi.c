/* raw_abi.c: a compatibility plugin written against the raw "extism:host/env" imports, declared
 * here without weft's SDK, as a plugin built by someone else would be. Its exports exercise every
 * import and print what they saw as text a test compares exactly; they print values the host
 * chose (block offsets) only as relations ("distinct: yes"), so the text is the same on any
 * correct host. Built freestanding and as a wasm32-wasi reactor (tests/plugin/guests/build.sh).
 */
#include <stdint.h>

#define ENV(name) __attribute__((import_module("extism:host/env"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

ENV("input_length") uint64_t input_length(void);
ENV("input_load_u8") uint32_t input_load_u8(uint64_t off);
ENV("input_load_u64") uint64_t input_load_u64(uint64_t off);
ENV("alloc") uint64_t alloc(uint64_t len);
ENV("free") void block_free(uint64_t off);
ENV("length") uint64_t length(uint64_t off);
ENV("length_unsafe") uint64_t length_unsafe(uint64_t off);
ENV("load_u8") uint32_t load_u8(uint64_t addr);
ENV("load_u64") uint64_t load_u64(uint64_t addr);
ENV("store_u8") void store_u8(uint64_t addr, uint32_t v);
ENV("store_u64") void store_u64(uint64_t addr, uint64_t v);
ENV("output_set") void output_set(uint64_t off, uint64_t len);
ENV("error_set") void error_set(uint64_t off);
ENV("config_get") uint64_t config_get(uint64_t key);
ENV("var_get") uint64_t var_get(uint64_t key);
ENV("var_set") void var_set(uint64_t key, uint64_t value);
ENV("http_request") uint64_t http_request(uint64_t req, uint64_t body);
ENV("http_status_code") int32_t http_status_code(void);
ENV("log_trace") void log_trace(uint64_t msg);
ENV("log_debug") void log_debug(uint64_t msg);
ENV("log_info") void log_info(uint64_t msg);
ENV("log_warn") void log_warn(uint64_t msg);
ENV("log_error") void log_error(uint64_t msg);
ENV("get_log_level") int32_t get_log_level(void);

/* ---- text built in linear memory, then copied into an output block ------------------------ */

#define TEXT_MAX 65536

static char text[TEXT_MAX];
static uint64_t text_len;

static void put(const char *s) {
    while (*s && text_len < TEXT_MAX) text[text_len++] = *s++;
}

static void put_bytes(const uint8_t *s, uint64_t n) {
    for (uint64_t i = 0; i < n && text_len < TEXT_MAX; i++) text[text_len++] = (char)s[i];
}

static void put_u64(uint64_t v) {
    char d[20];
    int n = 0;
    do d[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n > 0 && text_len < TEXT_MAX) text[text_len++] = d[--n];
}

static void put_hex(uint64_t v) {
    put("0x");
    for (int shift = 60; shift >= 0; shift -= 4) {
        char c[2] = {"0123456789abcdef"[(v >> shift) & 15], 0};
        put(c);
    }
}

/* "name=value\n" */
static void line_u64(const char *name, uint64_t v) {
    put(name);
    put("=");
    put_u64(v);
    put("\n");
}

static void line_yes(const char *name, int yes) {
    put(name);
    put(yes ? ": yes\n" : ": no\n");
}

/* Copies n bytes of linear memory into a new block: u64 stores, then u8 for the tail. */
static uint64_t block_of(const void *data, uint64_t n) {
    const uint8_t *p = data;
    uint64_t b = alloc(n), i = 0;
    if (!b) return 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--) w = w << 8 | p[i + (uint64_t)k];
        store_u64(b + i, w);
    }
    for (; i < n; i++) store_u8(b + i, p[i]);
    return b;
}

static uint64_t block_of_str(const char *s) {
    uint64_t n = 0;
    while (s[n]) n++;
    return block_of(s, n);
}

/* Copies a block into buf (at most cap bytes); returns its length. */
static uint64_t read_block(uint64_t b, uint8_t *buf, uint64_t cap) {
    uint64_t n = length(b), i = 0;
    if (n > cap) n = cap;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load_u64(b + i);
        for (int k = 0; k < 8; k++) buf[i + (uint64_t)k] = (uint8_t)(w >> (8 * k));
    }
    for (; i < n; i++) buf[i] = (uint8_t)load_u8(b + i);
    return length(b);
}

/* Starts the text afresh: a call that trapped on another host may have left some behind. */
static void begin(void) { text_len = 0; }

/* Makes the text the output and starts a new one. */
static int32_t finish(void) {
    uint64_t b = text_len ? block_of(text, text_len) : 0;
    output_set(b, text_len);
    text_len = 0;
    return 0;
}

static int32_t fail_with(const char *msg) {
    error_set(block_of_str(msg));
    text_len = 0;
    return 1;
}

/* ---- input --------------------------------------------------------------------------------- */

/* echo: the input as output, copied host to host 8 bytes at a time, then byte by byte. */
EXPORT("echo") int32_t echo(void) {
    uint64_t n = input_length(), i = 0;
    if (n == 0) return 0; /* no output at all: empty */
    uint64_t b = alloc(n);
    for (; i + 8 <= n; i += 8) store_u64(b + i, input_load_u64(i));
    for (; i < n; i++) store_u8(b + i, input_load_u8(i));
    output_set(b, n);
    return 0;
}

/* input_probe: length, first and last byte, the first and last whole u64 (the last one at an
 * unaligned offset unless the length is a multiple of 8), a byte sum, and whether input_load_u64
 * agrees with eight input_load_u8 (little-endian) at every offset. */
EXPORT("input_probe") int32_t input_probe(void) {
    begin();
    uint64_t n = input_length(), sum = 0, agree = 0;
    line_u64("length", n);
    if (n > 0) {
        line_u64("first", input_load_u8(0));
        line_u64("last", input_load_u8(n - 1));
    }
    if (n >= 8) {
        put("u64_first=");
        put_hex(input_load_u64(0));
        put("\nu64_last=");
        put_hex(input_load_u64(n - 8));
        put("\n");
    }
    for (uint64_t i = 0; i < n; i++) sum += input_load_u8(i);
    line_u64("sum", sum);
    for (uint64_t i = 0; i + 8 <= n; i++) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--) w = w << 8 | input_load_u8(i + (uint64_t)k);
        agree += input_load_u64(i) == w;
    }
    line_u64("u64_agrees_at", agree);
    return finish();
}

/* One past the end: a host traps (weft) or answers 0; either way nothing outside is read. */
EXPORT("input_oob_u8") int32_t input_oob_u8(void) {
    begin();
    line_u64("value", input_load_u8(input_length()));
    return finish();
}

/* A u64 whose last byte is one past the end. */
EXPORT("input_oob_u64") int32_t input_oob_u64(void) {
    begin();
    uint64_t n = input_length();
    line_u64("value", input_load_u64(n >= 7 ? n - 7 : 0));
    return finish();
}

/* ---- blocks -------------------------------------------------------------------------------- */

/* blocks: alloc, length, length_unsafe, load/store u8 and u64 (aligned, unaligned, at the last
 * bytes), free, double free, and what length says about non-blocks. */
EXPORT("blocks") int32_t blocks(void) {
    begin();
    uint64_t a = alloc(100), b = alloc(8), c = alloc(1);
    line_u64("alloc(0)", alloc(0));
    line_yes("nonzero", a && b && c);
    /* Distinct and not overlapping: each starts outside the others. */
    line_yes("disjoint", (a + 100 <= b || b + 8 <= a) && (a + 100 <= c || c + 1 <= a) &&
                             (b + 8 <= c || c + 1 <= b));
    line_u64("length(a)", length(a));
    line_u64("length(b)", length(b));
    line_u64("length(c)", length(c));
    line_u64("length_unsafe(a)", length_unsafe(a));
    line_u64("length(0)", length(0));
    line_u64("length(a+1)", length(a + 1));

    store_u64(a, 0x0102030405060708ull);
    line_u64("load_u8(a)", load_u8(a));
    line_u64("load_u8(a+7)", load_u8(a + 7));
    store_u64(a + 3, 0x1112131415161718ull); /* unaligned, over the first store */
    put("load_u64(a)=");
    put_hex(load_u64(a));
    put("\nload_u64(a+3)=");
    put_hex(load_u64(a + 3));
    put("\n");
    store_u64(a + 92, 0xfedcba9876543210ull); /* the last 8 bytes */
    put("load_u64(a+92)=");
    put_hex(load_u64(a + 92));
    put("\n");
    store_u8(a + 99, 0x1ab); /* only the low byte is stored */
    line_u64("load_u8(a+99)", load_u8(a + 99));
    store_u8(c, 42);
    line_u64("load_u8(c)", load_u8(c));
    store_u64(b, 0xffffffffffffffffull);
    put("load_u64(b)=");
    put_hex(load_u64(b));
    put("\n");

    block_free(b);
    line_u64("length(b) after free", length(b));
    block_free(b); /* twice: ignored */
    block_free(0); /* nothing */
    uint64_t d = alloc(8);
    line_u64("length(d)", length(d));
    line_u64("length(a) still", length(a));
    line_u64("load_u8(c) still", load_u8(c));
    return finish();
}

/* Reads one byte past a 4-byte block: the host traps (weft) or answers 0. */
EXPORT("load_oob") int32_t load_oob(void) {
    begin();
    uint64_t a = alloc(4);
    line_u64("value", load_u8(a + 4));
    return finish();
}

/* Writes a u64 whose last 4 bytes are past a 4-byte block: the host traps or ignores it. */
EXPORT("store_oob") int32_t store_oob(void) {
    begin();
    uint64_t a = alloc(4);
    store_u64(a, 0x0101010101010101ull);
    put("stored\n");
    return finish();
}

/* Reads far from any block. */
EXPORT("load_wild") int32_t load_wild(void) {
    begin();
    line_u64("value", load_u64(1ull << 40));
    return finish();
}

/* alloc_size: allocates the number of bytes given as decimal input; prints its length, or 0 if
 * the host answered 0 (a host may instead fail the call with a limit error, as weft does). */
EXPORT("alloc_size") int32_t alloc_size(void) {
    begin();
    uint64_t n = 0, len = input_length();
    for (uint64_t i = 0; i < len; i++) n = n * 10 + (input_load_u8(i) - '0');
    uint64_t b = alloc(n);
    line_u64("length", b ? length(b) : 0);
    return finish();
}

/* ---- output and errors --------------------------------------------------------------------- */

static uint64_t sixteen(void) { return block_of_str("0123456789abcdef"); }

/* The first 10 bytes of a 16-byte block: "0123456789". */
EXPORT("output_prefix") int32_t output_prefix(void) {
    output_set(sixteen(), 10);
    return 0;
}

/* 6 bytes from the middle of a block: "456789". */
EXPORT("output_middle") int32_t output_middle(void) {
    output_set(sixteen() + 4, 6);
    return 0;
}

/* Two output_set calls: the second wins ("second"). */
EXPORT("output_twice") int32_t output_twice(void) {
    output_set(block_of_str("first"), 5);
    output_set(block_of_str("second"), 6);
    return 0;
}

/* Returns 0 without output_set: the output is empty. */
EXPORT("output_none") int32_t output_none(void) { return 0; }

/* A range running past its block's end: the host refuses it (weft traps). */
EXPORT("output_oob") int32_t output_oob(void) {
    output_set(block_of_str("abc"), 4096);
    return 0;
}

/* An export of type () -> (): a host calls it like the others. Sets output "void". */
EXPORT("void_export") void void_export(void) {
    begin();
    put("void");
    finish();
}

/* error_set and return 1: the call fails with "raw_abi: deliberate failure". */
EXPORT("error") int32_t error(void) { return fail_with("raw_abi: deliberate failure"); }

/* A nonzero return without error_set. */
EXPORT("fail_code") int32_t fail_code(void) { return 42; }

/* error_set, but return 0. */
EXPORT("error_rc0") int32_t error_rc0(void) {
    error_set(block_of_str("raw_abi: error set, yet 0 returned"));
    return 0;
}

/* An output set before failing: the call fails all the same. */
EXPORT("output_then_error") int32_t output_then_error(void) {
    begin();
    put("partial");
    finish();
    return fail_with("raw_abi: failed after output_set");
}

/* A wasm trap (unreachable) in the middle of a call. */
EXPORT("trap") int32_t trap(void) { __builtin_trap(); }

/* ---- config and vars ----------------------------------------------------------------------- */

static uint8_t value_buf[4096];

/* config: the value of the config key named by the input, or "<none>". An empty input asks for
 * config_get(0). */
EXPORT("config") int32_t config(void) {
    begin();
    uint64_t n = input_length(), i = 0;
    uint64_t key = n ? alloc(n) : 0;
    for (; i < n; i++) store_u8(key + i, input_load_u8(i));
    uint64_t v = config_get(key);
    if (!v) {
        put("<none>");
    } else {
        uint64_t len = read_block(v, value_buf, sizeof value_buf);
        put_bytes(value_buf, len < sizeof value_buf ? len : sizeof value_buf);
    }
    return finish();
}

static void show_var(const char *key) {
    uint64_t k = block_of_str(key), v = var_get(k);
    put(key);
    put("=");
    if (!v) {
        put("<none>\n");
        return;
    }
    uint64_t len = read_block(v, value_buf, sizeof value_buf);
    put_bytes(value_buf, len < sizeof value_buf ? len : sizeof value_buf);
    put(" (");
    put_u64(length(v));
    put(")\n");
}

static void set_var(const char *key, const char *value) {
    var_set(block_of_str(key), value ? block_of_str(value) : 0);
}

/* vars: set, replace, a second key, delete (value 0), and get after each; it deletes both keys
 * first, so it prints the same text on every call. */
EXPORT("vars") int32_t vars(void) {
    begin();
    set_var("k", 0);
    set_var("k2", 0);
    show_var("k");
    set_var("k", "one");
    show_var("k");
    set_var("k", "three");
    show_var("k");
    set_var("k2", "x");
    show_var("k2");
    set_var("k", 0);
    show_var("k");
    show_var("k2");
    set_var("k2", 0);
    show_var("k2");
    return finish();
}

/* counter: var "n" (8 bytes, little-endian) plus one, printed: 1, 2, 3, ... across the calls
 * of one instance. */
EXPORT("counter") int32_t counter(void) {
    begin();
    uint64_t k = block_of_str("n"), v = var_get(k), n = 0;
    if (v) {
        if (length(v) != 8) return fail_with("raw_abi: var n is not 8 bytes");
        n = load_u64(v);
    }
    n++;
    uint64_t nb = alloc(8);
    store_u64(nb, n);
    var_set(k, nb);
    put_u64(n);
    return finish();
}

/* var_big: sets var "big" to as many bytes as the decimal input says (past the host's limit on
 * vars, the call fails with a limit error); prints the length read back. */
EXPORT("var_big") int32_t var_big(void) {
    begin();
    uint64_t n = 0, len = input_length();
    for (uint64_t i = 0; i < len; i++) n = n * 10 + (input_load_u8(i) - '0');
    uint64_t k = block_of_str("big"), v = alloc(n);
    var_set(k, v);
    uint64_t got = var_get(k);
    line_u64("length", got ? length(got) : 0);
    return finish();
}

/* ---- logs and HTTP ------------------------------------------------------------------------- */

/* log: one message at each level ("raw_abi: <level>"); the output is get_log_level(). */
EXPORT("log") int32_t log_all(void) {
    begin();
    log_trace(block_of_str("raw_abi: trace"));
    log_debug(block_of_str("raw_abi: debug"));
    log_info(block_of_str("raw_abi: info"));
    log_warn(block_of_str("raw_abi: warn"));
    log_error(block_of_str("raw_abi: error"));
    int32_t level = get_log_level();
    if (level < 0) {
        put("-");
        level = -level;
    }
    put_u64((uint64_t)level);
    return finish();
}

/* http: the input is the request's JSON, then optionally a newline and the body. Prints
 * "status=N\n" and the response body. */
EXPORT("http") int32_t http(void) {
    begin();
    uint64_t n = input_length(), split = 0;
    while (split < n && input_load_u8(split) != '\n') split++;
    uint64_t req = split ? alloc(split) : 0, body = 0;
    for (uint64_t i = 0; i < split; i++) store_u8(req + i, input_load_u8(i));
    if (split + 1 < n) {
        body = alloc(n - split - 1);
        for (uint64_t i = split + 1; i < n; i++) store_u8(body + i - split - 1, input_load_u8(i));
    }
    uint64_t resp = http_request(req, body);
    int32_t status = http_status_code();
    line_u64("status", status < 0 ? 0 : (uint64_t)status);
    if (resp) {
        uint64_t len = read_block(resp, value_buf, sizeof value_buf);
        put_bytes(value_buf, len < sizeof value_buf ? len : sizeof value_buf);
    }
    return finish();
}
