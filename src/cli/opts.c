/* opts.c: the option syntax the CLI's commands share: "--opt VALUE" or "--opt=VALUE", counts,
 * sizes with K/M/G suffixes and durations with ms/s/m/h. Parsing only; each command owns its
 * options, their meaning and their messages.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

const char *cli_opt_value(const char *opt, int argc, char **argv, int *i, bool *missing) {
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

bool cli_parse_u64(const char *s, uint64_t *out) {
    if (!isdigit((unsigned char)s[0])) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    *out = v;
    return true;
}

bool cli_parse_size(const char *s, uint64_t *out) {
    if (!isdigit((unsigned char)s[0])) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0) return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (strcmp(end, "") != 0 && strcasecmp(end, "b") != 0 &&
        (shift == 0 || strcasecmp(end, "ib") != 0))
        return false;
    if (shift > 0 && v > (UINT64_MAX >> shift)) return false;
    *out = (uint64_t)v << shift;
    return true;
}

bool cli_parse_duration(const char *s, uint64_t *ms) {
    if (!isdigit((unsigned char)s[0]) && s[0] != '.') return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    double scale;
    if (strcmp(end, "") == 0 || strcmp(end, "ms") == 0) scale = 1;
    else if (strcmp(end, "s") == 0) scale = 1000;
    else if (strcmp(end, "m") == 0) scale = 60000;
    else if (strcmp(end, "h") == 0) scale = 3600000;
    else return false;
    v *= scale;
    if (errno || !(v >= 1) || v > 1e12) return false;
    *ms = (uint64_t)v;
    return true;
}
