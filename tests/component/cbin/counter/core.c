/* counter: exports acme:res/store@0.1.0 with a resource (constructor, method, static function,
 * destructor) and a function taking a borrow. The core module imports the resource built-ins
 * (resource.new/rep/drop) from "[export]acme:res/store@0.1.0"; the destructor is reached
 * through a shim table, as for lowered imports. */
#include "../bump.h"

#define EXPORT(n) __attribute__((export_name("acme:res/store@0.1.0#" n)))
#define BUILTIN(n) __attribute__((import_module("[export]acme:res/store@0.1.0"), import_name(n)))

BUILTIN("[resource-new]counter") int32_t counter_new(int32_t rep);
BUILTIN("[resource-rep]counter") int32_t counter_rep(int32_t handle);
BUILTIN("[resource-drop]counter") void counter_drop(int32_t handle);

static uint32_t cells[64];
static int32_t ncells;

EXPORT("[constructor]counter") int32_t ctor(uint32_t start) {
    cells[ncells] = start;
    return counter_new(ncells++);
}

EXPORT("[method]counter.inc") uint32_t inc(int32_t self, uint32_t by) { return cells[self] += by; }

EXPORT("[static]counter.merge") int32_t merge(int32_t a, int32_t b) {
    cells[a] += cells[counter_rep(b)];
    counter_drop(b);
    cells[ncells] = cells[a];
    return counter_new(ncells++);
}

EXPORT("peek") uint32_t peek(int32_t c) { return cells[c]; }

EXPORT("[dtor]counter") void dtor(int32_t rep) { cells[rep] = 0; }
