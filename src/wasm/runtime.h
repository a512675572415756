/* runtime.h: the run-time objects of the engine: engines, stores, instances, functions,
 * globals, memories and tables, and the entry points between them and the interpreter.
 *
 * A store owns every object created in it and frees them together, which makes references
 * between instances (a funcref of one instance in another's table, an instance that failed to
 * instantiate but already wrote into an imported table) safe without reference counts.
 */
#ifndef WEFT_RUNTIME_H
#define WEFT_RUNTIME_H

#include <stdatomic.h>

#include "module.h"

struct weft_engine {
    weft_engine_config cfg;
};

/* A suspended caller in the interpreter: where to resume, its frame and its function. */
typedef struct frame {
    const uint32_t *ip;
    uint64_t *fp;
    weft_func *func;
} frame;

enum { OBJ_INSTANCE, OBJ_FUNC, OBJ_GLOBAL, OBJ_MEMORY, OBJ_TABLE };

struct weft_store {
    weft_engine *engine;
    weft_limits limits; /* with defaults filled in */

    uint64_t *stack;    /* value stack: mmap'd, committed by the kernel on first touch */
    uint64_t *stack_end;
    uint64_t *sp;       /* first free slot: where a call from the host puts its frame */
    frame *frames;      /* suspended callers; grown on demand up to max_call_depth */
    uint32_t frames_cap;
    uint32_t depth;     /* wasm frames live in all activations */
    uint32_t reentry;   /* nested calls from host functions back into wasm */

    uint64_t fuel;
    atomic_int interrupt;
#ifdef WEFT_OPSTATS
    uint64_t *opstats; /* [previous op][op] counts, IOP_COUNT + 1 squared; row IOP_COUNT: entry */
#endif

    struct {
        uint8_t kind;
        void *ptr;
    } *objs; /* everything the store owns, freed in reverse order */
    size_t nobjs, objs_cap;
    uint32_t ninstances;
};

struct weft_func {
    const functype *type;
    weft_store *store;
    weft_instance *inst;   /* owning instance; NULL for host functions */
    uint32_t index;        /* index in the module's function space */
    const char *name;
    /* wasm functions */
    const uint32_t *code;
    uint32_t param_slots, local_slots, frame_slots;
    /* host functions */
    weft_host_fn host;
    weft_host_fn_raw raw; /* instead of host, for raw host functions */
    void *user_data;
    void (*dtor)(void *);
    functype host_type; /* the signature a host function owns */
};

struct weft_global {
    valtype type;
    bool mut;
    uint64_t bits; /* the value as in a frame slot (i32/f32 in the low half, refs as pointers) */
};

struct weft_memory {
    uint8_t *base;     /* never moves: the whole maximum is reserved up front */
    uint64_t size;     /* accessible bytes: pages * 64 KiB */
    uint32_t pages;
    uint32_t max_pages; /* the smaller of the declared maximum and the store's limit */
    size_t reserved;   /* bytes of address space reserved at base */
    limits declared;   /* the memory type, for import matching */
    uint64_t refused_grows; /* memory.grow calls the limit refused, for embedders' reports */
    const void *image;  /* the snapshot mapped at base (snapshot.c), NULL if none */
    int pagemap;        /* /proc/self/pagemap, opened on the second reset (0: not yet, -1: none) */
};

struct weft_table {
    valtype type;
    uint32_t size, max, cap;
    void **elems; /* weft_func* for funcref, host pointers for externref; NULL = null */
    limits declared; /* the table type's limits, for import matching */
};

struct weft_instance {
    weft_store *store;
    weft_module *module; /* one reference held */
    weft_func **funcs;   /* function index space: imports first */
    weft_func *defined;  /* this instance's own functions */
    weft_table **tables;
    weft_memory *mem;    /* memory 0, or NULL */
    weft_global **globals;
    uint8_t *elem_dropped;
    uint8_t *data_dropped;
};

struct weft_caller {
    weft_store *store;
    weft_instance *inst;
};

/* store.c */
bool store_own(weft_store *s, uint8_t kind, void *ptr);
/* Makes room for one more suspended caller; false at max_call_depth or out of memory. */
bool store_grow_frames(weft_store *s);

/* memory.c, table.c: creation and growth, honouring the store's limits. */
/* image_fd >= 0: map its first image_len bytes copy-on-write as the memory's initial contents. */
weft_error *memory_create(weft_store *s, const limits *lim, int image_fd, size_t image_len,
                          weft_memory **out);
int64_t memory_grow(weft_memory *m, uint32_t delta);
weft_error *table_create(weft_store *s, valtype type, const limits *lim, void *init,
                         weft_table **out);
int64_t table_grow(weft_table *t, uint32_t delta, void *init);

/* global.c */
weft_global *global_create(weft_store *s, valtype type, bool mut, uint64_t bits);

/* func.c: conversions between frame slots and weft_val, and host calls. */
uint64_t val_to_bits(const weft_val *v);
weft_val bits_to_val(valtype t, uint64_t bits);
weft_error *host_call(weft_store *s, weft_func *f, uint64_t *slots, weft_instance *caller);

/* instance.c: the value of an element segment item in an instance; freeing an instance's own
 * arrays and its module reference (its memories, tables and globals belong to the store). */
void *elem_item_value(weft_instance *inst, const constexpr_ *item);
void instance_destroy(weft_instance *inst);

/* interp.c: runs wasm function f with its arguments in slots at fp (which must leave room for
 * f's frame); its results are left at fp[0..]. */
weft_error *interp_run(weft_store *s, weft_func *f, uint64_t *fp);
/* What the compiler threads code with: each opcode word becomes its handler's offset (NULL:
 * words stay opcodes). And back, for listings: the opcode of a code word. */
const int32_t *interp_handler_offsets(void);
uint32_t interp_opcode_of(uint32_t word);

#endif
