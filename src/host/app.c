/* app.c: loading an application: each component's module read, inspected (kind, handler export,
 * WASI imports), compiled as a plugin with the manifest's grants and limits, and given a snapshot
 * (a first instance is made and reset, so that a broken module fails at start-up, not on the
 * first request). Instances are kept on a free list per component: a request takes one, resets it
 * to the snapshot, runs, and puts it back. */
#include <errno.h>
#include <stdarg.h>
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
    return a;
}

void app_free(app *a) {
    if (!a) return;
    for (size_t i = 0; i < a->ncomps; i++) {
        app_component *c = &a->comps[i];
        for (size_t k = 0; k < c->nidle; k++) weft_plugin_free(c->idle[k]);
        free(c->idle);
        for (size_t k = 0; k < c->nenv; k++) free((char *)c->env[k]);
        free(c->env);
        weft_compiled_plugin_free(c->cp);
        pthread_mutex_destroy(&c->lock);
    }
    free(a->comps);
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
