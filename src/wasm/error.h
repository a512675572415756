/* error.h: construction of weft_error values (load errors, link errors, traps, exits).
 *
 * Owns the layout of struct weft_error and the spec wording of every trap. The decoder and
 * compiler format their message into a fixed buffer first and allocate only at the end.
 */
#ifndef WEFT_ERROR_H
#define WEFT_ERROR_H

#include <stdarg.h>
#include "weft.h"

typedef struct err_frame {
    uint32_t func_index;
    char *name; /* owned */
} err_frame;

struct weft_error {
    weft_error_kind kind;
    weft_trap_code trap;
    int exit_code;
    int64_t offset;
    char *message; /* owned, NUL-terminated */
    size_t nframes;
    err_frame *frames; /* owned, innermost first */
    size_t frames_omitted; /* deeper frames beyond WEFT_MAX_BACKTRACE, counted only */
};

/* New error with a printf-style message; offset -1 when not about a byte position. Never
 * returns NULL: when out of memory it returns a shared static "out of memory" error that
 * weft_error_free recognises and leaves alone. */
weft_error *err_new(weft_error_kind kind, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
weft_error *err_newv(weft_error_kind kind, int64_t offset, const char *fmt, va_list ap);
weft_error *err_nomem(void);
/* A trap with the spec's message for code. */
weft_error *err_trap(weft_trap_code code);
/* The spec's wording for a trap code (static string). */
const char *err_trap_message(weft_trap_code code);
/* Appends a backtrace frame (name copied), or only counts it once WEFT_MAX_BACKTRACE frames are
 * kept; false when out of memory (the error stays usable). */
int err_add_frame(weft_error *e, uint32_t func_index, const char *name);

#endif
