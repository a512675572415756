/* run.c: `weft run`: loads one module and runs it, either as a WASI command (its _start, with
 * the program's arguments, granted directories, environment and sockets) or by calling one
 * export with --invoke. Owns the run command's options, the lifetime of everything it creates,
 * the wall-clock timeout, and the exit status.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PAGE_SIZE 65536u
#define MAX_PAGES 65536u /* 4 GiB: all a 32-bit memory can address */
#define TIMEOUT_GRACE_MS 1000 /* after a timeout, how long a guest stuck in the host may take */

typedef struct run_opts {
    const char *file;
    const char *invoke; /* NULL: run as a WASI command (_start) */
    char **args;        /* the program's arguments, or the export's */
    int nargs;
    bool has_fuel;
    uint64_t fuel;
    uint64_t timeout_ms; /* 0: none */
    weft_limits limits;
    weft_wasi_config *wasi;
} run_opts;

static void run_usage(FILE *f) {
    fprintf(f,
            "usage: weft run [OPTIONS] FILE.wasm [OPTIONS] [--] [ARG...]\n"
            "Runs FILE.wasm as a WASI command (its _start), passing the ARGs to the program;\n"
            "with --invoke, calls that export with the ARGs and prints its results.\n"
            "Options may come before or after FILE, up to the first ARG or \"--\".\n"
            "  --invoke NAME          call this export; ARGs are read by its parameter types\n"
            "                         (integers: decimal or 0x hex, may be negative; floats:\n"
            "                         1.5, -inf, nan, 0x1p-3; references: null)\n"
            "  --dir HOST[::GUEST]    grant the host directory HOST as GUEST (default: HOST;\n"
            "                         \"::.\" makes it the program's current directory)\n"
            "  --dir-ro HOST[::GUEST] the same, read-only\n"
            "  --env KEY=VALUE        set a variable for the program (--env KEY: the host's)\n"
            "  --inherit-env          pass the whole host environment (nothing otherwise)\n"
            "  --tcplisten HOST:PORT  listen there; the program gets the socket after the\n"
            "                         directories (fd 3 when there is no --dir)\n"
            "  --fuel N               trap with \"all fuel consumed\" after N units of fuel\n"
            "  --timeout DURATION     wall-clock limit: 500 (ms), 500ms, 2s, 1m, 1h\n"
            "  --max-memory SIZE      largest linear memory, bytes with K, M or G suffix\n"
            "  --max-call-depth N     deepest nesting of wasm calls\n"
            "Exit status: the program's own (proc_exit; 255 for codes above 255), 0 when\n"
            "_start returns, 1 load/link error, 2 usage, 134 trap or timeout.\n");
}

static bool wasi_ok(weft_error *e, const char *what) {
    if (!e) return true;
    fprintf(stderr, "weft: %s: %s\n", what, weft_error_message(e));
    weft_error_free(e);
    return false;
}

/* --dir HOST[::GUEST] */
static bool add_dir(run_opts *o, const char *spec, bool read_only) {
    const char *sep = strstr(spec, "::");
    char *host = sep ? strndup(spec, (size_t)(sep - spec)) : strdup(spec);
    const char *guest = sep ? sep + 2 : spec;
    bool ok = host && *host && *guest &&
              wasi_ok(weft_wasi_config_preopen_dir(o->wasi, host, guest, read_only), read_only ? "--dir-ro" : "--dir");
    if (host && (!*host || !*guest)) fprintf(stderr, "weft: --dir wants HOST[::GUEST], not \"%s\"\n", spec);
    free(host);
    return ok;
}

/* --env KEY=VALUE, or --env KEY for the host's value. */
static bool add_env(run_opts *o, const char *spec) {
    const char *eq = strchr(spec, '=');
    if (eq == spec || !*spec) {
        fprintf(stderr, "weft: --env wants KEY=VALUE, not \"%s\"\n", spec);
        return false;
    }
    if (!eq) {
        const char *v = getenv(spec);
        return !v || wasi_ok(weft_wasi_config_env(o->wasi, spec, v), "--env");
    }
    char *key = strndup(spec, (size_t)(eq - spec));
    bool ok = key && wasi_ok(weft_wasi_config_env(o->wasi, key, eq + 1), "--env");
    free(key);
    return ok;
}

/* --tcplisten HOST:PORT (or [V6]:PORT): a listening socket for the guest to accept on. */
static bool add_listener(run_opts *o, const char *spec) {
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        fprintf(stderr, "weft: --tcplisten wants HOST:PORT, not \"%s\"\n", spec);
        return false;
    }
    char *host = strndup(spec, (size_t)(colon - spec));
    if (!host) return false;
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']') {
        h[strlen(h) - 1] = 0;
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int rc = getaddrinfo(h, colon + 1, &hints, &ai);
    free(host);
    if (rc != 0) {
        fprintf(stderr, "weft: --tcplisten %s: %s\n", spec, gai_strerror(rc));
        return false;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol), one = 1;
    bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
              bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0;
    if (!ok) fprintf(stderr, "weft: --tcplisten %s: %s\n", spec, strerror(errno));
    freeaddrinfo(ai);
    if (ok) ok = wasi_ok(weft_wasi_config_preopen_socket(o->wasi, fd), "--tcplisten");
    if (fd >= 0) close(fd);
    return ok;
}

/* Whether a is one of run's options (so a program's own options after FILE are not taken). */
static bool is_option(const char *a) {
    static const char *const opts[] = {"--invoke", "--dir", "--dir-ro", "--env", "--inherit-env",
                                       "--tcplisten", "--fuel", "--timeout", "--max-memory",
                                       "--max-call-depth", "--help", "-h"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        size_t n = strlen(opts[i]);
        if (strncmp(a, opts[i], n) == 0 && (a[n] == 0 || a[n] == '=')) return true;
    }
    return false;
}

/* Returns -1 when parsed, else the exit status (help printed, or a usage error). */
static int parse_opts(int argc, char **argv, run_opts *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        uint64_t n;
        if (strcmp(a, "--") == 0) {
            /* The rest: FILE (if not seen yet), then the program's arguments. */
            if (!o->file && ++i < argc) o->file = argv[i];
            while (++i < argc) o->args[o->nargs++] = argv[i];
            break;
        }
        if (!is_option(a)) {
            if (!o->file && a[0] == '-' && a[1]) {
                fprintf(stderr, "weft: unknown option for run: %s\n", a);
                run_usage(stderr);
                return CLI_EXIT_USAGE;
            }
            if (!o->file) {
                o->file = a;
                continue;
            }
            /* The first argument for the program: it and everything after are the program's. */
            for (; i < argc; i++) o->args[o->nargs++] = argv[i];
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--inherit-env") == 0) {
            if (!wasi_ok(weft_wasi_config_inherit_env(o->wasi), "--inherit-env")) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--invoke", argc, argv, &i, &missing))) {
            o->invoke = v;
        } else if ((v = cli_opt_value("--dir-ro", argc, argv, &i, &missing))) {
            if (!add_dir(o, v, true)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--dir", argc, argv, &i, &missing))) {
            if (!add_dir(o, v, false)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--env", argc, argv, &i, &missing))) {
            if (!add_env(o, v)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--tcplisten", argc, argv, &i, &missing))) {
            if (!add_listener(o, v)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--fuel", argc, argv, &i, &missing))) {
            if (!cli_want_u64("--fuel", v, 0, UINT64_MAX, &o->fuel)) return CLI_EXIT_USAGE;
            o->has_fuel = true;
        } else if ((v = cli_opt_value("--timeout", argc, argv, &i, &missing))) {
            if (!cli_want_duration("--timeout", v, &o->timeout_ms)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--max-memory", argc, argv, &i, &missing))) {
            /* weft_limits reads 0 pages as "the default (4 GiB)", so less than a page cannot
             * be asked for. */
            if (!cli_want_size("--max-memory", v, PAGE_SIZE, &n)) return CLI_EXIT_USAGE;
            n /= PAGE_SIZE;
            o->limits.max_memory_pages = (uint32_t)(n > MAX_PAGES ? MAX_PAGES : n);
        } else if ((v = cli_opt_value("--max-call-depth", argc, argv, &i, &missing))) {
            /* 0 would mean "the default" to weft_limits. */
            if (!cli_want_u64("--max-call-depth", v, 1, UINT32_MAX, &n)) return CLI_EXIT_USAGE;
            o->limits.max_call_depth = (uint32_t)n;
        }
        if (missing) {
            fprintf(stderr, "weft: %s needs a value\n", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (o->file == NULL) {
        fprintf(stderr, "weft: run: no module file given\n");
        run_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Names the module's exports, for a "no such export" message. */
static void print_exports(const weft_module *m) {
    size_t n = weft_module_export_count(m), shown = 0;
    fprintf(stderr, "  exports:");
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        weft_extern_kind kind;
        weft_module_export(m, i, &name, &len, &kind);
        if (kind != WEFT_EXTERN_FUNC) continue;
        fprintf(stderr, " %.*s", (int)len, name);
        shown++;
    }
    fprintf(stderr, "%s\n", shown ? "" : " (no functions)");
}

/* Finds the function to call. Returns NULL after reporting why. */
static weft_func *find_func(const run_opts *o, weft_instance *inst, weft_module *m) {
    const char *name = o->invoke ? o->invoke : "_start";
    weft_extern ext;
    if (!weft_instance_export(inst, name, &ext)) {
        if (o->invoke == NULL) {
            fprintf(stderr, "weft: %s: no _start export (not a WASI command; use --invoke NAME)\n", o->file);
        } else {
            fprintf(stderr, "weft: %s: no export named \"%s\"\n", o->file, name);
        }
        print_exports(m);
        return NULL;
    }
    if (ext.kind != WEFT_EXTERN_FUNC) {
        fprintf(stderr, "weft: %s: export \"%s\" is not a function\n", o->file, name);
        return NULL;
    }
    return ext.of.func;
}

/* Reads the ARGs by f's parameter types into args. Returns false after reporting why. */
static bool parse_args(const run_opts *o, weft_func *f, weft_val *args) {
    size_t np = weft_func_param_count(f);
    const weft_valtype *types = weft_func_params(f);
    if ((size_t)o->nargs != np) {
        fprintf(stderr, "weft: %s takes %zu argument%s (", o->invoke, np, np == 1 ? "" : "s");
        for (size_t i = 0; i < np; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", weft_valtype_name(types[i]));
        fprintf(stderr, "), %d given\n", o->nargs);
        return false;
    }
    for (size_t i = 0; i < np; i++) {
        char err[256];
        if (!cli_val_parse(types[i], o->args[i], &args[i], err, sizeof err)) {
            fprintf(stderr, "weft: argument %zu of %s (%s): %s\n", i + 1, o->invoke,
                    weft_valtype_name(types[i]), err);
            return false;
        }
    }
    return true;
}

/* ---- the wall-clock timeout ---------------------------------------------------------------- */

typedef struct watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done, fired;
    uint64_t ms;
    weft_store *store;
} watchdog;

static void deadline_in(struct timespec *ts, uint64_t ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Sleeps until the deadline or until the run ends. At the deadline it interrupts the store;
 * a guest blocked inside the host (reading a pipe, say) that does not come back within the
 * grace period ends the process. */
static void *watchdog_main(void *arg) {
    watchdog *wd = arg;
    struct timespec ts;
    pthread_mutex_lock(&wd->lock);
    deadline_in(&ts, wd->ms);
    while (!wd->done && pthread_cond_timedwait(&wd->done_cond, &wd->lock, &ts) != ETIMEDOUT) {}
    if (!wd->done) {
        wd->fired = true;
        weft_store_interrupt(wd->store);
        deadline_in(&ts, TIMEOUT_GRACE_MS);
        while (!wd->done && pthread_cond_timedwait(&wd->done_cond, &wd->lock, &ts) != ETIMEDOUT) {}
        if (!wd->done) {
            fprintf(stderr, "weft: trap: timeout: the program ran longer than %" PRIu64 " ms "
                            "(stopped while blocked in a host call)\n", wd->ms);
            _exit(CLI_EXIT_TRAP);
        }
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

static bool watchdog_start(watchdog *wd, weft_store *store, uint64_t ms) {
    pthread_condattr_t ca;
    memset(wd, 0, sizeof *wd);
    wd->ms = ms;
    wd->store = store;
    pthread_mutex_init(&wd->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd->done_cond, &ca);
    pthread_condattr_destroy(&ca);
    return pthread_create(&wd->thread, NULL, watchdog_main, wd) == 0;
}

/* Stops the watchdog; returns whether it fired. */
static bool watchdog_stop(watchdog *wd) {
    pthread_mutex_lock(&wd->lock);
    wd->done = true;
    pthread_cond_signal(&wd->done_cond);
    pthread_mutex_unlock(&wd->lock);
    pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->done_cond);
    pthread_mutex_destroy(&wd->lock);
    return wd->fired;
}

/* ---- the command ---------------------------------------------------------------------------- */

/* The exit status for a failed call: the program's own exit code, a timeout, or a trap. */
static int finish_error(const run_opts *o, weft_error *e, bool timed_out) {
    if (weft_error_kind_of(e) == WEFT_ERR_EXIT) {
        int code = weft_error_exit_code(e);
        return code >= 0 && code <= 255 ? code : 255;
    }
    if (timed_out && weft_error_kind_of(e) == WEFT_ERR_TRAP) {
        fprintf(stderr, "weft: trap: timeout: the program ran longer than %" PRIu64 " ms\n", o->timeout_ms);
        for (size_t i = 0; i < weft_error_frame_count(e); i++)
            fprintf(stderr, "  %zu: %s\n", i, weft_error_frame_name(e, i));
        return CLI_EXIT_TRAP;
    }
    return cli_report(o->file, e);
}

int cli_run(int argc, char **argv) {
    run_opts o = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    weft_engine *engine = NULL;
    weft_module *module = NULL;
    weft_store *store = NULL;
    weft_linker *linker = NULL;
    weft_wasi *wasi = NULL;
    weft_val *args = NULL, *results = NULL;
    weft_error *e = NULL;
    char **wargv = NULL;
    int status = CLI_EXIT_ERROR;

    o.args = calloc((size_t)argc + 1, sizeof *o.args);
    o.wasi = weft_wasi_config_new();
    if (o.args == NULL || o.wasi == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0) {
        status = rc;
        goto fail;
    }

    char err[512];
    if (!cli_read_file(o.file, &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "weft: %s: %s\n", o.file, err);
        goto fail;
    }
    weft_engine_config cfg = {.consume_fuel = o.has_fuel, .interruptible = o.timeout_ms > 0};
    engine = weft_engine_new(&cfg);
    if (engine == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    if ((e = weft_module_new(engine, bytes, len, &module)) != NULL) {
        status = cli_report(o.file, e);
        goto fail;
    }
    store = weft_store_new(engine, &o.limits);
    linker = store ? weft_linker_new(store) : NULL;
    if (linker == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    if (o.has_fuel) weft_store_set_fuel(store, o.fuel);

    /* WASI: argv[0] is the file, then the program's arguments (none with --invoke). */
    int wargc = o.invoke ? 1 : o.nargs + 1;
    wargv = calloc((size_t)wargc + 1, sizeof *wargv);
    if (!wargv) goto fail;
    wargv[0] = (char *)o.file;
    for (int i = 1; i < wargc; i++) wargv[i] = o.args[i - 1];
    if ((e = weft_wasi_config_args(o.wasi, wargc, (const char *const *)wargv)) ||
        (e = weft_wasi_new(o.wasi, &wasi)) || (e = weft_wasi_define(wasi, linker))) {
        status = cli_report(o.file, e);
        goto fail;
    }

    weft_instance *inst = NULL;
    if ((e = weft_instance_new(store, module, linker, &inst)) != NULL) {
        status = cli_report(o.file, e);
        goto fail;
    }
    weft_func *f = find_func(&o, inst, module);
    if (f == NULL) goto fail;
    size_t np = weft_func_param_count(f), nres = weft_func_result_count(f);
    args = calloc(np + 1, sizeof *args);
    results = calloc(nres + 1, sizeof *results);
    if (args == NULL || results == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    if (o.invoke) {
        if (!parse_args(&o, f, args)) {
            status = CLI_EXIT_USAGE;
            goto fail;
        }
    } else if (np) {
        fprintf(stderr, "weft: %s: _start takes parameters; it is not a WASI command\n", o.file);
        goto fail;
    }

    watchdog wd;
    bool watching = o.timeout_ms && watchdog_start(&wd, store, o.timeout_ms);
    if (o.timeout_ms && !watching) {
        fprintf(stderr, "weft: cannot start the timeout thread\n");
        goto fail;
    }
    /* A reactor (WASI's library modules) initialises itself before its exports are called. */
    weft_func *init = o.invoke ? weft_instance_func(inst, "_initialize") : NULL;
    if (init && weft_func_param_count(init) == 0 && weft_func_result_count(init) == 0)
        e = weft_func_call(store, init, NULL, 0, NULL, 0);
    if (!e) e = weft_func_call(store, f, args, np, results, nres);
    bool timed_out = watching && watchdog_stop(&wd);
    fflush(stdout);
    if (e) {
        status = finish_error(&o, e, timed_out);
        goto fail;
    }
    for (size_t i = 0; i < nres && o.invoke; i++) cli_val_print(stdout, results[i]);
    status = CLI_EXIT_OK;

fail:
    weft_error_free(e);
    free(results);
    free(args);
    free(wargv);
    weft_linker_free(linker);
    weft_store_free(store);
    weft_wasi_free(wasi);
    weft_module_free(module);
    weft_engine_free(engine);
    weft_wasi_config_free(o.wasi);
    free(bytes);
    free(o.args);
    return status;
}
