/* test_snapshot.c: snapshots and resets (src/wasm/snapshot.c). An instance runs its start-up
 * code, is snapshotted, then is changed every way a request could (memory bytes on many pages,
 * bytes in pages grown past the snapshot, globals, tables) and reset, many times over: each time
 * it must be exactly as snapshotted. A second instance of the module, which never ran the
 * start-up code, reset to the same snapshot must look the same; a snapshot of another module is
 * refused. Usage: test_snapshot snapshot.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static int checks, failures;
#define CHECK(cond, ...)                                                                        \
    do {                                                                                        \
        checks++;                                                                               \
        if (!(cond)) {                                                                          \
            failures++;                                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                         \
            printf(__VA_ARGS__);                                                                \
            printf("\n");                                                                       \
        }                                                                                       \
    } while (0)

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int32_t call1(weft_store *s, weft_instance *in, const char *fn, int32_t a, int32_t b, int nargs) {
    weft_val args[2] = {{.type = WEFT_I32, .of.i32 = a}, {.type = WEFT_I32, .of.i32 = b}}, res[1];
    weft_func *f = weft_instance_func(in, fn);
    size_t nres = weft_func_result_count(f);
    weft_error *e = weft_func_call(s, f, args, (size_t)nargs, res, nres);
    if (e) {
        printf("FAIL: %s: %s\n", fn, weft_error_message(e));
        weft_error_free(e);
        return -999;
    }
    return nres ? res[0].of.i32 : 0;
}

/* Everything the snapshot holds, checked on inst. */
static void expect_snapshot_state(weft_store *s, weft_instance *in, const char *what) {
    const char *hello = "hello";
    bool ok = true;
    for (int i = 0; i < 5; i++) ok &= call1(s, in, "peek", 100 + i, 0, 1) == hello[i];
    CHECK(ok, "%s: the data segment is back", what);
    CHECK(call1(s, in, "peek", 70000, 0, 1) == 9, "%s: the start-up write is back", what);
    CHECK(call1(s, in, "peek", 5000, 0, 1) == 0 && call1(s, in, "peek", 131071, 0, 1) == 0,
          "%s: untouched bytes are zero", what);
    CHECK(call1(s, in, "get_g", 0, 0, 0) == 42, "%s: the global is back", what);
    CHECK(call1(s, in, "size", 0, 0, 0) == 2, "%s: the memory has its snapshot size", what);
    CHECK(call1(s, in, "callt", 0, 0, 1) == 11 && call1(s, in, "callt", 1, 0, 1) == 22,
          "%s: the table is back", what);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_snapshot snapshot.wasm\n");
        return 2;
    }
    size_t len;
    uint8_t *bytes = slurp(argv[1], &len);
    CHECK(bytes != NULL, "read %s", argv[1]);
    if (!bytes) return 1;
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m;
    weft_error *err = weft_module_new(e, bytes, len, &m);
    CHECK(!err, "module compiles");
    weft_store *s = weft_store_new(e, NULL);
    weft_instance *a;
    err = weft_instance_new(s, m, NULL, &a);
    CHECK(!err, "instance a");
    call1(s, a, "init", 0, 0, 0);
    weft_snapshot *snap;
    err = weft_snapshot_new(a, &snap);
    CHECK(!err, "snapshot of a");

    unsigned seed = 12345;
    for (int round = 0; round < 50; round++) {
        /* Dirty pages all over the memory, the global, the table; grow and write past the image. */
        for (int k = 0; k < 40; k++) {
            seed = seed * 1103515245u + 12345u;
            call1(s, a, "poke", (int32_t)(seed % 131072), (int32_t)(seed >> 24) | 1, 2);
        }
        call1(s, a, "poke", 100, 'j', 2);
        call1(s, a, "poke", 70000, 0, 2);
        call1(s, a, "set_g", round, 0, 1);
        call1(s, a, "clear_t", round % 2, 0, 1);
        if (round % 3 == 0) {
            CHECK(call1(s, a, "grow", 3, 0, 1) == 2, "round %d: grows from the snapshot's size", round);
            call1(s, a, "poke", 2 * 65536 + 5 + round, 0x5A, 2);
        }
        err = weft_instance_reset(a, snap);
        CHECK(!err, "round %d: reset", round);
        char what[32];
        snprintf(what, sizeof what, "round %d", round);
        expect_snapshot_state(s, a, what);
        if (round % 3 == 1) { /* grown pages come back as zeros */
            CHECK(call1(s, a, "grow", 1, 0, 1) == 2, "round %d: grows again", round);
            CHECK(call1(s, a, "peek", 2 * 65536 + 5 + round - 1, 0, 1) == 0,
                  "round %d: a page grown again reads zero", round);
            err = weft_instance_reset(a, snap);
            CHECK(!err, "round %d: reset after growing", round);
        }
    }

    /* Another instance, in another store, that never ran init. */
    weft_store *s2 = weft_store_new(e, NULL);
    weft_instance *b;
    err = weft_instance_new(s2, m, NULL, &b);
    CHECK(!err, "instance b");
    CHECK(call1(s2, b, "get_g", 0, 0, 0) == 7, "b starts from the module's state");
    for (int round = 0; round < 5; round++) {
        err = weft_instance_reset(b, snap);
        CHECK(!err, "b: reset %d", round);
        expect_snapshot_state(s2, b, "b");
        call1(s2, b, "poke", 70000, 1, 2);
        call1(s2, b, "poke", 101, 1, 2);
    }
    /* a is unaffected by b's writes. */
    expect_snapshot_state(s, a, "a after b");

    /* A snapshot of another module is refused. */
    static const uint8_t empty[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    weft_module *m2;
    err = weft_module_new(e, empty, sizeof empty, &m2);
    weft_instance *c;
    err = weft_instance_new(s2, m2, NULL, &c);
    err = weft_instance_reset(c, snap);
    CHECK(err && strstr(weft_error_message(err), "another module"), "another module's snapshot is refused");
    weft_error_free(err);

    weft_snapshot_free(snap);
    weft_store_free(s);
    weft_store_free(s2);
    weft_module_free(m);
    weft_module_free(m2);
    weft_engine_free(e);
    free(bytes);
    printf("test_snapshot: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
