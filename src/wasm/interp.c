/* interp.c: the interpreter: executes the register code that compile.c produces.
 *
 * Each instruction is an opcode word followed by operand words; slot operands are byte offsets
 * into the current frame (fp). Dispatch is computed goto under GCC and clang, or a switch when
 * WEFT_SWITCH_DISPATCH is set; the handlers are written once for both. Wasm calls do not
 * recurse on the C stack: a call saves (ip, fp, func) in the store's frame array and continues in
 * the same loop, so deep guest recursion ends in a clean "call stack exhausted" trap.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "opcodes.h"
#include "runtime.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "weft's interpreter assumes a little-endian host"
#endif

/* ---- slot and memory access ---------------------------------------------------------------- */

typedef uint32_t T_u32;
typedef uint64_t T_u64;
typedef float T_f32;
typedef double T_f64;

static inline uint32_t LD_u32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t LD_u64(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline float LD_f32(const char *p) { float v; memcpy(&v, p, 4); return v; }
static inline double LD_f64(const char *p) { double v; memcpy(&v, p, 8); return v; }
static inline void *LD_ptr(const char *p) { void *v; memcpy(&v, p, sizeof v); return v; }
/* 32-bit values fill their whole slot, zero-extended: ops that move any value (select, ret,
 * mov) read all 8 bytes, and a 4-byte store followed by an 8-byte load of the same slot defeats
 * the CPU's store forwarding (a stall of a dozen cycles or more on every such pair). */
static inline void ST_u32(char *p, uint32_t v) { uint64_t w = v; memcpy(p, &w, 8); }
static inline void ST_u64(char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void ST_f32(char *p, float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    uint64_t w = b;
    memcpy(p, &w, 8);
}
static inline void ST_f64(char *p, double v) { memcpy(p, &v, 8); }
static inline void ST_ptr(char *p, void *v) { uint64_t b = (uint64_t)(uintptr_t)v; memcpy(p, &b, 8); }

typedef uint8_t M_1;
typedef uint16_t M_2;
typedef uint32_t M_4;
typedef uint64_t M_8;
#define LDM(n, p) ({ M_##n v_; memcpy(&v_, (p), n); v_; })
#define STM(n, p, v) do { M_##n v_ = (M_##n)(v); memcpy((p), &v_, n); } while (0)

/* ---- numeric helpers ------------------------------------------------------------------------ */

/* min/max: a NaN operand gives a NaN (a + b quiets it); -0 is less than +0. */
static inline float wf32_min(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float wf32_max(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double wf64_min(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double wf64_max(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Rounding: a NaN operand must come back quiet, which libm does not promise (a + a quiets it). */
#define ROUNDING(name, T, fn)                                                                   \
    static inline T name(T a) { return a != a ? a + a : fn(a); }
ROUNDING(wf32_ceil, float, ceilf)
ROUNDING(wf32_floor, float, floorf)
ROUNDING(wf32_trunc, float, truncf)
ROUNDING(wf64_ceil, double, ceil)
ROUNDING(wf64_floor, double, floor)
ROUNDING(wf64_trunc, double, trunc)

/* Saturating truncation; f32 operands are promoted to double exactly. */
static inline int32_t sat_i32_f64(double a) {
    if (a != a) return 0;
    if (a < -2147483648.0) return INT32_MIN;
    if (a >= 2147483648.0) return INT32_MAX;
    return (int32_t)a;
}
static inline uint32_t sat_u32_f64(double a) {
    if (!(a > -1.0)) return 0;
    if (a >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)a;
}
static inline int64_t sat_i64_f64(double a) {
    if (a != a) return 0;
    if (a < -9223372036854775808.0) return INT64_MIN;
    if (a >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)a;
}
static inline uint64_t sat_u64_f64(double a) {
    if (!(a > -1.0)) return 0;
    if (a >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)a;
}

/* ---- the loop ------------------------------------------------------------------------------- */

#define S(k) ((char *)fp + ip[k])
#define TRAP(code)                                                                              \
    do {                                                                                        \
        trap_code = (code);                                                                     \
        goto trap;                                                                              \
    } while (0)
/* The current instance's memory: its base in mb and size in ms (the size can change across
 * calls and memory.grow; the base cannot). A module without memory sees an empty one. */
static const weft_memory no_memory;
#define LOAD_MEM()                                                                              \
    do {                                                                                        \
        mem = inst->mem ? inst->mem : &no_memory;                                               \
        mb = mem->base;                                                                         \
        ms = mem->size;                                                                         \
    } while (0)

/* Zeroes a callee's declared locals; most functions have few, so no call to memset. */
static inline void zero_slots(uint64_t *p, uint32_t n) {
    if (n <= 8) {
        for (uint32_t i = 0; i < n; i++) p[i] = 0;
    } else {
        memset(p, 0, (size_t)n * 8);
    }
}

/* WEFT_OPSTATS (a build option for tuning, never for use) counts executed instructions and
 * adjacent pairs into the store, which prints them when freed. */
#ifdef WEFT_OPSTATS
#define COUNT_OP() opstats_count(s, &prev_op, *ip)
#else
#define COUNT_OP() ((void)0)
#endif

/* Dispatch. Direct threading (the default under GCC and clang): once a function is compiled,
 * each opcode word is replaced by its handler's offset from a base label, so dispatch is one
 * load, an add and a jump. With WEFT_OPSTATS the words stay opcodes and go through a table;
 * with WEFT_SWITCH_DISPATCH (portable C) through a switch. */
#if !defined(WEFT_SWITCH_DISPATCH) && !defined(WEFT_OPSTATS)
#define WEFT_THREADED 1
#endif

#ifdef WEFT_SWITCH_DISPATCH
#define CASE(name) case IOP_##name:
#define NEXT() goto dispatch
#elif defined(WEFT_THREADED)
#define CASE(name) L_##name:
#define NEXT() goto *(const void *)((const char *)&&L_unreachable + (int32_t)*ip)
#else
#define CASE(name) L_##name:
#define NEXT()                                                                                  \
    do {                                                                                        \
        COUNT_OP();                                                                             \
        goto *labels[*ip];                                                                      \
    } while (0)
#endif

/* Immediate operands: one word for 32-bit types, two (low first) for 64-bit ones. */
static inline float bits_f32(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline double bits_f64(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
#define IMM_u32(k) (ip[k])
#define IMM_u64(k) ((uint64_t)ip[(k) + 1] << 32 | ip[k])
#define IMM_f32(k) bits_f32(ip[k])
#define IMM_f64(k) bits_f64(IMM_u64(k))
#define IMMW_u32 1
#define IMMW_u64 2
#define IMMW_f32 1
#define IMMW_f64 2

#define PURE1(name, rd, wr, expr)                                                               \
    CASE(name) {                                                                                \
        T_##rd a = LD_##rd(S(2));                                                               \
        ST_##wr(S(1), (T_##wr)(expr));                                                          \
        ip += 3;                                                                                \
        NEXT();                                                                                 \
    }
#define PURE2(name, rd, wr, expr)                                                               \
    CASE(name) {                                                                                \
        T_##rd a = LD_##rd(S(2)), b = LD_##rd(S(3));                                            \
        ST_##wr(S(1), (T_##wr)(expr));                                                          \
        ip += 4;                                                                                \
        NEXT();                                                                                 \
    }
#define PURE_RI(name, rd, wr, expr)                                                             \
    CASE(name##_ri) {                                                                           \
        T_##rd a = LD_##rd(S(2)), b = IMM_##rd(3);                                              \
        ST_##wr(S(1), (T_##wr)(expr));                                                          \
        ip += 3 + IMMW_##rd;                                                                    \
        NEXT();                                                                                 \
    }
#define HANDLE_PURE(opc, name, in1, in2, out, rd, wr, expr)                                     \
    OPC_CAT(PURE, OPC_ARITY_##in2)(name, rd, wr, expr)                                          \
    OPC_IF_BINARY(in2, PURE_RI(name, rd, wr, expr))
#define HANDLE_DIVC(name, rd, expr) PURE_RI(name, rd, rd, expr)

/* [op][dst][a][b][k]: a op shift(b, k). */
#define SH_shl(b, k) ((b) << ((k) & 31))
#define SH_shr_u(b, k) ((b) >> ((k) & 31))
#define SH_shr_s(b, k) ((uint32_t)((int32_t)(b) >> ((k) & 31)))
#define SH_rotl(b, k) (((b) << ((k) & 31)) | ((b) >> ((32 - (k)) & 31)))
#define SH_rotr(b, k) (((b) >> ((k) & 31)) | ((b) << ((32 - (k)) & 31)))
#define HANDLE_SHIFTED(name, op, shift)                                                         \
    CASE(name) {                                                                                \
        uint32_t a = LD_u32(S(2)), b = LD_u32(S(3)), k = ip[4];                                 \
        ST_u32(S(1), a op SH_##shift(b, k));                                                    \
        ip += 5;                                                                                \
        NEXT();                                                                                 \
    }

/* A computed value stored at once: V_<producer>(k) computes it from the operands at word k,
 * VS_<store> stores v at the address operand word k, plus the offset word k + 1. */
#define V_f64_madd(k) (LD_f64(S(k)) + LD_f64(S((k) + 1)) * LD_f64(S((k) + 2)))
#define V_f64_add(k) (LD_f64(S(k)) + LD_f64(S((k) + 1)))
#define V_f64_sub(k) (LD_f64(S(k)) - LD_f64(S((k) + 1)))
#define V_f64_mul(k) (LD_f64(S(k)) * LD_f64(S((k) + 1)))
#define V_i32_add(k) (LD_u32(S(k)) + LD_u32(S((k) + 1)))
#define V_i32_add_ri(k) (LD_u32(S(k)) + ip[(k) + 1])
#define V_i32_xor(k) (LD_u32(S(k)) ^ LD_u32(S((k) + 1)))
#define V_i32_or(k) (LD_u32(S(k)) | LD_u32(S((k) + 1)))
#define V_i32_and(k) (LD_u32(S(k)) & LD_u32(S((k) + 1)))
#define V_i32_and_ri(k) (LD_u32(S(k)) & ip[(k) + 1])
#define V_i32_shr_u_ri(k) (LD_u32(S(k)) >> (ip[(k) + 1] & 31))
#define VS_f64_store(k, v)                                                                      \
    do {                                                                                        \
        double v_ = (v);                                                                        \
        uint64_t ea = (uint64_t)LD_u32(S(k)) + ip[(k) + 1];                                    \
        if (ea + 8 > ms) TRAP(WEFT_TRAP_MEMORY_OOB);                                            \
        memcpy(mb + ea, &v_, 8);                                                                \
    } while (0)
#define VS_i32_store(k, v)                                                                      \
    do {                                                                                        \
        uint32_t v_ = (v);                                                                      \
        uint64_t ea = (uint64_t)LD_u32(S(k)) + ip[(k) + 1];                                    \
        if (ea + 4 > ms) TRAP(WEFT_TRAP_MEMORY_OOB);                                            \
        memcpy(mb + ea, &v_, 4);                                                                \
    } while (0)
#define VS_i32_store8(k, v)                                                                     \
    do {                                                                                        \
        uint8_t v_ = (uint8_t)(v);                                                              \
        uint64_t ea = (uint64_t)LD_u32(S(k)) + ip[(k) + 1];                                    \
        if (ea + 1 > ms) TRAP(WEFT_TRAP_MEMORY_OOB);                                            \
        mb[ea] = v_;                                                                            \
    } while (0)
#define HANDLE_VSTORE(name, producer, store, n)                                                 \
    CASE(name) {                                                                                \
        VS_##store(1 + n, V_##producer(1));                                                     \
        ip += 3 + n;                                                                            \
        NEXT();                                                                                 \
    }

/* Compare and branch: [op][a][b][rel] and [op][a][imm][rel], rel relative to its own word. */
#define HANDLE_FUSED(name, rd, expr, inv)                                                       \
    CASE(br_##name) {                                                                           \
        T_##rd a = LD_##rd(S(1)), b = LD_##rd(S(2));                                            \
        ip += (expr) ? 3 + (int32_t)ip[3] : 4;                                                  \
        NEXT();                                                                                 \
    }                                                                                           \
    CASE(br_##name##_ri) {                                                                      \
        T_##rd a = LD_##rd(S(1)), b = IMM_##rd(2);                                              \
        ip += (expr) ? 2 + IMMW_##rd + (int32_t)ip[2 + IMMW_##rd] : 3 + IMMW_##rd;              \
        NEXT();                                                                                 \
    }                                                                                           \
    CASE(inc_br_##name) {                                                                       \
        ST_u32(S(1), LD_u32(S(2)) + ip[3]);                                                     \
        T_##rd a = LD_##rd(S(4)), b = LD_##rd(S(5));                                            \
        ip += (expr) ? 6 + (int32_t)ip[6] : 7;                                                  \
        NEXT();                                                                                 \
    }                                                                                           \
    CASE(inc_br_##name##_ri) {                                                                  \
        ST_u32(S(1), LD_u32(S(2)) + ip[3]);                                                     \
        T_##rd a = LD_##rd(S(4)), b = IMM_##rd(5);                                              \
        ip += (expr) ? 5 + IMMW_##rd + (int32_t)ip[5 + IMMW_##rd] : 6 + IMMW_##rd;              \
        NEXT();                                                                                 \
    }

/* Effective addresses of the plain and fused memory instructions; k is the operand word where
 * the address operands start. */
#define EA_plain(k) ((uint64_t)LD_u32(S(k)))
#define EA_rr(k) ((uint64_t)(uint32_t)(LD_u32(S(k)) + LD_u32(S((k) + 1))))
#define EA_ri(k) ((uint64_t)(uint32_t)(LD_u32(S(k)) + ip[(k) + 1]))
#define EA_sh(k) ((uint64_t)(uint32_t)(LD_u32(S(k)) + (LD_u32(S((k) + 1)) << (ip[(k) + 2] & 31))))
#define EAW_plain 1
#define EAW_rr 2
#define EAW_ri 2
#define EAW_sh 3

#define LOAD_FORM(name, suffix, mode, bytes, wr, expr)                                          \
    CASE(name##suffix) {                                                                        \
        uint64_t ea = EA_##mode(2) + ip[2 + EAW_##mode];                                        \
        if (ea + bytes > ms) TRAP(WEFT_TRAP_MEMORY_OOB);                                        \
        M_##bytes m = LDM(bytes, mb + ea);                                                      \
        ST_##wr(S(1), (T_##wr)(expr));                                                          \
        ip += 3 + EAW_##mode;                                                                   \
        NEXT();                                                                                 \
    }
#define HANDLE_LOAD(opc, name, type, bytes, wr, expr)                                           \
    LOAD_FORM(name, , plain, bytes, wr, expr)                                                   \
    LOAD_FORM(name, _rr, rr, bytes, wr, expr)                                                   \
    LOAD_FORM(name, _ri, ri, bytes, wr, expr)                                                   \
    LOAD_FORM(name, _sh, sh, bytes, wr, expr)
/* Stores: [op][address operands][value][offset]. */
#define STORE_FORM(name, suffix, mode, bytes, rd)                                               \
    CASE(name##suffix) {                                                                        \
        uint64_t ea = EA_##mode(1) + ip[2 + EAW_##mode];                                        \
        if (ea + bytes > ms) TRAP(WEFT_TRAP_MEMORY_OOB);                                        \
        STM(bytes, mb + ea, LD_##rd(S(1 + EAW_##mode)));                                        \
        ip += 3 + EAW_##mode;                                                                   \
        NEXT();                                                                                 \
    }
#define HANDLE_STORE(opc, name, type, bytes, rd)                                                \
    STORE_FORM(name, , plain, bytes, rd)                                                        \
    STORE_FORM(name, _rr, rr, bytes, rd)                                                        \
    STORE_FORM(name, _ri, ri, bytes, rd)                                                        \
    STORE_FORM(name, _sh, sh, bytes, rd)

/* Signed and unsigned integer division and remainder. */
#define DIVOP(name, T, ST, SGN, op, is_div)                                                     \
    CASE(name) {                                                                                \
        T a = LD_##ST(S(2)), b = LD_##ST(S(3));                                                 \
        if (b == 0) TRAP(WEFT_TRAP_DIV_ZERO);                                                   \
        T r;                                                                                    \
        if (SGN) {                                                                              \
            if (b == (T)-1) {                                                                   \
                if (is_div && a == (T)1 << (sizeof(T) * 8 - 1)) TRAP(WEFT_TRAP_INT_OVERFLOW);   \
                r = is_div ? (T)0 - a : 0;                                                      \
            } else if (sizeof(T) == 4) {                                                        \
                r = (T)((int32_t)a op (int32_t)b);                                              \
            } else {                                                                            \
                r = (T)((int64_t)a op (int64_t)b);                                              \
            }                                                                                   \
        } else {                                                                                \
            r = a op b;                                                                         \
        }                                                                                       \
        ST_##ST(S(1), r);                                                                       \
        ip += 4;                                                                                \
        NEXT();                                                                                 \
    }

/* Trapping float-to-int truncation: NaN is an invalid conversion, out of range an overflow. */
#define TRUNCOP(name, rd, wr, lo_ok, hi, conv)                                                  \
    CASE(name) {                                                                                \
        T_##rd a = LD_##rd(S(2));                                                               \
        if (a != a) TRAP(WEFT_TRAP_INVALID_CONVERSION);                                         \
        if (!(lo_ok && a < hi)) TRAP(WEFT_TRAP_INT_OVERFLOW);                                   \
        ST_##wr(S(1), conv);                                                                    \
        ip += 3;                                                                                \
        NEXT();                                                                                 \
    }

#ifdef WEFT_OPSTATS
static void opstats_count(weft_store *s, uint32_t *prev, uint32_t op) {
    if (!s->opstats && !(s->opstats = calloc((size_t)(IOP_COUNT + 1) * (IOP_COUNT + 1), 8))) return;
    s->opstats[(size_t)*prev * (IOP_COUNT + 1) + op]++;
    *prev = op;
}
#endif

weft_error *interp_run(weft_store *s, weft_func *func, uint64_t *fp) {
#ifdef WEFT_THREADED
    /* Handler offsets from L_unreachable, for the compiler to thread code with (see
     * interp_handler_offsets). */
#define HANDLER(name) ((int32_t)((const char *)&&L_##name - (const char *)&&L_unreachable))
    static const int32_t labels[IOP_COUNT] = {
#elif !defined(WEFT_SWITCH_DISPATCH)
#define HANDLER(name) &&L_##name
    static const void *const labels[IOP_COUNT] = {
#endif
#ifndef WEFT_SWITCH_DISPATCH
#define LBL(op, name, ...) [IOP_##name] = HANDLER(name),
#define LBL_MEM(op, name, ...) [IOP_##name] = HANDLER(name), [IOP_##name##_rr] = HANDLER(name##_rr), \
        [IOP_##name##_ri] = HANDLER(name##_ri), [IOP_##name##_sh] = HANDLER(name##_sh),
#define LBL_PURE(op, name, in1, in2, ...) [IOP_##name] = HANDLER(name), OPC_IF_BINARY(in2, [IOP_##name##_ri] = HANDLER(name##_ri),)
#define LBL_INT(name, n) [IOP_##name] = HANDLER(name),
#define LBL_DIVC(name, ...) [IOP_##name##_ri] = HANDLER(name##_ri),
#define LBL_SHIFTED(name, ...) [IOP_##name] = HANDLER(name),
#define LBL_VSTORE(name, ...) [IOP_##name] = HANDLER(name),
#define LBL_FUSED(name, ...) [IOP_br_##name] = HANDLER(br_##name), [IOP_br_##name##_ri] = HANDLER(br_##name##_ri), \
        [IOP_inc_br_##name] = HANDLER(inc_br_##name), [IOP_inc_br_##name##_ri] = HANDLER(inc_br_##name##_ri),
        WASM_PURE_OPS(LBL_PURE) WASM_TRAPPING_OPS(LBL) WASM_LOAD_OPS(LBL_MEM) WASM_STORE_OPS(LBL_MEM)
            INTERNAL_OPS(LBL_INT) DIV_BY_CONST_OPS(LBL_DIVC) FUSED_CMP_OPS(LBL_FUSED)
                SHIFTED_OPS(LBL_SHIFTED) VALUE_STORE_OPS(LBL_VSTORE)
#undef LBL
#undef LBL_PURE
#undef LBL_MEM
#undef LBL_INT
#undef LBL_DIVC
#undef LBL_FUSED
#undef LBL_SHIFTED
#undef LBL_VSTORE
    };
#endif
#ifdef WEFT_THREADED
    if (!s) return (weft_error *)(uintptr_t)labels; /* interp_handler_offsets asks for the table */
#endif
    const uint32_t entry_depth = s->depth;
    weft_instance *inst = func->inst;
    const uint32_t *ip = func->code;
    const weft_memory *mem;
    uint8_t *mb;
    uint64_t ms;
    /* The call stack lives in the store; its hot parts are kept here and written back whenever
     * control leaves this loop (host calls, return to the host, traps). */
    frame *frames = s->frames;
    uint32_t depth = s->depth, frames_cap = s->frames_cap;
    uint64_t *const stack_end = s->stack_end;
    weft_trap_code trap_code = WEFT_TRAP_NONE;
    weft_error *err = NULL;
    weft_func *callee;
    uint64_t *nfp;
#ifdef WEFT_OPSTATS
    uint32_t prev_op = IOP_COUNT;
#endif

    /* The entry function takes a frame like any other; a sentinel (ip NULL) records it, so a
     * ret that finds the sentinel returns to the host. */
    if (depth >= frames_cap) {
        if (!store_grow_frames(s)) return err_trap(WEFT_TRAP_STACK_EXHAUSTED);
        frames = s->frames, frames_cap = s->frames_cap;
    }
    if (fp + func->frame_slots > stack_end) return err_trap(WEFT_TRAP_STACK_EXHAUSTED);
    frames[depth++] = (frame){NULL, fp, func};
    LOAD_MEM();
    zero_slots(fp + func->param_slots, func->local_slots);

#ifdef WEFT_SWITCH_DISPATCH
dispatch:
    COUNT_OP();
    switch ((enum iop)*ip) {
#else
    NEXT();
#endif

    WASM_PURE_OPS(HANDLE_PURE)
    WASM_LOAD_OPS(HANDLE_LOAD)
    WASM_STORE_OPS(HANDLE_STORE)
    DIV_BY_CONST_OPS(HANDLE_DIVC)
    FUSED_CMP_OPS(HANDLE_FUSED)
    SHIFTED_OPS(HANDLE_SHIFTED)
    VALUE_STORE_OPS(HANDLE_VSTORE)

    DIVOP(i32_div_s, uint32_t, u32, 1, /, 1)
    DIVOP(i32_div_u, uint32_t, u32, 0, /, 1)
    DIVOP(i32_rem_s, uint32_t, u32, 1, %, 0)
    DIVOP(i32_rem_u, uint32_t, u32, 0, %, 0)
    DIVOP(i64_div_s, uint64_t, u64, 1, /, 1)
    DIVOP(i64_div_u, uint64_t, u64, 0, /, 1)
    DIVOP(i64_rem_s, uint64_t, u64, 1, %, 0)
    DIVOP(i64_rem_u, uint64_t, u64, 0, %, 0)

    TRUNCOP(i32_trunc_f32_s, f32, u32, a >= -2147483648.0f, 2147483648.0f, (uint32_t)(int32_t)a)
    TRUNCOP(i32_trunc_f32_u, f32, u32, a > -1.0f, 4294967296.0f, (uint32_t)a)
    TRUNCOP(i32_trunc_f64_s, f64, u32, a > -2147483649.0, 2147483648.0, (uint32_t)(int32_t)a)
    TRUNCOP(i32_trunc_f64_u, f64, u32, a > -1.0, 4294967296.0, (uint32_t)a)
    TRUNCOP(i64_trunc_f32_s, f32, u64, a >= -9223372036854775808.0f, 9223372036854775808.0f,
            (uint64_t)(int64_t)a)
    TRUNCOP(i64_trunc_f32_u, f32, u64, a > -1.0f, 18446744073709551616.0f, (uint64_t)a)
    TRUNCOP(i64_trunc_f64_s, f64, u64, a >= -9223372036854775808.0, 9223372036854775808.0,
            (uint64_t)(int64_t)a)
    TRUNCOP(i64_trunc_f64_u, f64, u64, a > -1.0, 18446744073709551616.0, (uint64_t)a)

    CASE(unreachable) { TRAP(WEFT_TRAP_UNREACHABLE); }

    CASE(br) {
        ip += 1 + (int32_t)ip[1];
        NEXT();
    }
    CASE(br_if) {
        if (LD_u32(S(1)))
            ip += 2 + (int32_t)ip[2];
        else
            ip += 3;
        NEXT();
    }
    CASE(br_unless) {
        if (!LD_u32(S(1)))
            ip += 2 + (int32_t)ip[2];
        else
            ip += 3;
        NEXT();
    }
    CASE(br_table) {
        uint32_t i = LD_u32(S(1)), n = ip[2];
        if (i > n) i = n;
        ip += 3 + i;
        ip += (int32_t)*ip;
        NEXT();
    }

    CASE(ret) {
    do_ret:;
        frame *fr = &frames[--depth];
        if (!fr->ip) {
            s->depth = depth;
            return NULL;
        }
        ip = fr->ip;
        fp = fr->fp;
        func = fr->func;
        if (func->inst != inst) {
            inst = func->inst;
            LOAD_MEM();
        } else {
            ms = mem->size; /* the callee may have grown the memory */
        }
        NEXT();
    }

    CASE(call) {
        callee = inst->funcs[ip[1]];
        nfp = (uint64_t *)((char *)fp + ip[2]);
        ip += 3;
        goto do_call;
    }
    CASE(call_indirect) {
        weft_table *t = inst->tables[ip[2]];
        uint32_t i = LD_u32(S(3));
        if (i >= t->size) TRAP(WEFT_TRAP_UNDEFINED_ELEMENT);
        callee = t->elems[i];
        if (!callee) TRAP(WEFT_TRAP_UNINITIALIZED_ELEM);
        const functype *want = &inst->module->types[ip[1]]; /* canonical: usually the same pointer */
        if (callee->type != want && !functype_equal(callee->type, want))
            TRAP(WEFT_TRAP_INDIRECT_TYPE);
        nfp = (uint64_t *)((char *)fp + ip[4]);
        ip += 5;
        goto do_call;
    }

    CASE(mov2) { /* in order: the second may read what the first wrote */
        ST_u64(S(1), LD_u64(S(2)));
        ST_u64(S(3), LD_u64(S(4)));
        ip += 5;
        NEXT();
    }
    CASE(i32_add_shl) {
        ST_u32(S(1), LD_u32(S(2)) + (LD_u32(S(3)) << (ip[4] & 31)));
        ip += 5;
        NEXT();
    }
    CASE(f32_madd) {
        float x = LD_f32(S(2)), p = LD_f32(S(3)) * LD_f32(S(4));
        ST_f32(S(1), x + p);
        ip += 5;
        NEXT();
    }
    CASE(f64_madd) {
        double x = LD_f64(S(2)), p = LD_f64(S(3)) * LD_f64(S(4));
        ST_f64(S(1), x + p);
        ip += 5;
        NEXT();
    }
    CASE(f32_msub) {
        float x = LD_f32(S(2)), p = LD_f32(S(3)) * LD_f32(S(4));
        ST_f32(S(1), x - p);
        ip += 5;
        NEXT();
    }
    CASE(f64_msub) {
        double x = LD_f64(S(2)), p = LD_f64(S(3)) * LD_f64(S(4));
        ST_f64(S(1), x - p);
        ip += 5;
        NEXT();
    }
    CASE(inc_br_if) {
        ST_u32(S(1), LD_u32(S(2)) + ip[3]);
        ip += LD_u32(S(4)) ? 5 + (int32_t)ip[5] : 6;
        NEXT();
    }
    CASE(inc_br_unless) {
        ST_u32(S(1), LD_u32(S(2)) + ip[3]);
        ip += !LD_u32(S(4)) ? 5 + (int32_t)ip[5] : 6;
        NEXT();
    }
    CASE(i32_add_ri2) { /* in order: the second may read what the first wrote */
        ST_u32(S(1), LD_u32(S(2)) + ip[3]);
        ST_u32(S(4), LD_u32(S(5)) + ip[6]);
        ip += 7;
        NEXT();
    }
    CASE(inc_br) {
        ST_u32(S(1), LD_u32(S(2)) + ip[3]);
        ip += 4 + (int32_t)ip[4];
        NEXT();
    }
    CASE(ret1) {
        ST_u64((char *)fp, LD_u64(S(1)));
        goto do_ret;
    }
    CASE(mov) {
        ST_u64(S(1), LD_u64(S(2)));
        ip += 3;
        NEXT();
    }
    CASE(const32) {
        ST_u32(S(1), ip[2]);
        ip += 3;
        NEXT();
    }
    CASE(const64) {
        ST_u64(S(1), (uint64_t)ip[3] << 32 | ip[2]);
        ip += 4;
        NEXT();
    }
    CASE(select) {
        uint64_t a = LD_u64(S(2)), b = LD_u64(S(3));
        ST_u64(S(1), LD_u32(S(4)) ? a : b);
        ip += 5;
        NEXT();
    }
    CASE(global_get) {
        ST_u64(S(1), inst->globals[ip[2]]->bits);
        ip += 3;
        NEXT();
    }
    CASE(global_set) {
        weft_global *g = inst->globals[ip[1]];
        uint64_t v = LD_u64(S(2));
        if (g->type == VT_I32 || g->type == VT_F32) v = (uint32_t)v;
        g->bits = v;
        ip += 3;
        NEXT();
    }

    CASE(memory_size) {
        ST_u32(S(1), inst->mem->pages);
        ip += 2;
        NEXT();
    }
    CASE(memory_grow) {
        int64_t r = memory_grow(inst->mem, LD_u32(S(2)));
        ST_u32(S(1), (uint32_t)r);
        LOAD_MEM();
        ip += 3;
        NEXT();
    }
    CASE(memory_init) {
        const data_seg *seg = &inst->module->datas[ip[1]];
        uint64_t len = inst->data_dropped[ip[1]] ? 0 : seg->len;
        uint64_t d = LD_u32(S(2)), src = LD_u32(S(3)), n = LD_u32(S(4));
        if (src + n > len || d + n > ms) TRAP(WEFT_TRAP_MEMORY_OOB);
        if (n) memcpy(mb + d, seg->bytes + src, n);
        ip += 5;
        NEXT();
    }
    CASE(data_drop) {
        inst->data_dropped[ip[1]] = 1;
        ip += 2;
        NEXT();
    }
    CASE(memory_copy) {
        uint64_t d = LD_u32(S(1)), src = LD_u32(S(2)), n = LD_u32(S(3));
        if (src + n > ms || d + n > ms) TRAP(WEFT_TRAP_MEMORY_OOB);
        if (n) memmove(mb + d, mb + src, n);
        ip += 4;
        NEXT();
    }
    CASE(memory_fill) {
        uint64_t d = LD_u32(S(1)), n = LD_u32(S(3));
        if (d + n > ms) TRAP(WEFT_TRAP_MEMORY_OOB);
        if (n) memset(mb + d, (int)(uint8_t)LD_u32(S(2)), n);
        ip += 4;
        NEXT();
    }

    CASE(table_get) {
        weft_table *t = inst->tables[ip[2]];
        uint32_t i = LD_u32(S(3));
        if (i >= t->size) TRAP(WEFT_TRAP_TABLE_OOB);
        ST_ptr(S(1), t->elems[i]);
        ip += 4;
        NEXT();
    }
    CASE(table_set) {
        weft_table *t = inst->tables[ip[1]];
        uint32_t i = LD_u32(S(2));
        if (i >= t->size) TRAP(WEFT_TRAP_TABLE_OOB);
        t->elems[i] = LD_ptr(S(3));
        ip += 4;
        NEXT();
    }
    CASE(table_size) {
        ST_u32(S(1), inst->tables[ip[2]]->size);
        ip += 3;
        NEXT();
    }
    CASE(table_grow) {
        int64_t r = table_grow(inst->tables[ip[2]], LD_u32(S(4)), LD_ptr(S(3)));
        ST_u32(S(1), (uint32_t)r);
        ip += 5;
        NEXT();
    }
    CASE(table_fill) {
        weft_table *t = inst->tables[ip[1]];
        uint64_t i = LD_u32(S(2)), n = LD_u32(S(4));
        void *v = LD_ptr(S(3));
        if (i + n > t->size) TRAP(WEFT_TRAP_TABLE_OOB);
        for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
        ip += 5;
        NEXT();
    }
    CASE(table_copy) {
        weft_table *dt = inst->tables[ip[1]], *st = inst->tables[ip[2]];
        uint64_t d = LD_u32(S(3)), src = LD_u32(S(4)), n = LD_u32(S(5));
        if (src + n > st->size || d + n > dt->size) TRAP(WEFT_TRAP_TABLE_OOB);
        if (n) memmove(dt->elems + d, st->elems + src, n * sizeof(void *));
        ip += 6;
        NEXT();
    }
    CASE(table_init) {
        weft_table *t = inst->tables[ip[1]];
        const elem_seg *seg = &inst->module->elems[ip[2]];
        uint64_t len = inst->elem_dropped[ip[2]] ? 0 : seg->count;
        uint64_t d = LD_u32(S(3)), src = LD_u32(S(4)), n = LD_u32(S(5));
        if (src + n > len || d + n > t->size) TRAP(WEFT_TRAP_TABLE_OOB);
        for (uint64_t k = 0; k < n; k++) t->elems[d + k] = elem_item_value(inst, &seg->items[src + k]);
        ip += 6;
        NEXT();
    }
    CASE(elem_drop) {
        inst->elem_dropped[ip[1]] = 1;
        ip += 2;
        NEXT();
    }
    CASE(ref_func) {
        ST_ptr(S(1), inst->funcs[ip[2]]);
        ip += 3;
        NEXT();
    }
    CASE(ref_is_null) {
        ST_u32(S(1), LD_ptr(S(2)) == NULL);
        ip += 3;
        NEXT();
    }
    CASE(fuel) {
        if (s->fuel < ip[1]) {
            s->fuel = 0;
            TRAP(WEFT_TRAP_OUT_OF_FUEL);
        }
        s->fuel -= ip[1];
        ip += 2;
        NEXT();
    }
    CASE(check) {
        if (atomic_load_explicit(&s->interrupt, memory_order_relaxed)) TRAP(WEFT_TRAP_INTERRUPTED);
        ip += 1;
        NEXT();
    }

#ifdef WEFT_SWITCH_DISPATCH
    default: abort(); /* the compiler never emits another opcode */
    }
#endif

do_call:
    if (!callee->inst) { /* a host function */
        uint64_t *saved_sp = s->sp;
        s->depth = depth; /* a host function may call back into wasm */
        s->sp = fp + func->frame_slots;
        if (s->sp < nfp + callee->type->nparams + callee->type->nresults)
            s->sp = nfp + callee->type->nparams + callee->type->nresults;
        err = host_call(s, callee, nfp, inst);
        s->sp = saved_sp;
        frames = s->frames, frames_cap = s->frames_cap; /* nested calls may have grown them */
        if (err) goto fail;
        LOAD_MEM();
        NEXT();
    }
    if (depth >= frames_cap) {
        s->depth = depth;
        if (!store_grow_frames(s)) TRAP(WEFT_TRAP_STACK_EXHAUSTED);
        frames = s->frames, frames_cap = s->frames_cap;
    }
    if (nfp + callee->frame_slots > stack_end) TRAP(WEFT_TRAP_STACK_EXHAUSTED);
    frames[depth++] = (frame){ip, fp, func};
    zero_slots(nfp + callee->param_slots, callee->local_slots);
    fp = nfp;
    func = callee;
    ip = callee->code;
    if (callee->inst != inst) {
        inst = callee->inst;
        LOAD_MEM();
    }
    NEXT();

trap:
    err = err_trap(trap_code);
fail:
    /* Name every active frame of this activation, innermost first. */
    if (err->kind == WEFT_ERR_TRAP) {
        err_add_frame(err, func->index, func->name);
        for (uint32_t d = depth - 1; d > entry_depth; d--)
            err_add_frame(err, frames[d].func->index, frames[d].func->name);
    }
    s->depth = entry_depth;
    return err;
}

/* The handler offsets compiled code is threaded with, by opcode; NULL when code keeps plain
 * opcodes (switch dispatch, op statistics). */
const int32_t *interp_handler_offsets(void) {
#ifdef WEFT_THREADED
    return (const int32_t *)(uintptr_t)interp_run(NULL, NULL, NULL);
#else
    return NULL;
#endif
}

uint32_t interp_opcode_of(uint32_t word) {
    const int32_t *off = interp_handler_offsets();
    if (!off) return word;
    for (uint32_t op = 0; op < IOP_COUNT; op++)
        if (off[op] == (int32_t)word) return op;
    return IOP_COUNT;
}
