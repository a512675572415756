/* gen_big.c: writes a large valid module for weft's load-time benchmark: many functions of
 * generated, realistic code (counted loops, blocks, if/else, br_table, direct and indirect calls,
 * locals, globals, i32/i64/f64 arithmetic, loads, stores), a table, memory, data, exports, names.
 * Never meant to run. Usage: gen_big OUT.wasm [MEGABYTES (6)] [SEED (1)]; deterministic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_writer.h"

enum { I32 = 0x7F, I64 = 0x7E, F64 = 0x7C };

#define TABLE_SIZE 1024   /* call_indirect indices are masked to this */
#define MAX_DEPTH 4       /* nesting of statements and expressions */
#define LOOP_NEST_MAX 3   /* loop counters per function */
#define ADDR_MASK 0xFFF8  /* addresses stay in the first 64 KiB (memory has 2 pages) */

/* The binary format's encodings: tests/common/wasm_writer.h. */

/* ---- signatures: a fixed set, like the handful a real program's functions share ---- */

typedef struct sig {
    uint8_t nparams, params[3];
    uint8_t nresults, result;
} sig;

static const sig sigs[] = {
    {0, {0}, 0, 0},             /* () -> () */
    {1, {I32}, 1, I32},         /* (i32) -> i32 */
    {2, {I32, I32}, 1, I32},    /* (i32, i32) -> i32 */
    {2, {I64, I32}, 1, I64},    /* (i64, i32) -> i64 */
    {2, {F64, F64}, 1, F64},    /* (f64, f64) -> f64 */
    {3, {I32, I64, F64}, 0, 0}, /* (i32, i64, f64) -> () */
    {1, {I32}, 0, 0},           /* (i32) -> () */
    {0, {0}, 1, I32},           /* () -> i32 */
};
#define NSIGS (sizeof sigs / sizeof sigs[0])

/* Globals: 0 i32, 1 i32, 2 i64, 3 f64, all mutable. */
static const uint8_t global_types[] = {I32, I32, I64, F64};

/* ---- the code generator ---- */

typedef struct gen {
    uint32_t rng;
    wbuf *code;
    int budget;              /* nodes left for this function body */
    uint8_t local_type[16];  /* params first, then declared locals */
    uint32_t nlocals;
    uint32_t loop_local[LOOP_NEST_MAX];
    int loops;               /* loops open around the current point */
    uint32_t *by_sig[NSIGS]; /* earlier functions of each signature */
    uint32_t by_sig_len[NSIGS];
} gen;

static uint32_t rnd(gen *g, uint32_t n) {
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 17;
    g->rng ^= g->rng << 5;
    return g->rng % n;
}

static void op(gen *g, uint8_t opcode) { wb_byte(g->code, opcode); }

static void memarg(gen *g, uint32_t align) {
    wb_u32(g->code, align);
    wb_u32(g->code, rnd(g, 4) == 0 ? 0 : 4 * rnd(g, 64));
}

/* A local of type t (there is always one: every function declares some of each type),
 * never a loop counter. */
static uint32_t pick_local(gen *g, uint8_t t) {
    for (;;) {
        uint32_t i = rnd(g, g->nlocals);
        if (g->local_type[i] != t) continue;
        int is_counter = 0;
        for (int k = 0; k < LOOP_NEST_MAX; k++) is_counter |= g->loop_local[k] == i;
        if (!is_counter) return i;
    }
}

/* An earlier function with signature s, or -1 if there is none yet. Prefers recent ones, as
 * real code calls its neighbours more often than anything else. */
static int64_t pick_callee(gen *g, uint32_t s) {
    uint32_t n = g->by_sig_len[s];
    if (n == 0) return -1;
    uint32_t span = n < 200 ? n : 200;
    return rnd(g, 4) ? g->by_sig[s][n - 1 - rnd(g, span)] : g->by_sig[s][rnd(g, n)];
}

static void gen_expr(gen *g, uint8_t t, int depth);
static void gen_stmts(gen *g, int depth, int count);

static void gen_leaf(gen *g, uint8_t t) {
    if (rnd(g, 3) == 0) {
        switch (t) {
        case I32: op(g, 0x41), wb_s64(g->code, (int32_t)(rnd(g, 2) ? rnd(g, 100) : g->rng)); break;
        case I64: op(g, 0x42), wb_s64(g->code, (int64_t)rnd(g, 1000) - 500); break;
        default: op(g, 0x44), wb_f64(g->code, (double)rnd(g, 1000) / 8.0); break;
        }
        return;
    }
    op(g, 0x20), wb_u32(g->code, pick_local(g, t));
}

/* Arguments for signature s, then the call itself: direct, or indirect through the table. */
static int gen_call(gen *g, uint32_t s, int depth) {
    int64_t callee = pick_callee(g, s);
    if (callee < 0) return 0;
    for (int i = 0; i < sigs[s].nparams; i++) gen_expr(g, sigs[s].params[i], depth + 1);
    if (rnd(g, 5) == 0) {
        gen_expr(g, I32, depth + 1);
        op(g, 0x41), wb_s64(g->code, TABLE_SIZE - 1), op(g, 0x71); /* i32.and */
        op(g, 0x11), wb_u32(g->code, s), wb_u32(g->code, 0);
    } else {
        op(g, 0x10), wb_u32(g->code, (uint32_t)callee);
    }
    return 1;
}

static void gen_addr(gen *g, int depth) {
    gen_expr(g, I32, depth + 1);
    op(g, 0x41), wb_s64(g->code, ADDR_MASK), op(g, 0x71);
}

static void gen_expr(gen *g, uint8_t t, int depth) {
    if (--g->budget <= 0 || depth >= MAX_DEPTH) {
        gen_leaf(g, t);
        return;
    }
    static const uint8_t i32_bin[] = {0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77};
    static const uint8_t i32_cmp[] = {0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4F};
    static const uint8_t i64_bin[] = {0x7C, 0x7D, 0x7E, 0x83, 0x84, 0x85, 0x86, 0x88, 0x8A};
    static const uint8_t f64_bin[] = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5};
    uint32_t choice = rnd(g, 12);
    switch (t) {
    case I32:
        switch (choice) {
        case 0: case 1: case 2:
            gen_expr(g, I32, depth + 1), gen_expr(g, I32, depth + 1);
            op(g, i32_bin[rnd(g, sizeof i32_bin)]);
            return;
        case 3:
            gen_expr(g, I32, depth + 1), gen_expr(g, I32, depth + 1);
            op(g, i32_cmp[rnd(g, sizeof i32_cmp)]);
            return;
        case 4: /* division by a value made odd, so never zero */
            gen_expr(g, I32, depth + 1), gen_expr(g, I32, depth + 1);
            op(g, 0x41), wb_s64(g->code, 1), op(g, 0x72), op(g, rnd(g, 2) ? 0x6E : 0x70);
            return;
        case 5: {
            static const uint8_t loads[][2] = {{0x28, 2}, {0x2D, 0}, {0x2E, 1}};
            uint32_t k = rnd(g, 3);
            gen_addr(g, depth), op(g, loads[k][0]), memarg(g, loads[k][1]);
            return;
        }
        case 6:
            if (gen_call(g, rnd(g, 2) ? 1 : (rnd(g, 2) ? 2 : 7), depth)) return;
            break;
        case 7:
            switch (rnd(g, 5)) {
            case 0: gen_expr(g, I64, depth + 1), op(g, 0xA7); return;          /* wrap */
            case 1: gen_expr(g, I64, depth + 1), gen_expr(g, I64, depth + 1), op(g, 0x53); return;
            case 2: gen_expr(g, F64, depth + 1), gen_expr(g, F64, depth + 1), op(g, 0x63); return;
            case 3: gen_expr(g, F64, depth + 1), op(g, 0xFC), wb_u32(g->code, 2); return; /* trunc_sat */
            default: gen_expr(g, I32, depth + 1), op(g, 0x45 + 0x22 * rnd(g, 2)); return; /* eqz, clz */
            }
        case 8: /* if/else with a result */
            gen_expr(g, I32, depth + 1);
            op(g, 0x04), wb_byte(g->code, I32);
            gen_expr(g, I32, depth + 1);
            op(g, 0x05);
            gen_expr(g, I32, depth + 1);
            op(g, 0x0B);
            return;
        case 9:
            gen_expr(g, I32, depth + 1), gen_expr(g, I32, depth + 1), gen_expr(g, I32, depth + 1);
            op(g, 0x1B); /* select */
            return;
        case 10:
            op(g, 0x23), wb_u32(g->code, rnd(g, 2)); /* global.get of an i32 global */
            return;
        default:
            gen_expr(g, I32, depth + 1);
            op(g, 0x22), wb_u32(g->code, pick_local(g, I32)); /* local.tee */
            return;
        }
        break;
    case I64:
        switch (choice) {
        case 0: case 1: case 2: case 3:
            gen_expr(g, I64, depth + 1), gen_expr(g, I64, depth + 1);
            op(g, i64_bin[rnd(g, sizeof i64_bin)]);
            return;
        case 4: case 5: gen_expr(g, I32, depth + 1), op(g, rnd(g, 2) ? 0xAC : 0xAD); return;
        case 6: gen_addr(g, depth), op(g, 0x29), memarg(g, 3); return;
        case 7: if (gen_call(g, 3, depth)) return; break;
        case 8: op(g, 0x23), wb_u32(g->code, 2); return;
        default: break;
        }
        break;
    default: /* F64 */
        switch (choice) {
        case 0: case 1: case 2: case 3:
            gen_expr(g, F64, depth + 1), gen_expr(g, F64, depth + 1);
            op(g, f64_bin[rnd(g, sizeof f64_bin)]);
            return;
        case 4: gen_expr(g, I32, depth + 1), op(g, 0xB7); return;
        case 5: gen_expr(g, F64, depth + 1), op(g, rnd(g, 2) ? 0x9F : 0x99); return;
        case 6: gen_addr(g, depth), op(g, 0x2B), memarg(g, 3); return;
        case 7: if (gen_call(g, 4, depth)) return; break;
        case 8: op(g, 0x23), wb_u32(g->code, 3); return;
        default: break;
        }
        break;
    }
    gen_leaf(g, t);
}

/* A counted loop: the counter is this nesting level's own local; a br_if leaves early. */
static void gen_loop(gen *g, int depth) {
    uint32_t counter = g->loop_local[g->loops];
    op(g, 0x41), wb_s64(g->code, 1 + rnd(g, 64));
    op(g, 0x21), wb_u32(g->code, counter);
    op(g, 0x02), wb_byte(g->code, 0x40); /* block */
    op(g, 0x03), wb_byte(g->code, 0x40); /* loop */
    g->loops++;
    gen_stmts(g, depth + 1, 1 + (int)rnd(g, 4));
    if (rnd(g, 3) == 0) {
        gen_expr(g, I32, depth + 1);
        op(g, 0x0D), wb_u32(g->code, 1); /* br_if to the block: break */
    }
    gen_stmts(g, depth + 1, (int)rnd(g, 2));
    g->loops--;
    op(g, 0x20), wb_u32(g->code, counter);
    op(g, 0x41), wb_s64(g->code, 1), op(g, 0x6B);
    op(g, 0x22), wb_u32(g->code, counter);
    op(g, 0x0D), wb_u32(g->code, 0); /* continue while the counter is not zero */
    op(g, 0x0B), op(g, 0x0B);
}

/* A switch: k case blocks around a br_table, each case breaking out to the end. */
static void gen_switch(gen *g, int depth) {
    uint32_t k = 2 + rnd(g, 5);
    op(g, 0x02), wb_byte(g->code, 0x40); /* the exit block */
    for (uint32_t i = 0; i < k; i++) op(g, 0x02), wb_byte(g->code, 0x40);
    gen_expr(g, I32, depth + 1);
    uint32_t labels = k + rnd(g, 4); /* beyond k, entries repeat earlier cases */
    op(g, 0x0E), wb_u32(g->code, labels);
    for (uint32_t i = 0; i < labels; i++) wb_u32(g->code, i < k ? i : rnd(g, k));
    wb_u32(g->code, k); /* default: the exit block */
    for (uint32_t i = 0; i < k; i++) {
        op(g, 0x0B); /* end of case block i: its code follows */
        gen_stmts(g, depth + 1, 1 + (int)rnd(g, 2));
        if (i + 1 < k) op(g, 0x0C), wb_u32(g->code, k - 1 - i); /* br to the exit block */
    }
    op(g, 0x0B);
}

static void gen_stmt(gen *g, int depth) {
    if (--g->budget <= 0 || depth >= MAX_DEPTH) {
        uint32_t l = pick_local(g, I32);
        gen_leaf(g, I32), op(g, 0x21), wb_u32(g->code, l);
        return;
    }
    switch (rnd(g, 12)) {
    case 0: case 1: case 2: {
        uint8_t t = rnd(g, 4) ? I32 : (rnd(g, 2) ? I64 : F64);
        uint32_t l = pick_local(g, t);
        gen_expr(g, t, depth + 1);
        op(g, 0x21), wb_u32(g->code, l);
        return;
    }
    case 3: {
        static const uint8_t stores[][3] = {{0x36, I32, 2}, {0x37, I64, 3}, {0x39, F64, 3},
                                            {0x3A, I32, 0}, {0x3B, I32, 1}};
        uint32_t k = rnd(g, 5);
        gen_addr(g, depth);
        gen_expr(g, stores[k][1], depth + 1);
        op(g, stores[k][0]), memarg(g, stores[k][2]);
        return;
    }
    case 4:
        gen_expr(g, I32, depth + 1);
        op(g, 0x04), wb_byte(g->code, 0x40);
        gen_stmts(g, depth + 1, 1 + (int)rnd(g, 3));
        if (rnd(g, 2)) op(g, 0x05), gen_stmts(g, depth + 1, 1 + (int)rnd(g, 2));
        op(g, 0x0B);
        return;
    case 5: case 6:
        if (g->loops < LOOP_NEST_MAX) {
            gen_loop(g, depth);
            return;
        }
        break;
    case 7:
        gen_switch(g, depth);
        return;
    case 8: { /* a call whose result, if any, is dropped */
        uint32_t s = rnd(g, NSIGS);
        if (gen_call(g, s, depth)) {
            if (sigs[s].nresults) op(g, 0x1A);
            return;
        }
        break;
    }
    case 9: {
        uint32_t gi = rnd(g, sizeof global_types);
        gen_expr(g, global_types[gi], depth + 1);
        op(g, 0x24), wb_u32(g->code, gi);
        return;
    }
    case 10: /* a block left early by br_if */
        op(g, 0x02), wb_byte(g->code, 0x40);
        gen_stmts(g, depth + 1, 1);
        gen_expr(g, I32, depth + 1);
        op(g, 0x0D), wb_u32(g->code, 0);
        gen_stmts(g, depth + 1, 1);
        op(g, 0x0B);
        return;
    default:
        break;
    }
    uint32_t l = pick_local(g, I32);
    gen_expr(g, I32, depth + 1);
    op(g, 0x21), wb_u32(g->code, l);
}

static void gen_stmts(gen *g, int depth, int count) {
    for (int i = 0; i < count; i++) gen_stmt(g, depth);
}

/* One function body (locals + code + end) of signature s, appended to body. */
static void gen_function(gen *g, uint32_t s, wbuf *body) {
    wbuf code = {0};
    g->code = &code;
    g->nlocals = 0;
    for (int i = 0; i < sigs[s].nparams; i++) g->local_type[g->nlocals++] = sigs[s].params[i];
    /* Declared: 3 i32 + the loop counters, 2 i64, 2 f64. */
    static const uint8_t decl_types[] = {I32, I64, F64};
    static const uint32_t decl_counts[] = {3 + LOOP_NEST_MAX, 2, 2};
    uint32_t first_counter = g->nlocals + 3;
    for (int k = 0; k < 3; k++)
        for (uint32_t i = 0; i < decl_counts[k]; i++) g->local_type[g->nlocals++] = decl_types[k];
    for (int k = 0; k < LOOP_NEST_MAX; k++) g->loop_local[k] = first_counter + (uint32_t)k;
    g->loops = 0;
    g->budget = 20 + (int)rnd(g, 160);

    wb_u32(&code, 3);
    for (int k = 0; k < 3; k++) wb_u32(&code, decl_counts[k]), wb_byte(&code, decl_types[k]);
    while (g->budget > 0) gen_stmt(g, 0);
    if (sigs[s].nresults) gen_expr(g, sigs[s].result, MAX_DEPTH - 1);
    op(g, 0x0B);

    wb_u32(body, (uint32_t)code.n);
    wb_bytes(body, code.p, code.n);
    free(code.p);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: gen_big OUT.wasm [MEGABYTES] [SEED]\n");
        return 2;
    }
    double megabytes = argc > 2 ? atof(argv[2]) : 6.0;
    gen g = {.rng = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 1u};
    if (g.rng == 0) g.rng = 1;
    size_t target = (size_t)(megabytes * 1e6);

    /* Bodies first: how many functions there are depends on when the target size is reached. */
    wbuf bodies = {0};
    uint32_t *func_sig = NULL;
    uint32_t nfuncs = 0, cap = 0;
    for (uint32_t s = 0; s < NSIGS; s++) {
        g.by_sig[s] = NULL;
        g.by_sig_len[s] = 0;
    }
    while (bodies.n < target || nfuncs < TABLE_SIZE) {
        uint32_t s = rnd(&g, NSIGS);
        gen_function(&g, s, &bodies);
        if (nfuncs == cap) {
            cap = cap ? cap * 2 : 1024;
            func_sig = realloc(func_sig, cap * sizeof *func_sig);
            for (uint32_t k = 0; k < NSIGS; k++) g.by_sig[k] = realloc(g.by_sig[k], cap * sizeof(uint32_t));
            if (!func_sig) return 1;
            for (uint32_t k = 0; k < NSIGS; k++)
                if (!g.by_sig[k]) return 1;
        }
        func_sig[nfuncs] = s;
        g.by_sig[s][g.by_sig_len[s]++] = nfuncs;
        nfuncs++;
    }

    wbuf out = {0}, sec = {0};
    wb_bytes(&out, "\0asm\1\0\0\0", 8);

    wb_u32(&sec, NSIGS); /* type */
    for (uint32_t s = 0; s < NSIGS; s++) {
        wb_byte(&sec, 0x60);
        wb_u32(&sec, sigs[s].nparams);
        for (int i = 0; i < sigs[s].nparams; i++) wb_byte(&sec, sigs[s].params[i]);
        wb_u32(&sec, sigs[s].nresults);
        if (sigs[s].nresults) wb_byte(&sec, sigs[s].result);
    }
    wb_section_copy(&out, 1, &sec), sec.n = 0;

    wb_u32(&sec, nfuncs); /* function */
    for (uint32_t i = 0; i < nfuncs; i++) wb_u32(&sec, func_sig[i]);
    wb_section_copy(&out, 3, &sec), sec.n = 0;

    wb_u32(&sec, 1), wb_byte(&sec, 0x70), wb_byte(&sec, 0x01); /* table: funcref, min = max */
    wb_u32(&sec, TABLE_SIZE), wb_u32(&sec, TABLE_SIZE);
    wb_section_copy(&out, 4, &sec), sec.n = 0;

    wb_u32(&sec, 1), wb_byte(&sec, 0x01), wb_u32(&sec, 2), wb_u32(&sec, 256); /* memory */
    wb_section_copy(&out, 5, &sec), sec.n = 0;

    wb_u32(&sec, sizeof global_types); /* global: mutable, constant initialisers */
    for (uint32_t i = 0; i < sizeof global_types; i++) {
        wb_byte(&sec, global_types[i]), wb_byte(&sec, 0x01);
        if (global_types[i] == I32) wb_byte(&sec, 0x41), wb_s64(&sec, 7 * (int64_t)i);
        else if (global_types[i] == I64) wb_byte(&sec, 0x42), wb_s64(&sec, -3);
        else wb_byte(&sec, 0x44), wb_f64(&sec, 1.5);
        wb_byte(&sec, 0x0B);
    }
    wb_section_copy(&out, 6, &sec), sec.n = 0;

    uint32_t nexports = 1 + nfuncs / 100; /* export: the memory and every 100th function */
    wb_u32(&sec, nexports);
    wb_str(&sec, "memory"), wb_byte(&sec, 0x02), wb_u32(&sec, 0);
    char name[64];
    for (uint32_t i = 0; i + 1 < nexports; i++) {
        snprintf(name, sizeof name, "export_%u", (unsigned)(i * 100));
        wb_str(&sec, name), wb_byte(&sec, 0x00), wb_u32(&sec, i * 100);
    }
    wb_section_copy(&out, 7, &sec), sec.n = 0;

    wb_u32(&sec, 1), wb_u32(&sec, 0); /* element: active, table 0, offset 0 */
    wb_byte(&sec, 0x41), wb_s64(&sec, 0), wb_byte(&sec, 0x0B);
    wb_u32(&sec, TABLE_SIZE);
    for (uint32_t i = 0; i < TABLE_SIZE; i++) wb_u32(&sec, nfuncs - TABLE_SIZE + i);
    wb_section_copy(&out, 9, &sec), sec.n = 0;

    wb_u32(&sec, nfuncs); /* code */
    wb_bytes(&sec, bodies.p, bodies.n);
    wb_section_copy(&out, 10, &sec), sec.n = 0;

    wb_u32(&sec, 1), wb_u32(&sec, 0); /* data: 4 KiB at 1024 */
    wb_byte(&sec, 0x41), wb_s64(&sec, 1024), wb_byte(&sec, 0x0B);
    wb_u32(&sec, 4096);
    for (uint32_t i = 0; i < 4096; i++) wb_byte(&sec, (uint8_t)rnd(&g, 256));
    wb_section_copy(&out, 11, &sec), sec.n = 0;

    wb_str(&sec, "name"); /* custom "name" section: function names */
    wbuf names = {0};
    wb_u32(&names, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++) {
        snprintf(name, sizeof name, "gen_func_%u", (unsigned)i);
        wb_u32(&names, i), wb_str(&names, name);
    }
    wb_byte(&sec, 1), wb_u32(&sec, (uint32_t)names.n), wb_bytes(&sec, names.p, names.n);
    wb_section_copy(&out, 0, &sec), sec.n = 0;

    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(out.p, 1, out.n, f) != out.n || fclose(f) != 0) {
        fprintf(stderr, "gen_big: cannot write %s\n", argv[1]);
        return 1;
    }
    printf("gen_big: %s: %zu bytes, %u functions, code section %zu bytes\n", argv[1], out.n,
           (unsigned)nfuncs, bodies.n);
    free(out.p), free(sec.p), free(names.p), free(bodies.p), free(func_sig);
    for (uint32_t k = 0; k < NSIGS; k++) free(g.by_sig[k]);
    return 0;
}
