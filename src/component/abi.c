/* abi.c: the canonical ABI (design/mvp/CanonicalABI.md of the component model): sizes,
 * alignments and flattenings of component types, and lifting and lowering of cv values through
 * a guest's memory and flat core values, with the spill rules of whole calls. UTF-8 strings only;
 * own/borrow handles pass as plain i32 (no handle tables here). Guest memory is only touched
 * through the checked helpers rd/wr/in_mem below.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "component/abi.h"

/* Sizes saturate here, so an absurd type cannot overflow 64-bit arithmetic; abi_check_type
 * refuses anything of 4 GiB or more. */
#define SIZE_CAP ((uint64_t)1 << 40)

static uint64_t align_to(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }
static uint64_t sat(uint64_t x) { return x > SIZE_CAP ? SIZE_CAP : x; }

/* ---- despecialisation ----------------------------------------------------------------------- */

uint32_t abi_case_count(const ct_type *t) {
    t = ct_resolve(t);
    if (!t) return 0;
    switch (t->kind) {
    case CT_OPTION: case CT_RESULT: return 2;
    case CT_VARIANT: case CT_ENUM: return t->nfields;
    default: return 0;
    }
}

const ct_type *abi_case_type(const ct_type *t, uint32_t i) {
    t = ct_resolve(t);
    if (!t) return NULL;
    switch (t->kind) {
    case CT_OPTION: return i == 1 ? t->elem : NULL;
    case CT_RESULT: return i == 0 ? t->ok : i == 1 ? t->err : NULL;
    case CT_VARIANT: return i < t->nfields ? t->fields[i].type : NULL;
    default: return NULL;
    }
}

/* ---- layout --------------------------------------------------------------------------------- */

uint32_t abi_disc_size(uint64_t ncases) { return ncases <= 256 ? 1 : ncases <= 65536 ? 2 : 4; }

uint32_t abi_flags_size(uint32_t n) {
    if (n == 0) return 0;
    if (n <= 8) return 1;
    if (n <= 16) return 2;
    return 4 * ((n + 31) / 32);
}

static uint32_t align_of(const ct_type *t, int depth);
static uint64_t size_of(const ct_type *t, int depth);

static uint32_t fields_align(const ct_field *f, uint32_t n, int depth) {
    uint32_t a = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fa = align_of(f[i].type, depth + 1);
        if (fa > a) a = fa;
    }
    return a;
}

static uint64_t fields_size(const ct_field *f, uint32_t n, int depth) {
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        s = align_to(s, align_of(f[i].type, depth + 1));
        s = sat(s + size_of(f[i].type, depth + 1));
    }
    return align_to(s, fields_align(f, n, depth));
}

static uint32_t max_case_align(const ct_type *t, int depth) {
    uint32_t a = 1, n = abi_case_count(t);
    for (uint32_t i = 0; i < n; i++) {
        const ct_type *c = abi_case_type(t, i);
        if (c) {
            uint32_t ca = align_of(c, depth + 1);
            if (ca > a) a = ca;
        }
    }
    return a;
}

static uint32_t align_of(const ct_type *t, int depth) {
    t = ct_resolve(t);
    if (!t || depth > ABI_MAX_DEPTH) return 1;
    switch (t->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: return 1;
    case CT_S16: case CT_U16: return 2;
    case CT_S32: case CT_U32: case CT_F32: case CT_CHAR: return 4;
    case CT_S64: case CT_U64: case CT_F64: return 8;
    case CT_STRING: case CT_LIST: case CT_OWN: case CT_BORROW: return 4;
    case CT_TUPLE: case CT_RECORD: return fields_align(t->fields, t->nfields, depth);
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t d = abi_disc_size(abi_case_count(t)), c = max_case_align(t, depth);
        return d > c ? d : c;
    }
    case CT_FLAGS: return t->nfields <= 8 ? 1 : t->nfields <= 16 ? 2 : 4;
    default: return 1;
    }
}

static uint64_t size_of(const ct_type *t, int depth) {
    t = ct_resolve(t);
    if (!t || depth > ABI_MAX_DEPTH) return 0;
    switch (t->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: return 1;
    case CT_S16: case CT_U16: return 2;
    case CT_S32: case CT_U32: case CT_F32: case CT_CHAR: case CT_OWN: case CT_BORROW: return 4;
    case CT_S64: case CT_U64: case CT_F64: case CT_STRING: case CT_LIST: return 8;
    case CT_TUPLE: case CT_RECORD: return fields_size(t->fields, t->nfields, depth);
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t n = abi_case_count(t);
        uint64_t s = align_to(abi_disc_size(n), max_case_align(t, depth)), cs = 0;
        for (uint32_t i = 0; i < n; i++) {
            const ct_type *c = abi_case_type(t, i);
            if (c) {
                uint64_t sz = size_of(c, depth + 1);
                if (sz > cs) cs = sz;
            }
        }
        return align_to(sat(s + cs), align_of(t, depth));
    }
    case CT_FLAGS: return abi_flags_size(t->nfields);
    default: return 0;
    }
}

uint64_t abi_size(const ct_type *t) { return size_of(t, 0); }
uint32_t abi_align(const ct_type *t) { return align_of(t, 0); }
uint64_t abi_fields_size(const ct_field *f, uint32_t n) { return fields_size(f, n, 0); }
uint32_t abi_fields_align(const ct_field *f, uint32_t n) { return fields_align(f, n, 0); }

static weft_error *check_type(const ct_type *t, int depth) {
    char b[96];
    const ct_type *r = ct_resolve(t);
    if (!r) return weft_error_new(WEFT_ERR_USAGE, "a type is missing");
    if (r->kind == CT_ALIAS) return weft_error_new(WEFT_ERR_USAGE, "type aliases form a cycle");
    if (depth > ABI_MAX_DEPTH)
        return weft_error_new(WEFT_ERR_LIMIT, "types nest deeper than %d", ABI_MAX_DEPTH);
    weft_error *e = NULL;
    switch (r->kind) {
    case CT_LIST: case CT_OPTION:
        return check_type(r->elem, depth + 1);
    case CT_RESULT:
        if (r->ok && (e = check_type(r->ok, depth + 1))) return e;
        if (r->err && (e = check_type(r->err, depth + 1))) return e;
        return NULL;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < r->nfields; i++)
            if ((e = check_type(r->fields[i].type, depth + 1))) return e;
        return NULL;
    case CT_VARIANT: case CT_ENUM:
        if (r->nfields == 0)
            return weft_error_new(WEFT_ERR_USAGE, "%s has no cases", ct_describe(r, b, sizeof b));
        if (r->kind == CT_VARIANT)
            for (uint32_t i = 0; i < r->nfields; i++)
                if (r->fields[i].type && (e = check_type(r->fields[i].type, depth + 1))) return e;
        return NULL;
    case CT_RESOURCE:
        return weft_error_new(WEFT_ERR_USAGE,
                              "resource %s is not a value type (pass own<> or borrow<>)",
                              ct_describe(r, b, sizeof b));
    default:
        return NULL;
    }
}

weft_error *abi_check_type(const ct_type *t) {
    weft_error *e = check_type(t, 0);
    if (e) return e;
    if (abi_size(t) >= ((uint64_t)1 << 32)) {
        char b[96];
        return weft_error_new(WEFT_ERR_USAGE, "%s takes 4 GiB or more in memory",
                              ct_describe(t, b, sizeof b));
    }
    return NULL;
}

/* ---- flattening ----------------------------------------------------------------------------- */

static weft_valtype join(weft_valtype a, weft_valtype b) {
    if (a == b) return a;
    if ((a == WEFT_I32 && b == WEFT_F32) || (a == WEFT_F32 && b == WEFT_I32)) return WEFT_I32;
    return WEFT_I64;
}

/* Appends t's flat types to out[*n..max); false when there are more than fit. */
static bool flat(const ct_type *t, weft_valtype *out, size_t *n, size_t max, int depth);

static bool push_type(weft_valtype v, weft_valtype *out, size_t *n, size_t max) {
    if (*n >= max) return false;
    out[(*n)++] = v;
    return true;
}

static bool flat_fields(const ct_field *f, uint32_t nf, weft_valtype *out, size_t *n, size_t max,
                        int depth) {
    for (uint32_t i = 0; i < nf; i++)
        if (!flat(f[i].type, out, n, max, depth + 1)) return false;
    return true;
}

static bool flat(const ct_type *t, weft_valtype *out, size_t *n, size_t max, int depth) {
    t = ct_resolve(t);
    if (!t || depth > ABI_MAX_DEPTH) return false;
    switch (t->kind) {
    case CT_BOOL: case CT_S8: case CT_U8: case CT_S16: case CT_U16: case CT_S32: case CT_U32:
    case CT_CHAR: case CT_OWN: case CT_BORROW:
        return push_type(WEFT_I32, out, n, max);
    case CT_S64: case CT_U64: return push_type(WEFT_I64, out, n, max);
    case CT_F32: return push_type(WEFT_F32, out, n, max);
    case CT_F64: return push_type(WEFT_F64, out, n, max);
    case CT_STRING: case CT_LIST:
        return push_type(WEFT_I32, out, n, max) && push_type(WEFT_I32, out, n, max);
    case CT_TUPLE: case CT_RECORD: return flat_fields(t->fields, t->nfields, out, n, max, depth);
    case CT_FLAGS:
        for (uint32_t i = 0; i < (t->nfields + 31) / 32; i++)
            if (!push_type(WEFT_I32, out, n, max)) return false;
        return true;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        if (!push_type(WEFT_I32, out, n, max)) return false;
        size_t base = *n, joined = 0, room = max - base;
        if (room > ABI_MAX_FLAT) room = ABI_MAX_FLAT;
        uint32_t nc = abi_case_count(t);
        for (uint32_t i = 0; i < nc; i++) {
            const ct_type *c = abi_case_type(t, i);
            if (!c) continue;
            weft_valtype scratch[ABI_MAX_FLAT];
            size_t k = 0;
            if (!flat(c, scratch, &k, room, depth + 1)) return false;
            for (size_t j = 0; j < k; j++) {
                if (j < joined) out[base + j] = join(out[base + j], scratch[j]);
                else out[base + j] = scratch[j];
            }
            if (k > joined) joined = k;
        }
        *n = base + joined;
        return true;
    }
    default: return false;
    }
}

size_t abi_flatten(const ct_type *t, weft_valtype *out, size_t max) {
    weft_valtype scratch[ABI_MAX_FLAT];
    size_t n = 0;
    if (max > ABI_MAX_FLAT) max = ABI_MAX_FLAT;
    if (!flat(t, scratch, &n, max, 0)) return max + 1;
    if (out) memcpy(out, scratch, n * sizeof *out);
    return n;
}

/* How many flat values fields take, or max + 1 if more than max (max <= ABI_MAX_FLAT). */
static size_t flat_count(const ct_field *f, uint32_t nf, weft_valtype *out, size_t max) {
    size_t n = 0;
    return flat_fields(f, nf, out, &n, max, 0) ? n : max + 1;
}

void abi_flatten_func(const ct_func *f, abi_dir dir, abi_core_sig *sig) {
    memset(sig, 0, sizeof *sig);
    sig->nparams = flat_count(f->params, f->nparams, sig->params, ABI_MAX_FLAT_PARAMS);
    if (sig->nparams > ABI_MAX_FLAT_PARAMS) {
        sig->params_spilled = true;
        sig->params[0] = WEFT_I32;
        sig->nparams = 1;
    }
    sig->nresults = flat_count(f->results, f->nresults, sig->results, ABI_MAX_FLAT_RESULTS);
    if (sig->nresults > ABI_MAX_FLAT_RESULTS) {
        sig->results_spilled = true;
        if (dir == ABI_LIFT) {
            sig->results[0] = WEFT_I32;
            sig->nresults = 1;
        } else {
            sig->params[sig->nparams++] = WEFT_I32;
            sig->nresults = 0;
        }
    }
}

bool abi_sig_matches(const weft_func *f, const abi_core_sig *sig) {
    if (weft_func_param_count(f) != sig->nparams || weft_func_result_count(f) != sig->nresults)
        return false;
    for (size_t i = 0; i < sig->nparams; i++)
        if (weft_func_params(f)[i] != sig->params[i]) return false;
    for (size_t i = 0; i < sig->nresults; i++)
        if (weft_func_results(f)[i] != sig->results[i]) return false;
    return true;
}

/* ---- context and errors --------------------------------------------------------------------- */

void abi_cx_init(abi_cx *cx, weft_memory *m, cv_arena *arena) {
    memset(cx, 0, sizeof *cx);
    cx->memory = m;
    if (m) {
        cx->mem = weft_memory_data(m);
        cx->mem_size = weft_memory_size(m);
    }
    cx->arena = arena;
    if (arena) cv_arena_set_limit(arena, ABI_DEFAULT_LIFT_LIMIT);
}

bool abi_realloc_typed(const weft_func *f) {
    static const weft_valtype i4[4] = {WEFT_I32, WEFT_I32, WEFT_I32, WEFT_I32};
    return f && weft_func_param_count(f) == 4 && weft_func_result_count(f) == 1 &&
           memcmp(weft_func_params(f), i4, sizeof i4) == 0 && weft_func_results(f)[0] == WEFT_I32;
}

weft_error *abi_guest_realloc(void *user, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size, uint32_t *out_ptr) {
    abi_guest_realloc_ctx *g = user;
    uint64_t slots[4] = {old_ptr, old_size, align, new_size};
    weft_error *e = weft_func_call_raw(g->store, g->func, slots, 4);
    if (e) return e;
    *out_ptr = (uint32_t)slots[0];
    return NULL;
}

#define TNAME(t) ct_describe((t), tbuf, sizeof tbuf)

static weft_error *usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static weft_error *usage(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return weft_error_new(WEFT_ERR_USAGE, "%s", msg);
}

static weft_error *no_room(void) {
    return weft_error_new(WEFT_ERR_LIMIT, "lifted values reached the limit of their arena "
                                          "(or host memory ran out)");
}

static weft_error *too_deep(void) {
    return weft_error_new(WEFT_ERR_LIMIT, "types nest deeper than %d", ABI_MAX_DEPTH);
}

/* The base of a memory never moves (weft_memory_data); only its size grows. */
static void refresh(abi_cx *cx) {
    if (cx->memory) {
        if (!cx->mem) cx->mem = weft_memory_data(cx->memory);
        cx->mem_size = weft_memory_size(cx->memory);
    }
}

static bool in_mem(const abi_cx *cx, uint64_t ptr, uint64_t len) {
    return cx->mem && ptr <= cx->mem_size && len <= cx->mem_size - ptr;
}

static weft_error *past_end(const abi_cx *cx, const char *what, uint64_t ptr, uint64_t len) {
    return weft_trap_new("%s at 0x%" PRIx64 " of %" PRIu64
                         " bytes runs past the end of memory (%" PRIu64 " bytes)",
                         what, ptr, len, cx->mem_size);
}

/* Little-endian reads and writes of 1, 2, 4 or 8 bytes, each bounds-checked. */
static weft_error *rd(const abi_cx *cx, uint64_t ptr, uint32_t nbytes, uint64_t *out) {
    if (!in_mem(cx, ptr, nbytes)) return past_end(cx, "a read", ptr, nbytes);
    uint64_t v = 0;
    for (uint32_t i = 0; i < nbytes; i++) v |= (uint64_t)cx->mem[ptr + i] << (8 * i);
    *out = v;
    return NULL;
}

static weft_error *wr(abi_cx *cx, uint64_t ptr, uint32_t nbytes, uint64_t v) {
    if (!in_mem(cx, ptr, nbytes)) return past_end(cx, "a write", ptr, nbytes);
    for (uint32_t i = 0; i < nbytes; i++) cx->mem[ptr + i] = (uint8_t)(v >> (8 * i));
    return NULL;
}

/* Calls the guest's realloc for size bytes aligned to align and checks what it returns. */
static weft_error *call_realloc(abi_cx *cx, uint32_t align, uint64_t size, const char *what,
                                uint32_t *out) {
    if (!cx->realloc) return usage("no cabi_realloc to allocate %s in the guest", what);
    weft_error *e = cx->realloc(cx->realloc_user, 0, 0, align, (uint32_t)size, out);
    refresh(cx);
    if (e) return e;
    if (*out % align)
        return weft_trap_new("cabi_realloc returned 0x%" PRIx32 " for %s, not aligned to %" PRIu32,
                             *out, what, align);
    if (!in_mem(cx, *out, size))
        return weft_trap_new("cabi_realloc returned 0x%" PRIx32 " for %s of %" PRIu64
                             " bytes, past the end of memory (%" PRIu64 " bytes)",
                             *out, what, size, cx->mem_size);
    return NULL;
}

static void *alloc_values(abi_cx *cx, uint64_t n) {
    if (n > SIZE_MAX / sizeof(cv)) return NULL;
    return cv_alloc(cx->arena, (size_t)n * sizeof(cv));
}

static bool valid_char(uint64_t c) { return c < 0xD800 || (c > 0xDFFF && c < 0x110000); }

static float canon_f32(uint32_t bits) {
    float f;
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) bits = 0x7fc00000u;
    memcpy(&f, &bits, 4);
    return f;
}

static double canon_f64(uint64_t bits) {
    double d;
    if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (bits & 0x000fffffffffffffull))
        bits = 0x7ff8000000000000ull;
    memcpy(&d, &bits, 8);
    return d;
}

static uint32_t f32_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, 4);
    if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu)) b = 0x7fc00000u;
    return b;
}

static uint64_t f64_bits(double d) {
    uint64_t b;
    memcpy(&b, &d, 8);
    if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull))
        b = 0x7ff8000000000000ull;
    return b;
}

size_t abi_utf8_invalid_at(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            /* ASCII runs: eight bytes at a time while none has its top bit set */
            while (len - i >= 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ull) break;
                i += 8;
            }
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07, min = 0x10000;
        else return i;
        if (len - i <= n) return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return len;
}

/* ---- loading -------------------------------------------------------------------------------- */

static weft_error *load(abi_cx *cx, const ct_type *t, uint64_t ptr, cv *out, int depth);

static weft_error *load_string_range(abi_cx *cx, uint64_t ptr, uint64_t len, cv *out) {
    if (!in_mem(cx, ptr, len)) return past_end(cx, "string", ptr, len);
    const uint8_t *s = cx->mem + ptr;
    size_t bad = abi_utf8_invalid_at(s, (size_t)len);
    if (bad != len)
        return weft_trap_new("string at 0x%" PRIx64 " of %" PRIu64
                             " bytes is not valid UTF-8 (byte %zu)",
                             ptr, len, bad);
    char *copy = cv_alloc(cx->arena, (size_t)len);
    if (!copy) return no_room();
    if (len) memcpy(copy, s, (size_t)len);
    out->of.str.ptr = copy;
    out->of.str.len = (size_t)len;
    return NULL;
}

/* Checks a list of type lt at ptr of len elements in cx's memory (aligned, not overflowing,
 * inside the memory) and gives its elements' alignment and size. */
static weft_error *check_list_range(const abi_cx *cx, const ct_type *lt, uint64_t ptr,
                                    uint64_t len, int depth, uint32_t *align, uint64_t *size) {
    char tbuf[96];
    uint32_t a = *align = align_of(lt->elem, depth + 1);
    uint64_t s = *size = size_of(lt->elem, depth + 1);
    if (ptr % a)
        return weft_trap_new("%s at 0x%" PRIx64 " is not aligned to %" PRIu32 " bytes", TNAME(lt),
                             ptr, a);
    if (s && len > UINT64_MAX / s)
        return weft_trap_new("%s at 0x%" PRIx64 " of %" PRIu64 " elements is too long", TNAME(lt),
                             ptr, len);
    if (!in_mem(cx, ptr, len * s))
        return weft_trap_new("%s at 0x%" PRIx64 " of %" PRIu64 " elements (%" PRIu64
                             " bytes) runs past the end of memory (%" PRIu64 " bytes)",
                             TNAME(lt), ptr, len, len * s, cx->mem_size);
    return NULL;
}

static weft_error *load_list_range(abi_cx *cx, const ct_type *lt, uint64_t ptr, uint64_t len,
                                   cv *out, int depth) {
    const ct_type *elem = lt->elem;
    uint32_t a;
    uint64_t s;
    weft_error *e = check_list_range(cx, lt, ptr, len, depth, &a, &s);
    if (e) return e;
    cv *items = alloc_values(cx, len ? len : 1);
    if (!items) return no_room();
    for (uint64_t i = 0; i < len; i++)
        if ((e = load(cx, elem, ptr + i * s, &items[i], depth + 1))) return e;
    out->of.seq.items = items;
    out->of.seq.n = (size_t)len;
    return NULL;
}

static weft_error *load_fields(abi_cx *cx, const ct_field *f, uint32_t nf, uint64_t ptr,
                               cv *items, int depth) {
    for (uint32_t i = 0; i < nf; i++) {
        ptr = align_to(ptr, align_of(f[i].type, depth + 1));
        weft_error *e = load(cx, f[i].type, ptr, &items[i], depth + 1);
        if (e) return e;
        ptr += size_of(f[i].type, depth + 1);
    }
    return NULL;
}

static int64_t sign_extend(uint64_t v, uint32_t nbytes) {
    switch (nbytes) {
    case 1: return (int8_t)(uint8_t)v;
    case 2: return (int16_t)(uint16_t)v;
    case 4: return (int32_t)(uint32_t)v;
    default: return (int64_t)v;
    }
}

static uint32_t int_bytes(ct_kind k) {
    switch (k) {
    case CT_S8: case CT_U8: return 1;
    case CT_S16: case CT_U16: return 2;
    case CT_S32: case CT_U32: return 4;
    default: return 8;
    }
}

static weft_error *load(abi_cx *cx, const ct_type *t, uint64_t ptr, cv *out, int depth) {
    char tbuf[96];
    weft_error *e;
    uint64_t v = 0, p = 0, n = 0;
    t = ct_resolve(t);
    if (!t) return usage("a type is missing");
    if (depth > ABI_MAX_DEPTH) return too_deep();
    memset(out, 0, sizeof *out);
    out->type = t;
    switch (t->kind) {
    case CT_BOOL:
        if ((e = rd(cx, ptr, 1, &v))) return e;
        out->of.b = v != 0;
        return NULL;
    case CT_U8: case CT_U16: case CT_U32: case CT_U64:
        if ((e = rd(cx, ptr, int_bytes(t->kind), &v))) return e;
        out->of.u = v;
        return NULL;
    case CT_S8: case CT_S16: case CT_S32: case CT_S64:
        if ((e = rd(cx, ptr, int_bytes(t->kind), &v))) return e;
        out->of.s = sign_extend(v, int_bytes(t->kind));
        return NULL;
    case CT_F32:
        if ((e = rd(cx, ptr, 4, &v))) return e;
        out->of.f32 = canon_f32((uint32_t)v);
        return NULL;
    case CT_F64:
        if ((e = rd(cx, ptr, 8, &v))) return e;
        out->of.f64 = canon_f64(v);
        return NULL;
    case CT_CHAR:
        if ((e = rd(cx, ptr, 4, &v))) return e;
        if (!valid_char(v))
            return weft_trap_new("char at 0x%" PRIx64 " is 0x%" PRIx64
                                 ", not a Unicode scalar value",
                                 ptr, v);
        out->of.ch = (uint32_t)v;
        return NULL;
    case CT_OWN: case CT_BORROW:
        if ((e = rd(cx, ptr, 4, &v))) return e;
        out->of.handle = (uint32_t)v;
        return NULL;
    case CT_STRING:
        if ((e = rd(cx, ptr, 4, &p)) || (e = rd(cx, ptr + 4, 4, &n))) return e;
        return load_string_range(cx, p, n, out);
    case CT_LIST:
        if ((e = rd(cx, ptr, 4, &p)) || (e = rd(cx, ptr + 4, 4, &n))) return e;
        return load_list_range(cx, t, p, n, out, depth);
    case CT_TUPLE: case CT_RECORD: {
        cv *items = alloc_values(cx, t->nfields ? t->nfields : 1);
        if (!items) return no_room();
        if ((e = load_fields(cx, t->fields, t->nfields, ptr, items, depth))) return e;
        out->of.seq.items = items;
        out->of.seq.n = t->nfields;
        return NULL;
    }
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t nc = abi_case_count(t), ds = abi_disc_size(nc);
        if ((e = rd(cx, ptr, ds, &v))) return e;
        if (v >= nc)
            return weft_trap_new("invalid discriminant %" PRIu64 " for %s (%" PRIu32
                                 " cases) at 0x%" PRIx64,
                                 v, TNAME(t), nc, ptr);
        out->of.var.disc = (uint32_t)v;
        const ct_type *c = abi_case_type(t, (uint32_t)v);
        if (c) {
            cv *pl = alloc_values(cx, 1);
            if (!pl) return no_room();
            if ((e = load(cx, c, align_to(ptr + ds, max_case_align(t, depth)), pl, depth + 1)))
                return e;
            out->of.var.payload = pl;
        }
        return NULL;
    }
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32, fs = abi_flags_size(t->nfields);
        uint32_t *w = cv_alloc(cx->arena, (nw ? nw : 1) * sizeof(uint32_t));
        if (!w) return no_room();
        if (fs && fs < 4) {
            if ((e = rd(cx, ptr, fs, &v))) return e;
            w[0] = (uint32_t)v;
        } else {
            for (uint32_t i = 0; i < nw; i++) {
                if ((e = rd(cx, ptr + 4 * (uint64_t)i, 4, &v))) return e;
                w[i] = (uint32_t)v;
            }
        }
        /* The spec ignores bits past the last flag; drop them so equal values compare equal. */
        if (t->nfields % 32) w[nw - 1] &= (1u << (t->nfields % 32)) - 1;
        out->of.flags.words = w;
        return NULL;
    }
    default:
        return usage("%s is not a value type", TNAME(t));
    }
}

/* The spec's asserts at the top of load and store, as traps: ptr aligned for t, t inside memory. */
static weft_error *check_value_ptr(const abi_cx *cx, const ct_type *t, uint64_t ptr) {
    char tbuf[96];
    uint32_t a = abi_align(t);
    uint64_t s = abi_size(t);
    if (ptr % a)
        return weft_trap_new("%s at 0x%" PRIx64 " is not aligned to %" PRIu32 " bytes", TNAME(t),
                             ptr, a);
    if (!in_mem(cx, ptr, s)) return past_end(cx, TNAME(t), ptr, s);
    return NULL;
}

weft_error *abi_load(abi_cx *cx, const ct_type *t, uint64_t ptr, cv *out) {
    refresh(cx);
    weft_error *e = check_value_ptr(cx, t, ptr);
    return e ? e : load(cx, t, ptr, out, 0);
}

/* ---- storing -------------------------------------------------------------------------------- */

static weft_error *store(abi_cx *cx, const ct_type *t, const cv *v, uint64_t ptr, int depth);

/* The value's type must be of t's kind, with as many fields, cases or flags. */
static weft_error *check_value(const ct_type *t, const cv *v) {
    char tbuf[96], vbuf[96];
    const ct_type *vt = v ? ct_resolve(v->type) : NULL;
    if (!vt || vt->kind != t->kind)
        return usage("a value of type %s where %s is expected",
                     vt ? ct_describe(vt, vbuf, sizeof vbuf) : "(none)", TNAME(t));
    switch (t->kind) {
    case CT_FLAGS: case CT_ENUM: case CT_VARIANT:
        if (vt->nfields != t->nfields)
            return usage("a value of type %s (%" PRIu32 " labels) where %s (%" PRIu32
                         " labels) is expected",
                         ct_describe(vt, vbuf, sizeof vbuf), vt->nfields, TNAME(t), t->nfields);
        return NULL;
    case CT_TUPLE: case CT_RECORD:
        if (v->of.seq.n != t->nfields)
            return usage("a value of %zu fields where %s (%" PRIu32 " fields) is expected",
                         v->of.seq.n, TNAME(t), t->nfields);
        return NULL;
    case CT_U8: case CT_U16: case CT_U32:
        if (v->of.u >> (8 * int_bytes(t->kind)))
            return usage("%" PRIu64 " is out of range for %s", v->of.u, TNAME(t));
        return NULL;
    case CT_S8: case CT_S16: case CT_S32:
        if (sign_extend((uint64_t)v->of.s, int_bytes(t->kind)) != v->of.s)
            return usage("%" PRId64 " is out of range for %s", v->of.s, TNAME(t));
        return NULL;
    default:
        return NULL;
    }
}

static weft_error *check_case(const ct_type *t, const cv *v) {
    char tbuf[96];
    uint32_t nc = abi_case_count(t);
    if (v->of.var.disc >= nc)
        return usage("case %" PRIu32 " of %s, which has %" PRIu32 " cases", v->of.var.disc,
                     TNAME(t), nc);
    bool has = abi_case_type(t, v->of.var.disc) != NULL;
    if (has != (v->of.var.payload != NULL))
        return usage("case %" PRIu32 " of %s %s a payload", v->of.var.disc, TNAME(t),
                     has ? "needs" : "takes no");
    return NULL;
}

static weft_error *lower_string(abi_cx *cx, const cv *v, uint32_t *p, uint32_t *len) {
    if (v->of.str.len > ABI_MAX_STRING_BYTES)
        return weft_trap_new("string of %zu bytes is too long to lower (at most %u)",
                             v->of.str.len, ABI_MAX_STRING_BYTES);
    size_t bad = abi_utf8_invalid_at((const uint8_t *)v->of.str.ptr, v->of.str.len);
    if (bad != v->of.str.len)
        return usage("a string of %zu bytes that is not valid UTF-8 (byte %zu)", v->of.str.len,
                     bad);
    weft_error *e = call_realloc(cx, 1, v->of.str.len, "a string", p);
    if (e) return e;
    if (v->of.str.len) memcpy(cx->mem + *p, v->of.str.ptr, v->of.str.len);
    *len = (uint32_t)v->of.str.len;
    return NULL;
}

static weft_error *lower_list(abi_cx *cx, const ct_type *lt, const cv *v, uint32_t *p,
                              uint32_t *len, int depth) {
    char tbuf[96];
    const ct_type *elem = lt->elem;
    uint64_t s = size_of(elem, depth + 1), n = v->of.seq.n;
    if (n > UINT32_MAX || (s && n > (UINT64_MAX >> 1) / s) || n * s >= ((uint64_t)1 << 32))
        return weft_trap_new("%s of %" PRIu64 " elements is too large to lower (4 GiB or more)",
                             TNAME(lt), n);
    weft_error *e = call_realloc(cx, align_of(elem, depth + 1), n * s, "a list", p);
    if (e) return e;
    for (uint64_t i = 0; i < n; i++)
        if ((e = store(cx, elem, &v->of.seq.items[i], *p + i * s, depth + 1))) return e;
    *len = (uint32_t)n;
    return NULL;
}

static weft_error *store_fields(abi_cx *cx, const ct_field *f, uint32_t nf, const cv *items,
                                uint64_t ptr, int depth) {
    for (uint32_t i = 0; i < nf; i++) {
        ptr = align_to(ptr, align_of(f[i].type, depth + 1));
        weft_error *e = store(cx, f[i].type, &items[i], ptr, depth + 1);
        if (e) return e;
        ptr += size_of(f[i].type, depth + 1);
    }
    return NULL;
}

static uint32_t flags_word(const ct_type *t, const cv *v, uint32_t i) {
    uint32_t w = v->of.flags.words ? v->of.flags.words[i] : 0;
    uint32_t nw = (t->nfields + 31) / 32;
    if (i == nw - 1 && t->nfields % 32) w &= (1u << (t->nfields % 32)) - 1;
    return w;
}

static weft_error *store(abi_cx *cx, const ct_type *t, const cv *v, uint64_t ptr, int depth) {
    char tbuf[96];
    weft_error *e;
    t = ct_resolve(t);
    if (!t) return usage("a type is missing");
    if (depth > ABI_MAX_DEPTH) return too_deep();
    if ((e = check_value(t, v))) return e;
    switch (t->kind) {
    case CT_BOOL: return wr(cx, ptr, 1, v->of.b ? 1 : 0);
    case CT_U8: case CT_U16: case CT_U32: case CT_U64:
        return wr(cx, ptr, int_bytes(t->kind), v->of.u);
    case CT_S8: case CT_S16: case CT_S32: case CT_S64:
        return wr(cx, ptr, int_bytes(t->kind), (uint64_t)v->of.s);
    case CT_F32: return wr(cx, ptr, 4, f32_bits(v->of.f32));
    case CT_F64: return wr(cx, ptr, 8, f64_bits(v->of.f64));
    case CT_CHAR:
        if (!valid_char(v->of.ch))
            return usage("char 0x%" PRIx32 " is not a Unicode scalar value", v->of.ch);
        return wr(cx, ptr, 4, v->of.ch);
    case CT_OWN: case CT_BORROW: return wr(cx, ptr, 4, v->of.handle);
    case CT_STRING: case CT_LIST: {
        /* Check the slot before realloc runs, so a bad pointer fails before the guest is
         * asked for memory. Memory only grows, so it stays valid. */
        if (!in_mem(cx, ptr, 8)) return past_end(cx, "a write", ptr, 8);
        uint32_t p = 0, n = 0;
        e = t->kind == CT_STRING ? lower_string(cx, v, &p, &n)
                                 : lower_list(cx, t, v, &p, &n, depth);
        if (e) return e;
        if ((e = wr(cx, ptr, 4, p))) return e;
        return wr(cx, ptr + 4, 4, n);
    }
    case CT_TUPLE: case CT_RECORD:
        return store_fields(cx, t->fields, t->nfields, v->of.seq.items, ptr, depth);
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        if ((e = check_case(t, v))) return e;
        uint32_t ds = abi_disc_size(abi_case_count(t));
        if ((e = wr(cx, ptr, ds, v->of.var.disc))) return e;
        const ct_type *c = abi_case_type(t, v->of.var.disc);
        if (!c) return NULL;
        return store(cx, c, v->of.var.payload, align_to(ptr + ds, max_case_align(t, depth)),
                     depth + 1);
    }
    case CT_FLAGS: {
        uint32_t fs = abi_flags_size(t->nfields), nw = (t->nfields + 31) / 32;
        if (fs == 0) return NULL;
        if (fs < 4) return wr(cx, ptr, fs, flags_word(t, v, 0));
        for (uint32_t i = 0; i < nw; i++)
            if ((e = wr(cx, ptr + 4 * (uint64_t)i, 4, flags_word(t, v, i)))) return e;
        return NULL;
    }
    default:
        return usage("%s is not a value type", TNAME(t));
    }
}

weft_error *abi_store(abi_cx *cx, const ct_type *t, uint64_t ptr, const cv *v) {
    refresh(cx);
    weft_error *e = check_value_ptr(cx, t, ptr);
    return e ? e : store(cx, t, v, ptr, 0);
}

/* ---- flat lifting --------------------------------------------------------------------------- */

/* The spec's ValueIter over flat values as raw bits: 32-bit ones zero-extended, floats as their
 * bit patterns (weft_host_fn_raw's slots). Either vals are raw slots, whose core types the
 * signature fixed (checked when the call was linked), or typed are weft_vals, each checked
 * against the type the spec expects there. With parent set it is the spec's CoerceValueIter: a
 * variant's payload reads the variant's joined flat types and narrows each to the type it
 * wants (every allowed narrowing keeps the low bits). */
typedef struct bits_iter {
    const uint64_t *vals;
    const weft_val *typed;
    size_t n, i;
    struct bits_iter *parent;
    const weft_valtype *have;
    size_t nhave, ihave;
} bits_iter;

static weft_error *next_bits(bits_iter *it, weft_valtype want, uint64_t *out) {
    if (!it->parent) {
        if (it->i >= it->n) return usage("too few flat values (%zu)", it->n);
        if (it->typed) {
            const weft_val *v = &it->typed[it->i];
            if (v->type != want)
                return usage("flat value %zu is %s where %s is expected", it->i,
                             weft_valtype_name(v->type), weft_valtype_name(want));
            *out = v->type == WEFT_I32 || v->type == WEFT_F32 ? (uint32_t)v->of.i32
                                                               : (uint64_t)v->of.i64;
        } else {
            *out = it->vals[it->i];
        }
        it->i++;
        return NULL;
    }
    if (it->ihave >= it->nhave) return usage("a variant payload outgrows its flattening");
    weft_valtype have = it->have[it->ihave++];
    weft_error *e = next_bits(it->parent, have, out);
    if (e) return e;
    if (have == want || (have == WEFT_I32 && want == WEFT_F32)) return NULL;
    if (have == WEFT_I64 && (want == WEFT_I32 || want == WEFT_F32)) {
        *out = (uint32_t)*out;
        return NULL;
    }
    if (have == WEFT_I64 && want == WEFT_F64) return NULL;
    return usage("cannot read %s as %s", weft_valtype_name(have), weft_valtype_name(want));
}

/* Reads the discriminant of a variant, enum, option or result t (checked against its cases) and
 * sets up co, the iterator its payload reads from: the joined flat types, into joined (room for
 * ABI_MAX_FLAT). After the payload, case_end consumes what the payload left of them. */
static weft_error *case_begin(const ct_type *t, bits_iter *it, weft_valtype *joined, bits_iter *co,
                              uint32_t *disc, int depth) {
    char tbuf[96];
    size_t nj = 0;
    uint64_t a;
    if (!flat(t, joined, &nj, ABI_MAX_FLAT, depth))
        return usage("%s has more than %d flat values", TNAME(t), ABI_MAX_FLAT);
    weft_error *e = next_bits(it, WEFT_I32, &a);
    if (e) return e;
    uint32_t nc = abi_case_count(t);
    if (a >= nc)
        return weft_trap_new("invalid discriminant %" PRIu64 " for %s (%" PRIu32 " cases)", a,
                             TNAME(t), nc);
    *disc = (uint32_t)a;
    *co = (bits_iter){.parent = it, .have = joined + 1, .nhave = nj - 1};
    return NULL;
}

static weft_error *case_end(bits_iter *it, const bits_iter *co) {
    uint64_t skip;
    for (size_t k = co->ihave; k < co->nhave; k++) {
        weft_error *e = next_bits(it, co->have[k], &skip);
        if (e) return e;
    }
    return NULL;
}

static weft_error *lift_flat(abi_cx *cx, const ct_type *t, bits_iter *it, cv *out, int depth) {
    char tbuf[96];
    weft_error *e;
    uint64_t a, b;
    t = ct_resolve(t);
    if (!t) return usage("a type is missing");
    if (depth > ABI_MAX_DEPTH) return too_deep();
    memset(out, 0, sizeof *out);
    out->type = t;
    switch (t->kind) {
    case CT_BOOL:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        out->of.b = a != 0;
        return NULL;
    case CT_U8: case CT_U16: case CT_U32:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        out->of.u = t->kind == CT_U8 ? (uint8_t)a : t->kind == CT_U16 ? (uint16_t)a : a;
        return NULL;
    case CT_S8: case CT_S16: case CT_S32:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        out->of.s = sign_extend(a, int_bytes(t->kind));
        return NULL;
    case CT_U64:
        if ((e = next_bits(it, WEFT_I64, &a))) return e;
        out->of.u = a;
        return NULL;
    case CT_S64:
        if ((e = next_bits(it, WEFT_I64, &a))) return e;
        out->of.s = (int64_t)a;
        return NULL;
    case CT_F32:
        if ((e = next_bits(it, WEFT_F32, &a))) return e;
        out->of.f32 = canon_f32((uint32_t)a);
        return NULL;
    case CT_F64:
        if ((e = next_bits(it, WEFT_F64, &a))) return e;
        out->of.f64 = canon_f64(a);
        return NULL;
    case CT_CHAR:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        if (!valid_char(a))
            return weft_trap_new("char 0x%" PRIx64 " is not a Unicode scalar value", a);
        out->of.ch = (uint32_t)a;
        return NULL;
    case CT_OWN: case CT_BORROW:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        out->of.handle = (uint32_t)a;
        return NULL;
    case CT_STRING: case CT_LIST:
        if ((e = next_bits(it, WEFT_I32, &a)) || (e = next_bits(it, WEFT_I32, &b))) return e;
        if (t->kind == CT_STRING) return load_string_range(cx, a, b, out);
        return load_list_range(cx, t, a, b, out, depth);
    case CT_TUPLE: case CT_RECORD: {
        cv *items = alloc_values(cx, t->nfields ? t->nfields : 1);
        if (!items) return no_room();
        for (uint32_t i = 0; i < t->nfields; i++)
            if ((e = lift_flat(cx, t->fields[i].type, it, &items[i], depth + 1))) return e;
        out->of.seq.items = items;
        out->of.seq.n = t->nfields;
        return NULL;
    }
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        weft_valtype joined[ABI_MAX_FLAT];
        bits_iter co;
        if ((e = case_begin(t, it, joined, &co, &out->of.var.disc, depth))) return e;
        const ct_type *c = abi_case_type(t, out->of.var.disc);
        if (c) {
            cv *pl = alloc_values(cx, 1);
            if (!pl) return no_room();
            if ((e = lift_flat(cx, c, &co, pl, depth + 1))) return e;
            out->of.var.payload = pl;
        }
        return case_end(it, &co);
    }
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32;
        uint32_t *w = cv_alloc(cx->arena, (nw ? nw : 1) * sizeof(uint32_t));
        if (!w) return no_room();
        for (uint32_t i = 0; i < nw; i++) {
            if ((e = next_bits(it, WEFT_I32, &a))) return e;
            w[i] = (uint32_t)a;
        }
        if (t->nfields % 32) w[nw - 1] &= (1u << (t->nfields % 32)) - 1;
        out->of.flags.words = w;
        return NULL;
    }
    default:
        return usage("%s is not a value type", TNAME(t));
    }
}

weft_error *abi_lift_flat(abi_cx *cx, const ct_type *t, const weft_val *vals, size_t n,
                          size_t *used, cv *out) {
    bits_iter it = {.typed = vals, .n = n};
    weft_error *e = lift_flat(cx, t, &it, out, 0);
    if (used) *used = it.i;
    return e;
}

/* ---- flat lowering -------------------------------------------------------------------------- */

static weft_error *push_val(weft_val *out, size_t max, size_t *n, weft_val v) {
    if (*n >= max) return usage("more than %zu flat values", max);
    out[(*n)++] = v;
    return NULL;
}

static weft_val val_i32(uint32_t x) { return (weft_val){.type = WEFT_I32, .of.i32 = (int32_t)x}; }
static weft_val val_i64(uint64_t x) { return (weft_val){.type = WEFT_I64, .of.i64 = (int64_t)x}; }

/* A variant payload's flat value x widened in place to the joined type want (the spec's
 * lower_flat_variant coercions). */
static weft_error *to_joined(weft_val *x, weft_valtype want) {
    uint32_t bits;
    if (x->type == want) return NULL;
    if (x->type == WEFT_F32 && want == WEFT_I32) {
        memcpy(&bits, &x->of.f32, 4);
        *x = val_i32(bits);
    } else if (x->type == WEFT_I32 && want == WEFT_I64) {
        *x = val_i64((uint32_t)x->of.i32);
    } else if (x->type == WEFT_F32 && want == WEFT_I64) {
        memcpy(&bits, &x->of.f32, 4);
        *x = val_i64(bits);
    } else if (x->type == WEFT_F64 && want == WEFT_I64) {
        uint64_t b64;
        memcpy(&b64, &x->of.f64, 8);
        *x = val_i64(b64);
    } else {
        return usage("cannot pass %s as %s", weft_valtype_name(x->type), weft_valtype_name(want));
    }
    return NULL;
}

static weft_error *lower_flat(abi_cx *cx, const ct_type *t, const cv *v, weft_val *out,
                              size_t max, size_t *n, int depth) {
    char tbuf[96];
    weft_error *e;
    t = ct_resolve(t);
    if (!t) return usage("a type is missing");
    if (depth > ABI_MAX_DEPTH) return too_deep();
    if ((e = check_value(t, v))) return e;
    switch (t->kind) {
    case CT_BOOL: return push_val(out, max, n, val_i32(v->of.b ? 1 : 0));
    case CT_U8: return push_val(out, max, n, val_i32((uint8_t)v->of.u));
    case CT_U16: return push_val(out, max, n, val_i32((uint16_t)v->of.u));
    case CT_U32: return push_val(out, max, n, val_i32((uint32_t)v->of.u));
    case CT_S8: case CT_S16: case CT_S32:
        return push_val(out, max, n,
                        val_i32((uint32_t)sign_extend((uint64_t)v->of.s, int_bytes(t->kind))));
    case CT_U64: return push_val(out, max, n, val_i64(v->of.u));
    case CT_S64: return push_val(out, max, n, val_i64((uint64_t)v->of.s));
    case CT_F32: {
        weft_val x = {.type = WEFT_F32};
        uint32_t bits = f32_bits(v->of.f32);
        memcpy(&x.of.f32, &bits, 4);
        return push_val(out, max, n, x);
    }
    case CT_F64: {
        weft_val x = {.type = WEFT_F64};
        uint64_t bits = f64_bits(v->of.f64);
        memcpy(&x.of.f64, &bits, 8);
        return push_val(out, max, n, x);
    }
    case CT_CHAR:
        if (!valid_char(v->of.ch))
            return usage("char 0x%" PRIx32 " is not a Unicode scalar value", v->of.ch);
        return push_val(out, max, n, val_i32(v->of.ch));
    case CT_OWN: case CT_BORROW: return push_val(out, max, n, val_i32(v->of.handle));
    case CT_STRING: case CT_LIST: {
        uint32_t p = 0, len = 0;
        if (*n + 2 > max) return usage("more than %zu flat values", max);
        e = t->kind == CT_STRING ? lower_string(cx, v, &p, &len)
                                 : lower_list(cx, t, v, &p, &len, depth);
        if (e) return e;
        push_val(out, max, n, val_i32(p));
        return push_val(out, max, n, val_i32(len));
    }
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < t->nfields; i++)
            if ((e = lower_flat(cx, t->fields[i].type, &v->of.seq.items[i], out, max, n,
                                depth + 1)))
                return e;
        return NULL;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        weft_valtype joined[ABI_MAX_FLAT];
        size_t nj = 0;
        if (!flat(t, joined, &nj, ABI_MAX_FLAT, depth))
            return usage("%s has more than %d flat values", TNAME(t), ABI_MAX_FLAT);
        if ((e = check_case(t, v))) return e;
        if (*n + nj > max) return usage("more than %zu flat values", max);
        push_val(out, max, n, val_i32(v->of.var.disc));
        size_t start = *n;
        const ct_type *c = abi_case_type(t, v->of.var.disc);
        if (c && (e = lower_flat(cx, c, v->of.var.payload, out, max, n, depth + 1))) return e;
        size_t got = *n - start;
        if (got > nj - 1) return usage("a variant payload outgrows its flattening");
        for (size_t k = 0; k < got; k++)
            if ((e = to_joined(&out[start + k], joined[1 + k]))) return e;
        for (size_t k = got; k < nj - 1; k++) {
            weft_val z = {.type = joined[1 + k]};
            memset(&z.of, 0, sizeof z.of);
            if ((e = push_val(out, max, n, z))) return e;
        }
        return NULL;
    }
    case CT_FLAGS:
        for (uint32_t i = 0; i < (t->nfields + 31) / 32; i++)
            if ((e = push_val(out, max, n, val_i32(flags_word(t, v, i))))) return e;
        return NULL;
    default:
        return usage("%s is not a value type", TNAME(t));
    }
}

weft_error *abi_lower_flat(abi_cx *cx, const ct_type *t, const cv *v, weft_val *out, size_t max,
                           size_t *n) {
    size_t k = 0;
    weft_error *e = lower_flat(cx, t, v, out, max, &k, 0);
    if (n) *n = k;
    return e;
}

/* ---- whole calls ---------------------------------------------------------------------------- */

/* Checks a guest pointer to a tuple of the given fields. */
static weft_error *check_tuple_ptr(const abi_cx *cx, const ct_field *f, uint32_t nf, uint64_t p,
                                   const char *what) {
    uint32_t a = abi_fields_align(f, nf);
    uint64_t s = abi_fields_size(f, nf);
    if (p % a)
        return weft_trap_new("%s 0x%" PRIx64 " is not aligned to %" PRIu32 " bytes", what, p, a);
    if (!in_mem(cx, p, s)) return past_end(cx, what, p, s);
    return NULL;
}

/* The signature of f for dir: the context's when it has one, else computed into tmp. */
static const abi_core_sig *sig_of(const abi_cx *cx, const ct_func *f, abi_dir dir,
                                  abi_core_sig *tmp) {
    if (cx->sig) return cx->sig;
    abi_flatten_func(f, dir, tmp);
    return tmp;
}

weft_error *abi_lower_params(abi_cx *cx, const ct_func *f, const cv *args, weft_val *out,
                             size_t max, size_t *n) {
    refresh(cx);
    abi_core_sig tmp;
    weft_error *e;
    const abi_core_sig *sig = sig_of(cx, f, ABI_LIFT, &tmp);
    *n = 0;
    if (sig->params_spilled) {
        uint64_t s = abi_fields_size(f->params, f->nparams);
        uint32_t p;
        if (s >= ((uint64_t)1 << 32)) return usage("parameters take 4 GiB or more");
        if ((e = call_realloc(cx, abi_fields_align(f->params, f->nparams), s, "the parameters",
                              &p)))
            return e;
        if ((e = store_fields(cx, f->params, f->nparams, args, p, 0))) return e;
        return push_val(out, max, n, val_i32(p));
    }
    for (uint32_t i = 0; i < f->nparams; i++)
        if ((e = lower_flat(cx, f->params[i].type, &args[i], out, max, n, 1))) return e;
    return NULL;
}

/* The spec's lift_values: the fields' values from the flat vals[0..n), or from the tuple that
 * vals[0] points to when they spilled. */
static weft_error *lift_values(abi_cx *cx, const ct_field *f, uint32_t nf, bool spilled,
                               const weft_val *vals, size_t n, const char *what, cv *out) {
    weft_error *e;
    if (spilled) {
        if (n == 0 || vals[0].type != WEFT_I32) return usage("the %s is not an i32", what);
        uint32_t p = (uint32_t)vals[0].of.i32;
        if ((e = check_tuple_ptr(cx, f, nf, p, what))) return e;
        return load_fields(cx, f, nf, p, out, 0);
    }
    bits_iter it = {.typed = vals, .n = n};
    for (uint32_t i = 0; i < nf; i++)
        if ((e = lift_flat(cx, f[i].type, &it, &out[i], 1))) return e;
    return NULL;
}

weft_error *abi_lift_results(abi_cx *cx, const ct_func *f, const weft_val *vals, size_t n,
                             cv *out) {
    refresh(cx); /* the call may have grown the memory */
    abi_core_sig tmp;
    const abi_core_sig *sig = sig_of(cx, f, ABI_LIFT, &tmp);
    if (n != sig->nresults)
        return usage("%zu core results where %s returns %zu", n, f->name ? f->name : "the function",
                     sig->nresults);
    return lift_values(cx, f->results, f->nresults, sig->results_spilled, vals, n,
                       "result pointer", out);
}

weft_error *abi_lift_params(abi_cx *cx, const ct_func *f, const weft_val *vals, size_t n,
                            cv *out) {
    refresh(cx);
    abi_core_sig tmp;
    const abi_core_sig *sig = sig_of(cx, f, ABI_LOWER, &tmp);
    if (n != sig->nparams)
        return usage("%zu core arguments where %s takes %zu", n, f->name ? f->name : "the function",
                     sig->nparams);
    /* A return pointer for spilled results comes last: abi_lower_results reads it. */
    return lift_values(cx, f->params, f->nparams, sig->params_spilled, vals,
                       n - (sig->results_spilled ? 1 : 0), "parameter pointer", out);
}

weft_error *abi_lower_results(abi_cx *cx, const ct_func *f, const cv *results,
                              const weft_val *args, size_t nargs, weft_val *out, size_t *n) {
    refresh(cx);
    abi_core_sig tmp;
    weft_error *e;
    const abi_core_sig *sig = sig_of(cx, f, ABI_LOWER, &tmp);
    *n = 0;
    if (sig->results_spilled) {
        if (nargs == 0 || args[nargs - 1].type != WEFT_I32)
            return usage("no i32 return pointer among the core arguments");
        uint32_t p = (uint32_t)args[nargs - 1].of.i32;
        if ((e = check_tuple_ptr(cx, f->results, f->nresults, p, "return pointer"))) return e;
        return store_fields(cx, f->results, f->nresults, results, p, 0);
    }
    for (uint32_t i = 0; i < f->nresults; i++)
        if ((e = lower_flat(cx, f->results[i].type, &results[i], out, ABI_MAX_FLAT_RESULTS, n, 1)))
            return e;
    return NULL;
}

/* ---- fused copies: straight from one guest's memory to another's ------------------------------
 *
 * A call from one component to another lifts the caller's values and lowers them into the callee
 * (and the results back). These functions do both at once, per value, without building cv
 * values: every check lifting makes on the source (bounds, alignment, UTF-8, chars,
 * discriminants) and every realloc call lowering makes in the destination, in the same order
 * per value. Values are normalised as lift-then-lower would (bool to 0/1, narrow integers
 * wrapped, NaNs canonical, flags past the last label cleared). One difference from lifting
 * everything first: a bad second argument traps after the callee's realloc ran for the first,
 * as in wasmtime's fused adapters. The source's size is not re-read after the destination's
 * realloc runs: sizes only grow and bases never move, so the size last read stays a safe bound
 * even when both sides share one memory. */

static weft_error *copy_mem(abi_cx *from, abi_cx *to, const ct_type *t, uint64_t src,
                            uint64_t dst, int depth);

/* Whether values of t are plain bytes: integers, or records and tuples of them without padding,
 * so a list of them copies with one memcpy. */
static bool plain_bytes(const ct_type *t, int depth) {
    t = ct_resolve(t);
    if (!t || depth > ABI_MAX_DEPTH) return false;
    switch (t->kind) {
    case CT_U8: case CT_U16: case CT_U32: case CT_U64:
    case CT_S8: case CT_S16: case CT_S32: case CT_S64:
        return true;
    case CT_TUPLE: case CT_RECORD: {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < t->nfields; i++) {
            if (!plain_bytes(t->fields[i].type, depth + 1)) return false;
            sum += size_of(t->fields[i].type, depth + 1);
        }
        return sum == size_of(t, depth);
    }
    default:
        return false;
    }
}

static weft_error *copy_string(abi_cx *from, abi_cx *to, uint64_t ptr, uint64_t len,
                               uint32_t *np) {
    if (!in_mem(from, ptr, len)) return past_end(from, "string", ptr, len);
    size_t bad = abi_utf8_invalid_at(from->mem + ptr, (size_t)len);
    if (bad != len)
        return weft_trap_new("string at 0x%" PRIx64 " of %" PRIu64
                             " bytes is not valid UTF-8 (byte %zu)",
                             ptr, len, bad);
    if (len > ABI_MAX_STRING_BYTES)
        return weft_trap_new("string of %" PRIu64 " bytes is too long to lower (at most %u)", len,
                             ABI_MAX_STRING_BYTES);
    weft_error *e = call_realloc(to, 1, len, "a string", np);
    if (e) return e;
    if (!in_mem(from, ptr, len)) return past_end(from, "string", ptr, len);
    if (len) memmove(to->mem + *np, from->mem + ptr, (size_t)len);
    return NULL;
}

static weft_error *copy_list(abi_cx *from, abi_cx *to, const ct_type *lt, uint64_t ptr,
                             uint64_t len, uint32_t *np, int depth) {
    char tbuf[96];
    const ct_type *elem = lt->elem;
    uint32_t a;
    uint64_t s;
    weft_error *e = check_list_range(from, lt, ptr, len, depth, &a, &s);
    if (e) return e;
    if (len > UINT32_MAX || len * s >= ((uint64_t)1 << 32))
        return weft_trap_new("%s of %" PRIu64 " elements is too large to lower (4 GiB or more)",
                             TNAME(lt), len);
    e = call_realloc(to, a, len * s, "a list", np);
    if (e) return e;
    if (s == 0) return NULL;
    if (plain_bytes(elem, depth + 1)) {
        if (!in_mem(from, ptr, len * s)) return past_end(from, "a list", ptr, len * s);
        memmove(to->mem + *np, from->mem + ptr, (size_t)(len * s));
        return NULL;
    }
    for (uint64_t i = 0; i < len; i++)
        if ((e = copy_mem(from, to, elem, ptr + i * s, *np + i * s, depth + 1))) return e;
    return NULL;
}

static weft_error *copy_fields(abi_cx *from, abi_cx *to, const ct_field *f, uint32_t nf,
                               uint64_t src, uint64_t dst, int depth) {
    uint64_t off = 0;
    for (uint32_t i = 0; i < nf; i++) {
        off = align_to(off, align_of(f[i].type, depth + 1));
        weft_error *e = copy_mem(from, to, f[i].type, src + off, dst + off, depth + 1);
        if (e) return e;
        off += size_of(f[i].type, depth + 1);
    }
    return NULL;
}

/* Copies a value of type t at src in from's memory to dst in to's: load, then store. */
static weft_error *copy_mem(abi_cx *from, abi_cx *to, const ct_type *t, uint64_t src,
                            uint64_t dst, int depth) {
    char tbuf[96];
    weft_error *e;
    uint64_t v = 0, p = 0, n = 0;
    uint32_t np = 0;
    t = ct_resolve(t);
    if (!t) return usage("a type is missing");
    if (depth > ABI_MAX_DEPTH) return too_deep();
    switch (t->kind) {
    case CT_BOOL:
        if ((e = rd(from, src, 1, &v))) return e;
        return wr(to, dst, 1, v != 0);
    case CT_U8: case CT_U16: case CT_U32: case CT_U64:
    case CT_S8: case CT_S16: case CT_S32: case CT_S64:
        if ((e = rd(from, src, int_bytes(t->kind), &v))) return e;
        return wr(to, dst, int_bytes(t->kind), v);
    case CT_F32:
        if ((e = rd(from, src, 4, &v))) return e;
        return wr(to, dst, 4, f32_bits(canon_f32((uint32_t)v)));
    case CT_F64:
        if ((e = rd(from, src, 8, &v))) return e;
        return wr(to, dst, 8, f64_bits(canon_f64(v)));
    case CT_CHAR:
        if ((e = rd(from, src, 4, &v))) return e;
        if (!valid_char(v))
            return weft_trap_new("char at 0x%" PRIx64 " is 0x%" PRIx64
                                 ", not a Unicode scalar value",
                                 src, v);
        return wr(to, dst, 4, v);
    case CT_OWN: case CT_BORROW:
        if ((e = rd(from, src, 4, &v))) return e;
        return wr(to, dst, 4, v);
    case CT_STRING: case CT_LIST:
        if ((e = rd(from, src, 4, &p)) || (e = rd(from, src + 4, 4, &n))) return e;
        if (!in_mem(to, dst, 8)) return past_end(to, "a write", dst, 8);
        e = t->kind == CT_STRING ? copy_string(from, to, p, n, &np)
                                 : copy_list(from, to, t, p, n, &np, depth);
        if (e) return e;
        if ((e = wr(to, dst, 4, np))) return e;
        return wr(to, dst + 4, 4, n);
    case CT_TUPLE: case CT_RECORD:
        return copy_fields(from, to, t->fields, t->nfields, src, dst, depth);
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        uint32_t nc = abi_case_count(t), ds = abi_disc_size(nc);
        if ((e = rd(from, src, ds, &v))) return e;
        if (v >= nc)
            return weft_trap_new("invalid discriminant %" PRIu64 " for %s (%" PRIu32
                                 " cases) at 0x%" PRIx64,
                                 v, TNAME(t), nc, src);
        if ((e = wr(to, dst, ds, v))) return e;
        const ct_type *c = abi_case_type(t, (uint32_t)v);
        if (!c) return NULL;
        uint64_t off = align_to(ds, max_case_align(t, depth));
        return copy_mem(from, to, c, src + off, dst + off, depth + 1);
    }
    case CT_FLAGS: {
        uint32_t fs = abi_flags_size(t->nfields), nw = (t->nfields + 31) / 32;
        uint32_t last = t->nfields % 32 ? (1u << (t->nfields % 32)) - 1 : 0xffffffffu;
        if (fs == 0) return NULL;
        if (fs < 4) {
            if ((e = rd(from, src, fs, &v))) return e;
            return wr(to, dst, fs, v & last);
        }
        for (uint32_t i = 0; i < nw; i++) {
            if ((e = rd(from, src + 4 * (uint64_t)i, 4, &v))) return e;
            if ((e = wr(to, dst + 4 * (uint64_t)i, 4, i == nw - 1 ? v & last : v))) return e;
        }
        return NULL;
    }
    default:
        return usage("%s is not a value type", TNAME(t));
    }
}

/* Widening a payload's slot to its joined type keeps the bits (32-bit values are zero-extended),
 * so writing one is the same whatever its type. */
static weft_error *put_bits(uint64_t *out, size_t max, size_t *n, uint64_t bits) {
    if (*n >= max) return usage("more than %zu flat values", max);
    out[(*n)++] = bits;
    return NULL;
}

/* Copies a value of type t from the flat values it reads to out[0..max), as lift_flat then
 * lower_flat would; strings and lists are copied from from's memory into to's. */
static weft_error *copy_flat(abi_cx *from, abi_cx *to, const ct_type *t, bits_iter *it,
                             uint64_t *out, size_t max, size_t *n, int depth) {
    char tbuf[96];
    weft_error *e;
    uint64_t a, b;
    t = ct_resolve(t);
    if (!t) return usage("a type is missing");
    if (depth > ABI_MAX_DEPTH) return too_deep();
    switch (t->kind) {
    case CT_BOOL:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        return put_bits(out, max, n, a != 0);
    case CT_U8: case CT_U16: case CT_U32: case CT_S8: case CT_S16: case CT_S32: {
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        switch (t->kind) {
        case CT_U8: a = (uint8_t)a; break;
        case CT_U16: a = (uint16_t)a; break;
        case CT_S8: a = (uint32_t)(int32_t)(int8_t)a; break;
        case CT_S16: a = (uint32_t)(int32_t)(int16_t)a; break;
        default: break;
        }
        return put_bits(out, max, n, a);
    }
    case CT_U64: case CT_S64:
        if ((e = next_bits(it, WEFT_I64, &a))) return e;
        return put_bits(out, max, n, a);
    case CT_F32:
        if ((e = next_bits(it, WEFT_F32, &a))) return e;
        return put_bits(out, max, n, f32_bits(canon_f32((uint32_t)a)));
    case CT_F64:
        if ((e = next_bits(it, WEFT_F64, &a))) return e;
        return put_bits(out, max, n, f64_bits(canon_f64(a)));
    case CT_CHAR:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        if (!valid_char(a))
            return weft_trap_new("char 0x%" PRIx64 " is not a Unicode scalar value", a);
        return put_bits(out, max, n, a);
    case CT_OWN: case CT_BORROW:
        if ((e = next_bits(it, WEFT_I32, &a))) return e;
        return put_bits(out, max, n, a);
    case CT_STRING: case CT_LIST: {
        uint32_t np = 0;
        if ((e = next_bits(it, WEFT_I32, &a)) || (e = next_bits(it, WEFT_I32, &b))) return e;
        if (*n + 2 > max) return usage("more than %zu flat values", max);
        e = t->kind == CT_STRING ? copy_string(from, to, a, b, &np)
                                 : copy_list(from, to, t, a, b, &np, depth);
        if (e) return e;
        put_bits(out, max, n, np);
        return put_bits(out, max, n, b);
    }
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < t->nfields; i++)
            if ((e = copy_flat(from, to, t->fields[i].type, it, out, max, n, depth + 1))) return e;
        return NULL;
    case CT_VARIANT: case CT_ENUM: case CT_OPTION: case CT_RESULT: {
        weft_valtype joined[ABI_MAX_FLAT];
        bits_iter co;
        uint32_t disc;
        if ((e = case_begin(t, it, joined, &co, &disc, depth))) return e;
        if (*n + 1 + co.nhave > max) return usage("more than %zu flat values", max);
        put_bits(out, max, n, disc);
        size_t start = *n;
        const ct_type *c = abi_case_type(t, disc);
        if (c && (e = copy_flat(from, to, c, &co, out, max, n, depth + 1))) return e;
        if ((e = case_end(it, &co))) return e;
        /* Widening a payload's values to the joined types keeps their bits; the rest are 0. */
        for (size_t k = *n - start; k < co.nhave; k++)
            if ((e = put_bits(out, max, n, 0))) return e;
        return NULL;
    }
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32;
        for (uint32_t i = 0; i < nw; i++) {
            if ((e = next_bits(it, WEFT_I32, &a))) return e;
            if (i == nw - 1 && t->nfields % 32) a &= (1u << (t->nfields % 32)) - 1;
            if ((e = put_bits(out, max, n, a))) return e;
        }
        return NULL;
    }
    default:
        return usage("%s is not a value type", TNAME(t));
    }
}

/* ---- copy plans ---- */

enum {
    CP_COPY, CP_BOOL, CP_U8, CP_U16, CP_S8, CP_S16, CP_F32, CP_F64, CP_CHAR, CP_ENUM, CP_MASK,
    CP_STRING, CP_LIST
};

static bool plan_type(abi_copy_plan *p, const ct_type *t, size_t *k, size_t max, int depth) {
    t = ct_resolve(t);
    if (!t || depth > ABI_MAX_DEPTH || *k >= max) return false;
    uint8_t op;
    uint32_t arg = 0;
    switch (t->kind) {
    case CT_BOOL: op = CP_BOOL; break;
    case CT_U8: op = CP_U8; break;
    case CT_U16: op = CP_U16; break;
    case CT_S8: op = CP_S8; break;
    case CT_S16: op = CP_S16; break;
    case CT_U32: case CT_S32: case CT_U64: case CT_S64: case CT_OWN: case CT_BORROW:
        op = CP_COPY;
        break;
    case CT_F32: op = CP_F32; break;
    case CT_F64: op = CP_F64; break;
    case CT_CHAR: op = CP_CHAR; break;
    case CT_ENUM:
        op = CP_ENUM;
        arg = t->nfields;
        break;
    case CT_STRING: op = CP_STRING; break;
    case CT_LIST: op = CP_LIST; break;
    case CT_TUPLE: case CT_RECORD:
        for (uint32_t i = 0; i < t->nfields; i++)
            if (!plan_type(p, t->fields[i].type, k, max, depth + 1)) return false;
        return true;
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32;
        for (uint32_t i = 0; i < nw; i++) {
            if (*k >= max) return false;
            p->op[*k] = CP_MASK;
            p->arg[*k] = i == nw - 1 && t->nfields % 32 ? (1u << (t->nfields % 32)) - 1 : 0xffffffffu;
            p->type[(*k)++] = t;
        }
        return true;
    }
    default:
        return false; /* variants, options, results: the general walk */
    }
    p->op[*k] = op;
    p->arg[*k] = arg;
    p->type[(*k)++] = t;
    return true;
}

void abi_copy_plan_init(abi_copy_plan *p, const ct_func *f) {
    memset(p, 0, sizeof *p);
    abi_core_sig sig;
    abi_flatten_func(f, ABI_LIFT, &sig);
    if (sig.params_spilled || sig.results_spilled) return;
    size_t k = 0;
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!plan_type(p, f->params[i].type, &k, ABI_MAX_FLAT_PARAMS, 1)) return;
    p->nparams = (uint8_t)k;
    for (uint32_t i = 0; i < f->nresults; i++)
        if (!plan_type(p, f->results[i].type, &k, ABI_MAX_FLAT_PARAMS + ABI_MAX_FLAT_RESULTS, 1))
            return;
    p->nresults = (uint8_t)(k - p->nparams);
    p->ok = true;
}

/* Runs steps op[0..nsteps) of a plan over the flat values in[] into out[]: what copy_flat does
 * for the same types. Returns the count written in *n. */
static weft_error *run_plan(abi_cx *from, abi_cx *to, const abi_copy_plan *p, size_t first,
                            size_t nsteps, const uint64_t *in, size_t nin, uint64_t *out,
                            size_t *n) {
    size_t i = 0, o = 0;
    weft_error *e;
    for (size_t s = first; s < first + nsteps; s++) {
        uint8_t op = p->op[s];
        if (i + (op >= CP_STRING ? 2 : 1) > nin) return usage("too few flat values (%zu)", nin);
        uint64_t a = in[i++];
        switch (op) {
        case CP_COPY: break;
        case CP_BOOL: a = a != 0; break;
        case CP_U8: a = (uint8_t)a; break;
        case CP_U16: a = (uint16_t)a; break;
        case CP_S8: a = (uint32_t)(int32_t)(int8_t)a; break;
        case CP_S16: a = (uint32_t)(int32_t)(int16_t)a; break;
        case CP_F32: a = f32_bits(canon_f32((uint32_t)a)); break;
        case CP_F64: a = f64_bits(canon_f64(a)); break;
        case CP_CHAR:
            if (!valid_char(a))
                return weft_trap_new("char 0x%" PRIx64 " is not a Unicode scalar value", a);
            break;
        case CP_ENUM:
            if (a >= p->arg[s]) {
                char tbuf[96];
                return weft_trap_new("invalid discriminant %" PRIu64 " for %s (%" PRIu32
                                     " cases)",
                                     a, TNAME(p->type[s]), p->arg[s]);
            }
            break;
        case CP_MASK: a &= p->arg[s]; break;
        default: { /* CP_STRING, CP_LIST */
            uint64_t len = in[i++];
            uint32_t np = 0;
            e = op == CP_STRING ? copy_string(from, to, a, len, &np)
                                : copy_list(from, to, p->type[s], a, len, &np, 1);
            if (e) return e;
            out[o++] = np;
            a = len;
            break;
        }
        }
        out[o++] = a;
    }
    *n = o;
    return NULL;
}

weft_error *abi_copy_params(abi_cx *from, abi_cx *to, const ct_func *f, const abi_copy_plan *plan,
                            const uint64_t *args, size_t nargs, uint64_t *out, size_t max,
                            size_t *n) {
    refresh(from);
    refresh(to);
    abi_core_sig tmp;
    weft_error *e;
    const abi_core_sig *sig = sig_of(from, f, ABI_LOWER, &tmp);
    *n = 0;
    if (nargs != sig->nparams)
        return usage("%zu core arguments where %s takes %zu", nargs,
                     f->name ? f->name : "the function", sig->nparams);
    if (sig->params_spilled) {
        uint32_t src = (uint32_t)args[0], dst;
        if ((e = check_tuple_ptr(from, f->params, f->nparams, src, "parameter pointer"))) return e;
        uint64_t s = abi_fields_size(f->params, f->nparams);
        if (s >= ((uint64_t)1 << 32)) return usage("parameters take 4 GiB or more");
        if ((e = call_realloc(to, abi_fields_align(f->params, f->nparams), s, "the parameters",
                              &dst)))
            return e;
        if ((e = copy_fields(from, to, f->params, f->nparams, src, dst, 0))) return e;
        return put_bits(out, max, n, dst);
    }
    if (plan && plan->ok) return run_plan(from, to, plan, 0, plan->nparams, args, nargs, out, n);
    bits_iter it = {.vals = args, .n = nargs - (sig->results_spilled ? 1 : 0)};
    for (uint32_t i = 0; i < f->nparams; i++)
        if ((e = copy_flat(from, to, f->params[i].type, &it, out, max, n, 1))) return e;
    return NULL;
}

weft_error *abi_copy_results(abi_cx *from, abi_cx *to, const ct_func *f,
                             const abi_copy_plan *plan, const uint64_t *vals, size_t n,
                             const uint64_t *args, size_t nargs, uint64_t *out, size_t *nout) {
    refresh(from);
    refresh(to);
    abi_core_sig tmp;
    weft_error *e;
    const abi_core_sig *sig = sig_of(from, f, ABI_LIFT, &tmp);
    *nout = 0;
    if (n != sig->nresults)
        return usage("%zu core results where %s returns %zu", n, f->name ? f->name : "the function",
                     sig->nresults);
    if (sig->results_spilled) {
        if (nargs == 0) return usage("no return pointer among the core arguments");
        uint32_t src = (uint32_t)vals[0], dst = (uint32_t)args[nargs - 1];
        if ((e = check_tuple_ptr(from, f->results, f->nresults, src, "result pointer"))) return e;
        if ((e = check_tuple_ptr(to, f->results, f->nresults, dst, "return pointer"))) return e;
        return copy_fields(from, to, f->results, f->nresults, src, dst, 0);
    }
    if (plan && plan->ok)
        return run_plan(from, to, plan, plan->nparams, plan->nresults, vals, n, out, nout);
    bits_iter it = {.vals = vals, .n = n};
    for (uint32_t i = 0; i < f->nresults; i++)
        if ((e = copy_flat(from, to, f->results[i].type, &it, out, ABI_MAX_FLAT_RESULTS, nout, 1)))
            return e;
    return NULL;
}
