/* host_call.c: a plugin that calls a function of its host. It imports weft_host_reverse from
 * "extism:host/user" (block in, new block out with the bytes reversed), which `weft call` defines;
 * an embedder gives it as a weft_plugin_host_fn. Freestanding: no libc, no WASI.
 */
#include "weft-pdk.h"

WEFT_HOST_FN(weft_host_reverse, weft_block, weft_block text);

#define MAX_TEXT 65536 /* palindrome compares up to this many bytes */

static uint8_t text[MAX_TEXT], reversed[MAX_TEXT];

/* reverse: the input, reversed by the host. The input goes to the host in a block without passing
 * through linear memory, and the host's block becomes the output as it is. */
WEFT_EXPORT(reverse) {
    if (weft_input_length() == 0) return 0; /* empty in, empty out: no block to pass */
    weft_block in = weft_input_block();
    if (!in) return weft_error("reverse: input block refused");
    weft_block out = weft_host_reverse(in);
    if (!out) return weft_error("reverse: the host returned no block");
    weft_output_block(out);
    return 0;
}

/* palindrome: {"palindrome":true} if the input reads the same reversed (as the host reverses
 * it), else false. Reads the host's block back into linear memory. */
WEFT_EXPORT(palindrome) {
    uint64_t n = weft_input_length();
    if (n > MAX_TEXT) return weft_error("palindrome: input over 64 KiB");
    int same = 1;
    if (n > 0) {
        weft_block in = weft_input_block(), out = in ? weft_host_reverse(in) : 0;
        if (!out) return weft_error("palindrome: no block from the host");
        if (weft_block_length(out) != n) return weft_error("palindrome: the host changed the length");
        weft_input_read(text, sizeof text);
        weft_block_read(out, reversed, sizeof reversed);
        for (uint64_t i = 0; i < n && same; i++) same = text[i] == reversed[i];
        weft_block_free(in);
        weft_block_free(out);
    }
    weft_output_str(same ? "{\"palindrome\":true}" : "{\"palindrome\":false}");
    return 0;
}
