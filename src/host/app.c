/* app.c: loading an application: each component's module read, inspected (kind, handler export,
 * WASI imports), compiled as a plugin with the manifest's grants and limits, and given a snapshot
 * (a first instance is made and reset, so that a broken module fails at start-up, not on the
 * first request). Instances are kept on a free list per component: a request takes one, resets it
 * to the snapshot, runs, and puts it back. Component binaries (kind component) are compiled with
 * the app's component engine and linked by interface into component sets (cset.c), pooled the
 * same way; the app's watchdog thread enforces their timeouts. */
#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/app.h"

char *app_strf(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0) s = NULL;
    va_end(ap);
    return s;
}

static bool read_all(const char *path, uint8_t **out, size_t *len, char **err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = app_strf("%s", strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        *err = app_strf("%s", buf ? "read error" : "out of memory");
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

/* What the module says about itself: whether it exports _start, exports fn as a function, and
 * imports WASI. */
static weft_error *inspect(const uint8_t *wasm, size_t len, const char *fn, bool *has_start,
                           bool *has_fn, bool *wasi) {
    weft_engine *e = weft_engine_new(NULL);
    if (!e) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    weft_module *m;
    weft_error *err = weft_module_new(e, wasm, len, &m);
    if (err) {
        weft_engine_free(e);
        return err;
    }
    *has_start = *has_fn = *wasi = false;
    for (size_t i = 0; i < weft_module_export_count(m); i++) {
        const char *name;
        size_t nlen;
        weft_extern_kind kind;
        weft_module_export(m, i, &name, &nlen, &kind);
        if (kind != WEFT_EXTERN_FUNC) continue;
        if (nlen == 6 && memcmp(name, "_start", 6) == 0) *has_start = true;
        if (fn && strlen(fn) == nlen && memcmp(name, fn, nlen) == 0) *has_fn = true;
    }
    for (size_t i = 0; i < weft_module_import_count(m); i++) {
        const char *mod, *name;
        size_t mlen, nlen;
        weft_extern_kind kind;
        weft_module_import(m, i, &mod, &mlen, &name, &nlen, &kind);
        if (mlen == 22 && memcmp(mod, "wasi_snapshot_preview1", 22) == 0) *wasi = true;
    }
    weft_module_free(m);
    weft_engine_free(e);
    return NULL;
}

static void guest_log(void *ud, weft_log_level level, const char *msg, size_t len) {
    static const char *names[] = {"trace", "debug", "info", "warn", "error"};
    const app_component *c = ud;
    fprintf(stderr, "weft: %s: guest %s: %.*s\n", c->mf->id, names[level < 5 ? level : 4],
            (int)(len > 4096 ? 4096 : len), msg);
}

static char *load_component(app *a, app_component *c) {
    const mf_component *mc = c->mf;
    /* "app.yaml:12:3: component hello" for a manifest, "component handler" without one */
    char where[512];
    if (a->mf->path && *a->mf->path)
        snprintf(where, sizeof where, "%s:%d:%d: component", a->mf->path, mc->line, mc->col);
    else
        snprintf(where, sizeof where, "component");
    uint8_t *wasm = NULL;
    size_t len = 0;
    char *why = NULL;
    if (!read_all(mc->source, &wasm, &len, &why)) {
        char *msg = app_strf("%s %s: cannot read %s: %s", where,
                        mc->id, mc->source, why ? why : "out of memory");
        free(why);
        return msg;
    }
    if (cbin_is_component(wasm, len)) {
        char *msg = NULL;
        if (mc->kind_set && mc->kind != MF_KIND_COMPONENT) {
            msg = app_strf("%s %s: %s is a component binary, but its kind is %s", where, mc->id,
                           mc->source, mc->kind == MF_KIND_WAGI ? "wagi" : "plugin");
        } else {
            c->kind = MF_KIND_COMPONENT;
            c->function = mc->function ? mc->function : "weft:http/handler@0.1.0#handle";
            weft_error *e = ccomp_new(a->ceng, wasm, len, &c->cc);
            if (e) {
                msg = app_strf("%s %s: %s is not a valid component: %s", where, mc->id,
                               mc->source, weft_error_message(e));
                weft_error_free(e);
            } else if (mc->nconfig || mc->nenv || mc->ndirs || mc->nallowed_hosts) {
                fprintf(stderr, "weft: %s %s: warning: config, env, dirs and allowed_hosts are "
                                "not given to component binaries yet\n", where, mc->id);
            }
        }
        free(wasm);
        return msg;
    }
    if (mc->kind_set && mc->kind == MF_KIND_COMPONENT) {
        free(wasm);
        return app_strf("%s %s: kind component, but %s is a core module, not a component binary",
                        where, mc->id, mc->source);
    }
    if (mc->nimports) {
        free(wasm);
        return app_strf("%s %s: 'imports' are for component binaries, and %s is a core module",
                        where, mc->id, mc->source);
    }
    bool has_start = false, has_fn = false, wasi = false;
    const char *fn = mc->function;
    weft_error *e = inspect(wasm, len, fn ? fn : "handle", &has_start, &has_fn, &wasi);
    char *msg = NULL;
    if (e) {
        msg = app_strf("%s %s: %s is not a valid module: %s", where, mc->id, mc->source, weft_error_message(e));
        goto done;
    }
    c->kind = mc->kind_set ? mc->kind : has_start ? MF_KIND_WAGI : MF_KIND_PLUGIN;
    c->wasi = wasi;
    if (c->kind == MF_KIND_WAGI) {
        c->function = fn ? fn : "_start";
        if (!fn) has_fn = has_start;
        if (!wasi) {
            msg = app_strf("%s %s: a wagi handler must be a WASI command, but %s "
                      "imports nothing from wasi_snapshot_preview1", where, mc->id, mc->source);
            goto done;
        }
    } else {
        c->function = fn ? fn : "handle";
    }
    if (!has_fn) {
        msg = app_strf("%s %s: %s exports no function %s (kind %s)", where, mc->id, mc->source, c->function,
                  c->kind == MF_KIND_WAGI ? "wagi" : "plugin");
        goto done;
    }
    if (mc->nenv && !wasi)
        fprintf(stderr, "weft: %s %s: warning: env is ignored, %s does not "
                        "import WASI\n", where, mc->id, mc->source);
    if (mc->nenv) {
        if (!(c->env = calloc(mc->nenv, sizeof *c->env))) goto nomem;
        for (size_t i = 0; i < mc->nenv; i++, c->nenv++)
            if (!(c->env[i] = app_strf("%s=%s", mc->env[i].key, mc->env[i].value))) goto nomem;
    }

    weft_plugin_kv *config = calloc(mc->nconfig + 1, sizeof *config);
    weft_plugin_dir *dirs = calloc(mc->ndirs + 1, sizeof *dirs);
    if (!config || !dirs) {
        free(config);
        free(dirs);
        goto nomem;
    }
    for (size_t i = 0; i < mc->nconfig; i++) config[i] = (weft_plugin_kv){mc->config[i].key, mc->config[i].value};
    for (size_t i = 0; i < mc->ndirs; i++)
        dirs[i] = (weft_plugin_dir){mc->dirs[i].host, mc->dirs[i].guest, mc->dirs[i].read_only};
    weft_plugin_options o = {
        .config = config, .nconfig = mc->nconfig,
        .allowed_hosts = (const char *const *)mc->allowed_hosts, .nallowed_hosts = mc->nallowed_hosts,
        .wasi = wasi, .dirs = dirs, .ndirs = mc->ndirs,
        .max_memory_bytes = mc->max_memory, .fuel = mc->fuel, .timeout_ms = mc->timeout_ms,
        .log_level = WEFT_LOG_INFO, .log = guest_log, .log_user_data = c,
    };
    e = weft_plugin_compile(wasm, len, &o, &c->cp);
    free(config);
    free(dirs);
    if (e) {
        msg = app_strf("%s %s: %s", where, mc->id,
                  weft_error_message(e));
        goto done;
    }
    /* One instance now, reset once: start-up code and the snapshot fail here, not per request. */
    char *why2 = NULL;
    weft_plugin *p = app_acquire(c, &why2);
    if (!p) {
        msg = app_strf("%s %s: %s", where, mc->id, why2);
        free(why2);
        goto done;
    }
    weft_error *re = weft_plugin_reset(p, NULL);
    if (re) {
        msg = app_strf("%s %s: cannot snapshot the instance: %s", where, mc->id, weft_error_message(re));
        weft_error_free(re);
        weft_plugin_free(p);
        goto done;
    }
    app_release(c, p);
    goto done;
nomem:
    msg = app_strf("out of memory");
done:
    weft_error_free(e);
    free(wasm);
    return msg;
}

static void *watchdog(void *arg);

app *app_load(manifest *mf, char **err) {
    *err = NULL;
    app *a = calloc(1, sizeof *a);
    if (!a || !(a->comps = calloc(mf->ncomponents ? mf->ncomponents : 1, sizeof *a->comps))) {
        free(a);
        manifest_free(mf);
        *err = app_strf("out of memory");
        return NULL;
    }
    a->mf = mf;
    pthread_mutex_init(&a->watch_lock, NULL);
    weft_engine_config ec = {0};
    bool any_timeout = false;
    for (size_t i = 0; i < mf->ncomponents; i++) {
        if (mf->components[i].fuel) ec.consume_fuel = true;
        if (mf->components[i].timeout_ms) ec.interruptible = any_timeout = true;
    }
    if (!(a->ceng = weft_engine_new(&ec))) {
        *err = app_strf("out of memory");
        app_free(a);
        return NULL;
    }
    for (size_t i = 0; i < mf->ncomponents; i++) {
        app_component *c = &a->comps[i];
        c->mf = &mf->components[i];
        pthread_mutex_init(&c->lock, NULL);
        atomic_init(&c->instances, 0);
        a->ncomps = i + 1;
        if ((*err = load_component(a, c))) {
            app_free(a);
            return NULL;
        }
    }
    if (any_timeout) {
        if (pthread_create(&a->watch, NULL, watchdog, a) != 0) {
            *err = app_strf("cannot start the watchdog thread");
            app_free(a);
            return NULL;
        }
        a->watching = true;
    }
    /* Link every component binary now: a missing or mistyped import, or a cycle, fails at
     * start-up; the set made stays for the first request. */
    for (size_t i = 0; i < a->ncomps; i++) {
        if (a->comps[i].kind != MF_KIND_COMPONENT) continue;
        char *why = NULL;
        cset *set = app_acquire_set(a, &a->comps[i], &why);
        if (!set) {
            const mf_component *mc = a->comps[i].mf;
            *err = app_strf("%s:%d:%d: component %s: %s", mf->path && *mf->path ? mf->path : "app",
                            mc->line, mc->col, mc->id, why ? why : "out of memory");
            free(why);
            app_free(a);
            return NULL;
        }
        bool routed = false;
        for (size_t r = 0; r < mf->nroutes; r++) routed |= mf->routes[r].component == i;
        if (routed && !set->entry) {
            char msg[1024];
            const mf_component *mc = a->comps[i].mf;
            cinst_find_func(set->exports, a->comps[i].function, strlen(a->comps[i].function), msg,
                            sizeof msg);
            *err = app_strf("%s:%d:%d: component %s serves HTTP routes, but: %s",
                            mf->path && *mf->path ? mf->path : "app", mc->line, mc->col, mc->id,
                            msg);
            app_release_set(&a->comps[i], set);
            app_free(a);
            return NULL;
        }
        app_release_set(&a->comps[i], set);
    }
    return a;
}

/* ---- component sets and their watchdog ---------------------------------------------------------- */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wakes every millisecond while a set has a deadline armed, every 20 ms otherwise. */
static void *watchdog(void *arg) {
    app *a = arg;
    while (!atomic_load(&a->watch_stop)) {
        bool armed = false;
        uint64_t now = now_ns();
        pthread_mutex_lock(&a->watch_lock);
        for (size_t i = 0; i < a->nwatched; i++) {
            cset *s = a->watched[i];
            long long d = atomic_load(&s->deadline_ns);
            if (!d) continue;
            armed = true;
            if (now > (uint64_t)d && !atomic_load(&s->timed_out)) {
                atomic_store(&s->timed_out, true);
                weft_store_interrupt(s->store);
            }
        }
        pthread_mutex_unlock(&a->watch_lock);
        usleep(armed ? 1000 : 20000);
    }
    return NULL;
}

void app_arm(cset *s, uint64_t timeout_ms) {
    if (timeout_ms) atomic_store(&s->deadline_ns, (long long)(now_ns() + timeout_ms * 1000000u));
}

void app_disarm(cset *s) { atomic_store(&s->deadline_ns, 0); }

cset *app_acquire_set(app *a, app_component *c, char **err) {
    pthread_mutex_lock(&c->lock);
    cset *s = c->nidle_sets ? c->idle_sets[--c->nidle_sets] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (s) return s;
    if (!(s = cset_new(a, (size_t)(c - a->comps), err))) return NULL;
    s->entry = cinst_find_func(s->exports, c->function, strlen(c->function), NULL, 0);
    pthread_mutex_lock(&a->watch_lock);
    if (a->nwatched == a->watched_cap) {
        size_t cap = a->watched_cap ? a->watched_cap * 2 : 8;
        cset **v = realloc(a->watched, cap * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&a->watch_lock);
            cset_free(s);
            *err = app_strf("out of memory");
            return NULL;
        }
        a->watched = v;
        a->watched_cap = cap;
    }
    a->watched[a->nwatched++] = s;
    pthread_mutex_unlock(&a->watch_lock);
    atomic_fetch_add(&c->instances, 1);
    return s;
}

void app_release_set(app_component *c, cset *s) {
    pthread_mutex_lock(&c->lock);
    if (c->nidle_sets == c->idle_sets_cap) {
        size_t cap = c->idle_sets_cap ? c->idle_sets_cap * 2 : 8;
        cset **n = realloc(c->idle_sets, cap * sizeof *n);
        if (!n) { /* kept by the watch list, freed with the app */
            pthread_mutex_unlock(&c->lock);
            return;
        }
        c->idle_sets = n;
        c->idle_sets_cap = cap;
    }
    c->idle_sets[c->nidle_sets++] = s;
    pthread_mutex_unlock(&c->lock);
}

void app_free(app *a) {
    if (!a) return;
    if (a->watching) {
        atomic_store(&a->watch_stop, true);
        pthread_join(a->watch, NULL);
    }
    /* every set ever made is on the watch list */
    for (size_t i = 0; i < a->nwatched; i++) cset_free(a->watched[i]);
    free(a->watched);
    pthread_mutex_destroy(&a->watch_lock);
    for (size_t i = 0; i < a->ncomps; i++) {
        app_component *c = &a->comps[i];
        for (size_t k = 0; k < c->nidle; k++) weft_plugin_free(c->idle[k]);
        free(c->idle);
        for (size_t k = 0; k < c->nenv; k++) free((char *)c->env[k]);
        free(c->env);
        weft_compiled_plugin_free(c->cp);
        free(c->idle_sets);
        ccomp_free(c->cc);
        pthread_mutex_destroy(&c->lock);
    }
    free(a->comps);
    weft_engine_free(a->ceng);
    manifest_free(a->mf);
    free(a);
}

weft_plugin *app_acquire(app_component *c, char **err) {
    pthread_mutex_lock(&c->lock);
    weft_plugin *p = c->nidle ? c->idle[--c->nidle] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (p) return p;
    weft_error *e = weft_plugin_instantiate(c->cp, &p);
    if (e) {
        *err = app_strf("cannot instantiate: %s", weft_error_message(e));
        weft_error_free(e);
        return NULL;
    }
    atomic_fetch_add(&c->instances, 1);
    return p;
}

void app_release(app_component *c, weft_plugin *p) {
    pthread_mutex_lock(&c->lock);
    if (c->nidle == c->idle_cap) {
        size_t cap = c->idle_cap ? c->idle_cap * 2 : 8;
        weft_plugin **n = realloc(c->idle, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&c->lock);
            weft_plugin_free(p);
            return;
        }
        c->idle = n;
        c->idle_cap = cap;
    }
    c->idle[c->nidle++] = p;
    pthread_mutex_unlock(&c->lock);
}
