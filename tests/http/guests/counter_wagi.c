/* counter_wagi.c: the isolation check for the wagi kind. A global counts the requests this
 * instance has served and the body prints it: "count=1\n" every time when each request gets a
 * fresh instance, as it must; a host that reused instances (or their memory) would print 2, 3...
 */
#include <stdio.h>

static int count;

int main(void) {
    count++;
    printf("Content-Type: text/plain\n\ncount=%d\n", count);
    return 0;
}
