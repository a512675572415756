/* disasm.c: a readable listing of a function's compiled register code, for engineers tuning the
 * compiler (`weft objdump`). Reads the instruction tables of opcodes.h: names and operand counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "module.h"
#include "opcodes.h"
#include "runtime.h"



WEFT_API char *weft_module_disasm(const weft_module *m, uint32_t func) {
    if (func >= m->nfuncs || m->funcs[func].imported) return NULL;
    const func_decl *fd = &m->funcs[func];
    const uint32_t *code = m->code + fd->code_off;
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
#define EMIT(...)                                                                               \
    do {                                                                                        \
        int k_ = snprintf(NULL, 0, __VA_ARGS__);                                                \
        if (n + (size_t)k_ + 1 > cap) {                                                         \
            while (n + (size_t)k_ + 1 > cap) cap *= 2;                                          \
            char *o_ = realloc(out, cap);                                                       \
            if (!o_) { free(out); return NULL; }                                                \
            out = o_;                                                                           \
        }                                                                                       \
        n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__);                                   \
    } while (0)
    EMIT("%s: %u params, %u locals, %u slots, %u words\n", module_func_name(m, func),
         fd->param_slots, fd->local_slots, fd->frame_slots, fd->code_len);
    for (uint32_t pc = 0; pc < fd->code_len;) {
        uint32_t op = interp_opcode_of(code[pc]);
        if (op >= IOP_COUNT) {
            EMIT("%5u  ?? %u\n", pc, op);
            break;
        }
        int words = iop_table[op].words;
        if (words < 0) words = 2 + (int)code[pc + 2] + 1; /* br_table: idx, n, n + 1 targets */
        EMIT("%5u  %-22s", pc, iop_table[op].name);
        for (int k = 1; k <= words && pc + (uint32_t)k < fd->code_len; k++) EMIT(" %d", (int32_t)code[pc + k]);
        EMIT("\n");
        pc += 1 + (uint32_t)words;
    }
    return out;
}

WEFT_API uint32_t weft_module_func_count(const weft_module *m) { return m->nfuncs; }
