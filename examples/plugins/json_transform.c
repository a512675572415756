/* json_transform.c: a JSON transform driven by config. transform reads a JSON object and outputs
 * it compacted, with its top-level fields changed as the config says:
 *   drop.KEY   = (not empty) leaves field KEY out
 *   rename.KEY = NEW         renames field KEY to NEW
 *   prefix     = P           puts P before every field name (after renaming)
 *   add        = {...}       a JSON object whose fields are appended
 * KEY is a field's name as written in the input (escapes included). No JSON library: a small
 * validating scanner copies values without their whitespace. Built with wasi-libc for malloc and
 * string.h, but without its I/O (no printf), so it imports no WASI and runs without --wasi.
 */
#include <stdlib.h>
#include <string.h>

#include "weft-pdk.h"

#define MAX_DEPTH 64 /* nesting of arrays and objects; deeper input is refused */

typedef struct json {
    const char *s; /* the text being scanned */
    size_t len, pos;
    int quiet;     /* scan without emitting: a dropped field, a field name */
    char *out;     /* the output being built, malloc'd */
    size_t out_len, out_cap;
    const char *what; /* names the text in messages: "input", "config \"add\"" */
    char err[200];
} json;

static char *put(char *p, const char *end, const char *s) {
    while (*s && p < end) *p++ = *s++;
    return p;
}

/* Records "WHAT: MSG at byte N" (only the first error: the one nearest the cause); returns -1. */
static int fail(json *j, const char *msg) {
    if (j->err[0]) return -1;
    char digits[24], *end = j->err + sizeof j->err - 1;
    int n = 0;
    size_t pos = j->pos;
    do digits[n++] = (char)('0' + pos % 10); while ((pos /= 10) != 0);
    char *p = put(put(put(put(j->err, end, j->what), end, ": "), end, msg), end, " at byte ");
    while (n > 0 && p < end) *p++ = digits[--n];
    *p = '\0';
    return -1;
}

static int emit(json *j, const char *s, size_t n) {
    if (j->quiet) return 0;
    if (j->out_len + n > j->out_cap) {
        size_t cap = j->out_cap ? j->out_cap : 256;
        while (cap < j->out_len + n) cap *= 2;
        char *p = realloc(j->out, cap);
        if (!p) return fail(j, "out of memory");
        j->out = p;
        j->out_cap = cap;
    }
    memcpy(j->out + j->out_len, s, n);
    j->out_len += n;
    return 0;
}

/* Emits n bytes of s as the inside of a JSON string. */
static int emit_escaped(json *j, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
        int rc;
        if (c == '"' || c == '\\') {
            rc = emit(j, esc, 2);
        } else if (c < 0x20) {
            esc[1] = 'u';
            rc = emit(j, esc, 6);
        } else {
            rc = emit(j, s + i, 1);
        }
        if (rc) return rc;
    }
    return 0;
}

static int peek(const json *j) { return j->pos < j->len ? (unsigned char)j->s[j->pos] : -1; }

static void skip_ws(json *j) {
    for (int c = peek(j); c == ' ' || c == '\t' || c == '\r' || c == '\n'; c = peek(j)) j->pos++;
}

static int is_hex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string, quotes included; *body and *body_len (if body) get what is between the quotes. */
static int scan_string(json *j, const char **body, size_t *body_len) {
    size_t start = j->pos++;
    for (int c = peek(j); c != '"'; c = peek(j)) {
        if (c < 0) return fail(j, "unterminated string");
        if (c < 0x20) return fail(j, "control character in a string");
        j->pos++;
        if (c != '\\') continue;
        c = peek(j);
        if (c == 'u') {
            for (int i = 0; i < 4; i++) {
                j->pos++;
                if (!is_hex(peek(j))) return fail(j, "bad \\u escape");
            }
        } else if (c < 0 || !strchr("\"\\/bfnrt", c)) {
            return fail(j, "bad escape");
        }
        j->pos++;
    }
    j->pos++;
    if (body) {
        *body = j->s + start + 1;
        *body_len = j->pos - start - 2;
    }
    return emit(j, j->s + start, j->pos - start);
}

static void skip_digits(json *j) {
    while (peek(j) >= '0' && peek(j) <= '9') j->pos++;
}

static int scan_number(json *j) {
    size_t start = j->pos;
    if (peek(j) == '-') j->pos++;
    size_t first = j->pos;
    skip_digits(j);
    if (j->pos == first || (j->s[first] == '0' && j->pos - first > 1)) return fail(j, "bad number");
    if (peek(j) == '.') {
        size_t frac = ++j->pos;
        skip_digits(j);
        if (j->pos == frac) return fail(j, "bad number");
    }
    if (peek(j) == 'e' || peek(j) == 'E') {
        j->pos++;
        if (peek(j) == '+' || peek(j) == '-') j->pos++;
        size_t exp = j->pos;
        skip_digits(j);
        if (j->pos == exp) return fail(j, "bad number");
    }
    return emit(j, j->s + start, j->pos - start);
}

static int scan_value(json *j, int depth);

/* The rest of an object or array, after its opening bracket. */
static int scan_container(json *j, int depth, char close) {
    if (depth >= MAX_DEPTH) return fail(j, "nested too deeply");
    skip_ws(j);
    if (peek(j) == close) {
        j->pos++;
        return emit(j, &close, 1);
    }
    for (;;) {
        skip_ws(j);
        if (close == '}') {
            if (peek(j) != '"') return fail(j, "expected a field name");
            if (scan_string(j, NULL, NULL)) return -1;
            skip_ws(j);
            if (peek(j) != ':') return fail(j, "expected ':'");
            j->pos++;
            if (emit(j, ":", 1)) return -1;
        }
        if (scan_value(j, depth + 1)) return -1;
        skip_ws(j);
        char c = (char)peek(j);
        if (c != ',' && c != close) return fail(j, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        j->pos++;
        if (emit(j, &c, 1)) return -1;
        if (c == close) return 0;
    }
}

static int scan_value(json *j, int depth) {
    static const char *const words[] = {"true", "false", "null"};
    skip_ws(j);
    int c = peek(j);
    if (c == '"') return scan_string(j, NULL, NULL);
    if (c == '{' || c == '[') {
        char open = (char)c;
        j->pos++;
        if (emit(j, &open, 1)) return -1;
        return scan_container(j, depth, c == '{' ? '}' : ']');
    }
    if (c == '-' || (c >= '0' && c <= '9')) return scan_number(j);
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (j->len - j->pos >= n && memcmp(j->s + j->pos, words[i], n) == 0) {
            j->pos += n;
            return emit(j, words[i], n);
        }
    }
    return fail(j, c < 0 ? "unexpected end" : "unexpected character");
}

/* The config value of PREFIX followed by key_len bytes of key: a malloc'd string, or NULL if
 * there is none (or memory ran out); *len gets its length. */
static char *config(const char *prefix, const char *key, size_t key_len, size_t *len) {
    size_t plen = strlen(prefix);
    char *name = malloc(plen + key_len + 1), *value = NULL;
    if (!name) return NULL;
    memcpy(name, prefix, plen);
    memcpy(name + plen, key, key_len);
    name[plen + key_len] = '\0';
    weft_block b = weft_config_get_block(name);
    if (b) value = weft_block_alloc_copy(b, len);
    weft_block_free(b);
    free(name);
    return value;
}

/* Logs "transform: VERB KEY" at debug level. */
static void log_field(const char *verb, const char *key, size_t key_len) {
    if (weft_get_log_level() > WEFT_PDK_LOG_DEBUG) return;
    size_t vlen = strlen(verb);
    char *msg = malloc(11 + vlen + 1 + key_len);
    if (!msg) return;
    memcpy(msg, "transform: ", 11);
    memcpy(msg + 11, verb, vlen);
    msg[11 + vlen] = ' ';
    memcpy(msg + 12 + vlen, key, key_len);
    weft_log(WEFT_PDK_LOG_DEBUG, msg, 12 + vlen + key_len);
    free(msg);
}

/* One field of the input, from its name on: dropped, or emitted with its new name. */
static int transform_field(json *j, const char *prefix, size_t prefix_len, int *first) {
    const char *key;
    size_t key_len, n;
    j->quiet = 1; /* the name is emitted below, transformed */
    int rc = peek(j) == '"' ? scan_string(j, &key, &key_len) : fail(j, "expected a field name");
    j->quiet = 0;
    if (rc) return rc;
    skip_ws(j);
    if (peek(j) != ':') return fail(j, "expected ':'");
    j->pos++;

    char *dropped = config("drop.", key, key_len, &n);
    if (dropped) {
        free(dropped);
        log_field("dropped", key, key_len);
        j->quiet = 1;
        rc = scan_value(j, 1);
        j->quiet = 0;
        return rc;
    }
    char *renamed = config("rename.", key, key_len, &n);
    if (renamed) log_field("renamed", key, key_len);
    rc = (!*first && emit(j, ",", 1)) || emit(j, "\"", 1) || emit_escaped(j, prefix, prefix_len) ||
         (renamed ? emit_escaped(j, renamed, n) : emit(j, key, key_len)) || emit(j, "\":", 2) ||
         scan_value(j, 1);
    free(renamed);
    *first = 0;
    return rc ? -1 : 0;
}

/* Appends the fields of config "add" (an object) to the output. */
static int append_added(json *j, int first) {
    size_t add_len;
    char *add = config("add", "", 0, &add_len);
    if (!add) return 0;
    json a = {.s = add, .len = add_len, .what = "config \"add\""};
    skip_ws(&a);
    int rc = peek(&a) == '{' ? 0 : fail(&a, "expected an object");
    if (!rc) {
        a.pos++;
        rc = scan_container(&a, 1, '}');
    }
    skip_ws(&a);
    if (!rc && a.pos < a.len) rc = fail(&a, "text after the object");
    /* a.out holds the fields and the closing brace: the fields go after the input's. */
    if (!rc && a.out_len > 1) rc = (!first && emit(j, ",", 1)) || emit(j, a.out, a.out_len - 1);
    if (rc && a.err[0]) memcpy(j->err, a.err, sizeof j->err);
    free(a.out);
    free(add);
    return rc ? -1 : 0;
}

static int transform_object(json *j) {
    size_t prefix_len = 0;
    char *prefix = config("prefix", "", 0, &prefix_len);
    int rc = -1, first = 1;
    skip_ws(j);
    if (peek(j) != '{') {
        fail(j, "expected an object");
        goto fail;
    }
    j->pos++;
    if (emit(j, "{", 1)) goto fail;
    skip_ws(j);
    if (peek(j) == '}') {
        j->pos++;
    } else {
        for (;;) {
            skip_ws(j);
            if (transform_field(j, prefix ? prefix : "", prefix_len, &first)) goto fail;
            skip_ws(j);
            int c = peek(j);
            if (c != ',' && c != '}') {
                fail(j, "expected ',' or '}'");
                goto fail;
            }
            j->pos++;
            if (c == '}') break;
        }
    }
    skip_ws(j);
    if (j->pos < j->len) {
        fail(j, "text after the object");
        goto fail;
    }
    if (append_added(j, first) || emit(j, "}", 1)) goto fail;
    rc = 0;

fail:
    free(prefix);
    return rc;
}

WEFT_EXPORT(transform) {
    size_t len;
    char *in = weft_input_alloc(&len);
    if (!in) return weft_error("transform: out of memory");
    json j = {.s = in, .len = len, .what = "input"};
    int rc = transform_object(&j);
    if (rc == 0 && weft_output(j.out, j.out_len) != 0) rc = fail(&j, "output refused");
    free(j.out);
    free(in);
    return rc == 0 ? 0 : weft_error(j.err);
}
