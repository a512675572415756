/* count_vowels.c: the classic first plugin. count_vowels counts the vowels in its input and
 * outputs {"count":N,"total":T,"vowels":"aeiouAEIOU"}, like Extism's example: the config key
 * "vowels" replaces the set of vowels (bytes), and the var "total" adds up the counts across calls
 * of one instance. Freestanding: no libc, no WASI, only the SDK.
 */
#include "weft-pdk.h"

#define MAX_VOWELS 256 /* config "vowels": at most this many bytes */
#define CHUNK 4096     /* input is read in pieces of this size */

static uint8_t chunk[CHUNK];
/* {"count":,"total":,"vowels":""} plus two numbers and every vowel escaped as \u00XX. */
static char out[64 + 6 * MAX_VOWELS];

/* Writes v in decimal at p; returns the end. */
static char *put_u64(char *p, uint64_t v) {
    char digits[20];
    int n = 0;
    do digits[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n > 0) *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *s) {
    while (*s) *p++ = *s++;
    return p;
}

/* Writes the n bytes of s as the body of a JSON string. */
static char *put_json_chars(char *p, const char *s, int64_t n) {
    static const char hex[] = "0123456789abcdef";
    for (int64_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c < 0x20) {
            p = put_str(p, "\\u00");
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    return p;
}

WEFT_EXPORT(count_vowels) {
    char vowels[MAX_VOWELS];
    int64_t nvowels = weft_config_get("vowels", vowels, sizeof vowels);
    if (nvowels > MAX_VOWELS) return weft_error("count_vowels: config \"vowels\" is over 256 bytes");
    if (nvowels < 0) {
        const char *dflt = "aeiouAEIOU";
        for (nvowels = 0; dflt[nvowels]; nvowels++) vowels[nvowels] = dflt[nvowels];
    }
    uint8_t is_vowel[256] = {0};
    for (int64_t i = 0; i < nvowels; i++) is_vowel[(uint8_t)vowels[i]] = 1;

    uint64_t count = 0, offset = 0;
    size_t n;
    while ((n = weft_input_read_at(offset, chunk, CHUNK)) > 0) {
        for (size_t i = 0; i < n; i++) count += is_vowel[chunk[i]];
        offset += n;
    }

    /* The running total: 8 bytes, little-endian. */
    uint64_t total = 0;
    int64_t len = weft_var_get("total", &total, sizeof total);
    if (len >= 0 && len != sizeof total) return weft_error("count_vowels: var \"total\" is not 8 bytes");
    total += count;
    if (weft_var_set("total", &total, sizeof total) != 0) return weft_error("count_vowels: cannot keep the total");

    char *p = put_str(out, "{\"count\":");
    p = put_u64(p, count);
    p = put_str(p, ",\"total\":");
    p = put_u64(p, total);
    p = put_str(p, ",\"vowels\":\"");
    p = put_json_chars(p, vowels, nvowels);
    p = put_str(p, "\"}");
    if (weft_output(out, (size_t)(p - out)) != 0) return weft_error("count_vowels: output refused");
    return 0;
}
