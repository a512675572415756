/* alloc_bomb.c: a wagi-kind handler (a WASI command) that takes memory until the memory limit
 * refuses it: mallocs 1 MiB chunks and writes every page of each (so the memory is really
 * used), and aborts (a trap) when malloc fails. It prints nothing on stdout; the host must answer
 * 500 and say that the memory limit was reached.
 */
#include <stdio.h>
#include <stdlib.h>

#define CHUNK (1024 * 1024)
#define PAGE 4096

/* The chunks, linked through their first word: kept reachable so that the compiler cannot drop
 * the allocations as unused. */
static void *chunks;

int main(void) {
    unsigned long mib = 0;
    void *p;
    while ((p = malloc(CHUNK)) != NULL) {
        volatile char *bytes = p;
        for (size_t i = sizeof(void *); i < CHUNK; i += PAGE) bytes[i] = 1;
        *(void **)p = chunks;
        chunks = p;
        mib++;
    }
    fprintf(stderr, "alloc_bomb: malloc failed after %lu MiB\n", mib);
    abort();
}
