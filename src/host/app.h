/* app.h: an application loaded from its manifest: every component compiled once (as a plugin of
 * the engine's embedding layer), its kind settled, its handler export checked, its snapshot taken,
 * and a free list of instances that requests borrow and reset. Used by the triggers (src/trigger).
 */
#ifndef WEFT_APP_H
#define WEFT_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

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

    pthread_mutex_t lock;       /* guards the free list */
    weft_plugin **idle;
    size_t nidle, idle_cap;
    atomic_ullong instances;    /* created, for metrics */
} app_component;

typedef struct app {
    manifest *mf;               /* owned */
    app_component *comps;       /* one per mf->components, same order */
    size_t ncomps;
} app;

/* Compiles every component of mf (which the app takes over, even on failure). Errors name the
 * manifest, the component and what is wrong; *err is malloc'd. */
app *app_load(manifest *mf, char **err);
void app_free(app *a);
/* An instance of c for one request: an idle one, or a new one. NULL with *err (malloc'd) when a
 * new one cannot be made. Give it back with app_release. */
weft_plugin *app_acquire(app_component *c, char **err);
void app_release(app_component *c, weft_plugin *p);

/* printf into a malloc'd string (NULL when out of memory): the host's and triggers' messages. */
char *app_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
