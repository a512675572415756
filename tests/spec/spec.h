/* spec.h: shared declarations of the spec-testsuite runner (weft-spec).
 * runner.c finds the suite and sums up, convert.c runs wast2json, script.c executes one
 * converted JSON script against weft, spectest.c is the host module scripts import, value.c
 * reads, compares and prints JSON values. */
#ifndef WEFT_SPEC_H
#define WEFT_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "weft.h"

#if defined(__GNUC__)
#define SPEC_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define SPEC_PRINTF(fmt, first)
#endif

/* Command-line settings, read-only once parsed. */
typedef struct spec_opts {
    bool verbose;
    size_t list_failures; /* failure lines printed per file */
} spec_opts;

/* A growable list of malloc'd lines (failures or notes of one file). */
typedef struct spec_lines {
    char **v;
    size_t n, cap;
} spec_lines;

SPEC_PRINTF(2, 3) void spec_lines_addf(spec_lines *l, const char *fmt, ...);
void spec_lines_free(spec_lines *l);

/* The outcome of one .wast file. passed/failed/skipped count assertions; failures of module,
 * register and action commands and of the file itself (conversion, JSON) add to failed. */
typedef struct spec_result {
    long passed, failed, skipped;
    long category_mismatch; /* assert_invalid failed as malformed, or the reverse */
    long message_mismatch;  /* weft's message does not match the spec's text */
    spec_lines failures;    /* at most opts->list_failures lines */
    spec_lines notes;       /* informational, printed under --verbose */
} spec_result;

/* Records a failure: counts it and keeps its line while there is room. */
SPEC_PRINTF(3, 4) void spec_fail(spec_result *r, const spec_opts *o, const char *fmt, ...);

/* convert.c: converts wast (absolute path) into json_path with wast2json, creating the
 * directories on the way, unless json_path is already newer. On failure returns false and
 * writes a one-line reason (wast2json's first stderr line, or the exit status) into err. */
bool spec_convert(const char *wast, const char *json_path, char *err, size_t errlen);
/* Creates dir and its parents (mkdir -p). */
bool spec_mkdirs(const char *dir);

/* script.c: runs the converted script json_path (its .wasm files lie next to it) in a store
 * of its own, adding the outcome to r. */
void spec_script_run(weft_engine *engine, const spec_opts *o, const char *json_path,
                     spec_result *r);
/* One line for a weft error: kind, message in quotes, and the byte offset if it has one. */
void spec_error_format(const weft_error *e, char *buf, size_t len);

/* spectest.c: the host module "spectest" that scripts import (print functions, globals, a table
 * and a memory), defined into a linker. st holds the print functions' user data and must live
 * as long as the store. On failure returns false with the reason in err. */
#define SPEC_SPECTEST_PRINTS 7

typedef struct spec_print_fn {
    const struct spec_print_sig *sig;
    const spec_opts *opts;
} spec_print_fn;

typedef struct spec_spectest {
    spec_print_fn prints[SPEC_SPECTEST_PRINTS];
} spec_spectest;

bool spec_spectest_define(spec_spectest *st, weft_linker *l, weft_store *s,
                          const spec_opts *o, char *err, size_t errlen);

/* value.c: a value expected by assert_return. */
typedef enum spec_expect_kind {
    SPEC_EXPECT_EXACT,     /* same type and bits */
    SPEC_EXPECT_NAN_CANON, /* "nan:canonical" */
    SPEC_EXPECT_NAN_ARITH, /* "nan:arithmetic" */
    SPEC_EXPECT_NONNULL,   /* a funcref that is not null (the JSON cannot name a function) */
} spec_expect_kind;

typedef struct spec_expect {
    spec_expect_kind kind;
    weft_val val; /* .type always set; .of only for SPEC_EXPECT_EXACT */
} spec_expect;

/* Results of reading a JSON value. */
typedef enum spec_parse {
    SPEC_PARSE_OK,
    SPEC_PARSE_V128, /* a v128 value: weft has no SIMD, so the assertion is skipped */
    SPEC_PARSE_BAD,  /* malformed JSON value */
} spec_parse;

spec_parse spec_val_parse(const cJSON *j, weft_val *out);
spec_parse spec_expect_parse(const cJSON *j, spec_expect *out);
bool spec_expect_match(const spec_expect *e, weft_val got);
/* Prints "i32:42", "f32:1.5 (0x3fc00000)", "externref:3", ... into buf. brief (for argument
 * lists) omits the type and the bits of non-NaN floats: "42", "1.5". */
void spec_val_format(weft_val v, bool brief, char *buf, size_t len);
void spec_expect_format(const spec_expect *e, char *buf, size_t len);
/* Maps the JSON's externref numbers to host pointers and back: N <-> N + 1, so 0 is not NULL. */
void *spec_externref_from_index(unsigned long long n);
/* Copies s into buf with control bytes and backslashes escaped (\xNN), for names in messages. */
void spec_escape(const char *s, char *buf, size_t len);

/* Prefix rule for spec messages: either text is a prefix of the other. */
bool spec_message_matches(const char *expected, const char *got);

#endif /* WEFT_SPEC_H */
