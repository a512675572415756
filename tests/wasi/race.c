/* race.c: WASI sandbox test against swapped paths: in a tight loop opens d/file (d keeps being
 * exchanged with a symlink to a directory outside the preopen) and f (exchanged with a symlink to
 * a file outside), and every 8th round creates d/new. Whatever the timing, the guest must never
 * read the secret the outside files hold, nor create anything outside (the harness checks that).
 * argv[1]: iterations. Exact counts go to stderr; stdout says only whether both outcomes occurred.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "guest.h"

#define SECRET "TOP-SECRET-7d1f"

struct tally {
    long opened, failed, secret, inside, other;
};

static void try_read(const char *path, struct tally *t) {
    char buf[128];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        t->failed++;
        return;
    }
    t->opened++;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    if (strstr(buf, SECRET))
        t->secret++;
    else if (strcmp(buf, "inside\n") == 0)
        t->inside++;
    else
        t->other++;
    close(fd);
}

static void report(const char *path, const struct tally *t, long iterations) {
    fprintf(stderr, "race %s: %ld opens, %ld succeeded, %ld failed, %ld secret, %ld other\n", path,
            iterations, t->opened, t->failed, t->secret, t->other);
    printf("%s: some opens succeeded: %s, some failed: %s, all successes read the inside file: %s\n",
           path, t->opened ? "yes" : "no", t->failed ? "yes" : "no",
           t->inside == t->opened ? "yes" : "no");
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 20000;
    struct tally dir = {0}, file = {0};
    long created = 0;
    for (long i = 0; i < iterations; i++) {
        try_read("d/file", &dir);
        try_read("f", &file);
        if ((i & 7) == 0) {
            int fd = open("d/new", O_CREAT | O_EXCL | O_WRONLY, 0644);
            if (fd >= 0) {
                created++;
                close(fd);
                unlink("d/new");
            }
        }
    }
    report("d/file", &dir, iterations);
    report("f", &file, iterations);
    fprintf(stderr, "race: %ld creations of d/new\n", created);
    printf("secret seen: %s\n", dir.secret || file.secret ? "YES" : "no");
    return 0;
}
