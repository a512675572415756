/* config.h: every named limit and default of the engine, in one place.
 *
 * Limits on untrusted input (module sizes and counts) protect the host from hostile modules;
 * they are checked before anything is allocated. Runtime defaults apply when a weft_limits field
 * is 0. Raise one only with a reason.
 */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

/* Module structure limits (the values the JS embedding API uses, where it has one). */
#define WEFT_MAX_MODULE_SIZE      (1u << 30)   /* bytes of one binary module */
#define WEFT_MAX_TYPES            1000000u
#define WEFT_MAX_FUNCTIONS        1000000u
#define WEFT_MAX_IMPORTS          100000u
#define WEFT_MAX_EXPORTS          100000u
#define WEFT_MAX_GLOBALS          1000000u
#define WEFT_MAX_DATA_SEGMENTS    100000u
#define WEFT_MAX_ELEM_SEGMENTS    10000000u
#define WEFT_MAX_TABLES           100000u
#define WEFT_MAX_PARAMS           1000u        /* per function type */
#define WEFT_MAX_RESULTS          1000u        /* per function type */
#define WEFT_MAX_LOCALS           50000u       /* per function, parameters included */
#define WEFT_MAX_FUNCTION_SIZE    7654321u     /* bytes of one function body */
#define WEFT_MAX_BR_TABLE         65520u       /* targets of one br_table */
#define WEFT_MAX_NAME_LEN         100000u      /* bytes of an import/export/custom name */
#define WEFT_MAX_FRAME_SLOTS      200000u      /* locals + operand stack slots of one frame */
#define WEFT_MAX_NESTING          100000u      /* nested blocks in one function */

/* Wasm-defined maxima. */
#define WEFT_MAX_PAGES            65536u       /* 4 GiB of 64 KiB pages */
#define WEFT_PAGE_SIZE            65536u

/* Frames a trap's backtrace keeps (the innermost ones); deeper frames are only counted. */
#define WEFT_MAX_BACKTRACE        100u

/* Data segments of at least this many bytes go into a memory image mapped copy-on-write by
 * each instance (image.c); below it, copying them is as cheap. */
#define WEFT_IMAGE_MIN_BYTES      65536u

/* Runtime defaults, used when a weft_limits field is 0. */
#define WEFT_DEFAULT_MAX_TABLE    10000000u    /* elements per table */
#define WEFT_DEFAULT_CALL_DEPTH   10000u       /* nested wasm calls */
#define WEFT_DEFAULT_STACK_SLOTS  (1u << 20)   /* 8 MiB of 8-byte value slots, reserved lazily */
#define WEFT_DEFAULT_INSTANCES    10000u       /* instances per store */

#endif
