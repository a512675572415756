/* instance.c: instantiation (2.0 semantics): resolve and type-check imports, allocate tables,
 * memories and globals, apply active element and data segments in order, run the start
 * function. Also export lookup. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "linker.h"
#include "runtime.h"

void *elem_item_value(weft_instance *inst, const constexpr_ *item) {
    switch (item->kind) {
    case CE_REF_FUNC: return inst->funcs[item->index];
    case CE_GLOBAL_GET: return (void *)(uintptr_t)inst->globals[item->index]->bits;
    default: return NULL;
    }
}

void instance_destroy(weft_instance *inst) {
    if (!inst) return;
    free(inst->funcs);
    free(inst->defined);
    free(inst->tables);
    free(inst->globals);
    free(inst->elem_dropped);
    free(inst->data_dropped);
    if (inst->module) module_release(inst->module);
    free(inst);
}

static uint64_t eval_const(weft_instance *inst, const constexpr_ *ce) {
    switch (ce->kind) {
    case CE_CONST: return ce->bits;
    case CE_GLOBAL_GET: return inst->globals[ce->index]->bits;
    case CE_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[ce->index];
    default: return 0;
    }
}

/* Import subtyping of limits: at least the minimum, and a maximum no larger than required. */
static bool limits_fit(const limits *have, uint64_t have_min, const limits *want) {
    if (have_min < want->min) return false;
    if (want->has_max && (!have->has_max || have->max > want->max)) return false;
    return true;
}

static const char *kind_name(uint8_t k) {
    static const char *names[] = {"function", "table", "memory", "global"};
    return k < 4 ? names[k] : "?";
}

static weft_error *check_import(const weft_module *m, const import *im, const weft_extern *ext) {
    const char *why = NULL;
    if ((uint8_t)ext->kind != im->kind) {
        why = "kind";
    } else {
        switch (im->kind) {
        case WEFT_EXTERN_FUNC:
            if (!functype_equal(ext->of.func->type, &m->types[m->funcs[im->index].type])) why = "signature";
            break;
        case WEFT_EXTERN_TABLE: {
            const table_type *want = &m->tables[im->index];
            const weft_table *t = ext->of.table;
            if (t->type != want->reftype) why = "element type";
            else if (!limits_fit(&t->declared, t->size, &want->lim)) why = "limits";
            break;
        }
        case WEFT_EXTERN_MEMORY: {
            const weft_memory *mem = ext->of.memory;
            if (!limits_fit(&mem->declared, mem->pages, &m->mems[im->index])) why = "limits";
            break;
        }
        case WEFT_EXTERN_GLOBAL: {
            const global_type *want = &m->globals[im->index];
            if (ext->of.global->type != want->type || ext->of.global->mut != want->mut) why = "type";
            break;
        }
        }
    }
    if (!why) return NULL;
    return err_new(WEFT_ERR_LINK, -1, "incompatible import type for \"%.*s\" \"%.*s\" (%s: expected a %s)",
                   (int)im->module.len, im->module.ptr, (int)im->name.len, im->name.ptr, why,
                   kind_name(im->kind));
}

WEFT_API weft_error *weft_instance_new(weft_store *s, weft_module *m, weft_linker *l,
                                       weft_instance **out) {
    weft_error *err = NULL;
    weft_instance *inst = NULL;
    weft_extern *ext = NULL;
    *out = NULL;
    if (!s || !m) return err_new(WEFT_ERR_USAGE, -1, "weft_instance_new: no store or module");
    if (s->ninstances >= s->limits.max_instances)
        return err_new(WEFT_ERR_LIMIT, -1, "too many instances in the store (limit %u)",
                       s->limits.max_instances);

    ext = calloc(m->nimports ? m->nimports : 1, sizeof *ext);
    if (!ext) return err_nomem();
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import *im = &m->imports[i];
        if (!linker_lookup(l, im->module.ptr, im->module.len, im->name.ptr, im->name.len, &ext[i])) {
            err = err_new(WEFT_ERR_LINK, -1, "unknown import \"%.*s\" \"%.*s\" (a %s)",
                          (int)im->module.len, im->module.ptr, (int)im->name.len, im->name.ptr,
                          kind_name(im->kind));
            goto fail;
        }
        if ((err = check_import(m, im, &ext[i]))) goto fail;
    }

    inst = calloc(1, sizeof *inst);
    if (!inst) goto nomem;
    inst->store = s;
    inst->module = m;
    module_retain(m);
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    inst->funcs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *inst->funcs);
    inst->defined = calloc(ndef ? ndef : 1, sizeof *inst->defined);
    inst->tables = calloc(m->ntables ? m->ntables : 1, sizeof *inst->tables);
    inst->globals = calloc(m->nglobals ? m->nglobals : 1, sizeof *inst->globals);
    inst->elem_dropped = calloc(m->nelems ? m->nelems : 1, 1);
    inst->data_dropped = calloc(m->ndatas ? m->ndatas : 1, 1);
    if (!inst->funcs || !inst->defined || !inst->tables || !inst->globals || !inst->elem_dropped ||
        !inst->data_dropped)
        goto nomem;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import *im = &m->imports[i];
        switch (im->kind) {
        case WEFT_EXTERN_FUNC: inst->funcs[im->index] = ext[i].of.func; break;
        case WEFT_EXTERN_TABLE: inst->tables[im->index] = ext[i].of.table; break;
        case WEFT_EXTERN_MEMORY: inst->mem = ext[i].of.memory; break;
        case WEFT_EXTERN_GLOBAL: inst->globals[im->index] = ext[i].of.global; break;
        }
    }
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        const func_decl *fd = &m->funcs[i];
        weft_func *f = &inst->defined[i - m->nfunc_imports];
        f->type = &m->types[m->canon[fd->type]];
        f->store = s;
        f->inst = inst;
        f->index = i;
        f->name = module_func_name(m, i);
        f->code = m->code + fd->code_off;
        f->param_slots = fd->param_slots;
        f->local_slots = fd->local_slots;
        f->frame_slots = fd->frame_slots;
        inst->funcs[i] = f;
    }
    /* From here on the store owns the instance: even if instantiation fails below, segments may
     * already have put its functions into imported tables. */
    if (!store_own(s, OBJ_INSTANCE, inst)) goto nomem;
    s->ninstances++;
    free(ext);
    ext = NULL;

    for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
        if ((err = table_create(s, m->tables[i].reftype, &m->tables[i].lim, NULL, &inst->tables[i])))
            return err;
    if (m->nmems > m->nmem_imports)
        if ((err = memory_create(s, &m->mems[0], m->image_fd, m->image_len, &inst->mem))) return err;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        inst->globals[i] = global_create(s, m->globals[i].type, m->globals[i].mut,
                                         eval_const(inst, &m->global_inits[i]));
        if (!inst->globals[i]) return err_nomem();
    }

    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *seg = &m->elems[i];
        if (seg->mode == SEG_ACTIVE) {
            weft_table *t = inst->tables[seg->table];
            uint64_t off = (uint32_t)eval_const(inst, &seg->offset);
            if (off + seg->count > t->size) return err_trap(WEFT_TRAP_TABLE_OOB);
            for (uint32_t k = 0; k < seg->count; k++)
                t->elems[off + k] = elem_item_value(inst, &seg->items[k]);
        }
        if (seg->mode != SEG_PASSIVE) inst->elem_dropped[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data_seg *seg = &m->datas[i];
        if (seg->mode != SEG_ACTIVE) continue;
        if (m->image_fd < 0) { /* else the memory image holds it already */
            uint64_t off = (uint32_t)eval_const(inst, &seg->offset);
            if (off + seg->len > inst->mem->size) return err_trap(WEFT_TRAP_MEMORY_OOB);
            if (seg->len) memcpy(inst->mem->base + off, seg->bytes, seg->len);
        }
        inst->data_dropped[i] = 1;
    }
    if (m->has_start) {
        err = weft_func_call(s, inst->funcs[m->start], NULL, 0, NULL, 0);
        if (err) return err;
    }
    *out = inst;
    return NULL;

nomem:
    err = err_nomem();
fail:
    free(ext);
    instance_destroy(inst);
    return err;
}

WEFT_API bool weft_instance_export(weft_instance *inst, const char *name, weft_extern *out) {
    return weft_instance_export_n(inst, name, strlen(name), out);
}

WEFT_API bool weft_instance_export_n(weft_instance *inst, const char *name, size_t len,
                                     weft_extern *out) {
    const weft_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export *ex = &m->exports[i];
        if (ex->name.len != len || memcmp(ex->name.ptr, name, len) != 0) continue;
        out->kind = (weft_extern_kind)ex->kind;
        switch (ex->kind) {
        case WEFT_EXTERN_FUNC: out->of.func = inst->funcs[ex->index]; break;
        case WEFT_EXTERN_TABLE: out->of.table = inst->tables[ex->index]; break;
        case WEFT_EXTERN_MEMORY: out->of.memory = inst->mem; break;
        case WEFT_EXTERN_GLOBAL: out->of.global = inst->globals[ex->index]; break;
        }
        return true;
    }
    return false;
}

WEFT_API weft_func *weft_instance_func(weft_instance *inst, const char *name) {
    weft_extern e;
    if (!weft_instance_export(inst, name, &e) || e.kind != WEFT_EXTERN_FUNC) return NULL;
    return e.of.func;
}

WEFT_API weft_memory *weft_instance_memory(weft_instance *inst) { return inst->mem; }
WEFT_API weft_module *weft_instance_module(weft_instance *inst) { return inst->module; }
