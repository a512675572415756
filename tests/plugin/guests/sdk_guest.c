/* sdk_guest.c: a plugin exercising every function of sdk/c/weft-pdk.h, for the plugin tests:
 * each export prints what the SDK returned as text a test compares exactly. Built freestanding
 * and for wasm32-wasi (where the libc conveniences are tested too); host_reverse needs the host
 * function weft_host_reverse that `weft call` defines.
 */
#include "weft-pdk.h"

WEFT_HOST_FN(weft_host_reverse, weft_block, weft_block text);

#define TEXT_MAX 8192

static char text[TEXT_MAX];
static size_t text_len;

static void put_n(const void *s, size_t n) {
    const char *c = (const char *)s;
    for (size_t i = 0; i < n && text_len < TEXT_MAX; i++) text[text_len++] = c[i];
}

static void put(const char *s) { put_n(s, weft_pdk_strlen(s)); }

static void put_i64(int64_t v) {
    char d[20];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v < 0) put("-");
    do d[n++] = (char)('0' + u % 10); while ((u /= 10) != 0);
    while (n > 0) put_n(&d[--n], 1);
}

static void line(const char *name, int64_t v) {
    put(name);
    put("=");
    put_i64(v);
    put("\n");
}

static int32_t finish(void) {
    int rc = weft_output(text, text_len);
    text_len = 0;
    return rc == 0 ? 0 : weft_error("sdk_guest: output refused");
}

/* input: the length, then the input in chunks of 5 read with weft_input_read_at, joined by '|';
 * then weft_input_read into a 3-byte buffer. */
WEFT_EXPORT(input) {
    char chunk[5];
    uint64_t off = 0;
    size_t n;
    text_len = 0;
    line("length", (int64_t)weft_input_length());
    while ((n = weft_input_read_at(off, chunk, sizeof chunk)) > 0) {
        if (off) put("|");
        put_n(chunk, n);
        off += n;
    }
    put("\n");
    line("read_at(end)", (int64_t)weft_input_read_at(weft_input_length(), chunk, sizeof chunk));
    n = weft_input_read(chunk, 3);
    line("read(3)", (int64_t)n);
    put_n(chunk, n);
    put("\n");
    return finish();
}

/* config: "name" read whole, into 4 bytes, as a string into 4 bytes, and a missing key. */
WEFT_EXPORT(config) {
    char buf[64];
    text_len = 0;
    int64_t len = weft_config_get("name", buf, sizeof buf);
    line("get(name)", len);
    if (len > 0) put_n(buf, (size_t)len);
    put("\n");
    line("get(name, 4)", weft_config_get("name", buf, 4));
    line("get_str(name, 4)", weft_config_get_str("name", buf, 4));
    put(buf);
    put("\n");
    line("get(missing)", weft_config_get("missing", buf, sizeof buf));
    line("get_str(missing)", weft_config_get_str("missing", buf, sizeof buf));
    line("empty string", (int64_t)weft_pdk_strlen(buf));
    weft_block b = weft_config_get_block("name");
    line("block length", (int64_t)weft_block_length(b));
    return finish();
}

/* vars: "seen" counts calls (a 1-byte value); "tmp" is set, read, deleted, read. */
WEFT_EXPORT(vars) {
    char buf[16];
    uint8_t seen = 0;
    text_len = 0;
    line("get(seen)", weft_var_get("seen", &seen, 1));
    seen++;
    line("set(seen)", weft_var_set("seen", &seen, 1));
    line("seen", seen);
    line("set(tmp)", weft_var_set("tmp", "value", 5));
    line("get(tmp)", weft_var_get("tmp", buf, sizeof buf));
    put_n(buf, 5);
    put("\n");
    line("delete(tmp)", weft_var_delete("tmp"));
    line("get(tmp)", weft_var_get("tmp", buf, sizeof buf));
    line("set(tmp, empty)", weft_var_set("tmp", "", 0));
    line("get_block(tmp)", (int64_t)weft_var_get_block("tmp"));
    return finish();
}

/* logs: one message per level through each wrapper; the output is weft_get_log_level(). */
WEFT_EXPORT(logs) {
    text_len = 0;
    weft_log_trace("sdk: trace");
    weft_log_debug("sdk: debug");
    weft_log_info("sdk: info");
    weft_log_warn("sdk: warn");
    weft_log_error("sdk: error");
    weft_log(WEFT_PDK_LOG_INFO, "sdk: 5 bytes of this", 5);
    put_i64(weft_get_log_level());
    return finish();
}

/* blocks: new, store/load at odd positions and lengths, read with truncation, free. */
WEFT_EXPORT(blocks) {
    char buf[32];
    text_len = 0;
    line("new(empty)", (int64_t)weft_block_new("", 0));
    line("new_str(empty)", (int64_t)weft_block_new_str(""));
    line("length(0)", (int64_t)weft_block_length(0));
    line("read(0)", (int64_t)weft_block_read(0, buf, sizeof buf));
    weft_block b = weft_block_new_str("abcdefghijklmnopqrstuvwxyz");
    line("length", (int64_t)weft_block_length(b));
    weft_block_store(b, 3, "0123456789", 10); /* unaligned, 8 + 2 */
    weft_block_load(b, 1, buf, 13);
    put_n(buf, 13);
    put("\n");
    line("read(5)", (int64_t)weft_block_read(b, buf, 5));
    put_n(buf, 5);
    put("\n");
    weft_block_free(b);
    weft_block_free(0);
    line("length after free", (int64_t)weft_block_length(b));
    return finish();
}

/* output_block: a block made the output whole: "xyz". */
WEFT_EXPORT(output_block) {
    weft_block c = weft_block_alloc(3);
    weft_block_store(c, 0, "xyz", 3);
    weft_output_block(c);
    return 0;
}

/* output_str: weft_output_str twice; the second wins. */
WEFT_EXPORT(output_str) {
    weft_output_str("first");
    weft_output_str("second");
    return 0;
}

/* output_empty: an empty output (no block). */
WEFT_EXPORT(output_empty) { return weft_output("", 0); }

/* error: weft_error's message; the call fails. */
WEFT_EXPORT(error) { return weft_error("sdk_guest: failed on purpose"); }

/* host_reverse: the input through the host function, then read back. */
WEFT_EXPORT(host_reverse) {
    char buf[64];
    weft_block in = weft_input_block();
    weft_block out = weft_host_reverse(in);
    text_len = 0;
    uint64_t n = weft_block_read(out, buf, sizeof buf);
    line("length", (int64_t)n);
    put_n(buf, n < sizeof buf ? (size_t)n : sizeof buf);
    return finish();
}

#ifdef __wasi__
#include <stdlib.h>

/* libc: weft_input_alloc and weft_block_alloc_copy (wasm32-wasi build only). */
WEFT_EXPORT(libc) {
    size_t n = 0, m = 0;
    char *in = weft_input_alloc(&n);
    weft_block b = weft_block_new(in, n);
    char *copy = weft_block_alloc_copy(b, &m);
    text_len = 0;
    line("input", (int64_t)n);
    line("copy", (int64_t)m);
    put(copy); /* NUL-terminated */
    free(in);
    free(copy);
    return finish();
}
#endif
