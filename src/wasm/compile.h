/* compile.h: validation and compilation of function bodies, in one pass.
 *
 * The validator's type stack drives generation of the interpreter's register code (see
 * opcodes.h for the instructions and interp.c for their meaning). Code for all functions of a
 * module goes into one buffer, which the module takes over at the end.
 */
#ifndef WEFT_COMPILE_H
#define WEFT_COMPILE_H

#include "module.h"
#include "reader.h"

typedef struct compiler compiler;

/* A compiler for the functions of m (whose types, imports, tables, memories, globals, elements
 * and exports are already decoded). NULL when out of memory. */
compiler *compiler_new(weft_module *m, const weft_engine_config *cfg);
void compiler_free(compiler *c);

/* Validates and compiles the body of defined function func_index, whose bytes (locals and
 * expression) are the window of body. Fills in the func_decl's code fields. On failure the
 * error is recorded in body->err and false is returned. */
bool compiler_function(compiler *c, uint32_t func_index, reader *body);

/* Hands the code buffer to the module (m->code, m->code_len). */
void compiler_finish(compiler *c);

#endif
