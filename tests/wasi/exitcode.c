/* exitcode.c: WASI test of how a program ends (proc_exit and traps). argv[1] picks the way: exit
 * with 0, 3 or 255, return from main, exit from deep in the call stack, atexit handlers, stdio
 * flushed by exit but not by _Exit, abort; wasm-only: a status above 255, traps (unreachable,
 * divide by zero, out-of-bounds access).
 */
#include <stdlib.h>
#include <unistd.h>

#include "guest.h"

static void nested(int depth);
/* called through a volatile pointer so that the compiler keeps five real frames */
static void (*volatile nested_ptr)(int) = nested;

static void nested(int depth) {
    if (depth < 5) {
        nested_ptr(depth + 1);
        printf("not reached\n");
        return;
    }
    printf("exiting from depth %d\n", depth);
    exit(42);
}

static void at_exit_handler(void) {
    printf("atexit handler ran\n");
}

static volatile int zero = 0;

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "";
    if (strcmp(m, "_exit") == 0) {
        /* _Exit skips stdio flushing: with stdout a file, this is lost, as natively */
        fputs("lost", stdout);
        _Exit(4);
    }
    printf("mode %s\n", m);
    if (strcmp(m, "exit0") == 0)
        exit(0);
    if (strcmp(m, "exit3") == 0)
        exit(3);
    if (strcmp(m, "exit255") == 0)
        exit(255);
    if (strcmp(m, "exit300") == 0)
        exit(300); /* wasm only: natively the status is 300 & 255 */
    if (strcmp(m, "return7") == 0)
        return 7;
    if (strcmp(m, "nested") == 0)
        nested(0);
    if (strcmp(m, "atexit") == 0) {
        atexit(at_exit_handler);
        exit(9);
    }
    if (strcmp(m, "flush") == 0) {
        /* buffered output without a newline must come out: exit flushes stdio */
        fputs("buffered, no newline", stdout);
        exit(0);
    }
    if (strcmp(m, "abort") == 0) {
        fflush(stdout);
        abort();
    }
    if (strcmp(m, "trap") == 0) {
        fflush(stdout);
        __builtin_trap();
    }
    if (strcmp(m, "div0") == 0) {
        fflush(stdout);
        printf("%d\n", 10 / zero);
    }
    if (strcmp(m, "oob") == 0) {
        fflush(stdout);
        volatile int *p = (volatile int *)(uintptr_t)0xfffffff0u;
        printf("%d\n", *p);
    }
    printf("fell through\n");
    return 0;
}
