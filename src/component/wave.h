/* wave.h: WAVE, the WebAssembly Value Encoding (the text syntax of component values that
 * wasmtime's --invoke and wasm-tools use; see wasm-tools' crates/wasm-wave): parsing a value of a
 * known type into a cv, printing a cv in the canonical form, and splitting a call expression
 * `name(arg, ...)`. Types steer the parser; nothing here knows about memory or the ABI.
 *
 * Not supported yet: resource handles (WAVE has no syntax for them either).
 */
#ifndef WEFT_COMPONENT_WAVE_H
#define WEFT_COMPONENT_WAVE_H

#include <stdbool.h>
#include <stddef.h>

#include "component/ctypes.h"

/* The deepest nesting of values parsed or printed (as wasm-wave's parser). */
#define WAVE_MAX_DEPTH 100

/* Parses text[0..len) (UTF-8; whitespace and // comments allowed around tokens) as one value of
 * type t into *out, whose parts are allocated in a. On failure returns false and writes a
 * message naming the byte offset and what was expected into err (NUL-terminated, truncated to
 * errlen; err may be NULL), e.g. "at byte 4: integer 300 out of range for u8".
 * Accepted as the spec allows: `some` and `ok` payloads written flat (`2` for some(2)) when the
 * payload is not itself an option or result; record fields of option type left out (none), the
 * empty record as `{:}` (or `{}`); trailing commas; `%`-escaped labels; multiline strings. */
bool wave_parse(const char *text, size_t len, const ct_type *t, cv_arena *a, cv *out, char *err,
                size_t errlen);

/* Prints v in the canonical form wasm-wave writes: `some(2)`, `{x: 1, y: 2}` (none fields left
 * out, `{:}` when nothing is left), floats in the shortest form that reads back to the same bits
 * (`1.5`, `-0`, `nan`, `inf`), strings and chars with \\ \" \' \t \n \r and \u{..} for other
 * control characters escaped. *out is a malloc'd NUL-terminated string the caller frees. Returns
 * false (and *out NULL) when memory runs out or v is not a well-formed value of its type
 * (a resource handle, a case index past the type's cases, a string that is not UTF-8). */
bool wave_print(const cv *v, char **out);

/* The function name of a call expression `name(args...)`: *name (pointing into text) and
 * *name_len. Names are anything up to the `(` without spaces or parentheses, e.g. `add` or
 * `acme:math/ops@0.1.0#add`. False with a message in err when there is no `name(`. */
bool wave_call_name(const char *text, size_t len, const char **name, size_t *name_len, char *err,
                    size_t errlen);

/* Parses the arguments of the call expression text[0..len) as the parameters of f into
 * out[0..f->nparams) (room for f->nparams values; parts allocated in a). Trailing parameters of
 * option type may be left out (none). The name is not compared with f's: look f up by
 * wave_call_name first. Errors as wave_parse, plus missing and extra arguments. */
bool wave_parse_call(const char *text, size_t len, const ct_func *f, cv_arena *a, cv *out,
                     char *err, size_t errlen);

#endif
