/* runner.c: weft-spec, the runner of the official WebAssembly spec testsuite.
 * Finds the suite, picks the files the filters name, has each converted (convert.c) and run
 * (script.c), and prints a line per file, totals per phase and the final count line.
 * Exit 0 when nothing failed, 1 when something did, 77 (skipped) when there is no suite.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec.h"

#ifndef WEFT_SOURCE_DIR
#define WEFT_SOURCE_DIR "."
#endif
#ifndef WEFT_SPEC_WORK_DIR
#define WEFT_SPEC_WORK_DIR "spec-json"
#endif

/* ctest's convention for "skipped". */
#define EXIT_SKIPPED 77
#define EXIT_USAGE 2

/* ---------------------------------------------------------------------------------------------
 * Result lines
 * ------------------------------------------------------------------------------------------- */

static void lines_vadd(spec_lines *l, const char *fmt, va_list ap) {
    char *s = NULL;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return; /* the line is lost, the count is not */
        l->v = v;
        l->cap = cap;
    }
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    l->v[l->n++] = s;
}

void spec_lines_addf(spec_lines *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lines_vadd(l, fmt, ap);
    va_end(ap);
}

void spec_lines_free(spec_lines *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (spec_lines){0};
}

void spec_fail(spec_result *r, const spec_opts *o, const char *fmt, ...) {
    r->failed++;
    if (r->failures.n >= o->list_failures)
        return;
    va_list ap;
    va_start(ap, fmt);
    lines_vadd(&r->failures, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------------------------
 * Phases (README "Phases" of the suite): which features a file needs
 * ------------------------------------------------------------------------------------------- */

typedef struct phase {
    const char *name;
    const char *what;
    const char *const *files; /* base names without .wast; NULL for phase 3 and "other" */
} phase;

static const char *const phase_1a_files[] = {
    "address", "align", "br_if", "comments", "const", "custom", "endianness", "f32",
    "f32_bitwise", "f32_cmp", "f64", "f64_bitwise", "f64_cmp", "float_exprs", "float_literals",
    "float_memory", "float_misc", "forward", "func_ptrs", "inline-module", "int_exprs",
    "int_literals", "labels", "left-to-right", "load", "local_get", "local_set", "local_tee",
    "memory", "memory_grow", "memory_redundancy", "memory_size", "memory_trap", "names", "nop",
    "return", "skip-stack-guard-page", "stack", "start", "store", "switch", "token", "traps",
    "unreachable", "unwind", "utf8-custom-section-id", "utf8-import-field",
    "utf8-import-module", "utf8-invalid-encoding", NULL,
};
static const char *const phase_1b_files[] = {
    "binary-leb128", "block", "br", "call", "conversions", "fac", "func", "i32", "i64", "if",
    "loop", "type", NULL,
};
static const char *const phase_2_files[] = {
    "binary", "br_table", "bulk", "call_indirect", "data", "elem", "exports", "global",
    "imports", "linking", "memory_copy", "memory_fill", "memory_init", "ref_func",
    "ref_is_null", "ref_null", "select", "table", "table-sub", "table_copy", "table_fill",
    "table_get", "table_grow", "table_init", "table_set", "table_size", "tokens",
    "unreached-invalid", "unreached-valid", NULL,
};

enum { PHASE_1A, PHASE_1B, PHASE_2, PHASE_3, PHASE_OTHER, PHASE_COUNT };

static const phase phases[PHASE_COUNT] = {
    {"1a", "MVP", phase_1a_files},
    {"1b", "sign-ext, sat-f2i, multi-value", phase_1b_files},
    {"2", "bulk memory, reference types", phase_2_files},
    {"3", "SIMD", NULL},
    {"other", "not in the suite's phase table", NULL},
};

/* rel is "core/name.wast" or "core/simd/name.wast". */
static int phase_of(const char *rel) {
    if (strncmp(rel, "core/simd/", 10) == 0)
        return PHASE_3;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".wast") == 0)
        n -= 5;
    for (int p = PHASE_1A; p <= PHASE_2; p++) {
        for (const char *const *f = phases[p].files; *f != NULL; f++) {
            if (strlen(*f) == n && strncmp(*f, base, n) == 0)
                return p;
        }
    }
    return PHASE_OTHER;
}

/* ---------------------------------------------------------------------------------------------
 * Finding the suite and its files
 * ------------------------------------------------------------------------------------------- */

/* One .wast file: its path and its name in reports, the same in both layouts. */
typedef struct wast_file {
    char *path; /* absolute or as given */
    char *rel;  /* "core/i32.wast", "core/simd/simd_lane.wast" */
} wast_file;

typedef struct file_list {
    wast_file *v;
    size_t n, cap;
} file_list;

static void file_list_free(file_list *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].rel);
    }
    free(l->v);
    *l = (file_list){0};
}

SPEC_PRINTF(1, 2) static char *str_printf(const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the .wast files in dir; *out NULL and 0 when it cannot be read. */
static size_t list_wast(const char *dir, char ***out) {
    char **v = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, ".wast") || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (nv == NULL)
                goto fail;
            v = nv;
        }
        if ((v[n] = strdup(e->d_name)) == NULL)
            goto fail;
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(v, n, sizeof *v, cmp_names);
    *out = v;
    return n;

fail:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return 0;
}

static void free_names(char **v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static bool file_list_add(file_list *l, char *path, char *rel) {
    if (path == NULL || rel == NULL)
        goto fail;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        wast_file *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            goto fail;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (wast_file){.path = path, .rel = rel};
    return true;

fail:
    free(path);
    free(rel);
    return false;
}

/* Adds the .wast files of dir, named prefix + name, keeping those whose simd-ness is simd
 * (the flat layout of the testsuite repository mixes both). */
static bool add_dir(file_list *l, const char *dir, const char *prefix, int simd) {
    char **names;
    size_t n = list_wast(dir, &names);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (simd >= 0 && (strncmp(names[i], "simd_", 5) == 0) != (simd == 1))
            continue;
        ok = file_list_add(l, str_printf("%s/%s", dir, names[i]),
                           str_printf("%s%s", prefix, names[i]));
    }
    free_names(names, n);
    return ok;
}

/* Collects the suite's files if root holds one: core/ and core/simd/ as in the spec repository,
 * or the flat layout of the WebAssembly/testsuite repository. False when it holds none. */
static bool collect_suite(const char *root, file_list *l) {
    char *core = str_printf("%s/core", root);
    char *simd = str_printf("%s/core/simd", root);
    bool ok = core != NULL && simd != NULL;
    if (ok && is_dir(core)) {
        ok = add_dir(l, core, "core/", -1) && add_dir(l, simd, "core/simd/", -1);
    } else if (ok) {
        ok = add_dir(l, root, "core/", 0) && add_dir(l, root, "core/simd/", 1);
    }
    free(core);
    free(simd);
    if (!ok || l->n == 0) {
        file_list_free(l);
        return false;
    }
    return true;
}

static void print_not_found(const char *const *looked, size_t n) {
    fprintf(stderr,
            "\n"
            "************************************************************************\n"
            "weft-spec: the WebAssembly spec testsuite was NOT FOUND.\n"
            "The spec tests are SKIPPED, not passed. Looked in:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "    %s\n", looked[i]);
    fprintf(stderr,
            "To get it, from the repository root:\n"
            "    git submodule update --init tests/spec/testsuite\n"
            "or point to a copy (holding core/*.wast, or *.wast at its top level) with\n"
            "    weft-spec --suite DIR    or    WEFT_SPEC_DIR=DIR\n"
            "************************************************************************\n\n");
}

/* ---------------------------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------------------------- */

typedef struct totals {
    long passed, failed, skipped, files;
} totals;

static void usage(FILE *f) {
    fprintf(f,
            "usage: weft-spec [--suite DIR] [--work DIR] [--verbose] [--list-failures N] "
            "[FILTER...]\n"
            "Runs the WebAssembly spec testsuite against weft.\n"
            "  --suite DIR         the suite (core/*.wast, core/simd/*.wast, or flat *.wast);\n"
            "                      default: $WEFT_SPEC_DIR, %s/../shared/wasm-spec-tests,\n"
            "                      %s/tests/spec/testsuite\n"
            "  --work DIR          where wast2json's output goes (default %s)\n"
            "  --verbose           list skipped modules and message/category mismatches,\n"
            "                      and let spectest.print* print\n"
            "  --list-failures N   failure lines shown per file (default 5)\n"
            "  --no-fusion         compile without superinstructions (results must not change)\n"
            "  FILTER              run only files whose name contains it (\"i32\", "
            "\"simd/simd_lane\")\n"
            "Exit status: 0 all passed, 1 failures, 2 usage, 77 suite not found.\n",
            WEFT_SOURCE_DIR, WEFT_SOURCE_DIR, WEFT_SPEC_WORK_DIR);
}

static bool matches(const char *rel, char **filters, size_t nfilters) {
    if (nfilters == 0)
        return true;
    for (size_t i = 0; i < nfilters; i++) {
        if (strstr(rel, filters[i]) != NULL)
            return true;
    }
    return false;
}

static bool parse_count(const char *s, size_t *out) {
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (size_t)v;
    return true;
}

/* Runs one file into r; the json lands at work/<rel without .wast>.json. */
static void run_file(weft_engine *engine, const spec_opts *o, const char *work,
                     const wast_file *f, spec_result *r) {
    size_t n = strlen(f->rel) - 5; /* without ".wast" */
    char *json = str_printf("%s/%.*s.json", work, (int)n, f->rel);
    if (json == NULL) {
        spec_fail(r, o, "out of memory");
        return;
    }
    char err[640];
    if (spec_convert(f->path, json, err, sizeof err))
        spec_script_run(engine, o, json, r);
    else
        spec_fail(r, o, "conversion failed: %s", err);
    free(json);
}

static void print_file(const spec_opts *o, const char *rel, const spec_result *r) {
    const char *status = r->failed    ? "FAIL"
                         : r->passed  ? "ok"
                         : r->skipped ? "skip"
                                      : "ok";
    printf("%-4s %-48s %5ld passed, %ld failed, %ld skipped\n", status, rel, r->passed,
           r->failed, r->skipped);
    for (size_t i = 0; i < r->failures.n; i++)
        printf("  %s\n", r->failures.v[i]);
    if ((long)r->failures.n < r->failed)
        printf("  ... and %ld more failures (--list-failures N shows more)\n",
               r->failed - (long)r->failures.n);
    if (o->verbose) {
        for (size_t i = 0; i < r->notes.n; i++)
            printf("  - %s\n", r->notes.v[i]);
    }
    fflush(stdout);
}

int main(int argc, char **argv) {
    spec_opts o = {.verbose = false, .list_failures = 5};
    bool no_fusion = false;
    const char *suite = NULL, *work = WEFT_SPEC_WORK_DIR;
    char **filters = calloc((size_t)argc, sizeof *filters);
    size_t nfilters = 0;
    file_list files = {0};
    weft_engine *engine = NULL;
    char *candidates[2] = {NULL};
    size_t ncandidates = 0;
    int status = EXIT_USAGE;

    if (filters == NULL) {
        fprintf(stderr, "weft-spec: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--suite") == 0 && i + 1 < argc) {
            suite = argv[++i];
        } else if (strcmp(a, "--work") == 0 && i + 1 < argc) {
            work = argv[++i];
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o.verbose = true;
        } else if (strcmp(a, "--no-fusion") == 0) {
            no_fusion = true;
        } else if (strcmp(a, "--list-failures") == 0 && i + 1 < argc) {
            if (!parse_count(argv[++i], &o.list_failures)) {
                fprintf(stderr, "weft-spec: --list-failures wants a number, not \"%s\"\n",
                        argv[i]);
                goto fail;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            status = 0;
            goto fail;
        } else if (a[0] == '-') {
            fprintf(stderr, "weft-spec: unknown option or missing value: %s\n", a);
            usage(stderr);
            goto fail;
        } else {
            filters[nfilters++] = argv[i];
        }
    }

    /* A suite named by --suite or WEFT_SPEC_DIR must be there; only the defaults may be absent. */
    const char *env = getenv("WEFT_SPEC_DIR");
    const char *chosen = suite ? suite : (env && env[0] ? env : NULL);
    if (chosen != NULL) {
        if (!collect_suite(chosen, &files)) {
            fprintf(stderr, "weft-spec: %s (from %s) holds no .wast files in core/ or at its "
                            "top level\n", chosen, suite ? "--suite" : "WEFT_SPEC_DIR");
            goto fail;
        }
    } else {
        candidates[ncandidates++] = str_printf("%s/../shared/wasm-spec-tests", WEFT_SOURCE_DIR);
        candidates[ncandidates++] = str_printf("%s/tests/spec/testsuite", WEFT_SOURCE_DIR);
        for (size_t i = 0; i < ncandidates; i++) {
            if (candidates[i] != NULL && collect_suite(candidates[i], &files))
                break;
        }
        if (files.n == 0) {
            const char *looked[3] = {"$WEFT_SPEC_DIR (not set)", candidates[0], candidates[1]};
            for (size_t i = 1; i < 3; i++)
                looked[i] = looked[i] ? looked[i] : "(out of memory)";
            print_not_found(looked, 3);
            printf("spec: 0 passed, 0 failed, 0 skipped (suite not found)\n");
            status = EXIT_SKIPPED;
            goto fail;
        }
    }

    weft_engine_config cfg = {.disable_fusion = no_fusion};
    engine = weft_engine_new(&cfg);
    if (engine == NULL) {
        fprintf(stderr, "weft-spec: weft_engine_new failed\n");
        status = 1;
        goto fail;
    }

    totals all = {0}, by_phase[PHASE_COUNT] = {{0}};
    long category_mismatch = 0, message_mismatch = 0;
    for (size_t i = 0; i < files.n; i++) {
        if (!matches(files.v[i].rel, filters, nfilters))
            continue;
        spec_result r = {0};
        run_file(engine, &o, work, &files.v[i], &r);
        print_file(&o, files.v[i].rel, &r);
        totals *p = &by_phase[phase_of(files.v[i].rel)];
        p->passed += r.passed;
        p->failed += r.failed;
        p->skipped += r.skipped;
        p->files++;
        all.passed += r.passed;
        all.failed += r.failed;
        all.skipped += r.skipped;
        all.files++;
        category_mismatch += r.category_mismatch;
        message_mismatch += r.message_mismatch;
        spec_lines_free(&r.failures);
        spec_lines_free(&r.notes);
    }
    if (all.files == 0) {
        fprintf(stderr, "weft-spec: no file name contains the filter%s given\n",
                nfilters > 1 ? "s" : "");
        printf("spec: 0 passed, 0 failed, 0 skipped\n");
        goto fail;
    }

    printf("\n");
    for (int p = 0; p < PHASE_COUNT; p++) {
        if (by_phase[p].files == 0)
            continue;
        char label[64];
        snprintf(label, sizeof label, "phase %s (%s):", phases[p].name, phases[p].what);
        printf("%-45s %3ld files %7ld passed, %ld failed, %ld skipped\n", label,
               by_phase[p].files, by_phase[p].passed, by_phase[p].failed, by_phase[p].skipped);
    }
    printf("\ninformational (not failures; --verbose lists them):\n"
           "  %ld assert_invalid/assert_malformed refused with the other category\n"
           "  %ld error messages differ from the spec's text\n",
           category_mismatch, message_mismatch);
    printf("spec: %ld passed, %ld failed, %ld skipped\n", all.passed, all.failed, all.skipped);
    status = all.failed == 0 ? 0 : 1;

fail:
    if (engine != NULL)
        weft_engine_free(engine);
    file_list_free(&files);
    for (size_t i = 0; i < ncandidates; i++)
        free(candidates[i]);
    free(filters);
    return status;
}
