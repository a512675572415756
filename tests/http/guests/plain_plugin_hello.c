/* plain_plugin_hello.c: the trivial plugin-kind handler: answers 200, content-type text/plain,
 * "hello\n" from a response encoded at compile time, without reading its input: one block, one
 * copy, output_set. For the smoke tests and the benchmark. Freestanding, over sdk/c/weft-pdk.h.
 */
#include "weft-pdk.h"

/* WHRS, status 200, 1 header: "content-type" (12) = "text/plain" (10); body "hello\n" (6). */
static const uint8_t response[] = {
    'W', 'H', 'R', 'S',
    200, 0, 0, 0,
    1, 0, 0, 0,
    12, 0, 0, 0, 'c', 'o', 'n', 't', 'e', 'n', 't', '-', 't', 'y', 'p', 'e',
    10, 0, 0, 0, 't', 'e', 'x', 't', '/', 'p', 'l', 'a', 'i', 'n',
    6, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', '\n',
};

WEFT_EXPORT(handle) { return weft_output(response, sizeof response) == 0 ? 0 : 1; }
