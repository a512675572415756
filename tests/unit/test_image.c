/* test_image.c: memory images (src/wasm/image.c). A module with 100,000 bytes of data segments
 * is instantiated from its image: every instance sees the segments applied in order (a later one
 * overwriting an earlier), zeroes elsewhere, its own writes only (copy-on-write), and grows
 * normally. A module whose segments cannot go into an image (one is out of bounds) still traps
 * as the spec says, and one that imports its table falls back to copying.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wasm_writer.h"
#include "check.h"
#include "weft.h"

#define DATA_AT 1000
#define DATA_LEN 100000
#define PATCH_AT 50000 /* a second segment, over the first */
#define PATCH_LEN 10

static uint8_t pattern(uint32_t i) { return (uint8_t)(i * 7 + 3); }

/* Exports peek(addr) -> i32 (a byte), poke(addr, byte), grow(pages) -> i32; memory min pages;
 * data segments at DATA_AT and PATCH_AT (the second placed at data_end when it is given, to make
 * it out of bounds); with import_table, an elem segment into an imported table. */
static wbuf build(uint32_t pages, uint32_t patch_at, bool import_table) {
    wbuf m = {0}, s = {0}, body = {0};
    wb_header(&m);
    wb_u32(&s, 3); /* types: (i32)->i32, (i32 i32)->(), (i32)->i32 */
    const uint8_t t0[] = {0x60, 1, 0x7F, 1, 0x7F}, t1[] = {0x60, 2, 0x7F, 0x7F, 0};
    wb_bytes(&s, t0, sizeof t0);
    wb_bytes(&s, t1, sizeof t1);
    wb_bytes(&s, t0, sizeof t0);
    wb_section(&m, 1, &s);
    if (import_table) {
        wb_u32(&s, 1);
        wb_str(&s, "host");
        wb_str(&s, "table");
        const uint8_t tt[] = {1, 0x70, 0, 4}; /* table funcref min 4 */
        wb_bytes(&s, tt, sizeof tt);
        wb_section(&m, 2, &s);
    }
    const uint8_t fs[] = {3, 0, 1, 2};
    wb_bytes(&s, fs, sizeof fs);
    wb_section(&m, 3, &s);
    wb_u32(&s, 1); /* memory */
    wb_byte(&s, 0);
    wb_u32(&s, pages);
    wb_section(&m, 5, &s);
    wb_u32(&s, 3);
    wb_str(&s, "peek"), wb_byte(&s, 0), wb_u32(&s, 0);
    wb_str(&s, "poke"), wb_byte(&s, 0), wb_u32(&s, 1);
    wb_str(&s, "grow"), wb_byte(&s, 0), wb_u32(&s, 2);
    wb_section(&m, 7, &s);
    if (import_table) { /* elem (i32.const 0) func 0 */
        const uint8_t el[] = {1, 0, 0x41, 0, 0x0B, 1, 0};
        wb_bytes(&s, el, sizeof el);
        wb_section(&m, 9, &s);
    }
    wb_u32(&s, 3);
    const uint8_t peek[] = {0, 0x20, 0, 0x2D, 0, 0, 0x0B};             /* i32.load8_u */
    const uint8_t poke[] = {0, 0x20, 0, 0x20, 1, 0x3A, 0, 0, 0x0B};    /* i32.store8 */
    const uint8_t grow[] = {0, 0x20, 0, 0x40, 0, 0x0B};                 /* memory.grow */
    wb_u32(&s, sizeof peek), wb_bytes(&s, peek, sizeof peek);
    wb_u32(&s, sizeof poke), wb_bytes(&s, poke, sizeof poke);
    wb_u32(&s, sizeof grow), wb_bytes(&s, grow, sizeof grow);
    wb_section(&m, 10, &s);
    wb_u32(&s, 2);
    wb_byte(&s, 0), wb_byte(&s, 0x41), wb_s32(&s, DATA_AT), wb_byte(&s, 0x0B);
    wb_u32(&s, DATA_LEN);
    for (uint32_t i = 0; i < DATA_LEN; i++) wb_byte(&s, pattern(i));
    wb_byte(&s, 0), wb_byte(&s, 0x41), wb_s32(&s, (int32_t)patch_at), wb_byte(&s, 0x0B);
    wb_u32(&s, PATCH_LEN);
    for (uint32_t i = 0; i < PATCH_LEN; i++) wb_byte(&s, 0xAA);
    wb_section(&m, 11, &s);
    free(body.p);
    return m;
}

static weft_engine *engine;

static int32_t call1(weft_store *s, weft_instance *inst, const char *name, int32_t a) {
    weft_val arg = {.type = WEFT_I32, .of.i32 = a}, r = {.type = WEFT_I32};
    weft_error *e = weft_func_call(s, weft_instance_func(inst, name), &arg, 1, &r, 1);
    CHECK(e == NULL);
    weft_error_free(e);
    return r.of.i32;
}

static void poke(weft_store *s, weft_instance *inst, int32_t addr, int32_t v) {
    weft_val args[2] = {{.type = WEFT_I32, .of.i32 = addr}, {.type = WEFT_I32, .of.i32 = v}};
    weft_error *e = weft_func_call(s, weft_instance_func(inst, "poke"), args, 2, NULL, 0);
    CHECK(e == NULL);
    weft_error_free(e);
}

static uint8_t expected_byte(uint32_t addr) {
    if (addr >= PATCH_AT && addr < PATCH_AT + PATCH_LEN) return 0xAA;
    if (addr >= DATA_AT && addr < DATA_AT + DATA_LEN) return pattern(addr - DATA_AT);
    return 0;
}

static void test_image_contents_and_isolation(void) {
    wbuf w = build(4, PATCH_AT, false);
    weft_module *m = NULL;
    weft_store *s = weft_store_new(engine, NULL), *s2 = weft_store_new(engine, NULL);
    weft_error *e = weft_module_new(engine, w.p, w.n, &m);
    free(w.p);
    REQUIRE(e == NULL);
    weft_instance *a = NULL, *b = NULL, *c = NULL;
    REQUIRE(!weft_instance_new(s, m, NULL, &a) && !weft_instance_new(s, m, NULL, &b));
    /* Every byte of the first instance's memory is what the segments say. */
    const uint8_t *mem = weft_memory_data(weft_instance_memory(a));
    uint32_t bad = 0;
    for (uint32_t i = 0; i < 4 * 65536; i++) bad += mem[i] != expected_byte(i);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(call1(s, a, "peek", PATCH_AT + 3), 0xAA);
    CHECK_EQ_INT(call1(s, a, "peek", DATA_AT + 5), pattern(5));
    /* Writes stay in their instance, and later instances start from the image again. */
    poke(s, a, DATA_AT + 5, 0x11);
    poke(s, a, 200000, 0x22);
    CHECK_EQ_INT(call1(s, a, "peek", DATA_AT + 5), 0x11);
    CHECK_EQ_INT(call1(s, b, "peek", DATA_AT + 5), pattern(5));
    CHECK_EQ_INT(call1(s, b, "peek", 200000), 0);
    REQUIRE(!weft_instance_new(s2, m, NULL, &c));
    CHECK_EQ_INT(call1(s2, c, "peek", DATA_AT + 5), pattern(5));
    /* Growing: the new page is zero and usable; the image part is unchanged. */
    CHECK_EQ_INT(call1(s, a, "grow", 1), 4);
    CHECK_EQ_INT(call1(s, a, "peek", 4 * 65536 + 10), 0);
    poke(s, a, 4 * 65536 + 10, 0x33);
    CHECK_EQ_INT(call1(s, a, "peek", 4 * 65536 + 10), 0x33);
    CHECK_EQ_INT(call1(s, a, "peek", PATCH_AT), 0xAA);
done:
    weft_store_free(s);
    weft_store_free(s2);
    weft_module_free(m);
}

/* A segment past the memory's end: no image, and instantiation traps, as without images. */
static void test_out_of_bounds_segment(void) {
    wbuf w = build(2, 2 * 65536 - 4, false);
    weft_module *m = NULL;
    weft_store *s = weft_store_new(engine, NULL);
    weft_error *e = weft_module_new(engine, w.p, w.n, &m);
    free(w.p);
    REQUIRE(e == NULL);
    weft_instance *inst = NULL;
    e = weft_instance_new(s, m, NULL, &inst);
    CHECK(e != NULL && weft_error_trap_code(e) == WEFT_TRAP_MEMORY_OOB);
    CHECK(inst == NULL);
    weft_error_free(e);
done:
    weft_store_free(s);
    weft_module_free(m);
}

/* An element segment into an imported table could trap before the data: no image, but the
 * same contents when it does not. */
static void test_imported_table_copies(void) {
    wbuf w = build(4, PATCH_AT, true);
    weft_module *m = NULL;
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_error *e = weft_module_new(engine, w.p, w.n, &m);
    free(w.p);
    REQUIRE(e == NULL);
    weft_table *t = NULL;
    weft_val null = {.type = WEFT_FUNCREF};
    REQUIRE(!weft_table_new(s, WEFT_FUNCREF, 4, false, 0, null, &t));
    REQUIRE(!weft_linker_define(l, "host", "table", (weft_extern){.kind = WEFT_EXTERN_TABLE, .of.table = t}));
    weft_instance *inst = NULL;
    REQUIRE(!weft_instance_new(s, m, l, &inst));
    CHECK_EQ_INT(call1(s, inst, "peek", DATA_AT + 99), pattern(99));
    CHECK_EQ_INT(call1(s, inst, "peek", PATCH_AT + 9), 0xAA);
    weft_val v;
    CHECK(weft_table_get(t, 0, &v) && v.of.funcref != NULL);
done:
    weft_linker_free(l);
    weft_store_free(s);
    weft_module_free(m);
}

int main(void) {
    engine = weft_engine_new(NULL);
    RUN(test_image_contents_and_isolation);
    RUN(test_out_of_bounds_segment);
    RUN(test_imported_table_copies);
    weft_engine_free(engine);
    return check_report("test_image");
}
