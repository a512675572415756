/* invoke.c: `weft invoke FILE.wasm 'name(args)'`: calls a function a component exports, with
 * arguments and results in WAVE syntax (as wasmtime's --invoke writes them); the result alone goes
 * on stdout's last line. FILE.wasm is a component binary (its imports satisfied by the exports of
 * components given with --link), or a core module following the canonical ABI's names with its
 * WIT world given by --wit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "component/ccall.h"
#include "component/cinst.h"
#include "component/wave.h"
#include "component/wit.h"

static void invoke_usage(FILE *f) {
    fprintf(f,
            "usage: weft invoke COMPONENT.wasm [--link OTHER.wasm]... 'FUNCTION(ARGS)'\n"
            "       weft invoke MODULE.wasm --wit PATH [--world NAME] 'FUNCTION(ARGS)'\n"
            "Calls a function a component exports, arguments and result in WAVE syntax:\n"
            "  weft invoke math.wasm 'acme:math/ops@0.1.0#add(2, 40)'\n"
            "  weft invoke math.wasm 'add(2, 40)'    (a short name when unambiguous)\n"
            "  --link FILE    a component whose exports satisfy imports of the same name (of the\n"
            "                 components given before it, and of COMPONENT); repeatable\n"
            "A core module whose exports follow the canonical ABI (\"ns:pkg/iface@1.0.0#fn\")\n"
            "needs its WIT:\n"
            "  --wit PATH     a .wit file or a directory of them (with deps/)\n"
            "  --world NAME   the world the module implements (default: the package's only one)\n"
            "Values: 42, -1.5, 'c', \"text\", [1, 2], (1, \"a\"), {x: 1, y: 2}, some(2), none,\n"
            "ok(3), err(\"no\"), circle(2.0), blue, {read, exec}.\n"
            "Exit status: 0, 1 load/link error, 2 usage or a bad call, 134 trap.\n");
}

static const wit_world *pick_world(const wit_doc *doc, const char *name, char *err, size_t n) {
    if (name) {
        const wit_world *w = wit_find_world(doc, name);
        if (!w) snprintf(err, n, "no world \"%s\" in the WIT", name);
        return w;
    }
    const wit_package *p = doc->package;
    if (p && p->nworlds == 1) return p->worlds[0];
    snprintf(err, n, "%s: say which with --world",
             p && p->nworlds ? "the WIT package has several worlds" : "the WIT has no world");
    return NULL;
}

/* Prints results[0..n): one alone, several as a tuple, none: nothing. False (said on stderr)
 * when a result cannot be printed. */
static bool print_results(const cv *results, uint32_t n) {
    if (n == 0) return true;
    if (n > 1) printf("(");
    for (uint32_t i = 0; i < n; i++) {
        char *text, tbuf[128];
        if (!wave_print(&results[i], &text)) {
            fprintf(stderr, "weft: invoke: the result (of type %s) has no WAVE form%s\n",
                    ct_describe(results[i].type, tbuf, sizeof tbuf),
                    results[i].type && (results[i].type->kind == CT_OWN ||
                                        results[i].type->kind == CT_BORROW)
                        ? " (resource handles have none)"
                        : "");
            return false;
        }
        printf("%s%s", i ? ", " : "", text);
        free(text);
    }
    printf(n > 1 ? ")\n" : "\n");
    return true;
}

/* Reports e (a trap with its backtrace) and frees it; returns the exit status. */
static int invoke_failed(const char *file, weft_error *e) {
    int status = cli_report(file, e);
    weft_error_free(e);
    return status;
}

/* Instantiates the component in file into r (imports from the exports gathered in pool), then
 * adds its exports to pool. */
static int link_component(weft_engine *engine, crt *r, cinst *pool, const char *file,
                          ccomp **keep, cinst **exports) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    char msg[512];
    weft_error *e = NULL;
    if (!cli_read_file(file, &bytes, &len, msg, sizeof msg)) {
        fprintf(stderr, "weft: %s: %s\n", file, msg);
        return CLI_EXIT_ERROR;
    }
    if (!cbin_is_component(bytes, len)) {
        fprintf(stderr, "weft: %s: a core module: %s\n", file,
                pool && cinst_count(pool) == 0 && !*exports
                    ? "give its WIT world with --wit"
                    : "--link takes component binaries");
        free(bytes);
        return CLI_EXIT_ERROR;
    }
    e = ccomp_new(engine, bytes, len, keep);
    free(bytes);
    if (!e) e = crt_instantiate(r, *keep, pool, exports);
    if (e) return invoke_failed(file, e);
    for (size_t i = 0; i < cinst_count(*exports); i++) {
        const char *name = cinst_name(*exports, i);
        cinst *sub = cinst_instance(*exports, name);
        cfunc *f = cinst_func(*exports, name);
        if ((sub && (e = cinst_add_instance(r, pool, name, sub))) ||
            (f && (e = cinst_add_func(r, pool, name, f))))
            return invoke_failed(file, e);
    }
    return CLI_EXIT_OK;
}

/* `weft invoke COMPONENT.wasm [--link FILE]... CALL`. */
static int invoke_component(const char *file, const char **links, int nlinks, const char *call) {
    int status = CLI_EXIT_ERROR;
    char msg[2048];
    weft_engine *engine = weft_engine_new(NULL);
    weft_store *s = engine ? weft_store_new(engine, NULL) : NULL;
    crt *r = s ? crt_new(s) : NULL;
    cinst *pool = r ? crt_instance_new(r) : NULL;
    ccomp **comps = calloc((size_t)nlinks + 1, sizeof *comps);
    cv_arena *arena = cv_arena_new();
    cinst *exports = NULL;
    if (!pool || !comps || !arena) {
        fprintf(stderr, "weft: out of memory\n");
        goto done;
    }
    for (int i = 0; i < nlinks; i++)
        if ((status = link_component(engine, r, pool, links[i], &comps[i + 1], &exports)) !=
            CLI_EXIT_OK)
            goto done;
    if ((status = link_component(engine, r, pool, file, &comps[0], &exports)) != CLI_EXIT_OK)
        goto done;
    status = CLI_EXIT_USAGE;
    const char *name;
    size_t nlen;
    if (!wave_call_name(call, strlen(call), &name, &nlen, msg, sizeof msg)) {
        fprintf(stderr, "weft: invoke: %s\n", msg);
        goto done;
    }
    cfunc *f = cinst_find_func(exports, name, nlen, msg, sizeof msg);
    if (!f) {
        fprintf(stderr, "weft: invoke: %s\n", msg);
        goto done;
    }
    const ct_func *t = cfunc_type(f);
    cv *args = cv_alloc(arena, (t->nparams + 1) * sizeof *args);
    cv *results = cv_alloc(arena, (t->nresults + 1) * sizeof *results);
    if (!args || !results) {
        fprintf(stderr, "weft: out of memory\n");
        status = CLI_EXIT_ERROR;
        goto done;
    }
    if (!wave_parse_call(call, strlen(call), t, arena, args, msg, sizeof msg)) {
        fprintf(stderr, "weft: invoke: %s: %s\n", cfunc_name(f), msg);
        goto done;
    }
    weft_error *e = cfunc_call(r, f, args, arena, results);
    if (e) {
        status = invoke_failed(file, e);
        goto done;
    }
    status = print_results(results, t->nresults) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
done:
    cv_arena_free(arena);
    crt_free(r);
    weft_store_free(s);
    for (int i = 0; comps && i <= nlinks; i++) ccomp_free(comps[i]);
    free(comps);
    weft_engine_free(engine);
    return status;
}

int cli_invoke(int argc, char **argv) {
    const char *file = NULL, *wit = NULL, *world = NULL, *call = NULL;
    const char **links = calloc((size_t)argc, sizeof *links);
    int nlinks = 0;
    if (!links) {
        fprintf(stderr, "weft: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool missing = false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            invoke_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_opt_value("--wit", argc, argv, &i, &missing))) wit = v;
        else if ((v = cli_opt_value("--link", argc, argv, &i, &missing))) links[nlinks++] = v;
        else if ((v = cli_opt_value("--world", argc, argv, &i, &missing))) world = v;
        else if (missing) {
            fprintf(stderr, "weft: %s wants a value\n", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (!file) file = argv[i];
        else if (!call) call = argv[i];
        else {
            fprintf(stderr, "weft: invoke: unexpected argument \"%s\"\n", argv[i]);
            invoke_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (!file || !call) {
        invoke_usage(stderr);
        free(links);
        return CLI_EXIT_USAGE;
    }
    if (!wit) {
        int st = invoke_component(file, links, nlinks, call);
        free(links);
        return st;
    }
    free(links);

    int status = CLI_EXIT_ERROR;
    char msg[1024] = "";
    char *werr = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    weft_engine *engine = NULL;
    weft_module *m = NULL;
    weft_store *s = NULL;
    weft_linker *l = NULL;
    weft_wasi_config *wc = NULL;
    weft_wasi *wasi = NULL;
    weft_instance *inst = NULL;
    cv_arena *arena = NULL;
    cc_exports ex = {0};
    weft_error *e = NULL;

    struct stat st;
    wit_doc *doc = stat(wit, &st) == 0 && S_ISDIR(st.st_mode) ? wit_parse_dir(wit, &werr) : NULL;
    if (!doc && !werr) {
        uint8_t *text = NULL;
        size_t tlen = 0;
        if (!cli_read_input(wit, &text, &tlen, msg, sizeof msg)) {
            fprintf(stderr, "weft: %s: %s\n", wit, msg);
            return CLI_EXIT_ERROR;
        }
        doc = wit_parse((const char *)text, tlen, wit, &werr);
        free(text);
    }
    if (!doc) {
        fprintf(stderr, "weft: %s\n", werr ? werr : "out of memory");
        free(werr);
        return CLI_EXIT_ERROR;
    }
    const wit_world *w = pick_world(doc, world, msg, sizeof msg);
    if (!w) {
        fprintf(stderr, "weft: %s: %s\n", wit, msg);
        goto done;
    }
    if (!cc_world_exports(w, &ex)) goto nomem;
    const char *name;
    size_t nlen;
    if (!wave_call_name(call, strlen(call), &name, &nlen, msg, sizeof msg)) {
        fprintf(stderr, "weft: invoke: %s\n", msg);
        status = CLI_EXIT_USAGE;
        goto done;
    }
    const cc_export *x = cc_find(&ex, name, nlen, msg, sizeof msg);
    if (!x) {
        fprintf(stderr, "weft: invoke: %s\n", msg);
        status = CLI_EXIT_USAGE;
        goto done;
    }
    if (!(arena = cv_arena_new())) goto nomem;
    cv *args = cv_alloc(arena, (x->func->nparams + 1) * sizeof *args);
    cv *results = cv_alloc(arena, (x->func->nresults + 1) * sizeof *results);
    if (!args || !results) goto nomem;
    if (!wave_parse_call(call, strlen(call), x->func, arena, args, msg, sizeof msg)) {
        fprintf(stderr, "weft: invoke: %s: %s\n", x->core_name, msg);
        status = CLI_EXIT_USAGE;
        goto done;
    }

    if (!cli_read_file(file, &bytes, &len, msg, sizeof msg)) {
        fprintf(stderr, "weft: %s: %s\n", file, msg);
        goto done;
    }
    if (cbin_is_component(bytes, len)) {
        fprintf(stderr, "weft: %s: a component binary carries its own types: leave out --wit\n",
                file);
        status = CLI_EXIT_USAGE;
        goto done;
    }
    if (!(engine = weft_engine_new(NULL))) goto nomem;
    if ((e = weft_module_new(engine, bytes, len, &m))) {
        status = cli_report(file, e);
        goto done;
    }
    /* WASI with nothing granted but stdio, for modules built with wasi-libc. */
    if (!(s = weft_store_new(engine, NULL)) || !(l = weft_linker_new(s)) ||
        !(wc = weft_wasi_config_new()))
        goto nomem;
    if ((e = weft_wasi_new(wc, &wasi)) || (e = weft_wasi_define(wasi, l)) ||
        (e = weft_instance_new(s, m, l, &inst))) {
        status = cli_report(file, e);
        goto done;
    }
    weft_func *init = weft_instance_func(inst, "_initialize");
    if (init && (e = weft_func_call(s, init, NULL, 0, NULL, 0))) {
        status = cli_report(file, e);
        goto done;
    }
    if ((e = cc_call(s, inst, x, args, arena, results))) {
        status = invoke_failed(file, e);
        e = NULL;
        goto done;
    }
    if (!print_results(results, x->func->nresults)) goto nomem;
    status = CLI_EXIT_OK;
    goto done;
nomem:
    fprintf(stderr, "weft: out of memory\n");
    status = CLI_EXIT_ERROR;
done:
    weft_error_free(e);
    cc_exports_free(&ex);
    cv_arena_free(arena);
    weft_linker_free(l);
    weft_store_free(s);
    weft_wasi_free(wasi);
    weft_wasi_config_free(wc);
    weft_module_free(m);
    weft_engine_free(engine);
    free(bytes);
    wit_free(doc);
    return status;
}
