/* invoke.c: `weft invoke FILE.wasm --wit WIT 'name(args)'`: calls a function a core module exports
 * under the canonical ABI's names, described by a WIT world, with arguments and results in WAVE
 * syntax (as wasmtime's --invoke writes them). The result alone goes on stdout's last line.
 * (Component binaries come next: for now FILE.wasm is a core module and the WIT is given.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "component/ccall.h"
#include "component/wave.h"
#include "component/wit.h"

static void invoke_usage(FILE *f) {
    fprintf(f,
            "usage: weft invoke FILE.wasm --wit PATH [--world NAME] 'FUNCTION(ARGS)'\n"
            "Calls a function the module exports for a WIT world (a core module whose exports\n"
            "follow the canonical ABI: \"ns:pkg/iface@1.0.0#fn\"), arguments and result in WAVE:\n"
            "  weft invoke math.wasm --wit wit/ 'acme:math/ops@0.1.0#add(2, 40)'\n"
            "  weft invoke math.wasm --wit wit/ 'add(2, 40)'    (a short name when unambiguous)\n"
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

int cli_invoke(int argc, char **argv) {
    const char *file = NULL, *wit = NULL, *world = NULL, *call = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool missing = false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            invoke_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_opt_value("--wit", argc, argv, &i, &missing))) wit = v;
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
        return CLI_EXIT_USAGE;
    }
    if (!wit) {
        fprintf(stderr, "weft: invoke: %s: give its WIT with --wit (reading component binaries and "
                        "their embedded types comes next)\n", file);
        return CLI_EXIT_USAGE;
    }

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
    if (len >= 8 && bytes[6] == 1 && bytes[7] == 0) {
        fprintf(stderr, "weft: %s: a component binary: weft invoke runs core modules with --wit for "
                        "now; component binaries come next\n", file);
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
        status = weft_error_kind_of(e) == WEFT_ERR_TRAP ? (cli_report_trap(e), CLI_EXIT_TRAP)
                                                         : cli_report(file, e);
        goto done;
    }
    /* One result alone; several as a tuple; none: nothing. */
    if (x->func->nresults == 1) {
        char *text;
        if (!wave_print(&results[0], &text)) goto nomem;
        printf("%s\n", text);
        free(text);
    } else if (x->func->nresults > 1) {
        printf("(");
        for (uint32_t i = 0; i < x->func->nresults; i++) {
            char *text;
            if (!wave_print(&results[i], &text)) goto nomem;
            printf("%s%s", i ? ", " : "", text);
            free(text);
        }
        printf(")\n");
    }
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
