/* test_fusion.c: superinstructions change no result. Every export of the generated module
 * (gen_fusion_module.py: immediates, identities, division by constants, fused compare-and-branch,
 * folded addressing with wrap-around, move chains) runs on many edge-value arguments in an
 * engine that fuses and in one that does not; results must be identical (NaNs: both NaN) and
 * traps must have the same code. A few results are also checked against values worked out here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "weft.h"

static const uint64_t edges32[] = {0, 1, 2, 3, 7, 8, 31, 32, 33, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFF9,
                                   0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFC, 0xFFFFFFF8, 65535, 65536};
static const uint64_t edges64[] = {0, 1, 7, 63, 64, 65, UINT64_MAX, UINT64_MAX - 6, INT64_MAX,
                                   (uint64_t)INT64_MIN, (uint64_t)INT64_MIN + 1, 0xFFFFFFFF, 0x100000000};
static const uint32_t edgesf32[] = {0, 0x80000000, 0x3FC00000, 0xBFC00000, 0x7FC00000, 0x7FA00000,
                                    0xFF800000, 0x7F800000, 0x00000001, 0x7F7FFFFF};
static const uint64_t edgesf64[] = {0, 0x8000000000000000, 0x3FF8000000000000, 0xBFF8000000000000,
                                    0x7FF8000000000000, 0x7FF4000000000000, 0xFFF0000000000000,
                                    0x7FF0000000000000, 1, 0x7FEFFFFFFFFFFFFF};

static size_t edge_count(weft_valtype t) {
    switch (t) {
    case WEFT_I32: return sizeof edges32 / sizeof edges32[0];
    case WEFT_I64: return sizeof edges64 / sizeof edges64[0];
    case WEFT_F32: return sizeof edgesf32 / sizeof edgesf32[0];
    default: return sizeof edgesf64 / sizeof edgesf64[0];
    }
}

static weft_val edge(weft_valtype t, size_t i) {
    weft_val v = {.type = t};
    switch (t) {
    case WEFT_I32: v.of.i32 = (int32_t)edges32[i]; break;
    case WEFT_I64: v.of.i64 = (int64_t)edges64[i]; break;
    case WEFT_F32: v.of.i32 = (int32_t)edgesf32[i]; break;
    default: v.of.i64 = (int64_t)edgesf64[i]; break;
    }
    return v;
}

static bool is_nan(weft_val v) {
    if (v.type == WEFT_F32) return ((uint32_t)v.of.i32 & 0x7FFFFFFF) > 0x7F800000;
    if (v.type == WEFT_F64) return ((uint64_t)v.of.i64 & 0x7FFFFFFFFFFFFFFF) > 0x7FF0000000000000;
    return false;
}

static bool same(weft_val a, weft_val b) {
    if (is_nan(a) || is_nan(b)) return is_nan(a) && is_nan(b); /* payloads may differ */
    return a.type == b.type && a.of.i64 == b.of.i64 &&
           (a.type == WEFT_I64 || a.type == WEFT_F64 || a.of.i32 == b.of.i32);
}

typedef struct side {
    weft_engine *engine;
    weft_module *module;
    weft_store *store;
    weft_instance *inst;
} side;

static bool side_open(side *s, const uint8_t *bytes, size_t len, bool fuse) {
    weft_engine_config cfg = {.disable_fusion = !fuse};
    s->engine = weft_engine_new(&cfg);
    weft_error *e = weft_module_new(s->engine, bytes, len, &s->module);
    if (!CHECK(e == NULL)) {
        fprintf(stderr, "    %s\n", weft_error_message(e));
        weft_error_free(e);
        return false;
    }
    s->store = weft_store_new(s->engine, NULL);
    e = weft_instance_new(s->store, s->module, NULL, &s->inst);
    if (!CHECK(e == NULL)) {
        weft_error_free(e);
        return false;
    }
    return true;
}

static void side_close(side *s) {
    weft_store_free(s->store);
    weft_module_free(s->module);
    weft_engine_free(s->engine);
}

/* Calls name in both instances with args; checks they agree; returns the fused result. */
static long compared;
static weft_val both(side *f, side *p, const char *name, const weft_val *args, size_t n) {
    weft_func *ff = weft_instance_func(f->inst, name), *pf = weft_instance_func(p->inst, name);
    weft_val rf = {.type = weft_func_results(ff)[0]}, rp = rf;
    weft_error *ef = weft_func_call(f->store, ff, args, n, &rf, 1);
    weft_error *ep = weft_func_call(p->store, pf, args, n, &rp, 1);
    bool ok = (ef == NULL) == (ep == NULL);
    if (ok && ef) ok = weft_error_trap_code(ef) == weft_error_trap_code(ep);
    if (ok && !ef) ok = same(rf, rp);
    if (!CHECK(ok)) {
        fprintf(stderr, "    %s(", name);
        for (size_t i = 0; i < n; i++) fprintf(stderr, "%s0x%llx", i ? ", " : "", (unsigned long long)args[i].of.i64);
        fprintf(stderr, "): fused %s 0x%llx, plain %s 0x%llx\n", ef ? weft_error_message(ef) : "ok",
                (unsigned long long)rf.of.i64, ep ? weft_error_message(ep) : "ok", (unsigned long long)rp.of.i64);
    }
    compared++;
    weft_error_free(ef);
    weft_error_free(ep);
    return rf;
}

/* Every export over every combination of edge values (three-parameter ones: a diagonal). */
static side fused, plain;

static void test_all_exports(void) {
    side *f = &fused, *p = &plain;
    size_t n = weft_module_export_count(f->module);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        weft_extern_kind kind;
        weft_module_export(f->module, i, &name, &len, &kind);
        if (kind != WEFT_EXTERN_FUNC) continue;
        char cname[64];
        snprintf(cname, sizeof cname, "%.*s", (int)len, name);
        weft_func *fn = weft_instance_func(f->inst, cname);
        size_t np = weft_func_param_count(fn);
        const weft_valtype *pt = weft_func_params(fn);
        weft_val args[3];
        if (np == 1) {
            for (size_t a = 0; a < edge_count(pt[0]); a++) {
                args[0] = edge(pt[0], a);
                both(f, p, cname, args, 1);
            }
        } else if (np == 2) {
            for (size_t a = 0; a < edge_count(pt[0]); a++)
                for (size_t b = 0; b < edge_count(pt[1]); b++) {
                    args[0] = edge(pt[0], a);
                    args[1] = edge(pt[1], b);
                    both(f, p, cname, args, 2);
                }
        } else if (np == 3) {
            for (size_t a = 0; a < edge_count(pt[0]); a++) {
                for (size_t k = 0; k < 3; k++) args[k] = edge(pt[k], (a + k) % edge_count(pt[k]));
                both(f, p, cname, args, 3);
            }
        }
    }
}

static weft_val i32v(uint32_t v) { return (weft_val){.type = WEFT_I32, .of.i32 = (int32_t)v}; }

/* Results worked out by hand: the folded address add wraps at 32 bits, shifts mask their count,
 * and moves happen in order. Memory bytes 0..15 are 1..16, then 0x81..0x84. */
static void test_known_values(void) {
    side *f = &fused, *p = &plain;
    weft_val a[2];
    a[0] = i32v(0xFFFFFFFC); /* + 4 wraps to 0, + offset 4: bytes 5..8 */
    CHECK_EQ_U64((uint32_t)both(f, p, "load.ri", a, 1).of.i32, 0x08070605);
    a[0] = i32v(0);
    CHECK_EQ_U64((uint32_t)both(f, p, "load.ri", a, 1).of.i32, 0x0C0B0A09);
    a[0] = i32v(4); /* 4 - 4 = 0, + 3 */
    CHECK_EQ_U64((uint32_t)both(f, p, "load.ri.neg", a, 1).of.i32, 4);
    a[0] = i32v(0xFFFFFFF8), a[1] = i32v(2); /* 0xFFFFFFF8 + 8 wraps to 0, + 2: bytes 3, 4 */
    CHECK_EQ_U64((uint32_t)both(f, p, "load.sh", a, 2).of.i32, 0x0403);
    a[0] = i32v(0), a[1] = i32v(2); /* byte 16: 0x81, sign-extended */
    CHECK_EQ_U64((uint64_t)both(f, p, "load.sh.left", a, 2).of.i64, 0xFFFFFFFFFFFFFF81ull);
    a[0] = i32v(10), a[1] = i32v(1); /* a shift by 33 is a shift by 1 */
    CHECK_EQ_U64((uint32_t)both(f, p, "add_shl.33", a, 2).of.i32, 12);
    a[0] = i32v(5), a[1] = i32v(9); /* l2 = 5, l0 = 9, l1 = 5: 9 - 15 */
    CHECK_EQ_U64((uint32_t)both(f, p, "mov.chain", a, 2).of.i32, (uint32_t)-6);
    a[0] = i32v(5), a[1] = i32v(9);
    CHECK_EQ_U64((uint32_t)both(f, p, "ret1.param", a, 2).of.i32, 9);
    a[0] = i32v(3), a[1] = i32v(20);
    CHECK_EQ_U64((uint32_t)both(f, p, "identity.deep", a, 2).of.i32, 12);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_fusion FUSION.wasm\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!CHECK(fp != NULL)) return check_report("test_fusion");
    static uint8_t bytes[1 << 20];
    size_t len = fread(bytes, 1, sizeof bytes, fp);
    fclose(fp);
    if (side_open(&fused, bytes, len, true) && side_open(&plain, bytes, len, false)) {
        RUN(test_known_values);
        RUN(test_all_exports);
        printf("  %ld calls compared\n", compared);
    }
    side_close(&fused);
    side_close(&plain);
    return check_report("test_fusion");
}
