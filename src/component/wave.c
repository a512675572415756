/* wave.c: the WAVE value syntax: a parser steered by the expected type (so `{` knows whether a
 * record or flags follow, and `2` can stand for some(2)), a printer of the canonical form, and
 * call expressions `name(args)`. The grammar is wasm-tools' crates/wasm-wave README and
 * wave_ebnf.md. The memory ABI lives in abi.c; this file never sees a guest.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/wave.h"

/* ---- the parser's state and errors ---------------------------------------------------------- */

typedef struct wp {
    const char *s;
    size_t len, pos;
    cv_arena *a;
    char *err;
    size_t errlen;
    bool failed;
} wp;

static bool fail(wp *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(wp *p, size_t at, const char *fmt, ...) {
    if (p->failed) return false;
    p->failed = true;
    if (!p->err || !p->errlen) return false;
    int n = snprintf(p->err, p->errlen, "at byte %zu: ", at);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static int peek(const wp *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }
static int peek_at(const wp *p, size_t k) {
    return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : -1;
}

static void skip_ws(wp *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->s[p->pos + 1] == '/') {
            while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
        } else {
            break;
        }
    }
}

static bool is_label_char(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* A short quote of the token at the current position, for "found ..." in messages. */
static const char *found(const wp *p, char *buf, size_t n) {
    if (p->pos >= p->len) return "end of input";
    size_t end = p->pos, max = p->pos + 24;
    int c = peek(p);
    if (is_label_char(c) || c == '%' || c == '.' || c == '+') {
        while (end < p->len && end < max &&
               (is_label_char((unsigned char)p->s[end]) || p->s[end] == '%' || p->s[end] == '.' ||
                p->s[end] == '+'))
            end++;
    } else if (c == '"' || c == '\'') {
        end++;
        while (end < p->len && end < max && p->s[end] != c && p->s[end] != '\n') {
            if (p->s[end] == '\\' && end + 1 < p->len) end++;
            end++;
        }
        if (end < p->len && p->s[end] == c) end++;
    } else {
        /* One character, UTF-8 sequence included. */
        end++;
        while (end < p->len && ((unsigned char)p->s[end] & 0xC0) == 0x80 && end < max) end++;
    }
    snprintf(buf, n, "`%.*s`%s", (int)(end - p->pos), p->s + p->pos,
             end == max && end < p->len ? "..." : "");
    return buf;
}

static const char *tname(const ct_type *t, char *buf, size_t n) { return ct_describe(t, buf, n); }

static bool mismatch(wp *p, const ct_type *t) {
    char tb[96], fb[64];
    return fail(p, p->pos, "expected a value of type %s, found %s", tname(t, tb, sizeof tb),
                found(p, fb, sizeof fb));
}

static bool expect(wp *p, char c, const char *where) {
    char fb[64];
    skip_ws(p);
    if (peek(p) != c) return fail(p, p->pos, "expected `%c` %s, found %s", c, where,
                                  found(p, fb, sizeof fb));
    p->pos++;
    return true;
}

static void *alloc(wp *p, size_t n) {
    void *m = cv_alloc(p->a, n);
    if (!m) fail(p, p->pos, "out of memory for the parsed value (the arena's limit)");
    return m;
}

/* ---- labels --------------------------------------------------------------------------------- */

typedef struct label {
    const char *s; /* without the % */
    size_t len;
    size_t at;     /* byte offset of the label, % included */
    bool escaped;  /* written with % */
} label;

static const char *const keywords[] = {"true", "false", "some", "none", "ok", "err", "inf", "nan"};

static bool is_keyword(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0) return true;
    return false;
}

/* Words separated by single hyphens; a word is all lower-case or all upper-case letters and
 * digits, and the first starts with a letter. */
static bool valid_label(const char *s, size_t n) {
    if (n == 0) return false;
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t start = i;
        bool lower = false, upper = false;
        while (i < n && s[i] != '-') {
            char c = s[i];
            if (c >= 'a' && c <= 'z') lower = true;
            else if (c >= 'A' && c <= 'Z') upper = true;
            else if (!(c >= '0' && c <= '9')) return false;
            i++;
        }
        if (i == start || (lower && upper)) return false;
        if (first &&
            !((s[start] >= 'a' && s[start] <= 'z') || (s[start] >= 'A' && s[start] <= 'Z')))
            return false;
        first = false;
        if (i < n) {
            i++; /* the hyphen */
            if (i == n) return false;
        }
    }
    return true;
}

/* Reads a label at the current position (after whitespace); false (no error) if none is there. */
static bool read_label(wp *p, label *l) {
    skip_ws(p);
    size_t at = p->pos, i = p->pos;
    bool esc = false;
    if (i < p->len && p->s[i] == '%') esc = true, i++;
    size_t start = i;
    /* A label starts with a letter: anything else (a number, a quote) is not one at all. */
    if (i >= p->len || !((p->s[i] >= 'a' && p->s[i] <= 'z') || (p->s[i] >= 'A' && p->s[i] <= 'Z')))
        return false;
    while (i < p->len && is_label_char((unsigned char)p->s[i])) i++;
    if (!valid_label(p->s + start, i - start)) {
        fail(p, at, "invalid label `%.*s`", (int)(i - at), p->s + at);
        return false;
    }
    l->s = p->s + start;
    l->len = i - start;
    l->at = at;
    l->escaped = esc;
    p->pos = i;
    return true;
}

/* Is there an unescaped keyword kw at the current position (not followed by label chars)? */
static bool at_keyword(wp *p, const char *kw) {
    skip_ws(p);
    size_t n = strlen(kw);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, kw, n) != 0) return false;
    return p->pos + n == p->len || !is_label_char((unsigned char)p->s[p->pos + n]);
}

static bool label_is(const label *l, const char *name) {
    if (!name) return false;
    if (name[0] == '%') name++;
    return strlen(name) == l->len && memcmp(name, l->s, l->len) == 0;
}

/* The index of the field or case called l in t, or -1. */
static int64_t find_field(const ct_type *t, const label *l) {
    for (uint32_t i = 0; i < t->nfields; i++)
        if (label_is(l, t->fields[i].name)) return i;
    return -1;
}

/* ---- numbers -------------------------------------------------------------------------------- */

/* Scans a number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? Sets *is_int when it has
 * neither fraction nor exponent. False with an error if the text there is not one. */
static bool scan_number(wp *p, size_t *start, size_t *end, bool *is_int) {
    char fb[64];
    size_t i = p->pos;
    *start = i;
    *is_int = true;
    if (i < p->len && p->s[i] == '-') i++;
    if (i >= p->len || !(p->s[i] >= '0' && p->s[i] <= '9'))
        return fail(p, p->pos, "expected a number, found %s", found(p, fb, sizeof fb));
    if (p->s[i] == '0') {
        i++;
    } else {
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
    }
    if (i < p->len && p->s[i] == '.') {
        i++;
        size_t d = i;
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (i == d) return fail(p, *start, "invalid number: digits must follow `.`");
        *is_int = false;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        size_t d = i;
        while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (i == d) return fail(p, *start, "invalid number: digits must follow the exponent");
        *is_int = false;
    }
    /* "007", "1x", "1.5.2": the token goes on where a number cannot. */
    if (i < p->len && (is_label_char((unsigned char)p->s[i]) || p->s[i] == '.')) {
        size_t j = i;
        while (j < p->len && (is_label_char((unsigned char)p->s[j]) || p->s[j] == '.')) j++;
        return fail(p, *start, "invalid number `%.*s`", (int)(j - *start), p->s + *start);
    }
    *end = i;
    return true;
}

static bool parse_int(wp *p, const ct_type *t, cv *out) {
    char tb[96];
    skip_ws(p);
    int c = peek(p);
    if (!(c == '-' || (c >= '0' && c <= '9'))) return mismatch(p, t);
    size_t start, end;
    bool is_int;
    if (!scan_number(p, &start, &end, &is_int)) return false;
    const char *s = p->s + start;
    int n = (int)(end - start);
    if (!is_int)
        return fail(p, start, "expected an integer of type %s, found `%.*s`",
                    tname(t, tb, sizeof tb), n, s);
    bool neg = s[0] == '-';
    uint64_t mag = 0;
    bool over = false;
    for (size_t i = neg; i < end - start; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (mag > (UINT64_MAX - d) / 10) over = true;
        else mag = mag * 10 + d;
    }
    bool is_signed =
        t->kind == CT_S8 || t->kind == CT_S16 || t->kind == CT_S32 || t->kind == CT_S64;
    unsigned bits = t->kind == CT_S8 || t->kind == CT_U8     ? 8
                    : t->kind == CT_S16 || t->kind == CT_U16 ? 16
                    : t->kind == CT_S32 || t->kind == CT_U32 ? 32
                                                             : 64;
    if (is_signed) {
        uint64_t lim = (uint64_t)1 << (bits - 1); /* |min|; max is lim - 1 */
        if (over || (neg ? mag > lim : mag >= lim))
            return fail(p, start, "integer %.*s out of range for %s", n, s,
                        tname(t, tb, sizeof tb));
        out->of.s = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    } else {
        uint64_t max = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
        if (over || neg || mag > max)
            return fail(p, start, "integer %.*s out of range for %s", n, s,
                        tname(t, tb, sizeof tb));
        out->of.u = mag;
    }
    p->pos = end;
    return true;
}

static bool parse_float(wp *p, const ct_type *t, cv *out) {
    char tb[96];
    bool f32 = t->kind == CT_F32;
    skip_ws(p);
    double special = 0;
    bool is_special = true;
    if (at_keyword(p, "nan")) p->pos += 3, special = NAN;
    else if (at_keyword(p, "inf")) p->pos += 3, special = INFINITY;
    else if (peek(p) == '-' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "-inf", 4) == 0 &&
             (p->pos + 4 == p->len || !is_label_char((unsigned char)p->s[p->pos + 4])))
        p->pos += 4, special = -INFINITY;
    else is_special = false;
    if (is_special) {
        if (f32) out->of.f32 = (float)special;
        else out->of.f64 = special;
        return true;
    }
    int c = peek(p);
    if (!(c == '-' || (c >= '0' && c <= '9'))) return mismatch(p, t);
    size_t start, end;
    bool is_int;
    if (!scan_number(p, &start, &end, &is_int)) return false;
    char *copy = malloc(end - start + 1);
    if (!copy) return fail(p, start, "out of memory");
    memcpy(copy, p->s + start, end - start);
    copy[end - start] = 0;
    errno = 0;
    bool inf;
    if (f32) {
        out->of.f32 = strtof(copy, NULL);
        inf = isinf(out->of.f32);
    } else {
        out->of.f64 = strtod(copy, NULL);
        inf = isinf(out->of.f64);
    }
    free(copy);
    if (inf)
        return fail(p, start, "number %.*s out of range for %s", (int)(end - start), p->s + start,
                    tname(t, tb, sizeof tb));
    p->pos = end;
    return true;
}

/* ---- chars and strings ---------------------------------------------------------------------- */

/* Decodes one UTF-8 scalar at s[0..n); returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t k;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) k = 1, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) k = 2, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) k = 3, v = c & 0x07, min = 0x10000;
    else return 0;
    if (n <= k) return 0;
    for (size_t i = 1; i <= k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return k + 1;
}

static size_t utf8_encode(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads one character at p->pos (an escape or a UTF-8 scalar) into *cp. `quote` is the
 * delimiter, which must be escaped; in multiline strings (quote 0) only \ must. */
static bool read_char(wp *p, int quote, uint32_t *cp, const char *what) {
    size_t at = p->pos;
    int c = peek(p);
    if (c < 0) return fail(p, at, "unterminated %s", what);
    if (c == '\n' && quote)
        return fail(p, at, "unterminated %s (a line break inside is written \\n)", what);
    if (c == '\\') {
        int e = peek_at(p, 1);
        switch (e) {
        case '\\': *cp = '\\'; break;
        case '\'': *cp = '\''; break;
        case '"': *cp = '"'; break;
        case 't': *cp = '\t'; break;
        case 'n': *cp = '\n'; break;
        case 'r': *cp = '\r'; break;
        case 'u': {
            if (peek_at(p, 2) != '{') return fail(p, at, "bad escape: expected `{` after \\u");
            size_t i = p->pos + 3, digits = 0;
            uint32_t v = 0;
            while (i < p->len && p->s[i] != '}') {
                char h = p->s[i];
                int d = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
                if (d < 0 || ++digits > 6)
                    return fail(p, at, "bad escape: \\u{...} takes 1 to 6 hex digits");
                v = v << 4 | (uint32_t)d;
                i++;
            }
            if (i >= p->len || digits == 0)
                return fail(p, at, "bad escape: \\u{...} takes 1 to 6 hex digits");
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                return fail(p, at, "bad escape: \\u{%" PRIx32 "} is not a Unicode scalar value", v);
            *cp = v;
            p->pos = i + 1;
            return true;
        }
        case -1: return fail(p, at, "unterminated %s", what);
        default:
            if (e < 0x80 && e >= 0x20)
                return fail(p, at, "bad escape `\\%c` (known: \\\\ \\' \\\" \\t \\n \\r \\u{...})",
                            e);
            return fail(p, at, "bad escape (known: \\\\ \\' \\\" \\t \\n \\r \\u{...})");
        }
        p->pos += 2;
        return true;
    }
    if (quote && c == quote) return fail(p, at, "empty char");
    size_t k = utf8_decode((const unsigned char *)p->s + p->pos, p->len - p->pos, cp);
    if (!k) return fail(p, at, "invalid UTF-8 in the input");
    p->pos += k;
    return true;
}

static bool parse_char(wp *p, const ct_type *t, cv *out) {
    skip_ws(p);
    if (peek(p) != '\'') return mismatch(p, t);
    size_t at = p->pos++;
    if (peek(p) == '\'') return fail(p, at, "empty char: write '\\'' for a quote");
    if (!read_char(p, '\'', &out->of.ch, "char")) return false;
    if (peek(p) != '\'') {
        if (peek(p) < 0 || peek(p) == '\n') return fail(p, at, "unterminated char");
        return fail(p, at, "a char holds one character (write strings in double quotes)");
    }
    p->pos++;
    return true;
}

/* Decodes the characters of s[from..to) (with escapes) onto dst; returns the bytes written. */
static bool decode_span(wp *p, size_t from, size_t to, int quote, char *dst, size_t *n) {
    size_t saved = p->len;
    p->pos = from;
    p->len = to;
    while (p->pos < p->len) {
        uint32_t cp;
        if (!read_char(p, quote, &cp, "string")) {
            p->len = saved;
            return false;
        }
        *n += utf8_encode(cp, dst + *n);
    }
    p->len = saved;
    return true;
}

static bool parse_multiline(wp *p, cv *out) {
    size_t at = p->pos;
    p->pos += 3;
    size_t body = p->pos;
    if (peek(p) == '\r' && peek_at(p, 1) == '\n') body += 2;
    else if (peek(p) == '\n') body += 1;
    else return fail(p, at, "a multiline string's opening \"\"\" must end its line");
    size_t close = body;
    while (close + 3 <= p->len && memcmp(p->s + close, "\"\"\"", 3) != 0) close++;
    if (close + 3 > p->len) return fail(p, at, "unterminated multiline string");
    /* The closing line holds only the indent. */
    size_t line = close;
    while (line > body - 1 && p->s[line - 1] != '\n') line--;
    for (size_t i = line; i < close; i++)
        if (p->s[i] != ' ')
            return fail(p, close, "a multiline string's closing \"\"\" must be on a line of "
                                  "its own, after spaces only");
    size_t indent = close - line;
    char *dst = alloc(p, close - body + 1);
    if (!dst) return false;
    size_t n = 0, i = body;
    bool first = true;
    while (i < line) { /* each line of the content ends with \n before `line` */
        size_t eol = i;
        while (p->s[eol] != '\n') eol++;
        size_t spaces = 0;
        while (spaces < indent && i + spaces < eol && p->s[i + spaces] == ' ') spaces++;
        if (spaces < indent)
            return fail(p, i, "lines must be indented at least as much as the closing \"\"\"");
        size_t from = i + indent, to = eol;
        if (to > from && p->s[to - 1] == '\r') to--;
        if (!first) dst[n++] = '\n';
        first = false;
        if (!decode_span(p, from, to, 0, dst, &n)) return false;
        i = eol + 1;
    }
    out->of.str.ptr = dst;
    out->of.str.len = n;
    p->pos = close + 3;
    return true;
}

static bool parse_string(wp *p, const ct_type *t, cv *out) {
    skip_ws(p);
    if (peek(p) != '"') return mismatch(p, t);
    if (peek_at(p, 1) == '"' && peek_at(p, 2) == '"') return parse_multiline(p, out);
    size_t at = p->pos, i = p->pos + 1;
    /* Find the closing quote first: the decoded text is never longer than the quoted. */
    while (i < p->len && p->s[i] != '"' && p->s[i] != '\n') i += p->s[i] == '\\' ? 2 : 1;
    if (i >= p->len || p->s[i] != '"') {
        p->pos = i < p->len ? i : p->len;
        return fail(p, at, "unterminated string%s",
                    i < p->len ? " (a line break inside is written \\n)" : "");
    }
    char *dst = alloc(p, i - at);
    if (!dst) return false;
    size_t n = 0;
    if (!decode_span(p, at + 1, i, '"', dst, &n)) return false;
    out->of.str.ptr = dst;
    out->of.str.len = n;
    p->pos = i + 1;
    return true;
}

/* ---- compound values ------------------------------------------------------------------------ */

static bool parse_value(wp *p, const ct_type *t, cv *out, int depth);

/* After an element: `,` (then maybe the closing delimiter) or the closing delimiter. Sets *done
 * when the sequence ended. */
static bool seq_next(wp *p, char close, const char *what, bool *done) {
    char fb[64];
    skip_ws(p);
    if (peek(p) == ',') {
        p->pos++;
        skip_ws(p);
        if (peek(p) == close) {
            p->pos++;
            *done = true;
        }
        return true;
    }
    if (peek(p) == close) {
        p->pos++;
        *done = true;
        return true;
    }
    return fail(p, p->pos, "expected `,` or `%c` in %s, found %s", close, what,
                found(p, fb, sizeof fb));
}

static bool parse_list(wp *p, const ct_type *t, cv *out, int depth) {
    char tb[96];
    skip_ws(p);
    if (peek(p) != '[') return mismatch(p, t);
    p->pos++;
    size_t n = 0, cap = 0;
    cv *items = NULL;
    skip_ws(p);
    bool done = false;
    if (peek(p) == ']') p->pos++, done = true;
    while (!done) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            cv *grown = alloc(p, ncap * sizeof(cv));
            if (!grown) return false;
            if (n) memcpy(grown, items, n * sizeof(cv));
            items = grown;
            cap = ncap;
        }
        if (!parse_value(p, t->elem, &items[n], depth + 1)) return false;
        n++;
        if (!seq_next(p, ']', tname(t, tb, sizeof tb), &done)) return false;
    }
    out->of.seq.items = items;
    out->of.seq.n = n;
    return true;
}

static bool parse_tuple(wp *p, const ct_type *t, cv *out, int depth) {
    char tb[96], fb[64];
    skip_ws(p);
    if (peek(p) != '(') return mismatch(p, t);
    size_t at = p->pos++;
    cv *items = alloc(p, (t->nfields ? t->nfields : 1) * sizeof(cv));
    if (!items) return false;
    skip_ws(p);
    bool done = false;
    if (peek(p) == ')') p->pos++, done = true;
    uint32_t n = 0;
    while (!done) {
        if (n == t->nfields)
            return fail(p, p->pos, "too many values for %s (it has %" PRIu32 "), found %s",
                        tname(t, tb, sizeof tb), t->nfields, found(p, fb, sizeof fb));
        if (!parse_value(p, t->fields[n].type, &items[n], depth + 1)) return false;
        n++;
        if (!seq_next(p, ')', tname(t, tb, sizeof tb), &done)) return false;
    }
    if (n != t->nfields)
        return fail(p, at, "%s needs %" PRIu32 " values, found %" PRIu32, tname(t, tb, sizeof tb),
                    t->nfields, n);
    out->of.seq.items = items;
    out->of.seq.n = n;
    return true;
}

static void list_names(const ct_type *t, char *buf, size_t n) {
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < t->nfields && at + 1 < n; i++) {
        int k = snprintf(buf + at, n - at, "%s%s", i ? ", " : "",
                         t->fields[i].name ? t->fields[i].name : "?");
        if (k < 0) break;
        at += (size_t)k;
    }
    if (at >= n && n > 4) memcpy(buf + n - 4, "...", 4);
}

static bool parse_record(wp *p, const ct_type *t, cv *out, int depth) {
    char tb[96], nb[160];
    skip_ws(p);
    if (peek(p) != '{') return mismatch(p, t);
    size_t at = p->pos++;
    uint32_t nf = t->nfields;
    cv *items = alloc(p, (nf ? nf : 1) * sizeof(cv));
    bool *seen = alloc(p, nf ? nf : 1);
    if (!items || !seen) return false;
    skip_ws(p);
    bool done = false;
    if (peek(p) == '}') {
        p->pos++, done = true;
    } else if (peek(p) == ':') {
        p->pos++;
        if (!expect(p, '}', "to end the empty record `{:}`")) return false;
        done = true;
    }
    while (!done) {
        label l;
        if (!read_label(p, &l)) {
            if (p->failed) return false;
            char fb[64];
            return fail(p, p->pos, "expected a field name of %s, found %s",
                        tname(t, tb, sizeof tb), found(p, fb, sizeof fb));
        }
        int64_t i = find_field(t, &l);
        if (i < 0) {
            list_names(t, nb, sizeof nb);
            return fail(p, l.at, "unknown field `%.*s` in %s (fields: %s)", (int)l.len, l.s,
                        tname(t, tb, sizeof tb), nb);
        }
        if (seen[i]) return fail(p, l.at, "field `%.*s` given twice", (int)l.len, l.s);
        seen[i] = true;
        if (!expect(p, ':', "after the field name")) return false;
        if (!parse_value(p, t->fields[i].type, &items[i], depth + 1)) return false;
        if (!seq_next(p, '}', tname(t, tb, sizeof tb), &done)) return false;
    }
    for (uint32_t i = 0; i < nf; i++) {
        if (seen[i]) continue;
        const ct_type *ft = ct_resolve(t->fields[i].type);
        if (!ft || ft->kind != CT_OPTION)
            return fail(p, at, "missing field `%s` in %s",
                        t->fields[i].name ? t->fields[i].name : "?", tname(t, tb, sizeof tb));
        items[i].type = ft;
        items[i].of.var.disc = 0;
        items[i].of.var.payload = NULL;
    }
    out->of.seq.items = items;
    out->of.seq.n = nf;
    return true;
}

static bool parse_flags(wp *p, const ct_type *t, cv *out) {
    char tb[96], nb[160], fb[64];
    skip_ws(p);
    if (peek(p) != '{') return mismatch(p, t);
    p->pos++;
    uint32_t nw = (t->nfields + 31) / 32;
    uint32_t *w = alloc(p, (nw ? nw : 1) * sizeof(uint32_t));
    if (!w) return false;
    skip_ws(p);
    bool done = false;
    if (peek(p) == '}') p->pos++, done = true;
    while (!done) {
        label l;
        if (!read_label(p, &l)) {
            if (p->failed) return false;
            return fail(p, p->pos, "expected a flag of %s, found %s", tname(t, tb, sizeof tb),
                        found(p, fb, sizeof fb));
        }
        int64_t i = find_field(t, &l);
        if (i < 0) {
            list_names(t, nb, sizeof nb);
            return fail(p, l.at, "unknown flag `%.*s` in %s (flags: %s)", (int)l.len, l.s,
                        tname(t, tb, sizeof tb), nb);
        }
        if (w[i / 32] & (1u << (i % 32)))
            return fail(p, l.at, "flag `%.*s` given twice", (int)l.len, l.s);
        w[i / 32] |= 1u << (i % 32);
        if (!seq_next(p, '}', tname(t, tb, sizeof tb), &done)) return false;
    }
    out->of.flags.words = w;
    return true;
}

/* A case's payload: `(value)` when the case has a type, nothing otherwise. */
static bool parse_payload(wp *p, const ct_type *pt, const char *kase, size_t klen, cv *out,
                          int depth) {
    skip_ws(p);
    if (!pt) {
        if (peek(p) == '(')
            return fail(p, p->pos, "case `%.*s` takes no payload", (int)klen, kase);
        out->of.var.payload = NULL;
        return true;
    }
    if (peek(p) != '(')
        return fail(p, p->pos, "case `%.*s` needs a payload: %.*s(...)", (int)klen, kase,
                    (int)klen, kase);
    p->pos++;
    cv *pl = alloc(p, sizeof(cv));
    if (!pl) return false;
    if (!parse_value(p, pt, pl, depth + 1)) return false;
    if (!expect(p, ')', "to close the payload")) return false;
    out->of.var.payload = pl;
    return true;
}

static bool parse_case(wp *p, const ct_type *t, cv *out, int depth) {
    char tb[96], nb[160];
    label l;
    if (!read_label(p, &l)) return p->failed ? false : mismatch(p, t);
    int64_t i = find_field(t, &l);
    if (i < 0 || (!l.escaped && is_keyword(l.s, l.len))) {
        if (i >= 0)
            return fail(p, l.at, "`%.*s` is a keyword: write the case of %s as %%%.*s", (int)l.len,
                        l.s, tname(t, tb, sizeof tb), (int)l.len, l.s);
        if (!l.escaped && is_keyword(l.s, l.len)) {
            p->pos = l.at;
            return mismatch(p, t);
        }
        list_names(t, nb, sizeof nb);
        return fail(p, l.at, "unknown case `%.*s` of %s (cases: %s)", (int)l.len, l.s,
                    tname(t, tb, sizeof tb), nb);
    }
    out->of.var.disc = (uint32_t)i;
    return parse_payload(p, t->kind == CT_VARIANT ? t->fields[i].type : NULL, l.s, l.len, out,
                         depth);
}

static bool flattenable(const ct_type *t) {
    t = ct_resolve(t);
    return t && t->kind != CT_OPTION && t->kind != CT_RESULT;
}

static bool parse_option(wp *p, const ct_type *t, cv *out, int depth) {
    if (at_keyword(p, "some")) {
        p->pos += 4;
        out->of.var.disc = 1;
        return parse_payload(p, t->elem, "some", 4, out, depth);
    }
    if (at_keyword(p, "none")) {
        p->pos += 4;
        out->of.var.disc = 0;
        return parse_payload(p, NULL, "none", 4, out, depth);
    }
    if (!flattenable(t->elem)) return mismatch(p, t);
    /* The spec's flat form: the payload alone stands for some(payload). */
    cv *pl = alloc(p, sizeof(cv));
    if (!pl || !parse_value(p, t->elem, pl, depth + 1)) return false;
    out->of.var.disc = 1;
    out->of.var.payload = pl;
    return true;
}

static bool parse_result(wp *p, const ct_type *t, cv *out, int depth) {
    if (at_keyword(p, "ok")) {
        p->pos += 2;
        out->of.var.disc = 0;
        return parse_payload(p, t->ok, "ok", 2, out, depth);
    }
    if (at_keyword(p, "err")) {
        p->pos += 3;
        out->of.var.disc = 1;
        return parse_payload(p, t->err, "err", 3, out, depth);
    }
    if (!t->ok || !flattenable(t->ok)) return mismatch(p, t);
    cv *pl = alloc(p, sizeof(cv));
    if (!pl || !parse_value(p, t->ok, pl, depth + 1)) return false;
    out->of.var.disc = 0;
    out->of.var.payload = pl;
    return true;
}

static bool parse_value(wp *p, const ct_type *t, cv *out, int depth) {
    char tb[96];
    skip_ws(p);
    t = ct_resolve(t);
    if (!t) return fail(p, p->pos, "a type is missing");
    if (depth > WAVE_MAX_DEPTH)
        return fail(p, p->pos, "values nest deeper than %d", WAVE_MAX_DEPTH);
    memset(out, 0, sizeof *out);
    out->type = t;
    switch (t->kind) {
    case CT_BOOL:
        if (at_keyword(p, "true")) p->pos += 4, out->of.b = true;
        else if (at_keyword(p, "false")) p->pos += 5, out->of.b = false;
        else return mismatch(p, t);
        return true;
    case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32: case CT_S64:
    case CT_U64:
        return parse_int(p, t, out);
    case CT_F32: case CT_F64: return parse_float(p, t, out);
    case CT_CHAR: return parse_char(p, t, out);
    case CT_STRING: return parse_string(p, t, out);
    case CT_LIST: return parse_list(p, t, out, depth);
    case CT_TUPLE: return parse_tuple(p, t, out, depth);
    case CT_RECORD: return parse_record(p, t, out, depth);
    case CT_FLAGS: return parse_flags(p, t, out);
    case CT_VARIANT: case CT_ENUM: return parse_case(p, t, out, depth);
    case CT_OPTION: return parse_option(p, t, out, depth);
    case CT_RESULT: return parse_result(p, t, out, depth);
    default:
        return fail(p, p->pos, "values of type %s have no WAVE syntax yet",
                    tname(t, tb, sizeof tb));
    }
}

static bool at_end(wp *p) {
    char fb[64];
    skip_ws(p);
    if (p->pos < p->len)
        return fail(p, p->pos, "unexpected %s after the value", found(p, fb, sizeof fb));
    return true;
}

bool wave_parse(const char *text, size_t len, const ct_type *t, cv_arena *a, cv *out, char *err,
                size_t errlen) {
    wp p = {.s = text, .len = len, .a = a, .err = err, .errlen = errlen};
    if (err && errlen) err[0] = 0;
    return parse_value(&p, t, out, 0) && at_end(&p);
}

/* ---- calls ---------------------------------------------------------------------------------- */

static bool call_name(wp *p, const char **name, size_t *name_len) {
    char fb[64];
    skip_ws(p);
    size_t start = p->pos;
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == '(' || c == ')' || c == ' ' || c == '\t' || c == '\n' || c == '\r') break;
        p->pos++;
    }
    if (p->pos == start) return fail(p, start, "expected a function name, found %s",
                                     found(p, fb, sizeof fb));
    *name = p->s + start;
    *name_len = p->pos - start;
    return expect(p, '(', "after the function name");
}

bool wave_call_name(const char *text, size_t len, const char **name, size_t *name_len, char *err,
                    size_t errlen) {
    wp p = {.s = text, .len = len, .err = err, .errlen = errlen};
    if (err && errlen) err[0] = 0;
    return call_name(&p, name, name_len);
}

bool wave_parse_call(const char *text, size_t len, const ct_func *f, cv_arena *a, cv *out,
                     char *err, size_t errlen) {
    char tb[96], fb[64];
    wp p = {.s = text, .len = len, .a = a, .err = err, .errlen = errlen};
    const char *name;
    size_t name_len;
    if (err && errlen) err[0] = 0;
    if (!call_name(&p, &name, &name_len)) return false;
    skip_ws(&p);
    bool done = false;
    if (peek(&p) == ')') p.pos++, done = true;
    uint32_t n = 0;
    while (!done) {
        if (n == f->nparams)
            return fail(&p, p.pos, "too many arguments: %.*s takes %" PRIu32, (int)name_len, name,
                        f->nparams);
        if (!parse_value(&p, f->params[n].type, &out[n], 0)) return false;
        n++;
        if (!seq_next(&p, ')', "the arguments", &done)) return false;
    }
    for (; n < f->nparams; n++) {
        const ct_type *pt = ct_resolve(f->params[n].type);
        if (!pt || pt->kind != CT_OPTION)
            return fail(&p, p.pos ? p.pos - 1 : 0, "missing argument `%s` (%s) of %.*s",
                        f->params[n].name ? f->params[n].name : "?", tname(pt, tb, sizeof tb),
                        (int)name_len, name);
        memset(&out[n], 0, sizeof out[n]);
        out[n].type = pt;
    }
    skip_ws(&p);
    if (p.pos < p.len)
        return fail(&p, p.pos, "unexpected %s after the call", found(&p, fb, sizeof fb));
    return true;
}

/* ---- printing ------------------------------------------------------------------------------- */

typedef struct wbuf {
    char *s;
    size_t len, cap;
    bool bad; /* out of memory, or a value that cannot be printed */
} wbuf;

static bool bad(wbuf *b) {
    b->bad = true;
    return false;
}

static bool put(wbuf *b, const char *s, size_t n) {
    if (b->bad) return false;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) return bad(b);
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
    return true;
}

static bool puts_(wbuf *b, const char *s) { return put(b, s, strlen(s)); }

/* Digits (trailing zeros dropped) and decimal exponent of the shortest %e form of d that reads
 * back as the same value (as a float when f32). */
static void shortest(double d, bool f32, char *digits, int *exp10) {
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        bool same = f32 ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d;
        if (same) break;
    }
    /* buf is "d[.ddd]e[+-]xx" (d is positive here) */
    const char *s = buf;
    size_t n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = 0;
    *exp10 = atoi(s + 1);
}

/* Positional notation, as Rust's Display for floats (and so wasm-wave) writes: 1.5, 100,
 * 0.001, -0; never an exponent. */
static bool put_float(wbuf *b, double d, bool f32) {
    if (isnan(d)) return puts_(b, "nan");
    if (isinf(d)) return puts_(b, d < 0 ? "-inf" : "inf");
    if (signbit(d)) puts_(b, "-");
    d = fabs(d);
    if (d == 0) return puts_(b, "0");
    char digits[32];
    int e;
    shortest(d, f32, digits, &e);
    int nd = (int)strlen(digits);
    if (e >= 0 && e + 1 >= nd) {
        puts_(b, digits);
        for (int i = nd; i < e + 1; i++) puts_(b, "0");
    } else if (e >= 0) {
        put(b, digits, (size_t)e + 1);
        puts_(b, ".");
        puts_(b, digits + e + 1);
    } else {
        puts_(b, "0.");
        for (int i = 0; i < -e - 1; i++) puts_(b, "0");
        puts_(b, digits);
    }
    return !b->bad;
}

static bool put_char(wbuf *b, uint32_t c) {
    char tmp[16];
    switch (c) {
    case '\\': return puts_(b, "\\\\");
    case '"': return puts_(b, "\\\"");
    case '\'': return puts_(b, "\\'");
    case '\t': return puts_(b, "\\t");
    case '\n': return puts_(b, "\\n");
    case '\r': return puts_(b, "\\r");
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        snprintf(tmp, sizeof tmp, "\\u{%" PRIx32 "}", c);
        return puts_(b, tmp);
    }
    return put(b, tmp, utf8_encode(c, tmp));
}

static bool put_label(wbuf *b, const char *name) {
    if (!name) return bad(b);
    if (name[0] != '%' && is_keyword(name, strlen(name))) puts_(b, "%");
    return puts_(b, name);
}

static bool print_value(wbuf *b, const cv *v, int depth);

static bool print_payload(wbuf *b, const ct_type *pt, const cv *pl, int depth) {
    if (!pt != !pl) return bad(b);
    if (!pl) return !b->bad;
    puts_(b, "(");
    print_value(b, pl, depth + 1);
    return puts_(b, ")");
}

static bool print_value(wbuf *b, const cv *v, int depth) {
    char tmp[32];
    const ct_type *t = v ? ct_resolve(v->type) : NULL;
    if (!t || depth > WAVE_MAX_DEPTH || b->bad) return bad(b);
    switch (t->kind) {
    case CT_BOOL: return puts_(b, v->of.b ? "true" : "false");
    case CT_S8: case CT_S16: case CT_S32: case CT_S64:
        snprintf(tmp, sizeof tmp, "%" PRId64, v->of.s);
        return puts_(b, tmp);
    case CT_U8: case CT_U16: case CT_U32: case CT_U64:
        snprintf(tmp, sizeof tmp, "%" PRIu64, v->of.u);
        return puts_(b, tmp);
    case CT_F32: return put_float(b, v->of.f32, true);
    case CT_F64: return put_float(b, v->of.f64, false);
    case CT_CHAR:
        if (v->of.ch > 0x10FFFF || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF)) return bad(b);
        puts_(b, "'");
        put_char(b, v->of.ch);
        return puts_(b, "'");
    case CT_STRING: {
        puts_(b, "\"");
        const unsigned char *s = (const unsigned char *)v->of.str.ptr;
        for (size_t i = 0; i < v->of.str.len;) {
            uint32_t cp;
            size_t k = utf8_decode(s + i, v->of.str.len - i, &cp);
            if (!k) return bad(b);
            put_char(b, cp);
            i += k;
        }
        return puts_(b, "\"");
    }
    case CT_LIST: case CT_TUPLE:
        if (t->kind == CT_TUPLE && v->of.seq.n != t->nfields) return bad(b);
        puts_(b, t->kind == CT_LIST ? "[" : "(");
        for (size_t i = 0; i < v->of.seq.n; i++) {
            if (i) puts_(b, ", ");
            print_value(b, &v->of.seq.items[i], depth + 1);
        }
        return puts_(b, t->kind == CT_LIST ? "]" : ")");
    case CT_RECORD: {
        if (v->of.seq.n != t->nfields) return bad(b);
        bool first = true;
        puts_(b, "{");
        for (uint32_t i = 0; i < t->nfields; i++) {
            const cv *f = &v->of.seq.items[i];
            const ct_type *ft = ct_resolve(f->type);
            if (ft && ft->kind == CT_OPTION && f->of.var.disc == 0) continue;
            if (!first) puts_(b, ", ");
            first = false;
            put_label(b, t->fields[i].name);
            puts_(b, ": ");
            print_value(b, f, depth + 1);
        }
        return puts_(b, first ? ":}" : "}");
    }
    case CT_VARIANT: case CT_ENUM:
        if (v->of.var.disc >= t->nfields) return bad(b);
        put_label(b, t->fields[v->of.var.disc].name);
        return print_payload(b, t->kind == CT_VARIANT ? t->fields[v->of.var.disc].type : NULL,
                             v->of.var.payload, depth);
    case CT_OPTION:
        if (v->of.var.disc > 1) return bad(b);
        puts_(b, v->of.var.disc ? "some" : "none");
        return print_payload(b, v->of.var.disc ? t->elem : NULL, v->of.var.payload, depth);
    case CT_RESULT:
        if (v->of.var.disc > 1) return bad(b);
        puts_(b, v->of.var.disc ? "err" : "ok");
        return print_payload(b, v->of.var.disc ? t->err : t->ok, v->of.var.payload, depth);
    case CT_FLAGS: {
        bool first = true;
        puts_(b, "{");
        for (uint32_t i = 0; i < t->nfields; i++) {
            if (!v->of.flags.words || !(v->of.flags.words[i / 32] & (1u << (i % 32)))) continue;
            if (!first) puts_(b, ", ");
            first = false;
            put_label(b, t->fields[i].name);
        }
        return puts_(b, "}");
    }
    default:
        return bad(b);
    }
}

bool wave_print(const cv *v, char **out) {
    wbuf b = {0};
    if (!print_value(&b, v, 0) || b.bad) {
        free(b.s);
        *out = NULL;
        return false;
    }
    *out = b.s;
    return true;
}
