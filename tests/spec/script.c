/* script.c: executes one wast2json script (a JSON list of commands) against weft.
 * Owns the world of one .wast file: its store, a linker holding the spectest host module and
 * registered instances, the modules the script names, and the verdict on each command.
 * Finding files, conversion, spectest itself and the totals live elsewhere (see spec.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec.h"

/* Scripts and modules of the suite are a few MB; anything near this is a broken file. */
#define SCRIPT_MAX_FILE_SIZE (1u << 30)

/* What became of a module command. */
typedef enum mod_state {
    MOD_OK,
    MOD_UNSUPPORTED, /* weft refused it (SIMD): everything using it is skipped */
    MOD_FAILED,      /* it should have loaded: everything using it fails */
} mod_state;

typedef struct script_module {
    char *name; /* "$name" as the script spells it, or NULL */
    int line;   /* of the module command */
    mod_state state;
    weft_instance *inst; /* owned by the store; NULL unless MOD_OK */
} script_module;

typedef struct script {
    weft_engine *engine;
    weft_store *store;
    weft_linker *linker;
    const spec_opts *opts;
    spec_result *r;
    char *dir; /* directory of the JSON file; the .wasm files lie there */
    script_module *mods;
    size_t nmods, cap;
    size_t current; /* index of the current module in mods, or SIZE_MAX before the first */
    spec_spectest spectest; /* user data of its host functions */
} script;

/* An action (invoke or get) of a command, ready to report on. */
typedef struct action {
    char desc[512];    /* "add(1, 2)", "$M.get(0)", "get $M.g": for failure lines */
    weft_val *results; /* malloc'd; nresults of them */
    size_t nresults;
    weft_error *err; /* what weft returned, if the call failed */
} action;

/* ---------------------------------------------------------------------------------------------
 * Reporting and files
 * ------------------------------------------------------------------------------------------- */

SPEC_PRINTF(3, 4) static void fail_at(script *sc, int line, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    spec_fail(sc->r, sc->opts, "line %d: %s", line, msg);
}

/* Notes are only kept under --verbose: a SIMD file would collect thousands. */
SPEC_PRINTF(3, 4) static void note_at(script *sc, int line, const char *fmt, ...) {
    if (!sc->opts->verbose)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    spec_lines_addf(&sc->r->notes, "line %d: %s", line, msg);
}

static const char *kind_name(weft_error_kind k) {
    switch (k) {
    case WEFT_ERR_MALFORMED:
        return "malformed";
    case WEFT_ERR_INVALID:
        return "invalid";
    case WEFT_ERR_UNSUPPORTED:
        return "unsupported";
    case WEFT_ERR_LINK:
        return "link error";
    case WEFT_ERR_LIMIT:
        return "limit";
    case WEFT_ERR_TRAP:
        return "trap";
    case WEFT_ERR_EXIT:
        return "exit";
    case WEFT_ERR_USAGE:
        return "usage error";
    case WEFT_ERR_NOMEM:
        return "out of memory";
    }
    return "error";
}

void spec_error_format(const weft_error *e, char *buf, size_t len) {
    int64_t off = weft_error_offset(e);
    const char *msg = weft_error_message(e);
    if (msg == NULL)
        msg = "";
    if (off >= 0)
        snprintf(buf, len, "%s \"%s\" at byte %lld", kind_name(weft_error_kind_of(e)), msg,
                 (long long)off);
    else
        snprintf(buf, len, "%s \"%s\"", kind_name(weft_error_kind_of(e)), msg);
}

static const char *json_str(const cJSON *obj, const char *key) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* cJSON ends a string at its first NUL, and names.wast exports a function whose name starts
 * with one. Each \u0000 escape becomes a raw 0xff byte, which cJSON copies as is and which valid
 * UTF-8 (all a wasm name may hold) never contains; lookup_export turns it back into NUL. */
#define NUL_MARK "\xff"

static char *mark_nul_escapes(const char *in, size_t len, size_t *out_len) {
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] != '\\' || i + 1 >= len) {
            out[o++] = in[i++];
        } else if (in[i + 1] == 'u' && i + 6 <= len && memcmp(in + i + 2, "0000", 4) == 0) {
            out[o++] = NUL_MARK[0];
            i += 6;
        } else { /* any other escape, "\\" included, passes whole */
            out[o++] = in[i++];
            out[o++] = in[i++];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Reads a whole file. Returns 0, or an errno value (EISDIR for a directory, EFBIG when it is
 * absurdly large). */
static int read_file(const char *path, char **out, size_t *out_len) {
    char *buf = NULL;
    int err = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = errno;
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        err = EISDIR;
        goto fail;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > SCRIPT_MAX_FILE_SIZE) {
        err = EFBIG;
        goto fail;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size + 1);
    if (buf == NULL) {
        err = ENOMEM;
        goto fail;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            goto fail;
        }
        if (n == 0)
            break; /* shrank meanwhile: take what is there */
        got += (size_t)n;
    }
    buf[got] = '\0';
    close(fd);
    *out = buf;
    *out_len = got;
    return 0;

fail:
    free(buf);
    close(fd);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------------------------- */

/* Adds a slot for a module command and makes it current. NULL (failure recorded) when out of
 * memory. */
static script_module *add_module(script *sc, const char *name, int line) {
    if (sc->nmods == sc->cap) {
        size_t cap = sc->cap ? 2 * sc->cap : 16;
        script_module *m = realloc(sc->mods, cap * sizeof *m);
        if (m == NULL)
            goto fail;
        sc->mods = m;
        sc->cap = cap;
    }
    script_module *m = &sc->mods[sc->nmods];
    *m = (script_module){.line = line, .state = MOD_FAILED};
    if (name != NULL && (m->name = strdup(name)) == NULL)
        goto fail;
    sc->current = sc->nmods++;
    return m;

fail:
    fail_at(sc, line, "module: out of memory");
    return NULL;
}

static bool is_text_module(const cJSON *cmd) {
    const char *t = json_str(cmd, "module_type");
    return t != NULL && strcmp(t, "text") == 0;
}

/* Reads the command's .wasm file and compiles it. Returns false (failure recorded) when the file
 * cannot be read; else true, with weft_module_new's error in *err or the module in *out. */
static bool compile(script *sc, const cJSON *cmd, int line, const char *what,
                    weft_module **out, weft_error **err) {
    char *path = NULL, *bytes = NULL;
    size_t len = 0;
    bool ok = false;

    *out = NULL;
    *err = NULL;
    const char *file = json_str(cmd, "filename");
    if (file == NULL) {
        fail_at(sc, line, "%s: no \"filename\" in the command", what);
        goto fail;
    }
    size_t n = strlen(sc->dir) + strlen(file) + 2;
    path = malloc(n);
    if (path == NULL) {
        fail_at(sc, line, "%s %s: out of memory", what, file);
        goto fail;
    }
    snprintf(path, n, "%s/%s", sc->dir, file);
    int rc = read_file(path, &bytes, &len);
    if (rc != 0) {
        fail_at(sc, line, "%s: cannot read %s: %s", what, path, strerror(rc));
        goto fail;
    }
    *err = weft_module_new(sc->engine, (const uint8_t *)bytes, len, out);
    ok = true;

fail:
    free(bytes);
    free(path);
    return ok;
}

static void cmd_module(script *sc, const cJSON *cmd, int line) {
    const char *file = json_str(cmd, "filename");
    script_module *slot = add_module(sc, json_str(cmd, "name"), line);
    if (slot == NULL)
        return;
    if (is_text_module(cmd)) {
        slot->state = MOD_UNSUPPORTED;
        sc->r->skipped++;
        note_at(sc, line, "module %s skipped: text format", file ? file : "?");
        return;
    }

    weft_module *m;
    weft_error *e;
    if (!compile(sc, cmd, line, "module", &m, &e))
        return;
    if (e == NULL) {
        weft_instance *inst = NULL;
        e = weft_instance_new(sc->store, m, sc->linker, &inst);
        weft_module_free(m);
        if (e == NULL) {
            slot->state = MOD_OK;
            slot->inst = inst;
            return;
        }
    }
    char buf[768];
    spec_error_format(e, buf, sizeof buf);
    if (weft_error_kind_of(e) == WEFT_ERR_UNSUPPORTED) {
        slot->state = MOD_UNSUPPORTED;
        sc->r->skipped++;
        note_at(sc, line, "module %s skipped: %s", file, buf);
    } else {
        fail_at(sc, line, "module %s: %s", file, buf);
    }
    weft_error_free(e);
}

/* Finds the instance a command names (name NULL: the current module). Returns 1 with *out set;
 * 0 when skipped (a SIMD module) and -1 when failed, both already counted. */
static int target(script *sc, const char *name, int line, const char *what, weft_instance **out) {
    script_module *m = NULL;
    if (name == NULL) {
        if (sc->current == SIZE_MAX) {
            fail_at(sc, line, "%s: no module defined before it", what);
            return -1;
        }
        m = &sc->mods[sc->current];
    } else {
        for (size_t i = sc->nmods; i-- > 0;) {
            if (sc->mods[i].name != NULL && strcmp(sc->mods[i].name, name) == 0) {
                m = &sc->mods[i];
                break;
            }
        }
        if (m == NULL) {
            fail_at(sc, line, "%s: unknown module %s", what, name);
            return -1;
        }
    }
    switch (m->state) {
    case MOD_OK:
        *out = m->inst;
        return 1;
    case MOD_UNSUPPORTED:
        sc->r->skipped++;
        return 0;
    case MOD_FAILED:
        break;
    }
    fail_at(sc, line, "%s: its module (line %d) failed to load", what, m->line);
    return -1;
}

static void cmd_register(script *sc, const cJSON *cmd, int line) {
    const char *as = json_str(cmd, "as");
    if (as == NULL) {
        fail_at(sc, line, "register: no \"as\" in the command");
        return;
    }
    weft_instance *inst;
    if (target(sc, json_str(cmd, "name"), line, "register", &inst) != 1)
        return;
    weft_error *e = weft_linker_define_instance(sc->linker, as, inst);
    if (e != NULL) {
        char buf[768];
        spec_error_format(e, buf, sizeof buf);
        fail_at(sc, line, "register as \"%s\": %s", as, buf);
        weft_error_free(e);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Actions
 * ------------------------------------------------------------------------------------------- */

static void action_free(action *a) {
    free(a->results);
    weft_error_free(a->err);
    a->results = NULL;
    a->err = NULL;
}

/* Appends printf output to a fixed buffer, truncating quietly. */
SPEC_PRINTF(3, 4) static void appendf(char *buf, size_t len, const char *fmt, ...) {
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* Looks up an export whose name may hold NUL bytes (marked with NUL_MARK). */
static bool lookup_export(weft_instance *inst, const char *field, weft_extern *ext) {
    size_t len = strlen(field);
    char *name = malloc(len + 1);
    if (name == NULL)
        return false;
    for (size_t i = 0; i <= len; i++)
        name[i] = field[i] == NUL_MARK[0] ? '\0' : field[i];
    bool found = weft_instance_export_n(inst, name, len, ext);
    free(name);
    return found;
}

static void describe(action *a, bool get, const char *module, const char *field,
                     const weft_val *args, size_t nargs) {
    char name[256];
    spec_escape(field, name, sizeof name);
    a->desc[0] = '\0';
    appendf(a->desc, sizeof a->desc, "%s%s%s%s", get ? "get " : "", module ? module : "",
            module ? "." : "", name);
    if (get)
        return;
    appendf(a->desc, sizeof a->desc, "(");
    for (size_t i = 0; i < nargs; i++) {
        char v[96];
        spec_val_format(args[i], true, v, sizeof v);
        appendf(a->desc, sizeof a->desc, "%s%s", i ? ", " : "", v);
    }
    appendf(a->desc, sizeof a->desc, ")");
}

static void format_types(const weft_valtype *t, size_t n, char *buf, size_t len) {
    buf[0] = '\0';
    appendf(buf, len, "(");
    for (size_t i = 0; i < n; i++)
        appendf(buf, len, "%s%s", i ? ", " : "", weft_valtype_name(t[i]));
    appendf(buf, len, ")");
}

/* Calls an exported function with the script's arguments. Returns 1 when called (a->err holds
 * a failure), -1 when the harness could not call it (failure recorded). */
static int invoke(script *sc, int line, const char *what, weft_instance *inst, const char *field,
                  const weft_val *args, size_t nargs, action *a) {
    weft_extern ext;
    if (!lookup_export(inst, field, &ext)) {
        fail_at(sc, line, "%s %s: no such export", what, a->desc);
        return -1;
    }
    if (ext.kind != WEFT_EXTERN_FUNC) {
        fail_at(sc, line, "%s %s: export is not a function", what, a->desc);
        return -1;
    }
    weft_func *f = ext.of.func;
    size_t np = weft_func_param_count(f);
    const weft_valtype *params = weft_func_params(f);
    bool same = np == nargs;
    for (size_t i = 0; same && i < np; i++)
        same = params[i] == args[i].type;
    if (!same) {
        char sig[256];
        format_types(params, np, sig, sizeof sig);
        fail_at(sc, line, "%s %s: the function takes %s", what, a->desc, sig);
        return -1;
    }
    a->nresults = weft_func_result_count(f);
    /* One extra slot so a function without results still gets a valid pointer. */
    a->results = calloc(a->nresults + 1, sizeof *a->results);
    if (a->results == NULL) {
        fail_at(sc, line, "%s %s: out of memory", what, a->desc);
        return -1;
    }
    const weft_valtype *rt = weft_func_results(f);
    for (size_t i = 0; i < a->nresults; i++)
        a->results[i].type = rt[i];
    a->err = weft_func_call(sc->store, f, args, nargs, a->results, a->nresults);
    return 1;
}

/* Runs the command's action. Returns 1 when it ran (a->err set if weft returned an error), 0
 * when skipped and -1 when the harness failed before running it (both counted). */
static int run_action(script *sc, const cJSON *cmd, int line, const char *what, action *a) {
    weft_val *args = NULL;
    int rc = -1;

    memset(a, 0, sizeof *a);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(cmd, "action");
    const char *type = json_str(act, "type");
    const char *field = json_str(act, "field");
    const char *module = json_str(act, "module");
    if (type == NULL || field == NULL ||
        (strcmp(type, "invoke") != 0 && strcmp(type, "get") != 0)) {
        fail_at(sc, line, "%s: missing or unknown \"action\"", what);
        goto fail;
    }
    bool get = strcmp(type, "get") == 0;

    const cJSON *jargs = cJSON_GetObjectItemCaseSensitive(act, "args");
    size_t nargs = cJSON_IsArray(jargs) ? (size_t)cJSON_GetArraySize(jargs) : 0;
    args = calloc(nargs + 1, sizeof *args);
    if (args == NULL) {
        fail_at(sc, line, "%s: out of memory", what);
        goto fail;
    }
    bool v128 = false;
    size_t i = 0;
    const cJSON *j;
    cJSON_ArrayForEach(j, jargs) {
        spec_parse p = spec_val_parse(j, &args[i++]);
        if (p == SPEC_PARSE_BAD) {
            char *s = cJSON_PrintUnformatted(j);
            fail_at(sc, line, "%s: bad argument %s", what, s ? s : "?");
            cJSON_free(s);
            goto fail;
        }
        v128 |= p == SPEC_PARSE_V128;
    }
    describe(a, get, module, field, args, v128 ? 0 : nargs);

    weft_instance *inst;
    rc = target(sc, module, line, what, &inst);
    if (rc != 1)
        goto fail;
    if (v128) {
        sc->r->skipped++;
        rc = 0;
        goto fail;
    }
    if (!get) {
        rc = invoke(sc, line, what, inst, field, args, nargs, a);
        goto fail;
    }
    weft_extern ext;
    if (!lookup_export(inst, field, &ext) || ext.kind != WEFT_EXTERN_GLOBAL) {
        fail_at(sc, line, "%s %s: no such global export", what, a->desc);
        rc = -1;
        goto fail;
    }
    a->results = calloc(1, sizeof *a->results);
    if (a->results == NULL) {
        fail_at(sc, line, "%s %s: out of memory", what, a->desc);
        rc = -1;
        goto fail;
    }
    a->nresults = 1;
    a->results[0] = weft_global_get(ext.of.global);
    rc = 1;

fail:
    free(args);
    return rc;
}

static void format_results(const weft_val *v, size_t n, char *buf, size_t len) {
    buf[0] = '\0';
    if (n != 1)
        appendf(buf, len, "(");
    for (size_t i = 0; i < n; i++) {
        char one[96];
        spec_val_format(v[i], false, one, sizeof one);
        appendf(buf, len, "%s%s", i ? ", " : "", one);
    }
    if (n != 1)
        appendf(buf, len, ")");
}

static void format_expects(const spec_expect *e, size_t n, char *buf, size_t len) {
    buf[0] = '\0';
    if (n != 1)
        appendf(buf, len, "(");
    for (size_t i = 0; i < n; i++) {
        char one[96];
        spec_expect_format(&e[i], one, sizeof one);
        appendf(buf, len, "%s%s", i ? ", " : "", one);
    }
    if (n != 1)
        appendf(buf, len, ")");
}

static void cmd_action(script *sc, const cJSON *cmd, int line) {
    action a;
    if (run_action(sc, cmd, line, "action", &a) == 1 && a.err != NULL) {
        char buf[768];
        spec_error_format(a.err, buf, sizeof buf);
        fail_at(sc, line, "action %s: %s", a.desc, buf);
    }
    action_free(&a);
}

static void cmd_assert_return(script *sc, const cJSON *cmd, int line) {
    spec_expect *want = NULL;
    action a = {0};

    const cJSON *jexp = cJSON_GetObjectItemCaseSensitive(cmd, "expected");
    if (!cJSON_IsArray(jexp)) {
        fail_at(sc, line, "assert_return: no \"expected\" list");
        goto fail;
    }
    size_t nwant = (size_t)cJSON_GetArraySize(jexp), i = 0;
    want = calloc(nwant + 1, sizeof *want);
    if (want == NULL) {
        fail_at(sc, line, "assert_return: out of memory");
        goto fail;
    }
    const cJSON *j;
    cJSON_ArrayForEach(j, jexp) {
        spec_parse p = spec_expect_parse(j, &want[i++]);
        if (p == SPEC_PARSE_V128) {
            sc->r->skipped++;
            goto fail;
        }
        if (p == SPEC_PARSE_BAD) {
            char *s = cJSON_PrintUnformatted(j);
            fail_at(sc, line, "assert_return: bad expected value %s", s ? s : "?");
            cJSON_free(s);
            goto fail;
        }
    }

    if (run_action(sc, cmd, line, "assert_return", &a) != 1)
        goto fail;
    char got[768], exp[768];
    if (a.err != NULL) {
        spec_error_format(a.err, got, sizeof got);
        format_expects(want, nwant, exp, sizeof exp);
        fail_at(sc, line, "assert_return %s: expected %s, got %s", a.desc, exp, got);
        goto fail;
    }
    bool same = a.nresults == nwant;
    for (i = 0; same && i < nwant; i++)
        same = spec_expect_match(&want[i], a.results[i]);
    if (!same) {
        format_expects(want, nwant, exp, sizeof exp);
        format_results(a.results, a.nresults, got, sizeof got);
        fail_at(sc, line, "assert_return %s: expected %s, got %s", a.desc, exp, got);
        goto fail;
    }
    sc->r->passed++;

fail:
    action_free(&a);
    free(want);
}

/* assert_trap and assert_exhaustion: the action must trap with the expected message; for
 * exhaustion, with the stack-exhaustion code. */
static void check_trap(script *sc, const cJSON *cmd, int line, const char *what,
                       bool exhaustion) {
    action a;
    const char *text = json_str(cmd, "text");
    if (text == NULL)
        text = "";
    if (run_action(sc, cmd, line, what, &a) != 1)
        goto fail;
    char got[768];
    if (a.err == NULL) {
        format_results(a.results, a.nresults, got, sizeof got);
        fail_at(sc, line, "%s %s: expected trap \"%s\", returned %s", what, a.desc, text, got);
        goto fail;
    }
    spec_error_format(a.err, got, sizeof got);
    bool ok = weft_error_kind_of(a.err) == WEFT_ERR_TRAP;
    if (exhaustion)
        ok = ok && weft_error_trap_code(a.err) == WEFT_TRAP_STACK_EXHAUSTED;
    else
        ok = ok && spec_message_matches(text, weft_error_message(a.err));
    if (!ok) {
        fail_at(sc, line, "%s %s: expected trap \"%s\", got %s", what, a.desc, text, got);
        goto fail;
    }
    sc->r->passed++;

fail:
    action_free(&a);
}

static void cmd_assert_trap(script *sc, const cJSON *cmd, int line) {
    check_trap(sc, cmd, line, "assert_trap", false);
}

static void cmd_assert_exhaustion(script *sc, const cJSON *cmd, int line) {
    check_trap(sc, cmd, line, "assert_exhaustion", true);
}

/* ---------------------------------------------------------------------------------------------
 * Assertions on modules
 * ------------------------------------------------------------------------------------------- */

/* Counts (and under --verbose lists) a message that differs from the spec's text. */
static void check_message(script *sc, int line, const char *what, const char *file,
                          const char *text, const weft_error *e) {
    const char *msg = weft_error_message(e);
    if (spec_message_matches(text, msg ? msg : ""))
        return;
    sc->r->message_mismatch++;
    note_at(sc, line, "message: %s %s: expected \"%s\", got \"%s\"", what, file, text,
         msg ? msg : "");
}

/* assert_invalid and assert_malformed: weft_module_new must refuse the module as invalid or
 * malformed. Which of the two, and the wording, are only counted. */
static void check_bad_module(script *sc, const cJSON *cmd, int line, const char *what,
                             weft_error_kind want) {
    const char *file = json_str(cmd, "filename");
    const char *text = json_str(cmd, "text");
    if (text == NULL)
        text = "";
    if (is_text_module(cmd)) { /* a test of the text parser: weft reads binaries only */
        sc->r->skipped++;
        return;
    }
    weft_module *m;
    weft_error *e;
    if (!compile(sc, cmd, line, what, &m, &e))
        return;
    if (e == NULL) {
        fail_at(sc, line, "%s %s: expected \"%s\", but the module loaded", what, file, text);
        weft_module_free(m);
        return;
    }
    weft_error_kind k = weft_error_kind_of(e);
    char buf[768];
    spec_error_format(e, buf, sizeof buf);
    if (k == WEFT_ERR_UNSUPPORTED) {
        sc->r->skipped++;
    } else if (k != WEFT_ERR_INVALID && k != WEFT_ERR_MALFORMED) {
        fail_at(sc, line, "%s %s: expected \"%s\", got %s", what, file, text, buf);
    } else {
        sc->r->passed++;
        if (k != want) {
            sc->r->category_mismatch++;
            note_at(sc, line, "category: %s %s: expected \"%s\", got %s", what, file, text, buf);
        }
        check_message(sc, line, what, file, text, e);
    }
    weft_error_free(e);
}

static void cmd_assert_invalid(script *sc, const cJSON *cmd, int line) {
    check_bad_module(sc, cmd, line, "assert_invalid", WEFT_ERR_INVALID);
}

static void cmd_assert_malformed(script *sc, const cJSON *cmd, int line) {
    check_bad_module(sc, cmd, line, "assert_malformed", WEFT_ERR_MALFORMED);
}

/* assert_unlinkable and assert_uninstantiable: the module loads, instantiating it fails with
 * the given kind (a link error, or a trap in a segment or the start function). */
static void check_instantiation_fails(script *sc, const cJSON *cmd, int line, const char *what,
                                      weft_error_kind want) {
    const char *file = json_str(cmd, "filename");
    const char *text = json_str(cmd, "text");
    if (text == NULL)
        text = "";
    if (is_text_module(cmd)) {
        sc->r->skipped++;
        return;
    }
    weft_module *m;
    weft_error *e;
    char buf[768];
    if (!compile(sc, cmd, line, what, &m, &e))
        return;
    if (e != NULL) {
        spec_error_format(e, buf, sizeof buf);
        if (weft_error_kind_of(e) == WEFT_ERR_UNSUPPORTED)
            sc->r->skipped++;
        else
            fail_at(sc, line, "%s %s: the module should load, got %s", what, file, buf);
        weft_error_free(e);
        return;
    }
    weft_instance *inst = NULL;
    e = weft_instance_new(sc->store, m, sc->linker, &inst);
    weft_module_free(m);
    if (e == NULL) {
        fail_at(sc, line, "%s %s: expected \"%s\", but it instantiated", what, file, text);
        return;
    }
    spec_error_format(e, buf, sizeof buf);
    weft_error_kind k = weft_error_kind_of(e);
    if (k == WEFT_ERR_UNSUPPORTED) {
        sc->r->skipped++;
    } else if (k != want) {
        fail_at(sc, line, "%s %s: expected %s \"%s\", got %s", what, file, kind_name(want), text,
             buf);
    } else {
        sc->r->passed++;
        check_message(sc, line, what, file, text, e);
    }
    weft_error_free(e);
}

static void cmd_assert_unlinkable(script *sc, const cJSON *cmd, int line) {
    check_instantiation_fails(sc, cmd, line, "assert_unlinkable", WEFT_ERR_LINK);
}

static void cmd_assert_uninstantiable(script *sc, const cJSON *cmd, int line) {
    check_instantiation_fails(sc, cmd, line, "assert_uninstantiable", WEFT_ERR_TRAP);
}

/* ---------------------------------------------------------------------------------------------
 * The script
 * ------------------------------------------------------------------------------------------- */

static const struct {
    const char *type;
    void (*run)(script *sc, const cJSON *cmd, int line);
} commands[] = {
    {"module", cmd_module},
    {"register", cmd_register},
    {"action", cmd_action},
    {"assert_return", cmd_assert_return},
    {"assert_trap", cmd_assert_trap},
    {"assert_exhaustion", cmd_assert_exhaustion},
    {"assert_invalid", cmd_assert_invalid},
    {"assert_malformed", cmd_assert_malformed},
    {"assert_unlinkable", cmd_assert_unlinkable},
    {"assert_uninstantiable", cmd_assert_uninstantiable},
};

static void run_command(script *sc, const cJSON *cmd) {
    const cJSON *jline = cJSON_GetObjectItemCaseSensitive(cmd, "line");
    int line = cJSON_IsNumber(jline) ? jline->valueint : 0;
    const char *type = json_str(cmd, "type");
    if (type == NULL) {
        fail_at(sc, line, "command without a \"type\"");
        return;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(type, commands[i].type) == 0) {
            commands[i].run(sc, cmd, line);
            return;
        }
    }
    fail_at(sc, line, "unknown command type \"%s\"", type);
}

void spec_script_run(weft_engine *engine, const spec_opts *o, const char *json_path,
                     spec_result *r) {
    script sc = {.engine = engine, .opts = o, .r = r, .current = SIZE_MAX};
    char *text = NULL, *marked = NULL;
    size_t len = 0;
    cJSON *root = NULL;

    int rc = read_file(json_path, &text, &len);
    if (rc != 0) {
        spec_fail(r, o, "cannot read %s: %s", json_path, strerror(rc));
        goto fail;
    }
    marked = mark_nul_escapes(text, len, &len);
    if (marked == NULL) {
        spec_fail(r, o, "%s: out of memory", json_path);
        goto fail;
    }
    root = cJSON_ParseWithLength(marked, len);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        spec_fail(r, o, "%s: bad JSON near byte %td", json_path, at ? at - marked : (ptrdiff_t)-1);
        goto fail;
    }
    const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(root, "commands");
    if (!cJSON_IsArray(cmds)) {
        spec_fail(r, o, "%s: no \"commands\" list", json_path);
        goto fail;
    }

    sc.dir = strdup(json_path);
    if (sc.dir == NULL) {
        spec_fail(r, o, "%s: out of memory", json_path);
        goto fail;
    }
    char *slash = strrchr(sc.dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        strcpy(sc.dir, ".");

    sc.store = weft_store_new(engine, NULL);
    sc.linker = sc.store ? weft_linker_new(sc.store) : NULL;
    if (sc.linker == NULL) {
        spec_fail(r, o, "%s: cannot create a store and linker", json_path);
        goto fail;
    }
    char err[768];
    if (!spec_spectest_define(&sc.spectest, sc.linker, sc.store, o, err, sizeof err)) {
        spec_fail(r, o, "%s", err);
        goto fail;
    }

    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, cmds) {
        if (!cJSON_IsObject(cmd)) {
            spec_fail(r, o, "%s: a command is not a JSON object", json_path);
            continue;
        }
        run_command(&sc, cmd);
    }

fail:
    for (size_t i = 0; i < sc.nmods; i++)
        free(sc.mods[i].name);
    free(sc.mods);
    if (sc.linker != NULL)
        weft_linker_free(sc.linker);
    if (sc.store != NULL) /* frees every instance, function, global, memory and table */
        weft_store_free(sc.store);
    free(sc.dir);
    cJSON_Delete(root);
    free(marked);
    free(text);
}
