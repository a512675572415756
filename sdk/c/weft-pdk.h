/* weft-pdk.h: the guest side of weft's plugins, for plugins written in C.
 * Owns the imports of "extism:host/env" (Extism's plugin ABI, so a plugin built with this header
 * also runs on Extism) and small wrappers over them: input, output, errors, config, vars, logs,
 * HTTP, blocks, and macros to export functions and to import the embedder's host functions.
 * Header-only and libc-free: it builds with --target=wasm32-wasi and with --target=wasm32 -nostdlib.
 */
#ifndef WEFT_PDK_H
#define WEFT_PDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A whole plugin (more in examples/plugins/, with how to build them):
 *
 *   #include "weft-pdk.h"
 *   WEFT_EXPORT(greet) {
 *       char out[64] = "Hello, ";
 *       size_t n = weft_input_read(out + 7, sizeof out - 7);
 *       if (n == 0) return weft_error("greet: no name given");
 *       weft_log_info("greet: greeting someone");
 *       return weft_output(out, 7 + n);
 *   }
 */

/* ---- blocks and exports ------------------------------------------------------------------------
 * A block is a byte array in a memory the host manages, apart from the plugin's own linear
 * memory; the plugin names it by its offset there (a weft_block; 0 is "no block"). Input, output,
 * config values, vars, log messages and host-function arguments all travel in blocks. The plugin
 * reaches a block's bytes only through the host (load/store); stay inside the block: the host
 * checks every access and ends the call with a trap when one falls outside the block it names
 * (past its length, or in a freed block). The host frees every block when the next call starts,
 * so freeing them is optional, but freeing big ones early leaves room under the memory limit
 * (the same limit bounds the blocks and, separately, the linear memory). weft ends the call with a limit error when a block would pass that limit; other
 * Extism hosts may return 0 instead, which the wrappers below check for. */
typedef uint64_t weft_block;

/* Exports a plugin function: WEFT_EXPORT(greet) { ...; return 0; } makes "greet", of type
 * () -> i32: 0 is success, anything else fails the call (see weft_error). */
#define WEFT_EXPORT(name) __attribute__((export_name(#name))) int32_t name(void)

/* Declares a function imported from module (a string): put it before a prototype. */
#define WEFT_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

/* Declares a host function the embedder provides in "extism:host/user", callable as name:
 *   WEFT_HOST_FN(kv_read, weft_block, weft_block key);
 * Parameters and results are whatever the embedder defined, typically blocks (i64). A host
 * function may fail, which ends the call with the host's message. Without any parameter, write
 * void: WEFT_HOST_FN(now_ms, uint64_t, void). */
#define WEFT_HOST_FN(name, ret, ...) \
    WEFT_IMPORT("extism:host/user", #name) ret name(__VA_ARGS__)

/* ---- the raw ABI -------------------------------------------------------------------------------
 * One declaration per import of "extism:host/env", with its wasm types (i64 = uint64_t). Only
 * the imports a plugin uses end up in its module. The wrappers further down are easier to use;
 * these are here for plugins that want the ABI itself. */
#define WEFT_ENV_(name) WEFT_IMPORT("extism:host/env", name)

WEFT_ENV_("input_length") uint64_t weft_env_input_length(void);
WEFT_ENV_("input_load_u8") uint32_t weft_env_input_load_u8(uint64_t offset);
WEFT_ENV_("input_load_u64") uint64_t weft_env_input_load_u64(uint64_t offset);
WEFT_ENV_("alloc") weft_block weft_env_alloc(uint64_t len);
WEFT_ENV_("free") void weft_env_free(weft_block b);
WEFT_ENV_("length") uint64_t weft_env_length(weft_block b);
WEFT_ENV_("length_unsafe") uint64_t weft_env_length_unsafe(weft_block b);
WEFT_ENV_("load_u8") uint32_t weft_env_load_u8(uint64_t addr);
WEFT_ENV_("load_u64") uint64_t weft_env_load_u64(uint64_t addr);
WEFT_ENV_("store_u8") void weft_env_store_u8(uint64_t addr, uint32_t value);
WEFT_ENV_("store_u64") void weft_env_store_u64(uint64_t addr, uint64_t value);
WEFT_ENV_("output_set") void weft_env_output_set(uint64_t addr, uint64_t len);
WEFT_ENV_("error_set") void weft_env_error_set(weft_block msg);
WEFT_ENV_("config_get") weft_block weft_env_config_get(weft_block key);
WEFT_ENV_("var_get") weft_block weft_env_var_get(weft_block key);
WEFT_ENV_("var_set") void weft_env_var_set(weft_block key, weft_block value);
WEFT_ENV_("http_request") weft_block weft_env_http_request(weft_block req, weft_block body);
WEFT_ENV_("http_status_code") int32_t weft_env_http_status_code(void);
WEFT_ENV_("log_trace") void weft_env_log_trace(weft_block msg);
WEFT_ENV_("log_debug") void weft_env_log_debug(weft_block msg);
WEFT_ENV_("log_info") void weft_env_log_info(weft_block msg);
WEFT_ENV_("log_warn") void weft_env_log_warn(weft_block msg);
WEFT_ENV_("log_error") void weft_env_log_error(weft_block msg);
WEFT_ENV_("get_log_level") int32_t weft_env_get_log_level(void);

/* ---- block helpers -------------------------------------------------------------------------- */

/* strlen, without libc. */
static inline size_t weft_pdk_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* A new block of len bytes (contents unspecified); 0 if len is 0 (or, on some hosts, refused). */
static inline weft_block weft_block_alloc(uint64_t len) { return weft_env_alloc(len); }
/* Frees a block the plugin no longer needs; 0 is a no-op. Do not free the output's block. */
static inline void weft_block_free(weft_block b) {
    if (b) weft_env_free(b);
}
/* The block's length in bytes; 0 if b is not a block. */
static inline uint64_t weft_block_length(weft_block b) { return b ? weft_env_length(b) : 0; }

/* Copies len bytes from the plugin's data into block b at position pos: 8 bytes per host call,
 * then the tail byte by byte. pos + len must lie within the block (else the call traps). */
static inline void weft_block_store(weft_block b, uint64_t pos, const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word;
        __builtin_memcpy(&word, p + i, 8); /* wasm is little-endian, as the ABI's u64s are */
        weft_env_store_u64(b + pos + i, word);
    }
    for (; i < len; i++) weft_env_store_u8(b + pos + i, p[i]);
}

/* Copies len bytes of block b from position pos into buf; pos + len within the block. */
static inline void weft_block_load(weft_block b, uint64_t pos, void *buf, size_t len) {
    uint8_t *q = (uint8_t *)buf;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word = weft_env_load_u64(b + pos + i);
        __builtin_memcpy(q + i, &word, 8);
    }
    for (; i < len; i++) q[i] = (uint8_t)weft_env_load_u8(b + pos + i);
}

/* Copies the first min(cap, length) bytes of block b into buf and returns the block's whole
 * length, so a result above cap means buf holds a truncated copy. 0 for b == 0. */
static inline uint64_t weft_block_read(weft_block b, void *buf, size_t cap) {
    uint64_t len = weft_block_length(b);
    weft_block_load(b, 0, buf, len < cap ? (size_t)len : cap);
    return len;
}

/* A new block holding a copy of data; 0 if len is 0 or the host refuses the block. */
static inline weft_block weft_block_new(const void *data, size_t len) {
    weft_block b = weft_env_alloc(len);
    if (b) weft_block_store(b, 0, data, len);
    return b;
}

/* A new block holding the bytes of s, without the NUL; 0 if s is empty or refused. */
static inline weft_block weft_block_new_str(const char *s) {
    return weft_block_new(s, weft_pdk_strlen(s));
}

/* ---- input ---------------------------------------------------------------------------------- */

/* The length of this call's input, in bytes. */
static inline uint64_t weft_input_length(void) { return weft_env_input_length(); }

/* Copies up to cap bytes of the input, from byte offset on, into buf; returns how many it copied
 * (0 once offset reaches the end). Reading in chunks keeps a large input out of linear memory. */
static inline size_t weft_input_read_at(uint64_t offset, void *buf, size_t cap) {
    uint64_t total = weft_env_input_length();
    if (offset >= total) return 0;
    size_t n = total - offset < cap ? (size_t)(total - offset) : cap;
    uint8_t *q = (uint8_t *)buf;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t word = weft_env_input_load_u64(offset + i);
        __builtin_memcpy(q + i, &word, 8);
    }
    for (; i < n; i++) q[i] = (uint8_t)weft_env_input_load_u8(offset + i);
    return n;
}

/* Copies the first min(cap, input length) bytes of the input into buf; returns how many. */
static inline size_t weft_input_read(void *buf, size_t cap) { return weft_input_read_at(0, buf, cap); }

/* A new block holding a copy of the whole input (to hand to a host function, say), copied host
 * to host 8 bytes at a time without passing through linear memory; 0 if the input is empty or
 * the block is refused. */
static inline weft_block weft_input_block(void) {
    uint64_t n = weft_env_input_length(), i = 0;
    weft_block b = weft_env_alloc(n);
    if (!b) return 0;
    for (; n - i >= 8; i += 8) weft_env_store_u64(b + i, weft_env_input_load_u64(i));
    for (; i < n; i++) weft_env_store_u8(b + i, weft_env_input_load_u8(i));
    return b;
}

/* ---- output and errors ---------------------------------------------------------------------- */

/* Makes block b (all of it) the call's output; the host keeps it, so do not free it. */
static inline void weft_output_block(weft_block b) { weft_env_output_set(b, weft_block_length(b)); }

/* Copies data into a new block and makes it the output. Returns 0, or -1 if the host refused the
 * block (the memory limit). An empty output needs no block. A later output replaces this one. */
static inline int weft_output(const void *data, size_t len) {
    weft_block b = 0;
    if (len > 0 && (b = weft_block_new(data, len)) == 0) return -1;
    weft_env_output_set(b, len);
    return 0;
}

/* The same for a NUL-terminated string (without the NUL). */
static inline int weft_output_str(const char *s) { return weft_output(s, weft_pdk_strlen(s)); }

/* Sets the call's error message and returns 1, for `return weft_error("bad input");` in an
 * exported function: the call then fails with that message. If the host refuses even the
 * message's block, the call still fails (the nonzero return), without a message. */
static inline int32_t weft_error(const char *msg) {
    weft_block b = weft_block_new_str(msg);
    if (b) weft_env_error_set(b);
    return 1;
}

/* ---- config and vars ------------------------------------------------------------------------ */

/* Shared by config and vars (not for plugins): the value block get() answers for key, or 0. */
static inline weft_block weft_pdk_lookup_(weft_block (*get)(weft_block), const char *key) {
    weft_block k = weft_block_new_str(key);
    if (!k) return 0;
    weft_block v = get(k);
    weft_env_free(k);
    return v;
}

/* Copies value block v into buf (at most cap bytes), frees it, returns its whole length; -1 for
 * no block. */
static inline int64_t weft_pdk_copy_value_(weft_block v, void *buf, size_t cap) {
    if (!v) return -1;
    uint64_t len = weft_block_read(v, buf, cap);
    weft_env_free(v);
    return (int64_t)len;
}

/* Config: string key/values the embedder gave the plugin, read-only. Returns the block holding
 * key's value (the caller may free it), or 0 if there is no such key. */
static inline weft_block weft_config_get_block(const char *key) {
    return weft_pdk_lookup_(weft_env_config_get, key);
}

/* Copies key's value into buf (at most cap bytes) and returns its whole length (above cap: buf
 * holds a truncated copy), or -1 if there is no such key. An empty value reads as absent: the ABI
 * cannot hand back an empty block. */
static inline int64_t weft_config_get(const char *key, void *buf, size_t cap) {
    return weft_pdk_copy_value_(weft_config_get_block(key), buf, cap);
}

/* The same as a NUL-terminated string: copies at most cap - 1 bytes and a NUL (cap > 0). */
static inline int64_t weft_config_get_str(const char *key, char *buf, size_t cap) {
    int64_t len = weft_config_get(key, buf, cap ? cap - 1 : 0);
    if (cap) buf[len < 0 ? 0 : ((uint64_t)len < cap - 1 ? (size_t)len : cap - 1)] = '\0';
    return len;
}

/* Vars: the plugin's own small key/value state, kept by the host across calls of one instance
 * (and lost with it). The host limits their total size. Returns the block holding key's value
 * (the caller may free it), or 0 if key is not set. */
static inline weft_block weft_var_get_block(const char *key) {
    return weft_pdk_lookup_(weft_env_var_get, key);
}

/* Copies key's value into buf (at most cap bytes) and returns its whole length, or -1 if key is
 * not set. */
static inline int64_t weft_var_get(const char *key, void *buf, size_t cap) {
    return weft_pdk_copy_value_(weft_var_get_block(key), buf, cap);
}

/* Sets key to a copy of len bytes of value. len 0 deletes key (no empty values: the ABI has no
 * empty block). Returns 0, or -1 if the host refused a block. The host fails the call when the
 * vars outgrow its limit. */
static inline int weft_var_set(const char *key, const void *value, size_t len) {
    weft_block k = weft_block_new_str(key), v = 0;
    if (!k || (len > 0 && (v = weft_block_new(value, len)) == 0)) {
        weft_block_free(k);
        return -1;
    }
    weft_env_var_set(k, v);
    weft_env_free(k);
    weft_block_free(v); /* the host keeps its own copy */
    return 0;
}

/* Deletes key (nothing happens if it is not set). Returns 0, or -1 if the host refused a block. */
static inline int weft_var_delete(const char *key) { return weft_var_set(key, 0, 0); }

/* ---- logs ----------------------------------------------------------------------------------- */

/* Log levels, numbered as the ABI does. */
enum {
    WEFT_PDK_LOG_TRACE = 0,
    WEFT_PDK_LOG_DEBUG = 1,
    WEFT_PDK_LOG_INFO = 2,
    WEFT_PDK_LOG_WARN = 3,
    WEFT_PDK_LOG_ERROR = 4,
};

/* The lowest level the host keeps: messages below it are dropped (the wrappers below then do not
 * even copy them). */
static inline int weft_get_log_level(void) { return weft_env_get_log_level(); }

/* Logs len bytes of msg at level (WEFT_PDK_LOG_*); a message the host would drop, or whose block
 * it refuses, is skipped. */
static inline void weft_log(int level, const char *msg, size_t len) {
    if (level < weft_env_get_log_level()) return;
    weft_block b = weft_block_new(msg, len);
    if (!b) return;
    switch (level) {
    case WEFT_PDK_LOG_TRACE: weft_env_log_trace(b); break;
    case WEFT_PDK_LOG_DEBUG: weft_env_log_debug(b); break;
    case WEFT_PDK_LOG_INFO: weft_env_log_info(b); break;
    case WEFT_PDK_LOG_WARN: weft_env_log_warn(b); break;
    default: weft_env_log_error(b); break;
    }
    weft_env_free(b);
}

/* NUL-terminated messages at each level. */
static inline void weft_log_trace(const char *msg) { weft_log(WEFT_PDK_LOG_TRACE, msg, weft_pdk_strlen(msg)); }
static inline void weft_log_debug(const char *msg) { weft_log(WEFT_PDK_LOG_DEBUG, msg, weft_pdk_strlen(msg)); }
static inline void weft_log_info(const char *msg) { weft_log(WEFT_PDK_LOG_INFO, msg, weft_pdk_strlen(msg)); }
static inline void weft_log_warn(const char *msg) { weft_log(WEFT_PDK_LOG_WARN, msg, weft_pdk_strlen(msg)); }
static inline void weft_log_error(const char *msg) { weft_log(WEFT_PDK_LOG_ERROR, msg, weft_pdk_strlen(msg)); }

/* ---- HTTP ----------------------------------------------------------------------------------- */

/* Appends s to the request being built in block b at *pos, as a JSON string body when quote is
 * set (escaping '"', '\' and control bytes), else verbatim. With b == 0 it only counts, so the
 * request is measured first and written second, without a buffer. */
static inline void weft_pdk_json_put(weft_block b, uint64_t *pos, const char *s, int quote) {
    static const char hex[] = "0123456789abcdef";
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t n = 1;
        if (quote && (c == '"' || c == '\\')) {
            n = 2;
        } else if (quote && c < 0x20) {
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            n = 6;
        } else {
            esc[0] = (char)c;
        }
        if (b)
            for (size_t i = 0; i < n; i++) weft_env_store_u8(b + *pos + i, (uint8_t)esc[i]);
        *pos += n;
    }
}

/* Writes (b != 0) or measures (b == 0) {"url":URL,"method":METHOD,"headers":HEADERS}. */
static inline uint64_t weft_pdk_http_req(weft_block b, const char *url, const char *method,
                                         const char *headers_json) {
    uint64_t pos = 0;
    weft_pdk_json_put(b, &pos, "{\"url\":\"", 0);
    weft_pdk_json_put(b, &pos, url, 1);
    weft_pdk_json_put(b, &pos, "\",\"method\":\"", 0);
    weft_pdk_json_put(b, &pos, method, 1);
    weft_pdk_json_put(b, &pos, "\",\"headers\":", 0);
    weft_pdk_json_put(b, &pos, headers_json, 0);
    weft_pdk_json_put(b, &pos, "}", 0);
    return pos;
}

/* Sends an HTTP request through the host and returns the response body's block (the caller
 * reads it with weft_block_read and may free it), or 0 for an empty body or a refused block.
 * method NULL means "GET"; headers_json is a JSON object of string values such as
 * {"Accept":"text/plain"} (copied verbatim; NULL for none); body may be NULL when body_len is 0.
 * *status (if not NULL) receives the response's status code (0 if no request was made). The host reaches only the hosts the
 * embedder allowed: any other, a failed connection, or a response over the host's size limit
 * ends the call with an error. */
static inline weft_block weft_http_request(const char *url, const char *method,
                                           const char *headers_json, const void *body,
                                           size_t body_len, int32_t *status) {
    if (status) *status = 0;
    if (!method) method = "GET";
    if (!headers_json) headers_json = "{}";
    weft_block req = weft_env_alloc(weft_pdk_http_req(0, url, method, headers_json)), data = 0;
    if (!req) return 0;
    weft_pdk_http_req(req, url, method, headers_json);
    if (body_len > 0 && (data = weft_block_new(body, body_len)) == 0) {
        weft_env_free(req);
        return 0;
    }
    weft_block resp = weft_env_http_request(req, data);
    if (status) *status = weft_env_http_status_code();
    weft_env_free(req);
    weft_block_free(data);
    return resp;
}

/* ---- conveniences that need libc (wasm32-wasi builds only) ---------------------------------- */
#ifdef __wasi__
#include <stdlib.h>

/* The whole input in a malloc'd buffer the caller frees, with a NUL after it (so text input can
 * be used as a string); *len (if not NULL) gets its length. NULL when malloc fails. */
static inline char *weft_input_alloc(size_t *len) {
    uint64_t n = weft_env_input_length();
    char *buf = (n < SIZE_MAX) ? (char *)malloc((size_t)n + 1) : NULL;
    if (!buf) return NULL;
    weft_input_read(buf, (size_t)n);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

/* A malloc'd, NUL-terminated copy of block b (the caller frees it; b stays); *len (if not NULL)
 * gets its length. NULL when malloc fails. b == 0 gives an empty string. */
static inline char *weft_block_alloc_copy(weft_block b, size_t *len) {
    uint64_t n = weft_block_length(b);
    char *buf = (n < SIZE_MAX) ? (char *)malloc((size_t)n + 1) : NULL;
    if (!buf) return NULL;
    weft_block_load(b, 0, buf, (size_t)n);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}
#endif /* __wasi__ */

#ifdef __cplusplus
}
#endif

#endif /* WEFT_PDK_H */
