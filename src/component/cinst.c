/* cinst.c: instantiating component binaries and calling component functions (see cinst.h).
 *
 * Instantiation walks a component's definitions in binary order with a frame holding the run-time
 * item of every index: core functions, tables, memories and globals as the store's externs, core
 * instances (a store instance, or a bundle of externs), component functions (cfunc), types,
 * components (a definition and the frame it was defined in, for outer aliases) and instances
 * (cinst). Nested components get their own frame, whose imports are the instantiation's
 * arguments. Frames live in the crt's arena, like everything else made here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/abi.h"
#include "component/ccall.h"
#include "component/cinst.h"

/* Component calls nested deeper than this (A calls B calls C ...) trap. */
#define CRT_MAX_DEPTH 64

/* ---- run-time structures ------------------------------------------------------------------------ */

/* A resource type's handle table: handle h is slots[h - 1]. */
typedef struct rtable {
    uint32_t *reps;
    bool *live;
    uint32_t n, cap;
    weft_func *dtor; /* the defining component's destructor, or NULL */
    const char *name;
} rtable;

/* A type at run time: the decoded type and, for a resource, its handle table. */
typedef struct rtype {
    const cbin_type *t;
    rtable *res;
} rtype;

typedef struct frame frame;

/* A component definition with the frame it is defined in. */
typedef struct rcomp {
    const cbin_component *def;
    frame *parent;
} rcomp;

typedef struct citem {
    const char *name;
    cbin_sort sort; /* CBIN_FUNC, CBIN_INSTANCE, CBIN_TYPE, CBIN_COMPONENT, CBIN_CORE_MODULE */
    union {
        cfunc *func;
        cinst *inst;
        rtype *type;
        rcomp *comp;
        weft_module *module;
    } of;
} citem;

struct cinst {
    citem *items;
    size_t n, cap;
};

/* Whether a component instance may be entered: false while one of its calls runs. */
typedef struct realm {
    bool busy;
} realm;

struct cfunc {
    const ct_func *type;
    const char *name;
    cfunc_host_fn fn; /* host functions; NULL for lifted ones */
    void *user;
    /* lifted: the core function and the canonical options */
    weft_func *core, *realloc, *post;
    weft_memory *memory;
    realm *realm;
    size_t ncore_results;
    abi_core_sig sig; /* lifted: the type flattened for ABI_LIFT */
    bool named; /* name is an export's, not "func N" */
};

/* A core instance: a store instance, or a bundle of named externs (`from exports`). */
typedef struct rcore {
    weft_instance *inst;
    const cbin_arg *names; /* bundle: names of externs[i] */
    weft_extern *externs;
    uint32_t n;
} rcore;

struct frame {
    const cbin_component *c;
    frame *parent;
    const cinst *imports;
    realm *realm;
    weft_func **core_funcs;
    weft_extern *core_tables, *core_memories, *core_globals;
    weft_module **core_modules;
    rcore *core_instances;
    cfunc **funcs;
    rtype **types;
    rcomp **comps;
    cinst **instances;
};

struct crt {
    weft_store *store;
    ct_arena *mem;
    weft_instance **cores;
    size_t ncores, capcores;
    cv_arena *scratch[CRT_MAX_DEPTH];
    uint32_t depth;
    rtable **rtables; /* to free their arrays */
    size_t nrtables, caprtables;
};

typedef struct cmodules {
    const cbin_component *c;
    weft_module **mods;
} cmodules;

struct ccomp {
    uint8_t *bytes;
    cbin_component *top;
    cmodules *sets;
    size_t nsets;
};

/* ---- compiled components ---------------------------------------------------------------------- */

static weft_error *compile_all(weft_engine *e, ccomp *cc, const cbin_component *c) {
    cmodules *sets = realloc(cc->sets, (cc->nsets + 1) * sizeof *sets);
    if (!sets) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    cc->sets = sets;
    cmodules *set = &sets[cc->nsets++];
    set->c = c;
    set->mods = calloc(c->ncore_modules ? c->ncore_modules : 1, sizeof *set->mods);
    if (!set->mods) return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < c->ncore_modules; i++) {
        const cbin_core_module *m = &c->core_modules[i];
        if (m->o.how != CBIN_DEFINED) continue;
        weft_error *err = weft_module_new(e, m->bytes, m->len, &set->mods[i]);
        if (err) {
            weft_error *w = weft_error_new(weft_error_kind_of(err),
                                           "core module %u (at byte %u of the component): %s", i,
                                           m->o.offset, weft_error_message(err));
            weft_error_free(err);
            return w;
        }
    }
    for (uint32_t i = 0; i < c->ncomponents; i++)
        if (c->components[i].o.how == CBIN_DEFINED && c->components[i].def) {
            weft_error *err = compile_all(e, cc, c->components[i].def);
            if (err) return err;
        }
    return NULL;
}

weft_error *ccomp_new(weft_engine *e, const uint8_t *bytes, size_t len, ccomp **out) {
    *out = NULL;
    ccomp *cc = calloc(1, sizeof *cc);
    if (!cc || !(cc->bytes = malloc(len ? len : 1))) {
        free(cc);
        return weft_error_new(WEFT_ERR_NOMEM, "out of memory");
    }
    memcpy(cc->bytes, bytes, len);
    weft_error *err = cbin_decode(cc->bytes, len, &cc->top);
    if (!err) err = compile_all(e, cc, cc->top);
    if (err) {
        ccomp_free(cc);
        return err;
    }
    *out = cc;
    return NULL;
}

void ccomp_free(ccomp *cc) {
    if (!cc) return;
    for (size_t i = 0; i < cc->nsets; i++) {
        for (uint32_t k = 0; k < cc->sets[i].c->ncore_modules; k++)
            weft_module_free(cc->sets[i].mods[k]);
        free(cc->sets[i].mods);
    }
    free(cc->sets);
    cbin_free(cc->top);
    free(cc->bytes);
    free(cc);
}

const cbin_component *ccomp_component(const ccomp *cc) { return cc->top; }

static weft_module **modules_of(const ccomp *cc, const cbin_component *c) {
    for (size_t i = 0; i < cc->nsets; i++)
        if (cc->sets[i].c == c) return cc->sets[i].mods;
    return NULL;
}

/* ---- the crt ----------------------------------------------------------------------------------- */

crt *crt_new(weft_store *s) {
    crt *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->store = s;
    if (!(r->mem = ct_arena_new())) {
        free(r);
        return NULL;
    }
    return r;
}

void crt_free(crt *r) {
    if (!r) return;
    for (uint32_t i = 0; i < CRT_MAX_DEPTH; i++) cv_arena_free(r->scratch[i]);
    for (size_t i = 0; i < r->nrtables; i++) {
        free(r->rtables[i]->reps);
        free(r->rtables[i]->live);
    }
    free(r->rtables);
    free(r->cores);
    ct_arena_free(r->mem);
    free(r);
}

weft_store *crt_store(const crt *r) { return r->store; }

void crt_reset(crt *r) {
    for (size_t i = 0; i < r->nrtables; i++) r->rtables[i]->n = 0;
    r->depth = 0;
}
size_t crt_core_instance_count(const crt *r) { return r->ncores; }
weft_instance *crt_core_instance(const crt *r, size_t i) {
    return i < r->ncores ? r->cores[i] : NULL;
}

static weft_error *nomem(void) { return weft_error_new(WEFT_ERR_NOMEM, "out of memory"); }

static void *grow(void *p, size_t *cap, size_t n, size_t size) {
    if (n < *cap) return p;
    size_t c = *cap ? *cap * 2 : 8;
    void *q = realloc(p, c * size);
    if (q) *cap = c;
    return q;
}

/* ---- instances --------------------------------------------------------------------------------- */

cinst *crt_instance_new(crt *r) { return ct_alloc(r->mem, sizeof(cinst)); }

static citem *inst_find(const cinst *i, const char *name) {
    for (size_t k = 0; k < i->n; k++)
        if (strcmp(i->items[k].name, name) == 0) return &i->items[k];
    return NULL;
}

static weft_error *inst_put(crt *r, cinst *i, const char *name, citem item) {
    citem *old = inst_find(i, name);
    if (old) {
        item.name = old->name;
        *old = item;
        return NULL;
    }
    if (i->n == i->cap) {
        size_t cap = i->cap ? i->cap * 2 : 8;
        citem *items = ct_alloc(r->mem, cap * sizeof *items);
        if (!items) return nomem();
        if (i->n) memcpy(items, i->items, i->n * sizeof *items);
        i->items = items;
        i->cap = cap;
    }
    if (!(item.name = ct_strndup(r->mem, name, strlen(name)))) return nomem();
    i->items[i->n++] = item;
    return NULL;
}

weft_error *cinst_add_func(crt *r, cinst *i, const char *name, cfunc *f) {
    return inst_put(r, i, name, (citem){.sort = CBIN_FUNC, .of.func = f});
}

weft_error *cinst_add_instance(crt *r, cinst *i, const char *name, cinst *sub) {
    return inst_put(r, i, name, (citem){.sort = CBIN_INSTANCE, .of.inst = sub});
}

size_t cinst_count(const cinst *i) { return i->n; }
const char *cinst_name(const cinst *i, size_t k) { return k < i->n ? i->items[k].name : NULL; }
cbin_sort cinst_sort(const cinst *i, size_t k) { return k < i->n ? i->items[k].sort : CBIN_NSORTS; }

cfunc *cinst_func(const cinst *i, const char *name) {
    citem *it = inst_find(i, name);
    return it && it->sort == CBIN_FUNC ? it->of.func : NULL;
}

cinst *cinst_instance(const cinst *i, const char *name) {
    citem *it = inst_find(i, name);
    return it && it->sort == CBIN_INSTANCE ? it->of.inst : NULL;
}

/* ---- functions --------------------------------------------------------------------------------- */

cfunc *crt_host_func(crt *r, const char *name, const ct_func *type, cfunc_host_fn fn, void *user) {
    cfunc *f = ct_alloc(r->mem, sizeof *f);
    if (!f || !(f->name = ct_strndup(r->mem, name, strlen(name)))) return NULL;
    f->type = type;
    f->fn = fn;
    f->user = user;
    return f;
}

const ct_func *cfunc_type(const cfunc *f) { return f->type; }
const char *cfunc_name(const cfunc *f) { return f->name; }

/* An error from lifting or lowering (no wasm frames), prefixed with the function's name. */
static weft_error *in_func(weft_error *e, const char *what, const char *name) {
    if (!e || weft_error_frame_count(e) > 0 || weft_error_kind_of(e) == WEFT_ERR_EXIT) return e;
    weft_error *w = weft_error_kind_of(e) == WEFT_ERR_TRAP
                        ? weft_trap_new("%s %s: %s", what, name, weft_error_message(e))
                        : weft_error_new(weft_error_kind_of(e), "%s %s: %s", what, name,
                                         weft_error_message(e));
    weft_error_free(e);
    return w;
}

weft_error *cfunc_call(crt *r, cfunc *f, const cv *args, cv_arena *arena, cv *results) {
    if (f->fn) return f->fn(f->user, args, arena, results);
    if (f->realm->busy)
        return weft_trap_new("cannot enter a component instance again while one of its calls "
                             "runs: %s", f->name);
    abi_cx cx;
    abi_cx_init(&cx, f->memory, arena);
    cx.sig = &f->sig;
    abi_guest_realloc_ctx rc = {r->store, f->realloc}; /* check_opts typed it */
    if (f->realloc) {
        cx.realloc = abi_guest_realloc;
        cx.realloc_user = &rc;
    }
    weft_val flat[ABI_MAX_FLAT_PARAMS + 1], out[ABI_MAX_FLAT_RESULTS];
    size_t n = 0;
    f->realm->busy = true;
    weft_error *e = abi_lower_params(&cx, f->type, args, flat, ABI_MAX_FLAT_PARAMS + 1, &n);
    if (e) {
        e = in_func(e, "passing arguments to", f->name);
        goto done;
    }
    if ((e = weft_func_call(r->store, f->core, flat, n, out, f->ncore_results))) goto done;
    if ((e = abi_lift_results(&cx, f->type, out, f->ncore_results, results))) {
        e = in_func(e, "taking results of", f->name);
        goto done;
    }
    if (f->post) e = weft_func_call(r->store, f->post, out, f->ncore_results, NULL, 0);
done:
    f->realm->busy = false;
    return e;
}

/* ---- canon lower: a core host function calling a component function --------------------------- */

typedef struct lowered {
    crt *r;
    cfunc *callee;
    const ct_func *type; /* the type the caller imported it at */
    weft_memory *memory;
    weft_func *realloc;
    size_t nargs;
    abi_core_sig sig; /* type flattened for ABI_LOWER */
    abi_copy_plan plan; /* for a fused call */
} lowered;

/* A context for abi_copy_params/results, which read the memory's data and size themselves. */
static void cx_for(abi_cx *cx, weft_memory *m, const abi_core_sig *sig,
                   abi_guest_realloc_ctx *rc) {
    memset(cx, 0, sizeof *cx);
    cx->memory = m;
    cx->sig = sig;
    if (rc->func) {
        cx->realloc = abi_guest_realloc;
        cx->realloc_user = rc;
    }
}

/* A lowered import whose callee is another component's lifted function (a raw host function:
 * the signatures were checked when both were made): arguments and results go straight from one
 * guest's memory to the other's (abi_copy_params, abi_copy_results), with no cv values in
 * between. */
static weft_error *call_fused(weft_caller *caller, void *user, uint64_t *slots) {
    (void)caller;
    lowered *l = user;
    crt *r = l->r;
    cfunc *f = l->callee;
    if (r->depth >= CRT_MAX_DEPTH)
        return weft_trap_new("component calls nested more than %d deep, calling %s",
                             CRT_MAX_DEPTH, f->name);
    if (f->realm->busy)
        return weft_trap_new("cannot enter a component instance again while one of its calls "
                             "runs: %s", f->name);
    abi_guest_realloc_ctx frc = {r->store, l->realloc}, trc = {r->store, f->realloc};
    abi_cx from, to;
    cx_for(&from, l->memory, &l->sig, &frc);
    cx_for(&to, f->memory, &f->sig, &trc);
    /* The caller's arguments stay in slots until the results are copied (a return pointer). */
    uint64_t args[ABI_MAX_FLAT_PARAMS + 1], flat[ABI_MAX_FLAT_PARAMS + 1];
    size_t n = 0, nargs = l->nargs;
    for (size_t i = 0; i < nargs; i++) args[i] = slots[i];
    f->realm->busy = true;
    r->depth++;
    weft_error *e = abi_copy_params(&from, &to, l->type, &l->plan, args, nargs, flat,
                                    ABI_MAX_FLAT_PARAMS + 1, &n);
    if (e) {
        e = in_func(e, "passing arguments to", f->name);
        goto done;
    }
    if ((e = weft_func_call_raw(r->store, f->core, flat, ABI_MAX_FLAT_PARAMS + 1))) goto done;
    if ((e = abi_copy_results(&to, &from, l->type, &l->plan, flat, f->ncore_results, args, nargs,
                              slots, &n))) {
        e = in_func(e, "returning results of", f->name);
        goto done;
    }
    if (f->post) {
        weft_val out[ABI_MAX_FLAT_RESULTS];
        const weft_valtype *rt = weft_func_results(f->core);
        for (size_t i = 0; i < f->ncore_results; i++) {
            out[i].type = rt[i];
            out[i].of.i64 = (int64_t)flat[i];
        }
        e = weft_func_call(r->store, f->post, out, f->ncore_results, NULL, 0);
    }
done:
    r->depth--;
    f->realm->busy = false;
    return e;
}

static weft_error *call_lowered(weft_caller *caller, void *user, const weft_val *args,
                                weft_val *results) {
    (void)caller;
    lowered *l = user;
    crt *r = l->r;
    if (r->depth >= CRT_MAX_DEPTH)
        return weft_trap_new("component calls nested more than %d deep, calling %s",
                             CRT_MAX_DEPTH, l->callee->name);
    cv_arena *a = r->scratch[r->depth];
    if (!a && !(a = r->scratch[r->depth] = cv_arena_new())) return nomem();
    cv_arena_reset(a);
    cv_arena_set_limit(a, ABI_DEFAULT_LIFT_LIMIT);
    abi_cx cx;
    abi_cx_init(&cx, l->memory, a);
    cx.sig = &l->sig;
    abi_guest_realloc_ctx rc = {r->store, l->realloc};
    if (l->realloc) {
        cx.realloc = abi_guest_realloc;
        cx.realloc_user = &rc;
    }
    const ct_func *t = l->type;
    cv *params = cv_alloc(a, (t->nparams + t->nresults + 1) * sizeof(cv));
    if (!params) return nomem();
    cv *res = params + t->nparams;
    weft_error *e = abi_lift_params(&cx, t, args, l->nargs, params);
    if (e) return in_func(e, "taking arguments for", l->callee->name);
    r->depth++;
    e = cfunc_call(r, l->callee, params, a, res);
    r->depth--;
    if (e) return e;
    size_t n = 0;
    e = abi_lower_results(&cx, t, res, args, l->nargs, results, &n);
    return in_func(e, "returning results of", l->callee->name);
}

/* ---- resources: handle tables ------------------------------------------------------------------- */

typedef struct resfn {
    crt *r;
    rtable *t;
    cbin_canon op;
} resfn;

static rtable *rtable_new(crt *r, const char *name, weft_func *dtor) {
    rtable *t = ct_alloc(r->mem, sizeof *t);
    rtable **v = grow(r->rtables, &r->caprtables, r->nrtables, sizeof *v);
    if (!t || !v) return NULL;
    r->rtables = v;
    r->rtables[r->nrtables++] = t;
    t->dtor = dtor;
    t->name = name ? name : "resource";
    return t;
}

static weft_error *call_resource(weft_caller *caller, void *user, const weft_val *args,
                                 weft_val *results) {
    (void)caller;
    resfn *f = user;
    rtable *t = f->t;
    uint32_t v = (uint32_t)args[0].of.i32;
    if (f->op == CBIN_CANON_RESOURCE_NEW) {
        uint32_t h = 0;
        while (h < t->n && t->live[h]) h++;
        if (h == t->n) {
            if (t->n >= (1u << 24))
                return weft_trap_new("resource %s: more than %u handles", t->name, 1u << 24);
            size_t cap = t->cap;
            uint32_t *reps = grow(t->reps, &cap, t->n, sizeof *reps);
            if (!reps) return nomem();
            t->reps = reps;
            cap = t->cap;
            bool *live = grow(t->live, &cap, t->n, sizeof *live);
            if (!live) return nomem();
            t->live = live;
            t->cap = cap;
            t->n++;
        }
        t->reps[h] = v;
        t->live[h] = true;
        results[0].of.i32 = (int32_t)(h + 1);
        return NULL;
    }
    if (v == 0 || v > t->n || !t->live[v - 1])
        return weft_trap_new("resource %s: unknown handle %u", t->name, v);
    if (f->op == CBIN_CANON_RESOURCE_REP) {
        results[0].of.i32 = (int32_t)t->reps[v - 1];
        return NULL;
    }
    t->live[v - 1] = false;
    if (t->dtor) {
        weft_val rep = {.type = WEFT_I32, .of.i32 = (int32_t)t->reps[v - 1]};
        return weft_func_call(f->r->store, t->dtor, &rep, 1, NULL, 0);
    }
    return NULL;
}

/* ---- type checks of imports -------------------------------------------------------------------- */

static weft_error *check_item(const char *name, const cbin_decl *want_decl, cbin_sort sort,
                              const cbin_type *want, const citem *got, int depth);

static weft_error *check_instance(const char *name, const cbin_type *want, const cinst *got,
                                  int depth) {
    if (!want) return NULL;
    for (uint32_t i = 0; i < want->nexports; i++) {
        const cbin_decl *d = &want->exports[i];
        if (d->sort == CBIN_TYPE) continue; /* structural types need nothing at run time */
        citem *it = inst_find(got, d->name);
        if (!it)
            return weft_error_new(WEFT_ERR_LINK, "import \"%s\": the instance given has no %s "
                                  "\"%s\"", name, cbin_sort_name(d->sort), d->name);
        weft_error *e = check_item(name, d, d->sort, d->type, it, depth + 1);
        if (e) return e;
    }
    return NULL;
}

static weft_error *check_item(const char *name, const cbin_decl *d, cbin_sort sort,
                              const cbin_type *want, const citem *got, int depth) {
    const char *what = d ? d->name : name;
    if (depth > 32)
        return weft_error_new(WEFT_ERR_LINK, "import \"%s\": instances nest too deeply", name);
    if (got->sort != sort)
        return weft_error_new(WEFT_ERR_LINK, "import \"%s\": \"%s\" is a %s, not a %s", name,
                              what, cbin_sort_name(got->sort), cbin_sort_name(sort));
    if (sort == CBIN_FUNC && want && want->func && !ct_func_equal(want->func, got->of.func->type)) {
        char a[256], b[256];
        cbin_describe_type(want, a, sizeof a);
        cbin_type ft = {.kind = CBIN_TYPE_FUNC, .func = got->of.func->type};
        cbin_describe_type(&ft, b, sizeof b);
        return weft_error_new(WEFT_ERR_LINK, "import \"%s\": \"%s\" has type %s, but %s is "
                              "imported", name, what, b, a);
    }
    if (sort == CBIN_INSTANCE) return check_instance(name, want, got->of.inst, depth);
    return NULL;
}

/* ---- instantiation ------------------------------------------------------------------------------ */

static weft_error *instantiate(crt *r, const ccomp *cc, const cbin_component *c, frame *parent,
                               const cinst *imports, cinst **out);
static weft_error *nomem(void);

/* A link error about the definition at byte offset of the component. */
static weft_error *bad(uint32_t offset, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static weft_error *bad(uint32_t offset, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return weft_error_new(WEFT_ERR_LINK, "component definition at byte %u: %s", offset, msg);
}

/* Export name of core instance ci as an extern. */
static bool core_export(const rcore *ci, const char *name, weft_extern *out) {
    if (ci->inst) return weft_instance_export(ci->inst, name, out);
    for (uint32_t i = 0; i < ci->n; i++)
        if (strcmp(ci->names[i].name, name) == 0) {
            *out = ci->externs[i];
            return true;
        }
    return false;
}

static frame *outer(frame *f, uint32_t levels) {
    while (f && levels--) f = f->parent;
    return f;
}

/* Whether values of t need the guest's memory (strings and lists). */
static bool needs_memory(const ct_type *t, int depth) {
    t = ct_resolve(t);
    if (!t || depth > ABI_MAX_DEPTH) return false;
    switch (t->kind) {
    case CT_STRING: case CT_LIST: return true;
    case CT_OPTION: return needs_memory(t->elem, depth + 1);
    case CT_RESULT: return needs_memory(t->ok, depth + 1) || needs_memory(t->err, depth + 1);
    case CT_TUPLE: case CT_RECORD: case CT_VARIANT:
        for (uint32_t i = 0; i < t->nfields; i++)
            if (needs_memory(t->fields[i].type, depth + 1)) return true;
        return false;
    default: return false;
    }
}

static bool fields_need_memory(const ct_field *f, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (needs_memory(f[i].type, 0)) return true;
    return false;
}

static const char *fdesc(const ct_func *t, char *buf, size_t len) {
    cbin_type ft = {.kind = CBIN_TYPE_FUNC, .func = t};
    return cbin_describe_type(&ft, buf, len);
}

/* The checks the spec's validation makes of canonical options for a function type. */
static weft_error *check_opts(frame *fr, const cbin_canon_opts *o, const ct_func *t, abi_dir dir,
                              uint32_t offset, weft_memory **mem, weft_func **realloc) {
    const cbin_component *c = fr->c;
    char buf[256];
    if (o->encoding != CBIN_UTF8)
        return weft_error_new(WEFT_ERR_UNSUPPORTED, "component definition at byte %u: string "
                              "encodings other than UTF-8 are not supported", offset);
    abi_core_sig sig;
    abi_flatten_func(t, dir, &sig);
    bool in = fields_need_memory(t->params, t->nparams);
    bool outm = fields_need_memory(t->results, t->nresults);
    bool need_mem = in || outm || sig.params_spilled || sig.results_spilled;
    /* Lifting writes the arguments with realloc; lowering writes the results with it. */
    bool need_realloc = dir == ABI_LIFT ? (in || sig.params_spilled) : outm;
    *mem = NULL;
    *realloc = NULL;
    if (o->has_memory) {
        if (o->memory >= c->ncore_memories)
            return bad(offset, "memory %u is out of range", o->memory);
        *mem = fr->core_memories[o->memory].of.memory;
    } else if (need_mem) {
        return bad(offset, "a function of type %s needs a memory option", fdesc(t, buf, sizeof buf));
    }
    if (o->has_realloc) {
        if (o->realloc >= c->ncore_funcs)
            return bad(offset, "realloc %u is out of range", o->realloc);
        *realloc = fr->core_funcs[o->realloc];
        if (!abi_realloc_typed(*realloc))
            return bad(offset, "realloc %u is not (i32, i32, i32, i32) -> i32", o->realloc);
    } else if (need_realloc) {
        return bad(offset, "a function of type %s needs a realloc option", fdesc(t, buf, sizeof buf));
    }
    return NULL;
}


/* A name for a lifted function: the export that names it, else "func N" (named later by the
 * top component's exports, see name_exports). */
static const char *lift_name(crt *r, const cbin_component *c, uint32_t index, bool *named) {
    char buf[64];
    *named = true;
    for (uint32_t i = 0; i < c->nexports; i++)
        if (c->exports[i].sort == CBIN_FUNC && c->exports[i].target == index)
            return c->exports[i].name;
    *named = false;
    snprintf(buf, sizeof buf, "func %u", index);
    return ct_strndup(r->mem, buf, strlen(buf));
}

static weft_error *def_core_func(crt *r, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_core_func *cf = &c->core_funcs[i];
    if (cf->o.how == CBIN_ALIAS_CORE_EXPORT) {
        weft_extern x;
        if (!core_export(&fr->core_instances[cf->o.index], cf->o.name, &x) ||
            x.kind != WEFT_EXTERN_FUNC)
            return bad(cf->o.offset, "core instance %u exports no function \"%s\"", cf->o.index,
                       cf->o.name);
        fr->core_funcs[i] = x.of.func;
        return NULL;
    }
    if (cf->o.how != CBIN_DEFINED)
        return bad(cf->o.offset, "core function %u: unsupported origin", i);
    if (cf->canon == CBIN_CANON_LOWER) {
        cfunc *callee = fr->funcs[cf->target];
        const cbin_type *ft = cbin_item_type(c, CBIN_FUNC, cf->target);
        const ct_func *t = ft && ft->func ? ft->func : callee->type;
        lowered *l = ct_alloc(r->mem, sizeof *l);
        if (!l) return nomem();
        weft_error *e = check_opts(fr, &cf->opts, t, ABI_LOWER, cf->o.offset, &l->memory,
                                   &l->realloc);
        if (e) return e;
        abi_core_sig sig;
        abi_flatten_func(t, ABI_LOWER, &sig);
        l->r = r;
        l->callee = callee;
        l->type = t;
        l->nargs = sig.nparams;
        l->sig = sig;
        if (!callee->fn) abi_copy_plan_init(&l->plan, t);
        /* Another component's function: a raw host function copying between the memories. */
        weft_func *hf = callee->fn ? weft_func_new(r->store, sig.params, sig.nparams, sig.results,
                                                   sig.nresults, call_lowered, l, NULL)
                                   : weft_func_new_raw(r->store, sig.params, sig.nparams,
                                                       sig.results, sig.nresults, call_fused, l,
                                                       NULL);
        if (!hf) return nomem();
        fr->core_funcs[i] = hf;
        return NULL;
    }
    /* resource.new / .rep / .drop: target is a resource type of this frame */
    rtype *rt = fr->types[cf->target];
    if (!rt || !rt->res)
        return bad(cf->o.offset, "resource builtin on type %u, not a resource", cf->target);
    resfn *rf = ct_alloc(r->mem, sizeof *rf);
    if (!rf) return nomem();
    rf->r = r;
    rf->t = rt->res;
    rf->op = cf->canon;
    static const weft_valtype i32 = WEFT_I32;
    weft_func *hf = weft_func_new(r->store, &i32, 1, &i32, cf->canon == CBIN_CANON_RESOURCE_DROP ? 0 : 1,
                                  call_resource, rf, NULL);
    if (!hf) return nomem();
    fr->core_funcs[i] = hf;
    return NULL;
}

/* A core table, memory or global: always an alias of a core instance's export. False if the
 * instance has no such export of that kind. */
static bool def_core_extern(frame *fr, cbin_sort s, const cbin_core_item *it, uint32_t i) {
    weft_extern *slot = s == CBIN_CORE_TABLE    ? &fr->core_tables[i]
                        : s == CBIN_CORE_MEMORY ? &fr->core_memories[i]
                                                : &fr->core_globals[i];
    weft_extern_kind want = s == CBIN_CORE_TABLE    ? WEFT_EXTERN_TABLE
                            : s == CBIN_CORE_MEMORY ? WEFT_EXTERN_MEMORY
                                                    : WEFT_EXTERN_GLOBAL;
    return it->o.how == CBIN_ALIAS_CORE_EXPORT &&
           core_export(&fr->core_instances[it->o.index], it->o.name, slot) && slot->kind == want;
}

static weft_error *def_core_instance(crt *r, const ccomp *cc, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_core_instance *ci = &c->core_instances[i];
    rcore *rc = &fr->core_instances[i];
    if (ci->from_exports) {
        rc->names = ci->args;
        rc->n = ci->nargs;
        rc->externs = ct_alloc(r->mem, (ci->nargs + 1) * sizeof *rc->externs);
        if (!rc->externs) return nomem();
        for (uint32_t k = 0; k < ci->nargs; k++) {
            const cbin_arg *a = &ci->args[k];
            weft_extern *x = &rc->externs[k];
            switch (a->sort) {
            case CBIN_CORE_FUNC: x->kind = WEFT_EXTERN_FUNC; x->of.func = fr->core_funcs[a->index]; break;
            case CBIN_CORE_TABLE: *x = fr->core_tables[a->index]; break;
            case CBIN_CORE_MEMORY: *x = fr->core_memories[a->index]; break;
            case CBIN_CORE_GLOBAL: *x = fr->core_globals[a->index]; break;
            default:
                return bad(ci->o.offset, "core instance export \"%s\" is a %s", a->name,
                           cbin_sort_name(a->sort));
            }
        }
        return NULL;
    }
    weft_module *m = fr->core_modules[ci->module];
    if (!m) return bad(ci->o.offset, "core module %u is not available", ci->module);
    weft_linker *l = weft_linker_new(r->store);
    if (!l) return nomem();
    weft_error *e = NULL;
    size_t nimp = weft_module_import_count(m);
    for (size_t k = 0; k < nimp && !e; k++) {
        const char *mod, *name;
        size_t mlen, nlen;
        weft_extern_kind kind;
        weft_module_import(m, k, &mod, &mlen, &name, &nlen, &kind);
        const cbin_arg *arg = NULL;
        for (uint32_t a = 0; a < ci->nargs; a++)
            if (strlen(ci->args[a].name) == mlen && memcmp(ci->args[a].name, mod, mlen) == 0)
                arg = &ci->args[a];
        if (!arg) continue; /* weft_instance_new names the missing import */
        char *n = strndup(name, nlen), *mn = strndup(mod, mlen);
        weft_extern x;
        if (!n || !mn)
            e = nomem();
        else if (core_export(&fr->core_instances[arg->index], n, &x))
            e = weft_linker_define(l, mn, n, x);
        free(n);
        free(mn);
    }
    weft_instance *inst = NULL;
    if (!e) e = weft_instance_new(r->store, m, l, &inst);
    weft_linker_free(l);
    if (e) return e;
    weft_instance **v = grow(r->cores, &r->capcores, r->ncores, sizeof *v);
    if (!v) return nomem();
    r->cores = v;
    r->cores[r->ncores++] = inst;
    rc->inst = inst;
    return NULL;
}

static weft_error *def_func(crt *r, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_func *f = &c->funcs[i];
    switch (f->o.how) {
    case CBIN_IMPORT: {
        citem *it = inst_find(fr->imports, c->imports[f->o.index].name);
        fr->funcs[i] = it->of.func;
        return NULL;
    }
    case CBIN_EXPORT: fr->funcs[i] = fr->funcs[c->exports[f->o.index].target]; return NULL;
    case CBIN_ALIAS_EXPORT: {
        cfunc *g = cinst_func(fr->instances[f->o.index], f->o.name);
        if (!g)
            return bad(f->o.offset, "instance %u exports no function \"%s\"", f->o.index,
                       f->o.name);
        fr->funcs[i] = g;
        return NULL;
    }
    case CBIN_DEFINED: break;
    default: return bad(f->o.offset, "function %u: unsupported origin", i);
    }
    if (!f->type || !f->type->func)
        return bad(f->o.offset, "lifted function %u has no function type", i);
    cfunc *g = ct_alloc(r->mem, sizeof *g);
    if (!g) return nomem();
    g->type = f->type->func;
    g->name = lift_name(r, c, i, &g->named);
    if (!g->name) return nomem();
    g->core = fr->core_funcs[f->core_func];
    g->realm = fr->realm;
    weft_error *e = check_opts(fr, &f->opts, g->type, ABI_LIFT, f->o.offset, &g->memory,
                               &g->realloc);
    if (e) return e;
    abi_core_sig sig;
    abi_flatten_func(g->type, ABI_LIFT, &sig);
    if (!abi_sig_matches(g->core, &sig))
        return weft_error_new(WEFT_ERR_LINK, "component definition at byte %u: the core "
                              "function lifted as %s takes %zu and returns %zu values, but its "
                              "type flattens to %zu and %zu", f->o.offset, g->name,
                              weft_func_param_count(g->core), weft_func_result_count(g->core),
                              sig.nparams, sig.nresults);
    g->ncore_results = sig.nresults;
    g->sig = sig;
    if (f->opts.has_post_return) {
        g->post = fr->core_funcs[f->opts.post_return];
        if (weft_func_result_count(g->post) != 0 ||
            weft_func_param_count(g->post) != sig.nresults ||
            (sig.nresults && weft_func_params(g->post)[0] != sig.results[0]))
            return bad(f->o.offset, "post-return of %s does not take the core results", g->name);
    }
    fr->funcs[i] = g;
    return NULL;
}

static weft_error *def_type(crt *r, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_type_item *t = &c->types[i];
    rtype *rt = NULL;
    switch (t->o.how) {
    case CBIN_ALIAS_OUTER: {
        frame *o = outer(fr, t->o.outer);
        rt = o ? o->types[t->o.index] : NULL;
        break;
    }
    case CBIN_EXPORT: rt = fr->types[c->exports[t->o.index].target]; break;
    case CBIN_IMPORT: {
        citem *it = inst_find(fr->imports, c->imports[t->o.index].name);
        if (it && it->sort == CBIN_TYPE) rt = it->of.type;
        break;
    }
    case CBIN_ALIAS_EXPORT: {
        citem *it = inst_find(fr->instances[t->o.index], t->o.name);
        if (it && it->sort == CBIN_TYPE) rt = it->of.type;
        break;
    }
    default: break;
    }
    if (!rt) {
        /* A type defined here, or one whose run-time identity nothing gave (an imported or
         * exported abstract resource): a fresh one. */
        if (!(rt = ct_alloc(r->mem, sizeof *rt))) return nomem();
        rt->t = t->type;
        if (t->type && t->type->kind == CBIN_TYPE_RESOURCE) {
            weft_func *dtor = t->type->has_dtor && t->type->dtor < c->ncore_funcs
                                  ? fr->core_funcs[t->type->dtor]
                                  : NULL;
            if (!(rt->res = rtable_new(r, t->type->val ? t->type->val->name : NULL, dtor)))
                return nomem();
        }
    }
    fr->types[i] = rt;
    return NULL;
}

static weft_error *def_instance(crt *r, const ccomp *cc, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_instance *in = &c->instances[i];
    switch (in->o.how) {
    case CBIN_IMPORT: {
        citem *it = inst_find(fr->imports, c->imports[in->o.index].name);
        /* absent: an instance of types only (check_imports), given as an empty one */
        fr->instances[i] = it ? it->of.inst : crt_instance_new(r);
        return fr->instances[i] ? NULL : nomem();
    }
    case CBIN_EXPORT: fr->instances[i] = fr->instances[c->exports[in->o.index].target]; return NULL;
    case CBIN_ALIAS_EXPORT: {
        cinst *g = cinst_instance(fr->instances[in->o.index], in->o.name);
        if (!g)
            return bad(in->o.offset, "instance %u exports no instance \"%s\"", in->o.index,
                       in->o.name);
        fr->instances[i] = g;
        return NULL;
    }
    case CBIN_DEFINED: break;
    default: return bad(in->o.offset, "instance %u: unsupported origin", i);
    }
    cinst *args = crt_instance_new(r);
    if (!args) return nomem();
    for (uint32_t k = 0; k < in->nargs; k++) {
        const cbin_arg *a = &in->args[k];
        citem it = {.sort = a->sort};
        switch (a->sort) {
        case CBIN_FUNC: it.of.func = fr->funcs[a->index]; break;
        case CBIN_INSTANCE: it.of.inst = fr->instances[a->index]; break;
        case CBIN_TYPE: it.of.type = fr->types[a->index]; break;
        case CBIN_COMPONENT: it.of.comp = fr->comps[a->index]; break;
        case CBIN_CORE_MODULE: it.of.module = fr->core_modules[a->index]; break;
        default:
            return weft_error_new(WEFT_ERR_UNSUPPORTED, "component definition at byte %u: "
                                  "instance argument \"%s\" is a %s", in->o.offset, a->name,
                                  cbin_sort_name(a->sort));
        }
        weft_error *e = inst_put(r, args, a->name, it);
        if (e) return e;
    }
    if (in->from_exports) {
        fr->instances[i] = args;
        return NULL;
    }
    rcomp *rc = fr->comps[in->component];
    return instantiate(r, cc, rc->def, rc->parent, args, &fr->instances[i]);
}

static weft_error *def_component(crt *r, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_component_item *ci = &c->components[i];
    rcomp *rc = NULL;
    if (ci->o.how == CBIN_DEFINED && ci->def) {
        if (!(rc = ct_alloc(r->mem, sizeof *rc))) return nomem();
        rc->def = ci->def;
        rc->parent = fr;
    } else if (ci->o.how == CBIN_ALIAS_OUTER) {
        frame *o = outer(fr, ci->o.outer);
        rc = o ? o->comps[ci->o.index] : NULL;
    } else if (ci->o.how == CBIN_EXPORT) {
        rc = fr->comps[c->exports[ci->o.index].target];
    }
    if (!rc)
        return weft_error_new(WEFT_ERR_UNSUPPORTED, "component definition at byte %u: "
                              "component %u is imported or aliased from an instance, which "
                              "weft does not support", ci->o.offset, i);
    fr->comps[i] = rc;
    return NULL;
}

static weft_error *def_core_module(const ccomp *cc, frame *fr, uint32_t i) {
    const cbin_component *c = fr->c;
    const cbin_core_module *m = &c->core_modules[i];
    weft_module *wm = NULL;
    if (m->o.how == CBIN_DEFINED) {
        weft_module **mods = modules_of(cc, c);
        wm = mods ? mods[i] : NULL;
    } else if (m->o.how == CBIN_ALIAS_OUTER) {
        frame *o = outer(fr, m->o.outer);
        wm = o ? o->core_modules[m->o.index] : NULL;
    } else if (m->o.how == CBIN_EXPORT) {
        wm = fr->core_modules[c->exports[m->o.index].target];
    } else if (m->o.how == CBIN_IMPORT) {
        citem *it = inst_find(fr->imports, c->imports[m->o.index].name);
        if (it && it->sort == CBIN_CORE_MODULE) wm = it->of.module;
    }
    if (!wm)
        return weft_error_new(WEFT_ERR_UNSUPPORTED, "component definition at byte %u: core "
                              "module %u is not available (imported core modules are not "
                              "supported)", m->o.offset, i);
    fr->core_modules[i] = wm;
    return NULL;
}

/* Whether an instance type exports types and nothing else. */
static bool types_only(const cbin_type *t) {
    if (!t) return false;
    for (uint32_t i = 0; i < t->nexports; i++)
        if (t->exports[i].sort != CBIN_TYPE) return false;
    return true;
}

/* Every import of c given, with its sort and type. */
static weft_error *check_imports(const cbin_component *c, const cinst *imports) {
    for (uint32_t i = 0; i < c->nimports; i++) {
        const cbin_import *im = &c->imports[i];
        citem *it = imports ? inst_find(imports, im->name) : NULL;
        if (!it) {
            /* types, and instances of types only (an interface whose types another uses), need
             * no run-time value */
            if (im->sort == CBIN_TYPE || (im->sort == CBIN_INSTANCE && types_only(im->type)))
                continue;
            char buf[256];
            return weft_error_new(WEFT_ERR_LINK, "import \"%s\" (%s %s) is not satisfied",
                                  im->name, cbin_sort_name(im->sort),
                                  im->type ? cbin_describe_type(im->type, buf, sizeof buf) : "");
        }
        if (im->sort == CBIN_FUNC || im->sort == CBIN_INSTANCE) {
            weft_error *e = check_item(im->name, NULL, im->sort, im->type, it, 0);
            if (e) return e;
        } else if (it->sort != im->sort) {
            return weft_error_new(WEFT_ERR_LINK, "import \"%s\": a %s is given, a %s imported",
                                  im->name, cbin_sort_name(it->sort), cbin_sort_name(im->sort));
        }
    }
    return NULL;
}

#define FRAME_ARRAY(field, count)                                                              \
    do {                                                                                       \
        if (!(fr->field = ct_alloc(r->mem, ((size_t)(count) + 1) * sizeof *fr->field)))        \
            return nomem();                                                                    \
    } while (0)

static weft_error *instantiate(crt *r, const ccomp *cc, const cbin_component *c, frame *parent,
                               const cinst *imports, cinst **out) {
    *out = NULL;
    if (c->depth > CBIN_MAX_DEPTH) return weft_error_new(WEFT_ERR_LIMIT, "components nest too deeply");
    weft_error *e = check_imports(c, imports);
    if (e) return e;
    static const cinst none;
    frame *fr = ct_alloc(r->mem, sizeof *fr);
    if (!fr) return nomem();
    fr->c = c;
    fr->parent = parent;
    fr->imports = imports ? imports : &none;
    if (!(fr->realm = ct_alloc(r->mem, sizeof *fr->realm))) return nomem();
    FRAME_ARRAY(core_funcs, c->ncore_funcs);
    FRAME_ARRAY(core_tables, c->ncore_tables);
    FRAME_ARRAY(core_memories, c->ncore_memories);
    FRAME_ARRAY(core_globals, c->ncore_globals);
    FRAME_ARRAY(core_modules, c->ncore_modules);
    FRAME_ARRAY(core_instances, c->ncore_instances);
    FRAME_ARRAY(funcs, c->nfuncs);
    FRAME_ARRAY(types, c->ntypes);
    FRAME_ARRAY(comps, c->ncomponents);
    FRAME_ARRAY(instances, c->ninstances);
    for (uint32_t d = 0; d < c->ndefs && !e; d++) {
        uint32_t i = c->defs[d].index;
        switch (c->defs[d].sort) {
        case CBIN_CORE_FUNC: e = def_core_func(r, fr, i); break;
        case CBIN_CORE_TABLE: case CBIN_CORE_MEMORY: case CBIN_CORE_GLOBAL: {
            cbin_sort s = c->defs[d].sort;
            const cbin_core_item *it = s == CBIN_CORE_TABLE    ? &c->core_tables[i]
                                       : s == CBIN_CORE_MEMORY ? &c->core_memories[i]
                                                               : &c->core_globals[i];
            if (!def_core_extern(fr, s, it, i))
                e = weft_error_new(WEFT_ERR_LINK, "component definition at byte %u: core "
                                   "instance %u exports no %s \"%s\"", it->o.offset, it->o.index,
                                   cbin_sort_name(s), it->o.name ? it->o.name : "");
            break;
        }
        case CBIN_CORE_TYPE: break;
        case CBIN_CORE_MODULE: e = def_core_module(cc, fr, i); break;
        case CBIN_CORE_INSTANCE: e = def_core_instance(r, cc, fr, i); break;
        case CBIN_FUNC: e = def_func(r, fr, i); break;
        case CBIN_TYPE: e = def_type(r, fr, i); break;
        case CBIN_COMPONENT: e = def_component(r, fr, i); break;
        case CBIN_INSTANCE: e = def_instance(r, cc, fr, i); break;
        case CBIN_VALUE:
            e = weft_error_new(WEFT_ERR_UNSUPPORTED, "component values are not supported");
            break;
        default:
            e = weft_error_new(WEFT_ERR_UNSUPPORTED, "component start functions are not "
                               "supported");
            break;
        }
    }
    if (e) return e;
    cinst *exports = crt_instance_new(r);
    if (!exports) return nomem();
    for (uint32_t i = 0; i < c->nexports && !e; i++) {
        const cbin_export *x = &c->exports[i];
        citem it = {.sort = x->sort};
        switch (x->sort) {
        case CBIN_FUNC: it.of.func = fr->funcs[x->target]; break;
        case CBIN_INSTANCE: it.of.inst = fr->instances[x->target]; break;
        case CBIN_TYPE: it.of.type = fr->types[x->target]; break;
        case CBIN_COMPONENT: it.of.comp = fr->comps[x->target]; break;
        case CBIN_CORE_MODULE: it.of.module = fr->core_modules[x->target]; break;
        default: continue;
        }
        e = inst_put(r, exports, x->name, it);
    }
    if (e) return e;
    *out = exports;
    return NULL;
}

/* Names the lifted functions the top component exports through nested components (as
 * wit-component writes interfaces) after their exports: "acme:math/ops@0.1.0#add". */
static weft_error *name_exports(crt *r, cinst *x) {
    for (size_t k = 0; k < x->n; k++) {
        citem *it = &x->items[k];
        if (it->sort == CBIN_FUNC && !it->of.func->fn && !it->of.func->named) {
            it->of.func->name = it->name;
            it->of.func->named = true;
        }
        if (it->sort != CBIN_INSTANCE) continue;
        for (size_t j = 0; j < it->of.inst->n; j++) {
            citem *f = &it->of.inst->items[j];
            if (f->sort != CBIN_FUNC || f->of.func->fn || f->of.func->named) continue;
            size_t len = strlen(it->name) + strlen(f->name) + 2;
            char *name = ct_alloc(r->mem, len);
            if (!name) return nomem();
            snprintf(name, len, "%s#%s", it->name, f->name);
            f->of.func->name = name;
            f->of.func->named = true;
        }
    }
    return NULL;
}

weft_error *crt_instantiate(crt *r, const ccomp *cc, const cinst *imports, cinst **out) {
    weft_error *e = instantiate(r, cc, cc->top, NULL, imports, out);
    if (!e) e = name_exports(r, *out);
    if (e) *out = NULL;
    return e;
}

/* ---- finding a function ------------------------------------------------------------------------ */

cfunc *cinst_find_func(const cinst *x, const char *name, size_t len, char *err, size_t errlen) {
    const char *hash = memchr(name, '#', len);
    cfunc *found = NULL;
    size_t matches = 0;
    for (size_t k = 0; k < x->n; k++) {
        const citem *it = &x->items[k];
        if (it->sort == CBIN_FUNC) {
            if (!hash && strlen(it->name) == len && memcmp(it->name, name, len) == 0) {
                found = it->of.func;
                matches++;
            }
            continue;
        }
        if (it->sort != CBIN_INSTANCE) continue;
        const char *s;
        size_t sl;
        cc_short_iface(it->name, &s, &sl);
        size_t hl = hash ? (size_t)(hash - name) : 0;
        bool iface_ok = !hash || (strlen(it->name) == hl && memcmp(it->name, name, hl) == 0) ||
                        (sl == hl && memcmp(s, name, hl) == 0);
        if (!iface_ok) continue;
        const char *fn = hash ? hash + 1 : name;
        size_t fl = hash ? len - hl - 1 : len;
        for (size_t j = 0; j < it->of.inst->n; j++) {
            const citem *f = &it->of.inst->items[j];
            if (f->sort == CBIN_FUNC && strlen(f->name) == fl && memcmp(f->name, fn, fl) == 0) {
                if (matches && found == f->of.func) continue;
                found = f->of.func;
                matches++;
            }
        }
    }
    if (matches == 1) return found;
    int used = snprintf(err, errlen, matches ? "\"%.*s\" is ambiguous; the component exports:"
                                             : "no exported function \"%.*s\"; the component "
                                               "exports:",
                        (int)len, name);
    for (size_t k = 0; k < x->n && used > 0 && (size_t)used < errlen; k++) {
        const citem *it = &x->items[k];
        if (it->sort == CBIN_FUNC)
            used += snprintf(err + used, errlen - (size_t)used, " %s", it->name);
        else if (it->sort == CBIN_INSTANCE)
            for (size_t j = 0; j < it->of.inst->n && used > 0 && (size_t)used < errlen; j++)
                if (it->of.inst->items[j].sort == CBIN_FUNC)
                    used += snprintf(err + used, errlen - (size_t)used, " %s#%s", it->name,
                                     it->of.inst->items[j].name);
    }
    return NULL;
}
