/* value.c: the values of wast2json scripts, as weft values.
 * Reads arguments and expected results from JSON (integers and float bit patterns as unsigned
 * decimal strings), compares results (NaN classes, exact float bits) and prints them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static bool valtype_from_name(const char *s, weft_valtype *out) {
    static const struct {
        const char *name;
        weft_valtype type;
    } types[] = {
        {"i32", WEFT_I32},         {"i64", WEFT_I64},          {"f32", WEFT_F32},
        {"f64", WEFT_F64},         {"v128", WEFT_V128},        {"funcref", WEFT_FUNCREF},
        {"externref", WEFT_EXTERNREF},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(s, types[i].name) == 0) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

/* Whole-string unsigned decimal, within max. strtoull alone accepts "-1" and spaces. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out) {
    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

void *spec_externref_from_index(unsigned long long n) {
    return (void *)(uintptr_t)(n + 1);
}

/* Reads "value" as a number or "null" for the given type; not for v128 or NaN patterns. */
static bool parse_scalar(weft_valtype t, const char *s, weft_val *out) {
    uint64_t u;
    out->type = t;
    switch (t) {
    case WEFT_I32:
    case WEFT_F32:
        if (!parse_u64(s, UINT32_MAX, &u))
            return false;
        out->of.i32 = (int32_t)(uint32_t)u;
        return true;
    case WEFT_I64:
    case WEFT_F64:
        if (!parse_u64(s, UINT64_MAX, &u))
            return false;
        out->of.i64 = (int64_t)u;
        return true;
    case WEFT_FUNCREF:
        /* A script can only pass null: it has no way to name a function. */
        out->of.funcref = NULL;
        return strcmp(s, "null") == 0;
    case WEFT_EXTERNREF:
        if (strcmp(s, "null") == 0) {
            out->of.externref = NULL;
            return true;
        }
        if (!parse_u64(s, UINT64_MAX - 1, &u))
            return false;
        out->of.externref = spec_externref_from_index(u);
        return true;
    default:
        return false;
    }
}

/* Common part: the type, or v128/bad. */
static spec_parse parse_type(const cJSON *j, weft_valtype *t) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (!cJSON_IsString(type) || !valtype_from_name(type->valuestring, t))
        return SPEC_PARSE_BAD;
    return *t == WEFT_V128 ? SPEC_PARSE_V128 : SPEC_PARSE_OK;
}

spec_parse spec_val_parse(const cJSON *j, weft_val *out) {
    weft_valtype t;
    spec_parse p = parse_type(j, &t);
    if (p != SPEC_PARSE_OK)
        return p;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(j, "value");
    if (!cJSON_IsString(value) || !parse_scalar(t, value->valuestring, out))
        return SPEC_PARSE_BAD;
    return SPEC_PARSE_OK;
}

spec_parse spec_expect_parse(const cJSON *j, spec_expect *out) {
    weft_valtype t;
    spec_parse p = parse_type(j, &t);
    if (p != SPEC_PARSE_OK)
        return p;
    memset(out, 0, sizeof *out);
    out->val.type = t;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(j, "value");
    const char *s = cJSON_IsString(value) ? value->valuestring : NULL;
    if (t == WEFT_FUNCREF && (s == NULL || strcmp(s, "null") != 0)) {
        out->kind = SPEC_EXPECT_NONNULL;
        return SPEC_PARSE_OK;
    }
    if (s == NULL)
        return SPEC_PARSE_BAD;
    if ((t == WEFT_F32 || t == WEFT_F64) && strncmp(s, "nan:", 4) == 0) {
        if (strcmp(s + 4, "canonical") == 0)
            out->kind = SPEC_EXPECT_NAN_CANON;
        else if (strcmp(s + 4, "arithmetic") == 0)
            out->kind = SPEC_EXPECT_NAN_ARITH;
        else
            return SPEC_PARSE_BAD;
        return SPEC_PARSE_OK;
    }
    out->kind = SPEC_EXPECT_EXACT;
    return parse_scalar(t, s, &out->val) ? SPEC_PARSE_OK : SPEC_PARSE_BAD;
}

/* Canonical NaN: only the quiet bit set in the payload, either sign. Arithmetic NaN: any NaN
 * with the quiet bit set. */
static bool nan_matches(spec_expect_kind kind, weft_val got) {
    if (got.type == WEFT_F32) {
        uint32_t b = (uint32_t)got.of.i32;
        if (kind == SPEC_EXPECT_NAN_CANON)
            return (b & 0x7fffffffu) == 0x7fc00000u;
        return (b & 0x7f800000u) == 0x7f800000u && (b & 0x00400000u) != 0;
    }
    if (got.type == WEFT_F64) {
        uint64_t b = (uint64_t)got.of.i64;
        if (kind == SPEC_EXPECT_NAN_CANON)
            return (b & 0x7fffffffffffffffu) == 0x7ff8000000000000u;
        return (b & 0x7ff0000000000000u) == 0x7ff0000000000000u &&
               (b & 0x0008000000000000u) != 0;
    }
    return false;
}

bool spec_expect_match(const spec_expect *e, weft_val got) {
    if (got.type != e->val.type)
        return false;
    switch (e->kind) {
    case SPEC_EXPECT_NAN_CANON:
    case SPEC_EXPECT_NAN_ARITH:
        return nan_matches(e->kind, got);
    case SPEC_EXPECT_NONNULL:
        return got.of.funcref != NULL;
    case SPEC_EXPECT_EXACT:
        break;
    }
    switch (got.type) {
    case WEFT_I32:
    case WEFT_F32:
        return got.of.i32 == e->val.of.i32;
    case WEFT_I64:
    case WEFT_F64:
        return got.of.i64 == e->val.of.i64;
    case WEFT_FUNCREF:
        return got.of.funcref == e->val.of.funcref;
    case WEFT_EXTERNREF:
        return got.of.externref == e->val.of.externref;
    default:
        return false;
    }
}

void spec_val_format(weft_val v, bool brief, char *buf, size_t len) {
    char body[64];
    switch (v.type) {
    case WEFT_I32:
        snprintf(body, sizeof body, "%" PRIu32, (uint32_t)v.of.i32);
        break;
    case WEFT_I64:
        snprintf(body, sizeof body, "%" PRIu64, (uint64_t)v.of.i64);
        break;
    case WEFT_F32:
        /* The value for a reader, the bits because they are what is compared. */
        if (v.of.f32 != v.of.f32)
            snprintf(body, sizeof body, "nan:0x%08" PRIx32, (uint32_t)v.of.i32);
        else if (brief)
            snprintf(body, sizeof body, "%.9g", (double)v.of.f32);
        else
            snprintf(body, sizeof body, "%.9g (0x%08" PRIx32 ")", (double)v.of.f32,
                     (uint32_t)v.of.i32);
        break;
    case WEFT_F64:
        if (v.of.f64 != v.of.f64)
            snprintf(body, sizeof body, "nan:0x%016" PRIx64, (uint64_t)v.of.i64);
        else if (brief)
            snprintf(body, sizeof body, "%.17g", v.of.f64);
        else
            snprintf(body, sizeof body, "%.17g (0x%016" PRIx64 ")", v.of.f64,
                     (uint64_t)v.of.i64);
        break;
    case WEFT_FUNCREF:
        snprintf(body, sizeof body, "%s", v.of.funcref ? "non-null" : "null");
        break;
    case WEFT_EXTERNREF:
        if (v.of.externref == NULL)
            snprintf(body, sizeof body, "null");
        else /* undo spec_externref_from_index */
            snprintf(body, sizeof body, "%" PRIuPTR, (uintptr_t)v.of.externref - 1);
        break;
    default:
        snprintf(body, sizeof body, "?");
        break;
    }
    if (brief)
        snprintf(buf, len, "%s", body);
    else
        snprintf(buf, len, "%s:%s", weft_valtype_name(v.type), body);
}

void spec_expect_format(const spec_expect *e, char *buf, size_t len) {
    const char *t = weft_valtype_name(e->val.type);
    switch (e->kind) {
    case SPEC_EXPECT_NAN_CANON:
        snprintf(buf, len, "%s:nan:canonical", t);
        break;
    case SPEC_EXPECT_NAN_ARITH:
        snprintf(buf, len, "%s:nan:arithmetic", t);
        break;
    case SPEC_EXPECT_NONNULL:
        snprintf(buf, len, "%s:non-null", t);
        break;
    case SPEC_EXPECT_EXACT:
        spec_val_format(e->val, false, buf, len);
        break;
    }
}

void spec_escape(const char *s, char *buf, size_t len) {
    size_t o = 0;
    if (len == 0)
        return;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char tmp[5];
        int n;
        /* UTF-8 passes for the terminal to show; 0xf8..0xff never occur in UTF-8. */
        if (c >= 0x20 && c != 0x7f && c < 0xf8 && c != '\\') {
            tmp[0] = (char)c;
            tmp[1] = '\0';
            n = 1;
        } else {
            n = snprintf(tmp, sizeof tmp, "\\x%02x", c);
        }
        if (o + (size_t)n >= len)
            break;
        memcpy(buf + o, tmp, (size_t)n);
        o += (size_t)n;
    }
    buf[o] = '\0';
}

bool spec_message_matches(const char *expected, const char *got) {
    size_t ne = strlen(expected), ng = strlen(got);
    /* An empty message would be a prefix of everything. */
    if (ng == 0)
        return ne == 0;
    return strncmp(expected, got, ne < ng ? ne : ng) == 0;
}
