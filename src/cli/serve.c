/* serve.c: `weft up [APP.yaml]` runs an app manifest's HTTP triggers; `weft serve HANDLER.wasm`
 * serves one handler on every path, with the grants and limits given as options instead of a
 * manifest. Both run until SIGINT or SIGTERM, then stop gracefully. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "host/app.h"
#include "host/manifest.h"
#include "trigger/http.h"

#define DEFAULT_GRACE_MS 30000

static void serve_usage(FILE *f) {
    fprintf(f,
            "usage: weft serve HANDLER.wasm [OPTIONS]\n"
            "Serves HANDLER.wasm on every path (route /...), a fresh instance per request.\n"
            "  --listen ADDR          HOST:PORT, :PORT or [IPv6]:PORT (default 127.0.0.1:3000;\n"
            "                         port 0 picks a free one)\n"
            "  --kind wagi|plugin     wagi: a WASI command, CGI style; plugin: an Extism-ABI\n"
            "                         plugin whose function gets the request (default: wagi if\n"
            "                         the module exports _start, else plugin)\n"
            "  --function NAME        the plugin function to call (default handle)\n"
            "  --dir HOST[::GUEST]    grant a directory (--dir-ro: read-only)\n"
            "  --env KEY=VALUE        set an environment variable for the handler\n"
            "  --allow-host GLOB      hosts the handler may reach with http_request\n"
            "  --timeout DURATION     per request: 500 (ms), 500ms, 2s, 1m\n"
            "  --max-memory SIZE      per request: linear memory, bytes with K, M or G\n"
            "  --fuel N               per request\n"
            "  --config KEY=VALUE     plugin configuration\n");
}

static void common_usage(FILE *f) {
    fprintf(f,
            "  --admin ADDR           serve /metrics and /healthz there\n"
            "  --workers N            handlers that run at once (default: one per core)\n"
            "  --queue N              requests that may wait for a worker (default 64)\n"
            "  --max-body SIZE        largest request body (default 10M)\n"
            "  --no-access-log        no line per request on stdout\n"
            "  --shutdown-timeout D   on SIGINT/SIGTERM, how long requests in flight may take\n"
            "                         to finish before they are cancelled (default 30s)\n");
}

static void up_usage(FILE *f) {
    fprintf(f,
            "usage: weft up [APP.yaml] [OPTIONS]\n"
            "Runs the app's HTTP triggers (default manifest: app.yaml).\n"
            "  --listen ADDR          override http.listen\n");
}

typedef struct server_opts {
    const char *admin;
    unsigned workers, queue;
    bool workers_set, queue_set;
    uint64_t max_body;
    bool access_log;
    uint64_t grace_ms;
    const char *listen;
} server_opts;

/* The options weft serve and weft up share; true if argv[*i] was one (or an error: *bad). */
static bool common_opt(server_opts *o, int argc, char **argv, int *i, bool *bad) {
    const char *v;
    bool missing = false;
    uint64_t n;
    if ((v = cli_opt_value("--admin", argc, argv, i, &missing))) {
        o->admin = v;
    } else if ((v = cli_opt_value("--listen", argc, argv, i, &missing))) {
        o->listen = v;
    } else if ((v = cli_opt_value("--workers", argc, argv, i, &missing))) {
        if (!cli_want_u64("--workers", v, 1, 4096, &n)) *bad = true;
        o->workers = (unsigned)n;
        o->workers_set = true;
    } else if ((v = cli_opt_value("--queue", argc, argv, i, &missing))) {
        if (!cli_want_u64("--queue", v, 0, 1000000, &n)) *bad = true;
        o->queue = (unsigned)n;
        o->queue_set = true;
    } else if ((v = cli_opt_value("--max-body", argc, argv, i, &missing))) {
        if (!cli_want_size("--max-body", v, 0, &o->max_body)) *bad = true;
    } else if ((v = cli_opt_value("--shutdown-timeout", argc, argv, i, &missing))) {
        if (!cli_want_duration("--shutdown-timeout", v, &o->grace_ms)) *bad = true;
    } else if (strcmp(argv[*i], "--no-access-log") == 0) {
        o->access_log = false;
    } else {
        if (missing) {
            fprintf(stderr, "weft: %s wants a value\n", argv[*i]);
            *bad = true;
            return true;
        }
        return false;
    }
    if (missing) {
        fprintf(stderr, "weft: %s wants a value\n", argv[*i]);
        *bad = true;
    }
    return true;
}

static bool apply_common(manifest *mf, const server_opts *o) {
    if (o->listen) {
        free(mf->listen);
        if (!(mf->listen = strdup(o->listen))) return false;
    }
    if (o->admin) {
        free(mf->admin);
        if (!(mf->admin = strdup(o->admin))) return false;
    }
    if (o->workers_set) mf->workers = o->workers;
    if (o->queue_set) mf->queue = o->queue;
    if (o->max_body) mf->max_body = o->max_body;
    return true;
}

/* Loads the app, serves it until SIGINT or SIGTERM, stops gracefully. Takes mf over. */
static int run_app(manifest *mf, const server_opts *o) {
    /* Every thread the server starts inherits this mask: the signals come to sigwait below. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    char *err = NULL;
    app *a = app_load(mf, &err);
    if (!a) {
        fprintf(stderr, "weft: %s\n", err ? err : "out of memory");
        free(err);
        return CLI_EXIT_ERROR;
    }
    http_options ho = {.access_log = o->access_log};
    http_server *s = http_server_start(a, &ho, &err);
    if (!s) {
        fprintf(stderr, "weft: %s\n", err ? err : "out of memory");
        free(err);
        app_free(a);
        return CLI_EXIT_ERROR;
    }
    const manifest *m = a->mf;
    fprintf(stderr, "weft: %s: serving on http://%s/\n", m->name ? m->name : "app",
            http_server_address(s));
    for (size_t i = 0; i < m->nroutes; i++) {
        const mf_route *r = &m->routes[i];
        const app_component *c = &a->comps[r->component];
        fprintf(stderr, "weft:   %-24s -> %s (%s, %s)\n", r->pattern, c->mf->id,
                c->kind == MF_KIND_WAGI ? "wagi" : "plugin", c->function);
    }
    if (http_server_admin_address(s))
        fprintf(stderr, "weft: admin: http://%s/metrics and /healthz\n",
                http_server_admin_address(s));
    fflush(stderr);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "weft: %s: stopping (finishing requests in flight)\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    unsigned cancelled = http_server_stop(s, o->grace_ms);
    if (cancelled)
        fprintf(stderr, "weft: %u request(s) cancelled after the shutdown timeout\n", cancelled);
    fprintf(stderr, "weft: stopped\n");
    http_server_free(s);
    app_free(a);
    return CLI_EXIT_OK;
}

int cli_up(int argc, char **argv) {
    server_opts o = {.access_log = true, .grace_ms = DEFAULT_GRACE_MS};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        bool bad = false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            up_usage(stdout);
            common_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (common_opt(&o, argc, argv, &i, &bad)) {
            if (bad) return CLI_EXIT_USAGE;
            continue;
        }
        if (argv[i][0] == '-' || path) {
            fprintf(stderr, "weft: up: unexpected argument \"%s\"\n", argv[i]);
            up_usage(stderr);
            return CLI_EXIT_USAGE;
        }
        path = argv[i];
    }
    if (!path) path = "app.yaml";
    char *err = NULL;
    manifest *mf = manifest_load(path, &err);
    if (!mf) {
        fprintf(stderr, "weft: %s\n", err ? err : "out of memory");
        free(err);
        return CLI_EXIT_ERROR;
    }
    if (!apply_common(mf, &o)) {
        manifest_free(mf);
        fprintf(stderr, "weft: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    return run_app(mf, &o);
}

/* Appends a malloc'd pair to a manifest key/value array. */
static bool add_kv(mf_kv **v, size_t *n, const char *spec, const char *opt) {
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec) {
        fprintf(stderr, "weft: %s wants KEY=VALUE, not \"%s\"\n", opt, spec);
        return false;
    }
    mf_kv *nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return false;
    *v = nv;
    nv[*n] = (mf_kv){strndup(spec, (size_t)(eq - spec)), strdup(eq + 1)};
    if (!nv[*n].key || !nv[*n].value) return false;
    (*n)++;
    return true;
}

/* --dir HOST[::GUEST] */
static bool add_dir(mf_component *c, const char *v, bool read_only) {
    const char *sep = strstr(v, "::");
    mf_dir *d = realloc(c->dirs, (c->ndirs + 1) * sizeof *d);
    if (!d) return false;
    c->dirs = d;
    d[c->ndirs] = (mf_dir){sep ? strndup(v, (size_t)(sep - v)) : strdup(v),
                           strdup(sep ? sep + 2 : v), read_only};
    if (!d[c->ndirs].host || !d[c->ndirs].guest) return false;
    c->ndirs++;
    return true;
}

int cli_serve(int argc, char **argv) {
    server_opts o = {.access_log = true, .grace_ms = DEFAULT_GRACE_MS};
    manifest *mf = manifest_new();
    mf_component *c = mf ? calloc(1, sizeof *c) : NULL;
    mf_route *r = mf ? calloc(1, sizeof *r) : NULL;
    char *err = NULL;
    if (!mf || !c || !r) goto nomem;
    mf->components = c;
    mf->ncomponents = 1;
    mf->routes = r;
    mf->nroutes = 1;
    free(mf->name);
    if (!(mf->name = strdup("serve")) || !(c->id = strdup("handler")) ||
        !(r->pattern = strdup("/...")))
        goto nomem;
    if (!(r->compiled = route_compile(r->pattern, &err))) goto nomem;
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool missing = false, bad = false;
        uint64_t n;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            serve_usage(stdout);
            common_usage(stdout);
            manifest_free(mf);
            return CLI_EXIT_OK;
        }
        if (common_opt(&o, argc, argv, &i, &bad)) {
            if (bad) goto usage;
            continue;
        }
        if ((v = cli_opt_value("--kind", argc, argv, &i, &missing))) {
            if (strcmp(v, "wagi") == 0) c->kind = MF_KIND_WAGI;
            else if (strcmp(v, "plugin") == 0) c->kind = MF_KIND_PLUGIN;
            else {
                fprintf(stderr, "weft: --kind wants wagi or plugin, not \"%s\"\n", v);
                goto usage;
            }
            c->kind_set = true;
        } else if ((v = cli_opt_value("--function", argc, argv, &i, &missing))) {
            free(c->function);
            if (!(c->function = strdup(v))) goto nomem;
        } else if ((v = cli_opt_value("--dir-ro", argc, argv, &i, &missing))) {
            if (!add_dir(c, v, true)) goto nomem;
        } else if ((v = cli_opt_value("--dir", argc, argv, &i, &missing))) {
            if (!add_dir(c, v, false)) goto nomem;
        } else if ((v = cli_opt_value("--env", argc, argv, &i, &missing))) {
            if (!add_kv(&c->env, &c->nenv, v, "--env")) goto usage;
        } else if ((v = cli_opt_value("--config", argc, argv, &i, &missing))) {
            if (!add_kv(&c->config, &c->nconfig, v, "--config")) goto usage;
        } else if ((v = cli_opt_value("--allow-host", argc, argv, &i, &missing))) {
            char **h = realloc(c->allowed_hosts, (c->nallowed_hosts + 1) * sizeof *h);
            if (!h) goto nomem;
            c->allowed_hosts = h;
            if (!(h[c->nallowed_hosts] = strdup(v))) goto nomem;
            c->nallowed_hosts++;
        } else if ((v = cli_opt_value("--timeout", argc, argv, &i, &missing))) {
            if (!cli_want_duration("--timeout", v, &c->timeout_ms)) goto usage;
        } else if ((v = cli_opt_value("--max-memory", argc, argv, &i, &missing))) {
            if (!cli_want_size("--max-memory", v, 65536, &c->max_memory)) goto usage;
        } else if ((v = cli_opt_value("--fuel", argc, argv, &i, &missing))) {
            if (!cli_want_u64("--fuel", v, 1, UINT64_MAX, &n)) goto usage;
            c->fuel = n;
        } else if (missing) {
            fprintf(stderr, "weft: %s wants a value\n", argv[i]);
            goto usage;
        } else if (argv[i][0] == '-' || c->source) {
            fprintf(stderr, "weft: serve: unexpected argument \"%s\"\n", argv[i]);
            goto usage;
        } else if (!(c->source = strdup(argv[i]))) {
            goto nomem;
        }
    }
    if (!c->source) {
        fprintf(stderr, "weft: serve: which handler? (weft serve HANDLER.wasm)\n");
        goto usage;
    }
    if (!apply_common(mf, &o)) goto nomem;
    return run_app(mf, &o);
usage:
    serve_usage(stderr);
    manifest_free(mf);
    return CLI_EXIT_USAGE;
nomem:
    fprintf(stderr, "weft: %s\n", err ? err : "out of memory");
    free(err);
    manifest_free(mf);
    return CLI_EXIT_ERROR;
}
