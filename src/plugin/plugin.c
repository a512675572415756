/* plugin.c: plugins: compiled once (weft_compiled_plugin), instantiated cheaply (weft_plugin),
 * called with bytes in and bytes out, limited, cancellable, and reported on in plain words.
 *
 * A compiled plugin owns an engine (interruptible always, so cancellation works; fuel metering
 * only when a fuel limit is set), the module, and copies of every option. An instance owns a store
 * of its own (so its memory, limits and interrupt flag are its own), the linker that gave the guest
 * its imports, a WASI context when granted, its block memory and its vars.
 *
 * A call resets the blocks, copies the input in, arms fuel and the deadline, runs the export and
 * sorts the outcome into a status with a message: a host function that failed says why itself
 * (kernel_fail); otherwise the trap code decides (interrupted: timeout or cancelled, fuel, call
 * depth), and a memory.grow the limit refused during the call turns a guest's abort into "memory
 * limit". An instance that trapped may be in any state, so before its next call it is replaced by
 * a fresh one from the same compiled plugin; its vars, which live on the host, survive.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/plugin.h"

/* ---- compiled plugins ---------------------------------------------------------------------- */

static char *dup_str(const char *s, bool *ok) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *ok = false;
    return d;
}

static void *dup_mem(const void *s, size_t n, bool *ok) {
    if (!n) return NULL;
    void *d = malloc(n);
    if (!d) {
        *ok = false;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

/* Runs the destructors of o's host functions from the from-th on: those compile did not take
 * over when it fails. */
static void run_dtors(const weft_plugin_options *o, size_t from) {
    for (size_t i = from; o && i < o->nhost_functions; i++)
        if (o->host_functions[i].dtor) o->host_functions[i].dtor(o->host_functions[i].user_data);
}

/* Frees what compile copied; the host functions' destructors run here too. */
static void cp_destroy(weft_compiled_plugin *cp) {
    deadline_stop(cp);
    for (size_t i = 0; i < cp->nconfig; i++) {
        free(cp->config[i].key);
        free(cp->config[i].value);
    }
    free(cp->config);
    for (size_t i = 0; i < cp->nhosts; i++) free(cp->hosts[i]);
    free(cp->hosts);
    for (size_t i = 0; i < cp->nhostfns; i++) {
        weft_plugin_host_fn *f = &cp->hostfns[i].fn;
        if (f->dtor) f->dtor(f->user_data);
        free((char *)f->module);
        free((char *)f->name);
        free((void *)f->params);
        free((void *)f->results);
    }
    free(cp->hostfns);
    free(cp->kimports);
    if (cp->opts.dirs) {
        for (size_t i = 0; i < cp->opts.ndirs; i++) {
            free((char *)cp->opts.dirs[i].host_path);
            free((char *)cp->opts.dirs[i].guest_path);
        }
        free((void *)cp->opts.dirs);
    }
    weft_wasi_config_free(cp->wasi);
    weft_snapshot_free(atomic_load(&cp->snapshot));
    if (cp->devnull >= 0) close(cp->devnull);
    weft_module_free(cp->module);
    weft_engine_free(cp->engine);
    pthread_mutex_destroy(&cp->lock);
    pthread_cond_destroy(&cp->wake);
    free(cp);
}

static void cp_release(weft_compiled_plugin *cp) {
    if (cp && atomic_fetch_sub(&cp->refs, 1) == 1) cp_destroy(cp);
}

/* Copies the options into cp, filling in defaults. False when out of memory. */
static bool copy_options(weft_compiled_plugin *cp, const weft_plugin_options *o) {
    bool ok = true;
    weft_plugin_options *d = &cp->opts;
    *d = *o;
    d->config = NULL;
    d->allowed_hosts = NULL;
    d->host_functions = NULL;
    d->dirs = NULL;
    if (!d->max_memory_bytes) d->max_memory_bytes = PLUGIN_DEFAULT_MAX_MEMORY;
    if (!d->max_output_bytes) d->max_output_bytes = PLUGIN_DEFAULT_MAX_OUTPUT;
    if (!d->max_var_bytes) d->max_var_bytes = PLUGIN_DEFAULT_MAX_VARS;
    if (!d->max_http_response_bytes) d->max_http_response_bytes = PLUGIN_DEFAULT_MAX_HTTP;

    if (o->nconfig && !(cp->config = calloc(o->nconfig, sizeof *cp->config))) return false;
    cp->nconfig = o->nconfig;
    for (size_t i = 0; i < o->nconfig; i++) {
        const char *k = o->config[i].key ? o->config[i].key : "";
        const char *v = o->config[i].value ? o->config[i].value : "";
        cp->config[i].key = dup_str(k, &ok);
        cp->config[i].key_len = strlen(k);
        cp->config[i].len = strlen(v);
        cp->config[i].value = dup_mem(v, cp->config[i].len, &ok);
    }
    if (o->nallowed_hosts && !(cp->hosts = calloc(o->nallowed_hosts, sizeof *cp->hosts)))
        return false;
    cp->nhosts = o->nallowed_hosts;
    for (size_t i = 0; i < o->nallowed_hosts; i++)
        cp->hosts[i] = dup_str(o->allowed_hosts[i] ? o->allowed_hosts[i] : "", &ok);
    if (o->ndirs) {
        weft_plugin_dir *dirs = calloc(o->ndirs, sizeof *dirs);
        if (!dirs) return false;
        d->dirs = dirs;
        for (size_t i = 0; i < o->ndirs; i++) {
            dirs[i].host_path = dup_str(o->dirs[i].host_path, &ok);
            dirs[i].guest_path = dup_str(o->dirs[i].guest_path, &ok);
            dirs[i].read_only = o->dirs[i].read_only;
        }
    }
    return ok;
}

/* Takes over the host functions (and from now on their destructors). */
static weft_error *copy_host_functions(weft_compiled_plugin *cp, const weft_plugin_options *o) {
    if (!o->nhost_functions) return NULL;
    cp->hostfns = calloc(o->nhost_functions, sizeof *cp->hostfns);
    if (!cp->hostfns) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < o->nhost_functions; i++) {
        const weft_plugin_host_fn *s = &o->host_functions[i];
        weft_plugin_host_fn *f = &cp->hostfns[i].fn;
        bool ok = true;
        *f = *s;
        f->module = dup_str(s->module ? s->module : PLUGIN_USER_MODULE, &ok);
        f->name = dup_str(s->name ? s->name : "", &ok);
        f->params = dup_mem(s->params, s->nparams * sizeof *s->params, &ok);
        f->results = dup_mem(s->results, s->nresults * sizeof *s->results, &ok);
        cp->nhostfns = i + 1; /* cp_destroy runs this one's destructor from now on */
        if (!ok || !s->fn || !s->name || !*s->name) {
            run_dtors(o, i + 1);
            if (!ok) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
            return weft_error_new(WEFT_ERR_USAGE, "host function %zu has no %s", i,
                                  s->fn ? "name" : "callback");
        }
    }
    return NULL;
}

static weft_error *setup_wasi(weft_compiled_plugin *cp) {
    weft_error *e;
    cp->wasi = weft_wasi_config_new();
    if (!cp->wasi) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    const char *argv[] = {"plugin"};
    if ((e = weft_wasi_config_args(cp->wasi, 1, argv))) return e;
    for (size_t i = 0; i < cp->opts.ndirs; i++) {
        const weft_plugin_dir *d = &cp->opts.dirs[i];
        if (!d->host_path)
            return weft_error_new(WEFT_ERR_USAGE, "directory %zu has no host path", i);
        if ((e = weft_wasi_config_preopen_dir(cp->wasi, d->host_path,
                                              d->guest_path ? d->guest_path : d->host_path,
                                              d->read_only)))
            return e;
    }
    if (cp->opts.wasi_inherit_stdio) return weft_wasi_config_stdio(cp->wasi, -1, 1, 2);
    cp->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (cp->devnull < 0) return weft_error_new(WEFT_ERR_USAGE, "cannot open /dev/null");
    return weft_wasi_config_stdio(cp->wasi, -1, cp->devnull, cp->devnull);
}

WEFT_API weft_error *weft_plugin_compile(const uint8_t *wasm, size_t len,
                                         const weft_plugin_options *opts,
                                         weft_compiled_plugin **out) {
    static const weft_plugin_options none;
    *out = NULL;
    if (!opts) opts = &none;
    weft_compiled_plugin *cp = calloc(1, sizeof *cp);
    if (!cp) {
        run_dtors(opts, 0);
        return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    }
    atomic_init(&cp->refs, 1);
    atomic_init(&cp->timed_calls, 0);
    atomic_init(&cp->ticker_asleep, true);
    cp->devnull = -1;
    pthread_mutex_init(&cp->lock, NULL);
    pthread_cond_init(&cp->wake, NULL);
    weft_error *e = copy_host_functions(cp, opts);
    if (e) {
        cp_destroy(cp);
        return e;
    }
    if (!copy_options(cp, opts)) {
        e = weft_error_new(WEFT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((unsigned)opts->log_level > WEFT_LOG_OFF) {
        e = weft_error_new(WEFT_ERR_USAGE, "log level %d is not one of weft_log_level",
                           (int)opts->log_level);
        goto fail;
    }
    weft_engine_config ec = {.consume_fuel = opts->fuel > 0, .interruptible = true};
    if (!(cp->engine = weft_engine_new(&ec))) {
        e = weft_error_new(WEFT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (!wasm || (e = weft_module_new(cp->engine, wasm, len, &cp->module))) {
        if (!e) e = weft_error_new(WEFT_ERR_USAGE, "no module bytes");
        goto fail;
    }
    if ((e = kernel_resolve(cp))) goto fail;
    cp->has_initialize = 0;
    size_t nexp = weft_module_export_count(cp->module);
    for (size_t i = 0; i < nexp; i++) {
        const char *name;
        size_t nlen;
        weft_extern_kind kind;
        weft_module_export(cp->module, i, &name, &nlen, &kind);
        if (kind == WEFT_EXTERN_FUNC && nlen == 11 && memcmp(name, "_initialize", 11) == 0)
            cp->has_initialize |= 1;
        if (kind == WEFT_EXTERN_FUNC && nlen == 16 && memcmp(name, "wizer.initialize", 16) == 0)
            cp->has_initialize |= 2;
    }
    if (opts->wasi && (e = setup_wasi(cp))) goto fail;
    *out = cp;
    return NULL;
fail:
    cp_destroy(cp);
    return e;
}

WEFT_API void weft_compiled_plugin_free(weft_compiled_plugin *cp) { cp_release(cp); }

/* ---- instances ----------------------------------------------------------------------------- */

static weft_error *user_trampoline(weft_caller *c, void *ud, const weft_val *args,
                                   weft_val *results) {
    user_ctx *u = ud;
    weft_error *e = u->b->fn.fn(u->p, u->b->fn.user_data, args, results);
    if (e && !u->p->fail_msg) {
        u->p->fail = WEFT_PLUGIN_TRAP;
        size_t n = strlen(u->b->fn.name) + strlen(weft_error_message(e)) + 32;
        if ((u->p->fail_msg = malloc(n)))
            snprintf(u->p->fail_msg, n, "host function %s failed: %s", u->b->fn.name,
                     weft_error_message(e));
    }
    return e;
}

static void teardown(weft_plugin *p) {
    weft_compiled_plugin *cp = p->cp;
    pthread_mutex_lock(&cp->lock); /* the ticker and weft_plugin_cancel read p->store */
    weft_store *s = p->store;
    p->store = NULL;
    pthread_mutex_unlock(&cp->lock);
    weft_linker_free(p->linker);
    weft_store_free(s);
    weft_wasi_free(p->wasi);
    p->linker = NULL;
    p->wasi = NULL;
    p->inst = NULL;
    p->mem = NULL;
    memset(p->cache, 0, sizeof p->cache);
}

/* Builds p's store, imports and instance; runs _initialize. */
static weft_error *setup(weft_plugin *p) {
    weft_compiled_plugin *cp = p->cp;
    uint64_t pages = cp->opts.max_memory_bytes / 65536;
    weft_limits lim = {
        .max_memory_pages = pages == 0 ? 1 : pages > 65536 ? 65536 : (uint32_t)pages,
        .max_call_depth = cp->opts.max_call_depth,
        .max_instances = 4,
    };
    weft_store *s = weft_store_new(cp->engine, &lim);
    if (!s) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&cp->lock);
    p->store = s;
    pthread_mutex_unlock(&cp->lock);
    weft_error *e;
    if (!(p->linker = weft_linker_new(s))) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    if ((e = kernel_define(p))) return e;
    for (size_t i = 0; i < cp->nhostfns; i++) {
        const weft_plugin_host_fn *f = &cp->hostfns[i].fn;
        p->user[i] = (user_ctx){.p = p, .b = &cp->hostfns[i]};
        if ((e = weft_linker_define_func(p->linker, f->module, f->name, f->params, f->nparams,
                                         f->results, f->nresults, user_trampoline, &p->user[i],
                                         NULL)))
            return e;
    }
    if (cp->wasi) {
        if ((e = weft_wasi_new(cp->wasi, &p->wasi)) || (e = weft_wasi_define(p->wasi, p->linker)))
            return e;
    }
    if ((e = weft_instance_new(s, cp->module, p->linker, &p->inst))) return e;
    p->mem = weft_instance_memory(p->inst);
    /* Start-up code: a WASI reactor's _initialize, then Wizer's pre-initialisation hook (work a
     * module wants done once, before a snapshot is taken of it). */
    static const char *const init[] = {"_initialize", "wizer.initialize"};
    for (size_t i = 0; i < 2; i++) {
        if (!(cp->has_initialize & (1u << i))) continue;
        if (cp->opts.fuel) weft_store_set_fuel(s, cp->opts.fuel);
        weft_func *f = weft_instance_func(p->inst, init[i]);
        if (f && weft_func_param_count(f) == 0 && weft_func_result_count(f) == 0 &&
            (e = weft_func_call(s, f, NULL, 0, NULL, 0)))
            return e;
    }
    return NULL;
}

WEFT_API weft_error *weft_plugin_instantiate(weft_compiled_plugin *cp, weft_plugin **out) {
    *out = NULL;
    if (!cp) return weft_error_new(WEFT_ERR_USAGE, "weft_plugin_instantiate: no compiled plugin");
    weft_plugin *p = calloc(1, sizeof *p);
    if (!p) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    if (cp->nhostfns && !(p->user = calloc(cp->nhostfns, sizeof *p->user))) {
        free(p);
        return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    }
    atomic_fetch_add(&cp->refs, 1);
    p->cp = cp;
    atomic_init(&p->deadline_ns, 0);
    atomic_init(&p->in_call, 0);
    atomic_init(&p->stop_reason, 0);
    blocks_init(&p->blk, cp->opts.max_memory_bytes);
    deadline_register(p);
    weft_error *e = setup(p);
    if (e) {
        weft_plugin_free(p);
        return e;
    }
    *out = p;
    return NULL;
}

WEFT_API weft_plugin *weft_plugin_new(const uint8_t *wasm, size_t len,
                                      const weft_plugin_options *opts, char **err) {
    weft_compiled_plugin *cp;
    weft_plugin *p = NULL;
    weft_error *e = weft_plugin_compile(wasm, len, opts, &cp);
    if (!e) {
        e = weft_plugin_instantiate(cp, &p);
        weft_compiled_plugin_free(cp);
    }
    if (err) *err = e ? weft_error_format(e) : NULL;
    weft_error_free(e);
    return p;
}

/* Forgets every var (the array stays for reuse). */
static void vars_clear(weft_plugin *p) {
    for (size_t i = 0; i < p->nvars; i++) {
        free(p->vars[i].key);
        free(p->vars[i].value);
    }
    p->nvars = 0;
    p->var_bytes = 0;
}

WEFT_API void weft_plugin_free(weft_plugin *p) {
    if (!p) return;
    deadline_unregister(p);
    teardown(p);
    blocks_free(&p->blk);
    vars_clear(p);
    free(p->vars);
    free(p->fail_msg);
    free(p->error);
    free(p->user);
    cp_release(p->cp);
    free(p);
}

/* ---- resets -------------------------------------------------------------------------------- */

/* cp's snapshot: the state of an instance right after start-up, taken from a template instance
 * the first time any instance is reset. */
static weft_error *plugin_snapshot(weft_compiled_plugin *cp, weft_snapshot **out) {
    if ((*out = atomic_load(&cp->snapshot))) return NULL;
    weft_plugin *tmp;
    weft_snapshot *snap = NULL;
    weft_error *e = weft_plugin_instantiate(cp, &tmp);
    if (e) return e;
    e = weft_snapshot_new(tmp->inst, &snap);
    weft_plugin_free(tmp);
    if (e) return e;
    weft_snapshot *none = NULL;
    if (!atomic_compare_exchange_strong(&cp->snapshot, &none, snap)) { /* another thread won */
        weft_snapshot_free(snap);
        snap = none;
    }
    *out = snap;
    return NULL;
}

WEFT_API weft_error *weft_plugin_reset(weft_plugin *p, const weft_plugin_stdio *io) {
    weft_compiled_plugin *cp = p->cp;
    weft_snapshot *snap;
    weft_error *e = plugin_snapshot(cp, &snap);
    if (e) return e;
    if (!p->inst) { /* a failed re-instantiation left nothing to reset */
        teardown(p);
        if ((e = setup(p))) {
            teardown(p);
            p->broken = true;
            return e;
        }
    }
    if ((e = weft_instance_reset(p->inst, snap))) {
        p->broken = true;
        return e;
    }
    p->broken = false;
    vars_clear(p);
    blocks_reset(&p->blk);
    if (io && !p->wasi)
        return weft_error_new(WEFT_ERR_USAGE, "weft_plugin_reset: stdio for a plugin without WASI");
    if (p->wasi) {
        if ((e = weft_wasi_reset(p->wasi, cp->wasi, io ? io->env : NULL, io ? io->nenv : 0)))
            return e;
        if (io && (e = weft_wasi_stdio_buffers(p->wasi, io->in, io->in_len, io->out_limit,
                                               io->err_limit)))
            return e;
    }
    return NULL;
}

WEFT_API const uint8_t *weft_plugin_stdout(weft_plugin *p, size_t *len, bool *truncated) {
    if (!p->wasi) {
        *len = 0;
        if (truncated) *truncated = false;
        return NULL;
    }
    return weft_wasi_output(p->wasi, 1, len, truncated);
}

WEFT_API const uint8_t *weft_plugin_stderr(weft_plugin *p, size_t *len, bool *truncated) {
    if (!p->wasi) {
        *len = 0;
        if (truncated) *truncated = false;
        return NULL;
    }
    return weft_wasi_output(p->wasi, 2, len, truncated);
}

/* ---- calls --------------------------------------------------------------------------------- */

/* The export fn if it has a plugin's type (no parameters; no result or an i32); remembered in a
 * small per-instance cache, so repeated calls skip the search. */
static bool lookup(weft_plugin *p, const char *fn, weft_func **out, bool *returns_i32) {
    for (unsigned i = 0; i < PLUGIN_FN_CACHE; i++)
        if (p->cache[i].func && strcmp(p->cache[i].name, fn) == 0) {
            *out = p->cache[i].func;
            *returns_i32 = p->cache[i].returns_i32;
            return true;
        }
    weft_func *f = weft_instance_func(p->inst, fn);
    if (!f || weft_func_param_count(f) != 0 || weft_func_result_count(f) > 1) return false;
    bool i32 = weft_func_result_count(f) == 1;
    if (i32 && weft_func_results(f)[0] != WEFT_I32) return false;
    if (strlen(fn) < sizeof p->cache[0].name) {
        fn_cache *c = &p->cache[p->cache_next++ % PLUGIN_FN_CACHE];
        strcpy(c->name, fn);
        c->func = f;
        c->returns_i32 = i32;
    }
    *out = f;
    *returns_i32 = i32;
    return true;
}

static void set_error(weft_plugin *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(weft_plugin *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    free(p->error);
    if (vasprintf(&p->error, fmt, ap) < 0) p->error = NULL;
    va_end(ap);
}

/* "<what>: message (in f, called from g, h)": the trap with the functions it happened in. */
static void set_trap_error(weft_plugin *p, const char *what, const weft_error *e) {
    char frames[512] = "";
    size_t n = weft_error_frame_count(e), used = 0;
    for (size_t i = 0; i < n && i < 6 && used < sizeof frames - 1; i++) {
        int w = snprintf(frames + used, sizeof frames - used, "%s%s", i == 0 ? " (in " :
                         i == 1 ? ", called from " : ", ", weft_error_frame_name(e, i));
        if (w < 0) break;
        used += (size_t)w;
        if (used >= sizeof frames) used = sizeof frames - 1;
    }
    if (n && used < sizeof frames - 1) {
        if (n > 6 || weft_error_frames_omitted(e)) snprintf(frames + used, sizeof frames - used, ", ...)");
        else snprintf(frames + used, sizeof frames - used, ")");
    }
    set_error(p, "%s: %s%s", what, weft_error_message(e), frames);
}

/* Sorts a failed call into a status and sets p->error. */
static weft_plugin_status classify(weft_plugin *p, weft_error *e, const char *fn,
                                   uint64_t grows_before) {
    const weft_plugin_options *o = &p->cp->opts;
    p->broken = true; /* a guest unwound mid-way may have left anything half done */
    if (p->fail_msg) {
        set_error(p, "%s", p->fail_msg);
        return p->fail;
    }
    switch (weft_error_kind_of(e)) {
    case WEFT_ERR_EXIT: {
        int code = weft_error_exit_code(e);
        if (code == 0) return WEFT_PLUGIN_OK;
        set_error(p, "%s exited with code %d", fn, code);
        return WEFT_PLUGIN_ERROR;
    }
    case WEFT_ERR_TRAP: break;
    default:
        set_error(p, "%s failed: %s: %s", fn, weft_error_kind_name(weft_error_kind_of(e)),
                  weft_error_message(e));
        return WEFT_PLUGIN_TRAP;
    }
    switch (weft_error_trap_code(e)) {
    case WEFT_TRAP_INTERRUPTED:
        if (atomic_load(&p->stop_reason) == WEFT_PLUGIN_TIMEOUT) {
            set_error(p, "%s ran longer than its timeout of %llu ms", fn,
                      (unsigned long long)o->timeout_ms);
            return WEFT_PLUGIN_TIMEOUT;
        }
        set_error(p, "%s was cancelled", fn);
        return WEFT_PLUGIN_CANCELLED;
    case WEFT_TRAP_OUT_OF_FUEL:
        set_error(p, "%s used all its fuel (%llu units)", fn, (unsigned long long)o->fuel);
        return WEFT_PLUGIN_FUEL;
    case WEFT_TRAP_STACK_EXHAUSTED: {
        char what[160];
        snprintf(what, sizeof what, "%s went over the call depth limit", fn);
        set_trap_error(p, what, e);
        return WEFT_PLUGIN_LIMIT;
    }
    default:
        break;
    }
    char what[192];
    if (p->mem && weft_memory_refused_grows(p->mem) > grows_before) {
        snprintf(what, sizeof what, "%s went over the memory limit of %llu bytes and stopped", fn,
                 (unsigned long long)o->max_memory_bytes);
        set_trap_error(p, what, e);
        return WEFT_PLUGIN_LIMIT;
    }
    snprintf(what, sizeof what, "%s trapped", fn);
    set_trap_error(p, what, e);
    return WEFT_PLUGIN_TRAP;
}

WEFT_API weft_plugin_status weft_plugin_call(weft_plugin *p, const char *fn, const void *in,
                                             size_t in_len) {
    weft_compiled_plugin *cp = p->cp;
    if (p->error) {
        free(p->error);
        p->error = NULL;
    }
    if (p->fail_msg) {
        free(p->fail_msg);
        p->fail_msg = NULL;
    }
    p->fail = WEFT_PLUGIN_OK;
    p->output = NULL;
    p->output_size = 0;
    if (!fn) {
        set_error(p, "no function name");
        return WEFT_PLUGIN_NOT_FOUND;
    }
    if (p->broken) {
        teardown(p);
        weft_error *e = setup(p);
        if (e) {
            set_error(p, "re-instantiating the plugin after a failed call: %s",
                      weft_error_message(e));
            weft_error_free(e);
            teardown(p);
            return WEFT_PLUGIN_TRAP; /* stays broken: the next call tries again */
        }
        p->broken = false;
    }
    weft_func *func;
    bool returns_i32;
    if (!lookup(p, fn, &func, &returns_i32)) {
        weft_func *f = weft_instance_func(p->inst, fn);
        if (f) set_error(p, "%s is not a plugin function: it must take no parameters and return "
                            "nothing or an i32", fn);
        else set_error(p, "function %s not found in the plugin", fn);
        return WEFT_PLUGIN_NOT_FOUND;
    }
    blocks_reset(&p->blk);
    p->input_off = 0;
    p->input_len = in_len;
    if (in_len) {
        if (!(p->input_off = blocks_alloc(&p->blk, in_len))) {
            set_error(p, "the input of %zu bytes does not fit in the plugin's memory limit of %llu "
                      "bytes", in_len, (unsigned long long)cp->opts.max_memory_bytes);
            return WEFT_PLUGIN_LIMIT;
        }
        memcpy(p->blk.base + p->input_off, in, in_len);
    }
    p->output_off = p->output_len = 0;
    p->error_off = 0;
    p->http_status = 0;
    p->http_headers_off = 0;
    if (cp->opts.fuel) weft_store_set_fuel(p->store, cp->opts.fuel);
    uint64_t grows = p->mem ? weft_memory_refused_grows(p->mem) : 0;

    weft_store_clear_interrupt(p->store);
    atomic_store(&p->stop_reason, 0);
    atomic_store(&p->in_call, 1);
    if (cp->opts.timeout_ms) deadline_arm(p, cp->opts.timeout_ms);
    weft_val res[1];
    weft_error *e = weft_func_call(p->store, func, NULL, 0, res, returns_i32 ? 1 : 0);
    if (cp->opts.timeout_ms) deadline_disarm(p);
    atomic_store(&p->in_call, 0);

    weft_plugin_status st = WEFT_PLUGIN_OK;
    int32_t rc = 0;
    if (e) {
        st = classify(p, e, fn, grows);
        weft_error_free(e);
        if (st != WEFT_PLUGIN_OK) return st;
    } else if (returns_i32) {
        rc = res[0].of.i32;
    }
    if (p->error_off) {
        block *k = blocks_find(&p->blk, p->error_off);
        if (k) set_error(p, "%.*s", (int)k->len, (const char *)p->blk.base + k->off);
        else set_error(p, "%s failed (its error block was freed)", fn);
        return WEFT_PLUGIN_ERROR;
    }
    if (rc != 0) {
        set_error(p, "%s returned %d", fn, (int)rc);
        return WEFT_PLUGIN_ERROR;
    }
    if (p->output_len) {
        p->output = blocks_range(&p->blk, p->output_off, p->output_len);
        p->output_size = p->output ? p->output_len : 0;
    }
    return WEFT_PLUGIN_OK;
}

WEFT_API const uint8_t *weft_plugin_output(weft_plugin *p, size_t *len) {
    if (len) *len = p->output_size;
    return p->output;
}

WEFT_API const char *weft_plugin_error(weft_plugin *p) { return p->error; }

WEFT_API bool weft_plugin_function_exists(weft_plugin *p, const char *fn) {
    weft_func *f;
    bool i32;
    return fn && p->inst && lookup(p, fn, &f, &i32);
}

WEFT_API void weft_plugin_cancel(weft_plugin *p) {
    weft_compiled_plugin *cp = p->cp;
    pthread_mutex_lock(&cp->lock);
    if (atomic_load(&p->in_call) && p->store) {
        int none = 0;
        atomic_compare_exchange_strong(&p->stop_reason, &none, WEFT_PLUGIN_CANCELLED);
        weft_store_interrupt(p->store);
    }
    pthread_mutex_unlock(&cp->lock);
}

/* ---- vars ---------------------------------------------------------------------------------- */

/* Each var is charged its key and value plus this much, as Extism charges a few dozen bytes of
 * overhead: it bounds how many vars a plugin can keep, and so the cost of looking one up. */
#define VAR_OVERHEAD 32

kv *kv_find(kv *list, size_t n, const void *key, size_t klen) {
    for (size_t i = 0; i < n; i++)
        if (list[i].key_len == klen && memcmp(list[i].key, key, klen) == 0) return &list[i];
    return NULL;
}

int plugin_var_put(weft_plugin *p, const void *key, size_t klen, const void *value, size_t len) {
    kv *found = kv_find(p->vars, p->nvars, key, klen);
    size_t i = found ? (size_t)(found - p->vars) : p->nvars;
    uint64_t old = i < p->nvars ? VAR_OVERHEAD + p->vars[i].key_len + p->vars[i].len : 0;
    if (!value) {
        if (i == p->nvars) return 0;
        free(p->vars[i].key);
        free(p->vars[i].value);
        p->vars[i] = p->vars[--p->nvars];
        p->var_bytes -= old;
        return 0;
    }
    uint64_t total = p->var_bytes - old + VAR_OVERHEAD + klen + len;
    if (total > p->cp->opts.max_var_bytes) return -1;
    uint8_t *v = malloc(len ? len : 1);
    if (!v) return -2;
    memcpy(v, value, len);
    if (i == p->nvars) {
        if (p->nvars == p->vars_cap) {
            size_t nc = p->vars_cap ? p->vars_cap * 2 : 8;
            kv *l = realloc(p->vars, nc * sizeof *l);
            if (!l) {
                free(v);
                return -2;
            }
            p->vars = l;
            p->vars_cap = nc;
        }
        char *k = malloc(klen + 1);
        if (!k) {
            free(v);
            return -2;
        }
        memcpy(k, key, klen);
        k[klen] = 0;
        p->vars[p->nvars++] = (kv){.key = k, .key_len = klen};
    } else {
        free(p->vars[i].value);
    }
    p->vars[i].value = v;
    p->vars[i].len = len;
    p->var_bytes = total;
    return 0;
}

WEFT_API weft_error *weft_plugin_var_set(weft_plugin *p, const char *key, const void *value,
                                         size_t len) {
    if (!key) return weft_error_new(WEFT_ERR_USAGE, "weft_plugin_var_set: no key");
    int rc = plugin_var_put(p, key, strlen(key), value, len);
    if (rc == -1)
        return weft_error_new(WEFT_ERR_LIMIT, "var %s: the plugin's vars would take more than %llu "
                              "bytes", key, (unsigned long long)p->cp->opts.max_var_bytes);
    if (rc == -2) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    return NULL;
}

WEFT_API const uint8_t *weft_plugin_var_get(weft_plugin *p, const char *key, size_t *len) {
    kv *v = key ? kv_find(p->vars, p->nvars, key, strlen(key)) : NULL;
    if (len) *len = v ? v->len : 0;
    return v ? v->value : NULL;
}

/* ---- blocks and memory for host functions -------------------------------------------------- */

WEFT_API const uint8_t *weft_plugin_block_get(weft_plugin *p, uint64_t offset, size_t *len) {
    block *k = blocks_find(&p->blk, offset);
    if (len) *len = k ? k->len : 0;
    return k ? p->blk.base + k->off : NULL;
}

WEFT_API uint64_t weft_plugin_block_new(weft_plugin *p, const void *data, size_t len) {
    if (!len) return 0;
    uint64_t off = blocks_alloc(&p->blk, len);
    if (off && data) memcpy(p->blk.base + off, data, len);
    return off;
}

WEFT_API weft_memory *weft_plugin_memory(weft_plugin *p) { return p->mem; }
