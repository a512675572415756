/* opts.c: the option syntax the CLI's commands share: "--opt VALUE" or "--opt=VALUE", counts,
 * sizes with K/M/G suffixes and durations with ms/s/m/h, and one wording for a bad value
 * (cli_want_*). Each command owns its options and what they mean.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
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

static bool parse_u64(const char *s, uint64_t *out) {
    if (!isdigit((unsigned char)s[0])) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, uint64_t *out) {
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

static bool parse_duration(const char *s, uint64_t *ms) {
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

bool cli_want_u64(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out) {
    if (parse_u64(v, out) && *out >= min && *out <= max) return true;
    if (max == UINT64_MAX)
        fprintf(stderr, "weft: %s wants an integer of at least %" PRIu64 ", not \"%s\"\n", opt,
                min, v);
    else
        fprintf(stderr, "weft: %s wants an integer from %" PRIu64 " to %" PRIu64 ", not \"%s\"\n",
                opt, min, max, v);
    return false;
}

bool cli_want_size(const char *opt, const char *v, uint64_t min, uint64_t *out) {
    if (!parse_size(v, out)) {
        fprintf(stderr, "weft: %s wants a size such as 65536, 640K or 16M, not \"%s\"\n", opt, v);
        return false;
    }
    if (*out < min) {
        fprintf(stderr, "weft: %s must be at least %" PRIu64 " bytes, not \"%s\"\n", opt, min, v);
        return false;
    }
    return true;
}

bool cli_want_duration(const char *opt, const char *v, uint64_t *ms) {
    if (parse_duration(v, ms)) return true;
    fprintf(stderr, "weft: %s wants a duration such as 500, 500ms, 2s, 1m or 1h, not \"%s\"\n",
            opt, v);
    return false;
}
