/* plain_wagi_hello.c: the trivial wagi-kind handler (a WASI command): writes
 * "Content-Type: text/plain\n\nhello\n" to stdout with one write and nothing else, so a request
 * costs the host's per-request work alone. For the smoke tests and the benchmark.
 */
#include <unistd.h>

static const char response[] = "Content-Type: text/plain\n\nhello\n";

int main(void) {
    return write(1, response, sizeof response - 1) == (ssize_t)(sizeof response - 1) ? 0 : 1;
}
