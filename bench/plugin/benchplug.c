/* benchplug.c: the plugin bench/plugin_call.c measures, written with the C SDK (sdk/c/weft-pdk.h)
 * the way a plugin author would: an empty function, and echoes of the input to the output,
 * through linear memory (input read into a buffer, output written from it: what Extism's PDKs
 * do) and block to block (the input block handed back as the output, no copy in the guest).
 * Freestanding: no libc, no WASI. */
#include "weft-pdk.h"

static char buf[1 << 16];

WEFT_EXPORT(noop) { return 0; }

WEFT_EXPORT(echo) {
    size_t n = weft_input_read(buf, sizeof buf);
    return weft_output(buf, n);
}

/* input_offset is in Extism's kernel but not in the SDK's wrappers: the input block itself. */
WEFT_ENV_("input_offset") uint64_t input_offset(void);

WEFT_EXPORT(echo_block) {
    weft_env_output_set(input_offset(), weft_input_length());
    return 0;
}
