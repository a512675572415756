/* compile.c: validates function bodies and translates them, in the same pass, into register code.
 *
 * The frame of a function is an array of 8-byte slots: parameters, then declared locals, then
 * one slot per operand-stack position. An operand that sits at stack height h has the home slot
 * nlocals + h. The validator's stack records where each value really is: in its home slot
 * (K_TEMP), still in a local (K_LOCAL, after local.get), or a constant not yet written anywhere
 * (K_CONST). Instructions read locals and temporaries directly as operands, so local.get emits
 * nothing, and a local.set right after the instruction that computed its value is folded into
 * that instruction's destination. Lazy values are written to their home slots where paths join
 * (block boundaries, branches) and before calls, whose arguments become the callee's frame.
 *
 * Branch offsets are relative to the word that holds them. Forward branches to a block's end are
 * chained through their offset words until the end is reached, then patched.
 */
#include "compile.h"

#include <stdlib.h>

#include "config.h"
#include "opcodes.h"
#include "runtime.h"

#define NONE UINT32_MAX

enum { K_TEMP, K_LOCAL, K_CONST };
enum { F_BLOCK, F_LOOP, F_IF, F_ELSE, F_FUNC };
enum { VT_NO = 1 }; /* "no second operand" in the opcode tables */

typedef struct ventry {
    valtype type;
    uint8_t kind;
    uint32_t h;     /* stack height: the home slot is nlocals + h */
    uint32_t local; /* K_LOCAL: the local's index */
    uint32_t id;    /* K_TEMP: which push produced it (to fold a following local.set) */
    uint64_t bits;  /* K_CONST: the value */
} ventry;

typedef struct cframe {
    uint8_t kind;
    bool unreachable; /* the rest of this block is dead: the stack is polymorphic */
    bool emit;        /* code of this block is emitted at all (false inside dead code) */
    uint32_t height;  /* operand stack height below the block's parameters */
    uint32_t nparams, nresults;
    const valtype *params, *results;
    uint32_t label;      /* F_LOOP: code position of the head */
    uint32_t patches;    /* chain of forward branches to this block's end */
    uint32_t else_patch; /* F_IF: the branch over the then-part */
} cframe;

struct compiler {
    weft_module *m;
    weft_engine_config cfg;
    reader *r;
    uint32_t fidx;
    size_t instr_off; /* offset of the instruction being compiled, where its errors point */

    valtype *locals; /* parameter and local types */
    uint32_t nlocals, locals_cap;

    ventry *stack;
    uint32_t sp, stack_cap, max_h;
    uint32_t nlazy; /* K_LOCAL entries on the stack */
    uint32_t push_id;

    cframe *ctrl;
    uint32_t nctrl, ctrl_cap;

    ventry *tmp; /* scratch for label values */
    uint32_t tmp_cap;

    uint32_t *code;
    size_t len, cap;
    bool oom;
    bool emitting;
    bool fuse; /* emit superinstructions */

    uint32_t last_op_pos; /* position of the last instruction emitted */
    uint32_t prev_op_pos; /* and of the one before it */
    uint32_t label_pos;   /* the latest position a branch may jump to */
    uint32_t last_dst;    /* position of the destination word of the last instruction, or NONE */
    uint32_t last_dst_id; /* the push that instruction produced */
    uint32_t fuel_pos;    /* operand word of the current block's fuel instruction, or NONE */
};

/* One-element type lists for block types that are a single value type. */
static const valtype single_type[256] = {
    [VT_I32] = VT_I32, [VT_I64] = VT_I64,           [VT_F32] = VT_F32,
    [VT_F64] = VT_F64, [VT_FUNCREF] = VT_FUNCREF, [VT_EXTERNREF] = VT_EXTERNREF,
};

static const char *vt_name(valtype t) {
    switch (t) {
    case VT_I32: return "i32";
    case VT_I64: return "i64";
    case VT_F32: return "f32";
    case VT_F64: return "f64";
    case VT_V128: return "v128";
    case VT_FUNCREF: return "funcref";
    case VT_EXTERNREF: return "externref";
    case VT_ANY: return "any";
    }
    return "?";
}

#define FAIL(kind, ...)                                                                         \
    do {                                                                                        \
        fail_in(c, kind, __VA_ARGS__);                                                          \
        return false;                                                                           \
    } while (0)
#define INVALID(...) FAIL(WEFT_ERR_INVALID, __VA_ARGS__)
#define MALFORMED(...) FAIL(WEFT_ERR_MALFORMED, __VA_ARGS__)

/* Records an error, naming the function it is in. */
__attribute__((format(printf, 3, 4))) static void fail_in(compiler *c, weft_error_kind kind,
                                                          const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)rd_fail_at(c->r, c->instr_off, kind, "%s (in function %u)", msg, c->fidx);
}

/* ---- code emission ------------------------------------------------------------------------ */

static inline uint32_t slot_off(const compiler *c, uint32_t h) { return (c->nlocals + h) * 8u; }
static inline uint32_t local_off(uint32_t local) { return local * 8u; }

static void emit(compiler *c, uint32_t w) {
    if (!c->emitting) return;
    if (c->len == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 4096;
        uint32_t *n = ncap < (size_t)INT32_MAX ? realloc(c->code, ncap * sizeof *n) : NULL;
        if (!n) {
            c->oom = true;
            c->emitting = false;
            return;
        }
        c->code = n;
        c->cap = ncap;
    }
    c->code[c->len++] = w;
}

/* The shifted-operand form of op (an i32 add, xor, or, and) whose operand is a shift by a
 * constant, or 0. */
static enum iop shifted_form(enum iop op, uint32_t shift) {
    static const struct {
        uint16_t op, shift, form;
    } rows[] = {
        {IOP_i32_xor, IOP_i32_rotl_ri, IOP_i32_xor_rotl}, {IOP_i32_xor, IOP_i32_rotr_ri, IOP_i32_xor_rotr},
        {IOP_i32_xor, IOP_i32_shl_ri, IOP_i32_xor_shl},   {IOP_i32_xor, IOP_i32_shr_u_ri, IOP_i32_xor_shr_u},
        {IOP_i32_xor, IOP_i32_shr_s_ri, IOP_i32_xor_shr_s}, {IOP_i32_or, IOP_i32_shl_ri, IOP_i32_or_shl},
        {IOP_i32_or, IOP_i32_shr_u_ri, IOP_i32_or_shr_u}, {IOP_i32_or, IOP_i32_rotl_ri, IOP_i32_or_rotl},
        {IOP_i32_and, IOP_i32_shr_u_ri, IOP_i32_and_shr_u}, {IOP_i32_and, IOP_i32_shl_ri, IOP_i32_and_shl},
        {IOP_i32_add, IOP_i32_rotl_ri, IOP_i32_add_rotl}, {IOP_i32_add, IOP_i32_shr_u_ri, IOP_i32_add_shr_u},
        {IOP_i32_add, IOP_i32_shr_s_ri, IOP_i32_add_shr_s}, {IOP_i32_add, IOP_i32_shl_ri, IOP_i32_add_shl},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].op == op && rows[i].shift == shift) return (enum iop)rows[i].form;
    return 0;
}

/* Branches that can ride along with an i32 increment emitted just before them. */
static const uint16_t inc_form[IOP_COUNT] = {
#define INC_ROW(name, rd, expr, inv) [IOP_br_##name] = IOP_inc_br_##name, [IOP_br_##name##_ri] = IOP_inc_br_##name##_ri,
    FUSED_CMP_OPS(INC_ROW)
#undef INC_ROW
    [IOP_br_if] = IOP_inc_br_if, [IOP_br_unless] = IOP_inc_br_unless, [IOP_br] = IOP_inc_br,
};

static void emit_op(compiler *c, enum iop op) {
    c->last_dst = NONE;
    /* i32.add_ri (a loop counter) then a branch: one instruction, if no branch lands between. */
    if (c->fuse && c->emitting && inc_form[op] && c->len >= 4 && c->last_op_pos == c->len - 4 &&
        c->label_pos <= c->last_op_pos && c->code[c->last_op_pos] == IOP_i32_add_ri) {
        c->code[c->last_op_pos] = inc_form[op];
        return; /* the branch's operands follow the increment's */
    }
    c->prev_op_pos = c->last_op_pos;
    c->last_op_pos = (uint32_t)c->len;
    emit(c, op);
}

/* Removes the last instruction (folded into the one being emitted). */
static void drop_last(compiler *c) {
    c->len = c->last_op_pos;
    c->last_op_pos = c->prev_op_pos;
    c->last_dst = NONE;
}

static void emit_imm(compiler *c, valtype t, uint64_t bits) {
    emit(c, (uint32_t)bits);
    if (t == VT_I64 || t == VT_F64) emit(c, (uint32_t)(bits >> 32));
}

/* ---- superinstructions ---------------------------------------------------------------------- */

/* An operation's form with an immediate right operand (0: it has none). */
static const uint16_t ri_form[IOP_COUNT] = {
#define RI_PURE(op, name, in1, in2, out, rd, wr, expr) OPC_IF_BINARY(in2, [IOP_##name] = IOP_##name##_ri,)
    WASM_PURE_OPS(RI_PURE)
#undef RI_PURE
};

/* Division and remainder by a constant that cannot trap. */
static const uint16_t divc_form[IOP_COUNT] = {
    [IOP_i32_div_s] = IOP_i32_div_s_ri, [IOP_i32_div_u] = IOP_i32_div_u_ri,
    [IOP_i32_rem_s] = IOP_i32_rem_s_ri, [IOP_i32_rem_u] = IOP_i32_rem_u_ri,
    [IOP_i64_div_s] = IOP_i64_div_s_ri, [IOP_i64_div_u] = IOP_i64_div_u_ri,
    [IOP_i64_rem_s] = IOP_i64_rem_s_ri, [IOP_i64_rem_u] = IOP_i64_rem_u_ri,
};

/* The operation that gives the same result with its operands swapped (0: none), so a constant
 * on the left can become an immediate. */
static const uint16_t swap_form[IOP_COUNT] = {
    [IOP_i32_add] = IOP_i32_add, [IOP_i32_mul] = IOP_i32_mul, [IOP_i32_and] = IOP_i32_and,
    [IOP_i32_or] = IOP_i32_or, [IOP_i32_xor] = IOP_i32_xor, [IOP_i32_eq] = IOP_i32_eq,
    [IOP_i32_ne] = IOP_i32_ne, [IOP_i32_lt_s] = IOP_i32_gt_s, [IOP_i32_gt_s] = IOP_i32_lt_s,
    [IOP_i32_lt_u] = IOP_i32_gt_u, [IOP_i32_gt_u] = IOP_i32_lt_u, [IOP_i32_le_s] = IOP_i32_ge_s,
    [IOP_i32_ge_s] = IOP_i32_le_s, [IOP_i32_le_u] = IOP_i32_ge_u, [IOP_i32_ge_u] = IOP_i32_le_u,
    [IOP_i64_add] = IOP_i64_add, [IOP_i64_mul] = IOP_i64_mul, [IOP_i64_and] = IOP_i64_and,
    [IOP_i64_or] = IOP_i64_or, [IOP_i64_xor] = IOP_i64_xor, [IOP_i64_eq] = IOP_i64_eq,
    [IOP_i64_ne] = IOP_i64_ne, [IOP_i64_lt_s] = IOP_i64_gt_s, [IOP_i64_gt_s] = IOP_i64_lt_s,
    [IOP_i64_lt_u] = IOP_i64_gt_u, [IOP_i64_gt_u] = IOP_i64_lt_u, [IOP_i64_le_s] = IOP_i64_ge_s,
    [IOP_i64_ge_s] = IOP_i64_le_s, [IOP_i64_le_u] = IOP_i64_ge_u, [IOP_i64_ge_u] = IOP_i64_le_u,
    [IOP_f32_add] = IOP_f32_add, [IOP_f32_mul] = IOP_f32_mul, [IOP_f64_add] = IOP_f64_add,
    [IOP_f64_mul] = IOP_f64_mul, [IOP_f32_eq] = IOP_f32_eq, [IOP_f32_ne] = IOP_f32_ne,
    [IOP_f64_eq] = IOP_f64_eq, [IOP_f64_ne] = IOP_f64_ne, [IOP_f32_lt] = IOP_f32_gt,
    [IOP_f32_gt] = IOP_f32_lt, [IOP_f32_le] = IOP_f32_ge, [IOP_f32_ge] = IOP_f32_le,
    [IOP_f64_lt] = IOP_f64_gt, [IOP_f64_gt] = IOP_f64_lt, [IOP_f64_le] = IOP_f64_ge,
    [IOP_f64_ge] = IOP_f64_le,
};

/* A comparison's compare-and-branch form, and its negation (for branching when it is false). */
static const uint16_t fused_form[IOP_COUNT] = {
#define FUSED_ROW(name, rd, expr, inv) [IOP_##name] = IOP_br_##name, [IOP_##name##_ri] = IOP_br_##name##_ri,
    FUSED_CMP_OPS(FUSED_ROW)
#undef FUSED_ROW
};
static const uint16_t inverse_form[IOP_COUNT] = {
#define INVERSE_ROW(name, rd, expr, inv) [IOP_##name] = IOP_##inv, [IOP_##name##_ri] = IOP_##inv##_ri,
    FUSED_CMP_OPS(INVERSE_ROW)
#undef INVERSE_ROW
};

static void emit_const(compiler *c, uint32_t dst, valtype t, uint64_t bits) {
    if (t == VT_I32 || t == VT_F32) {
        emit_op(c, IOP_const32);
        emit(c, dst);
        emit(c, (uint32_t)bits);
    } else {
        emit_op(c, IOP_const64);
        emit(c, dst);
        emit(c, (uint32_t)bits);
        emit(c, (uint32_t)(bits >> 32));
    }
}

/* Two moves in a row, with no branch target between them, become one mov2. */
static void emit_mov(compiler *c, uint32_t dst, uint32_t src) {
    if (dst == src) return;
    if (c->fuse && c->emitting && c->len >= 3 && c->last_op_pos == c->len - 3 && c->label_pos <= c->last_op_pos &&
        c->code[c->last_op_pos] == IOP_mov) {
        c->code[c->last_op_pos] = IOP_mov2;
        c->last_dst = NONE;
        emit(c, dst);
        emit(c, src);
        return;
    }
    emit_op(c, IOP_mov);
    emit(c, dst);
    emit(c, src);
}

/* Branch offset word to a known target. */
static void emit_rel(compiler *c, uint32_t target) {
    emit(c, (uint32_t)((int64_t)target - (int64_t)c->len));
}

/* Forward branch offset word, chained onto a patch list. */
static void emit_patch(compiler *c, uint32_t *list) {
    if (!c->emitting) return;
    uint32_t pos = (uint32_t)c->len;
    emit(c, *list);
    if (!c->oom) *list = pos;
}

/* Notes that a branch may land at the current position: nothing emitted before it may be
 * merged with what comes after. */
static void mark_label(compiler *c) { c->label_pos = (uint32_t)c->len; }

static void patch_to(compiler *c, uint32_t list, uint32_t target) {
    if (target == c->len) mark_label(c);
    while (list != NONE) {
        uint32_t next = c->code[list];
        c->code[list] = (uint32_t)((int64_t)target - (int64_t)list);
        list = next;
    }
}

/* Starts a new fuel-metered block at the current position. */
static void fuel_begin(compiler *c) {
    c->fuel_pos = NONE;
    if (!c->cfg.consume_fuel || !c->emitting) return;
    emit_op(c, IOP_fuel);
    c->fuel_pos = (uint32_t)c->len;
    emit(c, 0);
    if (c->oom) c->fuel_pos = NONE;
}

/* ---- the operand stack -------------------------------------------------------------------- */

static bool reserve_stack(compiler *c, uint32_t n) {
    if (c->sp + n <= c->stack_cap) return true;
    if ((uint64_t)c->sp + n + c->nlocals > WEFT_MAX_FRAME_SLOTS)
        FAIL(WEFT_ERR_LIMIT, "function frame too large (more than %u slots)",
             WEFT_MAX_FRAME_SLOTS);
    uint32_t ncap = c->stack_cap ? c->stack_cap * 2 : 64;
    while (ncap < c->sp + n) ncap *= 2;
    ventry *s = realloc(c->stack, ncap * sizeof *s);
    if (!s) {
        c->oom = true;
        return false;
    }
    c->stack = s;
    c->stack_cap = ncap;
    return true;
}

static void note_height(compiler *c, uint32_t h) {
    if (h > c->max_h) c->max_h = h;
}

/* Pushes a value computed into its home slot; returns that slot's offset. */
static bool push_temp(compiler *c, valtype t, uint32_t *dst) {
    if (!reserve_stack(c, 1)) return false;
    ventry *e = &c->stack[c->sp];
    *e = (ventry){.type = t, .kind = K_TEMP, .h = c->sp, .id = ++c->push_id};
    c->sp++;
    note_height(c, c->sp);
    if (dst) *dst = slot_off(c, e->h);
    return true;
}

static bool push_entry(compiler *c, ventry e) {
    if (!reserve_stack(c, 1)) return false;
    e.h = c->sp;
    if (e.kind == K_LOCAL) c->nlazy++;
    c->stack[c->sp++] = e;
    note_height(c, c->sp);
    return true;
}

static cframe *top(compiler *c) { return &c->ctrl[c->nctrl - 1]; }

/* Pops one operand, which must have type expect (VT_ANY: any type). Below the block's base in
 * dead code, the stack is polymorphic and yields a value of the expected type. */
static bool pop(compiler *c, valtype expect, ventry *out) {
    cframe *f = top(c);
    if (c->sp == f->height) {
        if (!f->unreachable)
            INVALID("type mismatch: expected %s but the stack is empty", vt_name(expect));
        *out = (ventry){.type = expect, .kind = K_TEMP, .h = c->sp};
        return true;
    }
    ventry e = c->stack[--c->sp];
    if (e.kind == K_LOCAL) c->nlazy--;
    if (expect != VT_ANY && e.type != VT_ANY && e.type != expect)
        INVALID("type mismatch: expected %s, found %s", vt_name(expect), vt_name(e.type));
    if (e.type == VT_ANY) e.type = expect;
    *out = e;
    return true;
}

/* Writes a lazy value to the slot at offset dst (or leaves it if it is already there). */
static void move_to(compiler *c, const ventry *e, uint32_t dst) {
    switch (e->kind) {
    case K_TEMP: emit_mov(c, dst, slot_off(c, e->h)); break;
    case K_LOCAL: emit_mov(c, dst, local_off(e->local)); break;
    case K_CONST: emit_const(c, dst, e->type, e->bits); break;
    }
}

/* The slot offset an instruction reads the (popped) value e from. */
static uint32_t operand(compiler *c, ventry *e) {
    if (e->kind == K_LOCAL) return local_off(e->local);
    if (e->kind == K_CONST) {
        emit_const(c, slot_off(c, e->h), e->type, e->bits);
        e->kind = K_TEMP;
    }
    return slot_off(c, e->h);
}

/* Makes the stack entry at index i live in its home slot. */
static void materialize(compiler *c, uint32_t i) {
    ventry *e = &c->stack[i];
    if (e->kind == K_TEMP) return;
    if (e->kind == K_LOCAL) c->nlazy--;
    move_to(c, e, slot_off(c, i));
    e->kind = K_TEMP;
    e->id = ++c->push_id;
}

static void materialize_from(compiler *c, uint32_t from) {
    for (uint32_t i = from; i < c->sp; i++) materialize(c, i);
}

/* Before local x is written: stack entries that still read x must take its old value now. */
static void materialize_local(compiler *c, uint32_t x) {
    if (!c->nlazy) return;
    for (uint32_t i = 0; i < c->sp; i++)
        if (c->stack[i].kind == K_LOCAL && c->stack[i].local == x) materialize(c, i);
}

static void set_unreachable(compiler *c) {
    cframe *f = top(c);
    while (c->sp > f->height) {
        if (c->stack[--c->sp].kind == K_LOCAL) c->nlazy--;
    }
    f->unreachable = true;
    c->emitting = false;
    c->last_dst = NONE;
    c->fuel_pos = NONE;
}

/* Records that the instruction just emitted wrote its result to the home slot of the pushed
 * temporary whose destination word is at pos, so a following local.set may redirect it. */
static void note_dst(compiler *c, uint32_t pos) {
    c->last_dst = c->emitting ? pos : NONE;
    c->last_dst_id = c->push_id;
}

/* ---- blocks and branches ------------------------------------------------------------------ */

static bool push_frame(compiler *c, uint8_t kind, uint32_t nparams, const valtype *params,
                       uint32_t nresults, const valtype *results) {
    if (c->nctrl == c->ctrl_cap) {
        if (c->nctrl >= WEFT_MAX_NESTING)
            FAIL(WEFT_ERR_LIMIT, "blocks nested too deeply (more than %u)", WEFT_MAX_NESTING);
        uint32_t ncap = c->ctrl_cap ? c->ctrl_cap * 2 : 16;
        cframe *n = realloc(c->ctrl, ncap * sizeof *n);
        if (!n) {
            c->oom = true;
            return false;
        }
        c->ctrl = n;
        c->ctrl_cap = ncap;
    }
    c->ctrl[c->nctrl++] = (cframe){
        .kind = kind,
        .emit = c->emitting,
        .height = c->sp - nparams,
        .nparams = nparams,
        .params = params,
        .nresults = nresults,
        .results = results,
        .label = NONE,
        .patches = NONE,
        .else_patch = NONE,
    };
    return true;
}

static uint32_t label_arity(const cframe *f) {
    return f->kind == F_LOOP ? f->nparams : f->nresults;
}
static const valtype *label_types(const cframe *f) {
    return f->kind == F_LOOP ? f->params : f->results;
}

/* Checks that the top n operands have the given types, without popping them. */
static bool check_top(compiler *c, const valtype *types, uint32_t n) {
    cframe *f = top(c);
    for (uint32_t i = 0; i < n; i++) {
        valtype want = types[n - 1 - i];
        if (c->sp - f->height <= i) {
            if (f->unreachable) return true;
            INVALID("type mismatch: expected %u values for the branch, found %u", n,
                    c->sp - f->height);
        }
        valtype have = c->stack[c->sp - 1 - i].type;
        if (have != VT_ANY && have != want)
            INVALID("type mismatch: branch expects %s, found %s", vt_name(want), vt_name(have));
    }
    return true;
}

/* Moves the results of the function, the top n stack entries, to slots 0..n-1 and returns. */
static void emit_return(compiler *c) {
    if (!c->emitting) return;
    uint32_t n = c->ctrl[0].nresults;
    uint32_t first = c->sp - n;
    bool hazard = false; /* a source that an earlier move would overwrite */
    for (uint32_t k = 0; k < n; k++) {
        const ventry *e = &c->stack[first + k];
        uint32_t src = e->kind == K_LOCAL ? e->local : e->kind == K_TEMP ? c->nlocals + e->h : NONE;
        if (src < k) hazard = true;
    }
    if (hazard) {
        /* Copy every value above the stack first, then down into place. */
        note_height(c, c->sp + n);
        for (uint32_t k = 0; k < n; k++) move_to(c, &c->stack[first + k], slot_off(c, c->sp + k));
        for (uint32_t k = 0; k < n; k++) emit_mov(c, local_off(k), slot_off(c, c->sp + k));
    } else if (c->fuse && n == 1 && c->stack[first].kind != K_CONST) {
        /* One result, already in some slot: move it and return in one instruction. */
        const ventry *e = &c->stack[first];
        uint32_t src = e->kind == K_LOCAL ? local_off(e->local) : slot_off(c, e->h);
        if (src != 0) {
            emit_op(c, IOP_ret1);
            emit(c, src);
            return;
        }
    } else {
        for (uint32_t k = 0; k < n; k++) move_to(c, &c->stack[first + k], local_off(k));
    }
    emit_op(c, IOP_ret);
}

/* Moves the top label-arity values into the home slots of target's label values. */
static void emit_label_moves(compiler *c, const cframe *target) {
    uint32_t n = label_arity(target);
    for (uint32_t i = 0; i < n; i++)
        move_to(c, &c->stack[c->sp - n + i], slot_off(c, target->height + i));
}

static bool label_moves_needed(const compiler *c, const cframe *target) {
    uint32_t n = label_arity(target);
    for (uint32_t i = 0; i < n; i++) {
        const ventry *e = &c->stack[c->sp - n + i];
        if (e->kind != K_TEMP || e->h != target->height + i) return true;
    }
    return false;
}

/* Unconditional jump to target with the label values already in place. */
static void emit_jump(compiler *c, cframe *target) {
    if (target->kind == F_FUNC) {
        emit_return(c);
    } else if (target->kind == F_LOOP) {
        emit_op(c, IOP_br);
        emit_rel(c, target->label);
    } else {
        emit_op(c, IOP_br);
        emit_patch(c, &target->patches);
    }
}

/* Emits a conditional branch on cond (taken when cond is nonzero if when_true, else when it is
 * zero), all but its offset word, which the caller adds. A comparison that was the instruction
 * just emitted and produced cond is folded into the branch instead of materialising a boolean. */
static void emit_cond(compiler *c, ventry *cond, bool when_true) {
    if (!c->emitting) return;
    if (c->fuse && cond->kind == K_TEMP && c->last_dst != NONE && cond->id == c->last_dst_id) {
        uint32_t pos = c->last_op_pos, op = c->code[pos];
        uint32_t words[3];
        uint32_t n = 0, fused = 0;
        if (fused_form[op]) {
            uint32_t cmp = when_true ? op : inverse_form[op];
            fused = fused_form[cmp];
            bool wide = (op >= IOP_i64_eq && op <= IOP_i64_ge_u_ri);
            bool ri = ri_form[op] == 0; /* the _ri forms have no further _ri form */
            n = 2 + (ri && wide ? 1 : 0);
            for (uint32_t i = 0; i < n; i++) words[i] = c->code[pos + 2 + i];
        } else if (op == IOP_i32_eqz || op == IOP_i64_eqz) {
            bool wide = op == IOP_i64_eqz;
            fused = wide ? (when_true ? IOP_br_i64_eq_ri : IOP_br_i64_ne_ri)
                         : (when_true ? IOP_br_i32_eq_ri : IOP_br_i32_ne_ri);
            words[0] = c->code[pos + 2];
            words[1] = words[2] = 0;
            n = wide ? 3 : 2;
        }
        if (fused) {
            drop_last(c); /* the branch computes the comparison itself */
            emit_op(c, fused);
            for (uint32_t i = 0; i < n; i++) emit(c, words[i]);
            return;
        }
    }
    uint32_t off = operand(c, cond);
    emit_op(c, when_true ? IOP_br_if : IOP_br_unless);
    emit(c, off);
}

static bool read_label(compiler *c, cframe **out) {
    uint32_t depth;
    if (!rd_u32(c->r, &depth)) return false;
    if (depth >= c->nctrl) INVALID("unknown label %u", depth);
    *out = &c->ctrl[c->nctrl - 1 - depth];
    return true;
}

static bool op_br(compiler *c) {
    cframe *t;
    if (!read_label(c, &t)) return false;
    if (!check_top(c, label_types(t), label_arity(t))) return false;
    if (c->emitting && t->kind != F_FUNC) emit_label_moves(c, t);
    emit_jump(c, t);
    set_unreachable(c);
    return true;
}

static bool op_br_if(compiler *c) {
    cframe *t;
    ventry cond;
    if (!read_label(c, &t)) return false;
    if (!pop(c, VT_I32, &cond)) return false;
    uint32_t n = label_arity(t);
    const valtype *types = label_types(t);
    /* Pop the label values with their types, then push them back as the label's types. */
    if (n > c->tmp_cap) {
        ventry *tmp = realloc(c->tmp, n * sizeof *tmp);
        if (!tmp) {
            c->oom = true;
            return false;
        }
        c->tmp = tmp;
        c->tmp_cap = n;
    }
    for (uint32_t i = n; i-- > 0;)
        if (!pop(c, types[i], &c->tmp[i])) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!push_entry(c, c->tmp[i])) return false;
    if (!c->emitting) return true;
    if (t->kind == F_FUNC || label_moves_needed(c, t)) {
        uint32_t skip = NONE;
        emit_cond(c, &cond, false);
        emit_patch(c, &skip);
        if (t->kind != F_FUNC) emit_label_moves(c, t);
        emit_jump(c, t);
        patch_to(c, skip, (uint32_t)c->len);
    } else {
        emit_cond(c, &cond, true);
        if (t->kind == F_LOOP)
            emit_rel(c, t->label);
        else
            emit_patch(c, &t->patches);
    }
    return true;
}

static bool op_br_table(compiler *c) {
    uint32_t n;
    if (!rd_u32(c->r, &n)) return false;
    if (n > WEFT_MAX_BR_TABLE)
        FAIL(WEFT_ERR_LIMIT, "br_table has too many targets (%u, limit %u)", n, WEFT_MAX_BR_TABLE);
    ventry idx;
    /* Read the targets first, into a temporary array of depths. */
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths) {
        c->oom = true;
        return false;
    }
    bool ok = false;
    for (uint32_t i = 0; i <= n; i++) {
        if (!rd_u32(c->r, &depths[i])) goto done;
        if (depths[i] >= c->nctrl) {
            fail_in(c, WEFT_ERR_INVALID, "unknown label %u", depths[i]);
            goto done;
        }
    }
    if (!pop(c, VT_I32, &idx)) goto done;
    cframe *def = &c->ctrl[c->nctrl - 1 - depths[n]];
    uint32_t arity = label_arity(def);
    for (uint32_t i = 0; i <= n; i++) {
        cframe *t = &c->ctrl[c->nctrl - 1 - depths[i]];
        if (label_arity(t) != arity) {
            fail_in(c, WEFT_ERR_INVALID, "type mismatch: br_table targets differ in arity");
            goto done;
        }
        if (!check_top(c, label_types(t), arity)) goto done;
    }
    if (c->emitting) {
        uint32_t idx_off = operand(c, &idx);
        emit_op(c, IOP_br_table);
        emit(c, idx_off);
        emit(c, n);
        size_t table = c->len;
        for (uint32_t i = 0; i <= n; i++) emit(c, 0);
        /* Targets whose values are in place are jumped to directly; the others go through a
         * stub after the table that moves the values first. */
        for (uint32_t i = 0; i <= n && !c->oom; i++) {
            cframe *t = &c->ctrl[c->nctrl - 1 - depths[i]];
            uint32_t word = (uint32_t)(table + i);
            if (t->kind != F_FUNC && !label_moves_needed(c, t)) {
                if (t->kind == F_LOOP) {
                    c->code[word] = (uint32_t)((int64_t)t->label - (int64_t)word);
                } else {
                    c->code[word] = t->patches;
                    t->patches = word;
                }
            } else {
                c->code[word] = (uint32_t)((int64_t)c->len - (int64_t)word);
                mark_label(c);
                if (t->kind != F_FUNC) emit_label_moves(c, t);
                emit_jump(c, t);
            }
        }
    }
    set_unreachable(c);
    ok = true;
done:
    free(depths);
    return ok;
}

/* Reads a block type: empty, one value type, or a function type index. */
static bool read_blocktype(compiler *c, uint32_t *np, const valtype **params, uint32_t *nr,
                           const valtype **results) {
    reader *r = c->r;
    if (rd_eof(r)) MALFORMED("unexpected end");
    uint8_t b = *r->p;
    *np = 0;
    *params = NULL;
    if (b == 0x40) {
        r->p++;
        *nr = 0;
        *results = NULL;
        return true;
    }
    if (b == VT_V128) FAIL(WEFT_ERR_UNSUPPORTED, "SIMD not supported (v128 block type)");
    if (single_type[b]) {
        r->p++;
        *nr = 1;
        *results = &single_type[b];
        return true;
    }
    int64_t idx;
    if (!rd_sleb(r, 33, &idx)) return false;
    if (idx < 0) MALFORMED("malformed block type");
    if ((uint64_t)idx >= c->m->ntypes) INVALID("unknown type %lld", (long long)idx);
    const functype *t = &c->m->types[idx];
    *np = t->nparams;
    *params = ft_params(t);
    *nr = t->nresults;
    *results = ft_results(t);
    return true;
}

static bool op_block(compiler *c, uint8_t kind) {
    uint32_t np, nr;
    const valtype *params, *results;
    if (!read_blocktype(c, &np, &params, &nr, &results)) return false;
    ventry cond = {0};
    if (kind == F_IF) {
        if (!pop(c, VT_I32, &cond)) return false;
    }
    if (!check_top(c, params, np)) return false;
    cframe *f = top(c);
    if (c->sp - f->height < np) {
        /* Parameters taken from the polymorphic stack of dead code: make them real entries. */
        uint32_t have = c->sp - f->height;
        uint32_t missing = np - have;
        if (!reserve_stack(c, missing)) return false;
        memmove(&c->stack[f->height + missing], &c->stack[f->height], have * sizeof(ventry));
        for (uint32_t i = 0; i < missing; i++)
            c->stack[f->height + i] = (ventry){.type = params[i], .kind = K_TEMP};
        c->sp += missing;
        for (uint32_t i = f->height; i < c->sp; i++) c->stack[i].h = i;
        note_height(c, c->sp);
    }
    /* Every path into and out of a block sees all values in their home slots. */
    materialize_from(c, 0);
    if (!push_frame(c, kind, np, params, nr, results)) return false;
    f = top(c);
    if (kind == F_IF) {
        emit_cond(c, &cond, false);
        emit_patch(c, &f->else_patch);
    }
    c->last_dst = NONE;
    if (kind == F_LOOP) {
        f->label = (uint32_t)c->len;
        mark_label(c);
        fuel_begin(c);
        if (c->cfg.interruptible) emit_op(c, IOP_check);
    }
    return true;
}

/* At else or end: the block's results must be exactly what is on the stack. */
static bool check_results(compiler *c, cframe *f) {
    for (uint32_t i = f->nresults; i-- > 0;) {
        ventry e;
        if (!pop(c, f->results[i], &e)) return false;
    }
    if (c->sp != f->height)
        INVALID("type mismatch: %u values left on the stack at the end of a block",
                c->sp - f->height);
    /* The popped entries are still in the array: move them home for the join. */
    if (c->emitting) {
        if (f->kind != F_FUNC)
            for (uint32_t i = 0; i < f->nresults; i++) {
                ventry *e = &c->stack[f->height + i];
                move_to(c, e, slot_off(c, f->height + i));
            }
    }
    return true;
}

static bool op_else(compiler *c) {
    cframe *f = top(c);
    if (f->kind != F_IF) MALFORMED("else without a matching if");
    if (!check_results(c, f)) return false;
    emit_op(c, IOP_br);
    emit_patch(c, &f->patches);
    c->emitting = f->emit;
    if (f->else_patch != NONE) patch_to(c, f->else_patch, (uint32_t)c->len);
    f->else_patch = NONE;
    f->kind = F_ELSE;
    f->unreachable = false;
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!push_temp(c, f->params[i], NULL)) return false;
    c->last_dst = NONE;
    fuel_begin(c);
    return true;
}

static bool same_types(const valtype *a, uint32_t na, const valtype *b, uint32_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static bool op_end(compiler *c, bool *done) {
    cframe *f = top(c);
    if (f->kind == F_IF && !same_types(f->params, f->nparams, f->results, f->nresults))
        INVALID("type mismatch: if without else must leave its parameters as results");
    if (f->kind == F_FUNC) {
        if (!check_results(c, f)) return false;
        c->sp += f->nresults; /* the results are still in the array: return them */
        if (c->emitting) emit_return(c);
        c->sp -= f->nresults;
        c->nctrl--;
        *done = true;
        return true;
    }
    if (!check_results(c, f)) return false;
    bool live = f->emit;
    c->emitting = live;
    uint32_t here = (uint32_t)c->len;
    if (live) {
        patch_to(c, f->patches, here);
        if (f->else_patch != NONE) patch_to(c, f->else_patch, here);
    }
    uint32_t nr = f->nresults;
    const valtype *results = f->results;
    c->nctrl--;
    c->emitting = live && !top(c)->unreachable;
    for (uint32_t i = 0; i < nr; i++)
        if (!push_temp(c, results[i], NULL)) return false;
    c->last_dst = NONE;
    fuel_begin(c);
    return true;
}

/* ---- calls -------------------------------------------------------------------------------- */

/* Pops the arguments of type t into their home slots; returns the height of the first. */
static bool pop_args(compiler *c, const functype *t, uint32_t *base) {
    const valtype *params = ft_params(t);
    for (uint32_t i = t->nparams; i-- > 0;) {
        ventry e;
        if (!pop(c, params[i], &e)) return false;
    }
    *base = c->sp;
    if (c->emitting)
        for (uint32_t i = 0; i < t->nparams; i++) {
            ventry *e = &c->stack[c->sp + i];
            if (e->kind != K_TEMP) move_to(c, e, slot_off(c, c->sp + i));
        }
    return true;
}

static bool push_results(compiler *c, const functype *t) {
    const valtype *res = ft_results(t);
    for (uint32_t i = 0; i < t->nresults; i++)
        if (!push_temp(c, res[i], NULL)) return false;
    return true;
}

static bool op_call(compiler *c) {
    uint32_t fidx, base;
    if (!rd_u32(c->r, &fidx)) return false;
    if (fidx >= c->m->nfuncs) INVALID("unknown function %u", fidx);
    const functype *t = &c->m->types[c->m->funcs[fidx].type];
    if (!pop_args(c, t, &base)) return false;
    emit_op(c, IOP_call);
    emit(c, fidx);
    emit(c, slot_off(c, base));
    /* The callee's frame starts at the arguments and may use more slots than this frame has,
     * which the interpreter checks against the stack's end. */
    note_height(c, base + t->nparams);
    return push_results(c, t);
}

static bool op_call_indirect(compiler *c) {
    uint32_t tidx, table, base;
    if (!rd_u32(c->r, &tidx) || !rd_u32(c->r, &table)) return false;
    if (tidx >= c->m->ntypes) INVALID("unknown type %u", tidx);
    if (table >= c->m->ntables) INVALID("unknown table %u", table);
    if (c->m->tables[table].reftype != VT_FUNCREF)
        INVALID("type mismatch: call_indirect through a table of externref");
    const functype *t = &c->m->types[tidx];
    ventry idx;
    if (!pop(c, VT_I32, &idx)) return false;
    uint32_t idx_off = operand(c, &idx);
    if (!pop_args(c, t, &base)) return false;
    emit_op(c, IOP_call_indirect);
    emit(c, c->m->canon[tidx]);
    emit(c, table);
    emit(c, idx_off);
    emit(c, slot_off(c, base));
    return push_results(c, t);
}

/* ---- variables, memory, tables ------------------------------------------------------------ */

static bool read_local(compiler *c, uint32_t *x) {
    if (!rd_u32(c->r, x)) return false;
    if (*x >= c->nlocals) INVALID("unknown local %u", *x);
    return true;
}

static bool op_local_set(compiler *c, bool tee) {
    uint32_t x;
    ventry v;
    if (!read_local(c, &x)) return false;
    if (!pop(c, c->locals[x], &v)) return false;
    materialize_local(c, x);
    uint32_t dst = local_off(x);
    if (v.kind == K_TEMP && c->last_dst != NONE && v.id == c->last_dst_id) {
        c->code[c->last_dst] = dst; /* the producer writes the local directly */
        c->last_dst = NONE;
        /* Two i32 adds of constants in a row, both into locals (pointer and counter steps):
         * one instruction, unless a branch lands between them. */
        uint32_t p = c->prev_op_pos, q = c->last_op_pos;
        if (c->fuse && c->emitting && q == p + 4 && q + 4 == c->len && c->label_pos <= p &&
            c->code[p] == IOP_i32_add_ri && c->code[q] == IOP_i32_add_ri && c->code[p + 1] < slot_off(c, 0)) {
            c->code[p] = IOP_i32_add_ri2;
            memmove(&c->code[q], &c->code[q + 1], 3 * sizeof c->code[0]);
            c->len--;
            c->last_op_pos = p;
        }
    } else if (v.kind == K_LOCAL && v.local == x) {
        /* local.set of its own value: nothing to do */
    } else {
        move_to(c, &v, dst);
    }
    if (tee) return push_entry(c, (ventry){.type = c->locals[x], .kind = K_LOCAL, .local = x});
    return true;
}

/* Whether e is the result of the instruction emitted last (so that instruction can be folded
 * into the one consuming e: nothing else reads e, and no branch lands between them). */
static bool produced_last(const compiler *c, const ventry *e) {
    return c->emitting && e->kind == K_TEMP && c->last_dst != NONE && e->id == c->last_dst_id;
}

/* Removes the last instruction if it computed e as an i32 address (add, add with immediate,
 * add of a shifted index), copying its operand words; returns the addressing mode of the fused
 * memory instruction: 0 none, 1 _rr (2 words), 2 _ri (2 words), 3 _sh (3 words). */
static int take_address(compiler *c, const ventry *e, uint32_t words[3]) {
    if (!c->fuse || !produced_last(c, e)) return 0;
    uint32_t pos = c->last_op_pos, op = c->code[pos];
    int mode = op == IOP_i32_add ? 1 : op == IOP_i32_add_ri ? 2 : op == IOP_i32_add_shl ? 3 : 0;
    if (!mode) return 0;
    for (int i = 0; i < (mode == 3 ? 3 : 2); i++) words[i] = c->code[pos + 2 + i];
    drop_last(c);
    return mode;
}

/* Whether a constant divisor makes division or remainder safe (no trap possible). */
static bool safe_divisor(enum iop op, valtype t, uint64_t bits) {
    bool is_signed = op == IOP_i32_div_s || op == IOP_i32_rem_s || op == IOP_i64_div_s || op == IOP_i64_rem_s;
    uint64_t v = t == VT_I32 ? (uint32_t)bits : bits;
    uint64_t minus_one = t == VT_I32 ? 0xFFFFFFFFu : UINT64_MAX;
    return v != 0 && !(is_signed && v == minus_one);
}

static bool op_numeric(compiler *c, enum iop op, valtype in1, valtype in2, valtype out) {
    ventry a, b;
    uint32_t oa, ob = 0, dst;
    if (in2 != VT_NO && !pop(c, in2, &b)) return false;
    if (!pop(c, in1, &a)) return false;
    if (in2 != VT_NO && c->fuse) {
        /* A constant operand becomes an immediate: on the right as it is, on the left if the
         * operation can swap its operands. */
        enum iop ri = 0;
        ventry *x = &a, *k = NULL;
        if (b.kind == K_CONST) {
            ri = ri_form[op];
            if (!ri && divc_form[op] && safe_divisor(op, in2, b.bits)) ri = divc_form[op];
            k = &b;
        } else if (a.kind == K_CONST && swap_form[op]) {
            ri = ri_form[swap_form[op]];
            x = &b, k = &a;
        }
        /* x + 0, x | 0, x ^ 0, x - 0, x << 0, x >> 0, x * 1, x & -1: just x. */
        if (ri && (in2 == VT_I32 || in2 == VT_I64) && x->type == out &&
            (x->kind != K_TEMP || x->h == c->sp)) { /* a temporary must stay in its home slot */
            uint64_t v = in2 == VT_I32 ? (uint32_t)k->bits : k->bits;
            uint64_t ones = in2 == VT_I32 ? 0xFFFFFFFFu : UINT64_MAX;
            enum iop base = k == &b ? op : swap_form[op];
            bool zero_id = base == IOP_i32_add || base == IOP_i32_or || base == IOP_i32_xor ||
                           base == IOP_i32_sub || base == IOP_i32_shl || base == IOP_i32_shr_u ||
                           base == IOP_i32_shr_s || base == IOP_i64_add || base == IOP_i64_or ||
                           base == IOP_i64_xor || base == IOP_i64_sub || base == IOP_i64_shl ||
                           base == IOP_i64_shr_u || base == IOP_i64_shr_s;
            bool shift = base == IOP_i32_shl || base == IOP_i32_shr_u || base == IOP_i32_shr_s ||
                         base == IOP_i64_shl || base == IOP_i64_shr_u || base == IOP_i64_shr_s;
            uint64_t mask = in2 == VT_I32 ? 31 : 63;
            if ((zero_id && (shift ? (v & mask) == 0 : v == 0)) ||
                ((base == IOP_i32_mul || base == IOP_i64_mul) && v == 1) ||
                ((base == IOP_i32_and || base == IOP_i64_and) && v == ones)) {
                ventry keep = *x;
                return push_entry(c, keep);
            }
        }
        if (ri) {
            oa = operand(c, x);
            if (!push_temp(c, out, &dst)) return false;
            emit_op(c, ri);
            uint32_t pos = (uint32_t)c->len;
            emit(c, dst);
            emit(c, oa);
            emit_imm(c, in2, k->bits);
            note_dst(c, pos);
            return true;
        }
    }
    oa = operand(c, &a);
    if (in2 != VT_NO) ob = operand(c, &b);
    /* a op shift(b, k): hash mixing, and base + (index << k), the address of an array element
     * (which a following load or store folds in turn). */
    enum iop sform;
    if (c->fuse && in2 == VT_I32 && (produced_last(c, &a) || produced_last(c, &b)) &&
        (sform = shifted_form(op, c->code[c->last_op_pos]))) {
        uint32_t pos = c->last_op_pos, index = c->code[pos + 2], k = c->code[pos + 3];
        uint32_t base = produced_last(c, &b) ? oa : ob;
        drop_last(c);
        if (!push_temp(c, out, &dst)) return false;
        emit_op(c, sform);
        uint32_t at = (uint32_t)c->len;
        emit(c, dst);
        emit(c, base);
        emit(c, index);
        emit(c, k);
        note_dst(c, at);
        return true;
    }
    /* x + a * b and x - a * b in one instruction, each step still rounded on its own. */
    bool fadd = op == IOP_f64_add || op == IOP_f32_add, fsub = op == IOP_f64_sub || op == IOP_f32_sub;
    enum iop mul = op == IOP_f64_add || op == IOP_f64_sub ? IOP_f64_mul : IOP_f32_mul;
    if (c->fuse && (fadd || fsub) && (produced_last(c, &b) || (fadd && produced_last(c, &a))) &&
        c->code[c->last_op_pos] == mul) {
        uint32_t pos = c->last_op_pos, ma = c->code[pos + 2], mb = c->code[pos + 3];
        uint32_t x = produced_last(c, &b) ? oa : ob;
        drop_last(c);
        if (!push_temp(c, out, &dst)) return false;
        emit_op(c, fadd ? (mul == IOP_f64_mul ? IOP_f64_madd : IOP_f32_madd)
                        : (mul == IOP_f64_mul ? IOP_f64_msub : IOP_f32_msub));
        uint32_t at = (uint32_t)c->len;
        emit(c, dst);
        emit(c, x);
        emit(c, ma);
        emit(c, mb);
        note_dst(c, at);
        return true;
    }
    if (!push_temp(c, out, &dst)) return false;
    emit_op(c, op);
    uint32_t pos = (uint32_t)c->len;
    emit(c, dst);
    emit(c, oa);
    if (in2 != VT_NO) emit(c, ob);
    note_dst(c, pos);
    return true;
}

static bool read_memarg(compiler *c, unsigned bytes, uint32_t *offset) {
    uint32_t align;
    if (!rd_u32(c->r, &align) || !rd_u32(c->r, offset)) return false;
    if (c->m->nmems == 0) INVALID("unknown memory 0");
    if (align >= 32 || (1u << align) > bytes)
        INVALID("alignment must not be larger than natural (2^%u > %u bytes)", align, bytes);
    return true;
}

static bool op_load(compiler *c, enum iop op, valtype t, unsigned bytes) {
    uint32_t offset, dst;
    ventry addr;
    if (!read_memarg(c, bytes, &offset)) return false;
    if (!pop(c, VT_I32, &addr)) return false;
    uint32_t words[3];
    int mode = take_address(c, &addr, words);
    uint32_t oa = mode ? 0 : operand(c, &addr);
    if (!push_temp(c, t, &dst)) return false;
    emit_op(c, op + (enum iop)mode); /* the fused forms follow each load in the opcode space */
    uint32_t pos = (uint32_t)c->len;
    emit(c, dst);
    if (mode) {
        for (int i = 0; i < (mode == 3 ? 3 : 2); i++) emit(c, words[i]);
    } else {
        emit(c, oa);
    }
    emit(c, offset);
    note_dst(c, pos);
    return true;
}

/* The fused "compute and store" forms, by producer and store. */
static enum iop value_store_form(uint32_t producer, enum iop store) {
    static const struct {
        uint16_t producer, store, form;
    } rows[] = {
#define VSTORE_ROW(name, p, s, n) {IOP_##p, IOP_##s, IOP_##name},
        VALUE_STORE_OPS(VSTORE_ROW)
#undef VSTORE_ROW
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].producer == producer && rows[i].store == store) return (enum iop)rows[i].form;
    return 0;
}

static bool op_store(compiler *c, enum iop op, valtype t, unsigned bytes) {
    uint32_t offset;
    ventry addr, val;
    if (!read_memarg(c, bytes, &offset)) return false;
    if (!pop(c, t, &val) || !pop(c, VT_I32, &addr)) return false;
    /* The value was just computed, and the address needs no code: compute and store at once
     * (the producer's operands are read before anything is written). */
    enum iop vform;
    if (c->fuse && produced_last(c, &val) && addr.kind != K_CONST &&
        (vform = value_store_form(c->code[c->last_op_pos], op))) {
        uint32_t pos = c->last_op_pos, n = (uint32_t)iop_table[c->code[pos]].words - 1, w[3];
        for (uint32_t i = 0; i < n; i++) w[i] = c->code[pos + 2 + i]; /* skip its destination */
        uint32_t oa = operand(c, &addr);
        drop_last(c);
        emit_op(c, vform);
        for (uint32_t i = 0; i < n; i++) emit(c, w[i]);
        emit(c, oa);
        emit(c, offset);
        return true;
    }
    /* The address computation can be folded only when the value needs no code of its own (it
     * could otherwise land in a slot the address computation still has to read). */
    uint32_t words[3];
    int mode = val.kind == K_LOCAL ? take_address(c, &addr, words) : 0;
    uint32_t oa = mode ? 0 : operand(c, &addr), ov = operand(c, &val);
    emit_op(c, op + (enum iop)mode);
    if (mode) {
        for (int i = 0; i < (mode == 3 ? 3 : 2); i++) emit(c, words[i]);
    } else {
        emit(c, oa);
    }
    emit(c, ov);
    emit(c, offset);
    return true;
}

static bool zero_byte(compiler *c) {
    uint8_t b;
    if (!rd_byte(c->r, &b)) return false;
    if (b != 0) MALFORMED("zero byte expected");
    return true;
}

static bool need_memory(compiler *c) {
    if (c->m->nmems == 0) INVALID("unknown memory 0");
    return true;
}

static bool read_table(compiler *c, uint32_t *t) {
    if (!rd_u32(c->r, t)) return false;
    if (*t >= c->m->ntables) INVALID("unknown table %u", *t);
    return true;
}

static bool read_elem(compiler *c, uint32_t *e) {
    if (!rd_u32(c->r, e)) return false;
    if (*e >= c->m->nelems) INVALID("unknown elem segment %u", *e);
    return true;
}

static bool read_data(compiler *c, uint32_t *d) {
    if (!rd_u32(c->r, d)) return false;
    if (!c->m->has_datacount) MALFORMED("data count section required");
    if (*d >= c->m->ndatas) INVALID("unknown data segment %u", *d);
    return true;
}

/* Pops n operands of the given types (last on top) and returns their operand offsets. */
static bool pop_operands(compiler *c, uint32_t n, const valtype *types, uint32_t *offs) {
    ventry e[5];
    for (uint32_t i = n; i-- > 0;)
        if (!pop(c, types[i], &e[i])) return false;
    for (uint32_t i = 0; i < n; i++) offs[i] = operand(c, &e[i]);
    return true;
}

static void emit_words(compiler *c, enum iop op, uint32_t n, const uint32_t *w) {
    emit_op(c, op);
    for (uint32_t i = 0; i < n; i++) emit(c, w[i]);
}

/* Instructions behind the 0xFC prefix other than the saturating truncations. */
static bool op_prefixed(compiler *c, uint32_t sub) {
    weft_module *m = c->m;
    uint32_t w[6], dst;
    switch (sub) {
    case 8: { /* memory.init */
        if (!need_memory(c) || !read_data(c, &w[0]) || !zero_byte(c)) return false;
        const valtype t[3] = {VT_I32, VT_I32, VT_I32};
        if (!pop_operands(c, 3, t, &w[1])) return false;
        emit_words(c, IOP_memory_init, 4, w);
        return true;
    }
    case 9: /* data.drop */
        if (!read_data(c, &w[0])) return false;
        emit_words(c, IOP_data_drop, 1, w);
        return true;
    case 10: { /* memory.copy */
        if (!zero_byte(c) || !zero_byte(c) || !need_memory(c)) return false;
        const valtype t[3] = {VT_I32, VT_I32, VT_I32};
        if (!pop_operands(c, 3, t, w)) return false;
        emit_words(c, IOP_memory_copy, 3, w);
        return true;
    }
    case 11: { /* memory.fill */
        if (!zero_byte(c) || !need_memory(c)) return false;
        const valtype t[3] = {VT_I32, VT_I32, VT_I32};
        if (!pop_operands(c, 3, t, w)) return false;
        emit_words(c, IOP_memory_fill, 3, w);
        return true;
    }
    case 12: { /* table.init elem table */
        uint32_t e;
        if (!rd_u32(c->r, &e) || !read_table(c, &w[0])) return false;
        if (e >= c->m->nelems) INVALID("unknown elem segment %u", e);
        w[1] = e;
        if (m->elems[w[1]].reftype != m->tables[w[0]].reftype)
            INVALID("type mismatch: table.init of an element segment of another type");
        const valtype t[3] = {VT_I32, VT_I32, VT_I32};
        if (!pop_operands(c, 3, t, &w[2])) return false;
        emit_words(c, IOP_table_init, 5, w);
        return true;
    }
    case 13: /* elem.drop */
        if (!read_elem(c, &w[0])) return false;
        emit_words(c, IOP_elem_drop, 1, w);
        return true;
    case 14: { /* table.copy dst src */
        if (!read_table(c, &w[0]) || !read_table(c, &w[1])) return false;
        if (m->tables[w[0]].reftype != m->tables[w[1]].reftype)
            INVALID("type mismatch: table.copy between tables of different types");
        const valtype t[3] = {VT_I32, VT_I32, VT_I32};
        if (!pop_operands(c, 3, t, &w[2])) return false;
        emit_words(c, IOP_table_copy, 5, w);
        return true;
    }
    case 15: { /* table.grow: [t i32] -> [i32] */
        if (!read_table(c, &w[1])) return false;
        const valtype t[2] = {m->tables[w[1]].reftype, VT_I32};
        if (!pop_operands(c, 2, t, &w[2])) return false;
        if (!push_temp(c, VT_I32, &dst)) return false;
        w[0] = dst;
        emit_words(c, IOP_table_grow, 4, w);
        return true;
    }
    case 16: /* table.size */
        if (!read_table(c, &w[1])) return false;
        if (!push_temp(c, VT_I32, &dst)) return false;
        w[0] = dst;
        emit_words(c, IOP_table_size, 2, w);
        return true;
    case 17: { /* table.fill: [i32 t i32] */
        if (!read_table(c, &w[0])) return false;
        const valtype t[3] = {VT_I32, m->tables[w[0]].reftype, VT_I32};
        if (!pop_operands(c, 3, t, &w[1])) return false;
        emit_words(c, IOP_table_fill, 4, w);
        return true;
    }
    }
    MALFORMED("illegal opcode 0xfc %u", sub);
}

static bool read_reftype(compiler *c, valtype *t) {
    uint8_t b;
    if (!rd_byte(c->r, &b)) return false;
    if (b != VT_FUNCREF && b != VT_EXTERNREF) MALFORMED("malformed reference type 0x%02x", b);
    *t = b;
    return true;
}

/* ---- the instruction loop ----------------------------------------------------------------- */

static bool compile_instr(compiler *c, bool *done) {
    reader *r = c->r;
    weft_module *m = c->m;
    uint8_t b;
    c->instr_off = rd_offset(r);
    if (rd_eof(r)) MALFORMED("unexpected end of section or function (END opcode expected)");
    b = *r->p++;
    if (c->fuel_pos != NONE && c->emitting) c->code[c->fuel_pos]++;
    uint32_t op = b;
    if (b == 0xFC) {
        uint32_t sub;
        if (!rd_u32(r, &sub)) return false;
        if (sub > 0xFF) MALFORMED("illegal opcode 0xfc %u", sub);
        op = 0xFC00 | sub;
    } else if (b == 0xFD) {
        FAIL(WEFT_ERR_UNSUPPORTED, "SIMD not supported (opcode prefix 0xfd)");
    }

    switch (op) {
#define CASE_PURE(opc, name, in1, in2, out, rd, wr, expr)                                       \
    case opc: return op_numeric(c, IOP_##name, VT_##in1, VT_##in2, VT_##out);
        WASM_PURE_OPS(CASE_PURE)
#undef CASE_PURE
#define CASE_TRAP(opc, name, in1, in2, out)                                                     \
    case opc: return op_numeric(c, IOP_##name, VT_##in1, VT_##in2, VT_##out);
        WASM_TRAPPING_OPS(CASE_TRAP)
#undef CASE_TRAP
#define CASE_RETYPE(opc, name, in, out)                                                         \
    case opc: {                                                                                 \
        ventry e;                                                                               \
        if (!pop(c, VT_##in, &e)) return false;                                                 \
        e.type = VT_##out;                                                                      \
        uint32_t id = e.id;                                                                     \
        if (!push_entry(c, e)) return false;                                                    \
        c->stack[c->sp - 1].id = id;                                                            \
        return true;                                                                            \
    }
        WASM_RETYPE_OPS(CASE_RETYPE)
#undef CASE_RETYPE
#define CASE_LOAD(opc, name, type, bytes, wr, expr)                                             \
    case opc: return op_load(c, IOP_##name, VT_##type, bytes);
        WASM_LOAD_OPS(CASE_LOAD)
#undef CASE_LOAD
#define CASE_STORE(opc, name, type, bytes, rd)                                                  \
    case opc: return op_store(c, IOP_##name, VT_##type, bytes);
        WASM_STORE_OPS(CASE_STORE)
#undef CASE_STORE

    case 0x00: /* unreachable */
        emit_op(c, IOP_unreachable);
        set_unreachable(c);
        return true;
    case 0x01: return true; /* nop */
    case 0x02: return op_block(c, F_BLOCK);
    case 0x03: return op_block(c, F_LOOP);
    case 0x04: return op_block(c, F_IF);
    case 0x05: return op_else(c);
    case 0x0B: return op_end(c, done);
    case 0x0C: return op_br(c);
    case 0x0D: return op_br_if(c);
    case 0x0E: return op_br_table(c);
    case 0x0F: /* return */
        if (!check_top(c, c->ctrl[0].results, c->ctrl[0].nresults)) return false;
        if (c->emitting) emit_return(c);
        set_unreachable(c);
        return true;
    case 0x10: return op_call(c);
    case 0x11: return op_call_indirect(c);
    case 0x1A: { /* drop */
        ventry e;
        return pop(c, VT_ANY, &e);
    }
    case 0x1B:   /* select */
    case 0x1C: { /* select t */
        valtype t = VT_ANY;
        if (op == 0x1C) {
            uint32_t n;
            if (!rd_u32(r, &n)) return false;
            if (n != 1) INVALID("invalid result arity %u for select", n);
            if (!rd_byte(r, &t)) return false;
            if (t == VT_V128) FAIL(WEFT_ERR_UNSUPPORTED, "SIMD not supported (v128 select)");
            if (!single_type[t]) MALFORMED("malformed value type 0x%02x", t);
        }
        ventry cond, a, bv;
        if (!pop(c, VT_I32, &cond) || !pop(c, t, &bv) || !pop(c, t, &a)) return false;
        if (op == 0x1B) {
            if (a.type != VT_ANY && bv.type != VT_ANY && a.type != bv.type)
                INVALID("type mismatch: select of %s and %s", vt_name(a.type), vt_name(bv.type));
            t = a.type != VT_ANY ? a.type : bv.type;
            if (vt_is_ref(t)) INVALID("type mismatch: select without a type on references");
        }
        uint32_t oa = operand(c, &a), ob = operand(c, &bv), oc = operand(c, &cond), dst;
        if (!push_temp(c, t, &dst)) return false;
        emit_op(c, IOP_select);
        uint32_t pos = (uint32_t)c->len;
        emit(c, dst);
        emit(c, oa);
        emit(c, ob);
        emit(c, oc);
        note_dst(c, pos);
        return true;
    }
    case 0x20: { /* local.get */
        uint32_t x;
        if (!read_local(c, &x)) return false;
        return push_entry(c, (ventry){.type = c->locals[x], .kind = K_LOCAL, .local = x});
    }
    case 0x21: return op_local_set(c, false);
    case 0x22: return op_local_set(c, true);
    case 0x23: { /* global.get */
        uint32_t g, dst;
        if (!rd_u32(r, &g)) return false;
        if (g >= m->nglobals) INVALID("unknown global %u", g);
        if (!push_temp(c, m->globals[g].type, &dst)) return false;
        emit_op(c, IOP_global_get);
        uint32_t pos = (uint32_t)c->len;
        emit(c, dst);
        emit(c, g);
        note_dst(c, pos);
        return true;
    }
    case 0x24: { /* global.set */
        uint32_t g;
        ventry v;
        if (!rd_u32(r, &g)) return false;
        if (g >= m->nglobals) INVALID("unknown global %u", g);
        if (!m->globals[g].mut) INVALID("global is immutable (global %u)", g);
        if (!pop(c, m->globals[g].type, &v)) return false;
        uint32_t ov = operand(c, &v);
        emit_op(c, IOP_global_set);
        emit(c, g);
        emit(c, ov);
        return true;
    }
    case 0x25: { /* table.get */
        uint32_t t, dst;
        ventry i;
        if (!read_table(c, &t) || !pop(c, VT_I32, &i)) return false;
        uint32_t oi = operand(c, &i);
        if (!push_temp(c, m->tables[t].reftype, &dst)) return false;
        emit_op(c, IOP_table_get);
        emit(c, dst);
        emit(c, t);
        emit(c, oi);
        return true;
    }
    case 0x26: { /* table.set */
        uint32_t t, w[2];
        if (!read_table(c, &t)) return false;
        const valtype types[2] = {VT_I32, m->tables[t].reftype};
        if (!pop_operands(c, 2, types, w)) return false;
        emit_op(c, IOP_table_set);
        emit(c, t);
        emit(c, w[0]);
        emit(c, w[1]);
        return true;
    }
    case 0x3F: { /* memory.size */
        uint32_t dst;
        if (!zero_byte(c) || !need_memory(c)) return false;
        if (!push_temp(c, VT_I32, &dst)) return false;
        emit_op(c, IOP_memory_size);
        emit(c, dst);
        return true;
    }
    case 0x40: { /* memory.grow */
        uint32_t dst;
        ventry d;
        if (!zero_byte(c) || !need_memory(c) || !pop(c, VT_I32, &d)) return false;
        uint32_t od = operand(c, &d);
        if (!push_temp(c, VT_I32, &dst)) return false;
        emit_op(c, IOP_memory_grow);
        emit(c, dst);
        emit(c, od);
        return true;
    }
    case 0x41: { /* i32.const */
        int32_t v;
        if (!rd_s32(r, &v)) return false;
        return push_entry(c, (ventry){.type = VT_I32, .kind = K_CONST, .bits = (uint32_t)v});
    }
    case 0x42: { /* i64.const */
        int64_t v;
        if (!rd_s64(r, &v)) return false;
        return push_entry(c, (ventry){.type = VT_I64, .kind = K_CONST, .bits = (uint64_t)v});
    }
    case 0x43: { /* f32.const */
        uint32_t v;
        if (!rd_fixed32(r, &v)) return false;
        return push_entry(c, (ventry){.type = VT_F32, .kind = K_CONST, .bits = v});
    }
    case 0x44: { /* f64.const */
        uint64_t v;
        if (!rd_fixed64(r, &v)) return false;
        return push_entry(c, (ventry){.type = VT_F64, .kind = K_CONST, .bits = v});
    }
    case 0xD0: { /* ref.null t */
        valtype t;
        if (!read_reftype(c, &t)) return false;
        return push_entry(c, (ventry){.type = t, .kind = K_CONST, .bits = 0});
    }
    case 0xD1: { /* ref.is_null */
        ventry v;
        uint32_t dst;
        if (!pop(c, VT_ANY, &v)) return false;
        if (v.type != VT_ANY && !vt_is_ref(v.type))
            INVALID("type mismatch: ref.is_null of %s", vt_name(v.type));
        uint32_t ov = operand(c, &v);
        if (!push_temp(c, VT_I32, &dst)) return false;
        emit_op(c, IOP_ref_is_null);
        uint32_t pos = (uint32_t)c->len;
        emit(c, dst);
        emit(c, ov);
        note_dst(c, pos);
        return true;
    }
    case 0xD2: { /* ref.func */
        uint32_t f, dst;
        if (!rd_u32(r, &f)) return false;
        if (f >= m->nfuncs) INVALID("unknown function %u", f);
        if (!(m->func_declared[f / 8] & (1u << (f % 8))))
            INVALID("undeclared function reference %u", f);
        if (!push_temp(c, VT_FUNCREF, &dst)) return false;
        emit_op(c, IOP_ref_func);
        emit(c, dst);
        emit(c, f);
        return true;
    }
    }
    if (op >= 0xFC00) return op_prefixed(c, op & 0xFF);
    MALFORMED("illegal opcode 0x%02x", b);
}

/* ---- functions ---------------------------------------------------------------------------- */

static bool read_locals(compiler *c, const functype *t) {
    reader *r = c->r;
    uint32_t ngroups;
    uint64_t total = t->nparams;
    if (!rd_u32(r, &ngroups)) return false;
    /* First pass: count, so a huge declaration is refused before anything is allocated. */
    const uint8_t *start = r->p;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t ty;
        if (!rd_u32(r, &n) || !rd_byte(r, &ty)) return false;
        total += n;
        if (total > WEFT_MAX_LOCALS) MALFORMED("too many locals (more than %u)", WEFT_MAX_LOCALS);
    }
    if (total > c->locals_cap) {
        valtype *l = realloc(c->locals, total);
        if (!l) {
            c->oom = true;
            return false;
        }
        c->locals = l;
        c->locals_cap = (uint32_t)total;
    }
    if (t->nparams) memcpy(c->locals, ft_params(t), t->nparams); /* locals is non-NULL here */
    uint32_t k = t->nparams;
    r->p = start;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n = 0;
        uint8_t ty = 0;
        (void)rd_u32(r, &n); /* both read successfully in the first pass */
        (void)rd_byte(r, &ty);
        if (ty == VT_V128) FAIL(WEFT_ERR_UNSUPPORTED, "SIMD not supported (v128 local)");
        if (!single_type[ty]) MALFORMED("malformed value type 0x%02x", ty);
        if (n) memset(c->locals + k, ty, n);
        k += n;
    }
    c->nlocals = k;
    return true;
}

compiler *compiler_new(weft_module *m, const weft_engine_config *cfg) {
    compiler *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->m = m;
    c->cfg = *cfg;
#ifdef WEFT_NO_FUSION
    c->fuse = false;
#else
    c->fuse = !cfg->disable_fusion;
#endif
    return c;
}

void compiler_free(compiler *c) {
    if (!c) return;
    free(c->locals);
    free(c->stack);
    free(c->ctrl);
    free(c->tmp);
    free(c->code);
    free(c);
}

void compiler_finish(compiler *c) {
    c->m->code = c->code;
    c->m->code_len = c->len;
    c->code = NULL;
    c->len = c->cap = 0;
}

bool compiler_function(compiler *c, uint32_t fidx, reader *body) {
    func_decl *fd = &c->m->funcs[fidx];
    const functype *t = &c->m->types[fd->type];
    c->r = body;
    c->fidx = fidx;
    c->sp = c->max_h = c->nlazy = 0;
    c->nctrl = 0;
    c->emitting = true;
    c->last_dst = NONE;
    c->fuel_pos = NONE;
    c->instr_off = rd_offset(body);
    if (!read_locals(c, t)) goto fail;
    fd->code_off = (uint32_t)c->len;
    fd->param_slots = t->nparams;
    fd->local_slots = c->nlocals - t->nparams;
    if (!push_frame(c, F_FUNC, 0, NULL, t->nresults, ft_results(t))) goto fail;
    fuel_begin(c);
    if (c->cfg.interruptible) emit_op(c, IOP_check);
    bool done = false;
    while (!done) {
        if (!compile_instr(c, &done)) goto fail;
        if (c->oom) goto fail;
    }
    if (!rd_eof(body)) {
        (void)rd_malformed(body, "section size mismatch: bytes after the end of function %u", fidx);
        goto fail;
    }
    if (c->len >= (size_t)INT32_MAX) {
        (void)rd_fail(body, WEFT_ERR_LIMIT, "module too large: compiled code exceeds 8 GiB");
        goto fail;
    }
    fd->code_len = (uint32_t)(c->len - fd->code_off);
    uint64_t slots = (uint64_t)c->nlocals + c->max_h;
    if (slots < t->nresults) slots = t->nresults;
    if (slots > WEFT_MAX_FRAME_SLOTS) {
        (void)rd_fail(body, WEFT_ERR_LIMIT, "function frame too large (%llu slots) in function %u",
                (unsigned long long)slots, fidx);
        goto fail;
    }
    fd->frame_slots = (uint32_t)slots;
    /* Thread the finished code: every opcode word becomes its handler's offset. */
    const int32_t *handlers = interp_handler_offsets();
    for (uint32_t pc = fd->code_off; handlers && pc < c->len;) {
        uint32_t op = c->code[pc];
        int words = op == IOP_br_table ? 2 + (int)c->code[pc + 2] + 1 : iop_table[op].words;
        c->code[pc] = (uint32_t)handlers[op];
        pc += 1 + (uint32_t)words;
    }
    return true;
fail:
    if (c->oom && !body->err->set) (void)rd_fail(body, WEFT_ERR_NOMEM, "out of memory compiling function %u", fidx);
    return false;
}
