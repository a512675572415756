/* fuzz_wasi.c: libFuzzer target for the WASI layer as a hostile guest sees it. A module built
 * here imports every wasi_snapshot_preview1 function and exports a wrapper for each, so calls come
 * from an instance with a memory; the input sets that memory's first bytes and then names calls
 * with arbitrary arguments. Under ASan any host access outside a checked range is a finding; the
 * harness also checks that each call returns an errno (or exits) and never traps otherwise.
 * Everything happens beneath a fresh temporary directory, with small file-size limits.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "weft.h"
#include "../common/wasm_writer.h"

/* The functions and their parameter types ('i' i32, 'I' i64); every one returns an i32 errno
 * except proc_exit, which returns nothing. Kept in the order of the WASI witx. */
static const struct {
    const char *name, *sig;
} funcs[] = {
    {"args_get", "ii"}, {"args_sizes_get", "ii"}, {"environ_get", "ii"}, {"environ_sizes_get", "ii"},
    {"clock_res_get", "ii"}, {"clock_time_get", "iIi"}, {"fd_advise", "iIIi"}, {"fd_allocate", "iII"},
    {"fd_close", "i"}, {"fd_datasync", "i"}, {"fd_fdstat_get", "ii"}, {"fd_fdstat_set_flags", "ii"},
    {"fd_fdstat_set_rights", "iII"}, {"fd_filestat_get", "ii"}, {"fd_filestat_set_size", "iI"},
    {"fd_filestat_set_times", "iIIi"}, {"fd_pread", "iiiIi"}, {"fd_prestat_get", "ii"},
    {"fd_prestat_dir_name", "iii"}, {"fd_pwrite", "iiiIi"}, {"fd_read", "iiii"}, {"fd_readdir", "iiiIi"},
    {"fd_renumber", "ii"}, {"fd_seek", "iIii"}, {"fd_sync", "i"}, {"fd_tell", "ii"}, {"fd_write", "iiii"},
    {"path_create_directory", "iii"}, {"path_filestat_get", "iiiii"}, {"path_filestat_set_times", "iiiiIIi"},
    {"path_link", "iiiiiii"}, {"path_open", "iiiiiIIii"}, {"path_readlink", "iiiiii"},
    {"path_remove_directory", "iii"}, {"path_rename", "iiiiii"}, {"path_symlink", "iiiii"},
    {"path_unlink_file", "iii"}, {"poll_oneoff", "iiii"}, {"proc_exit", "i"}, {"proc_raise", "i"},
    {"sched_yield", ""}, {"random_get", "ii"}, {"sock_accept", "iii"}, {"sock_recv", "iiiiii"},
    {"sock_send", "iiiii"}, {"sock_shutdown", "ii"},
};
#define NFUNCS (sizeof funcs / sizeof funcs[0])
#define MEM_PAGES 1

/* Type i: (params of funcs[i]) -> (i32), or () for proc_exit. Import i is funcs[i]; defined
 * function NFUNCS + i ("f<i>") forwards its parameters to import i. Memory 0 is exported. */
static wbuf build_module(void) {
    wbuf m = {0}, s = {0};
    wb_header(&m);
    wb_u32(&s, NFUNCS);
    for (size_t i = 0; i < NFUNCS; i++) {
        wb_byte(&s, 0x60);
        wb_u32(&s, (uint32_t)strlen(funcs[i].sig));
        for (const char *c = funcs[i].sig; *c; c++) wb_byte(&s, *c == 'I' ? 0x7E : 0x7F);
        bool noresult = strcmp(funcs[i].name, "proc_exit") == 0;
        wb_u32(&s, noresult ? 0 : 1);
        if (!noresult) wb_byte(&s, 0x7F);
    }
    wb_section(&m, 1, &s);
    wb_u32(&s, NFUNCS);
    for (size_t i = 0; i < NFUNCS; i++) {
        wb_str(&s, "wasi_snapshot_preview1");
        wb_str(&s, funcs[i].name);
        wb_byte(&s, 0);
        wb_u32(&s, (uint32_t)i);
    }
    wb_section(&m, 2, &s);
    wb_u32(&s, NFUNCS);
    for (size_t i = 0; i < NFUNCS; i++) wb_u32(&s, (uint32_t)i);
    wb_section(&m, 3, &s);
    wb_u32(&s, 1); /* memory: min MEM_PAGES */
    wb_byte(&s, 0);
    wb_u32(&s, MEM_PAGES);
    wb_section(&m, 5, &s);
    wb_u32(&s, NFUNCS + 1);
    for (size_t i = 0; i < NFUNCS; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%zu", i);
        wb_str(&s, name);
        wb_byte(&s, 0);
        wb_u32(&s, (uint32_t)(NFUNCS + i));
    }
    wb_str(&s, "memory");
    wb_byte(&s, 2);
    wb_u32(&s, 0);
    wb_section(&m, 7, &s);
    wb_u32(&s, NFUNCS);
    for (size_t i = 0; i < NFUNCS; i++) {
        wbuf body = {0};
        size_t np = strlen(funcs[i].sig);
        wb_u32(&body, 0); /* no locals */
        for (size_t k = 0; k < np; k++) {
            wb_byte(&body, 0x20);
            wb_u32(&body, (uint32_t)k);
        }
        wb_byte(&body, 0x10);
        wb_u32(&body, (uint32_t)i);
        wb_byte(&body, 0x0B);
        wb_u32(&s, (uint32_t)body.n);
        for (size_t k = 0; k < body.n; k++) wb_byte(&s, body.p[k]);
        free(body.p);
    }
    wb_section(&m, 10, &s);
    return m;
}

/* ---- the process-wide setup ---------------------------------------------------------------- */

static weft_engine *engine;
static weft_module *module;
static char dir_template[] = "/tmp/weft-fuzz-wasi-XXXXXX";
static char *dir;

static void cleanup(void) {
    char cmd[128];
    if (dir) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "fuzz_wasi: could not remove %s\n", dir);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    /* Files the guest writes stay small, and growing past the limit is an error, not a signal. */
    struct rlimit fsize = {16 << 20, 16 << 20};
    setrlimit(RLIMIT_FSIZE, &fsize);
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    dir = mkdtemp(dir_template);
    if (!dir) abort();
    atexit(cleanup);
    engine = weft_engine_new(NULL);
    wbuf m = build_module();
    weft_error *e = weft_module_new(engine, m.p, m.n, &module);
    free(m.p);
    if (e) {
        fprintf(stderr, "fuzz_wasi: the harness module is invalid: %s\n", weft_error_message(e));
        abort();
    }
    return 0;
}

static uint64_t take(const uint8_t **p, const uint8_t *end, unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && *p < end; i++) v |= (uint64_t)*(*p)++ << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *end = data + size;
    weft_store *s = weft_store_new(engine, NULL);
    weft_linker *l = weft_linker_new(s);
    weft_wasi_config *cfg = weft_wasi_config_new();
    weft_wasi *w = NULL;
    const char *argv[] = {"fuzz", "an argument"};
    weft_error_free(weft_wasi_config_args(cfg, 2, argv));
    weft_error_free(weft_wasi_config_env(cfg, "KEY", "value"));
    weft_error_free(weft_wasi_config_preopen_dir(cfg, dir, ".", false));
    weft_error_free(weft_wasi_config_preopen_dir(cfg, dir, "/ro", true));
    /* stdin reads end at once; output goes nowhere. */
    weft_error_free(weft_wasi_config_stdio(cfg, -1, -1, -1));
    weft_error *e = weft_wasi_new(cfg, &w);
    if (!e) e = weft_wasi_define(w, l);
    weft_instance *inst = NULL;
    if (!e) e = weft_instance_new(s, module, l, &inst);
    if (e) {
        fprintf(stderr, "fuzz_wasi: setup failed: %s\n", weft_error_message(e));
        abort();
    }
    /* The input: the length of the initial memory image, the image, then calls. */
    weft_memory *mem = weft_instance_memory(inst);
    size_t image = take(&p, end, 2);
    if (image > (size_t)(end - p)) image = (size_t)(end - p);
    memcpy(weft_memory_data(mem), p, image);
    p += image;
    for (int calls = 0; p < end && calls < 64; calls++) {
        size_t fi = take(&p, end, 1) % NFUNCS;
        char name[16];
        snprintf(name, sizeof name, "f%zu", fi);
        weft_func *f = weft_instance_func(inst, name);
        weft_val args[9], result = {.type = WEFT_I32};
        size_t np = strlen(funcs[fi].sig);
        for (size_t k = 0; k < np; k++) {
            if (funcs[fi].sig[k] == 'I') args[k] = (weft_val){.type = WEFT_I64, .of.i64 = (int64_t)take(&p, end, 8)};
            else args[k] = (weft_val){.type = WEFT_I32, .of.i32 = (int32_t)take(&p, end, 4)};
        }
        bool is_exit = strcmp(funcs[fi].name, "proc_exit") == 0;
        /* A pending interrupt makes any wait in poll_oneoff end after one short slice. */
        weft_store_interrupt(s);
        e = weft_func_call(s, f, args, np, &result, is_exit ? 0 : 1);
        weft_store_clear_interrupt(s);
        if (e) {
            bool ok = weft_error_kind_of(e) == WEFT_ERR_EXIT ||
                      (weft_error_kind_of(e) == WEFT_ERR_TRAP && strcmp(funcs[fi].name, "poll_oneoff") == 0);
            if (!ok) {
                fprintf(stderr, "fuzz_wasi: %s failed unexpectedly: %s\n", funcs[fi].name,
                        weft_error_message(e));
                abort();
            }
            weft_error_free(e);
            break;
        }
        if ((uint32_t)result.of.i32 > 76) {
            fprintf(stderr, "fuzz_wasi: %s returned %d, not a WASI errno\n", funcs[fi].name, result.of.i32);
            abort();
        }
    }
    weft_linker_free(l);
    weft_store_free(s);
    weft_wasi_free(w);
    weft_wasi_config_free(cfg);
    return 0;
}
