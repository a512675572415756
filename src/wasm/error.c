/* error.c: weft_error values: creation, formatting, accessors, and the trap wording table. */
#include "error.h"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returned when allocating an error itself fails. Read-only: never modified or freed. */
static const weft_error nomem_error = {
    .kind = WEFT_ERR_NOMEM, .offset = -1, .message = (char *)"out of memory"};

weft_error *err_nomem(void) { return (weft_error *)&nomem_error; }

weft_error *err_newv(weft_error_kind kind, int64_t offset, const char *fmt, va_list ap) {
    weft_error *e = calloc(1, sizeof *e);
    if (!e) return err_nomem();
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    e->message = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!e->message) {
        free(e);
        return err_nomem();
    }
    if (n > 0)
        vsnprintf(e->message, (size_t)n + 1, fmt, ap);
    else
        e->message[0] = 0;
    e->kind = kind;
    e->offset = offset;
    return e;
}

weft_error *err_new(weft_error_kind kind, int64_t offset, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    weft_error *e = err_newv(kind, offset, fmt, ap);
    va_end(ap);
    return e;
}

const char *err_trap_message(weft_trap_code code) {
    switch (code) {
    case WEFT_TRAP_NONE: return "no trap";
    case WEFT_TRAP_UNREACHABLE: return "unreachable";
    case WEFT_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WEFT_TRAP_TABLE_OOB: return "out of bounds table access";
    case WEFT_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WEFT_TRAP_UNINITIALIZED_ELEM: return "uninitialized element";
    case WEFT_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
    case WEFT_TRAP_DIV_ZERO: return "integer divide by zero";
    case WEFT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WEFT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WEFT_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WEFT_TRAP_OUT_OF_FUEL: return "all fuel consumed";
    case WEFT_TRAP_INTERRUPTED: return "interrupted";
    case WEFT_TRAP_HOST: return "host trap";
    }
    return "unknown trap";
}

weft_error *err_trap(weft_trap_code code) {
    weft_error *e = err_new(WEFT_ERR_TRAP, -1, "%s", err_trap_message(code));
    if (e != err_nomem()) e->trap = code;
    return e;
}

int err_add_frame(weft_error *e, uint32_t func_index, const char *name) {
    if (e == err_nomem()) return 0;
    if (e->nframes >= WEFT_MAX_BACKTRACE) {
        e->frames_omitted++;
        return 1;
    }
    err_frame *f = realloc(e->frames, (e->nframes + 1) * sizeof *f);
    if (!f) return 0;
    e->frames = f;
    char *copy = strdup(name ? name : "?");
    if (!copy) return 0;
    f[e->nframes].func_index = func_index;
    f[e->nframes].name = copy;
    e->nframes++;
    return 1;
}

WEFT_API weft_error *weft_error_new(weft_error_kind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    weft_error *e = err_newv(kind, -1, fmt, ap);
    va_end(ap);
    return e;
}

WEFT_API weft_error *weft_trap_new(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    weft_error *e = err_newv(WEFT_ERR_TRAP, -1, fmt, ap);
    va_end(ap);
    if (e != err_nomem()) e->trap = WEFT_TRAP_HOST;
    return e;
}

WEFT_API weft_error *weft_exit_new(int code) {
    weft_error *e = err_new(WEFT_ERR_EXIT, -1, "exit with code %d", code);
    if (e != err_nomem()) e->exit_code = code;
    return e;
}

WEFT_API void weft_error_free(weft_error *e) {
    if (!e || e == err_nomem()) return;
    for (size_t i = 0; i < e->nframes; i++) free(e->frames[i].name);
    free(e->frames);
    free(e->message);
    free(e);
}

WEFT_API weft_error_kind weft_error_kind_of(const weft_error *e) { return e->kind; }
WEFT_API const char *weft_error_message(const weft_error *e) { return e->message; }
WEFT_API int64_t weft_error_offset(const weft_error *e) { return e->offset; }
WEFT_API weft_trap_code weft_error_trap_code(const weft_error *e) {
    return e->kind == WEFT_ERR_TRAP ? e->trap : WEFT_TRAP_NONE;
}
WEFT_API int weft_error_exit_code(const weft_error *e) {
    return e->kind == WEFT_ERR_EXIT ? e->exit_code : 0;
}
WEFT_API size_t weft_error_frame_count(const weft_error *e) { return e->nframes; }
WEFT_API size_t weft_error_frames_omitted(const weft_error *e) { return e->frames_omitted; }
WEFT_API const char *weft_error_frame_name(const weft_error *e, size_t i) {
    return i < e->nframes ? e->frames[i].name : NULL;
}
WEFT_API uint32_t weft_error_frame_func_index(const weft_error *e, size_t i) {
    return i < e->nframes ? e->frames[i].func_index : 0;
}

WEFT_API const char *weft_error_kind_name(weft_error_kind k) {
    switch (k) {
    case WEFT_ERR_MALFORMED: return "malformed module";
    case WEFT_ERR_INVALID: return "invalid module";
    case WEFT_ERR_UNSUPPORTED: return "unsupported feature";
    case WEFT_ERR_LINK: return "link error";
    case WEFT_ERR_LIMIT: return "limit exceeded";
    case WEFT_ERR_TRAP: return "trap";
    case WEFT_ERR_EXIT: return "exit";
    case WEFT_ERR_USAGE: return "usage error";
    case WEFT_ERR_NOMEM: return "out of memory";
    }
    return "error";
}

WEFT_API char *weft_error_format(const weft_error *e) {
    size_t cap = strlen(e->message) + 192;
    for (size_t i = 0; i < e->nframes; i++) cap += strlen(e->frames[i].name) + 32;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = 0;
    if (e->offset >= 0)
        n += snprintf(s + n, cap - n, "%s: %s (at byte offset %lld, 0x%llx)", weft_error_kind_name(e->kind),
                      e->message, (long long)e->offset, (unsigned long long)e->offset);
    else
        n += snprintf(s + n, cap - n, "%s: %s", weft_error_kind_name(e->kind), e->message);
    for (size_t i = 0; i < e->nframes && n < cap; i++)
        n += snprintf(s + n, cap - n, "\n  %zu: %s", i, e->frames[i].name);
    if (e->frames_omitted && n < cap)
        snprintf(s + n, cap - n, "\n  ... %zu more frames", e->frames_omitted);
    return s;
}
