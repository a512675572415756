/* vm.c: the bytecode-VM workload of weft's benchmark suite: a stack machine whose interpreter
 * is one big switch (an interpreter running inside wasm), running two programs assembled at
 * startup: Collatz chain lengths with a gcd subroutine, and a hashing loop of bit operations.
 * argv[1] is the Collatz range; prints one checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_RANGE 60000u
#define STACK_MAX 256
#define CODE_MAX 1024
#define SLOTS 16

enum op {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_AND, OP_OR,
    OP_XOR, OP_SHL, OP_SHR, OP_LT, OP_EQ, OP_NE, OP_JMP, OP_JZ, OP_JNZ, OP_DUP, OP_DROP, OP_SWAP,
    OP_INC, OP_CALL, OP_RET, OP_NOT,
};

typedef struct program {
    int32_t code[CODE_MAX];
    int32_t len;
} program;

/* ---- a tiny assembler: emit opcodes with immediates, patch forward jumps ---- */

static void emit(program *p, int32_t op) { p->code[p->len++] = op; }
static void emit1(program *p, int32_t op, int32_t imm) {
    p->code[p->len++] = op;
    p->code[p->len++] = imm;
}
static int32_t here(const program *p) { return p->len; }
/* Emits a jump with an unknown target; returns where to patch it. */
static int32_t emit_jump(program *p, int32_t op) {
    emit1(p, op, -1);
    return p->len - 1;
}
static void patch(program *p, int32_t at, int32_t target) { p->code[at] = target; }

/* ---- the interpreter ---- */

typedef struct vm_result {
    uint64_t top;   /* value on top of the stack at OP_HALT */
    uint64_t steps; /* instructions executed */
} vm_result;

static vm_result vm_run(const program *p, uint64_t *slots) {
    uint64_t stack[STACK_MAX];
    int32_t rstack[STACK_MAX];
    int32_t sp = 0, rsp = 0, pc = 0;
    uint64_t steps = 0;
    for (;;) {
        int32_t op = p->code[pc++];
        steps++;
        switch (op) {
        case OP_HALT: return (vm_result){sp ? stack[sp - 1] : 0, steps};
        case OP_PUSH: stack[sp++] = (uint64_t)(int64_t)p->code[pc++]; break;
        case OP_LOAD: stack[sp++] = slots[p->code[pc++]]; break;
        case OP_STORE: slots[p->code[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--, stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--, stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--, stack[sp - 1] *= stack[sp]; break;
        case OP_DIV: sp--, stack[sp - 1] = stack[sp] ? stack[sp - 1] / stack[sp] : 0; break;
        case OP_MOD: sp--, stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
        case OP_AND: sp--, stack[sp - 1] &= stack[sp]; break;
        case OP_OR: sp--, stack[sp - 1] |= stack[sp]; break;
        case OP_XOR: sp--, stack[sp - 1] ^= stack[sp]; break;
        case OP_SHL: sp--, stack[sp - 1] <<= (stack[sp] & 63); break;
        case OP_SHR: sp--, stack[sp - 1] >>= (stack[sp] & 63); break;
        case OP_LT: sp--, stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_EQ: sp--, stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case OP_NE: sp--, stack[sp - 1] = stack[sp - 1] != stack[sp]; break;
        case OP_NOT: stack[sp - 1] = ~stack[sp - 1]; break;
        case OP_JMP: pc = p->code[pc]; break;
        case OP_JZ: pc = stack[--sp] ? pc + 1 : p->code[pc]; break;
        case OP_JNZ: pc = stack[--sp] ? p->code[pc] : pc + 1; break;
        case OP_DUP: stack[sp] = stack[sp - 1], sp++; break;
        case OP_DROP: sp--; break;
        case OP_SWAP: {
            uint64_t t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case OP_INC: slots[p->code[pc]] += (uint64_t)(int64_t)p->code[pc + 1], pc += 2; break;
        case OP_CALL: rstack[rsp++] = pc + 1, pc = p->code[pc]; break;
        case OP_RET: pc = rstack[--rsp]; break;
        default: return (vm_result){~0ull, steps};
        }
    }
}

/* Slots: 0 total, 1 n, 2 x, 3 steps, 4 gcd a, 5 gcd b, 6 limit, 7 gcd sum. */
static void assemble_collatz(program *p) {
    emit1(p, OP_PUSH, 1), emit1(p, OP_STORE, 1);
    int32_t outer = here(p);
    emit1(p, OP_LOAD, 1), emit1(p, OP_STORE, 2);
    emit1(p, OP_PUSH, 0), emit1(p, OP_STORE, 3);
    int32_t loop = here(p);
    emit1(p, OP_LOAD, 2), emit1(p, OP_PUSH, 1), emit(p, OP_NE);
    int32_t to_done = emit_jump(p, OP_JZ);
    emit1(p, OP_LOAD, 2), emit1(p, OP_PUSH, 1), emit(p, OP_AND);
    int32_t to_even = emit_jump(p, OP_JZ);
    emit1(p, OP_LOAD, 2), emit1(p, OP_PUSH, 3), emit(p, OP_MUL), emit1(p, OP_PUSH, 1),
        emit(p, OP_ADD), emit1(p, OP_STORE, 2);
    int32_t to_next = emit_jump(p, OP_JMP);
    patch(p, to_even, here(p));
    emit1(p, OP_LOAD, 2), emit1(p, OP_PUSH, 1), emit(p, OP_SHR), emit1(p, OP_STORE, 2);
    patch(p, to_next, here(p));
    emit(p, OP_INC), emit(p, 3), emit(p, 1);
    emit1(p, OP_JMP, loop);
    patch(p, to_done, here(p));
    emit1(p, OP_LOAD, 0), emit1(p, OP_LOAD, 3), emit(p, OP_ADD), emit1(p, OP_STORE, 0);
    /* gcd(n, steps + 1) through the subroutine, summed into slot 7. */
    emit1(p, OP_LOAD, 1), emit1(p, OP_LOAD, 3), emit1(p, OP_PUSH, 1), emit(p, OP_ADD);
    int32_t to_gcd = emit_jump(p, OP_CALL);
    emit1(p, OP_LOAD, 7), emit(p, OP_ADD), emit1(p, OP_STORE, 7);
    emit(p, OP_INC), emit(p, 1), emit(p, 1);
    emit1(p, OP_LOAD, 1), emit1(p, OP_LOAD, 6), emit(p, OP_LT);
    emit1(p, OP_JNZ, outer);
    emit1(p, OP_LOAD, 0), emit1(p, OP_LOAD, 7), emit1(p, OP_PUSH, 32), emit(p, OP_SHL),
        emit(p, OP_XOR);
    emit(p, OP_HALT);
    /* gcd: ( a b -- gcd ) */
    patch(p, to_gcd, here(p));
    emit1(p, OP_STORE, 5), emit1(p, OP_STORE, 4);
    int32_t g_loop = here(p);
    emit1(p, OP_LOAD, 5);
    int32_t g_end = emit_jump(p, OP_JZ);
    emit1(p, OP_LOAD, 4), emit1(p, OP_LOAD, 5), emit(p, OP_MOD);
    emit1(p, OP_LOAD, 5), emit1(p, OP_STORE, 4), emit1(p, OP_STORE, 5);
    emit1(p, OP_JMP, g_loop);
    patch(p, g_end, here(p));
    emit1(p, OP_LOAD, 4), emit(p, OP_RET);
}

/* Slots: 0 h, 1 i, 2 limit, 3 count. h = mix(h ^ i); count the values with low bits < 3. */
static void assemble_hash(program *p) {
    emit1(p, OP_PUSH, 0x5bd1e995), emit1(p, OP_STORE, 0);
    emit1(p, OP_PUSH, 0), emit1(p, OP_STORE, 1);
    int32_t loop = here(p);
    emit1(p, OP_LOAD, 0), emit1(p, OP_LOAD, 1), emit(p, OP_XOR);
    emit1(p, OP_PUSH, 16777619), emit(p, OP_MUL);
    emit(p, OP_DUP), emit1(p, OP_PUSH, 29), emit(p, OP_SHR), emit(p, OP_XOR);
    emit(p, OP_DUP), emit1(p, OP_PUSH, 7), emit(p, OP_SHL), emit(p, OP_NOT), emit(p, OP_AND);
    emit(p, OP_DUP), emit1(p, OP_STORE, 0);
    emit1(p, OP_PUSH, 7), emit(p, OP_AND), emit1(p, OP_PUSH, 3), emit(p, OP_LT);
    int32_t skip = emit_jump(p, OP_JZ);
    emit(p, OP_INC), emit(p, 3), emit(p, 1);
    patch(p, skip, here(p));
    emit(p, OP_INC), emit(p, 1), emit(p, 1);
    emit1(p, OP_LOAD, 1), emit1(p, OP_LOAD, 2), emit(p, OP_LT);
    emit1(p, OP_JNZ, loop);
    emit1(p, OP_LOAD, 0), emit1(p, OP_LOAD, 3), emit(p, OP_ADD), emit(p, OP_HALT);
}

int main(int argc, char **argv) {
    uint32_t range = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_RANGE;
    static program collatz, hash;
    assemble_collatz(&collatz);
    assemble_hash(&hash);

    uint64_t slots[SLOTS] = {0};
    slots[6] = range;
    vm_result r1 = vm_run(&collatz, slots);
    uint64_t total = slots[0], gsum = slots[7];

    uint64_t hslots[SLOTS] = {0};
    hslots[2] = (uint64_t)range * 40;
    vm_result r2 = vm_run(&hash, hslots);

    printf("vm: range=%u collatz=%llu gcd=%llu top=%016llx hash=%016llx count=%llu steps=%llu\n",
           (unsigned)range, (unsigned long long)total, (unsigned long long)gsum,
           (unsigned long long)r1.top, (unsigned long long)r2.top,
           (unsigned long long)hslots[3], (unsigned long long)(r1.steps + r2.steps));
    return 0;
}
