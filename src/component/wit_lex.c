/* wit_lex.c: the tokens of WIT text: whitespace and (nested) comments skipped, operators,
 * keywords, kebab-case identifiers checked word by word, %-escaped names, and the raw text of
 * semantic versions with their check. Positions are 1-based lines and columns in characters.
 * The grammar and all meaning are wit.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "component/wit.h"

static const char *const tok_text[WT_NKINDS] = {
    [WT_EOF] = "end of file", [WT_ID] = "identifier", [WT_INT] = "integer",
    [WT_EQ] = "=", [WT_COMMA] = ",", [WT_COLON] = ":", [WT_SEMI] = ";", [WT_LPAREN] = "(",
    [WT_RPAREN] = ")", [WT_LBRACE] = "{", [WT_RBRACE] = "}", [WT_LT] = "<", [WT_GT] = ">",
    [WT_STAR] = "*", [WT_ARROW] = "->", [WT_SLASH] = "/", [WT_DOT] = ".", [WT_AT] = "@",
    [WT_USE] = "use", [WT_TYPE] = "type", [WT_FUNC] = "func", [WT_U8] = "u8", [WT_U16] = "u16",
    [WT_U32] = "u32", [WT_U64] = "u64", [WT_S8] = "s8", [WT_S16] = "s16", [WT_S32] = "s32",
    [WT_S64] = "s64", [WT_F32] = "f32", [WT_F64] = "f64", [WT_FLOAT32] = "float32",
    [WT_FLOAT64] = "float64", [WT_CHAR] = "char", [WT_BOOL] = "bool", [WT_STRING] = "string",
    [WT_OPTION] = "option", [WT_RESULT] = "result", [WT_LIST] = "list", [WT_TUPLE] = "tuple",
    [WT_RESOURCE] = "resource", [WT_OWN] = "own", [WT_BORROW] = "borrow", [WT_RECORD] = "record",
    [WT_FLAGS] = "flags", [WT_VARIANT] = "variant", [WT_ENUM] = "enum", [WT_FUTURE] = "future",
    [WT_STREAM] = "stream", [WT_ERROR_CONTEXT] = "error-context", [WT_UNDERSCORE] = "_",
    [WT_AS] = "as", [WT_FROM] = "from", [WT_STATIC] = "static", [WT_INTERFACE] = "interface",
    [WT_IMPORT] = "import", [WT_EXPORT] = "export", [WT_WORLD] = "world",
    [WT_PACKAGE] = "package", [WT_CONSTRUCTOR] = "constructor", [WT_INCLUDE] = "include",
    [WT_WITH] = "with", [WT_ASYNC] = "async",
};

const char *wit_tok_text(wit_tok k) { return k < WT_NKINDS && tok_text[k] ? tok_text[k] : "?"; }

static bool lex_fail(wit_lexer *lx, uint32_t line, uint32_t col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err, sizeof lx->err, fmt, ap);
    va_end(ap);
    lx->err_line = line;
    lx->err_col = col;
    return false;
}

/* ---- the text as a whole ------------------------------------------------------------------ */

/* Decodes the UTF-8 sequence at s[0..n); returns its length, 0 if invalid (overlong forms,
 * surrogates and values past U+10FFFF included). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

bool wit_lex_init(wit_lexer *lx, const char *src, size_t len) {
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = lx->col = 1;
    const unsigned char *s = (const unsigned char *)src;
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (!n) return lex_fail(lx, line, col, "invalid UTF-8");
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F))
            return lex_fail(lx, line, col, "control character U+%04X is not allowed", cp);
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return lex_fail(lx, line, col, "bidirectional override U+%04X is not allowed", cp);
        if (cp == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += n;
    }
    return true;
}

/* ---- tokens ----------------------------------------------------------------------------------- */

static int peek(const wit_lexer *lx, size_t ahead) {
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void adv(wit_lexer *lx) {
    unsigned char c = (unsigned char)lx->src[lx->pos++];
    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++;
    }
}

/* Whitespace, line comments (doc comments `///` too: they are not kept) and block comments,
 * which nest. */
static bool skip_space(wit_lexer *lx) {
    for (;;) {
        int c = peek(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            adv(lx);
        } else if (c == '/' && peek(lx, 1) == '/') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n') adv(lx);
        } else if (c == '/' && peek(lx, 1) == '*') {
            uint32_t line = lx->line, col = lx->col;
            size_t depth = 0;
            do {
                if (lx->pos >= lx->len)
                    return lex_fail(lx, line, col, "unterminated comment (expected '*/')");
                if (peek(lx, 0) == '/' && peek(lx, 1) == '*') {
                    adv(lx), adv(lx);
                    depth++;
                } else if (peek(lx, 0) == '*' && peek(lx, 1) == '/') {
                    adv(lx), adv(lx);
                    depth--;
                } else {
                    adv(lx);
                }
            } while (depth);
        } else {
            return true;
        }
    }
}

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_word_char(int c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

/* A label of the component model: words of lowercase letters and digits, or of uppercase
 * letters and digits, each starting with a letter, joined by single '-'. */
static bool check_ident(wit_lexer *lx, const char *s, uint32_t n, uint32_t line, uint32_t col) {
    int shown = n > 64 ? 64 : (int)n;
    const char *more = n > 64 ? "..." : "";
    if (n > WIT_MAX_IDENT)
        return lex_fail(lx, line, col, "identifier '%.*s%s' is longer than %d bytes", shown, s,
                        more, WIT_MAX_IDENT);
    for (uint32_t i = 0; i < n; i++)
        if (s[i] == '_')
            return lex_fail(lx, line, col, "invalid identifier '%.*s%s': '_' is not allowed "
                                           "(words are joined with '-')", shown, s, more);
    for (uint32_t i = 0; i <= n;) {
        uint32_t j = i;
        while (j < n && s[j] != '-') j++;
        if (j == i) {
            if (j == n)
                return lex_fail(lx, line, col, "invalid identifier '%.*s%s': it ends with '-'",
                                shown, s, more);
            return lex_fail(lx, line, col, "invalid identifier '%.*s%s': empty word between '-'",
                            shown, s, more);
        }
        const char *w = s + i;
        int wn = (int)(j - i);
        if (is_digit(w[0]))
            return lex_fail(lx, line, col,
                            "invalid identifier '%.*s%s': the word '%.*s' starts with a digit",
                            shown, s, more, wn, w);
        bool lower = false, upper = false;
        for (int k = 0; k < wn; k++) {
            lower |= w[k] >= 'a' && w[k] <= 'z';
            upper |= w[k] >= 'A' && w[k] <= 'Z';
        }
        if (lower && upper)
            return lex_fail(lx, line, col,
                            "invalid identifier '%.*s%s': the word '%.*s' mixes upper and lower "
                            "case (kebab-case wants one or the other)", shown, s, more, wn, w);
        i = j + 1;
    }
    return true;
}

bool wit_lex_next(wit_lexer *lx, wit_token *t) {
    if (!skip_space(lx)) return false;
    memset(t, 0, sizeof *t);
    t->line = lx->line;
    t->col = lx->col;
    t->text = lx->src + lx->pos;
    t->len = 1;
    int c = peek(lx, 0);
    switch (c) {
    case -1: t->kind = WT_EOF; t->len = 0; return true;
    case '=': t->kind = WT_EQ; break;
    case ',': t->kind = WT_COMMA; break;
    case ':': t->kind = WT_COLON; break;
    case ';': t->kind = WT_SEMI; break;
    case '(': t->kind = WT_LPAREN; break;
    case ')': t->kind = WT_RPAREN; break;
    case '{': t->kind = WT_LBRACE; break;
    case '}': t->kind = WT_RBRACE; break;
    case '<': t->kind = WT_LT; break;
    case '>': t->kind = WT_GT; break;
    case '*': t->kind = WT_STAR; break;
    case '/': t->kind = WT_SLASH; break;
    case '.': t->kind = WT_DOT; break;
    case '@': t->kind = WT_AT; break;
    case '-':
        if (peek(lx, 1) != '>') return lex_fail(lx, t->line, t->col, "unexpected character '-'");
        t->kind = WT_ARROW;
        t->len = 2;
        adv(lx);
        break;
    default: break;
    }
    if (t->kind != WT_EOF) { /* an operator (WT_EOF is 0: nothing matched yet) */
        adv(lx);
        return true;
    }
    if (c == '%') {
        adv(lx);
        if (!is_alpha(peek(lx, 0)))
            return lex_fail(lx, t->line, t->col, "expected an identifier after '%%'");
        t->escaped = true;
        t->text++;
        c = peek(lx, 0);
    }
    if (is_alpha(c) || c == '_') {
        size_t start = lx->pos;
        /* A '-' directly before '>' is the arrow's, not the name's. */
        while (is_word_char(peek(lx, 0)) && !(peek(lx, 0) == '-' && peek(lx, 1) == '>')) adv(lx);
        size_t n = lx->pos - start;
        t->len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        t->kind = WT_ID;
        if (!t->escaped)
            for (int k = WT_FIRST_KEYWORD; k < WT_NKINDS; k++)
                if (strlen(tok_text[k]) == n && memcmp(tok_text[k], t->text, n) == 0) {
                    t->kind = (wit_tok)k;
                    return true;
                }
        return check_ident(lx, t->text, t->len, t->line, t->col);
    }
    if (is_digit(c)) {
        size_t start = lx->pos;
        while (is_digit(peek(lx, 0))) adv(lx);
        size_t n = lx->pos - start;
        t->len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        t->kind = WT_INT;
        return true;
    }
    if (c >= 0x80) {
        uint32_t cp = 0;
        utf8_decode((const unsigned char *)lx->src + lx->pos, lx->len - lx->pos, &cp);
        return lex_fail(lx, t->line, t->col, "unexpected character U+%04X", cp);
    }
    return lex_fail(lx, t->line, t->col, "unexpected character '%c'", c);
}

/* ---- versions ------------------------------------------------------------------------------ */

static bool is_version_char(int c) {
    return is_alpha(c) || is_digit(c) || c == '.' || c == '+' || c == '-';
}

bool wit_lex_version(wit_lexer *lx, wit_token *t) {
    if (!skip_space(lx)) return false;
    memset(t, 0, sizeof *t);
    t->kind = WT_INT;
    t->line = lx->line;
    t->col = lx->col;
    t->text = lx->src + lx->pos;
    size_t n = 0;
    while (lx->pos + n < lx->len && is_version_char((unsigned char)lx->src[lx->pos + n])) n++;
    while (n && lx->src[lx->pos + n - 1] == '.') n--; /* `@1.0.0.{a}`: the '.' is the use's */
    if (n > WIT_MAX_IDENT)
        return lex_fail(lx, t->line, t->col, "version is longer than %d bytes", WIT_MAX_IDENT);
    t->len = (uint32_t)n;
    for (size_t i = 0; i < n; i++) adv(lx);
    return true;
}

/* A dot-separated list of identifiers [0-9A-Za-z-]+; numeric ones without leading zeros when
 * numeric_rule (pre-release); false with why set if not. */
static bool semver_idents(const char *s, size_t n, bool numeric_rule, const char *what,
                          char *why, size_t why_len) {
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        bool numeric = true;
        while (j < n && s[j] != '.') {
            if (!is_alpha(s[j]) && !is_digit(s[j]) && s[j] != '-') {
                snprintf(why, why_len, "unexpected '%c' in the %s", s[j], what);
                return false;
            }
            numeric &= is_digit(s[j]);
            j++;
        }
        if (j == i) {
            snprintf(why, why_len, "empty %s identifier", what);
            return false;
        }
        if (numeric_rule && numeric && j - i > 1 && s[i] == '0') {
            snprintf(why, why_len, "leading zero in the %s identifier '%.*s'", what,
                     (int)(j - i), s + i);
            return false;
        }
        i = j + 1;
    }
    return true;
}

bool wit_semver_check(const char *s, size_t len, char *why, size_t why_len) {
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t start = i;
        while (i < len && is_digit(s[i])) i++;
        if (i == start || (part < 2 && (i >= len || s[i] != '.'))) {
            snprintf(why, why_len, "expected MAJOR.MINOR.PATCH");
            return false;
        }
        if (i - start > 1 && s[start] == '0') {
            snprintf(why, why_len, "leading zero in '%.*s'", (int)(i - start), s + start);
            return false;
        }
        if (part < 2) i++;
    }
    if (i < len && s[i] == '-') { /* pre-release: up to the build's '+' */
        size_t end = i + 1;
        while (end < len && s[end] != '+') end++;
        if (!semver_idents(s + i + 1, end - i - 1, true, "pre-release", why, why_len))
            return false;
        i = end;
    }
    if (i < len && s[i] == '+') {
        if (!semver_idents(s + i + 1, len - i - 1, false, "build", why, why_len)) return false;
        i = len;
    }
    if (i < len) {
        snprintf(why, why_len, "unexpected '%c' after MAJOR.MINOR.PATCH", s[i]);
        return false;
    }
    return true;
}
