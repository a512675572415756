/* hello_wagi.c: a wagi-kind HTTP handler: an ordinary C program for WASI (main, wasi-libc), run
 * once per request in a fresh instance, CGI-style. The request arrives in environment variables
 * (REQUEST_METHOD, PATH_INFO, X_PARAM_<NAME> for route parameters, ...) and the body on stdin;
 * the response goes to stdout: CGI headers, a blank line, the body.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *name = getenv("X_PARAM_NAME"); /* a route such as /wagi/:name */
    const char *method = getenv("REQUEST_METHOD");
    const char *rest = getenv("PATH_INFO"); /* under /wagi/..., what follows /wagi */
    char buf[4096];
    size_t n, body_len = 0;

    if (!name && rest && rest[0] == '/' && rest[1] != '\0') name = rest + 1;
    if (!name) name = "world";
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) body_len += n;

    printf("Content-Type: text/plain\n\n");
    printf("Hello, %s!\n", name);
    printf("This was a %s request with %zu bytes of body.\n", method ? method : "(unknown)",
           body_len);
    return 0;
}
