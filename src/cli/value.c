/* value.c: command-line text <-> weft values for `weft run --invoke`.
 * Parses each argument by the parameter type it lands in, and prints results the way
 * wasmtime's --invoke does (integers signed, floats round-trippable).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Decimal or 0x hex, optionally negative, into the two's-complement bits of a width-bit
 * integer: accepts -2^(width-1) .. 2^width - 1, so both signed and unsigned spellings work. */
static bool parse_int(const char *text, unsigned width, uint64_t *bits, char *err, size_t errlen) {
    const char *p = text;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    /* strtoull would skip spaces and take a second sign: allow only digits from here. */
    if (!(base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p))) {
        snprintf(err, errlen, "\"%s\" is not an integer", text);
        return false;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, base);
    if (*end != '\0') {
        snprintf(err, errlen, "\"%s\" is not an integer", text);
        return false;
    }
    uint64_t umax = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
    uint64_t nmax = UINT64_C(1) << (width - 1); /* magnitude of the most negative value */
    if (errno == ERANGE || (neg ? v > nmax : v > umax)) {
        snprintf(err, errlen, "%s is out of range for i%u", text, width);
        return false;
    }
    *bits = neg ? (uint64_t)0 - v : v;
    return true;
}

static bool parse_float(const char *text, bool single, weft_val *out, char *err, size_t errlen) {
    if (text[0] == '\0' || isspace((unsigned char)text[0])) {
        snprintf(err, errlen, "\"%s\" is not a number", text);
        return false;
    }
    char *end;
    errno = 0;
    /* strtof for f32: rounding through double first could round twice. */
    double d = 0;
    float f = 0;
    if (single)
        f = strtof(text, &end);
    else
        d = strtod(text, &end);
    if (*end != '\0') {
        snprintf(err, errlen, "\"%s\" is not a number", text);
        return false;
    }
    /* Overflow to infinity is an error; underflow to a subnormal or zero is rounding. */
    if (errno == ERANGE && (single ? isinf(f) : isinf(d))) {
        snprintf(err, errlen, "%s is out of range for %s", text, single ? "f32" : "f64");
        return false;
    }
    if (single)
        out->of.f32 = f;
    else
        out->of.f64 = d;
    return true;
}

bool cli_val_parse(weft_valtype t, const char *text, weft_val *out, char *err, size_t errlen) {
    uint64_t bits;
    out->type = t;
    switch (t) {
    case WEFT_I32:
        if (!parse_int(text, 32, &bits, err, errlen))
            return false;
        out->of.i32 = (int32_t)(uint32_t)bits;
        return true;
    case WEFT_I64:
        if (!parse_int(text, 64, &bits, err, errlen))
            return false;
        out->of.i64 = (int64_t)bits;
        return true;
    case WEFT_F32:
        return parse_float(text, true, out, err, errlen);
    case WEFT_F64:
        return parse_float(text, false, out, err, errlen);
    case WEFT_FUNCREF:
    case WEFT_EXTERNREF:
        /* A command line cannot name a function or a host object. */
        if (strcmp(text, "null") != 0) {
            snprintf(err, errlen, "a %s argument can only be null, not \"%s\"",
                     weft_valtype_name(t), text);
            return false;
        }
        out->of.externref = NULL;
        if (t == WEFT_FUNCREF)
            out->of.funcref = NULL;
        return true;
    default:
        snprintf(err, errlen, "cannot pass a %s argument", weft_valtype_name(t));
        return false;
    }
}

/* printf's spelling of NaN and infinity varies by libc; this one does not. */
static void print_float(FILE *f, double v, int digits) {
    if (isnan(v))
        fputs(signbit(v) ? "-nan" : "nan", f);
    else if (isinf(v))
        fputs(v < 0 ? "-inf" : "inf", f);
    else
        fprintf(f, "%.*g", digits, v);
}

void cli_val_print(FILE *f, weft_val v) {
    switch (v.type) {
    case WEFT_I32:
        fprintf(f, "%" PRId32, v.of.i32);
        break;
    case WEFT_I64:
        fprintf(f, "%" PRId64, v.of.i64);
        break;
    case WEFT_F32:
        print_float(f, (double)v.of.f32, 9);
        break;
    case WEFT_F64:
        print_float(f, v.of.f64, 17);
        break;
    case WEFT_FUNCREF:
        fputs(v.of.funcref ? "ref" : "null", f);
        break;
    case WEFT_EXTERNREF:
        fputs(v.of.externref ? "ref" : "null", f);
        break;
    default:
        fprintf(f, "<%s>", weft_valtype_name(v.type));
        break;
    }
    fputc('\n', f);
}
