/* decode.c: the binary format: sections of a module into struct weft_module, with module-level
 * validation (indices, limits, constant expressions, exports, segments).
 *
 * Function bodies are handed to compile.c as the code section is read, so a module is decoded,
 * validated and compiled in one walk over its bytes. Every count read from the input is checked
 * against a named limit (config.h) and against the bytes left before anything is allocated.
 * Module lifetime (reference counts) lives here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "config.h"
#include "error.h"
#include "module.h"
#include "reader.h"
#include "runtime.h"

typedef struct decoder {
    weft_module *m;
    reader r;
    load_error err;
    compiler *comp;
    uint32_t nfunc_defs;       /* from the function section */
    bool seen_code;            /* the code section was present */
    const uint8_t *name_sec;   /* contents of the "name" custom section, parsed at the end */
    size_t name_sec_len;
} decoder;

#define MALFORMED(r, ...) return rd_malformed((r), __VA_ARGS__)
#define INVALID(r, ...) return rd_invalid((r), __VA_ARGS__)

/* ---- small readers ------------------------------------------------------------------------ */

/* Reads a vector length: at most limit, and at most one element per byte left. */
static bool read_count(reader *r, uint32_t limit, const char *what, uint32_t *n) {
    if (!rd_u32(r, n)) return false;
    if (*n > limit) return rd_fail(r, WEFT_ERR_LIMIT, "too many %s (%u, limit %u)", what, *n, limit);
    if (*n > rd_left(r)) MALFORMED(r, "unexpected end of section or function: %u %s declared, %zu bytes left",
                  *n, what, rd_left(r));
    return true;
}

static bool utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

static bool read_name(reader *r, name_ref *out) {
    uint32_t len;
    const uint8_t *p;
    if (!rd_u32(r, &len)) return false;
    if (len > WEFT_MAX_NAME_LEN) return rd_fail(r, WEFT_ERR_LIMIT, "name too long (%u bytes)", len);
    size_t at = rd_offset(r);
    if (!rd_bytes(r, len, &p)) return false;
    if (!utf8_valid(p, len)) return rd_fail_at(r, at, WEFT_ERR_MALFORMED, "malformed UTF-8 encoding");
    out->ptr = (const char *)p;
    out->len = len;
    return true;
}

static bool read_valtype(reader *r, valtype *t) {
    uint8_t b;
    if (!rd_byte(r, &b)) return false;
    switch (b) {
    case VT_I32: case VT_I64: case VT_F32: case VT_F64: case VT_FUNCREF: case VT_EXTERNREF:
        *t = b;
        return true;
    case VT_V128:
        r->p--;
        return rd_fail(r, WEFT_ERR_UNSUPPORTED, "SIMD not supported (v128 value type)");
    }
    r->p--;
    MALFORMED(r, "malformed value type 0x%02x", b);
}

static bool read_reftype(reader *r, valtype *t) {
    uint8_t b;
    if (!rd_byte(r, &b)) return false;
    if (b != VT_FUNCREF && b != VT_EXTERNREF) {
        r->p--;
        MALFORMED(r, "malformed reference type 0x%02x", b);
    }
    *t = b;
    return true;
}

static bool read_limits(reader *r, limits *l) {
    uint8_t flag;
    if (!rd_byte(r, &flag)) return false;
    if (flag > 1) {
        r->p--;
        if (flag & 0x80) MALFORMED(r, "integer representation too long: limits flag 0x%02x", flag);
        MALFORMED(r, "integer too large: limits flag 0x%02x", flag);
    }
    l->has_max = flag == 1;
    if (!rd_u32(r, &l->min)) return false;
    l->max = 0;
    if (l->has_max && !rd_u32(r, &l->max)) return false;
    return true;
}

static bool check_mem_limits(reader *r, const limits *l) {
    if (l->min > WEFT_MAX_PAGES || (l->has_max && l->max > WEFT_MAX_PAGES))
        INVALID(r, "memory size must be at most 65536 pages (4GiB)");
    if (l->has_max && l->min > l->max) INVALID(r, "size minimum must not be greater than maximum");
    return true;
}

static bool read_table_type(reader *r, table_type *t) {
    if (!read_reftype(r, &t->reftype) || !read_limits(r, &t->lim)) return false;
    if (t->lim.has_max && t->lim.min > t->lim.max)
        INVALID(r, "size minimum must not be greater than maximum");
    return true;
}

static bool read_global_type(reader *r, global_type *g) {
    uint8_t mut;
    if (!read_valtype(r, &g->type) || !rd_byte(r, &mut)) return false;
    if (mut > 1) {
        r->p--;
        MALFORMED(r, "malformed mutability 0x%02x", mut);
    }
    g->mut = mut;
    return true;
}

static bool grow_array(void **p, size_t n, size_t elem) {
    void *q = realloc(*p, (n ? n : 1) * elem);
    if (!q) return false;
    *p = q;
    return true;
}

#define GROW(d, arr, n)                                                                         \
    do {                                                                                        \
        if (!grow_array((void **)&(arr), (n), sizeof *(arr)))                                   \
            return rd_fail(&(d)->r, WEFT_ERR_NOMEM, "out of memory");                           \
    } while (0)

static void declare_func(weft_module *m, uint32_t f) { m->func_declared[f / 8] |= (uint8_t)(1u << (f % 8)); }

/* The function index space is final once the function section is past. */
static bool ensure_declared(decoder *d) {
    weft_module *m = d->m;
    if (m->func_declared) return true;
    m->func_declared = calloc(m->nfuncs / 8 + 1, 1);
    if (!m->func_declared) return rd_fail(&d->r, WEFT_ERR_NOMEM, "out of memory");
    return true;
}

/* Whether b starts an instruction of WebAssembly 2.0 (0xFC and 0xFD are prefixes). */
static bool opcode_exists(uint8_t b) {
    return b <= 0x05 || (b >= 0x0B && b <= 0x11) || (b >= 0x1A && b <= 0x1C) ||
           (b >= 0x20 && b <= 0x26) || (b >= 0x28 && b <= 0xC4) || (b >= 0xD0 && b <= 0xD2) ||
           b == 0xFC || b == 0xFD;
}

/* A constant expression of the given type: one constant instruction, then end. As in 2.0,
 * global.get may only read imported immutable globals. */
static bool read_constexpr(decoder *d, valtype expect, constexpr_ *ce) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint8_t op;
    size_t at = rd_offset(r);
    if (!rd_byte(r, &op)) return false;
    memset(ce, 0, sizeof *ce);
    switch (op) {
    case 0x41: {
        int32_t v;
        if (!rd_s32(r, &v)) return false;
        ce->kind = CE_CONST, ce->type = VT_I32, ce->bits = (uint32_t)v;
        break;
    }
    case 0x42: {
        int64_t v;
        if (!rd_s64(r, &v)) return false;
        ce->kind = CE_CONST, ce->type = VT_I64, ce->bits = (uint64_t)v;
        break;
    }
    case 0x43: {
        uint32_t v;
        if (!rd_fixed32(r, &v)) return false;
        ce->kind = CE_CONST, ce->type = VT_F32, ce->bits = v;
        break;
    }
    case 0x44: {
        uint64_t v;
        if (!rd_fixed64(r, &v)) return false;
        ce->kind = CE_CONST, ce->type = VT_F64, ce->bits = v;
        break;
    }
    case 0xD0:
        if (!read_reftype(r, &ce->type)) return false;
        ce->kind = CE_REF_NULL;
        break;
    case 0xD2:
        if (!rd_u32(r, &ce->index)) return false;
        if (ce->index >= m->nfuncs) INVALID(r, "unknown function %u", ce->index);
        if (!ensure_declared(d)) return false;
        declare_func(m, ce->index);
        ce->kind = CE_REF_FUNC, ce->type = VT_FUNCREF;
        break;
    case 0x23:
        if (!rd_u32(r, &ce->index)) return false;
        if (ce->index >= m->nglobal_imports) INVALID(r, "unknown global %u", ce->index);
        if (m->globals[ce->index].mut)
            INVALID(r, "constant expression required: global.get of mutable global %u", ce->index);
        ce->kind = CE_GLOBAL_GET, ce->type = m->globals[ce->index].type;
        break;
    case 0xFD:
        return rd_fail_at(r, at, WEFT_ERR_UNSUPPORTED, "SIMD not supported (v128 constant)");
    case 0x0B:
        return rd_fail_at(r, at, WEFT_ERR_INVALID, "type mismatch: empty constant expression");
    default:
        if (!opcode_exists(op)) return rd_fail_at(r, at, WEFT_ERR_MALFORMED, "illegal opcode 0x%02x", op);
        return rd_fail_at(r, at, WEFT_ERR_INVALID, "constant expression required (opcode 0x%02x)", op);
    }
    if (!rd_byte(r, &op)) return false;
    if (op != 0x0B) {
        r->p--;
        if (op == 0x41 || op == 0x42 || op == 0x43 || op == 0x44 || op == 0xD0 || op == 0xD2 || op == 0x23)
            INVALID(r, "type mismatch: constant expression leaves more than one value");
        INVALID(r, "constant expression required: more than one instruction");
    }
    if (ce->type != expect)
        return rd_fail_at(r, at, WEFT_ERR_INVALID, "type mismatch in constant expression");
    return true;
}

/* ---- sections ----------------------------------------------------------------------------- */

uint64_t functype_hash(const valtype *types, uint32_t nparams, uint32_t nresults) {
    uint64_t h = 1469598103934665603ull;
    h = (h ^ nparams) * 1099511628211ull;
    h = (h ^ nresults) * 1099511628211ull;
    for (uint32_t i = 0; i < nparams + nresults; i++) h = (h ^ types[i]) * 1099511628211ull;
    return h;
}

bool functype_equal(const functype *a, const functype *b) {
    if (a == b) return true;
    if (a->hash != b->hash || a->nparams != b->nparams || a->nresults != b->nresults) return false;
    /* a loop, not memcmp: signatures are short and call_indirect checks them on every call */
    for (uint32_t i = 0; i < a->nparams + a->nresults; i++)
        if (a->types[i] != b->types[i]) return false;
    return true;
}

static bool sec_type(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!read_count(r, WEFT_MAX_TYPES, "types", &n)) return false;
    m->types = calloc(n ? n : 1, sizeof *m->types);
    if (!m->types) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        uint32_t np, nr;
        if (!rd_byte(r, &form)) return false;
        if (form != 0x60) {
            r->p--;
            MALFORMED(r, "integer representation too long: function type form 0x%02x", form);
        }
        valtype buf[WEFT_MAX_PARAMS + WEFT_MAX_RESULTS];
        if (!read_count(r, WEFT_MAX_PARAMS, "parameters", &np)) return false;
        for (uint32_t k = 0; k < np; k++)
            if (!read_valtype(r, &buf[k])) return false;
        if (!read_count(r, WEFT_MAX_RESULTS, "results", &nr)) return false;
        for (uint32_t k = 0; k < nr; k++)
            if (!read_valtype(r, &buf[np + k])) return false;
        valtype *types = malloc((size_t)np + nr + 1);
        if (!types) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
        memcpy(types, buf, (size_t)np + nr);
        m->types[i].types = types;
        m->ntypes = i + 1;
        functype *t = &m->types[i];
        t->nparams = np;
        t->nresults = nr;
        t->hash = functype_hash(types, np, nr);
        for (uint32_t k = 0; k < np; k++) t->ref_params |= vt_is_ref(types[k]);
        t->api = malloc(((size_t)np + nr + 1) * sizeof *t->api);
        if (!t->api) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
        for (uint32_t k = 0; k < np + nr; k++) t->api[k] = (weft_valtype)types[k];
    }
    m->ntypes = n;
    /* Identical signatures share one canonical index (open addressing on the hash), so that
     * call_indirect can compare types by pointer. */
    m->canon = malloc((n ? n : 1) * sizeof *m->canon);
    uint32_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    uint32_t *slot = malloc(cap * sizeof *slot);
    if (!m->canon || !slot) {
        free(slot);
        return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    }
    memset(slot, 0xFF, cap * sizeof *slot);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = (uint32_t)m->types[i].hash & (cap - 1);
        while (slot[h] != UINT32_MAX && !functype_equal(&m->types[slot[h]], &m->types[i])) h = (h + 1) & (cap - 1);
        if (slot[h] == UINT32_MAX) slot[h] = i;
        m->canon[i] = slot[h];
    }
    free(slot);
    return true;
}

static bool sec_import(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!read_count(r, WEFT_MAX_IMPORTS, "imports", &n)) return false;
    m->imports = calloc(n ? n : 1, sizeof *m->imports);
    if (!m->imports) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        import *im = &m->imports[i];
        uint8_t kind;
        if (!read_name(r, &im->module) || !read_name(r, &im->name)) return false;
        if (!rd_byte(r, &kind)) return false;
        im->kind = kind;
        switch (kind) {
        case WEFT_EXTERN_FUNC: {
            uint32_t t;
            if (!rd_u32(r, &t)) return false;
            if (t >= m->ntypes) INVALID(r, "unknown type %u", t);
            GROW(d, m->funcs, m->nfuncs + 1);
            m->funcs[m->nfuncs] = (func_decl){.type = t, .imported = true};
            im->index = m->nfuncs++;
            m->nfunc_imports++;
            break;
        }
        case WEFT_EXTERN_TABLE:
            GROW(d, m->tables, m->ntables + 1);
            if (!read_table_type(r, &m->tables[m->ntables])) return false;
            im->index = m->ntables++;
            m->ntable_imports++;
            break;
        case WEFT_EXTERN_MEMORY:
            GROW(d, m->mems, m->nmems + 1);
            if (!read_limits(r, &m->mems[m->nmems]) || !check_mem_limits(r, &m->mems[m->nmems]))
                return false;
            if (m->nmems >= 1) INVALID(r, "multiple memories");
            im->index = m->nmems++;
            m->nmem_imports++;
            break;
        case WEFT_EXTERN_GLOBAL:
            GROW(d, m->globals, m->nglobals + 1);
            if (!read_global_type(r, &m->globals[m->nglobals])) return false;
            im->index = m->nglobals++;
            m->nglobal_imports++;
            break;
        default:
            r->p--;
            MALFORMED(r, "malformed import kind 0x%02x", kind);
        }
        m->nimports = i + 1;
    }
    return true;
}

static bool sec_function(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!read_count(r, WEFT_MAX_FUNCTIONS - m->nfuncs, "functions", &n)) return false;
    GROW(d, m->funcs, (size_t)m->nfuncs + n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        if (!rd_u32(r, &t)) return false;
        if (t >= m->ntypes) INVALID(r, "unknown type %u", t);
        m->funcs[m->nfuncs++] = (func_decl){.type = t};
    }
    d->nfunc_defs = n;
    return true;
}

static bool sec_table(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!read_count(r, WEFT_MAX_TABLES - m->ntables, "tables", &n)) return false;
    GROW(d, m->tables, (size_t)m->ntables + n);
    for (uint32_t i = 0; i < n; i++)
        if (!read_table_type(r, &m->tables[m->ntables++])) return false;
    return true;
}

static bool sec_memory(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!read_count(r, 2, "memories", &n)) return false;
    if (m->nmems + n > 1) INVALID(r, "multiple memories");
    GROW(d, m->mems, (size_t)m->nmems + n);
    for (uint32_t i = 0; i < n; i++) {
        if (!read_limits(r, &m->mems[m->nmems]) || !check_mem_limits(r, &m->mems[m->nmems]))
            return false;
        m->nmems++;
    }
    return true;
}

static bool sec_global(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!ensure_declared(d)) return false;
    if (!read_count(r, WEFT_MAX_GLOBALS - m->nglobals, "globals", &n)) return false;
    GROW(d, m->globals, (size_t)m->nglobals + n);
    m->global_inits = calloc((size_t)m->nglobals + n + 1, sizeof *m->global_inits);
    if (!m->global_inits) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        global_type *g = &m->globals[m->nglobals];
        if (!read_global_type(r, g)) return false;
        if (!read_constexpr(d, g->type, &m->global_inits[m->nglobals])) return false;
        m->nglobals++;
    }
    return true;
}

static int cmp_export_names(const void *a, const void *b) {
    const export *x = *(const export *const *)a, *y = *(const export *const *)b;
    uint32_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int c = memcmp(x->name.ptr, y->name.ptr, n);
    if (c) return c;
    return (x->name.len > y->name.len) - (x->name.len < y->name.len);
}

static bool sec_export(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!ensure_declared(d)) return false;
    if (!read_count(r, WEFT_MAX_EXPORTS, "exports", &n)) return false;
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        export *ex = &m->exports[i];
        uint8_t kind;
        if (!read_name(r, &ex->name) || !rd_byte(r, &kind) || !rd_u32(r, &ex->index)) return false;
        ex->kind = kind;
        switch (kind) {
        case WEFT_EXTERN_FUNC:
            if (ex->index >= m->nfuncs) INVALID(r, "unknown function %u", ex->index);
            declare_func(m, ex->index);
            break;
        case WEFT_EXTERN_TABLE:
            if (ex->index >= m->ntables) INVALID(r, "unknown table %u", ex->index);
            break;
        case WEFT_EXTERN_MEMORY:
            if (ex->index >= m->nmems) INVALID(r, "unknown memory %u", ex->index);
            break;
        case WEFT_EXTERN_GLOBAL:
            if (ex->index >= m->nglobals) INVALID(r, "unknown global %u", ex->index);
            break;
        default:
            MALFORMED(r, "malformed export kind 0x%02x", kind);
        }
        m->nexports = i + 1;
    }
    /* Names must be unique: sort pointers and compare neighbours. */
    if (n > 1) {
        const export **sorted = malloc(n * sizeof *sorted);
        if (!sorted) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++) sorted[i] = &m->exports[i];
        qsort(sorted, n, sizeof *sorted, cmp_export_names);
        for (uint32_t i = 1; i < n; i++)
            if (cmp_export_names(&sorted[i - 1], &sorted[i]) == 0) {
                name_ref dup = sorted[i]->name;
                free(sorted);
                INVALID(r, "duplicate export name \"%.*s\"", (int)(dup.len > 64 ? 64 : dup.len), dup.ptr);
            }
        free(sorted);
    }
    return true;
}

static bool sec_start(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t f;
    if (!rd_u32(r, &f)) return false;
    if (f >= m->nfuncs) INVALID(r, "unknown function %u", f);
    const functype *t = &m->types[m->funcs[f].type];
    if (t->nparams || t->nresults) INVALID(r, "start function %u must take and return nothing", f);
    m->has_start = true;
    m->start = f;
    return true;
}

static bool sec_elem(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!ensure_declared(d)) return false;
    if (!read_count(r, WEFT_MAX_ELEM_SEGMENTS, "element segments", &n)) return false;
    m->elems = calloc(n ? n : 1, sizeof *m->elems);
    if (!m->elems) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        elem_seg *s = &m->elems[i];
        uint32_t flags;
        size_t at = rd_offset(r);
        if (!rd_u32(r, &flags)) return false;
        if (flags > 7) return rd_fail_at(r, at, WEFT_ERR_MALFORMED, "malformed elements segment kind %u", flags);
        m->nelems = i + 1;
        /* bit 0: passive or declarative (else active); bit 1: explicit table index (active) or
         * declarative (non-active); bit 2: items are expressions (else function indices). */
        s->mode = !(flags & 1) ? SEG_ACTIVE : (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
        s->reftype = VT_FUNCREF;
        if (s->mode == SEG_ACTIVE) {
            if (flags & 2) {
                if (!rd_u32(r, &s->table)) return false;
            }
            if (!read_constexpr(d, VT_I32, &s->offset)) return false;
        }
        bool exprs = flags & 4;
        if (flags & 3) { /* an element kind or reference type is written */
            if (exprs) {
                if (!read_reftype(r, &s->reftype)) return false;
            } else {
                uint8_t kind;
                if (!rd_byte(r, &kind)) return false;
                if (kind != 0) {
                    r->p--;
                    MALFORMED(r, "malformed element kind 0x%02x", kind);
                }
            }
        }
        if (s->mode == SEG_ACTIVE) {
            if (s->table >= m->ntables) INVALID(r, "unknown table %u", s->table);
            if (m->tables[s->table].reftype != s->reftype)
                INVALID(r, "type mismatch: element segment %u does not fit table %u", i, s->table);
        }
        if (!read_count(r, UINT32_MAX, "elements", &s->count)) return false;
        s->items = calloc(s->count ? s->count : 1, sizeof *s->items);
        if (!s->items) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
        for (uint32_t k = 0; k < s->count; k++) {
            if (exprs) {
                if (!read_constexpr(d, s->reftype, &s->items[k])) return false;
            } else {
                uint32_t f;
                if (!rd_u32(r, &f)) return false;
                if (f >= m->nfuncs) INVALID(r, "unknown function %u", f);
                declare_func(m, f);
                s->items[k] = (constexpr_){.kind = CE_REF_FUNC, .type = VT_FUNCREF, .index = f};
            }
        }
    }
    return true;
}

static bool sec_datacount(decoder *d) {
    if (!rd_u32(&d->r, &d->m->ndatas)) return false;
    if (d->m->ndatas > WEFT_MAX_DATA_SEGMENTS)
        return rd_fail(&d->r, WEFT_ERR_LIMIT, "too many data segments (%u)", d->m->ndatas);
    d->m->has_datacount = true;
    return true;
}

static bool sec_code(decoder *d, const weft_engine_config *cfg) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!ensure_declared(d)) return false;
    if (!rd_u32(r, &n)) return false;
    if (n != d->nfunc_defs)
        MALFORMED(r, "function and code section have inconsistent lengths (%u functions, %u bodies)",
                  d->nfunc_defs, n);
    d->seen_code = true;
    d->comp = compiler_new(m, cfg);
    if (!d->comp) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        if (!rd_u32(r, &size)) return false;
        if (size > WEFT_MAX_FUNCTION_SIZE)
            return rd_fail(r, WEFT_ERR_LIMIT, "function body too large (%u bytes)", size);
        if (size > rd_left(r)) MALFORMED(r, "unexpected end: function body runs past its section");
        uint32_t f = m->nfunc_imports + i;
        m->funcs[f].body_off = (uint32_t)rd_offset(r);
        reader body = {.base = r->base, .p = r->p, .end = r->p + size, .err = r->err};
        if (!compiler_function(d->comp, f, &body)) return false;
        r->p += size;
    }
    compiler_finish(d->comp);
    return true;
}

static bool sec_data(decoder *d) {
    reader *r = &d->r;
    weft_module *m = d->m;
    uint32_t n;
    if (!read_count(r, WEFT_MAX_DATA_SEGMENTS, "data segments", &n)) return false;
    if (m->has_datacount && n != m->ndatas)
        MALFORMED(r, "data count and data section have inconsistent lengths (%u and %u)", m->ndatas, n);
    m->datas = calloc(n ? n : 1, sizeof *m->datas);
    if (!m->datas) return rd_fail(r, WEFT_ERR_NOMEM, "out of memory");
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++) {
        data_seg *s = &m->datas[i];
        uint32_t flags;
        size_t at = rd_offset(r);
        if (!rd_u32(r, &flags)) return false;
        if (flags > 2) return rd_fail_at(r, at, WEFT_ERR_MALFORMED, "malformed data segment kind %u", flags);
        s->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (flags == 2 && !rd_u32(r, &s->memory)) return false;
        if (s->mode == SEG_ACTIVE) {
            if (s->memory >= m->nmems) INVALID(r, "unknown memory %u", s->memory);
            if (!read_constexpr(d, VT_I32, &s->offset)) return false;
        }
        const uint8_t *bytes;
        if (!rd_u32(r, &s->len) || !rd_bytes(r, s->len, &bytes)) return false;
        s->bytes = bytes;
    }
    return true;
}

/* The "name" custom section: only function names are kept. A malformed name section is ignored,
 * as the spec's appendix allows, keeping the names read before the fault. */
static void parse_names(decoder *d, name_ref *names) {
    load_error ignored = {0};
    reader r = {.base = d->r.base, .p = d->name_sec, .end = d->name_sec + d->name_sec_len,
                .err = &ignored};
    while (!rd_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (!rd_byte(&r, &id) || !rd_u32(&r, &size) || size > rd_left(&r)) return;
        const uint8_t *end = r.p + size;
        if (id == 1) {
            uint32_t n;
            if (!rd_u32(&r, &n)) return;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t idx, len;
                const uint8_t *p;
                if (!rd_u32(&r, &idx) || !rd_u32(&r, &len) || !rd_bytes(&r, len, &p)) return;
                if (idx < d->m->nfuncs && len > 0 && len < 1024 && !memchr(p, 0, len))
                    names[idx] = (name_ref){.ptr = (const char *)p, .len = len};
            }
        }
        r.p = end;
    }
}

/* Builds m->names: every function's name from the name section, or "func[N]". */
static bool build_names(decoder *d) {
    weft_module *m = d->m;
    name_ref *refs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *refs);
    if (!refs) return rd_fail(&d->r, WEFT_ERR_NOMEM, "out of memory");
    if (d->name_sec) parse_names(d, refs);
    /* A function the name section does not name is called by its (first) export name. */
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export *ex = &m->exports[i];
        if (ex->kind == WEFT_EXTERN_FUNC && !refs[ex->index].len && ex->name.len > 0 &&
            ex->name.len < 1024 && !memchr(ex->name.ptr, 0, ex->name.len))
            refs[ex->index] = ex->name;
    }
    size_t total = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) total += refs[i].len ? refs[i].len + 1 : 18;
    m->names = malloc(total ? total : 1);
    if (!m->names) {
        free(refs);
        return rd_fail(&d->r, WEFT_ERR_NOMEM, "out of memory");
    }
    size_t at = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        m->funcs[i].name_off = (uint32_t)at;
        if (refs[i].len) {
            memcpy(m->names + at, refs[i].ptr, refs[i].len);
            at += refs[i].len;
            m->names[at++] = 0;
        } else {
            at += (size_t)snprintf(m->names + at, 18, "func[%u]", i) + 1;
        }
    }
    m->names_len = at;
    free(refs);
    return true;
}

static bool decode_module(decoder *d, const weft_engine_config *cfg) {
    reader *r = &d->r;
    weft_module *m = d->m;
    const uint8_t *magic;
    uint32_t version;
    if (rd_left(r) < 4 && memcmp(r->p, "\0asm", rd_left(r)) == 0) MALFORMED(r, "unexpected end: no magic header");
    if (rd_left(r) < 4 || memcmp(r->p, "\0asm", 4) != 0) MALFORMED(r, "magic header not detected");
    rd_bytes(r, 4, &magic);
    if (rd_left(r) < 4) MALFORMED(r, "unexpected end: no version");
    rd_fixed32(r, &version);
    if (version != 1) return rd_fail_at(r, 4, WEFT_ERR_MALFORMED, "unknown binary version %u", version);

    /* Section ids in their required order (the data count section sits before code). */
    static const uint8_t rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    unsigned last = 0;
    while (!rd_eof(r)) {
        uint8_t id;
        uint32_t size;
        size_t at = rd_offset(r);
        rd_byte(r, &id);
        if (id > 12) return rd_fail_at(r, at, WEFT_ERR_MALFORMED, "malformed section id %u", id);
        if (!rd_u32(r, &size)) return false;
        if (size > rd_left(r))
            MALFORMED(r, "length out of bounds: section %u of %u bytes runs past the end of the module",
                      id, size);
        const uint8_t *end = r->p + size;
        reader sec = {.base = r->base, .p = r->p, .end = end, .err = r->err};
        reader saved = *r;
        *r = sec;
        bool ok = true;
        if (id != 0) {
            if (rank[id] <= last)
                return rd_fail_at(r, at, WEFT_ERR_MALFORMED,
                                  "unexpected content after last section (section %u out of order)", id);
            last = rank[id];
        }
        switch (id) {
        case 0: {
            name_ref name;
            ok = read_name(r, &name);
            if (ok && name.len == 4 && memcmp(name.ptr, "name", 4) == 0) {
                d->name_sec = r->p;
                d->name_sec_len = rd_left(r);
            }
            r->p = end;
            break;
        }
        case 1: ok = sec_type(d); break;
        case 2: ok = sec_import(d); break;
        case 3: ok = sec_function(d); break;
        case 4: ok = sec_table(d); break;
        case 5: ok = sec_memory(d); break;
        case 6: ok = sec_global(d); break;
        case 7: ok = sec_export(d); break;
        case 8: ok = sec_start(d); break;
        case 9: ok = sec_elem(d); break;
        case 10: ok = sec_code(d, cfg); break;
        case 11: ok = sec_data(d); break;
        case 12: ok = sec_datacount(d); break;
        }
        if (!ok) return false;
        if (r->p != end) MALFORMED(r, "section size mismatch (section %u)", id);
        *r = saved;
        r->p = end;
    }
    if (d->nfunc_defs && !d->seen_code)
        MALFORMED(r, "function and code section have inconsistent lengths (no code section)");
    if (m->has_datacount && m->ndatas && !m->datas)
        MALFORMED(r, "data count and data section have inconsistent lengths (no data section)");
    if (!ensure_declared(d)) return false;
    return build_names(d);
}

/* ---- module lifetime ---------------------------------------------------------------------- */

static void module_destroy(weft_module *m) {
    if (!m) return;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        free(m->types[i].types);
        free(m->types[i].api);
    }
    free(m->types);
    free(m->canon);
    free(m->imports);
    free(m->funcs);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    free(m->global_inits);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    free(m->func_declared);
    free(m->code);
    free(m->names);
    image_free(m);
    free(m->bytes);
    free(m);
}

weft_error *module_build(weft_engine *e, const uint8_t *bytes, size_t len, weft_module **out) {
    *out = NULL;
    if (len > WEFT_MAX_MODULE_SIZE)
        return err_new(WEFT_ERR_LIMIT, -1, "module too large (%zu bytes, limit %u)", len,
                       WEFT_MAX_MODULE_SIZE);
    weft_module *m = calloc(1, sizeof *m);
    decoder d = {0};
    weft_error *err = NULL;
    if (!m) return err_nomem();
    atomic_init(&m->refs, 1);
    m->engine = e;
    m->image_fd = -1;
    m->bytes = malloc(len ? len : 1);
    if (!m->bytes) {
        err = err_nomem();
        goto fail;
    }
    if (len) memcpy(m->bytes, bytes, len);
    m->len = len;
    d.m = m;
    d.r = (reader){.base = m->bytes, .p = m->bytes, .end = m->bytes + len, .err = &d.err};
    if (!decode_module(&d, &e->cfg)) {
        err = err_new(d.err.kind, d.err.offset, "%s", d.err.msg);
        goto fail;
    }
    compiler_free(d.comp);
    image_build(m);
    *out = m;
    return NULL;
fail:
    compiler_free(d.comp);
    module_destroy(m);
    return err;
}

void module_retain(weft_module *m) { atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed); }

void module_release(weft_module *m) {
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1) module_destroy(m);
}

WEFT_API weft_error *weft_module_new(weft_engine *e, const uint8_t *bytes, size_t len,
                                     weft_module **out) {
    if (!out) return err_new(WEFT_ERR_USAGE, -1, "weft_module_new: out is NULL");
    if (!e || (!bytes && len)) {
        *out = NULL;
        return err_new(WEFT_ERR_USAGE, -1, "weft_module_new: no engine or no bytes");
    }
    return module_build(e, bytes, len, out);
}

WEFT_API void weft_module_free(weft_module *m) { module_release(m); }

WEFT_API weft_error *weft_module_validate(weft_engine *e, const uint8_t *bytes, size_t len) {
    weft_module *m;
    weft_error *err = weft_module_new(e, bytes, len, &m);
    if (!err) module_release(m);
    return err;
}

WEFT_API size_t weft_module_import_count(const weft_module *m) { return m->nimports; }

WEFT_API void weft_module_import(const weft_module *m, size_t i, const char **module,
                                 size_t *module_len, const char **name, size_t *name_len,
                                 weft_extern_kind *kind) {
    const import *im = &m->imports[i];
    if (module) *module = im->module.ptr;
    if (module_len) *module_len = im->module.len;
    if (name) *name = im->name.ptr;
    if (name_len) *name_len = im->name.len;
    if (kind) *kind = (weft_extern_kind)im->kind;
}

WEFT_API size_t weft_module_export_count(const weft_module *m) { return m->nexports; }

WEFT_API void weft_module_export(const weft_module *m, size_t i, const char **name,
                                 size_t *name_len, weft_extern_kind *kind) {
    const export *ex = &m->exports[i];
    if (name) *name = ex->name.ptr;
    if (name_len) *name_len = ex->name.len;
    if (kind) *kind = (weft_extern_kind)ex->kind;
}
