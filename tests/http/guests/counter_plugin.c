/* counter_plugin.c: the isolation check for the plugin kind. A global counts the calls this
 * instance has served and the response (200, text/plain) says "count=1\n" every time when each
 * request gets a fresh instance, as it must; `weft call --loop 3` (one instance) shows the counter
 * working: count=1, count=2, count=3. Freestanding, over sdk/c/weft-http.h.
 */
#include "weft-http.h"

static uint32_t count;

WEFT_EXPORT(handle) {
    char text[32] = "count=", d[10];
    size_t len = 6;
    int n = 0;
    uint32_t v = ++count;
    do d[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n > 0) text[len++] = d[--n];
    text[len++] = '\n';
    return weft_http_reply(200, "text/plain", text, len);
}
