/* store.c: engines and stores: a store's value stack, call frames, limits, fuel, interrupt flag,
 * and the list of objects it owns and frees together. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "runtime.h"

WEFT_API weft_engine *weft_engine_new(const weft_engine_config *cfg) {
    weft_engine *e = calloc(1, sizeof *e);
    if (e && cfg) e->cfg = *cfg;
    return e;
}

WEFT_API void weft_engine_free(weft_engine *e) { free(e); }

#ifdef WEFT_OPSTATS
#include <stdio.h>
#include "opcodes.h"
/* Prints the most frequent instructions and adjacent pairs to stderr (tuning builds only). */
static void opstats_print(const uint64_t *st) {
    enum { N = IOP_COUNT + 1, TOP = 60 };
    if (!st) return;
    uint64_t total = 0, single[IOP_COUNT + 1] = {0};
    for (size_t i = 0; i < (size_t)N * N; i++) {
        total += st[i];
        single[i % N] += st[i];
    }
    fprintf(stderr, "opstats: %llu instructions\n", (unsigned long long)total);
    for (int pass = 0; pass < 2; pass++) {
        uint64_t shown_below = UINT64_MAX;
        for (int k = 0; k < TOP; k++) {
            uint64_t best = 0;
            size_t at = 0;
            size_t n = pass ? (size_t)N * N : (size_t)N;
            for (size_t i = 0; i < n; i++) {
                uint64_t v = pass ? st[i] : single[i];
                if (v > best && v < shown_below) best = v, at = i;
            }
            if (!best) break;
            shown_below = best;
            if (pass)
                fprintf(stderr, "  pair %6.2f%%  %s -> %s\n", 100.0 * best / total,
                        at / N < IOP_COUNT ? iop_name((uint32_t)(at / N)) : "(entry)", iop_name((uint32_t)(at % N)));
            else
                fprintf(stderr, "  op   %6.2f%%  %s\n", 100.0 * best / total, iop_name((uint32_t)at));
        }
    }
}
#endif

WEFT_API weft_store *weft_store_new(weft_engine *e, const weft_limits *limits) {
    weft_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->engine = e;
    if (limits) s->limits = *limits;
    weft_limits *l = &s->limits;
    if (!l->max_memory_pages || l->max_memory_pages > WEFT_MAX_PAGES) l->max_memory_pages = WEFT_MAX_PAGES;
    if (!l->max_table_elements) l->max_table_elements = WEFT_DEFAULT_MAX_TABLE;
    if (!l->max_call_depth) l->max_call_depth = WEFT_DEFAULT_CALL_DEPTH;
    if (!l->max_stack_slots) l->max_stack_slots = WEFT_DEFAULT_STACK_SLOTS;
    if (!l->max_instances) l->max_instances = WEFT_DEFAULT_INSTANCES;
    /* Address space for the stack is reserved now; the kernel commits pages as they are used. */
    size_t bytes = (size_t)l->max_stack_slots * 8;
    void *stack = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) goto fail;
    s->stack = stack;
    s->stack_end = s->stack + l->max_stack_slots;
    s->sp = s->stack;
    atomic_init(&s->interrupt, 0);
    return s;
fail:
    weft_store_free(s);
    return NULL;
}

bool store_grow_frames(weft_store *s) {
    if (s->frames_cap >= s->limits.max_call_depth) return false;
    uint64_t ncap = s->frames_cap ? (uint64_t)s->frames_cap * 2 : 256;
    if (ncap > s->limits.max_call_depth) ncap = s->limits.max_call_depth;
    frame *f = realloc(s->frames, (size_t)ncap * sizeof *f);
    if (!f) return false;
    s->frames = f;
    s->frames_cap = (uint32_t)ncap;
    return true;
}

bool store_own(weft_store *s, uint8_t kind, void *ptr) {
    if (s->nobjs == s->objs_cap) {
        size_t ncap = s->objs_cap ? s->objs_cap * 2 : 16;
        void *n = realloc(s->objs, ncap * sizeof *s->objs);
        if (!n) return false;
        s->objs = n;
        s->objs_cap = ncap;
    }
    s->objs[s->nobjs].kind = kind;
    s->objs[s->nobjs].ptr = ptr;
    s->nobjs++;
    return true;
}

WEFT_API void weft_store_free(weft_store *s) {
    if (!s) return;
    for (size_t i = s->nobjs; i-- > 0;) {
        void *p = s->objs[i].ptr;
        switch (s->objs[i].kind) {
        case OBJ_INSTANCE: instance_destroy(p); break;
        case OBJ_FUNC: {
            weft_func *f = p;
            if (f->dtor) f->dtor(f->user_data);
            free(f->host_type.types);
            free(f->host_type.api);
            free(f);
            break;
        }
        case OBJ_GLOBAL: free(p); break;
        case OBJ_MEMORY: {
            weft_memory *m = p;
            if (m->base) munmap(m->base, m->reserved);
            if (m->pagemap > 0) close(m->pagemap);
            free(m);
            break;
        }
        case OBJ_TABLE: {
            weft_table *t = p;
            free(t->elems);
            free(t);
            break;
        }
        }
    }
    free(s->objs);
    free(s->frames);
#ifdef WEFT_OPSTATS
    opstats_print(s->opstats);
    free(s->opstats);
#endif
    if (s->stack) munmap(s->stack, (size_t)s->limits.max_stack_slots * 8);
    free(s);
}

WEFT_API void weft_store_set_fuel(weft_store *s, uint64_t fuel) { s->fuel = fuel; }
WEFT_API uint64_t weft_store_get_fuel(const weft_store *s) { return s->fuel; }
WEFT_API void weft_store_interrupt(weft_store *s) { atomic_store(&s->interrupt, 1); }
WEFT_API void weft_store_clear_interrupt(weft_store *s) { atomic_store(&s->interrupt, 0); }
WEFT_API bool weft_store_interrupted(const weft_store *s) {
    return atomic_load((atomic_int *)&s->interrupt) != 0;
}
