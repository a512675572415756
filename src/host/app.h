/* app.h: an application loaded from its manifest: every component compiled once (as a plugin of
 * the engine's embedding layer), its kind settled, its handler export checked, its snapshot taken,
 * and a free list of instances that requests borrow and reset. Used by the triggers (src/trigger).
 */
#ifndef WEFT_APP_H
#define WEFT_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "component/cinst.h"
#include "host/cset.h"
#include "host/manifest.h"
#include "weft.h"

typedef struct app_component {
    const mf_component *mf;
    mf_kind kind;
    const char *function;       /* the export a request calls */
    bool wasi;                  /* the module imports WASI */
    weft_compiled_plugin *cp;
    const char **env;           /* "KEY=VALUE" from the manifest, owned */
    size_t nenv;

    ccomp *cc;                  /* kind component: the compiled component binary (cp is NULL) */

    pthread_mutex_t lock;       /* guards the free lists */
    weft_plugin **idle;
    size_t nidle, idle_cap;
    cset **idle_sets;           /* kind component */
    size_t nidle_sets, idle_sets_cap;
    atomic_ullong instances;    /* created, for metrics */
} app_component;

typedef struct app {
    manifest *mf;               /* owned */
    app_component *comps;       /* one per mf->components, same order */
    size_t ncomps;
    weft_engine *ceng;          /* compiles component binaries (fuel, interrupts as needed) */
    /* The watchdog: interrupts component sets past their deadline (plugins have their own). */
    pthread_t watch;
    bool watching;
    atomic_bool watch_stop;
    pthread_mutex_t watch_lock;
    cset **watched;
    size_t nwatched, watched_cap;
} app;

/* Compiles every component of mf (which the app takes over, even on failure). Errors name the
 * manifest, the component and what is wrong; *err is malloc'd. */
app *app_load(manifest *mf, char **err);
void app_free(app *a);
/* An instance of c for one request: an idle one, or a new one. NULL with *err (malloc'd) when a
 * new one cannot be made. Give it back with app_release. */
weft_plugin *app_acquire(app_component *c, char **err);
void app_release(app_component *c, weft_plugin *p);

/* A component set rooted at c (kind component) for one request: an idle one, or a new one. Reset
 * it (cset_reset) before use; give it back with app_release_set. NULL with *err (malloc'd). */
cset *app_acquire_set(app *a, app_component *c, char **err);
void app_release_set(app_component *c, cset *s);
/* Runs f with s's deadline armed for timeout_ms (0: none); true if the watchdog interrupted it. */
void app_arm(cset *s, uint64_t timeout_ms);
void app_disarm(cset *s);

/* printf into a malloc'd string (NULL when out of memory): the host's and triggers' messages. */
char *app_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
