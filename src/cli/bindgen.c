/* bindgen.c: `weft bindgen c [--host] --wit PATH [--world NAME] --out DIR`: writes guest-side C
 * bindings of a WIT world (src/component/bindgen_c.c makes them) into DIR: WORLD.h, the types and
 * prototypes a guest author writes against, and WORLD.c, the canonical-ABI glue to compile with;
 * with --host, an embedder's bindings instead (bindgen_host.c): WORLD_host.h and WORLD_host.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "component/bindgen.h"
#include "component/wit.h"

static void bindgen_usage(FILE *f) {
    fprintf(f,
            "usage: weft bindgen c [--host] --wit PATH [--world NAME] --out DIR\n"
            "Writes C bindings of a WIT world for a guest: DIR/WORLD.h (types, and prototypes of\n"
            "the exports to implement and the imports to call) and DIR/WORLD.c (the canonical-ABI\n"
            "glue). Build a guest with them, e.g.:\n"
            "  clang --target=wasm32-wasi -mexec-model=reactor -O2 guest.c DIR/WORLD.c -o g.wasm\n"
            "  clang --target=wasm32 -nostdlib -mbulk-memory -Wl,--no-entry -DWORLD_NO_LIBC ...\n"
            "  --wit PATH     a .wit file or a directory of them (with deps/)\n"
            "  --world NAME   the world (default: the package's only one)\n"
            "  --out DIR      where to write (created if missing; its parent must exist)\n"
            "  --host         bindings for an embedder of weft instead: DIR/WORLD_host.h and\n"
            "                 DIR/WORLD_host.c call a component's exports as typed C functions and\n"
            "                 implement its imports with C function pointers; link with libweft\n"
            "Resources are not supported yet. Exit status: 0, 1 error, 2 usage.\n");
}

/* A .wit file or a directory of them; NULL after printing why. */
static wit_doc *load_wit(const char *path) {
    char msg[512];
    char *werr = NULL;
    struct stat st;
    wit_doc *doc =
        stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? wit_parse_dir(path, &werr) : NULL;
    if (!doc && !werr) {
        uint8_t *text = NULL;
        size_t len = 0;
        if (!cli_read_input(path, &text, &len, msg, sizeof msg)) {
            fprintf(stderr, "weft: %s: %s\n", path, msg);
            return NULL;
        }
        doc = wit_parse((const char *)text, len, path, &werr);
        free(text);
    }
    if (!doc) fprintf(stderr, "weft: %s\n", werr ? werr : "out of memory");
    free(werr);
    return doc;
}

int cli_bindgen(int argc, char **argv) {
    const char *lang = NULL, *wit = NULL, *world = NULL, *out = NULL;
    bool host = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        bool missing = false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            bindgen_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--host") == 0) host = true;
        else if ((v = cli_opt_value("--wit", argc, argv, &i, &missing))) wit = v;
        else if ((v = cli_opt_value("--world", argc, argv, &i, &missing))) world = v;
        else if ((v = cli_opt_value("--out", argc, argv, &i, &missing))) out = v;
        else if (missing) {
            fprintf(stderr, "weft: %s wants a value\n", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (!lang && argv[i][0] != '-') lang = argv[i];
        else {
            fprintf(stderr, "weft: bindgen: unexpected argument \"%s\"\n", argv[i]);
            bindgen_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (!lang || !wit || !out) {
        bindgen_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(lang, "c") != 0) {
        fprintf(stderr, "weft: bindgen: no generator for \"%s\" (there is one for c)\n", lang);
        return CLI_EXIT_USAGE;
    }

    int status = CLI_EXIT_ERROR;
    bindgen_files files = {0};
    weft_error *e = NULL;
    wit_doc *doc = load_wit(wit);
    if (!doc) return CLI_EXIT_ERROR;
    if ((e = (host ? bindgen_c_host_doc : bindgen_c_doc)(doc, world, &files)) || (e = bindgen_write(&files, out))) {
        fprintf(stderr, "weft: bindgen: %s\n", weft_error_message(e));
        goto done;
    }
    for (size_t i = 0; i < files.n; i++) printf("%s/%s\n", out, files.v[i].name);
    status = CLI_EXIT_OK;
done:
    weft_error_free(e);
    bindgen_files_free(&files);
    wit_free(doc);
    return status;
}
