/* opcodes.c: the name and operand count of every internal instruction, built from the tables
 * of opcodes.h, for the compiler (instruction lengths) and the disassembler. */
#include "opcodes.h"

const iop_info iop_table[IOP_COUNT] = {
#define INFO_PURE(op, name, in1, in2, out, rd, wr, expr)                                        \
    [IOP_##name] = {#name, 2 + (VT2_##in2 != 0)},                                               \
    OPC_IF_BINARY(in2, [IOP_##name##_ri] = {#name "_ri", 2 + IMMW_##rd},)
#define INFO_TRAP(op, name, in1, in2, out) [IOP_##name] = {#name, 2 + (VT2_##in2 != 0)},
#define INFO_MEM(op, name, ...)                                                                 \
    [IOP_##name] = {#name, 3}, [IOP_##name##_rr] = {#name "_rr", 4},                           \
    [IOP_##name##_ri] = {#name "_ri", 4}, [IOP_##name##_sh] = {#name "_sh", 5},
#define INFO_INT(name, n) [IOP_##name] = {#name, n},
#define INFO_DIVC(name, rd, expr) [IOP_##name##_ri] = {#name "_ri", 2 + IMMW_##rd},
#define INFO_FUSED(name, rd, expr, inv)                                                         \
    [IOP_br_##name] = {"br_" #name, 3}, [IOP_br_##name##_ri] = {"br_" #name "_ri", 2 + IMMW_##rd}, \
    [IOP_inc_br_##name] = {"inc_br_" #name, 6},                                                 \
    [IOP_inc_br_##name##_ri] = {"inc_br_" #name "_ri", 5 + IMMW_##rd},
#define INFO_SHIFTED(name, ...) [IOP_##name] = {#name, 4},
#define INFO_VSTORE(name, producer, store, n) [IOP_##name] = {#name, n + 2},
#define IMMW_u32 1
#define IMMW_u64 2
#define IMMW_f32 1
#define IMMW_f64 2
#define VT2_NO 0
#define VT2_I32 1
#define VT2_I64 1
#define VT2_F32 1
#define VT2_F64 1
    WASM_PURE_OPS(INFO_PURE) WASM_TRAPPING_OPS(INFO_TRAP) WASM_LOAD_OPS(INFO_MEM)
        WASM_STORE_OPS(INFO_MEM) INTERNAL_OPS(INFO_INT) DIV_BY_CONST_OPS(INFO_DIVC)
            FUSED_CMP_OPS(INFO_FUSED) SHIFTED_OPS(INFO_SHIFTED) VALUE_STORE_OPS(INFO_VSTORE)
};

const char *iop_name(uint32_t op) { return op < IOP_COUNT && iop_table[op].name ? iop_table[op].name : "?"; }
