/* plugin.h: internal structures of the plugin layer (src/plugin/), shared by its files.
 *
 *   plugin.c    compiled plugins, instances, calls, vars, status and error reporting
 *   blocks.c    the block memory the Extism ABI hands out (host-managed, bounds-checked)
 *   kernel.c    the host functions of "extism:host/env" over blocks, config, vars, log
 *   http.c      http_request over libcurl, limited to the allowed hosts
 *   deadline.c  the ticker thread that interrupts calls past their timeout
 *   pool.c      instances handed out to concurrent callers
 *
 * Built on the public engine and WASI API (weft.h) like any embedder's code.
 */
#ifndef WEFT_PLUGIN_H
#define WEFT_PLUGIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "weft.h"

#define PLUGIN_USER_MODULE "extism:host/user"
#define PLUGIN_ENV_MODULE "extism:host/env"
#define PLUGIN_DEFAULT_MAX_MEMORY (64ull << 20)
#define PLUGIN_DEFAULT_MAX_OUTPUT (64ull << 20)
#define PLUGIN_DEFAULT_MAX_VARS (1ull << 20)
#define PLUGIN_DEFAULT_MAX_HTTP (50ull << 20)
#define PLUGIN_FN_CACHE 4 /* exports remembered per instance, by name */

/* ---- blocks.c ------------------------------------------------------------------------------ */

#define BLOCKS_RECENT 16 /* freed blocks remembered for reuse */

/* One allocation. Offsets are what the guest sees; 0 is never a block. */
typedef struct block {
    uint64_t off;  /* first byte, in the block memory */
    uint64_t cap;  /* bytes reserved */
    uint64_t len;  /* bytes in use (what length() returns); 0 with free set when free */
    bool free;
} block;

/* The memory blocks live in: address space reserved up to the limit, committed as it grows, so
 * pointers into it stay valid while it lives. Blocks are kept sorted by offset. */
typedef struct blocks {
    uint8_t *base;     /* NULL until the first allocation */
    uint64_t reserved; /* bytes of address space at base */
    uint64_t committed;
    uint64_t top;      /* next free offset for bump allocation */
    uint64_t high;     /* the highest top since the last reset: what reset must zero */
    uint64_t limit;    /* max bytes of data plus bookkeeping */
    block *list;
    size_t n, cap;
    uint64_t refused;  /* allocations the limit refused */
    uint64_t recent[BLOCKS_RECENT]; /* offsets of recently freed blocks, candidates for reuse */
    unsigned recent_next;
} blocks;

void blocks_init(blocks *b, uint64_t limit);
void blocks_free(blocks *b);
/* Forgets every block (and zeroes what they held), keeping the memory for the next call. */
void blocks_reset(blocks *b);
/* A new block of n bytes (n > 0); 0 if the limit refuses it. */
uint64_t blocks_alloc(blocks *b, uint64_t n);
/* Frees the block starting at off; anything else is ignored. */
void blocks_release(blocks *b, uint64_t off);
/* The block starting at off, or NULL. */
block *blocks_find(blocks *b, uint64_t off);
/* A pointer to [off, off+len) if that range lies inside one live block, else NULL. */
uint8_t *blocks_range(blocks *b, uint64_t off, uint64_t len);

/* ---- compiled plugins and instances -------------------------------------------------------- */

typedef struct kv {
    char *key;
    uint8_t *value;
    size_t key_len, len;
} kv;

/* A kernel function a module imports, found once when the plugin is compiled (kernel.c). */
typedef struct kernel_fn kernel_fn;
typedef struct kernel_import {
    char module[16], name[64]; /* the names it is imported under, NUL-terminated */
    const kernel_fn *fn;
} kernel_import;

typedef struct host_binding {
    weft_plugin_host_fn fn;  /* strings and arrays owned by the compiled plugin */
} host_binding;

struct weft_compiled_plugin {
    atomic_int refs;
    weft_engine *engine;
    weft_module *module;
    weft_plugin_options opts;  /* copied; pointers below own what it points to */
    kv *config;
    size_t nconfig;
    char **hosts;
    size_t nhosts;
    host_binding *hostfns;
    size_t nhostfns;
    weft_wasi_config *wasi;    /* NULL without WASI */
    int devnull;               /* WASI stdio when not inherited */
    unsigned has_initialize;   /* 1: a WASI reactor's _initialize; 2: wizer.initialize */
    kernel_import *kimports;   /* the kernel functions the module imports */
    size_t nkimports;
    /* weft_plugin_reset's target: a fresh instance's state, taken on first need (under lock) */
    weft_snapshot *_Atomic snapshot;

    /* deadline.c: the ticker and the registry of live instances it scans. lock also guards every
     * instance's store pointer against being replaced while another thread interrupts it. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t ticker;
    bool ticker_running, ticker_stop;
    atomic_int timed_calls;    /* calls with a deadline running now */
    atomic_bool ticker_asleep; /* true (initially) when arming a deadline must wake the ticker */
    weft_plugin *instances;    /* list through weft_plugin.next */
};

typedef struct fn_cache {
    char name[48];
    weft_func *func;
    bool returns_i32;
} fn_cache;

struct weft_plugin {
    weft_compiled_plugin *cp;
    weft_plugin *prev, *next;  /* in cp->instances */
    weft_store *store;
    weft_linker *linker;
    weft_wasi *wasi;
    weft_instance *inst;
    weft_memory *mem;
    bool broken;               /* trapped: replaced before the next call */
    struct user_ctx *user;     /* one per host function: (instance, binding) */

    blocks blk;
    uint64_t input_off, input_len;
    uint64_t output_off, output_len;
    uint64_t error_off;        /* error_set block, 0 if none */
    int http_status;
    uint64_t http_headers_off;

    kv *vars;
    size_t nvars, vars_cap;
    uint64_t var_bytes;

    /* why the running call failed, when a host function knows better than the trap */
    weft_plugin_status fail;
    char *fail_msg;
    char *error;               /* weft_plugin_error's message */
    const uint8_t *output;
    size_t output_size;

    atomic_llong deadline_ns;  /* CLOCK_MONOTONIC; 0: none */
    atomic_int in_call;
    atomic_int stop_reason;    /* WEFT_PLUGIN_TIMEOUT or WEFT_PLUGIN_CANCELLED once interrupted */

    fn_cache cache[PLUGIN_FN_CACHE];
    unsigned cache_next;
};

typedef struct user_ctx {
    weft_plugin *p;
    const host_binding *b;
} user_ctx;

/* ---- plugin.c ---------------------------------------------------------------------------- */

/* The entry of list[0..n) whose key is the klen bytes at key, or NULL. Config and vars share it. */
kv *kv_find(kv *list, size_t n, const void *key, size_t klen);

/* Sets (value != NULL) or deletes a var, keeping the total under the limit. Returns 0, or -1 over
 * the limit, -2 out of memory. */
int plugin_var_put(weft_plugin *p, const void *key, size_t klen, const void *value, size_t len);

/* ---- kernel.c ------------------------------------------------------------------------------ */

/* Finds, once per compiled plugin, the "extism:host/env" functions (and legacy names) the module
 * imports; kernel_define then defines just those in each new instance's linker. */
weft_error *kernel_resolve(weft_compiled_plugin *cp);
weft_error *kernel_define(weft_plugin *p);
/* A new block holding a copy of data (*off 0 for an empty one), or the LIMIT failure of fn. */
weft_error *kernel_new_block(weft_plugin *p, const char *fn, const void *data, size_t len,
                             uint64_t *off);
/* Records why the running call fails and returns a trap with the same message. */
weft_error *kernel_fail(weft_plugin *p, weft_plugin_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- http.c -------------------------------------------------------------------------------- */

/* Performs the request described by the JSON in req (body may be NULL) for p: checks the host
 * against the allowed list, limits the response, and stores status, headers and body in blocks.
 * Returns the body's block (0 if empty) in *body_off, or a trap. */
weft_error *http_perform(weft_plugin *p, const uint8_t *req, size_t req_len, const uint8_t *body,
                         size_t body_len, uint64_t *body_off);
/* Whether host matches one of the allowed globs. */
bool http_host_allowed(const weft_compiled_plugin *cp, const char *host);

/* ---- deadline.c ---------------------------------------------------------------------------- */

uint64_t deadline_now_ns(void);
/* Registers p with cp's ticker (started on first need). */
void deadline_register(weft_plugin *p);
void deadline_unregister(weft_plugin *p);
/* Arms p's deadline for a call of timeout_ms and disarms it afterwards. */
void deadline_arm(weft_plugin *p, uint64_t timeout_ms);
void deadline_disarm(weft_plugin *p);
/* Stops cp's ticker thread (when the compiled plugin is freed). */
void deadline_stop(weft_compiled_plugin *cp);
/* Milliseconds left before p's deadline (UINT64_MAX without one; 0 when past). */
uint64_t deadline_left_ms(weft_plugin *p);

#endif
