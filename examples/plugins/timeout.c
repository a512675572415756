/* timeout.c: plugins that never return, for the host's limits to stop: spin loops in wasm alone,
 * spin_host calls into the host on every turn. `weft call --timeout 500ms` ends both with a
 * timeout, `--fuel N` with fuel; the instance serves further calls afterwards.
 */
#include "weft-pdk.h"

WEFT_EXPORT(spin) {
    volatile uint64_t turns = 0; /* volatile: the loop must not be optimized into nothing */
    for (;;) turns++;
}

WEFT_EXPORT(spin_host) {
    for (;;) (void)weft_input_length();
}
