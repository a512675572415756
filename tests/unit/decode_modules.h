/* decode_modules.h: the valid test modules of test_decode.c (imports and exports of every kind),
 * shared with test_stress.c. Malformed and invalid byte strings live in test_decode.c itself.
 * Each array is wat2wasm's output for the WAT in the comment above it.
 */
#ifndef WEFT_UNIT_DECODE_MODULES_H
#define WEFT_UNIT_DECODE_MODULES_H

#include "util.h"

/* intro_wasm: wat2wasm
 *
 * (module
 *   (import "env" "f" (func $f (param i32)))
 *   (import "env" "mem" (memory 1))
 *   (import "env" "tab" (table 2 funcref))
 *   (import "env" "g" (global $g i32))
 *   (func $run (export "run") (param i32) local.get 0 call $f)
 *   (export "mem" (memory 0))
 *   (export "tab" (table 0))
 *   (export "g" (global $g))
 *   (export "a\00b" (func $run)))
 */
static const uint8_t intro_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x01, 0x7f, 0x00, 0x02, 0x29, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66,
    0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x00,
    0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00, 0x03, 0x02,
    0x01, 0x00, 0x07, 0x1d, 0x05, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, 0x03,
    0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x01,
    0x67, 0x03, 0x00, 0x03, 0x61, 0x00, 0x62, 0x00, 0x01, 0x0a, 0x08, 0x01,
    0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
};

/* Satisfies intro_wasm's imports with fresh definitions made in s. */
static inline weft_error *link_intro(weft_engine *e, weft_store *s, weft_linker *l) {
    const weft_valtype i32 = WEFT_I32;
    weft_error *err = weft_linker_define_func(l, "env", "f", &i32, 1, NULL, 0, host_nop, NULL,
                                              NULL);
    if (err) return err;
    weft_extern ext = {.kind = WEFT_EXTERN_MEMORY};
    if ((err = weft_memory_new(s, 1, false, 0, &ext.of.memory))) return err;
    if ((err = weft_linker_define(l, "env", "mem", ext))) return err;
    ext.kind = WEFT_EXTERN_TABLE;
    if ((err = weft_table_new(s, WEFT_FUNCREF, 2, false, 0, val_func(NULL), &ext.of.table)))
        return err;
    if ((err = weft_linker_define(l, "env", "tab", ext))) return err;
    ext.kind = WEFT_EXTERN_GLOBAL;
    ext.of.global = weft_global_new(s, WEFT_I32, false, val_i32(1));
    if (!ext.of.global) return weft_trap_new("test: weft_global_new failed");
    return weft_linker_define(l, "env", "g", ext);
}

static const unit_module decode_modules[] = {
    UNIT_MODULE(intro_wasm, link_intro, 0),
};

#endif
