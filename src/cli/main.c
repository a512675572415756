/* main.c: the `weft` command: picks the subcommand, prints usage and version, and holds the
 * small ones (validate, objdump). `weft run` lives in run.c, `weft call` in call.c, `weft bindgen`
 * in bindgen.c. All output and exit statuses of the CLI are decided under src/cli/; the engine
 * only returns values.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *f) {
    fprintf(f,
            "usage: weft <command> [ARGS]\n"
            "commands:\n"
            "  run [OPTIONS] FILE.wasm [--invoke NAME [ARG...]]\n"
            "                       call an export (or _start) and print its results\n"
            "  call PLUGIN.wasm FUNCTION [OPTIONS]\n"
            "                       call a plugin's function with an input, print its output\n"
            "  serve HANDLER.wasm [OPTIONS]\n"
            "                       serve an HTTP handler, a fresh instance per request\n"
            "  up [APP.yaml]        run an app manifest's components and HTTP routes\n"
            "  invoke FILE.wasm --wit PATH 'FN(ARGS)'\n"
            "                       call a WIT function of a module, values in WAVE syntax\n"
            "  bindgen c --wit PATH [--world NAME] --out DIR\n"
            "                       write C bindings of a WIT world for a guest\n"
            "  validate FILE.wasm   check that a module decodes and validates\n"
            "  objdump FILE.wasm [NAME]\n"
            "                       list the internal code weft compiles each function to\n"
            "  version              print weft's version\n"
            "`weft COMMAND --help` lists a command's options.\n");
}

/* `weft validate FILE`: "ok", or one line saying what is wrong and where. */
static int cli_validate(int argc, char **argv) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    weft_engine *engine = NULL;
    weft_error *e = NULL;
    int status = CLI_EXIT_ERROR;
    char err[512];

    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: weft validate FILE.wasm\n");
        return CLI_EXIT_OK;
    }
    if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
        fprintf(stderr, "usage: weft validate FILE.wasm\n");
        return CLI_EXIT_USAGE;
    }
    const char *file = argv[1];
    if (!cli_read_file(file, &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "weft: %s: %s\n", file, err);
        goto fail;
    }
    engine = weft_engine_new(NULL);
    if (engine == NULL) {
        fprintf(stderr, "weft: out of memory\n");
        goto fail;
    }
    e = weft_module_validate(engine, bytes, len);
    if (e != NULL) {
        cli_report_error(file, e);
        goto fail;
    }
    printf("ok\n");
    status = CLI_EXIT_OK;

fail:
    weft_error_free(e);
    if (engine != NULL)
        weft_engine_free(engine);
    free(bytes);
    return status;
}

/* `weft objdump FILE [NAME]`: the compiled code of every function (or those whose name
 * contains NAME), for tuning the compiler. */
static int cli_objdump(int argc, char **argv) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    char err[512];
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: weft objdump FILE.wasm [NAME]\n");
        return CLI_EXIT_USAGE;
    }
    if (!cli_read_file(argv[1], &bytes, &len, err, sizeof err)) {
        fprintf(stderr, "weft: %s: %s\n", argv[1], err);
        return CLI_EXIT_ERROR;
    }
    weft_engine *engine = weft_engine_new(NULL);
    weft_module *m = NULL;
    weft_error *e = engine ? weft_module_new(engine, bytes, len, &m) : NULL;
    int status = CLI_EXIT_OK;
    if (e) {
        status = cli_report(argv[1], e);
    } else if (m) {
        for (uint32_t i = 0; i < weft_module_func_count(m); i++) {
            char *text = weft_module_disasm(m, i);
            if (!text) continue;
            const char *colon = strchr(text, ':');
            if (argc < 3 || (colon && memmem(text, (size_t)(colon - text), argv[2], strlen(argv[2]))))
                printf("%s\n", text);
            free(text);
        }
    }
    weft_error_free(e);
    weft_module_free(m);
    weft_engine_free(engine);
    free(bytes);
    return status;
}

int main(int argc, char **argv) {
    /* A guest writing to a closed pipe gets EPIPE, rather than the whole process SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "call") == 0)
        return cli_call(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "up") == 0)
        return cli_up(argc - 1, argv + 1);
    if (strcmp(cmd, "invoke") == 0)
        return cli_invoke(argc - 1, argv + 1);
    if (strcmp(cmd, "bindgen") == 0)
        return cli_bindgen(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0)
        return cli_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "objdump") == 0)
        return cli_objdump(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("weft %s\n", WEFT_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        cli_usage(stdout);
        return CLI_EXIT_OK;
    }
    fprintf(stderr, "weft: unknown command \"%s\"\n", cmd);
    cli_usage(stderr);
    return CLI_EXIT_USAGE;
}
