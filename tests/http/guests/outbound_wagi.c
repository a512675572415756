/* outbound_wagi.c: a wagi-kind handler (a WASI command) that makes an outbound request through
 * the host's http_request (the Extism ABI of sdk/c/weft-pdk.h, which any handler may import): it
 * GETs the URL in QUERY_STRING (after "url=", taken as is) and prints the upstream's status and
 * body. A host that is not among the component's allowed hosts makes the host fail the call (the
 * request's 500). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft-pdk.h"

int main(void) {
    const char *q = getenv("QUERY_STRING");
    if (!q || strncmp(q, "url=", 4) != 0) {
        printf("Status: 400 Bad Request\nContent-Type: text/plain\n\nno url= in the query\n");
        return 0;
    }
    int32_t status = 0;
    weft_block b = weft_http_request(q + 4, "GET", NULL, NULL, 0, &status);
    size_t len = 0;
    char *body = weft_block_alloc_copy(b, &len);
    printf("Content-Type: text/plain\n\nupstream status %d: %s", (int)status, body ? body : "");
    free(body);
    return 0;
}
