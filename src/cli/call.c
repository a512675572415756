/* call.c: `weft call`: loads a plugin, calls one of its functions with an input and writes the
 * output to stdout as raw bytes, like `extism call`. Owns the call command's options, the log
 * printer, the demo host function plugins may import (weft_host_reverse), and the mapping from
 * plugin statuses to exit statuses. The plugin runtime itself is src/plugin/.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct call_opts {
    const char *file, *func;
    const char *input_text, *input_file; /* at most one input source, stdin included */
    bool input_stdin;
    int ninputs;
    weft_plugin_kv *config;
    size_t nconfig;
    const char **hosts;
    size_t nhosts;
    weft_plugin_dir *dirs;
    size_t ndirs;
    char **owned; /* strings split out of arguments, freed at the end */
    size_t nowned;
    bool wasi;
    uint64_t timeout_ms, fuel, max_memory, loops;
    uint32_t max_call_depth;
    weft_log_level log_level;
} call_opts;

static void call_usage(FILE *f) {
    fprintf(f,
            "usage: weft call [OPTIONS] PLUGIN.wasm FUNCTION [OPTIONS]\n"
            "Calls FUNCTION of the plugin PLUGIN.wasm with an input and writes its output to\n"
            "stdout as it is (no newline added). The plugin's logs go to stderr.\n"
            "  --input TEXT           the input (default: empty)\n"
            "  --input-file FILE      the input is FILE's contents\n"
            "  --stdin                the input is what stdin holds\n"
            "  --config KEY=VALUE     config the plugin can read (repeatable)\n"
            "  --wasi                 link WASI, granting only --dir's directories; the plugin's\n"
            "                         stdout and stderr are weft's\n"
            "  --dir HOST[::GUEST]    grant the host directory HOST as GUEST (implies --wasi)\n"
            "  --dir-ro HOST[::GUEST] the same, read-only\n"
            "  --allow-host HOST      a host the plugin's HTTP requests may reach; globs such as\n"
            "                         *.example.com (repeatable; none by default)\n"
            "  --timeout DURATION     wall-clock limit per call: 500 (ms), 500ms, 2s, 1m\n"
            "  --fuel N               fuel per call\n"
            "  --max-memory SIZE      linear memory, and separately blocks: 65536, 640K, 16M\n"
            "                         (default 64M)\n"
            "  --max-call-depth N     deepest nesting of wasm calls\n"
            "  --log-level LEVEL      trace, debug, info (the default), warn, error or off\n"
            "  --loop N               call N times in one instance (vars persist), each output\n"
            "                         followed by a newline; prints the time per call on stderr\n"
            "Plugins may import the host function extism:host/user weft_host_reverse(i64) -> i64:\n"
            "a new block with the bytes of the given block, reversed.\n"
            "Exit status: 0 success, 1 plugin error or load failure, 2 usage, 134 trap, timeout,\n"
            "fuel or limit.\n");
}

static const char *status_name(weft_plugin_status st) {
    static const char *const names[] = {"ok",        "error", "trap",      "timeout", "cancelled",
                                        "fuel", "limit", "not found", "busy"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "failed";
}

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

static void log_to_stderr(void *user_data, weft_log_level level, const char *msg, size_t len) {
    fprintf(stderr, "[%s] ", (unsigned)level < 5 ? level_names[level] : "log");
    fwrite(msg, 1, len, stderr);
    fputc('\n', stderr);
}

/* extism:host/user weft_host_reverse(i64 block) -> i64: a new block holding block's bytes in
 * reverse order (0 for an empty one). The host function examples/plugins/host_call.c calls. */
static weft_error *host_reverse(weft_plugin *p, void *user_data, const weft_val *args,
                                weft_val *results) {
    size_t len;
    uint64_t off = (uint64_t)args[0].of.i64;
    results[0].of.i64 = 0;
    if (off == 0) return NULL;
    const uint8_t *in = weft_plugin_block_get(p, off, &len);
    if (in == NULL) return weft_trap_new("weft_host_reverse: %" PRIu64 " is not a block", off);
    uint8_t *rev = malloc(len ? len : 1);
    if (rev == NULL) return weft_trap_new("weft_host_reverse: out of memory");
    for (size_t i = 0; i < len; i++) rev[i] = in[len - 1 - i];
    uint64_t out = weft_plugin_block_new(p, rev, len);
    free(rev);
    if (out == 0 && len > 0) return weft_trap_new("weft_host_reverse: no room for a %zu-byte block", len);
    results[0].of.i64 = (int64_t)out;
    return NULL;
}

/* Keeps a string the options point into, for freeing at the end. */
static char *own(call_opts *o, char *s) {
    if (s) o->owned[o->nowned++] = s;
    else fprintf(stderr, "weft: out of memory\n");
    return s;
}

/* --config KEY=VALUE; a later value for the same key replaces the earlier one. */
static bool add_config(call_opts *o, const char *spec) {
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec) {
        fprintf(stderr, "weft: --config wants KEY=VALUE, not \"%s\"\n", spec);
        return false;
    }
    char *key = own(o, strndup(spec, (size_t)(eq - spec)));
    if (key == NULL) return false;
    for (size_t i = 0; i < o->nconfig; i++) {
        if (strcmp(o->config[i].key, key) == 0) {
            o->config[i].value = eq + 1;
            return true;
        }
    }
    o->config[o->nconfig++] = (weft_plugin_kv){.key = key, .value = eq + 1};
    return true;
}

/* --dir HOST[::GUEST], --dir-ro HOST[::GUEST] */
static bool add_dir(call_opts *o, const char *spec, bool read_only) {
    const char *sep = strstr(spec, "::");
    const char *guest = sep ? sep + 2 : spec;
    char *host = own(o, sep ? strndup(spec, (size_t)(sep - spec)) : strdup(spec));
    if (host == NULL) return false;
    if (!*host || !*guest) {
        fprintf(stderr, "weft: --dir wants HOST[::GUEST], not \"%s\"\n", spec);
        return false;
    }
    o->dirs[o->ndirs++] = (weft_plugin_dir){.host_path = host, .guest_path = guest, .read_only = read_only};
    o->wasi = true;
    return true;
}

static bool parse_level(const char *s, weft_log_level *out) {
    for (int i = 0; i <= WEFT_LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (weft_log_level)i;
            return true;
        }
    }
    return false;
}

/* Returns -1 when parsed, else the exit status (help printed, or a usage error). */
static int parse_opts(int argc, char **argv, call_opts *o) {
    bool only_names = false; /* after "--" */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        uint64_t n;
        if (only_names || a[0] != '-' || a[1] == '\0') {
            if (!o->file) {
                o->file = a;
            } else if (!o->func) {
                o->func = a;
            } else {
                fprintf(stderr, "weft: call: unexpected argument \"%s\"\n", a);
                return CLI_EXIT_USAGE;
            }
        } else if (strcmp(a, "--") == 0) {
            only_names = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            call_usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--wasi") == 0) {
            o->wasi = true;
        } else if (strcmp(a, "--stdin") == 0) {
            o->input_stdin = true;
            o->ninputs++;
        } else if ((v = cli_opt_value("--input", argc, argv, &i, &missing))) {
            o->input_text = v;
            o->ninputs++;
        } else if ((v = cli_opt_value("--input-file", argc, argv, &i, &missing))) {
            o->input_file = v;
            o->ninputs++;
        } else if ((v = cli_opt_value("--config", argc, argv, &i, &missing))) {
            if (!add_config(o, v)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--dir-ro", argc, argv, &i, &missing))) {
            if (!add_dir(o, v, true)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--dir", argc, argv, &i, &missing))) {
            if (!add_dir(o, v, false)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--allow-host", argc, argv, &i, &missing))) {
            o->hosts[o->nhosts++] = v;
        } else if ((v = cli_opt_value("--timeout", argc, argv, &i, &missing))) {
            if (!cli_want_duration("--timeout", v, &o->timeout_ms)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--fuel", argc, argv, &i, &missing))) {
            /* 0 would mean "unlimited" to the plugin options. */
            if (!cli_want_u64("--fuel", v, 1, UINT64_MAX, &o->fuel)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--max-memory", argc, argv, &i, &missing))) {
            if (!cli_want_size("--max-memory", v, 1, &o->max_memory)) return CLI_EXIT_USAGE;
        } else if ((v = cli_opt_value("--max-call-depth", argc, argv, &i, &missing))) {
            if (!cli_want_u64("--max-call-depth", v, 1, UINT32_MAX, &n)) return CLI_EXIT_USAGE;
            o->max_call_depth = (uint32_t)n;
        } else if ((v = cli_opt_value("--log-level", argc, argv, &i, &missing))) {
            if (!parse_level(v, &o->log_level)) {
                fprintf(stderr, "weft: --log-level wants trace, debug, info, warn, error or off, "
                                "not \"%s\"\n", v);
                return CLI_EXIT_USAGE;
            }
        } else if ((v = cli_opt_value("--loop", argc, argv, &i, &missing))) {
            if (!cli_want_u64("--loop", v, 1, UINT64_MAX, &o->loops)) return CLI_EXIT_USAGE;
        } else if (!missing) {
            fprintf(stderr, "weft: unknown option for call: %s\n", a);
            call_usage(stderr);
            return CLI_EXIT_USAGE;
        }
        if (missing) {
            fprintf(stderr, "weft: %s needs a value\n", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (o->func == NULL) {
        fprintf(stderr, "weft: call: %s\n", o->file ? "no function given" : "no plugin file given");
        call_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (o->ninputs > 1) {
        fprintf(stderr, "weft: call: give one of --input, --input-file and --stdin\n");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Reads the input the options name into *in (NULL and 0 for none). */
static bool read_input(const call_opts *o, uint8_t **in, size_t *len) {
    char err[512];
    const char *path = o->input_stdin ? "/dev/stdin" : o->input_file;
    if (o->input_text) {
        *len = strlen(o->input_text);
        *in = (uint8_t *)strdup(o->input_text);
        if (*in == NULL) fprintf(stderr, "weft: out of memory\n");
        return *in != NULL;
    }
    if (path == NULL) return true;
    if (!cli_read_input(path, in, len, err, sizeof err)) {
        fprintf(stderr, "weft: %s: %s\n", o->input_stdin ? "stdin" : path, err);
        return false;
    }
    return true;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Calls the function o->loops times, writing each output. Returns the exit status. */
static int call_loop(const call_opts *o, weft_plugin *p, const uint8_t *in, size_t in_len) {
    double start = now_s();
    for (uint64_t i = 0; i < o->loops; i++) {
        fflush(stdout); /* a WASI plugin writes to fd 1 directly: keep the order */
        weft_plugin_status st = weft_plugin_call(p, o->func, in, in_len);
        if (st != WEFT_PLUGIN_OK) {
            const char *msg = weft_plugin_error(p);
            fprintf(stderr, "weft: call %s: %s%s%s\n", o->func, status_name(st), msg ? ": " : "",
                    msg ? msg : "");
            bool plugin_said = st == WEFT_PLUGIN_ERROR || st == WEFT_PLUGIN_NOT_FOUND ||
                               st == WEFT_PLUGIN_BUSY;
            return plugin_said ? CLI_EXIT_ERROR : CLI_EXIT_TRAP;
        }
        size_t len;
        const uint8_t *out = weft_plugin_output(p, &len);
        if (len > 0) fwrite(out, 1, len, stdout);
        if (o->loops > 1) fputc('\n', stdout);
    }
    if (o->loops > 1) {
        double per = (now_s() - start) / (double)o->loops;
        fprintf(stderr, "weft: %" PRIu64 " calls, %.3f us per call\n", o->loops, per * 1e6);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "weft: cannot write the output\n");
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

int cli_call(int argc, char **argv) {
    call_opts o = {.log_level = WEFT_LOG_INFO, .loops = 1};
    uint8_t *bytes = NULL, *in = NULL;
    size_t len = 0, in_len = 0;
    weft_compiled_plugin *cp = NULL;
    weft_plugin *p = NULL;
    weft_error *e = NULL;
    int status = CLI_EXIT_ERROR;
    char err[512];

    /* Each option adds at most one of each, so argc bounds every array. */
    size_t n = (size_t)argc + 1;
    o.config = calloc(n, sizeof *o.config);
    o.hosts = calloc(n, sizeof *o.hosts);
    o.dirs = calloc(n, sizeof *o.dirs);
    o.owned = calloc(n, sizeof *o.owned);
    if (!o.config || !o.hosts || !o.dirs || !o.owned) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0) {
        status = rc;
        goto fail;
    }
    if (!cli_read_file(o.file, &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "weft: %s: %s\n", o.file, err);
        goto fail;
    }
    if (!read_input(&o, &in, &in_len)) goto fail;

    static const weft_valtype i64[] = {WEFT_I64};
    weft_plugin_host_fn reverse = {
        .name = "weft_host_reverse",
        .params = i64, .nparams = 1, .results = i64, .nresults = 1,
        .fn = host_reverse,
    };
    weft_plugin_options opts = {
        .config = o.config, .nconfig = o.nconfig,
        .allowed_hosts = o.hosts, .nallowed_hosts = o.nhosts,
        .wasi = o.wasi, .dirs = o.dirs, .ndirs = o.ndirs, .wasi_inherit_stdio = true,
        .max_memory_bytes = o.max_memory,
        .fuel = o.fuel,
        .timeout_ms = o.timeout_ms,
        .max_call_depth = o.max_call_depth,
        .log_level = o.log_level,
        .log = log_to_stderr,
        .host_functions = &reverse, .nhost_functions = 1,
    };
    if ((e = weft_plugin_compile(bytes, len, &opts, &cp)) != NULL ||
        (e = weft_plugin_instantiate(cp, &p)) != NULL) {
        status = cli_report(o.file, e);
        const char *msg = weft_error_message(e);
        if (!o.wasi && weft_error_kind_of(e) == WEFT_ERR_LINK && msg &&
            strstr(msg, "wasi_snapshot_preview1"))
            fprintf(stderr, "weft: the plugin imports WASI: give --wasi (and --dir for files)\n");
        goto fail;
    }
    status = call_loop(&o, p, in, in_len);

fail:
    weft_error_free(e);
    weft_plugin_free(p);
    weft_compiled_plugin_free(cp);
    free(in);
    free(bytes);
    for (size_t i = 0; i < o.nowned; i++) free(o.owned[i]);
    free(o.owned);
    free(o.dirs);
    free(o.hosts);
    free(o.config);
    return status;
}
