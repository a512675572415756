/* check.h: the assertions of the unit tests. A failed check prints file:line, the expression
 * and the values involved, and is counted; check_report() makes main return non-zero when any
 * check failed. REQUIRE* checks also jump to the test's cleanup label `done` so a test never
 * continues past a missing prerequisite. Nothing here knows about weft (see util.h).
 */
#ifndef WEFT_UNIT_CHECK_H
#define WEFT_UNIT_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One test program is one translation unit plus headers, so file-static counters suffice. */
static int check_total;
static int check_failed;
static const char *check_test = "?";

static inline bool check_at(bool ok, const char *file, int line, const char *expr) {
    check_total++;
    if (ok) return true;
    check_failed++;
    fprintf(stderr, "%s:%d: [%s] check failed: %s\n", file, line, check_test, expr);
    return false;
}

static inline bool check_int_at(long long a, long long b, const char *file, int line,
                                const char *ea, const char *eb) {
    check_total++;
    if (a == b) return true;
    check_failed++;
    fprintf(stderr, "%s:%d: [%s] check failed: %s == %s (%lld vs %lld)\n", file, line, check_test,
            ea, eb, a, b);
    return false;
}

static inline bool check_u64_at(uint64_t a, uint64_t b, const char *file, int line,
                                const char *ea, const char *eb) {
    check_total++;
    if (a == b) return true;
    check_failed++;
    fprintf(stderr, "%s:%d: [%s] check failed: %s == %s (0x%" PRIx64 " vs 0x%" PRIx64 ")\n", file,
            line, check_test, ea, eb, a, b);
    return false;
}

static inline bool check_str_at(const char *a, const char *b, const char *file, int line,
                                const char *ea, const char *eb) {
    check_total++;
    if (a && b && strcmp(a, b) == 0) return true;
    check_failed++;
    fprintf(stderr, "%s:%d: [%s] check failed: %s == %s (\"%s\" vs \"%s\")\n", file, line,
            check_test, ea, eb, a ? a : "(null)", b ? b : "(null)");
    return false;
}

static inline bool check_contains_at(const char *hay, const char *needle, const char *file,
                                     int line, const char *eh) {
    check_total++;
    if (hay && strstr(hay, needle)) return true;
    check_failed++;
    fprintf(stderr, "%s:%d: [%s] check failed: %s contains \"%s\" (it is \"%s\")\n", file, line,
            check_test, eh, needle, hay ? hay : "(null)");
    return false;
}

#define CHECK(cond) check_at((cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ_INT(a, b) check_int_at((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_EQ_U64(a, b) check_u64_at((uint64_t)(a), (uint64_t)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_EQ_STR(a, b) check_str_at((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_CONTAINS(hay, needle) check_contains_at((hay), (needle), __FILE__, __LINE__, #hay)

#define REQUIRE(cond)                                                                           \
    do {                                                                                        \
        if (!CHECK(cond)) goto done;                                                            \
    } while (0)
#define REQUIRE_EQ_INT(a, b)                                                                    \
    do {                                                                                        \
        if (!CHECK_EQ_INT(a, b)) goto done;                                                     \
    } while (0)

/* Runs one test function under its name (the name is shown with every failure). */
#define RUN(test)                                                                               \
    do {                                                                                        \
        int failed_before_ = check_failed;                                                      \
        check_test = #test;                                                                     \
        test();                                                                                 \
        printf("%s %s\n", check_failed == failed_before_ ? "ok  " : "FAIL", #test);            \
    } while (0)

/* The whole file at path, malloc'd (the caller frees it), its size in *len; NULL after printing
 * why it could not be read. */
static inline uint8_t *check_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "    cannot open %s\n", path);
        return NULL;
    }
    uint8_t *p = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (p = malloc(n > 0 ? (size_t)n : 1)) && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (!p) fprintf(stderr, "    cannot read %s\n", path);
    *len = p ? (size_t)n : 0;
    return p;
}

/* The value for main to return: 0 only if at least one check ran and none failed. */
static inline int check_report(const char *program) {
    printf("%s: %d checks, %d failed\n", program, check_total, check_failed);
    return check_failed == 0 && check_total > 0 ? 0 : 1;
}

#endif
