/* opcodes.h: the instruction tables of the engine, as data.
 *
 * The WebAssembly instructions that are plain functions of their operands (numeric ops, loads,
 * stores) are listed once here with their binary opcode, operand and result types, and their
 * meaning as a C expression. The compiler reads the types to validate, the interpreter expands the
 * expressions into handlers, and the disassembler reads the names. Instructions with structure of
 * their own (control, calls, locals, tables, bulk memory) are handled in compile.c and interp.c.
 */
#ifndef WEFT_OPCODES_H
#define WEFT_OPCODES_H

#include <stdint.h>

/* Access kinds say how an operand is read from / written to a frame slot:
 * u32 = i32 (or f32 bits), u64 = i64 (or f64 bits), f32 = float, f64 = double. */

/* X(opcode, name, in1, in2, out, read, write, expr)
 *   in1, in2, out: wasm types (I32 I64 F32 F64; in2 is NO for unary ops)
 *   read: access kind of the operands a and b; write: access kind of the result
 *   expr: the result, in terms of a and b. These never trap. */
#define WASM_PURE_OPS(X)                                                                        \
    X(0x45, i32_eqz, I32, NO, I32, u32, u32, a == 0)                                            \
    X(0x46, i32_eq, I32, I32, I32, u32, u32, a == b)                                            \
    X(0x47, i32_ne, I32, I32, I32, u32, u32, a != b)                                            \
    X(0x48, i32_lt_s, I32, I32, I32, u32, u32, (int32_t)a < (int32_t)b)                         \
    X(0x49, i32_lt_u, I32, I32, I32, u32, u32, a < b)                                           \
    X(0x4A, i32_gt_s, I32, I32, I32, u32, u32, (int32_t)a > (int32_t)b)                         \
    X(0x4B, i32_gt_u, I32, I32, I32, u32, u32, a > b)                                           \
    X(0x4C, i32_le_s, I32, I32, I32, u32, u32, (int32_t)a <= (int32_t)b)                        \
    X(0x4D, i32_le_u, I32, I32, I32, u32, u32, a <= b)                                          \
    X(0x4E, i32_ge_s, I32, I32, I32, u32, u32, (int32_t)a >= (int32_t)b)                        \
    X(0x4F, i32_ge_u, I32, I32, I32, u32, u32, a >= b)                                          \
    X(0x50, i64_eqz, I64, NO, I32, u64, u32, a == 0)                                            \
    X(0x51, i64_eq, I64, I64, I32, u64, u32, a == b)                                            \
    X(0x52, i64_ne, I64, I64, I32, u64, u32, a != b)                                            \
    X(0x53, i64_lt_s, I64, I64, I32, u64, u32, (int64_t)a < (int64_t)b)                         \
    X(0x54, i64_lt_u, I64, I64, I32, u64, u32, a < b)                                           \
    X(0x55, i64_gt_s, I64, I64, I32, u64, u32, (int64_t)a > (int64_t)b)                         \
    X(0x56, i64_gt_u, I64, I64, I32, u64, u32, a > b)                                           \
    X(0x57, i64_le_s, I64, I64, I32, u64, u32, (int64_t)a <= (int64_t)b)                        \
    X(0x58, i64_le_u, I64, I64, I32, u64, u32, a <= b)                                          \
    X(0x59, i64_ge_s, I64, I64, I32, u64, u32, (int64_t)a >= (int64_t)b)                        \
    X(0x5A, i64_ge_u, I64, I64, I32, u64, u32, a >= b)                                          \
    X(0x5B, f32_eq, F32, F32, I32, f32, u32, a == b)                                            \
    X(0x5C, f32_ne, F32, F32, I32, f32, u32, a != b)                                            \
    X(0x5D, f32_lt, F32, F32, I32, f32, u32, a < b)                                             \
    X(0x5E, f32_gt, F32, F32, I32, f32, u32, a > b)                                             \
    X(0x5F, f32_le, F32, F32, I32, f32, u32, a <= b)                                            \
    X(0x60, f32_ge, F32, F32, I32, f32, u32, a >= b)                                            \
    X(0x61, f64_eq, F64, F64, I32, f64, u32, a == b)                                            \
    X(0x62, f64_ne, F64, F64, I32, f64, u32, a != b)                                            \
    X(0x63, f64_lt, F64, F64, I32, f64, u32, a < b)                                             \
    X(0x64, f64_gt, F64, F64, I32, f64, u32, a > b)                                             \
    X(0x65, f64_le, F64, F64, I32, f64, u32, a <= b)                                            \
    X(0x66, f64_ge, F64, F64, I32, f64, u32, a >= b)                                            \
    X(0x67, i32_clz, I32, NO, I32, u32, u32, a ? (uint32_t)__builtin_clz(a) : 32)               \
    X(0x68, i32_ctz, I32, NO, I32, u32, u32, a ? (uint32_t)__builtin_ctz(a) : 32)               \
    X(0x69, i32_popcnt, I32, NO, I32, u32, u32, (uint32_t)__builtin_popcount(a))                \
    X(0x6A, i32_add, I32, I32, I32, u32, u32, a + b)                                            \
    X(0x6B, i32_sub, I32, I32, I32, u32, u32, a - b)                                            \
    X(0x6C, i32_mul, I32, I32, I32, u32, u32, a * b)                                            \
    X(0x71, i32_and, I32, I32, I32, u32, u32, a & b)                                            \
    X(0x72, i32_or, I32, I32, I32, u32, u32, a | b)                                             \
    X(0x73, i32_xor, I32, I32, I32, u32, u32, a ^ b)                                            \
    X(0x74, i32_shl, I32, I32, I32, u32, u32, a << (b & 31))                                    \
    X(0x75, i32_shr_s, I32, I32, I32, u32, u32, (uint32_t)((int32_t)a >> (b & 31)))             \
    X(0x76, i32_shr_u, I32, I32, I32, u32, u32, a >> (b & 31))                                  \
    X(0x77, i32_rotl, I32, I32, I32, u32, u32, (a << (b & 31)) | (a >> ((32 - b) & 31)))        \
    X(0x78, i32_rotr, I32, I32, I32, u32, u32, (a >> (b & 31)) | (a << ((32 - b) & 31)))        \
    X(0x79, i64_clz, I64, NO, I64, u64, u64, a ? (uint64_t)__builtin_clzll(a) : 64)             \
    X(0x7A, i64_ctz, I64, NO, I64, u64, u64, a ? (uint64_t)__builtin_ctzll(a) : 64)             \
    X(0x7B, i64_popcnt, I64, NO, I64, u64, u64, (uint64_t)__builtin_popcountll(a))              \
    X(0x7C, i64_add, I64, I64, I64, u64, u64, a + b)                                            \
    X(0x7D, i64_sub, I64, I64, I64, u64, u64, a - b)                                            \
    X(0x7E, i64_mul, I64, I64, I64, u64, u64, a * b)                                            \
    X(0x83, i64_and, I64, I64, I64, u64, u64, a & b)                                            \
    X(0x84, i64_or, I64, I64, I64, u64, u64, a | b)                                             \
    X(0x85, i64_xor, I64, I64, I64, u64, u64, a ^ b)                                            \
    X(0x86, i64_shl, I64, I64, I64, u64, u64, a << (b & 63))                                    \
    X(0x87, i64_shr_s, I64, I64, I64, u64, u64, (uint64_t)((int64_t)a >> (b & 63)))             \
    X(0x88, i64_shr_u, I64, I64, I64, u64, u64, a >> (b & 63))                                  \
    X(0x89, i64_rotl, I64, I64, I64, u64, u64, (a << (b & 63)) | (a >> ((64 - b) & 63)))        \
    X(0x8A, i64_rotr, I64, I64, I64, u64, u64, (a >> (b & 63)) | (a << ((64 - b) & 63)))        \
    X(0x8B, f32_abs, F32, NO, F32, u32, u32, a & 0x7FFFFFFFu)                                   \
    X(0x8C, f32_neg, F32, NO, F32, u32, u32, a ^ 0x80000000u)                                   \
    X(0x8D, f32_ceil, F32, NO, F32, f32, f32, wf32_ceil(a))                                         \
    X(0x8E, f32_floor, F32, NO, F32, f32, f32, wf32_floor(a))                                       \
    X(0x8F, f32_trunc, F32, NO, F32, f32, f32, wf32_trunc(a))                                       \
    X(0x90, f32_nearest, F32, NO, F32, f32, f32, nearbyintf(a))                                 \
    X(0x91, f32_sqrt, F32, NO, F32, f32, f32, sqrtf(a))                                         \
    X(0x92, f32_add, F32, F32, F32, f32, f32, a + b)                                            \
    X(0x93, f32_sub, F32, F32, F32, f32, f32, a - b)                                            \
    X(0x94, f32_mul, F32, F32, F32, f32, f32, a * b)                                            \
    X(0x95, f32_div, F32, F32, F32, f32, f32, a / b)                                            \
    X(0x96, f32_min, F32, F32, F32, f32, f32, wf32_min(a, b))                                   \
    X(0x97, f32_max, F32, F32, F32, f32, f32, wf32_max(a, b))                                   \
    X(0x98, f32_copysign, F32, F32, F32, u32, u32, (a & 0x7FFFFFFFu) | (b & 0x80000000u))       \
    X(0x99, f64_abs, F64, NO, F64, u64, u64, a & 0x7FFFFFFFFFFFFFFFull)                         \
    X(0x9A, f64_neg, F64, NO, F64, u64, u64, a ^ 0x8000000000000000ull)                         \
    X(0x9B, f64_ceil, F64, NO, F64, f64, f64, wf64_ceil(a))                                          \
    X(0x9C, f64_floor, F64, NO, F64, f64, f64, wf64_floor(a))                                        \
    X(0x9D, f64_trunc, F64, NO, F64, f64, f64, wf64_trunc(a))                                        \
    X(0x9E, f64_nearest, F64, NO, F64, f64, f64, nearbyint(a))                                  \
    X(0x9F, f64_sqrt, F64, NO, F64, f64, f64, sqrt(a))                                          \
    X(0xA0, f64_add, F64, F64, F64, f64, f64, a + b)                                            \
    X(0xA1, f64_sub, F64, F64, F64, f64, f64, a - b)                                            \
    X(0xA2, f64_mul, F64, F64, F64, f64, f64, a * b)                                            \
    X(0xA3, f64_div, F64, F64, F64, f64, f64, a / b)                                            \
    X(0xA4, f64_min, F64, F64, F64, f64, f64, wf64_min(a, b))                                   \
    X(0xA5, f64_max, F64, F64, F64, f64, f64, wf64_max(a, b))                                   \
    X(0xA6, f64_copysign, F64, F64, F64, u64, u64,                                              \
      (a & 0x7FFFFFFFFFFFFFFFull) | (b & 0x8000000000000000ull))                                \
    X(0xAC, i64_extend_i32_s, I32, NO, I64, u32, u64, (uint64_t)(int64_t)(int32_t)a)            \
    X(0xAD, i64_extend_i32_u, I32, NO, I64, u32, u64, (uint64_t)a)                              \
    X(0xB2, f32_convert_i32_s, I32, NO, F32, u32, f32, (float)(int32_t)a)                       \
    X(0xB3, f32_convert_i32_u, I32, NO, F32, u32, f32, (float)a)                                \
    X(0xB4, f32_convert_i64_s, I64, NO, F32, u64, f32, (float)(int64_t)a)                       \
    X(0xB5, f32_convert_i64_u, I64, NO, F32, u64, f32, (float)a)                                \
    X(0xB6, f32_demote_f64, F64, NO, F32, f64, f32, (float)a)                                   \
    X(0xB7, f64_convert_i32_s, I32, NO, F64, u32, f64, (double)(int32_t)a)                      \
    X(0xB8, f64_convert_i32_u, I32, NO, F64, u32, f64, (double)a)                               \
    X(0xB9, f64_convert_i64_s, I64, NO, F64, u64, f64, (double)(int64_t)a)                      \
    X(0xBA, f64_convert_i64_u, I64, NO, F64, u64, f64, (double)a)                               \
    X(0xBB, f64_promote_f32, F32, NO, F64, f32, f64, (double)a)                                 \
    X(0xC0, i32_extend8_s, I32, NO, I32, u32, u32, (uint32_t)(int32_t)(int8_t)a)                \
    X(0xC1, i32_extend16_s, I32, NO, I32, u32, u32, (uint32_t)(int32_t)(int16_t)a)              \
    X(0xC2, i64_extend8_s, I64, NO, I64, u64, u64, (uint64_t)(int64_t)(int8_t)a)                \
    X(0xC3, i64_extend16_s, I64, NO, I64, u64, u64, (uint64_t)(int64_t)(int16_t)a)              \
    X(0xC4, i64_extend32_s, I64, NO, I64, u64, u64, (uint64_t)(int64_t)(int32_t)a)              \
    X(0xFC00, i32_trunc_sat_f32_s, F32, NO, I32, f32, u32, (uint32_t)sat_i32_f64(a))            \
    X(0xFC01, i32_trunc_sat_f32_u, F32, NO, I32, f32, u32, sat_u32_f64(a))                      \
    X(0xFC02, i32_trunc_sat_f64_s, F64, NO, I32, f64, u32, (uint32_t)sat_i32_f64(a))            \
    X(0xFC03, i32_trunc_sat_f64_u, F64, NO, I32, f64, u32, sat_u32_f64(a))                      \
    X(0xFC04, i64_trunc_sat_f32_s, F32, NO, I64, f32, u64, (uint64_t)sat_i64_f64(a))            \
    X(0xFC05, i64_trunc_sat_f32_u, F32, NO, I64, f32, u64, sat_u64_f64(a))                      \
    X(0xFC06, i64_trunc_sat_f64_s, F64, NO, I64, f64, u64, (uint64_t)sat_i64_f64(a))            \
    X(0xFC07, i64_trunc_sat_f64_u, F64, NO, I64, f64, u64, sat_u64_f64(a))

/* Numeric instructions that can trap. X(opcode, name, in1, in2, out); handlers in interp.c. */
#define WASM_TRAPPING_OPS(X)                                                                    \
    X(0x6D, i32_div_s, I32, I32, I32)                                                           \
    X(0x6E, i32_div_u, I32, I32, I32)                                                           \
    X(0x6F, i32_rem_s, I32, I32, I32)                                                           \
    X(0x70, i32_rem_u, I32, I32, I32)                                                           \
    X(0x7F, i64_div_s, I64, I64, I64)                                                           \
    X(0x80, i64_div_u, I64, I64, I64)                                                           \
    X(0x81, i64_rem_s, I64, I64, I64)                                                           \
    X(0x82, i64_rem_u, I64, I64, I64)                                                           \
    X(0xA8, i32_trunc_f32_s, F32, NO, I32)                                                      \
    X(0xA9, i32_trunc_f32_u, F32, NO, I32)                                                      \
    X(0xAA, i32_trunc_f64_s, F64, NO, I32)                                                      \
    X(0xAB, i32_trunc_f64_u, F64, NO, I32)                                                      \
    X(0xAE, i64_trunc_f32_s, F32, NO, I64)                                                      \
    X(0xAF, i64_trunc_f32_u, F32, NO, I64)                                                      \
    X(0xB0, i64_trunc_f64_s, F64, NO, I64)                                                      \
    X(0xB1, i64_trunc_f64_u, F64, NO, I64)

/* Instructions that only change the type of a value: no code is emitted for them (an i32 is the
 * low half of an i64 slot, and floats are stored as their bits). X(opcode, name, in, out) */
#define WASM_RETYPE_OPS(X)                                                                      \
    X(0xA7, i32_wrap_i64, I64, I32)                                                             \
    X(0xBC, i32_reinterpret_f32, F32, I32)                                                      \
    X(0xBD, i64_reinterpret_f64, F64, I64)                                                      \
    X(0xBE, f32_reinterpret_i32, I32, F32)                                                      \
    X(0xBF, f64_reinterpret_i64, I64, F64)

/* X(opcode, name, type, bytes, expr): loads. expr converts the memory bytes, read as the
 * unsigned integer m of the given width, into the value written to the slot (as u32 or u64). */
#define WASM_LOAD_OPS(X)                                                                        \
    X(0x28, i32_load, I32, 4, u32, m)                                                           \
    X(0x29, i64_load, I64, 8, u64, m)                                                           \
    X(0x2A, f32_load, F32, 4, u32, m)                                                           \
    X(0x2B, f64_load, F64, 8, u64, m)                                                           \
    X(0x2C, i32_load8_s, I32, 1, u32, (uint32_t)(int32_t)(int8_t)m)                             \
    X(0x2D, i32_load8_u, I32, 1, u32, m)                                                        \
    X(0x2E, i32_load16_s, I32, 2, u32, (uint32_t)(int32_t)(int16_t)m)                           \
    X(0x2F, i32_load16_u, I32, 2, u32, m)                                                       \
    X(0x30, i64_load8_s, I64, 1, u64, (uint64_t)(int64_t)(int8_t)m)                             \
    X(0x31, i64_load8_u, I64, 1, u64, m)                                                        \
    X(0x32, i64_load16_s, I64, 2, u64, (uint64_t)(int64_t)(int16_t)m)                           \
    X(0x33, i64_load16_u, I64, 2, u64, m)                                                       \
    X(0x34, i64_load32_s, I64, 4, u64, (uint64_t)(int64_t)(int32_t)m)                           \
    X(0x35, i64_load32_u, I64, 4, u64, m)

/* X(opcode, name, type, bytes, read): stores of the low `bytes` bytes of the value. */
#define WASM_STORE_OPS(X)                                                                       \
    X(0x36, i32_store, I32, 4, u32)                                                             \
    X(0x37, i64_store, I64, 8, u64)                                                             \
    X(0x38, f32_store, F32, 4, u32)                                                             \
    X(0x39, f64_store, F64, 8, u64)                                                             \
    X(0x3A, i32_store8, I32, 1, u32)                                                            \
    X(0x3B, i32_store16, I32, 2, u32)                                                           \
    X(0x3C, i64_store8, I64, 1, u64)                                                            \
    X(0x3D, i64_store16, I64, 2, u64)                                                           \
    X(0x3E, i64_store32, I64, 4, u64)

/* Internal instructions with a structure of their own. X(name, operand words)
 * Operand words follow the opcode word; "slot" operands are byte offsets into the frame.
 * A count of -1 means variable length (br_table). */
#define INTERNAL_OPS(X)                                                                         \
    X(unreachable, 0)         /* trap */                                                        \
    X(br, 1)                  /* rel */                                                         \
    X(br_if, 2)               /* cond, rel */                                                   \
    X(br_unless, 2)           /* cond, rel */                                                   \
    X(br_table, -1)           /* idx, n, rel[n + 1] (the last is the default) */                \
    X(ret, 0)                 /* results are already in slots 0.. */                            \
    X(call, 2)                /* func index, base slot of the arguments */                      \
    X(call_indirect, 4)       /* type index, table, index slot, base slot */                    \
    X(mov, 2)                 /* dst, src: copies a 64-bit slot */                              \
    X(const32, 2)             /* dst, value */                                                  \
    X(const64, 3)             /* dst, low word, high word */                                    \
    X(select, 4)              /* dst, a, b, cond */                                             \
    X(global_get, 2)          /* dst, global index */                                           \
    X(global_set, 2)          /* global index, src */                                           \
    X(memory_size, 1)         /* dst */                                                         \
    X(memory_grow, 2)         /* dst, delta */                                                  \
    X(memory_init, 4)         /* segment, dst addr, src offset, n */                            \
    X(data_drop, 1)           /* segment */                                                     \
    X(memory_copy, 3)         /* dst addr, src addr, n */                                       \
    X(memory_fill, 3)         /* dst addr, byte, n */                                           \
    X(table_get, 3)           /* dst, table, index */                                           \
    X(table_set, 3)           /* table, index, value */                                         \
    X(table_size, 2)          /* dst, table */                                                  \
    X(table_grow, 4)          /* dst, table, init value, delta */                               \
    X(table_fill, 4)          /* table, index, value, n */                                      \
    X(table_copy, 5)          /* dst table, src table, dst index, src index, n */               \
    X(table_init, 5)          /* table, segment, dst index, src offset, n */                    \
    X(elem_drop, 1)           /* segment */                                                     \
    X(ref_func, 2)            /* dst, function index */                                         \
    X(ref_is_null, 2)         /* dst, src */                                                    \
    X(fuel, 1)                /* units to consume */                                            \
    X(check, 0)               /* interrupt check at loop heads */                               \
    X(ret1, 1)                /* src: moves one result to slot 0, then returns */               \
    X(mov2, 4)                /* dst1, src1, dst2, src2: two moves in one dispatch */           \
    X(i32_add_shl, 4)         /* dst, a, b, k: a + (b << k), an address with a scaled index */ \
    X(f32_madd, 4)            /* dst, x, a, b: x + a * b, rounded after each step (no FMA) */   \
    X(f64_madd, 4)                                                                              \
    X(f32_msub, 4)            /* dst, x, a, b: x - a * b, rounded after each step */           \
    X(f64_msub, 4)                                                                              \
    X(inc_br_if, 5)           /* d, a, k, cond, rel: d = a + k (i32), then br_if */            \
    X(inc_br_unless, 5)                                                                         \
    X(inc_br, 4)              /* d, a, k, rel: d = a + k (i32), then br */                     \
    X(i32_add_ri2, 6)         /* d1, a1, k1, d2, a2, k2: two i32 adds of constants, in order */

/* Integer division and remainder by a constant the compiler has checked (not 0, and not -1 for
 * the signed ones), so they cannot trap. X(name, read, expr) with b the constant. */
#define DIV_BY_CONST_OPS(X)                                                                     \
    X(i32_div_s, u32, (uint32_t)((int32_t)a / (int32_t)b))                                      \
    X(i32_div_u, u32, a / b)                                                                    \
    X(i32_rem_s, u32, (uint32_t)((int32_t)a % (int32_t)b))                                      \
    X(i32_rem_u, u32, a % b)                                                                    \
    X(i64_div_s, u64, (uint64_t)((int64_t)a / (int64_t)b))                                      \
    X(i64_div_u, u64, a / b)                                                                    \
    X(i64_rem_s, u64, (uint64_t)((int64_t)a % (int64_t)b))                                      \
    X(i64_rem_u, u64, a % b)

/* Integer comparisons a conditional branch absorbs: "br_<name> a, b, rel" jumps when the
 * comparison holds, without materialising its result. X(name, read, expr, inverse)
 * inc_br_<name> d, a, k, x, y, rel first does the i32 increment d = a + k (a loop counter) and
 * then compares x and y, which may read d. */
#define FUSED_CMP_OPS(X)                                                                        \
    X(i32_eq, u32, a == b, i32_ne)                                                              \
    X(i32_ne, u32, a != b, i32_eq)                                                              \
    X(i32_lt_s, u32, (int32_t)a < (int32_t)b, i32_ge_s)                                         \
    X(i32_lt_u, u32, a < b, i32_ge_u)                                                           \
    X(i32_gt_s, u32, (int32_t)a > (int32_t)b, i32_le_s)                                         \
    X(i32_gt_u, u32, a > b, i32_le_u)                                                           \
    X(i32_le_s, u32, (int32_t)a <= (int32_t)b, i32_gt_s)                                        \
    X(i32_le_u, u32, a <= b, i32_gt_u)                                                          \
    X(i32_ge_s, u32, (int32_t)a >= (int32_t)b, i32_lt_s)                                        \
    X(i32_ge_u, u32, a >= b, i32_lt_u)                                                          \
    X(i64_eq, u64, a == b, i64_ne)                                                              \
    X(i64_ne, u64, a != b, i64_eq)                                                              \
    X(i64_lt_s, u64, (int64_t)a < (int64_t)b, i64_ge_s)                                         \
    X(i64_lt_u, u64, a < b, i64_ge_u)                                                           \
    X(i64_gt_s, u64, (int64_t)a > (int64_t)b, i64_le_s)                                         \
    X(i64_gt_u, u64, a > b, i64_le_u)                                                           \
    X(i64_le_s, u64, (int64_t)a <= (int64_t)b, i64_gt_s)                                        \
    X(i64_le_u, u64, a <= b, i64_gt_u)                                                          \
    X(i64_ge_s, u64, (int64_t)a >= (int64_t)b, i64_lt_s)                                        \
    X(i64_ge_u, u64, a >= b, i64_lt_u)

/* i32 operations whose second operand is shifted or rotated by a constant first, the way hash
 * functions combine values: X(name, op, shift) gives name = a op shift(b, k). */
#define SHIFTED_OPS(X)                                                                          \
    X(i32_xor_rotl, ^, rotl) X(i32_xor_rotr, ^, rotr) X(i32_xor_shl, ^, shl)                   \
    X(i32_xor_shr_u, ^, shr_u) X(i32_xor_shr_s, ^, shr_s) X(i32_or_shl, |, shl)               \
    X(i32_or_shr_u, |, shr_u) X(i32_or_rotl, |, rotl) X(i32_and_shr_u, &, shr_u)              \
    X(i32_and_shl, &, shl) X(i32_add_rotl, +, rotl) X(i32_add_shr_u, +, shr_u)                \
    X(i32_add_shr_s, +, shr_s)

/* Stores of a value computed by the instruction just before, which is folded in: X(name,
 * producer, store, operands) computes like the producer (without its destination) and stores like
 * the store. Layout: [op][producer operands][address][offset]. */
#define VALUE_STORE_OPS(X)                                                                      \
    X(f64_madd_st, f64_madd, f64_store, 3) X(f64_add_st, f64_add, f64_store, 2)                \
    X(f64_sub_st, f64_sub, f64_store, 2) X(f64_mul_st, f64_mul, f64_store, 2)                  \
    X(i32_add_st, i32_add, i32_store, 2) X(i32_add_ri_st, i32_add_ri, i32_store, 2)            \
    X(i32_xor_st, i32_xor, i32_store, 2) X(i32_or_st, i32_or, i32_store, 2)                    \
    X(i32_and_st, i32_and, i32_store, 2) X(i32_add_st8, i32_add, i32_store8, 2)                \
    X(i32_add_ri_st8, i32_add_ri, i32_store8, 2) X(i32_and_ri_st8, i32_and_ri, i32_store8, 2)  \
    X(i32_shr_u_ri_st8, i32_shr_u_ri, i32_store8, 2)

/* Helpers to expand a table row only for binary operations (in2 is a type, not NO). */
#define OPC_ARITY_NO 1
#define OPC_ARITY_I32 2
#define OPC_ARITY_I64 2
#define OPC_ARITY_F32 2
#define OPC_ARITY_F64 2
#define OPC_CAT_(a, b) a##b
#define OPC_CAT(a, b) OPC_CAT_(a, b)
#define OPC_IF_BINARY(in2, ...) OPC_CAT(OPC_IF_BINARY_, OPC_ARITY_##in2)(__VA_ARGS__)
#define OPC_IF_BINARY_1(...)
#define OPC_IF_BINARY_2(...) __VA_ARGS__

/* Loads and stores whose address is computed by the instruction itself (the i32.add that fed
 * them is folded in), for every load and store: _rr: base + index; _ri: base + immediate;
 * _sh: base + (index << k). The sum wraps at 32 bits as the i32.add did, then the memarg offset
 * is added without wrapping. */

/* The internal opcode space: every table above, in this order. For every binary pure operation
 * there is also <name>_ri, whose right operand is an immediate (one word for 32-bit types, two
 * for 64-bit ones) instead of a slot; every fused comparison has br_<name> and br_<name>_ri. */
enum iop {
#define IOP_PURE(op, name, in1, in2, ...) IOP_##name, OPC_IF_BINARY(in2, IOP_##name##_ri,)
#define IOP_TRAP(op, name, ...) IOP_##name,
#define IOP_MEM(op, name, ...) IOP_##name, IOP_##name##_rr, IOP_##name##_ri, IOP_##name##_sh,
#define IOP_INT(name, n) IOP_##name,
#define IOP_DIVC(name, ...) IOP_##name##_ri,
#define IOP_SHIFTED(name, ...) IOP_##name,
#define IOP_VSTORE(name, ...) IOP_##name,
#define IOP_FUSED(name, ...) IOP_br_##name, IOP_br_##name##_ri, IOP_inc_br_##name, IOP_inc_br_##name##_ri,
    WASM_PURE_OPS(IOP_PURE) WASM_TRAPPING_OPS(IOP_TRAP) WASM_LOAD_OPS(IOP_MEM)
        WASM_STORE_OPS(IOP_MEM) INTERNAL_OPS(IOP_INT) DIV_BY_CONST_OPS(IOP_DIVC)
            FUSED_CMP_OPS(IOP_FUSED) SHIFTED_OPS(IOP_SHIFTED) VALUE_STORE_OPS(IOP_VSTORE)
#undef IOP_PURE
#undef IOP_VSTORE
#undef IOP_SHIFTED
#undef IOP_TRAP
#undef IOP_MEM
#undef IOP_INT
#undef IOP_DIVC
#undef IOP_FUSED
    IOP_COUNT
};

typedef struct iop_info {
    const char *name;
    int words; /* operand words after the opcode; -1 for br_table */
} iop_info;

/* opcodes.c */
extern const iop_info iop_table[IOP_COUNT];
const char *iop_name(uint32_t op);

#endif
