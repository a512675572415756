/* limits.c: guest for the tests of weft run's limits (--timeout, --fuel, --max-call-depth,
 * --max-memory). Modes (argv[1]): spin (loops forever), sleep (one 30 s sleep in the host),
 * recurse N (N nested calls), alloc MIB (mallocs 1 MiB blocks until MIB or failure), grow PAGES
 * (memory.grow directly), read (one read of stdin), quick (returns at once).
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static volatile unsigned sink;

/* Each call goes through a volatile pointer, so the compiler can neither turn the recursion
 * into a loop nor inline it: N nested calls are N wasm frames. */
static unsigned recurse(unsigned n);
static unsigned (*volatile recurse_ptr)(unsigned) = recurse;
static unsigned recurse(unsigned n) {
    if (n == 0)
        return sink;
    return recurse_ptr(n - 1) + 1;
}

/* Blocks kept where the compiler must assume they are used, so malloc is not optimized away. */
static char *volatile kept[4096];

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "";
    unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
    if (strcmp(m, "spin") == 0) {
        printf("spinning\n");
        fflush(stdout);
        for (;;)
            sink++;
    }
    if (strcmp(m, "sleep") == 0) {
        printf("sleeping\n");
        fflush(stdout);
        sleep(30);
        printf("woke up\n");
        return 0;
    }
    if (strcmp(m, "recurse") == 0) {
        printf("recursion depth %u: %u\n", n, recurse_ptr(n));
        return 0;
    }
    if (strcmp(m, "alloc") == 0) {
        unsigned got = 0;
        while (got < n && got < 4096) {
            char *p = malloc(1 << 20);
            if (p == NULL)
                break;
            memset(p, 1, 1 << 20);
            kept[got++] = p;
        }
        /* how many fit under a limit depends on the libc's heap layout: not printed exactly */
        printf("allocated %s\n", got == n ? "all of it" : "less, then malloc returned NULL");
        fprintf(stderr, "allocated %u MiB of %u\n", got, n);
        return 0;
    }
#ifdef __wasm__
    if (strcmp(m, "grow") == 0) {
        size_t before = __builtin_wasm_memory_size(0);
        size_t r = __builtin_wasm_memory_grow(0, n);
        printf("memory.grow %u pages: %s\n", n, r == (size_t)-1 ? "refused" : "ok");
        printf("size unchanged when refused: %s\n",
               r != (size_t)-1 || __builtin_wasm_memory_size(0) == before ? "yes" : "no");
        return 0;
    }
#endif
    if (strcmp(m, "read") == 0) {
        char buf[16];
        printf("reading stdin\n");
        fflush(stdout);
        printf("read: %ld\n", (long)read(0, buf, sizeof buf));
        return 0;
    }
    if (strcmp(m, "quick") == 0) {
        printf("quick\n");
        return 0;
    }
    fprintf(stderr, "usage: limits spin|sleep|recurse N|alloc MIB|grow PAGES|read|quick\n");
    return 2;
}
