/* run.c: `weft run`, which loads one module, instantiates it and calls one export.
 * Owns the run command's options (fuel, limits, --invoke), the lifetime of the engine, store
 * and instance it makes, and the exit status. Imports are not provided yet (WASI comes later).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define PAGE_SIZE 65536u
#define MAX_PAGES 65536u /* 4 GiB: all a 32-bit memory can address */

typedef struct run_opts {
    const char *file;
    const char *invoke; /* NULL: call _start */
    char **args;        /* the ARGs for the export, in order */
    size_t nargs;
    bool has_fuel;
    uint64_t fuel;
    weft_limits limits;
} run_opts;

static void run_usage(FILE *f) {
    fprintf(f,
            "usage: weft run [OPTIONS] FILE.wasm [--invoke NAME [ARG...]]\n"
            "Instantiates FILE.wasm and calls the export NAME with the ARGs (or _start),\n"
            "printing each result on its own line.\n"
            "  --invoke NAME          the export to call; ARGs are read by its parameter types\n"
            "                         (integers: decimal or 0x hex, may be negative; floats:\n"
            "                         1.5, -inf, nan, 0x1p-3; references: null)\n"
            "  --fuel N               trap with \"all fuel consumed\" after N units of fuel\n"
            "  --max-memory SIZE      largest linear memory, bytes with K, M or G suffix\n"
            "  --max-call-depth N     deepest nesting of wasm calls\n"
            "  --                     the rest are ARGs, even if they start with '-'\n"
            "Exit status: 0 ok, 1 load/link error, 2 usage, 134 trap.\n");
}

static bool parse_u64(const char *s, uint64_t *out) {
    if (!isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* Bytes with an optional K, M or G (binary multiples, optionally followed by B or iB). */
static bool parse_size(const char *s, uint64_t *out) {
    if (!isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (strcmp(end, "") != 0 && strcasecmp(end, "b") != 0 &&
        (shift == 0 || strcasecmp(end, "ib") != 0))
        return false;
    if (shift > 0 && v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

/* A leading '-' starts an option unless the word is a number (-1, -0x10, -1.5, -inf, -nan). */
static bool looks_negative_number(const char *a) {
    if (a[0] != '-')
        return false;
    const char *p = a + 1;
    return isdigit((unsigned char)p[0]) || (p[0] == '.' && isdigit((unsigned char)p[1])) ||
           strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0;
}

/* "--opt VALUE" or "--opt=VALUE": the value, advancing *i; NULL if a is not opt. Sets
 * *missing when opt is there without a value. */
static const char *opt_value(const char *opt, int argc, char **argv, int *i, bool *missing) {
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Returns -1 when parsed, else the exit status (help printed, or a usage error). */
static int parse_opts(int argc, char **argv, run_opts *o) {
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        uint64_t n;
        if (only_positional || a[0] != '-' || a[1] == '\0' || looks_negative_number(a)) {
            if (o->file == NULL)
                o->file = a;
            else
                o->args[o->nargs++] = argv[i];
        } else if (strcmp(a, "--") == 0) {
            only_positional = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_usage(stdout);
            return CLI_EXIT_OK;
        } else if ((v = opt_value("--invoke", argc, argv, &i, &missing)) != NULL) {
            o->invoke = v;
        } else if ((v = opt_value("--fuel", argc, argv, &i, &missing)) != NULL) {
            if (!parse_u64(v, &o->fuel)) {
                fprintf(stderr, "weft: --fuel wants a non-negative integer, not \"%s\"\n", v);
                return CLI_EXIT_USAGE;
            }
            o->has_fuel = true;
        } else if ((v = opt_value("--max-memory", argc, argv, &i, &missing)) != NULL) {
            if (!parse_size(v, &n)) {
                fprintf(stderr, "weft: --max-memory wants a size such as 65536, 640K, 16M, "
                                "not \"%s\"\n", v);
                return CLI_EXIT_USAGE;
            }
            /* weft_limits reads 0 pages as "the default (4 GiB)", so less than a page cannot
             * be asked for. */
            if (n < PAGE_SIZE) {
                fprintf(stderr, "weft: --max-memory must be at least 64K (one page)\n");
                return CLI_EXIT_USAGE;
            }
            n /= PAGE_SIZE;
            o->limits.max_memory_pages = (uint32_t)(n > MAX_PAGES ? MAX_PAGES : n);
        } else if ((v = opt_value("--max-call-depth", argc, argv, &i, &missing)) != NULL) {
            /* 0 would mean "the default" to weft_limits. */
            if (!parse_u64(v, &n) || n == 0 || n > UINT32_MAX) {
                fprintf(stderr, "weft: --max-call-depth wants an integer from 1 to %" PRIu32
                                ", not \"%s\"\n", UINT32_MAX, v);
                return CLI_EXIT_USAGE;
            }
            o->limits.max_call_depth = (uint32_t)n;
        } else if (missing) {
            fprintf(stderr, "weft: %s needs a value\n", a);
            return CLI_EXIT_USAGE;
        } else {
            fprintf(stderr, "weft: unknown option for run: %s\n", a);
            run_usage(stderr);
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
        if (kind != WEFT_EXTERN_FUNC)
            continue;
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
            fprintf(stderr, "weft: %s: no --invoke given and no _start export\n", o->file);
        } else {
            fprintf(stderr, "weft: %s: no export named \"%s\"\n", o->file, name);
            print_exports(m);
        }
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
    const char *name = o->invoke ? o->invoke : "_start";
    if (o->nargs != np) {
        fprintf(stderr, "weft: %s takes %zu argument%s (", name, np, np == 1 ? "" : "s");
        for (size_t i = 0; i < np; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", weft_valtype_name(types[i]));
        fprintf(stderr, "), %zu given\n", o->nargs);
        return false;
    }
    for (size_t i = 0; i < np; i++) {
        char err[256];
        if (!cli_val_parse(types[i], o->args[i], &args[i], err, sizeof err)) {
            fprintf(stderr, "weft: argument %zu of %s (%s): %s\n", i + 1, name,
                    weft_valtype_name(types[i]), err);
            return false;
        }
    }
    return true;
}

int cli_run(int argc, char **argv) {
    run_opts o = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    weft_engine *engine = NULL;
    weft_module *module = NULL;
    weft_store *store = NULL;
    weft_linker *linker = NULL;
    weft_val *args = NULL, *results = NULL;
    weft_error *e = NULL;
    int status = CLI_EXIT_ERROR;

    o.args = calloc((size_t)argc, sizeof *o.args);
    if (o.args == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0) {
        status = rc;
        goto fail;
    }
    if (o.invoke == NULL && o.nargs > 0) {
        fprintf(stderr, "weft: arguments given without --invoke (_start takes none)\n");
        status = CLI_EXIT_USAGE;
        goto fail;
    }

    char err[512];
    if (!cli_read_file(o.file, &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "weft: %s: %s\n", o.file, err);
        goto fail;
    }
    weft_engine_config cfg = {.consume_fuel = o.has_fuel};
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
        /* The store allocates its call frames for the whole depth up front. */
        fprintf(stderr, "weft: out of memory%s\n",
                store == NULL && o.limits.max_call_depth ? " (is --max-call-depth too large?)"
                                                         : "");
        goto fail;
    }
    if (o.has_fuel)
        weft_store_set_fuel(store, o.fuel);

    /* The linker is empty: a module with imports fails here, naming the first missing one. */
    weft_instance *inst = NULL;
    if ((e = weft_instance_new(store, module, linker, &inst)) != NULL) {
        status = cli_report(o.file, e);
        goto fail;
    }
    weft_func *f = find_func(&o, inst, module);
    if (f == NULL)
        goto fail;
    size_t nres = weft_func_result_count(f);
    args = calloc(o.nargs + 1, sizeof *args);
    results = calloc(nres + 1, sizeof *results);
    if (args == NULL || results == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    if (!parse_args(&o, f, args)) {
        status = CLI_EXIT_USAGE;
        goto fail;
    }
    const weft_valtype *rtypes = weft_func_results(f);
    for (size_t i = 0; i < nres; i++)
        results[i].type = rtypes[i];
    if ((e = weft_func_call(store, f, args, o.nargs, results, nres)) != NULL) {
        fflush(stdout); /* the guest's output, if any, before the trap */
        status = cli_report(o.file, e);
        goto fail;
    }
    for (size_t i = 0; i < nres; i++)
        cli_val_print(stdout, results[i]);
    status = CLI_EXIT_OK;

fail:
    weft_error_free(e);
    free(results);
    free(args);
    if (linker != NULL)
        weft_linker_free(linker);
    if (store != NULL)
        weft_store_free(store);
    weft_module_free(module);
    if (engine != NULL)
        weft_engine_free(engine);
    free(bytes);
    free(o.args);
    return status;
}
