/* cli.h: shared declarations of the weft command-line tool.
 * main.c dispatches commands, run.c is `weft run`, call.c is `weft call` (plugins), opts.c parses
 * the option syntax they share, value.c turns arguments into values and results into text,
 * file.c reads module files and inputs, report.c prints errors and traps.
 */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "weft.h"

/* Exit statuses. A trap ends like an abort() would (128 + SIGABRT), as in wasmtime. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_TRAP 134

/* main.c */
void cli_usage(FILE *f);

/* run.c: `weft run`; argv[0] is "run". Returns the exit status. */
int cli_run(int argc, char **argv);

/* call.c: `weft call`; argv[0] is "call". Returns the exit status. */
int cli_call(int argc, char **argv);

/* serve.c: `weft serve` (one handler, no manifest) and `weft up` (an app manifest); argv[0] is
 * the command. They return when SIGINT or SIGTERM has stopped the server. */
int cli_serve(int argc, char **argv);
int cli_up(int argc, char **argv);

/* invoke.c: `weft invoke`; argv[0] is "invoke". */
int cli_invoke(int argc, char **argv);

/* bindgen.c: `weft bindgen`; argv[0] is "bindgen". */
int cli_bindgen(int argc, char **argv);

/* file.c: reads a whole file into a malloc'd buffer. On failure returns false and writes the
 * reason ("no such file", "is a directory", "is empty", ...) into err. */
bool cli_read_file(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen);
/* The same for data rather than modules: an empty file is fine (*out_len 0, *out may be NULL). */
bool cli_read_input(const char *path, uint8_t **out, size_t *out_len, char *err, size_t errlen);

/* opts.c: "--opt VALUE" or "--opt=VALUE": the value, advancing *i past it; NULL if argv[*i] is not
 * opt, or is opt without a value (then *missing is set). */
const char *cli_opt_value(const char *opt, int argc, char **argv, int *i, bool *missing);
/* Checked option values: true with *out set, or false after printing, in one wording for every
 * command, what opt wants. Counts are decimal; sizes are bytes with an optional K, M or G (binary
 * multiples, optionally followed by B or iB); durations are milliseconds, or with ms, s, m or h. */
bool cli_want_u64(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out);
bool cli_want_size(const char *opt, const char *v, uint64_t min, uint64_t *out);
bool cli_want_duration(const char *opt, const char *v, uint64_t *ms);

/* value.c: parses text as a value of type t: integers in decimal or 0x hex, possibly negative,
 * within the type's signed or unsigned range; floats in strtod syntax (inf, nan, hex floats);
 * references only as "null". On failure returns false with the reason in err. */
bool cli_val_parse(weft_valtype t, const char *text, weft_val *out, char *err, size_t errlen);
/* Prints v and a newline: integers signed, f32 %.9g, f64 %.17g, nan/-nan/inf/-inf,
 * references as null or ref. */
void cli_val_print(FILE *f, weft_val v);

/* report.c: "weft: <file>: <error>" (kind, message, byte offset when there is one). */
void cli_report_error(const char *file, const weft_error *e);
/* "weft: trap: <message>" and the backtrace, one frame per line. */
void cli_report_trap(const weft_error *e);
/* Prints e as it deserves (trap, or one line) and returns the exit status it calls for. */
int cli_report(const char *file, const weft_error *e);

#endif /* WEFT_CLI_H */
