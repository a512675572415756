/* swapper.c: native helper for the race test (never built for wasm): atomically exchanges two
 * names (a directory and a symlink) with renameat2(RENAME_EXCHANGE) as fast as it can, until the
 * stop file appears or the time limit passes, then leaves them as they started and prints the
 * number of exchanges. It creates STOPFILE.ready after its first exchanges, so the harness can
 * start the guest only once the race is on. Usage: swapper A B STOPFILE MAX_SECONDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: swapper A B STOPFILE MAX_SECONDS\n");
        return 2;
    }
    time_t end = time(NULL) + atoi(argv[4]);
    long swaps = 0;
    char ready[4096];
    snprintf(ready, sizeof ready, "%s.ready", argv[3]);
    for (;;) {
        if ((swaps & 255) == 0 && (access(argv[3], F_OK) == 0 || time(NULL) > end))
            break;
        if (swaps == 256)
            close(open(ready, O_CREAT | O_WRONLY, 0644));
        if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
            perror("swapper: renameat2");
            return 1;
        }
        swaps++;
    }
    if (swaps % 2 == 1 && renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
        perror("swapper: renameat2");
        return 1;
    }
    printf("%ld\n", swaps);
    return 0;
}
