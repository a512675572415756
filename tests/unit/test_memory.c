/* test_memory.c: unit tests of linear memories (src/wasm/memory.c): the host API (new, grow,
 * pages, size, data), checked reads and writes at and past the edges, a guest and the host
 * sharing one memory, memory import limits, and running out of address space.
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memory_modules.h"

#define PAGE 65536u

static weft_engine *engine;

static void test_memory_api(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_memory *m = NULL;
    REQUIRE(s);
    REQUIRE_OK(weft_memory_new(s, 1, true, 3, &m));
    REQUIRE(m);
    CHECK_EQ_INT(weft_memory_pages(m), 1);
    CHECK_EQ_U64(weft_memory_size(m), PAGE);
    uint8_t *base = weft_memory_data(m);
    REQUIRE(base);
    CHECK(base[0] == 0 && base[PAGE - 1] == 0); /* new memory is zeroed */
    base[PAGE - 1] = 0x5a;

    CHECK_EQ_INT(weft_memory_grow(m, 0), 1);
    CHECK_EQ_INT(weft_memory_grow(m, 1), 1);
    CHECK_EQ_INT(weft_memory_pages(m), 2);
    CHECK_EQ_U64(weft_memory_size(m), 2 * PAGE);
    CHECK(weft_memory_data(m) == base); /* the base never moves */
    CHECK_EQ_INT(base[PAGE - 1], 0x5a);
    CHECK_EQ_INT(base[2 * PAGE - 1], 0); /* grown pages are zeroed and accessible */
    base[2 * PAGE - 1] = 1;

    /* Past the declared maximum of 3: refused, nothing changes. */
    CHECK_EQ_INT(weft_memory_grow(m, 2), -1);
    CHECK_EQ_INT(weft_memory_grow(m, UINT32_MAX), -1);
    CHECK_EQ_INT(weft_memory_pages(m), 2);
    CHECK_EQ_U64(weft_memory_size(m), 2 * PAGE);
    CHECK_EQ_INT(weft_memory_grow(m, 1), 2);
    CHECK_EQ_INT(weft_memory_grow(m, 1), -1);
    CHECK_EQ_INT(weft_memory_pages(m), 3);

    /* A memory of no pages at all. */
    weft_memory *empty = NULL;
    REQUIRE_OK(weft_memory_new(s, 0, true, 0, &empty));
    CHECK_EQ_INT(weft_memory_pages(empty), 0);
    CHECK_EQ_U64(weft_memory_size(empty), 0);
    CHECK_EQ_INT(weft_memory_grow(empty, 1), -1);
    uint8_t byte = 0;
    CHECK(!weft_memory_read(empty, 0, &byte, 1));
    CHECK(weft_memory_read(empty, 0, &byte, 0));
done:
    weft_store_free(s);
}

static void test_memory_new_usage(void) {
    weft_store *s = weft_store_new(engine, NULL);
    REQUIRE(s);
    weft_memory *m = (weft_memory *)&m;
    CHECK_ERROR(weft_memory_new(s, 2, true, 1, &m), WEFT_ERR_USAGE, NULL);
    CHECK(m == NULL);
    m = (weft_memory *)&m;
    CHECK_ERROR(weft_memory_new(s, 65537, false, 0, &m), WEFT_ERR_USAGE, NULL);
    CHECK(m == NULL);
    CHECK_ERROR(weft_memory_new(s, 0, true, 65537, &m), WEFT_ERR_USAGE, NULL);
done:
    weft_store_free(s);
}

/* Checked reads and writes: the range [offset, offset+len) must lie inside the memory, with no
 * wrap-around in the sum; a refused call copies nothing. */
static void test_read_write_bounds(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_memory *m = NULL;
    REQUIRE(s);
    REQUIRE_OK(weft_memory_new(s, 1, false, 0, &m));
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t out[8];

    CHECK(weft_memory_write(m, PAGE - 4, buf, 4)); /* the last 4 bytes */
    memset(out, 0xcc, sizeof out);
    CHECK(weft_memory_read(m, PAGE - 4, out, 4));
    CHECK(memcmp(out, buf, 4) == 0);

    /* One byte too many, at the end. */
    CHECK(!weft_memory_write(m, PAGE - 3, buf + 4, 4));
    CHECK_EQ_INT(weft_memory_data(m)[PAGE - 3], 2); /* nothing written */
    memset(out, 0xcc, sizeof out);
    CHECK(!weft_memory_read(m, PAGE - 3, out, 4));
    CHECK_EQ_INT(out[0], 0xcc); /* nothing read */

    /* Offsets whose sum with the length wraps around 64 bits. */
    CHECK(!weft_memory_read(m, UINT64_MAX - 1, out, 4));
    CHECK(!weft_memory_write(m, UINT64_MAX - 1, buf, 4));
    CHECK(!weft_memory_read(m, UINT64_MAX, out, 1));
    CHECK(!weft_memory_read(m, 1, out, SIZE_MAX));
    CHECK(!weft_memory_write(m, 1, buf, SIZE_MAX));
    CHECK(!weft_memory_read(m, (uint64_t)UINT32_MAX + 1, out, 1));
    CHECK(!weft_memory_read(m, PAGE, out, 1));
    CHECK_EQ_INT(out[0], 0xcc);

    /* Empty ranges: inside or at the very end is fine, beyond it is not. */
    CHECK(weft_memory_read(m, PAGE, out, 0));
    CHECK(weft_memory_write(m, 0, buf, 0));
    CHECK(!weft_memory_read(m, PAGE + 1, out, 0));
    CHECK(!weft_memory_read(m, UINT64_MAX, out, 0));

    /* The whole memory at once. */
    uint8_t *all = malloc(PAGE);
    REQUIRE(all);
    CHECK(weft_memory_read(m, 0, all, PAGE));
    CHECK_EQ_INT(all[PAGE - 1], 4);
    free(all);
done:
    weft_store_free(s);
}

static void test_guest_and_host(void) {
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = s ? weft_linker_new(s) : NULL;
    weft_module *mod = LOAD(engine, mem_user_wasm);
    weft_memory *m = NULL;
    REQUIRE(l && mod);
    REQUIRE_OK(weft_memory_new(s, 1, true, 4, &m));
    REQUIRE_OK(weft_linker_define(l, "env", "mem",
                                  (weft_extern){.kind = WEFT_EXTERN_MEMORY, .of.memory = m}));
    weft_instance *inst = INSTANTIATE(s, mod, l);
    REQUIRE(inst);
    CHECK(weft_instance_memory(inst) == m);

    /* Host writes, guest reads (little-endian). */
    const uint8_t word[4] = {0x44, 0x33, 0x22, 0x11};
    REQUIRE(weft_memory_write(m, 8, word, 4));
    int32_t r = 0;
    CHECK_OK(CALL_I32(s, inst, "load", 8, &r));
    CHECK_EQ_INT(r, 0x11223344);
    weft_memory_data(m)[12] = 0x7f; /* direct writes through the base pointer, too */
    CHECK_OK(CALL_I32(s, inst, "load", 12, &r));
    CHECK_EQ_INT(r, 0x7f);

    /* Guest writes, host reads. */
    weft_val args[3] = {val_i32(100), val_i32(-2)};
    CHECK_OK(CALL(s, inst, "store", args, 2, NULL, 0));
    int32_t back = 0;
    CHECK(weft_memory_read(m, 100, &back, 4));
    CHECK_EQ_INT(back, -2);

    /* Host grows: the guest sees the new size and can use the new page. */
    CHECK_EQ_INT(weft_memory_grow(m, 1), 1);
    CHECK_OK(CALL0_I32(s, inst, "size", &r));
    CHECK_EQ_INT(r, 2);
    CHECK_OK(CALL_I32(s, inst, "load", (int32_t)(2 * PAGE - 4), &r));
    CHECK_EQ_INT(r, 0);
    /* Guest grows: the host sees it; past the maximum (4) the guest gets -1. */
    CHECK_OK(CALL_I32(s, inst, "grow", 2, &r));
    CHECK_EQ_INT(r, 2);
    CHECK_EQ_INT(weft_memory_pages(m), 4);
    CHECK_EQ_U64(weft_memory_size(m), 4 * PAGE);
    CHECK_OK(CALL_I32(s, inst, "grow", 1, &r));
    CHECK_EQ_INT(r, -1);
    CHECK_EQ_INT(weft_memory_pages(m), 4);

    /* memory.fill up to the very end, then one byte past it. */
    weft_val fill[3] = {val_i32((int32_t)(4 * PAGE - 3)), val_i32(0xab), val_i32(3)};
    CHECK_OK(CALL(s, inst, "fill", fill, 3, NULL, 0));
    CHECK_EQ_INT(weft_memory_data(m)[4 * PAGE - 1], 0xab);
    fill[2] = val_i32(4);
    CHECK_TRAP(CALL(s, inst, "fill", fill, 3, NULL, 0), WEFT_TRAP_MEMORY_OOB,
               "out of bounds memory access");
done:
    weft_module_free(mod);
    weft_linker_free(l);
    weft_store_free(s);
}

/* Import matching: the provided memory's current size must reach the import's minimum, and its
 * declared maximum must exist and not exceed the import's. */
static void test_import_limits(void) {
    static const struct {
        uint32_t min, grow;
        bool has_max;
        uint32_t max;
        bool links;
    } cases[] = {
        {2, 0, true, 3, true},   /* 2..3 fits 2..4 */
        {2, 0, true, 4, true},   /* equal maximum */
        {1, 1, true, 4, true},   /* grown to 2 pages: the current size counts */
        {1, 0, true, 4, false},  /* too small */
        {2, 0, false, 0, false}, /* no maximum */
        {2, 0, true, 5, false},  /* maximum too large */
    };
    weft_module *mod = LOAD(engine, mem_bounded_import_wasm);
    REQUIRE(mod);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        weft_store *s = weft_store_new(engine, NULL);
        weft_linker *l = s ? weft_linker_new(s) : NULL;
        weft_memory *m = NULL;
        if (!CHECK(l != NULL) || !CHECK_OK(weft_memory_new(s, cases[i].min, cases[i].has_max,
                                                           cases[i].max, &m))) {
            weft_linker_free(l);
            weft_store_free(s);
            continue;
        }
        if (cases[i].grow) CHECK_EQ_INT(weft_memory_grow(m, cases[i].grow), cases[i].min);
        CHECK_OK(weft_linker_define(l, "env", "mem",
                                    (weft_extern){.kind = WEFT_EXTERN_MEMORY, .of.memory = m}));
        weft_instance *inst = NULL;
        weft_error *err = weft_instance_new(s, mod, l, &inst);
        if (cases[i].links) {
            if (!CHECK_OK(err)) fprintf(stderr, "    case %zu\n", i);
            CHECK(inst && weft_instance_memory(inst) == m);
        } else if (!CHECK_ERROR(err, WEFT_ERR_LINK, "mem")) {
            fprintf(stderr, "    case %zu\n", i);
        }
        weft_linker_free(l);
        weft_store_free(s);
    }
    /* A table is not a memory. */
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = s ? weft_linker_new(s) : NULL;
    weft_table *t = NULL;
    if (CHECK(l != NULL) &&
        CHECK_OK(weft_table_new(s, WEFT_FUNCREF, 2, true, 4, val_func(NULL), &t))) {
        CHECK_OK(weft_linker_define(l, "env", "mem",
                                    (weft_extern){.kind = WEFT_EXTERN_TABLE, .of.table = t}));
        weft_instance *inst = NULL;
        CHECK_ERROR(weft_instance_new(s, mod, l, &inst), WEFT_ERR_LINK, "mem");
    }
    weft_linker_free(l);
    weft_store_free(s);
done:
    weft_module_free(mod);
}

/* Total size of this process's mappings, from /proc/self/statm. */
static uint64_t address_space_used(void) {
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%lu", &pages) != 1) pages = 0;
    fclose(f);
    return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* When the address space for a memory cannot be reserved, weft_memory_new reports WEFT_ERR_NOMEM
 * and the store stays usable. Run in a child process, whose address-space limit is lowered to
 * what it uses plus 64 MiB: a memory without a maximum reserves 4 GiB, one of 1 page 128 KiB. */
static void test_reserve_failure(void) {
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        weft_store *s = weft_store_new(engine, NULL);
        if (!CHECK(s != NULL)) _exit(1);
        uint64_t used = address_space_used();
        struct rlimit lim;
        if (!CHECK(used > 0) || !CHECK(getrlimit(RLIMIT_AS, &lim) == 0)) _exit(1);
        lim.rlim_cur = used + (64u << 20);
        if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max)
            lim.rlim_cur = lim.rlim_max;
        if (!CHECK(setrlimit(RLIMIT_AS, &lim) == 0)) _exit(1);
        weft_memory *m = (weft_memory *)&m;
        weft_error *err = weft_memory_new(s, 1, false, 0, &m);
        if (CHECK(err != NULL)) {
            CHECK_EQ_INT(weft_error_kind_of(err), WEFT_ERR_NOMEM);
            CHECK_CONTAINS(weft_error_message(err), "address space");
            weft_error_free(err);
        }
        CHECK(m == NULL);
        weft_memory *small = NULL;
        CHECK_OK(weft_memory_new(s, 1, true, 1, &small));
        CHECK(small && weft_memory_write(small, 0, "ok", 2));
        weft_store_free(s);
        fflush(NULL);
        _exit(check_failed ? 1 : 0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    /* Under ASan a use-after-free in the failure path kills the child with exit code 1. */
    int child_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    CHECK_EQ_INT(child_exit, 0);
done:;
}

int main(void) {
    engine = weft_engine_new(NULL);
    if (!CHECK(engine != NULL)) return check_report("test_memory");
    RUN(test_memory_api);
    RUN(test_memory_new_usage);
    RUN(test_read_write_bounds);
    RUN(test_guest_and_host);
    RUN(test_import_limits);
    RUN(test_reserve_failure);
    weft_engine_free(engine);
    return check_report("test_memory");
}
