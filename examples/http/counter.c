/* counter.c: the isolation demo, a wagi-kind handler. A global counts the requests this
 * instance has served, and every response says 1: each request runs in a fresh instance, so no
 * request sees what an earlier one left in memory (globals, heap, files it did not get).
 */
#include <stdio.h>

static int count;

int main(void) {
    count++;
    printf("Content-Type: text/plain\n\n");
    printf("requests this instance has served: %d\n", count);
    return 0;
}
