/* wit.h: WIT documents (the component model's interface language) parsed and resolved into
 * ct_types: packages, their interfaces (types, functions, resource functions) and worlds (imports,
 * exports, includes). The lexer is wit_lex.c; the grammar and name resolution are wit.c. Turning a
 * world into a component's imports and exports, and the canonical ABI, are other files' business.
 */
#ifndef WEFT_COMPONENT_WIT_H
#define WEFT_COMPONENT_WIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component/ctypes.h"

/* ---- limits on untrusted text ---------------------------------------------------------------- */

#define WIT_MAX_FILE_SIZE (4u << 20)   /* bytes of one .wit file (or of wit_parse's text) */
#define WIT_MAX_TOTAL_SIZE (16u << 20) /* bytes of all files wit_parse_dir reads, deps included */
#define WIT_MAX_FILES 1024             /* .wit files and dependency packages of wit_parse_dir */
#define WIT_MAX_IDENT 256              /* bytes of an identifier, and of a version */
#define WIT_MAX_NESTING 64             /* types nested in one definition (list<list<...>>) */
#define WIT_MAX_TYPE_DEPTH 128         /* depth of any type, counted through the named types it
                                          uses, so that code walking types may recurse */
#define WIT_MAX_ITEMS 10000            /* entries of one list: fields, cases, flags, parameters,
                                          items of an interface or package; imports, exports
                                          and types of one world after its includes */
#define WIT_MAX_INCLUDE_DEPTH 64       /* worlds including worlds including ... */
#define WIT_MAX_WORLD_ITEMS (1u << 20) /* imports, exports and types of all worlds together,
                                          counted after includes (which copy them) */

/* ---- the model --------------------------------------------------------------------------------
 * Everything below lives in the document's ct_arena and stays valid until wit_free. Names are
 * kebab-case as written (without a '%' escape). Positions are 1-based, in characters. */

typedef struct wit_package wit_package;
typedef struct wit_world wit_world;

typedef struct wit_interface {
    const char *name;      /* declared name; for an inline interface, its import/export name */
    const char *qualified; /* "ns:pkg/name@1.2.3" ("ns:pkg/name" without a version); NULL inline */
    const wit_package *package;
    const wit_world *world; /* the world of an inline interface, else NULL */
    /* Named types in declaration order, each with its name: records, variants, enums, flags,
     * resources, `type x = ...` (CT_ALIAS), and types brought in by `use` (CT_ALIAS named as
     * used here, elem the original definition). */
    const ct_type **types;
    uint32_t ntypes;
    /* Functions in declaration order, resource functions where their resource is declared,
     * named as the component model names them: "[constructor]r" (results: own<r>),
     * "[method]r.m" (first parameter `self: borrow<r>`), "[static]r.s". */
    const ct_func *funcs;
    uint32_t nfuncs;
    const struct wit_interface **uses; /* the interfaces its `use`s name, each once */
    uint32_t nuses;
    const char *path; /* file */
    uint32_t line, col;
} wit_interface;

typedef enum wit_item_kind {
    WIT_ITEM_INTERFACE, /* `import ns:pkg/iface;` or `import iface;`: name is the qualified name */
    WIT_ITEM_INLINE,    /* `import name: interface { ... }`: name is the plain name */
    WIT_ITEM_FUNC,      /* `import name: func(...)`: name is the plain name */
} wit_item_kind;

typedef struct wit_world_item {
    wit_item_kind kind;
    const char *name;
    const wit_interface *iface; /* INTERFACE, INLINE */
    const ct_func *func;        /* FUNC (func->name == name) */
    /* An interface imported only because an imported or exported interface (or a `use`) needs
     * its types, as the component model requires; such imports come after the written ones. */
    bool implicit;
    const char *path; /* where it was written (for included items: in the included world) */
    uint32_t line, col;
} wit_world_item;

struct wit_world {
    const char *name;
    const char *qualified; /* "ns:pkg/name@1.2.3" */
    const wit_package *package;
    const wit_world_item *imports; /* written order, items of an `include` where it stands */
    uint32_t nimports;
    const wit_world_item *exports;
    uint32_t nexports;
    const ct_type **types; /* types defined in the world or brought in by `use` or `include` */
    uint32_t ntypes;
    const char *path;
    uint32_t line, col;
};

struct wit_package {
    const char *ns, *name;
    const char *version; /* "1.2.3-rc.1+build", NULL when the package has none */
    const char *id;      /* "ns:name@version" or "ns:name" */
    const wit_interface **interfaces; /* files in name order, then declaration order */
    uint32_t ninterfaces;
    const wit_world **worlds;
    uint32_t nworlds;
};

/* A parsed document: one package, the packages it depends on (deps/ directories, nested
 * `package a:b { ... }` blocks) and the arena that holds them all. */
typedef struct wit_doc {
    const wit_package *package;   /* the main one */
    const wit_package **packages; /* all of them, the main one last */
    uint32_t npackages;
    ct_arena *arena; /* owns everything above; wit_free frees it */
} wit_doc;

/* ---- API ------------------------------------------------------------------------------------- */

/* Parses one WIT file's text (len bytes, not necessarily NUL-terminated, not kept) that declares
 * its package (`package ns:name;`). path is used in messages only (NULL: "<input>"). Returns the
 * document, or NULL with *err set to a malloc'd "path:line:col: message" (the caller frees it;
 * err may be NULL). */
wit_doc *wit_parse(const char *text, size_t len, const char *path, char **err);

/* Reads every `*.wit` file of dir (in name order) as one package, and each dir/deps/NAME/
 * directory and dir/deps/NAME.wit file as a package it may refer to by full name. Errors as for
 * wit_parse; one that is not about a file's text is "path: message". */
wit_doc *wit_parse_dir(const char *dir, char **err);

/* A world of the main package by short name ("my-world"), or any package's by full name
 * ("ns:pkg/my-world" or "ns:pkg/my-world@1.0.0"). NULL when there is none. Borrowed from doc. */
const wit_world *wit_find_world(const wit_doc *doc, const char *name);

/* An interface likewise (inline interfaces are found through their world only). */
const wit_interface *wit_find_interface(const wit_doc *doc, const char *name);

/* Frees the document and everything in it. wit_free(NULL) does nothing. */
void wit_free(wit_doc *doc);

/* ---- the lexer (wit_lex.c), for wit.c ------------------------------------------------------- */

typedef enum wit_tok {
    WT_EOF, WT_ID, WT_INT,
    WT_EQ, WT_COMMA, WT_COLON, WT_SEMI, WT_LPAREN, WT_RPAREN, WT_LBRACE, WT_RBRACE, WT_LT, WT_GT,
    WT_STAR, WT_ARROW, WT_SLASH, WT_DOT, WT_AT,
    /* keywords: a name spelled like one must be written with '%' (%type) */
    WT_USE, WT_TYPE, WT_FUNC, WT_U8, WT_U16, WT_U32, WT_U64, WT_S8, WT_S16, WT_S32, WT_S64,
    WT_F32, WT_F64, WT_FLOAT32, WT_FLOAT64, WT_CHAR, WT_BOOL, WT_STRING, WT_OPTION, WT_RESULT,
    WT_LIST, WT_TUPLE, WT_RESOURCE, WT_OWN, WT_BORROW, WT_RECORD, WT_FLAGS, WT_VARIANT, WT_ENUM,
    WT_FUTURE, WT_STREAM, WT_ERROR_CONTEXT, WT_UNDERSCORE, WT_AS, WT_FROM, WT_STATIC,
    WT_INTERFACE, WT_IMPORT, WT_EXPORT, WT_WORLD, WT_PACKAGE, WT_CONSTRUCTOR, WT_INCLUDE, WT_WITH,
    WT_ASYNC,
    WT_NKINDS
} wit_tok;

#define WT_FIRST_KEYWORD WT_USE

typedef struct wit_token {
    wit_tok kind;
    const char *text; /* WT_ID: the name without its '%'; others: as written */
    uint32_t len;
    bool escaped; /* WT_ID written with '%' */
    uint32_t line, col;
} wit_token;

typedef struct wit_lexer {
    const char *src;
    size_t len, pos;
    uint32_t line, col; /* of src[pos] */
    uint32_t err_line, err_col;
    char err[192]; /* the message of a failed call, without position */
} wit_lexer;

/* Checks the whole text (valid UTF-8; no control characters but tab, CR and LF; no
 * bidirectional overrides) and starts at its beginning; false with lx->err set. */
bool wit_lex_init(wit_lexer *lx, const char *src, size_t len);
/* The next token, comments and whitespace skipped; false with lx->err set. */
bool wit_lex_next(wit_lexer *lx, wit_token *t);
/* After '@' or '=': the raw text of a version (letters, digits, '.', '+', '-'; a trailing '.'
 * left for the parser, as in `@1.0.0.{a}`), possibly empty; not checked. */
bool wit_lex_version(wit_lexer *lx, wit_token *t);
/* Whether s[0..len) is a semantic version (semver.org 2.0); if not, why (a phrase). */
bool wit_semver_check(const char *s, size_t len, char *why, size_t why_len);
/* How a token kind is written: "{", "->", "record"; "end of file" for WT_EOF. */
const char *wit_tok_text(wit_tok k);

#endif
