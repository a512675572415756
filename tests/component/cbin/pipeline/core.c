/* pipeline: imports acme:math/ops@0.1.0 and exports acme:math/report@0.1.0. Lowering greet needs
 * the memory and cabi_realloc of this module, which exist only once it is instantiated, so
 * wit-component adds a shim module (a table of indirect calls) and a fixup module that fills it. */
#include "../bump.h"

__attribute__((import_module("acme:math/ops@0.1.0"), import_name("add")))
int32_t ops_add(int32_t a, int32_t b);
__attribute__((import_module("acme:math/ops@0.1.0"), import_name("greet")))
void ops_greet(const char *p, size_t len, uint32_t *ret);

static uint32_t ret[2];

__attribute__((export_name("acme:math/report@0.1.0#run")))
uint32_t *run(int32_t x, const char *who, size_t len) {
    uint32_t r[2];
    ops_greet(who, len, r);
    ret[0] = r[0];
    ret[1] = r[1] + (uint32_t)ops_add(x, 0) * 0;
    return ret;
}
