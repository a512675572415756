/* echo_wagi.c: a wagi-kind handler (a WASI command) that describes its CGI request as text, for
 * the HTTP tests to compare exactly with what they sent. Prints the CGI headers, a blank line and
 *   REQUEST_METHOD=GET                one line for each of REQUEST_METHOD, PATH_INFO,
 *   PATH_INFO=/rest                   QUERY_STRING, CONTENT_LENGTH, CONTENT_TYPE, X_MATCHED_ROUTE,
 *   ...                               X_RAW_PATH_INFO, in that order: "NAME=value" when set
 *   CONTENT_TYPE=                     (possibly empty), "NAME unset" when not
 *   X_PARAM_NAME=w                    then every X_PARAM_* and HTTP_X_* variable, "NAME=value",
 *   HTTP_X_TEST=1                     sorted by name (bytewise)
 *   body:
 * followed by the bytes read from stdin as they are. The CGI headers are "Content-Type:
 * text/plain", preceded by "Status: NNN Reason" when QUERY_STRING has a field status=NNN (e.g.
 * status=404 gives "Status: 404 Not Found"), and followed by "Location: URL" for location=URL
 * (raw) and "X-Extra: yes" for hdr=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *fixed[] = {
    "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH",
    "CONTENT_TYPE", "X_MATCHED_ROUTE", "X_RAW_PATH_INFO",
};

/* The raw value of query field key, copied into buf (cap bytes); NULL if absent. */
static const char *query_get(const char *query, const char *key, char *buf, size_t cap) {
    size_t klen = strlen(key);
    for (const char *q = query; q && *q;) {
        size_t n = strcspn(q, "&");
        if (n >= klen && strncmp(q, key, klen) == 0 && (n == klen || q[klen] == '=')) {
            size_t vlen = n == klen ? 0 : n - klen - 1;
            if (vlen >= cap) vlen = cap - 1;
            memcpy(buf, q + klen + (n == klen ? 0 : 1), vlen);
            buf[vlen] = '\0';
            return buf;
        }
        q += n + (q[n] == '&');
    }
    return NULL;
}

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 418: return "I'm a teapot";
    case 500: return "Internal Server Error";
    default: return "Other";
    }
}

/* Orders "NAME=value" entries by NAME alone (bytewise, a prefix first). */
static int by_name(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
    int c = memcmp(x, y, nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

int main(void) {
    const char *query = getenv("QUERY_STRING");
    char v[1024];
    size_t nvars = 0, nlisted = 0;

    if (query_get(query, "status", v, sizeof v)) {
        int status = atoi(v);
        printf("Status: %d %s\n", status, reason(status));
    }
    printf("Content-Type: text/plain\n");
    if (query_get(query, "location", v, sizeof v)) printf("Location: %s\n", v);
    if (query_get(query, "hdr", v, sizeof v) && strcmp(v, "1") == 0) printf("X-Extra: yes\n");
    printf("\n");

    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        const char *val = getenv(fixed[i]);
        if (val) printf("%s=%s\n", fixed[i], val);
        else printf("%s unset\n", fixed[i]);
    }

    while (environ[nvars]) nvars++;
    const char **listed = malloc((nvars + 1) * sizeof *listed);
    if (!listed) return 1;
    for (size_t i = 0; i < nvars; i++)
        if (strncmp(environ[i], "X_PARAM_", 8) == 0 || strncmp(environ[i], "HTTP_X_", 7) == 0)
            listed[nlisted++] = environ[i];
    qsort(listed, nlisted, sizeof *listed, by_name);
    for (size_t i = 0; i < nlisted; i++) printf("%s\n", listed[i]);

    printf("body:\n");
    fflush(stdout);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
    return 0;
}
