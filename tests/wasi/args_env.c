/* args_env.c: WASI test of the arguments and the environment. Prints argv (bytes above 0x7e as
 * \xNN, long ones as length and checksum) and the whole environment sorted; with --getenv NAME...
 * first, prints only those variables (for runs that inherit the host's environment); with
 * --argv0, prints argv[0] whole.
 */
#include <stdlib.h>

#include "guest.h"

extern char **environ;

static void print_bytes(const char *s) {
    size_t len = strlen(s);
    if (len > 60) {
        printf("(%zu bytes, fnv %016llx)", len, (unsigned long long)fnv1a(FNV_INIT, s, len));
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--argv0") == 0) {
        printf("argv[0]: %s\n", argv[0]);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--getenv") == 0) {
        for (int i = 2; i < argc; i++) {
            const char *v = getenv(argv[i]);
            printf("%s: ", argv[i]);
            if (v == NULL)
                fputs("(unset)", stdout);
            else
                print_bytes(v);
            putchar('\n');
        }
        return 0;
    }

    /* argv[0] is the file as given: natively ".../args_env", under weft ".../args_env.wasm" */
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    size_t blen = strlen(base);
    if (blen > 5 && strcmp(base + blen - 5, ".wasm") == 0)
        blen -= 5;
    printf("argc %d, argv[0] basename %.*s\n", argc, (int)blen, base);
    uint64_t all = FNV_INIT;
    for (int i = 1; i < argc; i++) {
        all = fnv1a(all, argv[i], strlen(argv[i]) + 1);
        if (argc <= 40) {
            printf("argv[%d] ", i);
            print_bytes(argv[i]);
            putchar('\n');
        }
    }
    printf("argv checksum %016llx, argv[argc] is NULL: %s\n", (unsigned long long)all,
           argv[argc] == NULL ? "yes" : "no");

    size_t n = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    char **sorted = malloc((n + 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = environ[i];
    qsort(sorted, n, sizeof *sorted, cmp_str);
    printf("environ: %zu entries\n", n);
    for (size_t i = 0; i < n; i++) {
        printf("  ");
        print_bytes(sorted[i]);
        putchar('\n');
    }
    free(sorted);
    const char *path = getenv("PATH");
    printf("PATH: %s\n", path ? "set" : "(unset)");
    show("setenv", setenv("ADDED", "by guest", 1));
    printf("getenv ADDED: %s\n", getenv("ADDED"));
    return 0;
}
