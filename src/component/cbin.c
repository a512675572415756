/* cbin.c: the component binary format (version 0x0d) into cbin_component: sections, index spaces,
 * aliases, canon definitions, imports and exports, and component-level types as ct_type/ct_func.
 *
 * Everything decoded lives in one ct_arena that the top component owns, so failure at any point
 * frees it all at once. Every count is checked against a named limit and the bytes left before
 * anything is allocated; recursion (nested components, component and instance types) is bounded
 * by CBIN_MAX_DEPTH. Instantiation, linking and type matching are not here.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "component/cbin.h"
#include "wasm/error.h"
#include "wasm/reader.h"

/* ---- decoder state --------------------------------------------------------------------------- */

typedef struct decoder {
    reader r;
    load_error err;
    ct_arena *arena;
    uint32_t nitems;      /* definitions so far, against CBIN_MAX_ITEMS */
    int64_t work_left;    /* against CBIN_MAX_WORK */
    int section;          /* id of the section being read; -1 in a preamble */
    uint32_t depth;       /* component nesting of the section being read */
} decoder;

/* An index scope: a component (whose spaces are the component's arrays), or the declarations of
 * a component or instance type (which have spaces of their own, mostly counted only). Outer
 * aliases walk the chain. */
typedef struct scope {
    struct scope *outer;
    uint32_t depth;
    cbin_component *c;                 /* component scope */
    uint32_t cap[CBIN_NSORTS];         /* component scope: capacity of each array */
    uint32_t cap_imports, cap_exports, cap_starts, cap_customs, cap_defs;
    /* declaration scope */
    cbin_type **types;
    uint32_t ntypes, cap_types;
    const cbin_core_type **core_types;
    uint32_t ncore_types, cap_core_types;
    const cbin_type **instances;
    uint32_t ninstances, cap_instances;
    uint32_t count[CBIN_NSORTS];       /* the other sorts */
    cbin_decl *imports, *exports;
    uint32_t nimports, nexports, cap_dimports, cap_dexports;
} scope;

enum { NAMED_NONE, NAMED_IMPORT, NAMED_EXPORT };

#define MALFORMED(d, ...) return rd_malformed(&(d)->r, __VA_ARGS__)
#define INVALID(d, ...) return rd_invalid(&(d)->r, __VA_ARGS__)
#define UNSUPPORTED(d, ...) return rd_fail(&(d)->r, WEFT_ERR_UNSUPPORTED, __VA_ARGS__)
#define NOMEM(d) return rd_fail(&(d)->r, WEFT_ERR_NOMEM, "out of memory")

static const char *const section_names[] = {
    "custom", "core module", "core instance", "core type", "component", "instance",
    "alias", "type", "canon", "start", "import", "export", "value",
};

const char *cbin_sort_name(cbin_sort s) {
    static const char *const names[] = {
        "core func", "core table", "core memory", "core global", "core type", "core module",
        "core instance", "func", "value", "type", "component", "instance",
    };
    return (unsigned)s < CBIN_NSORTS ? names[s] : "?";
}

/* ---- allocation ------------------------------------------------------------------------------ */

static void *alloc(decoder *d, size_t n) {
    void *p = ct_alloc(d->arena, n);
    if (!p) rd_error(&d->r, rd_offset(&d->r), WEFT_ERR_NOMEM, "out of memory");
    return p;
}

/* Grows an arena array to hold need elements (doubling; the old copy stays in the arena). */
static bool grow(decoder *d, void **arr, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint32_t nc = *cap ? *cap : 4;
    while (nc < need) nc *= 2;
    void *p = alloc(d, (size_t)nc * elem);
    if (!p) return false;
    if (*cap) memcpy(p, *arr, (size_t)*cap * elem);
    *arr = p;
    *cap = nc;
    return true;
}

#define GROW(d, arr, cap, need) grow((d), (void **)&(arr), &(cap), (need), sizeof *(arr))

static bool count_item(decoder *d) {
    if (++d->nitems > CBIN_MAX_ITEMS)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "more than %u definitions (CBIN_MAX_ITEMS)",
                       CBIN_MAX_ITEMS);
    return true;
}

static bool spend(decoder *d, uint64_t units) {
    d->work_left -= (int64_t)(units < (uint64_t)CBIN_MAX_WORK ? units : (uint64_t)CBIN_MAX_WORK);
    if (d->work_left < 0)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "more than %lld steps resolving names (CBIN_MAX_WORK)",
                       (long long)CBIN_MAX_WORK);
    return true;
}

/* ---- small readers --------------------------------------------------------------------------- */

static bool read_count(decoder *d, uint32_t limit, const char *what, uint32_t *n) {
    if (!rd_u32(&d->r, n)) return false;
    if (*n > limit)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "too many %s (%u, limit %u)", what, *n, limit);
    if (*n > rd_left(&d->r))
        MALFORMED(d, "%u %s declared but only %zu bytes left", *n, what, rd_left(&d->r));
    return true;
}

static bool valid_utf8(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (c < 0xC2 || c > 0xF4 || n - i < len) return false;
        uint32_t cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* A name: UTF-8 without NUL bytes, copied into the arena NUL-terminated. */
static bool read_name(decoder *d, const char **out) {
    uint32_t len;
    const uint8_t *p;
    if (!rd_u32(&d->r, &len)) return false;
    if (len > CBIN_MAX_NAME_LEN)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "name of %u bytes (limit %u)", len,
                       CBIN_MAX_NAME_LEN);
    size_t at = rd_offset(&d->r);
    if (!rd_bytes(&d->r, len, &p)) return false;
    if (!valid_utf8(p, len))
        return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED, "name is not valid UTF-8");
    if (memchr(p, 0, len))
        return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED, "name contains a NUL byte");
    char *s = ct_strndup(d->arena, (const char *)p, len);
    if (!s) NOMEM(d);
    *out = s;
    return true;
}

/* importname' and exportname': a discriminant byte, then the name. wit-component writes 0x00;
 * 0x01 (an older encoding of interface names) is accepted too. */
static bool read_extern_name(decoder *d, const char **out) {
    uint8_t b;
    if (!rd_byte(&d->r, &b)) return false;
    if (b > 1) {
        d->r.p--;
        MALFORMED(d, "unknown import/export name discriminant 0x%02x", b);
    }
    return read_name(d, out);
}

static bool read_core_sort(decoder *d, cbin_sort *s) {
    uint8_t b;
    if (!rd_byte(&d->r, &b)) return false;
    switch (b) {
    case 0x00: *s = CBIN_CORE_FUNC; return true;
    case 0x01: *s = CBIN_CORE_TABLE; return true;
    case 0x02: *s = CBIN_CORE_MEMORY; return true;
    case 0x03: *s = CBIN_CORE_GLOBAL; return true;
    case 0x10: *s = CBIN_CORE_TYPE; return true;
    case 0x11: *s = CBIN_CORE_MODULE; return true;
    case 0x12: *s = CBIN_CORE_INSTANCE; return true;
    }
    d->r.p--;
    MALFORMED(d, "unknown core sort 0x%02x", b);
}

static bool read_sort(decoder *d, cbin_sort *s) {
    uint8_t b;
    if (!rd_byte(&d->r, &b)) return false;
    switch (b) {
    case 0x00: return read_core_sort(d, s);
    case 0x01: *s = CBIN_FUNC; return true;
    case 0x02: *s = CBIN_VALUE; return true;
    case 0x03: *s = CBIN_TYPE; return true;
    case 0x04: *s = CBIN_COMPONENT; return true;
    case 0x05: *s = CBIN_INSTANCE; return true;
    }
    d->r.p--;
    MALFORMED(d, "unknown sort 0x%02x", b);
}

/* ---- index spaces ---------------------------------------------------------------------------- */

static void *space_of(cbin_component *c, cbin_sort s, uint32_t **n, size_t *size) {
#define SPACE(arr, cnt) *n = &c->cnt; *size = sizeof *c->arr; return &c->arr
    switch (s) {
    case CBIN_CORE_FUNC: SPACE(core_funcs, ncore_funcs);
    case CBIN_CORE_TABLE: SPACE(core_tables, ncore_tables);
    case CBIN_CORE_MEMORY: SPACE(core_memories, ncore_memories);
    case CBIN_CORE_GLOBAL: SPACE(core_globals, ncore_globals);
    case CBIN_CORE_TYPE: SPACE(core_types, ncore_types);
    case CBIN_CORE_MODULE: SPACE(core_modules, ncore_modules);
    case CBIN_CORE_INSTANCE: SPACE(core_instances, ncore_instances);
    case CBIN_FUNC: SPACE(funcs, nfuncs);
    case CBIN_VALUE: SPACE(values, nvalues);
    case CBIN_TYPE: SPACE(types, ntypes);
    case CBIN_COMPONENT: SPACE(components, ncomponents);
    case CBIN_INSTANCE: SPACE(instances, ninstances);
    default: break;
    }
#undef SPACE
    *n = NULL;
    *size = 0;
    return NULL;
}

uint32_t cbin_count(const cbin_component *c, cbin_sort s) {
    uint32_t *n;
    size_t size;
    return c && space_of((cbin_component *)c, s, &n, &size) ? *n : 0;
}

const cbin_origin *cbin_origin_of(const cbin_component *c, cbin_sort s, uint32_t i) {
    uint32_t *n;
    size_t size;
    void **arr = c ? space_of((cbin_component *)c, s, &n, &size) : NULL;
    if (!arr || i >= *n) return NULL;
    return (const cbin_origin *)((const char *)*arr + (size_t)i * size); /* o is the first member */
}

const cbin_type *cbin_item_type(const cbin_component *c, cbin_sort s, uint32_t i) {
    if (!c || i >= cbin_count(c, s)) return NULL;
    switch (s) {
    case CBIN_FUNC: return c->funcs[i].type;
    case CBIN_VALUE: return c->values[i].type;
    case CBIN_TYPE: return c->types[i].type;
    case CBIN_COMPONENT: return c->components[i].type;
    case CBIN_INSTANCE: return c->instances[i].type;
    default: return NULL;
    }
}

static bool add_def(decoder *d, scope *s, cbin_sort sort, uint32_t index) {
    cbin_component *c = s->c;
    if (!GROW(d, c->defs, s->cap_defs, c->ndefs + 1)) return false;
    c->defs[c->ndefs++] = (cbin_def){sort, index};
    return true;
}

/* A new zeroed item at the end of a component's space; its origin is set. */
static void *push_item(decoder *d, scope *s, cbin_sort sort, cbin_how how, uint32_t offset) {
    uint32_t *n;
    size_t size;
    void **arr = space_of(s->c, sort, &n, &size);
    if (!count_item(d) || !grow(d, arr, &s->cap[sort], *n + 1, size)) return NULL;
    cbin_origin *o = (cbin_origin *)((char *)*arr + (size_t)*n * size);
    memset(o, 0, size);
    o->how = how;
    o->offset = offset;
    if (!add_def(d, s, sort, *n)) return NULL;
    (*n)++;
    return o;
}

static uint32_t scope_count(const scope *s, cbin_sort sort) {
    if (s->c) return cbin_count(s->c, sort);
    switch (sort) {
    case CBIN_TYPE: return s->ntypes;
    case CBIN_CORE_TYPE: return s->ncore_types;
    case CBIN_INSTANCE: return s->ninstances;
    default: return s->count[sort];
    }
}

static bool check_index(decoder *d, const scope *s, cbin_sort sort, uint32_t idx) {
    uint32_t n = scope_count(s, sort);
    if (idx >= n) INVALID(d, "unknown %s %u (%u defined)", cbin_sort_name(sort), idx, n);
    return true;
}

/* Reads an index of the given sort and checks it; a bad one is reported where it starts. */
static bool read_index(decoder *d, const scope *s, cbin_sort sort, uint32_t *idx) {
    size_t at = rd_offset(&d->r);
    if (!rd_u32(&d->r, idx)) return false;
    uint32_t n = scope_count(s, sort);
    if (*idx >= n)
        return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "unknown %s %u (%u defined)",
                          cbin_sort_name(sort), *idx, n);
    return true;
}

/* The type at index idx of a scope (index already checked). */
static cbin_type *scope_type(const scope *s, uint32_t idx) {
    return s->c ? (cbin_type *)s->c->types[idx].type : s->types[idx];
}

static const cbin_core_type *scope_core_type(const scope *s, uint32_t idx) {
    return s->c ? s->c->core_types[idx].type : s->core_types[idx];
}

static const cbin_type *scope_instance_type(const scope *s, uint32_t idx) {
    return s->c ? s->c->instances[idx].type : s->instances[idx];
}

static bool get_type(decoder *d, const scope *s, uint32_t idx, cbin_type **out) {
    if (!check_index(d, s, CBIN_TYPE, idx)) return false;
    if (!(*out = scope_type(s, idx))) INVALID(d, "type %u cannot be known here", idx);
    return true;
}

static const char *type_kind_name(cbin_type_kind k) {
    switch (k) {
    case CBIN_TYPE_VALUE: return "value type";
    case CBIN_TYPE_FUNC: return "func type";
    case CBIN_TYPE_RESOURCE: return "resource type";
    case CBIN_TYPE_COMPONENT: return "component type";
    case CBIN_TYPE_INSTANCE: return "instance type";
    }
    return "?";
}

static bool get_type_of(decoder *d, const scope *s, uint32_t idx, cbin_type_kind kind,
                        cbin_type **out) {
    if (!get_type(d, s, idx, out)) return false;
    if ((*out)->kind != kind)
        INVALID(d, "type %u is a %s, not a %s", idx, type_kind_name((*out)->kind),
                type_kind_name(kind));
    return true;
}

/* Adds an index to a declaration scope's space. */
static bool decl_push(decoder *d, scope *s, cbin_sort sort, cbin_type *type,
                      const cbin_core_type *ct) {
    if (!count_item(d)) return false;
    switch (sort) {
    case CBIN_TYPE:
        if (!GROW(d, s->types, s->cap_types, s->ntypes + 1)) return false;
        s->types[s->ntypes++] = type;
        return true;
    case CBIN_CORE_TYPE:
        if (!GROW(d, s->core_types, s->cap_core_types, s->ncore_types + 1)) return false;
        s->core_types[s->ncore_types++] = ct;
        return true;
    case CBIN_INSTANCE:
        if (!GROW(d, s->instances, s->cap_instances, s->ninstances + 1)) return false;
        s->instances[s->ninstances++] = type;
        return true;
    default:
        s->count[sort]++;
        return true;
    }
}

/* ---- core types ------------------------------------------------------------------------------ */

static bool read_core_valtype(decoder *d) {
    uint8_t b;
    if (!rd_byte(&d->r, &b)) return false;
    switch (b) {
    case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F: return true;
    case 0x64: case 0x63: d->r.p--; UNSUPPORTED(d, "GC reference types are not supported");
    }
    d->r.p--;
    MALFORMED(d, "unknown core value type 0x%02x", b);
}

static bool read_core_limits(decoder *d, uint8_t allowed_flags) {
    uint8_t flag;
    uint32_t v;
    if (!rd_byte(&d->r, &flag)) return false;
    if (flag & ~allowed_flags) {
        d->r.p--;
        if (flag & 0x04) UNSUPPORTED(d, "64-bit memories and tables are not supported");
        MALFORMED(d, "unknown limits flags 0x%02x", flag);
    }
    if (!rd_u32(&d->r, &v)) return false;
    return !(flag & 1) || rd_u32(&d->r, &v);
}

/* core:importdesc; ntypes is the core type space it may refer to. */
static bool read_core_importdesc(decoder *d, uint32_t ntypes, cbin_core_decl *cd) {
    uint8_t b, mut;
    if (!rd_byte(&d->r, &b)) return false;
    cd->kind = b;
    switch (b) {
    case 0x00:
        if (!rd_u32(&d->r, &cd->type)) return false;
        if (cd->type >= ntypes) INVALID(d, "unknown core type %u (%u defined)", cd->type, ntypes);
        return true;
    case 0x01: {
        uint8_t rt;
        if (!rd_byte(&d->r, &rt)) return false;
        if (rt != 0x70 && rt != 0x6F) {
            d->r.p--;
            MALFORMED(d, "unknown reference type 0x%02x", rt);
        }
        return read_core_limits(d, 0x01);
    }
    case 0x02: return read_core_limits(d, 0x03);
    case 0x03:
        if (!read_core_valtype(d) || !rd_byte(&d->r, &mut)) return false;
        if (mut > 1) MALFORMED(d, "unknown global mutability 0x%02x", mut);
        return true;
    case 0x04: d->r.p--; UNSUPPORTED(d, "exception tags are not supported");
    }
    d->r.p--;
    MALFORMED(d, "unknown core import kind 0x%02x", b);
}

static bool read_core_type(decoder *d, scope *s, cbin_core_type *ct, bool in_module_type);

/* core:moduletype (after 0x50): imports and exports are kept, local types and aliases counted. */
static bool read_module_type(decoder *d, scope *s, cbin_core_type *ct) {
    uint32_t n, nlocal = 0;
    if (!read_count(d, CBIN_MAX_DECLS, "module type declarations", &n)) return false;
    cbin_core_decl *decls = alloc(d, (size_t)(n ? n : 1) * sizeof *decls);
    if (!decls) return false;
    ct->is_module = true;
    ct->decls = decls;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        if (!rd_byte(&d->r, &b)) return false;
        switch (b) {
        case 0x00: { /* import */
            cbin_core_decl *cd = &decls[ct->ndecls++];
            if (!read_name(d, &cd->module) || !read_name(d, &cd->name) ||
                !read_core_importdesc(d, nlocal, cd))
                return false;
            break;
        }
        case 0x01: { /* type */
            cbin_core_type inner = {0};
            if (!read_core_type(d, s, &inner, true)) return false;
            nlocal++;
            break;
        }
        case 0x02: { /* alias: only outer type aliases */
            cbin_sort sort;
            uint8_t t;
            uint32_t count, idx;
            if (!read_core_sort(d, &sort) || !rd_byte(&d->r, &t)) return false;
            if (sort != CBIN_CORE_TYPE || t != 0x01)
                INVALID(d, "a module type may only alias outer core types");
            if (!rd_u32(&d->r, &count) || !rd_u32(&d->r, &idx)) return false;
            if (count == 0) {
                if (idx >= nlocal) INVALID(d, "unknown core type %u (%u defined)", idx, nlocal);
            } else {
                const scope *o = s;
                for (uint32_t k = 1; o && k < count; k++) o = o->outer;
                if (!o) INVALID(d, "outer alias count %u beyond the enclosing scopes", count);
                if (!check_index(d, o, CBIN_CORE_TYPE, idx)) return false;
                if (!scope_core_type(o, idx) || scope_core_type(o, idx)->is_module)
                    INVALID(d, "a module type may not alias a module type");
            }
            nlocal++;
            break;
        }
        case 0x03: { /* export */
            cbin_core_decl *cd = &decls[ct->ndecls++];
            if (!read_name(d, &cd->name) || !read_core_importdesc(d, nlocal, cd)) return false;
            break;
        }
        default:
            d->r.p--;
            MALFORMED(d, "unknown module type declaration 0x%02x", b);
        }
    }
    return true;
}

static bool read_core_type(decoder *d, scope *s, cbin_core_type *ct, bool in_module_type) {
    uint8_t b;
    if (!rd_byte(&d->r, &b)) return false;
    switch (b) {
    case 0x60: {
        uint32_t n;
        if (!read_count(d, CBIN_MAX_CORE_PARAMS, "core parameters", &n)) return false;
        ct->params = d->r.p; /* every accepted core value type is one byte */
        ct->nparams = n;
        for (uint32_t i = 0; i < n; i++)
            if (!read_core_valtype(d)) return false;
        if (!read_count(d, CBIN_MAX_CORE_PARAMS, "core results", &n)) return false;
        ct->results = d->r.p;
        ct->nresults = n;
        for (uint32_t i = 0; i < n; i++)
            if (!read_core_valtype(d)) return false;
        return true;
    }
    case 0x50:
        if (in_module_type) {
            d->r.p--;
            INVALID(d, "a module type inside a module type");
        }
        return read_module_type(d, s, ct);
    case 0x4E: case 0x4F: case 0x5E: case 0x5F:
        d->r.p--;
        UNSUPPORTED(d, "GC core types (0x%02x) are not supported", b);
    }
    d->r.p--;
    MALFORMED(d, "unknown core type form 0x%02x", b);
}

/* ---- component types ------------------------------------------------------------------------- */

static cbin_type *new_type(decoder *d, cbin_type_kind kind) {
    cbin_type *t = alloc(d, sizeof *t);
    if (t) t->kind = kind;
    return t;
}

/* Gives a type the name of an import or export. A type without a name takes it in place, so
 * everything that refers to the type sees the name (an export's name wins over an import's);
 * a primitive or a type named otherwise gets a CT_ALIAS of that name. Resources keep their
 * identity: they are named in place or not at all. Other types (func, instance, component) have
 * no names. */
static cbin_type *name_type(decoder *d, cbin_type *t, const char *name, bool export) {
    if (t->kind != CBIN_TYPE_VALUE && t->kind != CBIN_TYPE_RESOURCE) return t;
    ct_type *v = (ct_type *)t->val;
    bool prim = v->kind <= CT_STRING;
    if (!prim && (!v->name || (export && t->named_by == NAMED_IMPORT))) {
        v->name = name;
        t->named_by = export ? NAMED_EXPORT : NAMED_IMPORT;
        return t;
    }
    if (t->kind == CBIN_TYPE_RESOURCE || (v->name && strcmp(v->name, name) == 0)) return t;
    ct_type *a = ct_new(d->arena, CT_ALIAS);
    cbin_type *nt = new_type(d, CBIN_TYPE_VALUE);
    if (!a || !nt) {
        rd_error(&d->r, rd_offset(&d->r), WEFT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    a->name = name;
    a->elem = v;
    nt->val = a;
    nt->named_by = export ? NAMED_EXPORT : NAMED_IMPORT;
    return nt;
}

/* valtype: a primitive (one byte, 0x73..0x7f), or a type index as a non-negative s33. */
static bool read_valtype(decoder *d, const scope *s, const ct_type **out) {
    if (rd_eof(&d->r)) MALFORMED(d, "unexpected end");
    uint8_t b = *d->r.p;
    if (b >= 0x73 && b <= 0x7F) {
        d->r.p++;
        *out = ct_prim(d->arena, (ct_kind)(0x7F - b));
        return true;
    }
    if (b >= 0x40 && b <= 0x72) MALFORMED(d, "0x%02x is not a value type", b);
    size_t at = rd_offset(&d->r);
    int64_t v;
    if (!rd_sleb(&d->r, 33, &v)) return false;
    if (v < 0) return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED, "negative type index");
    cbin_type *t;
    if (!get_type(d, s, (uint32_t)v, &t)) return false;
    if (t->kind != CBIN_TYPE_VALUE)
        return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "type %u is a %s, not a value type",
                          (uint32_t)v, type_kind_name(t->kind));
    *out = t->val;
    return true;
}

/* <T>?: 0x00 (none) or 0x01 T. */
static bool read_opt_valtype(decoder *d, const scope *s, const ct_type **out) {
    uint8_t b;
    if (!rd_byte(&d->r, &b)) return false;
    *out = NULL;
    if (b == 0) return true;
    if (b != 1) {
        d->r.p--;
        MALFORMED(d, "bad optional value type flag 0x%02x", b);
    }
    return read_valtype(d, s, out);
}

static bool read_fields(decoder *d, const scope *s, const char *what, bool names, bool types,
                        ct_type *t) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_FIELDS, what, &n)) return false;
    if (n == 0) MALFORMED(d, "%s: none declared (at least one is required)", what);
    if (!(t->fields = alloc(d, (size_t)n * sizeof *t->fields))) return false;
    t->nfields = n;
    for (uint32_t i = 0; i < n; i++) {
        if (names && !read_name(d, &t->fields[i].name)) return false;
        if (types && !read_valtype(d, s, &t->fields[i].type)) return false;
    }
    return true;
}

static bool read_variant_cases(decoder *d, const scope *s, ct_type *t) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_FIELDS, "variant cases", &n)) return false;
    if (n == 0) MALFORMED(d, "variant cases: none declared (at least one is required)");
    if (!(t->fields = alloc(d, (size_t)n * sizeof *t->fields))) return false;
    t->nfields = n;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t refines;
        if (!read_name(d, &t->fields[i].name) || !read_opt_valtype(d, s, &t->fields[i].type) ||
            !rd_byte(&d->r, &refines))
            return false;
        if (refines == 1) { /* an old `refines` clause: the index of an earlier case, ignored */
            uint32_t k;
            if (!rd_u32(&d->r, &k)) return false;
            if (k >= i) INVALID(d, "variant case %u refines case %u", i, k);
        } else if (refines != 0) {
            d->r.p--;
            MALFORMED(d, "bad variant case terminator 0x%02x", refines);
        }
    }
    return true;
}

static bool read_named_list(decoder *d, const scope *s, const char *what, ct_field **out,
                            uint32_t *nout) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_PARAMS, what, &n)) return false;
    ct_field *f = alloc(d, (size_t)(n ? n : 1) * sizeof *f);
    if (!f) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!read_name(d, &f[i].name) || !read_valtype(d, s, &f[i].type)) return false;
    *out = f;
    *nout = n;
    return true;
}

static bool read_functype(decoder *d, const scope *s, ct_func *f) {
    uint8_t b;
    if (!read_named_list(d, s, "parameters", &f->params, &f->nparams)) return false;
    if (!rd_byte(&d->r, &b)) return false;
    if (b == 0x00) {
        if (!(f->results = alloc(d, sizeof *f->results))) return false;
        f->nresults = 1;
        return read_valtype(d, s, &f->results[0].type);
    }
    if (b == 0x01) return read_named_list(d, s, "named results", &f->results, &f->nresults);
    d->r.p--;
    MALFORMED(d, "unknown result list form 0x%02x", b);
}

/* defvaltype after its opcode byte b (not a primitive). */
static bool read_defvaltype(decoder *d, const scope *s, uint8_t b, cbin_type *out) {
    static const ct_kind kinds[] = {
        [0x72] = CT_RECORD, [0x71] = CT_VARIANT, [0x70] = CT_LIST, [0x6F] = CT_TUPLE,
        [0x6E] = CT_FLAGS, [0x6D] = CT_ENUM, [0x6B] = CT_OPTION, [0x6A] = CT_RESULT,
        [0x69] = CT_OWN, [0x68] = CT_BORROW,
    };
    ct_type *t = ct_new(d->arena, kinds[b]);
    if (!t) NOMEM(d);
    out->kind = CBIN_TYPE_VALUE;
    out->val = t;
    switch (b) {
    case 0x72: return read_fields(d, s, "record fields", true, true, t);
    case 0x71: return read_variant_cases(d, s, t);
    case 0x70: case 0x6B: return read_valtype(d, s, &t->elem);
    case 0x6F: return read_fields(d, s, "tuple elements", false, true, t);
    case 0x6E: return read_fields(d, s, "flags", true, false, t);
    case 0x6D: return read_fields(d, s, "enum cases", true, false, t);
    case 0x6A: return read_opt_valtype(d, s, &t->ok) && read_opt_valtype(d, s, &t->err);
    case 0x69: case 0x68: {
        uint32_t idx;
        cbin_type *rt;
        if (!rd_u32(&d->r, &idx) || !get_type(d, s, idx, &rt)) return false;
        if (rt->kind != CBIN_TYPE_RESOURCE)
            INVALID(d, "%s of type %u, a %s, not a resource", b == 0x69 ? "own" : "borrow", idx,
                    type_kind_name(rt->kind));
        t->elem = rt->val;
        return true;
    }
    }
    return false;
}

static bool read_decls(decoder *d, scope *s, bool component, cbin_type *out);

/* deftype: a value type, function type, component or instance type, or (in a component's own
 * type section only) a resource type. */
static bool read_deftype(decoder *d, scope *s, cbin_type **out) {
    uint8_t b;
    size_t at = rd_offset(&d->r);
    if (!rd_byte(&d->r, &b)) return false;
    cbin_type *t = new_type(d, CBIN_TYPE_VALUE);
    if (!t) return false;
    *out = t;
    if (b >= 0x73 && b <= 0x7F) {
        t->val = ct_prim(d->arena, (ct_kind)(0x7F - b));
        return true;
    }
    if (b >= 0x68 && b <= 0x72 && b != 0x6C) return read_defvaltype(d, s, b, t);
    switch (b) {
    case 0x40: {
        ct_func *f = alloc(d, sizeof *f);
        if (!f) return false;
        t->kind = CBIN_TYPE_FUNC;
        t->func = f;
        return read_functype(d, s, f);
    }
    case 0x41: case 0x42: {
        if (s->depth + 1 > CBIN_MAX_DEPTH)
            return rd_fail_at(&d->r, at, WEFT_ERR_LIMIT,
                              "types nested deeper than %u (CBIN_MAX_DEPTH)", CBIN_MAX_DEPTH);
        t->kind = b == 0x41 ? CBIN_TYPE_COMPONENT : CBIN_TYPE_INSTANCE;
        scope inner = {.outer = s, .depth = s->depth + 1};
        return read_decls(d, &inner, b == 0x41, t);
    }
    case 0x3F: {
        uint8_t rep, has;
        if (!s->c)
            return rd_fail_at(&d->r, at, WEFT_ERR_INVALID,
                              "resource type defined inside a component or instance type");
        if (!rd_byte(&d->r, &rep) || !rd_byte(&d->r, &has)) return false;
        if (rep != 0x7F) MALFORMED(d, "resource representation 0x%02x (only i32, 0x7f)", rep);
        t->kind = CBIN_TYPE_RESOURCE;
        if (!(t->val = ct_new(d->arena, CT_RESOURCE))) NOMEM(d);
        if (has == 1) {
            if (!read_index(d, s, CBIN_CORE_FUNC, &t->dtor)) return false;
            t->has_dtor = true;
        } else if (has != 0) {
            d->r.p--;
            MALFORMED(d, "bad destructor flag 0x%02x", has);
        }
        return true;
    }
    case 0x66: case 0x65: case 0x64: case 0x43: case 0x3E:
        return rd_fail_at(&d->r, at, WEFT_ERR_UNSUPPORTED,
                          "async types and functions (0x%02x) are not supported", b);
    case 0x67:
        return rd_fail_at(&d->r, at, WEFT_ERR_UNSUPPORTED, "fixed-size lists are not supported");
    }
    return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED, "unknown type form 0x%02x", b);
}

/* ---- extern descriptors ---------------------------------------------------------------------- */

typedef struct extdesc {
    cbin_sort sort;
    cbin_type *type;
    const cbin_core_type *core_type;
    uint32_t type_index;
    bool sub_resource;
} extdesc;

static bool read_externdesc(decoder *d, scope *s, extdesc *e) {
    uint8_t b;
    memset(e, 0, sizeof *e);
    e->type_index = UINT32_MAX;
    if (!rd_byte(&d->r, &b)) return false;
    switch (b) {
    case 0x00: {
        uint8_t m;
        if (!rd_byte(&d->r, &m)) return false;
        if (m != 0x11) MALFORMED(d, "core extern descriptor 0x%02x (only core module, 0x11)", m);
        e->sort = CBIN_CORE_MODULE;
        if (!read_index(d, s, CBIN_CORE_TYPE, &e->type_index)) return false;
        e->core_type = scope_core_type(s, e->type_index);
        if (!e->core_type || !e->core_type->is_module)
            INVALID(d, "core type %u is not a module type", e->type_index);
        return true;
    }
    case 0x01:
        e->sort = CBIN_FUNC;
        return rd_u32(&d->r, &e->type_index) &&
               get_type_of(d, s, e->type_index, CBIN_TYPE_FUNC, &e->type);
    case 0x02:
        d->r.p--;
        UNSUPPORTED(d, "value imports and exports are not supported");
    case 0x03: {
        uint8_t bound;
        e->sort = CBIN_TYPE;
        if (!rd_byte(&d->r, &bound)) return false;
        if (bound == 0x00)
            return rd_u32(&d->r, &e->type_index) && get_type(d, s, e->type_index, &e->type);
        if (bound != 0x01) {
            d->r.p--;
            MALFORMED(d, "unknown type bound 0x%02x", bound);
        }
        e->sub_resource = true;
        if (!(e->type = new_type(d, CBIN_TYPE_RESOURCE))) return false;
        if (!(e->type->val = ct_new(d->arena, CT_RESOURCE))) NOMEM(d);
        e->type->abstract = true;
        return true;
    }
    case 0x04:
        e->sort = CBIN_COMPONENT;
        return rd_u32(&d->r, &e->type_index) &&
               get_type_of(d, s, e->type_index, CBIN_TYPE_COMPONENT, &e->type);
    case 0x05:
        e->sort = CBIN_INSTANCE;
        return rd_u32(&d->r, &e->type_index) &&
               get_type_of(d, s, e->type_index, CBIN_TYPE_INSTANCE, &e->type);
    }
    d->r.p--;
    MALFORMED(d, "unknown extern descriptor 0x%02x", b);
}

/* The declaration named name (of the wanted sort) in an instance or component type's exports;
 * *out NULL when the type is not known. */
static bool find_decl(decoder *d, const cbin_type *it, const char *what, uint32_t idx,
                      const char *name, cbin_sort sort, const cbin_decl **out) {
    *out = NULL;
    if (!it) return true;
    if (!spend(d, it->nexports)) return false;
    const cbin_decl *e = cbin_type_export(it, name);
    if (!e) INVALID(d, "%s %u has no export named \"%s\"", what, idx, name);
    if (e->sort != sort)
        INVALID(d, "%s %u exports \"%s\" as a %s, not a %s", what, idx, name,
                cbin_sort_name(e->sort), cbin_sort_name(sort));
    *out = e;
    return true;
}

/* ---- component and instance type declarations ------------------------------------------------ */

static bool add_decl(decoder *d, scope *s, bool import, const char *name, const extdesc *e) {
    cbin_decl **arr = import ? &s->imports : &s->exports;
    uint32_t *n = import ? &s->nimports : &s->nexports;
    uint32_t *cap = import ? &s->cap_dimports : &s->cap_dexports;
    if (*n >= CBIN_MAX_DECLS)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "more than %u declarations (CBIN_MAX_DECLS)",
                       CBIN_MAX_DECLS);
    if (!grow(d, (void **)arr, cap, *n + 1, sizeof **arr)) return false;
    cbin_type *t = e->type;
    if (e->sort == CBIN_TYPE && t && !(t = name_type(d, t, name, !import))) return false;
    (*arr)[(*n)++] = (cbin_decl){name, e->sort, t, e->core_type};
    return decl_push(d, s, e->sort, t, NULL);
}

static bool read_alias_target(decoder *d, scope *s, cbin_sort sort, cbin_origin *o,
                              const cbin_type **type, const cbin_core_type **core_type);

static bool read_decls(decoder *d, scope *s, bool component, cbin_type *out) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_DECLS, component ? "component type declarations" :
                    "instance type declarations", &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        if (!rd_byte(&d->r, &b)) return false;
        switch (b) {
        case 0x00: {
            cbin_core_type *ct = alloc(d, sizeof *ct);
            if (!ct || !read_core_type(d, s, ct, false) ||
                !decl_push(d, s, CBIN_CORE_TYPE, NULL, ct))
                return false;
            break;
        }
        case 0x01: {
            cbin_type *t;
            if (!read_deftype(d, s, &t) || !decl_push(d, s, CBIN_TYPE, t, NULL)) return false;
            break;
        }
        case 0x02: {
            cbin_sort sort;
            cbin_origin o;
            const cbin_type *t = NULL;
            const cbin_core_type *ct = NULL;
            if (!read_sort(d, &sort) || !read_alias_target(d, s, sort, &o, &t, &ct) ||
                !decl_push(d, s, sort, (cbin_type *)t, ct))
                return false;
            break;
        }
        case 0x03: case 0x04: {
            const char *name;
            extdesc e;
            if (b == 0x03 && !component) {
                d->r.p--;
                INVALID(d, "import declared in an instance type");
            }
            if (!read_extern_name(d, &name) || !read_externdesc(d, s, &e) ||
                !add_decl(d, s, b == 0x03, name, &e))
                return false;
            break;
        }
        default:
            d->r.p--;
            MALFORMED(d, "unknown %s type declaration 0x%02x", component ? "component" : "instance",
                      b);
        }
    }
    out->imports = s->imports;
    out->nimports = s->nimports;
    out->exports = s->exports;
    out->nexports = s->nexports;
    return true;
}

/* ---- aliases --------------------------------------------------------------------------------- */

/* aliastarget for an alias of the given sort, in a component or declaration scope: fills the
 * origin and, where known, the type of the aliased item. */
static bool read_alias_target(decoder *d, scope *s, cbin_sort sort, cbin_origin *o,
                              const cbin_type **type, const cbin_core_type **core_type) {
    uint8_t t;
    memset(o, 0, sizeof *o);
    o->offset = (uint32_t)rd_offset(&d->r);
    *type = NULL;
    *core_type = NULL;
    if (!rd_byte(&d->r, &t)) return false;
    switch (t) {
    case 0x00: { /* export of a component instance */
        const cbin_decl *e;
        size_t at = rd_offset(&d->r);
        o->how = CBIN_ALIAS_EXPORT;
        if (!rd_u32(&d->r, &o->index)) return false;
        if (o->index >= scope_count(s, CBIN_INSTANCE))
            return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "alias of unknown instance %u",
                              o->index);
        if (!read_name(d, &o->name)) return false;
        if (sort < CBIN_FUNC && sort != CBIN_CORE_MODULE)
            INVALID(d, "alias of a %s export of instance %u (no core items but modules)",
                    cbin_sort_name(sort), o->index);
        if (!s->c && sort != CBIN_TYPE && sort != CBIN_INSTANCE)
            INVALID(d, "a type declaration may only alias types and instances, not a %s",
                    cbin_sort_name(sort));
        if (!find_decl(d, scope_instance_type(s, o->index), "instance", o->index, o->name, sort,
                       &e))
            return false;
        if (e) {
            *type = e->type;
            *core_type = e->core_type;
        }
        return true;
    }
    case 0x01: { /* export of a core instance */
        size_t at = rd_offset(&d->r);
        o->how = CBIN_ALIAS_CORE_EXPORT;
        if (!s->c) INVALID(d, "core export alias inside a type declaration");
        if (!rd_u32(&d->r, &o->index)) return false;
        if (o->index >= s->c->ncore_instances)
            return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "alias of unknown core instance %u",
                              o->index);
        if (!read_name(d, &o->name)) return false;
        if (sort > CBIN_CORE_GLOBAL)
            INVALID(d,
                    "alias of a %s export of core instance %u (only funcs, tables, memories and "
                    "globals)",
                    cbin_sort_name(sort), o->index);
        const cbin_core_instance *ci = &s->c->core_instances[o->index];
        if (ci->from_exports) {
            uint32_t k = 0;
            if (!spend(d, ci->nargs)) return false;
            while (k < ci->nargs && strcmp(ci->args[k].name, o->name) != 0) k++;
            if (k == ci->nargs)
                INVALID(d, "core instance %u has no export named \"%s\"", o->index, o->name);
            if (ci->args[k].sort != sort)
                INVALID(d, "core instance %u exports \"%s\" as a %s, not a %s", o->index, o->name,
                        cbin_sort_name(ci->args[k].sort), cbin_sort_name(sort));
        }
        return true;
    }
    case 0x02: { /* outer */
        o->how = CBIN_ALIAS_OUTER;
        if (!rd_u32(&d->r, &o->outer) || !rd_u32(&d->r, &o->index)) return false;
        if (sort != CBIN_TYPE && sort != CBIN_CORE_TYPE && sort != CBIN_CORE_MODULE &&
            sort != CBIN_COMPONENT)
            INVALID(d, "outer alias of a %s (only types, core types, core modules and components)",
                    cbin_sort_name(sort));
        const scope *os = s;
        for (uint32_t k = 0; os && k < o->outer; k++) os = os->outer;
        if (!os) INVALID(d, "outer alias count %u beyond the enclosing components", o->outer);
        if ((sort == CBIN_CORE_MODULE || sort == CBIN_COMPONENT) && (!s->c || !os->c))
            INVALID(d, "outer alias of a %s inside a type declaration", cbin_sort_name(sort));
        if (!check_index(d, os, sort, o->index)) return false;
        if (sort == CBIN_TYPE) *type = scope_type(os, o->index);
        else if (sort == CBIN_CORE_TYPE) *core_type = scope_core_type(os, o->index);
        else if (sort == CBIN_COMPONENT) *type = os->c->components[o->index].type;
        return true;
    }
    }
    d->r.p--;
    MALFORMED(d, "unknown alias target 0x%02x", t);
}

/* ---- canonical options ----------------------------------------------------------------------- */

static bool read_canon_opts(decoder *d, scope *s, bool lift, cbin_canon_opts *opts) {
    uint32_t n;
    bool has_encoding = false;
    memset(opts, 0, sizeof *opts);
    if (!read_count(d, 16, "canonical options", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        size_t at = rd_offset(&d->r);
        if (!rd_byte(&d->r, &b)) return false;
        switch (b) {
        case 0x00: case 0x01: case 0x02:
            if (has_encoding)
                return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "more than one string encoding");
            has_encoding = opts->has_encoding = true;
            opts->encoding = b == 0 ? CBIN_UTF8 : b == 1 ? CBIN_UTF16 : CBIN_LATIN1_UTF16;
            break;
        case 0x03:
            if (opts->has_memory)
                return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "memory given twice");
            opts->has_memory = true;
            if (!read_index(d, s, CBIN_CORE_MEMORY, &opts->memory)) return false;
            break;
        case 0x04:
            if (opts->has_realloc)
                return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "realloc given twice");
            opts->has_realloc = true;
            if (!read_index(d, s, CBIN_CORE_FUNC, &opts->realloc)) return false;
            break;
        case 0x05:
            if (!lift)
                return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "post-return on a canon lower");
            if (opts->has_post_return)
                return rd_fail_at(&d->r, at, WEFT_ERR_INVALID, "post-return given twice");
            opts->has_post_return = true;
            if (!read_index(d, s, CBIN_CORE_FUNC, &opts->post_return)) return false;
            break;
        case 0x06: case 0x07:
            return rd_fail_at(&d->r, at, WEFT_ERR_UNSUPPORTED,
                              "async canonical options are not supported");
        default:
            return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED, "unknown canonical option 0x%02x", b);
        }
    }
    return true;
}

/* ---- sections -------------------------------------------------------------------------------- */

/* The type an item of c carries, for instance types built from inline exports. */
static void item_decl(const cbin_component *c, cbin_sort sort, uint32_t idx, cbin_decl *out) {
    out->sort = sort;
    out->type = cbin_item_type(c, sort, idx);
    out->core_type = sort == CBIN_CORE_MODULE ? c->core_modules[idx].type : NULL;
}

static bool section_core_instances(decoder *d, scope *s) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_ITEMS, "core instances", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r), m;
        uint8_t b;
        if (!rd_byte(&d->r, &b)) return false;
        if (b > 1) {
            d->r.p--;
            MALFORMED(d, "unknown core instance form 0x%02x", b);
        }
        cbin_core_instance ci = {.from_exports = b == 1};
        if (b == 0 && !read_index(d, s, CBIN_CORE_MODULE, &ci.module)) return false;
        if (!read_count(d, CBIN_MAX_DECLS, b ? "core instance exports" : "instantiation arguments",
                        &m))
            return false;
        cbin_arg *args = alloc(d, (size_t)(m ? m : 1) * sizeof *args);
        if (!args) return false;
        for (uint32_t k = 0; k < m; k++) {
            if (!read_name(d, &args[k].name)) return false;
            if (b == 0) {
                uint8_t sort;
                if (!rd_byte(&d->r, &sort)) return false;
                if (sort != 0x12) {
                    d->r.p--;
                    MALFORMED(d,
                              "core instantiation argument of sort 0x%02x (only instances, 0x12)",
                              sort);
                }
                args[k].sort = CBIN_CORE_INSTANCE;
            } else if (!read_core_sort(d, &args[k].sort)) {
                return false;
            }
            if (!read_index(d, s, args[k].sort, &args[k].index)) return false;
        }
        ci.args = args;
        ci.nargs = m;
        cbin_core_instance *p = push_item(d, s, CBIN_CORE_INSTANCE, CBIN_DEFINED, at);
        if (!p) return false;
        ci.o = p->o;
        *p = ci;
    }
    return true;
}

static bool section_core_types(decoder *d, scope *s) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_ITEMS, "core types", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r);
        cbin_core_type *ct = alloc(d, sizeof *ct);
        if (!ct || !read_core_type(d, s, ct, false)) return false;
        cbin_core_type_item *p = push_item(d, s, CBIN_CORE_TYPE, CBIN_DEFINED, at);
        if (!p) return false;
        p->type = ct;
    }
    return true;
}

static bool map_out(const cbin_component *c, const cbin_instance *in, const cbin_component *n,
                    cbin_sort sort, uint32_t idx, cbin_sort *osort, uint32_t *oidx, int64_t *budget);

/* The instance type of `instantiate component` (in, not yet pushed): the component type's
 * exports, except that an export which is one of the arguments passed in (as wit-component
 * re-exports every item of an exported interface) takes the argument's own type. So the
 * interface's functions and types are the outer component's: a resource is the one the outer
 * component defines (with its destructor), and outer types get the exported names. */
static bool instantiated_type(decoder *d, cbin_component *c, cbin_instance *in) {
    const cbin_component_item *ci = &c->components[in->component];
    const cbin_type *ct = ci->type;
    if (!ct) return true;
    cbin_type *it = new_type(d, CBIN_TYPE_INSTANCE);
    if (!it) return false;
    it->exports = ct->exports;
    it->nexports = ct->nexports;
    in->type = it;
    if (!ci->def || !ct->nexports) return true;
    cbin_decl *decls = alloc(d, (size_t)ct->nexports * sizeof *decls);
    if (!decls) return false;
    for (uint32_t k = 0; k < ct->nexports; k++) {
        const cbin_export *e = &ci->def->exports[k];
        cbin_sort so;
        uint32_t io;
        decls[k] = ct->exports[k];
        if (!spend(d, 1)) return false;
        bool found = map_out(c, in, ci->def, e->sort, e->target, &so, &io, &d->work_left);
        if (!spend(d, 0)) return false; /* the budget ran out inside */
        if (!found || so != e->sort) continue;
        cbin_type *ot = (cbin_type *)cbin_item_type(c, so, io);
        if (!ot) continue;
        if (so == CBIN_TYPE && !(ot = name_type(d, ot, e->name, true))) return false;
        decls[k].type = ot;
    }
    it->exports = decls;
    return true;
}

static bool section_instances(decoder *d, scope *s) {
    cbin_component *c = s->c;
    uint32_t n;
    if (!read_count(d, CBIN_MAX_ITEMS, "instances", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r), m;
        uint8_t b;
        if (!rd_byte(&d->r, &b)) return false;
        if (b > 1) {
            d->r.p--;
            MALFORMED(d, "unknown instance form 0x%02x", b);
        }
        cbin_instance in = {.from_exports = b == 1};
        if (b == 0 && !read_index(d, s, CBIN_COMPONENT, &in.component)) return false;
        if (!read_count(d, CBIN_MAX_DECLS, b ? "instance exports" : "instantiation arguments", &m))
            return false;
        cbin_arg *args = alloc(d, (size_t)(m ? m : 1) * sizeof *args);
        if (!args) return false;
        for (uint32_t k = 0; k < m; k++) {
            if (b == 0 ? !read_name(d, &args[k].name) : !read_extern_name(d, &args[k].name))
                return false;
            if (!read_sort(d, &args[k].sort) || !read_index(d, s, args[k].sort, &args[k].index))
                return false;
            if (b == 1 && args[k].sort < CBIN_FUNC && args[k].sort != CBIN_CORE_MODULE)
                INVALID(d, "instance export \"%s\" of a %s (no core items but modules)",
                        args[k].name, cbin_sort_name(args[k].sort));
        }
        in.args = args;
        in.nargs = m;
        if (b == 0) {
            if (!instantiated_type(d, c, &in)) return false;
        } else {
            cbin_type *it = new_type(d, CBIN_TYPE_INSTANCE);
            cbin_decl *decls = alloc(d, (size_t)(m ? m : 1) * sizeof *decls);
            if (!it || !decls) return false;
            for (uint32_t k = 0; k < m; k++) {
                item_decl(c, args[k].sort, args[k].index, &decls[k]);
                decls[k].name = args[k].name;
            }
            it->exports = decls;
            it->nexports = m;
            in.type = it;
        }
        cbin_instance *p = push_item(d, s, CBIN_INSTANCE, CBIN_DEFINED, at);
        if (!p) return false;
        in.o = p->o;
        *p = in;
    }
    return true;
}

/* An item made by an alias or an export: copies what the source says about it. */
static bool fill_aliased(decoder *d, scope *s, cbin_sort sort, const cbin_origin *o,
                         const cbin_type *type, const cbin_core_type *core_type) {
    void *p = push_item(d, s, sort, o->how, o->offset);
    if (!p) return false;
    *(cbin_origin *)p = *o;
    switch (sort) {
    case CBIN_FUNC: ((cbin_func *)p)->type = type; break;
    case CBIN_VALUE: ((cbin_value *)p)->type = type; break;
    case CBIN_TYPE: ((cbin_type_item *)p)->type = type; break;
    case CBIN_INSTANCE: ((cbin_instance *)p)->type = type; break;
    case CBIN_COMPONENT: ((cbin_component_item *)p)->type = type; break;
    case CBIN_CORE_MODULE: ((cbin_core_module *)p)->type = core_type; break;
    case CBIN_CORE_TYPE: ((cbin_core_type_item *)p)->type = core_type; break;
    default: break;
    }
    return true;
}

static bool section_aliases(decoder *d, scope *s) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_ITEMS, "aliases", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        cbin_sort sort;
        cbin_origin o;
        const cbin_type *t;
        const cbin_core_type *ct;
        if (!read_sort(d, &sort) || !read_alias_target(d, s, sort, &o, &t, &ct) ||
            !fill_aliased(d, s, sort, &o, t, ct))
            return false;
        if (o.how == CBIN_ALIAS_OUTER) { /* outer modules and components: the definition itself */
            const scope *os = s;
            for (uint32_t k = 0; k < o.outer; k++) os = os->outer;
            if (sort == CBIN_CORE_MODULE) {
                cbin_core_module *m = &s->c->core_modules[s->c->ncore_modules - 1];
                const cbin_core_module *src = &os->c->core_modules[o.index];
                m->bytes = src->bytes;
                m->len = src->len;
                m->type = src->type;
            } else if (sort == CBIN_COMPONENT) {
                s->c->components[s->c->ncomponents - 1].def = os->c->components[o.index].def;
            }
        }
    }
    return true;
}

static bool section_types(decoder *d, scope *s) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_ITEMS, "types", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r);
        cbin_type *t;
        if (!read_deftype(d, s, &t)) return false;
        cbin_type_item *p = push_item(d, s, CBIN_TYPE, CBIN_DEFINED, at);
        if (!p) return false;
        p->type = t;
    }
    return true;
}

static bool section_canon(decoder *d, scope *s) {
    uint32_t n;
    if (!read_count(d, CBIN_MAX_ITEMS, "canonical definitions", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r), idx;
        uint8_t b, zero;
        cbin_canon_opts opts;
        if (!rd_byte(&d->r, &b)) return false;
        switch (b) {
        case 0x00: { /* lift */
            uint32_t type_index;
            cbin_type *ft;
            if (!rd_byte(&d->r, &zero)) return false;
            if (zero != 0) MALFORMED(d, "canon lift of sort 0x%02x (only core func, 0x00)", zero);
            if (!read_index(d, s, CBIN_CORE_FUNC, &idx) ||
                !read_canon_opts(d, s, true, &opts) || !rd_u32(&d->r, &type_index) ||
                !get_type_of(d, s, type_index, CBIN_TYPE_FUNC, &ft))
                return false;
            cbin_func *f = push_item(d, s, CBIN_FUNC, CBIN_DEFINED, at);
            if (!f) return false;
            f->type = ft;
            f->core_func = idx;
            f->type_index = type_index;
            f->opts = opts;
            break;
        }
        case 0x01: { /* lower */
            if (!rd_byte(&d->r, &zero)) return false;
            if (zero != 0) MALFORMED(d, "canon lower of sort 0x%02x (only func, 0x00)", zero);
            if (!read_index(d, s, CBIN_FUNC, &idx) ||
                !read_canon_opts(d, s, false, &opts))
                return false;
            cbin_core_func *f = push_item(d, s, CBIN_CORE_FUNC, CBIN_DEFINED, at);
            if (!f) return false;
            f->canon = CBIN_CANON_LOWER;
            f->target = idx;
            f->opts = opts;
            break;
        }
        case 0x02: case 0x03: case 0x04: { /* resource.new, resource.drop, resource.rep */
            cbin_type *rt;
            if (!rd_u32(&d->r, &idx) || !get_type_of(d, s, idx, CBIN_TYPE_RESOURCE, &rt))
                return false;
            if (b != 0x03 && rt->abstract)
                INVALID(d, "resource.%s of type %u, a resource defined elsewhere",
                        b == 0x02 ? "new" : "rep", idx);
            cbin_core_func *f = push_item(d, s, CBIN_CORE_FUNC, CBIN_DEFINED, at);
            if (!f) return false;
            f->canon = (cbin_canon)(CBIN_CANON_RESOURCE_NEW + (b - 0x02)); /* new, drop, rep */
            f->target = idx;
            break;
        }
        default:
            d->r.p--;
            UNSUPPORTED(d, "canonical built-in 0x%02x is not supported (async or threads)", b);
        }
    }
    return true;
}

static bool section_start(decoder *d, scope *s) {
    cbin_component *c = s->c;
    cbin_start st = {.offset = (uint32_t)rd_offset(&d->r)};
    if (!read_index(d, s, CBIN_FUNC, &st.func) ||
        !read_count(d, CBIN_MAX_PARAMS, "start arguments", &st.nargs))
        return false;
    uint32_t *args = alloc(d, (size_t)(st.nargs ? st.nargs : 1) * sizeof *args);
    if (!args) return false;
    for (uint32_t i = 0; i < st.nargs; i++)
        if (!read_index(d, s, CBIN_VALUE, &args[i])) return false;
    st.args = args;
    if (!rd_u32(&d->r, &st.nresults)) return false;
    if (st.nresults > CBIN_MAX_PARAMS)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "too many start results (%u, limit %u)", st.nresults,
                       CBIN_MAX_PARAMS);
    if (!GROW(d, c->starts, s->cap_starts, c->nstarts + 1)) return false;
    c->starts[c->nstarts] = st;
    if (!count_item(d) || !add_def(d, s, CBIN_NSORTS, c->nstarts)) return false;
    c->nstarts++;
    const cbin_type *ft = c->funcs[st.func].type;
    for (uint32_t i = 0; i < st.nresults; i++) {
        cbin_value *v = push_item(d, s, CBIN_VALUE, CBIN_DEFINED, st.offset);
        if (!v) return false;
        v->o.index = c->nstarts - 1;
        if (ft && ft->kind == CBIN_TYPE_FUNC && i < ft->func->nresults) {
            cbin_type *vt = new_type(d, CBIN_TYPE_VALUE);
            if (!vt) return false;
            vt->val = ft->func->results[i].type;
            v->type = vt;
        }
    }
    return true;
}

static bool section_imports(decoder *d, scope *s) {
    cbin_component *c = s->c;
    uint32_t n;
    if (!read_count(d, CBIN_MAX_DECLS, "imports", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r);
        const char *name;
        extdesc e;
        if (!read_extern_name(d, &name) || !read_externdesc(d, s, &e)) return false;
        cbin_type *t = e.type;
        if (e.sort == CBIN_TYPE && t && !(t = name_type(d, t, name, false))) return false;
        if (!GROW(d, c->imports, s->cap_imports, c->nimports + 1)) return false;
        cbin_import *im = &c->imports[c->nimports];
        *im = (cbin_import){name, e.sort, cbin_count(c, e.sort), t, e.core_type, e.type_index,
                            e.sub_resource, at};
        cbin_origin o = {.how = CBIN_IMPORT, .offset = at, .index = c->nimports};
        c->nimports++;
        if (!fill_aliased(d, s, e.sort, &o, t, e.core_type)) return false;
    }
    return true;
}

static bool section_exports(decoder *d, scope *s) {
    cbin_component *c = s->c;
    uint32_t n;
    if (!read_count(d, CBIN_MAX_DECLS, "exports", &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (uint32_t)rd_offset(&d->r);
        cbin_export ex = {.offset = at};
        uint8_t has;
        if (!read_extern_name(d, &ex.name) || !read_sort(d, &ex.sort) ||
            !read_index(d, s, ex.sort, &ex.target) || !rd_byte(&d->r, &has))
            return false;
        if (ex.sort < CBIN_FUNC && ex.sort != CBIN_CORE_MODULE)
            INVALID(d,
                    "export \"%s\" of a %s (only core modules and component items may be exported)",
                    ex.name, cbin_sort_name(ex.sort));
        ex.type = cbin_item_type(c, ex.sort, ex.target);
        if (has == 1) {
            extdesc e;
            if (!read_externdesc(d, s, &e)) return false;
            if (e.sort != ex.sort)
                INVALID(d, "export \"%s\" of a %s ascribed a %s type", ex.name,
                        cbin_sort_name(ex.sort), cbin_sort_name(e.sort));
            ex.ascribed = true;
            if (ex.sort != CBIN_TYPE && e.type) ex.type = e.type;
        } else if (has != 0) {
            d->r.p--;
            MALFORMED(d, "bad export type flag 0x%02x", has);
        }
        if (ex.sort == CBIN_TYPE && ex.type &&
            !(ex.type = name_type(d, (cbin_type *)ex.type, ex.name, true)))
            return false;
        ex.index = cbin_count(c, ex.sort);
        if (!GROW(d, c->exports, s->cap_exports, c->nexports + 1)) return false;
        c->exports[c->nexports] = ex;
        cbin_origin o = {.how = CBIN_EXPORT, .offset = at, .index = c->nexports};
        c->nexports++;
        const cbin_core_type *ct =
            ex.sort == CBIN_CORE_MODULE ? c->core_modules[ex.target].type : NULL;
        if (!fill_aliased(d, s, ex.sort, &o, ex.type, ct)) return false;
        if (ex.sort == CBIN_CORE_MODULE) {
            c->core_modules[ex.index].bytes = c->core_modules[ex.target].bytes;
            c->core_modules[ex.index].len = c->core_modules[ex.target].len;
        } else if (ex.sort == CBIN_COMPONENT) {
            c->components[ex.index].def = c->components[ex.target].def;
        } else if (ex.sort == CBIN_INSTANCE && !c->instances[ex.index].type) {
            c->instances[ex.index].type = c->instances[ex.target].type;
        }
    }
    return true;
}

static bool section_custom(decoder *d, scope *s) {
    cbin_component *c = s->c;
    cbin_custom cs;
    if (!read_name(d, &cs.name)) return false;
    cs.data = d->r.p;
    cs.len = rd_left(&d->r);
    d->r.p = d->r.end;
    if (!GROW(d, c->customs, s->cap_customs, c->ncustoms + 1)) return false;
    c->customs[c->ncustoms++] = cs;
    return true;
}

static bool section_core_module(decoder *d, scope *s) {
    static const uint8_t core_preamble[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    uint32_t at = (uint32_t)rd_offset(&d->r);
    size_t len = rd_left(&d->r);
    if (len < 8 || memcmp(d->r.p, core_preamble, 8) != 0)
        MALFORMED(d,
                  "core module section does not hold a core module (no \\0asm version 1 preamble)");
    cbin_core_module *m = push_item(d, s, CBIN_CORE_MODULE, CBIN_DEFINED, at);
    if (!m) return false;
    m->bytes = d->r.p;
    m->len = len;
    d->r.p = d->r.end;
    return true;
}

/* ---- components ------------------------------------------------------------------------------ */

static bool check_preamble(decoder *d) {
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    const uint8_t *p;
    if (rd_left(&d->r) < 8) {
        if (rd_left(&d->r) >= 4 && memcmp(d->r.p, magic, 4) != 0)
            MALFORMED(d, "no \\0asm magic number");
        MALFORMED(d, "unexpected end: a component starts with 8 bytes of preamble");
    }
    if (!rd_bytes(&d->r, 8, &p)) return false;
    if (memcmp(p, magic, 4) != 0)
        return rd_fail_at(&d->r, rd_offset(&d->r) - 8, WEFT_ERR_MALFORMED,
                          "no \\0asm magic number");
    uint32_t version = p[4] | (uint32_t)p[5] << 8, layer = p[6] | (uint32_t)p[7] << 8;
    size_t at = rd_offset(&d->r) - 4;
    if (layer == 0)
        return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED,
                          "this is a core module, not a component (use weft_module_new)");
    if (layer != 1)
        return rd_fail_at(&d->r, at + 2, WEFT_ERR_MALFORMED,
                          "unknown layer %u (a component has layer 1)", layer);
    if (version != CBIN_VERSION)
        return rd_fail_at(&d->r, at, WEFT_ERR_UNSUPPORTED,
                          "component binary version 0x%x is not supported (weft reads 0x%02x)",
                          version, CBIN_VERSION);
    return true;
}

static bool decode_component(decoder *d, scope *outer, cbin_component *c);

static bool section_component(decoder *d, scope *s) {
    uint32_t at = (uint32_t)rd_offset(&d->r);
    if (s->depth + 1 > CBIN_MAX_DEPTH)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "components nested deeper than %u (CBIN_MAX_DEPTH)",
                       CBIN_MAX_DEPTH);
    cbin_component *nc = alloc(d, sizeof *nc);
    if (!nc) return false;
    nc->parent = s->c;
    nc->depth = s->c->depth + 1;
    nc->offset = at;
    nc->size = (uint32_t)rd_left(&d->r);
    nc->arena = d->arena;
    int section = d->section;
    if (!decode_component(d, s, nc)) return false;
    d->section = section;
    d->depth = s->c->depth;
    cbin_component_item *p = push_item(d, s, CBIN_COMPONENT, CBIN_DEFINED, at);
    if (!p) return false;
    p->def = nc;
    p->type = nc->type;
    return true;
}

/* The component's own type: its imports and exports with what they carry. */
static bool build_component_type(decoder *d, cbin_component *c) {
    cbin_type *t = new_type(d, CBIN_TYPE_COMPONENT);
    if (!t) return false;
    cbin_decl *im = alloc(d, (size_t)(c->nimports ? c->nimports : 1) * sizeof *im);
    cbin_decl *ex = alloc(d, (size_t)(c->nexports ? c->nexports : 1) * sizeof *ex);
    if (!im || !ex) return false;
    for (uint32_t i = 0; i < c->nimports; i++)
        im[i] = (cbin_decl){c->imports[i].name, c->imports[i].sort, c->imports[i].type,
                            c->imports[i].core_type};
    for (uint32_t i = 0; i < c->nexports; i++) {
        const cbin_export *e = &c->exports[i];
        ex[i] = (cbin_decl){e->name, e->sort, e->type,
                            e->sort == CBIN_CORE_MODULE ? c->core_modules[e->target].type : NULL};
    }
    t->imports = im;
    t->nimports = c->nimports;
    t->exports = ex;
    t->nexports = c->nexports;
    c->type = t;
    return true;
}

/* Decodes one component whose bytes are the reader's window (preamble first). On failure d->depth
 * and d->section keep where the failure was. */
static bool decode_component(decoder *d, scope *outer, cbin_component *c) {
    scope s = {.outer = outer, .depth = outer ? outer->depth + 1 : 0, .c = c};
    d->depth = c->depth;
    d->section = -1;
    if (!check_preamble(d)) return false;
    const uint8_t *end = d->r.end;
    while (!rd_eof(&d->r)) {
        uint8_t id;
        uint32_t size;
        if (!rd_byte(&d->r, &id)) return false;
        d->section = id;
        if (id > 12) {
            d->r.p--;
            d->section = -2;
            MALFORMED(d, "unknown section id %u", id);
        }
        size_t at = rd_offset(&d->r);
        if (!rd_u32(&d->r, &size)) return false;
        if (size > rd_left(&d->r))
            return rd_fail_at(&d->r, at, WEFT_ERR_MALFORMED,
                              "section of %u bytes runs past the end (%zu bytes left)", size,
                              rd_left(&d->r));
        d->r.end = d->r.p + size;
        bool ok;
        switch (id) {
        case 0: ok = section_custom(d, &s); break;
        case 1: ok = section_core_module(d, &s); break;
        case 2: ok = section_core_instances(d, &s); break;
        case 3: ok = section_core_types(d, &s); break;
        case 4: ok = section_component(d, &s); break;
        case 5: ok = section_instances(d, &s); break;
        case 6: ok = section_aliases(d, &s); break;
        case 7: ok = section_types(d, &s); break;
        case 8: ok = section_canon(d, &s); break;
        case 9: ok = section_start(d, &s); break;
        case 10: ok = section_imports(d, &s); break;
        case 11: ok = section_exports(d, &s); break;
        default:
            d->r.p--;
            UNSUPPORTED(d, "value definitions are not supported");
        }
        if (!ok) return false;
        if (!rd_eof(&d->r))
            MALFORMED(d, "%zu bytes left over at the end of the section", rd_left(&d->r));
        d->r.end = end;
    }
    d->section = -1;
    return build_component_type(d, c);
}

bool cbin_is_component(const uint8_t *bytes, size_t len) {
    return bytes && len >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 1 && bytes[7] == 0;
}

weft_error *cbin_decode(const uint8_t *bytes, size_t len, cbin_component **out) {
    *out = NULL;
    if (!bytes && len) return err_new(WEFT_ERR_USAGE, -1, "cbin_decode: no bytes");
    if (len > CBIN_MAX_SIZE)
        return err_new(WEFT_ERR_LIMIT, -1, "component of %zu bytes (limit %u, CBIN_MAX_SIZE)", len,
                       CBIN_MAX_SIZE);
    static const uint8_t none[1];
    if (!bytes) bytes = none;
    decoder d = {.section = -1, .work_left = CBIN_MAX_WORK};
    d.r = (reader){.base = bytes, .p = bytes, .end = bytes + len, .err = &d.err};
    d.arena = ct_arena_new();
    cbin_component *c = d.arena ? ct_alloc(d.arena, sizeof *c) : NULL;
    if (!c) {
        ct_arena_free(d.arena);
        return err_nomem();
    }
    c->arena = d.arena;
    c->size = (uint32_t)len;
    if (!decode_component(&d, NULL, c)) {
        ct_arena_free(d.arena);
        char where[96];
        if (d.section >= 0)
            snprintf(where, sizeof where, "component section %d (%s)", d.section,
                     section_names[d.section]);
        else
            snprintf(where, sizeof where, "component %s",
                     d.section == -1 ? "preamble" : "section header");
        if (d.depth)
            return err_new(d.err.kind, d.err.offset,
                           "%s at byte %lld (nested component, depth %u): %s", where,
                           (long long)d.err.offset, d.depth, d.err.msg);
        return err_new(d.err.kind, d.err.offset, "%s at byte %lld: %s", where,
                       (long long)d.err.offset, d.err.msg);
    }
    *out = c;
    return NULL;
}

void cbin_free(cbin_component *c) {
    if (c && !c->parent) ct_arena_free(c->arena);
}

/* ---- queries --------------------------------------------------------------------------------- */

const cbin_export *cbin_find_export(const cbin_component *c, const char *name) {
    for (uint32_t i = 0; c && i < c->nexports; i++)
        if (strcmp(c->exports[i].name, name) == 0) return &c->exports[i];
    return NULL;
}

const cbin_import *cbin_find_import(const cbin_component *c, const char *name) {
    for (uint32_t i = 0; c && i < c->nimports; i++)
        if (strcmp(c->imports[i].name, name) == 0) return &c->imports[i];
    return NULL;
}

const cbin_decl *cbin_type_export(const cbin_type *t, const char *name) {
    for (uint32_t i = 0; t && i < t->nexports; i++)
        if (strcmp(t->exports[i].name, name) == 0) return &t->exports[i];
    return NULL;
}

static bool export_source(const cbin_component *c, uint32_t inst, const char *name, cbin_sort *sort,
                          uint32_t *index, int64_t *budget);

/* Maps item (sort, idx) of nested component n, instantiated as instance `in` of c, to an index of
 * c, when the item is one of n's imports (directly or through re-exports and aliases). */
static bool map_out(const cbin_component *c, const cbin_instance *in, const cbin_component *n,
                    cbin_sort sort, uint32_t idx, cbin_sort *osort, uint32_t *oidx, int64_t *budget) {
    while ((*budget)-- > 0) {
        const cbin_origin *o = cbin_origin_of(n, sort, idx);
        if (!o) return false;
        switch (o->how) {
        case CBIN_IMPORT: {
            const char *iname = n->imports[o->index].name;
            *budget -= in->nargs;
            for (uint32_t k = 0; k < in->nargs; k++)
                if (strcmp(in->args[k].name, iname) == 0 && in->args[k].sort == sort) {
                    *osort = sort;
                    *oidx = in->args[k].index;
                    return true;
                }
            return false;
        }
        case CBIN_EXPORT:
            idx = n->exports[o->index].target;
            break;
        case CBIN_ALIAS_EXPORT: {
            /* an export of one of n's instances: find where that instance comes from in c */
            cbin_sort s2;
            uint32_t i2;
            if (!map_out(c, in, n, CBIN_INSTANCE, o->index, &s2, &i2, budget)) {
                if (!export_source(n, o->index, o->name, &s2, &i2, budget)) return false;
                sort = s2;
                idx = i2;
                break;
            }
            return export_source(c, i2, o->name, osort, oidx, budget);
        }
        default:
            return false;
        }
    }
    return false;
}

static bool export_source(const cbin_component *c, uint32_t inst, const char *name, cbin_sort *sort,
                          uint32_t *index, int64_t *budget) {
    while ((*budget)-- > 0) {
        if (inst >= c->ninstances) return false;
        const cbin_instance *in = &c->instances[inst];
        switch (in->o.how) {
        case CBIN_DEFINED:
            if (in->from_exports) {
                *budget -= in->nargs;
                for (uint32_t k = 0; k < in->nargs; k++)
                    if (strcmp(in->args[k].name, name) == 0) {
                        *sort = in->args[k].sort;
                        *index = in->args[k].index;
                        return true;
                    }
                return false;
            } else {
                const cbin_component *n = c->components[in->component].def;
                if (n) *budget -= n->nexports;
                const cbin_export *e = n ? cbin_find_export(n, name) : NULL;
                return e && map_out(c, in, n, e->sort, e->target, sort, index, budget);
            }
        case CBIN_EXPORT:
            inst = c->exports[in->o.index].target;
            break;
        case CBIN_ALIAS_EXPORT: {
            cbin_sort s2;
            uint32_t i2;
            if (!export_source(c, in->o.index, in->o.name, &s2, &i2, budget) || s2 != CBIN_INSTANCE)
                return false;
            inst = i2;
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

bool cbin_instance_export_source(const cbin_component *c, uint32_t instance, const char *name,
                                 cbin_sort *sort, uint32_t *index) {
    int64_t budget = 1 << 20; /* steps and name comparisons: hostile chains end it */
    return c && name && export_source(c, instance, name, sort, index, &budget);
}

/* ---- descriptions ---------------------------------------------------------------------------- */

typedef struct outbuf {
    char *buf;
    size_t len, at;
} outbuf;

static void put(outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(outbuf *o, const char *fmt, ...) {
    if (o->at >= o->len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
    va_end(ap);
    if (n > 0) o->at += (size_t)n;
    if (o->at >= o->len && o->len >= 4) memcpy(o->buf + o->len - 4, "...", 4);
}

static void describe_val(outbuf *o, const ct_type *t) {
    char tmp[256];
    put(o, "%s", ct_describe(t, tmp, sizeof tmp));
}

/* A value type's definition: "record point { x: f64, y: f64 }", "type points = list<point>". */
static void describe_valdef(outbuf *o, const ct_type *t) {
    static const char *const kw[] = {[CT_RECORD] = "record", [CT_VARIANT] = "variant",
                                     [CT_ENUM] = "enum", [CT_FLAGS] = "flags"};
    if (t->kind >= CT_RECORD && t->kind <= CT_FLAGS) {
        put(o, "%s%s%s {", kw[t->kind], t->name ? " " : "", t->name ? t->name : "");
        for (uint32_t i = 0; i < t->nfields && o->at < o->len; i++) {
            put(o, "%s %s", i ? "," : "", t->fields[i].name);
            if (t->fields[i].type) {
                put(o, t->kind == CT_RECORD ? ": " : "(");
                describe_val(o, t->fields[i].type);
                if (t->kind != CT_RECORD) put(o, ")");
            }
        }
        put(o, " }");
        return;
    }
    if (t->name) {
        ct_type anon = *t; /* the structure, not the name */
        anon.name = NULL;
        put(o, "type %s = ", t->name);
        describe_val(o, t->kind == CT_ALIAS ? t->elem : &anon);
        return;
    }
    describe_val(o, t);
}

static void describe(outbuf *o, const cbin_type *t, int depth) {
    if (o->at >= o->len) return; /* full: hostile types may be huge */
    if (!t) {
        put(o, "?");
        return;
    }
    switch (t->kind) {
    case CBIN_TYPE_VALUE:
        if (depth == 0) describe_valdef(o, t->val);
        else describe_val(o, t->val);
        return;
    case CBIN_TYPE_RESOURCE:
        put(o, "resource%s%s%s", t->val->name ? " " : "", t->val->name ? t->val->name : "",
            t->abstract ? " (abstract)" : "");
        return;
    case CBIN_TYPE_FUNC: {
        const ct_func *f = t->func;
        put(o, "func(");
        for (uint32_t i = 0; i < f->nparams; i++) {
            put(o, "%s%s: ", i ? ", " : "", f->params[i].name);
            describe_val(o, f->params[i].type);
        }
        put(o, ")");
        if (f->nresults == 1 && !f->results[0].name) {
            put(o, " -> ");
            describe_val(o, f->results[0].type);
        } else if (f->nresults) {
            put(o, " -> (");
            for (uint32_t i = 0; i < f->nresults; i++) {
                put(o, "%s%s: ", i ? ", " : "", f->results[i].name);
                describe_val(o, f->results[i].type);
            }
            put(o, ")");
        }
        return;
    }
    case CBIN_TYPE_COMPONENT:
    case CBIN_TYPE_INSTANCE: {
        bool comp = t->kind == CBIN_TYPE_COMPONENT;
        put(o, "%s {", comp ? "component" : "instance");
        if (depth > 2) {
            put(o, " ... }");
            return;
        }
        for (int pass = comp ? 0 : 1; pass < 2; pass++) {
            const cbin_decl *ds = pass ? t->exports : t->imports;
            uint32_t n = pass ? t->nexports : t->nimports;
            for (uint32_t i = 0; i < n && o->at < o->len; i++) {
                put(o, " %s%s: ", comp ? (pass ? "export " : "import ") : "", ds[i].name);
                if (ds[i].type) describe(o, ds[i].type, depth + 1);
                else put(o, "%s", cbin_sort_name(ds[i].sort));
                put(o, ";");
            }
        }
        put(o, " }");
        return;
    }
    }
}

const char *cbin_describe_type(const cbin_type *t, char *buf, size_t len) {
    outbuf o = {buf, len, 0};
    if (len) buf[0] = 0;
    describe(&o, t, 0);
    return buf;
}

/* ---- dump ------------------------------------------------------------------------------------ */

static const char *encoding_name(cbin_string_encoding e) {
    return e == CBIN_UTF8 ? "utf8" : e == CBIN_UTF16 ? "utf16" : "latin1+utf16";
}

static void dump_opts(FILE *f, const cbin_canon_opts *o) {
    if (o->has_encoding) fprintf(f, " string-encoding=%s", encoding_name(o->encoding));
    if (o->has_memory) fprintf(f, " (memory %u)", o->memory);
    if (o->has_realloc) fprintf(f, " (realloc %u)", o->realloc);
    if (o->has_post_return) fprintf(f, " (post-return %u)", o->post_return);
}

static void dump_origin(FILE *f, const cbin_component *c, const cbin_origin *o) {
    switch (o->how) {
    case CBIN_DEFINED: break;
    case CBIN_IMPORT: fprintf(f, "import \"%s\"", c->imports[o->index].name); break;
    case CBIN_EXPORT: {
        const cbin_export *e = &c->exports[o->index];
        fprintf(f, "export \"%s\" of %s %u", e->name, cbin_sort_name(e->sort), e->target);
        break;
    }
    case CBIN_ALIAS_EXPORT: fprintf(f, "alias export %u \"%s\"", o->index, o->name); break;
    case CBIN_ALIAS_CORE_EXPORT:
        fprintf(f, "alias core export %u \"%s\"", o->index, o->name);
        break;
    case CBIN_ALIAS_OUTER: fprintf(f, "alias outer %u %u", o->outer, o->index); break;
    }
}

static void dump_component(const cbin_component *c, FILE *f, int indent);

/* An instantiation argument or inline export: ` with "name" func 3`, `, "name" func 4`. */
static void dump_arg(FILE *f, uint32_t k, bool from_exports, const cbin_arg *a) {
    const char *sep = k ? "," : from_exports ? "" : " with";
    fprintf(f, "%s \"%s\" %s %u", sep, a->name, cbin_sort_name(a->sort), a->index);
}

static void dump_def(const cbin_component *c, FILE *f, int indent, cbin_def def) {
    char buf[512];
    if (def.sort == CBIN_NSORTS) {
        const cbin_start *st = &c->starts[def.index];
        fprintf(f, "%*sstart: func %u, %u args, %u results\n", indent, "", st->func, st->nargs,
                st->nresults);
        return;
    }
    const cbin_origin *o = cbin_origin_of(c, def.sort, def.index);
    fprintf(f, "%*s%s %u: ", indent, "", cbin_sort_name(def.sort), def.index);
    dump_origin(f, c, o);
    bool defined = o->how == CBIN_DEFINED;
    switch (def.sort) {
    case CBIN_CORE_FUNC: {
        const cbin_core_func *cf = &c->core_funcs[def.index];
        if (!defined) break;
        if (cf->canon == CBIN_CANON_LOWER) {
            fprintf(f, "canon lower func %u", cf->target);
            dump_opts(f, &cf->opts);
        } else {
            static const char *const names[] = {[CBIN_CANON_RESOURCE_NEW] = "new",
                                                [CBIN_CANON_RESOURCE_DROP] = "drop",
                                                [CBIN_CANON_RESOURCE_REP] = "rep"};
            fprintf(f, "canon resource.%s type %u", names[cf->canon], cf->target);
        }
        break;
    }
    case CBIN_CORE_TYPE: {
        const cbin_core_type *ct = c->core_types[def.index].type;
        if (!ct) break;
        if (ct->is_module)
            fprintf(f, "%smodule type, %u imports and exports", defined ? "" : ": ", ct->ndecls);
        else
            fprintf(f, "%sfunc type, %u params, %u results", defined ? "" : ": ", ct->nparams,
                    ct->nresults);
        break;
    }
    case CBIN_CORE_MODULE: {
        const cbin_core_module *m = &c->core_modules[def.index];
        if (defined) fprintf(f, "%zu bytes at byte %u", m->len, m->o.offset);
        else if (m->bytes) fprintf(f, ": %zu bytes", m->len);
        break;
    }
    case CBIN_CORE_INSTANCE: {
        const cbin_core_instance *ci = &c->core_instances[def.index];
        if (ci->from_exports) fprintf(f, "from exports");
        else fprintf(f, "instantiate core module %u", ci->module);
        for (uint32_t k = 0; k < ci->nargs; k++)
            dump_arg(f, k, ci->from_exports, &ci->args[k]);
        break;
    }
    case CBIN_FUNC: {
        const cbin_func *fn = &c->funcs[def.index];
        if (defined) {
            fprintf(f, "canon lift core func %u type %u", fn->core_func, fn->type_index);
            dump_opts(f, &fn->opts);
        }
        fprintf(f, ": %s", cbin_describe_type(fn->type, buf, sizeof buf));
        break;
    }
    case CBIN_VALUE:
        if (defined) fprintf(f, "result of start %u", o->index);
        break;
    case CBIN_TYPE:
        fprintf(f, "%s%s", defined ? "" : ": ",
                cbin_describe_type(c->types[def.index].type, buf, sizeof buf));
        break;
    case CBIN_COMPONENT: {
        const cbin_component_item *ci = &c->components[def.index];
        if (defined) {
            fprintf(f, "nested, %u bytes at byte %u\n", ci->def->size, ci->def->offset);
            dump_component(ci->def, f, indent + 4);
            return;
        }
        fprintf(f, ": %s", cbin_describe_type(ci->type, buf, sizeof buf));
        break;
    }
    case CBIN_INSTANCE: {
        const cbin_instance *in = &c->instances[def.index];
        if (defined) {
            if (in->from_exports) fprintf(f, "from exports");
            else fprintf(f, "instantiate component %u", in->component);
            for (uint32_t k = 0; k < in->nargs; k++)
                dump_arg(f, k, in->from_exports, &in->args[k]);
        }
        fprintf(f, ": %s", cbin_describe_type(in->type, buf, sizeof buf));
        break;
    }
    default: break;
    }
    fputc('\n', f);
}

static void dump_component(const cbin_component *c, FILE *f, int indent) {
    fprintf(f, "%*scomponent: %u imports, %u exports, %u core modules, %u core instances, ", indent,
            "", c->nimports, c->nexports, c->ncore_modules, c->ncore_instances);
    fprintf(f, "%u core funcs, %u types, %u funcs, %u components, %u instances\n", c->ncore_funcs,
            c->ntypes, c->nfuncs, c->ncomponents, c->ninstances);
    for (uint32_t i = 0; i < c->ndefs; i++) dump_def(c, f, indent + 2, c->defs[i]);
    for (uint32_t i = 0; i < c->ncustoms; i++)
        fprintf(f, "%*scustom section \"%s\": %zu bytes\n", indent + 2, "", c->customs[i].name,
                c->customs[i].len);
}

void cbin_dump(const cbin_component *c, FILE *f) {
    if (c) dump_component(c, f, 0);
}
